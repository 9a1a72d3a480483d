/* ft-blas.h — the engine's matrix multiply, on one OpenBLAS thread per call and the calling thread's team
 * (core/ft-threads.h), and the kernel choice for this CPU. Row-major only. C = alpha * op(A) * op(B) + beta *
 * C.
 *
 * A large product is split into tiles of C whose bounds depend only on (M, N, K): each tile is one
 * single-threaded OpenBLAS call over the whole K (never split: the reduction order is fixed), and the team's
 * threads take tiles in any order. So C is the same bit for bit with any number of threads, 1 included.
 * Small products are one call on the calling thread. Products with a short side (a batch of at most 64 rows:
 * a dense layer's three products) go to FitTape's own kernels instead where the CPU has AVX-512
 * (core/ft-gemm-skinny.h), under the same rule: C does not depend on the number of threads. */
#pragma once

#include <stdbool.h>

/* Puts OpenBLAS on one thread (two are slower on training shapes and break bit-reproducibility).
 * Called by every entry point that computes; cheap after the first call. */
void ft_blas_init (void);

void ft_sgemm (bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/* The same product as one OpenBLAS call on the calling thread, never split: for callers that split a product
 * themselves into pieces fixed by its shape (and run them on the team). */
void ft_sgemm_one (bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc);

/* How many tiles ft_sgemm splits an m × n × k product into (1: one call); for tests and the benchmark. */
int ft_sgemm_n_tiles (int m, int n, int k);

/* Flushes subnormal floats to zero on the calling thread (SSE FTZ and DAZ), as TensorFlow does: Adam's
 * state drifts into subnormals, which this CPU handles an order of magnitude slower. Called by every
 * train and test step; two instructions. */
void ft_cpu_flush_denormals (void);

/* The kernel family OpenBLAS runs on ("Haswell", "SkylakeX", …). */
const char *ft_blas_core_name (void);

/* Debian's OpenBLAS 0.3.21 treats AVX-512 Zen CPUs as Haswell. OpenBLAS reads OPENBLAS_CORETYPE only
 * when it loads, so a program that wants the AVX-512 kernels calls this first thing in main(): if the CPU
 * has avx512f and the variable is unset (and FITTAPE_NO_REEXEC is unset), it sets the variable and
 * re-executes itself. Returns only if no re-exec happened. */
void ft_blas_prefer_fast_kernels (char **argv);
