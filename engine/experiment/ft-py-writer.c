/* ft-py-writer.c — writes Python source line by line for the code generator: counts the lines, records
 * each region's and each pitfall's lines in the code map as they are written, wraps comments and long
 * calls at 100 columns, and spells Python literals (strings, floats that read back exactly, tuples). */
#include "experiment/ft-py-writer.h"

#include "core/ft-format.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void
ft_py_span_add (FtCodeSpan *span, int first, int last)
{
  if (span->n_ranges > 0)
    {
      FtCodeRange *prev = &span->ranges[span->n_ranges - 1];
      if (first <= prev->last + 1)
        {
          prev->last = MAX (prev->last, last);
          return;
        }
      if (span->n_ranges == FT_CODE_MAX_RANGES)
        {
          prev->last = last;
          return;
        }
    }
  span->ranges[span->n_ranges].first = first;
  span->ranges[span->n_ranges].last = last;
  span->n_ranges++;
}

void
ft_py_add_range (FtCodeMap *map, FtCodeRegion r, int first, int last)
{
  if (first < 1 || last < first)
    return;
  ft_py_span_add (&map->regions[r], first, last);
}

static void
w_vline (FtPyWriter *w, const char *fmt, va_list ap)
{
  gsize start = w->s->len;
  if (fmt[0] != '\0')
    {
      for (int i = 0; i < w->indent; i++)
        g_string_append_c (w->s, ' ');
      g_string_append_vprintf (w->s, fmt, ap);
    }
  /* One line per call: a stray newline inside would break the map, so it becomes a space. */
  for (gsize i = start; i < w->s->len; i++)
    if (w->s->str[i] == '\n' || w->s->str[i] == '\r')
      w->s->str[i] = ' ';
  g_string_append_c (w->s, '\n');
  w->line++;
}

void
ft_py_line (FtPyWriter *w, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  w_vline (w, fmt, ap);
  va_end (ap);
}

/* A line that belongs to region r (a one-line range). */
void
ft_py_rline (FtPyWriter *w, FtCodeRegion r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  w_vline (w, fmt, ap);
  va_end (ap);
  ft_py_add_range (w->map, r, w->line, w->line);
}

/* A pitfall's buggy line, after a comment that says what is wrong with it (wrapped to fit 100 columns at
 * the current indentation); the comment and the line (split into arguments when too long) go in its span. */
void
ft_py_pitfall (FtPyWriter *w, FtPitfall p, const char *fmt, ...)
{
  int first = w->line + 1;
  char *text = g_strdup_printf ("PITFALL (%s): %s", ft_pitfall_label (p), ft_pitfall_explanation (p));
  char **words = g_strsplit (text, " ", -1);
  GString *line = g_string_new (NULL);
  long limit = 98 - w->indent;
  for (char **word = words; *word; word++)
    {
      if (line->len > 0
          && (long) g_utf8_strlen (line->str, -1) + 1 + (long) g_utf8_strlen (*word, -1) > limit)
        {
          ft_py_line (w, "# %s", line->str);
          g_string_assign (line, "  ");
        }
      if (line->len > 0 && line->str[line->len - 1] != ' ')
        g_string_append_c (line, ' ');
      g_string_append (line, *word);
    }
  if (line->len > 0)
    ft_py_line (w, "# %s", line->str);
  g_string_free (line, TRUE);
  g_strfreev (words);
  g_free (text);
  va_list ap;
  va_start (ap, fmt);
  char *code = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ft_py_code (w, code);
  g_free (code);
  ft_py_span_add (&w->map->pitfalls[p], first, w->line);
}

void
ft_py_blank (FtPyWriter *w)
{
  g_string_append_c (w->s, '\n');
  w->line++;
}

void
ft_py_begin (FtPyWriter *w, FtCodeRegion r)
{
  w->open[r] = w->line + 1;
}

void
ft_py_end (FtPyWriter *w, FtCodeRegion r)
{
  if (w->open[r] > 0)
    ft_py_add_range (w->map, r, w->open[r], w->line);
  w->open[r] = 0;
}

/* The one-line comment standing where a switched-off step's code would be. */
void
ft_py_omitted (FtPyWriter *w, FtCodeRegion r, const char *comment)
{
  ft_py_rline (w, r, "# (%s)", comment);
  w->map->regions[r].omitted = true;
}

const char *
ft_py_keep (FtPyWriter *w, char *s)
{
  g_ptr_array_add (w->pool, s);
  return s;
}

/* ------------------------------------------------------------------------------------------------ */
/* Python literals */

/* A double-quoted Python string literal (valid UTF-8, control characters escaped). */
const char *
ft_py_str (FtPyWriter *w, const char *s)
{
  char *valid = g_utf8_make_valid (s ? s : "", -1);
  GString *out = g_string_new ("\"");
  for (const char *p = valid; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
  g_free (valid);
  return ft_py_keep (w, g_string_free (out, FALSE));
}

/* Text for a comment: valid UTF-8, no control characters. */
char *
ft_py_comment_text (const char *s)
{
  char *t = g_utf8_make_valid (s ? s : "", -1);
  for (char *p = t; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return t;
}

/* Makes digits look like a Python float ("10" → "10.0"). */
static char *
as_float_literal (const char *digits)
{
  if (strpbrk (digits, ".eEn") != NULL)
    return g_strdup (digits);
  return g_strconcat (digits, ".0", NULL);
}

/* A Python float: the shortest decimal that reads back as the same value, as a float32 when as_float
 * (0.01f is "0.01", not 0.009999999776…); math.nan / math.inf / -math.inf when not finite. */
static const char *
py_number (FtPyWriter *w, double v, bool as_float)
{
  if (!isfinite (v))
    return isnan (v) ? "math.nan" : v > 0 ? "math.inf" : "-math.inf";
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, as_float);
  return ft_py_keep (w, as_float_literal (buf));
}

const char *
ft_py_float (FtPyWriter *w, float v)
{
  return py_number (w, v, true);
}

const char *
ft_py_double (FtPyWriter *w, double v)
{
  return py_number (w, v, false);
}

const char *
ft_py_bool (bool v)
{
  return v ? "True" : "False";
}

/* (28, 28, 1) or (2,) */
const char *
ft_py_tuple (FtPyWriter *w, int n, const int *v)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", v[i]);
  g_string_append (s, n == 1 ? ",)" : ")");
  return ft_py_keep (w, g_string_free (s, FALSE));
}

/* A name usable in Python identifiers: "val accuracy%" → "val_accuracy_". */
const char *
ft_py_ident (FtPyWriter *w, const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) ? g_ascii_tolower (*p) : '_');
  return ft_py_keep (w, g_string_free (out, FALSE));
}

/* Writes text as "# …" comment lines wrapped at about 100 columns. */
void
ft_py_comment_wrapped (FtPyWriter *w, const char *text)
{
  char *clean = ft_py_comment_text (text);
  char **words = g_strsplit (clean, " ", -1);
  GString *line = g_string_new (NULL);
  long width = 0;
  for (char **word = words; *word; word++)
    {
      if (**word == '\0')
        continue;
      long len = g_utf8_strlen (*word, -1);
      if (line->len > 0 && width + 1 + len > 98)
        {
          ft_py_line (w, "# %s", line->str);
          g_string_truncate (line, 0);
          width = 0;
        }
      if (line->len > 0)
        {
          g_string_append_c (line, ' ');
          width++;
        }
      g_string_append (line, *word);
      width += len;
    }
  if (line->len > 0)
    ft_py_line (w, "# %s", line->str);
  g_string_free (line, TRUE);
  g_strfreev (words);
  g_free (clean);
}

/* Writes one line of code; a call too long for 100 columns gets one argument per line:
 *     optimizer = keras.optimizers.RMSprop(
 *         learning_rate=0.001,
 *         …
 *     )
 * The text may start with spaces (they count as indentation) and end after the call (",", ")"). */
void
ft_py_code (FtPyWriter *w, const char *text)
{
  size_t len = strlen (text);
  const char *open = strchr (text, '(');
  if (w->indent + (long) g_utf8_strlen (text, -1) <= 100 || open == NULL)
    {
      ft_py_line (w, "%s", text);
      return;
    }
  /* The matching parenthesis and the top-level commas between, outside strings. */
  int depth = 0;
  char quote = 0;
  const char *close = NULL;
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *arg_start = open + 1;
  for (const char *p = open; p < text + len && close == NULL; p++)
    {
      if (quote)
        {
          if (*p == '\\' && p[1])
            p++;
          else if (*p == quote)
            quote = 0;
          continue;
        }
      if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '(' || *p == '[' || *p == '{')
        depth++;
      else if (*p == ')' || *p == ']' || *p == '}')
        {
          if (--depth == 0)
            close = p;
        }
      else if (*p == ',' && depth == 1)
        {
          g_ptr_array_add (args, g_strstrip (g_strndup (arg_start, (gsize) (p - arg_start))));
          arg_start = p + 1;
        }
    }
  if (close == NULL)
    {
      g_ptr_array_unref (args);
      ft_py_line (w, "%s", text);
      return;
    }
  char *last = g_strstrip (g_strndup (arg_start, (gsize) (close - arg_start)));
  if (last[0] != '\0')
    g_ptr_array_add (args, last);
  else
    g_free (last);
  int lead = 0;
  while (text[lead] == ' ')
    lead++;
  ft_py_line (w, "%.*s", (int) (open + 1 - text), text);
  for (guint i = 0; i < args->len; i++)
    ft_py_line (w, "%*s%s,", lead + 4, "", (const char *) args->pdata[i]);
  ft_py_line (w, "%*s%s", lead, "", close);
  g_ptr_array_unref (args);
}
