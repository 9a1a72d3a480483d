/* ft-codegen.c — an experiment as a Python script for TensorFlow 2 / Keras 3 (see ft-codegen.h).
 *
 * The script is written line by line through a small writer that counts lines, so every phase and loop
 * step can record the lines it occupies in the code map as it is written. Tape mode follows FitTape's
 * own loop (ft-tape-loop.c) step for step: what a switched-off step would have done is not in the code,
 * and a one-line comment stands where it would have been.
 *
 * The parts: ft-py-writer.c (the line-counting writer and Python literals), ft-codegen-data.c (the data),
 * ft-codegen-keras.c (model, optimizer, loss and callbacks as Keras calls), ft-codegen-fit.c (fit mode),
 * ft-codegen-tape.c (tape mode) and ft-code-map.c (the map's queries). This file works out what the script
 * needs to know about the experiment, writes the header and puts the parts together. */
#include "experiment/ft-codegen-private.h"

#include "nn/ft-layers.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* What the script needs to know about the experiment */

/* Output size by shape inference through the layers; 0 when it cannot be told. */
static int
infer_output_size (const FtExperiment *e, bool input_known, int ndim, const int *shape)
{
  if (input_known)
    {
      int nd = ndim, cur[FT_MAX_DIMS] = { 0 }, next[FT_MAX_DIMS] = { 0 };
      memcpy (cur, shape, (size_t) ndim * sizeof (int));
      bool ok = true;
      for (int i = 0; i < e->n_layers && ok; i++)
        {
          int out_nd = 0, n_w = 0;
          FtWeightSpec weights[FT_LAYER_MAX_WEIGHTS];
          ok = ft_layer_infer (&e->layers[i], nd, cur, &out_nd, next, &n_w, weights, NULL);
          if (ok)
            {
              nd = out_nd;
              memcpy (cur, next, sizeof cur);
            }
        }
      if (ok)
        {
          long size = 1;
          for (int d = 0; d < nd; d++)
            size *= cur[d];
          return size > 0 && size < G_MAXINT ? (int) size : 0;
        }
    }
  /* Without an input shape: the last Dense layer's units, when only shape-keeping layers follow it. */
  for (int i = e->n_layers - 1; i >= 0; i--)
    {
      FtLayerKind k = e->layers[i].kind;
      if (k == FT_LAYER_DENSE)
        return e->layers[i].units;
      if (k != FT_LAYER_DROPOUT && k != FT_LAYER_BATCH_NORMALIZATION && k != FT_LAYER_ACTIVATION)
        return 0;
    }
  return 0;
}

/* The data: its sample shape when known, the number of training samples, whether there is a test set. */
static void
analyse_data (FtCodegen *g)
{
  const FtDataSpec *d = &g->e->data;
  g->n_samples = -1;
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      g->data_shape_known = true;
      g->data_ndim = 1;
      g->data_shape[0] = 2;
      g->n_samples = d->samples;
      g->has_test = d->test_samples > 0 ? 1 : 0;
      break;
    case FT_DATA_IDX:
      if (d->path[0] == '\0')
        {
          g->data_shape_known = true;
          g->data_ndim = 2;
          g->data_shape[0] = g->data_shape[1] = 28;
          g->n_samples = 60000;
          g->has_test = 1;
        }
      else
        g->has_test = 2;
      break;
    case FT_DATA_CSV:
      g->has_test = d->test_path[0] != '\0' ? 1 : 0;
      break;
    }
  if (g->n_samples > 0 && d->limit > 0 && d->limit < (uint32_t) g->n_samples)
    g->n_samples = d->limit;
}

/* The model's input shape (when known) and its output size. */
static void
analyse_model (FtCodegen *g)
{
  const FtExperiment *e = g->e;
  if (e->data.features != 0) /* the input features are the model's inputs */
    {
      g->input_known = true;
      g->input_ndim = 1;
      g->input_shape[0] = ft_features_count (e->data.features);
    }
  else if (e->input_ndim > 0)
    {
      g->input_known = true;
      g->input_ndim = MIN (e->input_ndim, 3);
      memcpy (g->input_shape, e->input_shape, sizeof g->input_shape);
    }
  else if (g->data_shape_known)
    {
      g->input_known = true;
      g->input_ndim = g->data_ndim;
      memcpy (g->input_shape, g->data_shape, sizeof g->input_shape);
    }
  g->out_size = infer_output_size (e, g->input_known, g->input_ndim, g->input_shape);
}

/* The compiled metrics, then the weighted ones, as the trainer names them. */
static void
analyse_metrics (FtCodegen *g)
{
  const FtExperiment *e = g->e;
  const FtLossSpec *loss = &e->compile.loss;
  FtPyWriter *w = &g->w;
  int n_plain = e->compile.n_metrics;
  for (int i = 0; i < n_plain + e->compile.n_weighted_metrics && g->n_metrics < 2 * FT_MAX_METRICS; i++)
    {
      bool weighted = i >= n_plain;
      const char *name = weighted ? e->compile.weighted_metrics[i - n_plain] : e->compile.metrics[i];
      FtMetricKind kind;
      char key[64];
      if (!ft_metric_from_name (name, loss->kind, &kind, key, sizeof key))
        continue;
      /* As the trainer names them: "weighted_accuracy" beside "accuracy". */
      for (int j = 0; weighted && j < n_plain; j++)
        if (strcmp (e->compile.metrics[j], name) == 0)
          {
            char prefixed[64];
            g_snprintf (prefixed, sizeof prefixed, "weighted_%s", key);
            g_strlcpy (key, prefixed, sizeof key);
            break;
          }
      g->metric_class[g->n_metrics] = ft_metric_kind_info (kind)->name;
      g->metric_key[g->n_metrics] = ft_py_keep (w, g_strdup (key));
      g->metric_var[g->n_metrics] = ft_py_ident (w, key);
      g->metric_weighted[g->n_metrics] = weighted;
      g->n_metrics++;
    }
}

/* Which parts of the loop are in the code. */
static void
analyse_loop (FtCodegen *g)
{
  const FtExperiment *e = g->e;
  const FtFitArgs *f = &e->fit;
  const FtLoopSteps *s = &e->steps;
  g->class_weights = f->class_weight != NULL && f->n_class_weight > 0;
  if (g->tape)
    {
      g->split = s->split && f->validation_split > 0;
      g->validate = g->split && s->validate;
      g->shuffle = s->shuffle && f->shuffle;
      g->batching = s->batching;
      g->reset = s->reset_metrics;
      g->progress = s->progress;
      g->es = s->early_stopping ? ft_codegen_first_callback (e, FT_CALLBACK_EARLY_STOPPING) : NULL;
      g->ckpt = s->checkpoint ? ft_codegen_first_callback (e, FT_CALLBACK_MODEL_CHECKPOINT) : NULL;
      long n_train = g->n_samples;
      if (n_train > 0 && g->split)
        n_train = (long) floor ((double) n_train * (1.0 - f->validation_split));
      long batches = n_train > 0 ? (n_train + f->batch_size - 1) / f->batch_size : -1;
      g->batch_progress = g->progress && g->batching && (batches < 0 || batches > 200);
      g->need_test_step = g->validate || g->has_test > 0;
    }
  else
    {
      g->split = f->validation_split > 0;
      g->validate = g->split;
    }
}

static void
analyse (FtCodegen *g)
{
  const FtExperiment *e = g->e;
  analyse_data (g);
  analyse_model (g);

  const FtLossSpec *loss = &e->compile.loss;
  g->logits = loss->from_logits && loss->kind != FT_LOSS_MEAN_SQUARED_ERROR;
  if (loss->kind == FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
    g->targets = 0;
  else
    g->targets = g->out_size == 1 ? 1 : 2;

  analyse_metrics (g);
  static const bool no_pitfalls[FT_N_PITFALLS];
  g->pit = g->tape ? e->steps.pitfalls.on : no_pitfalls;
  analyse_loop (g);
}

/* The emitters hold the Python text as it will read; clang-format would split its lines. */
/* clang-format off */

/* ------------------------------------------------------------------------------------------------ */
/* Header, imports, constants */

static bool
needs_os (FtCodegen *g)
{
  const FtExperiment *e = g->e;
  if (e->data.source == FT_DATA_IDX && e->data.path[0] != '\0')
    return true;
  if (!g->tape)
    return false;
  const FtCallbackSpec *csv = ft_codegen_first_callback (e, FT_CALLBACK_CSV_LOGGER);
  if (csv != NULL && csv->append)
    return true;
  return g->ckpt != NULL && strchr (g->ckpt->filepath, '/') != NULL;
}

static void
emit_header (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_HEADER);
  ft_py_line (w, "#!/usr/bin/env python3");
  if (e->title != NULL && e->title[0] != '\0')
    ft_py_comment_wrapped (w, e->title);
  ft_py_line (w, "#");
  char *source;
  if (g->options && g->options->experiment_name)
    {
      char *name = ft_py_comment_text (g->options->experiment_name);
      source = g_strdup_printf ("the experiment %s", name);
      g_free (name);
    }
  else
    source = g_strdup ("an experiment");
  char *about = g_strdup_printf (
    "Generated by FitTape from %s, in %s. It is how you carry the experiment from FitTape to real TensorFlow "
    "2 / Keras 3: the same data, model, optimizer, loss, metrics and %s. From here the model can train on "
    "many GPUs or machines with tf.distribute (MirroredStrategy, MultiWorkerMirroredStrategy).",
    source,
    g->tape ? "tape mode: the training loop written out by hand with tf.GradientTape, as TensorFlow's guide "
              "\"Writing a training loop from scratch\" does it"
            : "fit mode: model.compile() and model.fit()",
    g->tape ? "loop" : "fit() arguments");
  ft_py_comment_wrapped (w, about);
  g_free (about);
  g_free (source);
  ft_py_line (w, "#");
  char *script = ft_py_comment_text (g->options && g->options->script_name ? g->options->script_name : "this_script.py");
  ft_py_line (w, "# Run it:  pip install tensorflow");
  ft_py_line (w, "#          python3 %s", script);
  g_free (script);
  ft_py_line (w, "#");
  ft_py_comment_wrapped (w, "The numbers will be close to FitTape's but not the same: TensorFlow draws its own initial "
                        "weights, dropout masks and shuffles.");
  if (e->notes != NULL && e->notes[0] != '\0')
    {
      ft_py_line (w, "#");
      ft_py_comment_wrapped (w, e->notes);
    }
  ft_py_end (w, FT_CODE_HEADER);
  ft_py_blank (w);

  bool csv_module = e->data.source == FT_DATA_CSV || (g->tape && ft_codegen_has_callback (e, FT_CALLBACK_CSV_LOGGER));
  bool idx = e->data.source == FT_DATA_IDX; /* Fashion-MNIST too: Debian's IDX files first */
  if (csv_module)
    ft_py_line (w, "import csv");
  if (idx)
    ft_py_line (w, "import gzip");
  ft_py_line (w, "import math");
  ft_py_line (w, "import os"); /* FITTAPE_EPOCHS / FITTAPE_LIMIT, and the paths needs_os () names */
  (void) needs_os;
  if (idx)
    ft_py_line (w, "import struct");
  ft_py_blank (w);
  ft_py_line (w, "import numpy as np");
  ft_py_line (w, "import tensorflow as tf");
  ft_py_line (w, "from tensorflow import keras");
  ft_py_blank (w);

  const FtFitArgs *f = &e->fit;
  ft_py_line (w, "SEED = %" G_GUINT64_FORMAT, e->seed);
  ft_py_line (w, "# A shorter run (tests, CI): FITTAPE_EPOCHS=N trains N epochs, FITTAPE_LIMIT=N keeps the first N");
  ft_py_line (w, "# training samples. Unset, the experiment runs as FitTape runs it.");
  ft_py_line (w, "EPOCHS = int(os.environ.get(\"FITTAPE_EPOCHS\", %d))", f->epochs);
  ft_py_line (w, "BATCH_SIZE = %d", f->batch_size);
  if (f->validation_split > 0 && (!g->tape || g->split))
    ft_py_line (w, "VALIDATION_SPLIT = %s", ft_py_double (w, f->validation_split));
  ft_py_blank (w);
  ft_py_line (w, "keras.utils.set_random_seed(SEED)  # seeds Python's, NumPy's and TensorFlow's generators");
  ft_py_blank (w);
}

/* clang-format on */

/* ------------------------------------------------------------------------------------------------ */

char *
ft_codegen_python_with (const FtExperiment *exp, FtRunMode mode, const FtCodegenOptions *options,
                        FtCodeMap *map)
{
  g_return_val_if_fail (exp != NULL, NULL);
  FtCodeMap local;
  FtCodeMap *m = map ? map : &local;
  memset (m, 0, sizeof *m);

  FtCodegen g;
  memset (&g, 0, sizeof g);
  g.e = exp;
  g.tape = mode != FT_MODE_FIT;
  g.options = options;
  g.w.s = g_string_new (NULL);
  g.w.map = m;
  g.w.pool = g_ptr_array_new_with_free_func (g_free);
  analyse (&g);

  emit_header (&g);
  ft_codegen_emit_data (&g);
  ft_codegen_emit_model (&g);
  if (g.tape)
    {
      ft_codegen_emit_tape (&g);
    }
  else
    ft_codegen_emit_fit (&g);

  m->n_lines = g.w.line;
  g_ptr_array_unref (g.w.pool);
  return g_string_free (g.w.s, FALSE);
}

char *
ft_codegen_python (const FtExperiment *exp, FtRunMode mode, FtCodeMap *map)
{
  return ft_codegen_python_with (exp, mode, NULL, map);
}

bool
ft_codegen_save (const FtExperiment *exp, FtRunMode mode, const char *path, GError **error)
{
  g_return_val_if_fail (exp != NULL && path != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  char *base = g_path_get_basename (path);
  FtCodegenOptions options = { NULL, base };
  char *script = ft_codegen_python_with (exp, mode, &options, NULL);
  bool ok = g_file_set_contents (path, script, -1, error);
  g_free (script);
  g_free (base);
  return ok;
}
