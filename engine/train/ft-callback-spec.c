/* ft-callback-spec.c — what each kind of callback is: the descriptor table (per parameter its JSON and
 * Keras key, type, field, range, default and editor row), the names, the defaults and the checks that
 * need more than one parameter. The callbacks' behaviour is in ft-callbacks.c. */
#include "train/ft-callbacks.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

/* The table is laid out by hand (one parameter per brace group), as the optimizers' is. Parameters are in
 * the order of the Keras constructor's arguments. */
/* clang-format off */
#define OFF(f) G_STRUCT_OFFSET (FtCallbackSpec, f)
#define ALWAYS (FT_PARAM_WRITE_ALWAYS)

static const char *const monitor_suggestions[] = { "loss", "val_loss", "accuracy", "val_accuracy", NULL };
static const char *const monitor_mode_names[] = { "auto", "min", "max", NULL };
static const char *const schedule_names[] = { "step", "exponential", "cosine", NULL };
static const char *const schedule_labels[] = { "Step decay", "Exponential decay", "Cosine decay", NULL };

#define MONITOR                                                                                              \
  { "monitor", FT_PARAM_STRING, OFF (monitor), ALWAYS | FT_PARAM_CODE_ALWAYS, .def_str = "val_loss",        \
    .size = FT_LOG_KEY_MAX, .choices = monitor_suggestions, .label = "Monitor",                              \
    .hint = "the logged value to watch" }
#define MODE                                                                                                 \
  { "mode", FT_PARAM_CHOICE, OFF (mode), ALWAYS, .def = FT_MONITOR_AUTO, .choices = monitor_mode_names,     \
    .label = "Mode", .hint = "auto knows that a loss should fall and an accuracy rise" }
#define INT(key, lo_, hi_, d, flags_, l_, h_, ulo, uhi)                                                     \
  { #key, FT_PARAM_INT, OFF (key), ALWAYS | (flags_), .lo = lo_, .hi = hi_, .def = d, .label = l_,          \
    .hint = h_, .ui_lo = ulo, .ui_hi = uhi, .ui_step = 1 }
#define DOUBLE(key, range_, d, flags_, l_, h_, ulo, uhi, step, digits)                                      \
  { #key, FT_PARAM_DOUBLE, OFF (key), ALWAYS | (flags_), range_, .def = d, .label = l_, .hint = h_,        \
    .ui_lo = ulo, .ui_hi = uhi, .ui_step = step, .ui_digits = digits }
#define SWITCH(key, l_, h_) { #key, FT_PARAM_BOOL, OFF (key), ALWAYS, .def = 0, .label = l_, .hint = h_ }
#define OPTIONAL(key, has)                                                                                   \
  { #key, FT_PARAM_OPTIONAL, OFF (key), ALWAYS | FT_PARAM_UI_HIDDEN, FT_RANGE_ANY, .has_offset = OFF (has) }
#define PATIENCE(h_) INT (patience, 0, 1000000, 0, FT_PARAM_CODE_ALWAYS, "Patience", h_, 0, 1000)
#define MIN_DELTA(d, step)                                                                                   \
  DOUBLE (min_delta, FT_RANGE_ANY, d, 0, "Minimum change", "smaller changes do not count as an improvement", \
          0, 100, step, 4)

static const FtParam early_stopping_params[] = {
  MONITOR,
  MIN_DELTA (0.0, 0.001),
  PATIENCE ("epochs without improvement before stopping"),
  MODE,
  OPTIONAL (baseline, has_baseline),
  SWITCH (restore_best_weights, "Restore best weights",
          "end with the best epoch’s weights instead of the last"),
  INT (start_from_epoch, 0, 1000000, 0, 0, "Start from epoch", "warm-up epochs before watching begins", 0, 1000),
};
static const FtParam model_checkpoint_params[] = {
  { "filepath", FT_PARAM_STRING, OFF (filepath), ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_CODE_ALWAYS,
    .def_str = "checkpoint-{epoch:02d}.h5", .size = sizeof ((FtCallbackSpec *) 0)->filepath,
    .label = "File path", .hint = "{epoch:02d} and log values such as {val_loss:.4f} are filled in" },
  MONITOR,
  SWITCH (save_best_only, "Save best only", "save only when the monitored value improves"),
  SWITCH (save_weights_only, "Save weights only", "the weights without the optimizer’s state"),
  MODE,
  { "save_freq", FT_PARAM_INT, OFF (save_freq), ALWAYS | FT_PARAM_ZERO_IS_EPOCH | FT_PARAM_UI_HIDDEN,
    .lo = 1, .hi = INT32_MAX, .def = 0 },
  OPTIONAL (initial_value_threshold, has_initial_value_threshold),
};
static const FtParam reduce_lr_params[] = {
  MONITOR,
  DOUBLE (factor, FT_RANGE_ANY, 0.1, FT_PARAM_CODE_ALWAYS | FT_PARAM_KIND_CHECKS, "Factor",
          "the learning rate is multiplied by this", 0.01, 0.99, 0.05, 2),
  PATIENCE ("epochs without improvement before lowering the rate"),
  MODE,
  MIN_DELTA (1e-4, 0.0001),
  INT (cooldown, 0, 1000000, 0, 0, "Cooldown", "epochs to wait after a reduction before watching again", 0, 1000),
  DOUBLE (min_lr, FT_RANGE_NONNEG, 0.0, 0, "Minimum learning rate", "the rate never goes below this", 0, 1,
          0.00001, 5),
};
static const FtParam csv_logger_params[] = {
  { "filename", FT_PARAM_STRING, OFF (filepath), ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_CODE_ALWAYS,
    .def_str = "training.log", .size = sizeof ((FtCallbackSpec *) 0)->filepath, .label = "File name",
    .hint = "one row per epoch: the epoch and every logged value" },
  { "separator", FT_PARAM_CHAR, OFF (separator), ALWAYS | FT_PARAM_UI_HIDDEN, .def = ',' },
  SWITCH (append, "Append", "add to an existing file instead of overwriting it"),
};
/* Keras takes a function; these are the schedules FitTape offers, written out as one in generated code. */
#define SCHEDULE_FLAGS (FT_PARAM_NOT_KERAS | FT_PARAM_KIND_CHECKS)
static const FtParam lr_scheduler_params[] = {
  { "schedule", FT_PARAM_CHOICE, OFF (schedule), ALWAYS | FT_PARAM_NOT_KERAS, .def = FT_SCHEDULE_STEP,
    .choices = schedule_names, .ui_choices = schedule_labels, .label = "Schedule",
    .hint = "how the learning rate changes from epoch to epoch" },
  { "initial_learning_rate", FT_PARAM_DOUBLE, OFF (initial_lr), ALWAYS | FT_PARAM_NOT_KERAS
      | FT_PARAM_ZERO_IS_NONE, FT_RANGE_POSITIVE, .def = 0.0, .label = "Initial learning rate",
    .hint = "0 = the optimizer’s learning rate", .ui_lo = 0, .ui_hi = 10, .ui_step = 0.0001, .ui_digits = 5 },
  DOUBLE (factor, FT_RANGE_ANY, 0.5, SCHEDULE_FLAGS, "Factor", "multiplied in every step_size epochs", 0.01, 1,
          0.05, 2),
  INT (step_size, 1, 1000000, 10, FT_PARAM_NOT_KERAS, "Step size", "epochs between two drops", 1, 1000),
  DOUBLE (rate, FT_RANGE_ANY, 0.95, SCHEDULE_FLAGS, "Rate", "multiplied in every epoch", 0.01, 1, 0.01, 3),
  INT (decay_epochs, 1, 1000000, 10, FT_PARAM_NOT_KERAS, "Decay epochs",
       "epochs from the initial rate down to the floor", 1, 1000),
  DOUBLE (alpha, FT_RANGE_ANY, 0.0, SCHEDULE_FLAGS, "Floor", "the lowest rate, as a fraction of the initial one",
          0, 1, 0.05, 2),
};

static const FtKindInfo kind_infos[] = {
  [FT_CALLBACK_EARLY_STOPPING] = { "EarlyStopping", "EarlyStopping", NULL,
                                   "stops training when the monitored value stops improving", NULL,
                                   FT_PARAMS (early_stopping_params) },
  [FT_CALLBACK_MODEL_CHECKPOINT] = { "ModelCheckpoint", "ModelCheckpoint", NULL,
                                     "saves the model (or its weights) during training", NULL,
                                     FT_PARAMS (model_checkpoint_params) },
  [FT_CALLBACK_REDUCE_LR_ON_PLATEAU] = { "ReduceLROnPlateau", "ReduceLROnPlateau", NULL,
                                         "lowers the learning rate when the monitored value stalls", NULL,
                                         FT_PARAMS (reduce_lr_params) },
  [FT_CALLBACK_TERMINATE_ON_NAN] = { "TerminateOnNaN", "TerminateOnNaN", NULL,
                                     "stops as soon as a batch loss is NaN or infinite", NULL, NULL, 0 },
  [FT_CALLBACK_CSV_LOGGER] = { "CSVLogger", "CSVLogger", NULL, "writes each epoch’s logs to a CSV file", NULL,
                               FT_PARAMS (csv_logger_params) },
  [FT_CALLBACK_LEARNING_RATE_SCHEDULER] = { "LearningRateScheduler", "LearningRateScheduler", NULL,
                                            "sets the learning rate of each epoch from a schedule", NULL,
                                            FT_PARAMS (lr_scheduler_params) },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_infos) == FT_N_CALLBACK_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (monitor_mode_names) == FT_MONITOR_MAX + 2);
G_STATIC_ASSERT (G_N_ELEMENTS (schedule_names) == FT_SCHEDULE_COSINE + 2);
G_STATIC_ASSERT (G_N_ELEMENTS (schedule_labels) == G_N_ELEMENTS (schedule_names));
/* clang-format on */

#undef OFF

const FtKindInfo *
ft_callback_kind_info (FtCallbackKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_CALLBACK_KINDS, NULL);
  return &kind_infos[kind];
}

const char *
ft_callback_kind_name (FtCallbackKind kind)
{
  return (unsigned) kind < FT_N_CALLBACK_KINDS ? kind_infos[kind].name : "?";
}

bool
ft_callback_kind_from_name (const char *name, FtCallbackKind *kind)
{
  for (int i = 0; i < FT_N_CALLBACK_KINDS; i++)
    if (name != NULL && strcmp (name, kind_infos[i].name) == 0)
      {
        *kind = (FtCallbackKind) i;
        return true;
      }
  return false;
}

const char *
ft_monitor_mode_name (FtMonitorMode mode)
{
  return (unsigned) mode <= FT_MONITOR_MAX ? monitor_mode_names[mode] : "?";
}

const char *
ft_schedule_name (FtScheduleKind schedule)
{
  return (unsigned) schedule <= FT_SCHEDULE_COSINE ? schedule_names[schedule] : "?";
}

/* The monitor and separator every kind shares (fit's hand-written checks read them), then the table's. */
FtCallbackSpec
ft_callback_spec_default (FtCallbackKind kind)
{
  FtCallbackSpec s;
  memset (&s, 0, sizeof s);
  s.kind = kind;
  g_strlcpy (s.monitor, "val_loss", sizeof s.monitor);
  s.mode = FT_MONITOR_AUTO;
  s.separator = ',';
  if ((unsigned) kind < FT_N_CALLBACK_KINDS)
    ft_params_set_defaults (&kind_infos[kind], &s);
  return s;
}

bool
ft_callback_spec_validate (const FtCallbackSpec *s, GError **error)
{
#define FAIL(...) FT_RETURN_INVALID (error, __VA_ARGS__)
  const char *name = ft_callback_kind_name (s->kind);
  if (s->patience < 0 || s->patience > 1000000)
    FAIL ("%s: patience must be between 0 and 1000000, not %d", name, s->patience);
  if (!isfinite (s->min_delta))
    FAIL ("%s: min_delta must be a finite number", name);
  if (s->start_from_epoch < 0)
    FAIL ("%s: start_from_epoch must not be negative", name);
  switch (s->kind)
    {
    case FT_CALLBACK_EARLY_STOPPING:
    case FT_CALLBACK_MODEL_CHECKPOINT:
    case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
      if (s->monitor[0] == '\0')
        FAIL ("%s: monitor must name a log key such as \"val_loss\"", name);
      break;
    case FT_CALLBACK_CSV_LOGGER:
    case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
    case FT_CALLBACK_TERMINATE_ON_NAN:
    case FT_N_CALLBACK_KINDS:
      break;
    }
  if (s->kind == FT_CALLBACK_REDUCE_LR_ON_PLATEAU)
    {
      if (!(s->factor > 0.0 && s->factor < 1.0))
        FAIL ("ReduceLROnPlateau: factor must be in (0, 1) (Keras does not support a factor >= 1), not %g",
              s->factor);
      if (s->cooldown < 0 || !(s->min_lr >= 0.0))
        FAIL ("ReduceLROnPlateau: cooldown and min_lr must not be negative");
    }
  if (s->kind == FT_CALLBACK_MODEL_CHECKPOINT)
    {
      if (s->filepath[0] == '\0')
        FAIL ("ModelCheckpoint: filepath is empty");
      if (!g_str_has_suffix (s->filepath, ".h5"))
        FAIL ("ModelCheckpoint: filepath \"%s\" must end in .h5 (FitTape writes Keras' HDF5 format; "
              "use .weights.h5 with save_weights_only)",
              s->filepath);
      if (s->save_weights_only && !g_str_has_suffix (s->filepath, ".weights.h5"))
        FAIL (
            "ModelCheckpoint: with save_weights_only the filepath must end in .weights.h5, as Keras requires "
            "(got \"%s\")",
            s->filepath);
      if (!ft_checkpoint_template_check (s->filepath, error))
        return false;
      if (s->save_freq < 0)
        FAIL ("ModelCheckpoint: save_freq must be \"epoch\" or a positive number of batches, not %d",
              s->save_freq);
    }
  if (s->kind == FT_CALLBACK_CSV_LOGGER && s->filepath[0] == '\0')
    FAIL ("CSVLogger: filename is empty");
  if (s->kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
    {
      if (!(s->initial_lr >= 0.0) || !isfinite (s->initial_lr))
        FAIL ("LearningRateScheduler: initial_learning_rate must be a non-negative number");
      if (s->schedule == FT_SCHEDULE_STEP && (!(s->factor > 0.0 && s->factor <= 1.0) || s->step_size < 1))
        FAIL ("LearningRateScheduler: the step schedule needs factor in (0, 1] and step_size >= 1");
      if (s->schedule == FT_SCHEDULE_EXPONENTIAL && !(s->rate > 0.0 && s->rate <= 1.0))
        FAIL ("LearningRateScheduler: the exponential schedule needs rate in (0, 1], not %g", s->rate);
      if (s->schedule == FT_SCHEDULE_COSINE && (s->decay_epochs < 1 || !(s->alpha >= 0.0 && s->alpha <= 1.0)))
        FAIL ("LearningRateScheduler: the cosine schedule needs decay_epochs >= 1 and alpha in [0, 1]");
    }
  return true;
#undef FAIL
}
