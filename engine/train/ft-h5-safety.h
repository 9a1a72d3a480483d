/* ft-h5-safety.h — what a checkpoint's HDF5 structure must be before FitTape reads its contents: every
 * link a hard link (no soft or external links), no dataset stored outside the file (external storage)
 * or assembled from other files (virtual datasets), a bounded number of objects, and every attribute and
 * dataset within a size cap (checked from their declared sizes before anything is read). Optionally
 * reads every attribute and dataset once — done in the checkpoint guard's child process, so that a
 * crash or hang of libhdf5 on a damaged file happens there. */
#pragma once

#include <glib.h>
#include <hdf5.h>
#include <stdbool.h>

/* Checks the open file. read_all: also read every attribute and dataset into memory (and free it).
 * On failure *problem gets a message naming the object ("model_weights/dense/… is an external link"). */
bool ft_h5_check_file (hid_t file, bool read_all, char **problem);
