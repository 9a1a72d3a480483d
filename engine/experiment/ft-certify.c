/* ft-certify.c — the parity certificate (see ft-certify.h): FitTape's run, the replay files, Keras' run of
 * the exported script through fittape_replay.py, and the comparison. */
#include "experiment/ft-certify.h"

#include "core/ft-error.h"
#include "core/ft-format.h"
#include "experiment/ft-codegen.h"
#include "train/ft-checkpoint.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static bool
write_raw (const char *dir, const char *name, const void *data, size_t bytes, GError **error)
{
  char *path = g_build_filename (dir, name, NULL);
  bool ok = g_file_set_contents (path, data, (gssize) bytes, error);
  g_free (path);
  return ok;
}

static double
rel_diff (double a, double b)
{
  if (a == b)
    return 0.0;
  if (!isfinite (a) || !isfinite (b))
    return INFINITY;
  double scale = MAX (fabs (a), fabs (b));
  return fabs (a - b) / scale;
}

/* The last lines of a log file, for an error message. */
static char *
log_tail (const char *path, int lines)
{
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  char *p = text + strlen (text);
  int seen = 0;
  while (p > text && seen <= lines)
    if (*--p == '\n')
      seen++;
  char *tail = g_strdup (p);
  g_free (text);
  return tail;
}

const char *
ft_certify_default_python (void)
{
  const char *env = g_getenv ("FITTAPE_PYTHON");
  if (env && *env)
    return env;
  if (g_file_test (FITTAPE_BUILD_VENV_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    return FITTAPE_BUILD_VENV_PYTHON;
  return "python3";
}

const char *
ft_certify_default_replay_module (void)
{
  const char *env = g_getenv ("FITTAPE_REPLAY_MODULE");
  if (env && *env)
    return env;
  if (g_file_test (FITTAPE_REPLAY_MODULE_SOURCE, G_FILE_TEST_EXISTS))
    return FITTAPE_REPLAY_MODULE_SOURCE;
  return FITTAPE_REPLAY_MODULE_INSTALLED;
}

void
ft_certificate_free (FtCertificate *c)
{
  if (c == NULL)
    return;
  g_free (c->experiment);
  if (c->rows)
    g_array_unref (c->rows);
  if (c->notes)
    g_ptr_array_unref (c->notes);
  g_free (c->versions);
  g_free (c->verdict);
  g_free (c);
}

/* FitTape's run: the callbacks as the runner sets them up (in the tape loop early stopping and
 * checkpointing are the loop's own steps). */
static bool
train_fittape (FtTrainer *trainer, const FtExperiment *e, const FtDataset *train, bool tape,
               FtHistory *history, GError **error)
{
  GPtrArray *cbs = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_callback_free);
  const FtCallbackSpec *es = NULL, *ck = NULL;
  for (int i = 0; i < e->n_callbacks; i++)
    {
      FtCallbackKind k = e->callbacks[i].kind;
      if (tape && k == FT_CALLBACK_EARLY_STOPPING)
        {
          es = es ? es : &e->callbacks[i];
          continue;
        }
      if (tape && k == FT_CALLBACK_MODEL_CHECKPOINT)
        {
          ck = ck ? ck : &e->callbacks[i];
          continue;
        }
      g_ptr_array_add (cbs, ft_callback_new (&e->callbacks[i]));
    }
  FtFitContext ctx;
  memset (&ctx, 0, sizeof ctx);
  bool ok = tape ? ft_tape_loop (trainer, train, &e->fit, &e->steps, e->steps.early_stopping ? es : NULL,
                                 e->steps.checkpoint ? ck : NULL, cbs, history, &ctx, error)
                 : ft_fit (trainer, train, &e->fit, cbs, history, &ctx, error);
  g_ptr_array_unref (cbs);
  return ok;
}

static bool
read_keras_results (FtCertificate *c, const char *dir, FtHistory *keras, float **weights, size_t *n_weights,
                    GError **error)
{
  char *json_path = g_build_filename (dir, "keras.json", NULL);
  char *bin_path = g_build_filename (dir, "keras-final.f32", NULL);
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_file (parser, json_path, error);
  char *bytes = NULL;
  gsize len = 0;
  ok = ok && g_file_get_contents (bin_path, &bytes, &len, error);
  if (ok)
    {
      *weights = (float *) bytes;
      *n_weights = len / sizeof (float);
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      JsonObject *h = json_object_get_object_member (root, "history");
      int epochs = (int) json_object_get_int_member_with_default (root, "epochs", 0);
      GList *keys = json_object_get_members (h);
      for (int ep = 0; ep < epochs; ep++)
        {
          FtLogs logs;
          ft_logs_clear (&logs);
          for (GList *k = keys; k; k = k->next)
            {
              JsonArray *a = json_object_get_array_member (h, k->data);
              if ((guint) ep < json_array_get_length (a))
                ft_logs_set (&logs, k->data, json_array_get_double_element (a, (guint) ep));
            }
          ft_history_append (keras, ep, &logs);
        }
      g_list_free (keys);
      if (json_object_has_member (root, "test") && !json_object_get_null_member (root, "test"))
        {
          JsonObject *t = json_object_get_object_member (root, "test");
          if (json_object_has_member (t, "loss"))
            c->test_loss_keras = json_object_get_double_member (t, "loss");
        }
      c->permutations_replayed = (int) json_object_get_int_member_with_default (root, "permutations_replayed",
                                                                                0);
      if (json_object_has_member (root, "data_max_abs_diff")
          && !json_object_get_null_member (root, "data_max_abs_diff"))
        c->data_max_abs_diff = json_object_get_double_member (root, "data_max_abs_diff");
      c->versions = g_strdup_printf ("TensorFlow %s, Keras %s",
                                     json_object_get_string_member_with_default (root, "tensorflow", "?"),
                                     json_object_get_string_member_with_default (root, "keras", "?"));
      if (json_object_has_member (root, "notes"))
        {
          JsonArray *notes = json_object_get_array_member (root, "notes");
          for (guint i = 0; i < json_array_get_length (notes); i++)
            g_ptr_array_add (c->notes, g_strdup (json_array_get_string_element (notes, i)));
        }
    }
  g_object_unref (parser);
  g_free (json_path);
  g_free (bin_path);
  return ok;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
compare (FtCertificate *c, FtHistory *ft, FtHistory *keras, const float *w_ft, size_t n_ft, const float *w_k,
         size_t n_k)
{
  c->fittape_epochs = ft_history_n_epochs (ft);
  c->keras_epochs = ft_history_n_epochs (keras);
  c->worst_rel = 0.0;
  c->worst_epoch = -1;
  int n = MAX (c->fittape_epochs, c->keras_epochs);
  for (int i = 0; i < n; i++)
    {
      const FtLogs *a = i < c->fittape_epochs ? ft_history_logs (ft, i) : NULL;
      const FtLogs *b = i < c->keras_epochs ? ft_history_logs (keras, i) : NULL;
      /* Every key either side has, sorted. */
      GPtrArray *keys = g_ptr_array_new ();
      const FtLogs *both[2] = { a, b };
      for (int s = 0; s < 2; s++)
        if (both[s])
          for (int k = 0; k < both[s]->n; k++)
            {
              bool seen = false;
              for (guint j = 0; j < keys->len && !seen; j++)
                seen = strcmp (keys->pdata[j], both[s]->items[k].key) == 0;
              if (!seen)
                g_ptr_array_add (keys, (gpointer) both[s]->items[k].key);
            }
      g_ptr_array_sort (keys, compare_strings);
      for (guint j = 0; j < keys->len; j++)
        {
          FtCertifyRow row = { 0 };
          row.epoch = i;
          g_strlcpy (row.key, (const char *) keys->pdata[j], sizeof row.key);
          row.fittape = row.keras = NAN;
          bool in_a = a && ft_logs_get (a, row.key, &row.fittape);
          bool in_b = b && ft_logs_get (b, row.key, &row.keras);
          row.rel = in_a && in_b ? rel_diff (row.fittape, row.keras) : INFINITY;
          if (!(row.rel <= c->worst_rel))
            {
              c->worst_rel = row.rel;
              g_strlcpy (c->worst_key, row.key, sizeof c->worst_key);
              c->worst_epoch = i;
            }
          g_array_append_val (c->rows, row);
        }
      g_ptr_array_unref (keys);
    }
  if (n_ft != n_k)
    {
      c->weights_rel = INFINITY;
      g_ptr_array_add (c->notes, g_strdup_printf ("FitTape has %zu weights, Keras %zu", n_ft, n_k));
    }
  else
    {
      double d2 = 0, w2 = 0;
      for (size_t i = 0; i < n_ft; i++)
        {
          double d = (double) w_ft[i] - (double) w_k[i];
          d2 += d * d;
          w2 += (double) w_ft[i] * (double) w_ft[i];
        }
      c->weights_rel = w2 > 0 ? sqrt (d2 / w2) : sqrt (d2);
      if (!isfinite (c->weights_rel))
        c->weights_rel = INFINITY;
    }
  bool logs_ok = c->worst_rel <= c->log_tolerance;
  bool epochs_ok = c->fittape_epochs == c->keras_epochs;
  bool weights_ok = c->weights_rel <= c->weight_tolerance;
  c->pass = logs_ok && epochs_ok && weights_ok && c->fittape_epochs > 0;
  if (c->pass)
    c->verdict = g_strdup_printf (
        "PASS: every log within %.0e (worst %.2e, %s), the same stopping epoch (%d), "
        "final weights within %.0e (%.2e)",
        c->log_tolerance, c->worst_rel, c->worst_key[0] ? c->worst_key : "-", c->fittape_epochs,
        c->weight_tolerance, c->weights_rel);
  else
    {
      GString *s = g_string_new ("FAIL:");
      if (!logs_ok)
        g_string_append_printf (s, " %s in epoch %d differs by %.2e (target %.0e);", c->worst_key,
                                c->worst_epoch + 1, c->worst_rel, c->log_tolerance);
      if (!epochs_ok)
        g_string_append_printf (s, " FitTape ran %d epochs, Keras %d;", c->fittape_epochs, c->keras_epochs);
      if (!weights_ok)
        g_string_append_printf (s, " final weights differ by %.2e (target %.0e);", c->weights_rel,
                                c->weight_tolerance);
      if (c->fittape_epochs == 0)
        g_string_append (s, " no epoch ran;");
      s->str[s->len - 1] = '\0';
      s->len--;
      c->verdict = g_string_free (s, FALSE);
    }
}

/* Dropout masks are not replayed: experiments with dropout are refused. */
static bool
refuse_dropout (const FtExperiment *exp_in, GError **error)
{
  for (int i = 0; i < exp_in->n_layers; i++)
    if (exp_in->layers[i].kind == FT_LAYER_DROPOUT && exp_in->layers[i].rate > 0)
      {
        g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                     "layer %d is Dropout(%g): dropout masks are not replayed, so certify takes experiments "
                     "without dropout (set its rate to 0 to certify the rest)",
                     i + 1, (double) exp_in->layers[i].rate);
        return false;
      }
  return true;
}

/* An empty certificate with the options' name, mode and tolerances. */
static FtCertificate *
certificate_new (const FtCertifyOptions *o)
{
  FtCertificate *c = g_new0 (FtCertificate, 1);
  c->experiment = g_strdup (o->experiment_name ? o->experiment_name : "experiment");
  c->mode = o->mode;
  c->log_tolerance = o->log_tolerance > 0 ? o->log_tolerance : 1e-5;
  c->weight_tolerance = o->weight_tolerance > 0 ? o->weight_tolerance : 1e-4;
  c->rows = g_array_new (FALSE, TRUE, sizeof (FtCertifyRow));
  c->notes = g_ptr_array_new_with_free_func (g_free);
  c->test_loss_fittape = c->test_loss_keras = NAN;
  return c;
}

/* The training samples as FitTape holds them: x_train.f32 and y_train.f32. */
static bool
write_samples (const char *dir, const FtDataset *train, GError **error)
{
  size_t per = train->sample_size;
  float *x = g_new (float, (size_t) train->n *per);
  float *y = g_new (float, train->n);
  uint32_t *idx = g_new (uint32_t, train->n);
  for (uint32_t i = 0; i < train->n; i++)
    idx[i] = i;
  ft_dataset_gather (train, idx, train->n, x, y);
  bool ok = write_raw (dir, "x_train.f32", x, (size_t) train->n * per * sizeof (float), error)
            && write_raw (dir, "y_train.f32", y, (size_t) train->n * sizeof (float), error);
  g_free (x);
  g_free (y);
  g_free (idx);
  return ok;
}

/* Every epoch's order of the training samples, drawn from the trainer's shuffle generator as the run is
 * about to draw them (order.u32), and meta.json. */
static bool
write_orders (const char *dir, const FtExperiment *e, const FtDataset *train, FtTrainer *trainer, bool tape,
              bool shuffle, int n_epochs, GError **error)
{
  bool split = (tape ? e->steps.split : true) && e->fit.validation_split > 0;
  uint32_t n_train = split ? ft_dataset_split_point (train, e->fit.validation_split) : train->n;
  uint32_t *order = g_new (uint32_t, (size_t) n_epochs * MAX (n_train, 1u));
  FtRng rng = *ft_trainer_shuffle_rng (trainer); /* the draws the run is about to make */
  for (int ep = 0; ep < n_epochs; ep++)
    ft_epoch_order (order + (size_t) ep * n_train, n_train, shuffle, &rng);
  char *meta = g_strdup_printf ("{\"n_samples\": %u, \"n_train\": %u, \"epochs\": %d, \"shuffle\": %s, "
                                "\"mode\": \"%s\"}\n",
                                train->n, n_train, n_epochs, shuffle ? "true" : "false",
                                tape ? "tape" : "fit");
  bool ok = write_raw (dir, "order.u32", order, (size_t) n_epochs * n_train * sizeof (uint32_t), error)
            && write_raw (dir, "meta.json", meta, strlen (meta), error);
  g_free (meta);
  g_free (order);
  return ok;
}

/* FitTape's final weights (fittape-final.f32, also in *w_ft) and its test loss. */
static bool
write_fittape_results (FtCertificate *c, const char *dir, FtTrainer *trainer, const FtExperiment *e,
                       const FtDataset *test, float **w_ft, size_t *n_ft, GError **error)
{
  FtModel *m = ft_trainer_model (trainer);
  *n_ft = ft_model_n_params (m);
  *w_ft = g_new (float, *n_ft);
  ft_model_get_weights (m, *w_ft);
  bool ok = write_raw (dir, "fittape-final.f32", *w_ft, *n_ft * sizeof (float), error);
  if (test != NULL)
    {
      FtLogs logs;
      ft_evaluate (trainer, test, e->fit.batch_size, &logs, NULL);
      ft_logs_get (&logs, "loss", &c->test_loss_fittape);
    }
  return ok;
}

/* The exported script (train-fit.py or train-tape.py, its path in *script) and a copy of fittape_replay.py.
 */
static bool
write_script (const FtExperiment *e, const FtCertifyOptions *o, bool tape, char **script, GError **error)
{
  FtCodegenOptions copt = { o->experiment_name, tape ? "train-tape.py" : "train-fit.py", true };
  *script = g_build_filename (o->dir, copt.script_name, NULL);
  char *text = ft_codegen_python_with (e, o->mode, &copt, NULL);
  char *module = NULL;
  gsize module_len = 0;
  char *module_copy = g_build_filename (o->dir, "fittape_replay.py", NULL);
  bool ok = g_file_set_contents (*script, text, -1, error)
            && g_file_get_contents (o->replay_module, &module, &module_len, error)
            && g_file_set_contents (module_copy, module, (gssize) module_len, error);
  g_free (text);
  g_free (module);
  g_free (module_copy);
  return ok;
}

/* Runs the script in Keras (one thread, under a time limit) in the replay directory; its output goes to
 * log_path. */
static bool
run_keras (const FtCertifyOptions *o, const char *abs_dir, const char *script, const char *log_path,
           GError **error)
{
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "FITTAPE_REPLAY", abs_dir, TRUE);
  env = g_environ_setenv (env, "TF_CPP_MIN_LOG_LEVEL", "2", TRUE);
  env = g_environ_setenv (env, "TF_NUM_INTRAOP_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "TF_NUM_INTEROP_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "OMP_NUM_THREADS", "1", TRUE);
  env = g_environ_setenv (env, "PYTHONUNBUFFERED", "1", TRUE);
  env = g_environ_unsetenv (env, "FITTAPE_EPOCHS");
  env = g_environ_unsetenv (env, "FITTAPE_LIMIT");
  char *timeout = g_strdup_printf ("%d", o->timeout_seconds > 0 ? o->timeout_seconds : 3600);
  char *base = g_path_get_basename (script);
  const char *argv[] = { "timeout", timeout, o->python, base, NULL };
  char *out = NULL, *err = NULL;
  int status = 0;
  bool ok = g_spawn_sync (abs_dir, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                          error);
  if (ok)
    {
      char *both = g_strconcat (out ? out : "", err ? err : "", NULL);
      g_file_set_contents (log_path, both, -1, NULL);
      g_free (both);
      if (!g_spawn_check_wait_status (status, NULL))
        {
          char *tail = log_tail (log_path, 12);
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "Keras' run of %s failed (see %s):\n%s", script,
                       log_path, tail);
          g_free (tail);
          ok = false;
        }
    }
  g_free (out);
  g_free (err);
  g_free (base);
  g_free (timeout);
  g_strfreev (env);
  return ok;
}

/* Notes on what the replay could not match. */
static void
add_notes (FtCertificate *c, bool shuffle)
{
  if (c->data_max_abs_diff > 0)
    g_ptr_array_add (c->notes,
                     g_strdup_printf ("the exported script's samples differ from FitTape's by up to %g",
                                      c->data_max_abs_diff));
  if (shuffle && c->permutations_replayed != c->keras_epochs)
    g_ptr_array_add (c->notes, g_strdup_printf ("Keras took %d permutations for %d epochs",
                                                c->permutations_replayed, c->keras_epochs));
}

FtCertificate *
ft_certify (const FtExperiment *exp_in, const FtCertifyOptions *o, GError **error)
{
  g_return_val_if_fail (exp_in != NULL && o != NULL && o->python != NULL && o->dir != NULL, NULL);
  g_return_val_if_fail (o->mode == FT_MODE_FIT || o->mode == FT_MODE_TAPE, NULL);
  bool tape = o->mode == FT_MODE_TAPE;
  if (!refuse_dropout (exp_in, error))
    return NULL;
  if (g_mkdir_with_parents (o->dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", o->dir);
      return NULL;
    }
  FtExperiment *e = ft_experiment_copy (exp_in);
  if (o->epochs > 0)
    e->fit.epochs = o->epochs;
  FtDataset *train = NULL, *test = NULL;
  FtTrainer *trainer = NULL;
  FtHistory *h_ft = ft_history_new (), *h_k = ft_history_new ();
  FtCertificate *c = certificate_new (o);
  float *w_ft = NULL, *w_k = NULL;
  size_t n_k = 0, n_ft = 0;
  char *script = NULL, *log_path = g_build_filename (o->dir, "keras.log", NULL);
  char *abs_dir = g_canonicalize_filename (o->dir, NULL);
  bool ok = ft_fit_args_validate (&e->fit, error) && ft_experiment_load_data (e, &train, &test, error)
            && (trainer = ft_experiment_build_trainer (e, train, error)) != NULL;

  /* The replay files: initial weights, samples, per-epoch orders, meta. */
  if (ok)
    {
      char *init_path = g_build_filename (o->dir, "initial.h5", NULL);
      FtExperimentSource source = ft_experiment_source (e);
      ok = ft_checkpoint_save (trainer, &source, init_path, true, 0, error);
      g_free (init_path);
    }
  if (ok)
    ok = write_samples (o->dir, train, error);
  int n_epochs = e->fit.epochs - e->fit.initial_epoch;
  bool shuffle = tape ? e->steps.shuffle && e->fit.shuffle : e->fit.shuffle;
  if (ok)
    ok = write_orders (o->dir, e, train, trainer, tape, shuffle, n_epochs, error);

  /* FitTape's run. */
  if (ok)
    ok = train_fittape (trainer, e, train, tape, h_ft, error);
  if (ok)
    ok = write_fittape_results (c, o->dir, trainer, e, test, &w_ft, &n_ft, error);

  /* Keras' run of the exported script. */
  if (ok)
    ok = write_script (e, o, tape, &script, error);
  if (ok)
    ok = run_keras (o, abs_dir, script, log_path, error);
  if (ok)
    ok = read_keras_results (c, o->dir, h_k, &w_k, &n_k, error);
  if (ok)
    {
      compare (c, h_ft, h_k, w_ft, n_ft, w_k, n_k);
      add_notes (c, shuffle);
    }
  g_free (w_ft);
  g_free (w_k);
  g_free (script);
  g_free (log_path);
  g_free (abs_dir);
  ft_history_free (h_ft);
  ft_history_free (h_k);
  ft_trainer_free (trainer);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (e);
  if (!ok)
    {
      ft_certificate_free (c);
      return NULL;
    }
  return c;
}

char *
ft_certificate_table (const FtCertificate *c)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "Parity certificate: %s, %s mode, FitTape against %s\n", c->experiment,
                          c->mode == FT_MODE_TAPE ? "tape" : "fit", c->versions ? c->versions : "Keras");
  g_string_append_printf (s, "%-6s %-22s %16s %16s %10s\n", "epoch", "log", "FitTape", "Keras", "rel. diff");
  for (guint i = 0; i < c->rows->len; i++)
    {
      const FtCertifyRow *r = &g_array_index (c->rows, FtCertifyRow, i);
      g_string_append_printf (s, "%-6d %-22s %16.9g %16.9g %10.2e%s\n", r->epoch + 1, r->key, r->fittape,
                              r->keras, r->rel, r->rel > c->log_tolerance ? "  <-" : "");
    }
  g_string_append_printf (s, "Stopping epoch: FitTape %d, Keras %d\n", c->fittape_epochs, c->keras_epochs);
  g_string_append_printf (s, "Final weights: relative L2 difference %.3e\n", c->weights_rel);
  if (isfinite (c->test_loss_fittape) || isfinite (c->test_loss_keras))
    g_string_append_printf (s, "Test loss: FitTape %.9g, Keras %.9g (rel. diff %.2e)\n", c->test_loss_fittape,
                            c->test_loss_keras, rel_diff (c->test_loss_fittape, c->test_loss_keras));
  for (guint i = 0; i < c->notes->len; i++)
    g_string_append_printf (s, "Note: %s\n", (const char *) c->notes->pdata[i]);
  g_string_append_printf (s, "Verdict: %s\n", c->verdict);
  return g_string_free (s, FALSE);
}

static void
json_number (GString *s, double v)
{
  if (isfinite (v))
    g_string_append_printf (s, "%.17g", v);
  else
    g_string_append (s, "null");
}

char *
ft_certificate_json (const FtCertificate *c)
{
  GString *s = g_string_new ("{");
  g_string_append (s, "\"experiment\": ");
  ft_json_append_string (s, c->experiment);
  g_string_append_printf (s, ", \"mode\": \"%s\", \"pass\": %s, \"verdict\": ",
                          c->mode == FT_MODE_TAPE ? "tape" : "fit", c->pass ? "true" : "false");
  ft_json_append_string (s, c->verdict);
  g_string_append_printf (s, ", \"epochs_fittape\": %d, \"epochs_keras\": %d, \"worst_log\": ",
                          c->fittape_epochs, c->keras_epochs);
  ft_json_append_string (s, c->worst_key);
  g_string_append_printf (s, ", \"worst_epoch\": %d, \"worst_log_rel\": ", c->worst_epoch + 1);
  json_number (s, c->worst_rel);
  g_string_append (s, ", \"weights_rel\": ");
  json_number (s, c->weights_rel);
  g_string_append (s, ", \"test_loss_fittape\": ");
  json_number (s, c->test_loss_fittape);
  g_string_append (s, ", \"test_loss_keras\": ");
  json_number (s, c->test_loss_keras);
  g_string_append_printf (s, ", \"log_tolerance\": %g, \"weight_tolerance\": %g, \"rows\": [",
                          c->log_tolerance, c->weight_tolerance);
  for (guint i = 0; i < c->rows->len; i++)
    {
      const FtCertifyRow *r = &g_array_index (c->rows, FtCertifyRow, i);
      g_string_append_printf (s, "%s{\"epoch\": %d, \"log\": ", i ? ", " : "", r->epoch + 1);
      ft_json_append_string (s, r->key);
      g_string_append (s, ", \"fittape\": ");
      json_number (s, r->fittape);
      g_string_append (s, ", \"keras\": ");
      json_number (s, r->keras);
      g_string_append (s, ", \"rel\": ");
      json_number (s, r->rel);
      g_string_append (s, "}");
    }
  g_string_append (s, "], \"notes\": [");
  for (guint i = 0; i < c->notes->len; i++)
    {
      g_string_append (s, i ? ", " : "");
      ft_json_append_string (s, c->notes->pdata[i]);
    }
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}
