/* test-codegen.c — the experiment exported as a Python script (ft-codegen): every shipped experiment in
 * fit and tape mode byte-compiles with `python3 -m py_compile` and reads no undefined name
 * (tests/check_python.py); the structure is there (model.fit( / tf.GradientTape(), @tf.function,
 * optimizer.apply_gradients); each tape-loop step switched off is gone from the code and a comment says
 * so; the code map's ranges lie in the script and point at the right lines; every layer, optimizer, loss,
 * callback and data source gives valid Python; the data sections, run with NumPy (and no TensorFlow),
 * make the arrays FitTape's loaders make; ft_codegen_save and `fittape-cli export-script` write the
 * script. */
#include "experiment/ft-codegen.h"
#include "ft-test-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

/* ---- paths ---- */

/* The source tree: FITTAPE_SOURCE_DIR, else the parent of this file's directory. __FILE__ is absolute or
 * relative to the build directory, which is the parent of the directory holding this test's executable. */
static char *
source_root (void)
{
  const char *env = g_getenv ("FITTAPE_SOURCE_DIR");
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  char *tests_dir = g_path_get_dirname (__FILE__);
  char *root;
  if (g_path_is_absolute (tests_dir))
    root = g_build_filename (tests_dir, "..", NULL);
  else
    {
      char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_assert_nonnull (exe);
      char *exe_dir = g_path_get_dirname (exe);
      char *build_dir = g_path_get_dirname (exe_dir);
      root = g_build_filename (build_dir, tests_dir, "..", NULL);
      g_free (build_dir);
      g_free (exe_dir);
      g_free (exe);
    }
  g_free (tests_dir);
  char *canonical = g_canonicalize_filename (root, NULL);
  g_free (root);
  return canonical;
}

static char *
data_path (const char *name)
{
  char *root = source_root ();
  char *path = g_build_filename (root, "data", name, NULL);
  g_free (root);
  return path;
}

/* /usr/bin/python3 when it exists (Debian's python3-minimal), else python3 from PATH. */
static const char *
python (void)
{
  static char *path = NULL;
  if (path == NULL)
    path = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? g_strdup ("/usr/bin/python3")
                                                                       : g_find_program_in_path ("python3");
  return path;
}

typedef struct
{
  char *dir;
  int count;
} TmpDir;

static TmpDir tmp;

static char *
tmp_file (const char *stem)
{
  return g_strdup_printf ("%s/%s-%d.py", tmp.dir, stem, tmp.count++);
}

/* py_compile and the undefined-name check on a written script; a failure reports the run (signal, output,
 * environment). */
static void
assert_python_ok (const char *path)
{
  g_assert_nonnull (python ());
  const char *compile[] = { python (), "-m", "py_compile", path, NULL };
  FtTestRun r;
  ft_test_run (&r, compile);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_clear (&r);

  char *root = source_root ();
  char *checker = g_build_filename (root, "tests", "check_python.py", NULL);
  const char *check[] = { python (), checker, path, NULL };
  ft_test_run (&r, check);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_clear (&r);
  g_free (checker);
  g_free (root);
}

/* Writes the script to a temporary file and checks it compiles. */
static void
assert_script_ok (const char *script, const char *stem)
{
  char *path = tmp_file (stem);
  GError *error = NULL;
  g_assert_true (g_file_set_contents (path, script, -1, &error));
  g_assert_no_error (error);
  assert_python_ok (path);
  g_free (path);
}

/* ---- the code map ---- */

/* The script's lines (index 0 = line 1). */
static char **
script_lines (const char *script)
{
  g_assert_true (g_str_has_suffix (script, "\n"));
  char *body = g_strndup (script, strlen (script) - 1);
  char **lines = g_strsplit (body, "\n", -1);
  g_free (body);
  return lines;
}

/* The text of every line of a region, joined with newlines ("" when absent). */
static char *
region_text (char **lines, const FtCodeMap *map, FtCodeRegion r)
{
  GString *s = g_string_new (NULL);
  const FtCodeSpan *span = &map->regions[r];
  for (int i = 0; i < span->n_ranges; i++)
    for (int l = span->ranges[i].first; l <= span->ranges[i].last; l++)
      g_string_append_printf (s, "%s\n", lines[l - 1]);
  return g_string_free (s, FALSE);
}

static void
assert_region_has (char **lines, const FtCodeMap *map, FtCodeRegion r, const char *needle)
{
  char *text = region_text (lines, map, r);
  if (strstr (text, needle) == NULL)
    g_error ("region %s does not contain \"%s\":\n%s", ft_code_region_name (r), needle, text);
  g_free (text);
}

/* Every range lies in the script, ranges ascend without touching, n_lines is right. */
static void
assert_map_valid (const char *script, const FtCodeMap *map)
{
  char **lines = script_lines (script);
  int n = (int) g_strv_length (lines);
  g_assert_cmpint (map->n_lines, ==, n);
  for (int r = 0; r < FT_CODE_N_REGIONS; r++)
    {
      const FtCodeSpan *span = &map->regions[r];
      g_assert_cmpint (span->n_ranges, >=, 0);
      g_assert_cmpint (span->n_ranges, <=, FT_CODE_MAX_RANGES);
      for (int i = 0; i < span->n_ranges; i++)
        {
          g_assert_cmpint (span->ranges[i].first, >=, 1);
          g_assert_cmpint (span->ranges[i].first, <=, span->ranges[i].last);
          g_assert_cmpint (span->ranges[i].last, <=, n);
          if (i > 0)
            g_assert_cmpint (span->ranges[i].first, >, span->ranges[i - 1].last + 1);
        }
      if (span->omitted)
        {
          /* An omitted step points at the comment that says it was left out. */
          g_assert_cmpint (span->n_ranges, >=, 1);
          g_assert_nonnull (strstr (lines[span->ranges[0].first - 1], "# (no "));
        }
    }
  g_strfreev (lines);
}

/* The script after its header comment. */
static const char *
after_header (const char *script, const FtCodeMap *map)
{
  int last = map->regions[FT_CODE_HEADER].ranges[0].last;
  const char *p = script;
  for (int l = 0; l < last; l++)
    p = strchr (p, '\n') + 1;
  return p;
}

static int
count (const char *haystack, const char *needle)
{
  int n = 0;
  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The structure both modes must have, and where the map points. */
static void
assert_structure (const FtExperiment *exp, FtRunMode mode, const char *script, const FtCodeMap *map)
{
  assert_map_valid (script, map);
  char **lines = script_lines (script);
  g_assert_true (g_str_has_prefix (script, "#!/usr/bin/env python3\n"));
  g_assert_nonnull (strstr (script, "Generated by FitTape"));
  g_assert_nonnull (strstr (script, "tf.distribute"));
  g_assert_nonnull (strstr (script, "import tensorflow as tf\n"));
  g_assert_nonnull (strstr (script, "from tensorflow import keras\n"));
  g_assert_nonnull (strstr (script, "keras.Input(shape="));
  g_assert_cmpint (count (script, "keras.layers."), ==, exp->n_layers);
  assert_region_has (lines, map, FT_CODE_DEFINE_MODEL, "model = keras.Sequential(");
  assert_region_has (lines, map, FT_CODE_DEFINE_MODEL, "keras.Input(");
  assert_region_has (lines, map, FT_CODE_COMPILE, "keras.optimizers.");
  assert_region_has (lines, map, FT_CODE_COMPILE, "keras.losses.");
  assert_region_has (lines, map, FT_CODE_DATA, "x_train");
  assert_region_has (lines, map, FT_CODE_HEADER, "Generated by FitTape");

  /* The six-step outline is there, in order of first lines for the three that are sections. */
  for (int r = 0; r < FT_CODE_N_OUTLINE; r++)
    if (r != FT_CODE_EVALUATE && r != FT_CODE_VALIDATE) /* those two need a test set / validation data */
      g_assert_cmpint (ft_code_map_first_line (map, (FtCodeRegion) r), >, 0);
  g_assert_cmpint (ft_code_map_first_line (map, FT_CODE_DEFINE_MODEL), <,
                   ft_code_map_first_line (map, FT_CODE_COMPILE));
  g_assert_cmpint (ft_code_map_first_line (map, FT_CODE_COMPILE), <,
                   ft_code_map_first_line (map, FT_CODE_LOOP));
  if (map->regions[FT_CODE_EVALUATE].n_ranges > 0)
    g_assert_cmpint (ft_code_map_first_line (map, FT_CODE_LOOP), <,
                     ft_code_map_first_line (map, FT_CODE_EVALUATE));
  for (int r = FT_CODE_BATCH_LINE; r <= FT_CODE_EPOCH_END; r++)
    {
      g_assert_cmpint (map->regions[r].n_ranges, ==, 1);
      g_assert_cmpint (map->regions[r].ranges[0].first, ==, map->regions[r].ranges[0].last);
    }
  for (int i = 0; i < ft_loop_n_steps (); i++)
    g_assert_cmpint (map->regions[ft_code_region_for_loop_step (i)].n_ranges, >=, 1);

  int batch = ft_code_map_first_line (map, FT_CODE_BATCH_LINE);
  int epoch_start = ft_code_map_first_line (map, FT_CODE_EPOCH_START);
  int epoch_end = ft_code_map_first_line (map, FT_CODE_EPOCH_END);
  if (mode == FT_MODE_FIT)
    {
      g_assert_nonnull (strstr (script, "model.compile("));
      g_assert_nonnull (strstr (script, "model.fit("));
      g_assert_null (strstr (after_header (script, map), "tf.GradientTape()"));
      assert_region_has (lines, map, FT_CODE_COMPILE, "model.compile(");
      assert_region_has (lines, map, FT_CODE_LOOP, "model.fit(");
      assert_region_has (lines, map, FT_CODE_TRAIN_STEP, "model.fit(");
      assert_region_has (lines, map, FT_CODE_STEP_BATCHING, "batch_size=");
      assert_region_has (lines, map, FT_CODE_STEP_SHUFFLE, "shuffle=");
      g_assert_nonnull (strstr (lines[batch - 1], "model.fit("));
      g_assert_nonnull (strstr (lines[epoch_start - 1], "model.fit("));
      g_assert_nonnull (strstr (lines[epoch_end - 1], "model.fit("));
      if (map->regions[FT_CODE_EVALUATE].n_ranges > 0)
        assert_region_has (lines, map, FT_CODE_EVALUATE, "model.evaluate(");
      if (exp->fit.validation_split > 0)
        {
          g_assert_nonnull (strstr (script, "validation_split=VALIDATION_SPLIT"));
          assert_region_has (lines, map, FT_CODE_VALIDATE, "validation_split=");
          g_assert_cmpint (ft_code_map_outline_at (map, ft_code_map_first_line (map, FT_CODE_VALIDATE)), ==,
                           FT_CODE_VALIDATE);
          g_assert_cmpint (ft_code_map_outline_at (map, batch), ==, FT_CODE_TRAIN_STEP);
        }
    }
  else
    {
      g_assert_nonnull (strstr (script, "tf.GradientTape()"));
      g_assert_nonnull (strstr (script, "@tf.function"));
      g_assert_nonnull (strstr (script, "optimizer.apply_gradients("));
      g_assert_nonnull (strstr (script, "tape.gradient("));
      /* The train step's call (training=False only as the pitfall of that name). */
      g_assert_nonnull (strstr (script, exp->steps.pitfalls.on[FT_PITFALL_TRAINING_FALSE]
                                            ? "model(x, training=False)"
                                            : "model(x, training=True)"));
      g_assert_nonnull (strstr (script, "tf.data.Dataset.from_tensor_slices("));
      g_assert_null (strstr (after_header (script, map), "= model.fit("));
      g_assert_null (strstr (after_header (script, map), "\nmodel.compile(\n"));
      assert_region_has (lines, map, FT_CODE_TRAIN_STEP, "GradientTape");
      assert_region_has (lines, map, FT_CODE_TRAIN_STEP, "def train_step(");
      assert_region_has (lines, map, FT_CODE_TRAIN_STEP, "optimizer.apply_gradients(");
      assert_region_has (lines, map, FT_CODE_COMPILE, "optimizer = keras.optimizers.");
      assert_region_has (lines, map, FT_CODE_COMPILE, "loss_fn = keras.losses.");
      assert_region_has (lines, map, FT_CODE_COMPILE, "keras.metrics.Mean(");
      assert_region_has (lines, map, FT_CODE_LOOP, "for epoch in range(");
      assert_region_has (lines, map, FT_CODE_LOOP, "train_dataset");
      g_assert_nonnull (strstr (lines[batch - 1], "= train_step(x_batch, y_batch"));
      g_assert_true (g_str_has_prefix (lines[epoch_start - 1], "for epoch in range("));
      g_assert_nonnull (strstr (lines[epoch_end - 1], "history"));
      g_assert_cmpint (epoch_start, <, batch);
      g_assert_cmpint (batch, <, epoch_end);
      g_assert_true (ft_code_map_contains (map, FT_CODE_LOOP, batch));
      g_assert_true (ft_code_map_contains (map, FT_CODE_LOOP, epoch_end));
      if (map->regions[FT_CODE_EVALUATE].n_ranges > 0)
        assert_region_has (lines, map, FT_CODE_EVALUATE, "test_step(");
      /* The outline view's "you are here": the train step's definition is Train, the batch line the loop. */
      int tape_line = 0;
      for (int l = 1; l <= map->n_lines && !tape_line; l++)
        if (strstr (lines[l - 1], "tf.GradientTape()"))
          tape_line = l;
      g_assert_cmpint (ft_code_map_outline_at (map, tape_line), ==, FT_CODE_TRAIN_STEP);
      g_assert_cmpint (ft_code_map_outline_at (map, batch), ==, FT_CODE_LOOP);
      g_assert_cmpint (ft_code_map_outline_at (map, 1), ==, -1);
    }
  g_strfreev (lines);
}

/* ---- tests ---- */

static void
test_regions (void)
{
  GHashTable *names = g_hash_table_new (g_str_hash, g_str_equal);
  for (int r = 0; r < FT_CODE_N_REGIONS; r++)
    {
      const char *name = ft_code_region_name ((FtCodeRegion) r);
      g_assert_nonnull (name);
      g_assert_nonnull (ft_code_region_title ((FtCodeRegion) r));
      g_hash_table_add (names, (gpointer) name);
    }
  /* "validate" names both the outline's step and the loop step, as the UI and experiment files use it. */
  g_assert_cmpuint (g_hash_table_size (names), ==, FT_CODE_N_REGIONS - 1);
  g_hash_table_unref (names);
  for (int i = 0; i < ft_loop_n_steps (); i++)
    g_assert_cmpstr (ft_code_region_name (ft_code_region_for_loop_step (i)), ==, ft_loop_step_name (i));
  g_assert_cmpstr (ft_code_region_title (FT_CODE_DEFINE_MODEL), ==, "Define the model");
  g_assert_cmpstr (ft_code_region_title (FT_CODE_EVALUATE), ==, "Evaluate");
}

/* Every shipped experiment, both modes. */
static void
test_shipped (void)
{
  char *root = source_root ();
  char *dir_path = g_build_filename (root, "data", NULL);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  int n = 0;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_suffix (name, ".json"))
        continue;
      char *path = g_build_filename (dir_path, name, NULL);
      GError *error = NULL;
      FtExperiment *exp = ft_experiment_load (path, &error);
      g_assert_no_error (error);
      for (int m = 0; m < 2; m++)
        {
          FtRunMode mode = m == 0 ? FT_MODE_FIT : FT_MODE_TAPE;
          FtCodeMap map;
          FtCodegenOptions options = { name, "script.py" };
          char *script = ft_codegen_python_with (exp, mode, &options, &map);
          g_test_message ("%s, %s mode: %d lines", name, ft_run_mode_name (mode), map.n_lines);
          g_assert_nonnull (strstr (script, name));
          assert_structure (exp, mode, script, &map);
          assert_script_ok (script, mode == FT_MODE_FIT ? "fit" : "tape");
          /* Readable: no line longer than 100 characters, no trailing blanks, no tabs. */
          char **lines = script_lines (script);
          for (char **l = lines; *l; l++)
            {
              if (g_utf8_strlen (*l, -1) > 100 || g_str_has_suffix (*l, " ") || strchr (*l, '\t'))
                g_error ("%s: line too long or with trailing blanks or tabs: \"%s\"", name, *l);
            }
          g_strfreev (lines);
          /* The plain call gives the same code, only the header's names differ. */
          FtCodeMap plain_map;
          char *plain = ft_codegen_python (exp, mode, &plain_map);
          g_assert_cmpstr (after_header (plain, &plain_map), ==, after_header (script, &map));
          int shift = map.n_lines - plain_map.n_lines;
          g_assert_cmpint (ft_code_map_first_line (&plain_map, FT_CODE_BATCH_LINE) + shift, ==,
                           ft_code_map_first_line (&map, FT_CODE_BATCH_LINE));
          g_free (plain);
          g_free (script);
        }
      ft_experiment_free (exp);
      g_free (path);
      n++;
    }
  g_dir_close (dir);
  g_assert_cmpint (n, >=, 4);
  g_free (dir_path);
  g_free (root);
}

static FtExperiment *
experiment (const char *json)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (exp);
  return exp;
}

/* The tests below spell out experiments and expected Python text line by line. */
/* clang-format off */

/* The spiral with a validation split, an EarlyStopping and a ModelCheckpoint, so every step has code. */
static const char *const all_steps_json = "{"
  "\"seed\": 7,"
  "\"dataset\": {\"name\": \"spiral\", \"samples\": 500, \"noise\": 0.05},"
  "\"model\": {\"input_shape\": [2], \"layers\": ["
  "  {\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"},"
  "  {\"type\": \"Dense\", \"units\": 2}]},"
  "\"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"
  "  \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": [\"accuracy\"]},"
  "\"mode\": \"tape\","
  "\"fit\": {\"epochs\": 50, \"batch_size\": 10, \"validation_split\": 0.2},"
  "\"callbacks\": ["
  "  {\"type\": \"EarlyStopping\", \"monitor\": \"val_loss\", \"patience\": 3, \"restore_best_weights\": true},"
  "  {\"type\": \"ModelCheckpoint\", \"filepath\": \"ckpt/spiral-{epoch:02d}-{val_loss:.3f}.weights.h5\","
  "   \"save_best_only\": true, \"save_weights_only\": true}]"
  "}";

typedef struct
{
  const char *present; /* in the script with the step on, absent with it off */
  const char *also_absent;
  const char *region_marker; /* what the step's region holds when on */
} StepMarker;

/* In ft_loop_step_name order: batching, shuffle, split, validate, reset_metrics, early_stopping,
 * checkpoint, progress. */
static const StepMarker step_markers[] = {
  { "train_dataset.batch(BATCH_SIZE)", NULL, ".batch(BATCH_SIZE)" },
  { ".shuffle(", "reshuffle_each_iteration", ".shuffle(" },
  { "x_val", "split_at", "x_train[split_at:]" },
  { "val_dataset", "logs[\"val_", "test_step(x_batch, y_batch)" },
  { "train_loss.reset_state()", "train_accuracy.reset_state()", "reset_state()" },
  { "wait += 1", "best_weights", "wait" },
  { "CHECKPOINT_PATH", "save_weights(", "model.save_weights(" },
  { "print(f\"Epoch {epoch + 1}/", NULL, "print(" },
};

static void
test_steps_off (void)
{
  g_assert_cmpint (G_N_ELEMENTS (step_markers), ==, ft_loop_n_steps ());
  FtExperiment *exp = experiment (all_steps_json);
  FtCodeMap on_map;
  char *on = ft_codegen_python (exp, FT_MODE_TAPE, &on_map);
  assert_structure (exp, FT_MODE_TAPE, on, &on_map);
  assert_script_ok (on, "all-steps");
  char **on_lines = script_lines (on);
  for (int i = 0; i < ft_loop_n_steps (); i++)
    {
      const StepMarker *m = &step_markers[i];
      FtCodeRegion r = ft_code_region_for_loop_step (i);
      g_test_message ("step %s", ft_loop_step_name (i));
      g_assert_nonnull (strstr (on, m->present));
      if (m->also_absent)
        g_assert_nonnull (strstr (on, m->also_absent));
      g_assert_false (on_map.regions[r].omitted);
      assert_region_has (on_lines, &on_map, r, m->region_marker);

      FtExperiment *off = ft_experiment_copy (exp);
      *ft_loop_step_flag (&off->steps, i) = false;
      FtCodeMap map;
      char *script = ft_codegen_python (off, FT_MODE_TAPE, &map);
      assert_structure (off, FT_MODE_TAPE, script, &map);
      if (strstr (script, m->present) != NULL || (m->also_absent && strstr (script, m->also_absent) != NULL))
        g_error ("step %s is off but its code is still there:\n%s", ft_loop_step_name (i), script);
      g_assert_true (map.regions[r].omitted);
      char **lines = script_lines (script);
      g_assert_nonnull (strstr (lines[ft_code_map_first_line (&map, r) - 1], "# (no "));
      g_strfreev (lines);
      /* Only that step changed: the other steps keep their code. */
      for (int j = 0; j < ft_loop_n_steps (); j++)
        if (j != i && j != 3 /* validate: no split means no validation either */)
          g_assert_false (map.regions[ft_code_region_for_loop_step (j)].omitted);
      /* fit mode does not change: fit() does every step itself. */
      char *fit_on = ft_codegen_python (exp, FT_MODE_FIT, NULL);
      char *fit_off = ft_codegen_python (off, FT_MODE_FIT, NULL);
      g_assert_cmpstr (fit_on, ==, fit_off);
      g_free (fit_on);
      g_free (fit_off);
      assert_script_ok (script, ft_loop_step_name (i));
      g_free (script);
      ft_experiment_free (off);
    }

  /* The comments the brief asks for, where a step was left out. */
  FtExperiment *off = ft_experiment_copy (exp);
  off->steps.reset_metrics = false;
  off->steps.batching = false;
  char *script = ft_codegen_python (off, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (script, "# (no metric reset: loss and accuracy accumulate across epochs)"));
  g_assert_nonnull (strstr (script, "train_dataset.batch(len(x_train))"));
  g_assert_nonnull (strstr (script, "val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(len(x_val))"));
  g_assert_null (strstr (script, "reset_state()\n    for x_batch, y_batch in train_dataset"));
  g_free (script);
  /* Every step off at once: the bare loop of the guide's first example, still valid Python. */
  for (int i = 0; i < ft_loop_n_steps (); i++)
    *ft_loop_step_flag (&off->steps, i) = false;
  FtCodeMap map;
  script = ft_codegen_python (off, FT_MODE_TAPE, &map);
  assert_structure (off, FT_MODE_TAPE, script, &map);
  for (int i = 0; i < ft_loop_n_steps (); i++)
    {
      g_assert_true (map.regions[ft_code_region_for_loop_step (i)].omitted);
      if (step_markers[i].present && i != 0)
        g_assert_null (strstr (script, step_markers[i].present));
    }
  g_assert_null (strstr (script, "print(f\""));
  assert_script_ok (script, "bare");
  g_free (script);
  ft_experiment_free (off);

  g_strfreev (on_lines);
  g_free (on);
  ft_experiment_free (exp);
}

/* fit(shuffle=False) also removes the tape loop's shuffle; a step with no callback to follow is a
 * comment; the step regions in fit mode point at model.fit's arguments and the callbacks. */
static void
test_step_details (void)
{
  FtExperiment *exp = experiment (all_steps_json);
  exp->fit.shuffle = false;
  FtCodeMap map;
  char *script = ft_codegen_python (exp, FT_MODE_TAPE, &map);
  g_assert_null (strstr (script, ".shuffle("));
  g_assert_true (map.regions[FT_CODE_STEP_SHUFFLE].omitted);
  g_free (script);
  script = ft_codegen_python (exp, FT_MODE_FIT, &map);
  g_assert_nonnull (strstr (script, "    shuffle=False,\n"));
  char **lines = script_lines (script);
  assert_region_has (lines, &map, FT_CODE_STEP_EARLY_STOPPING, "keras.callbacks.EarlyStopping(");
  assert_region_has (lines, &map, FT_CODE_STEP_CHECKPOINT, "keras.callbacks.ModelCheckpoint(");
  assert_region_has (lines, &map, FT_CODE_STEP_SPLIT, "validation_split=VALIDATION_SPLIT");
  assert_region_has (lines, &map, FT_CODE_STEP_VALIDATE, "validation_split=VALIDATION_SPLIT");
  assert_region_has (lines, &map, FT_CODE_STEP_RESET_METRICS, "model.fit(");
  assert_region_has (lines, &map, FT_CODE_CALLBACKS, "callbacks = [");
  g_assert_nonnull (strstr (script, "keras.callbacks.EarlyStopping(monitor=\"val_loss\", patience=3, "
                                    "restore_best_weights=True),\n"));
  /* A call too long for one line gets one argument per line. */
  g_assert_nonnull (strstr (script, "    keras.callbacks.ModelCheckpoint(\n"
                                    "        \"ckpt/spiral-{epoch:02d}-{val_loss:.3f}.weights.h5\",\n"
                                    "        monitor=\"val_loss\",\n"
                                    "        save_best_only=True,\n"
                                    "        save_weights_only=True,\n"
                                    "    ),\n"));
  g_assert_nonnull (strstr (script, "    callbacks=callbacks,\n"));
  g_strfreev (lines);
  g_free (script);
  ft_experiment_free (exp);

  /* No EarlyStopping in the experiment: the step is a comment, even though it is on. */
  exp = experiment (all_steps_json);
  exp->n_callbacks = 0;
  script = ft_codegen_python (exp, FT_MODE_TAPE, &map);
  g_assert_true (map.regions[FT_CODE_STEP_EARLY_STOPPING].omitted);
  g_assert_true (map.regions[FT_CODE_STEP_CHECKPOINT].omitted);
  g_assert_nonnull (strstr (script, "# (no early stopping: the experiment has no EarlyStopping to follow)"));
  g_assert_null (strstr (script, "wait += 1"));
  assert_script_ok (script, "no-callbacks");
  g_free (script);
  /* No validation split: no x_val, no validation pass, and the steps say why. */
  exp->fit.validation_split = 0;
  script = ft_codegen_python (exp, FT_MODE_TAPE, &map);
  g_assert_null (strstr (script, "x_val"));
  g_assert_null (strstr (script, "VALIDATION_SPLIT"));
  g_assert_true (map.regions[FT_CODE_STEP_SPLIT].omitted);
  g_assert_true (map.regions[FT_CODE_STEP_VALIDATE].omitted);
  assert_script_ok (script, "no-split");
  g_free (script);
  script = ft_codegen_python (exp, FT_MODE_FIT, &map);
  g_assert_null (strstr (script, "validation_split"));
  g_assert_cmpint (map.regions[FT_CODE_VALIDATE].n_ranges, ==, 0);
  assert_script_ok (script, "no-split-fit");
  g_free (script);
  ft_experiment_free (exp);

  /* The exact hand-written early stopping (monitor direction, min_delta, baseline, start epoch). */
  exp = experiment ("{\"dataset\": {\"name\": \"moons\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]},"
                    "\"mode\": \"tape\", \"fit\": {\"validation_split\": 0.25},"
                    "\"compile\": {\"metrics\": [\"accuracy\"]},"
                    "\"callbacks\": [{\"type\": \"EarlyStopping\", \"monitor\": \"val_accuracy\", \"min_delta\": 0.01,"
                    " \"patience\": 2, \"baseline\": 0.6, \"start_from_epoch\": 3}]}");
  script = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (script, "best = -math.inf"));
  g_assert_nonnull (strstr (script, "if current is not None and epoch >= 3:"));
  g_assert_nonnull (strstr (script, "if current - 0.01 > best:"));
  g_assert_nonnull (strstr (script, "if current - 0.01 > 0.6:"));
  g_assert_nonnull (strstr (script, "elif wait >= 2 and epoch > 0:"));
  g_assert_null (strstr (script, "best_weights"));
  assert_script_ok (script, "es-max");
  g_free (script);
  ft_experiment_free (exp);
}

/* Every layer, optimizer, loss, metric, callback, fit argument and data source gives valid Python. */
static void
test_coverage (void)
{
  static const char *const variants[] = {
    /* A CNN with every layer kind, SGD, categorical cross-entropy, class weights, every fit argument. */
    "{\"title\": \"Every layer \\\"quoted\\\"\\nand a second line \\\\ with a backslash\","
    " \"notes\": \"Long notes. Long notes. Long notes. Long notes. Long notes. Long notes. Long notes. Long notes. "
    "Long notes. Long notes. Long notes. Long notes. Long notes. Long notes.\","
    " \"dataset\": {\"name\": \"fashion_mnist\", \"limit\": 2000},"
    " \"model\": {\"input_shape\": [28, 28, 1], \"layers\": ["
    "  {\"type\": \"Conv2D\", \"filters\": 8, \"kernel_size\": [3, 5], \"strides\": 2, \"padding\": \"same\","
    "   \"activation\": \"relu\", \"kernel_initializer\": \"he_normal\", \"kernel_regularizer\": {\"l2\": 0.001}},"
    "  {\"type\": \"BatchNormalization\", \"momentum\": 0.9, \"epsilon\": 0.0001},"
    "  {\"type\": \"MaxPooling2D\", \"pool_size\": 2, \"strides\": 1, \"padding\": \"same\"},"
    "  {\"type\": \"Dropout\", \"rate\": 0.25},"
    "  {\"type\": \"Flatten\"},"
    "  {\"type\": \"Dense\", \"units\": 32, \"activation\": \"gelu\", \"use_bias\": false},"
    "  {\"type\": \"Activation\", \"activation\": \"leaky_relu\"},"
    "  {\"type\": \"Dense\", \"units\": 10, \"activation\": \"softmax\"}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"sgd\", \"learning_rate\": 0.05, \"momentum\": 0.9, \"nesterov\": true,"
    "  \"clipnorm\": 1.0}, \"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\", \"mae\"]},"
    " \"fit\": {\"epochs\": 3, \"batch_size\": 64, \"shuffle\": false, \"validation_split\": 0.1, \"initial_epoch\": 1,"
    "  \"validation_freq\": 2, \"steps_per_epoch\": 5, \"class_weight\": {\"0\": 2.0, \"3\": 0.5}}}",
    /* Binary cross-entropy on one sigmoid output, RMSprop, every callback (two of a kind). */
    "{\"dataset\": {\"name\": \"circle\", \"samples\": 200, \"noise\": 0.2, \"test_samples\": 0},"
    " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 8, \"activation\": \"relu\"},"
    "  {\"type\": \"Dense\", \"units\": 1, \"activation\": \"sigmoid\"}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"rmsprop\", \"centered\": true, \"global_clipnorm\": 2},"
    "  \"loss\": \"binary_crossentropy\", \"metrics\": [\"acc\", \"binary_accuracy\"]},"
    " \"fit\": {\"epochs\": 4, \"validation_split\": 0.2},"
    " \"callbacks\": ["
    "  {\"type\": \"EarlyStopping\", \"monitor\": \"val_acc\", \"mode\": \"max\"},"
    "  {\"type\": \"ModelCheckpoint\", \"filepath\": \"model-{epoch}-{batch}.h5\", \"save_freq\": 10, \"save_best_only\": true,"
    "   \"initial_value_threshold\": 0.5},"
    "  {\"type\": \"ReduceLROnPlateau\", \"factor\": 0.5, \"patience\": 1, \"cooldown\": 2, \"min_lr\": 1e-5},"
    "  {\"type\": \"ReduceLROnPlateau\", \"monitor\": \"loss\", \"mode\": \"min\"},"
    "  {\"type\": \"TerminateOnNaN\"},"
    "  {\"type\": \"CSVLogger\", \"filename\": \"log.csv\", \"separator\": \";\", \"append\": true},"
    "  {\"type\": \"CSVLogger\", \"filename\": \"a long file name, with a comma (and parentheses), \\\"quotes\\\" and more.csv\","
    "   \"separator\": \",\"},"
    "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"step\", \"factor\": 0.5, \"step_size\": 2},"
    "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"exponential\", \"rate\": 0.9},"
    "  {\"type\": \"LearningRateScheduler\", \"schedule\": \"cosine\", \"decay_epochs\": 3, \"alpha\": 0.1,"
    "   \"initial_learning_rate\": 0.02}]}",
    /* Mean squared error over two outputs, Adagrad, xor and gauss sets. */
    "{\"dataset\": {\"name\": \"xor\", \"noise\": 0.1}, \"model\": {\"layers\": ["
    "  {\"type\": \"Dense\", \"units\": 2, \"activation\": \"elu\", \"bias_initializer\": \"ones\"}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"adagrad\", \"clipvalue\": 0.5}, \"loss\": \"mse\","
    "  \"metrics\": [\"mse\", \"MeanAbsoluteError\"]}}",
    "{\"dataset\": {\"name\": \"gauss\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 1}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"adam\", \"amsgrad\": true}, \"loss\": {\"name\": \"binary_crossentropy\","
    "  \"from_logits\": true}, \"metrics\": [\"accuracy\"]}, \"tape_loop\": {\"progress\": false}}",
    /* An IDX directory of one's own (the test files may be missing), no input shape. */
    "{\"dataset\": {\"name\": \"idx\", \"path\": \"/srv/data/my mnist\"}, \"model\": {\"layers\": ["
    "  {\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 10}]},"
    " \"compile\": {\"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}}}",
    "{\"dataset\": {\"name\": \"idx\", \"path\": \"/srv/data/mnist\"}, \"model\": {\"input_shape\": [28, 28, 1],"
    "  \"layers\": [{\"type\": \"Conv2D\", \"filters\": 4}, {\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 10}]},"
    " \"compile\": {\"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\"]}}",
    /* Average and global average pooling, AdamW; Nadam; Adamax. */
    "{\"dataset\": {\"name\": \"idx\", \"path\": \"/srv/data/mnist\"}, \"model\": {\"input_shape\": [28, 28, 1],"
    "  \"layers\": [{\"type\": \"Conv2D\", \"filters\": 4}, {\"type\": \"AveragePooling2D\", \"pool_size\": [2, 3],"
    "  \"padding\": \"same\"}, {\"type\": \"GlobalAveragePooling2D\"}, {\"type\": \"Dense\", \"units\": 10}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"adamw\", \"weight_decay\": 0.01, \"amsgrad\": true},"
    "  \"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\"]}}",
    "{\"dataset\": {\"name\": \"gauss\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"nadam\", \"beta_1\": 0.8}, \"metrics\": [\"accuracy\"]}}",
    "{\"dataset\": {\"name\": \"spiral\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]},"
    " \"compile\": {\"optimizer\": {\"name\": \"adamax\", \"clipnorm\": 1}, \"metrics\": [\"accuracy\"]}}",
    /* The moons set, Conv-free, Dense-less last layer: the output size comes from shape inference. */
    "{\"dataset\": {\"name\": \"moons\"}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 3},"
    "  {\"type\": \"Activation\", \"activation\": \"softmax\"}]},"
    " \"compile\": {\"loss\": \"categorical_crossentropy\", \"metrics\": [\"categorical_accuracy\"]}}",
  };
  for (size_t v = 0; v < G_N_ELEMENTS (variants) + 2; v++)
    {
      FtExperiment *exp;
      if (v < G_N_ELEMENTS (variants))
        exp = experiment (variants[v]);
      else
        {
          /* CSV files, with and without a test file, paths with quotes and backslashes. */
          char *json = g_strdup_printf ("{\"dataset\": {\"name\": \"csv\", \"path\": \"%s\", \"label\": \"species\"%s},"
                                        " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 3}]},"
                                        " \"compile\": {\"metrics\": [\"accuracy\"]},"
                                        " \"fit\": {\"class_weight\": {\"1\": 3}}}",
                                        "data\\\\iris \\\"quoted\\\".csv",
                                        v == G_N_ELEMENTS (variants) ? ", \"test_path\": \"iris-test.csv\"" : "");
          exp = experiment (json);
          g_free (json);
        }
      for (int m = 0; m < 2; m++)
        {
          FtRunMode mode = m == 0 ? FT_MODE_FIT : FT_MODE_TAPE;
          FtCodeMap map;
          char *script = ft_codegen_python (exp, mode, &map);
          g_test_message ("variant %zu, %s mode", v, ft_run_mode_name (mode));
          assert_structure (exp, mode, script, &map);
          assert_script_ok (script, "variant");
          g_free (script);
        }
      ft_experiment_free (exp);
    }

  /* Spot checks of the emitted API. */
  FtExperiment *exp = experiment (variants[0]);
  char *fit = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_nonnull (strstr (fit, "keras.Input(shape=(28, 28, 1)),"));
  g_assert_nonnull (strstr (fit, "x_train = x_train.reshape((-1,) + (28, 28, 1))"));
  g_assert_nonnull (strstr (fit, "        keras.layers.Conv2D(\n"
                                 "            8,\n"
                                 "            (3, 5),\n"
                                 "            strides=(2, 2),\n"
                                 "            padding=\"same\",\n"
                                 "            activation=\"relu\",\n"
                                 "            kernel_initializer=\"he_normal\",\n"
                                 "            kernel_regularizer=keras.regularizers.L2(0.001),\n"
                                 "        ),\n"));
  g_assert_nonnull (strstr (fit, "keras.layers.BatchNormalization(momentum=0.9, epsilon=0.0001),"));
  g_assert_nonnull (strstr (fit, "keras.layers.MaxPooling2D(pool_size=(2, 2), padding=\"same\", strides=(1, 1)),"));
  g_assert_nonnull (strstr (fit, "keras.layers.Dropout(0.25),"));
  g_assert_nonnull (strstr (fit, "keras.layers.Flatten(),"));
  g_assert_nonnull (strstr (fit, "keras.layers.Dense(32, activation=\"gelu\", use_bias=False),"));
  g_assert_nonnull (strstr (fit, "keras.layers.Activation(\"leaky_relu\"),"));
  g_assert_nonnull (strstr (fit, "optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, "
                                 "clipnorm=1.0),"));
  g_assert_nonnull (strstr (fit, "loss=keras.losses.CategoricalCrossentropy(from_logits=False),"));
  g_assert_nonnull (strstr (fit, "metrics=[\"accuracy\", \"mae\"],"));
  g_assert_nonnull (strstr (fit, "y_train = keras.utils.to_categorical(y_train, 10)"));
  g_assert_nonnull (strstr (fit, "x_train, y_train = x_train[:2000], y_train[:2000]"));
  g_assert_nonnull (strstr (fit, "class_weight={0: 2.0, 1: 1.0, 2: 1.0, 3: 0.5},"));
  g_assert_nonnull (strstr (fit, "initial_epoch=1,"));
  g_assert_nonnull (strstr (fit, "steps_per_epoch=5,"));
  g_assert_nonnull (strstr (fit, "validation_freq=2,"));
  g_assert_nonnull (strstr (fit, "keras.datasets.fashion_mnist.load_data()"));
  g_assert_nonnull (strstr (fit, "/ 255.0"));
  char *tape = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (tape, "train_accuracy = keras.metrics.CategoricalAccuracy(name=\"accuracy\")"));
  g_assert_nonnull (strstr (tape, "train_mae = keras.metrics.MeanAbsoluteError(name=\"mae\")"));
  g_assert_nonnull (strstr (tape, "CLASS_WEIGHT = {0: 2.0, 1: 1.0, 2: 1.0, 3: 0.5}"));
  g_assert_nonnull (strstr (tape, "sw_train = np.array([CLASS_WEIGHT.get(int(c), 1.0) for c in y_train]"));
  g_assert_nonnull (strstr (tape, "loss_fn(y, predictions, sample_weight=sample_weight)"));
  g_assert_nonnull (strstr (tape, "train_dataset.take(5)"));
  g_assert_nonnull (strstr (tape, "for epoch in range(1, EPOCHS):"));
  g_assert_nonnull (strstr (tape, "if (epoch + 1) % 2 == 0:"));
  g_assert_nonnull (strstr (tape, "sum(model.losses)"));
  g_assert_null (strstr (tape, ".shuffle("));
  g_free (tape);
  g_free (fit);
  ft_experiment_free (exp);

  exp = experiment (variants[1]);
  fit = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_nonnull (strstr (fit, "keras.callbacks.ReduceLROnPlateau(\n"
                                 "        monitor=\"val_loss\",\n"
                                 "        factor=0.5,\n"
                                 "        patience=1,\n"
                                 "        cooldown=2,\n"
                                 "        min_lr=1e-05,\n"
                                 "    ),\n"));
  g_assert_nonnull (strstr (fit, "keras.callbacks.TerminateOnNaN(),"));
  g_assert_nonnull (strstr (fit, "keras.callbacks.CSVLogger(\"log.csv\", separator=\";\", append=True),"));
  g_assert_nonnull (strstr (fit, "keras.callbacks.LearningRateScheduler(schedule_3),"));
  g_assert_nonnull (strstr (fit, "    optimizer=keras.optimizers.RMSprop(\n"
                                 "        learning_rate=0.001,\n"
                                 "        rho=0.9,\n"
                                 "        momentum=0.0,\n"
                                 "        epsilon=1e-07,\n"
                                 "        centered=True,\n"
                                 "        global_clipnorm=2.0,\n"
                                 "    ),\n"));
  g_assert_nonnull (strstr (fit, "y_train = y_train.astype(\"float32\").reshape(-1, 1)"));
  g_assert_nonnull (strstr (fit, "# (no evaluation: there is no test set)"));
  tape = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (tape, "plateau_wait_2 = 0"));
  g_assert_nonnull (strstr (tape, "csv_writer_2.writerow("));
  g_assert_nonnull (strstr (tape, "optimizer.learning_rate = schedule_2(epoch,"));
  g_assert_nonnull (strstr (tape, "if not math.isfinite(float(train_loss.result())):"));
  g_assert_nonnull (strstr (tape, "train_acc = keras.metrics.BinaryAccuracy(name=\"acc\")"));
  g_assert_nonnull (strstr (tape, "checkpoint_best = 0.5"));
  /* save_freq=10: every 10 batches, in the batch loop, the batch in the file name; with save_best_only a
   * monitor missing from the logs saves anyway (Keras 3) */
  g_assert_nonnull (strstr (tape, "        if batches_since_save >= 10:\n"));
  g_assert_nonnull (strstr (tape, "CHECKPOINT_PATH.format(epoch=epoch + 1, batch=step + 1, **batch_logs)"));
  g_assert_null (strstr (tape, "CHECKPOINT_PATH.format(epoch=epoch + 1, batch=0, **logs)"));
  g_assert_nonnull (strstr (tape, "if current is None or current"));
  g_assert_null (strstr (tape, "x_test"));
  g_assert_nonnull (strstr (tape, "# (no evaluation: there is no test set)"));
  g_free (tape);
  g_free (fit);
  ft_experiment_free (exp);

  /* The kinds added through the tables: their classes and non-default arguments. */
  exp = experiment (variants[6]);
  fit = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_nonnull (strstr (fit, "keras.layers.AveragePooling2D(pool_size=(2, 3), padding=\"same\"),"));
  g_assert_nonnull (strstr (fit, "keras.layers.GlobalAveragePooling2D(),"));
  g_assert_nonnull (strstr (fit, "keras.optimizers.AdamW("));
  g_assert_nonnull (strstr (fit, "weight_decay=0.01"));
  g_assert_nonnull (strstr (fit, "amsgrad=True"));
  g_free (fit);
  ft_experiment_free (exp);
  exp = experiment (variants[7]);
  fit = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (fit, "keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.8, beta_2=0.999, epsilon=1e-07)"));
  g_free (fit);
  ft_experiment_free (exp);
  exp = experiment (variants[8]);
  fit = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
  g_assert_nonnull (strstr (fit, "optimizer = keras.optimizers.Adamax(\n    learning_rate=0.001,\n    beta_1=0.9,\n"
                                 "    beta_2=0.999,\n    epsilon=1e-07,\n    clipnorm=1.0,\n)"));
  g_free (fit);
  ft_experiment_free (exp);
}

/* What the header says, and Python literals for awkward values. */
static void
test_header_and_literals (void)
{
  FtExperiment *exp = experiment (all_steps_json);
  g_free (exp->title);
  exp->title = g_strdup ("Spiral\nwith a newline and \"quotes\"");
  exp->fit.validation_split = 0.15;
  exp->compile.optimizer.learning_rate = 0.003f;
  FtCodegenOptions options = { "my experiment.json", "spiral.py" };
  FtCodeMap map;
  char *script = ft_codegen_python_with (exp, FT_MODE_TAPE, &options, &map);
  g_assert_nonnull (strstr (script, "# Spiral with a newline and \"quotes\"\n"));
  g_assert_nonnull (strstr (script, "the experiment my experiment.json, in tape mode"));
  g_assert_nonnull (strstr (script, "#          python3 spiral.py\n"));
  g_assert_nonnull (strstr (script, "pip install tensorflow"));
  g_assert_nonnull (strstr (script, "VALIDATION_SPLIT = 0.15\n"));
  g_assert_nonnull (strstr (script, "learning_rate=0.003,"));
  g_assert_nonnull (strstr (script, "SEED = 7\n"));
  g_assert_nonnull (strstr (script, "keras.utils.set_random_seed(SEED)"));
  /* The Playground's points are FitTape's own (its generator ported to Python; the tf suite's certificates
   * check them against FitTape's, bit for bit). */
  g_assert_nonnull (strstr (script, "FitTape's own, bit for bit"));
  g_assert_nonnull (strstr (script, "class FitTapeRng:"));
  g_assert_nonnull (strstr (script, "rng = FitTapeRng(seed, stream=4)"));
  g_assert_nonnull (strstr (script, "EPOCHS = int(os.environ.get(\"FITTAPE_EPOCHS\", "));
  /* The header's comments are wrapped to 100 columns; no line has trailing blanks. */
  char **lines = script_lines (script);
  for (char **l = lines; *l; l++)
    g_assert_false (g_str_has_suffix (*l, " "));
  g_assert_cmpint (ft_code_map_first_line (&map, FT_CODE_HEADER), ==, 1);
  for (int l = 1; l <= map.regions[FT_CODE_HEADER].ranges[0].last; l++)
    {
      g_assert_true (lines[l - 1][0] == '#');
      g_assert_cmpint (g_utf8_strlen (lines[l - 1], -1), <=, 100);
    }
  g_strfreev (lines);
  assert_script_ok (script, "header");
  g_free (script);
  ft_experiment_free (exp);
}

/* clang-format on */

/* ---- the data sections, run ---- */

typedef struct
{
  JsonParser *parser;
  JsonObject *arrays; /* "x_train" → {"shape", "dtype", "sum", "sumsq", "head"} */
} DataRun;

/* Runs the script's data section (check_python.py --data); false when NumPy is missing. */
static bool
run_data_section (const char *script, DataRun *out)
{
  char *path = tmp_file ("data");
  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  char *root = source_root ();
  char *checker = g_build_filename (root, "tests", "check_python.py", NULL);
  const char *argv[] = { python (), checker, "--data", path, NULL };
  FtTestRun r;
  ft_test_run (&r, argv);
  g_free (checker);
  g_free (root);
  g_free (path);
  if (r.signal == 0 && r.exit_status == 77)
    {
      ft_test_run_clear (&r);
      return false;
    }
  ft_test_run_assert_exit (&r, 0);
  out->parser = json_parser_new ();
  GError *error = NULL;
  ft_test_run_assert (&r, json_parser_load_from_data (out->parser, r.out, -1, &error));
  g_assert_no_error (error);
  out->arrays = json_node_get_object (json_parser_get_root (out->parser));
  ft_test_run_clear (&r);
  return true;
}

static JsonObject *
data_array (DataRun *d, const char *name)
{
  if (!json_object_has_member (d->arrays, name))
    g_error ("the data section made no %s", name);
  return json_object_get_object_member (d->arrays, name);
}

static void
assert_shape (DataRun *d, const char *name, int ndim, const int *shape)
{
  JsonArray *a = json_object_get_array_member (data_array (d, name), "shape");
  g_assert_cmpint ((int) json_array_get_length (a), ==, ndim);
  for (int i = 0; i < ndim; i++)
    g_assert_cmpint ((int) json_array_get_int_element (a, (guint) i), ==, shape[i]);
}

static double
data_stat (DataRun *d, const char *name, const char *stat)
{
  return json_object_get_double_member (data_array (d, name), stat);
}

/* The sums of a FitTape dataset's samples (as gathered: pixels / 255), their squares and labels. */
static void
dataset_sums (const FtDataset *ds, double *x_sum, double *x_sumsq, double *label_sum)
{
  float *x = g_new (float, ds->sample_size);
  float y;
  *x_sum = *x_sumsq = *label_sum = 0;
  for (uint32_t i = 0; i < ds->n; i++)
    {
      ft_dataset_gather (ds, &i, 1, x, &y);
      for (size_t j = 0; j < ds->sample_size; j++)
        {
          *x_sum += x[j];
          *x_sumsq += (double) x[j] * x[j];
        }
      *label_sum += y;
    }
  g_free (x);
}

static void
assert_close (double a, double b, double rtol, const char *what)
{
  if (!(fabs (a - b) <= rtol * fmax (fabs (a), fabs (b)) + 1e-9))
    g_error ("%s: %.9g and %.9g differ by more than %g", what, a, b, rtol);
}

/* The same arrays as FitTape's loader: shape, sums (exactly, up to float rounding) and labels. */
static void
assert_same_data (DataRun *d, const char *x_name, const char *y_name, const FtDataset *ds, int ndim,
                  const int *shape)
{
  int full[4] = { (int) ds->n };
  memcpy (full + 1, shape, (size_t) ndim * sizeof (int));
  assert_shape (d, x_name, ndim + 1, full);
  assert_shape (d, y_name, 1, full);
  double x_sum, x_sumsq, label_sum;
  dataset_sums (ds, &x_sum, &x_sumsq, &label_sum);
  assert_close (data_stat (d, x_name, "sum"), x_sum, 1e-6, x_name);
  assert_close (data_stat (d, x_name, "sumsq"), x_sumsq, 1e-6, x_name);
  g_assert_cmpfloat (data_stat (d, y_name, "sum"), ==, label_sum);
  JsonArray *head = json_object_get_array_member (data_array (d, y_name), "head");
  for (guint i = 0; i < json_array_get_length (head) && i < ds->n; i++)
    g_assert_cmpfloat (json_array_get_double_element (head, i), ==, ds->labels[i]);
}

static void
data_run_clear (DataRun *d)
{
  g_clear_object (&d->parser);
}

/* An IDX file; gzip-compressed when the name ends in .gz. */
static void
write_idx (const char *path, uint32_t magic, int ndim, const uint32_t *dims, const uint8_t *data, size_t n)
{
  GByteArray *b = g_byte_array_new ();
  uint32_t header[4] = { GUINT32_TO_BE (magic) };
  for (int i = 0; i < ndim; i++)
    header[1 + i] = GUINT32_TO_BE (dims[i]);
  g_byte_array_append (b, (const guint8 *) header, (guint) (4 * (1 + ndim)));
  g_byte_array_append (b, data, (guint) n);
  if (g_str_has_suffix (path, ".gz"))
    {
      gzFile f = gzopen (path, "wb");
      g_assert_nonnull (f);
      g_assert_cmpint (gzwrite (f, b->data, b->len), ==, (int) b->len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents (path, (const char *) b->data, (gssize) b->len, NULL));
  g_byte_array_unref (b);
}

static void
test_data_sections (void)
{
  DataRun d = { 0 };
  FtExperiment *exp = experiment (all_steps_json);
  char *script = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  bool have_numpy = run_data_section (script, &d);
  g_free (script);
  ft_experiment_free (exp);
  data_run_clear (&d);
  if (!have_numpy)
    {
      g_test_skip ("NumPy is not installed for python3");
      return;
    }

  /* Playground sets: NumPy's generator is not FitTape's, but the sets have the same shape, the same class
   * sizes and, within a few percent, the same spread. */
  for (int k = 0; k < FT_N_PLAYGROUND; k++)
    {
      char *json = g_strdup_printf (
          "{\"seed\": 3, \"dataset\": {\"name\": \"%s\", \"samples\": 2001, \"noise\": 0.1,"
          " \"test_samples\": 301}, \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]}}",
          ft_playground_name ((FtPlaygroundKind) k));
      exp = experiment (json);
      g_free (json);
      script = ft_codegen_python (exp, FT_MODE_FIT, NULL);
      g_assert_true (run_data_section (script, &d));
      FtDataset *train = NULL, *test = NULL;
      g_assert_true (ft_experiment_load_data (exp, &train, &test, NULL));
      int shape[2] = { 2001, 2 };
      assert_shape (&d, "x_train", 2, shape);
      assert_shape (&d, "y_train", 1, shape);
      shape[0] = 301;
      assert_shape (&d, "x_test", 2, shape);
      double x_sum, x_sumsq, label_sum;
      dataset_sums (train, &x_sum, &x_sumsq, &label_sum);
      g_test_message ("%s: mean square %g (NumPy) and %g (FitTape)",
                      ft_playground_name ((FtPlaygroundKind) k), data_stat (&d, "x_train", "sumsq") / 2001,
                      x_sumsq / 2001);
      assert_close (data_stat (&d, "x_train", "sumsq"), x_sumsq, 0.1,
                    ft_playground_name ((FtPlaygroundKind) k));
      if (k != FT_PLAYGROUND_CIRCLE && k != FT_PLAYGROUND_XOR) /* their noise flips labels at random */
        g_assert_cmpfloat (data_stat (&d, "y_train", "sum"), ==, label_sum);
      else
        assert_close (data_stat (&d, "y_train", "sum"), label_sum, 0.1, "labels");
      ft_dataset_free (train);
      ft_dataset_free (test);
      data_run_clear (&d);
      g_free (script);
      ft_experiment_free (exp);
    }

  /* CSV files: string labels in order of first appearance, a quoted field, a test file whose classes map
   * onto the training file's by name; then integer labels 0..K−1. */
  char *train_csv = g_build_filename (tmp.dir, "train \"set\".csv", NULL);
  char *test_csv = g_build_filename (tmp.dir, "test.csv", NULL);
  g_assert_true (
      g_file_set_contents (train_csv,
                           "a,species,b\r\n1.5,setosa,2\r\n-3,\"virginica\",4.25\r\n0.5,setosa,1e-3\r\n"
                           "7,versicolor,8\r\n\r\n",
                           -1, NULL));
  g_assert_true (g_file_set_contents (test_csv, "a,species,b\n2,versicolor,3\n4,setosa,5\n", -1, NULL));
  for (int variant = 0; variant < 2; variant++)
    {
      char *json = g_strdup_printf (
          "{\"dataset\": {\"name\": \"csv\", \"path\": %s, \"label\": \"species\"%s},"
          " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 3}]}}",
          "\"@TRAIN@\"", variant == 0 ? ", \"test_path\": \"@TEST@\"" : "");
      exp = experiment (json);
      g_free (json);
      g_strlcpy (exp->data.path, train_csv, sizeof exp->data.path);
      if (variant == 0)
        g_strlcpy (exp->data.test_path, test_csv, sizeof exp->data.test_path);
      script = ft_codegen_python (exp, variant == 0 ? FT_MODE_FIT : FT_MODE_TAPE, NULL);
      g_assert_true (run_data_section (script, &d));
      FtDataset *train = NULL, *test = NULL;
      GError *error = NULL;
      g_assert_true (ft_experiment_load_data (exp, &train, &test, &error));
      g_assert_no_error (error);
      int shape[1] = { 2 };
      assert_same_data (&d, "x_train", "y_train", train, 1, shape);
      if (variant == 0)
        assert_same_data (&d, "x_test", "y_test", test, 1, shape);
      else
        g_assert_false (json_object_has_member (d.arrays, "x_test"));
      ft_dataset_free (train);
      ft_dataset_free (test);
      data_run_clear (&d);
      g_free (script);
      ft_experiment_free (exp);
    }
  g_assert_true (g_file_set_contents (train_csv, "x,label\n1,2\n2,0\n3,1\n4,2\n", -1, NULL));
  exp = experiment ("{\"dataset\": {\"name\": \"csv\", \"path\": \"@\", \"label\": \"label\", \"limit\": 3},"
                    " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 3}]}}");
  g_strlcpy (exp->data.path, train_csv, sizeof exp->data.path);
  script = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_true (run_data_section (script, &d));
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (exp, &train, &test, NULL));
  int one[1] = { 1 };
  assert_same_data (&d, "x_train", "y_train", train, 1, one);
  ft_dataset_free (train);
  data_run_clear (&d);
  g_free (script);
  ft_experiment_free (exp);

  /* A 2-D file with the Playground's labels, +1 first: -1 is class 0 in the script as in FitTape. */
  g_assert_true (g_file_set_contents (train_csv, "x1,x2,label\n1,2,1\n2,0,-1\n3,1,1\n", -1, NULL));
  exp = experiment ("{\"dataset\": {\"name\": \"csv\", \"path\": \"@\", \"label\": \"label\"},"
                    " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]}}");
  g_strlcpy (exp->data.path, train_csv, sizeof exp->data.path);
  script = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_true (run_data_section (script, &d));
  g_assert_true (ft_experiment_load_data (exp, &train, &test, NULL));
  g_assert_cmpfloat (train->labels[0], ==, 1.0f);
  int two[1] = { 2 };
  assert_same_data (&d, "x_train", "y_train", train, 1, two);
  ft_dataset_free (train);
  data_run_clear (&d);
  g_free (script);
  ft_experiment_free (exp);

  /* An IDX directory (train gzipped, t10k plain), then one without test files. */
  char *idx_dir = g_build_filename (tmp.dir, "my idx", NULL);
  g_assert_cmpint (g_mkdir (idx_dir, 0755), ==, 0);
  uint8_t pixels[5 * 3 * 2], labels[5] = { 2, 0, 1, 2, 1 };
  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (uint8_t) (i * 37 + 11);
  uint32_t image_dims[3] = { 5, 3, 2 }, label_dims[1] = { 5 };
  char *p = g_build_filename (idx_dir, "t10k-images-idx3-ubyte", NULL);
  write_idx (p, 0x803, 3, image_dims, pixels, sizeof pixels);
  g_free (p);
  p = g_build_filename (idx_dir, "t10k-labels-idx1-ubyte", NULL);
  write_idx (p, 0x801, 1, label_dims, labels, sizeof labels);
  g_free (p);
  p = g_build_filename (idx_dir, "train-images-idx3-ubyte.gz", NULL);
  write_idx (p, 0x803, 3, image_dims, pixels, sizeof pixels);
  g_free (p);
  p = g_build_filename (idx_dir, "train-labels-idx1-ubyte.gz", NULL);
  write_idx (p, 0x801, 1, label_dims, labels, sizeof labels);
  g_free (p);
  for (int with_test = 1; with_test >= 0; with_test--)
    {
      if (!with_test)
        {
          p = g_build_filename (idx_dir, "t10k-images-idx3-ubyte", NULL);
          g_remove (p);
          g_free (p);
          p = g_build_filename (idx_dir, "t10k-labels-idx1-ubyte", NULL);
          g_remove (p);
          g_free (p);
        }
      exp = experiment (
          "{\"dataset\": {\"name\": \"idx\", \"path\": \"@\"}, \"model\": {\"input_shape\": [3, 2, 1],"
          " \"layers\": [{\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 3}]},"
          " \"compile\": {\"loss\": \"categorical_crossentropy\"}, \"fit\": {\"class_weight\": {\"1\": 3}}}");
      g_strlcpy (exp->data.path, idx_dir, sizeof exp->data.path);
      script = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
      g_assert_true (run_data_section (script, &d));
      GError *error = NULL;
      g_assert_true (ft_experiment_load_data (exp, &train, &test, &error));
      g_assert_no_error (error);
      int full[4] = { 5, 3, 2, 1 };
      assert_shape (&d, "x_train", 4, full);
      double x_sum, x_sumsq, label_sum;
      dataset_sums (train, &x_sum, &x_sumsq, &label_sum);
      assert_close (data_stat (&d, "x_train", "sum"), x_sum, 1e-6, "idx pixels");
      /* One-hot targets over the 3 outputs, and the class weights per sample (class 1 weighs 3). */
      int onehot[2] = { 5, 3 };
      assert_shape (&d, "y_train", 2, onehot);
      g_assert_cmpfloat (data_stat (&d, "y_train", "sum"), ==, 5);
      g_assert_cmpfloat (data_stat (&d, "sw_train", "sum"), ==, 1 + 1 + 3 + 1 + 3);
      if (with_test)
        assert_shape (&d, "x_test", 4, full);
      else
        g_assert_false (json_object_has_member (d.arrays, "x_test"));
      g_assert_true ((test != NULL) == (with_test != 0));
      ft_dataset_free (train);
      ft_dataset_free (test);
      data_run_clear (&d);
      g_free (script);
      ft_experiment_free (exp);
    }
  g_free (idx_dir);

  /* Fashion-MNIST, when Debian's files are here: the same pixels / 255 and labels as FitTape reads. */
  if (g_file_test (FT_FASHION_MNIST_DIR, G_FILE_TEST_IS_DIR))
    {
      char *path = data_path ("fashion-mnist-cnn-tape.json");
      exp = ft_experiment_load (path, NULL);
      g_assert_nonnull (exp);
      g_free (path);
      exp->data.limit = 2000;
      script = ft_codegen_python (exp, FT_MODE_TAPE, NULL);
      g_assert_true (run_data_section (script, &d));
      g_assert_true (ft_experiment_load_data (exp, &train, &test, NULL));
      int image[3] = { 28, 28, 1 };
      assert_same_data (&d, "x_train", "y_train", train, 3, image);
      assert_same_data (&d, "x_test", "y_test", test, 3, image);
      ft_dataset_free (train);
      ft_dataset_free (test);
      data_run_clear (&d);
      g_free (script);
      ft_experiment_free (exp);
    }
  g_free (train_csv);
  g_free (test_csv);
}

static void
test_save (void)
{
  FtExperiment *exp = experiment (all_steps_json);
  char *path = g_build_filename (tmp.dir, "saved script.py", NULL);
  GError *error = NULL;
  g_assert_true (ft_codegen_save (exp, FT_MODE_FIT, path, &error));
  g_assert_no_error (error);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "python3 saved script.py"));
  g_assert_nonnull (strstr (text, "model.fit("));
  g_free (text);
  assert_python_ok (path);
  /* Overwrites in place (atomically); a directory that does not exist is an error. */
  g_assert_true (ft_codegen_save (exp, FT_MODE_TAPE, path, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "tf.GradientTape()"));
  g_free (text);
  char *bad = g_build_filename (tmp.dir, "no such dir", "x.py", NULL);
  g_assert_false (ft_codegen_save (exp, FT_MODE_TAPE, bad, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_free (bad);
  g_free (path);
  ft_experiment_free (exp);
}

/* fittape-cli export-script, run as a user runs it (FITTAPE_CLI from meson). */
static void
test_cli (void)
{
  const char *cli = g_getenv ("FITTAPE_CLI");
  if (cli == NULL || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("FITTAPE_CLI is not set (run through meson test)");
      return;
    }
  char *spiral = data_path ("spiral.json");
  char *mlp = data_path ("fashion-mnist-mlp.json");
  char *out = g_build_filename (tmp.dir, "cli-spiral.py", NULL);
  FtTestRun r;

  const char *to_file[] = { cli, "export-script", spiral, "--mode", "tape", "--out", out, NULL };
  ft_test_run (&r, to_file);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strcmp (r.out, "") == 0);
  ft_test_run_clear (&r);
  char *text = NULL;
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "tf.GradientTape()"));
  g_assert_nonnull (strstr (text, "the experiment spiral.json, in tape mode"));
  g_assert_nonnull (strstr (text, "python3 cli-spiral.py"));
  g_free (text);
  assert_python_ok (out);

  /* To standard output; the default mode is the experiment's (fit), tape for "both". */
  const char *to_stdout[] = { cli, "export-script", mlp, NULL };
  ft_test_run (&r, to_stdout);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "model.fit(") != NULL);
  ft_test_run_clear (&r);
  const char *both[] = { cli, "export-script", spiral, NULL };
  ft_test_run (&r, both);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "tf.GradientTape()") != NULL);
  ft_test_run_clear (&r);
  const char *fit_mode[] = { cli, "export-script", "--mode", "fit", spiral, NULL };
  ft_test_run (&r, fit_mode);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (&r, strstr (r.out, "model.fit(") != NULL);
  ft_test_run_clear (&r);

  /* Bad input: exit status 2 and a message. */
  const char *bad_mode[] = { cli, "export-script", spiral, "--mode", "both", NULL };
  const char *no_file[] = { cli, "export-script", NULL };
  const char *missing[] = { cli, "export-script", "/nonexistent/experiment.json", NULL };
  const char *no_value[] = { cli, "export-script", spiral, "--out", NULL };
  const char *const *bad[] = { bad_mode, no_file, missing, no_value };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ft_test_run (&r, bad[i]);
      ft_test_run_assert_exit (&r, 2);
      ft_test_run_assert (&r, strcmp (r.out, "") == 0);
      ft_test_run_assert (&r, g_str_has_prefix (r.err, "fittape-cli: "));
      ft_test_run_clear (&r);
    }
  char *bad_out = g_build_filename (tmp.dir, "missing dir", "x.py", NULL);
  const char *unwritable[] = { cli, "export-script", spiral, "--out", bad_out, NULL };
  ft_test_run (&r, unwritable);
  ft_test_run_assert_exit (&r, 2);
  ft_test_run_assert (&r, strstr (r.err, "cannot write the script") != NULL);
  ft_test_run_clear (&r);
  g_free (bad_out);

  /* The usage text mentions the command. */
  const char *help[] = { cli, "--help", NULL };
  ft_test_run (&r, help);
  ft_test_run_assert_exit (&r, 0);
  ft_test_run_assert (
      &r, strstr (r.out, "fittape-cli export-script EXPERIMENT.json [--mode fit|tape] [--out FILE]") != NULL);
  ft_test_run_clear (&r);

  g_free (out);
  g_free (mlp);
  g_free (spiral);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
          g_free (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_remove (path);
}

/* Each pitfall: the tape script holds its buggy line after a "# PITFALL" comment, both in the pitfall's span
 * of the code map; the script compiles; with no pitfall there is none. With class weights, compiled metrics
 * are updated without sample weights and weighted_metrics with them, in both programs. */
static const struct
{
  const char *name;
  const char *buggy; /* the buggy line's text */
} pitfall_lines[FT_N_PITFALLS] = {
  { "training_false", "        logits = model(x, training=False)" },      /* in the train step (indent 8) */
  { "validate_training_true", "\n    logits = model(x, training=True)" }, /* in the test step (indent 4) */
  { "no_regularization_loss", "loss = loss_fn(y, logits, sample_weight=sample_weight)\n" },
  { "from_logits_mismatch", "SparseCategoricalCrossentropy(from_logits=False)" },
  { "epoch_loss_last_batch", "logs[\"loss\"] = float(loss)" },
  { "unweighted_batch_mean", "train_loss.update_state(loss)\n" },
  { "split_after_shuffle", ".shuffle(len(x_train), reshuffle_each_iteration=True)" },
  { "shuffle_buffer", ".shuffle(buffer_size=1024" },
  { "no_class_weight", "        loss = loss_fn(y, logits) + sum(model.losses)" },
};

static void
test_pitfalls (void)
{
  FtExperiment *exp = experiment (all_steps_json);
  float cw[2] = { 1.0f, 2.0f };
  exp->fit.class_weight = g_memdup2 (cw, sizeof cw);
  exp->fit.n_class_weight = 2;
  exp->compile.n_weighted_metrics = 1;
  g_strlcpy (exp->compile.weighted_metrics[0], "accuracy", sizeof exp->compile.weighted_metrics[0]);
  FtCodeMap map;
  char *clean = ft_codegen_python (exp, FT_MODE_TAPE, &map);
  g_assert_null (strstr (clean, "PITFALL"));
  for (int p = 0; p < FT_N_PITFALLS; p++)
    {
      g_assert_cmpint (map.pitfalls[p].n_ranges, ==, 0);
      g_assert_null (strstr (clean, pitfall_lines[p].buggy));
    }
  /* Keras 3: sample weights reach only the weighted metrics. */
  g_assert_nonnull (strstr (clean, "train_accuracy.update_state(y, logits)\n"));
  g_assert_nonnull (
      strstr (clean, "train_weighted_accuracy.update_state(y, logits, sample_weight=sample_weight)"));
  char *fit = ft_codegen_python (exp, FT_MODE_FIT, NULL);
  g_assert_nonnull (strstr (fit, "weighted_metrics=[\"accuracy\"]"));
  g_free (fit);
  g_free (clean);

  for (int p = 0; p < FT_N_PITFALLS; p++)
    {
      FtPitfall check;
      g_assert_true (ft_pitfall_from_name (pitfall_lines[p].name, &check));
      g_assert_cmpint (check, ==, p);
      g_test_message ("pitfall %s", pitfall_lines[p].name);
      exp->steps.pitfalls.on[p] = true;
      char *script = ft_codegen_python (exp, FT_MODE_TAPE, &map);
      const char *hit = strstr (script, pitfall_lines[p].buggy);
      if (hit == NULL)
        g_error ("pitfall %s: no \"%s\" in\n%s", pitfall_lines[p].name, pitfall_lines[p].buggy, script);
      if (*hit == '\n')
        hit++;
      int line = 1;
      for (const char *c = script; c < hit; c++)
        line += *c == '\n';
      g_assert_cmpint (ft_code_map_pitfall_at (&map, line), ==, p);
      g_assert_cmpint (map.pitfalls[p].n_ranges, >, 0);
      char **lines = script_lines (script);
      /* The comment lines, joined: "# PITFALL (label): explanation", wrapped within 100 columns. */
      GString *comment = g_string_new (NULL);
      for (int l = map.pitfalls[p].ranges[0].first; l <= map.pitfalls[p].ranges[0].last; l++)
        {
          const char *t = lines[l - 1];
          while (*t == ' ')
            t++;
          if (g_str_has_prefix (t, "# "))
            {
              t += 2;
              while (*t == ' ')
                t++;
              g_string_append_printf (comment, "%s%s", comment->len ? " " : "", t);
            }
        }
      g_assert_true (g_str_has_prefix (comment->str, "PITFALL ("));
      g_assert_nonnull (strstr (comment->str, ft_pitfall_explanation ((FtPitfall) p)));
      g_string_free (comment, TRUE);
      for (int l = map.pitfalls[p].ranges[0].first; l <= map.pitfalls[p].ranges[0].last; l++)
        if (g_utf8_strlen (lines[l - 1], -1) > 100)
          g_error ("pitfall %s: a line longer than 100 columns: %s", pitfall_lines[p].name, lines[l - 1]);
      for (int q = 0; q < FT_N_PITFALLS; q++)
        if (q != p)
          g_assert_cmpint (map.pitfalls[q].n_ranges, ==, 0);
      g_strfreev (lines);
      assert_script_ok (script, pitfall_lines[p].name);
      g_free (script);
      exp->steps.pitfalls.on[p] = false;
    }
  ft_experiment_free (exp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  tmp.dir = g_dir_make_tmp ("fittape-codegen-XXXXXX", &error);
  g_assert_no_error (error);
  if (python () == NULL)
    {
      g_printerr ("python3 is not installed\n");
      return 77;
    }
  g_test_add_func ("/codegen/pitfalls", test_pitfalls);
  g_test_add_func ("/codegen/regions", test_regions);
  g_test_add_func ("/codegen/shipped", test_shipped);
  g_test_add_func ("/codegen/steps-off", test_steps_off);
  g_test_add_func ("/codegen/step-details", test_step_details);
  g_test_add_func ("/codegen/coverage", test_coverage);
  g_test_add_func ("/codegen/header-and-literals", test_header_and_literals);
  g_test_add_func ("/codegen/data-sections", test_data_sections);
  g_test_add_func ("/codegen/save", test_save);
  g_test_add_func ("/codegen/cli", test_cli);
  int status = g_test_run ();
  remove_tree (tmp.dir);
  g_free (tmp.dir);
  return status;
}
