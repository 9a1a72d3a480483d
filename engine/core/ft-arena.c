/* ft-arena.c — chunked bump allocator that converges to a single chunk (see ft-arena.h). */
#include "core/ft-arena.h"

#include "core/ft-alloc.h"

#include <glib.h>
#include <string.h>

typedef struct Chunk
{
  struct Chunk *next;
  size_t size;
  size_t used;
  char *data;
} Chunk;

struct FtArena
{
  Chunk *first;
  Chunk *current;
  size_t used_total;
  size_t peak_cycle;
};

static Chunk *
chunk_new (size_t size)
{
  Chunk *c = g_new0 (Chunk, 1);
  c->size = size;
  c->data = ft_alloc (size);
  return c;
}

FtArena *
ft_arena_new (size_t initial_size)
{
  FtArena *a = g_new0 (FtArena, 1);
  a->first = a->current = chunk_new (initial_size > 4096 ? initial_size : 4096);
  return a;
}

void
ft_arena_free (FtArena *arena)
{
  if (arena == NULL)
    return;
  for (Chunk *c = arena->first; c != NULL;)
    {
      Chunk *next = c->next;
      ft_free (c->data);
      g_free (c);
      c = next;
    }
  g_free (arena);
}

void *
ft_arena_alloc (FtArena *arena, size_t size)
{
  size_t need = (size + FT_ALIGN - 1) / FT_ALIGN * FT_ALIGN;
  if (need == 0)
    need = FT_ALIGN;
  Chunk *c = arena->current;
  while (c->used + need > c->size)
    {
      if (c->next == NULL)
        {
          size_t grow = c->size * 2;
          c->next = chunk_new (grow > need ? grow : need * 2);
        }
      c = c->next;
      c->used = 0;
      arena->current = c;
    }
  void *p = c->data + c->used;
  c->used += need;
  arena->used_total += need;
  return p;
}

void *
ft_arena_alloc0 (FtArena *arena, size_t size)
{
  void *p = ft_arena_alloc (arena, size);
  memset (p, 0, size);
  return p;
}

void
ft_arena_reset (FtArena *arena)
{
  if (arena->used_total > arena->peak_cycle)
    arena->peak_cycle = arena->used_total;
  if (arena->first->next != NULL && arena->current != arena->first)
    {
      /* The cycle spilled over: replace every chunk with one that holds a whole cycle. */
      size_t total = 0;
      for (Chunk *c = arena->first; c != NULL; c = c->next)
        total += c->size;
      for (Chunk *c = arena->first; c != NULL;)
        {
          Chunk *next = c->next;
          ft_free (c->data);
          g_free (c);
          c = next;
        }
      arena->first = chunk_new (total);
    }
  arena->first->used = 0;
  arena->current = arena->first;
  arena->used_total = 0;
}

size_t
ft_arena_used (const FtArena *arena)
{
  return arena->used_total;
}

size_t
ft_arena_capacity (const FtArena *arena)
{
  size_t total = 0;
  for (Chunk *c = arena->first; c != NULL; c = c->next)
    total += c->size;
  return total;
}
