/* ft-plot-marks.h — small shapes that the charts and the views draw alike, with cairo only (no GTK): a
 * rounded rectangle for boxes and messages, and the marker shapes that tell dataset classes apart (the
 * dataset panel, the decision view; the same shape for the same class everywhere). */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Adds a closed rounded rectangle to the path (a new sub-path); the corner radius is clamped to half the
 * shorter side. */
void ft_plot_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r);

/* Dataset classes are told apart by colour (GNOME palette: orange, blue, green, purple, yellow) and by
 * marker shape (circle, square, triangle, diamond, plus), both by class index modulo this count. */
#define FT_PLOT_N_CLASS_STYLES 5

/* The class' colour: red, green and blue in 0–1. */
const float *ft_plot_class_rgb (int cls);
/* Adds the class' marker shape of radius r around (x, y) to the path. */
void ft_plot_class_marker_path (cairo_t *cr, int cls, double x, double y, double r);

G_END_DECLS
