/* ft-initializers.c — Keras' initializers (VarianceScaling family, zeros, ones). */
#include "nn/ft-initializers.h"

#include <math.h>
#include <string.h>

static const char *const init_names[FT_N_INITIALIZERS] = {
  "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "zeros", "ones",
};

const char *
ft_initializer_name (FtInitializer init)
{
  return (unsigned) init < FT_N_INITIALIZERS ? init_names[init] : "?";
}

bool
ft_initializer_from_name (const char *name, FtInitializer *init)
{
  for (int i = 0; i < FT_N_INITIALIZERS; i++)
    if (name != NULL && strcmp (name, init_names[i]) == 0)
      {
        *init = (FtInitializer) i;
        return true;
      }
  return false;
}

/* Normal truncated at two standard deviations (redrawn outside), as Keras' truncated_normal. */
static float
truncated_normal (FtRng *rng)
{
  for (;;)
    {
      float v = ft_rng_normal (rng);
      if (fabsf (v) <= 2.0f)
        return v;
    }
}

void
ft_initializer_fill (FtInitializer init, float *data, size_t n, int fan_in, int fan_out, FtRng *rng)
{
  /* Keras' VarianceScaling: truncated normal stddev = sqrt(scale/fan)/0.87962566103423978. */
  const double trunc_correction = 0.87962566103423978;
  switch (init)
    {
    case FT_INIT_GLOROT_UNIFORM:
    case FT_INIT_HE_UNIFORM:
      {
        double fan = init == FT_INIT_GLOROT_UNIFORM ? (fan_in + fan_out) / 2.0 : fan_in;
        float limit = (float) sqrt (3.0 * (init == FT_INIT_GLOROT_UNIFORM ? 1.0 : 2.0) / fmax (1.0, fan));
        for (size_t i = 0; i < n; i++)
          data[i] = -limit + 2.0f * limit * ft_rng_uniform (rng);
        break;
      }
    case FT_INIT_GLOROT_NORMAL:
    case FT_INIT_HE_NORMAL:
      {
        double fan = init == FT_INIT_GLOROT_NORMAL ? (fan_in + fan_out) / 2.0 : fan_in;
        double scale = init == FT_INIT_GLOROT_NORMAL ? 1.0 : 2.0;
        float stddev = (float) (sqrt (scale / fmax (1.0, fan)) / trunc_correction);
        for (size_t i = 0; i < n; i++)
          data[i] = stddev * truncated_normal (rng);
        break;
      }
    case FT_INIT_ONES:
      for (size_t i = 0; i < n; i++)
        data[i] = 1.0f;
      break;
    case FT_INIT_ZEROS:
    case FT_N_INITIALIZERS:
      memset (data, 0, n * sizeof (float));
      break;
    }
}
