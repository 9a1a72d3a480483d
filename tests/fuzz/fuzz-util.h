/* fuzz-util.h — shared by the libFuzzer harnesses: a scratch file per process for the readers that take
 * a path, and the limits every harness runs under (a small memory budget, no helper search). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* A directory of this process's own (removed at exit). */
const char *fuzz_scratch_dir (void);
/* Writes size bytes to name inside the scratch directory; returns its path (owned by the caller). */
char *fuzz_write (const char *name, const uint8_t *data, size_t size);
/* Once per process: FITTAPE_MEMORY_BUDGET_MB=64, GLib's criticals fatal, the checkpoint helper found
 * beside the build's app/ directory. */
void fuzz_init (void);
