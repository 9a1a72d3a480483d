/* ft-divergence.c — the first-divergence finder (see ft-divergence.h). Its table says, for each switch,
 * which state it can make differ first; a divergence no set switch accounts for is "unexplained". */
#include "train/ft-divergence.h"

#include "core/ft-format.h"

#include <math.h>
#include <string.h>

#define BIT(p) (1u << (p))

/* Per loop step (FtLoopSteps order), the parts that may differ first when it is left out. */
static const unsigned step_parts[] = {
  BIT (FT_FP_SHUFFLE_RNG) | BIT (FT_FP_ORDER), /* batching: one batch of every sample */
  BIT (FT_FP_SHUFFLE_RNG) | BIT (FT_FP_ORDER), /* shuffle: no draws, the same order */
  BIT (FT_FP_SHUFFLE_RNG) | BIT (FT_FP_ORDER), /* split: a permutation of more samples */
  BIT (FT_FP_LOGS),                            /* validate: no val_ logs */
  BIT (FT_FP_METRICS),                         /* reset_metrics: the 2nd epoch's running means */
  BIT (FT_FP_CALLBACKS),                       /* early_stopping: stop_training not set */
  BIT (FT_FP_CALLBACKS),                       /* checkpoint: no checkpoint saved */
  BIT (FT_FP_CALLBACKS),                       /* progress: nothing reported */
};

static const unsigned pitfall_parts[FT_N_PITFALLS] = {
  [FT_PITFALL_TRAINING_FALSE] = BIT (FT_FP_DROPOUT_RNG) | BIT (FT_FP_LOSS),
  [FT_PITFALL_VALIDATE_TRAINING_TRUE] = BIT (FT_FP_LOGS),
  [FT_PITFALL_NO_REGULARIZATION_LOSS] = BIT (FT_FP_LOSS),
  [FT_PITFALL_FROM_LOGITS_MISMATCH] = BIT (FT_FP_LOSS),
  [FT_PITFALL_EPOCH_LOSS_LAST_BATCH] = BIT (FT_FP_LOGS),
  [FT_PITFALL_UNWEIGHTED_BATCH_MEAN] = BIT (FT_FP_METRICS),
  [FT_PITFALL_SPLIT_AFTER_SHUFFLE] = BIT (FT_FP_SHUFFLE_RNG) | BIT (FT_FP_ORDER),
  [FT_PITFALL_SHUFFLE_BUFFER] = BIT (FT_FP_SHUFFLE_RNG) | BIT (FT_FP_ORDER),
  [FT_PITFALL_NO_CLASS_WEIGHT] = BIT (FT_FP_LOSS),
};

G_STATIC_ASSERT (G_N_ELEMENTS (step_parts) == 8);

bool
ft_divergence_step_explains (int step, FtFpPart part)
{
  g_return_val_if_fail (step >= 0 && step < ft_loop_n_steps (), false);
  return (unsigned) part < FT_N_FP_PARTS && (step_parts[step] & BIT (part)) != 0;
}

bool
ft_divergence_pitfall_explains (FtPitfall pitfall, FtFpPart part)
{
  g_return_val_if_fail ((unsigned) pitfall < FT_N_PITFALLS, false);
  return (unsigned) part < FT_N_FP_PARTS && (pitfall_parts[pitfall] & BIT (part)) != 0;
}

static void
explain (const FtLoopSteps *steps, FtDivergence *d)
{
  FtLoopSteps s = *steps;
  for (int i = 0; i < ft_loop_n_steps (); i++)
    if (!*ft_loop_step_flag (&s, i) && ft_divergence_step_explains (i, d->part))
      {
        d->cause_kind = FT_CAUSE_STEP;
        d->cause = i;
        g_strlcpy (d->cause_text, ft_loop_step_cause (i), sizeof d->cause_text);
        return;
      }
  for (int p = 0; p < FT_N_PITFALLS; p++)
    if (steps->pitfalls.on[p] && ft_divergence_pitfall_explains ((FtPitfall) p, d->part))
      {
        d->cause_kind = FT_CAUSE_PITFALL;
        d->cause = p;
        g_strlcpy (d->cause_text, ft_pitfall_explanation ((FtPitfall) p), sizeof d->cause_text);
        return;
      }
  d->cause_kind = FT_CAUSE_UNEXPLAINED;
  d->cause = -1;
  g_snprintf (d->cause_text, sizeof d->cause_text,
              "unexplained: the %s differ and no switch of the loop accounts for it",
              d->part < FT_N_FP_PARTS ? ft_fp_part_name (d->part) : "run lengths");
}

void
ft_divergence_find (FtFingerprints *a, FtFingerprints *b, const FtLoopSteps *steps, FtDivergence *d)
{
  memset (d, 0, sizeof *d);
  d->cause_kind = FT_CAUSE_NONE;
  d->cause = -1;
  d->part = FT_N_FP_PARTS;
  /* Read completeness before lengths: a run that is complete has all its records. */
  bool complete_a = ft_fingerprints_complete (a), complete_b = ft_fingerprints_complete (b);
  int na = ft_fingerprints_len (a), nb = ft_fingerprints_len (b);
  int n = na < nb ? na : nb;
  for (int i = 0; i < n; i++)
    {
      FtFingerprint fa, fb;
      ft_fingerprints_get (a, i, &fa);
      ft_fingerprints_get (b, i, &fb);
      int first = -1;
      if (fa.batch != fb.batch || fa.epoch != fb.epoch)
        first = FT_N_FP_PARTS; /* one run ended its epoch (or stepped) where the other did not */
      for (int p = 0; first < 0 && p < FT_N_FP_PARTS; p++)
        if (fa.hash[p] != fb.hash[p])
          first = p;
      if (first >= 0)
        {
          d->diverged = true;
          d->record = i;
          d->epoch = fa.epoch;
          d->batch = fa.batch;
          d->part = (FtFpPart) first;
          d->loss_a = fa.loss;
          d->loss_b = fb.loss;
          if (first == FT_N_FP_PARTS)
            {
              /* Different record kinds: the first where they differ is the earlier in the run. */
              bool a_end = fa.batch < 0;
              d->part = a_end ? (fb.batch >= 0 ? FT_FP_ORDER : FT_FP_LOGS) : FT_FP_ORDER;
            }
          explain (steps, d);
          d->complete = complete_a && complete_b;
          return;
        }
      if (fa.batch < 0)
        d->epochs_compared++;
      else
        d->steps_compared++;
    }
  d->complete = complete_a && complete_b;
  if (d->complete && na != nb)
    {
      FtFingerprint f;
      ft_fingerprints_get (na > nb ? a : b, n, &f);
      d->diverged = true;
      d->record = n;
      d->epoch = f.epoch;
      d->batch = f.batch;
      d->part = FT_FP_CALLBACKS; /* one run went on where the other stopped */
      explain (steps, d);
    }
}

char *
ft_divergence_headline (const FtDivergence *d)
{
  if (!d->diverged)
    return ft_divergence_describe (d);
  if (d->batch < 0)
    return g_strdup_printf ("parted at the end of epoch %d: %s", d->epoch + 1, d->cause_text);
  return g_strdup_printf ("parted at epoch %d, step %d: %s", d->epoch + 1, d->batch + 1, d->cause_text);
}

char *
ft_divergence_describe (const FtDivergence *d)
{
  if (!d->diverged)
    {
      char epochs[32], steps[32];
      ft_format_thousands (epochs, sizeof epochs, d->epochs_compared);
      ft_format_thousands (steps, sizeof steps, d->steps_compared);
      return g_strdup_printf ("fit() and the tape loop: %s — %s %s, %s %s, every weight the same bit for bit",
                              d->complete ? "identical" : "identical so far", epochs,
                              d->epochs_compared == 1 ? "epoch" : "epochs", steps,
                              d->steps_compared == 1 ? "step" : "steps");
    }
  if (d->batch < 0)
    return g_strdup_printf ("parted at the end of epoch %d: %s (first in the %s)", d->epoch + 1,
                            d->cause_text, ft_fp_part_name (d->part));
  return g_strdup_printf ("parted at epoch %d, step %d: %s (first in the %s)", d->epoch + 1, d->batch + 1,
                          d->cause_text, ft_fp_part_name (d->part));
}

static void
json_float (GString *s, float v)
{
  if (isfinite (v))
    g_string_append_printf (s, "%.9g", (double) v);
  else
    g_string_append (s, "null");
}

char *
ft_divergence_to_json (const FtDivergence *d)
{
  GString *s = g_string_new ("{");
  if (!d->diverged)
    {
      g_string_append_printf (s, "\"diverged\": false, \"complete\": %s, \"epochs\": %d, \"steps\": %d}",
                              d->complete ? "true" : "false", d->epochs_compared, d->steps_compared);
      return g_string_free (s, FALSE);
    }
  g_string_append_printf (s, "\"diverged\": true, \"epoch\": %d, ", d->epoch + 1);
  if (d->batch >= 0)
    g_string_append_printf (s, "\"step\": %d, ", d->batch + 1);
  else
    g_string_append (s, "\"step\": null, ");
  g_string_append (s, "\"part\": ");
  ft_json_append_string (s, ft_fp_part_name (d->part));
  const char *kind = d->cause_kind == FT_CAUSE_STEP      ? "step"
                     : d->cause_kind == FT_CAUSE_PITFALL ? "pitfall"
                                                         : "unexplained";
  g_string_append_printf (s, ", \"cause_kind\": \"%s\", \"cause\": ", kind);
  if (d->cause_kind == FT_CAUSE_STEP)
    ft_json_append_string (s, ft_loop_step_name (d->cause));
  else if (d->cause_kind == FT_CAUSE_PITFALL)
    ft_json_append_string (s, ft_pitfall_name ((FtPitfall) d->cause));
  else
    g_string_append (s, "null");
  g_string_append (s, ", \"explanation\": ");
  ft_json_append_string (s, d->cause_text);
  if (d->batch >= 0)
    {
      g_string_append (s, ", \"loss_fit\": ");
      json_float (s, d->loss_a);
      g_string_append (s, ", \"loss_tape\": ");
      json_float (s, d->loss_b);
    }
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}
