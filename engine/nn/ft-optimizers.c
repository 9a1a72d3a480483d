/* ft-optimizers.c — Keras 3 optimizers (SGD, Adam, AdamW, RMSprop, Adagrad, Nadam, Adamax; see
 * ft-optimizers.h): their descriptor table (names, defaults, validation) and the optimizer object around
 * the update — construction, the slots Keras creates and their state block, the learning rate, and row
 * remapping when a kernel's rows change. The update step itself, with the equations, is in
 * ft-optimizer-step.c. */
#include "core/ft-error.h"
#include "core/ft-format.h"
#include "nn/ft-optimizer-private.h"

#include "core/ft-alloc.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Spec, names, validation */

/* The descriptor table. Parameters are in Keras' get_config() order: the base optimizer's (learning_rate,
 * weight_decay, the clips and the fixed entries), then the kind's own. */

/* The table is laid out by hand (one parameter per brace group): the formatter breaks designated
 * initialisers inside macros apart. */
/* clang-format off */
#define OFF(f) G_STRUCT_OFFSET (FtOptimizerSpec, f)
#define LEARNING_RATE(d)                                                                                     \
  { "learning_rate", FT_PARAM_FLOAT, OFF (learning_rate), FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS     \
      | FT_PARAM_UI_LADDER, FT_RANGE_NONNEG, .def = (d), .label = "Learning rate",                          \
    .hint = "how far each update moves the weights", .ui_lo = 1e-5, .ui_hi = 10.0 }
/* Keras writes null; a file saved with weight_decay=0 means the same. */
#define NO_WEIGHT_DECAY                                                                                      \
  { "weight_decay", FT_PARAM_KERAS_CONST, .keras = "null", .keras_also = (const char *const[]){ "0", NULL } }
#define CLIP(key, l_, h_)                                                                               \
  { #key, FT_PARAM_FLOAT, OFF (key),                                                                         \
    FT_PARAM_ZERO_IS_NONE | FT_PARAM_EXCLUSIVE | FT_PARAM_UI_CLIPPING, FT_RANGE_NONNEG, .def = 0.0,          \
    .label = l_, .hint = h_, .ui_lo = 0, .ui_hi = 1000, .ui_step = 0.1, .ui_digits = 2 }
#define BASE_TAIL                                                                                            \
  CLIP (clipnorm, "Clip norm", "shrinks each weight’s gradient whose length is larger"),                   \
  CLIP (global_clipnorm, "Global clip norm",                                                               \
        "shrinks all the gradients together when their joint length is larger"),                            \
  CLIP (clipvalue, "Clip value", "cuts every gradient element to ± this value"),                           \
  { "use_ema", FT_PARAM_KERAS_CONST, .keras = "false" },                                                    \
  /* Only read by Keras when use_ema is true (refused above): any value reads as the default. */             \
  { "ema_momentum", FT_PARAM_KERAS_CONST, .flags = FT_PARAM_KERAS_ANY, .keras = "0.99" },                   \
  { "ema_overwrite_frequency", FT_PARAM_KERAS_CONST, .flags = FT_PARAM_KERAS_ANY, .keras = "null" },        \
  { "loss_scale_factor", FT_PARAM_KERAS_CONST, .keras = "null" },                                           \
  { "gradient_accumulation_steps", FT_PARAM_KERAS_CONST, .keras = "null" }
#define FLOAT(key, range, d, l_, h_, lo, hi, step, digits)                                              \
  { #key, FT_PARAM_FLOAT, OFF (key), FT_PARAM_CODE_ALWAYS | FT_PARAM_KIND_CHECKS, range, .def = d,          \
    .label = l_, .hint = h_, .ui_lo = lo, .ui_hi = hi, .ui_step = step, .ui_digits = digits }
#define SWITCH(key, l_, h_) { #key, FT_PARAM_BOOL, OFF (key), 0, .def = 0, .label = l_, .hint = h_ }
#define MOMENTUM                                                                                             \
  FLOAT (momentum, FT_RANGE_UNIT, 0.0, "Momentum",                                                         \
         "keeps a fraction of the previous update; 0 is plain gradient descent", 0, 1, 0.05, 3)
#define BETA_1                                                                                               \
  FLOAT (beta_1, FT_RANGE_UNIT_OPEN, 0.9, "Beta 1", "how slowly the running mean of the gradients forgets", \
         0, 0.99999, 0.01, 5)
#define BETA_2(hint)   FLOAT (beta_2, FT_RANGE_UNIT_OPEN, 0.999, "Beta 2", hint, 0, 0.99999, 0.001, 5)
#define BETA_2_SQUARES BETA_2 ("how slowly the running mean of the squared gradients forgets")
#define EPSILON                                                                                              \
  { "epsilon", FT_PARAM_FLOAT, OFF (epsilon), FT_PARAM_CODE_ALWAYS | FT_PARAM_KIND_CHECKS | FT_PARAM_UI_LADDER, \
    FT_RANGE_NONNEG, .def = 1e-7, .label = "Epsilon",                                                        \
    .hint = "keeps the division stable when the squared gradients are tiny", .ui_lo = 1e-10, .ui_hi = 1.0 }
#define AMSGRAD SWITCH (amsgrad, "AMSGrad", "divides by the largest squared-gradient average seen so far")

static const FtParam sgd_params[] = {
  LEARNING_RATE (0.01), NO_WEIGHT_DECAY, BASE_TAIL, MOMENTUM,
  SWITCH (nesterov, "Nesterov momentum",
          "takes the gradient a step ahead, where the momentum is about to carry the weights"),
};
static const FtParam adam_params[] = {
  LEARNING_RATE (0.001), NO_WEIGHT_DECAY, BASE_TAIL, BETA_1, BETA_2_SQUARES, EPSILON, AMSGRAD,
};
static const FtParam adamw_params[] = {
  LEARNING_RATE (0.001),
  { "weight_decay", FT_PARAM_FLOAT, OFF (weight_decay), FT_PARAM_CODE_ALWAYS | FT_PARAM_KIND_CHECKS,
    FT_RANGE_NONNEG, .def = 0.004, .label = "Weight decay",
    .hint = "shrinks every weight by weight_decay × learning_rate of itself before each step", .ui_lo = 0,
    .ui_hi = 1, .ui_step = 0.001, .ui_digits = 4 },
  BASE_TAIL, BETA_1, BETA_2_SQUARES, EPSILON, AMSGRAD,
};
static const FtParam rmsprop_params[] = {
  LEARNING_RATE (0.001), NO_WEIGHT_DECAY, BASE_TAIL,
  FLOAT (rho, FT_RANGE_UNIT_OPEN, 0.9, "Rho", "how slowly the running mean of the squared gradients forgets",
         0, 0.99999, 0.01, 5),
  MOMENTUM, EPSILON,
  SWITCH (centered, "Centered",
          "divides by an estimate of the gradients’ variance instead of their mean square"),
};
static const FtParam adagrad_params[] = {
  LEARNING_RATE (0.001), NO_WEIGHT_DECAY, BASE_TAIL,
  FLOAT (initial_accumulator_value, FT_RANGE_NONNEG, 0.1, "Initial accumulator",
         "the sum of squared gradients starts here", 0, 10, 0.01, 3),
  EPSILON,
};
static const FtParam nadam_params[] = {
  LEARNING_RATE (0.001), NO_WEIGHT_DECAY, BASE_TAIL, BETA_1, BETA_2_SQUARES, EPSILON,
};
static const FtParam adamax_params[] = {
  LEARNING_RATE (0.001), NO_WEIGHT_DECAY, BASE_TAIL, BETA_1,
  BETA_2 ("how slowly the largest recent gradient size (the infinity norm) forgets"), EPSILON,
};

static const FtKindInfo kind_infos[] = {
  [FT_OPT_SGD] = { "SGD", "sgd", "SGD", "plain gradient descent, optionally with momentum", NULL, FT_PARAMS (sgd_params) },
  [FT_OPT_ADAM] = { "Adam", "adam", "adam", "adapts each weight’s step from running means of its gradients",
                    NULL, FT_PARAMS (adam_params) },
  [FT_OPT_RMSPROP] = { "RMSprop", "rmsprop", "rmsprop", "divides each step by a running mean of squared gradients",
                       NULL, FT_PARAMS (rmsprop_params) },
  [FT_OPT_ADAGRAD] = { "Adagrad", "adagrad", "adagrad", "divides each step by the sum of all past squared gradients",
                       NULL, FT_PARAMS (adagrad_params) },
  [FT_OPT_ADAMW] = { "AdamW", "adamw", "adamw", "Adam with weight decay kept apart from the gradients",
                     NULL, FT_PARAMS (adamw_params) },
  [FT_OPT_NADAM] = { "Nadam", "nadam", "nadam", "Adam with Nesterov momentum: the mean looks one step ahead",
                     NULL, FT_PARAMS (nadam_params) },
  [FT_OPT_ADAMAX] = { "Adamax", "adamax", "adamax", "Adam dividing by the largest recent gradient size",
                      NULL, FT_PARAMS (adamax_params) },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_infos) == FT_N_OPTIMIZERS);
/* clang-format on */

#undef OFF

const FtKindInfo *
ft_optimizer_kind_info (FtOptimizerKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_OPTIMIZERS, NULL);
  return &kind_infos[kind];
}

FtOptimizerSpec
ft_optimizer_spec_default (FtOptimizerKind kind)
{
  FtOptimizerSpec s;
  memset (&s, 0, sizeof s);
  s.kind = kind;
  if ((unsigned) kind < FT_N_OPTIMIZERS)
    ft_params_set_defaults (&kind_infos[kind], &s);
  return s;
}

const char *
ft_optimizer_kind_name (FtOptimizerKind kind)
{
  if ((unsigned) kind >= FT_N_OPTIMIZERS)
    return NULL;
  return kind_infos[kind].name;
}

/* Class names ("Adam") and the lower-case names Keras' get() takes ("adam") both work. */
bool
ft_optimizer_kind_from_name (const char *name, FtOptimizerKind *kind)
{
  if (name == NULL)
    return false;
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    if (g_ascii_strcasecmp (name, kind_infos[k].name) == 0
        || g_ascii_strcasecmp (name, kind_infos[k].json_name) == 0)
      {
        if (kind != NULL)
          *kind = (FtOptimizerKind) k;
        return true;
      }
  return false;
}

bool
ft_optimizer_spec_validate (const FtOptimizerSpec *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);

  if ((unsigned) spec->kind >= FT_N_OPTIMIZERS)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Unknown optimizer kind %d", (int) spec->kind);
      return false;
    }
  /* Only the parameters the chosen optimizer has are checked (Keras' other optimizers have no such
   * argument at all). */
  return ft_params_validate (&kind_infos[spec->kind], spec, "optimizer", error);
}

/* ------------------------------------------------------------------------------------------------ */
/* Construction */

static int
add_slot (FtOptimizer *opt, const char *name)
{
  g_assert (opt->n_slots < FT_OPT_MAX_SLOTS);
  opt->slot_names[opt->n_slots] = name;
  return opt->n_slots++;
}

/* Slots exist exactly when Keras creates them (SGD: momentum != 0; RMSprop: momentum > 0). */
static void
create_slots (FtOptimizer *opt)
{
  const FtOptimizerSpec *spec = &opt->spec;
  opt->slot_momentum = opt->slot_m = opt->slot_v = opt->slot_v_hat = -1;
  opt->slot_velocity = opt->slot_average_gradient = opt->slot_accumulator = opt->slot_norm = -1;
  switch (spec->kind)
    {
    case FT_OPT_SGD:
      if (spec->momentum != 0.0f)
        opt->slot_momentum = add_slot (opt, "momentum");
      break;
    case FT_OPT_ADAM:
    case FT_OPT_ADAMW:
      opt->slot_m = add_slot (opt, "momentum");
      opt->slot_v = add_slot (opt, "velocity");
      opt->paired_slots = 2;
      if (spec->amsgrad)
        opt->slot_v_hat = add_slot (opt, "velocity_hat");
      break;
    case FT_OPT_NADAM:
      opt->slot_m = add_slot (opt, "momentum");
      opt->slot_v = add_slot (opt, "velocity");
      opt->paired_slots = 2; /* nadam.py (Keras main): add_optimizer_variables (var_list, [both]) */
      break;
    case FT_OPT_ADAMAX:
      opt->slot_m = add_slot (opt, "momentum");
      opt->slot_norm = add_slot (opt, "norm");
      opt->paired_slots = 2;
      break;
    case FT_OPT_RMSPROP:
      opt->slot_velocity = add_slot (opt, "velocity");
      if (spec->momentum > 0.0f)
        opt->slot_momentum = add_slot (opt, "momentum");
      if (spec->centered)
        opt->slot_average_gradient = add_slot (opt, "average_gradient");
      break;
    case FT_OPT_ADAGRAD:
      opt->slot_accumulator = add_slot (opt, "accumulator");
      break;
    case FT_N_OPTIMIZERS:
      g_assert_not_reached ();
    }
}

/* The slots' block, zero but for Adagrad's accumulator. */
static void
allocate_state (FtOptimizer *opt)
{
  size_t n_floats = (size_t) opt->n_slots * opt->total;
  if (n_floats == 0)
    return;
  opt->state = ft_alloc0 (n_floats * sizeof (float));
  if (opt->slot_accumulator >= 0)
    {
      float *acc = opt->state + (size_t) opt->slot_accumulator * opt->total;
      for (size_t j = 0; j < opt->total; j++)
        acc[j] = opt->spec.initial_accumulator_value;
    }
}

FtOptimizer *
ft_optimizer_new (const FtOptimizerSpec *spec, int n_vars, FtTensor *const *vars)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (n_vars >= 0, NULL);
  g_return_val_if_fail (n_vars == 0 || vars != NULL, NULL);
  g_return_val_if_fail (ft_optimizer_spec_validate (spec, NULL), NULL);
  for (int i = 0; i < n_vars; i++)
    g_return_val_if_fail (vars[i] != NULL, NULL);

  FtOptimizer *opt = g_new0 (FtOptimizer, 1);
  opt->spec = *spec;
  opt->n_vars = n_vars;
  opt->sizes = g_new0 (size_t, (size_t) n_vars + 1);
  opt->offsets = g_new0 (size_t, (size_t) n_vars + 1);
  for (int i = 0; i < n_vars; i++)
    {
      opt->sizes[i] = vars[i]->size;
      opt->offsets[i] = opt->total;
      opt->total += vars[i]->size;
    }
  opt->u_product = 1.0f;
  create_slots (opt);
  allocate_state (opt);
  ft_optimizer_plan_chunks (opt);

  opt->one_minus_beta_1 = (float) (1.0 - ft_float_as_typed (spec->beta_1));
  opt->one_minus_beta_2 = (float) (1.0 - ft_float_as_typed (spec->beta_2));
  opt->one_minus_rho = (float) (1.0 - ft_float_as_typed (spec->rho));
  opt->inv_global_clipnorm = spec->global_clipnorm > 0.0f
                                 ? (float) (1.0 / ft_float_as_typed (spec->global_clipnorm))
                                 : 0.0f;
  return opt;
}

void
ft_optimizer_free (FtOptimizer *opt)
{
  if (opt == NULL)
    return;
  ft_free (opt->state);
  g_free (opt->chunks);
  g_free (opt->sizes);
  g_free (opt->offsets);
  g_free (opt);
}

const FtOptimizerSpec *
ft_optimizer_spec (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return &opt->spec;
}
/* ------------------------------------------------------------------------------------------------ */
/* Accessors */

float
ft_optimizer_get_learning_rate (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0.0f);
  return opt->spec.learning_rate;
}

void
ft_optimizer_set_learning_rate (FtOptimizer *opt, float lr)
{
  g_return_if_fail (opt != NULL);
  g_return_if_fail (isfinite (lr) && lr >= 0.0f);
  opt->spec.learning_rate = lr;
}

size_t
ft_optimizer_state_size (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return (size_t) opt->n_slots * opt->total;
}

float *
ft_optimizer_state (FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, NULL);
  return opt->state;
}

int
ft_optimizer_n_slots (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->n_slots;
}

int
ft_optimizer_paired_slots (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->paired_slots;
}

int
ft_optimizer_keras_order (const FtOptimizer *opt, int *pair_slot, int *pair_var)
{
  g_return_val_if_fail (opt != NULL && pair_slot != NULL && pair_var != NULL, 0);
  int p = 0, first = 0;
  if (opt->paired_slots > 0 && opt->n_slots >= opt->paired_slots)
    {
      for (int i = 0; i < opt->n_vars; i++)
        for (int s = 0; s < opt->paired_slots; s++, p++)
          {
            pair_slot[p] = s;
            pair_var[p] = i;
          }
      first = opt->paired_slots;
    }
  for (int s = first; s < opt->n_slots; s++)
    for (int i = 0; i < opt->n_vars; i++, p++)
      {
        pair_slot[p] = s;
        pair_var[p] = i;
      }
  return p;
}

const char *
ft_optimizer_slot_name (const FtOptimizer *opt, int s)
{
  g_return_val_if_fail (opt != NULL, NULL);
  g_return_val_if_fail (s >= 0 && s < opt->n_slots, NULL);
  return opt->slot_names[s];
}

size_t
ft_optimizer_slot_offset (const FtOptimizer *opt, int s, int i)
{
  g_return_val_if_fail (opt != NULL, 0);
  g_return_val_if_fail (s >= 0 && s < opt->n_slots, 0);
  g_return_val_if_fail (i >= 0 && i < opt->n_vars, 0);
  return (size_t) s * opt->total + opt->offsets[i];
}

void
ft_optimizer_remap_rows (FtOptimizer *opt, int var, size_t row_size, int n_rows, const int *from)
{
  g_return_if_fail (opt != NULL && var >= 0 && var < opt->n_vars && row_size > 0 && n_rows >= 0);
  size_t old_size = opt->sizes[var], new_size = (size_t) n_rows * row_size, old_total = opt->total;
  opt->sizes[var] = new_size;
  opt->total = 0;
  size_t *old_offsets = g_memdup2 (opt->offsets, ((size_t) opt->n_vars + 1) * sizeof (size_t));
  for (int i = 0; i < opt->n_vars; i++)
    {
      opt->offsets[i] = opt->total;
      opt->total += opt->sizes[i];
    }
  float *old = opt->state;
  opt->state = opt->n_slots > 0 && opt->total > 0
                   ? ft_alloc0 ((size_t) opt->n_slots * opt->total * sizeof (float))
                   : NULL;
  for (int s = 0; s < opt->n_slots; s++)
    {
      /* A new row's slot starts as a new variable's would: Adagrad's accumulator at its initial value. */
      float fresh = s == opt->slot_accumulator ? opt->spec.initial_accumulator_value : 0.0f;
      const float *src = old + (size_t) s * old_total;
      float *dst = opt->state + (size_t) s * opt->total;
      for (int i = 0; i < opt->n_vars; i++)
        if (i != var)
          memcpy (dst + opt->offsets[i], src + old_offsets[i], opt->sizes[i] * sizeof (float));
      for (int r = 0; r < n_rows; r++)
        {
          float *row = dst + opt->offsets[var] + (size_t) r * row_size;
          if (from[r] >= 0 && (size_t) (from[r] + 1) * row_size <= old_size)
            memcpy (row, src + old_offsets[var] + (size_t) from[r] * row_size, row_size * sizeof (float));
          else
            for (size_t j = 0; j < row_size; j++)
              row[j] = fresh;
        }
    }
  ft_free (old);
  g_free (old_offsets);
  /* The update's pieces follow the variable's new size (else new rows would never move, and a smaller
   * variable would be written past its end). */
  g_free (opt->chunks);
  ft_optimizer_plan_chunks (opt);
}
