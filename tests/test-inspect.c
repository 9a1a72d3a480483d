/* test-inspect.c — decision grids and confusion matrices (ft-inspect.h), no display: models whose weights
 * are set by hand so that the answer is known (class = x > 0, class = y > 0, a single sigmoid output,
 * three classes, brighter half of a tiny image), then a small spiral model trained for real, checked
 * against ft_predict and ft_evaluate of the trainer it came from, also from a worker thread while that
 * trainer goes on training. */
#include "experiment/ft-inspect.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

/* A model of one Dense layer on two inputs; loss is compile's "loss" value as JSON. */
#define DENSE_MODEL(units, activation, loss)                                                                 \
  "{\"seed\": 3, \"dataset\": {\"name\": \"circle\"},"                                                       \
  " \"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", \"units\": " units ","              \
  " \"activation\": \"" activation "\"}]}, \"compile\": {\"loss\": " loss "}}"
#define LOGITS(name) "{\"name\": \"" name "\", \"from_logits\": true}"
#define PROBS(name)  "\"" name "\""

static FtExperiment *
experiment (const char *json)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (exp);
  return exp;
}

static FtInspectModel *
inspect_model (const char *json, const float *weights, size_t n)
{
  FtExperiment *exp = experiment (json);
  GError *error = NULL;
  FtInspectModel *m = ft_inspect_model_new (exp, NULL, weights, n, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  ft_experiment_free (exp);
  return m;
}

static double
sigmoid (double z)
{
  return 1.0 / (1.0 + exp (-z));
}

/* A dataset of 2-D points, built by hand. */
static FtDataset *
points_dataset (const float *xy, const float *labels, uint32_t n, int n_classes)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("points");
  ds->n = n;
  ds->ndim = 1;
  ds->shape[0] = 2;
  ds->sample_size = 2;
  ds->features = g_memdup2 (xy, (size_t) n * 2 * sizeof (float));
  ds->labels = g_memdup2 (labels, (size_t) n * sizeof (float));
  ds->n_classes = n_classes;
  return ds;
}

/* ---- known answers ---- */

/* Logits (−10x, 10x): class 1 exactly where x > 0, p(class 1) = sigmoid(20x). */
static void
test_grid_x_positive (void)
{
  const float w[] = { -10, 10, 0, 0, 0, 0 }; /* kernel (2 inputs × 2 units), bias */
  FtInspectModel *m = inspect_model (DENSE_MODEL ("2", "linear", LOGITS ("sparse_categorical_crossentropy")),
                                     w, G_N_ELEMENTS (w));
  g_assert_cmpuint (ft_inspect_model_n_params (m), ==, 6);
  g_assert_cmpuint (ft_inspect_model_n_inputs (m), ==, 2);
  g_assert_cmpint (ft_inspect_model_n_classes (m), ==, 2);

  GError *error = NULL;
  int nx = 24, ny = 10;
  FtDecisionGrid *g = ft_decision_grid (m, -6, 6, -3, 2, nx, ny, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g->nx, ==, nx);
  g_assert_cmpint (g->ny, ==, ny);
  g_assert_cmpint (g->n_classes, ==, 2);
  g_assert_cmpfloat (g->xmin, ==, -6);
  g_assert_cmpfloat (g->ymax, ==, 2);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        int c = j * nx + i;
        double x = -6 + (i + 0.5) * 12.0 / nx;
        g_assert_cmpint (g->classes[c], ==, x > 0 ? 1 : 0);
        g_assert_cmpfloat_with_epsilon (g->p1[c], sigmoid (20 * x), 1e-5);
        g_assert_cmpfloat_with_epsilon (g->confidence[c], x > 0 ? g->p1[c] : 1 - g->p1[c], 1e-6);
        g_assert_cmpfloat (g->confidence[c], >=, 0.5f);
        /* Every row is the same: y does not matter. */
        g_assert_cmpfloat (g->p1[c], ==, g->p1[i]);
      }
  /* Cells next to the boundary are uncertain, far ones certain. */
  g_assert_cmpfloat (g->confidence[nx / 2], <, 0.999f);
  g_assert_cmpfloat (g->confidence[0], >, 0.9999f);
  ft_decision_grid_free (g);
  ft_inspect_model_free (m);
}

/* Rows go from the top: with class = y > 0 the upper half of the grid is class 1. */
static void
test_grid_row_order (void)
{
  const float w[] = { 0, 0, -4, 4, 0, 0 };
  FtInspectModel *m = inspect_model (DENSE_MODEL ("2", "linear", LOGITS ("sparse_categorical_crossentropy")),
                                     w, G_N_ELEMENTS (w));
  GError *error = NULL;
  FtDecisionGrid *g = ft_decision_grid (m, -6, 6, -6, 6, 3, 4, &error);
  g_assert_no_error (error);
  int expected[4] = { 1, 1, 0, 0 };
  for (int j = 0; j < 4; j++)
    {
      double y = 6 - (j + 0.5) * 3.0;
      for (int i = 0; i < 3; i++)
        {
          g_assert_cmpint (g->classes[j * 3 + i], ==, expected[j]);
          g_assert_cmpfloat_with_epsilon (g->p1[j * 3 + i], sigmoid (8 * y), 1e-5);
        }
    }
  ft_decision_grid_free (g);

  /* More cells than one inference batch, and a 1 × 1 grid (its centre is the middle of the range). */
  g = ft_decision_grid (m, -6, 6, -6, 6, 100, 100, &error);
  g_assert_no_error (error);
  for (int j = 0; j < 100; j++)
    g_assert_cmpint (g->classes[j * 100 + 37], ==, j < 50 ? 1 : 0);
  ft_decision_grid_free (g);
  g = ft_decision_grid (m, -1, 1, 0.5, 1.5, 1, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (g->p1[0], sigmoid (8.0), 1e-6);
  ft_decision_grid_free (g);
  ft_inspect_model_free (m);
}

/* One output: a sigmoid layer (probabilities as they are) and a linear layer with binary cross-entropy
 * from logits (a sigmoid applied here) agree; a linear output trained with MSE is clamped. */
static void
test_grid_single_output (void)
{
  const float w[] = { 3, 0, 0.5f }; /* kernel (2 × 1), bias */
  FtInspectModel *a = inspect_model (DENSE_MODEL ("1", "sigmoid", PROBS ("binary_crossentropy")), w, 3);
  FtInspectModel *b = inspect_model (DENSE_MODEL ("1", "linear", LOGITS ("binary_crossentropy")), w, 3);
  g_assert_cmpint (ft_inspect_model_n_classes (a), ==, 2);
  GError *error = NULL;
  FtDecisionGrid *ga = ft_decision_grid (a, -2, 2, -1, 1, 8, 2, &error);
  g_assert_no_error (error);
  FtDecisionGrid *gb = ft_decision_grid (b, -2, 2, -1, 1, 8, 2, &error);
  g_assert_no_error (error);
  for (int c = 0; c < 16; c++)
    {
      double x = -2 + (c % 8 + 0.5) * 0.5;
      double p = sigmoid (3 * x + 0.5);
      g_assert_cmpfloat_with_epsilon (ga->p1[c], p, 1e-5);
      g_assert_cmpfloat_with_epsilon (gb->p1[c], p, 1e-5);
      g_assert_cmpint (ga->classes[c], ==, p > 0.5 ? 1 : 0);
      g_assert_cmpint (gb->classes[c], ==, ga->classes[c]);
    }
  ft_decision_grid_free (ga);
  ft_decision_grid_free (gb);
  ft_inspect_model_free (a);
  ft_inspect_model_free (b);

  const float r[] = { 0.25f, 0, 0.5f }; /* 0.25x + 0.5: 0 at x = −2, 1 at x = 2 */
  FtInspectModel *mse = inspect_model (DENSE_MODEL ("1", "linear", PROBS ("mean_squared_error")), r, 3);
  FtDecisionGrid *g = ft_decision_grid (mse, -6, 6, -1, 1, 6, 1, &error);
  g_assert_no_error (error);
  const float expected[6] = { 0, 0, 0.25f, 0.75f, 1, 1 }; /* x = −5, −3, −1, 1, 3, 5 */
  for (int i = 0; i < 6; i++)
    {
      g_assert_cmpfloat_with_epsilon (g->p1[i], expected[i], 1e-6);
      g_assert_cmpint (g->classes[i], ==, i >= 3 ? 1 : 0);
    }
  ft_decision_grid_free (g);
  ft_inspect_model_free (mse);
}

/* Three classes from a softmax layer: the class of the largest of (−x, x, y); the confidence is that
 * class' softmax probability. */
static void
test_grid_three_classes (void)
{
  const float w[] = { -1, 1, 0, 0, 0, 2, 0, 0, 0 }; /* kernel rows: x → (−1, 1, 0), y → (0, 0, 2) */
  FtInspectModel *m = inspect_model (DENSE_MODEL ("3", "softmax", PROBS ("sparse_categorical_crossentropy")),
                                     w, G_N_ELEMENTS (w));
  g_assert_cmpint (ft_inspect_model_n_classes (m), ==, 3);
  GError *error = NULL;
  FtDecisionGrid *g = ft_decision_grid (m, -6, 6, -6, 6, 12, 12, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g->n_classes, ==, 3);
  int seen[3] = { 0 };
  for (int j = 0; j < 12; j++)
    for (int i = 0; i < 12; i++)
      {
        double x = -5.5 + i, y = 5.5 - j;
        double z[3] = { -x, x, 2 * y };
        int best = z[1] > z[0] ? 1 : 0;
        if (z[2] > z[best])
          best = 2;
        double sum = exp (z[0]) + exp (z[1]) + exp (z[2]);
        int c = j * 12 + i;
        g_assert_cmpint (g->classes[c], ==, best);
        g_assert_cmpfloat_with_epsilon (g->confidence[c], exp (z[best]) / sum, 1e-5);
        g_assert_cmpfloat_with_epsilon (g->p1[c], exp (z[1]) / sum, 1e-5);
        seen[best]++;
      }
  g_assert_cmpint (seen[0], >, 0);
  g_assert_cmpint (seen[1], >, 0);
  g_assert_cmpint (seen[2], >, 0);
  ft_decision_grid_free (g);
  ft_inspect_model_free (m);
}

/* Class = x > 0 on eight points, three of them labelled against it. */
static void
test_confusion_known (void)
{
  const float w[] = { -10, 10, 0, 0, 0, 0 };
  FtInspectModel *m = inspect_model (DENSE_MODEL ("2", "linear", LOGITS ("sparse_categorical_crossentropy")),
                                     w, G_N_ELEMENTS (w));
  const float xy[] = { -3, 1, 2, 2, -1, -4, 4, 0, 0.5f, 3, -2, 2, -0.5f, 1, 5, -5 };
  const float labels[] = { 0, 1, 1, 1, 1, 1, 0, 0 }; /* wrong: sample 2 (x −1), 5 (x −2), 7 (x 5) */
  FtDataset *ds = points_dataset (xy, labels, 8, 2);

  int matrix[4];
  uint32_t mis[8];
  int n_mis = -1;
  GError *error = NULL;
  g_assert_true (ft_confusion_matrix (m, ds, matrix, mis, 8, &n_mis, &error));
  g_assert_no_error (error);
  /* Rows: true class; columns: predicted. True 0: samples 0 (→0), 6 (→0), 7 (→1); true 1: 1, 3, 4 (→1),
   * 2, 5 (→0). */
  g_assert_cmpint (matrix[0], ==, 2);
  g_assert_cmpint (matrix[1], ==, 1);
  g_assert_cmpint (matrix[2], ==, 2);
  g_assert_cmpint (matrix[3], ==, 3);
  g_assert_cmpint (n_mis, ==, 3);
  g_assert_cmpuint (mis[0], ==, 2);
  g_assert_cmpuint (mis[1], ==, 5);
  g_assert_cmpuint (mis[2], ==, 7);

  /* At most max_mis indices, the first ones; none at all. */
  g_assert_true (ft_confusion_matrix (m, ds, matrix, mis, 2, &n_mis, &error));
  g_assert_cmpint (n_mis, ==, 2);
  g_assert_cmpuint (mis[1], ==, 5);
  g_assert_true (ft_confusion_matrix (m, ds, matrix, NULL, 0, NULL, &error));
  g_assert_cmpint (matrix[0] + matrix[1] + matrix[2] + matrix[3], ==, 8);

  /* classify: the same predictions, a subset through indices, and probabilities. */
  uint32_t idx[3] = { 7, 2, 4 };
  int classes[3];
  float conf[3], probs[6];
  g_assert_true (ft_inspect_model_classify (m, ds, idx, 3, classes, conf, probs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (classes[0], ==, 1);
  g_assert_cmpint (classes[1], ==, 0);
  g_assert_cmpint (classes[2], ==, 1);
  g_assert_cmpfloat_with_epsilon (conf[2], sigmoid (20 * 0.5), 1e-5);
  g_assert_cmpfloat_with_epsilon (probs[4] + probs[5], 1.0, 1e-6);
  g_assert_cmpfloat (probs[5], ==, conf[2]);

  /* A label the model cannot predict; an index out of range. */
  ds->labels[3] = 2;
  g_assert_false (ft_confusion_matrix (m, ds, matrix, mis, 8, &n_mis, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "sample 3"));
  g_clear_error (&error);
  idx[1] = 8;
  g_assert_false (ft_inspect_model_classify (m, ds, idx, 3, classes, NULL, NULL, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  ft_dataset_free (ds);
  ft_inspect_model_free (m);
}

/* Images (uint8 pixels through Flatten): class = the brighter half, left 0, right 1. */
static void
test_confusion_images (void)
{
  FtExperiment *exp = experiment (
      "{\"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [4, 4], \"layers\": ["
      "{\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 2}]},"
      " \"compile\": {\"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}}}");
  float w[16 * 2 + 2] = { 0 };
  for (int p = 0; p < 16; p++)
    w[p * 2 + (p % 4 < 2 ? 0 : 1)] = 1;
  int n = 12;
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("halves");
  ds->n = (uint32_t) n;
  ds->ndim = 2;
  ds->shape[0] = ds->shape[1] = 4;
  ds->sample_size = 16;
  ds->pixels = g_new0 (uint8_t, (size_t) n * 16);
  ds->labels = g_new (float, (size_t) n);
  ds->n_classes = 2;
  ds->class_names = g_strsplit ("left,right", ",", -1);
  for (int i = 0; i < n; i++)
    {
      bool right = i % 3 == 0;
      for (int p = 0; p < 16; p++)
        ds->pixels[i * 16 + p] = (uint8_t) ((p % 4 < 2) != right ? 200 : 20 + i);
      ds->labels[i] = right ? 1 : 0;
    }
  ds->labels[4] = 1; /* left, labelled right */
  ds->labels[9] = 0; /* right, labelled left */

  GError *error = NULL;
  FtInspectModel *m = ft_inspect_model_new (exp, ds, w, G_N_ELEMENTS (w), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ft_inspect_model_n_inputs (m), ==, 16);
  int matrix[4];
  uint32_t mis[24];
  int n_mis;
  g_assert_true (ft_confusion_matrix (m, ds, matrix, mis, 24, &n_mis, &error));
  g_assert_no_error (error);
  g_assert_cmpint (matrix[0], ==, 7); /* 8 left images, one labelled right */
  g_assert_cmpint (matrix[1], ==, 1); /* sample 9: labelled left, right */
  g_assert_cmpint (matrix[2], ==, 1); /* sample 4 */
  g_assert_cmpint (matrix[3], ==, 3);
  g_assert_cmpint (n_mis, ==, 2);
  g_assert_cmpuint (mis[0], ==, 4);
  g_assert_cmpuint (mis[1], ==, 9);

  /* Not a 2-D model: no decision grid. */
  g_assert_null (ft_decision_grid (m, -1, 1, -1, 1, 10, 10, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  ft_inspect_model_free (m);
  ft_dataset_free (ds);
  ft_experiment_free (exp);
}

static void
test_errors (void)
{
  FtExperiment *exp = experiment (DENSE_MODEL ("2", "linear", LOGITS ("sparse_categorical_crossentropy")));
  GError *error = NULL;
  const float w[7] = { 0 };
  g_assert_null (ft_inspect_model_new (exp, NULL, w, 7, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "6 parameters"));
  g_clear_error (&error);

  /* No weights: the initial ones; set_weights checks the count too. */
  FtInspectModel *m = ft_inspect_model_new (exp, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_false (ft_inspect_model_set_weights (m, w, 5, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (ft_inspect_model_set_weights (m, w, 6, &error));

  /* All-zero weights: equal probabilities, class 0. */
  FtDecisionGrid *g = ft_decision_grid (m, -1, 1, -1, 1, 2, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (g->p1[3], ==, 0.5f);
  g_assert_cmpint (g->classes[3], ==, 0);
  ft_decision_grid_free (g);

  g_assert_null (ft_decision_grid (m, -1, 1, -1, 1, 0, 10, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ft_decision_grid (m, -1, 1, -1, 1, 10, FT_DECISION_GRID_MAX + 1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ft_decision_grid (m, 1, 1, -1, 1, 10, 10, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ft_decision_grid (m, -1, 1, NAN, 1, 10, 10, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);

  /* Non-finite weights (a diverged run): equal probabilities rather than NaN. */
  const float bad[6] = { NAN, 1, 0, 0, 0, 0 };
  g_assert_true (ft_inspect_model_set_weights (m, bad, 6, &error));
  g = ft_decision_grid (m, -1, 1, -1, 1, 2, 2, &error);
  g_assert_no_error (error);
  for (int c = 0; c < 4; c++)
    {
      g_assert_cmpfloat (g->p1[c], ==, 0.5f);
      g_assert_cmpfloat (g->confidence[c], ==, 0.5f);
      g_assert_cmpint (g->classes[c], ==, 0);
    }
  ft_decision_grid_free (g);
  ft_inspect_model_free (m);

  /* A dataset that does not fit the model (two features for four inputs). */
  FtDataset *circle = ft_dataset_playground (FT_PLAYGROUND_CIRCLE, 10, 0, 1);
  g_assert_nonnull (circle);
  ft_experiment_free (exp);
  exp = experiment ("{\"dataset\": {\"name\": \"circle\"}, \"model\": {\"input_shape\": [4], \"layers\": ["
                    "{\"type\": \"Dense\", \"units\": 2}]}}");
  m = ft_inspect_model_new (exp, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  int matrix[4];
  g_assert_false (ft_confusion_matrix (m, circle, matrix, NULL, 0, NULL, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  ft_inspect_model_free (m);
  /* The experiment's own checks come through: the data does not fit its model. */
  g_assert_null (ft_inspect_model_new (exp, circle, NULL, 0, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  ft_dataset_free (circle);
  ft_experiment_free (exp);
}

/* ---- a trained spiral model ---- */

#define SPIRAL                                                                                                       \
  "{\"seed\": 7, \"dataset\": {\"name\": \"spiral\", \"samples\": 300, \"noise\": 0.05, \"test_samples\": 300},"     \
  " \"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"},"  \
  " {\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"}, {\"type\": \"Dense\", \"units\": 2}]},"          \
  " \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"                                     \
  " \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": [\"accuracy\"]}," \
  " \"fit\": {\"epochs\": 150, \"batch_size\": 10}}"

typedef struct
{
  FtExperiment *exp;
  FtDataset *train, *test;
  FtTrainer *trainer;
} Spiral;

static void
spiral_setup (Spiral *s, gconstpointer data)
{
  GError *error = NULL;
  s->exp = experiment (SPIRAL);
  g_assert_true (ft_experiment_load_data (s->exp, &s->train, &s->test, &error));
  g_assert_no_error (error);
  g_assert_nonnull (s->test);
  s->trainer = ft_experiment_build_trainer (s->exp, s->train, &error);
  g_assert_no_error (error);
  g_assert_true (ft_fit (s->trainer, s->train, &s->exp->fit, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
spiral_teardown (Spiral *s, gconstpointer data)
{
  ft_trainer_free (s->trainer);
  ft_dataset_free (s->train);
  ft_dataset_free (s->test);
  ft_experiment_free (s->exp);
}

static FtInspectModel *
spiral_inspect (Spiral *s, float **weights_out)
{
  FtModel *model = ft_trainer_model (s->trainer);
  size_t n = ft_model_n_params (model);
  float *w = g_new (float, n);
  ft_model_get_weights (model, w);
  GError *error = NULL;
  FtInspectModel *m = ft_inspect_model_new (s->exp, s->train, w, n, &error);
  g_assert_no_error (error);
  if (weights_out != NULL)
    *weights_out = w;
  else
    g_free (w);
  return m;
}

/* The inspected copy predicts what the trainer predicts, and its confusion matrix holds the accuracy
 * evaluate() reports. */
static void
test_spiral_confusion (Spiral *s, gconstpointer data)
{
  FtInspectModel *m = spiral_inspect (s, NULL);
  GError *error = NULL;
  size_t nv = 0;
  float *pred = ft_predict (s->trainer, s->test, 256, &nv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nv, ==, (size_t) s->test->n * 2);
  uint32_t n = s->test->n;
  int *classes = g_new (int, n);
  float *probs = g_new (float, (size_t) n * 2);
  g_assert_true (ft_inspect_model_classify (m, s->test, NULL, n, classes, NULL, probs, &error));
  g_assert_no_error (error);
  for (uint32_t i = 0; i < n; i++)
    {
      const float *z = pred + 2 * i;
      g_assert_cmpint (classes[i], ==, z[1] > z[0] ? 1 : 0);
      g_assert_cmpfloat_with_epsilon (probs[2 * i + 1], sigmoid ((double) z[1] - z[0]), 1e-5);
    }

  int matrix[4];
  uint32_t mis[24];
  int n_mis;
  g_assert_true (ft_confusion_matrix (m, s->test, matrix, mis, 24, &n_mis, &error));
  g_assert_no_error (error);
  g_assert_cmpint (matrix[0] + matrix[1] + matrix[2] + matrix[3], ==, (int) n);
  FtLogs logs;
  ft_logs_clear (&logs);
  g_assert_true (ft_evaluate (s->trainer, s->test, 32, &logs, &error));
  g_assert_no_error (error);
  double acc = 0;
  g_assert_true (ft_logs_get (&logs, "accuracy", &acc));
  double diag = (double) (matrix[0] + matrix[3]) / n;
  g_test_message ("spiral test accuracy %.4f; matrix [[%d %d] [%d %d]]; %d misclassified listed", acc,
                  matrix[0], matrix[1], matrix[2], matrix[3], n_mis);
  g_assert_cmpfloat_with_epsilon (diag, acc, 1e-9);
  g_assert_cmpfloat (acc, >, 0.9);
  int off = matrix[1] + matrix[2];
  g_assert_cmpint (n_mis, ==, MIN (off, 24));
  for (int i = 0; i < n_mis; i++)
    {
      g_assert_cmpint (classes[mis[i]], !=, (int) s->test->labels[mis[i]]);
      if (i > 0)
        g_assert_cmpuint (mis[i], >, mis[i - 1]);
    }
  /* The first misclassified sample is the first sample whose class is wrong. */
  if (n_mis > 0)
    for (uint32_t i = 0; i < mis[0]; i++)
      g_assert_cmpint (classes[i], ==, (int) s->test->labels[i]);
  g_free (classes);
  g_free (probs);
  g_free (pred);
  ft_inspect_model_free (m);
}

/* The grid shows the spiral: both classes, the training points mostly inside their own class' region,
 * and each cell is the prediction at the cell's centre. */
static void
test_spiral_grid (Spiral *s, gconstpointer data)
{
  FtInspectModel *m = spiral_inspect (s, NULL);
  GError *error = NULL;
  int nx = 60, ny = 60;
  FtDecisionGrid *g = ft_decision_grid (m, -6, 6, -6, 6, nx, ny, &error);
  g_assert_no_error (error);
  int ones = 0;
  for (int c = 0; c < nx * ny; c++)
    {
      ones += g->classes[c];
      g_assert_cmpint (g->classes[c], ==, g->p1[c] > 0.5f ? 1 : 0);
      g_assert_cmpfloat (g->confidence[c], >=, 0.5f);
      g_assert_cmpfloat (g->confidence[c], <=, 1.0f);
    }
  g_assert_cmpint (ones, >, nx * ny / 5);
  g_assert_cmpint (ones, <, nx * ny * 4 / 5);

  /* A few cells against classify on their centres. */
  float xy[8], labels[4] = { 0 };
  int cells[4] = { 0, 61, 1830, 3599 };
  for (int k = 0; k < 4; k++)
    {
      xy[2 * k] = (float) (-6 + (cells[k] % nx + 0.5) * 12.0 / nx);
      xy[2 * k + 1] = (float) (6 - (cells[k] / nx + 0.5) * 12.0 / ny);
    }
  FtDataset *pts = points_dataset (xy, labels, 4, 2);
  float probs[8];
  g_assert_true (ft_inspect_model_classify (m, pts, NULL, 4, NULL, NULL, probs, &error));
  for (int k = 0; k < 4; k++)
    g_assert_cmpfloat (g->p1[cells[k]], ==, probs[2 * k + 1]);
  ft_dataset_free (pts);

  /* Training points fall in their class' region about as often as the model is right. */
  int agree = 0;
  for (uint32_t i = 0; i < s->train->n; i++)
    {
      const float *f = s->train->features + 2 * i;
      int col = (int) floor ((f[0] + 6) / 12 * nx), row = (int) floor ((6 - f[1]) / 12 * ny);
      if (col < 0 || col >= nx || row < 0 || row >= ny)
        continue;
      agree += g->classes[row * nx + col] == (int) s->train->labels[i];
    }
  g_test_message ("training points in their own region: %d of %u", agree, s->train->n);
  g_assert_cmpint (agree, >, (int) s->train->n * 9 / 10);
  ft_decision_grid_free (g);
  ft_inspect_model_free (m);
}

typedef struct
{
  FtInspectModel *model;
  FtDecisionGrid *grid;
} Job;

static gpointer
grid_thread (gpointer data)
{
  Job *job = data;
  job->grid = ft_decision_grid (job->model, -6, 6, -6, 6, 100, 100, NULL);
  return NULL;
}

/* A worker computes the grid from a snapshot of the weights while the run trains on: its result is the
 * snapshot's, bit for bit, and the run's model is not disturbed. */
static void
test_spiral_worker (Spiral *s, gconstpointer data)
{
  float *snapshot = NULL;
  Job job = { .model = spiral_inspect (s, &snapshot) };
  GThread *thread = g_thread_new ("decision-grid", grid_thread, &job);
  FtFitArgs args = s->exp->fit;
  args.epochs = 3;
  GError *error = NULL;
  g_assert_true (ft_fit (s->trainer, s->train, &args, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_nonnull (job.grid);

  /* The trained-on model moved on … */
  FtModel *model = ft_trainer_model (s->trainer);
  size_t n = ft_model_n_params (model);
  float *now = g_new (float, n);
  ft_model_get_weights (model, now);
  g_assert_true (memcmp (now, snapshot, n * sizeof (float)) != 0);

  /* … the worker's grid is the snapshot's, and differs from the new weights' grid. */
  GError *err = NULL;
  FtInspectModel *again = ft_inspect_model_new (s->exp, s->train, snapshot, n, &err);
  g_assert_no_error (err);
  FtDecisionGrid *g = ft_decision_grid (again, -6, 6, -6, 6, 100, 100, &err);
  g_assert_no_error (err);
  g_assert_cmpmem (g->p1, 100 * 100 * sizeof (float), job.grid->p1, 100 * 100 * sizeof (float));
  g_assert_true (ft_inspect_model_set_weights (again, now, n, &err));
  FtDecisionGrid *g2 = ft_decision_grid (again, -6, 6, -6, 6, 100, 100, &err);
  g_assert_no_error (err);
  g_assert_true (memcmp (g2->p1, g->p1, 100 * 100 * sizeof (float)) != 0);
  ft_decision_grid_free (g2);
  ft_decision_grid_free (g);
  ft_inspect_model_free (again);
  ft_decision_grid_free (job.grid);
  ft_inspect_model_free (job.model);
  g_free (now);
  g_free (snapshot);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inspect/grid/x-positive", test_grid_x_positive);
  g_test_add_func ("/inspect/grid/row-order", test_grid_row_order);
  g_test_add_func ("/inspect/grid/single-output", test_grid_single_output);
  g_test_add_func ("/inspect/grid/three-classes", test_grid_three_classes);
  g_test_add_func ("/inspect/confusion/known", test_confusion_known);
  g_test_add_func ("/inspect/confusion/images", test_confusion_images);
  g_test_add_func ("/inspect/errors", test_errors);
  g_test_add ("/inspect/spiral/confusion", Spiral, NULL, spiral_setup, test_spiral_confusion,
              spiral_teardown);
  g_test_add ("/inspect/spiral/grid", Spiral, NULL, spiral_setup, test_spiral_grid, spiral_teardown);
  g_test_add ("/inspect/spiral/worker", Spiral, NULL, spiral_setup, test_spiral_worker, spiral_teardown);
  return g_test_run ();
}
