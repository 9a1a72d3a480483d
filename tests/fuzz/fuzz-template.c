/* fuzz-template.c — libFuzzer harness for ModelCheckpoint's file-name templates: validation
 * (ft_callback_spec_validate) and formatting (ft_format_checkpoint_path) of any string; a template that
 * validates formats quickly into a bounded buffer or gives an error. */
#include "fuzz-util.h"
#include "train/ft-callbacks.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  FtCallbackSpec s = ft_callback_spec_default (FT_CALLBACK_MODEL_CHECKPOINT);
  if (size >= sizeof s.filepath)
    return 0;
  memcpy (s.filepath, data, size);
  s.filepath[size] = '\0';
  GError *error = NULL;
  if (!ft_callback_spec_validate (&s, &error))
    g_clear_error (&error);
  FtLogs logs;
  ft_logs_clear (&logs);
  ft_logs_set (&logs, "loss", 0.123456789);
  ft_logs_set (&logs, "val_loss", -1e300);
  ft_logs_set (&logs, "accuracy", 0.5);
  char out[1024];
  if (ft_format_checkpoint_path (s.filepath, 123, 7, &logs, out, sizeof out, &error))
    {
      if (strlen (out) >= sizeof out)
        abort ();
    }
  else
    g_clear_error (&error);
  return 0;
}
