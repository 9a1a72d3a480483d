/* clang-format off */
/* ft-experiment.c — experiment files: the format (below), the run modes' names, the defaults, copying
 * and freeing. Reading is ft-experiment-read.c (on ft-json-parser.c), writing ft-experiment-write.c,
 * equality ft-experiment-equal.c, the data and the model ft-experiment-build.c.
 *
 * THE FORMAT. One JSON object; Keras' names and Keras' defaults throughout; every key is optional except
 * "model.layers" (and "path" and "label" for the datasets read from files). Unknown keys, keys a kind does
 * not take (a Dense "filters"), duplicate keys and out-of-range values are errors.
 *
 *   "title": string, "notes": string        lessons: shown in the window
 *   "hide": [string, …]                     lessons: names of controls the window hides
 *   "view": "curves" | "code" | "inspector" | "network" | "errors"   the view the window opens on;
 *                                           absent = the Network view for 2-D data, the curves otherwise
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
 *     "seed": integer ≥ 0                   playground: the data's own seed (training set; test set
 *                                           seed + 1); absent = the experiment's seed (ft-data-seed.h)
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
#include "experiment/ft-experiment-private.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Names */

const char *const ft_run_mode_names[3] = { "fit", "tape", "both" };
const char *const ft_experiment_view_names[FT_N_EXPERIMENT_VIEWS] = { "curves", "code", "inspector",
                                                                      "network", "errors" };
const char *const ft_padding_names[2] = { "valid", "same" };

const char *
ft_run_mode_name (FtRunMode mode)
{
  return (unsigned) mode < G_N_ELEMENTS (ft_run_mode_names) ? ft_run_mode_names[mode] : "?";
}

bool
ft_run_mode_from_name (const char *name, FtRunMode *mode)
{
  for (unsigned i = 0; name != NULL && i < G_N_ELEMENTS (ft_run_mode_names); i++)
    if (strcmp (name, ft_run_mode_names[i]) == 0)
      {
        *mode = (FtRunMode) i;
        return true;
      }
  return false;
}

/* ------------------------------------------------------------------------------------------------ */
/* Defaults, free, copy */

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
FtExperiment *
ft_experiment_new_base (void)
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
  FtExperiment *e = ft_experiment_new_base ();
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
