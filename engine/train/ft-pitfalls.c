/* ft-pitfalls.c — names, labels and one-line explanations of the tape loop's pitfall switches
 * (see ft-pitfalls.h); the loop itself applies them in ft-tape-loop.c and ft-trainer.c. */
#include "train/ft-pitfalls.h"

#include <glib.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *label;
  const char *explanation;
} PitfallInfo;

static const PitfallInfo info[FT_N_PITFALLS] = {
  { "training_false", "training=False in the train step",
    "the train step calls the model with training=False: dropout is off and batch norm uses its moving statistics" },
  { "validate_training_true", "training=True in validation",
    "validation calls the model with training=True: dropout drops units and batch norm uses batch statistics" },
  { "no_regularization_loss", "loss without sum(model.losses)",
    "the loss leaves out sum(model.losses): the regularization penalty is neither trained on nor reported" },
  { "from_logits_mismatch", "from_logits mismatched",
    "the loss object's from_logits does not match the last layer (softmax output read as logits, or logits as probabilities)" },
  { "epoch_loss_last_batch", "epoch loss = last batch's loss",
    "the epoch's loss is the last batch's loss, not the running mean over the epoch" },
  { "unweighted_batch_mean", "unweighted mean of batch means",
    "the epoch mean averages batch means with equal weights: the smaller last batch counts as much as a full one" },
  { "split_after_shuffle", "validation split after shuffling",
    "the validation split is taken after shuffling, every epoch: validation samples leak into training" },
  { "shuffle_buffer", "shuffle(buffer_size=1024)",
    "dataset.shuffle(buffer_size=1024) only mixes samples within a 1024-sample window, not globally" },
  { "no_class_weight", "class_weight not applied",
    "the loop ignores class_weight: every sample weighs 1 in the loss" },
};

const char *
ft_pitfall_name (FtPitfall p)
{
  g_return_val_if_fail ((unsigned) p < FT_N_PITFALLS, "?");
  return info[p].name;
}

bool
ft_pitfall_from_name (const char *name, FtPitfall *p)
{
  for (int i = 0; name != NULL && i < FT_N_PITFALLS; i++)
    if (strcmp (name, info[i].name) == 0)
      {
        *p = (FtPitfall) i;
        return true;
      }
  return false;
}

const char *
ft_pitfall_label (FtPitfall p)
{
  g_return_val_if_fail ((unsigned) p < FT_N_PITFALLS, "?");
  return info[p].label;
}

const char *
ft_pitfall_explanation (FtPitfall p)
{
  g_return_val_if_fail ((unsigned) p < FT_N_PITFALLS, "?");
  return info[p].explanation;
}

bool
ft_pitfalls_any (const FtPitfalls *p)
{
  for (int i = 0; i < FT_N_PITFALLS; i++)
    if (p->on[i])
      return true;
  return false;
}
