/* ft-codegen-tape.c — tape mode of a generated script: the hand-written tf.GradientTape loop, step for step
 * as FitTape's own (ft-tape-loop.c). A switched-off step is absent, with a one-line comment where its code
 * would be; a pitfall switched on is its buggy line after a comment saying what is wrong with it. */
#include "experiment/ft-codegen-private.h"

#include <math.h>
#include <string.h>

/* The emitters hold the Python text as it will read; clang-format would split its lines. */
/* clang-format off */

/* "x_batch, y_batch" or with the sample weights. */
static const char *
batch_vars (FtCodegen *g)
{
  return g->class_weights ? "x_batch, y_batch, w_batch" : "x_batch, y_batch";
}

static void
emit_tape_compile (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  ft_py_begin (w, FT_CODE_COMPILE);
  ft_py_line (w, "# ---- 2. Optimizer, loss and metrics (what model.compile() would hold) ----");
  ft_py_code (w, ft_py_keep (w, g_strdup_printf ("optimizer = %s", ft_codegen_optimizer_code (g))));
  const FtLossSpec *ls = &g->e->compile.loss;
  if (g->pit[FT_PITFALL_FROM_LOGITS_MISMATCH] && ls->kind != FT_LOSS_MEAN_SQUARED_ERROR)
    {
      ft_py_line (w, "# The last layer %s.", ls->from_logits ? "gives logits" : "already applies its activation");
      ft_py_pitfall (w, FT_PITFALL_FROM_LOGITS_MISMATCH, "loss_fn = keras.losses.%s(from_logits=%s)",
                     ft_loss_kind_info (ls->kind)->name, ft_py_bool (!ls->from_logits));
    }
  else
    ft_py_line (w, "loss_fn = %s", ft_codegen_loss_code (g));
  ft_py_line (w, "# Metric objects keep running totals over the batches they see: \"loss\" is the mean of the batch");
  ft_py_line (w, "# losses weighted by batch size, as fit() reports it, not the loss of the last batch.");
  ft_py_line (w, "train_loss = keras.metrics.Mean(name=\"loss\")");
  for (int i = 0; i < g->n_metrics; i++)
    ft_py_line (w, "train_%s = keras.metrics.%s(name=%s)", g->metric_var[i], g->metric_class[i],
                ft_py_str (w, g->metric_key[i]));
  if (g->need_test_step)
    {
      ft_py_line (w, "# The same again for the %s (reset before each pass).",
                  g->validate && g->has_test ? "validation data and the test set"
                  : g->validate              ? "validation data"
                                             : "test set");
      ft_py_line (w, "test_loss = keras.metrics.Mean(name=\"loss\")");
      for (int i = 0; i < g->n_metrics; i++)
        ft_py_line (w, "test_%s = keras.metrics.%s(name=%s)", g->metric_var[i], g->metric_class[i],
                    ft_py_str (w, g->metric_key[i]));
    }
  ft_py_end (w, FT_CODE_COMPILE);
  ft_py_blank (w);
}

/* The validation split, before any shuffling (or, with the pitfall, after it, every epoch); true when
 * the split comes after the shuffle. */
static bool
emit_split (FtCodegen *g, const char *arrays)
{
  FtPyWriter *w = &g->w;
  const FtFitArgs *f = &g->e->fit;
  ft_py_begin (w, FT_CODE_STEP_SPLIT);
  bool split_late = g->split && g->pit[FT_PITFALL_SPLIT_AFTER_SHUFFLE];
  if (split_late)
    {
      ft_py_line (w, "split_at = int(math.floor(len(x_train) * (1.0 - VALIDATION_SPLIT)))");
      ft_py_pitfall (w, FT_PITFALL_SPLIT_AFTER_SHUFFLE,
                     "full_dataset = tf.data.Dataset.from_tensor_slices(%s).shuffle(len(x_train), reshuffle_each_iteration=True)",
                     arrays);
      ft_py_span_add (&w->map->pitfalls[FT_PITFALL_SPLIT_AFTER_SHUFFLE], w->line + 1, w->line + 2);
      ft_py_line (w, "train_dataset = full_dataset.take(split_at)  # a different cut of the samples every epoch");
      ft_py_line (w, "val_source = full_dataset.skip(split_at)");
      ft_py_end (w, FT_CODE_STEP_SPLIT);
    }
  else if (g->split)
    {
      ft_py_line (w, "# The validation split: the last %s of the samples, set aside before any shuffling.",
                  ft_py_keep (w, g_strdup_printf ("%g%%", f->validation_split * 100)));
      ft_py_line (w, "split_at = int(math.floor(len(x_train) * (1.0 - VALIDATION_SPLIT)))");
      ft_py_line (w, "x_val, y_val = x_train[split_at:], y_train[split_at:]");
      ft_py_line (w, "x_train, y_train = x_train[:split_at], y_train[:split_at]");
      if (g->class_weights)
        ft_py_line (w, "sw_train = sw_train[:split_at]");
      ft_py_end (w, FT_CODE_STEP_SPLIT);
    }
  else if (f->validation_split > 0)
    ft_py_omitted (w, FT_CODE_STEP_SPLIT, "no split: every sample trains, and there is no validation data");
  else
    ft_py_omitted (w, FT_CODE_STEP_SPLIT, "no split: validation_split is 0, so there is no validation data");
  return split_late;
}

/* Shuffle: a new order every epoch, or the comment saying it is left out. */
static void
emit_shuffle (FtCodegen *g, bool split_late)
{
  FtPyWriter *w = &g->w;
  if (g->shuffle && split_late)
    {
      ft_py_begin (w, FT_CODE_STEP_SHUFFLE);
      ft_py_line (w, "# Shuffle: done above, before the split.");
      ft_py_end (w, FT_CODE_STEP_SHUFFLE);
    }
  else if (g->shuffle)
    {
      ft_py_begin (w, FT_CODE_STEP_SHUFFLE);
      if (g->pit[FT_PITFALL_SHUFFLE_BUFFER])
        {
          ft_py_line (w, "# Shuffle: a new order every epoch.");
          ft_py_pitfall (w, FT_PITFALL_SHUFFLE_BUFFER,
                         "train_dataset = train_dataset.shuffle(buffer_size=%d, reshuffle_each_iteration=True)",
                         FT_SHUFFLE_BUFFER_SIZE);
        }
      else
        {
          ft_py_line (w, "# Shuffle: a new order of all training samples every epoch.");
          ft_py_line (w, "train_dataset = train_dataset.shuffle(buffer_size=len(x_train), reshuffle_each_iteration=True)");
        }
      ft_py_end (w, FT_CODE_STEP_SHUFFLE);
    }
  else if (g->e->steps.shuffle)
    ft_py_omitted (w, FT_CODE_STEP_SHUFFLE, "no shuffle: fit's shuffle=False, the batches come in the same order every epoch");
  else
    ft_py_omitted (w, FT_CODE_STEP_SHUFFLE, "no shuffle: the batches come in the same order every epoch");
}

/* Batching, or the whole training set as one batch. */
static void
emit_batching (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtFitArgs *f = &g->e->fit;
  if (g->batching)
    {
      ft_py_begin (w, FT_CODE_STEP_BATCHING);
      ft_py_line (w, "# Batching: batches of BATCH_SIZE samples; the last one may be smaller.");
      ft_py_line (w, "train_dataset = train_dataset.batch(BATCH_SIZE)");
      if (f->steps_per_epoch > 0)
        ft_py_line (w, "train_dataset = train_dataset.take(%d)  # steps_per_epoch: only the first %d batches",
                    f->steps_per_epoch, f->steps_per_epoch);
      ft_py_end (w, FT_CODE_STEP_BATCHING);
    }
  else
    {
      ft_py_omitted (w, FT_CODE_STEP_BATCHING, "no batching: the whole training set is one batch, one step per epoch");
      ft_py_rline (w, FT_CODE_STEP_BATCHING, "train_dataset = train_dataset.batch(len(x_train))");
    }
}

static void
emit_tape_pipeline (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const char *arrays = g->class_weights ? "(x_train, y_train, sw_train)" : "(x_train, y_train)";

  ft_py_begin (w, FT_CODE_LOOP);
  ft_py_line (w, "# ---- 3. The loop, part one: the data pipeline ----");
  bool split_late = emit_split (g, arrays);
  if (!split_late)
    ft_py_line (w, "train_dataset = tf.data.Dataset.from_tensor_slices(%s)", arrays);
  emit_shuffle (g, split_late);
  emit_batching (g);
  if (g->validate)
    {
      ft_py_add_range (w->map, FT_CODE_STEP_VALIDATE, w->line + 1, w->line + 1);
      if (split_late)
        ft_py_line (w, "val_dataset = val_source.map(lambda *sample: sample[:2]).batch(%s)",
                    g->batching ? "BATCH_SIZE" : "len(x_train) - split_at");
      else
        ft_py_line (w, "val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(%s)",
                    g->batching ? "BATCH_SIZE" : "len(x_val)");
    }
  ft_py_end (w, FT_CODE_LOOP);
  ft_py_blank (w);
}

static void
emit_tape_steps (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const char *pred = g->logits ? "logits" : "predictions";
  const char *sw = g->class_weights ? ", sample_weight" : "";
  const char *sw_arg = g->class_weights ? ", sample_weight=sample_weight" : "";

  ft_py_begin (w, FT_CODE_TRAIN_STEP);
  ft_py_line (w, "# ---- 4. Train: one step of gradient descent on one batch ----");
  ft_py_line (w, "@tf.function  # traced into a TensorFlow graph once: much faster than running eagerly");
  ft_py_line (w, "def train_step(x, y%s):", sw);
  ft_py_line (w, "    with tf.GradientTape() as tape:");
  w->indent = 8;
  if (g->pit[FT_PITFALL_TRAINING_FALSE])
    ft_py_pitfall (w, FT_PITFALL_TRAINING_FALSE, "%s = model(x, training=False)", pred);
  else
    {
      ft_py_line (w, "# training=True: dropout is active, batch norm uses the batch's own statistics.");
      ft_py_line (w, "%s = model(x, training=True)", pred);
    }
  const char *loss_sw = g->pit[FT_PITFALL_NO_CLASS_WEIGHT] ? "" : sw_arg;
  if (g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS])
    ft_py_pitfall (w, FT_PITFALL_NO_REGULARIZATION_LOSS, "loss = loss_fn(y, %s%s)", pred, loss_sw);
  else
    {
      ft_py_line (w, "# The loss, plus the layers' regularization losses (model.losses: empty without any).");
      if (g->pit[FT_PITFALL_NO_CLASS_WEIGHT] && g->class_weights)
        ft_py_pitfall (w, FT_PITFALL_NO_CLASS_WEIGHT, "loss = loss_fn(y, %s) + sum(model.losses)", pred);
      else
        ft_py_line (w, "loss = loss_fn(y, %s%s) + sum(model.losses)", pred, loss_sw);
    }
  if (g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS] && g->pit[FT_PITFALL_NO_CLASS_WEIGHT] && g->class_weights)
    ft_py_span_add (&w->map->pitfalls[FT_PITFALL_NO_CLASS_WEIGHT], w->line, w->line);
  w->indent = 0;
  ft_py_line (w, "    gradients = tape.gradient(loss, model.trainable_variables)");
  ft_py_line (w, "    optimizer.apply_gradients(zip(gradients, model.trainable_variables))");
  w->indent = 4;
  if (g->pit[FT_PITFALL_UNWEIGHTED_BATCH_MEAN])
    ft_py_pitfall (w, FT_PITFALL_UNWEIGHTED_BATCH_MEAN, "train_loss.update_state(loss)");
  else
    ft_py_line (w, "train_loss.update_state(loss, sample_weight=tf.shape(x)[0])  # weighted by the batch's size");
  w->indent = 0;
  if (g->class_weights && g->n_metrics > 0)
    ft_py_line (w, "    # The class weights weigh the loss only: fit() passes no sample weights to compiled metrics.");
  for (int i = 0; i < g->n_metrics; i++)
    ft_py_line (w, "    train_%s.update_state(y, %s%s)", g->metric_var[i], pred, g->metric_weighted[i] ? sw_arg : "");
  ft_py_line (w, "    return loss");
  ft_py_end (w, FT_CODE_TRAIN_STEP);
  ft_py_blank (w);
  ft_py_blank (w);

  if (g->need_test_step)
    {
      ft_py_begin (w, FT_CODE_VALIDATE);
      ft_py_line (w, "# ---- 5. Validate: the model in inference mode, no tape, no update ----");
      ft_py_line (w, "@tf.function");
      ft_py_line (w, "def test_step(x, y):");
      w->indent = 4;
      if (g->pit[FT_PITFALL_VALIDATE_TRAINING_TRUE])
        ft_py_pitfall (w, FT_PITFALL_VALIDATE_TRAINING_TRUE, "%s = model(x, training=True)", pred);
      else
        {
          ft_py_line (w, "# training=False: no dropout, batch norm uses its moving statistics.");
          ft_py_line (w, "%s = model(x, training=False)", pred);
        }
      ft_py_line (w, "loss = loss_fn(y, %s)%s", pred, g->pit[FT_PITFALL_NO_REGULARIZATION_LOSS] ? "" : " + sum(model.losses)");
      ft_py_line (w, "test_loss.update_state(loss%s)", g->pit[FT_PITFALL_UNWEIGHTED_BATCH_MEAN] ? "" : ", sample_weight=tf.shape(x)[0]");
      w->indent = 0;
      for (int i = 0; i < g->n_metrics; i++)
        ft_py_line (w, "    test_%s.update_state(y, %s)", g->metric_var[i], pred);
      ft_py_end (w, FT_CODE_VALIDATE);
      ft_py_blank (w);
      ft_py_blank (w);
    }
}

/* logs = {"accuracy": …, "loss": …} in Keras' order (sorted keys). */
static void
emit_logs_line (FtCodegen *g, const char *logs_expr_prefix, const char *var_prefix, const char *key_prefix, bool assign)
{
  FtPyWriter *w = &g->w;
  const char *keys[2 * FT_MAX_METRICS + 1];
  const char *vars[2 * FT_MAX_METRICS + 1];
  int n = 0;
  keys[n] = "loss";
  vars[n++] = "loss";
  for (int i = 0; i < g->n_metrics; i++)
    {
      keys[n] = g->metric_key[i];
      vars[n++] = g->metric_var[i];
    }
  /* Insertion sort by key, as Keras sorts the metric results. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp (keys[j - 1], keys[j]) > 0; j--)
      {
        const char *t = keys[j];
        keys[j] = keys[j - 1];
        keys[j - 1] = t;
        t = vars[j];
        vars[j] = vars[j - 1];
        vars[j - 1] = t;
      }
  if (assign)
    {
      GString *s = g_string_new (NULL);
      for (int i = 0; i < n; i++)
        g_string_append_printf (s, "%s%s: float(%s_%s.result())", i ? ", " : "",
                                ft_py_str (w, ft_py_keep (w, g_strconcat (key_prefix, keys[i], NULL))), var_prefix, vars[i]);
      if (w->indent + strlen (logs_expr_prefix) + s->len + 2 <= 100)
        ft_py_line (w, "%s{%s}", logs_expr_prefix, s->str);
      else
        {
          /* Too long for one line: one key per line. */
          ft_py_line (w, "%s{", logs_expr_prefix);
          for (int i = 0; i < n; i++)
            ft_py_line (w, "    %s: float(%s_%s.result()),", ft_py_str (w, ft_py_keep (w, g_strconcat (key_prefix, keys[i], NULL))),
                        var_prefix, vars[i]);
          ft_py_line (w, "}");
        }
      g_string_free (s, TRUE);
    }
  else
    for (int i = 0; i < n; i++)
      ft_py_line (w, "%s[%s] = float(%s_%s.result())", logs_expr_prefix,
                  ft_py_str (w, ft_py_keep (w, g_strconcat (key_prefix, keys[i], NULL))), var_prefix, vars[i]);
}

static void
emit_reset (FtCodegen *g, const char *prefix)
{
  FtPyWriter *w = &g->w;
  ft_py_line (w, "%s_loss.reset_state()", prefix);
  for (int i = 0; i < g->n_metrics; i++)
    ft_py_line (w, "%s_%s.reset_state()", prefix, g->metric_var[i]);
}

/* "current < best", "current + 0.01 < best", "current - 0.01 > best" */
static const char *
improvement (FtCodegen *g, bool greater, double min_delta, const char *current, const char *reference)
{
  double d = fabs (min_delta);
  if (d == 0)
    return ft_py_keep (&g->w, g_strdup_printf ("%s %s %s", current, greater ? ">" : "<", reference));
  return ft_py_keep (&g->w, g_strdup_printf ("%s %s %s %s %s", current, greater ? "-" : "+", ft_py_double (&g->w, d),
                                             greater ? ">" : "<", reference));
}

/* ReduceLROnPlateau's direction: larger is better in "max" mode, or in "auto" mode for an accuracy. */
static bool
plateau_greater (const FtCallbackSpec *c)
{
  return c->mode == FT_MONITOR_MAX || (c->mode == FT_MONITOR_AUTO && strstr (c->monitor, "acc"));
}

/* The hand-written early stopping's and checkpoint's state, before the loop. */
static void
emit_steps_state (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtCallbackSpec *es = g->es, *ck = g->ckpt;
  if (es)
    {
      ft_py_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      ft_py_line (w, "# Early stopping by hand, doing what this callback does in fit():");
      ft_py_line (w, "#   %s", ft_codegen_callback_code (g, es, NULL));
      ft_py_line (w, "best = %s  # the best %s so far", ft_codegen_monitor_greater (es) ? "-math.inf" : "math.inf", es->monitor);
      ft_py_line (w, "wait = 0  # epochs since it last improved");
      if (es->restore_best_weights)
        ft_py_line (w, "best_weights = None");
      ft_py_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  if (ck)
    {
      ft_py_begin (w, FT_CODE_STEP_CHECKPOINT);
      ft_py_line (w, "# Checkpoints by hand, doing what this callback does in fit():");
      ft_py_line (w, "#   %s", ft_codegen_callback_code (g, ck, NULL));
      ft_py_line (w, "CHECKPOINT_PATH = %s", ft_py_str (w, ck->filepath));
      if (ck->save_best_only)
        ft_py_line (w, "checkpoint_best = %s",
                    ck->has_initial_value_threshold ? ft_py_double (w, ck->initial_value_threshold)
                    : ft_codegen_monitor_greater (ck) ? "-math.inf"
                                                      : "math.inf");
      if (ck->save_freq > 0)
        ft_py_line (w, "batches_since_save = 0  # save_freq=%d counts batches across epochs", ck->save_freq);
      ft_py_end (w, FT_CODE_STEP_CHECKPOINT);
    }
}

/* A CSVLogger's file and writer, before the loop. */
static void
emit_csv_logger_state (FtCodegen *g, const FtCallbackSpec *c, const char *sfx)
{
  FtPyWriter *w = &g->w;
  char sep[2] = { c->separator ? c->separator : ',', '\0' };
  ft_py_line (w, "# By hand, what this callback does in fit():");
  ft_py_line (w, "#   %s", ft_codegen_callback_code (g, c, NULL));
  ft_py_line (w, "csv_path%s = %s", sfx, ft_py_str (w, c->filepath));
  if (c->append)
    {
      ft_py_line (w, "csv_header%s = not (os.path.exists(csv_path%s) and os.path.getsize(csv_path%s) > 0)", sfx,
                  sfx, sfx);
      ft_py_line (w, "csv_file%s = open(csv_path%s, \"a\", newline=\"\")", sfx, sfx);
    }
  else
    {
      ft_py_line (w, "csv_header%s = True", sfx);
      ft_py_line (w, "csv_file%s = open(csv_path%s, \"w\", newline=\"\")", sfx, sfx);
    }
  ft_py_line (w, "csv_writer%s = csv.writer(csv_file%s, delimiter=%s)", sfx, sfx, ft_py_str (w, sep));
  ft_py_line (w, "csv_keys%s = None", sfx);
}

/* The other callbacks' state before the loop, in their order. */
static void
emit_callbacks_state (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    {
      const FtCallbackSpec *c = &e->callbacks[i];
      const char *sfx = ft_codegen_kind_suffix (g, i);
      switch (c->kind)
        {
        case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
          ft_py_line (w, "# By hand, what this callback does in fit():");
          ft_py_line (w, "#   %s", ft_codegen_callback_code (g, c, NULL));
          ft_py_line (w, "plateau_best%s = %s", sfx, plateau_greater (c) ? "-math.inf" : "math.inf");
          ft_py_line (w, "plateau_wait%s = 0", sfx);
          ft_py_line (w, "plateau_cooldown%s = 0", sfx);
          break;
        case FT_CALLBACK_CSV_LOGGER:
          emit_csv_logger_state (g, c, sfx);
          break;
        case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
          ft_py_line (w, "# LearningRateScheduler, by hand: the learning rate set at the start of every epoch.");
          ft_codegen_emit_schedule_function (g, c, ft_codegen_schedule_name (g, i));
          break;
        case FT_CALLBACK_TERMINATE_ON_NAN:
          ft_py_line (w, "# TerminateOnNaN, by hand: stop when the loss becomes NaN or infinite (see the batch loop).");
          break;
        case FT_CALLBACK_EARLY_STOPPING:
        case FT_CALLBACK_MODEL_CHECKPOINT:
        case FT_N_CALLBACK_KINDS:
          break;
        }
    }
  ft_py_end (w, FT_CODE_CALLBACKS);
  ft_py_blank (w);
}

/* The epoch loop's head: the learning-rate schedules and the metric reset. */
static void
emit_epoch_start (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;
  if (f->initial_epoch > 0)
    ft_py_rline (w, FT_CODE_EPOCH_START, "for epoch in range(%d, EPOCHS):  # initial_epoch=%d", f->initial_epoch,
                 f->initial_epoch);
  else
    ft_py_rline (w, FT_CODE_EPOCH_START, "for epoch in range(EPOCHS):");
  w->indent = 4;
  ft_py_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
      ft_py_line (w, "optimizer.learning_rate = %s(epoch, float(keras.ops.convert_to_numpy(optimizer.learning_rate)))",
                  ft_codegen_schedule_name (g, i));
  ft_py_end (w, FT_CODE_CALLBACKS);
  if (g->reset)
    {
      ft_py_begin (w, FT_CODE_STEP_RESET_METRICS);
      ft_py_line (w, "# Reset the metric states: each epoch's loss and accuracy are its own.");
      emit_reset (g, "train");
      ft_py_end (w, FT_CODE_STEP_RESET_METRICS);
    }
  else
    ft_py_omitted (w, FT_CODE_STEP_RESET_METRICS, "no metric reset: loss and accuracy accumulate across epochs");
  ft_py_blank (w);
}

/* The pass over the training batches and the epoch's logs. */
static void emit_batch_checkpoint (FtCodegen *g);

static void
emit_batches (FtCodegen *g, bool nan_check)
{
  FtPyWriter *w = &g->w;
  bool need_step = g->batch_progress || nan_check || (g->ckpt != NULL && g->ckpt->save_freq > 0);
  ft_py_line (w, "# Train: one pass over the batches.");
  if (need_step)
    ft_py_line (w, "for step, (%s) in enumerate(train_dataset):", batch_vars (g));
  else
    ft_py_line (w, "for %s in train_dataset:", batch_vars (g));
  w->indent = 8;
  ft_py_rline (w, FT_CODE_BATCH_LINE, "loss = train_step(x_batch, y_batch%s)", g->class_weights ? ", w_batch" : "");
  if (g->batch_progress)
    {
      ft_py_begin (w, FT_CODE_STEP_PROGRESS);
      ft_py_line (w, "if step %% 200 == 0:  # this batch's loss, and the running mean that fit() would print");
      ft_py_line (w, "    print(f\"  batch {step}: {float(loss):.4f}, mean {float(train_loss.result()):.4f}\")");
      ft_py_end (w, FT_CODE_STEP_PROGRESS);
    }
  if (nan_check)
    {
      ft_py_begin (w, FT_CODE_CALLBACKS);
      ft_py_line (w, "if not math.isfinite(float(train_loss.result())):  # TerminateOnNaN");
      ft_py_line (w, "    print(f\"Batch {step}: invalid loss, terminating training\")");
      ft_py_line (w, "    stop_training = True");
      ft_py_line (w, "    break");
      ft_py_end (w, FT_CODE_CALLBACKS);
    }
  emit_batch_checkpoint (g);
  w->indent = 4;
  emit_logs_line (g, "logs = ", "train", "", true);
  if (g->pit[FT_PITFALL_EPOCH_LOSS_LAST_BATCH])
    ft_py_pitfall (w, FT_PITFALL_EPOCH_LOSS_LAST_BATCH, "logs[\"loss\"] = float(loss)  # the last batch's loss");
  ft_py_blank (w);
}

/* The validation pass, or the comment saying it is left out. */
static void
emit_validation (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtFitArgs *f = &g->e->fit;
  if (g->validate)
    {
      ft_py_begin (w, FT_CODE_VALIDATE);
      ft_py_begin (w, FT_CODE_STEP_VALIDATE);
      ft_py_line (w, "# Validate: a pass over the validation data in inference mode, with fresh metric states.");
      if (f->validation_freq > 1)
        {
          ft_py_line (w, "if (epoch + 1) %% %d == 0:  # validation_freq=%d", f->validation_freq, f->validation_freq);
          w->indent = 8;
        }
      emit_reset (g, "test");
      ft_py_line (w, "for x_batch, y_batch in val_dataset:");
      ft_py_line (w, "    test_step(x_batch, y_batch)");
      emit_logs_line (g, "logs", "test", "val_", false);
      w->indent = 4;
      ft_py_end (w, FT_CODE_STEP_VALIDATE);
      ft_py_end (w, FT_CODE_VALIDATE);
    }
  else if (g->split)
    ft_py_omitted (w, FT_CODE_STEP_VALIDATE, "no validation: x_val is set aside but never looked at, no val_ logs");
  else
    ft_py_omitted (w, FT_CODE_STEP_VALIDATE, "no validation: there is no validation data, no val_ logs");
  ft_py_blank (w);
}

/* EarlyStopping's bookkeeping at the end of an epoch, or the comment saying it is left out. */
static void
emit_early_stopping (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtCallbackSpec *es = g->es;
  if (es)
    {
      bool es_greater = ft_codegen_monitor_greater (es);
      const char *monitor = ft_py_str (w, es->monitor);
      ft_py_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      ft_py_line (w, "# Early stopping: is %s still improving? (EarlyStopping's bookkeeping, written out)", es->monitor);
      ft_py_line (w, "current = logs.get(%s)", monitor);
      if (es->start_from_epoch > 0)
        ft_py_line (w, "if current is not None and epoch >= %d:  # start_from_epoch", es->start_from_epoch);
      else
        ft_py_line (w, "if current is not None:");
      if (es->restore_best_weights)
        {
          ft_py_line (w, "    if best_weights is None:");
          ft_py_line (w, "        best_weights = model.get_weights()");
        }
      ft_py_line (w, "    wait += 1");
      ft_py_line (w, "    if %s:", improvement (g, es_greater, es->min_delta, "current", "best"));
      ft_py_line (w, "        best = current");
      if (es->restore_best_weights)
        ft_py_line (w, "        best_weights = model.get_weights()");
      if (es->has_baseline)
        {
          ft_py_line (w, "        if %s:  # only once the baseline is beaten",
                      improvement (g, es_greater, es->min_delta, "current", ft_py_double (w, es->baseline)));
          ft_py_line (w, "            wait = 0");
        }
      else
        ft_py_line (w, "        wait = 0");
      ft_py_line (w, "    elif wait >= %d and epoch > 0:  # patience", es->patience);
      ft_py_line (w, "        print(f\"Epoch {epoch + 1}: early stopping\")");
      ft_py_line (w, "        stop_training = True");
      ft_py_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  else if (!g->e->steps.early_stopping)
    ft_py_omitted (w, FT_CODE_STEP_EARLY_STOPPING, "no early stopping: every epoch runs, however the model fares");
  else
    ft_py_omitted (w, FT_CODE_STEP_EARLY_STOPPING, "no early stopping: the experiment has no EarlyStopping to follow");
}

/* ModelCheckpoint's save at the end of an epoch, or the comment saying it is left out. */
/* One save of the checkpoint, with logs_var's values in the file name: only when the monitor beats the best
 * with save_best_only (a monitor missing from the logs saves anyway, as Keras 3 does). */
static void
emit_checkpoint_save (FtCodegen *g, const char *logs_var, const char *fmt, const char *why)
{
  FtPyWriter *w = &g->w;
  const FtCallbackSpec *ck = g->ckpt;
  const char *save = ck->save_weights_only ? "save_weights" : "save";
  bool mkdir = strchr (ck->filepath, '/') != NULL;
  if (ck->save_best_only)
    {
      ft_py_line (w, "# Save a checkpoint when %s beats the best so far (ModelCheckpoint's job, by hand);",
                  ck->monitor);
      ft_py_line (w, "# without %s in the logs it saves anyway, as Keras 3 does.", ck->monitor);
      ft_py_line (w, "current = %s.get(%s)", logs_var, ft_py_str (w, ck->monitor));
      ft_py_line (w, "if current is None or %s:",
                  ft_codegen_monitor_greater (ck) ? "current > checkpoint_best" : "current < checkpoint_best");
      ft_py_line (w, "    if current is not None:");
      ft_py_line (w, "        checkpoint_best = current");
      ft_py_line (w, "    path = CHECKPOINT_PATH.format(%s)", fmt);
      if (mkdir)
        ft_py_line (w, "    os.makedirs(os.path.dirname(path), exist_ok=True)");
      ft_py_line (w, "    model.%s(path)", save);
    }
  else
    {
      ft_py_line (w, "# Save a checkpoint %s (ModelCheckpoint's job, by hand).", why);
      ft_py_line (w, "path = CHECKPOINT_PATH.format(%s)", fmt);
      if (mkdir)
        ft_py_line (w, "os.makedirs(os.path.dirname(path), exist_ok=True)");
      ft_py_line (w, "model.%s(path)", save);
    }
}

/* Inside the batch loop: a save every save_freq batches, when ModelCheckpoint counts in batches. */
static void
emit_batch_checkpoint (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtCallbackSpec *ck = g->ckpt;
  if (ck == NULL || ck->save_freq <= 0)
    return;
  ft_py_begin (w, FT_CODE_STEP_CHECKPOINT);
  ft_py_line (w, "batches_since_save += 1");
  ft_py_line (w, "if batches_since_save >= %d:", ck->save_freq);
  w->indent += 4;
  ft_py_line (w, "batches_since_save = 0");
  emit_logs_line (g, "batch_logs = ", "train", "", true);
  char *why = g_strdup_printf ("every %d batches", ck->save_freq);
  emit_checkpoint_save (g, "batch_logs", "epoch=epoch + 1, batch=step + 1, **batch_logs", why);
  g_free (why);
  w->indent -= 4;
  ft_py_end (w, FT_CODE_STEP_CHECKPOINT);
}

/* At the epoch's end: the save, unless it counts in batches. */
static void
emit_checkpoint (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtCallbackSpec *ck = g->ckpt;
  if (ck && ck->save_freq > 0)
    return; /* saved in the batch loop */
  if (ck)
    {
      const char *fmt = strstr (ck->filepath, "{batch") != NULL ? "epoch=epoch + 1, batch=0, **logs"
                                                                 : "epoch=epoch + 1, **logs";
      ft_py_begin (w, FT_CODE_STEP_CHECKPOINT);
      emit_checkpoint_save (g, "logs", fmt, "every epoch");
      ft_py_end (w, FT_CODE_STEP_CHECKPOINT);
    }
  else if (!g->e->steps.checkpoint)
    ft_py_omitted (w, FT_CODE_STEP_CHECKPOINT, "no checkpoint: nothing is saved along the way");
  else
    ft_py_omitted (w, FT_CODE_STEP_CHECKPOINT, "no checkpoint: the experiment has no ModelCheckpoint to follow");
}

/* ReduceLROnPlateau's work at the end of an epoch. */
static void
emit_plateau_epoch_end (FtCodegen *g, const FtCallbackSpec *c, const char *sfx)
{
  FtPyWriter *w = &g->w;
  const char *best = ft_py_keep (w, g_strdup_printf ("plateau_best%s", sfx));
  const char *better = plateau_greater (c) ? ft_py_keep (w, g_strdup_printf ("current > %s + %s", best, ft_py_double (w, c->min_delta)))
                                           : ft_py_keep (w, g_strdup_printf ("current < %s - %s", best, ft_py_double (w, c->min_delta)));
  ft_py_line (w, "# ReduceLROnPlateau: a smaller learning rate when %s stops improving.", c->monitor);
  ft_py_line (w, "logs[\"learning_rate\"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
  ft_py_line (w, "current = logs.get(%s)", ft_py_str (w, c->monitor));
  ft_py_line (w, "if current is not None:");
  ft_py_line (w, "    if plateau_cooldown%s > 0:", sfx);
  ft_py_line (w, "        plateau_cooldown%s -= 1", sfx);
  ft_py_line (w, "        plateau_wait%s = 0", sfx);
  ft_py_line (w, "    if %s:", better);
  ft_py_line (w, "        %s = current", best);
  ft_py_line (w, "        plateau_wait%s = 0", sfx);
  ft_py_line (w, "    elif plateau_cooldown%s == 0:", sfx);
  ft_py_line (w, "        plateau_wait%s += 1", sfx);
  ft_py_line (w, "        if plateau_wait%s >= %d:", sfx, c->patience);
  ft_py_line (w, "            old_lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
  ft_py_line (w, "            if old_lr > %s:", ft_py_double (w, c->min_lr));
  ft_py_line (w, "                optimizer.learning_rate = max(old_lr * %s, %s)", ft_py_double (w, c->factor),
              ft_py_double (w, c->min_lr));
  ft_py_line (w, "                plateau_cooldown%s = %d", sfx, c->cooldown);
  ft_py_line (w, "                plateau_wait%s = 0", sfx);
}

/* The other callbacks' epoch-end work, in their order. */
static void
emit_callbacks_epoch_end (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_CALLBACKS);
  for (int i = 0; i < e->n_callbacks; i++)
    {
      const char *sfx = ft_codegen_kind_suffix (g, i);
      switch (e->callbacks[i].kind)
        {
        case FT_CALLBACK_REDUCE_LR_ON_PLATEAU:
          emit_plateau_epoch_end (g, &e->callbacks[i], sfx);
          break;
        case FT_CALLBACK_LEARNING_RATE_SCHEDULER:
          ft_py_line (w, "logs[\"learning_rate\"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))");
          break;
        case FT_CALLBACK_CSV_LOGGER:
          ft_py_line (w, "# CSVLogger: one row per epoch; the columns are fixed by the first epoch's sorted keys.");
          ft_py_line (w, "if csv_keys%s is None:", sfx);
          ft_py_line (w, "    csv_keys%s = sorted(logs)", sfx);
          ft_py_line (w, "    if csv_header%s:", sfx);
          ft_py_line (w, "        csv_writer%s.writerow([\"epoch\"] + csv_keys%s)", sfx, sfx);
          ft_py_line (w, "csv_writer%s.writerow([epoch] + [logs.get(key, \"NA\") for key in csv_keys%s])", sfx, sfx);
          ft_py_line (w, "csv_file%s.flush()", sfx);
          break;
        case FT_CALLBACK_EARLY_STOPPING:
        case FT_CALLBACK_MODEL_CHECKPOINT:
        case FT_CALLBACK_TERMINATE_ON_NAN:
        case FT_N_CALLBACK_KINDS:
          break;
        }
    }

  ft_py_end (w, FT_CODE_CALLBACKS);
}

/* The epoch's end: progress, the history, the stop; then, after the loop, the best weights restored and
 * the CSV files closed. */
static void
emit_epoch_end (FtCodegen *g, bool can_stop)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  const FtCallbackSpec *es = g->es;
  if (g->progress)
    {
      ft_py_begin (w, FT_CODE_STEP_PROGRESS);
      ft_py_line (w, "logs_text = \" - \".join(f\"{key}: {value:.4f}\" for key, value in logs.items())");
      ft_py_line (w, "print(f\"Epoch {epoch + 1}/{EPOCHS} - {logs_text}\")");
      ft_py_end (w, FT_CODE_STEP_PROGRESS);
    }
  else
    ft_py_omitted (w, FT_CODE_STEP_PROGRESS, "no progress: the loop trains silently");
  ft_py_line (w, "for key, value in logs.items():");
  ft_py_rline (w, FT_CODE_EPOCH_END, "    history.setdefault(key, []).append(value)");
  if (can_stop)
    {
      ft_py_line (w, "if stop_training:");
      ft_py_line (w, "    break");
    }
  w->indent = 0;

  /* After the loop. */
  bool after = (es && es->restore_best_weights) || ft_codegen_has_callback (e, FT_CALLBACK_CSV_LOGGER);
  if (after)
    ft_py_blank (w);
  if (es && es->restore_best_weights)
    {
      ft_py_begin (w, FT_CODE_STEP_EARLY_STOPPING);
      ft_py_line (w, "if best_weights is not None:");
      ft_py_line (w, "    model.set_weights(best_weights)  # restore_best_weights: the best epoch's weights, not the last");
      ft_py_end (w, FT_CODE_STEP_EARLY_STOPPING);
    }
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == FT_CALLBACK_CSV_LOGGER)
      ft_py_line (w, "csv_file%s.close()", ft_codegen_kind_suffix (g, i));
}

static void
emit_tape_loop (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  bool nan_check = ft_codegen_has_callback (g->e, FT_CALLBACK_TERMINATE_ON_NAN);

  ft_py_begin (w, FT_CODE_LOOP);
  ft_py_line (w, "# ---- 3. The loop, part two: epochs of batches ----");
  bool can_stop = g->es != NULL || nan_check; /* something may end training early */
  ft_py_line (w, "history = {}  # what fit() returns as History.history: every log's value, epoch by epoch");
  if (can_stop)
    ft_py_line (w, "stop_training = False  # as model.stop_training: set to end the run after this epoch");

  /* State of the hand-written steps and callbacks, before the loop. */
  emit_steps_state (g);
  emit_callbacks_state (g);

  /* The epoch loop. */
  emit_epoch_start (g);
  emit_batches (g, nan_check);
  emit_validation (g);
  emit_early_stopping (g);
  emit_checkpoint (g);
  emit_callbacks_epoch_end (g);
  emit_epoch_end (g, can_stop);
  ft_py_end (w, FT_CODE_LOOP);
  ft_py_blank (w);
}

static void
emit_tape_evaluate (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  if (!g->has_test)
    {
      ft_py_line (w, "# (no evaluation: there is no test set)");
      return;
    }
  ft_py_begin (w, FT_CODE_EVALUATE);
  ft_py_line (w, "# ---- 6. Evaluate on the test set (what model.evaluate() does) ----");
  if (g->has_test == 2)
    {
      ft_py_line (w, "if x_test is not None:");
      w->indent = 4;
    }
  emit_reset (g, "test");
  ft_py_line (w, "for x_batch, y_batch in tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(BATCH_SIZE):");
  ft_py_line (w, "    test_step(x_batch, y_batch)");
  emit_logs_line (g, "results = ", "test", "", true);
  ft_py_line (w, "print(\"Test: \" + \" - \".join(f\"{key}: {value:.4f}\" for key, value in results.items()))");
  w->indent = 0;
  ft_py_end (w, FT_CODE_EVALUATE);
}


/* The whole of tape mode: optimizer, loss and metrics, the dataset pipeline, the train and test steps,
 * the epoch loop and the evaluation. */
void
ft_codegen_emit_tape (FtCodegen *g)
{
  emit_tape_compile (g);
  emit_tape_pipeline (g);
  emit_tape_steps (g);
  emit_tape_loop (g);
  emit_tape_evaluate (g);
}

/* clang-format on */
