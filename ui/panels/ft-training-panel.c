/* ui/panels/ft-training-panel.c — the training panel: fit() arguments (epochs, batch size, shuffle), the
 * seed, the callback list (add, remove, each one's parameters in an expander row whose rows loop over the
 * kind's descriptor table, ft_callback_kind_info) and, in tape or both mode, "Your training loop": one switch
 * per step of the hand-written loop. Every user edit writes exp->fit, exp->seed, exp->callbacks or exp->steps
 * and emits "changed"; refreshing from the experiment does not.
 *
 * Callback parameter widgets carry the parameter's Keras name as their widget name ("patience",
 * "monitor", …) and their rows "row-NAME"; loop-step switches are named after the step
 * (ft_loop_step_name). Tests and lessons find them by these names. */
#include "panels/ft-panel-class.h"
#include "panels/ft-panels.h"
#include "panels/ft-widget-find.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define MAX_CALLBACKS 64 /* as experiment files allow */

struct _FtTrainingPanel
{
  GtkWidget parent_instance;

  FtExperiment *exp; /* borrowed */
  FtRunMode mode;
  gboolean updating;

  AdwPreferencesGroup *fit_group;
  GtkSpinButton *epochs_spin;
  GtkSpinButton *batch_size_spin;
  GtkSwitch *shuffle_switch;
  GtkSpinButton *seed_spin;
  AdwPreferencesGroup *callbacks_group;
  GtkMenuButton *add_callback_button;
  AdwActionRow *no_callbacks_row;
  AdwPreferencesGroup *loop_group;

  GPtrArray *callback_rows;                   /* AdwExpanderRow, one per exp->callbacks[i] */
  GPtrArray *step_switches;                   /* GtkSwitch, one per loop step */
  GtkWidget *pitfall_switches[FT_N_PITFALLS]; /* GtkSwitch, one per pitfall (on = the bug is in the loop) */
};

G_DEFINE_FINAL_TYPE (FtTrainingPanel, ft_training_panel, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* The add menu's targets are FtCallbackKind values. */
G_STATIC_ASSERT (FT_CALLBACK_EARLY_STOPPING == 0 && FT_CALLBACK_MODEL_CHECKPOINT == 1
                 && FT_CALLBACK_REDUCE_LR_ON_PLATEAU == 2 && FT_CALLBACK_TERMINATE_ON_NAN == 3
                 && FT_CALLBACK_CSV_LOGGER == 4 && FT_CALLBACK_LEARNING_RATE_SCHEDULER == 5);

/* ------------------------------------------------------------------------------------------------ */
/* Loop steps: what each does and what goes wrong without it. */

typedef struct
{
  const char *name; /* ft_loop_step_name */
  const char *title;
  const char *subtitle;
} StepText;

static const StepText step_texts[] = {
  { "batching", N_ ("Batching"),
    N_ ("dataset.batch(batch_size) — without it the whole training set is one batch: one update per epoch, "
        "so learning crawls") },
  { "shuffle", N_ ("Shuffle every epoch"),
    N_ ("dataset.shuffle() before each epoch — without it every epoch sees the same order, and sorted data "
        "gives batches of a single class") },
  { "split", N_ ("Validation split"),
    N_ ("Hold back the last samples before shuffling — without it the model trains on everything and "
        "nothing is left to check it on") },
  { "validate", N_ ("Validation pass"),
    N_ ("Evaluate the held-back samples with training=False after each epoch — without it there are no val_ "
        "curves and overfitting goes unseen") },
  { "reset_metrics", N_ ("Reset metrics"),
    N_ ("metric.reset_state() each epoch — without it accuracy keeps accumulating across epochs") },
  { "early_stopping", N_ ("Early stopping"),
    N_ ("Your own “still improving?” check, with the EarlyStopping callback’s settings — without it "
        "training runs every epoch, however long it has stopped improving") },
  { "checkpoint", N_ ("Checkpoint"),
    N_ ("Save the model as the ModelCheckpoint callback says — without it a crash or a bad last epoch loses "
        "the best weights") },
  { "progress", N_ ("Progress"),
    N_ ("Report the loss and metrics after every batch — without it the loop runs silently and the "
        "per-batch curve stays empty") },
};

static const StepText *
step_text (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (step_texts); i++)
    if (strcmp (step_texts[i].name, name) == 0)
      return &step_texts[i];
  return NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* Callback parameters */

static void emit_changed (FtTrainingPanel *self);

static char *
plural_epochs (int n)
{
  return g_strdup_printf (ngettext ("%d epoch", "%d epochs", (unsigned long) n), n);
}

static char *
callback_summary (const FtCallbackSpec *s)
{
  char *epochs, *text;
  switch (s->kind)
    {
    case FT_CALLBACK_EARLY_STOPPING:
      /* Keras stops once wait >= patience, and wait counts from 1: patience 0 and 1 act alike. */
      epochs = plural_epochs (MAX (s->patience, 1));
      text = g_strdup_printf (s->restore_best_weights ? _ (
                                  "Stops when %s has not improved for %s, then restores the best weights")
                                                      : _ ("Stops when %s has not improved for %s"),
                              s->monitor, epochs);
      g_free (epochs);
      return text;
    case FT_CALLBACK_MODEL_CHECKPOINT:
      if (s->save_best_only)
        return g_strdup_printf (_ ("Saves %s when %s improves"), s->filepath, s->monitor);
      return g_strdup_printf (_ ("Saves %s every epoch"), s->filepath);
    case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
      epochs = plural_epochs (MAX (s->patience, 1));
      text = g_strdup_printf (_ ("Multiplies the learning rate by %g when %s stalls for %s"), s->factor,
                              s->monitor, epochs);
      g_free (epochs);
      return text;
    case FT_CALLBACK_TERMINATE_ON_NAN:
      return g_strdup (_ ("Stops as soon as a batch loss is NaN or infinite"));
    case FT_CALLBACK_CSV_LOGGER:
      return g_strdup_printf (_ ("Writes each epoch’s logs to %s"), s->filepath);
    case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
      switch (s->schedule)
        {
        case FT_SCHEDULE_EXPONENTIAL:
          return g_strdup_printf (_ ("Multiplies the learning rate by %g every epoch"), s->rate);
        case FT_SCHEDULE_COSINE:
          epochs = plural_epochs (s->decay_epochs);
          text = g_strdup_printf (_ ("Lowers the learning rate along a cosine over %s"), epochs);
          g_free (epochs);
          return text;
        case FT_SCHEDULE_STEP:
          epochs = plural_epochs (s->step_size);
          text = g_strdup_printf (_ ("Multiplies the learning rate by %g every %s"), s->factor, epochs);
          g_free (epochs);
          return text;
        }
      break;
    case FT_N_CALLBACK_KINDS:
      break;
    }
  return g_strdup ("");
}

static void
set_row_visible (GtkWidget *expander, const char *row_name, gboolean visible)
{
  GtkWidget *row = ft_widget_find_named (expander, row_name);
  if (row)
    gtk_widget_set_visible (row, visible);
}

static void
update_schedule_rows (GtkWidget *expander, FtScheduleKind schedule)
{
  set_row_visible (expander, "row-factor", schedule == FT_SCHEDULE_STEP);
  set_row_visible (expander, "row-step_size", schedule == FT_SCHEDULE_STEP);
  set_row_visible (expander, "row-rate", schedule == FT_SCHEDULE_EXPONENTIAL);
  set_row_visible (expander, "row-decay_epochs", schedule == FT_SCHEDULE_COSINE);
  set_row_visible (expander, "row-alpha", schedule == FT_SCHEDULE_COSINE);
}

/* The spec a parameter widget edits (NULL when the panel has no experiment) and its table entry. */
static FtCallbackSpec *
widget_spec (FtTrainingPanel *self, GtkWidget *w, const FtParam **param)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (w), "ft-index"));
  *param = g_object_get_data (G_OBJECT (w), "ft-param");
  if (self->updating || self->exp == NULL || *param == NULL || index < 0 || index >= self->exp->n_callbacks)
    return NULL;
  return &self->exp->callbacks[index];
}

/* Writes an edited copy if it validates (marking the widget otherwise) and updates the row's summary. */
static void
commit_callback (FtTrainingPanel *self, GtkWidget *w, FtCallbackSpec *spec, const FtCallbackSpec *edited)
{
  GError *error = NULL;
  if (!ft_callback_spec_validate (edited, &error))
    {
      gtk_widget_add_css_class (w, "error");
      gtk_widget_set_tooltip_text (w, error->message);
      g_error_free (error);
      return;
    }
  gtk_widget_remove_css_class (w, "error");
  gtk_widget_set_tooltip_text (w, NULL);
  if (memcmp (spec, edited, sizeof *spec) == 0)
    return;
  *spec = *edited;
  GtkWidget *expander = gtk_widget_get_ancestor (w, ADW_TYPE_EXPANDER_ROW);
  if (expander)
    {
      char *summary = callback_summary (spec);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), summary);
      g_free (summary);
    }
  emit_changed (self);
}

/* A numeric parameter edited in widget w: the new value, committed to its callback. */
static void
commit_number (FtTrainingPanel *self, GtkWidget *w, double value)
{
  const FtParam *p;
  FtCallbackSpec *spec = widget_spec (self, w, &p);
  if (spec == NULL)
    return;
  FtCallbackSpec e = *spec;
  ft_param_set_number (p, &e, value);
  commit_callback (self, w, spec, &e);
}

static void
on_param_spin_changed (GtkSpinButton *spin, FtTrainingPanel *self)
{
  commit_number (self, GTK_WIDGET (spin), gtk_spin_button_get_value (spin));
}

static void
on_param_switch_changed (GtkSwitch *sw, GParamSpec *pspec, FtTrainingPanel *self)
{
  commit_number (self, GTK_WIDGET (sw), gtk_switch_get_active (sw));
}

/* A CHOICE parameter's value, or a STRING one's from its suggestions (plus the value it had). */
static void
on_param_dropdown_changed (GtkDropDown *dd, GParamSpec *pspec, FtTrainingPanel *self)
{
  const FtParam *p;
  FtCallbackSpec *spec = widget_spec (self, GTK_WIDGET (dd), &p);
  guint selected = gtk_drop_down_get_selected (dd);
  if (spec == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;
  FtCallbackSpec e = *spec;
  if (p->type == FT_PARAM_STRING)
    g_strlcpy (ft_param_ptr (p, &e),
               gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dd)), selected),
               p->size);
  else
    ft_param_set_number (p, &e, selected);
  if (p->offset == G_STRUCT_OFFSET (FtCallbackSpec, schedule))
    update_schedule_rows (gtk_widget_get_ancestor (GTK_WIDGET (dd), ADW_TYPE_EXPANDER_ROW), e.schedule);
  commit_callback (self, GTK_WIDGET (dd), spec, &e);
}

static void
on_param_entry_changed (GtkEditable *entry, FtTrainingPanel *self)
{
  const FtParam *p;
  FtCallbackSpec *spec = widget_spec (self, GTK_WIDGET (entry), &p);
  if (spec == NULL)
    return;
  FtCallbackSpec e = *spec;
  g_strlcpy (ft_param_ptr (p, &e), gtk_editable_get_text (entry), p->size);
  commit_callback (self, GTK_WIDGET (entry), spec, &e);
}

/* A parameter row in a callback's expander: the widget is named after the parameter's key, its row
 * "row-KEY"; the title is the table's label, the subtitle "key · hint". */
static GtkWidget *
add_param_row (GtkWidget *expander, int index, const FtParam *p, GtkWidget *widget)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), p->label);
  g_autofree char *subtitle = g_strdup_printf ("%s · %s", p->key, p->hint);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_autofree char *row_name = g_strconcat ("row-", p->key, NULL);
  gtk_widget_set_name (row, row_name);
  gtk_widget_set_name (widget, p->key);
  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (widget), "ft-index", GINT_TO_POINTER (index));
  g_object_set_data (G_OBJECT (widget), "ft-param", (gpointer) p);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), widget);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), widget);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, p->label, -1);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  return widget;
}

static void
add_spin (FtTrainingPanel *self, GtkWidget *expander, int index, const FtParam *p, double value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (p->ui_lo, p->ui_hi, p->ui_step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), (guint) p->ui_digits);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 7);
  gtk_widget_add_css_class (spin, "numeric");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  add_param_row (expander, index, p, spin);
  g_signal_connect (spin, "value-changed", G_CALLBACK (on_param_spin_changed), self);
}

static void
add_switch (FtTrainingPanel *self, GtkWidget *expander, int index, const FtParam *p, gboolean value)
{
  GtkWidget *sw = gtk_switch_new ();
  gtk_switch_set_active (GTK_SWITCH (sw), value);
  add_param_row (expander, index, p, sw);
  g_signal_connect (sw, "notify::active", G_CALLBACK (on_param_switch_changed), self);
}

/* A CHOICE (its editor names, else its names) or a STRING with suggestions: those, and the value when it
 * is none of them. */
static void
add_dropdown (FtTrainingPanel *self, GtkWidget *expander, int index, const FtParam *p,
              const FtCallbackSpec *s)
{
  const char *const *items = p->ui_choices != NULL ? p->ui_choices : p->choices;
  GtkStringList *list = gtk_string_list_new (NULL);
  guint selected = 0;
  if (p->type == FT_PARAM_STRING)
    {
      const char *value = ft_param_cptr (p, s);
      bool listed = false;
      for (guint i = 0; items[i] != NULL; i++)
        {
          gtk_string_list_append (list, items[i]);
          if (strcmp (items[i], value) == 0)
            {
              selected = i;
              listed = true;
            }
        }
      if (!listed)
        {
          selected = g_list_model_get_n_items (G_LIST_MODEL (list));
          gtk_string_list_append (list, value);
        }
    }
  else
    {
      for (int i = 0; items[i] != NULL; i++)
        gtk_string_list_append (list, items[i]);
      selected = (guint) ft_param_get_number (p, s);
    }
  GtkWidget *dd = gtk_drop_down_new (G_LIST_MODEL (list), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dd), selected);
  add_param_row (expander, index, p, dd);
  g_signal_connect (dd, "notify::selected", G_CALLBACK (on_param_dropdown_changed), self);
}

static void
add_entry (FtTrainingPanel *self, GtkWidget *expander, int index, const FtParam *p, const char *value)
{
  GtkWidget *entry = gtk_entry_new ();
  gtk_entry_set_max_length (GTK_ENTRY (entry), (int) p->size - 1);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 18);
  gtk_editable_set_text (GTK_EDITABLE (entry), value);
  add_param_row (expander, index, p, entry);
  /* Clicking the row focuses the entry; the row itself is not a button. */
  g_signal_connect (entry, "changed", G_CALLBACK (on_param_entry_changed), self);
}

/* The editor row of one table entry; false for those the panel does not edit. */
static bool
add_param (FtTrainingPanel *self, GtkWidget *expander, int index, const FtParam *p, const FtCallbackSpec *s)
{
  if (p->flags & FT_PARAM_UI_HIDDEN)
    return false;
  switch (p->type)
    {
    case FT_PARAM_INT:
    case FT_PARAM_DOUBLE:
      add_spin (self, expander, index, p, ft_param_get_number (p, s));
      return true;
    case FT_PARAM_BOOL:
      add_switch (self, expander, index, p, *(const bool *) ft_param_cptr (p, s));
      return true;
    case FT_PARAM_STRING:
      if (p->choices != NULL)
        add_dropdown (self, expander, index, p, s);
      else
        add_entry (self, expander, index, p, ft_param_cptr (p, s));
      return true;
    case FT_PARAM_CHOICE:
      add_dropdown (self, expander, index, p, s);
      return true;
    case FT_PARAM_FLOAT: /* not in the callback table, or hidden there */
    case FT_PARAM_PAIR:
    case FT_PARAM_PADDING:
    case FT_PARAM_ACTIVATION:
    case FT_PARAM_INITIALIZER:
    case FT_PARAM_L2:
    case FT_PARAM_OPTIONAL:
    case FT_PARAM_CHAR:
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return false;
}

static void
on_remove_clicked (GtkButton *button, FtTrainingPanel *self)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "ft-index"));
  gtk_widget_activate_action (GTK_WIDGET (self), "training.remove-callback", "i", index);
}

static GtkWidget *
build_callback_row (FtTrainingPanel *self, int index)
{
  const FtCallbackSpec *s = &self->exp->callbacks[index];
  GtkWidget *expander = adw_expander_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), ft_callback_kind_name (s->kind));
  char *summary = callback_summary (s);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), summary);
  g_free (summary);
  gtk_widget_set_name (expander, ft_callback_kind_name (s->kind));

  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_name (remove, "remove-callback");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _ ("Remove this callback"));
  /* A plain handler rather than an actionable: a button built before its row is parented would not
   * find the panel's action (GTK 4.8 keeps its first action-muxer parent) and stay insensitive. */
  g_object_set_data (G_OBJECT (remove), "ft-index", GINT_TO_POINTER (index));
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), remove);

  const FtKindInfo *kind = ft_callback_kind_info (s->kind);
  int n_rows = 0;
  for (int i = 0; i < kind->n_params; i++)
    n_rows += add_param (self, expander, index, &kind->params[i], s);
  if (s->kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
    update_schedule_rows (expander, s->schedule);
  /* Nothing to set (TerminateOnNaN): the summary says what it does. */
  if (n_rows == 0)
    adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (expander), FALSE);
  return expander;
}

/* Rebuilds the callback rows; expanded (n_callbacks flags, or NULL for all collapsed) keeps rows open. */
static void
rebuild_callbacks (FtTrainingPanel *self, const gboolean *expanded)
{
  for (guint i = 0; i < self->callback_rows->len; i++)
    adw_preferences_group_remove (self->callbacks_group, g_ptr_array_index (self->callback_rows, i));
  g_ptr_array_set_size (self->callback_rows, 0);
  int n = self->exp ? self->exp->n_callbacks : 0;
  gtk_widget_set_visible (GTK_WIDGET (self->no_callbacks_row), n == 0);
  for (int i = 0; i < n; i++)
    {
      GtkWidget *row = build_callback_row (self, i);
      if (expanded && expanded[i])
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      adw_preferences_group_add (self->callbacks_group, row);
      g_ptr_array_add (self->callback_rows, row);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.add-callback", self->exp && n < MAX_CALLBACKS);
}

static gboolean *
expanded_flags (FtTrainingPanel *self, int extra)
{
  gboolean *flags = g_new0 (gboolean, self->callback_rows->len + (guint) extra + 1);
  for (guint i = 0; i < self->callback_rows->len; i++)
    flags[i] = adw_expander_row_get_expanded (g_ptr_array_index (self->callback_rows, i));
  return flags;
}

static void
add_callback_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  FtTrainingPanel *self = FT_TRAINING_PANEL (widget);
  int kind = g_variant_get_int32 (parameter);
  if (self->exp == NULL || kind < 0 || kind >= FT_N_CALLBACK_KINDS || self->exp->n_callbacks >= MAX_CALLBACKS)
    return;
  FtExperiment *exp = self->exp;
  gboolean *expanded = expanded_flags (self, 1);
  exp->callbacks = g_renew (FtCallbackSpec, exp->callbacks, (gsize) exp->n_callbacks + 1);
  exp->callbacks[exp->n_callbacks] = ft_callback_spec_default ((FtCallbackKind) kind);
  expanded[exp->n_callbacks] = TRUE; /* show the new one's parameters */
  exp->n_callbacks++;
  rebuild_callbacks (self, expanded);
  g_free (expanded);
  emit_changed (self);
}

static void
remove_callback_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  FtTrainingPanel *self = FT_TRAINING_PANEL (widget);
  int index = g_variant_get_int32 (parameter);
  if (self->exp == NULL || index < 0 || index >= self->exp->n_callbacks)
    return;
  FtExperiment *exp = self->exp;
  gboolean *expanded = expanded_flags (self, 0);
  int tail = exp->n_callbacks - index - 1;
  memmove (&exp->callbacks[index], &exp->callbacks[index + 1], sizeof (FtCallbackSpec) * (gsize) tail);
  memmove (&expanded[index], &expanded[index + 1], sizeof (gboolean) * (gsize) tail);
  exp->n_callbacks--;
  exp->callbacks = g_renew (FtCallbackSpec, exp->callbacks, (gsize) exp->n_callbacks);
  rebuild_callbacks (self, expanded);
  g_free (expanded);
  emit_changed (self);
}

/* ------------------------------------------------------------------------------------------------ */
/* fit() arguments, seed, loop steps */

static void
emit_changed (FtTrainingPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_fit_spin_changed (GtkSpinButton *spin, FtTrainingPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  FtExperiment *exp = self->exp;
  if (spin == self->epochs_spin)
    {
      int v = gtk_spin_button_get_value_as_int (spin);
      if (v == exp->fit.epochs)
        return;
      exp->fit.epochs = v;
    }
  else if (spin == self->batch_size_spin)
    {
      int v = gtk_spin_button_get_value_as_int (spin);
      if (v == exp->fit.batch_size)
        return;
      exp->fit.batch_size = v;
    }
  else
    {
      uint64_t v = (uint64_t) llround (gtk_spin_button_get_value (spin));
      if (v == exp->seed)
        return;
      exp->seed = v;
    }
  emit_changed (self);
}

static void
on_shuffle_changed (GtkSwitch *sw, GParamSpec *pspec, FtTrainingPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  bool on = gtk_switch_get_active (sw);
  if (on == self->exp->fit.shuffle)
    return;
  self->exp->fit.shuffle = on;
  emit_changed (self);
}

static void
on_step_changed (GtkSwitch *sw, GParamSpec *pspec, FtTrainingPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  int i = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (sw), "ft-step"));
  bool *flag = ft_loop_step_flag (&self->exp->steps, i);
  bool on = gtk_switch_get_active (sw);
  if (flag == NULL || *flag == on)
    return;
  *flag = on;
  emit_changed (self);
}

static void
on_pitfall_changed (GtkSwitch *sw, GParamSpec *pspec, FtTrainingPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  int p = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (sw), "ft-pitfall"));
  bool on = gtk_switch_get_active (sw);
  if (self->exp->steps.pitfalls.on[p] == on)
    return;
  self->exp->steps.pitfalls.on[p] = on;
  emit_changed (self);
}

/* The mistakes of hand-written loops, as switches below the steps: on = the tape loop has the bug. */
static void
build_pitfall_rows (FtTrainingPanel *self)
{
  for (int p = 0; p < FT_N_PITFALLS; p++)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      char *title = g_strdup_printf (_ ("Mistake: %s"), ft_pitfall_label ((FtPitfall) p));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      g_free (title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), ft_pitfall_explanation ((FtPitfall) p));
      GtkWidget *sw = gtk_switch_new ();
      char *name = g_strdup_printf ("pitfall:%s", ft_pitfall_name ((FtPitfall) p));
      gtk_widget_set_name (sw, name);
      g_free (name);
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (sw), "ft-pitfall", GINT_TO_POINTER (p));
      g_signal_connect (sw, "notify::active", G_CALLBACK (on_pitfall_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), -1);
      adw_preferences_group_add (self->loop_group, row);
      self->pitfall_switches[p] = sw;
    }
}

static void
build_step_rows (FtTrainingPanel *self)
{
  for (int i = 0; i < ft_loop_n_steps (); i++)
    {
      const char *name = ft_loop_step_name (i);
      const StepText *text = step_text (name);
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text ? _ (text->title) : name);
      if (text)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _ (text->subtitle));
      GtkWidget *sw = gtk_switch_new ();
      gtk_widget_set_name (sw, name);
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (sw), "ft-step", GINT_TO_POINTER (i));
      g_signal_connect (sw, "notify::active", G_CALLBACK (on_step_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), -1);
      adw_preferences_group_add (self->loop_group, row);
      g_ptr_array_add (self->step_switches, sw);
    }
}

static void
refresh (FtTrainingPanel *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self), self->exp != NULL);
  self->updating = TRUE;
  if (self->exp != NULL)
    {
      FtExperiment *exp = self->exp;
      gtk_spin_button_set_value (self->epochs_spin, exp->fit.epochs);
      gtk_spin_button_set_value (self->batch_size_spin, exp->fit.batch_size);
      gtk_switch_set_active (self->shuffle_switch, exp->fit.shuffle);
      gtk_spin_button_set_value (self->seed_spin, (double) exp->seed);
      for (guint i = 0; i < self->step_switches->len; i++)
        {
          bool *flag = ft_loop_step_flag (&exp->steps, (int) i);
          gtk_switch_set_active (g_ptr_array_index (self->step_switches, i), flag && *flag);
        }
      for (int p = 0; p < FT_N_PITFALLS; p++)
        if (self->pitfall_switches[p])
          gtk_switch_set_active (GTK_SWITCH (self->pitfall_switches[p]), exp->steps.pitfalls.on[p]);
    }
  rebuild_callbacks (self, NULL);
  self->updating = FALSE;
}

/* ------------------------------------------------------------------------------------------------ */

static void
ft_training_panel_dispose (GObject *object)
{
  FtTrainingPanel *self = FT_TRAINING_PANEL (object);
  g_clear_pointer (&self->callback_rows, g_ptr_array_unref);
  g_clear_pointer (&self->step_switches, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), FT_TYPE_TRAINING_PANEL);
  G_OBJECT_CLASS (ft_training_panel_parent_class)->dispose (object);
}

static void
ft_training_panel_class_init (FtTrainingPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  /**
   * FtTrainingPanel::changed:
   * Emitted after every edit the user makes to exp->fit, exp->seed, exp->callbacks or exp->steps.
   */
  signals[SIGNAL_CHANGED] = ft_panel_class_setup (klass, ft_training_panel_dispose, NULL,
                                                  "/org/fittape/FitTape/ui/training-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, fit_group);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, batch_size_spin);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, shuffle_switch);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, callbacks_group);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, add_callback_button);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, no_callbacks_row);
  gtk_widget_class_bind_template_child (widget_class, FtTrainingPanel, loop_group);
  gtk_widget_class_bind_template_callback (widget_class, on_fit_spin_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_shuffle_changed);

  gtk_widget_class_install_action (widget_class, "training.add-callback", "i", add_callback_action);
  gtk_widget_class_install_action (widget_class, "training.remove-callback", "i", remove_callback_action);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ft_training_panel_init (FtTrainingPanel *self)
{
  self->mode = FT_MODE_FIT;
  self->callback_rows = g_ptr_array_new ();
  self->step_switches = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  GtkWidget *fit_controls[] = { GTK_WIDGET (self->epochs_spin), GTK_WIDGET (self->batch_size_spin),
                                GTK_WIDGET (self->shuffle_switch), GTK_WIDGET (self->seed_spin) };
  for (guint i = 0; i < G_N_ELEMENTS (fit_controls); i++)
    {
      GtkWidget *row = gtk_widget_get_ancestor (fit_controls[i], ADW_TYPE_PREFERENCES_ROW);
      gtk_accessible_update_property (GTK_ACCESSIBLE (fit_controls[i]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), -1);
    }
  build_step_rows (self);
  build_pitfall_rows (self);
  ft_training_panel_set_mode (self, FT_MODE_FIT);
  refresh (self);
}

GtkWidget *
ft_training_panel_new (void)
{
  return g_object_new (FT_TYPE_TRAINING_PANEL, NULL);
}

void
ft_training_panel_set_experiment (FtTrainingPanel *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_TRAINING_PANEL (self));
  self->exp = exp;
  refresh (self);
  if (exp != NULL)
    ft_training_panel_set_mode (self, exp->mode);
}

void
ft_training_panel_set_mode (FtTrainingPanel *self, FtRunMode mode)
{
  g_return_if_fail (FT_IS_TRAINING_PANEL (self));
  self->mode = mode;
  gboolean tape = mode == FT_MODE_TAPE || mode == FT_MODE_BOTH;
  gtk_widget_set_visible (GTK_WIDGET (self->loop_group), tape);
  adw_preferences_group_set_description (
      self->callbacks_group,
      tape ? _ (
          "Your loop does not call EarlyStopping and ModelCheckpoint: their settings drive your own steps "
          "below.")
           : _ ("callbacks=[…] — fit() calls them at the start and end of every epoch and batch."));
}
