/* ft-blas.c — sgemm through OpenBLAS on one thread, and the re-exec that selects AVX-512 kernels. */
#include "core/ft-blas.h"

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

void
ft_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
          const float *b, int ldb, float beta, float *c, int ldc)
{
  if (m == 0 || n == 0)
    return;
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
               k, alpha, a, lda, b, ldb, beta, c, ldc);
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
