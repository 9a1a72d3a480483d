/* ft-alloc.h — the engine's one door to the heap: aligned allocation that counts every call,
 * so tests and benchmarks can prove that a training step allocates nothing after warm-up. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FT_ALIGN 64

/* Aligned (FT_ALIGN) allocation; aborts on out-of-memory like g_malloc. ft_free(NULL) is a no-op. */
void *ft_alloc (size_t size);
void *ft_alloc0 (size_t size);
void ft_free (void *ptr);

/* Number of ft_alloc/ft_alloc0 calls since the process started (atomic, all threads). */
uint64_t ft_alloc_count (void);
