/* ft-tape-chart.c — the tape inspector's history: per run one line of gradient norms per variable, and
 * the chart that draws them on a log scale with the vanishing and exploding zones. Part of the tape
 * inspector (ft-tape-inspector-private.h). */
#include "views/ft-tape-inspector-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

static void
line_free (Line *line)
{
  g_free (line->name);
  g_array_unref (line->points);
  g_free (line);
}

void
ft_tape_run_history_free (RunHistory *h)
{
  g_free (h->run);
  g_ptr_array_unref (h->lines);
  g_ptr_array_unref (h->layers);
  g_free (h);
}

RunHistory *
ft_tape_run_history_new (const char *run)
{
  RunHistory *h = g_new0 (RunHistory, 1);
  h->run = g_strdup (run);
  h->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  h->layers = g_ptr_array_new_with_free_func (g_free);
  return h;
}

static int
variable_dash (const char *name)
{
  const char *slash = strrchr (name, '/');
  const char *leaf = slash != NULL ? slash + 1 : name;
  if (g_str_has_prefix (leaf, "kernel"))
    return 0;
  if (g_str_has_prefix (leaf, "bias"))
    return 1;
  return 2;
}

static int
layer_colour (RunHistory *h, const char *name)
{
  const char *slash = strrchr (name, '/');
  char *layer = slash != NULL ? g_strndup (name, (gsize) (slash - name)) : g_strdup (name);
  for (guint i = 0; i < h->layers->len; i++)
    if (strcmp (g_ptr_array_index (h->layers, i), layer) == 0)
      {
        g_free (layer);
        return (int) i;
      }
  g_ptr_array_add (h->layers, layer);
  return (int) h->layers->len - 1;
}

Line *
ft_tape_history_line (RunHistory *h, const char *name, gboolean create)
{
  for (guint i = 0; i < h->lines->len; i++)
    {
      Line *line = g_ptr_array_index (h->lines, i);
      if (strcmp (line->name, name) == 0)
        return line;
    }
  if (!create)
    return NULL;
  Line *line = g_new0 (Line, 1);
  line->name = g_strdup (name);
  line->colour = layer_colour (h, name);
  line->dash = variable_dash (name);
  line->points = g_array_new (FALSE, FALSE, sizeof (Point));
  g_ptr_array_add (h->lines, line);
  return line;
}

/* Above the cap, every other point goes (the newest always stays): the whole run remains visible, older
 * parts at a coarser resolution. */
void
ft_tape_line_append (Line *line, double x, double y)
{
  Point p = { x, y };
  g_array_append_val (line->points, p);
  if (line->points->len <= FT_TAPE_INSPECTOR_MAX_POINTS)
    return;
  Point *pts = (Point *) (void *) line->points->data;
  guint n = line->points->len, k = 0;
  for (guint i = 0; i < n; i += 2)
    pts[k++] = pts[i];
  if (pts[k - 1].x != pts[n - 1].x)
    pts[k++] = pts[n - 1];
  g_array_set_size (line->points, k);
}

/* ================================================================================================ */
/* The widget */

/* ---- the chart ---- */

typedef struct
{
  double x, y, w, h;
  int lo, hi; /* decades */
  double x_min, x_max;
} ChartArea;

static double
chart_px (const ChartArea *a, double x)
{
  return a->x + (x - a->x_min) / (a->x_max - a->x_min) * a->w;
}

static double
chart_py (const ChartArea *a, double y)
{
  double ly = y > 0 ? log10 (y) : a->lo;
  ly = CLAMP (ly, (double) a->lo, (double) a->hi);
  return a->y + (a->hi - ly) / (double) (a->hi - a->lo) * a->h;
}

static void
layout_size (PangoLayout *layout, double *w, double *h)
{
  int iw, ih;
  pango_layout_get_pixel_size (layout, &iw, &ih);
  *w = iw;
  *h = ih;
}

static double
nice_step (double range, int max_ticks)
{
  double raw = range / MAX (1, max_ticks);
  double mag = pow (10, floor (log10 (raw)));
  double n = raw / mag;
  double step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  return MAX (1.0, step);
}

/* What drawing the chart needs: the widget's colour and scale, and one layout for all its text. */
typedef struct
{
  cairo_t *cr;
  GtkWidget *widget;
  GdkRGBA fg;
  double ls; /* line scale: the font size over 13 px, at least 1 */
  PangoLayout *layout;
} Pen;

static void
pen_text (Pen *p, const char *text, double *tw, double *th)
{
  pango_layout_set_text (p->layout, text, -1);
  layout_size (p->layout, tw, th);
}

static void
pen_show (Pen *p, double x, double y, double alpha)
{
  cairo_set_source_rgba (p->cr, p->fg.red, p->fg.green, p->fg.blue, alpha);
  cairo_move_to (p->cr, x, y);
  pango_cairo_show_layout (p->cr, p->layout);
}

/* The x and y extent of every line's points (y: only finite positive norms); false without any. */
static gboolean
chart_extent (const RunHistory *h, ChartArea *a)
{
  double ymin = INFINITY, ymax = -INFINITY, xmax = 1, xmin = INFINITY;
  if (h != NULL)
    for (guint i = 0; i < h->lines->len; i++)
      {
        Line *line = g_ptr_array_index (h->lines, i);
        for (guint k = 0; k < line->points->len; k++)
          {
            Point p = g_array_index (line->points, Point, k);
            xmax = MAX (xmax, p.x);
            xmin = MIN (xmin, p.x);
            if (isfinite (p.y) && p.y > 0)
              {
                ymin = MIN (ymin, p.y);
                ymax = MAX (ymax, p.y);
              }
          }
      }
  if (!isfinite (ymin))
    return FALSE;
  a->lo = (int) floor (log10 (ymin) + 1e-9);
  a->hi = (int) ceil (log10 (ymax) - 1e-9);
  while (a->hi - a->lo < 3)
    {
      a->hi++;
      if (a->hi - a->lo < 3)
        a->lo--;
    }
  a->x_min = isfinite (xmin) ? xmin : 1;
  a->x_max = MAX (xmax, a->x_min + 1);
  return TRUE;
}

/* Legend: one entry per layer (its colour), then the line styles (kernel solid, bias dashed, other
 * variables such as batch-norm's gamma and beta dotted); wrapped over as many rows as needed. Returns its
 * height. */
static double
chart_legend (Pen *p, const RunHistory *h, int width, double pad)
{
  cairo_t *cr = p->cr;
  double ls = p->ls, tw, th;
  double sample_w = 30 * ls, gap = 6 * ls, entry_gap = 18 * ls;
  pen_text (p, "Ag", &tw, &th);
  double row_h = th + 4 * ls;
  double lx = pad, ly = 0;
  int rows = 1;
  int n_layers = (int) h->layers->len;
  gboolean has_dash[3] = { FALSE, FALSE, FALSE };
  for (guint i = 0; i < h->lines->len; i++)
    has_dash[((Line *) g_ptr_array_index (h->lines, i))->dash] = TRUE;
  static const char *const dash_names[3] = { "kernel", "bias", "other" };
  for (int i = 0; i < n_layers + 3; i++)
    {
      int dash = i < n_layers ? 0 : i - n_layers;
      if (i >= n_layers && !has_dash[dash])
        continue;
      pen_text (p, i < n_layers ? g_ptr_array_index (h->layers, i) : dash_names[dash], &tw, &th);
      double ew = sample_w + gap + tw;
      if (lx > pad && lx + ew > width - pad)
        {
          lx = pad;
          ly += row_h;
          rows++;
        }
      GdkRGBA c;
      if (i < n_layers)
        ft_tape_colour_for (p->widget, i, n_layers, &c);
      else
        c = (GdkRGBA){ p->fg.red, p->fg.green, p->fg.blue, 0.75f };
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, (i < n_layers ? 4.0 : 2.5) * ls);
      ft_tape_set_dash (cr, dash, ls);
      cairo_move_to (cr, lx, ly + row_h / 2);
      cairo_line_to (cr, lx + sample_w, ly + row_h / 2);
      cairo_stroke (cr);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      pen_show (p, lx + sample_w + gap, ly + (row_h - th) / 2,
                i < n_layers ? p->fg.alpha : 0.75 * p->fg.alpha);
      lx += ew + entry_gap;
    }
  cairo_set_dash (cr, NULL, 0, 0);
  return rows * row_h + 6 * ls;
}

/* Shaded bands below 10⁻⁶ (vanishing) and above 10³ (exploding), each named. */
static void
chart_zones (Pen *p, const ChartArea *a)
{
  cairo_t *cr = p->cr;
  double ls = p->ls, tw, th;
  if (a->lo < log10 (VANISHING_NORM))
    {
      double top = chart_py (a, VANISHING_NORM);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.13);
      cairo_rectangle (cr, a->x, top, a->w, a->y + a->h - top);
      cairo_fill (cr);
      pen_text (p, "vanishing", &tw, &th);
      /* Inside the band, or just above it when the band is thin. */
      pen_show (p, a->x + a->w - tw - 6 * ls,
                a->y + a->h - top > th + 4 ? a->y + a->h - th - 3 * ls : top - th - 2 * ls, 0.65);
    }
  if (a->hi > log10 (EXPLODING_NORM))
    {
      double bottom = chart_py (a, EXPLODING_NORM);
      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.12);
      cairo_rectangle (cr, a->x, a->y, a->w, bottom - a->y);
      cairo_fill (cr);
      pen_text (p, "exploding", &tw, &th);
      pen_show (p, a->x + a->w - tw - 6 * ls, bottom - a->y > th + 4 ? a->y + 3 * ls : bottom + 2 * ls, 0.65);
    }
}

/* Grid lines and labels at every dstep-th decade, steps below, the x axis' title and the frame. */
static void
chart_axes (Pen *p, const ChartArea *a, int dstep)
{
  cairo_t *cr = p->cr;
  const GdkRGBA *fg = &p->fg;
  double ls = p->ls, tw, th;
  char buf[64];
  cairo_set_line_width (cr, 1);
  for (int e = a->lo; e <= a->hi; e += dstep)
    {
      double y = round (chart_py (a, pow (10, e))) + 0.5;
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12);
      cairo_move_to (cr, a->x, y);
      cairo_line_to (cr, a->x + a->w, y);
      cairo_stroke (cr);
      ft_tape_format_decade (buf, sizeof buf, e);
      pen_text (p, buf, &tw, &th);
      pen_show (p, a->x - 8 * ls - tw, y - th / 2, 0.75);
    }
  double xstep = nice_step (a->x_max - a->x_min, MAX (2, (int) (a->w / (70 * ls))));
  for (double x = ceil (a->x_min / xstep) * xstep; x <= a->x_max + 1e-9; x += xstep)
    {
      double px = round (chart_px (a, x)) + 0.5;
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.35);
      cairo_move_to (cr, px, a->y + a->h);
      cairo_line_to (cr, px, a->y + a->h + 4 * ls);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%.0f", x);
      pen_text (p, buf, &tw, &th);
      pen_show (p, px - tw / 2, a->y + a->h + 5 * ls, 0.75);
    }
  pen_text (p, "snapshot (recorded step)", &tw, &th);
  pen_show (p, a->x + a->w - tw, a->y + a->h + 5 * ls + th, 0.6);
  /* Frame: the x axis and the y axis. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.45);
  cairo_move_to (cr, a->x + 0.5, a->y);
  cairo_line_to (cr, a->x + 0.5, a->y + a->h + 0.5);
  cairo_line_to (cr, a->x + a->w, a->y + a->h + 0.5);
  cairo_stroke (cr);
}

/* Lines, the newest point of each marked. */
static void
chart_lines (Pen *p, const RunHistory *h, const ChartArea *a)
{
  cairo_t *cr = p->cr;
  double ls = p->ls;
  int n_layers = (int) h->layers->len;
  cairo_save (cr);
  cairo_rectangle (cr, a->x - 6 * ls, a->y - 6 * ls, a->w + 12 * ls, a->h + 12 * ls);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < h->lines->len; i++)
    {
      Line *line = g_ptr_array_index (h->lines, i);
      GdkRGBA c;
      ft_tape_colour_for (p->widget, line->colour, n_layers, &c);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, 2.25 * ls);
      ft_tape_set_dash (cr, line->dash, ls);
      gboolean pen = FALSE;
      double last_x = NAN, last_y = NAN;
      for (guint k = 0; k < line->points->len; k++)
        {
          Point pt = g_array_index (line->points, Point, k);
          if (isnan (pt.y))
            {
              pen = FALSE;
              continue;
            }
          double y = isinf (pt.y) ? pow (10, a->hi) : pt.y;
          double px = chart_px (a, pt.x), py = chart_py (a, y);
          if (pen)
            cairo_line_to (cr, px, py);
          else
            cairo_move_to (cr, px, py);
          pen = TRUE;
          last_x = px;
          last_y = py;
        }
      cairo_stroke (cr);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      cairo_set_dash (cr, NULL, 0, 0);
      if (isfinite (last_x))
        {
          cairo_arc (cr, last_x, last_y, 4 * ls, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}

void
ft_tape_chart_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  FtTapeInspector *self = data;
  Pen p = { .cr = cr, .widget = GTK_WIDGET (area) };
  gtk_style_context_get_color (gtk_widget_get_style_context (p.widget), &p.fg);
  p.ls = MAX (1.0, ft_tape_widget_font_px (p.widget) / 13.0);
  p.layout = gtk_widget_create_pango_layout (p.widget, NULL);
  double tw, th;
  RunHistory *h = self->current;
  ChartArea a;
  if (!chart_extent (h, &a))
    {
      pen_text (&p, "No gradients yet", &tw, &th);
      pen_show (&p, (width - tw) / 2, (height - th) / 2, 0.6);
      g_object_unref (p.layout);
      return;
    }
  double pad = 8 * p.ls;
  double legend_h = chart_legend (&p, h, width, pad);

  /* Axes: decade labels on the left, steps below. */
  int dstep = MAX (1, (int) ceil ((a.hi - a.lo) / 7.0));
  double label_w = 0;
  char buf[64];
  for (int e = a.lo; e <= a.hi; e += dstep)
    {
      ft_tape_format_decade (buf, sizeof buf, e);
      pen_text (&p, buf, &tw, &th);
      label_w = MAX (label_w, tw);
    }
  pen_text (&p, "0", &tw, &th);
  a.x = pad + label_w + 8 * p.ls;
  a.y = legend_h + th / 2;
  a.w = MAX (10.0, width - a.x - 16 * p.ls);
  a.h = MAX (10.0, height - a.y - 2 * th - 10 * p.ls);
  chart_zones (&p, &a);
  chart_axes (&p, &a, dstep);
  chart_lines (&p, h, &a);
  g_object_unref (p.layout);
}

void
ft_tape_update_chart_label (FtTapeInspector *self)
{
  GString *s = g_string_new ("Gradient norm per variable over time, log scale.");
  if (self->current != NULL)
    for (guint i = 0; i < self->current->lines->len; i++)
      {
        Line *line = g_ptr_array_index (self->current->lines, i);
        if (line->points->len == 0)
          continue;
        char buf[32];
        ft_tape_format_norm (buf, sizeof buf, g_array_index (line->points, Point, line->points->len - 1).y);
        g_string_append_printf (s, " %s %s%s", line->name, buf,
                                i + 1 < self->current->lines->len ? "," : ".");
      }
  g_free (self->chart_label);
  self->chart_label = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->chart_label, -1);
}
