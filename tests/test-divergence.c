/* test-divergence.c — lockstep fingerprints and the first-divergence finder: fit() and the full tape loop
 * give equal fingerprints at every step; for every left-out step and every pitfall the finder names the
 * right first step, the state that differed first and the cause (never "unexplained" for one switch); a
 * real bug (one flipped weight bit) is "unexplained"; and each pitfall changes what it should. */
#include "fittape-engine.h"
#include "train/ft-divergence.h"
#include "train/ft-fit.h"
#include "train/ft-tape-loop.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* 300 spiral samples, validation_split 0.2: 240 train in batches of 32 — 8 steps, the last one of 16. */
static FtDataset *
spiral (void)
{
  return ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 300, 0.1f, 5);
}

/* Dense 16 tanh (L2 0.01) → Dropout 0.2 → Dense 2, logits (softmax_output: softmax and from_logits False). */
static FtTrainer *
trainer_new (bool softmax_output)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 16;
  s.activation = FT_ACT_TANH;
  s.kernel_l2 = 0.01f;
  ft_model_add (m, &s);
  FtLayerSpec d = ft_layer_spec_default (FT_LAYER_DROPOUT);
  d.rate = 0.2f;
  ft_model_add (m, &d);
  s.units = 2;
  s.kernel_l2 = 0;
  s.activation = softmax_output ? FT_ACT_SOFTMAX : FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 7, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.loss.from_logits = !softmax_output;
  cs.optimizer.learning_rate = 0.01f;
  FtTrainer *t = ft_trainer_new (m, &cs, 7, NULL);
  g_assert_nonnull (t);
  return t;
}

typedef struct
{
  FtDataset *data;
  FtFitArgs args;
  float class_weight[2];
  FtCallbackSpec es, ckpt_fit, ckpt_tape;
  char *dir;
} Setup;

static void
setup_init (Setup *s)
{
  s->data = spiral ();
  s->args = ft_fit_args_default ();
  s->args.epochs = 3;
  s->args.batch_size = 32;
  s->args.validation_split = 0.2;
  s->class_weight[0] = 1.0f;
  s->class_weight[1] = 3.0f;
  s->args.class_weight = s->class_weight;
  s->args.n_class_weight = 2;
  /* min_delta 10 on val_loss: the first epoch improves on +inf, the second cannot: stops after epoch 2. */
  s->es = ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING);
  s->es.min_delta = 10;
  s->dir = g_dir_make_tmp ("fittape-divergence-XXXXXX", NULL);
  g_assert_nonnull (s->dir);
  s->ckpt_fit = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
  s->ckpt_tape = s->ckpt_fit;
  g_snprintf (s->ckpt_fit.filepath, sizeof s->ckpt_fit.filepath, "%s/fit-ckpt-{epoch:02d}.weights.h5",
              s->dir);
  g_snprintf (s->ckpt_tape.filepath, sizeof s->ckpt_tape.filepath, "%s/tape-ckpt-{epoch:02d}.weights.h5",
              s->dir);
  /* The two runs save into different folders under the same file names. */
  g_snprintf (s->ckpt_fit.filepath, sizeof s->ckpt_fit.filepath, "%s/fit/ckpt-{epoch:02d}.weights.h5",
              s->dir);
  g_snprintf (s->ckpt_tape.filepath, sizeof s->ckpt_tape.filepath, "%s/tape/ckpt-{epoch:02d}.weights.h5",
              s->dir);
  s->ckpt_fit.save_weights_only = s->ckpt_tape.save_weights_only = true;
  char *a = g_build_filename (s->dir, "fit", NULL), *b = g_build_filename (s->dir, "tape", NULL);
  g_mkdir_with_parents (a, 0755);
  g_mkdir_with_parents (b, 0755);
  g_free (a);
  g_free (b);
}

static void
rm_rf (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  if (d)
    {
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          char *p = g_build_filename (path, name, NULL);
          rm_rf (p);
          g_free (p);
        }
      g_dir_close (d);
    }
  g_remove (path);
}

static void
setup_clear (Setup *s)
{
  ft_dataset_free (s->data);
  rm_rf (s->dir);
  g_free (s->dir);
}

/* An observer that flips the lowest bit of the first weight after a given step (a stand-in for a bug). */
typedef struct
{
  FtCallback parent;
  int at_batch;
} Flipper;

static void
flip_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  (void) logs;
  if (ctx->epoch == 0 && batch == ((Flipper *) cb)->at_batch)
    {
      float *w = ft_model_weight (ft_trainer_model (ctx->trainer), 0)->data;
      uint32_t u;
      memcpy (&u, w, sizeof u);
      u ^= 1;
      memcpy (w, &u, sizeof u);
    }
}

static const FtCallbackClass flip_class = { .name = "Flipper", .on_train_batch_end = flip_batch_end };

static void
run_fit (Setup *s, FtFingerprints *fps, bool softmax_output)
{
  FtTrainer *t = trainer_new (softmax_output);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (cbs, ft_callback_new (&s->es));
  g_ptr_array_add (cbs, ft_callback_new (&s->ckpt_fit));
  g_ptr_array_add (cbs, ft_fingerprint_callback_new (fps));
  GError *error = NULL;
  bool ok = ft_fit (t, s->data, &s->args, cbs, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_ptr_array_unref (cbs);
  ft_trainer_free (t);
}

static void
run_tape (Setup *s, FtFingerprints *fps, const FtLoopSteps *steps, bool softmax_output, int flip_at)
{
  FtTrainer *t = trainer_new (softmax_output);
  GPtrArray *obs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  Flipper flipper = { { &flip_class }, flip_at };
  if (flip_at >= 0)
    g_ptr_array_add (obs, &flipper.parent); /* klass->free is NULL: not freed */
  g_ptr_array_add (obs, ft_fingerprint_callback_new (fps));
  GError *error = NULL;
  g_assert_true (ft_tape_loop (t, s->data, &s->args, steps, &s->es, &s->ckpt_tape, obs, NULL, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (obs);
  ft_trainer_free (t);
}

/* Every step on, no pitfall: every record of every part equal (every element hashed), and the finder
 * says identical with the counts. */
static void
test_fingerprints_equal (void)
{
  Setup s;
  setup_init (&s);
  FtFingerprints *a = ft_fingerprints_new (0), *b = ft_fingerprints_new (0);
  FtLoopSteps all = ft_loop_steps_all ();
  run_fit (&s, a, false);
  run_tape (&s, b, &all, false, -1);
  g_assert_true (ft_fingerprints_complete (a) && ft_fingerprints_complete (b));
  /* Early stopping after epoch 2: 2 × (8 steps + the epoch end). */
  g_assert_cmpint (ft_fingerprints_len (a), ==, 18);
  g_assert_cmpint (ft_fingerprints_len (b), ==, 18);
  for (int i = 0; i < 18; i++)
    {
      FtFingerprint fa, fb;
      g_assert_true (ft_fingerprints_get (a, i, &fa) && ft_fingerprints_get (b, i, &fb));
      g_assert_cmpint (memcmp (&fa, &fb, sizeof fa), ==, 0);
    }
  /* Weights change step to step, so do their hashes. */
  FtFingerprint f0, f1;
  ft_fingerprints_get (a, 0, &f0);
  ft_fingerprints_get (a, 1, &f1);
  g_assert_cmpuint (f0.hash[FT_FP_WEIGHTS], !=, f1.hash[FT_FP_WEIGHTS]);
  g_assert_cmpuint (f0.hash[FT_FP_ORDER], !=, f1.hash[FT_FP_ORDER]);
  FtDivergence d;
  ft_divergence_find (a, b, &all, &d);
  g_assert_false (d.diverged);
  g_assert_true (d.complete);
  g_assert_cmpint (d.epochs_compared, ==, 2);
  g_assert_cmpint (d.steps_compared, ==, 16);
  char *text = ft_divergence_describe (&d);
  g_assert_cmpstr (
      text, ==, "fit() and the tape loop: identical — 2 epochs, 16 steps, every weight the same bit for bit");
  g_free (text);
  ft_fingerprints_free (a);
  ft_fingerprints_free (b);
  setup_clear (&s);
}

/* ModelCheckpoint counting in batches (save_freq 3) and a monitor missing from the logs with
 * save_best_only: the tape loop's own checkpoint saves where fit's callback does, so nothing differs with
 * every step on, and leaving the checkpoint out is the cause found. */
static void
test_checkpoint_in_batches (void)
{
  Setup s;
  setup_init (&s);
  s.ckpt_fit.save_freq = s.ckpt_tape.save_freq = 3;
  g_snprintf (s.ckpt_fit.filepath, sizeof s.ckpt_fit.filepath,
              "%s/fit/ckpt-{epoch:02d}-{batch:02d}.weights.h5", s.dir);
  g_snprintf (s.ckpt_tape.filepath, sizeof s.ckpt_tape.filepath,
              "%s/tape/ckpt-{epoch:02d}-{batch:02d}.weights.h5", s.dir);
  FtLoopSteps all = ft_loop_steps_all ();
  FtFingerprints *a = ft_fingerprints_new (0), *b = ft_fingerprints_new (0);
  run_fit (&s, a, false);
  run_tape (&s, b, &all, false, -1);
  FtDivergence d;
  ft_divergence_find (a, b, &all, &d);
  g_assert_false (d.diverged);
  char *third = g_strdup_printf ("%s/tape/ckpt-01-03.weights.h5", s.dir);
  g_assert_true (g_file_test (third, G_FILE_TEST_IS_REGULAR));
  g_free (third);
  FtLoopSteps off = all;
  off.checkpoint = false;
  FtFingerprints *c = ft_fingerprints_new (0);
  run_tape (&s, c, &off, false, -1);
  ft_divergence_find (a, c, &off, &d);
  g_assert_true (d.diverged);
  g_assert_cmpint (d.part, ==, FT_FP_CALLBACKS);
  g_assert_cmpint (d.epoch, ==, 0);
  g_assert_cmpint (d.batch, ==, 2); /* the third batch: the first save */
  g_assert_cmpint (d.cause_kind, !=, FT_CAUSE_UNEXPLAINED);
  ft_fingerprints_free (c);
  ft_fingerprints_free (a);
  ft_fingerprints_free (b);
  /* save_best_only on a monitor that is not logged: both save anyway, every epoch */
  s.ckpt_fit.save_freq = s.ckpt_tape.save_freq = 0;
  s.ckpt_fit.save_best_only = s.ckpt_tape.save_best_only = true;
  g_strlcpy (s.ckpt_fit.monitor, "val_auc", sizeof s.ckpt_fit.monitor);
  g_strlcpy (s.ckpt_tape.monitor, "val_auc", sizeof s.ckpt_tape.monitor);
  s.ckpt_fit.mode = s.ckpt_tape.mode = FT_MONITOR_MAX;
  g_snprintf (s.ckpt_fit.filepath, sizeof s.ckpt_fit.filepath, "%s/fit/best.weights.h5", s.dir);
  g_snprintf (s.ckpt_tape.filepath, sizeof s.ckpt_tape.filepath, "%s/tape/best.weights.h5", s.dir);
  a = ft_fingerprints_new (0);
  b = ft_fingerprints_new (0);
  run_fit (&s, a, false);
  run_tape (&s, b, &all, false, -1);
  ft_divergence_find (a, b, &all, &d);
  g_assert_false (d.diverged);
  char *best = g_strdup_printf ("%s/tape/best.weights.h5", s.dir);
  g_assert_true (g_file_test (best, G_FILE_TEST_IS_REGULAR));
  g_free (best);
  ft_fingerprints_free (a);
  ft_fingerprints_free (b);
  setup_clear (&s);
}

/* A bug no switch explains: one bit of one weight flipped after step 4. */
static void
test_unexplained_bug (void)
{
  Setup s;
  setup_init (&s);
  FtFingerprints *a = ft_fingerprints_new (0), *b = ft_fingerprints_new (0);
  FtLoopSteps all = ft_loop_steps_all ();
  run_fit (&s, a, false);
  run_tape (&s, b, &all, false, 3);
  FtDivergence d;
  ft_divergence_find (a, b, &all, &d);
  g_assert_true (d.diverged);
  g_assert_cmpint (d.epoch, ==, 0);
  g_assert_cmpint (d.batch, ==, 3);
  g_assert_cmpint (d.part, ==, FT_FP_WEIGHTS);
  g_assert_cmpint (d.cause_kind, ==, FT_CAUSE_UNEXPLAINED);
  ft_fingerprints_free (a);
  ft_fingerprints_free (b);
  setup_clear (&s);
}

typedef struct
{
  const char *name; /* a step name (left out) or a pitfall name (on) */
  bool softmax_output;
  int epoch, batch; /* 0-based; batch -1 = the epoch end */
  FtFpPart part;
} Row;

/* The finder's table: switch → first step → first differing state. */
static const Row rows[] = {
  { "batching", false, 0, 0, FT_FP_ORDER },
  { "shuffle", false, 0, 0, FT_FP_SHUFFLE_RNG },
  { "split", false, 0, 0, FT_FP_SHUFFLE_RNG },
  { "validate", false, 0, -1, FT_FP_LOGS },
  { "reset_metrics", false, 1, 0, FT_FP_METRICS },
  { "early_stopping", false, 1, -1, FT_FP_CALLBACKS },
  { "checkpoint", false, 0, -1, FT_FP_CALLBACKS },
  { "progress", false, 0, 0, FT_FP_CALLBACKS },
  { "training_false", false, 0, 0, FT_FP_DROPOUT_RNG },
  { "validate_training_true", false, 0, -1, FT_FP_LOGS },
  { "no_regularization_loss", false, 0, 0, FT_FP_LOSS },
  { "from_logits_mismatch", false, 0, 0, FT_FP_LOSS }, /* logits read as probabilities */
  { "from_logits_mismatch", true, 0, 0, FT_FP_LOSS },  /* softmax output read as logits */
  { "epoch_loss_last_batch", false, 0, -1, FT_FP_LOGS },
  { "unweighted_batch_mean", false, 0, 7, FT_FP_METRICS }, /* the smaller last batch */
  { "split_after_shuffle", false, 0, 0, FT_FP_SHUFFLE_RNG },
  { "shuffle_buffer", false, 0, 0, FT_FP_SHUFFLE_RNG },
  { "no_class_weight", false, 0, 0, FT_FP_LOSS },
};

static void
test_finder_table (void)
{
  Setup s;
  setup_init (&s);
  int steps_seen = 0, pitfalls_seen = 0;
  for (size_t r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      const Row *row = &rows[r];
      FtLoopSteps steps = ft_loop_steps_all ();
      FtCauseKind kind = FT_CAUSE_STEP;
      int cause = -1;
      for (int i = 0; i < ft_loop_n_steps (); i++)
        if (strcmp (ft_loop_step_name (i), row->name) == 0)
          cause = i;
      if (cause >= 0)
        {
          *ft_loop_step_flag (&steps, cause) = false;
          steps_seen++;
        }
      else
        {
          FtPitfall p;
          g_assert_true (ft_pitfall_from_name (row->name, &p));
          steps.pitfalls.on[p] = true;
          kind = FT_CAUSE_PITFALL;
          cause = (int) p;
          pitfalls_seen++;
        }
      FtFingerprints *a = ft_fingerprints_new (FT_FINGERPRINT_SAMPLE),
                     *b = ft_fingerprints_new (FT_FINGERPRINT_SAMPLE);
      run_fit (&s, a, row->softmax_output);
      run_tape (&s, b, &steps, row->softmax_output, -1);
      FtDivergence d;
      ft_divergence_find (a, b, &steps, &d);
      char *text = ft_divergence_describe (&d);
      g_test_message ("%-24s -> %s", row->name, text);
      g_assert_true (d.diverged);
      g_assert_true (d.complete);
      g_assert_cmpint (d.cause_kind, !=, FT_CAUSE_UNEXPLAINED);
      g_assert_cmpint (d.cause_kind, ==, kind);
      g_assert_cmpint (d.cause, ==, cause);
      g_assert_cmpint (d.epoch, ==, row->epoch);
      g_assert_cmpint (d.batch, ==, row->batch);
      g_assert_cmpint (d.part, ==, row->part);
      /* Everything before that record was equal. */
      for (int i = 0; i < d.record; i++)
        {
          FtFingerprint fa, fb;
          ft_fingerprints_get (a, i, &fa);
          ft_fingerprints_get (b, i, &fb);
          g_assert_cmpint (memcmp (fa.hash, fb.hash, sizeof fa.hash), ==, 0);
        }
      char *json = ft_divergence_to_json (&d);
      g_assert_nonnull (strstr (json, "\"diverged\": true"));
      g_assert_nonnull (strstr (json, row->name));
      g_free (json);
      g_free (text);
      ft_fingerprints_free (a);
      ft_fingerprints_free (b);
    }
  /* Every switch is in the table. */
  g_assert_cmpint (steps_seen, ==, ft_loop_n_steps ());
  g_assert_cmpint (pitfalls_seen, ==, FT_N_PITFALLS + 1);
  setup_clear (&s);
}

/* The finder's own table: a switch never explains a part it cannot touch first. */
static void
test_finder_rules (void)
{
  g_assert_true (ft_divergence_step_explains (1, FT_FP_ORDER));
  g_assert_false (ft_divergence_step_explains (1, FT_FP_WEIGHTS));
  g_assert_false (ft_divergence_pitfall_explains (FT_PITFALL_NO_CLASS_WEIGHT, FT_FP_ORDER));
  for (int p = 0; p < FT_N_PITFALLS; p++)
    {
      g_assert_false (ft_divergence_pitfall_explains ((FtPitfall) p, FT_FP_WEIGHTS));
      FtPitfall back;
      g_assert_true (ft_pitfall_from_name (ft_pitfall_name ((FtPitfall) p), &back));
      g_assert_cmpint (back, ==, p);
      g_assert_cmpuint (strlen (ft_pitfall_explanation ((FtPitfall) p)), >, 20);
    }
}

static void
on_run_event (const FtRunEvent *ev, void *user_data)
{
  if (ev->kind == FT_RUN_EVENT_FINISHED || ev->kind == FT_RUN_EVENT_FAILED
      || ev->kind == FT_RUN_EVENT_STOPPED)
    (*(int *) user_data)++;
}

/* Two runner jobs (fit and the tape loop without shuffling) record fingerprints on their threads while the
 * main thread runs the finder over what they have so far, as the window's verdict does; the final answer
 * is the shuffle step at epoch 1, step 1, and no intermediate answer is ever "unexplained". */
static void
test_live_runners (void)
{
  Setup s;
  setup_init (&s);
  FtFingerprints *fps[2] = { ft_fingerprints_new (FT_FINGERPRINT_SAMPLE),
                             ft_fingerprints_new (FT_FINGERPRINT_SAMPLE) };
  FtTrainer *trainers[2] = { trainer_new (false), trainer_new (false) };
  FtRunner *runners[2];
  FtLoopSteps steps = ft_loop_steps_all ();
  steps.shuffle = false;
  int done = 0;
  for (int i = 0; i < 2; i++)
    {
      FtJob job;
      memset (&job, 0, sizeof job);
      job.trainer = trainers[i];
      job.data = s.data;
      job.args = s.args;
      job.args.epochs = 6;
      job.args.class_weight = NULL;
      job.args.n_class_weight = 0;
      job.tape_mode = i == 1;
      job.steps = steps;
      job.fingerprints = fps[i];
      runners[i] = ft_runner_new (&job, NULL, on_run_event, &done);
    }
  ft_runner_start (runners[0]);
  ft_runner_start (runners[1]);
  FtDivergence d;
  while (done < 2)
    {
      g_main_context_iteration (NULL, FALSE);
      ft_divergence_find (fps[0], fps[1], &steps, &d);
      g_assert_cmpint (d.cause_kind, !=, FT_CAUSE_UNEXPLAINED);
    }
  ft_divergence_find (fps[0], fps[1], &steps, &d);
  g_assert_true (d.complete);
  g_assert_true (d.diverged);
  g_assert_cmpint (d.epoch, ==, 0);
  g_assert_cmpint (d.batch, ==, 0);
  g_assert_cmpint (d.cause_kind, ==, FT_CAUSE_STEP);
  g_assert_cmpstr (ft_loop_step_name (d.cause), ==, "shuffle");
  for (int i = 0; i < 2; i++)
    {
      ft_runner_free (runners[i]);
      ft_trainer_free (trainers[i]);
      ft_fingerprints_free (fps[i]);
    }
  setup_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/divergence/fingerprints-equal", test_fingerprints_equal);
  g_test_add_func ("/divergence/unexplained-bug", test_unexplained_bug);
  g_test_add_func ("/divergence/checkpoint-in-batches", test_checkpoint_in_batches);
  g_test_add_func ("/divergence/finder-table", test_finder_table);
  g_test_add_func ("/divergence/finder-rules", test_finder_rules);
  g_test_add_func ("/divergence/live-runners", test_live_runners);
  return g_test_run ();
}
