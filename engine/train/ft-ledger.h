/* ft-ledger.h — the ledger behind every epoch value: for each epoch, every batch's loss, size and the
 * metrics' accumulators after it, and the epoch's logs, so that "how was this number made" has an
 * answer: the weighted mean with its numbers (Keras' loss tracker weighs each batch by its size), whether
 * the regularization penalty is in it, and the last batch's value beside it. Recorded on the training
 * thread by an observer callback; readable from any thread. */
#pragma once

#include "train/ft-callbacks.h"

#define FT_LEDGER_MAX_METRICS 8

typedef struct
{
  float loss;    /* the batch's loss (what the step minimized and the loss tracker received) */
  uint32_t size; /* samples in the batch */
  /* Accumulators after the batch: [0] the loss tracker, [1…] the compiled metrics (trainer order). */
  double total[FT_LEDGER_MAX_METRICS];
  double count[FT_LEDGER_MAX_METRICS];
} FtLedgerBatch;

typedef struct FtLedger FtLedger;

FtLedger *ft_ledger_new (void);
void ft_ledger_free (FtLedger *ledger);
/* An observer that records into ledger (add it after the real callbacks). */
FtCallback *ft_ledger_callback_new (FtLedger *ledger);

/* Epochs ended so far. */
int ft_ledger_n_epochs (FtLedger *ledger);
/* Epoch i's (0-based index into the recorded epochs) number, logs, batches (g_free the array) and
 * whether its loss includes sum(model.losses); false when out of range. */
bool ft_ledger_epoch (FtLedger *ledger, int i, int *epoch, FtLogs *logs, FtLedgerBatch **batches,
                      int *n_batches, bool *regularization);
/* The metric names in accumulator order ("loss", "accuracy", …). */
int ft_ledger_n_metrics (FtLedger *ledger);
const char *ft_ledger_metric_name (FtLedger *ledger, int m);

/* Keras' loss tracker over an epoch's batches, recomputed from the ledger: Σ loss·size / Σ size, summed in
 * batch order in double as the tracker does (so it equals the logged "loss" bit for bit). */
double ft_ledger_weighted_mean (const FtLedgerBatch *batches, int n);
/* The unweighted mean of the batch losses, for comparison (what a Mean() of batch means reports). */
double ft_ledger_unweighted_mean (const FtLedgerBatch *batches, int n);

/* How epoch i's value of key was made, in words with its numbers (g_free), e.g. for "loss":
 * "loss = (0.6931·32 + … + 0.5012·16) / 400 = 0.5731 — the mean of the batch losses weighted by batch size
 *  (includes the regularization penalty, sum(model.losses)); the last batch's loss: 0.5012; the unweighted
 *  mean of batch means would be 0.5790"; for a metric: "accuracy = 352 / 400 = 0.88 …". NULL for a key the
 * ledger cannot explain (val_ keys: one pass at the epoch's end, not batch by batch). */
char *ft_ledger_explain (FtLedger *ledger, int i, const char *key);
