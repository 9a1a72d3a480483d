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

static const char *const step_causes[] = {
  "the tape loop does not batch (one full batch per epoch)",
  "the tape loop does not shuffle",
  "the tape loop does not split off the validation data",
  "the tape loop does not validate",
  "the tape loop does not reset its metrics each epoch",
  "the tape loop has no early-stopping check",
  "the tape loop saves no checkpoints",
  "the tape loop reports no progress",
};

FtLoopSteps
ft_loop_steps_all (void)
{
  FtLoopSteps s;
  memset (&s, 0, sizeof s);
  s.batching = s.shuffle = s.split = s.validate = true;
  s.reset_metrics = s.early_stopping = s.checkpoint = s.progress = true;
  return s;
}

const char *
ft_loop_step_cause (int i)
{
  g_return_val_if_fail (i >= 0 && i < ft_loop_n_steps (), NULL);
  return step_causes[i];
}

/* dataset.shuffle(buffer_size): tf.data keeps a buffer of the next buffer_size samples and emits a random
 * one of them, refilling its place from the input; samples never move further than the buffer reaches. */
static void
buffered_shuffle_order (uint32_t *idx, uint32_t n, uint32_t buffer_size, FtRng *rng)
{
  uint32_t size = n < buffer_size ? n : buffer_size;
  uint32_t *buffer = g_new (uint32_t, size ? size : 1);
  for (uint32_t i = 0; i < size; i++)
    buffer[i] = i;
  uint32_t next = size, count = size;
  for (uint32_t out = 0; out < n; out++)
    {
      uint32_t j = ft_rng_below (rng, count);
      idx[out] = buffer[j];
      if (next < n)
        buffer[j] = next++;
      else
        buffer[j] = buffer[--count];
    }
  g_free (buffer);
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
  bool *flags[] = { &s->batching,      &s->shuffle,        &s->split,      &s->validate,
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

/* The hand-written checkpoint: save every epoch (batch < 0) or every save_freq batches, or only when the
 * monitored value beats the best; a monitor missing from the logs saves anyway, as Keras 3's
 * ModelCheckpoint does. */
static bool
save_checkpoint (FtTrainer *trainer, const FtCallbackSpec *spec, bool greater, double *best, int epoch,
                 int batch, const FtLogs *logs, FtFitContext *ctx, GError **error)
{
  double value;
  if (spec->save_best_only && ft_logs_get (logs, spec->monitor, &value))
    {
      if (!(greater ? value > *best : value < *best))
        return true;
      *best = value;
    }
  char path[512];
  if (!ft_format_checkpoint_path (spec->filepath, epoch + 1, batch >= 0 ? batch + 1 : 0, logs, path,
                                  sizeof path, error))
    return false;
  /* The resume state's epoch counts completed epochs: a save inside an epoch has not completed it. */
  if (!ft_checkpoint_save (trainer, path, spec->save_weights_only, batch >= 0 ? epoch : epoch + 1, error))
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
  FtFitContext *ctx = ft_fit_context_begin (ctx_in, &local_ctx, trainer, args->epochs, n_batches,
                                            steps->progress);

  ImprovementCheck check = { es_spec, false, 0, 0, NULL };
  bool early_stopping = steps->early_stopping && es_spec != NULL;
  if (early_stopping)
    {
      if (!ft_monitor_direction (es_spec->monitor, es_spec->mode, &check.greater, error))
        return false;
      check.best = check.greater ? -INFINITY : INFINITY;
    }
  bool checkpointing = steps->checkpoint && ckpt_spec != NULL;
  int ckpt_every = checkpointing ? ckpt_spec->save_freq : 0; /* batches; 0: at each epoch's end */
  int since_save = 0;
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

  const bool *pit = steps->pitfalls.on;
  /* The split after shuffling: every epoch, shuffle all samples, then cut off the last fraction. */
  bool split_late = pit[FT_PITFALL_SPLIT_AFTER_SHUFFLE] && val == data && args->validation_data == NULL;
  uint32_t *order = g_new (uint32_t, split_late ? data->n : n_train);
  const float *class_weight = pit[FT_PITFALL_NO_CLASS_WEIGHT] ? NULL : args->class_weight;
  ft_trainer_set_pitfalls (trainer, &steps->pitfalls);
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
      bool shuffle = steps->shuffle && args->shuffle;
      if (split_late)
        ft_epoch_order (order, data->n, shuffle, ft_trainer_shuffle_rng (trainer));
      else if (shuffle && pit[FT_PITFALL_SHUFFLE_BUFFER])
        buffered_shuffle_order (order, n_train, FT_SHUFFLE_BUFFER_SIZE, ft_trainer_shuffle_rng (trainer));
      else
        ft_epoch_order (order, n_train, shuffle, ft_trainer_shuffle_rng (trainer));

      /* for x, y in dataset: with tf.GradientTape() as tape: … tape.gradient … optimizer.apply … */
      int batch = 0;
      for (; batch < n_batches; batch++)
        {
          ft_callbacks_batch_begin (observers, ctx, batch);
          if (ctx->abort)
            break;
          uint32_t start = (uint32_t) batch * batch_size;
          uint32_t n = n_train - start < batch_size ? n_train - start : batch_size;
          if (!ft_trainer_train_batch (trainer, data, order + start, n, class_weight, &ctx->batch_loss,
                                       &ctx->error))
            {
              ctx->failed = true;
              break;
            }
          ctx->batch_size = n;
          ctx->batch_idx = order + start;
          ctx->samples_seen += n;
          FtLogs batch_logs;
          ft_logs_clear (&batch_logs);
          ft_trainer_metric_logs (trainer, "", &batch_logs);
          /* Save a checkpoint every save_freq batches, when it is counted in batches. */
          if (ckpt_every > 0 && ++since_save >= ckpt_every)
            {
              since_save = 0;
              if (!save_checkpoint (trainer, ckpt_spec, ckpt_greater, &ckpt_best, epoch, batch, &batch_logs,
                                    ctx, &ctx->error))
                {
                  g_prefix_error (&ctx->error, "checkpoint: ");
                  ctx->failed = true;
                  batch++;
                  break;
                }
            }
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
      /* print(f"loss {loss}"): the last batch's loss, not the epoch's running mean. */
      if (pit[FT_PITFALL_EPOCH_LOSS_LAST_BATCH])
        ft_logs_set (&logs, "loss", ctx->batch_loss);

      /* Validate: a pass over the validation data in inference mode, with its own metrics. */
      if (steps->validate && val != NULL && (epoch + 1) % args->validation_freq == 0)
        {
          ft_callbacks_test_begin (observers, ctx);
          FtLogs val_logs;
          ft_logs_clear (&val_logs);
          int val_batch = steps->batching ? args->batch_size : (int) val_count;
          if (split_late)
            ft_trainer_evaluate_indices (trainer, data, order + n_train, val_count, val_batch, "val_",
                                         &val_logs);
          else
            ft_trainer_evaluate (trainer, val, val_first, val_count, val_batch, "val_", &val_logs);
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
      if (checkpointing && ckpt_every <= 0
          && !save_checkpoint (trainer, ckpt_spec, ckpt_greater, &ckpt_best, epoch, -1, &logs, ctx,
                               &ctx->error))
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
  ft_trainer_set_pitfalls (trainer, NULL);
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
