/* ft-view-worker.c — a view's computation off the main loop (see ft-view-worker.h). */
#include "views/ft-view-worker.h"

typedef struct
{
  gpointer job;
  GDestroyNotify job_free;
  FtViewWorkFunc work;
  FtViewDoneFunc done;
} Task;

static void
task_free (Task *t)
{
  if (t->job_free != NULL)
    t->job_free (t->job);
  g_free (t);
}

static void
worker_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Task *t = task_data;
  if (g_task_return_error_if_cancelled (task))
    return;
  t->work (t->job, cancellable);
  g_task_return_boolean (task, TRUE);
}

static void
worker_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Task *t = g_task_get_task_data (G_TASK (result));
  gboolean completed = g_task_propagate_boolean (G_TASK (result), NULL);
  t->done (user_data, t->job, completed);
  g_object_unref (user_data); /* the reference ft_view_worker_run took */
}

void
ft_view_worker_run (gpointer view, GCancellable *cancellable, const char *name, gpointer job,
                    GDestroyNotify job_free, FtViewWorkFunc work, FtViewDoneFunc done)
{
  g_return_if_fail (G_IS_OBJECT (view) && work != NULL && done != NULL);
  Task *t = g_new (Task, 1);
  *t = (Task){ .job = job, .job_free = job_free, .work = work, .done = done };
  GTask *task = g_task_new (NULL, cancellable, worker_done, g_object_ref (view));
  g_task_set_source_tag (task, ft_view_worker_run);
  g_task_set_name (task, name);
  g_task_set_task_data (task, t, (GDestroyNotify) task_free);
  g_task_run_in_thread (task, worker_thread);
  g_object_unref (task);
}
