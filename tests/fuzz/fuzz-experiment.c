/* fuzz-experiment.c — libFuzzer harness for the experiment reader (ft_experiment_from_json): any bytes
 * parse or give an error; what parses writes JSON that parses again to an equal experiment, and builds a
 * trainer (within a 64 MiB memory budget) or says why not. */
#include "experiment/ft-experiment.h"
#include "fuzz-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  FtExperiment *e = ft_experiment_from_json (text, &error);
  if (e == NULL)
    {
      if (error == NULL || error->message[0] == '\0')
        abort ();
      g_error_free (error);
      g_free (text);
      return 0;
    }
  char *again = ft_experiment_to_json (e);
  FtExperiment *e2 = ft_experiment_from_json (again, &error);
  if (e2 == NULL)
    {
      fprintf (stderr, "the experiment's own JSON does not parse: %s\n%s\n", error->message, again);
      abort ();
    }
  if (!ft_experiment_equal (e, e2))
    {
      fprintf (stderr, "the experiment changed in its own JSON:\n%s\n", again);
      abort ();
    }
  FtTrainer *t = ft_experiment_build_trainer (e, NULL, &error);
  if (t != NULL)
    ft_trainer_free (t);
  else
    g_clear_error (&error);
  ft_experiment_free (e2);
  ft_experiment_free (e);
  g_free (again);
  g_free (text);
  return 0;
}
