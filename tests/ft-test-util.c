/* ft-test-util.c — random tensors, closeness assertions, the finite-difference gradient checker, and
 * running a program with a full report (signal, output, sanitizer environment) when it misbehaves. */
#include "ft-test-util.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void
ft_test_fill_uniform (FtTensor *t, FtRng *rng, float lo, float hi)
{
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = lo + (hi - lo) * ft_rng_uniform (rng);
}

void
ft_test_assert_close (const char *what, const float *a, const float *b, size_t n, float atol, float rtol)
{
  for (size_t i = 0; i < n; i++)
    {
      float diff = fabsf (a[i] - b[i]);
      if (!(diff <= atol + rtol * fabsf (b[i])))
        g_error ("%s: element %zu differs: %.9g vs expected %.9g (|diff| %.3g > %.3g + %.3g·|expected|)",
                 what, i, (double) a[i], (double) b[i], (double) diff, (double) atol, (double) rtol);
    }
}

/* sum(R ⊙ f(inputs)) in double, on a non-recording tape. */
static double
objective (FtTape *tape, FtTestForward forward, void *user_data, FtTensor *const *inputs, const float *r)
{
  ft_tape_reset (tape);
  ft_tape_stop_recording (tape);
  FtTensor *out = forward (tape, inputs, user_data);
  double s = 0;
  for (size_t i = 0; i < out->size; i++)
    s += (double) r[i] * (double) out->data[i];
  return s;
}

void
ft_test_gradcheck (FtTestForward forward, void *user_data, int n_inputs, FtTensor *const *inputs,
                   const bool *check, float eps, float atol, float rtol, int max_elements)
{
  FtRng rng;
  ft_rng_seed (&rng, 1234, 99);
  FtTape *tape = ft_tape_new (true);

  /* Analytic: L = sum(R ⊙ f(x)) recorded on the tape. */
  for (int i = 0; i < n_inputs; i++)
    if (check[i])
      ft_tape_watch (tape, inputs[i]);
  FtTensor *out = forward (tape, inputs, user_data);
  g_assert_nonnull (out);
  float *r = g_new (float, out->size);
  for (size_t i = 0; i < out->size; i++)
    r[i] = -1.0f + 2.0f * ft_rng_uniform (&rng);
  FtTensor *rt = ft_op_constant (tape, r, out->ndim, out->shape);
  FtTensor *loss = ft_op_sum (tape, ft_op_mul (tape, out, rt));
  FtTensor **grads = g_new0 (FtTensor *, n_inputs);
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, loss, n_inputs, inputs, grads, &error));
  g_assert_no_error (error);

  for (int i = 0; i < n_inputs; i++)
    {
      if (!check[i])
        continue;
      g_assert_nonnull (grads[i]);
      double norm = 0;
      for (size_t k = 0; k < grads[i]->size; k++)
        norm += fabs (grads[i]->data[k]);
      if (!(norm > 0))
        g_error ("gradient of input %d is identically zero: the check would be vacuous", i);

      size_t n = inputs[i]->size;
      size_t count = max_elements > 0 && (size_t) max_elements < n ? (size_t) max_elements : n;
      for (size_t c = 0; c < count; c++)
        {
          size_t k = count == n ? c : ft_rng_below (&rng, (uint32_t) n);
          float saved = inputs[i]->data[k];
          inputs[i]->data[k] = saved + eps;
          double plus = objective (tape, forward, user_data, inputs, r);
          inputs[i]->data[k] = saved - eps;
          double minus = objective (tape, forward, user_data, inputs, r);
          inputs[i]->data[k] = saved;
          double numeric = (plus - minus) / (2.0 * (double) eps);
          double analytic = grads[i]->data[k];
          double tol = atol + rtol * fmax (fabs (analytic), fabs (numeric));
          if (!(fabs (analytic - numeric) <= tol))
            g_error ("gradcheck: input %d element %zu: analytic %.7g, numeric %.7g (tolerance %.3g)", i, k,
                     analytic, numeric, tol);
        }
    }
  for (int i = 0; i < n_inputs; i++)
    ft_tensor_free (grads[i]);
  g_free (grads);
  g_free (r);
  ft_tape_free (tape);
}

/* ---- programs the tests run ---- */

void
ft_test_run (FtTestRun *run, const char *const *argv)
{
  ft_test_run_in (run, NULL, argv);
}

void
ft_test_run_in (FtTestRun *run, const char *dir, const char *const *argv)
{
  memset (run, 0, sizeof *run);
  run->argv = g_strdupv ((char **) argv);
  GError *error = NULL;
  int wait_status = 0;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = g_spawn_sync (dir, run->argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run->out, &run->err,
                              &wait_status, &error);
  run->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (!ok)
    {
      char *cmd = g_strjoinv (" ", run->argv);
      g_error ("cannot run %s: %s", cmd, error->message);
    }
  if (WIFSIGNALED (wait_status))
    {
      run->signal = WTERMSIG (wait_status);
      run->exit_status = -1;
    }
  else
    run->exit_status = WEXITSTATUS (wait_status);
  /* A leak report that tests/lsan.supp swallowed is logged, so a suppression that starts matching is seen. */
  const char *suppressed = strstr (run->err, "Suppressions used:");
  if (suppressed != NULL)
    {
      char *block = g_strchomp (g_strdup (suppressed));
      g_test_message ("LeakSanitizer suppressed leaks in %s (tests/lsan.supp): %s", run->argv[0], block);
      g_free (block);
    }
  if (g_test_verbose ())
    g_printerr ("%s%s", run->out, run->err);
}

void
ft_test_run_clear (FtTestRun *run)
{
  g_strfreev (run->argv);
  g_free (run->out);
  g_free (run->err);
  memset (run, 0, sizeof *run);
}

/* Whether an environment variable's name is one that changes how a test program behaves. */
static bool
env_matters (const char *name)
{
  static const char *const prefixes[] = { "ASAN_",     "LSAN_",    "UBSAN_",  "TSAN_",
                                          "OPENBLAS_", "FITTAPE_", "G_SLICE", "G_DEBUG" };
  for (size_t i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return true;
  return false;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
append_stream (GString *s, const char *name, const char *text)
{
  size_t n = text ? strlen (text) : 0;
  g_string_append_printf (s, "---- %s (%zu bytes) ----\n", name, n);
  if (n > 0)
    {
      g_string_append (s, text);
      if (text[n - 1] != '\n')
        g_string_append (s, "\n[no newline at the end]\n");
    }
  g_string_append_printf (s, "---- end of %s ----\n", name);
}

char *
ft_test_run_describe (const FtTestRun *run)
{
  GString *s = g_string_new (NULL);
  char *cmd = g_strjoinv (" ", run->argv);
  g_string_append_printf (s, "command: %s\n", cmd);
  g_free (cmd);
  if (run->signal != 0)
    {
      const char *abbrev = sigabbrev_np (run->signal);
      g_string_append_printf (s, "ended by signal %d (SIG%s, %s) after %.3f s\n", run->signal,
                              abbrev ? abbrev : "?", g_strsignal (run->signal), run->seconds);
      if (run->signal == SIGABRT)
        g_string_append (s,
                         "(with abort_on_error=1 a sanitizer report ends the program with SIGABRT: see its "
                         "stderr)\n");
    }
  else
    g_string_append_printf (s, "exited with status %d after %.3f s\n", run->exit_status, run->seconds);

  g_string_append (s, "environment:\n");
  static const char *const always[] = { "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS" };
  for (size_t i = 0; i < G_N_ELEMENTS (always); i++)
    if (g_getenv (always[i]) == NULL)
      g_string_append_printf (s, "  %s unset\n", always[i]);
  char **env = g_get_environ ();
  qsort (env, g_strv_length (env), sizeof *env, compare_strings);
  for (char **e = env; *e; e++)
    {
      char *name = g_strndup (*e, strcspn (*e, "="));
      if (env_matters (name))
        g_string_append_printf (s, "  %s\n", *e);
      g_free (name);
    }
  g_strfreev (env);
  append_stream (s, "stdout", run->out);
  append_stream (s, "stderr", run->err);
  return g_string_free (s, FALSE);
}

void
ft_test_run_fail (const FtTestRun *run, const char *file, int line, const char *func, const char *message)
{
  char *report = ft_test_run_describe (run);
  char *text = g_strdup_printf ("%s\n%s", message, report);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, text);
  g_free (text);
  g_free (report);
}

FtDataset *
ft_test_dataset_new (uint32_t n, int ndim, const int *shape, int n_classes, uint64_t seed)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("synthetic");
  ds->n = n;
  ds->ndim = ndim;
  ds->sample_size = 1;
  for (int d = 0; d < ndim; d++)
    {
      ds->shape[d] = shape[d];
      ds->sample_size *= (size_t) shape[d];
    }
  ds->features = g_new (float, n * ds->sample_size);
  ds->labels = g_new (float, n);
  ds->n_classes = n_classes;
  FtRng rng;
  ft_rng_seed (&rng, seed, 99);
  for (size_t i = 0; i < n * ds->sample_size; i++)
    ds->features[i] = 2.0f * ft_rng_uniform (&rng) - 1.0f;
  for (uint32_t i = 0; i < n; i++)
    ds->labels[i] = (float) ft_rng_below (&rng, (uint32_t) n_classes);
  return ds;
}
