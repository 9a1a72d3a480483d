/* ft-plot-render.h — draws the loss or the accuracy chart of an FtPlotModel with cairo and pango. No GTK:
 * the widget (FtPlotView), the exporter (PNG/SVG/PDF) and the command-line tool all draw through
 * ft_plot_render, so what is on screen is what goes into files.
 *
 * A chart: title and legend; per visible run a faint per-batch line (the running mean Keras' progress
 * bar shows, or each batch's raw loss), drawn as a min/max envelope per pixel column plus a line when
 * there are more points than pixels; epoch-end points as markers joined by a solid line (training) and a
 * dashed line with hollow markers (validation). Runs differ in colour (Okabe–Ito, colour-blind safe) and
 * marker shape. Axes with nice ticks, optional log y, x by epoch, global step or samples seen; a hover
 * line with a box of every visible run's values at that x. Under the loss curves, one thin lane per callback
 * of the plotted run (ft_plot_lanes_hit finds the mark under a pointer). */
#pragma once

#include "plot/ft-plot-model.h"

#include <cairo.h>
#include <pango/pango.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef struct
{
  double r, g, b, a;
} FtPlotColor;

typedef struct
{
  /* What is drawn. */
  FtPlotXAxis x_axis;
  bool log_y;
  bool show_raw_loss; /* loss chart: the per-batch line is each batch's own loss, not the running mean */
  bool show_batches;  /* the per-batch line at all (default true) */
  bool accuracy_full_range; /* an accuracy chart spans 0–1 while the y range is automatic (default true) */
  bool show_title;          /* default true */
  bool show_legend;         /* default true */
  const char *title;        /* NULL: "Loss" / "Accuracy" (or the metric's name) */
  /* How. */
  const char *font_family; /* NULL: "Sans" */
  double font_size;        /* px of body text at font_scale 1 (default 13) */
  double font_scale;       /* default 1 */
  double line_scale;       /* default 1 */
  bool dark;
  bool high_contrast;
  bool has_colors; /* fg and bg below come from the theme; otherwise from dark / high_contrast */
  FtPlotColor fg;
  FtPlotColor bg;
} FtPlotStyle;

/* Light, 13 px Sans, per-batch lines, accuracy on 0–1, title and legend. */
void ft_plot_style_init (FtPlotStyle *style);
/* For projectors: larger text (×1.6), thicker lines (×2), high contrast. */
void ft_plot_style_set_presentation (FtPlotStyle *style, bool presentation);
/* The colour of a run's colour index in this style's palette (differs between light and dark). */
void ft_plot_style_run_color (const FtPlotStyle *style, int colour, FtPlotColor *out);

typedef struct
{
  bool x_auto;         /* fit the data (default) */
  double x_min, x_max; /* data units, when !x_auto */
  bool y_auto;
  double y_min, y_max; /* data units (not log10) when !y_auto */
  bool has_hover;
  double hover_x; /* data units */
} FtPlotViewport;

/* Automatic ranges, no hover. */
void ft_plot_viewport_init (FtPlotViewport *vp);

/* Where a rendered chart put the data: filled by ft_plot_render_full so that a widget can map pointer
 * positions to data. */
typedef struct
{
  double plot_x, plot_y, plot_width, plot_height; /* the plot area, user units */
  double x_min, x_max;                            /* the x range drawn */
  double y_min, y_max;                            /* the y range drawn (data units, also with log_y) */
  bool log_y;
  bool has_data; /* something was drawn */
  /* Callback lanes under the loss chart (n_lanes 0 when none are drawn): lane i spans
   * [lanes_y + i · lane_height, lanes_y + (i + 1) · lane_height) across the plot's width. */
  int lanes_run;
  int n_lanes;
  double lanes_y, lane_height;
  FtPlotXAxis x_axis;
} FtPlotGeometry;

double ft_plot_geometry_x_to_pixel (const FtPlotGeometry *g, double x);
double ft_plot_geometry_pixel_to_x (const FtPlotGeometry *g, double px);
double ft_plot_geometry_y_to_pixel (const FtPlotGeometry *g, double y);
double ft_plot_geometry_pixel_to_y (const FtPlotGeometry *g, double py);

/* Draws one chart into (0, 0, width, height) of cr (LOSS or ACCURACY; BOTH draws loss and accuracy side
 * by side, or loss alone when no run has a metric). vp may be NULL (automatic). Leaves cr's state as it
 * found it. */
void ft_plot_render (cairo_t *cr, double width, double height, const FtPlotModel *model, FtPlotMetric metric,
                     const FtPlotStyle *style, const FtPlotViewport *vp);
/* The same, also reporting the geometry (of the loss chart for BOTH). */
void ft_plot_render_full (cairo_t *cr, double width, double height, const FtPlotModel *model,
                          FtPlotMetric metric, const FtPlotStyle *style, const FtPlotViewport *vp,
                          FtPlotGeometry *geometry);

/* The callback-lane event under (px, py) of a rendered chart: the nearest mark in the lane under py within
 * radius px of x; its index into ft_plot_model_get_lane_events (geometry->lanes_run) goes to *event
 * (-1 when none, and false). *lane gets the lane under py (-1 outside the lanes); either may be NULL. */
bool ft_plot_lanes_hit (const FtPlotModel *model, const FtPlotGeometry *geometry, double px, double py,
                        double radius, int *lane, int *event);

/* The epoch point under (px, py) of a rendered LOSS or ACCURACY chart: the nearest visible run's epoch-end
 * marker (training or val_) within radius pixels. *run gets its id, *epoch its 0-based epoch number and key
 * the logged key it shows ("loss", "val_loss", "accuracy", "val_accuracy" …). False when none is near. */
bool ft_plot_epoch_hit (const FtPlotModel *model, const FtPlotGeometry *geometry, FtPlotMetric metric,
                        double px, double py, double radius, int *run, int *epoch, char *key,
                        size_t key_size);

/* The chart's title ("Loss", "Accuracy", "Mean absolute error"); free with g_free. */
char *ft_plot_title (const FtPlotModel *model, FtPlotMetric metric);
/* A sentence or two stating the latest values of every visible run, for screen readers: "Loss plot. fit:
 * epoch 3 of training, loss 0.4123, val_loss 0.4400; latest batch loss 0.3900 (running mean). …". */
char *ft_plot_describe (const FtPlotModel *model, FtPlotMetric metric);
/* Tabular figures for the layout's text (numbers line up in columns); replaces its attributes. */
void ft_plot_layout_set_tabular (PangoLayout *layout);
/* Sets desc as the layout's font, made bold when asked, and tabular figures when asked; frees desc (the
 * plot's layouts and the widgets' scaled layouts in views/ft-view-paint.c are made this way). */
void ft_plot_layout_set_font (PangoLayout *layout, PangoFontDescription *desc, bool bold, bool tabular);
/* Keras' way of printing a log value: 4 decimals, or 4 significant digits in e-notation below 1e-3. */
void ft_plot_format_value (char *buf, size_t size, double value);

/* For tests: the work the renderer did since the last reset, summed over every render on any thread: the
 * per-batch points and summary blocks it visited to draw per-batch lines, the epoch points it visited, and
 * the path elements (moves and lines) it emitted for per-batch lines, epoch lines and epoch boundaries. */
typedef struct
{
  gint64 points_visited; /* per-batch points and summary blocks */
  gint64 epochs_visited; /* epoch points (every visible one: epochs are few) */
  gint64 path_elements;
} FtPlotRenderWork;

void ft_plot_render_reset_work (void);
/* For tests: draw as before the bounds (every per-batch point, every epoch's path element), to compare. */
void ft_plot_render_set_exhaustive (bool exhaustive);
void ft_plot_render_get_work (FtPlotRenderWork *work);

G_END_DECLS
