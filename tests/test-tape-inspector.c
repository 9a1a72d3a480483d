/* test-tape-inspector.c — the tape inspector (under Xvfb) fed with real tapes: a snapshot from a real
 * background runner training Dense→Dense (stepped batch by batch, as the window's Step button does) and
 * one built from the tape a CNN recorded in ft_train_step. The tables must list exactly the ops the tape
 * recorded, the backward table the same entries reversed, every variable with a positive gradient norm;
 * each snapshot adds a point to every gradient-norm line; clear empties everything. A screenshot of a
 * deeper sigmoid network's vanishing gradients goes to /tmp/fittape-tape-inspector.png. */
#include "views/ft-tape-inspector.h"

#include "data/ft-dataset.h"
#include "fittape-engine.h"
#include "train/ft-runner.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#define SCREENSHOT_PATH "/tmp/fittape-tape-inspector.png"

/* ---- helpers ---- */

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
collect_named (GtkWidget *root, const char *name, GPtrArray *out)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_named (c, name, out);
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  GPtrArray *all = g_ptr_array_new ();
  collect_named (root, name, all);
  GtkWidget *w = all->len > 0 ? g_ptr_array_index (all, 0) : NULL;
  g_ptr_array_unref (all);
  return w;
}

/* The texts of the mapped labels called name under root, in widget order. */
static GPtrArray *
label_texts (GtkWidget *root, const char *name)
{
  GPtrArray *labels = g_ptr_array_new ();
  collect_named (root, name, labels);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (g_ptr_array_index (labels, i)))
      g_ptr_array_add (texts, g_strdup (gtk_label_get_text (g_ptr_array_index (labels, i))));
  g_ptr_array_unref (labels);
  return texts;
}

static GtkWidget *
window_with (GtkWidget *child, int width, int height)
{
  GtkWidget *win = gtk_window_new ();
  gtk_window_set_titlebar (GTK_WINDOW (win), adw_header_bar_new ());
  gtk_window_set_title (GTK_WINDOW (win), "FitTape — Tape inspector");
  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_set_child (GTK_WINDOW (win), child);
  gtk_window_present (GTK_WINDOW (win));
  gtk_test_widget_wait_for_draw (win);
  return win;
}

/* The ui.md recipe: widget → paintable → render node → texture → PNG. Returns the texture for pixel
 * checks. */
static GdkTexture *
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
  if (path != NULL)
    {
      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_test_message ("screenshot: %s", path);
    }
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  return texture;
}

/* A copy of what a snapshot said, to compare with the inspector after the event's snapshot is freed. */
typedef struct
{
  int epoch, batch;
  GPtrArray *ops;       /* char* */
  GPtrArray *variables; /* char* */
  GArray *grad_norms;   /* double */
} Expected;

static void
expected_clear (Expected *e)
{
  g_clear_pointer (&e->ops, g_ptr_array_unref);
  g_clear_pointer (&e->variables, g_ptr_array_unref);
  g_clear_pointer (&e->grad_norms, g_array_unref);
}

static void
expected_set (Expected *e, const FtSnapshot *s)
{
  expected_clear (e);
  e->epoch = s->epoch;
  e->batch = s->batch;
  e->ops = g_ptr_array_new_with_free_func (g_free);
  e->variables = g_ptr_array_new_with_free_func (g_free);
  e->grad_norms = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < s->n_entries; i++)
    g_ptr_array_add (e->ops, g_strdup (s->entries[i].op));
  for (int i = 0; i < s->n_variables; i++)
    {
      g_ptr_array_add (e->variables, g_strdup (s->variables[i].name));
      g_array_append_val (e->grad_norms, s->variables[i].grad_norm);
    }
}

/* The inspector shows exactly what the snapshot held: ops in order forward, reversed backward, the
 * variables with their gradient norms. */
static void
assert_shows (FtTapeInspector *ti, const Expected *e, const char *const *expected_ops)
{
  GListModel *fwd = ft_tape_inspector_get_forward (ti);
  GListModel *bwd = ft_tape_inspector_get_backward (ti);
  guint n = e->ops->len;
  g_assert_cmpuint (g_list_model_get_n_items (fwd), ==, n);
  g_assert_cmpuint (g_list_model_get_n_items (bwd), ==, n);
  if (expected_ops != NULL)
    {
      g_assert_cmpuint (g_strv_length ((char **) expected_ops), ==, n);
      for (guint i = 0; i < n; i++)
        g_assert_cmpstr (g_ptr_array_index (e->ops, i), ==, expected_ops[i]);
    }
  for (guint i = 0; i < n; i++)
    {
      FtTapeOpRow *f = g_list_model_get_item (fwd, i);
      FtTapeOpRow *b = g_list_model_get_item (bwd, i);
      g_assert_cmpstr (ft_tape_op_row_get_op (f), ==, g_ptr_array_index (e->ops, i));
      g_assert_cmpstr (ft_tape_op_row_get_label (f), ==, g_ptr_array_index (e->ops, i));
      g_assert_cmpint (ft_tape_op_row_get_index (f), ==, (int) i);
      g_assert_false (ft_tape_op_row_is_backward (f));
      g_assert_true (strstr (ft_tape_op_row_get_shapes (f), " → ") != NULL);
      /* Backward: last entry first. */
      g_assert_cmpstr (ft_tape_op_row_get_op (b), ==, g_ptr_array_index (e->ops, n - 1 - i));
      char *label = g_strdup_printf ("∂ %s", (char *) g_ptr_array_index (e->ops, n - 1 - i));
      g_assert_cmpstr (ft_tape_op_row_get_label (b), ==, label);
      g_free (label);
      g_assert_cmpint (ft_tape_op_row_get_index (b), ==, (int) (n - 1 - i));
      g_assert_true (ft_tape_op_row_is_backward (b));
      g_object_unref (f);
      g_object_unref (b);
    }
  GListModel *vars = ft_tape_inspector_get_variables (ti);
  g_assert_cmpuint (g_list_model_get_n_items (vars), ==, e->variables->len);
  g_assert_cmpuint (e->variables->len, >, 0);
  for (guint i = 0; i < e->variables->len; i++)
    {
      FtTapeVarRow *v = g_list_model_get_item (vars, i);
      g_assert_cmpstr (ft_tape_var_row_get_name (v), ==, g_ptr_array_index (e->variables, i));
      g_assert_cmpfloat (ft_tape_var_row_get_grad_norm (v), ==, g_array_index (e->grad_norms, double, i));
      g_assert_cmpfloat (ft_tape_var_row_get_grad_norm (v), >, 0.0);
      g_assert_cmpfloat (ft_tape_var_row_get_weight_norm (v), >, 0.0);
      g_object_unref (v);
    }
  char *title = g_strdup_printf ("Tape for batch %d of epoch %d — %u %s recorded", e->batch + 1, e->epoch + 1,
                                 n, n == 1 ? "op" : "ops");
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, title);
  g_free (title);
}

/* The rows on screen say the same as the models. */
static void
assert_on_screen (GtkWidget *inspector, const Expected *e)
{
  iterate ();
  gtk_test_widget_wait_for_draw (inspector);
  guint n = e->ops->len;
  GPtrArray *fwd = label_texts (find_named (inspector, "forward-table"), "op-label");
  GPtrArray *bwd = label_texts (find_named (inspector, "backward-table"), "op-label");
  g_assert_cmpuint (fwd->len, ==, n);
  g_assert_cmpuint (bwd->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (fwd, i), ==, g_ptr_array_index (e->ops, i));
      char *label = g_strdup_printf ("∂ %s", (char *) g_ptr_array_index (e->ops, n - 1 - i));
      g_assert_cmpstr (g_ptr_array_index (bwd, i), ==, label);
      g_free (label);
    }
  g_ptr_array_unref (fwd);
  g_ptr_array_unref (bwd);
  GPtrArray *vars = label_texts (find_named (inspector, "variables-table"), "variable-label");
  g_assert_cmpuint (vars->len, ==, e->variables->len);
  for (guint i = 0; i < vars->len; i++)
    g_assert_cmpstr (g_ptr_array_index (vars, i), ==, g_ptr_array_index (e->variables, i));
  g_ptr_array_unref (vars);
  GtkWidget *title = find_named (inspector, "title");
  g_assert_true (gtk_widget_get_mapped (title));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (title)), ==,
                   ft_tape_inspector_get_title (FT_TAPE_INSPECTOR (inspector)));
}

/* ---- a real runner, stepped batch by batch ---- */

typedef struct
{
  FtTapeInspector *inspector;
  const char *run_name;
  int snapshots;
  bool done;
  FtRunEventKind final;
  Expected last;
} Watch;

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  Watch *w = user_data;
  switch (ev->kind)
    {
    case FT_RUN_EVENT_SNAPSHOT:
      /* As the window would: show it now, the snapshot is freed after this handler. */
      expected_set (&w->last, ev->snapshot);
      ft_tape_inspector_show_snapshot (w->inspector, w->run_name, ev->snapshot);
      w->snapshots++;
      break;
    case FT_RUN_EVENT_FINISHED:
    case FT_RUN_EVENT_STOPPED:
    case FT_RUN_EVENT_FAILED:
      w->done = true;
      w->final = ev->kind;
      break;
    case FT_RUN_EVENT_BATCH_END:
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
    case FT_RUN_EVENT_EARLY_STOP:
    case FT_RUN_EVENT_EPOCH_BEGIN:
    case FT_RUN_EVENT_EPOCH_END:
    case FT_RUN_EVENT_PAUSED:
    case FT_RUN_EVENT_TRAIN_BEGIN:
      break;
    }
}

static void
wait_until (const bool *flag, const int *counter, int at_least)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (flag != NULL ? !*flag : *counter < at_least)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (200);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  iterate ();
}

static FtTrainer *
dense_trainer (int hidden_layers, int units, FtActivation activation, float lr, uint64_t seed)
{
  int in[1] = { 2 };
  FtModel *m = ft_model_new (1, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  for (int i = 0; i < hidden_layers; i++)
    {
      s.units = units;
      s.activation = activation;
      ft_model_add (m, &s);
    }
  s.units = 2;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, seed, NULL));
  FtCompileSpec cs = ft_compile_spec_default ();
  cs.optimizer = ft_optimizer_spec_default (FT_OPT_SGD);
  cs.optimizer.learning_rate = lr;
  FtTrainer *t = ft_trainer_new (m, &cs, seed, NULL);
  g_assert_nonnull (t);
  return t;
}

static FtJob
tape_job (FtTrainer *t, const FtDataset *data, int epochs)
{
  FtJob job;
  memset (&job, 0, sizeof job);
  job.trainer = t;
  job.data = data;
  job.args = ft_fit_args_default ();
  job.args.epochs = epochs;
  job.args.batch_size = 32;
  job.tape_mode = true;
  job.steps = ft_loop_steps_all ();
  return job;
}

/* Steps one batch with a snapshot, as FtWindow's Step does, and waits for the snapshot. */
static void
step_with_snapshot (FtRunner *r, Watch *w)
{
  int before = w->snapshots;
  ft_runner_request_snapshot (r);
  ft_runner_step_batch (r);
  wait_until (NULL, &w->snapshots, before + 1);
}

static void
test_empty (void)
{
  GtkWidget *inspector = ft_tape_inspector_new ();
  FtTapeInspector *ti = FT_TAPE_INSPECTOR (inspector);
  g_object_ref_sink (inspector);
  g_assert_true (GTK_IS_BOX (inspector));
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "No tape recorded yet");
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_forward (ti)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_backward (ti)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_variables (ti)), ==, 0);
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 0);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), ==, 0);
  g_assert_false (ft_tape_inspector_get_point (ti, "dense/kernel", 0, NULL, NULL));
  g_assert_finalize_object (inspector);
}

static void
test_runner_snapshots (void)
{
  GtkWidget *inspector = ft_tape_inspector_new ();
  FtTapeInspector *ti = FT_TAPE_INSPECTOR (inspector);
  GtkWidget *win = window_with (inspector, 1280, 960);
  GtkStack *stack = GTK_STACK (gtk_widget_get_first_child (inspector));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_object_unref (screenshot (win, "/tmp/fittape-tape-inspector-empty.png"));

  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 320, 0.1f, 3);
  FtTrainer *t = dense_trainer (1, 16, FT_ACT_TANH, 0.1f, 4);
  FtJob job = tape_job (t, data, 2);
  Watch w;
  memset (&w, 0, sizeof w);
  w.inspector = ti;
  w.run_name = "Run 1 · tape";
  FtRunner *r = ft_runner_new (&job, NULL, on_event, &w);
  ft_runner_pause (r);
  ft_runner_start (r);

  step_with_snapshot (r, &w);
  static const char *const dense_ops[] = { "dense", "dense", "sparse_categorical_crossentropy", NULL };
  assert_shows (ti, &w.last, dense_ops);
  g_assert_cmpint (w.last.batch, ==, 0);
  g_assert_cmpint (w.last.epoch, ==, 0);
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "Tape for batch 1 of epoch 1 — 3 ops recorded");
  g_assert_cmpuint (w.last.variables->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (w.last.variables, 0), ==, "dense/kernel");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "tape");
  assert_on_screen (inspector, &w.last);

  /* The tape was timed for the snapshot: the forward rows carry their times and FLOPs. */
  FtTapeOpRow *first = g_list_model_get_item (ft_tape_inspector_get_forward (ti), 0);
  g_assert_cmpfloat (ft_tape_op_row_get_flops (first), >, 0.0);
  g_assert_cmpfloat (ft_tape_op_row_get_time_us (first), >=, 0.0);
  g_assert_cmpstr (ft_tape_op_row_get_shapes (first), ==, "(32, 2) (2, 16) (16,) → (32, 16)");
  g_object_unref (first);
  FtTapeOpRow *bfirst = g_list_model_get_item (ft_tape_inspector_get_backward (ti), 2);
  g_assert_cmpstr (ft_tape_op_row_get_shapes (bfirst), ==, "(32, 16) → (32, 2) (2, 16) (16,)");
  g_object_unref (bfirst);

  /* One point per variable. */
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 4);
  for (guint i = 0; i < w.last.variables->len; i++)
    {
      const char *name = g_ptr_array_index (w.last.variables, i);
      g_assert_cmpint (ft_tape_inspector_get_n_points (ti, name), ==, 1);
      double x, y;
      g_assert_true (ft_tape_inspector_get_point (ti, name, 0, &x, &y));
      g_assert_cmpfloat (x, ==, 1.0);
      g_assert_cmpfloat (y, ==, g_array_index (w.last.grad_norms, double, i));
    }
  double first_norm = g_array_index (w.last.grad_norms, double, 0);

  /* A second step: the tables show it, every line gains a point. */
  step_with_snapshot (r, &w);
  assert_shows (ti, &w.last, dense_ops);
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "Tape for batch 2 of epoch 1 — 3 ops recorded");
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 4);
  for (guint i = 0; i < w.last.variables->len; i++)
    {
      const char *name = g_ptr_array_index (w.last.variables, i);
      g_assert_cmpint (ft_tape_inspector_get_n_points (ti, name), ==, 2);
      double x, y;
      g_assert_true (ft_tape_inspector_get_point (ti, name, 1, &x, &y));
      g_assert_cmpfloat (x, ==, 2.0);
      g_assert_cmpfloat (y, ==, g_array_index (w.last.grad_norms, double, i));
    }
  double y0;
  g_assert_true (ft_tape_inspector_get_point (ti, "dense/kernel", 0, NULL, &y0));
  g_assert_cmpfloat (y0, ==, first_norm);
  assert_on_screen (inspector, &w.last);

  /* The chart's accessible label states the latest norms. */
  GtkWidget *chart = ft_tape_inspector_get_chart (ti);
  g_assert_true (gtk_widget_get_mapped (chart));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (chart)), ==, GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_cmpint (gtk_widget_get_height (chart), >=, 200);

  /* A snapshot from another run keeps its own history; the chart follows the latest run. */
  const char *saved = w.run_name;
  w.run_name = "Run 2 · fit";
  step_with_snapshot (r, &w);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), ==, 1);
  w.run_name = saved;
  step_with_snapshot (r, &w);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), ==, 3);

  ft_runner_stop (r);
  wait_until (&w.done, NULL, 0);
  g_assert_cmpint (w.final, ==, FT_RUN_EVENT_STOPPED);
  ft_runner_free (r);
  ft_trainer_free (t);
  ft_dataset_free (data);

  /* Clear: everything goes, back to the empty page. */
  ft_tape_inspector_clear (ti);
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "No tape recorded yet");
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_forward (ti)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_backward (ti)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_variables (ti)), ==, 0);
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 0);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  iterate ();
  gtk_test_widget_wait_for_draw (win);
  GtkWidget *empty = gtk_stack_get_visible_child (stack);
  g_assert_true (ADW_IS_STATUS_PAGE (empty));
  g_assert_true (gtk_widget_get_mapped (empty));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (empty)), ==, ft_tape_inspector_get_title (ti));
  expected_clear (&w.last);
  g_object_add_weak_pointer (G_OBJECT (inspector), (gpointer *) &inspector);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
  g_assert_null (inspector); /* no reference cycles: the inspector goes with its window */
}

/* ---- a CNN's tape, recorded by ft_train_step ---- */

static FtSnapshot *
snapshot_from_tape (FtTape *tape, FtModel *m, int epoch, int batch)
{
  FtSnapshot *s = g_new0 (FtSnapshot, 1);
  s->epoch = epoch;
  s->batch = batch;
  s->n_entries = ft_tape_n_entries (tape);
  s->entries = g_new0 (FtSnapshotEntry, s->n_entries);
  for (int i = 0; i < s->n_entries; i++)
    {
      const FtTapeEntry *e = ft_tape_entry (tape, i);
      FtSnapshotEntry *se = &s->entries[i];
      se->op = e->def->name;
      for (int k = 0; k < e->n_inputs; k++)
        if (e->inputs[k] != NULL)
          {
            char buf[48];
            ft_shape_format (e->inputs[k]->ndim, e->inputs[k]->shape, buf, sizeof buf);
            if (se->inputs[0])
              g_strlcat (se->inputs, " ", sizeof se->inputs);
            g_strlcat (se->inputs, buf, sizeof se->inputs);
          }
      ft_shape_format (e->output->ndim, e->output->shape, se->output, sizeof se->output);
      se->flops = e->flops;
      se->forward_us = e->forward_us;
      se->backward_us = e->backward_us;
    }
  s->n_variables = ft_model_n_trainable (m);
  s->variables = g_new0 (FtSnapshotVariable, s->n_variables);
  for (int v = 0; v < s->n_variables; v++)
    {
      FtTensor *w = ft_model_trainable (m)[v], *g = ft_model_gradients (m)[v];
      double g2 = 0, w2 = 0;
      for (size_t i = 0; i < w->size; i++)
        {
          g2 += (double) g->data[i] * g->data[i];
          w2 += (double) w->data[i] * w->data[i];
        }
      s->variables[v].name = w->name;
      s->variables[v].grad_norm = sqrt (g2);
      s->variables[v].weight_norm = sqrt (w2);
      s->variables[v].update_ratio = 1e-3;
    }
  return s;
}

static void
snapshot_free (FtSnapshot *s)
{
  g_free (s->entries);
  g_free (s->variables);
  g_free (s);
}

static void
test_cnn_tape (void)
{
  int in[3] = { 12, 12, 1 };
  FtModel *m = ft_model_new (3, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_CONV2D);
  s.filters = 8;
  s.activation = FT_ACT_RELU;
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_MAX_POOLING2D);
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_FLATTEN);
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 4;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 7, NULL));
  FtOptimizerSpec os = ft_optimizer_spec_default (FT_OPT_SGD);
  FtOptimizer *opt = ft_optimizer_new (&os, ft_model_n_trainable (m), ft_model_trainable (m));
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  FtTape *tape = ft_tape_new (false);
  ft_tape_set_timing (tape, true);
  int xs[4] = { 16, 12, 12, 1 }, ys[1] = { 16 };
  FtTensor *x = ft_tensor_new (4, xs), *y = ft_tensor_new (1, ys);
  FtRng rng;
  ft_rng_seed (&rng, 7, FT_RNG_STREAM_DATA);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = (float) ft_rng_below (&rng, 1000) / 1000.0f;
  for (int i = 0; i < 16; i++)
    y->data[i] = (float) ft_rng_below (&rng, 4);
  float l;
  g_assert_true (ft_train_step (m, opt, &loss, tape, x, y, NULL, &l, NULL, NULL));

  FtSnapshot *snap = snapshot_from_tape (tape, m, 2, 5);
  Expected e = { 0 };
  expected_set (&e, snap);
  /* What the tape really recorded for Conv2D(relu) → MaxPooling2D → Flatten → Dense → loss: the
   * activation is fused into conv2d, Flatten is a tracked reshape. */
  static const char *const cnn_ops[] = {
    "conv2d", "max_pooling2d", "reshape", "dense", "sparse_categorical_crossentropy", NULL
  };
  GtkWidget *inspector = ft_tape_inspector_new ();
  FtTapeInspector *ti = FT_TAPE_INSPECTOR (inspector);
  GtkWidget *win = window_with (inspector, 1280, 960);
  ft_tape_inspector_show_snapshot (ti, "CNN", snap);
  snapshot_free (snap); /* the inspector keeps its own copy */
  assert_shows (ti, &e, cnn_ops);
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "Tape for batch 6 of epoch 3 — 5 ops recorded");
  g_assert_cmpuint (e.variables->len, ==, 4); /* conv2d kernel + bias, dense kernel + bias */
  assert_on_screen (inspector, &e);
  FtTapeOpRow *conv = g_list_model_get_item (ft_tape_inspector_get_forward (ti), 0);
  g_assert_cmpstr (ft_tape_op_row_get_shapes (conv), ==,
                   "(16, 12, 12, 1) (3, 3, 1, 8) (8,) → (16, 10, 10, 8)");
  g_object_unref (conv);

  /* Successive steps: one more point per line each time. */
  for (int step = 0; step < 3; step++)
    {
      g_assert_true (ft_train_step (m, opt, &loss, tape, x, y, NULL, &l, NULL, NULL));
      snap = snapshot_from_tape (tape, m, 2, 6 + step);
      ft_tape_inspector_show_snapshot (ti, "CNN", snap);
      snapshot_free (snap);
      g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "conv2d/kernel"), ==, 2 + step);
    }
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 4);

  ft_tape_inspector_clear (ti);
  g_assert_cmpuint (g_list_model_get_n_items (ft_tape_inspector_get_forward (ti)), ==, 0);
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 0);

  expected_clear (&e);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
  ft_tensor_free (x);
  ft_tensor_free (y);
  ft_tape_free (tape);
  ft_optimizer_free (opt);
  ft_model_free (m);
}

/* ---- the history cap ---- */

static void
test_history_cap (void)
{
  GtkWidget *inspector = ft_tape_inspector_new ();
  FtTapeInspector *ti = FT_TAPE_INSPECTOR (inspector);
  GtkWidget *win = window_with (inspector, 1280, 1024);
  FtSnapshotEntry entries[2] = {
    { .op = "dense", .inputs = "(8, 2) (2, 4) (4,)", .output = "(8, 4)", .flops = 136 },
    { .op = "dense", .inputs = "(8, 4) (4, 1) (1,)", .output = "(8, 1)", .flops = 72 },
  };
  FtSnapshotVariable vars[2] = { { .name = "dense/kernel" }, { .name = "dense_1/kernel" } };
  FtSnapshot snap = { .n_entries = 2, .entries = entries, .n_variables = 2, .variables = vars };
  const int total = 5000;
  for (int i = 0; i < total; i++)
    {
      snap.batch = i;
      vars[0].grad_norm = pow (10, -8.0 * i / (total - 1)); /* vanishing: 1 → 1e-8 */
      vars[1].grad_norm = pow (10, 4.0 * i / (total - 1));  /* exploding: 1 → 1e4 */
      vars[0].weight_norm = vars[1].weight_norm = 1;
      vars[0].update_ratio = vars[1].update_ratio = 1e-3;
      ft_tape_inspector_show_snapshot (ti, NULL, &snap);
      g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), <=, FT_TAPE_INSPECTOR_MAX_POINTS);
    }
  int n = ft_tape_inspector_get_n_points (ti, "dense/kernel");
  g_assert_cmpint (n, >, FT_TAPE_INSPECTOR_MAX_POINTS / 2);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense_1/kernel"), ==, n);
  double x, y, prev = 0;
  /* The whole run stays: from the first snapshot to the last, in order. */
  g_assert_true (ft_tape_inspector_get_point (ti, "dense/kernel", 0, &x, &y));
  g_assert_cmpfloat (x, ==, 1);
  g_assert_cmpfloat (y, ==, 1);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (ft_tape_inspector_get_point (ti, "dense/kernel", i, &x, NULL));
      g_assert_cmpfloat (x, >, prev);
      prev = x;
    }
  g_assert_true (ft_tape_inspector_get_point (ti, "dense/kernel", n - 1, &x, &y));
  g_assert_cmpfloat (x, ==, total);
  g_assert_cmpfloat (fabs (y - 1e-8), <, 1e-12);
  g_assert_cmpstr (ft_tape_inspector_get_title (ti), ==, "Tape for batch 5000 of epoch 1 — 2 ops recorded");
  g_object_unref (screenshot (win, "/tmp/fittape-tape-inspector-vanishing.png"));
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
}

/* ---- the screenshot: vanishing gradients in a deep sigmoid network ---- */

static double
chart_ink (GdkTexture *texture, GtkWidget *window, GtkWidget *chart)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guchar *px = g_malloc ((size_t) w * h * 4);
  gdk_texture_download (texture, px, (size_t) w * 4);
  graphene_rect_t r;
  g_assert_true (gtk_widget_compute_bounds (chart, window, &r));
  /* Saturated (coloured) pixels inside the chart: the lines and the shaded zones. */
  int n = 0, total = 0;
  for (int yy = (int) r.origin.y; yy < (int) (r.origin.y + r.size.height) && yy < h; yy++)
    for (int xx = (int) r.origin.x; xx < (int) (r.origin.x + r.size.width) && xx < w; xx++)
      {
        const guchar *p = px + 4 * ((size_t) yy * w + xx);
        int mx = MAX (p[0], MAX (p[1], p[2])), mn = MIN (p[0], MIN (p[1], p[2]));
        total++;
        if (mx - mn > 60)
          n++;
      }
  g_free (px);
  return total > 0 ? (double) n / total : 0;
}

static void
test_screenshot (void)
{
  GtkWidget *inspector = ft_tape_inspector_new ();
  FtTapeInspector *ti = FT_TAPE_INSPECTOR (inspector);
  GtkWidget *win = window_with (inspector, 1280, 1024);

  FtDataset *data = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 640, 0.1f, 2);
  FtTrainer *t = dense_trainer (4, 8, FT_ACT_SIGMOID, 0.5f, 11);
  FtJob job = tape_job (t, data, 5);
  Watch w;
  memset (&w, 0, sizeof w);
  w.inspector = ti;
  w.run_name = "Run 1 · tape";
  FtRunner *r = ft_runner_new (&job, NULL, on_event, &w);
  ft_runner_pause (r);
  ft_runner_start (r);
  for (int i = 0; i < 60; i++)
    step_with_snapshot (r, &w);
  g_assert_cmpint (ft_tape_inspector_get_n_lines (ti), ==, 10);
  g_assert_cmpint (ft_tape_inspector_get_n_points (ti, "dense/kernel"), ==, 60);
  /* Sigmoid layers shrink the gradient on its way back: the first layer gets less than the last. */
  FtTapeVarRow *first = g_list_model_get_item (ft_tape_inspector_get_variables (ti), 0);
  FtTapeVarRow *last = g_list_model_get_item (ft_tape_inspector_get_variables (ti), 8);
  g_assert_cmpstr (ft_tape_var_row_get_name (first), ==, "dense/kernel");
  g_assert_cmpfloat (ft_tape_var_row_get_grad_norm (first), <, ft_tape_var_row_get_grad_norm (last));
  g_object_unref (first);
  g_object_unref (last);
  assert_on_screen (inspector, &w.last);

  GdkTexture *texture = screenshot (win, SCREENSHOT_PATH);
  g_assert_cmpfloat (chart_ink (texture, win, ft_tape_inspector_get_chart (ti)), >, 0.005);
  g_object_unref (texture);

  /* Dark style, a narrow window (the sections stack), and presentation mode with the application's
   * style sheet: for a human to look at. */
  AdwStyleManager *sm = adw_style_manager_get_default ();
  adw_style_manager_set_color_scheme (sm, ADW_COLOR_SCHEME_FORCE_DARK);
  g_object_unref (screenshot (win, "/tmp/fittape-tape-inspector-dark.png"));
  adw_style_manager_set_color_scheme (sm, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_set_default_size (GTK_WINDOW (win), 760, 1024);
  iterate ();
  gtk_test_widget_wait_for_draw (win);
  g_object_unref (screenshot (win, "/tmp/fittape-tape-inspector-narrow.png"));
  GtkCssProvider *app_css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (app_css, "/org/fittape/FitTape/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (app_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_widget_add_css_class (win, "presentation");
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 1024);
  iterate ();
  gtk_test_widget_wait_for_draw (win);
  g_object_unref (screenshot (win, "/tmp/fittape-tape-inspector-presentation.png"));
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (app_css));
  g_object_unref (app_css);

  ft_runner_stop (r);
  wait_until (&w.done, NULL, 0);
  ft_runner_free (r);
  ft_trainer_free (t);
  ft_dataset_free (data);
  expected_clear (&w.last);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/tape-inspector/empty", test_empty);
  g_test_add_func ("/tape-inspector/runner-snapshots", test_runner_snapshots);
  g_test_add_func ("/tape-inspector/cnn-tape", test_cnn_tape);
  g_test_add_func ("/tape-inspector/history-cap", test_history_cap);
  g_test_add_func ("/tape-inspector/screenshot", test_screenshot);
  return g_test_run ();
}
