/* ft-ops-pool.c — 2-D max and average pooling over NHWC tensors (Keras' MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D) and their backward passes.
 *
 * Each output pixel scans its window in row-major order with the channels innermost, so the inner loop
 * runs over C contiguous floats. Padded cells are never visited (so they never win, and with same padding
 * every window still holds a real cell); on ties the first maximum in window order wins. When the tape
 * records, the flat index into x of each output's winner is kept, and backward scatter-adds dy there. */
#include "core/ft-compiler.h"
#include "ops/ft-ops.h"

#include <stdint.h>
#include <string.h>

/* Hot loops get AVX2 / AVX-512 clones chosen at load time (GCC on x86-64 Linux). */

typedef struct
{
  int n, h, w, c;
  int ph, pw; /* pool size */
  int sh, sw; /* strides */
  int pt, pl; /* leading padding */
  int oh, ow;
} PoolGeom;

typedef struct
{
  int32_t *argmax; /* per output element, the flat index into x of the winning cell */
} PoolSaved;

/* The geometry of a pool_h×pool_w window moved by the strides over x (NHWC), and its output's size;
 * false (with a critical warning: a caller's bug) for arguments no pooling takes. */
static bool
pool_geom (const FtTape *tape, const FtTensor *x, int pool_h, int pool_w, int stride_h, int stride_w,
           FtPadding padding, PoolGeom *g)
{
  g_return_val_if_fail (tape != NULL && x != NULL && x->ndim == 4, false);
  g_return_val_if_fail (pool_h >= 1 && pool_w >= 1 && stride_h >= 1 && stride_w >= 1, false);
  g_return_val_if_fail (padding == FT_PADDING_VALID || padding == FT_PADDING_SAME, false);
  *g = (PoolGeom){
    .n = x->shape[0],
    .h = x->shape[1],
    .w = x->shape[2],
    .c = x->shape[3],
    .ph = pool_h,
    .pw = pool_w,
    .sh = stride_h,
    .sw = stride_w,
  };
  g->oh = ft_conv_output_size (g->h, g->ph, g->sh, padding, &g->pt);
  g->ow = ft_conv_output_size (g->w, g->pw, g->sw, padding, &g->pl);
  g_return_val_if_fail (g->oh >= 1 && g->ow >= 1 && g->c >= 1, false);
  return true;
}

/* The real rows [*lo, *hi) of the window that starts at `start` and has `size` cells. */
static inline void
window_clip (int start, int size, int extent, int *lo, int *hi)
{
  *lo = start > 0 ? start : 0;
  *hi = start + size < extent ? start + size : extent;
}

/* y = max over each window; when argmax is not NULL, also the flat index of each winner. */
FT_HOT static void
max_pool_forward (const PoolGeom *g, const float *restrict x, float *restrict y, int32_t *restrict argmax)
{
  const int c = g->c;
  for (int n = 0; n < g->n; n++)
    for (int oy = 0; oy < g->oh; oy++)
      {
        int y0, y1;
        window_clip (oy * g->sh - g->pt, g->ph, g->h, &y0, &y1);
        for (int ox = 0; ox < g->ow; ox++)
          {
            int x0, x1;
            window_clip (ox * g->sw - g->pl, g->pw, g->w, &x0, &x1);
            const size_t o = (((size_t) n * g->oh + oy) * g->ow + ox) * c;
            float *restrict out = y + o;
            const size_t first = (((size_t) n * g->h + y0) * g->w + x0) * c;
            memcpy (out, x + first, (size_t) c * sizeof (float));
            if (argmax != NULL)
              {
                int32_t *restrict am = argmax + o;
                for (int k = 0; k < c; k++)
                  am[k] = (int32_t) first + k;
                for (int iy = y0; iy < y1; iy++)
                  for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                    {
                      const size_t at = (((size_t) n * g->h + iy) * g->w + ix) * c;
                      const float *restrict p = x + at;
                      /* The index select as mask arithmetic, so that the loop vectorises. */
                      for (int k = 0; k < c; k++)
                        {
                          const float v = p[k], best = out[k];
                          const int32_t win = -(int32_t) (v > best);
                          out[k] = v > best ? v : best;
                          am[k] = (am[k] & ~win) | (((int32_t) at + k) & win);
                        }
                    }
              }
            else
              for (int iy = y0; iy < y1; iy++)
                for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                  {
                    const float *restrict p = x + (((size_t) n * g->h + iy) * g->w + ix) * c;
                    for (int k = 0; k < c; k++)
                      {
                        const float v = p[k], best = out[k];
                        out[k] = v > best ? v : best;
                      }
                  }
          }
      }
}

static void max_pool2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy);

static const FtOpDef max_pool2d_def = { "max_pooling2d", max_pool2d_backward };

FtTensor *
ft_op_max_pool2d (FtTape *tape, FtTensor *x, int pool_h, int pool_w, int stride_h, int stride_w,
                  FtPadding padding)
{
  PoolGeom g;
  if (!pool_geom (tape, x, pool_h, pool_w, stride_h, stride_w, padding, &g))
    return NULL;

  const bool record = ft_tape_should_record (tape, 1, &x);
  int out_shape[4] = { g.n, g.oh, g.ow, g.c };
  FtTensor *y = ft_tape_tensor (tape, 4, out_shape);

  int32_t *argmax = NULL;
  if (record)
    {
      g_return_val_if_fail (x->size <= (size_t) INT32_MAX, NULL);
      argmax = ft_tape_alloc (tape, y->size * sizeof (int32_t));
    }
  max_pool_forward (&g, x->data, y->data, argmax);

  if (record)
    {
      double flops = (double) y->size * g.ph * g.pw; /* one comparison per window cell */
      FtTapeEntry *e = ft_tape_record (tape, &max_pool2d_def, 1, &x, y, flops, sizeof (PoolSaved));
      PoolSaved *s = e->saved;
      s->argmax = argmax;
    }
  return y;
}

static void
max_pool2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy)
{
  const PoolSaved *s = entry->saved;
  float *dx = ft_tape_input_grad_acc (tape, entry->inputs[0]);
  if (dx == NULL)
    return;
  const int32_t *restrict am = s->argmax;
  const size_t n = entry->output->size;
  for (size_t i = 0; i < n; i++)
    dx[am[i]] += dy[i];
}

/* ------------------------------------------------------------------------------------------------ */
/* Average pooling: each output is the sum of its window's real cells divided by their count (as
 * TensorFlow's mean reducer); backward spreads dy / count over the same cells. Global average pooling is the
 * window that covers the whole image. */

static void avg_pool2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy);

static const FtOpDef avg_pool2d_def = { "average_pooling2d", avg_pool2d_backward };

static float
window_count (const PoolGeom *g, int oy, int ox, int *y0, int *y1, int *x0, int *x1)
{
  window_clip (oy * g->sh - g->pt, g->ph, g->h, y0, y1);
  window_clip (ox * g->sw - g->pl, g->pw, g->w, x0, x1);
  return (float) ((*y1 - *y0) * (*x1 - *x0));
}

FT_HOT static void
avg_pool_forward (const PoolGeom *g, const float *restrict x, float *restrict y)
{
  const int c = g->c;
  for (int n = 0; n < g->n; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        {
          int y0, y1, x0, x1;
          const float count = window_count (g, oy, ox, &y0, &y1, &x0, &x1);
          float *restrict out = y + (((size_t) n * g->oh + oy) * g->ow + ox) * c;
          memset (out, 0, (size_t) c * sizeof (float));
          for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
              {
                const float *restrict p = x + (((size_t) n * g->h + iy) * g->w + ix) * c;
                for (int k = 0; k < c; k++)
                  out[k] += p[k];
              }
          for (int k = 0; k < c; k++)
            out[k] = out[k] / count;
        }
}

static FtTensor *
avg_pool (FtTape *tape, FtTensor *x, const PoolGeom *g, const FtOpDef *def, int out_ndim,
          const int *out_shape)
{
  const bool record = ft_tape_should_record (tape, 1, &x);
  FtTensor *y = ft_tape_tensor (tape, out_ndim, out_shape);
  avg_pool_forward (g, x->data, y->data);
  if (record)
    {
      double flops = (double) g->n * g->oh * g->ow * g->c * (g->ph * g->pw + 1);
      FtTapeEntry *e = ft_tape_record (tape, def, 1, &x, y, flops, sizeof (PoolGeom));
      memcpy (e->saved, g, sizeof *g);
    }
  return y;
}

FtTensor *
ft_op_avg_pool2d (FtTape *tape, FtTensor *x, int pool_h, int pool_w, int stride_h, int stride_w,
                  FtPadding padding)
{
  PoolGeom g;
  if (!pool_geom (tape, x, pool_h, pool_w, stride_h, stride_w, padding, &g))
    return NULL;
  int out_shape[4] = { g.n, g.oh, g.ow, g.c };
  return avg_pool (tape, x, &g, &avg_pool2d_def, 4, out_shape);
}

static void
avg_pool2d_backward (FtTape *tape, const FtTapeEntry *entry, const float *dy)
{
  const PoolGeom *g = entry->saved;
  float *dx = ft_tape_input_grad_acc (tape, entry->inputs[0]);
  if (dx == NULL)
    return;
  const int c = g->c;
  for (int n = 0; n < g->n; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        {
          int y0, y1, x0, x1;
          const float count = window_count (g, oy, ox, &y0, &y1, &x0, &x1);
          const float *restrict d = dy + (((size_t) n * g->oh + oy) * g->ow + ox) * c;
          for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
              {
                float *restrict p = dx + (((size_t) n * g->h + iy) * g->w + ix) * c;
                for (int k = 0; k < c; k++)
                  p[k] += d[k] / count;
              }
        }
}
