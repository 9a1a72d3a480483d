/* ft-dataset-csv.c — the CSV loader: a header row, numeric feature columns and a label column (numbers
 * or class names), with every malformed line named in the error. */
#include "data/ft-dataset-private.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"

#include <math.h>
#include <string.h>

/* ---- CSV ---- */

/* Splits one line (without its end of line) into fields: unquoted fields lose surrounding blanks; a field
 * in double quotes keeps everything inside and "" stands for one quote. The fields are written,
 * NUL-terminated, into buf, and their offsets into starts. Returns an error message or NULL. */
static char *
csv_split (const char *line, size_t len, GString *buf, GArray *starts)
{
  g_string_truncate (buf, 0);
  g_array_set_size (starts, 0);
  size_t i = 0;
  for (;;)
    {
      while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
      size_t start = buf->len;
      g_array_append_val (starts, start);
      if (i < len && line[i] == '"')
        {
          i++;
          for (;;)
            {
              if (i >= len)
                return g_strdup ("a quoted field does not end");
              if (line[i] == '"')
                {
                  if (i + 1 < len && line[i + 1] == '"')
                    {
                      g_string_append_c (buf, '"');
                      i += 2;
                      continue;
                    }
                  i++;
                  break;
                }
              g_string_append_c (buf, line[i++]);
            }
          while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
          if (i < len && line[i] != ',')
            return g_strdup ("text after the closing quote of a field");
        }
      else
        {
          size_t end = i;
          while (end < len && line[end] != ',')
            end++;
          size_t stop = end;
          while (stop > i && (line[stop - 1] == ' ' || line[stop - 1] == '\t'))
            stop--;
          g_string_append_len (buf, line + i, (gssize) (stop - i));
          i = end;
        }
      g_string_append_c (buf, '\0');
      if (i >= len)
        return NULL;
      i++; /* the comma */
    }
}

static const char *
csv_field (const GString *buf, const GArray *starts, guint k)
{
  return buf->str + g_array_index (starts, size_t, k);
}

/* A whole field as a finite double (C locale). */
static bool
parse_number (const char *s, double *value)
{
  if (*s == '\0')
    return false;
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (v))
    return false;
  *value = v;
  return true;
}

static bool
line_is_blank (const char *line, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return false;
  return true;
}

FtDataset *
ft_dataset_load_csv (const char *path, const char *label_column, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (label_column != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  char *text = NULL;
  gsize text_len = 0;
  if (!ft_safe_file_read (path, FT_LIMIT_CSV_BYTES, "CSV file", &text, &text_len, error))
    return NULL;

  FtDataset *ds = NULL;
  GString *buf = g_string_new (NULL);
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (size_t));
  char **header = NULL;
  float *features = NULL, *labels = NULL;
  GHashTable *classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *class_strings = g_ptr_array_new ();                    /* owned by the hash table */
  GArray *class_lines = g_array_new (FALSE, FALSE, sizeof (guint)); /* where each label first appears */
  guint n_cols = 0, label_col = 0;
  uint32_t n = 0;
  char *msg = NULL;

  const char *end_valid = NULL;
  if (memchr (text, '\0', text_len) != NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: not a text file (it contains NUL bytes)", path);
      goto out;
    }
  if (!g_utf8_validate_len (text, text_len, &end_valid))
    {
      guint line_no = 1;
      for (const char *p = text; p < end_valid; p++)
        line_no += *p == '\n';
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: not UTF-8 text", path, line_no);
      goto out;
    }

  /* Lines, with an optional byte-order mark and CR before LF. */
  const char *p = text, *end = text + text_len;
  if (text_len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  /* Sized by the lines that hold data (not by every newline: blank lines take no room). */
  size_t max_rows = 0;
  for (const char *q = p; q < end;)
    {
      const char *qn = memchr (q, '\n', (size_t) (end - q));
      const char *qe = qn != NULL ? qn : end;
      max_rows += !line_is_blank (q, (size_t) (qe - q));
      q = qn != NULL ? qn + 1 : end;
    }
  max_rows += 1;

  guint line_no = 0;
  bool pending_blank = false; /* blank lines seen and not yet known to be trailing */
  guint first_blank = 0;
  while (p < end || line_no == 0)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      size_t len = (size_t) (line_end - p);
      if (len > 0 && p[len - 1] == '\r')
        len--;
      const char *line = p;
      p = nl != NULL ? nl + 1 : end;
      line_no++;

      if (line_no == 1)
        {
          if (line_is_blank (line, len))
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: line 1: empty, but a header line naming the columns is required", path);
              goto out;
            }
          if ((msg = csv_split (line, len, buf, starts)) != NULL)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line 1: %s", path, msg);
              goto out;
            }
          n_cols = starts->len;
          header = g_new0 (char *, n_cols + 1);
          for (guint c = 0; c < n_cols; c++)
            header[c] = g_strdup (csv_field (buf, starts, c));
          int found = -1;
          bool all_numeric = true;
          for (guint c = 0; c < n_cols; c++)
            {
              double v;
              all_numeric = all_numeric && parse_number (header[c], &v);
              if (strcmp (header[c], label_column) != 0)
                continue;
              if (found >= 0)
                {
                  g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                               "%s: line 1: the label column “%s” appears twice (columns %d and %u)", path,
                               label_column, found + 1, c + 1);
                  goto out;
                }
              found = (int) c;
            }
          if (found < 0)
            {
              GString *cols = g_string_new (NULL);
              for (guint c = 0; c < n_cols; c++)
                g_string_append_printf (cols, "%s“%s”", c > 0 ? ", " : "", header[c]);
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: no label column “%s”; the columns are %s%s", path, label_column, cols->str,
                           all_numeric ? " (the first line must be a header naming the columns)" : "");
              g_string_free (cols, TRUE);
              goto out;
            }
          if (n_cols < 2)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: line 1: no feature columns besides the label column “%s”", path,
                           label_column);
              goto out;
            }
          label_col = (guint) found;
          size_t n_floats = 0, n_bytes = 0;
          char need[32], budget[32];
          if (!ft_size_mul ((size_t) (n_cols - 1), max_rows, &n_floats)
              || !ft_size_mul (n_floats + max_rows, sizeof (float), &n_bytes)
              || n_bytes > ft_limit_memory_budget () || (features = g_try_new (float, n_floats)) == NULL
              || (labels = g_try_new (float, max_rows)) == NULL)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: %zu rows of %u columns need %s, more than the memory budget of %s", path,
                           max_rows - 1, n_cols, ft_format_bytes (n_bytes, need, sizeof need),
                           ft_format_bytes (ft_limit_memory_budget (), budget, sizeof budget));
              goto out;
            }
          continue;
        }

      if (line_is_blank (line, len))
        {
          if (!pending_blank)
            first_blank = line_no;
          pending_blank = true;
          continue;
        }
      if (pending_blank)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: line %u: empty line (only empty lines at the end are ignored)", path,
                       first_blank);
          goto out;
        }
      if ((msg = csv_split (line, len, buf, starts)) != NULL)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: %s", path, line_no, msg);
          goto out;
        }
      if (starts->len != n_cols)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: %u fields, but the header has %u",
                       path, line_no, starts->len, n_cols);
          goto out;
        }
      float *row = features + (size_t) n * (n_cols - 1);
      for (guint c = 0, k = 0; c < n_cols; c++)
        {
          const char *field = csv_field (buf, starts, c);
          if (c == label_col)
            {
              if (*field == '\0')
                {
                  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u, column “%s”: empty label",
                               path, line_no, header[c]);
                  goto out;
                }
              gpointer index;
              if (!g_hash_table_lookup_extended (classes, field, NULL, &index))
                {
                  char *key = g_strdup (field);
                  index = GUINT_TO_POINTER (class_strings->len);
                  g_hash_table_insert (classes, key, index);
                  g_ptr_array_add (class_strings, key);
                  g_array_append_val (class_lines, line_no);
                }
              labels[n] = (float) GPOINTER_TO_UINT (index);
              continue;
            }
          double v;
          if (!parse_number (field, &v) || !isfinite ((float) v))
            {
              const char *problem = "is not a finite number";
              if (*field == '\0')
                problem = "is not a number (empty field)";
              else if (parse_number (field, &v))
                problem = "is too large for a float";
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u, column “%s”: “%s” %s", path,
                           line_no, header[c], field, problem);
              goto out;
            }
          row[k++] = (float) v;
        }
      n++;
    }
  if (n == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: no data, only a header line", path);
      goto out;
    }
  if (class_strings->len > (1u << 24))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: column “%s”: too many distinct labels (%u)", path,
                   label_column, class_strings->len);
      goto out;
    }

  /* Labels that are all numbers name classes only when they are whole: a column of measurements (0.5,
   * 1.7) is a regression target or a feature, not classes. */
  guint k_classes = class_strings->len;
  bool numeric = true;
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v;
      numeric = parse_number (g_ptr_array_index (class_strings, k), &v);
    }
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v = 0;
      parse_number (g_ptr_array_index (class_strings, k), &v);
      if (v != floor (v))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: line %u, column “%s”: the label “%s” is not a whole number: labels name classes "
                       "(0, 1, 2 … or names such as “setosa”); FitTape classifies, it does not fit numbers",
                       path, g_array_index (class_lines, guint, k), label_column,
                       (const char *) g_ptr_array_index (class_strings, k));
          goto out;
        }
    }
  /* The Playground's own labels, −1 (orange) and +1 (blue), are classes 0 and 1 whatever comes first. */
  bool signs = false;
  if (numeric && k_classes == 2)
    {
      double a = 0, b = 0;
      parse_number (g_ptr_array_index (class_strings, 0), &a);
      parse_number (g_ptr_array_index (class_strings, 1), &b);
      signs = (a == -1 && b == 1) || (a == 1 && b == -1);
    }

  /* Integer labels that are exactly 0..K−1 are the class indices themselves. */
  uint32_t *as_index = g_new (uint32_t, k_classes);
  bool *seen = g_new0 (bool, k_classes);
  bool integral = true;
  for (guint k = 0; k < k_classes && integral; k++)
    {
      double v;
      integral = parse_number (g_ptr_array_index (class_strings, k), &v) && v >= 0 && v < k_classes
                 && v == floor (v) && !seen[(size_t) v];
      if (integral)
        {
          as_index[k] = (uint32_t) v;
          seen[(size_t) v] = true;
        }
    }
  g_free (seen);
  if (signs)
    {
      double a = 0;
      parse_number (g_ptr_array_index (class_strings, 0), &a);
      as_index[0] = a < 0 ? 0 : 1;
      as_index[1] = 1 - as_index[0];
    }

  const int shape[1] = { (int) (n_cols - 1) };
  char *base = g_path_get_basename (path);
  ds = ft_dataset_alloc (base, n, 1, shape);
  g_free (base);
  ds->features = g_renew (float, features, MAX ((size_t) n * (n_cols - 1), 1));
  ds->labels = g_renew (float, labels, n);
  features = labels = NULL;
  ds->n_classes = (int) k_classes;
  if (integral || signs)
    {
      for (uint32_t i = 0; i < n; i++)
        ds->labels[i] = (float) as_index[(size_t) ds->labels[i]];
      if (integral)
        ds->class_names = ft_dataset_numbered_class_names ((int) k_classes);
      else
        {
          ds->class_names = g_new0 (char *, 3);
          for (guint k = 0; k < 2; k++)
            ds->class_names[as_index[k]] = g_strdup (g_ptr_array_index (class_strings, k));
        }
    }
  else
    {
      ds->class_names = g_new0 (char *, k_classes + 1);
      for (guint k = 0; k < k_classes; k++)
        ds->class_names[k] = g_strdup (g_ptr_array_index (class_strings, k));
    }
  g_free (as_index);

out:
  g_free (msg);
  g_free (text);
  g_string_free (buf, TRUE);
  g_array_unref (starts);
  g_strfreev (header);
  g_free (features);
  g_free (labels);
  g_ptr_array_unref (class_strings);
  g_array_unref (class_lines);
  g_hash_table_unref (classes);
  return ds;
}
