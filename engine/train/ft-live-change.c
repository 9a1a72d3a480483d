/* ft-live-change.c — a change of learning rate, regularization or activation applied to a training run
 * between two steps, with its label (see ft-live-change.h). */
#include "train/ft-live-change.h"
#include "core/ft-format.h"

#include <math.h>

static const char *const kind_names[] = { "learning_rate", "regularization", "activation" };
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

void
ft_live_change_apply (FtTrainer *trainer, const FtLiveChange *c, char *label, size_t size)
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
        return;
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
        return;
      }
    case FT_LIVE_ACTIVATION:
      {
        FtActivation old = c->activation;
        ft_model_set_hidden_activation (m, c->activation, &old);
        g_snprintf (label, size, "%s → %s", ft_activation_name (old), ft_activation_name (c->activation));
        return;
      }
    case FT_N_LIVE_CHANGES:
      break;
    }
  g_snprintf (label, size, "?");
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
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}
