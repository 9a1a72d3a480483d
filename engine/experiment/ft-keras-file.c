/* ft-keras-file.c — Keras 3 `.keras` files written (see ft-keras-file.h; reading is ft-keras-read.c). The
 * layout follows keras/src/saving/saving_lib.py: a ZIP of config.json (train/ft-checkpoint-keras, the same
 * table-driven configs a checkpoint has), metadata.json and model.weights.h5 with layers/NAME/vars/I and the
 * optimizer's state in optimizer/vars/I. */
#include "experiment/ft-keras-file.h"

#include "experiment/ft-zip.h"
#include "train/ft-checkpoint-keras.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <string.h>
#include <unistd.h>

#define KERAS_VERSION "3.15.1"

/* ------------------------------------------------------------------------------------------------ */
/* Writing */

static bool
set_name_attr (hid_t obj, const char *name)
{
  hid_t type = H5Tcopy (H5T_C_S1);
  H5Tset_size (type, H5T_VARIABLE);
  H5Tset_cset (type, H5T_CSET_UTF8);
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t attr = H5Acreate2 (obj, "name", type, space, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = attr >= 0 && H5Awrite (attr, type, &name) >= 0;
  if (attr >= 0)
    H5Aclose (attr);
  H5Sclose (space);
  H5Tclose (type);
  return ok;
}

/* Dataset "k" of group: a scalar (ndim 0) or an array of the given native and file types. */
static bool
write_numbered (hid_t group, int k, hid_t file_type, hid_t mem_type, int ndim, const int *shape,
                const void *data)
{
  hsize_t dims[FT_MAX_DIMS];
  for (int d = 0; d < ndim; d++)
    dims[d] = (hsize_t) shape[d];
  hid_t space = ndim > 0 ? H5Screate_simple (ndim, dims, NULL) : H5Screate (H5S_SCALAR);
  char key[16];
  g_snprintf (key, sizeof key, "%d", k);
  hid_t ds = H5Dcreate2 (group, key, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0 && H5Dwrite (ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
  if (ds >= 0)
    H5Dclose (ds);
  H5Sclose (space);
  return ok;
}

static bool
write_tensor (hid_t group, int k, const FtTensor *t)
{
  return write_numbered (group, k, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, t->ndim, t->shape, t->data);
}

/* layers/NAME/vars/K: each layer's weights in Keras order. */
static bool
write_layers (hid_t f, FtModel *m)
{
  hid_t layers = H5Gcreate2 (f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = layers >= 0;
  int w = 0;
  for (int i = 0; ok && i < ft_model_n_layers (m); i++)
    {
      const char *name = ft_model_layer_name (m, i);
      hid_t lg = H5Gcreate2 (layers, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      hid_t vars = lg >= 0 ? H5Gcreate2 (lg, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
      ok = vars >= 0 && set_name_attr (vars, name);
      for (int k = 0; ok && w < ft_model_n_weights (m) && ft_model_weight_layer (m, w) == i; w++, k++)
        ok = write_tensor (vars, k, ft_model_weight (m, w));
      if (vars >= 0)
        H5Gclose (vars);
      if (lg >= 0)
        H5Gclose (lg);
    }
  if (layers >= 0)
    H5Gclose (layers);
  return ok;
}

/* optimizer/vars/K: optimizer.variables as Keras saves them — iteration (int64), learning_rate, then the
 * slot variables in the order Keras creates them (and Nadam's running product) — so that load_model continues
 * with FitTape's state. */
static bool
write_optimizer (hid_t f, FtTrainer *trainer)
{
  FtModel *m = ft_trainer_model (trainer);
  FtOptimizer *opt = ft_trainer_optimizer (trainer);
  FtTensor *const *vars = ft_model_trainable (m);
  const size_t n = (size_t) ft_optimizer_n_slots (opt) * (size_t) ft_model_n_trainable (m) + 1;
  int *pair_slot = g_new0 (int, n), *pair_var = g_new0 (int, n);
  const int n_pairs = ft_optimizer_keras_order (opt, pair_slot, pair_var);
  const int64_t iterations = ft_optimizer_iterations (opt);
  const float lr = ft_optimizer_get_learning_rate (opt);
  hid_t og = H5Gcreate2 (f, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t g = og >= 0 ? H5Gcreate2 (og, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  bool ok = g >= 0 && set_name_attr (g, ft_optimizer_kind_info (ft_optimizer_spec (opt)->kind)->keras_name)
            && write_numbered (g, 0, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL, &iterations)
            && write_numbered (g, 1, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 0, NULL, &lr);
  for (int p = 0; ok && p < n_pairs; p++)
    {
      FtTensor slot = *vars[pair_var[p]];
      slot.data = ft_optimizer_state (opt) + ft_optimizer_slot_offset (opt, pair_slot[p], pair_var[p]);
      ok = write_tensor (g, 2 + p, &slot);
    }
  float u_product;
  if (ok && ft_optimizer_nadam_u_product (opt, &u_product)) /* Nadam's own variable, after the slots */
    ok = write_numbered (g, 2 + n_pairs, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 0, NULL, &u_product);
  if (g >= 0)
    H5Gclose (g);
  if (og >= 0)
    H5Gclose (og);
  g_free (pair_slot);
  g_free (pair_var);
  return ok;
}

/* model.weights.h5 into a temporary file, returned as bytes. */
static guint8 *
weights_h5 (FtTrainer *trainer, size_t *size, GError **error)
{
  char *tmp = NULL;
  int fd = g_file_open_tmp ("fittape-XXXXXX.weights.h5", &tmp, error);
  if (fd < 0)
    return NULL;
  close (fd);
  hid_t f = H5Fcreate (tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = f >= 0 && write_layers (f, ft_trainer_model (trainer)) && write_optimizer (f, trainer);
  if (ok)
    {
      hid_t vars = H5Gcreate2 (f, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      ok = vars >= 0 && set_name_attr (vars, "sequential");
      if (vars >= 0)
        H5Gclose (vars);
    }
  if (f >= 0)
    H5Fclose (f);
  guint8 *bytes = NULL;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write the weights (HDF5)");
  else if (!g_file_get_contents (tmp, (char **) &bytes, size, error))
    bytes = NULL;
  g_unlink (tmp);
  g_free (tmp);
  return bytes;
}

bool
ft_keras_save (FtTrainer *trainer, const char *path, GError **error)
{
  FtModel *m = ft_trainer_model (trainer);
  char *cfg = ft_keras_model_config_json (FT_KERAS_SAVING_LIB, m, trainer);
  GDateTime *now = g_date_time_new_now_local ();
  char *date = g_date_time_format (now, "%Y-%m-%d@%H:%M:%S");
  g_date_time_unref (now);
  char *meta = g_strdup_printf ("{\"keras_version\": \"%s\", \"date_saved\": \"%s\"}", KERAS_VERSION, date);
  g_free (date);
  size_t wsize = 0;
  guint8 *weights = weights_h5 (trainer, &wsize, error);
  bool ok = weights != NULL;
  if (ok)
    {
      FtZipWriter *z = ft_zip_writer_new ();
      ft_zip_writer_add (z, "metadata.json", meta, strlen (meta));
      ft_zip_writer_add (z, "config.json", cfg, strlen (cfg));
      ft_zip_writer_add (z, "model.weights.h5", weights, wsize);
      size_t zsize = 0;
      guint8 *zip = ft_zip_writer_finish (z, &zsize);
      ok = g_file_set_contents (path, (const char *) zip, (gssize) zsize, error);
      g_free (zip);
    }
  g_free (weights);
  g_free (meta);
  g_free (cfg);
  return ok;
}
