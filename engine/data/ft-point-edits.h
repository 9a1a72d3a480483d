/* ft-point-edits.h — data you make: points added to a 2-D training set by clicking, and points removed,
 * as a list of edits applied in order after the set is generated or read (the experiment's
 * dataset.points, so that a saved experiment and its generated code reproduce them). No GTK.
 *
 * An edit with a class ≥ 0 puts a point of that class at (x, y) first in the set (Keras' validation_split
 * takes the last samples: the points one draws are training points); an edit with class −1 removes the
 * point nearest to (x, y) (Euclidean, in double; the first of equals). */
#pragma once

#include "data/ft-dataset.h"

#include <glib.h>

typedef struct
{
  float x, y;
  int label; /* ≥ 0: add a point of this class; −1: remove the nearest point */
} FtPointEdit;

/* A new dataset: ds (2-D features) with the edits applied. Fails (FT_ERROR_INVALID, core/ft-error.h)
 * when ds is not 2-D, a class is not below ds->n_classes (classes stay as they are) or a removal finds
 * no point left. */
FtDataset *ft_dataset_apply_point_edits (const FtDataset *ds, const FtPointEdit *edits, uint32_t n,
                                         GError **error);
