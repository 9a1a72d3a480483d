/* ft-optimizer-step.c — one optimizer step (ft_optimizer_apply, see ft-optimizers.h): gradient clipping,
 * the step's scalars and each kind's update equation, run over the update's pieces on the thread team;
 * and the step count, which the bias corrections and Nadam's schedule follow. The kinds' table, the
 * slots and their state are in ft-optimizers.c.
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
 * the same way (at construction, in ft-optimizers.c): the float32 hyperparameter is read back as its shortest
 * decimal (the number a user would have typed in Python), the expression is evaluated in double and rounded
 * once to float32. Sums of squares are accumulated in double (Keras: float32 reductions), which can only
 * differ in the last bit of a norm.
 *
 * The project builds with -std=c11, where GCC does not contract a·b + c into FMAs (-ffp-contract=off), so the
 * float32 operations round one by one as in Keras. Hot loops are simple, restrict-qualified and cloned for
 * AVX-512 / AVX2 at run time. */
#include "core/ft-compiler.h"
#include "core/ft-threads.h"
#include "nn/ft-optimizer-private.h"

#include <math.h>

/* The update runs over chunks of at most this many floats of one variable (the arrays of one chunk stay in
 * the L2 cache), spread over the job's thread team when the model has at least PARALLEL_FLOATS parameters
 * (the MLP's 101,770 stay on one thread: ~30 µs of Adam; with the update on the team from 65,536 and its
 * products split, the MLP step ran 0.64–0.80× as fast on two threads, quiet. The CNN's 2.77 M take ~1.3 ms
 * on one). The update is element by element: the split changes no result. */
#define CHUNK_FLOATS    8192
#define PARALLEL_FLOATS 131072

/* Each variable in chunks of CHUNK_FLOATS (the last one shorter). */
void
ft_optimizer_plan_chunks (FtOptimizer *opt)
{
  int n = 0;
  for (int i = 0; i < opt->n_vars; i++)
    n += (int) ((opt->sizes[i] + CHUNK_FLOATS - 1) / CHUNK_FLOATS);
  opt->chunks = g_new (FtOptimizerChunk, (size_t) n + 1);
  opt->n_chunks = n;
  n = 0;
  for (int i = 0; i < opt->n_vars; i++)
    for (size_t b = 0; b < opt->sizes[i]; b += CHUNK_FLOATS)
      opt->chunks[n++] = (FtOptimizerChunk){ i, b, MIN (b + CHUNK_FLOATS, opt->sizes[i]) };
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

/* Adam's two moments at one element, as Keras updates them in float32 (Adam, AMSGrad, Nadam):
 * m ← m + (g − m)·(1 − β₁), v ← v + (g² − v)·(1 − β₂). Inlined into each loop, which stays vectorisable. */
static inline void
update_moments (float *m, float *v, float g, float one_minus_beta_1, float one_minus_beta_2)
{
  *m = *m + (g - *m) * one_minus_beta_1;
  *v = *v + (g * g - *v) * one_minus_beta_2;
}

FT_HOT static void
adam_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
             float alpha, float one_minus_beta_1, float one_minus_beta_2, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      update_moments (&m[i], &v[i], g[i], one_minus_beta_1, one_minus_beta_2);
      w[i] = w[i] - (m[i] * alpha) / (sqrtf (v[i]) + epsilon);
    }
}

FT_HOT static void
adam_amsgrad_kernel (float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                     float *restrict v_hat, size_t n, float alpha, float one_minus_beta_1,
                     float one_minus_beta_2, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      update_moments (&m[i], &v[i], g[i], one_minus_beta_1, one_minus_beta_2);
      float hi = v_hat[i] > v[i] ? v_hat[i] : v[i];
      v_hat[i] = hi;
      w[i] = w[i] - (m[i] * alpha) / (sqrtf (hi) + epsilon);
    }
}

/* RMSprop's running mean of g² at one element, v ← ρ·v + (1 − ρ)·g²; returns what the update takes the square
 * root of, v + ε. */
static inline float
rms_square (float *vel, float g, float rho, float one_minus_rho, float epsilon)
{
  *vel = rho * *vel + one_minus_rho * (g * g);
  return *vel + epsilon;
}

/* The centered form: also the running mean of g, a ← ρ·a + (1 − ρ)·g; returns v − a² + ε. */
static inline float
centered_rms_square (float *vel, float *avg, float g, float rho, float one_minus_rho, float epsilon)
{
  float vi = rho * *vel + one_minus_rho * (g * g);
  float ai = rho * *avg + one_minus_rho * g;
  *vel = vi;
  *avg = ai;
  return (vi - ai * ai) + epsilon;
}

FT_HOT static void
rmsprop_kernel (float *restrict w, const float *restrict g, float *restrict vel, size_t n, float lr,
                float rho, float one_minus_rho, float epsilon)
{
  for (size_t i = 0; i < n; i++)
    {
      float d = rms_square (&vel[i], g[i], rho, one_minus_rho, epsilon);
      w[i] = w[i] - (lr * g[i]) / sqrtf (d);
    }
}

FT_HOT static void
rmsprop_momentum_kernel (float *restrict w, const float *restrict g, float *restrict vel, float *restrict mom,
                         size_t n, float lr, float rho, float one_minus_rho, float epsilon, float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float d = rms_square (&vel[i], g[i], rho, one_minus_rho, epsilon);
      float pi = momentum * mom[i] + (lr * g[i]) / sqrtf (d);
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
      float d = centered_rms_square (&vel[i], &avg[i], g[i], rho, one_minus_rho, epsilon);
      w[i] = w[i] - (lr * g[i]) / sqrtf (d);
    }
}

FT_HOT static void
rmsprop_centered_momentum_kernel (float *restrict w, const float *restrict g, float *restrict vel,
                                  float *restrict avg, float *restrict mom, size_t n, float lr, float rho,
                                  float one_minus_rho, float epsilon, float momentum)
{
  for (size_t i = 0; i < n; i++)
    {
      float d = centered_rms_square (&vel[i], &avg[i], g[i], rho, one_minus_rho, epsilon);
      float pi = momentum * mom[i] + (lr * g[i]) / sqrtf (d);
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
      update_moments (&m[i], &v[i], gi, omb1, omb2);
      float m_hat = (u_t_1 * m[i]) / a + (b * gi) / c;
      float v_hat = v[i] / d;
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
  const FtOptimizerChunk *ch = &opt->chunks[c];
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
/* Step count */

int64_t
ft_optimizer_iterations (const FtOptimizer *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->iterations;
}

bool
ft_optimizer_nadam_u_product (const FtOptimizer *opt, float *value)
{
  g_return_val_if_fail (opt != NULL && value != NULL, false);
  if (opt->spec.kind != FT_OPT_NADAM)
    return false;
  *value = opt->u_product;
  return true;
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
