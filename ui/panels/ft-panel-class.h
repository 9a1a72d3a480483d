/* ft-panel-class.h — what every side panel's class sets up alike (the contract in ft-panels.h): its dispose
 * and finalize, its "changed" signal (no arguments: emitted after every edit the user makes, not when
 * _set_experiment refreshes the widgets) and its .ui template. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* For a panel's class_init: klass is its GtkWidgetClass subclass; finalize may be NULL (the parent's stays);
 * template_resource is the .ui file's resource path. Returns the "changed" signal's id. */
guint ft_panel_class_setup (gpointer klass, void (*dispose) (GObject *object),
                            void (*finalize) (GObject *object), const char *template_resource);

G_END_DECLS
