/* ft-inspect.c — decision regions and confusion matrices on a private copy of a model (see ft-inspect.h).
 * Everything goes through the trainer's inference-mode batch primitive, ft_trainer_predict_batch. */
#include "experiment/ft-inspect.h"

#include "core/ft-blas.h"
#include "core/ft-error.h"

#include <math.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#define INSPECT_BATCH 256u

/* How the raw outputs become probabilities. */
typedef enum
{
  OUT_PROBABILITIES, /* taken as they are: clamped to [0, 1], normalised when there are several */
  OUT_SOFTMAX,       /* logits of one softmax */
  OUT_SIGMOID,       /* independent logits (binary cross-entropy from logits) */
} OutputKind;

struct FtInspectModel
{
  FtTrainer *trainer;
  size_t n_params;
  size_t n_inputs;
  size_t n_outputs;
  int n_classes;
  OutputKind kind;
  uint32_t idx[INSPECT_BATCH];
  float *out;   /* INSPECT_BATCH × n_outputs */
  float *probs; /* n_classes: one sample's probabilities when the caller wants none */
  int *classes; /* INSPECT_BATCH */
};

/* The activation the model's outputs come out of: the last layer that has one (Dropout, Flatten and
 * pooling pass values through unchanged; batch normalisation and anything else end the search). */
static FtActivation
output_activation (const FtModel *model)
{
  for (int i = ft_model_n_layers (model); i-- > 0;)
    {
      const FtLayerSpec *l = ft_model_layer_spec (model, i);
      if (ft_kind_find_param (ft_layer_kind_info (l->kind), "activation") != NULL)
        return l->activation;
      if (l->kind != FT_LAYER_DROPOUT && l->kind != FT_LAYER_FLATTEN)
        return FT_ACT_LINEAR;
    }
  return FT_ACT_LINEAR;
}

FtInspectModel *
ft_inspect_model_new (const FtExperiment *exp, const FtDataset *train, const float *weights, size_t n,
                      GError **error)
{
  g_return_val_if_fail (exp != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  FtTrainer *trainer = ft_experiment_build_trainer (exp, train, error);
  if (trainer == NULL)
    return NULL;
  FtModel *model = ft_trainer_model (trainer);

  int nd, shape[FT_MAX_DIMS];
  ft_model_output_shape (model, &nd, shape);
  if (nd != 1 || shape[0] < 1)
    {
      char text[64];
      ft_shape_format (nd, shape, text, sizeof text);
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the model's output has shape %s; a classifier needs one output per class", text);
      ft_trainer_free (trainer);
      return NULL;
    }

  FtInspectModel *m = g_new0 (FtInspectModel, 1);
  m->trainer = trainer;
  m->n_params = ft_model_n_params (model);
  m->n_outputs = (size_t) shape[0];
  m->n_classes = m->n_outputs == 1 ? 2 : shape[0];
  m->n_inputs = ft_trainer_sample_size (trainer);

  const FtLossSpec *loss = &ft_trainer_compile_spec (trainer)->loss;
  FtActivation act = output_activation (model);
  if (act == FT_ACT_SOFTMAX || act == FT_ACT_SIGMOID || !loss->from_logits)
    m->kind = OUT_PROBABILITIES;
  else if (m->n_outputs == 1 || loss->kind == FT_LOSS_BINARY_CROSSENTROPY)
    m->kind = OUT_SIGMOID;
  else
    m->kind = OUT_SOFTMAX;

  m->out = g_new (float, INSPECT_BATCH * m->n_outputs);
  m->probs = g_new (float, (size_t) m->n_classes);
  m->classes = g_new (int, INSPECT_BATCH);

  if (weights != NULL && !ft_inspect_model_set_weights (m, weights, n, error))
    {
      ft_inspect_model_free (m);
      return NULL;
    }
  return m;
}

void
ft_inspect_model_free (FtInspectModel *m)
{
  if (m == NULL)
    return;
  ft_trainer_free (m->trainer);
  g_free (m->out);
  g_free (m->probs);
  g_free (m->classes);
  g_free (m);
}

bool
ft_inspect_model_set_weights (FtInspectModel *m, const float *weights, size_t n, GError **error)
{
  g_return_val_if_fail (m != NULL, false);
  if (n != m->n_params || weights == NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "got %zu weights for a model with %zu parameters", n,
                   m->n_params);
      return false;
    }
  ft_model_set_weights (ft_trainer_model (m->trainer), weights);
  return true;
}

size_t
ft_inspect_model_n_params (const FtInspectModel *m)
{
  return m->n_params;
}

size_t
ft_inspect_model_n_inputs (const FtInspectModel *m)
{
  return m->n_inputs;
}

unsigned
ft_inspect_model_features (const FtInspectModel *m)
{
  return ft_trainer_features (m->trainer);
}

int
ft_inspect_model_n_classes (const FtInspectModel *m)
{
  return m->n_classes;
}

/* One sample's outputs → its class, the class' probability and every class' probability (p). Non-finite
 * outputs (a diverged model) give class 0 and equal probabilities. */
static void
interpret (const FtInspectModel *m, const float *out, float *p, int *cls, float *conf)
{
  int k = m->n_classes;
  bool finite = true;
  if (m->n_outputs == 1)
    {
      float v = out[0];
      float p1 = m->kind == OUT_SIGMOID ? 1.0f / (1.0f + expf (-v)) : fminf (fmaxf (v, 0.0f), 1.0f);
      finite = isfinite (v);
      p[0] = 1.0f - p1;
      p[1] = p1;
      *cls = p1 > 0.5f ? 1 : 0;
    }
  else
    {
      int best = 0;
      for (int c = 0; c < k; c++)
        {
          if (!isfinite (out[c]))
            finite = false;
          if (out[c] > out[best])
            best = c;
        }
      *cls = best;
      double sum = 0;
      for (int c = 0; c < k; c++)
        {
          double v;
          switch (m->kind)
            {
            case OUT_SOFTMAX:
              v = exp ((double) out[c] - (double) out[best]);
              break;
            case OUT_SIGMOID:
              v = 1.0 / (1.0 + exp (-(double) out[c]));
              break;
            case OUT_PROBABILITIES:
            default:
              v = fmin (fmax ((double) out[c], 0.0), 1.0);
              break;
            }
          p[c] = (float) v;
          sum += v;
        }
      if (sum > 0)
        for (int c = 0; c < k; c++)
          p[c] = (float) (p[c] / sum);
      else
        finite = false;
    }
  if (!finite)
    {
      for (int c = 0; c < k; c++)
        p[c] = 1.0f / (float) k;
      *cls = 0;
    }
  *conf = p[*cls];
}

/* Subnormals flushed to zero while predicting, as in the trainer's steps, so that a worker thread predicts
 * what the training thread would; the thread's own setting is restored afterwards (workers are often
 * pool threads that run other code too). */
static unsigned
flush_begin (void)
{
#if defined(__x86_64__) || defined(__i386__)
  unsigned csr = _mm_getcsr ();
  ft_cpu_flush_denormals ();
  return csr;
#else
  return 0;
#endif
}

static void
flush_end (unsigned csr)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr (csr);
#else
  (void) csr;
#endif
}

/* Predicts samples m->idx[0..n) of ds (indices already checked). */
static void
predict_batch (FtInspectModel *m, const FtDataset *ds, uint32_t n, int *classes, float *confidence,
               float *probs)
{
  ft_trainer_predict_batch (m->trainer, ds, m->idx, n, m->out);
  for (uint32_t i = 0; i < n; i++)
    {
      float *p = probs != NULL ? probs + (size_t) i * (size_t) m->n_classes : m->probs;
      int cls;
      float conf;
      interpret (m, m->out + (size_t) i * m->n_outputs, p, &cls, &conf);
      if (classes != NULL)
        classes[i] = cls;
      if (confidence != NULL)
        confidence[i] = conf;
    }
}

static bool
check_samples (const FtInspectModel *m, const FtDataset *ds, GError **error)
{
  if (ds->sample_size != m->n_inputs)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s has %zu values per sample but the model takes %zu",
                   ds->name != NULL ? ds->name : "the data", ds->sample_size, m->n_inputs);
      return false;
    }
  if (ds->labels == NULL || (ds->features == NULL && ds->pixels == NULL))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s has no samples",
                   ds->name != NULL ? ds->name : "the data");
      return false;
    }
  return true;
}

bool
ft_inspect_model_classify (FtInspectModel *m, const FtDataset *ds, const uint32_t *idx, uint32_t n,
                           int *classes, float *confidence, float *probs, GError **error)
{
  g_return_val_if_fail (m != NULL && ds != NULL, false);
  if (n == 0)
    return true;
  if (!check_samples (m, ds, error))
    return false;
  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t j = idx != NULL ? idx[i] : i;
      if (j >= ds->n)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "sample %u is out of range (%u samples)", j, ds->n);
          return false;
        }
    }
  size_t k = (size_t) m->n_classes;
  unsigned csr = flush_begin ();
  for (uint32_t start = 0; start < n; start += INSPECT_BATCH)
    {
      uint32_t nb = MIN (n - start, INSPECT_BATCH);
      for (uint32_t i = 0; i < nb; i++)
        m->idx[i] = idx != NULL ? idx[start + i] : start + i;
      predict_batch (m, ds, nb, classes != NULL ? classes + start : NULL,
                     confidence != NULL ? confidence + start : NULL,
                     probs != NULL ? probs + start * k : NULL);
    }
  flush_end (csr);
  return true;
}

void
ft_inspect_model_forward_layers (FtInspectModel *m, const float *x, uint32_t n, FtLayerOutputFunc func,
                                 void *user_data)
{
  g_return_if_fail (m != NULL && func != NULL && (x != NULL || n == 0));
  FtModel *model = ft_trainer_model (m->trainer);
  FtTape *tape = ft_trainer_tape (m->trainer);
  int n_layers = ft_model_n_layers (model), n_weights = ft_model_n_weights (model);
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (model, &nd, shape + 1);
  float *buf = g_new (float, (size_t) INSPECT_BATCH * m->n_inputs);
  unsigned features = ft_trainer_features (m->trainer);
  float *fbuf = features != 0 ? g_new (float, (size_t) INSPECT_BATCH *(size_t) ft_features_count (features))
                              : NULL;
  unsigned csr = flush_begin ();
  for (uint32_t start = 0; start < n; start += INSPECT_BATCH)
    {
      uint32_t nb = MIN (n - start, INSPECT_BATCH);
      memcpy (buf, x + (size_t) start * m->n_inputs, (size_t) nb * m->n_inputs * sizeof (float));
      shape[0] = (int) nb;
      FtTensor in;
      if (features != 0) /* the trainer's preprocessing step, as in its batches */
        ft_features_apply (features, buf, nb, fbuf);
      ft_tensor_init_view (&in, features != 0 ? fbuf : buf, nd + 1, shape);
      ft_tape_reset (tape);
      ft_tape_stop_recording (tape);
      FtTensor *t = &in;
      int w = 0;
      for (int l = 0; l < n_layers && t != NULL; l++)
        {
          FtTensor *weights[FT_LAYER_MAX_WEIGHTS] = { NULL };
          int k = 0;
          for (; w < n_weights && ft_model_weight_layer (model, w) == l; w++)
            if (k < FT_LAYER_MAX_WEIGHTS)
              weights[k++] = ft_model_weight (model, w);
          t = ft_layer_call (ft_model_layer_spec (model, l), tape, t, weights, false,
                             ft_model_dropout_rng (model));
          if (t != NULL)
            func (l, start, nb, t->data, t->size / nb, user_data);
        }
    }
  flush_end (csr);
  g_free (buf);
  g_free (fbuf);
}

const FtModel *
ft_inspect_model_get_model (const FtInspectModel *m)
{
  return ft_trainer_model (m->trainer);
}

/* ---- decision regions ---- */

FtDecisionGrid *
ft_decision_grid (FtInspectModel *m, double xmin, double xmax, double ymin, double ymax, int nx, int ny,
                  GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (m->n_inputs != 2)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "decision regions need a model with two inputs; this one takes %zu", m->n_inputs);
      return NULL;
    }
  if (nx < 1 || ny < 1 || nx > FT_DECISION_GRID_MAX || ny > FT_DECISION_GRID_MAX)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "a decision grid of %d × %d cells (1 to %d per axis)",
                   nx, ny, FT_DECISION_GRID_MAX);
      return NULL;
    }
  if (!(xmin < xmax) || !(ymin < ymax) || !isfinite (xmax - xmin) || !isfinite (ymax - ymin))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "an empty decision grid range [%g, %g] × [%g, %g]",
                   xmin, xmax, ymin, ymax);
      return NULL;
    }

  size_t cells = (size_t) nx * (size_t) ny;
  FtDecisionGrid *g = g_new0 (FtDecisionGrid, 1);
  g->nx = nx;
  g->ny = ny;
  g->xmin = xmin;
  g->xmax = xmax;
  g->ymin = ymin;
  g->ymax = ymax;
  g->n_classes = m->n_classes;
  g->p1 = g_new (float, cells);
  g->classes = g_new (int, cells);
  g->confidence = g_new (float, cells);

  /* A dataset of one batch of grid points, refilled batch after batch. */
  float features[INSPECT_BATCH * 2];
  float labels[INSPECT_BATCH] = { 0 };
  FtDataset points = {
    .name = (char *) "decision grid",
    .n = INSPECT_BATCH,
    .ndim = 1,
    .shape = { 2 },
    .sample_size = 2,
    .features = features,
    .labels = labels,
    .n_classes = m->n_classes,
  };
  float *probs = g_new (float, INSPECT_BATCH *(size_t) m->n_classes);
  double dx = (xmax - xmin) / nx, dy = (ymax - ymin) / ny;
  unsigned csr = flush_begin ();
  for (size_t start = 0; start < cells; start += INSPECT_BATCH)
    {
      uint32_t nb = (uint32_t) MIN (cells - start, (size_t) INSPECT_BATCH);
      for (uint32_t i = 0; i < nb; i++)
        {
          size_t cell = start + i;
          int col = (int) (cell % (size_t) nx), row = (int) (cell / (size_t) nx);
          features[2 * i] = (float) (xmin + (col + 0.5) * dx);
          features[2 * i + 1] = (float) (ymax - (row + 0.5) * dy);
          m->idx[i] = i;
        }
      predict_batch (m, &points, nb, g->classes + start, g->confidence + start, probs);
      for (uint32_t i = 0; i < nb; i++)
        g->p1[start + i] = probs[(size_t) i * (size_t) m->n_classes + 1];
    }
  flush_end (csr);
  g_free (probs);
  return g;
}

void
ft_decision_grid_free (FtDecisionGrid *g)
{
  if (g == NULL)
    return;
  g_free (g->p1);
  g_free (g->classes);
  g_free (g->confidence);
  g_free (g);
}

/* ---- confusion matrix ---- */

bool
ft_confusion_matrix (FtInspectModel *m, const FtDataset *test, int *matrix, uint32_t *misclassified,
                     int max_mis, int *n_mis, GError **error)
{
  g_return_val_if_fail (m != NULL && test != NULL && matrix != NULL, false);
  g_return_val_if_fail (max_mis <= 0 || misclassified != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  int k = m->n_classes;
  if (n_mis != NULL)
    *n_mis = 0;
  if (!check_samples (m, test, error))
    return false;
  for (uint32_t i = 0; i < test->n; i++)
    {
      float label = test->labels[i];
      if (!(label >= 0 && label < (float) k) || label != floorf (label))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "sample %u of %s has label %g but the model predicts only %d classes", i,
                       test->name != NULL ? test->name : "the test data", (double) label, k);
          return false;
        }
    }
  memset (matrix, 0, (size_t) k * (size_t) k * sizeof (int));
  int stored = 0;
  unsigned csr = flush_begin ();
  for (uint32_t start = 0; start < test->n; start += INSPECT_BATCH)
    {
      uint32_t nb = MIN (test->n - start, INSPECT_BATCH);
      for (uint32_t i = 0; i < nb; i++)
        m->idx[i] = start + i;
      predict_batch (m, test, nb, m->classes, NULL, NULL);
      for (uint32_t i = 0; i < nb; i++)
        {
          int truth = (int) test->labels[start + i], pred = m->classes[i];
          matrix[truth * k + pred]++;
          if (truth != pred && stored < max_mis)
            misclassified[stored++] = start + i;
        }
    }
  flush_end (csr);
  if (n_mis != NULL)
    *n_mis = stored;
  return true;
}
