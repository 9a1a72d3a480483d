/* test-optimizers.c — the optimizers against Keras 3's update equations written out again here in double
 * precision (keras/src/optimizers/{sgd,adam,adamw,rmsprop,adagrad,nadam,adamax,base_optimizer}.py), one
 * and three steps each,
 * plus clipping, skipped variables, the learning rate, validation, the state layout and the promise that a
 * step allocates nothing.
 *
 * The reference takes every hyperparameter the way Keras does: a value Keras casts to float32 (lr, β in
 * β^t, ρ, μ, ε, clip norms) is rounded to float first, while an expression Keras evaluates on Python floats
 * (1 − β, 1 − ρ, 1/global_clipnorm) is evaluated on the decimal value in double. What remains between
 * engine and reference is float32 rounding of a handful of operations per step. */
#include "core/ft-alloc.h"
#include "core/ft-error.h"
#include "core/ft-tape.h"
#include "ft-test-util.h"
#include "nn/ft-optimizers.h"

#include <math.h>
#include <string.h>

/* Two variables so that offsets, per-variable clipping and the global norm are exercised. */
#define N_VARS  2
#define N_TOTAL 5
static const int var_size[N_VARS] = { 3, 2 };
static const int var_start[N_VARS] = { 0, 3 };
static const float w_init[N_TOTAL] = { 1.0f, -2.0f, 0.5f, 0.25f, -0.75f };
static const float g_base[N_TOTAL] = { 0.1f, -0.2f, 0.3f, -0.05f, 0.4f };
/* Step k's gradient is g_base · grad_scale[k]: the sign flip and the much smaller last step make momentum,
 * the moving averages and AMSGrad's running maximum all matter (Adam's v shrinks at step 3 only because
 * g₃² = 0.0025·g² < v₂ ≈ 0.01·g², so v̂ ≠ v there). The signs are chosen so that no
 * slot is a difference of nearly equal terms, which would turn float32 rounding into large relative
 * errors. */
static const double grad_scale[3] = { 1.0, -3.0, -0.05 };

/* Tolerances. Weights: |w| ≤ 2.5 has a float32 ulp of 2.4e-7; each step rounds the update (a few ulps
 * relative to an update of ~0.1) and the weight once, so three steps stay below 1e-6 + 1e-6·|w| (largest
 * seen: 6e-7, with lr 0.5). Slots go through ≤ 8 float32 roundings per step and no large cancellation for
 * these inputs: 2e-6 relative (largest seen: 8e-7, Adam's m at step 2 where 0.09·g − 0.3·g loses a bit).
 * Every equation-level mistake these tests guard against (ε inside/outside the square root, t off by one,
 * 1 − β rounded in float32 instead of taken from the decimal, a missing momentum or AMSGrad term) moves a
 * weight by ≥ 1e-5 or a slot by ≥ 1e-5 relative. */
#define W_ATOL    1e-6f
#define W_RTOL    1e-6f
#define SLOT_ATOL 1e-12f
#define SLOT_RTOL 2e-6f

/* Hyperparameters as a Keras user writes them (Python floats). */
typedef struct
{
  FtOptimizerKind kind;
  double lr, weight_decay, momentum;
  bool nesterov;
  double beta_1, beta_2, epsilon;
  bool amsgrad;
  double rho;
  bool centered;
  double initial_accumulator_value;
  double clipnorm, global_clipnorm, clipvalue;
} Hyper;

static Hyper
hyper_default (FtOptimizerKind kind)
{
  Hyper h = { 0 };
  h.kind = kind;
  h.lr = kind == FT_OPT_SGD ? 0.01 : 0.001;
  h.beta_1 = 0.9;
  h.beta_2 = 0.999;
  h.epsilon = 1e-7;
  h.rho = 0.9;
  h.initial_accumulator_value = 0.1;
  h.weight_decay = kind == FT_OPT_ADAMW ? 0.004 : 0.0;
  return h;
}

static FtOptimizerSpec
hyper_spec (const Hyper *h)
{
  FtOptimizerSpec s = ft_optimizer_spec_default (h->kind);
  s.learning_rate = (float) h->lr;
  s.weight_decay = (float) h->weight_decay;
  s.momentum = (float) h->momentum;
  s.nesterov = h->nesterov;
  s.beta_1 = (float) h->beta_1;
  s.beta_2 = (float) h->beta_2;
  s.epsilon = (float) h->epsilon;
  s.amsgrad = h->amsgrad;
  s.rho = (float) h->rho;
  s.centered = h->centered;
  s.initial_accumulator_value = (float) h->initial_accumulator_value;
  s.clipnorm = (float) h->clipnorm;
  s.global_clipnorm = (float) h->global_clipnorm;
  s.clipvalue = (float) h->clipvalue;
  return s;
}

static double
f32 (double x)
{
  return (double) (float) x;
}

/* ---- the reference, in double ---- */

typedef struct
{
  double w[N_TOTAL];
  double momentum[N_TOTAL], m[N_TOTAL], v[N_TOTAL], v_hat[N_TOTAL];
  double velocity[N_TOTAL], average_gradient[N_TOTAL], accumulator[N_TOTAL];
  double norm[N_TOTAL]; /* Adamax' u */
  double u_product;     /* Nadam's running product of the momentum schedule */
  long iterations;
} Ref;

static void
ref_init (Ref *r, const Hyper *h)
{
  memset (r, 0, sizeof *r);
  for (int j = 0; j < N_TOTAL; j++)
    {
      r->w[j] = w_init[j];
      r->accumulator[j] = f32 (h->initial_accumulator_value);
    }
  r->u_product = 1.0;
}

/* Slot names are Keras' (Adam: momentum, velocity, velocity_hat), so Adam's depend on the kind. */
static double *
ref_slot (Ref *r, FtOptimizerKind kind, const char *name)
{
  bool adam_like = kind == FT_OPT_ADAM || kind == FT_OPT_ADAMW || kind == FT_OPT_NADAM
                   || kind == FT_OPT_ADAMAX;
  if (adam_like && strcmp (name, "momentum") == 0)
    return r->m;
  if (adam_like && strcmp (name, "velocity") == 0)
    return r->v;
  if (kind == FT_OPT_ADAMAX && strcmp (name, "norm") == 0)
    return r->norm;
  if (strcmp (name, "velocity_hat") == 0)
    return r->v_hat;
  if (strcmp (name, "momentum") == 0)
    return r->momentum;
  if (strcmp (name, "velocity") == 0)
    return r->velocity;
  if (strcmp (name, "average_gradient") == 0)
    return r->average_gradient;
  if (strcmp (name, "accumulator") == 0)
    return r->accumulator;
  g_error ("unknown slot name %s", name);
  return NULL;
}

/* Keras' _clip_gradients on the connected variables. */
static void
ref_clip (const Hyper *h, double *g, const bool *connected)
{
  if (h->clipnorm > 0)
    {
      double c = f32 (h->clipnorm);
      for (int i = 0; i < N_VARS; i++)
        {
          if (!connected[i])
            continue;
          double s = 0;
          for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
            s += g[j] * g[j];
          double norm = sqrt (s);
          for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
            g[j] = g[j] * c / fmax (norm, c);
        }
    }
  else if (h->global_clipnorm > 0)
    {
      double s = 0;
      for (int i = 0; i < N_VARS; i++)
        if (connected[i])
          for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
            s += g[j] * g[j];
      double norm = sqrt (s);
      double scale = f32 (h->global_clipnorm) * fmin (1.0 / norm, f32 (1.0 / h->global_clipnorm));
      for (int i = 0; i < N_VARS; i++)
        if (connected[i])
          for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
            g[j] *= scale;
    }
  else if (h->clipvalue > 0)
    {
      double c = f32 (h->clipvalue);
      for (int j = 0; j < N_TOTAL; j++)
        g[j] = fmin (fmax (g[j], -c), c);
    }
}

/* One step of the written-out equations (g already clipped). */
static void
ref_step (Ref *r, const Hyper *h, const double *g, const bool *connected)
{
  double lr = f32 (h->lr), eps = f32 (h->epsilon), mu = f32 (h->momentum);
  double t = (double) (r->iterations + 1);
  /* Adam's α: β^t from the float32 β, as Keras' ops.power(ops.cast(β), t). */
  double alpha = lr * sqrt (1 - pow (f32 (h->beta_2), t)) / (1 - pow (f32 (h->beta_1), t));
  /* Nadam: u(t) = β₁(1 − ½·0.96ᵗ) with β₁ and 0.96 as float32; the running product Π takes u(t) first. */
  double b1 = f32 (h->beta_1), b2 = f32 (h->beta_2);
  double u_t = b1 * (1 - 0.5 * pow (f32 (0.96), t)), u_t_1 = b1 * (1 - 0.5 * pow (f32 (0.96), t + 1));
  if (h->kind == FT_OPT_NADAM)
    r->u_product *= u_t;
  for (int i = 0; i < N_VARS; i++)
    {
      if (!connected[i])
        continue;
      /* AdamW (any optimizer with weight_decay): w −= w·wd·lr before the update, with wd as float32. */
      if (h->weight_decay > 0)
        for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
          r->w[j] -= r->w[j] * f32 (h->weight_decay) * lr;
      for (int j = var_start[i]; j < var_start[i] + var_size[i]; j++)
        {
          double gj = g[j];
          switch (h->kind)
            {
            case FT_OPT_SGD:
              if (h->momentum != 0)
                {
                  /* velocity = momentum·velocity − lr·g; w += velocity (nesterov: w += momentum·velocity
                   * − lr·g) */
                  r->momentum[j] = mu * r->momentum[j] - lr * gj;
                  r->w[j] += h->nesterov ? mu * r->momentum[j] - lr * gj : r->momentum[j];
                }
              else
                r->w[j] -= lr * gj;
              break;
            case FT_OPT_ADAM:
            case FT_OPT_ADAMW:
              {
                /* textbook form of m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂) */
                r->m[j] = (1 - h->beta_1) * gj + (1 - (1 - h->beta_1)) * r->m[j];
                r->v[j] = (1 - h->beta_2) * gj * gj + (1 - (1 - h->beta_2)) * r->v[j];
                double v = r->v[j];
                if (h->amsgrad)
                  {
                    r->v_hat[j] = fmax (r->v_hat[j], r->v[j]);
                    v = r->v_hat[j];
                  }
                r->w[j] -= alpha * r->m[j] / (sqrt (v) + eps);
                break;
              }
            case FT_OPT_RMSPROP:
              {
                double rho = f32 (h->rho);
                r->velocity[j] = rho * r->velocity[j] + (1 - h->rho) * gj * gj;
                double denominator = r->velocity[j] + eps;
                if (h->centered)
                  {
                    r->average_gradient[j] = rho * r->average_gradient[j] + (1 - h->rho) * gj;
                    denominator -= r->average_gradient[j] * r->average_gradient[j];
                  }
                double increment = lr * gj / sqrt (denominator);
                if (h->momentum > 0)
                  {
                    r->momentum[j] = mu * r->momentum[j] + increment;
                    r->w[j] -= r->momentum[j];
                  }
                else
                  r->w[j] -= increment;
                break;
              }
            case FT_OPT_ADAGRAD:
              r->accumulator[j] += gj * gj;
              r->w[j] -= lr * gj / sqrt (r->accumulator[j] + eps);
              break;
            case FT_OPT_NADAM:
              {
                /* nadam.py casts β first: here 1 − β is taken from the float32 β */
                r->m[j] = (1 - b1) * gj + b1 * r->m[j];
                r->v[j] = (1 - b2) * gj * gj + b2 * r->v[j];
                double m_hat = u_t_1 * r->m[j] / (1 - r->u_product * u_t_1)
                               + (1 - u_t) * gj / (1 - r->u_product);
                double v_hat = r->v[j] / (1 - pow (b2, t));
                r->w[j] -= m_hat * lr / (sqrt (v_hat) + eps);
                break;
              }
            case FT_OPT_ADAMAX:
              /* m += (g − m)(1 − β₁) with 1 − β₁ from the decimal; u = max(β₂·u, |g|) */
              r->m[j] = (1 - h->beta_1) * gj + (1 - (1 - h->beta_1)) * r->m[j];
              r->norm[j] = fmax (b2 * r->norm[j], fabs (gj));
              r->w[j] -= lr * r->m[j] / ((1 - pow (b1, t)) * (r->norm[j] + eps));
              break;
            case FT_N_OPTIMIZERS:
              g_assert_not_reached ();
            }
        }
    }
  r->iterations++;
}

/* ---- the engine side ---- */

typedef struct
{
  FtTensor *w[N_VARS];
  FtTensor *g[N_VARS];
} Problem;

static void
problem_init (Problem *p)
{
  for (int i = 0; i < N_VARS; i++)
    {
      int shape[1] = { var_size[i] };
      p->w[i] = ft_tensor_new (1, shape);
      p->g[i] = ft_tensor_new (1, shape);
      memcpy (p->w[i]->data, w_init + var_start[i], (size_t) var_size[i] * sizeof (float));
    }
}

static void
problem_clear (Problem *p)
{
  for (int i = 0; i < N_VARS; i++)
    {
      ft_tensor_free (p->w[i]);
      ft_tensor_free (p->g[i]);
    }
}

/* The gradients of step k, into the engine's tensors (float) and into g (double, the same values). */
static void
problem_grads (Problem *p, int k, double *g)
{
  for (int i = 0; i < N_VARS; i++)
    for (int j = 0; j < var_size[i]; j++)
      {
        float value = (float) (g_base[var_start[i] + j] * grad_scale[k % 3]);
        p->g[i]->data[j] = value;
        g[var_start[i] + j] = value;
      }
}

static void
assert_matches (const char *what, FtOptimizer *opt, Problem *p, Ref *r)
{
  float expected[N_TOTAL];
  char label[160];
  for (int i = 0; i < N_VARS; i++)
    {
      for (int j = 0; j < var_size[i]; j++)
        expected[j] = (float) r->w[var_start[i] + j];
      g_snprintf (label, sizeof label, "%s: weights of variable %d", what, i);
      ft_test_assert_close (label, p->w[i]->data, expected, (size_t) var_size[i], W_ATOL, W_RTOL);
    }
  float *state = ft_optimizer_state (opt);
  for (int s = 0; s < ft_optimizer_n_slots (opt); s++)
    {
      const char *name = ft_optimizer_slot_name (opt, s);
      double *slot = ref_slot (r, ft_optimizer_spec (opt)->kind, name);
      for (int i = 0; i < N_VARS; i++)
        {
          for (int j = 0; j < var_size[i]; j++)
            expected[j] = (float) slot[var_start[i] + j];
          g_snprintf (label, sizeof label, "%s: slot %s of variable %d", what, name, i);
          ft_test_assert_close (label, state + ft_optimizer_slot_offset (opt, s, i), expected,
                                (size_t) var_size[i], SLOT_ATOL, SLOT_RTOL);
        }
    }
  g_assert_cmpint (ft_optimizer_iterations (opt), ==, r->iterations);
}

/* Runs `steps` steps of engine and reference side by side, comparing after each. connected may be NULL. */
static void
run_case (const Hyper *h, int steps, const bool *connected)
{
  static const bool all[N_VARS] = { true, true };
  const bool *conn = connected != NULL ? connected : all;
  FtOptimizerSpec spec = hyper_spec (h);
  g_assert_true (ft_optimizer_spec_validate (&spec, NULL));

  Problem p;
  problem_init (&p);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  Ref r;
  ref_init (&r, h);

  for (int k = 0; k < steps; k++)
    {
      double g[N_TOTAL];
      problem_grads (&p, k, g);
      ref_clip (h, g, conn);
      ref_step (&r, h, g, conn);
      ft_optimizer_apply (opt, p.g, p.w, connected);
      char what[64];
      g_snprintf (what, sizeof what, "%s step %d", ft_optimizer_kind_name (h->kind), k + 1);
      assert_matches (what, opt, &p, &r);
    }
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* ---- SGD ---- */

static Hyper
sgd (double momentum, bool nesterov)
{
  Hyper h = hyper_default (FT_OPT_SGD);
  h.lr = 0.1;
  h.momentum = momentum;
  h.nesterov = nesterov;
  return h;
}

static void
test_sgd_plain_one (void)
{
  Hyper h = sgd (0, false);
  run_case (&h, 1, NULL);
}

static void
test_sgd_plain_three (void)
{
  Hyper h = sgd (0, false);
  run_case (&h, 3, NULL);
}

static void
test_sgd_momentum_one (void)
{
  Hyper h = sgd (0.9, false);
  run_case (&h, 1, NULL);
}

static void
test_sgd_momentum_three (void)
{
  Hyper h = sgd (0.9, false);
  run_case (&h, 3, NULL);
}

static void
test_sgd_nesterov_one (void)
{
  Hyper h = sgd (0.9, true);
  run_case (&h, 1, NULL);
}

static void
test_sgd_nesterov_three (void)
{
  Hyper h = sgd (0.9, true);
  run_case (&h, 3, NULL);
}

/* Plain SGD by hand, no reference machinery: w − 0.01·g with the default learning rate. */
static void
test_sgd_by_hand (void)
{
  FtOptimizerSpec spec = ft_optimizer_spec_default (FT_OPT_SGD);
  Problem p;
  problem_init (&p);
  double g[N_TOTAL];
  problem_grads (&p, 0, g);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_apply (opt, p.g, p.w, NULL);
  const float expected0[3] = { 0.999f, -1.998f, 0.497f };
  const float expected1[2] = { 0.2505f, -0.754f };
  ft_test_assert_close ("SGD by hand, variable 0", p.w[0]->data, expected0, 3, W_ATOL, W_RTOL);
  ft_test_assert_close ("SGD by hand, variable 1", p.w[1]->data, expected1, 2, W_ATOL, W_RTOL);
  g_assert_cmpint (ft_optimizer_n_slots (opt), ==, 0);
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* ---- Adam ---- */

static Hyper
adam (bool amsgrad, double epsilon)
{
  Hyper h = hyper_default (FT_OPT_ADAM);
  h.lr = 0.1;
  h.amsgrad = amsgrad;
  h.epsilon = epsilon;
  return h;
}

static void
test_adam_plain_one (void)
{
  Hyper h = adam (false, 1e-7);
  run_case (&h, 1, NULL);
}

static void
test_adam_plain_three (void)
{
  Hyper h = adam (false, 1e-7);
  run_case (&h, 3, NULL);
}

static void
test_adam_amsgrad_one (void)
{
  Hyper h = adam (true, 1e-7);
  run_case (&h, 1, NULL);
}

static void
test_adam_amsgrad_three (void)
{
  Hyper h = adam (true, 1e-7);
  run_case (&h, 3, NULL);
}

/* ε = 0.01 makes "√v + ε" and "√(v + ε)" differ by ~10 %. */
static void
test_adam_epsilon_outside_sqrt (void)
{
  Hyper h = adam (false, 0.01);
  run_case (&h, 3, NULL);
}

/* The first Adam step moves every weight by about lr·sign(g) whatever the gradient's size. */
static void
test_adam_first_step_is_lr (void)
{
  Hyper h = adam (false, 1e-7);
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  double g[N_TOTAL];
  problem_grads (&p, 0, g);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_apply (opt, p.g, p.w, NULL);
  for (int i = 0; i < N_VARS; i++)
    for (int j = 0; j < var_size[i]; j++)
      {
        double moved = w_init[var_start[i] + j] - p.w[i]->data[j];
        double expected = g[var_start[i] + j] > 0 ? 0.1 : -0.1;
        /* |g| ≥ 0.05 so ε/|g| ≤ 2e-6; the float32 weight adds ≤ 2.4e-7 */
        g_assert_cmpfloat_with_epsilon (moved, expected, 1e-5);
      }
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* A checkpoint resumed at iteration 10 continues with t = 11 in the bias correction. */
static void
test_adam_resume_iterations (void)
{
  Hyper h = adam (false, 1e-7);
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_set_iterations (opt, 10);
  g_assert_cmpint (ft_optimizer_iterations (opt), ==, 10);
  Ref r;
  ref_init (&r, &h);
  r.iterations = 10;
  static const bool all[N_VARS] = { true, true };
  for (int k = 0; k < 2; k++)
    {
      double g[N_TOTAL];
      problem_grads (&p, k, g);
      ref_step (&r, &h, g, all);
      ft_optimizer_apply (opt, p.g, p.w, NULL);
      assert_matches ("Adam resumed at 10", opt, &p, &r);
    }
  g_assert_cmpint (ft_optimizer_iterations (opt), ==, 12);
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* ---- RMSprop ---- */

static Hyper
rmsprop (double momentum, bool centered, double epsilon)
{
  Hyper h = hyper_default (FT_OPT_RMSPROP);
  h.lr = 0.01;
  h.momentum = momentum;
  h.centered = centered;
  h.epsilon = epsilon;
  return h;
}

static void
test_rmsprop_plain_one (void)
{
  Hyper h = rmsprop (0, false, 1e-7);
  run_case (&h, 1, NULL);
}

static void
test_rmsprop_plain_three (void)
{
  Hyper h = rmsprop (0, false, 1e-7);
  run_case (&h, 3, NULL);
}

static void
test_rmsprop_momentum_one (void)
{
  Hyper h = rmsprop (0.5, false, 1e-7);
  run_case (&h, 1, NULL);
}

static void
test_rmsprop_momentum_three (void)
{
  Hyper h = rmsprop (0.5, false, 1e-7);
  run_case (&h, 3, NULL);
}

static void
test_rmsprop_centered_one (void)
{
  Hyper h = rmsprop (0, true, 1e-7);
  run_case (&h, 1, NULL);
}

static void
test_rmsprop_centered_three (void)
{
  Hyper h = rmsprop (0, true, 1e-7);
  run_case (&h, 3, NULL);
}

static void
test_rmsprop_centered_momentum_three (void)
{
  Hyper h = rmsprop (0.5, true, 1e-7);
  run_case (&h, 3, NULL);
}

/* Keras puts RMSprop's ε inside the square root: √(v + ε). */
static void
test_rmsprop_epsilon_inside_sqrt (void)
{
  Hyper h = rmsprop (0, false, 0.01);
  run_case (&h, 3, NULL);
  h = rmsprop (0.5, true, 0.01);
  run_case (&h, 3, NULL);
}

/* The example in Keras' RMSprop docstring: lr 0.1, var 10, loss var²/2 (gradient var) → 9.683772. */
static void
test_rmsprop_keras_docstring (void)
{
  FtOptimizerSpec spec = ft_optimizer_spec_default (FT_OPT_RMSPROP);
  spec.learning_rate = 0.1f;
  int shape[1] = { 1 };
  FtTensor *w = ft_tensor_new (1, shape);
  FtTensor *g = ft_tensor_new (1, shape);
  w->data[0] = 10.0f;
  g->data[0] = 10.0f;
  FtOptimizer *opt = ft_optimizer_new (&spec, 1, &w);
  ft_optimizer_apply (opt, &g, &w, NULL);
  /* Keras prints the float32 result to 7 significant digits */
  g_assert_cmpfloat_with_epsilon (w->data[0], 9.683772, 5e-7);
  ft_optimizer_free (opt);
  ft_tensor_free (w);
  ft_tensor_free (g);
}

/* ---- Adagrad ---- */

static Hyper
adagrad (double epsilon)
{
  Hyper h = hyper_default (FT_OPT_ADAGRAD);
  h.lr = 0.1;
  h.epsilon = epsilon;
  return h;
}

static void
test_adagrad_one (void)
{
  Hyper h = adagrad (1e-7);
  run_case (&h, 1, NULL);
}

static void
test_adagrad_three (void)
{
  Hyper h = adagrad (1e-7);
  run_case (&h, 3, NULL);
}

/* Keras puts Adagrad's ε inside the square root: √(acc + ε). */
static void
test_adagrad_epsilon_inside_sqrt (void)
{
  Hyper h = adagrad (0.01);
  run_case (&h, 3, NULL);
}

static void
test_adagrad_initial_accumulator (void)
{
  Hyper h = adagrad (1e-7);
  h.initial_accumulator_value = 0.5;
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  g_assert_cmpuint (ft_optimizer_state_size (opt), ==, N_TOTAL);
  for (int j = 0; j < N_TOTAL; j++)
    g_assert_cmpfloat (ft_optimizer_state (opt)[j], ==, 0.5f);
  ft_optimizer_free (opt);
  problem_clear (&p);
  run_case (&h, 3, NULL);
}

/* ---- clipping ---- */

/* ‖g₀‖ = √0.14 ≈ 0.374 > 0.2 is clipped; ‖g₁‖ ≈ 0.403 at step 1 and 1.21 at step 2 too, but
 * ‖−0.05·g₀‖ ≈ 0.019 at step 3 is not (and is still multiplied by c/c, as Keras does). */
static void
test_clipnorm (void)
{
  Hyper h = sgd (0.9, false);
  h.clipnorm = 0.2;
  run_case (&h, 3, NULL);
  h = adam (false, 1e-7);
  h.clipnorm = 0.2;
  run_case (&h, 3, NULL);
}

/* The clipped gradients are written back: each variable's gradient has norm ≤ clipnorm. */
static void
test_clipnorm_in_place (void)
{
  Hyper h = sgd (0, false);
  h.clipnorm = 0.2;
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  double g[N_TOTAL];
  problem_grads (&p, 0, g);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_apply (opt, p.g, p.w, NULL);
  for (int i = 0; i < N_VARS; i++)
    {
      double s = 0;
      for (int j = 0; j < var_size[i]; j++)
        s += (double) p.g[i]->data[j] * p.g[i]->data[j];
      g_assert_cmpfloat_with_epsilon (sqrt (s), 0.2, 1e-6); /* both exceed 0.2 before clipping */
      for (int j = 0; j < var_size[i]; j++)                 /* direction kept */
        g_assert_cmpfloat_with_epsilon (p.g[i]->data[j] / sqrt (s),
                                        g[var_start[i] + j] / sqrt (i ? 0.1625 : 0.14), 1e-6);
    }
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* Over both variables: ‖(g₀, g₁)‖ = √0.3025 = 0.55 → scale 0.3/0.55. */
static void
test_global_clipnorm (void)
{
  Hyper h = sgd (0, false);
  h.global_clipnorm = 0.3;
  run_case (&h, 3, NULL);

  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  double g[N_TOTAL];
  problem_grads (&p, 0, g);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_apply (opt, p.g, p.w, NULL);
  for (int i = 0; i < N_VARS; i++)
    for (int j = 0; j < var_size[i]; j++)
      g_assert_cmpfloat_with_epsilon (p.g[i]->data[j], g[var_start[i] + j] * 0.3 / 0.55, 1e-7);
  ft_optimizer_free (opt);
  problem_clear (&p);

  h = rmsprop (0.5, true, 1e-7);
  h.global_clipnorm = 0.3;
  run_case (&h, 3, NULL);
}

static void
test_clipvalue (void)
{
  Hyper h = sgd (0, false);
  h.clipvalue = 0.15;
  run_case (&h, 3, NULL);
  h = adagrad (1e-7);
  h.clipvalue = 0.15;
  run_case (&h, 3, NULL);
}

/* ---- connected ---- */

/* A variable without a gradient keeps its weights and slots; the others step; iterations still count. */
static void
test_connected_skips (void)
{
  static const bool only_first[N_VARS] = { true, false };
  static const bool only_second[N_VARS] = { false, true };
  Hyper h = adam (true, 1e-7);
  run_case (&h, 3, only_first);
  run_case (&h, 3, only_second);
  h = sgd (0.9, true);
  run_case (&h, 3, only_second);
  h = rmsprop (0.5, true, 1e-7);
  run_case (&h, 3, only_first);
  h = adagrad (1e-7);
  run_case (&h, 3, only_second);

  /* The skipped variable's weights are bit-identical, and it plays no part in the global norm. */
  h = sgd (0, false);
  h.global_clipnorm = 0.3;
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  double g[N_TOTAL];
  problem_grads (&p, 0, g);
  p.g[1]->data[0] = 1000.0f; /* would dominate the norm if counted */
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  ft_optimizer_apply (opt, p.g, p.w, only_first);
  g_assert_cmpmem (p.w[1]->data, 2 * sizeof (float), w_init + 3, 2 * sizeof (float));
  g_assert_cmpfloat (p.g[1]->data[0], ==, 1000.0f); /* not clipped either */
  double norm0 = sqrt (0.14);
  for (int j = 0; j < 3; j++)
    g_assert_cmpfloat_with_epsilon (p.g[0]->data[j], g[j] * 0.3 / norm0, 1e-7);
  g_assert_cmpint (ft_optimizer_iterations (opt), ==, 1);

  /* Nothing connected: nothing happens. */
  static const bool none[N_VARS] = { false, false };
  float before[2][3];
  memcpy (before[0], p.w[0]->data, 3 * sizeof (float));
  memcpy (before[1], p.w[1]->data, 2 * sizeof (float));
  ft_optimizer_apply (opt, p.g, p.w, none);
  g_assert_cmpmem (p.w[0]->data, 3 * sizeof (float), before[0], 3 * sizeof (float));
  g_assert_cmpmem (p.w[1]->data, 2 * sizeof (float), before[1], 2 * sizeof (float));
  g_assert_cmpint (ft_optimizer_iterations (opt), ==, 1);
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* ---- learning rate ---- */

static void
test_set_learning_rate (void)
{
  static const bool all[N_VARS] = { true, true };
  Hyper h = adam (false, 1e-7);
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  g_assert_cmpfloat (ft_optimizer_get_learning_rate (opt), ==, 0.1f);
  Ref r;
  ref_init (&r, &h);
  const double rates[3] = { 0.1, 0.025, 0.5 };
  for (int k = 0; k < 3; k++)
    {
      ft_optimizer_set_learning_rate (opt, (float) rates[k]);
      g_assert_cmpfloat (ft_optimizer_get_learning_rate (opt), ==, (float) rates[k]);
      g_assert_cmpfloat (ft_optimizer_spec (opt)->learning_rate, ==, (float) rates[k]);
      h.lr = rates[k];
      double g[N_TOTAL];
      problem_grads (&p, k, g);
      ref_step (&r, &h, g, all);
      ft_optimizer_apply (opt, p.g, p.w, NULL);
      assert_matches ("Adam with a changing learning rate", opt, &p, &r);
    }
  ft_optimizer_free (opt);
  problem_clear (&p);
}

/* ---- spec: defaults, names, validation ---- */

static void
test_spec_defaults (void)
{
  /* Keras' defaults for the arguments each optimizer takes; the fields of arguments it does not take are
   * 0 (the descriptor table sets only a kind's own parameters). */
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      FtOptimizerSpec s = ft_optimizer_spec_default ((FtOptimizerKind) k);
      bool adam_like = k == FT_OPT_ADAM || k == FT_OPT_ADAMW || k == FT_OPT_NADAM || k == FT_OPT_ADAMAX;
      g_assert_cmpint (s.kind, ==, k);
      g_assert_cmpfloat (s.learning_rate, ==, k == FT_OPT_SGD ? 0.01f : 0.001f);
      g_assert_cmpfloat (s.weight_decay, ==, k == FT_OPT_ADAMW ? 0.004f : 0.0f);
      g_assert_cmpfloat (s.momentum, ==, 0.0f);
      g_assert_false (s.nesterov);
      g_assert_cmpfloat (s.beta_1, ==, adam_like ? 0.9f : 0.0f);
      g_assert_cmpfloat (s.beta_2, ==, adam_like ? 0.999f : 0.0f);
      g_assert_cmpfloat (s.epsilon, ==, k == FT_OPT_SGD ? 0.0f : 1e-7f);
      g_assert_false (s.amsgrad);
      g_assert_cmpfloat (s.rho, ==, k == FT_OPT_RMSPROP ? 0.9f : 0.0f);
      g_assert_false (s.centered);
      g_assert_cmpfloat (s.initial_accumulator_value, ==, k == FT_OPT_ADAGRAD ? 0.1f : 0.0f);
      g_assert_cmpfloat (s.clipnorm, ==, 0.0f);
      g_assert_cmpfloat (s.global_clipnorm, ==, 0.0f);
      g_assert_cmpfloat (s.clipvalue, ==, 0.0f);
      g_autoptr (GError) error = NULL;
      g_assert_true (ft_optimizer_spec_validate (&s, &error));
      g_assert_no_error (error);
    }
}

static void
test_kind_names (void)
{
  const char *names[FT_N_OPTIMIZERS] = { "SGD", "Adam", "RMSprop", "Adagrad", "AdamW", "Nadam", "Adamax" };
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      g_assert_cmpstr (ft_optimizer_kind_name ((FtOptimizerKind) k), ==, names[k]);
      FtOptimizerKind kind = FT_N_OPTIMIZERS;
      g_assert_true (ft_optimizer_kind_from_name (names[k], &kind));
      g_assert_cmpint (kind, ==, k);
      g_autofree char *lower = g_ascii_strdown (names[k], -1);
      g_autofree char *upper = g_ascii_strup (names[k], -1);
      kind = FT_N_OPTIMIZERS;
      g_assert_true (ft_optimizer_kind_from_name (lower, &kind));
      g_assert_cmpint (kind, ==, k);
      kind = FT_N_OPTIMIZERS;
      g_assert_true (ft_optimizer_kind_from_name (upper, &kind));
      g_assert_cmpint (kind, ==, k);
    }
  FtOptimizerKind kind;
  g_assert_false (ft_optimizer_kind_from_name ("lamb", &kind));
  g_assert_false (ft_optimizer_kind_from_name ("", &kind));
  g_assert_false (ft_optimizer_kind_from_name (NULL, &kind));
}

typedef struct
{
  FtOptimizerKind kind;
  size_t field; /* offsetof a float field */
  float value;
  const char *param; /* must appear in the message */
} BadValue;

static void
test_validate_rejects (void)
{
  const float nan = NAN, inf = INFINITY;
  const BadValue bad[] = {
    { FT_OPT_SGD, offsetof (FtOptimizerSpec, learning_rate), -0.01f, "learning_rate" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, learning_rate), nan, "learning_rate" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, learning_rate), inf, "learning_rate" },
    { FT_OPT_ADAGRAD, offsetof (FtOptimizerSpec, learning_rate), -inf, "learning_rate" },
    { FT_OPT_SGD, offsetof (FtOptimizerSpec, momentum), -0.1f, "momentum" },
    { FT_OPT_SGD, offsetof (FtOptimizerSpec, momentum), 1.5f, "momentum" },
    { FT_OPT_SGD, offsetof (FtOptimizerSpec, momentum), nan, "momentum" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, momentum), 1.01f, "momentum" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, beta_1), 1.0f, "beta_1" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, beta_1), -0.5f, "beta_1" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, beta_1), nan, "beta_1" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, beta_2), 1.0f, "beta_2" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, beta_2), -1e-3f, "beta_2" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, epsilon), -1e-7f, "epsilon" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, epsilon), nan, "epsilon" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, rho), 1.0f, "rho" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, rho), -0.1f, "rho" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, epsilon), -1.0f, "epsilon" },
    { FT_OPT_ADAGRAD, offsetof (FtOptimizerSpec, epsilon), inf, "epsilon" },
    { FT_OPT_ADAGRAD, offsetof (FtOptimizerSpec, initial_accumulator_value), -0.1f,
      "initial_accumulator_value" },
    { FT_OPT_SGD, offsetof (FtOptimizerSpec, clipnorm), -1.0f, "clipnorm" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, clipnorm), nan, "clipnorm" },
    { FT_OPT_ADAM, offsetof (FtOptimizerSpec, global_clipnorm), -1.0f, "global_clipnorm" },
    { FT_OPT_RMSPROP, offsetof (FtOptimizerSpec, clipvalue), -0.5f, "clipvalue" },
    { FT_OPT_ADAGRAD, offsetof (FtOptimizerSpec, clipvalue), inf, "clipvalue" },
  };
  for (size_t b = 0; b < G_N_ELEMENTS (bad); b++)
    {
      FtOptimizerSpec s = ft_optimizer_spec_default (bad[b].kind);
      memcpy ((char *) &s + bad[b].field, &bad[b].value, sizeof (float));
      g_autoptr (GError) error = NULL;
      g_assert_false (ft_optimizer_spec_validate (&s, &error));
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      if (strstr (error->message, bad[b].param) == NULL)
        g_error ("case %zu: message \"%s\" does not name %s", b, error->message, bad[b].param);
      g_test_message ("rejected: %s", error->message);
    }
}

static void
test_validate_clips (void)
{
  /* More than one clip, as Keras refuses. */
  FtOptimizerSpec s = ft_optimizer_spec_default (FT_OPT_ADAM);
  s.clipnorm = 1.0f;
  s.clipvalue = 0.5f;
  g_autoptr (GError) error = NULL;
  g_assert_false (ft_optimizer_spec_validate (&s, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "clipnorm"));
  g_assert_nonnull (strstr (error->message, "clipvalue"));
  g_clear_error (&error);

  s = ft_optimizer_spec_default (FT_OPT_SGD);
  s.global_clipnorm = 1.0f;
  s.clipnorm = 2.0f;
  g_assert_false (ft_optimizer_spec_validate (&s, &error));
  g_assert_nonnull (strstr (error->message, "global_clipnorm"));
  g_clear_error (&error);

  /* Each alone, and the edges that are allowed. */
  const float ok_values[] = { 0.0f, 1e-6f, 1.0f, 1e6f };
  for (size_t v = 0; v < G_N_ELEMENTS (ok_values); v++)
    {
      s = ft_optimizer_spec_default (FT_OPT_SGD);
      s.clipnorm = ok_values[v];
      g_assert_true (ft_optimizer_spec_validate (&s, NULL));
      s = ft_optimizer_spec_default (FT_OPT_SGD);
      s.global_clipnorm = ok_values[v];
      g_assert_true (ft_optimizer_spec_validate (&s, NULL));
      s = ft_optimizer_spec_default (FT_OPT_SGD);
      s.clipvalue = ok_values[v];
      g_assert_true (ft_optimizer_spec_validate (&s, NULL));
    }
  s = ft_optimizer_spec_default (FT_OPT_SGD);
  s.momentum = 1.0f; /* Keras allows [0, 1] */
  s.learning_rate = 0.0f;
  g_assert_true (ft_optimizer_spec_validate (&s, NULL));
  s = ft_optimizer_spec_default (FT_OPT_ADAM);
  s.beta_1 = 0.0f;
  s.beta_2 = 0.0f;
  s.epsilon = 0.0f;
  g_assert_true (ft_optimizer_spec_validate (&s, NULL));
  s = ft_optimizer_spec_default (FT_OPT_ADAGRAD);
  s.initial_accumulator_value = 0.0f;
  g_assert_true (ft_optimizer_spec_validate (&s, NULL));
  /* Parameters an optimizer does not have are not its business. */
  s = ft_optimizer_spec_default (FT_OPT_ADAGRAD);
  s.beta_1 = 7.0f;
  s.momentum = -3.0f;
  g_assert_true (ft_optimizer_spec_validate (&s, NULL));
  /* Unknown kind. */
  s = ft_optimizer_spec_default (FT_OPT_SGD);
  s.kind = FT_N_OPTIMIZERS;
  g_assert_false (ft_optimizer_spec_validate (&s, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
}

/* ---- state layout ---- */

static void
assert_layout (FtOptimizerKind kind, Hyper h, int n_slots, const char *const *names)
{
  h.kind = kind;
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p;
  problem_init (&p);
  FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
  g_assert_cmpint (ft_optimizer_n_slots (opt), ==, n_slots);
  g_assert_cmpuint (ft_optimizer_state_size (opt), ==, (size_t) n_slots * N_TOTAL);
  if (n_slots > 0)
    g_assert_nonnull (ft_optimizer_state (opt));
  for (int s = 0; s < n_slots; s++)
    {
      g_assert_cmpstr (ft_optimizer_slot_name (opt, s), ==, names[s]);
      /* slot-major: slot s holds every variable in order, back to back */
      for (int i = 0; i < N_VARS; i++)
        g_assert_cmpuint (ft_optimizer_slot_offset (opt, s, i), ==, (size_t) (s * N_TOTAL + var_start[i]));
    }
  ft_optimizer_free (opt);
  problem_clear (&p);
}

static void
test_state_layout (void)
{
  Hyper h = hyper_default (FT_OPT_SGD);
  assert_layout (FT_OPT_SGD, h, 0, NULL);
  h.momentum = 0.9;
  assert_layout (FT_OPT_SGD, h, 1, (const char *const[]){ "momentum" });

  h = hyper_default (FT_OPT_ADAM);
  assert_layout (FT_OPT_ADAM, h, 2, (const char *const[]){ "momentum", "velocity" });
  h.amsgrad = true;
  assert_layout (FT_OPT_ADAM, h, 3, (const char *const[]){ "momentum", "velocity", "velocity_hat" });

  h = hyper_default (FT_OPT_RMSPROP);
  assert_layout (FT_OPT_RMSPROP, h, 1, (const char *const[]){ "velocity" });
  h.momentum = 0.5;
  assert_layout (FT_OPT_RMSPROP, h, 2, (const char *const[]){ "velocity", "momentum" });
  h.centered = true;
  assert_layout (FT_OPT_RMSPROP, h, 3, (const char *const[]){ "velocity", "momentum", "average_gradient" });
  h.momentum = 0;
  assert_layout (FT_OPT_RMSPROP, h, 2, (const char *const[]){ "velocity", "average_gradient" });

  h = hyper_default (FT_OPT_ADAGRAD);
  assert_layout (FT_OPT_ADAGRAD, h, 1, (const char *const[]){ "accumulator" });
}

/* Writing the state block (as a checkpoint restore does) is what the next step uses. */
static void
test_state_restore (void)
{
  static const bool all[N_VARS] = { true, true };
  Hyper h = adam (true, 1e-7);
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem p, q;
  problem_init (&p);
  problem_init (&q);
  FtOptimizer *a = ft_optimizer_new (&spec, N_VARS, p.w);
  FtOptimizer *b = ft_optimizer_new (&spec, N_VARS, q.w);
  double g[N_TOTAL];
  for (int k = 0; k < 2; k++)
    {
      problem_grads (&p, k, g);
      ft_optimizer_apply (a, p.g, p.w, all);
    }
  /* restore a's state, iterations and weights into b */
  memcpy (ft_optimizer_state (b), ft_optimizer_state (a), ft_optimizer_state_size (a) * sizeof (float));
  ft_optimizer_set_iterations (b, ft_optimizer_iterations (a));
  for (int i = 0; i < N_VARS; i++)
    memcpy (q.w[i]->data, p.w[i]->data, (size_t) var_size[i] * sizeof (float));
  problem_grads (&p, 2, g);
  problem_grads (&q, 2, g);
  ft_optimizer_apply (a, p.g, p.w, NULL);
  ft_optimizer_apply (b, q.g, q.w, NULL);
  for (int i = 0; i < N_VARS; i++)
    g_assert_cmpmem (p.w[i]->data, (size_t) var_size[i] * sizeof (float), q.w[i]->data,
                     (size_t) var_size[i] * sizeof (float));
  g_assert_cmpmem (ft_optimizer_state (a), ft_optimizer_state_size (a) * sizeof (float),
                   ft_optimizer_state (b), ft_optimizer_state_size (b) * sizeof (float));
  ft_optimizer_free (a);
  ft_optimizer_free (b);
  problem_clear (&p);
  problem_clear (&q);
}

/* ---- allocation ---- */

static void
test_apply_allocates_nothing (void)
{
  Hyper cases[6];
  cases[0] = sgd (0.9, true);
  cases[0].clipnorm = 0.2;
  cases[1] = sgd (0, false);
  cases[1].clipvalue = 0.1;
  cases[2] = adam (true, 1e-7);
  cases[2].global_clipnorm = 0.3;
  cases[3] = adam (false, 1e-7);
  cases[4] = rmsprop (0.5, true, 1e-7);
  cases[4].clipnorm = 0.2;
  cases[5] = adagrad (1e-7);
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      FtOptimizerSpec spec = hyper_spec (&cases[c]);
      Problem p;
      problem_init (&p);
      FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
      double g[N_TOTAL];
      uint64_t before = ft_alloc_count ();
      for (int k = 0; k < 10; k++)
        {
          problem_grads (&p, k, g);
          ft_optimizer_apply (opt, p.g, p.w, NULL);
        }
      uint64_t after = ft_alloc_count ();
      g_assert_cmpuint (after, ==, before);
      g_assert_cmpint (ft_optimizer_iterations (opt), ==, 10);
      ft_optimizer_free (opt);
      problem_clear (&p);
    }
}

/* ---- AdamW, Nadam, Adamax ---- */

static Hyper
adam_family (FtOptimizerKind kind)
{
  Hyper h = hyper_default (kind);
  h.lr = 0.1;
  return h;
}

static void
test_adamw_one (void)
{
  Hyper h = adam_family (FT_OPT_ADAMW);
  run_case (&h, 1, NULL);
}

/* Keras' default decay (0.004) against a large one that moves weights by 2 % per step. */
static void
test_adamw_three (void)
{
  Hyper h = adam_family (FT_OPT_ADAMW);
  run_case (&h, 3, NULL);
  h.weight_decay = 0.2;
  h.amsgrad = true;
  run_case (&h, 3, NULL);
}

/* The decay applies only to variables that got a gradient, as Keras filters the others out first. */
static void
test_adamw_skips_unconnected (void)
{
  Hyper h = adam_family (FT_OPT_ADAMW);
  h.weight_decay = 0.5;
  const bool connected[N_VARS] = { false, true };
  run_case (&h, 2, connected);
}

/* Without the decay AdamW is Adam: the same weights to the bit. */
static void
test_adamw_without_decay_is_adam (void)
{
  Hyper ha = adam_family (FT_OPT_ADAM), hw = adam_family (FT_OPT_ADAMW);
  hw.weight_decay = 0;
  FtOptimizerSpec sa = hyper_spec (&ha), sw = hyper_spec (&hw);
  Problem pa, pw;
  problem_init (&pa);
  problem_init (&pw);
  FtOptimizer *a = ft_optimizer_new (&sa, N_VARS, pa.w), *w = ft_optimizer_new (&sw, N_VARS, pw.w);
  for (int k = 0; k < 3; k++)
    {
      double g[N_TOTAL];
      problem_grads (&pa, k, g);
      problem_grads (&pw, k, g);
      ft_optimizer_apply (a, pa.g, pa.w, NULL);
      ft_optimizer_apply (w, pw.g, pw.w, NULL);
    }
  for (int i = 0; i < N_VARS; i++)
    g_assert_cmpmem (pa.w[i]->data, var_size[i] * sizeof (float), pw.w[i]->data,
                     var_size[i] * sizeof (float));
  g_assert_cmpint (ft_optimizer_paired_slots (w), ==, 2);
  ft_optimizer_free (a);
  ft_optimizer_free (w);
  problem_clear (&pa);
  problem_clear (&pw);
}

static void
test_nadam_one (void)
{
  Hyper h = adam_family (FT_OPT_NADAM);
  run_case (&h, 1, NULL);
}

static void
test_nadam_three (void)
{
  Hyper h = adam_family (FT_OPT_NADAM);
  run_case (&h, 3, NULL);
  h.beta_1 = 0.5;
  h.epsilon = 0.01;
  run_case (&h, 3, NULL);
}

/* The schedule product is rebuilt from the step count: resuming at iteration 3 with the state of three
 * steps continues exactly as the uninterrupted optimizer. */
static void
test_nadam_resume (void)
{
  Hyper h = adam_family (FT_OPT_NADAM);
  FtOptimizerSpec spec = hyper_spec (&h);
  Problem a, b;
  problem_init (&a);
  problem_init (&b);
  FtOptimizer *first = ft_optimizer_new (&spec, N_VARS, a.w);
  double g[N_TOTAL];
  for (int k = 0; k < 3; k++)
    {
      problem_grads (&a, k, g);
      ft_optimizer_apply (first, a.g, a.w, NULL);
    }
  FtOptimizer *resumed = ft_optimizer_new (&spec, N_VARS, b.w);
  for (int i = 0; i < N_VARS; i++)
    memcpy (b.w[i]->data, a.w[i]->data, (size_t) var_size[i] * sizeof (float));
  memcpy (ft_optimizer_state (resumed), ft_optimizer_state (first),
          ft_optimizer_state_size (first) * sizeof (float));
  ft_optimizer_set_iterations (resumed, 3);
  problem_grads (&a, 3, g);
  problem_grads (&b, 3, g);
  ft_optimizer_apply (first, a.g, a.w, NULL);
  ft_optimizer_apply (resumed, b.g, b.w, NULL);
  for (int i = 0; i < N_VARS; i++)
    g_assert_cmpmem (a.w[i]->data, var_size[i] * sizeof (float), b.w[i]->data, var_size[i] * sizeof (float));
  g_assert_cmpint (ft_optimizer_paired_slots (first), ==, 2);
  ft_optimizer_free (first);
  ft_optimizer_free (resumed);
  problem_clear (&a);
  problem_clear (&b);
}

static void
test_adamax_one (void)
{
  Hyper h = adam_family (FT_OPT_ADAMAX);
  run_case (&h, 1, NULL);
}

/* Step 3's gradient is 60 times smaller than step 2's: u keeps β₂·u₂, not |g₃| (the max matters). */
static void
test_adamax_three (void)
{
  Hyper h = adam_family (FT_OPT_ADAMAX);
  run_case (&h, 3, NULL);
  h.epsilon = 0.01;
  h.beta_2 = 0.5;
  run_case (&h, 3, NULL);
}

/* Slot names and order as Keras creates them. */
static void
test_new_kinds_slots (void)
{
  static const struct
  {
    FtOptimizerKind kind;
    const char *slots[3];
    int paired;
  } cases[] = {
    { FT_OPT_ADAMW, { "momentum", "velocity", NULL }, 2 },
    { FT_OPT_NADAM, { "momentum", "velocity", NULL }, 2 },
    { FT_OPT_ADAMAX, { "momentum", "norm", NULL }, 2 },
  };
  Problem p;
  problem_init (&p);
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      FtOptimizerSpec spec = ft_optimizer_spec_default (cases[c].kind);
      FtOptimizer *opt = ft_optimizer_new (&spec, N_VARS, p.w);
      g_assert_cmpint (ft_optimizer_n_slots (opt), ==, 2);
      for (int s = 0; s < 2; s++)
        g_assert_cmpstr (ft_optimizer_slot_name (opt, s), ==, cases[c].slots[s]);
      g_assert_cmpint (ft_optimizer_paired_slots (opt), ==, cases[c].paired);
      g_assert_cmpuint (ft_optimizer_state_size (opt), ==, 2 * N_TOTAL);
      ft_optimizer_free (opt);
    }
  problem_clear (&p);
}

/* ---- long vectors: the vectorised main loops and their remainders ---- */

static void
test_long_vector (void)
{
  const int n = 1037; /* not a multiple of any vector width */
  FtRng rng;
  ft_rng_seed (&rng, 42, 0);
  int shape[1] = { n };
  FtTensor *w = ft_tensor_new (1, shape);
  FtTensor *g = ft_tensor_new (1, shape);
  ft_test_fill_uniform (w, &rng, -1.0f, 1.0f);
  const FtOptimizerKind kinds[4] = { FT_OPT_SGD, FT_OPT_ADAM, FT_OPT_RMSPROP, FT_OPT_ADAGRAD };
  for (int c = 0; c < 4; c++)
    {
      Hyper h = hyper_default (kinds[c]);
      h.lr = 0.05;
      h.momentum = kinds[c] == FT_OPT_ADAM || kinds[c] == FT_OPT_ADAGRAD ? 0 : 0.5;
      h.centered = true;
      h.amsgrad = true;
      h.clipnorm = 1.0;
      FtOptimizerSpec spec = hyper_spec (&h);
      g_assert_true (ft_optimizer_spec_validate (&spec, NULL));
      FtOptimizer *opt = ft_optimizer_new (&spec, 1, &w);
      double *rw = g_new (double, (size_t) n), *s1 = g_new0 (double, (size_t) n);
      double *s2 = g_new0 (double, (size_t) n), *s3 = g_new0 (double, (size_t) n);
      for (int j = 0; j < n; j++)
        {
          rw[j] = w->data[j];
          if (kinds[c] == FT_OPT_ADAGRAD)
            s1[j] = f32 (0.1);
        }
      for (int k = 1; k <= 2; k++)
        {
          ft_test_fill_uniform (g, &rng, -0.5f, 0.5f);
          double norm = 0;
          for (int j = 0; j < n; j++)
            norm += (double) g->data[j] * g->data[j];
          norm = sqrt (norm); /* ≈ 9.3 > clipnorm 1 */
          double lr = f32 (h.lr), mu = f32 (h.momentum), eps = f32 (h.epsilon);
          double alpha = lr * sqrt (1 - pow (f32 (0.999), k)) / (1 - pow (f32 (0.9), k));
          for (int j = 0; j < n; j++)
            {
              double gj = g->data[j] / norm;
              switch (kinds[c])
                {
                case FT_OPT_SGD:
                  s1[j] = mu * s1[j] - lr * gj;
                  rw[j] += s1[j];
                  break;
                case FT_OPT_ADAM:
                  s1[j] = 0.9 * s1[j] + 0.1 * gj;
                  s2[j] = 0.999 * s2[j] + 0.001 * gj * gj;
                  s3[j] = fmax (s3[j], s2[j]);
                  rw[j] -= alpha * s1[j] / (sqrt (s3[j]) + eps);
                  break;
                case FT_OPT_RMSPROP:
                  s1[j] = f32 (0.9) * s1[j] + 0.1 * gj * gj;
                  s2[j] = f32 (0.9) * s2[j] + 0.1 * gj;
                  s3[j] = mu * s3[j] + lr * gj / sqrt (s1[j] - s2[j] * s2[j] + eps);
                  rw[j] -= s3[j];
                  break;
                case FT_OPT_ADAGRAD:
                  s1[j] += gj * gj;
                  rw[j] -= lr * gj / sqrt (s1[j] + eps);
                  break;
                case FT_N_OPTIMIZERS:
                case FT_OPT_ADAMAX:
                case FT_OPT_ADAMW:
                case FT_OPT_NADAM:
                  g_assert_not_reached ();
                }
            }
          ft_optimizer_apply (opt, &g, &w, NULL);
        }
      float *expected = g_new (float, (size_t) n);
      for (int j = 0; j < n; j++)
        expected[j] = (float) rw[j];
      /* |w| ≤ 1.3 here; same float32 argument as W_ATOL, plus the clip's norm computed in float32 */
      ft_test_assert_close (ft_optimizer_kind_name (kinds[c]), w->data, expected, (size_t) n, 1e-6f, 1e-6f);
      for (int j = 0; j < n; j++)
        w->data[j] = (float) rw[j];
      g_free (expected);
      g_free (rw);
      g_free (s1);
      g_free (s2);
      g_free (s3);
      ft_optimizer_free (opt);
    }
  ft_tensor_free (w);
  ft_tensor_free (g);
}

/* ---- performance (only with -m perf): Adam over the CNN benchmark's 2.77M-float Dense kernel ---- */

static void
test_perf_adam (void)
{
  if (!g_test_perf ())
    {
      g_test_skip ("run with -m perf");
      return;
    }
  int shape[2] = { 21632, 128 };
  FtTensor *w = ft_tensor_new (2, shape);
  FtTensor *g = ft_tensor_new (2, shape);
  FtRng rng;
  ft_rng_seed (&rng, 1, 0);
  ft_test_fill_uniform (w, &rng, -0.1f, 0.1f);
  ft_test_fill_uniform (g, &rng, -0.01f, 0.01f);
  const FtOptimizerKind kinds[4] = { FT_OPT_SGD, FT_OPT_ADAM, FT_OPT_RMSPROP, FT_OPT_ADAGRAD };
  for (int c = 0; c < 4; c++)
    {
      FtOptimizerSpec spec = ft_optimizer_spec_default (kinds[c]);
      FtOptimizer *opt = ft_optimizer_new (&spec, 1, &w);
      ft_optimizer_apply (opt, &g, &w, NULL);
      const int steps = 50;
      gint64 t0 = g_get_monotonic_time ();
      for (int k = 0; k < steps; k++)
        ft_optimizer_apply (opt, &g, &w, NULL);
      double ms = (double) (g_get_monotonic_time () - t0) / 1000.0 / steps;
      g_test_minimized_result (ms, "%s over %zu floats: %.3f ms per step", ft_optimizer_kind_name (kinds[c]),
                               w->size, ms);
      ft_optimizer_free (opt);
    }
  ft_tensor_free (w);
  ft_tensor_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/optimizers/sgd/plain/one-step", test_sgd_plain_one);
  g_test_add_func ("/optimizers/adamw/one-step", test_adamw_one);
  g_test_add_func ("/optimizers/adamw/three-steps", test_adamw_three);
  g_test_add_func ("/optimizers/adamw/skips-unconnected", test_adamw_skips_unconnected);
  g_test_add_func ("/optimizers/adamw/without-decay-is-adam", test_adamw_without_decay_is_adam);
  g_test_add_func ("/optimizers/nadam/one-step", test_nadam_one);
  g_test_add_func ("/optimizers/nadam/three-steps", test_nadam_three);
  g_test_add_func ("/optimizers/nadam/resume", test_nadam_resume);
  g_test_add_func ("/optimizers/adamax/one-step", test_adamax_one);
  g_test_add_func ("/optimizers/adamax/three-steps", test_adamax_three);
  g_test_add_func ("/optimizers/new-kinds/slots", test_new_kinds_slots);
  g_test_add_func ("/optimizers/sgd/plain/three-steps", test_sgd_plain_three);
  g_test_add_func ("/optimizers/sgd/plain/by-hand", test_sgd_by_hand);
  g_test_add_func ("/optimizers/sgd/momentum/one-step", test_sgd_momentum_one);
  g_test_add_func ("/optimizers/sgd/momentum/three-steps", test_sgd_momentum_three);
  g_test_add_func ("/optimizers/sgd/nesterov/one-step", test_sgd_nesterov_one);
  g_test_add_func ("/optimizers/sgd/nesterov/three-steps", test_sgd_nesterov_three);

  g_test_add_func ("/optimizers/adam/plain/one-step", test_adam_plain_one);
  g_test_add_func ("/optimizers/adam/plain/three-steps", test_adam_plain_three);
  g_test_add_func ("/optimizers/adam/amsgrad/one-step", test_adam_amsgrad_one);
  g_test_add_func ("/optimizers/adam/amsgrad/three-steps", test_adam_amsgrad_three);
  g_test_add_func ("/optimizers/adam/epsilon-outside-sqrt", test_adam_epsilon_outside_sqrt);
  g_test_add_func ("/optimizers/adam/first-step-moves-by-lr", test_adam_first_step_is_lr);
  g_test_add_func ("/optimizers/adam/resume-iterations", test_adam_resume_iterations);

  g_test_add_func ("/optimizers/rmsprop/plain/one-step", test_rmsprop_plain_one);
  g_test_add_func ("/optimizers/rmsprop/plain/three-steps", test_rmsprop_plain_three);
  g_test_add_func ("/optimizers/rmsprop/momentum/one-step", test_rmsprop_momentum_one);
  g_test_add_func ("/optimizers/rmsprop/momentum/three-steps", test_rmsprop_momentum_three);
  g_test_add_func ("/optimizers/rmsprop/centered/one-step", test_rmsprop_centered_one);
  g_test_add_func ("/optimizers/rmsprop/centered/three-steps", test_rmsprop_centered_three);
  g_test_add_func ("/optimizers/rmsprop/centered-momentum/three-steps", test_rmsprop_centered_momentum_three);
  g_test_add_func ("/optimizers/rmsprop/epsilon-inside-sqrt", test_rmsprop_epsilon_inside_sqrt);
  g_test_add_func ("/optimizers/rmsprop/keras-docstring-example", test_rmsprop_keras_docstring);

  g_test_add_func ("/optimizers/adagrad/one-step", test_adagrad_one);
  g_test_add_func ("/optimizers/adagrad/three-steps", test_adagrad_three);
  g_test_add_func ("/optimizers/adagrad/epsilon-inside-sqrt", test_adagrad_epsilon_inside_sqrt);
  g_test_add_func ("/optimizers/adagrad/initial-accumulator", test_adagrad_initial_accumulator);

  g_test_add_func ("/optimizers/clip/clipnorm", test_clipnorm);
  g_test_add_func ("/optimizers/clip/clipnorm-in-place", test_clipnorm_in_place);
  g_test_add_func ("/optimizers/clip/global-clipnorm", test_global_clipnorm);
  g_test_add_func ("/optimizers/clip/clipvalue", test_clipvalue);

  g_test_add_func ("/optimizers/apply/connected-skips-variables", test_connected_skips);
  g_test_add_func ("/optimizers/apply/set-learning-rate", test_set_learning_rate);
  g_test_add_func ("/optimizers/apply/allocates-nothing", test_apply_allocates_nothing);
  g_test_add_func ("/optimizers/apply/long-vector", test_long_vector);

  g_test_add_func ("/optimizers/spec/defaults", test_spec_defaults);
  g_test_add_func ("/optimizers/spec/kind-names", test_kind_names);
  g_test_add_func ("/optimizers/spec/validate-rejects-bad-values", test_validate_rejects);
  g_test_add_func ("/optimizers/spec/validate-clips", test_validate_clips);

  g_test_add_func ("/optimizers/state/layout", test_state_layout);
  g_test_add_func ("/optimizers/state/restore", test_state_restore);

  g_test_add_func ("/optimizers/perf/adam-2.77M", test_perf_adam);

  return g_test_run ();
}
