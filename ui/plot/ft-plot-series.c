/* ft-plot-series.c — what a run draws on a chart: markers, the per-batch line (all points, or a
 * min/max envelope per pixel column, from the run's level-of-detail summary), the epoch lines (per pixel
 * column when epochs outnumber columns), markers and best value, and the epoch boundaries; and the
 * renderer's work counters for tests. Part of the plot renderer (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* ---- work counters (tests) ---- */

static atomic_llong work_points, work_epochs, work_paths;
static atomic_bool exhaustive;

void
ft_plot_render_set_exhaustive (bool on)
{
  atomic_store (&exhaustive, on);
}

bool
ft_plot_exhaustive (void)
{
  return atomic_load (&exhaustive);
}

const FtPlotSummary *
ft_plot_series_summary (const Series *s)
{
  return atomic_load (&exhaustive) ? NULL : s->summary;
}

void
ft_plot_count_work (gint64 points, gint64 epochs, gint64 path_elements)
{
  atomic_fetch_add_explicit (&work_points, points, memory_order_relaxed);
  atomic_fetch_add_explicit (&work_epochs, epochs, memory_order_relaxed);
  atomic_fetch_add_explicit (&work_paths, path_elements, memory_order_relaxed);
}

void
ft_plot_render_reset_work (void)
{
  atomic_store (&work_points, 0);
  atomic_store (&work_epochs, 0);
  atomic_store (&work_paths, 0);
}

void
ft_plot_render_get_work (FtPlotRenderWork *work)
{
  work->points_visited = atomic_load (&work_points);
  work->epochs_visited = atomic_load (&work_epochs);
  work->path_elements = atomic_load (&work_paths);
}

/* ---- markers ---- */

static void
marker_path (cairo_t *cr, int shape, double x, double y, double r)
{
  switch (((shape % N_MARKERS) + N_MARKERS) % N_MARKERS)
    {
    case MARKER_SQUARE:
      {
        double h = r * 0.89;
        cairo_rectangle (cr, x - h, y - h, 2 * h, 2 * h);
      }
      break;
    case MARKER_TRIANGLE_UP:
    case MARKER_TRIANGLE_DOWN:
      {
        double s = (shape % N_MARKERS) == MARKER_TRIANGLE_UP ? 1.0 : -1.0;
        double R = r * 1.3;
        cairo_move_to (cr, x, y - s * R);
        cairo_line_to (cr, x + R * 0.866, y + s * R * 0.5);
        cairo_line_to (cr, x - R * 0.866, y + s * R * 0.5);
        cairo_close_path (cr);
      }
      break;
    case MARKER_DIAMOND:
      {
        double R = r * 1.25;
        cairo_move_to (cr, x, y - R);
        cairo_line_to (cr, x + R, y);
        cairo_line_to (cr, x, y + R);
        cairo_line_to (cr, x - R, y);
        cairo_close_path (cr);
      }
      break;
    case MARKER_PENTAGON:
      {
        double R = r * 1.12;
        for (int i = 0; i < 5; i++)
          {
            double a = -G_PI / 2 + i * 2 * G_PI / 5;
            if (i == 0)
              cairo_move_to (cr, x + R * cos (a), y + R * sin (a));
            else
              cairo_line_to (cr, x + R * cos (a), y + R * sin (a));
          }
        cairo_close_path (cr);
      }
      break;
    case MARKER_CIRCLE:
    default:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
}

static double
marker_radius (Ctx *c, const Series *s)
{
  /* Markers grow slower than lines with the line scale. */
  return pow (c->lw, 0.8) * (s->second ? 2.4 : 4.2);
}

double
ft_plot_train_width (Ctx *c, const Series *s)
{
  return c->lw * (s->second ? 1.3 : s->partner >= 0 ? 3.4 : 2.4);
}

void
ft_plot_draw_marker (Ctx *c, const Series *s, double x, double y, bool hollow)
{
  cairo_t *cr = c->cr;
  double r = marker_radius (c, s);
  marker_path (cr, s->colour, x, y, r);
  if (hollow)
    {
      ft_plot_set_color (cr, &c->bg, 1.0);
      cairo_fill_preserve (cr);
      ft_plot_set_color (cr, &s->color, 1.0);
      cairo_set_line_width (cr, c->lw * (s->second ? 1.0 : 1.6));
      cairo_stroke (cr);
    }
  else
    {
      ft_plot_set_color (cr, &s->color, 1.0);
      cairo_fill_preserve (cr);
      ft_plot_set_color (cr, &c->bg, 0.9);
      cairo_set_line_width (cr, c->lw * 0.9);
      cairo_stroke (cr);
    }
}

static void
set_val_dash (Ctx *c, const Series *s)
{
  /* The same pattern for both runs of a pair, so that the narrow core's dashes sit on its partner's; a
   * dashed run's validation is dotted. */
  double d[2] = { MAX (4.0, 6.4 * c->lw), MAX (3.0, 4.4 * c->lw) };
  if (s != NULL && s->dashed)
    {
      d[0] = MAX (1.5, 1.6 * c->lw);
      d[1] = MAX (3.0, 3.6 * c->lw);
    }
  cairo_set_dash (c->cr, d, 2, 0);
}

/* A dashed run's training line: long dashes. */
void
ft_plot_set_train_dash (Ctx *c, const Series *s)
{
  if (s != NULL && s->dashed)
    {
      double d[2] = { MAX (6.0, 9.0 * c->lw), MAX (4.0, 5.0 * c->lw) };
      cairo_set_dash (c->cr, d, 2, 0);
    }
  else
    cairo_set_dash (c->cr, NULL, 0, 0);
}

/* ---- series ---- */

/* The colour of a faint line: the run's colour mixed into the background, opaque, so that where two
 * runs' lines overlap the upper one shows its own colour instead of a muddy blend. */
void
ft_plot_set_tint (Ctx *c, const FtPlotColor *color, double amount)
{
  cairo_set_source_rgb (c->cr, c->bg.r + (color->r - c->bg.r) * amount,
                        c->bg.g + (color->g - c->bg.g) * amount, c->bg.b + (color->b - c->bg.b) * amount);
}

double
ft_plot_batch_tint (Ctx *c)
{
  return c->style->high_contrast ? 0.7 : 0.5;
}

/* How strongly the per-batch line shows (0: not at all). Running means restart every epoch; when epochs
 * are only a few pixels wide that restart is all one would see, so the line fades out and leaves the
 * epoch points alone. Raw batch losses always show. */
double
ft_plot_batch_strength (Ctx *c, const Chart *ch, const Series *s)
{
  if (!c->style->show_batches || s->nb == 0)
    return 0;
  if (ch->raw || s->nb < 2)
    return 1;
  FtPlotXAxis axis = c->style->x_axis;
  const FtPlotBatchPoint *first = &s->b[0], *last = &s->b[s->nb - 1];
  double epochs = last->epoch - first->epoch;
  if (!(epochs > 0))
    return 1;
  double px_per_epoch = fabs (map_x (ch, ft_plot_batch_x (last, axis))
                              - map_x (ch, ft_plot_batch_x (first, axis)))
                        / epochs;
  double f = CLAMP ((px_per_epoch - 8.0) / 28.0, 0.0, 1.0);
  return f < 0.2 ? 0 : f;
}

/* Few points per pixel column: every point, the pen lifted at unusable values (and between epochs). */
static void
draw_batches_sparse (Ctx *c, const Chart *ch, const Series *s, int a, int z, bool break_epochs)
{
  cairo_t *cr = c->cr;
  FtPlotXAxis axis = c->style->x_axis;
  bool pen = false;
  int last_epoch = -1;
  for (int k = a; k < z; k++)
    {
      double v = batch_value (ch, &s->b[k]);
      if (!usable (ch, v))
        {
          pen = false;
          continue;
        }
      int ep = ft_plot_batch_epoch (&s->b[k]);
      if (break_epochs && ep != last_epoch)
        pen = false;
      last_epoch = ep;
      double x = map_x (ch, ft_plot_batch_x (&s->b[k], axis)), y = map_y (ch, v);
      if (pen)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen = true;
    }
  cairo_stroke (cr);
  ft_plot_count_work (z - a, 0, z - a);
}

/* The path of one stretch [col, end) of columns: the band between max and min (pass 0) or the line
 * through the means (pass 1). */
static gint64
envelope_stretch_path (cairo_t *cr, const Chart *ch, const FtPlotEnvelope *env, double colw, int col, int end,
                       int pass)
{
  if (pass == 0)
    {
      cairo_move_to (cr, ch->px + col * colw, map_t (ch, env->maxs[col]));
      for (int i = col + 1; i < end; i++)
        cairo_line_to (cr, ch->px + i * colw, map_t (ch, env->maxs[i]));
      cairo_line_to (cr, ch->px + end * colw, map_t (ch, env->maxs[end - 1]));
      cairo_line_to (cr, ch->px + end * colw, map_t (ch, env->mins[end - 1]));
      for (int i = end - 1; i >= col; i--)
        cairo_line_to (cr, ch->px + i * colw, map_t (ch, env->mins[i]));
      cairo_close_path (cr);
      return 2 * (end - col) + 3;
    }
  for (int i = col; i < end; i++)
    {
      double x = ch->px + (i + 0.5) * colw, y = map_t (ch, env->sums[i] / env->counts[i]);
      if (i == col)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  return end - col;
}

/* The per-batch line: all points when there are few per pixel column, else per device-pixel column the
 * min/max envelope (a band, pass 0) and the mean (a line, pass 1). Running means restart every epoch, so
 * their line breaks between epochs; raw batch losses are one continuous line. */
void
ft_plot_draw_batches (Ctx *c, const Chart *ch, const Series *s, int pass, FtPlotEnvelope *env)
{
  if (s->nb == 0)
    return;
  cairo_t *cr = c->cr;
  FtPlotXAxis axis = c->style->x_axis;
  int a = ft_plot_batch_lower_bound (s->b, s->nb, axis, ch->x0);
  int z = ft_plot_batch_upper_bound (s->b, s->nb, axis, ch->x1);
  if (a > 0)
    a--;
  if (z < s->nb)
    z++;
  int n = z - a;
  if (n <= 0)
    return;
  bool break_epochs = !ch->raw;
  double strength = ft_plot_batch_strength (c, ch, s);
  if (strength <= 0)
    return;
  int ncols = MAX (1, (int) ceil (ch->pw * c->dev_scale));
  bool dense = n > 2 * ncols;
  if (pass == 0 && (!dense || s->second))
    return; /* only envelopes have a band; the narrow core of a pair has none */
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_dash (cr, NULL, 0, 0);
  /* Faint lines grow slower than the others with the line scale: thick noise would drown the epochs. */
  double blw = pow (c->lw, 0.6) * (ch->raw ? 1.0 : 1.3);
  cairo_set_line_width (cr, blw * (s->second ? 0.5 : s->partner >= 0 ? 1.25 : 1.0));
  ft_plot_set_tint (c, &s->color, ft_plot_batch_tint (c) * (ch->raw ? 0.85 : 1.0) * strength);
  if (!dense)
    {
      draw_batches_sparse (c, ch, s, a, z, break_epochs);
      return;
    }

  gint64 visited = 0, elements = 0;
  if (env->ncols == 0) /* the first pass computes it, the second reuses it */
    {
      ft_plot_envelope_init (env, ncols);
      FtPlotEnvelopeSpec spec = {
        .axis = axis,
        .value = ft_plot_chart_value (ch),
        .log_y = ch->log_y,
        .break_epochs = break_epochs,
        .x0 = ch->x0,
        .x1 = ch->x1,
      };
      visited = ft_plot_envelope_fill (env, &spec, s->b, ft_plot_series_summary (s), a, z);
    }
  double colw = 1.0 / c->dev_scale;
  /* Stretches: runs of non-empty columns of one epoch. */
  for (int col = 0; col < ncols;)
    {
      if (env->counts[col] == 0)
        {
          col++;
          continue;
        }
      int end = col + 1;
      while (end < ncols && env->counts[end] > 0 && env->epochs[end] == env->epochs[col])
        end++;
      elements += envelope_stretch_path (cr, ch, env, colw, col, end, pass);
      col = end;
    }
  if (pass == 0)
    {
      ft_plot_set_color (cr, &s->color, (c->style->high_contrast ? 0.3 : 0.2) * strength);
      cairo_fill (cr);
    }
  else
    cairo_stroke (cr);
  ft_plot_count_work (visited, 0, elements);
}

/* The epoch points [a, z) of a series that can show on the chart: those in its x range and one beyond
 * each side (the segments that cross the edges). */
void
ft_plot_epoch_range (const Chart *ch, const Series *s, FtPlotXAxis axis, int *a, int *z)
{
  int lo = 0, hi = s->ne;
  while (lo < hi) /* the first whose x ≥ x0 */
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_epoch_x (&s->e[mid], axis) < ch->x0)
        lo = mid + 1;
      else
        hi = mid;
    }
  *a = MAX (0, lo - 1);
  hi = s->ne;
  while (lo < hi) /* the first whose x > x1 */
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_epoch_x (&s->e[mid], axis) <= ch->x1)
        lo = mid + 1;
      else
        hi = mid;
    }
  *z = MIN (s->ne, lo + 1);
}

/* A polyline decimated per device-pixel column: of the points falling in one column, the first, the
 * lowest, the highest and the last, in their order, which strokes the same pixels as all of them. */
typedef struct
{
  cairo_t *cr;
  bool pen;
  int col, n;
  double x[4], y[4]; /* first, last, min, max */
  int at_min, at_max;
  gint64 elements;
} Decimator;

static void
decimator_emit (Decimator *d, double x, double y)
{
  if (d->pen)
    cairo_line_to (d->cr, x, y);
  else
    cairo_move_to (d->cr, x, y);
  d->pen = true;
  d->elements++;
}

static void
decimator_flush (Decimator *d)
{
  if (d->n == 0)
    return;
  decimator_emit (d, d->x[0], d->y[0]);
  int first = d->at_min < d->at_max ? 2 : 3, second = 5 - first;
  int at[4] = { 0, d->n - 1, d->at_min, d->at_max };
  if (at[first] != 0 && at[first] != d->n - 1)
    decimator_emit (d, d->x[first], d->y[first]);
  if (at[second] != 0 && at[second] != d->n - 1 && at[second] != at[first])
    decimator_emit (d, d->x[second], d->y[second]);
  if (d->n > 1)
    decimator_emit (d, d->x[1], d->y[1]);
  d->n = 0;
}

static void
decimator_add (Decimator *d, int col, double x, double y)
{
  if (d->n > 0 && col != d->col)
    decimator_flush (d);
  d->col = col;
  if (d->n == 0)
    {
      d->x[0] = d->x[2] = d->x[3] = x;
      d->y[0] = d->y[2] = d->y[3] = y;
      d->at_min = d->at_max = 0;
    }
  else if (y < d->y[2] || y > d->y[3])
    {
      int j = y < d->y[2] ? 2 : 3;
      d->x[j] = x;
      d->y[j] = y;
      *(j == 2 ? &d->at_min : &d->at_max) = d->n;
    }
  d->x[1] = x;
  d->y[1] = y;
  d->n++;
}

/* A break in the line: the pen lifts. */
static void
decimator_break (Decimator *d)
{
  decimator_flush (d);
  d->pen = false;
}

void
ft_plot_draw_epoch_line (Ctx *c, const Chart *ch, const Series *s, bool val)
{
  cairo_t *cr = c->cr;
  const char *key = val ? s->val_key : s->train_key;
  int a, z, drawn = 0;
  ft_plot_epoch_range (ch, s, c->style->x_axis, &a, &z);
  /* Per column only when there are many more epochs than columns: else every point, as ever. */
  double cols = MAX (1.0, ceil (ch->pw * c->dev_scale));
  bool decimate = z - a > 2 * cols && !atomic_load (&exhaustive);
  Decimator d = { .cr = cr };
  for (int k = a; k < z; k++)
    {
      double v;
      if (!epoch_value (&s->e[k], key, &v) || !usable (ch, v))
        {
          decimator_break (&d);
          continue;
        }
      double x = map_x (ch, ft_plot_epoch_x (&s->e[k], c->style->x_axis)), y = map_y (ch, v);
      decimator_add (&d, decimate ? (int) floor ((x - ch->px) * c->dev_scale) : k, x, y);
      drawn++;
    }
  decimator_flush (&d);
  ft_plot_count_work (0, z - a, d.elements);
  if (drawn == 0)
    {
      cairo_new_path (cr);
      return;
    }
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, val ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
  ft_plot_set_color (cr, &s->color, 1.0);
  if (val)
    {
      cairo_set_line_width (cr, c->lw * (s->second ? 1.2 : s->partner >= 0 ? 2.8 : 2.0));
      set_val_dash (c, s);
    }
  else
    {
      cairo_set_line_width (cr, ft_plot_train_width (c, s));
      ft_plot_set_train_dash (c, s);
      if (s->dashed)
        cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

/* The best validation value (lowest loss, highest accuracy) marked with a ring and its value, so that a
 * class sees where the model was best, not only where it ended. */
void
ft_plot_draw_best (Ctx *c, const Chart *ch, const Series *s, bool label)
{
  if (s->val_key[0] == '\0')
    return;
  bool higher = ch->metric == FT_PLOT_ACCURACY && ch->is_accuracy;
  int best = -1;
  double bv = 0;
  for (int k = 0; k < s->ne; k++)
    {
      double v;
      if (!epoch_value (&s->e[k], s->val_key, &v) || !usable (ch, v))
        continue;
      if (best < 0 || (higher ? v > bv : v < bv))
        {
          best = k;
          bv = v;
        }
    }
  if (best < 0 || s->ne < 2)
    return;
  cairo_t *cr = c->cr;
  double px = map_x (ch, ft_plot_epoch_x (&s->e[best], c->style->x_axis)), py = map_y (ch, bv);
  double r = marker_radius (c, s) * (s->second ? 1.9 : 2.4);
  cairo_new_sub_path (cr);
  cairo_arc (cr, px, py, r, 0, 2 * G_PI);
  cairo_set_dash (cr, NULL, 0, 0);
  ft_plot_set_color (cr, &s->color, 1.0);
  cairo_set_line_width (cr, c->lw * (s->second ? 1.2 : 2.0));
  cairo_stroke (cr);
  if (!label)
    return;
  char buf[64], text[96];
  ft_plot_format_value (buf, sizeof buf, bv);
  g_snprintf (text, sizeof text, "%s %s", higher ? "best" : "min", buf);
  PangoLayout *l = ft_plot_make_layout (c, text, 0.85, true, true);
  double w, h;
  ft_plot_layout_size (l, &w, &h);
  double lx = px + r + c->fs * 0.2, ly = higher ? py + r * 0.6 : py - r * 0.6 - h;
  if (lx + w > ch->px + ch->pw)
    lx = px - r - c->fs * 0.2 - w;
  ly = CLAMP (ly, ch->py, ch->py + ch->ph - h);
  ft_plot_set_color (cr, &c->bg, 0.85);
  cairo_rectangle (cr, lx - 2, ly, w + 4, h);
  cairo_fill (cr);
  ft_plot_show_layout (c, l, lx, ly, &s->color, 1.0);
  g_object_unref (l);
}

/* Where epochs end, on a chart whose per-batch line is a running mean: the mean restarts there (the
 * metric's reset_state), so the saw-tooth is the metric's doing, not the model's. Faint dotted lines. */
void
ft_plot_draw_epoch_boundaries (Ctx *c, const Chart *ch)
{
  if (!c->style->show_batches || ch->raw)
    return;
  const Series *s = NULL;
  for (int i = 0; i < ch->n_series && s == NULL; i++)
    if (ft_plot_batch_strength (c, ch, &ch->series[i]) >= 1.0 && ch->series[i].ne > 0)
      s = &ch->series[i]; /* only where the running mean shows in full: wider epochs than a fence */
  if (s == NULL)
    return;
  cairo_t *cr = c->cr;
  double d[2] = { MAX (1.0, c->lw), MAX (3.0, 3.0 * c->lw) };
  cairo_set_dash (cr, d, 2, 0);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * 0.8));
  ft_plot_set_color (cr, &c->fg, c->style->high_contrast ? 0.35 : 0.22);
  int a, z, n = 0;
  ft_plot_epoch_range (ch, s, c->style->x_axis, &a, &z);
  double last = -INFINITY, gap = 3.0 / c->dev_scale + c->lw; /* closer fences would make a grey wash */
  for (int k = a; k < z; k++)
    {
      double x = ft_plot_epoch_x (&s->e[k], c->style->x_axis);
      if (x <= ch->x0 || x >= ch->x1)
        continue;
      double px = map_x (ch, x);
      if (px - last < gap && !atomic_load (&exhaustive))
        continue;
      last = px;
      cairo_move_to (cr, px, ch->py);
      cairo_line_to (cr, px, ch->py + ch->ph);
      n++;
    }
  cairo_stroke (cr);
  ft_plot_count_work (0, z - a, 2 * n);
  cairo_set_dash (cr, NULL, 0, 0);
}

/* Markers at every epoch, or at every k-th (counted back from the last) when they would crowd. */
void
ft_plot_draw_epoch_markers (Ctx *c, const Chart *ch, const Series *s, bool val)
{
  const char *key = val ? s->val_key : s->train_key;
  FtPlotXAxis axis = c->style->x_axis;
  double x_lo = ch->x0 - (ch->x1 - ch->x0) * 0.02, x_hi = ch->x1 + (ch->x1 - ch->x0) * 0.02;
  int every = 1;
  if (s->ne >= 2)
    {
      double first = map_x (ch, ft_plot_epoch_x (&s->e[0], axis));
      double last = map_x (ch, ft_plot_epoch_x (&s->e[s->ne - 1], axis));
      double spacing = fabs (last - first) / (s->ne - 1);
      double want = pow (c->lw, 0.8) * 4.2 * 5.0; /* the same for both runs of a pair */
      if (spacing < want)
        every = (int) ceil (want / MAX (spacing, 1e-6));
    }
  for (int k = s->ne - 1; k >= 0; k -= every)
    {
      double v;
      if (!epoch_value (&s->e[k], key, &v) || !usable (ch, v))
        continue;
      double xv = ft_plot_epoch_x (&s->e[k], axis);
      if (xv < x_lo || xv > x_hi)
        continue;
      ft_plot_draw_marker (c, s, map_x (ch, xv), map_y (ch, v), val);
    }
}
