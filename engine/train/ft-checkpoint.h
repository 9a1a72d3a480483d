/* ft-checkpoint.h — checkpoints as HDF5 files laid out like Keras' HDF5 model files (a model_config JSON
 * attribute; a model_weights group with layer_names / weight_names attributes and one dataset per weight
 * in Keras' layouts), so the weights open in Keras, plus FitTape's resume state in a group of its own
 * ("fittape"): optimizer state and iterations, learning rate, epoch and step, RNG states and the
 * experiment JSON. Written atomically (temporary file in the same directory, then rename).
 *
 * The layout, as keras/src/legacy/saving/legacy_h5_format.py writes it with h5py 3 (Keras 3, TensorFlow
 * backend; "str" below is a variable-length string, ASCII where Keras writes bytes, UTF-8 where it writes
 * str):
 *
 *   /                        attrs keras_version, backend (UTF-8 str), model_config (ASCII str: the
 *                            Sequential's legacy config JSON, an InputLayer first), and unless
 *                            weights_only training_config (ASCII str: loss, metrics, optimizer_config)
 *   /model_weights           attrs layer_names (1-D array of str, every layer), backend, keras_version
 *   /model_weights/LAYER     attr weight_names: 1-D array of str, e.g. "sequential/dense/kernel" (an empty
 *                            float64 array for layers without weights); one dataset per name at that
 *                            relative path: float32, Keras' shapes (Dense kernel (in, out), Conv2D kernel
 *                            (kh, kw, in, out), BatchNormalization gamma, beta, moving_mean,
 *                            moving_variance)
 *   /model_weights/top_level_model_weights   attr weight_names: empty
 *   /optimizer_weights       (unless weights_only) attr weight_names: "adam/iteration" (int64 scalar),
 *                            "adam/learning_rate" (float32 scalar), then the slots named
 *                            "adam/sequential_dense_kernel_momentum" … in Keras' order (Adam interleaves
 *                            momentum and velocity per variable; other slots one slot after the other)
 *   /fittape                 (unless weights_only) attrs format_version (int32, 1), epoch (int64, epochs
 *                            completed), iterations (int64), learning_rate (float32), optimizer (str,
 *                            "Adam"), seed (uint64), slot_names (1-D array of str, absent with no slots);
 *                            datasets shuffle_rng, dropout_rng (uint64 [4]), optimizer_slots/NAME (float32
 *                            [state floats of one slot], ft_optimizer_state's slot blocks), and
 *                            experiment_json (scalar UTF-8 str) when the experiment source gives one.
 *
 * Every function here is thread-safe (one lock around all HDF5 use; Debian's HDF5 is the serial build). */
#pragma once

#include "train/ft-trainer.h"

typedef struct
{
  int epoch;    /* the next epoch to run (0-based), i.e. epochs completed */
  int64_t step; /* optimizer iterations */
  float learning_rate;
  FtRng shuffle_rng;
  FtRng dropout_rng;
  uint64_t seed; /* the seed the checkpointed run was started with */
} FtResumeState;

/* The experiment a checkpoint records, supplied by whoever owns it (the run, in engine/experiment: this
 * layer never sees an experiment). to_json returns it as experiment JSON (the checkpoint g_frees it), or
 * NULL for none; it is called only when a checkpoint with resume state is written, possibly on the
 * training thread. Zeroed (to_json NULL): no experiment. */
typedef struct
{
  char *(*to_json) (void *user_data);
  void *user_data;
} FtExperimentSource;

/* Saves the trainer's model (and, unless weights_only, its optimizer and resume state, with the
 * experiment that experiment gives; NULL: none) to path. epoch is the number of epochs completed. On
 * failure (G_FILE_ERROR; the message starts with path) an existing file at path is left as it was and no
 * temporary file remains. */
bool ft_checkpoint_save (FtTrainer *trainer, const FtExperimentSource *experiment, const char *path,
                         bool weights_only, int epoch, GError **error);

/* Reads only the experiment JSON embedded in a checkpoint (NULL with an error if none / unreadable). */
char *ft_checkpoint_read_experiment (const char *path, GError **error);

/* Loads weights (and, when present and the trainer's optimizer matches, optimizer state and resume
 * state) into an existing trainer whose model has the same architecture. Validates everything before
 * touching the trainer: a truncated, corrupted or mismatched file (layer names, weight shapes) gives an
 * error naming the problem and leaves the trainer untouched. state may be NULL; has_state (may be NULL)
 * tells whether resume state was present (state is written only then).
 *
 * "Matches" means the same optimizer kind with the same slots (e.g. Adam without amsgrad); then the
 * optimizer's slots, iterations and learning rate, the trainer's shuffle generator and the model's
 * dropout generator are restored (and copied into state). A file without a fittape group (weights_only),
 * or whose optimizer does not match, restores the weights alone and says has_state = false. Errors:
 * G_FILE_ERROR when the file cannot be opened, FT_ERROR_INVALID for contents; messages start with path. */
bool ft_checkpoint_load (FtTrainer *trainer, const char *path, FtResumeState *state, bool *has_state,
                         GError **error);
