/* test-live-change.c — training that reacts: a learning-rate, regularization, activation or input-feature
 * change asked for while a fit run and its tape twin train is applied by both before the same step (they
 * stay identical, bit for bit), equals a run that got the change before that step while paused there,
 * changes the result, and is recorded by each run with its step, epoch, batch and a label ("lr 0.01 →
 * 0.1"). A feature change keeps the first kernel's rows of the features that stay (and their optimizer
 * slots), draws the new ones deterministically, and leaves a model equal to one built for the new features
 * with the same weights. */
#include "fittape-engine.h"

#include <math.h>
#include <string.h>

typedef struct
{
  int batches;
  bool done;
  FtRunEventKind final;
  bool paused;
} Watch;

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  Watch *w = user_data;
  switch (ev->kind)
    {
    case FT_RUN_EVENT_BATCH_END:
      w->batches += ev->coalesced;
      break;
    case FT_RUN_EVENT_PAUSED:
      w->paused = true;
      break;
    case FT_RUN_EVENT_FINISHED:
    case FT_RUN_EVENT_STOPPED:
    case FT_RUN_EVENT_FAILED:
      w->done = true;
      w->final = ev->kind;
      break;
    case FT_RUN_EVENT_TRAIN_BEGIN:
    case FT_RUN_EVENT_EPOCH_BEGIN:
    case FT_RUN_EVENT_EPOCH_END:
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
    case FT_RUN_EVENT_EARLY_STOP:
    case FT_RUN_EVENT_SNAPSHOT:
      break;
    }
}

static void
spin_until (const bool *flag, const int *count, int want)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((flag != NULL && !*flag) || (count != NULL && *count < want))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The input features the trainers start with (0: the raw points) and their optimizer. */
static unsigned start_features;
static FtOptimizerKind optimizer_kind = FT_OPT_ADAM;

static FtTrainer *
trainer_new (void)
{
  int in[1] = { start_features != 0 ? ft_features_count (start_features) : 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 8;
  s.activation = FT_ACT_TANH;
  ft_model_add (m, &s);
  ft_model_add (m, &s);
  s.units = 2;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 11, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.optimizer = ft_optimizer_spec_default (optimizer_kind);
  cs.optimizer.learning_rate = 0.01f;
  if (optimizer_kind == FT_OPT_SGD)
    cs.optimizer.momentum = 0.9f;
  FtTrainer *t = ft_trainer_new (m, &cs, 11, NULL);
  ft_trainer_set_features (t, start_features);
  return t;
}

/* Callbacks the jobs get (none by default). */
static const FtCallbackSpec *job_callbacks;
static int n_job_callbacks;

static FtJob
job_for (FtTrainer *t, const FtDataset *data, bool tape)
{
  FtJob job;
  memset (&job, 0, sizeof job);
  job.trainer = t;
  job.data = data;
  job.args = ft_fit_args_default ();
  job.args.epochs = 4;
  job.args.batch_size = 16;
  job.args.validation_split = 0.2;
  job.tape_mode = tape;
  job.steps = ft_loop_steps_all ();
  job.callbacks = job_callbacks;
  job.n_callbacks = n_job_callbacks;
  return job;
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
assert_same_weights (FtTrainer *a, FtTrainer *b)
{
  size_t na, nb;
  g_autofree float *wa = weights_of (a, &na), *wb = weights_of (b, &nb);
  g_assert_cmpmem (wa, na * sizeof (float), wb, nb * sizeof (float));
}

/* fit and tape trained side by side at a pace, with the changes asked for while they run. */
static void
run_pair (const FtDataset *data, const FtLiveChange *changes, int n_changes, FtTrainer **tf, FtTrainer **tt,
          FtRunner **rf, FtRunner **rt)
{
  *tf = trainer_new ();
  *tt = trainer_new ();
  FtJob jf = job_for (*tf, data, false), jt = job_for (*tt, data, true);
  static Watch wf, wt;
  memset (&wf, 0, sizeof wf);
  memset (&wt, 0, sizeof wt);
  *rf = ft_runner_new (&jf, NULL, on_event, &wf);
  *rt = ft_runner_new (&jt, NULL, on_event, &wt);
  ft_runner_set_pace (*rf, 400);
  ft_runner_set_pace (*rt, 400);
  ft_runner_start (*rf);
  ft_runner_start (*rt);
  FtRunner *group[2] = { *rf, *rt };
  for (int i = 0; i < n_changes; i++)
    {
      spin_until (NULL, &wf.batches, 6 + 10 * i);
      int64_t at = ft_runner_group_change (group, 2, &changes[i]);
      g_test_message ("%s asked for at step %" G_GINT64_FORMAT, ft_live_change_kind_name (changes[i].kind),
                      at);
      g_assert_cmpint (at, >=, 6 + 10 * i);
    }
  spin_until (&wf.done, NULL, 0);
  spin_until (&wt.done, NULL, 0);
  g_assert_cmpint (wf.final, ==, FT_RUN_EVENT_FINISHED);
  g_assert_cmpint (wt.final, ==, FT_RUN_EVENT_FINISHED);
}

static void
test_fit_and_tape_agree (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 320, 0.1f, 2);
  FtLiveChange changes[3] = {
    { .kind = FT_LIVE_LEARNING_RATE, .learning_rate = 0.1f },
    { .kind = FT_LIVE_REGULARIZATION, .l2 = 0.003f },
    { .kind = FT_LIVE_ACTIVATION, .activation = FT_ACT_RELU },
  };
  FtTrainer *tf, *tt;
  FtRunner *rf, *rt;
  run_pair (data, changes, 3, &tf, &tt, &rf, &rt);
  assert_same_weights (tf, tt);
  static const char *const labels[] = { "lr 0.01 → 0.1", "L2 0 → 0.003", "tanh → relu" };
  g_assert_cmpint (ft_runner_n_live_changes (rf), ==, 3);
  g_assert_cmpint (ft_runner_n_live_changes (rt), ==, 3);
  int64_t last = -1;
  for (int i = 0; i < 3; i++)
    {
      FtLiveChangeRecord a, b;
      g_assert_true (ft_runner_get_live_change (rf, i, &a));
      g_assert_true (ft_runner_get_live_change (rt, i, &b));
      g_test_message ("%s at step %" G_GINT64_FORMAT " (epoch %d, batch %d)", a.label, a.step, a.epoch + 1,
                      a.batch + 1);
      g_assert_cmpstr (a.label, ==, labels[i]);
      g_assert_cmpstr (b.label, ==, labels[i]);
      g_assert_cmpint (a.step, ==, b.step);
      g_assert_cmpint (a.epoch, ==, b.epoch);
      g_assert_cmpint (a.batch, ==, b.batch);
      g_assert_cmpint (a.change.kind, ==, changes[i].kind);
      g_assert_cmpint (a.step, >, last);
      g_assert_cmpint (a.step, ==, (int64_t) a.epoch * 16 + a.batch); /* 256 training samples: 16 steps */
      last = a.step;
    }
  g_assert_false (ft_runner_get_live_change (rf, 3, NULL));
  /* The history's events, as the window exports them with the history. */
  FtLiveChangeRecord recs[3];
  for (int i = 0; i < 3; i++)
    g_assert_true (ft_runner_get_live_change (rf, i, &recs[i]));
  char *events = ft_live_changes_to_json (recs, 3);
  g_test_message ("%s", events);
  g_autofree char *first = g_strdup_printf ("[{\"epoch\": %d, \"batch\": %d, \"step\": %" G_GINT64_FORMAT
                                            ", \"kind\": \"learning_rate\", \"change\": \"lr 0.01 → 0.1\"}, ",
                                            recs[0].epoch, recs[0].batch, recs[0].step);
  g_assert_true (g_str_has_prefix (events, first));
  g_assert_nonnull (strstr (events, "\"kind\": \"activation\", \"change\": \"tanh → relu\"}]"));
  FtHistory *h = ft_history_new ();
  FtLogs logs;
  ft_logs_clear (&logs);
  ft_logs_set (&logs, "loss", 0.5);
  ft_history_append (h, 0, &logs);
  char *json = ft_history_to_json_with (h, "events", events);
  g_autofree char *want = g_strdup_printf (
      "{\"epoch\": [0], \"history\": {\"loss\": [0.5]}, \"events\": %s}\n", events);
  g_assert_cmpstr (json, ==, want);
  g_free (json);
  json = ft_history_to_json_with (h, "events", NULL);
  g_assert_cmpstr (json, ==, "{\"epoch\": [0], \"history\": {\"loss\": [0.5]}}\n");
  g_free (json);
  ft_history_free (h);
  g_free (events);
  /* The model has them now. */
  g_assert_cmpfloat (ft_optimizer_get_learning_rate (ft_trainer_optimizer (tf)), ==, 0.1f);
  FtModel *m = ft_trainer_model (tf);
  g_assert_cmpint (ft_model_layer_spec (m, 0)->activation, ==, FT_ACT_RELU);
  g_assert_cmpint (ft_model_layer_spec (m, 1)->activation, ==, FT_ACT_RELU);
  g_assert_cmpint (ft_model_layer_spec (m, 2)->activation, ==, FT_ACT_LINEAR); /* the output stays */
  g_assert_cmpfloat (ft_model_layer_spec (m, 2)->kernel_l2, ==, 0.003f);

  /* Ended runners take no change. */
  FtRunner *group[2] = { rf, rt };
  g_assert_cmpint (ft_runner_group_change (group, 2, &changes[0]), ==, -1);
  ft_runner_free (rf);
  ft_runner_free (rt);
  ft_trainer_free (tf);
  ft_trainer_free (tt);
  ft_dataset_free (data);
}

/* The change applies before the step it names: the same as a run paused before that step, changed, and
 * resumed; and it changes the result. */
static void
test_applies_at_the_step (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 320, 0.1f, 2);
  FtLiveChange lr = { .kind = FT_LIVE_LEARNING_RATE, .learning_rate = 0.1f };
  FtTrainer *tf, *tt;
  FtRunner *rf, *rt;
  run_pair (data, &lr, 1, &tf, &tt, &rf, &rt);
  assert_same_weights (tf, tt);
  FtLiveChangeRecord rec;
  g_assert_true (ft_runner_get_live_change (rf, 0, &rec));

  FtTrainer *ts = trainer_new ();
  FtJob js = job_for (ts, data, false);
  Watch ws = { 0 };
  FtRunner *rs = ft_runner_new (&js, NULL, on_event, &ws);
  ft_runner_pause (rs);
  ft_runner_start (rs);
  spin_until (&ws.paused, NULL, 0);
  for (int64_t i = 0; i < rec.step; i++)
    ft_runner_step_batch (rs);
  spin_until (NULL, &ws.batches, (int) rec.step);
  g_assert_cmpint (ft_runner_group_change (&rs, 1, &lr), ==, rec.step);
  ft_runner_resume (rs);
  spin_until (&ws.done, NULL, 0);
  assert_same_weights (tf, ts);

  /* Without the change: another result. */
  FtTrainer *plain = trainer_new ();
  g_assert_true (ft_fit (plain, data, &js.args, NULL, NULL, NULL, NULL));
  size_t n;
  g_autofree float *a = weights_of (tf, &n), *b = weights_of (plain, &n);
  g_assert_cmpint (memcmp (a, b, n * sizeof (float)), !=, 0);

  /* Changes that make no sense are refused. */
  FtLiveChange bad[] = {
    { .kind = FT_LIVE_LEARNING_RATE, .learning_rate = 0.0f },
    { .kind = FT_LIVE_REGULARIZATION, .l1 = -0.1f },
    { .kind = FT_LIVE_ACTIVATION, .activation = FT_ACT_SOFTMAX },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (ft_live_change_valid (&bad[i]));
  ft_runner_free (rs);
  ft_runner_free (rf);
  ft_runner_free (rt);
  ft_trainer_free (ts);
  ft_trainer_free (plain);
  ft_trainer_free (tf);
  ft_trainer_free (tt);
  ft_dataset_free (data);
}

/* What the job's live_applied hook saw: it runs without the runner's lock, so it may ask the runner. */
typedef struct
{
  FtRunner *runner;
  int calls;
  int n_seen;   /* ft_runner_n_live_changes from inside the hook */
  int64_t step; /* the record it was given */
  bool listed;  /* the runner's own record of it equals the one given */
} HookSeen;

static void
hook_asks_runner (FtTrainer *trainer, const FtLiveChangeRecord *rec, void *user_data)
{
  HookSeen *h = user_data;
  h->calls++;
  h->n_seen = ft_runner_n_live_changes (h->runner); /* takes the runner's lock */
  h->step = rec->step;
  FtLiveChangeRecord listed;
  h->listed = ft_runner_get_live_change (h->runner, h->n_seen - 1, &listed) && listed.step == rec->step
              && listed.change.kind == rec->change.kind;
}

/* The hook is called once per change, before the step, and may call the runner's functions (it used to run
 * under the runner's lock: a call back into the runner would deadlock). */
static void
test_hook_outside_lock (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 320, 0.1f, 2);
  FtTrainer *t = trainer_new ();
  FtJob job = job_for (t, data, false);
  static HookSeen seen;
  memset (&seen, 0, sizeof seen);
  job.live_applied = hook_asks_runner;
  job.live_data = &seen;
  static Watch w;
  memset (&w, 0, sizeof w);
  FtRunner *r = ft_runner_new (&job, NULL, on_event, &w);
  seen.runner = r;
  ft_runner_pause (r);
  ft_runner_start (r);
  spin_until (&w.paused, NULL, 0);
  FtLiveChange lr = { .kind = FT_LIVE_LEARNING_RATE, .learning_rate = 0.05f };
  int64_t at = ft_runner_group_change (&r, 1, &lr);
  ft_runner_resume (r);
  spin_until (&w.done, NULL, 0);
  g_assert_cmpint (w.final, ==, FT_RUN_EVENT_FINISHED);
  g_assert_cmpint (seen.calls, ==, 1);
  g_assert_cmpint (seen.n_seen, ==, 1);
  g_assert_cmpint (seen.step, ==, at);
  g_assert_true (seen.listed);
  ft_runner_free (r);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

/* The loss on the whole data set, as evaluate() gives it. */
static double
loss_of (FtTrainer *t, const FtDataset *data)
{
  FtLogs logs;
  ft_logs_clear (&logs);
  ft_trainer_evaluate (t, data, 0, data->n, 32, "", &logs);
  double loss = NAN;
  g_assert_true (ft_logs_get (&logs, "loss", &loss));
  return loss;
}

static void
assert_finite_weights (FtTrainer *t)
{
  size_t n;
  g_autofree float *w = weights_of (t, &n);
  for (size_t i = 0; i < n; i++)
    g_assert_true (isfinite (w[i]));
}

/* Features added, then x₁ and x₂ dropped, while fit and tape train with Adam: both apply them before the
 * same steps and stay identical to the bit (weights, loss); the history records them. */
static void
test_features_fit_and_tape_agree (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_CIRCLE, 320, 0.1f, 3);
  unsigned plus = FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2;
  unsigned swap = FT_FEATURE_X1_X2 | FT_FEATURE_SIN_X1;
  FtLiveChange changes[2] = {
    { .kind = FT_LIVE_FEATURES, .features = plus },
    { .kind = FT_LIVE_FEATURES, .features = swap },
  };
  for (int optimizer = 0; optimizer < 3; optimizer++)
    {
      static const FtOptimizerKind kinds[] = { FT_OPT_ADAM, FT_OPT_SGD, FT_OPT_ADAGRAD };
      optimizer_kind = kinds[optimizer];
      start_features = optimizer == 2 ? FT_FEATURE_X1 | FT_FEATURE_X2 : 0;
      /* With Adagrad, EarlyStopping keeps best weights across the changes (taken anew when they resize). */
      FtCallbackSpec es = ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING);
      g_strlcpy (es.monitor, "loss", sizeof es.monitor);
      es.patience = 100;
      es.restore_best_weights = true;
      job_callbacks = optimizer == 2 ? &es : NULL;
      n_job_callbacks = optimizer == 2 ? 1 : 0; /* the raw points, or as features */
      FtTrainer *tf, *tt;
      FtRunner *rf, *rt;
      run_pair (data, changes, 2, &tf, &tt, &rf, &rt);
      assert_same_weights (tf, tt);
      assert_finite_weights (tf);
      double lf = loss_of (tf, data), lt = loss_of (tt, data);
      g_test_message ("%s: loss %.9g (fit) %.9g (tape)", ft_optimizer_kind_name (kinds[optimizer]), lf, lt);
      g_assert_true (isfinite (lf));
      g_assert_cmpmem (&lf, sizeof lf, &lt, sizeof lt);
      static const char *const labels[] = { "features x₁, x₂ → x₁, x₂, x₁x₂",
                                            "features x₁, x₂, x₁x₂ → x₁x₂, sin x₁" };
      FtLiveChangeRecord recs[2];
      for (int i = 0; i < 2; i++)
        {
          FtLiveChangeRecord b;
          g_assert_true (ft_runner_get_live_change (rf, i, &recs[i]));
          g_assert_true (ft_runner_get_live_change (rt, i, &b));
          g_assert_cmpstr (recs[i].label, ==, labels[i]);
          g_assert_cmpstr (b.label, ==, labels[i]);
          g_assert_false (recs[i].refused);
          g_assert_cmpint (recs[i].step, ==, b.step);
        }
      /* The model takes the last features; the trainer features the batches with them. */
      g_assert_cmpuint (ft_trainer_features (tf), ==, swap);
      int nd, shape[FT_MAX_DIMS];
      ft_model_input_shape (ft_trainer_model (tf), &nd, shape);
      g_assert_cmpint (shape[0], ==, 2);
      g_assert_cmpint (ft_model_weight (ft_trainer_model (tf), 0)->shape[0], ==, 2);
      char *events = ft_live_changes_to_json (recs, 2);
      g_assert_nonnull (
          strstr (events, "\"kind\": \"features\", \"change\": \"features x₁, x₂ → x₁, x₂, x₁x₂\"}"));
      g_free (events);
      ft_runner_free (rf);
      ft_runner_free (rt);
      ft_trainer_free (tf);
      ft_trainer_free (tt);
    }
  optimizer_kind = FT_OPT_ADAM;
  start_features = 0;
  job_callbacks = NULL;
  n_job_callbacks = 0;
  ft_dataset_free (data);
}

/* A few steps of Adam, so that the slots are not zero. */
static void
train_some (FtTrainer *t, const FtDataset *data)
{
  uint32_t idx[16];
  for (uint32_t i = 0; i < 16; i++)
    idx[i] = i;
  for (int k = 0; k < 3; k++)
    {
      float loss;
      g_assert_true (ft_trainer_train_batch (t, data, idx, 16, NULL, &loss, NULL));
    }
}

/* Slot s of the first kernel's row r (rows of units floats). */
static const float *
slot_row (FtTrainer *t, int s, int r)
{
  FtOptimizer *opt = ft_trainer_optimizer (t);
  int units = ft_model_weight (ft_trainer_model (t), 0)->shape[1];
  return ft_optimizer_state (opt) + ft_optimizer_slot_offset (opt, s, 0) + (size_t) r * (size_t) units;
}

/* Rows of features that stay keep their weights and slots; new rows are drawn from the seed and the step
 * (the same for the same step, others for another); the other weights do not move. */
static void
test_features_keep_rows (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_XOR, 64, 0.1f, 5);
  start_features = FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2;
  FtTrainer *t = trainer_new (), *twin = trainer_new (), *later = trainer_new ();
  train_some (t, data);
  train_some (twin, data);
  train_some (later, data);
  FtModel *m = ft_trainer_model (t);
  int units = ft_model_weight (m, 0)->shape[1];
  size_t row = (size_t) units * sizeof (float), n_old;
  g_autofree float *old = weights_of (t, &n_old);
  float old_slots[2][3][8];
  for (int s = 0; s < 2; s++)
    for (int r = 0; r < 3; r++)
      memcpy (old_slots[s][r], slot_row (t, s, r), row);
  size_t tail_old = ft_optimizer_state_size (ft_trainer_optimizer (t)) / 2 - 3 * (size_t) units;

  FtLiveChange c = { .kind = FT_LIVE_FEATURES,
                     .features = FT_FEATURE_X2 | FT_FEATURE_X1_X2 | FT_FEATURE_SIN_X2 };
  char label[160];
  g_assert_true (ft_live_change_apply (t, &c, 5, label, sizeof label));
  g_assert_cmpstr (label, ==, "features x₁, x₂, x₁x₂ → x₂, x₁x₂, sin x₂");
  g_assert_true (ft_live_change_apply (twin, &c, 5, label, sizeof label));
  g_assert_true (ft_live_change_apply (later, &c, 6, label, sizeof label));
  size_t n_new;
  g_autofree float *now = weights_of (t, &n_new);
  g_autofree float *same = weights_of (twin, &n_new);
  g_autofree float *other = weights_of (later, &n_new);
  g_assert_cmpuint (n_new, ==, n_old);
  /* kernel rows: x₂ (old row 1), x₁x₂ (old row 2), sin x₂ (new) */
  g_assert_cmpmem (now, row, old + units, row);
  g_assert_cmpmem (now + units, row, old + 2 * units, row);
  g_assert_cmpmem (now + 2 * units, row, same + 2 * units, row);
  g_assert_cmpint (memcmp (now + 2 * units, other + 2 * units, row), !=, 0);
  bool nonzero = false;
  for (int j = 0; j < units; j++)
    nonzero |= now[2 * units + j] != 0.0f;
  g_assert_true (nonzero);
  /* everything after the first kernel */
  g_assert_cmpmem (now + 3 * units, (n_new - 3 * (size_t) units) * sizeof (float), old + 3 * units,
                   (n_old - 3 * (size_t) units) * sizeof (float));
  /* Adam's moments: kept rows moved with their weights, the new row starts at zero, the rest stays */
  for (int s = 0; s < 2; s++)
    {
      g_assert_cmpmem (slot_row (t, s, 0), row, old_slots[s][1], row);
      g_assert_cmpmem (slot_row (t, s, 1), row, old_slots[s][2], row);
      for (int j = 0; j < units; j++)
        g_assert_cmpfloat (slot_row (t, s, 2)[j], ==, 0.0f);
    }
  g_assert_cmpuint (ft_optimizer_state_size (ft_trainer_optimizer (t)) / 2 - 3 * (size_t) units, ==,
                    tail_old);
  /* and it trains on */
  train_some (t, data);
  assert_finite_weights (t);
  ft_trainer_free (t);
  ft_trainer_free (twin);
  ft_trainer_free (later);
  start_features = 0;
  ft_dataset_free (data);
}

/* The optimizer updates a resized kernel whole: rows added by a change move with training like the others;
 * after a change that removes rows its state shrinks with the kernel and training goes on (an update past
 * the smaller kernel's end is AddressSanitizer's to find). */
static void
test_features_update_new_rows (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_XOR, 64, 0.1f, 5);
  start_features = FT_FEATURE_X1 | FT_FEATURE_X2;
  FtTrainer *t = trainer_new ();
  train_some (t, data);
  FtLiveChange grow = { .kind = FT_LIVE_FEATURES,
                        .features = FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2 };
  char label[160];
  g_assert_true (ft_live_change_apply (t, &grow, 3, label, sizeof label));
  int units = ft_model_weight (ft_trainer_model (t), 0)->shape[1];
  size_t row = (size_t) units * sizeof (float), n;
  g_autofree float *before = weights_of (t, &n);
  train_some (t, data);
  g_autofree float *after = weights_of (t, &n);
  for (int r = 0; r < 3; r++)
    for (int j = 0; j < units; j++)
      g_assert_cmpfloat (after[r * units + j], !=, before[r * units + j]);
  g_assert_cmpint (memcmp (after + 2 * units, before + 2 * units, row), !=, 0);
  /* back to two features: the optimizer's state shrinks with the kernel, training goes on */
  FtLiveChange shrink = { .kind = FT_LIVE_FEATURES, .features = FT_FEATURE_X1 | FT_FEATURE_X2 };
  g_assert_true (ft_live_change_apply (t, &shrink, 6, label, sizeof label));
  g_assert_cmpuint (ft_optimizer_state_size (ft_trainer_optimizer (t)), ==,
                    2 * ft_model_n_trainable_params (ft_trainer_model (t)));
  train_some (t, data);
  assert_finite_weights (t);
  ft_trainer_free (t);
  start_features = 0;
  ft_dataset_free (data);
}

/* Best weights taken before a change of the input features no longer fit the model, even when the number
 * of weights stays the same (x₁, x₂ → x₁, x₁²): EarlyStopping and the tape loop would restore x₂'s weights
 * as x₁²'s. */
static void
test_features_stale_best_weights (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_XOR, 64, 0.1f, 5);
  start_features = FT_FEATURE_X1 | FT_FEATURE_X2;
  FtTrainer *t = trainer_new ();
  train_some (t, data);
  FtModel *m = ft_trainer_model (t);
  FtWeightSnapshot best = { 0 };
  ft_weight_snapshot_take (&best, m);
  g_assert_true (ft_weight_snapshot_fits (&best, m));
  size_t n_before = ft_model_n_params (m);
  FtLiveChange c = { .kind = FT_LIVE_FEATURES, .features = FT_FEATURE_X1 | FT_FEATURE_X1_SQUARED };
  char label[160];
  g_assert_true (ft_live_change_apply (t, &c, 3, label, sizeof label));
  g_assert_cmpuint (ft_model_n_params (m), ==, n_before);
  g_assert_false (ft_weight_snapshot_fits (&best, m));
  size_t n;
  g_autofree float *now = weights_of (t, &n);
  g_assert_false (ft_weight_snapshot_restore (&best, m));
  g_autofree float *after = weights_of (t, &n);
  g_assert_cmpmem (after, n * sizeof (float), now, n * sizeof (float));
  ft_weight_snapshot_take (&best, m);
  g_assert_true (ft_weight_snapshot_restore (&best, m));
  ft_weight_snapshot_clear (&best);
  ft_trainer_free (t);
  start_features = 0;
  ft_dataset_free (data);
}

/* After the change the model computes what a model built for the new features computes with the same
 * weights, on the featured points. */
static void
test_features_forward_equals_fresh (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 64, 0.1f, 7);
  FtTrainer *t = trainer_new (); /* the raw points */
  train_some (t, data);
  unsigned mask = FT_FEATURE_X1 | FT_FEATURE_X1_SQUARED | FT_FEATURE_X2_SQUARED | FT_FEATURE_SIN_X2;
  FtLiveChange c = { .kind = FT_LIVE_FEATURES, .features = mask };
  char label[160];
  g_assert_true (ft_live_change_apply (t, &c, 3, label, sizeof label));
  g_assert_cmpstr (label, ==, "features x₁, x₂ → x₁, x₁², x₂², sin x₂");
  train_some (t, data);

  start_features = mask;
  FtTrainer *fresh = trainer_new ();
  start_features = 0;
  size_t n, n_fresh = ft_model_n_params (ft_trainer_model (fresh));
  g_autofree float *w = weights_of (t, &n);
  g_assert_cmpuint (n, ==, n_fresh);
  ft_model_set_weights (ft_trainer_model (fresh), w);
  uint32_t idx[64];
  for (uint32_t i = 0; i < 64; i++)
    idx[i] = i;
  float a[64 * 2], b[64 * 2];
  ft_trainer_predict_batch (t, data, idx, 64, a);
  ft_trainer_predict_batch (fresh, data, idx, 64, b);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  ft_trainer_free (t);
  ft_trainer_free (fresh);
  ft_dataset_free (data);
}

/* A model whose first layer is not Dense, or that does not take 2-D points, keeps its inputs. */
static void
test_features_refused (void)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DROPOUT);
  s.rate = 0.1f;
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 2;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 1, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  FtTrainer *t = ft_trainer_new (m, &cs, 1, NULL);
  size_t n_before, n_after;
  g_autofree float *before = weights_of (t, &n_before);
  FtLiveChange c = { .kind = FT_LIVE_FEATURES, .features = FT_FEATURE_X1 };
  char label[160];
  g_assert_false (ft_live_change_apply (t, &c, 0, label, sizeof label));
  g_assert_cmpstr (label, ==, "features x₁, x₂ → x₁: refused, the first layer is not Dense");
  FtLiveChangeRecord rec = { .change = c, .step = 4, .epoch = 0, .batch = 4, .refused = true };
  g_strlcpy (rec.label, label, sizeof rec.label);
  g_autofree char *events = ft_live_changes_to_json (&rec, 1);
  g_assert_cmpstr (events, ==,
                   "[{\"epoch\": 0, \"batch\": 4, \"step\": 4, \"kind\": \"features\", \"change\": "
                   "\"features x₁, x₂ → x₁: refused, the first layer is not Dense\", \"refused\": true}]");
  g_autofree float *after = weights_of (t, &n_after);
  g_assert_cmpmem (before, n_before * sizeof (float), after, n_after * sizeof (float));
  g_assert_cmpuint (ft_trainer_features (t), ==, 0);
  ft_trainer_free (t);

  in[0] = 3;
  m = ft_model_new (1, in);
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 1, NULL));
  t = ft_trainer_new (m, &cs, 1, NULL);
  g_assert_false (ft_live_change_apply (t, &c, 0, label, sizeof label));
  g_assert_nonnull (strstr (label, "refused, the model does not take 2-D points"));
  ft_trainer_free (t);
  FtLiveChange bad = { .kind = FT_LIVE_FEATURES, .features = 1u << FT_N_FEATURES };
  g_assert_false (ft_live_change_valid (&bad));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-change/fit-and-tape-agree", test_fit_and_tape_agree);
  g_test_add_func ("/live-change/applies-at-the-step", test_applies_at_the_step);
  g_test_add_func ("/live-change/hook-outside-lock", test_hook_outside_lock);
  g_test_add_func ("/live-change/features-fit-and-tape-agree", test_features_fit_and_tape_agree);
  g_test_add_func ("/live-change/features-keep-rows", test_features_keep_rows);
  g_test_add_func ("/live-change/features-update-new-rows", test_features_update_new_rows);
  g_test_add_func ("/live-change/features-stale-best-weights", test_features_stale_best_weights);
  g_test_add_func ("/live-change/features-forward-equals-fresh", test_features_forward_equals_fresh);
  g_test_add_func ("/live-change/features-refused", test_features_refused);
  return g_test_run ();
}
