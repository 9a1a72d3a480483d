/* fittape.c — the FitTape desktop application's entry point. */
#include "window/ft-application.h"
#include "core/ft-blas.h"

int
main (int argc, char **argv)
{
  ft_blas_prefer_fast_kernels (argv);
  FtApplication *app = ft_application_new ();
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  g_object_unref (app);
  return status;
}
