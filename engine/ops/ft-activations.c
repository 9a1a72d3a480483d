/* ft-activations.c — Keras' activations: forward and backward kernels, and the standalone op. */
#include "ops/ft-activations.h"

#include "ops/ft-ops.h"

#include "core/ft-threads.h"

#include <math.h>
#include <string.h>

#define LEAKY_SLOPE 0.2f
#define ELU_ALPHA   1.0f

static const char *const names[FT_N_ACTIVATIONS] = {
  "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "gelu",
};

const char *
ft_activation_name (FtActivation act)
{
  return (unsigned) act < FT_N_ACTIVATIONS ? names[act] : "?";
}

bool
ft_activation_from_name (const char *name, FtActivation *act)
{
  if (name == NULL || *name == '\0')
    {
      *act = FT_ACT_LINEAR;
      return true;
    }
  for (int i = 0; i < FT_N_ACTIVATIONS; i++)
    if (strcmp (name, names[i]) == 0)
      {
        *act = (FtActivation) i;
        return true;
      }
  return false;
}

bool
ft_activation_backward_needs_input (FtActivation act)
{
  return act == FT_ACT_GELU;
}

double
ft_activation_flops (FtActivation act)
{
  switch (act)
    {
    case FT_ACT_LINEAR:
      return 0;
    case FT_ACT_RELU:
    case FT_ACT_LEAKY_RELU:
      return 1;
    case FT_ACT_ELU:
    case FT_ACT_GELU:
    case FT_ACT_SIGMOID:
    case FT_ACT_SOFTMAX:
    case FT_ACT_TANH:
    case FT_N_ACTIVATIONS:
      break;
    }
  return 4;
}

static inline float
sigmoidf (float z)
{
  /* Stable for large |z|. */
  if (z >= 0)
    return 1.0f / (1.0f + expf (-z));
  float e = expf (z);
  return e / (1.0f + e);
}

static void
forward_rows (FtActivation act, float *y, const float *z, size_t rows, size_t cols)
{
  size_t n = rows * cols;
  switch (act)
    {
    case FT_ACT_LINEAR:
      if (y != z)
        memcpy (y, z, n * sizeof (float));
      break;
    case FT_ACT_RELU:
      for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    case FT_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++)
        y[i] = sigmoidf (z[i]);
      break;
    case FT_ACT_TANH:
      for (size_t i = 0; i < n; i++)
        y[i] = tanhf (z[i]);
      break;
    case FT_ACT_LEAKY_RELU:
      for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : LEAKY_SLOPE * z[i];
      break;
    case FT_ACT_ELU:
      for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : ELU_ALPHA * expm1f (z[i]);
      break;
    case FT_ACT_GELU:
      for (size_t i = 0; i < n; i++)
        y[i] = 0.5f * z[i] * (1.0f + erff (z[i] * (float) M_SQRT1_2));
      break;
    case FT_ACT_SOFTMAX:
      for (size_t r = 0; r < rows; r++)
        {
          const float *zr = z + r * cols;
          float *yr = y + r * cols;
          float mx = zr[0];
          for (size_t c = 1; c < cols; c++)
            mx = zr[c] > mx ? zr[c] : mx;
          float s = 0;
          for (size_t c = 0; c < cols; c++)
            {
              yr[c] = expf (zr[c] - mx);
              s += yr[c];
            }
          float inv = 1.0f / s;
          for (size_t c = 0; c < cols; c++)
            yr[c] *= inv;
        }
      break;
    case FT_N_ACTIVATIONS:
      g_assert_not_reached ();
    }
}

static void
backward_rows (FtActivation act, float *dz, float beta, const float *dy, const float *y, const float *z,
               size_t rows, size_t cols)
{
  size_t n = rows * cols;
#define EMIT(expr)                                                                                           \
  do                                                                                                         \
    {                                                                                                        \
      /* d is loaded unconditionally so the selects below vectorise. */                                      \
      if (beta == 0.0f)                                                                                      \
        for (size_t i = 0; i < n; i++)                                                                       \
          {                                                                                                  \
            const float d = dy[i];                                                                           \
            dz[i] = (expr);                                                                                  \
          }                                                                                                  \
      else                                                                                                   \
        for (size_t i = 0; i < n; i++)                                                                       \
          {                                                                                                  \
            const float d = dy[i];                                                                           \
            dz[i] += (expr);                                                                                 \
          }                                                                                                  \
    }                                                                                                        \
  while (0)
  switch (act)
    {
    case FT_ACT_LINEAR:
      EMIT (d);
      break;
    case FT_ACT_RELU:
      EMIT (y[i] > 0.0f ? d : 0.0f);
      break;
    case FT_ACT_SIGMOID:
      EMIT (d * y[i] * (1.0f - y[i]));
      break;
    case FT_ACT_TANH:
      EMIT (d * (1.0f - y[i] * y[i]));
      break;
    case FT_ACT_LEAKY_RELU:
      EMIT (y[i] > 0.0f ? d : LEAKY_SLOPE * d);
      break;
    case FT_ACT_ELU:
      EMIT (y[i] > 0.0f ? d : d * (y[i] + ELU_ALPHA));
      break;
    case FT_ACT_GELU:
      EMIT (d
            * (0.5f * (1.0f + erff (z[i] * (float) M_SQRT1_2))
               + z[i] * expf (-0.5f * z[i] * z[i]) * (float) (0.5 * M_2_SQRTPI * M_SQRT1_2)));
      break;
    case FT_ACT_SOFTMAX:
      for (size_t r = 0; r < rows; r++)
        {
          const float *yr = y + r * cols, *dyr = dy + r * cols;
          float *dzr = dz + r * cols;
          float dot = 0;
          for (size_t c = 0; c < cols; c++)
            dot += dyr[c] * yr[c];
          for (size_t c = 0; c < cols; c++)
            dzr[c] = (beta != 0.0f ? dzr[c] : 0.0f) + yr[c] * (dyr[c] - dot);
        }
      break;
    case FT_N_ACTIVATIONS:
      g_assert_not_reached ();
    }
#undef EMIT
}

/* ---- on the job's threads: rows split into fixed pieces, each row computed as on one thread ---- */

/* Floats per piece: large activations (a conv layer's, ~700 k floats) are memory-bound streams that two
 * threads run ~1.6–1.9× faster; below 2 pieces the team stays asleep. */
#define GRAIN_FLOATS 32768

typedef struct
{
  FtActivation act;
  float *out; /* y (forward) or dz (backward) */
  float beta;
  const float *dy, *y, *z;
  size_t cols;
} ActRows;

static inline const float *
row_at (const float *p, size_t row, size_t cols)
{
  return p != NULL ? p + row * cols : NULL;
}

static void
forward_piece (void *data, size_t r0, size_t r1)
{
  const ActRows *a = data;
  forward_rows (a->act, a->out + r0 * a->cols, row_at (a->z, r0, a->cols), r1 - r0, a->cols);
}

static void
backward_piece (void *data, size_t r0, size_t r1)
{
  const ActRows *a = data;
  backward_rows (a->act, a->out + r0 * a->cols, a->beta, row_at (a->dy, r0, a->cols),
                 row_at (a->y, r0, a->cols), row_at (a->z, r0, a->cols), r1 - r0, a->cols);
}

void
ft_activation_forward (FtActivation act, float *y, const float *z, size_t rows, size_t cols)
{
  ActRows a = { act, y, 0.0f, NULL, NULL, z, cols };
  ft_threads_for (rows, MAX (GRAIN_FLOATS / MAX (cols, 1), 1), forward_piece, &a);
}

void
ft_activation_backward (FtActivation act, float *dz, float beta, const float *dy, const float *y,
                        const float *z, size_t rows, size_t cols)
{
  ActRows a = { act, dz, beta, dy, y, z, cols };
  ft_threads_for (rows, MAX (GRAIN_FLOATS / MAX (cols, 1), 1), backward_piece, &a);
}

/* ---- the standalone op (the Activation layer) ---- */

typedef struct
{
  FtActivation act;
} ActSaved;

static void
activation_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const ActSaved *s = e->saved;
  const FtTensor *x = e->inputs[0];
  float beta;
  float *gx = ft_tape_input_grad (tape, x, &beta);
  if (!gx)
    return;
  size_t cols = x->ndim ? (size_t) x->shape[x->ndim - 1] : 1;
  ft_activation_backward (s->act, gx, beta, dy, e->output->data, x->data, x->size / cols, cols);
}

static const FtOpDef activation_def = { "activation", activation_backward };

FtTensor *
ft_op_activation (FtTape *tape, FtTensor *x, FtActivation act)
{
  bool rec = ft_tape_should_record (tape, 1, &x);
  FtTensor *y = ft_tape_tensor (tape, x->ndim, x->shape);
  size_t cols = x->ndim ? (size_t) x->shape[x->ndim - 1] : 1;
  ft_activation_forward (act, y->data, x->data, x->size / cols, cols);
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &activation_def, 1, &x, y,
                                       ft_activation_flops (act) * (double) x->size, sizeof (ActSaved));
      ((ActSaved *) e->saved)->act = act;
    }
  return y;
}
