/* ft-network-view-job.c — the network view's maps computed off the main loop: the data a computation works
 * on, a worker task per computation (neuron maps and the prediction grid from the engine), at most
 * FT_NETWORK_VIEW_MAX_RATE a second and only while the view is seen. See ft-network-view.h. */
#include "views/ft-network-view-private.h"
#include "views/ft-view-model-job.h"
#include "views/ft-view-worker.h"

#include <math.h>

static void start_job (FtNetworkView *self);

static void
view_data_clear (ViewData *d)
{
  ft_experiment_free (d->exp);
  if (d->train_owner_free != NULL)
    d->train_owner_free (d->train_owner);
  else
    ft_dataset_free (d->train);
}

void
ft_network_view_data_unref (ViewData *d)
{
  if (d != NULL)
    g_atomic_rc_box_release_full (d, (GDestroyNotify) view_data_clear);
}

static void
job_free (Job *job)
{
  ft_view_model_job_clear (&job->in, (GDestroyNotify) ft_network_view_data_unref);
  ft_neuron_maps_free (job->maps);
  ft_decision_grid_free (job->grid);
  g_free (job->error);
  g_free (job);
}

/* ---- computing ---- */

static void
job_work (gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  const ViewData *d = job->in.data;
  GError *error = NULL;
  bool ok = ft_view_model_job_prepare (&job->in, d->exp, d->train, &error);
  bool two_d = d->two_d && ok && ft_inspect_model_n_inputs (job->in.model) == 2;
  if (ok)
    job->maps = ft_neuron_maps_compute (job->in.model, d->train, d->lo[0], d->hi[0], d->lo[1], d->hi[1],
                                        two_d ? FT_NETWORK_VIEW_GRID : 0, two_d ? FT_NETWORK_VIEW_GRID : 0,
                                        &error);
  if (job->maps != NULL && two_d)
    job->grid = ft_decision_grid (job->in.model, d->lo[0], d->hi[0], d->lo[1], d->hi[1],
                                  FT_NETWORK_VIEW_OUTPUT_GRID, FT_NETWORK_VIEW_OUTPUT_GRID,
                                  NULL); /* none for a non-classifier */
  if (error != NULL)
    {
      job->error = g_strdup (error->message);
      g_error_free (error);
    }
}

static void job_done (gpointer view, gpointer data, gboolean done);

static gboolean
delayed_start (gpointer user_data)
{
  FtNetworkView *self = user_data;
  self->delay_source = 0;
  if (!self->running && (self->pending != NULL || self->pending_fresh) && self->data != NULL)
    start_job (self);
  return G_SOURCE_REMOVE;
}

/* Starts now, or when the rate allows. */
void
ft_network_view_schedule (FtNetworkView *self)
{
  /* Nothing is computed for a view nobody sees (another page of the window): the latest weights wait. */
  if (self->running || self->delay_source != 0 || self->data == NULL
      || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  gint64 wait = self->last_start + G_USEC_PER_SEC / FT_NETWORK_VIEW_MAX_RATE - g_get_monotonic_time ();
  if (wait <= 0)
    start_job (self);
  else
    self->delay_source = g_timeout_add ((guint) (wait / 1000) + 1, delayed_start, self);
}

static void
start_job (FtNetworkView *self)
{
  Job *job = g_new0 (Job, 1);
  ft_view_model_job_take (&job->in, self->data, &self->pending, self->n_pending, &self->model);
  self->pending_fresh = FALSE;
  self->running = TRUE;
  self->last_start = g_get_monotonic_time ();
  ft_view_worker_run (self, self->cancellable, "neuron maps", job, (GDestroyNotify) job_free, job_work,
                      job_done);
}

static void
job_done (gpointer view, gpointer data, gboolean done)
{
  FtNetworkView *self = view;
  Job *job = data;
  self->running = FALSE;
  gboolean current = ft_view_model_job_finish (&job->in, done, self->data, &self->model);
  if (current)
    {
      g_clear_pointer (&self->error, g_free);
      if (job->maps != NULL)
        {
          ft_neuron_maps_free (self->maps);
          self->maps = g_steal_pointer (&job->maps);
          self->maps_current = TRUE;
          ft_decision_grid_free (self->grid);
          self->grid = g_steal_pointer (&job->grid);
          ft_network_view_clear_images (self);
          if (self->hover.kind != TARGET_NONE && self->hover.column >= self->maps->n_columns)
            self->hover.kind = TARGET_NONE;
        }
      else
        self->error = g_steal_pointer (&job->error);
      ft_network_view_update_texts (self);
      gtk_widget_queue_draw (self->canvas);
    }
  if ((self->pending != NULL || self->pending_fresh) && self->data != NULL)
    ft_network_view_schedule (self);
  if (current)
    g_signal_emit (self, ft_network_view_signals[SIGNAL_COMPUTED], 0);
}

/* A new ViewData for exp and train (train may be NULL). */
ViewData *
ft_network_view_data_new (const FtExperiment *exp, const FtDataset *train)
{
  return ft_network_view_data_new_shared (exp, train, NULL, NULL);
}

ViewData *
ft_network_view_data_new_shared (const FtExperiment *exp, const FtDataset *train, gpointer owner,
                                 GDestroyNotify owner_free)
{
  ViewData *d = g_atomic_rc_box_new0 (ViewData);
  d->exp = ft_experiment_copy (exp);
  d->train_owner = owner;
  d->train_owner_free = owner_free;
  if (train != NULL && owner_free != NULL)
    d->train = (FtDataset *) train; /* borrowed, never changed: a point edit makes a new dataset */
  else if (train != NULL)
    {
      d->train = ft_dataset_slice (train, 0, train->n);
      g_free (d->train->name);
      d->train->name = g_strdup (train->name);
    }
  d->two_d = train != NULL ? train->features != NULL && train->sample_size == 2 && train->n > 0
                           : exp->input_ndim == 1 && exp->input_shape[0] == 2;
  for (int a = 0; a < 2; a++)
    {
      d->lo[a] = -6;
      d->hi[a] = 6;
      if (exp->data.source == FT_DATA_PLAYGROUND || !d->two_d || train == NULL)
        continue;
      /* Other 2-D data: their range, padded by a tenth. */
      double mn = INFINITY, mx = -INFINITY;
      for (uint32_t i = 0; i < MIN (train->n, (uint32_t) MAX_POINTS); i++)
        {
          double v = train->features[(size_t) i * 2 + (size_t) a];
          if (isfinite (v))
            mn = fmin (mn, v), mx = fmax (mx, v);
        }
      if (!(mx > mn))
        mn = isfinite (mn) ? mn - 1 : -1, mx = isfinite (mx) ? mx + 1 : 1;
      d->lo[a] = mn - 0.1 * (mx - mn);
      d->hi[a] = mx + 0.1 * (mx - mn);
    }
  return d;
}
