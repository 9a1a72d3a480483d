/* ft-blas.c — sgemm through OpenBLAS on one thread per call, split into shape-fixed tiles over the job's
 * thread team, and the re-exec that selects AVX-512 kernels. */
#include "core/ft-blas.h"
#include "core/ft-gemm-skinny.h"
#include "core/ft-threads.h"

#include <cblas.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#include <glib.h>
#include <stdlib.h>
#include <unistd.h>

void
ft_blas_init (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      openblas_set_num_threads (1);
      g_once_init_leave (&once, 1);
    }
}

/* Products below this many FLOPs (2·M·N·K) run as one call on the calling thread; above it they are split
 * into tiles. Measured on a 2-core AMD EPYC VM (AVX-512, OpenBLAS 0.3.21, SkylakeX kernels) shared with
 * other builds. Alone in a tight loop, products gained on two threads from ~1 MFLOP (1.05 MFLOP 1.7×,
 * 6.4 MFLOP 1.6–2.2×, 177 MFLOP 1.8–2.2×), but inside a training step the small ones do not: the
 * Fashion-MNIST MLP (784-128-10, batch 32, 6.4 MFLOP products) split from 2 MFLOP ran at 0.64–0.80× of one
 * thread on a quiet machine (presumably moving its operands between the cores' caches costs more than
 * the halved products), and worse with another process on
 * the second core. From 8 MFLOP the MLP stays on one thread (1.00×) and the quickstart CNN's products
 * (12–177 MFLOP) split: its step ran 1.71–1.81× faster on two threads, quiet. */
#define FT_SGEMM_SPLIT_FLOPS 8.0e6
/* A tile's work: enough that one OpenBLAS call's fixed cost (packing A and B again) stays small: tiled
 * on one thread, the CNN's products took 0.65–1.2× the time of one call. */
#define FT_SGEMM_TILE_FLOPS 1.0e6
/* The FLOPs justify at most this many tiles (halving a side, the plan lands between that and twice it), and
 * no tile is narrower than these (OpenBLAS' micro-kernels are 16×4 / 16×8). */
#define FT_SGEMM_MAX_TILES 48
#define FT_SGEMM_MIN_ROWS  32
#define FT_SGEMM_MIN_COLS  32

typedef struct
{
  bool trans_a, trans_b;
  int m, n, k;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int lda, ldb, ldc;
} Gemm;

/* A tiling of C: tiles of tile_m × tile_n (the last ones smaller), row-major over tiles_m × tiles_n. */
typedef struct
{
  const Gemm *g;
  int tile_m, tile_n;
  int tiles_m, tiles_n;
} GemmTiles;

static void
gemm_call (const Gemm *g, int i0, int j0, int mi, int nj)
{
  const float *a = g->trans_a ? g->a + i0 : g->a + (size_t) i0 * (size_t) g->lda;
  const float *b = g->trans_b ? g->b + (size_t) j0 * (size_t) g->ldb : g->b + j0;
  ft_sgemm_one (g->trans_a, g->trans_b, mi, nj, g->k, g->alpha, a, g->lda, b, g->ldb, g->beta,
                g->c + (size_t) i0 * (size_t) g->ldc + j0, g->ldc);
}

static void
gemm_tile (void *data, int t)
{
  const GemmTiles *p = data;
  const int i0 = (t / p->tiles_n) * p->tile_m, j0 = (t % p->tiles_n) * p->tile_n;
  gemm_call (p->g, i0, j0, MIN (p->tile_m, p->g->m - i0), MIN (p->tile_n, p->g->n - j0));
}

static int
div_up (int a, int b)
{
  return (a + b - 1) / b;
}

/* The tiling of an m × n × k product: a function of the shape alone, never of the thread count, so that
 * every element of C is computed by the same OpenBLAS call on the same operands whatever the team. Halves
 * the longer side of the tile (rows or columns) while the tile keeps its minimum size, until there are as
 * many tiles as the FLOPs justify. */
static void
gemm_plan (int m, int n, int k, GemmTiles *p)
{
  const double flops = 2.0 * m * n * (double) k;
  int want = 1;
  if (flops >= FT_SGEMM_SPLIT_FLOPS)
    want = (int) MIN (FT_SGEMM_MAX_TILES, MAX (2.0, flops / FT_SGEMM_TILE_FLOPS));
  p->tile_m = m;
  p->tile_n = n;
  while (div_up (m, p->tile_m) * div_up (n, p->tile_n) < want)
    {
      const bool rows_ok = p->tile_m >= 2 * FT_SGEMM_MIN_ROWS, cols_ok = p->tile_n >= 2 * FT_SGEMM_MIN_COLS;
      if (rows_ok && (!cols_ok || p->tile_m >= p->tile_n))
        p->tile_m = div_up (p->tile_m, 2);
      else if (cols_ok)
        p->tile_n = div_up (p->tile_n, 2);
      else
        break;
    }
  p->tiles_m = div_up (m, p->tile_m);
  p->tiles_n = div_up (n, p->tile_n);
}

void
ft_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
          const float *b, int ldb, float beta, float *c, int ldc)
{
  if (m == 0 || n == 0)
    return;
  if (ft_gemm_skinny_takes (trans_a, trans_b, m, n, k, alpha, beta))
    {
      ft_gemm_skinny (trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  const Gemm g = { trans_a, trans_b, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc };
  GemmTiles p = { &g, 0, 0, 0, 0 };
  gemm_plan (m, n, k, &p);
  if (p.tiles_m * p.tiles_n == 1)
    gemm_call (&g, 0, 0, m, n);
  else
    ft_threads_run_current (p.tiles_m * p.tiles_n, gemm_tile, &p);
}

void
ft_sgemm_one (bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc)
{
  if (m == 0 || n == 0)
    return;
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
               k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int
ft_sgemm_n_tiles (int m, int n, int k)
{
  GemmTiles p;
  gemm_plan (m, n, k, &p);
  return p.tiles_m * p.tiles_n;
}

void
ft_cpu_flush_denormals (void)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr (_mm_getcsr () | 0x8040); /* FTZ (bit 15) and DAZ (bit 6) */
#endif
}

const char *
ft_blas_core_name (void)
{
  return openblas_get_corename ();
}

void
ft_blas_prefer_fast_kernels (char **argv)
{
  if (getenv ("OPENBLAS_CORETYPE") != NULL || getenv ("FITTAPE_NO_REEXEC") != NULL)
    return;
  __builtin_cpu_init ();
  if (!__builtin_cpu_supports ("avx512f"))
    return;
  setenv ("OPENBLAS_CORETYPE", "SkylakeX", 1);
  execv ("/proc/self/exe", argv);
  /* exec failed: carry on with the kernels OpenBLAS chose. */
}
