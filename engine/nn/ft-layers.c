/* ft-layers.c — Keras layer specifications: defaults, names, shape inference with clear errors, the
 * weights each layer creates, and the forward call through the tape ops. */
#include "nn/ft-layers.h"

#include "core/ft-tape.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

static const struct
{
  const char *name;
  const char *base;
} kinds[FT_N_LAYER_KINDS] = {
  [FT_LAYER_DENSE] = { "Dense", "dense" },
  [FT_LAYER_CONV2D] = { "Conv2D", "conv2d" },
  [FT_LAYER_MAX_POOLING2D] = { "MaxPooling2D", "max_pooling2d" },
  [FT_LAYER_FLATTEN] = { "Flatten", "flatten" },
  [FT_LAYER_DROPOUT] = { "Dropout", "dropout" },
  [FT_LAYER_BATCH_NORMALIZATION] = { "BatchNormalization", "batch_normalization" },
  [FT_LAYER_ACTIVATION] = { "Activation", "activation" },
};

const char *
ft_layer_kind_name (FtLayerKind kind)
{
  return (unsigned) kind < FT_N_LAYER_KINDS ? kinds[kind].name : "?";
}

const char *
ft_layer_kind_base_name (FtLayerKind kind)
{
  return (unsigned) kind < FT_N_LAYER_KINDS ? kinds[kind].base : "?";
}

bool
ft_layer_kind_from_name (const char *name, FtLayerKind *kind)
{
  for (int i = 0; i < FT_N_LAYER_KINDS; i++)
    if (name != NULL && (strcmp (name, kinds[i].name) == 0 || strcmp (name, kinds[i].base) == 0))
      {
        *kind = (FtLayerKind) i;
        return true;
      }
  return false;
}

FtLayerSpec
ft_layer_spec_default (FtLayerKind kind)
{
  FtLayerSpec s;
  memset (&s, 0, sizeof s);
  s.kind = kind;
  s.units = 32;
  s.filters = 32;
  s.kernel_size[0] = s.kernel_size[1] = 3;
  s.strides[0] = s.strides[1] = kind == FT_LAYER_MAX_POOLING2D ? 0 : 1;
  s.pool_size[0] = s.pool_size[1] = 2;
  s.padding = FT_PADDING_VALID;
  s.activation = FT_ACT_LINEAR;
  s.use_bias = true;
  s.kernel_initializer = FT_INIT_GLOROT_UNIFORM;
  s.bias_initializer = FT_INIT_ZEROS;
  s.kernel_l2 = 0.0f;
  s.rate = 0.5f;
  s.momentum = 0.99f;
  s.epsilon = 1e-3f;
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
  *sh = spec->strides[0] > 0 ? spec->strides[0] : spec->pool_size[0];
  *sw = spec->strides[1] > 0 ? spec->strides[1] : spec->pool_size[1];
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
    case FT_LAYER_CONV2D:
    case FT_LAYER_MAX_POOLING2D:
      {
        bool conv = spec->kind == FT_LAYER_CONV2D;
        const char *what = conv ? "Conv2D" : "MaxPooling2D";
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
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s %s %d×%d and strides %d×%d must be between 1 and 64",
                         what, conv ? "kernel" : "pool", kh, kw, sh, sw);
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
    case FT_LAYER_FLATTEN:
      *out_ndim = 1;
      {
        size_t flat = 1;
        for (int d = 0; d < in_ndim; d++)
          flat = flat > (size_t) INT_MAX ? flat : flat * (size_t) in_shape[d];
        if (flat > (size_t) INT_MAX)
          {
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Flatten of %s gives more than %d features", buf, INT_MAX);
            return false;
          }
        out_shape[0] = (int) flat;
        return true;
      }
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
    default:
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "unknown layer kind %d", (int) spec->kind);
      return false;
    }
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
    case FT_LAYER_FLATTEN:
      return ft_op_flatten (tape, x);
    case FT_LAYER_DROPOUT:
      return ft_op_dropout (tape, x, spec->rate, training, dropout_rng);
    case FT_LAYER_ACTIVATION:
      return ft_op_activation (tape, x, spec->activation);
    case FT_LAYER_BATCH_NORMALIZATION:
      return ft_op_batch_norm (tape, x, weights[0], weights[1], weights[2], weights[3], spec->momentum,
                               spec->epsilon, training);
    default:
      g_return_val_if_reached (NULL);
    }
}
