/* ft-compiler.h — compiler helpers shared by the engine's hot loops. */
#pragma once

/* FT_HOT: compile a hot loop for AVX-512, AVX2 and plain x86-64, picked at run time (GCC's
 * target_clones), so one binary runs fast on every machine CI or a student has. Not under
 * ThreadSanitizer: the ifunc resolvers would run instrumented before its runtime is up. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)                    \
    && !defined(FT_NO_TARGET_CLONES) && !defined(__SANITIZE_THREAD__)
#define FT_HOT __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define FT_HOT
#endif
