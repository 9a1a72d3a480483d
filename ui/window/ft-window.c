/* ft-window.c — the main window: the experiment and its panels, Train / Pause / Step / Stop / Reset,
 * runs on background runners with their events feeding the plots, the status line, the epoch log and
 * the runs list; the screenshot mode and the main-loop stall monitor. Actions live in
 * ft-window-actions.c. */
#include "window/ft-application.h"
#include "window/ft-window-private.h"

#include "core/ft-format.h"
#include "train/ft-checkpoint.h"
#include "views/ft-code-view.h"
#include "views/ft-confusion-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-ledger-view.h"
#include "views/ft-network-view.h"
#include "views/ft-tape-inspector.h"
#include "views/ft-verdict-bar.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FtWindow, ft_window, ADW_TYPE_APPLICATION_WINDOW)

FtSharedData *
ft_shared_data_ref (FtSharedData *data)
{
  return g_atomic_rc_box_acquire (data);
}

static void
shared_data_clear (gpointer p)
{
  FtSharedData *d = p;
  ft_dataset_free (d->train);
  ft_dataset_free (d->test);
}

void
ft_shared_data_unref (FtSharedData *data)
{
  if (data)
    g_atomic_rc_box_release_full (data, shared_data_clear);
}

/* ---- messages ---- */

void
ft_window_show_error (FtWindow *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
hide_error (FtWindow *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

void
ft_window_toast (FtWindow *self, const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void log_line (FtWindow *self, const char *line);

void
ft_window_log (FtWindow *self, const char *line)
{
  log_line (self, line);
}

static void
log_line (FtWindow *self, const char *line)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;
  gtk_text_buffer_get_end_iter (buf, &end);
  gtk_text_buffer_insert (buf, &end, line, -1);
  gtk_text_buffer_insert (buf, &end, "\n", 1);
  /* Keep the newest line in view: a mark at the end that the view follows once laid out. */
  GtkTextMark *mark = gtk_text_buffer_get_mark (buf, "ft-end");
  gtk_text_buffer_get_end_iter (buf, &end);
  if (mark == NULL)
    mark = gtk_text_buffer_create_mark (buf, "ft-end", &end, FALSE);
  else
    gtk_text_buffer_move_mark (buf, mark, &end);
  gtk_text_view_scroll_to_mark (self->log_view, mark, 0.0, TRUE, 0.0, 1.0);
}

/* ---- runs ---- */

static guint
n_runs (FtWindow *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->runs));
}

FtWindowRun *
ft_window_run_at (FtWindow *self, guint i)
{
  guint n = n_runs (self);
  g_return_val_if_fail (i < n, NULL);
  FtWindowRun *run = g_list_model_get_item (G_LIST_MODEL (self->runs), n - 1 - i);
  g_object_unref (run); /* the store keeps it */
  return run;
}

static FtWindowRun *
run_at (FtWindow *self, guint i)
{
  return ft_window_run_at (self, i);
}

static const char *
state_text (FtRunState state)
{
  return ft_window_run_state_text (state);
}

static void
update_run_row (FtWindowRun *run)
{
  ft_window_run_changed (run);
}

/* A new run goes to the top of the list, selected. */
static void
add_run_row (FtWindow *self, FtWindowRun *run)
{
  g_list_store_insert (self->runs, 0, run);
  gtk_list_box_select_row (self->runs_list, gtk_list_box_get_row_at_index (self->runs_list, 0));
}

FtWindowRun *
ft_window_current_run (FtWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->runs_list);
  if (row != NULL)
    {
      FtWindowRun *run = g_list_model_get_item (G_LIST_MODEL (self->runs), gtk_list_box_row_get_index (row));
      if (run != NULL)
        g_object_unref (run);
      return run;
    }
  return n_runs (self) > 0 ? run_at (self, n_runs (self) - 1) : NULL;
}

static void
set_status (FtWindow *self, const char *text)
{
  gtk_label_set_text (self->status_label, text);
}

static void
update_controls (FtWindow *self)
{
  ft_window_sync_actions (self);
  gtk_button_set_icon_name (self->pause_button,
                            self->paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
}

static void screenshot_check (FtWindow *self);
static void screenshot_finish (FtWindow *self);

static gboolean throttled_redraw (gpointer data);

/* The verdict of Compare mode: the current pair's fingerprints compared so far (the finder reads them
 * under their lock while the runs train). Hidden outside Compare mode. */
static void
update_verdict (FtWindow *self)
{
  FtVerdictBar *bar = FT_VERDICT_BAR (self->verdict_bar);
  gtk_widget_set_visible (self->verdict_bar, self->mode == FT_MODE_BOTH);
  if (self->active->len != 2)
    {
      if (self->prepare == NULL)
        ft_verdict_bar_reset (bar);
      return;
    }
  FtWindowRun *a = g_ptr_array_index (self->active, 0), *b = g_ptr_array_index (self->active, 1);
  if (ft_run_is_tape (a->engine) || !ft_run_is_tape (b->engine) || ft_run_fingerprints (a->engine) == NULL
      || ft_run_fingerprints (b->engine) == NULL)
    return;
  FtDivergence d;
  ft_divergence_find (ft_run_fingerprints (a->engine), ft_run_fingerprints (b->engine),
                      &ft_run_experiment (b->engine)->steps, &d);
  ft_verdict_bar_set_divergence (bar, &d);
  /* The charts mark the step (the plot model bumps its serial only when the mark moves). */
  guint64 serial = ft_plot_model_get_serial (self->plot_model);
  ft_plot_model_set_mark (self->plot_model, d.diverged ? a->plot_run : 0, d.epoch, d.batch, "parted");
  if (ft_plot_model_get_serial (self->plot_model) != serial && self->redraw_source == 0)
    self->redraw_source = g_timeout_add (200, throttled_redraw, self);
}

static void
refresh_plots (FtWindow *self)
{
  ft_plot_view_changed (FT_PLOT_VIEW (self->loss_view));
  ft_plot_view_changed (FT_PLOT_VIEW (self->acc_view));
}

static gboolean
throttled_redraw (gpointer data)
{
  FtWindow *self = data;
  self->redraw_source = 0;
  update_verdict (self);
  refresh_plots (self);
  return G_SOURCE_REMOVE;
}

/* Per-batch points redraw the charts at most five times a second: the main loop stays free and the
 * training threads keep the CPU (two runs and the window share two cores). */
static void
refresh_plots_soon (FtWindow *self)
{
  if (self->redraw_source == 0)
    self->redraw_source = g_timeout_add (200, throttled_redraw, self);
}

static void
update_progress (FtWindow *self, const FtRunEvent *ev, FtWindowRun *run)
{
  if (ev->epochs <= 0 || ev->steps <= 0)
    return;
  double done = (ev->epoch + (double) (ev->batch + 1) / ev->steps) / ev->epochs;
  if (ev->kind == FT_RUN_EVENT_EPOCH_END)
    done = (double) (ev->epoch + 1) / ev->epochs;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (done, 0.0, 1.0));
  double sps = ev->seconds > 0 ? (double) ev->samples_seen / ev->seconds : 0;
  double eta = done > 0 && ev->seconds > 0 ? ev->seconds * (1.0 - done) / done : 0;
  char rate[32];
  ft_format_thousands (rate, sizeof rate, (int64_t) sps);
  char *text = g_strdup_printf (
      "%s · epoch %d/%d · batch %d/%d · ETA %.0f s · %s samples/s", run->name, ev->epoch + 1, ev->epochs,
      ev->kind == FT_RUN_EVENT_EPOCH_END ? ev->steps : ev->batch + 1, ev->steps, eta, rate);
  set_status (self, text);
  g_free (text);
}

static bool
any_active_running (FtWindow *self)
{
  for (guint i = 0; i < self->active->len; i++)
    if (((FtWindowRun *) g_ptr_array_index (self->active, i))->state == FT_RUN_STATE_RUNNING)
      return true;
  return false;
}

/* While stepping or training slowly, the code panel lights the line that runs. */
static void
highlight_code (FtWindow *self, FtWindowRun *run, int region)
{
  if (self->code_view == NULL)
    return;
  if (!self->paused && self->pace <= 0)
    return;
  ft_code_view_highlight (FT_CODE_VIEW (self->code_view), ft_run_is_tape (run->engine), region);
}

static void
on_run_event (const FtRunEvent *ev, void *user_data)
{
  FtWindowRun *run = user_data;
  FtWindow *self = run->window;
  self->last_event = ft_run_event_kind_name (ev->kind);
  switch (ev->kind)
    {
    case FT_RUN_EVENT_BATCH_END:
      ft_window_outline_set (self, FT_OUTLINE_TRAIN);
      highlight_code (self, run, FT_CODE_BATCH_LINE);
      ft_plot_model_add_batch (self->plot_model, run->plot_run, ev->epoch, ev->batch, ev->steps,
                               ev->samples_seen, ev->batch_loss, &ev->logs);
      ft_window_live_poll (self, run, ev);
      run->samples = ev->samples_seen;
      run->seconds = ev->seconds;
      if (self->redraw_source == 0) /* the status line follows the same pace */
        update_progress (self, ev, run);
      refresh_plots_soon (self);
      break;
    case FT_RUN_EVENT_EPOCH_END:
      {
        ft_window_outline_set (self, ft_run_experiment (run->engine)->steps.validate
                                             || !ft_run_is_tape (run->engine)
                                         ? FT_OUTLINE_VALIDATE
                                         : FT_OUTLINE_LOOP);
        highlight_code (self, run, FT_CODE_EPOCH_END);
        ft_plot_model_add_epoch (self->plot_model, run->plot_run, ev->epoch, ev->samples_seen, &ev->logs);
        ft_window_live_poll (self, run, ev);
        if (ft_run_lanes (run->engine) != NULL)
          ft_plot_model_set_callback_lanes (self->plot_model, run->plot_run, ft_run_lanes (run->engine));
        run->samples = ev->samples_seen;
        run->seconds = ev->seconds;
        GString *s = g_string_new (NULL);
        g_string_printf (s, "[%s] Epoch %d/%d - %.1fs - ", run->name, ev->epoch + 1, ev->epochs, ev->seconds);
        ft_logs_format (&ev->logs, s);
        log_line (self, s->str);
        g_string_free (s, TRUE);
        update_progress (self, ev, run);
        update_run_row (run);
        refresh_plots_soon (self); /* a Playground epoch can take a millisecond: throttled too */
        update_verdict (self);
        if (run == self->decision_run && ev->weights != NULL)
          ft_decision_view_update_weights (FT_DECISION_VIEW (self->decision_view), ev->weights,
                                           ev->n_weights);
        ft_window_network_epoch_end (self, run, ev);
        screenshot_check (self);
        break;
      }
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
      {
        char *line = g_strdup_printf ("[%s] checkpoint saved: %s", run->name, ev->message);
        log_line (self, line);
        g_free (line);
        break;
      }
    case FT_RUN_EVENT_EARLY_STOP:
      {
        char *line = g_strdup_printf ("[%s] Epoch %d: early stopping", run->name, ev->epoch + 1);
        log_line (self, line);
        g_free (line);
        break;
      }
    case FT_RUN_EVENT_TRAIN_BEGIN:
      ft_window_outline_set (self, FT_OUTLINE_COMPILE);
      break;
    case FT_RUN_EVENT_EPOCH_BEGIN:
      ft_window_outline_set (self, FT_OUTLINE_LOOP);
      highlight_code (self, run, FT_CODE_EPOCH_START);
      break;
    case FT_RUN_EVENT_SNAPSHOT:
      ft_tape_inspector_show_snapshot (FT_TAPE_INSPECTOR (self->tape_inspector), run->name, ev->snapshot);
      break;
    case FT_RUN_EVENT_PAUSED:
      break;
    case FT_RUN_EVENT_FINISHED:
    case FT_RUN_EVENT_STOPPED:
    case FT_RUN_EVENT_FAILED:
      {
        run->state = ev->kind == FT_RUN_EVENT_FINISHED  ? FT_RUN_STATE_FINISHED
                     : ev->kind == FT_RUN_EVENT_STOPPED ? FT_RUN_STATE_STOPPED
                                                        : FT_RUN_STATE_FAILED;
        ft_window_live_poll (self, run, ev);
        refresh_plots_soon (self);
        if (ft_run_lanes (run->engine) != NULL) /* the restore is decided at train end */
          {
            ft_plot_model_set_callback_lanes (self->plot_model, run->plot_run, ft_run_lanes (run->engine));
            refresh_plots_soon (self);
          }
        update_verdict (self);
        char *line = ev->kind == FT_RUN_EVENT_FAILED
                         ? g_strdup_printf ("[%s] training failed: %s", run->name, ev->message)
                         : g_strdup_printf ("[%s] %s after %d epoch%s", run->name, state_text (run->state),
                                            ft_run_epochs_done (run->engine),
                                            ft_run_epochs_done (run->engine) == 1 ? "" : "s");
        log_line (self, line);
        if (ev->kind == FT_RUN_EVENT_FAILED)
          ft_window_show_error (self, line);
        g_free (line);
        update_run_row (run);
        if (!any_active_running (self) && self->restart_pending)
          {
            self->restart_pending = false;
            update_controls (self);
            ft_window_train (self);
            break;
          }
        if (!any_active_running (self))
          {
            ft_window_outline_set (self, -1);
            self->paused = false;
            double sps = ft_window_get_samples_per_second (self);
            char *text = g_getenv ("FITTAPE_DEBUG_STALLS")
                             ? g_strdup_printf ("%s · %.0f samples/s · longest main-loop stall %.1f ms",
                                                state_text (run->state), sps,
                                                (double) self->max_stall_us / 1000.0)
                             : g_strdup_printf ("%s · %d epoch%s · %s samples a second",
                                                state_text (run->state), ft_run_epochs_done (run->engine),
                                                ft_run_epochs_done (run->engine) == 1 ? "" : "s",
                                                ft_format_thousands ((char[32]){ 0 }, 32, (int64_t) sps));
            text[0] = g_ascii_toupper (text[0]);
            set_status (self, text);
            g_free (text);
          }
        update_controls (self);
        screenshot_check (self);
        break;
      }
    }
}

/* The stall monitor: a 4 ms timer; any gap beyond that is time the main loop could not run. */
static gboolean
stall_tick (gpointer data)
{
  FtWindow *self = data;
  gint64 now = g_get_monotonic_time ();
  if (self->last_tick > 0)
    {
      gint64 stall = now - self->last_tick - 4000;
      if (stall > self->max_stall_us && any_active_running (self))
        self->max_stall_us = stall;
      if (stall > 10000 && g_getenv ("FITTAPE_DEBUG_STALLS"))
        g_printerr ("stall %.1f ms after %s\n", stall / 1000.0, self->last_event ? self->last_event : "?");
    }
  self->last_tick = now;
  return G_SOURCE_CONTINUE;
}

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
  ft_run_make_runner (engine, ft_run_next_epochs (engine), NULL, NULL, on_run_event, run);
  g_ptr_array_add (self->active, run);
  add_run_row (self, run);
  g_object_unref (run); /* the store keeps it */
  return run;
}

static void
hide_plotted_runs (FtWindow *self)
{
  for (guint i = 0; i < n_runs (self); i++)
    g_object_set (run_at (self, i), "plotted", FALSE, NULL);
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
          set_status (self, "Ready");
          g_free (msg);
        }
      g_error_free (error);
      update_controls (self);
      /* With --screenshot, the application captures this error page and exits with status 2. */
      return;
    }
  /* A new Train press replaces what the charts show: earlier runs stay in the runs list, unticked, to
   * overlay on demand. */
  hide_plotted_runs (self);
  g_ptr_array_set_size (self->active, 0);
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
  ft_window_network_runs_started (self, job->data->train, job->data->test);
  if (self->active->len > 0) /* the settings the runs start with: those of the press, not later edits */
    ft_window_live_start (self,
                          ft_run_experiment (((FtWindowRun *) g_ptr_array_index (self->active, 0))->engine));
  if (self->active->len == 2)
    ft_plot_model_set_pair (self->plot_model, ((FtWindowRun *) g_ptr_array_index (self->active, 0))->plot_run,
                            ((FtWindowRun *) g_ptr_array_index (self->active, 1))->plot_run);
  self->max_stall_us = 0;
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
  set_status (self, "Training…");
  update_verdict (self);
  update_controls (self);
}

gboolean
ft_window_is_training (FtWindow *self)
{
  return self->prepare != NULL || any_active_running (self);
}

static void
stop_active (FtWindow *self)
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
  hide_error (self);
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
  set_status (self, "Loading the data…");
  ft_window_outline_set (self, FT_OUTLINE_DEFINE_MODEL);
  update_controls (self);
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
    set_status (self, "Paused — Step runs one batch");
  update_controls (self);
}

void
ft_window_step (FtWindow *self)
{
  if (!any_active_running (self))
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
  update_controls (self);
}

void
ft_window_stop (FtWindow *self)
{
  stop_active (self);
  self->paused = false;
  update_controls (self);
}

void
ft_window_reset (FtWindow *self)
{
  stop_active (self);
  /* Clear the charts: the runs stay in the list, unticked. */
  hide_plotted_runs (self);
  g_ptr_array_set_size (self->active, 0);
  self->paused = false;
  ft_tape_inspector_clear (FT_TAPE_INSPECTOR (self->tape_inspector));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  char *status = g_strdup_printf ("Ready — the next Train starts from the weights of seed %" G_GUINT64_FORMAT,
                                  (guint64) self->exp->seed);
  set_status (self, status);
  g_free (status);
  refresh_plots (self);
  update_verdict (self);
  update_controls (self);
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
  ft_run_make_runner (run->engine, to, NULL, NULL, on_run_event, run);
  run->state = FT_RUN_STATE_RUNNING;
  g_object_set (run, "plotted", TRUE, NULL);
  g_ptr_array_set_size (self->active, 0);
  g_ptr_array_add (self->active, run);
  self->paused = false;
  self->max_stall_us = 0;
  ft_runner_set_pace (ft_run_runner (run->engine), self->pace);
  ft_window_live_start (self, ft_run_experiment (run->engine));
  ft_runner_start (ft_run_runner (run->engine));
  char *line = g_strdup_printf ("[%s] continuing from epoch %d to %d", run->name, from, to);
  log_line (self, line);
  g_free (line);
  set_status (self, "Training…");
  update_run_row (run);
  update_controls (self);
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
  ft_confusion_view_compute (FT_CONFUSION_VIEW (self->confusion_view), ft_run_experiment (run->engine),
                             run->data->train, run->data->test ? run->data->test : run->data->train, w, n);
  g_free (w);
  GString *s = g_string_new (NULL);
  g_string_printf (s, "[%s] Test (%s): ", run->name, run->data->test ? "test set" : "training data");
  ft_logs_format (logs, s);
  log_line (self, s->str);
  ft_window_toast (self, s->str);
  g_string_free (s, TRUE);
  update_run_row (run);
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
  add_run_row (self, run);
  g_object_unref (run); /* the store keeps it */
}

/* ---- experiment and panels ---- */

void
ft_window_refresh_code (FtWindow *self)
{
  if (self->code_view && self->exp)
    ft_code_view_set_experiment (FT_CODE_VIEW (self->code_view), self->exp, self->mode);
}

static void
on_panel_changed (gpointer panel, FtWindow *self)
{
  hide_error (self);
  ft_window_refresh_code (self);
  ft_window_checklist_sync (self);
  update_controls (self);
  /* The Network view's controls show the edit (a learning rate set on the Compile page). */
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), self->exp);
  ft_window_live_edited (self);
}

static void
on_data_loaded (FtDatasetPanel *panel, FtWindow *self)
{
  const FtDataset *ds = ft_dataset_panel_get_dataset (panel);
  if (ds)
    ft_model_editor_set_data_shape (self->model_editor, ds->ndim, ds->shape, ds->n_classes);
  if (self->view_by_data && ds != NULL)
    ft_window_show_view (self, ds->sample_size == 2 && ds->features != NULL ? "network" : "curves");
  ft_window_network_show_experiment (self);
}

void
ft_window_refresh_panels (FtWindow *self)
{
  ft_dataset_panel_set_experiment (self->dataset_panel, self->exp);
  ft_model_editor_set_experiment (self->model_editor, self->exp);
  ft_compile_panel_set_experiment (self->compile_panel, self->exp);
  ft_training_panel_set_experiment (self->training_panel, self->exp);
  ft_training_panel_set_mode (self->training_panel, self->mode);
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), self->exp);
  gtk_label_set_text (self->lesson_title, self->exp->title ? self->exp->title : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lesson_title), self->exp->title);
  gtk_label_set_text (self->lesson_label, self->exp->notes ? self->exp->notes : "");
  gtk_widget_set_visible (GTK_WIDGET (self->notes_button), self->exp->notes != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->notes_revealer), self->exp->notes != NULL);
  gtk_window_set_title (GTK_WINDOW (self), self->exp->title ? self->exp->title : "FitTape");
  ft_window_checklist_sync (self);
  ft_window_apply_lesson (self);
  ft_window_refresh_code (self);
}

void
ft_window_set_experiment (FtWindow *self, const FtExperiment *exp)
{
  FtExperiment *copy = ft_experiment_copy (exp);
  /* Panels hold a borrowed pointer: detach them before the old experiment goes. */
  ft_dataset_panel_set_experiment (self->dataset_panel, NULL);
  ft_model_editor_set_experiment (self->model_editor, NULL);
  ft_compile_panel_set_experiment (self->compile_panel, NULL);
  ft_training_panel_set_experiment (self->training_panel, NULL);
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), NULL);
  ft_experiment_free (self->exp);
  self->exp = copy;
  self->mode = copy->mode;
  ft_window_refresh_panels (self);
  ft_window_set_mode (self, copy->mode);
}

/* The view an opened experiment starts on: the one it names, else the Network view for 2-D data (the
 * Playground's main view) and the curves for other data; a CSV file's columns are known once loaded
 * (on_data_loaded decides then, unless a view was chosen meanwhile). */
static void
open_on_view (FtWindow *self)
{
  const FtExperiment *e = self->exp;
  if (e->view[0] != '\0')
    ft_window_show_view (self, e->view);
  else if (e->data.source == FT_DATA_PLAYGROUND || e->data.features != 0)
    ft_window_show_view (self, "network");
  else if (e->data.source == FT_DATA_CSV)
    self->view_by_data = true;
  else
    ft_window_show_view (self, "curves");
}

FtExperiment *
ft_window_get_experiment (FtWindow *self)
{
  return self->exp;
}

gboolean
ft_window_open_experiment (FtWindow *self, const char *path, GError **error)
{
  GError *local = NULL;
  FtExperiment *exp = ft_experiment_load (path, &local);
  if (exp == NULL)
    {
      char *msg = g_strdup_printf ("Cannot open the experiment: %s", local->message);
      ft_window_show_error (self, msg);
      g_free (msg);
      g_propagate_error (error, local);
      return FALSE;
    }
  ft_window_set_experiment (self, exp);
  ft_experiment_free (exp);
  open_on_view (self);
  g_settings_set_string (self->settings, "last-experiment", path);
  ft_window_set_pace (self, 0); /* a lesson starts at full speed, whatever the last one ended at */
  return TRUE;
}

void
ft_window_set_mode (FtWindow *self, FtRunMode mode)
{
  self->mode = mode;
  if (self->exp)
    self->exp->mode = mode;
  ft_training_panel_set_mode (self->training_panel, mode);
  ft_window_checklist_sync (self);
  ft_window_refresh_code (self);
  update_verdict (self);
  ft_window_layout_apply (self);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  if (action)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (ft_run_mode_name (mode)));
}

FtRunMode
ft_window_get_mode (FtWindow *self)
{
  return self->mode;
}

double
ft_window_get_pace (FtWindow *self)
{
  return self->pace;
}

void
ft_window_set_pace (FtWindow *self, double batches_per_second)
{
  self->pace = CLAMP (batches_per_second, 0.0, 1000.0);
  ft_window_pace_sync (self);
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING)
        ft_runner_set_pace (ft_run_runner (run->engine), self->pace);
    }
}

gboolean
ft_window_show_view (FtWindow *self, const char *name)
{
  if (gtk_stack_get_child_by_name (self->view_stack, name) == NULL)
    return FALSE;
  self->view_by_data = false;
  gtk_stack_set_visible_child_name (self->view_stack, name);
  return TRUE;
}

const char *
ft_window_get_view (FtWindow *self)
{
  g_return_val_if_fail (FT_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->view_stack);
}

/* ---- presentation and zoom ---- */

void
ft_window_set_zoom (FtWindow *self, double zoom)
{
  self->zoom = CLAMP (zoom, 0.5, 3.0);
  char *css = g_strdup_printf ("window.ft-window { font-size: %.0f%%; }", self->zoom * 100.0);
  gtk_css_provider_load_from_data (self->zoom_provider, css, -1);
  g_free (css);
}

/* ---- screenshots ---- */

static gboolean save_widget_png (GtkWidget *widget, const char *png_path, GError **error);

gboolean
ft_window_save_screenshot (FtWindow *self, const char *png_path, GError **error)
{
  return save_widget_png (GTK_WIDGET (self), png_path, error);
}

static gboolean
save_widget_png (GtkWidget *widget, const char *png_path, GError **error)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  gboolean ok = FALSE;
  if (node == NULL || !gtk_widget_get_mapped (widget))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING, "the window has not been drawn yet");
      g_clear_pointer (&node, gsk_render_node_unref);
    }
  else
    {
      GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
      GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
      char *tmp = g_strdup_printf ("%s.tmp", png_path);
      ok = gdk_texture_save_to_png (texture, tmp) && g_rename (tmp, png_path) == 0;
      if (!ok)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", png_path);
      g_free (tmp);
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  return ok;
}

/* The screenshot could not be made: the program exits non-zero (the application is told now, while the
 * window still belongs to it). */
static void
screenshot_failed (FtWindow *self)
{
  self->screenshot_failed = true;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  if (FT_IS_APPLICATION (app))
    ft_application_fail (FT_APPLICATION (app), 1);
}

static void
screenshot_finish (FtWindow *self)
{
  g_clear_handle_id (&self->screenshot_ledger_source, g_source_remove);
  if (self->screenshot_timeout)
    {
      g_source_remove (self->screenshot_timeout);
      self->screenshot_timeout = 0;
    }
  if (self->screenshot_paint_handler)
    {
      g_signal_handler_disconnect (gtk_widget_get_frame_clock (GTK_WIDGET (self)),
                                   self->screenshot_paint_handler);
      self->screenshot_paint_handler = 0;
    }
  stop_active (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void on_after_paint (GdkFrameClock *clock, FtWindow *self);

/* --ledger: wait until the dialog is on screen with its full pass, two ticks more for the frame that shows
 * it, then save the dialog. */
static gboolean
ledger_shot_tick (gpointer data)
{
  FtWindow *self = data;
  GtkWidget *view = self->ledger_view;
  if (view == NULL)
    {
      g_printerr ("fittape: no screenshot: the ledger did not open (no such run, epoch or key)\n");
      self->screenshot_ledger_source = 0;
      screenshot_failed (self);
      screenshot_finish (self);
      return G_SOURCE_REMOVE;
    }
  const char *pass = ft_ledger_view_get_text (FT_LEDGER_VIEW (view), 0, "full-pass");
  bool ready = gtk_widget_get_mapped (view) && (pass == NULL || strstr (pass, "…") == NULL);
  if (!ready || ++self->screenshot_ledger_ticks < 3)
    {
      gtk_widget_queue_draw (view);
      return G_SOURCE_CONTINUE;
    }
  GError *error = NULL;
  if (save_widget_png (view, self->screenshot_path, &error))
    g_print ("screenshot: %s (the ledger of %s, epoch %d)\n", self->screenshot_path,
             self->screenshot_ledger_key, self->screenshot_ledger_epoch + 1);
  else
    {
      g_printerr ("fittape: no screenshot: %s\n", error->message);
      g_error_free (error);
      screenshot_failed (self);
    }
  self->screenshot_ledger_source = 0;
  screenshot_finish (self);
  return G_SOURCE_REMOVE;
}

void
ft_window_screenshot_ledger (FtWindow *self, const char *key, int epoch)
{
  g_free (self->screenshot_ledger_key);
  self->screenshot_ledger_key = g_strdup (key);
  self->screenshot_ledger_epoch = epoch;
}

static void
take_screenshot (FtWindow *self)
{
  GError *error = NULL;
  if (self->screenshot_ledger_key != NULL && self->active->len > 0)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, 0);
      ft_window_show_ledger (self, run->plot_run, self->screenshot_ledger_epoch, self->screenshot_ledger_key);
      if (self->screenshot_ledger_source == 0)
        self->screenshot_ledger_source = g_timeout_add (100, ledger_shot_tick, self);
      return;
    }
  if (!ft_window_save_screenshot (self, self->screenshot_path, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      /* Not on screen yet: wait for a frame that is (the 30 s timeout bounds this). */
      g_error_free (error);
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
      if (clock && self->screenshot_paint_handler == 0)
        self->screenshot_paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint),
                                                           self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  if (error != NULL)
    {
      g_printerr ("fittape: no screenshot: %s\n", error->message);
      g_error_free (error);
      screenshot_failed (self);
    }
  else
    {
      g_print ("screenshot: %s\n", self->screenshot_path);
      g_print ("{\"samples_per_second\": %.0f, \"max_main_loop_stall_ms\": %.2f, \"runs\": %u}\n",
               ft_window_get_samples_per_second (self), (double) self->max_stall_us / 1000.0,
               self->active->len);
    }
  screenshot_finish (self);
}

static gboolean
take_screenshot_idle (gpointer data)
{
  take_screenshot (data);
  return G_SOURCE_REMOVE;
}

/* A frame has been painted since the runs reached their epochs: that frame shows them. */
static void
on_after_paint (GdkFrameClock *clock, FtWindow *self)
{
  if (self->redraw_source != 0)
    return; /* a throttled chart redraw is still to come: wait for the frame that carries it */
  /* The side panel still sliding in or out (it closes when the window folds it at the start): wait for
   * the frame where it has arrived, or the picture shows it half-way over the charts. */
  double target = adw_flap_get_reveal_flap (self->flap) ? 1.0 : 0.0;
  if (fabs (adw_flap_get_reveal_progress (self->flap) - target) > 1e-3)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  g_signal_handler_disconnect (clock, self->screenshot_paint_handler);
  self->screenshot_paint_handler = 0;
  g_idle_add_full (G_PRIORITY_HIGH_IDLE, take_screenshot_idle, self, NULL);
}

static gboolean
screenshot_timed_out (gpointer data)
{
  FtWindow *self = data;
  self->screenshot_timeout = 0;
  g_printerr ("fittape: no screenshot: nothing was drawn within 30 s of %s\n",
              self->screenshot_taken ? "the requested epochs" : "the start");
  screenshot_failed (self);
  screenshot_finish (self);
  return G_SOURCE_REMOVE;
}

static void
screenshot_check (FtWindow *self)
{
  if (self->screenshot_path == NULL || self->screenshot_taken || self->active->len == 0)
    return;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING && ft_run_epochs_done (run->engine) < self->screenshot_after)
        return;
    }
  self->screenshot_taken = true;
  /* Pause the runs so the picture shows the state at the epoch, bring the charts up to date, and take the
   * picture after the next frame has been painted (at most 30 s from now). */
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING)
        ft_runner_pause (ft_run_runner (run->engine));
    }
  if (self->redraw_source)
    {
      g_source_remove (self->redraw_source);
      self->redraw_source = 0;
    }
  refresh_plots (self);
  if (self->screenshot_timeout)
    g_source_remove (self->screenshot_timeout);
  self->screenshot_timeout = g_timeout_add_seconds (30, screenshot_timed_out, self);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (clock == NULL)
    return; /* not mapped yet: the timeout reports it */
  self->screenshot_paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ft_window_screenshot_after_epochs (FtWindow *self, const char *png_path, int epochs)
{
  g_free (self->screenshot_path);
  self->screenshot_path = g_strdup (png_path);
  self->screenshot_after = epochs > 0 ? epochs : 1;
  self->screenshot_taken = false;
  self->screenshot_failed = false;
}

gboolean
ft_window_get_screenshot_failed (FtWindow *self)
{
  return self->screenshot_failed;
}

/* ---- test accessors ---- */

guint
ft_window_get_n_runs (FtWindow *self)
{
  return n_runs (self);
}

const char *
ft_window_get_run_name (FtWindow *self, guint i)
{
  FtWindowRun *run = run_at (self, i);
  return run ? run->name : NULL;
}

int
ft_window_get_run_plot_id (FtWindow *self, guint i)
{
  FtWindowRun *run = run_at (self, i);
  return run ? run->plot_run : 0;
}

int
ft_window_get_run_epochs (FtWindow *self, guint i)
{
  FtWindowRun *run = run_at (self, i);
  return run ? ft_run_epochs_done (run->engine) : -1;
}

int
ft_window_get_run_plot_points (FtWindow *self, guint i, int *epoch_points)
{
  FtWindowRun *run = run_at (self, i);
  if (epoch_points)
    *epoch_points = run ? ft_plot_model_get_n_epochs (self->plot_model, run->plot_run) : 0;
  return run ? ft_plot_model_get_n_batches (self->plot_model, run->plot_run) : 0;
}

char *
ft_window_get_run_history_csv (FtWindow *self, guint i)
{
  FtWindowRun *run = run_at (self, i);
  return run ? ft_history_to_csv (ft_run_history (run->engine), ',') : NULL;
}

int
ft_window_get_run_state (FtWindow *self, guint i)
{
  FtWindowRun *run = run_at (self, i);
  return run ? (int) run->state : -1;
}

gint64
ft_window_get_max_stall_us (FtWindow *self)
{
  return self->max_stall_us;
}

double
ft_window_get_samples_per_second (FtWindow *self)
{
  double total = 0;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->seconds > 0)
        total += (double) run->samples / run->seconds;
    }
  return total;
}

int
ft_window_get_n_plotted_runs (FtWindow *self)
{
  int n = 0;
  for (int i = 0; i < ft_plot_model_get_n_runs (self->plot_model); i++)
    n += ft_plot_model_get_run_visible (self->plot_model, ft_plot_model_get_run_id (self->plot_model, i));
  return n;
}

GtkWidget *
ft_window_get_verdict_bar (FtWindow *self)
{
  return self->verdict_bar;
}

GSettings *
ft_window_get_settings (FtWindow *self)
{
  return self->settings;
}

GtkWidget *
ft_window_get_plot_view (FtWindow *self, gboolean accuracy)
{
  return accuracy ? self->acc_view : self->loss_view;
}

/* ---- GObject ---- */

static void
on_error_close (GtkButton *button, FtWindow *self)
{
  hide_error (self);
}

static void
ft_window_dispose (GObject *object)
{
  FtWindow *self = FT_WINDOW (object);
  ft_window_remove_view_settings (self);
  if (self->prepare)
    g_cancellable_cancel (self->prepare);
  g_clear_object (&self->prepare);
  if (self->stall_source)
    {
      g_source_remove (self->stall_source);
      self->stall_source = 0;
    }
  if (self->redraw_source)
    {
      g_source_remove (self->redraw_source);
      self->redraw_source = 0;
    }
  if (self->screenshot_timeout)
    {
      g_source_remove (self->screenshot_timeout);
      self->screenshot_timeout = 0;
    }
  if (self->screenshot_paint_handler)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
      if (clock)
        g_signal_handler_disconnect (clock, self->screenshot_paint_handler);
      self->screenshot_paint_handler = 0;
    }
  if (self->runs)
    {
      /* Stop every runner before anything they point to goes. */
      for (guint i = 0; i < n_runs (self); i++)
        {
          FtWindowRun *run = run_at (self, i);
          ft_run_stop (run->engine);
          run->window = NULL; /* an evaluation still running keeps its run, not the window */
        }
      g_ptr_array_set_size (self->active, 0);
      self->decision_run = NULL;
      self->network_run = NULL;
      g_list_store_remove_all (self->runs);
      g_clear_object (&self->runs);
    }
  if (self->dataset_panel)
    {
      ft_dataset_panel_set_experiment (self->dataset_panel, NULL);
      ft_model_editor_set_experiment (self->model_editor, NULL);
      ft_compile_panel_set_experiment (self->compile_panel, NULL);
      ft_training_panel_set_experiment (self->training_panel, NULL);
      ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), FT_TYPE_WINDOW);
  G_OBJECT_CLASS (ft_window_parent_class)->dispose (object);
}

static void
ft_window_finalize (GObject *object)
{
  FtWindow *self = FT_WINDOW (object);
  g_clear_pointer (&self->active, g_ptr_array_unref);
  g_clear_pointer (&self->lesson_hidden, g_ptr_array_unref);
  ft_plot_model_free (self->plot_model);
  ft_experiment_free (self->exp);
  g_free (self->screenshot_ledger_key);
  g_free (self->screenshot_path);
  g_clear_object (&self->zoom_provider);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ft_window_parent_class)->finalize (object);
}

/* The window's size is remembered between sessions. */
static gboolean
ft_window_close_request (GtkWindow *window)
{
  FtWindow *self = FT_WINDOW (window);
  int w, h;
  gtk_window_get_default_size (window, &w, &h);
  if (w > 0 && h > 0)
    {
      g_settings_set_int (self->settings, "window-width", w);
      g_settings_set_int (self->settings, "window-height", h);
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (ft_window_parent_class)->close_request (window);
}

static void
ft_window_class_init (FtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_window_dispose;
  object_class->finalize = ft_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = ft_window_close_request;
  g_type_ensure (FT_TYPE_DATASET_PANEL);
  g_type_ensure (FT_TYPE_MODEL_EDITOR);
  g_type_ensure (FT_TYPE_COMPILE_PANEL);
  g_type_ensure (FT_TYPE_TRAINING_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/fittape/FitTape/ui/window.ui");
  gtk_widget_class_bind_template_child (widget_class, FtWindow, panel_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, panel_stack);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, dataset_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, model_editor);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, compile_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, training_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_close);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lesson_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lesson_title);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, notes_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, notes_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_popover);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_list);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, top_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, verdict_slot);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, main_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, checklist_scroll);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, status_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, plot_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, outline_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, checklist_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, code_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, tape_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, errors_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, pace_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, mode_box);
  gtk_widget_class_bind_template_child_full (widget_class, "mode_fit", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "mode_tape", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "mode_both", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[2]));
  gtk_widget_class_bind_template_child (widget_class, FtWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, runs_list);
  ft_window_install_actions (widget_class);
  ft_window_ledger_install_actions (widget_class);
  ft_window_lessons_class_init (widget_class);
  ft_window_layout_class_init (widget_class);
}

/* The app's settings: the installed schema, or the one compiled in the build directory when FitTape runs
 * uninstalled (.ci/start, tests). */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema = source ? g_settings_schema_source_lookup (source, "org.fittape.FitTape", TRUE)
                                   : NULL;
  if (schema == NULL)
    {
      GSettingsSchemaSource *local = g_settings_schema_source_new_from_directory (FITTAPE_BUILD_SCHEMA_DIR,
                                                                                  source, FALSE, NULL);
      if (local)
        {
          schema = g_settings_schema_source_lookup (local, "org.fittape.FitTape", FALSE);
          g_settings_schema_source_unref (local);
        }
    }
  if (schema == NULL)
    g_error ("the GSettings schema org.fittape.FitTape is not installed");
  GSettings *settings = g_settings_new_full (schema, NULL, NULL);
  g_settings_schema_unref (schema);
  return settings;
}

static void
ft_window_init (FtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "ft-window");
  ft_window_certify_probe (self); /* "Certify Against Keras…" once Python imports TensorFlow */
  self->settings = settings_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  self->runs = g_list_store_new (FT_TYPE_WINDOW_RUN);
  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (self->runs), ft_window_run_create_row, NULL, NULL);
  self->lesson_hidden = g_ptr_array_new_with_free_func (g_object_unref);
  self->active = g_ptr_array_new ();
  self->plot_model = ft_plot_model_new ();
  ft_plot_model_set_difference_lane (self->plot_model, true);
  self->loss_view = ft_plot_view_new (self->plot_model, FT_PLOT_LOSS);
  self->acc_view = ft_plot_view_new (self->plot_model, FT_PLOT_ACCURACY);
  gtk_box_append (self->plot_box, self->loss_view);
  gtk_box_append (self->plot_box, self->acc_view);
  ft_window_ledger_init (self);
  self->verdict_bar = ft_verdict_bar_new ();
  gtk_widget_set_visible (self->verdict_bar, FALSE);
  gtk_box_append (self->verdict_slot, self->verdict_bar);
  self->zoom_provider = gtk_css_provider_new ();
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                              GTK_STYLE_PROVIDER (self->zoom_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  self->zoom = 1.0;
  g_signal_connect (self->error_close, "clicked", G_CALLBACK (on_error_close), self);
  g_signal_connect (self->dataset_panel, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->dataset_panel, "data-loaded", G_CALLBACK (on_data_loaded), self);
  g_signal_connect (self->model_editor, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->compile_panel, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->training_panel, "changed", G_CALLBACK (on_panel_changed), self);
  self->stall_source = g_timeout_add (4, stall_tick, self);
  ft_window_teaching_init (self);
  ft_window_lessons_init (self);
  ft_window_layout_init (self);
  self->code_view = ft_code_view_new ();
  gtk_widget_set_vexpand (self->code_view, TRUE);
  gtk_box_append (self->code_box, self->code_view);
  self->tape_inspector = ft_tape_inspector_new ();
  gtk_widget_set_vexpand (self->tape_inspector, TRUE);
  gtk_box_append (self->tape_box, self->tape_inspector);
  self->decision_view = ft_decision_view_new ();
  self->confusion_view = ft_confusion_view_new ();
  gtk_widget_set_hexpand (self->confusion_view, TRUE);
  /* The decision regions with the Playground's "Show test data" below them. */
  GtkWidget *decision_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (decision_box, TRUE);
  gtk_widget_set_vexpand (self->decision_view, TRUE);
  gtk_box_append (GTK_BOX (decision_box), self->decision_view);
  GtkWidget *show_test = gtk_check_button_new_with_mnemonic ("Show _test data");
  gtk_widget_set_name (show_test, "show-test-data");
  gtk_widget_set_halign (show_test, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (show_test, "Draw the test set over the decision regions, each point ringed");
  g_object_bind_property (show_test, "active", self->decision_view, "show-test", G_BINDING_BIDIRECTIONAL);
  gtk_box_append (GTK_BOX (decision_box), show_test);
  gtk_box_append (self->errors_box, decision_box);
  gtk_box_append (self->errors_box, self->confusion_view);
  ft_window_network_init (self);

  FtExperiment *exp = ft_experiment_new_default ();
  ft_window_set_experiment (self, exp);
  ft_experiment_free (exp);
  ft_window_layout_apply (self);
  update_controls (self);
}

FtWindow *
ft_window_new (GtkApplication *app)
{
  return g_object_new (FT_TYPE_WINDOW, "application", app, NULL);
}
