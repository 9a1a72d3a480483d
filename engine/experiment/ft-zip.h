/* ft-zip.h — the little of the ZIP format a Keras 3 `.keras` file needs: writing stored (uncompressed)
 * entries, as Keras itself writes them, and reading stored or deflated entries. In memory; no ZIP64. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct FtZipWriter FtZipWriter;

FtZipWriter *ft_zip_writer_new (void);
void ft_zip_writer_add (FtZipWriter *zip, const char *name, const void *data, size_t size);
/* The archive's bytes (g_free), and frees the writer. */
guint8 *ft_zip_writer_finish (FtZipWriter *zip, size_t *size);

/* One entry of an archive in memory, inflated when deflated; NULL with an FT_ERROR_INVALID error naming
 * the entry when it is missing or the archive is damaged. */
guint8 *ft_zip_read_entry (const guint8 *zip, size_t zip_size, const char *name, size_t *size,
                           GError **error);
