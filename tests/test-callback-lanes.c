/* test-callback-lanes.c — the callback lanes from the callbacks' own decisions: EarlyStopping's improve /
 * wait / stop / restore sequence and its numbers against the run's history; ReduceLROnPlateau's cuts and
 * cooldowns against the logged learning rate; ModelCheckpoint's saves against the files on disk and its
 * "monitor not available" saves; LearningRateScheduler's rates against the schedule; and the runner
 * recording lanes for a job. */
#include "fittape-engine.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static FtTrainer *
trainer_new (void)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 8;
  s.activation = FT_ACT_TANH;
  ft_model_add (m, &s);
  s.units = 2;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 9, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.optimizer.learning_rate = 0.01f;
  FtTrainer *t = ft_trainer_new (m, &cs, 9, NULL);
  g_assert_nonnull (t);
  return t;
}

/* Fits with one callback and the lanes observer; returns the history (caller frees). */
static FtHistory *
fit_with (const FtCallbackSpec *spec, int epochs, FtCallbackLanes *lanes, FtFitContext *ctx)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 200, 0.1f, 4);
  FtTrainer *t = trainer_new ();
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  g_ptr_array_add (cbs, ft_callback_new (spec));
  FtCallback *obs = ft_callback_lanes_observer_new (lanes, cbs);
  GPtrArray *all = g_ptr_array_new ();
  g_ptr_array_add (all, cbs->pdata[0]);
  g_ptr_array_add (all, obs);
  FtFitArgs a = ft_fit_args_default ();
  a.epochs = epochs;
  a.batch_size = 20;
  a.validation_split = 0.25;
  FtHistory *h = ft_history_new ();
  memset (ctx, 0, sizeof *ctx);
  GError *error = NULL;
  bool ok = ft_fit (t, data, &a, all, h, ctx, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_ptr_array_unref (all);
  ft_callback_free (obs);
  g_ptr_array_unref (cbs);
  ft_trainer_free (t);
  ft_dataset_free (data);
  return h;
}

static double
logged (FtHistory *h, int epoch, const char *key)
{
  double v = NAN;
  g_assert_true (ft_logs_get (ft_history_logs (h, epoch), key, &v));
  return v;
}

static void
test_early_stopping_lane (void)
{
  FtCallbackSpec es = ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING);
  es.patience = 2;
  es.min_delta = 10; /* only the first epoch improves (on +inf) */
  es.restore_best_weights = true;
  FtCallbackLanes *lanes = ft_callback_lanes_new ();
  FtFitContext ctx;
  FtHistory *h = fit_with (&es, 10, lanes, &ctx);
  g_assert_cmpint (ft_callback_lanes_n_lanes (lanes), ==, 1);
  g_assert_cmpint (ft_callback_lanes_kind (lanes, 0), ==, FT_CALLBACK_EARLY_STOPPING);
  static const FtCallbackDecision want[] = { FT_CB_IMPROVED, FT_CB_WAITING, FT_CB_STOPPED, FT_CB_RESTORED };
  g_assert_cmpint (ft_callback_lanes_n_events (lanes), ==, G_N_ELEMENTS (want));
  for (int i = 0; i < (int) G_N_ELEMENTS (want); i++)
    {
      FtLaneEvent ev;
      g_assert_true (ft_callback_lanes_event (lanes, i, &ev));
      g_test_message ("epoch %d %s: %s", ev.state.epoch + 1, ft_callback_decision_name (ev.state.decision),
                      ev.state.rule);
      g_assert_cmpint (ev.state.decision, ==, want[i]);
      g_assert_cmpint (ev.train_end, ==, i == 3);
      g_assert_cmpint (ev.state.patience, ==, 2);
      /* The best is epoch 1's val_loss throughout; wait counts 0, 1, 2. */
      g_assert_cmpfloat (ev.state.best, ==, logged (h, 0, "val_loss"));
      g_assert_cmpint (ev.state.best_epoch, ==, 0);
      if (i < 3)
        {
          g_assert_cmpint (ev.state.epoch, ==, i);
          g_assert_cmpint (ev.state.wait, ==, i);
          g_assert_cmpfloat (ev.state.monitored, ==, logged (h, i, "val_loss"));
        }
    }
  /* The callback's own stop agrees with the lane. */
  g_assert_true (ctx.stopped_early);
  g_assert_cmpint (ctx.stopped_epoch, ==, 2);
  g_assert_cmpint (ft_history_n_epochs (h), ==, 3);
  ft_history_free (h);
  ft_callback_lanes_free (lanes);
}

static void
test_reduce_lr_lane (void)
{
  FtCallbackSpec r = ft_callback_spec_default (FT_CALLBACK_REDUCE_LR_ON_PLATEAU);
  g_strlcpy (r.monitor, "loss", sizeof r.monitor);
  r.patience = 1;
  r.factor = 0.5;
  r.min_delta = 10;
  r.cooldown = 2;
  FtCallbackLanes *lanes = ft_callback_lanes_new ();
  FtFitContext ctx;
  FtHistory *h = fit_with (&r, 6, lanes, &ctx);
  /* Keras counts the cooldown down before checking it: cooldown 2 leaves one quiet epoch between cuts. */
  static const FtCallbackDecision want[] = { FT_CB_IMPROVED, FT_CB_LR_CUT,   FT_CB_COOLDOWN,
                                             FT_CB_LR_CUT,   FT_CB_COOLDOWN, FT_CB_LR_CUT };
  g_assert_cmpint (ft_callback_lanes_n_events (lanes), ==, G_N_ELEMENTS (want));
  for (int i = 0; i < (int) G_N_ELEMENTS (want); i++)
    {
      FtLaneEvent ev;
      g_assert_true (ft_callback_lanes_event (lanes, i, &ev));
      g_test_message ("epoch %d %s: %s", ev.state.epoch + 1, ft_callback_decision_name (ev.state.decision),
                      ev.state.rule);
      g_assert_cmpint (ev.state.epoch, ==, i);
      g_assert_cmpint (ev.state.decision, ==, want[i]);
      /* The logged learning rate is the one in force before the decision; a cut halves it for the next epoch.
       */
      g_assert_cmpfloat (ev.state.lr_before, ==, logged (h, i, "learning_rate"));
      if (ev.state.decision == FT_CB_LR_CUT)
        {
          g_assert_cmpfloat (ev.state.lr_after, ==, (double) (float) (ev.state.lr_before * 0.5));
          g_assert_cmpint (ev.state.cooldown_counter, ==, 2);
          if (i + 1 < ft_history_n_epochs (h))
            g_assert_cmpfloat (logged (h, i + 1, "learning_rate"), ==, ev.state.lr_after);
        }
      else
        g_assert_cmpfloat (ev.state.lr_after, ==, ev.state.lr_before);
    }
  ft_history_free (h);
  ft_callback_lanes_free (lanes);
}

static void
test_checkpoint_lane (void)
{
  char *dir = g_dir_make_tmp ("fittape-lanes-XXXXXX", NULL);
  for (int missing = 0; missing < 2; missing++)
    {
      FtCallbackSpec c = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
      g_snprintf (c.filepath, sizeof c.filepath, "%s/%d-{epoch:02d}.weights.h5", dir, missing);
      c.save_best_only = true;
      c.save_weights_only = true;
      if (missing)
        {
          g_strlcpy (c.monitor, "val_auc", sizeof c.monitor); /* not among the logs */
          c.mode = FT_MONITOR_MAX;
        }
      FtCallbackLanes *lanes = ft_callback_lanes_new ();
      FtFitContext ctx;
      FtHistory *h = fit_with (&c, 5, lanes, &ctx);
      g_assert_cmpint (ft_callback_lanes_n_events (lanes), ==, 5);
      double best = INFINITY;
      for (int i = 0; i < 5; i++)
        {
          FtLaneEvent ev;
          g_assert_true (ft_callback_lanes_event (lanes, i, &ev));
          char *path = g_strdup_printf ("%s/%d-%02d.weights.h5", dir, missing, i + 1);
          if (missing)
            g_assert_cmpint (ev.state.decision, ==, FT_CB_SAVED_NO_MONITOR);
          else
            {
              double v = logged (h, i, "val_loss");
              g_assert_cmpint (ev.state.decision, ==, v < best ? FT_CB_SAVED : FT_CB_NOT_BEST);
              best = MIN (best, v);
            }
          bool saved = ev.state.decision != FT_CB_NOT_BEST;
          g_assert_cmpint (g_file_test (path, G_FILE_TEST_EXISTS), ==, saved);
          if (saved)
            g_assert_cmpstr (ev.state.path, ==, path);
          g_remove (path);
          g_free (path);
        }
      ft_history_free (h);
      ft_callback_lanes_free (lanes);
    }
  g_rmdir (dir);
  g_free (dir);
}

static void
test_scheduler_lane (void)
{
  FtCallbackSpec s = ft_callback_spec_default (FT_CALLBACK_LEARNING_RATE_SCHEDULER);
  s.schedule = FT_SCHEDULE_STEP;
  s.factor = 0.5;
  s.step_size = 2;
  FtCallbackLanes *lanes = ft_callback_lanes_new ();
  FtFitContext ctx;
  FtHistory *h = fit_with (&s, 5, lanes, &ctx);
  g_assert_cmpint (ft_callback_lanes_n_events (lanes), ==, 5);
  for (int i = 0; i < 5; i++)
    {
      FtLaneEvent ev;
      g_assert_true (ft_callback_lanes_event (lanes, i, &ev));
      g_assert_cmpint (ev.state.decision, ==, FT_CB_LR_SET);
      g_assert_cmpfloat (ev.state.lr_after, ==, (double) (float) ft_schedule_learning_rate (&s, 0.01, i));
      g_assert_cmpfloat (ev.state.lr_after, ==, logged (h, i, "learning_rate"));
    }
  ft_history_free (h);
  ft_callback_lanes_free (lanes);
}

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  if (ev->kind == FT_RUN_EVENT_FINISHED || ev->kind == FT_RUN_EVENT_FAILED
      || ev->kind == FT_RUN_EVENT_STOPPED)
    *(bool *) user_data = true;
}

/* A runner job records its callbacks' lanes. */
static void
test_runner_lanes (void)
{
  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_MOONS, 200, 0.1f, 4);
  FtTrainer *t = trainer_new ();
  FtCallbackSpec specs[2] = { ft_callback_spec_default (FT_CALLBACK_EARLY_STOPPING),
                              ft_callback_spec_default (FT_CALLBACK_TERMINATE_ON_NAN) };
  specs[0].patience = 1;
  specs[0].min_delta = 10;
  FtCallbackLanes *lanes = ft_callback_lanes_new ();
  FtJob job;
  memset (&job, 0, sizeof job);
  job.trainer = t;
  job.data = data;
  job.args = ft_fit_args_default ();
  job.args.epochs = 6;
  job.args.validation_split = 0.25;
  job.steps = ft_loop_steps_all ();
  job.callbacks = specs;
  job.n_callbacks = 2;
  job.lanes = lanes;
  bool done = false;
  FtRunner *r = ft_runner_new (&job, NULL, on_event, &done);
  ft_runner_start (r);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ft_callback_lanes_n_lanes (lanes), ==, 1); /* TerminateOnNaN gets no lane */
  g_assert_cmpint (ft_callback_lanes_n_events (lanes), ==, 2);
  FtLaneEvent ev;
  g_assert_true (ft_callback_lanes_event (lanes, 1, &ev));
  g_assert_cmpint (ev.state.decision, ==, FT_CB_STOPPED);
  g_assert_cmpint (ev.state.epoch, ==, 1);
  ft_runner_free (r);
  ft_callback_lanes_free (lanes);
  ft_trainer_free (t);
  ft_dataset_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/callback-lanes/early-stopping", test_early_stopping_lane);
  g_test_add_func ("/callback-lanes/reduce-lr", test_reduce_lr_lane);
  g_test_add_func ("/callback-lanes/checkpoint", test_checkpoint_lane);
  g_test_add_func ("/callback-lanes/scheduler", test_scheduler_lane);
  g_test_add_func ("/callback-lanes/runner", test_runner_lanes);
  return g_test_run ();
}
