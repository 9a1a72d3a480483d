/* ft-dataset-kinds.c — the dataset kinds' descriptor table (see ft-dataset-kinds.h). */
#include "experiment/ft-dataset-kinds.h"

#define OFF(field)  offsetof (FtDataSpec, field)
#define MAX_SAMPLES 10000000

/* The Playground's: samples and noise in the panel, test samples in the file only. */
static const FtParam playground_params[] = {
  { "samples", FT_PARAM_INT, OFF (samples), FT_PARAM_WRITE_ALWAYS, .lo = 2, .hi = MAX_SAMPLES, .def = 500,
    .label = "Samples", .hint = "Points generated for training", .ui_lo = 10, .ui_hi = 5000, .ui_step = 10 },
  { "noise", FT_PARAM_FLOAT, OFF (noise), FT_PARAM_WRITE_ALWAYS, .range = FT_RANGE_HALF, .def = 0.0,
    .label = "Noise", .hint = "The Playground’s slider, 0–50 %", .ui_lo = 0.0, .ui_hi = 0.5, .ui_step = 0.01,
    .ui_digits = 2 },
  { "test_samples", FT_PARAM_INT, OFF (test_samples), FT_PARAM_WRITE_ALWAYS | FT_PARAM_UI_HIDDEN, .lo = 0,
    .hi = MAX_SAMPLES, .def = 500, .label = "Test samples",
    .hint = "Points generated for the test set (another seed)" },
};

static const FtParam csv_params[] = {
  { "path", FT_PARAM_STRING, OFF (path), FT_PARAM_WRITE_ALWAYS, .label = "File", .hint = "the CSV file",
    .size = sizeof (((FtDataSpec *) 0)->path) },
  { "label", FT_PARAM_STRING, OFF (label_column), FT_PARAM_WRITE_ALWAYS, .label = "Label column",
    .hint = "the name of the label column", .size = sizeof (((FtDataSpec *) 0)->label_column) },
  { "test_path", FT_PARAM_STRING, OFF (test_path), FT_PARAM_UI_HIDDEN, .label = "Test file",
    .hint = "a CSV file of test samples", .size = sizeof (((FtDataSpec *) 0)->test_path) },
};

static const FtParam idx_params[] = {
  { "path", FT_PARAM_STRING, OFF (path), 0, .label = "Directory", .hint = "the directory of the IDX files",
    .size = sizeof (((FtDataSpec *) 0)->path) },
};

#define PLAYGROUND(kind, set, entry, text)                                                                   \
  [FT_DATASET_##kind] = { { entry, set, set, text, NULL, FT_PARAMS (playground_params), NULL },              \
                          FT_DATA_PLAYGROUND,                                                                \
                          FT_PLAYGROUND_##kind,                                                              \
                          0,                                                                                 \
                          FT_DATASET_SEEDED | FT_DATASET_PLANE }

static const FtDatasetKindInfo kinds[] = {
  PLAYGROUND (CIRCLE, "circle", "Circle", "TensorFlow Playground: a disc inside a ring"),
  PLAYGROUND (XOR, "xor", "Exclusive Or", "TensorFlow Playground: the sign of x·y"),
  PLAYGROUND (GAUSS, "gauss", "Gaussian", "TensorFlow Playground: two Gaussian blobs"),
  PLAYGROUND (SPIRAL, "spiral", "Spiral", "TensorFlow Playground: two interleaved spirals"),
  PLAYGROUND (MOONS, "moons", "Moons", "Two interleaving half circles (scikit-learn’s moons)"),
  /* Fashion-MNIST is IDX without a directory (Debian's files); given one, it is written as "idx". */
  [FT_DATASET_FASHION_MNIST] = { { "Fashion-MNIST", "fashion_mnist", "fashion_mnist",
                                   "Zalando’s 28×28 clothing images in ten classes", NULL,
                                   FT_PARAMS (idx_params), NULL },
                                 FT_DATA_IDX,
                                 FT_PLAYGROUND_CIRCLE,
                                 0,
                                 0 },
  [FT_DATASET_CSV] = { { "CSV File…", "csv", "csv", "Numeric columns and a label column", NULL,
                         FT_PARAMS (csv_params), NULL },
                       FT_DATA_CSV,
                       FT_PLAYGROUND_CIRCLE,
                       2,
                       FT_DATASET_PLANE },
  [FT_DATASET_IDX] = { { "IDX Directory…", "idx", "idx", "MNIST-format image and label files", NULL,
                         FT_PARAMS (idx_params), NULL },
                       FT_DATA_IDX,
                       FT_PLAYGROUND_CIRCLE,
                       1,
                       0 },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kinds) == FT_N_DATASET_KINDS);
G_STATIC_ASSERT ((int) FT_DATASET_MOONS == (int) FT_PLAYGROUND_MOONS
                 && FT_N_PLAYGROUND == FT_DATASET_MOONS + 1);

const FtDatasetKindInfo *
ft_dataset_kind_info (FtDatasetKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_DATASET_KINDS, &kinds[FT_DATASET_FASHION_MNIST]);
  return &kinds[kind];
}

FtDatasetKind
ft_dataset_kind_of (const FtDataSpec *d)
{
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      return (unsigned) d->playground < FT_N_PLAYGROUND ? (FtDatasetKind) d->playground : FT_DATASET_CIRCLE;
    case FT_DATA_CSV:
      return FT_DATASET_CSV;
    case FT_DATA_IDX:
      return d->path[0] == '\0' ? FT_DATASET_FASHION_MNIST : FT_DATASET_IDX;
    }
  g_return_val_if_reached (FT_DATASET_FASHION_MNIST);
}

void
ft_dataset_kind_set (FtDataSpec *d, FtDatasetKind kind)
{
  const FtDatasetKindInfo *k = ft_dataset_kind_info (kind);
  d->source = k->source;
  if (k->source == FT_DATA_PLAYGROUND)
    d->playground = k->playground;
}
