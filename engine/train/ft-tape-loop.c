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
  FtWeightSnapshot best_weights; /* taken anew when a live change of the input features changed the model */
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
  /* The reference weights, as EarlyStopping takes them (ft-callbacks.c): anew when the inputs changed. */
  if (c->spec->restore_best_weights && !ft_weight_snapshot_fits (&c->best_weights, model))
    ft_weight_snapshot_take (&c->best_weights, model);
  c->wait++;
  if (improved (c, value, c->best))
    {
      c->best = value;
      if (c->spec->restore_best_weights)
        ft_weight_snapshot_take (&c->best_weights, model);
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
  if (!ft_checkpoint_save (trainer, &ctx->experiment, path, spec->save_weights_only,
                           batch >= 0 ? epoch : epoch + 1, error))
    return false;
  g_strlcpy (ctx->last_checkpoint, path, sizeof ctx->last_checkpoint);
  return true;
}

/* What one run of the loop works with, set up before the first epoch. */
typedef struct
{
  FtTrainer *trainer;
  const FtDataset *data;
  const FtFitArgs *args;
  const FtLoopSteps *steps;
  GPtrArray *observers;
  FtFitContext *ctx;
  uint32_t n_train, batch_size;
  int n_batches;
  const FtDataset *val; /* the validation data (data itself after a split), or NULL */
  uint32_t val_first, val_count;
  bool split_late;           /* the split-after-shuffle pitfall: order covers all of data */
  uint32_t *order;           /* this epoch's order of the samples */
  const float *class_weight; /* NULL with the no-class-weight pitfall */
  bool early_stopping;       /* the step is on and there is a spec to follow */
  ImprovementCheck check;
  bool checkpointing; /* the step is on and there is a spec to follow */
  const FtCallbackSpec *ckpt_spec;
  int ckpt_every; /* save_freq in batches; 0: at each epoch's end */
  int since_save; /* batches since the last save */
  bool ckpt_greater;
  double ckpt_best;
} TapeRun;

/* Shuffle the training samples: a new order every epoch. */
static void
epoch_order (TapeRun *r)
{
  const bool *pit = r->steps->pitfalls.on;
  bool shuffle = r->steps->shuffle && r->args->shuffle;
  FtRng *rng = ft_trainer_shuffle_rng (r->trainer);
  if (r->split_late)
    ft_epoch_order (r->order, r->data->n, shuffle, rng);
  else if (shuffle && pit[FT_PITFALL_SHUFFLE_BUFFER])
    buffered_shuffle_order (r->order, r->n_train, FT_SHUFFLE_BUFFER_SIZE, rng);
  else
    ft_epoch_order (r->order, r->n_train, shuffle, rng);
}

/* for x, y in dataset: with tf.GradientTape() as tape: … tape.gradient … optimizer.apply …
 * Returns the number of batches run (a failed one included). */
static int
train_batches (TapeRun *r, int epoch)
{
  FtFitContext *ctx = r->ctx;
  int batch = 0;
  for (; batch < r->n_batches; batch++)
    {
      ft_callbacks_batch_begin (r->observers, ctx, batch);
      if (ctx->abort)
        break;
      uint32_t start = (uint32_t) batch * r->batch_size;
      uint32_t n = r->n_train - start < r->batch_size ? r->n_train - start : r->batch_size;
      if (!ft_trainer_train_batch (r->trainer, r->data, r->order + start, n, r->class_weight,
                                   &ctx->batch_loss, &ctx->error))
        {
          ctx->failed = true;
          break;
        }
      ctx->batch_size = n;
      ctx->batch_idx = r->order + start;
      ctx->samples_seen += n;
      FtLogs batch_logs;
      ft_logs_clear (&batch_logs);
      ft_trainer_metric_logs (r->trainer, "", &batch_logs);
      /* Save a checkpoint every save_freq batches, when it is counted in batches. */
      if (r->ckpt_every > 0 && ++r->since_save >= r->ckpt_every)
        {
          r->since_save = 0;
          if (!save_checkpoint (r->trainer, r->ckpt_spec, r->ckpt_greater, &r->ckpt_best, epoch, batch,
                                &batch_logs, ctx, &ctx->error))
            {
              g_prefix_error (&ctx->error, "checkpoint: ");
              ctx->failed = true;
              batch++;
              break;
            }
        }
      ft_callbacks_batch_end (r->observers, ctx, batch, &batch_logs);
      if (ctx->stop_training || ctx->abort || ctx->failed)
        {
          batch++;
          break;
        }
    }
  return batch;
}

/* Validate: a pass over the validation data in inference mode, with its own metrics, into logs. */
static void
validate (TapeRun *r, FtLogs *logs)
{
  ft_callbacks_test_begin (r->observers, r->ctx);
  FtLogs val_logs;
  ft_logs_clear (&val_logs);
  int val_batch = r->steps->batching ? r->args->batch_size : (int) r->val_count;
  if (r->split_late)
    ft_trainer_evaluate_indices (r->trainer, r->data, r->order + r->n_train, r->val_count, val_batch, "val_",
                                 &val_logs);
  else
    ft_trainer_evaluate (r->trainer, r->val, r->val_first, r->val_count, val_batch, "val_", &val_logs);
  ft_callbacks_test_end (r->observers, r->ctx, &val_logs);
  for (int i = 0; i < val_logs.n; i++)
    ft_logs_set (logs, val_logs.items[i].key, val_logs.items[i].value);
}

/* The run's split, batches and order; false with error when the data cannot be split. */
static bool
tape_run_prepare (TapeRun *r, GError **error)
{
  /* The train/validation split: the last fraction of the data, taken before shuffling. */
  if (!ft_fit_prepare (r->trainer, r->data, r->args, r->steps->split, &r->n_train, &r->val, &r->val_first,
                       &r->val_count, error))
    return false;

  /* Batching: without it, the whole training set is one batch. */
  r->batch_size = r->steps->batching ? (uint32_t) r->args->batch_size : r->n_train;
  r->n_batches = (int) ((r->n_train + r->batch_size - 1) / r->batch_size);
  if (r->steps->batching && r->args->steps_per_epoch > 0 && r->args->steps_per_epoch < r->n_batches)
    r->n_batches = r->args->steps_per_epoch;
  return true;
}

/* The hand-written early stopping's and checkpoint's state before the first epoch: the monitors'
 * directions and the best values so far. */
static bool
checks_begin (TapeRun *r, const FtCallbackSpec *es_spec, const FtCallbackSpec *ckpt_spec, GError **error)
{
  r->check = (ImprovementCheck){ .spec = es_spec };
  r->early_stopping = r->steps->early_stopping && es_spec != NULL;
  if (r->early_stopping)
    {
      if (!ft_monitor_direction (es_spec->monitor, es_spec->mode, &r->check.greater, error))
        return false;
      r->check.best = r->check.greater ? -INFINITY : INFINITY;
    }
  r->checkpointing = r->steps->checkpoint && ckpt_spec != NULL;
  r->ckpt_spec = ckpt_spec;
  r->ckpt_every = r->checkpointing ? ckpt_spec->save_freq : 0;
  r->since_save = 0;
  r->ckpt_greater = false;
  r->ckpt_best = 0;
  if (r->checkpointing)
    {
      if (!ft_monitor_direction (ckpt_spec->monitor, ckpt_spec->mode, &r->ckpt_greater, error))
        return false;
      r->ckpt_best = ckpt_spec->has_initial_value_threshold ? ckpt_spec->initial_value_threshold
                     : r->ckpt_greater                      ? -INFINITY
                                                            : INFINITY;
    }
  return true;
}

/* At the end of an epoch: decide ourselves whether the model is still improving, and save a checkpoint. */
static void
epoch_end_checks (TapeRun *r, int epoch, const FtLogs *logs)
{
  FtFitContext *ctx = r->ctx;
  if (r->early_stopping && still_improving_check (&r->check, ft_trainer_model (r->trainer), epoch, logs))
    {
      ctx->stop_training = true;
      ctx->stopped_early = true;
      ctx->stopped_epoch = epoch;
    }

  if (r->checkpointing && r->ckpt_every <= 0
      && !save_checkpoint (r->trainer, r->ckpt_spec, r->ckpt_greater, &r->ckpt_best, epoch, -1, logs, ctx,
                           &ctx->error))
    {
      g_prefix_error (&ctx->error, "checkpoint: ");
      ctx->failed = true;
    }
}

bool
ft_tape_loop (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, const FtLoopSteps *steps,
              const FtCallbackSpec *es_spec, const FtCallbackSpec *ckpt_spec, GPtrArray *observers,
              FtHistory *history, FtFitContext *ctx_in, GError **error)
{
  FtModel *model = ft_trainer_model (trainer);
  TapeRun r = { .trainer = trainer, .data = data, .args = args, .steps = steps, .observers = observers };
  if (!tape_run_prepare (&r, error))
    return false;

  FtFitContext local_ctx;
  FtFitContext *ctx = ft_fit_context_begin (ctx_in, &local_ctx, trainer, args->epochs, r.n_batches,
                                            steps->progress);
  r.ctx = ctx;

  if (!checks_begin (&r, es_spec, ckpt_spec, error))
    return false;

  const bool *pit = steps->pitfalls.on;
  /* The split after shuffling: every epoch, shuffle all samples, then cut off the last fraction. */
  r.split_late = pit[FT_PITFALL_SPLIT_AFTER_SHUFFLE] && r.val == data && args->validation_data == NULL;
  r.order = g_new (uint32_t, r.split_late ? data->n : r.n_train);
  r.class_weight = pit[FT_PITFALL_NO_CLASS_WEIGHT] ? NULL : args->class_weight;
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
      epoch_order (&r);
      int batches = train_batches (&r, epoch);
      if (ctx->abort || (ctx->failed && batches == 0))
        break;

      ft_logs_clear (&logs);
      ft_trainer_metric_logs (trainer, "", &logs);
      /* print(f"loss {loss}"): the last batch's loss, not the epoch's running mean. */
      if (pit[FT_PITFALL_EPOCH_LOSS_LAST_BATCH])
        ft_logs_set (&logs, "loss", ctx->batch_loss);
      if (steps->validate && r.val != NULL && (epoch + 1) % args->validation_freq == 0)
        validate (&r, &logs);

      epoch_end_checks (&r, epoch, &logs);
      ft_callbacks_epoch_end (observers, ctx, epoch, &logs);
      if (history)
        ft_history_append (history, epoch, &logs);
      if (ctx->stop_training || ctx->failed)
        break;
    }
  if (r.early_stopping && es_spec->restore_best_weights)
    ft_weight_snapshot_restore (&r.check.best_weights, model);
  ft_trainer_set_pitfalls (trainer, NULL);
  ft_callbacks_train_end (observers, ctx, &logs);
  ft_weight_snapshot_clear (&r.check.best_weights);
  g_free (r.order);
  if (ctx->failed)
    {
      if (ctx->error && error)
        *error = g_error_copy (ctx->error);
      g_clear_error (&ctx->error);
      return false;
    }
  return true;
}
