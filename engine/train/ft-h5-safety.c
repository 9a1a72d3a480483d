/* ft-h5-safety.c — structural checks on a checkpoint's HDF5 file before its contents are read
 * (see ft-h5-safety.h). The caller holds the HDF5 lock and has silenced HDF5's error printing. */
#include "train/ft-h5-safety.h"

#include "core/ft-limits.h"

#include <string.h>

/* More objects than any FitTape model has (four per layer, a few hundred layers at most), far fewer
 * than a file built to exhaust memory. */
#define MAX_OBJECTS 100000
/* Attributes per object. */
#define MAX_ATTRS 1024

typedef struct
{
  bool read_all;
  int objects;
  char *problem;
  const char *object; /* the object whose attributes are visited */
} Visit;

static herr_t
set_problem (Visit *v, char *msg)
{
  if (v->problem == NULL)
    v->problem = msg;
  else
    g_free (msg);
  return -1;
}

/* Reads n elements of type into memory and frees them (vlen strings through HDF5's own free). */
static bool
read_values (hid_t obj, bool is_attr, hid_t type, hssize_t n)
{
  if (n <= 0)
    return true;
  if (H5Tget_class (type) == H5T_STRING && H5Tis_variable_str (type) > 0)
    {
      hid_t mem = H5Tcopy (H5T_C_S1);
      H5Tset_size (mem, H5T_VARIABLE);
      H5Tset_cset (mem, H5Tget_cset (type));
      char **v = g_try_new0 (char *, (gsize) n);
      bool ok = v != NULL
                && (is_attr ? H5Aread (obj, mem, v) : H5Dread (obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v))
                       >= 0;
      for (hssize_t i = 0; v != NULL && i < n; i++)
        if (v[i] != NULL)
          H5free_memory (v[i]);
      g_free (v);
      H5Tclose (mem);
      return ok;
    }
  hid_t mem = H5Tget_class (type) == H5T_STRING ? H5Tcopy (type) : H5Tget_native_type (type, H5T_DIR_ASCEND);
  if (mem < 0)
    return false;
  size_t bytes = 0;
  bool ok = ft_size_mul (
      (size_t) n, H5Tget_size (mem) > H5Tget_size (type) ? H5Tget_size (mem) : H5Tget_size (type), &bytes);
  void *buf = ok ? g_try_malloc (bytes) : NULL;
  ok = buf != NULL
       && (is_attr ? H5Aread (obj, mem, buf) : H5Dread (obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0;
  g_free (buf);
  H5Tclose (mem);
  return ok;
}

/* The declared size of n elements of type: fixed-size types by their size, vlen strings by the heap
 * reference each takes (their contents are capped by the reader). */
static bool
declared_size (hid_t type, hssize_t n, size_t *bytes)
{
  if (n < 0)
    return false;
  size_t size = H5Tget_size (type);
  if (H5Tget_class (type) == H5T_VLEN)
    return false; /* FitTape never writes nor reads generic variable-length sequences */
  return size > 0 && ft_size_mul ((size_t) n, size, bytes);
}

static herr_t
visit_attr (hid_t loc, const char *name, const H5A_info_t *ainfo, void *data)
{
  Visit *v = data;
  hid_t attr = H5Aopen (loc, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type (attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space (attr) : -1;
  herr_t r = 0;
  size_t bytes = 0;
  hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints (space) : -1;
  if (type < 0 || space < 0)
    r = set_problem (v, g_strdup_printf ("attribute %s of %s cannot be read", name, v->object));
  else if (!declared_size (type, n, &bytes) || bytes > FT_LIMIT_ATTR_READ_BYTES
           || ainfo->data_size > FT_LIMIT_ATTR_READ_BYTES)
    r = set_problem (v, g_strdup_printf ("attribute %s of %s is larger than an attribute may be (%zu bytes)",
                                         name, v->object, FT_LIMIT_ATTR_READ_BYTES));
  else if (v->read_all && !read_values (attr, true, type, n))
    r = set_problem (v, g_strdup_printf ("attribute %s of %s cannot be read", name, v->object));
  if (space >= 0)
    H5Sclose (space);
  if (type >= 0)
    H5Tclose (type);
  if (attr >= 0)
    H5Aclose (attr);
  return r;
}

static herr_t
check_attrs (hid_t obj, const char *objname, Visit *v)
{
  H5O_info_t info;
  if (H5Oget_info2 (obj, &info, H5O_INFO_NUM_ATTRS) < 0)
    return set_problem (v, g_strdup_printf ("%s cannot be read", objname));
  if (info.num_attrs > MAX_ATTRS)
    return set_problem (v, g_strdup_printf ("%s has %llu attributes (at most %d)", objname,
                                            (unsigned long long) info.num_attrs, MAX_ATTRS));
  v->object = objname;
  hsize_t idx = 0;
  return H5Aiterate2 (obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, visit_attr, v) < 0 ? -1 : 0;
}

static herr_t
check_dataset (hid_t ds, const char *name, Visit *v)
{
  hid_t dcpl = H5Dget_create_plist (ds);
  hid_t type = H5Dget_type (ds);
  hid_t space = H5Dget_space (ds);
  herr_t r = 0;
  size_t bytes = 0;
  hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints (space) : -1;
  if (dcpl < 0 || type < 0 || space < 0)
    r = set_problem (v, g_strdup_printf ("dataset %s cannot be read", name));
  else if (H5Pget_layout (dcpl) == H5D_VIRTUAL)
    r = set_problem (v, g_strdup_printf ("dataset %s is a virtual dataset (made of other files), which a "
                                         "checkpoint never holds",
                                         name));
  else if (H5Pget_external_count (dcpl) != 0)
    r = set_problem (v, g_strdup_printf ("dataset %s keeps its data in an external file, which a checkpoint "
                                         "never does",
                                         name));
  else if (!declared_size (type, n, &bytes) || bytes > ft_limit_memory_budget ())
    r = set_problem (v, g_strdup_printf ("dataset %s is larger than the memory budget", name));
  else if (v->read_all && !read_values (ds, false, type, n))
    r = set_problem (v, g_strdup_printf ("dataset %s cannot be read", name));
  if (space >= 0)
    H5Sclose (space);
  if (type >= 0)
    H5Tclose (type);
  if (dcpl >= 0)
    H5Pclose (dcpl);
  return r;
}

static herr_t
visit_link (hid_t group, const char *name, const H5L_info_t *info, void *data)
{
  Visit *v = data;
  if (info->type == H5L_TYPE_SOFT)
    return set_problem (v, g_strdup_printf ("%s is a soft link, which a checkpoint never holds", name));
  if (info->type != H5L_TYPE_HARD)
    return set_problem (v,
                        g_strdup_printf ("%s is an external link (to another file), which a checkpoint never "
                                         "holds",
                                         name));
  if (++v->objects > MAX_OBJECTS)
    return set_problem (v, g_strdup_printf ("the file has more than %d objects", MAX_OBJECTS));
  hid_t obj = H5Oopen (group, name, H5P_DEFAULT);
  if (obj < 0)
    return set_problem (v, g_strdup_printf ("%s cannot be opened", name));
  herr_t r = check_attrs (obj, name, v);
  if (r >= 0 && H5Iget_type (obj) == H5I_DATASET)
    r = check_dataset (obj, name, v);
  else if (r >= 0 && H5Iget_type (obj) != H5I_GROUP)
    r = set_problem (v, g_strdup_printf ("%s is a named datatype, which a checkpoint never holds", name));
  H5Oclose (obj);
  return r;
}

bool
ft_h5_check_file (hid_t file, bool read_all, char **problem)
{
  Visit v = { .read_all = read_all };
  herr_t r = check_attrs (file, "/", &v);
  if (r >= 0)
    r = H5Lvisit (file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_link, &v);
  if (r < 0 && v.problem == NULL)
    v.problem = g_strdup ("its structure cannot be read (the file is damaged)");
  if (v.problem != NULL)
    {
      *problem = v.problem;
      return false;
    }
  return true;
}
