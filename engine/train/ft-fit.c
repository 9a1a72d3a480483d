/* ft-fit.c — Keras 3's model.fit(), evaluate() and predict() (keras/src/backend/tensorflow/trainer.py),
 * built on the trainer's batch primitives. */
#include "train/ft-fit.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

FtFitArgs
ft_fit_args_default (void)
{
  FtFitArgs a;
  memset (&a, 0, sizeof a);
  a.batch_size = 32;
  a.epochs = 1;
  a.shuffle = true;
  a.validation_freq = 1;
  return a;
}

bool
ft_fit_args_validate (const FtFitArgs *a, GError **error)
{
#define FAIL(...) FT_RETURN_INVALID (error, __VA_ARGS__)
  if (a->batch_size < 1 || a->batch_size > 1 << 20)
    FAIL ("batch_size must be between 1 and 1048576, not %d", a->batch_size);
  if (a->epochs < 1 || a->epochs > 100000)
    FAIL ("epochs must be between 1 and 100000, not %d", a->epochs);
  if (a->initial_epoch < 0 || a->initial_epoch >= a->epochs)
    FAIL ("initial_epoch must be between 0 and epochs − 1 (%d), not %d", a->epochs - 1, a->initial_epoch);
  if (!(a->validation_split >= 0.0 && a->validation_split < 1.0))
    FAIL ("validation_split must be in [0, 1), not %g", a->validation_split);
  if (a->validation_freq < 1)
    FAIL ("validation_freq must be at least 1, not %d", a->validation_freq);
  if (a->steps_per_epoch < 0)
    FAIL ("steps_per_epoch must not be negative");
  for (int i = 0; i < a->n_class_weight; i++)
    if (!(a->class_weight[i] >= 0.0f) || !isfinite (a->class_weight[i]))
      FAIL ("class_weight for class %d must be a non-negative number", i);
  return true;
#undef FAIL
}

void
ft_epoch_order (uint32_t *idx, uint32_t n, bool shuffle, FtRng *rng)
{
  for (uint32_t i = 0; i < n; i++)
    idx[i] = i;
  if (shuffle)
    ft_rng_shuffle (rng, idx, n);
}

bool
ft_fit_check_class_weight (const FtFitArgs *args, const FtDataset *data, GError **error)
{
  if (args->class_weight == NULL)
    return true;
  if (args->n_class_weight < data->n_classes)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "class_weight gives %d classes but the data has %d",
                   args->n_class_weight, data->n_classes);
      return false;
    }
  return true;
}

bool
ft_fit_prepare (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, bool split,
                uint32_t *n_train, const FtDataset **val, uint32_t *val_first, uint32_t *val_count,
                GError **error)
{
  if (!ft_fit_args_validate (args, error) || !ft_trainer_check_dataset (trainer, data, "training", error)
      || !ft_fit_check_class_weight (args, data, error))
    return false;
  if (args->validation_data
      && !ft_trainer_check_dataset (trainer, args->validation_data, "validation", error))
    return false;
  *n_train = data->n;
  *val = NULL;
  *val_first = *val_count = 0;
  if (args->validation_data)
    {
      *val = args->validation_data;
      *val_count = args->validation_data->n;
    }
  else if (split && args->validation_split > 0)
    {
      *n_train = ft_dataset_split_point (data, args->validation_split);
      if (*n_train == 0 || *n_train == data->n)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "validation_split %g of %u samples leaves an empty training or validation set",
                       args->validation_split, data->n);
          return false;
        }
      *val = data;
      *val_first = *n_train;
      *val_count = data->n - *n_train;
    }
  return true;
}

FtFitContext *
ft_fit_context_begin (FtFitContext *ctx_in, FtFitContext *local_ctx, FtTrainer *trainer, int epochs,
                      int steps, bool report_progress)
{
  FtFitContext *ctx = ctx_in ? ctx_in : local_ctx;
  if (!ctx_in)
    memset (ctx, 0, sizeof *ctx);
  /* Per-run state starts fresh, as Keras sets stop_training = False before on_train_begin; a Stop the
   * caller already asked for (abort) stands. */
  ctx->stop_training = false;
  ctx->stopped_early = false;
  ctx->stopped_epoch = 0;
  ctx->terminated_nan = false;
  ctx->failed = false;
  g_clear_error (&ctx->error);
  ctx->samples_seen = 0;
  ctx->last_checkpoint[0] = '\0';
  ctx->trainer = trainer;
  ctx->epochs = epochs;
  ctx->steps = steps;
  ctx->report_progress = report_progress;
  return ctx;
}

/* One epoch's batches in order, each a train step between the callbacks' batch_begin and batch_end;
 * returns the number of steps run (a failed one included). */
static int
fit_batches (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, GPtrArray *callbacks,
             FtFitContext *ctx, const uint32_t *order, uint32_t n_train, int steps, FtLogs *logs)
{
  uint32_t bs = (uint32_t) args->batch_size;
  int step = 0;
  for (; step < steps; step++)
    {
      ft_callbacks_batch_begin (callbacks, ctx, step);
      if (ctx->abort)
        break;
      uint32_t start = (uint32_t) step * bs;
      uint32_t n = n_train - start < bs ? n_train - start : bs;
      GError *local = NULL;
      if (!ft_trainer_train_batch (trainer, data, order + start, n, args->class_weight, &ctx->batch_loss,
                                   &local))
        {
          ctx->failed = true;
          ctx->error = local;
          break;
        }
      ctx->batch_size = n;
      ctx->batch_idx = order + start;
      ctx->samples_seen += n;
      ft_logs_clear (logs);
      ft_trainer_metric_logs (trainer, "", logs);
      ft_callbacks_batch_end (callbacks, ctx, step, logs);
      if (ctx->stop_training || ctx->abort || ctx->failed)
        {
          step++;
          break;
        }
    }
  return step;
}

bool
ft_fit (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, GPtrArray *callbacks,
        FtHistory *history, FtFitContext *ctx_in, GError **error)
{
  /* validation_split: the last samples, before any shuffling; validation_data wins. */
  uint32_t n_train, val_first, val_count;
  const FtDataset *val;
  if (!ft_fit_prepare (trainer, data, args, true, &n_train, &val, &val_first, &val_count, error))
    return false;
  uint32_t bs = (uint32_t) args->batch_size;
  int steps = (int) ((n_train + bs - 1) / bs);
  if (args->steps_per_epoch > 0 && args->steps_per_epoch < steps)
    steps = args->steps_per_epoch;
  FtFitContext local_ctx;
  FtFitContext *ctx = ft_fit_context_begin (ctx_in, &local_ctx, trainer, args->epochs, steps, true);

  uint32_t *order = g_new (uint32_t, n_train);
  FtLogs logs, epoch_logs;
  ft_logs_clear (&epoch_logs);
  ft_callbacks_train_begin (callbacks, ctx);
  for (int epoch = args->initial_epoch; epoch < args->epochs && !ctx->failed && !ctx->abort; epoch++)
    {
      ctx->epoch = epoch;
      ft_trainer_reset_metrics (trainer);
      ft_callbacks_epoch_begin (callbacks, ctx, epoch);
      ft_epoch_order (order, n_train, args->shuffle, ft_trainer_shuffle_rng (trainer));
      ft_logs_clear (&logs);
      int step = fit_batches (trainer, data, args, callbacks, ctx, order, n_train, steps, &logs);
      if (ctx->abort || (ctx->failed && step == 0))
        break;
      ft_logs_clear (&epoch_logs);
      ft_trainer_metric_logs (trainer, "", &epoch_logs);
      if (val != NULL && (epoch + 1) % args->validation_freq == 0)
        {
          ft_callbacks_test_begin (callbacks, ctx);
          FtLogs val_logs;
          ft_logs_clear (&val_logs);
          ft_trainer_evaluate (trainer, val, val_first, val_count, args->batch_size, "val_", &val_logs);
          ft_callbacks_test_end (callbacks, ctx, &val_logs);
          for (int i = 0; i < val_logs.n; i++)
            ft_logs_set (&epoch_logs, val_logs.items[i].key, val_logs.items[i].value);
        }
      ft_callbacks_epoch_end (callbacks, ctx, epoch, &epoch_logs);
      if (history)
        ft_history_append (history, epoch, &epoch_logs);
      if (ctx->stop_training)
        break;
    }
  ft_callbacks_train_end (callbacks, ctx, &epoch_logs);
  g_free (order);
  if (ctx->failed)
    {
      if (ctx->error && error)
        *error = g_error_copy (ctx->error);
      g_clear_error (&ctx->error);
      return false;
    }
  return true;
}

bool
ft_evaluate (FtTrainer *trainer, const FtDataset *data, int batch_size, FtLogs *logs, GError **error)
{
  if (!ft_trainer_check_dataset (trainer, data, "evaluation", error))
    return false;
  ft_logs_clear (logs);
  ft_trainer_evaluate (trainer, data, 0, data->n, batch_size, "", logs);
  return true;
}

float *
ft_predict (FtTrainer *trainer, const FtDataset *data, int batch_size, size_t *n_values, GError **error)
{
  if (!ft_trainer_check_dataset (trainer, data, "prediction", error))
    return NULL;
  int nd, shape[FT_MAX_DIMS];
  ft_model_output_shape (ft_trainer_model (trainer), &nd, shape);
  size_t per = ft_shape_size (nd, shape);
  float *out = g_new (float, (size_t) data->n *per);
  uint32_t bs = batch_size > 0 ? (uint32_t) batch_size : 32;
  uint32_t *idx = g_new (uint32_t, bs);
  for (uint32_t start = 0; start < data->n; start += bs)
    {
      uint32_t n = data->n - start < bs ? data->n - start : bs;
      for (uint32_t i = 0; i < n; i++)
        idx[i] = start + i;
      ft_trainer_predict_batch (trainer, data, idx, n, out + (size_t) start * per);
    }
  g_free (idx);
  *n_values = (size_t) data->n * per;
  return out;
}
