/* ft-tape-loop.h — the explicit GradientTape loop ("tape mode"): the same train step as fit(), driven by
 * a loop in which every piece of bookkeeping fit() does is its own step that can be switched off. With
 * every step on and the same seed it gives fit()'s weights and history bit for bit; with one off it
 * behaves exactly as the missing code would in TensorFlow. */
#pragma once

#include "train/ft-fit.h"
#include "train/ft-pitfalls.h"

typedef struct
{
  bool batching;       /* off: one full batch per epoch */
  bool shuffle;        /* off: the same order every epoch */
  bool split;          /* off: no train/validation split (validation only from validation_data) */
  bool validate;       /* off: no validation pass, no val_ curves */
  bool reset_metrics;  /* off: metric states accumulate across epochs */
  bool early_stopping; /* the hand-written "still improving?" check (needs an EarlyStopping spec) */
  bool checkpoint;     /* the hand-written checkpoint save (needs a ModelCheckpoint spec) */
  bool progress;       /* progress reporting (observer events and printed lines) */
  FtPitfalls pitfalls; /* mistakes switched on (all off: the correct loop) */
} FtLoopSteps;

FtLoopSteps ft_loop_steps_all (void); /* every step on, no pitfall */
/* What leaving step i out does, as a cause: "the tape loop does not shuffle". */
const char *ft_loop_step_cause (int i);
/* Step names as experiment files and the UI use them: "batching", "shuffle", … */
const char *ft_loop_step_name (int i);
int ft_loop_n_steps (void);
bool *ft_loop_step_flag (FtLoopSteps *steps, int i);

/* Runs the loop. early_stopping / checkpoint: the specs the hand-written steps follow (monitor,
 * patience, min_delta, mode, baseline, restore_best_weights, start_from_epoch / filepath, monitor,
 * save_best_only, mode), or NULL when the experiment has none. observers are callbacks that only
 * watch (progress, the runner): they get the same events fit() gives its callbacks, and may set
 * ctx->abort. */
bool ft_tape_loop (FtTrainer *trainer, const FtDataset *data, const FtFitArgs *args, const FtLoopSteps *steps,
                   const FtCallbackSpec *early_stopping, const FtCallbackSpec *checkpoint,
                   GPtrArray *observers, FtHistory *history, FtFitContext *ctx, GError **error);
