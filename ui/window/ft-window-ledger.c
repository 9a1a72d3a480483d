/* ft-window-ledger.c — the ledger behind every number in the window: a click on an epoch's point of the
 * loss or accuracy chart (training or val_) opens an FtLedgerView with how that number was made, from the
 * run's FtLedger; in Compare mode the partner run's column stands beside it. The full pass over the
 * training data after the epoch is computed on demand from the epoch's saved weights, in a worker thread
 * on a private copy of the model (never the training one), and fills its line when it is done. */
#include "window/ft-window-private.h"

#include "experiment/ft-experiment.h"
#include "views/ft-ledger-view.h"

#include <glib/gi18n.h>
#include <string.h>

typedef struct
{
  FtLedger *ledger; /* referenced */
  int index;        /* into the ledger's epochs */
  FtExperiment *exp;
  FtSharedData *data;
  GWeakRef view;
  int column;
  char key[FT_LOG_KEY_MAX];
  /* results */
  gboolean ok;
  double value;
  uint32_t samples;
  char *message;
} FullPass;

static void
full_pass_free (gpointer p)
{
  FullPass *fp = p;
  ft_ledger_free (fp->ledger);
  ft_experiment_free (fp->exp);
  ft_shared_data_unref (fp->data);
  g_weak_ref_clear (&fp->view);
  g_free (fp->message);
  g_free (fp);
}

static void
full_pass_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  FullPass *fp = task_data;
  GError *error = NULL;
  FtTrainer *scratch = ft_experiment_build_trainer (fp->exp, fp->data->train, &error);
  FtLogs logs;
  ft_logs_clear (&logs);
  if (scratch != NULL
      && ft_ledger_full_pass (fp->ledger, fp->index, scratch, fp->data->train, &logs, &fp->samples, &error))
    {
      fp->ok = ft_logs_get (&logs, fp->key, &fp->value);
      if (!fp->ok)
        fp->message = g_strdup_printf (_ ("evaluate() reports no %s"), fp->key);
    }
  else
    fp->message = g_strdup (error ? error->message : _ ("the model could not be built"));
  g_clear_error (&error);
  ft_trainer_free (scratch);
  g_task_return_boolean (task, TRUE);
}

static void
full_pass_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FullPass *fp = g_task_get_task_data (G_TASK (result));
  FtLedgerView *view = g_weak_ref_get (&fp->view);
  if (view != NULL)
    {
      ft_ledger_view_set_full_pass (view, fp->column, fp->key, fp->ok, fp->value, fp->samples, fp->message);
      g_object_unref (view);
    }
}

static FtWindowRun *
run_by_plot_id (FtWindow *self, int plot_run)
{
  for (guint i = 0; i < ft_window_get_n_runs (self); i++)
    {
      FtWindowRun *run = ft_window_run_at (self, i);
      if (run->plot_run == plot_run)
        return run;
    }
  return NULL;
}

/* The ledger's index of an epoch (runs continued from a checkpoint start past 0), or -1. */
static int
ledger_index (FtLedger *ledger, int epoch)
{
  for (int i = ft_ledger_n_epochs (ledger) - 1; i >= 0; i--)
    {
      int e;
      if (ft_ledger_epoch (ledger, i, &e, NULL, NULL, NULL, NULL) && e == epoch)
        return i;
    }
  return -1;
}

static void
add_run_column (FtWindow *self, FtLedgerView *view, FtWindowRun *run, int epoch, const char *key)
{
  FtLedger *ledger = ft_run_ledger (run->engine);
  int i = ledger != NULL ? ledger_index (ledger, epoch) : -1;
  FtLedgerEntry e;
  if (i < 0 || !ft_ledger_entry (ledger, i, key, &e))
    {
      ft_ledger_view_add_message (view, run->name,
                                  ledger == NULL
                                      ? _ ("This run recorded no ledger.")
                                      : _ ("This epoch is not in the ledger: it was trained before "
                                           "this session, or has not ended yet."));
      return;
    }
  int column = ft_ledger_view_add_column (view, run->name, &e);
  bool wants_pass = !e.validation && e.n_batches > 0;
  ft_ledger_entry_clear (&e);
  if (!wants_pass)
    return;
  FullPass *fp = g_new0 (FullPass, 1);
  fp->ledger = ft_ledger_ref (ledger);
  fp->index = i;
  fp->exp = ft_experiment_copy (ft_run_experiment (run->engine));
  fp->data = ft_shared_data_ref (run->data);
  g_weak_ref_init (&fp->view, view);
  fp->column = column;
  g_strlcpy (fp->key, key, sizeof fp->key);
  GTask *task = g_task_new (NULL, NULL, full_pass_done, NULL);
  g_task_set_task_data (task, fp, full_pass_free);
  g_task_run_in_thread (task, full_pass_thread);
  g_object_unref (task);
}

GtkWidget *
ft_window_show_ledger (FtWindow *self, int plot_run, int epoch, const char *key)
{
  g_return_val_if_fail (FT_IS_WINDOW (self), NULL);
  FtWindowRun *run = run_by_plot_id (self, plot_run);
  if (run == NULL || key == NULL)
    return NULL;
  /* Compare mode: both runs of the pair, fit() first. */
  FtWindowRun *other = NULL;
  int pair = ft_plot_model_get_pair (self->plot_model, plot_run);
  if (pair != 0)
    other = run_by_plot_id (self, pair);
  FtWindowRun *first = run, *second = other;
  if (other != NULL && ft_run_is_tape (run->engine) && !ft_run_is_tape (other->engine))
    {
      first = other;
      second = run;
    }
  if (self->ledger_view != NULL)
    gtk_window_destroy (GTK_WINDOW (self->ledger_view));
  GtkWidget *view = ft_ledger_view_new (GTK_WINDOW (self));
  char *title = g_strdup_printf (_ ("How %s of epoch %d was made"), key, epoch + 1);
  const char *subtitle = other != NULL                    ? _ ("fit() and the tape loop side by side")
                         : g_str_has_prefix (key, "val_") ? _ ("the validation pass at the epoch's end")
                                                          : _ ("the epoch's training batches");
  ft_ledger_view_set_heading (FT_LEDGER_VIEW (view), title, subtitle);
  g_free (title);
  add_run_column (self, FT_LEDGER_VIEW (view), first, epoch, key);
  if (second != NULL)
    add_run_column (self, FT_LEDGER_VIEW (view), second, epoch, key);
  self->ledger_view = view;
  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &self->ledger_view);
  gtk_window_present (GTK_WINDOW (view));
  return view;
}

GtkWidget *
ft_window_get_ledger_view (FtWindow *self)
{
  g_return_val_if_fail (FT_IS_WINDOW (self), NULL);
  return self->ledger_view;
}

static void
on_epoch_activated (FtPlotView *view, int run, int epoch, const char *key, FtWindow *self)
{
  ft_window_show_ledger (self, run, epoch, key);
}

static void
action_show_ledger (GtkWidget *widget, const char *name, GVariant *param)
{
  int run, epoch;
  const char *key;
  g_variant_get (param, "(ii&s)", &run, &epoch, &key);
  ft_window_show_ledger (FT_WINDOW (widget), run, epoch, key);
}

void
ft_window_ledger_init (FtWindow *self)
{
  g_signal_connect (self->loss_view, "epoch-activated", G_CALLBACK (on_epoch_activated), self);
  g_signal_connect (self->acc_view, "epoch-activated", G_CALLBACK (on_epoch_activated), self);
}

void
ft_window_ledger_install_actions (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "win.show-ledger", "(iis)", action_show_ledger);
}
