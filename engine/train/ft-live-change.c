/* ft-live-change.c — a change of learning rate, regularization, activation or input features applied to a
 * training run between two steps, with its label (see ft-live-change.h). */
#include "train/ft-live-change.h"
#include "core/ft-error.h"
#include "core/ft-format.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = { "learning_rate", "regularization", "activation", "features" };
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == FT_N_LIVE_CHANGES);

const char *
ft_live_change_kind_name (FtLiveChangeKind kind)
{
  return (unsigned) kind < FT_N_LIVE_CHANGES ? kind_names[kind] : "?";
}

bool
ft_live_change_valid (const FtLiveChange *c)
{
  switch (c->kind)
    {
    case FT_LIVE_LEARNING_RATE:
      return isfinite (c->learning_rate) && c->learning_rate > 0.0f;
    case FT_LIVE_REGULARIZATION:
      return isfinite (c->l1) && isfinite (c->l2) && c->l1 >= 0.0f && c->l2 >= 0.0f;
    case FT_LIVE_ACTIVATION:
      return (unsigned) c->activation < FT_N_ACTIVATIONS && c->activation != FT_ACT_SOFTMAX;
    case FT_LIVE_FEATURES:
      return (c->features & ~FT_FEATURES_ALL) == 0u;
    case FT_N_LIVE_CHANGES:
      break;
    }
  return false;
}

/* The first Dense or Conv2D layer's factors: what the Playground's one control showed. */
static void
first_factors (const FtModel *m, float *l1, float *l2)
{
  *l1 = *l2 = 0.0f;
  for (int i = 0; i < ft_model_n_layers (m); i++)
    {
      const FtLayerSpec *s = ft_model_layer_spec (m, i);
      if (s->kind == FT_LAYER_DENSE || s->kind == FT_LAYER_CONV2D)
        {
          *l1 = s->kernel_l1;
          *l2 = s->kernel_l2;
          return;
        }
    }
}

/* The features the model sees (the raw points are x₁ and x₂). */
static unsigned
effective_features (unsigned mask)
{
  return mask != 0 ? mask : FT_FEATURE_X1 | FT_FEATURE_X2;
}

void
ft_live_features_label (unsigned mask, char *label, size_t size)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < FT_N_FEATURES; i++)
    if (effective_features (mask) & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", ft_feature_label (i));
  g_strlcpy (label, s->str, size);
  g_string_free (s, TRUE);
}

/* The trainer's input features become mask from step on (see ft_live_change_apply). */
static bool
change_features (FtTrainer *t, unsigned mask, int64_t step, GError **error)
{
  unsigned old = ft_trainer_features (t);
  if (old == 0 && ft_trainer_sample_size (t) != 2)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the model does not take 2-D points");
      return false;
    }
  unsigned eo = effective_features (old), en = effective_features (mask);
  int n = 0, from[FT_N_FEATURES];
  for (int i = 0; i < FT_N_FEATURES; i++)
    if (en & (1u << i))
      from[n++] = ft_features_position (eo, i);
  /* The run's seed and the step, mixed: a fit run and its tape twin draw the same new rows. */
  uint64_t seed = ft_trainer_seed (t) ^ (0x9E3779B97F4A7C15ull * (uint64_t) (step + 1));
  FtModel *m = ft_trainer_model (t);
  if (!ft_model_set_input_width (m, n, from, seed, error))
    return false;
  FtTensor *kernel = ft_model_weight (m, 0);
  FtTensor *const *vars = ft_model_trainable (m);
  for (int k = 0; k < ft_model_n_trainable (m); k++)
    if (vars[k] == kernel)
      ft_optimizer_remap_rows (ft_trainer_optimizer (t), k, (size_t) kernel->shape[1], n, from);
  ft_trainer_set_features (t, mask);
  return true;
}

static bool
apply_features (FtTrainer *trainer, const FtLiveChange *c, int64_t step, char *label, size_t size)
{
  char before[80], after[80];
  ft_live_features_label (ft_trainer_features (trainer), before, sizeof before);
  ft_live_features_label (c->features, after, sizeof after);
  GError *error = NULL;
  bool ok = change_features (trainer, c->features, step, &error);
  /* "the inputs cannot change: the first layer is not Dense" → "refused, the first layer is not Dense" */
  const char *why = error != NULL ? strstr (error->message, ": ") : NULL;
  g_snprintf (label, size, "features %s → %s%s%s", before, after, ok ? "" : ": refused, ",
              ok ? "" : (why != NULL ? why + 2 : error->message));
  g_clear_error (&error);
  return ok;
}

bool
ft_live_change_apply (FtTrainer *trainer, const FtLiveChange *c, int64_t step, char *label, size_t size)
{
  FtModel *m = ft_trainer_model (trainer);
  switch (c->kind)
    {
    case FT_LIVE_LEARNING_RATE:
      {
        FtOptimizer *opt = ft_trainer_optimizer (trainer);
        float old = ft_optimizer_get_learning_rate (opt);
        ft_optimizer_set_learning_rate (opt, c->learning_rate);
        g_snprintf (label, size, "lr %g → %g", (double) old, (double) c->learning_rate);
        return true;
      }
    case FT_LIVE_REGULARIZATION:
      {
        float l1, l2;
        first_factors (m, &l1, &l2);
        ft_model_set_kernel_regularization (m, c->l1, c->l2);
        if (l1 == c->l1)
          g_snprintf (label, size, "L2 %g → %g", (double) l2, (double) c->l2);
        else if (l2 == c->l2)
          g_snprintf (label, size, "L1 %g → %g", (double) l1, (double) c->l1);
        else
          g_snprintf (label, size, "L1 %g → %g, L2 %g → %g", (double) l1, (double) c->l1, (double) l2,
                      (double) c->l2);
        return true;
      }
    case FT_LIVE_ACTIVATION:
      {
        FtActivation old = c->activation;
        ft_model_set_hidden_activation (m, c->activation, &old);
        g_snprintf (label, size, "%s → %s", ft_activation_name (old), ft_activation_name (c->activation));
        return true;
      }
    case FT_LIVE_FEATURES:
      return apply_features (trainer, c, step, label, size);
    case FT_N_LIVE_CHANGES:
      break;
    }
  g_snprintf (label, size, "?");
  return false;
}

char *
ft_live_changes_to_json (const FtLiveChangeRecord *records, int n)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < n; i++)
    {
      const FtLiveChangeRecord *r = &records[i];
      g_string_append_printf (
          s, "%s{\"epoch\": %d, \"batch\": %d, \"step\": %" G_GINT64_FORMAT ", \"kind\": ", i ? ", " : "",
          r->epoch, r->batch, r->step);
      ft_json_append_string (s, ft_live_change_kind_name (r->change.kind));
      g_string_append (s, ", \"change\": ");
      ft_json_append_string (s, r->label);
      g_string_append (s, r->refused ? ", \"refused\": true}" : "}");
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}
