/* ft-rng.c — xoshiro256** with splitmix64 seeding (public-domain algorithms by Blackman and Vigna). */
#include "core/ft-rng.h"

#include <math.h>

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
ft_rng_seed (FtRng *rng, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

uint64_t
ft_rng_next (FtRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
ft_rng_uniform (FtRng *rng)
{
  return (float) (ft_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

uint32_t
ft_rng_below (FtRng *rng, uint32_t n)
{
  /* Lemire's multiply-shift with rejection. */
  uint64_t m = (uint64_t) (uint32_t) (ft_rng_next (rng) >> 32) * n;
  uint32_t low = (uint32_t) m;
  if (low < n)
    {
      uint32_t threshold = -n % n;
      while (low < threshold)
        {
          m = (uint64_t) (uint32_t) (ft_rng_next (rng) >> 32) * n;
          low = (uint32_t) m;
        }
    }
  return (uint32_t) (m >> 32);
}

float
ft_rng_normal (FtRng *rng)
{
  double u1 = ((double) (ft_rng_next (rng) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
  double u2 = (double) (ft_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2));
}

void
ft_rng_shuffle (FtRng *rng, uint32_t *idx, uint32_t n)
{
  for (uint32_t i = n; i > 1; i--)
    {
      uint32_t j = ft_rng_below (rng, i);
      uint32_t t = idx[i - 1];
      idx[i - 1] = idx[j];
      idx[j] = t;
    }
}
