/* ft-plot-render.c — the loss and accuracy charts, drawn with cairo and pango (see ft-plot-render.h): the
 * style and palette, the text helpers, and one chart put together from its parts (axes, series, legend,
 * hover box, lanes). */
#include "core/ft-format.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

/* Okabe & Ito's colour-blind-safe palette: darker members on light backgrounds, lighter on dark. */
static const guint32 palette_light[] = { 0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9 };
static const guint32 palette_dark[] = { 0x56B4E9, 0xE69F00, 0x2CC295, 0xE08DC0, 0xF0E442, 0xFF7F3F };
#define N_COLOURS ((int) G_N_ELEMENTS (palette_light))

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

void
ft_plot_layout_set_tabular (PangoLayout *layout)
{
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
}

void
ft_plot_layout_set_font (PangoLayout *layout, PangoFontDescription *desc, bool bold, bool tabular)
{
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  if (tabular)
    ft_plot_layout_set_tabular (layout);
}

void
ft_plot_set_color (cairo_t *cr, const FtPlotColor *c, double alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a * alpha);
}

PangoLayout *
ft_plot_make_layout (Ctx *c, const char *text, double size, bool bold, bool tabular)
{
  PangoLayout *layout = pango_cairo_create_layout (c->cr);
  PangoFontDescription *desc = pango_font_description_new ();
  pango_font_description_set_family (desc, c->style->font_family ? c->style->font_family : "Sans");
  pango_font_description_set_absolute_size (desc, MAX (1.0, c->fs * size) * PANGO_SCALE);
  ft_plot_layout_set_font (layout, desc, bold, tabular);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

void
ft_plot_layout_size (PangoLayout *layout, double *w, double *h)
{
  PangoRectangle logical;
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (w)
    *w = logical.width;
  if (h)
    *h = logical.height;
}

void
ft_plot_show_layout (Ctx *c, PangoLayout *layout, double x, double y, const FtPlotColor *color, double alpha)
{
  cairo_move_to (c->cr, x, y);
  ft_plot_set_color (c->cr, color, alpha);
  pango_cairo_update_layout (c->cr, layout);
  pango_cairo_show_layout (c->cr, layout);
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
      s->summary = ft_plot_model_get_summary (model, id);
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

/* Lines clipped to the plot area, markers to a little more. */
static void
draw_data (Ctx *c, Chart *ch)
{
  cairo_t *cr = c->cr;
  cairo_save (cr);
  cairo_rectangle (cr, ch->px, ch->py, ch->pw, ch->ph);
  cairo_clip (cr);
  ft_plot_draw_epoch_boundaries (c, ch);
  if (c->style->show_batches)
    {
      FtPlotEnvelope *envs = g_new0 (FtPlotEnvelope, MAX (ch->n_series, 1));
      for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < ch->n_series; i++)
          ft_plot_draw_batches (c, ch, &ch->series[i], pass, &envs[i]);
      for (int i = 0; i < ch->n_series; i++)
        ft_plot_envelope_free (&envs[i]);
      g_free (envs);
    }
  for (int i = 0; i < ch->n_series; i++)
    {
      ft_plot_draw_epoch_line (c, ch, &ch->series[i], true);
      ft_plot_draw_epoch_line (c, ch, &ch->series[i], false);
    }
  cairo_restore (cr);
  cairo_save (cr);
  double m = c->lw * 6 + 2;
  cairo_rectangle (cr, ch->px - m, ch->py - m, ch->pw + 2 * m, ch->ph + 2 * m);
  cairo_clip (cr);
  for (int i = 0; i < ch->n_series; i++)
    {
      ft_plot_draw_epoch_markers (c, ch, &ch->series[i], true);
      ft_plot_draw_epoch_markers (c, ch, &ch->series[i], false);
    }
  for (int i = 0; i < ch->n_series; i++)
    ft_plot_draw_best (c, ch, &ch->series[i], !ch->series[i].second);
  cairo_restore (cr);
}

static void
draw_no_data (Ctx *c, const Chart *ch)
{
  const char *msg = ch->metric == FT_PLOT_ACCURACY && ft_plot_model_get_n_runs (c->model) > 0
                            && ft_plot_model_get_x_extent (c->model, c->style->x_axis, NULL, NULL)
                        ? "No metric to show: compile with metrics=[\"accuracy\"]"
                        : "No training data yet";
  PangoLayout *l = ft_plot_make_layout (c, msg, 1.1, false, false);
  double w, h;
  ft_plot_layout_size (l, &w, &h);
  ft_plot_show_layout (c, l, ch->px + (ch->pw - w) / 2, ch->py + (ch->ph - h) / 2, &c->fg, 0.6);
  g_object_unref (l);
}

static void
fill_geometry (const Ctx *c, const Chart *ch, const Frame *f, FtPlotGeometry *geometry)
{
  geometry->plot_x = ch->px;
  geometry->plot_y = ch->py;
  geometry->plot_width = ch->pw;
  geometry->plot_height = ch->ph;
  geometry->x_min = ch->x0;
  geometry->x_max = ch->x1;
  geometry->y_min = ch->y0;
  geometry->y_max = ch->y1;
  geometry->log_y = ch->log_y;
  geometry->has_data = ch->has_data;
  geometry->x_axis = c->style->x_axis;
  geometry->lanes_run = f->n_cb > 0 && ch->has_data ? f->lanes_run : 0;
  geometry->n_lanes = f->n_cb > 0 && ch->has_data ? f->n_cb : 0;
  geometry->lanes_y = ch->py + ch->ph + f->cb_top_off;
  geometry->lane_height = f->cb_row;
}

static void
render_chart (Ctx *c, double x, double y, double width, double height, FtPlotMetric metric,
              const FtPlotViewport *vp, FtPlotGeometry *geometry)
{
  cairo_t *cr = c->cr;
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
  ft_plot_chart_ranges (&ch, c, vp);

  Frame f;
  memset (&f, 0, sizeof f);
  f.x = x;
  f.y = y;
  f.width = width;
  f.height = height;
  f.pad = c->fs * 0.9;
  f.top = y + f.pad;
  ft_plot_header_layout (c, &ch, &f);
  ft_plot_axes_layout (c, &ch, &f, f.top + f.header_h + (f.header_h > 0 ? c->fs * 0.9 : 0));

  /* Background. */
  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);
  ft_plot_set_color (cr, &c->bg, 1.0);
  cairo_paint (cr);
  ft_plot_axes_draw (c, &ch, &f);
  ft_plot_header_draw (c, &f);
  draw_data (c, &ch);
  if (!ch.has_data)
    draw_no_data (c, &ch);
  else if (vp != NULL && vp->has_hover)
    ft_plot_draw_hover (c, &ch, vp->hover_x);
  if (ch.has_data)
    ft_plot_lanes_draw (c, &ch, &f);
  cairo_restore (cr);

  if (geometry != NULL)
    fill_geometry (c, &ch, &f, geometry);
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
