/* ft-h5-image.h — repairs what HDF5 1.10's H5Fget_file_image leaves inconsistent in an image whose
 * superblock is version 2 or 3 (files created with the 1.8 format, which FitTape uses only when an
 * attribute exceeds the 64 KiB that older object headers hold): the image's file-consistency flags are
 * cleared but its superblock checksum is left as computed with them set, so the image cannot be opened.
 * The checksum is recomputed (Jenkins' lookup3, as HDF5 computes metadata checksums). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HDF5's metadata checksum of len bytes. */
uint32_t ft_h5_checksum (const void *data, size_t len);

/* Fixes the superblock checksum of a version 2/3 superblock at the start of image; other versions are
 * left alone. False when the image is not an HDF5 file image. */
bool ft_h5_image_fix_superblock (void *image, size_t size);
