/* test-hardening.c — issue 12: every file FitTape reads, refused before any work when it is hostile or
 * too large, never a crash. Each test names the item it reproduces. */
#include "core/ft-error.h"
#include "core/ft-json-check.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"
#include "data/ft-dataset.h"
#include "experiment/ft-experiment.h"
#include "train/ft-callbacks.h"
#include "train/ft-checkpoint-guard.h"
#include "train/ft-checkpoint.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static char *test_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (test_dir, name, NULL);
}

static const char spiral_json[]
    = "{\"seed\": 7, \"dataset\": {\"name\": \"spiral\", \"samples\": 60, \"noise\": 0.05, \"test_samples\": "
      "20},"
      " \"model\": {\"input_shape\": [2], \"layers\": [%s]},"
      " \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"
      "   \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": "
      "[%s]},"
      " \"fit\": {\"epochs\": 1, \"batch_size\": 10}}";

static FtExperiment *
experiment (const char *layers, const char *metrics, GError **error)
{
  char *json = g_strdup_printf (spiral_json, layers, metrics);
  FtExperiment *e = ft_experiment_from_json (json, error);
  g_free (json);
  return e;
}

static FtTrainer *
trainer_for (const char *layers, const char *metrics, GError **error)
{
  FtExperiment *e = experiment (layers, metrics, error);
  if (e == NULL)
    return NULL;
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, error);
  ft_experiment_free (e);
  return t;
}

static FtTrainer *
small_trainer (void)
{
  GError *error = NULL;
  FtTrainer *t = trainer_for ("{\"type\": \"Dense\", \"units\": 8, \"activation\": \"tanh\"},"
                              " {\"type\": \"Dense\", \"units\": 2}",
                              "\"accuracy\"", &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

/* Saves a checkpoint of a fresh small trainer (a few Adam steps' worth of state is not needed: zeros
 * are valid slots). */
static char *
saved_checkpoint (const char *name, FtTrainer *t)
{
  char *path = tmp_path (name);
  GError *error = NULL;
  g_assert_true (ft_checkpoint_save (t, NULL, path, false, 1, &error));
  g_assert_no_error (error);
  return path;
}

/* ---- item 3: models larger than memory, conv fan-in, Flatten ---- */

static void
test_model_budget (void)
{
  GError *error = NULL;
  FtTrainer *t = trainer_for (
      "{\"type\": \"Dense\", \"units\": 1000000}, {\"type\": \"Dense\", \"units\": 1000000},"
      " {\"type\": \"Dense\", \"units\": 2}",
      "\"accuracy\"", &error);
  g_assert_null (t);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "layer 2 (dense_1)"));
  g_assert_nonnull (strstr (error->message, "memory budget"));
  g_clear_error (&error);
}

static void
test_conv_fan_in (void)
{
  GError *error = NULL;
  char *json = g_strdup_printf (
      "{\"seed\": 1, \"dataset\": {\"name\": \"spiral\"}, \"model\": {\"input_shape\": [8, 8, 1000000], "
      "\"layers\": ["
      "{\"type\": \"Conv2D\", \"filters\": 4, \"kernel_size\": [64, 64], \"padding\": \"same\"},"
      " {\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 2}]},"
      " \"compile\": {\"optimizer\": {\"name\": \"sgd\"}, \"loss\": {\"name\": "
      "\"sparse_categorical_crossentropy\"}}}");
  FtExperiment *e = ft_experiment_from_json (json, &error);
  g_free (json);
  if (e == NULL)
    {
      /* refused already by the experiment's own ranges: fine, as long as it is an error */
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_clear_error (&error);
      return;
    }
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "conv2d"));
  g_clear_error (&error);
  ft_experiment_free (e);
}

static void
test_flatten_overflow (void)
{
  FtLayerSpec flat = ft_layer_spec_default (FT_LAYER_FLATTEN);
  int in[3] = { 100000, 100000, 1000 }, out[FT_MAX_DIMS], out_nd = 0, nw = 0;
  FtWeightSpec w[FT_LAYER_MAX_WEIGHTS];
  GError *error = NULL;
  g_assert_false (ft_layer_infer (&flat, 3, in, &out_nd, out, &nw, w, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Flatten"));
  g_clear_error (&error);

  /* A model built directly (not through an experiment) is held to the budget too. */
  int shape[1] = { 1000000 };
  FtModel *m = ft_model_new (1, shape);
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  dense.units = 1000000;
  ft_model_add (m, &dense);
  g_assert_false (ft_model_build (m, 1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "layer 1 (dense)"));
  g_clear_error (&error);
  ft_model_free (m);
}

/* ---- item 4: deep JSON; item 8: invalid UTF-8 and lone surrogates ---- */

static void
test_json_depth (void)
{
  GString *s = g_string_new ("{\"title\": ");
  for (int i = 0; i < 80000; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 80000; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  GError *error = NULL;
  g_assert_null (ft_experiment_from_json (s->str, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nested more than"));
  g_clear_error (&error);
  /* the same through a file */
  char *path = tmp_path ("deep.json");
  g_assert_true (g_file_set_contents (path, s->str, (gssize) s->len, NULL));
  g_assert_null (ft_experiment_load (path, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_clear_error (&error);
  g_free (path);
  g_string_free (s, TRUE);
}

static void
test_json_utf8 (void)
{
  GError *error = NULL;
  const char *bad[] = { "{\"title\": \"\\ud800\"}", "{\"title\": \"\\udc00x\"}", "{\"title\": \"\xff\xfe\"}",
                        "{\"title\": \"\\ud800\\u0041\"}", "{\"title\": \"a\\u0000b\"}",
                        /* found by fuzz-experiment: json-glib made a surrogate of "\udAs" */
                        "{\"title\": \"\\\\\\udAss\"}", "{\"title\": \"\\u12\"}" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (ft_experiment_from_json (bad[i], &error));
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_test_message ("%s -> %s", bad[i], error->message);
      g_clear_error (&error);
    }
  /* a proper pair and ordinary escapes pass the pre-check */
  g_assert_true (ft_json_check ("{\"t\": \"\\ud83d\\ude00 \\\" \\\\ \\n\"}", -1, 8, NULL, &error));
  g_assert_no_error (error);
}

/* ---- item 5: file-name templates ---- */

static void
test_template_limits (void)
{
  const char *bad[] = { "ckpt-{epoch:2147483647d}.h5", "ckpt-{epoch:999999999d}.h5",
                        "ckpt-{loss:.999999999f}.h5", "ckpt-{epoch:99999999999999999999d}.h5" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      FtCallbackSpec s = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
      g_strlcpy (s.filepath, bad[i], sizeof s.filepath);
      GError *error = NULL;
      g_assert_false (ft_callback_spec_validate (&s, &error));
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "at most"));
      g_clear_error (&error);
      /* and the formatter refuses it by itself, quickly */
      char out[4096];
      FtLogs logs;
      ft_logs_clear (&logs);
      ft_logs_set (&logs, "loss", 0.5);
      g_assert_false (ft_format_checkpoint_path (bad[i], 1, 0, &logs, out, sizeof out, &error));
      g_clear_error (&error);
    }
  FtCallbackSpec ok = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
  g_strlcpy (ok.filepath, "ckpt-{epoch:02d}-{val_loss:.4f}.h5", sizeof ok.filepath);
  GError *error = NULL;
  g_assert_true (ft_callback_spec_validate (&ok, &error));
  g_assert_no_error (error);
}

/* ---- item 7: CSV sized by data rows; regular files only ---- */

static void
test_csv_blank_lines (void)
{
  GString *s = g_string_new (NULL);
  for (int c = 0; c < 100000; c++)
    g_string_append_printf (s, "%sc%d", c ? "," : "", c);
  g_string_append (s, ",label\n");
  for (int c = 0; c < 100000; c++)
    g_string_append (s, "1,");
  g_string_append (s, "0\n");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '\n');
  char *path = tmp_path ("wide.csv");
  g_assert_true (g_file_set_contents (path, s->str, (gssize) s->len, NULL));
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_csv (path, "label", &error);
  /* sized by its one data row: it loads (or is refused with a message), it does not abort */
  if (ds != NULL)
    {
      g_assert_cmpuint (ds->n, ==, 1);
      ft_dataset_free (ds);
    }
  else
    {
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_clear_error (&error);
    }
  /* with a budget too small for the data, an error naming the budget, not an abort */
  g_setenv ("FITTAPE_MEMORY_BUDGET_MB", "1", TRUE);
  g_assert_null (ft_dataset_load_csv (path, "label", &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "memory budget"));
  g_clear_error (&error);
  g_unsetenv ("FITTAPE_MEMORY_BUDGET_MB");
  g_free (path);
  g_string_free (s, TRUE);
}

static void
test_not_regular_files (void)
{
  GError *error = NULL;
  g_assert_null (ft_experiment_load ("/dev/zero", &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_assert_null (ft_dataset_load_csv ("/dev/zero", "label", &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ft_experiment_load (test_dir, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_clear_error (&error);
  FtTrainer *t = small_trainer ();
  g_assert_false (ft_checkpoint_load (t, "/dev/zero", NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  ft_trainer_free (t);
  /* a file over the cap is refused unread */
  char *path = tmp_path ("big.json");
  FILE *f = fopen (path, "w");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, (long) FT_LIMIT_EXPERIMENT_BYTES + 1, SEEK_SET), ==, 0);
  fputc ('}', f);
  fclose (f);
  g_assert_null (ft_experiment_load (path, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);
  g_free (path);
}

/* ---- item 9: metric and loss ---- */

static void
test_metric_loss (void)
{
  GError *error = NULL;
  FtTrainer *t = trainer_for ("{\"type\": \"Dense\", \"units\": 2}", "\"mse\"", &error);
  g_assert_null (t);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "does not fit the loss"));
  g_clear_error (&error);
  t = trainer_for ("{\"type\": \"Dense\", \"units\": 2}", "\"accuracy\"", &error);
  g_assert_no_error (error);
  ft_trainer_free (t);
}

/* ---- items 1, 2, 10, 11: checkpoints ---- */

static void
reload_fails (const char *path, const char *expect)
{
  FtTrainer *t = small_trainer ();
  GError *error = NULL;
  g_assert_false (ft_checkpoint_load (t, path, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (expect != NULL && strstr (error->message, expect) == NULL)
    g_error ("expected \"%s\" in: %s", expect, error->message);
  g_clear_error (&error);
  ft_trainer_free (t);
}

/* Replaces the first Dense kernel by a dataset of the same shape made by make (external storage, a
 * soft link, an external link). */
typedef void (*Replace) (hid_t group, const char *name, const char *other_file);

static void
replace_kernel (const char *path, Replace make, const char *other_file)
{
  hid_t f = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  g_assert_cmpint (f, >=, 0);
  hid_t g = H5Gopen2 (f, "model_weights/dense/sequential/dense", H5P_DEFAULT);
  g_assert_cmpint (g, >=, 0);
  g_assert_cmpint (H5Ldelete (g, "kernel", H5P_DEFAULT), >=, 0);
  make (g, "kernel", other_file);
  H5Gclose (g);
  H5Fclose (f);
}

static void
make_external_storage (hid_t g, const char *name, const char *other_file)
{
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);
  g_assert_cmpint (H5Pset_external (dcpl, other_file, 0, 2 * 8 * 4), >=, 0);
  hsize_t dims[2] = { 2, 8 };
  hid_t space = H5Screate_simple (2, dims, NULL);
  hid_t ds = H5Dcreate2 (g, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  g_assert_cmpint (ds, >=, 0);
  H5Dclose (ds);
  H5Sclose (space);
  H5Pclose (dcpl);
}

static void
make_soft_link (hid_t g, const char *name, const char *other_file)
{
  g_assert_cmpint (
      H5Lcreate_soft ("/model_weights/dense_1/sequential/dense_1/bias", g, name, H5P_DEFAULT, H5P_DEFAULT),
      >=, 0);
}

static void
make_external_link (hid_t g, const char *name, const char *other_file)
{
  g_assert_cmpint (H5Lcreate_external (other_file, "/model_weights/dense/sequential/dense/kernel", g, name,
                                       H5P_DEFAULT, H5P_DEFAULT),
                   >=, 0);
}

static void
test_checkpoint_external (void)
{
  FtTrainer *t = small_trainer ();
  char *other = saved_checkpoint ("other.h5", t);
  char *bytes = tmp_path ("weights.bin");
  char zeros[64] = { 0 };
  g_assert_true (g_file_set_contents (bytes, zeros, sizeof zeros, NULL));
  struct
  {
    Replace make;
    const char *arg, *expect;
  } cases[] = { { make_external_storage, bytes, "external file" },
                { make_soft_link, NULL, "soft link" },
                { make_external_link, other, "external link" } };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *path = saved_checkpoint ("linked.h5", t);
      replace_kernel (path, cases[i].make, cases[i].arg);
      reload_fails (path, cases[i].expect);
      /* the same without the child process: the in-process structural check refuses it too */
      ft_checkpoint_guard_set_helper ("");
      reload_fails (path, NULL);
      ft_checkpoint_guard_set_helper (NULL);
      g_free (path);
    }
  g_free (bytes);
  g_free (other);
  ft_trainer_free (t);
}

static void
set_attr (const char *path, const char *group, const char *name, hid_t mem_type, const void *value)
{
  hid_t f = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t g = H5Gopen2 (f, group, H5P_DEFAULT);
  hid_t a = H5Aopen (g, name, H5P_DEFAULT);
  g_assert_cmpint (a, >=, 0);
  g_assert_cmpint (H5Awrite (a, mem_type, value), >=, 0);
  H5Aclose (a);
  H5Gclose (g);
  H5Fclose (f);
}

static void
set_first_float (const char *path, const char *dataset, float v)
{
  hid_t f = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t ds = H5Dopen2 (f, dataset, H5P_DEFAULT);
  g_assert_cmpint (ds, >=, 0);
  hid_t space = H5Dget_space (ds);
  hssize_t n = H5Sget_simple_extent_npoints (space);
  float *buf = g_new (float, n);
  g_assert_cmpint (H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), >=, 0);
  buf[0] = v;
  g_assert_cmpint (H5Dwrite (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), >=, 0);
  g_free (buf);
  H5Sclose (space);
  H5Dclose (ds);
  H5Fclose (f);
}

static void
test_checkpoint_values (void)
{
  FtTrainer *t = small_trainer ();
  int64_t huge = INT64_MAX;
  float lr = 3e38f;
  char *path = saved_checkpoint ("values.h5", t);
  set_attr (path, "fittape", "iterations", H5T_NATIVE_INT64, &huge);
  reload_fails (path, "iteration count");
  g_free (path);
  path = saved_checkpoint ("values.h5", t);
  set_attr (path, "fittape", "learning_rate", H5T_NATIVE_FLOAT, &lr);
  reload_fails (path, "learning rate");
  g_free (path);
  path = saved_checkpoint ("values.h5", t);
  set_first_float (path, "model_weights/dense/sequential/dense/kernel", NAN);
  reload_fails (path, "non-finite");
  g_free (path);
  path = saved_checkpoint ("values.h5", t);
  set_first_float (path, "model_weights/dense/sequential/dense/kernel", INFINITY);
  reload_fails (path, "non-finite");
  g_free (path);
  path = saved_checkpoint ("values.h5", t);
  set_first_float (path, "fittape/optimizer_slots/velocity", -1.0f);
  reload_fails (path, "negative second moment");
  g_free (path);
  ft_trainer_free (t);
}

/* One byte changed at many places of a FitTape-written file: every load either succeeds or fails with
 * an error; the process survives (libhdf5 runs in the helper). */
static void
test_checkpoint_damaged (void)
{
  FtTrainer *t = small_trainer ();
  char *path = saved_checkpoint ("pristine.h5", t);
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  char *damaged = tmp_path ("damaged.h5");
  GRand *rand = g_rand_new_with_seed (12);
  int failed = 0, n = g_test_slow () ? 400 : 60;
  for (int i = 0; i < n; i++)
    {
      char *copy = g_memdup2 (data, len);
      gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) len);
      copy[at] ^= (char) g_rand_int_range (rand, 1, 256);
      g_assert_true (g_file_set_contents (damaged, copy, (gssize) len, NULL));
      FtTrainer *u = small_trainer ();
      GError *error = NULL;
      if (!ft_checkpoint_load (u, damaged, NULL, NULL, &error))
        {
          g_assert_nonnull (error);
          g_assert_true (g_str_has_prefix (error->message, damaged));
          failed++;
          g_clear_error (&error);
        }
      ft_trainer_free (u);
      g_free (copy);
    }
  g_test_message ("%d of %d damaged copies refused", failed, n);
  g_rand_free (rand);
  g_free (damaged);
  g_free (data);
  g_free (path);
  ft_trainer_free (t);
}

/* The helper crashing or hanging becomes "the file is damaged". */
static void
test_guard_crash (void)
{
  FtTrainer *t = small_trainer ();
  char *path = saved_checkpoint ("guarded.h5", t);
  set_first_float (path, "model_weights/dense/sequential/dense/kernel",
                   0.25f); /* not this process's file now */
  char *crasher = tmp_path ("crasher.sh");
  g_assert_true (g_file_set_contents (crasher, "#!/bin/sh\nkill -SEGV $$\n", -1, NULL));
  g_chmod (crasher, 0755);
  ft_checkpoint_guard_set_helper (crasher);
  reload_fails (path, "the file is damaged");
  GError *error = NULL;
  g_assert_null (ft_checkpoint_read_experiment (path, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "crashed"));
  g_clear_error (&error);
  ft_checkpoint_guard_set_helper (NULL);
  /* the real helper accepts it */
  FtTrainer *u = small_trainer ();
  g_assert_true (ft_checkpoint_load (u, path, NULL, NULL, &error));
  g_assert_no_error (error);
  ft_trainer_free (u);
  g_free (crasher);
  g_free (path);
  ft_trainer_free (t);
}

/* A file found by fuzzing on which libhdf5 (1.10.8) copies from memory it has already freed while listing
 * an object's attributes: no crash in a plain process, so only the helper's AddressSanitizer sees it.
 * The file is refused as damaged, and this process never reads it. */
static void
test_guard_memory_error (void)
{
  const char *source = g_getenv ("FITTAPE_SOURCE_DIR");
  if (source == NULL)
    {
      g_test_skip ("FITTAPE_SOURCE_DIR is not set (run through meson test)");
      return;
    }
  char *path = g_build_filename (source, "tests", "fuzz", "crashes", "checkpoint",
                                 "attr-table-use-after-free.h5", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  reload_fails (path, "the file is damaged");
  GError *error = NULL;
  g_assert_null (ft_checkpoint_read_experiment (path, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_free (path);
}

static void
test_checkpoint_many_layers (void)
{
  GString *layers = g_string_new (NULL);
  for (int i = 0; i < 1024; i++)
    g_string_append_printf (layers, "%s{\"type\": \"Dense\", \"units\": 2}", i ? ", " : "");
  GError *error = NULL;
  FtTrainer *t = trainer_for (layers->str, "\"accuracy\"", &error);
  g_assert_no_error (error);
  char *path = tmp_path ("deep-model.h5");
  bool saved = ft_checkpoint_save (t, NULL, path, false, 0, &error);
  g_assert_no_error (error);
  g_assert_true (saved);
  FtTrainer *u = trainer_for (layers->str, "\"accuracy\"", &error);
  bool has_state = false;
  g_assert_true (ft_checkpoint_load (u, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  ft_trainer_free (u);
  ft_trainer_free (t);
  g_free (path);
  g_string_free (layers, TRUE);
}

/* ---- item 12: temporary files of a killed save are removed at the next save ---- */

static void
test_stale_temps (void)
{
  FtTrainer *t = small_trainer ();
  char *path = tmp_path ("stale.h5");
  /* another checkpoint's name: ModelCheckpoint's change every epoch */
  char *stale = tmp_path ("checkpoint-03.h5.tmp-AbC123");
  g_assert_true (g_file_set_contents (stale, "half a checkpoint", -1, NULL));
  gint64 old = g_get_real_time () / G_USEC_PER_SEC - 60;
  char *touch = g_strdup_printf ("touch -d @%" G_GINT64_FORMAT " '%s'", old, stale);
  g_assert_cmpint (system (touch), ==, 0);
  GError *error = NULL;
  g_assert_true (ft_checkpoint_save (t, NULL, path, false, 0, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_free (touch);
  g_free (stale);
  g_free (path);
  ft_trainer_free (t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_dir = g_dir_make_tmp ("ft-hardening-XXXXXX", NULL);
  g_assert_nonnull (test_dir);
  g_test_add_func ("/hardening/3/model-budget", test_model_budget);
  g_test_add_func ("/hardening/3/conv-fan-in", test_conv_fan_in);
  g_test_add_func ("/hardening/3/flatten-overflow", test_flatten_overflow);
  g_test_add_func ("/hardening/4/json-depth", test_json_depth);
  g_test_add_func ("/hardening/5/template-limits", test_template_limits);
  g_test_add_func ("/hardening/7/csv-blank-lines", test_csv_blank_lines);
  g_test_add_func ("/hardening/7/not-regular-files", test_not_regular_files);
  g_test_add_func ("/hardening/8/json-utf8", test_json_utf8);
  g_test_add_func ("/hardening/9/metric-loss", test_metric_loss);
  g_test_add_func ("/hardening/1/checkpoint-damaged", test_checkpoint_damaged);
  g_test_add_func ("/hardening/1/guard-crash", test_guard_crash);
  g_test_add_func ("/hardening/1/guard-memory-error", test_guard_memory_error);
  g_test_add_func ("/hardening/2/checkpoint-external", test_checkpoint_external);
  g_test_add_func ("/hardening/10/checkpoint-values", test_checkpoint_values);
  g_test_add_func ("/hardening/11/checkpoint-many-layers", test_checkpoint_many_layers);
  g_test_add_func ("/hardening/12/stale-temps", test_stale_temps);
  int r = g_test_run ();
  char *rm = g_strdup_printf ("rm -rf '%s'", test_dir);
  if (system (rm) != 0)
    r = 1;
  g_free (rm);
  g_free (test_dir);
  return r;
}
