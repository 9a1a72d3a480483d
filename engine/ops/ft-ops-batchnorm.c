/* ft-ops-batchnorm.c — batch normalization over every axis but the last (channels), Keras 3 style:
 * training uses the batch mean and biased variance and updates the moving statistics
 * (moving = moving·momentum + batch·(1−momentum)); inference uses the moving statistics. */
#include "ops/ft-ops.h"

#include <math.h>

typedef struct
{
  bool training;
  float *xhat;   /* normalised input */
  float *invstd; /* per channel 1/sqrt(var+eps) */
} BnSaved;

static void
bn_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const BnSaved *s = e->saved;
  const FtTensor *x = e->inputs[0], *gamma = e->inputs[1], *beta_t = e->inputs[2];
  size_t c = (size_t) x->shape[x->ndim - 1];
  size_t m = x->size / c;
  /* Per channel: sum(dy) and sum(dy·xhat). */
  double *sdy = ft_tape_alloc0 (tape, c * sizeof (double));
  double *sdyx = ft_tape_alloc0 (tape, c * sizeof (double));
  for (size_t r = 0; r < m; r++)
    for (size_t j = 0; j < c; j++)
      {
        float g = dy[r * c + j];
        sdy[j] += g;
        sdyx[j] += (double) g * s->xhat[r * c + j];
      }
  float *ggamma = ft_tape_input_grad_acc (tape, gamma);
  if (ggamma)
    for (size_t j = 0; j < c; j++)
      ggamma[j] += (float) sdyx[j];
  float *gbeta = ft_tape_input_grad_acc (tape, beta_t);
  if (gbeta)
    for (size_t j = 0; j < c; j++)
      gbeta[j] += (float) sdy[j];
  float *gx = ft_tape_input_grad_acc (tape, x);
  if (!gx)
    return;
  for (size_t r = 0; r < m; r++)
    for (size_t j = 0; j < c; j++)
      {
        float gm = gamma ? gamma->data[j] : 1.0f;
        float k = gm * s->invstd[j];
        float v;
        if (s->training)
          v = k * (dy[r * c + j] - (float) (sdy[j] / m) - s->xhat[r * c + j] * (float) (sdyx[j] / m));
        else
          v = k * dy[r * c + j];
        gx[r * c + j] += v;
      }
}

static const FtOpDef bn_def = { "batch_normalization", bn_backward };

FtTensor *
ft_op_batch_norm (FtTape *tape, FtTensor *x, FtTensor *gamma, FtTensor *beta, FtTensor *moving_mean,
                  FtTensor *moving_var, float momentum, float epsilon, bool training)
{
  FtTensor *inputs[3] = { x, gamma, beta };
  bool rec = ft_tape_should_record (tape, 3, inputs);
  size_t c = (size_t) x->shape[x->ndim - 1];
  size_t m = x->size / c;
  FtTensor *y = ft_tape_tensor (tape, x->ndim, x->shape);
  float *mean = ft_tape_alloc (tape, c * sizeof (float));
  float *invstd = ft_tape_alloc (tape, c * sizeof (float));
  if (training)
    {
      double *s1 = ft_tape_alloc0 (tape, c * sizeof (double));
      double *s2 = ft_tape_alloc0 (tape, c * sizeof (double));
      for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < c; j++)
          s1[j] += x->data[r * c + j];
      for (size_t j = 0; j < c; j++)
        mean[j] = (float) (s1[j] / m);
      for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < c; j++)
          {
            double d = (double) x->data[r * c + j] - mean[j];
            s2[j] += d * d;
          }
      for (size_t j = 0; j < c; j++)
        {
          float var = (float) (s2[j] / m);
          invstd[j] = 1.0f / sqrtf (var + epsilon);
          moving_mean->data[j] = moving_mean->data[j] * momentum + mean[j] * (1.0f - momentum);
          moving_var->data[j] = moving_var->data[j] * momentum + var * (1.0f - momentum);
        }
    }
  else
    for (size_t j = 0; j < c; j++)
      {
        mean[j] = moving_mean->data[j];
        invstd[j] = 1.0f / sqrtf (moving_var->data[j] + epsilon);
      }
  float *xhat = rec ? ft_tape_alloc (tape, x->size * sizeof (float)) : NULL;
  for (size_t r = 0; r < m; r++)
    for (size_t j = 0; j < c; j++)
      {
        float h = (x->data[r * c + j] - mean[j]) * invstd[j];
        if (xhat)
          xhat[r * c + j] = h;
        y->data[r * c + j] = h * (gamma ? gamma->data[j] : 1.0f) + (beta ? beta->data[j] : 0.0f);
      }
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &bn_def, 3, inputs, y, 8.0 * (double) x->size, sizeof (BnSaved));
      BnSaved *s = e->saved;
      s->training = training;
      s->xhat = xhat;
      s->invstd = invstd;
    }
  return y;
}
