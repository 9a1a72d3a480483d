/* ft-checkpoint-hdf5.c — what reading and writing checkpoints share: the one lock every HDF5 call runs
 * under (with HDF5's automatic error printing off), HDF5's error stack turned into messages that start
 * with the file's path, and the descriptions of shapes and types that the messages use. */
#include "train/ft-checkpoint-private.h"

#include "core/ft-error.h"

#include <pthread.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* The HDF5 lock                                                                                     */

/* A pthread mutex (not GMutex) so ThreadSanitizer sees it. */
static pthread_mutex_t hdf5_mutex = PTHREAD_MUTEX_INITIALIZER;

void
ft_hdf5_enter (FtHdf5Guard *guard)
{
  pthread_mutex_lock (&hdf5_mutex);
  guard->func = NULL;
  guard->data = NULL;
  H5Eget_auto2 (H5E_DEFAULT, &guard->func, &guard->data);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

void
ft_hdf5_leave (FtHdf5Guard *guard)
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
char *
ft_hdf5_error_detail (void)
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

void
ft_hdf5_close_id (hid_t id)
{
  if (id >= 0)
    H5Idec_ref (id);
}

bool
ft_ckpt_fail (FtCkptCtx *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  ft_error_set_at_valist (c->error, c->path, fmt, ap);
  va_end (ap);
  return false;
}

/* A failed write: G_FILE_ERROR with HDF5's reason. */
bool
ft_ckpt_fail_write (FtCkptCtx *c, const char *what)
{
  char *detail = ft_hdf5_error_detail ();
  g_set_error (c->error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot write %s: %s", c->path, what, detail);
  g_free (detail);
  return false;
}

/* A failed read of an object that exists: FT_ERROR_INVALID with HDF5's reason. */
bool
ft_ckpt_fail_read (FtCkptCtx *c, const char *what)
{
  char *detail = ft_hdf5_error_detail ();
  ft_ckpt_fail (c, "cannot read %s (the file is damaged?): %s", what, detail);
  g_free (detail);
  return false;
}

char *
ft_hdf5_format_dims (int ndim, const hsize_t *dims, char *buf, size_t size)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %llu" : "%llu", (unsigned long long) dims[i]);
  g_string_append (s, ndim == 1 ? ",)" : ")");
  g_strlcpy (buf, s->str, size);
  g_string_free (s, TRUE);
  return buf;
}

char *
ft_hdf5_describe_type (hid_t type, char *buf, size_t size)
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

hid_t
ft_ckpt_string_type (bool variable, size_t size, H5T_cset_t cset)
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

hid_t
ft_ckpt_file_access_plist (void)
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
