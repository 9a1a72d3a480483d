/* test-panels-a.c — the model editor and the dataset panel driven through their real widgets (under
 * Xvfb): building errors that name the layer, the summary after edits, "changed" emitted once per edit,
 * reordering, switching the dataset with the load off the main loop, live regeneration of Playground data,
 * a bad CSV file's error in the panel. Screenshots go to /tmp for a human to look at. */
#include "panels/ft-panels.h"
#include "panels/ft-widget-find.h"

#include "data/ft-dataset.h"
#include "experiment/ft-dataset-kinds.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* ---- helpers ---- */

static void
collect_named (GtkWidget *root, const char *name, GPtrArray *out)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_named (c, name, out);
}

/* The editor's layer rows, in order. */
static GPtrArray *
layer_rows (GtkWidget *editor)
{
  GPtrArray *rows = g_ptr_array_new ();
  collect_named (editor, "layer", rows);
  return rows;
}

static GtkWidget *
row_child (GtkWidget *editor, int i, const char *name)
{
  GPtrArray *rows = layer_rows (editor);
  g_assert_cmpint (i, <, (int) rows->len);
  GtkWidget *w = ft_widget_find_named (g_ptr_array_index (rows, i), name);
  g_ptr_array_unref (rows);
  g_assert_nonnull (w);
  return w;
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Runs the main loop until *flag is set or timeout_ms passes. */
static gboolean
wait_for_flag (const int *counter, int at_least, int timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (*counter < at_least && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  iterate ();
  return *counter >= at_least;
}

static void
count_signal (gpointer instance, int *counter)
{
  (*counter)++;
}

static GtkWidget *
window_with (GtkWidget *child, int width, int height)
{
  GtkWidget *win = gtk_window_new ();
  GtkWidget *header = adw_header_bar_new ();
  gtk_window_set_titlebar (GTK_WINDOW (win), header);
  gtk_window_set_title (GTK_WINDOW (win), "FitTape");
  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  /* As the window holds the panels: each in a vertical scroller. */
  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), child);
  gtk_window_set_child (GTK_WINDOW (win), scroller);
  gtk_window_present (GTK_WINDOW (win));
  gtk_test_widget_wait_for_draw (win);
  return win;
}

/* The ui.md recipe: widget → paintable → render node → texture → PNG. */
static void
screenshot (GtkWidget *widget, const char *path)
{
  iterate ();
  gtk_test_widget_wait_for_draw (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
}

/* Pixels of a widget, for structural checks (no golden images: fonts differ). */
static guchar *
widget_pixels (GtkWidget *widget, int *w, int *h)
{
  *w = gtk_widget_get_width (widget);
  *h = gtk_widget_get_height (widget);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, *w, *h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, *w, *h));
  guchar *data = g_malloc ((size_t) *w * (size_t) *h * 4);
  gdk_texture_download (texture, data, (size_t) *w * 4);
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  return data;
}

/* Counts pixels close to a colour (BGRA as gdk_texture_download gives them, premultiplied). */
static int
count_colour (const guchar *px, int w, int h, int r, int g, int b)
{
  int n = 0;
  for (int i = 0; i < w * h; i++)
    if (abs (px[4 * i + 2] - r) < 40 && abs (px[4 * i + 1] - g) < 40 && abs (px[4 * i] - b) < 40)
      n++;
  return n;
}

/* Runs the widget's own shortcut for key+mods (its class key bindings), as a key press would. */
static gboolean
press_binding (GtkWidget *widget, guint key, GdkModifierType mods)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  gboolean done = FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !done; i++)
    {
      GtkEventController *c = g_list_model_get_item (controllers, i);
      if (GTK_IS_SHORTCUT_CONTROLLER (c))
        for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)) && !done; j++)
          {
            GtkShortcut *sc = g_list_model_get_item (G_LIST_MODEL (c), j);
            GtkShortcutTrigger *want = gtk_keyval_trigger_new (key, mods);
            if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (sc), want))
              done = gtk_shortcut_action_activate (gtk_shortcut_get_action (sc), 0, widget,
                                                   gtk_shortcut_get_arguments (sc));
            g_object_unref (want);
            g_object_unref (sc);
          }
      g_object_unref (c);
    }
  g_object_unref (controllers);
  return done;
}

static const char *
label_text (GtkWidget *root, const char *name)
{
  GtkWidget *l = ft_widget_find_named (root, name);
  g_assert_nonnull (l);
  g_assert_true (GTK_IS_LABEL (l));
  return gtk_label_get_text (GTK_LABEL (l));
}

static FtExperiment *
spiral_experiment (void)
{
  FtExperiment *e = ft_experiment_new_default ();
  e->data.source = FT_DATA_PLAYGROUND;
  e->data.playground = FT_PLAYGROUND_SPIRAL;
  e->data.samples = 500;
  e->data.noise = 0.05f;
  e->input_ndim = 0;
  e->n_layers = 3;
  e->layers = g_renew (FtLayerSpec, e->layers, 3);
  for (int i = 0; i < 3; i++)
    {
      e->layers[i] = ft_layer_spec_default (FT_LAYER_DENSE);
      e->layers[i].units = i < 2 ? 16 : 2;
      e->layers[i].activation = i < 2 ? FT_ACT_TANH : FT_ACT_LINEAR;
    }
  e->fit.validation_split = 0.2;
  return e;
}

/* Destroys the window and checks that the panel goes with it (no reference left behind). */
static void
destroy_and_check (GtkWidget *win, GtkWidget *panel)
{
  g_object_add_weak_pointer (G_OBJECT (panel), (gpointer *) &panel);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
  g_assert_null (panel);
}

/* ---- model editor ---- */

static void
test_model_summary_default (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  GtkWidget *win = window_with (editor, 560, 1000);

  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), ==, "");
  const char *summary = label_text (editor, "summary");
  g_assert_nonnull (strstr (summary, "Total params: 101,770"));
  g_assert_nonnull (strstr (summary, "dense_1 (Dense)"));
  GtkWidget *label = ft_widget_find_named (editor, "summary");
  g_assert_true (gtk_widget_has_css_class (label, "monospace"));
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));

  GPtrArray *rows = layer_rows (editor);
  g_assert_cmpuint (rows->len, ==, 3);
  AdwPreferencesRow *r1 = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (adw_preferences_row_get_title (r1), ==, "Dense · 128 · relu");
  const char *sub = adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (r1));
  g_assert_nonnull (strstr (sub, "100,480"));
  g_assert_nonnull (strstr (sub, "(None, 128)"));
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 0)), ==, "Flatten");
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 2)), ==, "Dense · 10 · linear");
  /* First row cannot move up, last cannot move down. */
  g_assert_false (gtk_widget_get_sensitive (ft_widget_find_named (g_ptr_array_index (rows, 0), "move-up")));
  g_assert_false (gtk_widget_get_sensitive (ft_widget_find_named (g_ptr_array_index (rows, 2), "move-down")));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (r1), TRUE);
  g_ptr_array_unref (rows);

  screenshot (win, "/tmp/fittape-model-editor.png");
  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

static void
test_model_conv_error (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  int changed = 0;
  g_signal_connect (editor, "changed", G_CALLBACK (count_signal), &changed);
  GtkWidget *win = window_with (editor, 560, 1000);

  /* Add a Conv2D (the add menu's action) — it goes before the output layer … */
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Conv2D"));
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpint (exp->n_layers, ==, 4);
  g_assert_cmpint (exp->layers[2].kind, ==, FT_LAYER_CONV2D);
  g_assert_cmpint (exp->layers[2].kernel_size[0], ==, 3);
  g_assert_cmpint (exp->layers[3].kind, ==, FT_LAYER_DENSE);
  const char *error = ft_model_editor_get_error (FT_MODEL_EDITOR (editor));
  g_assert_nonnull (strstr (error, "layer 3 (conv2d)"));

  /* … then up, before Flatten, with the buttons. */
  for (int i = 2; i > 0; i--)
    click (row_child (editor, i, "move-up"));
  g_assert_cmpint (changed, ==, 3);
  g_assert_cmpint (exp->layers[0].kind, ==, FT_LAYER_CONV2D);
  g_assert_cmpint (exp->layers[1].kind, ==, FT_LAYER_FLATTEN);
  error = ft_model_editor_get_error (FT_MODEL_EDITOR (editor));
  g_test_message ("error: %s", error);
  g_assert_nonnull (strstr (error, "layer 1 (conv2d)"));
  g_assert_nonnull (strstr (error, "channel"));
  g_assert_cmpstr (label_text (editor, "error"), ==, error);
  g_assert_true (gtk_widget_is_visible (ft_widget_find_named (editor, "error")));

  GPtrArray *rows = layer_rows (editor);
  g_assert_true (gtk_widget_has_css_class (g_ptr_array_index (rows, 0), "error"));
  for (guint i = 1; i < rows->len; i++)
    g_assert_false (gtk_widget_has_css_class (g_ptr_array_index (rows, i), "error"));
  adw_expander_row_set_expanded (g_ptr_array_index (rows, 0), TRUE);
  g_ptr_array_unref (rows);
  screenshot (win, "/tmp/fittape-model-editor-error.png");

  /* Give the input the channel axis, as the message says: the network builds. */
  GtkWidget *input = ft_widget_find_named (editor, "input-shape");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (input)), ==, "28, 28");
  gtk_editable_set_text (GTK_EDITABLE (input), "28 × 28 × 1");
  g_signal_emit_by_name (input, "activate");
  g_assert_cmpint (changed, ==, 4);
  g_assert_cmpint (exp->input_ndim, ==, 3);
  g_assert_cmpint (exp->input_shape[2], ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (input)), ==, "28, 28, 1");
  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), ==, "");
  /* conv2d 3·3·1·32 + 32 = 320; dense 26·26·32·128 + 128 = 2,769,024; dense_1 1,290 */
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Total params: 2,770,634"));
  /* A bad shape is refused (and marked), the experiment unchanged. */
  gtk_editable_set_text (GTK_EDITABLE (input), "28, 0");
  g_signal_emit_by_name (input, "activate");
  g_assert_true (gtk_widget_has_css_class (input, "error"));
  g_assert_cmpint (changed, ==, 4);
  g_assert_cmpint (exp->input_ndim, ==, 3);
  gtk_editable_set_text (GTK_EDITABLE (input), "28, 28");
  g_signal_emit_by_name (input, "activate");
  g_assert_false (gtk_widget_has_css_class (input, "error"));
  g_assert_cmpint (changed, ==, 5);
  g_assert_cmpint (exp->input_ndim, ==, 2);

  /* Remove it: the MLP again. */
  click (row_child (editor, 0, "remove"));
  g_assert_cmpint (changed, ==, 6);
  g_assert_cmpint (exp->n_layers, ==, 3);
  g_assert_cmpint (exp->layers[0].kind, ==, FT_LAYER_FLATTEN);
  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), ==, "");
  g_assert_false (gtk_widget_is_visible (ft_widget_find_named (editor, "error")));
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Total params: 101,770"));
  rows = layer_rows (editor);
  for (guint i = 0; i < rows->len; i++)
    g_assert_false (gtk_widget_has_css_class (g_ptr_array_index (rows, i), "error"));
  g_ptr_array_unref (rows);

  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

/* Every layer kind from the add menu's action: a row titled with its class, one field widget per editable
 * parameter of its table (pairs as two), and an edit of each lands in the experiment. */
static void
test_model_every_kind (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  int changed = 0;
  g_signal_connect (editor, "changed", G_CALLBACK (count_signal), &changed);
  GtkWidget *win = window_with (editor, 560, 1000);
  for (int k = 0; k < FT_N_LAYER_KINDS; k++)
    {
      const FtKindInfo *kind = ft_layer_kind_info ((FtLayerKind) k);
      /* Added before the output layer (the model ends with a Dense), which stays last. */
      int n_before = exp->n_layers, i = n_before - 1;
      g_assert_cmpint (exp->layers[n_before - 1].kind, ==, FT_LAYER_DENSE);
      g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", kind->name));
      g_assert_cmpint (exp->n_layers, ==, n_before + 1);
      g_assert_cmpint (exp->layers[i].kind, ==, k);
      g_assert_cmpint (exp->layers[n_before].kind, ==, FT_LAYER_DENSE);
      GPtrArray *rows = layer_rows (editor);
      const char *title = adw_preferences_row_get_title (g_ptr_array_index (rows, i));
      g_assert_true (g_str_has_prefix (title, kind->name));
      g_ptr_array_unref (rows);
      int n_fields = 0;
      for (int p = 0; p < kind->n_params; p++)
        {
          const FtParam *param = &kind->params[p];
          if (param->type == FT_PARAM_KERAS_CONST || (param->flags & FT_PARAM_UI_HIDDEN))
            continue;
          n_fields++;
          if (param->type == FT_PARAM_PAIR)
            {
              /* "kernel_size" → "kernel-h", "strides" → "stride-w", "pool_size" → "pool-h" */
              size_t n = strcspn (param->key, "_");
              if (param->key[n - 1] == 's')
                n--;
              g_autofree char *name = g_strdup_printf ("%.*s-w", (int) n, param->key);
              GtkWidget *spin = row_child (editor, i, name);
              int before = changed;
              gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin),
                                         gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)) + 1);
              g_assert_cmpint (changed, ==, before + 1);
              g_assert_cmpint (((int *) ft_param_ptr (param, &exp->layers[i]))[1], ==,
                               gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)));
            }
          else if (param->type == FT_PARAM_INT || param->type == FT_PARAM_FLOAT)
            {
              GtkWidget *spin = row_child (editor, i, param->key);
              int before = changed;
              gtk_spin_button_spin (GTK_SPIN_BUTTON (spin), GTK_SPIN_STEP_FORWARD, 0);
              g_assert_cmpint (changed, ==, before + 1);
              g_assert_cmpfloat_with_epsilon (ft_param_get_number (param, &exp->layers[i]),
                                              gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), 1e-6);
            }
          else
            {
              GtkWidget *combo = row_child (editor, i, param->key);
              g_assert_true (ADW_IS_COMBO_ROW (combo));
              adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 1);
              g_assert_cmpfloat (ft_param_get_number (param, &exp->layers[i]), ==, 1);
            }
        }
      if (n_fields == 0)
        g_assert_nonnull (row_child (editor, i, "layer")); /* the "No parameters" row is inside */
    }
  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

static void
test_model_edit_fields (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  int changed = 0;
  g_signal_connect (editor, "changed", G_CALLBACK (count_signal), &changed);
  GtkWidget *win = window_with (editor, 560, 1000);

  GtkWidget *units = row_child (editor, 1, "units");
  g_assert_true (GTK_IS_SPIN_BUTTON (units));
  GtkAdjustment *adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (units));
  g_assert_cmpfloat (gtk_adjustment_get_lower (adj), ==, 1);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), ==, 4096);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (units), 64);
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpint (exp->layers[1].units, ==, 64);
  /* 784·64 + 64 + 64·10 + 10 */
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Total params: 50,890"));
  GtkWidget *row = gtk_widget_get_ancestor (units, ADW_TYPE_EXPANDER_ROW);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Dense · 64 · relu");
  /* The same widget is still there (an edit does not rebuild the rows, so focus stays). */
  g_assert_true (row_child (editor, 1, "units") == units);

  /* Setting the same value again is no edit. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (units), 64);
  g_assert_cmpint (changed, ==, 1);

  /* Activation of the last layer. */
  GtkWidget *act = row_child (editor, 2, "activation");
  g_assert_true (ADW_IS_COMBO_ROW (act));
  adw_combo_row_set_selected (ADW_COMBO_ROW (act), FT_ACT_SOFTMAX);
  g_assert_cmpint (changed, ==, 2);
  g_assert_cmpint (exp->layers[2].activation, ==, FT_ACT_SOFTMAX);

  /* A Dropout's rate: 0 … 0.95 in steps of 0.05 (added before the output layer). */
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Dropout"));
  g_assert_cmpint (changed, ==, 3);
  g_assert_cmpint (exp->layers[2].kind, ==, FT_LAYER_DROPOUT);
  GtkWidget *rate = row_child (editor, 2, "rate");
  adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (rate));
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_upper (adj), 0.95, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_step_increment (adj), 0.05, 1e-9);
  gtk_spin_button_spin (GTK_SPIN_BUTTON (rate), GTK_SPIN_STEP_BACKWARD, 0.05);
  g_assert_cmpint (changed, ==, 4);
  g_assert_cmpfloat_with_epsilon (exp->layers[2].rate, 0.45, 1e-6);

  /* A Conv2D's kernel, strides and padding (the error is about its input, not its fields). */
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Conv2D"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_child (editor, 3, "kernel-w")), 5);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_child (editor, 3, "stride-h")), 2);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row_child (editor, 3, "padding")), 1);
  g_assert_cmpint (changed, ==, 8);
  g_assert_cmpint (exp->layers[3].kind, ==, FT_LAYER_CONV2D);
  g_assert_cmpint (exp->layers[3].kernel_size[0], ==, 3);
  g_assert_cmpint (exp->layers[3].kernel_size[1], ==, 5);
  g_assert_cmpint (exp->layers[3].strides[0], ==, 2);
  g_assert_cmpint (exp->layers[3].padding, ==, FT_PADDING_SAME);
  g_assert_cmpint (exp->layers[4].kind, ==, FT_LAYER_DENSE); /* the output stays last */
  GPtrArray *rows = layer_rows (editor);
  row = g_ptr_array_index (rows, 3);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "Conv2D · 32 · 3×5 · stride 2×1 · same · linear");
  g_ptr_array_unref (rows);

  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

static void
test_model_reorder (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  int changed = 0;
  g_signal_connect (editor, "changed", G_CALLBACK (count_signal), &changed);
  GtkWidget *win = window_with (editor, 560, 1000);

  /* Move Dense(10) above Dense(128); focus follows the moved row's button. */
  GtkWidget *up = row_child (editor, 2, "move-up");
  gtk_widget_grab_focus (up);
  click (up);
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpint (exp->layers[1].units, ==, 10);
  g_assert_cmpint (exp->layers[2].units, ==, 128);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (win));
  g_assert_true (focus == row_child (editor, 1, "move-up"));
  /* dense (10): 7,850; dense_1 (128): 10·128 + 128 = 1,408 */
  const char *summary = label_text (editor, "summary");
  g_assert_nonnull (strstr (summary, "Total params: 9,258"));
  GPtrArray *rows = layer_rows (editor);
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (g_ptr_array_index (rows, 2)), "1,408"));
  g_ptr_array_unref (rows);

  /* Alt+Up moves the layer whose row has the focus (the editor's key binding). */
  gtk_widget_grab_focus (row_child (editor, 2, "remove"));
  g_assert_true (press_binding (editor, GDK_KEY_Up, GDK_ALT_MASK));
  g_assert_cmpint (changed, ==, 2);
  g_assert_cmpint (exp->layers[1].units, ==, 128);
  g_assert_cmpint (exp->layers[2].units, ==, 10);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (win)) == row_child (editor, 1, "move-up"));
  g_assert_true (press_binding (editor, GDK_KEY_Down, GDK_ALT_MASK));
  g_assert_cmpint (changed, ==, 3);
  g_assert_cmpint (exp->layers[1].units, ==, 10);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (win)) == row_child (editor, 2, "move-down")
                 || gtk_root_get_focus (GTK_ROOT (win)) == row_child (editor, 2, "move-up"));

  /* And back down. */
  click (row_child (editor, 1, "move-down"));
  g_assert_cmpint (changed, ==, 4);
  g_assert_cmpint (exp->layers[1].units, ==, 128);
  g_assert_cmpint (exp->layers[2].units, ==, 10);
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Total params: 101,770"));

  /* Remove everything: an empty model is an error without a row to blame. */
  for (int i = 2; i >= 0; i--)
    click (row_child (editor, i, "remove"));
  g_assert_cmpint (changed, ==, 7);
  g_assert_cmpint (exp->n_layers, ==, 0);
  g_assert_null (exp->layers);
  g_assert_nonnull (strstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), "no layers"));
  g_assert_true (gtk_widget_activate_action (editor, "editor.add", "s", "Flatten"));
  g_assert_cmpint (exp->n_layers, ==, 1);

  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

static void
test_model_data_shape (void)
{
  FtExperiment *exp = spiral_experiment ();
  exp->layers = g_renew (FtLayerSpec, exp->layers, 4);
  exp->layers[3] = ft_layer_spec_default (FT_LAYER_BATCH_NORMALIZATION);
  exp->n_layers = 4;
  GtkWidget *editor = ft_model_editor_new ();
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), exp);
  int changed = 0;
  g_signal_connect (editor, "changed", G_CALLBACK (count_signal), &changed);
  GtkWidget *win = window_with (editor, 560, 1000);

  /* The input comes from the data, which is not there yet. */
  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), !=, "");
  int shape[1] = { 2 };
  ft_model_editor_set_data_shape (FT_MODEL_EDITOR (editor), 1, shape, 2);
  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), ==, "");
  /* 2·16 + 16 + 16·16 + 16 + 16·2 + 2, and BatchNormalization's 4·2 (2·2 of them not trainable) */
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Total params: 362"));
  g_assert_nonnull (strstr (label_text (editor, "summary"), "Non-trainable params: 4"));
  g_assert_false (gtk_widget_is_visible (ft_widget_find_named (editor, "warning")));

  /* Three classes but two outputs: a warning, not an error. */
  ft_model_editor_set_data_shape (FT_MODEL_EDITOR (editor), 1, shape, 3);
  g_assert_cmpstr (ft_model_editor_get_error (FT_MODEL_EDITOR (editor)), ==, "");
  g_assert_true (gtk_widget_is_visible (ft_widget_find_named (editor, "warning")));
  g_assert_nonnull (strstr (label_text (editor, "warning"), "3 classes"));
  g_assert_cmpint (changed, ==, 0);

  /* Detaching clears the list. */
  ft_model_editor_set_experiment (FT_MODEL_EDITOR (editor), NULL);
  GPtrArray *rows = layer_rows (editor);
  g_assert_cmpuint (rows->len, ==, 0);
  g_ptr_array_unref (rows);

  destroy_and_check (win, editor);
  ft_experiment_free (exp);
}

/* ---- dataset panel ---- */

static void
test_dataset_switch_to_spiral (void)
{
  FtExperiment *exp = ft_experiment_new_default ();
  GtkWidget *panel = ft_dataset_panel_new ();
  int changed = 0, loaded = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_signal), &changed);
  g_signal_connect (panel, "data-loaded", G_CALLBACK (count_signal), &loaded);
  ft_dataset_panel_set_experiment (FT_DATASET_PANEL (panel), exp);
  GtkWidget *win = window_with (panel, 480, 1000);
  GtkStack *stack = GTK_STACK (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "scatter"), GTK_TYPE_STACK));
  g_assert_true (GTK_IS_STACK (stack));

  /* Fashion-MNIST (the default experiment), when Debian's files are there. */
  bool have_fashion = g_file_test (FT_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz", G_FILE_TEST_EXISTS);
  if (have_fashion)
    {
      g_assert_true (wait_for_flag (&loaded, 1, 10000));
      const FtDataset *ds = ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel));
      g_assert_nonnull (ds);
      g_assert_cmpuint (ds->n, ==, 60000);
      g_assert_cmpint (ds->shape[0], ==, 28);
      g_assert_cmpint (ds->n_classes, ==, 10);
      g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "images");
      g_assert_nonnull (strstr (label_text (panel, "info"), "60,000 images"));
      screenshot (win, "/tmp/fittape-dataset-fashion.png");
    }
  else
    {
      g_test_message ("no Fashion-MNIST in " FT_FASHION_MNIST_DIR ": skipping that part");
      wait_for_flag (&loaded, 1, 3000);
      loaded = 1;
    }
  g_assert_cmpint (changed, ==, 0); /* loading is no edit */
  /* Samples and noise are for the Playground only. */
  g_assert_false (gtk_widget_get_visible (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "noise"), ADW_TYPE_ACTION_ROW)));

  /* The combo row lists the dataset kinds in their table's order, by their names. */
  AdwComboRow *source = ADW_COMBO_ROW (ft_widget_find_named (panel, "source"));
  GListModel *items = adw_combo_row_get_model (source);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, FT_N_DATASET_KINDS);
  for (int k = 0; k < FT_N_DATASET_KINDS; k++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), k), ==,
                     ft_dataset_kind_info ((FtDatasetKind) k)->info.name);

  /* The Playground's rows are its table's parameters: named by their keys, titled by their labels, their
   * hints below. */
  const FtKindInfo *play = &ft_dataset_kind_info (FT_DATASET_SPIRAL)->info;
  for (int i = 0; i < play->n_params; i++)
    {
      const FtParam *p = &play->params[i];
      if (p->flags & FT_PARAM_UI_HIDDEN)
        continue;
      GtkWidget *row = gtk_widget_get_ancestor (ft_widget_find_named (panel, p->key), ADW_TYPE_ACTION_ROW);
      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, p->label);
      g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, p->hint);
    }

  /* Switch to the spiral through the combo row. */
  adw_combo_row_set_selected (source, FT_PLAYGROUND_SPIRAL);
  g_assert_cmpint (exp->data.source, ==, FT_DATA_PLAYGROUND);
  g_assert_cmpint (exp->data.playground, ==, FT_PLAYGROUND_SPIRAL);
  g_assert_cmpint (changed, >=, 1);
  g_assert_true (wait_for_flag (&loaded, 2, 5000));
  const FtDataset *ds = ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel));
  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->n, ==, exp->data.samples);
  g_assert_cmpint (ds->ndim, ==, 1);
  g_assert_cmpint (ds->shape[0], ==, 2);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "scatter");
  /* The 28×28 input no longer fits: the model now takes the data's shape (one more "changed"). */
  g_assert_cmpint (exp->input_ndim, ==, 0);
  g_assert_cmpint (changed, ==, 2);
  g_assert_true (gtk_widget_get_visible (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "noise"), ADW_TYPE_ACTION_ROW)));

  /* The scatter plot has both classes' colours. */
  GtkWidget *scatter = ft_widget_find_named (panel, "scatter");
  gtk_test_widget_wait_for_draw (scatter);
  int w, h;
  guchar *px = widget_pixels (scatter, &w, &h);
  int orange = count_colour (px, w, h, 0xff, 0x78, 0x00), blue = count_colour (px, w, h, 0x35, 0x84, 0xe4);
  g_test_message ("scatter %d×%d: %d orange, %d blue pixels", w, h, orange, blue);
  g_assert_cmpint (orange, >, 200);
  g_assert_cmpint (blue, >, 200);
  g_free (px);

  /* Validation split: edits the experiment, no reload. */
  GtkSpinButton *split = GTK_SPIN_BUTTON (ft_widget_find_named (panel, "validation-split"));
  GtkAdjustment *adj = gtk_spin_button_get_adjustment (split);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), ==, 0.5);
  gtk_spin_button_set_value (split, 0.2);
  g_assert_cmpfloat_with_epsilon (exp->fit.validation_split, 0.2, 1e-9);
  g_assert_cmpint (changed, ==, 3);
  screenshot (win, "/tmp/fittape-dataset-spiral.png");

  /* Noise regenerates the data live. */
  float *before = g_memdup2 (ds->features, ds->n * 2 * sizeof (float));
  uint32_t n_before = ds->n;
  GtkRange *noise = GTK_RANGE (ft_widget_find_named (panel, "noise"));
  gtk_range_set_value (noise, 0.3);
  g_assert_cmpfloat_with_epsilon (exp->data.noise, 0.3, 1e-6);
  g_assert_cmpint (changed, ==, 4);
  g_assert_true (wait_for_flag (&loaded, 3, 5000));
  ds = ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel));
  g_assert_cmpuint (ds->n, ==, n_before);
  g_assert_true (memcmp (before, ds->features, ds->n * 2 * sizeof (float)) != 0);
  g_free (before);
  screenshot (win, "/tmp/fittape-dataset-spiral-noise.png");

  /* Quick successive edits: the last one wins. */
  GtkSpinButton *samples = GTK_SPIN_BUTTON (ft_widget_find_named (panel, "samples"));
  gtk_spin_button_set_value (samples, 300);
  gtk_spin_button_set_value (samples, 200);
  g_assert_cmpuint (exp->data.samples, ==, 200);
  g_assert_true (wait_for_flag (&loaded, 4, 5000));
  wait_for_flag (&loaded, 100, 300); /* no stale result afterwards */
  ds = ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel));
  g_assert_cmpuint (ds->n, ==, 200);
  g_assert_cmpint (changed, ==, 6);

  /* Back to Fashion-MNIST: the image grid. */
  if (have_fashion)
    {
      int before_loads = loaded;
      adw_combo_row_set_selected (source, FT_N_PLAYGROUND);
      g_assert_cmpint (exp->data.source, ==, FT_DATA_IDX);
      g_assert_cmpstr (exp->data.path, ==, "");
      g_assert_true (wait_for_flag (&loaded, before_loads + 1, 10000));
      g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "images");
      GtkWidget *images = ft_widget_find_named (panel, "images");
      gtk_test_widget_wait_for_draw (images);
      px = widget_pixels (images, &w, &h);
      int dark = count_colour (px, w, h, 0, 0, 0);
      g_test_message ("image grid %d×%d: %d black pixels", w, h, dark);
      g_assert_cmpint (dark, >, 2000);
      g_free (px);
    }

  destroy_and_check (win, panel);
  ft_experiment_free (exp);
}

static void
test_dataset_bad_csv (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fittape-panels-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "bad.csv", NULL);
  g_assert_true (g_file_set_contents (path, "x,y,label\n1.0,2.0,a\n3.0,oops,b\n", -1, NULL));

  FtExperiment *exp = spiral_experiment ();
  exp->data.source = FT_DATA_CSV;
  g_strlcpy (exp->data.path, path, sizeof exp->data.path);
  g_strlcpy (exp->data.label_column, "label", sizeof exp->data.label_column);
  GtkWidget *panel = ft_dataset_panel_new ();
  int loaded = 0;
  g_signal_connect (panel, "data-loaded", G_CALLBACK (count_signal), &loaded);
  ft_dataset_panel_set_experiment (FT_DATASET_PANEL (panel), exp);
  GtkWidget *win = window_with (panel, 480, 900);
  GtkStack *stack = GTK_STACK (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "scatter"), GTK_TYPE_STACK));

  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "error") != 0 && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "error");
  g_assert_cmpint (loaded, ==, 0);
  g_assert_null (ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel)));
  const char *error = label_text (panel, "error");
  g_test_message ("CSV error: %s", error);
  g_assert_nonnull (strstr (error, "line 3"));
  g_assert_nonnull (strstr (error, "oops"));
  /* The CSV rows show, the Playground rows do not. */
  g_assert_true (gtk_widget_get_visible (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "label-column"), ADW_TYPE_ACTION_ROW)));
  g_assert_false (gtk_widget_get_visible (
      gtk_widget_get_ancestor (ft_widget_find_named (panel, "samples"), ADW_TYPE_ACTION_ROW)));
  screenshot (win, "/tmp/fittape-dataset-csv-error.png");

  /* Fix the file, then name the label column again: the panel reloads. */
  g_assert_true (g_file_set_contents (path, "x,y,label\n1.0,2.0,a\n3.0,4.0,b\n-1,-2,a\n", -1, NULL));
  int changed = 0;
  g_signal_connect (panel, "changed", G_CALLBACK (count_signal), &changed);
  GtkEntry *entry = GTK_ENTRY (ft_widget_find_named (panel, "label-column"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "y");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (changed, ==, 1);
  g_assert_cmpstr (exp->data.label_column, ==, "y");
  gtk_editable_set_text (GTK_EDITABLE (entry), "label");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (changed, ==, 2);
  g_assert_true (wait_for_flag (&loaded, 1, 5000));
  const FtDataset *ds = ft_dataset_panel_get_dataset (FT_DATASET_PANEL (panel));
  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->n, ==, 3);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "scatter");

  destroy_and_check (win, panel);
  ft_experiment_free (exp);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* Expander rows and stacks shown at once: screenshots show the final state. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_test_add_func ("/model-editor/summary", test_model_summary_default);
  g_test_add_func ("/model-editor/conv-error", test_model_conv_error);
  g_test_add_func ("/model-editor/edit-fields", test_model_edit_fields);
  g_test_add_func ("/model-editor/every-kind", test_model_every_kind);
  g_test_add_func ("/model-editor/reorder", test_model_reorder);
  g_test_add_func ("/model-editor/data-shape", test_model_data_shape);
  g_test_add_func ("/dataset-panel/switch-to-spiral", test_dataset_switch_to_spiral);
  g_test_add_func ("/dataset-panel/bad-csv", test_dataset_bad_csv);
  return g_test_run ();
}
