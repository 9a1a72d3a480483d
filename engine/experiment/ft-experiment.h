/* ft-experiment.h — experiment files: JSON (json-glib) describing the dataset, the layers, compile
 * (optimizer, loss, metrics), the mode with the tape-loop steps, fit arguments, callbacks and seed.
 * Unknown keys and bad values give an error naming the JSON path and what was expected. The format is
 * documented at the top of ft-experiment.c. */
#pragma once

#include "data/ft-point-edits.h"
#include "train/ft-callbacks.h"
#include "train/ft-fit.h"
#include "train/ft-tape-loop.h"

typedef enum
{
  FT_DATA_PLAYGROUND, /* "circle", "xor", "gauss", "spiral", "moons" */
  FT_DATA_IDX,        /* "fashion_mnist" (Debian's files) or "idx" with a directory */
  FT_DATA_CSV,        /* "csv" with path and label column */
} FtDataSource;

typedef struct
{
  FtDataSource source;
  FtPlaygroundKind playground;
  uint32_t samples;      /* playground: 500 */
  float noise;           /* playground: 0 .. 0.5 */
  uint32_t test_samples; /* playground: size of the generated test set (another seed), 500 */
  char path[512];        /* idx directory or csv file; "" = Fashion-MNIST's Debian directory */
  char test_path[512];   /* csv: optional test file */
  char label_column[64]; /* csv */
  uint32_t limit;        /* use only the first N training samples (0 = all): for quick lessons */
  unsigned features;     /* 2-D data: the Playground's input features (ft-features.h mask), 0 = none */
  FtPointEdit *points;   /* 2-D data: points added (class ≥ 0) or removed (−1) by clicking, in order */
  uint32_t n_points;
  bool has_seed; /* playground: dataset.seed given (ft-data-seed.h); absent = drawn from the experiment's seed
                  */
  uint64_t seed; /* playground: the data's own seed, 0 .. FT_DATA_SEED_MAX */
} FtDataSpec;
#define FT_DATA_SEED_MAX ((uint64_t) INT64_MAX)

typedef enum
{
  FT_MODE_FIT,
  FT_MODE_TAPE,
  FT_MODE_BOTH,
} FtRunMode;

typedef struct
{
  char *title; /* lessons: shown in the window */
  char *notes;
  char **hide;   /* lessons: controls to hide (NULL-terminated, may be NULL) */
  char view[16]; /* the view the window opens on (ft_experiment_view_names), "" = chosen by the data */
  uint64_t seed;
  FtDataSpec data;
  int input_ndim; /* 0 = the dataset's own sample shape */
  int input_shape[3];
  int n_layers;
  FtLayerSpec *layers;
  FtCompileSpec compile;
  FtRunMode mode;
  FtFitArgs fit;
  FtLoopSteps steps;
  int n_callbacks;
  FtCallbackSpec *callbacks;
} FtExperiment;
/* An FtExperiment owns title, notes, hide, layers, callbacks, data.points and fit.class_weight (all
 * g_malloc'ed; ft_experiment_free frees them); fit.validation_data is never set from a file and is not owned.
 */

/* The window's views an experiment may open on ("view"): curves, code, inspector, network, errors. */
#define FT_N_EXPERIMENT_VIEWS 5
extern const char *const ft_experiment_view_names[FT_N_EXPERIMENT_VIEWS];

FtExperiment *ft_experiment_new_default (void); /* the Fashion-MNIST MLP of TF's basic classification */
void ft_experiment_free (FtExperiment *exp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtExperiment, ft_experiment_free)
FtExperiment *ft_experiment_copy (const FtExperiment *exp); /* deep copy */
/* Field by field (strings by content, float fields exactly); fit.validation_data is ignored. */
bool ft_experiment_equal (const FtExperiment *a, const FtExperiment *b);
/* Reads and parses a file; relative dataset paths ("path", "test_path") are resolved against the file's
 * directory (callbacks' output paths stay as written). Errors start with the file's path. */
FtExperiment *ft_experiment_load (const char *path, GError **error);
FtExperiment *ft_experiment_from_json (const char *json, GError **error);
/* Pretty-printed JSON that round-trips through ft_experiment_from_json (ft_experiment_equal holds): the
 * fields that apply are written, some only when they differ from their defaults; parameters a layer,
 * optimizer, callback or dataset kind does not take are not written and come back as their defaults. */
char *ft_experiment_to_json (const FtExperiment *exp);
/* exp as the source a checkpoint records its experiment from (serialised when a checkpoint is written);
 * exp must outlive what the source is handed to. Runs have their own: ft_run_experiment_source. */
FtExperimentSource ft_experiment_source (const FtExperiment *exp);
/* Atomic write (temporary file, then rename). */
bool ft_experiment_save (const FtExperiment *exp, const char *path, GError **error);
const char *ft_run_mode_name (FtRunMode mode); /* "fit", "tape", "both" */
bool ft_run_mode_from_name (const char *name, FtRunMode *mode);

/* Loads the training and test datasets the spec names (test may be NULL when there is none): playground
 * sets from seed (test set from seed + 1), an IDX directory's train/t10k pair (an "idx" directory without
 * t10k files has no test set), CSV files (the test file's classes are mapped onto the training file's by
 * name). "limit" keeps the first N training samples. */
bool ft_experiment_load_data (const FtExperiment *exp, FtDataset **train, FtDataset **test, GError **error);
/* Builds the model (input shape from the experiment or else from train, which may then be NULL only when
 * the experiment gives input_shape) and compiles it; checks train against the model when given, and sets
 * the trainer's experiment JSON. Errors name the JSON path of the layer at fault. */
FtTrainer *ft_experiment_build_trainer (const FtExperiment *exp, const FtDataset *train, GError **error);
