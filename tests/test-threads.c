/* test-threads.c — the thread team gives the same results bit for bit whatever its size: the tiled sgemm
 * on odd shapes, and a small MLP and a small CNN (conv, pooling, dense) trained with 1, 2 and 3 threads,
 * in fit() and in the tape loop. Also the parallel-for itself and how the thread count is chosen. */
#include "core/ft-gemm-skinny.h"
#include "fittape-engine.h"
#include "ft-test-util.h"
#include "train/ft-fit.h"
#include "train/ft-tape-loop.h"

#include <math.h>
#include <string.h>

/* ---- the parallel-for ---- */

typedef struct
{
  int *hits;
} Hits;

static void
count_task (void *data, int task)
{
  Hits *h = data;
  h->hits[task]++;
}

static void
nested_task (void *data, int task)
{
  Hits *h = data;
  /* A loop inside a task runs on the task's thread. */
  Hits inner = { h->hits + 100 * (task + 1) };
  ft_threads_run_current (100, count_task, &inner);
}

static void
test_run_every_task_once (void)
{
  for (int n = 1; n <= 4; n++)
    {
      FtThreads *team = ft_threads_new (n);
      g_assert_cmpint (ft_threads_count (team), ==, n);
      int hits[1000] = { 0 };
      Hits h = { hits };
      for (int rep = 0; rep < 50; rep++)
        ft_threads_run (team, 997, count_task, &h);
      for (int i = 0; i < 997; i++)
        g_assert_cmpint (hits[i], ==, 50);
      g_assert_cmpint (hits[997], ==, 0);

      int nested[100 * 9] = { 0 };
      Hits hn = { nested };
      ft_threads_set_current (team);
      ft_threads_run (team, 8, nested_task, &hn);
      ft_threads_set_current (NULL);
      for (int i = 100; i < 900; i++)
        g_assert_cmpint (nested[i], ==, 1);
      ft_threads_free (team);
    }
  g_assert_cmpint (ft_threads_count (NULL), ==, 1);
}

static void
test_resolve (void)
{
  int cores = ft_threads_available_cores ();
  g_assert_cmpint (cores, >=, 1);
  g_unsetenv ("FITTAPE_THREADS");
  g_assert_cmpint (ft_threads_resolve (3, 1), ==, 3);
  g_assert_cmpint (ft_threads_resolve (3, 2), ==, 3);
  g_assert_cmpint (ft_threads_resolve (0, 1), ==, cores);
  g_assert_cmpint (ft_threads_resolve (0, 0), ==, cores);
  g_assert_cmpint (ft_threads_resolve (0, 2), ==, MAX (cores / 2, 1));
  g_assert_cmpint (ft_threads_resolve (1000, 1), ==, FT_THREADS_MAX);
  g_setenv ("FITTAPE_THREADS", "5", TRUE);
  g_assert_cmpint (ft_threads_resolve (0, 2), ==, 5);
  g_assert_cmpint (ft_threads_resolve (2, 1), ==, 2); /* an explicit count wins */
  g_setenv ("FITTAPE_THREADS", "lots", TRUE);
  g_assert_cmpint (ft_threads_resolve (0, 1), ==, cores);
  g_unsetenv ("FITTAPE_THREADS");

  /* The runner resolves its job's count: Compare mode's two runs get half the cores each. */
  FtJob job;
  memset (&job, 0, sizeof job);
  job.concurrent_runs = 2;
  FtRunner *r = ft_runner_new (&job, NULL, NULL, NULL);
  g_assert_cmpint (ft_runner_threads (r), ==, MAX (cores / 2, 1));
  ft_runner_free (r);
  job.threads = 3;
  r = ft_runner_new (&job, NULL, NULL, NULL);
  g_assert_cmpint (ft_runner_threads (r), ==, 3);
  ft_runner_free (r);
}

/* ---- the tiled sgemm ---- */

static void
fill (float *x, size_t n, uint64_t seed)
{
  FtRng rng;
  ft_rng_seed (&rng, seed, 7);
  for (size_t i = 0; i < n; i++)
    x[i] = 2.0f * ft_rng_uniform (&rng) - 1.0f;
}

/* C = alpha·op(A)·op(B) + beta·C with the team of n threads (0: no team). */
static float *
product (int threads, bool ta, bool tb, int m, int n, int k, float alpha, float beta, const float *a,
         const float *b, const float *c0)
{
  float *c = g_memdup2 (c0, (size_t) m * n * sizeof (float));
  FtThreads *team = threads > 0 ? ft_threads_new (threads) : NULL;
  ft_threads_set_current (team);
  ft_sgemm (ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
  ft_threads_set_current (NULL);
  ft_threads_free (team);
  return c;
}

/* The product with every team size and against a naive product in double; returns C (one thread). */
static float *
check_product (bool ta, bool tb, int m, int n, int k, float alpha, float beta)
{
  float *a = g_new (float, (size_t) m *k), *b = g_new (float, (size_t) k *n);
  float *c0 = g_new (float, (size_t) m *n);
  fill (a, (size_t) m * k, 1);
  fill (b, (size_t) k * n, 2);
  fill (c0, (size_t) m * n, 3);
  float *one = product (0, ta, tb, m, n, k, alpha, beta, a, b, c0);
  for (int threads = 1; threads <= 3; threads++)
    {
      float *c = product (threads, ta, tb, m, n, k, alpha, beta, a, b, c0);
      if (memcmp (c, one, (size_t) m * n * sizeof (float)) != 0)
        g_error ("sgemm %c%c %d×%d×%d differs with %d threads", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
                 threads);
      g_free (c);
    }
  /* Against a naive product in double: the tiles are where they should be. */
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double s = 0.0;
        for (int p = 0; p < k; p++)
          s += (double) (ta ? a[(size_t) p * m + i] : a[(size_t) i * k + p])
               * (double) (tb ? b[(size_t) j * k + p] : b[(size_t) p * n + j]);
        double want = alpha * s + beta * (double) c0[(size_t) i * n + j];
        double got = one[(size_t) i * n + j];
        if (fabs (got - want) > 1e-4 * (1.0 + sqrt ((double) k)))
          g_error ("sgemm %d×%d×%d: C[%d,%d] = %g, expected %g", m, n, k, i, j, got, want);
      }
  g_free (a);
  g_free (b);
  g_free (c0);
  return one;
}

static void
check_shape (bool ta, bool tb, int m, int n, int k)
{
  g_free (check_product (ta, tb, m, n, k, 0.75f, 0.5f));
}

static void
test_sgemm_tiles_equal (void)
{
  static const int shapes[][3] = {
    { 1, 1, 1 },       { 1, 1, 997 },   { 37, 41, 43 },   { 613, 97, 89 },  { 3, 4099, 521 },
    { 2039, 3, 1009 }, { 5003, 7, 13 }, { 20011, 5, 47 }, { 7, 3001, 211 }, { 211, 223, 227 },
  };
  int tiled = 0;
  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
      tiled += ft_sgemm_n_tiles (m, n, k) > 1;
      for (int t = 0; t < 4; t++)
        check_shape (t & 1, t & 2, m, n, k);
    }
  g_assert_cmpint (tiled, >=, 5); /* the test exercises the split */
  g_assert_cmpint (ft_sgemm_n_tiles (1, 1, 1), ==, 1);
}

/* The kernels for a short side (core/ft-gemm-skinny.h): each form, with tails in every direction, equal
 * with any team, close to a product in double and to OpenBLAS's. */
static void
test_sgemm_skinny (void)
{
  static const int shapes[][5] = {
    /* trans_a, trans_b, m, n, k */
    { 0, 0, 32, 128, 1100 }, { 0, 0, 5, 17, 300 },    { 0, 0, 64, 40, 77 }, { 0, 0, 13, 130, 519 },
    { 0, 0, 64, 256, 256 },  { 1, 0, 1100, 128, 32 }, { 1, 0, 37, 19, 5 },  { 1, 0, 301, 70, 64 },
    { 1, 0, 21632, 33, 3 },  { 0, 1, 32, 1100, 128 }, { 0, 1, 5, 301, 17 }, { 0, 1, 64, 77, 40 },
    { 0, 1, 40, 1000, 100 },
  };
  int taken = 0;
  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int add = 0; add < 2; add++)
      {
        const bool ta = shapes[s][0], tb = shapes[s][1];
        const int m = shapes[s][2], n = shapes[s][3], k = shapes[s][4];
        taken += ft_gemm_skinny_takes (ta, tb, m, n, k, 1.0f, add);
        float *ours = check_product (ta, tb, m, n, k, 1.0f, add);
        const bool was = ft_gemm_skinny_set_enabled (false);
        float *blas = check_product (ta, tb, m, n, k, 1.0f, add);
        ft_gemm_skinny_set_enabled (was);
        for (size_t i = 0; i < (size_t) m * n; i++)
          if (fabsf (ours[i] - blas[i]) > 1e-5f * (1.0f + fabsf (blas[i])) * sqrtf ((float) k))
            g_error ("skinny %d×%d×%d: C[%zu] = %g, OpenBLAS %g", m, n, k, i, ours[i], blas[i]);
        g_free (ours);
        g_free (blas);
      }
#if defined(__x86_64__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && g_getenv ("FITTAPE_NO_SKINNY_GEMM") == NULL)
    g_assert_cmpint (taken, ==, 2 * (int) G_N_ELEMENTS (shapes)); /* the kernels ran, not OpenBLAS */
#endif
}

/* ---- training ---- */

static void
add_layer (FtModel *m, FtLayerKind kind)
{
  FtLayerSpec s = ft_layer_spec_default (kind);
  ft_model_add (m, &s);
}

static void
add_conv (FtModel *m, int filters, int kernel, FtActivation act)
{
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_CONV2D);
  s.filters = filters;
  s.kernel_size[0] = s.kernel_size[1] = kernel;
  s.activation = act;
  ft_model_add (m, &s);
}

static void
add_dense (FtModel *m, int units, FtActivation act)
{
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = units;
  s.activation = act;
  ft_model_add (m, &s);
}

/* 256 → Dense 256 relu → Dense 10; at batch 64 the first layer's products are 8.4 MFLOP (tiled). */
static FtModel *
mlp_new (void)
{
  const int in[1] = { 256 };
  FtModel *m = ft_model_new (1, in);
  add_dense (m, 256, FT_ACT_RELU);
  add_dense (m, 10, FT_ACT_LINEAR);
  g_assert_true (ft_model_build (m, 5, NULL));
  return m;
}

/* 12×12×3 → Conv2D 32 3×3 relu (im2col product 6400×32×27 at batch 64, 11 MFLOP) → MaxPooling2D → Conv2D 24
 * 1×1 → Flatten → Dense 256 relu (19.7 MFLOP) → Dense 10: 158 k parameters, so the optimizer's update runs
 * on the team too. */
static FtModel *
cnn_new (void)
{
  const int in[3] = { 12, 12, 3 };
  FtModel *m = ft_model_new (3, in);
  add_conv (m, 32, 3, FT_ACT_RELU);
  add_layer (m, FT_LAYER_MAX_POOLING2D);
  add_conv (m, 24, 1, FT_ACT_LINEAR);
  add_layer (m, FT_LAYER_FLATTEN);
  add_dense (m, 256, FT_ACT_RELU);
  add_dense (m, 10, FT_ACT_LINEAR);
  g_assert_true (ft_model_build (m, 6, NULL));
  return m;
}

typedef struct
{
  float *weights;
  size_t n_weights;
  char *history;
} Trained;

/* Trains a fresh model for 2 epochs of batch 64 with a team of `threads` (fit() or the tape loop). */
static Trained
train (FtModel *(*model_new) (void), const FtDataset *data, int threads, bool tape)
{
  FtCompileSpec cs = ft_compile_spec_default ();
  FtTrainer *t = ft_trainer_new (model_new (), &cs, 9, NULL);
  g_assert_nonnull (t);
  FtFitArgs args = ft_fit_args_default ();
  args.epochs = 2;
  args.batch_size = 64;
  args.validation_split = 0.25;
  FtHistory *h = ft_history_new ();
  FtThreads *team = ft_threads_new (threads);
  ft_threads_set_current (team);
  GError *error = NULL;
  FtLoopSteps all = ft_loop_steps_all ();
  bool ok = tape ? ft_tape_loop (t, data, &args, &all, NULL, NULL, NULL, h, NULL, &error)
                 : ft_fit (t, data, &args, NULL, h, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  if (threads > 1) /* the products, the elementwise work and the update reached the team */
    g_assert_cmpint (ft_threads_n_loops (team), >=, 20);
  ft_threads_set_current (NULL);
  ft_threads_free (team);

  Trained r;
  FtModel *m = ft_trainer_model (t);
  r.n_weights = ft_model_n_params (m);
  r.weights = g_new (float, r.n_weights);
  ft_model_get_weights (m, r.weights);
  r.history = ft_history_to_csv (h, ',');
  ft_history_free (h);
  ft_trainer_free (t);
  return r;
}

static void
assert_same (const Trained *a, const Trained *b, const char *what)
{
  g_assert_cmpuint (a->n_weights, ==, b->n_weights);
  if (memcmp (a->weights, b->weights, a->n_weights * sizeof (float)) != 0)
    g_error ("%s: the weights differ", what);
  g_assert_cmpstr (a->history, ==, b->history); /* shortest round-trip numbers: equal text, equal losses */
}

static void
trained_clear (Trained *t)
{
  g_free (t->weights);
  g_free (t->history);
}

static void
check_model (FtModel *(*model_new) (void), const FtDataset *data)
{
  Trained one = train (model_new, data, 1, false);
  g_assert_nonnull (strstr (one.history, "loss"));
  for (int threads = 2; threads <= 3; threads++)
    {
      Trained t = train (model_new, data, threads, false);
      g_autofree char *what = g_strdup_printf ("fit() with %d threads against 1", threads);
      assert_same (&one, &t, what);
      trained_clear (&t);
    }
  for (int threads = 1; threads <= 3; threads += 2)
    {
      Trained t = train (model_new, data, threads, true);
      g_autofree char *what = g_strdup_printf ("the tape loop with %d threads against fit() with 1", threads);
      assert_same (&one, &t, what);
      trained_clear (&t);
    }
  trained_clear (&one);
}

static void
test_mlp_threads (void)
{
  const int shape[1] = { 256 };
  FtDataset *data = ft_test_dataset_new (512, 1, shape, 10, 11);
  check_model (mlp_new, data);
  ft_dataset_free (data);
}

static void
test_cnn_threads (void)
{
  const int shape[3] = { 12, 12, 3 };
  FtDataset *data = ft_test_dataset_new (384, 3, shape, 10, 12);
  check_model (cnn_new, data);
  ft_dataset_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ft_blas_init ();
  g_test_add_func ("/threads/run-every-task-once", test_run_every_task_once);
  g_test_add_func ("/threads/resolve", test_resolve);
  g_test_add_func ("/threads/sgemm-tiles-equal", test_sgemm_tiles_equal);
  g_test_add_func ("/threads/sgemm-skinny", test_sgemm_skinny);
  g_test_add_func ("/threads/mlp", test_mlp_threads);
  g_test_add_func ("/threads/cnn", test_cnn_threads);
  return g_test_run ();
}
