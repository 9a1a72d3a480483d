/* ft-view-model-job.h — the model side of a view's computation (the decision and network views): the
 * weights a job computes for and the inspection model the view keeps between computations, lent to the
 * job while it runs in the worker (see ft-view-worker.h) and handed back when the view takes its result. */
#pragma once

#include "experiment/ft-inspect.h"

#include <glib.h>
#include <stdbool.h>

typedef struct
{
  gpointer data;  /* the view's data for the job (a reference on its g_atomic_rc_box) */
  float *weights; /* NULL: the weights the experiment's seed gives */
  size_t n;
  FtInspectModel *model; /* the view's, NULL when it had none: then built in the worker */
} FtViewModelJob;

/* On the main loop, when the job starts: a reference on the view's data (a g_atomic_rc_box), and the view's
 * pending weights and its kept model move into job (the view's pointers become NULL). */
void ft_view_model_job_take (FtViewModelJob *job, gpointer view_data, float **pending, size_t n_pending,
                             FtInspectModel **model);

/* In the worker: job's model with job's weights, built for exp and train when there is none (or for the
 * seed's weights), else given the weights. false with error set when that fails. */
bool ft_view_model_job_prepare (FtViewModelJob *job, const FtExperiment *exp, const FtDataset *train,
                                GError **error);

/* On the main loop, when the job is done: whether its result is current (it completed, for the data the
 * view still shows: a result for data since replaced, cleared or a disposed view is dropped); then the model
 * goes back to the view unless it has one. */
bool ft_view_model_job_finish (FtViewModelJob *job, gboolean completed, gconstpointer view_data,
                               FtInspectModel **model);

/* Frees what the job still holds (any thread); data_unref drops the data's reference. */
void ft_view_model_job_clear (FtViewModelJob *job, GDestroyNotify data_unref);
