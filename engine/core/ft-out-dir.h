/* ft-out-dir.h — results written all or nothing: into a staging directory beside the destination
 * ("DIR.tmp-XXXXXX", created before any work, so that an unwritable destination is known at once), then
 * moved into place by rename. A destination that does not exist yet appears whole in one rename; in an
 * existing one each entry is replaced by one rename (a file or a subdirectory is old or new, never half
 * written; existing subdirectories are merged file by file). Staging directories left by a killed run (no
 * live process holds their lock) are removed at the next begin. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct FtOutDir FtOutDir;

/* Checks that dir is a directory or can be created, and creates the staging directory. */
FtOutDir *ft_out_dir_begin (const char *dir, GError **error);
/* Where to write: the staging directory. */
const char *ft_out_dir_staging (const FtOutDir *out);
/* Moves the staged entries into place and frees out (also on failure, removing what is left staged). */
bool ft_out_dir_commit (FtOutDir *out, GError **error);
/* Removes the staging directory and frees out. NULL is allowed. */
void ft_out_dir_abort (FtOutDir *out);
/* Removes a directory tree (no symbolic links followed). */
bool ft_out_dir_remove_tree (const char *path);
