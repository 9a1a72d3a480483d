/* ft-limits.c — the memory budget and byte formatting behind ft-limits.h. */
#include "core/ft-limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

size_t
ft_limit_memory_budget (void)
{
  const char *env = g_getenv ("FITTAPE_MEMORY_BUDGET_MB");
  if (env != NULL && env[0] != '\0')
    {
      guint64 mb = 0;
      if (g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT32, &mb, NULL))
        return (size_t) mb << 20;
    }
  size_t budget = (size_t) 8 << 30;
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  if (pages > 0 && page > 0)
    {
      size_t phys = 0;
      if (ft_size_mul ((size_t) pages, (size_t) page, &phys) && phys / 4 < budget)
        budget = phys / 4;
    }
  return budget;
}

const char *
ft_format_bytes (size_t bytes, char *buf, size_t size)
{
  static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  double v = (double) bytes;
  int u = 0;
  while (v >= 1024.0 && u < 6)
    {
      v /= 1024.0;
      u++;
    }
  if (u == 0)
    snprintf (buf, size, "%zu bytes", bytes);
  else
    snprintf (buf, size, "%.1f %s", v, units[u]);
  return buf;
}
