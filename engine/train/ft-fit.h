/* ft-fit.h — Keras' model.fit(): batching, shuffling every epoch, the validation split taken from the
 * end of the data before shuffling, validation each epoch, metric bookkeeping, class weights, callbacks
 * and stop_training; with evaluate() and predict() beside it. Written only with the trainer's batch
 * primitives, which are the public tape API: fit() is the tape loop plus bookkeeping. */
#pragma once

#include "train/ft-callbacks.h"

typedef struct
{
  int batch_size;                   /* 32 */
  int epochs;                       /* 1 */
  bool shuffle;                     /* true */
  double validation_split;          /* 0: the last fraction of the samples, before shuffling */
  const FtDataset *validation_data; /* overrides validation_split */
  int initial_epoch;                /* 0 */
  int validation_freq;              /* 1 */
  int steps_per_epoch;              /* 0 = the whole training set */
  float *class_weight;              /* n_class_weight floats indexed by class, or NULL */
  int n_class_weight;
} FtFitArgs;

FtFitArgs ft_fit_args_default (void);
/* Rejects absurd values (batch size < 1, epochs < 1 or > 100000, split outside [0, 1), …). */
bool ft_fit_args_validate (const FtFitArgs *args, GError **error);
/* class_weight must give a weight for every class of the data. */
bool ft_fit_check_class_weight (const FtFitArgs *args, const FtDataset *data, GError **error);

/* Trains; appends each epoch's logs to history (may be NULL); callbacks is a GPtrArray of FtCallback*
 * (may be NULL). Returns false with an error when training failed (a callback failed, invalid data);
 * stop_training and TerminateOnNaN end it normally (see ctx). ctx may be NULL; when given, the caller
 * fills nothing but may set ctx->abort from a callback to stop within one batch. */
bool ft_fit (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, GPtrArray *callbacks,
             FtHistory *history, FtFitContext *ctx, GError **error);

/* Keras' evaluate() on a whole dataset: logs get "loss" and the metrics. */
bool ft_evaluate (FtTrainer *trainer, const FtDataset *data, int batch_size, FtLogs *logs, GError **error);

/* Keras' predict(): outputs for every sample (n × output size floats, g_free). */
float *ft_predict (FtTrainer *trainer, const FtDataset *data, int batch_size, size_t *n_values,
                   GError **error);

/* Shared by fit() and the tape loop. */

/* Checks the arguments and the data, and works out the validation data: validation_data when given,
 * else (when split) the last validation_split of the samples, taken before any shuffling. *n_train gets
 * the samples that train; *val (NULL when none), *val_first and *val_count the validation samples. */
bool ft_fit_prepare (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, bool split,
                     uint32_t *n_train, const FtDataset **val, uint32_t *val_first, uint32_t *val_count,
                     GError **error);
/* The run's context: the caller's (per-run fields reset, a requested abort kept) or local_ctx zeroed. */
FtFitContext *ft_fit_context_begin (FtFitContext *ctx_in, FtFitContext *local_ctx, FtTrainer *trainer,
                                    int epochs, int steps, bool report_progress);

/* The epoch's sample order over [0, n) (identity, or a new Fisher–
 * Yates permutation drawn from rng when shuffle). */
void ft_epoch_order (uint32_t *idx, uint32_t n, bool shuffle, FtRng *rng);
