/* ft-point-edits.c — points added and removed by clicking (see ft-point-edits.h). */
#include "data/ft-point-edits.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

FtDataset *
ft_dataset_apply_point_edits (const FtDataset *ds, const FtPointEdit *edits, uint32_t n, GError **error)
{
  g_return_val_if_fail (ds != NULL && (edits != NULL || n == 0), NULL);
  if (ds->features == NULL || ds->sample_size != 2)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "points can be added to 2-D data only; %s has %zu values per sample",
                   ds->name != NULL ? ds->name : "the data", ds->sample_size);
      return NULL;
    }
  uint32_t cap = ds->n + n;
  float *xy = g_new (float, (size_t) MAX (cap, 1) * 2);
  float *labels = g_new (float, MAX (cap, 1));
  /* Kept from the back so that "first in the set" is a prepend: the samples sit at [start, cap). */
  uint32_t start = cap - ds->n;
  memcpy (xy + (size_t) start * 2, ds->features, (size_t) ds->n * 2 * sizeof (float));
  memcpy (labels + start, ds->labels, (size_t) ds->n * sizeof (float));
  for (uint32_t e = 0; e < n; e++)
    {
      const FtPointEdit *p = &edits[e];
      if (p->label >= 0)
        {
          if (p->label >= ds->n_classes)
            {
              g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "point %u has class %d but %s has %d classes",
                           e, p->label, ds->name != NULL ? ds->name : "the data", ds->n_classes);
              g_free (xy);
              g_free (labels);
              return NULL;
            }
          start--;
          xy[(size_t) start * 2] = p->x;
          xy[(size_t) start * 2 + 1] = p->y;
          labels[start] = (float) p->label;
          continue;
        }
      if (start == cap)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "point %u removes a point from an empty set", e);
          g_free (xy);
          g_free (labels);
          return NULL;
        }
      uint32_t best = start;
      double best_d = INFINITY;
      for (uint32_t i = start; i < cap; i++)
        {
          double dx = (double) xy[(size_t) i * 2] - p->x, dy = (double) xy[(size_t) i * 2 + 1] - p->y;
          double d = dx * dx + dy * dy;
          if (d < best_d)
            {
              best_d = d;
              best = i;
            }
        }
      /* Close the gap by moving the earlier samples one place back. */
      memmove (xy + (size_t) (start + 1) * 2, xy + (size_t) start * 2,
               (size_t) (best - start) * 2 * sizeof (float));
      memmove (labels + start + 1, labels + start, (size_t) (best - start) * sizeof (float));
      start++;
    }
  /* The result, through the slice constructor (names, classes, class names as the original's). */
  FtDataset view = *ds;
  view.n = cap - start;
  view.features = xy + (size_t) start * 2;
  view.labels = labels + start;
  view.pixels = NULL;
  FtDataset *out = ft_dataset_slice (&view, 0, view.n);
  g_free (out->name);
  out->name = g_strdup (ds->name);
  g_free (xy);
  g_free (labels);
  return out;
}
