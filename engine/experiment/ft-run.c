/* ft-run.c — one training run of an experiment, from the experiment to its history (see ft-run.h). */
#include "experiment/ft-run.h"

#include "train/ft-checkpoint.h"

#include <pthread.h>
#include <string.h>

struct FtRun
{
  FtExperiment *exp;        /* as it was when the run was made, or as ft_run_set_experiment changed it */
  pthread_mutex_t exp_lock; /* exp's swap against its reading on another thread (a pthread mutex, which
                               ThreadSanitizer sees) */
  GPtrArray *old_exp;       /* experiments replaced by ft_run_set_experiment: a runner may borrow from them */
  const FtDataset *train;
  bool tape;
  FtRunOptions options;
  FtTrainer *trainer;
  FtRunner *runner;
  FtHistory *history;
  FtFingerprints *fingerprints;
  FtCallbackLanes *lanes;
  FtLedger *ledger;
  int epochs_done;
  FtRunEventFunc func;
  void *user_data;
};

FtRun *
ft_run_new (const FtExperiment *exp, const FtDataset *train, bool tape, const FtRunOptions *options,
            GError **error)
{
  g_return_val_if_fail (exp != NULL && train != NULL, NULL);
  FtTrainer *trainer = ft_experiment_build_trainer (exp, train, error);
  if (trainer == NULL)
    return NULL;
  FtRun *run = g_new0 (FtRun, 1);
  run->exp = ft_experiment_copy (exp);
  pthread_mutex_init (&run->exp_lock, NULL);
  run->old_exp = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_experiment_free);
  run->train = train;
  run->tape = tape;
  if (options != NULL)
    run->options = *options;
  run->trainer = trainer;
  run->history = ft_history_new ();
  run->epochs_done = exp->fit.initial_epoch; /* Keras' initial_epoch: the run counts from there */
  if (run->options.fingerprints)
    run->fingerprints = ft_fingerprints_new (FT_FINGERPRINT_SAMPLE);
  if (run->options.lanes && exp->n_callbacks > 0)
    run->lanes = ft_callback_lanes_new ();
  if (run->options.ledger)
    {
      run->ledger = ft_ledger_new ();
      ft_ledger_set_keep_weights (run->ledger, true);
    }
  return run;
}

void
ft_run_free (FtRun *run)
{
  if (run == NULL)
    return;
  ft_runner_free (run->runner); /* stops and joins the training thread first */
  ft_trainer_free (run->trainer);
  ft_history_free (run->history);
  ft_fingerprints_free (run->fingerprints);
  ft_callback_lanes_free (run->lanes);
  ft_ledger_free (run->ledger);
  ft_experiment_free (run->exp);
  g_ptr_array_unref (run->old_exp);
  pthread_mutex_destroy (&run->exp_lock);
  g_free (run);
}

/* The run's experiment as JSON, for a checkpoint being written (any thread). */
static char *
run_experiment_json (void *user_data)
{
  FtRun *run = user_data;
  pthread_mutex_lock (&run->exp_lock);
  char *json = ft_experiment_to_json (run->exp);
  pthread_mutex_unlock (&run->exp_lock);
  return json;
}

FtExperimentSource
ft_run_experiment_source (FtRun *run)
{
  return (FtExperimentSource){ run_experiment_json, run };
}

/* Makes exp (taken) the run's experiment; the one it replaces stays valid until the run is freed. */
static void
replace_experiment (FtRun *run, FtExperiment *exp)
{
  pthread_mutex_lock (&run->exp_lock);
  g_ptr_array_add (run->old_exp, run->exp);
  run->exp = exp;
  pthread_mutex_unlock (&run->exp_lock);
}

void
ft_run_set_experiment (FtRun *run, const FtExperiment *exp)
{
  g_return_if_fail (run != NULL && exp != NULL);
  replace_experiment (run, ft_experiment_copy (exp));
}

bool
ft_run_save_checkpoint (FtRun *run, const char *path, int epoch, GError **error)
{
  g_return_val_if_fail (run != NULL && path != NULL, false);
  FtExperimentSource source = ft_run_experiment_source (run);
  return ft_checkpoint_save (run->trainer, &source, path, false, epoch, error);
}

bool
ft_run_load_checkpoint (FtRun *run, const char *path, GError **error)
{
  g_return_val_if_fail (run != NULL && path != NULL, false);
  FtResumeState state;
  bool has_state = false;
  if (!ft_checkpoint_load (run->trainer, path, &state, &has_state, error))
    return false;
  if (has_state)
    run->epochs_done = state.epoch;
  return true;
}

int
ft_run_next_epochs (const FtRun *run)
{
  int epochs = ft_run_experiment (run)->fit.epochs;
  return epochs > run->epochs_done ? epochs : run->epochs_done + epochs;
}

/* On the training thread, right after a live change, before the step it applies to: a change of the input
 * features changes the experiment the run is, so the run's experiment (what ft_run_experiment reports and
 * later checkpoints record) becomes the changed one. The only place where a live change reaches it. */
static void
describe_live_change (FtTrainer *trainer, const FtLiveChangeRecord *rec, void *user_data)
{
  FtRun *run = user_data;
  if (rec->change.kind != FT_LIVE_FEATURES || rec->refused)
    return;
  FtExperiment *changed = ft_experiment_copy (ft_run_experiment (run)); /* copied once, then taken */
  changed->data.features = rec->change.features;
  replace_experiment (run, changed);
}

/* On the runner's context: record, then hand the event on. */
static void
on_event (const FtRunEvent *ev, void *user_data)
{
  FtRun *run = user_data;
  if (ev->kind == FT_RUN_EVENT_EPOCH_END)
    {
      ft_history_append (run->history, ev->epoch, &ev->logs);
      run->epochs_done = ev->epoch + 1; /* absolute: a continued run starts past zero */
    }
  if (run->func != NULL)
    run->func (ev, run->user_data);
}

FtRunner *
ft_run_make_runner (FtRun *run, int epochs, GPtrArray *extra_callbacks, GMainContext *context,
                    FtRunEventFunc func, void *user_data)
{
  g_return_val_if_fail (run != NULL, NULL);
  g_clear_pointer (&run->runner, ft_runner_free);
  FtJob job;
  memset (&job, 0, sizeof job);
  job.trainer = run->trainer;
  job.data = run->train;
  const FtExperiment *exp = ft_run_experiment (run);
  job.args = exp->fit;
  job.args.initial_epoch = run->epochs_done;
  job.args.epochs = epochs;
  job.tape_mode = run->tape;
  job.steps = exp->steps;
  job.callbacks = exp->callbacks;
  job.n_callbacks = exp->n_callbacks;
  job.extra_callbacks = extra_callbacks;
  job.fingerprints = run->fingerprints;
  job.lanes = run->lanes;
  job.ledger = run->ledger;
  job.experiment = ft_run_experiment_source (run);
  job.full_priority = run->options.full_priority;
  job.threads = run->options.threads;
  job.concurrent_runs = run->options.concurrent_runs;
  job.live_applied = describe_live_change;
  job.live_data = run;
  run->func = func;
  run->user_data = user_data;
  run->runner = ft_runner_new (&job, context, on_event, run);
  return run->runner;
}

void
ft_run_stop (FtRun *run)
{
  if (run != NULL && run->runner != NULL)
    ft_runner_stop (run->runner);
}

const FtExperiment *
ft_run_experiment (const FtRun *run)
{
  /* Under the lock: a live change swaps it on the training thread (describe_live_change). */
  pthread_mutex_t *lock = (pthread_mutex_t *) &run->exp_lock;
  pthread_mutex_lock (lock);
  const FtExperiment *exp = run->exp;
  pthread_mutex_unlock (lock);
  return exp;
}

const FtDataset *
ft_run_train_data (const FtRun *run)
{
  return run->train;
}

bool
ft_run_is_tape (const FtRun *run)
{
  return run->tape;
}

FtTrainer *
ft_run_trainer (const FtRun *run)
{
  return run->trainer;
}

FtRunner *
ft_run_runner (const FtRun *run)
{
  return run->runner;
}

FtHistory *
ft_run_history (const FtRun *run)
{
  return run->history;
}

FtFingerprints *
ft_run_fingerprints (const FtRun *run)
{
  return run->fingerprints;
}

FtLedger *
ft_run_ledger (const FtRun *run)
{
  return run->ledger;
}

FtCallbackLanes *
ft_run_lanes (const FtRun *run)
{
  return run->lanes;
}

int
ft_run_epochs_done (const FtRun *run)
{
  return run->epochs_done;
}
