/* ft-ops-conv-private.h — what the two halves of Conv2D share: ft-ops-conv.c (the op, im2col and col2im,
 * the GEMM path and the backward pass) and ft-ops-conv-small.c (the small-kernel products of a first layer:
 * the small-K product, the direct path that reads x without a column matrix, the fused weight gradient).
 * Not part of the engine's API: include ops/ft-ops.h. */
#pragma once

#include "core/ft-tape.h"
#include "ops/ft-activations.h"

#include <stdbool.h>
#include <stddef.h>

#define FT_CONV_INLINE static inline __attribute__ ((always_inline))

enum
{
  /* Floats written per piece on the job's team: the column matrix of a first layer (~780 k floats at batch
   * 32) splits into ~24 pieces; small layers stay on the calling thread. */
  FT_CONV_GRAIN_FLOATS = 32768,
  /* Rows per block of a column sum (bias and fused weight gradients): long columns keep their precision. */
  FT_CONV_BLOCK = 256,
  /* The largest K = KH·KW·C of the small-K product and of the direct path. */
  FT_CONV_SMALL_K = 32
};

/* Geometry of one convolution, shared by the kernels below. */
typedef struct
{
  int n, h, w, c; /* input */
  int kh, kw, f;  /* kernel */
  int sh, sw;     /* strides */
  int pt, pl;     /* leading padding (top, left) */
  int oh, ow;     /* output */
} FtConvGeom;

static inline size_t
ft_conv_rows (const FtConvGeom *g)
{
  return (size_t) g->n * (size_t) g->oh * (size_t) g->ow;
}

static inline size_t
ft_conv_cols (const FtConvGeom *g)
{
  return (size_t) g->kh * (size_t) g->kw * (size_t) g->c;
}

/* x is its own column matrix: 1×1 kernel, stride 1, no padding. */
static inline bool
ft_conv_is_pointwise (const FtConvGeom *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->oh == g->h
         && g->ow == g->w;
}

/* Small contiguous copies and adds (spans of KW·C or C floats). When n is a constant these become a few
 * moves; GCC would otherwise turn a variable-length copy loop into a memcpy call, which costs more than
 * the copy itself for the 3-float spans of a first layer. */
FT_CONV_INLINE void
ft_conv_copy_span (float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = src[i];
}

FT_CONV_INLINE void
ft_conv_zero_span (float *restrict dst, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = 0.0f;
}

FT_CONV_INLINE void
ft_conv_add_span (float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] += src[i];
}

static inline size_t
ft_conv_n_blocks (size_t rows)
{
  return (rows + FT_CONV_BLOCK - 1) / FT_CONV_BLOCK;
}

/* ---- ft-ops-conv-small.c ---- */

/* z (m × f) = b + col (m × k) · w (k × f), k ≤ FT_CONV_SMALL_K, then the ReLU when relu; rows on the team. */
void ft_conv_small_k_product (const float *col, const float *w, const float *b, float *z, size_t m, int k,
                              int f, bool relu);
/* Whether the direct path takes g (and is on). */
bool ft_conv_direct_takes (const FtConvGeom *g);
/* z = b + conv (x, w), then the ReLU when relu, read from x: the same bits as ft_conv_small_k_product on
 * im2col's matrix. */
void ft_conv_direct_product (const FtConvGeom *g, const float *x, const float *w, const float *b, float *z,
                             bool relu);
/* Whether the fused weight gradient takes g with act (taps from col or from x). */
bool ft_conv_fused_grad_takes (const FtConvGeom *g, FtActivation act);
/* dw = beta_w·dw + colᵀ·dz and db = beta_b·db + Σ dz (either may be NULL), dz = act'(y) ⊙ dy; the taps
 * from col, or from x when col is NULL (the forward built no column matrix). */
void ft_conv_fused_grad (FtTape *tape, const FtConvGeom *g, FtActivation act, const float *col,
                         const float *x, const float *dy, const float *y, float *dw, float beta_w, float *db,
                         float beta_b);
