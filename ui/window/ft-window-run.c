/* ft-window-run.c — the window's run object and its row in the runs list (see ft-window-run.h). */
#include "window/ft-window-run.h"

#include "window/ft-window-private.h"

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_PLOTTED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (FtWindowRun, ft_window_run, G_TYPE_OBJECT)

static const char *
state_text (FtRunState state)
{
  switch (state)
    {
    case FT_RUN_STATE_FINISHED:
      return "finished";
    case FT_RUN_STATE_STOPPED:
      return "stopped";
    case FT_RUN_STATE_FAILED:
      return "failed";
    case FT_RUN_STATE_RUNNING:
      return "training";
    }
  g_return_val_if_reached ("training");
}

const char *
ft_window_run_state_text (int state)
{
  return state_text ((FtRunState) state);
}

/* "finished · 12 epochs · Spiral · val_accuracy 0.9812 · test 0.9750" */
static char *
subtitle (FtWindowRun *run)
{
  GString *s = g_string_new (NULL);
  int epochs = ft_run_epochs_done (run->engine);
  const FtExperiment *exp = ft_run_experiment (run->engine);
  g_string_printf (s, "%s · %d epoch%s · %s", state_text (run->state), epochs, epochs == 1 ? "" : "s",
                   exp->title ? exp->title : "untitled");
  FtHistory *history = ft_run_history (run->engine);
  int n = ft_history_n_epochs (history);
  if (n > 0)
    {
      double v;
      const FtLogs *last = ft_history_logs (history, n - 1);
      if (ft_logs_get (last, "val_accuracy", &v))
        g_string_append_printf (s, " · val_accuracy %.4f", v);
      else if (ft_logs_get (last, "accuracy", &v))
        g_string_append_printf (s, " · accuracy %.4f", v);
    }
  double acc;
  if (run->has_test_logs && ft_logs_get (&run->test_logs, "accuracy", &acc))
    g_string_append_printf (s, " · test %.4f", acc);
  return g_string_free (s, FALSE);
}

void
ft_window_run_changed (FtWindowRun *run)
{
  g_object_notify_by_pspec (G_OBJECT (run), props[PROP_SUBTITLE]);
}

static void
set_plotted (FtWindowRun *run, gboolean plotted)
{
  if (run->plotted == plotted)
    return;
  run->plotted = plotted;
  if (run->window != NULL)
    {
      ft_plot_model_set_run_visible (run->window->plot_model, run->plot_run, plotted);
      ft_plot_view_changed (FT_PLOT_VIEW (run->window->loss_view));
      ft_plot_view_changed (FT_PLOT_VIEW (run->window->acc_view));
    }
  g_object_notify_by_pspec (G_OBJECT (run), props[PROP_PLOTTED]);
}

static void
ft_window_run_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  FtWindowRun *run = FT_WINDOW_RUN (object);
  switch (id)
    {
    case PROP_TITLE:
      g_value_set_string (value, run->name);
      break;
    case PROP_SUBTITLE:
      g_value_take_string (value, run->engine != NULL ? subtitle (run) : g_strdup (""));
      break;
    case PROP_PLOTTED:
      g_value_set_boolean (value, run->plotted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ft_window_run_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  FtWindowRun *run = FT_WINDOW_RUN (object);
  switch (id)
    {
    case PROP_PLOTTED:
      set_plotted (run, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ft_window_run_finalize (GObject *object)
{
  FtWindowRun *run = FT_WINDOW_RUN (object);
  ft_run_free (run->engine); /* stops the training thread before the data goes */
  ft_shared_data_unref (run->data);
  g_free (run->name);
  g_free (run->role);
  G_OBJECT_CLASS (ft_window_run_parent_class)->finalize (object);
}

static void
ft_window_run_class_init (FtWindowRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->get_property = ft_window_run_get_property;
  object_class->set_property = ft_window_run_set_property;
  object_class->finalize = ft_window_run_finalize;
  props[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PLOTTED] = g_param_spec_boolean (
      "plotted", NULL, NULL, TRUE, G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ft_window_run_init (FtWindowRun *run)
{
  run->plotted = TRUE;
}

static void
on_evaluate_clicked (GtkButton *button, FtWindowRun *run)
{
  if (run->window != NULL)
    ft_window_evaluate_run (run->window, run);
}

GtkWidget *
ft_window_run_create_row (gpointer item, gpointer user_data)
{
  FtWindowRun *run = FT_WINDOW_RUN (item);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  GtkWidget *check = gtk_check_button_new ();
  gtk_widget_set_tooltip_text (check, "Show this run on the plots");
  g_object_bind_property (run, "plotted", check, "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), check);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (labels, TRUE);
  GtkWidget *title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  g_object_bind_property (run, "title", title, "label", G_BINDING_SYNC_CREATE);
  GtkWidget *sub = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (sub), 0);
  gtk_label_set_ellipsize (GTK_LABEL (sub), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (sub), 28);
  gtk_label_set_width_chars (GTK_LABEL (sub), 20);
  gtk_widget_add_css_class (sub, "dim-label");
  gtk_widget_add_css_class (sub, "caption");
  g_object_bind_property (run, "subtitle", sub, "label", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), sub);
  gtk_box_append (GTK_BOX (box), labels);
  GtkWidget *eval = gtk_button_new_from_icon_name ("emblem-ok-symbolic");
  gtk_widget_set_valign (eval, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (eval, "flat");
  gtk_widget_set_tooltip_text (eval, "Evaluate on the test set");
  g_signal_connect_object (eval, "clicked", G_CALLBACK (on_evaluate_clicked), run, 0);
  gtk_box_append (GTK_BOX (box), eval);
  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}
