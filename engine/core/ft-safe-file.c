/* ft-safe-file.c — regular files only, with a size cap, read without aborting on a large allocation. */
#include "core/ft-safe-file.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
check_stat (const char *path, const struct stat *st, size_t max_bytes, const char *what, GError **error)
{
  if (S_ISDIR (st->st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a directory, not a%s %s", path,
                   strchr ("aeiouAEIOU", what[0]) != NULL ? "n" : "", what);
      return false;
    }
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s: not a regular file (a device, pipe or socket), so not a%s %s", path,
                   strchr ("aeiouAEIOU", what[0]) != NULL ? "n" : "", what);
      return false;
    }
  if ((guint64) st->st_size > (guint64) max_bytes)
    {
      char have[32], cap[32];
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s is too large for a%s %s (the limit is %s)",
                   path, ft_format_bytes ((size_t) st->st_size, have, sizeof have),
                   strchr ("aeiouAEIOU", what[0]) != NULL ? "n" : "", what,
                   ft_format_bytes (max_bytes, cap, sizeof cap));
      return false;
    }
  return true;
}

static void
errno_error (GError **error, int err, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: %s", path, g_strerror (err));
}

bool
ft_safe_file_check (const char *path, size_t max_bytes, const char *what, size_t *size_out, GError **error)
{
  struct stat st;
  if (g_stat (path, &st) != 0)
    {
      errno_error (error, errno, path);
      return false;
    }
  if (!check_stat (path, &st, max_bytes, what, error))
    return false;
  if (size_out != NULL)
    *size_out = (size_t) st.st_size;
  return true;
}

bool
ft_safe_file_read (const char *path, size_t max_bytes, const char *what, char **contents, size_t *length,
                   GError **error)
{
  *contents = NULL;
  if (length != NULL)
    *length = 0;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it. */
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      errno_error (error, errno, path);
      return false;
    }
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      errno_error (error, errno, path);
      close (fd);
      return false;
    }
  if (!check_stat (path, &st, max_bytes, what, error))
    {
      close (fd);
      return false;
    }
  size_t size = (size_t) st.st_size;
  char *buf = g_try_malloc (size + 1);
  if (buf == NULL)
    {
      char have[32];
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: not enough memory to read %s", path,
                   ft_format_bytes (size, have, sizeof have));
      close (fd);
      return false;
    }
  size_t done = 0;
  while (done < size)
    {
      ssize_t got = read (fd, buf + done, size - done);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          errno_error (error, errno, path);
          g_free (buf);
          close (fd);
          return false;
        }
      if (got == 0)
        break; /* shrank while reading: take what is there */
      done += (size_t) got;
    }
  close (fd);
  buf[done] = '\0';
  *contents = buf;
  if (length != NULL)
    *length = done;
  return true;
}

int
ft_safe_file_remove_stale_temps (const char *path)
{
  char *dir = g_path_get_dirname (path);
  char *base = g_path_get_basename (path);
  /* Every "NAME.EXT.tmp-XXXXXX" with path's extension: ModelCheckpoint's names change from epoch to
   * epoch (checkpoint-03.h5, checkpoint-04.h5), so a killed save's file has another name than the next. */
  const char *dot = strrchr (base, '.');
  char *ext = g_strconcat (dot != NULL ? dot : "", ".tmp-", NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  int removed = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      size_t len = strlen (name), elen = strlen (ext);
      if (len < elen + 6 + 1 || strncmp (name + len - 6 - elen, ext, elen) != 0)
        continue;
      char *full = g_build_filename (dir, name, NULL);
      int fd = g_open (full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
      struct stat st;
      if (fd >= 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && now - (gint64) st.st_mtime >= 1
          && flock (fd, LOCK_EX | LOCK_NB) == 0 && g_unlink (full) == 0)
        removed++;
      if (fd >= 0)
        close (fd);
      g_free (full);
    }
  if (d != NULL)
    g_dir_close (d);
  g_free (ext);
  g_free (base);
  g_free (dir);
  return removed;
}
