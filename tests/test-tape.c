/* test-tape.c — tf.GradientTape semantics: what is watched, what is recorded, what gradient() returns,
 * persistent and one-shot tapes, stop-recording and stop-gradient, and the entry listing. */
#include "fittape-engine.h"
#include "ft-test-util.h"

#include <math.h>

static FtTensor *
vec (const float *v, int n)
{
  FtTensor *t = ft_tensor_new (1, &n);
  for (int i = 0; i < n; i++)
    t->data[i] = v[i];
  return t;
}

/* y = x·x (x used twice) → dy/dx = 2x: both contributions arrive. */
static void
test_used_twice (void)
{
  FtTensor *x = vec ((float[]){ 1.5f, -2.0f, 3.0f }, 3);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_sum (tape, ft_op_mul (tape, x, x));
  FtTensor *g = NULL;
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, &error));
  g_assert_no_error (error);
  g_assert_nonnull (g);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (g->data[i], 2.0f * x->data[i], 1e-6);
  ft_tensor_free (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* Diamond: a = 2x, b = 3x, y = sum(a·b) = 6 Σx² → 12x. */
static void
test_diamond (void)
{
  FtTensor *x = vec ((float[]){ 1.0f, -0.5f }, 2);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *a = ft_op_scale (tape, x, 2.0f);
  FtTensor *b = ft_op_scale (tape, x, 3.0f);
  FtTensor *y = ft_op_sum (tape, ft_op_mul (tape, a, b));
  FtTensor *g = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, NULL));
  g_assert_cmpfloat_with_epsilon (g->data[0], 12.0f, 1e-5);
  g_assert_cmpfloat_with_epsilon (g->data[1], -6.0f, 1e-5);
  ft_tensor_free (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* A reshape's backward hands dy on as the input's gradient without a copy where it can: the input used by
 * other ops before or after the reshape still sums every contribution, and a reshaped tensor that is itself
 * a source keeps its own gradient (a caller's buffer is never shared). x: 2×3, y = Σ reshape(x)·c + Σ x·d. */
static void
test_reshape_gradient_view (void)
{
  const float c_v[6] = { 1, 2, 3, 4, 5, 6 }, d_v[6] = { 0.5f, -1, 2, 0.25f, -3, 7 };
  for (int order = 0; order < 2; order++)
    for (int reshaped_source = 0; reshaped_source < 2; reshaped_source++)
      {
        int xs[2] = { 2, 3 }, rs[2] = { 3, 2 };
        FtTensor *x = ft_tensor_new (2, xs), *c = ft_tensor_new (2, rs), *d = ft_tensor_new (2, xs);
        for (int i = 0; i < 6; i++)
          {
            x->data[i] = 0.1f * (float) i;
            c->data[i] = c_v[i];
            d->data[i] = d_v[i];
          }
        FtTape *tape = ft_tape_new (false);
        ft_tape_watch (tape, x);
        FtTensor *p = order == 0 ? ft_op_sum (tape, ft_op_mul (tape, x, d)) : NULL;
        FtTensor *r = ft_op_reshape (tape, x, 2, rs);
        FtTensor *q = ft_op_sum (tape, ft_op_mul (tape, r, c));
        if (order == 1)
          p = ft_op_sum (tape, ft_op_mul (tape, x, d));
        FtTensor *y = ft_op_add (tape, p, q);
        FtTensor *sources[2] = { x, r }, *g[2] = { NULL, NULL };
        g_assert_true (ft_tape_gradient (tape, y, reshaped_source ? 2 : 1, sources, g, NULL));
        for (int i = 0; i < 6; i++)
          g_assert_cmpfloat (g[0]->data[i], ==, c_v[i] + d_v[i]);
        if (reshaped_source)
          for (int i = 0; i < 6; i++)
            g_assert_cmpfloat (g[1]->data[i], ==, c_v[i]);
        for (int i = 0; i < 2; i++)
          if (g[i])
            ft_tensor_free (g[i]);
        ft_tape_free (tape);
        ft_tensor_free (x);
        ft_tensor_free (c);
        ft_tensor_free (d);
      }
}

/* A plain tensor is not watched unless asked; a trainable variable is watched automatically. */
static void
test_watching (void)
{
  FtTensor *x = vec ((float[]){ 1.0f, 2.0f }, 2);
  FtTensor *v = vec ((float[]){ 3.0f, 4.0f }, 2);
  v->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  FtTape *tape = ft_tape_new (true);
  FtTensor *y = ft_op_sum (tape, ft_op_mul (tape, x, v));
  FtTensor *sources[2] = { x, v };
  FtTensor *g[2] = { NULL, NULL };
  g_assert_true (ft_tape_gradient (tape, y, 2, sources, g, NULL));
  g_assert_null (g[0]); /* x never watched: None */
  g_assert_nonnull (g[1]);
  g_assert_cmpfloat (g[1]->data[0], ==, 1.0f);
  g_assert_cmpfloat (g[1]->data[1], ==, 2.0f);
  ft_tensor_free (g[1]);
  g_assert_false (ft_tape_is_tracked (tape, x));
  g_assert_true (ft_tape_is_tracked (tape, v));
  ft_tape_free (tape);

  /* Only plain tensors and nothing watched: nothing is recorded at all. */
  tape = ft_tape_new (false);
  ft_op_sum (tape, ft_op_mul (tape, x, x));
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 0);
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (v);
}

/* Non-scalar target: the gradient of its sum. */
static void
test_nonscalar_target (void)
{
  FtTensor *x = vec ((float[]){ 1.0f, 2.0f, 3.0f }, 3);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_mul (tape, x, x); /* (3,) */
  FtTensor *g = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, NULL));
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat (g->data[i], ==, 2.0f * x->data[i]);
  ft_tensor_free (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* A watched source the target does not depend on gets None. */
static void
test_unconnected_source (void)
{
  FtTensor *x = vec ((float[]){ 1.0f }, 1);
  FtTensor *z = vec ((float[]){ 5.0f }, 1);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  ft_tape_watch (tape, z);
  FtTensor *unused = ft_op_scale (tape, z, 2.0f);
  (void) unused;
  FtTensor *y = ft_op_scale (tape, x, 3.0f);
  FtTensor *sources[2] = { x, z };
  FtTensor *g[2];
  g_assert_true (ft_tape_gradient (tape, y, 2, sources, g, NULL));
  g_assert_nonnull (g[0]);
  g_assert_cmpfloat (g[0]->data[0], ==, 3.0f);
  g_assert_null (g[1]);
  ft_tensor_free (g[0]);
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (z);
}

/* Persistent: asked twice, same answer (fresh, not accumulated). One-shot: second call refused. */
static void
test_persistent_and_one_shot (void)
{
  FtTensor *x = vec ((float[]){ 2.0f }, 1);
  FtTape *tape = ft_tape_new (true);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_mul (tape, x, x);
  FtTensor *y3 = ft_op_mul (tape, y, x);
  FtTensor *g1 = NULL, *g2 = NULL, *g3 = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g1, NULL));
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g2, NULL));
  g_assert_true (ft_tape_gradient (tape, y3, 1, &x, &g3, NULL));
  g_assert_cmpfloat (g1->data[0], ==, 4.0f);
  g_assert_cmpfloat (g2->data[0], ==, 4.0f);
  g_assert_cmpfloat (g3->data[0], ==, 12.0f); /* d(x³)/dx = 3x² */
  ft_tensor_free (g1);
  ft_tensor_free (g2);
  ft_tensor_free (g3);
  ft_tape_free (tape);

  tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  y = ft_op_mul (tape, x, x);
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g1, &error));
  g_assert_no_error (error);
  ft_tensor_free (g1);
  g1 = NULL;
  g_assert_false (ft_tape_gradient (tape, y, 1, &x, &g1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_TAPE_USED);
  g_assert_nonnull (strstr (error->message, "persistent"));
  g_assert_null (g1);
  g_clear_error (&error);
  /* After a reset the tape is usable again. */
  ft_tape_reset (tape);
  ft_tape_watch (tape, x);
  y = ft_op_mul (tape, x, x);
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g1, &error));
  g_assert_cmpfloat (g1->data[0], ==, 4.0f);
  ft_tensor_free (g1);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* Ops computed while recording is stopped are not on the tape; gradients do not flow through them. */
static void
test_stop_recording (void)
{
  FtTensor *x = vec ((float[]){ 3.0f }, 1);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *a = ft_op_mul (tape, x, x); /* recorded */
  ft_tape_stop_recording (tape);
  g_assert_false (ft_tape_is_recording (tape));
  FtTensor *b = ft_op_mul (tape, a, x); /* not recorded */
  ft_tape_start_recording (tape);
  FtTensor *y = ft_op_add (tape, a, b); /* b is a constant to the tape */
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 2);
  g_assert_cmpfloat (y->data[0], ==, 9.0f + 27.0f);
  FtTensor *g = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, NULL));
  g_assert_cmpfloat (g->data[0], ==, 6.0f); /* only d(x²)/dx */
  ft_tensor_free (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

static void
test_stop_gradient (void)
{
  FtTensor *x = vec ((float[]){ 3.0f }, 1);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *sx = ft_op_stop_gradient (tape, x);
  g_assert_false (ft_tape_is_tracked (tape, sx));
  FtTensor *y = ft_op_mul (tape, x, sx); /* x · stop_gradient(x) → d/dx = x */
  FtTensor *g = NULL;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, NULL));
  g_assert_cmpfloat (g->data[0], ==, 3.0f);
  ft_tensor_free (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* A target the tape never saw: every source gets None, no error. */
static void
test_untracked_target (void)
{
  FtTensor *x = vec ((float[]){ 1.0f }, 1);
  FtTape *tape = ft_tape_new (false);
  FtTensor *y = ft_op_scale (tape, x, 2.0f);
  FtTensor *g = (FtTensor *) 0x1;
  g_assert_true (ft_tape_gradient (tape, y, 1, &x, &g, NULL));
  g_assert_null (g);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* The entry listing: op names in order, shapes and FLOPs, as the tape inspector shows them. */
static void
test_listing (void)
{
  int in_shape[2] = { 4, 3 }, w_shape[2] = { 3, 5 }, b_shape[1] = { 5 };
  FtTensor *x = ft_tensor_new (2, in_shape);
  FtTensor *w = ft_tensor_new (2, w_shape);
  FtTensor *b = ft_tensor_new (1, b_shape);
  w->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  b->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  FtTape *tape = ft_tape_new (false);
  FtTensor *h = ft_op_dense (tape, x, w, b, FT_ACT_RELU);
  FtTensor *s = ft_op_sum (tape, h);
  (void) s;
  g_assert_cmpint (ft_tape_n_entries (tape), ==, 2);
  const FtTapeEntry *e0 = ft_tape_entry (tape, 0);
  g_assert_cmpstr (e0->def->name, ==, "dense");
  g_assert_cmpint (e0->n_inputs, ==, 3);
  g_assert_true (e0->inputs[0] == x && e0->inputs[1] == w && e0->inputs[2] == b);
  g_assert_cmpint (e0->output->ndim, ==, 2);
  g_assert_cmpint (e0->output->shape[0], ==, 4);
  g_assert_cmpint (e0->output->shape[1], ==, 5);
  g_assert_cmpfloat (e0->flops, >=, 2.0 * 4 * 3 * 5);
  g_assert_cmpstr (ft_tape_entry (tape, 1)->def->name, ==, "sum");
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (w);
  ft_tensor_free (b);
}

/* The same source listed twice receives the same gradient in both places. */
static void
test_duplicate_sources (void)
{
  FtTensor *x = vec ((float[]){ 2.0f }, 1);
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, x);
  FtTensor *y = ft_op_mul (tape, x, x);
  FtTensor *sources[2] = { x, x };
  FtTensor *g[2];
  g_assert_true (ft_tape_gradient (tape, y, 2, sources, g, NULL));
  g_assert_cmpfloat (g[0]->data[0], ==, 4.0f);
  g_assert_cmpfloat (g[1]->data[0], ==, 4.0f);
  ft_tensor_free (g[0]);
  ft_tensor_free (g[1]);
  ft_tape_free (tape);
  ft_tensor_free (x);
}

/* Four micro-batches of 8 with accumulated gradients equal one batch of 32 (dense + mean loss). */
static void
test_accumulation_equals_big_batch (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 7, 0);
  int xs[2] = { 32, 6 }, ws[2] = { 6, 4 }, bs[1] = { 4 }, ys[1] = { 32 };
  FtTensor *x = ft_tensor_new (2, xs), *w = ft_tensor_new (2, ws), *b = ft_tensor_new (1, bs);
  FtTensor *y = ft_tensor_new (1, ys);
  ft_test_fill_uniform (x, &rng, -1, 1);
  ft_test_fill_uniform (w, &rng, -1, 1);
  ft_test_fill_uniform (b, &rng, -1, 1);
  for (int i = 0; i < 32; i++)
    y->data[i] = (float) ft_rng_below (&rng, 4);
  w->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  b->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  FtTensor *vars[2] = { w, b };

  FtTape *tape = ft_tape_new (false);
  FtTensor *big[2];
  ft_tape_gradient (tape, ft_op_loss (tape, &loss, ft_op_dense (tape, x, w, b, FT_ACT_TANH), y, NULL), 2,
                    vars, big, NULL);
  double acc_w[24] = { 0 }, acc_b[4] = { 0 };
  for (int m = 0; m < 4; m++)
    {
      int mx[2] = { 8, 6 }, my[1] = { 8 };
      FtTensor xm, ym;
      ft_tensor_init_view (&xm, x->data + m * 8 * 6, 2, mx);
      ft_tensor_init_view (&ym, y->data + m * 8, 1, my);
      ft_tape_reset (tape);
      FtTensor *g[2];
      ft_tape_gradient (tape, ft_op_loss (tape, &loss, ft_op_dense (tape, &xm, w, b, FT_ACT_TANH), &ym, NULL),
                        2, vars, g, NULL);
      for (int i = 0; i < 24; i++)
        acc_w[i] += g[0]->data[i] / 4.0;
      for (int i = 0; i < 4; i++)
        acc_b[i] += g[1]->data[i] / 4.0;
      ft_tensor_free (g[0]);
      ft_tensor_free (g[1]);
    }
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat_with_epsilon (big[0]->data[i], acc_w[i], 1e-6);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (big[1]->data[i], acc_b[i], 1e-6);
  ft_tensor_free (big[0]);
  ft_tensor_free (big[1]);
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (w);
  ft_tensor_free (b);
  ft_tensor_free (y);
}

/* Resetting the tape and repeating a step allocates nothing once the arena has grown. */
static void
test_reset_allocation_free (void)
{
  int xs[2] = { 16, 8 }, ws[2] = { 8, 8 };
  FtTensor *x = ft_tensor_new (2, xs), *w = ft_tensor_new (2, ws);
  w->flags |= FT_TENSOR_VARIABLE | FT_TENSOR_TRAINABLE;
  FtTensor *g = ft_tensor_new (2, ws);
  FtTape *tape = ft_tape_new (false);
  uint64_t before = 0;
  for (int step = 0; step < 10; step++)
    {
      if (step == 3)
        before = ft_alloc_count ();
      ft_tape_reset (tape);
      FtTensor *h = x;
      for (int l = 0; l < 40; l++) /* enough to spill the first arena chunk */
        h = ft_op_dense (tape, h, w, NULL, FT_ACT_TANH);
      FtTensor *y = ft_op_sum (tape, h);
      g_assert_true (ft_tape_gradient_into (tape, y, 1, &w, &g, NULL, NULL));
    }
  g_assert_cmpuint (ft_alloc_count () - before, ==, 0);
  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (w);
  ft_tensor_free (g);
}

/* Scratch memory from ft_tape_alloc0 is zero even where the arena's reused memory held other values. */
static void
test_alloc0_zeroed (void)
{
  FtTape *tape = ft_tape_new (false);
  double *d = ft_tape_alloc (tape, 64 * sizeof (double));
  for (int i = 0; i < 64; i++)
    d[i] = i + 1.0;
  ft_tape_reset (tape);
  double *z = ft_tape_alloc0 (tape, 64 * sizeof (double));
  for (int i = 0; i < 64; i++)
    g_assert_cmpfloat (z[i], ==, 0.0);
  ft_tape_free (tape);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tape/used-twice", test_used_twice);
  g_test_add_func ("/tape/diamond", test_diamond);
  g_test_add_func ("/tape/reshape-gradient-view", test_reshape_gradient_view);
  g_test_add_func ("/tape/watching", test_watching);
  g_test_add_func ("/tape/non-scalar-target", test_nonscalar_target);
  g_test_add_func ("/tape/unconnected-source", test_unconnected_source);
  g_test_add_func ("/tape/persistent-and-one-shot", test_persistent_and_one_shot);
  g_test_add_func ("/tape/stop-recording", test_stop_recording);
  g_test_add_func ("/tape/stop-gradient", test_stop_gradient);
  g_test_add_func ("/tape/untracked-target", test_untracked_target);
  g_test_add_func ("/tape/listing", test_listing);
  g_test_add_func ("/tape/duplicate-sources", test_duplicate_sources);
  g_test_add_func ("/tape/micro-batches-equal-batch", test_accumulation_equals_big_batch);
  g_test_add_func ("/tape/reset-allocation-free", test_reset_allocation_free);
  g_test_add_func ("/tape/alloc0-zeroed", test_alloc0_zeroed);
  return g_test_run ();
}
