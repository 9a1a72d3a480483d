/* ft-window-train.c — training from the window: preparing the data off the main loop, starting the runs
 * of the mode, pause, step, stop, reset, continue, and the evaluation on the test set. */
#include "core/ft-format.h"
#include "train/ft-checkpoint.h"
#include "views/ft-code-view.h"
#include "views/ft-confusion-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-ledger-view.h"
#include "views/ft-network-view.h"
#include "views/ft-tape-inspector.h"
#include "views/ft-verdict-bar.h"
#include "window/ft-application.h"
#include "window/ft-window-private.h"
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* ---- Train ---- */

typedef struct
{
  FtExperiment *exp;
  FtSharedData *data;
} PrepareJob;

static void
prepare_job_free (PrepareJob *job)
{
  ft_experiment_free (job->exp);
  ft_shared_data_unref (job->data);
  g_free (job);
}

static void
prepare_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PrepareJob *job = task_data;
  GError *error = NULL;
  FtSharedData *data = g_atomic_rc_box_new0 (FtSharedData);
  if (!ft_experiment_load_data (job->exp, &data->train, &data->test, &error))
    {
      ft_shared_data_unref (data);
      g_task_return_error (task, error);
      return;
    }
  job->data = data;
  g_task_return_boolean (task, TRUE);
}

static FtWindowRun *
start_run (FtWindow *self, FtExperiment *exp, FtSharedData *data, bool tape, GError **error)
{
  FtRunOptions options = { .fingerprints = exp->mode == FT_MODE_BOTH, .lanes = true, .ledger = true };
  options.concurrent_runs = exp->mode == FT_MODE_BOTH ? 2 : 1; /* Compare mode: half the cores each */
  FtRun *engine = ft_run_new (exp, data->train, tape, &options, error);
  if (engine == NULL)
    return NULL;
  FtWindowRun *run = g_object_new (FT_TYPE_WINDOW_RUN, NULL);
  run->window = self;
  run->number = ++self->next_run_number;
  run->engine = engine;
  run->role = ft_window_run_role (exp, tape);
  run->name = g_strdup_printf ("Run %d · %s", run->number, run->role);
  run->data = ft_shared_data_ref (data);
  /* Colour and line style by role, the same in every re-run: fit blue and solid, tape orange and dashed. */
  run->plot_run = ft_plot_model_add_run (self->plot_model, run->role,
                                         tape ? FT_PLOT_COLOUR_TAPE : FT_PLOT_COLOUR_FIT);
  ft_plot_model_set_run_dashed (self->plot_model, run->plot_run, tape);
  ft_run_make_runner (engine, ft_run_next_epochs (engine), NULL, NULL, ft_window_on_run_event, run);
  g_ptr_array_add (self->active, run);
  ft_window_add_run_row (self, run);
  g_object_unref (run); /* the store keeps it */
  return run;
}

static void
hide_plotted_runs (FtWindow *self)
{
  for (guint i = 0; i < ft_window_n_runs (self); i++)
    g_object_set (ft_window_run_at (self, i), "plotted", FALSE, NULL);
}

static void
prepare_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FtWindow *self = FT_WINDOW (source);
  GTask *task = G_TASK (result);
  PrepareJob *job = g_task_get_task_data (task);
  GError *error = NULL;
  g_clear_object (&self->prepare);
  if (!g_task_propagate_boolean (task, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          char *msg = g_strdup_printf ("Cannot load the data: %s", error->message);
          ft_window_show_error (self, msg);
          ft_window_set_status (self, "Ready");
          g_free (msg);
        }
      g_error_free (error);
      ft_window_update_controls (self);
      /* With --screenshot, the application captures this error page and exits with status 2. */
      return;
    }
  /* A new Train press replaces what the charts show: earlier runs stay in the runs list, unticked, to
   * overlay on demand. */
  hide_plotted_runs (self);
  g_ptr_array_set_size (self->active, 0);
  self->progress_run = NULL;
  int n = job->exp->mode == FT_MODE_BOTH ? 2 : 1;
  for (int i = 0; i < n; i++)
    {
      bool tape = job->exp->mode == FT_MODE_TAPE || (job->exp->mode == FT_MODE_BOTH && i == 1);
      if (start_run (self, job->exp, job->data, tape, &error) == NULL)
        {
          char *msg = g_strdup_printf ("The network cannot be built: %s", error->message);
          ft_window_show_error (self, msg);
          g_free (msg);
          g_clear_error (&error);
          adw_view_stack_set_visible_child_name (self->panel_stack, "model");
          break;
        }
    }
  self->decision_run = NULL;
  if (self->active->len > 0 && job->data->train->ndim == 1 && job->data->train->shape[0] == 2)
    {
      self->decision_run = g_ptr_array_index (self->active, 0);
      ft_decision_view_set_data_with_test (FT_DECISION_VIEW (self->decision_view),
                                           ft_run_experiment (self->decision_run->engine), job->data->train,
                                           job->data->test);
      ft_runner_set_share_weights (ft_run_runner (self->decision_run->engine), true);
    }
  else
    ft_decision_view_set_data (FT_DECISION_VIEW (self->decision_view), NULL, NULL);
  /* Decision regions only for points in the plane: otherwise the confusion matrix has the whole view. */
  gtk_widget_set_visible (gtk_widget_get_parent (self->decision_view), self->decision_run != NULL);
  ft_window_network_runs_started (self, job->data->test);
  if (self->active->len > 0) /* the settings the runs start with: those of the press, not later edits */
    ft_window_live_start (self,
                          ft_run_experiment (((FtWindowRun *) g_ptr_array_index (self->active, 0))->engine));
  if (self->active->len == 2)
    ft_plot_model_set_pair (self->plot_model, ((FtWindowRun *) g_ptr_array_index (self->active, 0))->plot_run,
                            ((FtWindowRun *) g_ptr_array_index (self->active, 1))->plot_run);
  ft_window_stalls_reset (self);
  self->train_started = g_get_monotonic_time ();
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (self->paused)
        ft_runner_pause (ft_run_runner (run->engine));
      if (self->screenshot_path)
        ft_runner_pause_after_epochs (ft_run_runner (run->engine), self->screenshot_after);
      ft_runner_set_snapshot_every_epoch (ft_run_runner (run->engine),
                                          true); /* the Tape view's chart grows per epoch */
      ft_runner_set_pace (ft_run_runner (run->engine), self->pace);
      ft_runner_start (ft_run_runner (run->engine));
    }
  ft_window_set_status (self, "Training…");
  ft_window_update_verdict (self);
  ft_window_update_controls (self);
}

gboolean
ft_window_is_training (FtWindow *self)
{
  return self->prepare != NULL || ft_window_any_active_running (self);
}

void
ft_window_stop_active (FtWindow *self)
{
  if (self->prepare)
    g_cancellable_cancel (self->prepare);
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING)
        ft_runner_stop (ft_run_runner (run->engine));
    }
}

void
ft_window_train (FtWindow *self)
{
  if (ft_window_is_training (self))
    return;
  ft_window_hide_error (self);
  /* The network is checked when the data has loaded (its input shape may come from the data): an error
   * shows there and points at the layer. */
  self->exp->mode = self->mode;
  self->paused = false;
  PrepareJob *job = g_new0 (PrepareJob, 1);
  job->exp = ft_experiment_copy (self->exp);
  self->prepare = g_cancellable_new ();
  GTask *task = g_task_new (self, self->prepare, prepare_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) prepare_job_free);
  g_task_run_in_thread (task, prepare_thread);
  g_object_unref (task);
  ft_window_set_status (self, "Loading the data…");
  ft_window_outline_set (self, FT_OUTLINE_DEFINE_MODEL);
  ft_window_update_controls (self);
}

void
ft_window_train_when_idle (FtWindow *self)
{
  if (ft_window_is_training (self))
    self->restart_pending = true;
  else
    ft_window_train (self);
}

void
ft_window_toggle_pause (FtWindow *self)
{
  self->paused = !self->paused;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state != FT_RUN_STATE_RUNNING)
        continue;
      if (self->paused)
        ft_runner_pause (ft_run_runner (run->engine));
      else
        ft_runner_resume (ft_run_runner (run->engine));
    }
  if (self->paused)
    ft_window_set_status (self, "Paused — Step runs one batch");
  ft_window_update_controls (self);
}

void
ft_window_step (FtWindow *self)
{
  if (!ft_window_any_active_running (self))
    {
      /* Step from rest: start paused, then run one batch. */
      if (!ft_window_is_training (self))
        {
          ft_window_train (self);
          self->paused = true;
        }
      return;
    }
  self->paused = true;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING)
        {
          ft_runner_request_snapshot (
              ft_run_runner (run->engine)); /* the Tape view shows the batch just stepped */
          ft_runner_step_batch (ft_run_runner (run->engine));
        }
    }
  ft_window_update_controls (self);
}

void
ft_window_stop (FtWindow *self)
{
  ft_window_stop_active (self);
  self->paused = false;
  ft_window_update_controls (self);
}

void
ft_window_reset (FtWindow *self)
{
  ft_window_stop_active (self);
  /* Clear the charts: the runs stay in the list, unticked. */
  hide_plotted_runs (self);
  g_ptr_array_set_size (self->active, 0);
  self->progress_run = NULL;
  self->paused = false;
  ft_tape_inspector_clear (FT_TAPE_INSPECTOR (self->tape_inspector));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  char *status = g_strdup_printf ("Ready — the next Train starts from the weights of seed %" G_GUINT64_FORMAT,
                                  (guint64) self->exp->seed);
  ft_window_set_status (self, status);
  g_free (status);
  ft_window_refresh_plots (self);
  ft_window_update_verdict (self);
  ft_window_update_controls (self);
  ft_window_network_show_experiment (self);
}

void
ft_window_continue (FtWindow *self, gpointer run_pointer)
{
  FtWindowRun *run = run_pointer;
  if (run == NULL || ft_window_is_training (self))
    return;
  if (run->evaluating)
    {
      ft_window_toast (self, "Wait for the evaluation to finish");
      return;
    }
  int from = ft_run_epochs_done (run->engine), to = ft_run_next_epochs (run->engine);
  ft_run_make_runner (run->engine, to, NULL, NULL, ft_window_on_run_event, run);
  run->state = FT_RUN_STATE_RUNNING;
  g_object_set (run, "plotted", TRUE, NULL);
  g_ptr_array_set_size (self->active, 0);
  self->progress_run = NULL;
  g_ptr_array_add (self->active, run);
  self->paused = false;
  ft_window_stalls_reset (self);
  ft_runner_set_pace (ft_run_runner (run->engine), self->pace);
  ft_window_live_start (self, ft_run_experiment (run->engine));
  ft_runner_start (ft_run_runner (run->engine));
  char *line = g_strdup_printf ("[%s] continuing from epoch %d to %d", run->name, from, to);
  ft_window_log_line (self, line);
  g_free (line);
  ft_window_set_status (self, "Training…");
  ft_window_update_run_row (run);
  ft_window_update_controls (self);
}

guint
ft_window_get_pending_jobs (FtWindow *self)
{
  return self->pending_jobs;
}

const char *
ft_window_get_error (FtWindow *self)
{
  return gtk_revealer_get_reveal_child (self->error_revealer) ? gtk_label_get_text (self->error_label) : NULL;
}

/* ---- evaluation on the test set (off the main loop) ---- */

static void
evaluate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  FtWindowRun *run = task_data;
  const FtDataset *test = run->data->test ? run->data->test : run->data->train;
  FtLogs *logs = g_new0 (FtLogs, 1);
  GError *error = NULL;
  if (!ft_evaluate (ft_run_trainer (run->engine), test, ft_run_experiment (run->engine)->fit.batch_size, logs,
                    &error))
    {
      g_free (logs);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, logs, g_free);
}

static void
evaluate_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FtWindow *self = FT_WINDOW (source);
  FtWindowRun *run = user_data;
  GError *error = NULL;
  FtLogs *logs = g_task_propagate_pointer (G_TASK (result), &error);
  run->evaluating = false;
  if (run->window == NULL) /* the window was closed meanwhile */
    {
      g_clear_error (&error);
      g_free (logs);
      return;
    }
  if (logs == NULL)
    {
      ft_window_show_error (self, error->message);
      g_error_free (error);
      return;
    }
  run->test_logs = *logs;
  run->has_test_logs = true;
  /* Where the model is wrong: the confusion matrix and misclassified images, computed off the loop. */
  FtModel *m = ft_trainer_model (ft_run_trainer (run->engine));
  size_t n = ft_model_n_params (m);
  float *w = g_new (float, n);
  ft_model_get_weights (m, w);
  /* The shared data sets never change once loaded: the computation borrows the test set, holding a
   * reference. */
  ft_confusion_view_compute_shared (FT_CONFUSION_VIEW (self->confusion_view), ft_run_experiment (run->engine),
                                    run->data->train, run->data->test ? run->data->test : run->data->train, w,
                                    n, ft_shared_data_ref (run->data), (GDestroyNotify) ft_shared_data_unref);
  g_free (w);
  GString *s = g_string_new (NULL);
  g_string_printf (s, "[%s] Test (%s): ", run->name, run->data->test ? "test set" : "training data");
  ft_logs_format (logs, s);
  ft_window_log_line (self, s->str);
  ft_window_toast (self, s->str);
  g_string_free (s, TRUE);
  ft_window_update_run_row (run);
  g_free (logs);
}

void
ft_window_evaluate_run (FtWindow *self, FtWindowRun *run)
{
  if (run == NULL)
    return;
  if (run->state == FT_RUN_STATE_RUNNING || run->evaluating)
    {
      ft_window_toast (self, "Wait until the run has ended to evaluate it");
      return;
    }
  run->evaluating = true;
  ft_window_outline_set (self, FT_OUTLINE_EVALUATE);
  GTask *task = g_task_new (self, NULL, evaluate_done, run);
  g_task_set_task_data (task, g_object_ref (run), g_object_unref);
  g_task_run_in_thread (task, evaluate_thread);
  g_object_unref (task);
}

/* A checkpoint loaded from disk becomes a run of its own (finished, ready to evaluate or continue). */
void
ft_window_add_loaded_run (FtWindow *self, FtRun *engine, FtSharedData *data)
{
  FtWindowRun *run = g_object_new (FT_TYPE_WINDOW_RUN, NULL);
  run->window = self;
  run->number = ++self->next_run_number;
  run->name = g_strdup_printf ("Run %d · checkpoint", run->number);
  run->role = g_strdup ("checkpoint");
  run->engine = engine;
  run->data = data;
  run->state = FT_RUN_STATE_FINISHED;
  run->plot_run = ft_plot_model_add_run (self->plot_model, run->role, FT_PLOT_COLOUR_OTHER);
  ft_window_add_run_row (self, run);
  g_object_unref (run); /* the store keeps it */
}
