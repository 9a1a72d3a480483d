/* test-network-view.c — the network view in a real window under Xvfb: for data/spiral.json it draws 36
 * neurons and 320 links from the engine's maps of the experiment's starting weights; the +/− buttons and
 * their limits edit the experiment (and the drawing follows); a run's weights are drawn and weights that do
 * not fit are ignored; a weight edit reaches the drawing only when a handler takes it; non-2-D data show
 * the architecture with statistics. Then the main window: its Network page follows a training run, its +/−
 * edit the window's experiment (and the generated code); "reset with new weights" keeps the points and
 * "Regenerate" draws new ones from the next data seed. Screenshots go to /tmp/fittape-network*.png. */
#include "panels/ft-panels.h"
#include "panels/ft-widget-find.h"
#include "views/ft-code-view.h"
#include "views/ft-network-view.h"
#include "window/ft-window.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
wait_computed (FtNetworkView *view)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (ft_network_view_is_busy (view) || ft_network_view_get_maps (view) == NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  gtk_widget_queue_draw (GTK_WIDGET (view));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
  spin (0.05);
}

static FtExperiment *
load (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("FITTAPE_SOURCE_DIR"), "data", name, NULL);
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  g_assert_no_error (error);
  return exp;
}

static void
assert_drawn (FtNetworkView *view, int neurons, int links)
{
  int n = -1, l = -1;
  ft_network_view_get_drawn (view, &n, &l);
  g_assert_cmpint (n, ==, neurons);
  g_assert_cmpint (l, ==, links);
}

static void
save_png (GtkWidget *widget, const char *path)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
}

static int changes;

static void
on_changed (FtNetworkView *view, gpointer data)
{
  changes++;
}

/* Activates a button as the keyboard does; it emits "clicked" after its press animation: waits for the
 * change count to reach `want`. */
static void
activate (GtkWidget *button, const int *count, int want)
{
  g_assert_true (gtk_widget_activate (button));
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (*count < want)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static gboolean accept_edits;
static guint64 edited_index;
static float edited_value;

static gboolean
on_edit_weight (FtNetworkView *view, guint64 index, float value, gpointer data)
{
  edited_index = index;
  edited_value = value;
  return accept_edits;
}

static void
test_spiral (void)
{
  FtExperiment *exp = load ("spiral.json");
  FtDataset *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (exp, &train, &test, &error));
  g_assert_no_error (error);

  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 720);
  FtNetworkView *view = FT_NETWORK_VIEW (ft_network_view_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (view, "changed", G_CALLBACK (on_changed), NULL);
  g_signal_connect (view, "edit-weight", G_CALLBACK (on_edit_weight), NULL);
  ft_network_view_set_experiment (view, exp);
  ft_network_view_set_data (view, exp, train);
  wait_computed (view);

  /* 2 inputs, 16 + 16 tanh, 2 outputs: 36 neurons, 2·16 + 16·16 + 16·2 = 320 links; the starting weights
   * are those the experiment's seed gives. */
  assert_drawn (view, 36, 320);
  const FtNeuronMaps *maps = ft_network_view_get_maps (view);
  g_assert_cmpint (maps->n_columns, ==, 4);
  g_assert_cmpint (maps->nx, ==, FT_NETWORK_VIEW_GRID);
  g_assert_cmpuint (maps->n_samples, ==,
                    FT_NEURON_STATS_SAMPLES < train->n ? FT_NEURON_STATS_SAMPLES : train->n);
  FtInspectModel *fresh = ft_inspect_model_new (exp, train, NULL, 0, &error);
  g_assert_no_error (error);
  FtNeuronMaps *expected = ft_neuron_maps_compute (fresh, train, -6, 6, -6, 6, FT_NETWORK_VIEW_GRID,
                                                   FT_NETWORK_VIEW_GRID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (maps->n_weights, ==, expected->n_weights);
  g_assert_cmpmem (maps->weights, maps->n_weights * sizeof (float), expected->weights,
                   expected->n_weights * sizeof (float));
  size_t cells = (size_t) FT_NETWORK_VIEW_GRID * FT_NETWORK_VIEW_GRID;
  g_assert_cmpmem (maps->columns[2].maps, 16 * cells * sizeof (float), expected->columns[2].maps,
                   16 * cells * sizeof (float));
  ft_neuron_maps_free (expected);
  g_assert_nonnull (
      strstr (ft_network_view_get_description (view), "2 hidden layers, 34 neurons, 320 weighted links"));
  /* What a redraw costs (reported, not asserted: the machine is shared): the engine's maps and prediction
   * for one set of weights, and one frame of the view. */
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < 10; i++)
    {
      expected = ft_neuron_maps_compute (fresh, train, -6, 6, -6, 6, FT_NETWORK_VIEW_GRID,
                                         FT_NETWORK_VIEW_GRID, &error);
      FtDecisionGrid *g = ft_decision_grid (fresh, -6, 6, -6, 6, FT_NETWORK_VIEW_OUTPUT_GRID,
                                            FT_NETWORK_VIEW_OUTPUT_GRID, &error);
      ft_decision_grid_free (g);
      ft_neuron_maps_free (expected);
    }
  gint64 t1 = g_get_monotonic_time ();
  for (int i = 0; i < 10; i++)
    {
      gtk_widget_queue_draw (GTK_WIDGET (view));
      gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
    }
  gint64 t2 = g_get_monotonic_time ();
  g_test_message ("spiral.json at 1280x720: maps + prediction %.1f ms, a frame %.1f ms", (t1 - t0) / 10e3,
                  (t2 - t1) / 10e3);
  save_png (window, "/tmp/fittape-network-view.png");

  /* A run's weights are drawn; weights of another size are ignored. */
  size_t n = maps->n_weights;
  float *w = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    w[i] = (float) sin ((double) i);
  ft_network_view_update_weights (view, w, n);
  ft_network_view_update_weights (view, w, n - 1);
  wait_computed (view);
  maps = ft_network_view_get_maps (view);
  g_assert_cmpmem (maps->weights, n * sizeof (float), w, n * sizeof (float));

  /* A weight edit: refused by the handler, nothing changes; accepted, the drawing has it at once and the
   * maps are recomputed with it. */
  size_t k = ft_neuron_maps_weight_index (maps, 2, 3, 5);
  accept_edits = FALSE;
  g_assert_false (ft_network_view_edit_weight (view, k, 2.5f));
  g_assert_cmpuint (edited_index, ==, k);
  g_assert_cmpfloat (edited_value, ==, 2.5f);
  g_assert_cmpfloat (ft_network_view_get_maps (view)->weights[k], ==, w[k]);
  accept_edits = TRUE;
  g_assert_true (ft_network_view_edit_weight (view, k, 2.5f));
  g_assert_cmpfloat (ft_network_view_get_maps (view)->weights[k], ==, 2.5f);
  wait_computed (view);
  maps = ft_network_view_get_maps (view);
  w[k] = 2.5f;
  g_assert_cmpmem (maps->weights, n * sizeof (float), w, n * sizeof (float));
  g_assert_true (ft_inspect_model_set_weights (fresh, w, n, &error));
  expected = ft_neuron_maps_compute (fresh, train, -6, 6, -6, 6, FT_NETWORK_VIEW_GRID, FT_NETWORK_VIEW_GRID,
                                     &error);
  g_assert_cmpmem (maps->columns[2].maps, 16 * cells * sizeof (float), expected->columns[2].maps,
                   16 * cells * sizeof (float));
  ft_neuron_maps_free (expected);
  ft_inspect_model_free (fresh);

  /* + adds a hidden layer (a copy of the last: 16 tanh), through the real button too. */
  changes = 0;
  g_assert_true (ft_network_view_add_layer (view));
  g_assert_cmpint (changes, ==, 1);
  g_assert_cmpint (exp->n_layers, ==, 4);
  wait_computed (view);
  assert_drawn (view, 52, 576);
  GtkWidget *add = ft_widget_find_named (GTK_WIDGET (view), "add-layer"),
            *remove = ft_widget_find_named (GTK_WIDGET (view), "remove-layer");
  g_assert_nonnull (add);
  activate (add, &changes, 2);
  g_assert_cmpint (changes, ==, 2);
  g_assert_cmpint (exp->n_layers, ==, 5);
  /* The run's weights no longer fit the edited network: ignored. */
  ft_network_view_update_weights (view, w, n);
  wait_computed (view);
  g_assert_cmpuint (ft_network_view_get_maps (view)->n_weights, !=, n);
  /* Up to six hidden layers. */
  g_assert_true (ft_network_view_add_layer (view));
  g_assert_true (ft_network_view_add_layer (view));
  g_assert_cmpint (exp->n_layers, ==, 7);
  g_assert_false (ft_network_view_add_layer (view));
  g_assert_cmpint (exp->n_layers, ==, 7);
  g_assert_cmpint (changes, ==, 4);
  wait_computed (view);
  g_assert_false (gtk_widget_get_sensitive (add));
  for (int i = 0; i < 4; i++)
    activate (remove, &changes, 5 + i);
  g_assert_cmpint (exp->n_layers, ==, 3);
  wait_computed (view);
  assert_drawn (view, 36, 320);

  /* Neurons: − from 16 down, + only up to eight. */
  g_assert_false (ft_network_view_add_neuron (view, 0)); /* 16 is past the view's limit */
  for (int u = 16; u > 8; u--)
    g_assert_true (ft_network_view_remove_neuron (view, 0));
  g_assert_cmpint (exp->layers[0].units, ==, 8);
  g_assert_false (ft_network_view_add_neuron (view, 0));
  g_assert_true (ft_network_view_remove_neuron (view, 0));
  g_assert_true (ft_network_view_add_neuron (view, 0));
  g_assert_cmpint (exp->layers[0].units, ==, 8);
  g_assert_false (ft_network_view_add_neuron (view, 2)); /* no third hidden layer */
  wait_computed (view);
  assert_drawn (view, 2 + 8 + 16 + 2, 2 * 8 + 8 * 16 + 16 * 2);

  /* Points drawn on the prediction: one of class 1 at (0, 0) joins the training data (501 samples in the
   * statistics), Shift+click there removes it again; a class the data does not have is refused. */
  changes = 0;
  g_assert_true (ft_network_view_add_point (view, 0.0f, 0.0f, 1));
  g_assert_cmpuint (exp->data.n_points, ==, 1);
  g_assert_cmpint (exp->data.points[0].label, ==, 1);
  wait_computed (view);
  g_assert_cmpuint (ft_network_view_get_maps (view)->n_samples, ==, train->n + 1);
  g_assert_true (ft_network_view_add_point (view, 0.01f, 0.0f, -1));
  wait_computed (view);
  g_assert_cmpuint (ft_network_view_get_maps (view)->n_samples, ==, train->n);
  g_assert_false (ft_network_view_add_point (view, 1.0f, 1.0f, 2));
  g_assert_cmpuint (exp->data.n_points, ==, 2);
  g_assert_cmpint (changes, ==, 2);
  FtDataset *reloaded = NULL, *reloaded_test = NULL;
  g_assert_true (ft_experiment_load_data (exp, &reloaded, &reloaded_test, &error));
  g_assert_cmpuint (reloaded->n, ==, train->n);
  ft_dataset_free (reloaded);
  ft_dataset_free (reloaded_test);
  g_free (exp->data.points);
  exp->data.points = NULL;
  exp->data.n_points = 0;

  /* Input features: sin x₁ switched on gives three inputs; the last one cannot go; x₁ and x₂ alone are
   * the raw points again. */
  changes = 0;
  g_assert_true (ft_network_view_toggle_feature (view, 5));
  g_assert_cmpuint (exp->data.features, ==, FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_SIN_X1);
  g_assert_cmpint (changes, ==, 1);
  wait_computed (view);
  assert_drawn (view, 3 + 8 + 16 + 2, 3 * 8 + 8 * 16 + 16 * 2);
  g_assert_cmpint (ft_network_view_get_maps (view)->columns[0].units, ==, 3);
  g_assert_cmpfloat (
      ft_neuron_maps_value (ft_network_view_get_maps (view), 0, 2, 0, 0), ==,
      (float) sin ((double) (float) (-6 + 0.5 * 12.0 / FT_NETWORK_VIEW_GRID))); /* sin of the cell's x₁ */
  save_png (window, "/tmp/fittape-network-view-edited.png");
  g_assert_true (ft_network_view_toggle_feature (view, 0));
  g_assert_true (ft_network_view_toggle_feature (view, 1));
  g_assert_cmpuint (exp->data.features, ==, FT_FEATURE_SIN_X1);
  g_assert_false (ft_network_view_toggle_feature (view, 5));
  g_assert_cmpuint (exp->data.features, ==, FT_FEATURE_SIN_X1);
  g_assert_true (ft_network_view_toggle_feature (view, 0));
  g_assert_true (ft_network_view_toggle_feature (view, 1));
  g_assert_true (ft_network_view_toggle_feature (view, 5));
  g_assert_cmpuint (exp->data.features, ==, 0);
  wait_computed (view);
  assert_drawn (view, 2 + 8 + 16 + 2, 2 * 8 + 8 * 16 + 16 * 2);

  g_free (w);
  gtk_window_destroy (GTK_WINDOW (window));
  spin (0.05);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
}

/* Not 2-D: a flattened 2 × 2 "image" goes through Dense layers: the layers as boxes with statistics. */
static void
test_architecture (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (
      "{\"seed\": 1, \"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [2, 2], \"layers\": ["
      "{\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 3, \"activation\": \"relu\"},"
      " {\"type\": \"Dense\", \"units\": 2}]}}",
      &error);
  g_assert_no_error (error);
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("tiny images");
  ds->n = 3;
  ds->ndim = 2;
  ds->shape[0] = ds->shape[1] = 2;
  ds->sample_size = 4;
  const float px[] = { 1, 2, 3, 4, -1, -2, -3, -4, 0, 1, 0, 1 };
  ds->features = g_memdup2 (px, sizeof px);
  ds->labels = g_new0 (float, 3);
  ds->n_classes = 2;
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 500);
  FtNetworkView *view = FT_NETWORK_VIEW (ft_network_view_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  ft_network_view_set_data (view, exp, ds);
  wait_computed (view);
  assert_drawn (view, 3, 2); /* three layer boxes, two arrows */
  const FtNeuronMaps *maps = ft_network_view_get_maps (view);
  g_assert_cmpint (maps->n_columns, ==, 0);
  g_assert_cmpuint (maps->n_samples, ==, 3);
  g_assert_nonnull (strstr (ft_network_view_get_caption (view), "mean ± standard deviation"));
  save_png (window, "/tmp/fittape-network-architecture.png");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (0.05);
  ft_dataset_free (ds);
  ft_experiment_free (exp);
}

static GtkWidget *
find_type (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static int
count (const char *haystack, const char *needle)
{
  int n = 0;
  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
train_and_wait (FtWindow *win, guint runs)
{
  ft_window_train (win);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (ft_window_is_training (win) || ft_window_get_n_runs (win) < runs)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The main window at 1280 × 720: the Network page follows a run; its +/− edit the window's experiment. */
static void
test_window (void)
{
  FtWindow *win = ft_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  gtk_window_present (GTK_WINDOW (win));
  GError *error = NULL;
  FtExperiment *exp = load ("spiral.json");
  exp->fit.epochs = 4;
  ft_window_set_experiment (win, exp);
  ft_experiment_free (exp);
  g_assert_true (ft_window_show_view (win, "network"));
  FtNetworkView *view = FT_NETWORK_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_NETWORK_VIEW));
  g_assert_nonnull (view);
  ft_window_set_mode (win, FT_MODE_FIT);
  train_and_wait (win, 1);
  wait_computed (view);
  assert_drawn (view, 36, 320);
  /* The view computes with the run's training set itself, not a copy made on the main loop. */
  g_assert_nonnull (ft_window_get_run_train_data (win, 0));
  g_assert_true (ft_network_view_get_train_data (view) == ft_window_get_run_train_data (win, 0));
  g_assert_nonnull (strstr (ft_network_view_get_description (view), "320 weighted links"));
  /* "Show test data": off, no test point; on, the run's 500 test points on the prediction. */
  GtkWidget *show_test = ft_widget_find_named (GTK_WIDGET (view), "network-show-test-data");
  g_assert_nonnull (show_test);
  g_assert_true (gtk_widget_get_sensitive (show_test));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (show_test)));
  g_assert_cmpuint (ft_network_view_get_drawn_test (view), ==, 0);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show_test), TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (view));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
  spin (0.05);
  g_assert_cmpuint (ft_network_view_get_drawn_test (view), ==, 500);
  gboolean saved = ft_window_save_screenshot (win, "/tmp/fittape-network-window.png", &error);
  g_assert_no_error (error);
  g_assert_true (saved);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show_test), FALSE);

  /* The two resets: the same seed gives the same starting weights and the same history; the next seed
   * other weights (shown at once in the view) and another history, and the code has the new seed. */
  g_autofree char *first = ft_window_get_run_history_csv (win, 0);
  const FtNeuronMaps *maps = ft_network_view_get_maps (view);
  g_autofree float *trained = g_memdup2 (maps->weights, maps->n_weights * sizeof (float));
  size_t n = maps->n_weights;
  ft_window_reset_same_weights (win);
  g_assert_cmpuint (ft_window_get_experiment (win)->seed, ==, 7);
  wait_computed (view);
  maps = ft_network_view_get_maps (view);
  FtInspectModel *fresh = ft_inspect_model_new (ft_window_get_experiment (win), NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_autofree float *start = g_new (float, n);
  ft_model_get_weights (ft_inspect_model_get_model (fresh), start);
  ft_inspect_model_free (fresh);
  g_assert_cmpmem (maps->weights, n * sizeof (float), start, n * sizeof (float));
  g_assert_cmpint (memcmp (start, trained, n * sizeof (float)), !=, 0);
  train_and_wait (win, 2);
  g_autofree char *again = ft_window_get_run_history_csv (win, 1);
  g_assert_cmpstr (again, ==, first);
  FtDataset *points_before = NULL, *test_before = NULL;
  g_assert_true (
      ft_experiment_load_data (ft_window_get_experiment (win), &points_before, &test_before, NULL));
  ft_window_reset_new_weights (win);
  g_assert_cmpuint (ft_window_get_experiment (win)->seed, ==, 8);
  /* New weights, the same points: the data seed was pinned to the old seed. */
  g_assert_true (ft_window_get_experiment (win)->data.has_seed);
  g_assert_cmpuint (ft_window_get_experiment (win)->data.seed, ==, 7);
  FtDataset *points_after = NULL, *test_after = NULL;
  g_assert_true (ft_experiment_load_data (ft_window_get_experiment (win), &points_after, &test_after, NULL));
  g_assert_cmpmem (points_before->features, points_before->n * 2 * sizeof (float), points_after->features,
                   points_after->n * 2 * sizeof (float));
  ft_dataset_free (points_after);
  ft_dataset_free (test_after);
  ft_dataset_free (test_before);
  wait_computed (view);
  g_assert_cmpint (memcmp (ft_network_view_get_maps (view)->weights, start, n * sizeof (float)), !=, 0);
  train_and_wait (win, 3);
  g_autofree char *other = ft_window_get_run_history_csv (win, 2);
  g_assert_cmpstr (other, !=, first);
  wait_computed (view);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  saved = ft_window_save_screenshot (win, "/tmp/fittape-network-window-reset.png", &error);
  g_assert_no_error (error);
  g_assert_true (saved);
  FtCodeView *code = FT_CODE_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CODE_VIEW));
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "SEED = 8\n"));

  /* Regenerate on the dataset panel: new points (data seed 7 + 2), the same weights' seed, the panel and
   * the code follow. */
  FtDatasetPanel *panel = FT_DATASET_PANEL (find_type (GTK_WIDGET (win), FT_TYPE_DATASET_PANEL));
  GtkWidget *regenerate = ft_widget_find_named (GTK_WIDGET (panel), "regenerate");
  g_assert_nonnull (regenerate);
  g_assert_true (gtk_widget_get_visible (regenerate));
  g_signal_emit_by_name (regenerate, "clicked"); /* what a click does, without the press animation */
  g_assert_cmpuint (ft_window_get_experiment (win)->seed, ==, 8);
  g_assert_cmpuint (ft_window_get_experiment (win)->data.seed, ==, 9);
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "DATA_SEED = 9 "));
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "seed=DATA_SEED)"));
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  const FtDataset *shown;
  while ((shown = ft_dataset_panel_get_dataset (panel)) == NULL
         || memcmp (shown->features, points_before->features,
                    2 * sizeof (float) * MIN (shown->n, points_before->n))
                == 0)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  FtDataset *regenerated = NULL, *regenerated_test = NULL;
  g_assert_true (
      ft_experiment_load_data (ft_window_get_experiment (win), &regenerated, &regenerated_test, NULL));
  g_assert_cmpmem (shown->features, shown->n * 2 * sizeof (float), regenerated->features,
                   regenerated->n * 2 * sizeof (float));
  ft_dataset_free (regenerated);
  ft_dataset_free (regenerated_test);
  ft_dataset_free (points_before);

  /* The regularization control: L1 at 0.003 for every Dense layer, in the experiment and the code. */
  GtkWidget *reg = ft_widget_find_named (GTK_WIDGET (view), "regularization");
  GtkWidget *rate = ft_widget_find_named (GTK_WIDGET (view), "regularization-rate");
  g_assert_nonnull (reg);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (reg)), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (rate));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (reg), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (rate), 0.003);
  FtExperiment *e = ft_window_get_experiment (win);
  for (int i = 0; i < e->n_layers; i++)
    {
      g_assert_cmpfloat (e->layers[i].kernel_l1, ==, 0.003f);
      g_assert_cmpfloat (e->layers[i].kernel_l2, ==, 0.0f);
    }
  g_assert_cmpint (
      count (ft_code_view_get_code (code, false), "kernel_regularizer=keras.regularizers.L1(0.003)"), ==, 3);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (reg), 3);
  g_assert_cmpfloat (e->layers[0].kernel_l2, ==, 0.003f);
  g_assert_cmpint (count (ft_code_view_get_code (code, false), "L1L2(l1=0.003, l2=0.003)"), ==, 3);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (reg), 0);
  g_assert_cmpfloat (e->layers[0].kernel_l1, ==, 0.0f);
  g_assert_null (strstr (ft_code_view_get_code (code, false), "kernel_regularizer"));

  /* The activation control: every hidden layer, not the output; in the experiment and the code. */
  GtkWidget *act = ft_widget_find_named (GTK_WIDGET (view), "activation");
  g_assert_nonnull (act);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (act)), ==, 1); /* spiral.json: tanh */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (act), 2);
  g_assert_cmpint (e->layers[0].activation, ==, FT_ACT_SIGMOID);
  g_assert_cmpint (e->layers[1].activation, ==, FT_ACT_SIGMOID);
  g_assert_cmpint (e->layers[2].activation, ==, FT_ACT_LINEAR);
  g_assert_cmpint (count (ft_code_view_get_code (code, false), "activation=\"sigmoid\""), ==, 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (act), 1);
  g_assert_cmpint (e->layers[0].activation, ==, FT_ACT_TANH);
  /* The learning-rate control: the Playground's values and the experiment's; in the experiment and the
   * code. */
  GtkWidget *lr = ft_widget_find_named (GTK_WIDGET (view), "learning-rate");
  g_assert_nonnull (lr);
  GListModel *lrs = gtk_drop_down_get_model (GTK_DROP_DOWN (lr));
  guint sel = gtk_drop_down_get_selected (GTK_DROP_DOWN (lr));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (lrs), sel), ==, "Learning rate 0.01");
  guint n_lrs = g_list_model_get_n_items (lrs);
  g_assert_cmpuint (n_lrs, ==, 11);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (lr), sel + 1);
  g_assert_cmpfloat (e->compile.optimizer.learning_rate, ==, 0.03f);
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "learning_rate=0.03"));
  g_assert_true (ft_network_view_set_learning_rate (view, 0.02f)); /* none of the Playground's */
  g_assert_cmpuint (g_list_model_get_n_items (lrs), ==, 12);
  g_assert_cmpstr (
      gtk_string_list_get_string (GTK_STRING_LIST (lrs), gtk_drop_down_get_selected (GTK_DROP_DOWN (lr))), ==,
      "Learning rate 0.02");
  g_assert_false (ft_network_view_set_learning_rate (view, 0.0f));
  g_assert_true (ft_network_view_set_learning_rate (view, 0.01f));

  /* "Regenerate" in the view: the next data seed, as the dataset panel's button. */
  uint64_t seed_before = e->data.seed;
  GtkWidget *regen = ft_widget_find_named (GTK_WIDGET (view), "regenerate-data");
  g_assert_nonnull (regen);
  g_assert_true (gtk_widget_get_sensitive (regen));
  g_signal_emit_by_name (regen, "clicked");
  g_assert_cmpuint (e->data.seed, ==, seed_before + 2);
  g_assert_cmpuint (e->seed, ==, 8);

  /* + in the view: the window's experiment has a third hidden layer, and the code shows it. */
  g_assert_true (ft_network_view_add_layer (view));
  FtExperiment *now = ft_window_get_experiment (win);
  g_assert_cmpint (now->n_layers, ==, 4);
  g_assert_cmpint (count (ft_code_view_get_code (code, false), "layers.Dense("), ==, 4);
  wait_computed (view);
  assert_drawn (view, 52, 576);
  g_assert_true (ft_network_view_remove_neuron (view, 2));
  g_assert_cmpint (now->layers[2].units, ==, 15);
  g_assert_true (ft_network_view_remove_layer (view));
  g_assert_cmpint (now->n_layers, ==, 3);
  g_assert_cmpint (count (ft_code_view_get_code (code, false), "layers.Dense("), ==, 3);
  /* A point drawn in the window: in the experiment, the code and the data the dataset panel loads. */
  g_assert_true (ft_network_view_add_point (view, 1.5f, -2.0f, 0));
  g_assert_cmpuint (now->data.n_points, ==, 1);
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "POINTS = [(1.5, -2.0, 0)]"));

  /* x₁x₂ as an input: in the experiment and the code; a Train runs on it. */
  g_assert_true (ft_network_view_toggle_feature (view, 4));
  g_assert_cmpuint (now->data.features, ==, FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2);
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "np.stack([x1, x2, x1 * x2], axis=1)"));
  train_and_wait (win, 4);
  g_assert_cmpint (ft_window_get_run_state (win, 3), ==, FT_RUN_STATE_FINISHED);
  wait_computed (view);
  assert_drawn (view, 3 + 16 + 16 + 2, 3 * 16 + 16 * 16 + 16 * 2);
  /* The run's trained weights are drawn, not the starting ones. */
  fresh = ft_inspect_model_new (now, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  maps = ft_network_view_get_maps (view);
  g_assert_cmpuint (maps->n_weights, ==, ft_inspect_model_n_params (fresh));
  float *seed_weights = g_new (float, maps->n_weights);
  ft_model_get_weights (ft_inspect_model_get_model (fresh), seed_weights);
  g_assert_cmpint (memcmp (seed_weights, maps->weights, maps->n_weights * sizeof (float)), !=, 0);
  g_free (seed_weights);
  ft_inspect_model_free (fresh);
  saved = ft_window_save_screenshot (win, "/tmp/fittape-network-window-features.png", &error);
  g_assert_no_error (error);
  g_assert_true (saved);

  /* The view an opened file starts on: the Network view for 2-D data, the curves for images, and the
   * one a file names (the lessons on fit and the tape name the curves). */
  static const struct
  {
    const char *file, *view;
  } opens[] = {
    { "spiral.json", "network" },
    { "fashion-mnist-mlp.json", "curves" },
    { "early-stopping.json", "network" },
    { "lesson-1-fit-is-the-loop.json", "curves" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (opens); i++)
    {
      g_autofree char *path = g_build_filename (g_getenv ("FITTAPE_SOURCE_DIR"), "data", opens[i].file, NULL);
      g_assert_true (ft_window_show_view (win, i % 2 == 0 ? "code" : "errors"));
      g_assert_true (ft_window_open_experiment (win, path, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (ft_window_get_view (win), ==, opens[i].view);
    }

  /* A teacher's own 2-D CSV file (two feature columns, the Playground's −1/+1 labels): it opens on the
   * Network view once its columns are known, drawn with maps; a file whose labels are measurements shows
   * the loader's message in the dataset panel. */
  g_autofree char *dir = g_dir_make_tmp ("fittape-csv-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "points.csv", NULL);
  GString *rows = g_string_new ("x1,x2,label\n");
  for (int i = 0; i < 60; i++)
    g_string_append_printf (rows, "%g,%g,%d\n", -3 + 0.1 * i, 2 - 0.07 * i, (i * 7) % 3 == 0 ? -1 : 1);
  g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
  g_string_free (rows, TRUE);
  g_autofree char *json = g_build_filename (dir, "mine.json", NULL);
  g_assert_true (g_file_set_contents (
      json,
      "{\"dataset\": {\"name\": \"csv\", \"path\": \"points.csv\", \"label\": \"label\"}, \"model\":"
      " {\"layers\": [{\"type\": \"Dense\", \"units\": 4, \"activation\": \"tanh\"}, {\"type\": \"Dense\", \"units\": 2}]}}",
      -1, NULL));
  g_assert_true (ft_window_show_view (win, "code"));
  g_assert_true (ft_window_open_experiment (win, json, &error));
  g_assert_no_error (error);
  FtDatasetPanel *dpanel = FT_DATASET_PANEL (find_type (GTK_WIDGET (win), FT_TYPE_DATASET_PANEL));
  gint64 until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (ft_dataset_panel_get_dataset (dpanel) == NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      g_assert_cmpint (g_get_monotonic_time (), <, until);
    }
  g_assert_cmpstr (ft_window_get_view (win), ==, "network");
  const FtDataset *mine = ft_dataset_panel_get_dataset (dpanel);
  g_assert_cmpuint (mine->n, ==, 60);
  g_assert_cmpuint (mine->sample_size, ==, 2);
  g_assert_cmpfloat (mine->labels[0], ==, 0.0f); /* i = 0: −1, orange */
  wait_computed (view);
  assert_drawn (view, 2 + 4 + 2, 2 * 4 + 4 * 2);
  g_assert_true (g_file_set_contents (csv, "x1,x2,label\n1,2,0.5\n3,4,1\n", -1, NULL));
  g_assert_true (ft_window_open_experiment (win, json, &error));
  GtkWidget *shown_error = ft_widget_find_named (GTK_WIDGET (dpanel), "error");
  until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (strstr (gtk_label_get_text (GTK_LABEL (shown_error)), "not a whole number") == NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      g_assert_cmpint (g_get_monotonic_time (), <, until);
    }
  g_test_message ("the panel says: %s", gtk_label_get_text (GTK_LABEL (shown_error)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (shown_error)), "line 2, column “label”"));
  g_remove (csv);
  g_remove (json);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
  spin (0.1);
}

/* Two programs from this file (NETWORK_WINDOW_TEST set: the window's test): GLib keeps its first quark
 * table when a process passes 2048 quarks (gquark.c: "this leaks the old quarks array"), which LeakSanitizer
 * reports; the widget tests and the whole window each stay below that. */
int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
#ifdef NETWORK_WINDOW_TEST
  g_test_add_func ("/network-view/window", test_window);
  (void) test_spiral;
  (void) test_architecture;
#else
  (void) test_window;
  g_test_add_func ("/network-view/spiral", test_spiral);
  g_test_add_func ("/network-view/architecture", test_architecture);
#endif
  return g_test_run ();
}
