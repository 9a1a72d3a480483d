/* test-features.c — the Playground's input features as a preprocessing step, no display: the values of
 * each feature at known points; the experiment key, its round trip and its errors; a model built on the
 * features (input shape = their count) trained by fit() and by the tape loop to the same history bit for
 * bit; the neuron maps' input column shows the features over the plane; the generated script's data part
 * computes the same values as the engine (NumPy, when python3 with NumPy is there). */
#include "experiment/ft-codegen.h"
#include "experiment/ft-neuron-maps.h"

#include <math.h>
#include <string.h>

static void
test_values (void)
{
  const float xy[] = { 1.5f, -2.0f, 0.0f, 3.0f, -0.25f, 0.5f };
  float out[3 * FT_N_FEATURES];
  ft_features_apply (FT_FEATURES_ALL, xy, 3, out);
  for (int s = 0; s < 3; s++)
    {
      double x1 = xy[2 * s], x2 = xy[2 * s + 1];
      const float *o = out + s * FT_N_FEATURES;
      g_assert_cmpfloat (o[0], ==, (float) x1);
      g_assert_cmpfloat (o[1], ==, (float) x2);
      g_assert_cmpfloat (o[2], ==, (float) (x1 * x1));
      g_assert_cmpfloat (o[3], ==, (float) (x2 * x2));
      g_assert_cmpfloat (o[4], ==, (float) (x1 * x2));
      g_assert_cmpfloat (o[5], ==, (float) sin (x1));
      g_assert_cmpfloat (o[6], ==, (float) sin (x2));
    }
  g_assert_cmpfloat (out[2], ==, 2.25f);
  g_assert_cmpfloat (out[4], ==, -3.0f);
  /* A subset keeps the order: x1², sin x2. */
  unsigned mask = FT_FEATURE_X1_SQUARED | FT_FEATURE_SIN_X2;
  g_assert_cmpint (ft_features_count (mask), ==, 2);
  g_assert_cmpint (ft_features_position (mask, 2), ==, 0);
  g_assert_cmpint (ft_features_position (mask, 6), ==, 1);
  g_assert_cmpint (ft_features_position (mask, 0), ==, -1);
  float two[2];
  ft_features_apply (mask, xy, 1, two);
  g_assert_cmpfloat (two[0], ==, 2.25f);
  g_assert_cmpfloat (two[1], ==, (float) sin (-2.0));
  int i;
  g_assert_true (ft_feature_from_name ("x1*x2", &i) && i == 4);
  g_assert_false (ft_feature_from_name ("x3", &i));
  g_assert_cmpstr (ft_feature_label (5), ==, "sin x₁");
}

#define SPIRAL(features)                                                                                                \
  "{\"seed\": 4, \"dataset\": {\"name\": \"spiral\", \"samples\": 200, \"noise\": 0.05, \"test_samples\": 100" features \
  "}, \"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", \"units\": 6,"                               \
  " \"activation\": \"tanh\"}, {\"type\": \"Dense\", \"units\": 2}]}, \"compile\": {\"optimizer\":"                     \
  " {\"name\": \"adam\", \"learning_rate\": 0.03}, \"loss\": {\"name\": \"sparse_categorical_crossentropy\","           \
  " \"from_logits\": true}, \"metrics\": [\"accuracy\"]}, \"fit\": {\"epochs\": 3, \"batch_size\": 10,"                 \
  " \"validation_split\": 0.2}}"

static void
test_experiment_key (void)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (
      SPIRAL (", \"features\": [\"x1\", \"x2\", \"x1*x2\", \"sin(x1)\"]"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->data.features, ==,
                    FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2 | FT_FEATURE_SIN_X1);
  char *json = ft_experiment_to_json (e);
  g_assert_nonnull (strstr (json, "\"features\": [\"x1\", \"x2\", \"x1*x2\", \"sin(x1)\"]"));
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (e, back));
  back->data.features = 0;
  g_assert_false (ft_experiment_equal (e, back));
  ft_experiment_free (back);
  g_free (json);
  ft_experiment_free (e);

  static const char *const bad[] = {
    ", \"features\": []",
    ", \"features\": [\"x3\"]",
    ", \"features\": [\"x1\", \"x1\"]",
    ", \"features\": \"x1\"",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char *text = g_strdup_printf (SPIRAL ("%s"), bad[i]);
      g_assert_null (ft_experiment_from_json (text, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "features"));
      g_clear_error (&error);
      g_free (text);
    }
  /* Not for image sets. */
  g_assert_null (
      ft_experiment_from_json ("{\"dataset\": {\"name\": \"fashion_mnist\", \"features\": [\"x1\"]},"
                               " \"model\": {\"layers\": [{\"type\": \"Dense\"}]}}",
                               &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

/* x1², x2², sin x1 only: the model takes 3 inputs from 2-D data; fit() and the tape loop agree. */
static void
test_train (void)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (SPIRAL (", \"features\": [\"x1^2\", \"x2^2\", \"sin(x1)\"]"),
                                             &error);
  g_assert_no_error (error);
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_cmpuint (train->sample_size, ==, 2); /* the data stays 2-D */
  FtTrainer *a = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  FtTrainer *b = ft_experiment_build_trainer (e, train, &error);
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (ft_trainer_model (a), &nd, shape);
  g_assert_cmpint (nd, ==, 1);
  g_assert_cmpint (shape[0], ==, 3);
  g_assert_cmpuint (ft_trainer_sample_size (a), ==, 2);
  g_assert_cmpuint (ft_model_n_params (ft_trainer_model (a)), ==, 3 * 6 + 6 + 6 * 2 + 2);
  FtHistory *ha = ft_history_new (), *hb = ft_history_new ();
  g_assert_true (ft_fit (a, train, &e->fit, NULL, ha, NULL, &error));
  g_assert_no_error (error);
  FtLoopSteps all = ft_loop_steps_all ();
  g_assert_true (ft_tape_loop (b, train, &e->fit, &all, NULL, NULL, NULL, hb, NULL, &error));
  g_assert_no_error (error);
  char *ca = ft_history_to_csv (ha, ','), *cb = ft_history_to_csv (hb, ',');
  g_assert_cmpstr (ca, ==, cb);
  g_test_message ("%s", ca);

  /* The predictions equal the model on the features computed by hand. */
  size_t n_values = 0;
  float *pred = ft_predict (a, test, 32, &n_values, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_values, ==, (size_t) test->n * 2);
  FtDataset *hand = g_new0 (FtDataset, 1);
  hand->name = g_strdup ("by hand");
  hand->n = test->n;
  hand->ndim = 1;
  hand->shape[0] = 3;
  hand->sample_size = 3;
  hand->features = g_new (float, (size_t) test->n * 3);
  hand->labels = g_memdup2 (test->labels, test->n * sizeof (float));
  hand->n_classes = 2;
  for (uint32_t i = 0; i < test->n; i++)
    {
      double x1 = test->features[2 * i], x2 = test->features[2 * i + 1];
      hand->features[3 * i] = (float) (x1 * x1);
      hand->features[3 * i + 1] = (float) (x2 * x2);
      hand->features[3 * i + 2] = (float) sin (x1);
    }
  ft_trainer_set_features (b, 0);
  size_t nw = ft_model_n_params (ft_trainer_model (a));
  float *w = g_new (float, nw);
  ft_model_get_weights (ft_trainer_model (a), w);
  ft_model_set_weights (ft_trainer_model (b), w);
  float *pred_hand = ft_predict (b, hand, 32, &n_values, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (pred, test->n * 2 * sizeof (float), pred_hand, test->n * 2 * sizeof (float));

  /* The neuron maps' input column: the three features over the plane. */
  FtInspectModel *m = ft_inspect_model_new (e, train, w, nw, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ft_inspect_model_n_inputs (m), ==, 2);
  FtNeuronMaps *maps = ft_neuron_maps_compute (m, train, -6, 6, -6, 6, 6, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (maps->features, ==, e->data.features);
  g_assert_cmpint (maps->columns[0].units, ==, 3);
  g_assert_cmpint (maps->columns[1].fan_in, ==, 3);
  double x1 = -6 + 1.5 * 2, x2 = 6 - 0.5 * 2; /* cell (1, 0) */
  g_assert_cmpfloat (ft_neuron_maps_value (maps, 0, 0, 1, 0), ==, (float) (x1 * x1));
  g_assert_cmpfloat (ft_neuron_maps_value (maps, 0, 1, 1, 0), ==, (float) (x2 * x2));
  g_assert_cmpfloat (ft_neuron_maps_value (maps, 0, 2, 1, 0), ==, (float) sin (x1));
  FtDecisionGrid *grid = ft_decision_grid (m, -6, 6, -6, 6, 6, 6, &error);
  g_assert_no_error (error);
  ft_decision_grid_free (grid);
  ft_neuron_maps_free (maps);
  ft_inspect_model_free (m);

  g_free (w);
  g_free (pred);
  g_free (pred_hand);
  ft_dataset_free (hand);
  g_free (ca);
  g_free (cb);
  ft_history_free (ha);
  ft_history_free (hb);
  ft_trainer_free (a);
  ft_trainer_free (b);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

/* The generated script's features() on FitTape's own test points gives FitTape's values bit for bit. */
static void
test_codegen_numpy (void)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (
      SPIRAL (", \"features\": [\"x1\", \"x2\", \"x1^2\", \"x2^2\", \"x1*x2\","
              " \"sin(x1)\", \"sin(x2)\"]"),
      &error);
  g_assert_no_error (error);
  char *code = ft_codegen_python (e, FT_MODE_BOTH, NULL);
  g_assert_nonnull (strstr (code, "def features(x):"));
  g_assert_nonnull (strstr (code, "x_train = features(x_train)"));
  g_assert_nonnull (strstr (code, "x_test = features(x_test)"));
  g_assert_nonnull (strstr (code, "keras.Input(shape=(7,))"));
  g_assert_null (strstr (code, "reshape"));
  /* The function's text, run by NumPy on points FitTape computed features for. */
  const char *start = strstr (code, "def features(x):");
  const char *end = strstr (start, "x_train = features(x_train)");
  char *fn = g_strndup (start, (gsize) (end - start));
  g_free (code);
  const float xy[] = { 1.5f, -2.0f, 0.1f, 3.7f, -5.9f, 0.33f, 4.123f, -0.001f };
  float out[4 * FT_N_FEATURES];
  ft_features_apply (FT_FEATURES_ALL, xy, 4, out);
  GString *py = g_string_new ("import numpy as np\n");
  g_string_append (py, fn);
  g_string_append (py, "x = np.array([");
  for (int i = 0; i < 8; i++)
    g_string_append_printf (py, "%s%.9g", i ? ", " : "", (double) xy[i]);
  g_string_append (
      py, "], dtype='float32').reshape(4, 2)\nfor v in features(x).ravel():\n    print(float(v).hex())\n");
  g_free (fn);
  char *argv[] = { (char *) "python3", (char *) "-c", py->str, NULL };
  char *out_text = NULL;
  int status = -1;
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out_text, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("python3 with NumPy is not available");
      g_free (out_text);
      g_string_free (py, TRUE);
      ft_experiment_free (e);
      return;
    }
  char **lines = g_strsplit (g_strstrip (out_text), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4 * FT_N_FEATURES);
  for (int i = 0; i < 4 * FT_N_FEATURES; i++)
    {
      double v = g_ascii_strtod (lines[i], NULL);
      if (strchr (lines[i], 'x') != NULL) /* hex float */
        v = strtod (lines[i], NULL);
      g_assert_cmpfloat ((float) v, ==, out[i]);
    }
  g_strfreev (lines);
  g_free (out_text);
  g_string_free (py, TRUE);
  ft_experiment_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/features/values", test_values);
  g_test_add_func ("/features/experiment-key", test_experiment_key);
  g_test_add_func ("/features/train", test_train);
  g_test_add_func ("/features/codegen-numpy", test_codegen_numpy);
  return g_test_run ();
}
