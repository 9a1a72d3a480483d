/* bench-data.h — fittape-bench's data: the Fashion-MNIST training set (or synthetic images) as one uint8
 * array, and a batcher that gathers shuffled batches into preallocated buffers as fit() does. */
#pragma once

#include "fittape-engine.h"

#include <glib.h>
#include <stdbool.h>

enum
{
  EPOCH_SAMPLES = 60000,
  BATCH = 32,
  STEPS_PER_EPOCH = EPOCH_SAMPLES / BATCH, /* 1875 */
  IMAGE_SIDE = 28,
  IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE,
  N_CLASSES = 10,
  MAX_ENTRIES = 32,
  MAX_REPS = 16,
};

typedef struct
{
  guint8 *pixels; /* n × 784 */
  guint8 *labels; /* n */
  int n;
  bool real;
  char *description;
} Dataset;

/* Walks the data set in shuffled order, reshuffling at every epoch boundary, as fit() does. */
typedef struct
{
  const Dataset *data;
  uint32_t *order;
  int pos;
  FtRng rng;
  float *x; /* BATCH × 784, what the model's input tensor views */
  float *y; /* BATCH class indices */
} Batcher;

/* Reads train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz from dir. */
bool dataset_load_fashion (Dataset *d, const char *dir, GError **error);
/* Uniform pixels (0…255, scaled to [0, 1]) and uniform labels from the engine's generator. */
void dataset_synthetic (Dataset *d);
void dataset_clear (Dataset *d);

void batcher_init (Batcher *b, const Dataset *d);
void batcher_clear (Batcher *b);
/* The next shuffled batch into b->x and b->y (reshuffles at the end of the data). */
void batcher_next (Batcher *b);
