/* ft-keras-read.c — Keras 3 `.keras` files and legacy Keras `.h5` model files read into an experiment and
 * its weights (ft_keras_load, see ft-keras-file.h): the config's layers and compile settings FitTape
 * supports, then the weights. The layouts follow keras/src/saving/saving_lib.py and
 * keras/src/legacy/saving/legacy_h5_format.py. */
#include "experiment/ft-keras-file.h"

#include "core/ft-error.h"
#include "core/ft-format.h"
#include "experiment/ft-json-parser.h"
#include "experiment/ft-zip.h"
#include "train/ft-checkpoint-keras.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Reading: the config */

#define BAD(...) FT_RETURN_INVALID (error, __VA_ARGS__)

/* A config member that is absent or null. */
static bool
is_null (JsonObject *o, const char *key)
{
  return !json_object_has_member (o, key) || JSON_NODE_HOLDS_NULL (json_object_get_member (o, key));
}

/* "relu" or {"class_name": …}: a name FitTape knows. */
static const char *
name_of (JsonNode *n)
{
  if (JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  if (JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *c = json_node_get_object (n);
      return json_object_get_string_member_with_default (c, "class_name", "?");
    }
  return "?";
}

static const char *
member_name (JsonObject *o, const char *key)
{
  return is_null (o, key) ? NULL : name_of (json_object_get_member (o, key));
}

/* An initializer by its class ("GlorotUniform") or its name ("glorot_uniform"). */
static bool
initializer_from (const char *keras_name, FtInitializer *init)
{
  return ft_keras_initializer_from_class (keras_name, init) || ft_initializer_from_name (keras_name, init);
}

/* A config value as a message shows it: a Keras object by its class name, a number as Python prints it
 * (0.1, not 0.10000000000000001), anything else as JSON. */
static char *
describe (JsonNode *n)
{
  if (JSON_NODE_HOLDS_OBJECT (n) && json_object_has_member (json_node_get_object (n), "class_name"))
    return g_strdup (name_of (n));
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (ft_format_shortest (buf, sizeof buf, json_node_get_double (n), false));
    }
  return json_to_string (n, FALSE);
}

/* "<what>: data_format "channels_first" is not supported by FitTape", false. */
static bool
refuse (const char *what, const char *key, JsonNode *n, GError **error)
{
  char *d = describe (n);
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s %s is not supported by FitTape", what, key, d);
  g_free (d);
  return false;
}

static bool
is_number_type (GType t)
{
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* A config's value means what the table's fixed JSON says: numbers by value, n for [n, n] and [x] for x
 * (Keras 2's spellings), an object by the members the table's has (a missing one is Keras' default). */
static bool
json_matches (JsonNode *got, JsonNode *want)
{
  if (JSON_NODE_HOLDS_NULL (want))
    return JSON_NODE_HOLDS_NULL (got);
  if (JSON_NODE_HOLDS_ARRAY (want))
    {
      JsonArray *w = json_node_get_array (want);
      JsonArray *g = JSON_NODE_HOLDS_ARRAY (got) ? json_node_get_array (got) : NULL;
      if (g != NULL && json_array_get_length (g) != json_array_get_length (w))
        return false;
      bool same = g != NULL || JSON_NODE_HOLDS_VALUE (got);
      for (guint i = 0; same && i < json_array_get_length (w); i++)
        same = json_matches (g ? json_array_get_element (g, i) : got, json_array_get_element (w, i));
      return same;
    }
  if (JSON_NODE_HOLDS_OBJECT (want))
    {
      if (!JSON_NODE_HOLDS_OBJECT (got))
        return false;
      JsonObject *w = json_node_get_object (want), *g = json_node_get_object (got);
      GList *members = json_object_get_members (w);
      bool same = true;
      for (GList *l = members; same && l != NULL; l = l->next)
        same = !json_object_has_member (g, l->data)
               || json_matches (json_object_get_member (g, l->data), json_object_get_member (w, l->data));
      g_list_free (members);
      return same;
    }
  if (JSON_NODE_HOLDS_ARRAY (got) && json_array_get_length (json_node_get_array (got)) == 1)
    got = json_array_get_element (json_node_get_array (got), 0);
  if (!JSON_NODE_HOLDS_VALUE (got))
    return false;
  GType wt = json_node_get_value_type (want), gt = json_node_get_value_type (got);
  if (is_number_type (wt) && is_number_type (gt))
    return json_node_get_double (got) == json_node_get_double (want);
  if (wt != gt)
    return false;
  if (wt == G_TYPE_BOOLEAN)
    return json_node_get_boolean (got) == json_node_get_boolean (want);
  return wt == G_TYPE_STRING && strcmp (json_node_get_string (got), json_node_get_string (want)) == 0;
}

static bool
matches_json (JsonNode *got, const char *json)
{
  JsonNode *want = json_from_string (json, NULL);
  bool same = want != NULL && json_matches (got, want);
  if (want != NULL)
    json_node_unref (want);
  return same;
}

/* A fixed entry of the kind's config (FT_PARAM_KERAS_CONST) has the table's value or one that means the
 * same. */
static bool
const_matches (JsonNode *got, const FtParam *p)
{
  bool same = (p->flags & FT_PARAM_KERAS_ANY) || matches_json (got, p->keras);
  for (const char *const *also = p->keras_also; !same && also && *also; also++)
    same = matches_json (got, *also);
  return same;
}

/* {"class_name": "L1" | "L2" | "L1L2", "config": {"l1", "l2"}} as the experiment JSON's {"l1", "l2"}. */
static JsonNode *
regularizer_value (JsonNode *n, const char *what, const char *key, GError **error)
{
  JsonObject *r = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  const char *rc = r ? json_object_get_string_member_with_default (r, "class_name", "?") : "?";
  JsonNode *cn = r ? json_object_get_member (r, "config") : NULL;
  if (cn == NULL || !JSON_NODE_HOLDS_OBJECT (cn)
      || (strcmp (rc, "L2") != 0 && strcmp (rc, "L1") != 0 && strcmp (rc, "L1L2") != 0))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s: a %s other than L1, L2 or L1L2 is not supported by FitTape", what, key);
      return NULL;
    }
  JsonObject *out = json_object_new ();
  const char *factors[2] = { "l1", "l2" };
  for (int k = 0; k < 2; k++)
    {
      JsonNode *f = json_object_get_member (json_node_get_object (cn), factors[k]);
      if (f != NULL && !JSON_NODE_HOLDS_NULL (f))
        json_object_set_member (out, factors[k], json_node_copy (f));
      else
        json_object_set_double_member (out, factors[k], 0.0);
    }
  JsonNode *v = json_node_init_object (json_node_alloc (), out);
  json_object_unref (out);
  return v;
}

/* A table entry's value from a Keras config in the experiment JSON's spelling (initializers and
 * activations by name, a regularizer as {"l1", "l2"}), or NULL with an error naming what FitTape lacks. */
static JsonNode *
fittape_value (JsonNode *n, const FtParam *p, const char *what, GError **error)
{
  const char *name = name_of (n);
  if (p->type == FT_PARAM_INITIALIZER)
    {
      FtInitializer init;
      if (name == NULL || !initializer_from (name, &init))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s %s is not supported by FitTape", what,
                       p->key, name ? name : "null");
          return NULL;
        }
      return json_node_init_string (json_node_alloc (), ft_initializer_name (init));
    }
  if (p->type == FT_PARAM_ACTIVATION && name != NULL)
    {
      FtActivation act;
      if (!ft_activation_from_name (name, &act))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s \"%s\" is not supported by FitTape", what,
                       p->key, name);
          return NULL;
        }
      return json_node_init_string (json_node_alloc (), ft_activation_name (act));
    }
  if (p->type == FT_PARAM_L2 && !JSON_NODE_HOLDS_NULL (n))
    return regularizer_value (n, what, p->key, error);
  return json_node_copy (n);
}

/* A kind's settings from its Keras config into spec: every entry of its table that the config has, read
 * with the entry's type and range (messages "<what>.<key>: expected …"), the fixed entries checked. */
static bool
read_kind_config (JsonObject *c, const FtKindInfo *kind, void *spec, const char *what, GError **error)
{
  JsonObject *o = json_object_new ();
  bool ok = true;
  for (int i = 0; ok && i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      JsonNode *n = json_object_get_member (c, p->key);
      JsonNode *v = NULL;
      if (n == NULL)
        continue;
      if (p->type != FT_PARAM_KERAS_CONST)
        ok = (v = fittape_value (n, p, what, error)) != NULL;
      else if (!const_matches (n, p))
        ok = refuse (what, p->key, n, error);
      if (v != NULL)
        json_object_set_member (o, p->key, v);
    }
  FtJsonParser P = { .error = error };
  ok = ok && ft_json_parse_params (&P, o, what, kind, spec);
  json_object_unref (o);
  GError *invalid = NULL; /* the ranges the kind checks itself, the exclusive pairs */
  if (ok && !ft_params_validate (kind, spec, kind->name, &invalid))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %s", what, invalid->message);
      g_error_free (invalid);
      ok = false;
    }
  return ok;
}

/* Options of Keras' base Layer, or of Keras 2's layers, that no table has: a layer with one set is refused.
 */
static bool
check_untabled_options (JsonObject *c, const char *what, GError **error)
{
  static const char *const keys[] = { "activity_regularizer", "renorm" };
  for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *n = json_object_get_member (c, keys[i]);
      if (n != NULL && !matches_json (n, "null") && !matches_json (n, "false"))
        return refuse (what, keys[i], n, error);
    }
  return true;
}

/* The k-th of n names in a list "A, B and C". */
static void
append_listed (GString *s, int k, int n, const char *name)
{
  g_string_append_printf (s, "%s%s", k == 0 ? "" : k + 1 < n ? ", " : " and ", name);
}

/* "layer 3 "gru" is a GRU: FitTape reads InputLayer, Dense, …" */
static bool
unknown_layer (int index, const char *name, const char *cls, GError **error)
{
  GString *kinds = g_string_new (NULL);
  for (int k = 0; k <= FT_N_LAYER_KINDS; k++)
    append_listed (kinds, k, FT_N_LAYER_KINDS + 1,
                   k == 0 ? "InputLayer" : ft_layer_kind_name ((FtLayerKind) (k - 1)));
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "layer %d \"%s\" is a %s: FitTape reads %s", index, name,
               cls, kinds->str);
  g_string_free (kinds, TRUE);
  return false;
}

static bool
parse_layer (JsonObject *layer, int index, FtLayerSpec *spec, GError **error)
{
  const char *cls = json_object_get_string_member_with_default (layer, "class_name", "?");
  JsonObject *c = json_object_has_member (layer, "config") ? json_object_get_object_member (layer, "config")
                                                           : NULL;
  const char *name = c ? json_object_get_string_member_with_default (c, "name", "?") : "?";
  FtLayerKind kind;
  if (c == NULL || !ft_layer_kind_from_name (cls, &kind))
    return unknown_layer (index, name, cls, error);
  const FtKindInfo *info = ft_layer_kind_info (kind);
  *spec = ft_layer_spec_default (kind);
  char *what = g_strdup_printf ("layer %d \"%s\" (%s)", index, name, cls);
  bool ok = read_kind_config (c, info, spec, what, error) && check_untabled_options (c, what, error);
  JsonNode *trainable = json_object_get_member (c, "trainable");
  if (ok && trainable != NULL && matches_json (trainable, "false") && !(info->flags & FT_KIND_WEIGHTLESS))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s: trainable=False (a frozen layer) is not supported by FitTape", what);
      ok = false;
    }
  *spec = ft_layer_spec_unresolved (spec);
  g_free (what);
  return ok;
}

static bool
input_shape_from (JsonObject *c, int *ndim, int *shape)
{
  const char *keys[] = { "batch_shape", "batch_input_shape" };
  for (int k = 0; k < 2; k++)
    if (!is_null (c, keys[k]))
      {
        JsonArray *a = json_object_get_array_member (c, keys[k]);
        guint n = json_array_get_length (a);
        if (n < 2 || n > 4)
          return false;
        *ndim = (int) n - 1;
        for (guint i = 1; i < n; i++)
          shape[i - 1] = (int) json_array_get_int_element (a, i);
        return true;
      }
  return false;
}

/* An optimizer's Keras config: the learning rate (a number, not a schedule) and every entry of the kind's
 * table. */
static bool
parse_optimizer_config (JsonObject *oc, FtOptimizerKind k, const char *opt_name, FtOptimizerSpec *o,
                        GError **error)
{
  if (json_object_has_member (oc, "learning_rate")
      && !JSON_NODE_HOLDS_VALUE (json_object_get_member (oc, "learning_rate")))
    BAD ("the optimizer's learning_rate is a schedule: FitTape takes a number (use a LearningRateScheduler "
         "callback)");
  char *what = g_strdup_printf ("the optimizer %s", opt_name);
  bool ok = read_kind_config (oc, ft_optimizer_kind_info (k), o, what, error);
  g_free (what);
  return ok;
}

static bool
parse_compile (JsonObject *cc, FtCompileSpec *spec, GError **error)
{
  *spec = ft_compile_spec_default ();
  spec->n_metrics = 0;
  /* optimizer: "adam" or {"class_name": "Adam", "config": {…}} */
  const char *opt_name = member_name (cc, is_null (cc, "optimizer") ? "optimizer_config" : "optimizer");
  if (opt_name)
    {
      FtOptimizerKind k;
      if (!ft_optimizer_kind_from_name (opt_name, &k))
        {
          GString *kinds = g_string_new (NULL);
          for (int i = 0; i < FT_N_OPTIMIZERS; i++)
            g_string_append_printf (kinds, "%s%s", i ? ", " : "",
                                    ft_optimizer_kind_name ((FtOptimizerKind) i));
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the optimizer %s is not supported by FitTape (%s)",
                       opt_name, kinds->str);
          g_string_free (kinds, TRUE);
          return false;
        }
      spec->optimizer = ft_optimizer_spec_default (k);
      JsonNode *on = json_object_get_member (cc,
                                             is_null (cc, "optimizer") ? "optimizer_config" : "optimizer");
      JsonObject *oc = JSON_NODE_HOLDS_OBJECT (on)
                               && json_object_has_member (json_node_get_object (on), "config")
                           ? json_object_get_object_member (json_node_get_object (on), "config")
                           : NULL;
      if (oc && !parse_optimizer_config (oc, k, opt_name, &spec->optimizer, error))
        return false;
    }
  const char *loss = member_name (cc, "loss");
  if (loss)
    {
      for (int k = 0; k < FT_N_LOSSES; k++) /* a class name as the name compile() takes */
        if (strcmp (loss, ft_loss_kind_info ((FtLossKind) k)->name) == 0)
          loss = ft_loss_kind_info ((FtLossKind) k)->json_name;
      if (!ft_loss_from_name (loss, &spec->loss.kind))
        BAD ("the loss %s is not supported by FitTape", loss);
      spec->loss.from_logits = false;
      JsonNode *ln = json_object_get_member (cc, "loss");
      if (JSON_NODE_HOLDS_OBJECT (ln) && json_object_has_member (json_node_get_object (ln), "config"))
        {
          /* from_logits, and every fixed entry (label_smoothing 0, reduction …) checked by the table */
          char *what = g_strdup_printf ("the loss %s", loss);
          bool ok = read_kind_config (json_object_get_object_member (json_node_get_object (ln), "config"),
                                      ft_loss_kind_info (spec->loss.kind), &spec->loss, what, error);
          g_free (what);
          if (!ok)
            return false;
        }
    }
  if (!is_null (cc, "metrics") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (cc, "metrics")))
    {
      JsonArray *a = json_object_get_array_member (cc, "metrics");
      for (guint i = 0; i < json_array_get_length (a) && spec->n_metrics < FT_MAX_METRICS; i++)
        {
          JsonNode *mn = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_ARRAY (mn) && json_array_get_length (json_node_get_array (mn)) > 0)
            mn = json_array_get_element (json_node_get_array (mn), 0); /* Keras 2: one list per output */
          if (JSON_NODE_HOLDS_VALUE (mn) && json_node_get_value_type (mn) == G_TYPE_STRING)
            g_strlcpy (spec->metrics[spec->n_metrics++], json_node_get_string (mn), sizeof spec->metrics[0]);
        }
    }
  return true;
}

/* The model config (Keras 3's or a legacy file's) into e; *names gets the layers' names. */
static bool
parse_model (JsonObject *root, FtExperiment *e, GPtrArray *names, GError **error)
{
  const char *cls = json_object_get_string_member_with_default (root, "class_name", "?");
  if (strcmp (cls, "Sequential") != 0)
    BAD ("the model is a %s: FitTape reads Sequential models", cls);
  JsonObject *c = json_object_get_object_member (root, "config");
  if (c == NULL || !json_object_has_member (c, "layers"))
    BAD ("the Sequential config has no layers");
  JsonArray *layers = json_object_get_array_member (c, "layers");
  g_free (e->layers);
  e->layers = g_new0 (FtLayerSpec, json_array_get_length (layers));
  e->n_layers = 0;
  e->input_ndim = 0;
  for (guint i = 0; i < json_array_get_length (layers); i++)
    {
      JsonObject *l = json_array_get_object_element (layers, i);
      JsonObject *lc = json_object_has_member (l, "config") ? json_object_get_object_member (l, "config")
                                                            : NULL;
      const char *lcls = json_object_get_string_member_with_default (l, "class_name", "?");
      if (strcmp (lcls, "InputLayer") == 0)
        {
          if (lc == NULL || !input_shape_from (lc, &e->input_ndim, e->input_shape))
            BAD ("the InputLayer has no usable batch_shape (FitTape takes 1 to 3 sample dimensions)");
          continue;
        }
      if (e->input_ndim == 0 && lc != NULL)
        input_shape_from (lc, &e->input_ndim, e->input_shape); /* Keras 2: on the first layer */
      if (!parse_layer (l, (int) i + 1, &e->layers[e->n_layers], error))
        return false;
      g_ptr_array_add (names,
                       g_strdup (lc ? json_object_get_string_member_with_default (lc, "name", "") : ""));
      e->n_layers++;
    }
  if (e->n_layers == 0)
    BAD ("the model has no layers FitTape could take");
  if (e->input_ndim == 0)
    BAD ("the model does not say its input shape (no InputLayer)");
  return true;
}

#undef BAD

/* ------------------------------------------------------------------------------------------------ */
/* Reading: the weights */

static char *
read_string_attr (hid_t obj, const char *name)
{
  if (H5Aexists (obj, name) <= 0)
    return NULL;
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  hid_t type = H5Aget_type (attr);
  char *out = NULL;
  if (H5Tget_class (type) == H5T_STRING)
    {
      if (H5Tis_variable_str (type) > 0)
        {
          char *v = NULL;
          hid_t mem = H5Tcopy (H5T_C_S1);
          H5Tset_size (mem, H5T_VARIABLE);
          H5Tset_cset (mem, H5Tget_cset (type));
          if (H5Aread (attr, mem, &v) >= 0 && v)
            {
              out = g_strdup (v);
              H5free_memory (v);
            }
          H5Tclose (mem);
        }
      else
        {
          size_t size = H5Tget_size (type);
          out = g_malloc0 (size + 1);
          hid_t mem = H5Tcopy (type);
          if (H5Aread (attr, mem, out) < 0)
            g_clear_pointer (&out, g_free);
          H5Tclose (mem);
        }
    }
  H5Tclose (type);
  H5Aclose (attr);
  return out;
}

/* weight_names of a legacy layer group (variable or fixed strings). */
static char **
read_string_list_attr (hid_t obj, const char *name)
{
  if (H5Aexists (obj, name) <= 0)
    return g_new0 (char *, 1);
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  hid_t type = H5Aget_type (attr), space = H5Aget_space (attr);
  hssize_t n = H5Sget_simple_extent_npoints (space);
  char **out = g_new0 (char *, (size_t) MAX (n, 0) + 1);
  if (H5Tget_class (type) == H5T_STRING && n > 0)
    {
      if (H5Tis_variable_str (type) > 0)
        {
          char **v = g_new0 (char *, (size_t) n);
          hid_t mem = H5Tcopy (H5T_C_S1);
          H5Tset_size (mem, H5T_VARIABLE);
          H5Tset_cset (mem, H5Tget_cset (type));
          if (H5Aread (attr, mem, v) >= 0)
            for (hssize_t i = 0; i < n; i++)
              {
                out[i] = g_strdup (v[i] ? v[i] : "");
                if (v[i])
                  H5free_memory (v[i]);
              }
          H5Tclose (mem);
          g_free (v);
        }
      else
        {
          size_t size = H5Tget_size (type);
          char *buf = g_malloc0 (size * (size_t) n);
          hid_t mem = H5Tcopy (type);
          if (H5Aread (attr, mem, buf) >= 0)
            for (hssize_t i = 0; i < n; i++)
              out[i] = g_strndup (buf + (size_t) i * size, size);
          H5Tclose (mem);
          g_free (buf);
        }
    }
  H5Sclose (space);
  H5Tclose (type);
  H5Aclose (attr);
  return out;
}

static bool
read_dataset (hid_t loc, const char *path, const FtWeightSpec *w, float *out, const char *what,
              GError **error)
{
  if (H5Lexists (loc, path, H5P_DEFAULT) <= 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: the file has no weight %s", what, path);
      return false;
    }
  hid_t ds = H5Dopen2 (loc, path, H5P_DEFAULT);
  hid_t space = H5Dget_space (ds);
  int nd = H5Sget_simple_extent_ndims (space);
  hsize_t dims[8] = { 0 };
  H5Sget_simple_extent_dims (space, dims, NULL);
  bool same = nd == w->ndim;
  for (int d = 0; same && d < nd; d++)
    same = dims[d] == (hsize_t) w->shape[d];
  bool ok = same && H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
  if (!same)
    {
      GString *s = g_string_new (NULL), *t = g_string_new (NULL);
      for (int d = 0; d < nd; d++)
        g_string_append_printf (s, "%s%llu", d ? ", " : "", (unsigned long long) dims[d]);
      for (int d = 0; d < w->ndim; d++)
        g_string_append_printf (t, "%s%d", d ? ", " : "", w->shape[d]);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: weight %s has shape (%s), the layer needs (%s)",
                   what, path, s->str, t->str);
      g_string_free (s, TRUE);
      g_string_free (t, TRUE);
    }
  else if (!ok)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: cannot read weight %s", what, path);
  H5Sclose (space);
  H5Dclose (ds);
  return ok;
}

/* Every weight in Keras order, shapes from FitTape's own inference. legacy: model_weights/NAME with
 * weight_names; else layers/NAME/vars/I. */
static bool
read_weights (hid_t f, bool legacy, const FtExperiment *e, GPtrArray *names, float **weights,
              size_t *n_weights, const char *what, GError **error)
{
  int nd = e->input_ndim, shape[FT_MAX_DIMS] = { 0 };
  memcpy (shape, e->input_shape, sizeof e->input_shape);
  GArray *all = g_array_new (FALSE, FALSE, sizeof (float));
  bool ok = true;
  hid_t root = legacy ? H5Gopen2 (f, H5Lexists (f, "model_weights", H5P_DEFAULT) > 0 ? "model_weights" : "/",
                                  H5P_DEFAULT)
                      : H5Gopen2 (f, "/", H5P_DEFAULT);
  for (int i = 0; ok && i < e->n_layers; i++)
    {
      int out_nd = 0, out_shape[FT_MAX_DIMS] = { 0 }, n_w = 0;
      FtWeightSpec ws[FT_LAYER_MAX_WEIGHTS];
      ok = ft_layer_infer (&e->layers[i], nd, shape, &out_nd, out_shape, &n_w, ws, error);
      const char *lname = names->pdata[i];
      char **wnames = NULL;
      if (ok && legacy && n_w > 0)
        {
          hid_t lg = H5Lexists (root, lname, H5P_DEFAULT) > 0 ? H5Gopen2 (root, lname, H5P_DEFAULT) : -1;
          wnames = lg >= 0 ? read_string_list_attr (lg, "weight_names") : g_new0 (char *, 1);
          if (lg >= 0)
            H5Gclose (lg);
          if ((int) g_strv_length (wnames) != n_w)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: layer \"%s\" has %u weights in the file, FitTape "
                           "needs %d",
                           what, lname, g_strv_length (wnames), n_w);
              ok = false;
            }
        }
      for (int k = 0; ok && k < n_w; k++)
        {
          size_t size = 1;
          for (int d = 0; d < ws[k].ndim; d++)
            size *= (size_t) ws[k].shape[d];
          guint at = all->len;
          g_array_set_size (all, all->len + (guint) size);
          char *path = legacy ? g_strdup_printf ("%s/%s", lname, wnames[k])
                              : g_strdup_printf ("layers/%s/vars/%d", lname, k);
          ok = read_dataset (root, path, &ws[k], &g_array_index (all, float, at), what, error);
          g_free (path);
        }
      g_strfreev (wnames);
      nd = out_nd;
      memcpy (shape, out_shape, sizeof shape);
    }
  H5Gclose (root);
  *n_weights = all->len;
  *weights = (float *) g_array_free (all, !ok);
  return ok;
}

/* ------------------------------------------------------------------------------------------------ */

/* A .keras file: its config.json, and its model.weights.h5 written to a temporary file (h5_path). */
static bool
open_keras_zip (const char *bytes, gsize size, char **config, char **h5_path, bool *tmp_h5, GError **error)
{
  size_t n = 0;
  *config = (char *) ft_zip_read_entry ((guint8 *) bytes, size, "config.json", &n, error);
  guint8 *w = *config ? ft_zip_read_entry ((guint8 *) bytes, size, "model.weights.h5", &n, error) : NULL;
  bool ok = w != NULL;
  if (ok)
    {
      int fd = g_file_open_tmp ("fittape-XXXXXX.weights.h5", h5_path, error);
      ok = fd >= 0;
      if (ok)
        {
          close (fd);
          *tmp_h5 = true;
          ok = g_file_set_contents (*h5_path, (const char *) w, (gssize) n, error);
        }
    }
  g_free (w);
  return ok;
}

/* A legacy .h5 model: its model_config and training_config attributes. */
static bool
open_keras_h5 (const char *path, char **config, char **compile, char **h5_path, GError **error)
{
  *h5_path = g_strdup (path);
  hid_t f = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f >= 0)
    {
      *config = read_string_attr (f, "model_config");
      *compile = read_string_attr (f, "training_config");
      H5Fclose (f);
    }
  if (*config == NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "not a Keras model file (no model_config: a weights-only "
                   "file has no architecture)");
      return false;
    }
  return true;
}

/* The model from the config's JSON and, when there is one, its compile configuration (the .keras file's
 * compile_config, or the .h5 file's training_config). */
static bool
parse_config (JsonParser *parser, const char *compile, bool is_zip, FtExperiment *e, GPtrArray *names,
              GError **error)
{
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  bool ok = root != NULL && parse_model (root, e, names, error);
  JsonObject *cc = NULL;
  JsonParser *cp = NULL;
  if (ok && is_zip && json_object_has_member (root, "compile_config") && !is_null (root, "compile_config"))
    cc = json_object_get_object_member (root, "compile_config");
  else if (ok && compile != NULL)
    {
      cp = json_parser_new ();
      if (json_parser_load_from_data (cp, compile, -1, NULL))
        cc = json_node_get_object (json_parser_get_root (cp));
    }
  if (ok && cc != NULL)
    ok = parse_compile (cc, &e->compile, error);
  if (cp)
    g_object_unref (cp);
  return ok;
}

/* The weights, from the HDF5 file at h5_path. */
static bool
read_weights_file (const char *h5_path, bool is_h5, FtExperiment *e, GPtrArray *names, float **weights,
                   size_t *n_weights, GError **error)
{
  hid_t f = H5Fopen (h5_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  bool ok = f >= 0;
  if (!ok)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "cannot open the weights (HDF5)");
  else
    {
      ok = read_weights (f, is_h5, e, names, weights, n_weights, "weights", error);
      H5Fclose (f);
    }
  return ok;
}

FtExperiment *
ft_keras_load (const char *path, const FtExperiment *base, float **weights, size_t *n_weights, GError **error)
{
  *weights = NULL;
  *n_weights = 0;
  char *bytes = NULL;
  gsize size = 0;
  if (!g_file_get_contents (path, &bytes, &size, error))
    return NULL;
  bool is_zip = size >= 4 && memcmp (bytes, "PK\003\004", 4) == 0;
  bool is_h5 = size >= 8 && memcmp (bytes, "\211HDF\r\n\032\n", 8) == 0;
  FtExperiment *e = base ? ft_experiment_copy (base) : ft_experiment_new_default ();
  g_free (e->title);
  char *base_name = g_path_get_basename (path);
  e->title = g_strdup_printf ("Imported from %s", base_name);
  g_free (base_name);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  JsonParser *parser = json_parser_new ();
  char *config = NULL, *compile = NULL, *h5_path = NULL;
  bool ok = true, tmp_h5 = false;
  GError *local = NULL;
  if (is_zip)
    ok = open_keras_zip (bytes, size, &config, &h5_path, &tmp_h5, &local);
  else if (is_h5)
    ok = open_keras_h5 (path, &config, &compile, &h5_path, &local);
  else
    {
      g_set_error (&local, FT_ERROR, FT_ERROR_INVALID, "neither a .keras (ZIP) nor an HDF5 file");
      ok = false;
    }
  if (ok)
    ok = json_parser_load_from_data (parser, config, -1, &local);
  if (ok)
    ok = parse_config (parser, compile, is_zip, e, names, &local);
  if (ok)
    ok = read_weights_file (h5_path, is_h5, e, names, weights, n_weights, &local);
  if (tmp_h5)
    g_unlink (h5_path);
  g_free (h5_path);
  g_free (config);
  g_free (compile);
  g_free (bytes);
  g_object_unref (parser);
  g_ptr_array_unref (names);
  if (!ok)
    {
      g_set_error (error, local ? local->domain : FT_ERROR, local ? local->code : FT_ERROR_INVALID, "%s: %s",
                   path, local ? local->message : "cannot read");
      g_clear_error (&local);
      ft_experiment_free (e);
      g_clear_pointer (weights, g_free);
      *n_weights = 0;
      return NULL;
    }
  return e;
}
