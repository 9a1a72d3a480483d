/* bench-ledger.c — what the ledger costs on the Fashion-MNIST MLP of data/fashion-mnist-mlp.json: fit() on
 * the first 6,400 training samples (200 steps of 32) without and with the ledger recording (every batch's
 * loss, size, penalty and accumulators, and a copy of the weights at the epoch's end, as the window
 * records it), then the full pass after the epoch the ledger dialog computes on demand (off the training
 * thread, from the saved weights). Thread CPU time throughout. */
#include "bench-harness.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : FITTAPE_BENCH_EXPERIMENT;
  GError *error = NULL;
  FtDataset *train = NULL, *test = NULL;
  FtExperiment *exp = bench_load (path, 6400, &train, &test);
  const int rounds = 5;
  double base = 0, with = 0, pass = 0;
  int steps = 0;
  uint32_t samples = 0;
  for (int r = 0; r < rounds; r++)
    {
      base += bench_fit_epoch (exp, train, NULL, &steps);
      FtLedger *ledger = ft_ledger_new ();
      ft_ledger_set_keep_weights (ledger, true);
      with += bench_fit_epoch (exp, train, ft_ledger_callback_new (ledger), &steps);
      FtTrainer *scratch = bench_trainer (exp, train);
      FtLogs logs;
      double t0 = bench_thread_cpu_us ();
      if (!ft_ledger_full_pass (ledger, 0, scratch, train, &logs, &samples, &error))
        bench_die (error);
      pass += bench_thread_cpu_us () - t0;
      ft_trainer_free (scratch);
      ft_ledger_free (ledger);
    }
  double n = (double) rounds * steps;
  printf ("Fashion-MNIST MLP (%s), fit(), batch %d, %d steps × %d rounds\n", path, exp->fit.batch_size, steps,
          rounds);
  printf ("  step without the ledger   %8.1f us CPU\n", base / n);
  printf ("  step with the ledger      %8.1f us  (%+.2f %% of a step; weights kept every epoch)\n", with / n,
          100.0 * (with - base) / base);
  printf ("  full pass after an epoch  %8.1f ms over %u samples (%.2f us a sample; on demand, off the "
          "training thread)\n",
          pass / rounds / 1000.0, samples, pass / rounds / samples);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return 0;
}
