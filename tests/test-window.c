/* test-window.c — the real main window under Xvfb: a network edited through the model editor, training in
 * each mode with the expected points on the charts, Pause / Step / Stop, every export, a checkpoint saved,
 * loaded and continued, bad files shown as errors with the window still working, and a screenshot. The
 * classroom: started without a file it is lesson 1 in Compare mode; the Code view follows the checklist and
 * the Training page; re-runs replace their pair in the charts; the layout at 1024×768, 1280×720 and
 * 1920×1080 in normal and presentation mode; lessons hide what they list; confusion cells carry counts;
 * --screenshot exits non-zero when it cannot write its picture; a click on an epoch point opens its ledger
 * with the logged numbers; "Show test data" draws the test points on the decision map; a learning-rate and
 * an activation change while fit and tape train apply to both alike and are marked on the curves. */
#include "experiment/ft-run.h"
#include "ft-test-util.h"
#include "panels/ft-panels.h"
#include "panels/ft-widget-find.h"
#include "plot/ft-plot-difference.h"
#include "views/ft-code-view.h"
#include "views/ft-confusion-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-ledger-view.h"
#include "views/ft-network-view.h"
#include "views/ft-plot-view.h"
#include "views/ft-tape-inspector.h"
#include "views/ft-verdict-bar.h"
#include "window/ft-application.h"
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
  const char *json
      = "{\"title\": \"window test\", \"seed\": 3,"
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

/* The widget whose .ui id is id. */
static GtkWidget *
find_id (GtkWidget *root, const char *id)
{
  const char *own = gtk_buildable_get_buildable_id (GTK_BUILDABLE (root));
  if (own != NULL && strcmp (own, id) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_id (c, id);
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
          g_assert_cmpint (ft_window_get_run_state (win, i), ==, FT_RUN_STATE_FINISHED);
          g_assert_cmpint (ft_window_get_run_epochs (win, i), ==, 3);
          int epoch_points = 0;
          int batch_points = ft_window_get_run_plot_points (win, i, &epoch_points);
          g_assert_cmpint (epoch_points, ==, 3);
          g_assert_cmpint (batch_points, >=, 3);
          g_assert_cmpint (batch_points, <=, 3 * 8); /* 160 training samples / 20 */
        }
    }
  /* The runs list is bound to the window's runs: one row each, the newest on top; its check button
   * shows and hides the run's series. */
  GtkListBox *list = GTK_LIST_BOX (find_id (GTK_WIDGET (win), "runs_list"));
  guint rows = 0;
  for (GtkWidget *r = gtk_widget_get_first_child (GTK_WIDGET (list)); r; r = gtk_widget_get_next_sibling (r))
    rows += GTK_IS_LIST_BOX_ROW (r);
  g_assert_cmpuint (rows, ==, expected_runs);
  GtkWidget *top = GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0));
  GtkWidget *title = find_type (top, GTK_TYPE_LABEL);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (title)), ==,
                   ft_window_get_run_name (win, expected_runs - 1));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (subtitle)), "finished · 3 epochs"));
  FtPlotModel *plot = ft_plot_view_get_model (FT_PLOT_VIEW (ft_window_get_plot_view (win, FALSE)));
  int newest = ft_plot_model_get_run_id (plot, ft_plot_model_get_n_runs (plot) - 1);
  g_assert_true (ft_plot_model_get_run_visible (plot, newest));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_type (top, GTK_TYPE_CHECK_BUTTON)), FALSE);
  g_assert_false (ft_plot_model_get_run_visible (plot, newest));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_type (top, GTK_TYPE_CHECK_BUTTON)), TRUE);
  g_assert_true (ft_plot_model_get_run_visible (plot, newest));
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
  int output_units = ft_window_get_experiment (win)->layers[before - 1].units;
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Dropout"));
  spin (0.1);
  FtExperiment *exp = ft_window_get_experiment (win);
  g_assert_cmpint (exp->n_layers, ==, before + 1);
  /* Inserted before the output layer, which stays last. */
  g_assert_cmpint (exp->layers[before - 1].kind, ==, FT_LAYER_DROPOUT);
  g_assert_cmpint (exp->layers[before].kind, ==, FT_LAYER_DENSE);
  g_assert_cmpint (exp->layers[before].units, ==, output_units);
  bool has_dropout = false;
  for (int i = 0; i < exp->n_layers; i++)
    has_dropout = has_dropout || exp->layers[i].kind == FT_LAYER_DROPOUT;
  g_assert_true (has_dropout);
  ft_window_set_mode (win, FT_MODE_FIT);
  ft_window_train (win);
  wait_until (idle, win, 60);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, FT_RUN_STATE_FINISHED);
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
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, FT_RUN_STATE_RUNNING);
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
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, FT_RUN_STATE_RUNNING);
  ft_window_stop (win);
  wait_until (idle, win, 30);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, FT_RUN_STATE_STOPPED);
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

/* Compare mode's per-batch work is coalesced: the charts redraw at most five times a second and the
 * verdict's words change at most once a second (its epoch-end updates included), however many batches and
 * epochs the runs report. Bounds by the elapsed time, so a slow machine only loosens them. */
static void
test_redraws_bounded (void)
{
  FtWindow *win = window_new (300); /* a second or more: epochs and batches by the hundred */
  ft_window_set_mode (win, FT_MODE_BOTH);
  guint redraws0, words0, redraws, words;
  ft_window_get_redraw_counts (win, &redraws0, &words0);
  gint64 start = g_get_monotonic_time ();
  ft_window_train (win);
  wait_until (idle, win, 120);
  double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  ft_window_get_redraw_counts (win, &redraws, &words);
  guint n = ft_window_get_n_runs (win);
  g_assert_cmpint (ft_window_get_run_epochs (win, n - 1), ==, 300);
  int batches = ft_window_get_run_plot_points (win, n - 1, NULL);
  g_test_message ("%.2f s, %d batch points, %u redraws, %u verdict words", seconds, batches,
                  redraws - redraws0, words - words0);
  g_assert_cmpuint (redraws - redraws0, >, 0);
  g_assert_cmpint (batches, >, 10 * (int) (redraws - redraws0)); /* coalesced */
  g_assert_cmpfloat (redraws - redraws0, <=, 5 * seconds + 3);
  g_assert_cmpfloat (words - words0, <=, seconds + 4); /* the first, one a second, the two ends */
  /* The difference lane has every step both runs completed (from their fingerprints), not only the steps
   * the coalesced batch points share: a step for each up to the last epoch's end, every one identical. */
  FtPlotModel *plot = ft_plot_view_get_model (FT_PLOT_VIEW (ft_window_get_plot_view (win, FALSE)));
  int fit = ft_plot_model_get_run_id (plot, ft_plot_model_get_n_runs (plot) - 2), n_steps, zero = 0;
  const FtPlotBatchPoint *d = ft_plot_difference_points (ft_plot_model_get_difference (plot, fit), &n_steps);
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (plot, fit);
  g_test_message ("difference lane: %d steps", n_steps);
  g_assert_cmpint (ft_plot_model_get_n_epochs (plot, fit), ==, 300);
  g_assert_cmpint (n_steps, ==, (int) e[299].step);
  g_assert_cmpint (n_steps, >, batches);
  for (int i = 0; i < n_steps; i++)
    zero += d[i].step == i + 1 && d[i].batch_loss == 0;
  g_assert_cmpint (zero, ==, n_steps);
  window_free (win);
}

static void
test_exports (void)
{
  FtWindow *win = window_new (3);
  ft_window_set_mode (win, FT_MODE_BOTH);
  ft_window_train (win);
  wait_until (idle, win, 60);
  char *png = g_build_filename (tmpdir, "plots.png", NULL),
       *svg = g_build_filename (tmpdir, "plots.svg", NULL);
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
  g_assert_true (g_markup_parse_context_parse (ctx, svg_text, -1, &error)
                 && g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
  g_free (svg_text);

  /* History: the CSV rows are the run's history; the JSON parses and has one value per epoch. */
  char *csv = g_build_filename (tmpdir, "history.csv", NULL),
       *json = g_build_filename (tmpdir, "history.json", NULL);
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
      bad,
      "{\"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 2}]}, \"fit\": {\"epochs\": \"many\"}}", -1,
      NULL));
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
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, FT_RUN_STATE_FINISHED);
  g_free (bad);
  g_free (garbage);
  window_free (win);
}

static gboolean
page_visible (FtWindow *win, const char *page)
{
  AdwViewStack *stack = ADW_VIEW_STACK (find_type (GTK_WIDGET (win), ADW_TYPE_VIEW_STACK));
  GtkWidget *child = adw_view_stack_get_child_by_name (stack, page);
  return adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, child));
}

/* The view options are GSettings keys and window actions of the same name: the menu's action writes the
 * key, and a key changed from outside (another window, dconf) reaches the charts. */
static void
test_view_settings (void)
{
  FtWindow *win = ft_window_new (NULL);
  GSettings *settings = ft_window_get_settings (win);
  GtkWidget *loss = ft_window_get_plot_view (win, FALSE);
  gboolean raw = TRUE;
  g_settings_set_boolean (settings, "show-raw-batch-loss", FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (win), "show-raw-batch-loss", NULL);
  g_assert_true (g_settings_get_boolean (settings, "show-raw-batch-loss"));
  g_object_get (loss, "show-raw-loss", &raw, NULL);
  g_assert_true (raw);
  g_settings_set_string (settings, "x-axis", "batch");
  FtPlotXAxis axis = FT_PLOT_X_EPOCH;
  g_object_get (loss, "x-axis", &axis, NULL);
  g_assert_cmpint (axis, ==, FT_PLOT_X_STEP);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "x-axis", g_variant_new_string ("samples"));
  g_object_get (ft_window_get_plot_view (win, TRUE), "x-axis", &axis, NULL);
  g_assert_cmpint (axis, ==, FT_PLOT_X_SAMPLES);
  g_settings_set_boolean (settings, "log-y", TRUE);
  gboolean log_y = FALSE;
  g_object_get (loss, "log-y", &log_y, NULL);
  g_assert_true (log_y);
  /* Back to the defaults for the tests after this one. */
  g_settings_reset (settings, "show-raw-batch-loss");
  g_settings_reset (settings, "x-axis");
  g_settings_reset (settings, "log-y");
  /* A window destroyed while something still holds it (a probe, a pending callback) must not hear the
   * keys any more: another window changing them reaches only live windows. */
  FtWindow *other = ft_window_new (NULL);
  g_object_ref (win);
  gtk_window_destroy (GTK_WINDOW (win));
  g_settings_set_boolean (ft_window_get_settings (other), "log-y", TRUE);
  g_settings_set_string (ft_window_get_settings (other), "x-axis", "samples");
  g_settings_set_string (ft_window_get_settings (other), "color-scheme", "dark");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_get (ft_window_get_plot_view (other, FALSE), "log-y", &log_y, NULL);
  g_assert_true (log_y);
  g_settings_reset (settings, "log-y");
  g_settings_reset (settings, "x-axis");
  g_settings_reset (settings, "color-scheme");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (win);
  gtk_window_destroy (GTK_WINDOW (other));
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
  ft_window_set_pace (win, 5); /* a class that ended slow */
  g_assert_true (ft_window_open_experiment (win, lesson, NULL));
  spin (0.1);
  g_assert_cmpfloat (ft_window_get_pace (win), ==, 0); /* a lesson starts at full speed */
  g_assert_false (page_visible (win, "dataset"));
  /* Gone, not left on screen as the page showing under a tab strip. */
  AdwViewStack *stack = ADW_VIEW_STACK (find_type (GTK_WIDGET (win), ADW_TYPE_VIEW_STACK));
  const char *showing = adw_view_stack_get_visible_child_name (stack);
  g_assert_nonnull (showing);
  g_assert_true (page_visible (win, showing));
  g_assert_false (page_visible (win, "compile"));
  g_assert_true (page_visible (win, "model"));
  g_assert_false (gtk_widget_get_visible (ft_widget_find_named (GTK_WIDGET (win), "fit")));
  g_assert_false (gtk_widget_get_visible (ft_widget_find_named (GTK_WIDGET (win), "tape")));
  g_assert_true (gtk_widget_get_visible (ft_widget_find_named (GTK_WIDGET (win), "both")));
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
  g_assert_true (page_visible (win, adw_view_stack_get_visible_child_name (stack)));
  /* Lesson 3 hides the Dataset and Model pages: the one showing is one it keeps. */
  char *lesson3 = g_build_filename (src, "data", "lesson-3-early-stopping-by-hand.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson3, NULL));
  g_assert_true (page_visible (win, adw_view_stack_get_visible_child_name (stack)));
  g_assert_false (page_visible (win, "dataset"));
  g_assert_false (page_visible (win, "model"));
  /* An experiment that hides nothing shows everything again, the mode buttons too. */
  FtExperiment *plain = small_experiment (2);
  ft_window_set_experiment (win, plain);
  ft_experiment_free (plain);
  g_assert_true (page_visible (win, "dataset"));
  g_assert_true (page_visible (win, "model"));
  g_assert_true (gtk_widget_get_visible (ft_widget_find_named (GTK_WIDGET (win), "fit")));
  g_assert_true (gtk_widget_get_visible (ft_widget_find_named (GTK_WIDGET (win), "tape")));
  g_assert_true (ft_window_open_experiment (win, lesson2, NULL));
  g_free (lesson3);
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
  /* "Show test data" below the decision regions: off, the 200 − 40 training and 40 validation points;
   * on, the 100 test points too, ringed, and the description counts those the model gets right. */
  FtDecisionView *dv = FT_DECISION_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_DECISION_VIEW));
  GtkWidget *show_test = ft_widget_find_named (GTK_WIDGET (win), "show-test-data");
  g_assert_nonnull (show_test);
  g_assert_true (gtk_widget_is_visible (show_test));
  g_assert_false (ft_decision_view_get_show_test (dv));
  gtk_widget_queue_draw (GTK_WIDGET (dv));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dv));
  guint drawn_train = 0, drawn_test = 1;
  ft_decision_view_get_drawn (dv, &drawn_train, &drawn_test);
  g_assert_cmpuint (drawn_train, ==, 200);
  g_assert_cmpuint (drawn_test, ==, 0);
  g_assert_null (strstr (ft_decision_view_get_description (dv), "test points"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show_test), TRUE);
  g_assert_true (ft_decision_view_get_show_test (dv));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dv));
  ft_decision_view_get_drawn (dv, &drawn_train, &drawn_test);
  g_assert_cmpuint (drawn_train, ==, 200);
  g_assert_cmpuint (drawn_test, ==, 100);
  g_assert_nonnull (strstr (ft_decision_view_get_description (dv), "the 100 test points, drawn outlined, "));
  GError *shot_error = NULL;
  const char *shot = "/tmp/fittape-window-test-points.png";
  spin (0.6); /* the page's transition */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  g_assert_true (ft_window_save_screenshot (win, shot, &shot_error));
  g_assert_no_error (shot_error);
  g_print ("# screenshot with test points: %s\n", shot);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show_test), FALSE);
  g_assert_false (ft_decision_view_get_show_test (dv));
  g_assert_false (ft_window_show_view (win, "nonsense"));
  window_free (win);
}

static gboolean
two_runs_running (FtWindow *win)
{
  guint n = ft_window_get_n_runs (win);
  return n >= 2 && ft_window_get_run_state (win, n - 2) == FT_RUN_STATE_RUNNING
         && ft_window_get_run_state (win, n - 1) == FT_RUN_STATE_RUNNING;
}

/* Both runs have plotted the batches counted in the window's "ft-batches". */
static gboolean
batches_plotted (FtWindow *win)
{
  int want = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (win), "ft-batches"));
  guint n = ft_window_get_n_runs (win);
  return n >= 2 && ft_window_get_run_plot_points (win, n - 2, NULL) >= want
         && ft_window_get_run_plot_points (win, n - 1, NULL) >= want;
}

/* The network view has drawn maps with x₁, x₂ and x₁x₂ as inputs (no computation running) of weights other
 * than the starting ones (the window's "ft-seed-weights", those the edited network's seed gives). */
static gboolean
network_shows_run_x1x2 (FtWindow *win)
{
  FtNetworkView *nv = FT_NETWORK_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_NETWORK_VIEW));
  const FtNeuronMaps *maps = ft_network_view_get_maps (nv);
  const float *seed = g_object_get_data (G_OBJECT (win), "ft-seed-weights");
  return !ft_network_view_is_busy (nv) && maps != NULL
         && maps->features == (FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2) && maps->n_weights == 98
         && memcmp (seed, maps->weights, 98 * sizeof (float)) != 0;
}

/* The weights the experiment's seed gives (n_params floats). */
static float *
seed_weights (const FtExperiment *exp)
{
  GError *error = NULL;
  FtInspectModel *fresh = ft_inspect_model_new (exp, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  float *w = g_new (float, ft_inspect_model_n_params (fresh));
  ft_model_get_weights (ft_inspect_model_get_model (fresh), w);
  ft_inspect_model_free (fresh);
  return w;
}

/* Training that reacts: the learning rate (compile panel), the hidden activation (model editor) and the
 * input features (x₁x₂ switched on in the network view's input column) changed while fit and tape train
 * in Compare mode apply to both from the same step: both runs record the changes alike, their histories
 * stay identical, the log says so and the curves mark them; the network view follows the new input
 * column with the run's weights. */
static void
test_live_change (void)
{
  /* Step by step from rest (the runs start paused), eight batches, so the changes land mid-run however
   * slowly this process draws (under CI's AddressSanitizer settings a paced run was over before its
   * eighth batch was plotted). */
  FtWindow *win = window_new (12);
  ft_window_set_mode (win, FT_MODE_BOTH);
  ft_window_set_pace (win, 0);
  ft_window_step (win);
  wait_until (two_runs_running, win, 60);
  for (int i = 1; i <= 8; i++)
    {
      ft_window_step (win);
      g_object_set_data (G_OBJECT (win), "ft-batches", GINT_TO_POINTER (i));
      wait_until (batches_plotted, win, 60);
    }
  g_assert_true (ft_window_is_training (win));
  FtExperiment *exp = ft_window_get_experiment (win);
  exp->compile.optimizer.learning_rate = 0.05f;
  g_signal_emit_by_name (find_type (GTK_WIDGET (win), FT_TYPE_COMPILE_PANEL), "changed");
  spin (0.2);
  exp->layers[0].activation = FT_ACT_RELU;
  g_signal_emit_by_name (find_type (GTK_WIDGET (win), FT_TYPE_MODEL_EDITOR), "changed");
  spin (0.2);
  FtNetworkView *nv = FT_NETWORK_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_NETWORK_VIEW));
  g_assert_true (ft_network_view_toggle_feature (nv, 4)); /* x₁x₂ */
  g_assert_cmpuint (exp->data.features, ==, FT_FEATURE_X1 | FT_FEATURE_X2 | FT_FEATURE_X1_X2);
  /* One more step: the network view draws the run's weights with the three inputs at once (3 × 16 + 16 +
   * 16 × 2 + 2), not the edited network's starting ones. */
  g_object_set_data_full (G_OBJECT (win), "ft-seed-weights", seed_weights (exp), g_free);
  g_assert_true (ft_window_show_view (win, "network")); /* maps are computed for a view that is seen */
  ft_window_step (win);
  g_object_set_data (G_OBJECT (win), "ft-batches", GINT_TO_POINTER (9));
  wait_until (batches_plotted, win, 60);
  wait_until (network_shows_run_x1x2, win, 30);
  /* The view followed the change with the run's own training set, not a copy made on the main loop. */
  g_assert_true (ft_network_view_get_train_data (nv)
                 == ft_window_get_run_train_data (win, ft_window_get_n_runs (win) - 2));
  ft_window_toggle_pause (win); /* on at full speed */
  wait_until (idle, win, 120);
  guint n = ft_window_get_n_runs (win);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (ft_window_get_run_state (win, 0), ==, 1);
  g_assert_cmpint (ft_window_get_run_state (win, 1), ==, 1);
  g_autofree char *fit_changes = ft_window_get_run_changes (win, 0);
  g_autofree char *tape_changes = ft_window_get_run_changes (win, 1);
  g_test_message ("changes:\n%s", fit_changes);
  g_assert_cmpstr (fit_changes, ==, tape_changes);
  char **lines = g_strsplit (fit_changes, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4); /* three lines and the empty end */
  g_assert_true (g_str_has_suffix (lines[0], ",lr 0.01 → 0.05"));
  g_assert_true (g_str_has_suffix (lines[1], ",tanh → relu"));
  g_assert_true (g_str_has_suffix (lines[2], ",features x₁, x₂ → x₁, x₂, x₁x₂"));
  g_assert_cmpint (g_ascii_strtoll (lines[0], NULL, 10), >=, 8);
  g_strfreev (lines);
  g_autofree char *a = ft_window_get_run_history_csv (win, 0);
  g_autofree char *b = ft_window_get_run_history_csv (win, 1);
  g_assert_cmpstr (a, ==, b);
  g_assert_null (ft_window_get_run_changes (win, 2));
  /* The exported history carries them as events. */
  g_autofree char *hist = g_build_filename (tmpdir, "live-history.json", NULL);
  GError *export_error = NULL;
  g_assert_true (ft_window_export_history (win, hist, &export_error));
  g_assert_no_error (export_error);
  g_autofree char *hist_text = NULL;
  g_assert_true (g_file_get_contents (hist, &hist_text, NULL, NULL));
  g_assert_nonnull (strstr (hist_text, "\"events\": [{\"epoch\": "));
  g_assert_nonnull (strstr (hist_text, "\"change\": \"lr 0.01 → 0.05\""));
  g_assert_nonnull (strstr (hist_text, "\"change\": \"tanh → relu\""));
  g_assert_nonnull (
      strstr (hist_text, "\"kind\": \"features\", \"change\": \"features x₁, x₂ → x₁, x₂, x₁x₂\""));
  /* The network view draws the run's trained weights with the three inputs. */
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  wait_until (network_shows_run_x1x2, win, 30);
  g_assert_cmpint (ft_network_view_get_maps (nv)->columns[0].units, ==, 3);
  spin (0.6);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  g_autofree char *features_png = g_build_filename (tmpdir, "window-live-features.png", NULL);
  GError *shot_error = NULL;
  const gboolean features_saved = ft_window_save_screenshot (win, features_png, &shot_error);
  g_assert_no_error (shot_error); /* says why when it fails */
  g_assert_true (features_saved);
  g_assert_true (ft_window_show_view (win, "curves"));
  spin (0.3);
  /* The Curves view drawn at least once (under AddressSanitizer on a loaded machine 0.3 s was not always
   * enough: "the window has not been drawn yet"). */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  g_autofree char *live_png = g_build_filename (tmpdir, "window-live.png", NULL);
  GError *error = NULL;
  const gboolean saved = ft_window_save_screenshot (win, live_png, &error);
  g_assert_no_error (error);
  g_assert_true (saved);
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

/* ---- the classroom ---- */

static GtkWidget *
find_typed_named (GtkWidget *root, GType type, const char *name)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_typed_named (c, type, name);
      if (found)
        return found;
    }
  return NULL;
}

typedef struct
{
  GApplication *app;
  char *title;
  FtRunMode mode;
  int plotted;
} StartSeen;

static gboolean
inspect_started (gpointer data)
{
  StartSeen *seen = data;
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (seen->app));
  if (w == NULL || !FT_IS_WINDOW (w))
    return G_SOURCE_CONTINUE;
  FtWindow *win = FT_WINDOW (w);
  const FtExperiment *exp = ft_window_get_experiment (win);
  seen->title = g_strdup (exp->title);
  seen->mode = ft_window_get_mode (win);
  gtk_window_destroy (w);
  return G_SOURCE_REMOVE;
}

/* Started without a file, the application opens lesson 1, ready in Compare mode. */
static void
test_starts_with_lesson_1 (void)
{
  FtApplication *app = ft_application_new ();
  StartSeen seen = { G_APPLICATION (app), NULL, FT_MODE_FIT, 0 };
  guint source = g_timeout_add (200, inspect_started, &seen);
  char *argv[] = { (char *) "fittape", NULL };
  int status = g_application_run (G_APPLICATION (app), 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (seen.title);
  g_assert_true (g_str_has_prefix (seen.title, "Lesson 1"));
  g_assert_cmpint (seen.mode, ==, FT_MODE_BOTH);
  g_free (seen.title);
  (void) source;
  g_object_unref (app);
}

/* The code the view should show for the window's experiment now (g_free). */
static char *
expected_code (FtWindow *win, FtRunMode mode)
{
  FtCodeMap map;
  return ft_codegen_python (ft_window_get_experiment (win), mode, &map);
}

/* Dragging a slider: a burst of edits regenerates the code a bounded number of times — not at all while
 * the Code view is hidden (once when it is shown), at most once per 100 ms while it is shown — and the
 * code shown in the end is the last edit's, with no reader flushing it. */
static void
test_code_coalesced (void)
{
  FtWindow *win = window_new (2);
  ft_window_set_mode (win, FT_MODE_BOTH);
  FtCodeView *code = FT_CODE_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CODE_VIEW));
  GtkWidget *compile = find_type (GTK_WIDGET (win), FT_TYPE_COMPILE_PANEL);
  FtExperiment *exp = ft_window_get_experiment (win);
  g_assert_true (ft_window_show_view (win, "network"));
  spin (0.2);
  ft_code_view_flush (code);
  int n0 = ft_code_view_get_n_regenerations (code);
  for (int i = 1; i <= 200; i++)
    {
      exp->compile.optimizer.learning_rate = 0.0005f * i;
      g_signal_emit_by_name (compile, "changed");
    }
  g_assert_cmpint (ft_code_view_get_n_regenerations (code), ==, n0); /* hidden: only remembered */
  g_assert_true (ft_window_show_view (win, "code"));
  spin (0.2);
  g_assert_cmpint (ft_code_view_get_n_regenerations (code), ==, n0 + 1); /* shown: once */
  char *want = expected_code (win, FT_MODE_FIT);
  g_assert_nonnull (strstr (want, "learning_rate=0.1"));
  g_assert_cmpstr (ft_code_view_get_code (code, false), ==, want);
  g_free (want);
  /* Shown: 200 edits 5 ms apart. */
  int n1 = ft_code_view_get_n_regenerations (code);
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 1; i <= 200; i++)
    {
      exp->compile.optimizer.learning_rate = 0.001f * i;
      g_signal_emit_by_name (compile, "changed");
      spin (0.005);
    }
  double elapsed = (g_get_monotonic_time () - t0) / 1e6;
  spin (0.3); /* the last one's turn comes by itself */
  int n = ft_code_view_get_n_regenerations (code) - n1;
  g_test_message ("200 edits in %.2f s: %d regenerations", elapsed, n);
  g_assert_cmpint (n, >=, 1);
  g_assert_cmpint (n, <=, (int) (elapsed / 0.1) + 2);
  g_assert_cmpint (n, <, 200);
  int settled = ft_code_view_get_n_regenerations (code);
  want = expected_code (win, FT_MODE_TAPE);
  g_assert_nonnull (strstr (want, "learning_rate=0.2"));
  g_assert_cmpstr (ft_code_view_get_code (code, true), ==, want); /* the last edit, already shown */
  g_assert_cmpint (ft_code_view_get_n_regenerations (code), ==, settled);
  g_free (want);
  window_free (win);
}

static gboolean
has_shuffle (FtWindow *win)
{
  FtCodeView *code = FT_CODE_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CODE_VIEW));
  const char *tape = ft_code_view_get_code (code, true);
  return tape != NULL && strstr (tape, ".shuffle(") != NULL;
}

/* Every change of the loop's steps regenerates both programs: the tape program loses its .shuffle( line
 * when "Shuffles every epoch" is unticked (a struck-through ghost stands there, flashed) and regains it
 * when ticked — from the checklist and from the Training page's switch. */
static void
test_code_follows_checklist (void)
{
  FtWindow *win = window_new (2);
  ft_window_set_mode (win, FT_MODE_BOTH);
  FtCodeView *code = FT_CODE_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CODE_VIEW));
  g_assert_true (ft_window_show_view (win, "code"));
  spin (0.2);
  g_assert_true (has_shuffle (win));
  g_assert_nonnull (strstr (ft_code_view_get_code (code, false), "shuffle=True"));
  g_assert_cmpint (ft_code_view_get_n_ghost_lines (code), ==, 0);
  /* The checklist, reachable from the Code view. */
  GtkWidget *check = find_typed_named (GTK_WIDGET (win), GTK_TYPE_CHECK_BUTTON, "shuffle");
  g_assert_nonnull (check);
  g_assert_true (gtk_widget_is_drawable (check));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), FALSE);
  g_assert_false (has_shuffle (win));
  g_assert_false (ft_window_get_experiment (win)->steps.shuffle);
  g_assert_cmpint (ft_code_view_get_n_ghost_lines (code), >, 0);
  char *shown = ft_code_view_get_shown_text (code, true);
  g_assert_nonnull (strstr (shown, ".shuffle(")); /* as the ghost */
  g_free (shown);
  g_assert_cmpint (ft_code_view_get_flashed_line (code, true), >, 0);
  wait_until (idle, win, 60);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (has_shuffle (win));
  g_assert_cmpint (ft_code_view_get_n_ghost_lines (code), ==, 0);
  wait_until (idle, win, 60);
  /* The Training page's switch. */
  GtkWidget *panel = find_type (GTK_WIDGET (win), g_type_from_name ("FtTrainingPanel"));
  GtkWidget *sw = find_typed_named (panel, GTK_TYPE_SWITCH, "shuffle");
  g_assert_nonnull (sw);
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  spin (0.05);
  g_assert_false (has_shuffle (win));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check))); /* the checklist follows too */
  gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
  spin (0.05);
  g_assert_true (has_shuffle (win));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  window_free (win);
}

/* Three re-runs of a comparison leave two runs in the charts (the latest pair, named by role), six in the
 * runs list; Reset clears the charts. */
static void
test_reruns_replace_pair (void)
{
  FtWindow *win = window_new (2);
  ft_window_set_mode (win, FT_MODE_BOTH);
  for (int i = 0; i < 3; i++)
    {
      ft_window_train (win);
      wait_until (idle, win, 60);
    }
  g_assert_cmpuint (ft_window_get_n_runs (win), ==, 6);
  g_assert_cmpint (ft_window_get_n_plotted_runs (win), ==, 2);
  g_assert_cmpstr (ft_window_get_run_name (win, 4), ==, "Run 5 · fit");
  g_assert_cmpstr (ft_window_get_run_name (win, 5), ==, "Run 6 · tape");
  /* The altered tape loop is named by what is off. */
  GtkWidget *check = find_typed_named (GTK_WIDGET (win), GTK_TYPE_CHECK_BUTTON, "shuffle");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), FALSE);
  wait_until (training, win, 30);
  wait_until (idle, win, 60);
  g_assert_cmpuint (ft_window_get_n_runs (win), ==, 8);
  g_assert_cmpint (ft_window_get_n_plotted_runs (win), ==, 2);
  g_assert_nonnull (strstr (ft_window_get_run_name (win, 7), "tape − shuffle"));
  ft_window_reset (win);
  g_assert_cmpint (ft_window_get_n_plotted_runs (win), ==, 0);
  window_free (win);
}

/* Widgets shown on screen whose allocation leaves the window (outside scrolled content). Popovers and
 * tooltips are surfaces of their own (GtkNative), placed by the compositor, not in the window's layout. */
static int
count_overflow (GtkWidget *root, GtkWidget *w, int width, int height)
{
  int n = 0;
  if (!gtk_widget_get_mapped (w) || (w != root && GTK_IS_NATIVE (w)))
    return 0;
  graphene_rect_t b;
  if (w != root && gtk_widget_compute_bounds (w, root, &b))
    {
      if (b.origin.x < -1 || b.origin.y < -1 || b.origin.x + b.size.width > width + 1
          || b.origin.y + b.size.height > height + 1)
        {
          g_test_message ("overflow: %s %s at %.0f,%.0f %.0f×%.0f", G_OBJECT_TYPE_NAME (w),
                          gtk_widget_get_name (w), b.origin.x, b.origin.y, b.size.width, b.size.height);
          n++;
        }
    }
  if (GTK_IS_SCROLLED_WINDOW (w) || GTK_IS_VIEWPORT (w) || GTK_IS_TEXT_VIEW (w))
    return n; /* scrolled content may lie outside: that is what scrolling is for */
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    n += count_overflow (root, c, width, height);
  return n;
}

static double
font_px (GtkWidget *w)
{
  PangoContext *ctx = gtk_widget_get_pango_context (w);
  const PangoFontDescription *fd = pango_context_get_font_description (ctx);
  double size = pango_font_description_get_size (fd) / (double) PANGO_SCALE;
  return pango_font_description_get_size_is_absolute (fd) ? size : size * 96.0 / 72.0;
}

static GtkWidget *
first_label (GtkWidget *root)
{
  return find_type (root, GTK_TYPE_LABEL);
}

static gboolean
sized (FtWindow *win)
{
  int *want = g_object_get_data (G_OBJECT (win), "ft-want");
  GtkWidget *loss = ft_window_get_plot_view (win, FALSE);
  FtPlotGeometry g;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
  return surface != NULL && gdk_surface_get_width (surface) == want[0]
         && gdk_surface_get_height (surface) == want[1]
         && ft_plot_view_get_geometry (FT_PLOT_VIEW (loss), &g);
}

/* The layout at the three projector sizes, on a desk (normal) and on a projector (presentation mode):
 * the window keeps the size (its minimum never exceeds it), nothing on screen leaves it, both charts get
 * the same share, and in presentation mode the charts take at least 60 % of the window, the log and runs
 * list and side panel are out of the way, and text is at least as large as the title bar's. */
static void
test_sizes (void)
{
  static const int sizes[3][2] = { { 1024, 768 }, { 1280, 720 }, { 1920, 1080 } };
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  char *lesson = g_build_filename (src, "data", "lesson-1-fit-is-the-loop.json", NULL);
  for (int s = 0; s < 3; s++)
    for (int presentation = 0; presentation < 2; presentation++)
      {
        int W = sizes[s][0], H = sizes[s][1];
        FtWindow *win = ft_window_new (NULL);
        int want[2] = { W, H };
        g_object_set_data (G_OBJECT (win), "ft-want", want);
        gtk_window_set_default_size (GTK_WINDOW (win), W, H);
        GError *error = NULL;
        gboolean opened = ft_window_open_experiment (win, lesson, &error);
        g_assert_no_error (error);
        g_assert_true (opened);
        if (presentation)
          ft_window_set_presentation (win, TRUE);
        /* Lesson 1 is in Compare mode: the verdict bar stands above the charts and takes its room. */
        GtkWidget *slot = ft_widget_find_named (GTK_WIDGET (win), "verdict-slot");
        g_assert_nonnull (slot);
        g_assert_true (gtk_widget_get_visible (ft_window_get_verdict_bar (win)));
        gtk_window_present (GTK_WINDOW (win));
        /* Some data on the charts: their legends and axes take their room. */
        FtExperiment *exp = ft_window_get_experiment (win);
        exp->fit.epochs = 2;
        ft_window_train (win);
        wait_until (idle, win, 60);
        wait_until (sized, win, 10);
        spin (0.3);
        GtkWidget *w = GTK_WIDGET (win);
        /* The window's surface is the size asked for; its widget is that less the decorations' edges. */
        GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
        g_assert_cmpint (gdk_surface_get_width (surface), ==, W);
        g_assert_cmpint (gdk_surface_get_height (surface), ==, H);
        W = gtk_widget_get_width (w);
        H = gtk_widget_get_height (w);
        g_assert_cmpint (W, >=, sizes[s][0] - 12);
        g_assert_cmpint (H, >=, sizes[s][1] - 12);
        int min_w, min_h;
        gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
        gtk_widget_measure (w, GTK_ORIENTATION_VERTICAL, W, &min_h, NULL, NULL, NULL);
        GtkWidget *loss = ft_window_get_plot_view (win, FALSE), *acc = ft_window_get_plot_view (win, TRUE);
        FtPlotGeometry gl, ga;
        g_assert_true (ft_plot_view_get_geometry (FT_PLOT_VIEW (loss), &gl));
        g_assert_true (ft_plot_view_get_geometry (FT_PLOT_VIEW (acc), &ga));
        double charts = (double) gtk_widget_get_width (loss) * gtk_widget_get_height (loss)
                        + (double) gtk_widget_get_width (acc) * gtk_widget_get_height (acc);
        double share = charts / ((double) W * H);
        g_test_message ("%d×%d %s: minimum %d×%d; charts %d×%d + %d×%d = %.0f %% of the window; plot areas "
                        "%.0f×%.0f and %.0f×%.0f",
                        W, H, presentation ? "presentation" : "normal", min_w, min_h,
                        gtk_widget_get_width (loss), gtk_widget_get_height (loss), gtk_widget_get_width (acc),
                        gtk_widget_get_height (acc), 100 * share, gl.plot_width, gl.plot_height,
                        ga.plot_width, ga.plot_height);
        if (g_test_verbose ())
          {
            char *png = g_strdup_printf ("%s/window-%dx%d-%s.png", tmpdir, W, H,
                                         presentation ? "presentation" : "normal");
            ft_window_save_screenshot (win, png, NULL);
            g_printerr ("# %s\n", png);
            g_free (png);
          }
        g_assert_cmpint (min_w, <=, W);
        g_assert_cmpint (min_h, <=, H);
        g_assert_cmpint (count_overflow (w, w, W, H), ==, 0);
        /* Each chart its share: the same size, and a plot area a class can read. */
        g_assert_cmpint (ABS (gtk_widget_get_width (loss) - gtk_widget_get_width (acc)), <=, 2);
        g_assert_cmpfloat (gl.plot_width, >=, (presentation ? 0.30 : 0.17) * W);
        g_assert_cmpfloat (ga.plot_width, >=, (presentation ? 0.30 : 0.17) * W);
        g_assert_cmpfloat (gl.plot_height, >=, (presentation ? 0.38 : 0.30) * H);
        g_assert_cmpfloat (ga.plot_height, >=, (presentation ? 0.38 : 0.30) * H);
        if (presentation)
          {
            g_assert_cmpfloat (share, >=, 0.60);
            /* Out of the way, one click from coming back. */
            GtkWidget *log = find_type (w, GTK_TYPE_TEXT_VIEW);
            g_assert_false (gtk_widget_is_drawable (log));
            g_assert_false (adw_flap_get_reveal_flap (ADW_FLAP (find_type (w, ADW_TYPE_FLAP))));
            GtkWidget *runs = find_type (w, GTK_TYPE_LIST_BOX);
            (void) runs;
            /* Text at least the title bar's size: the lesson title and the checklist against a header button.
             */
            GtkWidget *header = find_type (w, ADW_TYPE_HEADER_BAR);
            double title_px = font_px (first_label (header));
            GtkWidget *check = find_typed_named (w, GTK_TYPE_CHECK_BUTTON, "shuffle");
            g_assert_true (gtk_widget_is_drawable (check));
            g_assert_cmpfloat (font_px (first_label (check)), >=, title_px - 0.5);
            g_assert_cmpfloat (font_px (ft_window_get_plot_view (win, FALSE)), >=, title_px - 0.5);
          }
        window_free (win);
      }
  g_free (lesson);
  /* Every mode button shown (lesson 1 hides two) and every view: on a 1024-pixel projector the window
   * still fits, whichever view is up. */
  char *spiral = g_build_filename (src, "data", "spiral.json", NULL);
  FtWindow *win = ft_window_new (NULL);
  GError *error = NULL;
  gboolean opened = ft_window_open_experiment (win, spiral, &error);
  g_assert_no_error (error);
  g_assert_true (opened);
  ft_window_set_presentation (win, TRUE);
  gtk_window_set_default_size (GTK_WINDOW (win), 1024, 768);
  gtk_window_present (GTK_WINDOW (win));
  spin (0.3);
  /* The views' stack is as wide as its widest page (GtkStack is homogeneous), so one measure covers them
   * all without switching views mid-frame (a crossfade caught half-allocated makes GTK warn). */
  GtkStack *views = GTK_STACK (find_id (GTK_WIDGET (win), "view_stack"));
  g_assert_true (gtk_stack_get_hhomogeneous (views));
  int min_w = 0;
  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  g_test_message ("1024×768 presentation, every mode button and view: minimum width %d", min_w);
  g_assert_cmpint (min_w, <=, 1024 - 12);
  window_free (win);
  g_free (spiral);
}

static gboolean
confusion_ready (FtWindow *win)
{
  FtConfusionView *cv = FT_CONFUSION_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CONFUSION_VIEW));
  return !ft_confusion_view_is_busy (cv) && ft_confusion_view_get_matrix (cv, NULL) != NULL;
}

/* After Evaluate, the "Where it is wrong" view's confusion matrix has a count in every cell. */
static void
test_confusion_counts (void)
{
  FtWindow *win = window_new (2);
  ft_window_set_mode (win, FT_MODE_FIT);
  ft_window_train (win);
  wait_until (idle, win, 60);
  g_assert_true (ft_window_show_view (win, "errors"));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.evaluate", NULL);
  wait_until (confusion_ready, win, 60);
  FtConfusionView *cv = FT_CONFUSION_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_CONFUSION_VIEW));
  gtk_widget_queue_draw (GTK_WIDGET (cv));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (cv));
  int k = 0;
  const int *m = ft_confusion_view_get_matrix (cv, &k);
  g_assert_cmpint (k, ==, 2);
  g_assert_cmpint (m[0] + m[1] + m[2] + m[3], ==, 100); /* the test set */
  g_assert_true (ft_confusion_view_get_counts_shown (cv));
  window_free (win);
}

/* fittape --screenshot: a picture after the epochs and exit 0; when the file cannot be written, a message
 * and a non-zero exit. */
static void
test_screenshot_exit_status (void)
{
  const char *app = g_getenv ("FITTAPE_APP");
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  g_assert_nonnull (app);
  char *lesson = g_build_filename (src, "data", "lesson-1-fit-is-the-loop.json", NULL);
  char *good = g_build_filename (tmpdir, "cli-shot.png", NULL);
  char *bad = g_build_filename (tmpdir, "no-such-dir", "shot.png", NULL);
  for (int i = 0; i < 2; i++)
    {
      const char *argv[] = { app, lesson, "--screenshot", i == 0 ? good : bad, "--after-epochs", "2", NULL };
      FtTestRun run;
      ft_test_run (&run, argv);
      if (i == 0)
        {
          ft_test_run_assert_exit (&run, 0);
          g_assert_true (g_file_test (good, G_FILE_TEST_IS_REGULAR));
          g_assert_nonnull (strstr (run.out, "screenshot: "));
        }
      else
        {
          if (run.signal != 0 || run.exit_status == 0)
            ft_test_run_fail (&run, __FILE__, __LINE__, G_STRFUNC,
                              "the app should exit with an error status when it cannot write the screenshot");
          g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
          g_assert_nonnull (strstr (run.err, "no screenshot"));
        }
      ft_test_run_clear (&run);
    }
  g_free (lesson);
  g_free (good);
  g_free (bad);
}

/* --screenshot at 1024 × 768 after lesson 1's 60 epochs: a throttled chart redraw that had nothing new to
 * draw (the epoch end had brought the charts up to date) left the screenshot waiting for a frame nobody
 * asked for, and the app gave up after 30 s (seen 6 times in 6 with the app under Xvfb at this size). */
static const char *small_shot_png;
static FtWindow *small_shot_window; /* weak: the window closes itself once the screenshot is saved */

static gboolean
small_shot_done (FtWindow *win)
{
  (void) win;
  return small_shot_window == NULL && g_file_test (small_shot_png, G_FILE_TEST_IS_REGULAR);
}

static void
test_screenshot_small_window (void)
{
  char *lesson = g_build_filename (g_getenv ("FITTAPE_SOURCE_DIR"), "data", "lesson-1-fit-is-the-loop.json",
                                   NULL);
  char *png = g_build_filename (tmpdir, "small-shot.png", NULL);
  small_shot_png = png;
  for (int round = 0; round < 3; round++)
    {
      g_remove (png);
      FtWindow *win = ft_window_new (NULL);
      gtk_window_set_default_size (GTK_WINDOW (win), 1024, 768);
      gtk_window_present (GTK_WINDOW (win));
      GError *error = NULL;
      FtExperiment *exp = ft_experiment_load (lesson, &error);
      g_assert_no_error (error);
      ft_window_set_experiment (win, exp);
      ft_experiment_free (exp);
      ft_window_screenshot_after_epochs (win, png, 60);
      small_shot_window = win;
      g_object_add_weak_pointer (G_OBJECT (win), (gpointer *) &small_shot_window);
      ft_window_train (win);
      wait_until (small_shot_done, NULL, 25); /* the app's own limit is 30 s */
      spin (0.05);
    }
  g_free (png);
  g_free (lesson);
}

/* --screenshot waits for the views that compute off the main loop: lesson 6's Network view after 2 epochs
 * showed the prediction of an earlier epoch (a band) beside the verdict at epoch 2 (the model draws a disc
 * by then), because the picture was taken on the first frame after the pause, while the view was still
 * computing the epoch's maps. At the picture (the window closes itself right after it), no view computes
 * and the network's maps are of the weights fit() has after those epochs. */
typedef struct
{
  bool destroyed, network_busy, other_busy, maps_at_epoch;
  float *expected; /* fit()'s weights after the screenshot's epochs */
  size_t n_expected;
  FtNetworkView *network; /* held: the window's dispose has unparented them when "destroy" is emitted */
  FtDecisionView *decision;
} SettledShot;

static void
on_settled_shot_destroy (GtkWidget *win, SettledShot *s)
{
  (void) win;
  const FtNeuronMaps *maps = ft_network_view_get_maps (s->network);
  s->network_busy = ft_network_view_is_busy (s->network);
  s->other_busy = ft_decision_view_is_busy (s->decision);
  s->maps_at_epoch = maps != NULL && maps->n_weights == s->n_expected
                     && memcmp (maps->weights, s->expected, s->n_expected * sizeof (float)) == 0;
  s->destroyed = true;
}

static void
on_reference_event (const FtRunEvent *ev, void *data)
{
  if (ev->kind == FT_RUN_EVENT_FINISHED || ev->kind == FT_RUN_EVENT_STOPPED
      || ev->kind == FT_RUN_EVENT_FAILED)
    *(int *) data = ev->kind;
}

/* The weights fit() reaches after epochs epochs of exp, trained here apart from any window (g_free). */
static float *
fit_weights_after (const FtExperiment *exp, int epochs, size_t *n)
{
  GError *error = NULL;
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (exp, &train, &test, &error));
  g_assert_no_error (error);
  FtRun *run = ft_run_new (exp, train, false, NULL, &error);
  g_assert_no_error (error);
  int end = -1;
  ft_run_make_runner (run, epochs, NULL, NULL, on_reference_event, &end);
  ft_runner_start (ft_run_runner (run));
  while (end < 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (end, ==, FT_RUN_EVENT_FINISHED);
  FtModel *m = ft_trainer_model (ft_run_trainer (run));
  *n = ft_model_n_params (m);
  float *w = g_new (float, *n);
  ft_model_get_weights (m, w);
  ft_run_free (run);
  ft_dataset_free (train);
  ft_dataset_free (test);
  return w;
}

static SettledShot *settled_shot;

static gboolean
settled_shot_done (FtWindow *win)
{
  (void) win; /* gone by then */
  return settled_shot->destroyed;
}

static void
test_screenshot_views_settled (void)
{
  char *lesson = g_build_filename (g_getenv ("FITTAPE_SOURCE_DIR"), "data",
                                   "lesson-6-what-hidden-neurons-learn.json", NULL);
  char *png = g_build_filename (tmpdir, "settled-shot.png", NULL);
  for (int round = 0; round < 3; round++)
    {
      FtWindow *win = ft_window_new (NULL);
      gtk_window_set_default_size (GTK_WINDOW (win), 1024, 768);
      ft_window_set_presentation (win, round > 0); /* the app showed the stale picture in presentation mode */
      gtk_window_present (GTK_WINDOW (win));
      GError *error = NULL;
      FtExperiment *exp = ft_experiment_load (lesson, &error);
      g_assert_no_error (error);
      SettledShot s = { 0 };
      s.expected = fit_weights_after (exp, 2, &s.n_expected);
      ft_window_set_experiment (win, exp);
      ft_experiment_free (exp);
      g_assert_true (ft_window_show_view (win, "network"));
      s.network = g_object_ref (FT_NETWORK_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_NETWORK_VIEW)));
      s.decision = g_object_ref (FT_DECISION_VIEW (find_type (GTK_WIDGET (win), FT_TYPE_DECISION_VIEW)));
      g_signal_connect (win, "destroy", G_CALLBACK (on_settled_shot_destroy), &s);
      ft_window_screenshot_after_epochs (win, png, 2);
      ft_window_train (win);
      settled_shot = &s;
      wait_until (settled_shot_done, NULL, 25);
      g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
      g_assert_false (s.network_busy);
      g_assert_false (s.other_busy);
      g_assert_true (s.maps_at_epoch);
      g_object_unref (s.network);
      g_object_unref (s.decision);
      g_free (s.expected);
      g_remove (png);
      spin (0.05);
    }
  g_free (png);
  g_free (lesson);
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
      g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (win), "ft-certify-probe")), ==,
                       cases[i].expected);
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

static GtkWidget *
find_check (GtkWidget *root, const char *label)
{
  if (GTK_IS_CHECK_BUTTON (root)
      && g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_check (c, label);
      if (found)
        return found;
    }
  return NULL;
}

static gboolean
verdict_parted (FtWindow *win)
{
  return ft_window_get_n_runs (win) == 4
         && ft_verdict_bar_get_parted (FT_VERDICT_BAR (ft_window_get_verdict_bar (win)), NULL, NULL);
}

/* Lesson 1 in Compare mode: after training, the verdict above the charts reads identical with the counts;
 * unticking "Shuffles every epoch" re-runs both and the verdict names the step and the cause. */
static void
test_verdict (void)
{
  FtWindow *win = window_new (2);
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  char *lesson = g_build_filename (src, "data", "lesson-1-fit-is-the-loop.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson, NULL));
  g_assert_cmpint (ft_window_get_mode (win), ==, FT_MODE_BOTH);
  GtkWidget *bar = ft_window_get_verdict_bar (win);
  g_assert_nonnull (bar);
  spin (0.1);
  g_assert_true (gtk_widget_get_mapped (bar));
  ft_window_train (win);
  wait_until (idle, win, 120);
  const char *text = ft_verdict_bar_get_text (FT_VERDICT_BAR (bar));
  g_test_message ("verdict: %s", text);
  g_assert_cmpstr (
      text, ==,
      "fit() and the tape loop: identical — 60 epochs, 2,400 steps, every weight the same bit for bit");
  g_assert_false (ft_verdict_bar_get_parted (FT_VERDICT_BAR (bar), NULL, NULL));
  g_assert_true (gtk_widget_has_css_class (bar, "identical"));
  /* The charts sit below it. */
  graphene_point_t p = { 0, 0 }, q = { 0, 0 };
  g_assert_true (gtk_widget_compute_point (bar, GTK_WIDGET (win), &p, &p));
  g_assert_true (gtk_widget_compute_point (ft_window_get_plot_view (win, FALSE), GTK_WIDGET (win), &q, &q));
  g_assert_cmpfloat (p.y, <, q.y);

  GtkWidget *shuffle = find_check (GTK_WIDGET (win), "Shuffles every epoch");
  g_assert_nonnull (shuffle);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (shuffle)));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (shuffle), FALSE);
  /* The verdict follows the re-run as it trains: no need to wait for its end (slow under sanitizers). */
  wait_until (verdict_parted, win, 120);
  text = ft_verdict_bar_get_text (FT_VERDICT_BAR (bar));
  g_test_message ("verdict: %s", text);
  g_assert_cmpstr (text, ==, "parted at epoch 1, step 1: the tape loop does not shuffle");
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (bar), "first in the shuffle generator"));
  int epoch = -1, batch = -1;
  g_assert_true (ft_verdict_bar_get_parted (FT_VERDICT_BAR (bar), &epoch, &batch));
  g_assert_cmpint (epoch, ==, 0);
  g_assert_cmpint (batch, ==, 0);
  g_assert_true (gtk_widget_has_css_class (bar, "parted"));
  /* Outside Compare mode there is no verdict. */
  ft_window_set_mode (win, FT_MODE_FIT);
  g_assert_false (gtk_widget_get_visible (bar));
  g_free (lesson);
  window_free (win);
}

/* Lesson 3 trains with EarlyStopping: after training the loss chart has an EarlyStopping lane under the
 * curves whose stop sits at the last epoch the fit run's history shows, hit-tested where it is drawn. */
static void
test_callback_lanes (void)
{
  FtWindow *win = window_new (2);
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  char *lesson = g_build_filename (src, "data", "lesson-3-early-stopping-by-hand.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson, NULL));
  ft_window_train (win);
  wait_until (idle, win, 120);
  char *csv = ft_window_get_run_history_csv (win, 0);
  g_auto (GStrv) rows = g_strsplit (g_strstrip (csv), "\n", -1);
  int epochs = (int) g_strv_length (rows) - 1; /* a header, then one row per epoch */
  g_free (csv);
  g_assert_cmpint (epochs, >=, 4);
  g_assert_cmpint (epochs, <, 200); /* it stopped early */
  FtPlotView *view = FT_PLOT_VIEW (ft_window_get_plot_view (win, FALSE));
  FtPlotModel *model = ft_plot_view_get_model (view);
  int run = ft_plot_model_get_lanes_run (model);
  g_assert_cmpint (run, ==, ft_plot_model_get_run_id (model, 0)); /* the fit run */
  g_assert_cmpint (ft_plot_model_get_n_lanes (model, run), ==, 1);
  g_assert_cmpstr (ft_plot_model_get_lane_name (model, run, 0), ==, "EarlyStopping");
  int n, stop = -1, restore = -1, best = -1;
  const FtPlotLaneEvent *ev = ft_plot_model_get_lane_events (model, run, &n);
  for (int i = 0; i < n; i++)
    {
      if (ev[i].mark == FT_PLOT_LANE_STOP)
        stop = i;
      else if (ev[i].mark == FT_PLOT_LANE_RESTORE)
        restore = i;
      else if (ev[i].mark == FT_PLOT_LANE_BEST)
        best = i;
    }
  g_assert_cmpint (stop, >=, 0);
  g_assert_cmpint (ev[stop].epoch + 1, ==, epochs);
  g_assert_nonnull (strstr (ev[stop].text, "stopped"));
  g_assert_cmpint (ev[stop].patience, ==, 3);
  g_assert_cmpint (restore, >=, 0); /* restore_best_weights */
  g_assert_cmpint (best, >=, 0);
  g_assert_cmpint (ev[restore].epoch, ==, epochs - 1 - 3); /* patience 3 after the best */
  /* Drawn: the lane is laid out, and the stop is where a pointer finds it. */
  ft_plot_view_changed (view);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
  spin (0.2);
  FtPlotGeometry g;
  g_assert_true (ft_plot_view_get_geometry (view, &g));
  g_assert_cmpint (g.n_lanes, ==, 1);
  double sx = ft_plot_geometry_x_to_pixel (&g, ft_plot_model_lane_x (model, run, g.x_axis, ev[stop].epoch));
  int lane, event;
  g_assert_true (ft_plot_lanes_hit (model, &g, sx, g.lanes_y + g.lane_height / 2, 6, &lane, &event));
  g_assert_cmpint (ev[event].epoch, ==, ev[stop].epoch);
  g_assert_true (ft_plot_view_hover_at (view, sx, g.lanes_y + g.lane_height / 2));
  double hx;
  g_assert_true (ft_plot_view_get_hover_x (view, &hx));
  g_assert_cmpfloat (fabs (ft_plot_geometry_x_to_pixel (&g, hx) - sx), <, 0.5);
  g_free (lesson);
  window_free (win);
}

/* The ledger behind every number: lesson 5 in Compare mode (its tape loop averages batch means without
 * weights). A click on the fit run's loss point of epoch 3, where the chart draws it, opens the ledger
 * with both runs side by side; each column's value is the run's logged value (from the engine's epoch-end
 * logs in the plot model, not from pixels), fit's weighted formula ends in it, the tape column shows the
 * rule its loop used ending in its own logged value; the full pass arrives. The action opens val_loss with
 * the validation batches. */
static gboolean
ledger_pass_done (FtWindow *win)
{
  GtkWidget *v = ft_window_get_ledger_view (win);
  const char *t = v ? ft_ledger_view_get_text (FT_LEDGER_VIEW (v), 0, "full-pass") : NULL;
  return t != NULL && strstr (t, "…") == NULL;
}

static double
logged_value (FtPlotModel *model, int run, int epoch, const char *key)
{
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (model, run);
  g_assert_cmpint (ft_plot_model_get_n_epochs (model, run), >, epoch);
  g_assert_cmpint (e[epoch].epoch, ==, epoch);
  double v;
  g_assert_true (ft_logs_get (&e[epoch].logs, key, &v));
  return v;
}

static void
test_ledger (void)
{
  FtWindow *win = window_new (2);
  const char *src = g_getenv ("FITTAPE_SOURCE_DIR");
  char *lesson = g_build_filename (src, "data", "lesson-5-last-batch-counts-less.json", NULL);
  g_assert_true (ft_window_open_experiment (win, lesson, NULL));
  g_assert_cmpint (ft_window_get_mode (win), ==, FT_MODE_BOTH);
  ft_window_get_experiment (win)->fit.epochs = 6;
  ft_window_train (win);
  wait_until (idle, win, 120);
  g_assert_cmpint (ft_window_get_n_runs (win), ==, 2);
  int fit_run = ft_window_get_run_plot_id (win, 0), tape_run = ft_window_get_run_plot_id (win, 1);
  g_assert_cmpint (fit_run, >, 0);

  /* Click where the chart drew fit's epoch-3 loss. */
  FtPlotView *view = FT_PLOT_VIEW (ft_window_get_plot_view (win, FALSE));
  FtPlotModel *model = ft_plot_view_get_model (view);
  ft_plot_view_changed (view);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
  spin (0.2);
  FtPlotGeometry g;
  g_assert_true (ft_plot_view_get_geometry (view, &g));
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (model, fit_run);
  double fit_loss = logged_value (model, fit_run, 2, "loss");
  double tape_loss = logged_value (model, tape_run, 2, "loss");
  g_assert_cmpfloat (fit_loss, !=, tape_loss); /* the pitfall shows */
  double px = ft_plot_geometry_x_to_pixel (&g, ft_plot_epoch_x (&e[2], g.x_axis));
  double py = ft_plot_geometry_y_to_pixel (&g, fit_loss);
  g_assert_null (ft_window_get_ledger_view (win));
  g_assert_false (ft_plot_view_activate_at (view, g.plot_x + 1, g.plot_y + 1)); /* nothing there */
  g_assert_null (ft_window_get_ledger_view (win));
  g_assert_true (ft_plot_view_activate_at (view, px + 2, py - 1));
  GtkWidget *ledger = ft_window_get_ledger_view (win);
  g_assert_nonnull (ledger);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (ledger)) == GTK_WINDOW (win));
  FtLedgerView *lv = FT_LEDGER_VIEW (ledger);
  g_assert_cmpint (ft_ledger_view_get_n_columns (lv), ==, 2);
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "run"), "fit"));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 1, "run"), "tape"));
  char *want = g_strdup_printf ("loss = %.6g", fit_loss);
  g_assert_cmpstr (ft_ledger_view_get_text (lv, 0, "value"), ==, want);
  g_free (want);
  want = g_strdup_printf ("loss = %.6g", tape_loss);
  g_assert_cmpstr (ft_ledger_view_get_text (lv, 1, "value"), ==, want);
  g_free (want);
  /* fit: Σ nᵢ·vᵢ / Σ nᵢ over the 400 training samples (7 batches, the last of 16) ends in its logged value.
   */
  want = g_strdup_printf (") / 400 = %.6g", fit_loss);
  g_assert_true (g_str_has_suffix (ft_ledger_view_get_text (lv, 0, "formula"), want));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "formula"), "·16)"));
  g_assert_cmpstr (ft_ledger_view_get_text (lv, 0, "rule"), ==, "");
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "batches"), "7\t16\t"));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "penalty"), "No regularization"));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "last"), "16 samples"));
  /* tape: the correct formula gives fit's number (same batches, same weights: the pitfall only changes the
   * bookkeeping), and the loop's own rule ends in what it logged. */
  g_assert_true (g_str_has_suffix (ft_ledger_view_get_text (lv, 1, "formula"), want));
  g_free (want);
  char *rule = g_strdup_printf (") / 7 = %.6g — what it logged", tape_loss);
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 1, "rule"), rule));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 1, "run"), "tape"));
  g_free (rule);
  /* The full pass after the epoch, computed off the main loop. */
  wait_until (ledger_pass_done, win, 60);
  g_test_message ("%s", ft_ledger_view_get_text (lv, 0, "full-pass"));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "full-pass"), "over the 400 training samples"));
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 1, "full-pass"), "loss = "));

  /* The keyboard: Enter at the hover line over epoch 4 opens fit's epoch-4 loss. */
  ft_plot_view_set_hover_x (view, ft_plot_epoch_x (&e[3], g.x_axis));
  g_assert_true (ft_plot_view_activate_hover (view));
  lv = FT_LEDGER_VIEW (ft_window_get_ledger_view (win));
  want = g_strdup_printf ("loss = %.6g", logged_value (model, fit_run, 3, "loss"));
  g_assert_cmpstr (ft_ledger_view_get_text (lv, 0, "value"), ==, want);
  g_free (want);

  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (lv), "presentation"));

  /* The action, for a val_ point: the validation batches (100 samples: 64 + 36); in presentation mode the
   * dialog takes the projector's style too. */
  ft_window_set_presentation (win, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-ledger", "(iis)", fit_run, 4, "val_loss");
  spin (0.1);
  GtkWidget *ledger2 = ft_window_get_ledger_view (win);
  g_assert_nonnull (ledger2);
  lv = FT_LEDGER_VIEW (ledger2);
  g_assert_cmpint (ft_ledger_view_get_n_columns (lv), ==, 2);
  double val = logged_value (model, fit_run, 4, "val_loss");
  want = g_strdup_printf (") / 100 = %.6g", val);
  g_assert_true (g_str_has_suffix (ft_ledger_view_get_text (lv, 0, "formula"), want));
  g_free (want);
  g_assert_nonnull (strstr (ft_ledger_view_get_text (lv, 0, "batches"), "2\t36\t"));
  g_assert_cmpstr (ft_ledger_view_get_text (lv, 0, "full-pass"), ==, ""); /* none for a val_ value */
  g_assert_true (gtk_widget_has_css_class (ledger2, "presentation"));
  gtk_window_destroy (GTK_WINDOW (ledger2));
  spin (0.05);
  g_assert_null (ft_window_get_ledger_view (win));
  ft_window_set_presentation (win, FALSE);
  g_free (lesson);
  window_free (win);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application's style (presentation mode's larger text), as FtApplication loads it. */
  GtkCssProvider *css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/fittape/FitTape/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (css);
  tmpdir = g_dir_make_tmp ("fittape-window-XXXXXX", NULL);
  g_test_add_func ("/window/train-each-mode", test_train_each_mode);
  g_test_add_func ("/window/callback-lanes", test_callback_lanes);
  g_test_add_func ("/window/redraws-bounded", test_redraws_bounded);
  g_test_add_func ("/window/ledger", test_ledger);
  g_test_add_func ("/window/edit-network", test_edit_network);
  g_test_add_func ("/window/pause-step-stop", test_pause_step_stop);
  g_test_add_func ("/window/exports", test_exports);
  g_test_add_func ("/window/checkpoint-continue", test_checkpoint_continue);
  g_test_add_func ("/window/bad-files", test_bad_files);
  g_test_add_func ("/window/lesson-hides", test_lesson_hides);
  g_test_add_func ("/window/view-settings", test_view_settings);
  g_test_add_func ("/window/teaching-views", test_teaching_views);
  g_test_add_func ("/window/live-change", test_live_change);
  g_test_add_func ("/window/screenshot", test_screenshot);
  g_test_add_func ("/window/starts-with-lesson-1", test_starts_with_lesson_1);
  g_test_add_func ("/window/code-follows-checklist", test_code_follows_checklist);
  g_test_add_func ("/window/code-coalesced", test_code_coalesced);
  g_test_add_func ("/window/reruns-replace-pair", test_reruns_replace_pair);
  g_test_add_func ("/window/sizes", test_sizes);
  g_test_add_func ("/window/confusion-counts", test_confusion_counts);
  g_test_add_func ("/window/screenshot-exit-status", test_screenshot_exit_status);
  g_test_add_func ("/window/screenshot-small-window", test_screenshot_small_window);
  g_test_add_func ("/window/screenshot-views-settled", test_screenshot_views_settled);
  g_test_add_func ("/window/certify-probe", test_certify_probe);
  g_test_add_func ("/window/certify-run", test_certify_run);
  g_test_add_func ("/window/verdict", test_verdict);
  return g_test_run ();
}
