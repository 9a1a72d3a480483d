/* ft-ops-conv-small.c — Conv2D's products for small kernels (K = KH·KW·C ≤ 32: a first layer on one to three
 * channels): the small-K product over a column matrix, the direct path that reads the windows in x (no
 * column matrix), and the first layer's fused weight gradient (from the column matrix or from x). Every
 * path keeps the same summation order, so the bits do not depend on which one ran, nor on the thread
 * count. */
#include "ops/ft-ops-conv-private.h"
#include "ops/ft-ops.h"

#include "core/ft-threads.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the small-K product: z = b + col·W with the ReLU on the way out ---- */

/* With K = KH·KW·C ≤ FT_CONV_SMALL_K (a first layer: K = 9 for one channel) the product is bound by writing
 * z: as one OpenBLAS call after the bias rows and before the activation, z is written three times and read
 * twice. This writes it once: per output row, 16 columns at a time, a chain of fused multiply-adds over the K
 * taps from zero (as OpenBLAS' kernels do), then the bias added, then the ReLU. Same bits as before (a chain
 * of FMAs in tap order, added to the bias). Clones with FMA (x86-64-v3 and v4); fmaf elsewhere. */
enum
{
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
FT_CONV_INLINE void
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

/* out (16 floats) = act (bias + acc). The vectors by address: a vector argument's ABI depends on the
 * instruction set (clang warns where a clone without AVX-512 would pass it). */
FT_CONV_INLINE void
store_finished (float *restrict out, const Lanes *acc, const Lanes *bias, const bool relu)
{
  const Lanes zero = { 0 };
  Lanes v = *bias + *acc;
  if (relu) /* v > 0 ? v : 0, as ft_activation_forward (NaN → 0) */
    v = (Lanes) ((LaneMask) v & (v > zero));
  memcpy (out, &v, sizeof v);
}

FT_CONV_INLINE void
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
          store_finished (out + j, &acc, &bias, relu);
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

/* The small-K product's rows on the job's team. */
typedef struct
{
  const float *col;
  const float *w, *b;
  float *z;
  int k, f;
  bool relu;
} SmallKPieces;

static void
small_k_piece (void *data, size_t r0, size_t r1)
{
  const SmallKPieces *p = data;
  small_k_rows (p->col, p->w, p->b, p->z, p->k, p->f, r0, r1, p->relu);
}

/* z (m × f) = b + col (m × k) · w (k × f), then the ReLU when relu; rows on the job's team. */
void
ft_conv_small_k_product (const float *col, const float *w, const float *b, float *z, size_t m, int k, int f,
                         bool relu)
{
  SmallKPieces p = { col, w, b, z, k, f, relu };
  ft_threads_for (m, MAX (FT_CONV_GRAIN_FLOATS / (size_t) f, 1), small_k_piece, &p);
}

/* ---- the direct path: the small-K product read from x, no column matrix ---- */

/* Where K ≤ FT_CONV_SMALL_K and x is not its own column matrix, the forward product can read each output
 * pixel's window where it lies in x instead of from a column matrix that im2col first writes (as many floats
 * as z for a 3×3 one-channel layer with 9 filters, about half the forward's time at 32). The arithmetic is
 * the small-K product's: a chain of FMAs over the taps in (ky, kx, c) order from zero, the bias added, then
 * the ReLU; a window that crosses the image's edge is gathered first, with zeros for its padding taps as
 * im2col writes them (0·w stays in the chain, so the bits are the same even for infinite or NaN weights). Per
 * output row, 32 filters (two vectors) and two pixels at a time: the weight vectors held in registers, each
 * tap broadcast once for both vectors. FITTAPE_NO_DIRECT_CONV (or ft_conv_direct_set_enabled) turns it off,
 * for the tests and the benchmark that compare both paths. */
static atomic_int direct_enabled = -1; /* -1: not decided yet */

static bool
direct_on (void)
{
  int on = atomic_load_explicit (&direct_enabled, memory_order_relaxed);
  if (on < 0)
    {
      on = getenv ("FITTAPE_NO_DIRECT_CONV") == NULL;
      atomic_store_explicit (&direct_enabled, on, memory_order_relaxed);
    }
  return on;
}

bool
ft_conv_direct_set_enabled (bool on)
{
  const bool was = direct_on ();
  atomic_store_explicit (&direct_enabled, on, memory_order_relaxed);
  return was;
}

/* The geometries the direct forward takes: a small K, and x not its own column matrix. */
bool
ft_conv_direct_takes (const FtConvGeom *g)
{
  return ft_conv_cols (g) <= FT_CONV_SMALL_K && !ft_conv_is_pointwise (g) && direct_on ();
}

/* a = the taps of the window whose top-left pixel is (iy0, ix0) of the image img, in (ky, kx, c) order and
 * zero outside the image: one row of the column matrix, as im2col writes it. */
FT_CONV_INLINE void
window_taps (const FtConvGeom *g, const float *restrict img, int iy0, int ix0, float *restrict a,
             const int kh, const int kw, const int c)
{
  for (int ky = 0; ky < kh; ky++)
    for (int kx = 0; kx < kw; kx++, a += c)
      {
        const int iy = iy0 + ky, ix = ix0 + kx;
        if (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w)
          ft_conv_copy_span (a, img + ((size_t) iy * g->w + ix) * c, c);
        else
          ft_conv_zero_span (a, c);
      }
}

/* acc[p·ng + q] = Σ_t tap_t·wt[q·FT_CONV_SMALL_K + t] for the np windows at src + p·step and the ng groups of
 * 16 filters: per window and group one chain of FMAs from zero in tap order, tap (ky, kx, c) at src[ky·row +
 * kx·C + c]; the chains interleaved, each tap read once for all groups. */
FT_CONV_INLINE void
window_chains (Lanes *restrict acc, const float *restrict src, size_t step, size_t row,
               const Lanes *restrict wt, const int np, const int ng, const int kh, const int kw, const int c)
{
  const Lanes zero = { 0 };
  for (int i = 0; i < np * ng; i++)
    acc[i] = zero;
  for (int ky = 0; ky < kh; ky++)
    for (int kx = 0; kx < kw; kx++)
      for (int ci = 0; ci < c; ci++)
        for (int p = 0; p < np; p++)
          {
            const int t = (ky * kw + kx) * c + ci;
            const float v = src[p * step + ky * row + (size_t) (kx * c + ci)];
            for (int q = 0; q < ng; q++) /* one FMA each */
              acc[p * ng + q] += v * wt[q * FT_CONV_SMALL_K + t];
          }
}

/* The output columns [*lo, *hi) whose windows lie inside the image across (lo ≤ hi). */
static inline void
interior_columns (const FtConvGeom *g, int *lo, int *hi)
{
  const int last = g->w - g->kw + g->pl; /* the rightmost window's left edge, in padded columns */
  *lo = MIN ((g->pl + g->sw - 1) / g->sw, g->ow);
  *hi = last < 0 ? *lo : MAX (*lo, MIN (g->ow, last / g->sw + 1));
}

/* What one output row's kernels share: the geometry (a copy the stores to out cannot change), the image,
 * the window's top row and the columns [lo, hi) whose windows lie inside the image. */
typedef struct
{
  FtConvGeom g;
  const float *img, *in; /* the image; in: its row iy0 (or 0) */
  int iy0, lo, hi;
} DirectRow;

/* out[ox·F + 16q + l] = act (bias[q] + acc[q]) for the ng groups q. */
FT_CONV_INLINE void
store_groups (float *restrict out, const Lanes *acc, const Lanes *bias, const int ng, const bool relu)
{
  for (int q = 0; q < ng; q++)
    store_finished (out + q * LANES, &acc[q], &bias[q], relu);
}

/* The ng groups of 16 filters from j on, every pixel of the row: the windows inside the image read where
 * they lie (two pixels at a time), the others gathered (zeros outside) into a first. */
FT_CONV_INLINE void
direct_groups (const DirectRow *dr, const float *restrict w, const float *restrict b, float *restrict out,
               int j, const int ng, const int kh, const int kw, const int c, const bool relu)
{
  const FtConvGeom *g = &dr->g;
  const int k = kh * kw * c, f = g->f;
  const size_t row = (size_t) g->w * c, step = (size_t) g->sw * c, kw_c = (size_t) (kw * c);
  Lanes wt[2 * FT_CONV_SMALL_K], bias[2] = { { 0 }, { 0 } }, acc[4];
  float a[FT_CONV_SMALL_K];
  for (int q = 0; q < ng; q++)
    {
      for (int t = 0; t < k; t++)
        memcpy (&wt[q * FT_CONV_SMALL_K + t], w + (size_t) t * f + j + q * LANES, sizeof (Lanes));
      if (b != NULL)
        memcpy (&bias[q], b + j + q * LANES, sizeof (Lanes));
    }
  out += j;
  for (int ox = 0; ox < g->ow; ox++)
    if (ox >= dr->lo && ox + 2 <= dr->hi)
      {
        window_chains (acc, dr->in + (size_t) (ox * g->sw - g->pl) * c, step, row, wt, 2, ng, kh, kw, c);
        store_groups (out + (size_t) ox * f, acc, bias, ng, relu);
        store_groups (out + (size_t) ++ox * f, acc + ng, bias, ng, relu);
      }
    else if (ox >= dr->lo && ox < dr->hi)
      {
        window_chains (acc, dr->in + (size_t) (ox * g->sw - g->pl) * c, step, row, wt, 1, ng, kh, kw, c);
        store_groups (out + (size_t) ox * f, acc, bias, ng, relu);
      }
    else
      {
        window_taps (g, dr->img, dr->iy0, ox * g->sw - g->pl, a, kh, kw, c);
        window_chains (acc, a, 0, kw_c, wt, 1, ng, kh, kw, c);
        store_groups (out + (size_t) ox * f, acc, bias, ng, relu);
      }
}

/* The output row oy of the image img into out (OW × F): 32 filters at a time, then 16, then the filters
 * left over (fewer than 16) pixel by pixel as small_k_tail does. */
FT_CONV_INLINE void
direct_row (const FtConvGeom *g, const float *restrict img, int oy, const float *restrict w,
            const float *restrict b, float *restrict out, const int kh, const int kw, const int c,
            const bool relu)
{
  DirectRow dr = { .g = *g, .img = img, .iy0 = oy * g->sh - g->pt };
  if (dr.iy0 >= 0 && dr.iy0 + kh <= g->h)
    interior_columns (g, &dr.lo, &dr.hi);
  dr.in = img + (size_t) MAX (dr.iy0, 0) * g->w * c;
  int j = 0;
  for (; j + 2 * LANES <= g->f; j += 2 * LANES)
    direct_groups (&dr, w, b, out, j, 2, kh, kw, c, relu);
  if (j + LANES <= g->f)
    direct_groups (&dr, w, b, out, j, 1, kh, kw, c, relu);
  j = g->f / LANES * LANES;
  if (j < g->f)
    for (int ox = 0; ox < g->ow; ox++)
      {
        float a[FT_CONV_SMALL_K];
        window_taps (g, img, dr.iy0, ox * g->sw - g->pl, a, kh, kw, c);
        small_k_tail (out + (size_t) ox * g->f + j, a, w + j, b != NULL ? b + j : NULL, kh * kw * c, g->f,
                      g->f - j, relu);
      }
}

/* The output rows [r0, r1) (r = (image, output row)), the 3×3 kernels of one and three channels with
 * constant sizes (the taps' offsets become constants and the weights stay in registers). */
FT_HOT_FMA static void
direct_rows (const FtConvGeom *g, const float *x, const float *w, const float *b, float *z, size_t r0,
             size_t r1, bool relu)
{
  const size_t image = (size_t) g->h * g->w * g->c, out_row = (size_t) g->ow * g->f;
  for (size_t r = r0; r < r1; r++)
    {
      const float *img = x + r / (size_t) g->oh * image;
      const int oy = (int) (r % (size_t) g->oh);
      float *out = z + r * out_row;
#define DIRECT_ROW(kh, kw, c)                                                                                \
  if (relu)                                                                                                  \
    direct_row (g, img, oy, w, b, out, kh, kw, c, true);                                                     \
  else                                                                                                       \
    direct_row (g, img, oy, w, b, out, kh, kw, c, false)
      if (g->kh == 3 && g->kw == 3 && g->c == 1)
        DIRECT_ROW (3, 3, 1);
      else if (g->kh == 3 && g->kw == 3 && g->c == 3)
        DIRECT_ROW (3, 3, 3);
      else
        DIRECT_ROW (g->kh, g->kw, g->c);
#undef DIRECT_ROW
    }
}

typedef struct
{
  const FtConvGeom *g;
  const float *x, *w, *b;
  float *z;
  bool relu;
} DirectPieces;

static void
direct_piece (void *data, size_t r0, size_t r1)
{
  const DirectPieces *p = data;
  direct_rows (p->g, p->x, p->w, p->b, p->z, r0, r1, p->relu);
}

/* z = b + conv (x, w), then the ReLU when relu: the same bits as ft_conv_small_k_product on im2col's matrix.
 */
void
ft_conv_direct_product (const FtConvGeom *g, const float *x, const float *w, const float *b, float *z,
                        bool relu)
{
  DirectPieces p = { g, x, w, b, z, relu };
  const size_t row_floats = (size_t) g->ow * (size_t) g->f;
  ft_threads_for ((size_t) g->n * (size_t) g->oh, MAX (FT_CONV_GRAIN_FLOATS / row_floats, 1), direct_piece,
                  &p);
}

/* ---- the first layer's weight gradient: dz, dW and db in one pass ---- */

/* For a 3×3 one-channel convolution (K = 9) with 16, 32 or 64 filters, linear or ReLU, whose input needs no
 * gradient (a first layer), dW = colᵀ·dz and db = Σ dz are taken in one pass over dy and the output, dz never
 * written: per block of FT_CONV_BLOCK rows, a chain of FMAs per weight from zero (dW), the four-row pairwise
 * sums of block_sums (db: the same bits as before), the blocks' sums then added in block order (on the team,
 * the same bits for any thread count). dW's bits differ from OpenBLAS' (another summation order, no less
 * exact).
 */
enum
{
  GRAD_K = 9,
  GRAD_MAX_LANES = 4
};

FT_CONV_INLINE void
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

/* Where the weight gradient reads the output pixels' taps, in row order: the column matrix's rows, or (when
 * the forward built none) the windows in x as the walk advances, the same floats im2col would have written:
 * four 3×3 one-channel windows inside the image read where they lie, any other window gathered. */
typedef struct
{
  const float *img; /* the pixel's image, its window's top-left corner, its output row and column */
  int iy0, ix0, oy, ox;
} TapPos;

typedef struct
{
  const FtConvGeom *g;
  const float *col; /* the column matrix, or NULL */
  size_t r;         /* the next row */
  TapPos pos;       /* from x: the next pixel */
  bool window3;     /* from x: 3×3 windows of one channel */
  int off[GRAD_K];  /* from x: tap t's offset from its window's top-left pixel */
} TapWalk;

static void
tap_walk_start (TapWalk *tw, const FtConvGeom *g, const float *col, const float *x, size_t r)
{
  const size_t per_image = (size_t) g->oh * g->ow, rest = r % per_image;
  *tw = (TapWalk){ .g = g, .col = col, .r = r };
  TapPos *p = &tw->pos;
  p->img = x + r / per_image * ((size_t) g->h * g->w * g->c);
  p->oy = (int) (rest / (size_t) g->ow);
  p->ox = (int) (rest % (size_t) g->ow);
  p->iy0 = p->oy * g->sh - g->pt;
  p->ix0 = p->ox * g->sw - g->pl;
  tw->window3 = g->kh == 3 && g->kw == 3 && g->c == 1;
  int t = 0;
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++)
      for (int c = 0; c < g->c; c++)
        tw->off[t++] = (ky * g->w + kx) * g->c + c;
}

/* Moves p to the next output pixel (the next row's first at a row's end, the next image's at its end). */
FT_CONV_INLINE void
tap_pos_advance (const FtConvGeom *g, TapPos *p)
{
  p->ix0 += g->sw;
  if (++p->ox < g->ow)
    return;
  p->ox = 0;
  p->ix0 = -g->pl;
  p->iy0 += g->sh;
  if (++p->oy < g->oh)
    return;
  p->oy = 0;
  p->iy0 = -g->pt;
  p->img += (size_t) g->h * g->w * g->c;
}

FT_CONV_INLINE bool
tap_pos_inside (const FtConvGeom *g, const TapPos *p)
{
  return p->iy0 >= 0 && p->iy0 + g->kh <= g->h && p->ix0 >= 0 && p->ix0 + g->kw <= g->w;
}

/* The next pixel's GRAD_K taps, contiguous: a row of col, or buf filled from x. */
FT_CONV_INLINE const float *
tap_walk_next (TapWalk *tw, float *restrict buf, const bool from_x)
{
  const FtConvGeom *g = tw->g;
  if (!from_x)
    return tw->col + tw->r++ * GRAD_K;
  const TapPos *p = &tw->pos;
  if (tap_pos_inside (g, p))
    {
      const float *in = p->img + ((size_t) p->iy0 * g->w + p->ix0) * g->c;
      for (int t = 0; t < GRAD_K; t++)
        buf[t] = in[tw->off[t]];
    }
  else
    window_taps (g, p->img, p->iy0, p->ix0, buf, g->kh, g->kw, g->c);
  tap_pos_advance (g, &tw->pos);
  tw->r++;
  return buf;
}

/* When the next four pixels are 3×3 one-channel windows inside the image (on one output row or not):
 * src[q] = pixel q's window's top-left tap in x (its rows W floats apart), and the walk moves on. */
FT_CONV_INLINE bool
tap_walk_four_in_x (TapWalk *tw, const float **src)
{
  const FtConvGeom *g = tw->g;
  if (!tw->window3)
    return false;
  TapPos p = tw->pos;
  for (int q = 0; q < 4; q++, tap_pos_advance (g, &p))
    if (tap_pos_inside (g, &p))
      src[q] = p.img + (size_t) p.iy0 * g->w + (size_t) p.ix0;
    else
      return false;
  tw->pos = p;
  tw->r += 4;
  return true;
}

/* Four rows r.. of the weight gradient: gb[j] += their dz's four-row pairwise sum, gw[t·nl + j] += each
 * pixel's tap t times its dz in row order, tap (ky, kx, c) of pixel q at src[q][ky·row + kx·C + c]. */
FT_CONV_INLINE void
grad_four (Lanes *restrict gw, Lanes *restrict gb, const float *const *src, size_t row, const float *dy,
           const float *y, const int nl, const bool relu, const int kh, const int kw, const int c)
{
  const size_t f = (size_t) nl * LANES;
  Lanes d[4][GRAD_MAX_LANES];
  for (int j = 0; j < nl; j++)
    {
      for (int q = 0; q < 4; q++)
        grad_dz (&d[q][j], dy + q * f + j * LANES, y + q * f + j * LANES, relu);
      gb[j] += (d[0][j] + d[1][j]) + (d[2][j] + d[3][j]);
    }
  for (int q = 0; q < 4; q++)
    for (int ky = 0; ky < kh; ky++)
      for (int kx = 0; kx < kw; kx++)
        for (int ci = 0; ci < c; ci++)
          {
            const float a = src[q][ky * row + (size_t) (kx * c + ci)];
            for (int j = 0; j < nl; j++)
              gw[((ky * kw + kx) * c + ci) * nl + j] += a * d[q][j];
          }
}

/* dw (K × f) and db (f) of the rows [r0, r1), their taps from tw; f = nl·LANES. One FMA per tap and row
 * (FT_HOT_FMA), per weight in row order. */
FT_CONV_INLINE void
grad_block (TapWalk *tw, const float *restrict dy, const float *restrict y, float *restrict dw,
            float *restrict db, size_t r0, size_t r1, const int nl, const bool relu, const bool from_x)
{
  const size_t f = (size_t) nl * LANES;
  Lanes gw[GRAD_K * GRAD_MAX_LANES] = { 0 }, gb[GRAD_MAX_LANES] = { 0 };
  float buf[4][GRAD_K];
  const float *src[4];
  size_t r = r0;
  for (; r + 4 <= r1; r += 4)
    if (from_x && tap_walk_four_in_x (tw, src))
      grad_four (gw, gb, src, (size_t) tw->g->w, dy + r * f, y + r * f, nl, relu, 3, 3, 1);
    else
      {
        for (int q = 0; q < 4; q++)
          src[q] = tap_walk_next (tw, buf[q], from_x);
        grad_four (gw, gb, src, 0, dy + r * f, y + r * f, nl, relu, 1, GRAD_K, 1);
      }
  for (; r < r1; r++)
    {
      const float *a = tap_walk_next (tw, buf[0], from_x);
      for (int j = 0; j < nl; j++)
        {
          Lanes d;
          grad_dz (&d, dy + r * f + j * LANES, y + r * f + j * LANES, relu);
          gb[j] += d;
          for (int t = 0; t < GRAD_K; t++)
            gw[t * nl + j] += a[t] * d;
        }
    }
  for (int j = 0; j < nl; j++)
    {
      memcpy (db + j * LANES, &gb[j], sizeof (Lanes));
      for (int t = 0; t < GRAD_K; t++)
        memcpy (dw + (size_t) t * f + j * LANES, &gw[t * nl + j], sizeof (Lanes));
    }
}

/* The weight gradient's work on the job's team: blocks of FT_CONV_BLOCK rows. */
typedef struct
{
  const FtConvGeom *g;
  const float *col, *x; /* the taps: col's rows, or x's windows when col is NULL */
  const float *dy, *y;
  float *partials; /* block k's dW and db at k·(K + 1)·f (dW, then db) */
  bool relu;
} GradPieces;

FT_HOT_FMA static void
grad_blocks (const GradPieces *p, size_t b0, size_t b1)
{
  const size_t rows = ft_conv_rows (p->g), f = (size_t) p->g->f;
  const bool relu = p->relu, from_x = p->col == NULL;
  for (size_t k = b0; k < b1; k++)
    {
      float *dw = p->partials + k * (GRAD_K + 1) * f, *db = dw + GRAD_K * f;
      const size_t r0 = k * FT_CONV_BLOCK, r1 = MIN (r0 + FT_CONV_BLOCK, rows);
      TapWalk tw;
      tap_walk_start (&tw, p->g, p->col, p->x, r0);
#define GRAD_ARGS(nl, relu, from_x) &tw, p->dy, p->y, dw, db, r0, r1, nl, relu, from_x
#define GRAD_CASE(nl)                                                                                        \
  case nl:                                                                                                   \
    if (relu && from_x)                                                                                      \
      grad_block (GRAD_ARGS (nl, true, true));                                                               \
    else if (relu)                                                                                           \
      grad_block (GRAD_ARGS (nl, true, false));                                                              \
    else if (from_x)                                                                                         \
      grad_block (GRAD_ARGS (nl, false, true));                                                              \
    else                                                                                                     \
      grad_block (GRAD_ARGS (nl, false, false));                                                             \
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
#undef GRAD_ARGS
    }
}

static void
grad_piece (void *data, size_t b0, size_t b1)
{
  grad_blocks (data, b0, b1);
}

/* The shapes the fused weight gradient takes (whether the taps come from col or x). */
bool
ft_conv_fused_grad_takes (const FtConvGeom *g, FtActivation act)
{
  return ft_conv_cols (g) == GRAD_K && !ft_conv_is_pointwise (g) && (g->f == 16 || g->f == 32 || g->f == 64)
         && (act == FT_ACT_LINEAR || act == FT_ACT_RELU);
}

/* dw = beta_w·dw + colᵀ·dz and db = beta_b·db + Σ dz (either may be NULL), dz = act'(y) ⊙ dy; the taps from
 * s->col, or from x when the forward built no column matrix. */
void
ft_conv_fused_grad (FtTape *tape, const FtConvGeom *g, FtActivation act, const float *col, const float *x,
                    const float *dy, const float *y, float *dw, float beta_w, float *db, float beta_b)
{
  const size_t m = ft_conv_rows (g), f = (size_t) g->f, per = (GRAD_K + 1) * f, blocks = ft_conv_n_blocks (m);
  float *partials = ft_tape_alloc (tape, (blocks + 1) * per * sizeof (float)),
        *total = partials + blocks * per;
  GradPieces p = { g, col, x, dy, y, partials, act == FT_ACT_RELU };
  ft_threads_for (blocks, MAX (FT_CONV_GRAIN_FLOATS / ((size_t) FT_CONV_BLOCK * f), 1), grad_piece, &p);
  ft_conv_zero_span (total, (int) per);
  for (size_t k = 0; k < blocks; k++)
    ft_conv_add_span (total, partials + k * per, (int) per);
  float *out[2] = { dw, db };
  const float beta[2] = { beta_w, beta_b };
  const size_t off[2] = { 0, GRAD_K * f }, len[2] = { GRAD_K * f, f };
  for (int i = 0; i < 2; i++)
    if (out[i] != NULL && beta[i] == 0.0f)
      ft_conv_copy_span (out[i], total + off[i], (int) len[i]);
    else if (out[i] != NULL)
      ft_conv_add_span (out[i], total + off[i], (int) len[i]);
}
