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

typedef struct
{
  const char *path, *mode_name, *out, *python;
  int epochs;
} CertifyArgs;

/* certify's command line into args: 0, or 2 with the message printed. */
static int
parse_args (int argc, char **argv, CertifyArgs *args)
{
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
        args->mode_name = argv[++i];
      else if (strcmp (a, "--out") == 0)
        args->out = argv[++i];
      else if (strcmp (a, "--python") == 0)
        args->python = argv[++i];
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
          args->epochs = (int) v;
        }
      else if (a[0] == '-' || args->path != NULL)
        {
          fprintf (stderr, "fittape-cli: certify: unexpected argument \"%s\"\n", a);
          return 2;
        }
      else
        args->path = a;
    }
  if (args->path == NULL)
    {
      fprintf (stderr, "fittape-cli: certify needs an experiment file\n");
      return 2;
    }
  return 0;
}

/* One mode's certificate: its table printed and its JSON appended to json. 0 it passes, 1 it does not, 2
 * it could not be made. */
static int
certify_mode (const FtExperiment *exp, const CertifyArgs *args, FtRunMode mode, const char *name,
              GString *json)
{
  const char *mname = mode == FT_MODE_FIT ? "fit" : "tape";
  char *dir = g_build_filename (args->out, mname, NULL);
  FtCertifyOptions o = { 0 };
  o.mode = mode;
  o.epochs = args->epochs;
  o.python = args->python;
  o.replay_module = ft_certify_default_replay_module ();
  o.dir = dir;
  o.experiment_name = name;
  GError *error = NULL;
  FtCertificate *c = ft_certify (exp, &o, &error);
  int status = 2;
  if (c == NULL)
    {
      fprintf (stderr, "fittape-cli: certify (%s mode): %s\n", mname, error->message);
      g_clear_error (&error);
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
      status = c->pass ? 0 : 1;
      ft_certificate_free (c);
    }
  fflush (stdout);
  g_free (dir);
  return status;
}

int
ft_cli_certify (int argc, char **argv)
{
  CertifyArgs args = { .mode_name = "both", .out = "fittape-certify" };
  int status = parse_args (argc, argv, &args);
  if (status != 0)
    return status;
  FtRunMode mode;
  if (!ft_run_mode_from_name (args.mode_name, &mode))
    {
      fprintf (stderr, "fittape-cli: --mode must be fit, tape or both, not \"%s\"\n", args.mode_name);
      return 2;
    }
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (args.path, &error);
  if (exp == NULL)
    {
      fprintf (stderr, "fittape-cli: cannot open the experiment: %s\n", error->message);
      g_error_free (error);
      return 2;
    }
  if (args.python == NULL)
    args.python = ft_certify_default_python ();
  if (!python_has_tensorflow (args.python))
    {
      fprintf (stderr,
               "fittape-cli: certify needs TensorFlow and Keras: %s cannot import them (set FITTAPE_PYTHON "
               "or --python)\n",
               args.python);
      ft_experiment_free (exp);
      return 3;
    }
  FtRunMode modes[2] = { FT_MODE_FIT, FT_MODE_TAPE };
  int first = mode == FT_MODE_TAPE ? 1 : 0, last = mode == FT_MODE_FIT ? 0 : 1;
  char *name = g_path_get_basename (args.path);
  GString *json = g_string_new ("{");
  for (int m = first; m <= last && status != 2; m++)
    {
      int s = certify_mode (exp, &args, modes[m], name, json);
      if (s == 2 || (s == 1 && status == 0))
        status = s;
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
