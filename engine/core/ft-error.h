/* ft-error.h — FitTape's error domain: FT_ERROR and its codes, for every GError the engine sets.
 *
 * Files, JSON and checkpoints report I/O trouble in GLib's own domains (G_FILE_ERROR, …); everything about
 * arguments, shapes, configurations and file contents is FT_ERROR_INVALID. */
#pragma once

#include <glib.h>
#include <stdarg.h>

#define FT_ERROR (ft_error_quark ())
GQuark ft_error_quark (void);
typedef enum
{
  FT_ERROR_TAPE_USED,     /* gradient() called twice on a one-shot tape */
  FT_ERROR_INVALID,       /* bad argument, shape or configuration */
  FT_ERROR_NOT_RECORDING, /* asked for gradients of a target the tape never saw */
} FtError;

/* Sets an FT_ERROR_INVALID error whose message is "PATH: " and the formatted rest (a file's readers). */
void ft_error_set_at_valist (GError **error, const char *path, const char *fmt, va_list ap);

/* Sets an FT_ERROR_INVALID error on err (a GError **) from printf-style arguments and returns false from
 * the calling function: the validators' "fail with this message". */
#define FT_RETURN_INVALID(err, ...)                                                                          \
  do                                                                                                         \
    {                                                                                                        \
      g_set_error ((err), FT_ERROR, FT_ERROR_INVALID, __VA_ARGS__);                                          \
      return false;                                                                                          \
    }                                                                                                        \
  while (0)
