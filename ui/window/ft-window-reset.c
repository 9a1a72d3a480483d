/* ft-window-reset.c — the two resets (TensorFlow Playground's most asked-for): "reset to the same starting
 * weights" keeps the experiment's seed, so the next Train starts exactly where the last one did (the
 * comparison of two settings from one start); "reset with new weights" moves to the next seed, recorded in
 * the experiment and the generated code; the Playground points stay as they are (the data seed is pinned
 * first, ft-data-seed.h; "Regenerate" on the dataset panel draws new points). Both stop the runs and clear
 * the curves (ft_window_reset). */
#include "window/ft-window-private.h"

#include "experiment/ft-data-seed.h"

void
ft_window_reset_same_weights (FtWindow *self)
{
  ft_window_reset (self);
  char *msg = g_strdup_printf ("The next Train starts from the same weights (seed %" G_GUINT64_FORMAT ")",
                               (guint64) self->exp->seed);
  ft_window_toast (self, msg);
  g_free (msg);
}

void
ft_window_reset_new_weights (FtWindow *self)
{
  ft_experiment_pin_data_seed (self->exp);
  ft_experiment_pin_data_seed (self->exp);
  self->exp->seed++;
  ft_training_panel_set_experiment (self->training_panel, self->exp); /* the seed shown */
  g_signal_emit_by_name (self->training_panel, "changed");            /* the code, the controls */
  ft_window_reset (self);
  char *msg = g_strdup_printf ("New starting weights: seed %" G_GUINT64_FORMAT, (guint64) self->exp->seed);
  ft_window_toast (self, msg);
  g_free (msg);
}
