/* ft-codegen-private.h — what the parts of the code generator share (ft-codegen*.c): the generator's state
 * (FtCodegen: the writer and what the script needs to know about the experiment, worked out once by
 * ft-codegen.c) and each part's entry. Not for use outside ft-codegen*.c. */
#pragma once

#include "experiment/ft-codegen.h"
#include "experiment/ft-py-writer.h"

typedef struct
{
  FtPyWriter w;
  const FtExperiment *e;
  bool tape;
  const FtCodegenOptions *options;

  /* data */
  bool data_shape_known;
  int data_ndim, data_shape[3];
  long n_samples; /* training samples before the split, −1 unknown */
  int has_test;   /* 0 none, 1 yes, 2 only when the files exist (x_test may be None) */
  /* model */
  bool input_known;
  int input_ndim, input_shape[3];
  int out_size; /* product of the output shape, 0 unknown */
  bool logits;
  /* targets: 0 class indices, 1 one float per sample (N, 1), 2 one-hot */
  int targets;
  /* metrics, tape mode */
  int n_metrics; /* compiled metrics, then weighted_metrics */
  const char *metric_class[2 * FT_MAX_METRICS];
  const char *metric_key[2 * FT_MAX_METRICS];
  const char *metric_var[2 * FT_MAX_METRICS]; /* "accuracy" → train_accuracy / test_accuracy */
  bool metric_weighted[2 * FT_MAX_METRICS];   /* weighted_metrics: the only ones given sample weights */
  const bool *pit;                            /* tape: the pitfalls switched on */
  /* the loop */
  bool split;    /* tape: the split is in the code */
  bool validate; /* the validation pass is in the code */
  bool shuffle, batching, reset, progress;
  const FtCallbackSpec *es, *ckpt; /* tape: the specs the hand-written steps follow (first of each) */
  bool class_weights;
  bool batch_progress;
  bool need_test_step;
} FtCodegen;

/* ft-codegen-data.c: loading or generating the data. */
void ft_codegen_emit_data (FtCodegen *g);

/* ft-codegen-keras.c: the Keras objects as constructor calls from the kind tables. */
void ft_codegen_emit_model (FtCodegen *g);
const char *ft_codegen_optimizer_code (FtCodegen *g);
const char *ft_codegen_loss_code (FtCodegen *g);
/* The experiment's first callback of a kind, or NULL. */
const FtCallbackSpec *ft_codegen_first_callback (const FtExperiment *e, FtCallbackKind kind);
bool ft_codegen_has_callback (const FtExperiment *e, FtCallbackKind kind);
/* Is larger better for this monitor? (FitTape's rule; "min" when it cannot tell.) */
bool ft_codegen_monitor_greater (const FtCallbackSpec *spec);
void ft_codegen_emit_schedule_function (FtCodegen *g, const FtCallbackSpec *c, const char *name);
/* The constructor call from the table (a LearningRateScheduler's argument is its function, written first). */
const char *ft_codegen_callback_code (FtCodegen *g, const FtCallbackSpec *c, const char *schedule_name);
/* Name of the i-th LearningRateScheduler's function: "schedule", "schedule_2", … */
const char *ft_codegen_schedule_name (FtCodegen *g, int index);
/* A suffix that keeps the hand-written state of a second callback of one kind apart: "", "_2", … */
const char *ft_codegen_kind_suffix (FtCodegen *g, int index);

/* ft-codegen-fit.c: model.compile() and model.fit(), then model.evaluate(). */
void ft_codegen_emit_fit (FtCodegen *g);

/* ft-codegen-tape.c: the hand-written GradientTape loop, from the optimizer to the evaluation. */
void ft_codegen_emit_tape (FtCodegen *g);
