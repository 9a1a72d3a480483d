/* ft-experiment-build.c — what an experiment builds: its training and test data, and the compiled model
 * with its trainer (ft_experiment_load_data, ft_experiment_build_trainer). */
#include "experiment/ft-experiment.h"

#include "core/ft-error.h"
#include "experiment/ft-data-seed.h"
#include "nn/ft-model-budget.h"

#include <string.h>

/* Maps the test set's classes onto the training set's by name (the CSV loader numbers string classes
 * in order of first appearance, which differs between files). */
static bool
align_classes (const FtDataset *train, FtDataset *test, GError **error)
{
  if (train->class_names == NULL || test->class_names == NULL)
    return true;
  int *map = g_new (int, MAX (test->n_classes, 1));
  bool identical = test->n_classes <= train->n_classes;
  for (int c = 0; c < test->n_classes; c++)
    {
      map[c] = -1;
      for (int t = 0; t < train->n_classes; t++)
        if (g_strcmp0 (test->class_names[c], train->class_names[t]) == 0)
          map[c] = t;
      if (map[c] < 0)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "%s: class \"%s\" does not occur in the training data (%s)", test->name,
                       test->class_names[c], train->name);
          g_free (map);
          return false;
        }
      if (map[c] != c)
        identical = false;
    }
  if (!identical || test->n_classes != train->n_classes)
    {
      for (uint32_t i = 0; i < test->n; i++)
        test->labels[i] = (float) map[(int) test->labels[i]];
      g_strfreev (test->class_names);
      test->class_names = g_strdupv (train->class_names);
      test->n_classes = train->n_classes;
    }
  g_free (map);
  return true;
}

/* The IDX directory's training files and, where there are any, its test files ("t10k"). */
static bool
load_idx_pair (const FtDataSpec *d, FtDataset **tr, FtDataset **te, GError **error)
{
  const char *dir = d->path[0] != '\0' ? d->path : FT_FASHION_MNIST_DIR;
  *tr = ft_dataset_load_idx (dir, "train", error);
  if (*tr == NULL)
    return false;
  GError *local = NULL;
  *te = ft_dataset_load_idx (dir, "t10k", &local);
  if (*te != NULL)
    return true;
  /* A directory of one's own may have no test files; Debian's Fashion-MNIST must. */
  if (d->path[0] != '\0' && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_error_free (local);
      return true;
    }
  g_propagate_error (error, local);
  g_clear_pointer (tr, ft_dataset_free);
  return false;
}

/* The CSV file and, when the experiment names one, its test file with the same classes. */
static bool
load_csv_pair (const FtDataSpec *d, FtDataset **tr, FtDataset **te, GError **error)
{
  *tr = ft_dataset_load_csv (d->path, d->label_column, error);
  if (*tr == NULL)
    return false;
  if (d->test_path[0] == '\0')
    return true;
  *te = ft_dataset_load_csv (d->test_path, d->label_column, error);
  if (*te != NULL && align_classes (*tr, *te, error))
    return true;
  g_clear_pointer (te, ft_dataset_free);
  g_clear_pointer (tr, ft_dataset_free);
  return false;
}

/* The data the experiment's source gives, as read or generated: a training set, and a test set or NULL. */
static bool
load_source (const FtExperiment *e, FtDataset **tr, FtDataset **te, GError **error)
{
  const FtDataSpec *d = &e->data;
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      *tr = ft_dataset_playground (d->playground, d->samples, d->noise, ft_experiment_data_seed (e));
      if (*tr == NULL)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.dataset: cannot generate %u %s samples",
                       d->samples, ft_playground_name (d->playground));
          return false;
        }
      if (d->test_samples > 0)
        *te = ft_dataset_playground (d->playground, d->test_samples, d->noise,
                                     ft_experiment_data_seed (e) + 1);
      return true;
    case FT_DATA_IDX:
      return load_idx_pair (d, tr, te, error);
    case FT_DATA_CSV:
      return load_csv_pair (d, tr, te, error);
    }
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.dataset: unknown data source %d", (int) d->source);
  return false;
}

bool
ft_experiment_load_data (const FtExperiment *e, FtDataset **train, FtDataset **test, GError **error)
{
  g_return_val_if_fail (e != NULL && train != NULL && test != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  *train = NULL;
  *test = NULL;
  const FtDataSpec *d = &e->data;
  FtDataset *tr = NULL, *te = NULL;
  if (!load_source (e, &tr, &te, error))
    return false;
  if (d->n_points > 0)
    {
      FtDataset *edited = ft_dataset_apply_point_edits (tr, d->points, d->n_points, error);
      if (edited == NULL)
        {
          g_prefix_error (error, "$.dataset.points: ");
          ft_dataset_free (tr);
          ft_dataset_free (te);
          return false;
        }
      ft_dataset_free (tr);
      tr = edited;
    }
  if (d->limit > 0 && d->limit < tr->n)
    {
      FtDataset *cut = ft_dataset_slice (tr, 0, d->limit);
      ft_dataset_free (tr);
      tr = cut;
    }
  *train = tr;
  *test = te;
  return true;
}

/* The model's input shape: the features' count, the experiment's input_shape, or the data's. */
static bool
input_shape_of (const FtExperiment *e, const FtDataset *train, int *ndim, int *shape, GError **error)
{
  if (e->data.features != 0)
    {
      /* The features are the model's inputs. */
      *ndim = 1;
      shape[0] = ft_features_count (e->data.features);
    }
  else if (e->input_ndim > 0)
    {
      *ndim = MIN (e->input_ndim, 3);
      memcpy (shape, e->input_shape, (size_t) *ndim * sizeof (int));
    }
  else if (train != NULL)
    {
      *ndim = MIN (train->ndim, 3);
      memcpy (shape, train->shape, (size_t) *ndim * sizeof (int));
    }
  else
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "$.model.input_shape: needed to build the model before the data is loaded");
      return false;
    }
  return true;
}

/* Shape inference layer by layer first, so that an error names the layer by its place in the file and
 * by the name Keras would give it. */
static bool
check_layers (const FtExperiment *e, int ndim, const int *shape, GError **error)
{
  if (e->n_layers < 1 || e->layers == NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.model.layers: expected at least one layer");
      return false;
    }
  int nd = ndim;
  int cur[FT_MAX_DIMS], next[FT_MAX_DIMS];
  memcpy (cur, shape, sizeof cur);
  int seen[FT_N_LAYER_KINDS] = { 0 };
  for (int i = 0; i < e->n_layers; i++)
    {
      const FtLayerSpec *l = &e->layers[i];
      int out_nd = 0, n_weights = 0;
      FtWeightSpec weights[FT_LAYER_MAX_WEIGHTS];
      GError *local = NULL;
      int k = (unsigned) l->kind < FT_N_LAYER_KINDS ? l->kind : 0;
      char name[64];
      if (seen[k] == 0)
        g_snprintf (name, sizeof name, "%s", ft_layer_kind_base_name (l->kind));
      else
        g_snprintf (name, sizeof name, "%s_%d", ft_layer_kind_base_name (l->kind), seen[k]);
      seen[k]++;
      if (!ft_layer_infer (l, nd, cur, &out_nd, next, &n_weights, weights, &local))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "$.model.layers[%d] (%s): %s", i, name,
                       local->message);
          g_error_free (local);
          return false;
        }
      nd = out_nd;
      memcpy (cur, next, sizeof cur);
    }
  return true;
}

FtTrainer *
ft_experiment_build_trainer (const FtExperiment *e, const FtDataset *train, GError **error)
{
  g_return_val_if_fail (e != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  int ndim;
  int shape[FT_MAX_DIMS] = { 0 };
  if (!input_shape_of (e, train, &ndim, shape, error) || !check_layers (e, ndim, shape, error))
    return NULL;

  FtModel *model = ft_model_new (ndim, shape);
  for (int i = 0; i < e->n_layers; i++)
    ft_model_add (model, &e->layers[i]);
  /* The memory budget at the batch size, with room for three optimizer slots (Adam with amsgrad). */
  if (!ft_model_budget_check (model, e->fit.batch_size, 3, error) || !ft_model_build (model, e->seed, error))
    {
      g_prefix_error (error, "$.model: ");
      ft_model_free (model);
      return NULL;
    }
  /* ft_trainer_new takes the model only when it succeeds. */
  FtTrainer *trainer = ft_trainer_new (model, &e->compile, e->seed, error);
  if (trainer == NULL)
    {
      g_prefix_error (error, "$.compile: ");
      ft_model_free (model);
      return NULL;
    }
  ft_trainer_set_features (trainer, e->data.features);
  /* The data must fit the model: its sample size the input (a given input_shape's fault), its classes
   * the last layer (that layer's fault). */
  if (train != NULL && !ft_trainer_check_dataset (trainer, train, "training", error))
    {
      if (e->data.features != 0 && train->sample_size != 2)
        g_prefix_error (error, "$.dataset.features: ");
      else if (e->data.features == 0 && ft_shape_size (ndim, shape) != train->sample_size)
        g_prefix_error (error, "$.model.input_shape: ");
      else
        g_prefix_error (error, "$.model.layers[%d]: ", e->n_layers - 1);
      ft_trainer_free (trainer);
      return NULL;
    }
  return trainer;
}
