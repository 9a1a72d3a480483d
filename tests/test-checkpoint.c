/* test-checkpoint.c — HDF5 checkpoints: save → load restores weights, optimizer state, iterations, learning
 * rate and both generators exactly; resuming from a checkpoint continues bit for bit like the run that
 * never stopped (MLP with dropout under every optimizer, CNN with batch norm); weights-only files carry no
 * resume state; truncated, garbage and mismatched files give clear errors and leave the trainer untouched;
 * saving replaces a file atomically and a failed save leaves the old one; the file has Keras' layout. */
#include "train/ft-checkpoint.h"

#include "core/ft-error.h"
#include "ft-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *test_dir;

static char *
test_path (const char *name)
{
  return g_build_filename (test_dir, name, NULL);
}

/* ---- data and models ---- */

typedef enum
{
  ARCH_MLP,         /* Dense 16 relu, Dropout 0.25, Dense 3 */
  ARCH_MLP_WIDER,   /* Dense 17 relu, Dropout 0.25, Dense 3: units differ */
  ARCH_MLP_NO_DROP, /* Dense 16 relu, Dense 3: a layer missing */
  ARCH_MLP_SHORT,   /* Dense 16 relu, Dropout 0.25: the last layer missing */
  ARCH_MLP_NO_BIAS, /* as ARCH_MLP with use_bias false in the first Dense */
  ARCH_MLP_ACT,     /* Dense 16 relu, Activation relu, Dense 3: same count, another layer in the middle */
  ARCH_CNN,         /* Conv2D 4 3×3 relu, BatchNormalization, MaxPooling2D, Flatten, Dense 3 */
} Arch;

static const int mlp_input[1] = { 6 };
static const int cnn_input[3] = { 6, 6, 1 };

static FtTrainer *
make_trainer_with (Arch arch, uint64_t seed, const FtOptimizerSpec *opt)
{
  bool cnn = arch == ARCH_CNN;
  FtModel *m = cnn ? ft_model_new (3, cnn_input) : ft_model_new (1, mlp_input);
  FtLayerSpec l;
  if (cnn)
    {
      l = ft_layer_spec_default (FT_LAYER_CONV2D);
      l.filters = 4;
      l.activation = FT_ACT_RELU;
      ft_model_add (m, &l);
      l = ft_layer_spec_default (FT_LAYER_BATCH_NORMALIZATION);
      ft_model_add (m, &l);
      l = ft_layer_spec_default (FT_LAYER_MAX_POOLING2D);
      ft_model_add (m, &l);
      l = ft_layer_spec_default (FT_LAYER_FLATTEN);
      ft_model_add (m, &l);
    }
  else
    {
      l = ft_layer_spec_default (FT_LAYER_DENSE);
      l.units = arch == ARCH_MLP_WIDER ? 17 : 16;
      l.activation = FT_ACT_RELU;
      l.use_bias = arch != ARCH_MLP_NO_BIAS;
      ft_model_add (m, &l);
      if (arch == ARCH_MLP_ACT)
        {
          l = ft_layer_spec_default (FT_LAYER_ACTIVATION);
          l.activation = FT_ACT_RELU;
          ft_model_add (m, &l);
        }
      else if (arch != ARCH_MLP_NO_DROP)
        {
          l = ft_layer_spec_default (FT_LAYER_DROPOUT);
          l.rate = 0.25f;
          ft_model_add (m, &l);
        }
    }
  if (arch != ARCH_MLP_SHORT)
    {
      l = ft_layer_spec_default (FT_LAYER_DENSE);
      l.units = 3;
      ft_model_add (m, &l);
    }
  GError *error = NULL;
  g_assert_true (ft_model_build (m, seed, &error));
  g_assert_no_error (error);
  FtCompileSpec spec = ft_compile_spec_default ();
  if (opt != NULL)
    spec.optimizer = *opt;
  FtTrainer *t = ft_trainer_new (m, &spec, seed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static FtTrainer *
make_trainer (Arch arch, uint64_t seed)
{
  return make_trainer_with (arch, seed, NULL);
}

/* steps batches of `batch` samples drawn with the trainer's shuffle generator (so a restored generator
 * must reproduce them); dropout draws from the model's generator. */
static void
train_steps (FtTrainer *t, const FtDataset *ds, int steps, uint32_t batch)
{
  uint32_t *idx = g_new (uint32_t, batch);
  for (int s = 0; s < steps; s++)
    {
      for (uint32_t k = 0; k < batch; k++)
        idx[k] = ft_rng_below (ft_trainer_shuffle_rng (t), ds->n);
      float loss = NAN;
      GError *error = NULL;
      g_assert_true (ft_trainer_train_batch (t, ds, idx, batch, NULL, &loss, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (loss));
    }
  g_free (idx);
}

static float *
weights_of (FtTrainer *t)
{
  FtModel *m = ft_trainer_model (t);
  float *w = g_new (float, ft_model_n_params (m) + 1);
  ft_model_get_weights (m, w);
  return w;
}

static void
assert_same_weights (FtTrainer *a, FtTrainer *b)
{
  FtModel *ma = ft_trainer_model (a), *mb = ft_trainer_model (b);
  g_assert_cmpuint (ft_model_n_params (ma), ==, ft_model_n_params (mb));
  float *wa = weights_of (a), *wb = weights_of (b);
  g_assert_cmpint (memcmp (wa, wb, ft_model_n_params (ma) * sizeof (float)), ==, 0);
  g_free (wa);
  g_free (wb);
}

static void
assert_weights_are (FtTrainer *t, const float *expected)
{
  float *w = weights_of (t);
  g_assert_cmpint (memcmp (w, expected, ft_model_n_params (ft_trainer_model (t)) * sizeof (float)), ==, 0);
  g_free (w);
}

static void
assert_same_optimizer (FtTrainer *a, FtTrainer *b)
{
  FtOptimizer *oa = ft_trainer_optimizer (a), *ob = ft_trainer_optimizer (b);
  g_assert_cmpuint (ft_optimizer_state_size (oa), ==, ft_optimizer_state_size (ob));
  if (ft_optimizer_state_size (oa) > 0)
    g_assert_cmpint (memcmp (ft_optimizer_state (oa), ft_optimizer_state (ob),
                             ft_optimizer_state_size (oa) * sizeof (float)),
                     ==, 0);
  g_assert_cmpint (ft_optimizer_iterations (oa), ==, ft_optimizer_iterations (ob));
  g_assert_true (ft_optimizer_get_learning_rate (oa) == ft_optimizer_get_learning_rate (ob));
}

static void
assert_same_rngs (FtTrainer *a, FtTrainer *b)
{
  g_assert_cmpint (memcmp (ft_trainer_shuffle_rng (a), ft_trainer_shuffle_rng (b), sizeof (FtRng)), ==, 0);
  g_assert_cmpint (memcmp (ft_model_dropout_rng (ft_trainer_model (a)),
                           ft_model_dropout_rng (ft_trainer_model (b)), sizeof (FtRng)),
                   ==, 0);
}

static bool
optimizer_state_is_zero (FtTrainer *t)
{
  FtOptimizer *o = ft_trainer_optimizer (t);
  for (size_t i = 0; i < ft_optimizer_state_size (o); i++)
    if (ft_optimizer_state (o)[i] != 0.0f)
      return false;
  return true;
}

static char *
dup_json (void *json)
{
  return g_strdup (json);
}

/* Saves with experiment (a JSON text, or NULL for none) as the checkpoint's experiment source. */
static void
save_with_experiment (FtTrainer *t, const char *experiment, const char *path, bool weights_only, int epoch)
{
  GError *error = NULL;
  FtExperimentSource source = { experiment != NULL ? dup_json : NULL, (void *) experiment };
  g_assert_true (ft_checkpoint_save (t, &source, path, weights_only, epoch, &error));
  g_assert_no_error (error);
}

static void
save_or_die (FtTrainer *t, const char *path, bool weights_only, int epoch)
{
  save_with_experiment (t, NULL, path, weights_only, epoch);
}

/* Names in dir that look like our temporary files. */
static int
count_temp_files (void)
{
  GDir *dir = g_dir_open (test_dir, 0, NULL);
  g_assert_nonnull (dir);
  int n = 0;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (strstr (name, ".tmp-") != NULL)
      n++;
  g_dir_close (dir);
  return n;
}

static int
count_open_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  if (dir == NULL)
    return -1;
  int n = 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* ---- tests ---- */

static void
test_roundtrip (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 5);
  FtTrainer *a = make_trainer (ARCH_MLP, 1);
  train_steps (a, ds, 5, 8);
  ft_optimizer_set_learning_rate (ft_trainer_optimizer (a), 0.0005f); /* as ReduceLROnPlateau would */
  char *path = test_path ("roundtrip.h5");
  save_with_experiment (a, "{\"name\": \"roundtrip\", \"note\": \"caf\xc3\xa9\"}", path, false, 3);

  FtTrainer *b = make_trainer (ARCH_MLP, 2); /* other seed: other initial weights and generators */
  g_assert_true (optimizer_state_is_zero (b));
  FtResumeState state;
  memset (&state, 0, sizeof state);
  bool has_state = false;
  GError *error = NULL;
  g_assert_true (ft_checkpoint_load (b, path, &state, &has_state, &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  assert_same_weights (a, b);
  assert_same_optimizer (a, b);
  assert_same_rngs (a, b);
  g_assert_false (optimizer_state_is_zero (b));
  g_assert_cmpint (state.epoch, ==, 3);
  g_assert_cmpint (state.step, ==, 5);
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (b)), ==, 5);
  g_assert_true (state.learning_rate == 0.0005f);
  g_assert_true (ft_optimizer_get_learning_rate (ft_trainer_optimizer (b)) == 0.0005f);
  g_assert_cmpint (memcmp (&state.shuffle_rng, ft_trainer_shuffle_rng (a), sizeof (FtRng)), ==, 0);
  g_assert_cmpint (memcmp (&state.dropout_rng, ft_model_dropout_rng (ft_trainer_model (a)), sizeof (FtRng)),
                   ==, 0);
  g_assert_cmpuint (state.seed, ==, 1);

  char *json = ft_checkpoint_read_experiment (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, "{\"name\": \"roundtrip\", \"note\": \"caf\xc3\xa9\"}");
  g_free (json);

  /* state and has_state may be NULL. */
  FtTrainer *c = make_trainer (ARCH_MLP, 3);
  g_assert_true (ft_checkpoint_load (c, path, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_same_weights (a, c);
  assert_same_optimizer (a, c);

  ft_trainer_free (a);
  ft_trainer_free (b);
  ft_trainer_free (c);
  ft_dataset_free (ds);
  g_free (path);
}

/* Train k steps, save, train m more; a fresh trainer loaded from the file and trained the same m steps
 * ends with the same bits. */
static void
check_resume (Arch arch, const FtOptimizerSpec *opt, const FtDataset *ds, const char *name)
{
  FtTrainer *a = make_trainer_with (arch, 11, opt);
  train_steps (a, ds, 4, 8);
  char *path = test_path (name);
  save_or_die (a, path, false, 1);
  train_steps (a, ds, 6, 8);

  FtTrainer *b = make_trainer_with (arch, 12, opt);
  bool has_state = false;
  GError *error = NULL;
  g_assert_true (ft_checkpoint_load (b, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  train_steps (b, ds, 6, 8);
  assert_same_weights (a, b);
  assert_same_optimizer (a, b);
  assert_same_rngs (a, b);
  ft_trainer_free (a);
  ft_trainer_free (b);
  g_free (path);
}

static void
test_resume (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 6);
  FtOptimizerSpec opts[6];
  opts[0] = ft_optimizer_spec_default (FT_OPT_ADAM);
  opts[1] = ft_optimizer_spec_default (FT_OPT_ADAM);
  opts[1].amsgrad = true;
  opts[2] = ft_optimizer_spec_default (FT_OPT_SGD);
  opts[2].momentum = 0.9f;
  opts[3] = ft_optimizer_spec_default (FT_OPT_SGD);
  opts[4] = ft_optimizer_spec_default (FT_OPT_RMSPROP);
  opts[4].momentum = 0.5f;
  opts[4].centered = true;
  opts[5] = ft_optimizer_spec_default (FT_OPT_ADAGRAD);
  for (unsigned i = 0; i < G_N_ELEMENTS (opts); i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "resume-%u.h5", i);
      check_resume (ARCH_MLP, &opts[i], ds, name);
    }
  ft_dataset_free (ds);
}

static void
test_conv_bn (void)
{
  FtDataset *ds = ft_test_dataset_new (32, 3, cnn_input, 3, 7);
  FtTrainer *a = make_trainer (ARCH_CNN, 21);
  train_steps (a, ds, 3, 8); /* moves the batch-norm moving statistics away from 0 and 1 */
  char *path = test_path ("cnn.h5");
  save_or_die (a, path, false, 2);
  FtTrainer *b = make_trainer (ARCH_CNN, 22);
  GError *error = NULL;
  bool has_state = false;
  g_assert_true (ft_checkpoint_load (b, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  assert_same_weights (a, b);
  assert_same_optimizer (a, b);
  /* The moving variance (last weight of batch_normalization) really was restored, not just initial. */
  FtModel *mb = ft_trainer_model (b);
  bool moved = false;
  for (int w = 0; w < ft_model_n_weights (mb); w++)
    if (g_str_has_suffix (ft_model_weight (mb, w)->name, "/moving_variance"))
      for (size_t k = 0; k < ft_model_weight (mb, w)->size; k++)
        moved |= ft_model_weight (mb, w)->data[k] != 1.0f;
  g_assert_true (moved);
  ft_trainer_free (a);
  ft_trainer_free (b);
  g_free (path);

  check_resume (ARCH_CNN, NULL, ds, "cnn-resume.h5");
  ft_dataset_free (ds);
}

static void
test_weights_only (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 8);
  FtTrainer *a = make_trainer (ARCH_MLP, 31);
  train_steps (a, ds, 3, 8);
  char *path = test_path ("weights-only.h5");
  save_with_experiment (a, "{}", path, true, 1);

  FtTrainer *b = make_trainer (ARCH_MLP, 32);
  FtRng shuffle_before = *ft_trainer_shuffle_rng (b);
  bool has_state = true;
  FtResumeState state;
  memset (&state, 0x5a, sizeof state);
  GError *error = NULL;
  g_assert_true (ft_checkpoint_load (b, path, &state, &has_state, &error));
  g_assert_no_error (error);
  g_assert_false (has_state);
  assert_same_weights (a, b);
  /* Nothing but the weights changed. */
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (b)), ==, 0);
  g_assert_true (optimizer_state_is_zero (b));
  g_assert_cmpint (memcmp (&shuffle_before, ft_trainer_shuffle_rng (b), sizeof (FtRng)), ==, 0);

  char *json = ft_checkpoint_read_experiment (path, &error);
  g_assert_null (json);
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("weights-only experiment: %s", error->message);
  g_clear_error (&error);

  ft_trainer_free (a);
  ft_trainer_free (b);
  ft_dataset_free (ds);
  g_free (path);
}

/* Loading `path` into a trained trainer fails with `domain`/`code`, a message that contains the path and
 * `needle`, and changes nothing. */
static void
check_load_fails (FtTrainer *t, const char *path, GQuark domain, int code, const char *needle)
{
  float *before = weights_of (t);
  size_t state_size = ft_optimizer_state_size (ft_trainer_optimizer (t));
  float *opt_before = g_memdup2 (ft_optimizer_state (ft_trainer_optimizer (t)), state_size * sizeof (float));
  int64_t iterations = ft_optimizer_iterations (ft_trainer_optimizer (t));
  FtRng shuffle = *ft_trainer_shuffle_rng (t);
  FtRng dropout = *ft_model_dropout_rng (ft_trainer_model (t));

  FtResumeState state;
  memset (&state, 0, sizeof state);
  bool has_state = true;
  GError *error = NULL;
  g_assert_false (ft_checkpoint_load (t, path, &state, &has_state, &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, path));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
  g_clear_error (&error);
  g_assert_false (has_state);

  assert_weights_are (t, before);
  g_assert_cmpint (
      memcmp (ft_optimizer_state (ft_trainer_optimizer (t)), opt_before, state_size * sizeof (float)), ==, 0);
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (t)), ==, iterations);
  g_assert_cmpint (memcmp (&shuffle, ft_trainer_shuffle_rng (t), sizeof shuffle), ==, 0);
  g_assert_cmpint (memcmp (&dropout, ft_model_dropout_rng (ft_trainer_model (t)), sizeof dropout), ==, 0);
  g_free (before);
  g_free (opt_before);
}

static void
test_damaged (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 9);
  FtTrainer *a = make_trainer (ARCH_MLP, 41);
  train_steps (a, ds, 3, 8);
  char *good = test_path ("good.h5");
  save_or_die (a, good, false, 1);
  char *bytes = NULL;
  gsize size = 0;
  g_assert_true (g_file_get_contents (good, &bytes, &size, NULL));
  g_assert_cmpuint (size, >, 1000);

  FtTrainer *t = make_trainer (ARCH_MLP, 42);
  train_steps (t, ds, 2, 8);

  /* Cut in half, and cut at other places (the superblock's end of file no longer matches). */
  char *cut = test_path ("truncated.h5");
  gsize cuts[] = { size / 2, size - 1, 100, 8, 0 };
  for (unsigned i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_assert_true (g_file_set_contents (cut, bytes, (gssize) cuts[i], NULL));
      check_load_fails (t, cut, FT_ERROR, FT_ERROR_INVALID, NULL);
      GError *error = NULL;
      g_assert_null (ft_checkpoint_read_experiment (cut, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  /* Garbage, and garbage behind a valid HDF5 signature. */
  char *garbage = test_path ("garbage.h5");
  FtRng rng;
  ft_rng_seed (&rng, 7, 7);
  char *junk = g_malloc (size);
  for (gsize i = 0; i < size; i++)
    junk[i] = (char) (ft_rng_next (&rng) >> 56);
  g_assert_true (g_file_set_contents (garbage, junk, (gssize) size, NULL));
  check_load_fails (t, garbage, FT_ERROR, FT_ERROR_INVALID, "not an HDF5 file");
  memcpy (junk, "\x89HDF\r\n\x1a\n", 8);
  g_assert_true (g_file_set_contents (garbage, junk, (gssize) size, NULL));
  check_load_fails (t, garbage, FT_ERROR, FT_ERROR_INVALID, NULL);
  g_free (junk);

  /* The real file with a stretch in the middle of the data overwritten by zeros: the datasets' bytes
   * are not checksummed, so this is one the format cannot see; at least it must not crash. Overwriting
   * the superblock must be noticed. */
  char *damaged = g_memdup2 (bytes, size);
  memset (damaged, 0, 64);
  g_assert_true (g_file_set_contents (garbage, damaged, (gssize) size, NULL));
  check_load_fails (t, garbage, FT_ERROR, FT_ERROR_INVALID, NULL);
  g_free (damaged);

  /* A valid HDF5 file that is not a Keras model. */
  hid_t f = H5Fcreate (garbage, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (f, >=, 0);
  H5Fclose (f);
  check_load_fails (t, garbage, FT_ERROR, FT_ERROR_INVALID, "no model_weights group");

  /* Missing file. */
  char *missing = test_path ("no-such-file.h5");
  check_load_fails (t, missing, G_FILE_ERROR, G_FILE_ERROR_NOENT, NULL);

  ft_trainer_free (a);
  ft_trainer_free (t);
  ft_dataset_free (ds);
  g_free (bytes);
  g_free (good);
  g_free (cut);
  g_free (garbage);
  g_free (missing);
}

static void
test_mismatch (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 10);
  FtTrainer *a = make_trainer (ARCH_MLP, 51);
  train_steps (a, ds, 2, 8);
  char *path = test_path ("mlp.h5");
  save_or_die (a, path, false, 1);

  FtTrainer *wider = make_trainer (ARCH_MLP_WIDER, 52);
  check_load_fails (wider, path, FT_ERROR, FT_ERROR_INVALID,
                    "layer 1 is dense with kernel (6, 16), but the model has (6, 17)");
  FtTrainer *no_drop = make_trainer (ARCH_MLP_NO_DROP, 53);
  check_load_fails (no_drop, path, FT_ERROR, FT_ERROR_INVALID,
                    "the file has 3 layers (dense, dropout, dense_1), but the model has 2 (dense, dense_1)");
  FtTrainer *shorter = make_trainer (ARCH_MLP_SHORT, 54);
  check_load_fails (shorter, path, FT_ERROR, FT_ERROR_INVALID, "but the model has 2 (dense, dropout)");
  FtTrainer *no_bias = make_trainer (ARCH_MLP_NO_BIAS, 55);
  check_load_fails (
      no_bias, path, FT_ERROR, FT_ERROR_INVALID,
      "layer 1 (dense) has 2 weights in the file (sequential/dense/kernel, sequential/dense/bias), but "
      "the model has 1 (kernel)");
  FtTrainer *cnn = make_trainer (ARCH_CNN, 56);
  check_load_fails (cnn, path, FT_ERROR, FT_ERROR_INVALID,
                    "but the model has 5 (conv2d, batch_normalization, ");
  FtTrainer *act = make_trainer (ARCH_MLP_ACT, 59);
  check_load_fails (act, path, FT_ERROR, FT_ERROR_INVALID,
                    "layer 2 is dropout in the file, but activation in the model");

  /* The other way round: a smaller file into a larger model. */
  char *small = test_path ("short.h5");
  save_or_die (shorter, small, false, 0);
  check_load_fails (a, small, FT_ERROR, FT_ERROR_INVALID, "the file has 2 layers");

  /* Same architecture, another optimizer: the weights load, the resume state does not. */
  FtOptimizerSpec sgd = ft_optimizer_spec_default (FT_OPT_SGD);
  sgd.momentum = 0.9f;
  FtTrainer *other = make_trainer_with (ARCH_MLP, 57, &sgd);
  FtRng shuffle = *ft_trainer_shuffle_rng (other);
  bool has_state = true;
  GError *error = NULL;
  g_assert_true (ft_checkpoint_load (other, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_false (has_state);
  assert_same_weights (a, other);
  g_assert_true (optimizer_state_is_zero (other));
  g_assert_cmpint (ft_optimizer_iterations (ft_trainer_optimizer (other)), ==, 0);
  g_assert_cmpint (memcmp (&shuffle, ft_trainer_shuffle_rng (other), sizeof shuffle), ==, 0);
  /* Adam with amsgrad has a third slot: not the same optimizer state either. */
  FtOptimizerSpec ams = ft_optimizer_spec_default (FT_OPT_ADAM);
  ams.amsgrad = true;
  FtTrainer *amsgrad = make_trainer_with (ARCH_MLP, 58, &ams);
  g_assert_true (ft_checkpoint_load (amsgrad, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_false (has_state);

  ft_trainer_free (a);
  ft_trainer_free (wider);
  ft_trainer_free (no_drop);
  ft_trainer_free (shorter);
  ft_trainer_free (no_bias);
  ft_trainer_free (cnn);
  ft_trainer_free (act);
  ft_trainer_free (other);
  ft_trainer_free (amsgrad);
  ft_dataset_free (ds);
  g_free (path);
  g_free (small);
}

static void
test_atomic (void)
{
  FtDataset *ds = ft_test_dataset_new (64, 1, mlp_input, 3, 11);
  FtTrainer *a = make_trainer (ARCH_MLP, 61);
  FtTrainer *b = make_trainer (ARCH_MLP, 62);
  train_steps (b, ds, 2, 8);
  char *path = test_path ("replace.h5");
  save_or_die (a, path, false, 0);
  GStatBuf st1, st2;
  g_assert_cmpint (g_stat (path, &st1), ==, 0);
  save_or_die (b, path, false, 1); /* replaces a's file */
  g_assert_cmpint (g_stat (path, &st2), ==, 0);
  g_assert_cmpuint (st1.st_ino, !=, st2.st_ino); /* a new file renamed over the old one */
  g_assert_cmpint (count_temp_files (), ==, 0);

  FtTrainer *c = make_trainer (ARCH_MLP, 63);
  GError *error = NULL;
  g_assert_true (ft_checkpoint_load (c, path, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_same_weights (b, c);

  char *old_bytes = NULL;
  gsize old_size = 0;
  g_assert_true (g_file_get_contents (path, &old_bytes, &old_size, NULL));

  /* A directory that does not exist: nothing can be created. */
  char *nowhere = g_build_filename (test_dir, "no-such-dir", "x.h5", NULL);
  g_assert_false (ft_checkpoint_save (a, NULL, nowhere, false, 0, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_true (g_str_has_prefix (error->message, nowhere));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The rename fails after the whole file was written (the target is a non-empty directory): the
   * temporary file goes away. */
  char *dir_target = test_path ("a-directory.h5");
  g_assert_cmpint (g_mkdir (dir_target, 0755), ==, 0);
  char *inside = g_build_filename (dir_target, "keep", NULL);
  g_assert_true (g_file_set_contents (inside, "x", 1, NULL));
  g_assert_false (ft_checkpoint_save (a, NULL, dir_target, false, 0, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (count_temp_files (), ==, 0);

  /* A directory we may not write in, with the old checkpoint inside (root may write anyway). */
  char *ro_dir = test_path ("read-only");
  g_assert_cmpint (g_mkdir (ro_dir, 0755), ==, 0);
  char *ro_path = g_build_filename (ro_dir, "ckpt.h5", NULL);
  save_or_die (b, ro_path, false, 1);
  g_assert_cmpint (g_chmod (ro_dir, 0555), ==, 0);
  if (geteuid () != 0)
    {
      g_assert_false (ft_checkpoint_save (a, NULL, ro_path, false, 0, &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      char *now = NULL;
      gsize now_size = 0;
      g_assert_true (g_file_get_contents (ro_path, &now, &now_size, NULL));
      g_assert_cmpuint (now_size, ==, old_size);
      g_assert_cmpint (memcmp (now, old_bytes, old_size), ==, 0);
      g_free (now);
    }
  else
    g_test_message ("running as root: the read-only directory case is not testable");
  g_assert_cmpint (g_chmod (ro_dir, 0755), ==, 0);

  /* HDF5 itself fails half-way through writing (the file size limit stands in for a full disk): the
   * error comes back, the temporary file goes away, the old file stays. */
  int fds_before = count_open_fds ();
  struct rlimit saved;
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
  struct rlimit small = { 4096, saved.rlim_max };
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  bool saved_ok = ft_checkpoint_save (a, NULL, path, false, 0, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, old_handler);
  g_assert_false (saved_ok);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (count_temp_files (), ==, 0);
  g_assert_cmpint (count_open_fds (), ==, fds_before); /* HDF5 closed the file despite the failure */

  /* The failures above did not touch the replaced file. */
  char *after = NULL;
  gsize after_size = 0;
  g_assert_true (g_file_get_contents (path, &after, &after_size, NULL));
  g_assert_cmpuint (after_size, ==, old_size);
  g_assert_cmpint (memcmp (after, old_bytes, old_size), ==, 0);

  ft_trainer_free (a);
  ft_trainer_free (b);
  ft_trainer_free (c);
  ft_dataset_free (ds);
  g_free (path);
  g_free (old_bytes);
  g_free (after);
  g_free (nowhere);
  g_free (inside);
  g_free (dir_target);
  g_free (ro_dir);
  g_free (ro_path);
}

/* ---- the layout, read back with the HDF5 C API ---- */

static char **
read_str_list (hid_t obj, const char *name, int *n)
{
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  g_assert_cmpint (attr, >=, 0);
  hid_t type = H5Aget_type (attr);
  hid_t space = H5Aget_space (attr);
  *n = (int) H5Sget_simple_extent_npoints (space);
  char **out = g_new0 (char *, *n + 1);
  if (*n > 0)
    {
      g_assert_cmpint (H5Tget_class (type), ==, H5T_STRING);
      /* Fixed-length, NUL-padded (numpy's bytes arrays; variable-length strings are not written since
       * damaged ones crash libhdf5). */
      g_assert_cmpint (H5Tis_variable_str (type), ==, 0);
      g_assert_cmpint (H5Tget_strpad (type), ==, H5T_STR_NULLPAD);
      g_assert_cmpint (H5Tget_cset (type), ==, H5T_CSET_ASCII);
      size_t size = H5Tget_size (type);
      char *v = g_malloc0 (size * (size_t) *n);
      g_assert_cmpint (H5Aread (attr, type, v), >=, 0);
      for (int i = 0; i < *n; i++)
        out[i] = g_strndup (v + (size_t) i * size, size);
      g_free (v);
    }
  else
    g_assert_cmpint (H5Tget_class (type), ==, H5T_FLOAT); /* numpy's empty float64 array */
  H5Sclose (space);
  H5Tclose (type);
  H5Aclose (attr);
  return out;
}

static char *
read_str (hid_t obj, const char *name)
{
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  g_assert_cmpint (attr, >=, 0);
  hid_t type = H5Aget_type (attr);
  g_assert_cmpint (H5Tis_variable_str (type), ==, 0); /* fixed-length: see read_str_list */
  size_t size = H5Tget_size (type);
  char *v = g_malloc0 (size + 1);
  g_assert_cmpint (H5Aread (attr, type, v), >=, 0);
  char *out = g_strndup (v, size);
  g_free (v);
  H5Tclose (type);
  H5Aclose (attr);
  return out;
}

static void
check_float_dataset (hid_t file, const char *path, int ndim, const hsize_t *dims, const FtTensor *t)
{
  hid_t ds = H5Dopen2 (file, path, H5P_DEFAULT);
  if (ds < 0)
    g_error ("no dataset %s", path);
  hid_t type = H5Dget_type (ds);
  g_assert_true (H5Tequal (type, H5T_IEEE_F32LE) > 0);
  hid_t space = H5Dget_space (ds);
  g_assert_cmpint (H5Sget_simple_extent_ndims (space), ==, ndim);
  hsize_t got[8];
  H5Sget_simple_extent_dims (space, got, NULL);
  for (int d = 0; d < ndim; d++)
    g_assert_cmpuint (got[d], ==, dims[d]);
  if (t != NULL)
    {
      float *buf = g_new (float, t->size);
      g_assert_cmpint (H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), >=, 0);
      g_assert_cmpint (memcmp (buf, t->data, t->size * sizeof (float)), ==, 0);
      g_free (buf);
    }
  H5Sclose (space);
  H5Tclose (type);
  H5Dclose (ds);
}

static FtTensor *
weight_named (FtTrainer *t, const char *name)
{
  FtModel *m = ft_trainer_model (t);
  for (int w = 0; w < ft_model_n_weights (m); w++)
    if (strcmp (ft_model_weight (m, w)->name, name) == 0)
      return ft_model_weight (m, w);
  g_error ("no weight %s", name);
  return NULL;
}

static void
test_layout (void)
{
  FtDataset *ds = ft_test_dataset_new (32, 3, cnn_input, 3, 12);
  FtTrainer *a = make_trainer (ARCH_CNN, 71);
  train_steps (a, ds, 2, 8);
  char *path = test_path ("layout.h5");
  char *wpath = test_path ("layout-weights.h5");
  save_or_die (a, path, false, 2);
  save_or_die (a, wpath, true, 2);

  hid_t f = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  g_assert_cmpint (f, >=, 0);
  char *version = read_str (f, "keras_version");
  g_assert_true (g_str_has_prefix (version, "3."));
  char *backend = read_str (f, "backend");
  g_assert_cmpstr (backend, ==, "tensorflow");
  char *config = read_str (f, "model_config");
  g_test_message ("model_config: %s", config);
  g_assert_true (
      g_str_has_prefix (config, "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\""));
  g_assert_nonnull (
      strstr (config, "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 6, 6, 1]"));
  g_assert_nonnull (strstr (config, "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\""));
  g_assert_nonnull (strstr (config, "\"kernel_size\": [3, 3]"));
  g_assert_nonnull (strstr (config, "\"momentum\": 0.99, \"epsilon\": 0.001"));
  g_assert_nonnull (strstr (config, "\"pool_size\": [2, 2], \"padding\": \"valid\", \"strides\": [2, 2]"));
  g_assert_nonnull (strstr (config, "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\""));
  char *training = read_str (f, "training_config");
  g_test_message ("training_config: %s", training);
  g_assert_nonnull (
      strstr (training, "\"optimizer_config\": {\"class_name\": \"Adam\", \"config\": {\"name\": \"adam\", "
                        "\"learning_rate\": 0.001"));
  g_assert_nonnull (strstr (training, "\"from_logits\": true"));

  hid_t mw = H5Gopen2 (f, "model_weights", H5P_DEFAULT);
  g_assert_cmpint (mw, >=, 0);
  int n = 0;
  char **layers = read_str_list (mw, "layer_names", &n);
  const char *expected_layers[] = { "conv2d", "batch_normalization", "max_pooling2d", "flatten", "dense" };
  g_assert_cmpint (n, ==, 5);
  for (int i = 0; i < n; i++)
    g_assert_cmpstr (layers[i], ==, expected_layers[i]);
  g_strfreev (layers);
  hid_t lg = H5Gopen2 (mw, "conv2d", H5P_DEFAULT);
  char **wn = read_str_list (lg, "weight_names", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpstr (wn[0], ==, "sequential/conv2d/kernel");
  g_assert_cmpstr (wn[1], ==, "sequential/conv2d/bias");
  g_strfreev (wn);
  H5Gclose (lg);
  lg = H5Gopen2 (mw, "batch_normalization", H5P_DEFAULT);
  wn = read_str_list (lg, "weight_names", &n);
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpstr (wn[3], ==, "sequential/batch_normalization/moving_variance");
  g_strfreev (wn);
  H5Gclose (lg);
  lg = H5Gopen2 (mw, "flatten", H5P_DEFAULT);
  wn = read_str_list (lg, "weight_names", &n);
  g_assert_cmpint (n, ==, 0);
  g_strfreev (wn);
  H5Gclose (lg);
  H5Gclose (mw);

  hsize_t kconv[4] = { 3, 3, 1, 4 }, four[1] = { 4 }, kdense[2] = { 16, 3 }, three[1] = { 3 };
  check_float_dataset (f, "model_weights/conv2d/sequential/conv2d/kernel", 4, kconv,
                       weight_named (a, "conv2d/kernel"));
  check_float_dataset (f, "model_weights/conv2d/sequential/conv2d/bias", 1, four,
                       weight_named (a, "conv2d/bias"));
  check_float_dataset (f, "model_weights/batch_normalization/sequential/batch_normalization/moving_mean", 1,
                       four, weight_named (a, "batch_normalization/moving_mean"));
  check_float_dataset (f, "model_weights/dense/sequential/dense/kernel", 2, kdense,
                       weight_named (a, "dense/kernel"));
  check_float_dataset (f, "model_weights/dense/sequential/dense/bias", 1, three,
                       weight_named (a, "dense/bias"));
  g_assert_cmpint (H5Lexists (f, "model_weights/top_level_model_weights", H5P_DEFAULT), >, 0);

  hid_t ow = H5Gopen2 (f, "optimizer_weights", H5P_DEFAULT);
  g_assert_cmpint (ow, >=, 0);
  char **on = read_str_list (ow, "weight_names", &n);
  g_assert_cmpint (n, ==, 2 + 2 * 6); /* iteration, learning_rate, (momentum, velocity) × 6 variables */
  g_assert_cmpstr (on[0], ==, "adam/iteration");
  g_assert_cmpstr (on[1], ==, "adam/learning_rate");
  g_assert_cmpstr (on[2], ==, "adam/sequential_conv2d_kernel_momentum");
  g_assert_cmpstr (on[3], ==, "adam/sequential_conv2d_kernel_velocity");
  g_assert_cmpstr (on[4], ==, "adam/sequential_conv2d_bias_momentum");
  g_strfreev (on);
  H5Gclose (ow);
  check_float_dataset (f, "optimizer_weights/adam/sequential_dense_kernel_velocity", 2, kdense, NULL);

  hid_t fg = H5Gopen2 (f, "fittape", H5P_DEFAULT);
  g_assert_cmpint (fg, >=, 0);
  char *opt = read_str (fg, "optimizer");
  g_assert_cmpstr (opt, ==, "Adam");
  char **slots = read_str_list (fg, "slot_names", &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpstr (slots[0], ==, "momentum");
  g_assert_cmpstr (slots[1], ==, "velocity");
  g_strfreev (slots);
  g_assert_cmpint (H5Lexists (fg, "shuffle_rng", H5P_DEFAULT), >, 0);
  g_assert_cmpint (H5Lexists (fg, "dropout_rng", H5P_DEFAULT), >, 0);
  g_assert_cmpint (H5Lexists (fg, "experiment_json", H5P_DEFAULT), ==, 0); /* none was set */
  H5Gclose (fg);
  H5Fclose (f);

  f = H5Fopen (wpath, H5F_ACC_RDONLY, H5P_DEFAULT);
  g_assert_cmpint (f, >=, 0);
  g_assert_cmpint (H5Lexists (f, "fittape", H5P_DEFAULT), ==, 0);
  g_assert_cmpint (H5Lexists (f, "optimizer_weights", H5P_DEFAULT), ==, 0);
  g_assert_cmpint (H5Aexists (f, "training_config"), ==, 0);
  g_assert_cmpint (H5Aexists (f, "model_config"), >, 0);
  g_assert_cmpint (H5Lexists (f, "model_weights", H5P_DEFAULT), >, 0);
  H5Fclose (f);

  g_free (version);
  g_free (backend);
  g_free (config);
  g_free (training);
  g_free (opt);
  ft_trainer_free (a);
  ft_dataset_free (ds);
  g_free (path);
  g_free (wpath);
}

/* ---- two threads saving and loading at once (HDF5 is the serial build: the lock must hold) ---- */

static gpointer
thread_main (gpointer data)
{
  int id = GPOINTER_TO_INT (data);
  FtDataset *ds = ft_test_dataset_new (32, 1, mlp_input, 3, 100 + (uint64_t) id);
  FtTrainer *a = make_trainer (ARCH_MLP, 200 + (uint64_t) id);
  FtTrainer *b = make_trainer (ARCH_MLP, 300 + (uint64_t) id);
  char name[32];
  g_snprintf (name, sizeof name, "thread-%d.h5", id);
  char *path = test_path (name);
  for (int round = 0; round < 8; round++)
    {
      train_steps (a, ds, 1, 8);
      save_or_die (a, path, round % 2 == 1, round);
      GError *error = NULL;
      g_assert_true (ft_checkpoint_load (b, path, NULL, NULL, &error));
      g_assert_no_error (error);
      assert_same_weights (a, b);
    }
  ft_trainer_free (a);
  ft_trainer_free (b);
  ft_dataset_free (ds);
  g_free (path);
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[3];
  for (int i = 0; i < 3; i++)
    threads[i] = g_thread_new ("checkpoint", thread_main, GINT_TO_POINTER (i));
  for (int i = 0; i < 3; i++)
    g_thread_join (threads[i]);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_chmod (path, 0755);
      GDir *dir = g_dir_open (path, 0, NULL);
      if (dir != NULL)
        {
          const char *name;
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              char *child = g_build_filename (path, name, NULL);
              remove_tree (child);
              g_free (child);
            }
          g_dir_close (dir);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *error = NULL;
  test_dir = g_dir_make_tmp ("fittape-checkpoint-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/checkpoint/roundtrip", test_roundtrip);
  g_test_add_func ("/checkpoint/resume", test_resume);
  g_test_add_func ("/checkpoint/conv-bn", test_conv_bn);
  g_test_add_func ("/checkpoint/weights-only", test_weights_only);
  g_test_add_func ("/checkpoint/damaged", test_damaged);
  g_test_add_func ("/checkpoint/mismatch", test_mismatch);
  g_test_add_func ("/checkpoint/atomic", test_atomic);
  g_test_add_func ("/checkpoint/layout", test_layout);
  g_test_add_func ("/checkpoint/threads", test_threads);
  int status = g_test_run ();

  if (g_getenv ("FITTAPE_KEEP_CHECKPOINTS") != NULL)
    g_printerr ("checkpoints kept in %s\n", test_dir);
  else
    remove_tree (test_dir);
  g_free (test_dir);
  return status;
}
