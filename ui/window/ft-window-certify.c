/* ft-window-certify.c — "Certify Against Keras…" in the window's menu: the parity certificate
 * (experiment/ft-certify.h) of the current experiment in the current mode (both: fit, then tape). The item
 * is enabled once a probe finds a Python that imports TensorFlow and Keras (ft_certify_default_python);
 * the certificate runs in a thread, and its table opens in a window of its own. The probe's outcome is also
 * the window's data "ft-certify-probe" (1: no TensorFlow, 2: found), for the tests. */
#include "window/ft-window-private.h"

#include "experiment/ft-certify.h"

typedef struct
{
  FtExperiment *exp;
  FtRunMode mode;
  char *dir;
  GString *text;
  bool pass;
} CertifyJob;

static void
job_free (gpointer data)
{
  CertifyJob *j = data;
  ft_experiment_free (j->exp);
  g_free (j->dir);
  g_string_free (j->text, TRUE);
  g_free (j);
}

static void
probe_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FtWindow *self = data;
  gboolean ok = g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.certify", ok);
  g_object_set_data (G_OBJECT (self), "ft-certify-probe", GINT_TO_POINTER (ok ? 2 : 1));
  g_object_unref (self);
}

void
ft_window_certify_probe (FtWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.certify", FALSE);
  GSubprocess *p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                     NULL, ft_certify_default_python (), "-c", "import tensorflow, keras",
                                     NULL);
  if (p == NULL) /* no such interpreter: the item stays disabled */
    {
      g_object_set_data (G_OBJECT (self), "ft-certify-probe", GINT_TO_POINTER (1));
      return;
    }
  g_subprocess_wait_check_async (p, NULL, probe_done, g_object_ref (self));
  g_object_unref (p);
}

static void
certify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  CertifyJob *j = data;
  FtRunMode modes[2] = { FT_MODE_FIT, FT_MODE_TAPE };
  for (int m = j->mode == FT_MODE_TAPE ? 1 : 0; m <= (j->mode == FT_MODE_FIT ? 0 : 1); m++)
    {
      char *dir = g_build_filename (j->dir, m == 0 ? "fit" : "tape", NULL);
      FtCertifyOptions o = { 0 };
      o.mode = modes[m];
      o.python = ft_certify_default_python ();
      o.replay_module = ft_certify_default_replay_module ();
      o.dir = dir;
      o.experiment_name = j->exp->title ? j->exp->title : "experiment";
      GError *error = NULL;
      FtCertificate *c = ft_certify (j->exp, &o, &error);
      g_free (dir);
      if (c == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      char *table = ft_certificate_table (c);
      g_string_append_printf (j->text, "%s%s", j->text->len ? "\n" : "", table);
      g_free (table);
      j->pass = j->pass && c->pass;
      ft_certificate_free (c);
    }
  g_string_append_printf (j->text, "\n(the scripts, replay files and Keras' output are in %s)\n", j->dir);
  g_task_return_boolean (task, TRUE);
}

static void
show_table (FtWindow *self, const char *text)
{
  GtkWidget *win = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (win), "Parity Certificate: FitTape against Keras");
  gtk_window_set_transient_for (GTK_WINDOW (win), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (win), 900, 640);
  GtkWidget *view = gtk_text_view_new ();
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  GtkWidget *scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), view);
  gtk_window_set_child (GTK_WINDOW (win), scroll);
  gtk_window_present (GTK_WINDOW (win));
}

static void
certify_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FtWindow *self = FT_WINDOW (source);
  CertifyJob *j = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      ft_window_show_error (self, error->message);
      g_error_free (error);
    }
  else
    {
      show_table (self, j->text->str);
      ft_window_toast (self, j->pass ? "Certificate: FitTape and Keras agree within the targets"
                                     : "Certificate: a difference beyond the targets (see the table)");
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.certify", TRUE);
}

static void
action_certify (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  CertifyJob *j = g_new0 (CertifyJob, 1);
  j->exp = ft_experiment_copy (self->exp);
  j->mode = self->mode;
  j->dir = g_dir_make_tmp ("fittape-certify-XXXXXX", NULL);
  j->text = g_string_new (NULL);
  j->pass = true;
  if (j->dir == NULL)
    {
      job_free (j);
      ft_window_show_error (self, "cannot make a folder for the certificate");
      return;
    }
  gtk_widget_action_set_enabled (widget, "win.certify", FALSE);
  ft_window_toast (self, "Certifying: FitTape trains, then Keras replays the run from the same start");
  GTask *task = g_task_new (self, NULL, certify_done, NULL);
  g_task_set_task_data (task, j, job_free);
  g_task_run_in_thread (task, certify_thread);
  g_object_unref (task);
}

void
ft_window_certify_install_action (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "win.certify", NULL, action_certify);
}
