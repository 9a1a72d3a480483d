/* ft-network-view.h — the network drawn as TensorFlow Playground draws it, and edited there: the inputs and
 * every Dense layer as columns of neurons, each neuron a small heatmap of its value over the input plane
 * (blue above zero, orange below, per neuron to its largest magnitude; tanh and sigmoid on their fixed
 * ranges), links coloured by the weight's sign with a width growing with |w|, each bias a small square at
 * its neuron's lower left. The big panel on the right shows the model's prediction over the plane with the
 * training points; hovering a neuron puts its map there, enlarged. Hovering a link or a bias shows its value
 * (tooltip and caption); a click opens an editor whose value goes to the run through the "edit-weight"
 * signal (the window passes it to the paused runner, ft_runner_set_weight). The +/− buttons above the
 * network add or remove a hidden layer (up to FT_NETWORK_VIEW_MAX_LAYERS), those above a hidden column a
 * neuron (up to FT_NETWORK_VIEW_MAX_UNITS; the model editor allows any number): they edit the experiment
 * given with ft_network_view_set_experiment (as the panels do) and emit "changed"; the view then shows
 * the edited network with the weights its seed gives (those the next Train starts from). Beside them, the
 * Playground's regularization (none, L1, L2, both) and its rate, set for every Dense layer, its activation
 * for every hidden layer, and "Regenerate" for new points (generated data). On 2-D data
 * the input column lists the seven Playground features (x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂): those the
 * model takes drawn as maps, the others as dashed boxes; a click switches one on or off
 * (ft_network_view_toggle_feature, the experiment's dataset.features). A click on the prediction adds a
 * training point of the class chosen in the toolbar, Shift+click removes the nearest one
 * (ft_network_view_add_point, the experiment's dataset.points).
 *
 * Everything drawn is computed by the engine (ft-neuron-maps.h, ft-inspect.h) off the main loop on the
 * view's own copy of the model: at most one computation at a time, at most FT_NETWORK_VIEW_MAX_RATE a
 * second, the latest weights winning, and only while the view is shown (mapped). For data that is not 2-D
 * (images, CSV files with more columns) the view draws the architecture instead: every layer as a box with
 * its output shape, its parameters and statistics of its outputs over the first 512 training samples (mean ±
 * standard deviation, the fraction above zero), and says so in its caption. The accessible role is IMG with a
 * label describing it. */
#pragma once

#include "experiment/ft-experiment.h"
#include "experiment/ft-neuron-maps.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_NETWORK_VIEW (ft_network_view_get_type ())
G_DECLARE_FINAL_TYPE (FtNetworkView, ft_network_view, FT, NETWORK_VIEW, GtkWidget)

#define FT_NETWORK_VIEW_GRID        40  /* cells per axis of a neuron's map */
#define FT_NETWORK_VIEW_OUTPUT_GRID 100 /* cells per axis of the prediction */
#define FT_NETWORK_VIEW_MAX_LAYERS  6   /* hidden layers the + button goes up to */
#define FT_NETWORK_VIEW_MAX_UNITS   8   /* neurons per hidden layer the + buttons go up to */
#define FT_NETWORK_VIEW_MAX_RATE    5   /* computations a second */

GtkWidget *ft_network_view_new (void);

/* The experiment the +/− buttons edit (borrowed, as the panels hold it; NULL detaches). Does not redraw:
 * what is drawn comes from set_data. */
void ft_network_view_set_experiment (FtNetworkView *self, FtExperiment *exp);
/* A run's experiment and training data (both copied; NULL for either clears the view): the network is
 * drawn at once with the weights the experiment's seed gives, then with each update_weights. */
void ft_network_view_set_data (FtNetworkView *self, const FtExperiment *exp, const FtDataset *train);
/* The same, but train is shared rather than copied (a run's training set can be large, and this runs on
 * the main loop): the view keeps owner (taken; released with owner_free, possibly on a worker thread), which
 * keeps train alive and unchanged. */
void ft_network_view_set_shared_data (FtNetworkView *self, const FtExperiment *exp, const FtDataset *train,
                                      gpointer owner, GDestroyNotify owner_free);
/* The training data the view computes with (its copy, or the shared one); NULL without data. */
const FtDataset *ft_network_view_get_train_data (FtNetworkView *self);
/* New weights of the run's model (n floats, Keras order): copied, drawn asynchronously. Weights whose
 * count does not fit the network shown (an edited architecture) are ignored. */
void ft_network_view_update_weights (FtNetworkView *self, const float *weights, size_t n);
/* The test points (copied; NULL or data that is not 2-D: none), drawn on the prediction when "Show test
 * data" in the toolbar is ticked (the Playground's), filled and ringed in the text colour; how many the
 * last drawing drew. */
void ft_network_view_set_test_data (FtNetworkView *self, const FtDataset *test);
guint ft_network_view_get_drawn_test (FtNetworkView *self);

/* What the +/− buttons do; FALSE (and nothing changes) at a limit or without an experiment. h counts the
 * hidden layers from 0. */
gboolean ft_network_view_add_layer (FtNetworkView *self);
gboolean ft_network_view_remove_layer (FtNetworkView *self);
gboolean ft_network_view_add_neuron (FtNetworkView *self, int h);
gboolean ft_network_view_remove_neuron (FtNetworkView *self, int h);
/* The regularization control: every Dense layer's kernel_regularizer (L1 factor l1, L2 factor l2; 0 = none);
 * emits "changed". FALSE without an experiment or with a negative factor. */
gboolean ft_network_view_set_regularization (FtNetworkView *self, float l1, float l2);
/* The activation control: every hidden layer's activation; emits "changed". FALSE without an experiment
 * or a hidden layer, or for softmax. The "Regenerate" button beside it emits "regenerate" (the window draws
 * new points, ft-data-seed.h). */
gboolean ft_network_view_set_activation (FtNetworkView *self, FtActivation act);
/* The learning-rate control (the Playground's values, and the experiment's own): the optimizer's
 * learning_rate; emits "changed". FALSE without an experiment or for a rate that is not positive. */
gboolean ft_network_view_set_learning_rate (FtNetworkView *self, float lr);
/* A click on the prediction: a training point of class label at (x, y) (data coordinates), or with
 * label −1 (Shift+click) the removal of the point nearest to it; recorded in the experiment's
 * dataset.points (ft-point-edits.h); emits "changed" and "points-changed". FALSE when the data has no
 * such class, nothing is left to remove, or the data is not 2-D. */
gboolean ft_network_view_add_point (FtNetworkView *self, float x, float y, int label);
/* A click on input feature i (ft-features.h) of 2-D data: switches it on or off in the experiment (x₁
 * and x₂ alone are the raw points; the last one cannot go); emits "changed". */
gboolean ft_network_view_toggle_feature (FtNetworkView *self, int i);
/* What a click on a link or bias asks for after its editor: emits "edit-weight"; when a handler accepts
 * (returns TRUE) the view shows the edited weight at once. */
gboolean ft_network_view_edit_weight (FtNetworkView *self, size_t index, float value);

gboolean ft_network_view_is_busy (FtNetworkView *self);
/* The maps drawn (NULL before the first); valid until the next "computed" or set_data. */
const FtNeuronMaps *ft_network_view_get_maps (FtNetworkView *self);
/* What the last drawing showed: neurons (heatmaps or boxes) and links. */
void ft_network_view_get_drawn (FtNetworkView *self, int *neurons, int *links);
const char *ft_network_view_get_error (FtNetworkView *self);
const char *ft_network_view_get_description (FtNetworkView *self);
/* The caption under the drawing: what it shows, or the value hovered. */
const char *ft_network_view_get_caption (FtNetworkView *self);

G_END_DECLS
