/* ft-checkpoint-read.c — loading a checkpoint: every attribute and dataset read into buffers of its own
 * and checked (names, shapes, types, finite values, the optimizer's slots) before the trainer is touched,
 * and the experiment a checkpoint carries. */
#include "train/ft-checkpoint-private.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "train/ft-checkpoint-guard.h"
#include "train/ft-h5-safety.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Reading                                                                                           */

static GPtrArray *
read_strings_from_attr (FtCkptCtx *c, hid_t attr, const char *where, GPtrArray *out)
{
  hid_t type = H5Aget_type (attr);
  hid_t space = H5Aget_space (attr);
  hid_t mem = -1;
  bool ok = false;
  if (type < 0 || space < 0)
    {
      ft_ckpt_fail_read (c, where);
      goto done;
    }
  int ndims = H5Sget_simple_extent_ndims (space);
  hssize_t npoints = H5Sget_simple_extent_npoints (space);
  if (ndims < 0 || ndims > 1 || npoints < 0 || npoints > MAX_LIST_ITEMS)
    {
      ft_ckpt_fail (c, "%s is not a list of names", where);
      goto done;
    }
  if (H5Tget_class (type) != H5T_STRING)
    {
      /* numpy turns an empty list into an empty float64 array. */
      ok = npoints == 0;
      if (!ok)
        ft_ckpt_fail (c, "%s holds numbers, not names", where);
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
      mem = ft_ckpt_string_type (true, 0, H5Tget_cset (type));
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
        ft_ckpt_fail_read (c, where);
      g_free (v);
    }
  else
    {
      size_t size = H5Tget_size (type);
      if (size == 0 || size > MAX_ATTR_BYTES / (size_t) npoints)
        {
          ft_ckpt_fail (c, "%s has strings of an impossible size", where);
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
        ft_ckpt_fail_read (c, where);
      g_free (buf);
    }
done:
  ft_hdf5_close_id (mem);
  ft_hdf5_close_id (space);
  ft_hdf5_close_id (type);
  return ok ? out : NULL;
}

/* A string attribute (scalar or 1-D), also in Keras' chunked form NAME0, NAME1, … that
 * save_attributes_to_hdf5_group uses for long lists. NULL with an error when missing or malformed. */
static GPtrArray *
read_str_list_attr (FtCkptCtx *c, hid_t obj, const char *objname, const char *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  char *where = g_strdup_printf ("attribute %s of %s", name, objname);
  bool ok = true;
  if (H5Aexists (obj, name) > 0)
    {
      hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
      ok = attr >= 0 ? read_strings_from_attr (c, attr, where, out) != NULL : ft_ckpt_fail_read (c, where);
      ft_hdf5_close_id (attr);
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
          ok = attr >= 0 ? read_strings_from_attr (c, attr, where, out) != NULL
                         : ft_ckpt_fail_read (c, where);
          ft_hdf5_close_id (attr);
          if (!ok)
            break;
        }
      if (ok && chunk == 0)
        ok = ft_ckpt_fail (c, "%s has no %s attribute", objname, name);
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
read_str_attr (FtCkptCtx *c, hid_t obj, const char *objname, const char *name)
{
  GPtrArray *list = read_str_list_attr (c, obj, objname, name);
  if (list == NULL)
    return NULL;
  char *s = NULL;
  if (list->len == 1)
    s = g_strdup (list->pdata[0]);
  else
    ft_ckpt_fail (c, "attribute %s of %s is not a single string", name, objname);
  g_ptr_array_unref (list);
  return s;
}

/* A numeric scalar attribute of the given class, converted by HDF5 to mem_type. */
static bool
read_scalar_attr (FtCkptCtx *c, hid_t obj, const char *objname, const char *name, H5T_class_t cls,
                  hid_t mem_type, void *out)
{
  if (H5Aexists (obj, name) <= 0)
    return ft_ckpt_fail (c, "%s has no %s attribute", objname, name);
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type (attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space (attr) : -1;
  char *where = g_strdup_printf ("attribute %s of %s", name, objname);
  bool ok;
  if (type < 0 || space < 0)
    ok = ft_ckpt_fail_read (c, where);
  else if (H5Tget_class (type) != cls || H5Sget_simple_extent_npoints (space) != 1)
    {
      char desc[32];
      ok = ft_ckpt_fail (c, "%s is %s, not a single %s", where,
                         ft_hdf5_describe_type (type, desc, sizeof desc),
                         cls == H5T_FLOAT ? "float" : "integer");
    }
  else
    ok = H5Aread (attr, mem_type, out) >= 0 || ft_ckpt_fail_read (c, where);
  g_free (where);
  ft_hdf5_close_id (space);
  ft_hdf5_close_id (type);
  ft_hdf5_close_id (attr);
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
read_dataset (FtCkptCtx *c, hid_t loc, const char *name, const char *where, H5T_class_t want_class,
              size_t want_size, int want_ndim, const hsize_t *want_dims, hid_t mem_type, void *out,
              int *file_ndim, hsize_t *file_dims, char *type_desc, size_t desc_size)
{
  hid_t ds = H5Dopen2 (loc, name, H5P_DEFAULT);
  if (ds < 0)
    {
      ft_ckpt_fail (c, "%s is missing", where);
      return DS_ERROR;
    }
  hid_t type = H5Dget_type (ds);
  hid_t space = H5Dget_space (ds);
  DatasetStatus status = DS_OK;
  if (type < 0 || space < 0)
    {
      ft_ckpt_fail_read (c, where);
      status = DS_ERROR;
      goto done;
    }
  ft_hdf5_describe_type (type, type_desc, desc_size);
  int ndim = H5Sget_simple_extent_ndims (space);
  if (ndim < 0 || ndim > 32)
    {
      ft_ckpt_fail_read (c, where);
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
      ft_ckpt_fail_read (c, where);
      status = DS_ERROR;
    }
done:
  ft_hdf5_close_id (space);
  ft_hdf5_close_id (type);
  ft_hdf5_close_id (ds);
  return status;
}

/* Everything a checkpoint restores, read and checked before the trainer is touched. */
typedef struct
{
  float *weights; /* n_params floats in Keras order, as ft_model_set_weights takes them */
  bool have_state;
  float *slots; /* n_slots blocks of ft_model_n_trainable_params () floats */
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
fail_weight_count (FtCkptCtx *c, const FtModel *model, int layer, const char *lname, GPtrArray *wnames,
                   const int *idx, int n)
{
  GString *expected = g_string_new (NULL);
  for (int k = 0; k < n; k++)
    g_string_append_printf (expected, "%s%s", k ? ", " : "",
                            base_name (ft_model_weight (model, idx[k])->name));
  char *found = join_names (wnames);
  ft_ckpt_fail (c, "layer %d (%s) has %u weight%s in the file (%s), but the model has %d%s%s%s", layer + 1,
                lname, wnames->len, wnames->len == 1 ? "" : "s", wnames->len ? found : "none", n,
                n ? " (" : "", expected->str, n ? ")" : "");
  g_free (found);
  g_string_free (expected, TRUE);
}

static bool
read_layer (FtCkptCtx *c, hid_t mw, const FtModel *model, int layer, float *weights,
            const size_t *weight_offset)
{
  const char *lname = ft_model_layer_name (model, layer);
  char *objname = g_strdup_printf ("model_weights/%s", lname);
  hid_t lg = H5Gopen2 (mw, lname, H5P_DEFAULT);
  GPtrArray *wnames = NULL;
  bool ok = false;
  if (lg < 0)
    {
      ft_ckpt_fail (c, "layer %d (%s) has no group %s", layer + 1, lname, objname);
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
        ft_ckpt_fail (c, "layer %d (%s): weight %d is %s in the file, but %s in the model", layer + 1, lname,
                      k + 1, (const char *) wnames->pdata[k], want);
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
          ft_hdf5_format_dims (file_ndim, file_dims, fs, sizeof fs);
          ft_hdf5_format_dims (t->ndim, want_dims, ms, sizeof ms);
          if (strcmp (fs, ms) != 0)
            ft_ckpt_fail (c, "layer %d is %s with %s %s, but the model has %s", layer + 1, lname, want, fs,
                          ms);
          else
            ft_ckpt_fail (c, "layer %d (%s): %s is stored as %s, not float32", layer + 1, lname, want,
                          type_desc);
          goto done;
        }
    }
  ok = true;
done:
  if (wnames != NULL)
    g_ptr_array_unref (wnames);
  ft_hdf5_close_id (lg);
  g_free (objname);
  return ok;
}

static bool
read_model_weights (FtCkptCtx *c, hid_t file, const FtModel *model, Loaded *ld)
{
  if (H5Lexists (file, "model_weights", H5P_DEFAULT) <= 0)
    return ft_ckpt_fail (c, "no model_weights group: not a Keras HDF5 model file");
  hid_t mw = H5Gopen2 (file, "model_weights", H5P_DEFAULT);
  if (mw < 0)
    return ft_ckpt_fail_read (c, "the model_weights group");

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
        ft_ckpt_fail (c, "the file has %u layers (%s), but the model has %d (%s)", names->len, in_file,
                      n_layers, in_model);
      else
        for (int i = 0; i < n_layers; i++)
          if (strcmp (names->pdata[i], ft_model_layer_name (model, i)) != 0)
            {
              ft_ckpt_fail (c, "layer %d is %s in the file, but %s in the model (file: %s; model: %s)", i + 1,
                            (const char *) names->pdata[i], ft_model_layer_name (model, i), in_file,
                            in_model);
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
  ft_hdf5_close_id (mw);
  return ok;
}

static bool
read_rng (FtCkptCtx *c, hid_t g, const char *name, FtRng *rng)
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
      ft_ckpt_fail (c, "%s should hold 4 uint64 but is %s %s", where, desc,
                    ft_hdf5_format_dims (ndim, dims, fs, sizeof fs));
    }
  g_free (where);
  if (st == DS_OK && rng->s[0] == 0 && rng->s[1] == 0 && rng->s[2] == 0 && rng->s[3] == 0)
    return ft_ckpt_fail (c, "fittape/%s is all zeros, which no generator state can be", name);
  return st == DS_OK;
}

/* The fittape group: resume state, and the optimizer's slots when the trainer's optimizer is the same
 * kind with the same slots (otherwise ld->have_state stays false and only the weights are restored). */
/* The run's state: the format version, epoch, iteration count, learning rate and seed. */
static bool
read_run_state (FtCkptCtx *c, hid_t g, Loaded *ld)
{
  int32_t version = 0;
  if (!read_scalar_attr (c, g, "fittape", "format_version", H5T_INTEGER, H5T_NATIVE_INT32, &version))
    return false;
  if (version != FORMAT_VERSION)
    {
      ft_ckpt_fail (c, "checkpoint format %d (this FitTape reads format %d)", version, FORMAT_VERSION);
      return false;
    }
  if (!read_scalar_attr (c, g, "fittape", "epoch", H5T_INTEGER, H5T_NATIVE_INT64, &ld->epoch)
      || !read_scalar_attr (c, g, "fittape", "iterations", H5T_INTEGER, H5T_NATIVE_INT64, &ld->iterations)
      || !read_scalar_attr (c, g, "fittape", "learning_rate", H5T_FLOAT, H5T_NATIVE_FLOAT, &ld->learning_rate)
      || !read_scalar_attr (c, g, "fittape", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &ld->seed))
    return false;
  if (ld->epoch < 0 || ld->epoch > INT_MAX || ld->iterations < 0)
    {
      ft_ckpt_fail (c,
                    "fittape has an impossible epoch (%" G_GINT64_FORMAT
                    ") or iteration count (%" G_GINT64_FORMAT ")",
                    ld->epoch, ld->iterations);
      return false;
    }
  if (!(isfinite (ld->learning_rate) && ld->learning_rate >= 0.0f))
    {
      ft_ckpt_fail (c, "fittape has an impossible learning rate (%g)", (double) ld->learning_rate);
      return false;
    }
  return true;
}

/* The optimizer's slots (the trainer's optimizer has the same kind and slots as the file's). */
static bool
read_slots (FtCkptCtx *c, hid_t g, FtOptimizer *opt, size_t per_slot, Loaded *ld)
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
          ft_ckpt_fail (c,
                        "optimizer slot %s is %s %s in the file, but the optimizer has %zu floats per slot",
                        ft_optimizer_slot_name (opt, s), desc,
                        ft_hdf5_format_dims (ndim, dims, fs, sizeof fs), per_slot);
        }
      g_free (where);
      g_free (name);
      if (st != DS_OK)
        return false;
    }
  return true;
}

static bool
read_fittape (FtCkptCtx *c, hid_t file, FtTrainer *trainer, Loaded *ld)
{
  htri_t exists = H5Lexists (file, "fittape", H5P_DEFAULT);
  if (exists <= 0)
    return true;
  hid_t g = H5Gopen2 (file, "fittape", H5P_DEFAULT);
  if (g < 0)
    return ft_ckpt_fail_read (c, "the fittape group");

  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  int n_slots = ft_optimizer_n_slots (opt);
  size_t per_slot = ft_model_n_trainable_params (model);
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
  ft_hdf5_close_id (g);
  return ok;
}

/* Opens path read-only; distinguishes "not HDF5" from "HDF5 but damaged" in the message. */
static hid_t
open_for_reading (FtCkptCtx *c)
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
  hid_t fapl = ft_ckpt_file_access_plist ();
  hid_t file = fapl >= 0 ? H5Fopen (c->path, H5F_ACC_RDONLY, fapl) : -1;
  char *problem = NULL;
  if (file >= 0 && !ft_h5_check_file (file, false, &problem))
    {
      /* Links, external storage, sizes: refused before any content is read. */
      ft_ckpt_fail (c, "%s", problem);
      g_free (problem);
      H5Fclose (file);
      ft_hdf5_close_id (fapl);
      return -1;
    }
  if (file < 0)
    {
      char *detail = ft_hdf5_error_detail ();
      htri_t is_hdf5 = H5Fis_hdf5 (c->path);
      if (is_hdf5 > 0)
        ft_ckpt_fail (c, "the HDF5 file is damaged or truncated (%s)", detail);
      else
        ft_ckpt_fail (c, "not an HDF5 file (%s)", detail);
      g_free (detail);
    }
  ft_hdf5_close_id (fapl);
  return file;
}

/* The values themselves: finite weights and slots, non-negative second moments, a plausible iteration
 * count and learning rate (a resumed run must not fail later "blaming the learning rate"). */
static bool
values_in_range (FtCkptCtx *c, const FtModel *model, const FtOptimizer *opt, const Loaded *ld)
{
  size_t off = 0;
  for (int w = 0; w < ft_model_n_weights (model); off += ft_model_weight (model, w)->size, w++)
    for (size_t i = 0; i < ft_model_weight (model, w)->size; i++)
      if (!isfinite (ld->weights[off + i]))
        return ft_ckpt_fail (c, "weight %s holds a non-finite value (%g at index %zu)",
                             ft_model_weight (model, w)->name, (double) ld->weights[off + i], i);
  if (!ld->have_state)
    return true;
  if (ld->iterations > FT_LIMIT_CHECKPOINT_ITERATIONS)
    return ft_ckpt_fail (
        c, "fittape has an implausible iteration count (%" G_GINT64_FORMAT ", at most %" G_GINT64_FORMAT ")",
        ld->iterations, (gint64) FT_LIMIT_CHECKPOINT_ITERATIONS);
  if (ld->learning_rate > FT_LIMIT_LEARNING_RATE)
    return ft_ckpt_fail (c, "fittape has an implausible learning rate (%g, at most %g)",
                         (double) ld->learning_rate, FT_LIMIT_LEARNING_RATE);
  size_t per_slot = ft_model_n_trainable_params (model);
  for (int s = 0; s < ft_optimizer_n_slots (opt); s++)
    {
      const char *name = ft_optimizer_slot_name (opt, s);
      bool second_moment = strcmp (name, "velocity") == 0 || strcmp (name, "velocity_hat") == 0
                           || strcmp (name, "accumulator") == 0;
      const float *slot = ld->slots + (size_t) s * per_slot;
      for (size_t i = 0; i < per_slot; i++)
        if (!isfinite (slot[i]) || (second_moment && slot[i] < 0.0f))
          return ft_ckpt_fail (c, "optimizer slot %s holds %s (%g at index %zu)", name,
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

  FtCkptCtx c = { path, error };
  FtHdf5Guard guard;
  ft_hdf5_enter (&guard);
  hid_t file = open_for_reading (&c);
  bool ok = file >= 0 && read_model_weights (&c, file, model, &ld) && read_fittape (&c, file, trainer, &ld)
            && values_in_range (&c, model, opt, &ld);
  if (file >= 0)
    H5Fclose (file);
  ft_hdf5_leave (&guard);
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
      size_t per_slot = ft_model_n_trainable_params (model);
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
  FtCkptCtx c = { path, error };
  char *json = NULL;
  FtHdf5Guard guard;
  ft_hdf5_enter (&guard);
  hid_t file = open_for_reading (&c);
  if (file >= 0)
    {
      if (H5Lexists (file, "fittape", H5P_DEFAULT) <= 0
          || H5Lexists (file, "fittape/experiment_json", H5P_DEFAULT) <= 0)
        ft_ckpt_fail (&c, "the checkpoint holds no experiment (saved with weights only, or without one)");
      else
        {
          hid_t ds = H5Dopen2 (file, "fittape/experiment_json", H5P_DEFAULT);
          hid_t type = ds >= 0 ? H5Dget_type (ds) : -1;
          hid_t space = ds >= 0 ? H5Dget_space (ds) : -1;
          if (type < 0 || space < 0)
            ft_ckpt_fail_read (&c, "fittape/experiment_json");
          else if (H5Tget_class (type) != H5T_STRING || H5Sget_simple_extent_npoints (space) != 1)
            ft_ckpt_fail (&c, "fittape/experiment_json is not a string");
          else if (H5Tis_variable_str (type) <= 0)
            {
              /* Fixed-length (as FitTape writes it now), within the size an experiment may have. */
              size_t size = H5Tget_size (type);
              hid_t mem = size > 0 && size <= FT_LIMIT_EXPERIMENT_BYTES ? H5Tcopy (type) : -1;
              char *buf = mem >= 0 ? g_try_malloc0 (size + 1) : NULL;
              if (mem < 0 || buf == NULL)
                ft_ckpt_fail (&c, "fittape/experiment_json has an impossible size (%zu bytes)", size);
              else if (H5Dread (ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
                json = g_strndup (buf, size);
              else
                ft_ckpt_fail_read (&c, "fittape/experiment_json");
              g_free (buf);
              ft_hdf5_close_id (mem);
            }
          else
            {
              hid_t mem = ft_ckpt_string_type (true, 0, H5T_CSET_UTF8);
              char *value = NULL;
              if (mem >= 0 && H5Dread (ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0)
                {
                  json = g_strdup (value != NULL ? value : "");
                  if (value != NULL)
                    H5free_memory (value);
                }
              else
                ft_ckpt_fail_read (&c, "fittape/experiment_json");
              ft_hdf5_close_id (mem);
            }
          ft_hdf5_close_id (space);
          ft_hdf5_close_id (type);
          ft_hdf5_close_id (ds);
        }
      H5Fclose (file);
    }
  ft_hdf5_leave (&guard);
  if (json != NULL && !g_utf8_validate (json, -1, NULL))
    {
      g_clear_pointer (&json, g_free);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: the embedded experiment is not valid UTF-8", path);
    }
  return json;
}
