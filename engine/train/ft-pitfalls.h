/* ft-pitfalls.h — the mistakes people really make in hand-written training loops, as switches of the tape
 * loop (beside its eight "left out" steps): each, when on, makes the loop behave exactly as the buggy line
 * would in TensorFlow. All off is the correct loop (fit() bit for bit). */
#pragma once

#include <stdbool.h>

typedef enum
{
  FT_PITFALL_TRAINING_FALSE,         /* model(x, training=False) in the train step */
  FT_PITFALL_VALIDATE_TRAINING_TRUE, /* model(x, training=True) in the validation loop */
  FT_PITFALL_NO_REGULARIZATION_LOSS, /* loss without sum(model.losses) */
  FT_PITFALL_FROM_LOGITS_MISMATCH,   /* the loop's loss object has from_logits flipped against the model's
                                        output */
  FT_PITFALL_EPOCH_LOSS_LAST_BATCH,  /* the epoch's loss is the last batch's loss */
  FT_PITFALL_UNWEIGHTED_BATCH_MEAN,  /* the epoch mean averages batch means (the smaller last batch weighs 1)
                                      */
  FT_PITFALL_SPLIT_AFTER_SHUFFLE,    /* the validation split taken after shuffling, every epoch */
  FT_PITFALL_SHUFFLE_BUFFER,         /* dataset.shuffle(buffer_size=1024) instead of a global shuffle */
  FT_PITFALL_NO_CLASS_WEIGHT,        /* class_weight not applied in the loop */
  FT_N_PITFALLS
} FtPitfall;

/* tf.data's default-sized buffer in the tutorials. */
#define FT_SHUFFLE_BUFFER_SIZE 1024

typedef struct
{
  bool on[FT_N_PITFALLS];
} FtPitfalls;

/* "training_false", "validate_training_true", "no_regularization_loss", "from_logits_mismatch",
 * "epoch_loss_last_batch", "unweighted_batch_mean", "split_after_shuffle", "shuffle_buffer",
 * "no_class_weight": the names experiment files use. */
const char *ft_pitfall_name (FtPitfall p);
bool ft_pitfall_from_name (const char *name, FtPitfall *p);
/* A short label for a switch ("training=False in the train step"). */
const char *ft_pitfall_label (FtPitfall p);
/* What goes wrong, in one line, as a cause ("the train step calls the model with training=False: dropout
 * is off and batch norm uses its moving statistics"). */
const char *ft_pitfall_explanation (FtPitfall p);
bool ft_pitfalls_any (const FtPitfalls *p);
