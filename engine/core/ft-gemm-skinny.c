/* ft-gemm-skinny.c — the kernels for products with a short side of at most 64 rows (see ft-gemm-skinny.h):
 * forward (C = A·B, A short), weight gradient (C = Aᵀ·B, the reduction short) and input gradient
 * (C = A·Bᵀ, A short), each an AVX-512 register tile swept along the long dimension. */
#include "core/ft-gemm-skinny.h"
#include "core/ft-threads.h"

#include <glib.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#define FT_SKINNY_BUILT 1
#include <immintrin.h>
#define FT_AVX512 __attribute__ ((target ("avx2,fma,prfchw,avx512f,avx512vl,avx512dq,avx512bw")))
#else
#define FT_SKINNY_BUILT 0
#endif

enum
{
  SHORT_MAX = 64,        /* the short side: a batch */
  PANEL = 32,            /* forward: columns of C per register tile (two vectors) */
  FWD_ROWS = 8,          /* forward: rows of C per register tile */
  KC = 512,              /* forward: reduction steps per sweep, so that a slice of A and B stays in L2 */
  GROUP = 4,             /* forward: panels swept together */
  WG_ROWS = 4,           /* weight gradient: rows of C per register tile … */
  WG_VECS = 4,           /* … by four vectors (64 columns) */
  IG_ROWS = 8,           /* input gradient: columns of C (rows of B) per register tile, by 32 rows of C */
  IG_PACK = 16384,       /* input gradient: the most floats of the packed Aᵀ (64 KiB on the stack) */
  SPLIT_FLOPS = 8000000, /* below this, one thread (ft-blas.c's measurement) */
  PIECE_FLOPS = 1000000, /* weight and input gradient: a task's work, at least … */
  MAX_PIECES = 96        /* … in at most this many tasks */
};

static atomic_int enabled = -1; /* -1: not decided yet */

static bool
cpu_has_kernels (void)
{
#if FT_SKINNY_BUILT
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl")
         && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512bw")
         && getenv ("FITTAPE_NO_SKINNY_GEMM") == NULL;
#else
  return false;
#endif
}

static bool
kernels_on (void)
{
  int on = atomic_load_explicit (&enabled, memory_order_relaxed);
  if (on < 0)
    {
      on = cpu_has_kernels ();
      atomic_store_explicit (&enabled, on, memory_order_relaxed);
    }
  return on;
}

bool
ft_gemm_skinny_set_enabled (bool on)
{
  bool was = kernels_on ();
  atomic_store_explicit (&enabled, on && cpu_has_kernels (), memory_order_relaxed);
  return was;
}

static int
round16 (int x)
{
  return (x + 15) & ~15;
}

bool
ft_gemm_skinny_takes (bool trans_a, bool trans_b, int m, int n, int k, float alpha, float beta)
{
  if (alpha != 1.0f || (beta != 0.0f && beta != 1.0f) || m <= 0 || n <= 0 || k <= 0 || !kernels_on ())
    return false;
  if (!trans_a && !trans_b) /* forward: m short */
    return m <= SHORT_MAX && n >= 16 && k >= 16;
  if (trans_a && !trans_b) /* weight gradient: the reduction k short, C long */
    return k <= SHORT_MAX && n >= 16 && m >= WG_ROWS;
  if (!trans_a && trans_b) /* input gradient: m short, C wide */
    return m <= SHORT_MAX && n >= IG_ROWS && (long) k * round16 (m) <= IG_PACK;
  return false;
}

#if FT_SKINNY_BUILT

typedef struct
{
  int m, n, k;
  const float *a, *b;
  float *c, *pack;
  int lda, ldb, ldc;
  int piece;  /* weight and input gradient: long-side rows per task (a multiple of 8, fixed by the shape) */
  int shares; /* forward: tasks the panels are shared among (one per thread) */
  bool add;   /* beta 1 */
} Skinny;

FT_AVX512 static inline __mmask16
lane_mask (int w)
{
  return w >= 16 ? (__mmask16) 0xFFFF : w <= 0 ? (__mmask16) 0 : (__mmask16) ((1u << w) - 1u);
}

/* ---- forward: C (m × n) = A (m × k) · B (k × n) ---- */

/* part (FWD_ROWS × PANEL) = (first ? 0 : part) + A[rows, k0 .. k0 + kc) · B[k0 .., j .. j + 32): one sweep of
 * the register tile over kc reduction steps. Rows past `rows` repeat the last row and are never read. The
 * panel's next slice (n_next rows of B from `next`) is fetched into L2 meanwhile, shared by the panel's row
 * tiles: this one takes rows share, share + stride, … */
FT_AVX512 static void
forward_tile (const float *a, size_t lda, int rows, const float *b, size_t ldb, int kc, __mmask16 m0,
              __mmask16 m1, float *restrict part, bool first, const float *next, int n_next, int share,
              int stride)
{
  __m512 acc[FWD_ROWS][2];
  const float *ar[FWD_ROWS];
#pragma GCC unroll 8
  for (int r = 0; r < FWD_ROWS; r++)
    {
      ar[r] = a + (size_t) (r < rows ? r : rows - 1) * lda;
      acc[r][0] = first ? _mm512_setzero_ps () : _mm512_loadu_ps (part + r * PANEL);
      acc[r][1] = first ? _mm512_setzero_ps () : _mm512_loadu_ps (part + r * PANEL + 16);
    }
  for (int p = 0; p < kc; p++)
    {
      if (p % stride == 0 && p + share < n_next) /* this tile's share of the panel's next slice, into L2 */
        {
          _mm_prefetch ((const char *) (next + (size_t) (p + share) * ldb), _MM_HINT_T1);
          _mm_prefetch ((const char *) (next + (size_t) (p + share) * ldb + 16), _MM_HINT_T1);
        }
      const __m512 b0 = _mm512_maskz_loadu_ps (m0, b + (size_t) p * ldb);
      const __m512 b1 = _mm512_maskz_loadu_ps (m1, b + (size_t) p * ldb + 16);
#pragma GCC unroll 8
      for (int r = 0; r < FWD_ROWS; r++)
        {
          const __m512 av = _mm512_set1_ps (ar[r][p]);
          acc[r][0] = _mm512_fmadd_ps (av, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps (av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 8
  for (int r = 0; r < FWD_ROWS; r++)
    {
      _mm512_storeu_ps (part + r * PANEL, acc[r][0]);
      _mm512_storeu_ps (part + r * PANEL + 16, acc[r][1]);
    }
}

/* Panels [p0, p1) of 32 columns of C, all rows, at most GROUP of them at a time: the reduction in slices of
 * KC, each slice of A (all rows) and of B (the group's columns) read from memory once and then from cache by
 * every tile of the group. */
FT_AVX512 static void
forward_group (const Skinny *g, int p0, int p1)
{
  float part[GROUP][(SHORT_MAX + FWD_ROWS) * PANEL] __attribute__ ((aligned (64)));
  for (int k0 = 0; k0 < g->k; k0 += KC)
    for (int q = p0; q < p1; q++)
      {
        const int j = q * PANEL, w = MIN (PANEL, g->n - j);
        for (int i = 0; i < g->m; i += FWD_ROWS)
          forward_tile (g->a + (size_t) i * g->lda + k0, (size_t) g->lda, MIN (FWD_ROWS, g->m - i),
                        g->b + (size_t) k0 * g->ldb + j, (size_t) g->ldb, MIN (KC, g->k - k0), lane_mask (w),
                        lane_mask (w - 16), part[q - p0] + i * PANEL, k0 == 0,
                        g->b + (size_t) (k0 + KC) * g->ldb + j, MIN (KC, g->k - k0 - KC), i / FWD_ROWS,
                        (g->m + FWD_ROWS - 1) / FWD_ROWS);
      }
  for (int q = p0; q < p1; q++)
    {
      const int j = q * PANEL, w = MIN (PANEL, g->n - j);
      for (int i = 0; i < g->m; i++)
        {
          float *crow = g->c + (size_t) i * g->ldc + j;
          const float *prow = part[q - p0] + i * PANEL;
          for (int jj = 0; jj < w; jj++)
            crow[jj] = g->add ? crow[jj] + prow[jj] : prow[jj];
        }
    }
}

/* One task: the task-th share of the panels (see ft_gemm_skinny: one share per thread). The share changes
 * which thread computes an element, never how, so C does not depend on it. */
FT_AVX512 static void
forward_share (void *data, int task)
{
  const Skinny *g = data;
  const int panels = (g->n + PANEL - 1) / PANEL;
  const int p0 = (int) ((long) panels * task / g->shares),
            p1 = (int) ((long) panels * (task + 1) / g->shares);
  for (int q = p0; q < p1; q += GROUP)
    forward_group (g, q, MIN (p1, q + GROUP));
}

/* ---- weight gradient: C (m × n) = Aᵀ · B, A (k × m), B (k × n), k short ---- */

/* C[p .. p + rows, j .. j + 64) (= or +=) Σ_i A[i, p + r] · B[i, j ..]; vectors past nv are not touched. */
FT_AVX512 static void
wgrad_tile (const Skinny *g, int p, int rows, int j, int w)
{
  __m512 acc[WG_ROWS][WG_VECS];
  __mmask16 mask[WG_VECS];
#pragma GCC unroll 4
  for (int v = 0; v < WG_VECS; v++)
    {
      mask[v] = lane_mask (w - 16 * v);
#pragma GCC unroll 4
      for (int r = 0; r < WG_ROWS; r++)
        acc[r][v] = _mm512_setzero_ps ();
    }
  const float *a = g->a + p, *b = g->b + j;
  /* The lines of C the next tile down will write (and read, when adding), one per step: fetched while this
   * tile computes instead of all at once when it stores. */
  float *next = p + WG_ROWS < g->m ? g->c + (size_t) (p + WG_ROWS) * g->ldc + j : NULL;
  for (int i = 0; i < g->k; i++)
    {
      if (next != NULL && i < WG_ROWS * WG_VECS && (i & 3) * 16 < w)
        __builtin_prefetch (next + (size_t) (i >> 2) * g->ldc + (i & 3) * 16, 1, 3);
      const float *ai = a + (size_t) i * g->lda, *bi = b + (size_t) i * g->ldb;
      __m512 bv[WG_VECS];
#pragma GCC unroll 4
      for (int v = 0; v < WG_VECS; v++)
        bv[v] = _mm512_maskz_loadu_ps (mask[v], bi + 16 * v);
#pragma GCC unroll 4
      for (int r = 0; r < WG_ROWS; r++)
        {
          const __m512 av = _mm512_set1_ps (ai[r < rows ? r : rows - 1]);
#pragma GCC unroll 4
          for (int v = 0; v < WG_VECS; v++)
            acc[r][v] = _mm512_fmadd_ps (av, bv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 4
  for (int r = 0; r < WG_ROWS; r++)
    {
      if (r >= rows)
        break;
      float *crow = g->c + (size_t) (p + r) * g->ldc + j;
#pragma GCC unroll 4
      for (int v = 0; v < WG_VECS; v++)
        {
          __m512 out = acc[r][v];
          if (g->add)
            out = _mm512_add_ps (_mm512_maskz_loadu_ps (mask[v], crow + 16 * v), out);
          _mm512_mask_storeu_ps (crow + 16 * v, mask[v], out);
        }
    }
}

/* One task: PIECE_ROWS rows of C, all columns. */
FT_AVX512 static void
wgrad_piece (void *data, int task)
{
  const Skinny *g = data;
  const int p1 = MIN (g->m, (task + 1) * g->piece);
  for (int p = task * g->piece; p < p1; p += WG_ROWS)
    for (int j = 0; j < g->n; j += 16 * WG_VECS)
      wgrad_tile (g, p, MIN (WG_ROWS, p1 - p), j, MIN (16 * WG_VECS, g->n - j));
}

/* ---- input gradient: C (m × n) = A · Bᵀ, A (m × k), B (n × k), m short ---- */

/* Row i of C (i < n: rows of c, ldc apart) gets lane i of a[0 .. 8) as its 8 floats (= or +=): the 8 × 16
 * register block transposed in registers (unpack, shuffle within 128-bit lanes, then across them). */
FT_AVX512 static inline void
store_column (float *crow, __m256 v, bool add)
{
  if (add)
    v = _mm256_add_ps (_mm256_loadu_ps (crow), v);
  _mm256_storeu_ps (crow, v);
}

FT_AVX512 static void
transpose_store (const __m512 a[8], float *c, size_t ldc, int n, bool add)
{
  __m512 t[8], u[8];
#pragma GCC unroll 4
  for (int h = 0; h < 4; h++) /* rows 2h, 2h + 1 interleaved: lane k holds columns 4k .. 4k + 3 */
    {
      t[2 * h] = _mm512_unpacklo_ps (a[2 * h], a[2 * h + 1]);
      t[2 * h + 1] = _mm512_unpackhi_ps (a[2 * h], a[2 * h + 1]);
    }
#pragma GCC unroll 2
  for (int q = 0; q < 2; q++) /* u[j + 4q], lane k: column 4k + j, rows 4q .. 4q + 3 */
    {
      u[4 * q] = _mm512_shuffle_ps (t[4 * q], t[4 * q + 2], 0x44);
      u[4 * q + 1] = _mm512_shuffle_ps (t[4 * q], t[4 * q + 2], 0xEE);
      u[4 * q + 2] = _mm512_shuffle_ps (t[4 * q + 1], t[4 * q + 3], 0x44);
      u[4 * q + 3] = _mm512_shuffle_ps (t[4 * q + 1], t[4 * q + 3], 0xEE);
    }
#pragma GCC unroll 4
  for (int j = 0; j < 4; j++)
    {
      /* [u[j] lane 0, u[j + 4] lane 0, u[j] lane 1, u[j + 4] lane 1]: columns j and 4 + j; then 8 + j, 12 + j
       */
      const __m512 x = _mm512_shuffle_f32x4 (u[j], u[j + 4], 0x44),
                   y = _mm512_shuffle_f32x4 (u[j], u[j + 4], 0xEE);
      const __m512 cols[2] = { _mm512_shuffle_f32x4 (x, x, 0xD8), _mm512_shuffle_f32x4 (y, y, 0xD8) };
#pragma GCC unroll 2
      for (int e = 0; e < 2; e++)
        {
          const int col = 8 * e + j;
          if (col < n)
            store_column (c + (size_t) col * ldc, _mm512_castps512_ps256 (cols[e]), add);
          if (col + 4 < n)
            store_column (c + (size_t) (col + 4) * ldc, _mm512_extractf32x8_ps (cols[e], 1), add);
        }
    }
}

/* Cᵀ's tile: rows p .. p + IG_ROWS of B against 32 rows of C from i0 (packed Aᵀ: k × mp), transposed into C
 * on the way out. */
FT_AVX512 static void
igrad_tile (const Skinny *g, int mp, int i0, int p, int rows)
{
  __m512 acc[IG_ROWS][2];
  const float *br[IG_ROWS];
#pragma GCC unroll 8
  for (int r = 0; r < IG_ROWS; r++)
    {
      br[r] = g->b + (size_t) (p + (r < rows ? r : rows - 1)) * g->ldb;
      acc[r][0] = _mm512_setzero_ps ();
      acc[r][1] = _mm512_setzero_ps ();
    }
  const float *at = g->pack + i0;
  /* The next tile's rows of B, one line per step: a row is only k floats, too short for the hardware's
   * prefetcher to pick up before the tile is done with it. */
  const float *next = p + IG_ROWS < g->n ? g->b + (size_t) (p + IG_ROWS) * g->ldb : NULL;
  const bool two = g->m - i0 > 16;
  for (int q = 0; q < g->k; q++)
    {
      if (next != NULL && (q >> 3) * 16 < g->k)
        _mm_prefetch ((const char *) (next + (size_t) (q & 7) * g->ldb + (q >> 3) * 16), _MM_HINT_T0);
      const __m512 a0 = _mm512_load_ps (at + (size_t) q * mp);
      const __m512 a1 = two ? _mm512_load_ps (at + (size_t) q * mp + 16) : _mm512_setzero_ps ();
#pragma GCC unroll 8
      for (int r = 0; r < IG_ROWS; r++)
        {
          const __m512 bv = _mm512_set1_ps (br[r][q]);
          acc[r][0] = _mm512_fmadd_ps (bv, a0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps (bv, a1, acc[r][1]);
        }
    }
  const int n_i = MIN (32, g->m - i0);
  float *c = g->c + (size_t) i0 * g->ldc + p;
  if (rows == IG_ROWS)
    {
      __m512 half[IG_ROWS];
      for (int v = 0; v * 16 < n_i; v++)
        {
#pragma GCC unroll 8
          for (int r = 0; r < IG_ROWS; r++)
            half[r] = acc[r][v];
          transpose_store (half, c + (size_t) (16 * v) * g->ldc, (size_t) g->ldc, MIN (16, n_i - 16 * v),
                           g->add);
        }
      return;
    }
  float t[IG_ROWS][32] __attribute__ ((aligned (64)));
#pragma GCC unroll 8
  for (int r = 0; r < IG_ROWS; r++)
    {
      _mm512_store_ps (t[r], acc[r][0]);
      _mm512_store_ps (t[r] + 16, acc[r][1]);
    }
  for (int i = 0; i < n_i; i++)
    {
      float *crow = c + (size_t) i * g->ldc;
      for (int r = 0; r < rows; r++)
        crow[r] = g->add ? crow[r] + t[r][i] : t[r][i];
    }
}

/* One task: PIECE_ROWS columns of C (rows of B), all rows of C. */
FT_AVX512 static void
igrad_piece (void *data, int task)
{
  const Skinny *g = data;
  const int mp = round16 (g->m), p1 = MIN (g->n, (task + 1) * g->piece);
  for (int p = task * g->piece; p < p1; p += IG_ROWS)
    for (int i0 = 0; i0 < g->m; i0 += 32)
      igrad_tile (g, mp, i0, p, MIN (IG_ROWS, p1 - p));
}

/* Cuts the long side (`rows`) into tasks of at least PIECE_FLOPS each, at most MAX_PIECES of them: a
 * function of the shape alone. Returns the number of tasks. */
static int
cut_long_side (Skinny *g, int rows)
{
  const double flops = 2.0 * g->m * (double) g->n * g->k;
  const int want = (int) MIN (MAX_PIECES, MAX (1.0, flops / PIECE_FLOPS));
  g->piece = (((rows + want - 1) / want) + 7) & ~7;
  return (rows + g->piece - 1) / g->piece;
}

static void
run_tasks (const Skinny *g, int n_tasks, FtThreadsTask task)
{
  const double flops = 2.0 * g->m * (double) g->n * g->k;
  if (flops < SPLIT_FLOPS || n_tasks < 2)
    for (int t = 0; t < n_tasks; t++)
      task ((void *) g, t);
  else
    ft_threads_run_current (n_tasks, task, (void *) g);
}

void
ft_gemm_skinny (bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b,
                int ldb, float beta, float *c, int ldc)
{
  Skinny g = {
    .m = m, .n = n, .k = k, .a = a, .b = b, .c = c, .lda = lda, .ldb = ldb, .ldc = ldc, .add = beta != 0.0f
  };
  if (!trans_a && !trans_b)
    {
      const int panels = (n + PANEL - 1) / PANEL;
      const double flops = 2.0 * m * (double) n * k;
      g.shares = flops < SPLIT_FLOPS ? 1 : MIN (panels, ft_threads_count (ft_threads_current ()));
      run_tasks (&g, g.shares, forward_share);
    }
  else if (trans_a)
    run_tasks (&g, cut_long_side (&g, m), wgrad_piece);
  else
    {
      /* Aᵀ packed once, zero-padded to whole vectors: k × mp. */
      float pack[IG_PACK] __attribute__ ((aligned (64)));
      const int mp = round16 (m);
      for (int q = 0; q < k; q++)
        for (int i = 0; i < mp; i++)
          pack[(size_t) q * mp + i] = i < m ? a[(size_t) i * lda + q] : 0.0f;
      g.pack = pack;
      run_tasks (&g, cut_long_side (&g, n), igrad_piece);
    }
}

#else

void
ft_gemm_skinny (bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b,
                int ldb, float beta, float *c, int ldc)
{
  (void) trans_a, (void) trans_b, (void) m, (void) n, (void) k, (void) a, (void) lda, (void) b, (void) ldb;
  (void) beta, (void) c, (void) ldc;
  g_assert_not_reached (); /* ft_gemm_skinny_takes never accepts here */
}

#endif
