/* ft-logs.c — logs and History (see ft-logs.h). */
#include "train/ft-logs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ft_logs_clear (FtLogs *logs)
{
  /* Whole struct zeroed, so two logs with equal contents compare equal byte for byte. */
  memset (logs, 0, sizeof *logs);
}

void
ft_logs_set (FtLogs *logs, const char *key, double value)
{
  for (int i = 0; i < logs->n; i++)
    if (strcmp (logs->items[i].key, key) == 0)
      {
        logs->items[i].value = value;
        return;
      }
  g_return_if_fail (logs->n < FT_LOGS_MAX);
  strncpy (logs->items[logs->n].key, key, FT_LOG_KEY_MAX - 1); /* zero-padded */
  logs->items[logs->n].key[FT_LOG_KEY_MAX - 1] = '\0';
  logs->items[logs->n].value = value;
  logs->n++;
}

bool
ft_logs_get (const FtLogs *logs, const char *key, double *value)
{
  for (int i = 0; i < logs->n; i++)
    if (strcmp (logs->items[i].key, key) == 0)
      {
        if (value)
          *value = logs->items[i].value;
        return true;
      }
  return false;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
ft_logs_sorted_keys (const FtLogs *logs, const char **keys, int *n)
{
  for (int i = 0; i < logs->n; i++)
    keys[i] = logs->items[i].key;
  *n = logs->n;
  qsort (keys, (size_t) logs->n, sizeof (char *), cmp_str);
}

void
ft_logs_format (const FtLogs *logs, GString *out)
{
  for (int i = 0; i < logs->n; i++)
    {
      double v = logs->items[i].value;
      /* keras/src/utils/progbar.py: f"{avg:.4f}" if abs(avg) > 1e-3 else f"{avg:.4e}" */
      g_string_append_printf (out, fabs (v) > 1e-3 ? "%s%s: %.4f" : "%s%s: %.4e", i ? " - " : "",
                              logs->items[i].key, v);
    }
}

void
ft_format_python_float (double v, char *buf, size_t size)
{
  if (isnan (v))
    {
      g_strlcpy (buf, "nan", size);
      return;
    }
  if (isinf (v))
    {
      g_strlcpy (buf, v > 0 ? "inf" : "-inf", size);
      return;
    }
  /* The shortest digits that read back as v, then Python's layout: fixed notation for exponents in
   * [-4, 16) with at least one decimal, scientific otherwise ("1e+16", "1.5e-05"). */
  char sci[40];
  int prec = 0;
  for (; prec < 17; prec++)
    {
      g_snprintf (sci, sizeof sci, "%.*e", prec, v);
      if (g_ascii_strtod (sci, NULL) == v)
        break;
    }
  char *e = strchr (sci, 'e');
  int exp10 = atoi (e + 1);
  if (exp10 >= -4 && exp10 < 16)
    {
      int decimals = prec - exp10;
      if (decimals < 1)
        decimals = 1;
      g_snprintf (buf, size, "%.*f", decimals, v);
    }
  else
    {
      /* mantissa without trailing zeros, exponent with sign and at least two digits */
      char mant[32];
      g_strlcpy (mant, sci, MIN (sizeof mant, (size_t) (e - sci) + 1));
      g_snprintf (buf, size, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', abs (exp10));
    }
}

struct FtHistory
{
  GArray *epochs; /* int */
  GArray *logs;   /* FtLogs */
};

FtHistory *
ft_history_new (void)
{
  FtHistory *h = g_new0 (FtHistory, 1);
  h->epochs = g_array_new (FALSE, FALSE, sizeof (int));
  h->logs = g_array_new (FALSE, FALSE, sizeof (FtLogs));
  return h;
}

void
ft_history_free (FtHistory *h)
{
  if (h == NULL)
    return;
  g_array_unref (h->epochs);
  g_array_unref (h->logs);
  g_free (h);
}

void
ft_history_clear (FtHistory *h)
{
  g_array_set_size (h->epochs, 0);
  g_array_set_size (h->logs, 0);
}

void
ft_history_append (FtHistory *h, int epoch, const FtLogs *logs)
{
  g_array_append_val (h->epochs, epoch);
  g_array_append_vals (h->logs, logs, 1);
}

int
ft_history_n_epochs (const FtHistory *h)
{
  return (int) h->epochs->len;
}

int
ft_history_epoch (const FtHistory *h, int i)
{
  return g_array_index (h->epochs, int, i);
}

const FtLogs *
ft_history_logs (const FtHistory *h, int i)
{
  return &g_array_index (h->logs, FtLogs, i);
}

int
ft_history_values (const FtHistory *h, const char *key, double *out, int max)
{
  int n = 0;
  for (guint i = 0; i < h->logs->len && n < max; i++)
    {
      double v;
      out[n++] = ft_logs_get (ft_history_logs (h, (int) i), key, &v) ? v : NAN;
    }
  return n;
}

GPtrArray *
ft_history_keys (const FtHistory *h)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < h->logs->len; i++)
    {
      const FtLogs *l = ft_history_logs (h, (int) i);
      for (int k = 0; k < l->n; k++)
        {
          bool seen = false;
          for (guint j = 0; j < keys->len && !seen; j++)
            seen = strcmp (keys->pdata[j], l->items[k].key) == 0;
          if (!seen)
            g_ptr_array_add (keys, g_strdup (l->items[k].key));
        }
    }
  g_ptr_array_sort (keys, (GCompareFunc) cmp_str);
  return keys;
}

static void
append_number (GString *s, double v)
{
  char buf[48];
  ft_format_python_float (v, buf, sizeof buf);
  g_string_append (s, buf);
}

char *
ft_history_to_csv (const FtHistory *h, char separator)
{
  GString *s = g_string_new ("epoch");
  GPtrArray *keys = ft_history_keys (h);
  for (guint k = 0; k < keys->len; k++)
    g_string_append_printf (s, "%c%s", separator, (char *) keys->pdata[k]);
  g_string_append_c (s, '\n');
  for (guint i = 0; i < h->logs->len; i++)
    {
      g_string_append_printf (s, "%d", ft_history_epoch (h, (int) i));
      for (guint k = 0; k < keys->len; k++)
        {
          double v;
          g_string_append_c (s, separator);
          if (ft_logs_get (ft_history_logs (h, (int) i), keys->pdata[k], &v))
            append_number (s, v);
          else
            g_string_append (s, "NA");
        }
      g_string_append_c (s, '\n');
    }
  g_ptr_array_unref (keys);
  return g_string_free (s, FALSE);
}

static void
append_json_number (GString *s, double v)
{
  if (isfinite (v))
    append_number (s, v);
  else
    g_string_append (s, "null"); /* JSON has no NaN */
}

char *
ft_history_to_json (const FtHistory *h)
{
  GString *s = g_string_new ("{\"epoch\": [");
  for (guint i = 0; i < h->epochs->len; i++)
    g_string_append_printf (s, i ? ", %d" : "%d", ft_history_epoch (h, (int) i));
  g_string_append (s, "], \"history\": {");
  GPtrArray *keys = ft_history_keys (h);
  for (guint k = 0; k < keys->len; k++)
    {
      g_string_append_printf (s, "%s\"%s\": [", k ? ", " : "", (char *) keys->pdata[k]);
      for (guint i = 0; i < h->logs->len; i++)
        {
          double v;
          if (i)
            g_string_append (s, ", ");
          if (ft_logs_get (ft_history_logs (h, (int) i), keys->pdata[k], &v))
            append_json_number (s, v);
          else
            g_string_append (s, "null");
        }
      g_string_append_c (s, ']');
    }
  g_ptr_array_unref (keys);
  g_string_append (s, "}}\n");
  return g_string_free (s, FALSE);
}

char *
ft_history_to_json_with (const FtHistory *h, const char *key, const char *json_value)
{
  char *plain = ft_history_to_json (h);
  if (key == NULL || json_value == NULL)
    return plain;
  /* The plain form ends in "}}\n": the extra member goes before the last brace. */
  GString *s = g_string_new (plain);
  g_free (plain);
  g_string_truncate (s, s->len - 2);
  g_string_append_printf (s, ", \"%s\": %s}\n", key, json_value);
  return g_string_free (s, FALSE);
}
