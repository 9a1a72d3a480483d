/* clang-format off */
/* ft-experiment.c — experiment files: parsing (json-glib) with errors that name the JSON path, writing
 * (pretty-printed, round-tripping), loading the data and building the compiled model.
 *
 * THE FORMAT. One JSON object; Keras' names and Keras' defaults throughout; every key is optional except
 * "model.layers" (and "path" and "label" for the datasets read from files). Unknown keys, keys a kind does
 * not take (a Dense "filters"), duplicate keys and out-of-range values are errors.
 *
 *   "title": string, "notes": string        lessons: shown in the window
 *   "hide": [string, …]                     lessons: names of controls the window hides
 *   "seed": integer ≥ 0                     42: weights, dropout, shuffling and playground data
 *   "dataset": {                            default {"name": "fashion_mnist"}
 *     "name": "fashion_mnist"               Debian's /usr/share/datasets/fashion-mnist (train + t10k),
 *                                           or "path" to another directory of Fashion-MNIST files
 *           | "idx"                         "path": a directory of MNIST-format train-… and t10k-… files
 *                                           (t10k optional)
 *           | "csv"                         "path": CSV file with a header, "label": the label column,
 *                                           "test_path": optional test file
 *           | "circle" | "xor" | "gauss" | "spiral" | "moons"     TensorFlow Playground's generators:
 *                                           "samples" 500, "noise" 0 (0 … 0.5), "test_samples" 500 (0 = none)
 *     "limit": integer ≥ 0                  keep the first N training samples (0 = all)
 *     "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]   Playground and CSV sets
 *                                           with two features: the model's inputs (any non-empty subset,
 *                                           in this order; they set the input shape); absent = the raw two
 *     "points": [[x, y, class], …]          2-D sets: points added by clicking (class ≥ 0, each put first)
 *                                           or removed (class −1: the point nearest (x, y)), in order
 *   }                                       relative paths are relative to the experiment file
 *   "model": {
 *     "input_shape": [d, …]                 1 to 3 positive integers; absent = the dataset's sample shape
 *     "layers": [ {"type": T, …}, … ]       required, at least one; T and its keys:
 *       Dense               units 32*, activation "linear", use_bias true, kernel_initializer
 *                           "glorot_uniform", bias_initializer "zeros", kernel_regularizer null | {"l2": f}
 *                           | {"l1": f} | {"l1": f, "l2": f} (Keras' L1L2) | "l2" | "l1" (= 0.01) | "l1_l2" (0, 0)
 *       Conv2D              filters 32*, kernel_size 3* (n or [h, w]), strides 1, padding "valid" | "same",
 *                           and Dense's activation, use_bias, initializers, kernel_regularizer
 *       MaxPooling2D        pool_size 2, strides null (= pool_size), padding "valid"
 *       Flatten             —
 *       Dropout             rate 0.5* in [0, 1)
 *       BatchNormalization  momentum 0.99, epsilon 0.001
 *       Activation          activation "linear"
 *                           (* Keras requires these; FitTape's editor defaults)
 *     activations: linear, relu, sigmoid, tanh, softmax, leaky_relu, elu, gelu; initializers:
 *     glorot_uniform, glorot_normal, he_normal, he_uniform, zeros, ones. Layer types also accept Keras'
 *     snake_case base names ("dense", "max_pooling2d").
 *   }
 *   "compile": {
 *     "optimizer": "rmsprop" (Keras' compile() default) | "sgd" | "adam" | "adagrad" (any case)
 *                  | {"name": …, "learning_rate": …, and the chosen optimizer's own parameters:
 *                     sgd: momentum, nesterov; adam: beta_1, beta_2, epsilon, amsgrad; rmsprop: rho,
 *                     momentum, epsilon, centered; adagrad: initial_accumulator_value, epsilon;
 *                     any: clipnorm, global_clipnorm, clipvalue (null = off)}    defaults: Keras 3's
 *     "loss": "sparse_categorical_crossentropy" (default) | "categorical_crossentropy" |
 *             "binary_crossentropy" | "mean_squared_error" ("mse")
 *             | {"name": …, "from_logits": false (default; cross-entropies only)}
 *     "metrics": [string, …]               default [] as Keras; "accuracy", "mse", "mae", …
 *     "weighted_metrics": [string, …]      default []: the only metrics class_weight reaches (logged as
 *                                           "weighted_<name>" when the name is in "metrics" too)
 *   }
 *   "mode": "fit" (default) | "tape" | "both"
 *   "fit": {"epochs": 1, "batch_size": 32, "shuffle": true, "validation_split": 0, "initial_epoch": 0,
 *           "validation_freq": 1, "steps_per_epoch": null, "class_weight": {"0": w, "1": w, …} (absent
 *           classes weigh 1, as Keras)}
 *   "tape_loop": {"batching", "shuffle", "split", "validate", "reset_metrics", "early_stopping",
 *                 "checkpoint", "progress": booleans, all true by default,
 *                 "pitfalls": [string, …] mistakes switched on (default none): "training_false",
 *                 "validate_training_true", "no_regularization_loss", "from_logits_mismatch",
 *                 "epoch_loss_last_batch", "unweighted_batch_mean", "split_after_shuffle",
 *                 "shuffle_buffer", "no_class_weight"}
 *   "callbacks": [ {"type": T, …}, … ]      Keras' parameters and defaults:
 *     EarlyStopping       monitor "val_loss", min_delta 0, patience 0, mode "auto" | "min" | "max",
 *                         baseline null, restore_best_weights false, start_from_epoch 0
 *     ModelCheckpoint     filepath ("checkpoint-{epoch:02d}.h5"; "{val_loss:.4f}" …), monitor, save_best_only
 *                         false, save_weights_only false, mode, save_freq "epoch" | batches,
 *                         initial_value_threshold null
 *     ReduceLROnPlateau   monitor, factor 0.1, patience 10, mode, min_delta 1e-4, cooldown 0, min_lr 0
 *     TerminateOnNaN      —
 *     CSVLogger           filename "training.log", separator ",", append false
 *     LearningRateScheduler   schedule "step" | "exponential" | "cosine",
 *                         initial_learning_rate null (= the optimizer's), factor, step_size (step),
 *                         rate (exponential), decay_epochs, alpha (cosine) (Keras takes a function:
 *                         these are the schedules FitTape offers; defaults 0.5, 10, 0.95, 10, 0)
 *                         (filepath, filename and schedule are required in Keras; FitTape has defaults)
 *   Output paths (filepath, filename) stay as written: the caller resolves them.
 *
 * Errors are FT_ERROR_INVALID: "$.fit: unknown key "epoch" (did you mean "epochs"?)",
 * "$.model.layers[2].units: expected a positive integer, got "ten"", syntax errors with line and column.
 * Reading a file that cannot be read gives a G_FILE_ERROR. */
/* clang-format on */
#include "experiment/ft-experiment.h"
#include "core/ft-error.h"
#include "core/ft-format.h"
#include "core/ft-json-check.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"
#include "nn/ft-model-budget.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN      256
#define MAX_LAYERS        1024
#define MAX_CALLBACKS     64
#define MAX_CLASS_WEIGHTS 100000
#define MAX_SAMPLES       10000000

/* ------------------------------------------------------------------------------------------------ */
/* Names */

static const char *const mode_names[] = { "fit", "tape", "both" };
static const char *const padding_names[] = { "valid", "same" };

const char *
ft_run_mode_name (FtRunMode mode)
{
  return (unsigned) mode < G_N_ELEMENTS (mode_names) ? mode_names[mode] : "?";
}

bool
ft_run_mode_from_name (const char *name, FtRunMode *mode)
{
  for (unsigned i = 0; name != NULL && i < G_N_ELEMENTS (mode_names); i++)
    if (strcmp (name, mode_names[i]) == 0)
      {
        *mode = (FtRunMode) i;
        return true;
      }
  return false;
}

/* ------------------------------------------------------------------------------------------------ */
/* Defaults, free, copy, equal */

static FtDataSpec
data_spec_default (void)
{
  FtDataSpec d;
  memset (&d, 0, sizeof d);
  d.source = FT_DATA_IDX; /* "fashion_mnist": path "" */
  d.playground = FT_PLAYGROUND_CIRCLE;
  d.samples = 500;
  d.noise = 0.0f;
  d.test_samples = 500;
  return d;
}

/* What an experiment file without the optional sections gives (Keras' defaults). */
static FtExperiment *
experiment_new_base (void)
{
  FtExperiment *e = g_new0 (FtExperiment, 1);
  e->seed = 42;
  e->data = data_spec_default ();
  e->compile.optimizer = ft_optimizer_spec_default (FT_OPT_RMSPROP);
  e->compile.loss.kind = FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  e->compile.loss.from_logits = false;
  e->compile.n_metrics = 0;
  e->mode = FT_MODE_FIT;
  e->fit = ft_fit_args_default ();
  e->steps = ft_loop_steps_all ();
  return e;
}

FtExperiment *
ft_experiment_new_default (void)
{
  FtExperiment *e = experiment_new_base ();
  e->title = g_strdup ("Basic classification: Fashion-MNIST");
  e->notes = g_strdup (
      "TensorFlow's first tutorial: a Flatten layer, a Dense layer of 128 ReLU units and a Dense "
      "layer of 10 logits, trained with model.fit() and Adam for 10 epochs. The loss is "
      "SparseCategoricalCrossentropy(from_logits=True) because the last layer has no "
      "softmax. Expect a test accuracy of about 0.88.");
  e->input_ndim = 2;
  e->input_shape[0] = 28;
  e->input_shape[1] = 28;
  e->n_layers = 3;
  e->layers = g_new (FtLayerSpec, 3);
  e->layers[0] = ft_layer_spec_default (FT_LAYER_FLATTEN);
  e->layers[1] = ft_layer_spec_default (FT_LAYER_DENSE);
  e->layers[1].units = 128;
  e->layers[1].activation = FT_ACT_RELU;
  e->layers[2] = ft_layer_spec_default (FT_LAYER_DENSE);
  e->layers[2].units = 10;
  e->compile.optimizer = ft_optimizer_spec_default (FT_OPT_ADAM);
  e->compile.loss.from_logits = true;
  e->compile.n_metrics = 1;
  g_strlcpy (e->compile.metrics[0], "accuracy", sizeof e->compile.metrics[0]);
  e->fit.epochs = 10;
  e->fit.batch_size = 32;
  return e;
}

void
ft_experiment_free (FtExperiment *e)
{
  if (e == NULL)
    return;
  g_free (e->title);
  g_free (e->notes);
  g_strfreev (e->hide);
  g_free (e->layers);
  g_free (e->callbacks);
  g_free (e->fit.class_weight);
  g_free (e->data.points);
  g_free (e);
}

FtExperiment *
ft_experiment_copy (const FtExperiment *e)
{
  g_return_val_if_fail (e != NULL, NULL);
  FtExperiment *c = g_new (FtExperiment, 1);
  *c = *e;
  c->title = g_strdup (e->title);
  c->notes = g_strdup (e->notes);
  c->hide = g_strdupv (e->hide);
  c->layers = e->n_layers > 0 ? g_memdup2 (e->layers, (gsize) e->n_layers * sizeof *e->layers) : NULL;
  c->callbacks = e->n_callbacks > 0 ? g_memdup2 (e->callbacks, (gsize) e->n_callbacks * sizeof *e->callbacks)
                                    : NULL;
  c->fit.class_weight = e->fit.class_weight != NULL && e->fit.n_class_weight > 0
                            ? g_memdup2 (e->fit.class_weight, (gsize) e->fit.n_class_weight * sizeof (float))
                            : NULL;
  if (c->fit.class_weight == NULL)
    c->fit.n_class_weight = 0;
  c->data.points = e->data.n_points > 0 ? g_memdup2 (e->data.points, e->data.n_points * sizeof (FtPointEdit))
                                        : NULL;
  if (c->data.points == NULL)
    c->data.n_points = 0;
  return c;
}

#define EQ(f)                                                                                                \
  do                                                                                                         \
    {                                                                                                        \
      if (a->f != b->f)                                                                                      \
        return false;                                                                                        \
    }                                                                                                        \
  while (0)
#define EQ_STR(f)                                                                                            \
  do                                                                                                         \
    {                                                                                                        \
      if (g_strcmp0 (a->f, b->f) != 0)                                                                       \
        return false;                                                                                        \
    }                                                                                                        \
  while (0)

static bool
layer_equal (const FtLayerSpec *a, const FtLayerSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_layer_kind_info (a->kind), a, b);
}

static bool
optimizer_equal (const FtOptimizerSpec *a, const FtOptimizerSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_optimizer_kind_info (a->kind), a, b);
}

static bool
callback_equal (const FtCallbackSpec *a, const FtCallbackSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_callback_kind_info (a->kind), a, b);
}

static bool
data_equal (const FtDataSpec *a, const FtDataSpec *b)
{
  EQ (source);
  EQ (playground);
  EQ (samples);
  EQ (noise);
  EQ (test_samples);
  EQ_STR (path);
  EQ_STR (test_path);
  EQ_STR (label_column);
  EQ (limit);
  EQ (features);
  EQ (n_points);
  for (uint32_t i = 0; i < a->n_points; i++)
    if (a->points[i].x != b->points[i].x || a->points[i].y != b->points[i].y
        || a->points[i].label != b->points[i].label)
      return false;
  return true;
}

static bool
fit_equal (const FtFitArgs *a, const FtFitArgs *b)
{
  EQ (batch_size);
  EQ (epochs);
  EQ (shuffle);
  EQ (validation_split);
  EQ (initial_epoch);
  EQ (validation_freq);
  EQ (steps_per_epoch);
  int na = a->class_weight != NULL ? a->n_class_weight : 0;
  int nb = b->class_weight != NULL ? b->n_class_weight : 0;
  if (na != nb)
    return false;
  for (int i = 0; i < na; i++)
    if (a->class_weight[i] != b->class_weight[i])
      return false;
  return true;
}

static bool
steps_equal (const FtLoopSteps *a, const FtLoopSteps *b)
{
  EQ (batching);
  EQ (shuffle);
  EQ (split);
  EQ (validate);
  EQ (reset_metrics);
  EQ (early_stopping);
  EQ (checkpoint);
  EQ (progress);
  for (int i = 0; i < FT_N_PITFALLS; i++)
    EQ (pitfalls.on[i]);
  return true;
}

bool
ft_experiment_equal (const FtExperiment *a, const FtExperiment *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, false);
  EQ_STR (title);
  EQ_STR (notes);
  guint ha = a->hide != NULL ? g_strv_length (a->hide) : 0;
  guint hb = b->hide != NULL ? g_strv_length (b->hide) : 0;
  if (ha != hb)
    return false;
  for (guint i = 0; i < ha; i++)
    if (strcmp (a->hide[i], b->hide[i]) != 0)
      return false;
  EQ (seed);
  if (!data_equal (&a->data, &b->data))
    return false;
  EQ (input_ndim);
  for (int i = 0; i < a->input_ndim && i < 3; i++)
    EQ (input_shape[i]);
  EQ (n_layers);
  for (int i = 0; i < a->n_layers; i++)
    if (!layer_equal (&a->layers[i], &b->layers[i]))
      return false;
  if (!optimizer_equal (&a->compile.optimizer, &b->compile.optimizer))
    return false;
  EQ (compile.loss.kind);
  if (!ft_params_equal (ft_loss_kind_info (a->compile.loss.kind), &a->compile.loss, &b->compile.loss))
    return false;
  EQ (compile.n_metrics);
  for (int i = 0; i < a->compile.n_metrics; i++)
    EQ_STR (compile.metrics[i]);
  EQ (compile.n_weighted_metrics);
  for (int i = 0; i < a->compile.n_weighted_metrics; i++)
    EQ_STR (compile.weighted_metrics[i]);
  EQ (mode);
  if (!fit_equal (&a->fit, &b->fit) || !steps_equal (&a->steps, &b->steps))
    return false;
  EQ (n_callbacks);
  for (int i = 0; i < a->n_callbacks; i++)
    if (!callback_equal (&a->callbacks[i], &b->callbacks[i]))
      return false;
  return true;
}

#undef EQ
#undef EQ_STR

/* ------------------------------------------------------------------------------------------------ */
/* Parsing helpers: every error is "<JSON path>: <what was expected>, got <what was there>" */

typedef struct
{
  GError **error;
  GHashTable *sizes;   /* JsonObject* → member count seen so far (duplicate detection) */
  JsonObject *dup_obj; /* the first object with a duplicate key */
  char *dup_key;
  unsigned dup_line;
} Parser;

static bool fail (Parser *P, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static bool
fail (Parser *P, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (P->error, FT_ERROR, FT_ERROR_INVALID, "%s: %s", path, msg);
  g_free (msg);
  return false;
}

/* The value as the message shows it: "ten", 12.5, true, null, an object, an array. */
static char *
describe (JsonNode *n)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_OBJECT:
      return g_strdup ("an object");
    case JSON_NODE_ARRAY:
      return g_strdup ("an array");
    case JSON_NODE_NULL:
      return g_strdup ("null");
    case JSON_NODE_VALUE:
    default:
      break;
    }
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (n);
      GString *s = g_string_new (NULL);
      if (g_utf8_strlen (str, -1) > 40)
        {
          char *cut = g_utf8_substring (str, 0, 40);
          ft_json_append_string (s, cut);
          g_string_insert (s, s->len - 1, "…");
          g_free (cut);
        }
      else
        ft_json_append_string (s, str);
      return g_string_free (s, FALSE);
    }
  if (t == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  if (t == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      ft_format_shortest (buf, sizeof buf, json_node_get_double (n), false);
      return g_strdup (buf);
    }
  if (t == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (n) ? "true" : "false");
  return g_strdup ("a value");
}

static bool fail_got (Parser *P, const char *path, JsonNode *n, const char *expected_fmt, ...)
    G_GNUC_PRINTF (4, 5);

static bool
fail_got (Parser *P, const char *path, JsonNode *n, const char *expected_fmt, ...)
{
  va_list ap;
  va_start (ap, expected_fmt);
  char *expected = g_strdup_vprintf (expected_fmt, ap);
  va_end (ap);
  char *got = describe (n);
  fail (P, path, "expected %s, got %s", expected, got);
  g_free (got);
  g_free (expected);
  return false;
}

static void
sub_key (char *out, const char *path, const char *key)
{
  g_snprintf (out, PATH_MAX_LEN, "%s.%s", path, key);
}

static void
sub_index (char *out, const char *path, guint i)
{
  g_snprintf (out, PATH_MAX_LEN, "%s[%u]", path, i);
}

static bool
is_number (JsonNode *n)
{
  if (!JSON_NODE_HOLDS_VALUE (n))
    return false;
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static bool
is_string (JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

/* An integer in [lo, hi]; integral floating-point values (1e3, 10.0) count as integers. */
static bool
get_int (Parser *P, JsonNode *n, const char *path, int64_t lo, int64_t hi, int64_t *out)
{
  *out = 0;
  const char *kind = lo >= 1 ? "a positive integer" : lo == 0 ? "a non-negative integer" : "an integer";
  if (!is_number (n))
    return fail_got (P, path, n, "%s", kind);
  int64_t v;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    v = json_node_get_int (n);
  else
    {
      double d = json_node_get_double (n);
      if (!(isfinite (d) && d == floor (d) && fabs (d) < 9e18))
        return fail_got (P, path, n, "%s", kind);
      v = (int64_t) d;
    }
  if (v < lo)
    return fail_got (P, path, n, "%s", kind);
  if (v > hi)
    return fail_got (P, path, n, "an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, lo, hi);
  *out = v;
  return true;
}

static bool
get_int32 (Parser *P, JsonNode *n, const char *path, int lo, int hi, int *out)
{
  int64_t v;
  if (!get_int (P, n, path, lo, hi, &v))
    return false;
  *out = (int) v;
  return true;
}

/* Ranges of numbers are the descriptor tables' (core/ft-param.h). */
typedef FtRange Range;
#define RANGE_ANY        FT_RANGE_ANY
#define RANGE_NONNEG     FT_RANGE_NONNEG
#define RANGE_POSITIVE   FT_RANGE_POSITIVE
#define RANGE_UNIT_OPEN  FT_RANGE_UNIT_OPEN
#define RANGE_UNIT_OPEN2 FT_RANGE_UNIT_OPEN2
#define RANGE_HALF       FT_RANGE_HALF

static bool
get_number (Parser *P, JsonNode *n, const char *path, Range range, double *out)
{
  *out = 0.0;
  if (!is_number (n))
    return fail_got (P, path, n, "%s", ft_range_text (range));
  double v = json_node_get_double (n);
  if (!ft_range_contains (range, v))
    return fail_got (P, path, n, "%s", ft_range_text (range));
  *out = v;
  return true;
}

static bool
get_float (Parser *P, JsonNode *n, const char *path, Range range, float *out)
{
  double d;
  if (!get_number (P, n, path, range, &d))
    return false;
  if (!isfinite ((float) d))
    return fail_got (P, path, n, "a number within float range");
  *out = (float) d;
  return true;
}

static bool
get_bool (Parser *P, JsonNode *n, const char *path, bool *out)
{
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail_got (P, path, n, "true or false");
  *out = json_node_get_boolean (n);
  return true;
}

static bool
get_string (Parser *P, JsonNode *n, const char *path, const char **out)
{
  *out = NULL;
  if (!is_string (n))
    return fail_got (P, path, n, "a string");
  *out = json_node_get_string (n);
  return true;
}

static bool
get_string_buf (Parser *P, JsonNode *n, const char *path, bool nonempty, char *buf, size_t size)
{
  const char *s;
  if (!get_string (P, n, path, &s))
    return false;
  if (nonempty && *s == '\0')
    return fail (P, path, "expected a non-empty string");
  if (strlen (s) >= size)
    return fail (P, path, "expected a string of at most %zu bytes, got %zu", size - 1, strlen (s));
  g_strlcpy (buf, s, size);
  return true;
}

static char *
join_names (const char *const *names, int n)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", names[i]);
  return g_string_free (s, FALSE);
}

/* One of names (exact match); the message lists them. */
static bool
get_enum (Parser *P, JsonNode *n, const char *path, const char *what, const char *const *names, int n_names,
          int *out)
{
  char *list = join_names (names, n_names);
  const char *s;
  bool ok = false;
  if (!is_string (n))
    fail_got (P, path, n, "a string (%s)", list);
  else
    {
      s = json_node_get_string (n);
      for (int i = 0; i < n_names && !ok; i++)
        if (strcmp (s, names[i]) == 0)
          {
            *out = i;
            ok = true;
          }
      if (!ok)
        {
          char *got = describe (n);
          fail (P, path, "unknown %s %s (expected %s)", what, got, list);
          g_free (got);
        }
    }
  g_free (list);
  return ok;
}

static bool
get_object (Parser *P, JsonNode *n, const char *path, JsonObject **out)
{
  *out = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail_got (P, path, n, "an object");
  *out = json_node_get_object (n);
  return true;
}

static bool
get_array (Parser *P, JsonNode *n, const char *path, JsonArray **out)
{
  *out = NULL;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return fail_got (P, path, n, "an array");
  *out = json_node_get_array (n);
  return true;
}

/* Levenshtein distance, case-insensitive (keys are short). */
static int
edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return 99;
  int row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = (int) j;
  for (size_t i = 1; i <= la; i++)
    {
      int diag = row[0];
      row[0] = (int) i;
      for (size_t j = 1; j <= lb; j++)
        {
          int up = row[j];
          int cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          int best = MIN (row[j] + 1, row[j - 1] + 1);
          row[j] = MIN (best, diag + cost);
          diag = up;
        }
    }
  return row[lb];
}

static int
strv_len (const char *const *v)
{
  int n = 0;
  while (v != NULL && v[n] != NULL)
    n++;
  return n;
}

static bool
strv_has (const char *const *v, const char *s)
{
  for (int i = 0; v != NULL && v[i] != NULL; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

/* Names people carry over from other APIs or older Keras. */
static const char *
alias_of (const char *key)
{
  static const char *const aliases[][2] = {
    { "lr", "learning_rate" },
    { "beta1", "beta_1" },
    { "beta2", "beta_2" },
    { "kernel", "kernel_size" },
    { "dropout", "rate" },
    { "epoch", "epochs" },
    { "nb_epoch", "epochs" },
    { "input_dim", "input_shape" },
    { "filename", "filepath" },
    { "filepath", "filename" },
    { "val_split", "validation_split" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (strcmp (key, aliases[i][0]) == 0)
      return aliases[i][1];
  return NULL;
}

static const char *
suggest (const char *key, const char *const *allowed)
{
  const char *alias = alias_of (key);
  if (alias != NULL && strv_has (allowed, alias))
    return alias;
  const char *best = NULL;
  int best_d = 99;
  int limit = strlen (key) <= 3 ? 1 : strlen (key) <= 6 ? 2 : 3;
  for (int i = 0; allowed[i] != NULL; i++)
    {
      int d = edit_distance (key, allowed[i]);
      if (d < best_d)
        {
          best_d = d;
          best = allowed[i];
        }
    }
  return best_d <= limit ? best : NULL;
}

/* Every member of obj must be in allowed. A key in known (valid for another kind in the same place)
 * gets "<owner> takes no ..."; any other gets "unknown key" with a suggestion. Also reports a duplicate
 * key found while parsing this object. */
static bool
check_keys (Parser *P, JsonObject *obj, const char *path, const char *const *allowed,
            const char *const *known, const char *owner)
{
  if (P->dup_obj == obj)
    {
      fail (P, path, "duplicate key \"%s\" (line %u)", P->dup_key, P->dup_line);
      P->dup_obj = NULL;
      return false;
    }
  GList *members = json_object_get_members (obj);
  bool ok = true;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      if (strv_has (allowed, key))
        continue;
      ok = false;
      char *list = join_names (allowed, strv_len (allowed));
      const char *guess = suggest (key, allowed);
      if (known != NULL && strv_has (known, key))
        fail (P, path, "%s takes no \"%s\" (it takes %s)", owner, key, list);
      else if (guess != NULL)
        fail (P, path, "unknown key \"%s\" (did you mean \"%s\"?)", key, guess);
      else if (allowed[0] == NULL)
        fail (P, path, "unknown key \"%s\" (%s takes no parameters)", key, owner != NULL ? owner : "this");
      else
        fail (P, path, "unknown key \"%s\" (expected %s)", key, list);
      g_free (list);
    }
  g_list_free (members);
  return ok;
}

/* obj's member key or NULL; path gets "<path>.<key>". */
static JsonNode *
member (JsonObject *obj, const char *key, const char *path, char *sub)
{
  sub_key (sub, path, key);
  return json_object_get_member (obj, key);
}

/* ------------------------------------------------------------------------------------------------ */
/* Sections */

static const char *const dataset_names[] = {
  "fashion_mnist", "idx", "csv", "circle", "xor", "gauss", "spiral", "moons",
};
#define DATASET_FIRST_PLAYGROUND 3

static bool
parse_dataset (Parser *P, JsonNode *node, const char *path, FtDataSpec *d)
{
  static const char *const all[] = { "name",  "path",  "test_path", "label",  "samples", "test_samples",
                                     "noise", "limit", "features",  "points", NULL };
  static const char *const play[] = { "name",  "samples",  "test_samples", "noise",
                                      "limit", "features", "points",       NULL };
  static const char *const idx[] = { "name", "path", "limit", NULL };
  static const char *const csv[] = {
    "name", "path", "test_path", "label", "limit", "features", "points", NULL
  };
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o))
    return false;
  int which = 0;
  JsonNode *n = member (o, "name", path, sub);
  if (n != NULL && !get_enum (P, n, sub, "dataset", dataset_names, G_N_ELEMENTS (dataset_names), &which))
    return false;
  const char *const *allowed = which >= DATASET_FIRST_PLAYGROUND ? play : which == 2 ? csv : idx;
  char owner[64];
  g_snprintf (owner, sizeof owner, "dataset \"%s\"", dataset_names[which]);
  if (!check_keys (P, o, path, allowed, all, owner))
    return false;

  if (which >= DATASET_FIRST_PLAYGROUND)
    {
      d->source = FT_DATA_PLAYGROUND;
      if (!ft_playground_from_name (dataset_names[which], &d->playground))
        return fail (P, sub, "the playground set \"%s\" is not available", dataset_names[which]);
    }
  else
    d->source = which == 2 ? FT_DATA_CSV : FT_DATA_IDX;

  int64_t v;
  if ((n = member (o, "samples", path, sub)) != NULL)
    {
      if (!get_int (P, n, sub, 2, MAX_SAMPLES, &v))
        return false;
      d->samples = (uint32_t) v;
    }
  if ((n = member (o, "test_samples", path, sub)) != NULL)
    {
      if (!get_int (P, n, sub, 0, MAX_SAMPLES, &v))
        return false;
      d->test_samples = (uint32_t) v;
    }
  if ((n = member (o, "noise", path, sub)) != NULL && !get_float (P, n, sub, RANGE_HALF, &d->noise))
    return false;
  if ((n = member (o, "limit", path, sub)) != NULL)
    {
      if (!get_int (P, n, sub, 0, UINT32_MAX, &v))
        return false;
      d->limit = (uint32_t) v;
    }
  if ((n = member (o, "features", path, sub)) != NULL)
    {
      JsonArray *a;
      if (!get_array (P, n, sub, &a))
        return false;
      d->features = 0;
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          char item[PATH_MAX_LEN], name[16];
          int f;
          sub_index (item, sub, i);
          if (!get_string_buf (P, json_array_get_element (a, i), item, true, name, sizeof name))
            return false;
          if (!ft_feature_from_name (name, &f))
            return fail (P, item,
                         "unknown feature \"%s\" (expected x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2))",
                         name);
          if (d->features & (1u << f))
            return fail (P, item, "the feature \"%s\" is listed twice", name);
          d->features |= 1u << f;
        }
      if (d->features == 0)
        return fail (P, sub, "expected at least one feature");
    }
  if ((n = member (o, "points", path, sub)) != NULL)
    {
      JsonArray *a;
      if (!get_array (P, n, sub, &a))
        return false;
      guint len = json_array_get_length (a);
      g_free (d->points);
      d->points = len > 0 ? g_new0 (FtPointEdit, len) : NULL;
      d->n_points = len;
      for (guint i = 0; i < len; i++)
        {
          char item[PATH_MAX_LEN], el[PATH_MAX_LEN];
          sub_index (item, sub, i);
          JsonNode *p = json_array_get_element (a, i);
          JsonArray *xyc;
          if (!JSON_NODE_HOLDS_ARRAY (p) || json_array_get_length (xyc = json_node_get_array (p)) != 3)
            return fail_got (P, item, p, "[x, y, class] (class −1 removes the nearest point)");
          sub_index (el, item, 0);
          if (!get_float (P, json_array_get_element (xyc, 0), el, RANGE_ANY, &d->points[i].x))
            return false;
          sub_index (el, item, 1);
          if (!get_float (P, json_array_get_element (xyc, 1), el, RANGE_ANY, &d->points[i].y))
            return false;
          sub_index (el, item, 2);
          if (!get_int (P, json_array_get_element (xyc, 2), el, -1, 1000, &v))
            return false;
          d->points[i].label = (int) v;
        }
    }
  if ((n = member (o, "path", path, sub)) != NULL
      && !get_string_buf (P, n, sub, true, d->path, sizeof d->path))
    return false;
  if ((n = member (o, "test_path", path, sub)) != NULL
      && !get_string_buf (P, n, sub, true, d->test_path, sizeof d->test_path))
    return false;
  if ((n = member (o, "label", path, sub)) != NULL
      && !get_string_buf (P, n, sub, true, d->label_column, sizeof d->label_column))
    return false;
  if (which == 1 && d->path[0] == '\0')
    return fail (P, path, "dataset \"idx\" needs \"path\" (the directory of the IDX files)");
  if (which == 2 && d->path[0] == '\0')
    return fail (P, path, "dataset \"csv\" needs \"path\" (the CSV file)");
  if (which == 2 && d->label_column[0] == '\0')
    return fail (P, path, "dataset \"csv\" needs \"label\" (the name of the label column)");
  return true;
}

/* n or [h, w] */
static bool
get_pair (Parser *P, JsonNode *n, const char *path, int lo, int hi, int *out)
{
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      if (json_array_get_length (a) != 2)
        return fail (P, path, "expected an integer or a list of two integers, got a list of %u",
                     json_array_get_length (a));
      char sub[PATH_MAX_LEN];
      for (guint i = 0; i < 2; i++)
        {
          sub_index (sub, path, i);
          if (!get_int32 (P, json_array_get_element (a, i), sub, lo, hi, &out[i]))
            return false;
        }
      return true;
    }
  if (!is_number (n))
    return fail_got (P, path, n, "an integer or a list of two integers");
  if (!get_int32 (P, n, path, lo, hi, &out[0]))
    return false;
  out[1] = out[0];
  return true;
}

static const char *const initializer_names[FT_N_INITIALIZERS] = {
  "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "zeros", "ones",
};

static bool
get_activation (Parser *P, JsonNode *n, const char *path, FtActivation *act)
{
  const char *names[FT_N_ACTIVATIONS];
  for (int i = 0; i < FT_N_ACTIVATIONS; i++)
    names[i] = ft_activation_name ((FtActivation) i);
  int v;
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *act = FT_ACT_LINEAR; /* Keras' activation=None */
      return true;
    }
  if (!get_enum (P, n, path, "activation", names, FT_N_ACTIVATIONS, &v))
    return false;
  return ft_activation_from_name (names[v], act);
}

static bool
get_initializer (Parser *P, JsonNode *n, const char *path, FtInitializer *init)
{
  int v;
  if (!get_enum (P, n, path, "initializer", initializer_names, FT_N_INITIALIZERS, &v))
    return false;
  return ft_initializer_from_name (initializer_names[v], init) ? true : fail (P, path, "unknown initializer");
}

/* Keras' regularizers.get: null, "l1" / "l2" (L1() / L2(): 0.01), "l1_l2" (L1L2(): 0 and 0), or a config
 * {"l1": f, "l2": f} (either key; {} is L2()). */
static bool
parse_regularizer (Parser *P, JsonNode *n, const char *path, float *l1, float *l2)
{
  static const char *const keys[] = { "l1", "l2", NULL };
  static const char *const expected = "null, \"l1\", \"l2\", \"l1_l2\" or {\"l1\": factor, \"l2\": factor}";
  *l1 = 0.0f;
  *l2 = 0.0f;
  if (JSON_NODE_HOLDS_NULL (n))
    return true;
  if (is_string (n))
    {
      const char *s = json_node_get_string (n);
      if (strcmp (s, "l2") == 0)
        *l2 = 0.01f; /* Keras' L2() default */
      else if (strcmp (s, "l1") == 0)
        *l1 = 0.01f;                     /* Keras' L1() default */
      else if (strcmp (s, "l1_l2") != 0) /* L1L2(): both 0 */
        return fail_got (P, path, n, expected);
      return true;
    }
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return fail_got (P, path, n, expected);
  o = json_node_get_object (n);
  if (!check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *f1 = member (o, "l1", path, sub);
  if (f1 != NULL && !get_float (P, f1, sub, RANGE_NONNEG, l1))
    return false;
  JsonNode *f2 = member (o, "l2", path, sub);
  if (f2 == NULL)
    {
      if (f1 == NULL)
        *l2 = 0.01f;
      return true;
    }
  return get_float (P, f2, sub, RANGE_NONNEG, l2);
}

/* ---- kinds described by a table (core/ft-param.h): layers, optimizers, losses and callbacks ---- */

#define MAX_KIND_KEYS 64

/* Appends the JSON keys of a kind's parameters to keys (NULL-terminated, no duplicates). */
static void
add_kind_keys (const FtKindInfo *kind, const char **keys)
{
  int n = strv_len (keys);
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (p->type != FT_PARAM_KERAS_CONST && !strv_has (keys, p->key) && n + 1 < MAX_KIND_KEYS)
        {
          keys[n++] = p->key;
          keys[n] = NULL;
        }
    }
}

/* A number, or null for "none" (baseline, initial_value_threshold, initial_learning_rate). */
static bool
get_optional_number (Parser *P, JsonNode *n, const char *path, Range range, bool *has, double *out)
{
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *has = false;
      *out = 0.0;
      return true;
    }
  if (!is_number (n))
    return fail_got (P, path, n, "a number or null");
  *has = true;
  return get_number (P, n, path, range, out);
}

/* One parameter from the object, when present. */
static bool
parse_param (Parser *P, JsonObject *o, const char *path, const FtParam *p, void *spec)
{
  char sub[PATH_MAX_LEN];
  JsonNode *n = member (o, p->key, path, sub);
  if (n == NULL || p->type == FT_PARAM_KERAS_CONST)
    return true;
  void *f = ft_param_ptr (p, spec);
  bool none = JSON_NODE_HOLDS_NULL (n) && (p->flags & FT_PARAM_ZERO_IS_NONE);
  int v;
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
      if (none)
        {
          *(float *) f = 0.0f;
          return true;
        }
      return get_float (P, n, sub, (p->flags & FT_PARAM_KIND_CHECKS) ? RANGE_ANY : p->range, f);
    case FT_PARAM_INT:
      if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && is_string (n)
          && strcmp (json_node_get_string (n), "epoch") == 0)
        {
          *(int *) f = 0;
          return true;
        }
      if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && !is_number (n))
        return fail_got (P, sub, n, "\"epoch\" or a positive number of batches");
      return get_int32 (P, n, sub, p->lo, p->hi, f);
    case FT_PARAM_BOOL:
      return get_bool (P, n, sub, f);
    case FT_PARAM_PAIR:
      if (none)
        {
          ((int *) f)[0] = ((int *) f)[1] = 0;
          return true;
        }
      return get_pair (P, n, sub, p->lo, p->hi, f);
    case FT_PARAM_PADDING:
      if (!get_enum (P, n, sub, "padding", padding_names, G_N_ELEMENTS (padding_names), &v))
        return false;
      *(FtPadding *) f = v == 0 ? FT_PADDING_VALID : FT_PADDING_SAME;
      return true;
    case FT_PARAM_ACTIVATION:
      return get_activation (P, n, sub, f);
    case FT_PARAM_INITIALIZER:
      return get_initializer (P, n, sub, f);
    case FT_PARAM_L2: /* the L2 factor, the L1 factor right after it */
      return parse_regularizer (P, n, sub, (float *) f + 1, f);
    case FT_PARAM_DOUBLE:
      if (none)
        {
          *(double *) f = 0.0;
          return true;
        }
      return get_number (P, n, sub, (p->flags & FT_PARAM_KIND_CHECKS) ? RANGE_ANY : p->range, f);
    case FT_PARAM_OPTIONAL:
      return get_optional_number (P, n, sub, p->range, (bool *) ((char *) spec + p->has_offset), f);
    case FT_PARAM_STRING:
      return get_string_buf (P, n, sub, true, f, p->size);
    case FT_PARAM_CHAR:
      {
        const char *s;
        if (!get_string (P, n, sub, &s))
          return false;
        if (strlen (s) != 1 || (unsigned char) s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r' || s[0] == '"')
          return fail_got (P, sub, n, "a single ASCII character (not a quote or a line break)");
        *(char *) f = s[0];
        return true;
      }
    case FT_PARAM_CHOICE:
      if (!get_enum (P, n, sub, p->key, p->choices, ft_param_n_choices (p), &v))
        return false;
      *(int *) f = v;
      return true;
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return true;
}

static bool
parse_params (Parser *P, JsonObject *o, const char *path, const FtKindInfo *kind, void *spec)
{
  for (int i = 0; i < kind->n_params; i++)
    if (!parse_param (P, o, path, &kind->params[i], spec))
      return false;
  return true;
}

static bool
parse_layer (Parser *P, JsonNode *node, const char *path, FtLayerSpec *spec)
{
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o))
    return false;
  const char *kind_names[FT_N_LAYER_KINDS];
  const char *all[MAX_KIND_KEYS] = { "type", NULL };
  for (int i = 0; i < FT_N_LAYER_KINDS; i++)
    {
      kind_names[i] = ft_layer_kind_name ((FtLayerKind) i);
      add_kind_keys (ft_layer_kind_info ((FtLayerKind) i), all);
    }
  JsonNode *n = member (o, "type", path, sub);
  if (n == NULL)
    {
      char *list = join_names (kind_names, FT_N_LAYER_KINDS);
      fail (P, path, "missing \"type\" (expected %s)", list);
      g_free (list);
      return false;
    }
  FtLayerKind kind;
  if (!is_string (n) || !ft_layer_kind_from_name (json_node_get_string (n), &kind))
    {
      int dummy;
      get_enum (P, n, sub, "layer type", kind_names, FT_N_LAYER_KINDS, &dummy); /* sets the error */
      return false;
    }
  const FtKindInfo *info = ft_layer_kind_info (kind);
  const char *keys[MAX_KIND_KEYS] = { "type", NULL };
  add_kind_keys (info, keys);
  if (!check_keys (P, o, path, keys, all, info->name))
    return false;
  *spec = ft_layer_spec_default (kind);
  return parse_params (P, o, path, info, spec);
}

static bool
parse_model (Parser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  static const char *const keys[] = { "input_shape", "layers", NULL };
  JsonObject *o;
  JsonArray *a;
  char sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o) || !check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n = member (o, "input_shape", path, sub);
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!get_array (P, n, sub, &a))
        return false;
      guint len = json_array_get_length (a);
      if (len < 1 || len > 3)
        return fail (P, sub, "expected 1 to 3 dimensions (without the batch axis), got %u", len);
      for (guint i = 0; i < len; i++)
        {
          sub_index (item, sub, i);
          if (!get_int32 (P, json_array_get_element (a, i), item, 1, 1 << 20, &e->input_shape[i]))
            return false;
        }
      e->input_ndim = (int) len;
    }
  n = member (o, "layers", path, sub);
  if (n == NULL)
    return fail (P, sub, "required: the model's layers, at least one");
  if (!get_array (P, n, sub, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len == 0)
    return fail (P, sub, "expected at least one layer");
  if (len > MAX_LAYERS)
    return fail (P, sub, "expected at most %d layers, got %u", MAX_LAYERS, len);
  e->layers = g_new0 (FtLayerSpec, len);
  for (guint i = 0; i < len; i++)
    {
      sub_index (item, sub, i);
      if (!parse_layer (P, json_array_get_element (a, i), item, &e->layers[i]))
        return false;
      e->n_layers = (int) i + 1;
    }
  return true;
}

static const char *
optimizer_name (FtOptimizerKind kind)
{
  return (unsigned) kind < FT_N_OPTIMIZERS ? ft_optimizer_kind_info (kind)->json_name : "?";
}

static char *
optimizer_list (void)
{
  const char *names[FT_N_OPTIMIZERS];
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    names[k] = optimizer_name ((FtOptimizerKind) k);
  return join_names (names, FT_N_OPTIMIZERS);
}

static bool
get_optimizer_kind (Parser *P, JsonNode *n, const char *path, FtOptimizerKind *kind)
{
  char *list = optimizer_list ();
  bool ok = false;
  if (!is_string (n))
    fail_got (P, path, n, "a string (%s)", list);
  else if (!ft_optimizer_kind_from_name (json_node_get_string (n), kind))
    {
      char *got = describe (n);
      fail (P, path, "unknown optimizer %s (expected %s)", got, list);
      g_free (got);
    }
  else
    ok = true;
  g_free (list);
  return ok;
}

static bool
parse_optimizer (Parser *P, JsonNode *node, const char *path, FtOptimizerSpec *spec)
{
  char sub[PATH_MAX_LEN];
  FtOptimizerKind kind;
  if (is_string (node))
    {
      if (!get_optimizer_kind (P, node, path, &kind))
        return false;
      *spec = ft_optimizer_spec_default (kind);
    }
  else
    {
      JsonObject *o;
      if (!get_object (P, node, path, &o))
        return false;
      JsonNode *n = member (o, "name", path, sub);
      if (n == NULL)
        {
          char *list = optimizer_list ();
          fail (P, path, "missing \"name\" (expected %s)", list);
          g_free (list);
          return false;
        }
      if (!get_optimizer_kind (P, n, sub, &kind))
        return false;
      const char *all[MAX_KIND_KEYS] = { "name", NULL };
      for (int k = 0; k < FT_N_OPTIMIZERS; k++)
        add_kind_keys (ft_optimizer_kind_info ((FtOptimizerKind) k), all);
      const char *keys[MAX_KIND_KEYS] = { "name", NULL };
      add_kind_keys (ft_optimizer_kind_info (kind), keys);
      if (!check_keys (P, o, path, keys, all, optimizer_name (kind)))
        return false;
      *spec = ft_optimizer_spec_default (kind);
      if (!parse_params (P, o, path, ft_optimizer_kind_info (kind), spec))
        return false;
    }
  /* The optimizer's own range checks (beta in [0, 1), one clip at most, …), under this path. */
  GError *local = NULL;
  if (!ft_optimizer_spec_validate (spec, &local))
    {
      fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
get_loss_kind (Parser *P, JsonNode *n, const char *path, FtLossKind *kind)
{
  const char *names[FT_N_LOSSES];
  for (int i = 0; i < FT_N_LOSSES; i++)
    names[i] = ft_loss_name ((FtLossKind) i);
  if (is_string (n) && ft_loss_from_name (json_node_get_string (n), kind))
    return true;
  int dummy;
  get_enum (P, n, path, "loss", names, FT_N_LOSSES, &dummy); /* sets the error */
  return false;
}

static bool
parse_loss (Parser *P, JsonNode *node, const char *path, FtLossSpec *loss)
{
  char sub[PATH_MAX_LEN];
  loss->from_logits = false;
  if (is_string (node))
    return get_loss_kind (P, node, path, &loss->kind);
  JsonObject *o;
  if (!get_object (P, node, path, &o))
    return false;
  JsonNode *n = member (o, "name", path, sub);
  if (n == NULL)
    return fail (P, path, "missing \"name\"");
  if (!get_loss_kind (P, n, sub, &loss->kind))
    return false;
  const char *all[MAX_KIND_KEYS] = { "name", NULL };
  for (int k = 0; k < FT_N_LOSSES; k++)
    add_kind_keys (ft_loss_kind_info ((FtLossKind) k), all);
  const char *keys[MAX_KIND_KEYS] = { "name", NULL };
  add_kind_keys (ft_loss_kind_info (loss->kind), keys);
  if (!check_keys (P, o, path, keys, all, ft_loss_name (loss->kind)))
    return false;
  return parse_params (P, o, path, ft_loss_kind_info (loss->kind), loss);
}

/* "metrics" and "weighted_metrics": null or a list of metric names. */
static bool
parse_metric_list (Parser *P, JsonNode *n, const char *sub, FtLossKind loss, char names[][32], int *count)
{
  char item[PATH_MAX_LEN];
  JsonArray *a;
  *count = 0;
  if (JSON_NODE_HOLDS_NULL (n))
    return true;
  if (!get_array (P, n, sub, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len > FT_MAX_METRICS)
    return fail (P, sub, "expected at most %d metrics, got %u", FT_MAX_METRICS, len);
  for (guint i = 0; i < len; i++)
    {
      sub_index (item, sub, i);
      JsonNode *m = json_array_get_element (a, i);
      if (!get_string_buf (P, m, item, true, names[i], 32))
        return false;
      if (!ft_metric_from_name (names[i], loss, NULL, NULL, 0))
        {
          char *got = describe (m);
          fail (P, item,
                "unknown metric %s for the loss %s (expected accuracy, mse, mae, or a Keras metric name "
                "such as sparse_categorical_accuracy)",
                got, ft_loss_name (loss));
          g_free (got);
          return false;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (names[j], names[i]) == 0)
          return fail (P, item, "metric \"%s\" is listed twice", names[i]);
      *count = (int) i + 1;
    }
  return true;
}

static bool
parse_compile (Parser *P, JsonNode *node, const char *path, FtCompileSpec *c)
{
  static const char *const keys[] = { "optimizer", "loss", "metrics", "weighted_metrics", NULL };
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o) || !check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  if ((n = member (o, "optimizer", path, sub)) != NULL && !parse_optimizer (P, n, sub, &c->optimizer))
    return false;
  if ((n = member (o, "loss", path, sub)) != NULL && !parse_loss (P, n, sub, &c->loss))
    return false;
  if ((n = member (o, "metrics", path, sub)) != NULL
      && !parse_metric_list (P, n, sub, c->loss.kind, c->metrics, &c->n_metrics))
    return false;
  if ((n = member (o, "weighted_metrics", path, sub)) != NULL
      && !parse_metric_list (P, n, sub, c->loss.kind, c->weighted_metrics, &c->n_weighted_metrics))
    return false;
  return true;
}

static bool
parse_fit (Parser *P, JsonNode *node, const char *path, FtFitArgs *f)
{
  static const char *const keys[] = { "epochs",           "batch_size",    "shuffle",
                                      "validation_split", "initial_epoch", "validation_freq",
                                      "steps_per_epoch",  "class_weight",  NULL };
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o) || !check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  if ((n = member (o, "epochs", path, sub)) != NULL && !get_int32 (P, n, sub, 1, INT32_MAX, &f->epochs))
    return false;
  if ((n = member (o, "batch_size", path, sub)) != NULL && !get_int32 (P, n, sub, 1, 1 << 20, &f->batch_size))
    return false;
  if ((n = member (o, "shuffle", path, sub)) != NULL && !get_bool (P, n, sub, &f->shuffle))
    return false;
  if ((n = member (o, "validation_split", path, sub)) != NULL
      && !get_number (P, n, sub, RANGE_UNIT_OPEN, &f->validation_split))
    return false;
  if ((n = member (o, "initial_epoch", path, sub)) != NULL
      && !get_int32 (P, n, sub, 0, INT32_MAX, &f->initial_epoch))
    return false;
  if ((n = member (o, "validation_freq", path, sub)) != NULL
      && !get_int32 (P, n, sub, 1, INT32_MAX, &f->validation_freq))
    return false;
  if ((n = member (o, "steps_per_epoch", path, sub)) != NULL)
    {
      if (JSON_NODE_HOLDS_NULL (n))
        f->steps_per_epoch = 0;
      else if (!get_int32 (P, n, sub, 1, INT32_MAX, &f->steps_per_epoch))
        return false;
    }
  if ((n = member (o, "class_weight", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      JsonObject *cw;
      char item[PATH_MAX_LEN];
      if (!get_object (P, n, sub, &cw))
        return false;
      if (P->dup_obj == cw)
        return check_keys (P, cw, sub, NULL, NULL, NULL);
      GList *members = json_object_get_members (cw);
      int max = -1;
      bool ok = true;
      for (GList *l = members; l != NULL && ok; l = l->next)
        {
          const char *key = l->data;
          char *end = NULL;
          long long c = g_ascii_strtoll (key, &end, 10);
          if (*key == '\0' || *end != '\0' || !g_ascii_isdigit (*key) || c < 0 || c >= MAX_CLASS_WEIGHTS)
            ok = fail (P, sub, "expected class indices from 0 to %d as keys, got \"%s\"",
                       MAX_CLASS_WEIGHTS - 1, key);
          else
            max = MAX (max, (int) c);
        }
      if (ok && max >= 0)
        {
          float *w = g_new (float, max + 1);
          for (int i = 0; i <= max; i++)
            w[i] = 1.0f; /* Keras: class_weight.get(class, 1.0) */
          for (GList *l = members; l != NULL && ok; l = l->next)
            {
              const char *key = l->data;
              g_snprintf (item, sizeof item, "%s[\"%s\"]", sub, key);
              ok = get_float (P, json_object_get_member (cw, key), item, RANGE_NONNEG,
                              &w[g_ascii_strtoll (key, NULL, 10)]);
            }
          g_free (f->class_weight);
          f->class_weight = w;
          f->n_class_weight = max + 1;
        }
      g_list_free (members);
      if (!ok)
        return false;
    }
  GError *local = NULL;
  if (!ft_fit_args_validate (f, &local))
    {
      fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
parse_steps (Parser *P, JsonNode *node, const char *path, FtLoopSteps *steps)
{
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  int n_steps = ft_loop_n_steps ();
  const char **keys = g_new0 (const char *, n_steps + 2);
  for (int i = 0; i < n_steps; i++)
    keys[i] = ft_loop_step_name (i);
  keys[n_steps] = "pitfalls";
  bool ok = get_object (P, node, path, &o) && check_keys (P, o, path, keys, NULL, NULL);
  for (int i = 0; ok && i < n_steps; i++)
    {
      JsonNode *n = member (o, keys[i], path, sub);
      if (n != NULL)
        ok = get_bool (P, n, sub, ft_loop_step_flag (steps, i));
    }
  g_free (keys);
  /* "pitfalls": ["training_false", …]: the mistakes switched on. */
  JsonNode *n;
  JsonArray *a;
  if (ok && (n = member (o, "pitfalls", path, sub)) != NULL && (ok = get_array (P, n, sub, &a)))
    for (guint i = 0; ok && i < json_array_get_length (a); i++)
      {
        char item[PATH_MAX_LEN], name[48];
        FtPitfall p;
        sub_index (item, sub, i);
        if (!(ok = get_string_buf (P, json_array_get_element (a, i), item, true, name, sizeof name)))
          break;
        if (!ft_pitfall_from_name (name, &p))
          {
            GString *all = g_string_new (NULL);
            for (int k = 0; k < FT_N_PITFALLS; k++)
              g_string_append_printf (all, "%s%s", k ? ", " : "", ft_pitfall_name ((FtPitfall) k));
            ok = fail (P, item, "unknown pitfall \"%s\" (expected one of %s)", name, all->str);
            g_string_free (all, TRUE);
          }
        else
          steps->pitfalls.on[p] = true;
      }
  return ok;
}

static bool
parse_callback (Parser *P, JsonNode *node, const char *path, FtCallbackSpec *cb)
{
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, node, path, &o))
    return false;
  const char *kind_names[FT_N_CALLBACK_KINDS];
  const char *all[MAX_KIND_KEYS] = { "type", NULL };
  for (int i = 0; i < FT_N_CALLBACK_KINDS; i++)
    {
      kind_names[i] = ft_callback_kind_name ((FtCallbackKind) i);
      add_kind_keys (ft_callback_kind_info ((FtCallbackKind) i), all);
    }
  JsonNode *n = member (o, "type", path, sub);
  if (n == NULL)
    {
      char *list = join_names (kind_names, FT_N_CALLBACK_KINDS);
      fail (P, path, "missing \"type\" (expected %s)", list);
      g_free (list);
      return false;
    }
  int k;
  if (!get_enum (P, n, sub, "callback", kind_names, FT_N_CALLBACK_KINDS, &k))
    return false;
  FtCallbackKind kind = (FtCallbackKind) k;
  const FtKindInfo *info = ft_callback_kind_info (kind);
  const char *keys[MAX_KIND_KEYS] = { "type", NULL };
  add_kind_keys (info, keys);
  if (!check_keys (P, o, path, keys, all, kind_names[k]))
    return false;
  *cb = ft_callback_spec_default (kind);
  if (!parse_params (P, o, path, info, cb))
    return false;

  GError *local = NULL;
  if (!ft_callback_spec_validate (cb, &local))
    {
      fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
parse_callbacks (Parser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  JsonArray *a;
  char item[PATH_MAX_LEN];
  if (!get_array (P, node, path, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len > MAX_CALLBACKS)
    return fail (P, path, "expected at most %d callbacks, got %u", MAX_CALLBACKS, len);
  if (len == 0)
    return true;
  e->callbacks = g_new0 (FtCallbackSpec, len);
  for (guint i = 0; i < len; i++)
    {
      sub_index (item, path, i);
      if (!parse_callback (P, json_array_get_element (a, i), item, &e->callbacks[i]))
        return false;
      e->n_callbacks = (int) i + 1;
    }
  return true;
}

static bool
parse_hide (Parser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  JsonArray *a;
  char item[PATH_MAX_LEN];
  if (!get_array (P, node, path, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len == 0)
    return true;
  e->hide = g_new0 (char *, len + 1);
  for (guint i = 0; i < len; i++)
    {
      const char *s;
      sub_index (item, path, i);
      if (!get_string (P, json_array_get_element (a, i), item, &s))
        return false;
      if (*s == '\0')
        return fail (P, item, "expected a control name, got \"\"");
      e->hide[i] = g_strdup (s);
    }
  return true;
}

static bool
parse_root (Parser *P, JsonNode *root, FtExperiment *e)
{
  static const char *const keys[] = { "title",   "notes", "hide", "seed",      "dataset",   "model",
                                      "compile", "mode",  "fit",  "tape_loop", "callbacks", NULL };
  const char *path = "$";
  JsonObject *o;
  char sub[PATH_MAX_LEN];
  if (!get_object (P, root, path, &o) || !check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  const char *s;
  if ((n = member (o, "title", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!get_string (P, n, sub, &s))
        return false;
      e->title = g_strdup (s);
    }
  if ((n = member (o, "notes", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!get_string (P, n, sub, &s))
        return false;
      e->notes = g_strdup (s);
    }
  if ((n = member (o, "hide", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n) && !parse_hide (P, n, sub, e))
    return false;
  if ((n = member (o, "seed", path, sub)) != NULL)
    {
      int64_t v;
      if (!get_int (P, n, sub, 0, INT64_MAX, &v))
        return false;
      e->seed = (uint64_t) v;
    }
  if ((n = member (o, "dataset", path, sub)) != NULL && !parse_dataset (P, n, sub, &e->data))
    return false;
  n = member (o, "model", path, sub);
  if (n == NULL)
    return fail (P, path, "missing \"model\" (its \"layers\" are required)");
  if (!parse_model (P, n, sub, e))
    return false;
  if ((n = member (o, "compile", path, sub)) != NULL && !parse_compile (P, n, sub, &e->compile))
    return false;
  if ((n = member (o, "mode", path, sub)) != NULL)
    {
      int v;
      if (!get_enum (P, n, sub, "mode", mode_names, G_N_ELEMENTS (mode_names), &v))
        return false;
      e->mode = (FtRunMode) v;
    }
  if ((n = member (o, "fit", path, sub)) != NULL && !parse_fit (P, n, sub, &e->fit))
    return false;
  if ((n = member (o, "tape_loop", path, sub)) != NULL && !parse_steps (P, n, sub, &e->steps))
    return false;
  if ((n = member (o, "callbacks", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n)
      && !parse_callbacks (P, n, sub, e))
    return false;
  if (P->dup_obj != NULL) /* in an object no section looks at */
    return fail (P, "$", "duplicate key \"%s\" (line %u)", P->dup_key, P->dup_line);
  return true;
}

static void
on_object_member (JsonParser *parser, JsonObject *obj, const char *name, gpointer user_data)
{
  Parser *P = user_data;
  guint size = json_object_get_size (obj);
  guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (P->sizes, obj));
  if (size == seen && P->dup_obj == NULL)
    {
      P->dup_obj = obj;
      P->dup_key = g_strdup (name);
      P->dup_line = json_parser_get_current_line (parser);
    }
  g_hash_table_insert (P->sizes, obj, GUINT_TO_POINTER (size));
}

/* what: the file's path, or NULL for a string. */
static FtExperiment *
experiment_parse (const char *json, gssize length, const char *what, GError **error)
{
  /* Depth, UTF-8 and surrogates before json-glib (deep nesting overflows its stack). */
  if (!ft_json_check (json, length, FT_LIMIT_JSON_DEPTH, what, error))
    return NULL;
  JsonParser *parser = json_parser_new_immutable ();
  Parser P = { .error = error, .sizes = g_hash_table_new (NULL, NULL) };
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &P);
  GError *local = NULL;
  FtExperiment *e = NULL;
  if (!json_parser_load_from_data (parser, json, length, &local))
    {
      /* json-glib says "<data>:LINE:COLUMN: Parse error: …" */
      unsigned line = 0, col = 0;
      int used = 0;
      const char *msg = local->message;
      if (sscanf (msg, "<data>:%u:%u: %n", &line, &col, &used) == 2 && used > 0)
        {
          msg += used;
          if (g_str_has_prefix (msg, "Parse error: "))
            msg += strlen ("Parse error: ");
          /* json-glib names the wrong closing bracket for a trailing comma in an object */
          if (g_error_matches (local, JSON_PARSER_ERROR, JSON_PARSER_ERROR_TRAILING_COMMA))
            msg = "a comma before a closing bracket (JSON allows no trailing comma)";
          if (what != NULL)
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s:%u:%u: JSON syntax error: %s", what, line,
                         col, msg);
          else
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "line %u, column %u: JSON syntax error: %s", line,
                         col, msg);
        }
      else
        g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s%sJSON syntax error: %s", what ? what : "",
                     what ? ": " : "", msg);
      g_error_free (local);
    }
  else if (json_parser_get_root (parser) == NULL)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "%s%sthe document is empty (expected an experiment object)", what ? what : "",
                 what ? ": " : "");
  else
    {
      e = experiment_new_base ();
      if (!parse_root (&P, json_parser_get_root (parser), e))
        {
          ft_experiment_free (e);
          e = NULL;
          if (what != NULL && error != NULL && *error != NULL)
            g_prefix_error (error, "%s: ", what);
        }
    }
  g_free (P.dup_key);
  g_hash_table_destroy (P.sizes);
  g_object_unref (parser);
  return e;
}

FtExperiment *
ft_experiment_from_json (const char *json, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return experiment_parse (json, -1, NULL, error);
}

static void
resolve (char *path, size_t size, const char *dir)
{
  if (path[0] == '\0' || g_path_is_absolute (path))
    return;
  char *full = g_build_filename (dir, path, NULL);
  char *canon = g_canonicalize_filename (full, NULL);
  if (strlen (canon) < size)
    g_strlcpy (path, canon, size);
  g_free (canon);
  g_free (full);
}

FtExperiment *
ft_experiment_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  char *contents = NULL;
  gsize length = 0;
  if (!ft_safe_file_read (path, FT_LIMIT_EXPERIMENT_BYTES, "experiment file", &contents, &length, error))
    return NULL;
  FtExperiment *e = experiment_parse (contents, (gssize) length, path, error);
  g_free (contents);
  if (e != NULL)
    {
      char *dir = g_path_get_dirname (path);
      resolve (e->data.path, sizeof e->data.path, dir);
      resolve (e->data.test_path, sizeof e->data.test_path, dir);
      g_free (dir);
    }
  return e;
}

/* ------------------------------------------------------------------------------------------------ */
/* Writing: a small pretty-printer. Objects and arrays are either spread over lines or kept on one line
 * (layers, callbacks, short lists). */

typedef struct
{
  GString *s;
  int depth;
  int count[16];
  bool inl[16];
} Writer;

static void
w_sep (Writer *w)
{
  int d = w->depth;
  if (w->count[d]++ > 0)
    g_string_append_c (w->s, ',');
  if (w->inl[d])
    {
      if (w->count[d] > 1)
        g_string_append_c (w->s, ' ');
    }
  else
    {
      g_string_append_c (w->s, '\n');
      for (int i = 0; i < d; i++)
        g_string_append (w->s, "  ");
    }
}

static void
w_open (Writer *w, char c, bool inl)
{
  g_string_append_c (w->s, c);
  bool parent_inline = w->depth > 0 && w->inl[w->depth];
  w->depth++;
  g_assert (w->depth < 16);
  w->count[w->depth] = 0;
  w->inl[w->depth] = inl || parent_inline;
}

static void
w_close (Writer *w, char c)
{
  int d = w->depth--;
  if (!w->inl[d] && w->count[d] > 0)
    {
      g_string_append_c (w->s, '\n');
      for (int i = 0; i < d - 1; i++)
        g_string_append (w->s, "  ");
    }
  g_string_append_c (w->s, c);
}

static void
w_key (Writer *w, const char *key)
{
  w_sep (w);
  ft_json_append_string (w->s, key);
  g_string_append (w->s, ": ");
}

static void
w_str (Writer *w, const char *key, const char *v)
{
  w_key (w, key);
  ft_json_append_string (w->s, v);
}

static void
w_int (Writer *w, const char *key, int64_t v)
{
  w_key (w, key);
  g_string_append_printf (w->s, "%" G_GINT64_FORMAT, v);
}

static void
w_bool (Writer *w, const char *key, bool v)
{
  w_key (w, key);
  g_string_append (w->s, v ? "true" : "false");
}

static void
w_null (Writer *w, const char *key)
{
  w_key (w, key);
  g_string_append (w->s, "null");
}

static void
append_number (GString *s, double v, bool as_float)
{
  if (!isfinite (v))
    {
      g_string_append (s, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, as_float);
  g_string_append (s, buf);
}

static void
w_float (Writer *w, const char *key, float v)
{
  w_key (w, key);
  append_number (w->s, v, true);
}

static void
w_double (Writer *w, const char *key, double v)
{
  w_key (w, key);
  append_number (w->s, v, false);
}

static void
w_pair (Writer *w, const char *key, const int *v)
{
  w_key (w, key);
  if (v[0] == v[1])
    g_string_append_printf (w->s, "%d", v[0]);
  else
    g_string_append_printf (w->s, "[%d, %d]", v[0], v[1]);
}

static const char *
dataset_name (const FtDataSpec *d)
{
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      return ft_playground_name (d->playground);
    case FT_DATA_CSV:
      return "csv";
    case FT_DATA_IDX:
      return d->path[0] == '\0' ? "fashion_mnist" : "idx";
    }
  return "?";
}

static void
write_dataset (Writer *w, const FtDataSpec *d)
{
  w_key (w, "dataset");
  w_open (w, '{', true);
  w_str (w, "name", dataset_name (d));
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      w_int (w, "samples", d->samples);
      w_float (w, "noise", d->noise);
      w_int (w, "test_samples", d->test_samples);
      break;
    case FT_DATA_CSV:
      w_str (w, "path", d->path);
      w_str (w, "label", d->label_column);
      if (d->test_path[0] != '\0')
        w_str (w, "test_path", d->test_path);
      break;
    case FT_DATA_IDX:
      if (d->path[0] != '\0')
        w_str (w, "path", d->path);
      break;
    }
  if (d->limit > 0)
    w_int (w, "limit", d->limit);
  if (d->features != 0)
    {
      w_key (w, "features");
      w_open (w, '[', true);
      for (int i = 0; i < FT_N_FEATURES; i++)
        if (d->features & (1u << i))
          {
            w_sep (w);
            ft_json_append_string (w->s, ft_feature_name (i));
          }
      w_close (w, ']');
    }
  if (d->n_points > 0)
    {
      w_key (w, "points");
      w_open (w, '[', true);
      for (uint32_t i = 0; i < d->n_points; i++)
        {
          w_sep (w);
          g_string_append_c (w->s, '[');
          append_number (w->s, d->points[i].x, true);
          g_string_append (w->s, ", ");
          append_number (w->s, d->points[i].y, true);
          g_string_append_printf (w->s, ", %d]", d->points[i].label);
        }
      w_close (w, ']');
    }
  w_close (w, '}');
}

/* The parameters of a kind that are not at their default (or always written), clipping ones last. */
static void
write_params (Writer *w, const FtKindInfo *kind, const void *spec)
{
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < kind->n_params; i++)
      {
        const FtParam *p = &kind->params[i];
        const void *f = ft_param_cptr (p, spec);
        if (((p->flags & FT_PARAM_UI_CLIPPING) != 0) != (pass == 1))
          continue;
        if (!(p->flags & FT_PARAM_WRITE_ALWAYS) && ft_param_is_default (p, spec))
          continue;
        switch (p->type)
          {
          case FT_PARAM_FLOAT:
            w_float (w, p->key, *(const float *) f);
            break;
          case FT_PARAM_INT:
            if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && *(const int *) f == 0)
              w_str (w, p->key, "epoch");
            else
              w_int (w, p->key, *(const int *) f);
            break;
          case FT_PARAM_BOOL:
            w_bool (w, p->key, *(const bool *) f);
            break;
          case FT_PARAM_DOUBLE:
            if ((p->flags & FT_PARAM_ZERO_IS_NONE) && *(const double *) f == 0.0)
              w_null (w, p->key);
            else
              w_double (w, p->key, *(const double *) f);
            break;
          case FT_PARAM_OPTIONAL:
            if (*(const bool *) ft_param_cptr_at (p->has_offset, spec))
              w_double (w, p->key, *(const double *) f);
            else
              w_null (w, p->key);
            break;
          case FT_PARAM_STRING:
            w_str (w, p->key, f);
            break;
          case FT_PARAM_CHAR:
            w_str (w, p->key, (const char[]){ *(const char *) f, '\0' });
            break;
          case FT_PARAM_CHOICE:
            {
              int v = *(const int *) f;
              w_str (w, p->key, v >= 0 && v < ft_param_n_choices (p) ? p->choices[v] : "?");
              break;
            }
          case FT_PARAM_PAIR:
            w_pair (w, p->key, f);
            break;
          case FT_PARAM_PADDING:
            w_str (w, p->key, padding_names[*(const FtPadding *) f == FT_PADDING_SAME]);
            break;
          case FT_PARAM_ACTIVATION:
            w_str (w, p->key, ft_activation_name (*(const FtActivation *) f));
            break;
          case FT_PARAM_INITIALIZER:
            w_str (w, p->key, ft_initializer_name (*(const FtInitializer *) f));
            break;
          case FT_PARAM_L2:
            w_key (w, p->key);
            w_open (w, '{', true);
            if (((const float *) f)[1] != 0.0f)
              w_float (w, "l1", ((const float *) f)[1]);
            if (((const float *) f)[0] != 0.0f)
              w_float (w, "l2", ((const float *) f)[0]);
            w_close (w, '}');
            break;
          case FT_PARAM_KERAS_CONST:
          case FT_N_PARAM_TYPES:
            break;
          }
      }
}

static void
write_layer (Writer *w, const FtLayerSpec *l)
{
  w_sep (w);
  w_open (w, '{', true);
  w_str (w, "type", ft_layer_kind_name (l->kind));
  write_params (w, ft_layer_kind_info (l->kind), l);
  w_close (w, '}');
}

static void
write_optimizer (Writer *w, const FtOptimizerSpec *o)
{
  w_key (w, "optimizer");
  w_open (w, '{', true);
  w_str (w, "name", optimizer_name (o->kind));
  write_params (w, ft_optimizer_kind_info (o->kind), o);
  w_close (w, '}');
}

static void
write_fit (Writer *w, const FtFitArgs *f)
{
  w_key (w, "fit");
  w_open (w, '{', true);
  w_int (w, "epochs", f->epochs);
  w_int (w, "batch_size", f->batch_size);
  w_bool (w, "shuffle", f->shuffle);
  w_double (w, "validation_split", f->validation_split);
  w_int (w, "initial_epoch", f->initial_epoch);
  w_int (w, "validation_freq", f->validation_freq);
  if (f->steps_per_epoch > 0)
    w_int (w, "steps_per_epoch", f->steps_per_epoch);
  if (f->class_weight != NULL && f->n_class_weight > 0)
    {
      w_key (w, "class_weight");
      w_open (w, '{', true);
      for (int i = 0; i < f->n_class_weight; i++)
        {
          char key[16];
          g_snprintf (key, sizeof key, "%d", i);
          w_float (w, key, f->class_weight[i]);
        }
      w_close (w, '}');
    }
  w_close (w, '}');
}

static void
write_callback (Writer *w, const FtCallbackSpec *cb)
{
  w_sep (w);
  w_open (w, '{', true);
  w_str (w, "type", ft_callback_kind_name (cb->kind));
  write_params (w, ft_callback_kind_info (cb->kind), cb);
  w_close (w, '}');
}

char *
ft_experiment_to_json (const FtExperiment *e)
{
  g_return_val_if_fail (e != NULL, NULL);
  Writer wr = { .s = g_string_new (NULL) };
  Writer *w = &wr;
  w_open (w, '{', false);
  if (e->title != NULL)
    w_str (w, "title", e->title);
  if (e->notes != NULL)
    w_str (w, "notes", e->notes);
  if (e->hide != NULL && e->hide[0] != NULL)
    {
      w_key (w, "hide");
      w_open (w, '[', true);
      for (int i = 0; e->hide[i] != NULL; i++)
        {
          w_sep (w);
          ft_json_append_string (w->s, e->hide[i]);
        }
      w_close (w, ']');
    }
  w_int (w, "seed", (int64_t) e->seed);
  write_dataset (w, &e->data);

  w_key (w, "model");
  w_open (w, '{', false);
  if (e->input_ndim > 0)
    {
      w_key (w, "input_shape");
      w_open (w, '[', true);
      for (int i = 0; i < e->input_ndim && i < 3; i++)
        {
          w_sep (w);
          g_string_append_printf (w->s, "%d", e->input_shape[i]);
        }
      w_close (w, ']');
    }
  w_key (w, "layers");
  w_open (w, '[', false);
  for (int i = 0; i < e->n_layers; i++)
    write_layer (w, &e->layers[i]);
  w_close (w, ']');
  w_close (w, '}');

  w_key (w, "compile");
  w_open (w, '{', false);
  write_optimizer (w, &e->compile.optimizer);
  /* The loss by name, or as an object when a parameter is not at its default. */
  const FtKindInfo *loss_kind = ft_loss_kind_info (e->compile.loss.kind);
  if (!ft_params_equal (loss_kind, &e->compile.loss, &(FtLossSpec){ .kind = e->compile.loss.kind }))
    {
      w_key (w, "loss");
      w_open (w, '{', true);
      w_str (w, "name", ft_loss_name (e->compile.loss.kind));
      write_params (w, loss_kind, &e->compile.loss);
      w_close (w, '}');
    }
  else
    w_str (w, "loss", ft_loss_name (e->compile.loss.kind));
  w_key (w, "metrics");
  w_open (w, '[', true);
  for (int i = 0; i < e->compile.n_metrics; i++)
    {
      w_sep (w);
      ft_json_append_string (w->s, e->compile.metrics[i]);
    }
  w_close (w, ']');
  if (e->compile.n_weighted_metrics > 0)
    {
      w_key (w, "weighted_metrics");
      w_open (w, '[', true);
      for (int i = 0; i < e->compile.n_weighted_metrics; i++)
        {
          w_sep (w);
          ft_json_append_string (w->s, e->compile.weighted_metrics[i]);
        }
      w_close (w, ']');
    }
  w_close (w, '}');

  w_str (w, "mode", ft_run_mode_name (e->mode));
  write_fit (w, &e->fit);

  FtLoopSteps all = ft_loop_steps_all ();
  FtLoopSteps steps = e->steps;
  bool steps_default = true;
  for (int i = 0; i < ft_loop_n_steps (); i++)
    if (*ft_loop_step_flag (&steps, i) != *ft_loop_step_flag (&all, i))
      steps_default = false;
  if (ft_pitfalls_any (&steps.pitfalls))
    steps_default = false;
  if (e->mode != FT_MODE_FIT || !steps_default)
    {
      w_key (w, "tape_loop");
      w_open (w, '{', true);
      for (int i = 0; i < ft_loop_n_steps (); i++)
        w_bool (w, ft_loop_step_name (i), *ft_loop_step_flag (&steps, i));
      if (ft_pitfalls_any (&steps.pitfalls))
        {
          w_key (w, "pitfalls");
          w_open (w, '[', false);
          for (int i = 0; i < FT_N_PITFALLS; i++)
            if (steps.pitfalls.on[i])
              {
                w_sep (w);
                ft_json_append_string (w->s, ft_pitfall_name ((FtPitfall) i));
              }
          w_close (w, ']');
        }
      w_close (w, '}');
    }

  if (e->n_callbacks > 0)
    {
      w_key (w, "callbacks");
      w_open (w, '[', false);
      for (int i = 0; i < e->n_callbacks; i++)
        write_callback (w, &e->callbacks[i]);
      w_close (w, ']');
    }
  w_close (w, '}');
  g_string_append_c (w->s, '\n');
  return g_string_free (w->s, FALSE);
}

bool
ft_experiment_save (const FtExperiment *e, const char *path, GError **error)
{
  g_return_val_if_fail (e != NULL && path != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  char *json = ft_experiment_to_json (e);
  /* Written to a temporary file in the same directory, flushed, then renamed over path. */
  bool ok = g_file_set_contents_full (path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
  g_free (json);
  return ok;
}

/* ------------------------------------------------------------------------------------------------ */
/* Data and model */

/* Maps the test set's classes onto the training set's by name (the CSV loader numbers string classes
 * in order of first appearance, which differs between files). */
static bool
align_classes (const FtDataset *train, FtDataset *test, GError **error)
{
  if (train->class_names == NULL || test->class_names == NULL)
    return true;
  int *map = g_new (int, MAX (test->n_classes, 1));
  bool identical = test->n_classes <= train->n_classes;
  for (int c = 0; c < test->n_classes; c++)
    {
      map[c] = -1;
      for (int t = 0; t < train->n_classes; t++)
        if (g_strcmp0 (test->class_names[c], train->class_names[t]) == 0)
          map[c] = t;
      if (map[c] < 0)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: class \"%s\" does not occur in the training data (%s)", test->name,
                       test->class_names[c], train->name);
          g_free (map);
          return false;
        }
      if (map[c] != c)
        identical = false;
    }
  if (!identical || test->n_classes != train->n_classes)
    {
      for (uint32_t i = 0; i < test->n; i++)
        test->labels[i] = (float) map[(int) test->labels[i]];
      g_strfreev (test->class_names);
      test->class_names = g_strdupv (train->class_names);
      test->n_classes = train->n_classes;
    }
  g_free (map);
  return true;
}

bool
ft_experiment_load_data (const FtExperiment *e, FtDataset **train, FtDataset **test, GError **error)
{
  g_return_val_if_fail (e != NULL && train != NULL && test != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  *train = NULL;
  *test = NULL;
  const FtDataSpec *d = &e->data;
  FtDataset *tr = NULL, *te = NULL;
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      tr = ft_dataset_playground (d->playground, d->samples, d->noise, e->seed);
      if (tr == NULL)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.dataset: cannot generate %u %s samples",
                       d->samples, ft_playground_name (d->playground));
          return false;
        }
      if (d->test_samples > 0)
        te = ft_dataset_playground (d->playground, d->test_samples, d->noise, e->seed + 1);
      break;
    case FT_DATA_IDX:
      {
        const char *dir = d->path[0] != '\0' ? d->path : FT_FASHION_MNIST_DIR;
        tr = ft_dataset_load_idx (dir, "train", error);
        if (tr == NULL)
          return false;
        GError *local = NULL;
        te = ft_dataset_load_idx (dir, "t10k", &local);
        if (te == NULL)
          {
            /* A directory of one's own may have no test files; Debian's Fashion-MNIST must. */
            if (d->path[0] != '\0' && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
              g_error_free (local);
            else
              {
                g_propagate_error (error, local);
                ft_dataset_free (tr);
                return false;
              }
          }
        break;
      }
    case FT_DATA_CSV:
      tr = ft_dataset_load_csv (d->path, d->label_column, error);
      if (tr == NULL)
        return false;
      if (d->test_path[0] != '\0')
        {
          te = ft_dataset_load_csv (d->test_path, d->label_column, error);
          if (te == NULL || !align_classes (tr, te, error))
            {
              ft_dataset_free (te);
              ft_dataset_free (tr);
              return false;
            }
        }
      break;
    }
  if (tr == NULL) /* every case above returns when it has no training set */
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.dataset: unknown data source %d", (int) d->source);
      return false;
    }
  if (d->n_points > 0)
    {
      FtDataset *edited = ft_dataset_apply_point_edits (tr, d->points, d->n_points, error);
      if (edited == NULL)
        {
          g_prefix_error (error, "$.dataset.points: ");
          ft_dataset_free (tr);
          ft_dataset_free (te);
          return false;
        }
      ft_dataset_free (tr);
      tr = edited;
    }
  if (d->limit > 0 && d->limit < tr->n)
    {
      FtDataset *cut = ft_dataset_slice (tr, 0, d->limit);
      ft_dataset_free (tr);
      tr = cut;
    }
  *train = tr;
  *test = te;
  return true;
}

FtTrainer *
ft_experiment_build_trainer (const FtExperiment *e, const FtDataset *train, GError **error)
{
  g_return_val_if_fail (e != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  int ndim;
  int shape[FT_MAX_DIMS] = { 0 };
  if (e->data.features != 0)
    {
      /* The features are the model's inputs. */
      ndim = 1;
      shape[0] = ft_features_count (e->data.features);
    }
  else if (e->input_ndim > 0)
    {
      ndim = MIN (e->input_ndim, 3);
      memcpy (shape, e->input_shape, (size_t) ndim * sizeof (int));
    }
  else if (train != NULL)
    {
      ndim = MIN (train->ndim, 3);
      memcpy (shape, train->shape, (size_t) ndim * sizeof (int));
    }
  else
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "$.model.input_shape: needed to build the model before the data is loaded");
      return NULL;
    }
  if (e->n_layers < 1 || e->layers == NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.model.layers: expected at least one layer");
      return NULL;
    }

  /* Shape inference layer by layer first, so that an error names the layer by its place in the file
   * and by the name Keras would give it. */
  int nd = ndim;
  int cur[FT_MAX_DIMS], next[FT_MAX_DIMS];
  memcpy (cur, shape, sizeof cur);
  int seen[FT_N_LAYER_KINDS] = { 0 };
  for (int i = 0; i < e->n_layers; i++)
    {
      const FtLayerSpec *l = &e->layers[i];
      int out_nd = 0, n_weights = 0;
      FtWeightSpec weights[FT_LAYER_MAX_WEIGHTS];
      GError *local = NULL;
      int k = (unsigned) l->kind < FT_N_LAYER_KINDS ? l->kind : 0;
      char name[64];
      if (seen[k] == 0)
        g_snprintf (name, sizeof name, "%s", ft_layer_kind_base_name (l->kind));
      else
        g_snprintf (name, sizeof name, "%s_%d", ft_layer_kind_base_name (l->kind), seen[k]);
      seen[k]++;
      if (!ft_layer_infer (l, nd, cur, &out_nd, next, &n_weights, weights, &local))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.model.layers[%d] (%s): %s", i, name,
                       local->message);
          g_error_free (local);
          return NULL;
        }
      nd = out_nd;
      memcpy (cur, next, sizeof cur);
    }

  FtModel *model = ft_model_new (ndim, shape);
  for (int i = 0; i < e->n_layers; i++)
    ft_model_add (model, &e->layers[i]);
  /* The memory budget at the batch size, with room for three optimizer slots (Adam with amsgrad). */
  if (!ft_model_budget_check (model, e->fit.batch_size, 3, error) || !ft_model_build (model, e->seed, error))
    {
      g_prefix_error (error, "$.model: ");
      ft_model_free (model);
      return NULL;
    }
  /* ft_trainer_new takes the model only when it succeeds. */
  FtTrainer *trainer = ft_trainer_new (model, &e->compile, e->seed, error);
  if (trainer == NULL)
    {
      g_prefix_error (error, "$.compile: ");
      ft_model_free (model);
      return NULL;
    }
  ft_trainer_set_features (trainer, e->data.features);
  /* The data must fit the model: its sample size the input (a given input_shape's fault), its classes
   * the last layer (that layer's fault). */
  if (train != NULL && !ft_trainer_check_dataset (trainer, train, "training", error))
    {
      if (e->data.features != 0 && train->sample_size != 2)
        g_prefix_error (error, "$.dataset.features: ");
      else if (e->data.features == 0 && ft_shape_size (ndim, shape) != train->sample_size)
        g_prefix_error (error, "$.model.input_shape: ");
      else
        g_prefix_error (error, "$.model.layers[%d]: ", e->n_layers - 1);
      ft_trainer_free (trainer);
      return NULL;
    }
  char *json = ft_experiment_to_json (e);
  ft_trainer_set_experiment_json (trainer, json);
  g_free (json);
  return trainer;
}
