/* ft-metrics.c — Keras metrics as sample-weighted means (see ft-metrics.h).
 *
 * As in keras/src/metrics/{accuracy_metrics,regression_metrics,reduction_metrics}.py: the metric function
 * gives values per position (N, …); Mean reduces them to one value per sample (the mean over every axis but
 * the batch axis), then total += Σ w·value and count += Σ w (count += N without weights); the result is
 * total / count, or 0 when count is 0 (divide_no_nan).
 *
 *   sparse categorical accuracy  (float) argmax(y_pred, last axis) == y_true   (exact float comparison)
 *   categorical accuracy         argmax(y_true) == argmax(y_pred), both along the last axis
 *   binary accuracy              (y_pred > threshold ? 1 : 0) == y_true, mean over the last axis
 *   mean squared / absolute error  mean over the last axis of (y_true − y_pred)² / |y_true − y_pred|
 *
 * Ties in argmax go to the first index (as TensorFlow and NumPy). Per-sample values are accumulated in
 * double. */
#include "nn/ft-metrics.h"

#include <math.h>
#include <string.h>

/* The descriptor table: class name, the default name (the log key Keras gives it), and the parameters of
 * its constructor FitTape keeps (BinaryAccuracy's threshold). compile() takes names, not objects, so the
 * experiment JSON has no parameters of metrics. */
/* clang-format off */
static const FtParam binary_accuracy_params[] = {
  { "threshold", FT_PARAM_FLOAT, G_STRUCT_OFFSET (FtMetric, threshold), FT_PARAM_UI_HIDDEN, FT_RANGE_UNIT,
    .def = 0.5, .label = "Threshold", .hint = "a prediction above it counts as 1" },
};
static const FtKindInfo kind_infos[] = {
  [FT_METRIC_MEAN] = { "Mean", "mean", "mean", "the weighted mean of the values it is given", NULL, NULL, 0 },
  [FT_METRIC_SPARSE_CATEGORICAL_ACCURACY] = { "SparseCategoricalAccuracy", "sparse_categorical_accuracy",
                                              "sparse_categorical_accuracy",
                                              "how often the top class is the integer label", NULL, NULL, 0 },
  [FT_METRIC_CATEGORICAL_ACCURACY] = { "CategoricalAccuracy", "categorical_accuracy", "categorical_accuracy",
                                       "how often the top class is the one-hot label's", NULL, NULL, 0 },
  [FT_METRIC_BINARY_ACCURACY] = { "BinaryAccuracy", "binary_accuracy", "binary_accuracy",
                                  "how often the thresholded prediction equals the 0/1 label", NULL,
                                  FT_PARAMS (binary_accuracy_params) },
  [FT_METRIC_MEAN_SQUARED_ERROR] = { "MeanSquaredError", "mean_squared_error", "mean_squared_error",
                                     "the mean of the squared differences", NULL, NULL, 0, "mse" },
  [FT_METRIC_MEAN_ABSOLUTE_ERROR] = { "MeanAbsoluteError", "mean_absolute_error", "mean_absolute_error",
                                      "the mean of the absolute differences", NULL, NULL, 0, "mae" },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_infos) == FT_N_METRICS);
/* clang-format on */

const FtKindInfo *
ft_metric_kind_info (FtMetricKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_METRICS, NULL);
  return &kind_infos[kind];
}

void
ft_metric_init (FtMetric *m, FtMetricKind kind, const char *name)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail ((int) kind >= 0 && kind < FT_N_METRICS);
  memset (m, 0, sizeof *m);
  m->kind = kind;
  g_strlcpy (m->name, name != NULL ? name : kind_infos[kind].json_name, sizeof m->name);
  m->threshold = 0.5f; /* every kind has it (BinaryAccuracy's default); the table's kind sets its own */
  ft_params_set_defaults (&kind_infos[kind], m);
  m->total = 0.0;
  m->count = 0.0;
}

void
ft_metric_reset (FtMetric *m)
{
  g_return_if_fail (m != NULL);
  m->total = 0.0;
  m->count = 0.0;
}

void
ft_metric_update_value (FtMetric *m, double value, double weight)
{
  g_return_if_fail (m != NULL);
  m->total += value * weight;
  m->count += weight;
}

double
ft_metric_result (const FtMetric *m)
{
  g_return_val_if_fail (m != NULL, 0.0);
  return m->count != 0.0 ? m->total / m->count : 0.0;
}

static size_t
argmax (const float *x, size_t n)
{
  size_t best = 0;
  for (size_t j = 1; j < n; j++)
    if (x[j] > x[best])
      best = j;
  return best;
}

/* The metric's value for one sample: the mean over its positions. */
static double
sample_value (const FtMetric *m, const float *t, const float *p, size_t per_sample, size_t classes)
{
  double sum = 0.0;
  switch (m->kind)
    {
    case FT_METRIC_SPARSE_CATEGORICAL_ACCURACY:
      {
        size_t positions = per_sample / classes;
        for (size_t q = 0; q < positions; q++)
          sum += (float) argmax (p + q * classes, classes) == t[q] ? 1.0 : 0.0;
        return sum / (double) positions;
      }
    case FT_METRIC_CATEGORICAL_ACCURACY:
      {
        size_t positions = per_sample / classes;
        for (size_t q = 0; q < positions; q++)
          sum += argmax (t + q * classes, classes) == argmax (p + q * classes, classes) ? 1.0 : 0.0;
        return sum / (double) positions;
      }
    case FT_METRIC_BINARY_ACCURACY:
      for (size_t j = 0; j < per_sample; j++)
        sum += (p[j] > m->threshold ? 1.0f : 0.0f) == t[j] ? 1.0 : 0.0;
      return sum / (double) per_sample;
    case FT_METRIC_MEAN_SQUARED_ERROR:
      for (size_t j = 0; j < per_sample; j++)
        {
          double d = (double) t[j] - (double) p[j];
          sum += d * d;
        }
      return sum / (double) per_sample;
    case FT_METRIC_MEAN_ABSOLUTE_ERROR:
      for (size_t j = 0; j < per_sample; j++)
        sum += fabs ((double) t[j] - (double) p[j]);
      return sum / (double) per_sample;
    case FT_METRIC_MEAN:
    case FT_N_METRICS:
      break;
    }
  g_return_val_if_reached (0.0);
}

void
ft_metric_update (FtMetric *m, const FtTensor *y_true, const FtTensor *y_pred, const float *sample_weight)
{
  g_return_if_fail (m != NULL && y_true != NULL && y_pred != NULL);
  g_return_if_fail (m->kind != FT_METRIC_MEAN && (int) m->kind >= 0 && m->kind < FT_N_METRICS);
  g_return_if_fail (y_pred->ndim >= 1);

  size_t n = (size_t) y_pred->shape[0];
  if (n == 0)
    return;
  size_t per_sample = y_pred->size / n;
  /* (N,) predictions are read as (N, 1): one value per sample. */
  size_t classes = y_pred->ndim >= 2 ? (size_t) y_pred->shape[y_pred->ndim - 1] : 1;
  g_return_if_fail (per_sample > 0 && classes > 0);

  size_t true_per_sample;
  if (m->kind == FT_METRIC_SPARSE_CATEGORICAL_ACCURACY)
    {
      /* One class index per position: y_true (N), (N, 1) or (N, …) without the class axis. */
      g_return_if_fail (y_pred->ndim >= 2);
      g_return_if_fail (y_true->size * classes == y_pred->size);
      true_per_sample = per_sample / classes;
    }
  else
    {
      g_return_if_fail (y_true->size == y_pred->size);
      true_per_sample = per_sample;
    }

  double total = 0.0, count = 0.0;
  for (size_t s = 0; s < n; s++)
    {
      double v = sample_value (m, y_true->data + s * true_per_sample, y_pred->data + s * per_sample,
                               per_sample, classes);
      double w = sample_weight != NULL ? (double) sample_weight[s] : 1.0;
      total += w * v;
      count += w;
    }
  m->total += total;
  m->count += count;
}

bool
ft_metric_from_name (const char *name, FtLossKind loss, FtMetricKind *kind, char *key, size_t key_size)
{
  g_return_val_if_fail (name != NULL, false);
  FtMetricKind found = FT_METRIC_MEAN;
  bool ok = false;

  if (g_ascii_strcasecmp (name, "accuracy") == 0 || g_ascii_strcasecmp (name, "acc") == 0)
    {
      ok = true;
      switch (loss)
        {
        case FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
          found = FT_METRIC_SPARSE_CATEGORICAL_ACCURACY;
          break;
        case FT_LOSS_CATEGORICAL_CROSSENTROPY:
          found = FT_METRIC_CATEGORICAL_ACCURACY;
          break;
        case FT_LOSS_BINARY_CROSSENTROPY:
          found = FT_METRIC_BINARY_ACCURACY;
          break;
        case FT_LOSS_MEAN_SQUARED_ERROR:
          /* Keras picks by shapes: a (N, 1) output gives BinaryAccuracy, the usual regression case. */
          found = FT_METRIC_BINARY_ACCURACY;
          break;
        case FT_N_LOSSES:
          ok = false;
          found = FT_METRIC_MEAN;
          break;
        }
    }
  else
    {
      /* Keras' metrics.get() names: the snake_case function, the class and the short alias (the
       * table's label). Mean is only a class FitTape uses for the loss. */
      found = FT_METRIC_MEAN;
      for (int k = FT_METRIC_MEAN + 1; k < FT_N_METRICS && !ok; k++)
        {
          const FtKindInfo *info = &kind_infos[k];
          if (strcmp (name, info->json_name) == 0 || strcmp (name, info->name) == 0
              || (info->label != NULL && strcmp (name, info->label) == 0))
            {
              found = (FtMetricKind) k;
              ok = true;
            }
        }
    }

  if (!ok)
    return false;
  if (kind != NULL)
    *kind = found;
  /* Keras names a metric given as a string by that very string (compile_utils.get_metric). */
  if (key != NULL && key_size > 0)
    g_strlcpy (key, name, key_size);
  return true;
}
