/* ft-widget-find.c — finding a widget by its name in a subtree (see ft-widget-find.h). */
#include "panels/ft-widget-find.h"

GtkWidget *
ft_widget_find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = ft_widget_find_named (c, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}
