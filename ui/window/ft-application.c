/* ft-application.c — the application: `fittape [EXPERIMENT.json] [--mode fit|tape|both] [--train]
 * [--screenshot FILE --after-epochs N [--ledger KEY:EPOCH]] [--presentation]`, the About window and the
 * accelerators. */
#include "window/ft-application.h"

#include "window/ft-window.h"

#include <stdlib.h>
#include <string.h>

struct _FtApplication
{
  AdwApplication parent_instance;
  int exit_status; /* 2 after a failed open (GApplication loses the command-line handler's status); 1 when
                      --screenshot could not write its file */
};

G_DEFINE_FINAL_TYPE (FtApplication, ft_application, ADW_TYPE_APPLICATION)

int
ft_application_get_exit_status (FtApplication *self)
{
  return self->exit_status;
}

void
ft_application_fail (FtApplication *self, int status)
{
  self->exit_status = MAX (self->exit_status, status);
}

/* --screenshot when the file did not open or training could not start (a missing CSV): the window's
 * error page is captured and the process ends with status 2, instead of waiting for epochs forever. */
typedef struct
{
  FtApplication *app;
  FtWindow *win; /* weak */
  char *path;
  bool open_failed;
  int ticks;
} ErrorShot;

static void
error_shot_free (gpointer data)
{
  ErrorShot *shot = data;
  if (shot->win != NULL)
    g_object_remove_weak_pointer (G_OBJECT (shot->win), (gpointer *) &shot->win);
  g_free (shot->path);
  g_free (shot);
}

static gboolean
error_shot_tick (gpointer data)
{
  ErrorShot *shot = data;
  if (shot->win == NULL)
    return G_SOURCE_REMOVE;
  shot->ticks++;
  bool failed = shot->open_failed
                || (!ft_window_is_training (shot->win) && ft_window_get_n_runs (shot->win) == 0);
  if (!shot->open_failed && ft_window_get_n_runs (shot->win) > 0)
    return G_SOURCE_REMOVE; /* training started: the window takes the screenshot after the epochs */
  if (!failed || shot->ticks < 3)
    return G_SOURCE_CONTINUE; /* a few frames for the error page to be drawn */
  GError *error = NULL;
  if (ft_window_save_screenshot (shot->win, shot->path, &error))
    g_print ("screenshot: %s\n", shot->path);
  else
    {
      g_printerr ("fittape: %s\n", error->message);
      g_error_free (error);
    }
  shot->app->exit_status = 2;
  gtk_window_destroy (GTK_WINDOW (shot->win));
  return G_SOURCE_REMOVE;
}

static const GOptionEntry options[] = {
  { "mode", 'm', 0, G_OPTION_ARG_STRING, NULL, "Start in this mode: fit, tape or both", "MODE" },
  { "train", 't', 0, G_OPTION_ARG_NONE, NULL, "Start training at once", NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Save a PNG of the window (after --after-epochs), then quit", "FILE" },
  { "after-epochs", 0, 0, G_OPTION_ARG_INT, NULL, "With --screenshot: the epochs to train first (default 1)",
    "N" },
  { "presentation", 'p', 0, G_OPTION_ARG_NONE, NULL, "Start in presentation mode", NULL },
  { "ledger", 0, 0, G_OPTION_ARG_STRING, NULL,
    "With --screenshot: save the ledger of this epoch value of the first run instead (e.g. loss:5, "
    "val_accuracy:3; epochs from 1)",
    "KEY:EPOCH" },
  { "view", 0, 0, G_OPTION_ARG_STRING, NULL, "Show this view: curves, code, inspector, network or errors",
    "VIEW" },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, "[EXPERIMENT.json]" },
  { NULL },
};

static void
on_window_destroy (FtWindow *win, FtApplication *self)
{
  if (ft_window_get_screenshot_failed (win))
    self->exit_status = MAX (self->exit_status, 1);
}

/* Opens the file given on the command line, or starts like a lesson (lesson 1 in Compare mode) without
 * one; 2 when the file did not open (the window still opens, showing the error). */
static int
open_first (FtWindow *win, GApplicationCommandLine *cmdline, const char **files)
{
  int status = 0;
  if (files && files[0])
    {
      char *path = g_application_command_line_get_cwd (cmdline)
                       ? g_canonicalize_filename (files[0], g_application_command_line_get_cwd (cmdline))
                       : g_strdup (files[0]);
      GError *error = NULL;
      if (!ft_window_open_experiment (win, path, &error))
        {
          g_application_command_line_printerr (cmdline, "fittape: %s\n", error->message);
          g_error_free (error);
          status = 2; /* the window still opens, showing the error */
        }
      g_free (path);
    }
  else
    ft_window_open_first_lesson (win); /* no file: start like a lesson, lesson 1 in Compare mode */
  return status;
}

/* --screenshot FILE [--ledger KEY:EPOCH]: the shot after the epochs (or of the ledger), or of the error
 * page when the file did not open (open_failed). Returns 2 for a malformed --ledger, else status. */
static int
plan_screenshot (GApplication *app, GApplicationCommandLine *cmdline, FtWindow *win, const char *screenshot,
                 int after, const char *ledger, int status)
{
  ft_window_screenshot_after_epochs (win, screenshot, after);
  const char *colon = ledger ? strrchr (ledger, ':') : NULL;
  if (colon != NULL && colon > ledger && atoi (colon + 1) >= 1)
    {
      char *key = g_strndup (ledger, (gsize) (colon - ledger));
      ft_window_screenshot_ledger (win, key, atoi (colon + 1) - 1);
      g_free (key);
    }
  else if (ledger != NULL)
    {
      g_application_command_line_printerr (cmdline, "fittape: --ledger must be KEY:EPOCH, e.g. loss:5\n");
      status = 2;
    }
  ErrorShot *shot = g_new0 (ErrorShot, 1);
  shot->app = FT_APPLICATION (app);
  shot->win = win;
  g_object_add_weak_pointer (G_OBJECT (win), (gpointer *) &shot->win);
  shot->path = g_strdup (screenshot);
  shot->open_failed = status != 0;
  g_timeout_add_full (G_PRIORITY_DEFAULT, 200, error_shot_tick, shot, error_shot_free);
  return status;
}

static int
ft_application_command_line (GApplication *app, GApplicationCommandLine *cmdline)
{
  GVariantDict *opts = g_application_command_line_get_options_dict (cmdline);
  const char *mode_name = NULL, *screenshot = NULL, *view = NULL, *ledger = NULL;
  const char **files = NULL;
  int after = 1;
  gboolean train = FALSE, presentation = FALSE;
  g_variant_dict_lookup (opts, "mode", "&s", &mode_name);
  g_variant_dict_lookup (opts, "screenshot", "^&ay", &screenshot);
  g_variant_dict_lookup (opts, "after-epochs", "i", &after);
  g_variant_dict_lookup (opts, "train", "b", &train);
  g_variant_dict_lookup (opts, "presentation", "b", &presentation);
  g_variant_dict_lookup (opts, "view", "&s", &view);
  g_variant_dict_lookup (opts, "ledger", "&s", &ledger);
  g_variant_dict_lookup (opts, G_OPTION_REMAINING, "^a&ay", &files);

  FtWindow *win = ft_window_new (GTK_APPLICATION (app));
  g_signal_connect (win, "destroy", G_CALLBACK (on_window_destroy), app);
  int status = open_first (win, cmdline, files);
  if (mode_name)
    {
      FtRunMode mode;
      if (ft_run_mode_from_name (mode_name, &mode))
        ft_window_set_mode (win, mode);
      else
        {
          g_application_command_line_printerr (cmdline, "fittape: --mode must be fit, tape or both\n");
          status = 2;
        }
    }
  if (presentation)
    g_action_group_activate_action (G_ACTION_GROUP (win), "presentation", NULL);
  if (view && !ft_window_show_view (win, view))
    {
      g_application_command_line_printerr (
          cmdline, "fittape: --view must be curves, code, inspector, network or errors\n");
      status = 2;
    }
  if (screenshot)
    status = plan_screenshot (app, cmdline, win, screenshot, after, ledger, status);
  gtk_window_present (GTK_WINDOW (win));
  /* A file that failed to open leaves its error page up: nothing to train. */
  if ((train || screenshot) && status == 0)
    ft_window_train (win);
  g_free (files);
  FT_APPLICATION (app)->exit_status = MAX (FT_APPLICATION (app)->exit_status, status);
  return status;
}

static void
about (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;
  GtkWindow *parent = gtk_application_get_active_window (app);
  GtkWidget *about = adw_about_window_new ();
  g_object_set (
      about, "transient-for", parent, "application-name", "FitTape", "application-icon",
      "org.fittape.FitTape", "version", "0.1.0", "developer-name", "The FitTape developers", "license-type",
      GTK_LICENSE_GPL_3_0, "comments",
      "model.fit() is the GradientTape loop plus bookkeeping: watch both train, side by side, and see "
      "what goes wrong when a step of the bookkeeping is left out.",
      NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit (GSimpleAction *action, GVariant *param, gpointer data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (data));
  while (windows)
    {
      GList *next = windows->next;
      gtk_window_destroy (GTK_WINDOW (windows->data));
      windows = next;
    }
}

static void
ft_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (ft_application_parent_class)->startup (app);
  static const GActionEntry entries[] = {
    { "about", about, NULL, NULL, NULL },
    { "quit", quit, NULL, NULL, NULL },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  static const struct
  {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "win.train", { "<Control>Return", NULL } },
    { "win.pause", { "<Control>p", NULL } },
    { "win.step", { "<Control>Right", NULL } },
    { "win.stop", { "<Control>period", NULL } },
    { "win.reset", { "<Control>r", NULL } },
    { "win.reset-same", { "<Control><Shift>r", NULL } },
    { "win.mode::fit", { "<Alt>1", NULL } },
    { "win.mode::tape", { "<Alt>2", NULL } },
    { "win.mode::both", { "<Alt>3", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.export-plot", { "<Control>e", NULL } },
    { "win.copy-plot", { "<Control><Shift>c", NULL } },
    { "win.presentation", { "F5", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.side-panel", { "F9", NULL } },
    { "win.log", { "F8", NULL } },
    { "win.lessons", { "<Control>l", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "app.quit", { "<Control>q", NULL } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
  GtkCssProvider *css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/fittape/FitTape/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (css);
}

static void
ft_application_class_init (FtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  app_class->command_line = ft_application_command_line;
  app_class->startup = ft_application_startup;
}

static void
ft_application_init (FtApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), "[EXPERIMENT.json]");
  g_application_set_option_context_summary (
      G_APPLICATION (self), "Train a network with model.fit(), a GradientTape loop, or both side by side.");
}

/* With no GPU to draw with, GTK's GL renderer runs on the CPU (Mesa's llvmpipe, with a thread per core)
 * and takes those cores from training: measured under Xvfb on 2 cores, Compare mode on Fashion-MNIST
 * trained at 100,835 samples/s with main-loop stalls up to 135 ms with GL, against 191,709 samples/s and
 * 46 ms with cairo. So without a DRI render node (no GPU the process can use) FitTape asks GTK for its
 * cairo renderer; GSK_RENDERER set by the user wins. */
static void
choose_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  bool gpu = false;
  GDir *dri = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;
  while (dri != NULL && !gpu && (name = g_dir_read_name (dri)) != NULL)
    gpu = g_str_has_prefix (name, "renderD");
  if (dri != NULL)
    g_dir_close (dri);
  if (!gpu)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

FtApplication *
ft_application_new (void)
{
  choose_renderer ();
  /* NON_UNIQUE: every invocation is its own window and process (screenshots, tests, a class of
   * students on one machine); no D-Bus activation is needed. */
  return g_object_new (FT_TYPE_APPLICATION, "application-id", "org.fittape.FitTape", "flags",
                       G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE, "resource-base-path",
                       "/org/fittape/FitTape", NULL);
}
