/* ft-ops-conv.c — 2-D convolution (Keras' Conv2D: NHWC activations, HWIO kernels, optional bias and a
 * fused activation) as im2col + one GEMM over the whole batch, and its backward pass.
 *
 * With x (N,H,W,C) and W (KH,KW,C,F), the column matrix has one row per output pixel (N·OH·OW rows) and
 * one column per kernel tap in (kh, kw, c) order (KH·KW·C columns). In that order the HWIO kernel is
 * already a row-major (KH·KW·C, F) matrix and col·W is the (N·OH·OW, F) output, which is NHWC as it
 * stands. A 1×1 kernel with stride 1 needs no im2col at all: x is the column matrix. */
#include "core/ft-compiler.h"
#include "ops/ft-ops.h"

#include "core/ft-blas.h"
#include "core/ft-threads.h"

#include <string.h>

/* Hot loops get AVX2 / AVX-512 clones chosen at load time (GCC on x86-64 Linux). */
#define FT_INLINE static inline __attribute__ ((always_inline))

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

/* Geometry of one convolution, shared by the kernels below. */
typedef struct
{
  int n, h, w, c; /* input */
  int kh, kw, f;  /* kernel */
  int sh, sw;     /* strides */
  int pt, pl;     /* leading padding (top, left) */
  int oh, ow;     /* output */
} ConvGeom;

/* What the backward pass needs besides the entry's inputs and output. */
typedef struct
{
  ConvGeom g;
  FtActivation act;
  float *col; /* (N·OH·OW, KH·KW·C) column matrix, or NULL when x itself is the matrix */
  float *z;   /* pre-activation, when the activation's backward needs it (else NULL) */
} ConvSaved;

static inline size_t
geom_rows (const ConvGeom *g)
{
  return (size_t) g->n * (size_t) g->oh * (size_t) g->ow;
}

static inline size_t
geom_cols (const ConvGeom *g)
{
  return (size_t) g->kh * (size_t) g->kw * (size_t) g->c;
}

/* x is its own column matrix: 1×1 kernel, stride 1, no padding. */
static inline bool
geom_is_pointwise (const ConvGeom *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->oh == g->h
         && g->ow == g->w;
}

/* Small contiguous copies and adds (spans of KW·C or C floats). When n is a constant these become a few
 * moves; GCC would otherwise turn a variable-length copy loop into a memcpy call, which costs more than
 * the copy itself for the 3-float spans of a first layer. */
FT_INLINE void
copy_span (float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = src[i];
}

FT_INLINE void
zero_span (float *restrict dst, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = 0.0f;
}

FT_INLINE void
add_span (float *restrict dst, const float *restrict src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] += src[i];
}

/* col[(n,oy,ox), (ky,kx,c)] = x[n, oy·sh+ky−pt, ox·sw+kx−pl, c], zero outside the image. For each output
 * pixel and kernel row, the span = KW·C taps are one contiguous run of x unless the window crosses the
 * left or right edge. */
FT_INLINE void
im2col_span (const ConvGeom *g, const float *restrict x, float *restrict col, const int span, size_t r0,
             size_t r1)
{
  const size_t k = geom_cols (g);
  for (size_t r = r0; r < r1; r++) /* r = (n, oy) */
    {
      const int n = (int) (r / (size_t) g->oh), oy = (int) (r % (size_t) g->oh);
      float *row = col + r * g->ow * k;
      for (int ky = 0; ky < g->kh; ky++)
        {
          const int iy = oy * g->sh + ky - g->pt;
          float *dst = row + (size_t) ky * span;
          if (iy < 0 || iy >= g->h)
            {
              for (int ox = 0; ox < g->ow; ox++, dst += k)
                zero_span (dst, span);
              continue;
            }
          const float *src = x + (((size_t) n * g->h + iy) * g->w) * g->c;
          for (int ox = 0; ox < g->ow; ox++, dst += k)
            {
              const int ix0 = ox * g->sw - g->pl;
              if (ix0 >= 0 && ix0 + g->kw <= g->w)
                copy_span (dst, src + (size_t) ix0 * g->c, span);
              else
                for (int kx = 0; kx < g->kw; kx++)
                  {
                    const int ix = ix0 + kx;
                    if (ix < 0 || ix >= g->w)
                      zero_span (dst + kx * g->c, g->c);
                    else
                      copy_span (dst + kx * g->c, src + (size_t) ix * g->c, g->c);
                  }
            }
        }
    }
}

/* The adjoint of im2col: dx[n, iy, ix, c] += dcol[...] for every tap that read that pixel. */
FT_INLINE void
col2im_add_span (const ConvGeom *g, const float *restrict dcol, float *restrict dx, const int span, int n0,
                 int n1)
{
  const size_t k = geom_cols (g);
  for (int n = n0; n < n1; n++)
    for (int oy = 0; oy < g->oh; oy++)
      {
        const float *row = dcol + ((size_t) n * g->oh + oy) * g->ow * k;
        for (int ky = 0; ky < g->kh; ky++)
          {
            const int iy = oy * g->sh + ky - g->pt;
            if (iy < 0 || iy >= g->h)
              continue;
            const float *src = row + (size_t) ky * span;
            float *dst = dx + (((size_t) n * g->h + iy) * g->w) * g->c;
            for (int ox = 0; ox < g->ow; ox++, src += k)
              {
                const int ix0 = ox * g->sw - g->pl;
                if (ix0 >= 0 && ix0 + g->kw <= g->w)
                  add_span (dst + (size_t) ix0 * g->c, src, span);
                else
                  for (int kx = 0; kx < g->kw; kx++)
                    {
                      const int ix = ix0 + kx;
                      if (ix >= 0 && ix < g->w)
                        add_span (dst + (size_t) ix * g->c, src + kx * g->c, g->c);
                    }
              }
          }
      }
}

/* Dispatch on the span so the common small ones (one channel with 1-, 3- or 5-wide kernels, three
 * channels with 3-wide kernels) get constant-length copies. im2col fills the rows [r0, r1) of col, where a
 * row range is a range of (image, output row) pairs. */
FT_HOT static void
im2col_rows (const ConvGeom *g, const float *restrict x, float *restrict col, size_t r0, size_t r1)
{
  switch (g->kw * g->c)
    {
    case 1:
      im2col_span (g, x, col, 1, r0, r1);
      break;
    case 3:
      im2col_span (g, x, col, 3, r0, r1);
      break;
    case 5:
      im2col_span (g, x, col, 5, r0, r1);
      break;
    case 9:
      im2col_span (g, x, col, 9, r0, r1);
      break;
    default:
      im2col_span (g, x, col, g->kw * g->c, r0, r1);
    }
}

/* col2im adds the images [n0, n1) (their pixels receive from no other image). */
FT_HOT static void
col2im_add_images (const ConvGeom *g, const float *restrict dcol, float *restrict dx, int n0, int n1)
{
  switch (g->kw * g->c)
    {
    case 1:
      col2im_add_span (g, dcol, dx, 1, n0, n1);
      break;
    case 3:
      col2im_add_span (g, dcol, dx, 3, n0, n1);
      break;
    case 5:
      col2im_add_span (g, dcol, dx, 5, n0, n1);
      break;
    case 9:
      col2im_add_span (g, dcol, dx, 9, n0, n1);
      break;
    default:
      col2im_add_span (g, dcol, dx, g->kw * g->c, n0, n1);
    }
}

/* ---- on the job's threads: pieces whose bounds change no result (rows of col, whole images) ---- */

/* Floats written per piece: the column matrix of a first layer (~780 k floats at batch 32) splits into
 * ~24 pieces; small layers stay on the calling thread. */
#define GRAIN_FLOATS 32768

typedef struct
{
  const ConvGeom *g;
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
im2col (const ConvGeom *g, const float *x, float *col)
{
  ConvPieces p = { g, x, col };
  const size_t row_floats = (size_t) g->ow * geom_cols (g);
  ft_threads_for ((size_t) g->n * (size_t) g->oh, MAX (GRAIN_FLOATS / MAX (row_floats, 1), 1), im2col_piece,
                  &p);
}

static void
col2im_piece (void *data, size_t n0, size_t n1)
{
  const ConvPieces *p = data;
  col2im_add_images (p->g, p->in, p->out, (int) n0, (int) n1);
}

static void
col2im_add (const ConvGeom *g, const float *dcol, float *dx)
{
  ConvPieces p = { g, dcol, dx };
  const size_t image_floats = (size_t) g->oh * (size_t) g->ow * geom_cols (g);
  ft_threads_for ((size_t) g->n, MAX (GRAIN_FLOATS / MAX (image_floats, 1), 1), col2im_piece, &p);
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
  ft_threads_for (rows, MAX (GRAIN_FLOATS / (size_t) f, 1), fill_piece, &p);
}

/* Column sums of dz (rows × f) in blocks of BLOCK rows, four rows at a time: acc (f floats) gets one
 * block's sum, which the caller adds into the total block by block, so long columns keep their precision. */
enum
{
  BLOCK = 256
};

FT_HOT static void
block_sums (float *restrict acc, const float *restrict dz, size_t r0, size_t r1, int f)
{
  zero_span (acc, f);
  size_t r = r0;
  for (; r + 4 <= r1; r += 4)
    {
      const float *a = dz + r * (size_t) f;
      for (int j = 0; j < f; j++)
        acc[j] += (a[j] + a[j + f]) + (a[j + 2 * f] + a[j + 3 * f]);
    }
  for (; r < r1; r++)
    add_span (acc, dz + r * (size_t) f, f);
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
    block_sums (p->partials + k * (size_t) p->f, p->dz, k * BLOCK, MIN ((k + 1) * BLOCK, p->rows), p->f);
}

static size_t
n_blocks (size_t rows)
{
  return (rows + BLOCK - 1) / BLOCK;
}

/* db = beta·db + column sums of dz (rows × f): the blocks' sums (on the team) into partials
 * (n_blocks (rows) × f floats), then added in block order into total (f floats). */
static void
column_sums (float *restrict db, float beta, const float *restrict dz, size_t rows, int f,
             float *restrict total, float *restrict partials)
{
  SumPieces p = { partials, dz, rows, f };
  const size_t blocks = n_blocks (rows);
  ft_threads_for (blocks, MAX (GRAIN_FLOATS / ((size_t) BLOCK * (size_t) f), 1), sums_piece, &p);
  zero_span (total, f);
  for (size_t k = 0; k < blocks; k++)
    add_span (total, partials + k * (size_t) f, f);
  if (beta == 0.0f)
    copy_span (db, total, f);
  else
    add_span (db, total, f);
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

  ConvGeom g = {
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
  const size_t m = geom_rows (&g), k = geom_cols (&g);

  int out_shape[4] = { g.n, g.oh, g.ow, g.f };
  FtTensor *y = ft_tape_tensor (tape, 4, out_shape);

  /* The column matrix (kept for backward when recording; arena scratch otherwise). */
  float *col = NULL;
  const float *a = x->data;
  if (!geom_is_pointwise (&g))
    {
      col = ft_tape_alloc (tape, m * k * sizeof (float));
      im2col (&g, x->data, col);
      a = col;
    }

  /* The GEMM writes z; the activation's output goes to y. They share y's buffer unless the backward will
   * need z. */
  const bool keep_z = record && act != FT_ACT_LINEAR && ft_activation_backward_needs_input (act);
  float *z = keep_z ? ft_tape_alloc (tape, m * (size_t) g.f * sizeof (float)) : y->data;
  float gemm_beta = 0.0f;
  if (b != NULL)
    {
      fill_rows (z, b->data, m, g.f);
      gemm_beta = 1.0f;
    }
  ft_sgemm (false, false, (int) m, g.f, (int) k, 1.0f, a, (int) k, w->data, g.f, gemm_beta, z, g.f);
  if (act != FT_ACT_LINEAR)
    ft_activation_forward (act, y->data, z, m, (size_t) g.f);

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
  const ConvGeom *g = &s->g;
  FtTensor *x = entry->inputs[0], *w = entry->inputs[1], *b = entry->inputs[2];
  const size_t m = geom_rows (g), k = geom_cols (g);
  const size_t mf = m * (size_t) g->f;

  float beta_w = 0.0f, beta_b = 0.0f, beta_x = 0.0f;
  float *dw = ft_tape_input_grad (tape, w, &beta_w);
  float *db = ft_tape_input_grad (tape, b, &beta_b);
  float *dx = ft_tape_input_grad (tape, x, &beta_x);
  if (dw == NULL && db == NULL && dx == NULL)
    return;

  /* dz = act'(z) ⊙ dy; a linear conv passes dy through. */
  const float *dz = dy;
  if (s->act != FT_ACT_LINEAR)
    {
      float *buf = ft_tape_alloc (tape, mf * sizeof (float));
      ft_activation_backward (s->act, buf, 0.0f, dy, entry->output->data, s->z, m, (size_t) g->f);
      dz = buf;
    }

  const float *col = s->col != NULL ? s->col : x->data;
  if (dw != NULL) /* dW (K,F) = colᵀ (K,M) · dz (M,F) */
    ft_sgemm (true, false, (int) k, g->f, (int) m, 1.0f, col, (int) k, dz, g->f, beta_w, dw, g->f);

  if (db != NULL)
    {
      float *tmp = ft_tape_alloc (tape, (1 + n_blocks (m)) * (size_t) g->f * sizeof (float));
      column_sums (db, beta_b, dz, m, g->f, tmp, tmp + g->f);
    }

  if (dx != NULL)
    {
      if (s->col == NULL) /* pointwise: dx (M,C) = dz (M,F) · Wᵀ (F,C) */
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
