/* ft-keras-file.c — Keras 3 `.keras` files written (see ft-keras-file.h; reading is ft-keras-read.c). The
 * layout follows keras/src/saving/saving_lib.py: a ZIP of config.json, metadata.json and model.weights.h5
 * with layers/NAME/vars/I. */
#include "experiment/ft-keras-file.h"

#include "core/ft-format.h"
#include "experiment/ft-zip.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <string.h>
#include <unistd.h>

#define KERAS_VERSION "3.15.1"

/* ------------------------------------------------------------------------------------------------ */
/* Writing */

/* A float32 setting as the shortest decimal that reads back as the same float (core/ft-format). */
static void
json_f32 (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, true);
  g_string_append (s, buf);
  if (!strpbrk (buf, ".eEn"))
    g_string_append (s, ".0");
}

/* ", \"key\": value" of a float32 setting. */
static void
json_f32_key (GString *s, const char *key, float v)
{
  g_string_append_printf (s, ", \"%s\": ", key);
  json_f32 (s, v);
}

static void
shape_json (GString *s, int ndim, const int *shape)
{
  g_string_append (s, "[null");
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, ", %d", shape[d]);
  g_string_append (s, "]");
}

static void
layer_json (GString *s, const FtLayerSpec *l, const char *name, int in_ndim, const int *in_shape)
{
  g_string_append_printf (
      s,
      "{\"module\": \"keras.layers\", \"class_name\": \"%s\", \"config\": {\"name\": \"%s\", "
      "\"trainable\": true, \"dtype\": \"float32\"",
      ft_layer_kind_name (l->kind), name);
  switch (l->kind)
    {
    case FT_LAYER_DENSE:
    case FT_LAYER_CONV2D:
      if (l->kind == FT_LAYER_DENSE)
        g_string_append_printf (s, ", \"units\": %d", l->units);
      else
        g_string_append_printf (
            s,
            ", \"filters\": %d, \"kernel_size\": [%d, %d], \"strides\": [%d, %d], "
            "\"padding\": \"%s\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], "
            "\"groups\": 1",
            l->filters, l->kernel_size[0], l->kernel_size[1], l->strides[0], l->strides[1],
            l->padding == FT_PADDING_SAME ? "same" : "valid");
      g_string_append_printf (s,
                              ", \"activation\": \"%s\", \"use_bias\": %s, \"kernel_initializer\": \"%s\", "
                              "\"bias_initializer\": \"%s\", \"kernel_regularizer\": ",
                              ft_activation_name (l->activation), l->use_bias ? "true" : "false",
                              ft_initializer_name (l->kernel_initializer),
                              ft_initializer_name (l->bias_initializer));
      ft_layer_regularizer_keras_json (s, l->kernel_l1, l->kernel_l2);
      break;
    case FT_LAYER_MAX_POOLING2D:
    case FT_LAYER_AVERAGE_POOLING2D:
      g_string_append_printf (s,
                              ", \"pool_size\": [%d, %d], \"strides\": [%d, %d], \"padding\": \"%s\", "
                              "\"data_format\": \"channels_last\"",
                              l->pool_size[0], l->pool_size[1],
                              l->strides[0] > 0 ? l->strides[0] : l->pool_size[0],
                              l->strides[1] > 0 ? l->strides[1] : l->pool_size[1],
                              l->padding == FT_PADDING_SAME ? "same" : "valid");
      break;
    case FT_LAYER_DROPOUT:
      json_f32_key (s, "rate", l->rate);
      break;
    case FT_LAYER_BATCH_NORMALIZATION:
      g_string_append (s, ", \"axis\": -1");
      json_f32_key (s, "momentum", l->momentum);
      json_f32_key (s, "epsilon", l->epsilon);
      g_string_append (s, ", \"center\": true, \"scale\": true");
      break;
    case FT_LAYER_ACTIVATION:
      g_string_append_printf (s, ", \"activation\": \"%s\"", ft_activation_name (l->activation));
      break;
    case FT_LAYER_GLOBAL_AVERAGE_POOLING2D:
      g_string_append (s, ", \"data_format\": \"channels_last\", \"keepdims\": false");
      break;
    case FT_LAYER_FLATTEN:
    case FT_N_LAYER_KINDS:
      break;
    }
  g_string_append (s, "}, \"registered_name\": null, \"build_config\": {\"input_shape\": ");
  shape_json (s, in_ndim, in_shape);
  g_string_append (s, "}}");
}

/* The optimizer's own entries of its Keras config, after the learning rate. */
static void
optimizer_params_json (GString *s, const FtOptimizerSpec *o)
{
  switch (o->kind)
    {
    case FT_OPT_SGD:
      json_f32_key (s, "momentum", o->momentum);
      g_string_append_printf (s, ", \"nesterov\": %s", o->nesterov ? "true" : "false");
      break;
    case FT_OPT_ADAMW:
      json_f32_key (s, "weight_decay", o->weight_decay);
      /* fall through: Adam's parameters */
      G_GNUC_FALLTHROUGH;
    case FT_OPT_ADAM:
    case FT_OPT_NADAM:
    case FT_OPT_ADAMAX:
      json_f32_key (s, "beta_1", o->beta_1);
      json_f32_key (s, "beta_2", o->beta_2);
      json_f32_key (s, "epsilon", o->epsilon);
      if (o->kind == FT_OPT_ADAM || o->kind == FT_OPT_ADAMW)
        g_string_append_printf (s, ", \"amsgrad\": %s", o->amsgrad ? "true" : "false");
      break;
    case FT_OPT_RMSPROP:
      json_f32_key (s, "rho", o->rho);
      json_f32_key (s, "momentum", o->momentum);
      json_f32_key (s, "epsilon", o->epsilon);
      g_string_append_printf (s, ", \"centered\": %s", o->centered ? "true" : "false");
      break;
    case FT_OPT_ADAGRAD:
      json_f32_key (s, "initial_accumulator_value", o->initial_accumulator_value);
      json_f32_key (s, "epsilon", o->epsilon);
      break;
    case FT_N_OPTIMIZERS:
      break;
    }
}

static void
compile_json (GString *s, const FtCompileSpec *c)
{
  const FtOptimizerSpec *o = &c->optimizer;
  const char *opt = ft_optimizer_kind_name (o->kind);
  char *lower = g_ascii_strdown (opt, -1);
  g_string_append_printf (
      s,
      "{\"optimizer\": {\"module\": \"keras.optimizers\", \"class_name\": \"%s\", \"config\": "
      "{\"name\": \"%s\", \"learning_rate\": ",
      opt, lower);
  g_free (lower);
  json_f32 (s, o->learning_rate);
  optimizer_params_json (s, o);
  const char *clips[3] = { "clipnorm", "global_clipnorm", "clipvalue" };
  float clipv[3] = { o->clipnorm, o->global_clipnorm, o->clipvalue };
  for (int i = 0; i < 3; i++)
    if (clipv[i] > 0)
      json_f32_key (s, clips[i], clipv[i]);
  static const char *const loss_class[] = { "SparseCategoricalCrossentropy", "CategoricalCrossentropy",
                                            "BinaryCrossentropy", "MeanSquaredError" };
  FtLossKind lk = c->loss.kind < FT_N_LOSSES ? c->loss.kind : FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  g_string_append_printf (
      s,
      "}, \"registered_name\": null}, \"loss\": {\"module\": \"keras.losses\", \"class_name\": "
      "\"%s\", \"config\": {\"name\": \"%s\", \"reduction\": \"sum_over_batch_size\"",
      loss_class[lk], ft_loss_name (lk));
  if (lk != FT_LOSS_MEAN_SQUARED_ERROR)
    g_string_append_printf (s, ", \"from_logits\": %s", c->loss.from_logits ? "true" : "false");
  g_string_append (s, "}, \"registered_name\": null}, \"loss_weights\": null, \"metrics\": [");
  for (int i = 0; i < c->n_metrics; i++)
    {
      g_string_append (s, i ? ", " : "");
      ft_json_append_string (s, c->metrics[i]);
    }
  g_string_append (s, "], \"weighted_metrics\": null, \"run_eagerly\": false, \"steps_per_execution\": 1, "
                      "\"jit_compile\": false}");
}

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

/* model.weights.h5 into a temporary file, returned as bytes. */
static guint8 *
weights_h5 (FtModel *m, size_t *size, GError **error)
{
  char *tmp = NULL;
  int fd = g_file_open_tmp ("fittape-XXXXXX.weights.h5", &tmp, error);
  if (fd < 0)
    return NULL;
  close (fd);
  bool ok = true;
  hid_t f = H5Fcreate (tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ok = f >= 0;
  hid_t layers = ok ? H5Gcreate2 (f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  int w = 0;
  for (int i = 0; ok && i < ft_model_n_layers (m); i++)
    {
      const char *name = ft_model_layer_name (m, i);
      hid_t lg = H5Gcreate2 (layers, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      hid_t vars = lg >= 0 ? H5Gcreate2 (lg, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
      ok = vars >= 0 && set_name_attr (vars, name);
      for (int k = 0; ok && w < ft_model_n_weights (m) && ft_model_weight_layer (m, w) == i; w++, k++)
        {
          FtTensor *t = ft_model_weight (m, w);
          hsize_t dims[FT_MAX_DIMS];
          for (int d = 0; d < t->ndim; d++)
            dims[d] = (hsize_t) t->shape[d];
          hid_t space = H5Screate_simple (t->ndim, dims, NULL);
          char key[16];
          g_snprintf (key, sizeof key, "%d", k);
          hid_t ds = H5Dcreate2 (vars, key, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
          ok = ds >= 0 && H5Dwrite (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) >= 0;
          if (ds >= 0)
            H5Dclose (ds);
          H5Sclose (space);
        }
      if (vars >= 0)
        H5Gclose (vars);
      if (lg >= 0)
        H5Gclose (lg);
    }
  if (layers >= 0)
    H5Gclose (layers);
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
  GString *cfg = g_string_new (
      "{\"module\": \"keras\", \"class_name\": \"Sequential\", \"config\": {\"name\": "
      "\"sequential\", \"trainable\": true, \"dtype\": \"float32\", \"layers\": [");
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (m, &nd, shape);
  g_string_append (
      cfg, "{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": ");
  shape_json (cfg, nd, shape);
  g_string_append (
      cfg,
      ", \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"}, \"registered_name\": null}");
  int in_nd = nd, in_shape[FT_MAX_DIMS];
  memcpy (in_shape, shape, sizeof in_shape);
  for (int i = 0; i < ft_model_n_layers (m); i++)
    {
      g_string_append (cfg, ", ");
      layer_json (cfg, ft_model_layer_spec (m, i), ft_model_layer_name (m, i), in_nd, in_shape);
      ft_model_layer_output_shape (m, i, &in_nd, in_shape);
    }
  g_string_append (cfg, "]}, \"registered_name\": null, \"build_config\": {\"input_shape\": ");
  shape_json (cfg, nd, shape);
  g_string_append (cfg, "}, \"compile_config\": ");
  compile_json (cfg, ft_trainer_compile_spec (trainer));
  g_string_append (cfg, "}");

  GDateTime *now = g_date_time_new_now_local ();
  char *date = g_date_time_format (now, "%Y-%m-%d@%H:%M:%S");
  g_date_time_unref (now);
  char *meta = g_strdup_printf ("{\"keras_version\": \"%s\", \"date_saved\": \"%s\"}", KERAS_VERSION, date);
  g_free (date);
  size_t wsize = 0;
  guint8 *weights = weights_h5 (m, &wsize, error);
  bool ok = weights != NULL;
  if (ok)
    {
      FtZipWriter *z = ft_zip_writer_new ();
      ft_zip_writer_add (z, "metadata.json", meta, strlen (meta));
      ft_zip_writer_add (z, "config.json", cfg->str, cfg->len);
      ft_zip_writer_add (z, "model.weights.h5", weights, wsize);
      size_t zsize = 0;
      guint8 *zip = ft_zip_writer_finish (z, &zsize);
      ok = g_file_set_contents (path, (const char *) zip, (gssize) zsize, error);
      g_free (zip);
    }
  g_free (weights);
  g_free (meta);
  g_string_free (cfg, TRUE);
  return ok;
}
