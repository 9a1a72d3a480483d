/* ft-safe-file.h — reading a file a user named, safely: only regular files (not /dev/zero, a FIFO or a
 * directory), refused unread when larger than a cap, the memory taken with g_try_malloc so that a large
 * file gives an error, not an abort. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Checks that path names a regular file of at most max_bytes; *size_out (may be NULL) gets its size.
 * what names the file's role in messages ("experiment", "CSV file"). G_FILE_ERROR / FT_ERROR_INVALID;
 * messages start with path. */
bool ft_safe_file_check (const char *path, size_t max_bytes, const char *what, size_t *size_out,
                         GError **error);

/* Reads the whole file (checked as above) into a NUL-terminated buffer (free with g_free). */
bool ft_safe_file_read (const char *path, size_t max_bytes, const char *what, char **contents, size_t *length,
                        GError **error);

/* Removes NAME.EXT.tmp-XXXXXX files (EXT: path's extension, e.g. any *.h5.tmp-XXXXXX) beside path (an atomic
 * save's temporary files) that no live writer holds locked (writers flock theirs while they live) and that
 * are more than a second old: what a killed save left. Returns how many were removed. */
int ft_safe_file_remove_stale_temps (const char *path);
