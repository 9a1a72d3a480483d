/* ft-dataset.c — the datasets a run trains on (see ft-dataset.h): TensorFlow Playground's generators,
 * the IDX loader for MNIST-format directories (through zlib, which reads plain files too), the CSV loader,
 * and the per-batch gather that turns bytes into floats. */
#include "data/ft-dataset.h"

#include "core/ft-compiler.h"
#include "core/ft-error.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static FtDataset *
dataset_new (const char *name, uint32_t n, int ndim, const int *shape)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup (name);
  ds->n = n;
  ds->ndim = ndim;
  ds->sample_size = 1;
  for (int i = 0; i < ndim; i++)
    {
      ds->shape[i] = shape[i];
      ds->sample_size *= (size_t) shape[i];
    }
  return ds;
}

void
ft_dataset_free (FtDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->pixels);
  g_free (ds->features);
  g_free (ds->labels);
  g_strfreev (ds->class_names);
  g_free (ds);
}

/* "0", "1", …, "k-1". */
static char **
numbered_class_names (int k)
{
  char **names = g_new0 (char *, (size_t) k + 1);
  for (int i = 0; i < k; i++)
    names[i] = g_strdup_printf ("%d", i);
  return names;
}

/* ---- TensorFlow Playground ---- */

static const char *const playground_names[FT_N_PLAYGROUND] = { "circle", "xor", "gauss", "spiral", "moons" };

const char *
ft_playground_name (FtPlaygroundKind kind)
{
  g_return_val_if_fail ((int) kind >= 0 && kind < FT_N_PLAYGROUND, NULL);
  return playground_names[kind];
}

bool
ft_playground_from_name (const char *name, FtPlaygroundKind *kind)
{
  g_return_val_if_fail (name != NULL, false);
  for (int k = 0; k < FT_N_PLAYGROUND; k++)
    if (g_ascii_strcasecmp (name, playground_names[k]) == 0)
      {
        if (kind != NULL)
          *kind = (FtPlaygroundKind) k;
        return true;
      }
  return false;
}

/* The Playground's randUniform(a, b). */
static double
rand_uniform (FtRng *rng, double a, double b)
{
  return (double) ft_rng_uniform (rng) * (b - a) + a;
}

/* Writes point i: (x, y) and the Playground's label (+1 → class 1, −1 → class 0). */
static void
put_point (float *xy, float *labels, uint32_t i, double x, double y, int label)
{
  xy[2 * (size_t) i] = (float) x;
  xy[2 * (size_t) i + 1] = (float) y;
  labels[i] = label > 0 ? 1.0f : 0.0f;
}

/* classifyCircleData: class 1 drawn inside radius 2.5, class 0 in the ring 3.5–5; the label is that of the
 * point moved by the noise. */
static void
gen_circle (FtRng *rng, uint32_t n, double noise, float *xy, float *labels)
{
  const double radius = 5.0;
  uint32_t n_in = n - n / 2;
  for (uint32_t i = 0; i < n; i++)
    {
      double r = i < n_in ? rand_uniform (rng, 0, radius * 0.5) : rand_uniform (rng, radius * 0.7, radius);
      double angle = rand_uniform (rng, 0, 2 * M_PI);
      double x = r * sin (angle), y = r * cos (angle);
      double nx = rand_uniform (rng, -radius, radius) * noise;
      double ny = rand_uniform (rng, -radius, radius) * noise;
      double d = sqrt ((x + nx) * (x + nx) + (y + ny) * (y + ny));
      put_point (xy, labels, i, x, y, d < radius * 0.5 ? 1 : -1);
    }
}

/* classifyXORData: uniform in [-5, 5]², pushed 0.3 away from each axis; label sign(x·y) of the noisy
 * point (≥ 0 → +1). */
static void
gen_xor (FtRng *rng, uint32_t n, double noise, float *xy, float *labels)
{
  const double padding = 0.3;
  for (uint32_t i = 0; i < n; i++)
    {
      double x = rand_uniform (rng, -5, 5);
      x += x > 0 ? padding : -padding;
      double y = rand_uniform (rng, -5, 5);
      y += y > 0 ? padding : -padding;
      double nx = rand_uniform (rng, -5, 5) * noise;
      double ny = rand_uniform (rng, -5, 5) * noise;
      put_point (xy, labels, i, x, y, (x + nx) * (y + ny) >= 0 ? 1 : -1);
    }
}

/* classifyTwoGaussData: variance scaled linearly from 0.5 (noise 0) to 4 (noise 0.5). */
static void
gen_gauss (FtRng *rng, uint32_t n, double noise, float *xy, float *labels)
{
  double sd = sqrt (0.5 + noise * (4.0 - 0.5) / 0.5);
  uint32_t n_pos = n - n / 2;
  for (uint32_t i = 0; i < n; i++)
    {
      double c = i < n_pos ? 2.0 : -2.0;
      double x = c + sd * ft_rng_normal (rng);
      double y = c + sd * ft_rng_normal (rng);
      put_point (xy, labels, i, x, y, i < n_pos ? 1 : -1);
    }
}

/* classifySpiralData: arm i of n/2 points has radius i/(n/2)·5 and angle 1.75·2π·i/(n/2) (+π for the
 * negative arm); uniform noise in ±noise per axis. */
static void
gen_spiral (FtRng *rng, uint32_t n, double noise, float *xy, float *labels)
{
  double half = n / 2.0;
  uint32_t n_pos = n - n / 2;
  for (uint32_t k = 0; k < n; k++)
    {
      bool pos = k < n_pos;
      uint32_t i = pos ? k : k - n_pos;
      double r = i / half * 5;
      double t = 1.75 * i / half * 2 * M_PI + (pos ? 0.0 : M_PI);
      double x = r * sin (t) + rand_uniform (rng, -1, 1) * noise;
      double y = r * cos (t) + rand_uniform (rng, -1, 1) * noise;
      put_point (xy, labels, k, x, y, pos ? 1 : -1);
    }
}

/* scikit-learn's make_moons: the outer half-circle (cos t, sin t), t = linspace(0, π, n_out) is class 0,
 * the inner one (1 − cos t, 0.5 − sin t) class 1, Gaussian noise on both coordinates; then centred on
 * (0.5, 0.25) and scaled by 4 to fill [-6, 6] × [-3, 3]. */
static void
gen_moons (FtRng *rng, uint32_t n, double noise, float *xy, float *labels)
{
  const double scale = 4.0;
  uint32_t n_out = n - n / 2;
  uint32_t n_in = n / 2;
  for (uint32_t k = 0; k < n; k++)
    {
      bool outer = k < n_out;
      uint32_t i = outer ? k : k - n_out;
      uint32_t count = outer ? n_out : n_in;
      double t = count > 1 ? M_PI * i / (count - 1) : 0.0;
      double x = outer ? cos (t) : 1.0 - cos (t);
      double y = outer ? sin (t) : 0.5 - sin (t);
      x = (x - 0.5) * scale + scale * 0.5 * noise * ft_rng_normal (rng);
      y = (y - 0.25) * scale + scale * 0.5 * noise * ft_rng_normal (rng);
      put_point (xy, labels, k, x, y, outer ? -1 : 1);
    }
}

FtDataset *
ft_dataset_playground (FtPlaygroundKind kind, uint32_t n, float noise, uint64_t seed)
{
  g_return_val_if_fail ((int) kind >= 0 && kind < FT_N_PLAYGROUND, NULL);
  g_return_val_if_fail (n > 0, NULL);
  g_return_val_if_fail (isfinite (noise) && noise >= 0.0f, NULL);

  FtRng rng;
  ft_rng_seed (&rng, seed, FT_RNG_STREAM_DATA);
  float *xy = g_new (float, 2 * (size_t) n);
  float *lab = g_new (float, n);
  switch (kind)
    {
    case FT_PLAYGROUND_CIRCLE:
      gen_circle (&rng, n, noise, xy, lab);
      break;
    case FT_PLAYGROUND_XOR:
      gen_xor (&rng, n, noise, xy, lab);
      break;
    case FT_PLAYGROUND_GAUSS:
      gen_gauss (&rng, n, noise, xy, lab);
      break;
    case FT_PLAYGROUND_SPIRAL:
      gen_spiral (&rng, n, noise, xy, lab);
      break;
    case FT_PLAYGROUND_MOONS:
      gen_moons (&rng, n, noise, xy, lab);
      break;
    case FT_N_PLAYGROUND:
      g_assert_not_reached ();
    }

  /* The Playground shuffles the generated points before splitting them; so do we (same stream). */
  uint32_t *perm = g_new (uint32_t, n);
  for (uint32_t i = 0; i < n; i++)
    perm[i] = i;
  ft_rng_shuffle (&rng, perm, n);

  const int shape[1] = { 2 };
  FtDataset *ds = dataset_new (playground_names[kind], n, 1, shape);
  ds->features = g_new (float, 2 * (size_t) n);
  ds->labels = g_new (float, n);
  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t j = perm[i];
      ds->features[2 * (size_t) i] = xy[2 * (size_t) j];
      ds->features[2 * (size_t) i + 1] = xy[2 * (size_t) j + 1];
      ds->labels[i] = lab[j];
    }
  ds->n_classes = 2;
  ds->class_names = g_new0 (char *, 3);
  ds->class_names[0] = g_strdup ("orange");
  ds->class_names[1] = g_strdup ("blue");
  g_free (perm);
  g_free (xy);
  g_free (lab);
  return ds;
}

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

FtDataset *
ft_dataset_load_idx (const char *dir, const char *prefix, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  IdxFile img = { 0 }, lab = { 0 };
  uint8_t *pixels = NULL, *raw_labels = NULL;
  FtDataset *ds = NULL;
  uint32_t idims[3], ldims[1];

  if (!idx_open (&img, dir, prefix, "images-idx3", error)
      || !idx_header (&img, IDX_MAGIC_IMAGES, "images", 3, idims, error))
    goto out;
  if (idims[0] == 0 || idims[1] == 0 || idims[2] == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: empty: the header says %u images of %u×%u pixels",
                   img.path, idims[0], idims[1], idims[2]);
      goto out;
    }
  if ((uint64_t) idims[1] * idims[2] > IDX_MAX_SAMPLE)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: images of %u×%u pixels are too large", img.path,
                   idims[1], idims[2]);
      goto out;
    }
  /* Open and check the labels' header before reading tens of megabytes of pixels. */
  if (!idx_open (&lab, dir, prefix, "labels-idx1", error)
      || !idx_header (&lab, IDX_MAGIC_LABELS, "labels", 1, ldims, error))
    goto out;
  if (ldims[0] != idims[0])
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: %u labels, but %s has %u images", lab.path,
                   ldims[0], img.path, idims[0]);
      goto out;
    }

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

  char *dir_canon = g_canonicalize_filename (dir, NULL);
  char *dir_name = g_path_get_basename (dir_canon);
  char *name = g_strdup_printf ("%s (%s)", dir_name, strcmp (prefix, "t10k") == 0 ? "test" : prefix);
  const int shape[2] = { (int) idims[1], (int) idims[2] };
  ds = dataset_new (name, n, 2, shape);
  g_free (name);
  g_free (dir_name);
  g_free (dir_canon);

  ds->pixels = g_steal_pointer (&pixels);
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
      ds->class_names = numbered_class_names (ds->n_classes);
    }

out:
  idx_close (&img);
  idx_close (&lab);
  g_free (pixels);
  g_free (raw_labels);
  return ds;
}

/* ---- CSV ---- */

/* Splits one line (without its end of line) into fields: unquoted fields lose surrounding blanks; a field
 * in double quotes keeps everything inside and "" stands for one quote. The fields are written,
 * NUL-terminated, into buf, and their offsets into starts. Returns an error message or NULL. */
static char *
csv_split (const char *line, size_t len, GString *buf, GArray *starts)
{
  g_string_truncate (buf, 0);
  g_array_set_size (starts, 0);
  size_t i = 0;
  for (;;)
    {
      while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
      size_t start = buf->len;
      g_array_append_val (starts, start);
      if (i < len && line[i] == '"')
        {
          i++;
          for (;;)
            {
              if (i >= len)
                return g_strdup ("a quoted field does not end");
              if (line[i] == '"')
                {
                  if (i + 1 < len && line[i + 1] == '"')
                    {
                      g_string_append_c (buf, '"');
                      i += 2;
                      continue;
                    }
                  i++;
                  break;
                }
              g_string_append_c (buf, line[i++]);
            }
          while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
          if (i < len && line[i] != ',')
            return g_strdup ("text after the closing quote of a field");
        }
      else
        {
          size_t end = i;
          while (end < len && line[end] != ',')
            end++;
          size_t stop = end;
          while (stop > i && (line[stop - 1] == ' ' || line[stop - 1] == '\t'))
            stop--;
          g_string_append_len (buf, line + i, (gssize) (stop - i));
          i = end;
        }
      g_string_append_c (buf, '\0');
      if (i >= len)
        return NULL;
      i++; /* the comma */
    }
}

static const char *
csv_field (const GString *buf, const GArray *starts, guint k)
{
  return buf->str + g_array_index (starts, size_t, k);
}

/* A whole field as a finite double (C locale). */
static bool
parse_number (const char *s, double *value)
{
  if (*s == '\0')
    return false;
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (v))
    return false;
  *value = v;
  return true;
}

static bool
line_is_blank (const char *line, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return false;
  return true;
}

FtDataset *
ft_dataset_load_csv (const char *path, const char *label_column, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (label_column != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  char *text = NULL;
  gsize text_len = 0;
  if (!ft_safe_file_read (path, FT_LIMIT_CSV_BYTES, "CSV file", &text, &text_len, error))
    return NULL;

  FtDataset *ds = NULL;
  GString *buf = g_string_new (NULL);
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (size_t));
  char **header = NULL;
  float *features = NULL, *labels = NULL;
  GHashTable *classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *class_strings = g_ptr_array_new ();                    /* owned by the hash table */
  GArray *class_lines = g_array_new (FALSE, FALSE, sizeof (guint)); /* where each label first appears */
  guint n_cols = 0, label_col = 0;
  uint32_t n = 0;
  char *msg = NULL;

  const char *end_valid = NULL;
  if (memchr (text, '\0', text_len) != NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: not a text file (it contains NUL bytes)", path);
      goto out;
    }
  if (!g_utf8_validate_len (text, text_len, &end_valid))
    {
      guint line_no = 1;
      for (const char *p = text; p < end_valid; p++)
        line_no += *p == '\n';
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: not UTF-8 text", path, line_no);
      goto out;
    }

  /* Lines, with an optional byte-order mark and CR before LF. */
  const char *p = text, *end = text + text_len;
  if (text_len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  /* Sized by the lines that hold data (not by every newline: blank lines take no room). */
  size_t max_rows = 0;
  for (const char *q = p; q < end;)
    {
      const char *qn = memchr (q, '\n', (size_t) (end - q));
      const char *qe = qn != NULL ? qn : end;
      max_rows += !line_is_blank (q, (size_t) (qe - q));
      q = qn != NULL ? qn + 1 : end;
    }
  max_rows += 1;

  guint line_no = 0;
  bool pending_blank = false; /* blank lines seen and not yet known to be trailing */
  guint first_blank = 0;
  while (p < end || line_no == 0)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      size_t len = (size_t) (line_end - p);
      if (len > 0 && p[len - 1] == '\r')
        len--;
      const char *line = p;
      p = nl != NULL ? nl + 1 : end;
      line_no++;

      if (line_no == 1)
        {
          if (line_is_blank (line, len))
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: line 1: empty, but a header line naming the columns is required", path);
              goto out;
            }
          if ((msg = csv_split (line, len, buf, starts)) != NULL)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line 1: %s", path, msg);
              goto out;
            }
          n_cols = starts->len;
          header = g_new0 (char *, n_cols + 1);
          for (guint c = 0; c < n_cols; c++)
            header[c] = g_strdup (csv_field (buf, starts, c));
          int found = -1;
          bool all_numeric = true;
          for (guint c = 0; c < n_cols; c++)
            {
              double v;
              all_numeric = all_numeric && parse_number (header[c], &v);
              if (strcmp (header[c], label_column) != 0)
                continue;
              if (found >= 0)
                {
                  g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                               "%s: line 1: the label column “%s” appears twice (columns %d and %u)", path,
                               label_column, found + 1, c + 1);
                  goto out;
                }
              found = (int) c;
            }
          if (found < 0)
            {
              GString *cols = g_string_new (NULL);
              for (guint c = 0; c < n_cols; c++)
                g_string_append_printf (cols, "%s“%s”", c > 0 ? ", " : "", header[c]);
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: no label column “%s”; the columns are %s%s", path, label_column, cols->str,
                           all_numeric ? " (the first line must be a header naming the columns)" : "");
              g_string_free (cols, TRUE);
              goto out;
            }
          if (n_cols < 2)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: line 1: no feature columns besides the label column “%s”", path,
                           label_column);
              goto out;
            }
          label_col = (guint) found;
          size_t n_floats = 0, n_bytes = 0;
          char need[32], budget[32];
          if (!ft_size_mul ((size_t) (n_cols - 1), max_rows, &n_floats)
              || !ft_size_mul (n_floats + max_rows, sizeof (float), &n_bytes)
              || n_bytes > ft_limit_memory_budget () || (features = g_try_new (float, n_floats)) == NULL
              || (labels = g_try_new (float, max_rows)) == NULL)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                           "%s: %zu rows of %u columns need %s, more than the memory budget of %s", path,
                           max_rows - 1, n_cols, ft_format_bytes (n_bytes, need, sizeof need),
                           ft_format_bytes (ft_limit_memory_budget (), budget, sizeof budget));
              goto out;
            }
          continue;
        }

      if (line_is_blank (line, len))
        {
          if (!pending_blank)
            first_blank = line_no;
          pending_blank = true;
          continue;
        }
      if (pending_blank)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: line %u: empty line (only empty lines at the end are ignored)", path,
                       first_blank);
          goto out;
        }
      if ((msg = csv_split (line, len, buf, starts)) != NULL)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: %s", path, line_no, msg);
          goto out;
        }
      if (starts->len != n_cols)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u: %u fields, but the header has %u",
                       path, line_no, starts->len, n_cols);
          goto out;
        }
      float *row = features + (size_t) n * (n_cols - 1);
      for (guint c = 0, k = 0; c < n_cols; c++)
        {
          const char *field = csv_field (buf, starts, c);
          if (c == label_col)
            {
              if (*field == '\0')
                {
                  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u, column “%s”: empty label",
                               path, line_no, header[c]);
                  goto out;
                }
              gpointer index;
              if (!g_hash_table_lookup_extended (classes, field, NULL, &index))
                {
                  char *key = g_strdup (field);
                  index = GUINT_TO_POINTER (class_strings->len);
                  g_hash_table_insert (classes, key, index);
                  g_ptr_array_add (class_strings, key);
                  g_array_append_val (class_lines, line_no);
                }
              labels[n] = (float) GPOINTER_TO_UINT (index);
              continue;
            }
          double v;
          if (!parse_number (field, &v) || !isfinite ((float) v))
            {
              const char *problem = "is not a finite number";
              if (*field == '\0')
                problem = "is not a number (empty field)";
              else if (parse_number (field, &v))
                problem = "is too large for a float";
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: line %u, column “%s”: “%s” %s", path,
                           line_no, header[c], field, problem);
              goto out;
            }
          row[k++] = (float) v;
        }
      n++;
    }
  if (n == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: no data, only a header line", path);
      goto out;
    }
  if (class_strings->len > (1u << 24))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s: column “%s”: too many distinct labels (%u)", path,
                   label_column, class_strings->len);
      goto out;
    }

  /* Labels that are all numbers name classes only when they are whole: a column of measurements (0.5,
   * 1.7) is a regression target or a feature, not classes. */
  guint k_classes = class_strings->len;
  bool numeric = true;
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v;
      numeric = parse_number (g_ptr_array_index (class_strings, k), &v);
    }
  for (guint k = 0; k < k_classes && numeric; k++)
    {
      double v = 0;
      parse_number (g_ptr_array_index (class_strings, k), &v);
      if (v != floor (v))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: line %u, column “%s”: the label “%s” is not a whole number: labels name classes "
                       "(0, 1, 2 … or names such as “setosa”); FitTape classifies, it does not fit numbers",
                       path, g_array_index (class_lines, guint, k), label_column,
                       (const char *) g_ptr_array_index (class_strings, k));
          goto out;
        }
    }
  /* The Playground's own labels, −1 (orange) and +1 (blue), are classes 0 and 1 whatever comes first. */
  bool signs = false;
  if (numeric && k_classes == 2)
    {
      double a = 0, b = 0;
      parse_number (g_ptr_array_index (class_strings, 0), &a);
      parse_number (g_ptr_array_index (class_strings, 1), &b);
      signs = (a == -1 && b == 1) || (a == 1 && b == -1);
    }

  /* Integer labels that are exactly 0..K−1 are the class indices themselves. */
  uint32_t *as_index = g_new (uint32_t, k_classes);
  bool *seen = g_new0 (bool, k_classes);
  bool integral = true;
  for (guint k = 0; k < k_classes && integral; k++)
    {
      double v;
      integral = parse_number (g_ptr_array_index (class_strings, k), &v) && v >= 0 && v < k_classes
                 && v == floor (v) && !seen[(size_t) v];
      if (integral)
        {
          as_index[k] = (uint32_t) v;
          seen[(size_t) v] = true;
        }
    }
  g_free (seen);
  if (signs)
    {
      double a = 0;
      parse_number (g_ptr_array_index (class_strings, 0), &a);
      as_index[0] = a < 0 ? 0 : 1;
      as_index[1] = 1 - as_index[0];
    }

  const int shape[1] = { (int) (n_cols - 1) };
  char *base = g_path_get_basename (path);
  ds = dataset_new (base, n, 1, shape);
  g_free (base);
  ds->features = g_renew (float, features, MAX ((size_t) n * (n_cols - 1), 1));
  ds->labels = g_renew (float, labels, n);
  features = labels = NULL;
  ds->n_classes = (int) k_classes;
  if (integral || signs)
    {
      for (uint32_t i = 0; i < n; i++)
        ds->labels[i] = (float) as_index[(size_t) ds->labels[i]];
      if (integral)
        ds->class_names = numbered_class_names ((int) k_classes);
      else
        {
          ds->class_names = g_new0 (char *, 3);
          for (guint k = 0; k < 2; k++)
            ds->class_names[as_index[k]] = g_strdup (g_ptr_array_index (class_strings, k));
        }
    }
  else
    {
      ds->class_names = g_new0 (char *, k_classes + 1);
      for (guint k = 0; k < k_classes; k++)
        ds->class_names[k] = g_strdup (g_ptr_array_index (class_strings, k));
    }
  g_free (as_index);

out:
  g_free (msg);
  g_free (text);
  g_string_free (buf, TRUE);
  g_array_unref (starts);
  g_strfreev (header);
  g_free (features);
  g_free (labels);
  g_ptr_array_unref (class_strings);
  g_array_unref (class_lines);
  g_hash_table_unref (classes);
  return ds;
}

/* ---- batches ---- */

#define GATHER_PREFETCH 2 /* samples ahead */

/* Written without a branch: GCC 12 drops prefetch loops that sit under an if. */
static inline void
prefetch_sample (const uint8_t *pixels, size_t d, uint32_t n_total, uint32_t j)
{
  const uint8_t *p = pixels + (size_t) (j < n_total ? j : 0) * d;
  for (size_t line = 0; line < (d + 63) / 64; line++)
    __builtin_prefetch (p + 64 * line);
}

/* p / 255.0f is correctly rounded, hence equal to (float) (p / 255.0), NumPy's `images / 255.0` cast to
 * float32, for all 256 byte values; p * (1 / 255.0f) differs from it in the last bit for half of them. The
 * loop vectorizes (byte → int → float, divide) and costs the same as the multiplication: shuffled samples
 * are cache misses, which the prefetch of the samples two ahead halves (32 × 784 bytes: 10 → 5 µs). */
FT_HOT static void
gather_pixels (const uint8_t *restrict pixels, size_t d, uint32_t n_total, const uint32_t *restrict idx,
               uint32_t n, float *restrict x)
{
  for (uint32_t i = 0; i < n && i < GATHER_PREFETCH; i++)
    prefetch_sample (pixels, d, n_total, idx[i]);
  for (uint32_t i = 0; i < n; i++)
    {
      if (i + GATHER_PREFETCH < n)
        prefetch_sample (pixels, d, n_total, idx[i + GATHER_PREFETCH]);
      float *restrict dst = x + (size_t) i * d;
      uint32_t j = idx[i];
      if (G_UNLIKELY (j >= n_total))
        {
          memset (dst, 0, d * sizeof *dst);
          continue;
        }
      const uint8_t *restrict src = pixels + (size_t) j * d;
      for (size_t k = 0; k < d; k++)
        dst[k] = (float) src[k] / 255.0f;
    }
}

void
ft_dataset_gather (const FtDataset *ds, const uint32_t *idx, uint32_t n, float *x, float *y)
{
  g_return_if_fail (ds != NULL);
  g_return_if_fail (idx != NULL || n == 0);

  for (uint32_t i = 0; i < n; i++)
    if (G_UNLIKELY (idx[i] >= ds->n))
      g_critical ("%s: sample index %u (batch position %u) is out of range for %s (%u samples)", G_STRFUNC,
                  idx[i], i, ds->name, ds->n);

  size_t d = ds->sample_size;
  if (x != NULL)
    {
      if (ds->pixels != NULL)
        gather_pixels (ds->pixels, d, ds->n, idx, n, x);
      else
        for (uint32_t i = 0; i < n; i++)
          {
            if (G_LIKELY (idx[i] < ds->n))
              memcpy (x + (size_t) i * d, ds->features + (size_t) idx[i] * d, d * sizeof *x);
            else
              memset (x + (size_t) i * d, 0, d * sizeof *x);
          }
    }
  if (y != NULL)
    for (uint32_t i = 0; i < n; i++)
      y[i] = G_LIKELY (idx[i] < ds->n) ? ds->labels[idx[i]] : 0.0f;
}

uint32_t
ft_dataset_split_point (const FtDataset *ds, double fraction)
{
  g_return_val_if_fail (ds != NULL, 0);
  g_return_val_if_fail (fraction >= 0.0 && fraction < 1.0, ds->n);
  return (uint32_t) floor ((double) ds->n * (1.0 - fraction));
}

FtDataset *
ft_dataset_slice (const FtDataset *ds, uint32_t start, uint32_t count)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (start <= ds->n && count <= ds->n - start, NULL);

  char *name = g_strdup_printf ("%s [%u:%u]", ds->name, start, start + count);
  FtDataset *s = dataset_new (name, count, ds->ndim, ds->shape);
  g_free (name);
  size_t d = ds->sample_size;
  /* At least one element each, so that an empty slice still has its arrays. */
  if (ds->pixels != NULL)
    {
      s->pixels = g_new0 (uint8_t, MAX ((size_t) count * d, 1));
      memcpy (s->pixels, ds->pixels + (size_t) start * d, (size_t) count * d);
    }
  if (ds->features != NULL)
    {
      s->features = g_new0 (float, MAX ((size_t) count * d, 1));
      memcpy (s->features, ds->features + (size_t) start * d, (size_t) count * d * sizeof (float));
    }
  s->labels = g_new0 (float, MAX ((size_t) count, 1));
  memcpy (s->labels, ds->labels + start, (size_t) count * sizeof (float));
  s->n_classes = ds->n_classes;
  s->class_names = g_strdupv (ds->class_names);
  return s;
}
