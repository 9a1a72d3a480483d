/* test-keras-file.c — Keras-native files without Python: the ZIP container, a .keras file written and read
 * back (layers, options, compile settings and every weight equal), refusals that name the layer, and the
 * certificate's refusal of dropout. Real Keras opens these files in the tf suite (tests/tf). */
#include "core/ft-error.h"
#include "experiment/ft-certify.h"
#include "experiment/ft-keras-file.h"
#include "experiment/ft-zip.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void
test_zip_round_trip (void)
{
  FtZipWriter *z = ft_zip_writer_new ();
  ft_zip_writer_add (z, "a.json", "{\"x\": 1}", 8);
  ft_zip_writer_add (z, "empty", "", 0);
  size_t size = 0, n = 0;
  guint8 *zip = ft_zip_writer_finish (z, &size);
  g_assert_cmpuint (size, >, 22);
  GError *error = NULL;
  guint8 *a = ft_zip_read_entry (zip, size, "a.json", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpmem (a, n, "{\"x\": 1}", 8);
  g_free (a);
  guint8 *e = ft_zip_read_entry (zip, size, "empty", &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
  g_free (e);
  g_assert_null (ft_zip_read_entry (zip, size, "missing", &n, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);
  g_assert_null (ft_zip_read_entry (zip, 10, "a.json", &n, &error)); /* truncated */
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_free (zip);
}

static const char *const model_json
    = "{\"seed\": 3, \"dataset\": {\"name\": \"moons\", \"samples\": 64}, \"model\": {\"input_shape\": [6, 6, 1], \"layers\": ["
      "{\"type\": \"Conv2D\", \"filters\": 3, \"kernel_size\": [3, 2], \"padding\": \"same\", \"activation\": \"relu\","
      " \"kernel_regularizer\": {\"l2\": 0.02}},"
      "{\"type\": \"BatchNormalization\", \"momentum\": 0.9, \"epsilon\": 0.01},"
      "{\"type\": \"MaxPooling2D\"}, {\"type\": \"Flatten\"}, {\"type\": \"Dropout\", \"rate\": 0.25},"
      "{\"type\": \"Dense\", \"units\": 4, \"use_bias\": false, \"kernel_initializer\": \"he_normal\"},"
      "{\"type\": \"Activation\", \"activation\": \"tanh\"}, {\"type\": \"Dense\", \"units\": 2}]},"
      "\"compile\": {\"optimizer\": {\"name\": \"rmsprop\", \"learning_rate\": 0.003, \"centered\": true, \"momentum\": 0.5},"
      " \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": [\"accuracy\"]}}";

static void
test_keras_round_trip (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (model_json, &error);
  g_assert_no_error (error);
  FtTrainer *trainer = ft_experiment_build_trainer (exp, NULL, &error);
  g_assert_no_error (error);
  FtModel *m = ft_trainer_model (trainer);
  size_t n = ft_model_n_params (m);
  float *w = g_new (float, n);
  ft_model_get_weights (m, w);
  for (size_t i = 0; i < n; i++) /* batch norm's moving statistics too, not only initial values */
    w[i] += 0.001f * (float) i;
  ft_model_set_weights (m, w);

  char *dir = g_dir_make_tmp ("fittape-keras-XXXXXX", &error);
  char *path = g_build_filename (dir, "model.keras", NULL);
  g_assert_true (ft_keras_save (trainer, path, &error));
  g_assert_no_error (error);

  float *back = NULL;
  size_t n_back = 0;
  FtExperiment *e2 = ft_keras_load (path, exp, &back, &n_back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_back, ==, n);
  g_assert_cmpmem (back, n * sizeof (float), w, n * sizeof (float));
  g_assert_cmpint (e2->n_layers, ==, exp->n_layers);
  g_assert_cmpint (e2->input_ndim, ==, 3);
  for (int i = 0; i < exp->n_layers; i++)
    g_assert_cmpmem (&e2->layers[i], sizeof (FtLayerSpec), &exp->layers[i], sizeof (FtLayerSpec));
  g_assert_cmpint (e2->compile.optimizer.kind, ==, FT_OPT_RMSPROP);
  g_assert_true (e2->compile.optimizer.centered);
  g_assert_cmpfloat (e2->compile.optimizer.learning_rate, ==, 0.003f);
  g_assert_cmpfloat (e2->compile.optimizer.momentum, ==, 0.5f);
  g_assert_true (e2->compile.loss.from_logits);
  g_assert_cmpint (e2->compile.n_metrics, ==, 1);
  g_assert_cmpstr (e2->compile.metrics[0], ==, "accuracy");

  g_clear_pointer (&back, g_free);
  /* Not a model file. */
  g_assert_true (g_file_set_contents (path, "not a model", -1, NULL));
  g_assert_null (ft_keras_load (path, NULL, &back, &n_back, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  g_free (back);
  g_free (w);
  ft_experiment_free (e2);
  ft_trainer_free (trainer);
  ft_experiment_free (exp);
}

/* A .keras file whose config has a layer FitTape lacks: the error names it. */
static void
test_keras_unsupported (void)
{
  const char *config
      = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
        "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 4]}},"
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 3, \"bias_regularizer\": "
        "{\"class_name\": \"L2\", \"config\": {\"l2\": 0.1}}}}]}}";
  const char *config2 = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
                        "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 4, 3]}},"
                        "{\"class_name\": \"GRU\", \"config\": {\"name\": \"my_gru\", \"units\": 3}}]}}";
  const char *configs[2] = { config, config2 };
  const char *words[2][2] = { { "\"dense\"", "bias_regularizer" }, { "\"my_gru\"", "GRU" } };
  for (int k = 0; k < 2; k++)
    {
      FtZipWriter *z = ft_zip_writer_new ();
      ft_zip_writer_add (z, "config.json", configs[k], strlen (configs[k]));
      ft_zip_writer_add (z, "model.weights.h5", "", 0);
      size_t size = 0;
      guint8 *zip = ft_zip_writer_finish (z, &size);
      char *path = NULL;
      int fd = g_file_open_tmp ("fittape-XXXXXX.keras", &path, NULL);
      close (fd);
      g_assert_true (g_file_set_contents (path, (char *) zip, (gssize) size, NULL));
      GError *error = NULL;
      float *w = NULL;
      size_t n = 0;
      g_assert_null (ft_keras_load (path, NULL, &w, &n, &error));
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, words[k][0]));
      g_assert_nonnull (strstr (error->message, words[k][1]));
      g_clear_error (&error);
      g_unlink (path);
      g_free (path);
      g_free (zip);
    }
}

/* Dropout masks are not replayed: certify refuses before anything runs. */
static void
test_certify_refuses_dropout (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (model_json, &error);
  g_assert_no_error (error);
  FtCertifyOptions o = { 0 };
  o.mode = FT_MODE_FIT;
  o.python = "python3";
  o.dir = "/nonexistent/never-created";
  g_assert_null (ft_certify (exp, &o, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Dropout"));
  g_assert_false (g_file_test (o.dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  ft_experiment_free (exp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keras-file/zip", test_zip_round_trip);
  g_test_add_func ("/keras-file/round-trip", test_keras_round_trip);
  g_test_add_func ("/keras-file/unsupported", test_keras_unsupported);
  g_test_add_func ("/keras-file/certify-refuses-dropout", test_certify_refuses_dropout);
  return g_test_run ();
}
