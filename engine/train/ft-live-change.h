/* ft-live-change.h — training that reacts (TensorFlow Playground's controls acting on a running model): a
 * change of the learning rate, the kernel regularization, the hidden layers' activation or the input
 * features, applied to a
 * trainer between two steps, and the record a run keeps of it ("lr 0.03 → 0.1" at epoch 3, batch 7). The
 * runner decides the step (ft_runner_group_change: the same step for a fit run and its tape twin, so that
 * Compare still agrees bit for bit). No GTK. */
#pragma once

#include "train/ft-trainer.h"

typedef enum
{
  FT_LIVE_LEARNING_RATE,
  FT_LIVE_REGULARIZATION,
  FT_LIVE_ACTIVATION,
  FT_LIVE_FEATURES,
  FT_N_LIVE_CHANGES
} FtLiveChangeKind;

typedef struct
{
  FtLiveChangeKind kind;
  float learning_rate; /* FT_LIVE_LEARNING_RATE: > 0 */
  float l1, l2;        /* FT_LIVE_REGULARIZATION: every Dense and Conv2D kernel's factors, ≥ 0 */
  FtActivation
      activation;    /* FT_LIVE_ACTIVATION: every hidden Dense layer's (all Dense layers but the last) */
  unsigned features; /* FT_LIVE_FEATURES: the input features (ft-features.h mask; 0 = the raw x₁, x₂) */
} FtLiveChange;

typedef struct
{
  FtLiveChange change;
  int64_t step; /* the run's 0-based step (batches counted over the whole run) it applied before */
  int epoch;    /* 0-based */
  int batch;    /* 0-based, within the epoch */
  bool refused; /* the change could not apply (ft_live_change_apply returned false): nothing changed */
  char label[160];
} FtLiveChangeRecord;

const char *ft_live_change_kind_name (FtLiveChangeKind kind); /* "learning_rate", "regularization", … */

/* Applies the change to the trainer's optimizer or model before the run's step `step` and writes a short
 * label of what changed from what ("lr 0.03 → 0.1", "L2 0 → 0.001", "L1 0.001 → 0, L2 0 → 0.003",
 * "tanh → relu", "features x₁, x₂ → x₁, x₂, x₁x₂"). A change that changes nothing still applies (and says
 * "lr 0.1 → 0.1").
 * A change of the input features re-features the batches from the raw 2-D points from this step on (the
 * data and its order stay), and gives the first Dense layer's kernel one row per feature: the rows of
 * features that stay keep their weights, those of new features are drawn by the kernel's initializer from
 * a seed made of the trainer's seed and the step (so that a fit run and its tape twin draw the same), those
 * of features dropped go; the optimizer's slots follow (new rows start at 0). It is refused, changing
 * nothing, when the data are not 2-D points or the first layer is not Dense: false, and the label says why
 * ("features x₁, x₂ → x₁: refused, the first layer is not Dense"). */
bool ft_live_change_apply (FtTrainer *trainer, const FtLiveChange *change, int64_t step, char *label,
                           size_t size);
/* The features' labels, comma-separated ("x₁, x₂, x₁x₂"; mask 0: the raw "x₁, x₂"). */
void ft_live_features_label (unsigned mask, char *label, size_t size);
/* Whether the values are acceptable (finite, lr > 0, factors ≥ 0, an activation the hidden layers can take,
 * known features). */
bool ft_live_change_valid (const FtLiveChange *change);
/* A run's changes as a JSON array for its exported history (the "events" of ft_history_to_json_with):
 * [{"epoch": 0-based, "batch": 0-based, "step": 0-based, "kind": "learning_rate", "change": "lr 0.01 →
 * 0.1"}], with "refused": true after the change of one that could not apply. */
char *ft_live_changes_to_json (const FtLiveChangeRecord *records, int n);
