/* test-golden.c — the engine against numbers from PyTorch (tests/golden.h, made by tests/gen_golden.py):
 * three tiny nets (dense; conv valid + max-pool; conv same stride 2 + max-pool same) built with the public
 * model API and given the fixture's weights. Checks the logits, the loss and every gradient at the initial
 * weights, then 5 ft_train_step calls each with SGD(0.1, momentum 0.9), Adam(0.01) and RMSprop(0.01):
 * the loss at every step and the final weights.
 *
 * Tolerance: |engine − golden| ≤ ATOL + RTOL·|golden|, both 1e-6. Both sides compute in float32 but
 * with different summation orders (OpenBLAS sgemm / im2col here, PyTorch's kernels there) and their own
 * log-sum-exp and tanh, so each value differs by a few float32 ulps; through 5 optimizer steps the worst
 * case observed is 3e-7 absolute (2e-7 in atol = rtol terms; each check prints its worst difference
 * with --verbose), the same with OpenBLAS' Haswell and SkylakeX kernels. 1e-6 leaves a 5× margin and
 * still catches the subtle mistakes: PyTorch's epsilon placement in Adam (5e-5 off in the weights, 3e-6
 * in the losses) or RMSprop (4e-4), Adam with epsilon 1e-8 instead of 1e-7 (5e-5), or symmetric instead of
 * TensorFlow's "same" padding (0.4). If a new BLAS or compiler ever needs more, 1e-5 is still sound;
 * beyond ~1e-4 something is wrong. The fixture also stays ≥ 3e-4 away from every ReLU and max-pool
 * kink (gen_golden.py checks), so rounding cannot pick a different branch. */
#include "fittape-engine.h"
#include "ft-test-util.h"
#include "golden.h"

#include <math.h>
#include <string.h>

#define ATOL 1e-6f
#define RTOL 1e-6f

/* Compares and reports the worst absolute difference and the smallest t with |a − b| ≤ t + t·|b| for all
 * elements (the tolerance this quantity actually needs). */
static void
check (const char *what, const float *a, const float *b, size_t n)
{
  double worst_abs = 0, needed = 0;
  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - (double) b[i]);
      worst_abs = fmax (worst_abs, d);
      needed = fmax (needed, d / (1.0 + fabs ((double) b[i])));
    }
  g_test_message ("%-28s n=%-3zu max|diff| %.3g  needs atol=rtol %.3g", what, n, worst_abs, needed);
  ft_test_assert_close (what, a, b, n, ATOL, RTOL);
}

/* The same layers as NETS in gen_golden.py. */
static FtModel *
build_model (const GoldenNet *net)
{
  FtModel *model = ft_model_new (net->in_ndim, net->in_shape);
  g_assert_nonnull (model);
  if (strcmp (net->name, "dense") == 0)
    {
      FtLayerSpec d1 = ft_layer_spec_default (FT_LAYER_DENSE);
      d1.units = 7;
      d1.activation = FT_ACT_RELU;
      ft_model_add (model, &d1);
    }
  else
    {
      bool same = strcmp (net->name, "conv_same") == 0;
      g_assert_true (same || strcmp (net->name, "conv") == 0);
      FtLayerSpec conv = ft_layer_spec_default (FT_LAYER_CONV2D);
      conv.filters = 4;
      conv.kernel_size[0] = conv.kernel_size[1] = 3;
      conv.strides[0] = conv.strides[1] = same ? 2 : 1;
      conv.padding = same ? FT_PADDING_SAME : FT_PADDING_VALID;
      conv.activation = same ? FT_ACT_TANH : FT_ACT_RELU;
      ft_model_add (model, &conv);
      FtLayerSpec pool = ft_layer_spec_default (FT_LAYER_MAX_POOLING2D);
      pool.pool_size[0] = pool.pool_size[1] = 2;
      pool.padding = same ? FT_PADDING_SAME : FT_PADDING_VALID;
      ft_model_add (model, &pool);
      FtLayerSpec flatten = ft_layer_spec_default (FT_LAYER_FLATTEN);
      ft_model_add (model, &flatten);
    }
  FtLayerSpec logits = ft_layer_spec_default (FT_LAYER_DENSE);
  logits.units = net->n_classes;
  ft_model_add (model, &logits);

  GError *error = NULL;
  g_assert_true (ft_model_build (model, 1, &error));
  g_assert_no_error (error);

  /* Overwrite the seeded initialisation with the fixture's weights (same Keras order and layouts). */
  g_assert_cmpint (ft_model_n_weights (model), ==, net->n_weights);
  g_assert_cmpint (ft_model_n_trainable (model), ==, net->n_weights);
  for (int i = 0; i < net->n_weights; i++)
    {
      FtTensor *w = ft_model_weight (model, i);
      g_assert_true (ft_model_trainable (model)[i] == w);
      g_assert_cmpuint (w->size, ==, net->weight_size[i]);
      memcpy (w->data, net->init[i], w->size * sizeof (float));
    }
  return model;
}

static void
input_shape (const GoldenNet *net, int *shape)
{
  shape[0] = net->batch;
  for (int d = 0; d < net->in_ndim; d++)
    shape[d + 1] = net->in_shape[d];
}

static const FtLossSpec loss_spec = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };

/* Logits, loss and every gradient at the initial weights, through the tape. */
static void
test_forward_backward (gconstpointer data)
{
  const GoldenNet *net = data;
  FtModel *model = build_model (net);
  FtTape *tape = ft_tape_new (false);
  int shape[FT_MAX_DIMS];
  input_shape (net, shape);
  FtTensor *x = ft_op_constant (tape, net->x, net->in_ndim + 1, shape);
  FtTensor *y = ft_op_constant (tape, net->labels, 1, &net->batch);

  FtTensor *logits = ft_model_forward (model, tape, x, true);
  g_assert_nonnull (logits);
  g_assert_cmpint (logits->ndim, ==, 2);
  g_assert_cmpint (logits->shape[0], ==, net->batch);
  g_assert_cmpint (logits->shape[1], ==, net->n_classes);
  FtTensor *loss = ft_op_loss (tape, &loss_spec, logits, y, NULL);
  g_assert_nonnull (loss);
  g_assert_cmpuint (loss->size, ==, 1);

  int n = ft_model_n_trainable (model);
  bool connected[GOLDEN_MAX_WEIGHTS];
  GError *error = NULL;
  g_assert_true (ft_tape_gradient_into (tape, loss, n, ft_model_trainable (model), ft_model_gradients (model),
                                        connected, &error));
  g_assert_no_error (error);

  check ("logits", logits->data, net->logits, logits->size);
  check ("loss", loss->data, &net->loss, 1);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (connected[i]);
      FtTensor *g = ft_model_gradients (model)[i];
      char what[64];
      g_snprintf (what, sizeof what, "gradient of %s", ft_model_weight (model, i)->name);
      check (what, g->data, net->grad[i], g->size);
    }
  ft_tape_free (tape);
  ft_model_free (model);
}

typedef struct
{
  const GoldenNet *net;
  int optimizer; /* index into golden_optimizer_names */
} TrainCase;

static FtOptimizerSpec
optimizer_spec (int which)
{
  FtOptimizerSpec s;
  switch (which)
    {
    case 0:
      s = ft_optimizer_spec_default (FT_OPT_SGD);
      s.learning_rate = 0.1f;
      s.momentum = 0.9f;
      s.nesterov = false;
      break;
    case 1:
      s = ft_optimizer_spec_default (FT_OPT_ADAM);
      s.learning_rate = 0.01f;
      s.beta_1 = 0.9f;
      s.beta_2 = 0.999f;
      s.epsilon = 1e-7f;
      s.amsgrad = false;
      break;
    default:
      s = ft_optimizer_spec_default (FT_OPT_RMSPROP);
      s.learning_rate = 0.01f;
      s.rho = 0.9f;
      s.epsilon = 1e-7f;
      s.momentum = 0.0f;
      s.centered = false;
      break;
    }
  return s;
}

/* 5 train steps from the initial weights: each step's loss and the final weights. */
static void
test_train (gconstpointer data)
{
  const TrainCase *tc = data;
  const GoldenNet *net = tc->net;
  FtModel *model = build_model (net);
  FtOptimizerSpec spec = optimizer_spec (tc->optimizer);
  GError *error = NULL;
  g_assert_true (ft_optimizer_spec_validate (&spec, &error));
  g_assert_no_error (error);
  int n = ft_model_n_trainable (model);
  FtOptimizer *opt = ft_optimizer_new (&spec, n, ft_model_trainable (model));
  g_assert_nonnull (opt);

  /* The batch lives outside the tape: ft_train_step resets the tape first. */
  int shape[FT_MAX_DIMS];
  input_shape (net, shape);
  FtTensor *x = ft_tensor_new (net->in_ndim + 1, shape);
  memcpy (x->data, net->x, x->size * sizeof (float));
  FtTensor *y = ft_tensor_new (1, &net->batch);
  memcpy (y->data, net->labels, y->size * sizeof (float));
  FtTape *tape = ft_tape_new (false);

  float losses[GOLDEN_N_STEPS];
  for (int step = 0; step < GOLDEN_N_STEPS; step++)
    {
      g_assert_true (ft_train_step (model, opt, &loss_spec, tape, x, y, NULL, &losses[step], NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint ((int) ft_optimizer_iterations (opt), ==, GOLDEN_N_STEPS);

  const char *oname = golden_optimizer_names[tc->optimizer];
  char what[96];
  g_snprintf (what, sizeof what, "%s: loss per step", oname);
  check (what, losses, net->losses[tc->optimizer], GOLDEN_N_STEPS);
  for (int i = 0; i < n; i++)
    {
      FtTensor *w = ft_model_weight (model, i);
      g_snprintf (what, sizeof what, "%s: final %s", oname, w->name);
      check (what, w->data, net->final[tc->optimizer][i], w->size);
    }

  ft_tape_free (tape);
  ft_tensor_free (x);
  ft_tensor_free (y);
  ft_optimizer_free (opt);
  ft_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static TrainCase cases[GOLDEN_N_NETS][GOLDEN_N_OPTIMIZERS];
  for (int k = 0; k < GOLDEN_N_NETS; k++)
    {
      const GoldenNet *net = &golden_nets[k];
      char *path = g_strdup_printf ("/golden/%s/forward-backward", net->name);
      g_test_add_data_func (path, net, test_forward_backward);
      g_free (path);
      for (int o = 0; o < GOLDEN_N_OPTIMIZERS; o++)
        {
          cases[k][o] = (TrainCase){ net, o };
          path = g_strdup_printf ("/golden/%s/%s", net->name, golden_optimizer_names[o]);
          g_test_add_data_func (path, &cases[k][o], test_train);
          g_free (path);
        }
    }
  return g_test_run ();
}
