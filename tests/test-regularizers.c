/* test-regularizers.c — L1 beside L2 (Keras' kernel_regularizer L1, L2, L1L2), no display: the L1 op's
 * value and its gradient (finite differences, and sign(w) exactly, 0 at 0); one SGD step whose update
 * differs from the unregularised one by exactly lr · (l1 · sign(w) + 2 · l2 · w) (Keras' equations, the
 * golden numbers worked out by hand); the experiment key in every spelling Keras accepts, its round
 * trip and its errors; the generated code. */
#include "experiment/ft-codegen.h"
#include "experiment/ft-experiment.h"
#include "experiment/ft-keras-file.h"

#include "ft-test-util.h"
#include "train/ft-train-step.h"
#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

static FtTensor *
fw_l1 (FtTape *tape, FtTensor *const *in, void *user)
{
  return ft_op_l1 (tape, in[0], 0.03f);
}

static void
test_l1_op (void)
{
  FtRng rng;
  ft_rng_seed (&rng, 11, 0);
  int s[2] = { 4, 3 };
  FtTensor *w = ft_tensor_new (2, s);
  ft_test_fill_uniform (w, &rng, 0.1f, 1.0f);
  for (size_t i = 0; i < w->size; i += 2)
    w->data[i] = -w->data[i]; /* both signs, all at least 0.1 from the kink */
  bool check[1] = { true };
  ft_test_gradcheck (fw_l1, NULL, 1, &w, check, 1e-2f, 1e-4f, 1e-3f, 0);

  /* Value and gradient exactly: 0.03 · Σ|w| and 0.03 · sign(w), 0 where w is 0. */
  w->data[5] = 0.0f;
  FtTape *tape = ft_tape_new (false);
  ft_tape_watch (tape, w);
  FtTensor *r = ft_op_l1 (tape, w, 0.03f);
  double expect = 0;
  for (size_t i = 0; i < w->size; i++)
    expect += 0.03 * fabs ((double) w->data[i]);
  g_assert_cmpfloat_with_epsilon (r->data[0], expect, 1e-7);
  FtTensor *grad = NULL;
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, r, 1, &w, &grad, &error));
  g_assert_no_error (error);
  for (size_t i = 0; i < w->size; i++)
    g_assert_cmpfloat (grad->data[i], ==, w->data[i] > 0 ? 0.03f : w->data[i] < 0 ? -0.03f : 0.0f);
  ft_tensor_free (grad);
  ft_tape_free (tape);
  ft_tensor_free (w);
}

static FtModel *
dense_model (float l1, float l2)
{
  int in = 3;
  FtModel *m = ft_model_new (1, &in);
  FtLayerSpec s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 4;
  s.activation = FT_ACT_TANH;
  s.kernel_l1 = l1;
  s.kernel_l2 = l2;
  ft_model_add (m, &s);
  s = ft_layer_spec_default (FT_LAYER_DENSE);
  s.units = 2;
  ft_model_add (m, &s);
  g_assert_true (ft_model_build (m, 5, NULL));
  return m;
}

/* One SGD step (lr 0.5) on the same batch from the same weights, with and without the regulariser: the
 * first kernel's update differs by lr · (l1 · sign(w) + 2 · l2 · w), nothing else differs, and the loss
 * by l1 · Σ|w| + l2 · Σw². */
static void
check_step (float l1, float l2)
{
  FtModel *plain = dense_model (0, 0), *reg = dense_model (l1, l2);
  size_t n = ft_model_n_params (plain);
  float *w0 = g_new (float, n), *a = g_new (float, n), *b = g_new (float, n);
  ft_model_get_weights (plain, w0);
  FtOptimizerSpec os = ft_optimizer_spec_default (FT_OPT_SGD);
  os.learning_rate = 0.5f;
  FtOptimizer *opt_a = ft_optimizer_new (&os, ft_model_n_trainable (plain), ft_model_trainable (plain));
  FtOptimizer *opt_b = ft_optimizer_new (&os, ft_model_n_trainable (reg), ft_model_trainable (reg));
  FtTape *tape = ft_tape_new (false);
  int xs[2] = { 5, 3 }, ys[1] = { 5 };
  FtTensor *x = ft_tensor_new (2, xs), *y = ft_tensor_new (1, ys);
  FtRng rng;
  ft_rng_seed (&rng, 3, 0);
  ft_test_fill_uniform (x, &rng, -1, 1);
  for (int i = 0; i < 5; i++)
    y->data[i] = (float) (i % 2);
  FtLossSpec loss = { FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true };
  float la = 0, lb = 0;
  GError *error = NULL;
  g_assert_true (ft_train_step (plain, opt_a, &loss, tape, x, y, NULL, &la, NULL, &error));
  g_assert_true (ft_train_step (reg, opt_b, &loss, tape, x, y, NULL, &lb, NULL, &error));
  g_assert_no_error (error);
  ft_model_get_weights (plain, a);
  ft_model_get_weights (reg, b);
  size_t kernel = 3 * 4;
  double penalty = 0;
  for (size_t i = 0; i < n; i++)
    {
      double w = w0[i];
      if (i < kernel)
        {
          double sign = w > 0 ? 1 : w < 0 ? -1 : 0;
          g_assert_cmpfloat_with_epsilon (b[i] - a[i], -0.5 * (l1 * sign + 2.0 * l2 * w), 2e-6);
          penalty += l1 * fabs (w) + l2 * w * w;
        }
      else
        g_assert_cmpfloat (b[i], ==, a[i]);
    }
  g_assert_cmpfloat_with_epsilon (lb - la, penalty, 1e-5);
  g_assert_cmpfloat (penalty, >, 0);
  ft_tensor_free (x);
  ft_tensor_free (y);
  ft_tape_free (tape);
  ft_optimizer_free (opt_a);
  ft_optimizer_free (opt_b);
  ft_model_free (plain);
  ft_model_free (reg);
  g_free (w0);
  g_free (a);
  g_free (b);
}

static void
test_l1_step (void)
{
  check_step (0.05f, 0.0f);
}

static void
test_l1_l2_step (void)
{
  check_step (0.05f, 0.02f);
}

#define DENSE_WITH(reg)                                                                                      \
  "{\"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [2], \"layers\": ["                    \
  "{\"type\": \"Dense\", \"units\": 4, \"activation\": \"relu\", \"kernel_regularizer\": " reg "},"          \
  "{\"type\": \"Dense\", \"units\": 2}]}}"

static FtExperiment *
parse (const char *json, GError **error)
{
  return ft_experiment_from_json (json, error);
}

static void
assert_reg (const char *reg, float l1, float l2)
{
  char *json = g_strdup_printf (DENSE_WITH ("%s"), reg);
  GError *error = NULL;
  FtExperiment *e = parse (json, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (e->layers[0].kernel_l1, ==, l1);
  g_assert_cmpfloat (e->layers[0].kernel_l2, ==, l2);
  /* Round trip. */
  char *out = ft_experiment_to_json (e);
  FtExperiment *back = parse (out, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (e, back));
  g_assert_cmpfloat (back->layers[0].kernel_l1, ==, l1);
  /* Generated code: Keras' class for what is set. */
  char *code = ft_codegen_python (e, FT_MODE_FIT, NULL);
  if (l1 > 0 && l2 > 0)
    g_assert_nonnull (strstr (code, "kernel_regularizer=keras.regularizers.L1L2(l1="));
  else if (l1 > 0)
    g_assert_nonnull (strstr (code, "kernel_regularizer=keras.regularizers.L1("));
  else if (l2 > 0)
    g_assert_nonnull (strstr (code, "kernel_regularizer=keras.regularizers.L2("));
  else
    g_assert_null (strstr (code, "kernel_regularizer"));
  g_free (code);
  /* A .keras file keeps them (Keras' L1, L2 or L1L2 config). */
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_no_error (error);
  char *dir = g_dir_make_tmp ("fittape-reg-XXXXXX", &error);
  char *path = g_build_filename (dir, "model.keras", NULL);
  g_assert_true (ft_keras_save (t, path, &error));
  g_assert_no_error (error);
  float *weights = NULL;
  size_t n_weights = 0;
  FtExperiment *loaded = ft_keras_load (path, e, &weights, &n_weights, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (loaded->layers[0].kernel_l1, ==, l1);
  g_assert_cmpfloat (loaded->layers[0].kernel_l2, ==, l2);
  ft_experiment_free (loaded);
  g_free (weights);
  g_remove (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  ft_trainer_free (t);
  ft_experiment_free (back);
  g_free (out);
  ft_experiment_free (e);
  g_free (json);
}

static void
test_experiment_key (void)
{
  assert_reg ("null", 0, 0);
  assert_reg ("\"l1\"", 0.01f, 0);
  assert_reg ("\"l2\"", 0, 0.01f);
  assert_reg ("\"l1_l2\"", 0, 0);
  assert_reg ("{\"l1\": 0.003}", 0.003f, 0);
  assert_reg ("{\"l2\": 0.004}", 0, 0.004f);
  assert_reg ("{\"l1\": 0.001, \"l2\": 0.002}", 0.001f, 0.002f);
  assert_reg ("{}", 0, 0.01f); /* L2() */
  static const char *const bad[] = { "\"l3\"", "{\"l1\": -1}", "{\"l0\": 1}", "3" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char *json = g_strdup_printf (DENSE_WITH ("%s"), bad[i]);
      GError *error = NULL;
      g_assert_null (parse (json, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "kernel_regularizer"));
      g_error_free (error);
      g_free (json);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/regularizers/l1-op", test_l1_op);
  g_test_add_func ("/regularizers/l1-step", test_l1_step);
  g_test_add_func ("/regularizers/l1-l2-step", test_l1_l2_step);
  g_test_add_func ("/regularizers/experiment-key", test_experiment_key);
  return g_test_run ();
}
