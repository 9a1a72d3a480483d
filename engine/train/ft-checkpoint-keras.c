/* ft-checkpoint-keras.c — the Keras side of a checkpoint: the model's and the training's configs as
 * Keras 3 writes them into a legacy .h5 file (layers, initializers, regularizers, optimizer, loss), built
 * from the kinds' descriptor tables. */
#include "core/ft-error.h"
#include "core/ft-format.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"
#include "train/ft-checkpoint-guard.h"
#include "train/ft-checkpoint-private.h"
#include "train/ft-checkpoint.h"
#include "train/ft-h5-image.h"
#include "train/ft-h5-safety.h"

#include "core/ft-tape.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Keras names and configs                                                                           */

const char *
ft_ckpt_keras_optimizer_name (FtOptimizerKind kind)
{
  /* The optimizers' default `name` arguments in keras/src/optimizers/. */
  return ft_optimizer_kind_info (kind)->keras_name;
}

/* A float as Python would print the value the user typed: the shortest decimal that reads back as the
 * same float32, always with a '.' or an exponent so that json gives a Python float. Locale-independent. */
static void
json_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (s, ft_format_shortest (buf, sizeof buf, v, true));
  if (strpbrk (buf, ".eEni") == NULL)
    g_string_append (s, ".0");
}

static void
json_key (GString *s, const char *key)
{
  g_string_append (s, ", ");
  ft_json_append_string (s, key);
  g_string_append (s, ": ");
}

static void
json_pair (GString *s, int a, int b)
{
  g_string_append_printf (s, "[%d, %d]", a, b);
}

static void
json_batch_shape (GString *s, const FtModel *model)
{
  int ndim, shape[FT_MAX_DIMS];
  ft_model_input_shape (model, &ndim, shape);
  g_string_append (s, "[null");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, ", %d", shape[i]);
  g_string_append_c (s, ']');
}

/* An object serialized as serialization_lib.serialize_keras_object does for built-ins. */
static void
json_keras_object (GString *s, const char *module, const char *class_name, const char *config)
{
  g_string_append (s, "{\"module\": ");
  ft_json_append_string (s, module);
  g_string_append (s, ", \"class_name\": ");
  ft_json_append_string (s, class_name);
  g_string_append_printf (s, ", \"config\": %s, \"registered_name\": null}", config);
}

static void
json_initializer (GString *s, FtInitializer init)
{
  switch (init)
    {
    case FT_INIT_GLOROT_UNIFORM:
      json_keras_object (s, "keras.initializers", "GlorotUniform", "{\"seed\": null}");
      break;
    case FT_INIT_GLOROT_NORMAL:
      json_keras_object (s, "keras.initializers", "GlorotNormal", "{\"seed\": null}");
      break;
    case FT_INIT_HE_NORMAL:
      json_keras_object (s, "keras.initializers", "HeNormal", "{\"seed\": null}");
      break;
    case FT_INIT_HE_UNIFORM:
      json_keras_object (s, "keras.initializers", "HeUniform", "{\"seed\": null}");
      break;
    case FT_INIT_ONES:
      json_keras_object (s, "keras.initializers", "Ones", "{}");
      break;
    case FT_INIT_ZEROS:
    case FT_N_INITIALIZERS:
      json_keras_object (s, "keras.initializers", "Zeros", "{}");
      break;
    }
}

/* Keras' L1, L2 or L1L2 (both factors) as saved in a layer's config. */
static void
json_kernel_regularizer (GString *s, float l1, float l2)
{
  if (l2 <= 0.0f && l1 <= 0.0f)
    {
      g_string_append (s, "null");
      return;
    }
  GString *cfg = g_string_new ("{");
  if (l1 > 0.0f)
    {
      g_string_append (cfg, "\"l1\": ");
      json_float (cfg, l1);
    }
  if (l2 > 0.0f)
    {
      g_string_append (cfg, l1 > 0.0f ? ", \"l2\": " : "\"l2\": ");
      json_float (cfg, l2);
    }
  g_string_append_c (cfg, '}');
  json_keras_object (s, "keras.regularizers",
                     l1 > 0.0f && l2 > 0.0f ? "L1L2"
                     : l1 > 0.0f            ? "L1"
                                            : "L2",
                     cfg->str);
  g_string_free (cfg, TRUE);
}

static const char *
padding_name (FtPadding p)
{
  return p == FT_PADDING_SAME ? "same" : "valid";
}

/* The entries of a get_config() that the kind's table describes, in its order: ", \"key\": value". */
static void
json_params (GString *s, const FtKindInfo *kind, const void *spec)
{
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      const void *f = ft_param_cptr (p, spec);
      json_key (s, p->key);
      switch (p->type)
        {
        case FT_PARAM_FLOAT:
          if ((p->flags & FT_PARAM_ZERO_IS_NONE) && *(const float *) f == 0.0f)
            g_string_append (s, "null");
          else
            json_float (s, *(const float *) f);
          break;
        case FT_PARAM_INT:
          g_string_append_printf (s, "%d", *(const int *) f);
          break;
        case FT_PARAM_BOOL:
          g_string_append (s, *(const bool *) f ? "true" : "false");
          break;
        case FT_PARAM_PAIR:
          json_pair (s, ((const int *) f)[0], ((const int *) f)[1]);
          break;
        case FT_PARAM_PADDING:
          ft_json_append_string (s, padding_name (*(const FtPadding *) f));
          break;
        case FT_PARAM_ACTIVATION:
          ft_json_append_string (s, ft_activation_name (*(const FtActivation *) f));
          break;
        case FT_PARAM_INITIALIZER:
          json_initializer (s, *(const FtInitializer *) f);
          break;
        case FT_PARAM_L2:
          json_kernel_regularizer (s, ((const float *) f)[1], ((const float *) f)[0]); /* L1 follows L2 */
          break;
        case FT_PARAM_KERAS_CONST:
          g_string_append (s, p->keras);
          break;
        case FT_PARAM_DOUBLE:
        case FT_PARAM_OPTIONAL:
          if (ft_param_is_default (p, spec) && p->type == FT_PARAM_OPTIONAL)
            g_string_append (s, "null");
          else
            g_string_append_printf (s, "%.17g", ft_param_get_number (p, spec));
          break;
        case FT_PARAM_STRING:
          ft_json_append_string (s, f);
          break;
        case FT_PARAM_CHAR:
          ft_json_append_string (s, (const char[]){ *(const char *) f, '\0' });
          break;
        case FT_PARAM_CHOICE:
          ft_json_append_string (s, p->choices[*(const int *) f]);
          break;
        case FT_N_PARAM_TYPES:
          g_assert_not_reached ();
        }
    }
}

/* One layer as legacy_serialization.serialize_keras_object gives it: {"class_name", "config"}, the config
 * being the layer's get_config() (base keys name, trainable, dtype first; pooling strides resolved). */
static void
json_layer (GString *s, const FtLayerSpec *spec, const char *name)
{
  FtLayerSpec resolved = ft_layer_spec_resolved (spec);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, ft_layer_kind_name (spec->kind));
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, name);
  g_string_append (s, ", \"trainable\": true, \"dtype\": \"float32\"");
  json_params (s, ft_layer_kind_info (spec->kind), &resolved);
  g_string_append (s, "}}");
}

/* {"class_name": "Sequential", "config": {...}} as saving_utils.model_metadata writes it. */
char *
ft_ckpt_model_config_json (const FtModel *model)
{
  GString *s = g_string_new ("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"" MODEL_NAME "\", "
                             "\"trainable\": true, \"dtype\": \"float32\", \"layers\": [");
  g_string_append (s, "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, ", \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"}}");
  for (int i = 0; i < ft_model_n_layers (model); i++)
    {
      g_string_append (s, ", ");
      json_layer (s, ft_model_layer_spec (model, i), ft_model_layer_name (model, i));
    }
  g_string_append (s, "], \"build_input_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, "}}");
  return g_string_free (s, FALSE);
}

/* The optimizer's get_config(), with the learning rate it has now. */
static void
json_optimizer_config (GString *s, const FtOptimizer *opt)
{
  FtOptimizerSpec spec = *ft_optimizer_spec (opt);
  spec.learning_rate = ft_optimizer_get_learning_rate (opt);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, ft_optimizer_kind_name (spec.kind));
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, ft_ckpt_keras_optimizer_name (spec.kind));
  json_params (s, ft_optimizer_kind_info (spec.kind), &spec);
  g_string_append (s, "}}");
}

/* The loss object's legacy serialization (compile() with a loss instance, as FitTape's spec carries
 * from_logits). */
static void
json_loss (GString *s, const FtLossSpec *loss)
{
  if ((unsigned) loss->kind >= FT_N_LOSSES)
    {
      g_string_append (s, "null");
      return;
    }
  const FtKindInfo *kind = ft_loss_kind_info (loss->kind);
  g_string_append (s, "{\"class_name\": ");
  ft_json_append_string (s, kind->name);
  g_string_append (s, ", \"config\": {\"name\": ");
  ft_json_append_string (s, kind->keras_name);
  json_params (s, kind, loss);
  g_string_append (s, "}}");
}

/* model._compile_config without the optimizer, plus optimizer_config (saving_utils.model_metadata). */
char *
ft_ckpt_training_config_json (FtTrainer *trainer)
{
  const FtCompileSpec *spec = ft_trainer_compile_spec (trainer);
  GString *s = g_string_new ("{\"loss\": ");
  json_loss (s, &spec->loss);
  g_string_append (s, ", \"loss_weights\": null, \"metrics\": [");
  for (int i = 0; i < spec->n_metrics; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      ft_json_append_string (s, spec->metrics[i]);
    }
  g_string_append (s, "], \"weighted_metrics\": null, \"run_eagerly\": false, \"steps_per_execution\": 1, "
                      "\"jit_compile\": false, \"optimizer_config\": ");
  json_optimizer_config (s, ft_trainer_optimizer (trainer));
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}
