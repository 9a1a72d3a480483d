/* ft-out-dir.c — staging directory and rename into place (see ft-out-dir.h). */
#include "core/ft-out-dir.h"

#include "core/ft-tape.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct FtOutDir
{
  char *dir;
  char *staging;
  int lock_fd; /* flock'ed while the staging directory lives */
};

bool
ft_out_dir_remove_tree (const char *path)
{
  struct stat st;
  if (lstat (path, &st) != 0)
    return errno == ENOENT;
  if (!S_ISDIR (st.st_mode))
    return g_unlink (path) == 0;
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;
  bool ok = d != NULL;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      char *child = g_build_filename (path, name, NULL);
      ok = ft_out_dir_remove_tree (child) && ok;
      g_free (child);
    }
  if (d != NULL)
    g_dir_close (d);
  return g_rmdir (path) == 0 && ok;
}

/* DIR.tmp-XXXXXX directories beside dir that nobody holds locked and are over a second old. */
static void
remove_stale (const char *dir)
{
  char *parent = g_path_get_dirname (dir);
  char *base = g_path_get_basename (dir);
  char *prefix = g_strconcat (base, ".tmp-", NULL);
  GDir *d = g_dir_open (parent, 0, NULL);
  const char *name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_prefix (name, prefix) || strlen (name) != strlen (prefix) + 6)
        continue;
      char *full = g_build_filename (parent, name, NULL);
      int fd = g_open (full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
      struct stat st;
      if (fd >= 0 && fstat (fd, &st) == 0 && now - (gint64) st.st_mtime >= 1
          && flock (fd, LOCK_EX | LOCK_NB) == 0)
        ft_out_dir_remove_tree (full);
      if (fd >= 0)
        close (fd);
      g_free (full);
    }
  if (d != NULL)
    g_dir_close (d);
  g_free (prefix);
  g_free (base);
  g_free (parent);
}

FtOutDir *
ft_out_dir_begin (const char *dir, GError **error)
{
  struct stat st;
  if (stat (dir, &st) == 0 && !S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR, "%s: exists and is not a directory", dir);
      return NULL;
    }
  char *trimmed = g_strdup (dir);
  size_t len = strlen (trimmed);
  while (len > 1 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  char *parent = g_path_get_dirname (trimmed);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: cannot create %s: %s", dir,
                   parent, g_strerror (err));
      g_free (parent);
      g_free (trimmed);
      return NULL;
    }
  g_free (parent);
  remove_stale (trimmed);
  char *staging = g_strconcat (trimmed, ".tmp-XXXXXX", NULL);
  if (g_mkdtemp_full (staging, 0755) == NULL)
    {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: cannot write beside it: %s", dir,
                   g_strerror (err));
      g_free (staging);
      g_free (trimmed);
      return NULL;
    }
  FtOutDir *out = g_new0 (FtOutDir, 1);
  out->dir = trimmed;
  out->staging = staging;
  out->lock_fd = g_open (staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (out->lock_fd >= 0)
    flock (out->lock_fd, LOCK_EX);
  return out;
}

const char *
ft_out_dir_staging (const FtOutDir *out)
{
  return out->staging;
}

void
ft_out_dir_abort (FtOutDir *out)
{
  if (out == NULL)
    return;
  ft_out_dir_remove_tree (out->staging);
  if (out->lock_fd >= 0)
    close (out->lock_fd);
  g_free (out->staging);
  g_free (out->dir);
  g_free (out);
}

static GPtrArray *
list_dir (const char *path)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  if (d != NULL)
    g_dir_close (d);
  return names;
}

/* move: false checks that every staged entry can take its place (a file a file's, a directory a
 * directory's), true moves them: a file or a directory that is new by one rename, an existing
 * directory entry by entry. */
static bool
merge_tree (const char *src_dir, const char *dst_dir, bool move, GError **error)
{
  GPtrArray *names = list_dir (src_dir);
  bool ok = true;
  for (guint i = 0; ok && i < names->len; i++)
    {
      char *src = g_build_filename (src_dir, names->pdata[i], NULL);
      char *dst = g_build_filename (dst_dir, names->pdata[i], NULL);
      struct stat s_st, d_st;
      bool src_dir_p = lstat (src, &s_st) == 0 && S_ISDIR (s_st.st_mode);
      bool dst_exists = lstat (dst, &d_st) == 0;
      if (dst_exists && src_dir_p != S_ISDIR (d_st.st_mode))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s: is %s, where the results put a %s", dst,
                       S_ISDIR (d_st.st_mode) ? "a directory" : "not a directory",
                       src_dir_p ? "directory" : "file");
          ok = false;
        }
      else if (dst_exists && src_dir_p)
        ok = merge_tree (src, dst, move, error);
      else if (move && g_rename (src, dst) != 0)
        {
          int err = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: cannot put it in place: %s",
                       dst, g_strerror (err));
          ok = false;
        }
      g_free (src);
      g_free (dst);
    }
  g_ptr_array_unref (names);
  return ok;
}

bool
ft_out_dir_commit (FtOutDir *out, GError **error)
{
  /* A new destination appears whole; into an existing one, after checking every entry fits. */
  bool ok = g_rename (out->staging, out->dir) == 0
            || (merge_tree (out->staging, out->dir, false, error)
                && merge_tree (out->staging, out->dir, true, error));
  ft_out_dir_abort (out); /* what is left staged (nothing on success) */
  return ok;
}
