/* ft-network-view.c — the network as columns of neuron heatmaps with weighted links, edited by +/− and
 * by clicks (see ft-network-view.h): the widget, its life cycle and its API. The engine computes every
 * value drawn; the drawing (ft-network-view-draw.c), the interaction (ft-network-view-input.c), the toolbar
 * (ft-network-view-controls.c) and the computation off the main loop (ft-network-view-job.c) have files of
 * their own. */
#include "views/ft-network-view-private.h"

#include "experiment/ft-network-edit.h"

#include <math.h>
#include <string.h>

guint ft_network_view_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FtNetworkView, ft_network_view, GTK_TYPE_WIDGET)

/* ---- public API ---- */

GtkWidget *
ft_network_view_new (void)
{
  return g_object_new (FT_TYPE_NETWORK_VIEW, NULL);
}

void
ft_network_view_set_experiment (FtNetworkView *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  self->exp = exp;
  ft_network_view_sync_controls (self);
  ft_network_view_update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

/* Draws d from the experiment's seed weights. */
static void
restart (FtNetworkView *self, ViewData *d)
{
  g_clear_pointer (&self->data, ft_network_view_data_unref);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  self->data = d;
  self->maps_current = FALSE;
  self->live = FALSE;
  self->hover.kind = TARGET_NONE;
  if (d != NULL)
    {
      self->pending_fresh = TRUE;
      ft_network_view_schedule (self);
    }
  else
    {
      g_clear_pointer (&self->maps, ft_neuron_maps_free);
      g_clear_pointer (&self->grid, ft_decision_grid_free);
      ft_network_view_clear_images (self);
    }
  ft_network_view_update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

void
ft_network_view_set_data (FtNetworkView *self, const FtExperiment *exp, const FtDataset *train)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_clear_pointer (&self->error, g_free);
  self->edited = FALSE;
  restart (self, exp != NULL && train != NULL ? ft_network_view_data_new (exp, train) : NULL);
}

void
ft_network_view_set_shared_data (FtNetworkView *self, const FtExperiment *exp, const FtDataset *train,
                                 gpointer owner, GDestroyNotify owner_free)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self) && exp != NULL && train != NULL && owner_free != NULL);
  g_clear_pointer (&self->error, g_free);
  self->edited = FALSE;
  restart (self, ft_network_view_data_new_shared (exp, train, owner, owner_free));
}

const FtDataset *
ft_network_view_get_train_data (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->data != NULL ? self->data->train : NULL;
}

void
ft_network_view_set_test_data (FtNetworkView *self, const FtDataset *test)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_clear_pointer (&self->test, ft_dataset_free);
  if (test != NULL && test->features != NULL && test->sample_size == 2 && test->n > 0)
    self->test = ft_dataset_slice (test, 0, test->n);
  gtk_widget_set_sensitive (self->show_test_check, self->test != NULL);
  gtk_widget_queue_draw (self->canvas);
}

guint
ft_network_view_get_drawn_test (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), 0);
  return self->drawn_test;
}

void
ft_network_view_update_weights (FtNetworkView *self, const float *weights, size_t n)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_return_if_fail (weights != NULL || n == 0);
  if (self->data == NULL || self->edited || (self->maps_current && n != self->maps->n_weights))
    return;
  g_free (self->pending);
  self->pending = g_memdup2 (weights, n * sizeof (float));
  if (self->pending == NULL)
    self->pending = g_new (float, 1);
  self->n_pending = n;
  self->pending_fresh = FALSE;
  if (!self->live)
    {
      self->live = TRUE;
      ft_network_view_update_texts (self);
    }
  ft_network_view_schedule (self);
}

/* After +/−: the panels follow ("changed"), the view draws the edited network. */
static gboolean
edited (FtNetworkView *self, gboolean ok)
{
  if (!ok)
    return FALSE;
  self->edited = TRUE;
  ViewData *old = self->data; /* its training data, shared rather than copied */
  restart (self, old != NULL && old->train != NULL
                     ? ft_network_view_data_new_shared (self->exp, old->train, g_atomic_rc_box_acquire (old),
                                                        (GDestroyNotify) ft_network_view_data_unref)
                     : ft_network_view_data_new (self->exp, NULL));
  g_signal_emit (self, ft_network_view_signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

gboolean
ft_network_view_add_layer (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || ft_network_n_hidden (self->exp) >= FT_NETWORK_VIEW_MAX_LAYERS)
    return FALSE;
  return edited (self, ft_network_add_hidden (self->exp, NULL));
}

gboolean
ft_network_view_remove_layer (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL)
    return FALSE;
  return edited (self, ft_network_remove_hidden (self->exp, NULL));
}

static gboolean
change_units (FtNetworkView *self, int h, int delta)
{
  if (self->exp == NULL)
    return FALSE;
  int l = ft_network_hidden_layer (self->exp, h);
  if (l < 0)
    return FALSE;
  int units = self->exp->layers[l].units + delta;
  if (units < 1 || (delta > 0 && units > FT_NETWORK_VIEW_MAX_UNITS))
    return FALSE;
  return edited (self, ft_network_set_units (self->exp, h, units, NULL));
}

gboolean
ft_network_view_add_neuron (FtNetworkView *self, int h)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return change_units (self, h, +1);
}

gboolean
ft_network_view_remove_neuron (FtNetworkView *self, int h)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return change_units (self, h, -1);
}

gboolean
ft_network_view_add_point (FtNetworkView *self, float x, float y, int label)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || self->data == NULL || !self->data->two_d || self->data->train == NULL || label < -1
      || !isfinite (x) || !isfinite (y))
    return FALSE;
  FtPointEdit e = { x, y, label };
  GError *error = NULL;
  FtDataset *train = ft_dataset_apply_point_edits (self->data->train, &e, 1, &error);
  if (train == NULL)
    {
      g_clear_error (&error); /* a class the data does not have, or nothing left to remove */
      return FALSE;
    }
  FtDataSpec *d = &self->exp->data;
  d->points = g_renew (FtPointEdit, d->points, d->n_points + 1);
  d->points[d->n_points++] = e;
  self->edited = TRUE;
  restart (self, ft_network_view_data_new (self->exp, train));
  ft_dataset_free (train);
  g_signal_emit (self, ft_network_view_signals[SIGNAL_CHANGED], 0);
  g_signal_emit (self, ft_network_view_signals[SIGNAL_POINTS_CHANGED], 0);
  return TRUE;
}

gboolean
ft_network_view_toggle_feature (FtNetworkView *self, int i)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || self->data == NULL || !self->data->two_d || i < 0 || i >= FT_N_FEATURES)
    return FALSE;
  unsigned raw = FT_FEATURE_X1 | FT_FEATURE_X2;
  unsigned mask = (self->exp->data.features != 0 ? self->exp->data.features : raw) ^ (1u << i);
  if (mask == 0)
    return FALSE;                                    /* the network needs an input */
  self->exp->data.features = mask == raw ? 0 : mask; /* x₁ and x₂ alone: the raw points */
  return edited (self, TRUE);
}

gboolean
ft_network_view_edit_weight (FtNetworkView *self, size_t index, float value)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->maps == NULL || index >= self->maps->n_weights || !isfinite (value))
    return FALSE;
  gboolean accepted = FALSE;
  g_signal_emit (self, ft_network_view_signals[SIGNAL_EDIT_WEIGHT], 0, (guint64) index, value, &accepted);
  if (!accepted)
    return FALSE;
  /* The latest weights with this one replaced are drawn next (those pending if newer ones came). */
  if (self->pending == NULL)
    {
      self->pending = g_memdup2 (self->maps->weights, self->maps->n_weights * sizeof (float));
      self->n_pending = self->maps->n_weights;
    }
  if (index < self->n_pending)
    self->pending[index] = value;
  self->maps->weights[index] = value; /* the link redraws at once, the maps follow */
  self->pending_fresh = FALSE;
  ft_network_view_schedule (self);
  ft_network_view_update_texts (self);
  gtk_widget_queue_draw (self->canvas);
  return TRUE;
}

gboolean
ft_network_view_is_busy (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return self->running || self->pending != NULL || self->pending_fresh;
}

const FtNeuronMaps *
ft_network_view_get_maps (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->maps;
}

void
ft_network_view_get_drawn (FtNetworkView *self, int *neurons, int *links)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  if (neurons != NULL)
    *neurons = self->drawn_neurons;
  if (links != NULL)
    *links = self->drawn_links;
}

const char *
ft_network_view_get_error (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->error;
}

const char *
ft_network_view_get_description (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->description;
}

const char *
ft_network_view_get_caption (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->caption));
}

/* ---- life cycle ---- */

static void
ft_network_view_map (GtkWidget *widget)
{
  FtNetworkView *self = FT_NETWORK_VIEW (widget);
  GTK_WIDGET_CLASS (ft_network_view_parent_class)->map (widget);
  if (self->pending != NULL || self->pending_fresh)
    ft_network_view_schedule (self);
}

static void
ft_network_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  FtNetworkView *self = FT_NETWORK_VIEW (widget);
  GTK_WIDGET_CLASS (ft_network_view_parent_class)->css_changed (widget, change);
  ft_network_view_clear_images (self); /* the background colour may have changed */
  gtk_widget_queue_draw (self->canvas);
}

static void
ft_network_view_dispose (GObject *object)
{
  FtNetworkView *self = FT_NETWORK_VIEW (object);
  g_cancellable_cancel (self->cancellable);
  if (self->delay_source != 0)
    {
      g_source_remove (self->delay_source);
      self->delay_source = 0;
    }
  g_clear_pointer (&self->data, ft_network_view_data_unref);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  g_clear_pointer (&self->test, ft_dataset_free);
  self->exp = NULL;
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_pointer (&self->toolbar, gtk_widget_unparent);
  g_clear_pointer (&self->canvas, gtk_widget_unparent);
  g_clear_pointer (&self->caption, gtk_widget_unparent);
  G_OBJECT_CLASS (ft_network_view_parent_class)->dispose (object);
}

static void
ft_network_view_finalize (GObject *object)
{
  FtNetworkView *self = FT_NETWORK_VIEW (object);
  g_clear_object (&self->cancellable);
  ft_neuron_maps_free (self->maps);
  ft_decision_grid_free (self->grid);
  ft_network_view_clear_images (self);
  g_free (self->first_node);
  g_free (self->nodes);
  g_free (self->error);
  g_free (self->description);
  g_free (self->default_caption);
  G_OBJECT_CLASS (ft_network_view_parent_class)->finalize (object);
}

static void
ft_network_view_class_init (FtNetworkViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_network_view_dispose;
  object_class->finalize = ft_network_view_finalize;
  widget_class->css_changed = ft_network_view_css_changed;
  widget_class->map = ft_network_view_map;
  gtk_widget_class_set_css_name (widget_class, "network-view");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);

  /* The +/− buttons edited the experiment (the window refreshes the panels and the code). */
  ft_network_view_signals[SIGNAL_CHANGED] = g_signal_new (
      "changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* gboolean handler (FtNetworkView *view, guint64 index, gfloat value): a weight's new value (index in Keras
   * order); TRUE when the run takes it (a paused runner). */
  ft_network_view_signals[SIGNAL_EDIT_WEIGHT] = g_signal_new (
      "edit-weight", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled, NULL,
      NULL, G_TYPE_BOOLEAN, 2, G_TYPE_UINT64, G_TYPE_FLOAT);
  /* Points were added or removed (after "changed"): the experiment's data differ. */
  ft_network_view_signals[SIGNAL_POINTS_CHANGED] = g_signal_new (
      "points-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The "Regenerate" button: new points from the next data seed (the window asks the dataset panel). */
  ft_network_view_signals[SIGNAL_REGENERATE] = g_signal_new (
      "regenerate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* New maps are drawn (or their computation failed). */
  ft_network_view_signals[SIGNAL_COMPUTED] = g_signal_new (
      "computed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* The drawing, with its pointer and click handlers. */
static void
build_canvas (FtNetworkView *self)
{
  self->canvas = gtk_drawing_area_new ();
  gtk_widget_set_vexpand (self->canvas, TRUE);
  gtk_widget_set_hexpand (self->canvas, TRUE);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->canvas), 160);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->canvas), 300);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->canvas), ft_network_view_draw, self, NULL);
  gtk_widget_set_parent (self->canvas, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL, "Network",
                                  -1);
  ft_network_view_attach_input (self);
}

/* The caption below the drawing: what is hovered, or how to read the drawing. */
static void
build_caption (FtNetworkView *self)
{
  self->caption = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0);
  gtk_widget_set_valign (self->caption, GTK_ALIGN_START);
  gtk_widget_add_css_class (self->caption, "dim-label");
  gtk_widget_set_parent (self->caption, GTK_WIDGET (self));
}

static void
ft_network_view_init (FtNetworkView *self)
{
  self->cancellable = g_cancellable_new ();
  GtkLayoutManager *box = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (box), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (box), 6);
  ft_network_view_build_toolbar (self);
  build_canvas (self);
  build_caption (self);
  ft_network_view_sync_controls (self);
  ft_network_view_update_texts (self);
}
