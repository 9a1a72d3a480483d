/* bench-harness.c — the cost benchmarks' shared helpers (see bench-harness.h). */
#include "bench-harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double
bench_thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

void
bench_die (GError *error)
{
  fprintf (stderr, "%s\n", error->message);
  exit (1);
}

FtExperiment *
bench_load (const char *path, uint32_t limit, FtDataset **train, FtDataset **test)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  if (exp == NULL)
    bench_die (error);
  exp->data.limit = limit;
  if (!ft_experiment_load_data (exp, train, test, &error))
    bench_die (error);
  return exp;
}

FtTrainer *
bench_trainer (FtExperiment *exp, FtDataset *train)
{
  GError *error = NULL;
  FtTrainer *t = ft_experiment_build_trainer (exp, train, &error);
  if (t == NULL)
    bench_die (error);
  return t;
}

double
bench_fit_epoch (FtExperiment *exp, FtDataset *train, FtCallback *callback, int *steps)
{
  FtTrainer *t = bench_trainer (exp, train);
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  if (callback != NULL)
    g_ptr_array_add (cbs, callback);
  FtFitArgs args = exp->fit;
  args.epochs = 1;
  args.validation_split = 0;
  GError *error = NULL;
  double t0 = bench_thread_cpu_us ();
  if (!ft_fit (t, train, &args, cbs, NULL, NULL, &error))
    bench_die (error);
  double us = bench_thread_cpu_us () - t0;
  *steps = (int) ((train->n + (uint32_t) args.batch_size - 1) / (uint32_t) args.batch_size);
  g_ptr_array_unref (cbs);
  ft_trainer_free (t);
  return us;
}
