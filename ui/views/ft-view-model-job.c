/* ft-view-model-job.c — the model side of a view's computation (see ft-view-model-job.h). */
#include "views/ft-view-model-job.h"

void
ft_view_model_job_take (FtViewModelJob *job, gpointer view_data, float **pending, size_t n_pending,
                        FtInspectModel **model)
{
  job->data = g_atomic_rc_box_acquire (view_data);
  job->weights = g_steal_pointer (pending);
  job->n = n_pending;
  job->model = g_steal_pointer (model);
}

bool
ft_view_model_job_prepare (FtViewModelJob *job, const FtExperiment *exp, const FtDataset *train,
                           GError **error)
{
  if (job->model != NULL && job->weights != NULL)
    return ft_inspect_model_set_weights (job->model, job->weights, job->n, error);
  ft_inspect_model_free (job->model);
  job->model = ft_inspect_model_new (exp, train, job->weights, job->n, error);
  return job->model != NULL;
}

bool
ft_view_model_job_finish (FtViewModelJob *job, gboolean completed, gconstpointer view_data,
                          FtInspectModel **model)
{
  bool current = completed && view_data != NULL && job->data == view_data;
  if (current && *model == NULL)
    *model = g_steal_pointer (&job->model);
  return current;
}

void
ft_view_model_job_clear (FtViewModelJob *job, GDestroyNotify data_unref)
{
  g_clear_pointer (&job->data, data_unref);
  g_clear_pointer (&job->weights, g_free);
  g_clear_pointer (&job->model, ft_inspect_model_free);
}
