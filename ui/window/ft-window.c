/* ft-window.c — the main window: the experiment and its panels, the runs list, the status line and the
 * epoch log, the views and zoom, test accessors and the GObject. Train / Pause / Step / Stop / Reset and
 * the evaluation are in ft-window-train.c, the runs' events (feeding the plots, the status line and the
 * log; the main-loop stall monitor) in ft-window-events.c, the screenshot mode in ft-window-screenshot.c,
 * the actions in ft-window-actions.c. */
#include "window/ft-application.h"
#include "window/ft-window-private.h"

#include "core/ft-format.h"
#include "train/ft-checkpoint.h"
#include "views/ft-code-view.h"
#include "views/ft-confusion-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-ledger-view.h"
#include "views/ft-network-view.h"
#include "views/ft-tape-inspector.h"
#include "views/ft-verdict-bar.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FtWindow, ft_window, ADW_TYPE_APPLICATION_WINDOW)

FtSharedData *
ft_shared_data_ref (FtSharedData *data)
{
  return g_atomic_rc_box_acquire (data);
}

static void
shared_data_clear (gpointer p)
{
  FtSharedData *d = p;
  ft_dataset_free (d->train);
  ft_dataset_free (d->test);
}

void
ft_shared_data_unref (FtSharedData *data)
{
  if (data)
    g_atomic_rc_box_release_full (data, shared_data_clear);
}

/* ---- messages ---- */

void
ft_window_show_error (FtWindow *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

void
ft_window_hide_error (FtWindow *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

void
ft_window_toast (FtWindow *self, const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

void
ft_window_log (FtWindow *self, const char *line)
{
  ft_window_log_line (self, line);
}

void
ft_window_log_line (FtWindow *self, const char *line)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;
  gtk_text_buffer_get_end_iter (buf, &end);
  gtk_text_buffer_insert (buf, &end, line, -1);
  gtk_text_buffer_insert (buf, &end, "\n", 1);
  /* Keep the newest line in view: a mark at the end that the view follows once laid out. */
  GtkTextMark *mark = gtk_text_buffer_get_mark (buf, "ft-end");
  gtk_text_buffer_get_end_iter (buf, &end);
  if (mark == NULL)
    mark = gtk_text_buffer_create_mark (buf, "ft-end", &end, FALSE);
  else
    gtk_text_buffer_move_mark (buf, mark, &end);
  gtk_text_view_scroll_to_mark (self->log_view, mark, 0.0, TRUE, 0.0, 1.0);
}

/* ---- runs ---- */

guint
ft_window_n_runs (FtWindow *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->runs));
}

FtWindowRun *
ft_window_run_at (FtWindow *self, guint i)
{
  guint n = ft_window_n_runs (self);
  g_return_val_if_fail (i < n, NULL);
  FtWindowRun *run = g_list_model_get_item (G_LIST_MODEL (self->runs), n - 1 - i);
  g_object_unref (run); /* the store keeps it */
  return run;
}

void
ft_window_update_run_row (FtWindowRun *run)
{
  ft_window_run_changed (run);
}

/* A new run goes to the top of the list, selected. */
void
ft_window_add_run_row (FtWindow *self, FtWindowRun *run)
{
  g_list_store_insert (self->runs, 0, run);
  gtk_list_box_select_row (self->runs_list, gtk_list_box_get_row_at_index (self->runs_list, 0));
}

FtWindowRun *
ft_window_current_run (FtWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->runs_list);
  if (row != NULL)
    {
      FtWindowRun *run = g_list_model_get_item (G_LIST_MODEL (self->runs), gtk_list_box_row_get_index (row));
      if (run != NULL)
        g_object_unref (run);
      return run;
    }
  return ft_window_n_runs (self) > 0 ? ft_window_run_at (self, ft_window_n_runs (self) - 1) : NULL;
}

void
ft_window_set_status (FtWindow *self, const char *text)
{
  gtk_inscription_set_text (self->status_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_label), GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
}

void
ft_window_update_controls (FtWindow *self)
{
  ft_window_sync_actions (self);
  gtk_button_set_icon_name (self->pause_button,
                            self->paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
}

/* ---- experiment and panels ---- */

void
ft_window_refresh_code (FtWindow *self)
{
  if (self->code_view && self->exp)
    ft_code_view_set_experiment (FT_CODE_VIEW (self->code_view), self->exp, self->mode);
}

static void
on_panel_changed (gpointer panel, FtWindow *self)
{
  ft_window_hide_error (self);
  ft_window_refresh_code (self);
  ft_window_checklist_sync (self);
  ft_window_update_controls (self);
  /* The Network view's controls show the edit (a learning rate set on the Compile page). */
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), self->exp);
  ft_window_live_edited (self);
}

static void
on_data_loaded (FtDatasetPanel *panel, FtWindow *self)
{
  const FtDataset *ds = ft_dataset_panel_get_dataset (panel);
  if (ds)
    ft_model_editor_set_data_shape (self->model_editor, ds->ndim, ds->shape, ds->n_classes);
  if (self->view_by_data && ds != NULL)
    ft_window_show_view (self, ds->sample_size == 2 && ds->features != NULL ? "network" : "curves");
  ft_window_network_show_experiment (self);
}

void
ft_window_refresh_panels (FtWindow *self)
{
  ft_dataset_panel_set_experiment (self->dataset_panel, self->exp);
  ft_model_editor_set_experiment (self->model_editor, self->exp);
  ft_compile_panel_set_experiment (self->compile_panel, self->exp);
  ft_training_panel_set_experiment (self->training_panel, self->exp);
  ft_training_panel_set_mode (self->training_panel, self->mode);
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), self->exp);
  gtk_label_set_text (self->lesson_title, self->exp->title ? self->exp->title : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lesson_title), self->exp->title);
  gtk_label_set_text (self->lesson_label, self->exp->notes ? self->exp->notes : "");
  gtk_widget_set_visible (GTK_WIDGET (self->notes_button), self->exp->notes != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->notes_revealer), self->exp->notes != NULL);
  gtk_window_set_title (GTK_WINDOW (self), self->exp->title ? self->exp->title : "FitTape");
  ft_window_checklist_sync (self);
  ft_window_apply_lesson (self);
  ft_window_refresh_code (self);
}

void
ft_window_set_experiment (FtWindow *self, const FtExperiment *exp)
{
  FtExperiment *copy = ft_experiment_copy (exp);
  /* Panels hold a borrowed pointer: detach them before the old experiment goes. */
  ft_dataset_panel_set_experiment (self->dataset_panel, NULL);
  ft_model_editor_set_experiment (self->model_editor, NULL);
  ft_compile_panel_set_experiment (self->compile_panel, NULL);
  ft_training_panel_set_experiment (self->training_panel, NULL);
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), NULL);
  ft_experiment_free (self->exp);
  self->exp = copy;
  self->mode = copy->mode;
  ft_window_refresh_panels (self);
  ft_window_set_mode (self, copy->mode);
}

/* The view an opened experiment starts on: the one it names, else the Network view for 2-D data (the
 * Playground's main view) and the curves for other data; a CSV file's columns are known once loaded
 * (on_data_loaded decides then, unless a view was chosen meanwhile). */
static void
open_on_view (FtWindow *self)
{
  const FtExperiment *e = self->exp;
  if (e->view[0] != '\0')
    ft_window_show_view (self, e->view);
  else if (e->data.source == FT_DATA_PLAYGROUND || e->data.features != 0)
    ft_window_show_view (self, "network");
  else if (e->data.source == FT_DATA_CSV)
    self->view_by_data = true;
  else
    ft_window_show_view (self, "curves");
}

FtExperiment *
ft_window_get_experiment (FtWindow *self)
{
  return self->exp;
}

gboolean
ft_window_open_experiment (FtWindow *self, const char *path, GError **error)
{
  GError *local = NULL;
  FtExperiment *exp = ft_experiment_load (path, &local);
  if (exp == NULL)
    {
      char *msg = g_strdup_printf ("Cannot open the experiment: %s", local->message);
      ft_window_show_error (self, msg);
      g_free (msg);
      g_propagate_error (error, local);
      return FALSE;
    }
  ft_window_set_experiment (self, exp);
  ft_experiment_free (exp);
  open_on_view (self);
  g_settings_set_string (self->settings, "last-experiment", path);
  ft_window_set_pace (self, 0); /* a lesson starts at full speed, whatever the last one ended at */
  return TRUE;
}

void
ft_window_set_mode (FtWindow *self, FtRunMode mode)
{
  self->mode = mode;
  if (self->exp)
    self->exp->mode = mode;
  ft_training_panel_set_mode (self->training_panel, mode);
  ft_window_checklist_sync (self);
  ft_window_refresh_code (self);
  ft_window_update_verdict (self);
  ft_window_layout_apply (self);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  if (action)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (ft_run_mode_name (mode)));
}

FtRunMode
ft_window_get_mode (FtWindow *self)
{
  return self->mode;
}

double
ft_window_get_pace (FtWindow *self)
{
  return self->pace;
}

void
ft_window_set_pace (FtWindow *self, double batches_per_second)
{
  self->pace = CLAMP (batches_per_second, 0.0, 1000.0);
  ft_window_pace_sync (self);
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING)
        ft_runner_set_pace (ft_run_runner (run->engine), self->pace);
    }
}

gboolean
ft_window_show_view (FtWindow *self, const char *name)
{
  if (gtk_stack_get_child_by_name (self->view_stack, name) == NULL)
    return FALSE;
  self->view_by_data = false;
  gtk_stack_set_visible_child_name (self->view_stack, name);
  return TRUE;
}

const char *
ft_window_get_view (FtWindow *self)
{
  g_return_val_if_fail (FT_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->view_stack);
}

/* ---- presentation and zoom ---- */

void
ft_window_set_zoom (FtWindow *self, double zoom)
{
  self->zoom = CLAMP (zoom, 0.5, 3.0);
  char *css = g_strdup_printf ("window.ft-window { font-size: %.0f%%; }", self->zoom * 100.0);
  gtk_css_provider_load_from_data (self->zoom_provider, css, -1);
  g_free (css);
}

/* ---- test accessors ---- */

guint
ft_window_get_n_runs (FtWindow *self)
{
  return ft_window_n_runs (self);
}

const char *
ft_window_get_run_name (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run ? run->name : NULL;
}

int
ft_window_get_run_plot_id (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run ? run->plot_run : 0;
}

int
ft_window_get_run_epochs (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run ? ft_run_epochs_done (run->engine) : -1;
}

void
ft_window_get_redraw_counts (FtWindow *self, guint *redraws, guint *verdict_words)
{
  *redraws = self->n_redraws;
  *verdict_words = self->n_verdict_words;
}

const FtDataset *
ft_window_get_run_train_data (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run != NULL && run->data != NULL ? run->data->train : NULL;
}

int
ft_window_get_run_plot_points (FtWindow *self, guint i, int *epoch_points)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  if (epoch_points)
    *epoch_points = run ? ft_plot_model_get_n_epochs (self->plot_model, run->plot_run) : 0;
  return run ? ft_plot_model_get_n_batches (self->plot_model, run->plot_run) : 0;
}

char *
ft_window_get_run_history_csv (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run ? ft_history_to_csv (ft_run_history (run->engine), ',') : NULL;
}

int
ft_window_get_run_state (FtWindow *self, guint i)
{
  FtWindowRun *run = ft_window_run_at (self, i);
  return run ? (int) run->state : -1;
}

gint64
ft_window_get_max_stall_us (FtWindow *self)
{
  return self->max_stall_us;
}

double
ft_window_get_samples_per_second (FtWindow *self)
{
  double total = 0;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->seconds > 0)
        total += (double) run->samples / run->seconds;
    }
  return total;
}

int
ft_window_get_n_plotted_runs (FtWindow *self)
{
  int n = 0;
  for (int i = 0; i < ft_plot_model_get_n_runs (self->plot_model); i++)
    n += ft_plot_model_get_run_visible (self->plot_model, ft_plot_model_get_run_id (self->plot_model, i));
  return n;
}

GtkWidget *
ft_window_get_verdict_bar (FtWindow *self)
{
  return self->verdict_bar;
}

GSettings *
ft_window_get_settings (FtWindow *self)
{
  return self->settings;
}

GtkWidget *
ft_window_get_plot_view (FtWindow *self, gboolean accuracy)
{
  return accuracy ? self->acc_view : self->loss_view;
}

/* ---- GObject ---- */

static void
on_error_close (GtkButton *button, FtWindow *self)
{
  ft_window_hide_error (self);
}

static void
ft_window_dispose (GObject *object)
{
  FtWindow *self = FT_WINDOW (object);
  ft_window_remove_view_settings (self);
  if (self->prepare)
    g_cancellable_cancel (self->prepare);
  g_clear_object (&self->prepare);
  if (self->stall_source)
    {
      g_source_remove (self->stall_source);
      self->stall_source = 0;
    }
  if (self->redraw_source)
    {
      g_source_remove (self->redraw_source);
      self->redraw_source = 0;
    }
  if (self->screenshot_timeout)
    {
      g_source_remove (self->screenshot_timeout);
      self->screenshot_timeout = 0;
    }
  if (self->screenshot_paint_handler)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
      if (clock)
        g_signal_handler_disconnect (clock, self->screenshot_paint_handler);
      self->screenshot_paint_handler = 0;
    }
  if (self->runs)
    {
      /* Stop every runner before anything they point to goes. */
      for (guint i = 0; i < ft_window_n_runs (self); i++)
        {
          FtWindowRun *run = ft_window_run_at (self, i);
          ft_run_stop (run->engine);
          run->window = NULL; /* an evaluation still running keeps its run, not the window */
        }
      g_ptr_array_set_size (self->active, 0);
      self->progress_run = NULL;
      self->decision_run = NULL;
      self->network_run = NULL;
      g_list_store_remove_all (self->runs);
      g_clear_object (&self->runs);
    }
  if (self->dataset_panel)
    {
      ft_dataset_panel_set_experiment (self->dataset_panel, NULL);
      ft_model_editor_set_experiment (self->model_editor, NULL);
      ft_compile_panel_set_experiment (self->compile_panel, NULL);
      ft_training_panel_set_experiment (self->training_panel, NULL);
      ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), FT_TYPE_WINDOW);
  G_OBJECT_CLASS (ft_window_parent_class)->dispose (object);
}

static void
ft_window_finalize (GObject *object)
{
  FtWindow *self = FT_WINDOW (object);
  g_clear_pointer (&self->active, g_ptr_array_unref);
  g_clear_pointer (&self->lesson_hidden, g_ptr_array_unref);
  ft_plot_model_free (self->plot_model);
  ft_experiment_free (self->exp);
  g_free (self->screenshot_ledger_key);
  g_free (self->screenshot_path);
  g_clear_object (&self->zoom_provider);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ft_window_parent_class)->finalize (object);
}

/* The window's size is remembered between sessions. */
static gboolean
ft_window_close_request (GtkWindow *window)
{
  FtWindow *self = FT_WINDOW (window);
  int w, h;
  gtk_window_get_default_size (window, &w, &h);
  if (w > 0 && h > 0)
    {
      g_settings_set_int (self->settings, "window-width", w);
      g_settings_set_int (self->settings, "window-height", h);
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (ft_window_parent_class)->close_request (window);
}

static void
ft_window_class_init (FtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_window_dispose;
  object_class->finalize = ft_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = ft_window_close_request;
  g_type_ensure (FT_TYPE_DATASET_PANEL);
  g_type_ensure (FT_TYPE_MODEL_EDITOR);
  g_type_ensure (FT_TYPE_COMPILE_PANEL);
  g_type_ensure (FT_TYPE_TRAINING_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/fittape/FitTape/ui/window.ui");
  gtk_widget_class_bind_template_child (widget_class, FtWindow, panel_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, train_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, panel_stack);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, dataset_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, model_editor);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, compile_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, training_panel);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, error_close);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lesson_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lesson_title);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, notes_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, notes_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_popover);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, lessons_list);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, top_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, verdict_slot);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, main_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, checklist_scroll);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, status_row);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_button);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_revealer);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, plot_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, outline_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, checklist_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, code_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, tape_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, errors_box);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, pace_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, mode_box);
  gtk_widget_class_bind_template_child_full (widget_class, "mode_fit", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "mode_tape", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "mode_both", FALSE,
                                             G_STRUCT_OFFSET (FtWindow, mode_buttons[2]));
  gtk_widget_class_bind_template_child (widget_class, FtWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, FtWindow, runs_list);
  ft_window_install_actions (widget_class);
  ft_window_ledger_install_actions (widget_class);
  ft_window_lessons_class_init (widget_class);
  ft_window_layout_class_init (widget_class);
}

/* The app's settings: the installed schema, or the one compiled in the build directory when FitTape runs
 * uninstalled (.ci/start, tests). */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema = source ? g_settings_schema_source_lookup (source, "org.fittape.FitTape", TRUE)
                                   : NULL;
  if (schema == NULL)
    {
      GSettingsSchemaSource *local = g_settings_schema_source_new_from_directory (FITTAPE_BUILD_SCHEMA_DIR,
                                                                                  source, FALSE, NULL);
      if (local)
        {
          schema = g_settings_schema_source_lookup (local, "org.fittape.FitTape", FALSE);
          g_settings_schema_source_unref (local);
        }
    }
  if (schema == NULL)
    g_error ("the GSettings schema org.fittape.FitTape is not installed");
  GSettings *settings = g_settings_new_full (schema, NULL, NULL);
  g_settings_schema_unref (schema);
  return settings;
}

static void
ft_window_init (FtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "ft-window");
  ft_window_certify_probe (self); /* "Certify Against Keras…" once Python imports TensorFlow */
  self->settings = settings_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  self->runs = g_list_store_new (FT_TYPE_WINDOW_RUN);
  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (self->runs), ft_window_run_create_row, NULL, NULL);
  self->lesson_hidden = g_ptr_array_new_with_free_func (g_object_unref);
  self->active = g_ptr_array_new ();
  self->plot_model = ft_plot_model_new ();
  ft_plot_model_set_difference_lane (self->plot_model, true);
  self->loss_view = ft_plot_view_new (self->plot_model, FT_PLOT_LOSS);
  self->acc_view = ft_plot_view_new (self->plot_model, FT_PLOT_ACCURACY);
  gtk_box_append (self->plot_box, self->loss_view);
  gtk_box_append (self->plot_box, self->acc_view);
  ft_window_ledger_init (self);
  self->verdict_bar = ft_verdict_bar_new ();
  gtk_widget_set_visible (self->verdict_bar, FALSE);
  gtk_box_append (self->verdict_slot, self->verdict_bar);
  self->zoom_provider = gtk_css_provider_new ();
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                              GTK_STYLE_PROVIDER (self->zoom_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  self->zoom = 1.0;
  g_signal_connect (self->error_close, "clicked", G_CALLBACK (on_error_close), self);
  g_signal_connect (self->dataset_panel, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->dataset_panel, "data-loaded", G_CALLBACK (on_data_loaded), self);
  g_signal_connect (self->model_editor, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->compile_panel, "changed", G_CALLBACK (on_panel_changed), self);
  g_signal_connect (self->training_panel, "changed", G_CALLBACK (on_panel_changed), self);
  self->stall_source = g_timeout_add (4, ft_window_stall_tick, self);
  ft_window_teaching_init (self);
  ft_window_lessons_init (self);
  ft_window_layout_init (self);
  self->code_view = ft_code_view_new ();
  gtk_widget_set_vexpand (self->code_view, TRUE);
  gtk_box_append (self->code_box, self->code_view);
  self->tape_inspector = ft_tape_inspector_new ();
  gtk_widget_set_vexpand (self->tape_inspector, TRUE);
  gtk_box_append (self->tape_box, self->tape_inspector);
  self->decision_view = ft_decision_view_new ();
  self->confusion_view = ft_confusion_view_new ();
  gtk_widget_set_hexpand (self->confusion_view, TRUE);
  /* The decision regions with the Playground's "Show test data" below them. */
  GtkWidget *decision_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (decision_box, TRUE);
  gtk_widget_set_vexpand (self->decision_view, TRUE);
  gtk_box_append (GTK_BOX (decision_box), self->decision_view);
  GtkWidget *show_test = gtk_check_button_new_with_mnemonic ("Show _test data");
  gtk_widget_set_name (show_test, "show-test-data");
  gtk_widget_set_halign (show_test, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (show_test, "Draw the test set over the decision regions, each point ringed");
  g_object_bind_property (show_test, "active", self->decision_view, "show-test", G_BINDING_BIDIRECTIONAL);
  gtk_box_append (GTK_BOX (decision_box), show_test);
  gtk_box_append (self->errors_box, decision_box);
  gtk_box_append (self->errors_box, self->confusion_view);
  ft_window_network_init (self);

  FtExperiment *exp = ft_experiment_new_default ();
  ft_window_set_experiment (self, exp);
  ft_experiment_free (exp);
  ft_window_layout_apply (self);
  ft_window_update_controls (self);
}

FtWindow *
ft_window_new (GtkApplication *app)
{
  return g_object_new (FT_TYPE_WINDOW, "application", app, NULL);
}
