/* ft-fingerprint.h — lockstep fingerprints of a training run: at every step, cheap 64-bit hashes of the
 * batch's sample indices, the shuffle and dropout generators, the loss, the gradients, the weights after
 * the update, the optimizer's slots, the metrics and the callbacks' state; at every epoch end, of the
 * epoch's logs and the callbacks' state. Two runs that should agree (fit() and the tape loop) are
 * compared record by record (ft-divergence.h). Recorded on the training thread; readable from any thread. */
#pragma once

#include "train/ft-callbacks.h"

/* In causal order within a step: the epoch's shuffle draws, the batch, the forward pass's dropout draws,
 * the loss, backward, the update, the bookkeeping. The first differing part names where runs parted. */
typedef enum
{
  FT_FP_SHUFFLE_RNG, /* the shuffling generator's state */
  FT_FP_ORDER,       /* the batch's sample indices */
  FT_FP_DROPOUT_RNG, /* the dropout generator's state */
  FT_FP_LOSS,        /* the batch's loss */
  FT_FP_GRADIENTS,
  FT_FP_WEIGHTS,   /* every weight (trainable and not) after the update */
  FT_FP_OPTIMIZER, /* slots, iterations, learning rate */
  FT_FP_METRICS,   /* the running metric results (loss tracker and compiled metrics) */
  FT_FP_CALLBACKS, /* stop_training, progress reported, last checkpoint, learning rate */
  FT_FP_LOGS,      /* epoch end: the epoch's logs (val_ included) */
  FT_N_FP_PARTS
} FtFpPart;

/* "shuffle generator", "batch order", "dropout generator", "loss", "gradients", "weights", "optimizer
 * slots", "metrics", "callbacks", "epoch logs" */
const char *ft_fp_part_name (FtFpPart part);

typedef struct
{
  int epoch; /* 0-based */
  int batch; /* 0-based; -1 for the epoch-end record */
  uint32_t batch_size;
  float loss;                   /* the batch's loss (batch records) */
  uint64_t hash[FT_N_FP_PARTS]; /* 0 for parts a record does not have */
} FtFingerprint;

typedef struct FtFingerprints FtFingerprints;

/* The sample the CLI and the window hash per tensor: about 1 % of a Fashion-MNIST MLP step in CPU time
 * (fittape-bench-fingerprint; every element costs about a step). Loss, batch indices, generators, metrics
 * and callbacks are always hashed whole. */
#define FT_FINGERPRINT_SAMPLE 128

/* sample: at most this many elements of each tensor are hashed (evenly strided, the offset moving from
 * record to record so every element is visited over a run); 0 hashes every element. */
FtFingerprints *ft_fingerprints_new (size_t sample);
void ft_fingerprints_free (FtFingerprints *fps);
void ft_fingerprints_clear (FtFingerprints *fps);
int ft_fingerprints_len (FtFingerprints *fps);
/* Copies record i; false when out of range. */
bool ft_fingerprints_get (FtFingerprints *fps, int i, FtFingerprint *out);
/* Whether the run has ended (set by the recording callback at train end). */
bool ft_fingerprints_complete (FtFingerprints *fps);
/* CPU time the recording thread spent hashing, in microseconds, over the records so far. */
double ft_fingerprints_microseconds (FtFingerprints *fps);

/* An observer callback that records into fps at every batch end and epoch end (add it after the real
 * callbacks so it sees their effect). */
FtCallback *ft_fingerprint_callback_new (FtFingerprints *fps);
