/* bench-product.h — the product path timed beside the bare step: an experiment file trained by ft_fit (or
 * the tape loop) through the runner, as `fittape-cli run` runs it, against ft_train_step alone on the same
 * trainer, data and batches, in the same run. */
#pragma once

#include <stdbool.h>

typedef struct
{
  bool ok;
  const char *mode; /* "fit" or "tape" */
  int steps;        /* steps per timed repetition */
  int reps;
  double bare_step_s;     /* fastest repetition of gather + ft_train_step, wall, per step */
  double bare_cpu_step_s; /* that repetition in this thread's CPU time */
  double product_step_s; /* fastest epoch of the runner's job (epoch begin → end on its thread), per step */
  double product_cpu_step_s;
  double overhead; /* product_step_s / bare_step_s − 1 (from the CPU times when the wall is noisy) */
  double overhead_cpu;
} BenchProduct;

/* Loads the experiment (its data from the usual place), runs `reps` repetitions of `steps` bare steps,
 * then the runner with `reps` + 1 epochs of `steps` steps (the first is warm-up), then `reps` bare
 * repetitions again, interleaving so that load on the machine hits both alike; minima are reported. */
bool bench_product_path (const char *experiment_path, int steps, int reps, BenchProduct *r);
