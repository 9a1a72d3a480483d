/* test-pitfalls.c — each pitfall of the tape loop does what the buggy line does in TensorFlow, shown on a
 * small experiment against fit(): the epoch loss becomes the last batch's, the mean of batch means, the
 * validation samples leak into training, a 1024-sample buffer limits how far a sample moves, class
 * weights are dropped, training=False leaves dropout unused, and the loss loses sum(model.losses). */
#include "fittape-engine.h"
#include "train/ft-fit.h"
#include "train/ft-tape-loop.h"

#include <math.h>
#include <string.h>

static FtTrainer *
trainer_new (float l2)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 8;
  s.activation = FT_ACT_TANH;
  s.kernel_l2 = l2;
  ft_model_add (m, &s);
  FtLayerSpec d = ft_layer_spec_default (FT_LAYER_DROPOUT);
  d.rate = 0.25f;
  ft_model_add (m, &d);
  s.units = 2;
  s.kernel_l2 = 0;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 11, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  FtTrainer *t = ft_trainer_new (m, &cs, 11, NULL);
  g_assert_nonnull (t);
  return t;
}

/* Records every batch's loss, size and sample indices. */
typedef struct
{
  FtCallback parent;
  GArray *losses;  /* float */
  GArray *sizes;   /* uint32_t */
  GArray *indices; /* uint32_t, every batch's in order */
  uint64_t dropout_state;
} Recorder;

static void
rec_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  (void) batch;
  (void) logs;
  Recorder *r = (Recorder *) cb;
  g_array_append_val (r->losses, ctx->batch_loss);
  g_array_append_val (r->sizes, ctx->batch_size);
  g_array_append_vals (r->indices, ctx->batch_idx, ctx->batch_size);
  r->dropout_state = ft_model_dropout_rng (ft_trainer_model (ctx->trainer))->s[0];
}

static const FtCallbackClass rec_class = { .name = "Recorder", .on_train_batch_end = rec_batch_end };

static void
recorder_init (Recorder *r)
{
  memset (r, 0, sizeof *r);
  r->parent.klass = &rec_class;
  r->losses = g_array_new (FALSE, FALSE, sizeof (float));
  r->sizes = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  r->indices = g_array_new (FALSE, FALSE, sizeof (uint32_t));
}

static void
recorder_clear (Recorder *r)
{
  g_array_free (r->losses, TRUE);
  g_array_free (r->sizes, TRUE);
  g_array_free (r->indices, TRUE);
}

/* One run of the tape loop with one pitfall on (or none: -1), l2 on the first layer. */
static FtHistory *
run (const FtDataset *data, const FtFitArgs *args, int pitfall, float l2, Recorder *rec,
     uint64_t *dropout_initial)
{
  FtTrainer *t = trainer_new (l2);
  if (dropout_initial)
    *dropout_initial = ft_model_dropout_rng (ft_trainer_model (t))->s[0];
  FtLoopSteps steps = ft_loop_steps_all ();
  if (pitfall >= 0)
    steps.pitfalls.on[pitfall] = true;
  GPtrArray *obs = g_ptr_array_new ();
  g_ptr_array_add (obs, &rec->parent);
  FtHistory *h = ft_history_new ();
  GError *error = NULL;
  g_assert_true (ft_tape_loop (t, data, args, &steps, NULL, NULL, obs, h, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (obs);
  ft_trainer_free (t);
  return h;
}

static double
logged (FtHistory *h, int epoch, const char *key)
{
  double v = NAN;
  g_assert_true (ft_logs_get (ft_history_logs (h, epoch), key, &v));
  return v;
}

static FtFitArgs
small_args (void)
{
  FtFitArgs a = ft_fit_args_default ();
  a.epochs = 2;
  a.batch_size = 32;
  a.validation_split = 0.2; /* 200 samples: 160 train = 5 batches */
  return a;
}

static void
test_epoch_loss_last_batch (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 190, 0.1f, 3); /* 152 train: 4×32 + 24 */
  FtFitArgs args = small_args ();
  Recorder good, bad;
  recorder_init (&good);
  recorder_init (&bad);
  FtHistory *hg = run (data, &args, -1, 0, &good, NULL);
  FtHistory *hb = run (data, &args, FT_PITFALL_EPOCH_LOSS_LAST_BATCH, 0, &bad, NULL);
  /* Same training; only the reported number changes: the last batch's loss instead of the mean. */
  g_assert_cmpint (memcmp (good.losses->data, bad.losses->data, good.losses->len * sizeof (float)), ==, 0);
  g_assert_cmpfloat (logged (hb, 0, "loss"), ==, (double) g_array_index (bad.losses, float, 4));
  g_assert_cmpfloat (logged (hb, 0, "loss"), !=, logged (hg, 0, "loss"));
  /* fit()'s is the mean weighted by batch size. */
  double sum = 0, n = 0;
  for (int i = 0; i < 5; i++)
    {
      sum += (double) g_array_index (good.losses, float, i) * g_array_index (good.sizes, uint32_t, i);
      n += g_array_index (good.sizes, uint32_t, i);
    }
  g_assert_cmpfloat (fabs (logged (hg, 0, "loss") - sum / n), <, 1e-12);
  g_assert_cmpfloat (logged (hb, 0, "accuracy"), ==, logged (hg, 0, "accuracy"));
  ft_history_free (hg);
  ft_history_free (hb);
  recorder_clear (&good);
  recorder_clear (&bad);
  ft_dataset_free (data);
}

static void
test_unweighted_batch_mean (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 190, 0.1f, 3);
  FtFitArgs args = small_args ();
  Recorder rec;
  recorder_init (&rec);
  FtHistory *h = run (data, &args, FT_PITFALL_UNWEIGHTED_BATCH_MEAN, 0, &rec, NULL);
  g_assert_cmpuint (g_array_index (rec.sizes, uint32_t, 4), ==, 24);
  double sum = 0;
  for (int i = 0; i < 5; i++)
    sum += g_array_index (rec.losses, float, i);
  g_assert_cmpfloat (fabs (logged (h, 0, "loss") - sum / 5), <, 1e-12);
  double weighted = 0;
  for (int i = 0; i < 5; i++)
    weighted += (double) g_array_index (rec.losses, float, i) * g_array_index (rec.sizes, uint32_t, i);
  g_assert_cmpfloat (fabs (logged (h, 0, "loss") - weighted / 152), >, 1e-9);
  ft_history_free (h);
  recorder_clear (&rec);
  ft_dataset_free (data);
}

static void
test_split_after_shuffle_leaks (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 200, 0.1f, 3);
  FtFitArgs args = small_args ();
  args.epochs = 3;
  Recorder good, bad;
  recorder_init (&good);
  recorder_init (&bad);
  FtHistory *hg = run (data, &args, -1, 0, &good, NULL);
  FtHistory *hb = run (data, &args, FT_PITFALL_SPLIT_AFTER_SHUFFLE, 0, &bad, NULL);
  int leaked_good = 0, leaked_bad = 0;
  for (guint i = 0; i < good.indices->len; i++)
    leaked_good += g_array_index (good.indices, uint32_t, i) >= 160;
  for (guint i = 0; i < bad.indices->len; i++)
    leaked_bad += g_array_index (bad.indices, uint32_t, i) >= 160;
  g_assert_cmpint (leaked_good, ==, 0);
  g_assert_cmpint (leaked_bad, >, 20); /* the last 40 samples train too */
  g_assert_cmpuint (bad.indices->len, ==, 3 * 160);
  g_assert_true (ft_logs_get (ft_history_logs (hb, 2), "val_loss", &(double){ 0 }));
  ft_history_free (hg);
  ft_history_free (hb);
  recorder_clear (&good);
  recorder_clear (&bad);
  ft_dataset_free (data);
}

static void
test_shuffle_buffer_window (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 3000, 0.1f, 3);
  FtFitArgs args = ft_fit_args_default ();
  args.batch_size = 100;
  Recorder good, bad;
  recorder_init (&good);
  recorder_init (&bad);
  FtHistory *hg = run (data, &args, -1, 0, &good, NULL);
  FtHistory *hb = run (data, &args, FT_PITFALL_SHUFFLE_BUFFER, 0, &bad, NULL);
  g_assert_cmpuint (bad.indices->len, ==, 3000);
  /* A sample enters the buffer when 1024 before it have; it can never come out earlier. A global
   * shuffle moves some sample further. A permutation: every index once. */
  bool *seen = g_new0 (bool, 3000);
  int too_early_good = 0;
  for (int pos = 0; pos < 3000; pos++)
    {
      uint32_t i = g_array_index (bad.indices, uint32_t, pos);
      g_assert_false (seen[i]);
      seen[i] = true;
      g_assert_cmpint ((int) i - FT_SHUFFLE_BUFFER_SIZE + 1, <=, pos);
      too_early_good += (int) g_array_index (good.indices, uint32_t, pos) - FT_SHUFFLE_BUFFER_SIZE + 1 > pos;
    }
  g_assert_cmpint (too_early_good, >, 100);
  g_free (seen);
  ft_history_free (hg);
  ft_history_free (hb);
  recorder_clear (&good);
  recorder_clear (&bad);
  ft_dataset_free (data);
}

static void
test_training_false_and_regularization (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 200, 0.1f, 3);
  FtFitArgs args = small_args ();
  Recorder good, nodrop, noreg;
  recorder_init (&good);
  recorder_init (&nodrop);
  recorder_init (&noreg);
  uint64_t initial;
  FtHistory *hg = run (data, &args, -1, 0.05f, &good, NULL);
  FtHistory *hd = run (data, &args, FT_PITFALL_TRAINING_FALSE, 0.05f, &nodrop, &initial);
  FtHistory *hr = run (data, &args, FT_PITFALL_NO_REGULARIZATION_LOSS, 0.05f, &noreg, NULL);
  /* training=False: dropout never draws; fit()'s does. */
  g_assert_cmpuint (nodrop.dropout_state, ==, initial);
  g_assert_cmpuint (good.dropout_state, !=, initial);
  /* Without sum(model.losses) the first batch's loss (same weights, same dropout draws) is lower by the
   * L2 penalty, which is positive. */
  g_assert_cmpfloat (g_array_index (noreg.losses, float, 0), <, g_array_index (good.losses, float, 0));
  g_assert_cmpfloat (logged (hr, 0, "val_loss"), !=, logged (hg, 0, "val_loss"));
  ft_history_free (hg);
  ft_history_free (hd);
  ft_history_free (hr);
  recorder_clear (&good);
  recorder_clear (&nodrop);
  recorder_clear (&noreg);
  ft_dataset_free (data);
}

static void
test_validate_training_true_and_class_weight (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 200, 0.1f, 3);
  FtFitArgs args = small_args ();
  float cw[2] = { 1.0f, 4.0f };
  args.class_weight = cw;
  args.n_class_weight = 2;
  Recorder good, val, nocw, plain;
  recorder_init (&good);
  recorder_init (&val);
  recorder_init (&nocw);
  recorder_init (&plain);
  FtHistory *hg = run (data, &args, -1, 0, &good, NULL);
  FtHistory *hv = run (data, &args, FT_PITFALL_VALIDATE_TRAINING_TRUE, 0, &val, NULL);
  FtHistory *hn = run (data, &args, FT_PITFALL_NO_CLASS_WEIGHT, 0, &nocw, NULL);
  FtFitArgs unweighted = args;
  unweighted.class_weight = NULL;
  unweighted.n_class_weight = 0;
  FtHistory *hp = run (data, &unweighted, -1, 0, &plain, NULL);
  /* Dropout in validation: the first epoch trains identically, its val_loss differs. */
  g_assert_cmpfloat (logged (hv, 0, "loss"), ==, logged (hg, 0, "loss"));
  g_assert_cmpfloat (logged (hv, 0, "val_loss"), !=, logged (hg, 0, "val_loss"));
  /* class_weight dropped: exactly the run without class weights. */
  g_assert_cmpint (memcmp (nocw.losses->data, plain.losses->data, plain.losses->len * sizeof (float)), ==, 0);
  g_assert_cmpfloat (g_array_index (nocw.losses, float, 0), !=, g_array_index (good.losses, float, 0));
  ft_history_free (hg);
  ft_history_free (hv);
  ft_history_free (hn);
  ft_history_free (hp);
  recorder_clear (&good);
  recorder_clear (&val);
  recorder_clear (&nocw);
  recorder_clear (&plain);
  ft_dataset_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pitfalls/epoch-loss-last-batch", test_epoch_loss_last_batch);
  g_test_add_func ("/pitfalls/unweighted-batch-mean", test_unweighted_batch_mean);
  g_test_add_func ("/pitfalls/split-after-shuffle-leaks", test_split_after_shuffle_leaks);
  g_test_add_func ("/pitfalls/shuffle-buffer-window", test_shuffle_buffer_window);
  g_test_add_func ("/pitfalls/training-false-and-regularization", test_training_false_and_regularization);
  g_test_add_func ("/pitfalls/validate-training-true-and-class-weight",
                   test_validate_training_true_and_class_weight);
  return g_test_run ();
}
