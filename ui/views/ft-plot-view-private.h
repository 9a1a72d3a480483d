/* ft-plot-view-private.h — what the parts of FtPlotView share (ft-plot-view.c, ft-plot-view-input.c):
 * the instance structure and the functions one part calls in the other. Not for use elsewhere. */
#pragma once

#include "views/ft-plot-view.h"

G_BEGIN_DECLS

#define ZOOM_STEP 1.25

struct _FtPlotView
{
  GtkWidget parent_instance;

  FtPlotModel *model; /* borrowed */
  FtPlotMetric metric;
  guint64 drawn_serial;

  gboolean log_y;
  FtPlotXAxis x_axis;
  gboolean show_raw_loss;
  gboolean accuracy_fit; /* the accuracy axis fits the data instead of spanning 0–1 */
  gboolean presentation;

  FtPlotViewport vp;
  FtPlotGeometry geometry;
  gboolean have_geometry;
  char *font_family;

  /* Drag: the ranges when it began. */
  double drag_x0, drag_x1, drag_y0, drag_y1;
  gboolean dragging;
  gboolean drag_moved;
  double pointer_x, pointer_y;
  gboolean pointer_inside;
  gboolean hover_pinned; /* at the divergence mark, after a click on it */

  /* Accessible label. */
  char *label;
  gint64 label_time;
  int label_epochs;
  guint label_source;
};

/* ft-plot-view-input.c */
void ft_plot_view_add_controllers (FtPlotView *self);

/* ft-plot-view.c */
void ft_plot_view_emit_epoch_activated (FtPlotView *self, int run, int epoch, const char *key);
void ft_plot_view_notify_zoomed (FtPlotView *self, gboolean was);

G_END_DECLS
