/* ft-callbacks.h — Keras callbacks with Keras' parameters and semantics (EarlyStopping, ModelCheckpoint,
 * ReduceLROnPlateau, TerminateOnNaN, CSVLogger, LearningRateScheduler, the progress bar), the callback
 * interface fit() calls, and the context callbacks act on (the trainer, stop_training). */
#pragma once

#include "core/ft-param.h"
#include "train/ft-checkpoint.h"
#include "train/ft-logs.h"
#include "train/ft-trainer.h"

typedef enum
{
  FT_MONITOR_AUTO,
  FT_MONITOR_MIN,
  FT_MONITOR_MAX,
} FtMonitorMode;

typedef enum
{
  FT_CALLBACK_EARLY_STOPPING,
  FT_CALLBACK_MODEL_CHECKPOINT,
  FT_CALLBACK_REDUCE_LR_ON_PLATEAU,
  FT_CALLBACK_TERMINATE_ON_NAN,
  FT_CALLBACK_CSV_LOGGER,
  FT_CALLBACK_LEARNING_RATE_SCHEDULER,
  FT_N_CALLBACK_KINDS
} FtCallbackKind;

typedef enum
{
  FT_SCHEDULE_STEP,        /* lr0 · factor^floor(epoch / step_size) */
  FT_SCHEDULE_EXPONENTIAL, /* lr0 · rate^epoch */
  FT_SCHEDULE_COSINE, /* lr0 · (alpha + (1 − alpha)·½(1 + cos(π·min(epoch, decay_epochs)/decay_epochs))) */
} FtScheduleKind;

typedef struct
{
  FtCallbackKind kind;
  char monitor[FT_LOG_KEY_MAX]; /* EarlyStopping, ModelCheckpoint, ReduceLROnPlateau: "val_loss" */
  FtMonitorMode mode;
  double min_delta;  /* EarlyStopping 0; ReduceLROnPlateau 1e-4 */
  int patience;      /* EarlyStopping 0; ReduceLROnPlateau 10 */
  bool has_baseline; /* EarlyStopping */
  double baseline;
  bool restore_best_weights; /* EarlyStopping */
  int start_from_epoch;      /* EarlyStopping */
  char filepath[512];        /* ModelCheckpoint template, CSVLogger file name */
  bool save_best_only;       /* ModelCheckpoint */
  bool save_weights_only;
  int save_freq; /* ModelCheckpoint: 0 = "epoch", else every N batches */
  bool has_initial_value_threshold;
  double initial_value_threshold;
  double factor; /* ReduceLROnPlateau 0.1; step schedule factor */
  int cooldown;  /* ReduceLROnPlateau */
  double min_lr;
  char separator; /* CSVLogger ',' */
  bool append;
  FtScheduleKind schedule; /* LearningRateScheduler */
  double initial_lr;       /* 0 = the optimizer's learning rate at train begin */
  int step_size;           /* step schedule: epochs per drop */
  double rate;             /* exponential schedule */
  int decay_epochs;        /* cosine schedule */
  double alpha;            /* cosine schedule floor fraction */
} FtCallbackSpec;

/* The descriptor table of a kind (train/ft-callback-spec.c): the experiment JSON, generated code and the
 * training panel loop over it. */
const FtKindInfo *ft_callback_kind_info (FtCallbackKind kind);
FtCallbackSpec ft_callback_spec_default (FtCallbackKind kind);
const char *ft_callback_kind_name (FtCallbackKind kind); /* "EarlyStopping", … */
const char *ft_monitor_mode_name (FtMonitorMode mode);   /* "auto", "min", "max" */
const char *ft_schedule_name (FtScheduleKind schedule);  /* "step", "exponential", "cosine" */
bool ft_callback_kind_from_name (const char *name, FtCallbackKind *kind);
/* Checks parameter ranges (patience ≥ 0, factor in (0,1), …) with a message naming the parameter. */
bool ft_callback_spec_validate (const FtCallbackSpec *spec, GError **error);
/* The learning rate a schedule gives for an epoch. */
double ft_schedule_learning_rate (const FtCallbackSpec *spec, double initial_lr, int epoch);

/* ---- the callback interface ---- */

typedef struct FtFitContext FtFitContext;
typedef struct FtCallback FtCallback;

typedef struct
{
  const char *name;
  void (*on_train_begin) (FtCallback *cb, FtFitContext *ctx);
  void (*on_epoch_begin) (FtCallback *cb, FtFitContext *ctx, int epoch);
  void (*on_train_batch_begin) (FtCallback *cb, FtFitContext *ctx, int batch);
  void (*on_train_batch_end) (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs);
  void (*on_test_begin) (FtCallback *cb, FtFitContext *ctx);
  void (*on_test_end) (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs);
  void (*on_epoch_end) (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs);
  void (*on_train_end) (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs);
  void (*free) (FtCallback *cb);
} FtCallbackClass;

struct FtCallback
{
  const FtCallbackClass *klass;
};

/* What a running fit (or tape loop) shares with its callbacks and observers. */
struct FtFitContext
{
  FtTrainer *trainer;
  FtExperimentSource experiment; /* what checkpoints saved during the run record (set by the caller before
                                    the run, e.g. the runner from FtJob.experiment; zeroed: nothing) */
  int epochs;                    /* params["epochs"] */
  int steps;                     /* params["steps"]: batches per epoch */
  int epoch;                     /* current epoch (0-based) */
  int64_t samples_seen;          /* over the whole run */
  float batch_loss;              /* the raw loss of the last batch (not the running mean) */
  uint32_t batch_size;           /* samples in the last batch */
  const uint32_t *batch_idx;     /* the last batch's sample indices (batch_size of them), at batch end */
  bool report_progress; /* per-batch progress events wanted (fit: always; tape loop: its progress step) */
  bool stop_training;   /* Keras' model.stop_training: ends training after this epoch's on_epoch_end */
  bool abort;           /* a user's Stop: ends training after the current batch, no on_epoch_end */
  bool failed;          /* set with error by a callback that could not do its job (e.g. save failed) */
  GError *error;
  bool stopped_early; /* EarlyStopping (or the hand-written check) stopped the run */
  int stopped_epoch;
  bool terminated_nan; /* TerminateOnNaN fired */
  char last_checkpoint[512];
};

/* Creates the callback for a spec (validated). */
FtCallback *ft_callback_new (const FtCallbackSpec *spec);

/* What a callback decided at its last epoch end (or train end), for the callback lanes. */
typedef enum
{
  FT_CB_NOTHING,              /* no decision yet / nothing to do */
  FT_CB_SKIPPED,              /* EarlyStopping: the monitor is missing or epoch < start_from_epoch */
  FT_CB_IMPROVED,             /* EarlyStopping, ReduceLROnPlateau: a new best (wait reset) */
  FT_CB_IMPROVED_NO_BASELINE, /* EarlyStopping: a new best that does not beat the baseline (wait kept) */
  FT_CB_WAITING,              /* EarlyStopping, ReduceLROnPlateau: no improvement, wait + 1 */
  FT_CB_STOPPED,              /* EarlyStopping: wait ≥ patience (and epoch > 0): stop_training */
  FT_CB_RESTORED,             /* EarlyStopping at train end: the best weights restored */
  FT_CB_COOLDOWN,             /* ReduceLROnPlateau: in cooldown, wait held at 0 */
  FT_CB_LR_CUT,               /* ReduceLROnPlateau: learning rate × factor */
  FT_CB_SAVED,                /* ModelCheckpoint: saved */
  FT_CB_NOT_BEST,             /* ModelCheckpoint save_best_only: not better than best, not saved */
  FT_CB_SAVED_NO_MONITOR, /* ModelCheckpoint save_best_only: the monitor is not in the logs, saved anyway */
  FT_CB_LR_SET,           /* LearningRateScheduler: the schedule's rate for this epoch */
} FtCallbackDecision;

const char *ft_callback_decision_name (FtCallbackDecision d); /* "improved", "waiting", "lr_cut", … */

typedef struct
{
  FtCallbackKind kind;
  int epoch; /* of the last decision, -1 before any */
  FtCallbackDecision decision;
  double monitored; /* the monitored value at that epoch (NaN when missing) */
  double best;      /* ±inf until the first improvement */
  int best_epoch;
  int wait;
  int patience;
  int cooldown_counter;
  double lr_before, lr_after; /* ReduceLROnPlateau, LearningRateScheduler */
  char path[512];             /* ModelCheckpoint: the file saved */
  char rule[160];             /* the rule that fired, in words */
} FtCallbackState;

/* The state of a callback made by ft_callback_new; false for other callbacks (progress, observers). */
bool ft_callback_get_state (const FtCallback *cb, FtCallbackState *state);
void ft_callback_free (FtCallback *cb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtCallback, ft_callback_free)
/* Monitor direction resolution shared by EarlyStopping, ModelCheckpoint, ReduceLROnPlateau and the
 * hand-written check: false with an error when "auto" cannot infer it. *greater is true when larger is
 * better. */
bool ft_monitor_direction (const char *monitor, FtMonitorMode mode, bool *greater, GError **error);

/* Checks every {key:spec} of a ModelCheckpoint template formats, with width and precision within
 * FT_LIMIT_TEMPLATE_WIDTH / _PRECISION: done when the callback is configured, not after an epoch. */
bool ft_checkpoint_template_check (const char *tmpl, GError **error);

/* Formats a ModelCheckpoint template: {epoch}, {epoch:02d}, {batch}, and any log key with a Python format
 * spec such as {val_loss:.4f} or {accuracy:.2%}; false with an error naming an unknown key. */
bool ft_format_checkpoint_path (const char *template, int epoch1, int batch1, const FtLogs *logs, char *out,
                                size_t out_size, GError **error);

/* The progress bar of Keras' fit(verbose=1): "n/N ━━━━━━━━━━━━━━━━━━━━ ETA: 3s - accuracy: … - loss: …"
 * redrawn in place on a terminal (verbose 1) or one line per epoch (verbose 2); write receives text. */
typedef void (*FtTextSink) (const char *text, void *user_data);
FtCallback *ft_progress_callback_new (int verbose, FtTextSink sink, void *user_data);

/* The callback-list helpers fit() uses. */
void ft_callbacks_train_begin (GPtrArray *cbs, FtFitContext *ctx);
void ft_callbacks_epoch_begin (GPtrArray *cbs, FtFitContext *ctx, int epoch);
void ft_callbacks_batch_begin (GPtrArray *cbs, FtFitContext *ctx, int batch);
void ft_callbacks_batch_end (GPtrArray *cbs, FtFitContext *ctx, int batch, const FtLogs *logs);
void ft_callbacks_test_begin (GPtrArray *cbs, FtFitContext *ctx);
void ft_callbacks_test_end (GPtrArray *cbs, FtFitContext *ctx, const FtLogs *logs);
void ft_callbacks_epoch_end (GPtrArray *cbs, FtFitContext *ctx, int epoch, FtLogs *logs);
void ft_callbacks_train_end (GPtrArray *cbs, FtFitContext *ctx, const FtLogs *logs);
