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

static const char *const default_names[FT_N_METRICS] = {
  "mean",
  "sparse_categorical_accuracy",
  "categorical_accuracy",
  "binary_accuracy",
  "mean_squared_error",
  "mean_absolute_error",
};

void
ft_metric_init (FtMetric *m, FtMetricKind kind, const char *name)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail ((int) kind >= 0 && kind < FT_N_METRICS);
  memset (m, 0, sizeof *m);
  m->kind = kind;
  g_strlcpy (m->name, name != NULL ? name : default_names[kind], sizeof m->name);
  m->threshold = 0.5f;
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

typedef struct
{
  const char *name;
  FtMetricKind kind;
} NamedMetric;

/* Keras' metrics.get() names for the metrics FitTape has (snake_case functions, aliases and classes). */
static const NamedMetric named_metrics[] = {
  { "sparse_categorical_accuracy", FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
  { "SparseCategoricalAccuracy", FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
  { "categorical_accuracy", FT_METRIC_CATEGORICAL_ACCURACY },
  { "CategoricalAccuracy", FT_METRIC_CATEGORICAL_ACCURACY },
  { "binary_accuracy", FT_METRIC_BINARY_ACCURACY },
  { "BinaryAccuracy", FT_METRIC_BINARY_ACCURACY },
  { "mse", FT_METRIC_MEAN_SQUARED_ERROR },
  { "mean_squared_error", FT_METRIC_MEAN_SQUARED_ERROR },
  { "MeanSquaredError", FT_METRIC_MEAN_SQUARED_ERROR },
  { "mae", FT_METRIC_MEAN_ABSOLUTE_ERROR },
  { "mean_absolute_error", FT_METRIC_MEAN_ABSOLUTE_ERROR },
  { "MeanAbsoluteError", FT_METRIC_MEAN_ABSOLUTE_ERROR },
};

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
      found = FT_METRIC_MEAN;
      for (size_t i = 0; i < G_N_ELEMENTS (named_metrics); i++)
        if (strcmp (name, named_metrics[i].name) == 0)
          {
            found = named_metrics[i].kind;
            ok = true;
            break;
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
