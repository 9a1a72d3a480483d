/* ft-window-teaching.c — the teaching aids around the charts: the six-step outline of a training
 * program with the current step lit, the "what fit() does for you" checklist (Compare mode: unticking a
 * responsibility re-runs the tape loop without that step), the pace control for step-through teaching,
 * and the controls a lesson file hides. */
#include "window/ft-window-private.h"

#include <string.h>

/* Short labels (the strip must fit beside the side panel), the full step in the tooltip. */
static const char *const outline_names[6] = {
  "1 · Model", "2 · Compile", "3 · Loop", "4 · Train", "5 · Validate", "6 · Evaluate",
};
static const char *const outline_tooltips[6] = {
  "Define the model: keras.Sequential([...])",
  "The optimizer, the loss and the metrics",
  "The loop over epochs and batches",
  "Train: forward under the tape, gradients, optimizer.apply",
  "Validate: a pass over the validation data with training=False",
  "Evaluate on the test set",
};

void
ft_window_outline_set (FtWindow *self, int step)
{
  for (int i = 0; i < 6; i++)
    {
      if (i == step)
        gtk_widget_add_css_class (self->outline_steps[i], "current");
      else
        gtk_widget_remove_css_class (self->outline_steps[i], "current");
    }
}

/* What fit() does, in the tape loop's terms: each item is one of the loop's switchable steps. The short
 * label is the presentation strip's. */
static const struct
{
  const char *label;
  const char *short_label;
  const char *tooltip;
} responsibilities[8] = {
  { "Batches the data", "Batches", "dataset.batch(batch_size) — without it: one full-batch step per epoch" },
  { "Shuffles every epoch", "Shuffles",
    "dataset.shuffle(…) each epoch — without it: the same order every epoch" },
  { "Splits off validation data", "Splits", "the last validation_split of the samples, before shuffling" },
  { "Validates every epoch", "Validates",
    "a pass over the validation data with training=False — without it: no val_ curves" },
  { "Resets the metrics", "Resets metrics",
    "metric.reset_state() each epoch — without it: accuracy accumulates across epochs" },
  { "Stops early", "Stops early", "EarlyStopping: the \"still improving?\" check you would write by hand" },
  { "Saves checkpoints", "Checkpoints", "ModelCheckpoint: saving the weights you would write by hand" },
  { "Reports progress", "Reports", "the progress bar and epoch lines you would print by hand" },
};

/* Why an item can do nothing in this experiment (NULL when it can). */
static const char *
inert_reason (const FtExperiment *exp, int step)
{
  bool has_es = false, has_ck = false;
  for (int i = 0; i < exp->n_callbacks; i++)
    {
      has_es |= exp->callbacks[i].kind == FT_CALLBACK_EARLY_STOPPING;
      has_ck |= exp->callbacks[i].kind == FT_CALLBACK_MODEL_CHECKPOINT;
    }
  switch (step)
    {
    case 2:
    case 3:
      return exp->fit.validation_split > 0
                 ? NULL
                 : "Nothing to do here: validation_split is 0, there is no validation data";
    case 5:
      return has_es ? NULL : "Nothing to do here: this experiment has no EarlyStopping callback";
    case 6:
      return has_ck ? NULL : "Nothing to do here: this experiment has no ModelCheckpoint callback";
    default:
      return NULL;
    }
}

/* The checklist shows in Compare mode beside the Curves and the Code views. */
static void
checklist_update_visible (FtWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->view_stack);
  bool hidden_by_lesson = g_object_get_data (G_OBJECT (self->checklist_scroll), "ft-hidden") != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->checklist_scroll),
                          self->mode == FT_MODE_BOTH && !hidden_by_lesson
                              && (g_strcmp0 (page, "curves") == 0 || g_strcmp0 (page, "code") == 0));
}

static void
on_view_changed (GtkStack *stack, GParamSpec *pspec, FtWindow *self)
{
  checklist_update_visible (self);
}

/* Column (desk) or strip (projector): the long labels or the short ones, the title and hint or none. */
void
ft_window_checklist_set_strip (FtWindow *self, bool strip)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->checklist_box),
                                  strip ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (self->checklist_box, strip ? 10 : 2);
  gtk_widget_set_visible (self->checklist_hint, !strip);
  gtk_label_set_text (GTK_LABEL (self->checklist_title), strip ? "fit() does:" : "What fit() does for you");
  gtk_widget_set_valign (self->checklist_title, strip ? GTK_ALIGN_CENTER : GTK_ALIGN_FILL);
  gtk_widget_set_margin_top (self->checklist_title, strip ? 0 : 8);
  for (int i = 0; i < 8; i++)
    gtk_check_button_set_label (GTK_CHECK_BUTTON (self->checklist_checks[i]),
                                strip ? responsibilities[i].short_label : responsibilities[i].label);
  gtk_scrolled_window_set_policy (self->checklist_scroll, strip ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER,
                                  strip ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC);
}

void
ft_window_checklist_sync (FtWindow *self)
{
  if (self->exp == NULL)
    return;
  self->syncing_checklist = true;
  for (int i = 0; i < 8; i++)
    {
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->checklist_checks[i]),
                                   *ft_loop_step_flag (&self->exp->steps, i));
      const char *inert = inert_reason (self->exp, i);
      gtk_widget_set_sensitive (self->checklist_checks[i], inert == NULL);
      /* The projector's strip has room only for what can change something. */
      bool lesson_hid = g_ptr_array_find (self->lesson_hidden, self->checklist_checks[i], NULL);
      gtk_widget_set_visible (self->checklist_checks[i],
                              !lesson_hid && (inert == NULL || !self->presentation));
      char *tip = inert ? g_strdup_printf ("%s\n%s", responsibilities[i].tooltip, inert) : NULL;
      gtk_widget_set_tooltip_text (self->checklist_checks[i], tip ? tip : responsibilities[i].tooltip);
      g_free (tip);
    }
  self->syncing_checklist = false;
  checklist_update_visible (self);
}

static void
on_check_toggled (GtkCheckButton *check, FtWindow *self)
{
  if (self->syncing_checklist || self->exp == NULL)
    return;
  int i = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (check), "ft-step"));
  *ft_loop_step_flag (&self->exp->steps, i) = gtk_check_button_get_active (check);
  ft_training_panel_set_experiment (self->training_panel, self->exp);
  ft_training_panel_set_mode (self->training_panel, self->mode);
  ft_window_refresh_code (self); /* both programs follow at once */
  /* Re-run both with the tape loop missing (or regaining) that step: the curves part (or meet). */
  if (self->mode == FT_MODE_BOTH)
    {
      ft_window_stop (self);
      ft_window_train_when_idle (self);
    }
}

static const double paces[] = { 0, 100, 20, 5, 1 };

static void
on_pace_selected (GtkDropDown *dropdown, GParamSpec *pspec, FtWindow *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);
  if (i < G_N_ELEMENTS (paces) && paces[i] != ft_window_get_pace (self))
    ft_window_set_pace (self, paces[i]);
}

void
ft_window_pace_sync (FtWindow *self)
{
  double pace = ft_window_get_pace (self);
  guint selected = pace <= 0 ? 0 : pace >= 100 ? 1 : pace >= 20 ? 2 : pace >= 5 ? 3 : 4;
  if (gtk_drop_down_get_selected (self->pace_dropdown) != selected)
    gtk_drop_down_set_selected (self->pace_dropdown, selected);
}

void
ft_window_teaching_init (FtWindow *self)
{
  for (int i = 0; i < 6; i++)
    {
      self->outline_steps[i] = gtk_label_new (outline_names[i]);
      gtk_widget_set_tooltip_text (self->outline_steps[i], outline_tooltips[i]);
      gtk_widget_add_css_class (self->outline_steps[i], "outline-step");
      gtk_box_append (self->outline_box, self->outline_steps[i]);
      if (i < 5)
        {
          GtkWidget *arrow = gtk_label_new ("→");
          gtk_widget_add_css_class (arrow, "dim-label");
          gtk_box_append (self->outline_box, arrow);
        }
    }
  GtkWidget *title = self->checklist_title = gtk_label_new ("What fit() does for you");
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_margin_start (title, 10);
  gtk_widget_set_margin_top (title, 8);
  gtk_box_append (self->checklist_box, title);
  GtkWidget *hint = self->checklist_hint = gtk_label_new (
      "Untick one: the tape loop runs again without that step.");
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "caption");
  gtk_widget_set_margin_start (hint, 10);
  gtk_widget_set_margin_end (hint, 10);
  gtk_widget_set_margin_bottom (hint, 4);
  gtk_box_append (self->checklist_box, hint);
  for (int i = 0; i < 8; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (responsibilities[i].label);
      gtk_widget_set_tooltip_text (check, responsibilities[i].tooltip);
      gtk_widget_set_margin_start (check, 6);
      gtk_widget_set_name (check, ft_loop_step_name (i));
      g_object_set_data (G_OBJECT (check), "ft-step", GINT_TO_POINTER (i));
      g_signal_connect (check, "toggled", G_CALLBACK (on_check_toggled), self);
      gtk_box_append (self->checklist_box, check);
      self->checklist_checks[i] = check;
    }
  g_signal_connect (self->pace_dropdown, "notify::selected", G_CALLBACK (on_pace_selected), self);
  g_signal_connect (self->view_stack, "notify::visible-child-name", G_CALLBACK (on_view_changed), self);
}

/* Lessons hide controls by name: the side-panel pages ("dataset", "model", "compile", "training"), the
 * mode switch ("mode") or one mode ("fit", "tape", "both"), the views ("code", "inspector",
 * "errors"), the "checklist", the "side-panel" as a whole, and any named control inside the panels
 * (e.g. "patience", or the tape-loop steps "shuffle", "reset_metrics" …). What is hidden is gone: a hidden
 * page is not left on screen as the one showing, and the next lesson shows everything again. */
static void
hide_named (FtWindow *self, GtkWidget *root, const char *name)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      const char *n = gtk_widget_get_name (c);
      char *row = g_strconcat ("row-", name, NULL);
      if ((g_strcmp0 (n, name) == 0 || g_strcmp0 (n, row) == 0) && gtk_widget_get_visible (c))
        {
          gtk_widget_set_visible (c, FALSE);
          g_ptr_array_add (self->lesson_hidden, g_object_ref (c));
        }
      g_free (row);
      hide_named (self, c, name);
    }
}

/* The first visible page of the side panel, when the one showing was hidden. */
static void
show_a_visible_page (FtWindow *self)
{
  GtkWidget *current = adw_view_stack_get_visible_child (self->panel_stack);
  if (current && adw_view_stack_page_get_visible (adw_view_stack_get_page (self->panel_stack, current)))
    return;
  bool any = false;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->panel_stack)); c;
       c = gtk_widget_get_next_sibling (c))
    {
      AdwViewStackPage *page = adw_view_stack_get_page (self->panel_stack, c);
      if (page && adw_view_stack_page_get_visible (page))
        {
          adw_view_stack_set_visible_child (self->panel_stack, c);
          any = true;
          break;
        }
    }
  if (!any) /* every page hidden: no side panel at all */
    {
      adw_flap_set_reveal_flap (self->flap, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->panel_button), FALSE);
    }
}

void
ft_window_apply_lesson (FtWindow *self)
{
  /* Show everything a previous lesson may have hidden, then hide what this one lists. */
  GtkWidget *pages[4] = { NULL };
  const char *page_names[4] = { "dataset", "model", "compile", "training" };
  for (int i = 0; i < 4; i++)
    {
      pages[i] = adw_view_stack_get_child_by_name (self->panel_stack, page_names[i]);
      adw_view_stack_page_set_visible (adw_view_stack_get_page (self->panel_stack, pages[i]), TRUE);
    }
  gtk_widget_set_visible (self->mode_box, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->panel_button), TRUE);
  g_object_set_data (G_OBJECT (self->checklist_scroll), "ft-hidden", NULL);
  for (guint i = 0; i < self->lesson_hidden->len; i++)
    gtk_widget_set_visible (g_ptr_array_index (self->lesson_hidden, i), TRUE);
  g_ptr_array_set_size (self->lesson_hidden, 0);
  const char *views[4] = { "curves", "code", "inspector", "errors" };
  for (int i = 0; i < 4; i++)
    gtk_stack_page_set_visible (
        gtk_stack_get_page (self->view_stack, gtk_stack_get_child_by_name (self->view_stack, views[i])),
        TRUE);
  if (self->exp == NULL || self->exp->hide == NULL)
    {
      ft_window_checklist_sync (self);
      return;
    }
  for (char **h = self->exp->hide; *h; h++)
    {
      const char *name = *h;
      bool done = false;
      for (int i = 0; i < 4; i++)
        if (strcmp (name, page_names[i]) == 0)
          {
            adw_view_stack_page_set_visible (adw_view_stack_get_page (self->panel_stack, pages[i]), FALSE);
            done = true;
          }
      for (int i = 0; i < 4; i++)
        if (strcmp (name, views[i]) == 0 && strcmp (name, "curves") != 0)
          {
            GtkWidget *child = gtk_stack_get_child_by_name (self->view_stack, views[i]);
            gtk_stack_page_set_visible (gtk_stack_get_page (self->view_stack, child), FALSE);
            if (gtk_stack_get_visible_child (self->view_stack) == child)
              gtk_stack_set_visible_child_name (self->view_stack, "curves");
            done = true;
          }
      if (strcmp (name, "mode") == 0)
        {
          gtk_widget_set_visible (self->mode_box, FALSE);
          done = true;
        }
      else if (strcmp (name, "side-panel") == 0)
        {
          adw_flap_set_reveal_flap (self->flap, FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->panel_button), FALSE);
          done = true;
        }
      else if (strcmp (name, "checklist") == 0)
        {
          g_object_set_data (G_OBJECT (self->checklist_scroll), "ft-hidden", GINT_TO_POINTER (1));
          done = true;
        }
      if (!done)
        hide_named (self, GTK_WIDGET (self), name);
    }
  show_a_visible_page (self);
  ft_window_checklist_sync (self);
}
