/* ft-ledger.h — the ledger behind every epoch value: for each epoch, every batch's loss, size and the
 * metrics' accumulators after it, and the epoch's logs, so that "how was this number made" has an
 * answer: the weighted mean with its numbers (Keras' loss tracker weighs each batch by its size), whether
 * the regularization penalty is in it (and how much it is), and the last batch's value beside it; the
 * validation pass's batches for val_ keys; with ft_ledger_set_keep_weights, a copy of the weights after each
 * epoch, from which a full pass over the training data (what Playground shows) is computed on demand, off
 * the training thread. Recorded on the training thread by an observer callback; readable from any thread. */
#pragma once

#include "train/ft-callbacks.h"

/* The loss tracker, the compiled metrics and the weighted ones. */
#define FT_LEDGER_MAX_METRICS (1 + 2 * FT_MAX_METRICS)

typedef struct
{
  float loss;    /* the batch's loss (what the step minimized and the loss tracker received) */
  float penalty; /* the regularization penalty inside loss (0 when none is added) */
  uint32_t size; /* samples in the batch */
  /* Accumulators after the batch: [0] the loss tracker, [1…] the compiled metrics (trainer order). */
  double total[FT_LEDGER_MAX_METRICS];
  double count[FT_LEDGER_MAX_METRICS];
} FtLedgerBatch;

typedef struct FtLedger FtLedger;

FtLedger *ft_ledger_new (void);
/* A ledger is reference counted (a window's worker computing a full pass keeps it alive): ft_ledger_free
 * drops one reference. */
FtLedger *ft_ledger_ref (FtLedger *ledger);
void ft_ledger_free (FtLedger *ledger);
/* An observer that records into ledger (add it after the real callbacks). A ledger given to a second
 * training (a continued run) appends its epochs. */
FtCallback *ft_ledger_callback_new (FtLedger *ledger);
/* Keep a copy of the weights at each epoch's end (a memcpy of the parameters per epoch; off by default),
 * for ft_ledger_full_pass. The copies stay within FT_LEDGER_WEIGHTS_BUDGET bytes: past it the oldest
 * epochs' copies are dropped (their full pass is then unavailable). */
#define FT_LEDGER_WEIGHTS_BUDGET ((size_t) 256 << 20)
void ft_ledger_set_keep_weights (FtLedger *ledger, bool keep);

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

/* How the loop turned the batches into the epoch's logged loss. */
typedef enum
{
  FT_LEDGER_RULE_WEIGHTED_MEAN,   /* Keras: Σ nᵢ·vᵢ / Σ nᵢ */
  FT_LEDGER_RULE_UNWEIGHTED_MEAN, /* the unweighted_batch_mean pitfall: Σ vᵢ / k */
  FT_LEDGER_RULE_LAST_BATCH,      /* the epoch_loss_last_batch pitfall: v_k */
  FT_LEDGER_N_RULES
} FtLedgerRule;

/* "weighted mean", "unweighted mean of batch means", "last batch's loss". */
const char *ft_ledger_rule_name (FtLedgerRule rule);

/* One logged number of one epoch with everything it was made from. */
typedef struct
{
  int epoch;                /* 0-based */
  char key[FT_LOG_KEY_MAX]; /* "loss", "accuracy", "val_loss" … */
  bool validation;          /* a val_ key: the batches are the validation pass's */
  bool has_logged;
  double logged; /* the value in the epoch's logs */
  int metric;    /* accumulator: 0 the loss tracker, 1… the compiled metrics */
  FtLedgerBatch *batches;
  int n_batches;
  double *values;      /* per batch: the loss, or the metric's value over that batch alone */
  double *counts;      /* per batch: nᵢ, its samples (for a weighted metric: its samples' weights) */
  double weighted;     /* Σ nᵢ·vᵢ / Σ nᵢ as Keras computes it (the accumulators' total / count) */
  double sum_nv;       /* Σ nᵢ·vᵢ (the metric's total) */
  double sum_n;        /* Σ nᵢ */
  double unweighted;   /* Σ vᵢ / k */
  double last;         /* v_k */
  FtLedgerRule rule;   /* how this run's logged value was made */
  double by_rule;      /* the value by that rule (= logged, bit for bit) */
  bool regularization; /* the loss includes sum(model.losses) */
  double penalty;      /* its Σ nᵢ·pᵢ / Σ nᵢ over the batches (0 without) */
} FtLedgerEntry;

/* Epoch i's entry for key (NULL batches when the ledger has none: a val_ key of an epoch without
 * validation, an unknown key); false when out of range or unknown. Clear with ft_ledger_entry_clear. */
bool ft_ledger_entry (FtLedger *ledger, int i, const char *key, FtLedgerEntry *entry);
void ft_ledger_entry_clear (FtLedgerEntry *entry);
/* The entry's value by a rule: "(0.6931·32 + 0.6012·32 + … + 0.5012·16) / 400 = 0.5731" (weighted),
 * "(0.6931 + … + 0.5012) / 13 = 0.5790" (unweighted), "0.5012" (last batch); at most max_terms terms
 * (the first and the last ones, "…" between). g_free. */
char *ft_ledger_formula (const FtLedgerEntry *entry, FtLedgerRule rule, int max_terms);
/* The value by a rule. */
double ft_ledger_entry_value (const FtLedgerEntry *entry, FtLedgerRule rule);

/* A full pass over the training data after epoch i (what Playground shows): loads the epoch's saved weights
 * into scratch (a trainer of the same model, not the one training: ft_experiment_build_trainer) and
 * evaluates the epoch's training samples [0, Σ nᵢ) of train in inference mode, in batches of the epoch's
 * batch size; logs get "loss" and the metrics; *samples (may be NULL) gets Σ nᵢ. False (with error)
 * without saved weights. (With the tape loop's split_after_shuffle pitfall the loop trained on other
 * samples than [0, Σ nᵢ): the pass is still over the first ones, as fit() would split them.) */
bool ft_ledger_full_pass (FtLedger *ledger, int i, FtTrainer *scratch, const FtDataset *train, FtLogs *logs,
                          uint32_t *samples, GError **error);

/* How epoch i's value of key was made, in words with its numbers (g_free), e.g. for "loss":
 * "loss = (0.6931·32 + … + 0.5012·16) / 400 = 0.5731 — the mean of the batch losses weighted by batch size
 *  (includes the regularization penalty, sum(model.losses)); the last batch's loss: 0.5012; the unweighted
 *  mean of batch means would be 0.5790"; for a metric: "accuracy = 352 / 400 = 0.88 …". NULL for a key the
 * ledger cannot explain (val_ keys: one pass at the epoch's end, not batch by batch). */
char *ft_ledger_explain (FtLedger *ledger, int i, const char *key);
