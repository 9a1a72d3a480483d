/* ft-checkpoint.c — HDF5 checkpoints in the layout of Keras 3's legacy .h5 model files plus FitTape's
 * resume state (see ft-checkpoint.h for the layout).
 *
 * Saving writes a temporary file next to the target and renames it over the target only once the file is
 * complete and synced. Loading reads and checks everything into buffers of its own and copies into the
 * trainer only when the whole file has been found good. All HDF5 calls run under one lock with HDF5's
 * automatic error printing off; HDF5's error stack only feeds the messages. */
#include "train/ft-checkpoint.h"
#include "core/ft-error.h"
#include "core/ft-format.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"
#include "train/ft-checkpoint-guard.h"
#include "train/ft-h5-image.h"
#include "train/ft-h5-safety.h"

#include "core/ft-tape.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define FORMAT_VERSION 1
/* The Keras whose legacy .h5 layout and layer configs these files follow. */
#define KERAS_VERSION "3.6.0"
#define KERAS_BACKEND "tensorflow"
#define MODEL_NAME    "sequential"
/* Sanity bounds for what a file may ask us to allocate while reading attributes. */
#define MAX_LIST_ITEMS 100000
#define MAX_ATTR_BYTES ((size_t) 64 << 20)

/* ------------------------------------------------------------------------------------------------ */
/* The HDF5 lock                                                                                     */

/* A pthread mutex (not GMutex) so ThreadSanitizer sees it. */
static pthread_mutex_t hdf5_mutex = PTHREAD_MUTEX_INITIALIZER;

typedef struct
{
  H5E_auto2_t func;
  void *data;
} Hdf5Guard;

static void
hdf5_enter (Hdf5Guard *guard)
{
  pthread_mutex_lock (&hdf5_mutex);
  guard->func = NULL;
  guard->data = NULL;
  H5Eget_auto2 (H5E_DEFAULT, &guard->func, &guard->data);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static void
hdf5_leave (Hdf5Guard *guard)
{
  H5Eclear2 (H5E_DEFAULT);
  H5Eset_auto2 (H5E_DEFAULT, guard->func, guard->data);
  pthread_mutex_unlock (&hdf5_mutex);
}

static herr_t
first_error_cb (unsigned n, const H5E_error2_t *err, void *data)
{
  char **out = data;
  if (*out == NULL && err->desc != NULL && err->desc[0] != '\0')
    *out = g_strdup (err->desc);
  return 0;
}

/* The innermost description on HDF5's error stack (the cause, not the API call that reported it), on
 * one line. A failed system call's description ("file write failed: time = …, errno = 27, error
 * message = 'File too large', …") shrinks to "file write failed: File too large". */
static char *
hdf5_error_detail (void)
{
  char *detail = NULL;
  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, first_error_cb, &detail);
  if (detail == NULL)
    return g_strdup ("unknown HDF5 error");
  const char *msg = strstr (detail, "error message = '");
  const char *colon = strchr (detail, ':');
  if (msg != NULL && colon != NULL && colon < msg)
    {
      msg += strlen ("error message = '");
      const char *end = strchr (msg, '\'');
      char *shorter = g_strdup_printf ("%.*s: %.*s", (int) (colon - detail), detail,
                                       (int) (end != NULL ? end - msg : (ptrdiff_t) strlen (msg)), msg);
      g_free (detail);
      detail = shorter;
    }
  g_strdelimit (detail, "\r\n", ' ');
  return g_strstrip (detail);
}

static void
close_id (hid_t id)
{
  if (id >= 0)
    H5Idec_ref (id);
}

/* Errors: every message starts with the file's path. */
typedef struct
{
  const char *path;
  GError **error;
} Ctx;

static bool G_GNUC_PRINTF (2, 3) fail (Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (c->error, FT_ERROR, FT_ERROR_INVALID, "%s: %s", c->path, msg);
  g_free (msg);
  return false;
}

/* A failed write: G_FILE_ERROR with HDF5's reason. */
static bool
fail_write (Ctx *c, const char *what)
{
  char *detail = hdf5_error_detail ();
  g_set_error (c->error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot write %s: %s", c->path, what, detail);
  g_free (detail);
  return false;
}

/* A failed read of an object that exists: FT_ERROR_INVALID with HDF5's reason. */
static bool
fail_read (Ctx *c, const char *what)
{
  char *detail = hdf5_error_detail ();
  fail (c, "cannot read %s (the file is damaged?): %s", what, detail);
  g_free (detail);
  return false;
}

static char *
format_dims (int ndim, const hsize_t *dims, char *buf, size_t size)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %llu" : "%llu", (unsigned long long) dims[i]);
  g_string_append (s, ndim == 1 ? ",)" : ")");
  g_strlcpy (buf, s->str, size);
  g_string_free (s, TRUE);
  return buf;
}

static char *
describe_type (hid_t type, char *buf, size_t size)
{
  size_t bits = H5Tget_size (type) * 8;
  switch ((int) H5Tget_class (type)) /* HDF5's enum: only three classes have a name here */
    {
    case H5T_INTEGER:
      g_snprintf (buf, size, "%sint%zu", H5Tget_sign (type) == H5T_SGN_NONE ? "u" : "", bits);
      break;
    case H5T_FLOAT:
      g_snprintf (buf, size, "float%zu", bits);
      break;
    case H5T_STRING:
      g_snprintf (buf, size, "string");
      break;
    default:
      g_snprintf (buf, size, "a non-numeric type");
      break;
    }
  return buf;
}

/* ------------------------------------------------------------------------------------------------ */
/* Keras names and configs                                                                           */

static const char *
keras_optimizer_name (FtOptimizerKind kind)
{
  /* The optimizers' default `name` arguments in keras/src/optimizers/. */
  return ft_optimizer_kind_info (kind)->keras_name;
}

/* A float as Python would print the value the user typed: the shortest decimal that reads back as the
 * same float32, always with a '.' or an exponent so that json gives a Python float. Locale-independent. */
static void
json_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (s, ft_format_shortest (buf, sizeof buf, v, true));
  if (strpbrk (buf, ".eEni") == NULL)
    g_string_append (s, ".0");
}

static void
json_key (GString *s, const char *key)
{
  g_string_append (s, ", ");
  ft_json_append_string (s, key);
  g_string_append (s, ": ");
}

static void
json_pair (GString *s, int a, int b)
{
  g_string_append_printf (s, "[%d, %d]", a, b);
}

static void
json_batch_shape (GString *s, const FtModel *model)
{
  int ndim, shape[FT_MAX_DIMS];
  ft_model_input_shape (model, &ndim, shape);
  g_string_append (s, "[null");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, ", %d", shape[i]);
  g_string_append_c (s, ']');
}

/* An object serialized as serialization_lib.serialize_keras_object does for built-ins. */
static void
json_keras_object (GString *s, const char *module, const char *class_name, const char *config)
{
  g_string_append (s, "{\"module\": ");
  ft_json_append_string (s, module);
  g_string_append (s, ", \"class_name\": ");
  ft_json_append_string (s, class_name);
  g_string_append_printf (s, ", \"config\": %s, \"registered_name\": null}", config);
}

static void
json_initializer (GString *s, FtInitializer init)
{
  switch (init)
    {
    case FT_INIT_GLOROT_UNIFORM:
      json_keras_object (s, "keras.initializers", "GlorotUniform", "{\"seed\": null}");
      break;
    case FT_INIT_GLOROT_NORMAL:
      json_keras_object (s, "keras.initializers", "GlorotNormal", "{\"seed\": null}");
      break;
    case FT_INIT_HE_NORMAL:
      json_keras_object (s, "keras.initializers", "HeNormal", "{\"seed\": null}");
      break;
    case FT_INIT_HE_UNIFORM:
      json_keras_object (s, "keras.initializers", "HeUniform", "{\"seed\": null}");
      break;
    case FT_INIT_ONES:
      json_keras_object (s, "keras.initializers", "Ones", "{}");
      break;
    case FT_INIT_ZEROS:
    case FT_N_INITIALIZERS:
      json_keras_object (s, "keras.initializers", "Zeros", "{}");
      break;
    }
}

/* Keras' L1, L2 or L1L2 (both factors) as saved in a layer's config. */
static void
json_kernel_regularizer (GString *s, float l1, float l2)
{
  if (l2 <= 0.0f && l1 <= 0.0f)
    {
      g_string_append (s, "null");
      return;
    }
  GString *cfg = g_string_new ("{");
  if (l1 > 0.0f)
    {
      g_string_append (cfg, "\"l1\": ");
      json_float (cfg, l1);
    }
  if (l2 > 0.0f)
    {
      g_string_append (cfg, l1 > 0.0f ? ", \"l2\": " : "\"l2\": ");
      json_float (cfg, l2);
    }
  g_string_append_c (cfg, '}');
  json_keras_object (s, "keras.regularizers",
                     l1 > 0.0f && l2 > 0.0f ? "L1L2"
                     : l1 > 0.0f            ? "L1"
                                            : "L2",
                     cfg->str);
  g_string_free (cfg, TRUE);
}

static const char *
padding_name (FtPadding p)
{
  return p == FT_PADDING_SAME ? "same" : "valid";
}

/* The entries of a get_config() that the kind's table describes, in its order: ", \"key\": value". */
static void
json_params (GString *s, const FtKindInfo *kind, const void *spec)
{
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      const void *f = ft_param_cptr (p, spec);
      json_key (s, p->key);
      switch (p->type)
        {
        case FT_PARAM_FLOAT:
          if ((p->flags & FT_PARAM_ZERO_IS_NONE) && *(const float *) f == 0.0f)
            g_string_append (s, "null");
          else
            json_float (s, *(const float *) f);
          break;
        case FT_PARAM_INT:
          g_string_append_printf (s, "%d", *(const int *) f);
          break;
        case FT_PARAM_BOOL:
          g_string_append (s, *(const bool *) f ? "true" : "false");
          break;
        case FT_PARAM_PAIR:
          json_pair (s, ((const int *) f)[0], ((const int *) f)[1]);
          break;
        case FT_PARAM_PADDING:
          ft_json_append_string (s, padding_name (*(const FtPadding *) f));
          break;
        case FT_PARAM_ACTIVATION:
          ft_json_append_string (s, ft_activation_name (*(const FtActivation *) f));
          break;
        case FT_PARAM_INITIALIZER:
          json_initializer (s, *(const FtInitializer *) f);
          break;
        case FT_PARAM_L2:
          json_kernel_regularizer (s, ((const float *) f)[1], ((const float *) f)[0]); /* L1 follows L2 */
          break;
        case FT_PARAM_KERAS_CONST:
          g_string_append (s, p->keras);
          break;
        case FT_PARAM_DOUBLE:
        case FT_PARAM_OPTIONAL:
          if (ft_param_is_default (p, spec) && p->type == FT_PARAM_OPTIONAL)
            g_string_append (s, "null");
          else
            g_string_append_printf (s, "%.17g", ft_param_get_number (p, spec));
          break;
        case FT_PARAM_STRING:
          ft_json_append_string (s, f);
          break;
        case FT_PARAM_CHAR:
          ft_json_append_string (s, (const char[]){ *(const char *) f, '\0' });
          break;
        case FT_PARAM_CHOICE:
          ft_json_append_string (s, p->choices[*(const int *) f]);
          break;
        case FT_N_PARAM_TYPES:
          g_assert_not_reached ();
        }
    }
}

/* One layer as legacy_serialization.serialize_keras_object gives it: {"class_name", "config"}, the config
 * being the layer's get_config() (base keys name, trainable, dtype first; pooling strides resolved). */
static void
json_layer (GString *s, const FtLayerSpec *spec, const char *name)
{
  FtLayerSpec resolved = ft_layer_spec_resolved (spec);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, ft_layer_kind_name (spec->kind));
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, name);
  g_string_append (s, ", \"trainable\": true, \"dtype\": \"float32\"");
  json_params (s, ft_layer_kind_info (spec->kind), &resolved);
  g_string_append (s, "}}");
}

/* {"class_name": "Sequential", "config": {...}} as saving_utils.model_metadata writes it. */
static char *
model_config_json (const FtModel *model)
{
  GString *s = g_string_new ("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"" MODEL_NAME "\", "
                             "\"trainable\": true, \"dtype\": \"float32\", \"layers\": [");
  g_string_append (s, "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, ", \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"}}");
  for (int i = 0; i < ft_model_n_layers (model); i++)
    {
      g_string_append (s, ", ");
      json_layer (s, ft_model_layer_spec (model, i), ft_model_layer_name (model, i));
    }
  g_string_append (s, "], \"build_input_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, "}}");
  return g_string_free (s, FALSE);
}

/* The optimizer's get_config(), with the learning rate it has now. */
static void
json_optimizer_config (GString *s, const FtOptimizer *opt)
{
  FtOptimizerSpec spec = *ft_optimizer_spec (opt);
  spec.learning_rate = ft_optimizer_get_learning_rate (opt);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, ft_optimizer_kind_name (spec.kind));
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, keras_optimizer_name (spec.kind));
  json_params (s, ft_optimizer_kind_info (spec.kind), &spec);
  g_string_append (s, "}}");
}

/* The loss object's legacy serialization (compile() with a loss instance, as FitTape's spec carries
 * from_logits). */
static void
json_loss (GString *s, const FtLossSpec *loss)
{
  if ((unsigned) loss->kind >= FT_N_LOSSES)
    {
      g_string_append (s, "null");
      return;
    }
  const FtKindInfo *kind = ft_loss_kind_info (loss->kind);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, kind->name);
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, kind->keras_name);
  json_params (s, kind, loss);
  g_string_append (s, "}}");
}

/* model._compile_config without the optimizer, plus optimizer_config (saving_utils.model_metadata). */
static char *
training_config_json (FtTrainer *trainer)
{
  const FtCompileSpec *spec = ft_trainer_compile_spec (trainer);
  GString *s = g_string_new ("{\"loss\": ");
  json_loss (s, &spec->loss);
  g_string_append (s, ", \"loss_weights\": null, \"metrics\": [");
  for (int i = 0; i < spec->n_metrics; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      ft_json_append_string (s, spec->metrics[i]);
    }
  g_string_append (s, "], \"weighted_metrics\": null, \"run_eagerly\": false, \"steps_per_execution\": 1, "
                      "\"jit_compile\": false, \"optimizer_config\": ");
  json_optimizer_config (s, ft_trainer_optimizer (trainer));
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------------------------------ */
/* Writing                                                                                           */

static hid_t
string_type (bool variable, size_t size, H5T_cset_t cset)
{
  hid_t type = H5Tcopy (H5T_C_S1);
  if (type < 0)
    return type;
  if (variable)
    H5Tset_size (type, H5T_VARIABLE);
  else
    {
      H5Tset_size (type, size > 0 ? size : 1);
      H5Tset_strpad (type, H5T_STR_NULLPAD);
    }
  H5Tset_cset (type, cset);
  return type;
}

static bool
write_attr (Ctx *c, hid_t obj, const char *name, hid_t file_type, hid_t mem_type, int ndim,
            const hsize_t *dims, const void *data)
{
  hid_t space = ndim == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (ndim, dims, NULL);
  hid_t attr = space >= 0 ? H5Acreate2 (obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
  bool empty = ndim == 1 && dims[0] == 0;
  bool ok = attr >= 0 && (empty || H5Awrite (attr, mem_type, data) >= 0);
  if (!ok)
    {
      char *what = g_strdup_printf ("attribute %s", name);
      fail_write (c, what);
      g_free (what);
    }
  close_id (attr);
  close_id (space);
  return ok;
}

/* A scalar fixed-length string (as h5py stores numpy bytes; Keras decodes it). Fixed-length, not
 * variable-length: those live in HDF5's global heap, whose damaged records crash libhdf5 on reading. */
static bool
write_str_attr (Ctx *c, hid_t obj, const char *name, const char *value, H5T_cset_t cset)
{
  hid_t type = string_type (false, strlen (value), cset);
  bool ok = write_attr (c, obj, name, type, type, 0, NULL, value);
  close_id (type);
  return ok;
}

/* A list of names as numpy stores Keras' list of bytes: a 1-D array of fixed-length ASCII strings (the
 * longest name's length, NUL-padded); an empty list becomes an empty float64 array, as numpy makes of [].
 * A list over 64512 bytes is split into NAME0, NAME1, … as Keras' save_attributes_to_hdf5_group does
 * (HDF5's object header holds at most 64 KiB of attributes). */
static bool
write_str_list_attr (Ctx *c, hid_t obj, const char *name, const char *const *items, int n)
{
  hsize_t dims[1] = { (hsize_t) n };
  if (n == 0)
    return write_attr (c, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, NULL);
  size_t width = 1;
  for (int i = 0; i < n; i++)
    width = MAX (width, strlen (items[i]));
  char *packed = g_malloc0 (width * (size_t) n);
  for (int i = 0; i < n; i++)
    memcpy (packed + (size_t) i * width, items[i], strlen (items[i]));
  int chunks = 1;
  while ((size_t) ((n + chunks - 1) / chunks) * width > FT_LIMIT_ATTR_BYTES && chunks < n)
    chunks++;
  hid_t type = string_type (false, width, H5T_CSET_ASCII);
  bool ok = true;
  if (chunks == 1)
    ok = write_attr (c, obj, name, type, type, 1, dims, packed);
  else
    {
      /* numpy.array_split: the first n % chunks pieces one longer. */
      int start = 0;
      for (int k = 0; ok && k < chunks; k++)
        {
          int len = n / chunks + (k < n % chunks);
          hsize_t cd[1] = { (hsize_t) len };
          char *chunk_name = g_strdup_printf ("%s%d", name, k);
          ok = write_attr (c, obj, chunk_name, type, type, 1, cd, packed + (size_t) start * width);
          g_free (chunk_name);
          start += len;
        }
    }
  close_id (type);
  g_free (packed);
  return ok;
}

static bool
write_scalar_attr (Ctx *c, hid_t obj, const char *name, hid_t file_type, hid_t mem_type, const void *value)
{
  return write_attr (c, obj, name, file_type, mem_type, 0, NULL, value);
}

/* A dataset at a relative path (intermediate groups created, as h5py does for "sequential/dense/kernel"). */
static bool
write_dataset (Ctx *c, hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int ndim,
               const hsize_t *dims, const void *data)
{
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  if (lcpl >= 0)
    H5Pset_create_intermediate_group (lcpl, 1);
  hid_t space = ndim == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (ndim, dims, NULL);
  hid_t ds = lcpl >= 0 && space >= 0
                 ? H5Dcreate2 (loc, name, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT)
                 : -1;
  hsize_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= dims[i];
  bool ok = ds >= 0 && (n == 0 || H5Dwrite (ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
  if (!ok)
    {
      char *what = g_strdup_printf ("dataset %s", name);
      fail_write (c, what);
      g_free (what);
    }
  close_id (ds);
  close_id (space);
  close_id (lcpl);
  return ok;
}

static bool
write_float_dataset (Ctx *c, hid_t loc, const char *name, const FtTensor *t)
{
  hsize_t dims[FT_MAX_DIMS];
  for (int d = 0; d < t->ndim; d++)
    dims[d] = (hsize_t) t->shape[d];
  return write_dataset (c, loc, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, t->ndim, dims, t->data);
}

static hid_t
create_group (Ctx *c, hid_t loc, const char *name)
{
  hid_t g = H5Gcreate2 (loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0)
    {
      char *what = g_strdup_printf ("group %s", name);
      fail_write (c, what);
      g_free (what);
    }
  return g;
}

/* "sequential/dense/kernel": Keras 3's variable path (the model's name scope, the layer's, the weight). */
static char *
keras_weight_path (const FtTensor *t)
{
  return g_strdup_printf (MODEL_NAME "/%s", t->name);
}

static int
compare_layer_names (gconstpointer a, gconstpointer b, gpointer model)
{
  return strcmp (ft_model_layer_name (model, *(const int *) a),
                 ft_model_layer_name (model, *(const int *) b));
}

static bool
write_model_weights (Ctx *c, hid_t file, const FtModel *model)
{
  int n_layers = ft_model_n_layers (model);
  hid_t g = create_group (c, file, "model_weights");
  if (g < 0)
    return false;
  const char **names = g_new0 (const char *, n_layers);
  int *order = g_new0 (int, n_layers);
  for (int i = 0; i < n_layers; i++)
    {
      names[i] = ft_model_layer_name (model, i);
      order[i] = i;
    }
  bool ok = write_str_list_attr (c, g, "layer_names", names, n_layers)
            && write_str_attr (c, g, "backend", KERAS_BACKEND, H5T_CSET_ASCII)
            && write_str_attr (c, g, "keras_version", KERAS_VERSION, H5T_CSET_ASCII);
  /* Keras creates the layer groups sorted by name. */
  g_qsort_with_data (order, n_layers, sizeof (int), compare_layer_names, (gpointer) model);
  for (int k = 0; ok && k < n_layers; k++)
    {
      int layer = order[k];
      hid_t lg = create_group (c, g, names[layer]);
      if (lg < 0)
        {
          ok = false;
          break;
        }
      GPtrArray *wnames = g_ptr_array_new_with_free_func (g_free);
      GPtrArray *tensors = g_ptr_array_new ();
      for (int w = 0; w < ft_model_n_weights (model); w++)
        if (ft_model_weight_layer (model, w) == layer)
          {
            FtTensor *t = ft_model_weight (model, w);
            g_ptr_array_add (wnames, keras_weight_path (t));
            g_ptr_array_add (tensors, t);
          }
      ok = write_str_list_attr (c, lg, "weight_names", (const char *const *) wnames->pdata,
                                (int) wnames->len);
      for (guint w = 0; ok && w < wnames->len; w++)
        ok = write_float_dataset (c, lg, wnames->pdata[w], tensors->pdata[w]);
      g_ptr_array_unref (wnames);
      g_ptr_array_unref (tensors);
      close_id (lg);
    }
  if (ok)
    {
      hid_t top = create_group (c, g, "top_level_model_weights");
      ok = top >= 0 && write_str_list_attr (c, top, "weight_names", NULL, 0);
      close_id (top);
    }
  g_free (order);
  g_free (names);
  close_id (g);
  return ok;
}

/* Floats per optimizer slot: the sum of the trainable variables' sizes. */
static size_t
slot_floats (const FtModel *model)
{
  size_t n = 0;
  for (int i = 0; i < ft_model_n_trainable (model); i++)
    n += ft_model_trainable (model)[i]->size;
  return n;
}

/* optimizer.variables as Keras orders them: iteration, learning_rate, then the slots. */
static bool
write_optimizer_weights (Ctx *c, hid_t file, FtTrainer *trainer)
{
  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  const char *prefix = keras_optimizer_name (ft_optimizer_spec (opt)->kind);
  int n_vars = ft_model_n_trainable (model);
  int n_slots = ft_optimizer_n_slots (opt);
  FtTensor *const *vars = ft_model_trainable (model);
  const float *state = ft_optimizer_state (opt);

  /* (slot, variable) pairs in Keras' creation order. Adam, AdamW, Nadam and Adamax create their first two
   * slots together per variable (add_optimizer_variables with two names); every other slot list is made one
   * after the other. */
  int n_pairs = n_slots * n_vars;
  int *pair_slot = g_new0 (int, n_pairs + 1);
  int *pair_var = g_new0 (int, n_pairs + 1);
  int p = 0;
  int first = 0;
  int paired = ft_optimizer_paired_slots (opt);
  if (paired > 0 && n_slots >= paired)
    {
      for (int i = 0; i < n_vars; i++)
        for (int s = 0; s < paired; s++)
          {
            pair_slot[p] = s;
            pair_var[p++] = i;
          }
      first = paired;
    }
  for (int s = first; s < n_slots; s++)
    for (int i = 0; i < n_vars; i++)
      {
        pair_slot[p] = s;
        pair_var[p++] = i;
      }

  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup_printf ("%s/iteration", prefix));
  g_ptr_array_add (names, g_strdup_printf ("%s/learning_rate", prefix));
  for (p = 0; p < n_pairs; p++)
    {
      char *path = keras_weight_path (vars[pair_var[p]]);
      g_strdelimit (path, "/", '_');
      g_ptr_array_add (
          names, g_strdup_printf ("%s/%s_%s", prefix, path, ft_optimizer_slot_name (opt, pair_slot[p])));
      g_free (path);
    }

  bool ok = false;
  hid_t g = create_group (c, file, "optimizer_weights");
  if (g >= 0)
    {
      int64_t iterations = ft_optimizer_iterations (opt);
      float lr = ft_optimizer_get_learning_rate (opt);
      ok = write_str_list_attr (c, g, "weight_names", (const char *const *) names->pdata, (int) names->len)
           && write_dataset (c, g, names->pdata[0], H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL, &iterations)
           && write_dataset (c, g, names->pdata[1], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 0, NULL, &lr);
      for (p = 0; ok && p < n_pairs; p++)
        {
          const FtTensor *v = vars[pair_var[p]];
          FtTensor slot = *v;
          slot.data = (float *) state + ft_optimizer_slot_offset (opt, pair_slot[p], pair_var[p]);
          ok = write_float_dataset (c, g, names->pdata[2 + p], &slot);
        }
      close_id (g);
    }
  g_ptr_array_unref (names);
  g_free (pair_slot);
  g_free (pair_var);
  return ok;
}

static bool
write_fittape (Ctx *c, hid_t file, FtTrainer *trainer, int epoch)
{
  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  int n_slots = ft_optimizer_n_slots (opt);
  int n_vars = ft_model_n_trainable (model);
  FtTensor *const *vars = ft_model_trainable (model);
  hid_t g = create_group (c, file, "fittape");
  if (g < 0)
    return false;

  int32_t version = FORMAT_VERSION;
  int64_t epoch64 = epoch;
  int64_t iterations = ft_optimizer_iterations (opt);
  float lr = ft_optimizer_get_learning_rate (opt);
  uint64_t seed = ft_trainer_seed (trainer);
  const char **slot_names = g_new0 (const char *, n_slots + 1);
  for (int s = 0; s < n_slots; s++)
    slot_names[s] = ft_optimizer_slot_name (opt, s);
  hsize_t rng_dims[1] = { 4 };

  bool ok = write_scalar_attr (c, g, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &version)
            && write_scalar_attr (c, g, "epoch", H5T_STD_I64LE, H5T_NATIVE_INT64, &epoch64)
            && write_scalar_attr (c, g, "iterations", H5T_STD_I64LE, H5T_NATIVE_INT64, &iterations)
            && write_scalar_attr (c, g, "learning_rate", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &lr)
            && write_str_attr (c, g, "optimizer", ft_optimizer_kind_name (ft_optimizer_spec (opt)->kind),
                               H5T_CSET_UTF8)
            && write_scalar_attr (c, g, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed)
            && (n_slots == 0 || write_str_list_attr (c, g, "slot_names", slot_names, n_slots))
            && write_dataset (c, g, "shuffle_rng", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, rng_dims,
                              ft_trainer_shuffle_rng (trainer)->s)
            && write_dataset (c, g, "dropout_rng", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, rng_dims,
                              ft_model_dropout_rng (model)->s);

  /* Each slot as one block: the variables' slices gathered through ft_optimizer_slot_offset. */
  size_t per_slot = slot_floats (model);
  float *block = g_new0 (float, per_slot + 1);
  const float *state = ft_optimizer_state (opt);
  for (int s = 0; ok && s < n_slots; s++)
    {
      size_t off = 0;
      for (int i = 0; i < n_vars; i++)
        {
          memcpy (block + off, state + ft_optimizer_slot_offset (opt, s, i), vars[i]->size * sizeof (float));
          off += vars[i]->size;
        }
      hsize_t dims[1] = { (hsize_t) per_slot };
      char *name = g_strdup_printf ("optimizer_slots/%s", slot_names[s]);
      ok = write_dataset (c, g, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dims, block);
      g_free (name);
    }
  g_free (block);

  const char *experiment = ft_trainer_experiment_json (trainer);
  if (ok && experiment != NULL)
    {
      hid_t type = string_type (false, strlen (experiment), H5T_CSET_UTF8);
      ok = write_dataset (c, g, "experiment_json", type, type, 0, NULL, experiment);
      close_id (type);
    }
  g_free (slot_names);
  close_id (g);
  return ok;
}

static hid_t
file_access_plist (void)
{
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);
  if (fapl >= 0)
    {
      /* Closing the file closes whatever an error path left open. */
      H5Pset_fclose_degree (fapl, H5F_CLOSE_STRONG);
      /* Checkpoints are only ever replaced by a rename, never written in place, so HDF5's file locking
       * protects nothing here; and it fails on some file systems. */
      H5Pset_file_locking (fapl, false, true);
    }
  return fapl;
}

/* Builds the whole file in memory (HDF5's core driver, no backing store) and returns its image. HDF5
 * does no I/O of its own here on purpose: a write that fails inside HDF5 (full disk, file size limit)
 * leaves the library with objects it can neither flush nor close, and it crashes at exit. Our own
 * write() of the finished image fails cleanly instead. */
static void *
build_image (Ctx *c, const char *name, FtTrainer *trainer, bool weights_only, int epoch,
             const char *model_config, const char *training_config, size_t *size)
{
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);
  if (fapl >= 0)
    {
      H5Pset_fclose_degree (fapl, H5F_CLOSE_STRONG);
      H5Pset_fapl_core (fapl, (size_t) 1 << 20, false);
      /* A model_config over 64 KiB (hundreds of layers) does not fit the original object headers: the
       * 1.8 format keeps it in dense attribute storage (h5py reads it). Only then, so that ordinary
       * checkpoints stay in the format Keras writes. */
      if (strlen (model_config) > FT_LIMIT_ATTR_BYTES
          || (training_config != NULL && strlen (training_config) > FT_LIMIT_ATTR_BYTES))
        H5Pset_libver_bounds (fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    }
  hid_t file = fapl >= 0 ? H5Fcreate (name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
  close_id (fapl);
  if (file < 0)
    {
      fail_write (c, "the HDF5 file");
      return NULL;
    }
  bool ok = write_str_attr (c, file, "keras_version", KERAS_VERSION, H5T_CSET_UTF8)
            && write_str_attr (c, file, "backend", KERAS_BACKEND, H5T_CSET_UTF8)
            && write_str_attr (c, file, "model_config", model_config, H5T_CSET_ASCII)
            && (training_config == NULL
                || write_str_attr (c, file, "training_config", training_config, H5T_CSET_ASCII))
            && write_model_weights (c, file, ft_trainer_model (trainer))
            && (weights_only
                || (write_optimizer_weights (c, file, trainer) && write_fittape (c, file, trainer, epoch)));
  void *image = NULL;
  if (ok && H5Fflush (file, H5F_SCOPE_GLOBAL) < 0)
    ok = fail_write (c, "the HDF5 file");
  ssize_t n = ok ? H5Fget_file_image (file, NULL, 0) : -1;
  if (ok && n <= 0)
    ok = fail_write (c, "the HDF5 file image");
  if (ok)
    {
      image = g_try_malloc ((size_t) n);
      if (image == NULL)
        ok = fail (c, "no memory for the %zd-byte file", n);
      else if (H5Fget_file_image (file, image, (size_t) n) != n)
        ok = fail_write (c, "the HDF5 file image");
      else if (!ft_h5_image_fix_superblock (image, (size_t) n))
        ok = fail (c, "HDF5 made an image that is not an HDF5 file");
    }
  if (H5Fclose (file) < 0 && ok)
    ok = fail_write (c, "the HDF5 file");
  if (!ok)
    {
      g_free (image);
      return NULL;
    }
  *size = (size_t) n;
  return image;
}

/* A G_FILE_ERROR from errno: "PATH: WHAT: strerror". */
static bool
errno_error (GError **error, int err, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: %s: %s", path, what,
               g_strerror (err));
  return false;
}

/* fsync() of a file or directory by name: 0, or the errno of what failed. */
static int
fsync_path (const char *path, int flags)
{
  int fd = g_open (path, flags | O_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  int err = fsync (fd) == 0 ? 0 : errno;
  close (fd);
  return err;
}

bool
ft_checkpoint_save (FtTrainer *trainer, const char *path, bool weights_only, int epoch, GError **error)
{
  g_return_val_if_fail (trainer != NULL, false);
  g_return_val_if_fail (path != NULL && path[0] != '\0', false);
  g_return_val_if_fail (epoch >= 0, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);

  char *model_config = model_config_json (ft_trainer_model (trainer));
  char *training_config = weights_only ? NULL : training_config_json (trainer);

  /* The file, built in memory first. */
  Ctx c = { path, error };
  size_t size = 0;
  Hdf5Guard guard;
  hdf5_enter (&guard);
  char *name = g_strdup_printf ("%s (in memory %p)", path, (void *) &size);
  void *image = build_image (&c, name, trainer, weights_only, epoch, model_config, training_config, &size);
  g_free (name);
  hdf5_leave (&guard);
  if (image == NULL)
    {
      g_free (model_config);
      g_free (training_config);
      return false;
    }

  /* Then a temporary file next to the target (so that the rename stays within one file system): written,
   * synced, closed, renamed over the target. Any failure removes it and leaves the target as it was. */
  char *tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  bool ok = fd >= 0;
  if (ok)
    {
      flock (fd, LOCK_EX); /* held while it lives: an unlocked temporary file is a killed save's */
      ft_safe_file_remove_stale_temps (path);
    }
  if (!ok)
    errno_error (error, errno, path, "cannot create a temporary file beside it");
  for (size_t done = 0; ok && done < size;)
    {
      ssize_t w = write (fd, (const char *) image + done, size - done);
      if (w > 0)
        done += (size_t) w;
      else if (w == 0 || errno != EINTR)
        ok = errno_error (error, w == 0 ? EIO : errno, path, "cannot write the new file");
    }
  if (ok && fsync (fd) != 0)
    ok = errno_error (error, errno, path, "cannot sync the new file");
  if (fd >= 0 && close (fd) != 0 && ok)
    ok = errno_error (error, errno, path, "cannot write the new file");
  if (ok && g_rename (tmp, path) != 0)
    ok = errno_error (error, errno, path, "cannot replace it with the new file");
  if (ok)
    {
      /* Make the rename itself durable; a failure here does not undo a complete save. */
      char *dir = g_path_get_dirname (path);
      fsync_path (dir, O_RDONLY | O_DIRECTORY);
      g_free (dir);
      ft_checkpoint_guard_remember (path);
    }
  else if (fd >= 0)
    g_unlink (tmp);

  g_free (image);
  g_free (tmp);
  g_free (model_config);
  g_free (training_config);
  return ok;
}

/* ------------------------------------------------------------------------------------------------ */
/* Reading                                                                                           */

static GPtrArray *
read_strings_from_attr (Ctx *c, hid_t attr, const char *where, GPtrArray *out)
{
  hid_t type = H5Aget_type (attr);
  hid_t space = H5Aget_space (attr);
  hid_t mem = -1;
  bool ok = false;
  if (type < 0 || space < 0)
    {
      fail_read (c, where);
      goto done;
    }
  int ndims = H5Sget_simple_extent_ndims (space);
  hssize_t npoints = H5Sget_simple_extent_npoints (space);
  if (ndims < 0 || ndims > 1 || npoints < 0 || npoints > MAX_LIST_ITEMS)
    {
      fail (c, "%s is not a list of names", where);
      goto done;
    }
  if (H5Tget_class (type) != H5T_STRING)
    {
      /* numpy turns an empty list into an empty float64 array. */
      ok = npoints == 0;
      if (!ok)
        fail (c, "%s holds numbers, not names", where);
      goto done;
    }
  if (npoints == 0)
    {
      ok = true;
      goto done;
    }
  htri_t variable = H5Tis_variable_str (type);
  if (variable > 0)
    {
      mem = string_type (true, 0, H5Tget_cset (type));
      char **v = g_new0 (char *, npoints);
      if (mem >= 0 && H5Aread (attr, mem, v) >= 0)
        {
          for (hssize_t i = 0; i < npoints; i++)
            {
              g_ptr_array_add (out, g_strdup (v[i] != NULL ? v[i] : ""));
              if (v[i] != NULL)
                H5free_memory (v[i]);
            }
          ok = true;
        }
      else
        fail_read (c, where);
      g_free (v);
    }
  else
    {
      size_t size = H5Tget_size (type);
      if (size == 0 || size > MAX_ATTR_BYTES / (size_t) npoints)
        {
          fail (c, "%s has strings of an impossible size", where);
          goto done;
        }
      mem = H5Tcopy (type);
      char *buf = g_malloc0 (size * (size_t) npoints);
      if (mem >= 0 && H5Aread (attr, mem, buf) >= 0)
        {
          for (hssize_t i = 0; i < npoints; i++)
            g_ptr_array_add (out, g_strndup (buf + (size_t) i * size, size));
          ok = true;
        }
      else
        fail_read (c, where);
      g_free (buf);
    }
done:
  close_id (mem);
  close_id (space);
  close_id (type);
  return ok ? out : NULL;
}

/* A string attribute (scalar or 1-D), also in Keras' chunked form NAME0, NAME1, … that
 * save_attributes_to_hdf5_group uses for long lists. NULL with an error when missing or malformed. */
static GPtrArray *
read_str_list_attr (Ctx *c, hid_t obj, const char *objname, const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  char *where = g_strdup_printf ("attribute %s of %s", name, objname);
  bool ok = true;
  if (H5Aexists (obj, name) > 0)
    {
      hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
      ok = attr >= 0 ? read_strings_from_attr (c, attr, where, out) != NULL : fail_read (c, where);
      close_id (attr);
    }
  else
    {
      int chunk = 0;
      for (;; chunk++)
        {
          char *chunk_name = g_strdup_printf ("%s%d", name, chunk);
          bool exists = H5Aexists (obj, chunk_name) > 0;
          hid_t attr = exists ? H5Aopen (obj, chunk_name, H5P_DEFAULT) : -1;
          g_free (chunk_name);
          if (!exists)
            break;
          ok = attr >= 0 ? read_strings_from_attr (c, attr, where, out) != NULL : fail_read (c, where);
          close_id (attr);
          if (!ok)
            break;
        }
      if (ok && chunk == 0)
        ok = fail (c, "%s has no %s attribute", objname, name);
    }
  g_free (where);
  if (!ok)
    {
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

static char *
read_str_attr (Ctx *c, hid_t obj, const char *objname, const char *name)
{
  GPtrArray *list = read_str_list_attr (c, obj, objname, name);
  if (list == NULL)
    return NULL;
  char *s = NULL;
  if (list->len == 1)
    s = g_strdup (list->pdata[0]);
  else
    fail (c, "attribute %s of %s is not a single string", name, objname);
  g_ptr_array_unref (list);
  return s;
}

/* A numeric scalar attribute of the given class, converted by HDF5 to mem_type. */
static bool
read_scalar_attr (Ctx *c, hid_t obj, const char *objname, const char *name, H5T_class_t cls, hid_t mem_type,
                  void *out)
{
  if (H5Aexists (obj, name) <= 0)
    return fail (c, "%s has no %s attribute", objname, name);
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type (attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space (attr) : -1;
  char *where = g_strdup_printf ("attribute %s of %s", name, objname);
  bool ok;
  if (type < 0 || space < 0)
    ok = fail_read (c, where);
  else if (H5Tget_class (type) != cls || H5Sget_simple_extent_npoints (space) != 1)
    {
      char desc[32];
      ok = fail (c, "%s is %s, not a single %s", where, describe_type (type, desc, sizeof desc),
                 cls == H5T_FLOAT ? "float" : "integer");
    }
  else
    ok = H5Aread (attr, mem_type, out) >= 0 || fail_read (c, where);
  g_free (where);
  close_id (space);
  close_id (type);
  close_id (attr);
  return ok;
}

typedef enum
{
  DS_OK,
  DS_ERROR,    /* error set */
  DS_MISMATCH, /* type or shape differs; *file_dims and *type_desc tell */
} DatasetStatus;

/* Opens a dataset, checks it holds want_class values of want_size bytes in the shape want_dims, and reads
 * it through mem_type into out. On DS_MISMATCH the file's shape and type are returned for the message. */
static DatasetStatus
read_dataset (Ctx *c, hid_t loc, const char *name, const char *where, H5T_class_t want_class,
              size_t want_size, int want_ndim, const hsize_t *want_dims, hid_t mem_type, void *out,
              int *file_ndim, hsize_t *file_dims, char *type_desc, size_t desc_size)
{
  hid_t ds = H5Dopen2 (loc, name, H5P_DEFAULT);
  if (ds < 0)
    {
      fail (c, "%s is missing", where);
      return DS_ERROR;
    }
  hid_t type = H5Dget_type (ds);
  hid_t space = H5Dget_space (ds);
  DatasetStatus status = DS_OK;
  if (type < 0 || space < 0)
    {
      fail_read (c, where);
      status = DS_ERROR;
      goto done;
    }
  describe_type (type, type_desc, desc_size);
  int ndim = H5Sget_simple_extent_ndims (space);
  if (ndim < 0 || ndim > 32)
    {
      fail_read (c, where);
      status = DS_ERROR;
      goto done;
    }
  hsize_t dims[32];
  H5Sget_simple_extent_dims (space, dims, NULL);
  *file_ndim = ndim;
  memcpy (file_dims, dims, (size_t) ndim * sizeof (hsize_t));
  bool same = ndim == want_ndim;
  for (int d = 0; same && d < ndim; d++)
    same = dims[d] == want_dims[d];
  if (!same || H5Tget_class (type) != want_class || H5Tget_size (type) != want_size)
    {
      status = DS_MISMATCH;
      goto done;
    }
  hsize_t n = 1;
  for (int d = 0; d < ndim; d++)
    n *= dims[d];
  if (n > 0 && H5Dread (ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    {
      fail_read (c, where);
      status = DS_ERROR;
    }
done:
  close_id (space);
  close_id (type);
  close_id (ds);
  return status;
}

/* Everything a checkpoint restores, read and checked before the trainer is touched. */
typedef struct
{
  float *weights; /* n_params floats in Keras order, as ft_model_set_weights takes them */
  bool have_state;
  float *slots; /* n_slots blocks of slot_floats () */
  int64_t epoch;
  int64_t iterations;
  float learning_rate;
  uint64_t seed;
  FtRng shuffle_rng;
  FtRng dropout_rng;
} Loaded;

static char *
join_names (GPtrArray *names)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *) names->pdata[i]);
  return g_string_free (s, FALSE);
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash != NULL ? slash + 1 : path;
}

/* The layer's weights in the file are not the model's: both lists in the message. */
static void
fail_weight_count (Ctx *c, const FtModel *model, int layer, const char *lname, GPtrArray *wnames,
                   const int *idx, int n)
{
  GString *expected = g_string_new (NULL);
  for (int k = 0; k < n; k++)
    g_string_append_printf (expected, "%s%s", k ? ", " : "",
                            base_name (ft_model_weight (model, idx[k])->name));
  char *found = join_names (wnames);
  fail (c, "layer %d (%s) has %u weight%s in the file (%s), but the model has %d%s%s%s", layer + 1, lname,
        wnames->len, wnames->len == 1 ? "" : "s", wnames->len ? found : "none", n, n ? " (" : "",
        expected->str, n ? ")" : "");
  g_free (found);
  g_string_free (expected, TRUE);
}

static bool
read_layer (Ctx *c, hid_t mw, const FtModel *model, int layer, float *weights, const size_t *weight_offset)
{
  const char *lname = ft_model_layer_name (model, layer);
  char *objname = g_strdup_printf ("model_weights/%s", lname);
  hid_t lg = H5Gopen2 (mw, lname, H5P_DEFAULT);
  GPtrArray *wnames = NULL;
  bool ok = false;
  if (lg < 0)
    {
      fail (c, "layer %d (%s) has no group %s", layer + 1, lname, objname);
      goto done;
    }
  wnames = read_str_list_attr (c, lg, objname, "weight_names");
  if (wnames == NULL)
    goto done;

  int idx[FT_LAYER_MAX_WEIGHTS * 2];
  int n = 0;
  for (int w = 0; w < ft_model_n_weights (model) && n < (int) G_N_ELEMENTS (idx); w++)
    if (ft_model_weight_layer (model, w) == layer)
      idx[n++] = w;
  if ((int) wnames->len != n)
    {
      fail_weight_count (c, model, layer, lname, wnames, idx, n);
      goto done;
    }
  for (int k = 0; k < n; k++)
    {
      const FtTensor *t = ft_model_weight (model, idx[k]);
      const char *want = base_name (t->name);
      /* "sequential/dense/kernel" (Keras 3) or "dense/kernel:0" (Keras 2): compare the last part. */
      char *have = g_strdup (base_name (wnames->pdata[k]));
      char *colon = strchr (have, ':');
      if (colon != NULL)
        *colon = '\0';
      bool same_name = strcmp (have, want) == 0;
      if (!same_name)
        fail (c, "layer %d (%s): weight %d is %s in the file, but %s in the model", layer + 1, lname, k + 1,
              (const char *) wnames->pdata[k], want);
      g_free (have);
      if (!same_name)
        goto done;

      hsize_t want_dims[FT_MAX_DIMS], file_dims[32];
      for (int d = 0; d < t->ndim; d++)
        want_dims[d] = (hsize_t) t->shape[d];
      int file_ndim = 0;
      char type_desc[32] = "";
      char *where = g_strdup_printf ("layer %d (%s): dataset %s/%s", layer + 1, lname, objname,
                                     (const char *) wnames->pdata[k]);
      DatasetStatus st = read_dataset (c, lg, wnames->pdata[k], where, H5T_FLOAT, 4, t->ndim, want_dims,
                                       H5T_NATIVE_FLOAT, weights + weight_offset[idx[k]], &file_ndim,
                                       file_dims, type_desc, sizeof type_desc);
      g_free (where);
      if (st == DS_ERROR)
        goto done;
      if (st == DS_MISMATCH)
        {
          char fs[160], ms[160];
          format_dims (file_ndim, file_dims, fs, sizeof fs);
          format_dims (t->ndim, want_dims, ms, sizeof ms);
          if (strcmp (fs, ms) != 0)
            fail (c, "layer %d is %s with %s %s, but the model has %s", layer + 1, lname, want, fs, ms);
          else
            fail (c, "layer %d (%s): %s is stored as %s, not float32", layer + 1, lname, want, type_desc);
          goto done;
        }
    }
  ok = true;
done:
  if (wnames != NULL)
    g_ptr_array_unref (wnames);
  close_id (lg);
  g_free (objname);
  return ok;
}

static bool
read_model_weights (Ctx *c, hid_t file, const FtModel *model, Loaded *ld)
{
  if (H5Lexists (file, "model_weights", H5P_DEFAULT) <= 0)
    return fail (c, "no model_weights group: not a Keras HDF5 model file");
  hid_t mw = H5Gopen2 (file, "model_weights", H5P_DEFAULT);
  if (mw < 0)
    return fail_read (c, "the model_weights group");

  bool ok = false;
  int n_layers = ft_model_n_layers (model);
  size_t *offset = g_new0 (size_t, ft_model_n_weights (model) + 1);
  for (int w = 1; w <= ft_model_n_weights (model); w++)
    offset[w] = offset[w - 1] + ft_model_weight (model, w - 1)->size;

  GPtrArray *names = read_str_list_attr (c, mw, "model_weights", "layer_names");
  if (names == NULL)
    goto done;
  bool same = (int) names->len == n_layers;
  for (int i = 0; same && i < n_layers; i++)
    same = strcmp (names->pdata[i], ft_model_layer_name (model, i)) == 0;
  if (!same)
    {
      GPtrArray *model_names = g_ptr_array_new ();
      for (int i = 0; i < n_layers; i++)
        g_ptr_array_add (model_names, (gpointer) ft_model_layer_name (model, i));
      char *in_file = join_names (names);
      char *in_model = join_names (model_names);
      if ((int) names->len != n_layers)
        fail (c, "the file has %u layers (%s), but the model has %d (%s)", names->len, in_file, n_layers,
              in_model);
      else
        for (int i = 0; i < n_layers; i++)
          if (strcmp (names->pdata[i], ft_model_layer_name (model, i)) != 0)
            {
              fail (c, "layer %d is %s in the file, but %s in the model (file: %s; model: %s)", i + 1,
                    (const char *) names->pdata[i], ft_model_layer_name (model, i), in_file, in_model);
              break;
            }
      g_free (in_file);
      g_free (in_model);
      g_ptr_array_unref (model_names);
      goto done;
    }
  ok = true;
  for (int i = 0; ok && i < n_layers; i++)
    ok = read_layer (c, mw, model, i, ld->weights, offset);
done:
  if (names != NULL)
    g_ptr_array_unref (names);
  g_free (offset);
  close_id (mw);
  return ok;
}

static bool
read_rng (Ctx *c, hid_t g, const char *name, FtRng *rng)
{
  hsize_t want[1] = { 4 }, dims[32];
  int ndim = 0;
  char desc[32] = "";
  char *where = g_strdup_printf ("fittape/%s", name);
  DatasetStatus st = read_dataset (c, g, name, where, H5T_INTEGER, 8, 1, want, H5T_NATIVE_UINT64, rng->s,
                                   &ndim, dims, desc, sizeof desc);
  if (st == DS_MISMATCH)
    {
      char fs[160];
      fail (c, "%s should hold 4 uint64 but is %s %s", where, desc, format_dims (ndim, dims, fs, sizeof fs));
    }
  g_free (where);
  if (st == DS_OK && rng->s[0] == 0 && rng->s[1] == 0 && rng->s[2] == 0 && rng->s[3] == 0)
    return fail (c, "fittape/%s is all zeros, which no generator state can be", name);
  return st == DS_OK;
}

/* The fittape group: resume state, and the optimizer's slots when the trainer's optimizer is the same
 * kind with the same slots (otherwise ld->have_state stays false and only the weights are restored). */
/* The run's state: the format version, epoch, iteration count, learning rate and seed. */
static bool
read_run_state (Ctx *c, hid_t g, Loaded *ld)
{
  int32_t version = 0;
  if (!read_scalar_attr (c, g, "fittape", "format_version", H5T_INTEGER, H5T_NATIVE_INT32, &version))
    return false;
  if (version != FORMAT_VERSION)
    {
      fail (c, "checkpoint format %d (this FitTape reads format %d)", version, FORMAT_VERSION);
      return false;
    }
  if (!read_scalar_attr (c, g, "fittape", "epoch", H5T_INTEGER, H5T_NATIVE_INT64, &ld->epoch)
      || !read_scalar_attr (c, g, "fittape", "iterations", H5T_INTEGER, H5T_NATIVE_INT64, &ld->iterations)
      || !read_scalar_attr (c, g, "fittape", "learning_rate", H5T_FLOAT, H5T_NATIVE_FLOAT, &ld->learning_rate)
      || !read_scalar_attr (c, g, "fittape", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &ld->seed))
    return false;
  if (ld->epoch < 0 || ld->epoch > INT_MAX || ld->iterations < 0)
    {
      fail (c,
            "fittape has an impossible epoch (%" G_GINT64_FORMAT ") or iteration count (%" G_GINT64_FORMAT
            ")",
            ld->epoch, ld->iterations);
      return false;
    }
  if (!(isfinite (ld->learning_rate) && ld->learning_rate >= 0.0f))
    {
      fail (c, "fittape has an impossible learning rate (%g)", (double) ld->learning_rate);
      return false;
    }
  return true;
}

/* The optimizer's slots (the trainer's optimizer has the same kind and slots as the file's). */
static bool
read_slots (Ctx *c, hid_t g, FtOptimizer *opt, size_t per_slot, Loaded *ld)
{
  int n_slots = ft_optimizer_n_slots (opt);
  ld->slots = g_new0 (float, (size_t) n_slots *per_slot + 1);
  for (int s = 0; s < n_slots; s++)
    {
      hsize_t want[1] = { (hsize_t) per_slot }, dims[32];
      int ndim = 0;
      char desc[32] = "";
      char *name = g_strdup_printf ("optimizer_slots/%s", ft_optimizer_slot_name (opt, s));
      char *where = g_strdup_printf ("fittape/%s", name);
      DatasetStatus st = read_dataset (c, g, name, where, H5T_FLOAT, 4, 1, want, H5T_NATIVE_FLOAT,
                                       ld->slots + (size_t) s * per_slot, &ndim, dims, desc, sizeof desc);
      if (st == DS_MISMATCH)
        {
          char fs[160];
          fail (c, "optimizer slot %s is %s %s in the file, but the optimizer has %zu floats per slot",
                ft_optimizer_slot_name (opt, s), desc, format_dims (ndim, dims, fs, sizeof fs), per_slot);
        }
      g_free (where);
      g_free (name);
      if (st != DS_OK)
        return false;
    }
  return true;
}

static bool
read_fittape (Ctx *c, hid_t file, FtTrainer *trainer, Loaded *ld)
{
  htri_t exists = H5Lexists (file, "fittape", H5P_DEFAULT);
  if (exists <= 0)
    return true;
  hid_t g = H5Gopen2 (file, "fittape", H5P_DEFAULT);
  if (g < 0)
    return fail_read (c, "the fittape group");

  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  int n_slots = ft_optimizer_n_slots (opt);
  size_t per_slot = slot_floats (model);
  char *kind_name = NULL;
  GPtrArray *slot_names = NULL;
  bool ok = false;

  if (!read_run_state (c, g, ld))
    goto done;
  kind_name = read_str_attr (c, g, "fittape", "optimizer");
  if (kind_name == NULL)
    goto done;
  if (H5Aexists (g, "slot_names") > 0 || H5Aexists (g, "slot_names0") > 0)
    {
      slot_names = read_str_list_attr (c, g, "fittape", "slot_names");
      if (slot_names == NULL)
        goto done;
    }
  else
    slot_names = g_ptr_array_new_with_free_func (g_free);
  if (!read_rng (c, g, "shuffle_rng", &ld->shuffle_rng) || !read_rng (c, g, "dropout_rng", &ld->dropout_rng))
    goto done;

  /* Does the trainer's optimizer match? A different one is not an error: the weights still load. */
  FtOptimizerKind kind;
  bool match = ft_optimizer_kind_from_name (kind_name, &kind) && kind == ft_optimizer_spec (opt)->kind
               && (int) slot_names->len == n_slots;
  for (int s = 0; match && s < n_slots; s++)
    match = strcmp (slot_names->pdata[s], ft_optimizer_slot_name (opt, s)) == 0;
  if (!match)
    {
      ok = true;
      goto done;
    }
  if (!read_slots (c, g, opt, per_slot, ld))
    goto done;
  ld->have_state = true;
  ok = true;
done:
  if (slot_names != NULL)
    g_ptr_array_unref (slot_names);
  g_free (kind_name);
  close_id (g);
  return ok;
}

/* Opens path read-only; distinguishes "not HDF5" from "HDF5 but damaged" in the message. */
static hid_t
open_for_reading (Ctx *c)
{
  int fd = g_open (c->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int err = errno;
      g_set_error (c->error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: %s", c->path,
                   g_strerror (err));
      return -1;
    }
  close (fd);
  hid_t fapl = file_access_plist ();
  hid_t file = fapl >= 0 ? H5Fopen (c->path, H5F_ACC_RDONLY, fapl) : -1;
  char *problem = NULL;
  if (file >= 0 && !ft_h5_check_file (file, false, &problem))
    {
      /* Links, external storage, sizes: refused before any content is read. */
      fail (c, "%s", problem);
      g_free (problem);
      H5Fclose (file);
      close_id (fapl);
      return -1;
    }
  if (file < 0)
    {
      char *detail = hdf5_error_detail ();
      htri_t is_hdf5 = H5Fis_hdf5 (c->path);
      if (is_hdf5 > 0)
        fail (c, "the HDF5 file is damaged or truncated (%s)", detail);
      else
        fail (c, "not an HDF5 file (%s)", detail);
      g_free (detail);
    }
  close_id (fapl);
  return file;
}

/* The values themselves: finite weights and slots, non-negative second moments, a plausible iteration
 * count and learning rate (a resumed run must not fail later "blaming the learning rate"). */
static bool
values_in_range (Ctx *c, const FtModel *model, const FtOptimizer *opt, const Loaded *ld)
{
  size_t off = 0;
  for (int w = 0; w < ft_model_n_weights (model); off += ft_model_weight (model, w)->size, w++)
    for (size_t i = 0; i < ft_model_weight (model, w)->size; i++)
      if (!isfinite (ld->weights[off + i]))
        return fail (c, "weight %s holds a non-finite value (%g at index %zu)",
                     ft_model_weight (model, w)->name, (double) ld->weights[off + i], i);
  if (!ld->have_state)
    return true;
  if (ld->iterations > FT_LIMIT_CHECKPOINT_ITERATIONS)
    return fail (
        c, "fittape has an implausible iteration count (%" G_GINT64_FORMAT ", at most %" G_GINT64_FORMAT ")",
        ld->iterations, (gint64) FT_LIMIT_CHECKPOINT_ITERATIONS);
  if (ld->learning_rate > FT_LIMIT_LEARNING_RATE)
    return fail (c, "fittape has an implausible learning rate (%g, at most %g)", (double) ld->learning_rate,
                 FT_LIMIT_LEARNING_RATE);
  size_t per_slot = slot_floats (model);
  for (int s = 0; s < ft_optimizer_n_slots (opt); s++)
    {
      const char *name = ft_optimizer_slot_name (opt, s);
      bool second_moment = strcmp (name, "velocity") == 0 || strcmp (name, "velocity_hat") == 0
                           || strcmp (name, "accumulator") == 0;
      const float *slot = ld->slots + (size_t) s * per_slot;
      for (size_t i = 0; i < per_slot; i++)
        if (!isfinite (slot[i]) || (second_moment && slot[i] < 0.0f))
          return fail (c, "optimizer slot %s holds %s (%g at index %zu)", name,
                       isfinite (slot[i]) ? "a negative second moment" : "a non-finite value",
                       (double) slot[i], i);
    }
  return true;
}

static void
loaded_clear (Loaded *ld)
{
  g_free (ld->weights);
  g_free (ld->slots);
}

bool
ft_checkpoint_load (FtTrainer *trainer, const char *path, FtResumeState *state, bool *has_state,
                    GError **error)
{
  g_return_val_if_fail (trainer != NULL, false);
  g_return_val_if_fail (path != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  if (has_state != NULL)
    *has_state = false;

  if (!ft_checkpoint_guard_check (path, error))
    return false;
  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  Loaded ld;
  memset (&ld, 0, sizeof ld);
  ld.weights = g_new0 (float, ft_model_n_params (model) + 1);

  Ctx c = { path, error };
  Hdf5Guard guard;
  hdf5_enter (&guard);
  hid_t file = open_for_reading (&c);
  bool ok = file >= 0 && read_model_weights (&c, file, model, &ld) && read_fittape (&c, file, trainer, &ld)
            && values_in_range (&c, model, opt, &ld);
  if (file >= 0)
    H5Fclose (file);
  hdf5_leave (&guard);
  if (!ok)
    {
      loaded_clear (&ld);
      return false;
    }

  /* Everything checked: now, and only now, the trainer changes. */
  ft_model_set_weights (model, ld.weights);
  if (ld.have_state)
    {
      FtTensor *const *vars = ft_model_trainable (model);
      float *dst = ft_optimizer_state (opt);
      size_t per_slot = slot_floats (model);
      for (int s = 0; s < ft_optimizer_n_slots (opt); s++)
        {
          size_t off = 0;
          for (int i = 0; i < ft_model_n_trainable (model); i++)
            {
              memcpy (dst + ft_optimizer_slot_offset (opt, s, i), ld.slots + (size_t) s * per_slot + off,
                      vars[i]->size * sizeof (float));
              off += vars[i]->size;
            }
        }
      ft_optimizer_set_iterations (opt, ld.iterations);
      ft_optimizer_set_learning_rate (opt, ld.learning_rate);
      *ft_trainer_shuffle_rng (trainer) = ld.shuffle_rng;
      *ft_model_dropout_rng (model) = ld.dropout_rng;
      if (state != NULL)
        {
          state->epoch = (int) ld.epoch;
          state->step = ld.iterations;
          state->learning_rate = ld.learning_rate;
          state->shuffle_rng = ld.shuffle_rng;
          state->dropout_rng = ld.dropout_rng;
          state->seed = ld.seed;
        }
      if (has_state != NULL)
        *has_state = true;
    }
  loaded_clear (&ld);
  return true;
}

char *
ft_checkpoint_read_experiment (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!ft_checkpoint_guard_check (path, error))
    return NULL;
  Ctx c = { path, error };
  char *json = NULL;
  Hdf5Guard guard;
  hdf5_enter (&guard);
  hid_t file = open_for_reading (&c);
  if (file >= 0)
    {
      if (H5Lexists (file, "fittape", H5P_DEFAULT) <= 0
          || H5Lexists (file, "fittape/experiment_json", H5P_DEFAULT) <= 0)
        fail (&c, "the checkpoint holds no experiment (saved with weights only, or without one)");
      else
        {
          hid_t ds = H5Dopen2 (file, "fittape/experiment_json", H5P_DEFAULT);
          hid_t type = ds >= 0 ? H5Dget_type (ds) : -1;
          hid_t space = ds >= 0 ? H5Dget_space (ds) : -1;
          if (type < 0 || space < 0)
            fail_read (&c, "fittape/experiment_json");
          else if (H5Tget_class (type) != H5T_STRING || H5Sget_simple_extent_npoints (space) != 1)
            fail (&c, "fittape/experiment_json is not a string");
          else if (H5Tis_variable_str (type) <= 0)
            {
              /* Fixed-length (as FitTape writes it now), within the size an experiment may have. */
              size_t size = H5Tget_size (type);
              hid_t mem = size > 0 && size <= FT_LIMIT_EXPERIMENT_BYTES ? H5Tcopy (type) : -1;
              char *buf = mem >= 0 ? g_try_malloc0 (size + 1) : NULL;
              if (mem < 0 || buf == NULL)
                fail (&c, "fittape/experiment_json has an impossible size (%zu bytes)", size);
              else if (H5Dread (ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
                json = g_strndup (buf, size);
              else
                fail_read (&c, "fittape/experiment_json");
              g_free (buf);
              close_id (mem);
            }
          else
            {
              hid_t mem = string_type (true, 0, H5T_CSET_UTF8);
              char *value = NULL;
              if (mem >= 0 && H5Dread (ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0)
                {
                  json = g_strdup (value != NULL ? value : "");
                  if (value != NULL)
                    H5free_memory (value);
                }
              else
                fail_read (&c, "fittape/experiment_json");
              close_id (mem);
            }
          close_id (space);
          close_id (type);
          close_id (ds);
        }
      H5Fclose (file);
    }
  hdf5_leave (&guard);
  if (json != NULL && !g_utf8_validate (json, -1, NULL))
    {
      g_clear_pointer (&json, g_free);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: the embedded experiment is not valid UTF-8", path);
    }
  return json;
}
