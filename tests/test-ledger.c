/* test-ledger.c — the ledger behind every epoch value: recomputed from the recorded batches, each epoch's
 * loss equals the logged one bit for bit (weighted by batch size, the smaller last batch counting less),
 * its accuracy is the epoch's correct / seen, the explanation carries those numbers and says whether the
 * regularization penalty is in the loss; with the tape loop's "unweighted mean" pitfall the logged loss is
 * the unweighted mean instead. Entries recompute every logged number (val_ from the validation batches) by
 * the loop's rule bit for bit; the full pass after an epoch equals evaluate() with that epoch's weights. */
#include "fittape-engine.h"

#include <math.h>
#include <string.h>

/* 300 spiral samples, split 0.2: 240 train in batches of 64: 3 × 64 + 48. */
static FtTrainer *
trainer_new (float l2)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 12;
  s.activation = FT_ACT_TANH;
  s.kernel_l2 = l2;
  ft_model_add (m, &s);
  s.units = 2;
  s.kernel_l2 = 0;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 5, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  FtTrainer *t = ft_trainer_new (m, &cs, 5, NULL);
  g_assert_nonnull (t);
  return t;
}

static FtFitArgs
args (void)
{
  FtFitArgs a = ft_fit_args_default ();
  a.epochs = 3;
  a.batch_size = 64;
  a.validation_split = 0.2;
  return a;
}

static void
test_fit_ledger (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
  FtTrainer *t = trainer_new (0.01f);
  FtLedger *ledger = ft_ledger_new ();
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (cbs, ft_ledger_callback_new (ledger));
  FtHistory *h = ft_history_new ();
  FtFitArgs a = args ();
  g_assert_true (ft_fit (t, data, &a, cbs, h, NULL, NULL));
  g_assert_cmpint (ft_ledger_n_epochs (ledger), ==, 3);
  g_assert_cmpint (ft_ledger_n_metrics (ledger), ==, 2);
  g_assert_cmpstr (ft_ledger_metric_name (ledger, 0), ==, "loss");
  g_assert_cmpstr (ft_ledger_metric_name (ledger, 1), ==, "accuracy");
  for (int i = 0; i < 3; i++)
    {
      int epoch, n;
      FtLogs logs;
      FtLedgerBatch *b;
      bool reg;
      g_assert_true (ft_ledger_epoch (ledger, i, &epoch, &logs, &b, &n, &reg));
      g_assert_cmpint (epoch, ==, i);
      g_assert_true (reg);
      g_assert_cmpint (n, ==, 4);
      g_assert_cmpuint (b[3].size, ==, 48);
      /* The logged loss, recomputed from the batches: bit for bit, and the history holds the same. */
      double loss, acc;
      g_assert_true (ft_logs_get (ft_history_logs (h, i), "loss", &loss));
      g_assert_true (ft_logs_get (ft_history_logs (h, i), "accuracy", &acc));
      g_assert_cmpfloat (ft_ledger_weighted_mean (b, n), ==, loss);
      g_assert_cmpfloat (ft_ledger_unweighted_mean (b, n), !=, loss);
      /* Accuracy: correct / seen over the epoch (counts are whole numbers). */
      g_assert_cmpfloat (b[3].count[1], ==, 240.0);
      g_assert_cmpfloat (b[3].total[1], ==, floor (b[3].total[1]));
      g_assert_cmpfloat (b[3].total[1] / b[3].count[1], ==, acc);
      char *why = ft_ledger_explain (ledger, i, "loss");
      g_test_message ("%s", why);
      g_assert_nonnull (strstr (why, "/ 240 = "));
      g_assert_nonnull (strstr (why, "·48"));
      g_assert_nonnull (strstr (why, "includes the regularization penalty"));
      g_assert_nonnull (strstr (why, "the last batch's loss"));
      g_free (why);
      why = ft_ledger_explain (ledger, i, "accuracy");
      g_assert_nonnull (strstr (why, "/ 240 = "));
      g_free (why);
      g_assert_null (ft_ledger_explain (ledger, i, "val_loss"));
      g_free (b);
    }
  g_ptr_array_unref (cbs);
  ft_history_free (h);
  ft_ledger_free (ledger);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

static void
test_tape_pitfalls_ledger (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
  FtTrainer *t = trainer_new (0.01f);
  FtLedger *ledger = ft_ledger_new ();
  GPtrArray *obs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (obs, ft_ledger_callback_new (ledger));
  FtHistory *h = ft_history_new ();
  FtFitArgs a = args ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.pitfalls.on[FT_PITFALL_UNWEIGHTED_BATCH_MEAN] = true;
  steps.pitfalls.on[FT_PITFALL_NO_REGULARIZATION_LOSS] = true;
  g_assert_true (ft_tape_loop (t, data, &a, &steps, NULL, NULL, obs, h, NULL, NULL));
  for (int i = 0; i < 3; i++)
    {
      int n;
      FtLedgerBatch *b;
      bool reg;
      FtLogs logs;
      g_assert_true (ft_ledger_epoch (ledger, i, NULL, &logs, &b, &n, &reg));
      g_assert_false (reg);
      double loss;
      g_assert_true (ft_logs_get (&logs, "loss", &loss));
      g_assert_cmpfloat (ft_ledger_unweighted_mean (b, n), ==, loss);
      g_assert_cmpfloat (ft_ledger_weighted_mean (b, n), !=, loss);
      char *why = ft_ledger_explain (ledger, i, "loss");
      g_assert_nonnull (strstr (why, "no regularization penalty"));
      g_assert_nonnull (strstr (why, "the logged value is"));
      g_free (why);
      g_free (b);
    }
  g_ptr_array_unref (obs);
  ft_history_free (h);
  ft_ledger_free (ledger);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

/* Entries: every logged number of every epoch (loss, accuracy, val_loss, val_accuracy) equals the value the
 * entry recomputes from its batches by the run's rule, bit for bit; the penalty is there and positive; the
 * full pass after an epoch runs from the saved weights and equals evaluate() on a model holding them. */
static void
check_entries (FtLedger *ledger, FtHistory *h, int epochs, FtLedgerRule loss_rule)
{
  static const char *const keys[] = { "loss", "accuracy", "val_loss", "val_accuracy" };
  for (int i = 0; i < epochs; i++)
    for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
      {
        FtLedgerEntry e;
        g_assert_true (ft_ledger_entry (ledger, i, keys[k], &e));
        g_assert_true (e.has_logged);
        double logged;
        g_assert_true (ft_logs_get (ft_history_logs (h, i), keys[k], &logged));
        g_assert_cmpfloat (e.logged, ==, logged);
        g_assert_cmpint (e.n_batches, ==, k < 2 ? 4 : 1); /* 60 validation samples in one batch */
        g_assert_cmpfloat (e.by_rule, ==, logged);
        if (k == 0)
          g_assert_cmpint (e.rule, ==, loss_rule);
        g_assert_cmpfloat (ft_ledger_entry_value (&e, e.rule), ==, logged);
        if (k == 0 || k == 2)
          {
            if (e.regularization)
              g_assert_cmpfloat (e.penalty, >, 0);
            else
              g_assert_cmpfloat (e.penalty, ==, 0);
          }
        char *f = ft_ledger_formula (&e, FT_LEDGER_RULE_WEIGHTED_MEAN, 6);
        g_test_message ("%s epoch %d: %s", keys[k], i, f);
        g_assert_nonnull (strstr (f, k < 2 ? ") / 240 = " : ") / 60 = "));
        g_free (f);
        ft_ledger_entry_clear (&e);
      }
}

static void
test_entries_and_full_pass (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
  FtTrainer *t = trainer_new (0.01f);
  FtLedger *ledger = ft_ledger_new ();
  ft_ledger_set_keep_weights (ledger, true);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (cbs, ft_ledger_callback_new (ledger));
  FtHistory *h = ft_history_new ();
  FtFitArgs a = args ();
  g_assert_true (ft_fit (t, data, &a, cbs, h, NULL, NULL));
  check_entries (ledger, h, 3, FT_LEDGER_RULE_WEIGHTED_MEAN);

  /* The full pass after the last epoch: the training model holds exactly those weights now. */
  FtTrainer *scratch = trainer_new (0.01f);
  FtLogs full, direct;
  GError *error = NULL;
  g_assert_true (ft_ledger_full_pass (ledger, 2, scratch, data, &full, NULL, &error));
  g_assert_no_error (error);
  ft_logs_clear (&direct);
  ft_trainer_evaluate (t, data, 0, 240, 64, "", &direct);
  double a1, a2;
  g_assert_true (ft_logs_get (&full, "loss", &a1));
  g_assert_true (ft_logs_get (&direct, "loss", &a2));
  g_assert_cmpfloat (a1, ==, a2);
  g_assert_true (ft_logs_get (&full, "accuracy", &a1));
  g_assert_true (ft_logs_get (&direct, "accuracy", &a2));
  g_assert_cmpfloat (a1, ==, a2);
  /* Cost: one epoch's full pass, measured (a forward pass over the 240 training samples). */
  gint64 t0 = g_get_monotonic_time ();
  for (int r = 0; r < 20; r++)
    g_assert_true (ft_ledger_full_pass (ledger, 0, scratch, data, &full, NULL, NULL));
  g_test_message ("full pass over 240 samples: %.1f µs", (g_get_monotonic_time () - t0) / 20.0);
  ft_trainer_free (scratch);

  g_ptr_array_unref (cbs);
  ft_history_free (h);
  ft_ledger_free (ledger);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

/* The tape loop's bookkeeping pitfalls: the entry names the rule the loop used and its value is the logged
 * one; the correct (weighted) value is beside it. */
static void
test_tape_rules (void)
{
  for (int p = 0; p < 2; p++)
    {
      FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
      FtTrainer *t = trainer_new (0.01f);
      FtLedger *ledger = ft_ledger_new ();
      GPtrArray *obs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
      g_ptr_array_add (obs, ft_ledger_callback_new (ledger));
      FtHistory *h = ft_history_new ();
      FtFitArgs a = args ();
      FtLoopSteps steps = ft_loop_steps_all ();
      steps.pitfalls.on[p ? FT_PITFALL_EPOCH_LOSS_LAST_BATCH : FT_PITFALL_UNWEIGHTED_BATCH_MEAN] = true;
      g_assert_true (ft_tape_loop (t, data, &a, &steps, NULL, NULL, obs, h, NULL, NULL));
      check_entries (ledger, h, 3, p ? FT_LEDGER_RULE_LAST_BATCH : FT_LEDGER_RULE_UNWEIGHTED_MEAN);
      FtLedgerEntry e;
      g_assert_true (ft_ledger_entry (ledger, 1, "loss", &e));
      g_assert_cmpfloat (e.weighted, !=, e.logged);
      char *f = ft_ledger_formula (&e, e.rule, 6);
      g_assert_nonnull (strstr (f, p ? "batch 4 of 4, 48 samples" : ") / 4 = "));
      g_free (f);
      ft_ledger_entry_clear (&e);
      g_ptr_array_unref (obs);
      ft_history_free (h);
      ft_ledger_free (ledger);
      ft_trainer_free (t);
      ft_dataset_free (data);
    }
}

/* The left-out "reset the metrics" step: the loss tracker and accuracy carry over from earlier epochs, and
 * the entries still reproduce the logged values (the accumulators' total / count), the formula naming what
 * was carried. */
static void
test_metrics_never_reset (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
  FtTrainer *t = trainer_new (0.0f);
  FtLedger *ledger = ft_ledger_new ();
  GPtrArray *obs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (obs, ft_ledger_callback_new (ledger));
  FtHistory *h = ft_history_new ();
  FtFitArgs a = args ();
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.reset_metrics = false;
  g_assert_true (ft_tape_loop (t, data, &a, &steps, NULL, NULL, obs, h, NULL, NULL));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++)
      {
        const char *key = k ? "accuracy" : "loss";
        FtLedgerEntry e;
        g_assert_true (ft_ledger_entry (ledger, i, key, &e));
        double logged;
        g_assert_true (ft_logs_get (ft_history_logs (h, i), key, &logged));
        g_assert_cmpfloat (e.by_rule, ==, logged);
        g_assert_cmpfloat (e.sum_n, ==, 240.0 * (i + 1));
        char *f = ft_ledger_formula (&e, FT_LEDGER_RULE_WEIGHTED_MEAN, 6);
        g_test_message ("%s epoch %d: %s", key, i, f);
        char *tail = g_strdup_printf (") / %d = ", 240 * (i + 1));
        g_assert_nonnull (strstr (f, tail));
        if (i > 0)
          g_assert_nonnull (strstr (f, "earlier epochs"));
        else
          g_assert_null (strstr (f, "earlier epochs"));
        g_free (tail);
        g_free (f);
        ft_ledger_entry_clear (&e);
      }
  g_ptr_array_unref (obs);
  ft_history_free (h);
  ft_ledger_free (ledger);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

/* weighted_metrics with class_weight: the weighted accuracy's batches count by their samples' weights (nᵢ is
 * a sum of class weights, not a sample count) and the entry still reproduces the logged value bit for bit;
 * the plain accuracy counts samples. */
static void
test_weighted_metric (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 2);
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec ls = ft_layer_spec_default (FT_LAYER_DENSE);
  ls.units = 8;
  ls.activation = FT_ACT_TANH;
  ft_model_add (m, &ls);
  ls.units = 2;
  ls.activation = FT_ACT_LINEAR;
  ft_model_add (m, &ls);
  g_assert_true (ft_model_build (m, 5, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.n_weighted_metrics = 1;
  g_strlcpy (cs.weighted_metrics[0], "accuracy", sizeof cs.weighted_metrics[0]);
  FtTrainer *t = ft_trainer_new (m, &cs, 5, NULL);
  g_assert_nonnull (t);
  FtLedger *ledger = ft_ledger_new ();
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (cbs, ft_ledger_callback_new (ledger));
  FtHistory *h = ft_history_new ();
  FtFitArgs a = args ();
  float cw[2] = { 0.25f, 2.0f };
  a.class_weight = cw;
  a.n_class_weight = 2;
  g_assert_true (ft_fit (t, data, &a, cbs, h, NULL, NULL));
  g_assert_cmpint (ft_ledger_n_metrics (ledger), ==, 3);
  const char *wkey = ft_ledger_metric_name (ledger, 2);
  g_test_message ("weighted metric: %s", wkey);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++)
      {
        const char *key = k ? wkey : "accuracy";
        FtLedgerEntry e;
        g_assert_true (ft_ledger_entry (ledger, i, key, &e));
        double logged;
        g_assert_true (ft_logs_get (ft_history_logs (h, i), key, &logged));
        g_assert_cmpfloat (e.by_rule, ==, logged);
        g_assert_cmpint (e.n_batches, ==, 4);
        if (k)
          g_assert_cmpfloat (e.sum_n, !=, 240.0); /* weights, not samples */
        else
          g_assert_cmpfloat (e.sum_n, ==, 240.0);
        char *f = ft_ledger_formula (&e, FT_LEDGER_RULE_WEIGHTED_MEAN, 6);
        g_test_message ("%s epoch %d: %s", key, i, f);
        g_free (f);
        ft_ledger_entry_clear (&e);
      }
  g_ptr_array_unref (cbs);
  ft_history_free (h);
  ft_ledger_free (ledger);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ledger/fit", test_fit_ledger);
  g_test_add_func ("/ledger/tape-pitfalls", test_tape_pitfalls_ledger);
  g_test_add_func ("/ledger/entries-and-full-pass", test_entries_and_full_pass);
  g_test_add_func ("/ledger/tape-rules", test_tape_rules);
  g_test_add_func ("/ledger/metrics-never-reset", test_metrics_never_reset);
  g_test_add_func ("/ledger/weighted-metric", test_weighted_metric);
  return g_test_run ();
}
