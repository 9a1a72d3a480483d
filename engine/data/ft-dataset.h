/* ft-dataset.h — training data held compactly (images as one uint8 array, features as floats) with
 * gathering of a batch through an index array into a preallocated buffer: TensorFlow Playground's 2-D
 * sets, MNIST-format IDX directories (Fashion-MNIST from Debian's dataset-fashion-mnist) and CSV files.
 *
 * Errors: a file that cannot be opened or read gives a G_FILE_ERROR; a file whose contents are wrong gives
 * FT_ERROR_INVALID (core/ft-error.h). Every message starts with the file's path. */
#pragma once

#include "core/ft-rng.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum
{
  FT_PLAYGROUND_CIRCLE,
  FT_PLAYGROUND_XOR,
  FT_PLAYGROUND_GAUSS,
  FT_PLAYGROUND_SPIRAL,
  FT_PLAYGROUND_MOONS,
  FT_N_PLAYGROUND
} FtPlaygroundKind;

typedef struct
{
  char *name; /* "fashion-mnist (train)", "spiral", "iris.csv" … */
  uint32_t n; /* samples */
  int ndim;   /* per-sample shape, e.g. {28, 28} or {2} or {4} */
  int shape[3];
  size_t sample_size; /* floats per sample = product of shape */
  uint8_t *pixels;    /* images: n × sample_size bytes, scaled by 1/255 when gathered; or NULL */
  float *features;    /* other data: n × sample_size floats; or NULL */
  float *labels;      /* n class indices (as floats, exact) */
  int n_classes;
  char **class_names; /* n_classes names (NULL-terminated); the loaders always set them, but a dataset
                       * built by hand may leave NULL */
} FtDataset;

/* Frees everything; NULL is allowed. */
void ft_dataset_free (FtDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtDataset, ft_dataset_free)

/* TensorFlow Playground's generators (src/dataset.ts): two classes, the Playground's label −1 ("orange")
 * becomes class 0 and +1 ("blue") class 1; n samples (exactly n: the first class gets the extra one when n
 * is odd), noise in [0, 0.5] as the Playground's slider 0–50 %, drawn from the seed on FT_RNG_STREAM_DATA
 * and then shuffled, as the Playground shuffles before splitting.
 *  circle  class 1 inside radius 2.5, class 0 in the ring 3.5–5; the noise (uniform ±5·noise per axis)
 *          moves the point only for choosing its label, so it flips labels near the boundary;
 *  xor     uniform in [-5, 5]² pushed 0.3 away from the axes; label noise as for the circle;
 *  gauss   two Gaussians at (2, 2) (class 1) and (−2, −2), variance 0.5 + 7·noise (0.5 to 4); not bounded;
 *  spiral  two arms of radius 0–5 turning 1.75 times, class 0 rotated by π; uniform ±noise per axis;
 *  moons   scikit-learn's make_moons (outer half-circle class 0, inner class 1) scaled by 4 and centred,
 *          so x ∈ [−6, 6] and y ∈ [−3, 3], plus Gaussian noise of σ = 2·noise (scikit-learn's noise/2).
 * Without noise every set but gauss lies in [−6, 6]². */
FtDataset *ft_dataset_playground (FtPlaygroundKind kind, uint32_t n, float noise, uint64_t seed);
const char *ft_playground_name (FtPlaygroundKind kind); /* "circle", "xor", "gauss", "spiral", "moons" */
/* Also accepts the names in any case; false (and *kind untouched) for an unknown name. */
bool ft_playground_from_name (const char *name, FtPlaygroundKind *kind);

/* An MNIST-format IDX pair in dir: prefix "train" or "t10k" → PREFIX-images-idx3-ubyte[.gz] and
 * PREFIX-labels-idx1-ubyte[.gz] (the .gz is tried first; plain files work too). Errors name the file and
 * what is wrong (missing, bad magic, zero dimensions, truncated, data after the end, counts that differ,
 * label out of range, corrupt gzip data). A directory whose name contains "fashion" (as
 * FT_FASHION_MNIST_DIR) is Fashion-MNIST: ten classes with their names, labels must be below 10. Any other
 * directory has max(label) + 1 classes named "0", "1", … (MNIST: the digits). The name is the directory's
 * name and "(train)" or "(test)" for t10k, e.g. "fashion-mnist (train)". Images stay uint8, shape
 * {rows, cols}. */
FtDataset *ft_dataset_load_idx (const char *dir, const char *prefix, GError **error);
#define FT_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* A CSV file (UTF-8, comma-separated, "quoted" fields allowed, CRLF allowed) with a header line;
 * label_column names the label column; every other column is a feature and must hold finite numbers
 * (whole field, C locale). Labels: when the distinct values are exactly the integers 0..K−1 they are the
 * class indices (names "0".."K−1"); exactly −1 and 1 (TensorFlow Playground's) are classes 0 and 1 (named
 * as written); numbers that are not whole are refused (naming the line: classes, not measurements);
 * otherwise each distinct string is a class, in order of first appearance, and the strings are the class
 * names. Empty lines at the end are ignored. Errors name the
 * line (1-based, the header is line 1), the column and the offending text; a missing label column lists
 * the columns there are. Shape {number of feature columns}; the name is the file's name. */
FtDataset *ft_dataset_load_csv (const char *path, const char *label_column, GError **error);

/* Copies samples idx[0..n) into x (n × sample_size floats) and their labels into y (n floats); either may
 * be NULL to skip it. Pixels become p / 255.0f, which equals Keras' tutorial `train_images / 255.0`
 * (a float64 division cast to float32) for every byte value. No allocation. An index ≥ ds->n is a
 * programming error: g_critical, and that sample becomes zeros. */
void ft_dataset_gather (const FtDataset *ds, const uint32_t *idx, uint32_t n, float *x, float *y);

/* Splits off the last `fraction` of the samples (before any shuffling, as Keras' validation_split):
 * returns the number of training samples, floor(n·(1−fraction)) computed in double exactly as
 * keras/src/trainers/data_adapters/data_adapter_utils.py does. fraction must be in [0, 1). Keras refuses
 * a split that leaves either part empty (result 0 or n with fraction > 0); callers should too. */
uint32_t ft_dataset_split_point (const FtDataset *ds, double fraction);

/* A new dataset holding samples [start, start+count) (copies, with the same classes and class names);
 * NULL with a g_critical when the range does not fit. */
FtDataset *ft_dataset_slice (const FtDataset *ds, uint32_t start, uint32_t count);
