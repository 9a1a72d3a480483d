/* tests/test-panels-b.c — the compile and training panels, driven through their real widgets (template
 * children and the named widgets the panels build) under Xvfb: every edit lands in the experiment and
 * emits "changed"; refreshing does not; screenshots of both panels go to /tmp. */
#include "fittape-resources.h"
#include "panels/ft-panels.h"
#include "panels/ft-widget-find.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Helpers */

static void
count_changed (GtkWidget *panel, int *n)
{
  (*n)++;
}

static GtkWidget *
must_find (GtkWidget *root, const char *name)
{
  GtkWidget *w = ft_widget_find_named (root, name);
  if (w == NULL)
    g_error ("no widget named \"%s\"", name);
  return w;
}

/* A template child, or a widget the panel built from a table and named (the optimizer rows). */
static GtkWidget *
child (gpointer panel, GType type, const char *name)
{
  GObject *obj = gtk_widget_get_template_child (GTK_WIDGET (panel), type, name);
  if (obj == NULL)
    return must_find (GTK_WIDGET (panel), name);
  return GTK_WIDGET (obj);
}
#define COMPILE(p, name)  child (p, FT_TYPE_COMPILE_PANEL, name)
#define TRAINING(p, name) child (p, FT_TYPE_TRAINING_PANEL, name)

static void
type_into_spin (GtkWidget *spin, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
}

static gpointer
new_panel (GtkWidget *(*new_fn) (void) )
{
  GtkWidget *panel = new_fn ();
  g_object_ref_sink (panel);
  return panel;
}

/* ------------------------------------------------------------------------------------------------ */
/* Compile panel */

static void
test_compile_refresh_is_silent (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  /* Before any experiment: insensitive, and the ladder spin shows a learning rate, not its position. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (panel)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (COMPILE (panel, "learning_rate_spin"))), ==,
                   "0.00001");
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  ft_compile_panel_set_experiment (panel, exp);
  g_assert_cmpint (changed, ==, 0);
  /* The default experiment: Adam, sparse categorical cross-entropy from logits, accuracy. */
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown"))), ==,
                    FT_OPT_ADAM);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (COMPILE (panel, "learning_rate_spin"))), ==,
                   "0.00100");
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "beta_1_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "momentum_row")));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel, "from_logits_switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel, "accuracy_switch"))));

  FtExperiment *before = ft_experiment_copy (exp);
  ft_compile_panel_set_experiment (panel, exp);
  g_assert_cmpint (changed, ==, 0);
  g_assert_true (ft_experiment_equal (exp, before));

  /* Detached: insensitive, and edits go nowhere. */
  ft_compile_panel_set_experiment (panel, NULL);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (panel)));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")), FT_OPT_SGD);
  g_assert_cmpint (changed, ==, 0);
  g_assert_true (ft_experiment_equal (exp, before));

  ft_experiment_free (before);
  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_compile_switch_optimizer (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);

  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")), FT_OPT_SGD);
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpint (exp->compile.optimizer.kind, ==, FT_OPT_SGD);
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 0.01f); /* Keras' default for SGD */
  g_assert_cmpfloat (exp->compile.optimizer.momentum, ==, 0.0f);
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "momentum_row")));
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "nesterov_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "beta_1_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "beta_2_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "epsilon_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "amsgrad_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "rho_row")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (COMPILE (panel, "learning_rate_spin"))), ==,
                   "0.01000");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (COMPILE (panel, "optimizer_row"))),
                            "keras.optimizers.SGD"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (COMPILE (panel, "momentum_spin")), 0.9);
  g_assert_cmpint (changed, ==, 2);
  g_assert_cmpfloat (exp->compile.optimizer.momentum, ==, 0.9f);
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "nesterov_switch")), TRUE);
  g_assert_true (exp->compile.optimizer.nesterov);
  g_assert_cmpint (changed, ==, 3);

  /* Switching resets to Keras' defaults for the new optimizer. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")), FT_OPT_RMSPROP);
  FtOptimizerSpec rms = ft_optimizer_spec_default (FT_OPT_RMSPROP);
  const FtOptimizerSpec *o = &exp->compile.optimizer;
  g_assert_cmpint (o->kind, ==, FT_OPT_RMSPROP);
  g_assert_cmpfloat (o->learning_rate, ==, rms.learning_rate);
  g_assert_cmpfloat (o->momentum, ==, rms.momentum);
  g_assert_cmpfloat (o->rho, ==, rms.rho);
  g_assert_cmpfloat (o->epsilon, ==, rms.epsilon);
  g_assert_false (o->nesterov || o->centered);
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "rho_row")));
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "momentum_row")));
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "centered_row")));
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "epsilon_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "nesterov_row")));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (COMPILE (panel, "momentum_spin"))), ==, 0.0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (COMPILE (panel, "epsilon_spin"))), ==, "1e-07");

  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")), FT_OPT_ADAGRAD);
  g_assert_cmpint (exp->compile.optimizer.kind, ==, FT_OPT_ADAGRAD);
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "initial_accumulator_value_row")));
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "momentum_row")));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (COMPILE (panel, "initial_accumulator_value_spin")), 0.5);
  g_assert_cmpfloat (exp->compile.optimizer.initial_accumulator_value, ==, 0.5f);
  g_assert_true (ft_optimizer_spec_validate (&exp->compile.optimizer, NULL));

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

/* Every optimizer from the dropdown (its list is the table's): Keras' defaults, the rows of exactly the
 * parameters it takes, and an edit of each landing in the spec. */
static void
test_compile_every_optimizer (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  GListModel *names = gtk_drop_down_get_model (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")));
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, FT_N_OPTIMIZERS);
  for (int k = FT_N_OPTIMIZERS - 1; k >= 0; k--)
    {
      const FtKindInfo *kind = ft_optimizer_kind_info ((FtOptimizerKind) k);
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), (guint) k), ==, kind->name);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "optimizer_dropdown")), (guint) k);
      g_assert_cmpint (exp->compile.optimizer.kind, ==, k);
      FtOptimizerSpec def = ft_optimizer_spec_default ((FtOptimizerKind) k);
      g_assert_cmpmem (&exp->compile.optimizer, sizeof def, &def, sizeof def);
      g_assert_nonnull (strstr (
          adw_action_row_get_subtitle (ADW_ACTION_ROW (COMPILE (panel, "optimizer_row"))), kind->name));
      /* every row of every kind: visible exactly when this kind takes the parameter */
      for (int j = 0; j < FT_N_OPTIMIZERS; j++)
        {
          const FtKindInfo *other = ft_optimizer_kind_info ((FtOptimizerKind) j);
          for (int p = 0; p < other->n_params; p++)
            {
              if (other->params[p].type == FT_PARAM_KERAS_CONST)
                continue;
              g_autofree char *row = g_strdup_printf ("%s_row", other->params[p].key);
              g_assert_cmpint (gtk_widget_get_visible (COMPILE (panel, row)), ==,
                               ft_kind_find_param (kind, other->params[p].key) != NULL);
            }
        }
      for (int p = 0; p < kind->n_params; p++)
        {
          const FtParam *param = &kind->params[p];
          if (param->type == FT_PARAM_KERAS_CONST)
            continue;
          if (param->type == FT_PARAM_BOOL)
            {
              g_autofree char *name = g_strdup_printf ("%s_switch", param->key);
              gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, name)), TRUE);
              g_assert_true (*(bool *) ft_param_ptr (param, &exp->compile.optimizer));
            }
          else
            {
              g_autofree char *name = g_strdup_printf ("%s_spin", param->key);
              GtkWidget *spin = COMPILE (panel, name);
              double before = ft_param_get_number (param, &exp->compile.optimizer);
              gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_FORWARD, 0);
              g_assert_cmpfloat (ft_param_get_number (param, &exp->compile.optimizer), >, before);
            }
        }
      g_assert_true (ft_optimizer_spec_validate (&exp->compile.optimizer, NULL));
    }
  /* The loss list is the loss table's; from_logits shows for the losses that take it. */
  GListModel *losses = gtk_drop_down_get_model (GTK_DROP_DOWN (COMPILE (panel, "loss_dropdown")));
  g_assert_cmpuint (g_list_model_get_n_items (losses), ==, FT_N_LOSSES);
  for (int k = FT_N_LOSSES - 1; k >= 0; k--)
    {
      const FtKindInfo *kind = ft_loss_kind_info ((FtLossKind) k);
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (losses), (guint) k), ==, kind->label);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "loss_dropdown")), (guint) k);
      g_assert_cmpint (exp->compile.loss.kind, ==, k);
      g_assert_cmpint (gtk_widget_get_visible (COMPILE (panel, "from_logits_row")), ==,
                       ft_kind_find_param (kind, "from_logits") != NULL);
      g_assert_nonnull (
          strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (COMPILE (panel, "loss_row"))), kind->summary));
    }
  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_compile_learning_rate (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  GtkWidget *spin = COMPILE (panel, "learning_rate_spin");

  type_into_spin (spin, "0.05");
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 0.05f);
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin)), ==, "0.05000");

  /* The +/− steps walk the decade ladder: 0.01 ↓ 0.009, ↑ 0.01 ↑ 0.02. */
  type_into_spin (spin, "0.01");
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 0.01f);
  gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_BACKWARD, 0);
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 0.009f);
  gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_FORWARD, 0);
  gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_FORWARD, 0);
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 0.02f);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin)), ==, "0.02000");

  /* Out of range values are clamped to 1e-5 … 10; text that is not a number changes nothing. */
  type_into_spin (spin, "100");
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 10.0f);
  type_into_spin (spin, "0.0000001");
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 1e-5f);
  gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_BACKWARD, 0);
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 1e-5f);
  int before = changed;
  type_into_spin (spin, "fast");
  g_assert_cmpfloat (exp->compile.optimizer.learning_rate, ==, 1e-5f);
  g_assert_cmpint (changed, ==, before);
  g_assert_true (ft_optimizer_spec_validate (&exp->compile.optimizer, NULL));

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_compile_clipping (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (COMPILE (panel, "clipnorm_spin")), 1.0);
  g_assert_cmpfloat (exp->compile.optimizer.clipnorm, ==, 1.0f);
  /* At most one clip: setting clipvalue turns clipnorm off. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (COMPILE (panel, "clipvalue_spin")), 0.5);
  g_assert_cmpfloat (exp->compile.optimizer.clipvalue, ==, 0.5f);
  g_assert_cmpfloat (exp->compile.optimizer.clipnorm, ==, 0.0f);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (COMPILE (panel, "clipnorm_spin"))), ==, 0.0);
  g_assert_true (ft_optimizer_spec_validate (&exp->compile.optimizer, NULL));
  g_assert_cmpint (changed, ==, 2);
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "error_label")));

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_compile_loss_and_metrics (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);

  g_assert_true (exp->compile.loss.from_logits);
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "from_logits_switch")), FALSE);
  g_assert_false (exp->compile.loss.from_logits);
  g_assert_cmpint (changed, ==, 1);
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "from_logits_switch")), TRUE);
  g_assert_true (exp->compile.loss.from_logits);
  g_assert_cmpint (changed, ==, 2);

  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "loss_dropdown")),
                              FT_LOSS_CATEGORICAL_CROSSENTROPY);
  g_assert_cmpint (exp->compile.loss.kind, ==, FT_LOSS_CATEGORICAL_CROSSENTROPY);
  g_assert_true (gtk_widget_get_visible (COMPILE (panel, "from_logits_row")));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (COMPILE (panel, "loss_row"))),
                            "categorical_crossentropy"));
  /* Mean squared error takes no from_logits. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (panel, "loss_dropdown")), FT_LOSS_MEAN_SQUARED_ERROR);
  g_assert_cmpint (exp->compile.loss.kind, ==, FT_LOSS_MEAN_SQUARED_ERROR);
  g_assert_false (exp->compile.loss.from_logits);
  g_assert_false (gtk_widget_get_visible (COMPILE (panel, "from_logits_row")));
  g_assert_cmpint (changed, ==, 4);

  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "mae_switch")), TRUE);
  g_assert_cmpint (exp->compile.n_metrics, ==, 2);
  g_assert_cmpstr (exp->compile.metrics[0], ==, "accuracy");
  g_assert_cmpstr (exp->compile.metrics[1], ==, "mae");
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "accuracy_switch")), FALSE);
  g_assert_cmpint (exp->compile.n_metrics, ==, 1);
  g_assert_cmpstr (exp->compile.metrics[0], ==, "mae");
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "mse_switch")), TRUE);
  g_assert_cmpint (exp->compile.n_metrics, ==, 2);
  g_assert_cmpstr (exp->compile.metrics[1], ==, "mse");
  g_assert_cmpint (changed, ==, 7);
  g_assert_nonnull (strstr (
      adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (COMPILE (panel, "metrics_group"))),
      "[\"mae\", \"mse\"]"));

  /* The edited experiment still round-trips through its file format. */
  char *json = ft_experiment_to_json (exp);
  GError *error = NULL;
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (exp, back));
  ft_experiment_free (back);
  g_free (json);

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

/* compile(weighted_metrics=[…]): the second list of toggles edits only exp->compile.weighted_metrics,
 * survives the experiment's file format, and a panel showing the read-back experiment has the same
 * switches on. */
static void
test_compile_weighted_metrics (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtCompilePanel *panel = new_panel (ft_compile_panel_new);
  ft_compile_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  g_assert_cmpint (exp->compile.n_weighted_metrics, ==, 0);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel, "weighted_accuracy_switch"))));

  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "weighted_accuracy_switch")), TRUE);
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "weighted_mse_switch")), TRUE);
  g_assert_cmpint (changed, ==, 2);
  g_assert_cmpint (exp->compile.n_weighted_metrics, ==, 2);
  g_assert_cmpstr (exp->compile.weighted_metrics[0], ==, "accuracy");
  g_assert_cmpstr (exp->compile.weighted_metrics[1], ==, "mse");
  /* The plain list is untouched. */
  g_assert_cmpint (exp->compile.n_metrics, ==, 1);
  g_assert_cmpstr (exp->compile.metrics[0], ==, "accuracy");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel, "accuracy_switch"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel, "mse_switch"))));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (
                                ADW_PREFERENCES_GROUP (COMPILE (panel, "weighted_metrics_group"))),
                            "weighted_metrics=[\"accuracy\", \"mse\"]"));
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "weighted_accuracy_switch")), FALSE);
  g_assert_cmpint (exp->compile.n_weighted_metrics, ==, 1);
  g_assert_cmpstr (exp->compile.weighted_metrics[0], ==, "mse");
  gtk_switch_set_active (GTK_SWITCH (COMPILE (panel, "weighted_accuracy_switch")), TRUE);
  g_assert_cmpint (changed, ==, 4);

  /* Round trip: JSON out and back, equal, and a fresh panel shows the same switches. */
  char *json = ft_experiment_to_json (exp);
  g_assert_nonnull (strstr (json, "weighted_metrics"));
  GError *error = NULL;
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (exp, back));
  g_assert_cmpint (back->compile.n_weighted_metrics, ==, 2);
  FtCompilePanel *panel2 = new_panel (ft_compile_panel_new);
  int changed2 = 0;
  g_signal_connect (panel2, "changed", G_CALLBACK (count_changed), &changed2);
  ft_compile_panel_set_experiment (panel2, back);
  g_assert_cmpint (changed2, ==, 0); /* refreshing is silent */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel2, "weighted_accuracy_switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel2, "weighted_mse_switch"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel2, "weighted_mae_switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (COMPILE (panel2, "accuracy_switch"))));
  g_assert_finalize_object (panel2);
  ft_experiment_free (back);
  g_free (json);

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

/* ------------------------------------------------------------------------------------------------ */
/* Training panel */

static void
test_training_fit_args (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtTrainingPanel *panel = new_panel (ft_training_panel_new);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  ft_training_panel_set_experiment (panel, exp);
  g_assert_cmpint (changed, ==, 0);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (TRAINING (panel, "epochs_spin"))), ==,
                   exp->fit.epochs);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (TRAINING (panel, "epochs_spin")), 5);
  g_assert_cmpint (exp->fit.epochs, ==, 5);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (TRAINING (panel, "epochs_spin")), 5000); /* clamped */
  g_assert_cmpint (exp->fit.epochs, ==, 1000);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (TRAINING (panel, "batch_size_spin")), 64);
  g_assert_cmpint (exp->fit.batch_size, ==, 64);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (TRAINING (panel, "batch_size_spin")), 0); /* clamped */
  g_assert_cmpint (exp->fit.batch_size, ==, 1);
  gtk_switch_set_active (GTK_SWITCH (TRAINING (panel, "shuffle_switch")), FALSE);
  g_assert_false (exp->fit.shuffle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (TRAINING (panel, "seed_spin")), 7);
  g_assert_cmpuint (exp->seed, ==, 7);
  g_assert_cmpint (changed, ==, 6);
  g_assert_true (ft_fit_args_validate (&exp->fit, NULL));

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_training_callbacks (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  g_assert_cmpint (exp->n_callbacks, ==, 0);
  FtTrainingPanel *panel = new_panel (ft_training_panel_new);
  ft_training_panel_set_experiment (panel, exp);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  GtkWidget *group = TRAINING (panel, "callbacks_group");
  g_assert_true (gtk_widget_get_visible (TRAINING (panel, "no_callbacks_row")));

  /* Add EarlyStopping (what the "Add" menu's item activates) and set its patience. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "training.add-callback", "i",
                                             FT_CALLBACK_EARLY_STOPPING));
  g_assert_cmpint (exp->n_callbacks, ==, 1);
  g_assert_cmpint (exp->callbacks[0].kind, ==, FT_CALLBACK_EARLY_STOPPING);
  g_assert_cmpint (changed, ==, 1);
  g_assert_false (gtk_widget_get_visible (TRAINING (panel, "no_callbacks_row")));
  GtkWidget *row = must_find (group, "EarlyStopping");
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "patience")), 3);
  g_assert_cmpint (exp->callbacks[0].patience, ==, 3);
  g_assert_cmpint (changed, ==, 2);
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), "3 epochs"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (must_find (row, "monitor")), 3);
  g_assert_cmpstr (exp->callbacks[0].monitor, ==, "val_accuracy");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (must_find (row, "mode")), FT_MONITOR_MAX);
  g_assert_cmpint (exp->callbacks[0].mode, ==, FT_MONITOR_MAX);
  gtk_switch_set_active (GTK_SWITCH (must_find (row, "restore_best_weights")), TRUE);
  g_assert_true (exp->callbacks[0].restore_best_weights);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "min_delta")), 0.01);
  g_assert_cmpfloat_with_epsilon (exp->callbacks[0].min_delta, 0.01, 1e-9);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "start_from_epoch")), 2);
  g_assert_cmpint (exp->callbacks[0].start_from_epoch, ==, 2);
  g_assert_cmpint (changed, ==, 7);

  /* A ModelCheckpoint: its file path is written as typed; an empty one is refused. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "training.add-callback", "i", FT_CALLBACK_MODEL_CHECKPOINT);
  g_assert_cmpint (exp->n_callbacks, ==, 2);
  g_assert_cmpint (exp->callbacks[0].patience, ==, 3); /* kept through the rebuild */
  row = must_find (group, "ModelCheckpoint");
  GtkWidget *entry = must_find (row, "filepath");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "checkpoint-{epoch:02d}.h5");
  gtk_editable_set_text (GTK_EDITABLE (entry), "best-{val_loss:.4f}.h5");
  g_assert_cmpstr (exp->callbacks[1].filepath, ==, "best-{val_loss:.4f}.h5");
  int before = changed;
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_cmpstr (exp->callbacks[1].filepath, ==, "best-{val_loss:.4f}.h5");
  g_assert_cmpint (changed, ==, before);
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  gtk_switch_set_active (GTK_SWITCH (must_find (row, "save_best_only")), TRUE);
  g_assert_true (exp->callbacks[1].save_best_only);

  /* A LearningRateScheduler shows the parameters of the chosen schedule only. */
  gtk_widget_activate_action (GTK_WIDGET (panel), "training.add-callback", "i",
                              FT_CALLBACK_LEARNING_RATE_SCHEDULER);
  row = must_find (group, "LearningRateScheduler");
  g_assert_true (gtk_widget_get_visible (must_find (row, "row-step_size")));
  g_assert_false (gtk_widget_get_visible (must_find (row, "row-rate")));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (must_find (row, "schedule")), FT_SCHEDULE_EXPONENTIAL);
  g_assert_cmpint (exp->callbacks[2].schedule, ==, FT_SCHEDULE_EXPONENTIAL);
  g_assert_false (gtk_widget_get_visible (must_find (row, "row-step_size")));
  g_assert_true (gtk_widget_get_visible (must_find (row, "row-rate")));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "rate")), 0.9);
  g_assert_cmpfloat_with_epsilon (exp->callbacks[2].rate, 0.9, 1e-9);

  for (int i = 0; i < exp->n_callbacks; i++)
    g_assert_true (ft_callback_spec_validate (&exp->callbacks[i], NULL));

  /* Remove the first (EarlyStopping) with its own button, then the rest. */
  before = changed;
  GtkWidget *remove = must_find (must_find (group, "EarlyStopping"), "remove-callback");
  g_assert_true (gtk_widget_is_sensitive (remove));
  g_signal_emit_by_name (remove, "clicked");
  g_assert_cmpint (exp->n_callbacks, ==, 2);
  g_assert_cmpint (exp->callbacks[0].kind, ==, FT_CALLBACK_MODEL_CHECKPOINT);
  g_assert_cmpstr (exp->callbacks[0].filepath, ==, "best-{val_loss:.4f}.h5");
  g_assert_cmpint (exp->callbacks[1].kind, ==, FT_CALLBACK_LEARNING_RATE_SCHEDULER);
  g_assert_cmpint (changed, ==, before + 1);
  g_assert_null (ft_widget_find_named (group, "EarlyStopping"));
  g_signal_emit_by_name (must_find (must_find (group, "LearningRateScheduler"), "remove-callback"),
                         "clicked");
  g_signal_emit_by_name (must_find (must_find (group, "ModelCheckpoint"), "remove-callback"), "clicked");
  g_assert_cmpint (exp->n_callbacks, ==, 0);
  g_assert_true (gtk_widget_get_visible (TRAINING (panel, "no_callbacks_row")));

  /* Every kind can be added and gives a valid spec. */
  for (int k = 0; k < FT_N_CALLBACK_KINDS; k++)
    gtk_widget_activate_action (GTK_WIDGET (panel), "training.add-callback", "i", k);
  g_assert_cmpint (exp->n_callbacks, ==, FT_N_CALLBACK_KINDS);
  for (int k = 0; k < FT_N_CALLBACK_KINDS; k++)
    {
      g_assert_cmpint (exp->callbacks[k].kind, ==, k);
      g_assert_true (ft_callback_spec_validate (&exp->callbacks[k], NULL));
      GtkWidget *kind_row = ft_widget_find_named (group, ft_callback_kind_name (k));
      g_assert_nonnull (kind_row);
      /* one row per table entry the editor shows, its widget named after the key; none for hidden ones */
      const FtKindInfo *info = ft_callback_kind_info (k);
      for (int i = 0; i < info->n_params; i++)
        {
          const FtParam *p = &info->params[i];
          g_autofree char *row_name = g_strconcat ("row-", p->key, NULL);
          if (p->flags & FT_PARAM_UI_HIDDEN)
            g_assert_null (ft_widget_find_named (kind_row, row_name));
          else
            g_assert_nonnull (ft_widget_find_named (ft_widget_find_named (kind_row, row_name), p->key));
        }
    }

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_training_mode (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  FtTrainingPanel *panel = new_panel (ft_training_panel_new);
  ft_training_panel_set_experiment (panel, exp);
  GtkWidget *loop = TRAINING (panel, "loop_group");
  g_assert_false (gtk_widget_get_visible (loop));

  ft_training_panel_set_mode (panel, FT_MODE_TAPE);
  g_assert_true (gtk_widget_get_visible (loop));
  for (int i = 0; i < ft_loop_n_steps (); i++)
    {
      GtkWidget *sw = must_find (loop, ft_loop_step_name (i));
      g_assert_true (GTK_IS_SWITCH (sw));
      g_assert_true (gtk_widget_get_visible (sw));
      g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)) == *ft_loop_step_flag (&exp->steps, i));
      GtkWidget *row = gtk_widget_get_ancestor (sw, ADW_TYPE_ACTION_ROW);
      const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
      g_assert_true (sub != NULL && strstr (sub, "without it") != NULL);
    }
  ft_training_panel_set_mode (panel, FT_MODE_FIT);
  g_assert_false (gtk_widget_get_visible (loop));
  ft_training_panel_set_mode (panel, FT_MODE_BOTH);
  g_assert_true (gtk_widget_get_visible (loop));

  /* The experiment's own mode applies when it is set. */
  exp->mode = FT_MODE_FIT;
  ft_training_panel_set_experiment (panel, exp);
  g_assert_false (gtk_widget_get_visible (loop));

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

static void
test_training_loop_steps (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  exp->steps = ft_loop_steps_all ();
  FtTrainingPanel *panel = new_panel (ft_training_panel_new);
  ft_training_panel_set_experiment (panel, exp);
  ft_training_panel_set_mode (panel, FT_MODE_TAPE);
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_changed), &changed);
  GtkWidget *loop = TRAINING (panel, "loop_group");

  GtkWidget *sw = must_find (loop, "reset_metrics");
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  g_assert_false (exp->steps.reset_metrics);
  g_assert_cmpint (changed, ==, 1);
  g_assert_true (exp->steps.batching && exp->steps.shuffle && exp->steps.validate);
  GtkWidget *row = gtk_widget_get_ancestor (sw, ADW_TYPE_ACTION_ROW);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "metric.reset_state() each epoch — without it accuracy keeps accumulating across epochs");

  /* Each switch drives its own flag. */
  for (int i = 0; i < ft_loop_n_steps (); i++)
    {
      gtk_switch_set_active (GTK_SWITCH (must_find (loop, ft_loop_step_name (i))), FALSE);
      g_assert_false (*ft_loop_step_flag (&exp->steps, i));
    }
  g_assert_cmpint (changed, ==, ft_loop_n_steps ()); /* reset_metrics was already off */
  /* The pitfalls: a switch each, off for the correct loop, on puts the mistake in. */
  for (int p = 0; p < FT_N_PITFALLS; p++)
    {
      char *name = g_strdup_printf ("pitfall:%s", ft_pitfall_name ((FtPitfall) p));
      GtkWidget *psw = must_find (loop, name);
      g_free (name);
      g_assert_false (gtk_switch_get_active (GTK_SWITCH (psw)));
      gtk_switch_set_active (GTK_SWITCH (psw), TRUE);
      g_assert_true (exp->steps.pitfalls.on[p]);
      GtkWidget *prow = gtk_widget_get_ancestor (psw, ADW_TYPE_ACTION_ROW);
      g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (prow)), ==,
                       ft_pitfall_explanation ((FtPitfall) p));
    }
  g_assert_cmpint (changed, ==, ft_loop_n_steps () + FT_N_PITFALLS);
  exp->steps.pitfalls.on[FT_PITFALL_TRAINING_FALSE] = false;
  ft_training_panel_set_experiment (panel, exp);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (must_find (loop, "pitfall:training_false"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (must_find (loop, "pitfall:shuffle_buffer"))));
  gtk_switch_set_active (GTK_SWITCH (must_find (loop, "shuffle")), TRUE);
  g_assert_true (exp->steps.shuffle);
  g_assert_false (exp->steps.batching);

  g_assert_finalize_object (panel);
  ft_experiment_free (exp);
}

/* Model buttons are private: found by type name and label. */
static GtkWidget *
find_model_button (GtkWidget *root, const char *text)
{
  if (strcmp (G_OBJECT_TYPE_NAME (root), "GtkModelButton") == 0)
    {
      char *label = NULL;
      g_object_get (root, "text", &label, NULL);
      gboolean match = g_strcmp0 (label, text) == 0;
      g_free (label);
      if (match)
        return root;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_model_button (c, text);
      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *show_in_window (GtkWidget *panel, int width);

static void
test_training_add_menu (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *panel = ft_training_panel_new ();
  ft_training_panel_set_experiment (FT_TRAINING_PANEL (panel), exp);
  GtkWidget *window = show_in_window (panel, 460);

  /* The "Add" menu lists every callback kind; choosing one adds it. */
  GtkMenuButton *add = GTK_MENU_BUTTON (TRAINING (panel, "add_callback_button"));
  gtk_menu_button_popup (add);
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (add));
  g_assert_nonnull (popover);
  for (int k = 0; k < FT_N_CALLBACK_KINDS; k++)
    {
      GtkWidget *item = find_model_button (popover, ft_callback_kind_name (k));
      g_assert_nonnull (item);
      g_assert_true (gtk_widget_is_sensitive (item));
    }
  g_signal_emit_by_name (find_model_button (popover, "ReduceLROnPlateau"), "clicked");
  g_assert_cmpint (exp->n_callbacks, ==, 1);
  g_assert_cmpint (exp->callbacks[0].kind, ==, FT_CALLBACK_REDUCE_LR_ON_PLATEAU);
  GtkWidget *row = must_find (TRAINING (panel, "callbacks_group"), "ReduceLROnPlateau");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "factor")), 0.5);
  g_assert_cmpfloat_with_epsilon (exp->callbacks[0].factor, 0.5, 1e-9);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "cooldown")), 2);
  g_assert_cmpint (exp->callbacks[0].cooldown, ==, 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (must_find (row, "min_lr")), 0.0001);
  g_assert_cmpfloat_with_epsilon (exp->callbacks[0].min_lr, 0.0001, 1e-12);
  g_assert_true (ft_callback_spec_validate (&exp->callbacks[0], NULL));

  gtk_window_destroy (GTK_WINDOW (window));
  ft_experiment_free (exp);
}

/* ------------------------------------------------------------------------------------------------ */
/* Screenshots */

/* The whole panel (also the part scrolled out of view) on the window's background, with a margin. */
static void
save_screenshot (GtkWidget *widget, const char *path)
{
  const int margin = 18;
  int pw = gtk_widget_get_width (widget), ph = gtk_widget_get_height (widget);
  g_assert_cmpint (pw, >, 0);
  g_assert_cmpint (ph, >, 0);
  int w = pw + 2 * margin, h = ph + 2 * margin;
  GdkRGBA bg = { 0.98f, 0.98f, 0.98f, 1.0f }; /* libadwaita's light window background, #fafafa */
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (margin, margin));
  gdk_paintable_snapshot (paintable, snapshot, pw, ph);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));

  /* Structure, not pixels: the image is not one flat colour. */
  gsize stride = (gsize) w * 4;
  guchar *pixels = g_malloc (stride * (gsize) h);
  gdk_texture_download (texture, pixels, stride);
  gboolean varied = FALSE;
  for (gsize i = 4; i < stride * (gsize) h && !varied; i += 4)
    varied = memcmp (pixels, pixels + i, 4) != 0;
  g_assert_true (varied);
  g_free (pixels);
  g_test_message ("screenshot: %s (%d x %d)", path, w, h);

  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
}

static GtkWidget *
show_in_window (GtkWidget *panel, int width)
{
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), width, 900);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_margin_top (panel, 18);
  gtk_widget_set_margin_bottom (panel, 18);
  gtk_widget_set_margin_start (panel, 18);
  gtk_widget_set_margin_end (panel, 18);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), panel);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);
  return window;
}

static void
test_screenshots (void)
{
  FtExperiment *exp = ft_experiment_new_default ();

  GtkWidget *compile = ft_compile_panel_new ();
  ft_compile_panel_set_experiment (FT_COMPILE_PANEL (compile), exp);
  GtkWidget *window = show_in_window (compile, 460);
  save_screenshot (compile, "/tmp/fittape-compile-panel.png");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (COMPILE (compile, "optimizer_dropdown")), FT_OPT_SGD);
  gtk_test_widget_wait_for_draw (window);
  save_screenshot (compile, "/tmp/fittape-compile-panel-sgd.png");
  gtk_window_destroy (GTK_WINDOW (window));

  GtkWidget *training = ft_training_panel_new ();
  ft_training_panel_set_experiment (FT_TRAINING_PANEL (training), exp);
  ft_training_panel_set_mode (FT_TRAINING_PANEL (training), FT_MODE_TAPE);
  gtk_widget_activate_action (training, "training.add-callback", "i", FT_CALLBACK_EARLY_STOPPING);
  gtk_widget_activate_action (training, "training.add-callback", "i", FT_CALLBACK_MODEL_CHECKPOINT);
  gtk_widget_activate_action (training, "training.add-callback", "i", FT_CALLBACK_TERMINATE_ON_NAN);
  adw_expander_row_set_expanded (
      ADW_EXPANDER_ROW (must_find (TRAINING (training, "callbacks_group"), "ModelCheckpoint")), FALSE);
  window = show_in_window (training, 460);
  save_screenshot (training, "/tmp/fittape-training-panel.png");
  gtk_window_destroy (GTK_WINDOW (window));

  ft_experiment_free (exp);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The resources register themselves when linked in; referencing them makes sure they are. */
  g_assert_nonnull (fittape_get_resource ());

  g_test_add_func ("/compile-panel/every-optimizer", test_compile_every_optimizer);
  g_test_add_func ("/compile-panel/refresh-is-silent", test_compile_refresh_is_silent);
  g_test_add_func ("/compile-panel/switch-optimizer", test_compile_switch_optimizer);
  g_test_add_func ("/compile-panel/learning-rate", test_compile_learning_rate);
  g_test_add_func ("/compile-panel/clipping", test_compile_clipping);
  g_test_add_func ("/compile-panel/loss-and-metrics", test_compile_loss_and_metrics);
  g_test_add_func ("/compile-panel/weighted-metrics", test_compile_weighted_metrics);
  g_test_add_func ("/training-panel/fit-args", test_training_fit_args);
  g_test_add_func ("/training-panel/callbacks", test_training_callbacks);
  g_test_add_func ("/training-panel/add-menu", test_training_add_menu);
  g_test_add_func ("/training-panel/mode", test_training_mode);
  g_test_add_func ("/training-panel/loop-steps", test_training_loop_steps);
  g_test_add_func ("/panels-b/screenshots", test_screenshots);
  return g_test_run ();
}
