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

G_END_DECLS
