/* ft-layers.h — the Keras layers FitTape offers, as plain specifications with Keras' defaults described by
 * one table (ft_layer_kind_info), and the per-layer shape inference, weight creation and forward call used
 * by the Sequential model. */
#pragma once

#include "core/ft-param.h"
#include "nn/ft-initializers.h"
#include "ops/ft-ops.h"

#include <glib.h>

typedef enum
{
  FT_LAYER_DENSE,
  FT_LAYER_CONV2D,
  FT_LAYER_MAX_POOLING2D,
  FT_LAYER_FLATTEN,
  FT_LAYER_DROPOUT,
  FT_LAYER_BATCH_NORMALIZATION,
  FT_LAYER_ACTIVATION,
  FT_LAYER_AVERAGE_POOLING2D,
  FT_LAYER_GLOBAL_AVERAGE_POOLING2D,
  FT_N_LAYER_KINDS
} FtLayerKind;

typedef struct
{
  FtLayerKind kind;
  int units;                        /* Dense */
  int filters;                      /* Conv2D */
  int kernel_size[2];               /* Conv2D (default 3×3 in FitTape's editor; Keras requires it) */
  int strides[2];                   /* Conv2D (1,1); pooling (0,0) = pool_size */
  int pool_size[2];                 /* MaxPooling2D, AveragePooling2D (2,2) */
  FtPadding padding;                /* "valid" */
  FtActivation activation;          /* Dense, Conv2D, Activation: linear */
  bool use_bias;                    /* true */
  FtInitializer kernel_initializer; /* glorot_uniform */
  FtInitializer bias_initializer;   /* zeros */
  float kernel_l2;                  /* L2 kernel regulariser factor; 0 = none */
  float kernel_l1; /* L1 kernel regulariser factor; 0 = none (both set: Keras' L1L2); must follow
                    * kernel_l2 (the table's FT_PARAM_L2 covers both) */
  float rate;      /* Dropout */
  float momentum;  /* BatchNormalization 0.99 */
  float epsilon;   /* BatchNormalization 1e-3 */
} FtLayerSpec;

/* The descriptor of each kind: names and parameters in Keras' get_config() order. */
const FtKindInfo *ft_layer_kind_info (FtLayerKind kind);

FtLayerSpec ft_layer_spec_default (FtLayerKind kind);
/* The spec with Keras' implied values filled in: pooling strides 0 (None) become the pool size. */
FtLayerSpec ft_layer_spec_resolved (const FtLayerSpec *spec);
/* The other way (a Keras config read): pooling strides equal to the pool size become 0 (None). */
FtLayerSpec ft_layer_spec_unresolved (const FtLayerSpec *spec);
const char *ft_layer_kind_name (FtLayerKind kind);      /* "Dense", "Conv2D", … */
const char *ft_layer_kind_base_name (FtLayerKind kind); /* "dense", "conv2d", … (Keras' auto names) */
bool ft_layer_kind_from_name (const char *name, FtLayerKind *kind);

#define FT_LAYER_MAX_WEIGHTS 4

typedef struct
{
  const char *name; /* "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance" */
  int ndim;
  int shape[FT_MAX_DIMS];
  bool trainable;
  FtInitializer init;
  int fan_in, fan_out;
} FtWeightSpec;

/* Shape inference: output shape (without the batch axis) for an input shape, and the weights the layer
 * creates. Returns false with an error that says what is wrong with this layer for this input. */
bool ft_layer_infer (const FtLayerSpec *spec, int in_ndim, const int *in_shape, int *out_ndim, int *out_shape,
                     int *n_weights, FtWeightSpec *weights, GError **error);

/* Runs the layer. weights as created from ft_layer_infer, in that order. */
FtTensor *ft_layer_call (const FtLayerSpec *spec, FtTape *tape, FtTensor *x, FtTensor *const *weights,
                         bool training, FtRng *dropout_rng);

/* A kernel regularizer as Keras 3 serialises it in a layer's config: keras.regularizers' L1, L2 or L1L2
 * (both factors, each the shortest decimal of its float32), or null without one. */
void ft_layer_regularizer_keras_json (GString *s, float l1, float l2);
