/* ft-neuron-maps.c — every neuron's map over the input plane and its statistics over samples (see
 * ft-neuron-maps.h), computed layer by layer on an FtInspectModel's private model. */
#include "experiment/ft-neuron-maps.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

/* Running sums of a set of values. */
typedef struct
{
  double sum, sum2;
  uint64_t n, positive;
  float min, max;
} Acc;

static void
acc_init (Acc *a)
{
  memset (a, 0, sizeof *a);
  a->min = INFINITY;
  a->max = -INFINITY;
}

static void
acc_add (Acc *a, float v)
{
  a->sum += v;
  a->sum2 += (double) v * v;
  a->n++;
  a->positive += v > 0.0f;
  a->min = fminf (a->min, v);
  a->max = fmaxf (a->max, v);
}

static FtValueStats
acc_stats (const Acc *a)
{
  FtValueStats s = { 0 };
  if (a->n == 0)
    return s;
  double mean = a->sum / (double) a->n;
  double var = a->sum2 / (double) a->n - mean * mean;
  s.mean = (float) mean;
  s.std = (float) sqrt (var > 0 ? var : 0);
  s.positive = (float) ((double) a->positive / (double) a->n);
  s.min = a->min;
  s.max = a->max;
  return s;
}

/* What the per-layer callback fills. */
typedef struct
{
  FtNeuronMaps *maps;
  int *column_of_last; /* n_layers: the column whose value is this layer's output, or −1 */
  Acc *layer_acc;      /* n_layers (statistics pass) */
  Acc **unit_acc;      /* per column, units (statistics pass) */
  bool grid;           /* the maps pass */
} Ctx;

static void
on_layer (int layer, uint32_t first, uint32_t count, const float *out, size_t size, void *user_data)
{
  Ctx *ctx = user_data;
  int c = ctx->column_of_last[layer];
  if (!ctx->grid)
    {
      for (size_t i = 0; i < (size_t) count * size; i++)
        acc_add (&ctx->layer_acc[layer], out[i]);
      if (c > 0)
        for (uint32_t s = 0; s < count; s++)
          for (size_t u = 0; u < size; u++)
            acc_add (&ctx->unit_acc[c][u], out[s * size + u]);
      return;
    }
  if (c <= 0)
    return;
  FtNeuronColumn *col = &ctx->maps->columns[c];
  size_t cells = (size_t) ctx->maps->nx * (size_t) ctx->maps->ny;
  for (uint32_t s = 0; s < count; s++)
    for (size_t u = 0; u < size; u++)
      col->maps[u * cells + first + s] = out[s * size + u];
}

/* The layer's kind flags (FtKindFlags): FT_KIND_NEURONS for a column of neurons, FT_KIND_PER_FEATURE for a
 * layer the neurons' values go through. */
static unsigned
layer_flags (const FtModel *model, int l)
{
  return ft_layer_kind_info (ft_model_layer_spec (model, l)->kind)->flags;
}

/* Neuron layers see one value per feature only when every layer is one or keeps the features of a vector
 * apart. */
static bool
is_feature_network (const FtModel *model)
{
  int nd, shape[FT_MAX_DIMS];
  ft_model_input_shape (model, &nd, shape);
  if (nd != 1)
    return false;
  for (int l = 0; l < ft_model_n_layers (model); l++)
    if (!(layer_flags (model, l) & (FT_KIND_NEURONS | FT_KIND_PER_FEATURE)))
      return false;
  return true;
}

static void
build_columns (FtNeuronMaps *maps, const FtModel *model, int n_inputs, int *column_of_last)
{
  int n_layers = ft_model_n_layers (model), n_weights = ft_model_n_weights (model);
  for (int l = 0; l < n_layers; l++)
    column_of_last[l] = -1;
  maps->columns = g_new0 (FtNeuronColumn, n_layers + 1);
  maps->columns[0].layer = -1;
  maps->columns[0].last_layer = -1;
  maps->columns[0].units = n_inputs;
  maps->columns[0].bias_offset = SIZE_MAX;
  maps->n_columns = 1;
  if (!is_feature_network (model))
    {
      maps->columns[0].units = 0;
      maps->n_columns = 0;
      return;
    }
  size_t offset = 0;
  int w = 0;
  for (int l = 0; l < n_layers; l++)
    {
      size_t first = offset;
      int k = 0;
      for (; w < n_weights && ft_model_weight_layer (model, w) == l; w++, k++)
        offset += ft_model_weight (model, w)->size;
      const FtLayerSpec *spec = ft_model_layer_spec (model, l);
      if (!(layer_flags (model, l) & FT_KIND_NEURONS))
        {
          if (maps->n_columns > 1)
            {
              /* A per-feature layer after a neuron layer: the neurons' value is its output now (through
               * its activation when it has one). */
              FtNeuronColumn *prev = &maps->columns[maps->n_columns - 1];
              column_of_last[prev->last_layer] = -1;
              prev->last_layer = l;
              column_of_last[l] = maps->n_columns - 1;
              if (ft_kind_find_param (ft_layer_kind_info (spec->kind), "activation") != NULL)
                prev->activation = spec->activation;
            }
          continue;
        }
      FtNeuronColumn *col = &maps->columns[maps->n_columns];
      col->layer = l;
      col->last_layer = l;
      col->units = spec->units;
      col->fan_in = maps->columns[maps->n_columns - 1].units;
      col->activation = spec->activation;
      col->kernel_offset = first;
      col->bias_offset = spec->use_bias && k > 1 ? first + (size_t) col->fan_in * (size_t) col->units
                                                 : SIZE_MAX;
      column_of_last[l] = maps->n_columns;
      maps->n_columns++;
    }
}

/* The request is one the maps can answer: two inputs when there is a grid, a grid of sane size over a
 * non-empty range, samples of the model's size. */
static bool
check_request (size_t n_inputs, const FtDataset *ds, double xmin, double xmax, double ymin, double ymax,
               int nx, int ny, GError **error)
{
  if (nx > 0)
    {
      if (n_inputs != 2)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                       "neuron maps need a model with two inputs; this one takes %zu", n_inputs);
          return false;
        }
      if (nx > FT_NEURON_MAP_GRID_MAX || ny < 1 || ny > FT_NEURON_MAP_GRID_MAX)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "a neuron map of %d × %d cells (1 to %d per axis)",
                       nx, ny, FT_NEURON_MAP_GRID_MAX);
          return false;
        }
      if (!(xmin < xmax) || !(ymin < ymax) || !isfinite (xmax - xmin) || !isfinite (ymax - ymin))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "an empty neuron map range [%g, %g] × [%g, %g]",
                       xmin, xmax, ymin, ymax);
          return false;
        }
    }
  if (ds != NULL && ds->n > 0 && ds->sample_size != n_inputs)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s has %zu values per sample but the model takes %zu",
                   ds->name != NULL ? ds->name : "the data", ds->sample_size, n_inputs);
      return false;
    }
  return true;
}

/* The maps' model: a copy of the weights and every layer's summary. */
static FtNeuronMaps *
maps_new (FtInspectModel *model)
{
  const FtModel *m = ft_inspect_model_get_model (model);
  int n_layers = ft_model_n_layers (m);
  FtNeuronMaps *maps = g_new0 (FtNeuronMaps, 1);
  maps->n_weights = ft_inspect_model_n_params (model);
  maps->weights = g_new (float, maps->n_weights);
  ft_model_get_weights (m, maps->weights);
  maps->n_layers = n_layers;
  maps->layers = g_new0 (FtLayerSummary, n_layers);
  for (int l = 0; l < n_layers; l++)
    {
      FtLayerSummary *s = &maps->layers[l];
      g_strlcpy (s->name, ft_model_layer_name (m, l), sizeof s->name);
      s->kind = ft_model_layer_spec (m, l)->kind;
      ft_model_layer_output_shape (m, l, &s->ndim, s->shape);
      s->n_params = ft_model_layer_n_params (m, l);
    }
  return maps;
}

/* Statistics of every layer and neuron over the first samples of ds. */
static void
compute_stats (Ctx *ctx, FtInspectModel *model, const FtDataset *ds, size_t n_inputs, size_t n_model_inputs)
{
  FtNeuronMaps *maps = ctx->maps;
  int n_layers = maps->n_layers;
  uint32_t n = MIN (ds->n, FT_NEURON_STATS_SAMPLES);
  uint32_t *idx = g_new (uint32_t, n);
  for (uint32_t i = 0; i < n; i++)
    idx[i] = i;
  float *x = g_new (float, (size_t) n *n_inputs);
  float *y = g_new (float, n);
  ft_dataset_gather (ds, idx, n, x, y);
  ctx->layer_acc = g_new (Acc, MAX (n_layers, 1));
  for (int l = 0; l < n_layers; l++)
    acc_init (&ctx->layer_acc[l]);
  ctx->unit_acc = g_new0 (Acc *, MAX (maps->n_columns, 1));
  for (int c = 0; c < maps->n_columns; c++)
    {
      ctx->unit_acc[c] = g_new (Acc, MAX (maps->columns[c].units, 1));
      for (int u = 0; u < maps->columns[c].units; u++)
        acc_init (&ctx->unit_acc[c][u]);
    }
  if (maps->n_columns > 0) /* the inputs' own statistics (the features the model sees) */
    {
      float *in = x;
      if (maps->features != 0)
        {
          in = g_new (float, (size_t) n *n_model_inputs);
          ft_features_apply (maps->features, x, n, in);
        }
      for (uint32_t s = 0; s < n; s++)
        for (size_t u = 0; u < n_model_inputs; u++)
          acc_add (&ctx->unit_acc[0][u], in[s * n_model_inputs + u]);
      if (in != x)
        g_free (in);
    }
  ft_inspect_model_forward_layers (model, x, n, on_layer, ctx);
  for (int l = 0; l < n_layers; l++)
    maps->layers[l].stats = acc_stats (&ctx->layer_acc[l]);
  for (int c = 0; c < maps->n_columns; c++)
    {
      FtNeuronColumn *col = &maps->columns[c];
      col->stats = g_new0 (FtValueStats, MAX (col->units, 1));
      for (int u = 0; u < col->units; u++)
        col->stats[u] = acc_stats (&ctx->unit_acc[c][u]);
      g_free (ctx->unit_acc[c]);
    }
  maps->n_samples = n;
  g_free (ctx->unit_acc);
  g_free (ctx->layer_acc);
  g_free (idx);
  g_free (x);
  g_free (y);
}

/* Every neuron's value over an nx × ny grid of the plane, and the maps' statistics. */
static void
compute_grid (Ctx *ctx, FtInspectModel *model, double xmin, double xmax, double ymin, double ymax, int nx,
              int ny, size_t n_model_inputs)
{
  FtNeuronMaps *maps = ctx->maps;
  maps->nx = nx;
  maps->ny = ny;
  maps->xmin = xmin;
  maps->xmax = xmax;
  maps->ymin = ymin;
  maps->ymax = ymax;
  size_t cells = (size_t) nx * (size_t) ny;
  for (int c = 0; c < maps->n_columns; c++)
    {
      maps->columns[c].maps = g_new (float, MAX ((size_t) maps->columns[c].units, 1) * cells);
      maps->columns[c].map_stats = g_new0 (FtValueStats, MAX (maps->columns[c].units, 1));
    }
  float *grid = maps->columns[0].maps; /* the inputs' maps: the model's inputs over the plane */
  float *x = g_new (float, cells * 2);
  double dx = (xmax - xmin) / nx, dy = (ymax - ymin) / ny;
  for (size_t cell = 0; cell < cells; cell++)
    {
      int i = (int) (cell % (size_t) nx), j = (int) (cell / (size_t) nx);
      x[2 * cell] = (float) (xmin + (i + 0.5) * dx);
      x[2 * cell + 1] = (float) (ymax - (j + 0.5) * dy);
    }
  float *in = x;
  if (maps->features != 0)
    {
      in = g_new (float, cells *n_model_inputs);
      ft_features_apply (maps->features, x, cells, in);
    }
  for (size_t cell = 0; cell < cells; cell++)
    for (size_t u = 0; u < n_model_inputs; u++)
      grid[u * cells + cell] = in[cell * n_model_inputs + u];
  if (in != x)
    g_free (in);
  ctx->grid = true;
  ft_inspect_model_forward_layers (model, x, (uint32_t) cells, on_layer, ctx);
  g_free (x);
  for (int c = 0; c < maps->n_columns; c++)
    for (int u = 0; u < maps->columns[c].units; u++)
      {
        Acc a;
        acc_init (&a);
        const float *map = maps->columns[c].maps + (size_t) u * cells;
        for (size_t i = 0; i < cells; i++)
          acc_add (&a, map[i]);
        maps->columns[c].map_stats[u] = acc_stats (&a);
      }
}

FtNeuronMaps *
ft_neuron_maps_compute (FtInspectModel *model, const FtDataset *ds, double xmin, double xmax, double ymin,
                        double ymax, int nx, int ny, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  size_t n_inputs = ft_inspect_model_n_inputs (model);
  if (!check_request (n_inputs, ds, xmin, xmax, ymin, ymax, nx, ny, error))
    return NULL;

  FtNeuronMaps *maps = maps_new (model);
  int n_layers = maps->n_layers;
  int *column_of_last = g_new (int, MAX (n_layers, 1));
  maps->features = ft_inspect_model_features (model);
  size_t n_model_inputs = maps->features != 0 ? (size_t) ft_features_count (maps->features) : n_inputs;
  build_columns (maps, ft_inspect_model_get_model (model), (int) n_model_inputs, column_of_last);

  Ctx ctx = { .maps = maps, .column_of_last = column_of_last };
  if (ds != NULL && ds->n > 0)
    compute_stats (&ctx, model, ds, n_inputs, n_model_inputs);
  for (int c = 0; c < maps->n_columns; c++)
    if (maps->columns[c].stats == NULL)
      maps->columns[c].stats = g_new0 (FtValueStats, MAX (maps->columns[c].units, 1));
  if (nx > 0 && maps->n_columns > 0)
    compute_grid (&ctx, model, xmin, xmax, ymin, ymax, nx, ny, n_model_inputs);
  g_free (column_of_last);
  return maps;
}

void
ft_neuron_maps_free (FtNeuronMaps *maps)
{
  if (maps == NULL)
    return;
  for (int c = 0; c < maps->n_columns; c++)
    {
      g_free (maps->columns[c].maps);
      g_free (maps->columns[c].map_stats);
      g_free (maps->columns[c].stats);
    }
  g_free (maps->columns);
  g_free (maps->layers);
  g_free (maps->weights);
  g_free (maps);
}

size_t
ft_neuron_maps_weight_index (const FtNeuronMaps *maps, int column, int from, int to)
{
  g_return_val_if_fail (maps != NULL && column >= 1 && column < maps->n_columns, SIZE_MAX);
  const FtNeuronColumn *c = &maps->columns[column];
  g_return_val_if_fail (from >= 0 && from < c->fan_in && to >= 0 && to < c->units, SIZE_MAX);
  return c->kernel_offset + (size_t) from * (size_t) c->units + (size_t) to;
}

size_t
ft_neuron_maps_bias_index (const FtNeuronMaps *maps, int column, int to)
{
  g_return_val_if_fail (maps != NULL && column >= 1 && column < maps->n_columns, SIZE_MAX);
  const FtNeuronColumn *c = &maps->columns[column];
  g_return_val_if_fail (to >= 0 && to < c->units, SIZE_MAX);
  return c->bias_offset == SIZE_MAX ? SIZE_MAX : c->bias_offset + (size_t) to;
}

float
ft_neuron_maps_value (const FtNeuronMaps *maps, int column, int unit, int i, int j)
{
  if (maps == NULL || column < 0 || column >= maps->n_columns || maps->nx == 0 || unit < 0
      || unit >= maps->columns[column].units || i < 0 || i >= maps->nx || j < 0 || j >= maps->ny)
    return NAN;
  size_t cells = (size_t) maps->nx * (size_t) maps->ny;
  return maps->columns[column].maps[(size_t) unit * cells + (size_t) j * (size_t) maps->nx + (size_t) i];
}
