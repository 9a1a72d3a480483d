/* ft-keras-optimizer.c — the optimizer's state of a Keras 3 `.keras` file read into a trainer (see
 * ft-keras-file.h; ft-keras-file.c writes it): optimizer/vars/0, 1, … in model.weights.h5, as Keras saves
 * optimizer.variables — iteration (int64), learning_rate, the slot variables in Keras' creation order
 * (ft_optimizer_keras_order), then Nadam's running product, which FitTape forms again from the iteration
 * count. Everything is read and checked before the optimizer is touched. */
#include "experiment/ft-keras-file.h"

#include "core/ft-error.h"
#include "experiment/ft-zip.h"
#include "train/ft-checkpoint-private.h" /* the HDF5 lock */

#include <glib/gstdio.h>
#include <hdf5.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static bool fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Sets an FT_ERROR_INVALID error and returns false. */
static bool
fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, FT_ERROR, FT_ERROR_INVALID, msg);
  g_free (msg);
  return false;
}

/* Dataset "k" of group g into out: count values of the given native type, its dimensions those of shape
 * (ndim 0: a scalar). */
static bool
read_numbered (hid_t g, int k, hid_t mem_type, int ndim, const int *shape, void *out, GError **error)
{
  char key[16];
  g_snprintf (key, sizeof key, "%d", k);
  if (H5Lexists (g, key, H5P_DEFAULT) <= 0)
    return fail (error, "optimizer variable %d is missing", k);
  hid_t ds = H5Dopen2 (g, key, H5P_DEFAULT);
  hid_t space = ds >= 0 ? H5Dget_space (ds) : -1;
  hsize_t dims[FT_MAX_DIMS];
  int rank = space >= 0 ? H5Sget_simple_extent_ndims (space) : -1;
  bool ok = rank == ndim && rank <= FT_MAX_DIMS && H5Sget_simple_extent_dims (space, dims, NULL) == rank;
  for (int d = 0; ok && d < ndim; d++)
    ok = dims[d] == (hsize_t) shape[d];
  if (!ok)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "optimizer variable %d has another shape than the model's optimizer needs", k);
  else if (H5Dread (ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    ok = fail (error, "optimizer variable %d cannot be read", k);
  if (space >= 0)
    H5Sclose (space);
  if (ds >= 0)
    H5Dclose (ds);
  return ok;
}

/* optimizer/vars of the open weights file into iterations, lr and state (the optimizer's state layout). */
static bool
read_state (hid_t f, FtTrainer *trainer, int64_t *iterations, float *lr, float *state, GError **error)
{
  FtModel *m = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  FtTensor *const *vars = ft_model_trainable (m);
  if (H5Lexists (f, "optimizer", H5P_DEFAULT) <= 0 || H5Lexists (f, "optimizer/vars", H5P_DEFAULT) <= 0)
    return fail (error, "the file has no optimizer state (saved before compile or training)");
  const size_t n = (size_t) ft_optimizer_n_slots (opt) * (size_t) ft_model_n_trainable (m) + 1;
  int *pair_slot = g_new0 (int, n), *pair_var = g_new0 (int, n);
  const int n_pairs = ft_optimizer_keras_order (opt, pair_slot, pair_var);
  float u_product;
  const int want = 2 + n_pairs + (ft_optimizer_nadam_u_product (opt, &u_product) ? 1 : 0);
  hid_t g = H5Gopen2 (f, "optimizer/vars", H5P_DEFAULT);
  H5G_info_t info;
  bool ok = g >= 0 && H5Gget_info (g, &info) >= 0;
  if (ok && info.nlinks != (hsize_t) want)
    ok = fail (error, "the file's optimizer has %llu variables, %s needs %d",
               (unsigned long long) info.nlinks, ft_optimizer_kind_name (ft_optimizer_spec (opt)->kind),
               want);
  ok = ok && read_numbered (g, 0, H5T_NATIVE_INT64, 0, NULL, iterations, error)
       && read_numbered (g, 1, H5T_NATIVE_FLOAT, 0, NULL, lr, error);
  if (ok && *iterations < 0)
    ok = fail (error, "the file's optimizer has a negative iteration count");
  for (int p = 0; ok && p < n_pairs; p++)
    {
      const FtTensor *v = vars[pair_var[p]];
      ok = read_numbered (g, 2 + p, H5T_NATIVE_FLOAT, v->ndim, v->shape,
                          state + ft_optimizer_slot_offset (opt, pair_slot[p], pair_var[p]), error);
    }
  if (g >= 0)
    H5Gclose (g);
  g_free (pair_slot);
  g_free (pair_var);
  return ok;
}

bool
ft_keras_load_optimizer_state (const char *path, FtTrainer *trainer, GError **error)
{
  g_return_val_if_fail (path != NULL && trainer != NULL, false);
  char *bytes = NULL, *tmp = NULL;
  gsize size = 0;
  size_t wsize = 0;
  if (!g_file_get_contents (path, &bytes, &size, error))
    return false;
  bool ok = size >= 4 && memcmp (bytes, "PK\003\004", 4) == 0;
  if (!ok)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "a legacy .h5 model file keeps no optimizer state for Keras 3");
  guint8 *w = ok ? ft_zip_read_entry ((guint8 *) bytes, size, "model.weights.h5", &wsize, error) : NULL;
  int fd = w != NULL ? g_file_open_tmp ("fittape-XXXXXX.weights.h5", &tmp, error) : -1;
  ok = fd >= 0;
  if (ok)
    {
      close (fd);
      ok = g_file_set_contents (tmp, (const char *) w, (gssize) wsize, error);
    }
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  const size_t floats = ft_optimizer_state_size (opt);
  float *state = g_new0 (float, floats + 1), lr = 0.0f;
  int64_t iterations = 0;
  FtHdf5Guard guard;
  ft_hdf5_enter (&guard);
  hid_t f = ok ? H5Fopen (tmp, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
  if (ok && f < 0)
    ok = fail (error, "the model's weights cannot be opened (HDF5)");
  ok = ok && read_state (f, trainer, &iterations, &lr, state, error);
  if (f >= 0)
    H5Fclose (f);
  ft_hdf5_leave (&guard);
  if (ok && !(lr >= 0.0f && lr < G_MAXFLOAT))
    ok = fail (error, "the file's learning rate is not a usable number");
  if (ok)
    {
      ft_optimizer_set_iterations (opt, iterations);
      ft_optimizer_set_learning_rate (opt, lr);
      memcpy (ft_optimizer_state (opt), state, floats * sizeof (float));
    }
  if (tmp != NULL)
    g_unlink (tmp);
  g_free (tmp);
  g_free (state);
  g_free (w);
  g_free (bytes);
  return ok;
}
