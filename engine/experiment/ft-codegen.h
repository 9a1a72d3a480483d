/* ft-codegen.h — an experiment as a runnable Python 3 script for real TensorFlow 2 / Keras 3: the data, the
 * keras.Sequential model, the optimizer, loss and metrics, and either model.fit() (fit mode) or the
 * hand-written tf.GradientTape loop (tape mode) in which every tape-loop step switched off in the
 * experiment is absent from the code, with a one-line comment where it would have been. String
 * generation only: no GTK, no Python needed to generate.
 *
 * The code map says which lines each phase and each loop step occupies, so a viewer can highlight the
 * line that is executing and the six-step outline (define the model → optimizer, loss, metrics → the
 * loop → train → validate → evaluate). */
#pragma once

#include "experiment/ft-experiment.h"

typedef enum
{
  /* The six-step outline, in the order a lesson tells it (FT_CODE_N_OUTLINE of them). */
  FT_CODE_DEFINE_MODEL, /* keras.Sequential([...]) */
  FT_CODE_COMPILE,      /* optimizer, loss and metrics (fit: model.compile(...)) */
  FT_CODE_LOOP,         /* fit: the model.fit(...) call; tape: the dataset pipeline and the epoch loop */
  FT_CODE_TRAIN_STEP,   /* fit: the model.fit(...) call; tape: the @tf.function train_step */
  FT_CODE_VALIDATE,     /* fit: validation_split; tape: the test_step and the validation pass */
  FT_CODE_EVALUATE,     /* model.evaluate(...) / the loop over the test set */
  /* Other parts of the script. */
  FT_CODE_HEADER,    /* the comment block at the top */
  FT_CODE_DATA,      /* loading (or generating) the data */
  FT_CODE_CALLBACKS, /* fit: the callbacks list; tape: the hand-written callbacks' state before the loop */
  /* One per tape-loop step, in FtLoopSteps order (ft_code_region_for_loop_step). In tape mode a step that
   * is off (or that has no callback to follow) is marked omitted and its ranges point at the comment that
   * says it was left out. In fit mode they point at the model.fit() arguments or callbacks doing the job
   * (or at the model.fit( line, for what fit() does unasked). */
  FT_CODE_STEP_BATCHING,
  FT_CODE_STEP_SHUFFLE,
  FT_CODE_STEP_SPLIT,
  FT_CODE_STEP_VALIDATE,
  FT_CODE_STEP_RESET_METRICS,
  FT_CODE_STEP_EARLY_STOPPING,
  FT_CODE_STEP_CHECKPOINT,
  FT_CODE_STEP_PROGRESS,
  /* Single lines for a "now executing" marker (fit mode: all three are the model.fit( line). */
  FT_CODE_BATCH_LINE,  /* the line that runs one batch: loss = train_step(...) */
  FT_CODE_EPOCH_START, /* for epoch in range(...) */
  FT_CODE_EPOCH_END,   /* the line that ends an epoch (records its logs in history) */
  FT_CODE_N_REGIONS
} FtCodeRegion;

#define FT_CODE_N_OUTLINE  6 /* FT_CODE_DEFINE_MODEL … FT_CODE_EVALUATE */
#define FT_CODE_MAX_RANGES 8 /* a region with more pieces has its last range extended */

typedef struct
{
  int first, last; /* 1-based line numbers, inclusive */
} FtCodeRange;

typedef struct
{
  int n_ranges; /* 0: the region is not in this script (e.g. FT_CODE_EVALUATE without a test set) */
  FtCodeRange ranges[FT_CODE_MAX_RANGES]; /* in script order, not overlapping */
  bool omitted;                           /* a loop step left out: the ranges are the comment saying so */
} FtCodeSpan;

typedef struct
{
  int n_lines; /* lines in the script (it ends with a newline) */
  FtCodeSpan regions[FT_CODE_N_REGIONS];
} FtCodeMap;

/* "define_model", "compile", … "batching", "shuffle", … "batch_line" (loop steps as ft_loop_step_name). */
const char *ft_code_region_name (FtCodeRegion region);
/* A title for the outline and the steps: "Define the model", "Optimizer, loss and metrics", "The loop",
 * "Train", "Validate", "Evaluate", "Shuffle", … */
const char *ft_code_region_title (FtCodeRegion region);
/* FT_CODE_STEP_BATCHING + i for loop step i (0 … ft_loop_n_steps () − 1). */
FtCodeRegion ft_code_region_for_loop_step (int step);
/* The first line of a region, or 0 when it is not in the script. */
int ft_code_map_first_line (const FtCodeMap *map, FtCodeRegion region);
/* Whether a line (1-based) lies in one of the region's ranges. */
bool ft_code_map_contains (const FtCodeMap *map, FtCodeRegion region, int line);
/* The innermost outline region (FT_CODE_DEFINE_MODEL … FT_CODE_EVALUATE) holding a line, or -1: for the
 * outline view's "you are here". Validate wins over the train step and the loop, the train step over the
 * loop. */
int ft_code_map_outline_at (const FtCodeMap *map, int line);

typedef struct
{
  const char *experiment_name; /* named in the header (e.g. the experiment file's name), or NULL */
  const char *script_name;     /* used in "how to run it", or NULL for a generic name */
  /* fittape-cli certify: after the model is defined, `import fittape_replay` and hand it the model and the
   * script's globals (FitTape's initial weights, its samples, its per-epoch order; see ft-certify.h). */
  bool replay;
} FtCodegenOptions;

/* The script, UTF-8, g_free. mode is FT_MODE_FIT (model.compile + model.fit) or FT_MODE_TAPE (the
 * hand-written loop); FT_MODE_BOTH gives the tape loop, the one that shows every step. map may be NULL;
 * when given it is filled in completely. */
char *ft_codegen_python (const FtExperiment *exp, FtRunMode mode, FtCodeMap *map);
char *ft_codegen_python_with (const FtExperiment *exp, FtRunMode mode, const FtCodegenOptions *options,
                              FtCodeMap *map);
/* Writes the script to path atomically (g_file_set_contents); its header names the file to run. */
bool ft_codegen_save (const FtExperiment *exp, FtRunMode mode, const char *path, GError **error);
