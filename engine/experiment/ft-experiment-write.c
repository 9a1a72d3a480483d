/* ft-experiment-write.c — an experiment as pretty-printed JSON that reads back equal (ft_experiment_to_json,
 * ft_experiment_save): the fields that apply, parameters only where they differ from their defaults. */
#include "experiment/ft-experiment-private.h"

#include "core/ft-format.h"
#include "core/ft-out-dir.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Writing: a small pretty-printer. Objects and arrays are either spread over lines or kept on one line
 * (layers, callbacks, short lists). */

typedef struct
{
  GString *s;
  int depth;
  int count[16];
  bool inl[16];
} Writer;

static void
w_sep (Writer *w)
{
  int d = w->depth;
  if (w->count[d]++ > 0)
    g_string_append_c (w->s, ',');
  if (w->inl[d])
    {
      if (w->count[d] > 1)
        g_string_append_c (w->s, ' ');
    }
  else
    {
      g_string_append_c (w->s, '\n');
      for (int i = 0; i < d; i++)
        g_string_append (w->s, "  ");
    }
}

static void
w_open (Writer *w, char c, bool inl)
{
  g_string_append_c (w->s, c);
  bool parent_inline = w->depth > 0 && w->inl[w->depth];
  w->depth++;
  g_assert (w->depth < 16);
  w->count[w->depth] = 0;
  w->inl[w->depth] = inl || parent_inline;
}

static void
w_close (Writer *w, char c)
{
  int d = w->depth--;
  if (!w->inl[d] && w->count[d] > 0)
    {
      g_string_append_c (w->s, '\n');
      for (int i = 0; i < d - 1; i++)
        g_string_append (w->s, "  ");
    }
  g_string_append_c (w->s, c);
}

static void
w_key (Writer *w, const char *key)
{
  w_sep (w);
  ft_json_append_string (w->s, key);
  g_string_append (w->s, ": ");
}

static void
w_str (Writer *w, const char *key, const char *v)
{
  w_key (w, key);
  ft_json_append_string (w->s, v);
}

static void
w_int (Writer *w, const char *key, int64_t v)
{
  w_key (w, key);
  g_string_append_printf (w->s, "%" G_GINT64_FORMAT, v);
}

static void
w_bool (Writer *w, const char *key, bool v)
{
  w_key (w, key);
  g_string_append (w->s, v ? "true" : "false");
}

static void
w_null (Writer *w, const char *key)
{
  w_key (w, key);
  g_string_append (w->s, "null");
}

static void
append_number (GString *s, double v, bool as_float)
{
  if (!isfinite (v))
    {
      g_string_append (s, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  ft_format_shortest (buf, sizeof buf, v, as_float);
  g_string_append (s, buf);
}

static void
w_float (Writer *w, const char *key, float v)
{
  w_key (w, key);
  append_number (w->s, v, true);
}

static void
w_double (Writer *w, const char *key, double v)
{
  w_key (w, key);
  append_number (w->s, v, false);
}

static void
w_pair (Writer *w, const char *key, const int *v)
{
  w_key (w, key);
  if (v[0] == v[1])
    g_string_append_printf (w->s, "%d", v[0]);
  else
    g_string_append_printf (w->s, "[%d, %d]", v[0], v[1]);
}

static const char *
dataset_name (const FtDataSpec *d)
{
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      return ft_playground_name (d->playground);
    case FT_DATA_CSV:
      return "csv";
    case FT_DATA_IDX:
      return d->path[0] == '\0' ? "fashion_mnist" : "idx";
    }
  return "?";
}

static void
write_dataset (Writer *w, const FtDataSpec *d)
{
  w_key (w, "dataset");
  w_open (w, '{', true);
  w_str (w, "name", dataset_name (d));
  switch (d->source)
    {
    case FT_DATA_PLAYGROUND:
      w_int (w, "samples", d->samples);
      w_float (w, "noise", d->noise);
      w_int (w, "test_samples", d->test_samples);
      if (d->has_seed)
        w_int (w, "seed", (int64_t) d->seed);
      break;
    case FT_DATA_CSV:
      w_str (w, "path", d->path);
      w_str (w, "label", d->label_column);
      if (d->test_path[0] != '\0')
        w_str (w, "test_path", d->test_path);
      break;
    case FT_DATA_IDX:
      if (d->path[0] != '\0')
        w_str (w, "path", d->path);
      break;
    }
  if (d->limit > 0)
    w_int (w, "limit", d->limit);
  if (d->features != 0)
    {
      w_key (w, "features");
      w_open (w, '[', true);
      for (int i = 0; i < FT_N_FEATURES; i++)
        if (d->features & (1u << i))
          {
            w_sep (w);
            ft_json_append_string (w->s, ft_feature_name (i));
          }
      w_close (w, ']');
    }
  if (d->n_points > 0)
    {
      w_key (w, "points");
      w_open (w, '[', true);
      for (uint32_t i = 0; i < d->n_points; i++)
        {
          w_sep (w);
          g_string_append_c (w->s, '[');
          append_number (w->s, d->points[i].x, true);
          g_string_append (w->s, ", ");
          append_number (w->s, d->points[i].y, true);
          g_string_append_printf (w->s, ", %d]", d->points[i].label);
        }
      w_close (w, ']');
    }
  w_close (w, '}');
}

/* The parameters of a kind that are not at their default (or always written), clipping ones last. */
static void
write_params (Writer *w, const FtKindInfo *kind, const void *spec)
{
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < kind->n_params; i++)
      {
        const FtParam *p = &kind->params[i];
        const void *f = ft_param_cptr (p, spec);
        if (((p->flags & FT_PARAM_UI_CLIPPING) != 0) != (pass == 1))
          continue;
        if (!(p->flags & FT_PARAM_WRITE_ALWAYS) && ft_param_is_default (p, spec))
          continue;
        switch (p->type)
          {
          case FT_PARAM_FLOAT:
            w_float (w, p->key, *(const float *) f);
            break;
          case FT_PARAM_INT:
            if ((p->flags & FT_PARAM_ZERO_IS_EPOCH) && *(const int *) f == 0)
              w_str (w, p->key, "epoch");
            else
              w_int (w, p->key, *(const int *) f);
            break;
          case FT_PARAM_BOOL:
            w_bool (w, p->key, *(const bool *) f);
            break;
          case FT_PARAM_DOUBLE:
            if ((p->flags & FT_PARAM_ZERO_IS_NONE) && *(const double *) f == 0.0)
              w_null (w, p->key);
            else
              w_double (w, p->key, *(const double *) f);
            break;
          case FT_PARAM_OPTIONAL:
            if (*(const bool *) ft_param_cptr_at (p->has_offset, spec))
              w_double (w, p->key, *(const double *) f);
            else
              w_null (w, p->key);
            break;
          case FT_PARAM_STRING:
            w_str (w, p->key, f);
            break;
          case FT_PARAM_CHAR:
            w_str (w, p->key, (const char[]){ *(const char *) f, '\0' });
            break;
          case FT_PARAM_CHOICE:
            {
              int v = *(const int *) f;
              w_str (w, p->key, v >= 0 && v < ft_param_n_choices (p) ? p->choices[v] : "?");
              break;
            }
          case FT_PARAM_PAIR:
            w_pair (w, p->key, f);
            break;
          case FT_PARAM_PADDING:
            w_str (w, p->key, ft_padding_names[*(const FtPadding *) f == FT_PADDING_SAME]);
            break;
          case FT_PARAM_ACTIVATION:
            w_str (w, p->key, ft_activation_name (*(const FtActivation *) f));
            break;
          case FT_PARAM_INITIALIZER:
            w_str (w, p->key, ft_initializer_name (*(const FtInitializer *) f));
            break;
          case FT_PARAM_L2:
            w_key (w, p->key);
            w_open (w, '{', true);
            if (((const float *) f)[1] != 0.0f)
              w_float (w, "l1", ((const float *) f)[1]);
            if (((const float *) f)[0] != 0.0f)
              w_float (w, "l2", ((const float *) f)[0]);
            w_close (w, '}');
            break;
          case FT_PARAM_KERAS_CONST:
          case FT_N_PARAM_TYPES:
            break;
          }
      }
}

static void
write_layer (Writer *w, const FtLayerSpec *l)
{
  w_sep (w);
  w_open (w, '{', true);
  w_str (w, "type", ft_layer_kind_name (l->kind));
  write_params (w, ft_layer_kind_info (l->kind), l);
  w_close (w, '}');
}

static void
write_optimizer (Writer *w, const FtOptimizerSpec *o)
{
  w_key (w, "optimizer");
  w_open (w, '{', true);
  w_str (w, "name", ft_experiment_optimizer_name (o->kind));
  write_params (w, ft_optimizer_kind_info (o->kind), o);
  w_close (w, '}');
}

static void
write_fit (Writer *w, const FtFitArgs *f)
{
  w_key (w, "fit");
  w_open (w, '{', true);
  w_int (w, "epochs", f->epochs);
  w_int (w, "batch_size", f->batch_size);
  w_bool (w, "shuffle", f->shuffle);
  w_double (w, "validation_split", f->validation_split);
  w_int (w, "initial_epoch", f->initial_epoch);
  w_int (w, "validation_freq", f->validation_freq);
  if (f->steps_per_epoch > 0)
    w_int (w, "steps_per_epoch", f->steps_per_epoch);
  if (f->class_weight != NULL && f->n_class_weight > 0)
    {
      w_key (w, "class_weight");
      w_open (w, '{', true);
      for (int i = 0; i < f->n_class_weight; i++)
        {
          char key[16];
          g_snprintf (key, sizeof key, "%d", i);
          w_float (w, key, f->class_weight[i]);
        }
      w_close (w, '}');
    }
  w_close (w, '}');
}

static void
write_callback (Writer *w, const FtCallbackSpec *cb)
{
  w_sep (w);
  w_open (w, '{', true);
  w_str (w, "type", ft_callback_kind_name (cb->kind));
  write_params (w, ft_callback_kind_info (cb->kind), cb);
  w_close (w, '}');
}

/* "model": the input shape and the layers. */
static void
write_model (Writer *w, const FtExperiment *e)
{
  w_key (w, "model");
  w_open (w, '{', false);
  if (e->input_ndim > 0)
    {
      w_key (w, "input_shape");
      w_open (w, '[', true);
      for (int i = 0; i < e->input_ndim && i < 3; i++)
        {
          w_sep (w);
          g_string_append_printf (w->s, "%d", e->input_shape[i]);
        }
      w_close (w, ']');
    }
  w_key (w, "layers");
  w_open (w, '[', false);
  for (int i = 0; i < e->n_layers; i++)
    write_layer (w, &e->layers[i]);
  w_close (w, ']');
  w_close (w, '}');
}

/* "compile": the optimizer, the loss (by name, or as an object when a parameter is not at its default) and
 * the metrics. */
static void
write_compile (Writer *w, const FtExperiment *e)
{
  w_key (w, "compile");
  w_open (w, '{', false);
  write_optimizer (w, &e->compile.optimizer);
  /* The loss by name, or as an object when a parameter is not at its default. */
  const FtKindInfo *loss_kind = ft_loss_kind_info (e->compile.loss.kind);
  if (!ft_params_equal (loss_kind, &e->compile.loss, &(FtLossSpec){ .kind = e->compile.loss.kind }))
    {
      w_key (w, "loss");
      w_open (w, '{', true);
      w_str (w, "name", ft_loss_name (e->compile.loss.kind));
      write_params (w, loss_kind, &e->compile.loss);
      w_close (w, '}');
    }
  else
    w_str (w, "loss", ft_loss_name (e->compile.loss.kind));
  w_key (w, "metrics");
  w_open (w, '[', true);
  for (int i = 0; i < e->compile.n_metrics; i++)
    {
      w_sep (w);
      ft_json_append_string (w->s, e->compile.metrics[i]);
    }
  w_close (w, ']');
  if (e->compile.n_weighted_metrics > 0)
    {
      w_key (w, "weighted_metrics");
      w_open (w, '[', true);
      for (int i = 0; i < e->compile.n_weighted_metrics; i++)
        {
          w_sep (w);
          ft_json_append_string (w->s, e->compile.weighted_metrics[i]);
        }
      w_close (w, ']');
    }
  w_close (w, '}');
}

/* "tape_loop": the loop's steps and pitfalls, when the mode uses them or they are not the defaults. */
static void
write_tape_loop (Writer *w, const FtExperiment *e)
{
  FtLoopSteps all = ft_loop_steps_all ();
  FtLoopSteps steps = e->steps;
  bool steps_default = true;
  for (int i = 0; i < ft_loop_n_steps (); i++)
    if (*ft_loop_step_flag (&steps, i) != *ft_loop_step_flag (&all, i))
      steps_default = false;
  if (ft_pitfalls_any (&steps.pitfalls))
    steps_default = false;
  if (e->mode != FT_MODE_FIT || !steps_default)
    {
      w_key (w, "tape_loop");
      w_open (w, '{', true);
      for (int i = 0; i < ft_loop_n_steps (); i++)
        w_bool (w, ft_loop_step_name (i), *ft_loop_step_flag (&steps, i));
      if (ft_pitfalls_any (&steps.pitfalls))
        {
          w_key (w, "pitfalls");
          w_open (w, '[', false);
          for (int i = 0; i < FT_N_PITFALLS; i++)
            if (steps.pitfalls.on[i])
              {
                w_sep (w);
                ft_json_append_string (w->s, ft_pitfall_name ((FtPitfall) i));
              }
          w_close (w, ']');
        }
      w_close (w, '}');
    }
}

char *
ft_experiment_to_json (const FtExperiment *e)
{
  g_return_val_if_fail (e != NULL, NULL);
  Writer wr = { .s = g_string_new (NULL) };
  Writer *w = &wr;
  w_open (w, '{', false);
  if (e->title != NULL)
    w_str (w, "title", e->title);
  if (e->notes != NULL)
    w_str (w, "notes", e->notes);
  if (e->hide != NULL && e->hide[0] != NULL)
    {
      w_key (w, "hide");
      w_open (w, '[', true);
      for (int i = 0; e->hide[i] != NULL; i++)
        {
          w_sep (w);
          ft_json_append_string (w->s, e->hide[i]);
        }
      w_close (w, ']');
    }
  if (e->view[0] != '\0')
    w_str (w, "view", e->view);
  w_int (w, "seed", (int64_t) e->seed);
  write_dataset (w, &e->data);

  write_model (w, e);
  write_compile (w, e);
  w_str (w, "mode", ft_run_mode_name (e->mode));
  write_fit (w, &e->fit);

  write_tape_loop (w, e);
  if (e->n_callbacks > 0)
    {
      w_key (w, "callbacks");
      w_open (w, '[', false);
      for (int i = 0; i < e->n_callbacks; i++)
        write_callback (w, &e->callbacks[i]);
      w_close (w, ']');
    }
  w_close (w, '}');
  g_string_append_c (w->s, '\n');
  return g_string_free (w->s, FALSE);
}

bool
ft_experiment_save (const FtExperiment *e, const char *path, GError **error)
{
  g_return_val_if_fail (e != NULL && path != NULL, false);
  g_return_val_if_fail (error == NULL || *error == NULL, false);
  char *json = ft_experiment_to_json (e);
  /* Written to a temporary file in the same directory, flushed, then renamed over path. */
  bool ok = g_file_set_contents_full (path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0666, error);
  g_free (json);
  return ok;
}

static char *
experiment_to_json (void *exp)
{
  return ft_experiment_to_json (exp);
}

FtExperimentSource
ft_experiment_source (const FtExperiment *exp)
{
  return (FtExperimentSource){ experiment_to_json, (void *) exp };
}
