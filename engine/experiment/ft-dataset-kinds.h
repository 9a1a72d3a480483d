/* ft-dataset-kinds.h — the descriptor table of dataset kinds, as ft-param.h's tables describe layers and
 * optimizers: per kind its JSON name, the panel's entry and subtitle, what generated code loads it with,
 * and its parameters (key, range, default, editor label) in the order the experiment JSON writes them.
 * The experiment reader and writer and the dataset panel loop over it. */
#pragma once

#include "experiment/ft-experiment.h"

/* In the dataset panel's order: the Playground sets first (each kind's value is its FtPlaygroundKind). */
typedef enum
{
  FT_DATASET_CIRCLE,
  FT_DATASET_XOR,
  FT_DATASET_GAUSS,
  FT_DATASET_SPIRAL,
  FT_DATASET_MOONS,
  FT_DATASET_FASHION_MNIST,
  FT_DATASET_CSV,
  FT_DATASET_IDX,
  FT_N_DATASET_KINDS
} FtDatasetKind;

typedef enum
{
  FT_DATASET_SEEDED = 1 << 0, /* takes "seed": the data's own seed (ft-data-seed.h) */
  FT_DATASET_PLANE = 1 << 1,  /* takes "features" and "points" (2-D data) */
} FtDatasetFlags;

typedef struct
{
  /* name: the panel's entry ("Circle", "CSV File…"); json_name: "circle", "csv"; keras_name: what the
   * generated code loads (the Playground set, keras.datasets' module); summary: the panel's subtitle;
   * params: offsets into FtDataSpec, in the order the JSON writes them. */
  FtKindInfo info;
  FtDataSource source;
  FtPlaygroundKind playground; /* the Playground sets' */
  int n_required;              /* its first n_required (string) parameters must be given; hint says what */
  unsigned flags;              /* FtDatasetFlags */
} FtDatasetKindInfo;

const FtDatasetKindInfo *ft_dataset_kind_info (FtDatasetKind kind);
/* The kind a data spec is (an IDX spec without a directory is Fashion-MNIST). */
FtDatasetKind ft_dataset_kind_of (const FtDataSpec *d);
/* Makes d that kind (its source and Playground set; the other fields stay). */
void ft_dataset_kind_set (FtDataSpec *d, FtDatasetKind kind);
