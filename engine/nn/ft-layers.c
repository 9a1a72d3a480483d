/* ft-layers.c — Keras layer specifications: the descriptor table (names, parameters, defaults, Keras
 * configs, editor rows), shape inference with clear errors, the weights each layer creates, and the
 * forward call through the tape ops. */
#include "nn/ft-layers.h"

#include "core/ft-error.h"
#include "core/ft-format.h"
#include "core/ft-tape.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* The table is laid out by hand (one parameter per brace group): the formatter breaks designated
 * initialisers inside macros apart. */
/* clang-format off */
#define OFF(f) G_STRUCT_OFFSET (FtLayerSpec, f)
#define KERAS_OBJECT(module, cls, config)                                                                   \
  "{\"module\": \"" module "\", \"class_name\": \"" cls "\", \"config\": " config ", \"registered_name\": null}"
#define CONST(key, json) { key, FT_PARAM_KERAS_CONST, .keras = json }
#define CHANNELS_LAST    CONST ("data_format", "\"channels_last\"")

#define PADDING                                                                                              \
  { "padding", FT_PARAM_PADDING, OFF (padding), FT_PARAM_TITLE_CHANGED, .def = FT_PADDING_VALID,            \
    .label = "Padding", .hint = "“same” pads so that stride 1 keeps the size", .title_prefix = "" }
#define ACTIVATION(flags)                                                                                    \
  { "activation", FT_PARAM_ACTIVATION, OFF (activation), FT_PARAM_TITLE | (flags), .def = FT_ACT_LINEAR,    \
    .label = "Activation" }
#define KERNEL_TAIL(...)                                                                      \
  { "use_bias", FT_PARAM_BOOL, OFF (use_bias), FT_PARAM_UI_HIDDEN, .def = true },                          \
  { "kernel_initializer", FT_PARAM_INITIALIZER, OFF (kernel_initializer), FT_PARAM_UI_HIDDEN,              \
    .def = FT_INIT_GLOROT_UNIFORM },                                                                         \
  { "bias_initializer", FT_PARAM_INITIALIZER, OFF (bias_initializer), FT_PARAM_UI_HIDDEN,                  \
    .def = FT_INIT_ZEROS },                                                                                  \
  { "kernel_regularizer", FT_PARAM_L2, OFF (kernel_l2), FT_PARAM_UI_HIDDEN, FT_RANGE_NONNEG, .def = 0 },    \
  CONST ("bias_regularizer", "null"), __VA_ARGS__ CONST ("kernel_constraint", "null"),                      \
  CONST ("bias_constraint", "null")
#define PAIR(key, l_, h_, lo_, hi_ui, d, flags)                                                              \
  { #key, FT_PARAM_PAIR, OFF (key), flags, .lo = lo_, .hi = 64, .def = d, .label = l_, .hint = h_,          \
    .ui_lo = lo_, .ui_hi = hi_ui, .ui_step = 1 }
#define POOLING                                                                                              \
  PAIR (pool_size, "Pool Size", "Height × width", 1, 8, 2,                                                   \
        FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_TITLE),                                      \
  PADDING,                                                                                                   \
  { "strides", FT_PARAM_PAIR, OFF (strides), FT_PARAM_ZERO_IS_NONE | FT_PARAM_TITLE_CHANGED, .lo = 1,       \
    .hi = 64, .def = 0, .label = "Strides", .hint = "0 takes the pool size, Keras’ default", .ui_lo = 0,      \
    .ui_hi = 4, .ui_step = 1, .title_prefix = "stride " },                                                    \
  CHANNELS_LAST

static const FtParam dense_params[] = {
  { "units", FT_PARAM_INT, OFF (units),
    FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_TITLE, .lo = 1, .hi = 1 << 20,
    .def = 32, .label = "Units", .hint = "Outputs of the layer", .ui_lo = 1, .ui_hi = 4096, .ui_step = 1 },
  ACTIVATION (FT_PARAM_WRITE_ALWAYS),
  KERNEL_TAIL (),
};
static const FtParam conv2d_params[] = {
  { "filters", FT_PARAM_INT, OFF (filters),
    FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_TITLE, .lo = 1, .hi = 4096,
    .def = 32, .label = "Filters", .hint = "Output channels", .ui_lo = 1, .ui_hi = 512, .ui_step = 1 },
  PAIR (kernel_size, "Kernel Size", "Height × width", 1, 11, 3,
        FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_TITLE),
  { "strides", FT_PARAM_PAIR, OFF (strides), FT_PARAM_TITLE_CHANGED, .lo = 1, .hi = 64, .def = 1,
    .label = "Strides", .hint = "Vertical × horizontal step", .ui_lo = 1, .ui_hi = 4, .ui_step = 1,
    .title_prefix = "stride " },
  PADDING,
  CHANNELS_LAST,
  CONST ("dilation_rate", "[1, 1]"),
  CONST ("groups", "1"),
  ACTIVATION (FT_PARAM_WRITE_ALWAYS),
  KERNEL_TAIL (CONST ("activity_regularizer", "null"), ),
};
static const FtParam pooling_params[] = { POOLING };
static const FtParam flatten_params[] = { CHANNELS_LAST };
static const FtParam dropout_params[] = {
  { "rate", FT_PARAM_FLOAT, OFF (rate),
    FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_POSITIONAL | FT_PARAM_TITLE, FT_RANGE_UNIT_OPEN,
    .def = 0.5, .label = "Rate", .hint = "Fraction of inputs set to 0 while training", .ui_lo = 0,
    .ui_hi = 0.95, .ui_step = 0.05, .ui_digits = 2 },
  { "seed", FT_PARAM_KERAS_CONST, .flags = FT_PARAM_KERAS_ANY, .keras = "null" },
  CONST ("noise_shape", "null"),
};
static const FtParam batch_norm_params[] = {
  /* Keras 2 writes the axis it resolved: [3] after a convolution, [1] after Dense. */
  { "axis", FT_PARAM_KERAS_CONST, .keras = "-1", .keras_also = (const char *const[]){ "3", "1", NULL } },
  { "momentum", FT_PARAM_FLOAT, OFF (momentum), 0, FT_RANGE_UNIT_OPEN, .def = 0.99, .label = "Momentum",
    .hint = "Of the moving mean and variance", .ui_lo = 0, .ui_hi = 0.999, .ui_step = 0.01, .ui_digits = 3 },
  { "epsilon", FT_PARAM_FLOAT, OFF (epsilon), 0, FT_RANGE_POSITIVE, .def = 1e-3, .label = "Epsilon",
    .hint = "Added to the variance", .ui_lo = 0.00001, .ui_hi = 0.1, .ui_step = 0.0001, .ui_digits = 5 },
  CONST ("center", "true"),
  CONST ("scale", "true"),
  CONST ("beta_initializer", KERAS_OBJECT ("keras.initializers", "Zeros", "{}")),
  CONST ("gamma_initializer", KERAS_OBJECT ("keras.initializers", "Ones", "{}")),
  CONST ("moving_mean_initializer", KERAS_OBJECT ("keras.initializers", "Zeros", "{}")),
  CONST ("moving_variance_initializer", KERAS_OBJECT ("keras.initializers", "Ones", "{}")),
  CONST ("beta_regularizer", "null"),
  CONST ("gamma_regularizer", "null"),
  CONST ("beta_constraint", "null"),
  CONST ("gamma_constraint", "null"),
  CONST ("synchronized", "false"),
};
static const FtParam activation_params[] = {
  ACTIVATION (FT_PARAM_WRITE_ALWAYS | FT_PARAM_CODE_ALWAYS | FT_PARAM_POSITIONAL),
};
static const FtParam global_pooling_params[] = {
  CHANNELS_LAST,
  CONST ("keepdims", "false"),
};

static const FtKindInfo kind_infos[] = {
  [FT_LAYER_DENSE] = { "Dense", "Dense", "dense", "every output sees every input", "Core", FT_PARAMS (dense_params),
                       .flags = FT_KIND_NEURONS },
  [FT_LAYER_CONV2D] = { "Conv2D", "Conv2D", "conv2d", "small filters slid over the image",
                        "Convolution", FT_PARAMS (conv2d_params) },
  [FT_LAYER_MAX_POOLING2D] = { "MaxPooling2D", "MaxPooling2D", "max_pooling2d",
                               "keeps the largest value of each window", "Convolution", FT_PARAMS (pooling_params),
                               .flags = FT_KIND_WEIGHTLESS },
  [FT_LAYER_FLATTEN] = { "Flatten", "Flatten", "flatten", "one long vector per sample", "Core", FT_PARAMS (flatten_params),
                         .flags = FT_KIND_WEIGHTLESS },
  [FT_LAYER_DROPOUT] = { "Dropout", "Dropout", "dropout", "zeroes random inputs while training",
                         "Regularisation", FT_PARAMS (dropout_params),
                         .flags = FT_KIND_WEIGHTLESS | FT_KIND_PER_FEATURE },
  [FT_LAYER_BATCH_NORMALIZATION] = { "BatchNormalization", "BatchNormalization", "batch_normalization",
                                     "rescales each channel to mean 0 and variance 1",
                                     "Regularisation", FT_PARAMS (batch_norm_params),
                                     .flags = FT_KIND_PER_FEATURE },
  [FT_LAYER_ACTIVATION] = { "Activation", "Activation", "activation", "applies a function elementwise",
                            "Core", FT_PARAMS (activation_params),
                            .flags = FT_KIND_WEIGHTLESS | FT_KIND_PER_FEATURE },
  [FT_LAYER_AVERAGE_POOLING2D] = { "AveragePooling2D", "AveragePooling2D", "average_pooling2d",
                                   "keeps the mean of each window", "Convolution", FT_PARAMS (pooling_params),
                                   .flags = FT_KIND_WEIGHTLESS },
  [FT_LAYER_GLOBAL_AVERAGE_POOLING2D] = { "GlobalAveragePooling2D", "GlobalAveragePooling2D",
                                          "global_average_pooling2d", "one mean per channel over the whole image",
                                          "Convolution", FT_PARAMS (global_pooling_params),
                                          .flags = FT_KIND_WEIGHTLESS },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_infos) == FT_N_LAYER_KINDS);
/* clang-format on */

const FtKindInfo *
ft_layer_kind_info (FtLayerKind kind)
{
  g_return_val_if_fail ((unsigned) kind < FT_N_LAYER_KINDS, NULL);
  return &kind_infos[kind];
}

const char *
ft_layer_kind_name (FtLayerKind kind)
{
  return (unsigned) kind < FT_N_LAYER_KINDS ? kind_infos[kind].name : "?";
}

const char *
ft_layer_kind_base_name (FtLayerKind kind)
{
  return (unsigned) kind < FT_N_LAYER_KINDS ? kind_infos[kind].keras_name : "?";
}

bool
ft_layer_kind_from_name (const char *name, FtLayerKind *kind)
{
  for (int i = 0; i < FT_N_LAYER_KINDS; i++)
    if (name != NULL
        && (strcmp (name, kind_infos[i].name) == 0 || strcmp (name, kind_infos[i].keras_name) == 0))
      {
        *kind = (FtLayerKind) i;
        return true;
      }
  return false;
}

/* The table's kernel_regularizer (FT_PARAM_L2) is the L2 factor and the L1 factor after it. */
G_STATIC_ASSERT (offsetof (FtLayerSpec, kernel_l1) == offsetof (FtLayerSpec, kernel_l2) + sizeof (float));

FtLayerSpec
ft_layer_spec_default (FtLayerKind kind)
{
  FtLayerSpec s;
  memset (&s, 0, sizeof s);
  s.kind = kind;
  if ((unsigned) kind < FT_N_LAYER_KINDS)
    ft_params_set_defaults (&kind_infos[kind], &s);
  return s;
}

static bool
is_pooling (FtLayerKind kind)
{
  return kind == FT_LAYER_MAX_POOLING2D || kind == FT_LAYER_AVERAGE_POOLING2D;
}

FtLayerSpec
ft_layer_spec_resolved (const FtLayerSpec *spec)
{
  FtLayerSpec s = *spec;
  if (is_pooling (s.kind))
    for (int k = 0; k < 2; k++)
      if (s.strides[k] <= 0)
        s.strides[k] = s.pool_size[k];
  return s;
}

FtLayerSpec
ft_layer_spec_unresolved (const FtLayerSpec *spec)
{
  FtLayerSpec s = *spec;
  if (is_pooling (s.kind) && s.strides[0] == s.pool_size[0] && s.strides[1] == s.pool_size[1])
    s.strides[0] = s.strides[1] = 0;
  return s;
}

static void
weight (FtWeightSpec *w, const char *name, int ndim, const int *shape, bool trainable, FtInitializer init,
        int fan_in, int fan_out)
{
  w->name = name;
  w->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    w->shape[i] = shape[i];
  w->trainable = trainable;
  w->init = init;
  w->fan_in = fan_in;
  w->fan_out = fan_out;
}

static void
pool_strides (const FtLayerSpec *spec, int *sh, int *sw)
{
  FtLayerSpec r = ft_layer_spec_resolved (spec);
  *sh = r.strides[0];
  *sw = r.strides[1];
}

/* Dense: a flat input; a kernel and a bias. */
static bool
infer_dense (const FtLayerSpec *spec, int in_ndim, const int *in_shape, const char *buf, int *out_ndim,
             int *out_shape, int *n_weights, FtWeightSpec *weights, GError **error)
{
  if (in_ndim != 1)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "Dense expects a flat input (features,) but receives %s: add a Flatten layer before it",
                   buf);
      return false;
    }
  if (spec->units < 1 || spec->units > 1 << 20)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Dense units must be between 1 and 1048576, not %d",
                   spec->units);
      return false;
    }
  int kshape[2] = { in_shape[0], spec->units };
  weight (&weights[(*n_weights)++], "kernel", 2, kshape, true, spec->kernel_initializer, in_shape[0],
          spec->units);
  if (spec->use_bias)
    weight (&weights[(*n_weights)++], "bias", 1, &spec->units, true, spec->bias_initializer, 0, 0);
  *out_ndim = 1;
  out_shape[0] = spec->units;
  return true;
}

/* Conv2D, MaxPooling2D, AveragePooling2D: an image input and a window that fits it; Conv2D's kernel
 * and bias. */
static bool
infer_window (const FtLayerSpec *spec, int in_ndim, const int *in_shape, const char *buf, int *out_ndim,
              int *out_shape, int *n_weights, FtWeightSpec *weights, GError **error)
{
  bool conv = spec->kind == FT_LAYER_CONV2D;
  const char *what = ft_layer_kind_name (spec->kind);
  if (in_ndim != 3)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s expects an image input (height, width, channels) but receives %s%s", what, buf,
                   in_ndim == 2 ? ": give the input a channel axis, e.g. (28, 28, 1)" : "");
      return false;
    }
  int kh = conv ? spec->kernel_size[0] : spec->pool_size[0];
  int kw = conv ? spec->kernel_size[1] : spec->pool_size[1];
  int sh, sw;
  if (conv)
    {
      sh = spec->strides[0];
      sw = spec->strides[1];
    }
  else
    pool_strides (spec, &sh, &sw);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || kh > 64 || kw > 64 || sh > 64 || sw > 64)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s %s %d×%d and strides %d×%d must be between 1 and 64", what, conv ? "kernel" : "pool",
                   kh, kw, sh, sw);
      return false;
    }
  if (conv && (spec->filters < 1 || spec->filters > 4096))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Conv2D filters must be between 1 and 4096, not %d",
                   spec->filters);
      return false;
    }
  if (spec->padding == FT_PADDING_VALID && (kh > in_shape[0] || kw > in_shape[1]))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "%s %s %d×%d is larger than its %d×%d input (use padding \"same\" or a smaller %s)", what,
                   conv ? "kernel" : "pool", kh, kw, in_shape[0], in_shape[1], conv ? "kernel" : "pool");
      return false;
    }
  int pad;
  out_shape[0] = ft_conv_output_size (in_shape[0], kh, sh, spec->padding, &pad);
  out_shape[1] = ft_conv_output_size (in_shape[1], kw, sw, spec->padding, &pad);
  out_shape[2] = conv ? spec->filters : in_shape[2];
  *out_ndim = 3;
  if (conv)
    {
      int c = in_shape[2];
      if ((int64_t) kh * kw * c > INT_MAX || (int64_t) kh * kw * spec->filters > INT_MAX)
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Conv2D kernel %d×%d over %d channels is too large",
                       kh, kw, c);
          return false;
        }
      int kshape[4] = { kh, kw, c, spec->filters };
      weight (&weights[(*n_weights)++], "kernel", 4, kshape, true, spec->kernel_initializer, kh * kw * c,
              kh * kw * spec->filters);
      if (spec->use_bias)
        weight (&weights[(*n_weights)++], "bias", 1, &spec->filters, true, spec->bias_initializer, 0, 0);
    }
  return true;
}

/* Flatten: every feature of the input in one axis. */
static bool
infer_flatten (const FtLayerSpec *spec, int in_ndim, const int *in_shape, const char *buf, int *out_ndim,
               int *out_shape, int *n_weights, FtWeightSpec *weights, GError **error)
{
  *out_ndim = 1;
  size_t flat = 1;
  for (int d = 0; d < in_ndim; d++)
    flat = flat > (size_t) INT_MAX ? flat : flat * (size_t) in_shape[d];
  if (flat > (size_t) INT_MAX)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Flatten of %s gives more than %d features", buf,
                   INT_MAX);
      return false;
    }
  out_shape[0] = (int) flat;
  return true;
}

/* BatchNormalization: its four per-channel weights, the shape unchanged. */
static bool
infer_batch_norm (const FtLayerSpec *spec, int in_ndim, const int *in_shape, const char *buf, int *out_ndim,
                  int *out_shape, int *n_weights, FtWeightSpec *weights, GError **error)
{
  if (!(spec->momentum >= 0.0f && spec->momentum < 1.0f) || !(spec->epsilon > 0.0f))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "BatchNormalization needs momentum in [0, 1) and epsilon > 0 (got %g and %g)",
                   (double) spec->momentum, (double) spec->epsilon);
      return false;
    }
  int c = in_shape[in_ndim - 1];
  weight (&weights[(*n_weights)++], "gamma", 1, &c, true, FT_INIT_ONES, 0, 0);
  weight (&weights[(*n_weights)++], "beta", 1, &c, true, FT_INIT_ZEROS, 0, 0);
  weight (&weights[(*n_weights)++], "moving_mean", 1, &c, false, FT_INIT_ZEROS, 0, 0);
  weight (&weights[(*n_weights)++], "moving_variance", 1, &c, false, FT_INIT_ONES, 0, 0);
  *out_ndim = in_ndim;
  memcpy (out_shape, in_shape, (size_t) in_ndim * sizeof (int));
  return true;
}

bool
ft_layer_infer (const FtLayerSpec *spec, int in_ndim, const int *in_shape, int *out_ndim, int *out_shape,
                int *n_weights, FtWeightSpec *weights, GError **error)
{
  *n_weights = 0;
  char buf[64];
  ft_shape_format (in_ndim, in_shape, buf, sizeof buf);
  switch (spec->kind)
    {
    case FT_LAYER_DENSE:
      return infer_dense (spec, in_ndim, in_shape, buf, out_ndim, out_shape, n_weights, weights, error);
    case FT_LAYER_CONV2D:
    case FT_LAYER_MAX_POOLING2D:
    case FT_LAYER_AVERAGE_POOLING2D:
      return infer_window (spec, in_ndim, in_shape, buf, out_ndim, out_shape, n_weights, weights, error);
    case FT_LAYER_FLATTEN:
      return infer_flatten (spec, in_ndim, in_shape, buf, out_ndim, out_shape, n_weights, weights, error);
    case FT_LAYER_DROPOUT:
      if (!(spec->rate >= 0.0f && spec->rate < 1.0f))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Dropout rate must be in [0, 1), not %g",
                       (double) spec->rate);
          return false;
        }
      G_GNUC_FALLTHROUGH; /* shape unchanged */
    case FT_LAYER_ACTIVATION:
      *out_ndim = in_ndim;
      memcpy (out_shape, in_shape, (size_t) in_ndim * sizeof (int));
      return true;
    case FT_LAYER_BATCH_NORMALIZATION:
      return infer_batch_norm (spec, in_ndim, in_shape, buf, out_ndim, out_shape, n_weights, weights, error);
    case FT_LAYER_GLOBAL_AVERAGE_POOLING2D:
      if (in_ndim != 3)
        {
          g_set_error (
              error, FT_ERROR, FT_ERROR_INVALID,
              "GlobalAveragePooling2D expects an image input (height, width, channels) but receives %s", buf);
          return false;
        }
      *out_ndim = 1;
      out_shape[0] = in_shape[2];
      return true;
    case FT_N_LAYER_KINDS:
      break;
    }
  g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "unknown layer kind %d", (int) spec->kind);
  return false;
}

FtTensor *
ft_layer_call (const FtLayerSpec *spec, FtTape *tape, FtTensor *x, FtTensor *const *weights, bool training,
               FtRng *dropout_rng)
{
  switch (spec->kind)
    {
    case FT_LAYER_DENSE:
      return ft_op_dense (tape, x, weights[0], spec->use_bias ? weights[1] : NULL, spec->activation);
    case FT_LAYER_CONV2D:
      return ft_op_conv2d (tape, x, weights[0], spec->use_bias ? weights[1] : NULL, spec->strides[0],
                           spec->strides[1], spec->padding, spec->activation);
    case FT_LAYER_MAX_POOLING2D:
      {
        int sh, sw;
        pool_strides (spec, &sh, &sw);
        return ft_op_max_pool2d (tape, x, spec->pool_size[0], spec->pool_size[1], sh, sw, spec->padding);
      }
    case FT_LAYER_AVERAGE_POOLING2D:
      {
        int sh, sw;
        pool_strides (spec, &sh, &sw);
        return ft_op_avg_pool2d (tape, x, spec->pool_size[0], spec->pool_size[1], sh, sw, spec->padding);
      }
    case FT_LAYER_GLOBAL_AVERAGE_POOLING2D:
      {
        /* One average-pooling window over the whole image, its 1×1 reshaped away: the same sums in the same
         * order, so bit for bit what a global pooling op of its own gave. */
        int shape[2] = { x->shape[0], x->shape[3] };
        return ft_op_reshape (
            tape, ft_op_avg_pool2d (tape, x, x->shape[1], x->shape[2], 1, 1, FT_PADDING_VALID), 2, shape);
      }
    case FT_LAYER_FLATTEN:
      return ft_op_flatten (tape, x);
    case FT_LAYER_DROPOUT:
      return ft_op_dropout (tape, x, spec->rate, training, dropout_rng);
    case FT_LAYER_ACTIVATION:
      return ft_op_activation (tape, x, spec->activation);
    case FT_LAYER_BATCH_NORMALIZATION:
      return ft_op_batch_norm (tape, x, weights[0], weights[1], weights[2], weights[3], spec->momentum,
                               spec->epsilon, training);
    case FT_N_LAYER_KINDS:
      break;
    }
  g_return_val_if_reached (NULL);
}

/* One factor: the shortest decimal that reads back as the same float32, with a '.' or an exponent. */
static void
append_factor (GString *s, const char *key, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (s, "\"%s\": %s", key, ft_format_shortest (buf, sizeof buf, v, true));
  if (strpbrk (buf, ".eEni") == NULL)
    g_string_append (s, ".0");
}

void
ft_layer_regularizer_keras_json (GString *s, float l1, float l2)
{
  if (l2 <= 0.0f && l1 <= 0.0f)
    {
      g_string_append (s, "null");
      return;
    }
  g_string_append_printf (s, "{\"module\": \"keras.regularizers\", \"class_name\": \"%s\", \"config\": {",
                          l1 > 0.0f && l2 > 0.0f ? "L1L2"
                          : l1 > 0.0f            ? "L1"
                                                 : "L2");
  if (l1 > 0.0f)
    append_factor (s, "l1", l1);
  if (l2 > 0.0f)
    {
      if (l1 > 0.0f)
        g_string_append (s, ", ");
      append_factor (s, "l2", l2);
    }
  g_string_append (s, "}, \"registered_name\": null}");
}
