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
/* A square plot of a 2-D plane: side px at (x0, y0), spanning lo..hi on both axes, with a tick every step
 * (the dataset preview and the decision regions draw their points on one). */
typedef struct
{
  double lo[2], hi[2], step[2];
  double x0, y0, side;
} FtViewSquare;

/* Where a value of the first (x) or the second (y) feature goes. */
double ft_view_square_px (const FtViewSquare *sq, double v);
double ft_view_square_py (const FtViewSquare *sq, double v);
/* A line at every tick across the square in the text colour, the axes through 0 at zero_alpha, the others
 * at alpha. */
void ft_view_square_grid (cairo_t *cr, const FtViewSquare *sq, const GdkRGBA *fg, double zero_alpha,
                          double alpha);
/* The ticks' labels under and left of the square ("−2", "0", "2": a real minus sign). */
void ft_view_square_tick_labels (cairo_t *cr, PangoLayout *layout, const FtViewSquare *sq, const GdkRGBA *fg);
/* Draws a widget's whole area (width × height) with cairo. */
typedef void (*FtViewDrawFunc) (GtkWidget *widget, cairo_t *cr, double width, double height);
/* The body of a snapshot vfunc that draws with cairo: nothing while the widget is under 2 × 2 px. */
void ft_view_snapshot_cairo (GtkWidget *widget, GtkSnapshot *snapshot, FtViewDrawFunc draw);
/* A dataset class' colour (plot/ft-plot-marks.h), opaque. */
void ft_view_class_colour (int cls, GdkRGBA *out);

G_END_DECLS
