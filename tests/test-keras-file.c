/* test-keras-file.c — Keras-native files without Python: the ZIP container, a .keras file written and read
 * back (layers, options, compile settings and every weight equal; every optimizer kind and the pooling
 * layers through their tables), refusals that name the layer and the key, other writers' spellings read
 * as FitTape's, and the certificate's refusal of dropout. Real Keras opens these files in the tf suite
 * (tests/tf). */
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

/* A .keras file with this config.json and model.weights.h5 (empty when weights is NULL) in a temporary
 * file (g_free the path). */
static char *
write_keras_zip (const char *config, const void *weights, size_t weights_size)
{
  FtZipWriter *z = ft_zip_writer_new ();
  ft_zip_writer_add (z, "config.json", config, strlen (config));
  ft_zip_writer_add (z, "model.weights.h5", weights ? weights : "", weights ? weights_size : 0);
  size_t size = 0;
  guint8 *zip = ft_zip_writer_finish (z, &size);
  char *path = NULL;
  int fd = g_file_open_tmp ("fittape-XXXXXX.keras", &path, NULL);
  close (fd);
  g_assert_true (g_file_set_contents (path, (char *) zip, (gssize) size, NULL));
  g_free (zip);
  return path;
}

/* The optimizer's state goes out with the .keras file and comes back into a trainer built from it: RMSprop
 * centered with momentum (three slot lists) after two steps. A trainer whose optimizer has other variables
 * is refused with the counts named and keeps its state; a file without the state says so. */
static void
test_keras_optimizer_state (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (model_json, &error);
  g_assert_no_error (error);
  FtTrainer *trainer = ft_experiment_build_trainer (exp, NULL, &error);
  g_assert_no_error (error);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  const size_t n = ft_optimizer_state_size (opt);
  float *state = ft_optimizer_state (opt);
  for (size_t i = 0; i < n; i++)
    state[i] = 0.25f + 1e-4f * (float) i;
  ft_optimizer_set_iterations (opt, 2);
  ft_optimizer_set_learning_rate (opt, 0.0015f);
  char *dir = g_dir_make_tmp ("fittape-keras-XXXXXX", &error);
  char *path = g_build_filename (dir, "model.keras", NULL);
  g_assert_true (ft_keras_save (trainer, path, &error));
  g_assert_no_error (error);

  FtTrainer *back = ft_experiment_build_trainer (exp, NULL, &error);
  g_assert_no_error (error);
  FtOptimizer *bo = ft_trainer_optimizer (back);
  g_assert_true (ft_keras_load_optimizer_state (path, back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ft_optimizer_iterations (bo), ==, 2);
  g_assert_cmpfloat (ft_optimizer_get_learning_rate (bo), ==, 0.0015f);
  g_assert_cmpmem (ft_optimizer_state (bo), n * sizeof (float), state, n * sizeof (float));

  /* Another optimizer (Adam: two slot lists) does not take RMSprop's three. */
  FtExperiment *adam = ft_experiment_copy (exp);
  adam->compile.optimizer = ft_optimizer_spec_default (FT_OPT_ADAM);
  FtTrainer *other = ft_experiment_build_trainer (adam, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ft_keras_load_optimizer_state (path, other, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "variables, Adam needs"));
  g_clear_error (&error);
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (other)), ==, 0);

  /* A .keras file without optimizer/vars (weights only). */
  char *bare = write_keras_zip ("{}", NULL, 0);
  g_assert_false (ft_keras_load_optimizer_state (bare, back, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (ft_optimizer_iterations (bo), ==, 2);

  g_unlink (bare);
  g_free (bare);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  ft_trainer_free (other);
  ft_experiment_free (adam);
  ft_trainer_free (back);
  ft_trainer_free (trainer);
  ft_experiment_free (exp);
}

/* Files whose config has a layer or an option FitTape lacks, or a value out of its range: the error
 * names the layer (position, name and class) and the key. */
static void
test_keras_unsupported (void)
{
#define SEQUENTIAL(input, layer)                                                                             \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", \"config\": " \
  "{\"batch_shape\": " input "}}, " layer "]}}"
#define COMPILED(opt)                                                                                        \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", \"config\": " \
  "{\"batch_shape\": [null, 4]}}, {\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": " \
  "2}}]}, \"compile_config\": {\"optimizer\": " opt ", \"loss\": \"mean_squared_error\"}}"
  static const char *const cases[][3] = {
    { SEQUENTIAL ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 3, "
                               "\"bias_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l2\": 0.1}}}}"),
      "layer 2 \"dense\" (Dense): bias_regularizer L2 is not supported by FitTape", "" },
    { SEQUENTIAL ("[null, 4, 3]",
                  "{\"class_name\": \"GRU\", \"config\": {\"name\": \"my_gru\", \"units\": 3}}"),
      "\"my_gru\"", "GRU" },
    { SEQUENTIAL ("[null, 6, 6, 1]",
                  "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", "
                  "\"filters\": 2, \"kernel_size\": 3, \"data_format\": \"channels_first\"}}"),
      "layer 2 \"conv2d\" (Conv2D): data_format \"channels_first\" is not supported by FitTape", "" },
    { SEQUENTIAL ("[null, 6, 6, 1]", "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", "
                                     "\"filters\": 2, \"kernel_size\": 3, \"dilation_rate\": [2, 2]}}"),
      "layer 2 \"conv2d\" (Conv2D): dilation_rate [2,2] is not supported by FitTape", "" },
    { SEQUENTIAL ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 0}}"),
      "layer 2 \"d\" (Dense).units:", "got 0" },
    { SEQUENTIAL ("[null, 4]",
                  "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"drop\", \"rate\": 1.5}}"),
      "layer 2 \"drop\" (Dropout).rate:", "[0, 1)" },
    { SEQUENTIAL ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 3, "
                               "\"trainable\": false}}"),
      "layer 2 \"dense\" (Dense): trainable=False", "" },
    { SEQUENTIAL ("[null, 4]",
                  "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 3, "
                  "\"activity_regularizer\": {\"class_name\": \"L1\", \"config\": {\"l1\": 0.1}}}}"),
      "layer 2 \"dense\" (Dense): activity_regularizer L1 is not supported", "" },
    { SEQUENTIAL ("[null, 4]", "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"bn\", "
                               "\"center\": false}}"),
      "layer 2 \"bn\" (BatchNormalization): center false is not supported", "" },
    { SEQUENTIAL ("[null, 4, 4, 2]", "{\"class_name\": \"GlobalAveragePooling2D\", \"config\": {\"name\": "
                                     "\"gap\", \"keepdims\": true}}"),
      "layer 2 \"gap\" (GlobalAveragePooling2D): keepdims true is not supported", "" },
    { SEQUENTIAL ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"units\": 3, "
                               "\"activation\": \"swish_x\"}}"),
      "layer 2 \"dense\" (Dense): activation \"swish_x\" is not supported", "" },
    { COMPILED ("{\"class_name\": \"Adam\", \"config\": {\"name\": \"adam\", \"weight_decay\": 0.01}}"),
      "the optimizer Adam: weight_decay 0.01 is not supported", "" },
    { COMPILED ("{\"class_name\": \"Nadam\", \"config\": {\"name\": \"nadam\", \"use_ema\": true}}"),
      "the optimizer Nadam: use_ema true is not supported", "" },
    { COMPILED ("{\"class_name\": \"AdamW\", \"config\": {\"name\": \"adamw\", \"weight_decay\": -1}}"),
      "the optimizer AdamW: ", "weight_decay=-1" },
    { COMPILED ("{\"class_name\": \"Lion\", \"config\": {\"name\": \"lion\"}}"), "Lion", "Adamax" },
    /* a loss's fixed entries are checked too (Keras 2's reduction "auto" is accepted on the way) */
    { "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
      "\"config\": {\"batch_shape\": [null, 4]}}, {\"class_name\": \"Dense\", \"config\": {\"name\": "
      "\"dense\", \"units\": 2}}]}, \"compile_config\": {\"optimizer\": \"adam\", \"loss\": {\"class_name\": "
      "\"CategoricalCrossentropy\", \"config\": {\"name\": \"categorical_crossentropy\", \"reduction\": "
      "\"auto\", \"from_logits\": true, \"label_smoothing\": 0.1}}}}",
      "the loss categorical_crossentropy: label_smoothing 0.1 is not supported", "" },
  };
#undef SEQUENTIAL
#undef COMPILED
  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      char *path = write_keras_zip (cases[k][0], NULL, 0);
      GError *error = NULL;
      float *w = NULL;
      size_t n = 0;
      g_assert_null (ft_keras_load (path, NULL, &w, &n, &error));
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[k][1]));
      g_assert_nonnull (strstr (error->message, cases[k][2]));
      g_clear_error (&error);
      g_unlink (path);
      g_free (path);
    }
}

/* The experiment's model (a fresh trainer: weights as initialised) saved as .keras in a temporary file
 * (g_free the path). */
static char *
save_keras (const FtExperiment *exp)
{
  GError *error = NULL;
  FtTrainer *trainer = ft_experiment_build_trainer (exp, NULL, &error);
  g_assert_no_error (error);
  char *path = NULL;
  int fd = g_file_open_tmp ("fittape-XXXXXX.keras", &path, NULL);
  close (fd);
  g_assert_true (ft_keras_save (trainer, path, &error));
  g_assert_no_error (error);
  ft_trainer_free (trainer);
  return path;
}

/* An entry of a .keras file (g_free). */
static guint8 *
keras_entry (const char *path, const char *name, size_t *size)
{
  char *bytes = NULL;
  gsize n = 0;
  GError *error = NULL;
  g_assert_true (g_file_get_contents (path, &bytes, &n, NULL));
  guint8 *entry = ft_zip_read_entry ((guint8 *) bytes, n, name, size, &error);
  g_assert_no_error (error);
  g_free (bytes);
  return entry;
}

/* The experiment's model saved as .keras and read back. */
static FtExperiment *
save_and_load (const FtExperiment *exp)
{
  char *path = save_keras (exp);
  GError *error = NULL;
  float *w = NULL;
  size_t n = 0;
  FtExperiment *back = ft_keras_load (path, exp, &w, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 0);
  g_unlink (path);
  g_free (path);
  g_free (w);
  return back;
}

/* Every optimizer kind with settings off its defaults, and the pooling layers, written and read back
 * through their tables. */
static void
test_keras_kinds_round_trip (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (
      "{\"seed\": 1, \"dataset\": {\"name\": \"moons\", \"samples\": 32}, \"model\": {\"input_shape\": [8, 8, 2], "
      "\"layers\": [{\"type\": \"Conv2D\", \"filters\": 3, \"kernel_size\": 3, \"padding\": \"same\"}, "
      "{\"type\": \"AveragePooling2D\", \"pool_size\": [2, 3], \"strides\": 1, \"padding\": \"same\"}, "
      "{\"type\": \"AveragePooling2D\"}, {\"type\": \"MaxPooling2D\", \"pool_size\": 2, \"strides\": [1, 2]}, "
      "{\"type\": \"GlobalAveragePooling2D\"}, {\"type\": \"Dense\", \"units\": 2}]}}",
      &error);
  g_assert_no_error (error);
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      const FtKindInfo *info = ft_optimizer_kind_info ((FtOptimizerKind) k);
      FtOptimizerSpec spec = ft_optimizer_spec_default ((FtOptimizerKind) k);
      for (int i = 0; i < info->n_params; i++)
        {
          const FtParam *p = &info->params[i];
          if (p->type == FT_PARAM_BOOL)
            ft_param_set_number (p, &spec, 1);
          else if (p->type == FT_PARAM_FLOAT && !(p->flags & FT_PARAM_EXCLUSIVE))
            ft_param_set_number (p, &spec, ft_param_get_number (p, &spec) * 0.5);
        }
      spec.clipnorm = 1.5f;
      exp->compile.optimizer = spec;
      FtExperiment *back = save_and_load (exp);
      g_test_message ("%s", info->name);
      g_assert_cmpint (back->compile.optimizer.kind, ==, k);
      g_assert_true (ft_params_equal (info, &back->compile.optimizer, &spec));
      g_assert_cmpint (back->n_layers, ==, exp->n_layers);
      for (int i = 0; i < exp->n_layers; i++)
        g_assert_cmpmem (&back->layers[i], sizeof (FtLayerSpec), &exp->layers[i], sizeof (FtLayerSpec));
      ft_experiment_free (back);
    }
  ft_experiment_free (exp);
}

/* s with every `from` replaced by `to` (at least one); g_free. */
static char *
replace_all (const char *s, const char *from, const char *to)
{
  g_assert_nonnull (strstr (s, from));
  char **parts = g_strsplit (s, from, -1);
  char *out = g_strjoinv (to, parts);
  g_strfreev (parts);
  return out;
}

/* What Keras 2 and other writers spell differently but means the same is read as FitTape's own: a
 * resolved batch-normalisation axis, n for [n, n], initializers without module, a dropout seed, a frozen
 * layer that has no weights, weight_decay 0 for none, EMA settings that are unused while use_ema is false. */
static void
test_keras_other_spellings (void)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (model_json, &error);
  g_assert_no_error (error);
  char *saved = save_keras (exp);
  size_t len = 0, wsize = 0;
  char *config = (char *) keras_entry (saved, "config.json", &len);
  guint8 *weights = keras_entry (saved, "model.weights.h5", &wsize);
  static const char *const edits[][2] = {
    { "\"axis\": -1", "\"axis\": [3]" },
    { "\"dilation_rate\": [1, 1]", "\"dilation_rate\": 1" },
    { "{\"module\": \"keras.initializers\", \"class_name\": \"Ones\", \"config\": {}, \"registered_name\": null}",
      "{\"class_name\": \"Ones\", \"config\": {}}" },
    { "\"seed\": null, \"noise_shape\"", "\"seed\": 42, \"noise_shape\"" },
    { "\"name\": \"dropout\", \"trainable\": true", "\"name\": \"dropout\", \"trainable\": false" },
    { "\"weight_decay\": null", "\"weight_decay\": 0.0" },
    { "\"ema_momentum\": 0.99", "\"ema_momentum\": 0.9" },
    { "\"ema_overwrite_frequency\": null", "\"ema_overwrite_frequency\": 10" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_assert_nonnull (strstr (config, edits[i][0]));
      char *edited = replace_all (config, edits[i][0], edits[i][1]);
      g_free (config);
      config = edited;
    }
  char *path = write_keras_zip (config, weights, wsize);
  float *w = NULL;
  size_t n = 0;
  FtExperiment *back = ft_keras_load (path, exp, &w, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->n_layers, ==, exp->n_layers);
  for (int i = 0; i < exp->n_layers; i++)
    g_assert_cmpmem (&back->layers[i], sizeof (FtLayerSpec), &exp->layers[i], sizeof (FtLayerSpec));
  g_assert_cmpint (back->compile.optimizer.kind, ==, exp->compile.optimizer.kind);
  g_assert_cmpfloat (back->compile.optimizer.learning_rate, ==, exp->compile.optimizer.learning_rate);
  g_unlink (path);
  g_unlink (saved);
  g_free (path);
  g_free (saved);
  g_free (weights);
  g_free (w);
  g_free (config);
  ft_experiment_free (back);
  ft_experiment_free (exp);
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
  g_test_add_func ("/keras-file/optimizer-state", test_keras_optimizer_state);
  g_test_add_func ("/keras-file/kinds-round-trip", test_keras_kinds_round_trip);
  g_test_add_func ("/keras-file/other-spellings", test_keras_other_spellings);
  g_test_add_func ("/keras-file/certify-refuses-dropout", test_certify_refuses_dropout);
  return g_test_run ();
}
