/* ft-initializers.h — Keras' weight initializers, drawing from the engine's seeded generator. */
#pragma once

#include "core/ft-rng.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum
{
  FT_INIT_GLOROT_UNIFORM, /* U(±sqrt(6/(fan_in+fan_out))), Keras' default kernel initializer */
  FT_INIT_GLOROT_NORMAL,  /* truncated normal, stddev sqrt(2/(fan_in+fan_out))/0.8796 */
  FT_INIT_HE_NORMAL,      /* truncated normal, stddev sqrt(2/fan_in)/0.8796 */
  FT_INIT_HE_UNIFORM,     /* U(±sqrt(6/fan_in)) */
  FT_INIT_ZEROS,
  FT_INIT_ONES,
  FT_N_INITIALIZERS
} FtInitializer;

const char *ft_initializer_name (FtInitializer init);
bool ft_initializer_from_name (const char *name, FtInitializer *init);
void ft_initializer_fill (FtInitializer init, float *data, size_t n, int fan_in, int fan_out, FtRng *rng);
