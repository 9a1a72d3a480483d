/* ft-model.c — the Sequential model: building (shapes, names, weights in contiguous blocks, seeded
 * initialisation), the forward pass, regularisation losses and Keras' summary table. */
#include "nn/ft-model.h"
#include "core/ft-error.h"
#include "core/ft-format.h"

#include "core/ft-alloc.h"
#include "nn/ft-model-budget.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  char s[96];
} WeightName;

typedef struct
{
  FtLayerSpec spec;
  char name[48];
  int out_ndim;
  int out_shape[FT_MAX_DIMS];
  int first_weight;
  int n_weights;
  size_t n_params;
} Layer;

struct FtModel
{
  int in_ndim;
  int in_shape[FT_MAX_DIMS];
  Layer *layers;
  int n_layers;
  int cap_layers;
  bool built;

  int n_weights;
  FtTensor **weights;
  WeightName *weight_names;
  int *weight_layer;
  int n_trainable;
  FtTensor **trainable;
  FtTensor **grads;
  float *trainable_block; /* trainable weights, contiguous */
  float *grad_block;      /* their gradients, same layout */
  float *state_block;     /* non-trainable weights (moving statistics) */
  size_t n_trainable_params;
  size_t n_state_params;
  unsigned inputs_serial; /* counts ft_model_set_input_width's changes (FtWeightSnapshot) */
  FtRng dropout_rng;
};

FtModel *
ft_model_new (int ndim, const int *input_shape)
{
  g_return_val_if_fail (ndim >= 1 && ndim <= FT_MAX_DIMS - 1, NULL);
  FtModel *m = g_new0 (FtModel, 1);
  m->in_ndim = ndim;
  memcpy (m->in_shape, input_shape, (size_t) ndim * sizeof (int));
  return m;
}

static void
free_weights (FtModel *m)
{
  for (int i = 0; i < m->n_weights; i++)
    g_free (m->weights[i]);
  for (int i = 0; i < m->n_trainable; i++)
    g_free (m->grads[i]);
  g_clear_pointer (&m->weights, g_free);
  g_clear_pointer (&m->weight_names, g_free);
  g_clear_pointer (&m->weight_layer, g_free);
  g_clear_pointer (&m->trainable, g_free);
  g_clear_pointer (&m->grads, g_free);
  g_clear_pointer (&m->trainable_block, ft_free);
  g_clear_pointer (&m->grad_block, ft_free);
  g_clear_pointer (&m->state_block, ft_free);
  m->n_weights = m->n_trainable = 0;
  m->built = false;
}

void
ft_model_free (FtModel *model)
{
  if (model == NULL)
    return;
  free_weights (model);
  g_free (model->layers);
  g_free (model);
}

void
ft_model_add (FtModel *model, const FtLayerSpec *spec)
{
  if (model->n_layers == model->cap_layers)
    {
      model->cap_layers = model->cap_layers ? model->cap_layers * 2 : 8;
      model->layers = g_renew (Layer, model->layers, model->cap_layers);
    }
  Layer *l = &model->layers[model->n_layers++];
  memset (l, 0, sizeof *l);
  l->spec = *spec;
  free_weights (model);
}

int
ft_model_n_layers (const FtModel *model)
{
  return model->n_layers;
}

const FtLayerSpec *
ft_model_layer_spec (const FtModel *model, int i)
{
  g_return_val_if_fail (i >= 0 && i < model->n_layers, NULL);
  return &model->layers[i].spec;
}

void
ft_model_input_shape (const FtModel *model, int *ndim, int *shape)
{
  *ndim = model->in_ndim;
  memcpy (shape, model->in_shape, (size_t) model->in_ndim * sizeof (int));
}

bool
ft_model_is_built (const FtModel *model)
{
  return model->built;
}

/* Pass 1: each layer's name, output shape and weight specs (specs gets them all, in order). */
static bool
infer_layers (FtModel *model, FtWeightSpec *specs, int *n_specs_out, GError **error)
{
  int n_specs = 0;
  int counts[FT_N_LAYER_KINDS] = { 0 };
  int ndim = model->in_ndim;
  int shape[FT_MAX_DIMS];
  memcpy (shape, model->in_shape, sizeof shape);
  for (int i = 0; i < model->n_layers; i++)
    {
      Layer *l = &model->layers[i];
      int k = counts[l->spec.kind]++;
      if (k == 0)
        g_snprintf (l->name, sizeof l->name, "%s", ft_layer_kind_base_name (l->spec.kind));
      else
        g_snprintf (l->name, sizeof l->name, "%s_%d", ft_layer_kind_base_name (l->spec.kind), k);
      GError *local = NULL;
      int nw = 0;
      if (!ft_layer_infer (&l->spec, ndim, shape, &l->out_ndim, l->out_shape, &nw, specs + n_specs, &local))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "layer %d (%s): %s", i + 1, l->name,
                       local->message);
          g_error_free (local);
          return false;
        }
      l->first_weight = n_specs;
      l->n_weights = nw;
      l->n_params = 0;
      for (int w = 0; w < nw; w++)
        l->n_params += ft_shape_size (specs[n_specs + w].ndim, specs[n_specs + w].shape);
      n_specs += nw;
      ndim = l->out_ndim;
      memcpy (shape, l->out_shape, sizeof shape);
    }
  *n_specs_out = n_specs;
  return true;
}

/* Floats a variable of n takes in its block: each starts 64-byte aligned. */
static size_t
aligned_floats (size_t n)
{
  return (n + 15) / 16 * 16;
}

/* Pass 2: the blocks of trainable weights, their gradients and the state, and the arrays of tensors. */
static void
allocate_blocks (FtModel *model, const FtWeightSpec *specs, int n_specs)
{
  size_t nt = 0, ns = 0;
  int n_trainable = 0;
  for (int w = 0; w < n_specs; w++)
    {
      size_t n = ft_shape_size (specs[w].ndim, specs[w].shape);
      if (specs[w].trainable)
        {
          nt += aligned_floats (n);
          n_trainable++;
        }
      else
        ns += aligned_floats (n);
    }
  model->n_weights = n_specs;
  model->weights = g_new0 (FtTensor *, n_specs);
  model->weight_names = g_new0 (WeightName, n_specs);
  model->weight_layer = g_new0 (int, n_specs);
  model->trainable = g_new0 (FtTensor *, n_trainable);
  model->grads = g_new0 (FtTensor *, n_trainable);
  model->trainable_block = ft_alloc0 ((nt ? nt : 1) * sizeof (float));
  model->grad_block = ft_alloc0 ((nt ? nt : 1) * sizeof (float));
  model->state_block = ft_alloc0 ((ns ? ns : 1) * sizeof (float));
  model->n_trainable_params = 0;
  model->n_state_params = 0;
}

/* Each weight as a tensor in its block (with its gradient when trainable), named and initialised from
 * the seed's stream in order. */
static void
create_weights (FtModel *model, const FtWeightSpec *specs, uint64_t seed)
{
  FtRng init_rng;
  ft_rng_seed (&init_rng, seed, FT_RNG_STREAM_INIT);
  ft_rng_seed (&model->dropout_rng, seed, FT_RNG_STREAM_DROPOUT);
  size_t ot = 0, os = 0;
  for (int i = 0; i < model->n_layers; i++)
    {
      Layer *l = &model->layers[i];
      for (int w = l->first_weight; w < l->first_weight + l->n_weights; w++)
        {
          const FtWeightSpec *ws = &specs[w];
          size_t n = ft_shape_size (ws->ndim, ws->shape);
          float *data;
          if (ws->trainable)
            {
              data = model->trainable_block + ot;
              FtTensor *g = g_new (FtTensor, 1);
              ft_tensor_init_view (g, model->grad_block + ot, ws->ndim, ws->shape);
              model->grads[model->n_trainable] = g;
              ot += aligned_floats (n);
              model->n_trainable_params += n;
            }
          else
            {
              data = model->state_block + os;
              os += aligned_floats (n);
              model->n_state_params += n;
            }
          FtTensor *t = g_new (FtTensor, 1);
          ft_tensor_init_view (t, data, ws->ndim, ws->shape);
          t->flags = FT_TENSOR_VARIABLE | (ws->trainable ? FT_TENSOR_TRAINABLE : 0);
          g_snprintf (model->weight_names[w].s, sizeof model->weight_names[w].s, "%s/%s", l->name, ws->name);
          t->name = model->weight_names[w].s;
          ft_initializer_fill (ws->init, data, n, ws->fan_in, ws->fan_out, &init_rng);
          model->weights[w] = t;
          model->weight_layer[w] = i;
          if (ws->trainable)
            model->trainable[model->n_trainable++] = t;
        }
    }
}

bool
ft_model_build (FtModel *model, uint64_t seed, GError **error)
{
  free_weights (model);
  if (model->n_layers == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the model has no layers");
      return false;
    }
  for (int d = 0; d < model->in_ndim; d++)
    if (model->in_shape[d] < 1)
      {
        g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the input shape has a dimension of %d",
                     model->in_shape[d]);
        return false;
      }

  /* Weights and gradients must fit before anything is allocated (the trainer checks the rest). */
  if (!ft_model_budget_check (model, 1, 0, error))
    return false;
  int n_specs = 0;
  FtWeightSpec *specs = g_new0 (FtWeightSpec, (size_t) model->n_layers * FT_LAYER_MAX_WEIGHTS);
  if (!infer_layers (model, specs, &n_specs, error))
    {
      g_free (specs);
      return false;
    }
  allocate_blocks (model, specs, n_specs);
  create_weights (model, specs, seed);
  g_free (specs);
  model->built = true;
  return true;
}

const char *
ft_model_layer_name (const FtModel *model, int i)
{
  g_return_val_if_fail (i >= 0 && i < model->n_layers, NULL);
  return model->layers[i].name;
}

void
ft_model_layer_output_shape (const FtModel *model, int i, int *ndim, int *shape)
{
  g_return_if_fail (i >= 0 && i < model->n_layers);
  *ndim = model->layers[i].out_ndim;
  memcpy (shape, model->layers[i].out_shape, (size_t) *ndim * sizeof (int));
}

void
ft_model_output_shape (const FtModel *model, int *ndim, int *shape)
{
  ft_model_layer_output_shape (model, model->n_layers - 1, ndim, shape);
}

size_t
ft_model_layer_n_params (const FtModel *model, int i)
{
  g_return_val_if_fail (i >= 0 && i < model->n_layers, 0);
  return model->layers[i].n_params;
}

int
ft_model_n_weights (const FtModel *model)
{
  return model->n_weights;
}

FtTensor *
ft_model_weight (const FtModel *model, int i)
{
  g_return_val_if_fail (i >= 0 && i < model->n_weights, NULL);
  return model->weights[i];
}

int
ft_model_weight_layer (const FtModel *model, int i)
{
  g_return_val_if_fail (i >= 0 && i < model->n_weights, -1);
  return model->weight_layer[i];
}

int
ft_model_n_trainable (const FtModel *model)
{
  return model->n_trainable;
}

FtTensor *const *
ft_model_trainable (const FtModel *model)
{
  return model->trainable;
}

FtTensor *const *
ft_model_gradients (const FtModel *model)
{
  return model->grads;
}

size_t
ft_model_n_params (const FtModel *model)
{
  return model->n_trainable_params + model->n_state_params;
}

size_t
ft_model_n_trainable_params (const FtModel *model)
{
  return model->n_trainable_params;
}

FtRng *
ft_model_dropout_rng (FtModel *model)
{
  return &model->dropout_rng;
}

void
ft_model_get_weights (const FtModel *model, float *out)
{
  for (int i = 0; i < model->n_weights; i++)
    {
      memcpy (out, model->weights[i]->data, model->weights[i]->size * sizeof (float));
      out += model->weights[i]->size;
    }
}

void
ft_model_set_weights (FtModel *model, const float *in)
{
  for (int i = 0; i < model->n_weights; i++)
    {
      memcpy (model->weights[i]->data, in, model->weights[i]->size * sizeof (float));
      in += model->weights[i]->size;
    }
}

FtTensor *
ft_model_forward (FtModel *model, FtTape *tape, FtTensor *x, bool training)
{
  g_return_val_if_fail (model->built, NULL);
  g_return_val_if_fail (x->ndim == model->in_ndim + 1, NULL);
  for (int i = 0; i < model->n_layers; i++)
    {
      Layer *l = &model->layers[i];
      x = ft_layer_call (&l->spec, tape, x, model->weights + l->first_weight, training, &model->dropout_rng);
      if (x == NULL)
        return NULL;
    }
  return x;
}

void
ft_model_set_kernel_regularization (FtModel *model, float l1, float l2)
{
  for (int i = 0; i < model->n_layers; i++)
    {
      FtLayerSpec *s = &model->layers[i].spec;
      if (s->kind == FT_LAYER_DENSE || s->kind == FT_LAYER_CONV2D)
        {
          s->kernel_l1 = l1;
          s->kernel_l2 = l2;
        }
    }
}

bool
ft_model_set_hidden_activation (FtModel *model, FtActivation act, FtActivation *old)
{
  int last = -1;
  for (int i = 0; i < model->n_layers; i++)
    if (model->layers[i].spec.kind == FT_LAYER_DENSE)
      last = i;
  bool any = false;
  for (int i = 0; i < last; i++)
    {
      FtLayerSpec *s = &model->layers[i].spec;
      if (s->kind != FT_LAYER_DENSE)
        continue;
      if (!any && old != NULL)
        *old = s->activation;
      s->activation = act;
      any = true;
    }
  return any;
}

FtTensor *
ft_model_regularization_loss (FtModel *model, FtTape *tape)
{
  FtTensor *total = NULL;
  for (int i = 0; i < model->n_layers; i++)
    {
      Layer *l = &model->layers[i];
      if ((l->spec.kernel_l2 <= 0.0f && l->spec.kernel_l1 <= 0.0f) || l->n_weights == 0
          || (l->spec.kind != FT_LAYER_DENSE && l->spec.kind != FT_LAYER_CONV2D))
        continue;
      /* Keras' L1L2: the layer's L1 term plus its L2 term, then the layers' sum. */
      FtTensor *w = model->weights[l->first_weight], *r = NULL;
      if (l->spec.kernel_l1 > 0.0f)
        r = ft_op_l1 (tape, w, l->spec.kernel_l1);
      if (l->spec.kernel_l2 > 0.0f)
        {
          FtTensor *r2 = ft_op_l2 (tape, w, l->spec.kernel_l2);
          r = r ? ft_op_add (tape, r, r2) : r2;
        }
      total = total ? ft_op_add (tape, total, r) : r;
    }
  return total;
}

/* ---- summary ---- */

static void
readable_size (double bytes, char *buf, size_t size)
{
  static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
  int u = 0;
  while (bytes >= 1024.0 && u < 4)
    {
      bytes /= 1024.0;
      u++;
    }
  g_snprintf (buf, size, "%.2f %s", bytes, units[u]);
}

/* Appends text padded with spaces to width display columns (UTF-8 safe: counts characters). */
static void
cell (GString *s, const char *text, int width, bool right)
{
  int len = (int) g_utf8_strlen (text, -1);
  int pad = width - 2 - len;
  if (pad < 0)
    pad = 0;
  g_string_append_c (s, ' ');
  if (right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (s, ' ');
  g_string_append (s, text);
  if (!right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (s, ' ');
  g_string_append_c (s, ' ');
}

static void
rule (GString *s, const char *left, const char *fill, const char *mid, const char *right, const int *w)
{
  g_string_append (s, left);
  for (int c = 0; c < 3; c++)
    {
      for (int i = 0; i < w[c]; i++)
        g_string_append (s, fill);
      g_string_append (s, c < 2 ? mid : right);
    }
  g_string_append_c (s, '\n');
}

char *
ft_model_summary (const FtModel *model, const char *model_name)
{
  GString *s = g_string_new (NULL);
  int w[3] = { 33, 24, 15 };
  char name[96], shape[96], params[32];
  /* Widen the columns for long names or shapes. */
  for (int i = 0; i < model->n_layers; i++)
    {
      const Layer *l = &model->layers[i];
      g_snprintf (name, sizeof name, "%s (%s)", l->name, ft_layer_kind_name (l->spec.kind));
      if ((int) strlen (name) + 2 > w[0])
        w[0] = (int) strlen (name) + 2;
    }
  g_string_append_printf (s, "Model: \"%s\"\n", model_name ? model_name : "sequential");
  rule (s, "┏", "━", "┳", "┓", w);
  g_string_append (s, "┃");
  cell (s, "Layer (type)", w[0], false);
  g_string_append (s, "┃");
  cell (s, "Output Shape", w[1], false);
  g_string_append (s, "┃");
  cell (s, "Param #", w[2], true);
  g_string_append (s, "┃\n");
  rule (s, "┡", "━", "╇", "┩", w);
  for (int i = 0; i < model->n_layers; i++)
    {
      const Layer *l = &model->layers[i];
      g_snprintf (name, sizeof name, "%s (%s)", l->name, ft_layer_kind_name (l->spec.kind));
      if (model->built)
        {
          GString *sh = g_string_new ("(None");
          for (int d = 0; d < l->out_ndim; d++)
            g_string_append_printf (sh, ", %d", l->out_shape[d]);
          g_string_append_c (sh, ')');
          g_strlcpy (shape, sh->str, sizeof shape);
          g_string_free (sh, TRUE);
          ft_format_thousands (params, sizeof params, (int64_t) l->n_params);
        }
      else
        {
          g_strlcpy (shape, "?", sizeof shape);
          g_strlcpy (params, "0 (unbuilt)", sizeof params);
        }
      g_string_append (s, "│");
      cell (s, name, w[0], false);
      g_string_append (s, "│");
      cell (s, shape, w[1], false);
      g_string_append (s, "│");
      cell (s, params, w[2], true);
      g_string_append (s, "│\n");
      if (i + 1 < model->n_layers)
        rule (s, "├", "─", "┼", "┤", w);
    }
  rule (s, "└", "─", "┴", "┘", w);
  size_t total = ft_model_n_params (model), trainable = model->n_trainable_params;
  char num[32], mem[32];
  ft_format_thousands (num, sizeof num, (int64_t) total);
  readable_size (4.0 * (double) total, mem, sizeof mem);
  g_string_append_printf (s, " Total params: %s (%s)\n", num, mem);
  ft_format_thousands (num, sizeof num, (int64_t) trainable);
  readable_size (4.0 * (double) trainable, mem, sizeof mem);
  g_string_append_printf (s, " Trainable params: %s (%s)\n", num, mem);
  ft_format_thousands (num, sizeof num, (int64_t) (total - trainable));
  readable_size (4.0 * (double) (total - trainable), mem, sizeof mem);
  g_string_append_printf (s, " Non-trainable params: %s (%s)\n", num, mem);
  return g_string_free (s, FALSE);
}

/* Points t at new data with a new shape; its flags, name and tape bookkeeping stay. */
static void
retarget (FtTensor *t, float *data, int ndim, const int *shape)
{
  FtTensor keep = *t;
  int dims[FT_MAX_DIMS];
  memcpy (dims, shape, (size_t) ndim * sizeof (int)); /* shape may be t's own */
  ft_tensor_init_view (t, data, ndim, dims);
  t->flags = keep.flags;
  t->name = keep.name;
  t->tape_serial = keep.tape_serial;
  t->tape_slot = keep.tape_slot;
}

/* The first layer's kernel (n_in × units) from the old one's rows (from[r] ≥ 0) or the fresh ones. */
static void
fill_kernel (float *dst, const float *old, const float *fresh, int n_in, int units, const int *from)
{
  for (int r = 0; r < n_in; r++)
    {
      const float *src = from[r] >= 0 ? old + (size_t) from[r] * (size_t) units : fresh + (size_t) r * units;
      memcpy (dst + (size_t) r * (size_t) units, src, (size_t) units * sizeof (float));
    }
}

/* Why the first kernel cannot take a new input width, or NULL when it can. */
static const char *
input_width_refusal (const FtModel *m)
{
  if (!m->built)
    return "the model is not built";
  if (m->in_ndim != 1)
    return "the model's input is not a vector";
  if (m->layers[0].spec.kind != FT_LAYER_DENSE)
    return "the first layer is not Dense";
  if (m->layers[0].n_weights < 1 || !(m->weights[m->layers[0].first_weight]->flags & FT_TENSOR_TRAINABLE))
    return "the first layer's kernel is not trainable";
  return NULL;
}

bool
ft_model_set_input_width (FtModel *model, int n_in, const int *from, uint64_t seed, GError **error)
{
  const char *refusal = input_width_refusal (model);
  if (refusal == NULL && (n_in < 1 || n_in > (1 << 20)))
    refusal = "the new input width is out of range";
  for (int r = 0; refusal == NULL && r < n_in; r++)
    if (from[r] >= model->in_shape[0])
      refusal = "a kept input is past the old inputs";
  if (refusal != NULL)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the inputs cannot change: %s", refusal);
      return false;
    }
  /* The kernel's initializer, fans and shape for the new width, as a fresh build would have them. */
  Layer *l0 = &model->layers[0];
  FtWeightSpec specs[FT_LAYER_MAX_WEIGHTS];
  int out_ndim, out_shape[FT_MAX_DIMS], nw = 0, in_shape[1] = { n_in };
  if (!ft_layer_infer (&l0->spec, 1, in_shape, &out_ndim, out_shape, &nw, specs, error))
    return false;
  FtTensor *kernel = model->weights[l0->first_weight];
  int units = kernel->shape[1];
  size_t kn = (size_t) n_in * (size_t) units;
  float *fresh = g_new (float, kn);
  FtRng rng;
  ft_rng_seed (&rng, seed, FT_RNG_STREAM_INIT);
  ft_initializer_fill (specs[0].init, fresh, kn, specs[0].fan_in, specs[0].fan_out, &rng);

  /* New blocks, the same layout rule as ft_model_build; every variable moves, the kernel changes size. */
  size_t nt = 0;
  for (int i = 0; i < model->n_trainable; i++)
    nt += aligned_floats (model->trainable[i] == kernel ? kn : model->trainable[i]->size);
  float *tb = ft_alloc0 ((nt ? nt : 1) * sizeof (float));
  float *gb = ft_alloc0 ((nt ? nt : 1) * sizeof (float));
  size_t ot = 0;
  for (int i = 0; i < model->n_trainable; i++)
    {
      FtTensor *t = model->trainable[i];
      if (t == kernel)
        {
          fill_kernel (tb + ot, t->data, fresh, n_in, units, from);
          retarget (t, tb + ot, specs[0].ndim, specs[0].shape);
        }
      else
        {
          memcpy (tb + ot, t->data, t->size * sizeof (float));
          retarget (t, tb + ot, t->ndim, t->shape);
        }
      retarget (model->grads[i], gb + ot, t->ndim, t->shape);
      ot += aligned_floats (t->size);
    }
  g_free (fresh);
  ft_free (model->trainable_block);
  ft_free (model->grad_block);
  model->trainable_block = tb;
  model->grad_block = gb;
  size_t old_kn = (size_t) model->in_shape[0] * (size_t) units;
  model->n_trainable_params = model->n_trainable_params - old_kn + kn;
  l0->n_params = l0->n_params - old_kn + kn;
  model->in_shape[0] = n_in;
  model->inputs_serial++;
  return true;
}

void
ft_weight_snapshot_take (FtWeightSnapshot *s, const FtModel *model)
{
  size_t n = ft_model_n_params (model);
  if (s->values == NULL || s->n != n)
    {
      g_free (s->values);
      s->values = g_new (float, n);
      s->n = n;
    }
  s->inputs_serial = model->inputs_serial;
  ft_model_get_weights (model, s->values);
}

bool
ft_weight_snapshot_fits (const FtWeightSnapshot *s, const FtModel *model)
{
  return s->values != NULL && s->n == ft_model_n_params (model) && s->inputs_serial == model->inputs_serial;
}

bool
ft_weight_snapshot_restore (const FtWeightSnapshot *s, FtModel *model)
{
  if (!ft_weight_snapshot_fits (s, model))
    return false;
  ft_model_set_weights (model, s->values);
  return true;
}

void
ft_weight_snapshot_clear (FtWeightSnapshot *s)
{
  g_clear_pointer (&s->values, g_free);
  s->n = 0;
}
