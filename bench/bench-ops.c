/* bench-ops.c — fittape-bench-ops: the quickstart CNN's heavy ops one by one, against the sgemm peak.
 *
 * The CNN (Conv2D 32 3x3 relu on 28x28x1, Flatten, Dense 128 relu, batch 32) spends its step in two ops:
 * the first convolution (im2col, K = 9) and the 21,632 x 128 dense layer (three 177 MFLOP products:
 * forward K = 21,632, the weight gradient K = 32, the input gradient K = 128). This times each op's forward
 * and backward pass, and each product alone, in this thread's CPU time (best of --reps, so another
 * process on the machine lowers the figures little), on one thread. Run with --help for the options. */
#include "bench-ceiling.h"
#include "bench-harness.h"
#include "core/ft-gemm-skinny.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum
{
  BATCH = 32,
  SIDE = 28,
  FILTERS = 32,
  UNITS = 128
};

static void
fill_uniform (FtTensor *t, FtRng *rng, float scale)
{
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = scale * (ft_rng_uniform (rng) - 0.5f);
}

static FtTensor *
tensor (int ndim, const int *shape, FtRng *rng, float scale, bool trainable)
{
  FtTensor *t = ft_tensor_new (ndim, shape);
  fill_uniform (t, rng, scale);
  if (trainable)
    t->flags |= FT_TENSOR_TRAINABLE;
  return t;
}

/* The best forward and backward CPU µs of one op over reps steps of a fresh tape. */
typedef struct
{
  double fwd_us, bwd_us;
} OpTimes;

typedef FtTensor *(*OpForward) (FtTape *tape, FtTensor *const *in);

static FtTensor *
conv_forward (FtTape *tape, FtTensor *const *in)
{
  return ft_op_conv2d (tape, in[0], in[1], in[2], 1, 1, FT_PADDING_VALID, FT_ACT_RELU);
}

static FtTensor *
dense_forward (FtTape *tape, FtTensor *const *in)
{
  return ft_op_dense (tape, in[0], in[1], in[2], FT_ACT_RELU);
}

/* in[0] is the op's input (a gradient source when trainable), in[1..2] its kernel and bias. */
static guint32
bits_of (float v)
{
  guint32 b;
  memcpy (&b, &v, sizeof b);
  return b;
}

static gboolean checksums = FALSE;

static OpTimes
time_op (const char *what, OpForward forward, FtTensor *const *in, int n_sources, int reps)
{
  FtTape *tape = ft_tape_new (false);
  FtTensor *grads[3];
  FtTensor *const *sources = in + (3 - n_sources);
  for (int i = 0; i < n_sources; i++)
    grads[i] = ft_tensor_new (sources[i]->ndim, sources[i]->shape);
  OpTimes best = { INFINITY, INFINITY };
  for (int r = 0; r < reps + 2; r++) /* two warm-up steps size the arena */
    {
      ft_tape_reset (tape);
      double t0 = bench_thread_cpu_us ();
      FtTensor *y = forward (tape, in);
      double t1 = bench_thread_cpu_us ();
      GError *error = NULL;
      if (!ft_tape_gradient_into (tape, y, n_sources, sources, grads, NULL, &error))
        bench_die (error);
      double t2 = bench_thread_cpu_us ();
      if (r >= 2)
        {
          best.fwd_us = MIN (best.fwd_us, t1 - t0);
          best.bwd_us = MIN (best.bwd_us, t2 - t1);
        }
    }
  if (checksums) /* the last step's output and gradients, bit by bit */
    {
      guint32 h = 0, hg = 0;
      ft_tape_reset (tape);
      FtTensor *y = forward (tape, in);
      for (size_t i = 0; i < y->size; i++)
        h = h * 31 + bits_of (y->data[i]);
      GError *error = NULL;
      if (!ft_tape_gradient_into (tape, y, n_sources, sources, grads, NULL, &error))
        bench_die (error);
      for (int s = 0; s < n_sources; s++)
        for (size_t i = 0; i < grads[s]->size; i++)
          hg = hg * 31 + bits_of (grads[s]->data[i]);
      printf ("  checksum %s: output %08x, gradients %08x\n", what, h, hg);
    }
  for (int i = 0; i < n_sources; i++)
    ft_tensor_free (grads[i]);
  ft_tape_free (tape);
  return best;
}

/* The best CPU µs of one ft_sgemm of the given shape (operands of the sizes it reads, random). */
static double
time_product (bool ta, bool tb, int m, int n, int k, float beta, int reps, FtRng *rng)
{
  const int sa[2] = { m, k }, sb[2] = { k, n }, sc[2] = { m, n };
  FtTensor *a = tensor (2, sa, rng, 1.0f, false), *b = tensor (2, sb, rng, 1.0f, false);
  FtTensor *c = tensor (2, sc, rng, 1.0f, false);
  double best = INFINITY;
  for (int r = 0; r < reps + 1; r++)
    {
      double t0 = bench_thread_cpu_us ();
      ft_sgemm (ta, tb, m, n, k, 1.0f, a->data, ta ? m : k, b->data, tb ? k : n, beta, c->data, n);
      double t = bench_thread_cpu_us () - t0;
      if (r > 0)
        best = MIN (best, t);
    }
  ft_tensor_free (a);
  ft_tensor_free (b);
  ft_tensor_free (c);
  return best;
}

static void
print_row (const char *what, double mflop, double us, double peak)
{
  const double gflops = mflop / us * 1e3;
  printf ("  %-44s %9.2f %9.1f %9.1f %7.1f%%\n", what, mflop, us, gflops, 100.0 * gflops / peak);
}

static void
print_products (int reps, double peak, FtRng *rng)
{
  const int m = BATCH * (SIDE - 2) * (SIDE - 2), in = m / BATCH * FILTERS;
  static const char *names[] = {
    "conv fwd  col*W       21632x32x9",      "conv dW   colT*dz     9x32x21632",
    "dense fwd x*W         32x128x21632",    "dense dW  xT*dz       21632x128x32 b0",
    "dense dW  xT*dz       21632x128x32 b1", "dense dx  dz*WT       32x21632x128",
  };
  const struct
  {
    bool ta, tb;
    int m, n, k;
    float beta;
  } p[] = {
    { false, false, m, FILTERS, 9, 1.0f },    { true, false, 9, FILTERS, m, 0.0f },
    { false, false, BATCH, UNITS, in, 1.0f }, { true, false, in, UNITS, BATCH, 0.0f },
    { true, false, in, UNITS, BATCH, 1.0f },  { false, true, BATCH, in, UNITS, 0.0f },
  };
  /* Each product as ft_sgemm runs it (FitTape's short-side kernels where they apply), then on OpenBLAS. */
  for (int blas = 0; blas < 2; blas++)
    {
      const bool was = ft_gemm_skinny_set_enabled (blas == 0);
      printf ("\n  products alone, %-30s %9s %9s %9s %8s\n",
              blas ? "on OpenBLAS" : "ft_sgemm (short-side kernels)", "MFLOP", "cpu us", "GF/s", "%peak");
      for (size_t i = 0; i < G_N_ELEMENTS (p); i++)
        print_row (names[i], 2e-6 * p[i].m * p[i].n * (double) p[i].k,
                   time_product (p[i].ta, p[i].tb, p[i].m, p[i].n, p[i].k, p[i].beta, reps, rng), peak);
      ft_gemm_skinny_set_enabled (was);
    }
}

static double
sgemm_peak (FtRng *rng)
{
  return 2e-3 * 1024.0 * 1024.0 * 1024.0 / time_product (false, false, 1024, 1024, 1024, 0.0f, 8, rng);
}

int
main (int argc, char **argv)
{
  ft_blas_prefer_fast_kernels (argv);
  int reps = 30;
  gboolean no_products = FALSE;
  GOptionEntry entries[] = {
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions, the best one counts (30)", "N" },
    { "no-products", 0, 0, G_OPTION_ARG_NONE, &no_products, "Skip the products alone", NULL },
    { "checksums", 0, 0, G_OPTION_ARG_NONE, &checksums,
      "Print checksums of each op's output and gradients (to compare two builds bit for bit)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- the CNN's heavy ops against the sgemm peak");
  g_option_context_add_main_entries (ctx, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    bench_die (error);
  reps = MAX (reps, 1);
  ft_blas_init ();
  ft_cpu_flush_denormals ();

  FtRng rng;
  ft_rng_seed (&rng, 11, FT_RNG_STREAM_DATA);
  const double peak = sgemm_peak (&rng);
  int lanes;
  const double ceiling = bench_fma_ceiling_gflops (5, &lanes);
  printf ("fittape-bench-ops: one thread, thread CPU time, best of %d; OpenBLAS %s; sgemm peak %.1f GFLOP/s "
          "(1024^3, CPU time); FMA ceiling %.1f GFLOP/s (%d lanes, registers only)\n",
          reps, ft_blas_core_name (), peak, ceiling, lanes);

  const int xs[4] = { BATCH, SIDE, SIDE, 1 }, ws[4] = { 3, 3, 1, FILTERS }, bs[1] = { FILTERS };
  const int in = (SIDE - 2) * (SIDE - 2) * FILTERS;
  const int hs[2] = { BATCH, in }, ds[2] = { in, UNITS }, us[1] = { UNITS };
  FtTensor *conv_in[3] = { tensor (4, xs, &rng, 1.0f, false), tensor (4, ws, &rng, 0.5f, true),
                           tensor (1, bs, &rng, 0.1f, true) };
  FtTensor *dense_in[3] = { tensor (2, hs, &rng, 1.0f, true), tensor (2, ds, &rng, 0.02f, true),
                            tensor (1, us, &rng, 0.1f, true) };
  const double conv_mflop = 2e-6 * BATCH * in * 9.0, dense_mflop = 2e-6 * BATCH * (double) in * UNITS;
  OpTimes c = time_op ("conv2d", conv_forward, conv_in, 2, reps);
  OpTimes d = time_op ("dense", dense_forward, dense_in, 3, reps);

  printf ("\n  op (product FLOPs only)                      %9s %9s %9s %8s\n", "MFLOP", "cpu us", "GF/s",
          "%peak");
  print_row ("conv2d 28x28x1 -> 32, 3x3 relu: forward", conv_mflop, c.fwd_us, peak);
  print_row ("  backward (dW, db; seeds its dy with ones)", conv_mflop, c.bwd_us, peak);
  print_row ("dense 21632 -> 128 relu: forward", dense_mflop, d.fwd_us, peak);
  print_row ("  backward (dW, db, dx)", 2 * dense_mflop, d.bwd_us, peak);
  print_row ("both, forward + backward", 2 * conv_mflop + 3 * dense_mflop,
             c.fwd_us + c.bwd_us + d.fwd_us + d.bwd_us, peak);
  if (!no_products)
    print_products (reps, peak, &rng);
  for (int i = 0; i < 3; i++)
    {
      ft_tensor_free (conv_in[i]);
      ft_tensor_free (dense_in[i]);
    }
  return 0;
}
