/* ft-train-step.h — Keras' train_step and test_step, written only with the public tape API: the one step
 * that both model.fit() and the explicit GradientTape loop run. */
#pragma once

#include "nn/ft-metrics.h"
#include "nn/ft-model.h"
#include "nn/ft-optimizers.h"

/* Resets tape, then: y_pred = model(x, training=True) recorded on the tape; loss = compiled loss (mean
 * over the batch, sample-weighted) + regularisation losses; gradients of the loss w.r.t. every trainable
 * variable into the model's gradient tensors; optimizer.apply. *loss_out gets the loss, *y_pred_out (may
 * be NULL) the predictions, valid until the tape is reset. Allocation-free after the first steps. */
bool ft_train_step (FtModel *model, FtOptimizer *optimizer, const FtLossSpec *loss, FtTape *tape, FtTensor *x,
                    FtTensor *y, const float *sample_weight, float *loss_out, FtTensor **y_pred_out,
                    GError **error);

/* Resets tape (and stops it recording): y_pred = model(x, training=False); returns the loss including
 * regularisation, as Keras' test_step. */
float ft_test_step (FtModel *model, const FtLossSpec *loss, FtTape *tape, FtTensor *x, FtTensor *y,
                    const float *sample_weight, FtTensor **y_pred_out);

/* How a hand-written step may deviate from Keras' (the tape loop's pitfalls): the training flag of the
 * model call, and whether the loss adds sum(model.losses). ft_train_step and ft_test_step are these with
 * Keras' values (training True / False, regularization added). */
typedef struct
{
  bool training;
  bool add_regularization;
  float *penalty_out; /* when not NULL: the regularization penalty added to the loss (0 when none is) */
} FtStepOptions;

bool ft_train_step_with (FtModel *model, FtOptimizer *optimizer, const FtLossSpec *loss, FtTape *tape,
                         FtTensor *x, FtTensor *y, const float *sample_weight, const FtStepOptions *options,
                         float *loss_out, FtTensor **y_pred_out, GError **error);
float ft_test_step_with (FtModel *model, const FtLossSpec *loss, FtTape *tape, FtTensor *x, FtTensor *y,
                         const float *sample_weight, const FtStepOptions *options, FtTensor **y_pred_out);
