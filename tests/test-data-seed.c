/* test-data-seed.c — the generated data's own seed (dataset.seed, ft-data-seed.h): absent, the data are
 * what they always were; set, it is parsed, written, compared and used for the data and the generated
 * script; "regenerate" draws new points and leaves the starting weights; pinning keeps the points when the
 * weights' seed moves. */
#include "fittape-engine.h"

#include <string.h>

#define SPIRAL                                                                                               \
  "{\"seed\": 42, \"dataset\": {\"name\": \"spiral\", \"samples\": 200, \"noise\": 0.1, \"test_samples\": 50"
#define MODEL                                                                                                \
  "\"model\": {\"layers\": [{\"type\": \"Dense\", \"units\": 4, \"activation\": \"tanh\"},"                  \
  " {\"type\": \"Dense\", \"units\": 2}]}}"

static FtExperiment *
parse_ok (const char *json)
{
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

static void
load (const FtExperiment *e, FtDataset **train, FtDataset **test)
{
  GError *error = NULL;
  g_assert_true (ft_experiment_load_data (e, train, test, &error));
  g_assert_no_error (error);
}

static bool
same_points (const FtDataset *a, const FtDataset *b)
{
  return a->n == b->n && memcmp (a->features, b->features, a->n * 2 * sizeof (float)) == 0
         && memcmp (a->labels, b->labels, a->n * sizeof (float)) == 0;
}

/* The starting weights the experiment's model gets (a copy). */
static float *
start_weights (const FtExperiment *e, const FtDataset *train, size_t *n)
{
  GError *error = NULL;
  FtTrainer *t = ft_experiment_build_trainer (e, train, &error);
  g_assert_no_error (error);
  FtModel *m = ft_trainer_model (t);
  *n = ft_model_n_params (m);
  float *w = g_new (float, *n);
  ft_model_get_weights (m, w);
  ft_trainer_free (t);
  return w;
}

static void
test_absent_is_the_experiment_seed (void)
{
  FtExperiment *e = parse_ok (SPIRAL "}, " MODEL);
  g_assert_false (e->data.has_seed);
  g_assert_cmpuint (ft_experiment_data_seed (e), ==, 42);
  FtDataset *train, *test;
  load (e, &train, &test);
  FtDataset *ref = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 200, 0.1f, 42);
  FtDataset *ref_test = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 50, 0.1f, 43);
  g_assert_true (same_points (train, ref));
  g_assert_true (same_points (test, ref_test));
  /* Not written when absent: files without it stay as they were. */
  char *json = ft_experiment_to_json (e);
  const char *ds = strstr (json, "\"dataset\"");
  g_assert_nonnull (ds);
  char *block = g_strndup (ds, (gsize) (strchr (ds, '}') - ds));
  g_assert_null (strstr (block, "seed"));
  g_free (block);
  FtExperiment *back = parse_ok (json);
  g_assert_false (back->data.has_seed);
  g_assert_true (ft_experiment_equal (e, back));
  g_free (json);
  ft_experiment_free (back);
  ft_dataset_free (ref);
  ft_dataset_free (ref_test);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

static void
test_parse_write_equal (void)
{
  FtExperiment *e = parse_ok (SPIRAL ", \"seed\": 1000}, " MODEL);
  g_assert_true (e->data.has_seed);
  g_assert_cmpuint (e->data.seed, ==, 1000);
  g_assert_cmpuint (ft_experiment_data_seed (e), ==, 1000);
  g_assert_cmpuint (e->seed, ==, 42);
  char *json = ft_experiment_to_json (e);
  g_assert_nonnull (strstr (json, "\"seed\": 1000"));
  FtExperiment *back = parse_ok (json);
  g_assert_true (ft_experiment_equal (e, back));
  back->data.seed = 1001;
  g_assert_false (ft_experiment_equal (e, back));
  back->data.seed = 1000;
  back->data.has_seed = false;
  g_assert_false (ft_experiment_equal (e, back));
  /* A copy keeps it. */
  FtExperiment *copy = ft_experiment_copy (e);
  g_assert_true (ft_experiment_equal (e, copy));
  ft_experiment_free (copy);
  g_free (json);
  ft_experiment_free (back);

  /* The data follow the data seed: training set from it, test set from it + 1. */
  FtDataset *train, *test;
  load (e, &train, &test);
  FtDataset *ref = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 200, 0.1f, 1000);
  FtDataset *ref_test = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 50, 0.1f, 1001);
  g_assert_true (same_points (train, ref));
  g_assert_true (same_points (test, ref_test));
  ft_dataset_free (ref);
  ft_dataset_free (ref_test);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
}

static void
test_errors (void)
{
  static const struct
  {
    const char *json, *path, *words;
  } cases[] = {
    { SPIRAL ", \"seed\": -1}, " MODEL, "$.dataset.seed", "non-negative integer" },
    { SPIRAL ", \"seed\": \"new\"}, " MODEL, "$.dataset.seed", "non-negative integer" },
    { SPIRAL ", \"seed\": 1.5}, " MODEL, "$.dataset.seed", "non-negative integer" },
    { "{\"dataset\": {\"name\": \"csv\", \"path\": \"x.csv\", \"label\": \"y\", \"seed\": 3}, " MODEL,
      "$.dataset", "seed" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error = NULL;
      FtExperiment *e = ft_experiment_from_json (cases[i].json, &error);
      g_assert_null (e);
      g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].path));
      g_assert_nonnull (strstr (error->message, cases[i].words));
      g_clear_error (&error);
    }
}

static void
test_regenerate_keeps_the_weights (void)
{
  FtExperiment *e = parse_ok (SPIRAL ", \"points\": [[1, 2, 0], [0.5, 0.5, -1], [3, 3, 1]]}, " MODEL);
  FtDataset *train, *test;
  load (e, &train, &test);
  size_t n, n2;
  float *w = start_weights (e, train, &n);

  uint64_t seed = 0;
  g_assert_true (ft_experiment_regenerate_data (e, &seed));
  g_assert_cmpuint (seed, ==, 44); /* 42 and 43 drew the old training and test sets */
  g_assert_true (e->data.has_seed);
  g_assert_cmpuint (e->seed, ==, 42);
  /* The added points stay; the removal named a point of the old draw. */
  g_assert_cmpuint (e->data.n_points, ==, 2);
  g_assert_cmpint (e->data.points[0].label, ==, 0);
  g_assert_cmpint (e->data.points[1].label, ==, 1);

  FtDataset *train2, *test2;
  load (e, &train2, &test2);
  g_assert_false (same_points (train, train2));
  g_assert_false (same_points (test, test2));
  g_assert_false (same_points (train2, test));
  float *w2 = start_weights (e, train2, &n2);
  g_assert_cmpuint (n, ==, n2);
  g_assert_cmpmem (w, n * sizeof (float), w2, n2 * sizeof (float));

  /* Again: yet another draw. */
  g_assert_true (ft_experiment_regenerate_data (e, &seed));
  g_assert_cmpuint (seed, ==, 46);

  /* Data read from a file have no seed to move. */
  FtExperiment *csv = parse_ok (
      "{\"dataset\": {\"name\": \"csv\", \"path\": \"x.csv\", \"label\": \"y\"}, " MODEL);
  g_assert_false (ft_experiment_regenerate_data (csv, &seed));
  g_assert_false (csv->data.has_seed);
  ft_experiment_pin_data_seed (csv);
  g_assert_false (csv->data.has_seed);
  ft_experiment_free (csv);

  g_free (w);
  g_free (w2);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_dataset_free (train2);
  ft_dataset_free (test2);
  ft_experiment_free (e);
}

/* "Reset with new weights" pins the data first: the weights move, the points stay. */
static void
test_pin_keeps_the_points (void)
{
  FtExperiment *e = parse_ok (SPIRAL "}, " MODEL);
  FtDataset *train, *test;
  load (e, &train, &test);
  size_t n;
  float *w = start_weights (e, train, &n);
  ft_experiment_pin_data_seed (e);
  g_assert_true (e->data.has_seed);
  g_assert_cmpuint (e->data.seed, ==, 42);
  e->seed++;
  FtDataset *train2, *test2;
  load (e, &train2, &test2);
  g_assert_true (same_points (train, train2));
  g_assert_true (same_points (test, test2));
  float *w2 = start_weights (e, train2, &n);
  g_assert_true (memcmp (w, w2, n * sizeof (float)) != 0);
  g_free (w);
  g_free (w2);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_dataset_free (train2);
  ft_dataset_free (test2);
  ft_experiment_free (e);
}

/* The exported script draws the data from the data seed and the weights from the experiment's. */
static void
test_codegen (void)
{
  FtExperiment *e = parse_ok (SPIRAL "}, " MODEL);
  char *script = ft_codegen_python (e, FT_MODE_FIT, NULL);
  g_assert_null (strstr (script, "DATA_SEED"));
  g_assert_nonnull (strstr (script, "x_train, y_train = playground(200, 0.1, seed=SEED)"));
  g_assert_nonnull (strstr (script, "x_test, y_test = playground(50, 0.1, seed=SEED + 1)"));
  g_free (script);
  g_assert_true (ft_experiment_regenerate_data (e, NULL));
  for (int mode = FT_MODE_FIT; mode <= FT_MODE_TAPE; mode++)
    {
      script = ft_codegen_python (e, (FtRunMode) mode, NULL);
      g_assert_nonnull (strstr (script, "SEED = 42\n"));
      g_assert_nonnull (strstr (script, "DATA_SEED = 44 "));
      g_assert_nonnull (strstr (script, "x_train, y_train = playground(200, 0.1, seed=DATA_SEED)"));
      g_assert_nonnull (strstr (script, "x_test, y_test = playground(50, 0.1, seed=DATA_SEED + 1)"));
      g_free (script);
    }
  ft_experiment_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data-seed/absent", test_absent_is_the_experiment_seed);
  g_test_add_func ("/data-seed/parse-write-equal", test_parse_write_equal);
  g_test_add_func ("/data-seed/errors", test_errors);
  g_test_add_func ("/data-seed/regenerate", test_regenerate_keeps_the_weights);
  g_test_add_func ("/data-seed/pin", test_pin_keeps_the_points);
  g_test_add_func ("/data-seed/codegen", test_codegen);
  return g_test_run ();
}
