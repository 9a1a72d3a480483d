/* ft-run.h — one training run of an experiment, the whole way: experiment → trainer → job → runner →
 * history, with resuming from a checkpoint and continuing for more epochs. The window and the command-line
 * tool drive every run through it, so what a run is (which job an experiment makes, what is recorded, how
 * a continued or resumed run counts its epochs) is decided here once.
 *
 * The run owns a copy of the experiment, the trainer, the current runner, the history, and the optional
 * fingerprints, callback lanes and ledger; the training data is borrowed and must outlive the run. Events
 * reach the owner's function on the runner's context after the run has recorded them: at an epoch's end the
 * history already has the epoch and ft_run_epochs_done counts it. */
#pragma once

#include "experiment/ft-experiment.h"
#include "train/ft-callback-lanes.h"
#include "train/ft-fingerprint.h"
#include "train/ft-ledger.h"
#include "train/ft-logs.h"
#include "train/ft-runner.h"

#include <glib.h>
#include <stdbool.h>

typedef struct FtRun FtRun;

typedef struct
{
  bool fingerprints;   /* record lockstep fingerprints (Compare mode's verdict, the divergence finder) */
  bool lanes;          /* record the callbacks' decisions (when the experiment has callbacks) */
  bool ledger;         /* record how each epoch's numbers were made, with the weights after each epoch
                          (train/ft-ledger.h), for the window's ledger dialog */
  bool full_priority;  /* the training thread is not niced (no window to keep smooth) */
  int threads;         /* threads for the run, the training thread included; 0 = automatic: FITTAPE_THREADS,
                          else the available cores divided among the runs training at once */
  int concurrent_runs; /* runs training at once (Compare mode: 2, each gets half the cores); 0 = 1 */
} FtRunOptions;

/* Builds the trainer for exp on train (tape: the explicit loop instead of fit()). NULL with error when the
 * model cannot be built. exp is copied. */
FtRun *ft_run_new (const FtExperiment *exp, const FtDataset *train, bool tape, const FtRunOptions *options,
                   GError **error);
void ft_run_free (FtRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtRun, ft_run_free)

/* Saves the run's trainer with its resume state and the run's experiment (ft_run_set_experiment's, when
 * it changed) to path, after epoch completed epochs (ft_checkpoint_save). Not while a runner trains. */
bool ft_run_save_checkpoint (FtRun *run, const char *path, int epoch, GError **error);

/* The experiment the run's checkpoints record from now on — ModelCheckpoint's and the tape loop's saves
 * on the training thread included, and ft_run_save_checkpoint's: a live change to the experiment (the
 * input features, say) calls this with the experiment as changed, so that a later checkpoint describes
 * it. exp is copied; ft_run_experiment returns the copy from now on. The experiment it replaces stays
 * valid until the run is freed (the current runner borrows its callbacks). Any thread (the run swaps the
 * pointer under its own lock); the run itself replaces its experiment this way on the training thread when
 * a live change of the input features applied. */
void ft_run_set_experiment (FtRun *run, const FtExperiment *exp);

/* The run's experiment as a checkpoint's source (for jobs and checkpoints the run does not make itself);
 * valid while the run lives. */
FtExperimentSource ft_run_experiment_source (FtRun *run);

/* Loads a checkpoint into the run's trainer (weights, optimizer state, the epoch it was saved after):
 * the next runner starts after that epoch (a checkpoint with weights only leaves the count alone). */
bool ft_run_load_checkpoint (FtRun *run, const char *path, GError **error);

/* The epoch count the next segment trains to: the experiment's epochs, or, when the run already has
 * them, as many again (Continue). */
int ft_run_next_epochs (const FtRun *run);

/* Makes the runner for epochs [ft_run_epochs_done, epochs) — not started: set its pace or pause it, then
 * ft_runner_start (ft_run_runner (run)). A previous runner of the run is freed first (it must have ended).
 * extra_callbacks (optional) as in FtJob. Events go to func on context (NULL: the thread-default). */
FtRunner *ft_run_make_runner (FtRun *run, int epochs, GPtrArray *extra_callbacks, GMainContext *context,
                              FtRunEventFunc func, void *user_data);

/* Asks the run's runner, if it has one, to stop (returns at once; ft_run_free joins the thread). */
void ft_run_stop (FtRun *run);

/* The run's experiment now. Any thread: only the pointer is read under the run's lock — the experiment is
 * not locked while the caller reads it, and needs not be, since an experiment the run has handed out is
 * never changed: a live change of the input features (on the training thread) replaces it with a changed
 * copy and keeps the old one until the run is freed. So a caller may hold the pointer for as long as the
 * run lives, but sees the change only by calling again. */
const FtExperiment *ft_run_experiment (const FtRun *run);
const FtDataset *ft_run_train_data (const FtRun *run);
bool ft_run_is_tape (const FtRun *run);
FtTrainer *ft_run_trainer (const FtRun *run);
FtRunner *ft_run_runner (const FtRun *run); /* NULL before the first ft_run_make_runner */
FtHistory *ft_run_history (const FtRun *run);
FtFingerprints *ft_run_fingerprints (const FtRun *run); /* NULL unless asked for */
FtCallbackLanes *ft_run_lanes (const FtRun *run);       /* NULL unless asked for and there are callbacks */
FtLedger *ft_run_ledger (const FtRun *run);             /* NULL unless asked for; every segment appends */
int ft_run_epochs_done (const FtRun *run);              /* absolute: a resumed run starts past zero */
