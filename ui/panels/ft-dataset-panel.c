/* ft-dataset-panel.c — the dataset panel: which data (TensorFlow Playground's 2-D sets, Fashion-MNIST, a
 * CSV file or an MNIST-format IDX directory), the Playground's sample count and noise, "Regenerate" (new
 * points from a data seed of their own, the same starting weights: ft-data-seed.h), the validation split,
 * and a preview: a scatter plot of 2-D data (two coloured marker shapes, validation samples
 * hollow) or a grid of the first images with their class names.
 *
 * Data is loaded by ft_experiment_load_data on a copy of the experiment in a GTask thread (Fashion-MNIST
 * takes a fifth of a second, a large CSV longer); one load runs at a time and edits made meanwhile start
 * one more load with the latest settings when it ends. */
#include "core/ft-format.h"
#include "experiment/ft-data-seed.h"
#include "experiment/ft-dataset-kinds.h"
#include "panels/ft-dataset-panel-private.h"
#include "panels/ft-panel-class.h"

#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FtDatasetPanel, ft_dataset_panel, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_DATA_LOADED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* ---- helpers ---- */

bool
ft_dataset_panel_is_playground (const FtDatasetPanel *self)
{
  return self->exp != NULL && self->exp->data.source == FT_DATA_PLAYGROUND;
}

uint32_t
ft_dataset_panel_validation_start (const FtDatasetPanel *self)
{
  if (self->train == NULL || self->exp == NULL || self->exp->fit.validation_split <= 0.0
      || self->exp->fit.validation_split >= 1.0)
    return self->train != NULL ? self->train->n : 0;
  return ft_dataset_split_point (self->train, self->exp->fit.validation_split);
}

const char *
ft_dataset_panel_class_name (const FtDataset *ds, int k)
{
  static char buf[16];
  if (ds->class_names != NULL && k >= 0 && k < ds->n_classes && ds->class_names[k] != NULL)
    return ds->class_names[k];
  g_snprintf (buf, sizeof buf, "%d", k);
  return buf;
}

void
ft_dataset_panel_foreground (GtkWidget *widget, GdkRGBA *fg)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), fg);
}

/* ---- showing the state ---- */

static void
update_split_row (FtDatasetPanel *self)
{
  if (self->exp == NULL)
    return;
  double f = self->exp->fit.validation_split;
  g_autofree char *text = NULL;
  if (self->train == NULL)
    text = g_strdup (f > 0 ? "The last part of the training data, taken before shuffling"
                           : "None: no validation during training");
  else
    {
      uint32_t n = self->train->n, split = f > 0 ? ft_dataset_split_point (self->train, f) : n;
      char a[32], b[32];
      ft_format_thousands (a, sizeof a, (int64_t) split);
      ft_format_thousands (b, sizeof b, (int64_t) (n - split));
      if (f <= 0)
        text = g_strdup_printf ("None: all %s samples train", a);
      else if (split == 0 || split == n)
        text = g_strdup_printf ("Leaves %s training and %s validation samples: Keras refuses an empty part",
                                a, b);
      else
        text = g_strdup_printf ("%s train, the last %s validate (taken before shuffling)", a, b);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->split_row), text);
}

static void
update_source_rows (FtDatasetPanel *self)
{
  bool have = self->exp != NULL;
  guint idx = have ? ft_dataset_kind_of (&self->exp->data) : FT_DATASET_FASHION_MNIST;
  bool play = have && idx < FT_N_PLAYGROUND;
  gtk_widget_set_visible (self->samples_row, play);
  gtk_widget_set_visible (self->noise_row, play);
  gtk_widget_set_visible (self->regenerate_row, play);
  if (play)
    {
      g_autofree char *seed = g_strdup_printf (
          self->exp->data.has_seed ? "Data seed %" G_GUINT64_FORMAT ", apart from the weights’ seed"
                                   : "Drawn from the experiment’s seed, %" G_GUINT64_FORMAT,
          ft_experiment_data_seed (self->exp));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->regenerate_row), seed);
    }
  gtk_widget_set_visible (self->file_row, have && idx == FT_DATASET_CSV);
  gtk_widget_set_visible (self->label_row, have && idx == FT_DATASET_CSV);
  gtk_widget_set_visible (self->dir_row, have && idx == FT_DATASET_IDX);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->source_row),
                               have ? ft_dataset_kind_info (idx)->info.summary : "");

  if (have && idx == FT_DATASET_CSV)
    {
      const char *path = self->exp->data.path;
      g_autofree char *base = path[0] ? g_path_get_basename (path) : g_strdup ("No file chosen");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->file_row), base);
      gtk_widget_set_tooltip_text (self->file_row, path[0] ? path : NULL);
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->label_entry)), self->exp->data.label_column)
          != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->label_entry), self->exp->data.label_column);
    }
  if (have && idx == FT_DATASET_IDX)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dir_row), self->exp->data.path);
      gtk_widget_set_tooltip_text (self->dir_row, self->exp->data.path);
    }
}

static void
show_dataset (FtDatasetPanel *self)
{
  const FtDataset *ds = self->train;
  if (ds == NULL)
    {
      gtk_label_set_text (self->empty_label, self->loading ? "Loading…" : "No data");
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
      gtk_label_set_text (self->info_label, "");
      return;
    }
  char n[32], t[32], shape[64] = "";
  ft_format_thousands (n, sizeof n, (int64_t) ds->n);
  for (int d = 0; d < ds->ndim; d++)
    g_snprintf (shape + strlen (shape), sizeof shape - strlen (shape), d ? "×%d" : "%d", ds->shape[d]);
  GString *info = g_string_new (NULL);
  if (ds->pixels != NULL)
    g_string_append_printf (info, "%s: %s images of %s pixels", ds->name, n, shape);
  else
    g_string_append_printf (info, "%s: %s samples of %zu feature%s", ds->name, n, ds->sample_size,
                            ds->sample_size == 1 ? "" : "s");
  g_string_append_printf (info, ", %d classes", ds->n_classes);
  if (ds->n_classes <= 10)
    {
      g_string_append (info, " (");
      for (int k = 0; k < ds->n_classes; k++)
        g_string_append_printf (info, "%s%s", k ? ", " : "", ft_dataset_panel_class_name (ds, k));
      g_string_append (info, ")");
    }
  if (self->test != NULL)
    {
      ft_format_thousands (t, sizeof t, (int64_t) self->test->n);
      g_string_append_printf (info, "; test set of %s", t);
    }
  else
    g_string_append (info, "; no test set");
  if (ds->features != NULL && ds->sample_size > 2)
    g_string_append (info, ". The plot shows the first two features");
  g_string_append_c (info, '.');
  gtk_label_set_text (self->info_label, info->str);

  if (ds->pixels != NULL && ds->ndim == 2)
    {
      GString *a = g_string_new ("The first training images: ");
      for (uint32_t i = 0; i < MIN (ds->n, (uint32_t) (PREVIEW_COLUMNS * PREVIEW_ROWS)); i++)
        g_string_append_printf (a, "%s%s", i ? ", " : "",
                                ft_dataset_panel_class_name (ds, (int) ds->labels[i]));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->images_area), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      a->str, -1);
      g_string_free (a, TRUE);
      gtk_stack_set_visible_child_name (self->preview_stack, "images");
      gtk_widget_queue_draw (self->images_area);
    }
  else if (ds->features != NULL && ds->sample_size >= 2)
    {
      g_autofree char *a = g_strdup_printf ("Scatter plot of %s: %s points in %d classes", ds->name, n,
                                            ds->n_classes);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->scatter_area), GTK_ACCESSIBLE_PROPERTY_LABEL, a,
                                      -1);
      gtk_stack_set_visible_child_name (self->preview_stack, "scatter");
      gtk_widget_queue_draw (self->scatter_area);
    }
  else
    {
      gtk_label_set_text (self->empty_label, "No preview for data with one feature");
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
    }
  g_string_free (info, TRUE);
}

static void
show_error (FtDatasetPanel *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_label_set_text (self->info_label, "");
  gtk_stack_set_visible_child_name (self->preview_stack, "error");
}

/* ---- loading ---- */

typedef struct
{
  FtDataset *train, *test;
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *r = data;
  ft_dataset_free (r->train);
  ft_dataset_free (r->test);
  g_free (r);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const FtExperiment *exp = task_data;
  LoadResult *r = g_new0 (LoadResult, 1);
  GError *error = NULL;
  if (!ft_experiment_load_data (exp, &r->train, &r->test, &error))
    {
      g_free (r);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, r, load_result_free);
}

static void start_load (FtDatasetPanel *self, bool user);

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  bool user = GPOINTER_TO_INT (user_data);
  GError *error = NULL;
  LoadResult *r = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The panel went away (or detached): touch nothing. */
      g_error_free (error);
      return;
    }
  FtDatasetPanel *self = FT_DATASET_PANEL (source);
  self->loading = false;
  if (self->pending)
    {
      /* The spec changed while loading: this result is stale. */
      bool again_user = self->pending_user;
      self->pending = self->pending_user = false;
      if (r != NULL)
        load_result_free (r);
      g_clear_error (&error);
      start_load (self, again_user);
      return;
    }
  gtk_spinner_stop (self->spinner);
  g_clear_pointer (&self->train, ft_dataset_free);
  g_clear_pointer (&self->test, ft_dataset_free);
  if (r == NULL)
    {
      show_error (self, error->message);
      g_error_free (error);
      update_split_row (self);
      return;
    }
  self->train = r->train;
  self->test = r->test;
  g_free (r);

  /* A dataset the user switched to that does not fit the experiment's input shape: let the model take
   * the data's shape (the model editor then shows what the layers make of it). */
  bool adapted = false;
  if (user && self->exp != NULL && self->exp->input_ndim > 0
      && ft_shape_size (MIN (self->exp->input_ndim, 3), self->exp->input_shape) != self->train->sample_size)
    {
      self->exp->input_ndim = 0;
      memset (self->exp->input_shape, 0, sizeof self->exp->input_shape);
      adapted = true;
    }
  update_split_row (self);
  show_dataset (self);
  if (adapted)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_DATA_LOADED], 0);
}

/* Loads the data the experiment names; user tells whether a user's edit asked for it. */
static void
start_load (FtDatasetPanel *self, bool user)
{
  if (self->exp == NULL)
    return;
  if (self->loading)
    {
      self->pending = true;
      self->pending_user = self->pending_user || user;
      return;
    }
  self->loading = true;
  gtk_spinner_start (self->spinner);
  if (self->train == NULL)
    show_dataset (self); /* "Loading…"; a preview already shown stays until the new data replaces it */
  GTask *task = g_task_new (self, self->cancellable, load_done, GINT_TO_POINTER (user));
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, ft_experiment_copy (self->exp), (GDestroyNotify) ft_experiment_free);
  g_task_run_in_thread (task, load_thread);
  g_object_unref (task);
}

static void
cancel_loading (FtDatasetPanel *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  self->cancellable = g_cancellable_new ();
  self->loading = self->pending = self->pending_user = false;
  gtk_spinner_stop (self->spinner);
}

/* After an edit of the data spec. */
static void
data_edited (FtDatasetPanel *self)
{
  update_source_rows (self);
  start_load (self, true);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- choosing files ---- */

/* A label column for a CSV file: a column whose name says so, else the last one. */
static char *
guess_label_column (const char *path)
{
  FILE *f = fopen (path, "r");
  if (f == NULL)
    return g_strdup ("label");
  char line[8192];
  char *got = fgets (line, sizeof line, f);
  fclose (f);
  if (got == NULL)
    return g_strdup ("label");
  line[strcspn (line, "\r\n")] = '\0';
  char **cols = g_strsplit (line, ",", -1);
  static const char *const names[] = { "label", "labels", "class", "target", "species", "y", "category" };
  char *found = NULL;
  int n = 0;
  for (; cols[n] != NULL; n++)
    {
      char *c = g_strstrip (cols[n]);
      size_t len = strlen (c);
      if (len >= 2 && c[0] == '"' && c[len - 1] == '"')
        {
          memmove (c, c + 1, len - 2);
          c[len - 2] = '\0';
        }
    }
  for (guint k = 0; k < G_N_ELEMENTS (names) && found == NULL; k++)
    for (int i = 0; i < n && found == NULL; i++)
      if (g_ascii_strcasecmp (cols[i], names[k]) == 0)
        found = g_strdup (cols[i]);
  if (found == NULL)
    found = g_strdup (n > 0 && cols[n - 1][0] ? cols[n - 1] : "label");
  g_strfreev (cols);
  return found;
}

static void
revert_source_row (FtDatasetPanel *self)
{
  self->updating = true;
  adw_combo_row_set_selected (self->source_row, self->source_index);
  self->updating = false;
}

static void
on_chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  FtDatasetPanel *self = FT_DATASET_PANEL (user_data);
  bool csv = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog)) == GTK_FILE_CHOOSER_ACTION_OPEN;
  g_autofree char *path = NULL;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        {
          path = g_file_get_path (file);
          g_object_unref (file);
        }
    }
  g_clear_object (&self->chooser);
  if (self->exp == NULL || path == NULL || strlen (path) >= sizeof self->exp->data.path)
    {
      revert_source_row (self);
      return;
    }
  FtDataSpec *d = &self->exp->data;
  if (csv)
    {
      g_autofree char *label = guess_label_column (path);
      d->source = FT_DATA_CSV;
      g_strlcpy (d->path, path, sizeof d->path);
      d->test_path[0] = '\0';
      g_strlcpy (d->label_column, label, sizeof d->label_column);
      self->source_index = FT_DATASET_CSV;
    }
  else
    {
      d->source = FT_DATA_IDX;
      g_strlcpy (d->path, path, sizeof d->path);
      self->source_index = FT_DATASET_IDX;
    }
  revert_source_row (self);
  data_edited (self);
}

static void
choose_file (FtDatasetPanel *self, bool csv)
{
  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
      csv ? "Open a CSV File" : "Choose an IDX Directory", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
      csv ? GTK_FILE_CHOOSER_ACTION_OPEN : GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, csv ? "_Open" : "_Select",
      "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (csv)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, "CSV files");
      gtk_file_filter_add_suffix (filter, "csv");
      gtk_file_filter_add_mime_type (filter, "text/csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_object_unref (filter);
      GtkFileFilter *all = gtk_file_filter_new ();
      gtk_file_filter_set_name (all, "All files");
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
      g_object_unref (all);
    }
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (self->chooser);
}

/* ---- widget signals ---- */

static void
on_source_selected (AdwComboRow *row, GParamSpec *pspec, FtDatasetPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  guint idx = adw_combo_row_get_selected (row);
  if (idx == GTK_INVALID_LIST_POSITION || idx == self->source_index)
    return;
  FtDataSpec *d = &self->exp->data;
  if (idx < FT_N_PLAYGROUND)
    {
      ft_dataset_kind_set (d, (FtDatasetKind) idx);
    }
  else if (idx == FT_DATASET_FASHION_MNIST)
    {
      d->source = FT_DATA_IDX;
      d->path[0] = '\0';
      d->test_path[0] = '\0';
    }
  else
    {
      /* A file or directory first: the experiment changes when one is chosen. */
      choose_file (self, idx == FT_DATASET_CSV);
      return;
    }
  self->source_index = idx;
  data_edited (self);
}

static void
on_samples_changed (GtkSpinButton *spin, FtDatasetPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  uint32_t v = (uint32_t) gtk_spin_button_get_value_as_int (spin);
  if (v == self->exp->data.samples)
    return;
  self->exp->data.samples = v;
  data_edited (self);
}

static void
on_noise_changed (GtkRange *range, FtDatasetPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  float v = (float) (round (gtk_range_get_value (range) * 100.0) / 100.0);
  if (v == self->exp->data.noise)
    return;
  self->exp->data.noise = v;
  data_edited (self);
}

static void
on_split_changed (GtkSpinButton *spin, FtDatasetPanel *self)
{
  if (self->updating || self->exp == NULL)
    return;
  double v = round (gtk_spin_button_get_value (spin) * 100.0) / 100.0;
  if (fabs (v - self->exp->fit.validation_split) < 1e-9)
    return;
  self->exp->fit.validation_split = v;
  update_split_row (self);
  gtk_widget_queue_draw (self->scatter_area);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
commit_label_column (FtDatasetPanel *self)
{
  if (self->updating || self->exp == NULL || self->exp->data.source != FT_DATA_CSV)
    return;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->label_entry));
  if (text[0] == '\0' || strcmp (text, self->exp->data.label_column) == 0)
    return;
  g_strlcpy (self->exp->data.label_column, text, sizeof self->exp->data.label_column);
  data_edited (self);
}

static void
on_label_activate (GtkEntry *entry, FtDatasetPanel *self)
{
  commit_label_column (self);
}

static void
on_label_focus_leave (GtkEventControllerFocus *controller, FtDatasetPanel *self)
{
  commit_label_column (self);
}

static void
on_regenerate_clicked (GtkButton *button, FtDatasetPanel *self)
{
  ft_dataset_panel_regenerate (self);
}

static void
on_file_clicked (GtkButton *button, FtDatasetPanel *self)
{
  choose_file (self, true);
}

static void
on_dir_clicked (GtkButton *button, FtDatasetPanel *self)
{
  choose_file (self, false);
}

/* ---- public API ---- */

void
ft_dataset_panel_set_experiment (FtDatasetPanel *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_DATASET_PANEL (self));
  cancel_loading (self);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  self->exp = exp;
  g_clear_pointer (&self->train, ft_dataset_free);
  g_clear_pointer (&self->test, ft_dataset_free);
  gtk_widget_set_sensitive (self->clamp, exp != NULL);

  self->updating = true;
  if (exp != NULL)
    {
      self->source_index = ft_dataset_kind_of (&exp->data);
      adw_combo_row_set_selected (self->source_row, self->source_index);
      /* Values from a file beyond the usual ranges widen them rather than being changed. */
      GtkAdjustment *adj = gtk_spin_button_get_adjustment (self->samples_spin);
      gtk_adjustment_set_upper (adj, MAX (5000.0, (double) exp->data.samples));
      gtk_adjustment_set_lower (adj, MIN (10.0, (double) exp->data.samples));
      gtk_spin_button_set_value (self->samples_spin, exp->data.samples);
      gtk_range_set_value (self->noise_scale, exp->data.noise);
      adj = gtk_spin_button_get_adjustment (self->split_spin);
      gtk_adjustment_set_upper (adj, MAX (0.5, exp->fit.validation_split));
      gtk_spin_button_set_value (self->split_spin, exp->fit.validation_split);
      gtk_editable_set_text (GTK_EDITABLE (self->label_entry), exp->data.label_column);
    }
  self->updating = false;
  update_source_rows (self);
  update_split_row (self);
  show_dataset (self);
  start_load (self, false);
}

const FtDataset *
ft_dataset_panel_get_test_dataset (FtDatasetPanel *self)
{
  g_return_val_if_fail (FT_IS_DATASET_PANEL (self), NULL);
  return self->test;
}

bool
ft_dataset_panel_regenerate (FtDatasetPanel *self)
{
  g_return_val_if_fail (FT_IS_DATASET_PANEL (self), false);
  if (self->exp == NULL || !ft_experiment_regenerate_data (self->exp, NULL))
    return false;
  data_edited (self);
  return true;
}

const FtDataset *
ft_dataset_panel_get_dataset (FtDatasetPanel *self)
{
  g_return_val_if_fail (FT_IS_DATASET_PANEL (self), NULL);
  return self->train;
}

GtkWidget *
ft_dataset_panel_new (void)
{
  return g_object_new (FT_TYPE_DATASET_PANEL, NULL);
}

/* ---- GObject ---- */

static void
ft_dataset_panel_dispose (GObject *object)
{
  FtDatasetPanel *self = FT_DATASET_PANEL (object);
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  self->exp = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), FT_TYPE_DATASET_PANEL);
  G_OBJECT_CLASS (ft_dataset_panel_parent_class)->dispose (object);
}

static void
ft_dataset_panel_finalize (GObject *object)
{
  FtDatasetPanel *self = FT_DATASET_PANEL (object);
  ft_dataset_free (self->train);
  ft_dataset_free (self->test);
  G_OBJECT_CLASS (ft_dataset_panel_parent_class)->finalize (object);
}

static void
ft_dataset_panel_class_init (FtDatasetPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  /* After every edit the user makes (not when _set_experiment refreshes the widgets). */
  signals[SIGNAL_CHANGED] = ft_panel_class_setup (klass, ft_dataset_panel_dispose, ft_dataset_panel_finalize,
                                                  "/org/fittape/FitTape/ui/dataset-panel.ui");
  /* After the data the experiment names has been loaded (ft_dataset_panel_get_dataset has it). */
  signals[SIGNAL_DATA_LOADED] = g_signal_new ("data-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, clamp);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, source_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, samples_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, noise_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, noise_scale);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, regenerate_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, regenerate_button);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, file_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, file_button);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, label_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, label_entry);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, dir_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, dir_button);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, split_row);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, split_spin);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, scatter_area);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, images_area);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, FtDatasetPanel, info_label);
  gtk_widget_class_bind_template_callback (widget_class, on_source_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_samples_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_noise_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_split_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_label_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_regenerate_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_file_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_dir_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ftdatasetpanel");
}

static void
ft_dataset_panel_init (FtDatasetPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->scatter_area), ft_dataset_panel_draw_scatter, self,
                                  NULL);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->images_area), ft_dataset_panel_draw_images, self,
                                  NULL);
  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (on_label_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->label_entry), focus);
  gtk_widget_set_sensitive (self->clamp, FALSE);
  update_source_rows (self);
}
