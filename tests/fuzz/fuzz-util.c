/* fuzz-util.c — scratch files and the common set-up of the libFuzzer harnesses (see fuzz-util.h). */
#include "fuzz-util.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *scratch;

static void
remove_scratch (void)
{
  if (scratch == NULL)
    return;
  GDir *d = g_dir_open (scratch, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      char *p = g_build_filename (scratch, name, NULL);
      g_unlink (p);
      g_free (p);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (scratch);
}

const char *
fuzz_scratch_dir (void)
{
  if (scratch == NULL)
    {
      scratch = g_dir_make_tmp ("ft-fuzz-XXXXXX", NULL);
      if (scratch == NULL)
        abort ();
      atexit (remove_scratch);
    }
  return scratch;
}

char *
fuzz_write (const char *name, const uint8_t *data, size_t size)
{
  char *path = g_build_filename (fuzz_scratch_dir (), name, NULL);
  FILE *f = fopen (path, "wb");
  if (f == NULL || (size > 0 && fwrite (data, 1, size, f) != size) || fclose (f) != 0)
    abort ();
  return path;
}

void
fuzz_init (void)
{
  static gboolean done;
  if (done)
    return;
  done = TRUE;
  g_setenv ("FITTAPE_MEMORY_BUDGET_MB", "64", TRUE);
  g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (g_getenv ("FITTAPE_H5CHECK") == NULL)
    {
      char *self = g_file_read_link ("/proc/self/exe", NULL);
      if (self != NULL)
        {
          char *dir = g_path_get_dirname (self);
          char *helper = g_build_filename (dir, "..", "..", "app", "fittape-h5check", NULL);
          if (g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
            g_setenv ("FITTAPE_H5CHECK", helper, TRUE);
          g_free (helper);
          g_free (dir);
          g_free (self);
        }
    }
}
