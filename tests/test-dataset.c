/* test-dataset.c — the datasets: TensorFlow Playground's generators (sizes, classes, ranges, seeds, what
 * the noise changes, the geometry of each set), the IDX loader on small gzipped and plain files written
 * into a temporary directory (and malformed ones: each error must name the file and the problem), the
 * real Fashion-MNIST when Debian's dataset-fashion-mnist is installed, the CSV loader, gather, the
 * validation split point and slices. */
#include "core/ft-error.h"
#include "data/ft-dataset.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#define ENGINE_DOMAIN "FitTape-Engine"

/* ---- helpers ---- */

static char *
make_tmp_dir (const char *tmpl)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);
  g_assert_no_error (error);
  return dir;
}

/* Removes a flat directory and its files. */
static void
remove_dir (char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
      g_free (path);
    }
  g_dir_close (d);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (dir);
}

static void
write_file (const char *dir, const char *name, const void *data, size_t len, bool gz)
{
  char *path = g_build_filename (dir, name, NULL);
  if (gz)
    {
      gzFile f = gzopen (path, "wb");
      g_assert_nonnull (f);
      if (len > 0)
        g_assert_cmpint (gzwrite (f, data, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    {
      GError *error = NULL;
      g_file_set_contents (path, data, (gssize) len, &error);
      g_assert_no_error (error);
    }
  g_free (path);
}

static char *
read_file (const char *dir, const char *name, size_t *len)
{
  char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;
  GError *error = NULL;
  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  g_free (path);
  return data;
}

static void
put_be32 (GByteArray *b, uint32_t v)
{
  uint8_t bytes[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };
  g_byte_array_append (b, bytes, 4);
}

static uint8_t
test_pixel (uint32_t i, uint32_t k)
{
  return (uint8_t) (i * 37 + k * 11 + 5);
}

/* An IDX images file: the header, then n × rows × cols pixels test_pixel(i, k). */
static GByteArray *
idx_images (uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols)
{
  GByteArray *b = g_byte_array_new ();
  put_be32 (b, magic);
  put_be32 (b, n);
  put_be32 (b, rows);
  put_be32 (b, cols);
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < rows * cols; k++)
      {
        uint8_t p = test_pixel (i, k);
        g_byte_array_append (b, &p, 1);
      }
  return b;
}

static GByteArray *
idx_labels (uint32_t magic, uint32_t n, const uint8_t *labels)
{
  GByteArray *b = g_byte_array_new ();
  put_be32 (b, magic);
  put_be32 (b, n);
  g_byte_array_append (b, labels, n);
  return b;
}

/* Writes PREFIX-images-idx3-ubyte[.gz] and PREFIX-labels-idx1-ubyte[.gz] from byte arrays (freed). */
static void
write_idx_pair (const char *dir, const char *prefix, GByteArray *images, GByteArray *labels, bool gz)
{
  char *iname = g_strdup_printf ("%s-images-idx3-ubyte%s", prefix, gz ? ".gz" : "");
  char *lname = g_strdup_printf ("%s-labels-idx1-ubyte%s", prefix, gz ? ".gz" : "");
  if (images != NULL)
    write_file (dir, iname, images->data, images->len, gz);
  if (labels != NULL)
    write_file (dir, lname, labels->data, labels->len, gz);
  if (images != NULL)
    g_byte_array_unref (images);
  if (labels != NULL)
    g_byte_array_unref (labels);
  g_free (iname);
  g_free (lname);
}

static const uint8_t small_labels[5] = { 0, 2, 1, 2, 0 };

/* Expects loading to fail with FT_ERROR_INVALID (or the given domain/code), the message naming the file
 * dir/file_name and containing each of the given fragments. */
static void
assert_load_error (const char *dir, const char *prefix, GQuark domain, int code, const char *file_name,
                   const char *fragment1, const char *fragment2)
{
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (dir, prefix, &error);
  g_assert_null (ds);
  g_assert_error (error, domain, code);
  char *path = g_build_filename (dir, file_name, NULL);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  if (fragment1 != NULL)
    g_assert_nonnull (strstr (error->message, fragment1));
  if (fragment2 != NULL)
    g_assert_nonnull (strstr (error->message, fragment2));
  g_free (path);
  g_error_free (error);
}

/* ---- Playground ---- */

static uint32_t
count_class (const FtDataset *ds, float c)
{
  uint32_t k = 0;
  for (uint32_t i = 0; i < ds->n; i++)
    k += ds->labels[i] == c;
  return k;
}

static void
test_playground_sizes (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    for (uint32_t n = 200; n <= 201; n++)
      {
        FtDataset *ds = ft_dataset_playground ((FtPlaygroundKind) kind, n, 0.1f, 7);
        g_assert_nonnull (ds);
        g_assert_cmpstr (ds->name, ==, ft_playground_name ((FtPlaygroundKind) kind));
        g_assert_cmpuint (ds->n, ==, n);
        g_assert_cmpint (ds->ndim, ==, 1);
        g_assert_cmpint (ds->shape[0], ==, 2);
        g_assert_cmpuint (ds->sample_size, ==, 2);
        g_assert_null (ds->pixels);
        g_assert_nonnull (ds->features);
        g_assert_cmpint (ds->n_classes, ==, 2);
        g_assert_cmpstr (ds->class_names[0], ==, "orange");
        g_assert_cmpstr (ds->class_names[1], ==, "blue");
        g_assert_null (ds->class_names[2]);
        g_assert_cmpuint (count_class (ds, 0.0f) + count_class (ds, 1.0f), ==, n);
        for (uint32_t i = 0; i < 2 * n; i++)
          g_assert_true (isfinite (ds->features[i]));
        ft_dataset_free (ds);
      }
  /* Without noise the classes of circle, gauss, spiral and moons are the two halves exactly. */
  const FtPlaygroundKind halves[] = { FT_PLAYGROUND_CIRCLE, FT_PLAYGROUND_GAUSS, FT_PLAYGROUND_SPIRAL,
                                      FT_PLAYGROUND_MOONS };
  for (size_t k = 0; k < G_N_ELEMENTS (halves); k++)
    {
      FtDataset *ds = ft_dataset_playground (halves[k], 201, 0.0f, 3);
      g_assert_cmpuint (count_class (ds, 1.0f) + count_class (ds, 0.0f), ==, 201);
      g_assert_cmpuint (MAX (count_class (ds, 1.0f), count_class (ds, 0.0f)), ==, 101);
      ft_dataset_free (ds);
    }
}

static void
test_playground_balance (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    for (int level = 0; level <= 2; level++)
      {
        FtDataset *ds = ft_dataset_playground ((FtPlaygroundKind) kind, 1000, 0.25f * level, 11);
        uint32_t ones = count_class (ds, 1.0f);
        g_test_message ("%s noise %.2f: %u of 1000 in class 1", ds->name, 0.25 * level, ones);
        g_assert_cmpuint (ones, >=, 350);
        g_assert_cmpuint (ones, <=, 650);
        /* Shuffled as in the Playground: both classes in each half. */
        FtDataset *first = ft_dataset_slice (ds, 0, 500);
        g_assert_cmpuint (count_class (first, 1.0f), >=, 150);
        g_assert_cmpuint (count_class (first, 0.0f), >=, 150);
        ft_dataset_free (first);
        ft_dataset_free (ds);
      }
}

static void
assert_in_box (const FtDataset *ds, float xmax, float ymax)
{
  for (uint32_t i = 0; i < ds->n; i++)
    {
      float x = ds->features[2 * i], y = ds->features[2 * i + 1];
      if (fabsf (x) > xmax || fabsf (y) > ymax)
        g_error ("%s: point %u (%g, %g) outside [-%g, %g] × [-%g, %g]", ds->name, i, x, y, xmax, xmax, ymax,
                 ymax);
    }
}

static void
test_playground_range (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    {
      if (kind == FT_PLAYGROUND_GAUSS)
        continue;
      FtDataset *ds = ft_dataset_playground ((FtPlaygroundKind) kind, 2000, 0.0f, 5);
      assert_in_box (ds, 6.0f, 6.0f);
      ft_dataset_free (ds);
    }
  /* Tighter bounds per set, with the most noise the Playground allows. */
  struct
  {
    FtPlaygroundKind kind;
    float noise, xmax, ymax;
  } bounds[] = {
    { FT_PLAYGROUND_CIRCLE, 0.5f, 5.0f, 5.0f }, /* label noise only */
    { FT_PLAYGROUND_XOR, 0.5f, 5.3f, 5.3f },    /* label noise only */
    { FT_PLAYGROUND_SPIRAL, 0.0f, 5.0f, 5.0f },
    { FT_PLAYGROUND_SPIRAL, 0.5f, 5.5f, 5.5f }, /* uniform ±noise */
    { FT_PLAYGROUND_MOONS, 0.0f, 6.0f, 3.0f },
    { FT_PLAYGROUND_GAUSS, 0.0f, 6.0f, 6.0f }, /* σ = 0.71 around ±2: 5.6 σ from the edge */
  };
  for (size_t k = 0; k < G_N_ELEMENTS (bounds); k++)
    {
      FtDataset *ds = ft_dataset_playground (bounds[k].kind, 2000, bounds[k].noise, 8);
      assert_in_box (ds, bounds[k].xmax * 1.000001f, bounds[k].ymax * 1.000001f);
      ft_dataset_free (ds);
    }
}

static bool
same_dataset (const FtDataset *a, const FtDataset *b)
{
  return a->n == b->n && memcmp (a->features, b->features, 2 * a->n * sizeof (float)) == 0
         && memcmp (a->labels, b->labels, a->n * sizeof (float)) == 0;
}

static void
test_playground_seed (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    for (int level = 0; level <= 1; level++)
      {
        float noise = 0.3f * level;
        FtDataset *a = ft_dataset_playground ((FtPlaygroundKind) kind, 300, noise, 42);
        FtDataset *b = ft_dataset_playground ((FtPlaygroundKind) kind, 300, noise, 42);
        FtDataset *c = ft_dataset_playground ((FtPlaygroundKind) kind, 300, noise, 43);
        g_assert_true (same_dataset (a, b));
        g_assert_false (same_dataset (a, c));
        /* Even without noise (spiral and moons are then fixed curves) the order differs. */
        g_assert_cmpint (memcmp (a->features, c->features, 2 * a->n * sizeof (float)), !=, 0);
        ft_dataset_free (a);
        ft_dataset_free (b);
        ft_dataset_free (c);
      }
}

/* The Playground's noise moves circle and XOR points only to choose their labels (same points, other
 * labels), and moves the points themselves for gauss, spiral and moons. */
static void
test_playground_noise (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    {
      FtDataset *a = ft_dataset_playground ((FtPlaygroundKind) kind, 500, 0.0f, 9);
      FtDataset *b = ft_dataset_playground ((FtPlaygroundKind) kind, 500, 0.5f, 9);
      bool same_points = memcmp (a->features, b->features, 2 * a->n * sizeof (float)) == 0;
      uint32_t flipped = 0;
      for (uint32_t i = 0; i < a->n; i++)
        flipped += a->labels[i] != b->labels[i];
      g_test_message ("%s: noise 0.5 flips %u of 500 labels", a->name, flipped);
      if (kind == FT_PLAYGROUND_CIRCLE || kind == FT_PLAYGROUND_XOR)
        {
          g_assert_true (same_points);
          g_assert_cmpuint (flipped, >, 25);
        }
      else
        {
          g_assert_false (same_points);
          g_assert_cmpuint (flipped, ==, 0);
        }
      ft_dataset_free (a);
      ft_dataset_free (b);
    }
}

static void
test_playground_circle (void)
{
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_CIRCLE, 1000, 0.0f, 1);
  for (uint32_t i = 0; i < ds->n; i++)
    {
      float r = hypotf (ds->features[2 * i], ds->features[2 * i + 1]);
      g_assert_cmpfloat (ds->labels[i], ==, r < 2.5f ? 1.0f : 0.0f);
      if (ds->labels[i] == 1.0f)
        g_assert_cmpfloat (r, <=, 2.5f);
      else
        {
          g_assert_cmpfloat (r, >=, 3.5f * 0.99999f);
          g_assert_cmpfloat (r, <=, 5.0f * 1.00001f);
        }
    }
  ft_dataset_free (ds);

  /* With noise, labels still follow the radius far from the boundary... mostly: the noise is up to ±2.5
   * per axis, so only points well inside keep class 1 for sure. */
  ds = ft_dataset_playground (FT_PLAYGROUND_CIRCLE, 1000, 0.5f, 1);
  uint32_t wrong = 0;
  for (uint32_t i = 0; i < ds->n; i++)
    {
      float r = hypotf (ds->features[2 * i], ds->features[2 * i + 1]);
      wrong += ds->labels[i] != (r < 2.5f ? 1.0f : 0.0f);
    }
  g_assert_cmpuint (wrong, >, 0);
  g_assert_cmpuint (wrong, <, 500);
  ft_dataset_free (ds);
}

static void
test_playground_xor (void)
{
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_XOR, 1000, 0.0f, 2);
  uint32_t quadrant[4] = { 0 };
  for (uint32_t i = 0; i < ds->n; i++)
    {
      float x = ds->features[2 * i], y = ds->features[2 * i + 1];
      g_assert_cmpfloat (fabsf (x), >=, 0.3f);
      g_assert_cmpfloat (fabsf (y), >=, 0.3f);
      g_assert_cmpfloat (ds->labels[i], ==, x * y >= 0 ? 1.0f : 0.0f);
      quadrant[(x > 0) * 2 + (y > 0)]++;
    }
  for (int q = 0; q < 4; q++)
    g_assert_cmpuint (quadrant[q], >, 150);
  ft_dataset_free (ds);
}

static void
test_playground_gauss (void)
{
  const float noise[2] = { 0.0f, 0.5f };
  const double variance[2] = { 0.5, 4.0 };
  for (int v = 0; v < 2; v++)
    {
      FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_GAUSS, 4000, noise[v], 4);
      for (int c = 0; c < 2; c++)
        {
          double sum[2] = { 0 }, sq[2] = { 0 };
          uint32_t k = 0;
          for (uint32_t i = 0; i < ds->n; i++)
            if (ds->labels[i] == c)
              {
                for (int a = 0; a < 2; a++)
                  {
                    sum[a] += ds->features[2 * i + a];
                    sq[a] += (double) ds->features[2 * i + a] * ds->features[2 * i + a];
                  }
                k++;
              }
          g_assert_cmpuint (k, ==, 2000);
          for (int a = 0; a < 2; a++)
            {
              double mean = sum[a] / k, var = sq[a] / k - mean * mean;
              g_test_message ("gauss noise %.1f class %d axis %d: mean %.3f variance %.3f", noise[v], c, a,
                              mean, var);
              g_assert_cmpfloat (fabs (mean - (c == 1 ? 2.0 : -2.0)), <, 0.15);
              g_assert_cmpfloat (fabs (var / variance[v] - 1.0), <, 0.1);
            }
        }
      ft_dataset_free (ds);
    }
}

static void
test_playground_spiral (void)
{
  /* Without noise, class 0 is class 1 rotated by π: every class-1 point negated is a class-0 point. */
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 400, 0.0f, 6);
  uint32_t matched = 0;
  float max_r = 0;
  for (uint32_t i = 0; i < ds->n; i++)
    {
      max_r = MAX (max_r, hypotf (ds->features[2 * i], ds->features[2 * i + 1]));
      if (ds->labels[i] != 1.0f)
        continue;
      for (uint32_t j = 0; j < ds->n; j++)
        if (ds->labels[j] == 0.0f && fabsf (ds->features[2 * j] + ds->features[2 * i]) < 1e-5f
            && fabsf (ds->features[2 * j + 1] + ds->features[2 * i + 1]) < 1e-5f)
          {
            matched++;
            break;
          }
    }
  g_assert_cmpuint (matched, ==, 200);
  g_assert_cmpfloat (max_r, <=, 5.0f);
  g_assert_cmpfloat (max_r, >, 4.9f);
  /* The radii of each arm are i/200·5, i = 0..199. */
  bool *seen = g_new0 (bool, 200);
  for (uint32_t i = 0; i < ds->n; i++)
    if (ds->labels[i] == 1.0f)
      {
        float r = hypotf (ds->features[2 * i], ds->features[2 * i + 1]);
        int step = (int) lrintf (r / 5.0f * 200.0f);
        g_assert_cmpint (step, >=, 0);
        g_assert_cmpint (step, <, 200);
        g_assert_cmpfloat (fabsf (r - step * 5.0f / 200.0f), <, 1e-5f);
        g_assert_false (seen[step]);
        seen[step] = true;
      }
  g_free (seen);
  ft_dataset_free (ds);

  /* With noise every point stays within ±noise of its arm's point. */
  FtDataset *noisy = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 400, 0.3f, 6);
  ds = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 400, 0.0f, 6);
  for (uint32_t i = 0; i < ds->n; i++)
    {
      g_assert_cmpfloat (noisy->labels[i], ==, ds->labels[i]);
      g_assert_cmpfloat (fabsf (noisy->features[2 * i] - ds->features[2 * i]), <=, 0.3f + 1e-5f);
      g_assert_cmpfloat (fabsf (noisy->features[2 * i + 1] - ds->features[2 * i + 1]), <=, 0.3f + 1e-5f);
    }
  ft_dataset_free (noisy);
  ft_dataset_free (ds);
}

static void
test_playground_moons (void)
{
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_MOONS, 300, 0.0f, 10);
  for (uint32_t i = 0; i < ds->n; i++)
    {
      /* Back to scikit-learn's units. */
      double x = ds->features[2 * i] / 4.0 + 0.5, y = ds->features[2 * i + 1] / 4.0 + 0.25;
      if (ds->labels[i] == 0.0f)
        {
          g_assert_cmpfloat (fabs (hypot (x, y) - 1.0), <, 1e-5);
          g_assert_cmpfloat (y, >=, -1e-6);
        }
      else
        {
          g_assert_cmpfloat (fabs (hypot (1.0 - x, 0.5 - y) - 1.0), <, 1e-5);
          g_assert_cmpfloat (y, <=, 0.5 + 1e-6);
        }
    }
  ft_dataset_free (ds);
}

static void
test_playground_names (void)
{
  for (int kind = 0; kind < FT_N_PLAYGROUND; kind++)
    {
      FtPlaygroundKind back = FT_N_PLAYGROUND;
      g_assert_true (ft_playground_from_name (ft_playground_name ((FtPlaygroundKind) kind), &back));
      g_assert_cmpint (back, ==, kind);
    }
  FtPlaygroundKind k = FT_PLAYGROUND_XOR;
  g_assert_true (ft_playground_from_name ("Spiral", &k));
  g_assert_cmpint (k, ==, FT_PLAYGROUND_SPIRAL);
  g_assert_false (ft_playground_from_name ("swiss-roll", &k));
  g_assert_cmpint (k, ==, FT_PLAYGROUND_SPIRAL);
  g_assert_cmpstr (ft_playground_name (FT_PLAYGROUND_MOONS), ==, "moons");
}

/* ---- IDX ---- */

static void
check_small_idx (const FtDataset *ds, uint32_t n)
{
  g_assert_cmpuint (ds->n, ==, n);
  g_assert_cmpint (ds->ndim, ==, 2);
  g_assert_cmpint (ds->shape[0], ==, 3);
  g_assert_cmpint (ds->shape[1], ==, 4);
  g_assert_cmpuint (ds->sample_size, ==, 12);
  g_assert_nonnull (ds->pixels);
  g_assert_null (ds->features);
  for (uint32_t i = 0; i < n; i++)
    {
      for (uint32_t k = 0; k < 12; k++)
        g_assert_cmpuint (ds->pixels[i * 12 + k], ==, test_pixel (i, k));
      g_assert_cmpfloat (ds->labels[i], ==, small_labels[i]);
    }
}

static void
test_idx_gz (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "train", idx_images (0x803, 5, 3, 4), idx_labels (0x801, 5, small_labels), true);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (dir, "train", &error);
  g_assert_no_error (error);
  check_small_idx (ds, 5);
  /* Not a Fashion-MNIST directory: max label + 1 classes, named by number. */
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[0], ==, "0");
  g_assert_cmpstr (ds->class_names[2], ==, "2");
  g_assert_null (ds->class_names[3]);
  char *base = g_path_get_basename (dir);
  char *name = g_strdup_printf ("%s (train)", base);
  g_assert_cmpstr (ds->name, ==, name);
  g_free (name);
  g_free (base);
  ft_dataset_free (ds);
  remove_dir (dir);
}

static void
test_idx_plain (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "t10k", idx_images (0x803, 5, 3, 4), idx_labels (0x801, 5, small_labels), false);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (dir, "t10k", &error);
  g_assert_no_error (error);
  check_small_idx (ds, 5);
  g_assert_true (g_str_has_suffix (ds->name, " (test)"));
  ft_dataset_free (ds);

  /* A trailing slash and mixed compression (gzipped images, plain labels) are fine too. */
  write_idx_pair (dir, "mixed", idx_images (0x803, 5, 3, 4), NULL, true);
  write_idx_pair (dir, "mixed", NULL, idx_labels (0x801, 5, small_labels), false);
  char *slash = g_strconcat (dir, "/", NULL);
  ds = ft_dataset_load_idx (slash, "mixed", &error);
  g_assert_no_error (error);
  check_small_idx (ds, 5);
  ft_dataset_free (ds);
  g_free (slash);
  remove_dir (dir);
}

static void
test_idx_prefers_gz (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "train", idx_images (0x803, 5, 3, 4), idx_labels (0x801, 5, small_labels), true);
  write_idx_pair (dir, "train", idx_images (0x803, 2, 3, 4), idx_labels (0x801, 2, small_labels), false);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (dir, "train", &error);
  g_assert_no_error (error);
  check_small_idx (ds, 5);
  ft_dataset_free (ds);
  remove_dir (dir);
}

static void
test_idx_fashion_names (void)
{
  char *dir = make_tmp_dir ("my-Fashion-XXXXXX");
  const uint8_t labels[3] = { 9, 0, 3 };
  write_idx_pair (dir, "train", idx_images (0x803, 3, 3, 4), idx_labels (0x801, 3, labels), true);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (dir, "train", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpstr (ds->class_names[0], ==, "T-shirt/top");
  g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
  g_assert_null (ds->class_names[10]);
  g_assert_cmpfloat (ds->labels[0], ==, 9.0f);
  ft_dataset_free (ds);

  /* Fashion-MNIST has ten classes: a label of 10 is an error. */
  const uint8_t bad[3] = { 9, 10, 3 };
  write_idx_pair (dir, "train", NULL, idx_labels (0x801, 3, bad), true);
  assert_load_error (dir, "train", FT_ERROR, FT_ERROR_INVALID, "train-labels-idx1-ubyte.gz", "label 10",
                     "out of range");
  remove_dir (dir);
}

static void
test_idx_bad_magic (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "train", idx_images (0x804, 5, 3, 4), idx_labels (0x801, 5, small_labels), true);
  assert_load_error (dir, "train", FT_ERROR, FT_ERROR_INVALID, "train-images-idx3-ubyte.gz",
                     "bad magic number 0x00000804", "expected 0x00000803");
  /* The two files swapped. */
  write_idx_pair (dir, "swap", idx_labels (0x801, 5, small_labels), idx_images (0x803, 5, 3, 4), false);
  assert_load_error (dir, "swap", FT_ERROR, FT_ERROR_INVALID, "swap-images-idx3-ubyte", "bad magic",
                     "labels file");
  /* Labels with a wrong magic. */
  write_idx_pair (dir, "lab", idx_images (0x803, 5, 3, 4), idx_labels (0x08010000, 5, small_labels), false);
  assert_load_error (dir, "lab", FT_ERROR, FT_ERROR_INVALID, "lab-labels-idx1-ubyte",
                     "bad magic number 0x08010000", "expected 0x00000801");
  remove_dir (dir);
}

static void
test_idx_truncated (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");

  /* Plain images 10 bytes short. */
  GByteArray *img = idx_images (0x803, 5, 3, 4);
  g_byte_array_set_size (img, img->len - 10);
  write_idx_pair (dir, "train", img, idx_labels (0x801, 5, small_labels), false);
  assert_load_error (dir, "train", FT_ERROR, FT_ERROR_INVALID, "train-images-idx3-ubyte",
                     "truncated: expected 60 bytes of pixels, got 50", NULL);

  /* Gzipped labels whose content is short (a valid gzip stream of too little data). */
  GByteArray *lab = idx_labels (0x801, 5, small_labels);
  g_byte_array_set_size (lab, lab->len - 2);
  write_idx_pair (dir, "lab", idx_images (0x803, 5, 3, 4), lab, true);
  assert_load_error (dir, "lab", FT_ERROR, FT_ERROR_INVALID, "lab-labels-idx1-ubyte.gz",
                     "truncated: expected 5 bytes of labels, got 3", NULL);

  /* A header cut short; an empty file. */
  img = idx_images (0x803, 5, 3, 4);
  g_byte_array_set_size (img, 9);
  write_idx_pair (dir, "head", img, idx_labels (0x801, 5, small_labels), false);
  assert_load_error (dir, "head", FT_ERROR, FT_ERROR_INVALID, "head-images-idx3-ubyte", "truncated",
                     "16-byte IDX header, got 9 bytes");
  write_file (dir, "empty-images-idx3-ubyte.gz", "", 0, true);
  assert_load_error (dir, "empty", FT_ERROR, FT_ERROR_INVALID, "empty-images-idx3-ubyte.gz", "truncated",
                     "got 0 bytes");

  /* An interrupted download: the gzip file itself cut in the middle. Pixels that do not compress well,
   * so that the cut falls inside the pixel data. */
  img = idx_images (0x803, 40, 28, 28);
  FtRng rng;
  ft_rng_seed (&rng, 1, 99);
  for (guint i = 16; i < img->len; i++)
    img->data[i] = (uint8_t) ft_rng_below (&rng, 256);
  uint8_t labels40[40] = { 0 };
  write_idx_pair (dir, "cut", img, idx_labels (0x801, 40, labels40), true);
  size_t len = 0;
  char *gz = read_file (dir, "cut-images-idx3-ubyte.gz", &len);
  write_file (dir, "cut-images-idx3-ubyte.gz", gz, len / 2, false);
  g_free (gz);
  assert_load_error (dir, "cut", FT_ERROR, FT_ERROR_INVALID, "cut-images-idx3-ubyte.gz",
                     "truncated: expected 31360 bytes of pixels, got ", NULL);

  /* Data after the announced end. */
  img = idx_images (0x803, 5, 3, 4);
  g_byte_array_append (img, (const uint8_t *) "xx", 2);
  write_idx_pair (dir, "long", img, idx_labels (0x801, 5, small_labels), true);
  assert_load_error (dir, "long", FT_ERROR, FT_ERROR_INVALID, "long-images-idx3-ubyte.gz", "unexpected data",
                     NULL);
  remove_dir (dir);
}

static void
test_idx_corrupt_gz (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "train", idx_images (0x803, 5, 3, 4), idx_labels (0x801, 5, small_labels), true);
  /* A wrong CRC in the gzip trailer of the images. */
  size_t len = 0;
  char *gz = read_file (dir, "train-images-idx3-ubyte.gz", &len);
  gz[len - 8] ^= 0x55;
  write_file (dir, "train-images-idx3-ubyte.gz", gz, len, false);
  g_free (gz);
  assert_load_error (dir, "train", FT_ERROR, FT_ERROR_INVALID, "train-images-idx3-ubyte.gz",
                     "corrupt gzip data", NULL);
  remove_dir (dir);
}

static void
test_idx_counts_differ (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  write_idx_pair (dir, "train", idx_images (0x803, 5, 3, 4), idx_labels (0x801, 4, small_labels), true);
  GError *error = NULL;
  g_assert_null (ft_dataset_load_idx (dir, "train", &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  char *ipath = g_build_filename (dir, "train-images-idx3-ubyte.gz", NULL);
  char *lpath = g_build_filename (dir, "train-labels-idx1-ubyte.gz", NULL);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, ipath));
  g_assert_nonnull (strstr (error->message, lpath));
  g_assert_nonnull (strstr (error->message, "4 labels"));
  g_assert_nonnull (strstr (error->message, "5 images"));
  g_clear_error (&error);
  g_free (ipath);
  g_free (lpath);

  /* Zero images, or images of zero size. */
  write_idx_pair (dir, "zero", idx_images (0x803, 0, 3, 4), idx_labels (0x801, 0, small_labels), true);
  assert_load_error (dir, "zero", FT_ERROR, FT_ERROR_INVALID, "zero-images-idx3-ubyte.gz", "0 images", NULL);
  write_idx_pair (dir, "flat", idx_images (0x803, 5, 0, 4), idx_labels (0x801, 5, small_labels), true);
  assert_load_error (dir, "flat", FT_ERROR, FT_ERROR_INVALID, "flat-images-idx3-ubyte.gz", "0×4", NULL);
  remove_dir (dir);
}

static void
test_idx_missing (void)
{
  char *dir = make_tmp_dir ("ft-idx-XXXXXX");
  assert_load_error (dir, "train", G_FILE_ERROR, G_FILE_ERROR_NOENT, "train-images-idx3-ubyte.gz",
                     "train-images-idx3-ubyte)", NULL);
  write_idx_pair (dir, "train", idx_images (0x803, 5, 3, 4), NULL, true);
  assert_load_error (dir, "train", G_FILE_ERROR, G_FILE_ERROR_NOENT, "train-labels-idx1-ubyte.gz", NULL,
                     NULL);
  remove_dir (dir);
  GError *error = NULL;
  g_assert_null (ft_dataset_load_idx ("/nonexistent/fittape", "train", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/fittape/train-images-idx3-ubyte.gz"));
  g_clear_error (&error);
}

static void
test_idx_fashion_mnist (void)
{
  if (!g_file_test (FT_FASHION_MNIST_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip (FT_FASHION_MNIST_DIR " is absent (Debian package dataset-fashion-mnist)");
      return;
    }
  GError *error = NULL;
  FtDataset *train = ft_dataset_load_idx (FT_FASHION_MNIST_DIR, "train", &error);
  g_assert_no_error (error);
  FtDataset *test = ft_dataset_load_idx (FT_FASHION_MNIST_DIR, "t10k", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (train->name, ==, "fashion-mnist (train)");
  g_assert_cmpstr (test->name, ==, "fashion-mnist (test)");
  g_assert_cmpuint (train->n, ==, 60000);
  g_assert_cmpuint (test->n, ==, 10000);
  const FtDataset *both[2] = { train, test };
  for (int s = 0; s < 2; s++)
    {
      const FtDataset *ds = both[s];
      g_assert_cmpint (ds->ndim, ==, 2);
      g_assert_cmpint (ds->shape[0], ==, 28);
      g_assert_cmpint (ds->shape[1], ==, 28);
      g_assert_cmpuint (ds->sample_size, ==, 784);
      g_assert_cmpint (ds->n_classes, ==, 10);
      g_assert_cmpstr (ds->class_names[0], ==, "T-shirt/top");
      g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
      /* Exactly balanced: 6000 / 1000 per class. */
      for (int c = 0; c < 10; c++)
        g_assert_cmpuint (count_class (ds, (float) c), ==, ds->n / 10);
    }
  g_assert_cmpfloat (train->labels[0], ==, 9.0f); /* the first training image is an ankle boot */
  ft_dataset_free (train);
  ft_dataset_free (test);
}

/* ---- CSV ---- */

static char *
write_csv (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
assert_csv_error (const char *dir, const char *text, const char *label, const char *fragment1,
                  const char *fragment2, const char *fragment3)
{
  char *path = write_csv (dir, "bad.csv", text);
  GError *error = NULL;
  g_assert_null (ft_dataset_load_csv (path, label, &error));
  g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  const char *fragments[3] = { fragment1, fragment2, fragment3 };
  for (int i = 0; i < 3; i++)
    if (fragments[i] != NULL && strstr (error->message, fragments[i]) == NULL)
      g_error ("“%s” not in “%s”", fragments[i], error->message);
  g_error_free (error);
  g_free (path);
}

static void
test_csv_numeric_labels (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  char *path = write_csv (dir, "points.csv",
                          "x,label,y\n"
                          "1,0,2\n"
                          " 3.5 , 2 ,-4e-1\n"
                          "16,1,1e3\n"
                          "-0,0,7\n"
                          "\n"
                          "  \n");
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_csv (path, "label", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "points.csv");
  g_assert_cmpuint (ds->n, ==, 4);
  g_assert_cmpint (ds->ndim, ==, 1);
  g_assert_cmpint (ds->shape[0], ==, 2);
  g_assert_cmpuint (ds->sample_size, ==, 2);
  g_assert_null (ds->pixels);
  const float x[8] = { 1, 2, 3.5f, -0.4f, 16, 1000, -0.0f, 7 };
  const float y[4] = { 0, 2, 1, 0 };
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (ds->features[i], ==, x[i]);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (ds->labels[i], ==, y[i]);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[0], ==, "0");
  g_assert_cmpstr (ds->class_names[2], ==, "2");
  g_assert_null (ds->class_names[3]);
  ft_dataset_free (ds);
  g_free (path);
  remove_dir (dir);
}

static void
test_csv_string_labels (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  /* A byte-order mark, quoted names, CRLF line ends and no newline at the end. */
  char *path = write_csv (dir, "iris.csv",
                          "\xef\xbb\xbf\"sepal.length\",\"sepal.width\",\"variety\"\r\n"
                          "5.1,3.5,\"Setosa\"\r\n"
                          "7.0,3.2,\"Versicolor\"\r\n"
                          "6.3,3.3,Virginica\r\n"
                          "4.9,3.0,\"Setosa\"\r\n"
                          "5.0,2.0,\"Versi \"\"color\"\", really\"");
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_csv (path, "variety", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 5);
  g_assert_cmpint (ds->shape[0], ==, 2);
  g_assert_cmpint (ds->n_classes, ==, 4);
  g_assert_cmpstr (ds->class_names[0], ==, "Setosa");
  g_assert_cmpstr (ds->class_names[1], ==, "Versicolor");
  g_assert_cmpstr (ds->class_names[2], ==, "Virginica");
  g_assert_cmpstr (ds->class_names[3], ==, "Versi \"color\", really");
  g_assert_null (ds->class_names[4]);
  const float y[5] = { 0, 1, 2, 0, 3 };
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat (ds->labels[i], ==, y[i]);
  g_assert_cmpfloat (ds->features[2], ==, 7.0f);
  g_assert_cmpfloat (ds->features[9], ==, 2.0f);
  ft_dataset_free (ds);
  g_free (path);

  /* Integers that are not 0..K−1 are names too, in order of first appearance. */
  path = write_csv (dir, "wine.csv", "a,class\n1,3\n2,1\n3,3\n4,2\n");
  ds = ft_dataset_load_csv (path, "class", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[0], ==, "3");
  g_assert_cmpstr (ds->class_names[1], ==, "1");
  g_assert_cmpstr (ds->class_names[2], ==, "2");
  const float w[4] = { 0, 1, 0, 2 };
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (ds->labels[i], ==, w[i]);
  ft_dataset_free (ds);
  g_free (path);
  remove_dir (dir);
}

/* 2-D CSV import (two feature columns and a label), as the dataset panel reads a teacher's file: the
 * Playground's −1/+1 labels are classes 0 (orange) and 1 (blue) whichever comes first; labels that are
 * numbers but not whole are refused with the line, the column and the value; empty files, files of only a
 * header and values that are not numbers are refused too (test_csv_not_numeric, _missing_label_column). */
static void
test_csv_two_d (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  const char *files[2] = { "x1,x2,label\n1,2,1\n-3,4,-1\n0.5,-0.5,1\n", "x1,x2,label\n-3,4,-1\n1,2,+1\n" };
  const float want[2][3] = { { 1, 0, 1 }, { 0, 1, -1 } };
  for (int f = 0; f < 2; f++)
    {
      char *path = write_csv (dir, "signs.csv", files[f]);
      GError *error = NULL;
      FtDataset *ds = ft_dataset_load_csv (path, "label", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ds->sample_size, ==, 2);
      g_assert_cmpint (ds->n_classes, ==, 2);
      g_assert_cmpstr (ds->class_names[0], ==, "-1");
      g_assert_cmpstr (ds->class_names[1], ==, f == 0 ? "1" : "+1");
      g_assert_null (ds->class_names[2]);
      for (uint32_t i = 0; i < ds->n; i++)
        g_assert_cmpfloat (ds->labels[i], ==, want[f][i]);
      ft_dataset_free (ds);
      g_free (path);
    }
  assert_csv_error (dir, "x1,x2,y\n1,2,0\n3,4,0.5\n5,6,1\n", "y", "line 3, column “y”", "“0.5”",
                    "not a whole number");
  assert_csv_error (dir, "x1,x2,y\n1,2,2.75\n", "y", "line 2", "“2.75”", "classes");
  assert_csv_error (dir, "x1,x2,label\n", "label", "no data, only a header line", NULL, NULL);
  assert_csv_error (dir, "x1,x2,label\n1,2,0\n3,,1\n", "label", "line 3", "“x2”", "empty field");
  /* Whole numbers written as floats (pandas' 0.0 and 1.0) are the class indices. */
  char *path = write_csv (dir, "floats.csv", "x1,x2,label\n1,2,1.0\n3,4,0.0\n");
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_csv (path, "label", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ds->labels[0], ==, 1);
  g_assert_cmpfloat (ds->labels[1], ==, 0);
  ft_dataset_free (ds);
  g_free (path);
  remove_dir (dir);
}

static void
test_csv_missing_label_column (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  assert_csv_error (dir, "a,b,variety\n1,2,x\n", "species", "“species”", "“a”, “b”, “variety”", NULL);
  /* No header: say so. */
  assert_csv_error (dir, "1,2,0\n3,4,1\n", "label", "“label”", "header", NULL);
  assert_csv_error (dir, "", "label", "line 1", "header", NULL);
  assert_csv_error (dir, "label\n1\n", "label", "no feature columns", NULL, NULL);
  assert_csv_error (dir, "label,a,label\n1,2,3\n", "label", "appears twice", NULL, NULL);
  char *path = g_build_filename (dir, "missing.csv", NULL);
  GError *error = NULL;
  g_assert_null (ft_dataset_load_csv (path, "label", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_free (path);
  remove_dir (dir);
}

static void
test_csv_not_numeric (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  assert_csv_error (dir, "a,b,label\n1,2,0\n3,abc,1\n", "label", "line 3", "column “b”", "“abc”");
  assert_csv_error (dir, "a,b,label\n1,2,0\n3,4,1\n5,6.5x,1\n", "label", "line 4", "“b”", "“6.5x”");
  assert_csv_error (dir, "a,b,label\n1,nan,0\n", "label", "line 2", "“b”", "“nan”");
  assert_csv_error (dir, "a,b,label\ninf,1,0\n", "label", "line 2", "“a”", "“inf”");
  assert_csv_error (dir, "a,b,label\n1e999,1,0\n", "label", "line 2", "“a”", "“1e999”");
  assert_csv_error (dir, "a,b,label\n1e39,1,0\n", "label", "line 2", "“1e39”", "too large"); /* > FLT_MAX */
  assert_csv_error (dir, "a,b,label\n1,,0\n", "label", "line 2", "“b”", "empty");
  assert_csv_error (dir, "a,b,label\n1,2,\n", "label", "line 2", "“label”", "empty label");
  assert_csv_error (dir, "a,b,label\n1,\"2,0\n", "label", "line 2", "quoted", NULL);
  assert_csv_error (dir, "a,b,label\n1,2,0\n1,2\xff,1\n", "label", "line 3", "UTF-8", NULL);
  remove_dir (dir);
}

static void
test_csv_field_count (void)
{
  char *dir = make_tmp_dir ("ft-csv-XXXXXX");
  assert_csv_error (dir, "a,b,label\n1,2,0\n3,4,1\n5,1\n", "label", "line 4", "2 fields", "header has 3");
  assert_csv_error (dir, "a,b,label\n1,2,0,9\n", "label", "line 2", "4 fields", NULL);
  assert_csv_error (dir, "a,b,label\n1,2,0\n\n3,4,1\n", "label", "line 3", "empty line", NULL);
  assert_csv_error (dir, "a,b,label\n\n\n", "label", "no data", NULL, NULL);
  remove_dir (dir);
}

/* ---- gather, split, slice ---- */

static void
test_gather (void)
{
  /* Every byte value: p / 255 exactly as NumPy's float64 division cast to float32. */
  uint8_t all[256];
  for (int p = 0; p < 256; p++)
    all[p] = (uint8_t) (255 - p);
  float labels[1] = { 3.0f };
  FtDataset img = { .name = (char *) "bytes",
                    .n = 1,
                    .ndim = 2,
                    .shape = { 16, 16 },
                    .sample_size = 256,
                    .pixels = all,
                    .labels = labels,
                    .n_classes = 4 };
  float x[256], y[1];
  const uint32_t zero = 0;
  ft_dataset_gather (&img, &zero, 1, x, y);
  for (int p = 0; p < 256; p++)
    g_assert_cmpfloat (x[p], ==, (float) ((double) (255 - p) / 255.0));
  g_assert_cmpfloat (x[0], ==, 1.0f);
  g_assert_cmpfloat (x[255], ==, 0.0f);
  g_assert_cmpfloat (y[0], ==, 3.0f);

  /* Order follows the index array; repeats are allowed. */
  uint8_t px[4 * 3];
  float lab[4] = { 10, 11, 12, 13 };
  for (int i = 0; i < 12; i++)
    px[i] = (uint8_t) (i * 20);
  FtDataset small = { .name = (char *) "small",
                      .n = 4,
                      .ndim = 1,
                      .shape = { 3 },
                      .sample_size = 3,
                      .pixels = px,
                      .labels = lab,
                      .n_classes = 14 };
  const uint32_t idx[5] = { 2, 0, 3, 2, 1 };
  float bx[15], by[5];
  ft_dataset_gather (&small, idx, 5, bx, by);
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpfloat (by[i], ==, lab[idx[i]]);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat (bx[3 * i + k], ==, px[3 * idx[i] + k] / 255.0f);
    }
  /* Labels only. */
  float only[5];
  ft_dataset_gather (&small, idx, 5, NULL, only);
  g_assert_cmpmem (only, sizeof only, by, sizeof by);

  /* Features are copied as they are. */
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_SPIRAL, 50, 0.1f, 1);
  const uint32_t fidx[3] = { 49, 0, 7 };
  float fx[6], fy[3];
  ft_dataset_gather (ds, fidx, 3, fx, fy);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (fx[2 * i], ==, ds->features[2 * fidx[i]]);
      g_assert_cmpfloat (fx[2 * i + 1], ==, ds->features[2 * fidx[i] + 1]);
      g_assert_cmpfloat (fy[i], ==, ds->labels[fidx[i]]);
    }

  /* An index out of range is a programming error: a critical, and zeros. */
  const uint32_t bad[2] = { 1, 50 };
  fx[2] = fx[3] = fy[1] = 99.0f;
  g_test_expect_message (ENGINE_DOMAIN, G_LOG_LEVEL_CRITICAL, "*out of range*");
  ft_dataset_gather (ds, bad, 2, fx, fy);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (fx[0], ==, ds->features[2]);
  g_assert_cmpfloat (fx[2], ==, 0.0f);
  g_assert_cmpfloat (fx[3], ==, 0.0f);
  g_assert_cmpfloat (fy[1], ==, 0.0f);
  ft_dataset_free (ds);
}

static void
test_split_point (void)
{
  /* Expected values from Python: int(math.floor(n * (1.0 - f))); note 1000 · (1 − 0.07) is
   * 929.9999999999999 in double. */
  const struct
  {
    uint32_t n;
    double fraction;
    uint32_t split;
  } cases[] = {
    { 10, 0.2, 8 },      { 10, 0.3, 7 },  { 100, 0.29, 71 }, { 60000, 0.1, 54000 },
    { 3, 0.5, 1 },       { 7, 0.1, 6 },   { 50, 0.33, 33 },  { 100, 0.57, 43 },
    { 1000, 0.07, 929 }, { 10, 0.0, 10 }, { 1, 0.5, 0 },
  };
  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      FtDataset ds = { .n = cases[k].n };
      g_assert_cmpuint (ft_dataset_split_point (&ds, cases[k].fraction), ==, cases[k].split);
    }
}

static void
test_slice (void)
{
  FtDataset *ds = ft_dataset_playground (FT_PLAYGROUND_XOR, 10, 0.0f, 3);
  FtDataset *s = ft_dataset_slice (ds, 3, 4);
  g_assert_cmpuint (s->n, ==, 4);
  g_assert_cmpint (s->ndim, ==, 1);
  g_assert_cmpint (s->shape[0], ==, 2);
  g_assert_cmpuint (s->sample_size, ==, 2);
  g_assert_cmpmem (s->features, 8 * sizeof (float), ds->features + 6, 8 * sizeof (float));
  g_assert_cmpmem (s->labels, 4 * sizeof (float), ds->labels + 3, 4 * sizeof (float));
  g_assert_cmpint (s->n_classes, ==, 2);
  g_assert_cmpstr (s->class_names[1], ==, "blue");
  g_assert_true (s->class_names != ds->class_names);
  g_assert_nonnull (s->name);
  ft_dataset_free (s);

  /* The validation part as Keras takes it: the last samples from the split point. */
  uint32_t split = ft_dataset_split_point (ds, 0.2);
  FtDataset *train = ft_dataset_slice (ds, 0, split);
  FtDataset *val = ft_dataset_slice (ds, split, ds->n - split);
  g_assert_cmpuint (train->n, ==, 8);
  g_assert_cmpuint (val->n, ==, 2);
  g_assert_cmpfloat (val->features[0], ==, ds->features[16]);
  ft_dataset_free (train);
  ft_dataset_free (val);

  /* An empty slice at the end; a range that does not fit. */
  s = ft_dataset_slice (ds, 10, 0);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->n, ==, 0);
  ft_dataset_free (s);
  g_test_expect_message (ENGINE_DOMAIN, G_LOG_LEVEL_CRITICAL, "*count <= ds->n - start*");
  g_assert_null (ft_dataset_slice (ds, 8, 3));
  g_test_assert_expected_messages ();
  ft_dataset_free (ds);

  /* Images: pixels stay bytes. */
  uint8_t px[6] = { 0, 50, 100, 150, 200, 250 };
  float lab[3] = { 0, 1, 2 };
  FtDataset img = { .name = (char *) "img",
                    .n = 3,
                    .ndim = 2,
                    .shape = { 1, 2 },
                    .sample_size = 2,
                    .pixels = px,
                    .labels = lab,
                    .n_classes = 3 };
  s = ft_dataset_slice (&img, 1, 2);
  g_assert_null (s->features);
  g_assert_null (s->class_names);
  g_assert_cmpint (s->shape[1], ==, 2);
  g_assert_cmpmem (s->pixels, 4, px + 2, 4);
  g_assert_cmpmem (s->labels, 2 * sizeof (float), lab + 1, 2 * sizeof (float));
  ft_dataset_free (s);
  ft_dataset_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dataset/playground/sizes", test_playground_sizes);
  g_test_add_func ("/dataset/playground/balance", test_playground_balance);
  g_test_add_func ("/dataset/playground/range", test_playground_range);
  g_test_add_func ("/dataset/playground/seed", test_playground_seed);
  g_test_add_func ("/dataset/playground/noise", test_playground_noise);
  g_test_add_func ("/dataset/playground/circle", test_playground_circle);
  g_test_add_func ("/dataset/playground/xor", test_playground_xor);
  g_test_add_func ("/dataset/playground/gauss", test_playground_gauss);
  g_test_add_func ("/dataset/playground/spiral", test_playground_spiral);
  g_test_add_func ("/dataset/playground/moons", test_playground_moons);
  g_test_add_func ("/dataset/playground/names", test_playground_names);
  g_test_add_func ("/dataset/idx/gz", test_idx_gz);
  g_test_add_func ("/dataset/idx/plain", test_idx_plain);
  g_test_add_func ("/dataset/idx/prefers-gz", test_idx_prefers_gz);
  g_test_add_func ("/dataset/idx/fashion-names", test_idx_fashion_names);
  g_test_add_func ("/dataset/idx/bad-magic", test_idx_bad_magic);
  g_test_add_func ("/dataset/idx/truncated", test_idx_truncated);
  g_test_add_func ("/dataset/idx/corrupt-gz", test_idx_corrupt_gz);
  g_test_add_func ("/dataset/idx/counts-differ", test_idx_counts_differ);
  g_test_add_func ("/dataset/idx/missing", test_idx_missing);
  g_test_add_func ("/dataset/idx/fashion-mnist", test_idx_fashion_mnist);
  g_test_add_func ("/dataset/csv/numeric-labels", test_csv_numeric_labels);
  g_test_add_func ("/dataset/csv/string-labels", test_csv_string_labels);
  g_test_add_func ("/dataset/csv/two-d", test_csv_two_d);
  g_test_add_func ("/dataset/csv/missing-label-column", test_csv_missing_label_column);
  g_test_add_func ("/dataset/csv/not-numeric", test_csv_not_numeric);
  g_test_add_func ("/dataset/csv/field-count", test_csv_field_count);
  g_test_add_func ("/dataset/gather", test_gather);
  g_test_add_func ("/dataset/split-point", test_split_point);
  g_test_add_func ("/dataset/slice", test_slice);
  return g_test_run ();
}
