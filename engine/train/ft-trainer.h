/* ft-trainer.h — a compiled model (Keras' model.compile()): the model with its optimizer, loss and
 * metrics, the tape and the batch buffers it trains with, and the run's random state. Both model.fit()
 * (ft-fit.c) and the explicit GradientTape loop (ft-tape-loop.c) drive a trainer through the same
 * batch primitives, so they agree to the last bit. */
#pragma once

#include "data/ft-dataset.h"
#include "data/ft-features.h"
#include "nn/ft-metrics.h"
#include "nn/ft-model.h"
#include "nn/ft-optimizers.h"
#include "train/ft-logs.h"
#include "train/ft-pitfalls.h"

#define FT_MAX_METRICS 4

typedef struct
{
  FtOptimizerSpec optimizer;
  FtLossSpec loss;
  int n_metrics;
  char metrics[FT_MAX_METRICS][32]; /* as given to compile(): "accuracy", "mae", … */
  /* compile(weighted_metrics=[…]): the only metrics that get sample weights (class_weight); compiled
   * `metrics` never do (Keras 3, keras/src/trainers/compile_utils.py, CompileMetrics.update_state). A name
   * also in `metrics` is logged as "weighted_<name>". */
  int n_weighted_metrics;
  char weighted_metrics[FT_MAX_METRICS][32];
} FtCompileSpec;

FtCompileSpec
ft_compile_spec_default (void); /* adam, sparse categorical cross-entropy from logits, accuracy */

typedef struct FtTrainer FtTrainer;

/* Takes ownership of a built model. Fails on an invalid optimizer or metric; the model then stays the
 * caller's. */
FtTrainer *ft_trainer_new (FtModel *model, const FtCompileSpec *spec, uint64_t seed, GError **error);
void ft_trainer_free (FtTrainer *trainer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtTrainer, ft_trainer_free)

FtModel *ft_trainer_model (FtTrainer *trainer);
FtOptimizer *ft_trainer_optimizer (FtTrainer *trainer);
FtTape *ft_trainer_tape (FtTrainer *trainer);
const FtCompileSpec *ft_trainer_compile_spec (const FtTrainer *trainer);
uint64_t ft_trainer_seed (const FtTrainer *trainer);
/* The shuffling generator (stream FT_RNG_STREAM_SHUFFLE of the seed); checkpoints save it. */
FtRng *ft_trainer_shuffle_rng (FtTrainer *trainer);

/* The Playground's input features (ft-features.h) as a preprocessing step of every batch gathered: the
 * data then has two values per sample and the model takes ft_features_count (mask). 0 (the default): none. */
void ft_trainer_set_features (FtTrainer *trainer, unsigned mask);
unsigned ft_trainer_features (const FtTrainer *trainer);
/* Values per sample the data must have: 2 with features, else the model's input size. */
size_t ft_trainer_sample_size (const FtTrainer *trainer);

/* Checks that the dataset fits the model (sample size, label range); the message names both shapes. */
bool ft_trainer_check_dataset (FtTrainer *trainer, const FtDataset *ds, const char *what, GError **error);

/* ---- metric bookkeeping: the loss tracker ("loss", a Mean weighted by batch size) and the compiled
 * metrics; one set for training batches, another for test batches (evaluate resets the latter) ---- */
void ft_trainer_reset_metrics (FtTrainer *trainer);
/* The training metrics' accumulators: i = 0 is the loss tracker, 1 … the compiled metrics (then the
 * weighted ones); false past the last. result = total / count (0 when count is 0). */
bool ft_trainer_metric_state (FtTrainer *trainer, int i, const char **name, double *total, double *count);
/* The training metrics' running results into logs, keys prefixed. */
void ft_trainer_metric_logs (FtTrainer *trainer, const char *prefix, FtLogs *logs);

/* The tape loop's pitfalls that act inside the batch primitives (training flag, sum(model.losses),
 * from_logits, the unweighted batch mean, the validation pass's training flag); NULL = none, as fit(). */
void ft_trainer_set_pitfalls (FtTrainer *trainer, const FtPitfalls *pitfalls);
/* Whether the training loss includes sum(model.losses) (the model has regularizers and the
 * no_regularization_loss pitfall is off). */
bool ft_trainer_loss_has_regularization (FtTrainer *trainer);
/* The pitfalls set by ft_trainer_set_pitfalls (all off for fit()). */
const FtPitfalls *ft_trainer_get_pitfalls (const FtTrainer *trainer);

/* ---- batch primitives ---- */
/* Gathers samples idx[0..n) of ds into the trainer's buffers (no allocation after the first call for a
 * given batch size), then runs ft_train_step; class_weight (n_classes floats or NULL) becomes sample
 * weights. Updates the metrics; *batch_loss gets this batch's loss. Sets *error when the step fails. */
bool ft_trainer_train_batch (FtTrainer *trainer, const FtDataset *ds, const uint32_t *idx, uint32_t n,
                             const float *class_weight, float *batch_loss, GError **error);
/* Inference-mode step on samples idx[0..n): updates the test metrics. */
void ft_trainer_test_batch (FtTrainer *trainer, const FtDataset *ds, const uint32_t *idx, uint32_t n);
/* Predictions for samples idx[0..n) into out (n × output size). */
void ft_trainer_predict_batch (FtTrainer *trainer, const FtDataset *ds, const uint32_t *idx, uint32_t n,
                               float *out);
/* The batch's predictions after the last train/test batch (valid until the next one). */
FtTensor *ft_trainer_last_predictions (FtTrainer *trainer);

/* An observer of every test batch (validation passes, evaluate): called after the test metrics took the
 * batch, with its loss and size; ft_trainer_test_metric_state reads the accumulators then. NULL clears. */
typedef void (*FtTestBatchFunc) (FtTrainer *trainer, float loss, uint32_t n, void *user_data);
void ft_trainer_set_test_batch_func (FtTrainer *trainer, FtTestBatchFunc func, void *user_data);
/* The test metrics' accumulators, as ft_trainer_metric_state for the training ones. */
bool ft_trainer_test_metric_state (FtTrainer *trainer, int i, const char **name, double *total,
                                   double *count);
/* The regularization penalty (sum(model.losses)) inside the last train or test batch's loss; 0 without one.
 */
float ft_trainer_last_penalty (const FtTrainer *trainer);

/* Keras' evaluate(): resets the test metrics, runs samples [first, first+count) of ds in order in
 * batches, fills logs with the results under prefix. Returns the number of batches. */
int ft_trainer_evaluate (FtTrainer *trainer, const FtDataset *ds, uint32_t first, uint32_t count,
                         int batch_size, const char *prefix, FtLogs *logs);
/* The same over the samples indices[0..count) of ds, in that order. */
int ft_trainer_evaluate_indices (FtTrainer *trainer, const FtDataset *ds, const uint32_t *indices,
                                 uint32_t count, int batch_size, const char *prefix, FtLogs *logs);
