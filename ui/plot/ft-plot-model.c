/* ft-plot-model.c — the plots' data (see ft-plot-model.h). */
#include "plot/ft-plot-model.h"

#include "plot/ft-plot-difference.h"
#include "plot/ft-plot-summary.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct
{
  int id;
  char *name;
  int colour;
  bool visible;
  bool dashed;
  int pair;
  int steps;       /* batches per epoch, from the last batch event (0 while unknown) */
  int first_epoch; /* the epoch training started from (resumed runs start later), -1 while empty */
  char metric_key[FT_LOG_KEY_MAX];
  GArray *batches;              /* FtPlotBatchPoint */
  FtPlotSummary *summary;       /* of the batches, for drawing */
  GArray *epochs;               /* FtPlotEpochPoint */
  GPtrArray *lane_names;        /* char*: one per callback lane */
  GArray *lane_events;          /* FtPlotLaneEvent */
  GArray *changes;              /* Change: live changes of the run's settings */
  FtPlotDifference *difference; /* per step with its partner, kept by the pair's lower id (NULL: none) */
} Run;

/* A setting changed while the run trained, before batch `batch` of epoch `epoch` (both 0-based). */
typedef struct
{
  int epoch, batch;
  char label[160]; /* as long as a live change's (FtLiveChangeRecord) */
} Change;

struct FtPlotModel
{
  GPtrArray *runs; /* Run*, in the order added */
  int next_id;
  guint64 serial;
  bool difference_lane;
  int mark_run; /* 0: no mark */
  int mark_epoch, mark_batch;
  char mark_label[48];
};

static void
run_free (gpointer data)
{
  Run *r = data;
  g_free (r->name);
  g_array_unref (r->batches);
  ft_plot_summary_free (r->summary);
  g_array_unref (r->epochs);
  g_ptr_array_unref (r->lane_names);
  g_array_unref (r->lane_events);
  g_array_unref (r->changes);
  ft_plot_difference_free (r->difference);
  g_free (r);
}

FtPlotModel *
ft_plot_model_new (void)
{
  FtPlotModel *m = g_new0 (FtPlotModel, 1);
  m->runs = g_ptr_array_new_with_free_func (run_free);
  m->next_id = 1;
  m->serial = 1;
  return m;
}

void
ft_plot_model_free (FtPlotModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->runs);
  g_free (model);
}

FtPlotModel *
ft_plot_model_copy (const FtPlotModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  FtPlotModel *m = ft_plot_model_new ();
  m->next_id = model->next_id;
  m->serial = model->serial;
  m->difference_lane = model->difference_lane;
  m->mark_run = model->mark_run;
  m->mark_epoch = model->mark_epoch;
  m->mark_batch = model->mark_batch;
  memcpy (m->mark_label, model->mark_label, sizeof m->mark_label);
  for (guint i = 0; i < model->runs->len; i++)
    {
      const Run *r = g_ptr_array_index (model->runs, i);
      Run *c = g_new (Run, 1);
      *c = *r;
      c->name = g_strdup (r->name);
      c->batches = g_array_sized_new (FALSE, FALSE, sizeof (FtPlotBatchPoint), r->batches->len);
      g_array_append_vals (c->batches, r->batches->data, r->batches->len);
      c->summary = ft_plot_summary_copy (r->summary);
      c->epochs = g_array_sized_new (FALSE, FALSE, sizeof (FtPlotEpochPoint), r->epochs->len);
      g_array_append_vals (c->epochs, r->epochs->data, r->epochs->len);
      c->lane_names = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < r->lane_names->len; k++)
        g_ptr_array_add (c->lane_names, g_strdup (g_ptr_array_index (r->lane_names, k)));
      c->lane_events = g_array_copy (r->lane_events);
      c->changes = g_array_copy (r->changes);
      c->difference = r->difference != NULL ? ft_plot_difference_copy (r->difference) : NULL;
      g_ptr_array_add (m->runs, c);
    }
  return m;
}

guint64
ft_plot_model_get_serial (const FtPlotModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->serial;
}

static Run *
find_run (const FtPlotModel *model, int id)
{
  if (model == NULL)
    return NULL;
  for (guint i = 0; i < model->runs->len; i++)
    {
      Run *r = g_ptr_array_index (model->runs, i);
      if (r->id == id)
        return r;
    }
  return NULL;
}

static void
changed (FtPlotModel *model)
{
  model->serial++;
}

/* The run of r's pair that keeps the pair's difference (the lower id), or NULL when r is unpaired. */
static Run *
difference_keeper (const FtPlotModel *model, const Run *r)
{
  Run *o = r->pair != 0 ? find_run (model, r->pair) : NULL;
  if (o == NULL)
    return NULL;
  return r->id < o->id ? (Run *) r : o;
}

int
ft_plot_model_add_run (FtPlotModel *model, const char *name, int colour)
{
  g_return_val_if_fail (model != NULL, 0);
  Run *r = g_new0 (Run, 1);
  r->id = model->next_id++;
  r->name = g_strdup (name != NULL ? name : "run");
  r->colour = colour < 0 ? 0 : colour;
  r->visible = true;
  r->first_epoch = -1;
  r->batches = g_array_sized_new (FALSE, FALSE, sizeof (FtPlotBatchPoint), 1024);
  r->summary = ft_plot_summary_new ();
  r->epochs = g_array_new (FALSE, FALSE, sizeof (FtPlotEpochPoint));
  r->lane_names = g_ptr_array_new_with_free_func (g_free);
  r->lane_events = g_array_new (FALSE, FALSE, sizeof (FtPlotLaneEvent));
  r->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_ptr_array_add (model->runs, r);
  changed (model);
  return r->id;
}

void
ft_plot_model_remove_run (FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  for (guint i = 0; i < model->runs->len; i++)
    {
      Run *o = g_ptr_array_index (model->runs, i);
      if (o->pair == run)
        {
          o->pair = 0;
          g_clear_pointer (&o->difference, ft_plot_difference_free);
        }
    }
  g_ptr_array_remove (model->runs, r);
  if (model->mark_run == run)
    model->mark_run = 0;
  changed (model);
}

void
ft_plot_model_clear (FtPlotModel *model)
{
  g_return_if_fail (model != NULL);
  g_ptr_array_set_size (model->runs, 0);
  model->mark_run = 0;
  changed (model);
}

void
ft_plot_model_clear_run (FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  g_array_set_size (r->batches, 0);
  ft_plot_summary_clear (r->summary);
  g_array_set_size (r->epochs, 0);
  r->steps = 0;
  r->first_epoch = -1;
  r->metric_key[0] = '\0';
  g_ptr_array_set_size (r->lane_names, 0);
  g_array_set_size (r->lane_events, 0);
  /* The pair's comparison starts again with the run. */
  Run *keeper = difference_keeper (model, r);
  if (keeper != NULL && keeper->difference != NULL)
    ft_plot_difference_clear (keeper->difference);
  changed (model);
}

void
ft_plot_model_set_lanes (FtPlotModel *model, int run, int n_lanes, const char *const *names,
                         const FtPlotLaneEvent *events, int n_events)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL && n_lanes >= 0 && n_events >= 0);
  g_ptr_array_set_size (r->lane_names, 0);
  for (int i = 0; i < n_lanes; i++)
    g_ptr_array_add (r->lane_names, g_strdup (names[i]));
  g_array_set_size (r->lane_events, 0);
  for (int i = 0; i < n_events; i++)
    if (events[i].lane >= 0 && events[i].lane < n_lanes)
      g_array_append_val (r->lane_events, events[i]);
  changed (model);
}

static FtPlotLaneMark
lane_mark (FtCallbackDecision d)
{
  switch (d)
    {
    case FT_CB_IMPROVED:
    case FT_CB_IMPROVED_NO_BASELINE:
      return FT_PLOT_LANE_BEST;
    case FT_CB_WAITING:
      return FT_PLOT_LANE_WAIT;
    case FT_CB_STOPPED:
      return FT_PLOT_LANE_STOP;
    case FT_CB_RESTORED:
      return FT_PLOT_LANE_RESTORE;
    case FT_CB_LR_CUT:
      return FT_PLOT_LANE_CUT;
    case FT_CB_SAVED:
    case FT_CB_SAVED_NO_MONITOR:
      return FT_PLOT_LANE_SAVE;
    case FT_CB_NOT_BEST:
      return FT_PLOT_LANE_SKIP;
    case FT_CB_LR_SET:
      return FT_PLOT_LANE_RATE;
    case FT_CB_NOTHING:
    case FT_CB_SKIPPED:
    case FT_CB_COOLDOWN:
    default:
      return FT_PLOT_LANE_OTHER;
    }
}

void
ft_plot_model_set_callback_lanes (FtPlotModel *model, int run, FtCallbackLanes *lanes)
{
  g_return_if_fail (lanes != NULL);
  int n_lanes = MIN (ft_callback_lanes_n_lanes (lanes), 32);
  const char *names[32];
  for (int i = 0; i < n_lanes; i++)
    names[i] = ft_callback_kind_name (ft_callback_lanes_kind (lanes, i));
  int n = ft_callback_lanes_n_events (lanes);
  GArray *events = g_array_new (FALSE, TRUE, sizeof (FtPlotLaneEvent));
  for (int i = 0; i < n; i++)
    {
      FtLaneEvent le;
      if (!ft_callback_lanes_event (lanes, i, &le))
        break;
      const FtCallbackState *st = &le.state;
      FtPlotLaneEvent ev = { 0 };
      ev.lane = le.lane;
      ev.mark = lane_mark (st->decision);
      ev.epoch = ev.mark == FT_PLOT_LANE_RESTORE ? st->best_epoch : st->epoch;
      ev.value = ev.mark == FT_PLOT_LANE_CUT || ev.mark == FT_PLOT_LANE_RATE ? st->lr_after : st->monitored;
      ev.wait = st->wait;
      ev.patience = st->patience;
      const char *what = ft_callback_decision_name (st->decision);
      switch (ev.mark)
        {
        case FT_PLOT_LANE_CUT:
          g_snprintf (ev.text, sizeof ev.text, "epoch %d: %s, learning rate %.4g → %.4g — %s", st->epoch + 1,
                      what, st->lr_before, st->lr_after, st->rule);
          break;
        case FT_PLOT_LANE_RATE:
          g_snprintf (ev.text, sizeof ev.text, "epoch %d: learning rate %.4g — %s", st->epoch + 1,
                      st->lr_after, st->rule);
          break;
        case FT_PLOT_LANE_RESTORE:
          g_snprintf (ev.text, sizeof ev.text, "%s the weights of epoch %d (best %.4g) — %s", what,
                      st->best_epoch + 1, st->best, st->rule);
          break;
        case FT_PLOT_LANE_SAVE:
        case FT_PLOT_LANE_SKIP:
          g_snprintf (ev.text, sizeof ev.text, "epoch %d: %s, monitor %.4g, best %.4g — %s", st->epoch + 1,
                      what, st->monitored, st->best, st->rule);
          break;
        case FT_PLOT_LANE_BEST:
        case FT_PLOT_LANE_WAIT:
        case FT_PLOT_LANE_STOP:
        case FT_PLOT_LANE_OTHER:
        default:
          g_snprintf (ev.text, sizeof ev.text, "epoch %d: %s, monitor %.4g, best %.4g, wait %d/%d — %s",
                      st->epoch + 1, what, st->monitored, st->best, st->wait, st->patience, st->rule);
          break;
        }
      if (ev.epoch >= 0)
        g_array_append_val (events, ev);
    }
  ft_plot_model_set_lanes (model, run, n_lanes, names, (const FtPlotLaneEvent *) (void *) events->data,
                           (int) events->len);
  g_array_unref (events);
}

int
ft_plot_model_get_n_lanes (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? (int) r->lane_names->len : 0;
}

const char *
ft_plot_model_get_lane_name (const FtPlotModel *model, int run, int lane)
{
  Run *r = find_run (model, run);
  if (r == NULL || lane < 0 || (guint) lane >= r->lane_names->len)
    return NULL;
  return g_ptr_array_index (r->lane_names, lane);
}

const FtPlotLaneEvent *
ft_plot_model_get_lane_events (const FtPlotModel *model, int run, int *n)
{
  Run *r = find_run (model, run);
  *n = r != NULL ? (int) r->lane_events->len : 0;
  return r != NULL ? (const FtPlotLaneEvent *) (void *) r->lane_events->data : NULL;
}

int
ft_plot_model_get_lanes_run (const FtPlotModel *model)
{
  for (guint i = 0; model != NULL && i < model->runs->len; i++)
    {
      const Run *r = g_ptr_array_index (model->runs, i);
      if (r->visible && r->lane_names->len > 0)
        return r->id;
    }
  return 0;
}

double
ft_plot_model_lane_x (const FtPlotModel *model, int run, FtPlotXAxis axis, int epoch)
{
  Run *r = find_run (model, run);
  for (guint i = 0; r != NULL && i < r->epochs->len; i++)
    {
      const FtPlotEpochPoint *p = &g_array_index (r->epochs, FtPlotEpochPoint, i);
      if (p->epoch == epoch)
        return ft_plot_epoch_x (p, axis);
    }
  return epoch + 1;
}

/* Sets one of the model's or a run's flags, telling the model's watchers when it changed. */
static void
set_flag (FtPlotModel *model, bool *flag, bool value)
{
  if (*flag != value)
    {
      *flag = value;
      changed (model);
    }
}

/* A run's flag (visible, dashed) by its offset in Run; false for an unknown run. */
static void
set_run_flag (FtPlotModel *model, int run, size_t offset, bool value)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  set_flag (model, (bool *) (void *) ((char *) r + offset), value);
}

static bool
get_run_flag (const FtPlotModel *model, int run, size_t offset)
{
  const Run *r = find_run (model, run);
  return r != NULL && *(const bool *) (const void *) ((const char *) r + offset);
}

void
ft_plot_model_set_run_visible (FtPlotModel *model, int run, bool visible)
{
  set_run_flag (model, run, offsetof (Run, visible), visible);
}

bool
ft_plot_model_get_run_visible (const FtPlotModel *model, int run)
{
  return get_run_flag (model, run, offsetof (Run, visible));
}

void
ft_plot_model_set_run_name (FtPlotModel *model, int run, const char *name)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  g_free (r->name);
  r->name = g_strdup (name != NULL ? name : "run");
  changed (model);
}

const char *
ft_plot_model_get_run_name (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? r->name : NULL;
}

void
ft_plot_model_set_run_dashed (FtPlotModel *model, int run, bool dashed)
{
  set_run_flag (model, run, offsetof (Run, dashed), dashed);
}

bool
ft_plot_model_get_run_dashed (const FtPlotModel *model, int run)
{
  return get_run_flag (model, run, offsetof (Run, dashed));
}

int
ft_plot_model_get_run_colour (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? r->colour : 0;
}

void
ft_plot_model_set_difference_lane (FtPlotModel *model, bool on)
{
  g_return_if_fail (model != NULL);
  set_flag (model, &model->difference_lane, on);
}

bool
ft_plot_model_get_difference_lane (const FtPlotModel *model)
{
  g_return_val_if_fail (model != NULL, false);
  return model->difference_lane;
}

void
ft_plot_model_set_mark (FtPlotModel *model, int run, int epoch, int batch, const char *label)
{
  g_return_if_fail (model != NULL);
  if (model->mark_run == run && model->mark_epoch == epoch && model->mark_batch == batch
      && g_strcmp0 (model->mark_label, label ? label : "") == 0)
    return;
  model->mark_run = run;
  model->mark_epoch = epoch;
  model->mark_batch = batch;
  g_strlcpy (model->mark_label, label ? label : "", sizeof model->mark_label);
  changed (model);
}

bool
ft_plot_model_get_mark (const FtPlotModel *model, FtPlotXAxis axis, double *x, const char **label)
{
  g_return_val_if_fail (model != NULL, false);
  const Run *r = model->mark_run != 0 ? find_run (model, model->mark_run) : NULL;
  if (r == NULL || r->steps <= 0 || !r->visible)
    return false;
  int steps = r->steps;
  double step = model->mark_batch >= 0 ? (double) model->mark_epoch * steps + model->mark_batch + 1
                                       : (double) (model->mark_epoch + 1) * steps;
  double v;
  switch (axis)
    {
    case FT_PLOT_X_EPOCH:
      v = model->mark_batch >= 0 ? model->mark_epoch + (model->mark_batch + 1.0) / steps
                                 : model->mark_epoch + 1.0;
      break;
    case FT_PLOT_X_STEP:
      v = step;
      break;
    case FT_PLOT_X_SAMPLES:
    default:
      {
        int i = ft_plot_model_find_batch (model, model->mark_run, FT_PLOT_X_STEP, step);
        if (i < 0)
          return false;
        v = g_array_index (r->batches, FtPlotBatchPoint, i).samples;
        break;
      }
    }
  if (x)
    *x = v;
  if (label)
    *label = model->mark_label;
  return true;
}

void
ft_plot_model_add_change (FtPlotModel *model, int run, int epoch, int batch, const char *label)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL && epoch >= 0 && batch >= 0);
  Change c = { epoch, batch, "" };
  g_strlcpy (c.label, label != NULL ? label : "", sizeof c.label);
  g_array_append_val (r->changes, c);
  changed (model);
}

int
ft_plot_model_n_changes (const FtPlotModel *model, int run)
{
  const Run *r = find_run (model, run);
  return r != NULL ? (int) r->changes->len : 0;
}

bool
ft_plot_model_get_change (const FtPlotModel *model, int run, int i, FtPlotXAxis axis, double *x,
                          const char **label)
{
  const Run *r = find_run (model, run);
  if (r == NULL || i < 0 || (guint) i >= r->changes->len || r->steps <= 0)
    return false;
  const Change *c = &g_array_index (r->changes, Change, i);
  double step = (double) c->epoch * r->steps + c->batch; /* the batches done before it */
  double v;
  switch (axis)
    {
    case FT_PLOT_X_EPOCH:
      v = c->epoch + (double) c->batch / r->steps;
      break;
    case FT_PLOT_X_STEP:
      v = step;
      break;
    case FT_PLOT_X_SAMPLES:
    default:
      {
        if (step < 1)
          {
            v = 0;
            break;
          }
        int b = ft_plot_model_find_batch (model, run, FT_PLOT_X_STEP, step);
        if (b < 0)
          return false;
        v = g_array_index (r->batches, FtPlotBatchPoint, b).samples;
        break;
      }
    }
  if (x != NULL)
    *x = v;
  if (label != NULL)
    *label = c->label;
  return true;
}

static void
unpair (Run *r)
{
  r->pair = 0;
  g_clear_pointer (&r->difference, ft_plot_difference_free);
}

void
ft_plot_model_set_pair (FtPlotModel *model, int run, int other)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  g_return_if_fail (other != run);
  Run *o = other != 0 ? find_run (model, other) : NULL;
  g_return_if_fail (other == 0 || o != NULL);
  /* Undo earlier pairings of either side (their comparisons go with them). */
  Run *old = r->pair != 0 ? find_run (model, r->pair) : NULL;
  if (old != NULL)
    unpair (old);
  if (o != NULL && o->pair != 0)
    {
      Run *oo = find_run (model, o->pair);
      if (oo != NULL)
        unpair (oo);
      unpair (o);
    }
  unpair (r);
  r->pair = other;
  if (o != NULL)
    o->pair = run;
  changed (model);
}

int
ft_plot_model_get_pair (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? r->pair : 0;
}

int
ft_plot_model_get_n_runs (const FtPlotModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return (int) model->runs->len;
}

int
ft_plot_model_get_run_id (const FtPlotModel *model, int index)
{
  g_return_val_if_fail (model != NULL, 0);
  g_return_val_if_fail (index >= 0 && (guint) index < model->runs->len, 0);
  return ((Run *) g_ptr_array_index (model->runs, index))->id;
}

int
ft_plot_model_get_run_index (const FtPlotModel *model, int run)
{
  if (model == NULL)
    return -1;
  for (guint i = 0; i < model->runs->len; i++)
    if (((Run *) g_ptr_array_index (model->runs, i))->id == run)
      return (int) i;
  return -1;
}

static bool
is_skipped_key (const char *k)
{
  return strcmp (k, "loss") == 0 || g_str_has_prefix (k, "val_") || strcmp (k, "learning_rate") == 0
         || strcmp (k, "lr") == 0;
}

/* The run's metric: an accuracy when there is one, else the first other metric. */
static void
learn_metric_key (Run *r, const FtLogs *logs)
{
  if (r->metric_key[0] != '\0' || logs == NULL)
    return;
  const char *first = NULL;
  for (int i = 0; i < logs->n; i++)
    {
      const char *k = logs->items[i].key;
      if (is_skipped_key (k))
        continue;
      if (strstr (k, "acc") != NULL)
        {
          g_strlcpy (r->metric_key, k, sizeof r->metric_key);
          return;
        }
      if (first == NULL)
        first = k;
    }
  if (first != NULL)
    g_strlcpy (r->metric_key, first, sizeof r->metric_key);
}

/* Where a step goes on every axis, with its raw loss. */
static FtPlotBatchPoint
batch_point (int epoch, int batch, int steps, gint64 samples_seen, float batch_loss)
{
  int per_epoch = steps > 0 ? steps : (batch + 1);
  FtPlotBatchPoint p = { 0 };
  p.step = (double) epoch * per_epoch + batch + 1;
  p.epoch = epoch + (double) (batch + 1) / per_epoch;
  p.samples = (double) samples_seen;
  p.batch_loss = batch_loss;
  return p;
}

void
ft_plot_model_add_batch (FtPlotModel *model, int run, int epoch, int batch, int steps, gint64 samples_seen,
                         float batch_loss, const FtLogs *running)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  learn_metric_key (r, running);
  if (r->first_epoch < 0 || epoch < r->first_epoch)
    r->first_epoch = epoch;
  if (steps > 0)
    r->steps = steps;
  FtPlotBatchPoint p = batch_point (epoch, batch, steps, samples_seen, batch_loss);
  double v = NAN;
  p.loss = running != NULL && ft_logs_get (running, "loss", &v) ? (float) v : batch_loss;
  v = NAN;
  if (running != NULL && r->metric_key[0] != '\0')
    ft_logs_get (running, r->metric_key, &v);
  p.metric = (float) v;
  g_array_append_val (r->batches, p);
  ft_plot_summary_append (r->summary, (const FtPlotBatchPoint *) (void *) r->batches->data,
                          (int) r->batches->len);
  changed (model);
}

void
ft_plot_model_add_step (FtPlotModel *model, int run, int epoch, int batch, int steps, gint64 samples_seen,
                        float loss)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  Run *keeper = difference_keeper (model, r);
  if (keeper == NULL)
    return;
  if (keeper->difference == NULL)
    keeper->difference = ft_plot_difference_new ();
  FtPlotBatchPoint p = batch_point (epoch, batch, steps, samples_seen, loss);
  p.loss = p.metric = loss;
  if (ft_plot_difference_add (keeper->difference, keeper == r ? 0 : 1, &p))
    changed (model);
}

const FtPlotDifference *
ft_plot_model_get_difference (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  Run *keeper = r != NULL ? difference_keeper (model, r) : NULL;
  return keeper != NULL ? keeper->difference : NULL;
}

void
ft_plot_model_add_epoch (FtPlotModel *model, int run, int epoch, gint64 samples_seen, const FtLogs *logs)
{
  Run *r = find_run (model, run);
  g_return_if_fail (r != NULL);
  learn_metric_key (r, logs);
  if (r->first_epoch < 0 || epoch < r->first_epoch)
    r->first_epoch = epoch;
  FtPlotEpochPoint p;
  memset (&p, 0, sizeof p);
  p.epoch = epoch;
  p.samples = (double) samples_seen;
  if (r->steps > 0)
    p.step = (double) (epoch + 1) * r->steps;
  else if (r->batches->len > 0)
    p.step = g_array_index (r->batches, FtPlotBatchPoint, r->batches->len - 1).step;
  else
    p.step = epoch + 1;
  if (logs != NULL)
    p.logs = *logs;
  else
    ft_logs_clear (&p.logs);
  g_array_append_val (r->epochs, p);
  changed (model);
}

int
ft_plot_model_get_n_batches (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? (int) r->batches->len : 0;
}

int
ft_plot_model_get_n_epochs (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? (int) r->epochs->len : 0;
}

const FtPlotBatchPoint *
ft_plot_model_get_batches (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? (const FtPlotBatchPoint *) (void *) r->batches->data : NULL;
}

const FtPlotSummary *
ft_plot_model_get_summary (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? r->summary : NULL;
}

const FtPlotEpochPoint *
ft_plot_model_get_epochs (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL ? (const FtPlotEpochPoint *) (void *) r->epochs->data : NULL;
}

const char *
ft_plot_model_get_metric_key (const FtPlotModel *model, int run)
{
  Run *r = find_run (model, run);
  return r != NULL && r->metric_key[0] != '\0' ? r->metric_key : NULL;
}

const char *
ft_plot_model_get_any_metric_key (const FtPlotModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  for (guint i = 0; i < model->runs->len; i++)
    {
      Run *r = g_ptr_array_index (model->runs, i);
      if (r->metric_key[0] != '\0')
        return r->metric_key;
    }
  return NULL;
}

double
ft_plot_batch_x (const FtPlotBatchPoint *p, FtPlotXAxis axis)
{
  switch (axis)
    {
    case FT_PLOT_X_STEP:
      return p->step;
    case FT_PLOT_X_SAMPLES:
      return p->samples;
    case FT_PLOT_X_EPOCH:
    default:
      return p->epoch;
    }
}

double
ft_plot_epoch_x (const FtPlotEpochPoint *p, FtPlotXAxis axis)
{
  switch (axis)
    {
    case FT_PLOT_X_STEP:
      return p->step;
    case FT_PLOT_X_SAMPLES:
      return p->samples;
    case FT_PLOT_X_EPOCH:
    default:
      return p->epoch + 1;
    }
}

/* First index whose x ≥ x (n when none). */
int
ft_plot_batch_lower_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x)
{
  int lo = 0, hi = n;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_batch_x (&b[mid], axis) < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* First index whose x > x (n when none). */
int
ft_plot_batch_upper_bound (const FtPlotBatchPoint *b, int n, FtPlotXAxis axis, double x)
{
  int lo = 0, hi = n;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (ft_plot_batch_x (&b[mid], axis) <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

int
ft_plot_model_find_batch (const FtPlotModel *model, int run, FtPlotXAxis axis, double x)
{
  Run *r = find_run (model, run);
  if (r == NULL || r->batches->len == 0)
    return -1;
  const FtPlotBatchPoint *b = (const FtPlotBatchPoint *) (void *) r->batches->data;
  /* First point with x ≥ the given x (the last when none). */
  int lo = ft_plot_batch_lower_bound (b, (int) r->batches->len - 1, axis, x);
  if (lo > 0 && fabs (ft_plot_batch_x (&b[lo - 1], axis) - x) <= fabs (ft_plot_batch_x (&b[lo], axis) - x))
    lo--;
  return lo;
}

int
ft_plot_model_find_epoch (const FtPlotModel *model, int run, FtPlotXAxis axis, double x)
{
  Run *r = find_run (model, run);
  if (r == NULL || r->epochs->len == 0)
    return -1;
  const FtPlotEpochPoint *e = (const FtPlotEpochPoint *) (void *) r->epochs->data;
  double span = ft_plot_epoch_x (&e[r->epochs->len - 1], axis) - ft_plot_epoch_x (&e[0], axis);
  double tol = 1e-9 * MAX (fabs (span), 1.0);
  int found = -1;
  for (guint i = 0; i < r->epochs->len; i++)
    if (ft_plot_epoch_x (&e[i], axis) <= x + tol)
      found = (int) i;
  return found;
}

bool
ft_plot_model_get_x_extent (const FtPlotModel *model, FtPlotXAxis axis, double *min, double *max)
{
  g_return_val_if_fail (model != NULL, false);
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = 0; i < model->runs->len; i++)
    {
      Run *r = g_ptr_array_index (model->runs, i);
      if (!r->visible || (r->batches->len == 0 && r->epochs->len == 0))
        continue;
      /* Where training started: the axes begin there, not at the first point. */
      if (axis == FT_PLOT_X_EPOCH)
        lo = MIN (lo, r->first_epoch);
      else if (axis == FT_PLOT_X_STEP && r->steps > 0)
        lo = MIN (lo, (double) r->first_epoch * r->steps);
      else if (r->first_epoch == 0)
        lo = MIN (lo, 0.0);
      if (r->batches->len > 0)
        {
          const FtPlotBatchPoint *b = (const FtPlotBatchPoint *) (void *) r->batches->data;
          lo = MIN (lo, ft_plot_batch_x (&b[0], axis));
          hi = MAX (hi, ft_plot_batch_x (&b[r->batches->len - 1], axis));
        }
      for (guint j = 0; j < r->epochs->len; j++)
        {
          double x = ft_plot_epoch_x (&g_array_index (r->epochs, FtPlotEpochPoint, j), axis);
          lo = MIN (lo, x);
          hi = MAX (hi, x);
        }
    }
  if (!(lo <= hi))
    return false;
  if (min)
    *min = lo;
  if (max)
    *max = hi;
  return true;
}
