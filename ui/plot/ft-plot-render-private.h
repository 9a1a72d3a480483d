/* ft-plot-render-private.h — what the parts of the plot renderer share (ft-plot-render.c, -axes, -series,
 * -legend, -hover, -lanes): the drawing context, a chart and its series, ticks, legend items, the
 * mappings from data to user units, and the parts' entry points. Not for use outside ui/plot/. */
#pragma once

#include "plot/ft-plot-marks.h"
#include "plot/ft-plot-render.h"
#include "plot/ft-plot-summary.h"

#include <math.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

#define MAX_TICKS 64

static inline double
y_transform (bool log_y, double y)
{
  if (!log_y)
    return y;
  return y > 0 ? log10 (y) : NAN;
}

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
  const FtPlotSummary *summary; /* of b */
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

/* Which per-batch value the chart draws. */
static inline FtPlotValue
ft_plot_chart_value (const Chart *ch)
{
  if (ch->metric != FT_PLOT_LOSS)
    return FT_PLOT_VALUE_METRIC;
  return ch->raw ? FT_PLOT_VALUE_BATCH_LOSS : FT_PLOT_VALUE_LOSS;
}

static inline bool
epoch_value (const FtPlotEpochPoint *p, const char *key, double *v)
{
  return key[0] != '\0' && ft_logs_get (&p->logs, key, v) && isfinite (*v);
}

static inline bool
usable (const Chart *ch, double v)
{
  return isfinite (v) && (!ch->log_y || v > 0);
}

/* Each run's marker shape, by its colour index. */
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

/* Where a chart's parts go, measured before anything is drawn (render_chart fills it in order: the
 * header, then the axes and the lanes under the curves). */
typedef struct
{
  double x, y, width, height; /* the whole chart */
  double pad, top;
  /* Title and legend. */
  PangoLayout *title;
  double title_w, title_h;
  LegendItem legend[40];
  int n_legend;
  double header_h;
  bool one_row; /* the legend beside the title */
  /* Axes: titles, ticks and their labels (unreferenced as they are drawn). */
  PangoLayout *ytitle, *xtitle;
  double ytitle_w, ytitle_h, xtitle_w, xtitle_h;
  double tick_len;
  Ticks yt, xt;
  PangoLayout *ylabels[MAX_TICKS], *xlabels[MAX_TICKS];
  /* Under the curves: Compare mode's difference lane, then the callback lanes of lanes_run. */
  double lane_h;
  int lanes_run, n_cb;
  double cb_row, cb_top_off; /* a lane's height; from the plot's bottom to the first lane */
  double under;              /* all that is under the curves, above the x axis */
} Frame;

/* ft-plot-axes.c */
void ft_plot_chart_ranges (Chart *ch, Ctx *c, const FtPlotViewport *vp);
void ft_plot_axes_layout (Ctx *c, Chart *ch, Frame *f, double plot_top);
void ft_plot_axes_draw (Ctx *c, const Chart *ch, Frame *f);

/* ft-plot-hover.c */
void ft_plot_draw_hover (Ctx *c, const Chart *ch, double hx);

/* ft-plot-lanes.c */
double ft_plot_lanes_plan (Ctx *c, const Chart *ch, Frame *f, double plot_top, double bottom);
void ft_plot_lanes_draw (Ctx *c, const Chart *ch, const Frame *f);

/* ft-plot-legend.c */
void ft_plot_header_layout (Ctx *c, const Chart *ch, Frame *f);
void ft_plot_header_draw (Ctx *c, Frame *f);

/* ft-plot-render.c */
void ft_plot_layout_size (PangoLayout *layout, double *w, double *h);
PangoLayout *ft_plot_make_layout (Ctx *c, const char *text, double size, bool bold, bool tabular);
void ft_plot_set_color (cairo_t *cr, const FtPlotColor *c, double alpha);
void ft_plot_show_layout (Ctx *c, PangoLayout *layout, double x, double y, const FtPlotColor *color,
                          double alpha);

/* ft-plot-series.c */
void ft_plot_count_work (gint64 points, gint64 epochs, gint64 path_elements);
/* Drawing as before the bounds (tests, ft_plot_render_set_exhaustive). */
bool ft_plot_exhaustive (void);
/* The epoch points [a, z) of s that can show: those in the chart's x range and one beyond each side. */
void ft_plot_epoch_range (const Chart *ch, const Series *s, FtPlotXAxis axis, int *a, int *z);
/* The summary to draw s from: NULL when drawing exhaustively (tests). */
const FtPlotSummary *ft_plot_series_summary (const Series *s);
double ft_plot_batch_strength (Ctx *c, const Chart *ch, const Series *s);
double ft_plot_batch_tint (Ctx *c);
/* pass 0: the envelope's band, 1: the line; env starts zeroed and keeps the envelope from one pass to the
 * next (ft_plot_envelope_free after). */
void ft_plot_draw_batches (Ctx *c, const Chart *ch, const Series *s, int pass, FtPlotEnvelope *env);
void ft_plot_draw_best (Ctx *c, const Chart *ch, const Series *s, bool label);
void ft_plot_draw_epoch_boundaries (Ctx *c, const Chart *ch);
void ft_plot_draw_epoch_line (Ctx *c, const Chart *ch, const Series *s, bool val);
void ft_plot_draw_epoch_markers (Ctx *c, const Chart *ch, const Series *s, bool val);
void ft_plot_draw_marker (Ctx *c, const Series *s, double x, double y, bool hollow);
void ft_plot_set_tint (Ctx *c, const FtPlotColor *color, double amount);
void ft_plot_set_train_dash (Ctx *c, const Series *s);
double ft_plot_train_width (Ctx *c, const Series *s);

G_END_DECLS
