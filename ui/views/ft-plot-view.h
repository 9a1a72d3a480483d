/* ft-plot-view.h — a live loss or accuracy chart: draws an FtPlotModel through ft_plot_render in its
 * snapshot (gtk_snapshot_append_cairo), in the widget's font and theme colours.
 *
 * Interaction: scroll zooms the x axis around the pointer (Ctrl+scroll zooms y), drag pans, double-click
 * (or 0 / Home) resets the zoom, + and − zoom, ← and → pan; hovering shows a vertical line and a box with
 * every visible run's values. A click on an epoch's point (or Enter, for the epoch under the hover line)
 * emits "epoch-activated": the window opens that number's ledger. The user's zoom is kept while points
 * arrive; an automatic range follows the data. The accessible role is IMG, with a label stating the latest
 * values.
 *
 * The model is borrowed (it must outlive the view or be detached with ft_plot_view_set_model (view,
 * NULL)); call ft_plot_view_changed after feeding it. */
#pragma once

#include "plot/ft-plot-export.h"
#include "plot/ft-plot-model.h"
#include "plot/ft-plot-render.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_PLOT_X_AXIS (ft_plot_x_axis_get_type ())
GType ft_plot_x_axis_get_type (void); /* nicks: "epoch", "step", "samples" */
#define FT_TYPE_PLOT_METRIC (ft_plot_metric_get_type ())
GType ft_plot_metric_get_type (void); /* nicks: "loss", "accuracy", "both" */

#define FT_TYPE_PLOT_VIEW (ft_plot_view_get_type ())
G_DECLARE_FINAL_TYPE (FtPlotView, ft_plot_view, FT, PLOT_VIEW, GtkWidget)

GtkWidget *ft_plot_view_new (FtPlotModel *model, FtPlotMetric metric);

void ft_plot_view_set_model (FtPlotView *self, FtPlotModel *model);
FtPlotModel *ft_plot_view_get_model (FtPlotView *self);
FtPlotMetric ft_plot_view_get_metric (FtPlotView *self);

/* Redraws when the model changed since the last call (cheap to call for every event); also updates the
 * accessible label (at most once a second while batches arrive, at once for a new epoch). */
void ft_plot_view_changed (FtPlotView *self);

/* Properties "log-y", "x-axis" (FtPlotXAxis), "show-raw-loss", "presentation" (thicker lines, high
 * contrast, text of at least 22 px), "zoomed" (read-only). Changing the x axis resets the zoom. */
void ft_plot_view_set_log_y (FtPlotView *self, gboolean log_y);
gboolean ft_plot_view_get_log_y (FtPlotView *self);
void ft_plot_view_set_x_axis (FtPlotView *self, FtPlotXAxis axis);
FtPlotXAxis ft_plot_view_get_x_axis (FtPlotView *self);
void ft_plot_view_set_show_raw_loss (FtPlotView *self, gboolean show);
gboolean ft_plot_view_get_show_raw_loss (FtPlotView *self);
/* An accuracy chart's y axis fits the data (TRUE) or spans 0–1 (FALSE, the default). */
void ft_plot_view_set_accuracy_fit (FtPlotView *self, gboolean fit);
gboolean ft_plot_view_get_accuracy_fit (FtPlotView *self);
void ft_plot_view_set_presentation (FtPlotView *self, gboolean presentation);
gboolean ft_plot_view_get_presentation (FtPlotView *self);

/* Zoom. Ranges in data units; a range set here is kept until reset. */
void ft_plot_view_set_x_range (FtPlotView *self, double min, double max);
void ft_plot_view_set_y_range (FtPlotView *self, double min, double max);
/* Zooms x by factor (> 1 zooms in) around the data x center. */
void ft_plot_view_zoom_x (FtPlotView *self, double factor, double center);
void ft_plot_view_reset_zoom (FtPlotView *self);
gboolean ft_plot_view_get_zoomed (FtPlotView *self);
/* The viewport as the view holds it (automatic flags, the user's ranges, hover). */
void ft_plot_view_get_viewport (FtPlotView *self, FtPlotViewport *vp);
/* Where the last snapshot put the data; FALSE before the first one. */
gboolean ft_plot_view_get_geometry (FtPlotView *self, FtPlotGeometry *geometry);

/* Hover. hover_at takes widget coordinates (what the motion controller does) and returns whether they
 * are over the plot area. */
gboolean ft_plot_view_hover_at (FtPlotView *self, double x, double y);
void ft_plot_view_set_hover_x (FtPlotView *self, double x);
/* A click at widget coordinates (x, y) on an epoch's point (training or val_ marker): emits
 * "epoch-activated" (run id, 0-based epoch, key) and returns TRUE; FALSE when no point is near. */
gboolean ft_plot_view_activate_at (FtPlotView *self, double x, double y);
/* Enter: "epoch-activated" for the epoch under the hover line, of the first visible run that has one (the
 * chart's training key); FALSE without a hover line or an epoch there. */
gboolean ft_plot_view_activate_hover (FtPlotView *self);
void ft_plot_view_clear_hover (FtPlotView *self);
gboolean ft_plot_view_get_hover_x (FtPlotView *self, double *x);
/* Compare mode: pins the hover box at the model's divergence mark, where it shows the two runs' values
 * side by side (what a click on the mark does; pointer motion does not move it until the next click or
 * the pointer leaves). FALSE when there is no mark on this axis. */
gboolean ft_plot_view_show_mark (FtPlotView *self);

/* The accessible label last set ("Loss plot. fit: after epoch 3, loss 0.4123, …"). */
const char *ft_plot_view_get_accessible_label (FtPlotView *self);

/* The style the view draws with (for_export FALSE: the widget's font and theme colours) or would export
 * with (TRUE: light, the view's options and presentation setting). */
void ft_plot_view_get_style (FtPlotView *self, FtPlotStyle *style, gboolean for_export);
/* The chart with the view's options and zoom into a file (format from the extension), or as a PNG texture
 * (2×) onto the clipboard. */
gboolean ft_plot_view_export (FtPlotView *self, const char *path, double width, double height,
                              GError **error);
void ft_plot_view_copy_to_clipboard (FtPlotView *self);
/* The same image as a texture (2× the widget's size, or 800 × 500 before it has one). */
GdkTexture *ft_plot_view_render_texture (FtPlotView *self);

G_END_DECLS
