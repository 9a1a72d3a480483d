/* ft-code-view.c — GtkSourceView panes with the generated TensorFlow code (see ft-code-view.h). */
#include "views/ft-code-view.h"

#include <adwaita.h>
#include <gtksourceview/gtksource.h>

typedef struct
{
  GtkWidget *box;
  GtkWidget *title;
  GtkSourceBuffer *buffer;
  GtkWidget *view;
  char *code;
  FtCodeMap map;
  GtkTextTag *executing;
  GtkTextTag *pitfall; /* the tape loop's buggy lines (pitfalls switched on) */
  int highlighted;
} Pane;

struct _FtCodeView
{
  GtkWidget parent_instance;
  GtkWidget *box;
  Pane panes[2]; /* fit, tape */
};

G_DEFINE_FINAL_TYPE (FtCodeView, ft_code_view, GTK_TYPE_WIDGET)

static void
pane_init (Pane *p, GtkWidget *parent, const char *title)
{
  p->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (p->box, TRUE);
  p->title = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (p->title), 0);
  gtk_widget_add_css_class (p->title, "heading");
  gtk_box_append (GTK_BOX (p->box), p->title);
  GtkSourceLanguageManager *lm = gtk_source_language_manager_get_default ();
  p->buffer = gtk_source_buffer_new (NULL);
  GtkSourceLanguage *python = gtk_source_language_manager_get_language (lm, "python3");
  if (python == NULL)
    python = gtk_source_language_manager_get_language (lm, "python");
  if (python)
    gtk_source_buffer_set_language (p->buffer, python);
  gtk_source_buffer_set_highlight_syntax (p->buffer, TRUE);
  p->view = gtk_source_view_new_with_buffer (p->buffer);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (p->view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (p->view), TRUE);
  gtk_source_view_set_show_line_numbers (GTK_SOURCE_VIEW (p->view), TRUE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (p->view), 6);
  p->executing = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (p->buffer), "executing", "paragraph-background",
                                             "#f6d32d", "weight", 700, NULL);
  p->pitfall = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (p->buffer), "pitfall", "paragraph-background",
                                           "rgba(224, 27, 36, 0.18)", NULL);
  GtkWidget *scroll = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroll, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), p->view);
  gtk_widget_add_css_class (scroll, "card");
  gtk_box_append (GTK_BOX (p->box), scroll);
  gtk_box_append (GTK_BOX (parent), p->box);
}

static void
on_style_changed (AdwStyleManager *manager, GParamSpec *pspec, FtCodeView *self)
{
  GtkSourceStyleSchemeManager *sm = gtk_source_style_scheme_manager_get_default ();
  GtkSourceStyleScheme *scheme
    = gtk_source_style_scheme_manager_get_scheme (sm, adw_style_manager_get_dark (manager) ? "Adwaita-dark" : "Adwaita");
  for (int i = 0; i < 2; i++)
    if (scheme)
      gtk_source_buffer_set_style_scheme (self->panes[i].buffer, scheme);
}

static void
ft_code_view_init (FtCodeView *self)
{
  gtk_source_init ();
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  pane_init (&self->panes[0], self->box, "model.fit()");
  pane_init (&self->panes[1], self->box, "GradientTape loop");
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_signal_connect_object (manager, "notify::dark", G_CALLBACK (on_style_changed), self, 0);
  on_style_changed (manager, NULL, self);
}

static void
ft_code_view_dispose (GObject *object)
{
  FtCodeView *self = FT_CODE_VIEW (object);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->panes[i].code, g_free);
      g_clear_object (&self->panes[i].buffer);
    }
  G_OBJECT_CLASS (ft_code_view_parent_class)->dispose (object);
}

static void
ft_code_view_class_init (FtCodeViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ft_code_view_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "ftcodeview");
}

GtkWidget *
ft_code_view_new (void)
{
  return g_object_new (FT_TYPE_CODE_VIEW, NULL);
}

static void
pane_set (Pane *p, const FtExperiment *exp, FtRunMode mode)
{
  g_free (p->code);
  p->code = ft_codegen_python (exp, mode, &p->map);
  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (p->buffer), p->code, -1);
  p->highlighted = 0;
  /* Tint each pitfall's comment and buggy line. */
  GtkTextBuffer *buf = GTK_TEXT_BUFFER (p->buffer);
  for (int k = 0; k < FT_N_PITFALLS; k++)
    for (int i = 0; i < p->map.pitfalls[k].n_ranges; i++)
      {
        GtkTextIter start, end;
        gtk_text_buffer_get_iter_at_line (buf, &start, p->map.pitfalls[k].ranges[i].first - 1);
        gtk_text_buffer_get_iter_at_line (buf, &end, p->map.pitfalls[k].ranges[i].last);
        gtk_text_buffer_apply_tag (buf, p->pitfall, &start, &end);
      }
}

void
ft_code_view_set_experiment (FtCodeView *self, const FtExperiment *exp, FtRunMode mode)
{
  bool show_fit = mode != FT_MODE_TAPE, show_tape = mode != FT_MODE_FIT;
  gtk_widget_set_visible (self->panes[0].box, show_fit);
  gtk_widget_set_visible (self->panes[1].box, show_tape);
  if (exp == NULL)
    return;
  if (show_fit)
    pane_set (&self->panes[0], exp, FT_MODE_FIT);
  else
    g_clear_pointer (&self->panes[0].code, g_free);
  if (show_tape)
    pane_set (&self->panes[1], exp, FT_MODE_TAPE);
  else
    g_clear_pointer (&self->panes[1].code, g_free);
}

void
ft_code_view_highlight (FtCodeView *self, bool tape, int region)
{
  Pane *p = &self->panes[tape ? 1 : 0];
  if (p->code == NULL)
    return;
  GtkTextBuffer *buf = GTK_TEXT_BUFFER (p->buffer);
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (buf, &start, &end);
  gtk_text_buffer_remove_tag (buf, p->executing, &start, &end);
  p->highlighted = 0;
  if (region < 0 || region >= FT_CODE_N_REGIONS)
    return;
  const FtCodeSpan *span = &p->map.regions[region];
  if (span->n_ranges == 0)
    return;
  for (int r = 0; r < span->n_ranges; r++)
    {
      gtk_text_buffer_get_iter_at_line (buf, &start, span->ranges[r].first - 1);
      gtk_text_buffer_get_iter_at_line (buf, &end, span->ranges[r].last - 1);
      gtk_text_iter_forward_to_line_end (&end);
      gtk_text_buffer_apply_tag (buf, p->executing, &start, &end);
    }
  p->highlighted = span->ranges[0].first;
  gtk_text_buffer_get_iter_at_line (buf, &start, p->highlighted - 1);
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (p->view), &start, 0.1, FALSE, 0, 0);
}

const char *
ft_code_view_get_code (FtCodeView *self, bool tape)
{
  return self->panes[tape ? 1 : 0].code;
}

int
ft_code_view_get_highlighted_line (FtCodeView *self, bool tape)
{
  return self->panes[tape ? 1 : 0].highlighted;
}
