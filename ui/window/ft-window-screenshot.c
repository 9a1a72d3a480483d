/* ft-window-screenshot.c — --screenshot: the window (or a ledger) saved as a PNG after some epochs, or
 * the error page at once; and ft_window_save_screenshot for tests. */
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

void
ft_window_screenshot_finish (FtWindow *self)
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
  ft_window_stop_active (self);
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
      ft_window_screenshot_finish (self);
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
  ft_window_screenshot_finish (self);
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
      ft_window_stalls_print (self);
    }
  ft_window_screenshot_finish (self);
}

static gboolean
take_screenshot_idle (gpointer data)
{
  take_screenshot (data);
  return G_SOURCE_REMOVE;
}

/* A view in the picture that still computes (a hidden one keeps its work until it is shown). */
static bool
shown_and_busy (GtkWidget *view, gboolean busy)
{
  return busy && gtk_widget_get_mapped (view);
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
  /* The views on screen that compute off the main loop (the network's maps and prediction, the decision
   * regions, the confusion matrix) still working on the paused weights: wait for the frame that shows their
   * result, or the picture shows an earlier epoch's prediction beside this epoch's charts (lesson 6 after 2
   * epochs in presentation mode: a band where the model already draws the disc). */
  if (shown_and_busy (self->network_view, ft_network_view_is_busy (FT_NETWORK_VIEW (self->network_view)))
      || shown_and_busy (self->decision_view,
                         ft_decision_view_is_busy (FT_DECISION_VIEW (self->decision_view)))
      || shown_and_busy (self->confusion_view,
                         ft_confusion_view_is_busy (FT_CONFUSION_VIEW (self->confusion_view))))
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
  ft_window_screenshot_finish (self);
  return G_SOURCE_REMOVE;
}

void
ft_window_screenshot_check (FtWindow *self)
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
  /* The verdict's words too, whenever they last changed (at most once a second while the runs train): the
   * picture shows them at the same epoch as the charts. */
  self->verdict_shown = 0;
  ft_window_update_verdict (self);
  ft_window_refresh_plots (self);
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
