/* ft-view-paint.c — drawing helpers that the hand-drawn widgets share (see ft-view-paint.h). */
#include "views/ft-view-paint.h"

#include "plot/ft-plot-marks.h"
#include "plot/ft-plot-render.h"

#include <math.h>
#include <stdbool.h>

PangoLayout *
ft_view_scaled_layout (GtkWidget *widget, double scale, gboolean bold, gboolean tabular)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  const PangoFontDescription *base = pango_context_get_font_description (pango_layout_get_context (layout));
  PangoFontDescription *desc = base != NULL ? pango_font_description_copy (base)
                                            : pango_font_description_new ();
  int size = pango_font_description_get_size (desc);
  if (size <= 0)
    size = 10 * PANGO_SCALE;
  if (pango_font_description_get_size_is_absolute (desc))
    pango_font_description_set_absolute_size (desc, size * scale);
  else
    pango_font_description_set_size (desc, (int) (size * scale));
  ft_plot_layout_set_font (layout, desc, bold, tabular);
  return layout;
}

gboolean
ft_view_is_dark (const GdkRGBA *fg)
{
  return 0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue > 0.5;
}

void
ft_view_theme_colours (GtkWidget *widget, GdkRGBA *fg, GdkRGBA *base)
{
  GtkStyleContext *ctx = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (ctx, fg);
  if (!gtk_style_context_lookup_color (ctx, "view_bg_color", base))
    *base = ft_view_is_dark (fg) ? (GdkRGBA){ 0.118f, 0.118f, 0.118f, 1 } : (GdkRGBA){ 1, 1, 1, 1 };
  base->alpha = 1;
}

void
ft_view_show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign,
                   double yalign, int *width)
{
  int tw, th;
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x - xalign * tw, y - yalign * th);
  pango_cairo_show_layout (cr, layout);
  if (width != NULL)
    *width = tw;
}

double
ft_view_nice_step (double span, int n)
{
  double raw = span / n;
  double p = pow (10.0, floor (log10 (raw)));
  double m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

void
ft_view_class_colour (int cls, GdkRGBA *out)
{
  const float *c = ft_plot_class_rgb (cls);
  *out = (GdkRGBA){ c[0], c[1], c[2], 1.0f };
}

void
ft_view_paint_pixels (cairo_t *cr, cairo_surface_t *image, double x, double y, double w, double h,
                      double scale, double radius)
{
  cairo_save (cr);
  if (radius > 0)
    ft_plot_rounded_rect (cr, x, y, w, h, radius);
  else
    cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

double
ft_view_square_px (const FtViewSquare *sq, double v)
{
  return sq->x0 + (v - sq->lo[0]) / (sq->hi[0] - sq->lo[0]) * sq->side;
}

double
ft_view_square_py (const FtViewSquare *sq, double v)
{
  return sq->y0 + sq->side - (v - sq->lo[1]) / (sq->hi[1] - sq->lo[1]) * sq->side;
}

/* The tick's line's or label's place across axis a, on a pixel's centre. */
static double
tick_position (const FtViewSquare *sq, int a, double v)
{
  return a == 0 ? floor (ft_view_square_px (sq, v)) + 0.5 : floor (ft_view_square_py (sq, v)) + 0.5;
}

void
ft_view_square_grid (cairo_t *cr, const FtViewSquare *sq, const GdkRGBA *fg, double zero_alpha, double alpha)
{
  cairo_set_line_width (cr, 1);
  for (int a = 0; a < 2; a++)
    for (double v = sq->lo[a]; v <= sq->hi[a] + sq->step[a] * 0.01; v += sq->step[a])
      {
        bool zero = fabs (v) < sq->step[a] * 1e-6;
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, zero ? zero_alpha : alpha);
        double p = tick_position (sq, a, v);
        if (a == 0)
          {
            cairo_move_to (cr, p, sq->y0);
            cairo_line_to (cr, p, sq->y0 + sq->side);
          }
        else
          {
            cairo_move_to (cr, sq->x0, p);
            cairo_line_to (cr, sq->x0 + sq->side, p);
          }
        cairo_stroke (cr);
      }
}

void
ft_view_square_tick_labels (cairo_t *cr, PangoLayout *layout, const FtViewSquare *sq, const GdkRGBA *fg)
{
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
  for (int a = 0; a < 2; a++)
    for (double v = sq->lo[a]; v <= sq->hi[a] + sq->step[a] * 0.01; v += sq->step[a])
      {
        bool zero = fabs (v) < sq->step[a] * 1e-6;
        char label[32];
        g_snprintf (label, sizeof label, "%g", zero ? 0.0 : v);
        g_autofree char *text = label[0] == '-' ? g_strconcat ("−", label + 1, NULL) : g_strdup (label);
        double p = tick_position (sq, a, v);
        if (a == 0)
          ft_view_show_text (cr, layout, text, p, sq->y0 + sq->side + 4, 0.5, 0, NULL);
        else
          ft_view_show_text (cr, layout, text, sq->x0 - 6, p, 1, 0.5, NULL);
      }
}

void
ft_view_snapshot_cairo (GtkWidget *widget, GtkSnapshot *snapshot, FtViewDrawFunc draw)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  if (width <= 1 || height <= 1)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (widget, cr, width, height);
  cairo_destroy (cr);
}
