/* test-kinds.c — every layer and optimizer kind, end to end through its descriptor table: each parameter
 * set to a value that is not its default, then experiment → JSON → experiment (equal, same JSON), the
 * checkpoint's Keras configs (every table entry with its value, class and default names), a checkpoint
 * saved and loaded back (optimizer slots and iterations), a .keras file written and read back (its
 * config, the kind, its weights), the layer kinds' flags, and the generated TensorFlow code; losses and
 * callbacks likewise; metrics by each of their names; datasets through JSON and the generated code.
 * The editors' rows for every kind are checked in test-panels-a/b. */
#include "core/ft-error.h"
#include "experiment/ft-codegen.h"
#include "experiment/ft-dataset-kinds.h"
#include "experiment/ft-experiment.h"
#include "experiment/ft-keras-file.h"
#include "experiment/ft-zip.h"
#include "train/ft-callbacks.h"
#include "train/ft-checkpoint.h"
#include "train/ft-trainer.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* A value of p that is valid and not its default; pairs get different halves. first_exclusive says
 * whether this is the first exclusive parameter of its kind (only one of those may be set). */
static void
set_not_default (const FtParam *p, void *spec, bool first_exclusive)
{
  void *f = ft_param_ptr (p, spec);
  switch (p->type)
    {
    case FT_PARAM_FLOAT:
      if ((p->flags & FT_PARAM_EXCLUSIVE) && !first_exclusive)
        return;
      *(float *) f = p->def > 0 ? (float) (p->def * 0.5) : 0.25f;
      break;
    case FT_PARAM_L2:
      *(float *) f = 0.02f;
      break;
    case FT_PARAM_INT:
      *(int *) f = (int) p->def + 1;
      break;
    case FT_PARAM_PAIR:
      {
        int a = p->def > 0 ? (int) p->def : 1;
        ((int *) f)[0] = a + 1;
        ((int *) f)[1] = a;
        break;
      }
    case FT_PARAM_BOOL:
      *(bool *) f = p->def == 0;
      break;
    case FT_PARAM_PADDING:
      *(FtPadding *) f = FT_PADDING_SAME;
      break;
    case FT_PARAM_ACTIVATION:
      *(FtActivation *) f = FT_ACT_TANH;
      break;
    case FT_PARAM_INITIALIZER:
      *(FtInitializer *) f = (int) p->def == FT_INIT_HE_NORMAL ? FT_INIT_ONES : FT_INIT_HE_NORMAL;
      break;
    case FT_PARAM_DOUBLE:
      *(double *) f = p->def > 0 ? p->def * 0.5 : 0.25;
      break;
    case FT_PARAM_OPTIONAL:
      ft_param_set_number (p, spec, -0.75);
      break;
    case FT_PARAM_STRING:
      /* a suggestion that is not the default, else a file name every file parameter takes */
      g_strlcpy (f, "changed-{epoch:02d}.weights.h5", p->size);
      for (int i = 0; p->choices != NULL && p->choices[i] != NULL; i++)
        if (strcmp (p->choices[i], p->def_str) != 0)
          {
            g_strlcpy (f, p->choices[i], p->size);
            break;
          }
      break;
    case FT_PARAM_CHAR:
      *(char *) f = ';';
      break;
    case FT_PARAM_CHOICE:
      *(int *) f = ((int) p->def + 1) % ft_param_n_choices (p);
      break;
    case FT_PARAM_KERAS_CONST:
    case FT_N_PARAM_TYPES:
      break;
    }
}

static void
set_all_not_default (const FtKindInfo *kind, void *spec)
{
  bool first_exclusive = true;
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      set_not_default (p, spec, first_exclusive);
      if (p->flags & FT_PARAM_EXCLUSIVE)
        first_exclusive = false;
    }
}

/* An experiment with input (8, 8, 3) (or (4,) for Dense first), the layer, a Flatten when its output is
 * an image, and Dense 2; the optimizer as given. */
static FtExperiment *
experiment_with (const FtLayerSpec *layer, const FtOptimizerSpec *opt)
{
  FtExperiment *e = ft_experiment_new_default ();
  g_free (e->layers);
  e->layers = g_new0 (FtLayerSpec, 3);
  e->n_layers = 0;
  e->layers[e->n_layers++] = *layer;
  bool flat_in = layer->kind == FT_LAYER_DENSE;
  e->input_ndim = flat_in ? 1 : 3;
  e->input_shape[0] = flat_in ? 4 : 8;
  e->input_shape[1] = e->input_shape[2] = flat_in ? 0 : 8;
  if (e->input_ndim == 3)
    e->input_shape[2] = 3;
  int nd = 0, shape[FT_MAX_DIMS], nw = 0;
  FtWeightSpec w[FT_LAYER_MAX_WEIGHTS];
  GError *error = NULL;
  g_assert_true (ft_layer_infer (layer, e->input_ndim, e->input_shape, &nd, shape, &nw, w, &error));
  g_assert_no_error (error);
  if (nd != 1)
    e->layers[e->n_layers++] = ft_layer_spec_default (FT_LAYER_FLATTEN);
  FtLayerSpec out = ft_layer_spec_default (FT_LAYER_DENSE);
  out.units = 2;
  e->layers[e->n_layers++] = out;
  e->compile.optimizer = *opt;
  return e;
}

/* JSON → experiment → JSON: equal experiments, the same text, and every parameter of the kind in it. */
static void
check_json_round_trip (const FtExperiment *e, const FtKindInfo *kind, const void *spec, const char *what)
{
  char *json = ft_experiment_to_json (e);
  GError *error = NULL;
  g_autoptr (FtExperiment) back = ft_experiment_from_json (json, &error);
  if (error != NULL)
    g_error ("%s: %s\n%s", what, error->message, json);
  g_assert_true (ft_experiment_equal (e, back));
  char *again = ft_experiment_to_json (back);
  g_assert_cmpstr (json, ==, again);
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (p->type == FT_PARAM_KERAS_CONST || ft_param_is_default (p, spec))
        continue;
      g_autofree char *key = g_strdup_printf ("\"%s\":", p->key);
      if (strstr (json, key) == NULL)
        g_error ("%s: %s missing from the JSON\n%s", what, p->key, json);
    }
  g_free (again);
  g_free (json);
}

static char *
read_attr (hid_t obj, const char *name)
{
  hid_t attr = H5Aopen (obj, name, H5P_DEFAULT);
  g_assert_cmpint (attr, >=, 0);
  /* FitTape writes fixed-length strings (a damaged variable-length one crashes libhdf5) */
  hid_t type = H5Aget_type (attr);
  g_assert_cmpint (H5Tis_variable_str (type), ==, 0);
  size_t size = H5Tget_size (type);
  char *v = g_malloc0 (size + 1);
  g_assert_cmpint (H5Aread (attr, type, v), >=, 0);
  char *out = g_strndup (v, size);
  g_free (v);
  H5Tclose (type);
  H5Aclose (attr);
  return out;
}

/* The config object of the entry whose class_name is `name`, in a list of layers or the optimizer. */
static JsonObject *
find_class (JsonNode *node, const char *name)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      if (json_object_has_member (o, "class_name")
          && g_strcmp0 (json_object_get_string_member (o, "class_name"), name) == 0)
        return json_object_get_object_member (o, "config");
      GList *members = json_object_get_values (o);
      JsonObject *found = NULL;
      for (GList *l = members; l != NULL && found == NULL; l = l->next)
        found = find_class (l->data, name);
      g_list_free (members);
      return found;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *found = find_class (json_array_get_element (a, i), name);
          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

/* Every entry of the kind's table in the Keras config, in the table's order, with the spec's value. */
static void
check_keras_config (JsonObject *config, const FtKindInfo *kind, const void *spec, const char *what)
{
  g_assert_nonnull (config);
  g_assert_cmpstr (json_object_get_string_member (config, "name"), ==, kind->keras_name);
  GList *keys = json_object_get_members (config);
  GList *at = keys;
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      while (at != NULL && strcmp (at->data, p->key) != 0)
        at = at->next;
      if (at == NULL)
        g_error ("%s: %s missing from the Keras config (or out of order)", what, p->key);
      JsonNode *v = json_object_get_member (config, p->key);
      const void *f = ft_param_cptr (p, spec);
      switch (p->type)
        {
        case FT_PARAM_FLOAT:
          if ((p->flags & FT_PARAM_ZERO_IS_NONE) && *(const float *) f == 0.0f)
            g_assert_true (JSON_NODE_HOLDS_NULL (v));
          else
            g_assert_cmpfloat ((float) json_node_get_double (v), ==, *(const float *) f);
          break;
        case FT_PARAM_INT:
          g_assert_cmpint (json_node_get_int (v), ==, *(const int *) f);
          break;
        case FT_PARAM_BOOL:
          g_assert_cmpint (json_node_get_boolean (v), ==, *(const bool *) f);
          break;
        case FT_PARAM_PAIR:
          {
            JsonArray *a = json_node_get_array (v);
            FtLayerSpec resolved = ft_layer_spec_resolved (spec);
            const int *r = ft_param_cptr (p, &resolved);
            g_assert_cmpint (json_array_get_int_element (a, 0), ==, r[0]);
            g_assert_cmpint (json_array_get_int_element (a, 1), ==, r[1]);
            break;
          }
        case FT_PARAM_PADDING:
          g_assert_cmpstr (json_node_get_string (v), ==,
                           *(const FtPadding *) f == FT_PADDING_SAME ? "same" : "valid");
          break;
        case FT_PARAM_ACTIVATION:
          g_assert_cmpstr (json_node_get_string (v), ==, ft_activation_name (*(const FtActivation *) f));
          break;
        case FT_PARAM_INITIALIZER:
          g_assert_true (JSON_NODE_HOLDS_OBJECT (v));
          g_assert_true (json_object_has_member (json_node_get_object (v), "class_name"));
          break;
        case FT_PARAM_L2:
          if (*(const float *) f == 0.0f)
            {
              g_assert_true (JSON_NODE_HOLDS_NULL (v));
              break;
            }
          g_assert_cmpfloat ((float) json_object_get_double_member (
                                 json_object_get_object_member (json_node_get_object (v), "config"), "l2"),
                             ==, *(const float *) f);
          break;
        case FT_PARAM_KERAS_CONST:
          {
            g_autofree char *text = json_to_string (v, FALSE);
            JsonNode *expect = json_from_string (p->keras, NULL);
            g_autofree char *expect_text = json_to_string (expect, FALSE);
            g_assert_cmpstr (text, ==, expect_text);
            json_node_unref (expect);
            break;
          }
        case FT_PARAM_DOUBLE: /* callbacks' types: Keras configs of layers, optimizers and losses have none */
        case FT_PARAM_OPTIONAL:
        case FT_PARAM_STRING:
        case FT_PARAM_CHAR:
        case FT_PARAM_CHOICE:
        case FT_N_PARAM_TYPES:
          g_assert_not_reached ();
        }
    }
  g_list_free (keys);
}

/* Saves a checkpoint with made-up optimizer state, checks its Keras configs and loads it back. */
static void
check_checkpoint (const FtExperiment *e, const char *what)
{
  GError *error = NULL;
  g_autoptr (FtTrainer) t = ft_experiment_build_trainer (e, NULL, &error);
  if (error != NULL)
    g_error ("%s: %s", what, error->message);
  FtOptimizer *opt = ft_trainer_optimizer (t);
  float *state = ft_optimizer_state (opt);
  for (size_t i = 0; i < ft_optimizer_state_size (opt); i++)
    state[i] = 0.5f + (float) i / 64.0f;
  ft_optimizer_set_iterations (opt, 7);

  g_autofree char *dir = g_dir_make_tmp ("fittape-kinds-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kinds.keras.h5", NULL);
  FtExperimentSource source = ft_experiment_source (e);
  g_assert_true (ft_checkpoint_save (t, &source, path, false, 1, &error));
  g_assert_no_error (error);
  /* The experiment it records reads back equal. */
  g_autofree char *recorded = ft_checkpoint_read_experiment (path, &error);
  g_assert_no_error (error);
  FtExperiment *back = ft_experiment_from_json (recorded, &error);
  g_assert_no_error (error);
  if (!ft_experiment_equal (e, back))
    g_error ("%s: the checkpoint's experiment differs", what);
  ft_experiment_free (back);

  hid_t file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  g_assert_cmpint (file, >=, 0);
  g_autofree char *model_config = read_attr (file, "model_config");
  g_autofree char *training_config = read_attr (file, "training_config");
  H5Fclose (file);
  JsonNode *model = json_from_string (model_config, &error);
  g_assert_no_error (error);
  JsonNode *training = json_from_string (training_config, &error);
  g_assert_no_error (error);
  const FtLayerSpec *l = &e->layers[0];
  const FtKindInfo *lk = ft_layer_kind_info (l->kind);
  check_keras_config (find_class (model, lk->name), lk, l, what);
  const FtOptimizerSpec *o = &e->compile.optimizer;
  const FtKindInfo *ok = ft_optimizer_kind_info (o->kind);
  check_keras_config (find_class (training, ok->name), ok, o, what);
  json_node_unref (model);
  json_node_unref (training);

  g_autoptr (FtTrainer) b = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_no_error (error);
  bool has_state = false;
  g_assert_true (ft_checkpoint_load (b, path, NULL, &has_state, &error));
  g_assert_no_error (error);
  g_assert_true (has_state);
  FtOptimizer *opt_b = ft_trainer_optimizer (b);
  g_assert_cmpint (ft_optimizer_iterations (opt_b), ==, 7);
  g_assert_cmpuint (ft_optimizer_state_size (opt_b), ==, ft_optimizer_state_size (opt));
  g_assert_cmpmem (ft_optimizer_state (opt_b), ft_optimizer_state_size (opt_b) * sizeof (float), state,
                   ft_optimizer_state_size (opt) * sizeof (float));
  g_unlink (path);
  g_rmdir (dir);
}

/* The generated code names the class and passes every parameter not at its default. */
static void
check_code (const FtExperiment *e, const char *module, const FtKindInfo *kind, const void *spec,
            const char *what)
{
  char *code = ft_codegen_python (e, FT_MODE_FIT, NULL);
  g_autofree char *call = g_strdup_printf ("keras.%s.%s(", module, kind->name);
  const char *at = strstr (code, call);
  if (at == NULL)
    g_error ("%s: no %s in the code\n%s", what, call, code);
  /* the call's text, to its closing parenthesis (arguments hold at most one level of parentheses) */
  const char *end = at + strlen (call);
  for (int depth = 1; *end != '\0' && depth > 0; end++)
    depth += *end == '(' ? 1 : *end == ')' ? -1 : 0;
  g_autofree char *args = g_strndup (at, (gsize) (end - at));
  for (int i = 0; i < kind->n_params; i++)
    {
      const FtParam *p = &kind->params[i];
      if (p->type == FT_PARAM_KERAS_CONST || (p->flags & (FT_PARAM_POSITIONAL | FT_PARAM_NOT_KERAS))
          || ft_param_is_default (p, spec))
        continue;
      g_autofree char *kw = g_strdup_printf ("%s=", p->key);
      if (strstr (args, kw) == NULL)
        g_error ("%s: %s not passed in %s", what, p->key, args);
    }
  g_free (code);
}

/* The .keras file: its config.json has the kind's table entries (as the checkpoint's configs), and it reads
 * back as the same layers (Keras' implied pooling strides aside), optimizer and weights. */
static void
check_keras_file (const FtExperiment *e, const char *what)
{
  GError *error = NULL;
  g_autoptr (FtTrainer) t = ft_experiment_build_trainer (e, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_dir_make_tmp ("fittape-kinds-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kinds.keras", NULL);
  g_assert_true (ft_keras_save (t, path, &error));
  g_assert_no_error (error);
  g_autofree char *bytes = NULL;
  gsize size = 0, len = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &size, NULL));
  g_autofree char *config = (char *) ft_zip_read_entry ((guint8 *) bytes, size, "config.json", &len, &error);
  g_assert_no_error (error);
  JsonNode *model = json_from_string (config, &error);
  g_assert_no_error (error);
  const FtLayerSpec *l = &e->layers[0];
  check_keras_config (find_class (model, ft_layer_kind_name (l->kind)), ft_layer_kind_info (l->kind), l,
                      what);
  const FtOptimizerSpec *o = &e->compile.optimizer;
  check_keras_config (find_class (model, ft_optimizer_kind_name (o->kind)), ft_optimizer_kind_info (o->kind),
                      o, what);
  json_node_unref (model);

  g_autofree float *weights = NULL;
  size_t n = 0;
  g_autoptr (FtExperiment) back = ft_keras_load (path, e, &weights, &n, &error);
  if (error != NULL)
    g_error ("%s: %s\n%s", what, error->message, config);
  g_assert_cmpint (back->n_layers, ==, e->n_layers);
  for (int i = 0; i < e->n_layers; i++)
    {
      FtLayerSpec a = ft_layer_spec_resolved (&e->layers[i]), b = ft_layer_spec_resolved (&back->layers[i]);
      g_assert_cmpint (a.kind, ==, b.kind);
      if (!ft_params_equal (ft_layer_kind_info (a.kind), &a, &b))
        g_error ("%s: layer %d reads back different from its .keras file", what, i);
    }
  if (!ft_params_equal (ft_optimizer_kind_info (o->kind), o, &back->compile.optimizer))
    g_error ("%s: the optimizer reads back different from its .keras file", what);
  FtModel *m = ft_trainer_model (t);
  g_assert_cmpuint (n, ==, ft_model_n_params (m));
  g_autofree float *expect = g_new (float, n);
  ft_model_get_weights (m, expect);
  g_assert_cmpmem (weights, n * sizeof (float), expect, n * sizeof (float));
  g_unlink (path);
  g_rmdir (dir);
}

/* The kind's flags say what it is: FT_KIND_WEIGHTLESS creates no weights, FT_KIND_PER_FEATURE keeps a
 * flat vector's features, FT_KIND_NEURONS makes a flat vector of its own. */
static void
check_kind_flags (const FtExperiment *e, const FtKindInfo *kind, const char *what)
{
  int nd = 0, shape[FT_MAX_DIMS], nw = 0;
  FtWeightSpec w[FT_LAYER_MAX_WEIGHTS];
  g_assert_true (ft_layer_infer (&e->layers[0], e->input_ndim, e->input_shape, &nd, shape, &nw, w, NULL));
  if ((nw == 0) != ((kind->flags & FT_KIND_WEIGHTLESS) != 0))
    g_error ("%s: %d weights, FT_KIND_WEIGHTLESS %s", what, nw,
             kind->flags & FT_KIND_WEIGHTLESS ? "set" : "not set");
  if (kind->flags & (FT_KIND_PER_FEATURE | FT_KIND_NEURONS))
    {
      const int flat[1] = { 5 };
      g_assert_true (ft_layer_infer (&e->layers[0], 1, flat, &nd, shape, &nw, w, NULL));
      g_assert_cmpint (nd, ==, 1);
      if (kind->flags & FT_KIND_PER_FEATURE)
        g_assert_cmpint (shape[0], ==, 5);
    }
}

static void
test_every_layer_kind (void)
{
  FtOptimizerSpec adam = ft_optimizer_spec_default (FT_OPT_ADAM);
  for (int k = 0; k < FT_N_LAYER_KINDS; k++)
    {
      const FtKindInfo *kind = ft_layer_kind_info ((FtLayerKind) k);
      g_assert_nonnull (kind->name);
      FtLayerKind back;
      g_assert_true (ft_layer_kind_from_name (kind->name, &back));
      g_assert_cmpint (back, ==, k);
      for (int variant = 0; variant < 2; variant++)
        {
          FtLayerSpec l = ft_layer_spec_default ((FtLayerKind) k);
          if (variant == 1)
            set_all_not_default (kind, &l);
          g_autofree char *what = g_strdup_printf ("%s (%s)", kind->name, variant ? "changed" : "defaults");
          g_test_message ("%s", what);
          g_autoptr (FtExperiment) e = experiment_with (&l, &adam);
          check_json_round_trip (e, kind, &l, what);
          check_checkpoint (e, what);
          check_keras_file (e, what);
          check_kind_flags (e, kind, what);
          check_code (e, "layers", kind, &l, what);
        }
    }
}

static void
test_every_optimizer_kind (void)
{
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      const FtKindInfo *kind = ft_optimizer_kind_info ((FtOptimizerKind) k);
      FtOptimizerKind back;
      g_assert_true (ft_optimizer_kind_from_name (kind->name, &back));
      g_assert_cmpint (back, ==, k);
      g_assert_true (ft_optimizer_kind_from_name (kind->json_name, &back));
      g_assert_cmpint (back, ==, k);
      for (int variant = 0; variant < 2; variant++)
        {
          FtOptimizerSpec o = ft_optimizer_spec_default ((FtOptimizerKind) k);
          if (variant == 1)
            set_all_not_default (kind, &o);
          g_autofree char *what = g_strdup_printf ("%s (%s)", kind->name, variant ? "changed" : "defaults");
          g_test_message ("%s", what);
          GError *error = NULL;
          g_assert_true (ft_optimizer_spec_validate (&o, &error));
          g_assert_no_error (error);
          g_autoptr (FtExperiment) e = experiment_with (&dense, &o);
          check_json_round_trip (e, kind, &o, what);
          check_checkpoint (e, what);
          check_keras_file (e, what);
          check_code (e, "optimizers", kind, &o, what);
        }
    }
}

static void
test_every_loss_kind (void)
{
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  FtOptimizerSpec adam = ft_optimizer_spec_default (FT_OPT_ADAM);
  for (int k = 0; k < FT_N_LOSSES; k++)
    {
      const FtKindInfo *kind = ft_loss_kind_info ((FtLossKind) k);
      FtLossKind back;
      g_assert_true (ft_loss_from_name (kind->json_name, &back));
      g_assert_cmpint (back, ==, k);
      g_assert_nonnull (kind->label);
      for (int variant = 0; variant < 2; variant++)
        {
          FtLossSpec l = { .kind = (FtLossKind) k };
          if (variant == 1)
            set_all_not_default (kind, &l);
          g_autofree char *what = g_strdup_printf ("%s (%s)", kind->name, variant ? "changed" : "defaults");
          g_test_message ("%s", what);
          g_autoptr (FtExperiment) e = experiment_with (&dense, &adam);
          e->compile.loss = l;
          e->compile.n_metrics = 0; /* "accuracy" means nothing for a regression loss */
          check_json_round_trip (e, kind, &l, what);
          check_code (e, "losses", kind, &l, what);

          /* the training config of a saved checkpoint */
          GError *error = NULL;
          g_autoptr (FtTrainer) t = ft_experiment_build_trainer (e, NULL, &error);
          g_assert_no_error (error);
          g_autofree char *dir = g_dir_make_tmp ("fittape-kinds-XXXXXX", NULL);
          g_autofree char *path = g_build_filename (dir, "loss.keras.h5", NULL);
          FtExperimentSource source = ft_experiment_source (e);
          g_assert_true (ft_checkpoint_save (t, &source, path, false, 1, &error));
          g_assert_no_error (error);
          hid_t file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
          g_autofree char *training_config = read_attr (file, "training_config");
          H5Fclose (file);
          JsonNode *training = json_from_string (training_config, &error);
          g_assert_no_error (error);
          check_keras_config (find_class (training, kind->name), kind, &l, what);
          json_node_unref (training);
          g_unlink (path);
          g_rmdir (dir);
        }
    }
}

/* Every callback kind with its defaults and with every parameter changed: JSON → experiment → JSON (the
 * kind's every key in the JSON), the generated code's constructor call, and the values it passes. */
static void
test_every_callback_kind (void)
{
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  FtOptimizerSpec adam = ft_optimizer_spec_default (FT_OPT_ADAM);
  for (int k = 0; k < FT_N_CALLBACK_KINDS; k++)
    {
      const FtKindInfo *kind = ft_callback_kind_info ((FtCallbackKind) k);
      FtCallbackKind back;
      g_assert_true (ft_callback_kind_from_name (kind->name, &back));
      g_assert_cmpint (back, ==, k);
      g_assert_nonnull (kind->summary);
      for (int variant = 0; variant < 2; variant++)
        {
          FtCallbackSpec c = ft_callback_spec_default ((FtCallbackKind) k);
          for (int i = 0; i < kind->n_params; i++)
            g_assert_true (ft_param_is_default (&kind->params[i], &c));
          if (variant == 1)
            set_all_not_default (kind, &c);
          g_autofree char *what = g_strdup_printf ("%s (%s)", kind->name, variant ? "changed" : "defaults");
          g_test_message ("%s", what);
          GError *error = NULL;
          if (!ft_callback_spec_validate (&c, &error))
            g_error ("%s: %s", what, error->message);
          g_autoptr (FtExperiment) e = experiment_with (&dense, &adam);
          e->callbacks = g_new (FtCallbackSpec, 1);
          e->callbacks[0] = c;
          e->n_callbacks = 1;
          check_json_round_trip (e, kind, &c, what);
          g_autofree char *json = ft_experiment_to_json (e);
          for (int i = 0; i < kind->n_params; i++) /* callbacks write every parameter */
            {
              g_autofree char *key = g_strdup_printf ("\"%s\":", kind->params[i].key);
              g_assert_nonnull (strstr (json, key));
            }
          check_code (e, "callbacks", kind, &c, what);
          char *code = ft_codegen_python (e, FT_MODE_FIT, NULL);
          if (variant == 1 && k == FT_CALLBACK_EARLY_STOPPING)
            {
              g_assert_nonnull (strstr (code, "monitor=\"loss\""));
              g_assert_nonnull (strstr (code, "mode=\"min\""));
              g_assert_nonnull (strstr (code, "baseline=-0.75"));
              g_assert_nonnull (strstr (code, "restore_best_weights=True"));
            }
          if (variant == 1 && k == FT_CALLBACK_MODEL_CHECKPOINT) /* positional: no keyword */
            {
              g_assert_nonnull (strstr (code, "\"changed-{epoch:02d}.weights.h5\""));
              g_assert_null (strstr (code, "filepath="));
            }
          if (variant == 1 && k == FT_CALLBACK_CSV_LOGGER)
            g_assert_nonnull (strstr (code, "separator=\";\""));
          if (k == FT_CALLBACK_LEARNING_RATE_SCHEDULER)
            {
              g_assert_nonnull (strstr (code, "LearningRateScheduler(schedule)"));
              g_assert_nonnull (strstr (code, variant ? "def schedule(epoch, lr):\n    \"\"\"Exponential"
                                                      : "def schedule(epoch, lr):\n    \"\"\"Step"));
            }
          g_free (code);
        }
    }
}

/* Every metric kind by each of its names (snake_case, class, alias): the kind and the log key it gives,
 * the default key, the experiment JSON listing it, and the metric object the tape-loop code builds. */
static void
test_every_metric_kind (void)
{
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  FtOptimizerSpec adam = ft_optimizer_spec_default (FT_OPT_ADAM);
  for (int k = 0; k < FT_N_METRICS; k++)
    {
      const FtKindInfo *kind = ft_metric_kind_info ((FtMetricKind) k);
      g_test_message ("%s", kind->name);
      FtMetric m;
      ft_metric_init (&m, (FtMetricKind) k, NULL);
      g_assert_cmpstr (m.name, ==, kind->json_name);
      for (int i = 0; i < kind->n_params; i++)
        g_assert_true (ft_param_is_default (&kind->params[i], &m));
      if (k == FT_METRIC_MEAN)
        {
          /* the loss's running mean: not a compile() metric */
          g_assert_false (ft_metric_from_name (kind->json_name, FT_LOSS_MEAN_SQUARED_ERROR, NULL, NULL, 0));
          continue;
        }
      const char *names[] = { kind->json_name, kind->name, kind->label };
      for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
        {
          if (names[i] == NULL)
            continue;
          FtMetricKind back = FT_METRIC_MEAN;
          char key[48] = "";
          g_assert_true (ft_metric_from_name (names[i], FT_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, &back, key,
                                              sizeof key));
          g_assert_cmpint (back, ==, k);
          g_assert_cmpstr (key, ==, names[i]);
        }
      g_autoptr (FtExperiment) e = experiment_with (&dense, &adam);
      e->compile.n_metrics = 1;
      g_strlcpy (e->compile.metrics[0], kind->json_name, sizeof e->compile.metrics[0]);
      check_json_round_trip (e, kind, &m, kind->name);
      g_autofree char *json = ft_experiment_to_json (e);
      g_autofree char *listed = g_strdup_printf ("\"metrics\": [\"%s\"]", kind->json_name);
      if (strstr (json, listed) == NULL)
        g_error ("%s: no %s in\n%s", kind->name, listed, json);
      e->mode = FT_MODE_TAPE;
      char *code = ft_codegen_python (e, FT_MODE_TAPE, NULL);
      g_autofree char *object = g_strdup_printf ("keras.metrics.%s(name=", kind->name);
      if (strstr (code, object) == NULL)
        g_error ("%s: no %s in the code\n%s", kind->name, object, code);
      g_free (code);
    }
}

/* A parameter changed in one spec makes the experiments differ (equality loops over the table too). */
/* Every dataset kind, at its defaults (its required strings set) and with every parameter changed: JSON
 * round trip, the kind written by its name, the generated code loading it by its code-generation name. */
static void
test_every_dataset_kind (void)
{
  for (int k = 0; k < FT_N_DATASET_KINDS; k++)
    {
      const FtDatasetKindInfo *info = ft_dataset_kind_info ((FtDatasetKind) k);
      g_assert_nonnull (info->info.name);
      g_assert_nonnull (info->info.summary);
      for (int variant = 0; variant < 2; variant++)
        {
          g_autoptr (FtExperiment) e = ft_experiment_new_default ();
          ft_dataset_kind_set (&e->data, (FtDatasetKind) k);
          g_assert_cmpint (ft_dataset_kind_of (&e->data), ==,
                           k == FT_DATASET_IDX ? FT_DATASET_FASHION_MNIST : k);
          if (variant == 1)
            set_all_not_default (&info->info, &e->data);
          for (int i = 0; i < info->n_required; i++)
            set_not_default (&info->info.params[i], &e->data, true);
          /* a directory makes Fashion-MNIST an IDX set */
          FtDatasetKind expect = k == FT_DATASET_FASHION_MNIST && variant == 1 ? FT_DATASET_IDX
                                                                               : (FtDatasetKind) k;
          g_assert_cmpint (ft_dataset_kind_of (&e->data), ==, expect);
          g_autofree char *what = g_strdup_printf ("%s (%s)", info->info.json_name,
                                                   variant ? "changed" : "defaults");
          g_test_message ("%s", what);
          check_json_round_trip (e, &info->info, &e->data, what);
          g_autofree char *json = ft_experiment_to_json (e);
          g_autofree char *name = g_strdup_printf ("\"name\": \"%s\"",
                                                   ft_dataset_kind_info (expect)->info.json_name);
          if (strstr (json, name) == NULL)
            g_error ("%s: no %s in the JSON\n%s", what, name, json);
          g_autofree char *code = ft_codegen_python (e, FT_MODE_FIT, NULL);
          if (strstr (code, ft_dataset_kind_info (expect)->info.keras_name) == NULL)
            g_error ("%s: the code does not load %s", what, ft_dataset_kind_info (expect)->info.keras_name);
          /* without a required string, the file is refused, naming it */
          for (int i = 0; i < info->n_required; i++)
            {
              const FtParam *p = &info->info.params[i];
              g_autoptr (GString) text = g_string_new (NULL);
              g_string_printf (text, "{\"dataset\": {\"name\": \"%s\"", info->info.json_name);
              for (int j = 0; j < info->n_required; j++)
                if (j != i)
                  g_string_append_printf (text, ", \"%s\": \"x\"", info->info.params[j].key);
              g_string_append (text, "}}");
              GError *error = NULL;
              g_assert_null (ft_experiment_from_json (text->str, &error));
              g_assert_error (error, FT_ERROR, FT_ERROR_INVALID);
              g_autofree char *needs = g_strdup_printf ("needs \"%s\"", p->key);
              g_assert_nonnull (strstr (error->message, needs));
              g_error_free (error);
            }
        }
    }
}

static void
test_equality_sees_every_parameter (void)
{
  FtLayerSpec dense = ft_layer_spec_default (FT_LAYER_DENSE);
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    {
      const FtKindInfo *kind = ft_optimizer_kind_info ((FtOptimizerKind) k);
      FtOptimizerSpec o = ft_optimizer_spec_default ((FtOptimizerKind) k);
      g_autoptr (FtExperiment) a = experiment_with (&dense, &o);
      for (int i = 0; i < kind->n_params; i++)
        {
          if (kind->params[i].type == FT_PARAM_KERAS_CONST)
            continue;
          g_autoptr (FtExperiment) b = ft_experiment_copy (a);
          set_not_default (&kind->params[i], &b->compile.optimizer, true);
          g_assert_false (ft_experiment_equal (a, b));
        }
    }
  for (int k = 0; k < FT_N_LAYER_KINDS; k++)
    {
      const FtKindInfo *kind = ft_layer_kind_info ((FtLayerKind) k);
      FtLayerSpec l = ft_layer_spec_default ((FtLayerKind) k);
      FtOptimizerSpec adam = ft_optimizer_spec_default (FT_OPT_ADAM);
      g_autoptr (FtExperiment) a = experiment_with (&l, &adam);
      for (int i = 0; i < kind->n_params; i++)
        {
          if (kind->params[i].type == FT_PARAM_KERAS_CONST)
            continue;
          g_autoptr (FtExperiment) b = ft_experiment_copy (a);
          set_not_default (&kind->params[i], &b->layers[0], true);
          g_assert_false (ft_experiment_equal (a, b));
        }
    }
  for (int k = 0; k < FT_N_CALLBACK_KINDS; k++)
    {
      const FtKindInfo *kind = ft_callback_kind_info ((FtCallbackKind) k);
      g_autoptr (FtExperiment) a = ft_experiment_new_default ();
      a->callbacks = g_new (FtCallbackSpec, 1);
      a->callbacks[0] = ft_callback_spec_default ((FtCallbackKind) k);
      a->n_callbacks = 1;
      for (int i = 0; i < kind->n_params; i++)
        {
          g_autoptr (FtExperiment) b = ft_experiment_copy (a);
          set_not_default (&kind->params[i], &b->callbacks[0], true);
          g_assert_false (ft_experiment_equal (a, b));
        }
    }
  for (int k = 0; k < FT_N_LOSSES; k++)
    {
      const FtKindInfo *kind = ft_loss_kind_info ((FtLossKind) k);
      g_autoptr (FtExperiment) a = ft_experiment_new_default ();
      a->compile.loss = (FtLossSpec){ .kind = (FtLossKind) k };
      for (int i = 0; i < kind->n_params; i++)
        {
          if (kind->params[i].type == FT_PARAM_KERAS_CONST)
            continue;
          g_autoptr (FtExperiment) b = ft_experiment_copy (a);
          set_not_default (&kind->params[i], &b->compile.loss, true);
          g_assert_false (ft_experiment_equal (a, b));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  g_test_add_func ("/kinds/layers", test_every_layer_kind);
  g_test_add_func ("/kinds/optimizers", test_every_optimizer_kind);
  g_test_add_func ("/kinds/losses", test_every_loss_kind);
  g_test_add_func ("/kinds/callbacks", test_every_callback_kind);
  g_test_add_func ("/kinds/metrics", test_every_metric_kind);
  g_test_add_func ("/kinds/datasets", test_every_dataset_kind);
  g_test_add_func ("/kinds/equality", test_equality_sees_every_parameter);
  return g_test_run ();
}
