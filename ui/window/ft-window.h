/* ft-window.h — FitTape's main window: build a network, pick fit, the GradientTape loop or both, train
 * with live plots, keep every run of the session, export what you see. */
#pragma once

#include "experiment/ft-experiment.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define FT_TYPE_WINDOW (ft_window_get_type ())
G_DECLARE_FINAL_TYPE (FtWindow, ft_window, FT, WINDOW, AdwApplicationWindow)

FtWindow *ft_window_new (GtkApplication *app);

/* Replaces the experiment (copied) and refreshes every panel. */
void ft_window_set_experiment (FtWindow *self, const FtExperiment *exp);
FtExperiment *ft_window_get_experiment (FtWindow *self);
/* Loads an experiment file; on error the window keeps its experiment and shows the message. */
gboolean ft_window_open_experiment (FtWindow *self, const char *path, GError **error);
void ft_window_set_mode (FtWindow *self, FtRunMode mode);
/* Opens lesson 1 from the data directory (what the window shows when started without a file); FALSE
 * when it is not there. */
gboolean ft_window_open_first_lesson (FtWindow *self);
FtRunMode ft_window_get_mode (FtWindow *self);

/* The run controls, as the header bar's buttons. */
void ft_window_train (FtWindow *self);
void ft_window_toggle_pause (FtWindow *self);
void ft_window_step (FtWindow *self);
void ft_window_stop (FtWindow *self);
void ft_window_reset (FtWindow *self);
/* Reset keeping the seed (the next Train starts from the same weights), or moving to the next seed. */
void ft_window_reset_same_weights (FtWindow *self);
void ft_window_reset_new_weights (FtWindow *self);
gboolean ft_window_is_training (FtWindow *self);

/* Files, as the menu's items do them (exports and checkpoints run off the main loop; errors show in the
 * window). */
void ft_window_export_plots (FtWindow *self, const char *path); /* .png (2×), .svg or .pdf */
gboolean ft_window_export_history (FtWindow *self, const char *path, GError **error); /* .csv or .json */
void ft_window_save_checkpoint (FtWindow *self, const char *path);
/* The experiment as a runnable TensorFlow script (fit mode: model.fit; otherwise the tape loop). */
gboolean ft_window_export_script (FtWindow *self, const char *path, GError **error);
/* The checkpoint's experiment becomes the window's, and the checkpoint a run of its own that can be
 * evaluated or continued. */
void ft_window_load_checkpoint (FtWindow *self, const char *path);
/* Continues an ended run from where it stopped: to the experiment's epochs, or that many more when it
 * already ran them all. */
void ft_window_continue (FtWindow *self, gpointer run);
guint ft_window_get_pending_jobs (FtWindow *self);
/* The message shown in the window's error bar, or NULL when none is shown. */
const char *ft_window_get_error (FtWindow *self);

/* Saves a PNG of the window after every active run has finished `epochs` epochs (or ended) and a frame
 * showing them has been drawn (waiting at most 30 s for that), prints the measurements (samples per
 * second, the longest main-loop stall) on stdout, then closes the window. When no PNG could be written it
 * says why on stderr and ft_window_get_screenshot_failed turns TRUE (the program exits non-zero). */
void ft_window_screenshot_after_epochs (FtWindow *self, const char *png_path, int epochs);
/* With a screenshot: open the ledger of key at epoch (0-based) of the first run once the epochs are done,
 * and save the ledger dialog (after its full pass arrived) instead of the window. */
void ft_window_screenshot_ledger (FtWindow *self, const char *key, int epoch);
gboolean ft_window_get_screenshot_failed (FtWindow *self);
/* Saves a PNG of the window now (its current size). */
gboolean ft_window_save_screenshot (FtWindow *self, const char *png_path, GError **error);

/* Step-through pace: at most this many batches per second for the runs (0 = as fast as possible);
 * applies to the running runs at once. Opening a lesson or an experiment goes back to full speed, and a
 * new launch starts at full speed. */
void ft_window_set_pace (FtWindow *self, double batches_per_second);

/* Shows one of the views above the status line: "curves", "code", "inspector" (the tape) or "errors"
 * (where the model is wrong). */
gboolean ft_window_show_view (FtWindow *self, const char *name);
/* The view shown ("curves", "code", "inspector", "network", "errors"). An opened experiment starts on the
 * view it names, else on "network" for 2-D data and "curves" for other data. */
const char *ft_window_get_view (FtWindow *self);

/* Presentation mode: large text, thick lines, high contrast. */
void ft_window_set_presentation (FtWindow *self, gboolean on);
/* Text zoom, 1.0 = normal (Ctrl+plus / Ctrl+minus / Ctrl+0). */
void ft_window_set_zoom (FtWindow *self, double zoom);

/* ---- for tests and measurements ---- */
guint ft_window_get_n_runs (FtWindow *self);
/* Run i's name ("Run 1 · fit"), epochs completed, batch points on the plot, epoch points on the plot. */
const char *ft_window_get_run_name (FtWindow *self, guint i);
int ft_window_get_run_epochs (FtWindow *self, guint i);
/* Main-loop work so far, for tests: the charts' redraws while runs train (at most five a second) and the
 * verdict bar's new words (at most one a second while both runs of Compare mode train in step). */
void ft_window_get_redraw_counts (FtWindow *self, guint *redraws, guint *verdict_words);
/* The training set run i trains on (the window's, shared by its views), or NULL. */
const FtDataset *ft_window_get_run_train_data (FtWindow *self, guint i);
int ft_window_get_run_plot_points (FtWindow *self, guint i, int *epoch_points);
/* The run's history as CSV text (g_free). */
char *ft_window_get_run_history_csv (FtWindow *self, guint i);
/* Run i's live changes (ft-live-change.h), one a line: "step,epoch,batch,label" (0-based numbers); "" for
 * none, NULL past the last run. */
char *ft_window_get_run_changes (FtWindow *self, guint i);
/* Where a run of the window stands. */
typedef enum
{
  FT_RUN_STATE_RUNNING, /* training, paused or evaluating */
  FT_RUN_STATE_FINISHED,
  FT_RUN_STATE_STOPPED, /* by the Stop button (early stopping finishes a run) */
  FT_RUN_STATE_FAILED,
} FtRunState;

/* Run i's state; -1 when there is no run i. */
int ft_window_get_run_state (FtWindow *self, guint i);
gint64 ft_window_get_max_stall_us (FtWindow *self);
double ft_window_get_samples_per_second (FtWindow *self);
GtkWidget *ft_window_get_plot_view (FtWindow *self, gboolean accuracy);
/* The window's settings (org.fittape.FitTape, found in the build folder when not installed). */
GSettings *ft_window_get_settings (FtWindow *self);
/* How many runs the charts show now. */
int ft_window_get_n_plotted_runs (FtWindow *self);
/* The pace in batches per second (0 = full speed). */
double ft_window_get_pace (FtWindow *self);
/* Compare mode's verdict above the charts (an FtVerdictBar). */
GtkWidget *ft_window_get_verdict_bar (FtWindow *self);

/* The ledger of an epoch's value (what a click on its point opens, and the action "win.show-ledger" with
 * the parameter (plot run id, 0-based epoch, key), type "(iis)"): a dialog (FtLedgerView) with that run's
 * column and, in Compare mode, its partner's beside it. Returns the dialog, NULL when the run is unknown. */
GtkWidget *ft_window_show_ledger (FtWindow *self, int plot_run, int epoch, const char *key);
/* The ledger dialog open now, or NULL. */
GtkWidget *ft_window_get_ledger_view (FtWindow *self);
/* The plot model's run id of run i (ft_window_get_run_name's order). */
int ft_window_get_run_plot_id (FtWindow *self, guint i);

G_END_DECLS
