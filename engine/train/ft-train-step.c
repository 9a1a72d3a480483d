/* ft-train-step.c — the shared train and test steps (see ft-train-step.h). */
#include "train/ft-train-step.h"

#include "core/ft-blas.h"

static FtTensor *
total_loss (FtModel *model, const FtLossSpec *loss, FtTape *tape, FtTensor *y_pred, FtTensor *y,
            const float *sample_weight, const FtStepOptions *options)
{
  FtTensor *l = ft_op_loss (tape, loss, y_pred, y, sample_weight);
  bool add_regularization = options ? options->add_regularization : true;
  FtTensor *reg = add_regularization ? ft_model_regularization_loss (model, tape) : NULL;
  if (options && options->penalty_out)
    *options->penalty_out = reg ? reg->data[0] : 0.0f;
  return reg ? ft_op_add (tape, l, reg) : l;
}

bool
ft_train_step (FtModel *model, FtOptimizer *optimizer, const FtLossSpec *loss, FtTape *tape, FtTensor *x,
               FtTensor *y, const float *sample_weight, float *loss_out, FtTensor **y_pred_out,
               GError **error)
{
  return ft_train_step_with (model, optimizer, loss, tape, x, y, sample_weight, NULL, loss_out, y_pred_out,
                             error);
}

bool
ft_train_step_with (FtModel *model, FtOptimizer *optimizer, const FtLossSpec *loss, FtTape *tape, FtTensor *x,
                    FtTensor *y, const float *sample_weight, const FtStepOptions *options, float *loss_out,
                    FtTensor **y_pred_out, GError **error)
{
  ft_cpu_flush_denormals ();
  ft_tape_reset (tape);
  FtTensor *y_pred = ft_model_forward (model, tape, x, options ? options->training : true);
  FtTensor *l = total_loss (model, loss, tape, y_pred, y, sample_weight, options);
  int n = ft_model_n_trainable (model);
  bool *connected = ft_tape_alloc (tape, (size_t) (n ? n : 1) * sizeof (bool));
  if (!ft_tape_gradient_into (tape, l, n, ft_model_trainable (model), ft_model_gradients (model), connected,
                              error))
    return false;
  ft_optimizer_apply (optimizer, ft_model_gradients (model), ft_model_trainable (model), connected);
  *loss_out = l->data[0];
  if (y_pred_out)
    *y_pred_out = y_pred;
  return true;
}

float
ft_test_step (FtModel *model, const FtLossSpec *loss, FtTape *tape, FtTensor *x, FtTensor *y,
              const float *sample_weight, FtTensor **y_pred_out)
{
  return ft_test_step_with (model, loss, tape, x, y, sample_weight, NULL, y_pred_out);
}

float
ft_test_step_with (FtModel *model, const FtLossSpec *loss, FtTape *tape, FtTensor *x, FtTensor *y,
                   const float *sample_weight, const FtStepOptions *options, FtTensor **y_pred_out)
{
  ft_cpu_flush_denormals ();
  ft_tape_reset (tape);
  ft_tape_stop_recording (tape);
  FtTensor *y_pred = ft_model_forward (model, tape, x, options ? options->training : false);
  FtTensor *l = total_loss (model, loss, tape, y_pred, y, sample_weight, options);
  if (y_pred_out)
    *y_pred_out = y_pred;
  return l->data[0];
}
