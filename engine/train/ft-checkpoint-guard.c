/* ft-checkpoint-guard.c — a checkpoint not written by this process is opened in a child process first
 * (see ft-checkpoint-guard.h). */
#include "train/ft-checkpoint-guard.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"

#include <glib-unix.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static GMutex guard_lock;
static char *helper_path;
static GHashTable *written; /* "dev:ino" -> "size:mtime_ns" of files this process wrote */

void
ft_checkpoint_guard_set_helper (const char *path)
{
  g_mutex_lock (&guard_lock);
  g_free (helper_path);
  helper_path = g_strdup (path);
  g_mutex_unlock (&guard_lock);
}

static char *
find_helper (void)
{
  g_mutex_lock (&guard_lock);
  char *found = g_strdup (helper_path);
  g_mutex_unlock (&guard_lock);
  if (found != NULL && found[0] == '\0')
    {
      g_free (found); /* "": read in this process */
      return NULL;
    }
  if (found != NULL)
    return found;
  const char *env = g_getenv ("FITTAPE_H5CHECK");
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  char *self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL)
    {
      char *dir = g_path_get_dirname (self);
      char *candidate = g_build_filename (dir, "fittape-h5check", NULL);
      g_free (dir);
      g_free (self);
      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
        return candidate;
      g_free (candidate);
    }
  return NULL;
}

static bool
identity (const char *path, char **key, char **value)
{
  struct stat st;
  if (stat (path, &st) != 0)
    return false;
  *key = g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
  *value = g_strdup_printf ("%jd:%jd.%09ld", (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec,
                            (long) st.st_mtim.tv_nsec);
  return true;
}

void
ft_checkpoint_guard_remember (const char *path)
{
  char *key, *value;
  if (!identity (path, &key, &value))
    return;
  g_mutex_lock (&guard_lock);
  if (written == NULL)
    written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (written, key, value);
  g_mutex_unlock (&guard_lock);
}

static bool
written_here (const char *path)
{
  char *key, *value;
  if (!identity (path, &key, &value))
    return false;
  g_mutex_lock (&guard_lock);
  const char *known = written != NULL ? g_hash_table_lookup (written, key) : NULL;
  bool same = known != NULL && strcmp (known, value) == 0;
  g_mutex_unlock (&guard_lock);
  g_free (key);
  g_free (value);
  return same;
}

/* In the child between fork and exec: only async-signal-safe calls. The memory limit is the helper's
 * own business (fittape-h5check.c): an address-space limit would stop a sanitized helper from starting. */
static void
child_setup (gpointer data)
{
  struct rlimit cpu = { FT_CHECKPOINT_GUARD_SECONDS, FT_CHECKPOINT_GUARD_SECONDS + 1 };
  setrlimit (RLIMIT_CPU, &cpu);
  struct rlimit core = { 0, 0 };
  setrlimit (RLIMIT_CORE, &core);
}

/* The helper's environment: one BLAS thread, its memory limit, and sanitizer options that make a memory
 * error in libhdf5 end the helper with a signal (a refusal) instead of exit status 1 (which carries the
 * helper's own message), without a leak check (libhdf5 leaves memory behind on its error paths). */
static char **
helper_environment (void)
{
  guint64 mb = (ft_limit_memory_budget () >> 20) + 1024;
  char **envp = g_get_environ ();
  envp = g_environ_setenv (envp, "OPENBLAS_NUM_THREADS", "1", TRUE);
  char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, mb);
  envp = g_environ_setenv (envp, "FITTAPE_H5CHECK_MEMORY_MB", text, TRUE);
  g_free (text);
  const char *asan = g_environ_getenv (envp, "ASAN_OPTIONS");
  text = g_strdup_printf ("%s%sdetect_leaks=0:abort_on_error=1:malloc_limit_mb=%" G_GUINT64_FORMAT,
                          asan != NULL ? asan : "", asan != NULL && *asan != '\0' ? ":" : "", mb);
  envp = g_environ_setenv (envp, "ASAN_OPTIONS", text, TRUE);
  g_free (text);
  return envp;
}

/* Appends what the helper has written so far to message (its first 4 KiB). */
static void
read_available (int err_fd, GString *message)
{
  char buf[512];
  ssize_t got;
  while ((got = read (err_fd, buf, sizeof buf)) > 0)
    if (message->len < 4096)
      g_string_append_len (message, buf, got);
}

/* Collects the helper's message while waiting for it, up to the time limit (then it is killed); closes
 * err_fd. */
static void
wait_for_helper (GPid pid, int err_fd, GString *message, int *status, bool *exited, bool *timed_out)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) FT_CHECKPOINT_GUARD_SECONDS * G_USEC_PER_SEC;
  g_unix_set_fd_nonblocking (err_fd, TRUE, NULL);
  while (!*exited)
    {
      read_available (err_fd, message);
      pid_t r = waitpid (pid, status, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR))
        {
          *exited = r == pid;
          break;
        }
      if (g_get_monotonic_time () > deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, status, 0);
          *timed_out = true;
          break;
        }
      g_usleep (2000);
    }
  read_available (err_fd, message);
  close (err_fd);
  g_spawn_close_pid (pid);
  g_strstrip (message->str);
  message->len = strlen (message->str);
}

/* The error for a helper that did not exit with 0: its own words, or what became of it. */
static void
set_damaged_error (const char *path, bool exited, bool timed_out, int status, const GString *message,
                   GError **error)
{
  if (exited && WIFEXITED (status) && WEXITSTATUS (status) == 1 && message->len > 0)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s", message->str); /* the helper's own words */
  else if (timed_out)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "%s: the file is damaged (reading it did not finish within %d seconds)", path,
                 FT_CHECKPOINT_GUARD_SECONDS);
  else if (exited && WIFSIGNALED (status))
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "%s: the file is damaged (the HDF5 library crashed reading it: %s)", path,
                 g_strsignal (WTERMSIG (status)));
  else
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "%s: the file is damaged (reading it failed or ran out of memory%s%s)", path,
                 message->len ? ": " : "", message->str);
}

bool
ft_checkpoint_guard_check (const char *path, GError **error)
{
  if (!ft_safe_file_check (path, FT_LIMIT_CHECKPOINT_BYTES, "checkpoint", NULL, error))
    return false;
  if (written_here (path))
    return true;
  char *helper = find_helper ();
  if (helper == NULL)
    return true;

  const char *argv[] = { helper, path, NULL };
  char **envp = helper_environment ();
  GPid pid = 0;
  int err_fd = -1;
  GError *spawn_error = NULL;
  bool ok = g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, child_setup,
                                      NULL, &pid, NULL, NULL, &err_fd, &spawn_error);
  g_strfreev (envp);
  if (!ok)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: cannot start the checker %s: %s", path, helper,
                   spawn_error->message);
      g_error_free (spawn_error);
      g_free (helper);
      return false;
    }
  g_free (helper);

  /* Collect its message while waiting, up to the time limit. */
  GString *message = g_string_new (NULL);
  int status = 0;
  bool exited = false, timed_out = false;
  wait_for_helper (pid, err_fd, message, &status, &exited, &timed_out);

  ok = exited && WIFEXITED (status) && WEXITSTATUS (status) == 0;
  if (!ok)
    set_damaged_error (path, exited, timed_out, status, message, error);
  g_string_free (message, TRUE);
  return ok;
}
