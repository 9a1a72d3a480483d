/* test-point-edits.c — data you make, no display: points added (first in the set) and removed (the nearest)
 * in order, with their errors; the experiment's dataset.points reaching the training data, its round
 * trip; the generated script's point loop giving FitTape's training set (NumPy, when python3 with NumPy is
 * there). */
#include "core/ft-error.h"
#include "experiment/ft-codegen.h"
#include "experiment/ft-experiment.h"

#include <string.h>

static FtDataset *
points_dataset (const float *xy, const float *labels, uint32_t n)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("points");
  ds->n = n;
  ds->ndim = 1;
  ds->shape[0] = 2;
  ds->sample_size = 2;
  ds->features = g_memdup2 (xy, (size_t) n * 2 * sizeof (float));
  ds->labels = g_memdup2 (labels, (size_t) n * sizeof (float));
  ds->n_classes = 2;
  return ds;
}

static void
test_apply (void)
{
  const float xy[] = { 0, 0, 5, 5, -5, 5 }, labels[] = { 0, 1, 0 };
  FtDataset *ds = points_dataset (xy, labels, 3);
  const FtPointEdit edits[] = {
    { 1, 2, 1 },        /* first */
    { 3, 4, 0 },        /* now first */
    { 2.9f, 4.1f, -1 }, /* removes (3, 4) */
    { 4, 4.5f, -1 },    /* removes (5, 5) */
  };
  GError *error = NULL;
  FtDataset *out = ft_dataset_apply_point_edits (ds, edits, G_N_ELEMENTS (edits), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->n, ==, 3);
  const float want_xy[] = { 1, 2, 0, 0, -5, 5 }, want_labels[] = { 1, 0, 0 };
  g_assert_cmpmem (out->features, sizeof want_xy, want_xy, sizeof want_xy);
  g_assert_cmpmem (out->labels, sizeof want_labels, want_labels, sizeof want_labels);
  g_assert_cmpstr (out->name, ==, "points");
  g_assert_cmpint (out->n_classes, ==, 2);
  ft_dataset_free (out);

  /* Errors: a class the data does not have, removing from an empty set, data that is not 2-D. */
  const FtPointEdit bad_class = { 0, 0, 2 };
  g_assert_null (ft_dataset_apply_point_edits (ds, &bad_class, 1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  const FtPointEdit four_removals[] = { { 0, 0, -1 }, { 0, 0, -1 }, { 0, 0, -1 }, { 0, 0, -1 } };
  g_assert_null (ft_dataset_apply_point_edits (ds, four_removals, 4, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  out = ft_dataset_apply_point_edits (ds, four_removals, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->n, ==, 0);
  ft_dataset_free (out);
  ds->sample_size = 4;
  g_assert_null (ft_dataset_apply_point_edits (ds, edits, 1, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_clear_error (&error);
  ds->sample_size = 2;
  ft_dataset_free (ds);
}

#define SPIRAL_WITH(points)                                                                                  \
  "{\"seed\": 5, \"dataset\": {\"name\": \"spiral\", \"samples\": 100, \"noise\": 0.1, \"test_samples\": 0," \
  " \"points\": " points "}, \"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\","           \
  " \"units\": 2}]}, \"fit\": {\"epochs\": 1}}"

static void
test_experiment (void)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (SPIRAL_WITH ("[[1.25, 2, 1], [0.5, -0.5, 0], [9, 9, -1]]"),
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->data.n_points, ==, 3);
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (e, &train, &test, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (train->n, ==, 101);
  g_assert_cmpfloat (train->features[0], ==, 0.5f);
  g_assert_cmpfloat (train->features[1], ==, -0.5f);
  g_assert_cmpfloat (train->labels[0], ==, 0.0f);
  g_assert_cmpfloat (train->features[2], ==, 1.25f);
  g_assert_cmpfloat (train->labels[1], ==, 1.0f);
  /* The copy, the JSON round trip and equality keep them. */
  FtExperiment *c = ft_experiment_copy (e);
  g_assert_true (ft_experiment_equal (e, c));
  c->data.points[1].label = 1;
  g_assert_false (ft_experiment_equal (e, c));
  ft_experiment_free (c);
  char *json = ft_experiment_to_json (e);
  g_test_message ("%s", json);
  g_assert_nonnull (strstr (json, "\"points\": [[1.25, 2, 1], [0.5, -0.5, 0], [9, 9, -1]]"));
  FtExperiment *back = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (ft_experiment_equal (e, back));
  ft_experiment_free (back);
  g_free (json);

  /* The generated script's loop, run by NumPy on FitTape's generated points, gives FitTape's set. */
  char *code = ft_codegen_python (e, FT_MODE_FIT, NULL);
  const char *start = strstr (code, "POINTS = [");
  g_assert_nonnull (start);
  const char *end = strstr (start, "np.delete(y_train, k)\n");
  g_assert_nonnull (end);
  char *block = g_strndup (start, (gsize) (end - start) + strlen ("np.delete(y_train, k)\n"));
  FtExperiment *plain = ft_experiment_copy (e);
  plain->data.n_points = 0;
  FtDataset *raw = NULL, *raw_test = NULL;
  g_assert_true (ft_experiment_load_data (plain, &raw, &raw_test, &error));
  GString *py = g_string_new ("import numpy as np\nx_train = np.array([");
  for (uint32_t i = 0; i < raw->n * 2; i++)
    g_string_append_printf (py, "%s%.9g", i ? ", " : "", (double) raw->features[i]); /* exact in float32 */
  g_string_append (py, "], dtype='float32').reshape(-1, 2)\ny_train = np.array([");
  for (uint32_t i = 0; i < raw->n; i++)
    g_string_append_printf (py, "%s%d", i ? ", " : "", (int) raw->labels[i]);
  g_string_append (py, "], dtype='int64')\n");
  g_string_append (py, block);
  g_string_append (py, "print(len(y_train))\nfor (a, b), c in zip(x_train, y_train):\n"
                       "    print(float(a).hex(), float(b).hex(), int(c))\n");
  char *argv[] = { (char *) "python3", (char *) "-c", py->str, NULL };
  char *out = NULL;
  int status = -1;
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    g_test_skip ("python3 with NumPy is not available");
  else
    {
      char **lines = g_strsplit (g_strstrip (out), "\n", -1);
      g_assert_cmpint (atoi (lines[0]), ==, (int) train->n);
      for (uint32_t i = 0; i < train->n; i++)
        {
          char **f = g_strsplit (lines[i + 1], " ", -1);
          g_assert_cmpfloat ((float) strtod (f[0], NULL), ==, train->features[2 * i]);
          g_assert_cmpfloat ((float) strtod (f[1], NULL), ==, train->features[2 * i + 1]);
          g_assert_cmpint (atoi (f[2]), ==, (int) train->labels[i]);
          g_strfreev (f);
        }
      g_strfreev (lines);
    }
  g_free (out);
  g_string_free (py, TRUE);
  g_free (block);
  g_free (code);
  ft_dataset_free (raw);
  ft_dataset_free (raw_test);
  ft_experiment_free (plain);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);

  /* Errors: not a triple, a class below −1, a removal too many. */
  static const char *const bad[] = { "[[1, 2]]", "[[1, 2, -2]]", "[1, 2, 0]", "\"x\"" };
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char *text = g_strdup_printf (SPIRAL_WITH ("%s"), bad[i]);
      g_assert_null (ft_experiment_from_json (text, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "points"));
      g_clear_error (&error);
      g_free (text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/point-edits/apply", test_apply);
  g_test_add_func ("/point-edits/experiment", test_experiment);
  return g_test_run ();
}
