/* ft-window-layout.c — how the window arranges itself: on a desk, the checklist is a column beside the
 * views and the epoch log and runs list sit under them; on a projector (presentation mode, designed for
 * 1024×768, 1280×720 and 1920×1080) the charts get the room: the side panel, the lesson's notes, the log
 * and the runs list fold away (each one click from coming back), the checklist becomes a strip under the
 * charts, the text grows to at least the title bar's size, and in Compare mode the verdict above the charts
 * takes the place of the six-step outline (two runs at once light no single step). Also the name a run has in
 * the charts: its role. */
#include "window/ft-window-private.h"

#include <string.h>

/* Below this height a desk window folds the epoch log and the runs list away too (one click brings them
 * back): the charts need the rows more. */
#define SHORT_WINDOW 800

static bool
is_short (FtWindow *self)
{
  int w = 0, h = 0; /* (4.8 wants both pointers) */
  gtk_window_get_default_size (GTK_WINDOW (self), &w, &h);
  return h > 0 && h < SHORT_WINDOW;
}

void
ft_window_layout_apply (FtWindow *self)
{
  bool on = self->presentation;
  self->layout_short = is_short (self);
  /* The checklist: a strip under the charts, or a column beside them. */
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->main_row),
                                  on ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_spacing (self->main_row, on ? 6 : 12);
  ft_window_checklist_set_strip (self, on);
  ft_window_checklist_sync (self);
  /* What a class need not see all the time folds away; the buttons bring it back. */
  gtk_toggle_button_set_active (self->log_button, !on && !self->layout_short);
  gtk_toggle_button_set_active (self->notes_button, !on);
  gtk_box_set_spacing (self->content_box, on ? 4 : 6);
  gtk_widget_set_visible (GTK_WIDGET (self->outline_box), !(on && self->mode == FT_MODE_BOTH));
}

/* A folded side panel would lie over the charts: it starts closed, one click (F9) from opening. AdwFlap
 * reveals its flap again when it unfolds (a growing window): not on a projector. */
static void
on_flap_folded (AdwFlap *flap, GParamSpec *pspec, FtWindow *self)
{
  if (adw_flap_get_folded (flap) || self->presentation)
    adw_flap_set_reveal_flap (flap, FALSE);
}

/* The window crossed the short-window line: fold or unfold the log (only then, so that the buttons keep
 * what the user chose). */
static void
on_height_changed (GtkWindow *window, GParamSpec *pspec, FtWindow *self)
{
  if (is_short (self) != self->layout_short)
    ft_window_layout_apply (self);
}

static void
action_toggle_log (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  gtk_toggle_button_set_active (self->log_button, !gtk_toggle_button_get_active (self->log_button));
}

void
ft_window_layout_class_init (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "win.log", NULL, action_toggle_log);
}

void
ft_window_layout_init (FtWindow *self)
{
  g_signal_connect (self->flap, "notify::folded", G_CALLBACK (on_flap_folded), self);
  g_signal_connect (self, "notify::default-height", G_CALLBACK (on_height_changed), self);
}

void
ft_window_set_presentation (FtWindow *self, gboolean on)
{
  self->presentation = on;
  if (on)
    gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
  g_object_set (self->loss_view, "presentation", on, NULL);
  g_object_set (self->acc_view, "presentation", on, NULL);
  /* At projector sizes the header bar's three long mode names alone made the window wider than a
   * 1024-pixel screen: shorter ones there (the tooltips keep the long story). */
  static const char *const desk[3] = { "model.fit()", "GradientTape loop", "Compare both" };
  static const char *const projector[3] = { "fit()", "Tape loop", "Both" };
  for (int i = 0; i < 3; i++)
    gtk_button_set_label (self->mode_buttons[i], on ? projector[i] : desk[i]);
  if (on)
    adw_flap_set_reveal_flap (self->flap, FALSE);
  ft_window_layout_apply (self);
}

/* "fit", "tape", or the altered tape loop named by what is off: "tape − shuffle", "tape − shuffle −
 * validate". Steps that cannot do anything in this experiment (no callback to follow, no validation
 * data) do not count. */
char *
ft_window_run_role (const FtExperiment *exp, bool tape)
{
  if (!tape)
    return g_strdup ("fit");
  static const char *const short_names[8] = {
    "batching", "shuffle", "split", "validation", "metric reset", "early stopping", "checkpoints", "progress",
  };
  bool has_es = false, has_ck = false;
  for (int i = 0; i < exp->n_callbacks; i++)
    {
      has_es |= exp->callbacks[i].kind == FT_CALLBACK_EARLY_STOPPING;
      has_ck |= exp->callbacks[i].kind == FT_CALLBACK_MODEL_CHECKPOINT;
    }
  GString *s = g_string_new ("tape");
  int off = 0;
  for (int i = 0; i < 8 && i < ft_loop_n_steps (); i++)
    {
      FtLoopSteps steps = exp->steps;
      if (*ft_loop_step_flag (&steps, i))
        continue;
      if ((i == 2 || i == 3) && exp->fit.validation_split <= 0)
        continue;
      if ((i == 5 && !has_es) || (i == 6 && !has_ck) || i == 7)
        continue; /* progress printing changes no number */
      if (off == 2)
        {
          g_string_append (s, " − …");
          break;
        }
      g_string_append_printf (s, " − %s", short_names[i]);
      off++;
    }
  return g_string_free (s, FALSE);
}
