/* ft-plot-summary.c — the level-of-detail summary of a run's per-batch points and the per-column envelope
 * drawn from it (see ft-plot-summary.h). */
#include "plot/ft-plot-summary.h"

#include <math.h>

#define MAX_LEVELS 27 /* blocks of up to 2^30 points */

/* One value's statistics over a block: of its finite values, and of its positive ones for a log axis. */
typedef struct
{
  float min, max, minpos;
  guint32 count, npos;
  double sum;    /* of the values */
  double logsum; /* of (float) log10 of the positive values, as the envelope sums them */
} Stats;

typedef struct
{
  Stats v[FT_PLOT_N_VALUES];
} Block;

struct FtPlotSummary
{
  GArray
      *levels[MAX_LEVELS]; /* Block: level L holds the blocks of 2^(FT_PLOT_SUMMARY_MIN_SHIFT + L) points */
};

FtPlotSummary *
ft_plot_summary_new (void)
{
  return g_new0 (FtPlotSummary, 1);
}

void
ft_plot_summary_free (FtPlotSummary *summary)
{
  if (summary == NULL)
    return;
  for (int l = 0; l < MAX_LEVELS; l++)
    if (summary->levels[l] != NULL)
      g_array_unref (summary->levels[l]);
  g_free (summary);
}

FtPlotSummary *
ft_plot_summary_copy (const FtPlotSummary *summary)
{
  FtPlotSummary *c = ft_plot_summary_new ();
  for (int l = 0; l < MAX_LEVELS; l++)
    if (summary->levels[l] != NULL)
      c->levels[l] = g_array_copy (summary->levels[l]);
  return c;
}

void
ft_plot_summary_clear (FtPlotSummary *summary)
{
  for (int l = 0; l < MAX_LEVELS; l++)
    if (summary->levels[l] != NULL)
      g_array_set_size (summary->levels[l], 0);
}

static void
stats_add (Stats *s, float v)
{
  if (!isfinite (v))
    return;
  s->min = s->count == 0 ? v : MIN (s->min, v);
  s->max = s->count == 0 ? v : MAX (s->max, v);
  s->sum += v;
  s->count++;
  if (v > 0)
    {
      s->minpos = s->npos == 0 ? v : MIN (s->minpos, v);
      s->logsum += (float) log10 (v);
      s->npos++;
    }
}

static void
stats_merge (Stats *d, const Stats *s)
{
  if (s->count > 0)
    {
      d->min = d->count == 0 ? s->min : MIN (d->min, s->min);
      d->max = d->count == 0 ? s->max : MAX (d->max, s->max);
      d->sum += s->sum;
      d->count += s->count;
    }
  if (s->npos > 0)
    {
      d->minpos = d->npos == 0 ? s->minpos : MIN (d->minpos, s->minpos);
      d->logsum += s->logsum;
      d->npos += s->npos;
    }
}

static void
push_block (FtPlotSummary *summary, int level, const Block *block)
{
  if (summary->levels[level] == NULL)
    summary->levels[level] = g_array_new (FALSE, FALSE, sizeof (Block));
  g_array_append_val (summary->levels[level], *block);
}

void
ft_plot_summary_append (FtPlotSummary *summary, const FtPlotBatchPoint *b, int n)
{
  int size = 1 << FT_PLOT_SUMMARY_MIN_SHIFT;
  if (n <= 0 || n % size != 0)
    return;
  Block block = { 0 };
  for (int k = n - size; k < n; k++)
    for (int v = 0; v < FT_PLOT_N_VALUES; v++)
      stats_add (&block.v[v], ft_plot_point_value (&b[k], (FtPlotValue) v));
  push_block (summary, 0, &block);
  /* Two blocks of a level that complete an aligned pair make one of the next level. */
  for (int l = 0; l + 1 < MAX_LEVELS && summary->levels[l]->len % 2 == 0; l++)
    {
      const Block *pair = &g_array_index (summary->levels[l], Block, summary->levels[l]->len - 2);
      Block up = pair[0];
      for (int v = 0; v < FT_PLOT_N_VALUES; v++)
        stats_merge (&up.v[v], &pair[1].v[v]);
      push_block (summary, l + 1, &up);
    }
}

/* The level of the largest summarised block that starts at i and ends by z, or -1. */
static int
largest_block (const FtPlotSummary *summary, int i, int z)
{
  int top = -1;
  for (int l = 0; l < MAX_LEVELS; l++)
    {
      int shift = FT_PLOT_SUMMARY_MIN_SHIFT + l;
      gint64 size = (gint64) 1 << shift;
      if ((i & (size - 1)) != 0 || i + size > z || summary->levels[l] == NULL
          || (i >> shift) >= (int) summary->levels[l]->len)
        break;
      top = l;
    }
  return top;
}

static inline const Stats *
block_stats (const FtPlotSummary *summary, int level, int i, FtPlotValue value)
{
  return &g_array_index (summary->levels[level], Block, i >> (FT_PLOT_SUMMARY_MIN_SHIFT + level)).v[value];
}

gint64
ft_plot_summary_range (const FtPlotSummary *summary, const FtPlotBatchPoint *b, FtPlotValue value, bool log_y,
                       int a, int z, float *min, float *max)
{
  Stats acc = { 0 };
  gint64 visits = 0;
  for (int i = a; i < z; visits++)
    {
      int l = summary != NULL ? largest_block (summary, i, z) : -1;
      if (l >= 0)
        {
          stats_merge (&acc, block_stats (summary, l, i, value));
          i += 1 << (FT_PLOT_SUMMARY_MIN_SHIFT + l);
        }
      else
        stats_add (&acc, ft_plot_point_value (&b[i++], value));
    }
  *min = INFINITY;
  *max = -INFINITY;
  if (log_y ? acc.npos > 0 : acc.count > 0)
    {
      *min = log_y ? acc.minpos : acc.min;
      *max = acc.max;
    }
  return visits;
}

/* ---- the envelope ---- */

void
ft_plot_envelope_init (FtPlotEnvelope *env, int ncols)
{
  env->ncols = ncols;
  env->mins = g_new (float, ncols);
  env->maxs = g_new (float, ncols);
  env->sums = g_new0 (double, ncols);
  env->counts = g_new0 (int, ncols);
  env->epochs = g_new (int, ncols);
}

void
ft_plot_envelope_free (FtPlotEnvelope *env)
{
  g_free (env->epochs);
  g_free (env->mins);
  g_free (env->maxs);
  g_free (env->sums);
  g_free (env->counts);
}

static inline int
column_of (const FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec, double kx, double x)
{
  int col = (int) ((x - spec->x0) * kx);
  return col >= env->ncols ? env->ncols - 1 : col;
}

/* Adds points of one epoch with these statistics (transformed y) to a column. A column where an epoch
 * ends keeps only the new epoch's running means. */
static void
column_put (FtPlotEnvelope *env, int col, int ep, float min, float max, double sum, int count)
{
  if (env->counts[col] == 0 || env->epochs[col] != ep)
    {
      env->mins[col] = min;
      env->maxs[col] = max;
      env->sums[col] = 0;
      env->counts[col] = 0;
      env->epochs[col] = ep;
    }
  else
    {
      env->mins[col] = MIN (env->mins[col], min);
      env->maxs[col] = MAX (env->maxs[col], max);
    }
  env->sums[col] += sum;
  env->counts[col] += count;
}

static void
put_point (FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec, double kx, const FtPlotBatchPoint *p)
{
  double x = ft_plot_batch_x (p, spec->axis);
  if (x < spec->x0 || x > spec->x1)
    return;
  double v = ft_plot_point_value (p, spec->value);
  if (!isfinite (v) || (spec->log_y && !(v > 0)))
    return;
  float t = (float) (spec->log_y ? log10 (v) : v);
  column_put (env, column_of (env, spec, kx, x), spec->break_epochs ? ft_plot_batch_epoch (p) : 0, t, t, t,
              1);
}

gint64
ft_plot_envelope_fill_all (FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec, const FtPlotBatchPoint *b,
                           int a, int z)
{
  double kx = env->ncols / (spec->x1 - spec->x0);
  for (int k = a; k < z; k++)
    put_point (env, spec, kx, &b[k]);
  return MAX (0, z - a);
}

/* One envelope being filled from a summary. */
typedef struct
{
  FtPlotEnvelope *env;
  const FtPlotEnvelopeSpec *spec;
  double kx; /* columns per x unit */
  const FtPlotBatchPoint *b;
  const FtPlotSummary *summary;
  int top;       /* the largest level worth trying: blocks of about two columns' points */
  gint64 visits; /* points, blocks and probes */
} Walker;

/* Whether the block of `size` points from i lies in one column (and one epoch when epochs break). */
static bool
block_fits (const Walker *w, int i, int size)
{
  const FtPlotEnvelopeSpec *spec = w->spec;
  const FtPlotBatchPoint *p = &w->b[i], *q = &w->b[i + size - 1];
  double xa = ft_plot_batch_x (p, spec->axis), xb = ft_plot_batch_x (q, spec->axis);
  if (xa < spec->x0 || xb > spec->x1)
    return false;
  if (column_of (w->env, spec, w->kx, xa) != column_of (w->env, spec, w->kx, xb))
    return false;
  return !spec->break_epochs || ft_plot_batch_epoch (p) == ft_plot_batch_epoch (q);
}

/* The largest summarised block that starts at i, ends by z and fits: its level, or -1. */
static int
pick_block (Walker *w, int i, int z)
{
  for (int l = MIN (w->top, largest_block (w->summary, i, z)); l >= 0; l--)
    {
      w->visits++;
      if (block_fits (w, i, 1 << (FT_PLOT_SUMMARY_MIN_SHIFT + l)))
        return l;
    }
  return -1;
}

static void
put_block (Walker *w, int i, const Stats *s)
{
  const FtPlotEnvelopeSpec *spec = w->spec;
  int col = column_of (w->env, spec, w->kx, ft_plot_batch_x (&w->b[i], spec->axis));
  int ep = spec->break_epochs ? ft_plot_batch_epoch (&w->b[i]) : 0;
  if (spec->log_y && s->npos > 0)
    column_put (w->env, col, ep, (float) log10 (s->minpos), (float) log10 (s->max), s->logsum, (int) s->npos);
  else if (!spec->log_y && s->count > 0)
    column_put (w->env, col, ep, s->min, s->max, s->sum, (int) s->count);
}

/* The points [a, z) by the largest blocks that fit, one by one where none does. */
static void
walk (Walker *w, int a, int z)
{
  for (int i = a; i < z;)
    {
      int l = pick_block (w, i, z);
      if (l >= 0)
        {
          put_block (w, i, block_stats (w->summary, l, i, w->spec->value));
          i += 1 << (FT_PLOT_SUMMARY_MIN_SHIFT + l);
        }
      else
        {
          w->visits++;
          put_point (w->env, w->spec, w->kx, &w->b[i++]);
        }
    }
}

/* Whether b[k] is past column col (or past the range). */
static inline bool
past_column (Walker *w, int k, int col)
{
  w->visits++;
  double x = ft_plot_batch_x (&w->b[k], w->spec->axis);
  return x > w->spec->x1 || column_of (w->env, w->spec, w->kx, x) > col;
}

static inline bool
before_epoch (Walker *w, int k, int ep)
{
  w->visits++;
  return ft_plot_batch_epoch (&w->b[k]) < ep;
}

/* The points of one column when epochs break, from i (its first) on: the column keeps only its last
 * epoch's usable points, so only that epoch's stretch is walked (or, when it has no usable point, the one
 * before, …). Searches gallop then halve: work in the log of the column's points. Returns the index after
 * the column's last point. */
static int
fill_column (Walker *w, int i, int z)
{
  int col = column_of (w->env, w->spec, w->kx, ft_plot_batch_x (&w->b[i], w->spec->axis));
  int lo = i + 1, hi = i + 1;
  for (int step = 1; hi < z && !past_column (w, hi, col); step *= 2)
    {
      lo = hi + 1;
      hi = MIN (z, hi + step);
    }
  while (lo < hi) /* the first point past the column */
    {
      int mid = lo + (hi - lo) / 2;
      if (past_column (w, mid, col))
        hi = mid;
      else
        lo = mid + 1;
    }
  int next = lo;
  for (int end = next; end > i && w->env->counts[col] == 0; end = lo)
    {
      int ep = ft_plot_batch_epoch (&w->b[end - 1]);
      hi = end - 1;
      lo = end - 2;
      for (int step = 1; lo >= i && !before_epoch (w, lo, ep); step *= 2)
        {
          hi = lo;
          lo -= step;
        }
      lo = MAX (lo + 1, i);
      while (lo < hi) /* the first point of that epoch */
        {
          int mid = lo + (hi - lo) / 2;
          if (!before_epoch (w, mid, ep))
            hi = mid;
          else
            lo = mid + 1;
        }
      walk (w, lo, end);
    }
  return next;
}

gint64
ft_plot_envelope_fill (FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec, const FtPlotBatchPoint *b,
                       const FtPlotSummary *summary, int a, int z)
{
  if (summary == NULL || z - a <= 4 * env->ncols)
    return ft_plot_envelope_fill_all (env, spec, b, a, z); /* few points per column: as cheap one by one */
  Walker w = {
    .env = env, .spec = spec, .kx = env->ncols / (spec->x1 - spec->x0), .b = b, .summary = summary
  };
  w.top = MAX (0, (int) ceil (log2 (2.0 * (z - a) / env->ncols)) - FT_PLOT_SUMMARY_MIN_SHIFT);
  /* Epochs breaking more often than every other column: walk only each column's last epoch. */
  int epochs = ft_plot_batch_epoch (&b[z - 1]) - ft_plot_batch_epoch (&b[a]);
  if (!spec->break_epochs || 2 * epochs < env->ncols)
    {
      walk (&w, a, z);
      return w.visits;
    }
  for (int i = a; i < z;)
    {
      double x = ft_plot_batch_x (&b[i], spec->axis);
      if (x >= spec->x0 && x <= spec->x1)
        i = fill_column (&w, i, z);
      else
        {
          w.visits++;
          i++; /* outside the columns */
        }
    }
  return w.visits;
}
