/* test-train.c — whole training steps: a tiny batch can be overfit, a 2-D spiral is learnt to ≥ 95 %,
 * the same seed gives the same run bit for bit, and after warm-up a step allocates nothing (counted both
 * through the engine's allocator and, outside sanitizer builds, through malloc itself). */
#include "fittape-engine.h"
#include "ft-test-util.h"

#include <math.h>
#include <string.h>

/* ---- malloc counting (not under AddressSanitizer, which owns malloc) ---- */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define COUNT_MALLOC 1
extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void *__libc_memalign (size_t, size_t);
static volatile long malloc_calls;

void *
malloc (size_t n)
{
  __atomic_add_fetch (&malloc_calls, 1, __ATOMIC_RELAXED);
  return __libc_malloc (n);
}

void *
calloc (size_t a, size_t b)
{
  __atomic_add_fetch (&malloc_calls, 1, __ATOMIC_RELAXED);
  return __libc_calloc (a, b);
}

void *
realloc (void *p, size_t n)
{
  __atomic_add_fetch (&malloc_calls, 1, __ATOMIC_RELAXED);
  return __libc_realloc (p, n);
}

void *
aligned_alloc (size_t align, size_t n)
{
  __atomic_add_fetch (&malloc_calls, 1, __ATOMIC_RELAXED);
  return __libc_memalign (align, n);
}

int
posix_memalign (void **out, size_t align, size_t n)
{
  __atomic_add_fetch (&malloc_calls, 1, __ATOMIC_RELAXED);
  *out = __libc_memalign (align, n);
  return *out ? 0 : 12;
}
#endif

static FtLayerSpec
dense (int units, FtActivation act)
{
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = units;
  s.activation = act;
  return s;
}

static double
accuracy (FtModel *model, FtTape *tape, FtTensor *x, FtTensor *y)
{
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY, "accuracy");
  FtTensor *pred = NULL;
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  ft_test_step (model, &loss, tape, x, y, NULL, &pred);
  ft_metric_update (&m, y, pred, NULL);
  return ft_metric_result (&m);
}

/* Eight random points with random labels among three classes: memorised to a near-zero loss. */
static void
test_overfit_tiny_batch (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 3, 0);
  int xs[2] = { 8, 10 }, ys[1] = { 8 }, in[1] = { 10 };
  FtTensor *x = ft_tensor_new (2, xs), *y = ft_tensor_new (1, ys);
  ft_test_fill_uniform (x, &rng, -1, 1);
  for (int i = 0; i < 8; i++)
    y->data[i] = (float) ft_rng_below (&rng, 3);
  FtModel *model = ft_model_new (1, in);
  FtLayerSpec s = dense (32, FT_ACT_TANH);
  ft_model_add (model, &s);
  s = dense (3, FT_ACT_LINEAR);
  ft_model_add (model, &s);
  g_assert_true (ft_model_build (model, 5, NULL));
  FtOptimizerSpec os = ft_optimizer_spec_default (FT_OPT_ADAM);
  os.learning_rate = 0.01f;
  FtOptimizer *opt = ft_optimizer_new (&os, ft_model_n_trainable (model), ft_model_trainable (model));
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  FtTape *tape = ft_tape_new (false);
  float first = 0, l = 0;
  for (int step = 0; step < 300; step++)
    {
      g_assert_true (ft_train_step (model, opt, &loss, tape, x, y, NULL, &l, NULL, NULL));
      if (step == 0)
        first = l;
    }
  g_assert_cmpfloat (first, >, 0.5f);
  g_assert_cmpfloat (l, <, 0.01f);
  g_assert_cmpfloat (accuracy (model, tape, x, y), ==, 1.0);
  ft_tape_free (tape);
  ft_optimizer_free (opt);
  ft_model_free (model);
  ft_tensor_free (x);
  ft_tensor_free (y);
}

/* Two interleaved spirals as in TensorFlow Playground (radius grows with the angle, class 1 rotated by
 * π), with a little noise. */
static void
make_spiral (FtRng *rng, int n, FtTensor *x, FtTensor *y)
{
  for (int i = 0; i < n; i++)
    {
      int label = i % 2;
      int k = i / 2;
      float r = 5.0f * (float) k / (float) (n / 2);
      float t = 1.75f * (float) k / (float) (n / 2) * 2.0f * (float) M_PI + (label ? (float) M_PI : 0.0f);
      x->data[2 * i] = r * sinf (t) + 0.1f * (ft_rng_uniform (rng) - 0.5f);
      x->data[2 * i + 1] = r * cosf (t) + 0.1f * (ft_rng_uniform (rng) - 0.5f);
      y->data[i] = (float) label;
    }
}

static void
test_spiral (void)
{
  enum
  {
    N = 500,
    BATCH = 32,
    EPOCHS = 150
  };
  FtRng rng;
  ft_rng_seed (&rng, 11, FT_RNG_STREAM_DATA);
  int xs[2] = { N, 2 }, ys[1] = { N }, in[1] = { 2 };
  FtTensor *x = ft_tensor_new (2, xs), *y = ft_tensor_new (1, ys);
  make_spiral (&rng, N, x, y);
  FtModel *model = ft_model_new (1, in);
  FtLayerSpec s = dense (32, FT_ACT_TANH);
  ft_model_add (model, &s);
  ft_model_add (model, &s);
  s = dense (2, FT_ACT_LINEAR);
  ft_model_add (model, &s);
  g_assert_true (ft_model_build (model, 1, NULL));
  FtOptimizerSpec os = ft_optimizer_spec_default (FT_OPT_ADAM);
  os.learning_rate = 0.01f;
  FtOptimizer *opt = ft_optimizer_new (&os, ft_model_n_trainable (model), ft_model_trainable (model));
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  FtTape *tape = ft_tape_new (false);
  uint32_t idx[N];
  for (uint32_t i = 0; i < N; i++)
    idx[i] = i;
  FtRng shuffle;
  ft_rng_seed (&shuffle, 1, FT_RNG_STREAM_SHUFFLE);
  float bx[BATCH * 2], by[BATCH];
  for (int epoch = 0; epoch < EPOCHS; epoch++)
    {
      ft_rng_shuffle (&shuffle, idx, N);
      for (int start = 0; start < N; start += BATCH)
        {
          int n = N - start < BATCH ? N - start : BATCH;
          for (int i = 0; i < n; i++)
            {
              bx[2 * i] = x->data[2 * idx[start + i]];
              bx[2 * i + 1] = x->data[2 * idx[start + i] + 1];
              by[i] = y->data[idx[start + i]];
            }
          int bxs[2] = { n, 2 }, bys[1] = { n };
          FtTensor tx, ty;
          ft_tensor_init_view (&tx, bx, 2, bxs);
          ft_tensor_init_view (&ty, by, 1, bys);
          float l;
          g_assert_true (ft_train_step (model, opt, &loss, tape, &tx, &ty, NULL, &l, NULL, NULL));
          g_assert_true (isfinite (l));
        }
    }
  double acc = accuracy (model, tape, x, y);
  if (g_test_verbose ())
    g_printerr ("spiral training accuracy %.3f\n", acc);
  g_assert_cmpfloat (acc, >=, 0.95);
  ft_tape_free (tape);
  ft_optimizer_free (opt);
  ft_model_free (model);
  ft_tensor_free (x);
  ft_tensor_free (y);
}

/* A CNN with every layer kind: conv, batch norm, pool, dropout, flatten, dense. */
static FtModel *
cnn (uint64_t seed)
{
  int in[3] = { 12, 12, 1 };
  FtModel *m = ft_model_new (3, in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_CONV2D);
  s.filters = 8;
  s.activation = FT_ACT_RELU;
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_BATCH_NORMALIZATION);
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_MAX_POOLING2D);
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_DROPOUT);
  s.rate = 0.25f;
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_FLATTEN);
  ft_model_add (m, &s);
  s = dense (16, FT_ACT_RELU);
  s.kernel_l2 = 1e-3f;
  ft_model_add (m, &s);
  s = dense (4, FT_ACT_LINEAR);
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, seed, NULL));
  return m;
}

typedef struct
{
  FtModel *model;
  FtOptimizer *opt;
  FtTape *tape;
  FtTensor *x, *y;
} Run;

static Run
run_new (uint64_t seed, FtOptimizerKind kind)
{
  Run r;
  r.model = cnn (seed);
  FtOptimizerSpec os = ft_optimizer_spec_default (kind);
  r.opt = ft_optimizer_new (&os, ft_model_n_trainable (r.model), ft_model_trainable (r.model));
  r.tape = ft_tape_new (false);
  int xs[4] = { 16, 12, 12, 1 }, ys[1] = { 16 };
  r.x = ft_tensor_new (4, xs);
  r.y = ft_tensor_new (1, ys);
  FtRng rng;
  ft_rng_seed (&rng, seed, FT_RNG_STREAM_DATA);
  ft_test_fill_uniform (r.x, &rng, 0, 1);
  for (int i = 0; i < 16; i++)
    r.y->data[i] = (float) ft_rng_below (&rng, 4);
  return r;
}

static void
run_free (Run *r)
{
  ft_tape_free (r->tape);
  ft_optimizer_free (r->opt);
  ft_model_free (r->model);
  ft_tensor_free (r->x);
  ft_tensor_free (r->y);
}

static void
test_no_allocation_per_step (void)
{
  for (int kind = 0; kind < FT_N_OPTIMIZERS; kind++)
    {
      Run r = run_new (1, (FtOptimizerKind) kind);
      FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
      float l;
      for (int i = 0; i < 3; i++) /* warm-up: the arena grows to its size */
        g_assert_true (ft_train_step (r.model, r.opt, &loss, r.tape, r.x, r.y, NULL, &l, NULL, NULL));
      uint64_t engine_before = ft_alloc_count ();
#ifdef COUNT_MALLOC
      long malloc_before = malloc_calls;
#endif
      for (int i = 0; i < 20; i++)
        g_assert_true (ft_train_step (r.model, r.opt, &loss, r.tape, r.x, r.y, NULL, &l, NULL, NULL));
      FtTensor *pred;
      ft_test_step (r.model, &loss, r.tape, r.x, r.y, NULL, &pred);
      g_assert_cmpuint (ft_alloc_count () - engine_before, ==, 0);
#ifdef COUNT_MALLOC
      g_assert_cmpint (malloc_calls - malloc_before, ==, 0);
      /* …and the counter does count: */
      void *probe = g_malloc (16);
      g_assert_cmpint (malloc_calls - malloc_before, ==, 1);
      g_free (probe);
#endif
      run_free (&r);
    }
}

/* The same seed gives the same run, bit for bit (initialisation, dropout, batch-norm statistics). */
static void
test_same_seed_same_run (void)
{
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  Run a = run_new (7, FT_OPT_ADAM), b = run_new (7, FT_OPT_ADAM), c = run_new (8, FT_OPT_ADAM);
  float la = 0, lb = 0, lc = 0;
  for (int i = 0; i < 10; i++)
    {
      ft_train_step (a.model, a.opt, &loss, a.tape, a.x, a.y, NULL, &la, NULL, NULL);
      ft_train_step (b.model, b.opt, &loss, b.tape, b.x, b.y, NULL, &lb, NULL, NULL);
      ft_train_step (c.model, c.opt, &loss, c.tape, c.x, c.y, NULL, &lc, NULL, NULL);
      g_assert_cmpint (memcmp (&la, &lb, sizeof la), ==, 0);
    }
  size_t n = ft_model_n_params (a.model);
  float *wa = g_new (float, n), *wb = g_new (float, n), *wc = g_new (float, n);
  ft_model_get_weights (a.model, wa);
  ft_model_get_weights (b.model, wb);
  ft_model_get_weights (c.model, wc);
  g_assert_cmpint (memcmp (wa, wb, n * sizeof (float)), ==, 0);
  g_assert_cmpint (memcmp (wa, wc, n * sizeof (float)), !=, 0);
  g_free (wa);
  g_free (wb);
  g_free (wc);
  run_free (&a);
  run_free (&b);
  run_free (&c);
}

/* The train step's loss includes the L2 regularisation, and the CNN with every layer learns. */
static void
test_cnn_learns (void)
{
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  Run r = run_new (3, FT_OPT_ADAM);
  ft_optimizer_set_learning_rate (r.opt, 0.01f);
  float first = 0, l = 0;
  for (int i = 0; i < 150; i++)
    {
      g_assert_true (ft_train_step (r.model, r.opt, &loss, r.tape, r.x, r.y, NULL, &l, NULL, NULL));
      if (i == 0)
        first = l;
    }
  g_assert_cmpfloat (l, <, 0.5f * first);
  FtTensor *pred;
  float with_reg = ft_test_step (r.model, &loss, r.tape, r.x, r.y, NULL, &pred);
  float plain = ft_op_loss (r.tape, &loss, pred, r.y, NULL)->data[0];
  g_assert_cmpfloat (with_reg, >, plain);
  run_free (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/overfit-tiny-batch", test_overfit_tiny_batch);
  g_test_add_func ("/train/spiral", test_spiral);
  g_test_add_func ("/train/no-allocation-per-step", test_no_allocation_per_step);
  g_test_add_func ("/train/same-seed-same-run", test_same_seed_same_run);
  g_test_add_func ("/train/cnn-learns", test_cnn_learns);
  return g_test_run ();
}
