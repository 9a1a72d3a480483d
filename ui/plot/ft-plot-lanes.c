/* ft-plot-lanes.c — the strips and marks under and over the curves: one lane per callback of the
 * plotted run (ft_plot_lanes_hit), Compare mode's difference lane and divergence mark, and the ticks of
 * live changes. Part of the plot renderer (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-difference.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

/* ---- callback lanes ---- */

/* One lane's row: where it is and what its rate line spans. */
typedef struct
{
  int run, lane, n;
  const FtPlotLaneEvent *ev;
  double y0, mid, row, r; /* the row's top, middle and height; a mark's size */
  double lo, hi;          /* the log of the rates' range */
  bool started;           /* the rate line has begun */
} LaneRow;

static double
lane_event_x (Ctx *c, const Chart *ch, int run, int epoch)
{
  return map_x (ch, ft_plot_model_lane_x (c->model, run, c->style->x_axis, epoch));
}

/* A ring at the best epoch, with a dotted line back from the stop (the lane's last mark). */
static void
draw_lane_restore (Ctx *c, const Chart *ch, const LaneRow *lr, double x)
{
  cairo_t *cr = c->cr;
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, lr->mid, lr->r * 1.8, 0, 2 * G_PI);
  cairo_stroke (cr);
  double stop_x = x;
  for (int k = 0; k < lr->n; k++)
    if (lr->ev[k].lane == lr->lane && lr->ev[k].mark == FT_PLOT_LANE_STOP)
      stop_x = lane_event_x (c, ch, lr->run, lr->ev[k].epoch);
  if (stop_x > x + lr->r * 2)
    {
      double dash[] = { c->lw * 2, c->lw * 2 };
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, stop_x, lr->mid);
      cairo_line_to (cr, x + lr->r * 1.8, lr->mid);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
}

static void
draw_lane_mark (Ctx *c, const Chart *ch, LaneRow *lr, const FtPlotLaneEvent *e, const FtPlotColor *col)
{
  cairo_t *cr = c->cr;
  double x = lane_event_x (c, ch, lr->run, e->epoch), mid = lr->mid, row = lr->row, r = lr->r;
  ft_plot_set_color (cr, col, 0.95);
  switch (e->mark)
    {
    case FT_PLOT_LANE_BEST:
      cairo_move_to (cr, x, mid - r * 1.2);
      cairo_line_to (cr, x + r * 1.2, mid);
      cairo_line_to (cr, x, mid + r * 1.2);
      cairo_line_to (cr, x - r * 1.2, mid);
      cairo_close_path (cr);
      cairo_fill (cr);
      break;
    case FT_PLOT_LANE_WAIT:
      {
        double f = e->patience > 0 ? CLAMP ((double) e->wait / e->patience, 0.2, 1.0) : 0.5;
        cairo_move_to (cr, x, mid + row * 0.4);
        cairo_line_to (cr, x, mid + row * 0.4 - row * 0.8 * f);
        cairo_stroke (cr);
        break;
      }
    case FT_PLOT_LANE_STOP:
      cairo_rectangle (cr, x - r * 0.6, lr->y0 + row * 0.08, r * 1.2, row * 0.84);
      cairo_fill (cr);
      break;
    case FT_PLOT_LANE_RESTORE:
      draw_lane_restore (c, ch, lr, x);
      break;
    case FT_PLOT_LANE_CUT:
      cairo_move_to (cr, x - r * 1.3, mid - r);
      cairo_line_to (cr, x + r * 1.3, mid - r);
      cairo_line_to (cr, x, mid + r * 1.3);
      cairo_close_path (cr);
      cairo_fill (cr);
      break;
    case FT_PLOT_LANE_SAVE:
    case FT_PLOT_LANE_SKIP:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, mid, r, 0, 2 * G_PI);
      if (e->mark == FT_PLOT_LANE_SAVE)
        cairo_fill (cr);
      else
        cairo_stroke (cr);
      break;
    case FT_PLOT_LANE_RATE:
      {
        double f = lr->hi > lr->lo && e->value > 0 ? (log (e->value) - lr->lo) / (lr->hi - lr->lo) : 0.5;
        double y = lr->y0 + row * (0.85 - 0.7 * f);
        if (lr->started)
          cairo_line_to (cr, x, y);
        else
          cairo_move_to (cr, x, y);
        lr->started = true;
        break;
      }
    case FT_PLOT_LANE_OTHER:
    default:
      ft_plot_set_color (cr, col, 0.35);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, mid, r * 0.6, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    }
}

/* One row per callback of run from top: its name faint at the left, a hairline, and a mark per event:
 * best a filled diamond, wait a tick whose height is wait / patience, stop a bar across the row, restore a
 * ring at the best epoch with a dotted line back from the stop, cut a down-pointing triangle, save a filled
 * dot, skip a hollow one, rates a tiny line (log-scaled within the row). */
static void
draw_callback_lanes (Ctx *c, const Chart *ch, int run, double top, double row)
{
  cairo_t *cr = c->cr;
  int n_lanes = ft_plot_model_get_n_lanes (c->model, run), n;
  const FtPlotLaneEvent *ev = ft_plot_model_get_lane_events (c->model, run, &n);
  FtPlotColor col;
  ft_plot_style_run_color (c->style, ft_plot_model_get_run_colour (c->model, run), &col);
  double r = MAX (2.0, row * 0.22);
  cairo_save (cr);
  cairo_rectangle (cr, ch->px - r * 2, top, ch->pw + r * 4, row * n_lanes);
  cairo_clip (cr);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw));
  for (int l = 0; l < n_lanes; l++)
    {
      LaneRow lr = { .run = run, .lane = l, .n = n, .ev = ev, .row = row, .r = r };
      lr.y0 = top + l * row;
      lr.mid = lr.y0 + row / 2;
      ft_plot_set_color (cr, &c->fg, 0.15);
      cairo_move_to (cr, ch->px, lr.mid);
      cairo_line_to (cr, ch->px + ch->pw, lr.mid);
      cairo_stroke (cr);
      PangoLayout *name = ft_plot_make_layout (c, ft_plot_model_get_lane_name (c->model, run, l), 0.72, false,
                                               false);
      double w, h;
      ft_plot_layout_size (name, &w, &h);
      ft_plot_show_layout (c, name, ch->px + c->fs * 0.2, lr.y0 + (row - h) / 2, &c->fg, 0.45);
      g_object_unref (name);
      /* The rate's range, for its tiny line. */
      lr.lo = INFINITY;
      lr.hi = -INFINITY;
      for (int i = 0; i < n; i++)
        if (ev[i].lane == l && ev[i].mark == FT_PLOT_LANE_RATE && ev[i].value > 0)
          {
            lr.lo = MIN (lr.lo, log (ev[i].value));
            lr.hi = MAX (lr.hi, log (ev[i].value));
          }
      for (int i = 0; i < n; i++)
        if (ev[i].lane == l)
          draw_lane_mark (c, ch, &lr, &ev[i], &col);
      if (lr.started)
        {
          ft_plot_set_color (cr, &col, 0.95);
          cairo_stroke (cr);
        }
    }
  cairo_restore (cr);
}

bool
ft_plot_lanes_hit (const FtPlotModel *model, const FtPlotGeometry *g, double px, double py, double radius,
                   int *lane, int *event)
{
  if (lane != NULL)
    *lane = -1;
  if (event != NULL)
    *event = -1;
  g_return_val_if_fail (model != NULL && g != NULL, false);
  if (g->n_lanes <= 0 || g->lane_height <= 0 || py < g->lanes_y
      || py >= g->lanes_y + g->n_lanes * g->lane_height || px < g->plot_x - radius
      || px > g->plot_x + g->plot_width + radius)
    return false;
  int l = (int) floor ((py - g->lanes_y) / g->lane_height);
  if (lane != NULL)
    *lane = l;
  int n, best = -1;
  double best_d = radius;
  const FtPlotLaneEvent *ev = ft_plot_model_get_lane_events (model, g->lanes_run, &n);
  for (int i = 0; i < n; i++)
    {
      if (ev[i].lane != l)
        continue;
      double d = fabs (
          ft_plot_geometry_x_to_pixel (g, ft_plot_model_lane_x (model, g->lanes_run, g->x_axis, ev[i].epoch))
          - px);
      if (d <= best_d) /* ties go to the later event (the stop over the wait it ended) */
        {
          best_d = d;
          best = i;
        }
    }
  if (event != NULL)
    *event = best;
  return best >= 0;
}

/* ---- Compare mode: the difference lane and the divergence mark ---- */

/* The lane's log axis: |Δ| from 1e-7 to 10; zero (identical) sits in a band below it. */
#define LANE_LOG_MIN -7.0
#define LANE_LOG_MAX 1.0

/* The first visible pair (first run's series index), or -1. */
static int
lane_pair (const Chart *ch)
{
  for (int i = 0; i < ch->n_series; i++)
    if (ch->series[i].partner >= 0 && !ch->series[i].second)
      return i;
  return -1;
}

/* Where a positive difference goes on the lane from its log10. */
static double
log_difference_y (double lg, double top, double bottom)
{
  double t = (CLAMP (lg, LANE_LOG_MIN, LANE_LOG_MAX) - LANE_LOG_MIN) / (LANE_LOG_MAX - LANE_LOG_MIN);
  return bottom - t * (bottom - top);
}

/* Where a difference goes on the lane: zero in the "identical" band, the rest on a log axis. */
static double
difference_y (double d, double top, double bottom, double band)
{
  if (d == 0)
    return bottom + band / 2;
  if (!isfinite (d))
    return top;
  return log_difference_y (log10 (d), top, bottom);
}

/* The dots of the difference lane from the plotted batch points (a pair without step records): one per
 * step both runs have a point of in the chart's x range (matched by global step). Drawn from a bitmap of the
 * lane's device pixels, each column's runs of covered rows as one rectangle, so that a long run costs no more
 * path than the lane has pixels (the same picture up to a device pixel). */
static void
difference_dots (Ctx *c, const Chart *ch, const Series *a, const Series *b, double top, double bottom,
                 double band, double lx, double ly, double lw, double lh)
{
  cairo_t *cr = c->cr;
  FtPlotXAxis axis = c->style->x_axis;
  int ia = MAX (0, ft_plot_batch_lower_bound (a->b, a->nb, axis, ch->x0) - 1);
  int za = MIN (a->nb, ft_plot_batch_upper_bound (a->b, a->nb, axis, ch->x1) + 1);
  int ib = MAX (0, ft_plot_batch_lower_bound (b->b, b->nb, axis, ch->x0) - 1);
  int zb = MIN (b->nb, ft_plot_batch_upper_bound (b->b, b->nb, axis, ch->x1) + 1);
  double r = MAX (1.5, c->lw * 1.6), ds = c->dev_scale, x_left = lx - 2 * r; /* the bitmap's left edge */
  int ncols = MAX (1, (int) ceil ((lw + 4 * r) * ds)), nrows = MAX (1, (int) ceil (lh * ds));
  guint8 *seen = g_new0 (guint8, (gsize) ncols * nrows);
  bool exhaustive = ft_plot_exhaustive ();
  gint64 visited = 0, elements = 0;
  for (; ia < za && ib < zb; visited++)
    {
      double sa = a->b[ia].step, sb = b->b[ib].step;
      if (sa != sb)
        {
          ia += sa < sb;
          ib += sb < sa;
          continue;
        }
      double d = fabs ((double) a->b[ia].batch_loss - (double) b->b[ib].batch_loss);
      double px = map_x (ch, ft_plot_batch_x (&a->b[ia++], axis)), py = difference_y (d, top, bottom, band);
      ib++;
      int col = (int) floor ((px - x_left) * ds), row = (int) floor ((py - ly) * ds);
      if (exhaustive)
        {
          cairo_rectangle (cr, px - r, py - r, 2 * r, 2 * r);
          elements += 5;
        }
      else if (col >= 0 && col < ncols && row >= 0 && row < nrows)
        seen[(gsize) col * nrows + row] = 1;
    }
  for (int col = 0; col < ncols && !exhaustive; col++)
    for (int row = 0; row < nrows; row++)
      {
        if (!seen[(gsize) col * nrows + row])
          continue;
        int end = row + 1;
        while (end < nrows && seen[(gsize) col * nrows + end])
          end++;
        double cx = x_left + (col + 0.5) / ds, y0 = ly + (row + 0.5) / ds, y1 = ly + (end - 0.5) / ds;
        cairo_rectangle (cr, cx - r, y0 - r, 2 * r, y1 - y0 + 2 * r);
        elements += 5;
        row = end;
      }
  g_free (seen);
  ft_plot_count_work (visited, 0, elements);
}

/* The lane from the pair's step records (every step both runs completed, ft-plot-difference.h): per
 * device-pixel column, the envelope of its |Δ| taken from the series' level-of-detail summary (work bounded
 * by the lane's width, not by the runs' length), drawn as one bar from the least to the largest positive
 * difference, and a dot in the "identical" band when some step of the column has none. One dot per step
 * when drawing exhaustively (tests). */
static void
difference_columns (Ctx *c, const Chart *ch, const FtPlotDifference *diff, double top, double bottom,
                    double band)
{
  int n;
  const FtPlotBatchPoint *d = ft_plot_difference_points (diff, &n);
  FtPlotXAxis axis = c->style->x_axis;
  int a = ft_plot_batch_lower_bound (d, n, axis, ch->x0), z = ft_plot_batch_upper_bound (d, n, axis, ch->x1);
  double r = MAX (1.5, c->lw * 1.6), ds = c->dev_scale;
  gint64 visited = 0, elements = 0;
  if (ft_plot_exhaustive ())
    {
      for (int i = a; i < z; i++, visited++, elements += 5)
        cairo_rectangle (c->cr, map_x (ch, ft_plot_batch_x (&d[i], axis)) - r,
                         difference_y (d[i].batch_loss, top, bottom, band) - r, 2 * r, 2 * r);
      ft_plot_count_work (visited, 0, elements);
      return;
    }
  int ncols = MAX (1, (int) ceil (ch->pw * ds));
  FtPlotEnvelope pos, all; /* of the positive differences (log10), of every difference */
  ft_plot_envelope_init (&pos, ncols);
  ft_plot_envelope_init (&all, ncols);
  FtPlotEnvelopeSpec spec = {
    .axis = axis, .value = FT_PLOT_VALUE_BATCH_LOSS, .log_y = true, .x0 = ch->x0, .x1 = ch->x1
  };
  visited += ft_plot_envelope_fill (&pos, &spec, d, ft_plot_difference_summary (diff), a, z);
  spec.log_y = false;
  visited += ft_plot_envelope_fill (&all, &spec, d, ft_plot_difference_summary (diff), a, z);
  for (int col = 0; col < ncols; col++)
    {
      double cx = ch->px + (col + 0.5) * ch->pw / ncols;
      if (pos.counts[col] > 0)
        {
          double y0 = log_difference_y (pos.maxs[col], top, bottom);
          double y1 = log_difference_y (pos.mins[col], top, bottom);
          cairo_rectangle (c->cr, cx - r, y0 - r, 2 * r, y1 - y0 + 2 * r);
          elements += 5;
        }
      if (all.counts[col] > 0 && all.mins[col] == 0)
        {
          cairo_rectangle (c->cr, cx - r, bottom + band / 2 - r, 2 * r, 2 * r);
          elements += 5;
        }
    }
  ft_plot_envelope_free (&pos);
  ft_plot_envelope_free (&all);
  ft_plot_count_work (visited, 0, elements);
}

/* |loss − partner's loss| per step where both runs have that step (matched by global step), on a log
 * axis in [ly, ly + lh); steps where they are equal are drawn in the "identical" band at the bottom. From
 * the pair's step records when it has some, else from the batch points both runs were given. */
static void
draw_difference_lane (Ctx *c, const Chart *ch, double lx, double ly, double lw, double lh)
{
  cairo_t *cr = c->cr;
  int i = lane_pair (ch);
  if (i < 0)
    return;
  const Series *a = &ch->series[i], *b = &ch->series[a->partner];
  double band = lh * 0.22;
  double top = ly, bottom = ly + lh - band;
  /* Labels left of the lane, where the y tick labels are above it. */
  PangoLayout *l = ft_plot_make_layout (c, "identical", 0.75, false, false);
  double tw, th;
  ft_plot_layout_size (l, &tw, &th);
  ft_plot_show_layout (c, l, lx - c->fs * 0.3 - tw, bottom + (band - th) / 2, &c->fg, 0.7);
  g_object_unref (l);
  l = ft_plot_make_layout (c, "|Δ loss|", 0.75, false, false);
  ft_plot_layout_size (l, &tw, &th);
  ft_plot_show_layout (c, l, lx - c->fs * 0.3 - tw, top, &c->fg, 0.7);
  g_object_unref (l);
  cairo_save (cr);
  cairo_rectangle (cr, lx, ly, lw, lh);
  cairo_clip (cr);
  /* The "identical" band and the lane's frame. */
  ft_plot_set_color (cr, &c->fg, 0.06);
  cairo_rectangle (cr, lx, bottom, lw, band);
  cairo_fill (cr);
  ft_plot_set_color (cr, &c->fg, 0.25);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * 0.8));
  cairo_rectangle (cr, lx, ly, lw, lh);
  cairo_stroke (cr);
  /* The differences: one dot per step (a line would hide where they are zero). */
  ft_plot_set_color (cr, &a->color, 0.9);
  const FtPlotDifference *steps = ft_plot_model_get_difference (c->model, a->run);
  int n_steps;
  ft_plot_difference_points (steps, &n_steps);
  if (n_steps > 0)
    difference_columns (c, ch, steps, top, bottom, band);
  else
    difference_dots (c, ch, a, b, top, bottom, band, lx, ly, lw, lh);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* A vertical dashed line where the runs parted, labelled at its top. */
static void
draw_mark (Ctx *c, const Chart *ch, double y_top, double y_bottom)
{
  double mx;
  const char *label;
  if (!ft_plot_model_get_mark (c->model, c->style->x_axis, &mx, &label) || mx < ch->x0 || mx > ch->x1)
    return;
  cairo_t *cr = c->cr;
  double px = map_x (ch, mx);
  cairo_save (cr);
  /* In the text colour, not a run's: it marks a place, not a series. */
  ft_plot_set_color (cr, &c->fg, 0.85);
  double dash[2] = { c->lw * 4, c->lw * 3 };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, MAX (2.0, c->lw * 2.0));
  cairo_move_to (cr, px, y_top);
  cairo_line_to (cr, px, y_bottom);
  cairo_stroke (cr);
  if (label && label[0])
    {
      PangoLayout *l = ft_plot_make_layout (c, label, 0.85, true, false);
      double w, h;
      ft_plot_layout_size (l, &w, &h);
      double lx = MIN (px + c->fs * 0.25, ch->px + ch->pw - w);
      ft_plot_show_layout (c, l, lx, y_top, &c->fg, 1.0);
      g_object_unref (l);
    }
  cairo_restore (cr);
}

/* Live changes (ft_plot_model_add_change): a short tick down from the top of the plot in the run's colour
 * with its label beside it, on two alternating rows so that neighbours do not cover each other (changes at
 * the same place stacked); a change that a run shares with an earlier one (the fit run and its tape twin) is
 * drawn once. */
static void
draw_changes (Ctx *c, const Chart *ch)
{
  cairo_t *cr = c->cr;
  double drawn_x[64];
  const char *drawn_label[64];
  int n_drawn = 0;
  double tick = c->fs * 0.9;
  cairo_save (cr);
  /* The ticks first, then the labels over them: a label never hides behind a neighbour's tick. */
  for (int i = 0; i < ft_plot_model_get_n_runs (c->model); i++)
    {
      int run = ft_plot_model_get_run_id (c->model, i);
      if (!ft_plot_model_get_run_visible (c->model, run))
        continue;
      FtPlotColor col;
      ft_plot_style_run_color (c->style, ft_plot_model_get_run_colour (c->model, run), &col);
      for (int k = 0; k < ft_plot_model_n_changes (c->model, run); k++)
        {
          double x;
          const char *label;
          if (!ft_plot_model_get_change (c->model, run, k, c->style->x_axis, &x, &label) || x < ch->x0
              || x > ch->x1)
            continue;
          bool seen = false;
          for (int d = 0; d < n_drawn && !seen; d++)
            seen = drawn_x[d] == x && strcmp (drawn_label[d], label) == 0;
          if (seen || n_drawn == (int) G_N_ELEMENTS (drawn_x))
            continue;
          drawn_x[n_drawn] = x;
          drawn_label[n_drawn++] = label;
          double px = map_x (ch, x);
          cairo_set_line_width (cr, MAX (1.5, c->lw * 1.5));
          ft_plot_set_color (cr, &col, 1.0);
          cairo_move_to (cr, px, ch->py);
          cairo_line_to (cr, px, ch->py + tick);
          cairo_stroke (cr);
          /* A small triangle at the top, pointing down at the place. */
          cairo_move_to (cr, px - tick * 0.35, ch->py);
          cairo_line_to (cr, px + tick * 0.35, ch->py);
          cairo_line_to (cr, px, ch->py + tick * 0.45);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
    }
  /* Labels on two alternating rows, so that neighbours do not cover each other. */
  for (int d = 0; d < n_drawn; d++)
    {
      PangoLayout *l = ft_plot_make_layout (c, drawn_label[d], 0.8, false, false);
      double w, h;
      ft_plot_layout_size (l, &w, &h);
      double px = map_x (ch, drawn_x[d]);
      double lx = MIN (px + c->fs * 0.45, ch->px + ch->pw - w);
      /* Changes at the same place (asked for together) stack below the first one. */
      int first = -1, same = 0;
      for (int e = 0; e < d; e++)
        if (drawn_x[e] == drawn_x[d])
          {
            first = first < 0 ? e : first;
            same++;
          }
      double ly = ch->py + c->fs * 0.1 + (first < 0 ? d % 2 : first % 2 + same) * h;
      /* A backing in the background colour keeps the label readable over the curves. */
      cairo_rectangle (cr, lx - 2, ly, w + 4, h);
      ft_plot_set_color (cr, &c->bg, 0.8);
      cairo_fill (cr);
      ft_plot_show_layout (c, l, lx, ly, &c->fg, 0.95);
      g_object_unref (l);
    }
  cairo_restore (cr);
}

double
ft_plot_lanes_plan (Ctx *c, const Chart *ch, Frame *f, double plot_top, double bottom)
{
  /* Compare mode's difference lane takes a strip under the loss chart's curves. */
  f->lane_h = 0;
  if (ch->metric == FT_PLOT_LOSS && ft_plot_model_get_difference_lane (c->model) && lane_pair (ch) >= 0
      && bottom - plot_top > c->fs * 14)
    f->lane_h = c->fs * 3.2;
  /* Callback lanes: one thin row per callback of the plotted run, under the curves (and the difference
   * lane), sharing their x. */
  f->lanes_run = ch->metric == FT_PLOT_LOSS ? ft_plot_model_get_lanes_run (c->model) : 0;
  f->n_cb = f->lanes_run > 0 ? ft_plot_model_get_n_lanes (c->model, f->lanes_run) : 0;
  f->cb_row = c->fs * 1.3;
  double cb_h = 0;
  f->under = f->lane_h > 0 ? f->lane_h + c->fs * 0.5 : 0;
  if (f->n_cb > 0 && bottom - plot_top - f->under > c->fs * 10 + f->n_cb * f->cb_row)
    cb_h = f->n_cb * f->cb_row;
  else
    f->n_cb = 0;
  f->cb_top_off = f->under + c->fs * 0.4;
  if (cb_h > 0)
    f->under += cb_h + c->fs * 0.4;
  return MAX (10.0, bottom - plot_top - f->under);
}

void
ft_plot_lanes_draw (Ctx *c, const Chart *ch, const Frame *f)
{
  if (f->lane_h > 0)
    draw_difference_lane (c, ch, ch->px, ch->py + ch->ph + c->fs * 0.5, ch->pw, f->lane_h);
  if (f->n_cb > 0)
    draw_callback_lanes (c, ch, f->lanes_run, ch->py + ch->ph + f->cb_top_off, f->cb_row);
  draw_mark (c, ch, ch->py, ch->py + ch->ph + f->under);
  draw_changes (c, ch);
}
