/* ft-experiment-read.c — an experiment from JSON (the format is at the top of ft-experiment.c): each
 * section read into the FtExperiment, with errors that name the JSON path; duplicate keys found while
 * json-glib parses; relative dataset paths resolved against the file's directory. */
#include "experiment/ft-dataset-kinds.h"
#include "experiment/ft-experiment-private.h"
#include "experiment/ft-json-parser.h"

#include "core/ft-error.h"
#include "core/ft-json-check.h"
#include "core/ft-limits.h"
#include "core/ft-safe-file.h"

#include <stdio.h>
#include <string.h>

#define MAX_LAYERS        1024
#define MAX_CALLBACKS     64
#define MAX_CLASS_WEIGHTS 100000

/* Appends key to keys (NULL-terminated, no duplicates). */
static void
add_key (const char **keys, const char *key)
{
  int n = 0;
  while (keys[n] != NULL && strcmp (keys[n], key) != 0)
    n++;
  if (keys[n] == NULL && n + 1 < FT_JSON_MAX_KIND_KEYS)
    keys[n + 1] = NULL, keys[n] = key;
}

/* The JSON keys a dataset kind takes: its name, its parameters, then what every kind (limit) or every
 * kind of its sort (seed, features, points) takes. */
static void
dataset_keys (const FtDatasetKindInfo *k, const char **keys)
{
  add_key (keys, "name");
  ft_json_add_kind_keys (&k->info, keys);
  if (k->flags & FT_DATASET_SEEDED)
    add_key (keys, "seed");
  add_key (keys, "limit");
  if (k->flags & FT_DATASET_PLANE)
    {
      add_key (keys, "features");
      add_key (keys, "points");
    }
}

/* "features": ["x1", "x1^2", …], each at most once, at least one. */
static bool
parse_features (FtJsonParser *P, JsonNode *n, const char *sub, FtDataSpec *d)
{
  JsonArray *a;
  if (!ft_json_get_array (P, n, sub, &a))
    return false;
  d->features = 0;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      char item[FT_JSON_PATH_MAX], name[16];
      int f;
      ft_json_sub_index (item, sub, i);
      if (!ft_json_get_string_buf (P, json_array_get_element (a, i), item, true, name, sizeof name))
        return false;
      if (!ft_feature_from_name (name, &f))
        return ft_json_fail (
            P, item, "unknown feature \"%s\" (expected x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2))", name);
      if (d->features & (1u << f))
        return ft_json_fail (P, item, "the feature \"%s\" is listed twice", name);
      d->features |= 1u << f;
    }
  if (d->features == 0)
    return ft_json_fail (P, sub, "expected at least one feature");
  return true;
}

/* "points": [[x, y, class], …], the points added (class −1: the nearest removed) by clicking. */
static bool
parse_points (FtJsonParser *P, JsonNode *n, const char *sub, FtDataSpec *d)
{
  int64_t v;
  JsonArray *a;
  if (!ft_json_get_array (P, n, sub, &a))
    return false;
  guint len = json_array_get_length (a);
  g_free (d->points);
  d->points = len > 0 ? g_new0 (FtPointEdit, len) : NULL;
  d->n_points = len;
  for (guint i = 0; i < len; i++)
    {
      char item[FT_JSON_PATH_MAX], el[FT_JSON_PATH_MAX];
      ft_json_sub_index (item, sub, i);
      JsonNode *p = json_array_get_element (a, i);
      JsonArray *xyc;
      if (!JSON_NODE_HOLDS_ARRAY (p) || json_array_get_length (xyc = json_node_get_array (p)) != 3)
        return ft_json_fail_got (P, item, p, "[x, y, class] (class −1 removes the nearest point)");
      ft_json_sub_index (el, item, 0);
      if (!ft_json_get_float (P, json_array_get_element (xyc, 0), el, FT_RANGE_ANY, &d->points[i].x))
        return false;
      ft_json_sub_index (el, item, 1);
      if (!ft_json_get_float (P, json_array_get_element (xyc, 1), el, FT_RANGE_ANY, &d->points[i].y))
        return false;
      ft_json_sub_index (el, item, 2);
      if (!ft_json_get_int (P, json_array_get_element (xyc, 2), el, -1, 1000, &v))
        return false;
      d->points[i].label = (int) v;
    }
  return true;
}

static bool
parse_dataset (FtJsonParser *P, JsonNode *node, const char *path, FtDataSpec *d)
{
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o))
    return false;
  const char *names[FT_N_DATASET_KINDS];
  const char *all[FT_JSON_MAX_KIND_KEYS] = { NULL };
  for (int i = 0; i < FT_N_DATASET_KINDS; i++)
    {
      names[i] = ft_dataset_kind_info ((FtDatasetKind) i)->info.json_name;
      dataset_keys (ft_dataset_kind_info ((FtDatasetKind) i), all);
    }
  int which = FT_DATASET_FASHION_MNIST;
  JsonNode *n = ft_json_member (o, "name", path, sub);
  if (n != NULL && !ft_json_get_enum (P, n, sub, "dataset", names, FT_N_DATASET_KINDS, &which))
    return false;
  const FtDatasetKindInfo *k = ft_dataset_kind_info ((FtDatasetKind) which);
  const char *allowed[FT_JSON_MAX_KIND_KEYS] = { NULL };
  dataset_keys (k, allowed);
  char owner[64];
  g_snprintf (owner, sizeof owner, "dataset \"%s\"", k->info.json_name);
  if (!ft_json_check_keys (P, o, path, allowed, all, owner))
    return false;
  ft_dataset_kind_set (d, (FtDatasetKind) which);
  if (!ft_json_parse_params (P, o, path, &k->info, d))
    return false;

  int64_t v;
  if ((n = ft_json_member (o, "seed", path, sub)) != NULL)
    {
      if (!ft_json_get_int (P, n, sub, 0, (int64_t) FT_DATA_SEED_MAX, &v))
        return false;
      d->seed = (uint64_t) v;
      d->has_seed = true;
    }
  if ((n = ft_json_member (o, "limit", path, sub)) != NULL)
    {
      if (!ft_json_get_int (P, n, sub, 0, UINT32_MAX, &v))
        return false;
      d->limit = (uint32_t) v;
    }
  if ((n = ft_json_member (o, "features", path, sub)) != NULL && !parse_features (P, n, sub, d))
    return false;
  if ((n = ft_json_member (o, "points", path, sub)) != NULL && !parse_points (P, n, sub, d))
    return false;
  for (int i = 0; i < k->n_required; i++)
    {
      const FtParam *p = &k->info.params[i];
      if (*(const char *) ft_param_cptr (p, d) == '\0')
        return ft_json_fail (P, path, "dataset \"%s\" needs \"%s\" (%s)", k->info.json_name, p->key, p->hint);
    }
  return true;
}

static bool
parse_layer (FtJsonParser *P, JsonNode *node, const char *path, FtLayerSpec *spec)
{
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o))
    return false;
  const char *kind_names[FT_N_LAYER_KINDS];
  const char *all[FT_JSON_MAX_KIND_KEYS] = { "type", NULL };
  for (int i = 0; i < FT_N_LAYER_KINDS; i++)
    {
      kind_names[i] = ft_layer_kind_name ((FtLayerKind) i);
      ft_json_add_kind_keys (ft_layer_kind_info ((FtLayerKind) i), all);
    }
  JsonNode *n = ft_json_member (o, "type", path, sub);
  if (n == NULL)
    {
      char *list = ft_json_join_names (kind_names, FT_N_LAYER_KINDS);
      ft_json_fail (P, path, "missing \"type\" (expected %s)", list);
      g_free (list);
      return false;
    }
  FtLayerKind kind;
  if (!ft_json_is_string (n) || !ft_layer_kind_from_name (json_node_get_string (n), &kind))
    {
      int dummy;
      ft_json_get_enum (P, n, sub, "layer type", kind_names, FT_N_LAYER_KINDS, &dummy); /* sets the error */
      return false;
    }
  const FtKindInfo *info = ft_layer_kind_info (kind);
  const char *keys[FT_JSON_MAX_KIND_KEYS] = { "type", NULL };
  ft_json_add_kind_keys (info, keys);
  if (!ft_json_check_keys (P, o, path, keys, all, info->name))
    return false;
  *spec = ft_layer_spec_default (kind);
  return ft_json_parse_params (P, o, path, info, spec);
}

static bool
parse_model (FtJsonParser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  static const char *const keys[] = { "input_shape", "layers", NULL };
  JsonObject *o;
  JsonArray *a;
  char sub[FT_JSON_PATH_MAX], item[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o) || !ft_json_check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n = ft_json_member (o, "input_shape", path, sub);
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!ft_json_get_array (P, n, sub, &a))
        return false;
      guint len = json_array_get_length (a);
      if (len < 1 || len > 3)
        return ft_json_fail (P, sub, "expected 1 to 3 dimensions (without the batch axis), got %u", len);
      for (guint i = 0; i < len; i++)
        {
          ft_json_sub_index (item, sub, i);
          if (!ft_json_get_int32 (P, json_array_get_element (a, i), item, 1, 1 << 20, &e->input_shape[i]))
            return false;
        }
      e->input_ndim = (int) len;
    }
  n = ft_json_member (o, "layers", path, sub);
  if (n == NULL)
    return ft_json_fail (P, sub, "required: the model's layers, at least one");
  if (!ft_json_get_array (P, n, sub, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len == 0)
    return ft_json_fail (P, sub, "expected at least one layer");
  if (len > MAX_LAYERS)
    return ft_json_fail (P, sub, "expected at most %d layers, got %u", MAX_LAYERS, len);
  e->layers = g_new0 (FtLayerSpec, len);
  for (guint i = 0; i < len; i++)
    {
      ft_json_sub_index (item, sub, i);
      if (!parse_layer (P, json_array_get_element (a, i), item, &e->layers[i]))
        return false;
      e->n_layers = (int) i + 1;
    }
  return true;
}

const char *
ft_experiment_optimizer_name (FtOptimizerKind kind)
{
  return (unsigned) kind < FT_N_OPTIMIZERS ? ft_optimizer_kind_info (kind)->json_name : "?";
}

static char *
optimizer_list (void)
{
  const char *names[FT_N_OPTIMIZERS];
  for (int k = 0; k < FT_N_OPTIMIZERS; k++)
    names[k] = ft_experiment_optimizer_name ((FtOptimizerKind) k);
  return ft_json_join_names (names, FT_N_OPTIMIZERS);
}

static bool
get_optimizer_kind (FtJsonParser *P, JsonNode *n, const char *path, FtOptimizerKind *kind)
{
  char *list = optimizer_list ();
  bool ok = false;
  if (!ft_json_is_string (n))
    ft_json_fail_got (P, path, n, "a string (%s)", list);
  else if (!ft_optimizer_kind_from_name (json_node_get_string (n), kind))
    {
      char *got = ft_json_describe (n);
      ft_json_fail (P, path, "unknown optimizer %s (expected %s)", got, list);
      g_free (got);
    }
  else
    ok = true;
  g_free (list);
  return ok;
}

static bool
parse_optimizer (FtJsonParser *P, JsonNode *node, const char *path, FtOptimizerSpec *spec)
{
  char sub[FT_JSON_PATH_MAX];
  FtOptimizerKind kind;
  if (ft_json_is_string (node))
    {
      if (!get_optimizer_kind (P, node, path, &kind))
        return false;
      *spec = ft_optimizer_spec_default (kind);
    }
  else
    {
      JsonObject *o;
      if (!ft_json_get_object (P, node, path, &o))
        return false;
      JsonNode *n = ft_json_member (o, "name", path, sub);
      if (n == NULL)
        {
          char *list = optimizer_list ();
          ft_json_fail (P, path, "missing \"name\" (expected %s)", list);
          g_free (list);
          return false;
        }
      if (!get_optimizer_kind (P, n, sub, &kind))
        return false;
      const char *all[FT_JSON_MAX_KIND_KEYS] = { "name", NULL };
      for (int k = 0; k < FT_N_OPTIMIZERS; k++)
        ft_json_add_kind_keys (ft_optimizer_kind_info ((FtOptimizerKind) k), all);
      const char *keys[FT_JSON_MAX_KIND_KEYS] = { "name", NULL };
      ft_json_add_kind_keys (ft_optimizer_kind_info (kind), keys);
      if (!ft_json_check_keys (P, o, path, keys, all, ft_experiment_optimizer_name (kind)))
        return false;
      *spec = ft_optimizer_spec_default (kind);
      if (!ft_json_parse_params (P, o, path, ft_optimizer_kind_info (kind), spec))
        return false;
    }
  /* The optimizer's own range checks (beta in [0, 1), one clip at most, …), under this path. */
  GError *local = NULL;
  if (!ft_optimizer_spec_validate (spec, &local))
    {
      ft_json_fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
get_loss_kind (FtJsonParser *P, JsonNode *n, const char *path, FtLossKind *kind)
{
  const char *names[FT_N_LOSSES];
  for (int i = 0; i < FT_N_LOSSES; i++)
    names[i] = ft_loss_name ((FtLossKind) i);
  if (ft_json_is_string (n) && ft_loss_from_name (json_node_get_string (n), kind))
    return true;
  int dummy;
  ft_json_get_enum (P, n, path, "loss", names, FT_N_LOSSES, &dummy); /* sets the error */
  return false;
}

static bool
parse_loss (FtJsonParser *P, JsonNode *node, const char *path, FtLossSpec *loss)
{
  char sub[FT_JSON_PATH_MAX];
  loss->from_logits = false;
  if (ft_json_is_string (node))
    return get_loss_kind (P, node, path, &loss->kind);
  JsonObject *o;
  if (!ft_json_get_object (P, node, path, &o))
    return false;
  JsonNode *n = ft_json_member (o, "name", path, sub);
  if (n == NULL)
    return ft_json_fail (P, path, "missing \"name\"");
  if (!get_loss_kind (P, n, sub, &loss->kind))
    return false;
  const char *all[FT_JSON_MAX_KIND_KEYS] = { "name", NULL };
  for (int k = 0; k < FT_N_LOSSES; k++)
    ft_json_add_kind_keys (ft_loss_kind_info ((FtLossKind) k), all);
  const char *keys[FT_JSON_MAX_KIND_KEYS] = { "name", NULL };
  ft_json_add_kind_keys (ft_loss_kind_info (loss->kind), keys);
  if (!ft_json_check_keys (P, o, path, keys, all, ft_loss_name (loss->kind)))
    return false;
  return ft_json_parse_params (P, o, path, ft_loss_kind_info (loss->kind), loss);
}

/* "metrics" and "weighted_metrics": null or a list of metric names. */
static bool
parse_metric_list (FtJsonParser *P, JsonNode *n, const char *sub, FtLossKind loss, char names[][32],
                   int *count)
{
  char item[FT_JSON_PATH_MAX];
  JsonArray *a;
  *count = 0;
  if (JSON_NODE_HOLDS_NULL (n))
    return true;
  if (!ft_json_get_array (P, n, sub, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len > FT_MAX_METRICS)
    return ft_json_fail (P, sub, "expected at most %d metrics, got %u", FT_MAX_METRICS, len);
  for (guint i = 0; i < len; i++)
    {
      ft_json_sub_index (item, sub, i);
      JsonNode *m = json_array_get_element (a, i);
      if (!ft_json_get_string_buf (P, m, item, true, names[i], 32))
        return false;
      if (!ft_metric_from_name (names[i], loss, NULL, NULL, 0))
        {
          char *got = ft_json_describe (m);
          ft_json_fail (
              P, item,
              "unknown metric %s for the loss %s (expected accuracy, mse, mae, or a Keras metric name "
              "such as sparse_categorical_accuracy)",
              got, ft_loss_name (loss));
          g_free (got);
          return false;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (names[j], names[i]) == 0)
          return ft_json_fail (P, item, "metric \"%s\" is listed twice", names[i]);
      *count = (int) i + 1;
    }
  return true;
}

static bool
parse_compile (FtJsonParser *P, JsonNode *node, const char *path, FtCompileSpec *c)
{
  static const char *const keys[] = { "optimizer", "loss", "metrics", "weighted_metrics", NULL };
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o) || !ft_json_check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  if ((n = ft_json_member (o, "optimizer", path, sub)) != NULL && !parse_optimizer (P, n, sub, &c->optimizer))
    return false;
  if ((n = ft_json_member (o, "loss", path, sub)) != NULL && !parse_loss (P, n, sub, &c->loss))
    return false;
  if ((n = ft_json_member (o, "metrics", path, sub)) != NULL
      && !parse_metric_list (P, n, sub, c->loss.kind, c->metrics, &c->n_metrics))
    return false;
  if ((n = ft_json_member (o, "weighted_metrics", path, sub)) != NULL
      && !parse_metric_list (P, n, sub, c->loss.kind, c->weighted_metrics, &c->n_weighted_metrics))
    return false;
  return true;
}

/* fit's "class_weight": {"0": w, …}, class indices as keys (Keras' class_weight.get(class, 1.0) for the
 * classes not given). */
static bool
parse_class_weight (FtJsonParser *P, JsonNode *n, const char *sub, FtFitArgs *f)
{
  JsonObject *cw;
  char item[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, n, sub, &cw))
    return false;
  if (P->dup_obj == cw)
    return ft_json_check_keys (P, cw, sub, NULL, NULL, NULL);
  GList *members = json_object_get_members (cw);
  int max = -1;
  bool ok = true;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      char *end = NULL;
      long long c = g_ascii_strtoll (key, &end, 10);
      if (*key == '\0' || *end != '\0' || !g_ascii_isdigit (*key) || c < 0 || c >= MAX_CLASS_WEIGHTS)
        ok = ft_json_fail (P, sub, "expected class indices from 0 to %d as keys, got \"%s\"",
                           MAX_CLASS_WEIGHTS - 1, key);
      else
        max = MAX (max, (int) c);
    }
  if (ok && max >= 0)
    {
      float *w = g_new (float, max + 1);
      for (int i = 0; i <= max; i++)
        w[i] = 1.0f; /* Keras: class_weight.get(class, 1.0) */
      for (GList *l = members; l != NULL && ok; l = l->next)
        {
          const char *key = l->data;
          g_snprintf (item, sizeof item, "%s[\"%s\"]", sub, key);
          ok = ft_json_get_float (P, json_object_get_member (cw, key), item, FT_RANGE_NONNEG,
                                  &w[g_ascii_strtoll (key, NULL, 10)]);
        }
      g_free (f->class_weight);
      f->class_weight = w;
      f->n_class_weight = max + 1;
    }
  g_list_free (members);
  return ok;
}

static bool
parse_fit (FtJsonParser *P, JsonNode *node, const char *path, FtFitArgs *f)
{
  static const char *const keys[] = { "epochs",           "batch_size",    "shuffle",
                                      "validation_split", "initial_epoch", "validation_freq",
                                      "steps_per_epoch",  "class_weight",  NULL };
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o) || !ft_json_check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  if ((n = ft_json_member (o, "epochs", path, sub)) != NULL
      && !ft_json_get_int32 (P, n, sub, 1, INT32_MAX, &f->epochs))
    return false;
  if ((n = ft_json_member (o, "batch_size", path, sub)) != NULL
      && !ft_json_get_int32 (P, n, sub, 1, 1 << 20, &f->batch_size))
    return false;
  if ((n = ft_json_member (o, "shuffle", path, sub)) != NULL && !ft_json_get_bool (P, n, sub, &f->shuffle))
    return false;
  if ((n = ft_json_member (o, "validation_split", path, sub)) != NULL
      && !ft_json_get_number (P, n, sub, FT_RANGE_UNIT_OPEN, &f->validation_split))
    return false;
  if ((n = ft_json_member (o, "initial_epoch", path, sub)) != NULL
      && !ft_json_get_int32 (P, n, sub, 0, INT32_MAX, &f->initial_epoch))
    return false;
  if ((n = ft_json_member (o, "validation_freq", path, sub)) != NULL
      && !ft_json_get_int32 (P, n, sub, 1, INT32_MAX, &f->validation_freq))
    return false;
  if ((n = ft_json_member (o, "steps_per_epoch", path, sub)) != NULL)
    {
      if (JSON_NODE_HOLDS_NULL (n))
        f->steps_per_epoch = 0;
      else if (!ft_json_get_int32 (P, n, sub, 1, INT32_MAX, &f->steps_per_epoch))
        return false;
    }
  if ((n = ft_json_member (o, "class_weight", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n)
      && !parse_class_weight (P, n, sub, f))
    return false;
  GError *local = NULL;
  if (!ft_fit_args_validate (f, &local))
    {
      ft_json_fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
parse_steps (FtJsonParser *P, JsonNode *node, const char *path, FtLoopSteps *steps)
{
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  int n_steps = ft_loop_n_steps ();
  const char **keys = g_new0 (const char *, n_steps + 2);
  for (int i = 0; i < n_steps; i++)
    keys[i] = ft_loop_step_name (i);
  keys[n_steps] = "pitfalls";
  bool ok = ft_json_get_object (P, node, path, &o) && ft_json_check_keys (P, o, path, keys, NULL, NULL);
  for (int i = 0; ok && i < n_steps; i++)
    {
      JsonNode *n = ft_json_member (o, keys[i], path, sub);
      if (n != NULL)
        ok = ft_json_get_bool (P, n, sub, ft_loop_step_flag (steps, i));
    }
  g_free (keys);
  /* "pitfalls": ["training_false", …]: the mistakes switched on. */
  JsonNode *n;
  JsonArray *a;
  if (ok && (n = ft_json_member (o, "pitfalls", path, sub)) != NULL
      && (ok = ft_json_get_array (P, n, sub, &a)))
    for (guint i = 0; ok && i < json_array_get_length (a); i++)
      {
        char item[FT_JSON_PATH_MAX], name[48];
        FtPitfall p;
        ft_json_sub_index (item, sub, i);
        if (!(ok = ft_json_get_string_buf (P, json_array_get_element (a, i), item, true, name, sizeof name)))
          break;
        if (!ft_pitfall_from_name (name, &p))
          {
            GString *all = g_string_new (NULL);
            for (int k = 0; k < FT_N_PITFALLS; k++)
              g_string_append_printf (all, "%s%s", k ? ", " : "", ft_pitfall_name ((FtPitfall) k));
            ok = ft_json_fail (P, item, "unknown pitfall \"%s\" (expected one of %s)", name, all->str);
            g_string_free (all, TRUE);
          }
        else
          steps->pitfalls.on[p] = true;
      }
  return ok;
}

static bool
parse_callback (FtJsonParser *P, JsonNode *node, const char *path, FtCallbackSpec *cb)
{
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, node, path, &o))
    return false;
  const char *kind_names[FT_N_CALLBACK_KINDS];
  const char *all[FT_JSON_MAX_KIND_KEYS] = { "type", NULL };
  for (int i = 0; i < FT_N_CALLBACK_KINDS; i++)
    {
      kind_names[i] = ft_callback_kind_name ((FtCallbackKind) i);
      ft_json_add_kind_keys (ft_callback_kind_info ((FtCallbackKind) i), all);
    }
  JsonNode *n = ft_json_member (o, "type", path, sub);
  if (n == NULL)
    {
      char *list = ft_json_join_names (kind_names, FT_N_CALLBACK_KINDS);
      ft_json_fail (P, path, "missing \"type\" (expected %s)", list);
      g_free (list);
      return false;
    }
  int k;
  if (!ft_json_get_enum (P, n, sub, "callback", kind_names, FT_N_CALLBACK_KINDS, &k))
    return false;
  FtCallbackKind kind = (FtCallbackKind) k;
  const FtKindInfo *info = ft_callback_kind_info (kind);
  const char *keys[FT_JSON_MAX_KIND_KEYS] = { "type", NULL };
  ft_json_add_kind_keys (info, keys);
  if (!ft_json_check_keys (P, o, path, keys, all, kind_names[k]))
    return false;
  *cb = ft_callback_spec_default (kind);
  if (!ft_json_parse_params (P, o, path, info, cb))
    return false;

  GError *local = NULL;
  if (!ft_callback_spec_validate (cb, &local))
    {
      ft_json_fail (P, path, "%s", local->message);
      g_error_free (local);
      return false;
    }
  return true;
}

static bool
parse_callbacks (FtJsonParser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  JsonArray *a;
  char item[FT_JSON_PATH_MAX];
  if (!ft_json_get_array (P, node, path, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len > MAX_CALLBACKS)
    return ft_json_fail (P, path, "expected at most %d callbacks, got %u", MAX_CALLBACKS, len);
  if (len == 0)
    return true;
  e->callbacks = g_new0 (FtCallbackSpec, len);
  for (guint i = 0; i < len; i++)
    {
      ft_json_sub_index (item, path, i);
      if (!parse_callback (P, json_array_get_element (a, i), item, &e->callbacks[i]))
        return false;
      e->n_callbacks = (int) i + 1;
    }
  return true;
}

static bool
parse_hide (FtJsonParser *P, JsonNode *node, const char *path, FtExperiment *e)
{
  JsonArray *a;
  char item[FT_JSON_PATH_MAX];
  if (!ft_json_get_array (P, node, path, &a))
    return false;
  guint len = json_array_get_length (a);
  if (len == 0)
    return true;
  e->hide = g_new0 (char *, len + 1);
  for (guint i = 0; i < len; i++)
    {
      const char *s;
      ft_json_sub_index (item, path, i);
      if (!ft_json_get_string (P, json_array_get_element (a, i), item, &s))
        return false;
      if (*s == '\0')
        return ft_json_fail (P, item, "expected a control name, got \"\"");
      e->hide[i] = g_strdup (s);
    }
  return true;
}

static bool
parse_root (FtJsonParser *P, JsonNode *root, FtExperiment *e)
{
  static const char *const keys[] = { "title",     "notes",   "hide", "seed", "dataset",
                                      "model",     "compile", "mode", "fit",  "tape_loop",
                                      "callbacks", "view",    NULL };
  const char *path = "$";
  JsonObject *o;
  char sub[FT_JSON_PATH_MAX];
  if (!ft_json_get_object (P, root, path, &o) || !ft_json_check_keys (P, o, path, keys, NULL, NULL))
    return false;
  JsonNode *n;
  const char *s;
  if ((n = ft_json_member (o, "title", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!ft_json_get_string (P, n, sub, &s))
        return false;
      e->title = g_strdup (s);
    }
  if ((n = ft_json_member (o, "notes", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!ft_json_get_string (P, n, sub, &s))
        return false;
      e->notes = g_strdup (s);
    }
  if ((n = ft_json_member (o, "hide", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n)
      && !parse_hide (P, n, sub, e))
    return false;
  if ((n = ft_json_member (o, "view", path, sub)) != NULL)
    {
      int v;
      if (!ft_json_get_enum (P, n, sub, "view", ft_experiment_view_names, FT_N_EXPERIMENT_VIEWS, &v))
        return false;
      g_strlcpy (e->view, ft_experiment_view_names[v], sizeof e->view);
    }
  if ((n = ft_json_member (o, "seed", path, sub)) != NULL)
    {
      int64_t v;
      if (!ft_json_get_int (P, n, sub, 0, INT64_MAX, &v))
        return false;
      e->seed = (uint64_t) v;
    }
  if ((n = ft_json_member (o, "dataset", path, sub)) != NULL && !parse_dataset (P, n, sub, &e->data))
    return false;
  n = ft_json_member (o, "model", path, sub);
  if (n == NULL)
    return ft_json_fail (P, path, "missing \"model\" (its \"layers\" are required)");
  if (!parse_model (P, n, sub, e))
    return false;
  if ((n = ft_json_member (o, "compile", path, sub)) != NULL && !parse_compile (P, n, sub, &e->compile))
    return false;
  if ((n = ft_json_member (o, "mode", path, sub)) != NULL)
    {
      int v;
      if (!ft_json_get_enum (P, n, sub, "mode", ft_run_mode_names, G_N_ELEMENTS (ft_run_mode_names), &v))
        return false;
      e->mode = (FtRunMode) v;
    }
  if ((n = ft_json_member (o, "fit", path, sub)) != NULL && !parse_fit (P, n, sub, &e->fit))
    return false;
  if ((n = ft_json_member (o, "tape_loop", path, sub)) != NULL && !parse_steps (P, n, sub, &e->steps))
    return false;
  if ((n = ft_json_member (o, "callbacks", path, sub)) != NULL && !JSON_NODE_HOLDS_NULL (n)
      && !parse_callbacks (P, n, sub, e))
    return false;
  if (P->dup_obj != NULL) /* in an object no section looks at */
    return ft_json_fail (P, "$", "duplicate key \"%s\" (line %u)", P->dup_key, P->dup_line);
  return true;
}

static void
on_object_member (JsonParser *parser, JsonObject *obj, const char *name, gpointer user_data)
{
  FtJsonParser *P = user_data;
  guint size = json_object_get_size (obj);
  guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (P->sizes, obj));
  if (size == seen && P->dup_obj == NULL)
    {
      P->dup_obj = obj;
      P->dup_key = g_strdup (name);
      P->dup_line = json_parser_get_current_line (parser);
    }
  g_hash_table_insert (P->sizes, obj, GUINT_TO_POINTER (size));
}

/* what: the file's path, or NULL for a string. */
static FtExperiment *
experiment_parse (const char *json, gssize length, const char *what, GError **error)
{
  /* Depth, UTF-8 and surrogates before json-glib (deep nesting overflows its stack). */
  if (!ft_json_check (json, length, FT_LIMIT_JSON_DEPTH, what, error))
    return NULL;
  JsonParser *parser = json_parser_new_immutable ();
  FtJsonParser P = { .error = error, .sizes = g_hash_table_new (NULL, NULL) };
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &P);
  GError *local = NULL;
  FtExperiment *e = NULL;
  if (!json_parser_load_from_data (parser, json, length, &local))
    {
      /* json-glib says "<data>:LINE:COLUMN: Parse error: …" */
      unsigned line = 0, col = 0;
      int used = 0;
      const char *msg = local->message;
      if (sscanf (msg, "<data>:%u:%u: %n", &line, &col, &used) == 2 && used > 0)
        {
          msg += used;
          if (g_str_has_prefix (msg, "Parse error: "))
            msg += strlen ("Parse error: ");
          /* json-glib names the wrong closing bracket for a trailing comma in an object */
          if (g_error_matches (local, JSON_PARSER_ERROR, JSON_PARSER_ERROR_TRAILING_COMMA))
            msg = "a comma before a closing bracket (JSON allows no trailing comma)";
          if (what != NULL)
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s:%u:%u: JSON syntax error: %s", what, line,
                         col, msg);
          else
            g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "line %u, column %u: JSON syntax error: %s", line,
                         col, msg);
        }
      else
        g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "%s%sJSON syntax error: %s", what ? what : "",
                     what ? ": " : "", msg);
      g_error_free (local);
    }
  else if (json_parser_get_root (parser) == NULL)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "%s%sthe document is empty (expected an experiment object)", what ? what : "",
                 what ? ": " : "");
  else
    {
      e = ft_experiment_new_base ();
      if (!parse_root (&P, json_parser_get_root (parser), e))
        {
          ft_experiment_free (e);
          e = NULL;
          if (what != NULL && error != NULL && *error != NULL)
            g_prefix_error (error, "%s: ", what);
        }
    }
  g_free (P.dup_key);
  g_hash_table_destroy (P.sizes);
  g_object_unref (parser);
  return e;
}

FtExperiment *
ft_experiment_from_json (const char *json, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return experiment_parse (json, -1, NULL, error);
}

static void
resolve (char *path, size_t size, const char *dir)
{
  if (path[0] == '\0' || g_path_is_absolute (path))
    return;
  char *full = g_build_filename (dir, path, NULL);
  char *canon = g_canonicalize_filename (full, NULL);
  if (strlen (canon) < size)
    g_strlcpy (path, canon, size);
  g_free (canon);
  g_free (full);
}

FtExperiment *
ft_experiment_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  char *contents = NULL;
  gsize length = 0;
  if (!ft_safe_file_read (path, FT_LIMIT_EXPERIMENT_BYTES, "experiment file", &contents, &length, error))
    return NULL;
  FtExperiment *e = experiment_parse (contents, (gssize) length, path, error);
  g_free (contents);
  if (e != NULL)
    {
      char *dir = g_path_get_dirname (path);
      resolve (e->data.path, sizeof e->data.path, dir);
      resolve (e->data.test_path, sizeof e->data.test_path, dir);
      g_free (dir);
    }
  return e;
}
