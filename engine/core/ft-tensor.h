/* ft-tensor.h — float32 tensors of up to four dimensions, contiguous and row-major; images are NHWC.
 * A tensor is a view: it does not own its data unless made with ft_tensor_new. Tensors made by ops live in
 * a tape's arena until the tape is reset. Variables (weights) are tensors with the VARIABLE flag whose
 * data lives in a model's parameter block. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FT_MAX_DIMS 4

enum
{
  FT_TENSOR_VARIABLE = 1 << 0,  /* a model weight */
  FT_TENSOR_TRAINABLE = 1 << 1, /* watched automatically by a recording tape */
  FT_TENSOR_OWNS_DATA = 1 << 2, /* ft_tensor_free frees data */
};

typedef struct FtTensor
{
  float *data;
  int ndim;
  int shape[FT_MAX_DIMS];
  size_t size;
  unsigned flags;
  const char *name; /* for variables: "dense/kernel"; may be NULL */
  /* Tape bookkeeping (see ft-tape.c): the tape serial that tracks this tensor and its slot there. */
  uint64_t tape_serial;
  int tape_slot;
} FtTensor;

/* A heap tensor with its own zeroed data. */
FtTensor *ft_tensor_new (int ndim, const int *shape);
/* Wraps external data (not freed by ft_tensor_free). */
FtTensor *ft_tensor_new_view (float *data, int ndim, const int *shape);
void ft_tensor_free (FtTensor *t);
/* Fills the struct for a view over data (no allocation). */
void ft_tensor_init_view (FtTensor *t, float *data, int ndim, const int *shape);

size_t ft_shape_size (int ndim, const int *shape);
bool ft_tensor_same_shape (const FtTensor *a, const FtTensor *b);
/* "(32, 26, 26, 32)" into buf; returns buf. */
char *ft_shape_format (int ndim, const int *shape, char *buf, size_t buf_size);
