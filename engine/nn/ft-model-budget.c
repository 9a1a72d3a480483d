/* ft-model-budget.c — a model's memory from its specs, checked before allocation (see ft-model-budget.h). */
#include "nn/ft-model-budget.h"

#include "core/ft-error.h"
#include "core/ft-limits.h"

#include <string.h>

static bool
elements (int ndim, const int *shape, size_t *out)
{
  size_t n = 1;
  for (int d = 0; d < ndim; d++)
    if (shape[d] < 0 || !ft_size_mul (n, (size_t) shape[d], &n))
      {
        *out = SIZE_MAX;
        return false;
      }
  *out = n;
  return true;
}

bool
ft_model_budget_check (const FtModel *model, int batch_size, int n_slots, GError **error)
{
  size_t budget = ft_limit_memory_budget ();
  size_t batch = (size_t) MAX (batch_size, 1), per_param = 4 * (size_t) (2 + MAX (n_slots, 0));
  int nd = 0, cur[FT_MAX_DIMS] = { 0 }, next[FT_MAX_DIMS];
  ft_model_input_shape (model, &nd, cur);
  size_t n_in = 0, total = 0;
  bool ok = elements (nd, cur, &n_in) && ft_size_mul (n_in, batch * 8, &total);
  size_t worst = 0;
  int worst_layer = -1;
  int seen[FT_N_LAYER_KINDS] = { 0 };
  char worst_name[64] = "";
  for (int i = 0; ok && i < ft_model_n_layers (model); i++)
    {
      const FtLayerSpec *l = ft_model_layer_spec (model, i);
      int k = (unsigned) l->kind < FT_N_LAYER_KINDS ? l->kind : 0;
      int out_nd = 0, nw = 0;
      FtWeightSpec w[FT_LAYER_MAX_WEIGHTS];
      GError *local = NULL;
      if (!ft_layer_infer (l, nd, cur, &out_nd, next, &nw, w, &local))
        {
          /* Not a budget question: ft_model_build names the problem. */
          g_error_free (local);
          return true;
        }
      size_t layer = 0, n = 0, outs = 0;
      for (int j = 0; ok && j < nw; j++)
        ok = elements (w[j].ndim, w[j].shape, &n) && ft_size_mul (n, per_param, &n)
             && ft_size_add (layer, n, &layer);
      ok = ok && elements (out_nd, next, &outs) && ft_size_mul (outs, batch * 12, &n)
           && ft_size_add (layer, n, &layer);
      ok = ok && ft_size_add (total, layer, &total);
      if (!ok || layer > worst)
        {
          worst = ok ? layer : SIZE_MAX;
          worst_layer = i;
          if (seen[k] == 0)
            g_snprintf (worst_name, sizeof worst_name, "%s", ft_layer_kind_base_name (l->kind));
          else
            g_snprintf (worst_name, sizeof worst_name, "%s_%d", ft_layer_kind_base_name (l->kind), seen[k]);
        }
      seen[k]++;
      nd = out_nd;
      memcpy (cur, next, sizeof cur);
    }
  if (ok && total <= budget)
    return true;
  char need[32], cap[32], most[32];
  ft_format_bytes (budget, cap, sizeof cap);
  if (!ok)
    g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                 "layer %d (%s): its size overflows a 64-bit byte count, far beyond the memory budget of %s",
                 worst_layer + 1, worst_name, cap);
  else
    g_set_error (
        error, FT_ERROR, FT_ERROR_INVALID,
        "layer %d (%s) needs %s (weights, gradients, optimizer state and activations at batch size %zu); "
        "the whole model needs %s, more than the memory budget of %s",
        worst_layer + 1, worst_name, ft_format_bytes (worst, most, sizeof most), batch,
        ft_format_bytes (total, need, sizeof need), cap);
  return false;
}
