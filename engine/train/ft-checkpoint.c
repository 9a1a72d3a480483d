/* ft-checkpoint.c — writing HDF5 checkpoints in the layout of Keras 3's legacy .h5 model files plus
 * FitTape's resume state (see ft-checkpoint.h for the layout; reading is ft-checkpoint-read.c).
 *
 * Saving builds the whole file in memory, writes it to a temporary file next to the target and renames it
 * over the target only once it is complete and synced. The experiment it records is serialised only here,
 * from the source the caller hands over, outside the HDF5 lock (ft-checkpoint-hdf5.c). */
#include "train/ft-checkpoint-private.h"

#include "core/ft-limits.h"
#include "core/ft-safe-file.h"
#include "train/ft-checkpoint-guard.h"
#include "train/ft-h5-image.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Writing                                                                                           */

static bool
write_attr (FtCkptCtx *c, hid_t obj, const char *name, hid_t file_type, hid_t mem_type, int ndim,
            const hsize_t *dims, const void *data)
{
  hid_t space = ndim == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (ndim, dims, NULL);
  hid_t attr = space >= 0 ? H5Acreate2 (obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
  bool empty = ndim == 1 && dims[0] == 0;
  bool ok = attr >= 0 && (empty || H5Awrite (attr, mem_type, data) >= 0);
  if (!ok)
    {
      char *what = g_strdup_printf ("attribute %s", name);
      ft_ckpt_fail_write (c, what);
      g_free (what);
    }
  ft_hdf5_close_id (attr);
  ft_hdf5_close_id (space);
  return ok;
}

/* A scalar fixed-length string (as h5py stores numpy bytes; Keras decodes it). Fixed-length, not
 * variable-length: those live in HDF5's global heap, whose damaged records crash libhdf5 on reading. */
static bool
write_str_attr (FtCkptCtx *c, hid_t obj, const char *name, const char *value, H5T_cset_t cset)
{
  hid_t type = ft_ckpt_string_type (false, strlen (value), cset);
  bool ok = write_attr (c, obj, name, type, type, 0, NULL, value);
  ft_hdf5_close_id (type);
  return ok;
}

/* A list of names as numpy stores Keras' list of bytes: a 1-D array of fixed-length ASCII strings (the
 * longest name's length, NUL-padded); an empty list becomes an empty float64 array, as numpy makes of [].
 * A list over 64512 bytes is split into NAME0, NAME1, … as Keras' save_attributes_to_hdf5_group does
 * (HDF5's object header holds at most 64 KiB of attributes). */
static bool
write_str_list_attr (FtCkptCtx *c, hid_t obj, const char *name, const char *const *items, int n)
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
  hid_t type = ft_ckpt_string_type (false, width, H5T_CSET_ASCII);
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
  ft_hdf5_close_id (type);
  g_free (packed);
  return ok;
}

static bool
write_scalar_attr (FtCkptCtx *c, hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                   const void *value)
{
  return write_attr (c, obj, name, file_type, mem_type, 0, NULL, value);
}

/* A dataset at a relative path (intermediate groups created, as h5py does for "sequential/dense/kernel"). */
static bool
write_dataset (FtCkptCtx *c, hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int ndim,
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
      ft_ckpt_fail_write (c, what);
      g_free (what);
    }
  ft_hdf5_close_id (ds);
  ft_hdf5_close_id (space);
  ft_hdf5_close_id (lcpl);
  return ok;
}

static bool
write_float_dataset (FtCkptCtx *c, hid_t loc, const char *name, const FtTensor *t)
{
  hsize_t dims[FT_MAX_DIMS];
  for (int d = 0; d < t->ndim; d++)
    dims[d] = (hsize_t) t->shape[d];
  return write_dataset (c, loc, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, t->ndim, dims, t->data);
}

static hid_t
create_group (FtCkptCtx *c, hid_t loc, const char *name)
{
  hid_t g = H5Gcreate2 (loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0)
    {
      char *what = g_strdup_printf ("group %s", name);
      ft_ckpt_fail_write (c, what);
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
write_model_weights (FtCkptCtx *c, hid_t file, const FtModel *model)
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
      ft_hdf5_close_id (lg);
    }
  if (ok)
    {
      hid_t top = create_group (c, g, "top_level_model_weights");
      ok = top >= 0 && write_str_list_attr (c, top, "weight_names", NULL, 0);
      ft_hdf5_close_id (top);
    }
  g_free (order);
  g_free (names);
  ft_hdf5_close_id (g);
  return ok;
}

/* optimizer.variables as Keras orders them: iteration, learning_rate, then the slots. */
static bool
write_optimizer_weights (FtCkptCtx *c, hid_t file, FtTrainer *trainer)
{
  FtModel *model = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  const char *prefix = ft_ckpt_keras_optimizer_name (ft_optimizer_spec (opt)->kind);
  int n_vars = ft_model_n_trainable (model);
  int n_slots = ft_optimizer_n_slots (opt);
  FtTensor *const *vars = ft_model_trainable (model);
  const float *state = ft_optimizer_state (opt);

  /* (slot, variable) pairs in Keras' creation order. */
  int *pair_slot = g_new0 (int, (size_t) n_slots *(size_t) n_vars + 1);
  int *pair_var = g_new0 (int, (size_t) n_slots *(size_t) n_vars + 1);
  int p, n_pairs = ft_optimizer_keras_order (opt, pair_slot, pair_var);

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
      ft_hdf5_close_id (g);
    }
  g_ptr_array_unref (names);
  g_free (pair_slot);
  g_free (pair_var);
  return ok;
}

static bool
write_fittape (FtCkptCtx *c, hid_t file, FtTrainer *trainer, int epoch, const char *experiment)
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
  size_t per_slot = ft_model_n_trainable_params (model);
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

  if (ok && experiment != NULL)
    {
      hid_t type = ft_ckpt_string_type (false, strlen (experiment), H5T_CSET_UTF8);
      ok = write_dataset (c, g, "experiment_json", type, type, 0, NULL, experiment);
      ft_hdf5_close_id (type);
    }
  g_free (slot_names);
  ft_hdf5_close_id (g);
  return ok;
}

/* Builds the whole file in memory (HDF5's core driver, no backing store) and returns its image. HDF5
 * does no I/O of its own here on purpose: a write that fails inside HDF5 (full disk, file size limit)
 * leaves the library with objects it can neither flush nor close, and it crashes at exit. Our own
 * write() of the finished image fails cleanly instead. */
static void *
build_image (FtCkptCtx *c, const char *name, FtTrainer *trainer, bool weights_only, int epoch,
             const char *model_config, const char *training_config, const char *experiment, size_t *size)
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
  ft_hdf5_close_id (fapl);
  if (file < 0)
    {
      ft_ckpt_fail_write (c, "the HDF5 file");
      return NULL;
    }
  bool ok = write_str_attr (c, file, "keras_version", KERAS_VERSION, H5T_CSET_UTF8)
            && write_str_attr (c, file, "backend", KERAS_BACKEND, H5T_CSET_UTF8)
            && write_str_attr (c, file, "model_config", model_config, H5T_CSET_ASCII)
            && (training_config == NULL
                || write_str_attr (c, file, "training_config", training_config, H5T_CSET_ASCII))
            && write_model_weights (c, file, ft_trainer_model (trainer))
            && (weights_only
                || (write_optimizer_weights (c, file, trainer)
                    && write_fittape (c, file, trainer, epoch, experiment)));
  void *image = NULL;
  if (ok && H5Fflush (file, H5F_SCOPE_GLOBAL) < 0)
    ok = ft_ckpt_fail_write (c, "the HDF5 file");
  ssize_t n = ok ? H5Fget_file_image (file, NULL, 0) : -1;
  if (ok && n <= 0)
    ok = ft_ckpt_fail_write (c, "the HDF5 file image");
  if (ok)
    {
      image = g_try_malloc ((size_t) n);
      if (image == NULL)
        ok = ft_ckpt_fail (c, "no memory for the %zd-byte file", n);
      else if (H5Fget_file_image (file, image, (size_t) n) != n)
        ok = ft_ckpt_fail_write (c, "the HDF5 file image");
      else if (!ft_h5_image_fix_superblock (image, (size_t) n))
        ok = ft_ckpt_fail (c, "HDF5 made an image that is not an HDF5 file");
    }
  if (H5Fclose (file) < 0 && ok)
    ok = ft_ckpt_fail_write (c, "the HDF5 file");
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
ft_checkpoint_save (FtTrainer *trainer, const FtExperimentSource *experiment, const char *path,
                    bool weights_only, int epoch, GError **error)
{
  g_return_val_if_fail (trainer != NULL, false);
  g_return_val_if_fail (path != NULL && path[0] != '\0', false);
  g_return_val_if_fail (epoch >= 0, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);

  char *model_config = ft_ckpt_model_config_json (ft_trainer_model (trainer));
  char *training_config = weights_only ? NULL : ft_ckpt_training_config_json (trainer);
  /* Serialised here, outside the HDF5 lock (the source may take a lock of its own). */
  char *experiment_json = !weights_only && experiment != NULL && experiment->to_json != NULL
                              ? experiment->to_json (experiment->user_data)
                              : NULL;

  /* The file, built in memory first. */
  FtCkptCtx c = { path, error };
  size_t size = 0;
  FtHdf5Guard guard;
  ft_hdf5_enter (&guard);
  char *name = g_strdup_printf ("%s (in memory %p)", path, (void *) &size);
  void *image = build_image (&c, name, trainer, weights_only, epoch, model_config, training_config,
                             experiment_json, &size);
  g_free (name);
  ft_hdf5_leave (&guard);
  g_free (experiment_json);
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
