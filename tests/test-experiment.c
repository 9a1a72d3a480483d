/* test-experiment.c — experiment files: the shipped files in data/ parse and round-trip, the defaults are
 * Keras' (and TensorFlow's basic classification for ft_experiment_new_default), every kind of mistake
 * gives a message naming the JSON path, datasets load as the spec says, and the trainer builds with the
 * expected parameter counts (or names the layer it cannot build). */
#include "experiment/ft-experiment.h"

#include "core/ft-error.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- locating data/: this file is tests/test-experiment.c, so data/ is ../data from here. __FILE__ is
 * the path the compiler was given, relative to the build directory when not absolute; the build directory
 * is two levels above this test's executable (BUILD/tests/test-experiment). ---- */

static char *
source_root (void)
{
  char *src_dir = g_path_get_dirname (__FILE__);
  char *root = NULL;
  if (g_path_is_absolute (src_dir))
    root = g_build_filename (src_dir, "..", NULL);
  else
    {
      char *exe = g_file_read_link ("/proc/self/exe", NULL);
      if (exe != NULL)
        {
          char *tests_dir = g_path_get_dirname (exe);
          char *build_dir = g_path_get_dirname (tests_dir);
          root = g_build_filename (build_dir, src_dir, "..", NULL);
          g_free (build_dir);
          g_free (tests_dir);
          g_free (exe);
        }
      char *probe = root != NULL ? g_build_filename (root, "data", NULL) : NULL;
      if (probe == NULL || !g_file_test (probe, G_FILE_TEST_IS_DIR))
        {
          g_free (root);
          char *cwd = g_get_current_dir ();
          root = g_build_filename (cwd, src_dir, "..", NULL);
          g_free (cwd);
        }
      g_free (probe);
    }
  g_free (src_dir);
  char *canon = g_canonicalize_filename (root, NULL);
  g_free (root);
  return canon;
}

static char *
data_file (const char *name)
{
  char *root = source_root ();
  char *path = g_build_filename (root, "data", name, NULL);
  g_free (root);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  return path;
}

static const char *const shipped[] = {
  "fashion-mnist-mlp.json",
  "fashion-mnist-cnn-tape.json",
  "spiral.json",
  "early-stopping.json",
};

static FtExperiment *
load_shipped (const char *name)
{
  char *path = data_file (name);
  GError *error = NULL;
  FtExperiment *e = ft_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  g_free (path);
  return e;
}

static FtExperiment *
parse_ok (const char *json)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (json, &error);
  if (error != NULL)
    g_printerr ("unexpected error: %s\nfor: %s\n", error->message, json);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

/* from_json(to_json(e)) equals e, and writing it again gives the same text. */
static void
assert_round_trip (const FtExperiment *e)
{
  char *json = ft_experiment_to_json (e);
  GError *error = NULL;
  FtExperiment *back = ft_experiment_from_json (json, &error);
  if (error != NULL)
    g_printerr ("%s\n%s\n", json, error->message);
  g_assert_no_error (error);
  if (!ft_experiment_equal (e, back))
    g_printerr ("round trip differs:\n%s\n", json);
  g_assert_true (ft_experiment_equal (e, back));
  char *again = ft_experiment_to_json (back);
  g_assert_cmpstr (json, ==, again);
  g_free (again);
  ft_experiment_free (back);
  g_free (json);
}

/* ---- the shipped files ---- */

static void
test_shipped_parse (void)
{
  for (size_t i = 0; i < G_N_ELEMENTS (shipped); i++)
    {
      FtExperiment *e = load_shipped (shipped[i]);
      g_assert_nonnull (e->title);
      g_assert_cmpuint (strlen (e->title), >, 5);
      g_assert_nonnull (e->notes);
      g_assert_cmpuint (strlen (e->notes), >, 40);
      assert_round_trip (e);
      ft_experiment_free (e);
    }

  /* Every .json in data/ is a valid experiment, listed here or not. */
  char *root = source_root ();
  char *dir_path = g_build_filename (root, "data", NULL);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  const char *name;
  int n = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      {
        FtExperiment *e = load_shipped (name);
        ft_experiment_free (e);
        n++;
      }
  g_assert_cmpint (n, >=, (int) G_N_ELEMENTS (shipped));
  g_dir_close (dir);
  g_free (dir_path);
  g_free (root);
}

static void
test_shipped_contents (void)
{
  /* The MLP file is the default experiment. */
  FtExperiment *mlp = load_shipped ("fashion-mnist-mlp.json");
  FtExperiment *def = ft_experiment_new_default ();
  g_assert_true (ft_experiment_equal (mlp, def));
  ft_experiment_free (def);
  ft_experiment_free (mlp);

  FtExperiment *cnn = load_shipped ("fashion-mnist-cnn-tape.json");
  g_assert_cmpint (cnn->mode, ==, FT_MODE_TAPE);
  g_assert_cmpint (cnn->input_ndim, ==, 3);
  g_assert_cmpint (cnn->input_shape[2], ==, 1);
  g_assert_cmpint (cnn->n_layers, ==, 4);
  g_assert_cmpint (cnn->layers[0].kind, ==, FT_LAYER_CONV2D);
  g_assert_cmpint (cnn->layers[0].filters, ==, 32);
  g_assert_cmpint (cnn->layers[0].kernel_size[0], ==, 3);
  g_assert_cmpint (cnn->layers[0].kernel_size[1], ==, 3);
  g_assert_true (cnn->compile.loss.from_logits);
  g_assert_cmpint (cnn->compile.optimizer.kind, ==, FT_OPT_ADAM);
  g_assert_cmpint (cnn->fit.epochs, ==, 5);
  ft_experiment_free (cnn);

  FtExperiment *sp = load_shipped ("spiral.json");
  g_assert_cmpint (sp->data.source, ==, FT_DATA_PLAYGROUND);
  g_assert_cmpint (sp->data.playground, ==, FT_PLAYGROUND_SPIRAL);
  g_assert_cmpint (sp->mode, ==, FT_MODE_BOTH);
  g_assert_cmpfloat (sp->compile.optimizer.learning_rate, ==, 0.01f);
  g_assert_cmpint (sp->fit.epochs, ==, 100);
  g_assert_cmpint (sp->fit.batch_size, ==, 10);
  g_assert_cmpfloat (sp->fit.validation_split, ==, 0.2);
  ft_experiment_free (sp);

  FtExperiment *es = load_shipped ("early-stopping.json");
  g_assert_cmpint (es->mode, ==, FT_MODE_FIT);
  g_assert_cmpint (es->fit.epochs, ==, 200);
  g_assert_cmpint (es->n_callbacks, ==, 1);
  g_assert_cmpint (es->callbacks[0].kind, ==, FT_CALLBACK_EARLY_STOPPING);
  g_assert_cmpstr (es->callbacks[0].monitor, ==, "val_loss");
  g_assert_cmpint (es->callbacks[0].patience, ==, 3);
  g_assert_true (es->callbacks[0].restore_best_weights);
  ft_experiment_free (es);
}

/* ---- defaults ---- */

static void
test_defaults (void)
{
  FtExperiment *d = ft_experiment_new_default ();
  g_assert_cmpuint (d->seed, ==, 42);
  g_assert_cmpint (d->data.source, ==, FT_DATA_IDX);
  g_assert_cmpstr (d->data.path, ==, "");
  g_assert_cmpint (d->input_ndim, ==, 2);
  g_assert_cmpint (d->input_shape[0], ==, 28);
  g_assert_cmpint (d->input_shape[1], ==, 28);
  g_assert_cmpint (d->n_layers, ==, 3);
  g_assert_cmpint (d->layers[0].kind, ==, FT_LAYER_FLATTEN);
  g_assert_cmpint (d->layers[1].kind, ==, FT_LAYER_DENSE);
  g_assert_cmpint (d->layers[1].units, ==, 128);
  g_assert_cmpint (d->layers[1].activation, ==, FT_ACT_RELU);
  g_assert_cmpint (d->layers[2].units, ==, 10);
  g_assert_cmpint (d->layers[2].activation, ==, FT_ACT_LINEAR);
  g_assert_cmpint (d->compile.optimizer.kind, ==, FT_OPT_ADAM);
  g_assert_cmpfloat (d->compile.optimizer.learning_rate, ==, 0.001f);
  g_assert_cmpint (d->compile.loss.kind, ==, FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  g_assert_true (d->compile.loss.from_logits);
  g_assert_cmpint (d->compile.n_metrics, ==, 1);
  g_assert_cmpstr (d->compile.metrics[0], ==, "accuracy");
  g_assert_cmpint (d->mode, ==, FT_MODE_FIT);
  g_assert_cmpint (d->fit.epochs, ==, 10);
  g_assert_cmpint (d->fit.batch_size, ==, 32);
  g_assert_true (d->fit.shuffle);
  g_assert_cmpint (d->n_callbacks, ==, 0);
  assert_round_trip (d);

  FtExperiment *c = ft_experiment_copy (d);
  g_assert_true (ft_experiment_equal (c, d));
  c->layers[1].units = 64;
  g_assert_false (ft_experiment_equal (c, d));
  ft_experiment_free (c);
  ft_experiment_free (d);

  /* Only the layers given: Keras' own defaults everywhere else. */
  FtExperiment *m = parse_ok ("{\"model\": {\"layers\": [{\"type\": \"Dense\"}]}}");
  g_assert_cmpuint (m->seed, ==, 42);
  g_assert_null (m->title);
  g_assert_null (m->hide);
  g_assert_cmpint (m->data.source, ==, FT_DATA_IDX);
  g_assert_cmpint (m->input_ndim, ==, 0);
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  g_assert_cmpint (m->layers[0].units, ==, dense.units);
  g_assert_true (m->layers[0].use_bias);
  g_assert_cmpint (m->layers[0].kernel_initializer, ==, FT_INIT_GLOROT_UNIFORM);
  g_assert_cmpint (m->compile.optimizer.kind, ==, FT_OPT_RMSPROP); /* compile(optimizer="rmsprop") */
  g_assert_cmpint (m->compile.loss.kind, ==, FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  g_assert_false (m->compile.loss.from_logits);
  g_assert_cmpint (m->compile.n_metrics, ==, 0);
  g_assert_cmpint (m->mode, ==, FT_MODE_FIT);
  FtFitArgs fit = ft_fit_args_default ();
  g_assert_cmpint (m->fit.epochs, ==, fit.epochs);
  g_assert_cmpint (m->fit.batch_size, ==, fit.batch_size);
  g_assert_cmpfloat (m->fit.validation_split, ==, 0.0);
  FtLoopSteps all = ft_loop_steps_all ();
  for (int i = 0; i < ft_loop_n_steps (); i++)
    g_assert_true (*ft_loop_step_flag (&m->steps, i) == *ft_loop_step_flag (&all, i));
  assert_round_trip (m);
  ft_experiment_free (m);

  /* A callback given only its type gets Keras' defaults. */
  FtExperiment *cb = parse_ok (
      "{\"model\": {\"layers\": [{\"type\": \"Dense\"}]}, \"callbacks\": [{\"type\": "
      "\"ReduceLROnPlateau\"}, {\"type\": \"EarlyStopping\"}]}");
  FtCallbackSpec rl = ft_callback_spec_default (FT_CALLBACK_REDUCE_LR_ON_PLATEAU);
  g_assert_cmpfloat (cb->callbacks[0].factor, ==, rl.factor);
  g_assert_cmpint (cb->callbacks[0].patience, ==, rl.patience);
  g_assert_cmpfloat (cb->callbacks[0].min_delta, ==, rl.min_delta);
  g_assert_cmpint (cb->callbacks[1].patience, ==, 0);
  g_assert_cmpstr (cb->callbacks[1].monitor, ==, "val_loss");
  g_assert_false (cb->callbacks[1].has_baseline);
  assert_round_trip (cb);
  ft_experiment_free (cb);
}

/* ---- round trips of everything the format can say ---- */

static const char *const everything
    = "{\"title\": \"All \\\"keys\\\"\\nline two\\ttab \\u00e9\", \"notes\": \"ü ×\", \"hide\": "
      "[\"callbacks\", "
      "\"tape_loop\"],\n"
      " \"seed\": 12345678901,\n"
      " \"dataset\": {\"name\": \"csv\", \"path\": \"/tmp/x.csv\", \"test_path\": \"/tmp/y.csv\", \"label\": "
      "\"species\", \"limit\": 100},\n"
      " \"model\": {\"input_shape\": [32, 30, 3], \"layers\": [\n"
      "  {\"type\": \"Conv2D\", \"filters\": 8, \"kernel_size\": [3, 5], \"strides\": [2, 1], \"padding\": "
      "\"same\", \"activation\": \"leaky_relu\", \"use_bias\": false, \"kernel_initializer\": \"he_normal\", "
      "\"bias_initializer\": \"ones\", \"kernel_regularizer\": {\"l2\": 0.0005}},\n"
      "  {\"type\": \"BatchNormalization\", \"momentum\": 0.9, \"epsilon\": 1e-5},\n"
      "  {\"type\": \"max_pooling2d\", \"pool_size\": [3, 2], \"strides\": 2, \"padding\": \"same\"},\n"
      "  {\"type\": \"MaxPooling2D\", \"strides\": null},\n"
      "  {\"type\": \"Dropout\", \"rate\": 0.3},\n"
      "  {\"type\": \"Flatten\"},\n"
      "  {\"type\": \"Dense\", \"units\": 7, \"activation\": \"gelu\", \"kernel_regularizer\": \"l2\", "
      "\"kernel_initializer\": \"glorot_normal\", \"bias_initializer\": \"zeros\"},\n"
      "  {\"type\": \"Activation\", \"activation\": \"softmax\"}]},\n"
      " \"compile\": {\"optimizer\": {\"name\": \"SGD\", \"learning_rate\": 0.05, \"momentum\": 0.9, "
      "\"nesterov\": true, \"clipnorm\": 1.5, \"global_clipnorm\": null},\n"
      "   \"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\", \"mae\"]},\n"
      " \"mode\": \"both\",\n"
      " \"fit\": {\"epochs\": 12, \"batch_size\": 64, \"shuffle\": false, \"validation_split\": 0.15, "
      "\"initial_epoch\": 2, \"validation_freq\": 3, \"steps_per_epoch\": 50, \"class_weight\": {\"2\": 3.5, "
      "\"0\": 0.25}},\n"
      " \"tape_loop\": {\"batching\": false, \"shuffle\": true, \"split\": false, \"validate\": true, "
      "\"reset_metrics\": false, \"early_stopping\": false, \"checkpoint\": true, \"progress\": false},\n"
      " \"callbacks\": [\n"
      "  {\"type\": \"EarlyStopping\", \"monitor\": \"val_accuracy\", \"min_delta\": 0.001, \"patience\": 4, "
      "\"mode\": \"max\", \"baseline\": 0.6, \"restore_best_weights\": true, \"start_from_epoch\": 2},\n"
      "  {\"type\": \"ModelCheckpoint\", \"filepath\": \"ckpt-{epoch:02d}-{val_loss:.4f}.weights.h5\", \"monitor\": "
      "\"val_loss\", \"save_best_only\": true, \"save_weights_only\": true, \"mode\": \"min\", "
      "\"save_freq\": "
      "100, \"initial_value_threshold\": 2.5},\n"
      "  {\"type\": \"ModelCheckpoint\", \"filepath\": \"relative/out.h5\", \"save_freq\": \"epoch\"},\n"
      "  {\"type\": \"ReduceLROnPlateau\", \"monitor\": \"loss\", \"factor\": 0.5, \"patience\": 2, "
      "\"mode\": "
      "\"auto\", \"min_delta\": 0.01, \"cooldown\": 1, \"min_lr\": 1e-6},\n"
      "  {\"type\": \"TerminateOnNaN\"},\n"
      "  {\"type\": \"CSVLogger\", \"filename\": \"log.csv\", \"separator\": \";\", \"append\": true},\n"
      "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"cosine\", \"initial_learning_rate\": 0.1, "
      "\"decay_epochs\": 20, \"alpha\": 0.05},\n"
      "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"step\", \"factor\": 0.3, \"step_size\": 4},\n"
      "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"exponential\", \"rate\": 0.9}]}\n";

static void
test_round_trip (void)
{
  FtExperiment *e = parse_ok (everything);
  g_assert_cmpstr (e->title, ==, "All \"keys\"\nline two\ttab é");
  g_assert_cmpuint (e->seed, ==, 12345678901u);
  g_assert_cmpint (e->data.source, ==, FT_DATA_CSV);
  g_assert_cmpstr (e->data.label_column, ==, "species");
  g_assert_cmpint (e->layers[0].kernel_size[1], ==, 5);
  g_assert_cmpint (e->layers[0].strides[0], ==, 2);
  g_assert_cmpint (e->layers[0].padding, ==, FT_PADDING_SAME);
  g_assert_cmpfloat (e->layers[0].kernel_l2, ==, 0.0005f);
  g_assert_cmpint (e->layers[2].kind, ==, FT_LAYER_MAX_POOLING2D);
  g_assert_cmpint (e->layers[3].strides[0], ==, 0);
  g_assert_cmpfloat (e->layers[6].kernel_l2, ==, 0.01f);
  g_assert_cmpint (e->compile.optimizer.kind, ==, FT_OPT_SGD);
  g_assert_true (e->compile.optimizer.nesterov);
  g_assert_cmpint (e->fit.n_class_weight, ==, 3);
  g_assert_cmpfloat (e->fit.class_weight[0], ==, 0.25f);
  g_assert_cmpfloat (e->fit.class_weight[1], ==, 1.0f);
  g_assert_cmpfloat (e->fit.class_weight[2], ==, 3.5f);
  g_assert_false (e->steps.batching);
  g_assert_true (e->steps.checkpoint);
  g_assert_cmpint (e->n_callbacks, ==, 9);
  g_assert_true (e->callbacks[0].has_baseline);
  g_assert_cmpint (e->callbacks[1].save_freq, ==, 100);
  g_assert_cmpint (e->callbacks[2].save_freq, ==, 0);
  g_assert_cmpstr (e->callbacks[2].filepath, ==, "relative/out.h5"); /* output paths stay as written */
  g_assert_cmpint (e->callbacks[5].separator, ==, ';');
  g_assert_cmpfloat (e->callbacks[6].initial_lr, ==, 0.1);
  assert_round_trip (e);

  /* Pretty-printed: one layer per line, numbers in their shortest form. */
  char *json = ft_experiment_to_json (e);
  g_assert_nonnull (strstr (json, "\n  \"model\": {\n    \"input_shape\": [32, 30, 3],\n"));
  g_assert_nonnull (strstr (json, "\"learning_rate\": 0.05,"));
  g_assert_nonnull (strstr (json, "\"l2\": 0.0005}"));
  g_free (json);
  ft_experiment_free (e);

  /* The other optimizers with every parameter. */
  static const char *const optimizers[] = {
    "{\"name\": \"adam\", \"learning_rate\": 0.0003, \"beta_1\": 0.8, \"beta_2\": 0.99, \"epsilon\": 1e-8, "
    "\"amsgrad\": true, \"clipvalue\": 0.5}",
    "{\"name\": \"rmsprop\", \"learning_rate\": 0.002, \"rho\": 0.95, \"momentum\": 0.1, \"epsilon\": 1e-6, "
    "\"centered\": true, \"global_clipnorm\": 1}",
    "{\"name\": \"Adagrad\", \"learning_rate\": 0.1, \"initial_accumulator_value\": 0.2, \"epsilon\": 1e-9}",
    "\"adagrad\"",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (optimizers); i++)
    {
      char *text = g_strdup_printf (
          "{\"dataset\": {\"name\": \"moons\", \"samples\": 300, \"noise\": 0.3, "
          "\"test_samples\": 0}, \"model\": {\"layers\": [{\"type\": \"Dense\", "
          "\"units\": 1, \"activation\": \"sigmoid\"}]}, \"compile\": {\"optimizer\": "
          "%s, \"loss\": {\"name\": \"binary_crossentropy\", \"from_logits\": false}, "
          "\"metrics\": [\"binary_accuracy\"]}, \"mode\": \"tape\"}",
          optimizers[i]);
      FtExperiment *o = parse_ok (text);
      assert_round_trip (o);
      ft_experiment_free (o);
      g_free (text);
    }

  /* An experiment changed by hand (as the window does) round-trips too. */
  FtExperiment *d = ft_experiment_new_default ();
  d->compile.optimizer.learning_rate = 1.0f / 3.0f;
  d->fit.validation_split = 0.1;
  d->data.limit = 5000;
  d->steps.shuffle = false;
  g_free (d->notes);
  d->notes = NULL;
  assert_round_trip (d);
  ft_experiment_free (d);
}

/* ---- errors ---- */

typedef struct
{
  const char *json;
  const char *message; /* the whole message, or NULL */
  const char *prefix;  /* what it starts with */
  const char *part;    /* and a part of it (may be NULL) */
} ErrorCase;

#define LAYERS "\"model\": {\"layers\": [{\"type\": \"Dense\"}]}"

static const ErrorCase error_cases[] = {
  /* wrong types */
  { "{\"model\": {\"layers\": [{\"type\": \"Flatten\"}, {\"type\": \"Dense\"}, {\"type\": \"Dense\", "
    "\"units\": \"ten\"}]}}",
    "$.model.layers[2].units: expected a positive integer, got \"ten\"", NULL, NULL },
  { "{" LAYERS ", \"fit\": {\"shuffle\": \"yes\"}}", "$.fit.shuffle: expected true or false, got \"yes\"",
    NULL, NULL },
  { "{" LAYERS ", \"fit\": {\"epochs\": 2.5}}", "$.fit.epochs: expected a positive integer, got 2.5", NULL,
    NULL },
  { "{" LAYERS ", \"seed\": -1}", "$.seed: expected a non-negative integer, got -1", NULL, NULL },
  { "{" LAYERS ", \"title\": 3}", "$.title: expected a string, got 3", NULL, NULL },
  { "{" LAYERS ", \"compile\": {\"metrics\": \"accuracy\"}}",
    "$.compile.metrics: expected an array, got \"accuracy\"", NULL, NULL },
  { "{\"model\": {\"input_shape\": [28, 0], \"layers\": [{\"type\": \"Dense\"}]}}",
    "$.model.input_shape[1]: expected a positive integer, got 0", NULL, NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Conv2D\", \"kernel_size\": [3, 3, 3]}]}}",
    "$.model.layers[0].kernel_size: expected an integer or a list of two integers, got a list of 3", NULL,
    NULL },
  { "[1, 2]", "$: expected an object, got an array", NULL, NULL },
  /* unknown keys, with suggestions */
  { "{" LAYERS ", \"fit\": {\"epoch\": 3}}", "$.fit: unknown key \"epoch\" (did you mean \"epochs\"?)", NULL,
    NULL },
  { "{" LAYERS ", \"fit\": {\"batchsize\": 3}}",
    "$.fit: unknown key \"batchsize\" (did you mean \"batch_size\"?)", NULL, NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"adam\", \"lr\": 0.1}}}",
    "$.compile.optimizer: unknown key \"lr\" (did you mean \"learning_rate\"?)", NULL, NULL },
  { "{" LAYERS ", \"tape_loop\": {\"shufle\": false}}",
    "$.tape_loop: unknown key \"shufle\" (did you mean \"shuffle\"?)", NULL, NULL },
  { "{" LAYERS ", \"foo\": 1}", NULL, "$: unknown key \"foo\" (expected title, notes, hide, seed,", NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Conv2D\", \"units\": 3}]}}", NULL,
    "$.model.layers[0]: Conv2D takes no \"units\" (it takes type, filters, kernel_size,", NULL },
  { "{" LAYERS ", \"dataset\": {\"name\": \"csv\", \"path\": \"a.csv\", \"label\": \"y\", \"noise\": 0.1}}",
    NULL, "$.dataset: dataset \"csv\" takes no \"noise\"", NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"adam\", \"momentum\": 0.9}}}", NULL,
    "$.compile.optimizer: adam takes no \"momentum\"", NULL },
  { "{" LAYERS ", \"compile\": {\"loss\": {\"name\": \"mse\", \"from_logits\": true}}}", NULL,
    "$.compile.loss: mean_squared_error takes no \"from_logits\"", NULL },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"EarlyStopping\", \"patiense\": 3}]}",
    "$.callbacks[0]: unknown key \"patiense\" (did you mean \"patience\"?)", NULL, NULL },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"TerminateOnNaN\", \"monitor\": \"loss\"}]}", NULL,
    "$.callbacks[0]: TerminateOnNaN takes no \"monitor\"", NULL },
  /* bad enums */
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"lamb\"}}}",
    "$.compile.optimizer.name: unknown optimizer \"lamb\" (expected sgd, adam, rmsprop, adagrad, adamw, "
    "nadam, "
    "adamax)",
    NULL, NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": \"ftrl\"}}",
    "$.compile.optimizer: unknown optimizer \"ftrl\" (expected sgd, adam, rmsprop, adagrad, adamw, nadam, "
    "adamax)",
    NULL, NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Dense\", \"activation\": \"rleu\"}]}}", NULL,
    "$.model.layers[0].activation: unknown activation \"rleu\" (expected linear, relu, sigmoid,", NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"LSTM\"}]}}", NULL,
    "$.model.layers[0].type: unknown layer type \"LSTM\" (expected Dense, Conv2D,", NULL },
  { "{" LAYERS ", \"mode\": \"train\"}", "$.mode: unknown mode \"train\" (expected fit, tape, both)", NULL,
    NULL },
  { "{" LAYERS ", \"dataset\": {\"name\": \"mnist\"}}", NULL, "$.dataset.name: unknown dataset \"mnist\"",
    NULL },
  { "{" LAYERS ", \"compile\": {\"loss\": \"hinge\"}}", NULL,
    "$.compile.loss: unknown loss \"hinge\" (expected sparse_categorical_crossentropy,", NULL },
  { "{" LAYERS ", \"compile\": {\"metrics\": [\"accuracy\", \"precision\"]}}", NULL,
    "$.compile.metrics[1]: unknown metric \"precision\"", NULL },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"EarlyStoping\"}]}", NULL,
    "$.callbacks[0].type: unknown callback \"EarlyStoping\" (expected EarlyStopping, ModelCheckpoint,",
    NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Conv2D\", \"padding\": \"causal\"}]}}",
    "$.model.layers[0].padding: unknown padding \"causal\" (expected valid, same)", NULL, NULL },
  /* absurd values */
  { "{" LAYERS ", \"fit\": {\"batch_size\": 0}}", "$.fit.batch_size: expected a positive integer, got 0",
    NULL, NULL },
  { "{" LAYERS ", \"fit\": {\"epochs\": 1000000000}}", NULL, "$.fit: ", "epochs" },
  { "{" LAYERS ", \"fit\": {\"epochs\": 5, \"initial_epoch\": 5}}", NULL, "$.fit: ", "initial_epoch" },
  { "{" LAYERS ", \"fit\": {\"validation_split\": 1}}",
    "$.fit.validation_split: expected a number in [0, 1), got 1", NULL, NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": -1}}}",
    "$.compile.optimizer.learning_rate: expected a number >= 0, got -1", NULL, NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 1e400}}}", NULL,
    "$.compile.optimizer.learning_rate: expected a number >= 0, got ", NULL },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"adam\", \"beta_1\": 1.5}}}", NULL,
    "$.compile.optimizer: ", "beta_1" },
  { "{" LAYERS ", \"compile\": {\"optimizer\": {\"name\": \"sgd\", \"clipnorm\": 1, \"clipvalue\": 1}}}",
    NULL, "$.compile.optimizer: ", NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Flatten\"}, {\"type\": \"Dropout\", \"rate\": 1.5}]}}",
    "$.model.layers[1].rate: expected a number in [0, 1), got 1.5", NULL, NULL },
  { "{\"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 100000000}]}}",
    "$.model.layers[0].units: expected an integer from 1 to 1048576, got 100000000", NULL, NULL },
  { "{" LAYERS ", \"dataset\": {\"name\": \"spiral\", \"noise\": 0.9}}",
    "$.dataset.noise: expected a number in [0, 0.5], got 0.9", NULL, NULL },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"EarlyStopping\", \"patience\": -1}]}",
    "$.callbacks[0].patience: expected a non-negative integer, got -1", NULL, NULL },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"ReduceLROnPlateau\", \"factor\": 1.5}]}", NULL,
    "$.callbacks[0]: ", "factor" },
  { "{" LAYERS ", \"callbacks\": [{\"type\": \"ModelCheckpoint\", \"save_freq\": \"batch\"}]}",
    "$.callbacks[0].save_freq: expected \"epoch\" or a positive number of batches, got \"batch\"", NULL,
    NULL },
  { "{" LAYERS ", \"fit\": {\"class_weight\": {\"cat\": 2}}}", NULL,
    "$.fit.class_weight: expected class indices from 0 to", NULL },
  { "{" LAYERS ", \"fit\": {\"class_weight\": {\"1\": -2}}}",
    "$.fit.class_weight[\"1\"]: expected a number >= 0, got -2", NULL, NULL },
  /* missing or empty */
  { "{\"seed\": 1}", "$: missing \"model\" (its \"layers\" are required)", NULL, NULL },
  { "{\"model\": {}}", "$.model.layers: required: the model's layers, at least one", NULL, NULL },
  { "{\"model\": {\"layers\": []}}", "$.model.layers: expected at least one layer", NULL, NULL },
  { "{\"model\": {\"layers\": [{\"units\": 3}]}}", NULL,
    "$.model.layers[0]: missing \"type\" (expected Dense,", NULL },
  { "{" LAYERS ", \"dataset\": {\"name\": \"csv\", \"path\": \"a.csv\"}}", NULL,
    "$.dataset: dataset \"csv\" needs \"label\"", NULL },
  { "{" LAYERS ", \"dataset\": {\"name\": \"idx\"}}", NULL, "$.dataset: dataset \"idx\" needs \"path\"",
    NULL },
  /* duplicates */
  { "{" LAYERS ",\n \"fit\": {\"epochs\": 3,\n  \"epochs\": 4}}", "$.fit: duplicate key \"epochs\" (line 3)",
    NULL, NULL },
  /* syntax */
  { "{\n  \"seed\": 1,\n  \"mode\": \"fit\",\n}",
    "line 3, column 16: JSON syntax error: a comma before a "
    "closing bracket (JSON allows no trailing comma)",
    NULL, NULL },
  /* (json-glib points at the end of the line that lacks its comma) */
  { "{\n  \"seed\": 1\n  \"mode\": \"fit\"\n}", NULL, "line 2, column ", "JSON syntax error" },
  { "{\"seed\": NaN}", NULL, "line 1, column ", "NaN" },
  { "", NULL, "the document is empty", NULL },
};

static void
test_errors (void)
{
  for (size_t i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      GError *error = NULL;
      FtExperiment *e = ft_experiment_from_json (c->json, &error);
      if (e != NULL)
        g_printerr ("case %zu parsed: %s\n", i, c->json);
      g_assert_null (e);
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      bool ok = (c->message == NULL || strcmp (error->message, c->message) == 0)
                && (c->prefix == NULL || g_str_has_prefix (error->message, c->prefix))
                && (c->part == NULL || strstr (error->message, c->part) != NULL);
      if (!ok)
        g_printerr ("case %zu: got      %s\n         expected %s\n", i, error->message,
                    c->message != NULL ? c->message : c->prefix);
      g_assert_true (ok);
      g_error_free (error);
    }
}

/* Damaged documents (bytes replaced, dropped or duplicated) never crash: each gives an experiment that
 * round-trips, or an FT_ERROR_INVALID that names a place. */
static void
test_damaged (void)
{
  GRand *rand = g_rand_new_with_seed (1234);
  static const char alphabet[] = "{}[]\",:0123456789.-eE truefalsnl\\\n";
  int parsed = 0, failed = 0;
  for (int iter = 0; iter < 3000; iter++)
    {
      GString *s = g_string_new (everything);
      int edits = g_rand_int_range (rand, 1, 4);
      for (int k = 0; k < edits && s->len > 1; k++)
        {
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) s->len);
          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              s->str[at] = alphabet[g_rand_int_range (rand, 0, (gint32) sizeof alphabet - 1)];
              break;
            case 1:
              g_string_erase (s, (gssize) at, 1);
              break;
            default:
              g_string_insert_c (s, (gssize) at, s->str[at]);
              break;
            }
        }
      GError *error = NULL;
      FtExperiment *e = ft_experiment_from_json (s->str, &error);
      if (e != NULL)
        {
          g_assert_no_error (error);
          assert_round_trip (e);
          ft_experiment_free (e);
          parsed++;
        }
      else
        {
          g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
          g_assert_true (error->message[0] == '$' || g_str_has_prefix (error->message, "line ")
                         || g_str_has_prefix (error->message, "the document")
                         || strstr (error->message, "JSON"));
          g_error_free (error);
          failed++;
        }
      g_string_free (s, TRUE);
    }
  g_assert_cmpint (parsed, >, 0);
  g_assert_cmpint (failed, >, 0);
  g_rand_free (rand);
}

/* ---- files: load, save, relative paths ---- */

static void
test_files (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("ft-experiment-XXXXXX", &error);
  g_assert_no_error (error);

  /* Dataset paths resolve against the file's directory; output paths stay as written. */
  char *path = g_build_filename (dir, "exp.json", NULL);
  const char *text
      = "{\"dataset\": {\"name\": \"csv\", \"path\": \"sub/train.csv\", \"test_path\": \"test.csv\", "
        "\"label\": \"y\"}, \"model\": {\"layers\": [{\"type\": \"Dense\"}]}, \"callbacks\": "
        "[{\"type\": \"CSVLogger\", \"filename\": \"log.csv\"}]}";
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  FtExperiment *e = ft_experiment_load (path, &error);
  g_assert_no_error (error);
  char *expect_train = g_build_filename (dir, "sub", "train.csv", NULL);
  char *expect_test = g_build_filename (dir, "test.csv", NULL);
  g_assert_cmpstr (e->data.path, ==, expect_train);
  g_assert_cmpstr (e->data.test_path, ==, expect_test);
  g_assert_cmpstr (e->callbacks[0].filepath, ==, "log.csv");
  g_free (expect_train);
  g_free (expect_test);

  /* Save (atomically) and load back. */
  char *saved = g_build_filename (dir, "saved.json", NULL);
  g_assert_true (ft_experiment_save (e, saved, &error));
  g_assert_no_error (error);
  FtExperiment *back = ft_experiment_load (saved, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (e, back));
  ft_experiment_free (back);
  /* Saving over an existing file replaces it and leaves no temporary file behind. */
  e->fit.epochs = 7;
  g_assert_true (ft_experiment_save (e, saved, &error));
  back = ft_experiment_load (saved, &error);
  g_assert_cmpint (back->fit.epochs, ==, 7);
  ft_experiment_free (back);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n_files = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    n_files++;
  g_dir_close (d);
  g_assert_cmpint (n_files, ==, 2);
  ft_experiment_free (e);

  /* Errors from a file start with its path; syntax errors give path:line:column. */
  g_assert_true (g_file_set_contents (path,
                                      "{\n  \"fit\": {\"epoch\": 1}, \"model\": {\"layers\": [{\"type\": "
                                      "\"Flatten\"}]}\n}",
                                      -1, &error));
  e = ft_experiment_load (path, &error);
  g_assert_null (e);
  char *expect = g_strdup_printf ("%s: $.fit: unknown key \"epoch\" (did you mean \"epochs\"?)", path);
  g_assert_cmpstr (error->message, ==, expect);
  g_free (expect);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "{\n  \"seed\": 1,\n  \"mode\": \"fit\",\n}\n", -1, &error));
  e = ft_experiment_load (path, &error);
  g_assert_null (e);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  char *prefix = g_strdup_printf ("%s:3:16: JSON syntax error: ", path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_free (prefix);
  g_clear_error (&error);

  /* A missing file is a file error. */
  char *missing = g_build_filename (dir, "missing.json", NULL);
  e = ft_experiment_load (missing, &error);
  g_assert_null (e);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_free (missing);

  g_unlink (saved);
  g_unlink (path);
  g_rmdir (dir);
  g_free (saved);
  g_free (path);
  g_free (dir);
}

/* ---- data ---- */

static void
test_load_playground (void)
{
  FtExperiment *e = load_shipped ("spiral.json");
  FtDataset *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (train->n, ==, e->data.samples);
  g_assert_nonnull (test);
  g_assert_cmpuint (test->n, ==, e->data.test_samples);
  g_assert_cmpint (train->ndim, ==, 1);
  g_assert_cmpint (train->shape[0], ==, 2);
  g_assert_cmpint (train->n_classes, ==, 2);
  /* The test set is another draw (seed + 1). */
  FtDataset *same = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, e->data.samples, e->data.noise, e->seed);
  g_assert_cmpmem (same->features, train->n * sizeof (float) * 2, train->features,
                   train->n * sizeof (float) * 2);
  g_assert_true (memcmp (test->features, train->features, 2 * sizeof (float) * 100) != 0);
  ft_dataset_free (same);
  ft_dataset_free (train);
  ft_dataset_free (test);

  /* limit and no test set */
  e->data.limit = 50;
  e->data.test_samples = 0;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_cmpuint (train->n, ==, 50);
  g_assert_null (test);
  ft_dataset_free (train);
  ft_experiment_free (e);
}

static void
test_load_csv (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("ft-experiment-XXXXXX", &error);
  g_assert_no_error (error);
  char *train_path = g_build_filename (dir, "train.csv", NULL);
  char *test_path = g_build_filename (dir, "test.csv", NULL);
  char *exp_path = g_build_filename (dir, "iris.json", NULL);
  g_assert_true (g_file_set_contents (
      train_path, "a,b,species\n1,2,setosa\n3,4,versicolor\n5,6,virginica\n7,8,setosa\n", -1, &error));
  /* Classes first seen in another order: they must keep the training file's numbering. */
  g_assert_true (g_file_set_contents (test_path, "a,b,species\n1,1,virginica\n2,2,setosa\n", -1, &error));
  g_assert_true (
      g_file_set_contents (exp_path,
                           "{\"dataset\": {\"name\": \"csv\", \"path\": \"train.csv\", \"test_path\": "
                           "\"test.csv\", \"label\": \"species\"}, \"model\": {\"layers\": [{\"type\": "
                           "\"Dense\", \"units\": 3}]}}",
                           -1, &error));
  FtExperiment *e = ft_experiment_load (exp_path, &error);
  g_assert_no_error (error);
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (train->n, ==, 4);
  g_assert_cmpint (train->n_classes, ==, 3);
  g_assert_cmpuint (test->n, ==, 2);
  g_assert_cmpint (test->n_classes, ==, 3);
  g_assert_cmpstr (test->class_names[(int) test->labels[0]], ==, "virginica");
  g_assert_cmpfloat (test->labels[0], ==, 2.0f);
  g_assert_cmpfloat (test->labels[1], ==, 0.0f);

  /* The model takes the dataset's shape when the experiment gives none. */
  FtTrainer *t = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (ft_trainer_model (t), &nd, shape);
  g_assert_cmpint (nd, ==, 1);
  g_assert_cmpint (shape[0], ==, 2);
  ft_trainer_free (t);
  ft_dataset_free (train);
  ft_dataset_free (test);

  /* A class the training file lacks is an error. */
  g_assert_true (g_file_set_contents (test_path, "a,b,species\n1,1,unknown\n", -1, &error));
  g_assert_false (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_nonnull (strstr (error->message, "\"unknown\""));
  g_clear_error (&error);
  g_assert_null (train);
  g_assert_null (test);
  ft_experiment_free (e);

  g_unlink (train_path);
  g_unlink (test_path);
  g_unlink (exp_path);
  g_rmdir (dir);
  g_free (train_path);
  g_free (test_path);
  g_free (exp_path);
  g_free (dir);
}

static void
test_load_fashion_mnist (void)
{
  if (!g_file_test (FT_FASHION_MNIST_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no " FT_FASHION_MNIST_DIR);
      return;
    }
  FtExperiment *e = ft_experiment_new_default ();
  e->data.limit = 1000;
  FtDataset *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (train->n, ==, 1000);
  g_assert_cmpuint (test->n, ==, 10000);
  g_assert_cmpint (train->n_classes, ==, 10);
  FtTrainer *t = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ft_model_n_params (ft_trainer_model (t)), ==, 784 * 128 + 128 + 128 * 10 + 10);
  ft_trainer_free (t);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

/* ---- building the trainer ---- */

static void
test_build_spiral (void)
{
  FtExperiment *e = load_shipped ("spiral.json");
  FtDataset *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  FtTrainer *t = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  FtModel *m = ft_trainer_model (t);
  g_assert_cmpint (ft_model_n_layers (m), ==, 3);
  g_assert_cmpuint (ft_model_n_params (m), ==, (2 * 16 + 16) + (16 * 16 + 16) + (16 * 2 + 2));
  int nd, shape[FT_MAX_DIMS];
  ft_model_output_shape (m, &nd, shape);
  g_assert_cmpint (nd, ==, 1);
  g_assert_cmpint (shape[0], ==, 2);
  g_assert_cmpuint (ft_trainer_seed (t), ==, e->seed);
  g_assert_cmpfloat (ft_optimizer_get_learning_rate (ft_trainer_optimizer (t)), ==, 0.01f);

  /* The experiment as a checkpoint's source reads back equal. */
  FtExperimentSource source = ft_experiment_source (e);
  char *json = source.to_json (source.user_data);
  g_assert_nonnull (json);
  FtExperiment *back = parse_ok (json);
  g_free (json);
  g_assert_true (ft_experiment_equal (e, back));
  ft_experiment_free (back);
  ft_trainer_free (t);

  /* The data must fit the model. */
  e->input_ndim = 1;
  e->input_shape[0] = 3;
  t = ft_experiment_build_trainer (e, train, &error);
  g_assert_null (t);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "$.model.input_shape: "));
  g_clear_error (&error);

  /* Too few outputs for the classes: the last layer's fault. */
  e->input_ndim = 0;
  e->layers[2].units = 1;
  t = ft_experiment_build_trainer (e, train, &error);
  g_assert_null (t);
  g_assert_true (g_str_has_prefix (error->message, "$.model.layers[2]: "));
  g_clear_error (&error);

  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

static void
test_build_cnn (void)
{
  FtExperiment *e = load_shipped ("fashion-mnist-cnn-tape.json");
  GError *error = NULL;
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, &error); /* input_shape given: no data needed */
  g_assert_no_error (error);
  FtModel *m = ft_trainer_model (t);
  /* Conv2D 3·3·1·32 + 32 = 320; (26·26·32 = 21632)·128 + 128 = 2 769 024; 128·10 + 10 = 1 290 */
  g_assert_cmpuint (ft_model_n_params (m), ==, 2770634);
  g_assert_cmpuint (ft_model_layer_n_params (m, 0), ==, 320);
  g_assert_cmpuint (ft_model_layer_n_params (m, 2), ==, 2769024);
  g_assert_cmpuint (ft_model_layer_n_params (m, 3), ==, 1290);
  int nd, shape[FT_MAX_DIMS];
  ft_model_layer_output_shape (m, 0, &nd, shape);
  g_assert_cmpint (nd, ==, 3);
  g_assert_cmpint (shape[0], ==, 26);
  g_assert_cmpint (shape[1], ==, 26);
  g_assert_cmpint (shape[2], ==, 32);
  ft_trainer_free (t);
  ft_experiment_free (e);
}

static void
test_build_errors (void)
{
  GError *error = NULL;
  /* Dense straight on images: the message names the layer by its place in the file and its Keras name. */
  FtExperiment *e = parse_ok (
      "{\"model\": {\"input_shape\": [28, 28], \"layers\": [{\"type\": \"Dense\", \"units\": "
      "10}, {\"type\": \"Flatten\"}]}}");
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "$.model.layers[0] (dense): Dense expects a flat input"));
  g_clear_error (&error);
  ft_experiment_free (e);

  /* The second Conv2D of a model is conv2d_1, and its kernel no longer fits. */
  e = parse_ok (
      "{\"model\": {\"input_shape\": [6, 6, 1], \"layers\": [{\"type\": \"Conv2D\", \"filters\": 4, "
      "\"kernel_size\": 3}, {\"type\": \"Conv2D\", \"filters\": 4, \"kernel_size\": 5}, {\"type\": "
      "\"Flatten\"}]}}");
  t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_null (t);
  g_assert_true (g_str_has_prefix (error->message, "$.model.layers[1] (conv2d_1): "));
  g_assert_nonnull (strstr (error->message, "5×5"));
  g_clear_error (&error);
  ft_experiment_free (e);

  /* Conv2D on images without a channel axis. */
  e = parse_ok ("{\"model\": {\"input_shape\": [28, 28], \"layers\": [{\"type\": \"Conv2D\"}]}}");
  t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_null (t);
  g_assert_true (g_str_has_prefix (error->message, "$.model.layers[0] (conv2d): "));
  g_clear_error (&error);
  ft_experiment_free (e);

  /* No input shape and no data. */
  e = parse_ok ("{\"model\": {\"layers\": [{\"type\": \"Dense\"}]}}");
  t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_null (t);
  g_assert_true (g_str_has_prefix (error->message, "$.model.input_shape: "));
  g_clear_error (&error);
  ft_experiment_free (e);
}

/* ---- the early-stopping lesson really stops early ---- */

static void
test_early_stopping_lesson (void)
{
  FtExperiment *e = load_shipped ("early-stopping.json");
  FtDataset *train = NULL, *test = NULL;
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  FtTrainer *t = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  for (int i = 0; i < e->n_callbacks; i++)
    g_ptr_array_add (cbs, ft_callback_new (&e->callbacks[i]));
  FtHistory *h = ft_history_new ();
  FtFitContext ctx;
  memset (&ctx, 0, sizeof ctx);
  g_assert_true (ft_fit (t, train, &e->fit, cbs, h, &ctx, &error));
  g_assert_no_error (error);
  int epochs = ft_history_n_epochs (h);
  if (g_test_verbose ())
    g_test_message ("early-stopping.json stopped after %d of %d epochs (stopped_epoch %d)", epochs,
                    e->fit.epochs, ctx.stopped_epoch);
  g_assert_true (ctx.stopped_early);
  g_assert_cmpint (epochs, <, e->fit.epochs / 4);
  g_assert_cmpint (epochs, >, 4);
  ft_history_free (h);
  g_ptr_array_unref (cbs);
  ft_trainer_free (t);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

/* The tape loop's pitfalls and compile's weighted_metrics: parsed, written back, compared. */
static void
test_pitfalls_and_weighted_metrics (void)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (
      "{\"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", \"units\": 2}]},"
      " \"compile\": {\"metrics\": [\"accuracy\"], \"weighted_metrics\": [\"accuracy\"]},"
      " \"mode\": \"both\", \"tape_loop\": {\"shuffle\": false, \"pitfalls\": [\"training_false\", \"shuffle_buffer\"]}}",
      &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->compile.n_weighted_metrics, ==, 1);
  g_assert_cmpstr (e->compile.weighted_metrics[0], ==, "accuracy");
  g_assert_true (e->steps.pitfalls.on[FT_PITFALL_TRAINING_FALSE]);
  g_assert_true (e->steps.pitfalls.on[FT_PITFALL_SHUFFLE_BUFFER]);
  g_assert_false (e->steps.pitfalls.on[FT_PITFALL_NO_CLASS_WEIGHT]);
  g_assert_false (e->steps.shuffle);
  char *json = ft_experiment_to_json (e);
  g_assert_nonnull (strstr (json, "\"weighted_metrics\""));
  g_assert_nonnull (strstr (json, "\"shuffle_buffer\""));
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (e, back));
  back->steps.pitfalls.on[FT_PITFALL_TRAINING_FALSE] = false;
  g_assert_false (ft_experiment_equal (e, back));
  back->steps.pitfalls.on[FT_PITFALL_TRAINING_FALSE] = true;
  back->compile.n_weighted_metrics = 0;
  g_assert_false (ft_experiment_equal (e, back));
  g_free (json);
  ft_experiment_free (back);
  ft_experiment_free (e);

  e = ft_experiment_from_json ("{\"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\"}]},"
                               " \"tape_loop\": {\"pitfalls\": [\"training_true\"]}}",
                               &error);
  g_assert_null (e);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "$.tape_loop.pitfalls[0]"));
  g_assert_nonnull (strstr (error->message, "training_true"));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/experiment/shipped/parse", test_shipped_parse);
  g_test_add_func ("/experiment/shipped/contents", test_shipped_contents);
  g_test_add_func ("/experiment/defaults", test_defaults);
  g_test_add_func ("/experiment/round-trip", test_round_trip);
  g_test_add_func ("/experiment/pitfalls-and-weighted-metrics", test_pitfalls_and_weighted_metrics);
  g_test_add_func ("/experiment/errors", test_errors);
  g_test_add_func ("/experiment/damaged", test_damaged);
  g_test_add_func ("/experiment/files", test_files);
  g_test_add_func ("/experiment/data/playground", test_load_playground);
  g_test_add_func ("/experiment/data/csv", test_load_csv);
  g_test_add_func ("/experiment/data/fashion-mnist", test_load_fashion_mnist);
  g_test_add_func ("/experiment/build/spiral", test_build_spiral);
  g_test_add_func ("/experiment/build/cnn", test_build_cnn);
  g_test_add_func ("/experiment/build/errors", test_build_errors);
  g_test_add_func ("/experiment/lesson/early-stopping", test_early_stopping_lesson);
  return g_test_run ();
}
