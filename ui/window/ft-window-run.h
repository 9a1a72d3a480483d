/* ft-window-run.h — one run as the window shows it: a GObject in the window's GListStore of runs (the
 * runs list is bound to that store), wrapping the engine's run (experiment/ft-run.h) with what the window
 * adds: its number and name, its state, its series on the charts, its test results. The struct is in
 * ft-window-private.h for the window's files. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_WINDOW_RUN (ft_window_run_get_type ())
G_DECLARE_FINAL_TYPE (FtWindowRun, ft_window_run, FT, WINDOW_RUN, GObject)

/* Tells the run's row that its state, epochs or results changed ("subtitle" is rebuilt). */
void ft_window_run_changed (FtWindowRun *run);

/* "training", "finished", "stopped", "failed". */
const char *ft_window_run_state_text (int state);

/* The row of the runs list for run: "plotted" check, name, subtitle, Evaluate button
 * (gtk_list_box_bind_model's create function; user_data is unused). */
GtkWidget *ft_window_run_create_row (gpointer item, gpointer user_data);

G_END_DECLS
