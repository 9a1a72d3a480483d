/* ft-zip.c — a minimal ZIP writer (stored entries) and reader (stored and deflated entries), see ft-zip.h. */
#include "experiment/ft-zip.h"

#include "core/ft-error.h"

#include <string.h>
#include <zlib.h>

struct FtZipWriter
{
  GByteArray *out;
  GByteArray *central;
  int n;
};

static void
put16 (GByteArray *b, unsigned v)
{
  guint8 x[2] = { (guint8) v, (guint8) (v >> 8) };
  g_byte_array_append (b, x, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { (guint8) v, (guint8) (v >> 8), (guint8) (v >> 16), (guint8) (v >> 24) };
  g_byte_array_append (b, x, 4);
}

static unsigned
get16 (const guint8 *p)
{
  return (unsigned) p[0] | (unsigned) p[1] << 8;
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

FtZipWriter *
ft_zip_writer_new (void)
{
  FtZipWriter *z = g_new0 (FtZipWriter, 1);
  z->out = g_byte_array_new ();
  z->central = g_byte_array_new ();
  return z;
}

void
ft_zip_writer_add (FtZipWriter *z, const char *name, const void *data, size_t size)
{
  guint32 crc = (guint32) crc32 (crc32 (0L, Z_NULL, 0), data, (uInt) size);
  guint32 offset = z->out->len;
  size_t name_len = strlen (name);
  /* Local header: version 20, no flags, stored, DOS time 1980-01-01 00:00. */
  put32 (z->out, 0x04034b50);
  put16 (z->out, 20);
  put16 (z->out, 0);
  put16 (z->out, 0);
  put16 (z->out, 0);
  put16 (z->out, 0x21);
  put32 (z->out, crc);
  put32 (z->out, (guint32) size);
  put32 (z->out, (guint32) size);
  put16 (z->out, (unsigned) name_len);
  put16 (z->out, 0);
  g_byte_array_append (z->out, (const guint8 *) name, (guint) name_len);
  g_byte_array_append (z->out, data, (guint) size);
  /* Central directory entry. */
  put32 (z->central, 0x02014b50);
  put16 (z->central, 20);
  put16 (z->central, 20);
  put16 (z->central, 0);
  put16 (z->central, 0);
  put16 (z->central, 0);
  put16 (z->central, 0x21);
  put32 (z->central, crc);
  put32 (z->central, (guint32) size);
  put32 (z->central, (guint32) size);
  put16 (z->central, (unsigned) name_len);
  put16 (z->central, 0);
  put16 (z->central, 0);
  put16 (z->central, 0);
  put16 (z->central, 0);
  put32 (z->central, 0644u << 16);
  put32 (z->central, offset);
  g_byte_array_append (z->central, (const guint8 *) name, (guint) name_len);
  z->n++;
}

guint8 *
ft_zip_writer_finish (FtZipWriter *z, size_t *size)
{
  guint32 cd_offset = z->out->len, cd_size = z->central->len;
  g_byte_array_append (z->out, z->central->data, z->central->len);
  put32 (z->out, 0x06054b50);
  put16 (z->out, 0);
  put16 (z->out, 0);
  put16 (z->out, (unsigned) z->n);
  put16 (z->out, (unsigned) z->n);
  put32 (z->out, cd_size);
  put32 (z->out, cd_offset);
  put16 (z->out, 0);
  g_byte_array_unref (z->central);
  *size = z->out->len;
  guint8 *bytes = g_byte_array_free (z->out, FALSE);
  g_free (z);
  return bytes;
}

guint8 *
ft_zip_read_entry (const guint8 *zip, size_t n, const char *name, size_t *size, GError **error)
{
#define BAD(...)                                                                                             \
  do                                                                                                         \
    {                                                                                                        \
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, __VA_ARGS__);                                          \
      return NULL;                                                                                           \
    }                                                                                                        \
  while (0)
  if (n < 22)
    BAD ("not a ZIP archive (%zu bytes)", n);
  size_t eocd = n - 22;
  while (eocd > 0 && get32 (zip + eocd) != 0x06054b50 && n - eocd < 22 + 65535)
    eocd--;
  if (get32 (zip + eocd) != 0x06054b50)
    BAD ("not a ZIP archive (no end of central directory)");
  unsigned count = get16 (zip + eocd + 10);
  size_t p = get32 (zip + eocd + 16);
  size_t name_len = strlen (name);
  for (unsigned i = 0; i < count; i++)
    {
      if (p + 46 > n || get32 (zip + p) != 0x02014b50)
        BAD ("damaged ZIP central directory");
      unsigned method = get16 (zip + p + 10);
      guint32 csize = get32 (zip + p + 20), usize = get32 (zip + p + 24);
      unsigned nl = get16 (zip + p + 28), el = get16 (zip + p + 30), cl = get16 (zip + p + 32);
      size_t local = get32 (zip + p + 42);
      if (p + 46 + nl > n)
        BAD ("damaged ZIP central directory");
      if (nl == name_len && memcmp (zip + p + 46, name, nl) == 0)
        {
          if (local + 30 > n || get32 (zip + local) != 0x04034b50)
            BAD ("damaged ZIP entry %s", name);
          size_t data = local + 30 + get16 (zip + local + 26) + get16 (zip + local + 28);
          if (data + csize > n)
            BAD ("truncated ZIP entry %s", name);
          guint8 *out = g_malloc ((gsize) usize + 1);
          out[usize] = 0;
          if (method == 0)
            memcpy (out, zip + data, usize);
          else if (method == 8)
            {
              z_stream s;
              memset (&s, 0, sizeof s);
              inflateInit2 (&s, -15);
              s.next_in = (Bytef *) (zip + data);
              s.avail_in = csize;
              s.next_out = out;
              s.avail_out = usize;
              int rc = inflate (&s, Z_FINISH);
              inflateEnd (&s);
              if (rc != Z_STREAM_END)
                {
                  g_free (out);
                  BAD ("corrupt deflated data in ZIP entry %s", name);
                }
            }
          else
            {
              g_free (out);
              BAD ("ZIP entry %s uses compression method %u (only stored and deflated are read)", name,
                   method);
            }
          *size = usize;
          return out;
        }
      p += 46 + nl + el + cl;
    }
  BAD ("the archive has no %s", name);
#undef BAD
}
