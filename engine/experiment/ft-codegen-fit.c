/* ft-codegen-fit.c — fit mode of a generated script: model.compile(), the callbacks list, model.fit() with
 * its arguments and model.evaluate(); each loop step's region points at the line doing its job. */
#include "experiment/ft-codegen-private.h"

/* The emitters hold the Python text as it will read; clang-format would split its lines. */
/* clang-format off */

/* model.compile() with the optimizer, the loss and the metrics. */
static void
emit_compile (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_COMPILE);
  ft_py_line (w, "# ---- 2. Optimizer, loss and metrics: model.compile() ----");
  ft_py_line (w, "model.compile(");
  ft_py_code (w, ft_py_keep (w, g_strdup_printf ("    optimizer=%s,", ft_codegen_optimizer_code (g))));
  ft_py_line (w, "    loss=%s,", ft_codegen_loss_code (g));
  GString *m = g_string_new (NULL);
  for (int i = 0; i < e->compile.n_metrics; i++)
    g_string_append_printf (m, "%s%s", i ? ", " : "", ft_py_str (w, e->compile.metrics[i]));
  ft_py_line (w, "    metrics=[%s],", m->str);
  if (e->compile.n_weighted_metrics > 0)
    {
      /* Only these get class_weight's sample weights; the metrics above do not (Keras 3). */
      g_string_truncate (m, 0);
      for (int i = 0; i < e->compile.n_weighted_metrics; i++)
        g_string_append_printf (m, "%s%s", i ? ", " : "", ft_py_str (w, e->compile.weighted_metrics[i]));
      ft_py_line (w, "    weighted_metrics=[%s],", m->str);
    }
  g_string_free (m, TRUE);
  ft_py_line (w, ")");
  ft_py_end (w, FT_CODE_COMPILE);
  ft_py_blank (w);
}

/* The LearningRateSchedulers' functions and the callbacks list; the first and last line of callback i
 * (i < n_max) go in cb_first[i] and cb_last[i]. */
static void
emit_callbacks_list (FtCodegen *g, int *cb_first, int *cb_last, int n_max)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_CALLBACKS);
  ft_py_line (w, "# ---- Callbacks: fit() calls them at the start and end of every epoch and batch ----");
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
      {
        ft_codegen_emit_schedule_function (g, &e->callbacks[i], ft_codegen_schedule_name (g, i));
        ft_py_blank (w);
        ft_py_blank (w);
      }
  ft_py_line (w, "callbacks = [");
  for (int i = 0; i < e->n_callbacks; i++)
    {
      int first = w->line + 1;
      ft_py_code (w, ft_py_keep (w, g_strdup_printf ("    %s,", ft_codegen_callback_code (g, &e->callbacks[i], ft_codegen_schedule_name (g, i)))));
      if (i < n_max)
        {
          cb_first[i] = first;
          cb_last[i] = w->line;
        }
    }
  ft_py_line (w, "]");
  ft_py_end (w, FT_CODE_CALLBACKS);
  ft_py_blank (w);
}

/* The model.fit( call with its arguments; returns the line of "history = model.fit(". */
static int
emit_fit_call (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtFitArgs *f = &g->e->fit;
  bool any_callbacks = g->e->n_callbacks > 0;
  ft_py_line (w, "# ---- 3. The loop, 4. train and 5. validate: model.fit() does all three ----");
  ft_py_comment_wrapped (
    w, "Every epoch fit() resets the metrics, shuffles the training samples (shuffle=True), cuts them into "
       "batches of batch_size, and on each batch runs the train step: the forward pass under a "
       "tf.GradientTape, the gradients, optimizer.apply_gradients() and the metric updates. Then it validates "
       "on the validation split, calls the callbacks and prints the progress bar. Export this experiment in "
       "tape mode to see each of those steps written out.");
  ft_py_begin (w, FT_CODE_LOOP);
  ft_py_begin (w, FT_CODE_TRAIN_STEP);
  ft_py_line (w, "history = model.fit(");
  int fit_line = w->line;
  ft_py_line (w, "    x_train,");
  ft_py_line (w, "    y_train,");
  ft_py_rline (w, FT_CODE_STEP_BATCHING, "    batch_size=BATCH_SIZE,");
  ft_py_line (w, "    epochs=EPOCHS,");
  if (f->validation_split > 0)
    {
      ft_py_line (w, "    validation_split=VALIDATION_SPLIT,  # the last %s, set aside before shuffling",
                  ft_py_keep (w, g_strdup_printf ("%g%%", f->validation_split * 100)));
      ft_py_add_range (w->map, FT_CODE_STEP_SPLIT, w->line, w->line);
      ft_py_add_range (w->map, FT_CODE_STEP_VALIDATE, w->line, w->line);
      ft_py_add_range (w->map, FT_CODE_VALIDATE, w->line, w->line);
    }
  ft_py_rline (w, FT_CODE_STEP_SHUFFLE, "    shuffle=%s,", ft_py_bool (f->shuffle));
  if (f->class_weight != NULL && f->n_class_weight > 0)
    {
      GString *cw = g_string_new (NULL);
      for (int i = 0; i < f->n_class_weight; i++)
        g_string_append_printf (cw, "%s%d: %s", i ? ", " : "", i, ft_py_float (w, f->class_weight[i]));
      ft_py_line (w, "    class_weight={%s},", cw->str);
      g_string_free (cw, TRUE);
    }
  if (f->initial_epoch > 0)
    ft_py_line (w, "    initial_epoch=%d,", f->initial_epoch);
  if (f->steps_per_epoch > 0)
    ft_py_line (w, "    steps_per_epoch=%d,", f->steps_per_epoch);
  if (f->validation_freq > 1)
    ft_py_line (w, "    validation_freq=%d,", f->validation_freq);
  if (any_callbacks)
    ft_py_line (w, "    callbacks=callbacks,");
  ft_py_line (w, ")");
  ft_py_end (w, FT_CODE_TRAIN_STEP);
  ft_py_end (w, FT_CODE_LOOP);
  return fit_line;
}

/* The loop steps fit() does unasked point at the model.fit( line; EarlyStopping and ModelCheckpoint at
 * their callbacks' lines. */
static void
map_fit_steps (FtCodegen *g, int fit_line, const int *cb_first, const int *cb_last, int n_max)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;
    if (f->validation_split <= 0)
    {
      ft_py_add_range (w->map, FT_CODE_STEP_SPLIT, fit_line, fit_line);
      ft_py_add_range (w->map, FT_CODE_STEP_VALIDATE, fit_line, fit_line);
    }
  ft_py_add_range (w->map, FT_CODE_STEP_RESET_METRICS, fit_line, fit_line);
  ft_py_add_range (w->map, FT_CODE_STEP_PROGRESS, fit_line, fit_line);
  ft_py_add_range (w->map, FT_CODE_BATCH_LINE, fit_line, fit_line);
  ft_py_add_range (w->map, FT_CODE_EPOCH_START, fit_line, fit_line);
  ft_py_add_range (w->map, FT_CODE_EPOCH_END, fit_line, fit_line);
  static const struct
  {
    FtCallbackKind kind;
    FtCodeRegion region;
  } by_callback[] = { { FT_CALLBACK_EARLY_STOPPING, FT_CODE_STEP_EARLY_STOPPING },
                      { FT_CALLBACK_MODEL_CHECKPOINT, FT_CODE_STEP_CHECKPOINT } };
  for (size_t k = 0; k < G_N_ELEMENTS (by_callback); k++)
    {
      bool found = false;
      for (int i = 0; i < e->n_callbacks && i < n_max; i++)
        if (e->callbacks[i].kind == by_callback[k].kind)
          {
            ft_py_add_range (w->map, by_callback[k].region, cb_first[i], cb_last[i]);
            found = true;
          }
      if (!found)
        ft_py_add_range (w->map, by_callback[k].region, fit_line, fit_line);
    }
}

/* model.evaluate() on the test set, when there is one. */
static void
emit_evaluate (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  if (g->has_test)
    {
      ft_py_begin (w, FT_CODE_EVALUATE);
      ft_py_line (w, "# ---- 6. Evaluate on the test set ----");
      if (g->has_test == 2)
        {
          ft_py_line (w, "if x_test is not None:");
          w->indent += 4;
        }
      ft_py_line (w, "results = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, return_dict=True)");
      ft_py_line (w, "print(\"Test: \" + \" - \".join(f\"{key}: {value:.4f}\" for key, value in results.items()))");
      if (g->has_test == 2)
        w->indent -= 4;
      ft_py_end (w, FT_CODE_EVALUATE);
    }
  else
    ft_py_line (w, "# (no evaluation: there is no test set)");
}

void
ft_codegen_emit_fit (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  emit_compile (g);
  int cb_first[64] = { 0 }, cb_last[64] = { 0 };
  if (g->e->n_callbacks > 0)
    emit_callbacks_list (g, cb_first, cb_last, (int) G_N_ELEMENTS (cb_first));
  int fit_line = emit_fit_call (g);
  map_fit_steps (g, fit_line, cb_first, cb_last, (int) G_N_ELEMENTS (cb_first));
  ft_py_blank (w);
  emit_evaluate (g);
}

/* clang-format on */
