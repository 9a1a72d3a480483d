/* ft-format.c — number and string formatting shared by the engine, the plots and the window. */
#include "core/ft-format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

char *
ft_format_thousands (char *buf, size_t size, int64_t value)
{
  char digits[32];
  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT,
              value < 0 ? (guint64) 0 - (guint64) value : (guint64) value);
  size_t n = strlen (digits), o = 0;
  if (size == 0)
    return buf;
  if (value < 0 && o + 1 < size)
    buf[o++] = '-';
  for (size_t i = 0; i < n && o + 1 < size; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        {
          if (o + 2 >= size)
            break;
          buf[o++] = ',';
        }
      buf[o++] = digits[i];
    }
  buf[o] = '\0';
  return buf;
}

char *
ft_format_shortest (char *buf, size_t size, double v, bool as_float)
{
  if (!isfinite (v))
    {
      g_strlcpy (buf, isnan (v) ? "nan" : v > 0 ? "inf" : "-inf", size);
      return buf;
    }
  for (int prec = 1; prec <= 17; prec++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, (int) size, fmt, v);
      double back = g_ascii_strtod (buf, NULL);
      if (as_float ? (float) back == (float) v : back == v)
        break;
    }
  return buf;
}

double
ft_float_as_typed (float f)
{
  if (!isfinite (f))
    return (double) f;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_strtod (ft_format_shortest (buf, sizeof buf, f, true), NULL);
}

void
ft_json_append_string (GString *s, const char *str)
{
  g_string_append_c (s, '"');
  for (const unsigned char *p = (const unsigned char *) str; *p; p++)
    switch (*p)
      {
      case '"':
        g_string_append (s, "\\\"");
        break;
      case '\\':
        g_string_append (s, "\\\\");
        break;
      case '\n':
        g_string_append (s, "\\n");
        break;
      case '\t':
        g_string_append (s, "\\t");
        break;
      case '\r':
        g_string_append (s, "\\r");
        break;
      default:
        if (*p < 0x20 || *p == 0x7f)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, (char) *p);
      }
  g_string_append_c (s, '"');
}
