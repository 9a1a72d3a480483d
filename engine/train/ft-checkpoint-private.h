/* ft-checkpoint-private.h — what the checkpoint's files (ft-checkpoint.c writes, ft-checkpoint-read.c
 * reads, ft-checkpoint-keras.c builds the Keras configs, ft-checkpoint-hdf5.c locks and reports) share;
 * not part of the engine's API. */
#pragma once

#include "train/ft-checkpoint.h"

#include <glib.h>
#include <hdf5.h>
#include <stdbool.h>

#define FORMAT_VERSION 1
/* The Keras whose legacy .h5 layout and layer configs these files follow. */
#define KERAS_VERSION "3.6.0"
#define KERAS_BACKEND "tensorflow"
#define MODEL_NAME    "sequential"
/* Sanity bounds for what a file may ask us to allocate while reading attributes. */
#define MAX_LIST_ITEMS 100000
#define MAX_ATTR_BYTES ((size_t) 64 << 20)

/* The HDF5 lock: every HDF5 call runs between enter and leave. */
typedef struct
{
  H5E_auto2_t func;
  void *data;
} FtHdf5Guard;

void ft_hdf5_enter (FtHdf5Guard *guard);
void ft_hdf5_leave (FtHdf5Guard *guard);
/* The innermost description on HDF5's error stack, on one line (g_free it). */
char *ft_hdf5_error_detail (void);
void ft_hdf5_close_id (hid_t id);

/* Errors: every message starts with the file's path. */
typedef struct
{
  const char *path;
  GError **error;
} FtCkptCtx;

bool ft_ckpt_fail (FtCkptCtx *c, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* A failed write: G_FILE_ERROR with HDF5's reason. */
bool ft_ckpt_fail_write (FtCkptCtx *c, const char *what);
/* A failed read of an object that exists: FT_ERROR_INVALID with HDF5's reason. */
bool ft_ckpt_fail_read (FtCkptCtx *c, const char *what);
char *ft_hdf5_format_dims (int ndim, const hsize_t *dims, char *buf, size_t size);
char *ft_hdf5_describe_type (hid_t type, char *buf, size_t size);

/* The Keras configs a checkpoint's attributes hold (g_free them). */
char *ft_ckpt_model_config_json (const FtModel *model);
char *ft_ckpt_training_config_json (FtTrainer *trainer);
/* The optimizers' default `name` arguments in keras/src/optimizers/ (the prefix of their weights). */
const char *ft_ckpt_keras_optimizer_name (FtOptimizerKind kind);

/* A string type: variable-length, or fixed at size bytes (H5Tclose it). */
hid_t ft_ckpt_string_type (bool variable, size_t size, H5T_cset_t cset);
/* The file access properties every checkpoint is opened and built with (H5Pclose it). */
hid_t ft_ckpt_file_access_plist (void);
