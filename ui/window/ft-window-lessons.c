/* ft-window-lessons.c — the Lessons entry: every data/lesson-*.json (title, its first sentence, an icon) and
 * the shipped experiments in the header bar's popover, each opened with one click; where the data directory
 * is (installed, or the source tree's data/ when FitTape runs from its build directory); the first lesson,
 * which the window opens when started without a file. */
#include "window/ft-window-private.h"

#include <string.h>

static bool
has_lessons (const char *dir)
{
  char *probe = g_build_filename (dir, "lesson-1-fit-is-the-loop.json", NULL);
  bool ok = g_file_test (probe, G_FILE_TEST_IS_REGULAR);
  g_free (probe);
  return ok;
}

/* FITTAPE_DATA_DIR when set; the source tree's data/ for a program run from its build directory; the
 * installed data directory; the source tree as a last resort. */
const char *
ft_window_data_dir (void)
{
  static char *dir = NULL;
  if (dir != NULL)
    return dir;
  const char *env = g_getenv ("FITTAPE_DATA_DIR");
  if (env && *env)
    return dir = g_strdup (env);
  char *exe = g_file_read_link ("/proc/self/exe", NULL);
  bool uninstalled = exe != NULL && g_str_has_prefix (exe, FITTAPE_BUILD_ROOT "/");
  g_free (exe);
  if (uninstalled && has_lessons (FITTAPE_SOURCE_DATA_DIR))
    return dir = g_strdup (FITTAPE_SOURCE_DATA_DIR);
  if (has_lessons (FITTAPE_INSTALLED_DATA_DIR))
    return dir = g_strdup (FITTAPE_INSTALLED_DATA_DIR);
  return dir = g_strdup (FITTAPE_SOURCE_DATA_DIR);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The data directory's experiment files, lessons first, each group sorted by name (g_ptr_array_unref). */
GPtrArray *
ft_window_list_experiments (void)
{
  GPtrArray *lessons = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *others = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (ft_window_data_dir (), 0, NULL);
  for (const char *name; d && (name = g_dir_read_name (d));)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (g_str_has_prefix (name, "lesson-") ? lessons : others,
                       g_build_filename (ft_window_data_dir (), name, NULL));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (lessons, compare_names);
  g_ptr_array_sort (others, compare_names);
  g_ptr_array_extend_and_steal (lessons, others);
  return lessons;
}

gboolean
ft_window_open_first_lesson (FtWindow *self)
{
  char *path = g_build_filename (ft_window_data_dir (), "lesson-1-fit-is-the-loop.json", NULL);
  gboolean ok = g_file_test (path, G_FILE_TEST_IS_REGULAR) && ft_window_open_experiment (self, path, NULL);
  g_free (path);
  return ok;
}

/* The first sentence of a lesson's notes: the one line under its title. */
static char *
first_sentence (const char *notes)
{
  if (notes == NULL)
    return NULL;
  const char *end = strstr (notes, ". ");
  return end ? g_strndup (notes, (gsize) (end - notes + 1)) : g_strdup (notes);
}

/* A left-aligned label wrapped at 40 characters, with a style class, appended to box. */
static void
wrapped_label (GtkWidget *box, const char *text, const char *css_class)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (l), 40);
  gtk_widget_add_css_class (l, css_class);
  gtk_box_append (GTK_BOX (box), l);
}

static void
on_row_activated (GtkListBox *list, GtkListBoxRow *row, FtWindow *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "ft-path");
  gtk_popover_popdown (self->lessons_popover);
  if (path)
    ft_window_open_experiment (self, path, NULL);
}

static GtkWidget *
row_new (const char *path, const char *title, const char *line, const char *icon)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  GtkWidget *image = gtk_image_new_from_icon_name (icon);
  gtk_image_set_icon_size (GTK_IMAGE (image), GTK_ICON_SIZE_LARGE);
  gtk_widget_set_valign (image, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), image);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  wrapped_label (labels, title, "heading");
  if (line)
    wrapped_label (labels, line, "dim-label");
  gtk_box_append (GTK_BOX (box), labels);
  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "ft-path", g_strdup (path), g_free);
  char *base = g_path_get_basename (path);
  gtk_widget_set_name (row, base);
  gtk_widget_set_tooltip_text (row, base);
  g_free (base);
  return row;
}

static GtkWidget *
section_label (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_add_css_class (l, "caption-heading");
  gtk_widget_add_css_class (l, "dim-label");
  gtk_widget_set_margin_start (l, 6);
  gtk_widget_set_margin_top (l, 8);
  return l;
}

/* Fills the popover's list from the data directory (once: the shipped files do not change). */
static void
fill_list (FtWindow *self)
{
  GPtrArray *paths = ft_window_list_experiments ();
  bool experiments_header = false;
  GtkWidget *first = NULL;
  if (paths->len == 0)
    {
      char *text = g_strdup_printf ("No lessons found in %s", ft_window_data_dir ());
      GtkWidget *l = gtk_label_new (text);
      gtk_label_set_wrap (GTK_LABEL (l), TRUE);
      gtk_list_box_append (self->lessons_list, l);
      g_free (text);
    }
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      char *base = g_path_get_basename (path);
      bool lesson = g_str_has_prefix (base, "lesson-");
      FtExperiment *exp = ft_experiment_load (path, NULL);
      if (exp != NULL)
        {
          if (!lesson && !experiments_header)
            {
              GtkWidget *header = section_label ("Experiments");
              gtk_list_box_append (self->lessons_list, header);
              gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_parent (header)), FALSE);
              experiments_header = true;
            }
          char *title = exp->title ? g_strdup (exp->title) : g_strndup (base, strlen (base) - 5);
          char *line = first_sentence (exp->notes);
          const char *icon = lesson                                   ? "accessories-dictionary-symbolic"
                             : exp->data.source == FT_DATA_PLAYGROUND ? "applications-science-symbolic"
                                                                      : "view-grid-symbolic";
          GtkWidget *row = row_new (path, title, line, icon);
          gtk_list_box_append (self->lessons_list, row);
          if (first == NULL)
            first = row;
          g_free (title);
          g_free (line);
          ft_experiment_free (exp);
        }
      g_free (base);
    }
  if (first)
    {
      GtkWidget *header = section_label ("Lessons");
      gtk_list_box_prepend (self->lessons_list, header);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (gtk_widget_get_parent (header)), FALSE);
    }
  g_ptr_array_unref (paths);
}

static void
action_lessons (GtkWidget *widget, const char *name, GVariant *param)
{
  FtWindow *self = FT_WINDOW (widget);
  gtk_menu_button_popup (self->lessons_button);
}

void
ft_window_lessons_class_init (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "win.lessons", NULL, action_lessons);
}

void
ft_window_lessons_init (FtWindow *self)
{
  fill_list (self);
  g_signal_connect (self->lessons_list, "row-activated", G_CALLBACK (on_row_activated), self);
}
