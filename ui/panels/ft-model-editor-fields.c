/* ft-model-editor-fields.c — the model editor's field widgets, built from the layer table (spin
 * buttons, pairs, drop-downs) and written back on edit, and the input-shape row. Part of FtModelEditor
 * (ft-model-editor-private.h). */
#include "panels/ft-model-editor-private.h"

#include <math.h>
#include <string.h>

/* The field widgets are built from the layer table (nn/ft-layers.h): each carries its FtParam
 * ("ft-param") and, for pairs, which half it edits ("ft-part"). Tests and CSS find them by name: the
 * parameter's key ("units", "rate", "padding"), or for a pair the key's first word without a plural s
 * and "-h" / "-w" ("kernel-h", "stride-w", "pool-h"). */
static char *
field_name (const FtParam *p, int part)
{
  if (p->type != FT_PARAM_PAIR)
    return g_strdup (p->key);
  size_t n = strcspn (p->key, "_");
  if (n > 1 && p->key[n - 1] == 's')
    n--;
  return g_strdup_printf ("%.*s-%c", (int) n, p->key, part == 0 ? 'h' : 'w');
}

/* ---- field widgets ---- */

int
ft_model_editor_row_index_of (GtkWidget *w)
{
  GtkWidget *row = gtk_widget_get_ancestor (w, ADW_TYPE_EXPANDER_ROW);
  if (row == NULL)
    return -1;
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ft-index"));
}

/* After an edit of layer i's fields. */
static void
layer_edited (FtModelEditor *self)
{
  ft_model_editor_refresh (self);
  ft_model_editor_emit_changed (self);
}

static void
on_spin_changed (GtkSpinButton *spin, FtModelEditor *self)
{
  int i = ft_model_editor_row_index_of (GTK_WIDGET (spin));
  const FtParam *p = g_object_get_data (G_OBJECT (spin), "ft-param");
  if (self->updating || self->exp == NULL || i < 0 || i >= self->exp->n_layers || p == NULL)
    return;
  FtLayerSpec *l = &self->exp->layers[i];
  /* The spin button rounds what it shows to its digits when it loses focus: only a real change is an
   * edit. */
  if (p->type == FT_PARAM_INT || p->type == FT_PARAM_PAIR)
    {
      int *ip = (int *) ft_param_ptr (p, l)
                + GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spin), "ft-part"));
      int v = gtk_spin_button_get_value_as_int (spin);
      if (v == *ip)
        return;
      *ip = v;
    }
  else
    {
      float *fp = ft_param_ptr (p, l);
      float v = (float) gtk_spin_button_get_value (spin);
      if (fabsf (v - *fp) <= 1e-6f * fmaxf (1.0f, fabsf (v)))
        return;
      *fp = v;
    }
  layer_edited (self);
}

static void
on_combo_changed (AdwComboRow *combo, GParamSpec *pspec, FtModelEditor *self)
{
  int i = ft_model_editor_row_index_of (GTK_WIDGET (combo));
  const FtParam *p = g_object_get_data (G_OBJECT (combo), "ft-param");
  if (self->updating || self->exp == NULL || i < 0 || i >= self->exp->n_layers || p == NULL)
    return;
  guint sel = adw_combo_row_get_selected (combo);
  if (sel == GTK_INVALID_LIST_POSITION)
    return;
  /* Padding, activation and initializer lists are in their enums' order. */
  ft_param_set_number (p, &self->exp->layers[i], (double) sel);
  layer_edited (self);
}

static GtkWidget *
spin_new (FtModelEditor *self, const FtParam *p, int part, double value, const char *accessible_label)
{
  /* A value from a file beyond the usual range widens it rather than being changed. */
  double lo = MIN (p->ui_lo, value);
  double hi = MAX (p->ui_hi, value);
  double step = p->ui_step > 0 ? p->ui_step : 1;
  GtkAdjustment *adj = gtk_adjustment_new (value, lo, hi, step, step * 5, 0);
  GtkWidget *spin = gtk_spin_button_new (adj, step, (guint) p->ui_digits);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_autofree char *name = field_name (p, part);
  gtk_widget_set_name (spin, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label, -1);
  g_object_set_data (G_OBJECT (spin), "ft-param", (gpointer) p);
  g_object_set_data (G_OBJECT (spin), "ft-part", GINT_TO_POINTER (part));
  g_signal_connect (spin, "value-changed", G_CALLBACK (on_spin_changed), self);
  return spin;
}

static GtkWidget *
field_row (const char *title, const char *subtitle, GtkWidget *suffix, GtkWidget *activatable)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);
  if (activatable != NULL)
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), activatable);
  return row;
}

/* Two spin buttons "h × w". */
static GtkWidget *
pair_row (FtModelEditor *self, const FtParam *p, const int *v)
{
  g_autofree char *lh = g_strdup_printf ("%s, height", p->label);
  g_autofree char *lw = g_strdup_printf ("%s, width", p->label);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  GtkWidget *sh = spin_new (self, p, 0, v[0], lh);
  GtkWidget *times = gtk_label_new ("×");
  gtk_widget_add_css_class (times, "dim-label");
  GtkWidget *sw = spin_new (self, p, 1, v[1], lw);
  gtk_box_append (GTK_BOX (box), sh);
  gtk_box_append (GTK_BOX (box), times);
  gtk_box_append (GTK_BOX (box), sw);
  return field_row (p->label, p->hint, box, sh);
}

static GtkWidget *
combo_row (FtModelEditor *self, const FtParam *p, int n, const char *(*name) (int), guint selected)
{
  GtkWidget *row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), p->label);
  if (p->hint != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), p->hint);
  GtkStringList *list = gtk_string_list_new (NULL);
  for (int k = 0; k < n; k++)
    gtk_string_list_append (list, name (k));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
  g_object_unref (list);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  gtk_widget_set_name (row, p->key);
  g_object_set_data (G_OBJECT (row), "ft-param", (gpointer) p);
  g_signal_connect (row, "notify::selected", G_CALLBACK (on_combo_changed), self);
  return row;
}

static const char *
padding_name (int k)
{
  return k == FT_PADDING_SAME ? "same" : "valid";
}

static const char *
activation_name (int k)
{
  return ft_activation_name ((FtActivation) k);
}

static const char *
initializer_name (int k)
{
  return ft_initializer_name ((FtInitializer) k);
}

/* The editor row of one parameter, or NULL when it has none. */
GtkWidget *
ft_model_editor_param_row (FtModelEditor *self, const FtParam *p, const FtLayerSpec *l)
{
  if (p->flags & FT_PARAM_UI_HIDDEN)
    return NULL;
  const void *f = ft_param_cptr (p, l);
  switch (p->type)
    {
    case FT_PARAM_INT:
    case FT_PARAM_FLOAT:
      {
        GtkWidget *spin = spin_new (self, p, 0, ft_param_get_number (p, l), p->label);
        return field_row (p->label, p->hint, spin, spin);
      }
    case FT_PARAM_PAIR:
      return pair_row (self, p, f);
    case FT_PARAM_PADDING:
      return combo_row (self, p, 2, padding_name, *(const FtPadding *) f == FT_PADDING_SAME ? 1 : 0);
    case FT_PARAM_ACTIVATION:
      return combo_row (self, p, FT_N_ACTIVATIONS, activation_name, (guint) * (const FtActivation *) f);
    case FT_PARAM_INITIALIZER:
      return combo_row (self, p, FT_N_INITIALIZERS, initializer_name, (guint) * (const FtInitializer *) f);
    case FT_PARAM_BOOL:
    case FT_PARAM_L2:
    case FT_PARAM_DOUBLE: /* callbacks' types: no layer has them */
    case FT_PARAM_OPTIONAL:
    case FT_PARAM_STRING:
    case FT_PARAM_CHAR:
    case FT_PARAM_CHOICE:
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return NULL;
}

/* ---- the input shape ---- */

void
ft_model_editor_show_input_shape (FtModelEditor *self)
{
  GString *text = g_string_new (NULL);
  if (self->exp != NULL)
    for (int d = 0; d < MIN (self->exp->input_ndim, 3); d++)
      g_string_append_printf (text, d ? ", %d" : "%d", self->exp->input_shape[d]);
  self->updating = true;
  gtk_editable_set_text (GTK_EDITABLE (self->input_entry), text->str);
  self->updating = false;
  gtk_widget_remove_css_class (GTK_WIDGET (self->input_entry), "error");
  g_string_free (text, TRUE);
}

/* "28, 28, 1", "(28, 28, 1)", "28×28×1", "28 28 1": one to three sizes; "" = the data's shape (ndim 0). */
static bool
parse_shape (const char *text, int *ndim, int *shape)
{
  *ndim = 0;
  const char *p = text;
  while (*p != '\0')
    {
      if (g_ascii_isdigit (*p))
        {
          char *end;
          guint64 v = g_ascii_strtoull (p, &end, 10);
          if (*ndim == 3 || v < 1 || v > 100000)
            return false;
          shape[(*ndim)++] = (int) v;
          p = end;
        }
      else if (*p == ',' || *p == ' ' || *p == '(' || *p == ')' || *p == 'x' || *p == '*')
        p++;
      else if (g_str_has_prefix (p, "×"))
        p += strlen ("×");
      else
        return false;
    }
  return true;
}

static void
commit_input_shape (FtModelEditor *self)
{
  if (self->updating || self->exp == NULL)
    return;
  int ndim, shape[3] = { 0 };
  if (!parse_shape (gtk_editable_get_text (GTK_EDITABLE (self->input_entry)), &ndim, shape))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->input_entry), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->input_entry), "error");
  int old = MIN (self->exp->input_ndim, 3);
  if (ndim == old && memcmp (shape, self->exp->input_shape, (size_t) ndim * sizeof (int)) == 0)
    {
      ft_model_editor_show_input_shape (self); /* the same shape, written the usual way */
      return;
    }
  self->exp->input_ndim = ndim;
  memset (self->exp->input_shape, 0, sizeof self->exp->input_shape);
  memcpy (self->exp->input_shape, shape, (size_t) ndim * sizeof (int));
  ft_model_editor_show_input_shape (self);
  layer_edited (self);
}

void
ft_model_editor_on_input_activate (GtkEntry *entry, FtModelEditor *self)
{
  commit_input_shape (self);
}

void
ft_model_editor_on_input_focus_leave (GtkEventControllerFocus *controller, FtModelEditor *self)
{
  commit_input_shape (self);
}
