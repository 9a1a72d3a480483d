/* ft-panel-class.c — what every side panel's class sets up alike (see ft-panel-class.h). */
#include "panels/ft-panel-class.h"

guint
ft_panel_class_setup (gpointer klass, void (*dispose) (GObject *object), void (*finalize) (GObject *object),
                      const char *template_resource)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = dispose;
  if (finalize != NULL)
    object_class->finalize = finalize;
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), template_resource);
  return g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                       G_TYPE_NONE, 0);
}
