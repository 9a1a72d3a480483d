/* ft-plot-summary.h — a level-of-detail summary of a run's per-batch points, so that drawing the per-batch
 * line costs work in proportion to the chart's width, not to the run's length: blocks of 2^k points
 * (k ≥ FT_PLOT_SUMMARY_MIN_SHIFT) aligned on their size, each with the min, max, sum and count of every
 * per-batch value (loss, raw batch loss, metric; linear and log10), appended as points arrive (a block is
 * made when its last point arrives, never rebuilt whole). And the per-pixel-column envelope of the
 * per-batch line (min, max, mean, epoch) computed from it, or by brute force over every point (tests).
 *
 * Pure C over GLib, like the plot model that owns one summary per run. */
#pragma once

#include "plot/ft-plot-model.h"

#include <glib.h>
#include <math.h>
#include <stdbool.h>

G_BEGIN_DECLS

/* The smallest block: 2^4 = 16 points (memory: about 15 bytes per point over all levels). */
#define FT_PLOT_SUMMARY_MIN_SHIFT 4

/* Which per-batch value. */
typedef enum
{
  FT_PLOT_VALUE_LOSS,       /* running mean of the loss */
  FT_PLOT_VALUE_BATCH_LOSS, /* raw loss of the batch */
  FT_PLOT_VALUE_METRIC,     /* running metric */
  FT_PLOT_N_VALUES,
} FtPlotValue;

typedef struct FtPlotSummary FtPlotSummary;

FtPlotSummary *ft_plot_summary_new (void);
void ft_plot_summary_free (FtPlotSummary *summary);
FtPlotSummary *ft_plot_summary_copy (const FtPlotSummary *summary);
void ft_plot_summary_clear (FtPlotSummary *summary);
/* The point b[n - 1] was just appended to b (all earlier points were passed before, in order). */
void ft_plot_summary_append (FtPlotSummary *summary, const FtPlotBatchPoint *b, int n);

/* The summary of a run's batches (ft-plot-model.c); NULL for an unknown run. */
const FtPlotSummary *ft_plot_model_get_summary (const FtPlotModel *model, int run);

/* The lowest and highest usable value (finite; positive with log_y) of the points b[a, z) of the summary
 * of b (NULL: one by one), from whole blocks where they fit; min > max when there is none. Returns the
 * points and blocks visited. */
gint64 ft_plot_summary_range (const FtPlotSummary *summary, const FtPlotBatchPoint *b, FtPlotValue value,
                              bool log_y, int a, int z, float *min, float *max);

/* The value a point has on a chart. */
static inline float
ft_plot_point_value (const FtPlotBatchPoint *p, FtPlotValue value)
{
  return value == FT_PLOT_VALUE_LOSS         ? p->loss
         : value == FT_PLOT_VALUE_BATCH_LOSS ? p->batch_loss
                                             : p->metric;
}

/* Which epoch a batch point belongs to (0-based). */
static inline int
ft_plot_batch_epoch (const FtPlotBatchPoint *p)
{
  return (int) ceil (p->epoch - 1e-9) - 1;
}

/* The envelope of the per-batch line: per device-pixel column the min, max and sum (of y transformed:
 * log10 with log_y) and the count of its points and their epoch. With break_epochs (running means, which
 * restart every epoch) a column where an epoch ends keeps only the new epoch's points. */
typedef struct
{
  int ncols;
  float *mins, *maxs;
  double *sums;
  int *counts, *epochs;
} FtPlotEnvelope;

typedef struct
{
  FtPlotXAxis axis;
  FtPlotValue value;
  bool log_y;
  bool break_epochs;
  double x0, x1; /* the x range the columns span */
} FtPlotEnvelopeSpec;

void ft_plot_envelope_init (FtPlotEnvelope *env, int ncols);
void ft_plot_envelope_free (FtPlotEnvelope *env);
/* From the points b[a, z) one by one. Returns the number of points visited. */
gint64 ft_plot_envelope_fill_all (FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec,
                                  const FtPlotBatchPoint *b, int a, int z);
/* The same from the summary of b (NULL: one by one): whole blocks where a block lies in one column (and
 * one epoch), points one by one only where a column or an epoch ends inside a smallest block. Min and max
 * are the same as fill_all's, sums the same up to rounding. Returns the points and blocks visited. */
gint64 ft_plot_envelope_fill (FtPlotEnvelope *env, const FtPlotEnvelopeSpec *spec, const FtPlotBatchPoint *b,
                              const FtPlotSummary *summary, int a, int z);

G_END_DECLS
