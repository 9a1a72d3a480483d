/* ft-error.c — the quark of FitTape's error domain (FT_ERROR, core/ft-error.h) and its helpers. */
#include "core/ft-error.h"

G_DEFINE_QUARK (ft - error - quark, ft_error)

void
ft_error_set_at_valist (GError **error, const char *path, const char *fmt, va_list ap)
{
  char *msg = g_strdup_vprintf (fmt, ap);
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s", path, msg);
  g_free (msg);
}
