/* ft-ledger.c — per-epoch records of how the logged numbers were made (see ft-ledger.h). */
#include "train/ft-ledger.h"

#include "core/ft-error.h"
#include "nn/ft-model.h"

#include <pthread.h>
#include <string.h>

typedef struct
{
  int epoch;
  FtLogs logs;
  GArray *batches; /* FtLedgerBatch */
  GArray *val;     /* FtLedgerBatch of the validation pass (test accumulators), NULL without one */
  bool regularization;
  FtLedgerRule rule;
  /* The accumulators at the epoch's start (not 0 when the loop never resets its metrics). */
  double base_total[FT_LEDGER_MAX_METRICS], base_count[FT_LEDGER_MAX_METRICS];
  float *weights; /* after the epoch, with keep_weights */
  size_t n_weights;
} Epoch;

struct FtLedger
{
  gint refs;
  pthread_mutex_t lock;
  GArray *current;     /* the epoch being recorded */
  GArray *val_current; /* its validation pass */
  bool in_test;
  bool keep_weights;
  double base_total[FT_LEDGER_MAX_METRICS], base_count[FT_LEDGER_MAX_METRICS];
  GPtrArray *epochs; /* Epoch* */
  int n_metrics;
  char names[FT_LEDGER_MAX_METRICS][FT_LOG_KEY_MAX];
};

static void
epoch_free (gpointer p)
{
  Epoch *e = p;
  g_array_unref (e->batches);
  if (e->val)
    g_array_unref (e->val);
  g_free (e->weights);
  g_free (e);
}

void
ft_ledger_set_keep_weights (FtLedger *l, bool keep)
{
  pthread_mutex_lock (&l->lock);
  l->keep_weights = keep;
  pthread_mutex_unlock (&l->lock);
}

FtLedger *
ft_ledger_new (void)
{
  FtLedger *l = g_new0 (FtLedger, 1);
  l->refs = 1;
  pthread_mutex_init (&l->lock, NULL);
  l->current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
  l->val_current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
  l->epochs = g_ptr_array_new_with_free_func (epoch_free);
  return l;
}

FtLedger *
ft_ledger_ref (FtLedger *l)
{
  g_atomic_int_inc (&l->refs);
  return l;
}

void
ft_ledger_free (FtLedger *l)
{
  if (l == NULL || !g_atomic_int_dec_and_test (&l->refs))
    return;
  g_array_unref (l->current);
  g_array_unref (l->val_current);
  g_ptr_array_unref (l->epochs);
  pthread_mutex_destroy (&l->lock);
  g_free (l);
}

int
ft_ledger_n_epochs (FtLedger *l)
{
  pthread_mutex_lock (&l->lock);
  int n = (int) l->epochs->len;
  pthread_mutex_unlock (&l->lock);
  return n;
}

bool
ft_ledger_epoch (FtLedger *l, int i, int *epoch, FtLogs *logs, FtLedgerBatch **batches, int *n_batches,
                 bool *regularization)
{
  pthread_mutex_lock (&l->lock);
  bool ok = i >= 0 && (guint) i < l->epochs->len;
  if (ok)
    {
      const Epoch *e = g_ptr_array_index (l->epochs, i);
      if (epoch)
        *epoch = e->epoch;
      if (logs)
        *logs = e->logs;
      if (batches)
        *batches = g_memdup2 (e->batches->data, sizeof (FtLedgerBatch) * e->batches->len);
      if (n_batches)
        *n_batches = (int) e->batches->len;
      if (regularization)
        *regularization = e->regularization;
    }
  pthread_mutex_unlock (&l->lock);
  return ok;
}

int
ft_ledger_n_metrics (FtLedger *l)
{
  pthread_mutex_lock (&l->lock);
  int n = l->n_metrics;
  pthread_mutex_unlock (&l->lock);
  return n;
}

const char *
ft_ledger_metric_name (FtLedger *l, int m)
{
  g_return_val_if_fail (m >= 0 && m < FT_LEDGER_MAX_METRICS, NULL);
  return l->names[m]; /* written once, before the first batch is recorded */
}

double
ft_ledger_weighted_mean (const FtLedgerBatch *b, int n)
{
  double total = 0, count = 0;
  for (int i = 0; i < n; i++)
    {
      total += (double) b[i].loss * (double) b[i].size;
      count += (double) b[i].size;
    }
  return count != 0 ? total / count : 0;
}

double
ft_ledger_unweighted_mean (const FtLedgerBatch *b, int n)
{
  double total = 0;
  for (int i = 0; i < n; i++)
    total += (double) b[i].loss;
  return n > 0 ? total / n : 0;
}

char *
ft_ledger_explain (FtLedger *l, int i, const char *key)
{
  int epoch, n;
  FtLogs logs;
  FtLedgerBatch *b;
  bool reg;
  if (g_str_has_prefix (key, "val_") || !ft_ledger_epoch (l, i, &epoch, &logs, &b, &n, &reg))
    return NULL;
  int m = -1;
  for (int k = 0; k < ft_ledger_n_metrics (l); k++)
    if (strcmp (l->names[k], key) == 0)
      m = k;
  double logged = 0;
  if (m < 0 || n == 0 || !ft_logs_get (&logs, key, &logged))
    {
      g_free (b);
      return NULL;
    }
  GString *s = g_string_new (NULL);
  if (m == 0)
    {
      uint64_t samples = 0;
      g_string_append_printf (s, "%s = (", key);
      for (int k = 0; k < n; k++)
        {
          if (n > 8 && k == 3)
            {
              g_string_append_printf (s, " + … (%d more batches) …", n - 6);
              k = n - 3;
            }
          g_string_append_printf (s, "%s%.4f·%u", k ? " + " : "", (double) b[k].loss, b[k].size);
        }
      for (int k = 0; k < n; k++)
        samples += b[k].size;
      double mean = ft_ledger_weighted_mean (b, n);
      g_string_append_printf (
          s, ") / %" G_GUINT64_FORMAT " = %.6g — the mean of the %d batch losses weighted by batch size",
          samples, mean, n);
      g_string_append (s, reg ? " (each includes the regularization penalty, sum(model.losses))"
                              : " (no regularization penalty in it)");
      g_string_append_printf (
          s,
          "; the last batch's loss: %.6g (%u samples); the unweighted mean of batch means "
          "would be %.6g",
          (double) b[n - 1].loss, b[n - 1].size, ft_ledger_unweighted_mean (b, n));
      if (mean != logged)
        g_string_append_printf (s, "; the logged value is %.6g", logged);
    }
  else
    {
      double total = b[n - 1].total[m], count = b[n - 1].count[m];
      double last = count - (n > 1 ? b[n - 2].count[m] : 0);
      double last_total = total - (n > 1 ? b[n - 2].total[m] : 0);
      g_string_append_printf (s,
                              "%s = %.6g / %.6g = %.6g — summed over every sample of the epoch, not averaged "
                              "over batches; the last batch alone: %.6g / %.6g = %.6g",
                              key, total, count, count != 0 ? total / count : 0.0, last_total, last,
                              last != 0 ? last_total / last : 0.0);
    }
  g_free (b);
  return g_string_free (s, FALSE);
}

const char *
ft_ledger_rule_name (FtLedgerRule rule)
{
  switch (rule)
    {
    case FT_LEDGER_RULE_WEIGHTED_MEAN:
      return "weighted mean";
    case FT_LEDGER_RULE_UNWEIGHTED_MEAN:
      return "unweighted mean of batch means";
    case FT_LEDGER_RULE_LAST_BATCH:
      return "last batch's loss";
    case FT_LEDGER_N_RULES:
      break;
    }
  return "?";
}

/* The entry's per-batch values and counts from its copied batches, its penalty, and its means (a base
 * from before the epoch, when the metric was not reset, continues the accumulators). */
static void
compute_entry (FtLedgerEntry *e, int m, double base_total, double base_count)
{
  int n = e->n_batches;
  const FtLedgerBatch *b = e->batches;
  e->values = g_new (double, n);
  e->counts = g_new (double, n);
  double penalty = 0, samples = 0, prev_total = base_total, prev_count = base_count;
  for (int k = 0; k < n; k++)
    {
      if (m == 0)
        {
          e->values[k] = b[k].loss;
          e->counts[k] = b[k].size;
        }
      else
        {
          double dc = b[k].count[m] - prev_count;
          e->values[k] = dc != 0 ? (b[k].total[m] - prev_total) / dc : 0;
          e->counts[k] = dc;
        }
      prev_total = b[k].total[m];
      prev_count = b[k].count[m];
      penalty += (double) b[k].penalty * b[k].size;
      samples += b[k].size;
    }
  e->penalty = samples != 0 ? penalty / samples : 0;
  e->last = e->values[n - 1];
  double sum = 0;
  for (int k = 0; k < n; k++)
    sum += e->values[k];
  e->unweighted = sum / n;
  if (m == 0 && base_count == 0)
    {
      /* The loss tracker's sum, in its order: Σ loss·size / Σ size. */
      e->weighted = ft_ledger_weighted_mean (b, n);
      e->unweighted = ft_ledger_unweighted_mean (b, n);
      e->sum_nv = 0;
      for (int k = 0; k < n; k++)
        e->sum_nv += (double) b[k].loss * (double) b[k].size;
      e->sum_n = samples;
    }
  else
    {
      /* The metric's own accumulators (also what a never-reset loss tracker reports). */
      e->sum_nv = b[n - 1].total[m];
      e->sum_n = b[n - 1].count[m];
      e->weighted = e->sum_n != 0 ? e->sum_nv / e->sum_n : 0;
    }
  e->by_rule = base_count != 0 ? e->weighted : ft_ledger_entry_value (e, e->rule);
}

bool
ft_ledger_entry (FtLedger *l, int i, const char *key, FtLedgerEntry *e)
{
  memset (e, 0, sizeof *e);
  bool validation = g_str_has_prefix (key, "val_");
  const char *name = validation ? key + 4 : key;
  pthread_mutex_lock (&l->lock);
  if (i < 0 || (guint) i >= l->epochs->len)
    {
      pthread_mutex_unlock (&l->lock);
      return false;
    }
  const Epoch *ep = g_ptr_array_index (l->epochs, i);
  int m = -1;
  for (int k = 0; k < l->n_metrics; k++)
    if (strcmp (l->names[k], name) == 0)
      m = k;
  e->epoch = ep->epoch;
  g_strlcpy (e->key, key, sizeof e->key);
  e->validation = validation;
  e->metric = m;
  e->has_logged = ft_logs_get (&ep->logs, key, &e->logged);
  e->regularization = ep->regularization;
  e->rule = m == 0 && !validation                                  ? ep->rule
            : m == 0 && ep->rule == FT_LEDGER_RULE_UNWEIGHTED_MEAN ? FT_LEDGER_RULE_UNWEIGHTED_MEAN
                                                                   : FT_LEDGER_RULE_WEIGHTED_MEAN;
  const GArray *src = validation ? ep->val : ep->batches;
  if (m < 0 || src == NULL || src->len == 0)
    {
      pthread_mutex_unlock (&l->lock);
      return true;
    }
  int n = (int) src->len;
  e->n_batches = n;
  e->batches = g_memdup2 (src->data, sizeof (FtLedgerBatch) * (size_t) n);
  double base_total = validation ? 0 : ep->base_total[m], base_count = validation ? 0 : ep->base_count[m];
  pthread_mutex_unlock (&l->lock);

  compute_entry (e, m, base_total, base_count);
  return true;
}

void
ft_ledger_entry_clear (FtLedgerEntry *e)
{
  g_clear_pointer (&e->batches, g_free);
  g_clear_pointer (&e->values, g_free);
  g_clear_pointer (&e->counts, g_free);
  e->n_batches = 0;
}

double
ft_ledger_entry_value (const FtLedgerEntry *e, FtLedgerRule rule)
{
  switch (rule)
    {
    case FT_LEDGER_RULE_WEIGHTED_MEAN:
      return e->weighted;
    case FT_LEDGER_RULE_UNWEIGHTED_MEAN:
      return e->unweighted;
    case FT_LEDGER_RULE_LAST_BATCH:
      return e->last;
    case FT_LEDGER_N_RULES:
      break;
    }
  return 0;
}

char *
ft_ledger_formula (const FtLedgerEntry *e, FtLedgerRule rule, int max_terms)
{
  int n = e->n_batches;
  if (n == 0)
    return g_strdup ("");
  GString *s = g_string_new (NULL);
  if (rule == FT_LEDGER_RULE_LAST_BATCH)
    {
      g_string_append_printf (s, "%.4f (batch %d of %d, %u samples)", e->values[n - 1], n, n,
                              e->batches[n - 1].size);
      return g_string_free (s, FALSE);
    }
  bool weighted = rule == FT_LEDGER_RULE_WEIGHTED_MEAN;
  int head = max_terms > 2 ? max_terms - 2 : 1, tail = max_terms > 2 ? 2 : 1;
  g_string_append (s, "(");
  for (int k = 0; k < n; k++)
    {
      if (n > max_terms && k == head)
        {
          g_string_append_printf (s, " + … %d more …", n - head - tail);
          k = n - tail;
        }
      if (k > 0)
        g_string_append (s, " + ");
      if (weighted)
        g_string_append_printf (s, "%.4f·%.6g", e->values[k], e->counts[k]);
      else
        g_string_append_printf (s, "%.4f", e->values[k]);
    }
  double carried_n = 0;
  if (weighted)
    {
      /* A loop that never resets its metrics carries the earlier epochs' sums into this one. */
      double batch_n = 0, batch_nv = 0;
      for (int k = 0; k < n; k++)
        {
          batch_n += e->counts[k];
          batch_nv += e->values[k] * e->counts[k];
        }
      carried_n = e->sum_n - batch_n;
      if (carried_n > 0)
        g_string_append_printf (s, " + earlier epochs' %.6g", e->sum_nv - batch_nv);
    }
  if (weighted)
    g_string_append_printf (s, ") / %.10g = %.6g", e->sum_n, e->weighted);
  else
    g_string_append_printf (s, ") / %d = %.6g", n, e->unweighted);
  return g_string_free (s, FALSE);
}

bool
ft_ledger_full_pass (FtLedger *l, int i, FtTrainer *scratch, const FtDataset *train, FtLogs *logs,
                     uint32_t *samples_out, GError **error)
{
  pthread_mutex_lock (&l->lock);
  const Epoch *ep = i >= 0 && (guint) i < l->epochs->len ? g_ptr_array_index (l->epochs, i) : NULL;
  float *w = NULL;
  size_t n_weights = 0;
  uint32_t samples = 0, batch = 0;
  if (ep != NULL && ep->weights != NULL)
    {
      w = g_memdup2 (ep->weights, ep->n_weights * sizeof (float));
      n_weights = ep->n_weights;
      for (guint k = 0; k < ep->batches->len; k++)
        {
          const FtLedgerBatch *b = &g_array_index (ep->batches, FtLedgerBatch, k);
          samples += b->size;
          batch = MAX (batch, b->size);
        }
    }
  pthread_mutex_unlock (&l->lock);
  FtModel *model = ft_trainer_model (scratch);
  if (w == NULL || n_weights != ft_model_n_params (model) || samples == 0 || samples > train->n)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "no weights saved after that epoch for a full pass");
      g_free (w);
      return false;
    }
  ft_model_set_weights (model, w);
  g_free (w);
  ft_logs_clear (logs);
  ft_trainer_evaluate (scratch, train, 0, samples, (int) batch, "", logs);
  if (samples_out)
    *samples_out = samples;
  return true;
}

/* ---- the recording callback ---- */

typedef struct
{
  FtCallback parent;
  FtLedger *ledger;
} Recorder;

/* Every test batch of a validation pass (the trainer's test-batch observer). */
static void
rec_test_batch (FtTrainer *t, float loss, uint32_t n, void *user_data)
{
  FtLedger *l = user_data;
  FtLedgerBatch b;
  memset (&b, 0, sizeof b);
  b.loss = loss;
  b.size = n;
  b.penalty = ft_trainer_last_penalty (t);
  for (int m = 0; m < FT_LEDGER_MAX_METRICS; m++)
    if (!ft_trainer_test_metric_state (t, m, NULL, &b.total[m], &b.count[m]))
      break;
  pthread_mutex_lock (&l->lock);
  if (l->in_test)
    g_array_append_val (l->val_current, b);
  pthread_mutex_unlock (&l->lock);
}

static void
rec_test_begin (FtCallback *cb, FtFitContext *ctx)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->val_current, 0);
  l->in_test = true;
  pthread_mutex_unlock (&l->lock);
}

static void
rec_test_end (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  pthread_mutex_lock (&l->lock);
  l->in_test = false;
  pthread_mutex_unlock (&l->lock);
}

static void
rec_train_end (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs)
{
  ft_trainer_set_test_batch_func (ctx->trainer, NULL, NULL);
}

static void
rec_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  ft_trainer_set_test_batch_func (ctx->trainer, rec_test_batch, l);
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->current, 0); /* epochs stay: a continued run appends to them */
  l->n_metrics = 0;
  const char *name;
  while (l->n_metrics < FT_LEDGER_MAX_METRICS
         && ft_trainer_metric_state (ctx->trainer, l->n_metrics, &name, NULL, NULL))
    {
      g_strlcpy (l->names[l->n_metrics], name, sizeof l->names[0]);
      l->n_metrics++;
    }
  pthread_mutex_unlock (&l->lock);
}

static void
rec_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  double total[FT_LEDGER_MAX_METRICS] = { 0 }, count[FT_LEDGER_MAX_METRICS] = { 0 };
  for (int m = 0; m < FT_LEDGER_MAX_METRICS; m++)
    if (!ft_trainer_metric_state (ctx->trainer, m, NULL, &total[m], &count[m]))
      break;
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->current, 0);
  g_array_set_size (l->val_current, 0);
  memcpy (l->base_total, total, sizeof total);
  memcpy (l->base_count, count, sizeof count);
  pthread_mutex_unlock (&l->lock);
}

static void
rec_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  FtLedgerBatch b;
  memset (&b, 0, sizeof b);
  b.loss = ctx->batch_loss;
  b.size = ctx->batch_size;
  b.penalty = ft_trainer_last_penalty (ctx->trainer);
  for (int m = 0; m < FT_LEDGER_MAX_METRICS; m++)
    if (!ft_trainer_metric_state (ctx->trainer, m, NULL, &b.total[m], &b.count[m]))
      break;
  pthread_mutex_lock (&l->lock);
  g_array_append_val (l->current, b);
  pthread_mutex_unlock (&l->lock);
}

static void
rec_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  Epoch *e = g_new0 (Epoch, 1);
  e->epoch = epoch;
  e->logs = *logs;
  e->regularization = ft_trainer_loss_has_regularization (ctx->trainer);
  const bool *pit = ft_trainer_get_pitfalls (ctx->trainer)->on;
  e->rule = pit[FT_PITFALL_EPOCH_LOSS_LAST_BATCH]   ? FT_LEDGER_RULE_LAST_BATCH
            : pit[FT_PITFALL_UNWEIGHTED_BATCH_MEAN] ? FT_LEDGER_RULE_UNWEIGHTED_MEAN
                                                    : FT_LEDGER_RULE_WEIGHTED_MEAN;
  pthread_mutex_lock (&l->lock);
  bool keep = l->keep_weights;
  pthread_mutex_unlock (&l->lock);
  if (keep)
    {
      FtModel *model = ft_trainer_model (ctx->trainer);
      e->n_weights = ft_model_n_params (model);
      e->weights = g_new (float, e->n_weights ? e->n_weights : 1);
      ft_model_get_weights (model, e->weights);
    }
  pthread_mutex_lock (&l->lock);
  if (e->weights != NULL) /* the copies' budget: drop the oldest ones past it */
    {
      size_t bytes = e->n_weights * sizeof (float);
      for (guint k = l->epochs->len; k-- > 0;)
        {
          Epoch *old = g_ptr_array_index (l->epochs, k);
          if (old->weights == NULL)
            continue;
          if (bytes + old->n_weights * sizeof (float) > FT_LEDGER_WEIGHTS_BUDGET)
            g_clear_pointer (&old->weights, g_free);
          else
            bytes += old->n_weights * sizeof (float);
        }
    }
  memcpy (e->base_total, l->base_total, sizeof e->base_total);
  memcpy (e->base_count, l->base_count, sizeof e->base_count);
  e->batches = l->current;
  l->current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
  if (l->val_current->len > 0)
    {
      e->val = l->val_current;
      l->val_current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
    }
  g_ptr_array_add (l->epochs, e);
  pthread_mutex_unlock (&l->lock);
}

static void
rec_free (FtCallback *cb)
{
  g_free (cb);
}

static const FtCallbackClass recorder_class = {
  .name = "Ledger",
  .on_train_begin = rec_train_begin,
  .on_epoch_begin = rec_epoch_begin,
  .on_train_batch_end = rec_batch_end,
  .on_test_begin = rec_test_begin,
  .on_test_end = rec_test_end,
  .on_epoch_end = rec_epoch_end,
  .on_train_end = rec_train_end,
  .free = rec_free,
};

FtCallback *
ft_ledger_callback_new (FtLedger *ledger)
{
  Recorder *r = g_new0 (Recorder, 1);
  r->parent.klass = &recorder_class;
  r->ledger = ledger;
  return &r->parent;
}
