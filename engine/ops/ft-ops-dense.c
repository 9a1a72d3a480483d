/* ft-ops-dense.c — the fused dense op: y = act(x·W + b) with one sgemm forward and at most three
 * backward (dW, dx, and the bias column sums), Keras' kernel layout (in, out). */
#include "core/ft-blas.h"
#include "core/ft-compiler.h"
#include "core/ft-gemm-skinny.h"
#include "core/ft-threads.h"
#include "ops/ft-ops.h"

#include <string.h>

#define FT_INLINE static inline __attribute__ ((always_inline))

typedef struct
{
  FtActivation act;
  float *z; /* pre-activation, kept only when the activation's backward needs it */
} DenseSaved;

/* The input gradient of a wide, short layer (the CNN's 21,632 → 128 at batch 32) as slabs of dxᵀ = W·dzᵀ:
 * OpenBLAS runs that product with W on its fast side (measured, thread CPU time, best of 20 on a 2-core
 * EPYC with SkylakeX kernels: dz·Wᵀ 4.10–4.16 ms, W·dzᵀ 3.29–3.40 ms), and each slab's SLAB × n result is
 * transposed into dx while it is in cache (3.53–3.63 ms in all). Every element is the same dot product over
 * out in the same order as in dz·Wᵀ (bit for bit the same dx), and slabs are fixed by the shape alone, so
 * the team's size changes nothing. Where FitTape's short-side kernels run (AVX-512, core/ft-gemm-skinny.h),
 * ft_sgemm takes dz·Wᵀ whole instead: 1.9 ms against these slabs' 3.3–3.6 ms, the same bits. */
enum
{
  SLAB = 512
};

typedef struct
{
  const float *dz, *w;
  float *dx, *tmp; /* tmp: in × n, one SLAB × n block per slab */
  float beta;
  int n, in, out;
} DxSlabs;

/* dx[:, i0 .. i0 + rows) (= or, with add, +=) t (rows × n), eight rows of t at a time. */
FT_INLINE void
transpose_rows (float *restrict dx, const float *restrict t, int rows, int n, size_t ld, const bool add)
{
  int i = 0;
  for (; i + 8 <= rows; i += 8)
    for (int b = 0; b < n; b++)
      {
        float *d = dx + (size_t) b * ld + i;
        const float *s = t + (size_t) i * (size_t) n + b;
        for (int k = 0; k < 8; k++)
          d[k] = add ? d[k] + s[(size_t) k * (size_t) n] : s[(size_t) k * (size_t) n];
      }
  for (; i < rows; i++)
    for (int b = 0; b < n; b++)
      {
        float *d = dx + (size_t) b * ld + i;
        *d = add ? *d + t[(size_t) i * (size_t) n + b] : t[(size_t) i * (size_t) n + b];
      }
}

FT_HOT static void
transpose_into (float *restrict dx, const float *restrict t, int rows, int n, int ld, float beta)
{
  if (beta == 0.0f)
    transpose_rows (dx, t, rows, n, (size_t) ld, false);
  else
    transpose_rows (dx, t, rows, n, (size_t) ld, true);
}

static void
dx_slab (void *data, int slab)
{
  const DxSlabs *p = data;
  const int i0 = slab * SLAB, rows = MIN (SLAB, p->in - i0);
  float *t = p->tmp + (size_t) i0 * (size_t) p->n;
  ft_sgemm_one (false, true, rows, p->n, p->out, 1.0f, p->w + (size_t) i0 * (size_t) p->out, p->out, p->dz,
                p->out, 0.0f, t, p->n);
  transpose_into (p->dx + i0, t, rows, p->n, p->in, p->beta);
}

/* dx (n × in) = beta·dx + dz (n × out) · Wᵀ, W (in × out). Each slab is one OpenBLAS call (ft_sgemm_one):
 * the slabs are already the pieces for the team. */
static void
input_gradient (FtTape *tape, const float *dz, const float *w, float *dx, float beta, int n, int in, int out)
{
  if (in < 2 * SLAB || n > 64 || ft_gemm_skinny_takes (false, true, n, in, out, 1.0f, beta))
    {
      ft_sgemm (false, true, n, in, out, 1.0f, dz, out, w, out, beta, dx, in);
      return;
    }
  DxSlabs p = {
    dz, w, dx, ft_tape_alloc (tape, (size_t) in * (size_t) n * sizeof (float)), beta, n, in, out
  };
  ft_threads_run_current ((in + SLAB - 1) / SLAB, dx_slab, &p);
}

static void
dense_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const DenseSaved *s = e->saved;
  const FtTensor *x = e->inputs[0], *w = e->inputs[1], *b = e->inputs[2];
  const FtTensor *y = e->output;
  int n = x->shape[0], in = w->shape[0], out = w->shape[1];
  size_t ny = y->size;

  /* dz = dy ⊙ act'(z); linear reuses dy as is. */
  const float *dz = dy;
  if (s->act != FT_ACT_LINEAR)
    {
      float *buf = ft_tape_alloc (tape, ny * sizeof (float));
      ft_activation_backward (s->act, buf, 0.0f, dy, y->data, s->z, (size_t) n, (size_t) out);
      dz = buf;
    }
  float beta;
  float *gw = ft_tape_input_grad (tape, w, &beta);
  if (gw) /* dW = xᵀ·dz */
    ft_sgemm (true, false, in, out, n, 1.0f, x->data, in, dz, out, beta, gw, out);
  float *gb = ft_tape_input_grad (tape, b, &beta);
  if (gb)
    {
      if (beta == 0.0f)
        memcpy (gb, dz, (size_t) out * sizeof (float));
      else
        for (int j = 0; j < out; j++)
          gb[j] += dz[j];
      for (int r = 1; r < n; r++)
        {
          const float *row = dz + (size_t) r * out;
          for (int j = 0; j < out; j++)
            gb[j] += row[j];
        }
    }
  float *gx = ft_tape_input_grad (tape, x, &beta);
  if (gx) /* dx = dz·Wᵀ */
    input_gradient (tape, dz, w->data, gx, beta, n, in, out);
}

static const FtOpDef dense_def = { "dense", dense_backward };

FtTensor *
ft_op_dense (FtTape *tape, FtTensor *x, FtTensor *w, FtTensor *b, FtActivation act)
{
  g_return_val_if_fail (x->ndim == 2 && w->ndim == 2 && x->shape[1] == w->shape[0], NULL);
  g_return_val_if_fail (b == NULL || (b->ndim == 1 && b->shape[0] == w->shape[1]), NULL);
  FtTensor *inputs[3] = { x, w, b };
  bool rec = ft_tape_should_record (tape, b ? 3 : 2, inputs);
  int n = x->shape[0], in = w->shape[0], out = w->shape[1];
  int shape[2] = { n, out };
  FtTensor *y = ft_tape_tensor (tape, 2, shape);
  float beta = 0.0f;
  if (b != NULL)
    {
      for (int r = 0; r < n; r++)
        memcpy (y->data + (size_t) r * out, b->data, (size_t) out * sizeof (float));
      beta = 1.0f;
    }
  ft_sgemm (false, false, n, out, in, 1.0f, x->data, in, w->data, out, beta, y->data, out);
  float *z = NULL;
  if (rec && ft_activation_backward_needs_input (act))
    {
      z = ft_tape_alloc (tape, y->size * sizeof (float));
      memcpy (z, y->data, y->size * sizeof (float));
    }
  ft_activation_forward (act, y->data, y->data, (size_t) n, (size_t) out);
  if (rec)
    {
      double flops = 2.0 * n * in * out + (b ? (double) y->size : 0) + ft_activation_flops (act) * y->size;
      FtTapeEntry *e = ft_tape_record (tape, &dense_def, 3, inputs, y, flops, sizeof (DenseSaved));
      DenseSaved *s = e->saved;
      s->act = act;
      s->z = z;
    }
  return y;
}
