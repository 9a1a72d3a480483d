/* ft-ledger.c — per-epoch records of how the logged numbers were made (see ft-ledger.h). */
#include "train/ft-ledger.h"

#include <pthread.h>
#include <string.h>

typedef struct
{
  int epoch;
  FtLogs logs;
  GArray *batches; /* FtLedgerBatch */
  bool regularization;
} Epoch;

struct FtLedger
{
  pthread_mutex_t lock;
  GArray *current;   /* the epoch being recorded */
  GPtrArray *epochs; /* Epoch* */
  int n_metrics;
  char names[FT_LEDGER_MAX_METRICS][FT_LOG_KEY_MAX];
};

static void
epoch_free (gpointer p)
{
  Epoch *e = p;
  g_array_unref (e->batches);
  g_free (e);
}

FtLedger *
ft_ledger_new (void)
{
  FtLedger *l = g_new0 (FtLedger, 1);
  pthread_mutex_init (&l->lock, NULL);
  l->current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
  l->epochs = g_ptr_array_new_with_free_func (epoch_free);
  return l;
}

void
ft_ledger_free (FtLedger *l)
{
  if (l == NULL)
    return;
  g_array_unref (l->current);
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

/* ---- the recording callback ---- */

typedef struct
{
  FtCallback parent;
  FtLedger *ledger;
} Recorder;

static void
rec_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  FtLedger *l = ((Recorder *) cb)->ledger;
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->current, 0);
  g_ptr_array_set_size (l->epochs, 0);
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
  pthread_mutex_lock (&l->lock);
  g_array_set_size (l->current, 0);
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
  pthread_mutex_lock (&l->lock);
  e->batches = l->current;
  l->current = g_array_new (FALSE, FALSE, sizeof (FtLedgerBatch));
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
  .on_epoch_end = rec_epoch_end,
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
