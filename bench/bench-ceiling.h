/* bench-ceiling.h — the machine's floating-point ceiling for one thread: fused multiply-adds on registers
 * alone, no memory, at the widest vectors the CPU has. The benchmarks print it beside the sgemm peak, which
 * is OpenBLAS's rate on a large square product and is below it (FitTape's own short-side kernels run
 * faster than that "peak" on their shapes). */
#pragma once

/* Best of reps runs, GFLOP/s (2 per lane and FMA); the vector width used in *lanes (16, 8 or 1). */
double bench_fma_ceiling_gflops (int reps, int *lanes);
