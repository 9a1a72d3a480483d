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

#include <math.h>
#include <stdint.h>
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

/* One contiguous run of n taps between an image row and a column row: gather copies the image's taps into
 * the column row (zeros where in_image is false), scatter adds the column row into the image (nothing
 * where in_image is false). */
FT_INLINE void
tap_run (float *restrict img, float *restrict col, int n, bool in_image, const bool gather)
{
  if (gather && in_image)
    copy_span (col, img, n);
  else if (gather)
    zero_span (col, n);
  else if (in_image)
    add_span (img, col, n);
}

/* Walks the rows [r0, r1) of the column matrix, a row range being a range of (image, output row) pairs:
 * col[(n,oy,ox), (ky,kx,c)] ↔ x[n, oy·sh+ky−pt, ox·sw+kx−pl, c]. Gathering is im2col (col = the taps, zero
 * outside the image; x only read); scattering is its adjoint col2im (x += col for every tap that read a
 * pixel), which must get whole images (rows of one image write overlapping pixels). For each output pixel
 * and kernel row, the span = KW·C taps are one contiguous run of x unless the window crosses the left or
 * right edge. */
FT_INLINE void
walk_span (const ConvGeom *g, float *restrict x, float *restrict col, const int span, size_t r0, size_t r1,
           const bool gather)
{
  const size_t k = geom_cols (g);
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
FT_INLINE void
walk_rows (const ConvGeom *g, float *restrict x, float *restrict col, size_t r0, size_t r1, const bool gather)
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
im2col_rows (const ConvGeom *g, const float *x, float *col, size_t r0, size_t r1)
{
  walk_rows (g, (float *) x, col, r0, r1, true);
}

/* col2im adds the images [n0, n1) (their pixels receive from no other image). */
FT_HOT static void
col2im_add_images (const ConvGeom *g, const float *dcol, float *dx, int n0, int n1)
{
  walk_rows (g, dx, (float *) dcol, (size_t) n0 * (size_t) g->oh, (size_t) n1 * (size_t) g->oh, false);
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

/* ---- the small-K product: z = b + col·W with the ReLU on the way out ---- */

/* With K = KH·KW·C ≤ SMALL_K (a first layer: K = 9 for one channel) the product is bound by writing z: as
 * one OpenBLAS call after the bias rows and before the activation, z is written three times and read twice.
 * This writes it once: per output row, 16 columns at a time, a chain of fused multiply-adds over the K taps
 * from zero (as OpenBLAS' kernels do), then the bias added, then the ReLU. Same bits as before (a chain of
 * FMAs in tap order, added to the bias). Clones with FMA (x86-64-v3 and v4); fmaf elsewhere. */
enum
{
  SMALL_K = 32,
  LANES = 16
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)                    \
    && !defined(FT_NO_TARGET_CLONES) && !defined(__SANITIZE_THREAD__)
#define FT_HOT_FMA                                                                                           \
  __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default"),                             \
                  optimize ("fp-contract=fast")))
#else
#define FT_HOT_FMA
#endif

typedef float Lanes __attribute__ ((vector_size (LANES * sizeof (float))));
typedef int32_t LaneMask __attribute__ ((vector_size (LANES * sizeof (int32_t))));

/* out[j] = act (b[j] + Σ_t a[t]·w[t, j]) for j in [0, n), n < LANES: the columns left of a row. */
FT_INLINE void
small_k_tail (float *restrict out, const float *restrict a, const float *restrict w, const float *restrict b,
              int k, int f, int n, const bool relu)
{
  for (int j = 0; j < n; j++)
    {
      float acc = 0.0f;
      for (int t = 0; t < k; t++)
        acc = fmaf (a[t], w[(size_t) t * f + j], acc);
      const float v = (b != NULL ? b[j] : 0.0f) + acc;
      out[j] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

FT_INLINE void
small_k_span (const float *restrict col, const float *restrict w, const float *restrict b, float *restrict z,
              int k, int f, size_t r0, size_t r1, const bool relu)
{
  const Lanes zero = { 0 };
  for (size_t r = r0; r < r1; r++)
    {
      const float *a = col + r * (size_t) k;
      float *out = z + r * (size_t) f;
      int j = 0;
      for (; j + LANES <= f; j += LANES)
        {
          Lanes acc = zero, wt, bias = zero;
          for (int t = 0; t < k; t++)
            {
              memcpy (&wt, w + (size_t) t * f + j, sizeof wt);
              acc += a[t] * wt; /* contracted to one FMA (see FT_HOT_FMA) */
            }
          if (b != NULL)
            memcpy (&bias, b + j, sizeof bias);
          acc = bias + acc;
          if (relu) /* v > 0 ? v : 0, as ft_activation_forward (NaN → 0) */
            acc = (Lanes) ((LaneMask) acc & (acc > zero));
          memcpy (out + j, &acc, sizeof acc);
        }
      if (j < f)
        small_k_tail (out + j, a, w + j, b != NULL ? b + j : NULL, k, f, f - j, relu);
    }
}

FT_HOT_FMA static void
small_k_rows (const float *restrict col, const float *restrict w, const float *restrict b, float *restrict z,
              int k, int f, size_t r0, size_t r1, bool relu)
{
  if (relu)
    small_k_span (col, w, b, z, k, f, r0, r1, true);
  else
    small_k_span (col, w, b, z, k, f, r0, r1, false);
}

/* The small-K kernels' work on the job's team: the forward product's rows, the weight gradient's blocks. */
typedef struct
{
  const float *col;
  const float *w, *b; /* forward: the kernel and the bias; weight gradient: dy and y */
  float *out;         /* forward: z; weight gradient: the blocks' partial sums */
  size_t rows;
  int k, f;
  bool relu;
} SmallKPieces;

static void
small_k_piece (void *data, size_t r0, size_t r1)
{
  const SmallKPieces *p = data;
  small_k_rows (p->col, p->w, p->b, p->out, p->k, p->f, r0, r1, p->relu);
}

/* z (m × f) = b + col (m × k) · w (k × f), then the ReLU when relu; rows on the job's team. */
static void
small_k_product (const float *col, const float *w, const float *b, float *z, size_t m, int k, int f,
                 bool relu)
{
  SmallKPieces p = { col, w, b, z, m, k, f, relu };
  ft_threads_for (m, MAX (GRAIN_FLOATS / (size_t) f, 1), small_k_piece, &p);
}

/* ---- the first layer's weight gradient: dz, dW and db in one pass ---- */

/* For a 3×3 one-channel convolution (K = 9) with 16, 32 or 64 filters, linear or ReLU, whose input needs no
 * gradient (a first layer), dW = colᵀ·dz and db = Σ dz are taken in one pass over dy and the output, dz never
 * written: per block of BLOCK rows, a chain of FMAs per weight from zero (dW), the four-row pairwise sums of
 * block_sums (db: the same bits as before), the blocks' sums then added in block order (on the team, the
 * same bits for any thread count). dW's bits differ from OpenBLAS' (another summation order, no less exact).
 */
enum
{
  GRAD_K = 9,
  GRAD_MAX_LANES = 4
};

FT_INLINE void
grad_dz (Lanes *d, const float *restrict dy, const float *restrict y, const bool relu)
{
  Lanes v;
  memcpy (d, dy, sizeof *d);
  if (!relu)
    return;
  memcpy (&v, y, sizeof v);
  const Lanes zero = { 0 };
  *d = (Lanes) ((LaneMask) *d & (v > zero)); /* y > 0 ? dy : 0, as ft_activation_backward */
}

/* dw (K × f) and db (f) of the rows [r0, r1); f = nl·LANES. */
FT_INLINE void
grad_block (const float *restrict col, const float *restrict dy, const float *restrict y, float *restrict dw,
            float *restrict db, size_t r0, size_t r1, const int nl, const bool relu)
{
  const size_t f = (size_t) nl * LANES;
  Lanes gw[GRAD_K * GRAD_MAX_LANES] = { 0 }, gb[GRAD_MAX_LANES] = { 0 };
  size_t r = r0;
  for (; r + 4 <= r1; r += 4)
    for (int j = 0; j < nl; j++)
      {
        Lanes d[4];
        for (int q = 0; q < 4; q++)
          grad_dz (&d[q], dy + (r + q) * f + j * LANES, y + (r + q) * f + j * LANES, relu);
        gb[j] += (d[0] + d[1]) + (d[2] + d[3]);
        for (int q = 0; q < 4; q++)
          for (int t = 0; t < GRAD_K; t++)
            gw[t * nl + j] += col[(r + q) * GRAD_K + t] * d[q]; /* one FMA (FT_HOT_FMA) */
      }
  for (; r < r1; r++)
    for (int j = 0; j < nl; j++)
      {
        Lanes d;
        grad_dz (&d, dy + r * f + j * LANES, y + r * f + j * LANES, relu);
        gb[j] += d;
        for (int t = 0; t < GRAD_K; t++)
          gw[t * nl + j] += col[r * GRAD_K + t] * d;
      }
  for (int j = 0; j < nl; j++)
    {
      memcpy (db + j * LANES, &gb[j], sizeof (Lanes));
      for (int t = 0; t < GRAD_K; t++)
        memcpy (dw + (size_t) t * f + j * LANES, &gw[t * nl + j], sizeof (Lanes));
    }
}

/* The blocks [b0, b1): block k's dW and db go to partials + k·(K + 1)·f (dW, then db). */
FT_HOT_FMA static void
grad_blocks (const float *col, const float *dy, const float *y, float *partials, size_t rows, int f,
             size_t b0, size_t b1, bool relu)
{
  for (size_t k = b0; k < b1; k++)
    {
      float *dw = partials + k * (GRAD_K + 1) * (size_t) f, *db = dw + GRAD_K * f;
      const size_t r0 = k * BLOCK, r1 = MIN (r0 + BLOCK, rows);
#define GRAD_CASE(nl)                                                                                        \
  case nl:                                                                                                   \
    if (relu)                                                                                                \
      grad_block (col, dy, y, dw, db, r0, r1, nl, true);                                                     \
    else                                                                                                     \
      grad_block (col, dy, y, dw, db, r0, r1, nl, false);                                                    \
    break
      switch (f / LANES)
        {
          GRAD_CASE (1);
          GRAD_CASE (2);
          GRAD_CASE (4);
        default:
          g_assert_not_reached ();
        }
#undef GRAD_CASE
    }
}

static void
grad_piece (void *data, size_t b0, size_t b1)
{
  const SmallKPieces *p = data;
  grad_blocks (p->col, p->w, p->b, p->out, p->rows, p->f, b0, b1, p->relu);
}

static bool
fused_grad_applies (const ConvSaved *s, bool needs_dx)
{
  const int f = s->g.f;
  return !needs_dx && s->col != NULL && geom_cols (&s->g) == GRAD_K && (f == 16 || f == 32 || f == 64)
         && (s->act == FT_ACT_LINEAR || s->act == FT_ACT_RELU);
}

/* dw = beta_w·dw + colᵀ·dz and db = beta_b·db + Σ dz (either may be NULL), dz = act'(y) ⊙ dy. */
static void
fused_grad (FtTape *tape, const ConvSaved *s, const float *dy, const float *y, float *dw, float beta_w,
            float *db, float beta_b)
{
  const size_t m = geom_rows (&s->g), f = (size_t) s->g.f, per = (GRAD_K + 1) * f, blocks = n_blocks (m);
  float *partials = ft_tape_alloc (tape, (blocks + 1) * per * sizeof (float)),
        *total = partials + blocks * per;
  SmallKPieces p = { s->col, dy, y, partials, m, GRAD_K, s->g.f, s->act == FT_ACT_RELU };
  ft_threads_for (blocks, MAX (GRAIN_FLOATS / ((size_t) BLOCK * f), 1), grad_piece, &p);
  zero_span (total, (int) per);
  for (size_t k = 0; k < blocks; k++)
    add_span (total, partials + k * per, (int) per);
  float *out[2] = { dw, db };
  const float beta[2] = { beta_w, beta_b };
  const size_t off[2] = { 0, GRAD_K * f }, len[2] = { GRAD_K * f, f };
  for (int i = 0; i < 2; i++)
    if (out[i] != NULL && beta[i] == 0.0f)
      copy_span (out[i], total + off[i], (int) len[i]);
    else if (out[i] != NULL)
      add_span (out[i], total + off[i], (int) len[i]);
}

/* z = b + a·W (a: the column matrix, M × K) and y = act (z), which may share z's buffer: the small-K pass
 * (the ReLU fused when y is z) or the bias rows, one GEMM and the activation. */
static void
conv_forward_product (const ConvGeom *g, const float *a, const float *w, const float *b, float *z, float *y,
                      FtActivation act)
{
  const size_t m = geom_rows (g), k = geom_cols (g);
  const bool fused_relu = k <= SMALL_K && act == FT_ACT_RELU && z == y;
  if (k <= SMALL_K)
    small_k_product (a, w, b, z, m, (int) k, g->f, fused_relu);
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
  conv_forward_product (&g, a, w->data, b != NULL ? b->data : NULL, z, y->data, act);

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

  if (fused_grad_applies (s, dx != NULL))
    {
      fused_grad (tape, s, dy, entry->output->data, dw, beta_w, db, beta_b);
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
