/* fittape-cli.c — FitTape's command-line tool: runs an experiment in fit, tape or both modes with
 * Keras-like progress, evaluates on the test set, writes histories and checkpoints; resumes from and
 * evaluates checkpoints. Exit status: 0 success, 1 training failed, 2 bad input. */
#include "core/ft-format.h"
#include "core/ft-out-dir.h"
#include "experiment/ft-codegen.h"
#include "experiment/ft-experiment.h"
#include "experiment/ft-run.h"
#include "fittape-engine.h"
#include "ft-cli-certify.h"
#include "ft-cli-keras.h"
#include "plot/ft-plot-export.h"
#include "train/ft-checkpoint.h"
#include "train/ft-divergence.h"
#include "train/ft-runner.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum
{
  EXIT_OK = 0,
  EXIT_TRAINING_FAILED = 1,
  EXIT_BAD_INPUT = 2,
};

static const char usage[]
    = "Usage:\n"
      "  fittape-cli run [EXPERIMENT.json] [--mode fit|tape|both] [--epochs N] [--seed S] [--out DIR]\n"
      "                  [--resume CHECKPOINT] [--plot FILE] [--threads N] [--quiet]\n"
      "  fittape-cli evaluate CHECKPOINT\n"
      "  fittape-cli summary EXPERIMENT.json\n"
      "  fittape-cli export-script EXPERIMENT.json [--mode fit|tape] [--out FILE]\n"
      "  fittape-cli certify EXPERIMENT.json [--mode fit|tape|both] [--epochs N] [--out DIR] [--python PY]\n"
      "  fittape-cli export-keras CHECKPOINT.h5 --out MODEL.keras\n"
      "  fittape-cli import-keras MODEL.keras|MODEL.h5 [--data EXPERIMENT.json] --out DIR\n"
      "  fittape-cli --help\n"
      "\n"
      "run trains the experiment (without a file: TensorFlow's basic classification, a Fashion-MNIST MLP),\n"
      "prints Keras-like progress and epoch lines, evaluates on the test set, and writes to DIR (default\n"
      "fittape-output) history.csv (CSVLogger's columns), history.json and final.h5 (a checkpoint whose\n"
      "weights open in Keras) — under DIR/fit/ and DIR/tape/ in both mode. The last line printed is one\n"
      "JSON object with the test loss and accuracy, the epochs run and the seconds per epoch.\n"
      "--resume continues a run from a checkpoint bit for bit (the experiment comes from the checkpoint\n"
      "unless a file is given). --plot draws the loss and accuracy of the run (both runs overlaid in both\n"
      "mode) into FILE: .png (at 2x scale), .svg or .pdf. --threads N trains each run on N threads (default:\n"
      "$FITTAPE_THREADS, else the available cores, halved in both mode); the results are the same bit for bit\n"
      "with any number. evaluate loads a checkpoint and evaluates it on its\n"
      "experiment's test set. export-script writes the experiment as a Python script for TensorFlow 2 / Keras 3\n"
      "(model.fit() in fit mode, the hand-written GradientTape loop in tape mode; default: the experiment's\n"
      "mode, tape for both) to FILE, or to standard output.\n"
      "certify trains the experiment, runs the exported script in real Keras from FitTape's initial weights and\n"
      "with FitTape's order of the samples (Python: --python, $FITTAPE_PYTHON, else the build folder's tf-venv),\n"
      "and prints a parity certificate per mode: every log per epoch, the stopping epoch, the final weights'\n"
      "difference and a verdict, then one JSON line (exit 1 when a difference exceeds the targets, 3 without\n"
      "TensorFlow). Experiments with dropout are refused: its masks are not replayed.\n"
      "export-keras writes a checkpoint as a Keras 3 .keras file (keras.saving.load_model opens it, optimizer\n"
      "state included); import-keras reads a .keras or legacy .h5 Keras model (Sequential, FitTape's layers)\n"
      "into DIR/experiment.json and DIR/model.h5 (data and fit settings from --data, else Fashion-MNIST) to\n"
      "evaluate, resume or compare; a .keras file's optimizer state comes along.\n"
      "\n"
      "Exit status: 0 success, 1 training failed (e.g. the loss became NaN), 2 bad input.\n";

typedef struct
{
  const char *experiment_path;
  const char *mode;
  int epochs;
  gint64 seed;
  bool has_seed;
  const char *out;
  const char *resume;
  const char *plot;
  int threads; /* 0 = automatic */
  bool quiet;
} RunOptions;

static void
print_text (const char *text, void *user_data)
{
  fputs (text, stdout);
  fflush (stdout);
}

static int
bad_input (const char *what, GError *error)
{
  fprintf (stderr, "fittape-cli: %s%s%s\n", what, error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
  return EXIT_BAD_INPUT;
}

/* One run (fit or tape) of an experiment. */
typedef struct
{
  const char *name; /* "fit" / "tape" */
  FtRun *engine;    /* trainer, runner, history, fingerprints (both mode) */
  bool done;
  FtRunEventKind final;
  char *message;
  bool stopped_early;
  int epochs_run;
  double seconds;
  bool prefix_lines; /* both mode: "[fit] " before epoch lines */
  FtLogs test_logs;
  FtPlotModel *plot; /* --plot: the run's batches and epochs */
  int plot_run;
} Run;

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  Run *run = user_data;
  switch (ev->kind)
    {
    case FT_RUN_EVENT_BATCH_END:
      if (run->plot != NULL)
        ft_plot_model_add_batch (run->plot, run->plot_run, ev->epoch, ev->batch, ev->steps, ev->samples_seen,
                                 ev->batch_loss, &ev->logs);
      break;
    case FT_RUN_EVENT_EPOCH_END:
      if (run->plot != NULL)
        ft_plot_model_add_epoch (run->plot, run->plot_run, ev->epoch, ev->samples_seen, &ev->logs);
      run->epochs_run++;
      run->seconds = ev->seconds;
      if (run->prefix_lines)
        {
          GString *s = g_string_new (NULL);
          g_string_printf (s, "[%s] Epoch %d/%d - %.1fs - ", run->name, ev->epoch + 1, ev->epochs,
                           ev->seconds);
          ft_logs_format (&ev->logs, s);
          puts (s->str);
          fflush (stdout);
          g_string_free (s, TRUE);
        }
      break;
    case FT_RUN_EVENT_EARLY_STOP:
      run->stopped_early = true;
      if (run->prefix_lines)
        printf ("[%s] ", run->name);
      printf ("Epoch %d: early stopping\n", ev->epoch + 1);
      break;
    case FT_RUN_EVENT_CHECKPOINT_SAVED:
      if (run->prefix_lines)
        printf ("[%s] saved %s\n", run->name, ev->message);
      break;
    case FT_RUN_EVENT_FINISHED:
    case FT_RUN_EVENT_STOPPED:
    case FT_RUN_EVENT_FAILED:
      run->done = true;
      run->final = ev->kind;
      run->message = g_strdup (ev->message);
      if (ev->seconds > 0)
        run->seconds = ev->seconds;
      break;
    case FT_RUN_EVENT_EPOCH_BEGIN:
    case FT_RUN_EVENT_PAUSED:
    case FT_RUN_EVENT_SNAPSHOT:
    case FT_RUN_EVENT_TRAIN_BEGIN:
      break;
    }
}

static bool
write_outputs (Run *run, const char *dir, const char *divergence_json, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s: %s", dir,
                   g_strerror (errno));
      return false;
    }
  char *csv = ft_history_to_csv (ft_run_history (run->engine), ',');
  char *json = ft_history_to_json (ft_run_history (run->engine));
  if (divergence_json != NULL)
    {
      /* {"epoch": …, "history": {…}} gets "divergence": {…} before its closing brace. */
      char *end = strrchr (json, '}');
      g_assert (end != NULL);
      *end = '\0';
      char *with = g_strdup_printf ("%s, \"divergence\": %s}\n", json, divergence_json);
      g_free (json);
      json = with;
    }
  char *csv_path = g_build_filename (dir, "history.csv", NULL);
  char *json_path = g_build_filename (dir, "history.json", NULL);
  char *ckpt_path = g_build_filename (dir, "final.h5", NULL);
  bool ok = g_file_set_contents (csv_path, csv, -1, error) && g_file_set_contents (json_path, json, -1, error)
            && ft_run_save_checkpoint (
                run->engine, ckpt_path,
                ft_history_n_epochs (ft_run_history (run->engine)) > 0
                    ? ft_history_epoch (ft_run_history (run->engine),
                                        ft_history_n_epochs (ft_run_history (run->engine)) - 1)
                          + 1
                    : 0,
                error);
  g_free (csv);
  g_free (json);
  g_free (csv_path);
  g_free (json_path);
  g_free (ckpt_path);
  return ok;
}

/* "\"test_loss\": L, \"test_accuracy\": A" of the logs, null for one missing or not a number. */
static void
append_test_results (GString *s, const FtLogs *logs)
{
  double loss = NAN, acc = NAN;
  ft_logs_get (logs, "loss", &loss);
  ft_logs_get (logs, "accuracy", &acc);
  char loss_text[32] = "null", acc_text[32] = "null";
  if (isfinite (loss))
    g_snprintf (loss_text, sizeof loss_text, "%.6g", loss);
  if (isfinite (acc))
    g_snprintf (acc_text, sizeof acc_text, "%.6g", acc);
  g_string_append_printf (s, "\"test_loss\": %s, \"test_accuracy\": %s", loss_text, acc_text);
}

static void
append_result_json (GString *s, Run *run)
{
  double spe = run->epochs_run > 0 ? run->seconds / run->epochs_run : 0;
  append_test_results (s, &run->test_logs);
  g_string_append_printf (s, ", \"epochs\": %d, \"seconds_per_epoch\": %.4f, \"stopped_early\": %s",
                          run->epochs_run, spe, run->stopped_early ? "true" : "false");
}

static bool
history_diverged (FtHistory *h, int *epoch)
{
  for (int i = 0; i < ft_history_n_epochs (h); i++)
    {
      double loss;
      if (ft_logs_get (ft_history_logs (h, i), "loss", &loss) && !isfinite (loss))
        {
          *epoch = ft_history_epoch (h, i);
          return true;
        }
    }
  return false;
}

/* Everything one `run` command works with. */
typedef struct
{
  const RunOptions *o;
  FtExperiment *exp;
  FtDataset *train, *test;
  int n_runs; /* 2 in both mode */
  Run runs[2];
  FtPlotModel *plot; /* --plot */
  FtOutDir *out_dir;
  char *divergence_json; /* both mode */
} Session;

/* The experiment: the file, else the checkpoint's (--resume), else the default; with the options'
 * mode, epochs and seed. */
static int
load_experiment (Session *S)
{
  const RunOptions *o = S->o;
  GError *error = NULL;
  if (o->experiment_path)
    S->exp = ft_experiment_load (o->experiment_path, &error);
  else if (o->resume)
    {
      char *json = ft_checkpoint_read_experiment (o->resume, &error);
      if (json)
        S->exp = ft_experiment_from_json (json, &error);
      g_free (json);
    }
  else
    S->exp = ft_experiment_new_default ();
  if (S->exp == NULL)
    return bad_input (o->experiment_path ? "cannot open the experiment" : "cannot resume", error);
  if (o->mode && !ft_run_mode_from_name (o->mode, &S->exp->mode))
    {
      fprintf (stderr, "fittape-cli: --mode must be fit, tape or both, not \"%s\"\n", o->mode);
      return EXIT_BAD_INPUT;
    }
  if (o->epochs > 0)
    S->exp->fit.epochs = o->epochs;
  if (o->has_seed)
    S->exp->seed = (uint64_t) o->seed;
  if (!ft_fit_args_validate (&S->exp->fit, &error))
    return bad_input ("invalid training arguments", error);
  if (!ft_experiment_load_data (S->exp, &S->train, &S->test, &error))
    return bad_input ("cannot load the data", error);
  return EXIT_OK;
}

/* Run i (fit, or tape: the second in both mode) made ready to start: its model checked against the test
 * set, the checkpoint it resumes from loaded, its runner made. */
static int
prepare_run (Session *S, int i)
{
  const RunOptions *o = S->o;
  FtExperiment *exp = S->exp;
  GError *error = NULL;
  Run *run = &S->runs[i];
  bool tape = exp->mode == FT_MODE_TAPE || (exp->mode == FT_MODE_BOTH && i == 1);
  run->name = tape ? "tape" : "fit";
  if (S->plot != NULL)
    {
      run->plot = S->plot;
      run->plot_run = ft_plot_model_add_run (S->plot, run->name, i);
      if (i == 1)
        ft_plot_model_set_pair (S->plot, S->runs[0].plot_run, run->plot_run);
    }
  run->prefix_lines = S->n_runs == 2 || o->quiet;
  FtRunOptions options = { .fingerprints = S->n_runs == 2,
                           .full_priority = true /* no window to keep smooth */,
                           .threads = o->threads,
                           .concurrent_runs = S->n_runs };
  run->engine = ft_run_new (exp, S->train, tape, &options, &error);
  if (run->engine == NULL)
    return bad_input ("cannot build the model", error);
  /* The test set is evaluated after training: checked against the model now, not minutes later. */
  if (S->test != NULL && !ft_trainer_check_dataset (ft_run_trainer (run->engine), S->test, "test", &error))
    return bad_input ("the test set does not fit the model", error);
  if (o->resume)
    {
      if (!ft_run_load_checkpoint (run->engine, o->resume, &error))
        return bad_input ("cannot resume", error);
      if (ft_run_epochs_done (run->engine) >= exp->fit.epochs)
        {
          fprintf (stderr, "fittape-cli: %s already ran %d of %d epochs: raise --epochs to continue\n",
                   o->resume, ft_run_epochs_done (run->engine), exp->fit.epochs);
          return EXIT_BAD_INPUT;
        }
    }
  if (i == 0)
    {
      char *summary = ft_model_summary (ft_trainer_model (ft_run_trainer (run->engine)), NULL);
      fputs (summary, stdout);
      g_free (summary);
    }
  GPtrArray *extra = NULL;
  if (S->n_runs == 1 && !o->quiet)
    {
      extra = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
      g_ptr_array_add (extra, ft_progress_callback_new (isatty (STDOUT_FILENO) ? 1 : 2, print_text, NULL));
    }
  ft_run_make_runner (run->engine, exp->fit.epochs, extra, NULL, on_event, run);
  if (extra != NULL)
    g_ptr_array_unref (extra);
  return EXIT_OK;
}

/* Starts the runs and waits for their ends; then a failure or a loss that was not finite fails. */
static int
train (Session *S)
{
  for (int i = 0; i < S->n_runs; i++)
    ft_runner_start (ft_run_runner (S->runs[i].engine));
  while (!(S->runs[0].done && (S->n_runs == 1 || S->runs[1].done)))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  int status = EXIT_OK;
  for (int i = 0; i < S->n_runs && status == EXIT_OK; i++)
    {
      Run *run = &S->runs[i];
      int bad_epoch;
      if (run->final == FT_RUN_EVENT_FAILED)
        {
          fprintf (stderr, "fittape-cli: %s training failed: %s\n", run->name, run->message);
          status = EXIT_TRAINING_FAILED;
        }
      else if (history_diverged (ft_run_history (run->engine), &bad_epoch))
        {
          fprintf (stderr,
                   "fittape-cli: %s training failed: the loss became NaN or infinite in epoch %d (lower the "
                   "learning rate or add TerminateOnNaN)\n",
                   run->name, bad_epoch + 1);
          status = EXIT_TRAINING_FAILED;
        }
    }
  return status;
}

/* Both mode: where the two runs first part, printed and kept for the histories' JSON. */
static void
find_divergence (Session *S)
{
  FtDivergence divergence;
  ft_divergence_find (ft_run_fingerprints (S->runs[0].engine), ft_run_fingerprints (S->runs[1].engine),
                      &S->exp->steps, &divergence);
  S->divergence_json = ft_divergence_to_json (&divergence);
  char *text = ft_divergence_describe (&divergence);
  printf ("%s\n", text);
  g_free (text);
}

/* Each run evaluated on the test set (when there is one) and its results written to the staging
 * directory; then the results moved into --out. */
static int
evaluate_and_write (Session *S)
{
  GError *error = NULL;
  for (int i = 0; i < S->n_runs; i++)
    {
      Run *run = &S->runs[i];
      if (S->test != NULL)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!ft_evaluate (ft_run_trainer (run->engine), S->test, S->exp->fit.batch_size, &run->test_logs,
                            &error))
            return bad_input ("cannot evaluate on the test set", error);
          GString *s = g_string_new (NULL);
          g_string_printf (s, "%s%s%sTest: %u samples - %.1fs - ", S->n_runs == 2 ? "[" : "",
                           S->n_runs == 2 ? run->name : "", S->n_runs == 2 ? "] " : "", S->test->n,
                           (double) (g_get_monotonic_time () - t0) / 1e6);
          ft_logs_format (&run->test_logs, s);
          puts (s->str);
          g_string_free (s, TRUE);
        }
      const char *out = ft_out_dir_staging (S->out_dir);
      char *dir = S->n_runs == 2 ? g_build_filename (out, run->name, NULL) : g_strdup (out);
      bool ok = write_outputs (run, dir, S->divergence_json, &error);
      g_free (dir);
      if (!ok)
        {
          fprintf (stderr, "fittape-cli: cannot write the results: %s\n", error->message);
          g_clear_error (&error);
          return EXIT_BAD_INPUT;
        }
    }
  if (!ft_out_dir_commit (g_steal_pointer (&S->out_dir), &error))
    return bad_input ("cannot write the results", error);
  return EXIT_OK;
}

/* --plot: loss and accuracy side by side (loss alone without a metric), as the window draws them. */
static int
write_plot (Session *S)
{
  GError *error = NULL;
  FtPlotStyle style;
  ft_plot_style_init (&style);
  if (!ft_plot_export_both (S->plot, S->o->plot, 1400, 520, &style, &error))
    {
      fprintf (stderr, "fittape-cli: cannot write the plot: %s\n", error->message);
      g_clear_error (&error);
      return EXIT_BAD_INPUT;
    }
  printf ("Plot: %s\n", S->o->plot);
  return EXIT_OK;
}

/* The last line: one JSON object with the results. */
static void
print_result (Session *S)
{
  GString *s = g_string_new ("{");
  if (S->n_runs == 1)
    {
      g_string_append_printf (s, "\"mode\": \"%s\", ", S->runs[0].name);
      append_result_json (s, &S->runs[0]);
    }
  else
    {
      char *a = ft_history_to_csv (ft_run_history (S->runs[0].engine), ','),
           *b = ft_history_to_csv (ft_run_history (S->runs[1].engine), ',');
      g_string_append (s, "\"mode\": \"both\", \"fit\": {");
      append_result_json (s, &S->runs[0]);
      g_string_append (s, "}, \"tape\": {");
      append_result_json (s, &S->runs[1]);
      g_string_append_printf (s, "}, \"histories_identical\": %s, \"divergence\": %s",
                              strcmp (a, b) == 0 ? "true" : "false", S->divergence_json);
      g_free (a);
      g_free (b);
    }
  g_string_append (s, "}");
  puts (s->str);
  g_string_free (s, TRUE);
}

static int
command_run (const RunOptions *o)
{
  Session S = { .o = o };
  GError *error = NULL;
  int status = load_experiment (&S);
  if (status == EXIT_OK)
    {
      S.n_runs = S.exp->mode == FT_MODE_BOTH ? 2 : 1;
      S.plot = o->plot ? ft_plot_model_new () : NULL;
    }
  for (int i = 0; i < S.n_runs && status == EXIT_OK; i++)
    status = prepare_run (&S, i);
  /* The results go to a staging directory beside --out made now, so that an unwritable --out is known
   * before training, and appear in --out all together or not at all. */
  if (status == EXIT_OK
      && (S.out_dir = ft_out_dir_begin (o->out ? o->out : "fittape-output", &error)) == NULL)
    status = bad_input ("cannot write the results", error);
  if (status == EXIT_OK)
    status = train (&S);
  if (status == EXIT_OK && S.n_runs == 2)
    find_divergence (&S);
  if (status == EXIT_OK)
    status = evaluate_and_write (&S);
  ft_out_dir_abort (S.out_dir);
  if (S.plot != NULL && (status == EXIT_OK || status == EXIT_TRAINING_FAILED))
    {
      int plot_status = write_plot (&S);
      if (plot_status != EXIT_OK)
        status = plot_status;
    }
  if (status == EXIT_OK)
    print_result (&S);
  for (int i = 0; i < S.n_runs; i++)
    {
      ft_run_free (S.runs[i].engine);
      g_free (S.runs[i].message);
    }
  ft_plot_model_free (S.plot);
  g_free (S.divergence_json);
  ft_dataset_free (S.train);
  ft_dataset_free (S.test);
  ft_experiment_free (S.exp);
  return status;
}

static int
command_evaluate (const char *path)
{
  GError *error = NULL;
  char *json = ft_checkpoint_read_experiment (path, &error);
  if (json == NULL)
    return bad_input ("cannot evaluate", error); /* the message starts with the path */
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_free (json);
  if (exp == NULL)
    return bad_input ("the experiment in the checkpoint", error);
  FtDataset *train = NULL, *test = NULL;
  if (!ft_experiment_load_data (exp, &train, &test, &error))
    {
      ft_experiment_free (exp);
      return bad_input ("cannot load the data", error);
    }
  int status = EXIT_OK;
  FtTrainer *trainer = ft_experiment_build_trainer (exp, train, &error);
  const FtDataset *data = test ? test : train;
  FtLogs logs;
  if (trainer == NULL)
    status = bad_input ("cannot build the checkpoint's model", error);
  else if (!ft_checkpoint_load (trainer, path, NULL, NULL, &error))
    status = bad_input ("cannot load the checkpoint", error); /* the message starts with the path */
  else if (!ft_evaluate (trainer, data, exp->fit.batch_size, &logs, &error))
    status = bad_input ("cannot evaluate", error);
  else
    {
      GString *s = g_string_new (NULL);
      g_string_printf (s, "%s: %u samples - ", test ? "Test" : "Training data (no test set)", data->n);
      ft_logs_format (&logs, s);
      puts (s->str);
      /* valid JSON whatever the path holds; null for a loss or accuracy that is not a number */
      GString *line = g_string_new ("{\"checkpoint\": ");
      ft_json_append_string (line, path);
      g_string_append (line, ", ");
      append_test_results (line, &logs);
      g_string_append (line, "}");
      puts (line->str);
      g_string_free (line, TRUE);
      g_string_free (s, TRUE);
    }
  ft_trainer_free (trainer);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return status;
}

static int
command_export_script (int argc, char **argv)
{
  const char *path = NULL, *mode_name = NULL, *out = NULL;
  for (int i = 2; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--mode") == 0 || strcmp (a, "--out") == 0)
        {
          if (i + 1 >= argc)
            {
              fprintf (stderr, "fittape-cli: %s needs a value\n", a);
              return EXIT_BAD_INPUT;
            }
          if (strcmp (a, "--mode") == 0)
            mode_name = argv[++i];
          else
            out = argv[++i];
        }
      else if (a[0] == '-' || path != NULL)
        {
          fprintf (stderr, "fittape-cli: export-script: unexpected argument \"%s\"\n\n%s", a, usage);
          return EXIT_BAD_INPUT;
        }
      else
        path = a;
    }
  if (path == NULL)
    {
      fprintf (stderr, "fittape-cli: export-script needs an experiment file\n\n%s", usage);
      return EXIT_BAD_INPUT;
    }
  FtRunMode mode = FT_MODE_FIT;
  if (mode_name != NULL && (!ft_run_mode_from_name (mode_name, &mode) || mode == FT_MODE_BOTH))
    {
      fprintf (stderr, "fittape-cli: --mode must be fit or tape, not \"%s\"\n", mode_name);
      return EXIT_BAD_INPUT;
    }
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  if (exp == NULL)
    return bad_input ("cannot open the experiment", error);
  if (mode_name == NULL)
    mode = exp->mode == FT_MODE_FIT ? FT_MODE_FIT : FT_MODE_TAPE;
  char *experiment_name = g_path_get_basename (path);
  char *script_name = out ? g_path_get_basename (out) : NULL;
  FtCodegenOptions options = { experiment_name, script_name };
  char *script = ft_codegen_python_with (exp, mode, &options, NULL);
  int status = EXIT_OK;
  if (out == NULL)
    fputs (script, stdout);
  else if (!g_file_set_contents (out, script, -1, &error)) /* atomic: a temporary file, then rename */
    status = bad_input ("cannot write the script", error);
  g_free (script);
  g_free (script_name);
  g_free (experiment_name);
  ft_experiment_free (exp);
  return status;
}

static int
command_summary (const char *path)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_load (path, &error);
  if (exp == NULL)
    return bad_input ("cannot open the experiment", error);
  FtDataset *train = NULL, *test = NULL;
  int status = EXIT_OK;
  if (!ft_experiment_load_data (exp, &train, &test, &error))
    status = bad_input ("cannot load the data", error);
  else
    {
      FtTrainer *t = ft_experiment_build_trainer (exp, train, &error);
      if (t == NULL)
        status = bad_input ("cannot build the model", error);
      else
        {
          char *s = ft_model_summary (ft_trainer_model (t), NULL);
          fputs (s, stdout);
          g_free (s);
          ft_trainer_free (t);
        }
    }
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return status;
}

/* A whole number in [lo, hi] (digits only); false when value is not one. */
static bool
parse_whole (const char *value, long long lo, long long hi, long long *out)
{
  char *end = NULL;
  errno = 0;
  long long v = g_ascii_isdigit (value[0]) ? strtoll (value, &end, 10) : -1;
  if (v < lo || *end != '\0' || errno == ERANGE || v > hi)
    return false;
  *out = v;
  return true;
}

/* A whole-number option's value in [lo, hi]: true, or false with the message printed. */
static bool
parse_option_number (const char *option, const char *value, long long lo, long long hi, long long *out)
{
  if (parse_whole (value, lo, hi, out))
    return true;
  fprintf (stderr, "fittape-cli: %s must be a whole number from %lld to %lld, not \"%s\"\n", option, lo, hi,
           value);
  return false;
}

/* run's options and experiment file into o: EXIT_OK, or EXIT_BAD_INPUT with the message printed. */
static int
parse_run_options (int argc, char **argv, RunOptions *o)
{
  for (int i = 2; i < argc; i++)
    {
      const char *a = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : NULL;
      bool takes_value = strcmp (a, "--mode") == 0 || strcmp (a, "--epochs") == 0 || strcmp (a, "--seed") == 0
                         || strcmp (a, "--out") == 0 || strcmp (a, "--resume") == 0
                         || strcmp (a, "--plot") == 0 || strcmp (a, "--threads") == 0;
      if (takes_value && value == NULL)
        {
          fprintf (stderr, "fittape-cli: %s needs a value\n", a);
          return EXIT_BAD_INPUT;
        }
      long long v;
      if (strcmp (a, "--mode") == 0)
        o->mode = value;
      else if (strcmp (a, "--epochs") == 0)
        {
          if (!parse_option_number (a, value, 1, 100000, &v))
            return EXIT_BAD_INPUT;
          o->epochs = (int) v;
        }
      else if (strcmp (a, "--seed") == 0)
        {
          if (!parse_option_number (a, value, 0, G_MAXINT64, &v))
            return EXIT_BAD_INPUT;
          o->seed = v;
          o->has_seed = true;
        }
      else if (strcmp (a, "--threads") == 0)
        {
          if (!parse_option_number (a, value, 1, FT_THREADS_MAX, &v))
            return EXIT_BAD_INPUT;
          o->threads = (int) v;
        }
      else if (strcmp (a, "--out") == 0)
        o->out = value;
      else if (strcmp (a, "--resume") == 0)
        o->resume = value;
      else if (strcmp (a, "--plot") == 0)
        {
          if (!ft_plot_format_from_path (value, NULL))
            {
              fprintf (stderr,
                       "fittape-cli: --plot needs a file name ending in .png, .svg or .pdf, not \"%s\"\n",
                       value);
              return EXIT_BAD_INPUT;
            }
          o->plot = value;
        }
      else if (strcmp (a, "--quiet") == 0)
        {
          o->quiet = true;
          continue;
        }
      else if (a[0] == '-')
        {
          fprintf (stderr, "fittape-cli: unknown option %s\n\n%s", a, usage);
          return EXIT_BAD_INPUT;
        }
      else if (o->experiment_path == NULL)
        {
          o->experiment_path = a;
          continue;
        }
      else
        {
          fprintf (stderr, "fittape-cli: unexpected argument \"%s\"\n", a);
          return EXIT_BAD_INPUT;
        }
      i++;
    }
  return EXIT_OK;
}

int
main (int argc, char **argv)
{
  ft_blas_prefer_fast_kernels (argv);
  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      fputs (usage, argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_BAD_INPUT : EXIT_OK;
    }
  const char *cmd = argv[1];
  if (strcmp (cmd, "evaluate") == 0 || strcmp (cmd, "summary") == 0)
    {
      if (argc != 3)
        {
          fprintf (stderr, "fittape-cli: %s takes exactly one file\n\n%s", cmd, usage);
          return EXIT_BAD_INPUT;
        }
      return strcmp (cmd, "evaluate") == 0 ? command_evaluate (argv[2]) : command_summary (argv[2]);
    }
  if (strcmp (cmd, "export-script") == 0)
    return command_export_script (argc, argv);
  if (strcmp (cmd, "certify") == 0) /* ft-cli-certify.c */
    return ft_cli_certify (argc, argv);
  if (strcmp (cmd, "export-keras") == 0) /* ft-cli-keras.c */
    return ft_cli_export_keras (argc, argv);
  if (strcmp (cmd, "import-keras") == 0)
    return ft_cli_import_keras (argc, argv);
  if (strcmp (cmd, "run") != 0)
    {
      fprintf (stderr, "fittape-cli: unknown command \"%s\"\n\n%s", cmd, usage);
      return EXIT_BAD_INPUT;
    }
  RunOptions o = { 0 };
  int status = parse_run_options (argc, argv, &o);
  if (status != EXIT_OK)
    return status;
  return command_run (&o);
}
