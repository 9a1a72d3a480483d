/* ft-checkpoint-path.c — ModelCheckpoint's file-name templates: Python's str.format for {key} and
 * {key:spec} ({epoch:02d}, {val_loss:.4f} …), checked when the callback is configured and filled in at
 * each save. */
#include "train/ft-callbacks.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"

#include <math.h>
#include <string.h>

static bool format_value (GString *out, double v, bool is_int, const char *spec, GError **error);

/* Every {key:spec} of a file-name template formats (width and precision within the limits) — checked
 * when the callback is configured, not after the first epoch. */
bool
ft_checkpoint_template_check (const char *tmpl, GError **error)
{
  GString *scratch = g_string_new (NULL);
  bool ok = true;
  for (const char *p = strchr (tmpl, '{'); ok && p != NULL; p = strchr (p, '{'))
    {
      if (p[1] == '{')
        {
          p += 2;
          continue;
        }
      const char *end = strchr (p, '}');
      if (end == NULL)
        break; /* reported with the logs at format time */
      char *field = g_strndup (p + 1, (size_t) (end - p - 1));
      char *colon = strchr (field, ':');
      GError *local = NULL;
      if (colon != NULL
          && !format_value (scratch, 0.0,
                            strncmp (field, "epoch:", 6) == 0 || strncmp (field, "batch:", 6) == 0, colon + 1,
                            &local))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "ModelCheckpoint: filepath \"%s\": %s", tmpl,
                       local->message);
          g_error_free (local);
          ok = false;
        }
      g_free (field);
      g_string_truncate (scratch, 0);
      p = end + 1;
    }
  g_string_free (scratch, TRUE);
  return ok;
}

/* ---- file-name templates: Python's str.format for {key} and {key:spec} ---- */

static bool
format_value (GString *out, double v, bool is_int, const char *spec, GError **error)
{
  /* spec: [0][width][.precision][type], type one of d f e g % */
  char type = is_int ? 'd' : 'g';
  const char *p = spec;
  bool zero = false;
  int width = 0, prec = -1;
  if (*p == '0')
    {
      zero = true;
      p++;
    }
  while (g_ascii_isdigit (*p))
    {
      int digit = *p++ - '0';
      width = MIN (width * 10 + digit, FT_LIMIT_TEMPLATE_WIDTH + 1);
    }
  if (*p == '.')
    {
      p++;
      prec = 0;
      while (g_ascii_isdigit (*p))
        {
          int digit = *p++ - '0';
          prec = MIN (prec * 10 + digit, FT_LIMIT_TEMPLATE_PRECISION + 1);
        }
    }
  if (width > FT_LIMIT_TEMPLATE_WIDTH || prec > FT_LIMIT_TEMPLATE_PRECISION)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "format spec \"%s\": the width may be at most %d and the precision at most %d", spec,
                   FT_LIMIT_TEMPLATE_WIDTH, FT_LIMIT_TEMPLATE_PRECISION);
      return false;
    }
  if (*p && strchr ("dfeEgG%", *p))
    type = *p++;
  if (*p != '\0')
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "unsupported format spec \"%s\"", spec);
      return false;
    }
  if (spec[0] == '\0' && !is_int)
    {
      char buf[48];
      ft_format_python_float (v, buf, sizeof buf);
      g_string_append (out, buf);
      return true;
    }
  char fmt[32];
  switch (type)
    {
    case 'd':
      g_snprintf (fmt, sizeof fmt, "%%%s%dlld", zero ? "0" : "", width);
      g_string_append_printf (out, fmt, (long long) llround (v));
      break;
    case '%':
      g_snprintf (fmt, sizeof fmt, "%%%s%d.%df%%%%", zero ? "0" : "", width, prec < 0 ? 6 : prec);
      g_string_append_printf (out, fmt, v * 100.0);
      break;
    default:
      g_snprintf (fmt, sizeof fmt, "%%%s%d.%d%c", zero ? "0" : "", width, prec < 0 ? 6 : prec, type);
      if (type == 'g' && prec < 0)
        g_snprintf (fmt, sizeof fmt, "%%%s%dg", zero ? "0" : "", width);
      g_string_append_printf (out, fmt, v);
      break;
    }
  return true;
}

/* Appends one "{field}" or "{field:spec}" of the template (p at the '{', end at its '}') to s. */
static bool
format_field (GString *s, const char *tmpl, const char *p, const char *end, int epoch1, int batch1,
              const FtLogs *logs, GError **error)
{
  char field[128];
  g_strlcpy (field, p + 1, MIN (sizeof field, (size_t) (end - p)));
  char *colon = strchr (field, ':');
  const char *spec = "";
  if (colon)
    {
      *colon = '\0';
      spec = colon + 1;
    }
  double v;
  bool is_int = false, ok = true;
  if (strcmp (field, "epoch") == 0)
    {
      v = epoch1;
      is_int = true;
    }
  else if (strcmp (field, "batch") == 0 && batch1 > 0)
    {
      v = batch1;
      is_int = true;
    }
  else if (!ft_logs_get (logs, field, &v))
    {
      GString *keys = g_string_new ("epoch");
      if (batch1 > 0)
        g_string_append (keys, ", batch");
      for (int i = 0; i < logs->n; i++)
        g_string_append_printf (keys, ", %s", logs->items[i].key);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "file name template \"%s\" uses {%s}, which is not among the logs (%s)", tmpl, field,
                   keys->str);
      g_string_free (keys, TRUE);
      ok = false;
    }
  if (ok)
    {
      GError *local = NULL;
      ok = format_value (s, v, is_int, spec, &local);
      if (!ok)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "file name template \"%s\": %s", tmpl,
                       local->message);
          g_error_free (local);
        }
    }
  return ok;
}

bool
ft_format_checkpoint_path (const char *tmpl, int epoch1, int batch1, const FtLogs *logs, char *out,
                           size_t out_size, GError **error)
{
  GString *s = g_string_new (NULL);
  for (const char *p = tmpl; *p;)
    {
      if (p[0] == '{' && p[1] == '{')
        {
          g_string_append_c (s, '{');
          p += 2;
          continue;
        }
      if (p[0] == '}' && p[1] == '}')
        {
          g_string_append_c (s, '}');
          p += 2;
          continue;
        }
      if (*p != '{')
        {
          g_string_append_c (s, *p++);
          continue;
        }
      const char *end = strchr (p, '}');
      if (end == NULL)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "file name template \"%s\" has an unclosed '{'",
                       tmpl);
          g_string_free (s, TRUE);
          return false;
        }
      if (!format_field (s, tmpl, p, end, epoch1, batch1, logs, error))
        {
          g_string_free (s, TRUE);
          return false;
        }
      p = end + 1;
    }
  if (s->len >= out_size)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "file name from template \"%s\" is too long", tmpl);
      g_string_free (s, TRUE);
      return false;
    }
  g_strlcpy (out, s->str, out_size);
  g_string_free (s, TRUE);
  return true;
}
