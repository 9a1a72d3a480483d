/* ft-code-view.c — GtkSourceView panes with the generated TensorFlow code (see ft-code-view.h). In Compare
 * mode the two programs are parallel text: each loop step's lines are tinted in its colour in both panes
 * and a band joins fit()'s argument to the tape-loop lines doing the same job; a step switched off stays
 * where its lines were, as a struck-through ghost; a change scrolls to the step and flashes it. Everything
 * comes from the code generator's line map: nothing here reads the text. */
#include "views/ft-code-view.h"

#include <adwaita.h>
#include <gtksourceview/gtksource.h>
#include <string.h>

#define N_STEPS 8 /* FtLoopSteps: batching … progress */

/* Ghost lines inserted after a real line: what a switched-off step's code would have been. */
typedef struct
{
  int after; /* real line (1-based) the ghost follows */
  int count; /* lines inserted */
  int step;
} Ghost;

typedef struct
{
  GtkWidget *box;
  GtkWidget *title;
  GtkWidget *scroll;
  GtkSourceBuffer *buffer;
  GtkWidget *view;
  char *code;
  FtCodeMap map;
  GtkTextTag *executing;
  GtkTextTag *flash;
  GtkTextTag *ghost;
  GtkTextTag *folded; /* parallel text: the part both programs share (header, data, model) */
  GtkTextTag *steps[N_STEPS];
  GArray *ghosts; /* Ghost, by increasing `after` */
  int n_ghost_lines;
  GtkTextTag *pitfall; /* the tape loop's buggy lines (pitfalls switched on) */
  int highlighted;
  int flashed;
  int pending_scroll; /* a shown line to scroll to once the pane is on screen, 0 = none */
  bool steps_tinted;  /* parallel text: the steps' tints are on */
  int settle_scroll;  /* scrolled to before the text was laid out: again once it is */
  double scroll_align;
} Pane;

struct _FtCodeView
{
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkWidget *bands;
  Pane panes[2]; /* fit, tape */
  FtRunMode mode;
  bool have_steps;
  FtLoopSteps steps; /* as last shown, to see what changed */
  guint flash_source;
  /* Regeneration, coalesced: the last experiment asked for waits here until the view is mapped, and
   * while it is, until REGEN_INTERVAL_US after the last regeneration (readers flush it at once). */
  FtExperiment *pending; /* a copy; NULL when the last one asked for was NULL */
  FtRunMode pending_mode;
  bool stale;
  guint regen_source;
  gint64 last_regen; /* monotonic µs */
  int n_regenerations;
};

#define REGEN_INTERVAL_US 100000
#define HANGING_INDENT    32 /* pixels: about four columns of the monospace font */

G_DEFINE_FINAL_TYPE (FtCodeView, ft_code_view, GTK_TYPE_WIDGET)

/* One colour per loop step (GNOME palette), for the tints and the bands. */
static const guint32 step_colours[N_STEPS] = {
  0x3584e4, 0xff7800, 0x33d17a, 0x9141ac, 0xe5a50a, 0xe01b24, 0x986a44, 0x77767b,
};

static void
step_rgba (int step, double alpha, GdkRGBA *out)
{
  guint32 c = step_colours[step % N_STEPS];
  out->red = ((c >> 16) & 0xff) / 255.0f;
  out->green = ((c >> 8) & 0xff) / 255.0f;
  out->blue = (c & 0xff) / 255.0f;
  out->alpha = (float) alpha;
}

/* ---- line numbers: real (the program) ↔ shown (with ghosts) ---- */

static int
shown_line (const Pane *p, int real)
{
  int shift = 0;
  for (guint i = 0; p->ghosts && i < p->ghosts->len; i++)
    {
      const Ghost *g = &g_array_index (p->ghosts, Ghost, i);
      if (g->after < real)
        shift += g->count;
    }
  return real + shift;
}

static void
iter_at_shown (Pane *p, GtkTextIter *iter, int shown)
{
  gtk_text_buffer_get_iter_at_line (GTK_TEXT_BUFFER (p->buffer), iter, MAX (0, shown - 1));
}

static void
tag_lines (Pane *p, GtkTextTag *tag, int first_shown, int last_shown)
{
  GtkTextIter a, b;
  iter_at_shown (p, &a, first_shown);
  iter_at_shown (p, &b, last_shown);
  gtk_text_iter_forward_line (&b);
  gtk_text_buffer_apply_tag (GTK_TEXT_BUFFER (p->buffer), tag, &a, &b);
}

/* ---- panes ---- */

static void
on_scrolled (GtkAdjustment *adj, FtCodeView *self)
{
  gtk_widget_queue_draw (self->bands);
}

static void scroll_to_shown (Pane *p, int shown, double yalign);

static gboolean
scroll_pending (gpointer data)
{
  FtCodeView *self = data;
  for (int k = 0; k < 2; k++)
    {
      Pane *p = &self->panes[k];
      int line = p->pending_scroll > 0 ? p->pending_scroll : p->settle_scroll;
      if (line > 0 && p->code != NULL && p->buffer != NULL)
        scroll_to_shown (p, line, p->scroll_align);
      p->settle_scroll = 0;
    }
  return G_SOURCE_REMOVE;
}

static void
on_view_mapped (GtkWidget *view, FtCodeView *self)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, scroll_pending, g_object_ref (self), g_object_unref);
  /* Line heights are estimates until the view has laid its text out: once more when it has. */
  g_timeout_add_full (G_PRIORITY_DEFAULT, 400, scroll_pending, g_object_ref (self), g_object_unref);
}

static void
pane_init (FtCodeView *self, Pane *p, GtkWidget *parent, const char *title)
{
  p->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (p->box, TRUE);
  p->title = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (p->title), 0);
  gtk_widget_add_css_class (p->title, "heading");
  gtk_label_set_ellipsize (GTK_LABEL (p->title), PANGO_ELLIPSIZE_END);
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
  /* A line longer than the pane wraps (on a 1024-pixel projector each pane holds about 35 columns) and its
   * continuation is indented by a hanging indent, so it does not read as a line of its own; line numbers
   * and the lines between the panes follow whole lines. */
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (p->view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (p->view), 6);
  gtk_text_view_set_indent (GTK_TEXT_VIEW (p->view), -HANGING_INDENT);
  GtkTextBuffer *buf = GTK_TEXT_BUFFER (p->buffer);
  for (int i = 0; i < N_STEPS; i++)
    {
      GdkRGBA rgba;
      step_rgba (i, 0.16, &rgba);
      char name[32];
      g_snprintf (name, sizeof name, "step-%d", i);
      p->steps[i] = gtk_text_buffer_create_tag (buf, name, "paragraph-background-rgba", &rgba, NULL);
    }
  GdkRGBA ghost_bg = { 0.88f, 0.11f, 0.14f, 0.10f };
  p->ghost = gtk_text_buffer_create_tag (buf, "ghost", "strikethrough", TRUE, "paragraph-background-rgba",
                                         &ghost_bg, "foreground", "#9a9996", "style", PANGO_STYLE_ITALIC,
                                         NULL);
  p->flash = gtk_text_buffer_create_tag (buf, "flash", "paragraph-background", "#f8e45c", NULL);
  p->folded = gtk_text_buffer_create_tag (buf, "folded", "invisible", TRUE, NULL);
  p->executing = gtk_text_buffer_create_tag (buf, "executing", "paragraph-background", "#f6d32d", "weight",
                                             700, NULL);
  p->pitfall = gtk_text_buffer_create_tag (buf, "pitfall", "paragraph-background", "rgba(224, 27, 36, 0.18)",
                                           NULL);
  p->ghosts = g_array_new (FALSE, FALSE, sizeof (Ghost));
  p->scroll = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (p->scroll, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (p->scroll), p->view);
  g_signal_connect (p->view, "map", G_CALLBACK (on_view_mapped), self);
  gtk_widget_add_css_class (p->scroll, "card");
  gtk_box_append (GTK_BOX (p->box), p->scroll);
  gtk_box_append (GTK_BOX (parent), p->box);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (p->scroll)),
                           "value-changed", G_CALLBACK (on_scrolled), self, 0);
}

/* ---- bands ---- */

/* The y of a shown line's top and bottom in the bands' coordinates (clamped to just outside it). */
static bool
line_span (FtCodeView *self, Pane *p, int first_shown, int last_shown, double *top, double *bottom)
{
  GtkTextIter a, b;
  iter_at_shown (p, &a, first_shown);
  iter_at_shown (p, &b, last_shown);
  int ya, ha, yb, hb;
  gtk_text_view_get_line_yrange (GTK_TEXT_VIEW (p->view), &a, &ya, &ha);
  gtk_text_view_get_line_yrange (GTK_TEXT_VIEW (p->view), &b, &yb, &hb);
  int wx, wy0, wy1;
  gtk_text_view_buffer_to_window_coords (GTK_TEXT_VIEW (p->view), GTK_TEXT_WINDOW_WIDGET, 0, ya, &wx, &wy0);
  gtk_text_view_buffer_to_window_coords (GTK_TEXT_VIEW (p->view), GTK_TEXT_WINDOW_WIDGET, 0, yb + hb, &wx,
                                         &wy1);
  graphene_point_t in0 = GRAPHENE_POINT_INIT (0, (float) wy0), in1 = GRAPHENE_POINT_INIT (0, (float) wy1),
                   out0, out1;
  if (!gtk_widget_compute_point (p->view, self->bands, &in0, &out0)
      || !gtk_widget_compute_point (p->view, self->bands, &in1, &out1))
    return false;
  /* Only what the pane shows: beyond its edges the band points off screen. */
  graphene_point_t e0 = GRAPHENE_POINT_INIT (0, 0),
                   e1 = GRAPHENE_POINT_INIT (0, (float) gtk_widget_get_height (p->scroll)), f0, f1;
  if (!gtk_widget_compute_point (p->scroll, self->bands, &e0, &f0)
      || !gtk_widget_compute_point (p->scroll, self->bands, &e1, &f1))
    return false;
  *top = CLAMP (out0.y, f0.y - 4, f1.y + 4);
  *bottom = CLAMP (out1.y, f0.y - 4, f1.y + 4);
  return true;
}

static void
draw_bands (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  FtCodeView *self = data;
  Pane *fit = &self->panes[0], *tape = &self->panes[1];
  if (self->mode != FT_MODE_BOTH || fit->code == NULL || tape->code == NULL)
    return;
  for (int i = 0; i < N_STEPS && i < ft_loop_n_steps (); i++)
    {
      FtCodeRegion r = ft_code_region_for_loop_step (i);
      const FtCodeSpan *fs = &fit->map.regions[r], *ts = &tape->map.regions[r];
      if (fs->n_ranges == 0 || ts->n_ranges == 0)
        continue;
      double l0, l1, r0, r1;
      int tape_first = shown_line (tape, ts->ranges[0].first);
      int tape_last = shown_line (tape, ts->ranges[ts->n_ranges - 1].last);
      for (guint g = 0; g < tape->ghosts->len; g++)
        {
          const Ghost *gh = &g_array_index (tape->ghosts, Ghost, g);
          if (gh->step == i)
            tape_last = shown_line (tape, gh->after) + gh->count;
        }
      if (!line_span (self, fit, shown_line (fit, fs->ranges[0].first),
                      shown_line (fit, fs->ranges[fs->n_ranges - 1].last), &l0, &l1)
          || !line_span (self, tape, tape_first, MIN (tape_last, tape_first + 40), &r0, &r1))
        continue;
      bool off = ts->omitted;
      GdkRGBA c;
      step_rgba (i, off ? 0.10 : 0.22, &c);
      double w = width;
      cairo_move_to (cr, 0, l0);
      cairo_curve_to (cr, w * 0.5, l0, w * 0.5, r0, w, r0);
      cairo_line_to (cr, w, r1);
      cairo_curve_to (cr, w * 0.5, r1, w * 0.5, l1, 0, l1);
      cairo_close_path (cr);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_fill_preserve (cr);
      step_rgba (i, off ? 0.45 : 0.8, &c);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, 1.2);
      if (off)
        {
          double dash[2] = { 4, 3 };
          cairo_set_dash (cr, dash, 2, 0);
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
}

/* ---- GObject ---- */

static void
on_style_changed (AdwStyleManager *manager, GParamSpec *pspec, FtCodeView *self)
{
  GtkSourceStyleSchemeManager *sm = gtk_source_style_scheme_manager_get_default ();
  GtkSourceStyleScheme *scheme = gtk_source_style_scheme_manager_get_scheme (
      sm, adw_style_manager_get_dark (manager) ? "Adwaita-dark" : "Adwaita");
  for (int i = 0; i < 2; i++)
    if (scheme)
      gtk_source_buffer_set_style_scheme (self->panes[i].buffer, scheme);
}

static void
ft_code_view_init (FtCodeView *self)
{
  gtk_source_init ();
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  pane_init (self, &self->panes[0], self->box, "model.fit()");
  self->bands = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->bands), 56);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->bands), draw_bands, self, NULL);
  gtk_widget_set_tooltip_text (self->bands,
                               "Each band joins what fit() is asked to do to the lines of the tape loop "
                               "that do it; a dashed band leads to a step that is switched off");
  gtk_box_append (GTK_BOX (self->box), self->bands);
  pane_init (self, &self->panes[1], self->box, "GradientTape loop");
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_signal_connect_object (manager, "notify::dark", G_CALLBACK (on_style_changed), self, 0);
  on_style_changed (manager, NULL, self);
}

static void
ft_code_view_dispose (GObject *object)
{
  FtCodeView *self = FT_CODE_VIEW (object);
  if (self->flash_source)
    {
      g_source_remove (self->flash_source);
      self->flash_source = 0;
    }
  g_clear_handle_id (&self->regen_source, g_source_remove);
  g_clear_pointer (&self->pending, ft_experiment_free);
  self->stale = false;
  g_clear_pointer (&self->box, gtk_widget_unparent);
  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->panes[i].code, g_free);
      g_clear_object (&self->panes[i].buffer);
      g_clear_pointer (&self->panes[i].ghosts, g_array_unref);
    }
  G_OBJECT_CLASS (ft_code_view_parent_class)->dispose (object);
}

/* Shown again: the code it missed meanwhile. */
static void
ft_code_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ft_code_view_parent_class)->map (widget);
  ft_code_view_flush (FT_CODE_VIEW (widget));
}

static void
ft_code_view_class_init (FtCodeViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ft_code_view_dispose;
  GTK_WIDGET_CLASS (klass)->map = ft_code_view_map;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "ftcodeview");
}

GtkWidget *
ft_code_view_new (void)
{
  return g_object_new (FT_TYPE_CODE_VIEW, NULL);
}

/* ---- content ---- */

/* Lines first … last (1-based) of a text, with their newlines. */
static void
append_lines (GString *out, const char *text, int first, int last)
{
  int line = 1;
  const char *p = text;
  while (*p && line < first)
    {
      if (*p == '\n')
        line++;
      p++;
    }
  const char *start = p;
  while (*p && line <= last)
    {
      if (*p == '\n')
        line++;
      p++;
    }
  g_string_append_len (out, start, p - start);
}

/* After each switched-off step's comment, the lines the step would have had (from the same experiment with
 * every step on), struck through. */
static void
add_ghosts (Pane *p, const FtExperiment *exp)
{
  g_array_set_size (p->ghosts, 0);
  p->n_ghost_lines = 0;
  bool any = false;
  for (int i = 0; i < N_STEPS && i < ft_loop_n_steps (); i++)
    any |= p->map.regions[ft_code_region_for_loop_step (i)].omitted;
  if (!any)
    return;
  FtExperiment *full = ft_experiment_copy (exp);
  full->steps = ft_loop_steps_all ();
  FtCodeMap full_map;
  char *full_code = ft_codegen_python (full, FT_MODE_TAPE, &full_map);
  for (int i = 0; i < N_STEPS && i < ft_loop_n_steps (); i++)
    {
      FtCodeRegion r = ft_code_region_for_loop_step (i);
      const FtCodeSpan *off = &p->map.regions[r], *on = &full_map.regions[r];
      if (!off->omitted || off->n_ranges == 0 || on->omitted || on->n_ranges == 0)
        continue;
      GString *text = g_string_new (NULL);
      int count = 0;
      for (int k = 0; k < on->n_ranges; k++)
        {
          append_lines (text, full_code, on->ranges[k].first, on->ranges[k].last);
          count += on->ranges[k].last - on->ranges[k].first + 1;
        }
      Ghost g = { off->ranges[off->n_ranges - 1].last, count, i };
      /* Insert after the real line g.after, shifted by the ghosts already in the buffer before it. */
      GtkTextIter at;
      int shown = shown_line (p, g.after);
      gtk_text_buffer_get_iter_at_line (GTK_TEXT_BUFFER (p->buffer), &at, shown);
      if (gtk_text_iter_get_line (&at) < shown) /* the last line: no line after it */
        gtk_text_iter_forward_to_end (&at);
      int first_ghost = shown + 1;
      gtk_text_buffer_insert (GTK_TEXT_BUFFER (p->buffer), &at, text->str, (int) text->len);
      tag_lines (p, p->ghost, first_ghost, first_ghost + count - 1);
      /* Keep the ghosts sorted by position. */
      guint pos = 0;
      while (pos < p->ghosts->len && g_array_index (p->ghosts, Ghost, pos).after < g.after)
        pos++;
      g_array_insert_val (p->ghosts, pos, g);
      p->n_ghost_lines += count;
      g_string_free (text, TRUE);
    }
  g_free (full_code);
  ft_experiment_free (full);
}

static void
pane_set (Pane *p, const FtExperiment *exp, FtRunMode mode, bool parallel)
{
  FtCodeMap map;
  char *code = ft_codegen_python (exp, mode, &map);
  bool tinted = p->steps_tinted;
  if (p->code != NULL && strcmp (code, p->code) == 0 && tinted == parallel)
    {
      g_free (code); /* the same program: leave the pane (and where it is scrolled to) alone */
      return;
    }
  g_free (p->code);
  p->code = code;
  p->map = map;
  p->steps_tinted = parallel;
  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (p->buffer), p->code, -1);
  g_array_set_size (p->ghosts, 0);
  p->n_ghost_lines = 0;
  p->highlighted = 0;
  p->flashed = 0;
  if (mode == FT_MODE_TAPE)
    add_ghosts (p, exp);
  /* Tint each pitfall's comment and buggy line. */
  for (int k = 0; k < FT_N_PITFALLS; k++)
    for (int i = 0; i < p->map.pitfalls[k].n_ranges; i++)
      tag_lines (p, p->pitfall, shown_line (p, p->map.pitfalls[k].ranges[i].first),
                 shown_line (p, p->map.pitfalls[k].ranges[i].last));
  gtk_label_set_text (GTK_LABEL (p->title), mode == FT_MODE_FIT ? "model.fit()" : "GradientTape loop");
  if (!parallel)
    return;
  /* Both programs begin alike (imports, data, model): fold that away, so fit()'s call and the loop that
   * does its work face each other. */
  int shared_end = ft_code_map_first_line (&p->map, FT_CODE_COMPILE) - 1;
  if (shared_end > 1)
    {
      tag_lines (p, p->folded, 1, shown_line (p, shared_end));
      char *title = g_strdup_printf ("%s · lines %d–%d (data, model) folded: the same in both",
                                     mode == FT_MODE_FIT ? "model.fit()" : "GradientTape loop", 1,
                                     shared_end);
      gtk_label_set_text (GTK_LABEL (p->title), title);
      g_free (title);
    }
  for (int i = 0; i < N_STEPS && i < ft_loop_n_steps (); i++)
    {
      const FtCodeSpan *span = &p->map.regions[ft_code_region_for_loop_step (i)];
      if (span->omitted)
        continue; /* the ghost says it */
      for (int k = 0; k < span->n_ranges; k++)
        tag_lines (p, p->steps[i], shown_line (p, span->ranges[k].first),
                   shown_line (p, span->ranges[k].last));
    }
}

static void
scroll_to_shown (Pane *p, int shown, double yalign)
{
  if (!gtk_widget_get_mapped (p->view))
    {
      p->pending_scroll = shown; /* scrolling needs a laid-out view: done when it is shown */
      p->scroll_align = yalign;
      return;
    }
  p->pending_scroll = 0;
  p->settle_scroll = shown;
  GtkTextIter it;
  iter_at_shown (p, &it, shown);
  GtkTextMark *mark = gtk_text_buffer_get_mark (GTK_TEXT_BUFFER (p->buffer), "ft-scroll");
  if (mark == NULL)
    mark = gtk_text_buffer_create_mark (GTK_TEXT_BUFFER (p->buffer), "ft-scroll", &it, TRUE);
  else
    gtk_text_buffer_move_mark (GTK_TEXT_BUFFER (p->buffer), mark, &it);
  gtk_text_view_scroll_to_mark (GTK_TEXT_VIEW (p->view), mark, 0.0, TRUE, 0.0, yalign);
}

static gboolean
flash_over (gpointer data)
{
  FtCodeView *self = data;
  self->flash_source = 0;
  for (int k = 0; k < 2; k++)
    {
      GtkTextIter a, b;
      gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->panes[k].buffer), &a, &b);
      gtk_text_buffer_remove_tag (GTK_TEXT_BUFFER (self->panes[k].buffer), self->panes[k].flash, &a, &b);
    }
  return G_SOURCE_REMOVE;
}

/* Scrolls both panes to a loop step's lines (its ghost when it is off) and flashes them. */
static void
flash_step (FtCodeView *self, int step)
{
  FtCodeRegion r = ft_code_region_for_loop_step (step);
  for (int k = 0; k < 2; k++)
    {
      Pane *p = &self->panes[k];
      if (p->code == NULL || p->map.regions[r].n_ranges == 0)
        continue;
      const FtCodeSpan *span = &p->map.regions[r];
      int first = shown_line (p, span->ranges[0].first),
          last = shown_line (p, span->ranges[span->n_ranges - 1].last);
      for (guint g = 0; g < p->ghosts->len; g++)
        {
          const Ghost *gh = &g_array_index (p->ghosts, Ghost, g);
          if (gh->step == step)
            last = shown_line (p, gh->after) + gh->count;
        }
      tag_lines (p, p->flash, first, MIN (last, first + 30));
      p->flashed = first;
      scroll_to_shown (p, first, 0.3);
    }
  if (self->flash_source)
    g_source_remove (self->flash_source);
  self->flash_source = g_timeout_add (1600, flash_over, self);
}

/* The panes of a mode, and the bands between them in Compare mode. */
static void
show_panes (FtCodeView *self, FtRunMode mode)
{
  gtk_widget_set_visible (self->panes[0].box, mode != FT_MODE_TAPE);
  gtk_widget_set_visible (self->panes[1].box, mode != FT_MODE_FIT);
  gtk_widget_set_visible (self->bands, mode == FT_MODE_BOTH);
}

/* Regenerates both programs from the pending experiment. */
static void
regenerate (FtCodeView *self)
{
  const FtExperiment *exp = self->pending;
  FtRunMode mode = self->pending_mode;
  bool show_fit = mode != FT_MODE_TAPE, show_tape = mode != FT_MODE_FIT;
  bool parallel = mode == FT_MODE_BOTH;
  bool mode_changed = self->mode != mode;
  self->mode = mode;
  show_panes (self, mode);
  if (exp == NULL)
    return;
  self->n_regenerations++;
  if (show_fit)
    pane_set (&self->panes[0], exp, FT_MODE_FIT, parallel);
  else
    g_clear_pointer (&self->panes[0].code, g_free);
  if (show_tape)
    pane_set (&self->panes[1], exp, FT_MODE_TAPE, parallel);
  else
    g_clear_pointer (&self->panes[1].code, g_free);
  /* What changed among the loop steps: scroll there and flash it. Otherwise (a new experiment, another
   * mode), show the part where the programs differ: fit()'s call and the loop. */
  int changed = -1;
  if (self->have_steps && !mode_changed)
    for (int i = 0; i < N_STEPS && i < ft_loop_n_steps () && changed < 0; i++)
      {
        FtLoopSteps a = self->steps, b = exp->steps;
        if (*ft_loop_step_flag (&a, i) != *ft_loop_step_flag (&b, i))
          changed = i;
      }
  bool first_time = !self->have_steps || mode_changed;
  self->steps = exp->steps;
  self->have_steps = true;
  if (changed >= 0)
    flash_step (self, changed);
  else if (first_time && parallel)
    for (int k = 0; k < 2; k++)
      {
        int line = ft_code_map_first_line (&self->panes[k].map, FT_CODE_LOOP);
        if (line > 0)
          scroll_to_shown (&self->panes[k], shown_line (&self->panes[k], line), 0.1);
      }
  gtk_widget_queue_draw (self->bands);
}

void
ft_code_view_flush (FtCodeView *self)
{
  g_clear_handle_id (&self->regen_source, g_source_remove);
  if (!self->stale)
    return;
  self->stale = false;
  self->last_regen = g_get_monotonic_time ();
  regenerate (self);
}

static gboolean
regen_due (gpointer data)
{
  FtCodeView *self = data;
  self->regen_source = 0;
  ft_code_view_flush (self);
  return G_SOURCE_REMOVE;
}

void
ft_code_view_set_experiment (FtCodeView *self, const FtExperiment *exp, FtRunMode mode)
{
  g_clear_pointer (&self->pending, ft_experiment_free);
  self->pending = exp != NULL ? ft_experiment_copy (exp) : NULL;
  self->pending_mode = mode;
  self->stale = true;
  show_panes (self, mode);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return; /* regenerated when shown (or read) */
  if (self->regen_source != 0)
    return; /* due soon: it will take this one */
  gint64 wait = self->last_regen + REGEN_INTERVAL_US - g_get_monotonic_time ();
  if (wait <= 0)
    ft_code_view_flush (self); /* the first edit in a while shows at once */
  else
    self->regen_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (wait / 1000) + 1, regen_due,
                                             g_object_ref (self), g_object_unref);
}

int
ft_code_view_get_n_regenerations (FtCodeView *self)
{
  return self->n_regenerations;
}

void
ft_code_view_highlight (FtCodeView *self, bool tape, int region)
{
  ft_code_view_flush (self);
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
    tag_lines (p, p->executing, shown_line (p, span->ranges[r].first), shown_line (p, span->ranges[r].last));
  p->highlighted = span->ranges[0].first;
  gtk_text_buffer_get_iter_at_line (buf, &start, shown_line (p, p->highlighted) - 1);
  gtk_text_view_scroll_to_iter (GTK_TEXT_VIEW (p->view), &start, 0.1, FALSE, 0, 0);
}

const char *
ft_code_view_get_code (FtCodeView *self, bool tape)
{
  ft_code_view_flush (self);
  return self->panes[tape ? 1 : 0].code;
}

int
ft_code_view_get_highlighted_line (FtCodeView *self, bool tape)
{
  ft_code_view_flush (self);
  return self->panes[tape ? 1 : 0].highlighted;
}

int
ft_code_view_get_n_ghost_lines (FtCodeView *self)
{
  ft_code_view_flush (self);
  return self->panes[1].code ? self->panes[1].n_ghost_lines : 0;
}

int
ft_code_view_get_flashed_line (FtCodeView *self, bool tape)
{
  ft_code_view_flush (self);
  return self->panes[tape ? 1 : 0].flashed;
}

char *
ft_code_view_get_shown_text (FtCodeView *self, bool tape)
{
  ft_code_view_flush (self);
  GtkTextIter a, b;
  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->panes[tape ? 1 : 0].buffer), &a, &b);
  return gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->panes[tape ? 1 : 0].buffer), &a, &b, FALSE);
}
