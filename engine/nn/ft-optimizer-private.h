/* ft-optimizer-private.h — the optimizer object's inside, shared by its two halves: ft-optimizers.c (the
 * kinds' table, construction, slots and their state, the learning rate, row remapping) and
 * ft-optimizer-step.c (one update step and the step count). Not part of the engine's API: include
 * nn/ft-optimizers.h. */
#pragma once

#include "nn/ft-optimizers.h"

#include <stddef.h>
#include <stdint.h>

#define FT_OPT_MAX_SLOTS 3

/* One piece of the update: floats [begin, end) of variable var. */
typedef struct
{
  int var;
  size_t begin, end;
} FtOptimizerChunk;

struct FtOptimizer
{
  FtOptimizerSpec spec;
  int n_vars;
  size_t *sizes;   /* floats per variable */
  size_t *offsets; /* start of each variable inside one slot */
  size_t total;    /* floats in one slot (sum of sizes) */
  int n_slots;
  const char *slot_names[FT_OPT_MAX_SLOTS];
  float *state; /* n_slots * total floats, slot-major; NULL when empty */
  int64_t iterations;
  int n_chunks;
  FtOptimizerChunk
      *chunks; /* the update's pieces (planned at construction and after a row remap), each on one thread */

  /* Slot indices (−1 when absent). */
  int slot_momentum; /* SGD momentum, RMSprop momentum */
  int slot_m, slot_v, slot_v_hat;
  int slot_velocity, slot_average_gradient;
  int slot_accumulator;
  int slot_norm;    /* Adamax */
  int paired_slots; /* leading slots Keras creates per variable together */
  float u_product;  /* Nadam's running product of the momentum schedule (recomputed from iterations) */

  /* float32 constants formed as Keras forms them (see ft-optimizer-step.c). */
  float one_minus_beta_1, one_minus_beta_2, one_minus_rho;
  float inv_global_clipnorm;
};

/* Cuts every variable into the update's pieces for its current size (at construction and after a row
 * remap; the caller frees the old plan). */
void ft_optimizer_plan_chunks (FtOptimizer *opt);
