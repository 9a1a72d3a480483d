/* ft-data-seed.c — the generated data's own seed (dataset.seed): which seed draws the Playground points,
 * pinning it, and "regenerate". See ft-data-seed.h. */
#include "experiment/ft-data-seed.h"

uint64_t
ft_experiment_data_seed (const FtExperiment *exp)
{
  g_return_val_if_fail (exp != NULL, 0);
  return exp->data.has_seed ? exp->data.seed : exp->seed;
}

void
ft_experiment_pin_data_seed (FtExperiment *exp)
{
  g_return_if_fail (exp != NULL);
  if (exp->data.source != FT_DATA_PLAYGROUND || exp->data.has_seed)
    return;
  exp->data.seed = exp->seed;
  exp->data.has_seed = true;
}

bool
ft_experiment_regenerate_data (FtExperiment *exp, uint64_t *new_seed)
{
  g_return_val_if_fail (exp != NULL, false);
  if (exp->data.source != FT_DATA_PLAYGROUND)
    return false;
  uint64_t s = ft_experiment_data_seed (exp);
  /* Past the largest seed a file may hold (JSON's safe integers), start again from 0. */
  exp->data.seed = s + 2 <= FT_DATA_SEED_MAX ? s + 2 : 0;
  exp->data.has_seed = true;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < exp->data.n_points; i++)
    if (exp->data.points[i].label >= 0)
      exp->data.points[kept++] = exp->data.points[i];
  exp->data.n_points = kept;
  if (kept == 0)
    g_clear_pointer (&exp->data.points, g_free);
  if (new_seed != NULL)
    *new_seed = exp->data.seed;
  return true;
}
