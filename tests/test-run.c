/* test-run.c — the engine's run object (experiment/ft-run.h): a run records its history and epoch count
 * before its owner hears of an epoch; Continue trains as many epochs again from where it stopped; a run
 * resumed from a checkpoint saved mid-way ends with the same weights as one run straight through; the
 * Compare pair records fingerprints and agrees bit for bit; checkpoints record the run's experiment, the
 * changed one after ft_run_set_experiment (ModelCheckpoint's on the training thread too); a live change of
 * the input features changes the experiment the run reports and the one its checkpoints embed. */
#include "fittape-engine.h"
#include "train/ft-checkpoint.h"

#include <glib/gstdio.h>
#include <string.h>

static const char experiment_json[]
    = "{\"seed\": 5, \"dataset\": {\"name\": \"xor\", \"samples\": 96}, \"model\": {\"input_shape\": [2], "
      "\"layers\": [{\"type\": \"Dense\", \"units\": 6, \"activation\": \"tanh\"}, {\"type\": \"Dense\", "
      "\"units\": 2}]}, \"compile\": {\"optimizer\": \"adam\", \"loss\": {\"name\": "
      "\"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": [\"accuracy\"]}, \"fit\": "
      "{\"epochs\": 3, \"batch_size\": 16}}";

typedef struct
{
  FtRun *run;
  int epoch_ends;
  bool history_first; /* at every epoch end, the run had recorded it already */
  bool done;
  FtRunEventKind final;
} Owner;

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  Owner *o = user_data;
  switch (ev->kind)
    {
    case FT_RUN_EVENT_EPOCH_END:
      o->epoch_ends++;
      if (ft_run_epochs_done (o->run) != ev->epoch + 1 || ft_history_n_epochs (ft_run_history (o->run)) == 0
          || ft_history_epoch (ft_run_history (o->run), ft_history_n_epochs (ft_run_history (o->run)) - 1)
                 != ev->epoch)
        o->history_first = false;
      break;
    case FT_RUN_EVENT_FINISHED:
    case FT_RUN_EVENT_STOPPED:
    case FT_RUN_EVENT_FAILED:
      o->done = true;
      o->final = ev->kind;
      break;
    case FT_RUN_EVENT_TRAIN_BEGIN:
    case FT_RUN_EVENT_EPOCH_BEGIN:
    case FT_RUN_EVENT_BATCH_END:
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
    case FT_RUN_EVENT_EARLY_STOP:
    case FT_RUN_EVENT_PAUSED:
    case FT_RUN_EVENT_SNAPSHOT:
      break;
    }
}

/* Trains run to epochs and waits for its end. */
static void
train_to (Owner *o, int epochs)
{
  o->done = false;
  o->history_first = true;
  ft_run_make_runner (o->run, epochs, NULL, NULL, on_event, o);
  ft_runner_start (ft_run_runner (o->run));
  while (!o->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (o->final, ==, FT_RUN_EVENT_FINISHED);
  g_assert_true (o->history_first);
}

static FtExperiment *
experiment (FtDataset **train)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (experiment_json, &error);
  g_assert_no_error (error);
  FtDataset *test = NULL;
  g_assert_true (ft_experiment_load_data (exp, train, &test, &error));
  g_assert_no_error (error);
  ft_dataset_free (test);
  return exp;
}

static bool
same_weights (FtTrainer *a, FtTrainer *b)
{
  const FtModel *ma = ft_trainer_model (a), *mb = ft_trainer_model (b);
  if (ft_model_n_weights (ma) != ft_model_n_weights (mb))
    return false;
  for (int w = 0; w < ft_model_n_weights (ma); w++)
    {
      const FtTensor *x = ft_model_weight (ma, w), *y = ft_model_weight (mb, w);
      if (x->size != y->size || memcmp (x->data, y->data, x->size * sizeof (float)) != 0)
        return false;
    }
  return true;
}

/* ModelCheckpoint to path every epoch: the experiment's only callback. */
static void
with_model_checkpoint (FtExperiment *exp, const char *path)
{
  exp->n_callbacks = 1;
  exp->callbacks = g_new0 (FtCallbackSpec, 1);
  exp->callbacks[0] = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
  g_strlcpy (exp->callbacks[0].filepath, path, sizeof exp->callbacks[0].filepath);
}

/* A fit run of the test experiment (with ModelCheckpoint to checkpoint_path, unless NULL), owned by o. */
static FtExperiment *
fit_run (Owner *o, FtDataset **train, const char *checkpoint_path)
{
  FtExperiment *exp = experiment (train);
  if (checkpoint_path != NULL)
    with_model_checkpoint (exp, checkpoint_path);
  GError *error = NULL;
  memset (o, 0, sizeof *o);
  o->run = ft_run_new (exp, *train, false, NULL, &error);
  g_assert_no_error (error);
  return exp;
}

static void
test_history_and_continue (void)
{
  FtDataset *train = NULL;
  Owner o;
  FtExperiment *exp = fit_run (&o, &train, NULL);
  g_assert_null (ft_run_runner (o.run));
  g_assert_cmpint (ft_run_next_epochs (o.run), ==, 3);
  train_to (&o, ft_run_next_epochs (o.run));
  g_assert_cmpint (o.epoch_ends, ==, 3);
  g_assert_cmpint (ft_run_epochs_done (o.run), ==, 3);
  /* Continue: as many epochs again, counted on from 3 */
  g_assert_cmpint (ft_run_next_epochs (o.run), ==, 6);
  train_to (&o, ft_run_next_epochs (o.run));
  g_assert_cmpint (o.epoch_ends, ==, 6);
  g_assert_cmpint (ft_history_n_epochs (ft_run_history (o.run)), ==, 6);
  g_assert_cmpint (ft_history_epoch (ft_run_history (o.run), 5), ==, 5);
  ft_run_free (o.run);
  ft_experiment_free (exp);
  ft_dataset_free (train);
}

static void
test_resume_from_checkpoint (void)
{
  FtDataset *train = NULL;
  FtExperiment *exp = experiment (&train);
  GError *error = NULL;
  Owner straight = { 0 }, first = { 0 }, resumed = { 0 };
  straight.run = ft_run_new (exp, train, false, NULL, &error);
  train_to (&straight, 3);
  first.run = ft_run_new (exp, train, false, NULL, &error);
  train_to (&first, 2);
  char *dir = g_dir_make_tmp ("ft-run-XXXXXX", NULL);
  char *path = g_build_filename (dir, "two.h5", NULL);
  g_assert_true (ft_run_save_checkpoint (first.run, path, ft_run_epochs_done (first.run), &error));
  g_assert_no_error (error);
  resumed.run = ft_run_new (exp, train, false, NULL, &error);
  g_assert_true (ft_run_load_checkpoint (resumed.run, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ft_run_epochs_done (resumed.run), ==, 2);
  g_assert_cmpint (ft_run_next_epochs (resumed.run), ==, 3);
  train_to (&resumed, 3);
  g_assert_cmpint (resumed.epoch_ends, ==, 1); /* only the third epoch */
  g_assert_true (same_weights (ft_run_trainer (straight.run), ft_run_trainer (resumed.run)));
  g_assert_false (same_weights (ft_run_trainer (first.run), ft_run_trainer (resumed.run)));
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  ft_run_free (straight.run);
  ft_run_free (first.run);
  ft_run_free (resumed.run);
  ft_experiment_free (exp);
  ft_dataset_free (train);
}

/* The experiment a checkpoint at path records. */
static FtExperiment *
recorded_experiment (const char *path)
{
  GError *error = NULL;
  char *json = ft_checkpoint_read_experiment (path, &error);
  g_assert_no_error (error);
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_free (json);
  return exp;
}

static void
test_checkpoint_records_experiment (void)
{
  FtDataset *train = NULL;
  FtExperiment *exp = experiment (&train);
  char *dir = g_dir_make_tmp ("ft-run-XXXXXX", NULL);
  char *mc_path = g_build_filename (dir, "mc.h5", NULL);
  char *path = g_build_filename (dir, "saved.h5", NULL);
  with_model_checkpoint (exp, mc_path);
  GError *error = NULL;
  Owner o = { 0 };
  o.run = ft_run_new (exp, train, false, NULL, &error);
  g_assert_no_error (error);
  train_to (&o, 1);
  g_autoptr (FtExperiment) first = recorded_experiment (mc_path);
  g_assert_true (ft_experiment_equal (first, exp));

  /* A live change: the checkpoints after it describe the changed experiment. */
  g_autoptr (FtExperiment) changed = ft_experiment_copy (exp);
  changed->data.features = 0x5;
  g_free (changed->title);
  changed->title = g_strdup ("changed");
  ft_run_set_experiment (o.run, changed);
  g_assert_true (ft_experiment_equal (ft_run_experiment (o.run), changed));
  train_to (&o, 2);
  g_autoptr (FtExperiment) second = recorded_experiment (mc_path);
  g_assert_true (ft_experiment_equal (second, changed));
  g_assert_false (ft_experiment_equal (second, exp));
  g_assert_true (ft_run_save_checkpoint (o.run, path, ft_run_epochs_done (o.run), &error));
  g_assert_no_error (error);
  g_autoptr (FtExperiment) saved = recorded_experiment (path);
  g_assert_true (ft_experiment_equal (saved, changed));

  ft_run_free (o.run);
  g_unlink (mc_path);
  g_unlink (path);
  g_rmdir (dir);
  g_free (mc_path);
  g_free (path);
  g_free (dir);
  ft_experiment_free (exp);
  ft_dataset_free (train);
}

static void
test_compare_pair (void)
{
  FtDataset *train = NULL;
  FtExperiment *exp = experiment (&train);
  GError *error = NULL;
  FtRunOptions options = { .fingerprints = true, .lanes = true };
  Owner fit = { 0 }, tape = { 0 };
  fit.run = ft_run_new (exp, train, false, &options, &error);
  tape.run = ft_run_new (exp, train, true, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ft_run_fingerprints (fit.run));
  g_assert_null (ft_run_lanes (fit.run)); /* no callbacks, nothing to record */
  g_assert_true (ft_run_is_tape (tape.run));
  train_to (&fit, 3);
  train_to (&tape, 3);
  FtDivergence d;
  ft_divergence_find (ft_run_fingerprints (fit.run), ft_run_fingerprints (tape.run),
                      &ft_run_experiment (tape.run)->steps, &d);
  g_assert_false (d.diverged);
  g_assert_true (same_weights (ft_run_trainer (fit.run), ft_run_trainer (tape.run)));
  ft_run_free (fit.run);
  ft_run_free (tape.run);
  ft_experiment_free (exp);
  ft_dataset_free (train);
}

/* The input features changed before the first step: the run's experiment says so, and so does the
 * checkpoint ModelCheckpoint saves on the training thread after it (its experiment builds a model the
 * saved weights load into). */
static void
test_live_features (void)
{
  FtDataset *train = NULL;
  char *dir = g_dir_make_tmp ("ft-run-XXXXXX", NULL);
  char *path = g_build_filename (dir, "features.h5", NULL);
  Owner o;
  FtExperiment *exp = fit_run (&o, &train, path);
  GError *error = NULL;
  FtRunner *runner = ft_run_make_runner (o.run, 1, NULL, NULL, on_event, &o);
  unsigned mask = FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2;
  FtLiveChange c = { .kind = FT_LIVE_FEATURES, .features = mask };
  g_assert_cmpint (ft_runner_group_change (&runner, 1, &c), ==, 0);
  ft_runner_start (runner);
  while (!o.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (o.final, ==, FT_RUN_EVENT_FINISHED);
  g_assert_cmpuint (ft_run_experiment (o.run)->data.features, ==, mask);
  g_assert_cmpuint (exp->data.features, ==, 0); /* the caller's copy stays */
  g_autoptr (FtExperiment) embedded = recorded_experiment (path);
  g_assert_cmpuint (embedded->data.features, ==, mask);
  FtRun *loaded = ft_run_new (embedded, train, false, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ft_run_load_checkpoint (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_true (same_weights (ft_run_trainer (o.run), ft_run_trainer (loaded)));
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  ft_run_free (loaded);
  ft_run_free (o.run);
  ft_experiment_free (exp);
  ft_dataset_free (train);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run/history-and-continue", test_history_and_continue);
  g_test_add_func ("/run/resume-from-checkpoint", test_resume_from_checkpoint);
  g_test_add_func ("/run/compare-pair", test_compare_pair);
  g_test_add_func ("/run/live-features", test_live_features);
  g_test_add_func ("/run/checkpoint-records-experiment", test_checkpoint_records_experiment);
  return g_test_run ();
}
