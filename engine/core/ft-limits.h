/* ft-limits.h — the limits FitTape holds every input to before doing any work: file sizes, JSON nesting,
 * the memory a model and a dataset may take, and size arithmetic that reports overflow instead of
 * wrapping. One place, so the loaders, the CLI and the tests agree on the numbers. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An experiment description (JSON) larger than this is refused unread. */
#define FT_LIMIT_EXPERIMENT_BYTES ((size_t) 16 << 20)
/* A CSV dataset file. */
#define FT_LIMIT_CSV_BYTES ((size_t) 2 << 30)
/* A checkpoint (HDF5) file. */
#define FT_LIMIT_CHECKPOINT_BYTES ((size_t) 8 << 30)
/* JSON nesting depth (objects and arrays); an experiment needs 5. */
#define FT_LIMIT_JSON_DEPTH 64
/* A list attribute of a checkpoint is written in pieces of at most this size (Keras splits longer ones
 * into NAME0, NAME1, …); one attribute read is at most FT_LIMIT_ATTR_READ_BYTES (a model_config). */
#define FT_LIMIT_ATTR_BYTES      ((size_t) 64512)
#define FT_LIMIT_ATTR_READ_BYTES ((size_t) 16 << 20)
/* ModelCheckpoint file-name templates: field width and precision. */
#define FT_LIMIT_TEMPLATE_WIDTH     64
#define FT_LIMIT_TEMPLATE_PRECISION 32

/* The memory budget for one model (weights, optimizer state and activations at the batch size) and
 * for one dataset: a quarter of physical memory, at most 8 GiB; FITTAPE_MEMORY_BUDGET_MB overrides it
 * (tests use it). */
size_t ft_limit_memory_budget (void);

/* a + b and a * b into *out; false (and *out = SIZE_MAX) on overflow. */
static inline bool
ft_size_add (size_t a, size_t b, size_t *out)
{
  if (a > SIZE_MAX - b)
    {
      *out = SIZE_MAX;
      return false;
    }
  *out = a + b;
  return true;
}

static inline bool
ft_size_mul (size_t a, size_t b, size_t *out)
{
  if (a != 0 && b > SIZE_MAX / a)
    {
      *out = SIZE_MAX;
      return false;
    }
  *out = a * b;
  return true;
}

/* "1.5 GiB": a byte count for messages, into buf. */
const char *ft_format_bytes (size_t bytes, char *buf, size_t size);

/* A checkpoint's optimizer iterations (10^12 steps: centuries of training) and learning rate. */
#define FT_LIMIT_CHECKPOINT_ITERATIONS ((int64_t) 1000000000000)
#define FT_LIMIT_LEARNING_RATE         1e6
