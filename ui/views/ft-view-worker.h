/* ft-view-worker.h — a view's computation off the main loop, as the decision, confusion and network views
 * do it: work (job) runs in a worker thread on the job's own copy of what it needs (a snapshot of the
 * weights, the data), then done (view, job, completed) runs on the main loop, where the view takes the
 * result if it is still current. The view is kept alive by a reference that is dropped on the main thread
 * after done (as the task's source object it could be finalized with the task, in the worker thread); a
 * job cancelled before it started is done with completed FALSE. The job is freed after done returns, in
 * whichever thread lets the task go last (job_free must not need the main loop). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (*FtViewWorkFunc) (gpointer job, GCancellable *cancellable);
typedef void (*FtViewDoneFunc) (gpointer view, gpointer job, gboolean completed);

/* name: the task's name for debuggers ("decision regions"). */
void ft_view_worker_run (gpointer view, GCancellable *cancellable, const char *name, gpointer job,
                         GDestroyNotify job_free, FtViewWorkFunc work, FtViewDoneFunc done);

G_END_DECLS
