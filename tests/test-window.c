/* test-window.c — the real main window under Xvfb: a network edited through the model editor, training in
 * each mode with the expected points on the charts, Pause / Step / Stop, every export, a checkpoint saved,
 * loaded and continued, bad files shown as errors with the window still working, and a screenshot. */
#include "views/ft-code-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-tape-inspector.h"
#include "window/ft-window.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static char *tmpdir;

static void
wait_until (gboolean (*cond) (FtWindow *), FtWindow *win, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (!cond (win))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %.0f s", seconds);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
idle (FtWindow *win)
{
  return !ft_window_is_training (win) && ft_window_get_pending_jobs (win) == 0;
}

static gboolean
training (FtWindow *win)
{
  return ft_window_is_training (win) && ft_window_get_n_runs (win) > 0;
}

static void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* A small, quick experiment: the Playground spiral, 200 samples, 3 epochs of batch 20. */
static FtExperiment *
small_experiment (int epochs)
{
  const char *json = "{\"title\": \"window test\", \"seed\": 3,"
                     " \"dataset\": {\"name\": \"spiral\", \"samples\": 200, \"noise\": 0.1, \"test_samples\": 100},"
                     " \"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"},"
                     " {\"type\": \"Dense\", \"units\": 2}]},"
                     " \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"
                     " \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true},"
                     " \"metrics\": [\"accuracy\"]},"
                     " \"fit\": {\"epochs\": 3, \"batch_size\": 20, \"validation_split\": 0.2}}";
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  exp->fit.epochs = epochs;
  return exp;
}

static FtWindow *
window_new (int epochs)
{
  FtWindow *win = ft_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 800);
  gtk_window_present (GTK_WINDOW (win));
  FtExperiment *exp = small_experiment (epochs);
  ft_window_set_experiment (win, exp);
  ft_experiment_free (exp);
  return win;
}

static void
window_free (FtWindow *win)
{
  ft_window_stop (win);
  wait_until (idle, win, 30);
  gtk_window_destroy (GTK_WINDOW (win));
  spin (0.05);
}

static GtkWidget *
find_type (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

/* Train in each mode: one run for fit and tape, two for both; each run's charts hold one epoch point per
 * epoch and at least one batch point per epoch; in both mode the two histories are identical. */
static void
test_train_each_mode (void)
{
  FtWindow *win = window_new (3);
  const FtRunMode modes[3] = { FT_MODE_FIT, FT_MODE_TAPE, FT_MODE_BOTH };
  guint expected_runs = 0;
  for (int m = 0; m < 3; m++)
    {
      ft_window_set_mode (win, modes[m]);
      ft_window_train (win);
      wait_until (idle, win, 60);
      expected_runs += modes[m] == FT_MODE_BOTH ? 2 : 1;
      g_assert_cmpstr (ft_window_get_error (win), ==, NULL);
      g_assert_cmpuint (ft_window_get_n_runs (win), ==, expected_runs);
      for (guint i = expected_runs - (modes[m] == FT_MODE_BOTH ? 2 : 1); i < expected_runs; i++)
        {
          g_assert_cmpint (ft_window_get_run_state (win, i), ==, 1);
          g_assert_cmpint (ft_window_get_run_epochs (win, i), ==, 3);
          int epoch_points = 0;
          int batch_points = ft_window_get_run_plot_points (win, i, &epoch_points);
          g_assert_cmpint (epoch_points, ==, 3);
          g_assert_cmpint (batch_points, >=, 3);
          g_assert_cmpint (batch_points, <=, 3 * 8); /* 160 training samples / 20 */
        }
    }
  char *a = ft_window_get_run_history_csv (win, 2), *b = ft_window_get_run_history_csv (win, 3);
  g_assert_true (g_str_has_prefix (a, "epoch,accuracy,loss,val_accuracy,val_loss"));
  g_assert_cmpstr (a, ==, b);
  g_assert_nonnull (strstr (ft_window_get_run_name (win, 3), "tape"));
  g_free (a);
  g_free (b);
  window_free (win);
}

/* The network built through the model editor (its Add menu's action) is the one that trains. */
static void
test_edit_network (void)
{
  FtWindow *win = window_new (2);
  GtkWidget *editor = find_type (GTK_WIDGET (win), g_type_from_name ("FtModelEditor"));
  g_assert_nonnull (editor);
  int before = ft_window_get_experiment (win)->n_layers;
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Dropout"));
  spin (0.1);
  FtExperiment *exp = ft_window_get_experiment (win);
  g_assert_cmpint (exp->n_layers, ==, before + 1);
  bool has_dropout = false;
  for (int i = 0; i < exp->n_layers; i++)
    has_dropout = has_dropout || exp->layers[i].kind == FT_LAYER_DROPOUT;
  g_assert_true (has_dropout);
  ft_window_set_mode (win, FT_MODE_FIT);
  ft_window_train (win);
  wait_until (idle, win, 60);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 1);
  g_assert_null (ft_window_get_error (win));
  window_free (win);
}

static int
batch_points (FtWindow *win)
{
  return ft_window_get_run_plot_points (win, ft_window_get_n_runs (win) - 1, NULL);
}

/* Step from rest starts paused; Step runs exactly one batch; Pause holds the run; Stop ends it. Paced at
 * 100 batches a second, so the run lasts far longer than the test, however slow the machine. */
static void
test_pause_step_stop (void)
{
  FtWindow *win = window_new (1000);
  ft_window_set_mode (win, FT_MODE_FIT);
  ft_window_set_pace (win, 100);
  ft_window_step (win); /* from rest: the run starts, paused before its first batch */
  wait_until (training, win, 60);
  spin (0.5);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 0);
  g_assert_cmpint (batch_points (win), ==, 0);
  ft_window_step (win);
  spin (0.5);
  g_assert_cmpint (batch_points (win), ==, 1);
  ft_window_step (win);
  spin (0.5);
  g_assert_cmpint (batch_points (win), ==, 2);
  ft_window_toggle_pause (win); /* resume */
  spin (0.5);
  g_assert_cmpint (batch_points (win), >, 2);
  ft_window_toggle_pause (win); /* pause */
  spin (0.3);
  int held = batch_points (win);
  spin (0.5);
  g_assert_cmpint (batch_points (win), ==, held);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 0);
  ft_window_stop (win);
  wait_until (idle, win, 30);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 2);
  g_assert_cmpint (ft_window_get_run_epochs (win, 0), <, 1000);
  ft_window_set_pace (win, 0);
  window_free (win);
}

static char *
read_head (const char *path, gsize n)
{
  char *text = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_cmpuint (len, >=, n);
  return text;
}

static void
test_exports (void)
{
  FtWindow *win = window_new (3);
  ft_window_set_mode (win, FT_MODE_BOTH);
  ft_window_train (win);
  wait_until (idle, win, 60);
  char *png = g_build_filename (tmpdir, "plots.png", NULL), *svg = g_build_filename (tmpdir, "plots.svg", NULL);
  char *pdf = g_build_filename (tmpdir, "plots.pdf", NULL);
  ft_window_export_plots (win, png);
  ft_window_export_plots (win, svg);
  ft_window_export_plots (win, pdf);
  wait_until (idle, win, 30);
  g_assert_null (ft_window_get_error (win));
  char *t = read_head (png, 8);
  g_assert_cmpint (memcmp (t, "\x89PNG\r\n\x1a\n", 8), ==, 0);
  g_free (t);
  t = read_head (pdf, 5);
  g_assert_cmpint (memcmp (t, "%PDF-", 5), ==, 0);
  g_free (t);
  t = read_head (svg, 5);
  g_assert_nonnull (strstr (t, "<svg"));
  g_free (t);
  /* the SVG parses as XML */
  GMarkupParser parser = { 0 };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  char *svg_text = NULL;
  g_assert_true (g_file_get_contents (svg, &svg_text, NULL, NULL));
  GError *error = NULL;
  g_assert_true (g_markup_parse_context_parse (ctx, svg_text, -1, &error) && g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
  g_free (svg_text);

  /* History: the CSV rows are the run's history; the JSON parses and has one value per epoch. */
  char *csv = g_build_filename (tmpdir, "history.csv", NULL), *json = g_build_filename (tmpdir, "history.json", NULL);
  g_assert_true (ft_window_export_history (win, csv, NULL));
  g_assert_true (ft_window_export_history (win, json, NULL));
  char *csv_text = NULL;
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  guint last = ft_window_get_n_runs (win) - 1;
  char *expected = ft_window_get_run_history_csv (win, last);
  g_assert_cmpstr (csv_text, ==, expected);
  JsonParser *jp = json_parser_new ();
  g_assert_true (json_parser_load_from_file (jp, json, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (jp));
  JsonArray *loss = json_object_get_array_member (json_object_get_object_member (root, "history"), "loss");
  g_assert_cmpuint (json_array_get_length (loss), ==, 3);
  g_object_unref (jp);
  g_free (csv_text);
  g_free (expected);
  g_free (csv);
  g_free (json);
  g_free (png);
  g_free (svg);
  g_free (pdf);
  window_free (win);
}

/* A checkpoint saved after 3 epochs, loaded, and continued to 6 gives the rows an uninterrupted 6-epoch
 * run gives. */
static void
test_checkpoint_continue (void)
{
  FtWindow *win = window_new (3);
  ft_window_set_mode (win, FT_MODE_FIT);
  ft_window_train (win);
  wait_until (idle, win, 60);
  char *ckpt = g_build_filename (tmpdir, "run.h5", NULL);
  ft_window_save_checkpoint (win, ckpt);
  wait_until (idle, win, 30);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_EXISTS));
  ft_window_load_checkpoint (win, ckpt);
  wait_until (idle, win, 30);
  g_assert_null (ft_window_get_error (win));
  g_assert_cmpuint (ft_window_get_n_runs (win), ==, 2);
  g_assert_nonnull (strstr (ft_window_get_run_name (win, 1), "checkpoint"));
  g_assert_cmpint (ft_window_get_run_epochs (win, 1), ==, 3);
  /* The checkpoint run is the selected one: continue it to 6 epochs. */
  FtExperiment *exp = ft_window_get_experiment (win);
  (void) exp;
  ft_window_continue (win, NULL); /* NULL: nothing happens */
  g_action_group_activate_action (G_ACTION_GROUP (win), "continue", NULL);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.continue", NULL);
  wait_until (idle, win, 60);
  g_assert_cmpint (ft_window_get_run_epochs (win, 1), ==, 6);
  char *continued = ft_window_get_run_history_csv (win, 1);

  FtWindow *ref = window_new (6);
  ft_window_set_mode (ref, FT_MODE_FIT);
  ft_window_train (ref);
  wait_until (idle, ref, 60);
  char *whole = ft_window_get_run_history_csv (ref, 0);
  char **lc = g_strsplit (continued, "\n", -1), **lw = g_strsplit (whole, "\n", -1);
  g_assert_cmpstr (lc[0], ==, lw[0]); /* header */
  g_assert_cmpstr (lc[1], ==, lw[4]); /* epoch 3 */
  g_assert_cmpstr (lc[3], ==, lw[6]); /* epoch 5 */
  g_strfreev (lc);
  g_strfreev (lw);
  g_free (continued);
  g_free (whole);
  g_free (ckpt);
  window_free (ref);
  window_free (win);
}

/* Bad files: an error in the window, the experiment unchanged, and training still works. */
static void
test_bad_files (void)
{
  FtWindow *win = window_new (2);
  char *bad = g_build_filename (tmpdir, "bad.json", NULL);
  g_assert_true (g_file_set_contents (
    bad, "{\"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]}, \"fit\": {\"epochs\": \"many\"}}", -1, NULL));
  GError *error = NULL;
  g_assert_false (ft_window_open_experiment (win, bad, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  const char *shown = ft_window_get_error (win);
  g_assert_nonnull (shown);
  g_assert_nonnull (strstr (shown, "$.fit.epochs"));
  g_assert_cmpstr (ft_window_get_experiment (win)->title, ==, "window test");
  char *garbage = g_build_filename (tmpdir, "garbage.h5", NULL);
  g_assert_true (g_file_set_contents (garbage, "not a checkpoint at all", -1, NULL));
  ft_window_load_checkpoint (win, garbage);
  wait_until (idle, win, 30);
  shown = ft_window_get_error (win);
  g_assert_nonnull (shown);
  g_assert_nonnull (strstr (shown, "garbage.h5"));
  g_assert_cmpuint (ft_window_get_n_runs (win), ==, 0);
  ft_window_set_mode (win, FT_MODE_TAPE);
  ft_window_train (win);
  wait_until (idle, win, 60);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 1);
  g_free (bad);
  g_free (garbage);
  window_free (win);
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
page_visible (FtWindow *win, const char *page)
{
  AdwViewStack *stack = ADW_VIEW_STACK (find_type (GTK_WIDGET (win), ADW_TYPE_VIEW_STACK));
  GtkWidget *child = adw_view_stack_get_child_by_name (stack, page);
  return adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, child));
}

/* A lesson hides what it lists (lesson 1: the dataset and compile pages, the fit and tape mode buttons)
 * and shows everything again when another experiment is opened. */
static void
test_lesson_hides (void)
{
  FtWindow *win = window_new (2);
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  g_assert_nonnull (src);
  char *lesson = g_build_filename (src, "data", "lesson-1-fit-is-the-loop.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson, NULL));
  spin (0.1);
  g_assert_false (page_visible (win, "dataset"));
  g_assert_false (page_visible (win, "compile"));
  g_assert_true (page_visible (win, "model"));
  g_assert_false (gtk_widget_get_visible (find_named (GTK_WIDGET (win), "fit")));
  g_assert_false (gtk_widget_get_visible (find_named (GTK_WIDGET (win), "tape")));
  g_assert_true (gtk_widget_get_visible (find_named (GTK_WIDGET (win), "both")));
  g_assert_cmpint (ft_window_get_mode (win), ==, FT_MODE_BOTH);
  /* The lesson trains as it says: fit and tape agree. */
  ft_window_train (win);
  wait_until (idle, win, 60);
  char *a = ft_window_get_run_history_csv (win, 0), *b = ft_window_get_run_history_csv (win, 1);
  g_assert_cmpstr (a, ==, b);
  g_free (a);
  g_free (b);
  /* Lesson 2 leaves shuffling and validation out of the tape loop: the histories differ. */
  char *lesson2 = g_build_filename (src, "data", "lesson-2-shuffle-and-validation.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson2, NULL));
  g_assert_true (page_visible (win, "dataset"));
  g_assert_false (page_visible (win, "model"));
  ft_window_train (win);
  wait_until (idle, win, 60);
  a = ft_window_get_run_history_csv (win, 2);
  b = ft_window_get_run_history_csv (win, 3);
  g_assert_nonnull (strstr (a, "val_loss"));
  g_assert_null (strstr (b, "val_loss"));
  g_free (a);
  g_free (b);
  g_free (lesson);
  g_free (lesson2);
  window_free (win);
}

static gboolean
decision_ready (FtWindow *win)
{
  FtDecisionView *dv = FT_DECISION_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_DECISION_VIEW));
  return !ft_decision_view_is_busy (dv) && ft_decision_view_get_grid (dv) != NULL;
}

/* The teaching views show what the run did: the code of the mode (with a switched-off step missing),
 * the tape the model recorded, and the decision regions of the trained model. */
static void
test_teaching_views (void)
{
  FtWindow *win = window_new (3);
  ft_window_set_mode (win, FT_MODE_TAPE);
  FtExperiment *exp = ft_window_get_experiment (win);
  exp->steps.shuffle = false;
  ft_window_set_experiment (win, exp);
  ft_window_set_mode (win, FT_MODE_TAPE);
  FtCodeView *code = FT_CODE_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CODE_VIEW));
  g_assert_null (ft_code_view_get_code (code, false));
  const char *tape_code = ft_code_view_get_code (code, true);
  g_assert_nonnull (strstr (tape_code, "tf.GradientTape()"));
  g_assert_null (strstr (tape_code, ".shuffle("));
  ft_window_set_mode (win, FT_MODE_FIT);
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "model.fit("));
  ft_window_set_mode (win, FT_MODE_TAPE);
  g_assert_true (ft_window_show_view (win, "inspector"));
  /* At a slow pace the code panel lights the line that runs. */
  ft_window_set_pace (win, 200);
  ft_window_train (win);
  wait_until (idle, win, 60);
  ft_window_set_pace (win, 0);
  int lit = ft_code_view_get_highlighted_line (code, true);
  g_assert_cmpint (lit, >, 0);
  char **lines = g_strsplit (ft_code_view_get_code (code, true), "\n", -1);
  g_assert_cmpint (lit, <=, (int) g_strv_length (lines));
  if (g_test_verbose ())
    g_printerr ("lit line %d: %s\n", lit, lines[lit - 1]);
  g_strfreev (lines);
  FtTapeInspector *inspector = FT_TAPE_INSPECTOR (find_type (GTK_WIDGET (win), FT_TYPE_TAPE_INSPECTOR));
  const char *title = ft_tape_inspector_get_title (inspector);
  g_assert_nonnull (title);
  g_assert_nonnull (strstr (title, "3 ops recorded")); /* dense, dense, the loss */
  g_assert_true (ft_window_show_view (win, "errors"));
  wait_until (decision_ready, win, 30);
  g_assert_false (ft_window_show_view (win, "nonsense"));
  window_free (win);
}

/* The window's own screenshot: a PNG of the whole window with the charts drawn. */
static void
test_screenshot (void)
{
  FtWindow *win = window_new (3);
  ft_window_set_mode (win, FT_MODE_BOTH);
  ft_window_train (win);
  wait_until (idle, win, 60);
  spin (0.3);
  char *png = g_build_filename (tmpdir, "window.png", NULL);
  GError *error = NULL;
  g_assert_true (ft_window_save_screenshot (win, png, &error));
  g_assert_no_error (error);
  GdkTexture *tex = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (tex), >=, 1000);
  g_assert_cmpint (gdk_texture_get_height (tex), >=, 600);
  g_object_unref (tex);
  g_print ("# screenshot: %s\n", png);
  g_free (png);
  window_free (win);
}

/* "Certify Against Keras" is enabled exactly when the probe's Python runs `import tensorflow, keras`
 * successfully: /bin/true stands for a Python with TensorFlow, /bin/false and a missing file for one without
 * (the probe looks at the exit status only). */
static gboolean
certify_probed (FtWindow *win)
{
  return g_object_get_data (G_OBJECT (win), "ft-certify-probe") != NULL;
}

static void
test_certify_probe (void)
{
  const struct
  {
    const char *python;
    int expected;
  } cases[] = { { "/bin/true", 2 }, { "/bin/false", 1 }, { "/nonexistent/python3", 1 } };
  char *saved = g_strdup (g_getenv ("FITTAPE_PYTHON"));
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_setenv ("FITTAPE_PYTHON", cases[i].python, TRUE);
      FtWindow *win = window_new (1);
      wait_until (certify_probed, win, 30);
      g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (win), "ft-certify-probe")), ==, cases[i].expected);
      window_free (win);
    }
  if (saved)
    g_setenv ("FITTAPE_PYTHON", saved, TRUE);
  else
    g_unsetenv ("FITTAPE_PYTHON");
  g_free (saved);
}

/* With a Python that has TensorFlow (the build folder's tf-venv), the menu item certifies the window's
 * experiment in fit mode: a window with the certificate's table opens, and it passes. Skipped without one. */
static GtkWidget *
certificate_window (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      GtkWindow *w = g_list_model_get_item (tops, i);
      g_object_unref (w);
      const char *title = gtk_window_get_title (w);
      if (title && g_str_has_prefix (title, "Parity Certificate"))
        return GTK_WIDGET (w);
    }
  return NULL;
}

static gboolean
certificate_shown (FtWindow *win)
{
  return certificate_window () != NULL;
}

static void
test_certify_run (void)
{
  FtWindow *win = window_new (2);
  wait_until (certify_probed, win, 60);
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (win), "ft-certify-probe")) != 2)
    {
      window_free (win);
      g_test_skip ("no Python with TensorFlow and Keras (.ci/tf-venv BUILD makes one)");
      return;
    }
  ft_window_set_mode (win, FT_MODE_FIT);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.certify", NULL));
  wait_until (certificate_shown, win, 600);
  GtkWidget *cw = certificate_window ();
  GtkTextView *view = GTK_TEXT_VIEW (find_type (cw, GTK_TYPE_TEXT_VIEW));
  GtkTextIter a, b;
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (view), &a, &b);
  char *text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (view), &a, &b, FALSE);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "fit mode"));
  g_assert_nonnull (strstr (text, "2      val_loss"));
  g_assert_nonnull (strstr (text, "Verdict: PASS"));
  g_free (text);
  gtk_window_destroy (GTK_WINDOW (cw));
  window_free (win);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tmpdir = g_dir_make_tmp ("fittape-window-XXXXXX", NULL);
  g_test_add_func ("/window/train-each-mode", test_train_each_mode);
  g_test_add_func ("/window/edit-network", test_edit_network);
  g_test_add_func ("/window/pause-step-stop", test_pause_step_stop);
  g_test_add_func ("/window/exports", test_exports);
  g_test_add_func ("/window/checkpoint-continue", test_checkpoint_continue);
  g_test_add_func ("/window/bad-files", test_bad_files);
  g_test_add_func ("/window/lesson-hides", test_lesson_hides);
  g_test_add_func ("/window/teaching-views", test_teaching_views);
  g_test_add_func ("/window/screenshot", test_screenshot);
  g_test_add_func ("/window/certify-probe", test_certify_probe);
  g_test_add_func ("/window/certify-run", test_certify_run);
  return g_test_run ();
}
