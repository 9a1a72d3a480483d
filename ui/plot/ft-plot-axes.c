/* ft-plot-axes.c — a chart's ranges, its nice ticks (linear and log), and the grid, axes, tick labels
 * and axis titles around the plot area. Part of the plot renderer (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

static bool
chart_y_extent (Ctx *c, const Chart *ch, double *lo, double *hi)
{
  const FtPlotStyle *style = c->style;
  double mn = INFINITY, mx = -INFINITY;
  for (int i = 0; i < ch->n_series; i++)
    {
      const Series *s = &ch->series[i];
      if (ft_plot_batch_strength (c, ch, s) > 0)
        {
          int a = ft_plot_batch_lower_bound (s->b, s->nb, style->x_axis, ch->x0);
          int z = ft_plot_batch_upper_bound (s->b, s->nb, style->x_axis, ch->x1);
          float smin, smax;
          gint64 visited = ft_plot_summary_range (ft_plot_series_summary (s), s->b, ft_plot_chart_value (ch),
                                                  ch->log_y, a, z, &smin, &smax);
          ft_plot_count_work (visited, 0, 0);
          if (smin <= smax)
            {
              mn = MIN (mn, smin);
              mx = MAX (mx, smax);
            }
        }
      int ea, ez;
      ft_plot_epoch_range (ch, s, style->x_axis, &ea, &ez);
      for (int k = ea; k < ez; k++)
        {
          double x = ft_plot_epoch_x (&s->e[k], style->x_axis);
          if (x < ch->x0 || x > ch->x1)
            continue;
          double v;
          if (epoch_value (&s->e[k], s->train_key, &v) && usable (ch, v))
            {
              mn = MIN (mn, v);
              mx = MAX (mx, v);
            }
          if (epoch_value (&s->e[k], s->val_key, &v) && usable (ch, v))
            {
              mn = MIN (mn, v);
              mx = MAX (mx, v);
            }
        }
    }
  if (!(mn <= mx))
    return false;
  *lo = mn;
  *hi = mx;
  return true;
}

void
ft_plot_chart_ranges (Chart *ch, Ctx *c, const FtPlotViewport *vp)
{
  const FtPlotStyle *style = c->style;
  FtPlotXAxis axis = style->x_axis;
  double xlo = 0, xhi = 1;
  bool have_x = ft_plot_model_get_x_extent (c->model, axis, &xlo, &xhi);
  if (ch->metric == FT_PLOT_ACCURACY && ch->metric_key == NULL)
    have_x = false;
  ch->has_data = have_x;
  if (vp != NULL && !vp->x_auto && vp->x_max > vp->x_min && isfinite (vp->x_min) && isfinite (vp->x_max))
    {
      ch->x0 = vp->x_min;
      ch->x1 = vp->x_max;
    }
  else
    {
      if (!have_x)
        {
          xlo = 0;
          xhi = axis == FT_PLOT_X_EPOCH ? 1 : 100;
        }
      if (xhi - xlo <= 0)
        xhi = xlo + (axis == FT_PLOT_X_EPOCH ? 1.0 : MAX (1.0, fabs (xlo) * 0.1));
      ch->x0 = xlo;
      ch->x1 = xhi + (xhi - xlo) * 0.015;
    }

  if (vp != NULL && !vp->y_auto && vp->y_max > vp->y_min && isfinite (vp->y_min) && isfinite (vp->y_max)
      && (!ch->log_y || vp->y_min > 0))
    {
      ch->y0 = vp->y_min;
      ch->y1 = vp->y_max;
    }
  else
    {
      double lo, hi;
      bool have_y = chart_y_extent (c, ch, &lo, &hi);
      if (ch->is_accuracy && style->accuracy_full_range && !ch->log_y)
        {
          double a = have_y ? MIN (lo, 0.0) : 0.0, b = have_y ? MAX (hi, 1.0) : 1.0;
          double pad = (b - a) * 0.03;
          ch->y0 = a - pad;
          ch->y1 = b + pad;
        }
      else if (ch->log_y)
        {
          if (!have_y)
            {
              lo = 0.1;
              hi = 1.0;
            }
          double l0 = log10 (lo), l1 = log10 (hi);
          double span = l1 - l0;
          if (span < 1e-6)
            span = 0.2;
          ch->y0 = pow (10.0, l0 - span * 0.06);
          ch->y1 = pow (10.0, l1 + span * 0.06);
        }
      else
        {
          if (!have_y)
            {
              lo = 0;
              hi = 1;
            }
          double span = hi - lo;
          if (span <= 0)
            span = fabs (hi) > 0 ? fabs (hi) * 0.2 : 1.0;
          ch->y0 = lo - span * 0.06;
          ch->y1 = hi + span * 0.06;
          if (lo >= 0 && ch->y0 < 0)
            ch->y0 = 0;
        }
    }
  ch->t0 = y_transform (ch->log_y, ch->y0);
  ch->t1 = y_transform (ch->log_y, ch->y1);
}

/* ---- ticks ---- */

static int
decimals_for (double step)
{
  for (int d = 0; d < 10; d++)
    {
      double s = step * pow (10.0, d);
      if (fabs (s - round (s)) < 1e-6 * MAX (1.0, s))
        return d;
    }
  return 10;
}

static void
linear_ticks (double lo, double hi, double target, bool integer, Ticks *t)
{
  memset (t, 0, sizeof *t);
  t->divisor = 1.0;
  t->suffix = "";
  double span = hi - lo;
  if (!(span > 0) || !isfinite (span))
    return;
  double raw = span / MAX (target, 1.0);
  double mag = pow (10.0, floor (log10 (raw)));
  double norm = raw / mag, nice;
  if (norm <= 1.0)
    nice = 1;
  else if (norm <= 2.0)
    nice = 2;
  else if (norm <= 2.5 && !(integer && mag < 10))
    nice = 2.5;
  else if (norm <= 5.0)
    nice = 5;
  else
    nice = 10;
  double step = nice * mag;
  if (integer && step < 1)
    step = 1;
  double first = ceil (lo / step - 1e-9);
  for (int i = 0; t->n < MAX_TICKS; i++)
    {
      double v = (first + i) * step;
      if (v > hi + step * 1e-9)
        break;
      t->v[t->n++] = fabs (v) < step * 1e-9 ? 0.0 : v;
    }
  double m = MAX (fabs (lo), fabs (hi));
  if (m >= 1e7 && step >= 1e4)
    {
      t->divisor = 1e6;
      t->suffix = "M";
    }
  else if (m >= 1e4 && step >= 10)
    {
      t->divisor = 1e3;
      t->suffix = "k";
    }
  t->decimals = decimals_for (step / t->divisor);
}

static void
log_ticks (double y0, double y1, double target, Ticks *t)
{
  memset (t, 0, sizeof *t);
  t->divisor = 1.0;
  t->suffix = "";
  t->log_labels = true;
  double l0 = log10 (y0), l1 = log10 (y1);
  double decades = l1 - l0;
  static const double m125[] = { 1, 2, 5 };
  static const double m1[] = { 1 };
  const double *mant = m125;
  int n_mant = 3, stride = 1;
  if (decades * 3 > target)
    {
      mant = m1;
      n_mant = 1;
      stride = MAX (1, (int) ceil (decades / MAX (target, 1.0)));
    }
  for (int k = (int) floor (l0); k <= (int) ceil (l1) && t->n < MAX_TICKS; k++)
    {
      if (((k % stride) + stride) % stride != 0)
        continue;
      for (int j = 0; j < n_mant && t->n < MAX_TICKS; j++)
        {
          double v = mant[j] * pow (10.0, k);
          if (v >= y0 * (1 - 1e-9) && v <= y1 * (1 + 1e-9))
            t->v[t->n++] = v;
        }
    }
  if (decades <= 4)
    for (int k = (int) floor (l0); k <= (int) ceil (l1); k++)
      for (int m = 1; m <= 9 && t->n_minor < MAX_TICKS; m++)
        {
          double v = m * pow (10.0, k);
          if (v >= y0 && v <= y1)
            t->minor[t->n_minor++] = v;
        }
  if (t->n < 2)
    {
      /* Less than a 1-2-5 step across: plain ticks, placed on the log scale. */
      linear_ticks (y0, y1, target, false, t);
      t->log_labels = false;
      t->n_minor = 0;
    }
}

static void
tick_label (const Ticks *t, double v, char *buf, size_t size)
{
  if (t->log_labels)
    {
      int k = (int) floor (log10 (v) + 1e-9);
      if (v >= 1e4)
        {
          if (v >= 1e6)
            g_snprintf (buf, size, "%gM", v / 1e6);
          else
            g_snprintf (buf, size, "%gk", v / 1e3);
        }
      else if (k < -5)
        g_snprintf (buf, size, "%.0e", v);
      else
        g_snprintf (buf, size, "%.*f", MAX (0, -k), v);
      return;
    }
  g_snprintf (buf, size, "%.*f%s", t->decimals, v / t->divisor, v == 0 ? "" : t->suffix);
  if (strcmp (buf, "-0") == 0)
    g_snprintf (buf, size, "0");
}

/* ---- one chart ---- */

static const char *
x_axis_title (FtPlotXAxis axis)
{
  switch (axis)
    {
    case FT_PLOT_X_STEP:
      return "Step (batches)";
    case FT_PLOT_X_SAMPLES:
      return "Samples seen";
    case FT_PLOT_X_EPOCH:
    default:
      return "Epoch";
    }
}

/* Each tick's label, measured; returns the widest. */
static double
tick_layouts (Ctx *c, const Ticks *t, PangoLayout **labels)
{
  double widest = 0;
  for (int i = 0; i < t->n; i++)
    {
      char buf[64];
      tick_label (t, t->v[i], buf, sizeof buf);
      labels[i] = ft_plot_make_layout (c, buf, 0.92, false, true);
      double w;
      ft_plot_layout_size (labels[i], &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

/* y ticks and their labels, whose width decides the left margin and so the plot area. */
static void
y_ticks_layout (Ctx *c, Chart *ch, Frame *f, double plot_top, double plot_h)
{
  double ytarget = MAX (2.0, plot_h / (c->fs * 3.2));
  if (ch->log_y)
    log_ticks (ch->y0, ch->y1, ytarget, &f->yt);
  else
    linear_ticks (ch->y0, ch->y1, ytarget, false, &f->yt);
  double ylabel_w = tick_layouts (c, &f->yt, f->ylabels);
  double plot_left = f->x + f->pad + f->ytitle_h + c->fs * 0.5 + ylabel_w + f->tick_len + c->fs * 0.2;
  double plot_right = f->x + f->width - f->pad - c->fs * 0.6;
  ch->px = plot_left;
  ch->py = plot_top;
  ch->pw = MAX (10.0, plot_right - plot_left);
  ch->ph = plot_h;
}

/* x ticks: fewer when their labels would touch. */
static void
x_ticks_layout (Ctx *c, const Chart *ch, Frame *f)
{
  bool integer_x = c->style->x_axis != FT_PLOT_X_EPOCH || (ch->x1 - ch->x0) >= 2.0;
  double xtarget = MAX (2.0, ch->pw / (c->fs * 6.5));
  for (;;)
    {
      linear_ticks (ch->x0, ch->x1, xtarget, integer_x, &f->xt);
      double widest = tick_layouts (c, &f->xt, f->xlabels);
      if (f->xt.n < 3 || xtarget <= 2.0 || (widest + c->fs) * f->xt.n <= ch->pw)
        break;
      for (int i = 0; i < f->xt.n; i++)
        g_object_unref (f->xlabels[i]);
      xtarget = MAX (2.0, xtarget * 0.6);
    }
}

void
ft_plot_axes_layout (Ctx *c, Chart *ch, Frame *f, double plot_top)
{
  /* Axis titles and tick label heights. */
  const char *ytext = ch->metric == FT_PLOT_LOSS ? "loss" : (ch->metric_key ? ch->metric_key : "accuracy");
  f->ytitle = ft_plot_make_layout (c, ytext, 1.0, false, false);
  f->xtitle = ft_plot_make_layout (c, x_axis_title (c->style->x_axis), 1.0, false, false);
  ft_plot_layout_size (f->ytitle, &f->ytitle_w, &f->ytitle_h);
  ft_plot_layout_size (f->xtitle, &f->xtitle_w, &f->xtitle_h);
  PangoLayout *probe = ft_plot_make_layout (c, "0123456789", 0.92, false, true);
  double tick_h;
  ft_plot_layout_size (probe, NULL, &tick_h);
  g_object_unref (probe);
  f->tick_len = c->fs * 0.35;
  double bottom = f->y + f->height - f->pad - f->xtitle_h - c->fs * 0.25 - tick_h - f->tick_len - c->fs * 0.2;
  double plot_h = ft_plot_lanes_plan (c, ch, f, plot_top, bottom);
  y_ticks_layout (c, ch, f, plot_top, plot_h);
  x_ticks_layout (c, ch, f);
}

/* At every major tick a segment: horizontal from x0 to x1 at each y tick, vertical from y0 to y1 at each x
 * tick (the grid's lines, or the axes' ticks). */
static void
tick_segments (cairo_t *cr, const Chart *ch, const Frame *f, double x0, double x1, double y0, double y1)
{
  for (int i = 0; i < f->yt.n; i++)
    {
      double py = map_y (ch, f->yt.v[i]);
      cairo_move_to (cr, x0, py);
      cairo_line_to (cr, x1, py);
    }
  for (int i = 0; i < f->xt.n; i++)
    {
      double px = map_x (ch, f->xt.v[i]);
      cairo_move_to (cr, px, y0);
      cairo_line_to (cr, px, y1);
    }
}

static void
draw_grid (Ctx *c, const Chart *ch, const Frame *f)
{
  cairo_t *cr = c->cr;
  bool hc = c->style->high_contrast;
  double hairline = MAX (1.0 / c->dev_scale, c->lw * (hc ? 1.0 : 0.8));
  cairo_set_line_width (cr, hairline);
  cairo_set_dash (cr, NULL, 0, 0);
  ft_plot_set_color (cr, &c->fg, hc ? 0.07 : 0.045);
  for (int i = 0; i < f->yt.n_minor; i++)
    {
      double py = map_y (ch, f->yt.minor[i]);
      cairo_move_to (cr, ch->px, py);
      cairo_line_to (cr, ch->px + ch->pw, py);
    }
  cairo_stroke (cr);
  ft_plot_set_color (cr, &c->fg, hc ? 0.22 : 0.11);
  tick_segments (cr, ch, f, ch->px, ch->px + ch->pw, ch->py, ch->py + ch->ph);
  cairo_stroke (cr);
}

/* Left and bottom lines and their ticks. */
static void
draw_axis_lines (Ctx *c, const Chart *ch, const Frame *f, double axis_y)
{
  cairo_t *cr = c->cr;
  bool hc = c->style->high_contrast;
  ft_plot_set_color (cr, &c->fg, hc ? 0.9 : 0.5);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * (hc ? 1.5 : 1.0)));
  cairo_move_to (cr, ch->px, ch->py);
  cairo_line_to (cr, ch->px, ch->py + ch->ph);
  if (f->under > 0)
    cairo_move_to (cr, ch->px, axis_y);
  cairo_line_to (cr, ch->px + ch->pw, axis_y);
  tick_segments (cr, ch, f, ch->px - f->tick_len, ch->px, axis_y, axis_y + f->tick_len);
  cairo_stroke (cr);
}

static void
draw_tick_labels (Ctx *c, const Chart *ch, Frame *f, double axis_y, double text_alpha)
{
  for (int i = 0; i < f->yt.n; i++)
    {
      double w, h;
      ft_plot_layout_size (f->ylabels[i], &w, &h);
      ft_plot_show_layout (c, f->ylabels[i], ch->px - f->tick_len - c->fs * 0.2 - w,
                           map_y (ch, f->yt.v[i]) - h / 2, &c->fg, text_alpha);
      g_object_unref (f->ylabels[i]);
    }
  double last_right = -INFINITY;
  for (int i = 0; i < f->xt.n; i++)
    {
      double w, h;
      ft_plot_layout_size (f->xlabels[i], &w, &h);
      double lx = map_x (ch, f->xt.v[i]) - w / 2;
      lx = MIN (lx, f->x + f->width - w - 1);
      if (lx > last_right + c->fs * 0.5)
        {
          ft_plot_show_layout (c, f->xlabels[i], lx, axis_y + f->tick_len + c->fs * 0.15, &c->fg, text_alpha);
          last_right = lx + w;
        }
      g_object_unref (f->xlabels[i]);
    }
}

static void
draw_axis_titles (Ctx *c, const Chart *ch, Frame *f, double text_alpha)
{
  cairo_t *cr = c->cr;
  ft_plot_show_layout (c, f->xtitle, ch->px + (ch->pw - f->xtitle_w) / 2,
                       f->y + f->height - f->pad - f->xtitle_h, &c->fg, text_alpha);
  cairo_save (cr);
  cairo_move_to (cr, f->x + f->pad, ch->py + (ch->ph + f->ytitle_w) / 2);
  cairo_rotate (cr, -G_PI / 2);
  ft_plot_set_color (cr, &c->fg, text_alpha);
  pango_cairo_update_layout (cr, f->ytitle);
  pango_cairo_show_layout (cr, f->ytitle);
  cairo_restore (cr);
  g_object_unref (f->ytitle);
  g_object_unref (f->xtitle);
}

void
ft_plot_axes_draw (Ctx *c, const Chart *ch, Frame *f)
{
  /* With a difference lane (or callback lanes) the x axis sits under them: they share its x. */
  double axis_y = ch->py + ch->ph + f->under;
  double text_alpha = c->style->high_contrast ? 1.0 : 0.75;
  draw_grid (c, ch, f);
  draw_axis_lines (c, ch, f, axis_y);
  draw_tick_labels (c, ch, f, axis_y, text_alpha);
  draw_axis_titles (c, ch, f, text_alpha);
}
