/* ft-ops.h — the differentiable ops. Each takes the tape (which owns its output and records it when an
 * input is tracked) and returns a tensor in the tape's arena. Implementations are split by concept:
 * ft-ops-basic.c, ft-activations.c, ft-ops-dense.c, ft-ops-conv.c, ft-ops-pool.c, ft-ops-dropout.c,
 * ft-ops-batchnorm.c, ft-losses.c. Shape errors are programming errors (g_return_val_if_fail → NULL);
 * user-facing validation happens when a model is built. */
#pragma once

#include "core/ft-param.h"
#include "core/ft-rng.h"
#include "core/ft-tape.h"
#include "ops/ft-activations.h"

/* ---- basic (mainly for tape semantics and custom losses) ---- */
FtTensor *ft_op_add (FtTape *tape, FtTensor *a, FtTensor *b);    /* same shapes */
FtTensor *ft_op_sub (FtTape *tape, FtTensor *a, FtTensor *b);    /* same shapes */
FtTensor *ft_op_mul (FtTape *tape, FtTensor *a, FtTensor *b);    /* same shapes, elementwise */
FtTensor *ft_op_scale (FtTape *tape, FtTensor *a, float factor); /* a * factor */
FtTensor *ft_op_matmul (FtTape *tape, FtTensor *a, FtTensor *b); /* (m,k)·(k,n) */
FtTensor *ft_op_sum (FtTape *tape, FtTensor *a);                 /* scalar, shape () */
FtTensor *ft_op_mean (FtTape *tape, FtTensor *a);                /* scalar */
/* Same data, new shape (a view: no copy). shape may hold one -1. */
FtTensor *ft_op_reshape (FtTape *tape, FtTensor *a, int ndim, const int *shape);
/* (N, …) → (N, prod(…)) */
FtTensor *ft_op_flatten (FtTape *tape, FtTensor *a);
/* The same values, never tracked: gradients do not flow through (tf.stop_gradient). */
FtTensor *ft_op_stop_gradient (FtTape *tape, FtTensor *a);
/* A copy in the tape's arena of external data (for feeding batches); not tracked unless watched. */
FtTensor *ft_op_constant (FtTape *tape, const float *data, int ndim, const int *shape);

/* ---- activations ---- */
FtTensor *ft_op_activation (FtTape *tape, FtTensor *x, FtActivation act);

/* ---- dense: y = act(x·W + b), x (N, in), W (in, out) as Keras, b (out) or NULL ---- */
FtTensor *ft_op_dense (FtTape *tape, FtTensor *x, FtTensor *w, FtTensor *b, FtActivation act);

/* ---- convolution and pooling, NHWC ---- */
typedef enum
{
  FT_PADDING_VALID,
  FT_PADDING_SAME,
} FtPadding;

/* Output length along one axis, TensorFlow's rule; *pad_before gets the leading padding. */
int ft_conv_output_size (int in, int kernel, int stride, FtPadding padding, int *pad_before);

/* x (N,H,W,C), W (KH,KW,C,F) as Keras (HWIO), b (F) or NULL → act(conv + b), (N,OH,OW,F). */
FtTensor *ft_op_conv2d (FtTape *tape, FtTensor *x, FtTensor *w, FtTensor *b, int stride_h, int stride_w,
                        FtPadding padding, FtActivation act);
/* Turns the direct path of small-kernel convolutions (no column matrix; the same bits) off, or on again, for
 * the whole process: for the tests and the benchmark, which compare it with im2col. Returns whether it was
 * on. FITTAPE_NO_DIRECT_CONV in the environment starts it off. */
bool ft_conv_direct_set_enabled (bool enabled);
/* x (N,H,W,C) → (N,OH,OW,C); with same padding, padded cells never win. */
FtTensor *ft_op_max_pool2d (FtTape *tape, FtTensor *x, int pool_h, int pool_w, int stride_h, int stride_w,
                            FtPadding padding);
/* x (N,H,W,C) → (N,OH,OW,C), the mean of each window's real cells (padded cells are not counted, as
 * TensorFlow's avg_pool). */
FtTensor *ft_op_avg_pool2d (FtTape *tape, FtTensor *x, int pool_h, int pool_w, int stride_h, int stride_w,
                            FtPadding padding);

/* ---- regularisation layers ---- */
/* Inverted dropout: when training, each element is kept with probability 1-rate and scaled by
 * 1/(1-rate), drawing from rng; when not training (or rate 0) returns x itself. */
FtTensor *ft_op_dropout (FtTape *tape, FtTensor *x, float rate, bool training, FtRng *rng);
/* Batch normalization over every axis but the last. Training: batch statistics (biased variance), and
 * moving = moving·momentum + batch·(1−momentum) on moving_mean / moving_var. Inference: moving
 * statistics. gamma/beta may be NULL (scale=False / center=False). */
FtTensor *ft_op_batch_norm (FtTape *tape, FtTensor *x, FtTensor *gamma, FtTensor *beta, FtTensor *moving_mean,
                            FtTensor *moving_var, float momentum, float epsilon, bool training);

/* ---- losses (ft-losses.c) ---- */
typedef enum
{
  FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
  FT_LOSS_CATEGORICAL_CROSSENTROPY,
  FT_LOSS_BINARY_CROSSENTROPY,
  FT_LOSS_MEAN_SQUARED_ERROR,
  FT_N_LOSSES
} FtLossKind;

typedef struct
{
  FtLossKind kind;
  bool from_logits;
} FtLossSpec;

/* The descriptor of each kind: class, names, parameters and Keras config entries. */
const FtKindInfo *ft_loss_kind_info (FtLossKind kind);
const char *ft_loss_name (FtLossKind kind); /* Keras' snake_case name */
bool ft_loss_from_name (const char *name, FtLossKind *kind);

/* Keras' loss with reduction "sum_over_batch_size": the per-sample losses (cross-entropies over the last
 * axis, or the mean over the last axis for binary cross-entropy and MSE), each times its sample weight
 * (NULL = 1), summed and divided by the number of samples. y_true: class indices as floats (N) for the
 * sparse loss, otherwise the shape of y_pred. Without logits, probabilities are clipped to
 * [1e-7, 1 − 1e-7] as Keras does; with logits, the stable log-softmax / log-sigmoid forms are used.
 * Returns a scalar. */
FtTensor *ft_op_loss (FtTape *tape, const FtLossSpec *spec, FtTensor *y_pred, FtTensor *y_true,
                      const float *sample_weight);
/* Keras' L2 regulariser: factor · sum(w²), a scalar. */
FtTensor *ft_op_l2 (FtTape *tape, FtTensor *w, float factor);
/* Keras' L1 regulariser: factor · Σ|w|, a scalar; its gradient factor · sign(w) (0 where w is 0, as
 * TensorFlow's abs). */
FtTensor *ft_op_l1 (FtTape *tape, FtTensor *w, float factor);

/* The largest of n ≥ 1 values (softmax subtracts it before exp). */
static inline float
ft_max_of (const float *v, size_t n)
{
  float mx = v[0];
  for (size_t i = 1; i < n; i++)
    mx = v[i] > mx ? v[i] : mx;
  return mx;
}
