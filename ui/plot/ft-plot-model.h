/* ft-plot-model.h — what the loss and accuracy plots show: runs, each with a per-batch series (from the
 * runner's batch-end events: running means as Keras' progress bar shows them, plus the raw loss of the
 * batch) and per-epoch points (every key of the epoch-end logs: loss, accuracy, val_loss, …), and the
 * callback lanes: each callback's decisions epoch by epoch, with the rule that fired.
 *
 * Pure C over GLib: no GTK, no cairo, so the command-line tool fills it too. Main-thread only (feed it
 * from the runner's event callback, which runs on the main context). Every change bumps a serial, which
 * the views compare to decide whether to redraw. */
#pragma once

#include "train/ft-callback-lanes.h"
#include "train/ft-logs.h"

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef struct FtPlotModel FtPlotModel;

/* What goes on the x axis. */
typedef enum
{
  FT_PLOT_X_EPOCH,   /* epochs completed: 0 … N, batch points at epoch + (batch + 1) / steps */
  FT_PLOT_X_STEP,    /* global step: batches completed since the start of training */
  FT_PLOT_X_SAMPLES, /* samples seen */
} FtPlotXAxis;

/* Which chart. BOTH is only for rendering into one surface / file: loss and accuracy side by side. */
typedef enum
{
  FT_PLOT_LOSS,
  FT_PLOT_ACCURACY,
  FT_PLOT_BOTH,
} FtPlotMetric;

/* One batch-end event. */
typedef struct
{
  double step;      /* global step, 1-based: epoch * steps + batch + 1 */
  double epoch;     /* epoch + (batch + 1) / steps */
  double samples;   /* samples seen */
  float batch_loss; /* raw loss of this batch */
  float loss;       /* running mean of the loss over the epoch so far (Keras' progress bar) */
  float metric;     /* running value of the run's metric (accuracy), NaN when absent */
} FtPlotBatchPoint;

/* One epoch-end event. */
typedef struct
{
  int epoch;   /* 0-based */
  double step; /* global step at the end of the epoch */
  double samples;
  FtLogs logs; /* every key of the epoch logs */
} FtPlotEpochPoint;

FtPlotModel *ft_plot_model_new (void);
void ft_plot_model_free (FtPlotModel *model);
/* A deep copy (same run ids, data and serial), e.g. to export on a worker thread: the copy belongs to
 * whoever uses it, independent of the original. */
FtPlotModel *ft_plot_model_copy (const FtPlotModel *model);

/* Bumped by every change (data, runs, visibility). Starts at 1. */
guint64 ft_plot_model_get_serial (const FtPlotModel *model);

/* Colour indices by role: fit blue, tape orange, anything else (a loaded checkpoint) green. */
enum
{
  FT_PLOT_COLOUR_FIT = 0,
  FT_PLOT_COLOUR_TAPE = 1,
  FT_PLOT_COLOUR_OTHER = 2,
};

/* A new run: name shown in the legend ("fit", "tape"), colour index into the palette (which also picks the
 * marker shape). Returns the run's id (> 0, never reused by this model). */
int ft_plot_model_add_run (FtPlotModel *model, const char *name, int colour);
void ft_plot_model_remove_run (FtPlotModel *model, int run);
/* Removes every run. */
void ft_plot_model_clear (FtPlotModel *model);
/* Drops a run's points, keeps the run (a restarted training). */
void ft_plot_model_clear_run (FtPlotModel *model, int run);
void ft_plot_model_set_run_visible (FtPlotModel *model, int run, bool visible);
bool ft_plot_model_get_run_visible (const FtPlotModel *model, int run);
void ft_plot_model_set_run_name (FtPlotModel *model, int run, const char *name);
const char *ft_plot_model_get_run_name (const FtPlotModel *model, int run);
int ft_plot_model_get_run_colour (const FtPlotModel *model, int run);
/* A dashed run (the tape loop's role) draws its training line dashed and its validation line dotted;
 * others draw training solid and validation dashed. */
void ft_plot_model_set_run_dashed (FtPlotModel *model, int run, bool dashed);
bool ft_plot_model_get_run_dashed (const FtPlotModel *model, int run);
/* "both" mode: the fit and the tape run of one experiment. Paired runs are drawn so that identical curves
 * stay visible (the second as a narrow core over the first), and the hover box shows their difference.
 * Pairing with 0 unpairs. */
void ft_plot_model_set_pair (FtPlotModel *model, int run, int other);
int ft_plot_model_get_pair (const FtPlotModel *model, int run); /* 0 when unpaired */

/* Compare mode: a lane under the loss chart with |loss − partner's loss| per step of each visible pair, on a
 * log axis, zero drawn as a flat "identical" band (off by default). Drawn from the pair's step records
 * (ft_plot_model_add_step) when it has any, else from the steps both runs' batch points share. */
void ft_plot_model_set_difference_lane (FtPlotModel *model, bool on);
bool ft_plot_model_get_difference_lane (const FtPlotModel *model);
/* A mark on every chart where a run parted from its partner: after batch (0-based; -1 = at the end) of
 * epoch (0-based) of run, with a short label ("parted"). run 0 clears it. */
void ft_plot_model_set_mark (FtPlotModel *model, int run, int epoch, int batch, const char *label);
/* The mark's x on an axis (needs the run's batches per epoch); false when there is none. */
bool ft_plot_model_get_mark (const FtPlotModel *model, FtPlotXAxis axis, double *x, const char **label);

/* Training that reacts: a setting changed while the run trained (ft-live-change.h), before batch `batch` of
 * epoch `epoch` (0-based), with its label ("lr 0.03 → 0.1"): a small labelled tick at the top of every
 * chart (once for runs that changed alike at the same place, as a fit run and its tape twin). */
void ft_plot_model_add_change (FtPlotModel *model, int run, int epoch, int batch, const char *label);
int ft_plot_model_n_changes (const FtPlotModel *model, int run);
/* The change's x on an axis (needs the run's batches per epoch); false when there is none. */
bool ft_plot_model_get_change (const FtPlotModel *model, int run, int i, FtPlotXAxis axis, double *x,
                               const char **label);

/* Callback lanes: one thin lane per callback of a run under the loss chart, with a mark at each epoch where
 * the callback decided something. Drawn for the first visible run that has lanes. */
typedef enum
{
  FT_PLOT_LANE_BEST,    /* a new best of the monitor */
  FT_PLOT_LANE_WAIT,    /* no improvement: wait n / patience, a small tick */
  FT_PLOT_LANE_STOP,    /* EarlyStopping stopped training */
  FT_PLOT_LANE_RESTORE, /* EarlyStopping restored the best weights (at the best epoch) */
  FT_PLOT_LANE_CUT,     /* ReduceLROnPlateau cut the learning rate */
  FT_PLOT_LANE_SAVE,    /* ModelCheckpoint saved: a filled dot */
  FT_PLOT_LANE_SKIP,    /* ModelCheckpoint did not save (not best): a hollow dot */
  FT_PLOT_LANE_RATE,    /* LearningRateScheduler's rate: joined into a tiny line */
  FT_PLOT_LANE_OTHER,   /* cooldown, skipped epochs: a faint dot */
} FtPlotLaneMark;

typedef struct
{
  int lane;  /* 0-based */
  int epoch; /* 0-based epoch the mark sits at */
  FtPlotLaneMark mark;
  double value;       /* the monitored value, or the learning rate for CUT and RATE */
  int wait, patience; /* for WAIT */
  char text[240];     /* what the hover box says: the decision, its numbers and the rule that fired */
} FtPlotLaneEvent;

/* Replaces a run's lanes: n_lanes names ("EarlyStopping", …) and the events, copied. */
void ft_plot_model_set_lanes (FtPlotModel *model, int run, int n_lanes, const char *const *names,
                              const FtPlotLaneEvent *events, int n_events);
/* The same from the engine's record of a run's callback decisions (train/ft-callback-lanes.h). */
void ft_plot_model_set_callback_lanes (FtPlotModel *model, int run, FtCallbackLanes *lanes);
int ft_plot_model_get_n_lanes (const FtPlotModel *model, int run);
const char *ft_plot_model_get_lane_name (const FtPlotModel *model, int run, int lane);
/* Borrowed, valid until the next change to that run; *n gets the count. */
const FtPlotLaneEvent *ft_plot_model_get_lane_events (const FtPlotModel *model, int run, int *n);
/* The run whose lanes are drawn: the first visible run with lanes; 0 when none. */
int ft_plot_model_get_lanes_run (const FtPlotModel *model);
/* The x of an epoch's mark on an axis: where the run's point of that epoch is (epoch + 1 on the epoch axis
 * when the run has no such point). */
double ft_plot_model_lane_x (const FtPlotModel *model, int run, FtPlotXAxis axis, int epoch);

/* Runs in the order they were added. */
int ft_plot_model_get_n_runs (const FtPlotModel *model);
int ft_plot_model_get_run_id (const FtPlotModel *model, int index);
/* 0-based position in the list, -1 when there is no such run. */
int ft_plot_model_get_run_index (const FtPlotModel *model, int run);

/* A batch-end event: epoch and batch 0-based, steps per epoch, the running logs (loss and metrics so far
 * in this epoch) and the raw loss of the batch. Points must arrive in training order. */
void ft_plot_model_add_batch (FtPlotModel *model, int run, int epoch, int batch, int steps,
                              gint64 samples_seen, float batch_loss, const FtLogs *running);
/* Compare mode: the loss of a step a paired run completed (epoch and batch 0-based, steps per epoch, samples
 * seen after it), every step in training order, e.g. from the run's fingerprints: the difference lane
 * compares the pair step by step from these (ft-plot-difference.h), not from the batch-end events, which
 * a busy window coalesces. Ignored for an unpaired run; a new pairing or clearing either run starts the
 * comparison again. */
void ft_plot_model_add_step (FtPlotModel *model, int run, int epoch, int batch, int steps,
                             gint64 samples_seen, float loss);
/* An epoch-end event with the epoch's logs (training and val_ keys). */
void ft_plot_model_add_epoch (FtPlotModel *model, int run, int epoch, gint64 samples_seen,
                              const FtLogs *logs);

int ft_plot_model_get_n_batches (const FtPlotModel *model, int run);
int ft_plot_model_get_n_epochs (const FtPlotModel *model, int run);
/* Borrowed arrays, valid until the next change to that run; NULL for an unknown run. */
const FtPlotBatchPoint *ft_plot_model_get_batches (const FtPlotModel *model, int run);
const FtPlotEpochPoint *ft_plot_model_get_epochs (const FtPlotModel *model, int run);
/* The key of the run's metric in the logs ("accuracy", "acc", "sparse_categorical_accuracy", or the first
 * non-loss metric such as "mean_absolute_error"); NULL while unknown. */
const char *ft_plot_model_get_metric_key (const FtPlotModel *model, int run);
/* The metric key of the first run that has one (what the ACCURACY chart shows), or NULL. */
const char *ft_plot_model_get_any_metric_key (const FtPlotModel *model);

/* x of a point on the given axis. */
double ft_plot_batch_x (const FtPlotBatchPoint *p, FtPlotXAxis axis);
double ft_plot_epoch_x (const FtPlotEpochPoint *p, FtPlotXAxis axis);
/* In n batch points sorted by x: the first index whose x ≥ x, or whose x > x (n when none). */
int ft_plot_batch_lower_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x);
int ft_plot_batch_upper_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x);

/* Index of the batch point of run nearest to x (binary search; -1 when the run has none). */
int ft_plot_model_find_batch (const FtPlotModel *model, int run, FtPlotXAxis axis, double x);
/* Index of the last epoch point whose x ≤ x (+ a tolerance of 1e-9 of the span); -1 when none. */
int ft_plot_model_find_epoch (const FtPlotModel *model, int run, FtPlotXAxis axis, double x);

/* x extent of every visible run on the given axis, from where its training started (0, or the epoch a
 * resumed run began at) to its last point; false when no visible run has points. */
bool ft_plot_model_get_x_extent (const FtPlotModel *model, FtPlotXAxis axis, double *min, double *max);

G_END_DECLS
