/* ft-window-events.c — what the window does with a run's events on the main loop: points into the charts
 * (redrawn at most five times a second, with the status line and progress in the same frame), the log, the
 * verdict of Compare mode (its words at most once a second), the views that follow a run, the end of a run.
 * The time each kind takes goes to the stall monitor (ft-window-stalls.c). */
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

static gboolean throttled_redraw (gpointer data);

/* Whether the verdict bar shows d now. While the runs train in step, its words (a running count of the
 * identical steps) change at most once a second: a label's new text lays the whole window out again, the
 * longest part of the main loop's frames in Compare mode. A parting, and the end of both runs, show at
 * once. */
static bool
verdict_due (FtWindow *self, FtWindowRun *a, FtWindowRun *b, const FtDivergence *d)
{
  const FtDivergence *last = &self->verdict_last;
  if (self->verdict_last_valid && last->diverged == d->diverged && last->complete == d->complete
      && last->epochs_compared == d->epochs_compared && last->steps_compared == d->steps_compared)
    return false; /* the same words: before the first compared step, or after both runs ended */
  gint64 now = g_get_monotonic_time ();
  if ((a->state == FT_RUN_STATE_RUNNING || b->state == FT_RUN_STATE_RUNNING) && !d->diverged
      && d->steps_compared > 0 && now - self->verdict_shown < G_USEC_PER_SEC)
    return false;
  self->verdict_shown = now;
  self->verdict_last = *d;
  self->verdict_last_valid = true;
  self->n_verdict_words++;
  return true;
}

/* Compare mode's difference lane compares every step, not only the batch ends the charts were given (a busy
 * main loop coalesces those, so the two runs' plotted points rarely share a step): each step's loss from
 * the run's fingerprints, those recorded since the last time. Waits for the first batch end, which tells
 * the steps per epoch. */
static void
feed_steps (FtWindow *self, FtWindowRun *run)
{
  FtFingerprints *fps = ft_run_fingerprints (run->engine);
  int n = ft_fingerprints_len (fps), steps = run->progress.steps;
  FtFingerprint fp;
  if (steps <= 0)
    return;
  /* A continued run's records start again at its train begin. */
  if (run->steps_fed > n
      || (run->steps_fed > 0
          && (!ft_fingerprints_get (fps, run->steps_fed - 1, &fp) || fp.epoch != run->fed_epoch
              || fp.batch != run->fed_batch)))
    run->steps_fed = 0;
  for (; run->steps_fed < n && ft_fingerprints_get (fps, run->steps_fed, &fp); run->steps_fed++)
    {
      run->fed_epoch = fp.epoch;
      run->fed_batch = fp.batch;
      if (fp.batch < 0)
        continue; /* an epoch's end */
      run->fed_samples += fp.batch_size;
      ft_plot_model_add_step (self->plot_model, run->plot_run, fp.epoch, fp.batch, steps, run->fed_samples,
                              fp.loss);
    }
}

/* The verdict of Compare mode: the current pair's fingerprints compared so far (the finder reads them
 * under their lock while the runs train). Hidden outside Compare mode. */
void
ft_window_update_verdict (FtWindow *self)
{
  FtVerdictBar *bar = FT_VERDICT_BAR (self->verdict_bar);
  gtk_widget_set_visible (self->verdict_bar, self->mode == FT_MODE_BOTH);
  if (self->active->len != 2)
    {
      if (self->prepare == NULL)
        {
          ft_verdict_bar_reset (bar);
          self->verdict_last_valid = false;
        }
      return;
    }
  FtWindowRun *a = g_ptr_array_index (self->active, 0), *b = g_ptr_array_index (self->active, 1);
  if (ft_run_is_tape (a->engine) || !ft_run_is_tape (b->engine) || ft_run_fingerprints (a->engine) == NULL
      || ft_run_fingerprints (b->engine) == NULL)
    return;
  feed_steps (self, a);
  feed_steps (self, b);
  FtDivergence d;
  ft_divergence_find (ft_run_fingerprints (a->engine), ft_run_fingerprints (b->engine),
                      &ft_run_experiment (b->engine)->steps, &d);
  if (verdict_due (self, a, b, &d))
    ft_verdict_bar_set_divergence (bar, &d);
  /* The charts mark the step (the plot model bumps its serial only when the mark moves). */
  guint64 serial = ft_plot_model_get_serial (self->plot_model);
  ft_plot_model_set_mark (self->plot_model, d.diverged ? a->plot_run : 0, d.epoch, d.batch, "parted");
  if (ft_plot_model_get_serial (self->plot_model) != serial && self->redraw_source == 0)
    self->redraw_source = g_timeout_add (200, throttled_redraw, self);
}

void
ft_window_refresh_plots (FtWindow *self)
{
  ft_plot_view_changed (FT_PLOT_VIEW (self->loss_view));
  ft_plot_view_changed (FT_PLOT_VIEW (self->acc_view));
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
  ft_window_set_status (self, text);
  g_free (text);
}

/* The status line and progress bar follow the latest batch end, at the redraw's pace and in its frame: a
 * frame of their own between two redraws doubled the frames a second (each one a layout and a paint). */
static void
show_pending_progress (FtWindow *self)
{
  FtWindowRun *run = self->progress_run;
  if (run == NULL || !run->progress_pending)
    return;
  run->progress_pending = false;
  update_progress (self, &run->progress, run);
}

static gboolean
throttled_redraw (gpointer data)
{
  FtWindow *self = data;
  gint64 start = ft_window_stalls_cpu_us (), wall = g_get_monotonic_time ();
  self->redraw_source = 0;
  self->n_redraws++;
  ft_window_update_verdict (self);
  ft_window_refresh_plots (self);
  show_pending_progress (self);
  /* A screenshot waits for the frame after this redraw; when the charts had nothing new (an epoch end
   * already brought them up to date) nothing else would ask for that frame. */
  if (self->screenshot_paint_handler != 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  self->last_event = "redraw";
  ft_window_stalls_busy (self, "redraw", start, wall);
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

bool
ft_window_any_active_running (FtWindow *self)
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
on_batch_end (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  ft_window_outline_set (self, FT_OUTLINE_TRAIN);
  highlight_code (self, run, FT_CODE_BATCH_LINE);
  ft_plot_model_add_batch (self->plot_model, run->plot_run, ev->epoch, ev->batch, ev->steps, ev->samples_seen,
                           ev->batch_loss, &ev->logs);
  ft_window_live_poll (self, run, ev);
  run->samples = ev->samples_seen;
  run->seconds = ev->seconds;
  run->progress = *ev; /* for the status line, at the next redraw */
  run->progress.message = NULL;
  run->progress.snapshot = NULL;
  run->progress.weights = NULL;
  run->progress_pending = true;
  self->progress_run = run;
  refresh_plots_soon (self);
}

static void
on_epoch_end (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  ft_window_outline_set (self,
                         ft_run_experiment (run->engine)->steps.validate || !ft_run_is_tape (run->engine)
                             ? FT_OUTLINE_VALIDATE
                             : FT_OUTLINE_LOOP);
  highlight_code (self, run, FT_CODE_EPOCH_END);
  ft_plot_model_add_epoch (self->plot_model, run->plot_run, ev->epoch, ev->samples_seen, &ev->logs);
  bool views_have_weights = ft_window_live_poll (self, run, ev);
  if (ft_run_lanes (run->engine) != NULL)
    ft_plot_model_set_callback_lanes (self->plot_model, run->plot_run, ft_run_lanes (run->engine));
  run->samples = ev->samples_seen;
  run->seconds = ev->seconds;
  run->progress_pending = false; /* the epoch's end is newer */
  GString *s = g_string_new (NULL);
  g_string_printf (s, "[%s] Epoch %d/%d - %.1fs - ", run->name, ev->epoch + 1, ev->epochs, ev->seconds);
  ft_logs_format (&ev->logs, s);
  ft_window_log_line (self, s->str);
  g_string_free (s, TRUE);
  update_progress (self, ev, run);
  ft_window_update_run_row (run);
  refresh_plots_soon (self); /* a Playground epoch can take a millisecond: throttled too */
  ft_window_update_verdict (self);
  if (!views_have_weights) /* else a live change of the inputs rebuilt the views with these weights */
    {
      if (run == self->decision_run && ev->weights != NULL)
        ft_decision_view_update_weights (FT_DECISION_VIEW (self->decision_view), ev->weights, ev->n_weights);
      ft_window_network_epoch_end (self, run, ev);
    }
  ft_window_screenshot_check (self);
}

/* The last run has ended: the outline and pause off, and the status says how it went. */
static void
show_all_ended (FtWindow *self, FtWindowRun *run)
{
  ft_window_outline_set (self, -1);
  self->paused = false;
  double sps = ft_window_get_samples_per_second (self);
  char *text = g_getenv ("FITTAPE_DEBUG_STALLS")
                   ? g_strdup_printf ("%s · %.0f samples/s · longest main-loop stall %.1f ms",
                                      ft_window_run_state_text (run->state), sps,
                                      (double) self->max_stall_us / 1000.0)
                   : g_strdup_printf ("%s · %d epoch%s · %s samples a second",
                                      ft_window_run_state_text (run->state), ft_run_epochs_done (run->engine),
                                      ft_run_epochs_done (run->engine) == 1 ? "" : "s",
                                      ft_format_thousands ((char[32]){ 0 }, 32, (int64_t) sps));
  text[0] = g_ascii_toupper (text[0]);
  ft_window_set_status (self, text);
  g_free (text);
  ft_window_stalls_print (self);
}

/* A run finished, was stopped or failed: its state, lanes and verdict, a line in the log (and the error
 * shown when it failed); Train again when a restart waits for it. */
static void
on_run_ended (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  run->state = ev->kind == FT_RUN_EVENT_FINISHED  ? FT_RUN_STATE_FINISHED
               : ev->kind == FT_RUN_EVENT_STOPPED ? FT_RUN_STATE_STOPPED
                                                  : FT_RUN_STATE_FAILED;
  run->progress_pending = false; /* the status line says how it ended */
  if (self->progress_run == run)
    self->progress_run = NULL;
  ft_window_live_poll (self, run, ev);
  refresh_plots_soon (self);
  if (ft_run_lanes (run->engine) != NULL) /* the restore is decided at train end */
    {
      ft_plot_model_set_callback_lanes (self->plot_model, run->plot_run, ft_run_lanes (run->engine));
      refresh_plots_soon (self);
    }
  ft_window_update_verdict (self);
  char *line = ev->kind == FT_RUN_EVENT_FAILED
                   ? g_strdup_printf ("[%s] training failed: %s", run->name, ev->message)
                   : g_strdup_printf ("[%s] %s after %d epoch%s", run->name,
                                      ft_window_run_state_text (run->state), ft_run_epochs_done (run->engine),
                                      ft_run_epochs_done (run->engine) == 1 ? "" : "s");
  ft_window_log_line (self, line);
  if (ev->kind == FT_RUN_EVENT_FAILED)
    ft_window_show_error (self, line);
  g_free (line);
  ft_window_update_run_row (run);
  if (!ft_window_any_active_running (self) && self->restart_pending)
    {
      self->restart_pending = false;
      ft_window_update_controls (self);
      ft_window_train (self);
      return;
    }
  if (!ft_window_any_active_running (self))
    show_all_ended (self, run);
  ft_window_update_controls (self);
  ft_window_screenshot_check (self);
}

/* A line in the log for a run: "[name] text". */
static void
log_run_line (FtWindow *self, FtWindowRun *run, const char *text)
{
  char *line = g_strdup_printf ("[%s] %s", run->name, text);
  ft_window_log_line (self, line);
  g_free (line);
}

static void handle_event (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev);

void
ft_window_on_run_event (const FtRunEvent *ev, void *user_data)
{
  FtWindowRun *run = user_data;
  FtWindow *self = run->window;
  self->last_event = ft_run_event_kind_name (ev->kind);
  gint64 start = ft_window_stalls_cpu_us (), wall = g_get_monotonic_time ();
  handle_event (self, run, ev);
  ft_window_stalls_busy (self, self->last_event, start, wall);
}

static void
handle_event (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  switch (ev->kind)
    {
    case FT_RUN_EVENT_BATCH_END:
      on_batch_end (self, run, ev);
      break;
    case FT_RUN_EVENT_EPOCH_END:
      on_epoch_end (self, run, ev);
      break;
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
      {
        char *text = g_strdup_printf ("checkpoint saved: %s", ev->message);
        log_run_line (self, run, text);
        g_free (text);
        break;
      }
    case FT_RUN_EVENT_EARLY_STOP:
      {
        char *text = g_strdup_printf ("Epoch %d: early stopping", ev->epoch + 1);
        log_run_line (self, run, text);
        g_free (text);
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
      on_run_ended (self, run, ev);
      break;
    }
}
