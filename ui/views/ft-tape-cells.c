/* ft-tape-cells.c — the tape inspector's tables: number formats, colours, the bars and swatches in
 * cells, the cells themselves, and a table of cells kept in step with a list model. Part of the tape
 * inspector (ft-tape-inspector-private.h). */
#include "views/ft-tape-inspector-private.h"

#include "plot/ft-plot-render.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

/* ---- formatting ---- */

void
ft_tape_format_flops (char *buf, size_t size, double flops)
{
  if (!(flops > 0))
    g_strlcpy (buf, "—", size);
  else if (flops >= 1e9)
    g_snprintf (buf, size, "%.2f GFLOP", flops / 1e9);
  else if (flops >= 1e6)
    g_snprintf (buf, size, "%.2f MFLOP", flops / 1e6);
  else if (flops >= 1e3)
    g_snprintf (buf, size, "%.1f kFLOP", flops / 1e3);
  else
    g_snprintf (buf, size, "%.0f FLOP", flops);
}

void
ft_tape_format_time (char *buf, size_t size, double us)
{
  if (!(us > 0))
    g_strlcpy (buf, "—", size);
  else if (us >= 10000)
    g_snprintf (buf, size, "%.1f ms", us / 1000);
  else if (us >= 100)
    g_snprintf (buf, size, "%.0f µs", us);
  else
    g_snprintf (buf, size, "%.1f µs", us);
}

void
ft_tape_format_norm (char *buf, size_t size, double v)
{
  if (v == 0)
    g_strlcpy (buf, "0", size);
  else if (!isfinite (v))
    g_strlcpy (buf, isnan (v) ? "NaN" : v > 0 ? "∞" : "−∞", size);
  else if (fabs (v) >= 1e-2 && fabs (v) < 1e4)
    g_snprintf (buf, size, "%.4g", v);
  else
    g_snprintf (buf, size, "%.2e", v);
}

/* "10⁻⁶" */
void
ft_tape_format_decade (char *buf, size_t size, int e)
{
  static const char *const sup[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  if (e == 0)
    {
      g_strlcpy (buf, "1", size);
      return;
    }
  if (e == 1)
    {
      g_strlcpy (buf, "10", size);
      return;
    }
  GString *s = g_string_new ("10");
  if (e < 0)
    g_string_append (s, "⁻");
  char digits[16];
  g_snprintf (digits, sizeof digits, "%d", abs (e));
  for (const char *d = digits; *d; d++)
    g_string_append (s, sup[*d - '0']);
  g_strlcpy (buf, s->str, size);
  g_string_free (s, TRUE);
}

/* ---- colours ---- */

static gboolean
widget_is_dark (GtkWidget *widget)
{
  GdkRGBA fg;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  return 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
}

/* Viridis (colour-blind safe, perceptually ordered): for networks with more layers than the palette has
 * colours, the colour follows depth, so "the first layers get less gradient" reads as a colour ramp. */
static void
viridis (double t, GdkRGBA *out)
{
  static const double stops[][3] = {
    { 0.267, 0.005, 0.329 }, { 0.283, 0.141, 0.458 }, { 0.254, 0.265, 0.530 }, { 0.207, 0.372, 0.553 },
    { 0.164, 0.471, 0.558 }, { 0.128, 0.567, 0.551 }, { 0.135, 0.659, 0.518 }, { 0.267, 0.749, 0.441 },
    { 0.478, 0.821, 0.318 }, { 0.741, 0.873, 0.150 }, { 0.993, 0.906, 0.144 },
  };
  const int n = (int) G_N_ELEMENTS (stops);
  t = CLAMP (t, 0.0, 1.0) * (n - 1);
  int i = MIN ((int) t, n - 2);
  double f = t - i;
  out->red = (float) (stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
  out->green = (float) (stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
  out->blue = (float) (stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
  out->alpha = 1.0f;
}

#define N_PALETTE 6 /* ft-plot-render's palette */

/* colour: one of the BAR_ values, or a layer's index among n_layers. */
void
ft_tape_colour_for (GtkWidget *widget, int colour, int n_layers, GdkRGBA *out)
{
  gboolean dark = widget_is_dark (widget);
  if (colour >= 0 && n_layers > N_PALETTE)
    {
      double t = n_layers > 1 ? colour / (double) (n_layers - 1) : 0;
      viridis (dark ? 0.25 + 0.75 * t : 0.85 * t, out);
      return;
    }
  switch (colour)
    {
    case BAR_FORWARD:
      gdk_rgba_parse (out, dark ? "#62a0ea" : "#1c71d8");
      return;
    case BAR_BACKWARD:
      gdk_rgba_parse (out, dark ? "#ffa348" : "#e66100");
      return;
    case BAR_GOOD:
      gdk_rgba_parse (out, dark ? "#57e389" : "#26a269");
      return;
    case BAR_WARN:
      gdk_rgba_parse (out, dark ? "#f8e45c" : "#c88800");
      return;
    default:
      {
        FtPlotStyle style;
        ft_plot_style_init (&style);
        style.dark = dark;
        FtPlotColor c;
        ft_plot_style_run_color (&style, colour, &c);
        *out = (GdkRGBA){ (float) c.r, (float) c.g, (float) c.b, 1.0f };
      }
    }
}

void
ft_tape_set_dash (cairo_t *cr, int dash, double lw)
{
  if (dash == 1)
    {
      double d[2] = { 6 * lw, 3.5 * lw };
      cairo_set_dash (cr, d, 2, 0);
    }
  else if (dash == 2)
    {
      double d[2] = { 0.01, 3 * lw };
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_dash (cr, d, 2, 0);
    }
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

/* The widget's font size in px (it follows CSS: a presentation class enlarges it). */
double
ft_tape_widget_font_px (GtkWidget *widget)
{
  PangoContext *pc = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *fd = pango_context_get_font_description (pc);
  double size = fd != NULL ? pango_font_description_get_size (fd) / (double) PANGO_SCALE : 0;
  if (size <= 0)
    return 13.0;
  if (fd != NULL && !pango_font_description_get_size_is_absolute (fd))
    {
      double dpi = pango_cairo_context_get_resolution (pc);
      size = size * (dpi > 0 ? dpi : 96.0) / 72.0;
    }
  return size;
}

/* ---- small bars and swatches in table cells ---- */

typedef struct
{
  double fraction; /* 0 … 1 */
  int colour;
  int n_layers;
  double marker; /* a tick at this fraction, or < 0 */
  int dash;      /* swatches */
} BarData;

static void
bar_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  BarData *bd = g_object_get_data (G_OBJECT (area), "ft-bar");
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg, fill;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  ft_tape_colour_for (widget, bd->colour, bd->n_layers, &fill);
  double r = height / 2.0;
  /* Trough. */
  cairo_new_sub_path (cr);
  cairo_arc (cr, r, r, r, G_PI / 2, 3 * G_PI / 2);
  cairo_arc (cr, width - r, r, r, -G_PI / 2, G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.12);
  cairo_fill (cr);
  double f = CLAMP (bd->fraction, 0.0, 1.0);
  if (f > 0)
    {
      double w = MAX (2 * r, f * width);
      cairo_new_sub_path (cr);
      cairo_arc (cr, r, r, r, G_PI / 2, 3 * G_PI / 2);
      cairo_arc (cr, w - r, r, r, -G_PI / 2, G_PI / 2);
      cairo_close_path (cr);
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_fill (cr);
    }
  if (bd->marker >= 0)
    {
      double x = round (bd->marker * width) + 0.5;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      cairo_set_line_width (cr, 1.5);
      cairo_move_to (cr, x, -1);
      cairo_line_to (cr, x, height + 1);
      cairo_stroke (cr);
    }
}

static GtkWidget *
bar_new (void)
{
  GtkWidget *bar = gtk_drawing_area_new ();
  BarData *bd = g_new0 (BarData, 1);
  bd->marker = -1;
  g_object_set_data_full (G_OBJECT (bar), "ft-bar", bd, g_free);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (bar), 8);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (bar), 64);
  gtk_widget_set_hexpand (bar, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (bar), bar_draw, NULL, NULL);
  return bar;
}

static void
bar_set (GtkWidget *bar, double fraction, int colour, int n_layers, double marker)
{
  BarData *bd = g_object_get_data (G_OBJECT (bar), "ft-bar");
  bd->n_layers = n_layers;
  bd->fraction = isfinite (fraction) ? fraction : 0;
  bd->colour = colour;
  bd->marker = marker;
  gtk_widget_queue_draw (bar);
}

static void
swatch_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  BarData *bd = g_object_get_data (G_OBJECT (area), "ft-bar");
  GdkRGBA c;
  ft_tape_colour_for (GTK_WIDGET (area), bd->colour, bd->n_layers, &c);
  double lw = MAX (2.5, height / 5.0);
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_set_line_width (cr, lw);
  ft_tape_set_dash (cr, bd->dash, lw / 1.5);
  cairo_move_to (cr, 1, height / 2.0);
  cairo_line_to (cr, width - 1, height / 2.0);
  cairo_stroke (cr);
}

static GtkWidget *
swatch_new (void)
{
  GtkWidget *sw = gtk_drawing_area_new ();
  BarData *bd = g_new0 (BarData, 1);
  g_object_set_data_full (G_OBJECT (sw), "ft-bar", bd, g_free);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (sw), 14);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (sw), 30);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (sw), swatch_draw, NULL, NULL);
  return sw;
}

static GtkWidget *
numeric_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_widget_add_css_class (label, "numeric");
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  return label;
}

/* A cell's widgets; cell_fill puts a row's values in. */
static GtkWidget *
cell_new (CellKind kind)
{
  GtkWidget *child = NULL;
  switch (kind)
    {
    case CELL_INDEX:
      child = numeric_label ();
      gtk_widget_add_css_class (child, "tape-index");
      break;
    case CELL_OP:
      {
        child = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
        GtkWidget *op = gtk_label_new (NULL);
        gtk_widget_set_name (op, "op-label");
        gtk_widget_add_css_class (op, "tape-op");
        gtk_label_set_xalign (GTK_LABEL (op), 0);
        GtkWidget *shapes = gtk_label_new (NULL);
        gtk_widget_set_name (shapes, "shapes-label");
        gtk_widget_add_css_class (shapes, "tape-shapes");
        gtk_label_set_xalign (GTK_LABEL (shapes), 0);
        gtk_label_set_wrap (GTK_LABEL (shapes), TRUE);
        gtk_label_set_wrap_mode (GTK_LABEL (shapes), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_max_width_chars (GTK_LABEL (shapes), 40);
        gtk_box_append (GTK_BOX (child), op);
        gtk_box_append (GTK_BOX (child), shapes);
        gtk_widget_set_hexpand (child, TRUE);
        break;
      }
    case CELL_FLOPS:
    case CELL_WEIGHT:
      child = numeric_label ();
      break;
    case CELL_TIME:
    case CELL_GRAD:
    case CELL_RATIO:
      {
        child = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
        GtkWidget *label = numeric_label ();
        gtk_label_set_width_chars (GTK_LABEL (label), kind == CELL_TIME ? 8 : 9);
        gtk_box_append (GTK_BOX (child), label);
        GtkWidget *bar = bar_new ();
        gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
        gtk_box_append (GTK_BOX (child), bar);
        break;
      }
    case CELL_VAR_NAME:
      {
        child = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
        gtk_box_append (GTK_BOX (child), swatch_new ());
        GtkWidget *label = gtk_label_new (NULL);
        gtk_widget_set_name (label, "variable-label");
        gtk_widget_add_css_class (label, "tape-code");
        gtk_label_set_xalign (GTK_LABEL (label), 0);
        gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
        gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
        gtk_box_append (GTK_BOX (child), label);
        gtk_widget_set_hexpand (child, TRUE);
        break;
      }
    }
  gtk_widget_add_css_class (child, "tape-cell");
  return child;
}

/* A cell of a label and a bar under it (cell_new's CELL_TIME, CELL_GRAD and CELL_RATIO). */
static void
label_bar_set (GtkWidget *child, const char *text, double fraction, int colour, int n_layers, double marker)
{
  GtkWidget *label = gtk_widget_get_first_child (child);
  gtk_label_set_text (GTK_LABEL (label), text);
  bar_set (gtk_widget_get_next_sibling (label), fraction, colour, n_layers, marker);
}

static void
op_cell_fill (GtkWidget *child, CellKind kind, FtTapeOpRow *row)
{
  char buf[64];
  switch (kind)
    {
    case CELL_INDEX:
      g_snprintf (buf, sizeof buf, "%d", row->index + 1);
      gtk_label_set_text (GTK_LABEL (child), buf);
      break;
    case CELL_OP:
      {
        GtkWidget *op = gtk_widget_get_first_child (child);
        gtk_label_set_text (GTK_LABEL (op), row->label);
        gtk_widget_remove_css_class (op, row->backward ? "forward" : "backward");
        gtk_widget_add_css_class (op, row->backward ? "backward" : "forward");
        gtk_label_set_text (GTK_LABEL (gtk_widget_get_next_sibling (op)), row->shapes);
        break;
      }
    case CELL_FLOPS:
      ft_tape_format_flops (buf, sizeof buf, row->flops);
      gtk_label_set_text (GTK_LABEL (child), buf);
      break;
    case CELL_TIME:
      ft_tape_format_time (buf, sizeof buf, row->time_us);
      label_bar_set (child, buf, row->fraction, row->backward ? BAR_BACKWARD : BAR_FORWARD, 0, -1);
      break;
    case CELL_GRAD:
    case CELL_RATIO:
    case CELL_VAR_NAME:
    case CELL_WEIGHT:
      break;
    }
}

static void
var_cell_fill (GtkWidget *child, CellKind kind, FtTapeVarRow *row)
{
  char buf[64];
  switch (kind)
    {
    case CELL_VAR_NAME:
      {
        GtkWidget *swatch = gtk_widget_get_first_child (child);
        BarData *bd = g_object_get_data (G_OBJECT (swatch), "ft-bar");
        bd->colour = row->colour;
        bd->n_layers = row->n_layers;
        bd->dash = row->dash;
        gtk_widget_queue_draw (swatch);
        gtk_label_set_text (GTK_LABEL (gtk_widget_get_next_sibling (swatch)), row->name);
        break;
      }
    case CELL_GRAD:
      ft_tape_format_norm (buf, sizeof buf, row->grad_norm);
      label_bar_set (child, buf, row->grad_fraction, row->colour, row->n_layers, -1);
      break;
    case CELL_WEIGHT:
      ft_tape_format_norm (buf, sizeof buf, row->weight_norm);
      gtk_label_set_text (GTK_LABEL (child), buf);
      break;
    case CELL_RATIO:
      {
        double r = row->update_ratio;
        if (r > 0 && isfinite (r))
          g_snprintf (buf, sizeof buf, "%.1e", r);
        else
          ft_tape_format_norm (buf, sizeof buf, r);
        double f = r > 0 ? (log10 (r) - RATIO_LOG_MIN) / -RATIO_LOG_MIN : 0;
        int colour = r >= RATIO_GOOD_MIN && r <= RATIO_GOOD_MAX ? BAR_GOOD : BAR_WARN;
        label_bar_set (child, buf, f, colour, 0, (-3.0 - RATIO_LOG_MIN) / -RATIO_LOG_MIN);
        break;
      }
    case CELL_FLOPS:
    case CELL_INDEX:
    case CELL_OP:
    case CELL_TIME:
      break;
    }
}

static void
cell_fill (GtkWidget *child, CellKind kind, GObject *obj)
{
  if (FT_IS_TAPE_OP_ROW (obj))
    op_cell_fill (child, kind, FT_TAPE_OP_ROW (obj));
  else if (FT_IS_TAPE_VAR_ROW (obj))
    var_cell_fill (child, kind, FT_TAPE_VAR_ROW (obj));
}

static void
table_refresh (Table *t)
{
  if (t->grid == NULL)
    return;
  int n = (int) g_list_model_get_n_items (t->model);
  for (; t->n_rows < n; t->n_rows++)
    for (int c = 0; c < t->n_columns; c++)
      gtk_grid_attach (t->grid, cell_new (t->kinds[c]), c, t->n_rows + 1, 1, 1);
  for (; t->n_rows > n; t->n_rows--)
    gtk_grid_remove_row (t->grid, t->n_rows);
  for (int r = 0; r < n; r++)
    {
      GObject *item = g_list_model_get_item (t->model, (guint) r);
      for (int c = 0; c < t->n_columns; c++)
        cell_fill (gtk_grid_get_child_at (t->grid, c, r + 1), t->kinds[c], item);
      g_object_unref (item);
    }
}

static void
table_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  table_refresh (data);
}

GtkWidget *
ft_tape_table_new (Table *t, GListModel *model, const char *name, int n_columns, const CellKind *kinds,
                   const char *const *titles)
{
  t->model = model;
  t->n_columns = n_columns;
  t->n_rows = 0;
  memcpy (t->kinds, kinds, sizeof (CellKind) * (size_t) n_columns);
  t->grid = GTK_GRID (gtk_grid_new ());
  g_signal_connect (model, "items-changed", G_CALLBACK (table_items_changed), t);
  gtk_widget_set_name (GTK_WIDGET (t->grid), name);
  gtk_widget_add_css_class (GTK_WIDGET (t->grid), "tape-table");
  gtk_grid_set_column_spacing (t->grid, 0);
  gtk_grid_set_row_spacing (t->grid, 0);
  for (int c = 0; c < n_columns; c++)
    {
      GtkWidget *h = gtk_label_new (titles[c]);
      gtk_widget_add_css_class (h, "tape-column-title");
      gboolean numeric = kinds[c] != CELL_OP && kinds[c] != CELL_VAR_NAME;
      gtk_label_set_xalign (GTK_LABEL (h), numeric ? 1.0f : 0.0f);
      gtk_widget_set_valign (h, GTK_ALIGN_END);
      gtk_label_set_wrap (GTK_LABEL (h), TRUE);
      gtk_label_set_justify (GTK_LABEL (h), numeric ? GTK_JUSTIFY_RIGHT : GTK_JUSTIFY_LEFT);
      gtk_grid_attach (t->grid, h, c, 0, 1, 1);
    }
  return GTK_WIDGET (t->grid);
}

/* A card: badge, heading, a caption (code or prose) and the body. */
GtkWidget *
ft_tape_section_new (const char *css, const char *badge, const char *heading, const char *caption,
                     gboolean code, GtkWidget *body)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "tape-section");
  gtk_widget_add_css_class (card, css);
  gtk_widget_set_size_request (card, 460, -1);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *b = gtk_label_new (badge);
  gtk_widget_add_css_class (b, "tape-badge");
  gtk_widget_add_css_class (b, css);
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  GtkWidget *h = gtk_label_new (heading);
  gtk_widget_add_css_class (h, "tape-heading");
  gtk_label_set_xalign (GTK_LABEL (h), 0);
  gtk_label_set_wrap (GTK_LABEL (h), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (h), 30);
  gtk_widget_set_hexpand (h, TRUE);
  gtk_box_append (GTK_BOX (top), b);
  gtk_box_append (GTK_BOX (top), h);
  gtk_box_append (GTK_BOX (card), top);
  GtkWidget *c = gtk_label_new (caption);
  gtk_widget_set_name (c, "caption");
  gtk_widget_add_css_class (c, code ? "tape-code" : "caption");
  gtk_widget_add_css_class (c, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (c), 0);
  gtk_label_set_wrap (GTK_LABEL (c), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (c), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (c), 44);
  gtk_box_append (GTK_BOX (card), c);
  gtk_box_append (GTK_BOX (card), body);
  return card;
}
