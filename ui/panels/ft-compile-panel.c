/* ui/panels/ft-compile-panel.c — the compile panel: optimizer with only the parameters it takes, gradient
 * clipping, loss with from_logits, metrics and weighted_metrics (the only ones class_weight reaches, as in
 * Keras 3; the same toggles edit either list). The optimizer and loss lists and the optimizer's rows come
 * from the descriptor tables (nn/ft-optimizers.h, ops/ft-ops.h). Every user edit writes exp->compile and
 * emits "changed"; refreshing the widgets from the experiment does not. The learning rate and epsilon use a
 * "ladder" spin button: one click moves one unit of the current decade (0.001 → 0.002 … 0.009 → 0.01 →
 * 0.02), so the +/− buttons are useful from 1e-5 to 10. */
#include "panels/ft-panel-class.h"
#include "panels/ft-panels.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _FtCompilePanel
{
  GtkWidget parent_instance;

  FtExperiment *exp; /* borrowed */
  gboolean updating; /* refreshing widgets from exp: ignore their signals */

  AdwPreferencesGroup *optimizer_group;
  AdwActionRow *optimizer_row;
  GtkDropDown *optimizer_dropdown;
  /* One row per parameter key of the optimizer table (the union over kinds), built at init; each row
   * holds its key ("ft-key") and its control ("ft-control"). */
  GPtrArray *param_rows;
  AdwPreferencesGroup *clipping_group;
  GtkLabel *error_label;
  AdwPreferencesGroup *loss_group;
  AdwActionRow *loss_row;
  GtkDropDown *loss_dropdown;
  AdwActionRow *from_logits_row;
  GtkSwitch *from_logits_switch;
  AdwPreferencesGroup *metrics_group;
  GtkSwitch *accuracy_switch;
  GtkSwitch *mae_switch;
  GtkSwitch *mse_switch;
  AdwPreferencesGroup *weighted_metrics_group;
  GtkSwitch *weighted_accuracy_switch;
  GtkSwitch *weighted_mae_switch;
  GtkSwitch *weighted_mse_switch;
};

G_DEFINE_FINAL_TYPE (FtCompilePanel, ft_compile_panel, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------------------------------ */
/* Ladder spin buttons: the adjustment holds u = 9·decade + (mantissa − 1), which is continuous and
 * increasing in the value, so a step of 1 is one unit of the current decade. */

static double
round_significant (double v, int digits)
{
  if (v == 0.0 || !isfinite (v))
    return v;
  char buf[64];
  g_snprintf (buf, sizeof buf, "%.*g", digits, v);
  return g_ascii_strtod (buf, NULL);
}

static double
ladder_from_value (double v)
{
  v = round_significant (v, 6);
  double decade = floor (log10 (v));
  double mantissa = v / pow (10.0, decade);
  if (mantissa >= 10.0 - 1e-9)
    {
      decade += 1.0;
      mantissa /= 10.0;
    }
  else if (mantissa < 1.0)
    {
      decade -= 1.0;
      mantissa *= 10.0;
    }
  return 9.0 * decade + (mantissa - 1.0);
}

static double
value_from_ladder (double u)
{
  double decade = floor ((u + 1e-9) / 9.0);
  double mantissa = u - 9.0 * decade + 1.0;
  return round_significant (mantissa * pow (10.0, decade), 6);
}

static gboolean
ladder_output (GtkSpinButton *spin, gpointer user_data)
{
  const char *format = user_data;
  char buf[64];
  g_snprintf (buf, sizeof buf, format, value_from_ladder (gtk_spin_button_get_value (spin)));
  if (strcmp (buf, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), buf);
  return TRUE;
}

static int
ladder_input (GtkSpinButton *spin, double *new_value, gpointer user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double v = g_strtod (text, &end);
  while (end != NULL && *end == ' ')
    end++;
  if (end == text || end == NULL || *end != '\0' || !isfinite (v) || v <= 0.0)
    {
      /* Not a number: keep the value (GtkSpinButton would otherwise take 0, which is 1 here). */
      *new_value = gtk_spin_button_get_value (spin);
      return TRUE;
    }
  GtkAdjustment *adj = gtk_spin_button_get_adjustment (spin);
  double lo = value_from_ladder (gtk_adjustment_get_lower (adj));
  double hi = value_from_ladder (gtk_adjustment_get_upper (adj));
  *new_value = ladder_from_value (CLAMP (v, lo, hi));
  return TRUE;
}

static void
ladder_setup (GtkSpinButton *spin, double lo, double hi, const char *format)
{
  g_signal_connect (spin, "output", G_CALLBACK (ladder_output), (gpointer) format);
  g_signal_connect (spin, "input", G_CALLBACK (ladder_input), NULL);
  GtkAdjustment *adj = gtk_adjustment_new (ladder_from_value (lo), ladder_from_value (lo),
                                           ladder_from_value (hi), 1.0, 9.0, 0.0);
  gtk_spin_button_configure (spin, adj, 1.0, 6);
  gtk_spin_button_set_value (spin, ladder_from_value (lo)); /* shows the value through ladder_output */
}

static double
ladder_get (GtkSpinButton *spin)
{
  return value_from_ladder (gtk_spin_button_get_value (spin));
}

static void
ladder_set (GtkSpinButton *spin, double v)
{
  if (!(v > 0.0))
    v = value_from_ladder (gtk_adjustment_get_lower (gtk_spin_button_get_adjustment (spin)));
  gtk_spin_button_set_value (spin, ladder_from_value (v));
}

/* ------------------------------------------------------------------------------------------------ */
/* Experiment → widgets */

/* The metric toggles and the compile() names each one stands for (the first is written). */
typedef enum
{
  METRIC_ACCURACY,
  METRIC_MAE,
  METRIC_MSE,
  N_METRIC_TOGGLES
} MetricToggle;

static const char *const metric_aliases[N_METRIC_TOGGLES][3] = {
  { "accuracy", "acc", NULL },
  { "mae", "mean_absolute_error", NULL },
  { "mse", "mean_squared_error", NULL },
};

static gboolean
metric_matches (const char *name, MetricToggle t)
{
  for (int i = 0; metric_aliases[t][i] != NULL; i++)
    if (g_ascii_strcasecmp (name, metric_aliases[t][i]) == 0)
      return TRUE;
  return FALSE;
}

/* One of compile()'s two name lists: metrics or weighted_metrics. */
typedef struct
{
  int *n;
  char (*names)[32];
} MetricList;

static MetricList
metric_list (FtCompileSpec *c, gboolean weighted)
{
  return weighted ? (MetricList){ &c->n_weighted_metrics, c->weighted_metrics }
                  : (MetricList){ &c->n_metrics, c->metrics };
}

static gboolean
list_has (MetricList l, MetricToggle t)
{
  for (int i = 0; i < *l.n; i++)
    if (metric_matches (l.names[i], t))
      return TRUE;
  return FALSE;
}

static GtkSwitch *
metric_switch (FtCompilePanel *self, MetricToggle t, gboolean weighted)
{
  GtkSwitch *plain[N_METRIC_TOGGLES] = { self->accuracy_switch, self->mae_switch, self->mse_switch };
  GtkSwitch *w[N_METRIC_TOGGLES] = { self->weighted_accuracy_switch, self->weighted_mae_switch,
                                     self->weighted_mse_switch };
  return weighted ? w[t] : plain[t];
}

static gboolean
has_metric (FtCompileSpec *c, MetricToggle t, gboolean weighted)
{
  return list_has (metric_list (c, weighted), t);
}

static void
describe_list (AdwPreferencesGroup *group, const char *intro, MetricList l)
{
  GString *desc = g_string_new (intro);
  for (int i = 0; i < *l.n; i++)
    g_string_append_printf (desc, "%s\"%s\"", i > 0 ? ", " : "", l.names[i]);
  g_string_append (desc, "]");
  adw_preferences_group_set_description (group, desc->str);
  g_string_free (desc, TRUE);
}

/* The current kind's parameter for a row's key, or NULL when that optimizer does not take it. */
static const FtParam *
row_param (FtCompilePanel *self, GtkWidget *row)
{
  FtOptimizerKind k = self->exp ? self->exp->compile.optimizer.kind : FT_OPT_ADAM;
  return ft_kind_find_param (ft_optimizer_kind_info (k), g_object_get_data (G_OBJECT (row), "ft-key"));
}

static void
update_visibility (FtCompilePanel *self)
{
  for (guint i = 0; i < self->param_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->param_rows, i);
      const FtParam *p = row_param (self, row);
      gtk_widget_set_visible (row, p != NULL);
      if (p != NULL && p->hint != NULL)
        {
          g_autofree char *sub = g_strdup_printf ("%s · %s", p->key, _ (p->hint));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
        }
    }

  FtLossKind loss = self->exp ? self->exp->compile.loss.kind : FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  /* Keras' mean squared error takes no from_logits. */
  gtk_widget_set_visible (GTK_WIDGET (self->from_logits_row),
                          ft_kind_find_param (ft_loss_kind_info (loss), "from_logits") != NULL);
}

static void
update_descriptions (FtCompilePanel *self)
{
  if (self->exp == NULL)
    return;
  const FtCompileSpec *c = &self->exp->compile;
  FtOptimizerKind k = c->optimizer.kind;
  char *sub = g_strdup_printf ("keras.optimizers.%s · %s", ft_optimizer_kind_name (k),
                               _ (ft_optimizer_kind_info (k)->summary));
  adw_action_row_set_subtitle (self->optimizer_row, sub);
  g_free (sub);

  sub = g_strdup_printf ("%s · %s", ft_loss_name (c->loss.kind),
                         _ (ft_loss_kind_info (c->loss.kind)->summary));
  adw_action_row_set_subtitle (self->loss_row, sub);
  g_free (sub);

  FtCompileSpec *cc = &self->exp->compile;
  describe_list (self->metrics_group,
                 _ ("Reported for training and validation (val_…), never weighted: metrics=["),
                 metric_list (cc, FALSE));
  describe_list (
      self->weighted_metrics_group,
      _ ("The only metrics class_weight and sample weights reach; a name also in metrics is logged "
         "as weighted_&lt;name&gt;: weighted_metrics=["),
      metric_list (cc, TRUE));
}

static void
refresh (FtCompilePanel *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self), self->exp != NULL);
  update_visibility (self);
  if (self->exp == NULL)
    return;
  self->updating = TRUE;
  FtCompileSpec *c = &self->exp->compile;
  const FtOptimizerSpec *o = &c->optimizer;
  gtk_drop_down_set_selected (self->optimizer_dropdown, (guint) o->kind);
  for (guint i = 0; i < self->param_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->param_rows, i);
      GtkWidget *control = g_object_get_data (G_OBJECT (row), "ft-control");
      const FtParam *p = row_param (self, row);
      if (p == NULL)
        continue;
      if (p->type == FT_PARAM_BOOL)
        gtk_switch_set_active (GTK_SWITCH (control), *(const bool *) ft_param_cptr (p, o));
      else if (p->flags & FT_PARAM_UI_LADDER)
        ladder_set (GTK_SPIN_BUTTON (control), ft_param_get_number (p, o));
      else
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (control),
                                   round_significant (ft_param_get_number (p, o), 6));
    }
  gtk_drop_down_set_selected (self->loss_dropdown, (guint) c->loss.kind);
  gtk_switch_set_active (self->from_logits_switch, c->loss.from_logits);
  for (int w = 0; w < 2; w++)
    for (int t = 0; t < N_METRIC_TOGGLES; t++)
      gtk_switch_set_active (metric_switch (self, (MetricToggle) t, w), has_metric (c, (MetricToggle) t, w));
  update_visibility (self);
  update_descriptions (self);
  self->updating = FALSE;
}

static void
show_error (FtCompilePanel *self, const char *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
emit_changed (FtCompilePanel *self)
{
  update_visibility (self);
  update_descriptions (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* Writes an optimizer spec if it validates; otherwise shows why and puts the widgets back. */
static void
commit_optimizer (FtCompilePanel *self, const FtOptimizerSpec *spec, gboolean refresh_widgets)
{
  GError *error = NULL;
  if (!ft_optimizer_spec_validate (spec, &error))
    {
      show_error (self, error->message);
      g_error_free (error);
      refresh (self);
      return;
    }
  show_error (self, NULL);
  if (memcmp (spec, &self->exp->compile.optimizer, sizeof *spec) == 0)
    return;
  self->exp->compile.optimizer = *spec;
  if (refresh_widgets)
    refresh (self);
  emit_changed (self);
}

/* ------------------------------------------------------------------------------------------------ */
/* Widgets → experiment */

static void
on_optimizer_selected (GtkDropDown *dropdown, GParamSpec *pspec, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  guint k = gtk_drop_down_get_selected (self->optimizer_dropdown);
  if (k >= FT_N_OPTIMIZERS || k == (guint) self->exp->compile.optimizer.kind)
    return;
  /* Keras' defaults for the new optimizer (its learning rate too), as the group's description says. */
  FtOptimizerSpec spec = ft_optimizer_spec_default ((FtOptimizerKind) k);
  commit_optimizer (self, &spec, TRUE);
}

static void
on_param_spin_changed (GtkSpinButton *spin, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  const FtParam *p = row_param (self, g_object_get_data (G_OBJECT (spin), "ft-row"));
  if (p == NULL)
    return;
  FtOptimizerSpec spec = self->exp->compile.optimizer;
  double v = (p->flags & FT_PARAM_UI_LADDER) ? ladder_get (spin)
                                             : round_significant (gtk_spin_button_get_value (spin), 6);
  if ((p->flags & FT_PARAM_EXCLUSIVE) && v > 0.0)
    {
      /* At most one clip: setting one turns the others off. */
      const FtKindInfo *kind = ft_optimizer_kind_info (spec.kind);
      for (int i = 0; i < kind->n_params; i++)
        if (kind->params[i].flags & FT_PARAM_EXCLUSIVE)
          ft_param_set_number (&kind->params[i], &spec, 0.0);
      ft_param_set_number (p, &spec, v);
      commit_optimizer (self, &spec, TRUE);
      return;
    }
  ft_param_set_number (p, &spec, v);
  commit_optimizer (self, &spec, FALSE);
}

static void
on_param_switch_changed (GtkSwitch *sw, GParamSpec *pspec, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  const FtParam *p = row_param (self, g_object_get_data (G_OBJECT (sw), "ft-row"));
  if (p == NULL)
    return;
  FtOptimizerSpec spec = self->exp->compile.optimizer;
  ft_param_set_number (p, &spec, gtk_switch_get_active (sw));
  commit_optimizer (self, &spec, FALSE);
}

static void
on_loss_selected (GtkDropDown *dropdown, GParamSpec *pspec, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  guint k = gtk_drop_down_get_selected (self->loss_dropdown);
  FtLossSpec *loss = &self->exp->compile.loss;
  if (k >= FT_N_LOSSES || k == (guint) loss->kind)
    return;
  loss->kind = (FtLossKind) k;
  if (ft_kind_find_param (ft_loss_kind_info (loss->kind), "from_logits") == NULL)
    loss->from_logits = false;
  refresh (self);
  emit_changed (self);
}

static void
on_from_logits_changed (GtkSwitch *sw, GParamSpec *pspec, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  bool on = gtk_switch_get_active (self->from_logits_switch);
  if (on == self->exp->compile.loss.from_logits)
    return;
  self->exp->compile.loss.from_logits = on;
  emit_changed (self);
}

static void
on_metric_switch_changed (GtkSwitch *sw, GParamSpec *pspec, FtCompilePanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  MetricToggle t = METRIC_ACCURACY;
  gboolean weighted = FALSE;
  for (int w = 0; w < 2; w++)
    for (int k = 0; k < N_METRIC_TOGGLES; k++)
      if (metric_switch (self, (MetricToggle) k, w) == sw)
        {
          t = (MetricToggle) k;
          weighted = w;
        }
  MetricList l = metric_list (&self->exp->compile, weighted);
  bool on = gtk_switch_get_active (sw);
  if (on == list_has (l, t))
    return;
  if (on)
    {
      if (*l.n >= FT_MAX_METRICS)
        {
          char *msg = g_strdup_printf (_ ("At most %d metrics: turn one off first."), FT_MAX_METRICS);
          show_error (self, msg);
          g_free (msg);
          refresh (self);
          return;
        }
      g_strlcpy (l.names[(*l.n)++], metric_aliases[t][0], sizeof l.names[0]);
    }
  else
    {
      int n = 0;
      for (int i = 0; i < *l.n; i++)
        if (!metric_matches (l.names[i], t))
          {
            if (n != i)
              memcpy (l.names[n], l.names[i], sizeof l.names[0]);
            n++;
          }
      for (int i = n; i < *l.n; i++)
        memset (l.names[i], 0, sizeof l.names[0]);
      *l.n = n;
    }
  show_error (self, NULL);
  emit_changed (self);
}

/* ------------------------------------------------------------------------------------------------ */

static void
ft_compile_panel_dispose (GObject *object)
{
  FtCompilePanel *self = FT_COMPILE_PANEL (object);
  g_clear_pointer (&self->param_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), FT_TYPE_COMPILE_PANEL);
  G_OBJECT_CLASS (ft_compile_panel_parent_class)->dispose (object);
}

static void
ft_compile_panel_class_init (FtCompilePanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  /**
   * FtCompilePanel::changed:
   * Emitted after every edit the user makes to exp->compile.
   */
  signals[SIGNAL_CHANGED] = ft_panel_class_setup (klass, ft_compile_panel_dispose, NULL,
                                                  "/org/fittape/FitTape/ui/compile-panel.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, FtCompilePanel, name)
  BIND (optimizer_group);
  BIND (optimizer_row);
  BIND (optimizer_dropdown);
  BIND (clipping_group);
  BIND (error_label);
  BIND (loss_group);
  BIND (loss_row);
  BIND (loss_dropdown);
  BIND (from_logits_row);
  BIND (from_logits_switch);
  BIND (metrics_group);
  BIND (accuracy_switch);
  BIND (mae_switch);
  BIND (mse_switch);
  BIND (weighted_metrics_group);
  BIND (weighted_accuracy_switch);
  BIND (weighted_mae_switch);
  BIND (weighted_mse_switch);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_optimizer_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_loss_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_from_logits_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_metric_switch_changed);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* Screen readers: each row's control is named after the row's title. */
static void
label_controls (GtkWidget *root)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (ADW_IS_ACTION_ROW (c))
        {
          GtkWidget *control = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (c));
          if (control)
            gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                            adw_preferences_row_get_title (ADW_PREFERENCES_ROW (c)), -1);
        }
      else
        label_controls (c);
    }
}

/* A row for one parameter key: a switch for booleans, a ladder spin button for FT_PARAM_UI_LADDER, a
 * spin button otherwise. Named "<key>_row", its control "<key>_spin" / "<key>_switch". */
static GtkWidget *
param_row_new (FtCompilePanel *self, const FtParam *p)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ (p->label));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_autofree char *row_name = g_strdup_printf ("%s_row", p->key);
  gtk_widget_set_name (row, row_name);
  GtkWidget *control;
  g_autofree char *control_name = NULL;
  if (p->type == FT_PARAM_BOOL)
    {
      control = gtk_switch_new ();
      control_name = g_strdup_printf ("%s_switch", p->key);
      g_signal_connect (control, "notify::active", G_CALLBACK (on_param_switch_changed), self);
    }
  else
    {
      control = gtk_spin_button_new (NULL, 1.0, 0);
      gtk_editable_set_width_chars (GTK_EDITABLE (control), 8);
      gtk_widget_add_css_class (control, "numeric");
      control_name = g_strdup_printf ("%s_spin", p->key);
      if (p->flags & FT_PARAM_UI_LADDER)
        {
          gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (control), FALSE);
          ladder_setup (GTK_SPIN_BUTTON (control), p->ui_lo, p->ui_hi, p->ui_lo >= 1e-5 ? "%.5f" : "%g");
        }
      else
        {
          GtkAdjustment *adj = gtk_adjustment_new (p->ui_lo, p->ui_lo, p->ui_hi, p->ui_step, p->ui_step * 10,
                                                   0);
          gtk_spin_button_configure (GTK_SPIN_BUTTON (control), adj, p->ui_step, (guint) p->ui_digits);
          gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (control), TRUE);
        }
      g_signal_connect (control, "value-changed", G_CALLBACK (on_param_spin_changed), self);
    }
  gtk_widget_set_name (control, control_name);
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), control);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), control);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, _ (p->label), -1);
  g_object_set_data (G_OBJECT (row), "ft-key", (gpointer) p->key);
  g_object_set_data (G_OBJECT (row), "ft-control", control);
  g_object_set_data (G_OBJECT (control), "ft-row", row);
  return row;
}

/* The optimizer list and one row per parameter key, in the order the kinds list them; the loss list. */
static void
build_optimizer_rows (FtCompilePanel *self)
{
  GtkStringList *names = gtk_string_list_new (NULL);
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    gtk_string_list_append (names, ft_optimizer_kind_name ((FtOptimizerKind) k));
  gtk_drop_down_set_model (self->optimizer_dropdown, G_LIST_MODEL (names));
  g_object_unref (names);

  self->param_rows = g_ptr_array_new ();
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      const FtKindInfo *kind = ft_optimizer_kind_info ((FtOptimizerKind) k);
      for (int i = 0; i < kind->n_params; i++)
        {
          const FtParam *p = &kind->params[i];
          if (p->type == FT_PARAM_KERAS_CONST || (p->flags & FT_PARAM_UI_HIDDEN))
            continue;
          bool seen = false;
          for (guint r = 0; r < self->param_rows->len && !seen; r++)
            seen = strcmp (g_object_get_data (g_ptr_array_index (self->param_rows, r), "ft-key"), p->key)
                   == 0;
          if (seen)
            continue;
          GtkWidget *row = param_row_new (self, p);
          adw_preferences_group_add (
              p->flags & FT_PARAM_UI_CLIPPING ? self->clipping_group : self->optimizer_group, row);
          g_ptr_array_add (self->param_rows, row);
        }
    }

  GtkStringList *losses = gtk_string_list_new (NULL);
  for (int k = 0; k < FT_N_LOSSES; k++)
    gtk_string_list_append (losses, _ (ft_loss_kind_info ((FtLossKind) k)->label));
  gtk_drop_down_set_model (self->loss_dropdown, G_LIST_MODEL (losses));
  g_object_unref (losses);
}

static void
ft_compile_panel_init (FtCompilePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_optimizer_rows (self);
  label_controls (GTK_WIDGET (self));
  refresh (self);
}

GtkWidget *
ft_compile_panel_new (void)
{
  return g_object_new (FT_TYPE_COMPILE_PANEL, NULL);
}

void
ft_compile_panel_set_experiment (FtCompilePanel *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_COMPILE_PANEL (self));
  self->exp = exp;
  show_error (self, NULL);
  refresh (self);
}
