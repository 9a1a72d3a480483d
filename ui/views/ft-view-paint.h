/* ft-view-paint.h — drawing helpers that the hand-drawn widgets share (the decision and confusion views,
 * the dataset panel's preview; the network view can use them too): text layouts scaled from the widget's
 * font, theme colours, text placed by alignment, nice tick steps, and the dataset classes' colours as
 * GdkRGBA (their shapes are in plot/ft-plot-marks.h). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A layout in the widget's font at scale times its size; bold, and with tabular figures (numbers that
 * line up in columns) when asked. */
PangoLayout *ft_view_scaled_layout (GtkWidget *widget, double scale, gboolean bold, gboolean tabular);
/* Whether a text colour is light, i.e. the theme is dark. */
gboolean ft_view_is_dark (const GdkRGBA *fg);
/* The widget's text colour and the view background (view_bg_color, else white or a dark grey), opaque. */
void ft_view_theme_colours (GtkWidget *widget, GdkRGBA *fg, GdkRGBA *base);
/* Shows text with its (xalign, yalign) point at (x, y) in cr's current source; *width gets its width (may
 * be NULL). */
void ft_view_show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign,
                        double yalign, int *width);
/* A tick step of 1, 2 or 5 × 10^k giving about n intervals over span. */
double ft_view_nice_step (double span, int n);
/* Paints an image surface with its top left at (x, y), magnified scale times with square pixels, clipped
 * to w × h (corners rounded by radius when it is > 0). */
void ft_view_paint_pixels (cairo_t *cr, cairo_surface_t *image, double x, double y, double w, double h,
                           double scale, double radius);
/* A grid line of a square plot (x0, y0, side): vertical at x = p for axis 0, horizontal at y = p for axis 1;
 * stroked. */
void ft_view_grid_line (cairo_t *cr, int axis, double p, double x0, double y0, double side);
/* A dataset class' colour (plot/ft-plot-marks.h), opaque. */
void ft_view_class_colour (int cls, GdkRGBA *out);

G_END_DECLS
