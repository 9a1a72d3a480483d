/* ft-ops-basic.c — elementwise arithmetic, matmul, reductions, reshape, constants and stop-gradient:
 * the small ops that tape-semantics tests and hand-written losses are made of. */
#include "core/ft-blas.h"
#include "core/ft-threads.h"
#include "ops/ft-ops.h"

#include <string.h>

typedef struct
{
  float *dst;
  float beta;
  const float *src;
} AccPieces;

static void
acc_piece (void *data, size_t b, size_t e)
{
  const AccPieces *p = data;
  if (p->beta == 0.0f)
    memcpy (p->dst + b, p->src + b, (e - b) * sizeof (float));
  else
    for (size_t i = b; i < e; i++)
      p->dst[i] += p->src[i];
}

/* dst = beta*dst + src (beta 0 overwrites); element by element, so large ones (a flattened conv layer's
 * gradient, ~700 k floats) go to the job's threads in pieces of 32 k floats. */
static void
acc (float *dst, float beta, const float *src, size_t n)
{
  AccPieces p = { dst, beta, src };
  ft_threads_for (n, 32768, acc_piece, &p);
}

static void
acc_scaled (float *dst, float beta, const float *src, float s, size_t n)
{
  if (beta == 0.0f)
    for (size_t i = 0; i < n; i++)
      dst[i] = src[i] * s;
  else
    for (size_t i = 0; i < n; i++)
      dst[i] += src[i] * s;
}

/* dy flows unchanged into input i's gradient (the identity's backward: add's, reshape's). */
static void
pass_dy (FtTape *tape, const FtTapeEntry *e, int i, const float *dy)
{
  float beta;
  float *g = ft_tape_input_grad (tape, e->inputs[i], &beta);
  if (g)
    acc (g, beta, dy, e->output->size);
}

/* ---- add / sub ---- */

static void add_sub_backward (FtTape *tape, const FtTapeEntry *e, const float *dy);

static const FtOpDef add_def = { "add", add_sub_backward };
static const FtOpDef sub_def = { "subtract", add_sub_backward };

/* a + b and a − b: dy flows to a, and to b with the operation's sign. */
static void
add_sub_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  pass_dy (tape, e, 0, dy);
  if (e->def != &sub_def)
    {
      pass_dy (tape, e, 1, dy);
      return;
    }
  float beta;
  float *gb = ft_tape_input_grad (tape, e->inputs[1], &beta);
  if (gb)
    acc_scaled (gb, beta, dy, -1.0f, e->output->size);
}

static FtTensor *
binary_op (FtTape *tape, const FtOpDef *def, FtTensor *a, FtTensor *b, int kind)
{
  g_return_val_if_fail (ft_tensor_same_shape (a, b), NULL);
  FtTensor *inputs[2] = { a, b };
  bool rec = ft_tape_should_record (tape, 2, inputs);
  FtTensor *y = ft_tape_tensor (tape, a->ndim, a->shape);
  for (size_t i = 0; i < y->size; i++)
    y->data[i] = kind == 0   ? a->data[i] + b->data[i]
                 : kind == 1 ? a->data[i] - b->data[i]
                             : a->data[i] * b->data[i];
  if (rec)
    ft_tape_record (tape, def, 2, inputs, y, (double) y->size, 0);
  return y;
}

FtTensor *
ft_op_add (FtTape *tape, FtTensor *a, FtTensor *b)
{
  return binary_op (tape, &add_def, a, b, 0);
}

FtTensor *
ft_op_sub (FtTape *tape, FtTensor *a, FtTensor *b)
{
  return binary_op (tape, &sub_def, a, b, 1);
}

/* ---- mul ---- */

static void
mul_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const FtTensor *a = e->inputs[0], *b = e->inputs[1];
  size_t n = e->output->size;
  float *ga = ft_tape_input_grad_acc (tape, a);
  if (ga)
    for (size_t i = 0; i < n; i++)
      ga[i] += dy[i] * b->data[i];
  /* a and b may be the same tensor: the second request accumulates (beta 1). */
  float *gb = ft_tape_input_grad_acc (tape, b);
  if (gb)
    for (size_t i = 0; i < n; i++)
      gb[i] += dy[i] * a->data[i];
}

static const FtOpDef mul_def = { "multiply", mul_backward };

FtTensor *
ft_op_mul (FtTape *tape, FtTensor *a, FtTensor *b)
{
  return binary_op (tape, &mul_def, a, b, 2);
}

/* ---- scale ---- */

/* What scale, sum and mean keep for backward: the factor dy is multiplied by. */
typedef struct
{
  float factor;
} FactorSaved;

static void
scale_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const FactorSaved *s = e->saved;
  float beta;
  float *ga = ft_tape_input_grad (tape, e->inputs[0], &beta);
  if (ga)
    acc_scaled (ga, beta, dy, s->factor, e->output->size);
}

static const FtOpDef scale_def = { "scale", scale_backward };

FtTensor *
ft_op_scale (FtTape *tape, FtTensor *a, float factor)
{
  bool rec = ft_tape_should_record (tape, 1, &a);
  FtTensor *y = ft_tape_tensor (tape, a->ndim, a->shape);
  for (size_t i = 0; i < y->size; i++)
    y->data[i] = a->data[i] * factor;
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &scale_def, 1, &a, y, (double) y->size, sizeof (FactorSaved));
      ((FactorSaved *) e->saved)->factor = factor;
    }
  return y;
}

/* ---- matmul ---- */

static void
matmul_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const FtTensor *a = e->inputs[0], *b = e->inputs[1];
  int m = a->shape[0], k = a->shape[1], n = b->shape[1];
  float beta;
  float *ga = ft_tape_input_grad (tape, a, &beta);
  if (ga) /* dA = dY·Bᵀ */
    ft_sgemm (false, true, m, k, n, 1.0f, dy, n, b->data, n, beta, ga, k);
  float *gb = ft_tape_input_grad (tape, b, &beta);
  if (gb) /* dB = Aᵀ·dY */
    ft_sgemm (true, false, k, n, m, 1.0f, a->data, k, dy, n, beta, gb, n);
}

static const FtOpDef matmul_def = { "matmul", matmul_backward };

FtTensor *
ft_op_matmul (FtTape *tape, FtTensor *a, FtTensor *b)
{
  g_return_val_if_fail (a->ndim == 2 && b->ndim == 2 && a->shape[1] == b->shape[0], NULL);
  FtTensor *inputs[2] = { a, b };
  bool rec = ft_tape_should_record (tape, 2, inputs);
  int m = a->shape[0], k = a->shape[1], n = b->shape[1];
  int shape[2] = { m, n };
  FtTensor *y = ft_tape_tensor (tape, 2, shape);
  ft_sgemm (false, false, m, n, k, 1.0f, a->data, k, b->data, n, 0.0f, y->data, n);
  if (rec)
    ft_tape_record (tape, &matmul_def, 2, inputs, y, 2.0 * m * n * k, 0);
  return y;
}

/* ---- sum / mean ---- */

static void
reduce_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const FactorSaved *s = e->saved;
  const FtTensor *a = e->inputs[0];
  float *ga = ft_tape_input_grad_acc (tape, a);
  if (!ga)
    return;
  float v = dy[0] * s->factor;
  for (size_t i = 0; i < a->size; i++)
    ga[i] += v;
}

static const FtOpDef sum_def = { "sum", reduce_backward };
static const FtOpDef mean_def = { "mean", reduce_backward };

static FtTensor *
reduce (FtTape *tape, const FtOpDef *def, FtTensor *a, float factor)
{
  bool rec = ft_tape_should_record (tape, 1, &a);
  FtTensor *y = ft_tape_tensor (tape, 0, NULL);
  double s = 0;
  for (size_t i = 0; i < a->size; i++)
    s += a->data[i];
  y->data[0] = (float) (s * factor);
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, def, 1, &a, y, (double) a->size, sizeof (FactorSaved));
      ((FactorSaved *) e->saved)->factor = factor;
    }
  return y;
}

FtTensor *
ft_op_sum (FtTape *tape, FtTensor *a)
{
  return reduce (tape, &sum_def, a, 1.0f);
}

FtTensor *
ft_op_mean (FtTape *tape, FtTensor *a)
{
  return reduce (tape, &mean_def, a, a->size ? 1.0f / (float) a->size : 0.0f);
}

/* ---- reshape (a view) ---- */

/* The same floats in another shape: the input's gradient is dy itself where the tape allows it (a CNN's
 * Flatten copied 2.7 MB per step here), else a copy. */
static void
reshape_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  if (!ft_tape_input_grad_alias (tape, e->inputs[0], e->output, dy))
    pass_dy (tape, e, 0, dy);
}

static const FtOpDef reshape_def = { "reshape", reshape_backward };

FtTensor *
ft_op_reshape (FtTape *tape, FtTensor *a, int ndim, const int *shape)
{
  int s[FT_MAX_DIMS];
  int unknown = -1;
  size_t known = 1;
  g_return_val_if_fail (ndim >= 0 && ndim <= FT_MAX_DIMS, NULL);
  for (int i = 0; i < ndim; i++)
    {
      s[i] = shape[i];
      if (s[i] < 0)
        unknown = i;
      else
        known *= (size_t) s[i];
    }
  if (unknown >= 0)
    s[unknown] = known ? (int) (a->size / known) : 0;
  g_return_val_if_fail (ft_shape_size (ndim, s) == a->size, NULL);
  bool rec = ft_tape_should_record (tape, 1, &a);
  FtTensor *y = ft_tape_alloc (tape, sizeof (FtTensor));
  ft_tensor_init_view (y, a->data, ndim, s);
  if (rec)
    ft_tape_record (tape, &reshape_def, 1, &a, y, 0.0, 0);
  return y;
}

FtTensor *
ft_op_flatten (FtTape *tape, FtTensor *a)
{
  int shape[2] = { a->ndim > 0 ? a->shape[0] : 1, -1 };
  return ft_op_reshape (tape, a, 2, shape);
}

FtTensor *
ft_op_stop_gradient (FtTape *tape, FtTensor *a)
{
  FtTensor *y = ft_tape_alloc (tape, sizeof (FtTensor));
  ft_tensor_init_view (y, a->data, a->ndim, a->shape);
  return y;
}

FtTensor *
ft_op_constant (FtTape *tape, const float *data, int ndim, const int *shape)
{
  FtTensor *y = ft_tape_tensor (tape, ndim, shape);
  memcpy (y->data, data, y->size * sizeof (float));
  return y;
}
