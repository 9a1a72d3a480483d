/* ft-json-parser.c — reading an experiment's JSON values (ft-json-parser.h): every error is "<JSON path>:
 * <what was expected>, got <what was there>"; typed getters with ranges, key checks that suggest the key
 * meant, and a kind's parameters read from its table (core/ft-param.h). */
#include "experiment/ft-json-parser.h"
#include "experiment/ft-experiment-private.h"

#include "core/ft-error.h"
#include "core/ft-format.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

bool
ft_json_fail (FtJsonParser *P, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (P->error, FT_ERROR, FT_ERROR_INVALID, "%s: %s", path, msg);
  g_free (msg);
  return false;
}

/* The value as the message shows it: "ten", 12.5, true, null, an object, an array. */
char *
ft_json_describe (JsonNode *n)
{
  switch (JSON_NODE_TYPE (n))
    {
    case JSON_NODE_OBJECT:
      return g_strdup ("an object");
    case JSON_NODE_ARRAY:
      return g_strdup ("an array");
    case JSON_NODE_NULL:
      return g_strdup ("null");
    case JSON_NODE_VALUE:
    default:
      break;
    }
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (n);
      GString *s = g_string_new (NULL);
      if (g_utf8_strlen (str, -1) > 40)
        {
          char *cut = g_utf8_substring (str, 0, 40);
          ft_json_append_string (s, cut);
          g_string_insert (s, s->len - 1, "…");
          g_free (cut);
        }
      else
        ft_json_append_string (s, str);
      return g_string_free (s, FALSE);
    }
  if (t == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  if (t == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      ft_format_shortest (buf, sizeof buf, json_node_get_double (n), false);
      return g_strdup (buf);
    }
  if (t == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (n) ? "true" : "false");
  return g_strdup ("a value");
}

bool
ft_json_fail_got (FtJsonParser *P, const char *path, JsonNode *n, const char *expected_fmt, ...)
{
  va_list ap;
  va_start (ap, expected_fmt);
  char *expected = g_strdup_vprintf (expected_fmt, ap);
  va_end (ap);
  char *got = ft_json_describe (n);
  ft_json_fail (P, path, "expected %s, got %s", expected, got);
  g_free (got);
  g_free (expected);
  return false;
}

static void
sub_key (char *out, const char *path, const char *key)
{
  g_snprintf (out, FT_JSON_PATH_MAX, "%s.%s", path, key);
}

void
ft_json_sub_index (char *out, const char *path, guint i)
{
  g_snprintf (out, FT_JSON_PATH_MAX, "%s[%u]", path, i);
}

static bool
is_number (JsonNode *n)
{
  if (!JSON_NODE_HOLDS_VALUE (n))
    return false;
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

bool
ft_json_is_string (JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

/* An integer in [lo, hi]; integral floating-point values (1e3, 10.0) count as integers. */
bool
ft_json_get_int (FtJsonParser *P, JsonNode *n, const char *path, int64_t lo, int64_t hi, int64_t *out)
{
  *out = 0;
  const char *kind = lo >= 1 ? "a positive integer" : lo == 0 ? "a non-negative integer" : "an integer";
  if (!is_number (n))
    return ft_json_fail_got (P, path, n, "%s", kind);
  int64_t v;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    v = json_node_get_int (n);
  else
    {
      double d = json_node_get_double (n);
      if (!(isfinite (d) && d == floor (d) && fabs (d) < 9e18))
        return ft_json_fail_got (P, path, n, "%s", kind);
      v = (int64_t) d;
    }
  if (v < lo)
    return ft_json_fail_got (P, path, n, "%s", kind);
  if (v > hi)
    return ft_json_fail_got (P, path, n, "an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, lo, hi);
  *out = v;
  return true;
}

bool
ft_json_get_int32 (FtJsonParser *P, JsonNode *n, const char *path, int lo, int hi, int *out)
{
  int64_t v;
  if (!ft_json_get_int (P, n, path, lo, hi, &v))
    return false;
  *out = (int) v;
  return true;
}

bool
ft_json_get_number (FtJsonParser *P, JsonNode *n, const char *path, FtRange range, double *out)
{
  *out = 0.0;
  if (!is_number (n))
    return ft_json_fail_got (P, path, n, "%s", ft_range_text (range));
  double v = json_node_get_double (n);
  if (!ft_range_contains (range, v))
    return ft_json_fail_got (P, path, n, "%s", ft_range_text (range));
  *out = v;
  return true;
}

bool
ft_json_get_float (FtJsonParser *P, JsonNode *n, const char *path, FtRange range, float *out)
{
  double d;
  if (!ft_json_get_number (P, n, path, range, &d))
    return false;
  if (!isfinite ((float) d))
    return ft_json_fail_got (P, path, n, "a number within float range");
  *out = (float) d;
  return true;
}

bool
ft_json_get_bool (FtJsonParser *P, JsonNode *n, const char *path, bool *out)
{
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return ft_json_fail_got (P, path, n, "true or false");
  *out = json_node_get_boolean (n);
  return true;
}

bool
ft_json_get_string (FtJsonParser *P, JsonNode *n, const char *path, const char **out)
{
  *out = NULL;
  if (!ft_json_is_string (n))
    return ft_json_fail_got (P, path, n, "a string");
  *out = json_node_get_string (n);
  return true;
}

bool
ft_json_get_string_buf (FtJsonParser *P, JsonNode *n, const char *path, bool nonempty, char *buf, size_t size)
{
  const char *s;
  if (!ft_json_get_string (P, n, path, &s))
    return false;
  if (nonempty && *s == '\0')
    return ft_json_fail (P, path, "expected a non-empty string");
  if (strlen (s) >= size)
    return ft_json_fail (P, path, "expected a string of at most %zu bytes, got %zu", size - 1, strlen (s));
  g_strlcpy (buf, s, size);
  return true;
}

char *
ft_json_join_names (const char *const *names, int n)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", names[i]);
  return g_string_free (s, FALSE);
}

/* One of names (exact match); the message lists them. */
bool
ft_json_get_enum (FtJsonParser *P, JsonNode *n, const char *path, const char *what, const char *const *names,
                  int n_names, int *out)
{
  char *list = ft_json_join_names (names, n_names);
  const char *s;
  bool ok = false;
  if (!ft_json_is_string (n))
    ft_json_fail_got (P, path, n, "a string (%s)", list);
  else
    {
      s = json_node_get_string (n);
      for (int i = 0; i < n_names && !ok; i++)
        if (strcmp (s, names[i]) == 0)
          {
            *out = i;
            ok = true;
          }
      if (!ok)
        {
          char *got = ft_json_describe (n);
          ft_json_fail (P, path, "unknown %s %s (expected %s)", what, got, list);
          g_free (got);
        }
    }
  g_free (list);
  return ok;
}

bool
ft_json_get_object (FtJsonParser *P, JsonNode *n, const char *path, JsonObject **out)
{
  *out = NULL;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return ft_json_fail_got (P, path, n, "an object");
  *out = json_node_get_object (n);
  return true;
}

bool
ft_json_get_array (FtJsonParser *P, JsonNode *n, const char *path, JsonArray **out)
{
  *out = NULL;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return ft_json_fail_got (P, path, n, "an array");
  *out = json_node_get_array (n);
  return true;
}

/* Levenshtein distance, case-insensitive (keys are short). */
static int
edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return 99;
  int row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = (int) j;
  for (size_t i = 1; i <= la; i++)
    {
      int diag = row[0];
      row[0] = (int) i;
      for (size_t j = 1; j <= lb; j++)
        {
          int up = row[j];
          int cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          int best = MIN (row[j] + 1, row[j - 1] + 1);
          row[j] = MIN (best, diag + cost);
          diag = up;
        }
    }
  return row[lb];
}

static int
strv_len (const char *const *v)
{
  int n = 0;
  while (v != NULL && v[n] != NULL)
    n++;
  return n;
}

static bool
strv_has (const char *const *v, const char *s)
{
  for (int i = 0; v != NULL && v[i] != NULL; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

/* Names people carry over from other APIs or older Keras. */
static const char *
alias_of (const char *key)
{
  static const char *const aliases[][2] = {
    { "lr", "learning_rate" },
    { "beta1", "beta_1" },
    { "beta2", "beta_2" },
    { "kernel", "kernel_size" },
    { "dropout", "rate" },
    { "epoch", "epochs" },
    { "nb_epoch", "epochs" },
    { "input_dim", "input_shape" },
    { "filename", "filepath" },
    { "filepath", "filename" },
    { "val_split", "validation_split" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (strcmp (key, aliases[i][0]) == 0)
      return aliases[i][1];
  return NULL;
}

static const char *
suggest (const char *key, const char *const *allowed)
{
  const char *alias = alias_of (key);
  if (alias != NULL && strv_has (allowed, alias))
    return alias;
  const char *best = NULL;
  int best_d = 99;
  int limit = strlen (key) <= 3 ? 1 : strlen (key) <= 6 ? 2 : 3;
  for (int i = 0; allowed[i] != NULL; i++)
    {
      int d = edit_distance (key, allowed[i]);
      if (d < best_d)
        {
          best_d = d;
          best = allowed[i];
        }
    }
  return best_d <= limit ? best : NULL;
}

/* Every member of obj must be in allowed. A key in known (valid for another kind in the same place)
 * gets "<owner> takes no ..."; any other gets "unknown key" with a suggestion. Also reports a duplicate
 * key found while parsing this object. */
bool
ft_json_check_keys (FtJsonParser *P, JsonObject *obj, const char *path, const char *const *allowed,
                    const char *const *known, const char *owner)
{
  if (P->dup_obj == obj)
    {
      ft_json_fail (P, path, "duplicate key \"%s\" (line %u)", P->dup_key, P->dup_line);
      P->dup_obj = NULL;
      return false;
    }
  GList *members = json_object_get_members (obj);
  bool ok = true;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      if (strv_has (allowed, key))
        continue;
      ok = false;
      char *list = ft_json_join_names (allowed, strv_len (allowed));
      const char *guess = suggest (key, allowed);
      if (known != NULL && strv_has (known, key))
        ft_json_fail (P, path, "%s takes no \"%s\" (it takes %s)", owner, key, list);
      else if (guess != NULL)
        ft_json_fail (P, path, "unknown key \"%s\" (did you mean \"%s\"?)", key, guess);
      else if (allowed[0] == NULL)
        ft_json_fail (P, path, "unknown key \"%s\" (%s takes no parameters)", key,
                      owner != NULL ? owner : "this");
      else
        ft_json_fail (P, path, "unknown key \"%s\" (expected %s)", key, list);
      g_free (list);
    }
  g_list_free (members);
  return ok;
}

/* obj's member key or NULL; path gets "<path>.<key>". */
JsonNode *
ft_json_member (JsonObject *obj, const char *key, const char *path, char *sub)
{
  sub_key (sub, path, key);
  return json_object_get_member (obj, key);
}

/* n or [h, w] */
static bool
get_pair (FtJsonParser *P, JsonNode *n, const char *path, int lo, int hi, int *out)
{
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      if (json_array_get_length (a) != 2)
        return ft_json_fail (P, path, "expected an integer or a list of two integers, got a list of %u",
                             json_array_get_length (a));
      char sub[FT_JSON_PATH_MAX];
      for (guint i = 0; i < 2; i++)
        {
          ft_json_sub_index (sub, path, i);
          if (!ft_json_get_int32 (P, json_array_get_element (a, i), sub, lo, hi, &out[i]))
            return false;
        }
      return true;
    }
  if (!is_number (n))
    return ft_json_fail_got (P, path, n, "an integer or a list of two integers");
  if (!ft_json_get_int32 (P, n, path, lo, hi, &out[0]))
    return false;
  out[1] = out[0];
  return true;
}

static const char *const initializer_names[FT_N_INITIALIZERS] = {
  "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "zeros", "ones",
};

static bool
get_activation (FtJsonParser *P, JsonNode *n, const char *path, FtActivation *act)
{
  const char *names[FT_N_ACTIVATIONS];
  for (int i = 0; i < FT_N_ACTIVATIONS; i++)
    names[i] = ft_activation_name ((FtActivation) i);
  int v;
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *act = FT_ACT_LINEAR; /* Keras' activation=None */
      return true;
    }
  if (!ft_json_get_enum (P, n, path, "activation", names, FT_N_ACTIVATIONS, &v))
    return false;
  return ft_activation_from_name (names[v], act);
}

static bool
get_initializer (FtJsonParser *P, JsonNode *n, const char *path, FtInitializer *init)
{
  int v;
  if (!ft_json_get_enum (P, n, path, "initializer", initializer_names, FT_N_INITIALIZERS, &v))
    return false;
  return ft_initializer_from_name (initializer_names[v], init)
             ? true
             : ft_json_fail (P, path, "unknown initializer");
}

/* Keras' regularizers.get: null, "l1" / "l2" (L1() / L2(): 0.01), "l1_l2" (L1L2(): 0 and 0), or a config
 * {"l1": f, "l2": f} (either key; {} is L2()). */
static bool
parse_regularizer (FtJsonParser *P, JsonNode *n, const char *path, float *l1, float *l2)
{
  static const char *const keys[] = { "l1", "l2", NULL };
  static const char *const expected = "null, \"l1\", \"l2\", \"l1_l2\" or {\"l1\": factor, \"l2\": factor}";
  *l1 = 0.0f;
  *l2 = 0.0f;
  if (JSON_NODE_HOLDS_NULL (n))
    return true;
  if (ft_json_is_string (n))
    {
      const char *s = json_node_get_string (n);
      if (strcmp (s, "l2") == 0)
        *l2 = 0.01f; /* Keras' L2() default */
      else if (strcmp (s, "l1") == 0)
        *l1 = 0.01f;                     /* Keras' L1() default */
      else if (strcmp (s, "l1_l2") != 0) /* L1L2(): both 0 */
        return ft_json_fail_got (P, path, n, expected);
      return true;
    }
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return ft_json_fail_got (P, path, n, expected);
  o = json_node_get_object (n);
  if (!ft_json_check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *f1 = ft_json_member (o, "l1", path, sub);
  if (f1 != NULL && !ft_json_get_float (P, f1, sub, FT_RANGE_NONNEG, l1))
    return false;
  JsonNode *f2 = ft_json_member (o, "l2", path, sub);
  if (f2 == NULL)
    {
      if (f1 == NULL)
        *l2 = 0.01f;
      return true;
    }
  return ft_json_get_float (P, f2, sub, FT_RANGE_NONNEG, l2);
}

/* ---- kinds described by a table (core/ft-param.h): layers, optimizers, losses and callbacks ---- */

/* Appends the JSON keys of a kind's parameters to keys (NULL-terminated, no duplicates). */
void
ft_json_add_kind_keys (const FtKindInfo *kind, const char **keys)
{
  int n = strv_len (keys);
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (p->type != FT_PARAM_KERAS_CONST && !strv_has (keys, p->key) && n + 1 < FT_JSON_MAX_KIND_KEYS)
        {
          keys[n++] = p->key;
          keys[n] = NULL;
        }
    }
}

/* A number, or null for "none" (baseline, initial_value_threshold, initial_learning_rate). */
static bool
get_optional_number (FtJsonParser *P, JsonNode *n, const char *path, FtRange range, bool *has, double *out)
{
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *has = false;
      *out = 0.0;
      return true;
    }
  if (!is_number (n))
    return ft_json_fail_got (P, path, n, "a number or null");
  *has = true;
  return ft_json_get_number (P, n, path, range, out);
}

/* One parameter from the object, when present. */
static bool
parse_param (FtJsonParser *P, JsonObject *o, const char *path, const FtParam *p, void *spec)
{
  char sub[FT_JSON_PATH_MAX];
  JsonNode *n = ft_json_member (o, p->key, path, sub);
  if (n == NULL || p->type == FT_PARAM_KERAS_CONST)
    return true;
  void *f = ft_param_ptr (p, spec);
  bool none = JSON_NODE_HOLDS_NULL (n) && (p->flags & FT_PARAM_ZERO_IS_NONE);
  int v;
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
      if (none)
        {
          *(float *) f = 0.0f;
          return true;
        }
      return ft_json_get_float (P, n, sub, (p->flags & FT_PARAM_KIND_CHECKS) ? FT_RANGE_ANY : p->range, f);
    case FT_PARAM_INT:
      if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && ft_json_is_string (n)
          && strcmp (json_node_get_string (n), "epoch") == 0)
        {
          *(int *) f = 0;
          return true;
        }
      if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && !is_number (n))
        return ft_json_fail_got (P, sub, n, "\"epoch\" or a positive number of batches");
      return ft_json_get_int32 (P, n, sub, p->lo, p->hi, f);
    case FT_PARAM_BOOL:
      return ft_json_get_bool (P, n, sub, f);
    case FT_PARAM_PAIR:
      if (none)
        {
          ((int *) f)[0] = ((int *) f)[1] = 0;
          return true;
        }
      return get_pair (P, n, sub, p->lo, p->hi, f);
    case FT_PARAM_PADDING:
      if (!ft_json_get_enum (P, n, sub, "padding", ft_padding_names, G_N_ELEMENTS (ft_padding_names), &v))
        return false;
      *(FtPadding *) f = v == 0 ? FT_PADDING_VALID : FT_PADDING_SAME;
      return true;
    case FT_PARAM_ACTIVATION:
      return get_activation (P, n, sub, f);
    case FT_PARAM_INITIALIZER:
      return get_initializer (P, n, sub, f);
    case FT_PARAM_L2: /* the L2 factor, the L1 factor right after it */
      return parse_regularizer (P, n, sub, (float *) f + 1, f);
    case FT_PARAM_DOUBLE:
      if (none)
        {
          *(double *) f = 0.0;
          return true;
        }
      return ft_json_get_number (P, n, sub, (p->flags & FT_PARAM_KIND_CHECKS) ? FT_RANGE_ANY : p->range, f);
    case FT_PARAM_OPTIONAL:
      return get_optional_number (P, n, sub, p->range, (bool *) ((char *) spec + p->has_offset), f);
    case FT_PARAM_STRING:
      return ft_json_get_string_buf (P, n, sub, true, f, p->size);
    case FT_PARAM_CHAR:
      {
        const char *s;
        if (!ft_json_get_string (P, n, sub, &s))
          return false;
        if (strlen (s) != 1 || (unsigned char) s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r' || s[0] == '"')
          return ft_json_fail_got (P, sub, n, "a single ASCII character (not a quote or a line break)");
        *(char *) f = s[0];
        return true;
      }
    case FT_PARAM_CHOICE:
      if (!ft_json_get_enum (P, n, sub, p->key, p->choices, ft_param_n_choices (p), &v))
        return false;
      *(int *) f = v;
      return true;
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
  return true;
}

bool
ft_json_parse_params (FtJsonParser *P, JsonObject *o, const char *path, const FtKindInfo *kind, void *spec)
{
  for (int i = 0; i < kind->n_params; i++)
    if (!parse_param (P, o, path, &kind->params[i], spec))
      return false;
  return true;
}
