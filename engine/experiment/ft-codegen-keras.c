/* ft-codegen-keras.c — the Keras objects of a generated script as constructor calls written from the kind
 * tables (core/ft-param.h): the keras.Sequential model, the optimizer, the loss and the callbacks, with
 * each argument only where it differs from Keras' default. */
#include "experiment/ft-codegen-private.h"

/* The experiment's first callback of a kind, or NULL. */
const FtCallbackSpec *
ft_codegen_first_callback (const FtExperiment *e, FtCallbackKind kind)
{
  for (int i = 0; i < e->n_callbacks; i++)
    if (e->callbacks[i].kind == kind)
      return &e->callbacks[i];
  return NULL;
}

bool
ft_codegen_has_callback (const FtExperiment *e, FtCallbackKind kind)
{
  return ft_codegen_first_callback (e, kind) != NULL;
}

/* The emitters hold the Python text as it will read; clang-format would split its lines. */
/* clang-format off */

/* ------------------------------------------------------------------------------------------------ */
/* Model, optimizer, loss */

/* A kind's arguments from its table: positional ones bare, the others as keyword=value, each only when
 * not at its default unless the table says always; clipping arguments last. */
/* A parameter's value as Python source (kept by the writer); NULL for a Keras constant. */
static const char *
param_value (FtCodegen *g, const FtParam *p, const void *spec)
{
  FtPyWriter *w = &g->w;
  const void *f = ft_param_cptr (p, spec);
  const char *value = NULL;
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
      value = ft_py_float (w, *(const float *) f);
      break;
    case FT_PARAM_INT:
      value = ft_py_keep (w, g_strdup_printf ("%d", *(const int *) f));
      break;
    case FT_PARAM_BOOL:
      value = ft_py_bool (*(const bool *) f);
      break;
    case FT_PARAM_PAIR:
      {
        const int *v = f;
        if ((p->flags & FT_PARAM_POSITIONAL) && v[0] == v[1])
          value = ft_py_keep (w, g_strdup_printf ("%d", v[0]));
        else
          value = ft_py_keep (w, g_strdup_printf ("(%d, %d)", v[0], v[1]));
        break;
      }
    case FT_PARAM_PADDING:
      value = *(const FtPadding *) f == FT_PADDING_SAME ? "\"same\"" : "\"valid\"";
      break;
    case FT_PARAM_ACTIVATION:
      value = ft_py_keep (w, g_strdup_printf ("\"%s\"", ft_activation_name (*(const FtActivation *) f)));
      break;
    case FT_PARAM_INITIALIZER:
      value = ft_py_keep (w, g_strdup_printf ("\"%s\"", ft_initializer_name (*(const FtInitializer *) f)));
      break;
    case FT_PARAM_L2: /* L2 factor, then L1 factor */
      {
        float l2 = ((const float *) f)[0], l1 = ((const float *) f)[1];
        if (l1 > 0 && l2 > 0)
          value = ft_py_keep (w, g_strdup_printf ("keras.regularizers.L1L2(l1=%s, l2=%s)", ft_py_float (w, l1),
                                                  ft_py_float (w, l2)));
        else if (l1 > 0)
          value = ft_py_keep (w, g_strdup_printf ("keras.regularizers.L1(%s)", ft_py_float (w, l1)));
        else
          value = ft_py_keep (w, g_strdup_printf ("keras.regularizers.L2(%s)", ft_py_float (w, l2)));
        break;
      }
    case FT_PARAM_DOUBLE:
      value = ft_py_double (w, *(const double *) f);
      break;
    case FT_PARAM_OPTIONAL:
      value = ft_py_double (w, *(const double *) f); /* not at its default: set */
      break;
    case FT_PARAM_STRING:
      value = ft_py_str (w, f);
      break;
    case FT_PARAM_CHAR:
      value = ft_py_str (w, (const char[]) { *(const char *) f, '\0' });
      break;
    case FT_PARAM_CHOICE:
      {
        int v = *(const int *) f;
        value = ft_py_keep (w, g_strdup_printf ("\"%s\"", v >= 0 && v < ft_param_n_choices (p) ? p->choices[v] : "?"));
        break;
      }
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      return NULL;
    }
  return value;
}

static void
param_args (FtCodegen *g, const FtKindInfo *kind, const void *spec, GPtrArray *args)
{
  FtPyWriter *w = &g->w;
#define ARG(...) g_ptr_array_add (args, (gpointer) ft_py_keep (w, g_strdup_printf (__VA_ARGS__)))
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < kind->n_params; i++)
      {
        const FtParam *p = &kind->params[i];
        if (((p->flags & FT_PARAM_UI_CLIPPING) != 0) != (pass == 1) || p->type == FT_PARAM_KERAS_CONST
            || (p->flags & FT_PARAM_NOT_KERAS))
          continue;
        if (!(p->flags & FT_PARAM_CODE_ALWAYS) && ft_param_is_default (p, spec))
          continue;
        const char *value = param_value (g, p, spec);
        if (value == NULL)
          continue;
        if (p->flags & FT_PARAM_POSITIONAL)
          ARG ("%s", value);
        else
          ARG ("%s=%s", p->key, value);
      }
#undef ARG
}

static const char *
kind_code (FtCodegen *g, const char *module, const FtKindInfo *kind, const void *spec)
{
  GPtrArray *args = g_ptr_array_new ();
  param_args (g, kind, spec, args);
  g_ptr_array_add (args, NULL);
  char *joined = g_strjoinv (", ", (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  const char *code = ft_py_keep (&g->w, g_strdup_printf ("keras.%s.%s(%s)", module, kind->name, joined));
  g_free (joined);
  return code;
}

static const char *
layer_code (FtCodegen *g, const FtLayerSpec *l)
{
  return kind_code (g, "layers", ft_layer_kind_info (l->kind), l);
}

void
ft_codegen_emit_model (FtCodegen *g)
{
  FtPyWriter *w = &g->w;
  const FtExperiment *e = g->e;
  ft_py_begin (w, FT_CODE_DEFINE_MODEL);
  ft_py_line (w, "# ---- 1. Define the model ----");
  ft_py_line (w, "model = keras.Sequential(");
  ft_py_line (w, "    [");
  if (e->input_ndim > 0 || g->data_shape_known)
    ft_py_line (w, "        keras.Input(shape=%s),", ft_py_tuple (w, g->input_ndim, g->input_shape));
  else
    ft_py_line (w, "        keras.Input(shape=x_train.shape[1:]),");
  for (int i = 0; i < e->n_layers; i++)
    ft_py_code (w, ft_py_keep (w, g_strdup_printf ("        %s,", layer_code (g, &e->layers[i]))));
  ft_py_line (w, "    ]");
  ft_py_line (w, ")");
  ft_py_line (w, "model.summary()");
  if (g->options != NULL && g->options->replay)
    {
      ft_py_line (w, "import fittape_replay  # fittape-cli certify: FitTape's initial weights, samples and data order");
      ft_py_line (w, "fittape_replay.install(model, globals())");
    }
  ft_py_end (w, FT_CODE_DEFINE_MODEL);
  ft_py_blank (w);
}

const char *
ft_codegen_optimizer_code (FtCodegen *g)
{
  const FtOptimizerSpec *o = &g->e->compile.optimizer;
  return kind_code (g, "optimizers", ft_optimizer_kind_info (o->kind), o);
}

const char *
ft_codegen_loss_code (FtCodegen *g)
{
  const FtLossSpec *l = &g->e->compile.loss;
  return kind_code (g, "losses", ft_loss_kind_info (l->kind), l);
}

/* ------------------------------------------------------------------------------------------------ */
/* Callbacks */

/* Is larger better for this monitor? (FitTape's rule; "min" when it cannot tell.) */
bool
ft_codegen_monitor_greater (const FtCallbackSpec *spec)
{
  bool greater = false;
  if (!ft_monitor_direction (spec->monitor, spec->mode, &greater, NULL))
    greater = false;
  return greater;
}

void
ft_codegen_emit_schedule_function (FtCodegen *g, const FtCallbackSpec *c, const char *name)
{
  FtPyWriter *w = &g->w;
  const char *lr0 = c->initial_lr > 0 ? ft_py_double (w, c->initial_lr) : ft_py_float (w, g->e->compile.optimizer.learning_rate);
  ft_py_line (w, "def %s(epoch, lr):", name);
  switch (c->schedule)
    {
    case FT_SCHEDULE_EXPONENTIAL:
      ft_py_line (w, "    \"\"\"Exponential decay: the initial rate times %s to the power of the epoch.\"\"\"",
                  ft_py_double (w, c->rate));
      ft_py_line (w, "    return float(%s * %s**epoch)", lr0, ft_py_double (w, c->rate));
      break;
    case FT_SCHEDULE_COSINE:
      ft_py_line (w, "    \"\"\"Cosine decay over %d epochs down to %s of the initial rate.\"\"\"", c->decay_epochs,
                  ft_py_double (w, c->alpha));
      ft_py_line (w, "    cosine = 0.5 * (1 + math.cos(math.pi * min(epoch, %d) / %d))", c->decay_epochs, c->decay_epochs);
      ft_py_line (w, "    return float(%s * (%s + (1 - %s) * cosine))", lr0, ft_py_double (w, c->alpha),
                  ft_py_double (w, c->alpha));
      break;
    case FT_SCHEDULE_STEP:
      ft_py_line (w, "    \"\"\"Step decay: the initial rate times %s every %d epochs.\"\"\"", ft_py_double (w, c->factor),
                  c->step_size);
      ft_py_line (w, "    return float(%s * %s ** (epoch // %d))", lr0, ft_py_double (w, c->factor),
                  c->step_size);
      break;
    }
}

/* The constructor call: the table's arguments (a LearningRateScheduler's are its function's, written above). */
const char *
ft_codegen_callback_code (FtCodegen *g, const FtCallbackSpec *c, const char *schedule_name)
{
  GPtrArray *args = g_ptr_array_new ();
  param_args (g, ft_callback_kind_info (c->kind), c, args);
  if (c->kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
    g_ptr_array_add (args, (gpointer) schedule_name);
  g_ptr_array_add (args, NULL);
  char *joined = g_strjoinv (", ", (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  const char *code
      = ft_py_keep (&g->w, g_strdup_printf ("keras.callbacks.%s(%s)", ft_callback_kind_name (c->kind), joined));
  g_free (joined);
  return code;
}

/* Name of the i-th LearningRateScheduler's function: "schedule", "schedule_2", … */
const char *
ft_codegen_schedule_name (FtCodegen *g, int index)
{
  int n = 0;
  for (int i = 0; i <= index; i++)
    if (g->e->callbacks[i].kind == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
      n++;
  return n <= 1 ? "schedule" : ft_py_keep (&g->w, g_strdup_printf ("schedule_%d", n));
}

/* A suffix that keeps the hand-written state of a second callback of one kind apart: "", "_2", … */
const char *
ft_codegen_kind_suffix (FtCodegen *g, int index)
{
  int n = 0;
  for (int i = 0; i <= index; i++)
    if (g->e->callbacks[i].kind == g->e->callbacks[index].kind)
      n++;
  return n <= 1 ? "" : ft_py_keep (&g->w, g_strdup_printf ("_%d", n));
}

/* clang-format on */
