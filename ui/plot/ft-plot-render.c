/* ft-plot-render.c — the loss and accuracy charts, drawn with cairo and pango (see ft-plot-render.h). */
#include "plot/ft-plot-render.h"
#include "core/ft-format.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define MAX_TICKS 64

/* Okabe & Ito's colour-blind-safe palette: darker members on light backgrounds, lighter on dark. */
static const guint32 palette_light[] = { 0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9 };
static const guint32 palette_dark[] = { 0x56B4E9, 0xE69F00, 0x2CC295, 0xE08DC0, 0xF0E442, 0xFF7F3F };
#define N_COLOURS ((int) G_N_ELEMENTS (palette_light))

typedef enum
{
  MARKER_CIRCLE,
  MARKER_SQUARE,
  MARKER_TRIANGLE_UP,
  MARKER_DIAMOND,
  MARKER_TRIANGLE_DOWN,
  MARKER_PENTAGON,
  N_MARKERS
} MarkerShape;

void
ft_plot_style_init (FtPlotStyle *style)
{
  memset (style, 0, sizeof *style);
  style->x_axis = FT_PLOT_X_EPOCH;
  style->show_batches = true;
  style->accuracy_full_range = true;
  style->show_title = true;
  style->show_legend = true;
  style->font_size = 13.0;
  style->font_scale = 1.0;
  style->line_scale = 1.0;
}

void
ft_plot_style_set_presentation (FtPlotStyle *style, bool presentation)
{
  style->font_scale = presentation ? 1.6 : 1.0;
  style->line_scale = presentation ? 2.0 : 1.0;
  style->high_contrast = presentation;
}

static bool
style_is_dark (const FtPlotStyle *style)
{
  if (style->has_colors)
    return 0.2126 * style->bg.r + 0.7152 * style->bg.g + 0.0722 * style->bg.b < 0.5;
  return style->dark;
}

void
ft_plot_style_run_color (const FtPlotStyle *style, int colour, FtPlotColor *out)
{
  int i = ((colour % N_COLOURS) + N_COLOURS) % N_COLOURS;
  guint32 rgb = style_is_dark (style) ? palette_dark[i] : palette_light[i];
  out->r = ((rgb >> 16) & 0xff) / 255.0;
  out->g = ((rgb >> 8) & 0xff) / 255.0;
  out->b = (rgb & 0xff) / 255.0;
  out->a = 1.0;
}

void
ft_plot_viewport_init (FtPlotViewport *vp)
{
  memset (vp, 0, sizeof *vp);
  vp->x_auto = true;
  vp->y_auto = true;
  vp->x_max = 1;
  vp->y_max = 1;
}

/* ---- geometry ---- */

static double
y_transform (bool log_y, double y)
{
  if (!log_y)
    return y;
  return y > 0 ? log10 (y) : NAN;
}

double
ft_plot_geometry_x_to_pixel (const FtPlotGeometry *g, double x)
{
  return g->plot_x + (x - g->x_min) / (g->x_max - g->x_min) * g->plot_width;
}

double
ft_plot_geometry_pixel_to_x (const FtPlotGeometry *g, double px)
{
  return g->x_min + (px - g->plot_x) / g->plot_width * (g->x_max - g->x_min);
}

double
ft_plot_geometry_y_to_pixel (const FtPlotGeometry *g, double y)
{
  double lo = y_transform (g->log_y, g->y_min), hi = y_transform (g->log_y, g->y_max);
  return g->plot_y + g->plot_height * (1.0 - (y_transform (g->log_y, y) - lo) / (hi - lo));
}

double
ft_plot_geometry_pixel_to_y (const FtPlotGeometry *g, double py)
{
  double lo = y_transform (g->log_y, g->y_min), hi = y_transform (g->log_y, g->y_max);
  double t = lo + (1.0 - (py - g->plot_y) / g->plot_height) * (hi - lo);
  return g->log_y ? pow (10.0, t) : t;
}

/* ---- value formatting ---- */

void
ft_plot_format_value (char *buf, size_t size, double value)
{
  if (!isfinite (value))
    g_snprintf (buf, size, "%s", isnan (value) ? "nan" : value > 0 ? "inf" : "-inf");
  else if (fabs (value) >= 1e-3 || value == 0.0)
    g_snprintf (buf, size, "%.4f", value);
  else
    g_snprintf (buf, size, "%.4e", value);
}

/* ---- the drawing context ---- */

typedef struct
{
  cairo_t *cr;
  const FtPlotModel *model;
  const FtPlotStyle *style;
  double fs;        /* base font px */
  double lw;        /* base line width */
  double dev_scale; /* device pixels per user unit */
  bool dark;
  FtPlotColor fg, bg;
} Ctx;

static void
set_color (cairo_t *cr, const FtPlotColor *c, double alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a * alpha);
}

static PangoLayout *
make_layout (Ctx *c, const char *text, double size, bool bold, bool tabular)
{
  PangoLayout *layout = pango_cairo_create_layout (c->cr);
  PangoFontDescription *desc = pango_font_description_new ();
  pango_font_description_set_family (desc, c->style->font_family ? c->style->font_family : "Sans");
  pango_font_description_set_absolute_size (desc, MAX (1.0, c->fs * size) * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  if (tabular)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static void
layout_size (PangoLayout *layout, double *w, double *h)
{
  PangoRectangle logical;
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (w)
    *w = logical.width;
  if (h)
    *h = logical.height;
}

static void
show_layout (Ctx *c, PangoLayout *layout, double x, double y, const FtPlotColor *color, double alpha)
{
  cairo_move_to (c->cr, x, y);
  set_color (c->cr, color, alpha);
  pango_cairo_update_layout (c->cr, layout);
  pango_cairo_show_layout (c->cr, layout);
}

/* ---- charts ---- */

typedef struct
{
  int run;
  int colour;
  bool second; /* the second run of a pair: drawn as a narrow core over its partner */
  bool dashed; /* the tape loop's role: training dashed, validation dotted */
  int partner; /* index into the chart's series of the visible partner, or -1 */
  FtPlotColor color;
  const char *name;
  const FtPlotBatchPoint *b;
  int nb;
  const FtPlotEpochPoint *e;
  int ne;
  char train_key[FT_LOG_KEY_MAX];
  char val_key[FT_LOG_KEY_MAX + 4];
} Series;

typedef struct
{
  FtPlotMetric metric; /* LOSS or ACCURACY */
  bool raw;            /* per-batch line shows raw batch loss */
  bool is_accuracy;
  const char *metric_key;
  Series *series;
  int n_series;
  bool log_y;
  double x0, x1, y0, y1; /* y in data units */
  double t0, t1;         /* y range in transformed units (log10 when log_y) */
  double px, py, pw, ph;
  double cx0, cy0, cx1, cy1; /* the whole chart: a hover box may use all of it */
  bool has_data;
} Chart;

typedef struct
{
  double v[MAX_TICKS];
  int n;
  double minor[MAX_TICKS];
  int n_minor;
  int decimals;
  double divisor;
  const char *suffix;
  bool log_labels;
} Ticks;

static inline double
map_x (const Chart *ch, double x)
{
  return ch->px + (x - ch->x0) / (ch->x1 - ch->x0) * ch->pw;
}

static inline double
map_t (const Chart *ch, double t)
{
  return ch->py + ch->ph * (1.0 - (t - ch->t0) / (ch->t1 - ch->t0));
}

static inline double
map_y (const Chart *ch, double y)
{
  return map_t (ch, y_transform (ch->log_y, y));
}

static inline double
batch_value (const Chart *ch, const FtPlotBatchPoint *p)
{
  if (ch->metric == FT_PLOT_LOSS)
    return ch->raw ? p->batch_loss : p->loss;
  return p->metric;
}

static bool
epoch_value (const FtPlotEpochPoint *p, const char *key, double *v)
{
  return key[0] != '\0' && ft_logs_get (&p->logs, key, v) && isfinite (*v);
}

static bool
usable (const Chart *ch, double v)
{
  return isfinite (v) && (!ch->log_y || v > 0);
}

/* First index whose x ≥ x (n when none). */
static int
lower_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x)
{
  int lo = 0, hi = n;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_batch_x (&b[mid], axis) < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* First index whose x > x (n when none). */
static int
upper_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x)
{
  int lo = 0, hi = n;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_batch_x (&b[mid], axis) <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static char *
pretty_key (const char *key)
{
  char *s = g_strdup (key);
  for (char *p = s; *p; p++)
    if (*p == '_')
      *p = ' ';
  if (s[0] != '\0')
    s[0] = g_ascii_toupper (s[0]);
  return s;
}

char *
ft_plot_title (const FtPlotModel *model, FtPlotMetric metric)
{
  if (metric == FT_PLOT_LOSS)
    return g_strdup ("Loss");
  const char *key = model != NULL ? ft_plot_model_get_any_metric_key (model) : NULL;
  if (metric == FT_PLOT_BOTH)
    return g_strdup (key != NULL ? "Loss and metric" : "Loss");
  if (key == NULL || strcmp (key, "acc") == 0 || strcmp (key, "accuracy") == 0)
    return g_strdup ("Accuracy");
  return pretty_key (key);
}

static void
chart_init (Chart *ch, Ctx *c, FtPlotMetric metric)
{
  memset (ch, 0, sizeof *ch);
  const FtPlotModel *model = c->model;
  ch->metric = metric;
  ch->raw = metric == FT_PLOT_LOSS && c->style->show_raw_loss;
  ch->metric_key = metric == FT_PLOT_ACCURACY ? ft_plot_model_get_any_metric_key (model) : "loss";
  ch->is_accuracy = metric == FT_PLOT_ACCURACY && ch->metric_key != NULL
                    && strstr (ch->metric_key, "acc") != NULL;
  ch->log_y = c->style->log_y;
  int n = ft_plot_model_get_n_runs (model);
  ch->series = g_new0 (Series, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      int id = ft_plot_model_get_run_id (model, i);
      if (!ft_plot_model_get_run_visible (model, id))
        continue;
      Series *s = &ch->series[ch->n_series++];
      s->run = id;
      s->colour = ft_plot_model_get_run_colour (model, id);
      s->dashed = ft_plot_model_get_run_dashed (model, id);
      ft_plot_style_run_color (c->style, s->colour, &s->color);
      s->name = ft_plot_model_get_run_name (model, id);
      s->b = ft_plot_model_get_batches (model, id);
      s->nb = ft_plot_model_get_n_batches (model, id);
      s->e = ft_plot_model_get_epochs (model, id);
      s->ne = ft_plot_model_get_n_epochs (model, id);
      s->partner = -1;
      const char *key = "loss";
      if (metric == FT_PLOT_ACCURACY)
        {
          key = ft_plot_model_get_metric_key (model, id);
          if (key == NULL)
            key = ch->metric_key != NULL ? ch->metric_key : "";
          if (ch->metric_key == NULL)
            s->nb = 0; /* nothing to show */
        }
      g_strlcpy (s->train_key, key, sizeof s->train_key);
      if (key[0] != '\0')
        g_snprintf (s->val_key, sizeof s->val_key, "val_%s", key);
    }
  /* Pairs: the partner must be visible too. */
  for (int i = 0; i < ch->n_series; i++)
    {
      int pair = ft_plot_model_get_pair (model, ch->series[i].run);
      for (int j = 0; pair != 0 && j < ch->n_series; j++)
        if (ch->series[j].run == pair)
          {
            ch->series[i].partner = j;
            ch->series[i].second = j < i;
          }
    }
}

static void
chart_finish (Chart *ch)
{
  g_free (ch->series);
}

/* y extent of what is drawn within [x0, x1]. */
static double batch_strength (Ctx *c, const Chart *ch, const Series *s);

static bool
chart_y_extent (Ctx *c, const Chart *ch, double *lo, double *hi)
{
  const FtPlotStyle *style = c->style;
  double mn = INFINITY, mx = -INFINITY;
  for (int i = 0; i < ch->n_series; i++)
    {
      const Series *s = &ch->series[i];
      if (batch_strength (c, ch, s) > 0)
        {
          int a = lower_bound (s->b, s->nb, style->x_axis, ch->x0);
          int z = upper_bound (s->b, s->nb, style->x_axis, ch->x1);
          for (int k = a; k < z; k++)
            {
              double v = batch_value (ch, &s->b[k]);
              if (usable (ch, v))
                {
                  mn = MIN (mn, v);
                  mx = MAX (mx, v);
                }
            }
        }
      for (int k = 0; k < s->ne; k++)
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

static void
chart_ranges (Chart *ch, Ctx *c, const FtPlotViewport *vp)
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

static double
train_width (Ctx *c, const Series *s)
{
  return c->lw * (s->second ? 1.3 : s->partner >= 0 ? 3.4 : 2.4);
}

static void
draw_marker (Ctx *c, const Series *s, double x, double y, bool hollow)
{
  cairo_t *cr = c->cr;
  double r = marker_radius (c, s);
  marker_path (cr, s->colour, x, y, r);
  if (hollow)
    {
      set_color (cr, &c->bg, 1.0);
      cairo_fill_preserve (cr);
      set_color (cr, &s->color, 1.0);
      cairo_set_line_width (cr, c->lw * (s->second ? 1.0 : 1.6));
      cairo_stroke (cr);
    }
  else
    {
      set_color (cr, &s->color, 1.0);
      cairo_fill_preserve (cr);
      set_color (cr, &c->bg, 0.9);
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
static void
set_train_dash (Ctx *c, const Series *s)
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
static void
set_tint (Ctx *c, const FtPlotColor *color, double amount)
{
  cairo_set_source_rgb (c->cr, c->bg.r + (color->r - c->bg.r) * amount,
                        c->bg.g + (color->g - c->bg.g) * amount, c->bg.b + (color->b - c->bg.b) * amount);
}

static double
batch_tint (Ctx *c)
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
static double
batch_strength (Ctx *c, const Chart *ch, const Series *s)
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

/* The per-batch line: all points when there are few per pixel column, else per device-pixel column the
 * min/max envelope (a band, pass 0) and the mean (a line, pass 1). Running means restart every epoch, so
 * their line breaks between epochs; raw batch losses are one continuous line. */
static void
draw_batches (Ctx *c, const Chart *ch, const Series *s, int pass)
{
  if (s->nb == 0)
    return;
  cairo_t *cr = c->cr;
  FtPlotXAxis axis = c->style->x_axis;
  int a = lower_bound (s->b, s->nb, axis, ch->x0);
  int z = upper_bound (s->b, s->nb, axis, ch->x1);
  if (a > 0)
    a--;
  if (z < s->nb)
    z++;
  int n = z - a;
  if (n <= 0)
    return;
  bool break_epochs = !ch->raw;
  double strength = batch_strength (c, ch, s);
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
  set_tint (c, &s->color, batch_tint (c) * (ch->raw ? 0.85 : 1.0) * strength);

  if (!dense)
    {
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
      return;
    }

  /* Envelope. A column where an epoch ends keeps only the new epoch's running means and starts a new
   * stretch. */
  float *mins = g_new (float, ncols);
  float *maxs = g_new (float, ncols);
  double *sums = g_new0 (double, ncols);
  int *counts = g_new0 (int, ncols);
  int *epochs = g_new (int, ncols);
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
      if (counts[col] == 0 || epochs[col] != ep)
        {
          mins[col] = maxs[col] = t;
          sums[col] = 0;
          counts[col] = 0;
          epochs[col] = ep;
        }
      else
        {
          mins[col] = MIN (mins[col], t);
          maxs[col] = MAX (maxs[col], t);
        }
      sums[col] += t;
      counts[col]++;
    }
  double colw = 1.0 / c->dev_scale;
  /* Stretches: runs of non-empty columns of one epoch. */
  for (int col = 0; col < ncols;)
    {
      if (counts[col] == 0)
        {
          col++;
          continue;
        }
      int end = col + 1;
      while (end < ncols && counts[end] > 0 && epochs[end] == epochs[col])
        end++;
      if (pass == 0)
        {
          cairo_move_to (cr, ch->px + col * colw, map_t (ch, maxs[col]));
          for (int i = col + 1; i < end; i++)
            cairo_line_to (cr, ch->px + i * colw, map_t (ch, maxs[i]));
          cairo_line_to (cr, ch->px + end * colw, map_t (ch, maxs[end - 1]));
          cairo_line_to (cr, ch->px + end * colw, map_t (ch, mins[end - 1]));
          for (int i = end - 1; i >= col; i--)
            cairo_line_to (cr, ch->px + i * colw, map_t (ch, mins[i]));
          cairo_close_path (cr);
        }
      else
        for (int i = col; i < end; i++)
          {
            double x = ch->px + (i + 0.5) * colw, y = map_t (ch, sums[i] / counts[i]);
            if (i == col)
              cairo_move_to (cr, x, y);
            else
              cairo_line_to (cr, x, y);
          }
      col = end;
    }
  if (pass == 0)
    {
      set_color (cr, &s->color, (c->style->high_contrast ? 0.3 : 0.2) * strength);
      cairo_fill (cr);
    }
  else
    cairo_stroke (cr);
  g_free (epochs);
  g_free (mins);
  g_free (maxs);
  g_free (sums);
  g_free (counts);
}

static void
draw_epoch_line (Ctx *c, const Chart *ch, const Series *s, bool val)
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
  set_color (cr, &s->color, 1.0);
  if (val)
    {
      cairo_set_line_width (cr, c->lw * (s->second ? 1.2 : s->partner >= 0 ? 2.8 : 2.0));
      set_val_dash (c, s);
    }
  else
    {
      cairo_set_line_width (cr, train_width (c, s));
      set_train_dash (c, s);
      if (s->dashed)
        cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

/* The best validation value (lowest loss, highest accuracy) marked with a ring and its value, so that a
 * class sees where the model was best, not only where it ended. */
static void
draw_best (Ctx *c, const Chart *ch, const Series *s, bool label)
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
  set_color (cr, &s->color, 1.0);
  cairo_set_line_width (cr, c->lw * (s->second ? 1.2 : 2.0));
  cairo_stroke (cr);
  if (!label)
    return;
  char buf[64], text[96];
  ft_plot_format_value (buf, sizeof buf, bv);
  g_snprintf (text, sizeof text, "%s %s", higher ? "best" : "min", buf);
  PangoLayout *l = make_layout (c, text, 0.85, true, true);
  double w, h;
  layout_size (l, &w, &h);
  double lx = px + r + c->fs * 0.2, ly = higher ? py + r * 0.6 : py - r * 0.6 - h;
  if (lx + w > ch->px + ch->pw)
    lx = px - r - c->fs * 0.2 - w;
  ly = CLAMP (ly, ch->py, ch->py + ch->ph - h);
  set_color (cr, &c->bg, 0.85);
  cairo_rectangle (cr, lx - 2, ly, w + 4, h);
  cairo_fill (cr);
  show_layout (c, l, lx, ly, &s->color, 1.0);
  g_object_unref (l);
}

/* Where epochs end, on a chart whose per-batch line is a running mean: the mean restarts there (the
 * metric's reset_state), so the saw-tooth is the metric's doing, not the model's. Faint dotted lines. */
static void
draw_epoch_boundaries (Ctx *c, const Chart *ch)
{
  if (!c->style->show_batches || ch->raw)
    return;
  const Series *s = NULL;
  for (int i = 0; i < ch->n_series && s == NULL; i++)
    if (batch_strength (c, ch, &ch->series[i]) >= 1.0 && ch->series[i].ne > 0)
      s = &ch->series[i]; /* only where the running mean shows in full: wider epochs than a fence */
  if (s == NULL)
    return;
  cairo_t *cr = c->cr;
  double d[2] = { MAX (1.0, c->lw), MAX (3.0, 3.0 * c->lw) };
  cairo_set_dash (cr, d, 2, 0);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * 0.8));
  set_color (cr, &c->fg, c->style->high_contrast ? 0.35 : 0.22);
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
static void
draw_epoch_markers (Ctx *c, const Chart *ch, const Series *s, bool val)
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
      draw_marker (c, s, map_x (ch, xv), map_y (ch, v), val);
    }
}

/* ---- legend ---- */

typedef enum
{
  LEGEND_RUN,
  LEGEND_TRAIN,
  LEGEND_VAL,
  LEGEND_BATCH,
} LegendKind;

typedef struct
{
  LegendKind kind;
  const Series *s;
  PangoLayout *layout;
  double w, h; /* of the whole item */
  double x, y; /* placed */
} LegendItem;

static double
legend_sample_width (Ctx *c)
{
  return c->fs * 2.2;
}

/* Generic items (training, validation, running mean) need only room for a marker. */
static double
legend_item_sample_width (Ctx *c, const LegendItem *it)
{
  return it->kind == LEGEND_TRAIN || it->kind == LEGEND_VAL ? c->fs * 0.9 : legend_sample_width (c);
}

static void
draw_legend_sample (Ctx *c, const LegendItem *it, double x, double y)
{
  cairo_t *cr = c->cr;
  double len = legend_item_sample_width (c, it), cy = y + it->h / 2;
  FtPlotColor neutral = c->fg;
  Series fake;
  memset (&fake, 0, sizeof fake);
  fake.color = neutral;
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  switch (it->kind)
    {
    case LEGEND_RUN:
      {
        /* The run's colour and line style, not its pairing: the sample stands alone. */
        Series alone = *it->s;
        alone.second = false;
        alone.partner = -1;
        cairo_move_to (cr, x, cy);
        cairo_line_to (cr, x + len, cy);
        set_color (cr, &alone.color, 1.0);
        cairo_set_line_width (cr, train_width (c, &alone));
        set_train_dash (c, &alone);
        if (alone.dashed)
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
        cairo_stroke (cr);
        cairo_set_dash (cr, NULL, 0, 0);
        draw_marker (c, &alone, x + len / 2, cy, false);
        break;
      }
    case LEGEND_TRAIN:
      /* Filled markers: training; hollow: validation (each run keeps its own line style). */
      fake.colour = MARKER_CIRCLE;
      draw_marker (c, &fake, x + len / 2, cy, false);
      break;
    case LEGEND_VAL:
      fake.colour = MARKER_CIRCLE;
      draw_marker (c, &fake, x + len / 2, cy, true);
      break;
    case LEGEND_BATCH:
      {
        /* A little wiggle, as the per-batch line looks. */
        len = legend_item_sample_width (c, it);
        set_tint (c, &neutral, batch_tint (c));
        cairo_set_line_width (cr, c->lw * 1.3);
        for (int i = 0; i <= 8; i++)
          {
            double px = x + len * i / 8.0, py = cy + ((i % 2) ? -1 : 1) * c->fs * 0.18;
            if (i == 0)
              cairo_move_to (cr, px, py);
            else
              cairo_line_to (cr, px, py);
          }
        cairo_stroke (cr);
      }
      break;
    default:
      break;
    }
}

/* Builds the legend items; returns how many (≤ max). */
static int
legend_build (Ctx *c, const Chart *ch, LegendItem *items, int max)
{
  int n = 0;
  bool any_val = false, any_train = false, any_batch = false;
  for (int i = 0; i < ch->n_series && n < max - 3; i++)
    {
      const Series *s = &ch->series[i];
      if (s->nb == 0 && s->ne == 0)
        continue;
      items[n].kind = LEGEND_RUN;
      items[n].s = s;
      items[n].layout = make_layout (c, s->name, 1.0, false, false);
      n++;
      any_batch |= batch_strength (c, ch, s) > 0;
      for (int k = 0; k < s->ne; k++)
        {
          double v;
          any_val |= epoch_value (&s->e[k], s->val_key, &v);
          any_train |= epoch_value (&s->e[k], s->train_key, &v);
        }
    }
  if (n == 0)
    return 0;
  if (any_train)
    {
      items[n].kind = LEGEND_TRAIN;
      items[n].layout = make_layout (c, "training", 1.0, false, false);
      n++;
    }
  if (any_val)
    {
      items[n].kind = LEGEND_VAL;
      items[n].layout = make_layout (c, "validation", 1.0, false, false);
      n++;
    }
  if (any_batch)
    {
      items[n].kind = LEGEND_BATCH;
      items[n].layout = make_layout (c, ch->raw ? "batch loss" : "running mean (per epoch)", 1.0, false,
                                     false);
      n++;
    }
  for (int i = 0; i < n; i++)
    {
      double tw, th;
      layout_size (items[i].layout, &tw, &th);
      items[i].w = legend_item_sample_width (c, &items[i]) + c->fs * 0.45 + tw;
      items[i].h = MAX (th, c->fs * 1.2);
    }
  return n;
}

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
          int a = lower_bound (s->b, s->nb, axis, da), z = upper_bound (s->b, s->nb, axis, db);
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

static void
draw_hover (Ctx *c, const Chart *ch, double hx)
{
  cairo_t *cr = c->cr;
  if (hx < ch->x0 || hx > ch->x1)
    return;
  double x = map_x (ch, hx);
  cairo_save (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, MAX (1.0, c->lw));
  set_color (cr, &c->fg, 0.55);
  cairo_move_to (cr, round (x * c->dev_scale) / c->dev_scale + 0.5 / c->dev_scale, ch->py);
  cairo_line_to (cr, round (x * c->dev_scale) / c->dev_scale + 0.5 / c->dev_scale, ch->py + ch->ph);
  cairo_stroke (cr);

  /* Rows: marker + name | batch value | validation value (last epoch ≤ x). */
  int lanes_run = ch->metric == FT_PLOT_LOSS ? ft_plot_model_get_lanes_run (c->model) : 0, n_lane_ev = 0;
  const FtPlotLaneEvent *lane_ev = lanes_run > 0
                                       ? ft_plot_model_get_lane_events (c->model, lanes_run, &n_lane_ev)
                                       : NULL;
  int max_rows = ch->n_series * 2 + 1 + n_lane_ev;
  PangoLayout **cells = g_new0 (PangoLayout *, max_rows * 3);
  const Series **row_series = g_new0 (const Series *, max_rows);
  double *dot_y = g_new (double, ch->n_series);
  int rows = 0;
  char buf[64], text[160];
  FtPlotXAxis axis = c->style->x_axis;
  double cur_value[64];
  bool has_cur[64];
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      const Series *s = &ch->series[i];
      dot_y[i] = NAN;
      has_cur[i] = false;
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
            dot_y[i] = map_y (ch, v);
          cur_value[i] = v;
          has_cur[i] = true;
        }
      else if (s->nb == 0 && e >= 0 && epoch_value (&s->e[e], s->train_key, &v))
        {
          /* Epoch points only: the last epoch's value. */
          ft_plot_format_value (buf, sizeof buf, v);
          g_snprintf (text, sizeof text, "%s %s", s->train_key, buf);
          cur_value[i] = v;
          has_cur[i] = true;
        }
      else
        g_snprintf (text, sizeof text, "%s —", label);
      row_series[rows] = s;
      cells[rows * 3 + 0] = make_layout (c, s->name, 0.95, true, false);
      cells[rows * 3 + 1] = make_layout (c, text, 0.95, false, true);
      if (e >= 0 && epoch_value (&s->e[e], s->val_key, &v))
        {
          /* The validation of the last epoch that ended at or before x (1-based, as Keras counts). */
          g_snprintf (buf, sizeof buf, "%.7g", v);
          g_snprintf (text, sizeof text, "%s %s (epoch %d)", s->val_key, buf, s->e[e].epoch + 1);
          cells[rows * 3 + 2] = make_layout (c, text, 0.95, false, true);
        }
      rows++;
    }
  /* The difference of paired runs ("both" mode: fit − tape). */
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      const Series *s = &ch->series[i];
      int j = s->partner;
      if (j < 0 || s->second || j >= 64 || !has_cur[i] || !has_cur[j])
        continue;
      double d = cur_value[i] - cur_value[j];
      g_snprintf (text, sizeof text, "%s − %s", s->name, ch->series[j].name);
      row_series[rows] = NULL;
      cells[rows * 3 + 0] = make_layout (c, text, 0.95, false, false);
      if (d == 0)
        g_snprintf (text, sizeof text, "identical");
      else
        g_snprintf (text, sizeof text, "Δ %+.3g", d);
      cells[rows * 3 + 1] = make_layout (c, text, 0.95, false, true);
      rows++;
    }

  /* The callback lanes' decisions at the epoch under the hover line, with the rule that fired. */
  int le = lanes_run > 0 ? ft_plot_model_find_epoch (c->model, lanes_run, axis, hx) : -1;
  if (le >= 0)
    {
      int he = ft_plot_model_get_epochs (c->model, lanes_run)[le].epoch;
      for (int i = 0; i < n_lane_ev; i++)
        if (lane_ev[i].epoch == he)
          {
            row_series[rows] = NULL;
            const char *name = ft_plot_model_get_lane_name (c->model, lanes_run, lane_ev[i].lane);
            cells[rows * 3 + 0] = make_layout (c, name, 0.95, false, false);
            cells[rows * 3 + 1] = make_layout (c, lane_ev[i].text, 0.95, false, true);
            rows++;
          }
    }

  /* Dots where the hover line meets each per-batch line. */
  for (int i = 0; i < ch->n_series && i < 64; i++)
    {
      if (!isfinite (dot_y[i]) || dot_y[i] < ch->py - 1 || dot_y[i] > ch->py + ch->ph + 1)
        continue;
      const Series *s = &ch->series[i];
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, dot_y[i], c->lw * (s->second ? 2.2 : 3.4), 0, 2 * G_PI);
      set_color (cr, &s->color, 1.0);
      cairo_fill_preserve (cr);
      set_color (cr, &c->bg, 1.0);
      cairo_set_line_width (cr, c->lw * 1.2);
      cairo_stroke (cr);
    }

  /* Header. */
  switch (axis)
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
  PangoLayout *header = make_layout (c, text, 0.95, true, true);
  double pad = c->fs * 0.55, gap = c->fs * 0.9, mark = c->fs * 1.2;
  double colw[3] = { 0, 0, 0 }, rowh = 0, hw, hh;
  layout_size (header, &hw, &hh);
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < 3; k++)
      if (cells[r * 3 + k] != NULL)
        {
          double w, h;
          layout_size (cells[r * 3 + k], &w, &h);
          colw[k] = MAX (colw[k], w);
          rowh = MAX (rowh, h);
        }
  rowh = MAX (rowh, c->fs * 1.25);
  double bw = pad * 2 + mark + colw[0] + gap + colw[1] + (colw[2] > 0 ? gap + colw[2] : 0);
  bw = MAX (bw, pad * 2 + hw);
  double bh = pad * 2 + hh + (rows > 0 ? c->fs * 0.3 + rows * rowh : 0);
  /* Where the box hides the least data: beside the line, at the top or the bottom of the plot. */
  double bx = 0, by = 0;
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
          bx = cx;
          by = cy;
        }
    }

  /* Box. */
  double rad = c->fs * 0.4;
  cairo_new_sub_path (cr);
  cairo_arc (cr, bx + bw - rad, by + rad, rad, -G_PI / 2, 0);
  cairo_arc (cr, bx + bw - rad, by + bh - rad, rad, 0, G_PI / 2);
  cairo_arc (cr, bx + rad, by + bh - rad, rad, G_PI / 2, G_PI);
  cairo_arc (cr, bx + rad, by + rad, rad, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  set_color (cr, &c->bg, 0.94);
  cairo_fill_preserve (cr);
  set_color (cr, &c->fg, c->style->high_contrast ? 0.8 : 0.25);
  cairo_set_line_width (cr, MAX (1.0, c->lw));
  cairo_stroke (cr);

  show_layout (c, header, bx + pad, by + pad, &c->fg, 1.0);
  double ry = by + pad + hh + c->fs * 0.3;
  for (int r = 0; r < rows; r++, ry += rowh)
    {
      const Series *s = row_series[r];
      double cx = bx + pad;
      if (s != NULL)
        draw_marker (c, s, cx + mark * 0.4, ry + rowh / 2, false);
      cx += mark;
      for (int k = 0; k < 3; k++)
        {
          if (cells[r * 3 + k] != NULL)
            {
              double h;
              layout_size (cells[r * 3 + k], NULL, &h);
              show_layout (c, cells[r * 3 + k], cx, ry + (rowh - h) / 2, &c->fg,
                           s == NULL && k == 0 ? 0.7 : 1.0);
            }
          cx += colw[k] + gap;
        }
    }
  g_object_unref (header);
  for (int i = 0; i < max_rows * 3; i++)
    if (cells[i] != NULL)
      g_object_unref (cells[i]);
  g_free (cells);
  g_free (row_series);
  g_free (dot_y);
  cairo_restore (cr);
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

/* ---- callback lanes ---- */

/* One row per callback of run from top: its name faint at the left, a hairline, and a mark per event:
 * best a filled diamond, wait a tick whose height is wait / patience, stop a bar across the row, restore a
 * ring at the best epoch with a dotted line back from the stop, cut a down-pointing triangle, save a filled
 * dot, skip a hollow one, rates a tiny line (log-scaled within the row). */
static void
draw_callback_lanes (Ctx *c, const Chart *ch, int run, double top, double row)
{
  cairo_t *cr = c->cr;
  FtPlotXAxis axis = c->style->x_axis;
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
      double y0 = top + l * row, mid = y0 + row / 2;
      set_color (cr, &c->fg, 0.15);
      cairo_move_to (cr, ch->px, mid);
      cairo_line_to (cr, ch->px + ch->pw, mid);
      cairo_stroke (cr);
      PangoLayout *name = make_layout (c, ft_plot_model_get_lane_name (c->model, run, l), 0.72, false, false);
      double w, h;
      layout_size (name, &w, &h);
      show_layout (c, name, ch->px + c->fs * 0.2, y0 + (row - h) / 2, &c->fg, 0.45);
      g_object_unref (name);
      /* The rate's range, for its tiny line. */
      double lo = INFINITY, hi = -INFINITY;
      for (int i = 0; i < n; i++)
        if (ev[i].lane == l && ev[i].mark == FT_PLOT_LANE_RATE && ev[i].value > 0)
          {
            lo = MIN (lo, log (ev[i].value));
            hi = MAX (hi, log (ev[i].value));
          }
      bool started = false;
      for (int i = 0; i < n; i++)
        {
          if (ev[i].lane != l)
            continue;
          double x = map_x (ch, ft_plot_model_lane_x (c->model, run, axis, ev[i].epoch));
          set_color (cr, &col, 0.95);
          switch (ev[i].mark)
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
                double f = ev[i].patience > 0 ? CLAMP ((double) ev[i].wait / ev[i].patience, 0.2, 1.0) : 0.5;
                cairo_move_to (cr, x, mid + row * 0.4);
                cairo_line_to (cr, x, mid + row * 0.4 - row * 0.8 * f);
                cairo_stroke (cr);
                break;
              }
            case FT_PLOT_LANE_STOP:
              cairo_rectangle (cr, x - r * 0.6, y0 + row * 0.08, r * 1.2, row * 0.84);
              cairo_fill (cr);
              break;
            case FT_PLOT_LANE_RESTORE:
              {
                cairo_new_sub_path (cr);
                cairo_arc (cr, x, mid, r * 1.8, 0, 2 * G_PI);
                cairo_stroke (cr);
                /* Back from the stop (the lane's last mark) to the epoch restored. */
                double stop_x = x;
                for (int k = 0; k < n; k++)
                  if (ev[k].lane == l && ev[k].mark == FT_PLOT_LANE_STOP)
                    stop_x = map_x (ch, ft_plot_model_lane_x (c->model, run, axis, ev[k].epoch));
                if (stop_x > x + r * 2)
                  {
                    double dash[] = { c->lw * 2, c->lw * 2 };
                    cairo_set_dash (cr, dash, 2, 0);
                    cairo_move_to (cr, stop_x, mid);
                    cairo_line_to (cr, x + r * 1.8, mid);
                    cairo_stroke (cr);
                    cairo_set_dash (cr, NULL, 0, 0);
                  }
                break;
              }
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
              if (ev[i].mark == FT_PLOT_LANE_SAVE)
                cairo_fill (cr);
              else
                cairo_stroke (cr);
              break;
            case FT_PLOT_LANE_RATE:
              {
                double f = hi > lo && ev[i].value > 0 ? (log (ev[i].value) - lo) / (hi - lo) : 0.5;
                double y = y0 + row * (0.85 - 0.7 * f);
                if (started)
                  cairo_line_to (cr, x, y);
                else
                  cairo_move_to (cr, x, y);
                started = true;
                break;
              }
            case FT_PLOT_LANE_OTHER:
            default:
              set_color (cr, &col, 0.35);
              cairo_new_sub_path (cr);
              cairo_arc (cr, x, mid, r * 0.6, 0, 2 * G_PI);
              cairo_fill (cr);
              break;
            }
        }
      if (started)
        {
          set_color (cr, &col, 0.95);
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

/* |loss − partner's loss| per step where both runs have that step (matched by global step), on a log
 * axis in [ly, ly + lh); steps where they are equal are drawn in the "identical" band at the bottom. */
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
  PangoLayout *l = make_layout (c, "identical", 0.75, false, false);
  double tw, th;
  layout_size (l, &tw, &th);
  show_layout (c, l, lx - c->fs * 0.3 - tw, bottom + (band - th) / 2, &c->fg, 0.7);
  g_object_unref (l);
  l = make_layout (c, "|Δ loss|", 0.75, false, false);
  layout_size (l, &tw, &th);
  show_layout (c, l, lx - c->fs * 0.3 - tw, top, &c->fg, 0.7);
  g_object_unref (l);
  cairo_save (cr);
  cairo_rectangle (cr, lx, ly, lw, lh);
  cairo_clip (cr);
  /* The "identical" band and the lane's frame. */
  set_color (cr, &c->fg, 0.06);
  cairo_rectangle (cr, lx, bottom, lw, band);
  cairo_fill (cr);
  set_color (cr, &c->fg, 0.25);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * 0.8));
  cairo_rectangle (cr, lx, ly, lw, lh);
  cairo_stroke (cr);
  /* The differences: one dot per step (a line would hide where they are zero). */
  FtPlotXAxis axis = c->style->x_axis;
  int ia = 0, ib = 0;
  double r = MAX (1.5, c->lw * 1.6);
  set_color (cr, &a->color, 0.9);
  while (ia < a->nb && ib < b->nb)
    {
      double sa = a->b[ia].step, sb = b->b[ib].step;
      if (sa < sb)
        {
          ia++;
          continue;
        }
      if (sb < sa)
        {
          ib++;
          continue;
        }
      double d = fabs ((double) a->b[ia].batch_loss - (double) b->b[ib].batch_loss);
      double px = map_x (ch, ft_plot_batch_x (&a->b[ia], axis));
      double py;
      if (d == 0)
        py = bottom + band / 2;
      else if (!isfinite (d))
        py = top;
      else
        {
          double t = (CLAMP (log10 (d), LANE_LOG_MIN, LANE_LOG_MAX) - LANE_LOG_MIN)
                     / (LANE_LOG_MAX - LANE_LOG_MIN);
          py = bottom - t * (bottom - top);
        }
      cairo_rectangle (cr, px - r, py - r, 2 * r, 2 * r);
      ia++;
      ib++;
    }
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
  set_color (cr, &c->fg, 0.85);
  double dash[2] = { c->lw * 4, c->lw * 3 };
  cairo_set_dash (cr, dash, 2, 0);
  cairo_set_line_width (cr, MAX (2.0, c->lw * 2.0));
  cairo_move_to (cr, px, y_top);
  cairo_line_to (cr, px, y_bottom);
  cairo_stroke (cr);
  if (label && label[0])
    {
      PangoLayout *l = make_layout (c, label, 0.85, true, false);
      double w, h;
      layout_size (l, &w, &h);
      double lx = MIN (px + c->fs * 0.25, ch->px + ch->pw - w);
      show_layout (c, l, lx, y_top, &c->fg, 1.0);
      g_object_unref (l);
    }
  cairo_restore (cr);
}

/* Live changes (ft_plot_model_add_change): a short tick down from the top of the plot in the run's colour
 * with its label beside it, on two alternating rows so that neighbours do not cover each other (changes at
 * the same place stacked); a change
 * that a run shares with an earlier one (the fit run and its tape twin) is drawn once. */
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
          set_color (cr, &col, 1.0);
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
      PangoLayout *l = make_layout (c, drawn_label[d], 0.8, false, false);
      double w, h;
      layout_size (l, &w, &h);
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
      set_color (cr, &c->bg, 0.8);
      cairo_fill (cr);
      show_layout (c, l, lx, ly, &c->fg, 0.95);
      g_object_unref (l);
    }
  cairo_restore (cr);
}

static void
render_chart (Ctx *c, double x, double y, double width, double height, FtPlotMetric metric,
              const FtPlotViewport *vp, FtPlotGeometry *geometry)
{
  cairo_t *cr = c->cr;
  const FtPlotStyle *style = c->style;
  Chart ch;
  chart_init (&ch, c, metric);
  ch.cx0 = x;
  ch.cy0 = y;
  ch.cx1 = x + width;
  ch.cy1 = y + height;
  /* A provisional plot area, refined once the tick labels are measured: what fades with density needs
   * an idea of the width. */
  ch.px = x + c->fs * 4.5;
  ch.pw = MAX (10.0, width - c->fs * 6.0);
  chart_ranges (&ch, c, vp);

  double pad = c->fs * 0.9;
  double top = y + pad;

  /* Title and legend. */
  PangoLayout *title = NULL;
  double title_w = 0, title_h = 0;
  if (style->show_title)
    {
      char *t = style->title ? g_strdup (style->title) : ft_plot_title (c->model, metric);
      if (ch.log_y)
        {
          char *u = g_strdup_printf ("%s (log scale)", t);
          g_free (t);
          t = u;
        }
      title = make_layout (c, t, 1.3, true, false);
      g_free (t);
      layout_size (title, &title_w, &title_h);
    }
  LegendItem legend[40];
  int n_legend = style->show_legend ? legend_build (c, &ch, legend, G_N_ELEMENTS (legend)) : 0;
  double item_gap = c->fs * 1.3;
  double legend_w = 0, legend_h = 0;
  for (int i = 0; i < n_legend; i++)
    {
      legend_w += legend[i].w + (i ? item_gap : 0);
      legend_h = MAX (legend_h, legend[i].h);
    }
  double avail = width - 2 * pad;
  double header_h = title_h;
  bool one_row = false;
  if (n_legend > 0)
    {
      /* One row beside the title is worth more than the running-mean and training keys (a projector needs
       * the height): drop those when that makes it fit. */
      double without = legend_w;
      for (int i = 0; i < n_legend; i++)
        if (legend[i].kind == LEGEND_BATCH || legend[i].kind == LEGEND_TRAIN)
          without -= legend[i].w + item_gap;
      if (title_w + c->fs * 2 + legend_w > avail && title_w + c->fs * 2 + without <= avail)
        {
          for (int i = 0; i < n_legend;)
            if (legend[i].kind == LEGEND_BATCH || legend[i].kind == LEGEND_TRAIN)
              {
                g_object_unref (legend[i].layout);
                memmove (&legend[i], &legend[i + 1], (size_t) (n_legend - i - 1) * sizeof legend[0]);
                n_legend--;
              }
            else
              i++;
          legend_w = without;
        }
      if (title_w + c->fs * 2 + legend_w <= avail)
        {
          /* One row: legend right-aligned beside the title. */
          double lx = x + width - pad - legend_w;
          double ly = top + (MAX (title_h, legend_h) - legend_h) / 2;
          for (int i = 0; i < n_legend; i++)
            {
              legend[i].x = lx;
              legend[i].y = ly;
              lx += legend[i].w + item_gap;
            }
          header_h = MAX (title_h, legend_h);
          one_row = true;
        }
      else
        {
          /* One row below the title, never more: the generic items (running mean, validation, training)
           * go first, then the runs' names are shortened to fit. */
          /* Least telling first: the running mean, then training (filled markers), then validation. */
          static const LegendKind drop_order[] = { LEGEND_BATCH, LEGEND_TRAIN, LEGEND_VAL };
          for (size_t d = 0; d < G_N_ELEMENTS (drop_order) && legend_w > avail; d++)
            for (int i = 0; i < n_legend; i++)
              if (legend[i].kind == drop_order[d])
                {
                  legend_w -= legend[i].w + item_gap;
                  g_object_unref (legend[i].layout);
                  memmove (&legend[i], &legend[i + 1], (size_t) (n_legend - i - 1) * sizeof legend[0]);
                  n_legend--;
                  break;
                }
          if (legend_w > avail)
            {
              int runs = n_legend;
              double fixed = 0;
              for (int i = 0; i < n_legend; i++)
                fixed += legend_sample_width (c) + c->fs * 0.45 + (i ? item_gap : 0);
              double each = MAX (c->fs * 2.0, (avail - fixed) / MAX (runs, 1));
              legend_w = 0;
              for (int i = 0; i < n_legend; i++)
                {
                  pango_layout_set_width (legend[i].layout, (int) (each * PANGO_SCALE));
                  pango_layout_set_ellipsize (legend[i].layout, PANGO_ELLIPSIZE_END);
                  double tw;
                  layout_size (legend[i].layout, &tw, NULL);
                  legend[i].w = legend_sample_width (c) + c->fs * 0.45 + tw;
                  legend_w += legend[i].w + (i ? item_gap : 0);
                }
            }
          double lx = x + pad, ly = top + (title_h > 0 ? title_h + c->fs * 0.35 : 0);
          for (int i = 0; i < n_legend; i++)
            {
              legend[i].x = lx;
              legend[i].y = ly;
              lx += legend[i].w + item_gap;
            }
          header_h = ly + legend_h - top;
        }
    }
  double plot_top = top + header_h + (header_h > 0 ? c->fs * 0.9 : 0);

  /* Axis titles and tick label heights. */
  const char *ytext = ch.metric == FT_PLOT_LOSS ? "loss" : (ch.metric_key ? ch.metric_key : "accuracy");
  PangoLayout *ytitle = make_layout (c, ytext, 1.0, false, false);
  PangoLayout *xtitle = make_layout (c, x_axis_title (style->x_axis), 1.0, false, false);
  double ytitle_w, ytitle_h, xtitle_w, xtitle_h;
  layout_size (ytitle, &ytitle_w, &ytitle_h);
  layout_size (xtitle, &xtitle_w, &xtitle_h);
  PangoLayout *probe = make_layout (c, "0123456789", 0.92, false, true);
  double tick_h;
  layout_size (probe, NULL, &tick_h);
  g_object_unref (probe);
  double tick_len = c->fs * 0.35;
  double bottom = y + height - pad - xtitle_h - c->fs * 0.25 - tick_h - tick_len - c->fs * 0.2;
  /* Compare mode's difference lane takes a strip under the loss chart's curves. */
  double lane_h = 0;
  if (ch.metric == FT_PLOT_LOSS && ft_plot_model_get_difference_lane (c->model) && lane_pair (&ch) >= 0
      && bottom - plot_top > c->fs * 14)
    lane_h = c->fs * 3.2;
  /* Callback lanes: one thin row per callback of the plotted run, under the curves (and the difference
   * lane), sharing their x. */
  int lanes_run = ch.metric == FT_PLOT_LOSS ? ft_plot_model_get_lanes_run (c->model) : 0;
  int n_cb = lanes_run > 0 ? ft_plot_model_get_n_lanes (c->model, lanes_run) : 0;
  double cb_row = c->fs * 1.3, cb_h = 0;
  double under = lane_h > 0 ? lane_h + c->fs * 0.5 : 0;
  if (n_cb > 0 && bottom - plot_top - under > c->fs * 10 + n_cb * cb_row)
    cb_h = n_cb * cb_row;
  else
    n_cb = 0;
  double cb_top_off = under + c->fs * 0.4; /* from the plot's bottom to the first lane */
  if (cb_h > 0)
    under += cb_h + c->fs * 0.4;
  double plot_h = MAX (10.0, bottom - plot_top - under);

  /* y ticks (their labels decide the left margin). */
  Ticks yt;
  double ytarget = MAX (2.0, plot_h / (c->fs * 3.2));
  if (ch.log_y)
    log_ticks (ch.y0, ch.y1, ytarget, &yt);
  else
    linear_ticks (ch.y0, ch.y1, ytarget, false, &yt);
  PangoLayout *ylabels[MAX_TICKS];
  double ylabel_w = 0;
  for (int i = 0; i < yt.n; i++)
    {
      char buf[64];
      tick_label (&yt, yt.v[i], buf, sizeof buf);
      ylabels[i] = make_layout (c, buf, 0.92, false, true);
      double w;
      layout_size (ylabels[i], &w, NULL);
      ylabel_w = MAX (ylabel_w, w);
    }
  double plot_left = x + pad + ytitle_h + c->fs * 0.5 + ylabel_w + tick_len + c->fs * 0.2;
  double plot_right = x + width - pad - c->fs * 0.6;
  ch.px = plot_left;
  ch.py = plot_top;
  ch.pw = MAX (10.0, plot_right - plot_left);
  ch.ph = plot_h;

  /* x ticks. */
  Ticks xt;
  bool integer_x = style->x_axis != FT_PLOT_X_EPOCH || (ch.x1 - ch.x0) >= 2.0;
  PangoLayout *xlabels[MAX_TICKS];
  double xtarget = MAX (2.0, ch.pw / (c->fs * 6.5));
  for (;;)
    {
      linear_ticks (ch.x0, ch.x1, xtarget, integer_x, &xt);
      double widest = 0;
      for (int i = 0; i < xt.n; i++)
        {
          char buf[64];
          tick_label (&xt, xt.v[i], buf, sizeof buf);
          xlabels[i] = make_layout (c, buf, 0.92, false, true);
          double w;
          layout_size (xlabels[i], &w, NULL);
          widest = MAX (widest, w);
        }
      /* Labels must not touch: fewer ticks if they would. */
      if (xt.n < 3 || xtarget <= 2.0 || (widest + c->fs) * xt.n <= ch.pw)
        break;
      for (int i = 0; i < xt.n; i++)
        g_object_unref (xlabels[i]);
      xtarget = MAX (2.0, xtarget * 0.6);
    }

  /* Background. */
  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);
  set_color (cr, &c->bg, 1.0);
  cairo_paint (cr);

  /* Grid. */
  double hairline = MAX (1.0 / c->dev_scale, c->lw * (style->high_contrast ? 1.0 : 0.8));
  cairo_set_line_width (cr, hairline);
  cairo_set_dash (cr, NULL, 0, 0);
  set_color (cr, &c->fg, style->high_contrast ? 0.07 : 0.045);
  for (int i = 0; i < yt.n_minor; i++)
    {
      double py = map_y (&ch, yt.minor[i]);
      cairo_move_to (cr, ch.px, py);
      cairo_line_to (cr, ch.px + ch.pw, py);
    }
  cairo_stroke (cr);
  set_color (cr, &c->fg, style->high_contrast ? 0.22 : 0.11);
  for (int i = 0; i < yt.n; i++)
    {
      double py = map_y (&ch, yt.v[i]);
      cairo_move_to (cr, ch.px, py);
      cairo_line_to (cr, ch.px + ch.pw, py);
    }
  for (int i = 0; i < xt.n; i++)
    {
      double px = map_x (&ch, xt.v[i]);
      cairo_move_to (cr, px, ch.py);
      cairo_line_to (cr, px, ch.py + ch.ph);
    }
  cairo_stroke (cr);

  /* Axes: left and bottom lines, ticks, labels, titles. */
  set_color (cr, &c->fg, style->high_contrast ? 0.9 : 0.5);
  cairo_set_line_width (cr, MAX (1.0 / c->dev_scale, c->lw * (style->high_contrast ? 1.5 : 1.0)));
  /* With a difference lane the x axis sits under the lane, which shares its x. */
  double axis_y = ch.py + ch.ph + under;
  cairo_move_to (cr, ch.px, ch.py);
  cairo_line_to (cr, ch.px, ch.py + ch.ph);
  if (under > 0)
    cairo_move_to (cr, ch.px, axis_y);
  cairo_line_to (cr, ch.px + ch.pw, axis_y);
  for (int i = 0; i < yt.n; i++)
    {
      double py = map_y (&ch, yt.v[i]);
      cairo_move_to (cr, ch.px - tick_len, py);
      cairo_line_to (cr, ch.px, py);
    }
  for (int i = 0; i < xt.n; i++)
    {
      double px = map_x (&ch, xt.v[i]);
      cairo_move_to (cr, px, axis_y);
      cairo_line_to (cr, px, axis_y + tick_len);
    }
  cairo_stroke (cr);
  double text_alpha = style->high_contrast ? 1.0 : 0.75;
  for (int i = 0; i < yt.n; i++)
    {
      double w, h;
      layout_size (ylabels[i], &w, &h);
      show_layout (c, ylabels[i], ch.px - tick_len - c->fs * 0.2 - w, map_y (&ch, yt.v[i]) - h / 2, &c->fg,
                   text_alpha);
      g_object_unref (ylabels[i]);
    }
  double last_right = -INFINITY;
  for (int i = 0; i < xt.n; i++)
    {
      double w, h;
      layout_size (xlabels[i], &w, &h);
      double lx = map_x (&ch, xt.v[i]) - w / 2;
      lx = MIN (lx, x + width - w - 1);
      if (lx > last_right + c->fs * 0.5)
        {
          show_layout (c, xlabels[i], lx, axis_y + tick_len + c->fs * 0.15, &c->fg, text_alpha);
          last_right = lx + w;
        }
      g_object_unref (xlabels[i]);
    }
  show_layout (c, xtitle, ch.px + (ch.pw - xtitle_w) / 2, y + height - pad - xtitle_h, &c->fg, text_alpha);
  cairo_save (cr);
  cairo_move_to (cr, x + pad, ch.py + (ch.ph + ytitle_w) / 2);
  cairo_rotate (cr, -G_PI / 2);
  set_color (cr, &c->fg, text_alpha);
  pango_cairo_update_layout (cr, ytitle);
  pango_cairo_show_layout (cr, ytitle);
  cairo_restore (cr);
  g_object_unref (ytitle);
  g_object_unref (xtitle);

  /* Title and legend. */
  if (title != NULL)
    {
      show_layout (c, title, x + pad, top + (one_row ? (header_h - title_h) / 2 : 0), &c->fg, 1.0);
      g_object_unref (title);
    }
  for (int i = 0; i < n_legend; i++)
    {
      double th;
      layout_size (legend[i].layout, NULL, &th);
      draw_legend_sample (c, &legend[i], legend[i].x, legend[i].y);
      show_layout (c, legend[i].layout, legend[i].x + legend_item_sample_width (c, &legend[i]) + c->fs * 0.45,
                   legend[i].y + (legend[i].h - th) / 2, &c->fg, style->high_contrast ? 1.0 : 0.85);
      g_object_unref (legend[i].layout);
    }

  /* Data: lines clipped to the plot area, markers to a little more. */
  cairo_save (cr);
  cairo_rectangle (cr, ch.px, ch.py, ch.pw, ch.ph);
  cairo_clip (cr);
  draw_epoch_boundaries (c, &ch);
  if (style->show_batches)
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; i < ch.n_series; i++)
        draw_batches (c, &ch, &ch.series[i], pass);
  for (int i = 0; i < ch.n_series; i++)
    {
      draw_epoch_line (c, &ch, &ch.series[i], true);
      draw_epoch_line (c, &ch, &ch.series[i], false);
    }
  cairo_restore (cr);
  cairo_save (cr);
  double m = c->lw * 6 + 2;
  cairo_rectangle (cr, ch.px - m, ch.py - m, ch.pw + 2 * m, ch.ph + 2 * m);
  cairo_clip (cr);
  for (int i = 0; i < ch.n_series; i++)
    {
      draw_epoch_markers (c, &ch, &ch.series[i], true);
      draw_epoch_markers (c, &ch, &ch.series[i], false);
    }
  for (int i = 0; i < ch.n_series; i++)
    draw_best (c, &ch, &ch.series[i], !ch.series[i].second);
  cairo_restore (cr);

  if (!ch.has_data)
    {
      const char *msg = ch.metric == FT_PLOT_ACCURACY && ft_plot_model_get_n_runs (c->model) > 0
                                && ft_plot_model_get_x_extent (c->model, style->x_axis, NULL, NULL)
                            ? "No metric to show: compile with metrics=[\"accuracy\"]"
                            : "No training data yet";
      PangoLayout *l = make_layout (c, msg, 1.1, false, false);
      double w, h;
      layout_size (l, &w, &h);
      show_layout (c, l, ch.px + (ch.pw - w) / 2, ch.py + (ch.ph - h) / 2, &c->fg, 0.6);
      g_object_unref (l);
    }
  else if (vp != NULL && vp->has_hover)
    draw_hover (c, &ch, vp->hover_x);
  if (ch.has_data)
    {
      if (lane_h > 0)
        draw_difference_lane (c, &ch, ch.px, ch.py + ch.ph + c->fs * 0.5, ch.pw, lane_h);
      if (n_cb > 0)
        draw_callback_lanes (c, &ch, lanes_run, ch.py + ch.ph + cb_top_off, cb_row);
      draw_mark (c, &ch, ch.py, ch.py + ch.ph + under);
      draw_changes (c, &ch);
    }

  cairo_restore (cr);

  if (geometry != NULL)
    {
      geometry->plot_x = ch.px;
      geometry->plot_y = ch.py;
      geometry->plot_width = ch.pw;
      geometry->plot_height = ch.ph;
      geometry->x_min = ch.x0;
      geometry->x_max = ch.x1;
      geometry->y_min = ch.y0;
      geometry->y_max = ch.y1;
      geometry->log_y = ch.log_y;
      geometry->has_data = ch.has_data;
      geometry->x_axis = style->x_axis;
      geometry->lanes_run = n_cb > 0 && ch.has_data ? lanes_run : 0;
      geometry->n_lanes = n_cb > 0 && ch.has_data ? n_cb : 0;
      geometry->lanes_y = ch.py + ch.ph + cb_top_off;
      geometry->lane_height = cb_row;
    }
  chart_finish (&ch);
}

void
ft_plot_render_full (cairo_t *cr, double width, double height, const FtPlotModel *model, FtPlotMetric metric,
                     const FtPlotStyle *style, const FtPlotViewport *vp, FtPlotGeometry *geometry)
{
  g_return_if_fail (cr != NULL && model != NULL);
  FtPlotStyle defaults;
  if (style == NULL)
    {
      ft_plot_style_init (&defaults);
      style = &defaults;
    }
  if (geometry != NULL)
    memset (geometry, 0, sizeof *geometry);
  if (!(width > 1 && height > 1))
    return;
  Ctx c;
  memset (&c, 0, sizeof c);
  c.cr = cr;
  c.model = model;
  c.style = style;
  c.fs = (style->font_size > 0 ? style->font_size : 13.0) * (style->font_scale > 0 ? style->font_scale : 1.0);
  c.lw = (style->line_scale > 0 ? style->line_scale : 1.0) * (style->high_contrast ? 1.25 : 1.0);
  c.dark = style_is_dark (style);
  if (style->has_colors)
    {
      c.fg = style->fg;
      c.bg = style->bg;
      c.fg.a = c.fg.a > 0 ? MIN (1.0, c.fg.a * (style->high_contrast ? 1.25 : 1.0)) : 1.0;
      c.bg.a = 1.0;
    }
  else if (c.dark)
    {
      c.fg = (FtPlotColor){ 1, 1, 1, style->high_contrast ? 1.0 : 0.92 };
      c.bg = style->high_contrast ? (FtPlotColor){ 0, 0, 0, 1 } : (FtPlotColor){ 0.118, 0.118, 0.118, 1 };
    }
  else
    {
      c.fg = style->high_contrast ? (FtPlotColor){ 0, 0, 0, 1 } : (FtPlotColor){ 0, 0, 0, 0.85 };
      c.bg = (FtPlotColor){ 1, 1, 1, 1 };
    }
  double dx = 1, dy = 0;
  cairo_user_to_device_distance (cr, &dx, &dy);
  c.dev_scale = MAX (0.25, MIN (8.0, hypot (dx, dy)));

  cairo_save (cr);
  if (metric == FT_PLOT_BOTH)
    {
      if (ft_plot_model_get_any_metric_key (model) != NULL)
        {
          double half = floor (width / 2);
          render_chart (&c, 0, 0, half, height, FT_PLOT_LOSS, vp, geometry);
          render_chart (&c, half, 0, width - half, height, FT_PLOT_ACCURACY, vp, NULL);
        }
      else
        render_chart (&c, 0, 0, width, height, FT_PLOT_LOSS, vp, geometry);
    }
  else
    render_chart (&c, 0, 0, width, height, metric == FT_PLOT_ACCURACY ? FT_PLOT_ACCURACY : FT_PLOT_LOSS, vp,
                  geometry);
  cairo_restore (cr);
}

void
ft_plot_render (cairo_t *cr, double width, double height, const FtPlotModel *model, FtPlotMetric metric,
                const FtPlotStyle *style, const FtPlotViewport *vp)
{
  ft_plot_render_full (cr, width, height, model, metric, style, vp, NULL);
}

/* ---- description for screen readers ---- */

static void
describe_one (GString *s, const FtPlotModel *model, FtPlotMetric metric)
{
  char *title = ft_plot_title (model, metric);
  g_string_append_printf (s, "%s plot", title);
  g_free (title);
  const char *any_key = ft_plot_model_get_any_metric_key (model);
  int described = 0;
  char buf[64];
  for (int i = 0; i < ft_plot_model_get_n_runs (model); i++)
    {
      int id = ft_plot_model_get_run_id (model, i);
      if (!ft_plot_model_get_run_visible (model, id))
        continue;
      int nb = ft_plot_model_get_n_batches (model, id), ne = ft_plot_model_get_n_epochs (model, id);
      if (nb == 0 && ne == 0)
        continue;
      const char *key = "loss";
      if (metric == FT_PLOT_ACCURACY)
        {
          key = ft_plot_model_get_metric_key (model, id);
          if (key == NULL)
            key = any_key;
          if (key == NULL)
            continue;
        }
      g_string_append_printf (s, "%s %s:", described ? ";" : ".", ft_plot_model_get_run_name (model, id));
      described++;
      const FtPlotEpochPoint *e = ft_plot_model_get_epochs (model, id);
      const FtPlotBatchPoint *b = ft_plot_model_get_batches (model, id);
      double v;
      bool any = false;
      if (ne > 0)
        {
          const FtPlotEpochPoint *last = &e[ne - 1];
          g_string_append_printf (s, " after epoch %d", last->epoch + 1);
          if (ft_logs_get (&last->logs, key, &v))
            {
              ft_plot_format_value (buf, sizeof buf, v);
              g_string_append_printf (s, ", %s %s", key, buf);
            }
          char val_key[FT_LOG_KEY_MAX + 4];
          g_snprintf (val_key, sizeof val_key, "val_%s", key);
          if (ft_logs_get (&last->logs, val_key, &v))
            {
              ft_plot_format_value (buf, sizeof buf, v);
              g_string_append_printf (s, ", %s %s", val_key, buf);
            }
          any = true;
        }
      if (nb > 0 && (ne == 0 || b[nb - 1].epoch > e[ne - 1].epoch + 1 + 1e-9))
        {
          const FtPlotBatchPoint *p = &b[nb - 1];
          v = metric == FT_PLOT_LOSS ? p->loss : p->metric;
          ft_plot_format_value (buf, sizeof buf, v);
          g_string_append_printf (s, "%s epoch %d in progress (%.0f%%), running %s %s", any ? ";" : "",
                                  (int) ceil (p->epoch - 1e-9), 100.0 * (p->epoch - floor (p->epoch - 1e-9)),
                                  key, buf);
        }
    }
  if (described == 0)
    g_string_append (s, ", no data yet");
  g_string_append (s, ".");
}

char *
ft_plot_describe (const FtPlotModel *model, FtPlotMetric metric)
{
  g_return_val_if_fail (model != NULL, NULL);
  GString *s = g_string_new (NULL);
  if (metric == FT_PLOT_BOTH)
    {
      describe_one (s, model, FT_PLOT_LOSS);
      if (ft_plot_model_get_any_metric_key (model) != NULL)
        {
          g_string_append_c (s, ' ');
          describe_one (s, model, FT_PLOT_ACCURACY);
        }
    }
  else
    describe_one (s, model, metric);
  return g_string_free (s, FALSE);
}
