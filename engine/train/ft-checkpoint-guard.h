/* ft-checkpoint-guard.h — opening a checkpoint that this process did not write in a child process
 * first. libhdf5 is not hardened against hostile files (a changed byte can crash it or make it loop or
 * allocate gigabytes), so a helper executable (fittape-h5check) opens the file under a time and memory
 * limit, checks its structure and reads every attribute and dataset once. Only when it exits cleanly does
 * this process open the file itself; a crash, a hang or running out of memory there becomes "the file is
 * damaged", and the window and its runs live on.
 *
 * The helper is found: as set with ft_checkpoint_guard_set_helper (), else $FITTAPE_H5CHECK, else
 * fittape-h5check beside the running executable. Without one the file is read in this process (the
 * structural checks of ft-h5-safety.h still apply). */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* path "" reads in this process; NULL goes back to finding the helper. */
void ft_checkpoint_guard_set_helper (const char *path);

/* Checks path in the helper unless this process wrote the file as it is now (same device, inode, size
 * and modification time as recorded by ft_checkpoint_guard_remember). Errors: FT_ERROR_INVALID
 * "PATH: the file is damaged (…)", or the helper's own message; G_FILE_ERROR when it cannot be read. */
bool ft_checkpoint_guard_check (const char *path, GError **error);

/* Records that this process has just written path (ft_checkpoint_save calls it). */
void ft_checkpoint_guard_remember (const char *path);

/* The time and memory the helper may take (seconds, bytes). */
#define FT_CHECKPOINT_GUARD_SECONDS 60
