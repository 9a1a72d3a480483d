/* ft-checkpoint-keras.c — the Keras 3 configs of a model and its training (layers, initializers,
 * regularizers, optimizer, loss) built from the kinds' descriptor tables (see ft-checkpoint-keras.h), for a
 * checkpoint's legacy .h5 attributes and for a .keras file's config.json alike. */
#include "train/ft-checkpoint-keras.h"

#include "core/ft-format.h"
#include "train/ft-checkpoint-private.h"

#include <string.h>

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

/* A shape with its batch axis: [null, h, w, c]. */
static void
json_shape (GString *s, int ndim, const int *shape)
{
  g_string_append (s, "[null");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, ", %d", shape[i]);
  g_string_append_c (s, ']');
}

static void
json_batch_shape (GString *s, const FtModel *model)
{
  int ndim, shape[FT_MAX_DIMS];
  ft_model_input_shape (model, &ndim, shape);
  json_shape (s, ndim, shape);
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

/* keras.initializers' class of each initializer, and whether its config has a seed. */
static const struct
{
  const char *cls;
  bool seeded;
} initializer_classes[] = {
  [FT_INIT_GLOROT_UNIFORM] = { "GlorotUniform", true },
  [FT_INIT_GLOROT_NORMAL] = { "GlorotNormal", true },
  [FT_INIT_HE_NORMAL] = { "HeNormal", true },
  [FT_INIT_HE_UNIFORM] = { "HeUniform", true },
  [FT_INIT_ZEROS] = { "Zeros", false },
  [FT_INIT_ONES] = { "Ones", false },
};
G_STATIC_ASSERT (G_N_ELEMENTS (initializer_classes) == FT_N_INITIALIZERS);

bool
ft_keras_initializer_from_class (const char *cls, FtInitializer *init)
{
  for (int i = 0; i < FT_N_INITIALIZERS; i++)
    if (strcmp (cls, initializer_classes[i].cls) == 0)
      {
        *init = (FtInitializer) i;
        return true;
      }
  return false;
}

static void
json_initializer (GString *s, FtInitializer init)
{
  if ((unsigned) init >= FT_N_INITIALIZERS)
    init = FT_INIT_ZEROS;
  json_keras_object (s, "keras.initializers", initializer_classes[init].cls,
                     initializer_classes[init].seeded ? "{\"seed\": null}" : "{}");
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
          ft_layer_regularizer_keras_json (s, ((const float *) f)[1],
                                           ((const float *) f)[0]); /* L1 follows L2 */
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

/* The start of a serialised object up to its config: {"class_name": …, "config": (legacy) or {"module": …,
 * "class_name": …, "config": (serialization_lib). */
static void
object_open (GString *s, FtKerasStyle style, const char *module, const char *class_name)
{
  g_string_append (s, "{");
  if (style == FT_KERAS_SAVING_LIB)
    {
      g_string_append (s, "\"module\": ");
      ft_json_append_string (s, module);
      g_string_append (s, ", ");
    }
  g_string_append (s, "\"class_name\": ");
  ft_json_append_string (s, class_name);
  g_string_append (s, ", \"config\": ");
}

/* Its end, after the config: serialization_lib adds registered_name. */
static void
object_close (GString *s, FtKerasStyle style)
{
  if (style == FT_KERAS_SAVING_LIB)
    g_string_append (s, ", \"registered_name\": null");
  g_string_append (s, "}");
}

/* {"name": …, then the table's entries after `base` ("" or the base keys). */
static void
kind_config (GString *s, const char *name, const char *base, const FtKindInfo *kind, const void *spec)
{
  g_string_append (s, "{\"name\": ");
  ft_json_append_string (s, name);
  g_string_append (s, base);
  json_params (s, kind, spec);
  g_string_append (s, "}");
}

/* One layer: its get_config() (base keys name, trainable, dtype first; pooling strides resolved) and, in
 * a .keras file, its build_config (the input shape it was built for). */
static void
json_layer (GString *s, FtKerasStyle style, const FtModel *model, int i)
{
  const FtLayerSpec *spec = ft_model_layer_spec (model, i);
  FtLayerSpec resolved = ft_layer_spec_resolved (spec);
  object_open (s, style, "keras.layers", ft_layer_kind_name (spec->kind));
  kind_config (s, ft_model_layer_name (model, i), ", \"trainable\": true, \"dtype\": \"float32\"",
               ft_layer_kind_info (spec->kind), &resolved);
  if (style == FT_KERAS_SAVING_LIB)
    {
      int ndim, shape[FT_MAX_DIMS];
      if (i == 0)
        ft_model_input_shape (model, &ndim, shape);
      else
        ft_model_layer_output_shape (model, i - 1, &ndim, shape);
      g_string_append (s, ", \"registered_name\": null, \"build_config\": {\"input_shape\": ");
      json_shape (s, ndim, shape);
      g_string_append (s, "}}");
    }
  else
    object_close (s, style);
}

char *
ft_keras_model_config_json (FtKerasStyle style, const FtModel *model, FtTrainer *compiled)
{
  GString *s = g_string_new (NULL);
  object_open (s, style, "keras", "Sequential");
  g_string_append (s, "{\"name\": \"" MODEL_NAME "\", \"trainable\": true, \"dtype\": \"float32\", "
                      "\"layers\": [");
  object_open (s, style, "keras.layers", "InputLayer");
  g_string_append (s, "{\"batch_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, ", \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"}");
  object_close (s, style);
  for (int i = 0; i < ft_model_n_layers (model); i++)
    {
      g_string_append (s, ", ");
      json_layer (s, style, model, i);
    }
  if (style == FT_KERAS_LEGACY)
    {
      g_string_append (s, "], \"build_input_shape\": ");
      json_batch_shape (s, model);
      g_string_append (s, "}}");
      return g_string_free (s, FALSE);
    }
  g_string_append (s, "]}, \"registered_name\": null, \"build_config\": {\"input_shape\": ");
  json_batch_shape (s, model);
  g_string_append (s, "}");
  if (compiled != NULL)
    {
      g_string_append (s, ", \"compile_config\": ");
      ft_keras_compile_config_json (s, style, compiled);
    }
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

/* {"class_name": "Sequential", "config": {...}} as saving_utils.model_metadata writes it. */
char *
ft_ckpt_model_config_json (const FtModel *model)
{
  return ft_keras_model_config_json (FT_KERAS_LEGACY, model, NULL);
}

/* The optimizer's get_config(), with the learning rate it has now. */
static void
json_optimizer_config (GString *s, FtKerasStyle style, const FtOptimizer *opt)
{
  FtOptimizerSpec spec = *ft_optimizer_spec (opt);
  spec.learning_rate = ft_optimizer_get_learning_rate (opt);
  object_open (s, style, "keras.optimizers", ft_optimizer_kind_name (spec.kind));
  kind_config (s, ft_ckpt_keras_optimizer_name (spec.kind), "", ft_optimizer_kind_info (spec.kind), &spec);
  object_close (s, style);
}

/* The loss object's serialization (compile() with a loss instance, as FitTape's spec carries
 * from_logits). */
static void
json_loss (GString *s, FtKerasStyle style, const FtLossSpec *loss)
{
  if ((unsigned) loss->kind >= FT_N_LOSSES)
    {
      g_string_append (s, "null");
      return;
    }
  const FtKindInfo *kind = ft_loss_kind_info (loss->kind);
  object_open (s, style, "keras.losses", kind->name);
  kind_config (s, kind->keras_name, "", kind, loss);
  object_close (s, style);
}

void
ft_keras_compile_config_json (GString *s, FtKerasStyle style, FtTrainer *trainer)
{
  const FtCompileSpec *spec = ft_trainer_compile_spec (trainer);
  g_string_append (s, "{");
  if (style == FT_KERAS_SAVING_LIB)
    {
      g_string_append (s, "\"optimizer\": ");
      json_optimizer_config (s, style, ft_trainer_optimizer (trainer));
      g_string_append (s, ", ");
    }
  g_string_append (s, "\"loss\": ");
  json_loss (s, style, &spec->loss);
  g_string_append (s, ", \"loss_weights\": null, \"metrics\": [");
  for (int i = 0; i < spec->n_metrics; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      ft_json_append_string (s, spec->metrics[i]);
    }
  g_string_append (s, "], \"weighted_metrics\": null, \"run_eagerly\": false, \"steps_per_execution\": 1, "
                      "\"jit_compile\": false");
  if (style == FT_KERAS_LEGACY)
    {
      g_string_append (s, ", \"optimizer_config\": ");
      json_optimizer_config (s, style, ft_trainer_optimizer (trainer));
    }
  g_string_append (s, "}");
}

/* model._compile_config without the optimizer, plus optimizer_config (saving_utils.model_metadata). */
char *
ft_ckpt_training_config_json (FtTrainer *trainer)
{
  GString *s = g_string_new (NULL);
  ft_keras_compile_config_json (s, FT_KERAS_LEGACY, trainer);
  return g_string_free (s, FALSE);
}
