/* ft-ops-conv.c — 2-D convolution (Keras' Conv2D: NHWC activations, HWIO kernels, optional bias and a
 * fused activation) as im2col + one GEMM over the whole batch, and its backward pass.
 *
 * With x (N,H,W,C) and W (KH,KW,C,F), the column matrix has one row per output pixel (N·OH·OW rows) and
 * one column per kernel tap in (kh, kw, c) order (KH·KW·C columns). In that order the HWIO kernel is
 * already a row-major (KH·KW·C, F) matrix and col·W is the (N·OH·OW, F) output, which is NHWC as it
 * stands. A 1×1 kernel with stride 1 needs no im2col at all: x is the column matrix. Nor does a small
 * kernel (K ≤ 32, a first layer) whose backward will not read the columns: its forward and its fused
 * weight gradient read the windows where they lie in x, with the same bits as through the columns (those
 * small-kernel products are in ft-ops-conv-small.c). */
#include "core/ft-compiler.h"
#include "ops/ft-ops-conv-private.h"
#include "ops/ft-ops.h"

#include "core/ft-blas.h"
#include "core/ft-threads.h"

#include <string.h>

int
ft_conv_output_size (int in, int kernel, int stride, FtPadding padding, int *pad_before)
{
  int out, pad = 0;
  g_return_val_if_fail (in >= 0 && kernel >= 1 && stride >= 1, 0);
  if (padding == FT_PADDING_SAME)
    {
      out = (in + stride - 1) / stride;
      int total = (out - 1) * stride + kernel - in;
      pad = total > 0 ? total / 2 : 0;
    }
  else
    out = in >= kernel ? (in - kernel) / stride + 1 : 0;
  if (pad_before != NULL)
    *pad_before = pad;
  return out;
}

/* What the backward pass needs besides the entry's inputs and output. */
typedef struct
{
  FtConvGeom g;
  FtActivation act;
  float *col; /* (N·OH·OW, KH·KW·C) column matrix, or NULL: x is the matrix, or the forward went direct */
  float *z;   /* pre-activation, when the activation's backward needs it (else NULL) */
} ConvSaved;

/* One contiguous run of n taps between an image row and a column row: gather copies the image's taps into
 * the column row (zeros where in_image is false), scatter adds the column row into the image (nothing
 * where in_image is false). */
FT_CONV_INLINE void
tap_run (float *restrict img, float *restrict col, int n, bool in_image, const bool gather)
{
  if (gather && in_image)
    ft_conv_copy_span (col, img, n);
  else if (gather)
    ft_conv_zero_span (col, n);
  else if (in_image)
    ft_conv_add_span (img, col, n);
}

/* Walks the rows [r0, r1) of the column matrix, a row range being a range of (image, output row) pairs:
 * col[(n,oy,ox), (ky,kx,c)] ↔ x[n, oy·sh+ky−pt, ox·sw+kx−pl, c]. Gathering is im2col (col = the taps, zero
 * outside the image; x only read); scattering is its adjoint col2im (x += col for every tap that read a
 * pixel), which must get whole images (rows of one image write overlapping pixels). For each output pixel
 * and kernel row, the span = KW·C taps are one contiguous run of x unless the window crosses the left or
 * right edge. */
FT_CONV_INLINE void
walk_span (const FtConvGeom *g, float *restrict x, float *restrict col, const int span, size_t r0, size_t r1,
           const bool gather)
{
  const size_t k = ft_conv_cols (g);
  for (size_t r = r0; r < r1; r++) /* r = (n, oy) */
    {
      const int n = (int) (r / (size_t) g->oh), oy = (int) (r % (size_t) g->oh);
      float *row = col + r * g->ow * k;
      for (int ky = 0; ky < g->kh; ky++)
        {
          const int iy = oy * g->sh + ky - g->pt;
          float *c = row + (size_t) ky * span;
          const bool row_in = iy >= 0 && iy < g->h;
          if (!row_in && !gather)
            continue;
          float *src = x + (((size_t) n * g->h + (row_in ? iy : 0)) * g->w) * g->c;
          for (int ox = 0; ox < g->ow; ox++, c += k)
            {
              const int ix0 = ox * g->sw - g->pl;
              if (!row_in || (ix0 >= 0 && ix0 + g->kw <= g->w))
                tap_run (src + (size_t) MAX (ix0, 0) * g->c, c, span, row_in, gather);
              else
                for (int kx = 0; kx < g->kw; kx++)
                  {
                    const int ix = ix0 + kx;
                    const bool in = ix >= 0 && ix < g->w;
                    tap_run (src + (size_t) (in ? ix : 0) * g->c, c + kx * g->c, g->c, in, gather);
                  }
            }
        }
    }
}

/* Dispatch on the span so the common small ones (one channel with 1-, 3- or 5-wide kernels, three
 * channels with 3-wide kernels) get constant-length copies. */
FT_CONV_INLINE void
walk_rows (const FtConvGeom *g, float *restrict x, float *restrict col, size_t r0, size_t r1,
           const bool gather)
{
  switch (g->kw * g->c)
    {
    case 1:
      walk_span (g, x, col, 1, r0, r1, gather);
      break;
    case 3:
      walk_span (g, x, col, 3, r0, r1, gather);
      break;
    case 5:
      walk_span (g, x, col, 5, r0, r1, gather);
      break;
    case 9:
      walk_span (g, x, col, 9, r0, r1, gather);
      break;
    default:
      walk_span (g, x, col, g->kw * g->c, r0, r1, gather);
    }
}

/* im2col fills the rows [r0, r1) of col (x is only read). */
FT_HOT static void
im2col_rows (const FtConvGeom *g, const float *x, float *col, size_t r0, size_t r1)
{
  walk_rows (g, (float *) x, col, r0, r1, true);
}

/* col2im adds the images [n0, n1) (their pixels receive from no other image). */
FT_HOT static void
col2im_add_images (const FtConvGeom *g, const float *dcol, float *dx, int n0, int n1)
{
  walk_rows (g, dx, (float *) dcol, (size_t) n0 * (size_t) g->oh, (size_t) n1 * (size_t) g->oh, false);
}

/* ---- on the job's threads: pieces whose bounds change no result (rows of col, whole images) ---- */

typedef struct
{
  const FtConvGeom *g;
  const float *in;
  float *out;
} ConvPieces;

static void
im2col_piece (void *data, size_t r0, size_t r1)
{
  const ConvPieces *p = data;
  im2col_rows (p->g, p->in, p->out, r0, r1);
}

static void
im2col (const FtConvGeom *g, const float *x, float *col)
{
  ConvPieces p = { g, x, col };
  const size_t row_floats = (size_t) g->ow * ft_conv_cols (g);
  ft_threads_for ((size_t) g->n * (size_t) g->oh, MAX (FT_CONV_GRAIN_FLOATS / MAX (row_floats, 1), 1),
                  im2col_piece, &p);
}

static void
col2im_piece (void *data, size_t n0, size_t n1)
{
  const ConvPieces *p = data;
  col2im_add_images (p->g, p->in, p->out, (int) n0, (int) n1);
}

static void
col2im_add (const FtConvGeom *g, const float *dcol, float *dx)
{
  ConvPieces p = { g, dcol, dx };
  const size_t image_floats = (size_t) g->oh * (size_t) g->ow * ft_conv_cols (g);
  ft_threads_for ((size_t) g->n, MAX (FT_CONV_GRAIN_FLOATS / MAX (image_floats, 1), 1), col2im_piece, &p);
}

/* Every row of z (rows × f) set to b: the first row by hand, then doubling copies. */
static void
fill_rows_serial (float *restrict z, const float *restrict b, size_t rows, int f)
{
  const size_t row_bytes = (size_t) f * sizeof (float);
  if (rows == 0)
    return;
  memcpy (z, b, row_bytes);
  for (size_t done = 1; done < rows;)
    {
      size_t n = done < rows - done ? done : rows - done;
      memcpy (z + done * (size_t) f, z, n * row_bytes);
      done += n;
    }
}

typedef struct
{
  float *z;
  const float *b;
  int f;
} FillPieces;

static void
fill_piece (void *data, size_t r0, size_t r1)
{
  const FillPieces *p = data;
  fill_rows_serial (p->z + r0 * (size_t) p->f, p->b, r1 - r0, p->f);
}

static void
fill_rows (float *z, const float *b, size_t rows, int f)
{
  FillPieces p = { z, b, f };
  ft_threads_for (rows, MAX (FT_CONV_GRAIN_FLOATS / (size_t) f, 1), fill_piece, &p);
}

/* Column sums of dz (rows × f) in blocks of FT_CONV_BLOCK rows, four rows at a time: acc (f floats) gets one
 * block's sum, which the caller adds into the total block by block, so long columns keep their precision. */

FT_HOT static void
block_sums (float *restrict acc, const float *restrict dz, size_t r0, size_t r1, int f)
{
  ft_conv_zero_span (acc, f);
  size_t r = r0;
  for (; r + 4 <= r1; r += 4)
    {
      const float *a = dz + r * (size_t) f;
      for (int j = 0; j < f; j++)
        acc[j] += (a[j] + a[j + f]) + (a[j + 2 * f] + a[j + 3 * f]);
    }
  for (; r < r1; r++)
    ft_conv_add_span (acc, dz + r * (size_t) f, f);
}

typedef struct
{
  float *partials; /* one f-float sum per block */
  const float *dz;
  size_t rows;
  int f;
} SumPieces;

static void
sums_piece (void *data, size_t b0, size_t b1)
{
  const SumPieces *p = data;
  for (size_t k = b0; k < b1; k++)
    block_sums (p->partials + k * (size_t) p->f, p->dz, k * FT_CONV_BLOCK,
                MIN ((k + 1) * FT_CONV_BLOCK, p->rows), p->f);
}

/* db = beta·db + column sums of dz (rows × f): the blocks' sums (on the team) into partials
 * (ft_conv_n_blocks (rows) × f floats), then added in block order into total (f floats). */
static void
column_sums (float *restrict db, float beta, const float *restrict dz, size_t rows, int f,
             float *restrict total, float *restrict partials)
{
  SumPieces p = { partials, dz, rows, f };
  const size_t blocks = ft_conv_n_blocks (rows);
  ft_threads_for (blocks, MAX (FT_CONV_GRAIN_FLOATS / ((size_t) FT_CONV_BLOCK * (size_t) f), 1), sums_piece,
                  &p);
  ft_conv_zero_span (total, f);
  for (size_t k = 0; k < blocks; k++)
    ft_conv_add_span (total, partials + k * (size_t) f, f);
  if (beta == 0.0f)
    ft_conv_copy_span (db, total, f);
  else
    ft_conv_add_span (db, total, f);
}

/* z = b + a·W (a: the column matrix, M × K; NULL: the direct path reads x) and y = act (z), which may share
 * z's buffer: the direct or small-K pass (the ReLU fused when y is z) or the bias rows, one GEMM and the
 * activation. */
static void
conv_forward_product (const FtConvGeom *g, const float *x, const float *a, const float *w, const float *b,
                      float *z, float *y, FtActivation act)
{
  const size_t m = ft_conv_rows (g), k = ft_conv_cols (g);
  const bool fused_relu = k <= FT_CONV_SMALL_K && act == FT_ACT_RELU && z == y;
  if (a == NULL)
    ft_conv_direct_product (g, x, w, b, z, fused_relu);
  else if (k <= FT_CONV_SMALL_K)
    ft_conv_small_k_product (a, w, b, z, m, (int) k, g->f, fused_relu);
  else
    {
      if (b != NULL)
        fill_rows (z, b, m, g->f);
      ft_sgemm (false, false, (int) m, g->f, (int) k, 1.0f, a, (int) k, w, g->f, b != NULL ? 1.0f : 0.0f, z,
                g->f);
    }
  if (act != FT_ACT_LINEAR && !fused_relu)
    ft_activation_forward (act, y, z, m, (size_t) g->f);
}

/* The forward's column matrix, when it needs one: none when x is its own (pointwise), nor for the direct
 * path, which takes the geometries it can when the backward will not read the columns (not recording, or a
 * first layer, x needing no gradient, whose fused weight gradient reads x); else im2col's, kept for
 * backward when recording (arena scratch otherwise). *a gets the product's left operand (NULL: direct). */
static float *
forward_columns (FtTape *tape, const FtConvGeom *g, const FtTensor *x, FtActivation act, bool record,
                 const float **a)
{
  const bool x_needs_grad = ft_tape_is_tracked (tape, x) || (x->flags & FT_TENSOR_TRAINABLE);
  *a = x->data;
  if (ft_conv_direct_takes (g) && (!record || (!x_needs_grad && ft_conv_fused_grad_takes (g, act))))
    *a = NULL;
  if (*a == NULL || ft_conv_is_pointwise (g))
    return NULL;
  float *col = ft_tape_alloc (tape, ft_conv_rows (g) * ft_conv_cols (g) * sizeof (float));
  im2col (g, x->data, col);
  *a = col;
  return col;
}

static void conv2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy);

static const FtOpDef conv2d_def = { "conv2d", conv2d_backward };

FtTensor *
ft_op_conv2d (FtTape *tape, FtTensor *x, FtTensor *w, FtTensor *b, int stride_h, int stride_w,
              FtPadding padding, FtActivation act)
{
  g_return_val_if_fail (tape != NULL && x != NULL && w != NULL, NULL);
  g_return_val_if_fail (x->ndim == 4 && w->ndim == 4, NULL);
  g_return_val_if_fail (w->shape[2] == x->shape[3] && x->shape[3] >= 1 && w->shape[3] >= 1, NULL);
  g_return_val_if_fail (b == NULL || (b->ndim == 1 && b->shape[0] == w->shape[3]), NULL);
  g_return_val_if_fail (stride_h >= 1 && stride_w >= 1, NULL);
  g_return_val_if_fail (padding == FT_PADDING_VALID || padding == FT_PADDING_SAME, NULL);
  g_return_val_if_fail (act >= 0 && act < FT_N_ACTIVATIONS, NULL);

  FtConvGeom g = {
    .n = x->shape[0],
    .h = x->shape[1],
    .w = x->shape[2],
    .c = x->shape[3],
    .kh = w->shape[0],
    .kw = w->shape[1],
    .f = w->shape[3],
    .sh = stride_h,
    .sw = stride_w,
  };
  g.oh = ft_conv_output_size (g.h, g.kh, g.sh, padding, &g.pt);
  g.ow = ft_conv_output_size (g.w, g.kw, g.sw, padding, &g.pl);
  g_return_val_if_fail (g.oh >= 1 && g.ow >= 1, NULL);

  FtTensor *inputs[3] = { x, w, b };
  const bool record = ft_tape_should_record (tape, 3, inputs);
  const size_t m = ft_conv_rows (&g), k = ft_conv_cols (&g);

  int out_shape[4] = { g.n, g.oh, g.ow, g.f };
  FtTensor *y = ft_tape_tensor (tape, 4, out_shape);

  const float *a;
  float *col = forward_columns (tape, &g, x, act, record, &a);

  /* The GEMM writes z; the activation's output goes to y. They share y's buffer unless the backward will
   * need z. */
  const bool keep_z = record && act != FT_ACT_LINEAR && ft_activation_backward_needs_input (act);
  float *z = keep_z ? ft_tape_alloc (tape, m * (size_t) g.f * sizeof (float)) : y->data;
  conv_forward_product (&g, x->data, a, w->data, b != NULL ? b->data : NULL, z, y->data, act);

  if (record)
    {
      double outputs = (double) m * g.f;
      double flops = 2.0 * outputs * (double) k + (b != NULL ? outputs : 0.0)
                     + (act != FT_ACT_LINEAR ? outputs * ft_activation_flops (act) : 0.0);
      FtTapeEntry *e = ft_tape_record (tape, &conv2d_def, 3, inputs, y, flops, sizeof (ConvSaved));
      ConvSaved *s = e->saved;
      s->g = g;
      s->act = act;
      s->col = col;
      s->z = keep_z ? z : NULL;
    }
  return y;
}

static void
conv2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy)
{
  const ConvSaved *s = entry->saved;
  const FtConvGeom *g = &s->g;
  FtTensor *x = entry->inputs[0], *w = entry->inputs[1], *b = entry->inputs[2];
  const size_t m = ft_conv_rows (g), k = ft_conv_cols (g);
  const size_t mf = m * (size_t) g->f;

  float beta_w = 0.0f, beta_b = 0.0f, beta_x = 0.0f;
  float *dw = ft_tape_input_grad (tape, w, &beta_w);
  float *db = ft_tape_input_grad (tape, b, &beta_b);
  float *dx = ft_tape_input_grad (tape, x, &beta_x);
  if (dw == NULL && db == NULL && dx == NULL)
    return;

  if (dx == NULL && ft_conv_fused_grad_takes (g, s->act))
    {
      ft_conv_fused_grad (tape, g, s->act, s->col, x->data, dy, entry->output->data, dw, beta_w, db, beta_b);
      return;
    }

  /* dz = act'(z) ⊙ dy; a linear conv passes dy through. */
  const float *dz = dy;
  if (s->act != FT_ACT_LINEAR)
    {
      float *buf = ft_tape_alloc (tape, mf * sizeof (float));
      ft_activation_backward (s->act, buf, 0.0f, dy, entry->output->data, s->z, m, (size_t) g->f);
      dz = buf;
    }

  const float *col = s->col != NULL || !ft_conv_is_pointwise (g) ? s->col : x->data;
  if (col == NULL) /* the forward took the direct path, yet x needs a gradient (watched after it ran) */
    {
      float *cols = ft_tape_alloc (tape, m * k * sizeof (float));
      im2col (g, x->data, cols);
      col = cols;
    }
  if (dw != NULL) /* dW (K,F) = colᵀ (K,M) · dz (M,F) */
    ft_sgemm (true, false, (int) k, g->f, (int) m, 1.0f, col, (int) k, dz, g->f, beta_w, dw, g->f);

  if (db != NULL)
    {
      float *tmp = ft_tape_alloc (tape, (1 + ft_conv_n_blocks (m)) * (size_t) g->f * sizeof (float));
      column_sums (db, beta_b, dz, m, g->f, tmp, tmp + g->f);
    }

  if (dx != NULL)
    {
      if (ft_conv_is_pointwise (g)) /* dx (M,C) = dz (M,F) · Wᵀ (F,C) */
        ft_sgemm (false, true, (int) m, (int) k, g->f, 1.0f, dz, g->f, w->data, g->f, beta_x, dx, (int) k);
      else
        {
          float *dcol = ft_tape_alloc (tape, m * k * sizeof (float));
          ft_sgemm (false, true, (int) m, (int) k, g->f, 1.0f, dz, g->f, w->data, g->f, 0.0f, dcol, (int) k);
          if (beta_x == 0.0f)
            memset (dx, 0, x->size * sizeof (float));
          col2im_add (g, dcol, dx);
        }
    }
}
