/* ft-confusion-view.h — how a trained classifier does on the test data: the k × k confusion matrix (rows
 * the true class, columns the predicted one) as a heatmap with the counts in every cell (smaller figures
 * in small cells), each class' accuracy beside its row, the class names, the test accuracy, and for image
 * data a grid of the first 24 misclassified test images with "true → predicted" captions and the model's
 * confidence in its wrong answer, as many as fit at a readable size (when none fits it says so). Clicking
 * an off-diagonal cell shows that cell's images instead; clicking it again, all.
 *
 * ft_confusion_view_compute copies what it needs (ft_confusion_view_compute_shared borrows the test set) and
 * computes in a GTask, on a model of its own built
 * from the experiment and the weights (ft-inspect.h). A newer compute supersedes one still running (its
 * result is dropped). The "computed" signal is emitted on the main loop when a result (or an error) is
 * shown. The accessible role is IMG, with a label stating the accuracy and the most frequent confusion. */
#pragma once

#include "experiment/ft-experiment.h"
#include "experiment/ft-inspect.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_CONFUSION_VIEW (ft_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (FtConfusionView, ft_confusion_view, FT, CONFUSION_VIEW, GtkWidget)

#define FT_CONFUSION_VIEW_MAX_IMAGES 24

GtkWidget *ft_confusion_view_new (void);

/* Predicts every test sample with the model of exp holding weights (n floats, Keras order). train gives
 * the model's input shape when the experiment has none (only its shape is kept) and may be NULL otherwise;
 * class names come from test, else train. Everything is copied: the caller may free it at once. */
void ft_confusion_view_compute (FtConfusionView *self, const FtExperiment *exp, const FtDataset *train,
                                const FtDataset *test, const float *weights, size_t n);
/* The same without copying the test set: it is read on a worker thread until release (keep) is called
 * (when the computation is done or dropped), so keep must keep it alive and unchanged until then. For the
 * window's shared data sets (a 10,000-image test set would be 31 MB copied on the main loop). */
void ft_confusion_view_compute_shared (FtConfusionView *self, const FtExperiment *exp, const FtDataset *train,
                                       const FtDataset *test, const float *weights, size_t n, gpointer keep,
                                       GDestroyNotify release);
/* Back to the empty state (a running computation is dropped). */
void ft_confusion_view_clear (FtConfusionView *self);

gboolean ft_confusion_view_is_busy (FtConfusionView *self);
/* The matrix shown (k × k, row = true class) or NULL; *k gets k. */
const int *ft_confusion_view_get_matrix (FtConfusionView *self, int *k);
/* Misclassified test samples in all, and how many of them are shown as images (0 for data that are not
 * images). */
int ft_confusion_view_get_n_misclassified (FtConfusionView *self, int *n_shown);
const char *ft_confusion_view_get_error (FtConfusionView *self);
/* Shows the images of one cell (true class, predicted class), or of all cells with -1, -1 (a click). */
void ft_confusion_view_select_cell (FtConfusionView *self, int true_class, int predicted);
/* Whether the last drawing wrote every cell's count; how many images it drew. */
gboolean ft_confusion_view_get_counts_shown (FtConfusionView *self);
int ft_confusion_view_get_n_images_drawn (FtConfusionView *self);
const char *ft_confusion_view_get_description (FtConfusionView *self);

G_END_DECLS
