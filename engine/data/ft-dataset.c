/* ft-dataset.c — the datasets a run trains on (see ft-dataset.h): TensorFlow Playground's generators,
 * the per-batch gather that turns bytes into floats, splits and slices (the IDX loader: ft-dataset-idx.c;
 * the CSV loader: ft-dataset-csv.c). */
#include "data/ft-dataset-private.h"

#include "core/ft-compiler.h"

#include <math.h>
#include <string.h>

FtDataset *
ft_dataset_alloc (const char *name, uint32_t n, int ndim, const int *shape)
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
char **
ft_dataset_numbered_class_names (int k)
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
  FtDataset *ds = ft_dataset_alloc (playground_names[kind], n, 1, shape);
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
  FtDataset *s = ft_dataset_alloc (name, count, ds->ndim, ds->shape);
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
