/* ft-callbacks.c — Keras 3's callbacks (keras/src/callbacks/) with their parameters and semantics,
 * and the callback-list dispatch fit() uses (file-name templates: ft-checkpoint-path.c; the progress bar:
 * ft-progress.c). */
#include "train/ft-callbacks.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "train/ft-checkpoint.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

double
ft_schedule_learning_rate (const FtCallbackSpec *s, double lr0, int epoch)
{
  switch (s->schedule)
    {
    case FT_SCHEDULE_EXPONENTIAL:
      return lr0 * pow (s->rate, epoch);
    case FT_SCHEDULE_COSINE:
      {
        double e = epoch < s->decay_epochs ? epoch : s->decay_epochs;
        double cosine = 0.5 * (1.0 + cos (M_PI * e / s->decay_epochs));
        return lr0 * (s->alpha + (1.0 - s->alpha) * cosine);
      }
    case FT_SCHEDULE_STEP:
      return lr0 * pow (s->factor, epoch / s->step_size);
    }
  g_return_val_if_reached (lr0);
}

bool
ft_monitor_direction (const char *monitor, FtMonitorMode mode, bool *greater, GError **error)
{
  if (mode != FT_MONITOR_AUTO)
    {
      *greater = mode == FT_MONITOR_MAX;
      return true;
    }
  const char *m = g_str_has_prefix (monitor, "val_") ? monitor + 4 : monitor;
  static const char *const down[] = {
    "loss", "mean_squared_error", "mse", "mean_absolute_error", "mae", NULL
  };
  for (int i = 0; down[i]; i++)
    if (strcmp (m, down[i]) == 0)
      {
        *greater = false;
        return true;
      }
  if (strstr (m, "acc") != NULL)
    {
      *greater = true;
      return true;
    }
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
               "cannot infer whether \"%s\" should go up or down: set mode to \"min\" or \"max\"", monitor);
  return false;
}

/* ---- a callback with its spec ---- */

typedef struct
{
  FtCallback parent;
  FtCallbackSpec spec;
  bool greater; /* monitor direction */
  double best;
  bool best_set;
  int wait;
  int best_epoch;
  FtWeightSnapshot best_weights; /* taken anew when a live change of the input features changed the model */
  int cooldown_counter;
  int batches_since_save;
  int current_epoch;
  double initial_lr;
  GString *csv_text;     /* CSVLogger: the whole file so far, rewritten atomically each epoch */
  char **csv_keys;       /* CSVLogger: the columns, fixed at the first epoch */
  bool csv_appending;    /* CSVLogger: appending to a file that has a header already */
  FtCallbackState state; /* the last decision, for the callback lanes */
} SpecCallback;

static const char *const decision_names[] = {
  "nothing", "skipped", "improved", "improved_no_baseline", "waiting", "stopped", "restored", "cooldown",
  "lr_cut",  "saved",   "not_best", "saved_no_monitor",     "lr_set",
};

const char *
ft_callback_decision_name (FtCallbackDecision d)
{
  return (unsigned) d < G_N_ELEMENTS (decision_names) ? decision_names[d] : "?";
}

/* Records a decision with the numbers it was made from. */
static void decide (SpecCallback *s, int epoch, FtCallbackDecision d, double monitored, const char *fmt, ...)
    G_GNUC_PRINTF (5, 6);
static void
decide (SpecCallback *s, int epoch, FtCallbackDecision d, double monitored, const char *fmt, ...)
{
  FtCallbackState *st = &s->state;
  st->kind = s->spec.kind;
  st->epoch = epoch;
  st->decision = d;
  st->monitored = monitored;
  st->best = s->best;
  st->best_epoch = s->best_epoch;
  st->wait = s->wait;
  st->patience = s->spec.patience;
  st->cooldown_counter = s->cooldown_counter;
  va_list ap;
  va_start (ap, fmt);
  g_vsnprintf (st->rule, sizeof st->rule, fmt, ap);
  va_end (ap);
}

static void
spec_free (FtCallback *cb)
{
  SpecCallback *s = (SpecCallback *) cb;
  ft_weight_snapshot_clear (&s->best_weights);
  if (s->csv_text)
    g_string_free (s->csv_text, TRUE);
  g_strfreev (s->csv_keys);
  g_free (s);
}

static void
fail (FtFitContext *ctx, GError *error)
{
  if (!ctx->failed)
    {
      ctx->failed = true;
      ctx->error = error;
    }
  else
    g_error_free (error);
  ctx->stop_training = true;
}

static bool
resolve_direction (SpecCallback *s, FtFitContext *ctx)
{
  GError *error = NULL;
  if (!ft_monitor_direction (s->spec.monitor, s->spec.mode, &s->greater, &error))
    {
      g_prefix_error (&error, "%s: ", ft_callback_kind_name (s->spec.kind));
      fail (ctx, error);
      return false;
    }
  return true;
}

/* EarlyStopping — keras/src/callbacks/early_stopping.py */

static bool
es_improved (const SpecCallback *s, double current, double reference)
{
  double delta = s->greater ? fabs (s->spec.min_delta) : -fabs (s->spec.min_delta);
  return s->greater ? current - delta > reference : current - delta < reference;
}

static void
es_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  SpecCallback *s = (SpecCallback *) cb;
  s->wait = 0;
  s->best_epoch = 0;
  s->state.epoch = -1;
  s->state.decision = FT_CB_NOTHING;
  ft_weight_snapshot_clear (&s->best_weights);
  if (resolve_direction (s, ctx))
    s->best = s->greater ? -INFINITY : INFINITY;
}

static void
es_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  double current;
  if (!ft_logs_get (logs, s->spec.monitor, &current) || epoch < s->spec.start_from_epoch)
    {
      if (!ft_logs_get (logs, s->spec.monitor, &current))
        decide (s, epoch, FT_CB_SKIPPED, NAN, "\"%s\" is not in the logs: nothing to check", s->spec.monitor);
      else
        decide (s, epoch, FT_CB_SKIPPED, current, "epoch %d is before start_from_epoch %d", epoch,
                s->spec.start_from_epoch);
      return;
    }
  FtModel *model = ft_trainer_model (ctx->trainer);
  /* The reference weights: the first checked epoch's, taken anew when the model's inputs changed since. */
  if (s->spec.restore_best_weights && !ft_weight_snapshot_fits (&s->best_weights, model))
    {
      ft_weight_snapshot_take (&s->best_weights, model);
      s->best_epoch = epoch;
    }
  s->wait++;
  if (es_improved (s, current, s->best))
    {
      s->best = current;
      s->best_epoch = epoch;
      if (s->spec.restore_best_weights)
        ft_weight_snapshot_take (&s->best_weights, model);
      if (!s->spec.has_baseline || es_improved (s, current, s->spec.baseline))
        {
          s->wait = 0;
          decide (s, epoch, FT_CB_IMPROVED, current,
                  "%s improved by more than min_delta: best = %.6g, wait = 0", s->spec.monitor, current);
        }
      else
        decide (s, epoch, FT_CB_IMPROVED_NO_BASELINE, current,
                "a new best %.6g, but not beyond the baseline %.6g: wait stays %d", current, s->spec.baseline,
                s->wait);
      return;
    }
  if (s->wait >= s->spec.patience && epoch > 0)
    {
      ctx->stop_training = true;
      ctx->stopped_early = true;
      ctx->stopped_epoch = epoch;
      decide (s, epoch, FT_CB_STOPPED, current, "wait %d ≥ patience %d: stop training", s->wait,
              s->spec.patience);
    }
  else
    decide (s, epoch, FT_CB_WAITING, current, "no improvement on best %.6g: wait %d of patience %d", s->best,
            s->wait, s->spec.patience);
}

static void
es_train_end (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  if (s->spec.restore_best_weights
      && ft_weight_snapshot_restore (&s->best_weights, ft_trainer_model (ctx->trainer)))
    {
      decide (s, s->state.epoch, FT_CB_RESTORED, s->state.monitored,
              "restore_best_weights: the weights of epoch %d restored at train end", s->best_epoch + 1);
    }
}

static const FtCallbackClass early_stopping_class = {
  .name = "EarlyStopping",
  .on_train_begin = es_train_begin,
  .on_epoch_end = es_epoch_end,
  .on_train_end = es_train_end,
  .free = spec_free,
};

/* ModelCheckpoint — keras/src/callbacks/model_checkpoint.py */

static void
mc_save (SpecCallback *s, FtFitContext *ctx, int epoch, int batch, const FtLogs *logs)
{
  char path[512];
  GError *error = NULL;
  if (!ft_format_checkpoint_path (s->spec.filepath, epoch + 1, batch >= 0 ? batch + 1 : 0, logs, path,
                                  sizeof path, &error))
    {
      g_prefix_error (&error, "ModelCheckpoint: ");
      fail (ctx, error);
      return;
    }
  FtCallbackDecision decision = FT_CB_SAVED;
  double current = NAN;
  if (s->spec.save_best_only)
    {
      if (ft_logs_get (logs, s->spec.monitor, &current))
        {
          if (!(s->greater ? current > s->best : current < s->best))
            {
              decide (s, epoch, FT_CB_NOT_BEST, current,
                      "%s %.6g is not better than the best %.6g: not saved", s->spec.monitor, current,
                      s->best);
              return;
            }
          s->best = current;
        }
      else
        {
          decision = FT_CB_SAVED_NO_MONITOR;
          g_message ("ModelCheckpoint: \"%s\" is not among the logs; saving anyway, as Keras 3 does",
                     s->spec.monitor);
        }
    }
  char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "ModelCheckpoint cannot create %s: %s", dir, g_strerror (errno));
      g_free (dir);
      fail (ctx, error);
      return;
    }
  g_free (dir);
  /* The resume state's epoch is the number of completed epochs. */
  int completed = batch >= 0 ? epoch : epoch + 1;
  if (!ft_checkpoint_save (ctx->trainer, &ctx->experiment, path, s->spec.save_weights_only, completed,
                           &error))
    {
      g_prefix_error (&error, "ModelCheckpoint could not save \"%s\": ", path);
      fail (ctx, error);
      return;
    }
  g_strlcpy (ctx->last_checkpoint, path, sizeof ctx->last_checkpoint);
  decide (s, epoch, decision, current,
          decision == FT_CB_SAVED_NO_MONITOR ? "\"%s\" is not available: saved anyway (Keras 3)"
          : s->spec.save_best_only           ? "%s improved: saved"
                                             : "%s: saved every epoch",
          decision == FT_CB_SAVED_NO_MONITOR || s->spec.save_best_only ? s->spec.monitor : "save_freq");
  g_strlcpy (s->state.path, path, sizeof s->state.path);
}

static void
mc_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  SpecCallback *s = (SpecCallback *) cb;
  s->batches_since_save = 0;
  s->state.epoch = -1;
  s->state.decision = FT_CB_NOTHING;
  /* Keras sets best in the constructor: it carries over when the callback serves a second fit(). */
  if (resolve_direction (s, ctx) && !s->best_set)
    {
      s->best = s->spec.has_initial_value_threshold ? s->spec.initial_value_threshold
                : s->greater                        ? -INFINITY
                                                    : INFINITY;
      s->best_set = true;
    }
}

static void
mc_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  ((SpecCallback *) cb)->current_epoch = epoch;
}

static void
mc_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  if (s->spec.save_freq <= 0)
    return;
  if (++s->batches_since_save >= s->spec.save_freq)
    {
      s->batches_since_save = 0;
      mc_save (s, ctx, s->current_epoch, batch, logs);
    }
}

static void
mc_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  if (s->spec.save_freq <= 0)
    mc_save (s, ctx, epoch, -1, logs);
}

static const FtCallbackClass model_checkpoint_class = {
  .name = "ModelCheckpoint",
  .on_train_begin = mc_train_begin,
  .on_epoch_begin = mc_epoch_begin,
  .on_train_batch_end = mc_batch_end,
  .on_epoch_end = mc_epoch_end,
  .free = spec_free,
};

/* ReduceLROnPlateau — keras/src/callbacks/reduce_lr_on_plateau.py */

static void
rlr_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  SpecCallback *s = (SpecCallback *) cb;
  /* Keras: "min" unless the mode is max, or auto with "acc" in the monitor's name. */
  s->greater = s->spec.mode == FT_MONITOR_MAX
               || (s->spec.mode == FT_MONITOR_AUTO && strstr (s->spec.monitor, "acc") != NULL);
  s->best = s->greater ? -INFINITY : INFINITY;
  s->cooldown_counter = 0;
  s->wait = 0;
  s->state.epoch = -1;
  s->state.decision = FT_CB_NOTHING;
}

static void
rlr_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  FtOptimizer *opt = ft_trainer_optimizer (ctx->trainer);
  ft_logs_set (logs, "learning_rate", ft_optimizer_get_learning_rate (opt));
  double current;
  if (!ft_logs_get (logs, s->spec.monitor, &current))
    {
      decide (s, epoch, FT_CB_SKIPPED, NAN, "\"%s\" is not in the logs: nothing to check", s->spec.monitor);
      return;
    }
  double lr_before = ft_optimizer_get_learning_rate (opt);
  bool in_cooldown = s->cooldown_counter > 0;
  if (in_cooldown)
    {
      s->cooldown_counter--;
      s->wait = 0;
    }
  bool better = s->greater ? current > s->best + s->spec.min_delta : current < s->best - s->spec.min_delta;
  FtCallbackDecision d = in_cooldown ? FT_CB_COOLDOWN : FT_CB_WAITING;
  if (better)
    {
      s->best = current;
      s->best_epoch = epoch;
      s->wait = 0;
      d = FT_CB_IMPROVED;
    }
  else if (!(s->cooldown_counter > 0))
    {
      s->wait++;
      d = FT_CB_WAITING;
      if (s->wait >= s->spec.patience)
        {
          float old_lr = ft_optimizer_get_learning_rate (opt);
          if (old_lr > (float) s->spec.min_lr)
            {
              double new_lr = fmax ((double) old_lr * s->spec.factor, s->spec.min_lr);
              ft_optimizer_set_learning_rate (opt, (float) new_lr);
              s->cooldown_counter = s->spec.cooldown;
              s->wait = 0;
              d = FT_CB_LR_CUT;
            }
        }
    }
  double lr_after = ft_optimizer_get_learning_rate (opt);
  if (d == FT_CB_IMPROVED)
    decide (s, epoch, d, current, "%s improved beyond min_delta: best = %.6g, wait = 0", s->spec.monitor,
            current);
  else if (d == FT_CB_LR_CUT)
    decide (s, epoch, d, current, "wait reached patience %d: learning rate %.6g × %g = %.6g, cooldown %d",
            s->spec.patience, lr_before, s->spec.factor, lr_after, s->spec.cooldown);
  else if (d == FT_CB_COOLDOWN)
    decide (s, epoch, d, current, "in cooldown (%d left): wait held at 0", s->cooldown_counter);
  else
    decide (s, epoch, d, current, "no improvement on best %.6g: wait %d of patience %d", s->best, s->wait,
            s->spec.patience);
  s->state.lr_before = lr_before;
  s->state.lr_after = lr_after;
}

static const FtCallbackClass reduce_lr_class = {
  .name = "ReduceLROnPlateau",
  .on_train_begin = rlr_train_begin,
  .on_epoch_end = rlr_epoch_end,
  .free = spec_free,
};

/* TerminateOnNaN — keras/src/callbacks/terminate_on_nan.py */

static void
nan_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  double loss;
  if (ft_logs_get (logs, "loss", &loss) && !isfinite (loss))
    {
      ctx->stop_training = true;
      ctx->terminated_nan = true;
    }
}

static const FtCallbackClass terminate_on_nan_class = {
  .name = "TerminateOnNaN",
  .on_train_batch_end = nan_batch_end,
  .free = spec_free,
};

/* CSVLogger — keras/src/callbacks/csv_logger.py; the file is rewritten atomically each epoch. */

static void
csv_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  SpecCallback *s = (SpecCallback *) cb;
  g_clear_pointer (&s->csv_keys, g_strfreev);
  if (s->csv_text)
    g_string_truncate (s->csv_text, 0);
  else
    s->csv_text = g_string_new (NULL);
  if (s->spec.append)
    {
      char *old = NULL;
      if (g_file_get_contents (s->spec.filepath, &old, NULL, NULL))
        {
          g_string_append (s->csv_text, old);
          s->csv_appending = old[0] != '\0';
        }
      g_free (old);
    }
}

static void
csv_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  SpecCallback *s = (SpecCallback *) cb;
  char sep = s->spec.separator ? s->spec.separator : ',';
  if (s->csv_keys == NULL)
    {
      /* Keras fixes the columns at the first epoch: sorted keys; later keys are dropped. */
      const char *keys[FT_LOGS_MAX];
      int n;
      ft_logs_sorted_keys (logs, keys, &n);
      s->csv_keys = g_new0 (char *, n + 1);
      for (int i = 0; i < n; i++)
        s->csv_keys[i] = g_strdup (keys[i]);
      if (!s->csv_appending)
        {
          g_string_append (s->csv_text, "epoch");
          for (int i = 0; i < n; i++)
            g_string_append_printf (s->csv_text, "%c%s", sep, s->csv_keys[i]);
          g_string_append (s->csv_text, "\r\n"); /* csv.excel's line terminator */
        }
    }
  g_string_append_printf (s->csv_text, "%d", epoch);
  for (int i = 0; s->csv_keys[i]; i++)
    {
      double v;
      char buf[48] = "NA";
      if (ft_logs_get (logs, s->csv_keys[i], &v))
        ft_format_python_float (v, buf, sizeof buf);
      g_string_append_printf (s->csv_text, "%c%s", sep, buf);
    }
  g_string_append (s->csv_text, "\r\n");
  GError *error = NULL;
  if (!g_file_set_contents (s->spec.filepath, s->csv_text->str, (gssize) s->csv_text->len, &error))
    {
      g_prefix_error (&error, "CSVLogger could not write \"%s\": ", s->spec.filepath);
      fail (ctx, error);
    }
}

static const FtCallbackClass csv_logger_class = {
  .name = "CSVLogger",
  .on_train_begin = csv_train_begin,
  .on_epoch_end = csv_epoch_end,
  .free = spec_free,
};

/* LearningRateScheduler — keras/src/callbacks/learning_rate_scheduler.py, with built-in schedules. */

static void
lrs_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  SpecCallback *s = (SpecCallback *) cb;
  /* lr0 is the compiled learning rate, not the optimizer's current one: a run resumed from a checkpoint
   * would otherwise compound the schedule. */
  s->initial_lr = s->spec.initial_lr > 0 ? s->spec.initial_lr
                                         : ft_trainer_compile_spec (ctx->trainer)->optimizer.learning_rate;
}

static void
lrs_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  SpecCallback *s = (SpecCallback *) cb;
  FtOptimizer *opt = ft_trainer_optimizer (ctx->trainer);
  double before = ft_optimizer_get_learning_rate (opt);
  double lr = ft_schedule_learning_rate (&s->spec, s->initial_lr, epoch);
  ft_optimizer_set_learning_rate (opt, (float) lr);
  decide (s, epoch, FT_CB_LR_SET, NAN, "schedule(%d) = %.6g", epoch, lr);
  s->state.lr_before = before;
  s->state.lr_after = ft_optimizer_get_learning_rate (opt);
}

static void
lrs_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  ft_logs_set (logs, "learning_rate", ft_optimizer_get_learning_rate (ft_trainer_optimizer (ctx->trainer)));
}

static const FtCallbackClass lr_scheduler_class = {
  .name = "LearningRateScheduler",
  .on_train_begin = lrs_train_begin,
  .on_epoch_begin = lrs_epoch_begin,
  .on_epoch_end = lrs_epoch_end,
  .free = spec_free,
};

static const FtCallbackClass *const classes[FT_N_CALLBACK_KINDS] = {
  &early_stopping_class,   &model_checkpoint_class, &reduce_lr_class,
  &terminate_on_nan_class, &csv_logger_class,       &lr_scheduler_class,
};

FtCallback *
ft_callback_new (const FtCallbackSpec *spec)
{
  g_return_val_if_fail ((unsigned) spec->kind < FT_N_CALLBACK_KINDS, NULL);
  SpecCallback *s = g_new0 (SpecCallback, 1);
  s->parent.klass = classes[spec->kind];
  s->spec = *spec;
  s->state.kind = spec->kind;
  s->state.epoch = -1;
  return &s->parent;
}

bool
ft_callback_get_state (const FtCallback *cb, FtCallbackState *state)
{
  g_return_val_if_fail (cb != NULL && state != NULL, false);
  bool ours = false;
  for (int i = 0; i < FT_N_CALLBACK_KINDS; i++)
    ours = ours || cb->klass == classes[i];
  if (!ours)
    return false;
  const SpecCallback *s = (const SpecCallback *) cb;
  *state = s->state;
  state->kind = s->spec.kind;
  return true;
}

void
ft_callback_free (FtCallback *cb)
{
  if (cb != NULL && cb->klass->free != NULL)
    cb->klass->free (cb);
}

/* ---- dispatch ---- */

#define EACH(cbs, method, ...)                                                                               \
  do                                                                                                         \
    {                                                                                                        \
      if (cbs)                                                                                               \
        for (guint i_ = 0; i_ < (cbs)->len; i_++)                                                            \
          {                                                                                                  \
            FtCallback *cb_ = g_ptr_array_index ((cbs), i_);                                                 \
            if (cb_->klass->method)                                                                          \
              cb_->klass->method (cb_, __VA_ARGS__);                                                         \
          }                                                                                                  \
    }                                                                                                        \
  while (0)

void
ft_callbacks_train_begin (GPtrArray *cbs, FtFitContext *ctx)
{
  EACH (cbs, on_train_begin, ctx);
}

void
ft_callbacks_epoch_begin (GPtrArray *cbs, FtFitContext *ctx, int epoch)
{
  EACH (cbs, on_epoch_begin, ctx, epoch);
}

void
ft_callbacks_batch_begin (GPtrArray *cbs, FtFitContext *ctx, int batch)
{
  EACH (cbs, on_train_batch_begin, ctx, batch);
}

void
ft_callbacks_batch_end (GPtrArray *cbs, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  EACH (cbs, on_train_batch_end, ctx, batch, logs);
}

void
ft_callbacks_test_begin (GPtrArray *cbs, FtFitContext *ctx)
{
  EACH (cbs, on_test_begin, ctx);
}

void
ft_callbacks_test_end (GPtrArray *cbs, FtFitContext *ctx, const FtLogs *logs)
{
  EACH (cbs, on_test_end, ctx, logs);
}

void
ft_callbacks_epoch_end (GPtrArray *cbs, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  EACH (cbs, on_epoch_end, ctx, epoch, logs);
}

void
ft_callbacks_train_end (GPtrArray *cbs, FtFitContext *ctx, const FtLogs *logs)
{
  EACH (cbs, on_train_end, ctx, logs);
}
