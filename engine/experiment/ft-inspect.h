/* ft-inspect.h — looking inside a trained classifier: its decision regions over the plane (for the 2-D
 * Playground sets) and its confusion matrix with the misclassified test samples. No GTK.
 *
 * An FtInspectModel is a private copy of a run's model: it is built from the run's experiment and a
 * weights vector (ft_model_get_weights of the training model), so a worker thread can use it while the
 * run goes on training its own model. It always runs the model in inference mode (dropout off, batch
 * normalisation on its moving statistics), in batches. One FtInspectModel is used by one thread at a time;
 * it may be created in one thread and used in another.
 *
 * From outputs to classes. The predicted class is what Keras' accuracy metrics count: the argmax of the
 * outputs, or for a single output (binary cross-entropy or MSE) whether its probability is above ½. The
 * probabilities behind it: a softmax (or sigmoid) last layer gives them directly; otherwise logits
 * (compile's from_logits) go through a softmax (sigmoid for one output); other outputs are taken as
 * probabilities as Keras does, clamped to [0, 1] and for several outputs normalised to sum to 1. A single
 * output counts as two classes: class 1 with probability p, class 0 with 1 − p. Outputs that are not
 * finite (a diverged model) give class 0 and equal probabilities.
 *
 * Errors are FT_ERROR_INVALID (core/ft-error.h), except what ft_experiment_build_trainer reports. */
#pragma once

#include "experiment/ft-experiment.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct FtInspectModel FtInspectModel;

/* Builds the experiment's model (ft_experiment_build_trainer; train gives the input shape when the
 * experiment has none and is checked against the model; it may be NULL when the experiment gives
 * input_shape) and loads weights: n floats in Keras order, n must equal the model's parameter count.
 * weights NULL (n 0) keeps the freshly initialised weights. Copies what it needs: exp, train and weights
 * may be freed afterwards. */
FtInspectModel *ft_inspect_model_new (const FtExperiment *exp, const FtDataset *train, const float *weights,
                                      size_t n, GError **error);
void ft_inspect_model_free (FtInspectModel *model); /* NULL is allowed */
/* Loads other weights of the same model (n must equal ft_inspect_model_n_params). */
bool ft_inspect_model_set_weights (FtInspectModel *model, const float *weights, size_t n, GError **error);
size_t ft_inspect_model_n_params (const FtInspectModel *model);
/* Floats per sample the model takes from the data (2 for the Playground sets, also with input features;
 * 784 for Fashion-MNIST). */
size_t ft_inspect_model_n_inputs (const FtInspectModel *model);
/* The experiment's input features (ft-features.h mask; 0 = the raw samples are the model's inputs). */
unsigned ft_inspect_model_features (const FtInspectModel *model);
/* Classes the model can predict: its number of outputs, or 2 for a single output. */
int ft_inspect_model_n_classes (const FtInspectModel *model);

/* Predicts samples idx[0..n) of ds (idx NULL: samples 0..n−1): classes[i] the predicted class,
 * confidence[i] its probability, probs (n × n_classes, row per sample) every class' probability; any of
 * the three may be NULL. Fails when ds's samples do not fit the model or an index is out of range. */
bool ft_inspect_model_classify (FtInspectModel *model, const FtDataset *ds, const uint32_t *idx, uint32_t n,
                                int *classes, float *confidence, float *probs, GError **error);

/* Layer by layer, for views of what each layer computes (ft-neuron-maps.h): runs the model in inference
 * mode on n samples (x: n × ft_inspect_model_n_inputs floats, row per sample, before the input features
 * are applied, as the data has them) in batches, and after layer
 * i calls func with that layer's outputs for samples first .. first + count − 1 (count × size floats, row
 * per sample, valid during the call only). Layers are called in order within a batch. */
typedef void (*FtLayerOutputFunc) (int layer, uint32_t first, uint32_t count, const float *out, size_t size,
                                   void *user_data);
void ft_inspect_model_forward_layers (FtInspectModel *model, const float *x, uint32_t n,
                                      FtLayerOutputFunc func, void *user_data);
/* The private model (read-only: its layers, shapes and weights). */
const FtModel *ft_inspect_model_get_model (const FtInspectModel *model);

/* ---- decision regions ---- */

#define FT_DECISION_GRID_MAX 1024 /* cells per axis */

/* The model's prediction at the centres of an nx × ny grid of cells over [xmin, xmax] × [ymin, ymax] (the
 * first input is x, the second y). Cells are stored in image order: cell (i, j), column i from the left
 * and row j from the TOP, is at index j·nx + i and has its centre at
 *   x = xmin + (i + ½)·(xmax − xmin)/nx,   y = ymax − (j + ½)·(ymax − ymin)/ny. */
typedef struct
{
  int nx, ny;
  double xmin, xmax, ymin, ymax;
  int n_classes;     /* ft_inspect_model_n_classes */
  float *p1;         /* nx·ny: the probability of class 1 (the Playground's "blue"), for two classes */
  int *classes;      /* nx·ny: the predicted class (any number of classes) */
  float *confidence; /* nx·ny: the predicted class' probability, in [1/n_classes, 1] */
} FtDecisionGrid;

/* Requires a model with two inputs, 1 ≤ nx, ny ≤ FT_DECISION_GRID_MAX and xmin < xmax, ymin < ymax. */
FtDecisionGrid *ft_decision_grid (FtInspectModel *model, double xmin, double xmax, double ymin, double ymax,
                                  int nx, int ny, GError **error);
void ft_decision_grid_free (FtDecisionGrid *grid); /* NULL is allowed */

/* ---- confusion matrix ---- */

/* Predicts every sample of test. matrix (k × k ints, k = ft_inspect_model_n_classes) gets the counts,
 * row = true class, column = predicted class: matrix[true·k + predicted]. misclassified gets the indices
 * of the first max_mis misclassified samples in test order, *n_mis how many were stored (≤ max_mis; the
 * total is the sum off the diagonal); misclassified and n_mis may be NULL when max_mis is 0. Fails when
 * test's samples do not fit the model or a label is not below k. */
bool ft_confusion_matrix (FtInspectModel *model, const FtDataset *test, int *matrix, uint32_t *misclassified,
                          int max_mis, int *n_mis, GError **error);
