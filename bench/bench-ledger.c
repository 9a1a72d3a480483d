/* bench-ledger.c — what the ledger costs on the Fashion-MNIST MLP of data/fashion-mnist-mlp.json: fit() on
 * the first 6,400 training samples (200 steps of 32) without and with the ledger recording (every batch's
 * loss, size, penalty and accumulators, and a copy of the weights at the epoch's end, as the window
 * records it), then the full pass after the epoch the ledger dialog computes on demand (off the training
 * thread, from the saved weights). Thread CPU time throughout. */
#include "experiment/ft-experiment.h"
#include "fittape-engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static FtTrainer *
trainer (FtExperiment *exp, FtDataset *train)
{
  GError *error = NULL;
  FtTrainer *t = ft_experiment_build_trainer (exp, train, &error);
  if (t == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  return t;
}

/* One epoch of fit(); with a ledger, it records into it. */
static double
run_once (FtExperiment *exp, FtDataset *train, FtLedger *ledger, int *steps)
{
  FtTrainer *t = trainer (exp, train);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  if (ledger)
    g_ptr_array_add (cbs, ft_ledger_callback_new (ledger));
  FtFitArgs args = exp->fit;
  args.epochs = 1;
  args.validation_split = 0;
  GError *error = NULL;
  double t0 = thread_cpu_us ();
  if (!ft_fit (t, train, &args, cbs, NULL, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  double us = thread_cpu_us () - t0;
  *steps = (int) ((train->n + (uint32_t) args.batch_size - 1) / (uint32_t) args.batch_size);
  g_ptr_array_unref (cbs);
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
  double base = 0, with = 0, pass = 0;
  int steps = 0;
  uint32_t samples = 0;
  for (int r = 0; r < rounds; r++)
    {
      base += run_once (exp, train, NULL, &steps);
      FtLedger *ledger = ft_ledger_new ();
      ft_ledger_set_keep_weights (ledger, true);
      with += run_once (exp, train, ledger, &steps);
      FtTrainer *scratch = trainer (exp, train);
      FtLogs logs;
      double t0 = thread_cpu_us ();
      if (!ft_ledger_full_pass (ledger, 0, scratch, train, &logs, &samples, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      pass += thread_cpu_us () - t0;
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
