/* ft-cli-certify.c — `fittape-cli certify`: the parity certificate against real Keras (ft-certify.h) for one
 * experiment in fit mode, tape mode or both; prints each certificate's table and verdict, then one JSON line.
 * Exit status: 0 every certificate passes, 1 a difference beyond the targets, 2 bad input, 3 no Python with
 * TensorFlow and Keras. */
#include "ft-cli-certify.h"

#include "experiment/ft-certify.h"

#include <stdio.h>
#include <string.h>

static bool
python_has_tensorflow (const char *python)
{
  const char *argv[] = { python, "-c", "import tensorflow, keras", NULL };
  char **env = g_environ_setenv (g_get_environ (), "TF_CPP_MIN_LOG_LEVEL", "3", TRUE);
  int status = 0;
  bool ok = g_spawn_sync (NULL, (char **) argv, env,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                          NULL, NULL, NULL, &status, NULL)
            && g_spawn_check_wait_status (status, NULL);
  g_strfreev (env);
  return ok;
}

int
ft_cli_certify (int argc, char **argv)
{
  const char *path = NULL, *mode_name = "both", *out = "fittape-certify", *python_opt = NULL;
  int epochs = 0;
  for (int i = 2; i < argc; i++)
    {
      const char *a = argv[i];
      bool takes = strcmp (a, "--mode") == 0 || strcmp (a, "--epochs") == 0 || strcmp (a, "--out") == 0
                   || strcmp (a, "--python") == 0;
      if (takes && i + 1 >= argc)
        {
          fprintf (stderr, "fittape-cli: %s needs a value\n", a);
          return 2;
        }
      if (strcmp (a, "--mode") == 0)
        mode_name = argv[++i];
      else if (strcmp (a, "--out") == 0)
        out = argv[++i];
      else if (strcmp (a, "--python") == 0)
        python_opt = argv[++i];
      else if (strcmp (a, "--epochs") == 0)
        {
          char *end = NULL;
          long v = strtol (argv[++i], &end, 10);
          if (*argv[i] == '\0' || *end != '\0' || v < 1 || v > 100000)
            {
              fprintf (stderr, "fittape-cli: --epochs must be a whole number from 1 to 100000, not \"%s\"\n",
                       argv[i]);
              return 2;
            }
          epochs = (int) v;
        }
      else if (a[0] == '-' || path != NULL)
        {
          fprintf (stderr, "fittape-cli: certify: unexpected argument \"%s\"\n", a);
          return 2;
        }
      else
        path = a;
    }
  FtRunMode mode;
  if (path == NULL)
    {
      fprintf (stderr, "fittape-cli: certify needs an experiment file\n");
      return 2;
    }
  if (!ft_run_mode_from_name (mode_name, &mode))
    {
      fprintf (stderr, "fittape-cli: --mode must be fit, tape or both, not \"%s\"\n", mode_name);
      return 2;
    }
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  if (exp == NULL)
    {
      fprintf (stderr, "fittape-cli: cannot open the experiment: %s\n", error->message);
      g_error_free (error);
      return 2;
    }
  const char *python = python_opt ? python_opt : ft_certify_default_python ();
  if (!python_has_tensorflow (python))
    {
      fprintf (stderr,
               "fittape-cli: certify needs TensorFlow and Keras: %s cannot import them (set FITTAPE_PYTHON "
               "or --python)\n",
               python);
      ft_experiment_free (exp);
      return 3;
    }
  FtRunMode modes[2] = { FT_MODE_FIT, FT_MODE_TAPE };
  int first = mode == FT_MODE_TAPE ? 1 : 0, last = mode == FT_MODE_FIT ? 0 : 1;
  char *name = g_path_get_basename (path);
  GString *json = g_string_new ("{");
  int status = 0;
  for (int m = first; m <= last && status != 2; m++)
    {
      const char *mname = modes[m] == FT_MODE_FIT ? "fit" : "tape";
      char *dir = g_build_filename (out, mname, NULL);
      FtCertifyOptions o = { 0 };
      o.mode = modes[m];
      o.epochs = epochs;
      o.python = python;
      o.replay_module = ft_certify_default_replay_module ();
      o.dir = dir;
      o.experiment_name = name;
      FtCertificate *c = ft_certify (exp, &o, &error);
      if (c == NULL)
        {
          fprintf (stderr, "fittape-cli: certify (%s mode): %s\n", mname, error->message);
          g_clear_error (&error);
          status = 2;
        }
      else
        {
          char *table = ft_certificate_table (c);
          fputs (table, stdout);
          putchar ('\n');
          g_free (table);
          char *j = ft_certificate_json (c);
          g_string_append_printf (json, "%s\"%s\": %s", json->len > 1 ? ", " : "", mname, j);
          g_free (j);
          if (!c->pass && status == 0)
            status = 1;
          ft_certificate_free (c);
        }
      fflush (stdout);
      g_free (dir);
    }
  if (status != 2)
    {
      g_string_append_printf (json, ", \"pass\": %s}", status == 0 ? "true" : "false");
      puts (json->str);
    }
  g_string_free (json, TRUE);
  g_free (name);
  ft_experiment_free (exp);
  return status;
}
