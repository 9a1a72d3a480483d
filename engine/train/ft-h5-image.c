/* ft-h5-image.c — HDF5's metadata checksum and the superblock fix of a file image (see ft-h5-image.h). */
#include "train/ft-h5-image.h"

#include <string.h>

#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define MIX(a, b, c)                                                                                         \
  do                                                                                                         \
    {                                                                                                        \
      a -= c;                                                                                                \
      a ^= ROT (c, 4);                                                                                       \
      c += b;                                                                                                \
      b -= a;                                                                                                \
      b ^= ROT (a, 6);                                                                                       \
      a += c;                                                                                                \
      c -= b;                                                                                                \
      c ^= ROT (b, 8);                                                                                       \
      b += a;                                                                                                \
      a -= c;                                                                                                \
      a ^= ROT (c, 16);                                                                                      \
      c += b;                                                                                                \
      b -= a;                                                                                                \
      b ^= ROT (a, 19);                                                                                      \
      a += c;                                                                                                \
      c -= b;                                                                                                \
      c ^= ROT (b, 4);                                                                                       \
      b += a;                                                                                                \
    }                                                                                                        \
  while (0)
#define FINAL(a, b, c)                                                                                       \
  do                                                                                                         \
    {                                                                                                        \
      c ^= b;                                                                                                \
      c -= ROT (b, 14);                                                                                      \
      a ^= c;                                                                                                \
      a -= ROT (c, 11);                                                                                      \
      b ^= a;                                                                                                \
      b -= ROT (a, 25);                                                                                      \
      c ^= b;                                                                                                \
      c -= ROT (b, 16);                                                                                      \
      a ^= c;                                                                                                \
      a -= ROT (c, 4);                                                                                       \
      b ^= a;                                                                                                \
      b -= ROT (a, 14);                                                                                      \
      c ^= b;                                                                                                \
      c -= ROT (b, 24);                                                                                      \
    }                                                                                                        \
  while (0)

/* Bob Jenkins' lookup3 hashlittle, byte by byte, initial value 0 (public domain; HDF5's
 * H5_checksum_lookup3). */
uint32_t
ft_h5_checksum (const void *data, size_t len)
{
  const uint8_t *k = data;
  uint32_t a, b, c;
  a = b = c = 0xdeadbeef + (uint32_t) len;
  while (len > 12)
    {
      a += k[0] + ((uint32_t) k[1] << 8) + ((uint32_t) k[2] << 16) + ((uint32_t) k[3] << 24);
      b += k[4] + ((uint32_t) k[5] << 8) + ((uint32_t) k[6] << 16) + ((uint32_t) k[7] << 24);
      c += k[8] + ((uint32_t) k[9] << 8) + ((uint32_t) k[10] << 16) + ((uint32_t) k[11] << 24);
      MIX (a, b, c);
      len -= 12;
      k += 12;
    }
  switch (len)
    {
    case 12:
      c += (uint32_t) k[11] << 24; /* fall through */
    case 11:
      c += (uint32_t) k[10] << 16; /* fall through */
    case 10:
      c += (uint32_t) k[9] << 8; /* fall through */
    case 9:
      c += k[8]; /* fall through */
    case 8:
      b += (uint32_t) k[7] << 24; /* fall through */
    case 7:
      b += (uint32_t) k[6] << 16; /* fall through */
    case 6:
      b += (uint32_t) k[5] << 8; /* fall through */
    case 5:
      b += k[4]; /* fall through */
    case 4:
      a += (uint32_t) k[3] << 24; /* fall through */
    case 3:
      a += (uint32_t) k[2] << 16; /* fall through */
    case 2:
      a += (uint32_t) k[1] << 8; /* fall through */
    case 1:
      a += k[0];
      break;
    case 0:
      return c;
    }
  FINAL (a, b, c);
  return c;
}

bool
ft_h5_image_fix_superblock (void *image, size_t size)
{
  uint8_t *p = image;
  static const uint8_t signature[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  if (size < 12 || memcmp (p, signature, 8) != 0)
    return false;
  if (p[8] != 2 && p[8] != 3)
    return true;
  size_t offsets = p[9];
  /* signature, version, offset and length sizes, flags; base, extension, end-of-file and root addresses */
  size_t body = 12 + 4 * offsets;
  if (offsets != 8 && offsets != 4)
    return false;
  if (size < body + 4)
    return false;
  uint32_t sum = ft_h5_checksum (p, body);
  for (int i = 0; i < 4; i++)
    p[body + (size_t) i] = (uint8_t) (sum >> (8 * i));
  return true;
}
