/* ft-optimizers.c — Keras 3 optimizers: SGD, Adam, RMSprop, Adagrad (see ft-optimizers.h).
 *
 * The update equations follow keras/src/optimizers/{sgd,adam,rmsprop,adagrad}.py operation by operation in
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
#include "core/ft-compiler.h"
#include "core/ft-format.h"
#include "nn/ft-optimizers.h"

#include "core/ft-alloc.h"
#include "core/ft-tape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define FT_OPT_MAX_SLOTS 3

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

  /* Slot indices (−1 when absent). */
  int slot_momentum; /* SGD momentum, RMSprop momentum */
  int slot_m, slot_v, slot_v_hat;
  int slot_velocity, slot_average_gradient;
  int slot_accumulator;

  /* float32 constants formed as Keras forms them (see the top of the file). */
  float one_minus_beta_1, one_minus_beta_2, one_minus_rho;
  float inv_global_clipnorm;
};

/* ------------------------------------------------------------------------------------------------ */
/* Spec, names, validation */

FtOptimizerSpec
ft_optimizer_spec_default (FtOptimizerKind kind)
{
  FtOptimizerSpec s;
  memset (&s, 0, sizeof s);
  s.kind = kind;
  s.learning_rate = kind == FT_OPT_SGD ? 0.01f : 0.001f;
  s.momentum = 0.0f;
  s.nesterov = false;
  s.beta_1 = 0.9f;
  s.beta_2 = 0.999f;
  s.epsilon = 1e-7f;
  s.amsgrad = false;
  s.rho = 0.9f;
  s.centered = false;
  s.initial_accumulator_value = 0.1f;
  s.clipnorm = 0.0f;
  s.global_clipnorm = 0.0f;
  s.clipvalue = 0.0f;
  return s;
}

static const char *const kind_names[FT_N_OPTIMIZERS] = { "SGD", "Adam", "RMSprop", "Adagrad" };

const char *
ft_optimizer_kind_name (FtOptimizerKind kind)
{
  if ((int) kind < 0 || kind >= FT_N_OPTIMIZERS)
    return NULL;
  return kind_names[kind];
}

bool
ft_optimizer_kind_from_name (const char *name, FtOptimizerKind *kind)
{
  if (name == NULL)
    return false;
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    if (g_ascii_strcasecmp (name, kind_names[k]) == 0)
      {
        if (kind != NULL)
          *kind = (FtOptimizerKind) k;
        return true;
      }
  return false;
}

static bool
invalid (GError **error, const char *param, float value, const char *rule)
{
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Invalid optimizer argument %s=%g: %s", param,
               (double) value, rule);
  return false;
}

/* NaN fails every comparison, so each test is written as "not (inside the range)". */
static bool
check_nonneg (GError **error, const char *param, float value)
{
  if (!(isfinite (value) && value >= 0.0f))
    return invalid (error, param, value, "must be a finite number >= 0");
  return true;
}

static bool
check_closed_unit (GError **error, const char *param, float value)
{
  if (!(value >= 0.0f && value <= 1.0f))
    return invalid (error, param, value, "must be in [0, 1]");
  return true;
}

static bool
check_half_open_unit (GError **error, const char *param, float value)
{
  if (!(value >= 0.0f && value < 1.0f))
    return invalid (error, param, value, "must be in [0, 1)");
  return true;
}

bool
ft_optimizer_spec_validate (const FtOptimizerSpec *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);

  if ((int) spec->kind < 0 || spec->kind >= FT_N_OPTIMIZERS)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Unknown optimizer kind %d", (int) spec->kind);
      return false;
    }
  if (!check_nonneg (error, "learning_rate", spec->learning_rate))
    return false;

  /* Only the parameters the chosen optimizer has are checked (Keras' other optimizers have no such
   * argument at all). */
  switch (spec->kind)
    {
    case FT_OPT_SGD:
      if (!check_closed_unit (error, "momentum", spec->momentum))
        return false;
      break;
    case FT_OPT_ADAM:
      if (!check_half_open_unit (error, "beta_1", spec->beta_1)
          || !check_half_open_unit (error, "beta_2", spec->beta_2)
          || !check_nonneg (error, "epsilon", spec->epsilon))
        return false;
      break;
    case FT_OPT_RMSPROP:
      if (!check_half_open_unit (error, "rho", spec->rho)
          || !check_closed_unit (error, "momentum", spec->momentum)
          || !check_nonneg (error, "epsilon", spec->epsilon))
        return false;
      break;
    case FT_OPT_ADAGRAD:
      if (!check_nonneg (error, "initial_accumulator_value", spec->initial_accumulator_value)
          || !check_nonneg (error, "epsilon", spec->epsilon))
        return false;
      break;
    case FT_N_OPTIMIZERS:
    default:
      g_assert_not_reached ();
    }

  if (!check_nonneg (error, "clipnorm", spec->clipnorm)
      || !check_nonneg (error, "global_clipnorm", spec->global_clipnorm)
      || !check_nonneg (error, "clipvalue", spec->clipvalue))
    return false;
  int n_clips = (spec->clipnorm > 0.0f) + (spec->global_clipnorm > 0.0f) + (spec->clipvalue > 0.0f);
  if (n_clips > 1)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "Only one of clipnorm, clipvalue and global_clipnorm can be set; got clipnorm=%g, "
                   "clipvalue=%g, global_clipnorm=%g",
                   (double) spec->clipnorm, (double) spec->clipvalue, (double) spec->global_clipnorm);
      return false;
    }
  return true;
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

  opt->slot_momentum = opt->slot_m = opt->slot_v = opt->slot_v_hat = -1;
  opt->slot_velocity = opt->slot_average_gradient = opt->slot_accumulator = -1;
  /* Slots exist exactly when Keras creates them (SGD: momentum != 0; RMSprop: momentum > 0). */
  switch (spec->kind)
    {
    case FT_OPT_SGD:
      if (spec->momentum != 0.0f)
        opt->slot_momentum = add_slot (opt, "momentum");
      break;
    case FT_OPT_ADAM:
      opt->slot_m = add_slot (opt, "momentum");
      opt->slot_v = add_slot (opt, "velocity");
      if (spec->amsgrad)
        opt->slot_v_hat = add_slot (opt, "velocity_hat");
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
    default:
      g_assert_not_reached ();
    }

  size_t n_floats = (size_t) opt->n_slots * opt->total;
  if (n_floats > 0)
    {
      opt->state = ft_alloc0 (n_floats * sizeof (float));
      if (opt->slot_accumulator >= 0)
        {
          float *acc = opt->state + (size_t) opt->slot_accumulator * opt->total;
          for (size_t j = 0; j < opt->total; j++)
            acc[j] = spec->initial_accumulator_value;
        }
    }

  opt->one_minus_beta_1 = (float) (1.0 - ft_float_as_typed (spec->beta_1));
  opt->one_minus_beta_2 = (float) (1.0 - ft_float_as_typed (spec->beta_2));
  opt->one_minus_rho = (float) (1.0 - ft_float_as_typed (spec->rho));
  opt->inv_global_clipnorm = spec->global_clipnorm > 0.0f ? (float) (1.0 / ft_float_as_typed (spec->global_clipnorm))
                                                          : 0.0f;
  return opt;
}

void
ft_optimizer_free (FtOptimizer *opt)
{
  if (opt == NULL)
    return;
  ft_free (opt->state);
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
rmsprop_momentum_kernel (float *restrict w, const float *restrict g, float *restrict vel,
                         float *restrict mom, size_t n, float lr, float rho, float one_minus_rho,
                         float epsilon, float momentum)
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
rmsprop_centered_kernel (float *restrict w, const float *restrict g, float *restrict vel,
                         float *restrict avg, size_t n, float lr, float rho, float one_minus_rho,
                         float epsilon)
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

  const FtOptimizerSpec *spec = &opt->spec;
  const float lr = spec->learning_rate;
  const float eps = spec->epsilon;

  switch (spec->kind)
    {
    case FT_OPT_SGD:
      for (int i = 0; i < opt->n_vars; i++)
        {
          if (!is_connected (connected, i))
            continue;
          float *w = vars[i]->data;
          const float *g = grads[i]->data;
          size_t n = opt->sizes[i];
          if (opt->slot_momentum < 0)
            sgd_plain_kernel (w, g, n, lr);
          else if (spec->nesterov)
            sgd_nesterov_kernel (w, g, slot_ptr (opt, opt->slot_momentum, i), n, lr, spec->momentum);
          else
            sgd_momentum_kernel (w, g, slot_ptr (opt, opt->slot_momentum, i), n, lr, spec->momentum);
        }
      break;

    case FT_OPT_ADAM:
      {
        float t = (float) (opt->iterations + 1);
        float beta_1_power = powf (spec->beta_1, t);
        float beta_2_power = powf (spec->beta_2, t);
        float alpha = lr * sqrtf (1.0f - beta_2_power) / (1.0f - beta_1_power);
        for (int i = 0; i < opt->n_vars; i++)
          {
            if (!is_connected (connected, i))
              continue;
            float *w = vars[i]->data;
            const float *g = grads[i]->data;
            size_t n = opt->sizes[i];
            float *m = slot_ptr (opt, opt->slot_m, i);
            float *v = slot_ptr (opt, opt->slot_v, i);
            if (opt->slot_v_hat >= 0)
              adam_amsgrad_kernel (w, g, m, v, slot_ptr (opt, opt->slot_v_hat, i), n, alpha,
                                   opt->one_minus_beta_1, opt->one_minus_beta_2, eps);
            else
              adam_kernel (w, g, m, v, n, alpha, opt->one_minus_beta_1, opt->one_minus_beta_2, eps);
          }
      }
      break;

    case FT_OPT_RMSPROP:
      for (int i = 0; i < opt->n_vars; i++)
        {
          if (!is_connected (connected, i))
            continue;
          float *w = vars[i]->data;
          const float *g = grads[i]->data;
          size_t n = opt->sizes[i];
          float *vel = slot_ptr (opt, opt->slot_velocity, i);
          float rho = spec->rho, omr = opt->one_minus_rho;
          if (opt->slot_average_gradient >= 0 && opt->slot_momentum >= 0)
            rmsprop_centered_momentum_kernel (w, g, vel, slot_ptr (opt, opt->slot_average_gradient, i),
                                              slot_ptr (opt, opt->slot_momentum, i), n, lr, rho, omr, eps,
                                              spec->momentum);
          else if (opt->slot_average_gradient >= 0)
            rmsprop_centered_kernel (w, g, vel, slot_ptr (opt, opt->slot_average_gradient, i), n, lr, rho,
                                     omr, eps);
          else if (opt->slot_momentum >= 0)
            rmsprop_momentum_kernel (w, g, vel, slot_ptr (opt, opt->slot_momentum, i), n, lr, rho, omr,
                                     eps, spec->momentum);
          else
            rmsprop_kernel (w, g, vel, n, lr, rho, omr, eps);
        }
      break;

    case FT_OPT_ADAGRAD:
      for (int i = 0; i < opt->n_vars; i++)
        {
          if (!is_connected (connected, i))
            continue;
          adagrad_kernel (vars[i]->data, grads[i]->data, slot_ptr (opt, opt->slot_accumulator, i),
                          opt->sizes[i], lr, eps);
        }
      break;

    case FT_N_OPTIMIZERS:
    default:
      g_assert_not_reached ();
    }

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
