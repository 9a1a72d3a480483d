/* ft-features.h — TensorFlow Playground's input features for 2-D data: x₁, x₂, x₁², x₂², x₁x₂, sin x₁,
 * sin x₂, any subset, in that order. A preprocessing step applied to every sample before the model sees
 * it (the trainer applies it to each batch it gathers, so model.fit() and the tape loop see the same
 * values; the generated code applies the same function to the arrays). A mask of 0 means no step: the model
 * takes the raw samples. Values are computed in double and rounded once to float (sin as NumPy's float64
 * np.sin, then float32). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum
{
  FT_FEATURE_X1 = 1u << 0,
  FT_FEATURE_X2 = 1u << 1,
  FT_FEATURE_X1_SQUARED = 1u << 2,
  FT_FEATURE_X2_SQUARED = 1u << 3,
  FT_FEATURE_X1_X2 = 1u << 4,
  FT_FEATURE_SIN_X1 = 1u << 5,
  FT_FEATURE_SIN_X2 = 1u << 6,
};
#define FT_N_FEATURES   7
#define FT_FEATURES_ALL ((1u << FT_N_FEATURES) - 1)

/* Feature i (0 … FT_N_FEATURES − 1): its name in experiment files ("x1", "x2", "x1^2", "x2^2", "x1*x2",
 * "sin(x1)", "sin(x2)"), its label on screen ("x₁", "x₁²", "sin x₁" …) and its NumPy expression in terms
 * of x1 and x2 ("x1 * x1", "np.sin(x1)" …). */
const char *ft_feature_name (int i);
const char *ft_feature_label (int i);
const char *ft_feature_numpy (int i);
bool ft_feature_from_name (const char *name, int *i);
int ft_features_count (unsigned mask);
/* The position of feature i among the mask's features, or −1 when the mask does not have it. */
int ft_features_position (unsigned mask, int i);
/* out (n × ft_features_count (mask), row per sample) from xy (n × 2). mask must not be 0. */
void ft_features_apply (unsigned mask, const float *xy, size_t n, float *out);
