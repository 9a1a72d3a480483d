/* ft-divergence.h — the first-divergence finder: compares two runs' fingerprints (fit() and the tape loop)
 * record by record and names the first step where they part, the state that differed first there, and
 * the cause: the loop step that is left out, the pitfall that is on, or "unexplained" (a bug: no switch
 * that is set would make that state differ first). */
#pragma once

#include "train/ft-fingerprint.h"
#include "train/ft-tape-loop.h"

typedef enum
{
  FT_CAUSE_NONE,        /* no divergence (so far) */
  FT_CAUSE_STEP,        /* a left-out loop step: index in FtLoopSteps order */
  FT_CAUSE_PITFALL,     /* a pitfall switched on */
  FT_CAUSE_UNEXPLAINED, /* no switch explains it */
} FtCauseKind;

typedef struct
{
  bool diverged;
  bool complete; /* both runs ended: "identical" is final */
  int record;    /* index of the first differing record */
  int epoch;     /* 0-based */
  int batch;     /* 0-based; -1 = at the end of the epoch (its logs or callbacks) */
  FtFpPart part; /* the first part that differs in that record (FT_N_FP_PARTS: one run has no such record) */
  FtCauseKind cause_kind;
  int cause;            /* loop step index or FtPitfall */
  char cause_text[200]; /* "the tape loop does not shuffle" */
  float loss_a, loss_b; /* the two runs' batch losses at that record (batch records) */
  /* Compared so far (identical prefix): epochs ended and batch steps in both runs. */
  int epochs_compared;
  int steps_compared;
} FtDivergence;

/* a is the reference (fit()), b the tape loop run with steps (its left-out steps and pitfalls). Compares
 * the records both have; when they agree so far and both are complete but one has more records, that
 * extra record is the divergence. */
void ft_divergence_find (FtFingerprints *a, FtFingerprints *b, const FtLoopSteps *steps, FtDivergence *out);

/* Whether a switch may make `part` the first state to differ (the finder's table). */
bool ft_divergence_step_explains (int step, FtFpPart part);
bool ft_divergence_pitfall_explains (FtPitfall pitfall, FtFpPart part);

/* One line for people: "identical — 60 epochs, 2,400 steps, every weight the same bit for bit" or
 * "parted at epoch 1, step 1: the tape loop does not shuffle" (g_free). */
char *ft_divergence_describe (const FtDivergence *d);
/* The same without the "(first in the …)" detail, for a headline (g_free). */
char *ft_divergence_headline (const FtDivergence *d);
/* {"diverged": true, "epoch": 1, "step": 1, "part": "batch order", "cause_kind": "step", "cause": "shuffle",
 * "explanation": "…", "loss_fit": …, "loss_tape": …} with 1-based epoch and step ("step": null at the epoch
 * end), or {"diverged": false, "epochs": …, "steps": …} (g_free). */
char *ft_divergence_to_json (const FtDivergence *d);
