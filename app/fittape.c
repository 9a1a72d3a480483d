/* fittape.c — the FitTape desktop application's entry point. */
#include "core/ft-blas.h"
#include "window/ft-application.h"

int
main (int argc, char **argv)
{
  ft_blas_prefer_fast_kernels (argv);
  FtApplication *app = ft_application_new ();
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  if (status == 0)
    status = ft_application_get_exit_status (app);
  g_object_unref (app);
  return status;
}
