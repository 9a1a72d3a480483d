/* ft-gemm-skinny.h — FitTape's own matrix kernels for products with one short side: a batch of at most 64
 * rows against a long dimension, the three products of a dense layer's training step (the forward x·W, the
 * weight gradient xᵀ·dz, the input gradient dz·Wᵀ). OpenBLAS packs the long operand into panels at every
 * call, which a product this short cannot amortise (the CNN's 21,632 → 128 layer ran at 55–73 % of the sgemm
 * peak); these kernels read the operands where they are, with the short side held in vector registers.
 *
 * Every element of C is one chain of fused multiply-adds over the reduction index in order from zero (then
 * added to C when beta is 1), as OpenBLAS's kernels compute it; the work is cut into pieces fixed by the
 * shape alone, so C is the same bit for bit with any number of threads. AVX-512 only (chosen at run time);
 * elsewhere, and for shapes they do not take, ft_sgemm uses OpenBLAS as before. */
#pragma once

#include <stdbool.h>

/* Whether ft_gemm_skinny takes this product (row-major, C = alpha·op(A)·op(B) + beta·C). */
bool ft_gemm_skinny_takes (bool trans_a, bool trans_b, int m, int n, int k, float alpha, float beta);

/* Computes a product ft_gemm_skinny_takes accepted, on the calling thread's team when it is large enough. */
void ft_gemm_skinny (bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b,
                     int ldb, float beta, float *c, int ldc);

/* Turns the kernels off (or on again, where the CPU has them) for the whole process: for the benchmark and
 * the tests, which compare them with OpenBLAS. Returns whether they were on. */
bool ft_gemm_skinny_set_enabled (bool enabled);
