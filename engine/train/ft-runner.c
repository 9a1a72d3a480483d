/* ft-runner.c — a training job on its own thread (see ft-runner.h). The job runs fit() or the tape loop
 * with one extra observer callback that is the runner's control point: between batches it applies
 * commands, blocks while paused, and posts events to the caller's main context through a queue drained
 * by one idle source at a time. */
#include "train/ft-runner.h"

#include "core/ft-threads.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct FtRunner
{
  FtJob job;
  FtCallbackSpec *callback_specs;
  GMainContext *context;
  FtRunEventFunc func;
  void *user_data;
  GThread *thread;

  /* pthread primitives rather than GMutex/GCond: GLib implements those with raw futexes, which
   * ThreadSanitizer cannot see, and CI runs this code under ThreadSanitizer. */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool started;
  bool running;
  bool paused;
  atomic_bool stop;       /* written under lock (the waits' condition), read without it between batches */
  int batch_credit;       /* batches allowed while paused */
  bool until_epoch_end;   /* step-epoch in progress */
  int pause_after_epochs; /* 0 = never */
  bool lr_pending;
  float lr;
  GArray *weight_edits; /* WeightEdit, applied before the next batch */
  bool reg_pending;
  float reg_l1, reg_l2;
  int64_t step_index;   /* batches begun over the whole run: the step the next batch_begin is for */
  GArray *live_pending; /* LiveScheduled: live changes and the step they apply before */
  GArray *live_done;    /* FtLiveChangeRecord: the run's history of live changes */
  bool snapshot_requested;
  double pace;               /* batches per second, 0 = free */
  atomic_bool share_weights; /* read every batch without the lock: most runs share nothing */
  bool snapshot_every_epoch;
  int threads; /* the team's size: job.threads resolved */

  GQueue events;    /* FtRunEvent*, guarded by lock */
  GSource *source;  /* wakes the receiver's main context (ready time 0) when events wait; made once */
  FtRunEvent *held; /* a batch-end event waiting for its turn (see post), guarded by lock */
  gint64 last_batch_post;
  /* Delivered events kept for reuse, so that posting one allocates nothing once training runs. Own
   * lock: events are made while the runner's lock is held and while it is not. */
  pthread_mutex_t spare_lock;
  FtRunEvent *spare[8];
  int n_spare;

  /* Training-thread only. */
  bool share_resized;   /* a live change resized the model: the next batch-end event carries the weights */
  GArray *live_applied; /* FtLiveChangeRecord: applied under the lock, handed to job.live_applied after it */
  gint64 start_time;
  gint64 paused_time;
  gint64 last_batch_time;
  float *snapshot_weights;
  char last_checkpoint[512];
};

static const char *const event_names[] = {
  "train_begin", "epoch_begin", "batch_end", "epoch_end", "checkpoint_saved", "early_stop",
  "paused",      "snapshot",    "finished",  "stopped",   "failed",
};

const char *
ft_run_event_kind_name (FtRunEventKind kind)
{
  return (unsigned) kind < G_N_ELEMENTS (event_names) ? event_names[kind] : "?";
}

static void
snapshot_free (FtSnapshot *s)
{
  if (s == NULL)
    return;
  g_free (s->entries);
  g_free (s->variables);
  g_free (s);
}

static void
event_free (FtRunEvent *ev)
{
  g_free ((float *) ev->weights);
  g_free (ev->message);
  snapshot_free ((FtSnapshot *) ev->snapshot);
  g_free (ev);
}

/* A delivered event goes back to the spares (emptied), or is freed when there are enough. */
static void
event_release (FtRunner *r, FtRunEvent *ev)
{
  pthread_mutex_lock (&r->spare_lock);
  if (r->n_spare < (int) G_N_ELEMENTS (r->spare))
    {
      g_free ((float *) ev->weights);
      g_free (ev->message);
      snapshot_free ((FtSnapshot *) ev->snapshot);
      memset (ev, 0, sizeof *ev);
      r->spare[r->n_spare++] = ev;
      ev = NULL;
    }
  pthread_mutex_unlock (&r->spare_lock);
  if (ev != NULL)
    event_free (ev);
}

static gboolean
dispatch (gpointer data)
{
  FtRunner *r = data;
  GQueue local = G_QUEUE_INIT;
  pthread_mutex_lock (&r->lock);
  local = r->events;
  g_queue_init (&r->events);
  pthread_mutex_unlock (&r->lock);
  FtRunEvent *ev;
  while ((ev = g_queue_pop_head (&local)) != NULL)
    {
      r->func (ev, r->user_data);
      event_release (r, ev);
    }
  return G_SOURCE_CONTINUE;
}

/* The wake source: ready when queue_locked sets its ready time to 0; dispatching clears it first, so
 * an event queued while the receiver runs wakes it again. */
static gboolean
wake_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1);
  return callback (data);
}

static GSourceFuncs wake_funcs = { NULL, NULL, wake_dispatch, NULL, NULL, NULL };

/* Batch-end events wake the receiver at most this often: one per batch cost the training thread a
 * wake-up, an idle source and lock traffic per step (12 % of the MLP's step in CPU time); the window
 * draws at five a second and the CLI prints epochs. */
#define BATCH_EVENT_INTERVAL_US 10000

static void queue_locked (FtRunner *r, FtRunEvent *ev);

/* Queues an event (taking it). A batch-end event that comes too soon after the last one posted is held
 * back, merged with the next, and goes out before any other event and before the thread waits. */
static void
post (FtRunner *r, FtRunEvent *ev)
{
  pthread_mutex_lock (&r->lock);
  if (ev->kind == FT_RUN_EVENT_BATCH_END)
    {
      if (r->held != NULL)
        {
          ev->coalesced += r->held->coalesced;
          event_free (r->held);
          r->held = NULL;
        }
      gint64 now = g_get_monotonic_time ();
      if (now - r->last_batch_post < BATCH_EVENT_INTERVAL_US)
        {
          r->held = ev;
          pthread_mutex_unlock (&r->lock);
          return;
        }
      r->last_batch_post = now;
    }
  else if (r->held != NULL)
    {
      queue_locked (r, r->held);
      r->held = NULL;
    }
  queue_locked (r, ev);
  pthread_mutex_unlock (&r->lock);
}

/* Posts a held batch-end event now (before the training thread sleeps or waits). */
static void
post_held (FtRunner *r)
{
  pthread_mutex_lock (&r->lock);
  if (r->held != NULL)
    {
      r->last_batch_post = g_get_monotonic_time ();
      queue_locked (r, r->held);
      r->held = NULL;
    }
  pthread_mutex_unlock (&r->lock);
}

/* Appends to the queue, merging consecutive batch-end events not yet delivered. */
static void
queue_locked (FtRunner *r, FtRunEvent *ev)
{
  FtRunEvent *last = g_queue_peek_tail (&r->events);
  if (ev->kind == FT_RUN_EVENT_BATCH_END && last != NULL && last->kind == FT_RUN_EVENT_BATCH_END
      && last->weights == NULL) /* one that carries weights is delivered */
    {
      ev->coalesced += last->coalesced;
      event_free (g_queue_pop_tail (&r->events));
    }
  g_queue_push_tail (&r->events, ev);
  g_source_set_ready_time (r->source, 0);
}

static double
elapsed (FtRunner *r)
{
  return (double) (g_get_monotonic_time () - r->start_time - r->paused_time) / 1e6;
}

/* Where training stands, as of now. */
static void
event_fill (FtRunner *r, FtRunEvent *ev, const FtFitContext *ctx)
{
  if (ctx)
    {
      ev->epoch = ctx->epoch;
      ev->epochs = ctx->epochs;
      ev->steps = ctx->steps;
      ev->batch_loss = ctx->batch_loss;
      ev->samples_seen = ctx->samples_seen;
    }
  ev->seconds = elapsed (r);
}

static FtRunEvent *
event_new (FtRunner *r, FtRunEventKind kind, const FtFitContext *ctx)
{
  FtRunEvent *ev = NULL;
  pthread_mutex_lock (&r->spare_lock);
  if (r->n_spare > 0)
    ev = r->spare[--r->n_spare];
  pthread_mutex_unlock (&r->spare_lock);
  if (ev == NULL)
    ev = g_new0 (FtRunEvent, 1);
  ev->kind = kind;
  ev->coalesced = 1;
  event_fill (r, ev, ctx);
  return ev;
}

/* A batch end while the last one is still held back (it came too soon) becomes that event, updated in
 * place: no allocation per step. It goes out once the interval has passed, as post() would send it.
 * False when there is no held event to update (or it carries weights, which are delivered as they are). */
static bool
update_held (FtRunner *r, const FtFitContext *ctx, int batch, const FtLogs *logs)
{
  pthread_mutex_lock (&r->lock);
  FtRunEvent *ev = r->held;
  bool updated = ev != NULL && ev->weights == NULL;
  if (updated)
    {
      event_fill (r, ev, ctx);
      ev->batch = batch;
      ev->logs = *logs;
      ev->coalesced++;
      gint64 now = g_get_monotonic_time ();
      if (now - r->last_batch_post >= BATCH_EVENT_INTERVAL_US)
        {
          r->last_batch_post = now;
          r->held = NULL;
          queue_locked (r, ev);
        }
    }
  pthread_mutex_unlock (&r->lock);
  return updated;
}

/* ---- the control point, as a callback on the training thread ---- */

typedef struct
{
  FtCallback parent;
  FtRunner *runner;
} Control;

typedef struct
{
  size_t index;
  float value;
} WeightEdit;

/* Weight `index` of the model's weights in Keras order. */
static void
edit_weight (FtModel *m, size_t index, float value)
{
  for (int i = 0; i < ft_model_n_weights (m); i++)
    {
      FtTensor *t = ft_model_weight (m, i);
      if (index < t->size)
        {
          t->data[index] = value;
          return;
        }
      index -= t->size;
    }
}

typedef struct
{
  FtLiveChange change;
  int64_t at;
} LiveScheduled;

/* Live changes due at this step (ft_runner_group_change), in the order they were asked for. */
static void
apply_live_locked (FtRunner *r, FtFitContext *ctx, int batch)
{
  guint kept = 0;
  for (guint i = 0; i < r->live_pending->len; i++)
    {
      LiveScheduled *l = &g_array_index (r->live_pending, LiveScheduled, i);
      if (l->at > r->step_index)
        {
          g_array_index (r->live_pending, LiveScheduled, kept++) = *l;
          continue;
        }
      FtLiveChangeRecord rec = {
        .change = l->change, .step = r->step_index, .epoch = ctx->epoch, .batch = batch
      };
      rec.refused = !ft_live_change_apply (ctx->trainer, &l->change, r->step_index, rec.label,
                                           sizeof rec.label);
      g_array_append_val (r->live_done, rec);
      r->share_resized |= l->change.kind == FT_LIVE_FEATURES && !rec.refused;
      g_array_append_val (r->live_applied, rec);
    }
  g_array_set_size (r->live_pending, kept);
}

/* The job's hook for the live changes just applied, called without the runner's lock (the hook takes the
 * run's own lock to swap its experiment; the main loop need not wait for that), still before the step. */
static void
report_live_applied (FtRunner *r, FtFitContext *ctx)
{
  for (guint i = 0; i < r->live_applied->len && r->job.live_applied != NULL; i++)
    r->job.live_applied (ctx->trainer, &g_array_index (r->live_applied, FtLiveChangeRecord, i),
                         r->job.live_data);
  g_array_set_size (r->live_applied, 0);
}

static void
apply_commands_locked (FtRunner *r, FtFitContext *ctx, int batch)
{
  if (r->lr_pending)
    {
      ft_optimizer_set_learning_rate (ft_trainer_optimizer (ctx->trainer), r->lr);
      r->lr_pending = false;
    }
  for (guint i = 0; i < r->weight_edits->len; i++)
    {
      const WeightEdit *e = &g_array_index (r->weight_edits, WeightEdit, i);
      edit_weight (ft_trainer_model (ctx->trainer), e->index, e->value);
    }
  g_array_set_size (r->weight_edits, 0);
  if (r->reg_pending)
    {
      ft_model_set_kernel_regularization (ft_trainer_model (ctx->trainer), r->reg_l1, r->reg_l2);
      r->reg_pending = false;
    }
  apply_live_locked (r, ctx, batch);
  if (r->stop)
    ctx->abort = true;
}

static void
control_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  FtRunner *r = ((Control *) cb)->runner;
  post (r, event_new (r, FT_RUN_EVENT_TRAIN_BEGIN, ctx));
}

static void
control_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  FtRunner *r = ((Control *) cb)->runner;
  post (r, event_new (r, FT_RUN_EVENT_EPOCH_BEGIN, ctx));
}

static void
control_batch_begin (FtCallback *cb, FtFitContext *ctx, int batch)
{
  FtRunner *r = ((Control *) cb)->runner;
  pthread_mutex_lock (&r->lock);
  apply_commands_locked (r, ctx, batch);
  if (r->paused && r->batch_credit == 0 && !r->stop)
    {
      gint64 t0 = g_get_monotonic_time ();
      pthread_mutex_unlock (&r->lock);
      post (r, event_new (r, FT_RUN_EVENT_PAUSED, ctx));
      pthread_mutex_lock (&r->lock);
      while (r->paused && r->batch_credit == 0 && !r->stop)
        pthread_cond_wait (&r->cond, &r->lock);
      r->paused_time += g_get_monotonic_time () - t0;
      apply_commands_locked (r, ctx, batch);
    }
  r->step_index++; /* this batch runs: changes asked for from now on apply before a later one */
  if (r->paused && r->batch_credit > 0)
    r->batch_credit--;
  bool snapshot = r->snapshot_requested || (r->snapshot_every_epoch && batch == 0);
  double pace = r->pace;
  pthread_mutex_unlock (&r->lock);
  report_live_applied (r, ctx);

  if (pace > 0 && r->last_batch_time > 0)
    {
      post_held (r);
      gint64 due = r->last_batch_time + (gint64) (1e6 / pace);
      gint64 now = g_get_monotonic_time ();
      /* Sleep in short slices so Stop and Pause stay responsive. */
      while (now < due && !ctx->abort)
        {
          g_usleep ((gulong) MIN (due - now, 20000));
          now = g_get_monotonic_time ();
          pthread_mutex_lock (&r->lock);
          if (r->stop)
            ctx->abort = true;
          pthread_mutex_unlock (&r->lock);
        }
    }
  r->last_batch_time = g_get_monotonic_time ();
  if (snapshot)
    {
      FtModel *m = ft_trainer_model (ctx->trainer);
      g_free (r->snapshot_weights);
      r->snapshot_weights = g_new (float, ft_model_n_params (m));
      ft_model_get_weights (m, r->snapshot_weights);
      ft_tape_set_timing (ft_trainer_tape (ctx->trainer), true);
    }
}

static void
format_shape (const FtTensor *t, char *buf, size_t size)
{
  if (t == NULL)
    g_strlcpy (buf, "—", size);
  else
    ft_shape_format (t->ndim, t->shape, buf, size);
}

static FtSnapshot *
take_snapshot (FtRunner *r, FtFitContext *ctx, int batch)
{
  FtTrainer *t = ctx->trainer;
  FtTape *tape = ft_trainer_tape (t);
  FtModel *m = ft_trainer_model (t);
  FtSnapshot *s = g_new0 (FtSnapshot, 1);
  s->epoch = ctx->epoch;
  s->batch = batch;
  s->n_entries = ft_tape_n_entries (tape);
  s->entries = g_new0 (FtSnapshotEntry, s->n_entries);
  for (int i = 0; i < s->n_entries; i++)
    {
      const FtTapeEntry *e = ft_tape_entry (tape, i);
      FtSnapshotEntry *se = &s->entries[i];
      se->op = e->def->name;
      for (int k = 0; k < e->n_inputs; k++)
        {
          char buf[48];
          if (e->inputs[k] == NULL)
            continue;
          format_shape (e->inputs[k], buf, sizeof buf);
          if (se->inputs[0])
            g_strlcat (se->inputs, " ", sizeof se->inputs);
          g_strlcat (se->inputs, buf, sizeof se->inputs);
        }
      format_shape (e->output, se->output, sizeof se->output);
      se->flops = e->flops;
      se->forward_us = e->forward_us;
      se->backward_us = e->backward_us;
    }
  int nv = ft_model_n_trainable (m);
  s->n_variables = nv;
  s->variables = g_new0 (FtSnapshotVariable, nv);
  FtTensor *const *vars = ft_model_trainable (m);
  FtTensor *const *grads = ft_model_gradients (m);
  /* Locate each trainable variable's pre-step values in the snapshot copy (all weights, Keras order). */
  size_t offset = 0;
  int tv = 0;
  for (int w = 0; w < ft_model_n_weights (m) && tv < nv; w++)
    {
      FtTensor *weight = ft_model_weight (m, w);
      if (weight == vars[tv])
        {
          double g2 = 0, w2 = 0, d2 = 0;
          for (size_t i = 0; i < weight->size; i++)
            {
              double before = r->snapshot_weights[offset + i];
              g2 += (double) grads[tv]->data[i] * grads[tv]->data[i];
              w2 += (double) weight->data[i] * weight->data[i];
              d2 += (weight->data[i] - before) * (weight->data[i] - before);
            }
          s->variables[tv].name = weight->name;
          s->variables[tv].grad_norm = sqrt (g2);
          s->variables[tv].weight_norm = sqrt (w2);
          s->variables[tv].update_ratio = w2 > 0 ? sqrt (d2 / w2) : 0;
          tv++;
        }
      offset += weight->size;
    }
  return s;
}

static void
check_checkpoint (FtRunner *r, FtFitContext *ctx)
{
  if (ctx->last_checkpoint[0] && strcmp (ctx->last_checkpoint, r->last_checkpoint) != 0)
    {
      g_strlcpy (r->last_checkpoint, ctx->last_checkpoint, sizeof r->last_checkpoint);
      FtRunEvent *ev = event_new (r, FT_RUN_EVENT_CHECKPOINT_SAVED, ctx);
      ev->message = g_strdup (ctx->last_checkpoint);
      post (r, ev);
    }
}

/* A copy of every weight for the views that draw the model off the training thread. */
static void
attach_weights (FtRunEvent *ev, FtModel *m)
{
  ev->n_weights = ft_model_n_params (m);
  ev->weights = g_new (float, ev->n_weights);
  ft_model_get_weights (m, (float *) ev->weights);
}

static void
control_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  FtRunner *r = ((Control *) cb)->runner;
  if (ctx->report_progress)
    {
      bool share = r->share_resized && atomic_load_explicit (&r->share_weights, memory_order_relaxed);
      r->share_resized = false;
      if (share || !update_held (r, ctx, batch, logs))
        {
          FtRunEvent *ev = event_new (r, FT_RUN_EVENT_BATCH_END, ctx);
          ev->batch = batch;
          ev->logs = *logs;
          if (share)
            attach_weights (ev, ft_trainer_model (ctx->trainer));
          post (r, ev);
        }
    }
  if (r->snapshot_weights != NULL)
    {
      FtRunEvent *ev = event_new (r, FT_RUN_EVENT_SNAPSHOT, ctx);
      ev->batch = batch;
      ev->snapshot = take_snapshot (r, ctx, batch);
      post (r, ev);
      g_clear_pointer (&r->snapshot_weights, g_free);
      ft_tape_set_timing (ft_trainer_tape (ctx->trainer), false);
      pthread_mutex_lock (&r->lock);
      r->snapshot_requested = false;
      pthread_mutex_unlock (&r->lock);
    }
  check_checkpoint (r, ctx);
  if (atomic_load_explicit (&r->stop, memory_order_relaxed))
    ctx->abort = true;
}

static void
control_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  FtRunner *r = ((Control *) cb)->runner;
  check_checkpoint (r, ctx);
  FtRunEvent *ev = event_new (r, FT_RUN_EVENT_EPOCH_END, ctx);
  ev->epoch = epoch;
  ev->logs = *logs;
  if (atomic_load_explicit (&r->share_weights, memory_order_relaxed))
    attach_weights (ev, ft_trainer_model (ctx->trainer));
  post (r, ev);
  pthread_mutex_lock (&r->lock);
  if (r->until_epoch_end || (r->pause_after_epochs > 0 && epoch + 1 >= r->pause_after_epochs))
    {
      r->until_epoch_end = false;
      r->pause_after_epochs = 0;
      r->paused = true;
      r->batch_credit = 0;
    }
  pthread_mutex_unlock (&r->lock);
}

static const FtCallbackClass control_class = {
  .name = "FtRunner",
  .on_train_begin = control_train_begin,
  .on_epoch_begin = control_epoch_begin,
  .on_train_batch_begin = control_batch_begin,
  .on_train_batch_end = control_batch_end,
  .on_epoch_end = control_epoch_end,
};

static const FtCallbackSpec *
first_spec (FtRunner *r, FtCallbackKind kind)
{
  for (int i = 0; i < r->job.n_callbacks; i++)
    if (r->callback_specs[i].kind == kind)
      return &r->callback_specs[i];
  return NULL;
}

/* The job's callbacks built from their specs (without EarlyStopping and ModelCheckpoint in the tape loop,
 * where they are the loop's own hand-written steps), and the fingerprint recorder when asked for. */
static GPtrArray *
job_callbacks (FtRunner *r)
{
  const FtJob *job = &r->job;
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  for (int i = 0; i < job->n_callbacks; i++)
    {
      FtCallbackKind k = r->callback_specs[i].kind;
      if (job->tape_mode && (k == FT_CALLBACK_EARLY_STOPPING || k == FT_CALLBACK_MODEL_CHECKPOINT))
        continue;
      g_ptr_array_add (cbs, ft_callback_new (&r->callback_specs[i]));
    }
  if (job->fingerprints)
    g_ptr_array_add (cbs, ft_fingerprint_callback_new (job->fingerprints));
  return cbs;
}

/* The event that ends the run (an early stop is posted before it). */
static FtRunEvent *
final_event (FtRunner *r, bool ok, const GError *error, FtFitContext *ctx)
{
  FtRunEvent *ev;
  if (!ok)
    {
      ev = event_new (r, FT_RUN_EVENT_FAILED, ctx);
      ev->message = g_strdup (error ? error->message : "training failed");
    }
  else if (ctx->abort)
    ev = event_new (r, FT_RUN_EVENT_STOPPED, ctx);
  else if (ctx->terminated_nan)
    {
      ev = event_new (r, FT_RUN_EVENT_FAILED, ctx);
      ev->message = g_strdup ("the loss became NaN or infinite (TerminateOnNaN stopped training): lower the "
                              "learning rate or check the data");
    }
  else
    {
      if (ctx->stopped_early)
        {
          FtRunEvent *es = event_new (r, FT_RUN_EVENT_EARLY_STOP, ctx);
          es->epoch = ctx->stopped_epoch;
          post (r, es);
        }
      ev = event_new (r, FT_RUN_EVENT_FINISHED, ctx);
    }
  return ev;
}

static gpointer
run_thread (gpointer data)
{
  FtRunner *r = data;
  /* A training thread yields to the thread that draws: with two jobs on two cores the window's main loop
   * would otherwise wait for a time slice (20–35 ms stalls measured); training loses almost nothing,
   * since the main loop needs little CPU. Linux applies nice values per thread. */
  const FtJob *job = &r->job;
  if (!job->full_priority)
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5);
  /* The job's own team, made after the nice value so that its workers inherit it. */
  FtThreads *team = ft_threads_new (r->threads);
  ft_threads_set_current (team);
  GPtrArray *cbs = job_callbacks (r);
  GPtrArray *all = g_ptr_array_new ();
  for (guint i = 0; i < cbs->len; i++)
    g_ptr_array_add (all, cbs->pdata[i]);
  if (job->extra_callbacks)
    for (guint i = 0; i < job->extra_callbacks->len; i++)
      g_ptr_array_add (all, job->extra_callbacks->pdata[i]);
  FtCallback *lanes = job->lanes ? ft_callback_lanes_observer_new (job->lanes, cbs) : NULL;
  if (lanes)
    g_ptr_array_add (all, lanes);
  FtCallback *ledger = job->ledger ? ft_ledger_callback_new (job->ledger) : NULL;
  if (ledger)
    g_ptr_array_add (all, ledger);
  Control control = { { &control_class }, r };
  g_ptr_array_add (all, &control);

  FtHistory *history = ft_history_new ();
  FtFitContext ctx;
  memset (&ctx, 0, sizeof ctx);
  ctx.experiment = job->experiment;
  GError *error = NULL;
  r->start_time = g_get_monotonic_time ();
  bool ok;
  if (job->tape_mode)
    ok = ft_tape_loop (job->trainer, job->data, &job->args, &job->steps,
                       first_spec (r, FT_CALLBACK_EARLY_STOPPING),
                       first_spec (r, FT_CALLBACK_MODEL_CHECKPOINT), all, history, &ctx, &error);
  else
    ok = ft_fit (job->trainer, job->data, &job->args, all, history, &ctx, &error);
  check_checkpoint (r, &ctx);

  FtRunEvent *ev = final_event (r, ok, error, &ctx);
  int n = ft_history_n_epochs (history);
  if (n > 0)
    {
      ev->logs = *ft_history_logs (history, n - 1);
      ev->epoch = ft_history_epoch (history, n - 1);
    }
  g_clear_error (&error);
  ft_history_free (history);
  g_ptr_array_unref (all);
  ft_callback_free (lanes);
  ft_callback_free (ledger);
  g_ptr_array_unref (cbs);
  g_clear_pointer (&r->snapshot_weights, g_free);
  ft_threads_set_current (NULL);
  ft_threads_free (team);
  pthread_mutex_lock (&r->lock);
  r->running = false;
  pthread_mutex_unlock (&r->lock);
  post (r, ev);
  return NULL;
}

FtRunner *
ft_runner_new (const FtJob *job, GMainContext *context, FtRunEventFunc func, void *user_data)
{
  FtRunner *r = g_new0 (FtRunner, 1);
  r->job = *job;
  r->callback_specs = g_memdup2 (job->callbacks, sizeof (FtCallbackSpec) * (size_t) job->n_callbacks);
  r->job.callbacks = r->callback_specs;
  if (job->extra_callbacks)
    g_ptr_array_ref (job->extra_callbacks);
  r->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  r->func = func;
  r->user_data = user_data;
  r->threads = ft_threads_resolve (job->threads, job->concurrent_runs);
  pthread_mutex_init (&r->lock, NULL);
  r->weight_edits = g_array_new (FALSE, FALSE, sizeof (WeightEdit));
  r->live_pending = g_array_new (FALSE, FALSE, sizeof (LiveScheduled));
  r->live_done = g_array_new (FALSE, FALSE, sizeof (FtLiveChangeRecord));
  r->live_applied = g_array_new (FALSE, FALSE, sizeof (FtLiveChangeRecord));
  pthread_mutex_init (&r->spare_lock, NULL);
  pthread_cond_init (&r->cond, NULL);
  g_queue_init (&r->events);
  r->source = g_source_new (&wake_funcs, sizeof (GSource));
  g_source_set_priority (r->source, G_PRIORITY_DEFAULT);
  g_source_set_callback (r->source, dispatch, r, NULL);
  g_source_set_ready_time (r->source, -1);
  g_source_attach (r->source, r->context);
  return r;
}

void
ft_runner_start (FtRunner *r)
{
  pthread_mutex_lock (&r->lock);
  if (r->started)
    {
      pthread_mutex_unlock (&r->lock);
      return;
    }
  r->started = true;
  r->running = true;
  pthread_mutex_unlock (&r->lock);
  r->thread = g_thread_new ("fittape-train", run_thread, r);
}

static void
command (FtRunner *r, void (*apply) (FtRunner *r))
{
  pthread_mutex_lock (&r->lock);
  apply (r);
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
do_pause (FtRunner *r)
{
  r->paused = true;
  r->batch_credit = 0;
  r->until_epoch_end = false;
}

static void
do_resume (FtRunner *r)
{
  r->paused = false;
  r->batch_credit = 0;
  r->until_epoch_end = false;
}

static void
do_step_batch (FtRunner *r)
{
  r->paused = true;
  r->batch_credit++;
}

static void
do_step_epoch (FtRunner *r)
{
  r->paused = false;
  r->until_epoch_end = true;
}

static void
do_stop (FtRunner *r)
{
  r->stop = true;
}

static void
do_snapshot (FtRunner *r)
{
  r->snapshot_requested = true;
}

void
ft_runner_pause (FtRunner *r)
{
  command (r, do_pause);
}

void
ft_runner_resume (FtRunner *r)
{
  command (r, do_resume);
}

void
ft_runner_step_batch (FtRunner *r)
{
  command (r, do_step_batch);
}

void
ft_runner_step_epoch (FtRunner *r)
{
  command (r, do_step_epoch);
}

void
ft_runner_stop (FtRunner *r)
{
  command (r, do_stop);
}

/* A switch the training thread reads, set under the runner's lock. */
static void
set_switch (FtRunner *r, bool *field, bool on)
{
  pthread_mutex_lock (&r->lock);
  *field = on;
  pthread_mutex_unlock (&r->lock);
}

void
ft_runner_set_snapshot_every_epoch (FtRunner *r, bool on)
{
  set_switch (r, &r->snapshot_every_epoch, on);
}

void
ft_runner_set_share_weights (FtRunner *r, bool share)
{
  atomic_store_explicit (&r->share_weights, share, memory_order_relaxed);
}

void
ft_runner_pause_after_epochs (FtRunner *r, int epochs)
{
  pthread_mutex_lock (&r->lock);
  r->pause_after_epochs = epochs > 0 ? epochs : 0;
  pthread_mutex_unlock (&r->lock);
}

void
ft_runner_request_snapshot (FtRunner *r)
{
  command (r, do_snapshot);
}

void
ft_runner_set_learning_rate (FtRunner *r, float lr)
{
  pthread_mutex_lock (&r->lock);
  r->lr = lr;
  r->lr_pending = true;
  pthread_mutex_unlock (&r->lock);
}

void
ft_runner_set_weight (FtRunner *r, size_t index, float value)
{
  WeightEdit e = { index, value };
  pthread_mutex_lock (&r->lock);
  g_array_append_val (r->weight_edits, e);
  pthread_mutex_unlock (&r->lock);
}

void
ft_runner_set_regularization (FtRunner *r, float l1, float l2)
{
  pthread_mutex_lock (&r->lock);
  r->reg_l1 = l1;
  r->reg_l2 = l2;
  r->reg_pending = true;
  pthread_mutex_unlock (&r->lock);
}

int64_t
ft_runner_group_change (FtRunner *const *runners, int n, const FtLiveChange *change)
{
  g_return_val_if_fail (change != NULL && (runners != NULL || n == 0), -1);
  if (!ft_live_change_valid (change))
    return -1;
  /* Every runner locked at once (in the caller's order; nothing else holds two), so that none moves on
   * between reading the steps and queuing the change. */
  for (int i = 0; i < n; i++)
    pthread_mutex_lock (&runners[i]->lock);
  int64_t at = -1;
  for (int i = 0; i < n; i++)
    {
      FtRunner *r = runners[i];
      if (!r->stop && (r->running || !r->started))
        at = MAX (at, r->step_index);
    }
  if (at >= 0)
    for (int i = 0; i < n; i++)
      {
        FtRunner *r = runners[i];
        if (!r->stop && (r->running || !r->started))
          {
            LiveScheduled l = { *change, at };
            g_array_append_val (r->live_pending, l);
          }
      }
  for (int i = n - 1; i >= 0; i--)
    pthread_mutex_unlock (&runners[i]->lock);
  return at;
}

int
ft_runner_n_live_changes (FtRunner *r)
{
  pthread_mutex_lock (&r->lock);
  int n = (int) r->live_done->len;
  pthread_mutex_unlock (&r->lock);
  return n;
}

bool
ft_runner_get_live_change (FtRunner *r, int i, FtLiveChangeRecord *out)
{
  pthread_mutex_lock (&r->lock);
  bool ok = i >= 0 && (guint) i < r->live_done->len;
  if (ok)
    *out = g_array_index (r->live_done, FtLiveChangeRecord, i);
  pthread_mutex_unlock (&r->lock);
  return ok;
}

void
ft_runner_set_pace (FtRunner *r, double batches_per_second)
{
  pthread_mutex_lock (&r->lock);
  r->pace = batches_per_second > 0 && isfinite (batches_per_second) ? batches_per_second : 0;
  pthread_mutex_unlock (&r->lock);
}

int
ft_runner_threads (FtRunner *r)
{
  return r->threads;
}

bool
ft_runner_is_running (FtRunner *r)
{
  pthread_mutex_lock (&r->lock);
  bool v = r->running;
  pthread_mutex_unlock (&r->lock);
  return v;
}

bool
ft_runner_is_paused (FtRunner *r)
{
  pthread_mutex_lock (&r->lock);
  bool v = r->paused && r->batch_credit == 0 && !r->until_epoch_end;
  pthread_mutex_unlock (&r->lock);
  return v;
}

void
ft_runner_join (FtRunner *r)
{
  if (r->thread)
    {
      g_thread_join (r->thread);
      r->thread = NULL;
    }
}

void
ft_runner_free (FtRunner *r)
{
  if (r == NULL)
    return;
  ft_runner_stop (r);
  ft_runner_join (r);
  pthread_mutex_lock (&r->lock);
  if (r->source)
    {
      g_source_destroy (r->source);
      g_source_unref (r->source);
      r->source = NULL;
    }
  g_queue_clear_full (&r->events, (GDestroyNotify) event_free);
  g_clear_pointer (&r->held, event_free);
  pthread_mutex_unlock (&r->lock);
  for (int i = 0; i < r->n_spare; i++)
    event_free (r->spare[i]);
  pthread_mutex_destroy (&r->spare_lock);
  g_array_unref (r->weight_edits);
  g_array_unref (r->live_pending);
  g_array_unref (r->live_done);
  g_array_unref (r->live_applied);
  if (r->job.extra_callbacks)
    g_ptr_array_unref (r->job.extra_callbacks);
  g_main_context_unref (r->context);
  g_free (r->callback_specs);
  pthread_mutex_destroy (&r->lock);
  pthread_cond_destroy (&r->cond);
  g_free (r);
}
