/* ft-optimizers.c — Keras 3 optimizers: SGD, Adam, AdamW, RMSprop, Adagrad, Nadam, Adamax (see
 * ft-optimizers.h), and their descriptor table.
 *
 * The update equations follow keras/src/optimizers/{sgd,adam,adamw,rmsprop,adagrad,nadam,adamax}.py
 * operation by operation in
 * float32, so that results agree with Keras to the last bit where the backend rounds the same way:
 *
 *   SGD      m = m·μ − g·lr;  w = w + m                (nesterov: w = w + (m·μ − g·lr));  μ = 0: w = w − g·lr
 *   Adam     α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ), t = iterations + 1
 *            m = m + (g − m)·(1 − β₁);  v = v + (g² − v)·(1 − β₂);  amsgrad: v̂ = max(v̂, v), v = v̂
 *            w = w − (m·α) / (√v + ε)                           (ε outside the square root)
 *   RMSprop  v = ρ·v + (1 − ρ)·g²;  centered: a = ρ·a + (1 − ρ)·g,  d = v − a² + ε;  else d = v + ε
 *            inc = (lr·g) / √d                                  (ε INSIDE the square root)
 *            momentum > 0: p = μ·p + inc, w = w − p;  else w = w − inc
 *   Adagrad  acc = acc + g²;  w = w − (lr·g) / √(acc + ε)      (ε INSIDE the square root; acc starts at 0.1)
 *   AdamW    Adam after the decoupled weight decay of base_optimizer._apply_weight_decay: w = w − (w·wd)·lr
 *   Nadam    u(t) = β₁·(1 − ½·0.96ᵗ);  Π = Π·β₁·(1 − ½·0.96ᵗ) (a running product, before the step)
 *            m = m + (g − m)·(1 − β₁);  v = v + (g² − v)·(1 − β₂)   (here 1 − β in float32, as nadam.py)
 *            m̂ = (u(t+1)·m) / (1 − Π·u(t+1)) + ((1 − u(t))·g) / (1 − Π);  v̂ = v / (1 − β₂ᵗ)
 *            w = w − (m̂·lr) / (√v̂ + ε)
 *   Adamax   m = m + (g − m)·(1 − β₁);  u = max(β₂·u, |g|);  w = w − (lr·m) / ((1 − β₁ᵗ)·(u + ε))
 *
 * Clipping (keras/src/optimizers/base_optimizer.py, _clip_gradients), before the update:
 *   clipnorm         per variable: g = (g·c) / max(‖g‖, c)  (applied even when ‖g‖ ≤ c, as Keras does)
 *   global_clipnorm  s = c·min(1/‖G‖, 1/c) + (‖G‖ − ‖G‖) over all connected gradients, g = g·s
 *   clipvalue        g = clip(g, −c, c)
 *
 * Scalars that Keras computes from Python floats in double precision (1 − β₁, 1 − β₂, 1 − ρ, 1/c) are formed
 * the same way here: the float32 hyperparameter is read back as its shortest decimal (the number a user would
 * have typed in Python), the expression is evaluated in double and rounded once to float32. Sums of squares
 * are accumulated in double (Keras: float32 reductions), which can only differ in the last bit of a norm.
 *
 * The project builds with -std=c11, where GCC does not contract a·b + c into FMAs (-ffp-contract=off), so the
 * float32 operations round one by one as in Keras. Hot loops are simple, restrict-qualified and cloned for
 * AVX-512 / AVX2 at run time. */
#include "nn/ft-optimizers.h"
#include "core/ft-compiler.h"
#include "core/ft-format.h"

#include "core/ft-alloc.h"
#include "core/ft-tape.h"
#include "core/ft-threads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FT_OPT_MAX_SLOTS 3

/* The update runs over chunks of at most this many floats of one variable (the arrays of one chunk stay in
 * the L2 cache), spread over the job's thread team when the model has at least PARALLEL_FLOATS parameters
 * (the MLP's 101,770 stay on one thread: ~30 µs of Adam; with the update on the team from 65,536 and its
 * products split, the MLP step ran 0.64–0.80× as fast on two threads, quiet. The CNN's 2.77 M take ~1.3 ms
 * on one). The update is element by element: the split changes no result. */
#define CHUNK_FLOATS    8192
#define PARALLEL_FLOATS 131072

typedef struct
{
  int var;
  size_t begin, end;
} Chunk;

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
  Chunk *chunks; /* the update's pieces: fixed at construction, each runs on one thread */

  /* Slot indices (−1 when absent). */
  int slot_momentum; /* SGD momentum, RMSprop momentum */
  int slot_m, slot_v, slot_v_hat;
  int slot_velocity, slot_average_gradient;
  int slot_accumulator;
  int slot_norm;    /* Adamax */
  int paired_slots; /* leading slots Keras creates per variable together */
  float u_product;  /* Nadam's running product of the momentum schedule (recomputed from iterations) */

  /* float32 constants formed as Keras forms them (see the top of the file). */
  float one_minus_beta_1, one_minus_beta_2, one_minus_rho;
  float inv_global_clipnorm;
};

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
#define NO_WEIGHT_DECAY { "weight_decay", FT_PARAM_KERAS_CONST, .keras = "null" }
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
  { "ema_momentum", FT_PARAM_KERAS_CONST, .keras = "0.99" },                                                \
  { "ema_overwrite_frequency", FT_PARAM_KERAS_CONST, .keras = "null" },                                     \
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

/* Each variable in chunks of CHUNK_FLOATS (the last one shorter). */
static void
plan_chunks (FtOptimizer *opt)
{
  int n = 0;
  for (int i = 0; i < opt->n_vars; i++)
    n += (int) ((opt->sizes[i] + CHUNK_FLOATS - 1) / CHUNK_FLOATS);
  opt->chunks = g_new (Chunk, (size_t) n + 1);
  opt->n_chunks = n;
  n = 0;
  for (int i = 0; i < opt->n_vars; i++)
    for (size_t b = 0; b < opt->sizes[i]; b += CHUNK_FLOATS)
      opt->chunks[n++] = (Chunk){ i, b, MIN (b + CHUNK_FLOATS, opt->sizes[i]) };
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
  plan_chunks (opt);

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
/* Kernels. Each is one simple loop over restrict pointers so GCC vectorises it (sqrtf becomes sqrtps with
 * -fno-math-errno; max is written as a comparison so it becomes maxps). */

FT_HOT static double
sum_of_squares (const float *restrict g, size_t n)
{
  /* Eight independent double lanes: vectorisable without reassociation, and more accurate than one
   * running sum. */
  double lane[8] = { 0 };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++)
      lane[j] += (double) g[i + j] * (double) g[i + j];
  double s = 0.0;
  for (; i < n; i++)
    s += (double) g[i] * (double) g[i];
  for (int j = 0; j < 8; j++)
    s += lane[j];
  return s;
}

FT_HOT static void
clip_by_norm_kernel (float *restrict g, size_t n, float clipnorm, float denominator)
{
  for (size_t i = 0; i < n; i++)
    g[i] = (g[i] * clipnorm) / denominator;
}

FT_HOT static void
scale_kernel (float *restrict g, size_t n, float scale)
{
  for (size_t i = 0; i < n; i++)
    g[i] = g[i] * scale;
}

FT_HOT static void
clip_value_kernel (float *restrict g, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    {
      float x = g[i];
      x = x < hi ? x : hi;
      x = x > lo ? x : lo;
      g[i] = x;
    }
}

FT_HOT static void
sgd_plain_kernel (float *restrict w, const float *restrict g, size_t n, float lr)
{
  for (size_t i = 0; i < n; i++)
    w[i] = w[i] - g[i] * lr;
}

FT_HOT static void
sgd_momentum_kernel (float *restrict w, const float *restrict g, float *restrict m, size_t n, float lr,
                     float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float mi = m[i] * momentum - g[i] * lr;
      m[i] = mi;
      w[i] = w[i] + mi;
    }
}

FT_HOT static void
sgd_nesterov_kernel (float *restrict w, const float *restrict g, float *restrict m, size_t n, float lr,
                     float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float gl = g[i] * lr;
      float mi = m[i] * momentum - gl;
      m[i] = mi;
      w[i] = w[i] + (mi * momentum - gl);
    }
}

FT_HOT static void
adam_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
             float alpha, float one_minus_beta_1, float one_minus_beta_2, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float mi = m[i] + (gi - m[i]) * one_minus_beta_1;
      float vi = v[i] + (gi * gi - v[i]) * one_minus_beta_2;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] - (mi * alpha) / (sqrtf (vi) + epsilon);
    }
}

FT_HOT static void
adam_amsgrad_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                     float *restrict v_hat, size_t n, float alpha, float one_minus_beta_1,
                     float one_minus_beta_2, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float mi = m[i] + (gi - m[i]) * one_minus_beta_1;
      float vi = v[i] + (gi * gi - v[i]) * one_minus_beta_2;
      float hi = v_hat[i] > vi ? v_hat[i] : vi;
      m[i] = mi;
      v[i] = vi;
      v_hat[i] = hi;
      w[i] = w[i] - (mi * alpha) / (sqrtf (hi) + epsilon);
    }
}

FT_HOT static void
rmsprop_kernel (float *restrict w, const float *restrict g, float *restrict vel, size_t n, float lr,
                float rho, float one_minus_rho, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float vi = rho * vel[i] + one_minus_rho * (gi * gi);
      vel[i] = vi;
      w[i] = w[i] - (lr * gi) / sqrtf (vi + epsilon);
    }
}

FT_HOT static void
rmsprop_momentum_kernel (float *restrict w, const float *restrict g, float *restrict vel, float *restrict mom,
                         size_t n, float lr, float rho, float one_minus_rho, float epsilon, float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float vi = rho * vel[i] + one_minus_rho * (gi * gi);
      vel[i] = vi;
      float pi = momentum * mom[i] + (lr * gi) / sqrtf (vi + epsilon);
      mom[i] = pi;
      w[i] = w[i] - pi;
    }
}

FT_HOT static void
rmsprop_centered_kernel (float *restrict w, const float *restrict g, float *restrict vel, float *restrict avg,
                         size_t n, float lr, float rho, float one_minus_rho, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float vi = rho * vel[i] + one_minus_rho * (gi * gi);
      float ai = rho * avg[i] + one_minus_rho * gi;
      vel[i] = vi;
      avg[i] = ai;
      w[i] = w[i] - (lr * gi) / sqrtf ((vi - ai * ai) + epsilon);
    }
}

FT_HOT static void
rmsprop_centered_momentum_kernel (float *restrict w, const float *restrict g, float *restrict vel,
                                  float *restrict avg, float *restrict mom, size_t n, float lr, float rho,
                                  float one_minus_rho, float epsilon, float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float vi = rho * vel[i] + one_minus_rho * (gi * gi);
      float ai = rho * avg[i] + one_minus_rho * gi;
      vel[i] = vi;
      avg[i] = ai;
      float pi = momentum * mom[i] + (lr * gi) / sqrtf ((vi - ai * ai) + epsilon);
      mom[i] = pi;
      w[i] = w[i] - pi;
    }
}

FT_HOT static void
adagrad_kernel (float *restrict w, const float *restrict g, float *restrict acc, size_t n, float lr,
                float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float ai = acc[i] + gi * gi;
      acc[i] = ai;
      w[i] = w[i] - (lr * gi) / sqrtf (ai + epsilon);
    }
}

FT_HOT static void
weight_decay_kernel (float *restrict w, size_t n, float wd, float lr)
{
  for (size_t i = 0; i < n; i++)
    w[i] = w[i] - (w[i] * wd) * lr;
}

typedef struct
{
  float u_t, u_t_1;              /* the momentum schedule at t and t + 1 */
  float one_minus_u_product_t_1; /* 1 − Π·u(t+1) */
  float one_minus_u_t;           /* 1 − u(t) */
  float one_minus_u_product_t;   /* 1 − Π */
  float one_minus_beta_2_power;  /* 1 − β₂ᵗ */
  float one_minus_beta_1, one_minus_beta_2;
} NadamScalars;

FT_HOT static void
nadam_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
              const NadamScalars *k, float lr, float epsilon)
{
  const float u_t_1 = k->u_t_1, a = k->one_minus_u_product_t_1, b = k->one_minus_u_t;
  const float c = k->one_minus_u_product_t, d = k->one_minus_beta_2_power;
  const float omb1 = k->one_minus_beta_1, omb2 = k->one_minus_beta_2;
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float mi = m[i] + (gi - m[i]) * omb1;
      float vi = v[i] + (gi * gi - v[i]) * omb2;
      m[i] = mi;
      v[i] = vi;
      float m_hat = (u_t_1 * mi) / a + (b * gi) / c;
      float v_hat = vi / d;
      w[i] = w[i] - (m_hat * lr) / (sqrtf (v_hat) + epsilon);
    }
}

FT_HOT static void
adamax_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict u, size_t n,
               float lr, float one_minus_beta_1, float beta_2, float one_minus_beta_1_power, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      float mi = m[i] + (gi - m[i]) * one_minus_beta_1;
      float bu = beta_2 * u[i];
      float ag = fabsf (gi);
      float ui = bu > ag ? bu : ag;
      m[i] = mi;
      u[i] = ui;
      w[i] = w[i] - (lr * mi) / (one_minus_beta_1_power * (ui + epsilon));
    }
}

/* Nadam's schedule factor β₁·(1 − ½·0.96ᵗ) is not formed here: the running product multiplies by β₁ first,
 * then by (1 − ½·0.96ᵗ), as nadam.py's _backend_update_step does. */
static float
nadam_schedule_tail (float t)
{
  return 1.0f - 0.5f * powf (0.96f, t);
}

/* ------------------------------------------------------------------------------------------------ */
/* Step */

static inline float *
slot_ptr (FtOptimizer *opt, int s, int i)
{
  return opt->state + (size_t) s * opt->total + opt->offsets[i];
}

static inline bool
is_connected (const bool *connected, int i)
{
  return connected == NULL || connected[i];
}

/* A float32 norm from a double sum of squares, as Keras takes it: sqrt of the (float32) sum, 0 when the sum
 * is 0. */
static float
norm_from_sum (double sum_sq)
{
  float s = (float) sum_sq;
  return s > 0.0f ? sqrtf (s) : s;
}

static void
clip_gradients (FtOptimizer *opt, FtTensor *const *grads, const bool *connected)
{
  const FtOptimizerSpec *spec = &opt->spec;
  if (spec->clipnorm > 0.0f)
    {
      float c = spec->clipnorm;
      for (int i = 0; i < opt->n_vars; i++)
        if (is_connected (connected, i))
          {
            float norm = norm_from_sum (sum_of_squares (grads[i]->data, opt->sizes[i]));
            clip_by_norm_kernel (grads[i]->data, opt->sizes[i], c, norm > c ? norm : c);
          }
    }
  else if (spec->global_clipnorm > 0.0f)
    {
      /* Keras sums the per-variable float32 sums of squares; here everything stays in double. */
      double total = 0.0;
      for (int i = 0; i < opt->n_vars; i++)
        if (is_connected (connected, i))
          total += sum_of_squares (grads[i]->data, opt->sizes[i]);
      float use_norm = sqrtf ((float) total);
      float inv_norm = 1.0f / use_norm; /* +inf for a zero norm: then min picks 1/c */
      float m = inv_norm < opt->inv_global_clipnorm ? inv_norm : opt->inv_global_clipnorm;
      /* (use_norm − use_norm) turns the scale into NaN when the norm is inf or NaN, as in Keras. */
      float scale = spec->global_clipnorm * m + (use_norm - use_norm);
      for (int i = 0; i < opt->n_vars; i++)
        if (is_connected (connected, i))
          scale_kernel (grads[i]->data, opt->sizes[i], scale);
    }
  else if (spec->clipvalue > 0.0f)
    {
      float c = spec->clipvalue;
      for (int i = 0; i < opt->n_vars; i++)
        if (is_connected (connected, i))
          clip_value_kernel (grads[i]->data, opt->sizes[i], -c, c);
    }
}

/* The step's scalars, formed once per step as Keras forms them (bias corrections and schedules). */
typedef struct
{
  float lr, eps;
  float alpha;           /* Adam: lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ) */
  float one_minus_power; /* Adamax: 1 − β₁ᵗ */
  NadamScalars nadam;
} StepScalars;

/* Also advances Nadam's running product (once per step). */
static void
step_scalars (FtOptimizer *opt, StepScalars *k)
{
  const FtOptimizerSpec *spec = &opt->spec;
  const float t = (float) (opt->iterations + 1);
  k->lr = spec->learning_rate;
  k->eps = spec->epsilon;
  if (spec->kind == FT_OPT_ADAM || spec->kind == FT_OPT_ADAMW)
    {
      float beta_1_power = powf (spec->beta_1, t);
      float beta_2_power = powf (spec->beta_2, t);
      k->alpha = k->lr * sqrtf (1.0f - beta_2_power) / (1.0f - beta_1_power);
    }
  else if (spec->kind == FT_OPT_ADAMAX)
    k->one_minus_power = 1.0f - powf (spec->beta_1, t);
  else if (spec->kind == FT_OPT_NADAM)
    {
      const float beta_1 = spec->beta_1;
      NadamScalars *n = &k->nadam;
      opt->u_product = opt->u_product * beta_1 * nadam_schedule_tail (t);
      n->u_t = beta_1 * nadam_schedule_tail (t);
      n->u_t_1 = beta_1 * nadam_schedule_tail ((float) (opt->iterations + 2));
      n->one_minus_u_product_t_1 = 1.0f - opt->u_product * n->u_t_1;
      n->one_minus_u_t = 1.0f - n->u_t;
      n->one_minus_u_product_t = 1.0f - opt->u_product;
      n->one_minus_beta_2_power = 1.0f - powf (spec->beta_2, t);
      n->one_minus_beta_1 = 1.0f - beta_1; /* float32 here: nadam.py casts β first */
      n->one_minus_beta_2 = 1.0f - spec->beta_2;
    }
}

/* One step's work: what every chunk needs. */
typedef struct
{
  FtOptimizer *opt;
  FtTensor *const *grads;
  FtTensor *const *vars;
  const bool *connected;
  StepScalars k;
} Step;

/* Floats [b, b + n) of variable i: its weights w, gradient g and slot s from b. */
static inline float *
slot_at (const Step *st, int s, int i, size_t b)
{
  return slot_ptr (st->opt, s, i) + b;
}

static void
update_sgd (const Step *st, float *w, const float *g, int i, size_t b, size_t n)
{
  const FtOptimizer *opt = st->opt;
  if (opt->slot_momentum < 0)
    sgd_plain_kernel (w, g, n, st->k.lr);
  else if (opt->spec.nesterov)
    sgd_nesterov_kernel (w, g, slot_at (st, opt->slot_momentum, i, b), n, st->k.lr, opt->spec.momentum);
  else
    sgd_momentum_kernel (w, g, slot_at (st, opt->slot_momentum, i, b), n, st->k.lr, opt->spec.momentum);
}

static void
update_adam (const Step *st, float *w, const float *g, int i, size_t b, size_t n)
{
  const FtOptimizer *opt = st->opt;
  float *m = slot_at (st, opt->slot_m, i, b), *v = slot_at (st, opt->slot_v, i, b);
  if (opt->slot_v_hat >= 0)
    adam_amsgrad_kernel (w, g, m, v, slot_at (st, opt->slot_v_hat, i, b), n, st->k.alpha,
                         opt->one_minus_beta_1, opt->one_minus_beta_2, st->k.eps);
  else
    adam_kernel (w, g, m, v, n, st->k.alpha, opt->one_minus_beta_1, opt->one_minus_beta_2, st->k.eps);
}

static void
update_rmsprop (const Step *st, float *w, const float *g, int i, size_t b, size_t n)
{
  const FtOptimizer *opt = st->opt;
  const float lr = st->k.lr, eps = st->k.eps, rho = opt->spec.rho, omr = opt->one_minus_rho;
  const float momentum = opt->spec.momentum;
  float *vel = slot_at (st, opt->slot_velocity, i, b);
  float *avg = opt->slot_average_gradient >= 0 ? slot_at (st, opt->slot_average_gradient, i, b) : NULL;
  float *mom = opt->slot_momentum >= 0 ? slot_at (st, opt->slot_momentum, i, b) : NULL;
  if (avg != NULL && mom != NULL)
    rmsprop_centered_momentum_kernel (w, g, vel, avg, mom, n, lr, rho, omr, eps, momentum);
  else if (avg != NULL)
    rmsprop_centered_kernel (w, g, vel, avg, n, lr, rho, omr, eps);
  else if (mom != NULL)
    rmsprop_momentum_kernel (w, g, vel, mom, n, lr, rho, omr, eps, momentum);
  else
    rmsprop_kernel (w, g, vel, n, lr, rho, omr, eps);
}

/* One chunk of one variable: the decoupled weight decay (Keras applies it to every variable with a
 * gradient, before the update), then the kind's update, on the same span while it is in the cache. */
static void
update_chunk (void *data, int c)
{
  const Step *st = data;
  const FtOptimizer *opt = st->opt;
  const Chunk *ch = &opt->chunks[c];
  const int i = ch->var;
  if (!is_connected (st->connected, i))
    return;
  const size_t b = ch->begin, n = ch->end - ch->begin;
  float *w = st->vars[i]->data + b;
  const float *g = st->grads[i]->data + b;
  if (opt->spec.weight_decay > 0.0f)
    weight_decay_kernel (w, n, opt->spec.weight_decay, st->k.lr);
  switch (opt->spec.kind)
    {
    case FT_OPT_SGD:
      update_sgd (st, w, g, i, b, n);
      break;
    case FT_OPT_ADAM:
    case FT_OPT_ADAMW:
      update_adam (st, w, g, i, b, n);
      break;
    case FT_OPT_RMSPROP:
      update_rmsprop (st, w, g, i, b, n);
      break;
    case FT_OPT_ADAGRAD:
      adagrad_kernel (w, g, slot_at (st, opt->slot_accumulator, i, b), n, st->k.lr, st->k.eps);
      break;
    case FT_OPT_NADAM:
      nadam_kernel (w, g, slot_at (st, opt->slot_m, i, b), slot_at (st, opt->slot_v, i, b), n, &st->k.nadam,
                    st->k.lr, st->k.eps);
      break;
    case FT_OPT_ADAMAX:
      adamax_kernel (w, g, slot_at (st, opt->slot_m, i, b), slot_at (st, opt->slot_norm, i, b), n, st->k.lr,
                     opt->one_minus_beta_1, opt->spec.beta_2, st->k.one_minus_power, st->k.eps);
      break;
    case FT_N_OPTIMIZERS:
      g_assert_not_reached ();
    }
}

void
ft_optimizer_apply (FtOptimizer *opt, FtTensor *const *grads, FtTensor *const *vars, const bool *connected)
{
  g_return_if_fail (opt != NULL);
  g_return_if_fail (opt->n_vars == 0 || (grads != NULL && vars != NULL));

  /* Check everything before touching anything, so a bad call changes nothing. */
  int n_connected = 0;
  for (int i = 0; i < opt->n_vars; i++)
    {
      if (!is_connected (connected, i))
        continue;
      g_return_if_fail (grads[i] != NULL && vars[i] != NULL);
      g_return_if_fail (grads[i]->size == opt->sizes[i] && vars[i]->size == opt->sizes[i]);
      n_connected++;
    }
  /* Keras raises "No gradients provided for any variable"; here such a step is a no-op that leaves the
   * iteration count alone. */
  if (n_connected == 0)
    return;

  clip_gradients (opt, grads, connected);
  Step st = { opt, grads, vars, connected, { 0 } };
  step_scalars (opt, &st.k);
  /* Small models update on the calling thread: waking the team would cost more than the update. */
  FtThreads *team = opt->total >= PARALLEL_FLOATS ? ft_threads_current () : NULL;
  ft_threads_run (team, opt->n_chunks, update_chunk, &st);
  opt->iterations++;
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

int64_t
ft_optimizer_iterations (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->iterations;
}

void
ft_optimizer_set_iterations (FtOptimizer *opt, int64_t iterations)
{
  g_return_if_fail (opt != NULL);
  g_return_if_fail (iterations >= 0);
  opt->iterations = iterations;
  /* Nadam's running product follows from the step count: rebuilt with the same float32 operations. */
  opt->u_product = 1.0f;
  if (opt->spec.kind == FT_OPT_NADAM)
    for (int64_t k = 1; k <= iterations; k++)
      opt->u_product = opt->u_product * opt->spec.beta_1 * nadam_schedule_tail ((float) k);
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
  plan_chunks (opt);
}
