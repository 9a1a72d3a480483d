/* ft-cli-keras.c — Keras-native files from the command line (ft-keras-file.h):
 *   export-keras CHECKPOINT.h5 --out MODEL.keras    a FitTape checkpoint as a Keras 3 .keras file
 *   import-keras MODEL.keras|MODEL.h5 [--data EXPERIMENT.json] --out DIR
 *                                                   a Keras model as DIR/experiment.json and DIR/model.h5 (a
 *                                                   FitTape checkpoint: evaluate it, or run --resume it)
 * Both evaluate the model on the experiment's test set and end with one JSON line (test loss and accuracy
 * to the last digit). */
#include "ft-cli-keras.h"

#include "core/ft-format.h"
#include "experiment/ft-keras-file.h"
#include "train/ft-checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int
fail (const char *what, GError *error)
{
  fprintf (stderr, "fittape-cli: %s%s%s\n", what, error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
  return 2;
}

/* Parses "FILE --out X [--data Y]". */
static bool
parse (int argc, char **argv, const char **file, const char **out, const char **data)
{
  for (int i = 2; i < argc; i++)
    {
      if ((strcmp (argv[i], "--out") == 0 || (data && strcmp (argv[i], "--data") == 0)) && i + 1 < argc)
        {
          if (strcmp (argv[i], "--out") == 0)
            *out = argv[++i];
          else
            *data = argv[++i];
        }
      else if (argv[i][0] == '-' || *file != NULL)
        {
          fprintf (stderr, "fittape-cli: %s: unexpected argument \"%s\"\n", argv[1], argv[i]);
          return false;
        }
      else
        *file = argv[i];
    }
  if (*file == NULL || *out == NULL)
    {
      fprintf (stderr, "fittape-cli: %s needs a file and --out\n", argv[1]);
      return false;
    }
  return true;
}

static void
print_result (const char *key, const char *path, FtTrainer *trainer, const FtDataset *test, int batch_size)
{
  double loss = NAN, acc = NAN;
  if (test)
    {
      FtLogs logs;
      ft_evaluate (trainer, test, batch_size, &logs, NULL);
      ft_logs_get (&logs, "loss", &loss);
      ft_logs_get (&logs, "accuracy", &acc);
      printf ("Test: %u samples - loss: %.6g - accuracy: %.4f\n", test->n, loss, acc);
    }
  char l[40] = "null", a[40] = "null";
  if (isfinite (loss))
    g_snprintf (l, sizeof l, "%.17g", loss);
  if (isfinite (acc))
    g_snprintf (a, sizeof a, "%.17g", acc);
  GString *s = g_string_new (NULL);
  ft_json_append_string (s, path);
  printf ("{\"%s\": %s, \"test_loss\": %s, \"test_accuracy\": %s}\n", key, s->str, l, a);
  g_string_free (s, TRUE);
}

int
ft_cli_export_keras (int argc, char **argv)
{
  const char *file = NULL, *out = NULL;
  if (!parse (argc, argv, &file, &out, NULL))
    return 2;
  GError *error = NULL;
  char *json = ft_checkpoint_read_experiment (file, &error);
  FtExperiment *exp = json ? ft_experiment_from_json (json, &error) : NULL;
  g_free (json);
  if (exp == NULL)
    return fail (file, error);
  FtDataset *train = NULL, *test = NULL;
  FtTrainer *trainer = NULL;
  int status = 0;
  if (!ft_experiment_load_data (exp, &train, &test, &error))
    status = fail ("cannot load the data", error);
  else if ((trainer = ft_experiment_build_trainer (exp, train, &error)) == NULL
           || !ft_checkpoint_load (trainer, file, NULL, NULL, &error))
    status = fail (file, error);
  else if (!ft_keras_save (trainer, out, &error))
    status = fail ("cannot write the .keras file", error);
  else
    print_result ("keras", out, trainer, test, exp->fit.batch_size);
  ft_trainer_free (trainer);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return status;
}

int
ft_cli_import_keras (int argc, char **argv)
{
  const char *file = NULL, *out = NULL, *data = NULL;
  if (!parse (argc, argv, &file, &out, &data))
    return 2;
  GError *error = NULL;
  FtExperiment *base = NULL;
  if (data && (base = ft_experiment_load (data, &error)) == NULL)
    return fail ("cannot open the experiment", error);
  float *weights = NULL;
  size_t n = 0;
  FtExperiment *exp = ft_keras_load (file, base, &weights, &n, &error);
  ft_experiment_free (base);
  if (exp == NULL)
    return fail ("cannot import", error);
  FtDataset *train = NULL, *test = NULL;
  FtTrainer *trainer = NULL;
  int status = 0;
  char *exp_path = g_build_filename (out, "experiment.json", NULL);
  char *ckpt_path = g_build_filename (out, "model.h5", NULL);
  FtExperimentSource source = ft_experiment_source (exp);
  if (!ft_experiment_load_data (exp, &train, &test, &error))
    status = fail ("cannot load the data", error);
  else if ((trainer = ft_experiment_build_trainer (exp, train, &error)) == NULL)
    status = fail ("the imported model does not fit the data", error);
  else if (ft_model_n_params (ft_trainer_model (trainer)) != n)
    {
      fprintf (stderr, "fittape-cli: %s has %zu weight values, the model needs %zu\n", file, n,
               ft_model_n_params (ft_trainer_model (trainer)));
      status = 2;
    }
  else
    {
      ft_model_set_weights (ft_trainer_model (trainer), weights);
      GError *why = NULL;
      if (ft_keras_load_optimizer_state (file, trainer, &why))
        printf ("Optimizer state taken from the file: %lld steps taken\n",
                (long long) ft_optimizer_iterations (ft_trainer_optimizer (trainer)));
      else
        {
          printf ("Optimizer state: a fresh optimizer (%s)\n", why->message);
          g_error_free (why);
        }
      g_mkdir_with_parents (out, 0755);
      if (!ft_experiment_save (exp, exp_path, &error)
          || !ft_checkpoint_save (trainer, &source, ckpt_path, false, 0, &error))
        status = fail ("cannot write the imported model", error);
      else
        {
          char *summary = ft_model_summary (ft_trainer_model (trainer), NULL);
          fputs (summary, stdout);
          g_free (summary);
          printf ("Wrote %s and %s\n", exp_path, ckpt_path);
          print_result ("checkpoint", ckpt_path, trainer, test, exp->fit.batch_size);
        }
    }
  g_free (exp_path);
  g_free (ckpt_path);
  g_free (weights);
  ft_trainer_free (trainer);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return status;
}
