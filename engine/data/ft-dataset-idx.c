/* ft-dataset-idx.c — the IDX loader for MNIST-format directories (Fashion-MNIST's files, gzipped or
 * plain, read through zlib), every header and size checked before anything is allocated. */
#include "data/ft-dataset-private.h"

#include "core/ft-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- IDX (MNIST format) ---- */

static const char *const fashion_class_names[10] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */
#define IDX_MAX_SAMPLE   (1 << 24)   /* rows × cols */

typedef struct
{
  char *path;
  gzFile gz;
} IdxFile;

static void
idx_close (IdxFile *f)
{
  if (f->gz != NULL)
    gzclose (f->gz);
  f->gz = NULL;
  g_clear_pointer (&f->path, g_free);
}

/* Opens dir/PREFIX-WHAT-ubyte.gz or, when that does not exist, dir/PREFIX-WHAT-ubyte. */
static bool
idx_open (IdxFile *f, const char *dir, const char *prefix, const char *what, GError **error)
{
  char *base = g_strdup_printf ("%s-%s-ubyte", prefix, what);
  char *plain = g_build_filename (dir, base, NULL);
  char *gzname = g_strconcat (plain, ".gz", NULL);
  const char *candidates[2] = { gzname, plain };
  bool ok = false;
  g_free (base);

  for (int c = 0; c < 2 && !ok; c++)
    {
      int fd = open (candidates[c], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0)
        {
          int saved = errno;
          if (saved == ENOENT)
            continue;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", candidates[c],
                       g_strerror (saved));
          goto out;
        }
      struct stat st;
      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          close (fd);
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: not a regular file (a directory, device or pipe)", candidates[c]);
          goto out;
        }
      f->gz = gzdopen (fd, "rb");
      if (f->gz == NULL)
        {
          close (fd);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s: cannot start reading (out of memory)",
                       candidates[c]);
          goto out;
        }
      gzbuffer (f->gz, 1 << 17);
      f->path = g_strdup (candidates[c]);
      ok = true;
    }
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: %s (nor is there %s)", gzname,
                 g_strerror (ENOENT), plain);
out:
  g_free (plain);
  g_free (gzname);
  return ok;
}

/* Reads up to len bytes; *got tells how many came. False (with an error) only when reading failed. */
static bool
idx_read (IdxFile *f, void *buf, size_t len, size_t *got, GError **error)
{
  size_t done = 0;
  while (done < len)
    {
      unsigned chunk = (unsigned) MIN (len - done, (size_t) 1 << 24);
      int r = gzread (f->gz, (char *) buf + done, chunk);
      if (r < 0)
        {
          int zerr = Z_OK;
          const char *msg = gzerror (f->gz, &zerr);
          /* zlib prefixes its message with the name given to gzdopen, "<fd:N>: ". */
          if (msg[0] == '<' && strstr (msg, ">: ") != NULL)
            msg = strstr (msg, ">: ") + 3;
          if (zerr == Z_ERRNO)
            g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", f->path,
                         g_strerror (errno));
          else
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: corrupt gzip data: %s", f->path, msg);
          return false;
        }
      if (r == 0)
        break;
      done += (size_t) r;
    }
  *got = done;
  return true;
}

/* Reads and checks the magic number and the ndims dimension sizes (big-endian). */
static bool
idx_header (IdxFile *f, uint32_t magic, const char *what, int ndims, uint32_t *dims, GError **error)
{
  uint8_t buf[16];
  size_t want = 4 + 4 * (size_t) ndims, got = 0;
  if (!idx_read (f, buf, want, &got, error))
    return false;
  if (got >= 4)
    {
      uint32_t m = (uint32_t) buf[0] << 24 | (uint32_t) buf[1] << 16 | (uint32_t) buf[2] << 8 | buf[3];
      if (m != magic)
        {
          const char *hint = "";
          if (m == IDX_MAGIC_IMAGES)
            hint = " — this is an images file";
          else if (m == IDX_MAGIC_LABELS)
            hint = " — this is a labels file";
          else if (buf[0] == 0x1f && buf[1] == 0x8b)
            hint = " — gzip data inside gzip";
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: bad magic number 0x%08x (expected 0x%08x, IDX %s of unsigned bytes)%s", f->path,
                       m, magic, what, hint);
          return false;
        }
    }
  if (got < want)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s: truncated: expected a %zu-byte IDX header, got %zu bytes", f->path, want, got);
      return false;
    }
  for (int i = 0; i < ndims; i++)
    {
      const uint8_t *p = buf + 4 + 4 * i;
      dims[i] = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
    }
  return true;
}

/* Reads exactly len bytes of payload (allocated as they arrive, so a lying header cannot make us allocate
 * more than the file holds, beyond a first 64 MiB), then checks that nothing follows. */
static uint8_t *
idx_payload (IdxFile *f, size_t len, const char *what, GError **error)
{
  size_t cap = MIN (len, (size_t) 64 << 20), done = 0;
  uint8_t *buf = g_malloc (MAX (cap, 1));
  while (done < len)
    {
      if (done == cap)
        {
          cap = len - cap > cap ? 2 * cap : len;
          buf = g_realloc (buf, cap);
        }
      size_t want = cap - done, got = 0;
      if (!idx_read (f, buf + done, want, &got, error))
        goto fail;
      done += got;
      if (got < want)
        break; /* end of file */
    }
  if (done < len)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: truncated: expected %zu bytes of %s, got %zu",
                   f->path, len, what, done);
      goto fail;
    }
  /* Reading on to the end also makes zlib check the gzip trailer (CRC and length). */
  uint8_t extra[64];
  size_t more = 0;
  if (!idx_read (f, extra, sizeof extra, &more, error))
    goto fail;
  if (more > 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s: unexpected data after the %zu bytes of %s the header announces", f->path, len, what);
      goto fail;
    }
  return buf;
fail:
  g_free (buf);
  return NULL;
}

static bool
is_fashion_dir (const char *dir)
{
  char *canon = g_canonicalize_filename (dir, NULL);
  char *base = g_path_get_basename (canon);
  char *lower = g_ascii_strdown (base, -1);
  bool fashion = strstr (lower, "fashion") != NULL;
  g_free (lower);
  g_free (base);
  g_free (canon);
  return fashion;
}

/* Opens both files and checks their headers (the labels' before any pixels are read): idims gets the
 * images' count, height and width. */
static bool
idx_open_pair (IdxFile *img, IdxFile *lab, const char *dir, const char *prefix, uint32_t *idims,
               GError **error)
{
  uint32_t ldims[1];
  if (!idx_open (img, dir, prefix, "images-idx3", error)
      || !idx_header (img, IDX_MAGIC_IMAGES, "images", 3, idims, error))
    return false;
  if (idims[0] == 0 || idims[1] == 0 || idims[2] == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: empty: the header says %u images of %u×%u pixels",
                   img->path, idims[0], idims[1], idims[2]);
      return false;
    }
  if ((uint64_t) idims[1] * idims[2] > IDX_MAX_SAMPLE)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: images of %u×%u pixels are too large", img->path,
                   idims[1], idims[2]);
      return false;
    }
  /* Open and check the labels' header before reading tens of megabytes of pixels. */
  if (!idx_open (lab, dir, prefix, "labels-idx1", error)
      || !idx_header (lab, IDX_MAGIC_LABELS, "labels", 1, ldims, error))
    return false;
  if (ldims[0] != idims[0])
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %u labels, but %s has %u images", lab->path,
                   ldims[0], img->path, idims[0]);
      return false;
    }
  return true;
}

/* The dataset of n images (pixels move into it) and their labels, named after the directory, with
 * Fashion-MNIST's class names or numbered ones up to the largest label. */
static FtDataset *
idx_dataset (const char *dir, const char *prefix, const uint32_t *idims, uint8_t **pixels,
             const uint8_t *raw_labels, bool fashion, int max_label)
{
  uint32_t n = idims[0];
  char *dir_canon = g_canonicalize_filename (dir, NULL);
  char *dir_name = g_path_get_basename (dir_canon);
  char *name = g_strdup_printf ("%s (%s)", dir_name, strcmp (prefix, "t10k") == 0 ? "test" : prefix);
  const int shape[2] = { (int) idims[1], (int) idims[2] };
  FtDataset *ds = ft_dataset_alloc (name, n, 2, shape);
  g_free (name);
  g_free (dir_name);
  g_free (dir_canon);

  ds->pixels = g_steal_pointer (pixels);
  ds->labels = g_new (float, n);
  for (uint32_t i = 0; i < n; i++)
    ds->labels[i] = raw_labels[i];
  if (fashion)
    {
      ds->n_classes = 10;
      ds->class_names = g_new0 (char *, 11);
      for (int k = 0; k < 10; k++)
        ds->class_names[k] = g_strdup (fashion_class_names[k]);
    }
  else
    {
      ds->n_classes = max_label + 1;
      ds->class_names = ft_dataset_numbered_class_names (ds->n_classes);
    }
  return ds;
}

FtDataset *
ft_dataset_load_idx (const char *dir, const char *prefix, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  IdxFile img = { 0 }, lab = { 0 };
  uint8_t *pixels = NULL, *raw_labels = NULL;
  FtDataset *ds = NULL;
  uint32_t idims[3];
  if (!idx_open_pair (&img, &lab, dir, prefix, idims, error))
    goto out;
  uint32_t n = idims[0];
  size_t sample = (size_t) idims[1] * idims[2];
  pixels = idx_payload (&img, (size_t) n * sample, "pixels", error);
  if (pixels == NULL)
    goto out;
  raw_labels = idx_payload (&lab, n, "labels", error);
  if (raw_labels == NULL)
    goto out;

  bool fashion = is_fashion_dir (dir);
  int max_label = 0;
  for (uint32_t i = 0; i < n; i++)
    {
      if (fashion && raw_labels[i] >= 10)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: label %u of sample %u is out of range (Fashion-MNIST has 10 classes)", lab.path,
                       raw_labels[i], i);
          goto out;
        }
      max_label = MAX (max_label, raw_labels[i]);
    }
  ds = idx_dataset (dir, prefix, idims, &pixels, raw_labels, fashion, max_label);

out:
  idx_close (&img);
  idx_close (&lab);
  g_free (pixels);
  g_free (raw_labels);
  return ds;
}
