/* ft-trainer.c — compile(): optimizer, loss, metrics and the batch primitives shared by fit() and the
 * explicit tape loop (see ft-trainer.h). */
#include "train/ft-trainer.h"

#include "core/ft-alloc.h"
#include "core/ft-error.h"
#include "train/ft-train-step.h"

#include <string.h>

struct FtTrainer
{
  FtModel *model;
  FtCompileSpec spec;
  FtOptimizer *optimizer;
  FtTape *tape;
  uint64_t seed;
  FtRng shuffle_rng;

  /* Training and test metric sets: a hand-written loop keeps its validation metrics apart from its
   * training ones (so not resetting the latter really accumulates); fit()'s shared-and-reset objects
   * give the same numbers. */
  FtMetric loss_tracker, test_loss_tracker;
  FtMetric metrics[2 * FT_MAX_METRICS], test_metrics[2 * FT_MAX_METRICS];
  bool weighted[2 * FT_MAX_METRICS]; /* weighted_metrics: the only ones given sample weights */
  int n_metrics;
  FtPitfalls pitfalls;

  /* Batch buffers, grown to the largest batch seen. */
  uint32_t capacity;
  float *x;
  float *y;
  float *sample_weight;
  /* The batch's tensors live here, not on the stack: the tape keeps pointers to them after the step
   * (snapshots read its entries). */
  FtTensor batch_x, batch_y;
  FtTensor *last_pred;
  float last_penalty;              /* the last train or test batch's regularization penalty */
  FtTestBatchFunc test_batch_func; /* an observer of test batches (the ledger), or NULL */
  void *test_batch_data;

  unsigned features; /* the input features' mask, 0 = none */
  float *fx;         /* the batch's features (capacity × their count) */
};

FtCompileSpec
ft_compile_spec_default (void)
{
  FtCompileSpec s;
  memset (&s, 0, sizeof s);
  s.optimizer = ft_optimizer_spec_default (FT_OPT_ADAM);
  s.loss.kind = FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  s.loss.from_logits = true;
  s.n_metrics = 1;
  g_strlcpy (s.metrics[0], "accuracy", sizeof s.metrics[0]);
  return s;
}

FtTrainer *
ft_trainer_new (FtModel *model, const FtCompileSpec *spec, uint64_t seed, GError **error)
{
  g_return_val_if_fail (ft_model_is_built (model), NULL);
  if (!ft_optimizer_spec_validate (&spec->optimizer, error))
    return NULL;
  if (spec->n_metrics < 0 || spec->n_metrics > FT_MAX_METRICS || spec->n_weighted_metrics < 0
      || spec->n_weighted_metrics > FT_MAX_METRICS)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "at most %d metrics can be compiled", FT_MAX_METRICS);
      return NULL;
    }
  FtTrainer *t = g_new0 (FtTrainer, 1);
  for (int i = 0; i < spec->n_metrics + spec->n_weighted_metrics; i++)
    {
      bool weighted = i >= spec->n_metrics;
      const char *name = weighted ? spec->weighted_metrics[i - spec->n_metrics] : spec->metrics[i];
      FtMetricKind kind;
      char key[48];
      if (!ft_metric_from_name (name, spec->loss.kind, &kind, key, sizeof key))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "unknown metric \"%s\" (expected accuracy, mse, mae, or an accuracy name)", name);
          g_free (t);
          return NULL;
        }
      /* The labels the loss takes (class indices for sparse cross-entropy, else one value per output)
       * must be what the metric compares with the outputs. */
      int ond = 0, oshape[FT_MAX_DIMS] = { 0 };
      ft_model_output_shape (model, &ond, oshape);
      size_t outputs = ft_shape_size (ond, oshape);
      bool metric_sparse = kind == FT_METRIC_SPARSE_CATEGORICAL_ACCURACY;
      bool loss_sparse = spec->loss.kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
      if (outputs > 1 && metric_sparse != loss_sparse)
        {
          g_set_error (
              error, FT_ERROR, FT_ERROR_INVALID,
              "metric \"%s\" does not fit the loss: %s, but the metric compares %s with the model's %zu "
              "outputs",
              name,
              loss_sparse ? "the loss takes one class index per sample"
                          : "the loss takes one label value per output",
              metric_sparse ? "a class index" : "one label value per output", outputs);
          g_free (t);
          return NULL;
        }
      for (int j = 0; weighted && j < spec->n_metrics; j++)
        if (strcmp (spec->metrics[j], name) == 0)
          {
            char prefixed[48];
            g_snprintf (prefixed, sizeof prefixed, "weighted_%s", key);
            g_strlcpy (key, prefixed, sizeof key);
            break;
          }
      ft_metric_init (&t->metrics[i], kind, key);
      ft_metric_init (&t->test_metrics[i], kind, key);
      t->weighted[i] = weighted;
    }
  t->n_metrics = spec->n_metrics + spec->n_weighted_metrics;
  ft_metric_init (&t->loss_tracker, FT_METRIC_MEAN, "loss");
  ft_metric_init (&t->test_loss_tracker, FT_METRIC_MEAN, "loss");
  t->model = model;
  t->spec = *spec;
  t->seed = seed;
  ft_rng_seed (&t->shuffle_rng, seed, FT_RNG_STREAM_SHUFFLE);
  t->optimizer = ft_optimizer_new (&spec->optimizer, ft_model_n_trainable (model),
                                   ft_model_trainable (model));
  t->tape = ft_tape_new (false);
  return t;
}

void
ft_trainer_free (FtTrainer *t)
{
  if (t == NULL)
    return;
  ft_model_free (t->model);
  ft_optimizer_free (t->optimizer);
  ft_tape_free (t->tape);
  ft_free (t->x);
  ft_free (t->y);
  ft_free (t->sample_weight);
  ft_free (t->fx);
  g_free (t);
}

FtModel *
ft_trainer_model (FtTrainer *t)
{
  return t->model;
}

FtOptimizer *
ft_trainer_optimizer (FtTrainer *t)
{
  return t->optimizer;
}

FtTape *
ft_trainer_tape (FtTrainer *t)
{
  return t->tape;
}

const FtCompileSpec *
ft_trainer_compile_spec (const FtTrainer *t)
{
  return &t->spec;
}

uint64_t
ft_trainer_seed (const FtTrainer *t)
{
  return t->seed;
}

FtRng *
ft_trainer_shuffle_rng (FtTrainer *t)
{
  return &t->shuffle_rng;
}

static size_t
output_size (const FtModel *m)
{
  int nd, shape[FT_MAX_DIMS];
  ft_model_output_shape (m, &nd, shape);
  return ft_shape_size (nd, shape);
}

void
ft_trainer_set_features (FtTrainer *t, unsigned mask)
{
  t->features = mask & FT_FEATURES_ALL;
  ft_free (t->fx);
  t->fx = NULL;
  t->capacity = 0; /* buffers sized anew */
}

unsigned
ft_trainer_features (const FtTrainer *t)
{
  return t->features;
}

size_t
ft_trainer_sample_size (const FtTrainer *t)
{
  if (t->features != 0)
    return 2;
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (t->model, &nd, shape);
  return ft_shape_size (nd, shape);
}

bool
ft_trainer_check_dataset (FtTrainer *t, const FtDataset *ds, const char *what, GError **error)
{
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (t->model, &nd, shape);
  char ms[64], ds_shape[64];
  ft_shape_format (nd, shape, ms, sizeof ms);
  ft_shape_format (ds->ndim, ds->shape, ds_shape, sizeof ds_shape);
  if (t->features != 0 && ds->sample_size != 2)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the %s samples have shape %s but the input features (x₁, x₂, x₁², …) need two values",
                   what, ds_shape);
      return false;
    }
  if (t->features == 0 && ft_shape_size (nd, shape) != ds->sample_size)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the %s samples have shape %s but the model's input is %s", what, ds_shape, ms);
      return false;
    }
  if (ds->n == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the %s data has no samples", what);
      return false;
    }
  size_t out = output_size (t->model);
  FtLossKind k = t->spec.loss.kind;
  if (k == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY && (size_t) ds->n_classes > out)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the %s data has %d classes but the last layer has only %zu outputs", what, ds->n_classes,
                   out);
      return false;
    }
  if ((k == FT_LOSS_BINARY_CROSSENTROPY || k == FT_LOSS_MEAN_SQUARED_ERROR) && out != 1
      && (size_t) ds->n_classes != out)
    {
      g_set_error (
          error, FT_ERROR, FT_ERROR_INVALID,
          "%s expects one output per target, but the last layer has %zu outputs for labels with %d classes",
          ft_loss_name (k), out, ds->n_classes);
      return false;
    }
  if (k == FT_LOSS_CATEGORICAL_CROSSENTROPY && (size_t) ds->n_classes > out)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the %s data has %d classes but the last layer has only %zu outputs", what, ds->n_classes,
                   out);
      return false;
    }
  return true;
}

void
ft_trainer_reset_metrics (FtTrainer *t)
{
  ft_metric_reset (&t->loss_tracker);
  for (int i = 0; i < t->n_metrics; i++)
    ft_metric_reset (&t->metrics[i]);
}

/* Keras' pythonify_logs sorts the metric results by name: "accuracy" before "loss". */
static void
metric_logs (const FtMetric *loss, const FtMetric *metrics, int n, const char *prefix, FtLogs *logs)
{
  FtLogs unsorted;
  ft_logs_clear (&unsorted);
  char key[FT_LOG_KEY_MAX];
  g_snprintf (key, sizeof key, "%s%s", prefix, loss->name);
  ft_logs_set (&unsorted, key, ft_metric_result (loss));
  for (int i = 0; i < n; i++)
    {
      g_snprintf (key, sizeof key, "%s%s", prefix, metrics[i].name);
      ft_logs_set (&unsorted, key, ft_metric_result (&metrics[i]));
    }
  const char *keys[FT_LOGS_MAX];
  int count;
  ft_logs_sorted_keys (&unsorted, keys, &count);
  for (int i = 0; i < count; i++)
    {
      double v;
      ft_logs_get (&unsorted, keys[i], &v);
      ft_logs_set (logs, keys[i], v);
    }
}

bool
ft_trainer_metric_state (FtTrainer *t, int i, const char **name, double *total, double *count)
{
  if (i < 0 || i > t->n_metrics)
    return false;
  const FtMetric *m = i == 0 ? &t->loss_tracker : &t->metrics[i - 1];
  if (name)
    *name = m->name;
  if (total)
    *total = m->total;
  if (count)
    *count = m->count;
  return true;
}

void
ft_trainer_metric_logs (FtTrainer *t, const char *prefix, FtLogs *logs)
{
  metric_logs (&t->loss_tracker, t->metrics, t->n_metrics, prefix, logs);
}

/* Grows the buffers (only when a larger batch than ever before arrives). */
static void
ensure_capacity (FtTrainer *t, const FtDataset *ds, uint32_t n)
{
  if (n <= t->capacity)
    return;
  size_t out = output_size (t->model);
  size_t label = out > ds->sample_size ? out : 1;
  (void) label;
  ft_free (t->x);
  ft_free (t->y);
  ft_free (t->sample_weight);
  t->x = ft_alloc ((size_t) n * ds->sample_size * sizeof (float));
  t->y = ft_alloc ((size_t) n * (out > 1 ? out : 1) * sizeof (float));
  t->sample_weight = ft_alloc ((size_t) n * sizeof (float));
  if (t->features != 0)
    {
      ft_free (t->fx);
      t->fx = ft_alloc ((size_t) n * (size_t) ft_features_count (t->features) * sizeof (float));
    }
  t->capacity = n;
}

/* Gathers a batch into x / y tensors shaped for the model and the loss. */
static void
gather (FtTrainer *t, const FtDataset *ds, const uint32_t *idx, uint32_t n, FtTensor *x, FtTensor *y)
{
  ensure_capacity (t, ds, n);
  ft_dataset_gather (ds, idx, n, t->x, t->y);
  int nd, shape[FT_MAX_DIMS + 1];
  ft_model_input_shape (t->model, &nd, shape + 1);
  shape[0] = (int) n;
  if (t->features != 0)
    {
      /* The preprocessing step: the model sees the features of each sample. */
      ft_features_apply (t->features, t->x, n, t->fx);
      ft_tensor_init_view (x, t->fx, nd + 1, shape);
    }
  else
    ft_tensor_init_view (x, t->x, nd + 1, shape);
  size_t out = output_size (t->model);
  FtLossKind k = t->spec.loss.kind;
  if (k == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || out == 1)
    {
      int ys[2] = { (int) n, 1 };
      ft_tensor_init_view (y, t->y, k == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? 1 : 2, ys);
    }
  else
    {
      /* One-hot targets for categorical / binary / MSE over several outputs, expanded in place from
       * the back so the class indices are read before they are overwritten. */
      for (uint32_t i = n; i-- > 0;)
        {
          int label = (int) t->y[i];
          float *row = t->y + (size_t) i * out;
          for (size_t j = out; j-- > 0;)
            row[j] = (int) j == label ? 1.0f : 0.0f;
        }
      int ys[2] = { (int) n, (int) out };
      ft_tensor_init_view (y, t->y, 2, ys);
    }
}

static const float *
sample_weights (FtTrainer *t, const FtDataset *ds, const uint32_t *idx, uint32_t n, const float *class_weight)
{
  if (class_weight == NULL)
    return NULL;
  for (uint32_t i = 0; i < n; i++)
    t->sample_weight[i] = class_weight[(int) ds->labels[idx[i]]];
  return t->sample_weight;
}

/* The loss tracker weighs each batch by its size (unweighted: 1, the pitfall); sample weights reach only
 * the weighted_metrics, as Keras 3's CompileMetrics. */
static void
update_metrics (FtMetric *loss_tracker, FtMetric *metrics, const bool *weighted, int n_metrics, float loss,
                uint32_t n, bool unweighted_mean, FtTensor *y, FtTensor *pred, const float *sw)
{
  ft_metric_update_value (loss_tracker, loss, unweighted_mean ? 1.0 : (double) n);
  for (int i = 0; i < n_metrics; i++)
    ft_metric_update (&metrics[i], y, pred, weighted[i] ? sw : NULL);
}

void
ft_trainer_set_pitfalls (FtTrainer *t, const FtPitfalls *pitfalls)
{
  if (pitfalls)
    t->pitfalls = *pitfalls;
  else
    memset (&t->pitfalls, 0, sizeof t->pitfalls);
}

const FtPitfalls *
ft_trainer_get_pitfalls (const FtTrainer *t)
{
  return &t->pitfalls;
}

bool
ft_trainer_loss_has_regularization (FtTrainer *t)
{
  if (t->pitfalls.on[FT_PITFALL_NO_REGULARIZATION_LOSS])
    return false;
  for (int i = 0; i < ft_model_n_layers (t->model); i++)
    if (ft_model_layer_spec (t->model, i)->kernel_l2 > 0.0f)
      return true;
  return false;
}

/* The loss object a hand-written loop made: from_logits flipped by the mismatch pitfall. */
static FtLossSpec
loop_loss (const FtTrainer *t)
{
  FtLossSpec l = t->spec.loss;
  if (t->pitfalls.on[FT_PITFALL_FROM_LOGITS_MISMATCH])
    l.from_logits = !l.from_logits;
  return l;
}

bool
ft_trainer_train_batch (FtTrainer *t, const FtDataset *ds, const uint32_t *idx, uint32_t n,
                        const float *class_weight, float *batch_loss, GError **error)
{
  FtTensor *x = &t->batch_x, *y = &t->batch_y, *pred = NULL;
  gather (t, ds, idx, n, x, y);
  const float *sw = sample_weights (t, ds, idx, n, class_weight);
  float loss = 0;
  FtStepOptions options = { !t->pitfalls.on[FT_PITFALL_TRAINING_FALSE],
                            !t->pitfalls.on[FT_PITFALL_NO_REGULARIZATION_LOSS], &t->last_penalty };
  FtLossSpec loss_spec = loop_loss (t);
  if (!ft_train_step_with (t->model, t->optimizer, &loss_spec, t->tape, x, y, sw, &options, &loss, &pred,
                           error))
    return false;
  /* The sample weights (class_weight) weigh the loss; Keras 3 gives compiled metrics no sample weights, only
   * weighted_metrics get them (keras/src/trainers/compile_utils.py), as the parity certificate against real
   * Keras showed (training accuracy 0.912 here, 0.674 in Keras, with class_weight {0: 0.3, 1: 2.5}). */
  update_metrics (&t->loss_tracker, t->metrics, t->weighted, t->n_metrics, loss, n,
                  t->pitfalls.on[FT_PITFALL_UNWEIGHTED_BATCH_MEAN], y, pred, sw);
  t->last_pred = pred;
  *batch_loss = loss;
  return true;
}

void
ft_trainer_test_batch (FtTrainer *t, const FtDataset *ds, const uint32_t *idx, uint32_t n)
{
  FtTensor *x = &t->batch_x, *y = &t->batch_y, *pred = NULL;
  gather (t, ds, idx, n, x, y);
  FtStepOptions options = { t->pitfalls.on[FT_PITFALL_VALIDATE_TRAINING_TRUE],
                            !t->pitfalls.on[FT_PITFALL_NO_REGULARIZATION_LOSS], &t->last_penalty };
  FtLossSpec loss_spec = loop_loss (t);
  float loss = ft_test_step_with (t->model, &loss_spec, t->tape, x, y, NULL, &options, &pred);
  update_metrics (&t->test_loss_tracker, t->test_metrics, t->weighted, t->n_metrics, loss, n,
                  t->pitfalls.on[FT_PITFALL_UNWEIGHTED_BATCH_MEAN], y, pred, NULL);
  t->last_pred = pred;
  if (t->test_batch_func)
    t->test_batch_func (t, loss, n, t->test_batch_data);
}

void
ft_trainer_set_test_batch_func (FtTrainer *t, FtTestBatchFunc func, void *user_data)
{
  t->test_batch_func = func;
  t->test_batch_data = user_data;
}

bool
ft_trainer_test_metric_state (FtTrainer *t, int i, const char **name, double *total, double *count)
{
  if (i < 0 || i > t->n_metrics)
    return false;
  const FtMetric *m = i == 0 ? &t->test_loss_tracker : &t->test_metrics[i - 1];
  if (name)
    *name = m->name;
  if (total)
    *total = m->total;
  if (count)
    *count = m->count;
  return true;
}

float
ft_trainer_last_penalty (const FtTrainer *t)
{
  return t->last_penalty;
}

void
ft_trainer_predict_batch (FtTrainer *t, const FtDataset *ds, const uint32_t *idx, uint32_t n, float *out)
{
  gather (t, ds, idx, n, &t->batch_x, &t->batch_y);
  FtTape *tape = t->tape;
  ft_tape_reset (tape);
  ft_tape_stop_recording (tape);
  FtTensor *pred = ft_model_forward (t->model, tape, &t->batch_x, false);
  memcpy (out, pred->data, pred->size * sizeof (float));
  t->last_pred = pred;
}

FtTensor *
ft_trainer_last_predictions (FtTrainer *t)
{
  return t->last_pred;
}

static int
evaluate (FtTrainer *t, const FtDataset *ds, const uint32_t *indices, uint32_t first, uint32_t count,
          int batch_size, const char *prefix, FtLogs *logs)
{
  ft_metric_reset (&t->test_loss_tracker);
  for (int i = 0; i < t->n_metrics; i++)
    ft_metric_reset (&t->test_metrics[i]);
  uint32_t bs = batch_size > 0 ? (uint32_t) batch_size : 32;
  uint32_t *idx = g_new (uint32_t, bs);
  int batches = 0;
  for (uint32_t start = 0; start < count; start += bs)
    {
      uint32_t n = count - start < bs ? count - start : bs;
      for (uint32_t i = 0; i < n; i++)
        idx[i] = indices ? indices[start + i] : first + start + i;
      ft_trainer_test_batch (t, ds, idx, n);
      batches++;
    }
  g_free (idx);
  metric_logs (&t->test_loss_tracker, t->test_metrics, t->n_metrics, prefix, logs);
  return batches;
}

int
ft_trainer_evaluate (FtTrainer *t, const FtDataset *ds, uint32_t first, uint32_t count, int batch_size,
                     const char *prefix, FtLogs *logs)
{
  return evaluate (t, ds, NULL, first, count, batch_size, prefix, logs);
}

int
ft_trainer_evaluate_indices (FtTrainer *t, const FtDataset *ds, const uint32_t *indices, uint32_t count,
                             int batch_size, const char *prefix, FtLogs *logs)
{
  return evaluate (t, ds, indices, 0, count, batch_size, prefix, logs);
}
