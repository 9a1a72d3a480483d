/* ft-json-check.c — depth, UTF-8 and surrogate checks on JSON text (see ft-json-check.h). */
#include "core/ft-json-check.h"

#include "core/ft-error.h"

#include <string.h>

static bool
fail_at (const char *text, const char *at, const char *what, GError **error, const char *msg)
{
  unsigned line = 1, col = 1;
  for (const char *p = text; p < at; p++)
    {
      if (*p == '\n')
        {
          line++;
          col = 1;
        }
      else if (((unsigned char) *p & 0xC0) != 0x80)
        col++;
    }
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s%sline %u, column %u: %s", what ? what : "",
               what ? ": " : "", line, col, msg);
  return false;
}

static int
hex4 (const char *p, const char *end)
{
  if (end - p < 4)
    return -1;
  int v = 0;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

bool
ft_json_check (const char *text, gssize length, int max_depth, const char *what, GError **error)
{
  size_t len = length < 0 ? strlen (text) : (size_t) length;
  const char *end_valid = NULL;
  if (!g_utf8_validate_len (text, len, &end_valid))
    return fail_at (text, end_valid, what, error, "not valid UTF-8 text");
  const char *p = text, *end = text + len;
  int depth = 0;
  while (p < end)
    {
      char ch = *p;
      if (ch == '"')
        {
          p++;
          while (p < end && *p != '"')
            {
              if (*p != '\\')
                {
                  p++;
                  continue;
                }
              if (p + 1 < end && p[1] == 'u')
                {
                  int u = hex4 (p + 2, end);
                  /* json-glib takes "\udA" followed by a non-digit as a surrogate of its own making */
                  if (u < 0)
                    return fail_at (text, p, what, error, "a \\u escape needs four hexadecimal digits");
                  if (u >= 0xD800 && u <= 0xDBFF)
                    {
                      int lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? hex4 (p + 8, end) : -1;
                      if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail_at (text, p, what, error,
                                        "a \\u escape is half of a UTF-16 surrogate pair (not a character)");
                      p += 12;
                      continue;
                    }
                  if (u >= 0xDC00 && u <= 0xDFFF)
                    return fail_at (text, p, what, error,
                                    "a \\u escape is half of a UTF-16 surrogate pair (not a character)");
                  if (u == 0)
                    return fail_at (text, p, what, error, "a string contains \\u0000 (a NUL character)");
                  p += 2;
                  continue;
                }
              p += 2;
            }
          p++;
          continue;
        }
      if (ch == '{' || ch == '[')
        {
          if (++depth > max_depth)
            {
              char *msg = g_strdup_printf ("nested more than %d levels deep", max_depth);
              bool r = fail_at (text, p, what, error, msg);
              g_free (msg);
              return r;
            }
        }
      else if (ch == '}' || ch == ']')
        depth--;
      p++;
    }
  return true;
}
