/* ft-losses.c — Keras' losses (sparse / categorical / binary cross-entropy, from logits or from
 * probabilities with Keras' clipping, and mean squared error) with reduction "sum_over_batch_size" and
 * sample weights, plus the L2 kernel regulariser. Each is one tape entry whose backward is analytic. */
#include "ops/ft-ops.h"

#include <math.h>
#include <string.h>

#define KERAS_EPSILON 1e-7f

/* The table is laid out by hand (one parameter per brace group). */
/* clang-format off */
/* Keras 2 wrote "auto", which meant the same for compile()'d losses. */
#define REDUCTION                                                                                            \
  { "reduction", FT_PARAM_KERAS_CONST, .keras = "\"sum_over_batch_size\"",                                 \
    .keras_also = (const char *const[]){ "\"auto\"", NULL } }
#define FROM_LOGITS                                                                                          \
  { "from_logits", FT_PARAM_BOOL, G_STRUCT_OFFSET (FtLossSpec, from_logits), FT_PARAM_CODE_ALWAYS, .def = 0,  \
    .label = "From logits" }
static const FtParam sparse_params[] = {
  REDUCTION, FROM_LOGITS, { "ignore_class", FT_PARAM_KERAS_CONST, .keras = "null" },
};
static const FtParam crossentropy_params[] = {
  REDUCTION, FROM_LOGITS,
  { "label_smoothing", FT_PARAM_KERAS_CONST, .keras = "0.0" },
  { "axis", FT_PARAM_KERAS_CONST, .keras = "-1" },
};
static const FtParam mse_params[] = { REDUCTION };

static const FtKindInfo kind_infos[] = {
  [FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY] = { "SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy", "cross-entropy for labels that are class numbers (0, 1, 2, …)", NULL,
    FT_PARAMS (sparse_params), "Sparse categorical" },
  [FT_LOSS_CATEGORICAL_CROSSENTROPY] = { "CategoricalCrossentropy", "categorical_crossentropy",
    "categorical_crossentropy", "cross-entropy for labels that are one-hot vectors", NULL,
    FT_PARAMS (crossentropy_params), "Categorical" },
  [FT_LOSS_BINARY_CROSSENTROPY] = { "BinaryCrossentropy", "binary_crossentropy", "binary_crossentropy",
    "cross-entropy for one yes/no probability per output, labels 0 or 1", NULL,
    FT_PARAMS (crossentropy_params), "Binary" },
  [FT_LOSS_MEAN_SQUARED_ERROR] = { "MeanSquaredError", "mean_squared_error", "mean_squared_error",
    "the average squared difference, for regression", NULL, FT_PARAMS (mse_params), "Mean squared error" },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_infos) == FT_N_LOSSES);
/* clang-format on */

const FtKindInfo *
ft_loss_kind_info (FtLossKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_LOSSES, NULL);
  return &kind_infos[kind];
}

const char *
ft_loss_name (FtLossKind kind)
{
  return (unsigned) kind < FT_N_LOSSES ? kind_infos[kind].json_name : "?";
}

bool
ft_loss_from_name (const char *name, FtLossKind *kind)
{
  if (name == NULL)
    return false;
  if (strcmp (name, "mse") == 0)
    {
      *kind = FT_LOSS_MEAN_SQUARED_ERROR;
      return true;
    }
  for (int i = 0; i < FT_N_LOSSES; i++)
    if (strcmp (name, kind_infos[i].json_name) == 0)
      {
        *kind = (FtLossKind) i;
        return true;
      }
  return false;
}

typedef struct
{
  FtLossSpec spec;
  const float *sample_weight; /* copied into the arena, or NULL */
  float *aux;                 /* softmax probabilities / clipped-normalised probabilities / sigmoid */
} LossSaved;

static inline float
weight_of (const float *sw, size_t i)
{
  return sw ? sw[i] : 1.0f;
}

/* Per-row cross-entropy from logits: lse(z) − Σ t·z with t one-hot (sparse) or given; probs kept. */
static void
loss_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const LossSaved *s = e->saved;
  const FtTensor *pred = e->inputs[0], *truth = e->inputs[1];
  float *g = ft_tape_input_grad_acc (tape, pred);
  if (!g)
    return;
  size_t n = (size_t) pred->shape[0];
  size_t c = pred->size / n;
  float scale = dy[0] / (float) n;
  for (size_t r = 0; r < n; r++)
    {
      float w = weight_of (s->sample_weight, r) * scale;
      const float *p = pred->data + r * c;
      const float *a = s->aux ? s->aux + r * c : NULL;
      float *gr = g + r * c;
      for (size_t j = 0; j < c; j++)
        {
          float t;
          if (s->spec.kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
            t = (size_t) truth->data[r] == j ? 1.0f : 0.0f;
          else
            t = truth->data[r * c + j];
          float d = 0.0f;
          switch (s->spec.kind)
            {
            case FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
            case FT_LOSS_CATEGORICAL_CROSSENTROPY:
              if (s->spec.from_logits)
                d = a[j] - t; /* softmax − target (targets sum to one) */
              else
                {
                  /* loss = −Σ t·log(clip(p/Σp)); through the normalisation and the clip. */
                  float sum = 0, dot = 0;
                  for (size_t k = 0; k < c; k++)
                    sum += p[k];
                  for (size_t k = 0; k < c; k++)
                    {
                      float tk = s->spec.kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
                                     ? ((size_t) truth->data[r] == k ? 1.0f : 0.0f)
                                     : truth->data[r * c + k];
                      float q = p[k] / sum;
                      bool clipped = q < KERAS_EPSILON || q > 1.0f - KERAS_EPSILON;
                      if (!clipped)
                        dot += tk / a[k] * q; /* Σ_k (−t_k/q_k)·(−q_k/Σp)·Σp */
                    }
                  float q = p[j] / sum;
                  bool clipped = q < KERAS_EPSILON || q > 1.0f - KERAS_EPSILON;
                  d = ((clipped ? 0.0f : -t / a[j]) + dot) / sum;
                }
              break;
            case FT_LOSS_BINARY_CROSSENTROPY:
              if (s->spec.from_logits)
                d = (a[j] - t) / (float) c;
              else
                {
                  float q = p[j];
                  bool clipped = q < KERAS_EPSILON || q > 1.0f - KERAS_EPSILON;
                  d = clipped ? 0.0f : (-t / a[j] + (1.0f - t) / (1.0f - a[j])) / (float) c;
                }
              break;
            case FT_LOSS_MEAN_SQUARED_ERROR:
            case FT_N_LOSSES:
              d = 2.0f * (p[j] - t) / (float) c;
              break;
            }
          gr[j] += w * d;
        }
    }
}

static const FtOpDef loss_defs[FT_N_LOSSES] = {
  { "sparse_categorical_crossentropy", loss_backward },
  { "categorical_crossentropy", loss_backward },
  { "binary_crossentropy", loss_backward },
  { "mean_squared_error", loss_backward },
};

static inline float
clipf (float v)
{
  return v < KERAS_EPSILON ? KERAS_EPSILON : v > 1.0f - KERAS_EPSILON ? 1.0f - KERAS_EPSILON : v;
}

/* One row's (sparse) categorical crossentropy; a gets the softmax (from logits) or the clipped
 * normalised probabilities, for the backward pass. t is the row's one-hot targets, or NULL with label. */
static double
crossentropy_row (bool from_logits, const float *p, float *a, const float *t_row, size_t label, size_t c)
{
  double l = 0;
  if (from_logits)
    {
      float mx = ft_max_of (p, c);
      double se = 0;
      for (size_t j = 0; j < c; j++)
        {
          a[j] = expf (p[j] - mx);
          se += a[j];
        }
      double log_se = log (se); /* lse − z = (max − z) + log Σ exp(z − max): exact for huge logits */
      float inv = (float) (1.0 / se);
      for (size_t j = 0; j < c; j++)
        {
          a[j] *= inv;
          float t = t_row == NULL ? (j == label ? 1.0f : 0.0f) : t_row[j];
          if (t != 0.0f)
            l += (double) t * ((double) (mx - p[j]) + log_se);
        }
    }
  else
    {
      float sum = 0;
      for (size_t j = 0; j < c; j++)
        sum += p[j];
      for (size_t j = 0; j < c; j++)
        {
          a[j] = clipf (p[j] / sum);
          float t = t_row == NULL ? (j == label ? 1.0f : 0.0f) : t_row[j];
          if (t != 0.0f)
            l -= (double) t * log (a[j]);
        }
    }
  return l;
}

/* One row's binary crossentropy, the mean over its columns; a gets the sigmoid or the clipped
 * probabilities. */
static double
binary_crossentropy_row (bool from_logits, const float *p, float *a, const float *t_row, size_t c)
{
  double l = 0;
  for (size_t j = 0; j < c; j++)
    {
      float t = t_row[j];
      if (from_logits)
        {
          /* max(z,0) − z·t + log(1 + exp(−|z|)) */
          float z = p[j];
          a[j] = z >= 0 ? 1.0f / (1.0f + expf (-z)) : expf (z) / (1.0f + expf (z));
          l += (double) (fmaxf (z, 0.0f) - z * t + log1pf (expf (-fabsf (z))));
        }
      else
        {
          a[j] = clipf (p[j]);
          l -= (double) t * log (a[j]) + (1.0 - t) * log (1.0 - a[j]);
        }
    }
  return l / (double) c;
}

/* One row's mean squared error. */
static double
squared_error_row (const float *p, const float *t_row, size_t c)
{
  double l = 0;
  for (size_t j = 0; j < c; j++)
    {
      double d = (double) p[j] - t_row[j];
      l += d * d;
    }
  return l / (double) c;
}

FtTensor *
ft_op_loss (FtTape *tape, const FtLossSpec *spec, FtTensor *y_pred, FtTensor *y_true,
            const float *sample_weight)
{
  g_return_val_if_fail (y_pred->ndim >= 1 && y_pred->shape[0] > 0, NULL);
  size_t n = (size_t) y_pred->shape[0];
  size_t c = y_pred->size / n;
  if (spec->kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
    g_return_val_if_fail (y_true->size == n, NULL);
  else
    g_return_val_if_fail (y_true->size == y_pred->size, NULL);

  FtTensor *inputs[2] = { y_pred, y_true };
  bool rec = ft_tape_should_record (tape, 2, inputs);
  FtTensor *out = ft_tape_tensor (tape, 0, NULL);
  bool need_aux = spec->kind != FT_LOSS_MEAN_SQUARED_ERROR;
  float *aux = need_aux ? ft_tape_alloc (tape, y_pred->size * sizeof (float)) : NULL;
  double total = 0;
  for (size_t r = 0; r < n; r++)
    {
      const float *p = y_pred->data + r * c;
      float *a = aux ? aux + r * c : NULL;
      double l = 0;
      switch (spec->kind)
        {
        case FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
          {
            size_t label = (size_t) y_true->data[r];
            g_return_val_if_fail (y_true->data[r] >= 0 && label < c, NULL);
            l = crossentropy_row (spec->from_logits, p, a, NULL, label, c);
            break;
          }
        case FT_LOSS_CATEGORICAL_CROSSENTROPY:
          l = crossentropy_row (spec->from_logits, p, a, y_true->data + r * c, 0, c);
          break;
        case FT_LOSS_BINARY_CROSSENTROPY:
          l = binary_crossentropy_row (spec->from_logits, p, a, y_true->data + r * c, c);
          break;
        case FT_LOSS_MEAN_SQUARED_ERROR:
        case FT_N_LOSSES:
          l = squared_error_row (p, y_true->data + r * c, c);
          break;
        }
      total += l * weight_of (sample_weight, r);
    }
  out->data[0] = (float) (total / (double) n);
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &loss_defs[spec->kind], 2, inputs, out,
                                       5.0 * (double) y_pred->size, sizeof (LossSaved));
      LossSaved *s = e->saved;
      s->spec = *spec;
      s->aux = aux;
      if (sample_weight)
        {
          float *sw = ft_tape_alloc (tape, n * sizeof (float));
          memcpy (sw, sample_weight, n * sizeof (float));
          s->sample_weight = sw;
        }
    }
  return out;
}

/* ---- L2 regulariser ---- */

typedef struct
{
  float factor;
} L2Saved;

static void
l2_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const L2Saved *s = e->saved;
  const FtTensor *w = e->inputs[0];
  float *g = ft_tape_input_grad_acc (tape, w);
  if (!g)
    return;
  float k = 2.0f * s->factor * dy[0];
  for (size_t i = 0; i < w->size; i++)
    g[i] += k * w->data[i];
}

static const FtOpDef l2_def = { "l2_regularizer", l2_backward };

/* ---- L1 regulariser ---- */

static void
l1_backward (FtTape *tape, const FtTapeEntry *e, const float *dy)
{
  const L2Saved *s = e->saved;
  const FtTensor *w = e->inputs[0];
  float *g = ft_tape_input_grad_acc (tape, w);
  if (!g)
    return;
  float k = s->factor * dy[0];
  for (size_t i = 0; i < w->size; i++)
    {
      float v = w->data[i];
      g[i] += v > 0.0f ? k : v < 0.0f ? -k : 0.0f;
    }
}

static const FtOpDef l1_def = { "l1_regularizer", l1_backward };

FtTensor *
ft_op_l1 (FtTape *tape, FtTensor *w, float factor)
{
  bool rec = ft_tape_should_record (tape, 1, &w);
  FtTensor *out = ft_tape_tensor (tape, 0, NULL);
  double s = 0;
  for (size_t i = 0; i < w->size; i++)
    s += fabs ((double) w->data[i]);
  out->data[0] = (float) (factor * s);
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &l1_def, 1, &w, out, 2.0 * (double) w->size, sizeof (L2Saved));
      ((L2Saved *) e->saved)->factor = factor;
    }
  return out;
}

FtTensor *
ft_op_l2 (FtTape *tape, FtTensor *w, float factor)
{
  bool rec = ft_tape_should_record (tape, 1, &w);
  FtTensor *out = ft_tape_tensor (tape, 0, NULL);
  double s = 0;
  for (size_t i = 0; i < w->size; i++)
    s += (double) w->data[i] * w->data[i];
  out->data[0] = (float) (factor * s);
  if (rec)
    {
      FtTapeEntry *e = ft_tape_record (tape, &l2_def, 1, &w, out, 2.0 * (double) w->size, sizeof (L2Saved));
      ((L2Saved *) e->saved)->factor = factor;
    }
  return out;
}
