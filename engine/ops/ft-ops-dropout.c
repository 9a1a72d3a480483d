/* ft-ops-dropout.c — inverted dropout: in training, keep each element with probability 1−rate and scale
 * it by 1/(1−rate); in inference the input passes through untouched (no op is recorded). */
#include "ops/ft-ops.h"

typedef struct
{
  float *mask; /* 0 or 1/(1−rate) per element */
} DropoutSaved;

static void
dropout_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const DropoutSaved *s = e->saved;
  float *gx = ft_tape_input_grad_acc (tape, e->inputs[0]);
  if (!gx)
    return;
  size_t n = e->output->size;
  for (size_t i = 0; i < n; i++)
    gx[i] += dy[i] * s->mask[i];
}

static const FtOpDef dropout_def = { "dropout", dropout_backward };

FtTensor *
ft_op_dropout (FtTape *tape, FtTensor *x, float rate, bool training, FtRng *rng)
{
  if (!training || rate <= 0.0f)
    return x;
  bool rec = ft_tape_should_record (tape, 1, &x);
  FtTensor *y = ft_tape_tensor (tape, x->ndim, x->shape);
  float *mask = ft_tape_alloc (tape, x->size * sizeof (float));
  float keep_scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
  for (size_t i = 0; i < x->size; i++)
    {
      mask[i] = ft_rng_uniform (rng) >= rate ? keep_scale : 0.0f;
      y->data[i] = x->data[i] * mask[i];
    }
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &dropout_def, 1, &x, y, (double) x->size, sizeof (DropoutSaved));
      ((DropoutSaved *) e->saved)->mask = mask;
    }
  return y;
}
