/* bench-fingerprint.c — what the per-step fingerprints cost on the Fashion-MNIST MLP of
 * data/fashion-mnist-mlp.json: fit() on the first 6,400 training samples (200 steps of 32), without
 * fingerprints, with a sample of each tensor hashed (FT_FINGERPRINT_SAMPLE elements, as fittape-cli and the
 * window), and with every element hashed. Prints CPU µs per step and the hashing time as a share of a step
 * (thread CPU time throughout, so the share does not depend on what else runs on the machine). */
#include "experiment/ft-experiment.h"
#include "fittape-engine.h"
#include "train/ft-fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* This thread's CPU time in µs (fit() runs on it): steps and hashing measured the same way, unaffected
 * by other processes on a shared machine. */
static double
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static double
run_once (FtExperiment *exp, FtDataset *train, size_t sample, bool fingerprints, double *hash_us, int *steps)
{
  GError *error = NULL;
  FtTrainer *t = ft_experiment_build_trainer (exp, train, &error);
  if (t == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  FtFingerprints *fps = ft_fingerprints_new (sample);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  if (fingerprints)
    g_ptr_array_add (cbs, ft_fingerprint_callback_new (fps));
  FtFitArgs args = exp->fit;
  args.epochs = 1;
  args.validation_split = 0;
  double t0 = thread_cpu_us ();
  if (!ft_fit (t, train, &args, cbs, NULL, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  double us = thread_cpu_us () - t0;
  *steps = (int) ((train->n + (uint32_t) args.batch_size - 1) / (uint32_t) args.batch_size);
  *hash_us = ft_fingerprints_microseconds (fps);
  g_ptr_array_unref (cbs);
  ft_fingerprints_free (fps);
  ft_trainer_free (t);
  return us;
}

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : FITTAPE_BENCH_EXPERIMENT;
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  if (exp == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  exp->data.limit = 6400;
  FtDataset *train = NULL, *test = NULL;
  if (!ft_experiment_load_data (exp, &train, &test, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  const int rounds = 5;
  double base = 0, sampled = 0, full = 0, hs = 0, hf = 0;
  int steps = 0;
  for (int r = 0; r < rounds; r++)
    {
      double h;
      base += run_once (exp, train, FT_FINGERPRINT_SAMPLE, false, &h, &steps);
      sampled += run_once (exp, train, FT_FINGERPRINT_SAMPLE, true, &h, &steps);
      hs += h;
      full += run_once (exp, train, 0, true, &h, &steps);
      hf += h;
    }
  double n = (double) rounds * steps;
  printf ("Fashion-MNIST MLP (%s), fit(), batch %d, %d steps × %d rounds\n", path, exp->fit.batch_size, steps,
          rounds);
  printf ("  step without fingerprints        %8.1f us CPU\n", base / n);
  printf ("  step with %3d-sample fingerprints %8.1f us  (hashing %.2f us = %.2f %% of a step)\n",
          FT_FINGERPRINT_SAMPLE, sampled / n, hs / n, 100.0 * hs / base);
  printf ("  step with full fingerprints      %8.1f us  (hashing %.2f us = %.2f %% of a step)\n", full / n,
          hf / n, 100.0 * hf / base);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return 0;
}
