/* ft-window-live.c — training that reacts, in the window: an edit of the learning rate (Compile page,
 * Network view), the regularization, the hidden layers' activation (Network view, model editor) or the
 * input features (the network view's input column, 2-D data) made while a Train press's runs train is
 * asked of their runners as one group change (ft_runner_group_change: the engine picks the step, the same
 * for fit and tape); each run's record of what it applied is picked up at its events, written to the log
 * and drawn as a labelled tick on the curves. After a change of the input features the network and
 * decision views follow the new input column with the run's weights (the batch end right after the change
 * carries them). */
#include "window/ft-window-private.h"

#include "experiment/ft-network-edit.h"
#include "views/ft-decision-view.h"
#include "views/ft-network-view.h"

void
ft_window_live_start (FtWindow *self, const FtExperiment *e)
{
  self->live.lr = e->compile.optimizer.learning_rate;
  self->live.has_reg = ft_network_get_regularization (e, &self->live.l1, &self->live.l2);
  self->live.has_act = ft_network_get_activation (e, &self->live.activation);
  self->live.features = e->data.features;
  self->live.view_features = e->data.features;
}

/* The views' run's experiment as the views show it: the hidden activation the run now has, and the input
 * features of the weights they draw. */
static FtExperiment *
views_experiment (FtWindow *self, FtWindowRun *run)
{
  FtExperiment *exp = ft_experiment_copy (ft_run_experiment (run->engine));
  if (self->live.has_act)
    ft_network_set_activation (exp, self->live.activation, NULL);
  exp->data.features = self->live.view_features;
  return exp;
}

/* The views rebuild their model copies from the views' experiment and draw these weights (of that model). */
static void
views_follow (FtWindow *self, FtWindowRun *run, const float *weights, size_t n)
{
  FtExperiment *exp = views_experiment (self, run);
  if (run == self->network_run)
    {
      ft_window_network_show_run (self, run, exp);
      if (weights != NULL)
        ft_network_view_update_weights (FT_NETWORK_VIEW (self->network_view), weights, n);
    }
  if (run == self->decision_run)
    {
      FtDecisionView *dv = FT_DECISION_VIEW (self->decision_view);
      ft_decision_view_set_data_with_test (dv, exp, run->data->train, run->data->test);
      if (weights != NULL)
        ft_decision_view_update_weights (dv, weights, n);
    }
  ft_experiment_free (exp);
}

/* The maps and regions use the new function, with the weights they show. */
static void
views_follow_activation (FtWindow *self)
{
  FtWindowRun *run = self->network_run != NULL ? self->network_run : self->decision_run;
  if (run == NULL || run->data == NULL)
    return;
  const FtNeuronMaps *maps = ft_network_view_get_maps (FT_NETWORK_VIEW (self->network_view));
  float *w = maps != NULL ? g_memdup2 (maps->weights, maps->n_weights * sizeof (float)) : NULL;
  views_follow (self, run, w, maps != NULL ? maps->n_weights : 0);
  g_free (w);
}

/* Whether the record's change is in the weights an event carries (applied before a step the event is at or
 * after: the end of its epoch, or its batch). */
static bool
applied_by (const FtLiveChangeRecord *rec, const FtRunEvent *ev)
{
  if (ev->kind == FT_RUN_EVENT_EPOCH_END)
    return rec->epoch <= ev->epoch;
  return rec->epoch < ev->epoch || (rec->epoch == ev->epoch && rec->batch <= ev->batch);
}

/* The input features of the weights an event carries: those of the run's last feature change they have,
 * else what the views show. */
static unsigned
features_of (FtRunner *runner, const FtRunEvent *ev, unsigned shown)
{
  unsigned mask = shown;
  FtLiveChangeRecord rec;
  for (int k = 0; ft_runner_get_live_change (runner, k, &rec); k++)
    if (rec.change.kind == FT_LIVE_FEATURES && !rec.refused && applied_by (&rec, ev))
      mask = rec.change.features;
  return mask;
}

/* After a live change of the input features, the views follow the input column of the weights an event
 * carries (the batch end right after the change, or an epoch end). */
static bool
views_follow_features (FtWindow *self, FtWindowRun *run, FtRunner *runner, const FtRunEvent *ev)
{
  FtWindowRun *shown = self->network_run != NULL ? self->network_run : self->decision_run;
  if (run != shown || run->data == NULL || ev->weights == NULL)
    return false;
  unsigned mask = features_of (runner, ev, self->live.view_features);
  if (mask == self->live.view_features)
    return false;
  self->live.view_features = mask;
  views_follow (self, run, ev->weights, ev->n_weights);
  return true;
}

/* Whether the runs can take the features live (2-D points into a first Dense layer); else why not. */
static const char *
features_refusal (FtWindow *self)
{
  FtWindowRun *run = self->active->len > 0 ? g_ptr_array_index (self->active, 0) : NULL;
  if (run == NULL)
    return "no run trains";
  const FtExperiment *e = ft_run_experiment (run->engine);
  if (e->n_layers == 0 || e->layers[0].kind != FT_LAYER_DENSE)
    return "the first layer is not Dense";
  bool points = e->input_ndim > 0 ? e->input_ndim == 1 && e->input_shape[0] == 2
                                  : run->data != NULL && run->data->train->sample_size == 2;
  if (e->data.features == 0 && !points)
    return "the model does not take 2-D points";
  return NULL;
}

static void
ask (FtWindow *self, const FtLiveChange *change)
{
  FtRunner **group = g_new (FtRunner *, self->active->len);
  int n = 0;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      FtRunner *runner = ft_run_runner (run->engine);
      if (run->state == FT_RUN_STATE_RUNNING && runner != NULL)
        group[n++] = runner;
    }
  ft_runner_group_change (group, n, change);
  g_free (group);
}

void
ft_window_live_edited (FtWindow *self)
{
  if (self->exp == NULL || !ft_window_is_training (self))
    return;
  const FtExperiment *e = self->exp;
  if (e->compile.optimizer.learning_rate != self->live.lr)
    {
      FtLiveChange c = { .kind = FT_LIVE_LEARNING_RATE, .learning_rate = e->compile.optimizer.learning_rate };
      if (ft_live_change_valid (&c))
        {
          ask (self, &c);
          self->live.lr = c.learning_rate;
        }
    }
  float l1, l2;
  if (ft_network_get_regularization (e, &l1, &l2)
      && (!self->live.has_reg || l1 != self->live.l1 || l2 != self->live.l2))
    {
      FtLiveChange c = { .kind = FT_LIVE_REGULARIZATION, .l1 = l1, .l2 = l2 };
      if (ft_live_change_valid (&c))
        {
          ask (self, &c);
          self->live.has_reg = true;
          self->live.l1 = l1;
          self->live.l2 = l2;
        }
    }
  FtActivation act;
  if (ft_network_get_activation (e, &act) && (!self->live.has_act || act != self->live.activation))
    {
      FtLiveChange c = { .kind = FT_LIVE_ACTIVATION, .activation = act };
      if (ft_live_change_valid (&c))
        {
          ask (self, &c);
          self->live.has_act = true;
          self->live.activation = act;
          views_follow_activation (self);
        }
    }
  if (e->data.features != self->live.features)
    {
      FtLiveChange c = { .kind = FT_LIVE_FEATURES, .features = e->data.features };
      const char *refusal = features_refusal (self);
      self->live.features = e->data.features;
      if (refusal == NULL && ft_live_change_valid (&c))
        ask (self, &c);
      else
        {
          char *msg = g_strdup_printf ("The input features apply from the next Train: %s",
                                       refusal != NULL ? refusal : "unknown features");
          ft_window_toast (self, msg);
          g_free (msg);
        }
    }
}

bool
ft_window_live_poll (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  FtRunner *runner = ft_run_runner (run->engine);
  if (runner == NULL)
    return false;
  if (runner != run->live_runner) /* a continued run trains with a new runner */
    {
      run->live_runner = runner;
      run->live_seen = 0;
    }
  int n = ft_runner_n_live_changes (runner);
  for (; run->live_seen < n; run->live_seen++)
    {
      FtLiveChangeRecord rec;
      if (!ft_runner_get_live_change (runner, run->live_seen, &rec))
        break;
      ft_plot_model_add_change (self->plot_model, run->plot_run, rec.epoch, rec.batch, rec.label);
      char *line = g_strdup_printf ("[%s] Epoch %d, batch %d: %s (from step %" G_GINT64_FORMAT ")", run->name,
                                    rec.epoch + 1, rec.batch + 1, rec.label, rec.step + 1);
      ft_window_log (self, line);
      g_free (line);
    }
  return views_follow_features (self, run, runner, ev);
}

char *
ft_window_get_run_changes (FtWindow *self, guint i)
{
  g_return_val_if_fail (FT_IS_WINDOW (self), NULL);
  if (i >= ft_window_get_n_runs (self))
    return NULL;
  FtWindowRun *run = ft_window_run_at (self, i);
  FtRunner *runner = ft_run_runner (run->engine);
  GString *s = g_string_new (NULL);
  for (int k = 0; runner != NULL && k < ft_runner_n_live_changes (runner); k++)
    {
      FtLiveChangeRecord rec;
      if (ft_runner_get_live_change (runner, k, &rec))
        g_string_append_printf (s, "%" G_GINT64_FORMAT ",%d,%d,%s\n", rec.step, rec.epoch, rec.batch,
                                rec.label);
    }
  return g_string_free (s, FALSE);
}

char *
ft_window_run_changes_json (FtWindowRun *run)
{
  FtRunner *runner = ft_run_runner (run->engine);
  int n = runner != NULL ? ft_runner_n_live_changes (runner) : 0;
  if (n == 0)
    return NULL;
  FtLiveChangeRecord *recs = g_new (FtLiveChangeRecord, n);
  int got = 0;
  for (int k = 0; k < n; k++)
    got += ft_runner_get_live_change (runner, k, &recs[got]);
  char *json = ft_live_changes_to_json (recs, got);
  g_free (recs);
  return json;
}
