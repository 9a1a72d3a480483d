/* ft-application.h — FitTape's AdwApplication: command-line options, the window, app-wide actions and
 * keyboard shortcuts. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FT_TYPE_APPLICATION (ft_application_get_type ())
G_DECLARE_FINAL_TYPE (FtApplication, ft_application, FT, APPLICATION, AdwApplication)

FtApplication *ft_application_new (void);
/* What the program should exit with beyond g_application_run's status: 2 when a file given on the command
 * line failed to open or, with --screenshot, training could not start; 1 when --screenshot could not
 * write its file; else 0. */
int ft_application_get_exit_status (FtApplication *self);
/* Raises the exit status to at least status (a failure noted where it happens, not at the window's end). */
void ft_application_fail (FtApplication *self, int status);

G_END_DECLS
