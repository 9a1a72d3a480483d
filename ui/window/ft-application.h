/* ft-application.h — FitTape's AdwApplication: command-line options, the window, app-wide actions and
 * keyboard shortcuts. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FT_TYPE_APPLICATION (ft_application_get_type ())
G_DECLARE_FINAL_TYPE (FtApplication, ft_application, FT, APPLICATION, AdwApplication)

FtApplication *ft_application_new (void);
/* 2 when a file given on the command line failed to open or, with --screenshot, training could not
 * start; else 0. main () returns it when g_application_run () returns 0. */
int ft_application_get_exit_status (FtApplication *self);

G_END_DECLS
