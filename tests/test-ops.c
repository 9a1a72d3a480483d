/* test-ops.c — every op and every layer against finite differences (training and inference modes), and
 * the forward values that matter: activations, dropout and batch normalization in both modes, losses
 * (Keras' clipping, stability at logits of ±1000, sample weights), initializers and the summary table.
 *
 * Gradient-check tolerance: central differences in float32 with eps = 1e-2 on inputs of order one have a
 * truncation error O(eps²·f''') ≈ 1e-4 and a rounding error ≈ 1e-7/eps ≈ 1e-5 per unit of the objective,
 * so |analytic − numeric| ≤ 2e-3 + 2e-2·|value| separates a right gradient from a wrong one (wrong
 * gradients are off by O(1) factors). Inputs avoid kinks (ReLU at 0, clipping bounds, max-pool ties). */
#include "fittape-engine.h"
#include "ft-test-util.h"

#include <math.h>
#include <string.h>

#define EPS  1e-2f
#define ATOL 2e-3f
#define RTOL 2e-2f

static FtTensor *
rand_tensor (FtRng *rng, int ndim, const int *shape, float lo, float hi)
{
  FtTensor *t = ft_tensor_new (ndim, shape);
  ft_test_fill_uniform (t, rng, lo, hi);
  return t;
}

/* Moves values out of (−margin, margin) so ReLU-like kinks are not straddled by ±EPS. */
static void
avoid_zero (FtTensor *t, float margin)
{
  for (size_t i = 0; i < t->size; i++)
    if (fabsf (t->data[i]) < margin)
      t->data[i] = t->data[i] < 0 ? -margin - fabsf (t->data[i]) : margin + t->data[i];
}

/* ---- basic ops ---- */

static FtTensor *
fw_basic (FtTape *tape, FtTensor *const *in, void *user)
{
  /* ((a + b) · a − 0.5·b) then matmul with c */
  FtTensor *t = ft_op_sub (tape, ft_op_mul (tape, ft_op_add (tape, in[0], in[1]), in[0]),
                           ft_op_scale (tape, in[1], 0.5f));
  return ft_op_matmul (tape, t, in[2]);
}

static void
test_basic_ops (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 1, 0);
  int s[2] = { 3, 4 }, c[2] = { 4, 2 };
  FtTensor *in[3] = { rand_tensor (&rng, 2, s, -1, 1), rand_tensor (&rng, 2, s, -1, 1),
                      rand_tensor (&rng, 2, c, -1, 1) };
  bool check[3] = { true, true, true };
  ft_test_gradcheck (fw_basic, NULL, 3, in, check, EPS, ATOL, RTOL, 0);
  for (int i = 0; i < 3; i++)
    ft_tensor_free (in[i]);
}

static FtTensor *
fw_reduce (FtTape *tape, FtTensor *const *in, void *user)
{
  int shape[3] = { 2, 3, -1 };
  FtTensor *r = ft_op_reshape (tape, ft_op_mul (tape, in[0], in[0]), 3, shape);
  FtTensor *m = ft_op_mean (tape, ft_op_flatten (tape, r));
  return ft_op_add (tape, ft_op_scale (tape, m, 3.0f), ft_op_sum (tape, in[0]));
}

static void
test_reduce_reshape (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 2, 0);
  int s[2] = { 6, 4 };
  FtTensor *x = rand_tensor (&rng, 2, s, -1, 1);
  bool check[1] = { true };
  ft_test_gradcheck (fw_reduce, NULL, 1, &x, check, EPS, ATOL, RTOL, 0);
  ft_tensor_free (x);
}

/* ---- activations, standalone and fused into dense ---- */

typedef struct
{
  FtActivation act;
  bool use_bias;
} ActCase;

static FtTensor *
fw_activation (FtTape *tape, FtTensor *const *in, void *user)
{
  return ft_op_activation (tape, in[0], ((ActCase *) user)->act);
}

static FtTensor *
fw_dense (FtTape *tape, FtTensor *const *in, void *user)
{
  ActCase *c = user;
  return ft_op_dense (tape, in[0], in[1], c->use_bias ? in[2] : NULL, c->act);
}

static void
test_activations (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 3, 0);
  for (int a = 0; a < FT_N_ACTIVATIONS; a++)
    {
      ActCase c = { (FtActivation) a, true };
      int s[2] = { 3, 5 };
      FtTensor *x = rand_tensor (&rng, 2, s, -2, 2);
      avoid_zero (x, 0.05f);
      bool check[1] = { true };
      if (g_test_verbose ())
        g_printerr ("activation %s\n", ft_activation_name (c.act));
      ft_test_gradcheck (fw_activation, &c, 1, &x, check, EPS, ATOL, RTOL, 0);
      ft_tensor_free (x);
    }
}

static void
test_activation_values (void)
{
  float z[4] = { -1.0f, 0.0f, 0.5f, 2.0f }, y[4];
  ft_activation_forward (FT_ACT_LEAKY_RELU, y, z, 1, 4);
  g_assert_cmpfloat_with_epsilon (y[0], -0.2f, 1e-7); /* Keras 3: negative_slope 0.2 */
  ft_activation_forward (FT_ACT_ELU, y, z, 1, 4);
  g_assert_cmpfloat_with_epsilon (y[0], expm1f (-1.0f), 1e-7);
  ft_activation_forward (FT_ACT_GELU, y, z, 1, 4);
  g_assert_cmpfloat_with_epsilon (y[3], 1.9544997f, 1e-6); /* exact erf form */
  ft_activation_forward (FT_ACT_SOFTMAX, y, z, 1, 4);
  float s = y[0] + y[1] + y[2] + y[3];
  g_assert_cmpfloat_with_epsilon (s, 1.0f, 1e-6);
  float big[3] = { 1000.0f, -1000.0f, 0.0f };
  ft_activation_forward (FT_ACT_SOFTMAX, y, big, 1, 3);
  g_assert_cmpfloat (y[0], ==, 1.0f);
  g_assert_true (isfinite (y[1]) && isfinite (y[2]));
  ft_activation_forward (FT_ACT_SIGMOID, y, big, 1, 3);
  g_assert_cmpfloat (y[0], ==, 1.0f);
  g_assert_cmpfloat (y[1], ==, 0.0f);
  FtActivation act;
  g_assert_true (ft_activation_from_name ("leaky_relu", &act) && act == FT_ACT_LEAKY_RELU);
  g_assert_true (ft_activation_from_name (NULL, &act) && act == FT_ACT_LINEAR);
  g_assert_false (ft_activation_from_name ("swishy", &act));
}

static void
test_dense (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 4, 0);
  for (int a = 0; a < FT_N_ACTIVATIONS; a++)
    for (int bias = 0; bias < 2; bias++)
      {
        ActCase c = { (FtActivation) a, bias };
        int xs[2] = { 4, 3 }, ws[2] = { 3, 5 }, bs[1] = { 5 };
        FtTensor *in[3] = { rand_tensor (&rng, 2, xs, -1, 1), rand_tensor (&rng, 2, ws, -1, 1),
                            rand_tensor (&rng, 1, bs, -0.5f, 0.5f) };
        bool check[3] = { true, true, bias };
        /* Keep pre-activations away from the ReLU kink: re-draw until |z| > 0.05 everywhere. */
        for (int tries = 0; tries < 100; tries++)
          {
            FtTape *t = ft_tape_new (false);
            FtTensor *z = ft_op_dense (t, in[0], in[1], bias ? in[2] : NULL, FT_ACT_LINEAR);
            bool ok = true;
            for (size_t i = 0; i < z->size; i++)
              ok = ok && fabsf (z->data[i]) > 0.05f;
            ft_tape_free (t);
            if (ok)
              break;
            ft_test_fill_uniform (in[0], &rng, -1, 1);
          }
        ft_test_gradcheck (fw_dense, &c, 3, in, check, EPS, ATOL, RTOL, 0);
        for (int i = 0; i < 3; i++)
          ft_tensor_free (in[i]);
      }
}

/* A wide, short dense layer (in ≥ 1,024: its input gradient goes by slabs of dxᵀ, transposed) with its
 * input used twice (the second gradient adds into the first), against sums in double, and the same bits
 * with 1, 2 and 3 threads. in = 1,100: two whole slabs and one of 76 rows (not a multiple of eight). */
static void
wide_dense_dx (FtTensor *const *in, int threads, FtTensor *dx)
{
  FtThreads *team = threads > 1 ? ft_threads_new (threads) : NULL;
  ft_threads_set_current (team);
  FtTape *t = ft_tape_new (false);
  ft_tape_watch (t, in[0]);
  FtTensor *y1 = ft_op_dense (t, in[0], in[1], NULL, FT_ACT_LINEAR);
  FtTensor *y2 = ft_op_dense (t, in[0], in[2], NULL, FT_ACT_TANH);
  FtTensor *l = ft_op_add (t, ft_op_sum (t, y1), ft_op_sum (t, y2));
  g_autoptr (GError) error = NULL;
  g_assert_true (ft_tape_gradient_into (t, l, 1, in, &dx, NULL, &error));
  ft_tape_free (t);
  ft_threads_set_current (NULL);
  ft_threads_free (team);
}

static void
test_dense_wide_input_gradient (void)
{
  enum
  {
    N = 5,
    IN = 1100,
    OUT = 7
  };
  FtRng rng;
  ft_rng_seed (&rng, 9, 0);
  int xs[2] = { N, IN }, ws[2] = { IN, OUT };
  FtTensor *in[3] = { rand_tensor (&rng, 2, xs, -1, 1), rand_tensor (&rng, 2, ws, -0.1f, 0.1f),
                      rand_tensor (&rng, 2, ws, -0.1f, 0.1f) };
  FtTensor *dx[3];
  for (int th = 0; th < 3; th++)
    {
      dx[th] = ft_tensor_new (2, xs);
      wide_dense_dx (in, th + 1, dx[th]);
    }
  float *ref = g_new (float, (size_t) N *IN);
  for (int b = 0; b < N; b++)
    for (int j = 0; j < OUT; j++)
      {
        double z = 0; /* y2's pre-activation: d tanh = 1 − tanh² */
        for (int i = 0; i < IN; i++)
          z += (double) in[0]->data[b * IN + i] * in[2]->data[i * OUT + j];
        const double d2 = 1.0 - tanh (z) * tanh (z);
        for (int i = 0; i < IN; i++)
          ref[b * IN + i] = (float) ((j ? ref[b * IN + i] : 0.0) + in[1]->data[i * OUT + j]
                                     + d2 * in[2]->data[i * OUT + j]);
      }
  ft_test_assert_close ("wide dense dx", dx[0]->data, ref, (size_t) N * IN, 1e-5f, 1e-4f);
  for (int th = 1; th < 3; th++)
    g_assert_cmpmem (dx[th]->data, dx[th]->size * sizeof (float), dx[0]->data, dx[0]->size * sizeof (float));
  g_free (ref);
  for (int i = 0; i < 3; i++)
    {
      ft_tensor_free (in[i]);
      ft_tensor_free (dx[i]);
    }
}

/* ---- dropout ---- */

typedef struct
{
  float rate;
  bool training;
  uint64_t seed;
} DropCase;

static FtTensor *
fw_dropout (FtTape *tape, FtTensor *const *in, void *user)
{
  DropCase *c = user;
  FtRng rng;
  ft_rng_seed (&rng, c->seed, FT_RNG_STREAM_DROPOUT); /* the same mask at every evaluation */
  /* Multiply first so the op under test sees a recorded (tracked) input in both modes. */
  FtTensor *h = ft_op_scale (tape, in[0], 1.0f);
  return ft_op_dropout (tape, h, c->rate, c->training, &rng);
}

static void
test_dropout (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 5, 0);
  int s[2] = { 50, 40 };
  FtTensor *x = rand_tensor (&rng, 2, s, 0.5f, 1.5f);
  bool check[1] = { true };
  DropCase train = { 0.3f, true, 42 }, infer = { 0.3f, false, 42 };
  ft_test_gradcheck (fw_dropout, &train, 1, &x, check, EPS, ATOL, RTOL, 200);
  ft_test_gradcheck (fw_dropout, &infer, 1, &x, check, EPS, ATOL, RTOL, 200);

  /* Training: about rate of the units are zero, the others are scaled by 1/(1−rate); the mean is kept. */
  FtTape *tape = ft_tape_new (false);
  FtRng drng;
  ft_rng_seed (&drng, 9, FT_RNG_STREAM_DROPOUT);
  FtTensor *y = ft_op_dropout (tape, x, 0.3f, true, &drng);
  size_t zeros = 0;
  double sx = 0, sy = 0;
  for (size_t i = 0; i < x->size; i++)
    {
      if (y->data[i] == 0.0f)
        zeros++;
      else
        g_assert_cmpfloat_with_epsilon (y->data[i], x->data[i] / 0.7f, 1e-6);
      sx += x->data[i];
      sy += y->data[i];
    }
  double frac = (double) zeros / (double) x->size;
  g_assert_cmpfloat (frac, >, 0.25);
  g_assert_cmpfloat (frac, <, 0.35);
  g_assert_cmpfloat (fabs (sy / sx - 1.0), <, 0.05);
  /* Inference: the identity, no entry on the tape. */
  ft_tape_reset (tape);
  ft_tape_watch (tape, x);
  FtTensor *yi = ft_op_dropout (tape, x, 0.3f, false, &drng);
  g_assert_true (yi == x);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 0);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* ---- batch normalization ---- */

typedef struct
{
  bool training;
  FtTensor *mm, *mv;
} BnCase;

static FtTensor *
fw_bn (FtTape *tape, FtTensor *const *in, void *user)
{
  BnCase *c = user;
  return ft_op_batch_norm (tape, in[0], in[1], in[2], c->mm, c->mv, 0.99f, 1e-3f, c->training);
}

static void
test_batch_norm_gradients (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 6, 0);
  int xs[4] = { 3, 2, 2, 4 }, cs[1] = { 4 };
  FtTensor *in[3] = { rand_tensor (&rng, 4, xs, -2, 2), rand_tensor (&rng, 1, cs, 0.5f, 1.5f),
                      rand_tensor (&rng, 1, cs, -0.5f, 0.5f) };
  BnCase c = { true, rand_tensor (&rng, 1, cs, -0.2f, 0.2f), rand_tensor (&rng, 1, cs, 0.5f, 1.5f) };
  bool check[3] = { true, true, true };
  ft_test_gradcheck (fw_bn, &c, 3, in, check, EPS, ATOL, RTOL, 0);
  c.training = false;
  ft_test_gradcheck (fw_bn, &c, 3, in, check, EPS, ATOL, RTOL, 0);
  for (int i = 0; i < 3; i++)
    ft_tensor_free (in[i]);
  ft_tensor_free (c.mm);
  ft_tensor_free (c.mv);
}

static void
test_batch_norm_modes (void)
{
  /* One channel, batch {1, 2, 3, 6}: mean 3, biased variance 3.5. */
  int xs[2] = { 4, 1 }, cs[1] = { 1 };
  FtTensor *x = ft_tensor_new (2, xs), *mm = ft_tensor_new (1, cs), *mv = ft_tensor_new (1, cs);
  float v[4] = { 1, 2, 3, 6 };
  memcpy (x->data, v, sizeof v);
  mm->data[0] = 0.0f;
  mv->data[0] = 1.0f;
  FtTape *tape = ft_tape_new (false);
  FtTensor *y = ft_op_batch_norm (tape, x, NULL, NULL, mm, mv, 0.99f, 1e-3f, true);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (y->data[i], (v[i] - 3.0f) / sqrtf (3.5f + 1e-3f), 1e-6);
  g_assert_cmpfloat_with_epsilon (mm->data[0], 0.99f * 0.0f + 0.01f * 3.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (mv->data[0], 0.99f * 1.0f + 0.01f * 3.5f, 1e-7);
  /* Inference: moving statistics, and they do not move. */
  float mm0 = mm->data[0], mv0 = mv->data[0];
  ft_tape_reset (tape);
  y = ft_op_batch_norm (tape, x, NULL, NULL, mm, mv, 0.99f, 1e-3f, false);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (y->data[i], (v[i] - mm0) / sqrtf (mv0 + 1e-3f), 1e-6);
  g_assert_cmpfloat (mm->data[0], ==, mm0);
  g_assert_cmpfloat (mv->data[0], ==, mv0);
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (mm);
  ft_tensor_free (mv);
}

/* ---- losses ---- */

typedef struct
{
  FtLossSpec spec;
  FtTensor *truth;
  const float *weights;
} LossCase;

static FtTensor *
fw_loss (FtTape *tape, FtTensor *const *in, void *user)
{
  LossCase *c = user;
  return ft_op_loss (tape, &c->spec, in[0], c->truth, c->weights);
}

static void
test_loss_gradients (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 7, 0);
  const int n = 4, k = 3;
  int ps[2] = { n, k }, ls[1] = { n };
  float weights[4] = { 1.0f, 0.5f, 2.0f, 0.0f };
  for (int kind = 0; kind < FT_N_LOSSES; kind++)
    for (int logits = 0; logits < 2; logits++)
      for (int weighted = 0; weighted < 2; weighted++)
        {
          if (kind == FT_LOSS_MEAN_SQUARED_ERROR && logits)
            continue;
          LossCase c = { { (FtLossKind) kind, logits }, NULL, weighted ? weights : NULL };
          FtTensor *pred;
          if (logits || kind == FT_LOSS_MEAN_SQUARED_ERROR)
            pred = rand_tensor (&rng, 2, ps, -2, 2);
          else
            pred = rand_tensor (&rng, 2, ps, 0.15f, 0.85f); /* probabilities away from the clip bounds */
          if (kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
            {
              c.truth = ft_tensor_new (1, ls);
              for (int i = 0; i < n; i++)
                c.truth->data[i] = (float) (i % k);
            }
          else
            {
              c.truth = ft_tensor_new (2, ps);
              for (int i = 0; i < n * k; i++)
                c.truth->data[i] = kind == FT_LOSS_CATEGORICAL_CROSSENTROPY
                                       ? (i % k == (i / k) % k ? 1.0f : 0.0f)
                                   : kind == FT_LOSS_BINARY_CROSSENTROPY ? (float) (i % 2)
                                                                         : ft_rng_uniform (&rng);
            }
          bool check[1] = { true };
          ft_test_gradcheck (fw_loss, &c, 1, &pred, check, 1e-3f, ATOL, RTOL, 0);
          ft_tensor_free (pred);
          ft_tensor_free (c.truth);
        }
}

static float
loss_value (FtLossKind kind, bool logits, const float *pred, int n, int k, const float *truth, const float *w)
{
  FtTape *tape = ft_tape_new (false);
  int ps[2] = { n, k }, ls[1] = { n };
  FtTensor p, t;
  ft_tensor_init_view (&p, (float *) pred, 2, ps);
  if (kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
    ft_tensor_init_view (&t, (float *) truth, 1, ls);
  else
    ft_tensor_init_view (&t, (float *) truth, 2, ps);
  FtLossSpec spec = { kind, logits };
  float v = ft_op_loss (tape, &spec, &p, &t, w)->data[0];
  ft_tape_free (tape);
  return v;
}

static void
test_loss_values (void)
{
  /* Softmax cross-entropy stays finite and exact for logits of ±1000. */
  float big[6] = { 1000.0f, -1000.0f, 0.0f, -1000.0f, 1000.0f, 1000.0f };
  float labels[2] = { 0.0f, 1.0f };
  float l = loss_value (FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, big, 2, 3, labels, NULL);
  g_assert_true (isfinite (l));
  g_assert_cmpfloat_with_epsilon (l, (0.0f + logf (2.0f)) / 2.0f, 1e-6);
  float wrong[2] = { 1.0f, 0.0f };
  l = loss_value (FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, big, 2, 3, wrong, NULL);
  g_assert_true (isfinite (l));
  g_assert_cmpfloat_with_epsilon (l, (2000.0f + 2000.0f + logf (2.0f)) / 2.0f, 1e-2);
  /* The gradient is finite too. */
  {
    FtTape *tape = ft_tape_new (false);
    int ps[2] = { 2, 3 }, ls[1] = { 2 };
    FtTensor *p = ft_tensor_new (2, ps);
    memcpy (p->data, big, sizeof big);
    FtTensor t;
    ft_tensor_init_view (&t, wrong, 1, ls);
    ft_tape_watch (tape, p);
    FtLossSpec spec = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
    FtTensor *g = NULL;
    g_assert_true (ft_tape_gradient (tape, ft_op_loss (tape, &spec, p, &t, NULL), 1, &p, &g, NULL));
    for (int i = 0; i < 6; i++)
      g_assert_true (isfinite (g->data[i]));
    g_assert_cmpfloat_with_epsilon (g->data[0], 0.5f, 1e-6); /* (softmax − onehot)/N */
    ft_tensor_free (g);
    ft_tensor_free (p);
    ft_tape_free (tape);
  }
  /* Binary cross-entropy from logits of ±1000 is finite. */
  float bl[2] = { 1000.0f, -1000.0f }, bt[2] = { 0.0f, 1.0f };
  l = loss_value (FT_LOSS_BINARY_CROSSENTROPY, true, bl, 2, 1, bt, NULL);
  g_assert_cmpfloat_with_epsilon (l, 1000.0f, 1e-3);
  /* From probabilities, Keras clips to [1e-7, 1 − 1e-7]: a certain wrong answer costs −log(1e-7). */
  float probs[3] = { 0.0f, 1.0f, 0.0f }, lab0[1] = { 0.0f };
  l = loss_value (FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, false, probs, 1, 3, lab0, NULL);
  g_assert_cmpfloat_with_epsilon (l, -logf (1e-7f), 1e-3);
  float bp[1] = { 0.0f }, b1[1] = { 1.0f };
  l = loss_value (FT_LOSS_BINARY_CROSSENTROPY, false, bp, 1, 1, b1, NULL);
  g_assert_cmpfloat_with_epsilon (l, -logf (1e-7f), 1e-3);
  /* Sample weights: Σ wᵢ·lᵢ / N, not / Σ w. MSE: mean over the last axis. */
  float mp[4] = { 1, 2, 3, 5 }, mt[4] = { 0, 0, 3, 3 }, mw[2] = { 1.0f, 3.0f };
  l = loss_value (FT_LOSS_MEAN_SQUARED_ERROR, false, mp, 2, 2, mt, NULL);
  g_assert_cmpfloat_with_epsilon (l, ((1 + 4) / 2.0f + (0 + 4) / 2.0f) / 2.0f, 1e-6);
  l = loss_value (FT_LOSS_MEAN_SQUARED_ERROR, false, mp, 2, 2, mt, mw);
  g_assert_cmpfloat_with_epsilon (l, (1.0f * 2.5f + 3.0f * 2.0f) / 2.0f, 1e-6);
  FtLossKind kind;
  g_assert_true (ft_loss_from_name ("mse", &kind) && kind == FT_LOSS_MEAN_SQUARED_ERROR);
  g_assert_true (ft_loss_from_name ("sparse_categorical_crossentropy", &kind));
  g_assert_false (ft_loss_from_name ("hinge", &kind));
}

static FtTensor *
fw_l2 (FtTape *tape, FtTensor *const *in, void *user)
{
  return ft_op_l2 (tape, in[0], 0.01f);
}

static void
test_l2 (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 8, 0);
  int s[2] = { 3, 3 };
  FtTensor *w = rand_tensor (&rng, 2, s, -1, 1);
  bool check[1] = { true };
  ft_test_gradcheck (fw_l2, NULL, 1, &w, check, EPS, 1e-4f, RTOL, 0);
  FtTape *tape = ft_tape_new (false);
  double expect = 0;
  for (size_t i = 0; i < w->size; i++)
    expect += 0.01 * w->data[i] * w->data[i];
  g_assert_cmpfloat_with_epsilon (ft_op_l2 (tape, w, 0.01f)->data[0], expect, 1e-7);
  ft_tape_free (tape);
  ft_tensor_free (w);
}

/* ---- every layer through the model machinery, training and inference ---- */

typedef struct
{
  FtLayerSpec spec;
  bool training;
  int n_weights;
} LayerCase;

static FtTensor *
fw_layer (FtTape *tape, FtTensor *const *in, void *user)
{
  LayerCase *c = user;
  FtRng rng;
  ft_rng_seed (&rng, 77, FT_RNG_STREAM_DROPOUT);
  FtTensor *x = ft_op_scale (tape, in[0], 1.0f); /* a tracked input in both modes */
  return ft_layer_call (&c->spec, tape, x, in + 1, c->training, &rng);
}

static void
check_layer (FtLayerSpec spec, int in_ndim, const int *in_shape, float lo, float hi)
{
  FtRng rng;
  ft_rng_seed (&rng, 10 + spec.kind, 0);
  int out_ndim, out_shape[FT_MAX_DIMS], nw;
  FtWeightSpec ws[FT_LAYER_MAX_WEIGHTS];
  g_assert_true (ft_layer_infer (&spec, in_ndim, in_shape, &out_ndim, out_shape, &nw, ws, NULL));
  int batch_shape[FT_MAX_DIMS] = { 3 };
  memcpy (batch_shape + 1, in_shape, (size_t) in_ndim * sizeof (int));
  FtTensor *in[1 + FT_LAYER_MAX_WEIGHTS];
  bool check[1 + FT_LAYER_MAX_WEIGHTS];
  in[0] = rand_tensor (&rng, in_ndim + 1, batch_shape, lo, hi);
  avoid_zero (in[0], 0.05f);
  check[0] = true;
  for (int i = 0; i < nw; i++)
    {
      in[1 + i] = ft_tensor_new (ws[i].ndim, ws[i].shape);
      if (strcmp (ws[i].name, "moving_variance") == 0 || strcmp (ws[i].name, "gamma") == 0)
        ft_test_fill_uniform (in[1 + i], &rng, 0.5f, 1.5f);
      else
        ft_test_fill_uniform (in[1 + i], &rng, -0.5f, 0.5f);
      check[1 + i] = ws[i].trainable;
    }
  for (int mode = 0; mode < 2; mode++)
    {
      LayerCase c = { spec, mode == 0, nw };
      if (g_test_verbose ())
        g_printerr ("layer %s training=%d\n", ft_layer_kind_name (spec.kind), c.training);
      ft_test_gradcheck (fw_layer, &c, 1 + nw, in, check, EPS, ATOL, RTOL, 60);
    }
  for (int i = 0; i < 1 + nw; i++)
    ft_tensor_free (in[i]);
}

static void
test_layers (void)
{
  int flat[1] = { 6 }, img[3] = { 6, 6, 2 };
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 4;
  s.activation = FT_ACT_TANH;
  check_layer (s, 1, flat, -1, 1);
  s = ft_layer_spec_default (FT_LAYER_ACTIVATION);
  s.activation = FT_ACT_SOFTMAX;
  check_layer (s, 1, flat, -2, 2);
  s = ft_layer_spec_default (FT_LAYER_DROPOUT);
  s.rate = 0.4f;
  check_layer (s, 1, flat, -1, 1);
  s = ft_layer_spec_default (FT_LAYER_BATCH_NORMALIZATION);
  check_layer (s, 3, img, -1, 1);
  s = ft_layer_spec_default (FT_LAYER_FLATTEN);
  check_layer (s, 3, img, -1, 1);
  s = ft_layer_spec_default (FT_LAYER_CONV2D);
  s.filters = 3;
  s.activation = FT_ACT_TANH;
  s.padding = FT_PADDING_SAME;
  check_layer (s, 3, img, -1, 1);
  s = ft_layer_spec_default (FT_LAYER_MAX_POOLING2D);
  check_layer (s, 3, img, -1, 1);
}

/* ---- initializers, model building and summary ---- */

static void
test_initializers (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 11, 0);
  enum
  {
    N = 20000
  };
  static float buf[N];
  ft_initializer_fill (FT_INIT_GLOROT_UNIFORM, buf, N, 100, 300, &rng);
  float limit = sqrtf (6.0f / 400.0f), mx = 0;
  for (int i = 0; i < N; i++)
    mx = fmaxf (mx, fabsf (buf[i]));
  g_assert_cmpfloat (mx, <=, limit);
  g_assert_cmpfloat (mx, >, 0.99f * limit);
  ft_initializer_fill (FT_INIT_HE_NORMAL, buf, N, 50, 10, &rng);
  double var = 0;
  for (int i = 0; i < N; i++)
    {
      var += (double) buf[i] * buf[i];
      g_assert_cmpfloat (fabsf (buf[i]), <=, 2.0f * sqrtf (2.0f / 50.0f) / 0.87962566f + 1e-6f);
    }
  var /= N;
  /* Truncated normal with the Keras correction has the variance 2/fan_in. */
  g_assert_cmpfloat (fabs (var - 2.0 / 50.0) / (2.0 / 50.0), <, 0.05);
  ft_initializer_fill (FT_INIT_HE_UNIFORM, buf, N, 24, 10, &rng);
  mx = 0;
  for (int i = 0; i < N; i++)
    mx = fmaxf (mx, fabsf (buf[i]));
  g_assert_cmpfloat (mx, <=, sqrtf (6.0f / 24.0f));
  ft_initializer_fill (FT_INIT_ZEROS, buf, 10, 1, 1, &rng);
  g_assert_cmpfloat (buf[3], ==, 0.0f);
}

static FtModel *
mlp (uint64_t seed)
{
  int in[2] = { 28, 28 };
  FtModel *m = ft_model_new (2, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_FLATTEN);
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 128;
  s.activation = FT_ACT_RELU;
  ft_model_add (m, &s);
  s.units = 10;
  s.activation = FT_ACT_LINEAR;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, seed, NULL));
  return m;
}

static void
test_summary (void)
{
  FtModel *m = mlp (1);
  char *text = ft_model_summary (m, NULL);
  if (g_test_verbose ())
    g_printerr ("%s", text);
  g_assert_nonnull (strstr (text, "Model: \"sequential\""));
  g_assert_nonnull (strstr (text, "flatten (Flatten)"));
  g_assert_nonnull (strstr (text, "(None, 784)"));
  g_assert_nonnull (strstr (text, "dense (Dense)"));
  g_assert_nonnull (strstr (text, "dense_1 (Dense)"));
  g_assert_nonnull (strstr (text, "100,480"));
  g_assert_nonnull (strstr (text, "1,290"));
  g_assert_nonnull (strstr (text, "Total params: 101,770 (397.54 KB)"));
  g_assert_nonnull (strstr (text, "Trainable params: 101,770 (397.54 KB)"));
  g_assert_nonnull (strstr (text, "Non-trainable params: 0 (0.00 B)"));
  g_free (text);
  g_assert_cmpint (ft_model_n_trainable (m), ==, 4);
  g_assert_cmpstr (ft_model_trainable (m)[0]->name, ==, "dense/kernel");
  g_assert_cmpint (ft_model_trainable (m)[0]->shape[0], ==, 784);
  g_assert_cmpint (ft_model_trainable (m)[0]->shape[1], ==, 128);
  g_assert_cmpstr (ft_model_trainable (m)[3]->name, ==, "dense_1/bias");
  /* The same seed gives the same weights, another seed others; biases start at zero. */
  FtModel *m2 = mlp (1), *m3 = mlp (2);
  size_t n = ft_model_n_params (m);
  float *a = g_new (float, n), *b = g_new (float, n), *c = g_new (float, n);
  ft_model_get_weights (m, a);
  ft_model_get_weights (m2, b);
  ft_model_get_weights (m3, c);
  g_assert_cmpint (memcmp (a, b, n * sizeof (float)), ==, 0);
  g_assert_cmpint (memcmp (a, c, n * sizeof (float)), !=, 0);
  g_assert_cmpfloat (ft_model_trainable (m)[1]->data[5], ==, 0.0f);
  g_free (a);
  g_free (b);
  g_free (c);
  ft_model_free (m);
  ft_model_free (m2);
  ft_model_free (m3);
}

static void
test_build_errors (void)
{
  int in[2] = { 28, 28 };
  FtModel *m = ft_model_new (2, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  ft_model_add (m, &s);
  GError *error = NULL;
  g_assert_false (ft_model_build (m, 1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "layer 1 (dense)"));
  g_assert_nonnull (strstr (error->message, "Flatten"));
  g_clear_error (&error);
  ft_model_free (m);

  int img[3] = { 4, 4, 1 };
  m = ft_model_new (3, img);
  s = ft_layer_spec_default (FT_LAYER_CONV2D);
  s.kernel_size[0] = s.kernel_size[1] = 3;
  ft_model_add (m, &s);
  ft_model_add (m, &s);
  g_assert_false (ft_model_build (m, 1, &error));
  g_assert_nonnull (strstr (error->message, "layer 2 (conv2d_1)"));
  g_assert_nonnull (strstr (error->message, "larger than its 2×2 input"));
  g_clear_error (&error);
  ft_model_free (m);

  m = ft_model_new (2, in);
  s = ft_layer_spec_default (FT_LAYER_DROPOUT);
  s.rate = 1.5f;
  ft_model_add (m, &s);
  g_assert_false (ft_model_build (m, 1, &error));
  g_assert_nonnull (strstr (error->message, "rate"));
  g_clear_error (&error);
  ft_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/basic", test_basic_ops);
  g_test_add_func ("/ops/reduce-reshape", test_reduce_reshape);
  g_test_add_func ("/ops/activations/gradients", test_activations);
  g_test_add_func ("/ops/activations/values", test_activation_values);
  g_test_add_func ("/ops/dense", test_dense);
  g_test_add_func ("/ops/dense/wide-input-gradient", test_dense_wide_input_gradient);
  g_test_add_func ("/ops/dropout", test_dropout);
  g_test_add_func ("/ops/batch-norm/gradients", test_batch_norm_gradients);
  g_test_add_func ("/ops/batch-norm/modes", test_batch_norm_modes);
  g_test_add_func ("/ops/losses/gradients", test_loss_gradients);
  g_test_add_func ("/ops/losses/values", test_loss_values);
  g_test_add_func ("/ops/l2", test_l2);
  g_test_add_func ("/ops/layers", test_layers);
  g_test_add_func ("/model/initializers", test_initializers);
  g_test_add_func ("/model/summary", test_summary);
  g_test_add_func ("/model/build-errors", test_build_errors);
  return g_test_run ();
}
