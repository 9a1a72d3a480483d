/* ft-runner.h — a training job on a background thread. Commands go in (start, pause, resume, step one
 * batch, step one epoch, stop, change the learning rate, take a snapshot); events come out on the
 * caller's GMainContext (train begin, epoch begin, batch end, epoch end, checkpoint saved, early stop,
 * finished, stopped, failed, snapshot). Batch-end events may be coalesced when the main loop is busy;
 * every other event is delivered, in order. The engine never calls GTK: the UI and the command-line tool
 * both consume these events. */
#pragma once

#include "train/ft-callback-lanes.h"
#include "train/ft-callbacks.h"
#include "train/ft-fingerprint.h"
#include "train/ft-fit.h"
#include "train/ft-ledger.h"
#include "train/ft-live-change.h"
#include "train/ft-tape-loop.h"

typedef enum
{
  FT_RUN_EVENT_TRAIN_BEGIN,
  FT_RUN_EVENT_EPOCH_BEGIN,
  FT_RUN_EVENT_BATCH_END,
  FT_RUN_EVENT_EPOCH_END,
  FT_RUN_EVENT_CHECKPOINT_SAVED,
  FT_RUN_EVENT_EARLY_STOP,
  FT_RUN_EVENT_PAUSED,
  FT_RUN_EVENT_SNAPSHOT,
  FT_RUN_EVENT_FINISHED,
  FT_RUN_EVENT_STOPPED,
  FT_RUN_EVENT_FAILED,
} FtRunEventKind;

const char *ft_run_event_kind_name (FtRunEventKind kind);

/* What the tape inspector shows about one training step. */
typedef struct
{
  const char *op;   /* static op name */
  char inputs[160]; /* "(32, 784) (784, 128) (128,)" */
  char output[48];
  double flops;
  double forward_us;
  double backward_us;
} FtSnapshotEntry;

typedef struct
{
  const char *name; /* "dense/kernel" */
  double grad_norm;
  double weight_norm;
  double update_ratio; /* ‖Δw‖ / ‖w‖ for this step */
} FtSnapshotVariable;

typedef struct
{
  int epoch;
  int batch;
  int n_entries;
  FtSnapshotEntry *entries;
  int n_variables;
  FtSnapshotVariable *variables;
} FtSnapshot;

typedef struct
{
  FtRunEventKind kind;
  int epoch; /* 0-based */
  int epochs;
  int batch;        /* 0-based, batch-end events */
  int steps;        /* batches per epoch */
  int coalesced;    /* batch-end events merged into this one (≥ 1) */
  float batch_loss; /* raw loss of the last batch */
  int64_t samples_seen;
  double seconds;             /* since the run started (paused time excluded) */
  FtLogs logs;                /* running means (batch end) or the epoch's logs (epoch end, finished) */
  char *message;              /* failed: the error; checkpoint saved: the path */
  const FtSnapshot *snapshot; /* snapshot events */
  const float *weights;       /* epoch end, when asked for with ft_runner_set_share_weights: every weight;
                                 also the batch end after a live change of the input features resized the
                                 model (such an event is not merged with later ones) */
  size_t n_weights;
} FtRunEvent;

typedef void (*FtRunEventFunc) (const FtRunEvent *event, void *user_data);

typedef struct
{
  FtTrainer *trainer;    /* not owned; must outlive the runner */
  const FtDataset *data; /* not owned */
  FtFitArgs args;
  bool tape_mode; /* the explicit loop instead of fit() */
  FtLoopSteps steps;
  const FtCallbackSpec *callbacks; /* copied */
  int n_callbacks;
  GPtrArray *extra_callbacks;    /* optional FtCallback* run on the training thread (e.g. a progress printer);
                                     the runner takes a reference */
  FtFingerprints *fingerprints;  /* optional, not owned: recorded at every step, after the callbacks ran
                                    (compare two jobs' with ft_divergence_find while they run) */
  FtCallbackLanes *lanes;        /* optional, not owned: the callbacks' decisions, epoch by epoch */
  FtLedger *ledger;              /* optional, not owned: how each epoch's numbers were made (ft-ledger.h) */
  FtExperimentSource experiment; /* what the checkpoints the job saves record (ModelCheckpoint, the tape
                                    loop's own); the run sets it. Zeroed: no experiment */
  bool full_priority;            /* no nice +5 for the training thread: for programs without a window to keep
                                      smooth (the CLI), where a loaded machine would otherwise slow the job */
  int threads;                   /* the job's thread team (core/ft-threads.h), the training thread included;
                                    0 = automatic: ft_threads_resolve (0, concurrent_runs). Results are the
                                    same bit for bit whatever the count. */
  int concurrent_runs;           /* runs training at once, sharing the cores (Compare mode: 2); 0 = 1 */
  /* optional: called on the training thread after each live change was applied (or refused), before the
   * step it applies to (the run updates the experiment its checkpoints describe); not under the runner's
   * lock, so it may call the runner's functions */
  void (*live_applied) (FtTrainer *trainer, const FtLiveChangeRecord *record, void *user_data);
  void *live_data;
} FtJob;

typedef struct FtRunner FtRunner;

/* Events are delivered by func on context (NULL = the thread-default context at creation time). */
FtRunner *ft_runner_new (const FtJob *job, GMainContext *context, FtRunEventFunc func, void *user_data);
/* Stops the job if it runs, waits for the thread, drops undelivered events. */
void ft_runner_free (FtRunner *runner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtRunner, ft_runner_free)

void ft_runner_start (FtRunner *runner); /* begins (paused if ft_runner_pause was called first) */
void ft_runner_pause (FtRunner *runner); /* pauses before the next batch */
void ft_runner_resume (FtRunner *runner);
void ft_runner_step_batch (FtRunner *runner); /* from pause: one batch, then pause again */
void ft_runner_step_epoch (FtRunner *runner); /* from pause: to the end of this epoch, then pause */
void ft_runner_stop (FtRunner *runner);       /* takes effect within one batch */
/* Epoch-end events carry a copy of the model's weights (for views that redraw the model's predictions
 * off the training thread). Off by default. */
void ft_runner_set_share_weights (FtRunner *runner, bool share);
/* Pauses at the end of the given number of epochs (for screenshots and lessons); 0 clears it. */
void ft_runner_pause_after_epochs (FtRunner *runner, int epochs);
void ft_runner_set_learning_rate (FtRunner *runner, float lr); /* applied before the next batch */
/* Sets one weight (index in Keras order, as ft_model_get_weights lays them out) before the next batch, as
 * the network view's click on a link or a bias does; edits queue up in order. An index past the model's
 * parameters is ignored. */
void ft_runner_set_weight (FtRunner *runner, size_t index, float value);
/* Every Dense and Conv2D layer's kernel regulariser (ft_model_set_kernel_regularization) from the next
 * batch on: the Playground's regularization changed while the run trains. */
void ft_runner_set_regularization (FtRunner *runner, float l1, float l2);
/* Training that reacts: a change of learning rate, regularization or hidden activation (ft-live-change.h)
 * for every runner of a group (a Train press's runs: fit and its tape twin), applied before the same step
 * in each: the next step of the run furthest ahead (a runner paused before a batch applies it before that
 * batch). Runners that have ended or are stopping are left out. Each runner records what it applied, where
 * and from what (ft_runner_get_live_change). Returns the step, or −1 when no runner is running or the
 * change is not valid (nothing is queued). */
int64_t ft_runner_group_change (FtRunner *const *runners, int n, const FtLiveChange *change);
int ft_runner_n_live_changes (FtRunner *runner);
bool ft_runner_get_live_change (FtRunner *runner, int i, FtLiveChangeRecord *out);
void ft_runner_request_snapshot (FtRunner *runner); /* a SNAPSHOT event after the next batch */
/* A SNAPSHOT event for the first batch of every epoch, taken by the training thread itself (requests
 * from the main loop would arrive late when epochs take milliseconds). */
void ft_runner_set_snapshot_every_epoch (FtRunner *runner, bool on);
/* A pace for step-through teaching: at most this many batches per second (0 = as fast as possible). */
void ft_runner_set_pace (FtRunner *runner, double batches_per_second);

/* The size of the job's thread team (its threads option resolved). */
int ft_runner_threads (FtRunner *runner);
bool ft_runner_is_running (FtRunner *runner); /* started and not yet finished/stopped/failed */
bool ft_runner_is_paused (FtRunner *runner);
/* Waits (blocking, iterating no main loop) for the thread to end; mainly for tools and tests. */
void ft_runner_join (FtRunner *runner);
