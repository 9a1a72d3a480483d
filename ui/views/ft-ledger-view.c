/* ft-ledger-view.c — the dialog that shows how one epoch value was made (see ft-ledger-view.h). */
#include "views/ft-ledger-view.h"

#include "core/ft-format.h"

#include <glib/gi18n.h>
#include <string.h>

/* Table rows shown before the table folds: the first ones, a "⋮" row, the last ones. */
#define HEAD_ROWS 6
#define TAIL_ROWS 2
/* Terms of a formula before it folds into "… k more …". */
#define FORMULA_TERMS 8

struct _FtLedgerView
{
  AdwWindow parent_instance;
  AdwWindowTitle *window_title;
  GtkScrolledWindow *scroller;
  GtkBox *columns_box;
  GPtrArray *columns; /* GHashTable*: part name → GtkLabel* */
};

G_DEFINE_FINAL_TYPE (FtLedgerView, ft_ledger_view, ADW_TYPE_WINDOW)

static void
ft_ledger_view_dispose (GObject *object)
{
  FtLedgerView *self = FT_LEDGER_VIEW (object);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  G_OBJECT_CLASS (ft_ledger_view_parent_class)->dispose (object);
}

static void
ft_ledger_view_class_init (FtLedgerViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_ledger_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/fittape/FitTape/ui/ledger-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FtLedgerView, window_title);
  gtk_widget_class_bind_template_child (widget_class, FtLedgerView, columns_box);
  gtk_widget_class_bind_template_child (widget_class, FtLedgerView, scroller);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ft_ledger_view_init (FtLedgerView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  gtk_widget_add_css_class (GTK_WIDGET (self), "ledger");
}

GtkWidget *
ft_ledger_view_new (GtkWindow *parent)
{
  FtLedgerView *self = g_object_new (FT_TYPE_LEDGER_VIEW, NULL);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      if (gtk_widget_has_css_class (GTK_WIDGET (parent), "presentation"))
        gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
      int w = gtk_widget_get_width (GTK_WIDGET (parent)), h = gtk_widget_get_height (GTK_WIDGET (parent));
      /* As wide as most of the parent; as high as the columns need, up to most of the parent (then the
       * columns scroll). */
      if (w > 0 && h > 0)
        {
          gtk_window_set_default_size (GTK_WINDOW (self), w * 9 / 10, -1);
          gtk_scrolled_window_set_max_content_height (self->scroller, h * 8 / 10);
        }
    }
  return GTK_WIDGET (self);
}

void
ft_ledger_view_set_heading (FtLedgerView *self, const char *title, const char *subtitle)
{
  g_return_if_fail (FT_IS_LEDGER_VIEW (self));
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
}

/* A wrapped, selectable label with style classes (space-separated), named part in the column's table. */
static GtkLabel *
add_label (GtkBox *box, GHashTable *parts, const char *part, const char *text, const char *classes)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (l), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  if (classes != NULL)
    {
      char **c = g_strsplit (classes, " ", -1);
      for (int i = 0; c[i] != NULL; i++)
        if (c[i][0] != '\0')
          gtk_widget_add_css_class (l, c[i]);
      g_strfreev (c);
    }
  if (part != NULL)
    {
      char *name = g_strdup_printf ("ledger-%s", part);
      gtk_widget_set_name (l, name);
      g_free (name);
      g_hash_table_insert (parts, g_strdup (part), l);
    }
  gtk_box_append (box, l);
  return GTK_LABEL (l);
}

static GtkBox *
column_new (FtLedgerView *self, const char *run_name, GHashTable **parts_out)
{
  GtkWidget *col = gtk_box_new (GTK_ORIENTATION_VERTICAL, 10);
  gtk_widget_add_css_class (col, "card");
  gtk_widget_add_css_class (col, "ledger-column");
  gtk_widget_set_valign (col, GTK_ALIGN_START);
  GHashTable *parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_label (GTK_BOX (col), parts, "run", run_name, "title-2");
  gtk_box_append (self->columns_box, col);
  g_ptr_array_add (self->columns, parts);
  *parts_out = parts;
  return GTK_BOX (col);
}

int
ft_ledger_view_add_message (FtLedgerView *self, const char *run_name, const char *message)
{
  g_return_val_if_fail (FT_IS_LEDGER_VIEW (self), -1);
  GHashTable *parts;
  GtkBox *col = column_new (self, run_name, &parts);
  add_label (col, parts, "message", message, "body");
  return (int) self->columns->len - 1;
}

/* The batches as a table: batch, nᵢ, vᵢ (and pᵢ, the penalty inside vᵢ, when there is one); long epochs
 * fold in the middle. Also returns the table as text, one line per row. */
static GtkWidget *
batch_table (const FtLedgerEntry *e, GString *text)
{
  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 24);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  gtk_widget_add_css_class (grid, "ledger-table");
  bool penalty = e->regularization && e->metric == 0;
  char value_head[FT_LOG_KEY_MAX + 16];
  g_snprintf (value_head, sizeof value_head, "vᵢ (%s)", e->validation ? e->key + 4 : e->key);
  const char *heads[4] = { _ ("batch"), "nᵢ", value_head, "pᵢ (penalty)" };
  int n_cols = penalty ? 4 : 3;
  for (int c = 0; c < n_cols; c++)
    {
      GtkWidget *l = gtk_label_new (heads[c]);
      gtk_widget_add_css_class (l, "heading");
      gtk_label_set_xalign (GTK_LABEL (l), c == 0 ? 0 : 1);
      gtk_grid_attach (GTK_GRID (grid), l, c, 0, 1, 1);
    }
  g_string_append_printf (text, "%s\t%s\t%s%s\n", heads[0], heads[1], heads[2], penalty ? "\tpᵢ" : "");
  int row = 1;
  for (int k = 0; k < e->n_batches; k++)
    {
      if (e->n_batches > HEAD_ROWS + TAIL_ROWS + 1 && k == HEAD_ROWS)
        {
          char count[32];
          ft_format_thousands (count, sizeof count, e->n_batches - HEAD_ROWS - TAIL_ROWS);
          char *more = g_strdup_printf (_ ("⋮ %s more batches"), count);
          GtkWidget *l = gtk_label_new (more);
          gtk_label_set_xalign (GTK_LABEL (l), 0);
          gtk_widget_add_css_class (l, "dim-label");
          gtk_grid_attach (GTK_GRID (grid), l, 0, row++, n_cols, 1);
          g_string_append_printf (text, "%s\n", more);
          g_free (more);
          k = e->n_batches - TAIL_ROWS;
        }
      char cells[4][48];
      g_snprintf (cells[0], sizeof cells[0], "%d", k + 1);
      g_snprintf (cells[1], sizeof cells[1], "%.6g", e->counts[k]);
      g_snprintf (cells[2], sizeof cells[2], "%.4f", e->values[k]);
      g_snprintf (cells[3], sizeof cells[3], "%.4f", (double) e->batches[k].penalty);
      for (int c = 0; c < n_cols; c++)
        {
          GtkWidget *l = gtk_label_new (cells[c]);
          gtk_widget_add_css_class (l, "numeric");
          gtk_label_set_xalign (GTK_LABEL (l), c == 0 ? 0 : 1);
          gtk_grid_attach (GTK_GRID (grid), l, c, row, 1, 1);
        }
      g_string_append_printf (text, "%s\t%s\t%s%s%s\n", cells[0], cells[1], cells[2], penalty ? "\t" : "",
                              penalty ? cells[3] : "");
      row++;
    }
  return grid;
}

/* The pitfall that made a rule, for its name in the ledger. */
static const char *
rule_pitfall (FtLedgerRule rule)
{
  switch (rule)
    {
    case FT_LEDGER_RULE_UNWEIGHTED_MEAN:
      return ft_pitfall_name (FT_PITFALL_UNWEIGHTED_BATCH_MEAN);
    case FT_LEDGER_RULE_LAST_BATCH:
      return ft_pitfall_name (FT_PITFALL_EPOCH_LOSS_LAST_BATCH);
    case FT_LEDGER_RULE_WEIGHTED_MEAN:
    case FT_LEDGER_N_RULES:
      break;
    }
  return NULL;
}

/* A tape loop's own rule, when it is not Keras': a tinted box with a bar along its edge, and the pitfall
 * named in words. */
static void
add_pitfall (GtkBox *col, GHashTable *parts, const FtLedgerEntry *e)
{
  const char *pitfall = rule_pitfall (e->rule);
  if (pitfall == NULL)
    {
      g_hash_table_insert (parts, g_strdup ("rule"), NULL);
      return;
    }
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (box, "ledger-pitfall");
  gtk_box_append (col, box);
  char *head = g_strdup_printf (_ ("This loop's rule (pitfall %s): the %s"), pitfall,
                                ft_ledger_rule_name (e->rule));
  add_label (GTK_BOX (box), NULL, NULL, head, "heading");
  g_free (head);
  char *f = ft_ledger_formula (e, e->rule, FORMULA_TERMS);
  char *line = g_strdup_printf (_ ("%s — what it logged, instead of %.6g"), f, e->weighted);
  add_label (GTK_BOX (box), parts, "rule", line, "body ledger-formula numeric");
  g_free (line);
  g_free (f);
}

/* Beside it: the last batch, the unweighted mean, and the full pass (computed later). */
static void
add_beside (GtkBox *col, GHashTable *parts, const FtLedgerEntry *e)
{
  char buf[256];
  add_label (col, NULL, NULL, _ ("Beside it"), "heading");
  g_snprintf (buf, sizeof buf, _ ("The last batch alone: %.6g (%u samples)%s"), e->last,
              e->batches[e->n_batches - 1].size,
              e->metric == 0 && !e->validation ? _ (" — what a loop printing its last loss shows") : "");
  add_label (col, parts, "last", buf, "body numeric");
  if (e->metric == 0 && e->rule != FT_LEDGER_RULE_UNWEIGHTED_MEAN)
    {
      g_snprintf (buf, sizeof buf, _ ("The unweighted mean of the batch means: %.6g"), e->unweighted);
      add_label (col, parts, "unweighted", buf, "body numeric");
    }
  if (!e->validation)
    {
      GtkLabel *pass = add_label (col, parts, "full-pass",
                                  _ ("A full pass over the training data after the epoch: computing…"),
                                  "body numeric");
      g_object_set_data (G_OBJECT (pass), "ft-penalty",
                         GINT_TO_POINTER (e->regularization && e->metric == 0));
    }
  else
    g_hash_table_insert (parts, g_strdup ("full-pass"), NULL);
}

int
ft_ledger_view_add_column (FtLedgerView *self, const char *run_name, const FtLedgerEntry *e)
{
  g_return_val_if_fail (FT_IS_LEDGER_VIEW (self), -1);
  if (e->n_batches == 0)
    return ft_ledger_view_add_message (
        self, run_name,
        e->validation ? _ ("No validation pass was recorded for this epoch.")
                      : _ ("The ledger recorded no batches for this number (a metric it does not track)."));
  GHashTable *parts;
  GtkBox *col = column_new (self, run_name, &parts);
  char buf[256];

  /* The number itself, as logged. */
  g_snprintf (buf, sizeof buf, "%s = %.6g", e->key, e->has_logged ? e->logged : e->by_rule);
  add_label (col, parts, "value", buf, "title-1 numeric");

  /* Where its batches come from. */
  char n_batches[32];
  ft_format_thousands (n_batches, sizeof n_batches, e->n_batches);
  if (e->validation)
    g_snprintf (buf, sizeof buf,
                _ ("The validation pass after epoch %d: %s batches in inference mode, with the epoch's final "
                   "weights."),
                e->epoch + 1, n_batches);
  else
    g_snprintf (buf, sizeof buf,
                _ ("Epoch %d's %s training batches, each value taken before its batch's update."),
                e->epoch + 1, n_batches);
  add_label (col, parts, "source", buf, "body dim-label");

  /* Keras' rule with the numbers. */
  add_label (col, NULL, NULL,
             e->metric == 0
                 ? _ ("fit(): the mean weighted by batch size, Σ nᵢ·vᵢ / Σ nᵢ")
                 : (e->validation ? _ ("The metric counts over every validation sample: Σ nᵢ·vᵢ / Σ nᵢ")
                                  : _ ("The metric counts over every sample of the epoch: Σ nᵢ·vᵢ / Σ nᵢ")),
             "heading");
  char *f = ft_ledger_formula (e, FT_LEDGER_RULE_WEIGHTED_MEAN, FORMULA_TERMS);
  add_label (col, parts, "formula", f, "body ledger-formula numeric");
  g_free (f);

  add_pitfall (col, parts, e);

  /* The regularization penalty. */
  if (e->metric != 0)
    g_snprintf (buf, sizeof buf, _ ("Metrics never include the regularization penalty."));
  else if (e->regularization)
    g_snprintf (buf, sizeof buf,
                _ ("Includes the regularization penalty sum(model.losses): %.4g on average "
                   "(Σ nᵢ·pᵢ / Σ nᵢ), inside every vᵢ."),
                e->penalty);
  else
    g_snprintf (buf, sizeof buf, _ ("No regularization penalty in it."));
  add_label (col, parts, "penalty", buf, "body");

  add_beside (col, parts, e);

  /* The batches themselves, last: the lines above are what a class needs to see first. */
  add_label (col, NULL, NULL, e->validation ? _ ("The validation batches") : _ ("The batches"), "heading");
  GString *table_text = g_string_new (NULL);
  gtk_box_append (col, batch_table (e, table_text));
  GtkLabel *table_label = add_label (col, parts, "batches", table_text->str, NULL);
  gtk_widget_set_visible (GTK_WIDGET (table_label), FALSE); /* the table's text, for tests */
  g_string_free (table_text, TRUE);
  return (int) self->columns->len - 1;
}

void
ft_ledger_view_set_full_pass (FtLedgerView *self, int column, const char *key, gboolean ok, double value,
                              uint32_t samples, const char *message)
{
  g_return_if_fail (FT_IS_LEDGER_VIEW (self));
  if (column < 0 || (guint) column >= self->columns->len)
    return;
  GtkLabel *l = g_hash_table_lookup (g_ptr_array_index (self->columns, column), "full-pass");
  if (l == NULL)
    return;
  bool penalty = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (l), "ft-penalty"));
  char count[32];
  ft_format_thousands (count, sizeof count, samples);
  char *text = ok ? g_strdup_printf (_ ("A full pass over the %s training samples after the epoch (what "
                                        "Playground shows), inference mode: %s = %.6g%s"),
                                     count, key, value,
                                     penalty ? _ (", the penalty included as evaluate() does") : "")
                  : g_strdup_printf (_ ("No full pass after the epoch: %s"), message);
  gtk_label_set_text (l, text);
  g_free (text);
}

int
ft_ledger_view_get_n_columns (FtLedgerView *self)
{
  g_return_val_if_fail (FT_IS_LEDGER_VIEW (self), 0);
  return (int) self->columns->len;
}

const char *
ft_ledger_view_get_text (FtLedgerView *self, int column, const char *part)
{
  g_return_val_if_fail (FT_IS_LEDGER_VIEW (self), NULL);
  if (column < 0 || (guint) column >= self->columns->len)
    return NULL;
  GtkLabel *l = g_hash_table_lookup (g_ptr_array_index (self->columns, column), part);
  return l != NULL ? gtk_label_get_text (l)
                   : (g_hash_table_contains (g_ptr_array_index (self->columns, column), part) ? "" : NULL);
}
