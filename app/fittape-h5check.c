/* fittape-h5check.c — the checkpoint guard's helper (see engine/train/ft-checkpoint-guard.h): opens one
 * HDF5 file, checks its structure and reads every attribute and dataset once, in a process of its own
 * under the limits its parent set, so that libhdf5 crashing or hanging on a damaged file takes only
 * this process down. Usage: fittape-h5check FILE. Exit status 0: readable; 1: refused (the reason, one
 * line, on standard error); anything else (a signal): damaged.
 *
 * Where the compiler has it, the helper is built with AddressSanitizer (app/meson.build): a damaged file
 * can make libhdf5 read memory it has already freed or overrun a buffer without crashing, and only the
 * sanitizer's checks on malloc, free and memcpy see that. Such a file is then refused here instead of
 * being read in the application. The memory limit ($FITTAPE_H5CHECK_MEMORY_MB, set by the parent) is an
 * address-space limit in a plain build and the sanitizer's malloc limit (in ASAN_OPTIONS, also set by
 * the parent) in a sanitized one, whose shadow memory takes terabytes of address space. */
#include "train/ft-h5-safety.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

/* The address-space limit of a plain build, from $FITTAPE_H5CHECK_MEMORY_MB. */
static void
limit_memory (void)
{
#ifndef SANITIZED
  const char *mb = getenv ("FITTAPE_H5CHECK_MEMORY_MB");
  unsigned long long n = mb != NULL ? strtoull (mb, NULL, 10) : 0;
  if (n > 0)
    {
      struct rlimit as = { (rlim_t) n << 20, (rlim_t) n << 20 };
      setrlimit (RLIMIT_AS, &as);
    }
#endif
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: fittape-h5check FILE\n");
      return 2;
    }
  limit_memory ();
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_fclose_degree (fapl, H5F_CLOSE_STRONG);
  H5Pset_file_locking (fapl, false, true);
  hid_t file = H5Fopen (argv[1], H5F_ACC_RDONLY, fapl);
  H5Pclose (fapl);
  if (file < 0)
    {
      fprintf (stderr, "%s: %s\n", argv[1],
               H5Fis_hdf5 (argv[1]) > 0 ? "the HDF5 file is damaged or truncated" : "not an HDF5 file");
      return 1;
    }
  char *problem = NULL;
  bool ok = ft_h5_check_file (file, true, &problem);
  H5Fclose (file);
  if (!ok)
    {
      fprintf (stderr, "%s: %s\n", argv[1], problem);
      g_free (problem);
      return 1;
    }
  return 0;
}
