/* bench-data.c — fittape-bench's data set and batcher (see bench-data.h). */
#include "bench-data.h"

#include <gio/gio.h>

/* ---- data: the training set as one uint8 array, gathered into a preallocated batch ---- */

static guint8 *
read_gzip_file (const char *path, gsize *len, GError **error)
{
  GFile *file = g_file_new_for_path (path);
  GFileInputStream *raw = g_file_read (file, NULL, error);
  g_object_unref (file);
  if (raw == NULL)
    return NULL;
  GZlibDecompressor *gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  GInputStream *in = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (gunzip));
  g_object_unref (gunzip);
  g_object_unref (raw);

  GByteArray *bytes = g_byte_array_new ();
  guint8 *chunk = g_malloc (1 << 16);
  bool ok = true;
  for (;;)
    {
      gssize r = g_input_stream_read (in, chunk, 1 << 16, NULL, error);
      if (r < 0)
        {
          ok = false;
          break;
        }
      if (r == 0)
        break;
      g_byte_array_append (bytes, chunk, (guint) r);
    }
  g_free (chunk);
  g_object_unref (in);
  if (!ok)
    {
      g_byte_array_free (bytes, TRUE);
      return NULL;
    }
  *len = bytes->len;
  return g_byte_array_free (bytes, FALSE);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | (guint32) p[3];
}

/* Reads train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz from dir. */
bool
dataset_load_fashion (Dataset *d, const char *dir, GError **error)
{
  g_autofree char *ipath = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);
  g_autofree char *lpath = g_build_filename (dir, "train-labels-idx1-ubyte.gz", NULL);
  gsize ilen = 0, llen = 0;
  g_autofree guint8 *img = read_gzip_file (ipath, &ilen, error);
  if (img == NULL)
    return false;
  g_autofree guint8 *lab = read_gzip_file (lpath, &llen, error);
  if (lab == NULL)
    return false;
  if (ilen < 16 || be32 (img) != 0x803 || be32 (img + 8) != IMAGE_SIDE || be32 (img + 12) != IMAGE_SIDE
      || llen < 8 || be32 (lab) != 0x801 || be32 (img + 4) != be32 (lab + 4)
      || ilen < 16 + (gsize) be32 (img + 4) * IMAGE_PIXELS || llen < 8 + (gsize) be32 (lab + 4))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a 28×28 IDX image file with labels",
                   ipath);
      return false;
    }
  d->n = (int) be32 (img + 4);
  d->pixels = g_memdup2 (img + 16, (gsize) d->n * IMAGE_PIXELS);
  d->labels = g_memdup2 (lab + 8, (gsize) d->n);
  d->real = true;
  d->description = g_strdup_printf ("Fashion-MNIST training set, %d images (%s)", d->n, dir);
  return true;
}

/* Uniform pixels (0…255, scaled to [0, 1]) and uniform labels from the engine's generator. */
void
dataset_synthetic (Dataset *d)
{
  FtRng rng;
  ft_rng_seed (&rng, 42, FT_RNG_STREAM_DATA);
  d->n = EPOCH_SAMPLES;
  d->pixels = g_malloc ((gsize) d->n * IMAGE_PIXELS);
  d->labels = g_malloc ((gsize) d->n);
  for (gsize i = 0; i < (gsize) d->n * IMAGE_PIXELS; i++)
    d->pixels[i] = (guint8) (ft_rng_next (&rng) >> 56);
  for (int i = 0; i < d->n; i++)
    d->labels[i] = (guint8) ft_rng_below (&rng, N_CLASSES);
  d->real = false;
  d->description = g_strdup_printf ("synthetic: %d images of uniform random pixels, random labels", d->n);
}

void
dataset_clear (Dataset *d)
{
  g_free (d->pixels);
  g_free (d->labels);
  g_free (d->description);
}

void
batcher_init (Batcher *b, const Dataset *d)
{
  b->data = d;
  b->order = g_new (uint32_t, d->n);
  for (int i = 0; i < d->n; i++)
    b->order[i] = (uint32_t) i;
  ft_rng_seed (&b->rng, 42, FT_RNG_STREAM_SHUFFLE);
  ft_rng_shuffle (&b->rng, b->order, (uint32_t) d->n);
  b->pos = 0;
  b->x = ft_alloc ((size_t) BATCH * IMAGE_PIXELS * sizeof (float));
  b->y = ft_alloc ((size_t) BATCH * sizeof (float));
}

void
batcher_clear (Batcher *b)
{
  g_free (b->order);
  ft_free (b->x);
  ft_free (b->y);
}

void
batcher_next (Batcher *b)
{
  if (b->pos + BATCH > b->data->n)
    {
      ft_rng_shuffle (&b->rng, b->order, (uint32_t) b->data->n);
      b->pos = 0;
    }
  const float scale = 1.0f / 255.0f;
  for (int s = 0; s < BATCH; s++)
    {
      uint32_t idx = b->order[b->pos + s];
      const guint8 *p = b->data->pixels + (size_t) idx * IMAGE_PIXELS;
      float *dst = b->x + (size_t) s * IMAGE_PIXELS;
      for (int i = 0; i < IMAGE_PIXELS; i++)
        dst[i] = (float) p[i] * scale;
      b->y[s] = (float) b->data->labels[idx];
    }
  b->pos += BATCH;
  /* Ask for the next batch's images now, so that their cache misses overlap this step (as a data
   * pipeline's prefetch would) instead of stalling the next gather. */
  if (b->pos + BATCH <= b->data->n)
    for (int s = 0; s < BATCH; s++)
      {
        const guint8 *p = b->data->pixels + (size_t) b->order[b->pos + s] * IMAGE_PIXELS;
        for (int off = 0; off < IMAGE_PIXELS; off += 64)
          __builtin_prefetch (p + off);
      }
}
