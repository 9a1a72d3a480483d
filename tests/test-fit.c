/* test-fit.c — model.fit() against the explicit GradientTape loop: with every bookkeeping step on and
 * the same seed they give the same weights and history, byte for byte; with one step off the loop
 * behaves exactly as the missing code would (a test per step). */
#include "fittape-engine.h"
#include "train/ft-fit.h"
#include "train/ft-tape-loop.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static FtDataset *
spiral (void)
{
  return ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 5);
}

/* Dense 16 tanh → Dropout 0.1 → Dense 2 (logits): dropout makes the RNG order matter. */
static FtTrainer *
trainer_new (uint64_t seed)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 16;
  s.activation = FT_ACT_TANH;
  ft_model_add (m, &s);
  FtLayerSpec d = ft_layer_spec_default (FT_LAYER_DROPOUT);
  d.rate = 0.1f;
  ft_model_add (m, &d);
  s.units = 2;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, seed, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.optimizer.learning_rate = 0.01f;
  FtTrainer *t = ft_trainer_new (m, &cs, seed, NULL);
  g_assert_nonnull (t);
  return t;
}

static FtFitArgs
args_default (void)
{
  FtFitArgs a = ft_fit_args_default ();
  a.epochs = 6;
  a.batch_size = 16;
  a.validation_split = 0.2;
  return a;
}

static float *
weights_of (FtTrainer *t, size_t *n)
{
  FtModel *m = ft_trainer_model (t);
  *n = ft_model_n_params (m);
  float *w = g_new (float, *n);
  ft_model_get_weights (m, w);
  return w;
}

static void
assert_same_run (FtTrainer *a, FtHistory *ha, FtTrainer *b, FtHistory *hb)
{
  size_t na, nb;
  float *wa = weights_of (a, &na), *wb = weights_of (b, &nb);
  g_assert_cmpuint (na, ==, nb);
  g_assert_cmpint (memcmp (wa, wb, na * sizeof (float)), ==, 0);
  char *ca = ft_history_to_csv (ha, ','), *cb = ft_history_to_csv (hb, ',');
  g_assert_cmpstr (ca, ==, cb);
  /* The CSV prints shortest round-trip numbers: equal text means equal doubles. */
  g_assert_cmpint (ft_history_n_epochs (ha), ==, ft_history_n_epochs (hb));
  for (int i = 0; i < ft_history_n_epochs (ha); i++)
    g_assert_cmpint (memcmp (ft_history_logs (ha, i), ft_history_logs (hb, i), sizeof (FtLogs)), ==, 0);
  g_free (ca);
  g_free (cb);
  g_free (wa);
  g_free (wb);
}

typedef struct
{
  FtTrainer *trainer;
  FtHistory *history;
  FtFitContext ctx;
} Run;

static Run
run_fit (const FtDataset *data, const FtFitArgs *args, const FtCallbackSpec *es, uint64_t seed)
{
  Run r = { trainer_new (seed), ft_history_new () };
  memset (&r.ctx, 0, sizeof r.ctx);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  if (es)
    g_ptr_array_add (cbs, ft_callback_new (es));
  GError *error = NULL;
  g_assert_true (ft_fit (r.trainer, data, args, cbs, r.history, &r.ctx, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (cbs);
  return r;
}

static Run
run_tape (const FtDataset *data, const FtFitArgs *args, const FtLoopSteps *steps, const FtCallbackSpec *es,
          GPtrArray *observers, uint64_t seed)
{
  Run r = { trainer_new (seed), ft_history_new () };
  memset (&r.ctx, 0, sizeof r.ctx);
  GError *error = NULL;
  g_assert_true (ft_tape_loop (r.trainer, data, args, steps, es, NULL, observers, r.history, &r.ctx, &error));
  g_assert_no_error (error);
  return r;
}

static void
run_free (Run *r)
{
  ft_trainer_free (r->trainer);
  ft_history_free (r->history);
}

static void
test_fit_equals_tape_loop (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps all = ft_loop_steps_all ();
  Run f = run_fit (data, &args, NULL, 3);
  Run t = run_tape (data, &args, &all, NULL, NULL, 3);
  g_assert_cmpint (ft_history_n_epochs (f.history), ==, 6);
  double v;
  g_assert_true (ft_logs_get (ft_history_logs (f.history, 0), "val_accuracy", &v));
  assert_same_run (f.trainer, f.history, t.trainer, t.history);
  run_free (&f);
  run_free (&t);
  ft_dataset_free (data);
}

/* With early stopping (restore_best_weights) and class weights: still identical, and it did stop. */
static void
test_fit_equals_tape_loop_early_stopping (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  args.epochs = 60;
  float cw[2] = { 1.0f, 1.5f };
  args.class_weight = cw;
  args.n_class_weight = 2;
  FtCallbackSpec es = ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING);
  es.patience = 2;
  es.min_delta = 0.01;
  es.restore_best_weights = true;
  FtLoopSteps all = ft_loop_steps_all ();
  Run f = run_fit (data, &args, &es, 4);
  Run t = run_tape (data, &args, &all, &es, NULL, 4);
  g_assert_true (f.ctx.stopped_early);
  g_assert_true (t.ctx.stopped_early);
  g_assert_cmpint (f.ctx.stopped_epoch, ==, t.ctx.stopped_epoch);
  g_assert_cmpint (ft_history_n_epochs (f.history), <, 60);
  assert_same_run (f.trainer, f.history, t.trainer, t.history);
  run_free (&f);
  run_free (&t);
  ft_dataset_free (data);
}

/* Two trainers interleaved step by step stay identical to running alone (no shared state). */
static void
test_same_seed_same_run (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  Run a = run_fit (data, &args, NULL, 9), b = run_fit (data, &args, NULL, 9),
      c = run_fit (data, &args, NULL, 10);
  assert_same_run (a.trainer, a.history, b.trainer, b.history);
  size_t n;
  float *wa = weights_of (a.trainer, &n), *wc = weights_of (c.trainer, &n);
  g_assert_cmpint (memcmp (wa, wc, n * sizeof (float)), !=, 0);
  g_free (wa);
  g_free (wc);
  run_free (&a);
  run_free (&b);
  run_free (&c);
  ft_dataset_free (data);
}

/* No metric reset: each epoch's accuracy and loss are the running means over all epochs so far. The
 * weights are unaffected (metrics do not train), so the per-epoch values of a resetting run give the
 * expected cumulative ones exactly. */
static void
test_no_metric_reset_accumulates (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  args.validation_split = 0.0; /* 300 samples, every epoch the same count */
  FtLoopSteps all = ft_loop_steps_all (), no_reset = all;
  no_reset.reset_metrics = false;
  Run on = run_tape (data, &args, &all, NULL, NULL, 2);
  Run off = run_tape (data, &args, &no_reset, NULL, NULL, 2);
  size_t n;
  float *w1 = weights_of (on.trainer, &n), *w2 = weights_of (off.trainer, &n);
  g_assert_cmpint (memcmp (w1, w2, n * sizeof (float)), ==, 0);
  double acc_on[6], acc_off[6], loss_on[6], loss_off[6];
  ft_history_values (on.history, "accuracy", acc_on, 6);
  ft_history_values (off.history, "accuracy", acc_off, 6);
  ft_history_values (on.history, "loss", loss_on, 6);
  ft_history_values (off.history, "loss", loss_off, 6);
  double sum_acc = 0, sum_loss = 0;
  for (int e = 0; e < 6; e++)
    {
      sum_acc += acc_on[e];
      sum_loss += loss_on[e];
      g_assert_cmpfloat_with_epsilon (acc_off[e], sum_acc / (e + 1), 1e-9);
      g_assert_cmpfloat_with_epsilon (loss_off[e], sum_loss / (e + 1), 1e-6);
    }
  g_assert_cmpfloat (acc_off[5], !=, acc_on[5]);
  g_free (w1);
  g_free (w2);
  run_free (&on);
  run_free (&off);
  ft_dataset_free (data);
}

/* No shuffle: a fixed order every epoch — the same as fit(shuffle=False), unlike a shuffled run. */
static void
test_no_shuffle_fixed_order (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.shuffle = false;
  Run t = run_tape (data, &args, &steps, NULL, NULL, 5);
  FtFitArgs fixed = args;
  fixed.shuffle = false;
  Run f = run_fit (data, &fixed, NULL, 5);
  assert_same_run (f.trainer, f.history, t.trainer, t.history);
  Run shuffled = run_fit (data, &args, NULL, 5);
  size_t n;
  float *a = weights_of (t.trainer, &n), *b = weights_of (shuffled.trainer, &n);
  g_assert_cmpint (memcmp (a, b, n * sizeof (float)), !=, 0);
  g_free (a);
  g_free (b);
  run_free (&t);
  run_free (&f);
  run_free (&shuffled);
  ft_dataset_free (data);
}

static bool
has_val_keys (FtHistory *h)
{
  GPtrArray *keys = ft_history_keys (h);
  bool found = false;
  for (guint i = 0; i < keys->len; i++)
    found = found || g_str_has_prefix (keys->pdata[i], "val_");
  g_ptr_array_unref (keys);
  return found;
}

/* No validation: no val_ curves. */
static void
test_no_validation (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.validate = false;
  Run t = run_tape (data, &args, &steps, NULL, NULL, 5);
  g_assert_false (has_val_keys (t.history));
  /* …but training itself is untouched: the weights equal those of the validating run. */
  FtLoopSteps all = ft_loop_steps_all ();
  Run v = run_tape (data, &args, &all, NULL, NULL, 5);
  g_assert_true (has_val_keys (v.history));
  size_t n;
  float *a = weights_of (t.trainer, &n), *b = weights_of (v.trainer, &n);
  g_assert_cmpint (memcmp (a, b, n * sizeof (float)), ==, 0);
  g_free (a);
  g_free (b);
  run_free (&t);
  run_free (&v);
  ft_dataset_free (data);
}

/* No split: every sample trains (the validation samples too), and there is nothing to validate on. */
static void
test_no_split (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.split = false;
  Run t = run_tape (data, &args, &steps, NULL, NULL, 5);
  g_assert_cmpint (t.ctx.samples_seen, ==, 6 * 300);
  g_assert_false (has_val_keys (t.history));
  FtLoopSteps all = ft_loop_steps_all ();
  Run s = run_tape (data, &args, &all, NULL, NULL, 5);
  g_assert_cmpint (s.ctx.samples_seen, ==, 6 * 240);
  run_free (&t);
  run_free (&s);
  ft_dataset_free (data);
}

/* No batching: one full batch per epoch — one optimizer step per epoch, as fit(batch_size=N). */
static void
test_no_batching (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.batching = false;
  Run t = run_tape (data, &args, &steps, NULL, NULL, 5);
  g_assert_cmpint (t.ctx.steps, ==, 1);
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (t.trainer)), ==, 6);
  FtFitArgs full = args;
  full.batch_size = 240;
  Run f = run_fit (data, &full, NULL, 5);
  assert_same_run (f.trainer, f.history, t.trainer, t.history);
  run_free (&t);
  run_free (&f);
  ft_dataset_free (data);
}

/* Without the hand-written early-stopping check, training runs to the last epoch. */
static void
test_no_early_stopping (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  args.epochs = 60;
  FtCallbackSpec es = ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING);
  es.patience = 1;
  es.min_delta = 0.05;
  FtLoopSteps steps = ft_loop_steps_all ();
  Run with = run_tape (data, &args, &steps, &es, NULL, 6);
  g_assert_true (with.ctx.stopped_early);
  g_assert_cmpint (ft_history_n_epochs (with.history), <, 60);
  steps.early_stopping = false;
  Run without = run_tape (data, &args, &steps, &es, NULL, 6);
  g_assert_false (without.ctx.stopped_early);
  g_assert_cmpint (ft_history_n_epochs (without.history), ==, 60);
  run_free (&with);
  run_free (&without);
  ft_dataset_free (data);
}

/* Progress reporting off: observers hear no per-batch progress. */
typedef struct
{
  FtCallback parent;
  int batch_events;
  int epoch_events;
} Counter;

static void
count_batch (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  if (ctx->report_progress)
    ((Counter *) cb)->batch_events++;
}

static void
count_epoch (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  ((Counter *) cb)->epoch_events++;
}

static const FtCallbackClass counter_class = { .name = "Counter",
                                               .on_train_batch_end = count_batch,
                                               .on_epoch_end = count_epoch };

static void
test_progress_switch (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  FtLoopSteps steps = ft_loop_steps_all ();
  Counter c = { { &counter_class }, 0, 0 };
  GPtrArray *obs = g_ptr_array_new ();
  g_ptr_array_add (obs, &c);
  Run on = run_tape (data, &args, &steps, NULL, obs, 5);
  g_assert_cmpint (c.batch_events, ==, 6 * 15);
  g_assert_cmpint (c.epoch_events, ==, 6);
  c.batch_events = c.epoch_events = 0;
  steps.progress = false;
  Run off = run_tape (data, &args, &steps, NULL, obs, 5);
  g_assert_cmpint (c.batch_events, ==, 0);
  g_assert_cmpint (c.epoch_events, ==, 6); /* the history still grows */
  g_ptr_array_unref (obs);
  run_free (&on);
  run_free (&off);
  ft_dataset_free (data);
}

/* Checkpointing on: a file per epoch from the template; off: none. */
static void
test_checkpoint_switch (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  args.epochs = 3;
  char *dir = g_dir_make_tmp ("fittape-ckpt-XXXXXX", NULL);
  FtCallbackSpec mc = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
  char *tmpl = g_build_filename (dir, "ckpt-{epoch:02d}-{val_loss:.4f}.h5", NULL);
  g_strlcpy (mc.filepath, tmpl, sizeof mc.filepath);
  FtLoopSteps steps = ft_loop_steps_all ();
  FtTrainer *t = trainer_new (1);
  FtFitContext ctx;
  memset (&ctx, 0, sizeof ctx);
  GError *error = NULL;
  g_assert_true (ft_tape_loop (t, data, &args, &steps, NULL, &mc, NULL, NULL, &ctx, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ctx.last_checkpoint, dir));
  g_assert_nonnull (strstr (ctx.last_checkpoint, "ckpt-03-"));
  g_assert_true (g_file_test (ctx.last_checkpoint, G_FILE_TEST_EXISTS));
  GDir *d = g_dir_open (dir, 0, NULL);
  int files = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      files++;
      char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
      g_free (p);
    }
  g_dir_close (d);
  g_assert_cmpint (files, ==, 3);
  ft_trainer_free (t);

  steps.checkpoint = false;
  t = trainer_new (1);
  memset (&ctx, 0, sizeof ctx);
  g_assert_true (ft_tape_loop (t, data, &args, &steps, NULL, &mc, NULL, NULL, &ctx, &error));
  g_assert_cmpstr (ctx.last_checkpoint, ==, "");
  d = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (d));
  g_dir_close (d);
  ft_trainer_free (t);
  g_rmdir (dir);
  g_free (tmpl);
  g_free (dir);
  ft_dataset_free (data);
}

/* Too few class weights are refused by both, before any step (not read past the array). */
static void
test_class_weight_checked (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  float cw[1] = { 2.0f };
  args.class_weight = cw;
  args.n_class_weight = 1;
  FtLoopSteps all = ft_loop_steps_all ();
  FtTrainer *t = trainer_new (1);
  GError *error = NULL;
  g_assert_false (ft_tape_loop (t, data, &args, &all, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "class_weight"));
  g_clear_error (&error);
  g_assert_false (ft_fit (t, data, &args, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "class_weight"));
  g_clear_error (&error);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

/* With class_weight, Keras 3 weights the loss but not the compiled metrics: training accuracy is the plain
 * fraction of correct predictions; only weighted_metrics get the weights. fit() and the tape loop agree. */
typedef struct
{
  FtCallback parent;
  const FtDataset *data;
  const float *class_weight;
  double correct, seen, weighted_correct, weighted_seen;
} AccuracyCounter;

static void
count_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  (void) batch;
  (void) logs;
  AccuracyCounter *c = (AccuracyCounter *) cb;
  FtTensor *pred = ft_trainer_last_predictions (ctx->trainer);
  for (uint32_t i = 0; i < ctx->batch_size; i++)
    {
      const float *p = pred->data + (size_t) i * 2;
      float label = c->data->labels[ctx->batch_idx[i]];
      double hit = (float) (p[1] > p[0] ? 1 : 0) == label ? 1.0 : 0.0;
      double w = c->class_weight[(int) label];
      c->correct += hit;
      c->seen += 1;
      c->weighted_correct += w * hit;
      c->weighted_seen += w;
    }
}

static void
count_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  (void) ctx;
  (void) epoch;
  AccuracyCounter *c = (AccuracyCounter *) cb;
  c->correct = c->seen = c->weighted_correct = c->weighted_seen = 0;
}

static const FtCallbackClass accuracy_counter_class = { .name = "AccuracyCounter",
                                                        .on_epoch_begin = count_epoch_begin,
                                                        .on_train_batch_end = count_batch_end };

static void
test_class_weight_metrics_unweighted (void)
{
  FtDataset *data = spiral ();
  FtFitArgs args = args_default ();
  args.epochs = 2;
  float cw[2] = { 1.0f, 5.0f };
  args.class_weight = cw;
  args.n_class_weight = 2;
  for (int mode = 0; mode < 2; mode++)
    {
      FtTrainer *t = trainer_new (3);
      /* Recompile with weighted_metrics: a trainer over a copy of the model. */
      FtModel *m = ft_trainer_model (t);
      int in[1] = { 2 };
      FtModel *copy = ft_model_new (1, in);
      for (int i = 0; i < ft_model_n_layers (m); i++)
        ft_model_add (copy, ft_model_layer_spec (m, i));
      g_assert_true (ft_model_build (copy, 3, NULL));
      FtCompileSpec cs = *ft_trainer_compile_spec (t);
      cs.n_weighted_metrics = 1;
      g_strlcpy (cs.weighted_metrics[0], "accuracy", sizeof cs.weighted_metrics[0]);
      ft_trainer_free (t);
      t = ft_trainer_new (copy, &cs, 3, NULL);
      g_assert_nonnull (t);
      AccuracyCounter counter = { { &accuracy_counter_class }, data, cw, 0, 0, 0, 0 };
      GPtrArray *cbs = g_ptr_array_new ();
      g_ptr_array_add (cbs, &counter.parent);
      FtHistory *h = ft_history_new ();
      FtLoopSteps all = ft_loop_steps_all ();
      g_assert_true (mode == 0 ? ft_fit (t, data, &args, cbs, h, NULL, NULL)
                               : ft_tape_loop (t, data, &args, &all, NULL, NULL, cbs, h, NULL, NULL));
      double acc, wacc;
      const FtLogs *last = ft_history_logs (h, 1);
      g_assert_true (ft_logs_get (last, "accuracy", &acc));
      g_assert_true (ft_logs_get (last, "weighted_accuracy", &wacc));
      g_assert_cmpfloat (fabs (acc - counter.correct / counter.seen), <, 1e-12);
      g_assert_cmpfloat (fabs (wacc - counter.weighted_correct / counter.weighted_seen), <, 1e-12);
      g_assert_cmpfloat (fabs (acc - wacc), >, 1e-6);
      g_ptr_array_unref (cbs);
      ft_history_free (h);
      ft_trainer_free (t);
    }
  ft_dataset_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fit/equals-tape-loop", test_fit_equals_tape_loop);
  g_test_add_func ("/fit/equals-tape-loop-early-stopping", test_fit_equals_tape_loop_early_stopping);
  g_test_add_func ("/fit/same-seed-same-run", test_same_seed_same_run);
  g_test_add_func ("/tape-loop/no-metric-reset", test_no_metric_reset_accumulates);
  g_test_add_func ("/tape-loop/no-shuffle", test_no_shuffle_fixed_order);
  g_test_add_func ("/tape-loop/no-validation", test_no_validation);
  g_test_add_func ("/tape-loop/no-split", test_no_split);
  g_test_add_func ("/tape-loop/no-batching", test_no_batching);
  g_test_add_func ("/tape-loop/no-early-stopping", test_no_early_stopping);
  g_test_add_func ("/tape-loop/progress-switch", test_progress_switch);
  g_test_add_func ("/tape-loop/checkpoint-switch", test_checkpoint_switch);
  g_test_add_func ("/tape-loop/class-weight-checked", test_class_weight_checked);
  g_test_add_func ("/fit/class-weight-metrics-unweighted", test_class_weight_metrics_unweighted);
  return g_test_run ();
}
