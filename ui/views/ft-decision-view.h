/* ft-decision-view.h — the model's decision regions on a 2-D dataset: the training points (as in the
 * dataset panel's preview: the class colours and marker shapes, validation samples hollow) over a heatmap
 * of the model's prediction on a 100 × 100 grid, with the decision boundary (probability ½) drawn as a
 * line. Two classes shade from orange (class 0) through neutral to blue (class 1), the more certain the
 * model the stronger the colour; more classes take their preview colours, shaded by confidence. The plane
 * is the Playground's −6..6 on both axes (other data: the data's range, padded, as the preview).
 *
 * The prediction is computed off the main loop, in a GTask, on the view's own copy of the model
 * (ft-inspect.h) built from the experiment and the latest weights: at most one computation runs at a
 * time, and weights that arrive meanwhile replace each other, so the latest weights win and none pile
 * up. The "computed" signal is emitted on the main loop after each new result is shown.
 *
 * The test set, given with ft_decision_view_set_data_with_test, is drawn on request (the "show-test"
 * property, off by default as the Playground's "Show test data"): each point filled in its class colour
 * and ringed in the text colour, on top of the training points, with "test" in the legend and the number
 * the model gets right in the description.
 *
 * Data that is not 2-D (images, CSV files with other than two features) shows a short note instead. The
 * accessible role is IMG, with a label describing the prediction. */
#pragma once

#include "experiment/ft-experiment.h"
#include "experiment/ft-inspect.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_DECISION_VIEW (ft_decision_view_get_type ())
G_DECLARE_FINAL_TYPE (FtDecisionView, ft_decision_view, FT, DECISION_VIEW, GtkWidget)

#define FT_DECISION_VIEW_GRID 100 /* cells per axis */

GtkWidget *ft_decision_view_new (void);

/* The experiment (for the model) and its training data (the points, and the model's input shape): both
 * are copied, so the caller may free them at once. NULL for either clears the view. Forgets the previous
 * prediction and any weights not yet shown. */
void ft_decision_view_set_data (FtDecisionView *self, const FtExperiment *exp, const FtDataset *train);
/* The same with the test set (copied; NULL or data that is not 2-D: none). */
void ft_decision_view_set_data_with_test (FtDecisionView *self, const FtExperiment *exp,
                                          const FtDataset *train, const FtDataset *test);
/* The Playground's "Show test data" (the "show-test" property). */
void ft_decision_view_set_show_test (FtDecisionView *self, gboolean show);
gboolean ft_decision_view_get_show_test (FtDecisionView *self);
/* The training (and validation) points and the test points the last drawing drew. */
void ft_decision_view_get_drawn (FtDecisionView *self, guint *train, guint *test);
/* New weights of the model (n floats in Keras order, ft_model_get_weights): copied; the prediction is
 * recomputed asynchronously. Ignored without 2-D data. */
void ft_decision_view_update_weights (FtDecisionView *self, const float *weights, size_t n);

/* Whether a computation is running or waiting. */
gboolean ft_decision_view_is_busy (FtDecisionView *self);
/* The prediction shown (NULL before the first one); valid until the next "computed" or set_data. */
const FtDecisionGrid *ft_decision_view_get_grid (FtDecisionView *self);
/* The message of the last computation's error, or NULL. */
const char *ft_decision_view_get_error (FtDecisionView *self);
/* The accessible label last set ("Decision regions. …"). */
const char *ft_decision_view_get_description (FtDecisionView *self);

G_END_DECLS
