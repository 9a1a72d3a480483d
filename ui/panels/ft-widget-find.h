/* ft-widget-find.h — finding a widget by its name (gtk_widget_set_name, or the name in a .ui template) in
 * a subtree: how the panels reach the rows and buttons they built by name. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget named name in root's subtree (root included, depth first), or NULL. */
GtkWidget *ft_widget_find_named (GtkWidget *root, const char *name);

G_END_DECLS
