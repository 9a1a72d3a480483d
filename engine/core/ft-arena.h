/* ft-arena.h — a bump allocator for one training step's activations, saved tensors and gradients.
 * Reset, not freed: after the first steps it has grown to fit a step and never allocates again. */
#pragma once

#include <stddef.h>

typedef struct FtArena FtArena;

FtArena *ft_arena_new (size_t initial_size);
void ft_arena_free (FtArena *arena);
/* 64-byte aligned memory valid until the next reset; never fails (grows in chunks). */
void *ft_arena_alloc (FtArena *arena, size_t size);
void *ft_arena_alloc0 (FtArena *arena, size_t size);
/* Forgets every allocation. If the last cycle needed more than one chunk, they are merged into one
 * chunk large enough for the whole cycle, so a repeated cycle runs without touching the heap. */
void ft_arena_reset (FtArena *arena);
/* Bytes handed out since the last reset, and the bytes held in chunks. */
size_t ft_arena_used (const FtArena *arena);
size_t ft_arena_capacity (const FtArena *arena);
