/* ft-dataset-private.h — what the dataset loaders (ft-dataset.c, ft-dataset-idx.c, ft-dataset-csv.c)
 * share; not part of the engine's API. */
#pragma once

#include "data/ft-dataset.h"

/* A dataset of n samples of the given shape, with nothing allocated for its values yet. */
FtDataset *ft_dataset_alloc (const char *name, uint32_t n, int ndim, const int *shape);
/* "0", "1", …, "k-1" (NULL-terminated; g_strfreev). */
char **ft_dataset_numbered_class_names (int k);
