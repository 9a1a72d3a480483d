/* ft-tensor.c — tensor structs and shape helpers (see ft-tensor.h). */
#include "core/ft-tensor.h"

#include "core/ft-alloc.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

size_t
ft_shape_size (int ndim, const int *shape)
{
  size_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= (size_t) shape[i];
  return n;
}

void
ft_tensor_init_view (FtTensor *t, float *data, int ndim, const int *shape)
{
  g_assert (ndim >= 0 && ndim <= FT_MAX_DIMS);
  memset (t, 0, sizeof *t);
  t->data = data;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    t->shape[i] = shape[i];
  t->size = ft_shape_size (ndim, shape);
  t->tape_slot = -1;
}

FtTensor *
ft_tensor_new (int ndim, const int *shape)
{
  FtTensor *t = g_new (FtTensor, 1);
  ft_tensor_init_view (t, NULL, ndim, shape);
  t->data = ft_alloc0 (t->size * sizeof (float));
  t->flags |= FT_TENSOR_OWNS_DATA;
  return t;
}

FtTensor *
ft_tensor_new_view (float *data, int ndim, const int *shape)
{
  FtTensor *t = g_new (FtTensor, 1);
  ft_tensor_init_view (t, data, ndim, shape);
  return t;
}

void
ft_tensor_free (FtTensor *t)
{
  if (t == NULL)
    return;
  if (t->flags & FT_TENSOR_OWNS_DATA)
    ft_free (t->data);
  g_free (t);
}

bool
ft_tensor_same_shape (const FtTensor *a, const FtTensor *b)
{
  if (a->ndim != b->ndim)
    return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return false;
  return true;
}

char *
ft_shape_format (int ndim, const int *shape, char *buf, size_t buf_size)
{
  size_t off = 0;
  off += (size_t) snprintf (buf + off, buf_size - off, "(");
  for (int i = 0; i < ndim && off < buf_size; i++)
    off += (size_t) snprintf (buf + off, buf_size - off, i ? ", %d" : "%d", shape[i]);
  if (off < buf_size)
    snprintf (buf + off, buf_size - off, ndim == 1 ? ",)" : ")");
  return buf;
}
