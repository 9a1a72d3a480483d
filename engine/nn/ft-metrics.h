/* ft-metrics.h — Keras metrics with the reset / update / result life cycle: Mean, accuracies and
 * regression errors, as sample-weighted means. Plain structs: updating allocates nothing. */
#pragma once

#include "core/ft-param.h"
#include "ops/ft-ops.h"

typedef enum
{
  FT_METRIC_MEAN,
  FT_METRIC_SPARSE_CATEGORICAL_ACCURACY,
  FT_METRIC_CATEGORICAL_ACCURACY,
  FT_METRIC_BINARY_ACCURACY,
  FT_METRIC_MEAN_SQUARED_ERROR,
  FT_METRIC_MEAN_ABSOLUTE_ERROR,
  FT_N_METRICS
} FtMetricKind;

typedef struct
{
  FtMetricKind kind;
  char name[48];   /* the log key: "accuracy", "loss", "mean_absolute_error", … */
  float threshold; /* binary accuracy: 0.5 */
  double total;    /* accumulated in double (Keras uses float32; FitTape keeps more bits on purpose) */
  double count;
} FtMetric;

/* The descriptor table of a kind: class name ("BinaryAccuracy"), default name and log key (json_name,
 * keras_name: "binary_accuracy"), short alias (label: "mse"), parameters (the threshold). */
const FtKindInfo *ft_metric_kind_info (FtMetricKind kind);
void ft_metric_init (FtMetric *m, FtMetricKind kind, const char *name);
void ft_metric_reset (FtMetric *m);
/* Mean: adds value with weight. */
void ft_metric_update_value (FtMetric *m, double value, double weight);
/* Others: y_true as for ft_op_loss (class indices for sparse accuracy), y_pred (N, …); sample_weight (N
 * floats) may be NULL. As Keras does, the metric function gives values per position (accuracies compare
 * argmaxes along the last axis; binary accuracy, MSE and MAE take the mean over the last axis), each sample's
 * value is the mean of its positions, and total += w·value, count += w. */
void ft_metric_update (FtMetric *m, const FtTensor *y_true, const FtTensor *y_pred,
                       const float *sample_weight);
double ft_metric_result (const FtMetric *m);

/* Resolves a compile() metric name: "accuracy"/"acc" (any case) follows the loss (sparse categorical,
 * categorical or binary accuracy; binary for an MSE loss, as Keras picks for a (N, 1) output);
 * "mse"/"mean_squared_error", "mae"/"mean_absolute_error", the explicit accuracy names and Keras' class
 * names. The key is the name as given, as in Keras' compile_utils.get_metric ("acc" logs as "acc"). */
bool ft_metric_from_name (const char *name, FtLossKind loss, FtMetricKind *kind, char *key, size_t key_size);
