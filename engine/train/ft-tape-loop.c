/* ft-tape-loop.c — the explicit GradientTape loop of TensorFlow's "writing a training loop from scratch"
 * and "quickstart advanced": every piece of bookkeeping fit() does for you is written out here as its
 * own step, each of which can be switched off to show what goes wrong without it. */
#include "train/ft-tape-loop.h"

#include "train/ft-checkpoint.h"

#include <math.h>
#include <string.h>

static const char *const step_names[] = {
  "batching", "shuffle", "split", "validate", "reset_metrics", "early_stopping", "checkpoint", "progress",
};

FtLoopSteps
ft_loop_steps_all (void)
{
  FtLoopSteps s = { true, true, true, true, true, true, true, true };
  return s;
}

int
ft_loop_n_steps (void)
{
  return (int) G_N_ELEMENTS (step_names);
}

const char *
ft_loop_step_name (int i)
{
  g_return_val_if_fail (i >= 0 && i < ft_loop_n_steps (), NULL);
  return step_names[i];
}

bool *
ft_loop_step_flag (FtLoopSteps *s, int i)
{
  bool *flags[] = { &s->batching, &s->shuffle,        &s->split,      &s->validate,
                    &s->reset_metrics, &s->early_stopping, &s->checkpoint, &s->progress };
  g_return_val_if_fail (i >= 0 && i < ft_loop_n_steps (), NULL);
  return flags[i];
}

/* The hand-written "is it still improving?" check: a best value, a patience counter and, optionally, a
 * copy of the best weights — what a user writes instead of the EarlyStopping callback. */
typedef struct
{
  const FtCallbackSpec *spec;
  bool greater;
  double best;
  int wait;
  float *best_weights;
} ImprovementCheck;

static bool
improved (const ImprovementCheck *c, double value, double reference)
{
  double delta = fabs (c->spec->min_delta);
  return c->greater ? value - delta > reference : value + delta < reference;
}

/* Returns true when training should stop. */
static bool
still_improving_check (ImprovementCheck *c, FtModel *model, int epoch, const FtLogs *logs)
{
  double value;
  if (!ft_logs_get (logs, c->spec->monitor, &value) || epoch < c->spec->start_from_epoch)
    return false;
  if (c->spec->restore_best_weights && c->best_weights == NULL)
    {
      c->best_weights = g_new (float, ft_model_n_params (model));
      ft_model_get_weights (model, c->best_weights);
    }
  c->wait++;
  if (improved (c, value, c->best))
    {
      c->best = value;
      if (c->spec->restore_best_weights)
        ft_model_get_weights (model, c->best_weights);
      if (!c->spec->has_baseline || improved (c, value, c->spec->baseline))
        c->wait = 0;
      return false;
    }
  return c->wait >= c->spec->patience && epoch > 0;
}

/* The hand-written checkpoint: save every epoch, or only when the monitored value beats the best. */
static bool
save_checkpoint (FtTrainer *trainer, const FtCallbackSpec *spec, bool greater, double *best, int epoch,
                 const FtLogs *logs, FtFitContext *ctx, GError **error)
{
  if (spec->save_best_only)
    {
      double value;
      if (!ft_logs_get (logs, spec->monitor, &value) || !(greater ? value > *best : value < *best))
        return true;
      *best = value;
    }
  char path[512];
  if (!ft_format_checkpoint_path (spec->filepath, epoch + 1, 0, logs, path, sizeof path, error))
    return false;
  if (!ft_checkpoint_save (trainer, path, spec->save_weights_only, epoch + 1, error))
    return false;
  g_strlcpy (ctx->last_checkpoint, path, sizeof ctx->last_checkpoint);
  return true;
}

bool
ft_tape_loop (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, const FtLoopSteps *steps,
              const FtCallbackSpec *es_spec, const FtCallbackSpec *ckpt_spec, GPtrArray *observers,
              FtHistory *history, FtFitContext *ctx_in, GError **error)
{
  FtModel *model = ft_trainer_model (trainer);

  /* The train/validation split: the last fraction of the data, taken before shuffling. */
  uint32_t n_train, val_first, val_count;
  const FtDataset *val;
  if (!ft_fit_prepare (trainer, data, args, steps->split, &n_train, &val, &val_first, &val_count, error))
    return false;

  /* Batching: without it, the whole training set is one batch. */
  uint32_t batch_size = steps->batching ? (uint32_t) args->batch_size : n_train;
  int n_batches = (int) ((n_train + batch_size - 1) / batch_size);
  if (steps->batching && args->steps_per_epoch > 0 && args->steps_per_epoch < n_batches)
    n_batches = args->steps_per_epoch;

  FtFitContext local_ctx;
  FtFitContext *ctx = ft_fit_context_begin (ctx_in, &local_ctx, trainer, args->epochs, n_batches, steps->progress);

  ImprovementCheck check = { es_spec, false, 0, 0, NULL };
  bool early_stopping = steps->early_stopping && es_spec != NULL;
  if (early_stopping)
    {
      if (!ft_monitor_direction (es_spec->monitor, es_spec->mode, &check.greater, error))
        return false;
      check.best = check.greater ? -INFINITY : INFINITY;
    }
  bool checkpointing = steps->checkpoint && ckpt_spec != NULL;
  bool ckpt_greater = false;
  double ckpt_best = 0;
  if (checkpointing)
    {
      if (!ft_monitor_direction (ckpt_spec->monitor, ckpt_spec->mode, &ckpt_greater, error))
        return false;
      ckpt_best = ckpt_spec->has_initial_value_threshold ? ckpt_spec->initial_value_threshold
                  : ckpt_greater                         ? -INFINITY
                                                         : INFINITY;
    }

  uint32_t *order = g_new (uint32_t, n_train);
  FtLogs logs;
  ft_logs_clear (&logs);
  /* The metric objects are created fresh before the loop. */
  ft_trainer_reset_metrics (trainer);
  ft_callbacks_train_begin (observers, ctx);
  for (int epoch = args->initial_epoch; epoch < args->epochs && !ctx->failed && !ctx->abort; epoch++)
    {
      ctx->epoch = epoch;
      /* Reset the metric states at the start of each epoch. */
      if (steps->reset_metrics)
        ft_trainer_reset_metrics (trainer);
      ft_callbacks_epoch_begin (observers, ctx, epoch);

      /* Shuffle the training samples: a new order every epoch. */
      ft_epoch_order (order, n_train, steps->shuffle && args->shuffle, ft_trainer_shuffle_rng (trainer));

      /* for x, y in dataset: with tf.GradientTape() as tape: … tape.gradient … optimizer.apply … */
      int batch = 0;
      for (; batch < n_batches; batch++)
        {
          ft_callbacks_batch_begin (observers, ctx, batch);
          if (ctx->abort)
            break;
          uint32_t start = (uint32_t) batch * batch_size;
          uint32_t n = n_train - start < batch_size ? n_train - start : batch_size;
          if (!ft_trainer_train_batch (trainer, data, order + start, n, args->class_weight, &ctx->batch_loss,
                                       &ctx->error))
            {
              ctx->failed = true;
              break;
            }
          ctx->batch_size = n;
          ctx->samples_seen += n;
          FtLogs batch_logs;
          ft_logs_clear (&batch_logs);
          ft_trainer_metric_logs (trainer, "", &batch_logs);
          ft_callbacks_batch_end (observers, ctx, batch, &batch_logs);
          if (ctx->stop_training || ctx->abort || ctx->failed)
            {
              batch++;
              break;
            }
        }
      if (ctx->abort || (ctx->failed && batch == 0))
        break;

      ft_logs_clear (&logs);
      ft_trainer_metric_logs (trainer, "", &logs);

      /* Validate: a pass over the validation data in inference mode, with its own metrics. */
      if (steps->validate && val != NULL && (epoch + 1) % args->validation_freq == 0)
        {
          ft_callbacks_test_begin (observers, ctx);
          FtLogs val_logs;
          ft_logs_clear (&val_logs);
          ft_trainer_evaluate (trainer, val, val_first, val_count, steps->batching ? args->batch_size : (int) val_count,
                               "val_", &val_logs);
          ft_callbacks_test_end (observers, ctx, &val_logs);
          for (int i = 0; i < val_logs.n; i++)
            ft_logs_set (&logs, val_logs.items[i].key, val_logs.items[i].value);
        }

      /* Decide ourselves whether the model is still improving. */
      if (early_stopping && still_improving_check (&check, model, epoch, &logs))
        {
          ctx->stop_training = true;
          ctx->stopped_early = true;
          ctx->stopped_epoch = epoch;
        }

      /* Save a checkpoint. */
      if (checkpointing && !save_checkpoint (trainer, ckpt_spec, ckpt_greater, &ckpt_best, epoch, &logs, ctx, &ctx->error))
        {
          g_prefix_error (&ctx->error, "checkpoint: ");
          ctx->failed = true;
        }

      ft_callbacks_epoch_end (observers, ctx, epoch, &logs);
      if (history)
        ft_history_append (history, epoch, &logs);
      if (ctx->stop_training || ctx->failed)
        break;
    }
  if (early_stopping && es_spec->restore_best_weights && check.best_weights != NULL)
    ft_model_set_weights (model, check.best_weights);
  ft_callbacks_train_end (observers, ctx, &logs);
  g_free (check.best_weights);
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
