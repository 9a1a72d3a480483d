/* ft-plot-hover.c — the hover line and its box of every visible run's values at that x, and the epoch
 * point under a pointer (ft_plot_epoch_hit). Part of the plot renderer (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-difference.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

/* ---- hover ---- */

static bool
hover_batch (Ctx *c, const Chart *ch, const Series *s, double hx, double *value)
{
  if (s->nb == 0)
    return false;
  FtPlotXAxis axis = c->style->x_axis;
  double tol = 8.0 * (ch->x1 - ch->x0) / MAX (ch->pw, 1.0);
  if (hx < ft_plot_batch_x (&s->b[0], axis) - tol || hx > ft_plot_batch_x (&s->b[s->nb - 1], axis) + tol)
    return false;
  int k = ft_plot_model_find_batch (c->model, s->run, axis, hx);
  if (k < 0)
    return false;
  *value = batch_value (ch, &s->b[k]);
  return isfinite (*value);
}

/* How many drawn points (per-batch, sampled, and epoch markers) fall inside a rectangle. */
static int
box_hits (Ctx *c, const Chart *ch, double bx, double by, double bw, double bh)
{
  FtPlotXAxis axis = c->style->x_axis;
  double m = c->fs * 0.5, xa = bx - m, xb = bx + bw + m, ya = by - m, yb = by + bh + m;
  double da = ch->x0 + (xa - ch->px) / ch->pw * (ch->x1 - ch->x0);
  double db = ch->x0 + (xb - ch->px) / ch->pw * (ch->x1 - ch->x0);
  int hits = 0;
  for (int i = 0; i < ch->n_series; i++)
    {
      const Series *s = &ch->series[i];
      if (c->style->show_batches && s->nb > 0)
        {
          int a = ft_plot_batch_lower_bound (s->b, s->nb, axis, da),
              z = ft_plot_batch_upper_bound (s->b, s->nb, axis, db);
          int stride = MAX (1, (z - a) / 300);
          for (int k = a; k < z; k += stride)
            {
              double v = batch_value (ch, &s->b[k]);
              if (!usable (ch, v))
                continue;
              double py = map_y (ch, v);
              if (py >= ya && py <= yb)
                hits++;
            }
        }
      for (int k = 0; k < s->ne; k++)
        {
          double px = map_x (ch, ft_plot_epoch_x (&s->e[k], axis)), v;
          if (px < xa || px > xb)
            continue;
          for (int j = 0; j < 2; j++)
            if (epoch_value (&s->e[k], j ? s->val_key : s->train_key, &v) && usable (ch, v))
              {
                double py = map_y (ch, v);
                if (py >= ya && py <= yb)
                  hits += 20; /* markers matter more than single batches */
              }
        }
    }
  return hits;
}

/* The hover box's rows: a marker (its run, or none), then up to three cells of text. */
typedef struct
{
  int max_rows, rows;
  PangoLayout **cells; /* rows × 3 */
  const Series **row_series;
  double *dot_y; /* per series: where the hover line meets its per-batch line (NAN: nowhere) */
  double cur_value[64];
  bool has_cur[64];
} Hover;

/* Per visible run: its name, the value under the hover line and the last validation before it. */
static void
hover_run_rows (Ctx *c, const Chart *ch, double hx, Hover *h)
{
  char buf[64], text[160];
  FtPlotXAxis axis = c->style->x_axis;
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      const Series *s = &ch->series[i];
      h->dot_y[i] = NAN;
      h->has_cur[i] = false;
      if (s->nb == 0 && s->ne == 0)
        continue;
      double v;
      const char *label = ch->metric == FT_PLOT_LOSS ? (ch->raw ? "batch loss" : "loss") : s->train_key;
      int e = ft_plot_model_find_epoch (c->model, s->run, axis, hx);
      if (hover_batch (c, ch, s, hx, &v))
        {
          g_snprintf (buf, sizeof buf, "%.7g", v); /* exact: every digit a float has */
          g_snprintf (text, sizeof text, "%s %s", label, buf);
          if (usable (ch, v))
            h->dot_y[i] = map_y (ch, v);
          h->cur_value[i] = v;
          h->has_cur[i] = true;
        }
      else if (s->nb == 0 && e >= 0 && epoch_value (&s->e[e], s->train_key, &v))
        {
          /* Epoch points only: the last epoch's value. */
          ft_plot_format_value (buf, sizeof buf, v);
          g_snprintf (text, sizeof text, "%s %s", s->train_key, buf);
          h->cur_value[i] = v;
          h->has_cur[i] = true;
        }
      else
        g_snprintf (text, sizeof text, "%s —", label);
      int r = h->rows;
      h->row_series[r] = s;
      h->cells[r * 3 + 0] = ft_plot_make_layout (c, s->name, 0.95, true, false);
      h->cells[r * 3 + 1] = ft_plot_make_layout (c, text, 0.95, false, true);
      if (e >= 0 && epoch_value (&s->e[e], s->val_key, &v))
        {
          /* The validation of the last epoch that ended at or before x (1-based, as Keras counts). */
          g_snprintf (buf, sizeof buf, "%.7g", v);
          g_snprintf (text, sizeof text, "%s %s (epoch %d)", s->val_key, buf, s->e[e].epoch + 1);
          h->cells[r * 3 + 2] = ft_plot_make_layout (c, text, 0.95, false, true);
        }
      h->rows++;
    }
}

/* A row without a marker: a faint name and a value. */
static void
hover_plain_row (Ctx *c, Hover *h, const char *name, const char *value)
{
  h->row_series[h->rows] = NULL;
  h->cells[h->rows * 3 + 0] = ft_plot_make_layout (c, name, 0.95, false, false);
  h->cells[h->rows * 3 + 1] = ft_plot_make_layout (c, value, 0.95, false, true);
  h->rows++;
}

/* On the loss chart, the pair's per-step difference (the lane's) at the step nearest the hover line: false
 * when the pair has none there (within 8 pixels). */
static bool
hover_step_difference (Ctx *c, const Chart *ch, const Series *s, double hx, char *value, size_t size)
{
  if (ch->metric != FT_PLOT_LOSS)
    return false;
  const double tol = 8.0 * (ch->x1 - ch->x0) / MAX (ch->pw, 1.0);
  return ft_plot_difference_describe_at (ft_plot_model_get_difference (c->model, s->run), c->style->x_axis,
                                         hx, tol, value, size);
}

/* The difference of paired runs ("both" mode: fit − tape) — on the loss chart at one step, from the lane's
 * per-step series; else between the values under the hover line —, then the callback lanes' decisions at
 * the epoch under the hover line, with the rule that fired. */
static void
hover_extra_rows (Ctx *c, const Chart *ch, double hx, Hover *h, int lanes_run, const FtPlotLaneEvent *lane_ev,
                  int n_lane_ev)
{
  char name[160], value[160];
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      const Series *s = &ch->series[i];
      int j = s->partner;
      if (j < 0 || s->second || j >= 64)
        continue;
      g_snprintf (name, sizeof name, "%s − %s", s->name, ch->series[j].name);
      if (hover_step_difference (c, ch, s, hx, value, sizeof value))
        {
          hover_plain_row (c, h, name, value);
          continue;
        }
      if (!h->has_cur[i] || !h->has_cur[j])
        continue;
      double d = h->cur_value[i] - h->cur_value[j];
      if (d == 0)
        g_snprintf (value, sizeof value, "identical");
      else
        g_snprintf (value, sizeof value, "Δ %+.3g", d);
      hover_plain_row (c, h, name, value);
    }
  int le = lanes_run > 0 ? ft_plot_model_find_epoch (c->model, lanes_run, c->style->x_axis, hx) : -1;
  if (le < 0)
    return;
  int he = ft_plot_model_get_epochs (c->model, lanes_run)[le].epoch;
  for (int i = 0; i < n_lane_ev; i++)
    if (lane_ev[i].epoch == he)
      hover_plain_row (c, h, ft_plot_model_get_lane_name (c->model, lanes_run, lane_ev[i].lane),
                       lane_ev[i].text);
}

/* Dots where the hover line meets each per-batch line. */
static void
hover_dots (Ctx *c, const Chart *ch, const Hover *h, double x)
{
  cairo_t *cr = c->cr;
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      if (!isfinite (h->dot_y[i]) || h->dot_y[i] < ch->py - 1 || h->dot_y[i] > ch->py + ch->ph + 1)
        continue;
      const Series *s = &ch->series[i];
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, h->dot_y[i], c->lw * (s->second ? 2.2 : 3.4), 0, 2 * G_PI);
      ft_plot_set_color (cr, &s->color, 1.0);
      cairo_fill_preserve (cr);
      ft_plot_set_color (cr, &c->bg, 1.0);
      cairo_set_line_width (cr, c->lw * 1.2);
      cairo_stroke (cr);
    }
}

/* "Epoch 1.25", "Step 1,200" or "38,400 samples". */
static PangoLayout *
hover_header (Ctx *c, double hx)
{
  char buf[64], text[160];
  switch (c->style->x_axis)
    {
    case FT_PLOT_X_STEP:
      ft_format_thousands (buf, sizeof buf, (int64_t) llround (hx));
      g_snprintf (text, sizeof text, "Step %s", buf);
      break;
    case FT_PLOT_X_SAMPLES:
      ft_format_thousands (buf, sizeof buf, (int64_t) llround (hx));
      g_snprintf (text, sizeof text, "%s samples", buf);
      break;
    case FT_PLOT_X_EPOCH:
    default:
      g_snprintf (text, sizeof text, "Epoch %.2f", hx);
      break;
    }
  return ft_plot_make_layout (c, text, 0.95, true, true);
}

/* Where the box hides the least data: beside the line, at the top or the bottom of the plot. */
static void
hover_place (Ctx *c, const Chart *ch, double x, double bw, double bh, double *bx, double *by)
{
  int best = G_MAXINT;
  for (int cand = 0; cand < 4; cand++)
    {
      double cx = (cand % 2 == 0) ? x + c->fs * 0.9 : x - c->fs * 0.9 - bw;
      /* Inside the chart (the plot area and its margins), never cut at its edge. */
      if (cx + bw > ch->cx1 - 2)
        cx = ch->cx1 - bw - 2;
      if (cx < ch->cx0 + 2)
        cx = ch->cx0 + 2;
      double cy = cand < 2 ? ch->py + c->fs * 0.5 : ch->py + ch->ph - c->fs * 0.5 - bh;
      if (cy + bh > ch->cy1 - 2)
        cy = ch->cy1 - bh - 2;
      if (cy < ch->cy0 + 2)
        cy = ch->cy0 + 2;
      int hits = box_hits (c, ch, cx, cy, bw, bh);
      if (hits < best)
        {
          best = hits;
          *bx = cx;
          *by = cy;
        }
    }
}

/* The box: measured, placed, framed, then its header and rows. */
static void
hover_box (Ctx *c, const Chart *ch, const Hover *h, double x, PangoLayout *header)
{
  cairo_t *cr = c->cr;
  double pad = c->fs * 0.55, gap = c->fs * 0.9, mark = c->fs * 1.2;
  double colw[3] = { 0, 0, 0 }, rowh = 0, hw, hh;
  ft_plot_layout_size (header, &hw, &hh);
  for (int r = 0; r < h->rows; r++)
    for (int k = 0; k < 3; k++)
      if (h->cells[r * 3 + k] != NULL)
        {
          double w, lh;
          ft_plot_layout_size (h->cells[r * 3 + k], &w, &lh);
          colw[k] = MAX (colw[k], w);
          rowh = MAX (rowh, lh);
        }
  rowh = MAX (rowh, c->fs * 1.25);
  double bw = pad * 2 + mark + colw[0] + gap + colw[1] + (colw[2] > 0 ? gap + colw[2] : 0);
  bw = MAX (bw, pad * 2 + hw);
  double bh = pad * 2 + hh + (h->rows > 0 ? c->fs * 0.3 + h->rows * rowh : 0);
  double bx = 0, by = 0;
  hover_place (c, ch, x, bw, bh, &bx, &by);

  ft_plot_rounded_rect (cr, bx, by, bw, bh, c->fs * 0.4);
  ft_plot_set_color (cr, &c->bg, 0.94);
  cairo_fill_preserve (cr);
  ft_plot_set_color (cr, &c->fg, c->style->high_contrast ? 0.8 : 0.25);
  cairo_set_line_width (cr, MAX (1.0, c->lw));
  cairo_stroke (cr);

  ft_plot_show_layout (c, header, bx + pad, by + pad, &c->fg, 1.0);
  double ry = by + pad + hh + c->fs * 0.3;
  for (int r = 0; r < h->rows; r++, ry += rowh)
    {
      const Series *s = h->row_series[r];
      double cx = bx + pad;
      if (s != NULL)
        ft_plot_draw_marker (c, s, cx + mark * 0.4, ry + rowh / 2, false);
      cx += mark;
      for (int k = 0; k < 3; k++)
        {
          if (h->cells[r * 3 + k] != NULL)
            {
              double lh;
              ft_plot_layout_size (h->cells[r * 3 + k], NULL, &lh);
              ft_plot_show_layout (c, h->cells[r * 3 + k], cx, ry + (rowh - lh) / 2, &c->fg,
                                   s == NULL && k == 0 ? 0.7 : 1.0);
            }
          cx += colw[k] + gap;
        }
    }
}

void
ft_plot_draw_hover (Ctx *c, const Chart *ch, double hx)
{
  cairo_t *cr = c->cr;
  if (hx < ch->x0 || hx > ch->x1)
    return;
  double x = map_x (ch, hx);
  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, MAX (1.0, c->lw));
  ft_plot_set_color (cr, &c->fg, 0.55);
  cairo_move_to (cr, round (x * c->dev_scale) / c->dev_scale + 0.5 / c->dev_scale, ch->py);
  cairo_line_to (cr, round (x * c->dev_scale) / c->dev_scale + 0.5 / c->dev_scale, ch->py + ch->ph);
  cairo_stroke (cr);

  /* Rows: marker + name | batch value | validation value (last epoch ≤ x). */
  int lanes_run = ch->metric == FT_PLOT_LOSS ? ft_plot_model_get_lanes_run (c->model) : 0, n_lane_ev = 0;
  const FtPlotLaneEvent *lane_ev = lanes_run > 0
                                       ? ft_plot_model_get_lane_events (c->model, lanes_run, &n_lane_ev)
                                       : NULL;
  Hover h;
  h.max_rows = ch->n_series * 2 + 1 + n_lane_ev;
  h.rows = 0;
  h.cells = g_new0 (PangoLayout *, h.max_rows * 3);
  h.row_series = g_new0 (const Series *, h.max_rows);
  h.dot_y = g_new (double, ch->n_series);
  hover_run_rows (c, ch, hx, &h);
  hover_extra_rows (c, ch, hx, &h, lanes_run, lane_ev, n_lane_ev);
  hover_dots (c, ch, &h, x);
  PangoLayout *header = hover_header (c, hx);
  hover_box (c, ch, &h, x, header);
  g_object_unref (header);
  for (int i = 0; i < h.max_rows * 3; i++)
    if (h.cells[i] != NULL)
      g_object_unref (h.cells[i]);
  g_free (h.cells);
  g_free (h.row_series);
  g_free (h.dot_y);
  cairo_restore (cr);
}

bool
ft_plot_epoch_hit (const FtPlotModel *model, const FtPlotGeometry *g, FtPlotMetric metric, double px,
                   double py, double radius, int *run, int *epoch, char *key, size_t key_size)
{
  g_return_val_if_fail (model != NULL && g != NULL, false);
  if (!g->has_data || metric == FT_PLOT_BOTH)
    return false;
  double best_d = radius + 1e-9;
  bool found = false;
  for (int i = 0; i < ft_plot_model_get_n_runs (model); i++)
    {
      int id = ft_plot_model_get_run_id (model, i);
      if (!ft_plot_model_get_run_visible (model, id))
        continue;
      const char *train_key = "loss";
      if (metric == FT_PLOT_ACCURACY)
        {
          train_key = ft_plot_model_get_metric_key (model, id);
          if (train_key == NULL)
            continue;
        }
      char val_key[FT_LOG_KEY_MAX + 4];
      g_snprintf (val_key, sizeof val_key, "val_%s", train_key);
      const FtPlotEpochPoint *e = ft_plot_model_get_epochs (model, id);
      int ne = ft_plot_model_get_n_epochs (model, id);
      for (int k = 0; k < ne; k++)
        for (int j = 0; j < 2; j++)
          {
            const char *kk = j ? val_key : train_key;
            double v;
            if (!epoch_value (&e[k], kk, &v) || (g->log_y && !(v > 0)))
              continue;
            double x = ft_plot_epoch_x (&e[k], g->x_axis);
            if (x < g->x_min || x > g->x_max || v < g->y_min || v > g->y_max)
              continue;
            double d = hypot (ft_plot_geometry_x_to_pixel (g, x) - px,
                              ft_plot_geometry_y_to_pixel (g, v) - py);
            if (d < best_d) /* ties go to the earlier run (fit before the tape loop) */
              {
                best_d = d;
                found = true;
                if (run)
                  *run = id;
                if (epoch)
                  *epoch = e[k].epoch;
                if (key)
                  g_strlcpy (key, kk, key_size);
              }
          }
    }
  return found;
}
