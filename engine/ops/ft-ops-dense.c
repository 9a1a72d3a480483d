/* ft-ops-dense.c — the fused dense op: y = act(x·W + b) with one sgemm forward and at most three
 * backward (dW, dx, and the bias column sums), Keras' kernel layout (in, out). */
#include "core/ft-blas.h"
#include "ops/ft-ops.h"

#include <string.h>

typedef struct
{
  FtActivation act;
  float *z; /* pre-activation, kept only when the activation's backward needs it */
} DenseSaved;

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
    ft_sgemm (false, true, n, in, out, 1.0f, dz, out, w->data, out, beta, gx, in);
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
