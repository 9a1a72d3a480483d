/* ft-tape-inspector.h — what tf.GradientTape recorded for one training step, for students.
 *
 * For the last snapshot shown (FT_RUN_EVENT_SNAPSHOT, see ft-runner.h):
 *  - the forward pass: every recorded op in recording order, its input shapes → output shape, FLOPs and
 *    forward time;
 *  - the backward pass: the same entries replayed in reverse (what tape.gradient() walks), "∂"-marked and
 *    tinted, with their backward time;
 *  - each trainable variable: gradient norm (with a bar relative to the largest), weight norm and the
 *    update/weight ratio ‖Δw‖ / ‖w‖ of that step (with a log-scale gauge; about 1e-3 is healthy);
 *  - a chart of every variable's gradient norm over successive snapshots (log y, one line per variable,
 *    colour per layer, solid kernels and dashed biases), with the vanishing (≤ 1e-6) and exploding
 *    (≥ 1e3) zones shaded. History is kept per run name and capped at FT_TAPE_INSPECTOR_MAX_POINTS points
 *    per variable (older points are thinned out, so the whole run stays visible); the chart shows the run
 *    of the last snapshot.
 *
 * Text follows the widget's font (a presentation class on the window enlarges everything, the chart
 * included). Everything shown is copied: the snapshot may be freed as soon as show_snapshot returns. */
#pragma once

#include "train/ft-runner.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TAPE_INSPECTOR_MAX_POINTS 2000

/* One row of the forward or the backward table. */
#define FT_TYPE_TAPE_OP_ROW (ft_tape_op_row_get_type ())
G_DECLARE_FINAL_TYPE (FtTapeOpRow, ft_tape_op_row, FT, TAPE_OP_ROW, GObject)

int ft_tape_op_row_get_index (FtTapeOpRow *row);          /* the entry's position on the tape, 0-based */
const char *ft_tape_op_row_get_op (FtTapeOpRow *row);     /* "dense" (also in the backward table) */
const char *ft_tape_op_row_get_label (FtTapeOpRow *row);  /* as shown: "dense" or "∂ dense" */
const char *ft_tape_op_row_get_shapes (FtTapeOpRow *row); /* "(32, 2) (2, 16) (16,) → (32, 16)";
                                                           * backward: "(32, 16) → (32, 2) (2, 16) (16,)" */
double ft_tape_op_row_get_flops (FtTapeOpRow *row);       /* forward FLOPs */
double ft_tape_op_row_get_time_us (FtTapeOpRow *row);     /* forward or backward time */
gboolean ft_tape_op_row_is_backward (FtTapeOpRow *row);

/* One row of the variables table. */
#define FT_TYPE_TAPE_VAR_ROW (ft_tape_var_row_get_type ())
G_DECLARE_FINAL_TYPE (FtTapeVarRow, ft_tape_var_row, FT, TAPE_VAR_ROW, GObject)

const char *ft_tape_var_row_get_name (FtTapeVarRow *row); /* "dense/kernel" */
double ft_tape_var_row_get_grad_norm (FtTapeVarRow *row);
double ft_tape_var_row_get_weight_norm (FtTapeVarRow *row);
double ft_tape_var_row_get_update_ratio (FtTapeVarRow *row);

#define FT_TYPE_TAPE_INSPECTOR (ft_tape_inspector_get_type ())
G_DECLARE_FINAL_TYPE (FtTapeInspector, ft_tape_inspector, FT, TAPE_INSPECTOR, GtkBox)

GtkWidget *ft_tape_inspector_new (void);

/* Shows one step's tape and adds a point per variable to the run's gradient-norm history. run_name may be
 * NULL ("" is used). The snapshot is copied. */
void ft_tape_inspector_show_snapshot (FtTapeInspector *self, const char *run_name,
                                      const FtSnapshot *snapshot);
/* Empties the tables, the header and every run's history (back to the "no tape yet" page). */
void ft_tape_inspector_clear (FtTapeInspector *self);

/* ---- for tests and lessons ---- */
/* The header: "Tape for batch 3 of epoch 1 — 3 ops recorded" (1-based, as Keras' progress bar counts), or
 * the empty page's title. */
const char *ft_tape_inspector_get_title (FtTapeInspector *self);
/* The tables' models: FtTapeOpRow items (forward in recording order, backward reversed) and FtTapeVarRow
 * items. Owned by the inspector. */
GListModel *ft_tape_inspector_get_forward (FtTapeInspector *self);
GListModel *ft_tape_inspector_get_backward (FtTapeInspector *self);
GListModel *ft_tape_inspector_get_variables (FtTapeInspector *self);
/* The chart's lines (the run of the last snapshot): how many, and a line's points (0 for an unknown
 * variable). x is the snapshot's index in that run (1, 2, …), y the gradient norm. */
int ft_tape_inspector_get_n_lines (FtTapeInspector *self);
int ft_tape_inspector_get_n_points (FtTapeInspector *self, const char *variable);
gboolean ft_tape_inspector_get_point (FtTapeInspector *self, const char *variable, int i, double *x,
                                      double *y);
/* The chart widget (a GtkDrawingArea with an image role and a label stating the latest norms). */
GtkWidget *ft_tape_inspector_get_chart (FtTapeInspector *self);

G_END_DECLS
