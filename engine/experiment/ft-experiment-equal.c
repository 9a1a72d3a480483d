/* ft-experiment-equal.c — whether two experiments are the same, field by field (ft_experiment_equal). */
#include "experiment/ft-experiment.h"

#include <string.h>

#define EQ(f)                                                                                                \
  do                                                                                                         \
    {                                                                                                        \
      if (a->f != b->f)                                                                                      \
        return false;                                                                                        \
    }                                                                                                        \
  while (0)
#define EQ_STR(f)                                                                                            \
  do                                                                                                         \
    {                                                                                                        \
      if (g_strcmp0 (a->f, b->f) != 0)                                                                       \
        return false;                                                                                        \
    }                                                                                                        \
  while (0)

static bool
layer_equal (const FtLayerSpec *a, const FtLayerSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_layer_kind_info (a->kind), a, b);
}

static bool
optimizer_equal (const FtOptimizerSpec *a, const FtOptimizerSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_optimizer_kind_info (a->kind), a, b);
}

static bool
callback_equal (const FtCallbackSpec *a, const FtCallbackSpec *b)
{
  return a->kind == b->kind && ft_params_equal (ft_callback_kind_info (a->kind), a, b);
}

static bool
data_equal (const FtDataSpec *a, const FtDataSpec *b)
{
  EQ (source);
  EQ (playground);
  EQ (samples);
  EQ (noise);
  EQ (test_samples);
  EQ_STR (path);
  EQ_STR (test_path);
  EQ_STR (label_column);
  EQ (limit);
  EQ (features);
  EQ (has_seed);
  if (a->has_seed)
    EQ (seed);
  EQ (n_points);
  for (uint32_t i = 0; i < a->n_points; i++)
    if (a->points[i].x != b->points[i].x || a->points[i].y != b->points[i].y
        || a->points[i].label != b->points[i].label)
      return false;
  return true;
}

static bool
fit_equal (const FtFitArgs *a, const FtFitArgs *b)
{
  EQ (batch_size);
  EQ (epochs);
  EQ (shuffle);
  EQ (validation_split);
  EQ (initial_epoch);
  EQ (validation_freq);
  EQ (steps_per_epoch);
  int na = a->class_weight != NULL ? a->n_class_weight : 0;
  int nb = b->class_weight != NULL ? b->n_class_weight : 0;
  if (na != nb)
    return false;
  for (int i = 0; i < na; i++)
    if (a->class_weight[i] != b->class_weight[i])
      return false;
  return true;
}

static bool
steps_equal (const FtLoopSteps *a, const FtLoopSteps *b)
{
  EQ (batching);
  EQ (shuffle);
  EQ (split);
  EQ (validate);
  EQ (reset_metrics);
  EQ (early_stopping);
  EQ (checkpoint);
  EQ (progress);
  for (int i = 0; i < FT_N_PITFALLS; i++)
    EQ (pitfalls.on[i]);
  return true;
}

bool
ft_experiment_equal (const FtExperiment *a, const FtExperiment *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, false);
  EQ_STR (title);
  EQ_STR (notes);
  guint ha = a->hide != NULL ? g_strv_length (a->hide) : 0;
  guint hb = b->hide != NULL ? g_strv_length (b->hide) : 0;
  if (ha != hb)
    return false;
  for (guint i = 0; i < ha; i++)
    if (strcmp (a->hide[i], b->hide[i]) != 0)
      return false;
  if (strcmp (a->view, b->view) != 0)
    return false;
  EQ (seed);
  if (!data_equal (&a->data, &b->data))
    return false;
  EQ (input_ndim);
  for (int i = 0; i < a->input_ndim && i < 3; i++)
    EQ (input_shape[i]);
  EQ (n_layers);
  for (int i = 0; i < a->n_layers; i++)
    if (!layer_equal (&a->layers[i], &b->layers[i]))
      return false;
  if (!optimizer_equal (&a->compile.optimizer, &b->compile.optimizer))
    return false;
  EQ (compile.loss.kind);
  if (!ft_params_equal (ft_loss_kind_info (a->compile.loss.kind), &a->compile.loss, &b->compile.loss))
    return false;
  EQ (compile.n_metrics);
  for (int i = 0; i < a->compile.n_metrics; i++)
    EQ_STR (compile.metrics[i]);
  EQ (compile.n_weighted_metrics);
  for (int i = 0; i < a->compile.n_weighted_metrics; i++)
    EQ_STR (compile.weighted_metrics[i]);
  EQ (mode);
  if (!fit_equal (&a->fit, &b->fit) || !steps_equal (&a->steps, &b->steps))
    return false;
  EQ (n_callbacks);
  for (int i = 0; i < a->n_callbacks; i++)
    if (!callback_equal (&a->callbacks[i], &b->callbacks[i]))
      return false;
  return true;
}

#undef EQ
#undef EQ_STR
