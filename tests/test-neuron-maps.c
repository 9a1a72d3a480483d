/* test-neuron-maps.c — the network view's engine side, no display: neuron maps and statistics
 * (ft-neuron-maps.h) of models whose weights are set by hand, checked value by value against the
 * network's equations and against the model's own forward pass (ft-inspect's decision grid); the weight
 * indices a view edits; the +/− edits of hidden layers and neurons (ft-network-edit.h). */
#include "core/ft-error.h"
#include "experiment/ft-network-edit.h"
#include "experiment/ft-neuron-maps.h"

#include <math.h>
#include <string.h>

/* 2 inputs → Dense(2, relu) → Dense(1, tanh): h0 = relu(x + 2y + 0.5), h1 = relu(−x + 0.5y − 1),
 * out = tanh(h0 − 2·h1 + 0.25). */
#define TWO_LAYERS                                                                                           \
  "{\"seed\": 3, \"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [2], \"layers\": ["       \
  "{\"type\": \"Dense\", \"units\": 2, \"activation\": \"relu\"},"                                           \
  "{\"type\": \"Dense\", \"units\": 1, \"activation\": \"tanh\"}]},"                                         \
  " \"compile\": {\"loss\": \"binary_crossentropy\"}}"
/* The same network with the ReLU as a layer of its own, and a Dropout (off in inference) after it. */
#define SPLIT_ACTIVATION                                                                                     \
  "{\"seed\": 3, \"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [2], \"layers\": ["       \
  "{\"type\": \"Dense\", \"units\": 2}, {\"type\": \"Activation\", \"activation\": \"relu\"},"               \
  "{\"type\": \"Dropout\", \"rate\": 0.5},"                                                                  \
  "{\"type\": \"Dense\", \"units\": 1, \"activation\": \"tanh\"}]},"                                         \
  " \"compile\": {\"loss\": \"binary_crossentropy\"}}"

static const float weights[] = { 1,    -1, 2, 0.5f, /* kernel 2 × 2, row per input */
                                 0.5f, -1,          /* bias */
                                 1,    -2,          /* kernel 2 × 1 */
                                 0.25f };

static FtExperiment *
experiment (const char *json)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  return exp;
}

static FtInspectModel *
inspect_model (const char *json, const float *w, size_t n)
{
  FtExperiment *exp = experiment (json);
  GError *error = NULL;
  FtInspectModel *m = ft_inspect_model_new (exp, NULL, w, n, &error);
  g_assert_no_error (error);
  ft_experiment_free (exp);
  return m;
}

static void
expected (double x, double y, double *h0, double *h1, double *out)
{
  *h0 = fmax (0.0, (double) (float) x * 1 + (double) (float) y * 2 + 0.5);
  *h1 = fmax (0.0, -(double) (float) x + 0.5 * (double) (float) y - 1);
  *out = tanh (*h0 - 2 * *h1 + 0.25);
}

static FtDataset *
points_dataset (const float *xy, uint32_t n)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("points");
  ds->n = n;
  ds->ndim = 1;
  ds->shape[0] = 2;
  ds->sample_size = 2;
  ds->features = g_memdup2 (xy, (size_t) n * 2 * sizeof (float));
  ds->labels = g_new0 (float, n);
  ds->n_classes = 2;
  return ds;
}

static void
check_maps (const char *json, int hidden_last_layer)
{
  FtInspectModel *m = inspect_model (json, weights, G_N_ELEMENTS (weights));
  GError *error = NULL;
  int nx = 4, ny = 3; /* centres x −1.5, −0.5, 0.5, 1.5; y 2, 0, −2 */
  FtNeuronMaps *maps = ft_neuron_maps_compute (m, NULL, -2, 2, -3, 3, nx, ny, &error);
  g_assert_no_error (error);
  g_assert_cmpint (maps->n_columns, ==, 3);
  g_assert_cmpint (maps->columns[0].units, ==, 2);
  g_assert_cmpint (maps->columns[1].units, ==, 2);
  g_assert_cmpint (maps->columns[1].fan_in, ==, 2);
  g_assert_cmpint (maps->columns[1].last_layer, ==, hidden_last_layer);
  g_assert_cmpint (maps->columns[1].activation, ==, FT_ACT_RELU);
  g_assert_cmpint (maps->columns[2].units, ==, 1);
  g_assert_cmpint (maps->columns[2].activation, ==, FT_ACT_TANH);
  g_assert_cmpuint (maps->n_samples, ==, 0);
  g_assert_cmpuint (maps->n_weights, ==, G_N_ELEMENTS (weights));
  g_assert_cmpmem (maps->weights, sizeof weights, weights, sizeof weights);
  const double xs[] = { -1.5, -0.5, 0.5, 1.5 }, ys[] = { 2, 0, -2 };
  int active0 = 0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        double h0, h1, out;
        expected (xs[i], ys[j], &h0, &h1, &out);
        active0 += h0 > 0;
        g_assert_cmpfloat (ft_neuron_maps_value (maps, 0, 0, i, j), ==, (float) xs[i]);
        g_assert_cmpfloat (ft_neuron_maps_value (maps, 0, 1, i, j), ==, (float) ys[j]);
        g_assert_cmpfloat_with_epsilon (ft_neuron_maps_value (maps, 1, 0, i, j), h0, 1e-6);
        g_assert_cmpfloat_with_epsilon (ft_neuron_maps_value (maps, 1, 1, i, j), h1, 1e-6);
        g_assert_cmpfloat_with_epsilon (ft_neuron_maps_value (maps, 2, 0, i, j), out, 1e-6);
      }
  g_assert_cmpint (active0, >, 0);
  g_assert_cmpint (active0, <, nx * ny); /* the ReLU cuts the plane: some cells are 0 */
  /* Each map's extremes. */
  double h0, h1, out;
  expected (1.5, 2, &h0, &h1, &out);
  g_assert_cmpfloat_with_epsilon (maps->columns[1].map_stats[0].max, h0, 1e-6);
  g_assert_cmpfloat (maps->columns[1].map_stats[0].min, ==, 0.0f);
  g_assert_true (isnan (ft_neuron_maps_value (maps, 1, 2, 0, 0)));
  g_assert_true (isnan (ft_neuron_maps_value (maps, 1, 0, nx, 0)));

  /* The weight a link stands for: from input 1 (y) to hidden neuron 0 is the kernel's 2. */
  size_t k = ft_neuron_maps_weight_index (maps, 1, 1, 0);
  g_assert_cmpuint (k, ==, 2);
  g_assert_cmpfloat (maps->weights[k], ==, 2.0f);
  g_assert_cmpuint (ft_neuron_maps_weight_index (maps, 2, 1, 0), ==, 7);
  g_assert_cmpfloat (maps->weights[ft_neuron_maps_weight_index (maps, 2, 1, 0)], ==, -2.0f);
  g_assert_cmpuint (ft_neuron_maps_bias_index (maps, 1, 1), ==, 5);
  g_assert_cmpuint (ft_neuron_maps_bias_index (maps, 2, 0), ==, 8);
  ft_neuron_maps_free (maps);
  ft_inspect_model_free (m);
}

static void
test_maps_two_layers (void)
{
  check_maps (TWO_LAYERS, 0);
}

static void
test_maps_split_activation (void)
{
  check_maps (SPLIT_ACTIVATION, 2); /* Activation (1), then Dropout (2): the value is Dropout's output */
}

/* The output column equals the model's own prediction (ft-inspect's decision grid: for one tanh output,
 * taken as a probability, p1 = clamp(out, 0, 1)) at every cell. */
static void
test_maps_match_forward (void)
{
  FtInspectModel *m = inspect_model (TWO_LAYERS, weights, G_N_ELEMENTS (weights));
  GError *error = NULL;
  int n = 37;
  FtNeuronMaps *maps = ft_neuron_maps_compute (m, NULL, -6, 6, -6, 6, n, n, &error);
  g_assert_no_error (error);
  FtDecisionGrid *g = ft_decision_grid (m, -6, 6, -6, 6, n, n, &error);
  g_assert_no_error (error);
  int clamped = 0;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        float out = ft_neuron_maps_value (maps, 2, 0, i, j);
        g_assert_cmpfloat (fminf (fmaxf (out, 0.0f), 1.0f), ==, g->p1[j * n + i]);
        clamped += out < 0;
      }
  g_assert_cmpint (clamped, >, 0);
  ft_decision_grid_free (g);
  ft_neuron_maps_free (maps);
  ft_inspect_model_free (m);
}

/* Statistics over samples: three points, values worked out by hand. */
static void
test_stats (void)
{
  FtInspectModel *m = inspect_model (TWO_LAYERS, weights, G_N_ELEMENTS (weights));
  /* h0 = relu(x + 2y + 0.5): (0, 0) → 0.5, (1, 1) → 3.5, (−2, −1) → 0. */
  const float xy[] = { 0, 0, 1, 1, -2, -1 };
  FtDataset *ds = points_dataset (xy, 3);
  GError *error = NULL;
  FtNeuronMaps *maps = ft_neuron_maps_compute (m, ds, 0, 0, 0, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (maps->n_samples, ==, 3);
  g_assert_cmpint (maps->nx, ==, 0);
  g_assert_null (maps->columns[1].maps);
  const FtValueStats *s = &maps->columns[1].stats[0];
  g_assert_cmpfloat_with_epsilon (s->mean, 4.0 / 3.0, 1e-6);
  double var = (0.25 + 12.25 + 0) / 3 - (4.0 / 3.0) * (4.0 / 3.0);
  g_assert_cmpfloat_with_epsilon (s->std, sqrt (var), 1e-6);
  g_assert_cmpfloat_with_epsilon (s->positive, 2.0 / 3.0, 1e-7);
  g_assert_cmpfloat (s->min, ==, 0.0f);
  g_assert_cmpfloat (s->max, ==, 3.5f);
  /* The inputs' statistics: x is 0, 1, −2. */
  g_assert_cmpfloat_with_epsilon (maps->columns[0].stats[0].mean, -1.0 / 3.0, 1e-7);
  /* The layer summaries: dense's 6 values are h0 and h1 (h1 = relu(−x + 0.5y − 1): 0, 0, 0.5). */
  g_assert_cmpint (maps->n_layers, ==, 2);
  g_assert_cmpstr (maps->layers[0].name, ==, "dense");
  g_assert_cmpuint (maps->layers[0].n_params, ==, 6);
  g_assert_cmpfloat_with_epsilon (maps->layers[0].stats.mean, (0.5 + 3.5 + 0.5) / 6.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (maps->layers[0].stats.positive, 3.0 / 6.0, 1e-7);
  ft_neuron_maps_free (maps);

  /* Errors: a grid on a model, data that do not fit. */
  maps = ft_neuron_maps_compute (m, ds, 1, 1, 0, 1, 4, 4, &error);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_null (maps);
  g_clear_error (&error);
  maps = ft_neuron_maps_compute (m, ds, 0, 1, 0, 1, 4, FT_NEURON_MAP_GRID_MAX + 1, &error);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  ft_dataset_free (ds);
  ft_inspect_model_free (m);
}

/* A model that is not a feature network (a 2 × 2 "image" flattened): no columns, layer statistics only,
 * and no maps (its inputs are not two features). */
static void
test_not_a_feature_network (void)
{
  FtExperiment *exp = experiment (
      "{\"seed\": 1, \"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\":"
      " [2, 2], \"layers\": [{\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 3,"
      " \"activation\": \"relu\"}, {\"type\": \"Dense\", \"units\": 2}]}}");
  GError *error = NULL;
  FtInspectModel *m = ft_inspect_model_new (exp, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("tiny images");
  ds->n = 2;
  ds->ndim = 2;
  ds->shape[0] = ds->shape[1] = 2;
  ds->sample_size = 4;
  const float px[] = { 1, 2, 3, 4, -1, -2, -3, -4 };
  ds->features = g_memdup2 (px, sizeof px);
  ds->labels = g_new0 (float, 2);
  ds->n_classes = 2;
  FtNeuronMaps *maps = ft_neuron_maps_compute (m, ds, 0, 0, 0, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (maps->n_columns, ==, 0);
  g_assert_cmpint (maps->n_layers, ==, 3);
  g_assert_cmpint (maps->layers[0].kind, ==, FT_LAYER_FLATTEN);
  g_assert_cmpfloat (maps->layers[0].stats.mean, ==, 0.0f);
  g_assert_cmpfloat (maps->layers[0].stats.max, ==, 4.0f);
  g_assert_cmpfloat_with_epsilon (maps->layers[0].stats.positive, 0.5, 1e-7);
  g_assert_cmpint (maps->layers[1].shape[0], ==, 3);
  g_assert_cmpfloat (maps->layers[1].stats.min, >=, 0.0f); /* ReLU */
  ft_neuron_maps_free (maps);
  g_assert_null (ft_neuron_maps_compute (m, ds, -1, 1, -1, 1, 8, 8, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  ft_dataset_free (ds);
  ft_inspect_model_free (m);
  ft_experiment_free (exp);
}

/* The +/− buttons' edits on the spiral's two tanh layers of 16. */
static void
test_network_edit (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("FITTAPE_SOURCE_DIR"), "data", "spiral.json", NULL);
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ft_network_n_hidden (exp), ==, 2);
  g_assert_cmpint (ft_network_hidden_layer (exp, 1), ==, 1);
  g_assert_cmpint (ft_network_hidden_layer (exp, 2), ==, -1);
  g_assert_true (ft_network_add_hidden (exp, &error));
  g_assert_cmpint (exp->n_layers, ==, 4);
  g_assert_cmpint (ft_network_n_hidden (exp), ==, 3);
  g_assert_cmpint (exp->layers[2].units, ==, 16);
  g_assert_cmpint (exp->layers[2].activation, ==, FT_ACT_TANH);
  g_assert_cmpint (exp->layers[3].units, ==, 2); /* the output stays last */
  g_assert_true (ft_network_set_units (exp, 2, 5, &error));
  g_assert_cmpint (exp->layers[2].units, ==, 5);
  g_assert_false (ft_network_set_units (exp, 2, 0, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ft_network_set_units (exp, 3, 4, &error));
  g_clear_error (&error);
  for (int i = 0; i < 3; i++)
    g_assert_true (ft_network_remove_hidden (exp, &error));
  g_assert_cmpint (exp->n_layers, ==, 1);
  g_assert_false (ft_network_remove_hidden (exp, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (ft_network_add_hidden (exp, &error)); /* none to copy: Dense(4, relu) */
  g_assert_cmpint (exp->layers[0].units, ==, 4);
  g_assert_cmpint (exp->layers[0].activation, ==, FT_ACT_RELU);
  /* The edited experiment still builds, and the JSON round trip keeps the edit. */
  g_autofree char *json = ft_experiment_to_json (exp);
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (exp, back));
  ft_experiment_free (back);
  FtInspectModel *m = ft_inspect_model_new (exp, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ft_inspect_model_n_params (m), ==, 2 * 4 + 4 + 4 * 2 + 2);
  ft_inspect_model_free (m);

  /* One regularization for every Dense layer (the Playground's control). */
  float l1 = -1, l2 = -1;
  g_assert_true (ft_network_get_regularization (exp, &l1, &l2));
  g_assert_cmpfloat (l1, ==, 0.0f);
  g_assert_cmpfloat (l2, ==, 0.0f);
  g_assert_true (ft_network_set_regularization (exp, 0.003f, 0.0f, &error));
  g_assert_cmpfloat (exp->layers[0].kernel_l1, ==, 0.003f);
  g_assert_cmpfloat (exp->layers[exp->n_layers - 1].kernel_l1, ==, 0.003f);
  g_assert_true (ft_network_get_regularization (exp, &l1, &l2));
  g_assert_cmpfloat (l1, ==, 0.003f);
  exp->layers[0].kernel_l2 = 0.5f;
  g_assert_false (ft_network_get_regularization (exp, &l1, &l2)); /* mixed */
  g_assert_false (ft_network_set_regularization (exp, -1.0f, 0.0f, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpfloat (exp->layers[0].kernel_l2, ==, 0.5f); /* unchanged on error */

  /* The Playground's one activation: every hidden Dense layer, never the output. */
  FtActivation act;
  g_assert_true (ft_network_set_activation (exp, FT_ACT_SIGMOID, &error));
  g_assert_no_error (error);
  g_assert_true (ft_network_get_activation (exp, &act));
  g_assert_cmpint (act, ==, FT_ACT_SIGMOID);
  int out = exp->n_layers - 1;
  g_assert_cmpint (exp->layers[out].activation, !=, FT_ACT_SIGMOID);
  exp->layers[ft_network_hidden_layer (exp, 0)].activation = FT_ACT_RELU;
  if (ft_network_n_hidden (exp) > 1)
    g_assert_false (ft_network_get_activation (exp, &act)); /* mixed */
  g_assert_false (ft_network_set_activation (exp, FT_ACT_SOFTMAX, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);

  /* Removing a hidden layer takes its Activation and Dropout along. */
  FtExperiment *split = experiment (SPLIT_ACTIVATION);
  g_assert_true (ft_network_remove_hidden (split, &error));
  g_assert_cmpint (split->n_layers, ==, 1);
  g_assert_cmpint (split->layers[0].units, ==, 1);
  ft_experiment_free (split);
  ft_experiment_free (exp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/neuron-maps/two-layers", test_maps_two_layers);
  g_test_add_func ("/neuron-maps/split-activation", test_maps_split_activation);
  g_test_add_func ("/neuron-maps/match-forward", test_maps_match_forward);
  g_test_add_func ("/neuron-maps/stats", test_stats);
  g_test_add_func ("/neuron-maps/not-a-feature-network", test_not_a_feature_network);
  g_test_add_func ("/network-edit/hidden-layers", test_network_edit);
  return g_test_run ();
}
