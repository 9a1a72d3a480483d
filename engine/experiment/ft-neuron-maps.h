/* ft-neuron-maps.h — what every neuron of a network computes, for the network view (TensorFlow Playground's
 * small heatmaps). No GTK.
 *
 * A neuron is one unit of a Dense layer. Its value is the layer's output after the layers that follow it
 * up to the next Dense layer and keep its shape (Activation, Dropout — off in inference — and batch
 * normalisation on its moving statistics): what the next Dense layer receives. The network's columns are
 * the inputs, then one column per Dense layer; the last column is the output.
 *
 * On 2-D data every neuron gets a map: its value at the centres of an nx × ny grid of cells over
 * [xmin, xmax] × [ymin, ymax], in the order of ft-inspect.h's FtDecisionGrid (cell (i, j), column i from
 * the left and row j from the top, at j·nx + i). The inputs' maps are the features themselves (x₁, x₂, or
 * with the experiment's input features x₁², sin x₁ … over the plane).
 *
 * On any data, every neuron and every layer gets statistics of its values over the first samples of a
 * dataset (at most FT_NEURON_STATS_SAMPLES): mean, standard deviation, the fraction of values above zero
 * and the extremes. Models without Dense layers (or whose Dense layers see images) still get the per-layer
 * statistics; their columns are empty.
 *
 * Everything is computed on an FtInspectModel (a private copy of a run's model, ft-inspect.h) so that a
 * worker thread can do it while the run trains. The result carries a copy of the weights it was computed
 * from, and where each column's kernel and bias are in that vector (Keras order), so that a view draws the
 * links of the same weights as the maps and names a weight to edit by its index. */
#pragma once

#include "experiment/ft-inspect.h"

#define FT_NEURON_STATS_SAMPLES 512u
#define FT_NEURON_MAP_GRID_MAX  256 /* cells per axis */

/* Statistics of a set of values. */
typedef struct
{
  float mean, std;
  float positive; /* fraction of values > 0: for ReLU, the fraction of samples where the unit is active */
  float min, max;
} FtValueStats;

typedef struct
{
  int layer;      /* the Dense layer's index in the model */
  int last_layer; /* the layer whose output is the neurons' value (≥ layer) */
  int units;      /* neurons in this column; the inputs' column: the number of features */
  int fan_in;     /* neurons of the previous column (0 for the inputs) */
  FtActivation activation;
  size_t kernel_offset;    /* fan_in × units floats in weights, row per input neuron */
  size_t bias_offset;      /* units floats, or SIZE_MAX without a bias */
  float *maps;             /* units × nx·ny (2-D data only, else NULL): unit u's map at maps + u·nx·ny */
  FtValueStats *map_stats; /* units: each map's extremes (2-D data only, else NULL) */
  FtValueStats *stats;     /* units: over the samples */
} FtNeuronColumn;

typedef struct
{
  char name[64]; /* "dense_1", "conv2d" … */
  FtLayerKind kind;
  int ndim; /* output shape, without the batch axis */
  int shape[FT_MAX_DIMS];
  size_t n_params;
  FtValueStats stats; /* every output value over the samples */
} FtLayerSummary;

typedef struct
{
  int n_columns; /* 1 + Dense layers; columns[0] is the inputs */
  FtNeuronColumn *columns;
  int n_layers; /* every layer of the model */
  FtLayerSummary *layers;
  uint32_t n_samples; /* samples the statistics are over */
  /* the grid (2-D data only; nx = ny = 0 otherwise) */
  int nx, ny;
  double xmin, xmax, ymin, ymax;
  unsigned features; /* the input features (ft-features.h), 0 = the raw inputs: columns[0]'s units */
  /* the weights everything was computed from (Keras order) */
  float *weights;
  size_t n_weights;
} FtNeuronMaps;

/* Computes statistics over samples of ds (the first FT_NEURON_STATS_SAMPLES; ds may be NULL: no statistics,
 * n_samples 0) and, when nx > 0, maps over the grid (the model must take two inputs; 1 ≤ nx, ny ≤
 * FT_NEURON_MAP_GRID_MAX, xmin < xmax, ymin < ymax). */
FtNeuronMaps *ft_neuron_maps_compute (FtInspectModel *model, const FtDataset *ds, double xmin, double xmax,
                                      double ymin, double ymax, int nx, int ny, GError **error);
void ft_neuron_maps_free (FtNeuronMaps *maps); /* NULL is allowed */

/* The index in the weights vector of the link from neuron `from` of column c − 1 to neuron `to` of column
 * c (1 ≤ c < n_columns), or of neuron `to`'s bias in column c (SIZE_MAX when the layer has none). */
size_t ft_neuron_maps_weight_index (const FtNeuronMaps *maps, int column, int from, int to);
size_t ft_neuron_maps_bias_index (const FtNeuronMaps *maps, int column, int to);
/* A neuron's map value at cell (i, j) (2-D data), or NAN. */
float ft_neuron_maps_value (const FtNeuronMaps *maps, int column, int unit, int i, int j);
