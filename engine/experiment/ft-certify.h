/* ft-certify.h — a parity certificate: FitTape trains an experiment, then real Keras runs the script FitTape
 * exports for it (fit or tape mode) from FitTape's initial weights and with FitTape's data order, and the
 * two runs are compared epoch by epoch, log by log, and by their final weights.
 *
 * What is replayed (by fittape_replay.py, written beside the script): the initial weights (initial.h5, a
 * FitTape checkpoint loaded with Keras' model.load_weights), the training samples (checked against the
 * script's own; FitTape's are used where they differ, and the certificate says so) and each epoch's
 * permutation of the training samples (order.u32, one row per epoch, drawn from a copy of the trainer's
 * shuffle generator, so it is the order FitTape trains in). Dropout masks are not replayed: an experiment
 * with a Dropout layer of non-zero rate is refused.
 *
 * Targets: every per-epoch log within log_tolerance relative (|a − b| / max(|a|, |b|)), the same number of
 * epochs (the stopping epoch), the final weights within weight_tolerance (‖w_FitTape − w_Keras‖₂ /
 * ‖w_FitTape‖₂, every weight including batch norm's moving statistics). */
#pragma once

#include "experiment/ft-experiment.h"

typedef struct
{
  FtRunMode mode;              /* FT_MODE_FIT or FT_MODE_TAPE */
  int epochs;                  /* > 0: overrides the experiment's */
  const char *python;          /* an interpreter that imports tensorflow and keras */
  const char *replay_module;   /* the path of fittape_replay.py */
  const char *dir;             /* working folder: created; the script, the replay files and Keras' results */
  const char *experiment_name; /* named in the certificate (e.g. the file's name), or NULL */
  double log_tolerance;        /* 0: 1e-5 */
  double weight_tolerance;     /* 0: 1e-4 */
  int timeout_seconds;         /* 0: none */
} FtCertifyOptions;

typedef struct
{
  int epoch; /* 0-based */
  char key[64];
  double fittape, keras, rel; /* keras NAN when Keras has no such log that epoch */
} FtCertifyRow;

typedef struct
{
  char *experiment;
  FtRunMode mode;
  double log_tolerance, weight_tolerance;
  int fittape_epochs, keras_epochs;
  GArray *rows; /* FtCertifyRow, epoch by epoch, keys sorted */
  double worst_rel;
  char worst_key[64];
  int worst_epoch;
  double weights_rel;
  double test_loss_fittape, test_loss_keras; /* NAN without a test set */
  int permutations_replayed;
  double data_max_abs_diff;
  char *versions;   /* "TensorFlow 2.21.0, Keras 3.15.1" */
  GPtrArray *notes; /* strings: what did not match or was substituted */
  bool pass;
  char *verdict; /* one line */
} FtCertificate;

/* The interpreter certify uses by default: $FITTAPE_PYTHON, else the build folder's virtual environment
 * (BUILD/tf-venv, made by .ci/tf-venv) when it exists, else "python3". */
const char *ft_certify_default_python (void);
/* fittape_replay.py: $FITTAPE_REPLAY_MODULE, else the source tree's copy, else the installed one. */
const char *ft_certify_default_replay_module (void);

/* Trains, runs Keras and compares. False with an error when a run could not be made (the experiment
 * cannot be certified, the data cannot be loaded, Python fails: the message ends with the last lines of
 * its output); a run that was made but differs gives true and a certificate whose pass is false. */
FtCertificate *ft_certify (const FtExperiment *exp, const FtCertifyOptions *options, GError **error);
void ft_certificate_free (FtCertificate *c);
/* The per-epoch table (FitTape, Keras, relative difference for every log), the stopping epochs, the final
 * weights' difference and the verdict line. */
char *ft_certificate_table (const FtCertificate *c);
/* The same as one JSON object (rows included). */
char *ft_certificate_json (const FtCertificate *c);
