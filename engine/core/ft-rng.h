/* ft-rng.h — the engine's one random number generator (xoshiro256**, seeded by splitmix64).
 * Deterministic across platforms; its state is plain data so checkpoints can save and restore it. */
#pragma once

#include <stdint.h>

typedef struct
{
  uint64_t s[4];
} FtRng;

/* Seeds a stream: the same (seed, stream) always gives the same sequence; different streams are
 * independent, so that e.g. shuffling does not change when dropout is added. */
void ft_rng_seed (FtRng *rng, uint64_t seed, uint64_t stream);
uint64_t ft_rng_next (FtRng *rng);
/* Uniform in [0, 1) with 24 random bits (every value exactly representable as float). */
float ft_rng_uniform (FtRng *rng);
/* Uniform integer in [0, n), unbiased. */
uint32_t ft_rng_below (FtRng *rng, uint32_t n);
/* Standard normal (Box–Muller, one value per call, computed in double). */
float ft_rng_normal (FtRng *rng);
/* Fisher–Yates shuffle of an index array. */
void ft_rng_shuffle (FtRng *rng, uint32_t *idx, uint32_t n);

/* Well-known stream numbers for the parts of a run that draw random numbers. */
enum
{
  FT_RNG_STREAM_INIT = 1,
  FT_RNG_STREAM_SHUFFLE = 2,
  FT_RNG_STREAM_DROPOUT = 3,
  FT_RNG_STREAM_DATA = 4,
};
