/* bench-peers.c — running the benchmark's Python peers and reading their RESULT lines (see bench-peers.h). */
#include "bench-peers.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static bool
python_imports (const char *python, const char *module)
{
  g_autofree char *code = g_strdup_printf ("import %s", module);
  const char *argv[] = { python, "-c", code, NULL };
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return false;
  return g_spawn_check_wait_status (status, NULL);
}

void
bench_run_peer (const char *python, const char *module, const char *script, const Dataset *data,
                const char *data_dir, const char *models, int mlp_steps, int cnn_steps, TorchResult *t)
{
  memset (t, 0, sizeof *t);
  if (!python_imports (python, module))
    {
      t->why_not = g_strdup_printf ("not installed: no ratio (`%s -c 'import %s'` failed)", python, module);
      return;
    }
  if (!g_file_test (script, G_FILE_TEST_EXISTS))
    {
      t->why_not = g_strdup_printf ("PyTorch reference script %s not found: no ratio", script);
      return;
    }
  g_autofree char *mlp_arg = g_strdup_printf ("--mlp-steps=%d", mlp_steps);
  g_autofree char *cnn_arg = g_strdup_printf ("--cnn-steps=%d", cnn_steps);
  g_autofree char *batch_arg = g_strdup_printf ("--batch=%d", BATCH);
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", data->real ? data_dir : "");
  g_autofree char *models_arg = g_strdup_printf ("--models=%s", models);
  const char *argv[] = { python, script, mlp_arg, cnn_arg, batch_arg, data_arg, models_arg, NULL };
  /* One thread everywhere, as FitTape; the environment keeps OPENBLAS_CORETYPE, so an OpenBLAS inside
   * PyTorch gets the same kernels. */
  g_auto (GStrv) env = g_get_environ ();
  env = g_environ_setenv (env, "OMP_NUM_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "MKL_NUM_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "OPENBLAS_NUM_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "TF_NUM_INTRAOP_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "TF_NUM_INTEROP_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "TF_CPP_MIN_LOG_LEVEL", "2", TRUE);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_autofree char *err = NULL; /* TensorFlow's start-up chatter: shown only when the peer fails */
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    {
      t->why_not = g_strdup_printf ("cannot run %s: %s: no ratio", script, error->message);
      return;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      t->why_not = g_strdup_printf ("%s failed (%s): no ratio\n%s", script, error->message, err ? err : "");
      return;
    }
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      char name[16];
      double epoch, step;
      int steps;
      if (sscanf (*l, "RESULT %15s seconds_per_epoch=%lf step_us=%lf steps=%d", name, &epoch, &step, &steps)
          == 4)
        {
          int i = g_str_equal (name, "mlp") ? 0 : g_str_equal (name, "cnn") ? 1 : -1;
          if (i >= 0)
            {
              t->epoch_s[i] = epoch;
              t->step_us[i] = step;
              t->steps[i] = steps;
            }
        }
      else if (g_str_has_prefix (*l, "INFO torch=") || g_str_has_prefix (*l, "INFO peer="))
        t->info = g_strdup (*l + (g_str_has_prefix (*l, "INFO peer=") ? 10 : 5));
      else if (g_str_has_prefix (*l, "INFO data="))
        t->data = g_strdup (*l + 5);
    }
  t->available = t->epoch_s[0] > 0 || t->epoch_s[1] > 0;
  if (!t->available)
    t->why_not = g_strdup_printf ("%s printed no RESULT lines: no ratio", script);
}

void
bench_peer_clear (TorchResult *t)
{
  g_free (t->why_not);
  g_free (t->info);
  g_free (t->data);
}
