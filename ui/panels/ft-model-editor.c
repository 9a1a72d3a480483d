/* ft-model-editor.c — the layer list of the experiment's Sequential model: add, remove, reorder and
 * edit layers, with Keras' summary rebuilt after every edit and an invalid network explained at the layer
 * where it goes wrong (that row gets the "error" style class).
 *
 * One AdwExpanderRow per layer; its header shows "Dense · 128 · relu" and, as subtitle, the Keras name,
 * the output shape and the parameter count; its expanded part holds the fields that layer type has. The
 * rows are rebuilt when the list changes shape (add, remove, move, a new experiment); an edit of a field
 * only updates the texts, so that focus stays where the user is typing. The first row is the input shape:
 * the experiment's, or empty for the data's own (e.g. "28, 28, 1" gives Fashion-MNIST the channel axis
 * Conv2D needs). */
#include "core/ft-format.h"
#include "panels/ft-model-editor-private.h"
#include "panels/ft-panel-class.h"
#include "panels/ft-widget-find.h"

#include "nn/ft-model.h"

#include <math.h>
#include <string.h>

/* Models above this many parameters are refused here: building one allocates and initialises every
 * weight, and nothing that large trains in a lesson on a laptop. */
#define MAX_PARAMS ((size_t) 25000000)

G_DEFINE_FINAL_TYPE (FtModelEditor, ft_model_editor, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ---- text helpers ---- */

/* "(None, 28, 28)" as Keras prints shapes with the batch axis. */
static void
format_shape (int ndim, const int *shape, char *buf, size_t size)
{
  GString *s = g_string_new ("(None");
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, ", %d", shape[d]);
  g_string_append_c (s, ')');
  g_strlcpy (buf, s->str, size);
  g_string_free (s, TRUE);
}

/* "Dense · 128 · relu": the parameters the table marks for the title (pooling strides as resolved). */
static char *
layer_title (const FtLayerSpec *l)
{
  GString *s = g_string_new (ft_layer_kind_name (l->kind));
  const FtKindInfo *kind = ft_layer_kind_info (l->kind);
  FtLayerSpec r = ft_layer_spec_resolved (l);
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (!(p->flags & FT_PARAM_TITLE)
          && !((p->flags & FT_PARAM_TITLE_CHANGED) && !ft_param_is_default (p, l)))
        continue;
      const void *f = ft_param_cptr (p, &r);
      g_string_append_printf (s, " · %s",
                              (p->flags & FT_PARAM_TITLE) || p->title_prefix == NULL ? "" : p->title_prefix);
      switch (p->type)
        {
        case FT_PARAM_INT:
          g_string_append_printf (s, "%d", *(const int *) f);
          break;
        case FT_PARAM_PAIR:
          g_string_append_printf (s, "%d×%d", ((const int *) f)[0], ((const int *) f)[1]);
          break;
        case FT_PARAM_FLOAT:
        case FT_PARAM_L2:
          g_string_append_printf (s, "%.*f", p->ui_digits, (double) *(const float *) f);
          break;
        case FT_PARAM_ACTIVATION:
          g_string_append (s, ft_activation_name (*(const FtActivation *) f));
          break;
        case FT_PARAM_PADDING:
          g_string_append (s, *(const FtPadding *) f == FT_PADDING_SAME ? "same" : "valid");
          break;
        case FT_PARAM_INITIALIZER:
          g_string_append (s, ft_initializer_name (*(const FtInitializer *) f));
          break;
        case FT_PARAM_BOOL:
          g_string_append (s, *(const bool *) f ? p->key : "no ");
          break;
        case FT_PARAM_DOUBLE: /* callbacks' types: no layer has them */
        case FT_PARAM_OPTIONAL:
        case FT_PARAM_STRING:
        case FT_PARAM_CHAR:
        case FT_PARAM_CHOICE:
        case FT_PARAM_KERAS_CONST:
        case FT_N_PARAM_TYPES:
          break;
        }
    }
  return g_string_free (s, FALSE);
}

/* ---- the input shape and the shape walk ---- */

/* The model's input shape: the experiment's, else the data's; false when neither is known. */
static bool
input_shape (FtModelEditor *self, int *ndim, int *shape, bool *from_data)
{
  if (self->exp != NULL && self->exp->input_ndim > 0)
    {
      *ndim = MIN (self->exp->input_ndim, 3);
      memcpy (shape, self->exp->input_shape, (size_t) *ndim * sizeof (int));
      *from_data = false;
      return true;
    }
  if (self->data_ndim > 0)
    {
      *ndim = self->data_ndim;
      memcpy (shape, self->data_shape, (size_t) *ndim * sizeof (int));
      *from_data = true;
      return true;
    }
  return false;
}

/* Shape inference layer by layer (when infer; else names only), naming the layers as Keras does; returns
 * the index of the first layer that fails (or n_layers). info has n_layers entries. */
static int
walk_layers (const FtExperiment *exp, bool infer, int ndim, const int *shape, LayerInfo *info)
{
  int counts[FT_N_LAYER_KINDS] = { 0 };
  int cur_ndim = ndim;
  int cur[FT_MAX_DIMS] = { 0 };
  memcpy (cur, shape, (size_t) ndim * sizeof (int));
  int failed = exp->n_layers;
  for (int i = 0; i < exp->n_layers; i++)
    {
      const FtLayerSpec *l = &exp->layers[i];
      LayerInfo *li = &info[i];
      int k = (unsigned) l->kind < FT_N_LAYER_KINDS ? (int) l->kind : 0;
      if (counts[k] == 0)
        g_snprintf (li->name, sizeof li->name, "%s", ft_layer_kind_base_name (l->kind));
      else
        g_snprintf (li->name, sizeof li->name, "%s_%d", ft_layer_kind_base_name (l->kind), counts[k]);
      counts[k]++;
      if (!infer || failed < exp->n_layers)
        continue;
      FtWeightSpec w[FT_LAYER_MAX_WEIGHTS];
      int nw = 0;
      if (!ft_layer_infer (l, cur_ndim, cur, &li->out_ndim, li->out_shape, &nw, w, NULL))
        {
          failed = i;
          continue;
        }
      li->ok = true;
      for (int j = 0; j < nw; j++)
        li->n_params += ft_shape_size (w[j].ndim, w[j].shape);
      cur_ndim = li->out_ndim;
      memcpy (cur, li->out_shape, sizeof cur);
    }
  return failed;
}

static void
set_error (FtModelEditor *self, const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message != NULL ? message : "");
}

static void
update_row_texts (FtModelEditor *self, int i, const LayerInfo *info, bool is_error)
{
  GtkWidget *row = g_ptr_array_index (self->rows, i);
  g_autofree char *title = layer_title (&self->exp->layers[i]);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);

  g_autofree char *subtitle = NULL;
  char shape[96], count[32];
  if (info != NULL && info->ok)
    {
      format_shape (info->out_ndim, info->out_shape, shape, sizeof shape);
      ft_format_thousands (count, sizeof count, (int64_t) info->n_params);
      subtitle = g_strdup_printf ("%s · %s · %s %s", info->name, shape, count,
                                  info->n_params == 1 ? "parameter" : "parameters");
    }
  else if (info != NULL && is_error)
    subtitle = g_strdup_printf ("%s · does not fit its input", info->name);
  else if (info != NULL)
    subtitle = g_strdup_printf ("%s · shape unknown", info->name);
  else
    subtitle = g_strdup ("shape unknown");
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

  if (is_error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");

  /* The explanation row of layers without fields says what they do to the shape. */
  GtkWidget *explain = g_object_get_data (G_OBJECT (row), "ft-explain");
  if (explain != NULL)
    {
      const FtLayerSpec *l = &self->exp->layers[i];
      g_autofree char *text = NULL;
      if (info != NULL && info->ok && l->kind == FT_LAYER_FLATTEN)
        text = g_strdup_printf ("Reshapes each sample to %s, keeping the batch axis", shape);
      else if (l->kind == FT_LAYER_FLATTEN)
        text = g_strdup ("Reshapes each sample to one axis, keeping the batch axis");
      else
        text = g_strdup (ft_layer_kind_info (l->kind)->summary);
      if (text != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (explain), text);
    }
}

/* The input row's subtitle: the shape and where it comes from. */
static void
describe_input (FtModelEditor *self, bool known, bool from_data, int ndim, const int *shape)
{
  char buf[96];
  g_autofree char *description = NULL;
  if (known)
    {
      format_shape (ndim, shape, buf, sizeof buf);
      description = g_strdup_printf (
          "%s, %s", buf, from_data ? "the shape of the data’s samples" : "as the experiment gives it");
    }
  else
    description = g_strdup ("The shape of the data’s samples, once the data is loaded");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->input_row), description);
}

/* A model that the shape walk accepted: too many parameters (*too_big gets the layer where the count
 * passes MAX_PARAMS), or the engine's own build, which gives the message naming the layer or Keras'
 * summary (*summary). Returns the error, or NULL. */
static char *
check_build (const FtExperiment *exp, const LayerInfo *info, int ndim, const int *shape, int *too_big,
             char **summary)
{
  size_t total = 0;
  *too_big = -1;
  for (int i = 0; i < exp->n_layers && info[i].ok; i++)
    {
      total += info[i].n_params;
      if (total > MAX_PARAMS && *too_big < 0)
        *too_big = i;
    }
  if (*too_big >= 0)
    {
      char count[32], limit[32];
      ft_format_thousands (count, sizeof count, (int64_t) total);
      ft_format_thousands (limit, sizeof limit, (int64_t) MAX_PARAMS);
      return g_strdup_printf ("layer %d (%s): the model reaches %s parameters here, more than the %s FitTape "
                              "builds; use fewer units or filters, or pool before flattening",
                              *too_big + 1, info[*too_big].name, count, limit);
    }
  char *error = NULL;
  FtModel *model = ft_model_new (ndim, shape);
  for (int i = 0; i < exp->n_layers; i++)
    ft_model_add (model, &exp->layers[i]);
  GError *local = NULL;
  if (ft_model_build (model, exp->seed, &local))
    *summary = g_strchomp (ft_model_summary (model, "sequential"));
  else
    {
      error = g_strdup (local->message);
      g_error_free (local);
    }
  ft_model_free (model);
  return error;
}

/* Warnings: a network that builds but does not fit the data. */
static void
show_warnings (FtModelEditor *self, const LayerInfo *info, bool from_data, int ndim, const int *shape)
{
  const FtExperiment *exp = self->exp;
  GString *warn = g_string_new (NULL);
  const LayerInfo *last = &info[exp->n_layers - 1];
  size_t out = ft_shape_size (last->out_ndim, last->out_shape);
  FtLossKind loss = exp->compile.loss.kind;
  if (self->n_classes > 0 && (size_t) self->n_classes > out
      && (loss == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY || loss == FT_LOSS_CATEGORICAL_CROSSENTROPY))
    g_string_append_printf (warn,
                            "The data has %d classes but the last layer has %zu output%s: end with "
                            "Dense(%d) so that there is one output per class.",
                            self->n_classes, out, out == 1 ? "" : "s", self->n_classes);
  if (!from_data && self->data_ndim > 0
      && ft_shape_size (ndim, shape) != ft_shape_size (self->data_ndim, self->data_shape))
    {
      char model_shape[96], data_shape[96];
      format_shape (ndim, shape, model_shape, sizeof model_shape);
      format_shape (self->data_ndim, self->data_shape, data_shape, sizeof data_shape);
      if (warn->len > 0)
        g_string_append_c (warn, '\n');
      g_string_append_printf (warn, "The data’s samples have shape %s, which does not fit the input %s.",
                              data_shape, model_shape);
    }
  gtk_widget_set_visible (self->warning_box, warn->len > 0);
  gtk_label_set_text (self->warning_label, warn->str);
  g_string_free (warn, TRUE);
}

/* Validates the layers, rebuilds the summary, updates every row's texts and the error and warnings. */
void
ft_model_editor_refresh (FtModelEditor *self)
{
  if (self->exp == NULL)
    {
      set_error (self, "");
      gtk_label_set_text (self->summary_label, "");
      gtk_widget_set_visible (self->error_box, FALSE);
      gtk_widget_set_visible (self->warning_box, FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->input_row), "");
      return;
    }

  const FtExperiment *exp = self->exp;
  int ndim = 0, shape[FT_MAX_DIMS] = { 0 };
  bool from_data = false;
  bool known = input_shape (self, &ndim, shape, &from_data);
  describe_input (self, known, from_data, ndim, shape);

  LayerInfo *info = g_new0 (LayerInfo, MAX (exp->n_layers, 1));
  int failed = exp->n_layers, too_big = -1;
  g_autofree char *error = NULL;
  g_autofree char *summary = NULL;
  if (known)
    {
      failed = walk_layers (exp, true, ndim, shape, info);
      error = check_build (exp, info, ndim, shape, &too_big, &summary);
    }
  else
    {
      walk_layers (exp, false, 0, shape, info);
      error = g_strdup ("The input shape is not known yet: it comes from the data, which is not loaded.");
    }

  int error_row = too_big >= 0 ? too_big : failed < exp->n_layers ? failed : -1;
  for (int i = 0; i < exp->n_layers && i < (int) self->rows->len; i++)
    update_row_texts (self, i, &info[i], i == error_row && error != NULL);

  set_error (self, error);
  gtk_widget_set_visible (self->error_box, error != NULL);
  gtk_label_set_text (self->error_label, error != NULL ? error : "");
  gtk_widget_set_visible (self->summary_scroller, summary != NULL);
  gtk_label_set_text (self->summary_label, summary != NULL ? summary : "");
  if (error == NULL && exp->n_layers > 0)
    show_warnings (self, info, from_data, ndim, shape);
  else
    {
      gtk_widget_set_visible (self->warning_box, FALSE);
      gtk_label_set_text (self->warning_label, "");
    }
  g_free (info);
}

void
ft_model_editor_emit_changed (FtModelEditor *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- rows ---- */

static void move_layer (FtModelEditor *self, int from, int to, const char *focus_name);
static void remove_layer (FtModelEditor *self, int i);

static void
on_move_up_clicked (GtkButton *button, FtModelEditor *self)
{
  int i = ft_model_editor_row_index_of (GTK_WIDGET (button));
  if (i > 0)
    move_layer (self, i, i - 1, "move-up");
}

static void
on_move_down_clicked (GtkButton *button, FtModelEditor *self)
{
  int i = ft_model_editor_row_index_of (GTK_WIDGET (button));
  if (self->exp != NULL && i >= 0 && i + 1 < self->exp->n_layers)
    move_layer (self, i, i + 1, "move-down");
}

static void
on_remove_clicked (GtkButton *button, FtModelEditor *self)
{
  int i = ft_model_editor_row_index_of (GTK_WIDGET (button));
  if (i >= 0)
    remove_layer (self, i);
}

static GtkWidget *
icon_button (const char *name, const char *icon, const char *label, const char *shortcut, GCallback callback,
             FtModelEditor *self)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);
  gtk_widget_set_name (b, name);
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  g_autofree char *tooltip = shortcut != NULL ? g_strdup_printf ("%s (%s)", label, shortcut)
                                              : g_strdup (label);
  gtk_widget_set_tooltip_text (b, tooltip);
  gtk_widget_add_css_class (b, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  if (shortcut != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_KEY_SHORTCUTS, shortcut, -1);
  g_signal_connect (b, "clicked", callback, self);
  return b;
}

static GtkWidget *
layer_row_new (FtModelEditor *self, int i)
{
  const FtLayerSpec *l = &self->exp->layers[i];
  int n = self->exp->n_layers;
  GtkWidget *row = adw_expander_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (row), "ft-index", GINT_TO_POINTER (i));
  gtk_widget_set_name (row, "layer");

  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  GtkWidget *up = icon_button ("move-up", "go-up-symbolic", "Move Up", "Alt+Up",
                               G_CALLBACK (on_move_up_clicked), self);
  GtkWidget *down = icon_button ("move-down", "go-down-symbolic", "Move Down", "Alt+Down",
                                 G_CALLBACK (on_move_down_clicked), self);
  GtkWidget *remove = icon_button ("remove", "user-trash-symbolic", "Remove Layer", NULL,
                                   G_CALLBACK (on_remove_clicked), self);
  gtk_widget_set_sensitive (up, i > 0);
  gtk_widget_set_sensitive (down, i + 1 < n);
  gtk_box_append (GTK_BOX (buttons), up);
  gtk_box_append (GTK_BOX (buttons), down);
  gtk_box_append (GTK_BOX (buttons), remove);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), buttons);

  AdwExpanderRow *er = ADW_EXPANDER_ROW (row);
  const FtKindInfo *kind = ft_layer_kind_info (l->kind);
  int n_rows = 0;
  for (int k = 0; k < kind->n_params; k++)
    {
      GtkWidget *field = ft_model_editor_param_row (self, &kind->params[k], l);
      if (field != NULL)
        {
          adw_expander_row_add_row (er, field);
          n_rows++;
        }
    }
  if (n_rows == 0)
    {
      GtkWidget *explain = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (explain), "No parameters");
      g_object_set_data (G_OBJECT (row), "ft-explain", explain);
      adw_expander_row_add_row (er, explain);
    }
  return row;
}

static void
clear_rows (FtModelEditor *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->layers_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  if (self->empty_row != NULL)
    {
      adw_preferences_group_remove (self->layers_group, self->empty_row);
      self->empty_row = NULL;
    }
}

/* Recreates every row; expanded[i] (may be NULL) tells which rows to show expanded. */
static void
rebuild_rows (FtModelEditor *self, const bool *expanded)
{
  self->updating = true;
  clear_rows (self);
  if (self->exp != NULL)
    {
      for (int i = 0; i < self->exp->n_layers; i++)
        {
          GtkWidget *row = layer_row_new (self, i);
          if (expanded != NULL && expanded[i])
            adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
          adw_preferences_group_add (self->layers_group, row);
          g_ptr_array_add (self->rows, row);
        }
      if (self->exp->n_layers == 0)
        {
          self->empty_row = adw_action_row_new ();
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row), "No layers");
          adw_action_row_set_subtitle (ADW_ACTION_ROW (self->empty_row), "Add one with the button above");
          adw_preferences_group_add (self->layers_group, self->empty_row);
        }
    }
  self->updating = false;
  ft_model_editor_refresh (self);
}

static bool *
expanded_states (FtModelEditor *self)
{
  bool *e = g_new0 (bool, self->rows->len + 1);
  for (guint i = 0; i < self->rows->len; i++)
    e[i] = adw_expander_row_get_expanded (ADW_EXPANDER_ROW (g_ptr_array_index (self->rows, i)));
  return e;
}

/* Moves focus to the button named name in row i, or to another of its buttons when that one is
 * insensitive. */
static void
focus_row_button (FtModelEditor *self, int i, const char *name)
{
  if (i < 0 || i >= (int) self->rows->len)
    {
      gtk_widget_grab_focus (self->add_button);
      return;
    }
  GtkWidget *row = g_ptr_array_index (self->rows, i);
  const char *order[] = { name, "move-up", "move-down", "remove" };
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      GtkWidget *b = ft_widget_find_named (row, order[k]);
      if (b != NULL && gtk_widget_get_sensitive (b))
        {
          gtk_widget_grab_focus (b);
          return;
        }
    }
}

static void
move_layer (FtModelEditor *self, int from, int to, const char *focus_name)
{
  if (self->exp == NULL || from == to || from < 0 || to < 0 || from >= self->exp->n_layers
      || to >= self->exp->n_layers)
    return;
  bool had_focus = false;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    had_focus = true;

  FtLayerSpec tmp = self->exp->layers[from];
  self->exp->layers[from] = self->exp->layers[to];
  self->exp->layers[to] = tmp;
  bool *e = expanded_states (self);
  bool te = e[from];
  e[from] = e[to];
  e[to] = te;
  rebuild_rows (self, e);
  g_free (e);
  if (had_focus)
    focus_row_button (self, to, focus_name);
  ft_model_editor_emit_changed (self);
}

static void
remove_layer (FtModelEditor *self, int i)
{
  if (self->exp == NULL || i < 0 || i >= self->exp->n_layers)
    return;
  bool *e = expanded_states (self);
  memmove (&self->exp->layers[i], &self->exp->layers[i + 1],
           (size_t) (self->exp->n_layers - i - 1) * sizeof (FtLayerSpec));
  memmove (&e[i], &e[i + 1], (size_t) (self->exp->n_layers - i - 1) * sizeof (bool));
  self->exp->n_layers--;
  if (self->exp->n_layers == 0)
    g_clear_pointer (&self->exp->layers, g_free);
  else
    self->exp->layers = g_renew (FtLayerSpec, self->exp->layers, self->exp->n_layers);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  bool had_focus = focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self));
  rebuild_rows (self, e);
  g_free (e);
  if (had_focus)
    focus_row_button (self, MIN (i, self->exp->n_layers - 1), "remove");
  ft_model_editor_emit_changed (self);
}

static void
add_layer (FtModelEditor *self, FtLayerKind kind)
{
  if (self->exp == NULL)
    return;
  FtLayerSpec spec = ft_layer_spec_default (kind);
  if (kind == FT_LAYER_ACTIVATION)
    spec.activation = FT_ACT_RELU; /* Keras' Activation has no default */
  bool *e = expanded_states (self);
  int n = self->exp->n_layers;
  /* Before the output layer (a last Dense gives the network its outputs), else at the end. */
  int at = n > 0 && self->exp->layers[n - 1].kind == FT_LAYER_DENSE ? n - 1 : n;
  self->exp->layers = g_renew (FtLayerSpec, self->exp->layers, n + 1);
  memmove (&self->exp->layers[at + 1], &self->exp->layers[at], (size_t) (n - at) * sizeof (FtLayerSpec));
  self->exp->layers[at] = spec;
  self->exp->n_layers = n + 1;
  e = g_renew (bool, e, n + 1);
  memmove (&e[at + 1], &e[at], (size_t) (n - at) * sizeof (bool));
  e[at] = true;
  rebuild_rows (self, e);
  g_free (e);
  GtkWidget *row = g_ptr_array_index (self->rows, at);
  gtk_widget_grab_focus (row);
  ft_model_editor_emit_changed (self);
}

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  FtModelEditor *self = FT_MODEL_EDITOR (widget);
  FtLayerKind kind;
  if (ft_layer_kind_from_name (g_variant_get_string (parameter, NULL), &kind))
    add_layer (self, kind);
}

/* Alt+Up / Alt+Down move the layer whose row holds the focus. */
static gboolean
move_focused (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  FtModelEditor *self = FT_MODEL_EDITOR (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus == NULL || self->exp == NULL)
    return FALSE;
  int i = ft_model_editor_row_index_of (focus);
  if (i < 0)
    return FALSE;
  int delta = g_variant_get_int32 (args);
  int to = i + delta;
  if (to < 0 || to >= self->exp->n_layers)
    return TRUE;
  move_layer (self, i, to, delta < 0 ? "move-up" : "move-down");
  return TRUE;
}

/* ---- public API ---- */

void
ft_model_editor_set_experiment (FtModelEditor *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_MODEL_EDITOR (self));
  self->exp = exp;
  gtk_widget_set_sensitive (self->add_button, exp != NULL);
  gtk_widget_set_sensitive (self->input_row, exp != NULL);
  ft_model_editor_show_input_shape (self);
  rebuild_rows (self, NULL);
}

void
ft_model_editor_set_data_shape (FtModelEditor *self, int ndim, const int *shape, int n_classes)
{
  g_return_if_fail (FT_IS_MODEL_EDITOR (self));
  g_return_if_fail (ndim >= 0 && ndim <= 3 && (ndim == 0 || shape != NULL));
  self->data_ndim = ndim;
  memset (self->data_shape, 0, sizeof self->data_shape);
  if (ndim > 0)
    memcpy (self->data_shape, shape, (size_t) ndim * sizeof (int));
  self->n_classes = n_classes;
  ft_model_editor_refresh (self);
}

const char *
ft_model_editor_get_error (FtModelEditor *self)
{
  g_return_val_if_fail (FT_IS_MODEL_EDITOR (self), "");
  return self->error != NULL ? self->error : "";
}

GtkWidget *
ft_model_editor_new (void)
{
  return g_object_new (FT_TYPE_MODEL_EDITOR, NULL);
}

/* ---- GObject ---- */

static void
ft_model_editor_dispose (GObject *object)
{
  FtModelEditor *self = FT_MODEL_EDITOR (object);
  if (self->rows != NULL)
    g_ptr_array_set_size (self->rows, 0);
  self->empty_row = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), FT_TYPE_MODEL_EDITOR);
  G_OBJECT_CLASS (ft_model_editor_parent_class)->dispose (object);
}

static void
ft_model_editor_finalize (GObject *object)
{
  FtModelEditor *self = FT_MODEL_EDITOR (object);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_free (self->error);
  G_OBJECT_CLASS (ft_model_editor_parent_class)->finalize (object);
}

static void
ft_model_editor_class_init (FtModelEditorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  /* Emitted after every edit the user makes to the layers (not by _set_experiment). */
  signals[SIGNAL_CHANGED] = ft_panel_class_setup (klass, ft_model_editor_dispose, ft_model_editor_finalize,
                                                  "/org/fittape/FitTape/ui/model-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, clamp);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, layers_group);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, add_button);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, input_row);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, input_entry);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_input_activate",
                                                G_CALLBACK (ft_model_editor_on_input_activate));
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, error_box);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, warning_box);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, warning_label);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, summary_scroller);
  gtk_widget_class_bind_template_child (widget_class, FtModelEditor, summary_label);

  gtk_widget_class_install_action (widget_class, "editor.add", "s", add_action);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Up, GDK_ALT_MASK, move_focused, "i", -1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Down, GDK_ALT_MASK, move_focused, "i", 1);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ftmodeleditor");
}

/* The "error" class on a layer's row colours its header; the fields inside keep their usual colours. */
static const char editor_css[] = "ftmodeleditor row.expander.error list.nested { color: @card_fg_color; }";

static void
install_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  if (display == NULL || g_object_get_data (G_OBJECT (display), "ft-model-editor-css") != NULL)
    return;
  GtkCssProvider *provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, editor_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "ft-model-editor-css", provider, g_object_unref);
}

/* The add menu: one section per group of the layer table, in the table's order. */
static GMenuModel *
add_menu_new (void)
{
  GMenu *menu = g_menu_new ();
  for (int k = 0; k < FT_N_LAYER_KINDS; k++)
    {
      const char *group = ft_layer_kind_info ((FtLayerKind) k)->group;
      bool seen = false;
      for (int j = 0; j < k && !seen; j++)
        seen = g_strcmp0 (ft_layer_kind_info ((FtLayerKind) j)->group, group) == 0;
      if (seen)
        continue;
      GMenu *section = g_menu_new ();
      for (int j = k; j < FT_N_LAYER_KINDS; j++)
        {
          const FtKindInfo *info = ft_layer_kind_info ((FtLayerKind) j);
          if (g_strcmp0 (info->group, group) != 0)
            continue;
          GMenuItem *item = g_menu_item_new (info->name, NULL);
          g_menu_item_set_action_and_target_value (item, "editor.add", g_variant_new_string (info->name));
          g_menu_append_item (section, item);
          g_object_unref (item);
        }
      g_menu_append_section (menu, group, G_MENU_MODEL (section));
      g_object_unref (section);
    }
  return G_MENU_MODEL (menu);
}

static void
ft_model_editor_init (FtModelEditor *self)
{
  self->rows = g_ptr_array_new ();
  self->error = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
  install_css (GTK_WIDGET (self));
  /* Keras' table is about 76 characters wide: a little smaller than the text around it. */
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  gtk_label_set_attributes (self->summary_label, attrs);
  pango_attr_list_unref (attrs);
  g_autoptr (GMenuModel) menu = add_menu_new ();
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->add_button), menu);
  gtk_widget_set_sensitive (self->add_button, FALSE);
  gtk_widget_set_sensitive (self->input_row, FALSE);
  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (ft_model_editor_on_input_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->input_entry), focus);
  gtk_widget_set_visible (self->summary_scroller, FALSE);
}
