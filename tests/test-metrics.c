/* test-metrics.c — the Keras metrics on small hand-made batches, with and without sample weights, over the
 * reset / update / result life cycle, and compile()'s metric names. The expected values are worked out by
 * hand in the comments; several are the examples in Keras' own docstrings (accuracy_metrics.py and
 * regression_metrics.py in keras/src/metrics).
 *
 * Tolerance: 1e-7 absolute. Results are ratios of a few sums of 0/1 matches or of squared / absolute
 * differences of dyadic numbers, all exact in double; the one inexact input is a float32 sample weight
 * such as 0.3f = 0.3 + 1.2e-8, which moves a result by less than 1e-7. */
#include "core/ft-alloc.h"
#include "nn/ft-metrics.h"

#include <math.h>
#include <string.h>

#define TOL 1e-7

static void
view2 (FtTensor *t, float *data, int rows, int cols)
{
  int shape[2] = { rows, cols };
  ft_tensor_init_view (t, data, 2, shape);
}

static void
view1 (FtTensor *t, float *data, int n)
{
  int shape[1] = { n };
  ft_tensor_init_view (t, data, 1, shape);
}

/* ---- sparse categorical accuracy ---- */

static void
test_sparse_categorical_keras_example (void)
{
  /* Keras' docstring: y_true [[2], [1]], y_pred [[0.1, 0.6, 0.3], [0.05, 0.95, 0]] → 0.5;
   * with sample_weight [0.7, 0.3] → 0.3. */
  float t[2] = { 2, 1 };
  float p[6] = { 0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0.0f };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 1);
  view2 (&yp, p, 2, 3);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY, NULL);
  g_assert_cmpstr (m.name, ==, "sparse_categorical_accuracy");
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
  g_assert_cmpfloat (m.count, ==, 2.0);

  ft_metric_reset (&m);
  g_assert_cmpfloat (ft_metric_result (&m), ==, 0.0);
  const float w[2] = { 0.7f, 0.3f };
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.3, TOL);
}

static void
test_sparse_categorical_batch (void)
{
  /* argmax per row: 1, 1, 0, 2, 0 (the tie 0.4/0.4/0.2 goes to the first index) */
  float p[15] = { 0.1f, 0.6f, 0.3f, /**/ 0.05f, 0.95f, 0.0f, /**/ 0.8f, 0.1f, 0.1f, /**/
                  0.2f, 0.3f, 0.5f, /**/ 0.4f,  0.4f,  0.2f };
  float t[5] = { 2, 1, 0, 1, 0 }; /* matches: 0, 1, 1, 0, 1 */
  FtTensor yt, yp;
  view1 (&yt, t, 5); /* y_true as (N) */
  view2 (&yp, p, 5, 3);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY, "accuracy");
  g_assert_cmpstr (m.name, ==, "accuracy");
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 3.0 / 5.0, TOL);

  /* weights 1, 2, 0.5, 4, 0.25: total 2 + 0.5 + 0.25 = 2.75, count 7.75 */
  ft_metric_reset (&m);
  const float w[5] = { 1, 2, 0.5f, 4, 0.25f };
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 2.75 / 7.75, TOL);
  g_assert_cmpfloat_with_epsilon (m.count, 7.75, TOL);

  /* Labels are compared as floats, as Keras casts the argmax to y_true's dtype: 1.5 never matches. */
  ft_metric_reset (&m);
  float t_frac[5] = { 1.5f, 1.0f, 0.0f, 2.0f, 0.0f }; /* matches: 0, 1, 1, 1, 1 */
  view1 (&yt, t_frac, 5);
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 4.0 / 5.0, TOL);
}

/* (N, H, C) predictions: the per-position matches are averaged within each sample first. */
static void
test_sparse_categorical_per_position (void)
{
  /* sample 0: positions argmax 1, 0 vs labels 1, 1 → 0.5; sample 1: argmax 2, 2 vs 2, 2 → 1 */
  float p[12] = { 0, 1, 0, /**/ 1, 0, 0, /**/ 0, 0, 1, /**/ 0.1f, 0.2f, 0.3f };
  float t[4] = { 1, 1, 2, 2 };
  int pshape[3] = { 2, 2, 3 };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 2);
  ft_tensor_init_view (&yp, p, 3, pshape);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY, NULL);
  const float w[2] = { 3, 1 }; /* (3·0.5 + 1·1) / 4 */
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 2.5 / 4.0, TOL);
  ft_metric_reset (&m);
  ft_metric_update (&m, &yt, &yp, NULL); /* (0.5 + 1) / 2 */
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.75, TOL);
}

/* ---- categorical accuracy ---- */

static void
test_categorical_keras_example (void)
{
  /* Keras' docstring: y_true [[0, 0, 1], [0, 1, 0]], y_pred [[0.1, 0.9, 0.8], [0.05, 0.95, 0]] → 0.5;
   * with sample_weight [0.7, 0.3] → 0.3. */
  float t[6] = { 0, 0, 1, 0, 1, 0 };
  float p[6] = { 0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.0f };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 3);
  view2 (&yp, p, 2, 3);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_CATEGORICAL_ACCURACY, NULL);
  g_assert_cmpstr (m.name, ==, "categorical_accuracy");
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
  ft_metric_reset (&m);
  const float w[2] = { 0.7f, 0.3f };
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.3, TOL);
}

static void
test_categorical_batch (void)
{
  /* Soft labels work too: argmax(y_true) is compared. Rows: true argmax 0, 2, 1, 1; pred 0, 2, 2, 1. */
  float t[12] = { 0.8f, 0.1f, 0.1f, /**/ 0, 0, 1, /**/ 0.2f, 0.7f, 0.1f, /**/ 0, 1, 0 };
  float p[12] = { 3, -1, 2, /**/ -5, -4, -3, /**/ 0.1f, 0.2f, 0.7f, /**/ 0.3f, 0.6f, 0.1f };
  FtTensor yt, yp;
  view2 (&yt, t, 4, 3);
  view2 (&yp, p, 4, 3);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_CATEGORICAL_ACCURACY, NULL);
  ft_metric_update (&m, &yt, &yp, NULL); /* matches 1, 1, 0, 1 */
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.75, TOL);
  ft_metric_reset (&m);
  const float w[4] = { 0.5f, 0.5f, 2, 1 }; /* total 2, count 4 */
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
}

/* ---- binary accuracy ---- */

static void
test_binary_keras_example (void)
{
  /* Keras' docstring: y_true [[1], [1], [0], [0]], y_pred [[0.98], [1], [0], [0.6]] → 0.75;
   * with sample_weight [1, 0, 0, 1] → 0.5. */
  float t[4] = { 1, 1, 0, 0 };
  float p[4] = { 0.98f, 1, 0, 0.6f };
  FtTensor yt, yp;
  view2 (&yt, t, 4, 1);
  view2 (&yp, p, 4, 1);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_BINARY_ACCURACY, NULL);
  g_assert_cmpstr (m.name, ==, "binary_accuracy");
  g_assert_cmpfloat (m.threshold, ==, 0.5f);
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.75, TOL);
  ft_metric_reset (&m);
  const float w[4] = { 1, 0, 0, 1 };
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
}

static void
test_binary_multi_label (void)
{
  /* Row 0: (0.7→1)=1 ✓, (0.2→0)=0 ✓, (0.4→0)≠1 ✗ → 2/3.
   * Row 1: 0.5 is not > 0.5 → 0 = 0 ✓, (0.6→1)≠0 ✗, (0.2→0)≠1 ✗ → 1/3. */
  float t[6] = { 1, 0, 1, /**/ 0, 0, 1 };
  float p[6] = { 0.7f, 0.2f, 0.4f, /**/ 0.5f, 0.6f, 0.2f };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 3);
  view2 (&yp, p, 2, 3);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_BINARY_ACCURACY, NULL);
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
  ft_metric_reset (&m);
  const float w[2] = { 1, 3 }; /* (2/3 + 3·1/3) / 4 = 5/12 */
  ft_metric_update (&m, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 5.0 / 12.0, TOL);

  /* Another threshold. */
  ft_metric_reset (&m);
  m.threshold = 0.3f; /* row 0: 1 ✓, 0 ✓, 1 ✓; row 1: 1 ✗, 1 ✗, 0 ✗ */
  ft_metric_update (&m, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);

  /* (N,) predictions: one value per sample. */
  ft_metric_reset (&m);
  m.threshold = 0.5f;
  FtTensor t1, p1;
  float tv[3] = { 1, 0, 1 }, pv[3] = { 0.9f, 0.8f, 0.7f }; /* ✓ ✗ ✓ */
  view1 (&t1, tv, 3);
  view1 (&p1, pv, 3);
  ft_metric_update (&m, &t1, &p1, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 2.0 / 3.0, TOL);
  g_assert_cmpfloat (m.count, ==, 3.0);
}

/* ---- regression errors ---- */

static void
test_regression_keras_examples (void)
{
  /* Keras' docstrings: y_true [[0, 1], [0, 0]], y_pred [[1, 1], [0, 0]] → MSE 0.25 and MAE 0.25;
   * with sample_weight [1, 0] → 0.5 (MAE's docstring). */
  float t[4] = { 0, 1, 0, 0 };
  float p[4] = { 1, 1, 0, 0 };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 2);
  view2 (&yp, p, 2, 2);
  const float w[2] = { 1, 0 };
  const FtMetricKind kinds[2] = { FT_METRIC_MEAN_SQUARED_ERROR, FT_METRIC_MEAN_ABSOLUTE_ERROR };
  const char *names[2] = { "mean_squared_error", "mean_absolute_error" };
  for (int k = 0; k < 2; k++)
    {
      FtMetric m;
      ft_metric_init (&m, kinds[k], NULL);
      g_assert_cmpstr (m.name, ==, names[k]);
      ft_metric_update (&m, &yt, &yp, NULL);
      g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.25, TOL);
      ft_metric_reset (&m);
      ft_metric_update (&m, &yt, &yp, w);
      g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);
    }
}

static void
test_regression_batch (void)
{
  /* Row 0: errors 0.5, 0 → squared mean 0.125, absolute mean 0.25.
   * Row 1: errors −1, 2 → squared mean 2.5, absolute mean 1.5. */
  float t[4] = { 1, 2, /**/ 3, 4 };
  float p[4] = { 1.5f, 2, /**/ 2, 6 };
  FtTensor yt, yp;
  view2 (&yt, t, 2, 2);
  view2 (&yp, p, 2, 2);
  const float w[2] = { 3, 1 };
  FtMetric mse, mae;
  ft_metric_init (&mse, FT_METRIC_MEAN_SQUARED_ERROR, "mse");
  ft_metric_init (&mae, FT_METRIC_MEAN_ABSOLUTE_ERROR, "mae");
  g_assert_cmpstr (mse.name, ==, "mse");
  ft_metric_update (&mse, &yt, &yp, NULL);
  ft_metric_update (&mae, &yt, &yp, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&mse), (0.125 + 2.5) / 2, TOL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&mae), (0.25 + 1.5) / 2, TOL);
  ft_metric_reset (&mse);
  ft_metric_reset (&mae);
  ft_metric_update (&mse, &yt, &yp, w);
  ft_metric_update (&mae, &yt, &yp, w);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&mse), (3 * 0.125 + 2.5) / 4, TOL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&mae), (3 * 0.25 + 1.5) / 4, TOL);
}

/* ---- life cycle ---- */

/* Two updates accumulate (a weighted mean over every sample seen), reset starts again, and updating
 * allocates nothing. */
static void
test_accumulates_over_updates (void)
{
  float p1[6] = { 0.9f, 0.1f, /**/ 0.2f, 0.8f, /**/ 0.6f, 0.4f };
  float t1[3] = { 0, 0, 0 }; /* matches 1, 0, 1 */
  float p2[2] = { 0.3f, 0.7f };
  float t2[1] = { 1 }; /* match */
  FtTensor yt1, yp1, yt2, yp2;
  view1 (&yt1, t1, 3);
  view2 (&yp1, p1, 3, 2);
  view1 (&yt2, t2, 1);
  view2 (&yp2, p2, 1, 2);
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY, NULL);
  uint64_t allocs = ft_alloc_count ();
  ft_metric_update (&m, &yt1, &yp1, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 2.0 / 3.0, TOL);
  ft_metric_update (&m, &yt2, &yp2, NULL);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 3.0 / 4.0, TOL); /* not the mean of 2/3 and 1 */
  g_assert_cmpfloat (m.total, ==, 3.0);
  g_assert_cmpfloat (m.count, ==, 4.0);
  g_assert_cmpuint (ft_alloc_count (), ==, allocs);

  /* Weighted: first batch weights 1, 1, 2 → 3 of 4; second weight 4 → 1 of 1: (3 + 4) / 8 */
  ft_metric_reset (&m);
  g_assert_cmpfloat (m.total, ==, 0.0);
  g_assert_cmpfloat (m.count, ==, 0.0);
  const float w1[3] = { 1, 1, 2 }, w2[1] = { 4 };
  ft_metric_update (&m, &yt1, &yp1, w1);
  ft_metric_update (&m, &yt2, &yp2, w2);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 7.0 / 8.0, TOL);

  /* All weights 0: count 0, result 0 (Keras' divide_no_nan). */
  ft_metric_reset (&m);
  const float w0[3] = { 0, 0, 0 };
  ft_metric_update (&m, &yt1, &yp1, w0);
  g_assert_cmpfloat (ft_metric_result (&m), ==, 0.0);
}

/* Mean: the running loss of fit(), weighted by batch size (the last, smaller batch weighs less). */
static void
test_mean (void)
{
  FtMetric m;
  ft_metric_init (&m, FT_METRIC_MEAN, "loss");
  g_assert_cmpstr (m.name, ==, "loss");
  g_assert_cmpfloat (ft_metric_result (&m), ==, 0.0);
  ft_metric_update_value (&m, 2.0, 32);
  ft_metric_update_value (&m, 4.0, 16);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), (64.0 + 64.0) / 48.0, TOL);
  ft_metric_update_value (&m, 1.0, 0); /* weight 0 changes nothing */
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 128.0 / 48.0, TOL);
  ft_metric_reset (&m);
  ft_metric_update_value (&m, 0.5, 1);
  g_assert_cmpfloat_with_epsilon (ft_metric_result (&m), 0.5, TOL);

  FtMetric d;
  ft_metric_init (&d, FT_METRIC_MEAN, NULL);
  g_assert_cmpstr (d.name, ==, "mean");
}

/* ---- names ---- */

typedef struct
{
  const char *name;
  FtLossKind loss;
  bool ok;
  FtMetricKind kind;
} NameCase;

static void
test_from_name (void)
{
  const NameCase cases[] = {
    /* "accuracy"/"acc" (any case) follows the loss */
    { "accuracy", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
    { "accuracy", FT_LOSS_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_CATEGORICAL_ACCURACY },
    { "accuracy", FT_LOSS_BINARY_CROSSENTROPY, true, FT_METRIC_BINARY_ACCURACY },
    { "accuracy", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_BINARY_ACCURACY },
    { "acc", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
    { "acc", FT_LOSS_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_CATEGORICAL_ACCURACY },
    { "acc", FT_LOSS_BINARY_CROSSENTROPY, true, FT_METRIC_BINARY_ACCURACY },
    { "Accuracy", FT_LOSS_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_CATEGORICAL_ACCURACY },
    { "ACC", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
    /* explicit names do not depend on the loss */
    { "sparse_categorical_accuracy", FT_LOSS_BINARY_CROSSENTROPY, true,
      FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
    { "SparseCategoricalAccuracy", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_SPARSE_CATEGORICAL_ACCURACY },
    { "categorical_accuracy", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_CATEGORICAL_ACCURACY },
    { "CategoricalAccuracy", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_CATEGORICAL_ACCURACY },
    { "binary_accuracy", FT_LOSS_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_BINARY_ACCURACY },
    { "BinaryAccuracy", FT_LOSS_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_BINARY_ACCURACY },
    { "mse", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, FT_METRIC_MEAN_SQUARED_ERROR },
    { "mean_squared_error", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_MEAN_SQUARED_ERROR },
    { "MeanSquaredError", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_MEAN_SQUARED_ERROR },
    { "mae", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_MEAN_ABSOLUTE_ERROR },
    { "mean_absolute_error", FT_LOSS_MEAN_SQUARED_ERROR, true, FT_METRIC_MEAN_ABSOLUTE_ERROR },
    { "MeanAbsoluteError", FT_LOSS_BINARY_CROSSENTROPY, true, FT_METRIC_MEAN_ABSOLUTE_ERROR },
    /* unknown */
    { "f1_score", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, false, FT_METRIC_MEAN },
    { "", FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, false, FT_METRIC_MEAN },
    { "MSE", FT_LOSS_MEAN_SQUARED_ERROR, false, FT_METRIC_MEAN }, /* Keras' other names are case-sensitive */
    { "accuracy", FT_N_LOSSES, false, FT_METRIC_MEAN },
  };
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      FtMetricKind kind = FT_N_METRICS;
      char key[48] = "untouched";
      bool ok = ft_metric_from_name (cases[c].name, cases[c].loss, &kind, key, sizeof key);
      if (ok != cases[c].ok)
        g_error ("case %zu (\"%s\", loss %d): expected %s", c, cases[c].name, cases[c].loss,
                 cases[c].ok ? "success" : "failure");
      if (!ok)
        continue;
      g_assert_cmpint (kind, ==, cases[c].kind);
      /* Keras names a metric given as a string by that string (compile_utils.get_metric). */
      g_assert_cmpstr (key, ==, cases[c].name);
    }

  /* kind and key may be NULL; a short key buffer is truncated, not overrun. */
  g_assert_true (ft_metric_from_name ("accuracy", FT_LOSS_BINARY_CROSSENTROPY, NULL, NULL, 0));
  char small[4];
  FtMetricKind kind;
  g_assert_true (ft_metric_from_name ("accuracy", FT_LOSS_BINARY_CROSSENTROPY, &kind, small, sizeof small));
  g_assert_cmpstr (small, ==, "acc");
  g_assert_cmpint (kind, ==, FT_METRIC_BINARY_ACCURACY);
}

static void
test_init_names (void)
{
  const char *expected[FT_N_METRICS] = { "mean",
                                         "sparse_categorical_accuracy",
                                         "categorical_accuracy",
                                         "binary_accuracy",
                                         "mean_squared_error",
                                         "mean_absolute_error" };
  for (int k = 0; k < FT_N_METRICS; k++)
    {
      FtMetric m;
      memset (&m, 0x55, sizeof m); /* init must not depend on what was there */
      ft_metric_init (&m, (FtMetricKind) k, NULL);
      g_assert_cmpint (m.kind, ==, k);
      g_assert_cmpstr (m.name, ==, expected[k]);
      g_assert_cmpfloat (m.total, ==, 0.0);
      g_assert_cmpfloat (m.count, ==, 0.0);
      g_assert_cmpfloat (m.threshold, ==, 0.5f);
    }
  /* A name longer than the field is truncated. */
  FtMetric m;
  char long_name[100];
  memset (long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  ft_metric_init (&m, FT_METRIC_MEAN, long_name);
  g_assert_cmpuint (strlen (m.name), ==, sizeof m.name - 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/sparse-categorical-accuracy/keras-example",
                   test_sparse_categorical_keras_example);
  g_test_add_func ("/metrics/sparse-categorical-accuracy/batch", test_sparse_categorical_batch);
  g_test_add_func ("/metrics/sparse-categorical-accuracy/per-position", test_sparse_categorical_per_position);
  g_test_add_func ("/metrics/categorical-accuracy/keras-example", test_categorical_keras_example);
  g_test_add_func ("/metrics/categorical-accuracy/batch", test_categorical_batch);
  g_test_add_func ("/metrics/binary-accuracy/keras-example", test_binary_keras_example);
  g_test_add_func ("/metrics/binary-accuracy/multi-label", test_binary_multi_label);
  g_test_add_func ("/metrics/regression/keras-examples", test_regression_keras_examples);
  g_test_add_func ("/metrics/regression/batch", test_regression_batch);
  g_test_add_func ("/metrics/life-cycle/accumulates-over-updates", test_accumulates_over_updates);
  g_test_add_func ("/metrics/life-cycle/mean", test_mean);
  g_test_add_func ("/metrics/names/from-name", test_from_name);
  g_test_add_func ("/metrics/names/init-defaults", test_init_names);

  return g_test_run ();
}
