/* ft-network-view-controls.c — the network view's toolbar: +/− layers, regularization and its rate,
 * activation, learning rate, the class a click adds, "Regenerate" and "Show test data", kept in step with
 * the experiment. See ft-network-view.h. */
#include "views/ft-network-view-private.h"

#include "experiment/ft-network-edit.h"

#include <math.h>
#include <string.h>

/* The learning-rate control's items: the Playground's values, and the experiment's own when it is none of
 * them (kept in order, at most 16). */
static const float playground_rates[] = { 0.00001f, 0.0001f, 0.001f, 0.003f, 0.01f, 0.03f,
                                          0.1f,     0.3f,    1.0f,   3.0f,   10.0f };

static void
sync_learning_rate (FtNetworkView *self)
{
  if (self->n_lr == 0)
    for (guint i = 0; i < G_N_ELEMENTS (playground_rates); i++)
      {
        char text[32];
        g_snprintf (text, sizeof text, "Learning rate %g", (double) playground_rates[i]);
        gtk_string_list_append (self->lr_items, text);
        self->lr_values[self->n_lr++] = playground_rates[i];
      }
  guint item = GTK_INVALID_LIST_POSITION;
  if (self->exp != NULL)
    {
      float lr = self->exp->compile.optimizer.learning_rate;
      guint at = 0;
      while (at < self->n_lr && self->lr_values[at] < lr)
        at++;
      if (at < self->n_lr && self->lr_values[at] == lr)
        item = at;
      else if (self->n_lr < G_N_ELEMENTS (self->lr_values) && lr > 0.0f)
        {
          memmove (&self->lr_values[at + 1], &self->lr_values[at], (self->n_lr - at) * sizeof (float));
          self->lr_values[at] = lr;
          self->n_lr++;
          char text[32];
          g_snprintf (text, sizeof text, "Learning rate %g", (double) lr);
          const char *const add[] = { text, NULL };
          gtk_string_list_splice (self->lr_items, at, 0, add);
          item = at;
        }
    }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->lr_dropdown), item);
  gtk_widget_set_sensitive (self->lr_dropdown, self->exp != NULL);
}

/* The activation control's items: the Playground's four. */
static const FtActivation hidden_activations[] = { FT_ACT_RELU, FT_ACT_TANH, FT_ACT_SIGMOID, FT_ACT_LINEAR };

/* The regularization and activation controls show the experiment's (the first Dense layer's
 * regularization, the hidden layers' activation when they share one), "Regenerate" is for generated data. */
void
ft_network_view_sync_controls (FtNetworkView *self)
{
  float l1 = 0, l2 = 0;
  if (self->exp != NULL)
    ft_network_get_regularization (self->exp, &l1, &l2);
  self->syncing = TRUE;
  guint kind = l1 > 0 && l2 > 0 ? 3 : l2 > 0 ? 2 : l1 > 0 ? 1 : 0;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->reg_dropdown), kind);
  if (kind != 0)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->reg_spin), kind == 2 ? l2 : l1);
  gtk_widget_set_sensitive (self->reg_dropdown, self->exp != NULL);
  gtk_widget_set_sensitive (self->reg_spin, self->exp != NULL && kind != 0);
  FtActivation act;
  bool one = self->exp != NULL && ft_network_get_activation (self->exp, &act);
  guint item = GTK_INVALID_LIST_POSITION;
  for (guint i = 0; one && i < G_N_ELEMENTS (hidden_activations); i++)
    if (hidden_activations[i] == act)
      item = i;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->act_dropdown), item);
  sync_learning_rate (self);
  gtk_widget_set_sensitive (self->act_dropdown, self->exp != NULL && ft_network_n_hidden (self->exp) > 0);
  gtk_widget_set_sensitive (self->regenerate_button,
                            self->exp != NULL && self->exp->data.source == FT_DATA_PLAYGROUND);
  self->syncing = FALSE;
}

gboolean
ft_network_view_set_learning_rate (FtNetworkView *self, float lr)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !(lr > 0.0f) || !isfinite (lr))
    return FALSE;
  self->exp->compile.optimizer.learning_rate = lr;
  ft_network_view_sync_controls (self);
  g_signal_emit (self, ft_network_view_signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_learning_rate_changed (FtNetworkView *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->lr_dropdown));
  if (self->syncing || i >= self->n_lr)
    return;
  ft_network_view_set_learning_rate (self, self->lr_values[i]);
}

gboolean
ft_network_view_set_activation (FtNetworkView *self, FtActivation act)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !ft_network_set_activation (self->exp, act, NULL))
    return FALSE;
  ft_network_view_sync_controls (self);
  g_signal_emit (self, ft_network_view_signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_activation_changed (FtNetworkView *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->act_dropdown));
  if (self->syncing || i >= G_N_ELEMENTS (hidden_activations))
    return;
  ft_network_view_set_activation (self, hidden_activations[i]);
}

static void
on_show_test_toggled (FtNetworkView *self)
{
  if (self->canvas != NULL)
    gtk_widget_queue_draw (self->canvas);
}

static void
on_regenerate (FtNetworkView *self)
{
  g_signal_emit (self, ft_network_view_signals[SIGNAL_REGENERATE], 0);
}

gboolean
ft_network_view_set_regularization (FtNetworkView *self, float l1, float l2)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !ft_network_set_regularization (self->exp, l1, l2, NULL))
    return FALSE;
  ft_network_view_sync_controls (self);
  g_signal_emit (self, ft_network_view_signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_regularization_changed (FtNetworkView *self)
{
  if (self->syncing)
    return;
  guint kind = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->reg_dropdown));
  float rate = (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->reg_spin));
  ft_network_view_set_regularization (self, kind == 1 || kind == 3 ? rate : 0.0f,
                                      kind == 2 || kind == 3 ? rate : 0.0f);
}

static void
on_add_layer (GtkButton *button, FtNetworkView *self)
{
  ft_network_view_add_layer (self);
}

static void
on_remove_layer (GtkButton *button, FtNetworkView *self)
{
  ft_network_view_remove_layer (self);
}

/* −, + and "n hidden layers". */
static GtkWidget *
build_layers_group (FtNetworkView *self)
{
  GtkWidget *group = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->remove_layer_button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_name (self->remove_layer_button, "remove-layer");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_layer_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Remove a hidden layer", -1);
  self->add_layer_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (self->add_layer_button, "add-layer");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_layer_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Add a hidden layer", -1);
  self->layers_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->layers_label, "heading");
  gtk_box_append (GTK_BOX (group), self->remove_layer_button);
  gtk_box_append (GTK_BOX (group), self->add_layer_button);
  gtk_box_append (GTK_BOX (group), self->layers_label);
  g_signal_connect (self->add_layer_button, "clicked", G_CALLBACK (on_add_layer), self);
  g_signal_connect (self->remove_layer_button, "clicked", G_CALLBACK (on_remove_layer), self);
  return group;
}

/* Playground's regularization: one for every layer's weights, and its rate. */
static void
build_regularization (FtNetworkView *self)
{
  static const char *const regs[] = { "No regularization", "L1", "L2", "L1 + L2", NULL };
  self->reg_dropdown = gtk_drop_down_new_from_strings (regs);
  gtk_widget_set_name (self->reg_dropdown, "regularization");
  gtk_widget_set_tooltip_text (
      self->reg_dropdown,
      "kernel_regularizer of every Dense layer: L1 adds rate·Σ|w| to the loss, L2 rate·Σw²");
  self->reg_spin = gtk_spin_button_new_with_range (0, 10, 0.001);
  gtk_widget_set_name (self->reg_spin, "regularization-rate");
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->reg_spin), 4);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->reg_spin), 0.001);
  gtk_widget_add_css_class (self->reg_spin, "numeric");
  gtk_widget_set_tooltip_text (self->reg_spin, "Regularization rate");
  g_signal_connect_swapped (self->reg_dropdown, "notify::selected", G_CALLBACK (on_regularization_changed),
                            self);
  g_signal_connect_swapped (self->reg_spin, "value-changed", G_CALLBACK (on_regularization_changed), self);
}

/* The hidden layers' activation and the learning rate, both live while a run trains. */
static void
build_activation_and_rate (FtNetworkView *self)
{
  static const char *const acts[] = { "ReLU", "Tanh", "Sigmoid", "Linear", NULL };
  self->act_dropdown = gtk_drop_down_new_from_strings (acts);
  gtk_widget_set_name (self->act_dropdown, "activation");
  gtk_widget_set_tooltip_text (
      self->act_dropdown, "The activation of every hidden layer; while a run trains it applies from its next "
                          "step");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->act_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Activation of the hidden layers", -1);
  self->lr_items = gtk_string_list_new (NULL);
  self->lr_dropdown = gtk_drop_down_new (G_LIST_MODEL (self->lr_items), NULL); /* takes the list */
  gtk_widget_set_name (self->lr_dropdown, "learning-rate");
  gtk_widget_set_tooltip_text (
      self->lr_dropdown, "The optimizer's learning rate; while a run trains it applies from its next step");
  g_signal_connect_swapped (self->lr_dropdown, "notify::selected", G_CALLBACK (on_learning_rate_changed),
                            self);
  g_signal_connect_swapped (self->act_dropdown, "notify::selected", G_CALLBACK (on_activation_changed), self);
}

/* The data: the class a click adds, "Regenerate", "Show test data". */
static void
build_data_controls (FtNetworkView *self)
{
  static const char *const classes[] = { "Click adds orange (0)", "Click adds blue (1)", NULL };
  self->class_dropdown = gtk_drop_down_new_from_strings (classes);
  gtk_widget_set_name (self->class_dropdown, "point-class");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->class_dropdown), 1);
  gtk_widget_set_tooltip_text (
      self->class_dropdown,
      "A click on the prediction adds a training point of this class; Shift+click removes "
      "the nearest point");
  self->regenerate_button = gtk_button_new_with_mnemonic ("Re_generate");
  gtk_widget_set_name (self->regenerate_button, "regenerate-data");
  gtk_widget_set_tooltip_text (self->regenerate_button,
                               "New points from a new data seed; the starting weights stay as they are");
  g_signal_connect_swapped (self->regenerate_button, "clicked", G_CALLBACK (on_regenerate), self);
  self->show_test_check = gtk_check_button_new_with_mnemonic ("Show _test data");
  gtk_widget_set_name (self->show_test_check, "network-show-test-data");
  gtk_widget_set_sensitive (self->show_test_check, FALSE);
  gtk_widget_set_tooltip_text (self->show_test_check, "Draw the test points on the prediction, ringed");
  g_signal_connect_swapped (self->show_test_check, "toggled", G_CALLBACK (on_show_test_toggled), self);
}

/* Whose weights are drawn (the seed's, edited, the run's). */
static void
build_state_label (FtNetworkView *self)
{
  self->state_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->state_label, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (self->state_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (self->state_label), 12);
  gtk_label_set_xalign (GTK_LABEL (self->state_label), 0);
}

static void
append_at_start (FtNetworkView *self, GtkWidget *widget)
{
  gtk_widget_set_halign (widget, GTK_ALIGN_START);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), widget);
}

void
ft_network_view_build_toolbar (FtNetworkView *self)
{
  /* The controls in groups that wrap onto a second line in a narrow window. */
  self->toolbar = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->toolbar), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->toolbar), 5);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->toolbar), 18);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->toolbar), 6);
  gtk_widget_set_parent (self->toolbar, GTK_WIDGET (self));
  GtkWidget *layers_group = build_layers_group (self);
  build_regularization (self);
  build_activation_and_rate (self);
  build_data_controls (self);
  build_state_label (self);
  append_at_start (self, layers_group);
  append_at_start (self, self->reg_dropdown);
  append_at_start (self, self->reg_spin);
  append_at_start (self, self->act_dropdown);
  append_at_start (self, self->lr_dropdown);
  append_at_start (self, self->class_dropdown);
  append_at_start (self, self->regenerate_button);
  append_at_start (self, self->show_test_check);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->state_label);
}
