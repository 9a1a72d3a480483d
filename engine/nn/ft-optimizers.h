/* ft-optimizers.h — Keras 3 optimizers (SGD, Adam, AdamW, RMSprop, Adagrad, Nadam, Adamax) with Keras'
 * defaults and update equations, gradient clipping (clipnorm, global_clipnorm, clipvalue), one descriptor
 * table that every serialiser and editor loops over, and state kept in one contiguous block so
 * checkpoints can save it and a step allocates nothing. */
#pragma once

#include "core/ft-param.h"
#include "core/ft-tensor.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum
{
  FT_OPT_SGD,
  FT_OPT_ADAM,
  FT_OPT_RMSPROP,
  FT_OPT_ADAGRAD,
  FT_OPT_ADAMW,
  FT_OPT_NADAM,
  FT_OPT_ADAMAX,
  FT_N_OPTIMIZERS
} FtOptimizerKind;

typedef struct
{
  FtOptimizerKind kind;
  float learning_rate;             /* SGD 0.01, others 0.001 */
  float weight_decay;              /* AdamW 0.004 (decoupled: w -= w·wd·lr before the step) */
  float momentum;                  /* SGD, RMSprop: 0 */
  bool nesterov;                   /* SGD */
  float beta_1, beta_2;            /* Adam, AdamW, Nadam, Adamax: 0.9, 0.999 */
  float epsilon;                   /* all but SGD: 1e-7 */
  bool amsgrad;                    /* Adam, AdamW */
  float rho;                       /* RMSprop: 0.9 */
  bool centered;                   /* RMSprop */
  float initial_accumulator_value; /* Adagrad: 0.1 */
  float clipnorm;                  /* 0 = off; at most one of the three clips */
  float global_clipnorm;
  float clipvalue;
} FtOptimizerSpec;

/* The descriptor of each kind: names and parameters in Keras' get_config() order. */
const FtKindInfo *ft_optimizer_kind_info (FtOptimizerKind kind);

FtOptimizerSpec ft_optimizer_spec_default (FtOptimizerKind kind);
const char *ft_optimizer_kind_name (FtOptimizerKind kind); /* "SGD", "Adam", "RMSprop", "Adagrad", … */
bool ft_optimizer_kind_from_name (const char *name, FtOptimizerKind *kind); /* case-insensitive */
/* Rejects absurd values with a message naming the parameter (negative or non-finite learning rate,
 * beta outside [0,1), more than one clip, …). */
bool ft_optimizer_spec_validate (const FtOptimizerSpec *spec, GError **error);

typedef struct FtOptimizer FtOptimizer;

/* Creates the optimizer for these variables (their sizes fix the state layout). */
FtOptimizer *ft_optimizer_new (const FtOptimizerSpec *spec, int n_vars, FtTensor *const *vars);
void ft_optimizer_free (FtOptimizer *opt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtOptimizer, ft_optimizer_free)
const FtOptimizerSpec *ft_optimizer_spec (const FtOptimizer *opt);

/* One step: clips grads (in place) as configured, then updates vars. connected may be NULL (all);
 * variables with connected[i] false are skipped, as Keras skips None gradients. */
void ft_optimizer_apply (FtOptimizer *opt, FtTensor *const *grads, FtTensor *const *vars,
                         const bool *connected);

float ft_optimizer_get_learning_rate (const FtOptimizer *opt);
void ft_optimizer_set_learning_rate (FtOptimizer *opt, float lr);
int64_t ft_optimizer_iterations (const FtOptimizer *opt);
/* Nadam's running product of its momentum schedule (Keras' extra variable after the slots; it follows from
 * the iteration count): true and *value for Nadam, false for the other kinds. */
bool ft_optimizer_nadam_u_product (const FtOptimizer *opt, float *value);

/* The whole state (slot variables for every variable, in one block) for checkpoints. */
size_t ft_optimizer_state_size (const FtOptimizer *opt); /* floats */
float *ft_optimizer_state (FtOptimizer *opt);
/* Slot names for variable layout, as Keras names them, e.g. {"momentum"} or Adam's {"momentum", "velocity",
 * "velocity_hat"}. The state block holds, for slot s and variable i, the variable's size floats at
 * ft_optimizer_slot_offset (opt, s, i). */
int ft_optimizer_n_slots (const FtOptimizer *opt);
/* How many of the first slots Keras creates together, per variable (add_optimizer_variables with a list
 * of names: Adam's momentum and velocity); the others are created one slot after the other. */
int ft_optimizer_paired_slots (const FtOptimizer *opt);
/* The slot variables in the order Keras creates them (optimizer.variables after iteration and
 * learning_rate): pair p is slot pair_slot[p] of variable pair_var[p]. Adam, AdamW, Nadam and Adamax create
 * their first two slots together per variable (add_optimizer_variables with two names); every other slot
 * list is made one after the other. The arrays take n_slots × n_vars entries; returns that count. */
int ft_optimizer_keras_order (const FtOptimizer *opt, int *pair_slot, int *pair_var);
const char *ft_optimizer_slot_name (const FtOptimizer *opt, int s);
size_t ft_optimizer_slot_offset (const FtOptimizer *opt, int s, int i);
void ft_optimizer_set_iterations (FtOptimizer *opt, int64_t iterations);
/* Variable var became n_rows rows of row_size floats (the first kernel when the input features change
 * while a run trains): every slot's row r takes the old row from[r], or, when from[r] < 0, starts as a new
 * variable's slot would (0; Adagrad's accumulator: initial_accumulator_value). Other variables keep their
 * slots; the iteration count stays. */
void ft_optimizer_remap_rows (FtOptimizer *opt, int var, size_t row_size, int n_rows, const int *from);
