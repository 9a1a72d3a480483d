/* test-cli.c — fittape-cli as a user runs it: run (fit, tape, both), the files it writes, its last JSON
 * line, --resume, evaluate, --help, and the exit status for bad input (2) and failed training (1). */
#include "experiment/ft-experiment.h"
#include "experiment/ft-network-edit.h"
#include "ft-test-util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const char *cli;
static char *data_dir;

/* Runs fittape-cli with args; a failed assertion on the run reports its signal, output and environment. */
static void
run_cli (FtTestRun *r, const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) cli);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  ft_test_run (r, (const char *const *) argv->pdata);
  g_ptr_array_unref (argv);
}

/* The last non-empty line of stdout, parsed as a JSON object. */
static JsonObject *
last_json (const FtTestRun *r, JsonParser **parser)
{
  char **lines = g_strsplit (r->out, "\n", -1);
  const char *last = NULL;
  for (int i = 0; lines[i]; i++)
    if (lines[i][0])
      last = lines[i];
  ft_test_run_assert (r, last != NULL);
  *parser = json_parser_new ();
  GError *error = NULL;
  bool parsed = json_parser_load_from_data (*parser, last, -1, &error);
  if (!parsed)
    g_test_message ("the last line is not JSON: %s", error->message);
  ft_test_run_assert (r, parsed);
  g_assert_no_error (error);
  g_strfreev (lines);
  JsonNode *root = json_parser_get_root (*parser);
  ft_test_run_assert (r, JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static char *
data_file (const char *name)
{
  return g_build_filename (data_dir, name, NULL);
}

static void
test_help (void)
{
  FtTestRun r;
  run_cli (&r, (const char *[]){ "--help", NULL });
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "fittape-cli run") != NULL);
  ft_test_run_assert (&r, strstr (r.out, "Exit status") != NULL);
  ft_test_run_assert (&r, strstr (r.out, "--threads N") != NULL);
  ft_test_run_clear (&r);
  run_cli (&r, (const char *[]){ "frobnicate", NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "unknown command") != NULL);
  ft_test_run_clear (&r);
}

static void
test_run_both_resume_evaluate (void)
{
  char *dir = g_dir_make_tmp ("fittape-cli-XXXXXX", NULL);
  char *spiral = data_file ("spiral.json");
  FtTestRun r;
  run_cli (&r, (const char *[]){ "run", spiral, "--mode", "both", "--epochs", "4", "--out", dir, NULL });
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "Model: \"sequential\"") != NULL);
  ft_test_run_assert (&r, strstr (r.out, "[fit] Epoch 4/4") != NULL);
  ft_test_run_assert (&r, strstr (r.out, "[tape] Epoch 4/4") != NULL);
  JsonParser *parser;
  JsonObject *o = last_json (&r, &parser);
  g_assert_cmpstr (json_object_get_string_member (o, "mode"), ==, "both");
  g_assert_true (json_object_get_boolean_member (o, "histories_identical"));
  JsonObject *fit = json_object_get_object_member (o, "fit");
  g_assert_cmpint (json_object_get_int_member (fit, "epochs"), ==, 4);
  g_assert_true (json_object_has_member (fit, "test_accuracy"));
  g_assert_true (json_object_has_member (fit, "seconds_per_epoch"));
  /* The first-divergence finder: none, over every step of the 4 epochs. */
  JsonObject *dv = json_object_get_object_member (o, "divergence");
  g_assert_nonnull (dv);
  g_assert_false (json_object_get_boolean_member (dv, "diverged"));
  g_assert_cmpint (json_object_get_int_member (dv, "epochs"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (dv, "steps"), >, 4);
  g_assert_nonnull (strstr (r.out, "fit() and the tape loop: identical — 4 epochs"));
  g_object_unref (parser);
  ft_test_run_clear (&r);
  /* The files, per run, and the two histories are the same text. */
  char *fit_csv = g_build_filename (dir, "fit", "history.csv", NULL);
  char *tape_csv = g_build_filename (dir, "tape", "history.csv", NULL);
  char *a = NULL, *b = NULL;
  g_assert_true (g_file_get_contents (fit_csv, &a, NULL, NULL));
  g_assert_true (g_file_get_contents (tape_csv, &b, NULL, NULL));
  g_assert_cmpstr (a, ==, b);
  g_assert_true (g_str_has_prefix (a, "epoch,accuracy,loss,val_accuracy,val_loss\n"));
  char **rows = g_strsplit (a, "\n", -1);
  g_assert_cmpint (g_strv_length (rows), ==, 6); /* header, 4 rows, "" */
  g_strfreev (rows);
  char *json = g_build_filename (dir, "fit", "history.json", NULL);
  char *ckpt = g_build_filename (dir, "fit", "final.h5", NULL);
  g_assert_true (g_file_test (json, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_EXISTS));

  /* Resume from the 4-epoch checkpoint to 6 epochs, in fit mode: equals a 6-epoch run. */
  char *dir6 = g_build_filename (dir, "six", NULL), *dir_resumed = g_build_filename (dir, "resumed", NULL);
  run_cli (&r, (const char *[]){ "run", spiral, "--mode", "fit", "--epochs", "6", "--out", dir6, "--quiet",
                                 NULL });
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_clear (&r);
  run_cli (&r, (const char *[]){ "run", "--resume", ckpt, "--mode", "fit", "--epochs", "6", "--out",
                                 dir_resumed, "--quiet", NULL });
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "Epoch 5/6") != NULL);
  ft_test_run_assert (&r, strstr (r.out, "Epoch 4/6") == NULL);
  ft_test_run_clear (&r);
  char *h6 = g_build_filename (dir6, "history.csv", NULL),
       *hr = g_build_filename (dir_resumed, "history.csv", NULL);
  char *c6 = NULL, *cr = NULL;
  g_assert_true (g_file_get_contents (h6, &c6, NULL, NULL));
  g_assert_true (g_file_get_contents (hr, &cr, NULL, NULL));
  /* The resumed history holds epochs 4 and 5 (0-based); they equal the uninterrupted run's rows. */
  char **l6 = g_strsplit (c6, "\n", -1), **lr = g_strsplit (cr, "\n", -1);
  g_assert_cmpstr (lr[1], ==, l6[5]);
  g_assert_cmpstr (lr[2], ==, l6[6]);
  g_strfreev (l6);
  g_strfreev (lr);

  /* evaluate a checkpoint. */
  char *ckpt6 = g_build_filename (dir6, "final.h5", NULL);
  run_cli (&r, (const char *[]){ "evaluate", ckpt6, NULL });
  ft_test_run_assert_exit (&r, 0);
  o = last_json (&r, &parser);
  g_assert_cmpfloat (json_object_get_double_member (o, "test_accuracy"), >, 0.5);
  g_object_unref (parser);
  ft_test_run_clear (&r);

  g_free (a);
  g_free (b);
  g_free (c6);
  g_free (cr);
  g_free (h6);
  g_free (hr);
  g_free (ckpt6);
  g_free (dir6);
  g_free (dir_resumed);
  g_free (fit_csv);
  g_free (tape_csv);
  g_free (json);
  g_free (ckpt);
  g_free (spiral);
  /* Leave the temporary directory to the system's cleaner: it holds several small files. */
  g_free (dir);
}

static void
test_bad_input (void)
{
  char *dir = g_dir_make_tmp ("fittape-cli-bad-XXXXXX", NULL);
  char *bad = g_build_filename (dir, "bad.json", NULL);
  g_assert_true (g_file_set_contents (
      bad, "{\"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": \"ten\"}]}}", -1, NULL));
  FtTestRun r;
  run_cli (&r, (const char *[]){ "run", bad, NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "$.model.layers[0].units") != NULL);
  ft_test_run_clear (&r);
  run_cli (&r, (const char *[]){ "run", "/nonexistent/experiment.json", NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "/nonexistent/experiment.json") != NULL);
  ft_test_run_clear (&r);
  char *garbage = g_build_filename (dir, "garbage.h5", NULL);
  g_assert_true (g_file_set_contents (garbage, "this is not an HDF5 file", -1, NULL));
  run_cli (&r, (const char *[]){ "evaluate", garbage, NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "garbage.h5") != NULL);
  ft_test_run_clear (&r);
  char *spiral = data_file ("spiral.json");
  run_cli (&r, (const char *[]){ "run", spiral, "--epochs", "0", NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "--epochs") != NULL);
  ft_test_run_clear (&r);
  run_cli (&r, (const char *[]){ "run", spiral, "--mode", "sideways", NULL });
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_clear (&r);
  for (int i = 0; i < 3; i++)
    {
      run_cli (
          &r, (const char *[]){ "run", spiral, "--threads", (const char *[]){ "0", "many", "65" }[i], NULL });
      ft_test_run_assert_exit (&r, 2);
      ft_test_run_assert (&r, strstr (r.err, "--threads") != NULL);
      ft_test_run_clear (&r);
    }
  g_unlink (bad);
  g_unlink (garbage);
  g_rmdir (dir);
  g_free (bad);
  g_free (garbage);
  g_free (spiral);
  g_free (dir);
}

/* --threads: the same history, to the last digit, with one thread and with three. */
static void
test_threads (void)
{
  char *dir = g_dir_make_tmp ("fittape-cli-threads-XXXXXX", NULL);
  char *spiral = data_file ("spiral.json");
  char *csv[2];
  for (int i = 0; i < 2; i++)
    {
      char *out = g_build_filename (dir, i == 0 ? "one" : "three", NULL);
      FtTestRun r;
      run_cli (&r, (const char *[]){ "run", spiral, "--mode", "fit", "--epochs", "3", "--threads",
                                     i == 0 ? "1" : "3", "--out", out, "--quiet", NULL });
      ft_test_run_assert_exit (&r, 0);
      ft_test_run_clear (&r);
      char *path = g_build_filename (out, "history.csv", NULL);
      g_assert_true (g_file_get_contents (path, &csv[i], NULL, NULL));
      g_free (path);
      g_free (out);
    }
  g_assert_cmpstr (csv[0], ==, csv[1]);
  g_free (csv[0]);
  g_free (csv[1]);
  g_free (spiral);
  /* Leave the temporary directory to the system's cleaner, as the other runs here do. */
  g_free (dir);
}

/* A diverging run (SGD with an absurd learning rate, nothing to saturate) fails with status 1. */
static void
test_training_failed (void)
{
  char *dir = g_dir_make_tmp ("fittape-cli-nan-XXXXXX", NULL);
  char *path = g_build_filename (dir, "diverge.json", NULL);
  const char *json = "{\"dataset\": {\"name\": \"spiral\", \"samples\": 200},"
                     " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 8},"
                     " {\"type\": \"Dense\", \"units\": 2}]},"
                     " \"compile\": {\"optimizer\": {\"name\": \"sgd\", \"learning_rate\": 1e30},"
                     " \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}},"
                     " \"fit\": {\"epochs\": 3}}";
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  char *out = g_build_filename (dir, "out", NULL);
  FtTestRun r;
  run_cli (&r, (const char *[]){ "run", path, "--out", out, "--quiet", NULL });
  ft_test_run_assert_exit (&r, 1);
  ft_test_run_assert (&r, strstr (r.err, "NaN") != NULL);
  ft_test_run_clear (&r);
  g_unlink (path);
  g_free (path);
  g_free (out);
  g_free (dir);
}

/* Both mode with the tape loop's shuffle left out: the JSON line and history.json name where they part. */
static void
test_run_both_divergence (void)
{
  char *dir = g_dir_make_tmp ("fittape-cli-XXXXXX", NULL);
  char *path = g_build_filename (dir, "noshuffle.json", NULL);
  const char *exp
      = "{\"seed\": 3, \"dataset\": {\"name\": \"moons\", \"samples\": 200, \"test_samples\": 0},"
        " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 8, \"activation\": \"tanh\"},"
        " {\"type\": \"Dense\", \"units\": 2}]},"
        " \"compile\": {\"optimizer\": \"adam\", \"loss\": {\"name\": \"sparse_categorical_crossentropy\","
        " \"from_logits\": true}, \"metrics\": [\"accuracy\"]},"
        " \"mode\": \"both\", \"fit\": {\"epochs\": 2, \"batch_size\": 20},"
        " \"tape_loop\": {\"shuffle\": false}}";
  g_assert_true (g_file_set_contents (path, exp, -1, NULL));
  FtTestRun r;
  run_cli (&r, (const char *[]){ "run", path, "--out", dir, NULL });
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r,
                      strstr (r.out, "parted at epoch 1, step 1: the tape loop does not shuffle") != NULL);
  JsonParser *parser;
  JsonObject *o = last_json (&r, &parser);
  g_assert_false (json_object_get_boolean_member (o, "histories_identical"));
  JsonObject *dv = json_object_get_object_member (o, "divergence");
  g_assert_true (json_object_get_boolean_member (dv, "diverged"));
  g_assert_cmpint (json_object_get_int_member (dv, "epoch"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (dv, "step"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (dv, "cause_kind"), ==, "step");
  g_assert_cmpstr (json_object_get_string_member (dv, "cause"), ==, "shuffle");
  g_object_unref (parser);
  ft_test_run_clear (&r);
  char *history = g_build_filename (dir, "tape", "history.json", NULL);
  JsonParser *hp = json_parser_new ();
  g_assert_true (json_parser_load_from_file (hp, history, NULL));
  JsonObject *h = json_node_get_object (json_parser_get_root (hp));
  g_assert_true (json_object_has_member (h, "history"));
  JsonObject *hdv = json_object_get_object_member (h, "divergence");
  g_assert_cmpstr (json_object_get_string_member (hdv, "cause"), ==, "shuffle");
  g_object_unref (hp);
  g_free (history);
  g_free (path);
  g_free (dir);
}

/* The pitfall lessons: in both mode the finder names their pitfall at the step their notes promise. */
static void
test_pitfall_lessons (void)
{
  static const struct
  {
    const char *file, *cause;
    int epoch, step;
  } lessons[] = {
    { "lesson-4-training-false.json", "training_false", 1, 1 },
    { "lesson-5-last-batch-counts-less.json", "unweighted_batch_mean", 1, 7 },
  };
  for (unsigned i = 0; i < G_N_ELEMENTS (lessons); i++)
    {
      char *dir = g_dir_make_tmp ("fittape-cli-XXXXXX", NULL);
      char *path = data_file (lessons[i].file);
      FtTestRun r;
      run_cli (&r, (const char *[]){ "run", path, "--epochs", "2", "--out", dir, "--quiet", NULL });
      ft_test_run_assert_exit (&r, 0);
      JsonParser *parser;
      JsonObject *o = last_json (&r, &parser);
      JsonObject *dv = json_object_get_object_member (o, "divergence");
      g_assert_true (json_object_get_boolean_member (dv, "diverged"));
      g_assert_cmpstr (json_object_get_string_member (dv, "cause_kind"), ==, "pitfall");
      g_assert_cmpstr (json_object_get_string_member (dv, "cause"), ==, lessons[i].cause);
      g_assert_cmpint (json_object_get_int_member (dv, "epoch"), ==, lessons[i].epoch);
      g_assert_cmpint (json_object_get_int_member (dv, "step"), ==, lessons[i].step);
      g_object_unref (parser);
      ft_test_run_clear (&r);
      g_free (path);
      g_free (dir);
    }
}

/* Lesson 6 keeps the promises of its notes: on x₁² and x₂² the network without a hidden layer gets about
 * 99 % of the test points right; on the raw x₁ and x₂ it stays poor; with the hidden layer that + adds
 * (four ReLU neurons) it is right again; fit and the tape loop agree in every version. */
static void
test_lesson_6 (void)
{
  char *path = data_file ("lesson-6-what-hidden-neurons-learn.json");
  GError *error = NULL;
  FtExperiment *e = ft_experiment_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->view, ==, "network");
  g_assert_cmpuint (e->data.features, ==, FT_FEATURE_X1_SQUARED | FT_FEATURE_X2_SQUARED);
  char *dir = g_dir_make_tmp ("fittape-cli-XXXXXX", NULL);
  char *raw = g_build_filename (dir, "raw.json", NULL), *hidden = g_build_filename (dir, "hidden.json", NULL);
  e->data.features = 0;
  g_assert_true (ft_experiment_save (e, raw, &error));
  g_assert_true (ft_network_add_hidden (e, &error));
  g_assert_no_error (error);
  g_assert_cmpint (e->layers[0].units, ==, 4);
  g_assert_cmpint (e->layers[0].activation, ==, FT_ACT_RELU);
  g_assert_true (ft_experiment_save (e, hidden, &error));
  g_assert_no_error (error);
  ft_experiment_free (e);
  const struct
  {
    const char *file;
    double lo, hi;
  } versions[] = { { path, 0.95, 1.0 }, { raw, 0.0, 0.6 }, { hidden, 0.9, 1.0 } };
  for (unsigned i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      FtTestRun r;
      run_cli (&r, (const char *[]){ "run", versions[i].file, "--out", dir, "--quiet", NULL });
      ft_test_run_assert_exit (&r, 0);
      JsonParser *parser;
      JsonObject *o = last_json (&r, &parser);
      double acc = json_object_get_double_member (json_object_get_object_member (o, "fit"), "test_accuracy");
      g_test_message ("%s: test accuracy %.4f", versions[i].file, acc);
      g_assert_cmpfloat (acc, >=, versions[i].lo);
      g_assert_cmpfloat (acc, <=, versions[i].hi);
      g_assert_true (json_object_get_boolean_member (o, "histories_identical"));
      g_object_unref (parser);
      ft_test_run_clear (&r);
    }
  g_remove (raw);
  g_remove (hidden);
  g_free (raw);
  g_free (hidden);
  g_free (path);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("FITTAPE_CLI");
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  if (cli == NULL || src == NULL)
    g_error ("run through meson test: FITTAPE_CLI and FITTAPE_SOURCE_DIR are not set");
  data_dir = g_build_filename (src, "data", NULL);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/run-both-resume-evaluate", test_run_both_resume_evaluate);
  g_test_add_func ("/cli/run-both-divergence", test_run_both_divergence);
  g_test_add_func ("/cli/pitfall-lessons", test_pitfall_lessons);
  g_test_add_func ("/cli/lesson-6", test_lesson_6);
  g_test_add_func ("/cli/bad-input", test_bad_input);
  g_test_add_func ("/cli/threads", test_threads);
  g_test_add_func ("/cli/training-failed", test_training_failed);
  return g_test_run ();
}
