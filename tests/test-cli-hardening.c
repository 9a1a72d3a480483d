/* test-cli-hardening.c — issue 12 through fittape-cli as a user runs it: a test set that does not fit
 * the model refused before training and a failing evaluate (item 6), results all or nothing (item 12),
 * argument ranges and valid JSON lines (item 13), a checkpoint crashing libhdf5 (item 1). */
#include "ft-test-util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *cli;
static char *dir;

typedef struct
{
  int status;
  char *out;
  char *err;
} Result;

/* Runs fittape-cli in the test's folder. A signal is reported as 128 + its number (as a shell does); the
 * run's whole report (command, how it ended, the sanitizer and FITTAPE_* environment, stdout, stderr) goes
 * to the test log, so a failed assertion on it has its cause beside it. */
static Result
run_cli (const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) cli);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  FtTestRun run;
  ft_test_run_in (&run, dir, (const char *const *) argv->pdata);
  g_ptr_array_unref (argv);
  char *report = ft_test_run_describe (&run);
  g_test_message ("%s", report);
  g_free (report);
  Result r = { run.signal != 0 ? 128 + run.signal : run.exit_status, g_steal_pointer (&run.out),
               g_steal_pointer (&run.err) };
  ft_test_run_clear (&run);
  return r;
}

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

static char *
path_in (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
write_file (const char *name, const char *text)
{
  char *p = path_in (name);
  g_assert_true (g_file_set_contents (p, text, -1, NULL));
  g_free (p);
}

static const char train_csv[] = "a,b,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n0.5,0.5,0\n0.2,0.8,1\n";
static const char experiment_json[] = "{\"seed\": 1, \"dataset\": {\"name\": \"csv\", \"path\": "
                                      "\"train.csv\", \"test_path\": \"test.csv\", \"label\": "
                                      "\"label\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": "
                                      "2}]}, \"compile\": {\"optimizer\": \"sgd\", "
                                      "\"loss\": {\"name\": \"sparse_categorical_crossentropy\", "
                                      "\"from_logits\": true}, \"metrics\": [\"accuracy\"]}, "
                                      "\"mode\": \"%s\", \"fit\": {\"epochs\": 2, \"batch_size\": %s}}";

static void
write_experiment (const char *name, const char *mode, const char *batch)
{
  char *json = g_strdup_printf (experiment_json, mode, batch);
  write_file (name, json);
  g_free (json);
}

static bool
exists (const char *name)
{
  char *p = path_in (name);
  bool e = g_file_test (p, G_FILE_TEST_EXISTS);
  g_free (p);
  return e;
}

/* The last non-empty line of stdout is one JSON object. */
static JsonParser *
last_json (const char *out)
{
  char **lines = g_strsplit (out, "\n", -1);
  const char *last = NULL;
  for (int i = 0; lines[i]; i++)
    if (lines[i][0])
      last = lines[i];
  g_assert_nonnull (last);
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  g_assert_true (json_parser_load_from_data (parser, last, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_strfreev (lines);
  return parser;
}

/* item 6: a test set that does not fit the model is refused before training */
static void
test_test_set_checked_first (void)
{
  write_file ("train.csv", train_csv);
  write_file ("test.csv", "a,b,c,label\n0,0,0,0\n1,1,1,1\n");
  write_experiment ("exp.json", "fit", "2");
  Result r = run_cli ((const char *[]){ "run", "exp.json", "--out", "out6", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "test set does not fit the model"));
  g_assert_null (strstr (r.out, "Epoch"));
  g_assert_false (exists ("out6"));
  result_clear (&r);
}

/* item 6: evaluate fails properly when the evaluation fails (the test set changed since the run) */
static void
test_evaluate_fails (void)
{
  write_file ("train.csv", train_csv);
  write_file ("test.csv", "a,b,label\n0,0,0\n1,1,1\n");
  write_experiment ("exp.json", "fit", "2");
  Result r = run_cli ((const char *[]){ "run", "exp.json", "--out", "ev", NULL });
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  write_file ("test.csv", "a,b,c,label\n0,0,0,0\n1,1,1,1\n");
  r = run_cli ((const char *[]){ "evaluate", "ev/final.h5", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_null (strstr (r.out, "test_loss"));
  g_assert_nonnull (strstr (r.err, "fittape-cli: "));
  result_clear (&r);
  write_file ("test.csv", "a,b,label\n0,0,0\n1,1,1\n");
}

/* item 12: --out checked before training; nothing half-written; stale staging directories removed */
static void
test_out_all_or_nothing (void)
{
  write_file ("train.csv", train_csv);
  write_file ("test.csv", "a,b,label\n0,0,0\n1,1,1\n");
  write_experiment ("exp.json", "both", "2");
  write_file ("a-file", "not a directory");
  Result r = run_cli ((const char *[]){ "run", "exp.json", "--out", "a-file", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_null (strstr (r.out, "Epoch"));
  g_assert_nonnull (strstr (r.err, "a-file"));
  result_clear (&r);

  /* final.h5 cannot be put in place (a directory there): no history file either */
  char *blocked = path_in ("blocked/fit/final.h5");
  g_assert_cmpint (g_mkdir_with_parents (blocked, 0755), ==, 0);
  g_free (blocked);
  r = run_cli ((const char *[]){ "run", "exp.json", "--out", "blocked", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_false (exists ("blocked/fit/history.csv"));
  g_assert_false (exists ("blocked/tape"));
  result_clear (&r);

  /* a staging directory left by a killed run goes at the next run; the results come whole */
  char *stale = path_in ("good.tmp-Xy12Ab");
  g_assert_cmpint (g_mkdir_with_parents (stale, 0755), ==, 0);
  char *junk = g_build_filename (stale, "final.h5", NULL);
  g_assert_true (g_file_set_contents (junk, "half", -1, NULL));
  char *touch = g_strdup_printf ("touch -d @%" G_GINT64_FORMAT " '%s'",
                                 g_get_real_time () / G_USEC_PER_SEC - 60, stale);
  g_assert_cmpint (system (touch), ==, 0);
  r = run_cli ((const char *[]){ "run", "exp.json", "--out", "good", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  const char *want[] = { "good/fit/history.csv",  "good/fit/history.json",  "good/fit/final.h5",
                         "good/tape/history.csv", "good/tape/history.json", "good/tape/final.h5" };
  for (size_t i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_true (exists (want[i]));
  result_clear (&r);
  /* and again over the existing results */
  r = run_cli ((const char *[]){ "run", "exp.json", "--out", "good", NULL });
  g_assert_cmpint (r.status, ==, 0);
  for (size_t i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_true (exists (want[i]));
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_null (strstr (name, ".tmp-"));
  g_dir_close (d);
  result_clear (&r);
  g_free (touch);
  g_free (junk);
  g_free (stale);
}

/* item 13: argument ranges, valid JSON lines, messages naming the path once */
static void
test_arguments (void)
{
  Result r = run_cli ((const char *[]){ "run", "--seed", "99999999999999999999", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--seed must be a whole number from 0 to 9223372036854775807"));
  result_clear (&r);
  r = run_cli ((const char *[]){ "run", "--epochs", "99999999999999999999", NULL });
  g_assert_cmpint (r.status, ==, 2);
  result_clear (&r);
  r = run_cli ((const char *[]){ "run", "--seed", "-1", NULL });
  g_assert_cmpint (r.status, ==, 2);
  result_clear (&r);

  write_file ("train.csv", train_csv);
  write_file ("test.csv", "a,b,label\n0,0,0\n1,1,1\n");
  write_experiment ("big-batch.json", "fit", "2000000");
  r = run_cli ((const char *[]){ "run", "big-batch.json", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "1048576"));
  result_clear (&r);

  /* evaluate's JSON line: the path escaped */
  write_experiment ("exp.json", "fit", "2");
  r = run_cli ((const char *[]){ "run", "exp.json", "--out", "q\"uote\\d", NULL });
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  r = run_cli ((const char *[]){ "evaluate", "q\"uote\\d/final.h5", NULL });
  g_assert_cmpint (r.status, ==, 0);
  JsonParser *p = last_json (r.out);
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpstr (json_object_get_string_member (o, "checkpoint"), ==, "q\"uote\\d/final.h5");
  g_object_unref (p);
  result_clear (&r);

  /* a missing checkpoint: the path once in the message */
  r = run_cli ((const char *[]){ "evaluate", "missing.h5", NULL });
  g_assert_cmpint (r.status, ==, 2);
  const char *first = strstr (r.err, "missing.h5");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "missing.h5"));
  result_clear (&r);
}

/* item 1: a checkpoint on which libhdf5 crashes: exit 2 with "damaged", not a crash */
static void
test_damaged_checkpoint (void)
{
  write_file ("crash.sh", "#!/bin/sh\nkill -SEGV $$\n");
  char *crasher = path_in ("crash.sh");
  g_chmod (crasher, 0755);
  write_file ("train.csv", train_csv);
  write_file ("test.csv", "a,b,label\n0,0,0\n1,1,1\n");
  write_experiment ("exp.json", "fit", "2");
  Result r = run_cli ((const char *[]){ "run", "exp.json", "--out", "dmg", NULL });
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  g_setenv ("FITTAPE_H5CHECK", crasher, TRUE);
  r = run_cli ((const char *[]){ "evaluate", "dmg/final.h5", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "the file is damaged"));
  result_clear (&r);
  r = run_cli ((const char *[]){ "run", "--resume", "dmg/final.h5", "--epochs", "3", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "the file is damaged"));
  result_clear (&r);
  g_unsetenv ("FITTAPE_H5CHECK");
  g_free (crasher);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("FITTAPE_CLI");
  if (cli == NULL)
    g_error ("run through meson test: FITTAPE_CLI is not set");
  dir = g_dir_make_tmp ("ft-cli-hardening-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_test_add_func ("/cli-hardening/6/test-set-checked-first", test_test_set_checked_first);
  g_test_add_func ("/cli-hardening/6/evaluate-fails", test_evaluate_fails);
  g_test_add_func ("/cli-hardening/12/out-all-or-nothing", test_out_all_or_nothing);
  g_test_add_func ("/cli-hardening/13/arguments", test_arguments);
  g_test_add_func ("/cli-hardening/1/damaged-checkpoint", test_damaged_checkpoint);
  int r = g_test_run ();
  char *rm = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (rm) != 0)
    r = 1;
  g_free (rm);
  g_free (dir);
  return r;
}
