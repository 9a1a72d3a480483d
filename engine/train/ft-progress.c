/* ft-progress.c — the progress bar of Keras' fit() (keras/src/utils/progbar.py, verbose 1 and 2) as a
 * callback that writes to a text sink. */
#include "train/ft-callbacks.h"

#include <math.h>

/* ---- the progress bar (keras/src/utils/progbar.py, verbose 1 and 2) ---- */

typedef struct
{
  FtCallback parent;
  int verbose;
  FtTextSink sink;
  void *user_data;
  gint64 epoch_start;
  gint64 last_draw;
  int last_batch;
} Progress;

static void
emit (Progress *p, GString *s)
{
  p->sink (s->str, p->user_data);
}

static void
format_duration (GString *s, double seconds)
{
  long t = lround (seconds);
  if (t >= 3600)
    g_string_append_printf (s, "%ld:%02ld:%02ld", t / 3600, (t % 3600) / 60, t % 60);
  else if (t >= 60)
    g_string_append_printf (s, "%ld:%02ld", t / 60, t % 60);
  else
    g_string_append_printf (s, "%lds", t);
}

static void
format_per_step (GString *s, double seconds)
{
  if (seconds >= 1)
    g_string_append_printf (s, "%.0fs/step", seconds);
  else if (seconds >= 1e-3)
    g_string_append_printf (s, "%.0fms/step", seconds * 1e3);
  else
    g_string_append_printf (s, "%.0fus/step", seconds * 1e6);
}

/* Keras 3's bar: 20 cells of "━", the done part bright, the rest dim (ANSI on a terminal). */
static void
bar (GString *s, int done, int total)
{
  int width = 20, filled = total > 0 ? (int) ((double) done / total * width) : width;
  for (int i = 0; i < filled; i++)
    g_string_append (s, "━");
  if (filled < width)
    {
      g_string_append (s, "\033[2m");
      for (int i = filled; i < width; i++)
        g_string_append (s, "━");
      g_string_append (s, "\033[0m");
    }
}

static void
append_logs (GString *s, const FtLogs *logs)
{
  if (logs->n)
    g_string_append (s, " - ");
  ft_logs_format (logs, s);
}

static void
progress_train_begin (FtCallback *cb, FtFitContext *ctx)
{
}

static void
progress_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  Progress *p = (Progress *) cb;
  p->epoch_start = g_get_monotonic_time ();
  p->last_draw = 0;
  if (ctx->epochs > 1) /* Keras prints the header only when there is more than one epoch */
    {
      GString *s = g_string_new (NULL);
      g_string_printf (s, "Epoch %d/%d\n", epoch + 1, ctx->epochs);
      emit (p, s);
      g_string_free (s, TRUE);
    }
}

static void
progress_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  Progress *p = (Progress *) cb;
  p->last_batch = batch;
  if (p->verbose != 1 || !ctx->report_progress)
    return;
  gint64 now = g_get_monotonic_time ();
  if (now - p->last_draw < 100000 && batch + 1 < ctx->steps) /* redraw at most ten times a second */
    return;
  p->last_draw = now;
  double elapsed = (double) (now - p->epoch_start) / 1e6;
  double per_step = elapsed / (batch + 1);
  char digits[16];
  int width = g_snprintf (digits, sizeof digits, "%d", ctx->steps);
  GString *s = g_string_new ("\r");
  g_string_append_printf (s, "%*d/%d ", width, batch + 1, ctx->steps);
  bar (s, batch + 1, ctx->steps);
  g_string_append_c (s, ' ');
  /* Keras: the ETA while running, the elapsed time at the end; then the time per step. */
  format_duration (s, batch + 1 < ctx->steps ? per_step * (ctx->steps - batch - 1) : elapsed);
  g_string_append_c (s, ' ');
  format_per_step (s, per_step);
  append_logs (s, logs);
  g_string_append (s, "\033[K");
  emit (p, s);
  g_string_free (s, TRUE);
}

static void
progress_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  Progress *p = (Progress *) cb;
  double elapsed = (double) (g_get_monotonic_time () - p->epoch_start) / 1e6;
  int steps = p->last_batch + 1;
  /* Keras finalises the bar at its target even when the epoch was cut short. */
  GString *s = g_string_new (p->verbose == 1 ? "\r" : "");
  g_string_append_printf (s, "%d/%d ", ctx->steps, ctx->steps);
  if (p->verbose == 1)
    {
      bar (s, ctx->steps, ctx->steps);
      g_string_append (s, " ");
      format_duration (s, elapsed);
      g_string_append (s, " ");
    }
  else
    {
      g_string_append (s, "- ");
      format_duration (s, elapsed);
      g_string_append (s, " - ");
    }
  format_per_step (s, elapsed / (steps > 0 ? steps : 1));
  append_logs (s, logs);
  g_string_append (s, p->verbose == 1 ? "\033[K\n" : "\n");
  emit (p, s);
  g_string_free (s, TRUE);
}

static void
progress_free (FtCallback *cb)
{
  g_free (cb);
}

static const FtCallbackClass progress_class = {
  .name = "ProgbarLogger",
  .on_train_begin = progress_train_begin,
  .on_epoch_begin = progress_epoch_begin,
  .on_train_batch_end = progress_batch_end,
  .on_epoch_end = progress_epoch_end,
  .free = progress_free,
};

FtCallback *
ft_progress_callback_new (int verbose, FtTextSink sink, void *user_data)
{
  Progress *p = g_new0 (Progress, 1);
  p->parent.klass = &progress_class;
  p->verbose = verbose;
  p->sink = sink;
  p->user_data = user_data;
  return &p->parent;
}
