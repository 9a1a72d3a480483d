/* ft-dataset-csv.c — the CSV loader: a header row, numeric feature columns and a label column (numbers
 * or class names), with every malformed line named in the error. */
#include "data/ft-dataset-private.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"

#include <math.h>
#include <stdarg.h>
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

/* The loader's state: the file's columns, the rows read so far, and the labels seen. */
typedef struct
{
  const char *path;
  const char *label_column;
  GError **error;
  GString *buf;   /* the current line's fields (csv_split) */
  GArray *starts; /* their offsets */
  char **header;
  guint n_cols, label_col;
  float *features, *labels; /* room for max_rows rows */
  uint32_t n;               /* rows read */
  GHashTable *classes;      /* label text → class in order of appearance */
  GPtrArray *class_strings; /* owned by classes */
  GArray *class_lines;      /* where each label first appears */
} CsvReader;

static bool G_GNUC_PRINTF (2, 3) csv_fail (CsvReader *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  ft_error_set_at_valist (r->error, r->path, fmt, ap);
  va_end (ap);
  return false;
}

/* Splits a line into r's fields; false (with the error) when it is malformed. */
static bool
csv_split_line (CsvReader *r, const char *line, size_t len, guint line_no)
{
  char *msg = csv_split (line, len, r->buf, r->starts);
  if (msg == NULL)
    return true;
  csv_fail (r, "line %u: %s", line_no, msg);
  g_free (msg);
  return false;
}

/* Text only: no NUL bytes, valid UTF-8 (the error names the line). */
static bool
csv_check_text (CsvReader *r, const char *text, size_t text_len)
{
  const char *end_valid = NULL;
  if (memchr (text, '\0', text_len) != NULL)
    return csv_fail (r, "not a text file (it contains NUL bytes)");
  if (!g_utf8_validate_len (text, text_len, &end_valid))
    {
      guint line_no = 1;
      for (const char *p = text; p < end_valid; p++)
        line_no += *p == '\n';
      return csv_fail (r, "line %u: not UTF-8 text", line_no);
    }
  return true;
}

/* The rows to make room for: the lines that hold data (blank lines take no room), plus one. */
static size_t
csv_max_rows (const char *p, const char *end)
{
  size_t max_rows = 0;
  for (const char *q = p; q < end;)
    {
      const char *qn = memchr (q, '\n', (size_t) (end - q));
      const char *qe = qn != NULL ? qn : end;
      max_rows += !line_is_blank (q, (size_t) (qe - q));
      q = qn != NULL ? qn + 1 : end;
    }
  return max_rows + 1;
}

/* The header line: the columns' names, the label column among them (once), and room for the rows. */
static bool
csv_read_header (CsvReader *r, const char *line, size_t len, size_t max_rows)
{
  if (line_is_blank (line, len))
    return csv_fail (r, "line 1: empty, but a header line naming the columns is required");
  if (!csv_split_line (r, line, len, 1))
    return false;
  guint n_cols = r->n_cols = r->starts->len;
  r->header = g_new0 (char *, n_cols + 1);
  for (guint c = 0; c < n_cols; c++)
    r->header[c] = g_strdup (csv_field (r->buf, r->starts, c));
  int found = -1;
  bool all_numeric = true;
  for (guint c = 0; c < n_cols; c++)
    {
      double v;
      all_numeric = all_numeric && parse_number (r->header[c], &v);
      if (strcmp (r->header[c], r->label_column) != 0)
        continue;
      if (found >= 0)
        return csv_fail (r, "line 1: the label column “%s” appears twice (columns %d and %u)",
                         r->label_column, found + 1, c + 1);
      found = (int) c;
    }
  if (found < 0)
    {
      GString *cols = g_string_new (NULL);
      for (guint c = 0; c < n_cols; c++)
        g_string_append_printf (cols, "%s“%s”", c > 0 ? ", " : "", r->header[c]);
      csv_fail (r, "no label column “%s”; the columns are %s%s", r->label_column, cols->str,
                all_numeric ? " (the first line must be a header naming the columns)" : "");
      g_string_free (cols, TRUE);
      return false;
    }
  if (n_cols < 2)
    return csv_fail (r, "line 1: no feature columns besides the label column “%s”", r->label_column);
  r->label_col = (guint) found;
  size_t n_floats = 0, n_bytes = 0;
  char need[32], budget[32];
  if (!ft_size_mul ((size_t) (n_cols - 1), max_rows, &n_floats)
      || !ft_size_mul (n_floats + max_rows, sizeof (float), &n_bytes) || n_bytes > ft_limit_memory_budget ()
      || (r->features = g_try_new (float, n_floats)) == NULL
      || (r->labels = g_try_new (float, max_rows)) == NULL)
    return csv_fail (r, "%zu rows of %u columns need %s, more than the memory budget of %s", max_rows - 1,
                     n_cols, ft_format_bytes (n_bytes, need, sizeof need),
                     ft_format_bytes (ft_limit_memory_budget (), budget, sizeof budget));
  return true;
}

/* The class of a label text, a new one when it is the first time it appears. */
static float
csv_class_of (CsvReader *r, const char *field, guint line_no)
{
  gpointer index;
  if (!g_hash_table_lookup_extended (r->classes, field, NULL, &index))
    {
      char *key = g_strdup (field);
      index = GUINT_TO_POINTER (r->class_strings->len);
      g_hash_table_insert (r->classes, key, index);
      g_ptr_array_add (r->class_strings, key);
      g_array_append_val (r->class_lines, line_no);
    }
  return (float) GPOINTER_TO_UINT (index);
}

/* One data line: as many fields as the header, finite numbers, a label that is not empty. */
static bool
csv_read_row (CsvReader *r, const char *line, size_t len, guint line_no)
{
  if (!csv_split_line (r, line, len, line_no))
    return false;
  if (r->starts->len != r->n_cols)
    return csv_fail (r, "line %u: %u fields, but the header has %u", line_no, r->starts->len, r->n_cols);
  float *row = r->features + (size_t) r->n * (r->n_cols - 1);
  for (guint c = 0, k = 0; c < r->n_cols; c++)
    {
      const char *field = csv_field (r->buf, r->starts, c);
      if (c == r->label_col)
        {
          if (*field == '\0')
            return csv_fail (r, "line %u, column “%s”: empty label", line_no, r->header[c]);
          r->labels[r->n] = csv_class_of (r, field, line_no);
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
          return csv_fail (r, "line %u, column “%s”: “%s” %s", line_no, r->header[c], field, problem);
        }
      row[k++] = (float) v;
    }
  r->n++;
  return true;
}

/* Every line of the text: the header, then the rows; blank lines only at the end. */
static bool
csv_read_lines (CsvReader *r, const char *text, size_t text_len)
{
  /* Lines, with an optional byte-order mark and CR before LF. */
  const char *p = text, *end = text + text_len;
  if (text_len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  size_t max_rows = csv_max_rows (p, end);
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
          if (!csv_read_header (r, line, len, max_rows))
            return false;
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
        return csv_fail (r, "line %u: empty line (only empty lines at the end are ignored)", first_blank);
      if (!csv_read_row (r, line, len, line_no))
        return false;
    }
  if (r->n == 0)
    return csv_fail (r, "no data, only a header line");
  if (r->class_strings->len > (1u << 24))
    return csv_fail (r, "column “%s”: too many distinct labels (%u)", r->label_column, r->class_strings->len);
  return true;
}

/* How the label texts become classes: as_index[k] is label k's class when the labels are the numbers
 * 0..K−1 (integral) or the Playground's −1 and +1 (signs); otherwise classes follow the order of
 * appearance. False when numeric labels are not whole (a regression target, not classes). */
static bool
csv_class_indices (CsvReader *r, uint32_t *as_index, bool *integral, bool *signs)
{
  guint k_classes = r->class_strings->len;
  bool numeric = true;
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v;
      numeric = parse_number (g_ptr_array_index (r->class_strings, k), &v);
    }
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v = 0;
      parse_number (g_ptr_array_index (r->class_strings, k), &v);
      if (v != floor (v))
        return csv_fail (r,
                         "line %u, column “%s”: the label “%s” is not a whole number: labels name classes "
                         "(0, 1, 2 … or names such as “setosa”); FitTape classifies, it does not fit numbers",
                         g_array_index (r->class_lines, guint, k), r->label_column,
                         (const char *) g_ptr_array_index (r->class_strings, k));
    }
  /* The Playground's own labels, −1 (orange) and +1 (blue), are classes 0 and 1 whatever comes first. */
  *signs = false;
  if (numeric && k_classes == 2)
    {
      double a = 0, b = 0;
      parse_number (g_ptr_array_index (r->class_strings, 0), &a);
      parse_number (g_ptr_array_index (r->class_strings, 1), &b);
      *signs = (a == -1 && b == 1) || (a == 1 && b == -1);
    }
  /* Integer labels that are exactly 0..K−1 are the class indices themselves. */
  bool *seen = g_new0 (bool, k_classes);
  *integral = true;
  for (guint k = 0; k < k_classes && *integral; k++)
    {
      double v;
      *integral = parse_number (g_ptr_array_index (r->class_strings, k), &v) && v >= 0 && v < k_classes
                  && v == floor (v) && !seen[(size_t) v];
      if (*integral)
        {
          as_index[k] = (uint32_t) v;
          seen[(size_t) v] = true;
        }
    }
  g_free (seen);
  if (*signs)
    {
      double a = 0;
      parse_number (g_ptr_array_index (r->class_strings, 0), &a);
      as_index[0] = a < 0 ? 0 : 1;
      as_index[1] = 1 - as_index[0];
    }
  return true;
}

/* The dataset of what r read (its features and labels move into it), with its classes' names. */
static FtDataset *
csv_make_dataset (CsvReader *r, const uint32_t *as_index, bool integral, bool signs)
{
  guint k_classes = r->class_strings->len;
  const int shape[1] = { (int) (r->n_cols - 1) };
  char *base = g_path_get_basename (r->path);
  FtDataset *ds = ft_dataset_alloc (base, r->n, 1, shape);
  g_free (base);
  ds->features = g_renew (float, r->features, MAX ((size_t) r->n * (r->n_cols - 1), 1));
  ds->labels = g_renew (float, r->labels, r->n);
  r->features = r->labels = NULL;
  ds->n_classes = (int) k_classes;
  if (integral || signs)
    {
      for (uint32_t i = 0; i < r->n; i++)
        ds->labels[i] = (float) as_index[(size_t) ds->labels[i]];
      if (integral)
        ds->class_names = ft_dataset_numbered_class_names ((int) k_classes);
      else
        {
          ds->class_names = g_new0 (char *, 3);
          for (guint k = 0; k < 2; k++)
            ds->class_names[as_index[k]] = g_strdup (g_ptr_array_index (r->class_strings, k));
        }
    }
  else
    {
      ds->class_names = g_new0 (char *, k_classes + 1);
      for (guint k = 0; k < k_classes; k++)
        ds->class_names[k] = g_strdup (g_ptr_array_index (r->class_strings, k));
    }
  return ds;
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
  CsvReader r = {
    .path = path,
    .label_column = label_column,
    .error = error,
    .buf = g_string_new (NULL),
    .starts = g_array_new (FALSE, FALSE, sizeof (size_t)),
    .classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .class_strings = g_ptr_array_new (),
    .class_lines = g_array_new (FALSE, FALSE, sizeof (guint)),
  };
  FtDataset *ds = NULL;
  if (csv_check_text (&r, text, text_len) && csv_read_lines (&r, text, text_len))
    {
      uint32_t *as_index = g_new (uint32_t, r.class_strings->len);
      bool integral = false, signs = false;
      if (csv_class_indices (&r, as_index, &integral, &signs))
        ds = csv_make_dataset (&r, as_index, integral, signs);
      g_free (as_index);
    }
  g_free (text);
  g_string_free (r.buf, TRUE);
  g_array_unref (r.starts);
  g_strfreev (r.header);
  g_free (r.features);
  g_free (r.labels);
  g_ptr_array_unref (r.class_strings);
  g_array_unref (r.class_lines);
  g_hash_table_unref (r.classes);
  return ds;
}
