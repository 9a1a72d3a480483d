/* ft-window-private.h — FtWindow's state, shared by ft-window.c (the experiment, panels, runs list, status
 * and log), its parts ft-window-train.c (training, evaluation), ft-window-events.c (the runs' events) and
 * ft-window-screenshot.c, and ft-window-actions.c (menu and keyboard actions, files, export) and the
 * other ft-window-*.c. */
#pragma once

#include "experiment/ft-run.h"
#include "panels/ft-panels.h"
#include "plot/ft-plot-model.h"
#include "train/ft-divergence.h"
#include "train/ft-runner.h"
#include "views/ft-plot-view.h"
#include "window/ft-window-run.h"
#include "window/ft-window.h"

/* The datasets of one Train press, shared by the runs it starts (both mode: two). */
/* The stall monitor's figures (ft-window-stalls.c): late ticks by the millisecond, and the longest per event
 * kind handled before them. */
#define FT_STALL_BUCKETS 2000
#define FT_STALL_KINDS   16
typedef struct
{
  guint32 buckets[FT_STALL_BUCKETS];
  guint64 ticks;
  const char *kind[FT_STALL_KINDS];
  gint64 kind_max_us[FT_STALL_KINDS];
  guint32 kind_over[FT_STALL_KINDS];
  gint64 busy_max_us[FT_STALL_KINDS]; /* the most CPU time in the handler of each kind (or the frame) */
  gint64 wall_max_us[FT_STALL_KINDS]; /* the longest wall time in it: more than the CPU time is waiting */
  gint64 busy_total_us[FT_STALL_KINDS];
  guint32 busy_count[FT_STALL_KINDS];
  gint64 frame_start, frame_start_wall;
  gulong frame_handlers[2];
} FtStallStats;

typedef struct
{
  FtDataset *train;
  FtDataset *test;
} FtSharedData;

struct _FtWindowRun
{
  GObject parent_instance;
  FtWindow *window;   /* NULL once the window has gone (an evaluation may still hold the run) */
  int number;         /* Run 1, Run 2, … */
  char *name;         /* "Run 3 · fit", "Run 4 · tape − shuffle" */
  char *role;         /* the legend's name: "fit", "tape", "tape − shuffle" */
  FtRun *engine;      /* the experiment as it was at the start, trainer, runner, history, fingerprints
                         (Compare mode's verdict), callback lanes; epochs done */
  FtSharedData *data; /* g_atomic_rc_box */
  int plot_run;
  FtRunState state;
  int64_t samples;
  double seconds;
  bool evaluating;
  FtLogs test_logs;
  bool has_test_logs;
  gboolean plotted;      /* its series shown on the charts (the row's check button) */
  FtRunner *live_runner; /* the runner whose live changes live_seen counts (a continued run gets a new one) */
  int live_seen;         /* the runner's live changes already logged and drawn */
  FtRunEvent progress;   /* its latest batch end (scalars only, pointers cleared) for the status line, shown
                            at the next redraw, in the same frame as the charts */
  bool progress_pending;
  /* Compare mode's difference lane: the fingerprint records already given to the plot model as steps, the
   * last one's epoch and batch (to notice that a continued run's records started again) and the samples
   * seen after it. */
  int steps_fed, fed_epoch, fed_batch;
  gint64 fed_samples;
};

struct _FtWindow
{
  AdwApplicationWindow parent_instance;

  /* template children */
  GtkToggleButton *panel_button;
  GtkButton *train_button;
  GtkButton *pause_button;
  AdwToastOverlay *toast_overlay;
  AdwFlap *flap;
  AdwViewStack *panel_stack;
  FtDatasetPanel *dataset_panel;
  FtModelEditor *model_editor;
  FtCompilePanel *compile_panel;
  FtTrainingPanel *training_panel;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkButton *error_close;
  GtkLabel *lesson_label;
  GtkLabel *lesson_title;
  GtkToggleButton *notes_button;
  GtkRevealer *notes_revealer;
  GtkMenuButton *lessons_button;
  GtkPopover *lessons_popover;
  GtkListBox *lessons_list;
  GtkBox *content_box;
  GtkBox *top_row;
  GtkBox *verdict_slot; /* Compare mode's verdict bar goes here, directly above the charts */
  GtkBox *main_row;     /* the views, and what fit() does for you beside (or below) them */
  GtkScrolledWindow *checklist_scroll;
  GtkBox *status_row;
  GtkToggleButton *log_button;
  GtkRevealer *log_revealer;
  GtkBox *plot_box;
  GtkWidget *verdict_bar;
  GtkBox *outline_box;
  GtkStack *view_stack;
  GtkBox *checklist_box;
  GtkBox *code_box;
  GtkBox *tape_box;
  GtkBox *errors_box;
  GtkDropDown *pace_dropdown;
  GtkWidget *mode_box;
  GtkButton *mode_buttons[3]; /* fit, tape, both */
  GtkWidget *code_view;
  GtkWidget *tape_inspector;
  GtkWidget *decision_view;
  GtkWidget *confusion_view;
  FtWindowRun *decision_run; /* the run whose weights the decision view follows */
  GtkWidget *network_view;
  FtWindowRun *network_run; /* the run whose weights the network view follows */
  GtkWidget *outline_steps[6];
  GtkWidget *checklist_checks[8];
  GtkWidget *checklist_labels[8];
  GtkWidget *checklist_title;
  GtkWidget *checklist_hint;
  double pace;              /* batches per second, 0 = full speed; not kept across launches */
  GPtrArray *lesson_hidden; /* the named controls the lesson hid (referenced), shown again by the next */
  bool syncing_checklist;
  bool restart_pending; /* Train again as soon as the current runs have stopped */
  bool view_by_data;    /* an opened CSV experiment: its view is chosen when its data are loaded */
  GtkProgressBar *progress_bar;
  GtkInscription *status_label; /* not a GtkLabel: a new text redraws it without laying out the window */
  GtkTextView *log_view;
  GtkListBox *runs_list;

  FtExperiment *exp;
  struct
  {
    float lr, l1, l2;
    bool has_reg, has_act;
    FtActivation activation;
    unsigned features;
    unsigned view_features; /* the input features of the weights the network and decision views show */
  } live;                   /* the settings the runs of this Train press have now (ft-window-live.c) */
  FtRunMode mode;
  FtPlotModel *plot_model;
  GtkWidget *loss_view;
  GtkWidget *acc_view;
  GListStore *runs;      /* FtWindowRun, every run of the session, newest first (the runs list shows it) */
  GPtrArray *active;     /* the runs of the current Train press */
  GCancellable *prepare; /* data loading for a Train press */
  bool paused;
  int next_run_number;
  gint64 train_started;

  char *screenshot_path;
  int screenshot_after;
  bool screenshot_taken;
  bool screenshot_failed;
  guint screenshot_timeout;        /* 30 s to get a frame drawn */
  gulong screenshot_paint_handler; /* the frame clock's after-paint */

  guint redraw_source;       /* batch-rate redraws are throttled to five a second */
  gint64 verdict_shown;      /* when the verdict bar's words last changed (ft-window-events.c) */
  FtDivergence verdict_last; /* what they last said (valid when verdict_last_valid) */
  bool verdict_last_valid;
  guint n_redraws, n_verdict_words; /* counted for ft_window_get_redraw_counts */
  FtWindowRun *progress_run; /* the run whose progress the status line shows next (ft-window-events.c) */
  guint stall_source;
  gint64 last_tick;
  gint64 max_stall_us;
  const char *last_event; /* for FITTAPE_DEBUG_STALLS */
  FtStallStats stalls;

  guint pending_jobs; /* exports, checkpoint saves and loads in flight */

  GtkCssProvider *zoom_provider;
  double zoom;
  bool presentation;
  bool layout_short; /* laid out for a window under 800 px high */
  GSettings *settings;
  GtkWidget *ledger_view;      /* the open ledger dialog (a weak pointer), or NULL */
  char *screenshot_ledger_key; /* --ledger: the screenshot shows this ledger */
  int screenshot_ledger_epoch;
  int screenshot_ledger_ticks;
  guint screenshot_ledger_source;
};

void ft_window_show_error (FtWindow *self, const char *message);
/* Train now, or as soon as the runs being stopped have ended. */
void ft_window_train_when_idle (FtWindow *self);
void ft_window_toast (FtWindow *self, const char *message);
/* A line in the training log. */
void ft_window_log (FtWindow *self, const char *line);
void ft_window_refresh_panels (FtWindow *self);
/* Regenerates both programs of the Code view from the experiment's loop steps. */
void ft_window_refresh_code (FtWindow *self);
/* The selected run, or the latest one. */
FtWindowRun *ft_window_current_run (FtWindow *self);
/* Run i in the order the runs were made (the store holds them newest first); borrowed. */
FtWindowRun *ft_window_run_at (FtWindow *self, guint i);
/* A run made from a checkpoint (engine: its trainer loaded); the window takes both. */
void ft_window_add_loaded_run (FtWindow *self, FtRun *engine, FtSharedData *data);
void ft_window_evaluate_run (FtWindow *self, FtWindowRun *run);
/* ft-window-ledger.c: a click on an epoch point opens its ledger; the "win.show-ledger" action. */
void ft_window_ledger_init (FtWindow *self);
void ft_window_ledger_install_actions (GtkWidgetClass *klass);
FtSharedData *ft_shared_data_ref (FtSharedData *data);
void ft_shared_data_unref (FtSharedData *data);

/* ft-window-teaching.c: the six-step outline, the "what fit() does for you" checklist, the pace
 * control and lessons' hidden controls. */
typedef enum
{
  FT_OUTLINE_DEFINE_MODEL,
  FT_OUTLINE_COMPILE,
  FT_OUTLINE_LOOP,
  FT_OUTLINE_TRAIN,
  FT_OUTLINE_VALIDATE,
  FT_OUTLINE_EVALUATE,
} FtOutlineStep;
void ft_window_teaching_init (FtWindow *self);
void ft_window_outline_set (FtWindow *self, int step); /* -1: none lit */
void ft_window_checklist_sync (FtWindow *self);
/* The checklist as a column beside the views (desk) or a strip below the charts (projector). */
void ft_window_checklist_set_strip (FtWindow *self, bool strip);
void ft_window_apply_lesson (FtWindow *self);
/* The pace control shows the window's pace. */
void ft_window_pace_sync (FtWindow *self);

/* ft-window-lessons.c: the Lessons popover and the data directory. */
const char *ft_window_data_dir (void);
GPtrArray *ft_window_list_experiments (void);
void ft_window_lessons_class_init (GtkWidgetClass *klass);
void ft_window_lessons_init (FtWindow *self);

/* ft-window-layout.c: the arrangement for a desk screen or a projector (presentation mode). */
void ft_window_layout_class_init (GtkWidgetClass *klass);
void ft_window_layout_init (FtWindow *self);
void ft_window_layout_apply (FtWindow *self);
/* The role of a run in the charts: "fit", "tape", or the altered tape loop named by what is off. */
char *ft_window_run_role (const FtExperiment *exp, bool tape);

/* ft-window-network.c: the Network view's page, the run it follows, its edits. */
void ft_window_network_init (FtWindow *self);
void ft_window_network_changed (FtWindow *self);
void ft_window_network_points_changed (FtWindow *self);
void ft_window_network_regenerate (FtWindow *self);
gboolean ft_window_network_edit_weight (FtWindow *self, guint64 index, float value);
/* The view shows exp with run's training set (shared, not copied). */
void ft_window_network_show_run (FtWindow *self, FtWindowRun *run, const FtExperiment *exp);
void ft_window_network_runs_started (FtWindow *self, const FtDataset *test);
void ft_window_network_epoch_end (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev);
void ft_window_network_show_experiment (FtWindow *self);

/* ft-window-live.c: training that reacts to the learning rate, regularization and activation. */
/* Runs started (a Train press, or Continue): the settings they start with, exp's. */
void ft_window_live_start (FtWindow *self, const FtExperiment *exp);
void ft_window_live_edited (FtWindow *self); /* after an edit: ask the runs for what changed */
/* At its batch-end and epoch-end events: log and draw what it applied; after a live change of the input
 * features the network and decision views follow the input column of the weights the event carries (and
 * then it returns true: the views have the event's weights already). */
bool ft_window_live_poll (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev);
/* The run's live changes as JSON for its exported history, or NULL when it has none (g_free). */
char *ft_window_run_changes_json (FtWindowRun *run);

/* ft-window-actions.c */
void ft_window_install_actions (GtkWidgetClass *widget_class);
/* ft-window-certify.c: the "win.certify" action, and the probe that enables it when Python has TensorFlow. */
void ft_window_certify_install_action (GtkWidgetClass *klass);
void ft_window_certify_probe (FtWindow *self);
void ft_window_sync_actions (FtWindow *self);
/* Removes the GSettings-backed view-option actions and their handlers (from dispose). */
void ft_window_remove_view_settings (FtWindow *self);

/* Between ft-window.c and its parts ft-window-events.c, ft-window-train.c and ft-window-screenshot.c. */
/* ft-window-events.c */
bool ft_window_any_active_running (FtWindow *self);
void ft_window_on_run_event (const FtRunEvent *ev, void *user_data);
void ft_window_refresh_plots (FtWindow *self);

/* ft-window-stalls.c */
gboolean ft_window_stall_tick (gpointer data);
void ft_window_stalls_reset (FtWindow *self);
/* The main thread's CPU time (µs), for ft_window_stalls_busy. */
gint64 ft_window_stalls_cpu_us (void);
/* The main loop spent cpu_us of CPU time and wall_us in what `what` names (an event kind, "redraw", a frame
 * phase) since cpu_start and wall_start (ft_window_stalls_cpu_us, g_get_monotonic_time). */
void ft_window_stalls_busy (FtWindow *self, const char *what, gint64 cpu_start, gint64 wall_start);
/* With FITTAPE_DEBUG_STALLS: the stalls' distribution and the longest per event kind, on stderr. */
void ft_window_stalls_print (FtWindow *self);
void ft_window_update_verdict (FtWindow *self);

/* ft-window.c */
void ft_window_add_run_row (FtWindow *self, FtWindowRun *run);
void ft_window_hide_error (FtWindow *self);
void ft_window_log_line (FtWindow *self, const char *line);
guint ft_window_n_runs (FtWindow *self);
void ft_window_set_status (FtWindow *self, const char *text);
void ft_window_update_controls (FtWindow *self);
void ft_window_update_run_row (FtWindowRun *run);

/* ft-window-screenshot.c */
void ft_window_screenshot_check (FtWindow *self);
void ft_window_screenshot_finish (FtWindow *self);

/* ft-window-train.c */
void ft_window_stop_active (FtWindow *self);
