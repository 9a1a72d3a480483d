/* fuzz-idx.c — libFuzzer harness for the IDX (MNIST-format) reader (ft_dataset_load_idx): the input is
 * split into an images file and a labels file at the offset its first two bytes give; any bytes load or
 * give an error. */
#include "data/ft-dataset.h"
#include "fuzz-util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (size < 2)
    return 0;
  size_t split = ((size_t) data[0] << 8 | data[1]) % (size - 1);
  const uint8_t *rest = data + 2;
  size_t n = size - 2;
  if (split > n)
    split = n;
  char *images = fuzz_write ("fz-images-idx3-ubyte", rest, split);
  char *labels = fuzz_write ("fz-labels-idx1-ubyte", rest + split, n - split);
  GError *error = NULL;
  FtDataset *ds = ft_dataset_load_idx (fuzz_scratch_dir (), "fz", &error);
  if (ds == NULL)
    {
      if (error == NULL || error->message[0] == '\0')
        abort ();
      g_error_free (error);
    }
  else
    {
      for (uint32_t i = 0; i < ds->n; i++)
        if (!(ds->labels[i] >= 0 && ds->labels[i] < ds->n_classes))
          abort ();
      ft_dataset_free (ds);
    }
  g_free (images);
  g_free (labels);
  return 0;
}
