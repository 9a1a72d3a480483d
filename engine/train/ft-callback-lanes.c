/* ft-callback-lanes.c — the callbacks' decisions as lane events (see ft-callback-lanes.h). */
#include "train/ft-callback-lanes.h"

#include <pthread.h>
#include <string.h>

#define MAX_LANES 32

struct FtCallbackLanes
{
  pthread_mutex_t lock;
  int n_lanes;
  FtCallbackKind kinds[MAX_LANES];
  GArray *events; /* FtLaneEvent */
};

FtCallbackLanes *
ft_callback_lanes_new (void)
{
  FtCallbackLanes *l = g_new0 (FtCallbackLanes, 1);
  pthread_mutex_init (&l->lock, NULL);
  l->events = g_array_new (FALSE, FALSE, sizeof (FtLaneEvent));
  return l;
}

void
ft_callback_lanes_free (FtCallbackLanes *l)
{
  if (l == NULL)
    return;
  g_array_unref (l->events);
  pthread_mutex_destroy (&l->lock);
  g_free (l);
}

int
ft_callback_lanes_n_lanes (FtCallbackLanes *l)
{
  pthread_mutex_lock (&l->lock);
  int n = l->n_lanes;
  pthread_mutex_unlock (&l->lock);
  return n;
}

FtCallbackKind
ft_callback_lanes_kind (FtCallbackLanes *l, int lane)
{
  pthread_mutex_lock (&l->lock);
  FtCallbackKind k = lane >= 0 && lane < l->n_lanes ? l->kinds[lane] : FT_N_CALLBACK_KINDS;
  pthread_mutex_unlock (&l->lock);
  return k;
}

int
ft_callback_lanes_n_events (FtCallbackLanes *l)
{
  pthread_mutex_lock (&l->lock);
  int n = (int) l->events->len;
  pthread_mutex_unlock (&l->lock);
  return n;
}

bool
ft_callback_lanes_event (FtCallbackLanes *l, int i, FtLaneEvent *event)
{
  pthread_mutex_lock (&l->lock);
  bool ok = i >= 0 && (guint) i < l->events->len;
  if (ok)
    *event = g_array_index (l->events, FtLaneEvent, i);
  pthread_mutex_unlock (&l->lock);
  return ok;
}

/* ---- the observer ---- */

typedef struct
{
  FtCallback parent;
  FtCallbackLanes *lanes;
  GPtrArray *callbacks;
  int lane_of[MAX_LANES]; /* callback index → lane, -1 for callbacks without a state */
} Observer;

static void
obs_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  Observer *o = (Observer *) cb;
  FtCallbackLanes *l = o->lanes;
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->events, 0);
  l->n_lanes = 0;
  for (guint i = 0; i < o->callbacks->len && i < MAX_LANES; i++)
    {
      FtCallbackState st;
      o->lane_of[i] = -1;
      /* TerminateOnNaN and CSVLogger decide nothing worth a lane. */
      if (ft_callback_get_state (o->callbacks->pdata[i], &st) && st.kind != FT_CALLBACK_TERMINATE_ON_NAN
          && st.kind != FT_CALLBACK_CSV_LOGGER)
        {
          o->lane_of[i] = l->n_lanes;
          l->kinds[l->n_lanes++] = st.kind;
        }
    }
  pthread_mutex_unlock (&l->lock);
}

static void
record (Observer *o, int epoch, bool train_end)
{
  FtCallbackLanes *l = o->lanes;
  for (guint i = 0; i < o->callbacks->len && i < MAX_LANES; i++)
    {
      FtCallbackState st;
      if (o->lane_of[i] < 0 || !ft_callback_get_state (o->callbacks->pdata[i], &st))
        continue;
      bool fresh = train_end ? st.decision == FT_CB_RESTORED
                             : st.epoch == epoch && st.decision != FT_CB_NOTHING;
      if (!fresh)
        continue;
      FtLaneEvent ev = { o->lane_of[i], train_end, st };
      pthread_mutex_lock (&l->lock);
      g_array_append_val (l->events, ev);
      pthread_mutex_unlock (&l->lock);
    }
}

static void
obs_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  record ((Observer *) cb, epoch, false);
}

static void
obs_train_end (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs)
{
  record ((Observer *) cb, -1, true);
}

static void
obs_free (FtCallback *cb)
{
  Observer *o = (Observer *) cb;
  g_ptr_array_unref (o->callbacks);
  g_free (o);
}

static const FtCallbackClass observer_class = {
  .name = "CallbackLanes",
  .on_train_begin = obs_train_begin,
  .on_epoch_end = obs_epoch_end,
  .on_train_end = obs_train_end,
  .free = obs_free,
};

FtCallback *
ft_callback_lanes_observer_new (FtCallbackLanes *lanes, GPtrArray *callbacks)
{
  Observer *o = g_new0 (Observer, 1);
  o->parent.klass = &observer_class;
  o->lanes = lanes;
  o->callbacks = g_ptr_array_ref (callbacks);
  return &o->parent;
}
