/* ft-code-map.c — the code map of a generated script (see ft-codegen.h): the regions' names and titles,
 * and which region or pitfall holds a line. The map is filled in by the writer, ft-py-writer.c. */
#include "experiment/ft-codegen.h"

static const struct
{
  const char *name;
  const char *title;
} region_info[FT_CODE_N_REGIONS] = {
  [FT_CODE_DEFINE_MODEL] = { "define_model", "Define the model" },
  [FT_CODE_COMPILE] = { "compile", "Optimizer, loss and metrics" },
  [FT_CODE_LOOP] = { "loop", "The loop" },
  [FT_CODE_TRAIN_STEP] = { "train_step", "Train" },
  [FT_CODE_VALIDATE] = { "validate", "Validate" },
  [FT_CODE_EVALUATE] = { "evaluate", "Evaluate" },
  [FT_CODE_HEADER] = { "header", "About this script" },
  [FT_CODE_DATA] = { "data", "The data" },
  [FT_CODE_CALLBACKS] = { "callbacks", "Callbacks" },
  [FT_CODE_STEP_BATCHING] = { "batching", "Batching" },
  [FT_CODE_STEP_SHUFFLE] = { "shuffle", "Shuffle" },
  [FT_CODE_STEP_SPLIT] = { "split", "Validation split" },
  [FT_CODE_STEP_VALIDATE] = { "validate", "Validation pass" },
  [FT_CODE_STEP_RESET_METRICS] = { "reset_metrics", "Reset the metrics" },
  [FT_CODE_STEP_EARLY_STOPPING] = { "early_stopping", "Early stopping" },
  [FT_CODE_STEP_CHECKPOINT] = { "checkpoint", "Checkpoint" },
  [FT_CODE_STEP_PROGRESS] = { "progress", "Progress" },
  [FT_CODE_BATCH_LINE] = { "batch_line", "One batch" },
  [FT_CODE_EPOCH_START] = { "epoch_start", "Epoch start" },
  [FT_CODE_EPOCH_END] = { "epoch_end", "Epoch end" },
};

const char *
ft_code_region_name (FtCodeRegion region)
{
  g_return_val_if_fail ((unsigned) region < FT_CODE_N_REGIONS, NULL);
  return region_info[region].name;
}

const char *
ft_code_region_title (FtCodeRegion region)
{
  g_return_val_if_fail ((unsigned) region < FT_CODE_N_REGIONS, NULL);
  return region_info[region].title;
}

FtCodeRegion
ft_code_region_for_loop_step (int step)
{
  g_return_val_if_fail (step >= 0 && step < ft_loop_n_steps (), FT_CODE_STEP_BATCHING);
  return (FtCodeRegion) (FT_CODE_STEP_BATCHING + step);
}

int
ft_code_map_pitfall_at (const FtCodeMap *map, int line)
{
  for (int p = 0; p < FT_N_PITFALLS; p++)
    for (int i = 0; i < map->pitfalls[p].n_ranges; i++)
      if (line >= map->pitfalls[p].ranges[i].first && line <= map->pitfalls[p].ranges[i].last)
        return p;
  return -1;
}

int
ft_code_map_first_line (const FtCodeMap *map, FtCodeRegion region)
{
  g_return_val_if_fail (map != NULL && (unsigned) region < FT_CODE_N_REGIONS, 0);
  const FtCodeSpan *span = &map->regions[region];
  return span->n_ranges > 0 ? span->ranges[0].first : 0;
}

bool
ft_code_map_contains (const FtCodeMap *map, FtCodeRegion region, int line)
{
  g_return_val_if_fail (map != NULL && (unsigned) region < FT_CODE_N_REGIONS, false);
  const FtCodeSpan *span = &map->regions[region];
  for (int i = 0; i < span->n_ranges; i++)
    if (line >= span->ranges[i].first && line <= span->ranges[i].last)
      return true;
  return false;
}

int
ft_code_map_outline_at (const FtCodeMap *map, int line)
{
  g_return_val_if_fail (map != NULL, -1);
  /* Innermost first: the validation pass lies in the loop (tape mode) or in the model.fit() call that is
   * also the train step (fit mode); the train step lies in the loop in fit mode. */
  static const FtCodeRegion order[] = { FT_CODE_VALIDATE, FT_CODE_TRAIN_STEP, FT_CODE_DEFINE_MODEL,
                                        FT_CODE_COMPILE,  FT_CODE_EVALUATE,   FT_CODE_LOOP };
  for (size_t i = 0; i < G_N_ELEMENTS (order); i++)
    if (ft_code_map_contains (map, order[i], line))
      return (int) order[i];
  return -1;
}
