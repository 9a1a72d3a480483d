/* bench-ceiling.c — the floating-point ceiling of one thread (see bench-ceiling.h): twelve independent
 * chains of fused multiply-adds, enough to cover the FMA latency on every pipe. */
#include "bench-ceiling.h"

#include <math.h>
#include <time.h>
#if defined(__GNUC__) && defined(__x86_64__)
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
/* GCC contracts x·acc + y into an FMA only when told (-std=c11 sets fp-contract=off); clang contracts
 * within an expression by default and has no optimize attribute. */
#if defined(__clang__)
#define CONTRACTED
#else
#define CONTRACTED optimize ("fp-contract=fast")
#endif
/* One chain set on vectors of `lanes` floats, for one instruction set; x·acc + y contracts to one FMA. */
#define CHAINS_FN(name, isa, lanes)                                                                          \
  __attribute__ ((target (isa), CONTRACTED)) static float name (long turns)                                  \
  {                                                                                                          \
    typedef float Vec __attribute__ ((vector_size (lanes * sizeof (float))));                                \
    Vec acc[CHAINS];                                                                                         \
    const Vec x = (Vec){ 0 } + 0.999f, y = (Vec){ 0 } + 1e-7f;                                               \
    for (int i = 0; i < CHAINS; i++)                                                                         \
      acc[i] = (Vec){ 0 } + (float) i;                                                                       \
    for (long t = 0; t < turns; t++)                                                                         \
      _Pragma ("GCC unroll 12") for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * x + y;                    \
    float s = 0;                                                                                             \
    for (int i = 0; i < CHAINS; i++)                                                                         \
      s += acc[i][0] + acc[i][lanes - 1];                                                                    \
    return s;                                                                                                \
  }

CHAINS_FN (chains_512, "avx512f,fma", 16)
CHAINS_FN (chains_256, "avx2,fma", 8)
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
