/* bench-ceiling.c — the floating-point ceiling of one thread (see bench-ceiling.h): twelve independent
 * chains of fused multiply-adds, enough to cover the FMA latency on every pipe. */
#include "bench-ceiling.h"

#include <math.h>
#include <time.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

enum
{
  CHAINS = 12,
  TURNS = 4000000
};

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

#if HAVE_X86
__attribute__ ((target ("avx512f,fma"))) static float
chains_512 (long turns)
{
  __m512 acc[CHAINS];
  const __m512 x = _mm512_set1_ps (0.999f), y = _mm512_set1_ps (1e-7f);
  for (int i = 0; i < CHAINS; i++)
    acc[i] = _mm512_set1_ps ((float) i);
  for (long t = 0; t < turns; t++)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; i++)
      acc[i] = _mm512_fmadd_ps (acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < CHAINS; i++)
    s = _mm512_add_ps (s, acc[i]);
  return _mm512_reduce_add_ps (s);
}

__attribute__ ((target ("avx2,fma"))) static float
chains_256 (long turns)
{
  __m256 acc[CHAINS];
  const __m256 x = _mm256_set1_ps (0.999f), y = _mm256_set1_ps (1e-7f);
  for (int i = 0; i < CHAINS; i++)
    acc[i] = _mm256_set1_ps ((float) i);
  for (long t = 0; t < turns; t++)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; i++)
      acc[i] = _mm256_fmadd_ps (acc[i], x, y);
  float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < CHAINS; i++)
    s = _mm256_add_ps (s, acc[i]);
  _mm256_storeu_ps (out, s);
  return out[0] + out[7];
}
#endif

static float
chains_1 (long turns)
{
  float acc[CHAINS];
  for (int i = 0; i < CHAINS; i++)
    acc[i] = (float) i;
  for (long t = 0; t < turns; t++)
    for (int i = 0; i < CHAINS; i++)
      acc[i] = fmaf (acc[i], 0.999f, 1e-7f);
  float s = 0;
  for (int i = 0; i < CHAINS; i++)
    s += acc[i];
  return s;
}

double
bench_fma_ceiling_gflops (int reps, int *lanes)
{
  *lanes = 1;
#if HAVE_X86
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f"))
    *lanes = 16;
  else if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    *lanes = 8;
#endif
  double best = INFINITY;
  volatile float sink = 0;
  for (int r = 0; r < reps; r++)
    {
      const double t0 = now_s ();
#if HAVE_X86
      sink += *lanes == 16 ? chains_512 (TURNS) : *lanes == 8 ? chains_256 (TURNS) : chains_1 (TURNS / 16);
#else
      sink += chains_1 (TURNS / 16);
#endif
      const double t = now_s () - t0;
      if (t < best)
        best = t;
    }
  (void) sink;
  const double turns = *lanes == 1 ? TURNS / 16 : TURNS;
  return 2.0 * CHAINS * *lanes * turns / best / 1e9;
}
