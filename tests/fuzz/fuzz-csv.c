/* fuzz-csv.c — libFuzzer harness for the CSV dataset reader (ft_dataset_load_csv): any bytes load or
 * give an error; a loaded dataset is consistent (finite features, labels within its classes). */
#include "data/ft-dataset.h"
#include "fuzz-util.h"

#include <math.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  char *path = fuzz_write ("data.csv", data, size);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_csv (path, "label", &error);
  if (ds == NULL)
    {
      if (error == NULL || error->message[0] == '\0')
        abort (); /* a refusal always says why */
      g_error_free (error);
    }
  else
    {
      for (size_t i = 0; ds->features != NULL && i < (size_t) ds->n * ds->sample_size; i++)
        if (!isfinite (ds->features[i]))
          abort ();
      for (uint32_t i = 0; i < ds->n; i++)
        if (ds->n_classes > 0 && !(ds->labels[i] >= 0 && ds->labels[i] < ds->n_classes))
          abort ();
      ft_dataset_free (ds);
    }
  g_free (path);
  return 0;
}
