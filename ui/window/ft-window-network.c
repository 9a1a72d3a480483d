/* ft-window-network.c — the Network view in the window: the page beside Curves, Code, Tape and "Where it is
 * wrong"; the run it follows (the first of a Train press, whose epoch-end events carry its weights); its
 * +/− edits of the experiment passed on to the panels; its weight edits passed to the paused runners. */
#include "window/ft-window-private.h"

#include "experiment/ft-network-edit.h"
#include "views/ft-decision-view.h"
#include "views/ft-network-view.h"

void
ft_window_network_init (FtWindow *self)
{
  self->network_view = ft_network_view_new ();
  GtkWidget *page = gtk_stack_get_child_by_name (self->view_stack, "network");
  gtk_widget_set_vexpand (self->network_view, TRUE);
  /* In a scrolled window, so that the page never raises the window's minimum size (the view stack sizes
   * every page): a window narrower than the view's controls scrolls instead. */
  GtkWidget *scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), self->network_view);
  gtk_box_append (GTK_BOX (page), scroll);
  g_signal_connect_swapped (self->network_view, "changed", G_CALLBACK (ft_window_network_changed), self);
  g_signal_connect_swapped (self->network_view, "edit-weight", G_CALLBACK (ft_window_network_edit_weight),
                            self);
  g_signal_connect_swapped (self->network_view, "points-changed",
                            G_CALLBACK (ft_window_network_points_changed), self);
  g_signal_connect_swapped (self->network_view, "regenerate", G_CALLBACK (ft_window_network_regenerate),
                            self);
}

/* +/−, features, regularization: the model editor shows the edited layers, and the window reacts as to any
 * panel edit (the code, the checklist, the controls, and the running runs: the regularization applies from
 * their next step, ft-window-live.c; layers and features wait for the next Train). */
void
ft_window_network_changed (FtWindow *self)
{
  ft_model_editor_set_experiment (self->model_editor, self->exp);
  ft_compile_panel_set_experiment (self->compile_panel, self->exp); /* the learning rate */
  /* The window's edit handler reacts, running runs too (ft_window_live_edited). */
  g_signal_emit_by_name (self->model_editor, "changed");
}

/* "Regenerate" on the view: the dataset panel draws new points (and says the seed), as its button does. */
void
ft_window_network_regenerate (FtWindow *self)
{
  if (!ft_dataset_panel_regenerate (self->dataset_panel))
    return;
  char *msg = g_strdup_printf ("New points (data seed %" G_GUINT64_FORMAT "), the same starting weights",
                               (guint64) self->exp->data.seed);
  ft_window_toast (self, msg);
  g_free (msg);
}

/* Points drawn on the prediction: the dataset panel loads the data again (its preview, the next Train). */
void
ft_window_network_points_changed (FtWindow *self)
{
  ft_dataset_panel_set_experiment (self->dataset_panel, self->exp);
}

/* A click on a link or a bias: the same weight in every run of this Train press that is paused (fit and
 * tape stay identical), applied before their next batch; the decision regions follow. */
gboolean
ft_window_network_edit_weight (FtWindow *self, guint64 index, float value)
{
  guint edited = 0;
  for (guint i = 0; i < self->active->len; i++)
    {
      FtWindowRun *run = g_ptr_array_index (self->active, i);
      if (run->state == FT_RUN_STATE_RUNNING && ft_runner_is_paused (ft_run_runner (run->engine)))
        edited++;
    }
  if (edited == 0 || edited != self->active->len)
    {
      ft_window_toast (self, "Pause the training to edit a weight: it applies before the next batch");
      return FALSE;
    }
  for (guint i = 0; i < self->active->len; i++)
    ft_runner_set_weight (ft_run_runner (((FtWindowRun *) g_ptr_array_index (self->active, i))->engine),
                          (size_t) index, value);
  const FtNeuronMaps *maps = ft_network_view_get_maps (FT_NETWORK_VIEW (self->network_view));
  if (self->decision_run != NULL && maps != NULL && index < maps->n_weights)
    {
      float *w = g_memdup2 (maps->weights, maps->n_weights * sizeof (float));
      w[index] = value;
      ft_decision_view_update_weights (FT_DECISION_VIEW (self->decision_view), w, maps->n_weights);
      g_free (w);
    }
  char *msg = g_strdup_printf ("Weight %" G_GUINT64_FORMAT " set to %g: the next batch starts from it", index,
                               (double) value);
  ft_window_toast (self, msg);
  g_free (msg);
  return TRUE;
}

/* The view shows exp with the run's training set, shared with the run (a copy of Fashion-MNIST's was
 * 188 MB, made on the main loop at every Train press). */
void
ft_window_network_show_run (FtWindow *self, FtWindowRun *run, const FtExperiment *exp)
{
  ft_network_view_set_shared_data (FT_NETWORK_VIEW (self->network_view), exp, run->data->train,
                                   ft_shared_data_ref (run->data), (GDestroyNotify) ft_shared_data_unref);
}

/* A Train press started: the view follows its first run (its experiment, its data, its weights). */
void
ft_window_network_runs_started (FtWindow *self, const FtDataset *test)
{
  ft_network_view_set_test_data (FT_NETWORK_VIEW (self->network_view), test);
  self->network_run = self->active->len > 0 ? g_ptr_array_index (self->active, 0) : NULL;
  if (self->network_run == NULL)
    return;
  ft_window_network_show_run (self, self->network_run, ft_run_experiment (self->network_run->engine));
  ft_runner_set_share_weights (ft_run_runner (self->network_run->engine), true);
}

void
ft_window_network_epoch_end (FtWindow *self, FtWindowRun *run, const FtRunEvent *ev)
{
  if (run == self->network_run && ev->weights != NULL)
    ft_network_view_update_weights (FT_NETWORK_VIEW (self->network_view), ev->weights, ev->n_weights);
}

/* The experiment's data were (re)loaded or the runs were reset: the experiment being edited, with the
 * weights its seed gives, unless a run is training. */
void
ft_window_network_show_experiment (FtWindow *self)
{
  if (self->network_view == NULL)
    return;
  ft_network_view_set_experiment (FT_NETWORK_VIEW (self->network_view), self->exp);
  if (ft_window_is_training (self) || self->exp == NULL)
    return;
  self->network_run = NULL;
  ft_network_view_set_data (FT_NETWORK_VIEW (self->network_view), self->exp,
                            ft_dataset_panel_get_dataset (self->dataset_panel));
  ft_network_view_set_test_data (FT_NETWORK_VIEW (self->network_view),
                                 ft_dataset_panel_get_test_dataset (self->dataset_panel));
}
