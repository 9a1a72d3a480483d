/* fuzz-checkpoint.c — libFuzzer harness for the checkpoint reader: the bytes as an HDF5 file, loaded into
 * a small fixed model (ft_checkpoint_load) and read for its experiment (ft_checkpoint_read_experiment).
 * libhdf5 runs in the guard's helper process first (as for every file not written by this process), so
 * a crash there must come back as an error; this process must never crash. Seeds: checkpoints of that
 * model (tests/fuzz/corpus/checkpoint). */
#include "experiment/ft-experiment.h"
#include "fuzz-util.h"
#include "train/ft-checkpoint.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char model_json[]
    = "{\"seed\": 3, \"dataset\": {\"name\": \"xor\", \"samples\": 20}, \"model\": {\"input_shape\": [2], "
      "\"layers\": ["
      "{\"type\": \"Dense\", \"units\": 4, \"activation\": \"relu\"}, {\"type\": \"Dense\", \"units\": 2}]},"
      " \"compile\": {\"optimizer\": \"adam\", \"loss\": {\"name\": \"sparse_categorical_crossentropy\","
      " \"from_logits\": true}, \"metrics\": [\"accuracy\"]}}";

static char *
dup_json (void *json)
{
  return g_strdup (json);
}

static FtTrainer *
trainer (void)
{
  FtExperiment *e = ft_experiment_from_json (model_json, NULL);
  FtTrainer *t = e ? ft_experiment_build_trainer (e, NULL, NULL) : NULL;
  if (t == NULL)
    abort ();
  ft_experiment_free (e);
  return t;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (g_getenv ("FUZZ_WRITE_SEED") != NULL)
    {
      /* fuzz-checkpoint with FUZZ_WRITE_SEED=PATH writes a seed checkpoint there and exits */
      FtTrainer *t = trainer ();
      FtExperimentSource source = { dup_json, (void *) model_json };
      bool ok = ft_checkpoint_save (t, &source, g_getenv ("FUZZ_WRITE_SEED"), false, 1, NULL);
      ft_trainer_free (t);
      exit (ok ? 0 : 1);
    }
  char *path = fuzz_write ("checkpoint.h5", data, size);
  FtTrainer *t = trainer ();
  GError *error = NULL;
  FtResumeState state;
  bool has_state = false;
  if (!ft_checkpoint_load (t, path, &state, &has_state, &error))
    {
      if (error == NULL || !g_str_has_prefix (error->message, path))
        abort (); /* errors name the file */
      g_clear_error (&error);
    }
  char *json = ft_checkpoint_read_experiment (path, &error);
  if (json == NULL)
    g_clear_error (&error);
  g_free (json);
  ft_trainer_free (t);
  g_free (path);
  return 0;
}
