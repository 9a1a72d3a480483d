/* ft-plot-series.c — what a run draws on a chart: markers, the per-batch line (all points, or a
 * min/max envelope per pixel column), the epoch lines, markers and best value, and the epoch
 * boundaries. Part of the plot renderer (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

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

/* Which epoch a batch point belongs to (0-based). */
static inline int
batch_epoch (const FtPlotBatchPoint *p)
{
  return (int) ceil (p->epoch - 1e-9) - 1;
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
      int ep = batch_epoch (&s->b[k]);
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
}

/* Per device-pixel column: the min, max and sum (transformed y) of its points, and their epoch. */
typedef struct
{
  int ncols;
  float *mins, *maxs;
  double *sums;
  int *counts, *epochs;
} Envelope;

/* A column where an epoch ends keeps only the new epoch's running means and starts a new stretch. */
static void
envelope_build (Envelope *env, Ctx *c, const Chart *ch, const Series *s, int a, int z, bool break_epochs)
{
  int ncols = env->ncols;
  env->mins = g_new (float, ncols);
  env->maxs = g_new (float, ncols);
  env->sums = g_new0 (double, ncols);
  env->counts = g_new0 (int, ncols);
  env->epochs = g_new (int, ncols);
  FtPlotXAxis axis = c->style->x_axis;
  double kx = ncols / (ch->x1 - ch->x0);
  for (int k = a; k < z; k++)
    {
      double x = ft_plot_batch_x (&s->b[k], axis);
      if (x < ch->x0 || x > ch->x1)
        continue;
      double v = batch_value (ch, &s->b[k]);
      if (!usable (ch, v))
        continue;
      float t = (float) y_transform (ch->log_y, v);
      int col = (int) ((x - ch->x0) * kx);
      if (col >= ncols)
        col = ncols - 1;
      int ep = break_epochs ? batch_epoch (&s->b[k]) : 0;
      if (env->counts[col] == 0 || env->epochs[col] != ep)
        {
          env->mins[col] = env->maxs[col] = t;
          env->sums[col] = 0;
          env->counts[col] = 0;
          env->epochs[col] = ep;
        }
      else
        {
          env->mins[col] = MIN (env->mins[col], t);
          env->maxs[col] = MAX (env->maxs[col], t);
        }
      env->sums[col] += t;
      env->counts[col]++;
    }
}

static void
envelope_free (Envelope *env)
{
  g_free (env->epochs);
  g_free (env->mins);
  g_free (env->maxs);
  g_free (env->sums);
  g_free (env->counts);
}

/* The path of one stretch [col, end) of columns: the band between max and min (pass 0) or the line
 * through the means (pass 1). */
static void
envelope_stretch_path (cairo_t *cr, const Chart *ch, const Envelope *env, double colw, int col, int end,
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
    }
  else
    for (int i = col; i < end; i++)
      {
        double x = ch->px + (i + 0.5) * colw, y = map_t (ch, env->sums[i] / env->counts[i]);
        if (i == col)
          cairo_move_to (cr, x, y);
        else
          cairo_line_to (cr, x, y);
      }
}

/* The per-batch line: all points when there are few per pixel column, else per device-pixel column the
 * min/max envelope (a band, pass 0) and the mean (a line, pass 1). Running means restart every epoch, so
 * their line breaks between epochs; raw batch losses are one continuous line. */
void
ft_plot_draw_batches (Ctx *c, const Chart *ch, const Series *s, int pass)
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

  Envelope env = { .ncols = ncols };
  envelope_build (&env, c, ch, s, a, z, break_epochs);
  double colw = 1.0 / c->dev_scale;
  /* Stretches: runs of non-empty columns of one epoch. */
  for (int col = 0; col < ncols;)
    {
      if (env.counts[col] == 0)
        {
          col++;
          continue;
        }
      int end = col + 1;
      while (end < ncols && env.counts[end] > 0 && env.epochs[end] == env.epochs[col])
        end++;
      envelope_stretch_path (cr, ch, &env, colw, col, end, pass);
      col = end;
    }
  if (pass == 0)
    {
      ft_plot_set_color (cr, &s->color, (c->style->high_contrast ? 0.3 : 0.2) * strength);
      cairo_fill (cr);
    }
  else
    cairo_stroke (cr);
  envelope_free (&env);
}

void
ft_plot_draw_epoch_line (Ctx *c, const Chart *ch, const Series *s, bool val)
{
  cairo_t *cr = c->cr;
  const char *key = val ? s->val_key : s->train_key;
  bool pen = false;
  int drawn = 0;
  for (int k = 0; k < s->ne; k++)
    {
      double v;
      if (!epoch_value (&s->e[k], key, &v) || !usable (ch, v))
        {
          pen = false;
          continue;
        }
      double x = map_x (ch, ft_plot_epoch_x (&s->e[k], c->style->x_axis)), y = map_y (ch, v);
      if (pen)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen = true;
      drawn++;
    }
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
  for (int k = 0; k < s->ne; k++)
    {
      double x = ft_plot_epoch_x (&s->e[k], c->style->x_axis);
      if (x <= ch->x0 || x >= ch->x1)
        continue;
      double px = map_x (ch, x);
      cairo_move_to (cr, px, ch->py);
      cairo_line_to (cr, px, ch->py + ch->ph);
    }
  cairo_stroke (cr);
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
