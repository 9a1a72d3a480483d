/* fittape-h5check.c — the checkpoint guard's helper (see engine/train/ft-checkpoint-guard.h): opens one
 * HDF5 file, checks its structure and reads every attribute and dataset once, in a process of its own
 * under the limits its parent set, so that libhdf5 crashing or hanging on a damaged file takes only
 * this process down. Usage: fittape-h5check FILE. Exit status 0: readable; 1: refused (the reason, one
 * line, on standard error); anything else (a signal): damaged. */
#include "train/ft-h5-safety.h"

#include <hdf5.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: fittape-h5check FILE\n");
      return 2;
    }
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
