/* ft-plot-difference.h — Compare mode's per-step difference of a pair of runs: each run's loss at every
 * step it completed (not only the batch-end events a window was shown: those are coalesced while its main
 * loop is busy, so two runs' plotted points rarely share a step), matched by global step into |loss_a −
 * loss_b|, one point per step both runs have, with the level-of-detail summary the difference lane is drawn
 * from in work bounded by its width.
 *
 * Pure C over GLib, like the plot model that owns one per pair. Appending costs amortized O(1): a side's
 * steps wait in a queue only until the other side reaches them. */
#pragma once

#include "plot/ft-plot-model.h"
#include "plot/ft-plot-summary.h"

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

/* Where both losses are not finite and differ (a NaN against a number): large enough to sit at the top of
 * any log axis, finite so that the summary keeps it. */
#define FT_PLOT_DIFFERENCE_NOT_FINITE 1e30f

typedef struct FtPlotDifference FtPlotDifference;

FtPlotDifference *ft_plot_difference_new (void);
void ft_plot_difference_free (FtPlotDifference *difference);
FtPlotDifference *ft_plot_difference_copy (const FtPlotDifference *difference);
void ft_plot_difference_clear (FtPlotDifference *difference);

/* One completed step of side 0 or 1: p's step, epoch and samples place it, p->batch_loss is its loss. A
 * side's steps arrive in training order; a step not after that side's last is ignored. Returns whether
 * the series grew. */
bool ft_plot_difference_add (FtPlotDifference *difference, int side, const FtPlotBatchPoint *p);

/* The series, sorted by step: per step both sides have, its place (step, epoch, samples of side 0) and
 * |a − b| in batch_loss, loss and metric alike (exactly 0 when the losses are the same bit for bit,
 * FT_PLOT_DIFFERENCE_NOT_FINITE when the difference is not finite). Borrowed; *n gets the count. */
const FtPlotBatchPoint *ft_plot_difference_points (const FtPlotDifference *difference, int *n);
const FtPlotSummary *ft_plot_difference_summary (const FtPlotDifference *difference);

/* What the hover box says of the step nearest x (on axis), when one lies within tolerance (x units):
 * "identical at step 1,234", "|Δ| 3.2e-05 at step 1,234" or "|Δ| not finite at step 1,234". False (text
 * untouched) when difference is NULL, empty or has no step that near. */
bool ft_plot_difference_describe_at (const FtPlotDifference *difference, FtPlotXAxis axis, double x,
                                     double tolerance, char *text, size_t size);

/* The difference of run's pair from the step records of both runs (ft_plot_model_add_step); NULL when run
 * is unpaired or the pair has none. */
const FtPlotDifference *ft_plot_model_get_difference (const FtPlotModel *model, int run);

G_END_DECLS
