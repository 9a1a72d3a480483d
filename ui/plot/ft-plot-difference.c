/* ft-plot-difference.c — the per-step difference series of a pair of runs (see ft-plot-difference.h). */
#include "plot/ft-plot-difference.h"

#include "core/ft-format.h"

#include <math.h>
#include <string.h>

/* Steps of one side not yet matched: pending[head, len). */
typedef struct
{
  GArray *pending; /* FtPlotBatchPoint */
  guint head;
  bool any;
  double last_step;
} Side;

struct FtPlotDifference
{
  Side side[2];
  GArray *points; /* FtPlotBatchPoint: the difference per step */
  FtPlotSummary *summary;
};

FtPlotDifference *
ft_plot_difference_new (void)
{
  FtPlotDifference *d = g_new0 (FtPlotDifference, 1);
  for (int s = 0; s < 2; s++)
    d->side[s].pending = g_array_new (FALSE, FALSE, sizeof (FtPlotBatchPoint));
  d->points = g_array_sized_new (FALSE, FALSE, sizeof (FtPlotBatchPoint), 1024);
  d->summary = ft_plot_summary_new ();
  return d;
}

void
ft_plot_difference_free (FtPlotDifference *d)
{
  if (d == NULL)
    return;
  for (int s = 0; s < 2; s++)
    g_array_unref (d->side[s].pending);
  g_array_unref (d->points);
  ft_plot_summary_free (d->summary);
  g_free (d);
}

FtPlotDifference *
ft_plot_difference_copy (const FtPlotDifference *d)
{
  FtPlotDifference *c = g_new0 (FtPlotDifference, 1);
  for (int s = 0; s < 2; s++)
    {
      c->side[s] = d->side[s];
      c->side[s].pending = g_array_copy (d->side[s].pending);
    }
  c->points = g_array_copy (d->points);
  c->summary = ft_plot_summary_copy (d->summary);
  return c;
}

void
ft_plot_difference_clear (FtPlotDifference *d)
{
  for (int s = 0; s < 2; s++)
    {
      g_array_set_size (d->side[s].pending, 0);
      d->side[s].head = 0;
      d->side[s].any = false;
    }
  g_array_set_size (d->points, 0);
  ft_plot_summary_clear (d->summary);
}

/* |a − b|: 0 for the same bits (also two equal NaNs: the fingerprints call those identical). */
static float
difference_of (float a, float b)
{
  if (memcmp (&a, &b, sizeof a) == 0)
    return 0.0f;
  float v = (float) fabs ((double) a - (double) b);
  return isfinite (v) ? v : FT_PLOT_DIFFERENCE_NOT_FINITE;
}

/* Drops a side's matched steps: at once when none is left, in one move when they are most of its queue. */
static void
compact (Side *s)
{
  if (s->head == s->pending->len)
    {
      g_array_set_size (s->pending, 0);
      s->head = 0;
    }
  else if (s->head >= 1024 && 2 * s->head >= s->pending->len)
    {
      g_array_remove_range (s->pending, 0, s->head);
      s->head = 0;
    }
}

/* Matches the queued steps of both sides by step; a step only one side has is dropped. */
static bool
match (FtPlotDifference *d)
{
  Side *a = &d->side[0], *b = &d->side[1];
  bool grew = false;
  while (a->head < a->pending->len && b->head < b->pending->len)
    {
      const FtPlotBatchPoint *pa = &g_array_index (a->pending, FtPlotBatchPoint, a->head);
      const FtPlotBatchPoint *pb = &g_array_index (b->pending, FtPlotBatchPoint, b->head);
      if (pa->step != pb->step)
        {
          a->head += pa->step < pb->step;
          b->head += pb->step < pa->step;
          continue;
        }
      FtPlotBatchPoint q = *pa;
      q.batch_loss = q.loss = q.metric = difference_of (pa->batch_loss, pb->batch_loss);
      g_array_append_val (d->points, q);
      ft_plot_summary_append (d->summary, (const FtPlotBatchPoint *) (void *) d->points->data,
                              (int) d->points->len);
      a->head++;
      b->head++;
      grew = true;
    }
  compact (a);
  compact (b);
  return grew;
}

bool
ft_plot_difference_add (FtPlotDifference *d, int side, const FtPlotBatchPoint *p)
{
  g_return_val_if_fail (d != NULL && p != NULL && (side == 0 || side == 1), false);
  Side *s = &d->side[side];
  if (s->any && !(p->step > s->last_step))
    return false;
  s->any = true;
  s->last_step = p->step;
  g_array_append_val (s->pending, *p);
  return match (d);
}

const FtPlotBatchPoint *
ft_plot_difference_points (const FtPlotDifference *d, int *n)
{
  *n = d != NULL ? (int) d->points->len : 0;
  return d != NULL ? (const FtPlotBatchPoint *) (void *) d->points->data : NULL;
}

const FtPlotSummary *
ft_plot_difference_summary (const FtPlotDifference *d)
{
  return d != NULL ? d->summary : NULL;
}

bool
ft_plot_difference_describe_at (const FtPlotDifference *difference, FtPlotXAxis axis, double x,
                                double tolerance, char *text, size_t size)
{
  int n = 0;
  const FtPlotBatchPoint *p = difference != NULL ? ft_plot_difference_points (difference, &n) : NULL;
  if (n == 0)
    return false;
  int k = ft_plot_batch_lower_bound (p, n, axis, x);
  if (k >= n || (k > 0 && x - ft_plot_batch_x (&p[k - 1], axis) < ft_plot_batch_x (&p[k], axis) - x))
    k--;
  if (fabs (ft_plot_batch_x (&p[k], axis) - x) > tolerance)
    return false;
  char step[32];
  ft_format_thousands (step, sizeof step, (int64_t) p[k].step);
  if (p[k].batch_loss == 0.0f)
    g_snprintf (text, size, "identical at step %s", step);
  else if (p[k].batch_loss >= FT_PLOT_DIFFERENCE_NOT_FINITE)
    g_snprintf (text, size, "|Δ| not finite at step %s", step);
  else
    g_snprintf (text, size, "|Δ| %.3g at step %s", p[k].batch_loss, step);
  return true;
}
