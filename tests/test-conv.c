/* test-conv.c — conv2d, max_pool2d, avg_pool2d and GlobalAveragePooling2D: the output-size rule, the
 * im2col/GEMM kernels against naive loops (forward and backward), the direct path (no column matrix)
 * against im2col bit for bit, finite-difference gradient checks, tape recording and allocation behaviour.
 *
 * Tolerances. Forward and analytic backward are compared with references summed in double: the kernels
 * sum at most a few dozen float products of O(1) values, so atol 1e-5 / rtol 1e-4 leaves a wide margin.
 * Gradient checks use float32 central differences with eps = 1e-2: truncation error is O(eps²·f''') and
 * rounding error about 1e-7·|sum|/eps, which together give ~1e-3 relative accuracy, hence atol 1e-3 and
 * rtol 1e-2 (GRAD_*). ReLU and max-pool cases are built so that no perturbation of ±eps crosses a kink. */
#include "core/ft-alloc.h"
#include "core/ft-threads.h"
#include "ft-test-util.h"
#include "nn/ft-layers.h"

#include <math.h>
#include <string.h>

#define FWD_ATOL  1e-5f
#define FWD_RTOL  1e-4f
#define GRAD_EPS  1e-2f
#define GRAD_ATOL 1e-3f
#define GRAD_RTOL 1e-2f

/* ---------------------------------------------------------------------------------------------------- */
/* Naive references */

typedef struct
{
  int n, h, w, c; /* input */
  int kh, kw, f;  /* kernel */
  int sh, sw;
  FtPadding padding;
  FtActivation act;
  bool bias;
} ConvCase;

static const char *
padding_name (FtPadding p)
{
  return p == FT_PADDING_SAME ? "same" : "valid";
}

static char *
conv_case_describe (const ConvCase *cc)
{
  return g_strdup_printf ("x (%d,%d,%d,%d) k %dx%d f %d stride %dx%d %s %s%s", cc->n, cc->h, cc->w, cc->c,
                          cc->kh, cc->kw, cc->f, cc->sh, cc->sw, padding_name (cc->padding),
                          ft_activation_name (cc->act), cc->bias ? " bias" : "");
}

static double
ref_act (FtActivation act, double z)
{
  switch (act)
    {
    case FT_ACT_LINEAR:
      return z;
    case FT_ACT_RELU:
      return z > 0 ? z : 0;
    case FT_ACT_TANH:
      return tanh (z);
    case FT_ACT_GELU:
      return 0.5 * z * (1.0 + erf (z / sqrt (2.0)));
    case FT_ACT_ELU:
    case FT_ACT_LEAKY_RELU:
    case FT_ACT_SIGMOID:
    case FT_ACT_SOFTMAX:
    case FT_N_ACTIVATIONS:
      break;
    }
  g_assert_not_reached ();
  return 0;
}

static double
ref_act_deriv (FtActivation act, double z)
{
  switch (act)
    {
    case FT_ACT_LINEAR:
      return 1;
    case FT_ACT_RELU:
      return z > 0 ? 1 : 0;
    case FT_ACT_TANH:
      return 1 - tanh (z) * tanh (z);
    case FT_ACT_ELU:
    case FT_ACT_GELU:
    case FT_ACT_LEAKY_RELU:
    case FT_ACT_SIGMOID:
    case FT_ACT_SOFTMAX:
    case FT_N_ACTIVATIONS:
      break;
    }
  g_assert_not_reached ();
  return 0;
}

typedef struct
{
  int oh, ow, pt, pl;
} OutGeom;

static OutGeom
out_geom (int h, int w, int kh, int kw, int sh, int sw, FtPadding padding)
{
  OutGeom o;
  o.oh = ft_conv_output_size (h, kh, sh, padding, &o.pt);
  o.ow = ft_conv_output_size (w, kw, sw, padding, &o.pl);
  return o;
}

/* The pre-activation z of a convolution, in double, with seven plain loops. */
static double *
ref_conv_z (const ConvCase *cc, const float *x, const float *w, const float *b, OutGeom *og)
{
  *og = out_geom (cc->h, cc->w, cc->kh, cc->kw, cc->sh, cc->sw, cc->padding);
  double *z = g_new0 (double, (size_t) cc->n * og->oh * og->ow * cc->f);
  for (int n = 0; n < cc->n; n++)
    for (int oy = 0; oy < og->oh; oy++)
      for (int ox = 0; ox < og->ow; ox++)
        for (int f = 0; f < cc->f; f++)
          {
            double s = b != NULL ? b[f] : 0.0;
            for (int ky = 0; ky < cc->kh; ky++)
              for (int kx = 0; kx < cc->kw; kx++)
                for (int c = 0; c < cc->c; c++)
                  {
                    int iy = oy * cc->sh + ky - og->pt, ix = ox * cc->sw + kx - og->pl;
                    if (iy < 0 || iy >= cc->h || ix < 0 || ix >= cc->w)
                      continue;
                    s += (double) x[((n * cc->h + iy) * cc->w + ix) * cc->c + c]
                         * (double) w[((ky * cc->kw + kx) * cc->c + c) * cc->f + f];
                  }
            z[((n * og->oh + oy) * og->ow + ox) * cc->f + f] = s;
          }
  return z;
}

/* Gradients of sum(r ⊙ act(z)) by the chain rule written out with the same seven loops. */
static void
ref_conv_backward (const ConvCase *cc, const float *x, const float *w, const double *z, const float *r,
                   double *dx, double *dw, double *db)
{
  OutGeom og = out_geom (cc->h, cc->w, cc->kh, cc->kw, cc->sh, cc->sw, cc->padding);
  memset (dx, 0, sizeof (double) * cc->n * cc->h * cc->w * cc->c);
  memset (dw, 0, sizeof (double) * cc->kh * cc->kw * cc->c * cc->f);
  memset (db, 0, sizeof (double) * cc->f);
  for (int n = 0; n < cc->n; n++)
    for (int oy = 0; oy < og.oh; oy++)
      for (int ox = 0; ox < og.ow; ox++)
        for (int f = 0; f < cc->f; f++)
          {
            size_t o = ((size_t) (n * og.oh + oy) * og.ow + ox) * cc->f + f;
            double dz = r[o] * ref_act_deriv (cc->act, z[o]);
            db[f] += dz;
            for (int ky = 0; ky < cc->kh; ky++)
              for (int kx = 0; kx < cc->kw; kx++)
                for (int c = 0; c < cc->c; c++)
                  {
                    int iy = oy * cc->sh + ky - og.pt, ix = ox * cc->sw + kx - og.pl;
                    if (iy < 0 || iy >= cc->h || ix < 0 || ix >= cc->w)
                      continue;
                    size_t xi = ((size_t) (n * cc->h + iy) * cc->w + ix) * cc->c + c;
                    size_t wi = ((size_t) (ky * cc->kw + kx) * cc->c + c) * cc->f + f;
                    dx[xi] += dz * w[wi];
                    dw[wi] += dz * x[xi];
                  }
          }
}

/* Max pooling over the real cells of each window, first maximum in row-major window order; also the
 * flat index of each winner. */
static float *
ref_max_pool (const float *x, int n_, int h, int w, int c, int ph, int pw, int sh, int sw, FtPadding padding,
              OutGeom *og, int **argmax_out)
{
  *og = out_geom (h, w, ph, pw, sh, sw, padding);
  size_t size = (size_t) n_ * og->oh * og->ow * c;
  float *y = g_new (float, size);
  int *argmax = g_new (int, size);
  for (int n = 0; n < n_; n++)
    for (int oy = 0; oy < og->oh; oy++)
      for (int ox = 0; ox < og->ow; ox++)
        for (int k = 0; k < c; k++)
          {
            float best = -INFINITY;
            int at = -1;
            for (int py = 0; py < ph; py++)
              for (int px = 0; px < pw; px++)
                {
                  int iy = oy * sh + py - og->pt, ix = ox * sw + px - og->pl;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                    continue;
                  int i = ((n * h + iy) * w + ix) * c + k;
                  if (at < 0 || x[i] > best)
                    {
                      best = x[i];
                      at = i;
                    }
                }
            g_assert_cmpint (at, >=, 0); /* every window holds a real cell */
            size_t o = ((size_t) (n * og->oh + oy) * og->ow + ox) * c + k;
            y[o] = best;
            argmax[o] = at;
          }
  *argmax_out = argmax;
  return y;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Helpers */

static FtTensor *
tensor4 (int a, int b, int c, int d)
{
  int shape[4] = { a, b, c, d };
  return ft_tensor_new (4, shape);
}

static FtTensor *
tensor1 (int a)
{
  return ft_tensor_new (1, &a);
}

static void
assert_close_double (const char *what, const float *a, const double *ref, size_t n, double atol, double rtol)
{
  for (size_t i = 0; i < n; i++)
    {
      double diff = fabs ((double) a[i] - ref[i]);
      if (!(diff <= atol + rtol * fabs (ref[i])))
        g_error ("%s: element %zu is %.9g, expected %.9g", what, i, (double) a[i], ref[i]);
    }
}

typedef struct
{
  FtTensor *x, *w, *b;
} ConvTensors;

static ConvTensors
conv_tensors_new (const ConvCase *cc, uint64_t seed)
{
  FtRng rng;
  ft_rng_seed (&rng, seed, 7);
  ConvTensors t;
  t.x = tensor4 (cc->n, cc->h, cc->w, cc->c);
  t.w = tensor4 (cc->kh, cc->kw, cc->c, cc->f);
  t.b = cc->bias ? tensor1 (cc->f) : NULL;
  ft_test_fill_uniform (t.x, &rng, -1.0f, 1.0f);
  ft_test_fill_uniform (t.w, &rng, -0.5f, 0.5f);
  if (t.b != NULL)
    ft_test_fill_uniform (t.b, &rng, -0.5f, 0.5f);
  return t;
}

static void
conv_tensors_free (ConvTensors *t)
{
  ft_tensor_free (t->x);
  ft_tensor_free (t->w);
  ft_tensor_free (t->b);
}

static FtTensor *
conv_case_apply (FtTape *tape, const ConvCase *cc, FtTensor *x, FtTensor *w, FtTensor *b)
{
  return ft_op_conv2d (tape, x, w, b, cc->sh, cc->sw, cc->padding, cc->act);
}

/* The gradients of sum(act(conv)) (dy all ones) by the double loops, in one allocation (free dx). */
typedef struct
{
  double *dx, *dw, *db;
} RefGrads;

static RefGrads
ref_grads_of_sum (const ConvCase *cc, const ConvTensors *t)
{
  OutGeom og;
  double *z = ref_conv_z (cc, t->x->data, t->w->data, t->b != NULL ? t->b->data : NULL, &og);
  const size_t size = (size_t) cc->n * og.oh * og.ow * cc->f;
  float *ones = g_new (float, size);
  for (size_t i = 0; i < size; i++)
    ones[i] = 1.0f;
  RefGrads g;
  g.dx = g_new (double, t->x->size + t->w->size + (size_t) cc->f);
  g.dw = g.dx + t->x->size;
  g.db = g.dw + t->w->size;
  ref_conv_backward (cc, t->x->data, t->w->data, z, ones, g.dx, g.dw, g.db);
  g_free (ones);
  g_free (z);
  return g;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Output size */

static void
test_output_size (void)
{
  static const struct
  {
    int in, k, s;
    FtPadding p;
    int out, pad;
  } table[] = {
    { 28, 3, 1, FT_PADDING_VALID, 26, 0 }, { 28, 3, 1, FT_PADDING_SAME, 28, 1 },
    { 5, 3, 2, FT_PADDING_SAME, 3, 1 },    { 5, 3, 2, FT_PADDING_VALID, 2, 0 },
    { 26, 2, 2, FT_PADDING_VALID, 13, 0 }, { 26, 2, 2, FT_PADDING_SAME, 13, 0 },
    { 27, 2, 2, FT_PADDING_VALID, 13, 0 }, { 27, 2, 2, FT_PADDING_SAME, 14, 0 },
    { 7, 3, 3, FT_PADDING_SAME, 3, 1 },    { 6, 3, 2, FT_PADDING_SAME, 3, 0 },
    { 6, 4, 1, FT_PADDING_SAME, 6, 1 },    { 6, 5, 1, FT_PADDING_SAME, 6, 2 },
    { 1, 1, 1, FT_PADDING_VALID, 1, 0 },   { 1, 3, 1, FT_PADDING_SAME, 1, 1 },
    { 3, 3, 1, FT_PADDING_VALID, 1, 0 },   { 2, 3, 1, FT_PADDING_VALID, 0, 0 },
    { 10, 1, 3, FT_PADDING_VALID, 4, 0 },  { 10, 1, 3, FT_PADDING_SAME, 4, 0 },
    { 8, 3, 2, FT_PADDING_SAME, 4, 0 },    { 9, 3, 2, FT_PADDING_SAME, 5, 1 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (table); i++)
    {
      int pad = -1;
      int out = ft_conv_output_size (table[i].in, table[i].k, table[i].s, table[i].p, &pad);
      if (out != table[i].out || pad != table[i].pad)
        g_error ("output size in %d k %d s %d %s: got %d pad %d, expected %d pad %d", table[i].in, table[i].k,
                 table[i].s, padding_name (table[i].p), out, pad, table[i].out, table[i].pad);
    }
  g_assert_cmpint (ft_conv_output_size (28, 3, 1, FT_PADDING_VALID, NULL), ==, 26); /* pad may be NULL */
}

/* ---------------------------------------------------------------------------------------------------- */
/* Conv forward against the naive loops */

static void
check_conv_forward (const ConvCase *cc, uint64_t seed)
{
  g_autofree char *desc = conv_case_describe (cc);
  ConvTensors t = conv_tensors_new (cc, seed);
  OutGeom og;
  double *z = ref_conv_z (cc, t.x->data, t.w->data, t.b ? t.b->data : NULL, &og);
  size_t size = (size_t) cc->n * og.oh * og.ow * cc->f;
  double *ref = g_new (double, size);
  for (size_t i = 0; i < size; i++)
    ref[i] = ref_act (cc->act, z[i]);

  /* Twice: on a tape that records nothing, and recording (x watched), which keeps z and the columns. */
  for (int recording = 0; recording < 2; recording++)
    {
      FtTape *tape = ft_tape_new (false);
      if (recording)
        ft_tape_watch (tape, t.x);
      FtTensor *y = conv_case_apply (tape, cc, t.x, t.w, t.b);
      g_assert_nonnull (y);
      g_assert_cmpint (y->ndim, ==, 4);
      g_assert_cmpint (y->shape[0], ==, cc->n);
      g_assert_cmpint (y->shape[1], ==, og.oh);
      g_assert_cmpint (y->shape[2], ==, og.ow);
      g_assert_cmpint (y->shape[3], ==, cc->f);
      g_assert_cmpint (ft_tape_n_entries (tape), ==, recording);
      g_autofree char *what = g_strdup_printf ("conv forward %s%s", desc, recording ? " (recording)" : "");
      assert_close_double (what, y->data, ref, size, FWD_ATOL, FWD_RTOL);
      ft_tape_free (tape);
    }
  g_free (ref);
  g_free (z);
  conv_tensors_free (&t);
}

static void
test_conv_forward (void)
{
  static const int cs[] = { 1, 3 }, fs[] = { 1, 4 }, ks[][2] = { { 1, 1 }, { 3, 3 }, { 2, 3 } },
                   ss[] = { 1, 2 };
  static const FtPadding ps[] = { FT_PADDING_VALID, FT_PADDING_SAME };
  static const FtActivation acts[] = { FT_ACT_LINEAR, FT_ACT_RELU };
  uint64_t seed = 1;
  for (size_t ci = 0; ci < G_N_ELEMENTS (cs); ci++)
    for (size_t fi = 0; fi < G_N_ELEMENTS (fs); fi++)
      for (size_t ki = 0; ki < G_N_ELEMENTS (ks); ki++)
        for (size_t si = 0; si < G_N_ELEMENTS (ss); si++)
          for (size_t pi = 0; pi < G_N_ELEMENTS (ps); pi++)
            for (int batch = 1; batch <= 3; batch += 2)
              {
                /* Alternate bias and activation so every combination appears without squaring the count. */
                ConvCase cc = {
                  .n = batch,
                  .h = 7,
                  .w = 6,
                  .c = cs[ci],
                  .kh = ks[ki][0],
                  .kw = ks[ki][1],
                  .f = fs[fi],
                  .sh = ss[si],
                  .sw = ss[si],
                  .padding = ps[pi],
                  .act = acts[seed % 2],
                  .bias = (seed / 2) % 2 == 0,
                };
                check_conv_forward (&cc, seed++);
              }
}

/* Odd shapes: unequal strides, kernels as large as the input, a wide image, 1×1 with stride 2. */
static void
test_conv_forward_odd (void)
{
  static const ConvCase cases[] = {
    { 2, 5, 9, 2, 3, 3, 3, 2, 3, FT_PADDING_SAME, FT_ACT_LINEAR, true },
    { 2, 5, 9, 2, 3, 3, 3, 2, 3, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 1, 4, 4, 3, 4, 4, 5, 1, 1, FT_PADDING_VALID, FT_ACT_LINEAR, true },
    { 1, 4, 4, 3, 4, 4, 5, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, false },
    { 3, 8, 8, 5, 1, 1, 6, 2, 2, FT_PADDING_VALID, FT_ACT_LINEAR, true },
    { 3, 8, 8, 5, 1, 1, 6, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 2, 1, 11, 1, 1, 5, 2, 1, 2, FT_PADDING_SAME, FT_ACT_LINEAR, true },
    { 2, 6, 6, 2, 5, 5, 3, 1, 1, FT_PADDING_SAME, FT_ACT_TANH, true },
    { 2, 6, 5, 3, 3, 2, 4, 2, 1, FT_PADDING_SAME, FT_ACT_GELU, true },
    { 4, 28, 28, 1, 3, 3, 8, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    /* The small-K product (K ≤ 32) over whole 16-filter lanes and a tail, with the ReLU fused, with an
     * activation whose backward keeps z (GELU), without bias; K = 36 takes OpenBLAS. */
    { 2, 9, 7, 1, 3, 3, 37, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 2, 9, 7, 3, 3, 3, 20, 2, 1, FT_PADDING_VALID, FT_ACT_GELU, true },
    { 2, 9, 7, 2, 2, 2, 16, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, false },
    { 2, 9, 7, 4, 3, 3, 17, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    check_conv_forward (&cases[i], 100 + i);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Conv backward against the naive loops (exact up to float rounding, unlike finite differences) */

static FtTensor *
weighted_sum (FtTape *tape, FtTensor *y, const float *r)
{
  FtTensor *rt = ft_op_constant (tape, r, y->ndim, y->shape);
  return ft_op_sum (tape, ft_op_mul (tape, y, rt));
}

/* The gradients of sum(y ⊙ r) for x, W and b (x only when track_x; grads[0] is then NULL) on a team of
 * `threads` (1: none). */
static void
conv_grads (const ConvCase *cc, ConvTensors *t, const float *r, bool track_x, int threads, FtTensor **grads)
{
  FtThreads *team = threads > 1 ? ft_threads_new (threads) : NULL;
  ft_threads_set_current (team);
  FtTape *tape = ft_tape_new (false);
  FtTensor *sources[3] = { t->x, t->w, t->b };
  int n_sources = t->b ? 3 : 2;
  for (int i = track_x ? 0 : 1; i < n_sources; i++)
    ft_tape_watch (tape, sources[i]);
  FtTensor *loss = weighted_sum (tape, conv_case_apply (tape, cc, t->x, t->w, t->b), r);
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, loss, n_sources, sources, grads, &error));
  g_assert_no_error (error);
  ft_tape_free (tape);
  ft_threads_set_current (NULL);
  ft_threads_free (team);
}

/* What a backward check starts from: the case's tensors, z by the double loops and a random dy (r). */
typedef struct
{
  ConvTensors t;
  double *z;
  float *r;
  size_t size; /* of z, r and the output */
} ConvSetup;

static ConvSetup
conv_setup (const ConvCase *cc, uint64_t seed)
{
  ConvSetup su = { conv_tensors_new (cc, seed), NULL, NULL, 0 };
  OutGeom og;
  su.z = ref_conv_z (cc, su.t.x->data, su.t.w->data, su.t.b ? su.t.b->data : NULL, &og);
  su.size = (size_t) cc->n * og.oh * og.ow * cc->f;
  FtRng rng;
  ft_rng_seed (&rng, seed, 8);
  su.r = g_new (float, su.size);
  for (size_t i = 0; i < su.size; i++)
    su.r[i] = -1.0f + 2.0f * ft_rng_uniform (&rng);
  return su;
}

static void
conv_setup_free (ConvSetup *su)
{
  g_free (su->r);
  g_free (su->z);
  conv_tensors_free (&su->t);
}

static void
check_conv_backward_with (const ConvCase *cc, uint64_t seed, bool track_x)
{
  g_autofree char *desc = conv_case_describe (cc);
  ConvSetup su = conv_setup (cc, seed);
  ConvTensors *t = &su.t;
  double *dx = g_new (double, t->x->size), *dw = g_new (double, t->w->size), *db = g_new (double, cc->f);
  ref_conv_backward (cc, t->x->data, t->w->data, su.z, su.r, dx, dw, db);

  FtTensor *grads[3] = { NULL, NULL, NULL };
  conv_grads (cc, t, su.r, track_x, 1, grads);
  g_autofree char *wx = g_strdup_printf ("dx %s", desc);
  g_autofree char *ww = g_strdup_printf ("dW %s", desc);
  g_autofree char *wb = g_strdup_printf ("db %s", desc);
  if (track_x)
    assert_close_double (wx, grads[0]->data, dx, t->x->size, FWD_ATOL, FWD_RTOL);
  else
    g_assert_null (grads[0]);
  assert_close_double (ww, grads[1]->data, dw, t->w->size, FWD_ATOL, FWD_RTOL);
  if (t->b)
    assert_close_double (wb, grads[2]->data, db, (size_t) cc->f, FWD_ATOL, FWD_RTOL);
  /* The same bits on a team of three. */
  FtTensor *again[3] = { NULL, NULL, NULL };
  conv_grads (cc, t, su.r, track_x, 3, again);
  for (int i = 0; i < 3; i++)
    if (grads[i] != NULL)
      g_assert_cmpmem (again[i]->data, again[i]->size * sizeof (float), grads[i]->data,
                       grads[i]->size * sizeof (float));

  for (int i = 0; i < 3; i++)
    {
      ft_tensor_free (grads[i]);
      ft_tensor_free (again[i]);
    }
  g_free (dx);
  g_free (dw);
  g_free (db);
  conv_setup_free (&su);
}

static void
check_conv_backward (const ConvCase *cc, uint64_t seed)
{
  check_conv_backward_with (cc, seed, true);
}

/* A first layer (x needs no gradient): with K = 9 and 16, 32 or 64 filters, linear or ReLU, dW and db come
 * from one pass over dy and y (several 256-row blocks and a partial one; K = 9 also from three channels);
 * 20 filters or tanh take the GEMM. */
static void
test_conv_backward_first_layer (void)
{
  static const int filters[] = { 16, 32, 64, 20 };
  static const FtActivation acts[] = { FT_ACT_RELU, FT_ACT_LINEAR, FT_ACT_TANH };
  uint64_t seed = 300;
  for (size_t fi = 0; fi < G_N_ELEMENTS (filters); fi++)
    for (size_t ai = 0; ai < G_N_ELEMENTS (acts); ai++)
      {
        ConvCase cc = { 3,        9,      8, 1, 3, 3, filters[fi], 1 + (int) (fi % 2), 1, FT_PADDING_SAME,
                        acts[ai], fi != 2 };
        check_conv_backward_with (&cc, seed++, false);
      }
  static const ConvCase cases[] = {
    { 2, 28, 28, 1, 3, 3, 32, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 2, 7, 6, 3, 3, 1, 16, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    check_conv_backward_with (&cases[i], seed++, false);
}

static void
test_conv_backward (void)
{
  static const ConvCase cases[] = {
    { 1, 5, 5, 1, 3, 3, 1, 1, 1, FT_PADDING_VALID, FT_ACT_LINEAR, true },
    { 3, 7, 6, 3, 3, 3, 4, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, true },
    { 3, 7, 6, 3, 3, 3, 4, 2, 2, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 2, 7, 6, 3, 2, 3, 4, 2, 1, FT_PADDING_VALID, FT_ACT_RELU, false },
    { 2, 6, 6, 2, 1, 1, 3, 1, 1, FT_PADDING_VALID, FT_ACT_LINEAR, true }, /* pointwise: no im2col */
    { 2, 6, 6, 2, 1, 1, 3, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },    /* pointwise: no im2col */
    { 2, 6, 6, 2, 1, 1, 3, 2, 2, FT_PADDING_SAME, FT_ACT_LINEAR, true },  /* 1×1 strided: im2col */
    { 2, 5, 9, 2, 3, 3, 3, 2, 3, FT_PADDING_SAME, FT_ACT_LINEAR, true },
    { 2, 4, 4, 3, 4, 4, 5, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 4, 28, 28, 1, 3, 3, 8, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    /* The direct path (C ≤ 4, 3×3) at the quickstart CNN's width, over more than one 256-pixel block of
     * the weight-gradient sum, and with four channels, strides and padding. */
    { 2, 28, 28, 1, 3, 3, 32, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 3, 9, 8, 4, 3, 3, 5, 2, 1, FT_PADDING_SAME, FT_ACT_LINEAR, false },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    check_conv_backward (&cases[i], 200 + i);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Finite-difference gradient checks */

static FtTensor *
conv_forward_cb (FtTape *tape, FtTensor *const *inputs, void *user_data)
{
  const ConvCase *cc = user_data;
  return conv_case_apply (tape, cc, inputs[0], inputs[1], cc->bias ? inputs[2] : NULL);
}

/* For ReLU: set each filter's bias in the middle of the widest interior gap between its pre-activations,
 * so both sides of the kink occur and no z lies within `margin` of it. Returns the smallest |z|. */
static double
offset_bias_away_from_kink (const ConvCase *cc, ConvTensors *t)
{
  memset (t->b->data, 0, t->b->size * sizeof (float));
  OutGeom og;
  double *z = ref_conv_z (cc, t->x->data, t->w->data, t->b->data, &og);
  size_t m = (size_t) cc->n * og.oh * og.ow;
  double *col = g_new (double, m);
  double min_abs = INFINITY;
  for (int f = 0; f < cc->f; f++)
    {
      for (size_t i = 0; i < m; i++)
        col[i] = z[i * cc->f + f];
      /* insertion sort: m is small */
      for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0 && col[j - 1] > col[j]; j--)
          {
            double tmp = col[j];
            col[j] = col[j - 1];
            col[j - 1] = tmp;
          }
      size_t best = 1;
      for (size_t i = 1; i < m; i++)
        if (col[i] - col[i - 1] > col[best] - col[best - 1])
          best = i;
      double cut = 0.5 * (col[best] + col[best - 1]);
      t->b->data[f] = (float) -cut;
      for (size_t i = 0; i < m; i++)
        min_abs = fmin (min_abs, fabs (col[i] - (double) (float) cut));
    }
  g_free (col);
  g_free (z);
  return min_abs;
}

static void
gradcheck_conv (const ConvCase *cc, uint64_t seed)
{
  ConvTensors t = conv_tensors_new (cc, seed);
  if (cc->act == FT_ACT_RELU)
    {
      g_assert_true (cc->bias);
      double margin = offset_bias_away_from_kink (cc, &t);
      /* Perturbing one x, W or b element by eps moves z by at most eps·max(|w|, |x|, 1) = eps. */
      if (!(margin > 3 * GRAD_EPS))
        g_error ("relu gradcheck case too close to the kink (margin %g); pick another seed", margin);
    }
  FtTensor *inputs[3] = { t.x, t.w, t.b };
  const bool check[3] = { true, true, true };
  ft_test_gradcheck (conv_forward_cb, (void *) cc, cc->bias ? 3 : 2, inputs, check, GRAD_EPS, GRAD_ATOL,
                     GRAD_RTOL, 0);
  conv_tensors_free (&t);
}

static void
test_conv_gradcheck_valid (void)
{
  static const ConvCase cases[] = {
    { 2, 5, 5, 1, 3, 3, 2, 1, 1, FT_PADDING_VALID, FT_ACT_LINEAR, true },
    { 2, 5, 6, 3, 2, 3, 4, 1, 1, FT_PADDING_VALID, FT_ACT_TANH, true },
    { 1, 6, 6, 2, 1, 1, 3, 1, 1, FT_PADDING_VALID, FT_ACT_LINEAR, false }, /* pointwise */
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    gradcheck_conv (&cases[i], 300 + i);
}

static void
test_conv_gradcheck_same (void)
{
  static const ConvCase cases[] = {
    { 2, 5, 5, 2, 3, 3, 2, 1, 1, FT_PADDING_SAME, FT_ACT_TANH, true },
    { 1, 4, 5, 3, 2, 3, 3, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, false },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    gradcheck_conv (&cases[i], 310 + i);
}

static void
test_conv_gradcheck_stride2 (void)
{
  static const ConvCase cases[] = {
    { 2, 7, 6, 2, 3, 3, 3, 2, 2, FT_PADDING_SAME, FT_ACT_TANH, true },
    { 2, 7, 6, 2, 3, 3, 3, 2, 2, FT_PADDING_VALID, FT_ACT_LINEAR, true },
    { 1, 6, 6, 3, 1, 1, 2, 2, 2, FT_PADDING_SAME, FT_ACT_TANH, true }, /* 1×1 strided */
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    gradcheck_conv (&cases[i], 320 + i);
}

static void
test_conv_gradcheck_relu (void)
{
  static const ConvCase cases[] = {
    { 2, 5, 5, 1, 3, 3, 2, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 1, 5, 4, 2, 3, 3, 2, 2, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    gradcheck_conv (&cases[i], 330 + i);
}

static void
test_conv_gradcheck_gelu (void)
{
  static const ConvCase cases[] = {
    { 2, 5, 5, 2, 3, 3, 3, 1, 1, FT_PADDING_SAME, FT_ACT_GELU, true },
    { 1, 6, 5, 1, 2, 2, 2, 2, 2, FT_PADDING_VALID, FT_ACT_GELU, true },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    gradcheck_conv (&cases[i], 340 + i);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Tape behaviour */

/* Name, FLOPs and output shape of the recorded entry. */
static void
test_conv_tape_entry (void)
{
  ConvCase cc = { 3, 9, 8, 2, 3, 2, 5, 2, 1, FT_PADDING_SAME, FT_ACT_RELU, true };
  ConvTensors t = conv_tensors_new (&cc, 400);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, t.x);
  FtTensor *y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 1);
  const FtTapeEntry *e = ft_tape_entry (tape, 0);
  g_assert_cmpstr (e->def->name, ==, "conv2d");
  g_assert_true (e->output == y);
  g_assert_cmpint (e->n_inputs, >=, 3);
  g_assert_true (e->inputs[0] == t.x && e->inputs[1] == t.w && e->inputs[2] == t.b);
  /* same padding, stride 2×1: 9×8 → 5×8 */
  int expect_shape[4] = { 3, 5, 8, 5 };
  g_assert_cmpint (y->ndim, ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (y->shape[i], ==, expect_shape[i]);
  double outputs = 3.0 * 5 * 8 * 5;
  double expect_flops = 2.0 * outputs * 3 * 2 * 2 + outputs + outputs * ft_activation_flops (FT_ACT_RELU);
  g_assert_cmpfloat_with_epsilon (e->flops, expect_flops, 1e-6 * expect_flops);

  /* Linear and without bias: exactly the multiply-adds. */
  cc.act = FT_ACT_LINEAR;
  y = ft_op_conv2d (tape, t.x, t.w, NULL, cc.sh, cc.sw, cc.padding, cc.act);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 2);
  g_assert_cmpfloat (ft_tape_entry (tape, 1)->flops, ==, 2.0 * outputs * 3 * 2 * 2);
  g_assert_true (ft_tape_is_tracked (tape, y));
  ft_tape_free (tape);
  conv_tensors_free (&t);
}

/* Nothing watched, or recording stopped: no entry. */
static void
test_conv_not_recorded (void)
{
  ConvCase cc = { 2, 6, 6, 2, 3, 3, 3, 1, 1, FT_PADDING_SAME, FT_ACT_GELU, true };
  ConvTensors t = conv_tensors_new (&cc, 410);
  FtTape *tape = ft_tape_new (false);
  FtTensor *y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
  g_assert_nonnull (y);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 0);
  g_assert_false (ft_tape_is_tracked (tape, y));

  ft_tape_watch (tape, t.x);
  ft_tape_stop_recording (tape);
  y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 0);
  g_assert_false (ft_tape_is_tracked (tape, y));
  ft_tape_free (tape);
  conv_tensors_free (&t);
}

/* x untracked, W a trainable variable: the conv is recorded, dW is right, x gets nothing and is never
 * tracked (its gradient is not asked for). */
static void
test_conv_untracked_input (void)
{
  ConvCase cc = { 2, 6, 5, 2, 3, 3, 3, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, true };
  ConvTensors t = conv_tensors_new (&cc, 420);
  t.w->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  t.b->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;

  FtTape *tape = ft_tape_new (false);
  FtTensor *y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 1);
  g_assert_cmpstr (ft_tape_entry (tape, 0)->def->name, ==, "conv2d");
  g_assert_false (ft_tape_is_tracked (tape, t.x));

  /* Target y itself: the gradient of sum(y). */
  FtTensor *sources[3] = { t.w, t.x, t.b };
  FtTensor *grads[3] = { NULL, NULL, NULL };
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 3, sources, grads, &error));
  g_assert_no_error (error);
  g_assert_nonnull (grads[0]);
  g_assert_null (grads[1]);
  g_assert_nonnull (grads[2]);
  g_assert_false (ft_tape_is_tracked (tape, t.x));

  RefGrads ref = ref_grads_of_sum (&cc, &t);
  assert_close_double ("dW with x untracked", grads[0]->data, ref.dw, t.w->size, FWD_ATOL, FWD_RTOL);
  assert_close_double ("db with x untracked", grads[2]->data, ref.db, (size_t) cc.f, FWD_ATOL, FWD_RTOL);

  for (int i = 0; i < 3; i++)
    ft_tensor_free (grads[i]);
  g_free (ref.dx);
  ft_tape_free (tape);
  conv_tensors_free (&t);
}

/* x and W each feed two convolutions: both contributions must add up (the second backward sees beta 1). */
static void
test_conv_used_twice (void)
{
  ConvCase cc = { 2, 6, 6, 3, 3, 3, 2, 1, 1, FT_PADDING_SAME, FT_ACT_LINEAR, true };
  ConvCase cc2 = cc;
  cc2.sh = cc2.sw = 2;
  cc2.padding = FT_PADDING_VALID;
  cc2.bias = false;
  ConvTensors t = conv_tensors_new (&cc, 430);

  FtTape *tape = ft_tape_new (false);
  FtTensor *sources[3] = { t.x, t.w, t.b };
  for (int i = 0; i < 3; i++)
    ft_tape_watch (tape, sources[i]);
  FtTensor *l1 = ft_op_sum (tape, conv_case_apply (tape, &cc, t.x, t.w, t.b));
  FtTensor *l2 = ft_op_sum (tape, conv_case_apply (tape, &cc2, t.x, t.w, NULL));
  FtTensor *loss = ft_op_add (tape, l1, l2);
  FtTensor *grads[3] = { NULL, NULL, NULL };
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, loss, 3, sources, grads, &error));
  g_assert_no_error (error);

  double *dx = g_new (double, t.x->size), *dw = g_new (double, t.w->size), *db = g_new (double, cc.f);
  double *dx2 = g_new (double, t.x->size), *dw2 = g_new (double, t.w->size), *db2 = g_new (double, cc.f);
  OutGeom og, og2;
  double *z = ref_conv_z (&cc, t.x->data, t.w->data, t.b->data, &og);
  double *z2 = ref_conv_z (&cc2, t.x->data, t.w->data, NULL, &og2);
  size_t n1 = (size_t) cc.n * og.oh * og.ow * cc.f, n2 = (size_t) cc.n * og2.oh * og2.ow * cc.f;
  float *ones = g_new (float, MAX (n1, n2));
  for (size_t i = 0; i < MAX (n1, n2); i++)
    ones[i] = 1.0f;
  ref_conv_backward (&cc, t.x->data, t.w->data, z, ones, dx, dw, db);
  ref_conv_backward (&cc2, t.x->data, t.w->data, z2, ones, dx2, dw2, db2);
  for (size_t i = 0; i < t.x->size; i++)
    dx[i] += dx2[i];
  for (size_t i = 0; i < t.w->size; i++)
    dw[i] += dw2[i];
  assert_close_double ("dx, x used twice", grads[0]->data, dx, t.x->size, FWD_ATOL, FWD_RTOL);
  assert_close_double ("dW, W used twice", grads[1]->data, dw, t.w->size, FWD_ATOL, FWD_RTOL);
  assert_close_double ("db", grads[2]->data, db, (size_t) cc.f, FWD_ATOL, FWD_RTOL);

  for (int i = 0; i < 3; i++)
    ft_tensor_free (grads[i]);
  g_free (dx);
  g_free (dw);
  g_free (db);
  g_free (dx2);
  g_free (dw2);
  g_free (db2);
  g_free (z);
  g_free (z2);
  g_free (ones);
  ft_tape_free (tape);
  conv_tensors_free (&t);
}

/* After one warm-up step, conv → pool → gradient on a reset tape touches the heap no more: with 8 filters
 * (im2col), with 32 (the direct path and its fused weight gradient). */
static void
check_no_allocation_after_warmup (int filters)
{
  ConvCase cc = { 4, 12, 12, 1, 3, 3, filters, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true };
  ConvTensors t = conv_tensors_new (&cc, 440);
  t.w->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  t.b->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  FtTensor *gw = tensor4 (3, 3, 1, filters), *gb = tensor1 (filters);
  FtTensor *sources[2] = { t.w, t.b }, *grads[2] = { gw, gb };
  FtTape *tape = ft_tape_new (false);
  uint64_t before = 0;
  for (int step = 0; step < 3; step++)
    {
      if (step == 2)
        before = ft_alloc_count ();
      ft_tape_reset (tape);
      FtTensor *y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
      FtTensor *p = ft_op_max_pool2d (tape, y, 2, 2, 2, 2, FT_PADDING_VALID);
      GError *error = NULL;
      g_assert_true (ft_tape_gradient_into (tape, p, 2, sources, grads, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ft_alloc_count (), ==, before);
  ft_tape_free (tape);
  ft_tensor_free (gw);
  ft_tensor_free (gb);
  conv_tensors_free (&t);
}

static void
test_no_allocation_after_warmup (void)
{
  check_no_allocation_after_warmup (8);
  check_no_allocation_after_warmup (32);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The direct path (small kernels read from x, no column matrix) against im2col, bit for bit */

/* y of the convolution on a team of `threads` (1: none), on a tape that records nothing or (recording)
 * one that watches W and b, so that a first layer's direct forward runs as in training; a copy. */
static float *
conv_output (const ConvCase *cc, ConvTensors *t, bool recording, int threads, size_t *size)
{
  FtThreads *team = threads > 1 ? ft_threads_new (threads) : NULL;
  ft_threads_set_current (team);
  FtTape *tape = ft_tape_new (false);
  if (recording)
    {
      ft_tape_watch (tape, t->w);
      if (t->b != NULL)
        ft_tape_watch (tape, t->b);
    }
  FtTensor *y = conv_case_apply (tape, cc, t->x, t->w, t->b);
  g_assert_cmpint (ft_tape_n_entries (tape), ==, recording);
  *size = y->size;
  float *copy = g_memdup2 (y->data, y->size * sizeof (float));
  ft_tape_free (tape);
  ft_threads_set_current (NULL);
  ft_threads_free (team);
  return copy;
}

typedef struct
{
  float *y[2][2]; /* [threads 1, 3][not recording, recording] */
  FtTensor *grads[2][3];
} ConvRun;

/* Everything the direct path may change: the output (not recording, and recording as a first layer) and
 * the first layer's dW and db (x not watched), on one thread and on three. */
static void
conv_run (const ConvCase *cc, ConvTensors *t, const float *r, ConvRun *run, size_t *size)
{
  for (int ti = 0; ti < 2; ti++)
    {
      for (int rec = 0; rec < 2; rec++)
        run->y[ti][rec] = conv_output (cc, t, rec, ti == 0 ? 1 : 3, size);
      memset (run->grads[ti], 0, sizeof run->grads[ti]);
      conv_grads (cc, t, r, false, ti == 0 ? 1 : 3, run->grads[ti]);
    }
}

static void
conv_run_clear (ConvRun *run)
{
  for (int ti = 0; ti < 2; ti++)
    for (int i = 0; i < 3; i++)
      {
        if (i < 2)
          g_free (run->y[ti][i]);
        ft_tensor_free (run->grads[ti][i]);
      }
}

static void
assert_same_bits (const char *what, const char *desc, const float *a, const float *b, size_t n)
{
  if (memcmp (a, b, n * sizeof (float)) != 0)
    for (size_t i = 0; i < n; i++)
      if (memcmp (&a[i], &b[i], sizeof (float)) != 0)
        g_error ("%s %s: element %zu is %.9g, im2col's %.9g", what, desc, i, (double) a[i], (double) b[i]);
}

/* The direct path and im2col (ft_conv_direct_set_enabled) give the same output, dW and db bit for bit on
 * one thread and three, recording or not; the direct output and gradients also match the double loops.
 * With specials, an infinite weight and dy and a NaN pixel (the padding's 0·∞ must stay NaN). */
static void
check_conv_direct (const ConvCase *cc, uint64_t seed, bool specials)
{
  g_autofree char *desc = conv_case_describe (cc);
  ConvSetup su = conv_setup (cc, seed);
  ConvTensors *t = &su.t;
  if (specials)
    {
      t->w->data[t->w->size - 1] = INFINITY;
      t->x->data[t->x->size / 2] = NAN;
      su.r[su.size / 3] = -INFINITY;
    }
  ConvRun run[2]; /* [direct, im2col] */
  size_t size = 0;
  for (int path = 0; path < 2; path++)
    {
      const bool was = ft_conv_direct_set_enabled (path == 0);
      conv_run (cc, t, su.r, &run[path], &size);
      ft_conv_direct_set_enabled (was);
    }
  g_assert_cmpuint (size, ==, su.size);
  for (int ti = 0; ti < 2; ti++)
    {
      for (int rec = 0; rec < 2; rec++)
        assert_same_bits ("y", desc, run[0].y[ti][rec], run[1].y[0][0], size);
      for (int i = 1; i < 3; i++)
        if (run[1].grads[0][i] != NULL)
          assert_same_bits (i == 1 ? "dW" : "db", desc, run[0].grads[ti][i]->data, run[1].grads[0][i]->data,
                            run[1].grads[0][i]->size);
    }
  if (!specials)
    {
      double *ref = g_new (double, size), *dx = g_new (double, t->x->size), *dw = g_new (double, t->w->size);
      double *db = g_new (double, cc->f);
      for (size_t i = 0; i < size; i++)
        ref[i] = ref_act (cc->act, su.z[i]);
      assert_close_double (desc, run[0].y[0][1], ref, size, FWD_ATOL, FWD_RTOL);
      ref_conv_backward (cc, t->x->data, t->w->data, su.z, su.r, dx, dw, db);
      assert_close_double (desc, run[0].grads[0][1]->data, dw, t->w->size, FWD_ATOL, FWD_RTOL);
      if (t->b != NULL)
        assert_close_double (desc, run[0].grads[0][2]->data, db, (size_t) cc->f, FWD_ATOL, FWD_RTOL);
      g_free (ref);
      g_free (dx);
      g_free (dw);
      g_free (db);
    }
  conv_run_clear (&run[0]);
  conv_run_clear (&run[1]);
  conv_setup_free (&su);
}

/* One, three and four channels (3×3; four also 2×2, as 3×3 has K = 36 and takes OpenBLAS); 16, 32, 64 and
 * 20 filters; valid and same padding; strides 1 and 2; linear and ReLU; more than one 256-pixel block of
 * the weight gradient (3 images of 13×12), so blocks start inside an output row. */
static void
test_conv_direct_matches_im2col (void)
{
  static const int cs[] = { 1, 3, 4 }, fs[] = { 16, 32, 64, 20 }, ss[] = { 1, 2 };
  static const FtPadding ps[] = { FT_PADDING_VALID, FT_PADDING_SAME };
  static const FtActivation acts[] = { FT_ACT_LINEAR, FT_ACT_RELU };
  /* Every combination, case i taking digit by digit channels, filters, stride, padding and activation. */
  for (int i = 0; i < 3 * 4 * 2 * 2 * 2; i++)
    {
      const int c = cs[i % 3], k = c == 4 && i % 2 == 0 ? 2 : 3, s = ss[i / 12 % 2];
      ConvCase cc = { 3, 13, 12, c, k, k, fs[i / 3 % 4], s, s, ps[i / 24 % 2], acts[i / 48], i % 5 != 0 };
      check_conv_direct (&cc, 500 + (uint64_t) i, false);
    }
  /* Odd shapes: unequal strides, a kernel as large as the image, a one-row image, a 1×1 kernel with
   * stride 2 (not its own column matrix), 5-wide kernels, a tanh (the activation after the product). */
  static const ConvCase odd[] = {
    { 2, 5, 9, 1, 3, 3, 32, 2, 3, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 2, 3, 3, 1, 3, 3, 16, 1, 1, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 2, 1, 11, 1, 1, 5, 17, 1, 2, FT_PADDING_SAME, FT_ACT_LINEAR, true },
    { 3, 8, 8, 4, 1, 1, 16, 2, 2, FT_PADDING_VALID, FT_ACT_RELU, true },
    { 2, 7, 6, 1, 5, 5, 48, 1, 1, FT_PADDING_SAME, FT_ACT_TANH, true },
    { 2, 7, 6, 3, 3, 1, 32, 1, 2, FT_PADDING_SAME, FT_ACT_RELU, false },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (odd); i++)
    check_conv_direct (&odd[i], 600 + i, false);
  /* ∞ and NaN: the same bits (NaNs included) whichever path. */
  static const ConvCase special[] = {
    { 2, 6, 7, 1, 3, 3, 32, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true },
    { 2, 6, 7, 3, 3, 3, 20, 2, 1, FT_PADDING_SAME, FT_ACT_LINEAR, true },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (special); i++)
    check_conv_direct (&special[i], 700 + i, true);
}

/* x watched only after a direct forward (no column matrix kept): its gradient is still right (the
 * backward builds the columns then), and so are dW and db. */
static void
test_conv_direct_watch_after (void)
{
  ConvCase cc = { 2, 9, 8, 1, 3, 3, 32, 1, 1, FT_PADDING_SAME, FT_ACT_RELU, true };
  ConvTensors t = conv_tensors_new (&cc, 710);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, t.w);
  ft_tape_watch (tape, t.b);
  FtTensor *y = conv_case_apply (tape, &cc, t.x, t.w, t.b);
  ft_tape_watch (tape, t.x);
  FtTensor *sources[3] = { t.x, t.w, t.b }, *grads[3] = { NULL, NULL, NULL };
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 3, sources, grads, &error));
  g_assert_no_error (error);

  RefGrads ref = ref_grads_of_sum (&cc, &t);
  g_assert_nonnull (grads[0]);
  assert_close_double ("dx, x watched after", grads[0]->data, ref.dx, t.x->size, FWD_ATOL, FWD_RTOL);
  assert_close_double ("dW, x watched after", grads[1]->data, ref.dw, t.w->size, FWD_ATOL, FWD_RTOL);
  assert_close_double ("db, x watched after", grads[2]->data, ref.db, (size_t) cc.f, FWD_ATOL, FWD_RTOL);
  for (int i = 0; i < 3; i++)
    ft_tensor_free (grads[i]);
  g_free (ref.dx);
  ft_tape_free (tape);
  conv_tensors_free (&t);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Max pooling */

typedef struct
{
  int ph, pw, sh, sw;
  FtPadding padding;
} PoolCase;

static FtTensor *
pool_forward_cb (FtTape *tape, FtTensor *const *inputs, void *user_data)
{
  const PoolCase *pc = user_data;
  return ft_op_max_pool2d (tape, inputs[0], pc->ph, pc->pw, pc->sh, pc->sw, pc->padding);
}

/* Forward against the naive loops, and (recording) the backward: gradient of sum(r ⊙ y) lands on the
 * reference winners. `levels` > 0 quantises x to that many values so that ties are everywhere. */
static void
check_pool (const PoolCase *pc, int n, int h, int w, int c, int levels, uint64_t seed)
{
  g_autofree char *desc = g_strdup_printf ("pool %dx%d stride %dx%d %s on (%d,%d,%d,%d)%s", pc->ph, pc->pw,
                                           pc->sh, pc->sw, padding_name (pc->padding), n, h, w, c,
                                           levels ? " with ties" : "");
  FtRng rng;
  ft_rng_seed (&rng, seed, 9);
  FtTensor *x = tensor4 (n, h, w, c);
  ft_test_fill_uniform (x, &rng, -2.0f, 2.0f);
  if (levels > 0)
    for (size_t i = 0; i < x->size; i++)
      x->data[i] = (float) ft_rng_below (&rng, (uint32_t) levels);
  OutGeom og;
  int *argmax;
  float *ref = ref_max_pool (x->data, n, h, w, c, pc->ph, pc->pw, pc->sh, pc->sw, pc->padding, &og, &argmax);
  size_t size = (size_t) n * og.oh * og.ow * c;

  for (int recording = 0; recording < 2; recording++)
    {
      FtTape *tape = ft_tape_new (false);
      if (recording)
        ft_tape_watch (tape, x);
      FtTensor *y = pool_forward_cb (tape, &x, (void *) pc);
      g_assert_nonnull (y);
      int expect_shape[4] = { n, og.oh, og.ow, c };
      g_assert_cmpint (y->ndim, ==, 4);
      for (int i = 0; i < 4; i++)
        g_assert_cmpint (y->shape[i], ==, expect_shape[i]);
      g_assert_cmpint (ft_tape_n_entries (tape), ==, recording);
      g_autofree char *what = g_strdup_printf ("%s forward", desc);
      ft_test_assert_close (what, y->data, ref, size, 0.0f, 0.0f); /* a max is exact */
      if (recording)
        {
          const FtTapeEntry *e = ft_tape_entry (tape, 0);
          g_assert_cmpstr (e->def->name, ==, "max_pooling2d");
          g_assert_cmpfloat (e->flops, ==, (double) size * pc->ph * pc->pw);

          float *r = g_new (float, size);
          double *dx = g_new0 (double, x->size);
          for (size_t i = 0; i < size; i++)
            {
              r[i] = -1.0f + 2.0f * ft_rng_uniform (&rng);
              dx[argmax[i]] += r[i];
            }
          FtTensor *loss = weighted_sum (tape, y, r);
          FtTensor *grad = NULL;
          GError *error = NULL;
          g_assert_true (ft_tape_gradient (tape, loss, 1, &x, &grad, &error));
          g_assert_no_error (error);
          g_autofree char *gwhat = g_strdup_printf ("%s backward", desc);
          assert_close_double (gwhat, grad->data, dx, x->size, 1e-6, 1e-6);
          ft_tensor_free (grad);
          g_free (dx);
          g_free (r);
        }
      ft_tape_free (tape);
    }
  g_free (ref);
  g_free (argmax);
  ft_tensor_free (x);
}

static const PoolCase pool_cases[] = {
  { 2, 2, 2, 2, FT_PADDING_VALID }, { 2, 2, 2, 2, FT_PADDING_SAME },  { 2, 2, 1, 1, FT_PADDING_VALID },
  { 2, 2, 1, 1, FT_PADDING_SAME },  { 3, 3, 2, 2, FT_PADDING_VALID }, { 3, 3, 2, 2, FT_PADDING_SAME },
  { 3, 3, 1, 1, FT_PADDING_SAME },  { 3, 3, 1, 1, FT_PADDING_VALID }, { 3, 2, 2, 1, FT_PADDING_SAME },
  { 2, 3, 1, 2, FT_PADDING_VALID }, { 3, 3, 3, 3, FT_PADDING_SAME },
};

static void
test_pool_forward (void)
{
  uint64_t seed = 500;
  for (size_t i = 0; i < G_N_ELEMENTS (pool_cases); i++)
    {
      check_pool (&pool_cases[i], 1, 5, 5, 1, 0, seed++);
      check_pool (&pool_cases[i], 2, 7, 6, 3, 0, seed++);
      check_pool (&pool_cases[i], 3, 9, 11, 5, 0, seed++);
      check_pool (&pool_cases[i], 2, 26, 26, 32, 0, seed++);
    }
}

/* Ties: the first maximum in row-major window order takes the whole gradient. */
static void
test_pool_ties (void)
{
  uint64_t seed = 600;
  for (size_t i = 0; i < G_N_ELEMENTS (pool_cases); i++)
    {
      check_pool (&pool_cases[i], 2, 7, 6, 3, 2, seed++);
      check_pool (&pool_cases[i], 1, 5, 5, 1, 1, seed++); /* all equal */
    }

  /* By hand: one window of equal values sends everything to its top-left cell. */
  FtTensor *x = tensor4 (1, 2, 2, 1);
  for (int i = 0; i < 4; i++)
    x->data[i] = 0.5f;
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_max_pool2d (tape, x, 2, 2, 2, 2, FT_PADDING_VALID);
  FtTensor *grad = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &grad, NULL));
  const float expect[4] = { 1, 0, 0, 0 };
  ft_test_assert_close ("tie goes to the first cell", grad->data, expect, 4, 0, 0);
  ft_tensor_free (grad);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* Same padding: padded cells never win, even when every real value is negative. */
static void
test_pool_padding_never_wins (void)
{
  FtTensor *x = tensor4 (1, 3, 3, 2);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = -1.0f - (float) i;
  FtTape *tape = ft_tape_new (false);
  FtTensor *y = ft_op_max_pool2d (tape, x, 2, 2, 2, 2, FT_PADDING_SAME);
  g_assert_cmpint (y->shape[1], ==, 2);
  g_assert_cmpint (y->shape[2], ==, 2);
  /* windows (pad 0 before): {0,1}×{0,1}, {0,1}×{2}, {2}×{0,1}, {2}×{2}; x[iy,ix,c] = −1 − (iy·3+ix)·2 − c */
  const float expect[8] = { -1, -2, -5, -6, -13, -14, -17, -18 };
  ft_test_assert_close ("same-padded max pool of negatives", y->data, expect, 8, 0, 0);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* Finite differences with distinct values 0.05 apart (a scaled random permutation): a ±eps step never
 * changes a window's winner. */
static void
test_pool_gradcheck (void)
{
  static const PoolCase cases[] = {
    { 2, 2, 2, 2, FT_PADDING_VALID },
    { 3, 3, 2, 2, FT_PADDING_SAME },
    { 2, 3, 1, 1, FT_PADDING_SAME },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FtTensor *x = tensor4 (2, 5, 6, 3);
      uint32_t *perm = g_new (uint32_t, x->size);
      for (uint32_t k = 0; k < x->size; k++)
        perm[k] = k;
      FtRng rng;
      ft_rng_seed (&rng, 700 + i, 1);
      ft_rng_shuffle (&rng, perm, (uint32_t) x->size);
      for (size_t k = 0; k < x->size; k++)
        x->data[k] = 0.05f * (float) perm[k] - 2.0f;
      const bool check[1] = { true };
      ft_test_gradcheck (pool_forward_cb, (void *) &cases[i], 1, &x, check, GRAD_EPS, GRAD_ATOL, GRAD_RTOL,
                         0);
      g_free (perm);
      ft_tensor_free (x);
    }
}

/* Average pooling (AveragePooling2D, GlobalAveragePooling2D) */

/* The mean of each window's real cells, in double; padded cells are not counted (TensorFlow's avg_pool). */
static double *
ref_avg_pool (const float *x, int n_, int h, int w, int c, int ph, int pw, int sh, int sw, FtPadding padding,
              OutGeom *og)
{
  *og = out_geom (h, w, ph, pw, sh, sw, padding);
  double *y = g_new0 (double, (size_t) n_ * og->oh * og->ow * c);
  for (int n = 0; n < n_; n++)
    for (int oy = 0; oy < og->oh; oy++)
      for (int ox = 0; ox < og->ow; ox++)
        for (int k = 0; k < c; k++)
          {
            double sum = 0;
            int count = 0;
            for (int py = 0; py < ph; py++)
              for (int px = 0; px < pw; px++)
                {
                  int iy = oy * sh - og->pt + py, ix = ox * sw - og->pl + px;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                    continue;
                  sum += x[((n * h + iy) * w + ix) * c + k];
                  count++;
                }
            y[((n * og->oh + oy) * og->ow + ox) * c + k] = sum / count;
          }
  return y;
}

static FtTensor *
avg_pool_cb (FtTape *tape, FtTensor *const *inputs, void *user_data)
{
  const PoolCase *pc = user_data;
  return ft_op_avg_pool2d (tape, inputs[0], pc->ph, pc->pw, pc->sh, pc->sw, pc->padding);
}

/* GlobalAveragePooling2D: the layer's call (one average-pooling window over the whole image, reshaped). */
static FtTensor *
global_avg_pool_cb (FtTape *tape, FtTensor *const *inputs, void *user_data)
{
  FtLayerSpec spec = ft_layer_spec_default (FT_LAYER_GLOBAL_AVERAGE_POOLING2D);
  return ft_layer_call (&spec, tape, inputs[0], NULL, false, NULL);
}

/* Forward against the double loops, then the backward by central differences (average pooling is linear,
 * so the differences are exact up to rounding). */
static void
test_avg_pool_forward_and_gradcheck (void)
{
  uint64_t seed = 900;
  for (size_t i = 0; i < G_N_ELEMENTS (pool_cases); i++)
    {
      const PoolCase *pc = &pool_cases[i];
      FtRng rng;
      ft_rng_seed (&rng, seed++, 3);
      FtTensor *x = tensor4 (2, 7, 6, 3);
      ft_test_fill_uniform (x, &rng, -2.0f, 2.0f);
      OutGeom og;
      double *ref = ref_avg_pool (x->data, 2, 7, 6, 3, pc->ph, pc->pw, pc->sh, pc->sw, pc->padding, &og);
      FtTape *tape = ft_tape_new (false);
      ft_tape_watch (tape, x);
      FtTensor *y = avg_pool_cb (tape, &x, (void *) pc);
      g_assert_cmpint (y->shape[1], ==, og.oh);
      g_assert_cmpint (y->shape[2], ==, og.ow);
      g_assert_cmpint (y->shape[3], ==, 3);
      g_assert_cmpstr (ft_tape_entry (tape, 0)->def->name, ==, "average_pooling2d");
      g_autofree char *what = g_strdup_printf ("avg pool %dx%d stride %dx%d %s", pc->ph, pc->pw, pc->sh,
                                               pc->sw, padding_name (pc->padding));
      assert_close_double (what, y->data, ref, y->size, FWD_ATOL, FWD_RTOL);
      ft_tape_free (tape);
      const bool check[1] = { true };
      ft_test_gradcheck (avg_pool_cb, (void *) pc, 1, &x, check, GRAD_EPS, GRAD_ATOL, GRAD_RTOL, 0);
      g_free (ref);
      ft_tensor_free (x);
    }
}

/* Same padding by hand: the corner window of a 3×3 image with pool 2, stride 2 holds one real cell, and
 * its mean is that cell (a zero-padded mean would be a quarter of it). */
static void
test_avg_pool_padding_not_counted (void)
{
  FtTensor *x = tensor4 (1, 3, 3, 1);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = (float) (i + 1);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_avg_pool2d (tape, x, 2, 2, 2, 2, FT_PADDING_SAME);
  /* windows {0,1}×{0,1}: (1+2+4+5)/4; {0,1}×{2}: (3+6)/2; {2}×{0,1}: (7+8)/2; {2}×{2}: 9 */
  const float expect[4] = { 3.0f, 4.5f, 7.5f, 9.0f };
  ft_test_assert_close ("same-padded average pool", y->data, expect, 4, 0, 0);
  FtTensor *grad = NULL;
  g_assert_true (ft_tape_gradient (tape, ft_op_sum (tape, y), 1, &x, &grad, NULL));
  const float expect_grad[9] = { 0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 0.5f, 0.5f, 0.5f, 1.0f };
  ft_test_assert_close ("its gradient", grad->data, expect_grad, 9, 0, 0);
  ft_tensor_free (grad);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

static void
test_global_avg_pool (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 950, 0);
  FtTensor *x = tensor4 (3, 5, 4, 6);
  ft_test_fill_uniform (x, &rng, -1.0f, 1.0f);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = global_avg_pool_cb (tape, &x, NULL);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 3);
  g_assert_cmpint (y->shape[1], ==, 6);
  g_assert_cmpstr (ft_tape_entry (tape, 0)->def->name, ==, "average_pooling2d");
  g_assert_cmpint (ft_tape_entry (tape, 0)->output->shape[1], ==, 1); /* one 5×4 window */
  g_assert_cmpint (ft_tape_entry (tape, 0)->output->shape[2], ==, 1);
  double ref[18] = { 0 };
  for (int n = 0; n < 3; n++)
    for (int i = 0; i < 20; i++)
      for (int k = 0; k < 6; k++)
        ref[n * 6 + k] += x->data[(n * 20 + i) * 6 + k] / 20.0;
  assert_close_double ("global average pool", y->data, ref, 18, FWD_ATOL, FWD_RTOL);
  ft_tape_free (tape);
  const bool check[1] = { true };
  ft_test_gradcheck (global_avg_pool_cb, NULL, 1, &x, check, GRAD_EPS, GRAD_ATOL, GRAD_RTOL, 0);
  ft_tensor_free (x);
}

/* Conv feeding pool feeding the loss: gradients flow through both, checked by finite differences. */
static FtTensor *
conv_pool_cb (FtTape *tape, FtTensor *const *inputs, void *user_data)
{
  FtTensor *y = ft_op_conv2d (tape, inputs[0], inputs[1], inputs[2], 1, 1, FT_PADDING_SAME, FT_ACT_TANH);
  return ft_op_max_pool2d (tape, y, 2, 2, 2, 2, FT_PADDING_VALID);
}

/* The smallest gap, over all pooling windows, between the largest and second-largest conv output. */
static double
pool_window_margin (FtTensor *const *inputs)
{
  FtTape *tape = ft_tape_new (false);
  FtTensor *y = ft_op_conv2d (tape, inputs[0], inputs[1], inputs[2], 1, 1, FT_PADDING_SAME, FT_ACT_TANH);
  int oh = y->shape[1] / 2, ow = y->shape[2] / 2, c = y->shape[3];
  double margin = INFINITY;
  for (int n = 0; n < y->shape[0]; n++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++)
        for (int k = 0; k < c; k++)
          {
            double first = -INFINITY, second = -INFINITY;
            for (int py = 0; py < 2; py++)
              for (int px = 0; px < 2; px++)
                {
                  double v = y->data[((n * y->shape[1] + 2 * oy + py) * y->shape[2] + 2 * ox + px) * c + k];
                  if (v > first)
                    {
                      second = first;
                      first = v;
                    }
                  else if (v > second)
                    second = v;
                }
            margin = fmin (margin, first - second);
          }
  ft_tape_free (tape);
  return margin;
}

static void
test_conv_pool_gradcheck (void)
{
  ConvCase cc = { 1, 4, 4, 2, 3, 3, 3, 1, 1, FT_PADDING_SAME, FT_ACT_TANH, true };
  /* A ±eps step moves a conv output by at most eps·max(|x|, |w|) = eps (b moves a whole window together),
   * so a winner cannot change while the top two of every window are more than 2·eps apart. Take the first
   * seed that leaves a safe margin. */
  for (uint64_t seed = 800; seed < 900; seed++)
    {
      ConvTensors t = conv_tensors_new (&cc, seed);
      FtTensor *inputs[3] = { t.x, t.w, t.b };
      if (pool_window_margin (inputs) > 4 * GRAD_EPS)
        {
          const bool check[3] = { true, true, true };
          ft_test_gradcheck (conv_pool_cb, NULL, 3, inputs, check, GRAD_EPS, GRAD_ATOL, GRAD_RTOL, 0);
          conv_tensors_free (&t);
          return;
        }
      conv_tensors_free (&t);
    }
  g_error ("no seed gave pooling windows without near-ties");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/output-size", test_output_size);
  g_test_add_func ("/conv/forward", test_conv_forward);
  g_test_add_func ("/conv/forward-odd-shapes", test_conv_forward_odd);
  g_test_add_func ("/conv/backward", test_conv_backward);
  g_test_add_func ("/conv/backward/first-layer", test_conv_backward_first_layer);
  g_test_add_func ("/conv/gradcheck/valid", test_conv_gradcheck_valid);
  g_test_add_func ("/conv/gradcheck/same", test_conv_gradcheck_same);
  g_test_add_func ("/conv/gradcheck/stride2", test_conv_gradcheck_stride2);
  g_test_add_func ("/conv/gradcheck/relu", test_conv_gradcheck_relu);
  g_test_add_func ("/conv/gradcheck/gelu", test_conv_gradcheck_gelu);
  g_test_add_func ("/conv/tape-entry", test_conv_tape_entry);
  g_test_add_func ("/conv/not-recorded", test_conv_not_recorded);
  g_test_add_func ("/conv/untracked-input", test_conv_untracked_input);
  g_test_add_func ("/conv/used-twice", test_conv_used_twice);
  g_test_add_func ("/conv/no-allocation-after-warmup", test_no_allocation_after_warmup);
  g_test_add_func ("/conv/direct/matches-im2col", test_conv_direct_matches_im2col);
  g_test_add_func ("/conv/direct/watch-after", test_conv_direct_watch_after);
  g_test_add_func ("/pool/forward", test_pool_forward);
  g_test_add_func ("/pool/ties", test_pool_ties);
  g_test_add_func ("/pool/padding-never-wins", test_pool_padding_never_wins);
  g_test_add_func ("/pool/gradcheck", test_pool_gradcheck);
  g_test_add_func ("/pool/average/forward-and-gradcheck", test_avg_pool_forward_and_gradcheck);
  g_test_add_func ("/pool/average/padding-not-counted", test_avg_pool_padding_not_counted);
  g_test_add_func ("/pool/global-average", test_global_avg_pool);
  g_test_add_func ("/conv/conv-pool-gradcheck", test_conv_pool_gradcheck);
  return g_test_run ();
}
