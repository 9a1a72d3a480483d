/* ft-tape-inspector-private.h — what the parts of the tape inspector share (ft-tape-inspector.c, -rows,
 * -cells, -chart): the rows' and the widget's structures, a run's history of gradient norms, table cells,
 * and the parts' functions. Not for use outside the tape inspector. */
#pragma once

#include "views/ft-tape-inspector.h"

G_BEGIN_DECLS

/* Zones of the gradient-norm chart. */
#define VANISHING_NORM 1e-6
#define EXPLODING_NORM 1e3
/* The update/weight gauge spans 1e-6 … 1 on a log scale; 1e-4 … 1e-2 counts as healthy. */
#define RATIO_LOG_MIN  (-6.0)
#define RATIO_GOOD_MIN 1e-4
#define RATIO_GOOD_MAX 1e-2

/* Bar colours besides the palette's (≥ 0). */
enum
{
  BAR_FORWARD = -1,
  BAR_BACKWARD = -2,
  BAR_GOOD = -3,
  BAR_WARN = -4,
};

struct _FtTapeOpRow
{
  GObject parent_instance;
  int index;
  char *op;
  char *label;
  char *shapes;
  double flops;
  double time_us;
  double fraction; /* of the pass's total time */
  gboolean backward;
};

struct _FtTapeVarRow
{
  GObject parent_instance;
  char *name;
  double grad_norm;
  double weight_norm;
  double update_ratio;
  double grad_fraction; /* of the largest gradient norm of the step */
  int colour;           /* the layer's index (its colour, as in the chart) */
  int n_layers;
  int dash; /* 0 solid (kernel), 1 dashed (bias), 2 dotted (other) */
};

/* ================================================================================================ */
/* History: per run, one line per variable */

typedef struct
{
  double x, y;
} Point;

typedef struct
{
  char *name;
  int colour;
  int dash;
  GArray *points; /* Point */
} Line;

typedef struct
{
  char *run;
  GPtrArray *lines;  /* Line* */
  GPtrArray *layers; /* char*, layer names in order of appearance: their index is the colour */
  int n_snapshots;
} RunHistory;

typedef struct Table Table;

struct _FtTapeInspector
{
  GtkBox parent_instance;

  GtkStack *stack;
  GtkWidget *empty_page;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkWidget *chart;
  GtkLabel *chart_caption;

  GListStore *forward;
  GListStore *backward;
  GListStore *variables;
  Table *tables[3]; /* forward, backward, variables */

  char *title;
  GHashTable *runs;    /* run name → RunHistory* */
  RunHistory *current; /* the run of the last snapshot (owned by runs) */
  char *chart_label;
};

/* ---- table cells ---- */

typedef enum
{
  CELL_INDEX,
  CELL_OP,
  CELL_FLOPS,
  CELL_TIME,
  CELL_VAR_NAME,
  CELL_GRAD,
  CELL_WEIGHT,
  CELL_RATIO,
} CellKind;

/* A table: a grid with a header row and one row per item of a list model. Every row is a real widget
 * row (tapes are short), so the page scrolls as one and nothing is hidden inside a nested scroller. Rows
 * are kept and refilled when the model changes; only the difference in count is added or removed. */
#define MAX_COLUMNS 4

struct Table
{
  GtkGrid *grid;
  GListModel *model; /* borrowed (the inspector's store) */
  int n_columns;
  CellKind kinds[MAX_COLUMNS];
  int n_rows; /* item rows built */
};

/* ft-tape-cells.c */
void ft_tape_colour_for (GtkWidget *widget, int colour, int n_layers, GdkRGBA *out);
void ft_tape_format_decade (char *buf, size_t size, int e);
void ft_tape_format_flops (char *buf, size_t size, double flops);
void ft_tape_format_norm (char *buf, size_t size, double v);
void ft_tape_format_time (char *buf, size_t size, double us);
GtkWidget *ft_tape_section_new (const char *css, const char *badge, const char *heading, const char *caption,
                                gboolean code, GtkWidget *body);
void ft_tape_set_dash (cairo_t *cr, int dash, double lw);
GtkWidget *ft_tape_table_new (Table *t, GListModel *model, const char *name, int n_columns,
                              const CellKind *kinds, const char *const *titles);
double ft_tape_widget_font_px (GtkWidget *widget);

/* ft-tape-chart.c */
void ft_tape_chart_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data);
Line *ft_tape_history_line (RunHistory *h, const char *name, gboolean create);
void ft_tape_line_append (Line *line, double x, double y);
void ft_tape_run_history_free (RunHistory *h);
RunHistory *ft_tape_run_history_new (const char *run);
void ft_tape_update_chart_label (FtTapeInspector *self);

/* ft-tape-rows.c */
FtTapeOpRow *ft_tape_op_row_new (const FtSnapshotEntry *e, int index, gboolean backward, double total_us);

G_END_DECLS
