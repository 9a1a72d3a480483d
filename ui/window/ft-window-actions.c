/* ft-window-actions.c — the window's actions (menu items, buttons, keyboard shortcuts): the run
 * controls, modes, files (experiments, checkpoints, histories, plots), the clipboard, presentation mode,
 * colour scheme, plot options and zoom. File work runs off the main loop. */
#include "window/ft-window-private.h"

#include "experiment/ft-codegen.h"
#include "plot/ft-plot-export.h"
#include "train/ft-checkpoint.h"

#include <string.h>

/* The run controls: each action calls the window's function for it. */
static const struct
{
  const char *name;
  void (*run) (FtWindow *self);
} run_controls[] = {
  { "win.train", ft_window_train },
  { "win.pause", ft_window_toggle_pause },
  { "win.step", ft_window_step },
  { "win.stop", ft_window_stop },
  { "win.reset", ft_window_reset_new_weights },
  { "win.reset-same", ft_window_reset_same_weights },
};

static void
action_run_control (GtkWidget *widget, const char *name, GVariant *param)
{
  for (size_t i = 0; i < G_N_ELEMENTS (run_controls); i++)
    if (strcmp (name, run_controls[i].name) == 0)
      run_controls[i].run (FT_WINDOW (widget));
}

static void
action_evaluate (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  ft_window_evaluate_run (self, ft_window_current_run (self));
}

static void
action_continue (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  ft_window_continue (self, ft_window_current_run (self));
}

static void
action_zoom (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  if (strcmp (name, "win.zoom-in") == 0)
    ft_window_set_zoom (self, self->zoom * 1.15);
  else if (strcmp (name, "win.zoom-out") == 0)
    ft_window_set_zoom (self, self->zoom / 1.15);
  else
    ft_window_set_zoom (self, 1.0);
}

static void
action_toggle_panel (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
action_copy_plot (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  ft_plot_view_copy_to_clipboard (FT_PLOT_VIEW (self->loss_view));
  ft_window_toast (self, "Loss plot copied to the clipboard");
}

/* ---- stateful actions, as GActions on the window so the menu shows their state ---- */

static void
on_mode_change (GSimpleAction *action, GVariant *value, gpointer data)
{
  FtWindow *self = data;
  FtRunMode mode;
  if (!ft_run_mode_from_name (g_variant_get_string (value, NULL), &mode))
    return;
  g_simple_action_set_state (action, value);
  ft_window_set_mode (self, mode);
}

static void
on_presentation_change (GSimpleAction *action, GVariant *value, gpointer data)
{
  g_simple_action_set_state (action, value);
  ft_window_set_presentation (FT_WINDOW (data), g_variant_get_boolean (value));
}

/* The view options kept in GSettings: each key is a window action of its own name (the menus say
 * win.color-scheme, win.x-axis, win.log-y, win.show-raw-batch-loss), and a change of the key — from the
 * menu, or from outside — is applied here. */
static const char *const view_setting_keys[] = { "color-scheme", "x-axis", "log-y", "show-raw-batch-loss" };

static void
apply_view_setting (GSettings *settings, const char *key, FtWindow *self)
{
  if (strcmp (key, "color-scheme") == 0)
    {
      char *s = g_settings_get_string (settings, key);
      AdwColorScheme scheme = strcmp (s, "dark") == 0    ? ADW_COLOR_SCHEME_FORCE_DARK
                              : strcmp (s, "light") == 0 ? ADW_COLOR_SCHEME_FORCE_LIGHT
                                                         : ADW_COLOR_SCHEME_DEFAULT;
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
      g_free (s);
    }
  else if (strcmp (key, "x-axis") == 0)
    {
      char *s = g_settings_get_string (settings, key);
      FtPlotXAxis axis = strcmp (s, "batch") == 0     ? FT_PLOT_X_STEP
                         : strcmp (s, "samples") == 0 ? FT_PLOT_X_SAMPLES
                                                      : FT_PLOT_X_EPOCH;
      g_object_set (self->loss_view, "x-axis", axis, NULL);
      g_object_set (self->acc_view, "x-axis", axis, NULL);
      g_free (s);
    }
  else if (strcmp (key, "log-y") == 0)
    g_object_set (self->loss_view, "log-y", g_settings_get_boolean (settings, key), NULL);
  else if (strcmp (key, "show-raw-batch-loss") == 0)
    g_object_set (self->loss_view, "show-raw-loss", g_settings_get_boolean (settings, key), NULL);
}

static void
add_view_settings (FtWindow *self)
{
  for (unsigned i = 0; i < G_N_ELEMENTS (view_setting_keys); i++)
    {
      const char *key = view_setting_keys[i];
      GAction *action = g_settings_create_action (self->settings, key);
      g_action_map_add_action (G_ACTION_MAP (self), action);
      g_object_unref (action);
      char *signal = g_strconcat ("changed::", key, NULL);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (apply_view_setting), self, 0);
      g_free (signal);
      apply_view_setting (self->settings, key, self);
    }
}

void
ft_window_remove_view_settings (FtWindow *self)
{
  /* A settings action holds its GSettings and follows the key; if it outlived the window (something
   * else may hold the window's action group), a key changed later by another window would notify a
   * group whose window is gone. So the actions go with the window, and so do the handlers. */
  for (unsigned i = 0; i < G_N_ELEMENTS (view_setting_keys); i++)
    g_action_map_remove_action (G_ACTION_MAP (self), view_setting_keys[i]);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_func (self->settings, G_CALLBACK (apply_view_setting), self);
}

static void
on_acc_fit_change (GSimpleAction *action, GVariant *value, gpointer data)
{
  FtWindow *self = data;
  g_simple_action_set_state (action, value);
  ft_plot_view_set_accuracy_fit (FT_PLOT_VIEW (self->acc_view), g_variant_get_boolean (value));
}

/* ---- files ---- */

/* What to do with the path a file dialog returned. */
typedef void (*FileChosen) (FtWindow *self, const char *path);

static void
on_chooser_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  FtWindow *self = g_object_get_data (G_OBJECT (dialog), "ft-window");
  FileChosen done = data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      char *path = g_file_get_path (file);
      done (self, path);
      g_free (path);
      g_object_unref (file);
    }
  g_object_unref (dialog);
}

static void
choose_file (FtWindow *self, const char *title, GtkFileChooserAction action, const char *suggested,
             const char *pattern, const char *pattern_name, FileChosen done)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, NULL, NULL);
  if (suggested)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  if (pattern)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, pattern_name);
      char **patterns = g_strsplit (pattern, ";", -1);
      for (int i = 0; patterns[i]; i++)
        gtk_file_filter_add_pattern (filter, patterns[i]);
      g_strfreev (patterns);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
      g_object_unref (filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "ft-window", self);
  g_signal_connect (dialog, "response", G_CALLBACK (on_chooser_response), done);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_chosen (FtWindow *self, const char *path)
{
  ft_window_open_experiment (self, path, NULL);
}

/* After a file was written: the error, or a toast saying so. */
static void
report_written (FtWindow *self, gboolean ok, GError *error, const char *message)
{
  if (!ok)
    {
      ft_window_show_error (self, error->message);
      g_error_free (error);
    }
  else
    ft_window_toast (self, message);
}

/* Runs a file job (exports, checkpoints) off the main loop; done gets the window as the task's source. */
static void
start_file_job (FtWindow *self, gpointer job, GDestroyNotify job_free, GTaskThreadFunc thread,
                GAsyncReadyCallback done, gpointer done_data)
{
  self->pending_jobs++;
  GTask *task = g_task_new (self, NULL, done, done_data);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, thread);
  g_object_unref (task);
}

static void
action_open (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (FT_WINDOW (widget), "Open Experiment", GTK_FILE_CHOOSER_ACTION_OPEN, NULL, "*.json",
               "Experiments (*.json)", open_chosen);
}

static void
save_chosen (FtWindow *self, const char *path)
{
  GError *error = NULL;
  gboolean ok = ft_experiment_save (self->exp, path, &error);
  report_written (self, ok, error, "Experiment saved");
}

static void
action_save (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (FT_WINDOW (widget), "Save Experiment", GTK_FILE_CHOOSER_ACTION_SAVE, "experiment.json",
               "*.json", "Experiments (*.json)", save_chosen);
}

/* Plot export, off the main loop on a copy of the plot model. */
typedef struct
{
  FtPlotModel *model;
  char *path;
  bool presentation;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  ft_plot_model_free (job->model);
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  FtPlotStyle style;
  ft_plot_style_init (&style);
  ft_plot_style_set_presentation (&style, job->presentation);
  if (ft_plot_export_both (job->model, job->path, 1600, 700, &style, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The end of a file job run off the main loop (plot export, checkpoint save): the error in the window,
 * or the toast given as data. */
static void
file_job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FtWindow *self = FT_WINDOW (source);
  self->pending_jobs--;
  GError *error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      ft_window_show_error (self, error->message);
      g_error_free (error);
    }
  else
    ft_window_toast (self, data);
}

void
ft_window_export_plots (FtWindow *self, const char *path)
{
  ExportJob *job = g_new0 (ExportJob, 1);
  job->model = ft_plot_model_copy (self->plot_model);
  job->path = g_strdup (path);
  job->presentation = self->presentation;
  start_file_job (self, job, (GDestroyNotify) export_job_free, export_thread, file_job_done,
                  (gpointer) "Plots exported");
}

static void
action_export_plot (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (FT_WINDOW (widget), "Export Plots (PNG, SVG or PDF)", GTK_FILE_CHOOSER_ACTION_SAVE,
               "fittape-plots.png", "*.png;*.svg;*.pdf", "Images (PNG, SVG, PDF)", ft_window_export_plots);
}

gboolean
ft_window_export_history (FtWindow *self, const char *path, GError **error)
{
  FtWindowRun *run = ft_window_current_run (self);
  if (run == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "there is no run to export");
      return FALSE;
    }
  char *text;
  if (g_str_has_suffix (path, ".json"))
    {
      /* The live changes go along as the history's events (the CSV keeps Keras' CSVLogger columns). */
      char *events = ft_window_run_changes_json (run);
      text = ft_history_to_json_with (ft_run_history (run->engine), "events", events);
      g_free (events);
    }
  else
    text = ft_history_to_csv (ft_run_history (run->engine), ',');
  gboolean ok = g_file_set_contents (path, text, -1, error);
  g_free (text);
  return ok;
}

static void
export_history_chosen (FtWindow *self, const char *path)
{
  GError *error = NULL;
  gboolean ok = ft_window_export_history (self, path, &error);
  report_written (self, ok, error, "History exported");
}

gboolean
ft_window_export_script (FtWindow *self, const char *path, GError **error)
{
  /* Compare mode exports the tape loop: the program that shows every step. */
  return ft_codegen_save (self->exp, self->mode == FT_MODE_FIT ? FT_MODE_FIT : FT_MODE_TAPE, path, error);
}

static void
export_script_chosen (FtWindow *self, const char *path)
{
  GError *error = NULL;
  gboolean ok = ft_window_export_script (self, path, &error);
  report_written (self, ok, error, "TensorFlow script saved: run it with python3");
}

static void
action_export_script (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  choose_file (self, "Export as TensorFlow Script", GTK_FILE_CHOOSER_ACTION_SAVE,
               self->mode == FT_MODE_FIT ? "train_fit.py" : "train_loop.py", "*.py", "Python scripts (*.py)",
               export_script_chosen);
}

static void
action_export_history (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  if (ft_window_current_run (self) == NULL)
    return;
  choose_file (self, "Export History (CSV or JSON)", GTK_FILE_CHOOSER_ACTION_SAVE, "history.csv",
               "*.csv;*.json", "CSV or JSON", export_history_chosen);
}

/* Checkpoints: saved and loaded in a thread (the trainer is idle: the run has ended). */
typedef struct
{
  FtWindowRun *run;
  char *path;
  /* load */
  FtExperiment *exp;
  FtSharedData *data;
  FtRun *engine;
} CheckpointJob;

static void
checkpoint_job_free (CheckpointJob *job)
{
  g_free (job->path);
  ft_experiment_free (job->exp);
  ft_shared_data_unref (job->data);
  ft_run_free (job->engine);
  g_free (job);
}

static void
save_checkpoint_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckpointJob *job = task_data;
  GError *error = NULL;
  if (ft_run_save_checkpoint (job->run->engine, job->path, ft_run_epochs_done (job->run->engine), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ft_window_save_checkpoint (FtWindow *self, const char *path)
{
  FtWindowRun *run = ft_window_current_run (self);
  if (run == NULL || run->state == FT_RUN_STATE_RUNNING)
    {
      ft_window_toast (self, "Stop or finish the run before saving its checkpoint");
      return;
    }
  CheckpointJob *job = g_new0 (CheckpointJob, 1);
  job->run = run;
  job->path = g_strdup (path);
  start_file_job (self, job, (GDestroyNotify) checkpoint_job_free, save_checkpoint_thread, file_job_done,
                  (gpointer) "Checkpoint saved");
}

static void
action_save_checkpoint (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (FT_WINDOW (widget), "Save Checkpoint", GTK_FILE_CHOOSER_ACTION_SAVE, "checkpoint.h5", "*.h5",
               "Checkpoints (*.h5)", ft_window_save_checkpoint);
}

static void
load_checkpoint_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckpointJob *job = task_data;
  GError *error = NULL;
  char *json = ft_checkpoint_read_experiment (job->path, &error);
  if (json == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->exp = ft_experiment_from_json (json, &error);
  g_free (json);
  FtSharedData *data = g_atomic_rc_box_new0 (FtSharedData);
  job->data = data;
  FtRunOptions options = { .lanes = true, .ledger = true };
  if (job->exp == NULL || !ft_experiment_load_data (job->exp, &data->train, &data->test, &error)
      || (job->engine = ft_run_new (job->exp, data->train, false, &options, &error)) == NULL
      || !ft_run_load_checkpoint (job->engine, job->path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
checkpoint_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  FtWindow *self = FT_WINDOW (source);
  CheckpointJob *job = g_task_get_task_data (G_TASK (result));
  self->pending_jobs--;
  GError *error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      char *msg = g_strdup_printf ("Cannot load the checkpoint: %s", error->message);
      ft_window_show_error (self, msg);
      g_free (msg);
      g_error_free (error);
      return;
    }
  ft_window_set_experiment (self, job->exp);
  ft_window_add_loaded_run (self, job->engine, job->data);
  job->data = NULL;
  job->engine = NULL;
  ft_window_toast (self, "Checkpoint loaded: evaluate it, or continue training it (Continue in the menu)");
}

void
ft_window_load_checkpoint (FtWindow *self, const char *path)
{
  CheckpointJob *job = g_new0 (CheckpointJob, 1);
  job->path = g_strdup (path);
  start_file_job (self, job, (GDestroyNotify) checkpoint_job_free, load_checkpoint_thread, checkpoint_loaded,
                  NULL);
}

static void
action_load_checkpoint (GtkWidget *widget, const char *name, GVariant *param)
{
  choose_file (FT_WINDOW (widget), "Load Checkpoint", GTK_FILE_CHOOSER_ACTION_OPEN, NULL, "*.h5",
               "Checkpoints (*.h5)", ft_window_load_checkpoint);
}

/* ---- installation ---- */

void
ft_window_install_actions (GtkWidgetClass *klass)
{
  for (size_t i = 0; i < G_N_ELEMENTS (run_controls); i++)
    gtk_widget_class_install_action (klass, run_controls[i].name, NULL, action_run_control);
  gtk_widget_class_install_action (klass, "win.evaluate", NULL, action_evaluate);
  gtk_widget_class_install_action (klass, "win.continue", NULL, action_continue);
  gtk_widget_class_install_action (klass, "win.open", NULL, action_open);
  gtk_widget_class_install_action (klass, "win.save", NULL, action_save);
  gtk_widget_class_install_action (klass, "win.export-plot", NULL, action_export_plot);
  gtk_widget_class_install_action (klass, "win.copy-plot", NULL, action_copy_plot);
  gtk_widget_class_install_action (klass, "win.export-history", NULL, action_export_history);
  gtk_widget_class_install_action (klass, "win.export-script", NULL, action_export_script);
  ft_window_certify_install_action (klass); /* ft-window-certify.c */
  gtk_widget_class_install_action (klass, "win.save-checkpoint", NULL, action_save_checkpoint);
  gtk_widget_class_install_action (klass, "win.load-checkpoint", NULL, action_load_checkpoint);
  gtk_widget_class_install_action (klass, "win.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (klass, "win.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (klass, "win.zoom-reset", NULL, action_zoom);
  gtk_widget_class_install_action (klass, "win.side-panel", NULL, action_toggle_panel);
}

/* Stateful actions are GActions added per window (they carry state the menu shows). */
static void
add_stateful (FtWindow *self, const char *name, const GVariantType *type, GVariant *state,
              void (*change) (GSimpleAction *, GVariant *, gpointer))
{
  GSimpleAction *a = type ? g_simple_action_new_stateful (name, type, state)
                          : g_simple_action_new_stateful (name, NULL, state);
  g_signal_connect (a, "change-state", G_CALLBACK (change), self);
  if (type == NULL)
    g_signal_connect_swapped (a, "activate", G_CALLBACK (g_action_change_state), NULL);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (a));
  g_object_unref (a);
}

static void
toggle_activate (GSimpleAction *action, GVariant *param, gpointer data)
{
  GVariant *state = g_action_get_state (G_ACTION (action));
  g_action_change_state (G_ACTION (action), g_variant_new_boolean (!g_variant_get_boolean (state)));
  g_variant_unref (state);
}

static void
add_toggle (FtWindow *self, const char *name, gboolean initial,
            void (*change) (GSimpleAction *, GVariant *, gpointer))
{
  GSimpleAction *a = g_simple_action_new_stateful (name, NULL, g_variant_new_boolean (initial));
  g_signal_connect (a, "change-state", G_CALLBACK (change), self);
  g_signal_connect (a, "activate", G_CALLBACK (toggle_activate), NULL);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (a));
  g_object_unref (a);
}

static void
add_choice (FtWindow *self, const char *name, const char *initial,
            void (*change) (GSimpleAction *, GVariant *, gpointer))
{
  add_stateful (self, name, G_VARIANT_TYPE_STRING, g_variant_new_string (initial), change);
}

void
ft_window_sync_actions (FtWindow *self)
{
  if (g_action_map_lookup_action (G_ACTION_MAP (self), "mode") == NULL)
    {
      add_choice (self, "mode", ft_run_mode_name (self->mode), on_mode_change);
      add_toggle (self, "presentation", FALSE, on_presentation_change);
      add_view_settings (self);
      add_toggle (self, "acc-fit", FALSE, on_acc_fit_change);
    }
  gboolean training = ft_window_is_training (self);
  GtkWidget *w = GTK_WIDGET (self);
  gtk_widget_action_set_enabled (w, "win.train", !training);
  /* Disabled actions let their keys through to the focused widget (Ctrl+Right moves by word in an entry). */
  gtk_widget_action_set_enabled (w, "win.pause", training);
  gtk_widget_action_set_enabled (w, "win.step", !training || self->paused);
  gtk_widget_action_set_enabled (w, "win.stop", training);
  gtk_widget_action_set_enabled (w, "win.evaluate", !training && ft_window_get_n_runs (self) > 0);
  gtk_widget_action_set_enabled (w, "win.continue", !training && ft_window_get_n_runs (self) > 0);
  gtk_widget_action_set_enabled (w, "win.save-checkpoint", !training && ft_window_get_n_runs (self) > 0);
  gtk_widget_action_set_enabled (w, "win.export-history", ft_window_get_n_runs (self) > 0);
  GAction *mode = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (mode), !training);
}
