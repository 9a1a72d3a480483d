/* ft-tape-inspector.c — one training step's tape: forward pass, backward pass, variables and a chart of
 * gradient norms over time (see ft-tape-inspector.h). The widget: its pages, a snapshot shown, accessors;
 * the rows, tables and chart are in ft-tape-rows.c, ft-tape-cells.c and ft-tape-chart.c. */
#include "views/ft-tape-inspector-private.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

static const char inspector_css[]
    = ".tape-inspector .tape-title { font-size: 160%; font-weight: 800; }\n"
      ".tape-inspector .tape-subtitle { font-size: 105%; }\n"
      ".tape-inspector .tape-section { padding: 14px 16px 10px 16px; }\n"
      ".tape-inspector .tape-section.backward { background-color: mix(@card_bg_color, #ff7800, 0.07); }\n"
      ".tape-inspector .tape-section.forward { background-color: mix(@card_bg_color, #3584e4, 0.05); }\n"
      ".tape-inspector .tape-heading { font-size: 120%; font-weight: 700; }\n"
      ".tape-inspector .tape-badge { border-radius: 6px; padding: 2px 8px; font-weight: 800;"
      " font-size: 85%; color: white; }\n"
      ".tape-inspector .tape-badge.forward { background-color: #1c71d8; }\n"
      ".tape-inspector .tape-badge.backward { background-color: #c64600; }\n"
      ".tape-inspector .tape-badge.variables { background-color: #613583; }\n"
      ".tape-inspector .tape-badge.history { background-color: #26a269; }\n"
      ".tape-inspector .tape-code { font-family: monospace; font-size: 90%; }\n"
      ".tape-inspector .tape-column-title { font-weight: 700; font-size: 90%; opacity: 0.6;"
      " padding: 2px 8px 6px 8px; }\n"
      ".tape-inspector .tape-cell { padding: 7px 8px; border-top: 1px solid alpha(currentColor, 0.1); }\n"
      ".tape-inspector .tape-op { font-weight: 700; font-size: 110%; }\n"
      ".tape-inspector .tape-op.backward { color: mix(currentColor, #e66100, 0.7); }\n"
      ".tape-inspector .tape-op.forward { color: mix(currentColor, #1c71d8, 0.55); }\n"
      ".tape-inspector .tape-shapes { font-family: monospace; font-size: 90%; opacity: 0.75; }\n"
      ".tape-inspector .tape-index { opacity: 0.6; }\n";

/* ================================================================================================ */
/* Rows */

G_DEFINE_FINAL_TYPE (FtTapeInspector, ft_tape_inspector, GTK_TYPE_BOX)

#define EMPTY_TITLE "No tape recorded yet"

/* ---- showing a snapshot ---- */

/* Replaces a store's items with rows (built aside, swapped in one splice). */
static void
store_replace (GListStore *store, GPtrArray *rows)
{
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), rows->pdata, rows->len);
  g_ptr_array_unref (rows);
}

/* Appends the snapshot's gradient norms to the run's history and lists its variables. */
static void
show_variables (FtTapeInspector *self, RunHistory *h, const FtSnapshot *snapshot)
{
  double max_grad = 0;
  for (int i = 0; i < snapshot->n_variables; i++)
    if (isfinite (snapshot->variables[i].grad_norm))
      max_grad = MAX (max_grad, snapshot->variables[i].grad_norm);
  GPtrArray *vars = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < snapshot->n_variables; i++)
    {
      const FtSnapshotVariable *v = &snapshot->variables[i];
      const char *name = v->name != NULL ? v->name : "?";
      Line *line = ft_tape_history_line (h, name, TRUE);
      ft_tape_line_append (line, h->n_snapshots, v->grad_norm);
      FtTapeVarRow *row = g_object_new (FT_TYPE_TAPE_VAR_ROW, NULL);
      row->name = g_strdup (name);
      row->grad_norm = v->grad_norm;
      row->weight_norm = v->weight_norm;
      row->update_ratio = v->update_ratio;
      row->grad_fraction = max_grad > 0 && isfinite (v->grad_norm) ? v->grad_norm / max_grad : 0;
      row->colour = line->colour;
      row->n_layers = (int) h->layers->len;
      row->dash = line->dash;
      g_ptr_array_add (vars, row);
    }
  store_replace (self->variables, vars);
}

/* The title, the subtitle (run, pass times, FLOPs, variables) and the chart's caption. */
static void
show_header (FtTapeInspector *self, const char *run_name, const FtSnapshot *snapshot, const RunHistory *h,
             int n, double fwd_total, double bwd_total, double flops_total)
{
  g_free (self->title);
  self->title = g_strdup_printf ("Tape for batch %d of epoch %d — %d %s recorded", snapshot->batch + 1,
                                 snapshot->epoch + 1, n, n == 1 ? "op" : "ops");
  gtk_label_set_text (self->title_label, self->title);
  GString *sub = g_string_new (run_name);
  char buf[64];
  if (fwd_total > 0 || bwd_total > 0)
    {
      ft_tape_format_time (buf, sizeof buf, fwd_total);
      g_string_append_printf (sub, "%sforward %s", sub->len ? "  ·  " : "", buf);
      ft_tape_format_time (buf, sizeof buf, bwd_total);
      g_string_append_printf (sub, "  ·  backward %s", buf);
    }
  if (flops_total > 0)
    {
      ft_tape_format_flops (buf, sizeof buf, flops_total);
      g_string_append_printf (sub, "%s%s forward", sub->len ? "  ·  " : "", buf);
    }
  g_string_append_printf (sub, "%s%d trainable variable%s", sub->len ? "  ·  " : "", snapshot->n_variables,
                          snapshot->n_variables == 1 ? "" : "s");
  gtk_label_set_text (self->subtitle_label, sub->str);
  g_string_free (sub, TRUE);

  char *caption = g_strdup_printf ("%s%s%d snapshot%s · log scale · shaded: vanishing (< 10⁻⁶) and "
                                   "exploding (> 10³)",
                                   run_name, run_name[0] ? " · " : "", h->n_snapshots,
                                   h->n_snapshots == 1 ? "" : "s");
  gtk_label_set_text (self->chart_caption, caption);
  g_free (caption);
}

void
ft_tape_inspector_show_snapshot (FtTapeInspector *self, const char *run_name, const FtSnapshot *snapshot)
{
  g_return_if_fail (FT_IS_TAPE_INSPECTOR (self));
  g_return_if_fail (snapshot != NULL);
  if (run_name == NULL)
    run_name = "";

  int n = MAX (0, snapshot->n_entries);
  double fwd_total = 0, bwd_total = 0, flops_total = 0;
  for (int i = 0; i < n; i++)
    {
      const FtSnapshotEntry *e = &snapshot->entries[i];
      fwd_total += e->forward_us > 0 ? e->forward_us : 0;
      bwd_total += e->backward_us > 0 ? e->backward_us : 0;
      flops_total += e->flops > 0 ? e->flops : 0;
    }

  /* Tables: built aside, swapped in one splice each. */
  GPtrArray *fwd = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *bwd = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < n; i++)
    g_ptr_array_add (fwd, ft_tape_op_row_new (&snapshot->entries[i], i, FALSE, fwd_total));
  for (int i = n - 1; i >= 0; i--)
    g_ptr_array_add (bwd, ft_tape_op_row_new (&snapshot->entries[i], i, TRUE, bwd_total));
  store_replace (self->forward, fwd);
  store_replace (self->backward, bwd);

  /* History of this run. */
  RunHistory *h = g_hash_table_lookup (self->runs, run_name);
  if (h == NULL)
    {
      h = ft_tape_run_history_new (run_name);
      g_hash_table_insert (self->runs, h->run, h);
    }
  self->current = h;
  h->n_snapshots++;
  show_variables (self, h, snapshot);
  show_header (self, run_name, snapshot, h, n, fwd_total, bwd_total, flops_total);

  ft_tape_update_chart_label (self);
  gtk_widget_queue_draw (self->chart);
  gtk_stack_set_visible_child_name (self->stack, "tape");
}

void
ft_tape_inspector_clear (FtTapeInspector *self)
{
  g_return_if_fail (FT_IS_TAPE_INSPECTOR (self));
  g_list_store_remove_all (self->forward);
  g_list_store_remove_all (self->backward);
  g_list_store_remove_all (self->variables);
  self->current = NULL;
  g_hash_table_remove_all (self->runs);
  g_clear_pointer (&self->title, g_free);
  gtk_label_set_text (self->title_label, "");
  gtk_label_set_text (self->subtitle_label, "");
  gtk_label_set_text (self->chart_caption, "");
  ft_tape_update_chart_label (self);
  gtk_widget_queue_draw (self->chart);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* ---- accessors ---- */

const char *
ft_tape_inspector_get_title (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return self->title != NULL ? self->title : EMPTY_TITLE;
}

GListModel *
ft_tape_inspector_get_forward (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->forward);
}

GListModel *
ft_tape_inspector_get_backward (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->backward);
}

GListModel *
ft_tape_inspector_get_variables (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->variables);
}

int
ft_tape_inspector_get_n_lines (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), 0);
  return self->current != NULL ? (int) self->current->lines->len : 0;
}

int
ft_tape_inspector_get_n_points (FtTapeInspector *self, const char *variable)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), 0);
  g_return_val_if_fail (variable != NULL, 0);
  Line *line = self->current != NULL ? ft_tape_history_line (self->current, variable, FALSE) : NULL;
  return line != NULL ? (int) line->points->len : 0;
}

gboolean
ft_tape_inspector_get_point (FtTapeInspector *self, const char *variable, int i, double *x, double *y)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), FALSE);
  g_return_val_if_fail (variable != NULL, FALSE);
  Line *line = self->current != NULL ? ft_tape_history_line (self->current, variable, FALSE) : NULL;
  if (line == NULL || i < 0 || i >= (int) line->points->len)
    return FALSE;
  Point p = g_array_index (line->points, Point, i);
  if (x != NULL)
    *x = p.x;
  if (y != NULL)
    *y = p.y;
  return TRUE;
}

GtkWidget *
ft_tape_inspector_get_chart (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return self->chart;
}

/* ---- construction ---- */

static void
ensure_css (void)
{
  static GdkDisplay *loaded_for;
  GdkDisplay *display = gdk_display_get_default ();
  if (display == NULL || display == loaded_for)
    return;
  GtkCssProvider *provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, inspector_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);
  loaded_for = display;
}

static void
ft_tape_inspector_dispose (GObject *object)
{
  FtTapeInspector *self = FT_TAPE_INSPECTOR (object);
  for (int i = 0; i < 3; i++)
    if (self->tables[i]->model != NULL)
      {
        g_signal_handlers_disconnect_by_data (self->tables[i]->model, self->tables[i]);
        self->tables[i]->model = NULL;
        self->tables[i]->grid = NULL;
      }
  self->current = NULL;
  g_clear_pointer (&self->runs, g_hash_table_unref);
  G_OBJECT_CLASS (ft_tape_inspector_parent_class)->dispose (object);
}

static void
ft_tape_inspector_finalize (GObject *object)
{
  FtTapeInspector *self = FT_TAPE_INSPECTOR (object);
  g_clear_object (&self->forward);
  g_clear_object (&self->backward);
  g_clear_object (&self->variables);
  g_free (self->title);
  g_free (self->chart_label);
  for (int i = 0; i < 3; i++)
    g_free (self->tables[i]);
  G_OBJECT_CLASS (ft_tape_inspector_parent_class)->finalize (object);
}

static void
ft_tape_inspector_class_init (FtTapeInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = ft_tape_inspector_dispose;
  object_class->finalize = ft_tape_inspector_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "tapeinspector");
}

static GtkWidget *
flow_child (GtkWidget *card)
{
  GtkWidget *child = gtk_flow_box_child_new ();
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), card);
  gtk_widget_set_focusable (child, FALSE);
  return child;
}

/* The empty page: what to do to see a tape. */
static void
add_empty_page (FtTapeInspector *self)
{
  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "view-list-ordered-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), EMPTY_TITLE);
  adw_status_page_set_description (
      ADW_STATUS_PAGE (self->empty_page),
      "Step one batch to see what tf.GradientTape recorded: the forward pass, the "
      "same operations replayed backwards by tape.gradient(), and every "
      "variable's gradient.");
  gtk_stack_add_named (self->stack, self->empty_page, "empty");
}

/* An empty left-aligned label that wraps, with the style classes (separated by spaces), named when name is
 * given (tests find it by name). */
static GtkWidget *
wrapping_label (const char *name, const char *classes)
{
  GtkWidget *l = gtk_label_new (NULL);
  if (name != NULL)
    gtk_widget_set_name (l, name);
  char **v = g_strsplit (classes, " ", -1);
  for (char **c = v; *c != NULL; c++)
    gtk_widget_add_css_class (l, *c);
  g_strfreev (v);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  return l;
}

/* The title and the subtitle (run, pass times, FLOPs, variables). */
static GtkWidget *
header_new (FtTapeInspector *self)
{
  GtkWidget *title = wrapping_label ("title", "tape-title");
  self->title_label = GTK_LABEL (title);
  GtkWidget *subtitle = wrapping_label ("subtitle", "tape-subtitle numeric dim-label");
  self->subtitle_label = GTK_LABEL (subtitle);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_start (head, 6);
  gtk_box_append (GTK_BOX (head), title);
  gtk_box_append (GTK_BOX (head), subtitle);
  return head;
}

/* The forward, backward and variables sections: a table each, with the TensorFlow code it shows. */
typedef struct
{
  const char *css, *badge, *heading, *code;
  const char *table_name;
  int n_columns;
  CellKind kinds[4];
  const char *titles[4];
} TableSection;

static const TableSection table_sections[3] = {
  { "forward",
    "FORWARD",
    "Forward pass — recorded on the tape",
    "with tf.GradientTape() as tape:\n"
    "    logits = model(x, training=True)\n"
    "    loss = loss_fn(y, logits)",
    "forward-table",
    4,
    { CELL_INDEX, CELL_OP, CELL_FLOPS, CELL_TIME },
    { "#", "Operation · inputs → output", "FLOPs", "Forward time" } },
  { "backward",
    "BACKWARD",
    "Backward pass — the tape replayed in reverse",
    "grads = tape.gradient(loss, model.trainable_variables)\n"
    "# walks the entries last to first, chain rule at each op",
    "backward-table",
    3,
    { CELL_INDEX, CELL_OP, CELL_TIME },
    { "#", "∂ Operation · ∂output → ∂inputs", "Backward time" } },
  { "variables",
    "UPDATE",
    "Trainable variables",
    "optimizer.apply_gradients(zip(grads, model.trainable_variables))"
    "\n# ‖Δw‖/‖w‖ near 10⁻³ (the tick) is a healthy step",
    "variables-table",
    4,
    { CELL_VAR_NAME, CELL_GRAD, CELL_WEIGHT, CELL_RATIO },
    { "Variable", "Gradient ‖∇‖", "Weight ‖w‖", "Update ‖Δw‖/‖w‖" } },
};

static void
add_tables (FtTapeInspector *self, GtkWidget *flow)
{
  GListStore *stores[3] = { self->forward, self->backward, self->variables };
  for (guint i = 0; i < G_N_ELEMENTS (table_sections); i++)
    {
      const TableSection *s = &table_sections[i];
      GtkWidget *table = ft_tape_table_new (self->tables[i], G_LIST_MODEL (stores[i]), s->table_name,
                                            s->n_columns, s->kinds, s->titles);
      gtk_flow_box_append (GTK_FLOW_BOX (flow), flow_child (ft_tape_section_new (s->css, s->badge, s->heading,
                                                                                 s->code, TRUE, table)));
    }
}

/* The history section: the gradient-norm chart and its caption. */
static void
add_chart (FtTapeInspector *self, GtkWidget *flow)
{
  GtkWidget *chart_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->chart = g_object_new (GTK_TYPE_DRAWING_AREA, "accessible-role", GTK_ACCESSIBLE_ROLE_IMG, NULL);
  gtk_widget_set_name (self->chart, "gradient-chart");
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->chart), 300);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->chart), 300);
  gtk_widget_set_vexpand (self->chart, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->chart), ft_tape_chart_draw, self, NULL);
  GtkWidget *caption = wrapping_label (NULL, "caption dim-label");
  self->chart_caption = GTK_LABEL (caption);
  gtk_box_append (GTK_BOX (chart_box), self->chart);
  gtk_flow_box_append (
      GTK_FLOW_BOX (flow),
      flow_child (ft_tape_section_new ("history", "HISTORY", "Gradient norm ‖∇‖ over time",
                                       "One line per variable (colour: layer; solid: kernel, dashed: "
                                       "bias). Falling towards 10⁻⁸: vanishing; shooting up: "
                                       "exploding.",
                                       FALSE, chart_box)));
  gtk_box_append (GTK_BOX (chart_box), caption);
}

static void
ft_tape_inspector_init (FtTapeInspector *self)
{
  ensure_css ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_widget_add_css_class (GTK_WIDGET (self), "tape-inspector");
  self->forward = g_list_store_new (FT_TYPE_TAPE_OP_ROW);
  self->backward = g_list_store_new (FT_TYPE_TAPE_OP_ROW);
  self->variables = g_list_store_new (FT_TYPE_TAPE_VAR_ROW);
  for (int i = 0; i < 3; i++)
    self->tables[i] = g_new0 (Table, 1);
  self->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) ft_tape_run_history_free);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->stack));

  add_empty_page (self);

  /* The tape. */
  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (page, 18);
  gtk_widget_set_margin_end (page, 18);
  gtk_widget_set_margin_top (page, 16);
  gtk_widget_set_margin_bottom (page, 18);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), page);
  gtk_stack_add_named (self->stack, scroller, "tape");

  gtk_box_append (GTK_BOX (page), header_new (self));

  GtkWidget *flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), FALSE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 2);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_widget_set_valign (flow, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (page), flow);

  add_tables (self, flow);
  add_chart (self, flow);

  ft_tape_update_chart_label (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
ft_tape_inspector_new (void)
{
  return g_object_new (FT_TYPE_TAPE_INSPECTOR, NULL);
}
