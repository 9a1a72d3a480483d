/* ft-alloc.c — aligned, counted allocation for the engine's buffers (see ft-alloc.h). */
#include "core/ft-alloc.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

static gint64 alloc_calls;

void *
ft_alloc (size_t size)
{
  void *p = NULL;
  size_t rounded = (size + FT_ALIGN - 1) / FT_ALIGN * FT_ALIGN;
  if (rounded == 0)
    rounded = FT_ALIGN;
  p = aligned_alloc (FT_ALIGN, rounded);
  if (p == NULL)
    g_error ("FitTape: out of memory allocating %zu bytes", size);
  g_atomic_pointer_add (&alloc_calls, 1);
  return p;
}

void *
ft_alloc0 (size_t size)
{
  void *p = ft_alloc (size);
  memset (p, 0, size);
  return p;
}

void
ft_free (void *ptr)
{
  free (ptr);
}

uint64_t
ft_alloc_count (void)
{
  return (uint64_t) g_atomic_pointer_get (&alloc_calls);
}
