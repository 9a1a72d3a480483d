/* bench-fingerprint.c — what the per-step fingerprints cost on the Fashion-MNIST MLP of
 * data/fashion-mnist-mlp.json: fit() on the first 6,400 training samples (200 steps of 32), without
 * fingerprints, with a sample of each tensor hashed (FT_FINGERPRINT_SAMPLE elements, as fittape-cli and the
 * window), and with every element hashed. Prints CPU µs per step and the hashing time as a share of a step
 * (thread CPU time throughout, so the share does not depend on what else runs on the machine). */
#include "bench-harness.h"
#include "train/ft-fingerprint.h"

#include <stdio.h>

/* One epoch with (or without) fingerprints of sample elements: its CPU µs, and the hashing's in hash_us. */
static double
run_once (FtExperiment *exp, FtDataset *train, size_t sample, bool fingerprints, double *hash_us, int *steps)
{
  FtFingerprints *fps = ft_fingerprints_new (sample);
  double us = bench_fit_epoch (exp, train, fingerprints ? ft_fingerprint_callback_new (fps) : NULL, steps);
  *hash_us = ft_fingerprints_microseconds (fps);
  ft_fingerprints_free (fps);
  return us;
}

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : FITTAPE_BENCH_EXPERIMENT;
  FtDataset *train = NULL, *test = NULL;
  FtExperiment *exp = bench_load (path, 6400, &train, &test);
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
