/* ft-activations.h — Keras' activation functions as kernels on rows of floats (softmax is over the last
 * axis), used fused by dense and conv2d and as a standalone op. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum
{
  FT_ACT_LINEAR,
  FT_ACT_RELU,
  FT_ACT_SIGMOID,
  FT_ACT_TANH,
  FT_ACT_SOFTMAX,
  FT_ACT_LEAKY_RELU, /* negative_slope 0.2, Keras 3's default */
  FT_ACT_ELU,        /* alpha 1.0 */
  FT_ACT_GELU,       /* exact (erf) form, Keras' approximate=False */
  FT_N_ACTIVATIONS
} FtActivation;

const char *ft_activation_name (FtActivation act);
/* Keras names ("relu", "softmax", "leaky_relu", …; NULL or "" or "linear" is linear). */
bool ft_activation_from_name (const char *name, FtActivation *act);
/* Does the backward need the pre-activation input z (not just the output y)? */
bool ft_activation_backward_needs_input (FtActivation act);

/* y = f(z); y may alias z. rows × cols, softmax along cols. */
void ft_activation_forward (FtActivation act, float *y, const float *z, size_t rows, size_t cols);
/* dz = beta * dz + dy * f'(z), using y = f(z) and (when needed) z. dz may alias dy when beta is 0. */
void ft_activation_backward (FtActivation act, float *dz, float beta, const float *dy, const float *y,
                             const float *z, size_t rows, size_t cols);
/* FLOPs per element, roughly, for the tape listing. */
double ft_activation_flops (FtActivation act);
