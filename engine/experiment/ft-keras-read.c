/* ft-keras-read.c — Keras 3 `.keras` files and legacy Keras `.h5` model files read into an experiment and
 * its weights (ft_keras_load, see ft-keras-file.h): the config's layers and compile settings FitTape
 * supports, then the weights. The layouts follow keras/src/saving/saving_lib.py and
 * keras/src/legacy/saving/legacy_h5_format.py. */
#include "experiment/ft-keras-file.h"

#include "core/ft-error.h"
#include "experiment/ft-zip.h"

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

/* [h, w] or n. */
static bool
get_pair (JsonObject *o, const char *key, int *out)
{
  if (is_null (o, key))
    return false;
  JsonNode *n = json_object_get_member (o, key);
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      if (json_array_get_length (a) != 2)
        return false;
      out[0] = (int) json_array_get_int_element (a, 0);
      out[1] = (int) json_array_get_int_element (a, 1);
      return true;
    }
  out[0] = out[1] = (int) json_node_get_int (n);
  return true;
}

/* "relu" or {"class_name": …}: a name FitTape knows. */
static const char *
name_of (JsonObject *o, const char *key)
{
  if (is_null (o, key))
    return NULL;
  JsonNode *n = json_object_get_member (o, key);
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  if (JSON_NODE_HOLDS_OBJECT (n))
    {
      JsonObject *c = json_node_get_object (n);
      return json_object_get_string_member_with_default (c, "class_name", "?");
    }
  return "?";
}

static bool
initializer_from (const char *keras_name, FtInitializer *init)
{
  static const char *const classes[][2] = { { "GlorotUniform", "glorot_uniform" },
                                            { "GlorotNormal", "glorot_normal" },
                                            { "HeNormal", "he_normal" },
                                            { "HeUniform", "he_uniform" },
                                            { "Zeros", "zeros" },
                                            { "Ones", "ones" } };
  for (size_t i = 0; i < G_N_ELEMENTS (classes); i++)
    if (strcmp (keras_name, classes[i][0]) == 0)
      keras_name = classes[i][1];
  return ft_initializer_from_name (keras_name, init);
}

/* data_format is "channels_last" (or null, Keras' default): FitTape's layout. */
static bool
channels_last (JsonObject *c)
{
  return is_null (c, "data_format")
         || strcmp (json_object_get_string_member (c, "data_format"), "channels_last") == 0;
}

#define UNSUPPORTED(what) BAD ("layer %d \"%s\" (%s): %s is not supported by FitTape", index, name, cls, what)

/* Dense and Conv2D: units or filters, kernel, strides and padding, bias, initializers, regularizers. */
static bool
parse_dense_or_conv (JsonObject *c, int index, const char *name, const char *cls, FtLayerKind kind,
                     FtLayerSpec *spec, GError **error)
{
  if (kind == FT_LAYER_DENSE)
    spec->units = (int) json_object_get_int_member_with_default (c, "units", 0);
  else
    {
      spec->filters = (int) json_object_get_int_member_with_default (c, "filters", 0);
      get_pair (c, "kernel_size", spec->kernel_size);
      get_pair (c, "strides", spec->strides);
      int dil[2] = { 1, 1 };
      get_pair (c, "dilation_rate", dil);
      if (dil[0] != 1 || dil[1] != 1)
        UNSUPPORTED ("dilation_rate other than 1");
      if (json_object_get_int_member_with_default (c, "groups", 1) != 1)
        UNSUPPORTED ("groups other than 1");
      if (!channels_last (c))
        UNSUPPORTED ("data_format \"channels_first\"");
      const char *pad = json_object_get_string_member_with_default (c, "padding", "valid");
      if (strcmp (pad, "same") == 0)
        spec->padding = FT_PADDING_SAME;
      else if (strcmp (pad, "valid") != 0)
        UNSUPPORTED ("this padding");
    }
  spec->use_bias = json_object_get_boolean_member_with_default (c, "use_bias", true);
  {
    const char *ki = name_of (c, "kernel_initializer"), *bi = name_of (c, "bias_initializer");
    if (ki && !initializer_from (ki, &spec->kernel_initializer))
      BAD ("layer %d \"%s\" (%s): kernel_initializer %s is not supported by FitTape", index, name, cls, ki);
    if (bi && !initializer_from (bi, &spec->bias_initializer))
      BAD ("layer %d \"%s\" (%s): bias_initializer %s is not supported by FitTape", index, name, cls, bi);
  }
  if (!is_null (c, "kernel_regularizer"))
    {
      JsonNode *rn = json_object_get_member (c, "kernel_regularizer");
      JsonObject *r = JSON_NODE_HOLDS_OBJECT (rn) ? json_node_get_object (rn) : NULL;
      const char *rc = r ? json_object_get_string_member_with_default (r, "class_name", "?") : "?";
      JsonObject *rcfg = r && json_object_has_member (r, "config")
                             ? json_object_get_object_member (r, "config")
                             : NULL;
      if (!rcfg || (strcmp (rc, "L2") != 0 && strcmp (rc, "L1") != 0 && strcmp (rc, "L1L2") != 0))
        UNSUPPORTED ("a kernel_regularizer other than L1, L2 or L1L2");
      spec->kernel_l1 = (float) json_object_get_double_member_with_default (rcfg, "l1", 0);
      spec->kernel_l2 = (float) json_object_get_double_member_with_default (rcfg, "l2", 0);
    }
  if (!is_null (c, "bias_regularizer"))
    UNSUPPORTED ("bias_regularizer");
  if (!is_null (c, "activity_regularizer"))
    UNSUPPORTED ("activity_regularizer");
  if (!is_null (c, "kernel_constraint") || !is_null (c, "bias_constraint"))
    UNSUPPORTED ("a weight constraint");
  return true;
}

/* MaxPooling2D and AveragePooling2D: pool size, strides and padding. */
static bool
parse_pooling (JsonObject *c, int index, const char *name, const char *cls, FtLayerSpec *spec, GError **error)
{
  get_pair (c, "pool_size", spec->pool_size);
  int st[2] = { 0, 0 };
  if (get_pair (c, "strides", st) && (st[0] != spec->pool_size[0] || st[1] != spec->pool_size[1]))
    memcpy (spec->strides, st, sizeof st);
  const char *pad = json_object_get_string_member_with_default (c, "padding", "valid");
  if (strcmp (pad, "same") == 0)
    spec->padding = FT_PADDING_SAME;
  if (!channels_last (c))
    UNSUPPORTED ("data_format \"channels_first\"");
  return true;
}

/* BatchNormalization: momentum and epsilon; centred, scaled, over the last axis. */
static bool
parse_batch_norm (JsonObject *c, int index, const char *name, const char *cls, FtLayerSpec *spec,
                  GError **error)
{
  spec->momentum = (float) json_object_get_double_member_with_default (c, "momentum", 0.99);
  spec->epsilon = (float) json_object_get_double_member_with_default (c, "epsilon", 1e-3);
  if (!json_object_get_boolean_member_with_default (c, "center", true)
      || !json_object_get_boolean_member_with_default (c, "scale", true))
    UNSUPPORTED ("center=False or scale=False");
  if (json_object_has_member (c, "axis"))
    {
      JsonNode *ax = json_object_get_member (c, "axis");
      gint64 a = JSON_NODE_HOLDS_ARRAY (ax) && json_array_get_length (json_node_get_array (ax)) == 1
                     ? json_array_get_int_element (json_node_get_array (ax), 0)
                 : JSON_NODE_HOLDS_VALUE (ax) ? json_node_get_int (ax)
                                              : 0;
      if (a != -1 && a != 1 && a != 3)
        UNSUPPORTED ("an axis other than the last");
    }
  if (json_object_get_boolean_member_with_default (c, "renorm", false)
      || json_object_get_boolean_member_with_default (c, "synchronized", false))
    UNSUPPORTED ("renorm or synchronized");
  return true;
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
    BAD ("layer %d \"%s\" is a %s: FitTape reads InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D, "
         "GlobalAveragePooling2D, Flatten, Dropout, BatchNormalization and Activation",
         index, name, cls);
  *spec = ft_layer_spec_default (kind);
  const char *act = name_of (c, "activation");
  if (act && !ft_activation_from_name (act, &spec->activation))
    BAD ("layer %d \"%s\" (%s): activation \"%s\" is not supported by FitTape", index, name, cls, act);
  switch (kind)
    {
    case FT_LAYER_DENSE:
    case FT_LAYER_CONV2D:
      if (!parse_dense_or_conv (c, index, name, cls, kind, spec, error))
        return false;
      break;
    case FT_LAYER_MAX_POOLING2D:
    case FT_LAYER_AVERAGE_POOLING2D:
      if (!parse_pooling (c, index, name, cls, spec, error))
        return false;
      break;
    case FT_LAYER_DROPOUT:
      spec->rate = (float) json_object_get_double_member_with_default (c, "rate", 0.5);
      if (!is_null (c, "noise_shape"))
        UNSUPPORTED ("noise_shape");
      break;
    case FT_LAYER_BATCH_NORMALIZATION:
      if (!parse_batch_norm (c, index, name, cls, spec, error))
        return false;
      break;
    case FT_LAYER_GLOBAL_AVERAGE_POOLING2D:
      {
        if (!channels_last (c))
          UNSUPPORTED ("data_format \"channels_first\"");
        if (json_object_get_boolean_member_with_default (c, "keepdims", false))
          UNSUPPORTED ("keepdims=True");
        break;
      }
    case FT_LAYER_ACTIVATION:
    case FT_LAYER_FLATTEN:
    case FT_N_LAYER_KINDS:
      break;
    }
  if (!json_object_get_boolean_member_with_default (c, "trainable", true) && kind != FT_LAYER_FLATTEN
      && kind != FT_LAYER_DROPOUT && kind != FT_LAYER_ACTIVATION && kind != FT_LAYER_MAX_POOLING2D
      && kind != FT_LAYER_AVERAGE_POOLING2D && kind != FT_LAYER_GLOBAL_AVERAGE_POOLING2D)
    UNSUPPORTED ("trainable=False (a frozen layer)");
#undef UNSUPPORTED
  return true;
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

/* An optimizer's Keras config: the learning rate (a number, not a schedule), weight decay (AdamW only) and
 * the parameters FitTape's optimizers take, each when present. */
static bool
parse_optimizer_config (JsonObject *oc, FtOptimizerKind k, const char *opt_name, FtOptimizerSpec *o,
                        GError **error)
{
  if (json_object_has_member (oc, "learning_rate")
      && !JSON_NODE_HOLDS_VALUE (json_object_get_member (oc, "learning_rate")))
    BAD ("the optimizer's learning_rate is a schedule: FitTape takes a number (use a LearningRateScheduler "
         "callback)");
#define F(key, field) o->field = (float) json_object_get_double_member_with_default (oc, key, o->field)
#define B(key, field) o->field = json_object_get_boolean_member_with_default (oc, key, o->field)
  F ("learning_rate", learning_rate);
  if (k == FT_OPT_ADAMW && !is_null (oc, "weight_decay"))
    F ("weight_decay", weight_decay);
  else if (k != FT_OPT_ADAMW && !is_null (oc, "weight_decay")
           && json_object_get_double_member_with_default (oc, "weight_decay", 0) != 0)
    BAD ("weight_decay on %s is not supported by FitTape (AdamW has it)", opt_name);
  F ("momentum", momentum);
  B ("nesterov", nesterov);
  F ("beta_1", beta_1);
  F ("beta_2", beta_2);
  F ("epsilon", epsilon);
  B ("amsgrad", amsgrad);
  F ("rho", rho);
  B ("centered", centered);
  F ("initial_accumulator_value", initial_accumulator_value);
  if (!is_null (oc, "clipnorm"))
    F ("clipnorm", clipnorm);
  if (!is_null (oc, "global_clipnorm"))
    F ("global_clipnorm", global_clipnorm);
  if (!is_null (oc, "clipvalue"))
    F ("clipvalue", clipvalue);
#undef F
#undef B
  return true;
}

static bool
parse_compile (JsonObject *cc, FtCompileSpec *spec, GError **error)
{
  *spec = ft_compile_spec_default ();
  spec->n_metrics = 0;
  /* optimizer: "adam" or {"class_name": "Adam", "config": {…}} */
  const char *opt_name = name_of (cc, is_null (cc, "optimizer") ? "optimizer_config" : "optimizer");
  if (opt_name)
    {
      FtOptimizerKind k;
      if (!ft_optimizer_kind_from_name (opt_name, &k))
        BAD (
            "the optimizer %s is not supported by FitTape (SGD, Adam, AdamW, Nadam, Adamax, RMSprop, Adagrad)",
            opt_name);
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
  const char *loss = name_of (cc, "loss");
  if (loss)
    {
      static const char *const classes[][2] = {
        { "SparseCategoricalCrossentropy", "sparse_categorical_crossentropy" },
        { "CategoricalCrossentropy", "categorical_crossentropy" },
        { "BinaryCrossentropy", "binary_crossentropy" },
        { "MeanSquaredError", "mean_squared_error" },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (classes); i++)
        if (strcmp (loss, classes[i][0]) == 0)
          loss = classes[i][1];
      if (!ft_loss_from_name (loss, &spec->loss.kind))
        BAD ("the loss %s is not supported by FitTape", loss);
      JsonNode *ln = json_object_get_member (cc, "loss");
      if (JSON_NODE_HOLDS_OBJECT (ln) && json_object_has_member (json_node_get_object (ln), "config"))
        spec->loss.from_logits = json_object_get_boolean_member_with_default (
            json_object_get_object_member (json_node_get_object (ln), "config"), "from_logits", false);
      else
        spec->loss.from_logits = false;
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
