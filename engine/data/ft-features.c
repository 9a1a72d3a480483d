/* ft-features.c — the Playground's input features (see ft-features.h). */
#include "data/ft-features.h"

#include <math.h>
#include <string.h>

static const char *const names[FT_N_FEATURES] = { "x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)" };
static const char *const labels[FT_N_FEATURES] = { "x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂" };
static const char *const numpy[FT_N_FEATURES] = { "x1",      "x2",         "x1 * x1",   "x2 * x2",
                                                  "x1 * x2", "np.sin(x1)", "np.sin(x2)" };

const char *
ft_feature_name (int i)
{
  return i >= 0 && i < FT_N_FEATURES ? names[i] : "?";
}

const char *
ft_feature_label (int i)
{
  return i >= 0 && i < FT_N_FEATURES ? labels[i] : "?";
}

const char *
ft_feature_numpy (int i)
{
  return i >= 0 && i < FT_N_FEATURES ? numpy[i] : "?";
}

bool
ft_feature_from_name (const char *name, int *i)
{
  for (int k = 0; k < FT_N_FEATURES; k++)
    if (strcmp (name, names[k]) == 0)
      {
        *i = k;
        return true;
      }
  return false;
}

int
ft_features_count (unsigned mask)
{
  int n = 0;
  for (int k = 0; k < FT_N_FEATURES; k++)
    n += (mask >> k) & 1u;
  return n;
}

int
ft_features_position (unsigned mask, int i)
{
  if (i < 0 || i >= FT_N_FEATURES || !((mask >> i) & 1u))
    return -1;
  return ft_features_count (mask & ((1u << i) - 1u));
}

void
ft_features_apply (unsigned mask, const float *xy, size_t n, float *out)
{
  int k = ft_features_count (mask);
  for (size_t s = 0; s < n; s++)
    {
      double x1 = xy[2 * s], x2 = xy[2 * s + 1];
      float *o = out + s * (size_t) k;
      int j = 0;
      if (mask & FT_FEATURE_X1)
        o[j++] = (float) x1;
      if (mask & FT_FEATURE_X2)
        o[j++] = (float) x2;
      if (mask & FT_FEATURE_X1_SQUARED)
        o[j++] = (float) (x1 * x1);
      if (mask & FT_FEATURE_X2_SQUARED)
        o[j++] = (float) (x2 * x2);
      if (mask & FT_FEATURE_X1_X2)
        o[j++] = (float) (x1 * x2);
      if (mask & FT_FEATURE_SIN_X1)
        o[j++] = (float) sin (x1);
      if (mask & FT_FEATURE_SIN_X2)
        o[j++] = (float) sin (x2);
    }
}
