/* ft-tape-inspector.c — one training step's tape: forward pass, backward pass, variables and a chart of
 * gradient norms over time (see ft-tape-inspector.h). */
#include "views/ft-tape-inspector.h"

#include "plot/ft-plot-render.h"

#include <adwaita.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

/* Zones of the gradient-norm chart. */
#define VANISHING_NORM 1e-6
#define EXPLODING_NORM 1e3
/* The update/weight gauge spans 1e-6 … 1 on a log scale; 1e-4 … 1e-2 counts as healthy. */
#define RATIO_LOG_MIN  (-6.0)
#define RATIO_GOOD_MIN 1e-4
#define RATIO_GOOD_MAX 1e-2

/* Bar colours besides the palette's (≥ 0). */
enum
{
  BAR_FORWARD = -1,
  BAR_BACKWARD = -2,
  BAR_GOOD = -3,
  BAR_WARN = -4,
};

static const char inspector_css[]
    = ".tape-inspector .tape-title { font-size: 160%; font-weight: 800; }\n"
      ".tape-inspector .tape-subtitle { font-size: 105%; }\n"
      ".tape-inspector .tape-section { padding: 14px 16px 10px 16px; }\n"
      ".tape-inspector .tape-section.backward { background-color: mix(@card_bg_color, #ff7800, 0.07); }\n"
      ".tape-inspector .tape-section.forward { background-color: mix(@card_bg_color, #3584e4, 0.05); }\n"
      ".tape-inspector .tape-heading { font-size: 120%; font-weight: 700; }\n"
      ".tape-inspector .tape-badge { border-radius: 6px; padding: 2px 8px; font-weight: 800;"
      " font-size: 85%; color: white; }\n"
      ".tape-inspector .tape-badge.forward { background-color: #1c71d8; }\n"
      ".tape-inspector .tape-badge.backward { background-color: #c64600; }\n"
      ".tape-inspector .tape-badge.variables { background-color: #613583; }\n"
      ".tape-inspector .tape-badge.history { background-color: #26a269; }\n"
      ".tape-inspector .tape-code { font-family: monospace; font-size: 90%; }\n"
      ".tape-inspector .tape-column-title { font-weight: 700; font-size: 90%; opacity: 0.6;"
      " padding: 2px 8px 6px 8px; }\n"
      ".tape-inspector .tape-cell { padding: 7px 8px; border-top: 1px solid alpha(currentColor, 0.1); }\n"
      ".tape-inspector .tape-op { font-weight: 700; font-size: 110%; }\n"
      ".tape-inspector .tape-op.backward { color: mix(currentColor, #e66100, 0.7); }\n"
      ".tape-inspector .tape-op.forward { color: mix(currentColor, #1c71d8, 0.55); }\n"
      ".tape-inspector .tape-shapes { font-family: monospace; font-size: 90%; opacity: 0.75; }\n"
      ".tape-inspector .tape-index { opacity: 0.6; }\n";

/* ================================================================================================ */
/* Rows */

struct _FtTapeOpRow
{
  GObject parent_instance;
  int index;
  char *op;
  char *label;
  char *shapes;
  double flops;
  double time_us;
  double fraction; /* of the pass's total time */
  gboolean backward;
};

G_DEFINE_FINAL_TYPE (FtTapeOpRow, ft_tape_op_row, G_TYPE_OBJECT)

static void
ft_tape_op_row_finalize (GObject *object)
{
  FtTapeOpRow *row = FT_TAPE_OP_ROW (object);
  g_free (row->op);
  g_free (row->label);
  g_free (row->shapes);
  G_OBJECT_CLASS (ft_tape_op_row_parent_class)->finalize (object);
}

static void
ft_tape_op_row_class_init (FtTapeOpRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ft_tape_op_row_finalize;
}

static void
ft_tape_op_row_init (FtTapeOpRow *row)
{
}

int
ft_tape_op_row_get_index (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), -1);
  return row->index;
}

const char *
ft_tape_op_row_get_op (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->op;
}

const char *
ft_tape_op_row_get_label (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->label;
}

const char *
ft_tape_op_row_get_shapes (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->shapes;
}

double
ft_tape_op_row_get_flops (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), 0);
  return row->flops;
}

double
ft_tape_op_row_get_time_us (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), 0);
  return row->time_us;
}

gboolean
ft_tape_op_row_is_backward (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), FALSE);
  return row->backward;
}

struct _FtTapeVarRow
{
  GObject parent_instance;
  char *name;
  double grad_norm;
  double weight_norm;
  double update_ratio;
  double grad_fraction; /* of the largest gradient norm of the step */
  int colour;           /* the layer's index (its colour, as in the chart) */
  int n_layers;
  int dash; /* 0 solid (kernel), 1 dashed (bias), 2 dotted (other) */
};

G_DEFINE_FINAL_TYPE (FtTapeVarRow, ft_tape_var_row, G_TYPE_OBJECT)

static void
ft_tape_var_row_finalize (GObject *object)
{
  g_free (FT_TAPE_VAR_ROW (object)->name);
  G_OBJECT_CLASS (ft_tape_var_row_parent_class)->finalize (object);
}

static void
ft_tape_var_row_class_init (FtTapeVarRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ft_tape_var_row_finalize;
}

static void
ft_tape_var_row_init (FtTapeVarRow *row)
{
}

const char *
ft_tape_var_row_get_name (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), NULL);
  return row->name;
}

double
ft_tape_var_row_get_grad_norm (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->grad_norm;
}

double
ft_tape_var_row_get_weight_norm (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->weight_norm;
}

double
ft_tape_var_row_get_update_ratio (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->update_ratio;
}

/* ================================================================================================ */
/* History: per run, one line per variable */

typedef struct
{
  double x, y;
} Point;

typedef struct
{
  char *name;
  int colour;
  int dash;
  GArray *points; /* Point */
} Line;

typedef struct
{
  char *run;
  GPtrArray *lines;  /* Line* */
  GPtrArray *layers; /* char*, layer names in order of appearance: their index is the colour */
  int n_snapshots;
} RunHistory;

static void
line_free (Line *line)
{
  g_free (line->name);
  g_array_unref (line->points);
  g_free (line);
}

static void
run_history_free (RunHistory *h)
{
  g_free (h->run);
  g_ptr_array_unref (h->lines);
  g_ptr_array_unref (h->layers);
  g_free (h);
}

static RunHistory *
run_history_new (const char *run)
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

static Line *
history_line (RunHistory *h, const char *name, gboolean create)
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
static void
line_append (Line *line, double x, double y)
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

typedef struct Table Table;

struct _FtTapeInspector
{
  GtkBox parent_instance;

  GtkStack *stack;
  GtkWidget *empty_page;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkWidget *chart;
  GtkLabel *chart_caption;

  GListStore *forward;
  GListStore *backward;
  GListStore *variables;
  Table *tables[3]; /* forward, backward, variables */

  char *title;
  GHashTable *runs;    /* run name → RunHistory* */
  RunHistory *current; /* the run of the last snapshot (owned by runs) */
  char *chart_label;
};

G_DEFINE_FINAL_TYPE (FtTapeInspector, ft_tape_inspector, GTK_TYPE_BOX)

#define EMPTY_TITLE "No tape recorded yet"

/* ---- formatting ---- */

static void
format_flops (char *buf, size_t size, double flops)
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

static void
format_time (char *buf, size_t size, double us)
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

static void
format_norm (char *buf, size_t size, double v)
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
static void
format_decade (char *buf, size_t size, int e)
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
static void
colour_for (GtkWidget *widget, int colour, int n_layers, GdkRGBA *out)
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

static void
set_dash (cairo_t *cr, int dash, double lw)
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
static double
widget_font_px (GtkWidget *widget)
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
  colour_for (widget, bd->colour, bd->n_layers, &fill);
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
  colour_for (GTK_WIDGET (area), bd->colour, bd->n_layers, &c);
  double lw = MAX (2.5, height / 5.0);
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_set_line_width (cr, lw);
  set_dash (cr, bd->dash, lw / 1.5);
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

/* ---- table cells ---- */

typedef enum
{
  CELL_INDEX,
  CELL_OP,
  CELL_FLOPS,
  CELL_TIME,
  CELL_VAR_NAME,
  CELL_GRAD,
  CELL_WEIGHT,
  CELL_RATIO,
} CellKind;

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

static void
cell_fill (GtkWidget *child, CellKind kind, GObject *obj)
{
  char buf[64];
  if (FT_IS_TAPE_OP_ROW (obj))
    {
      FtTapeOpRow *row = FT_TAPE_OP_ROW (obj);
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
          format_flops (buf, sizeof buf, row->flops);
          gtk_label_set_text (GTK_LABEL (child), buf);
          break;
        case CELL_TIME:
          {
            GtkWidget *label = gtk_widget_get_first_child (child);
            format_time (buf, sizeof buf, row->time_us);
            gtk_label_set_text (GTK_LABEL (label), buf);
            bar_set (gtk_widget_get_next_sibling (label), row->fraction,
                     row->backward ? BAR_BACKWARD : BAR_FORWARD, 0, -1);
            break;
          }
        case CELL_GRAD:
        case CELL_RATIO:
        case CELL_VAR_NAME:
        case CELL_WEIGHT:
          break;
        }
      return;
    }
  if (!FT_IS_TAPE_VAR_ROW (obj))
    return;
  FtTapeVarRow *row = FT_TAPE_VAR_ROW (obj);
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
      {
        GtkWidget *label = gtk_widget_get_first_child (child);
        format_norm (buf, sizeof buf, row->grad_norm);
        gtk_label_set_text (GTK_LABEL (label), buf);
        bar_set (gtk_widget_get_next_sibling (label), row->grad_fraction, row->colour, row->n_layers, -1);
        break;
      }
    case CELL_WEIGHT:
      format_norm (buf, sizeof buf, row->weight_norm);
      gtk_label_set_text (GTK_LABEL (child), buf);
      break;
    case CELL_RATIO:
      {
        GtkWidget *label = gtk_widget_get_first_child (child);
        double r = row->update_ratio;
        if (r > 0 && isfinite (r))
          g_snprintf (buf, sizeof buf, "%.1e", r);
        else
          format_norm (buf, sizeof buf, r);
        gtk_label_set_text (GTK_LABEL (label), buf);
        double f = r > 0 ? (log10 (r) - RATIO_LOG_MIN) / -RATIO_LOG_MIN : 0;
        int colour = r >= RATIO_GOOD_MIN && r <= RATIO_GOOD_MAX ? BAR_GOOD : BAR_WARN;
        bar_set (gtk_widget_get_next_sibling (label), f, colour, 0, (-3.0 - RATIO_LOG_MIN) / -RATIO_LOG_MIN);
        break;
      }
    case CELL_FLOPS:
    case CELL_INDEX:
    case CELL_OP:
    case CELL_TIME:
      break;
    }
}

/* A table: a grid with a header row and one row per item of a list model. Every row is a real widget
 * row (tapes are short), so the page scrolls as one and nothing is hidden inside a nested scroller. Rows
 * are kept and refilled when the model changes; only the difference in count is added or removed. */
#define MAX_COLUMNS 4

struct Table
{
  GtkGrid *grid;
  GListModel *model; /* borrowed (the inspector's store) */
  int n_columns;
  CellKind kinds[MAX_COLUMNS];
  int n_rows; /* item rows built */
};

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

static GtkWidget *
table_new (Table *t, GListModel *model, const char *name, int n_columns, const CellKind *kinds,
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
static GtkWidget *
section_new (const char *css, const char *badge, const char *heading, const char *caption, gboolean code,
             GtkWidget *body)
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

static void
chart_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  FtTapeInspector *self = data;
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  double font_px = widget_font_px (widget);
  double ls = MAX (1.0, font_px / 13.0);
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  double tw, th;

  RunHistory *h = self->current;
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
    {
      pango_layout_set_text (layout, "No gradients yet", -1);
      layout_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      cairo_move_to (cr, (width - tw) / 2, (height - th) / 2);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
      return;
    }

  ChartArea a;
  a.lo = (int) floor (log10 (ymin) + 1e-9);
  a.hi = (int) ceil (log10 (ymax) - 1e-9);
  while (a.hi - a.lo < 3)
    {
      a.hi++;
      if (a.hi - a.lo < 3)
        a.lo--;
    }
  a.x_min = isfinite (xmin) ? xmin : 1;
  a.x_max = MAX (xmax, a.x_min + 1);

  /* Legend: one entry per layer (its colour), then the line styles (kernel solid, bias dashed, other
   * variables such as batch-norm's gamma and beta dotted); wrapped over as many rows as needed. */
  double pad = 8 * ls, sample_w = 30 * ls, gap = 6 * ls, entry_gap = 18 * ls;
  pango_layout_set_text (layout, "Ag", -1);
  layout_size (layout, &tw, &th);
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
      pango_layout_set_text (layout, i < n_layers ? g_ptr_array_index (h->layers, i) : dash_names[dash], -1);
      layout_size (layout, &tw, &th);
      double ew = sample_w + gap + tw;
      if (lx > pad && lx + ew > width - pad)
        {
          lx = pad;
          ly += row_h;
          rows++;
        }
      GdkRGBA c;
      if (i < n_layers)
        colour_for (widget, i, n_layers, &c);
      else
        c = (GdkRGBA){ fg.red, fg.green, fg.blue, 0.75f };
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, (i < n_layers ? 4.0 : 2.5) * ls);
      set_dash (cr, dash, ls);
      cairo_move_to (cr, lx, ly + row_h / 2);
      cairo_line_to (cr, lx + sample_w, ly + row_h / 2);
      cairo_stroke (cr);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, i < n_layers ? fg.alpha : 0.75 * fg.alpha);
      cairo_move_to (cr, lx + sample_w + gap, ly + (row_h - th) / 2);
      pango_cairo_show_layout (cr, layout);
      lx += ew + entry_gap;
    }
  cairo_set_dash (cr, NULL, 0, 0);
  double legend_h = rows * row_h + 6 * ls;

  /* Axes: decade labels on the left, steps below. */
  int dstep = MAX (1, (int) ceil ((a.hi - a.lo) / 7.0));
  double label_w = 0;
  char buf[64];
  for (int e = a.lo; e <= a.hi; e += dstep)
    {
      format_decade (buf, sizeof buf, e);
      pango_layout_set_text (layout, buf, -1);
      layout_size (layout, &tw, &th);
      label_w = MAX (label_w, tw);
    }
  pango_layout_set_text (layout, "0", -1);
  layout_size (layout, &tw, &th);
  a.x = pad + label_w + 8 * ls;
  a.y = legend_h + th / 2;
  a.w = MAX (10.0, width - a.x - 16 * ls);
  a.h = MAX (10.0, height - a.y - 2 * th - 10 * ls);

  /* Zones. */
  if (a.lo < log10 (VANISHING_NORM))
    {
      double top = chart_py (&a, VANISHING_NORM);
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.13);
      cairo_rectangle (cr, a.x, top, a.w, a.y + a.h - top);
      cairo_fill (cr);
      pango_layout_set_text (layout, "vanishing", -1);
      layout_size (layout, &tw, &th);
      /* Inside the band, or just above it when the band is thin. */
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.65);
      cairo_move_to (cr, a.x + a.w - tw - 6 * ls,
                     a.y + a.h - top > th + 4 ? a.y + a.h - th - 3 * ls : top - th - 2 * ls);
      pango_cairo_show_layout (cr, layout);
    }
  if (a.hi > log10 (EXPLODING_NORM))
    {
      double bottom = chart_py (&a, EXPLODING_NORM);
      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.12);
      cairo_rectangle (cr, a.x, a.y, a.w, bottom - a.y);
      cairo_fill (cr);
      pango_layout_set_text (layout, "exploding", -1);
      layout_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.65);
      cairo_move_to (cr, a.x + a.w - tw - 6 * ls, bottom - a.y > th + 4 ? a.y + 3 * ls : bottom + 2 * ls);
      pango_cairo_show_layout (cr, layout);
    }

  /* Grid and labels. */
  cairo_set_line_width (cr, 1);
  for (int e = a.lo; e <= a.hi; e += dstep)
    {
      double y = round (chart_py (&a, pow (10, e))) + 0.5;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.12);
      cairo_move_to (cr, a.x, y);
      cairo_line_to (cr, a.x + a.w, y);
      cairo_stroke (cr);
      format_decade (buf, sizeof buf, e);
      pango_layout_set_text (layout, buf, -1);
      layout_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
      cairo_move_to (cr, a.x - 8 * ls - tw, y - th / 2);
      pango_cairo_show_layout (cr, layout);
    }
  double xstep = nice_step (a.x_max - a.x_min, MAX (2, (int) (a.w / (70 * ls))));
  for (double x = ceil (a.x_min / xstep) * xstep; x <= a.x_max + 1e-9; x += xstep)
    {
      double px = round (chart_px (&a, x)) + 0.5;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
      cairo_move_to (cr, px, a.y + a.h);
      cairo_line_to (cr, px, a.y + a.h + 4 * ls);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%.0f", x);
      pango_layout_set_text (layout, buf, -1);
      layout_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
      cairo_move_to (cr, px - tw / 2, a.y + a.h + 5 * ls);
      pango_cairo_show_layout (cr, layout);
    }
  pango_layout_set_text (layout, "snapshot (recorded step)", -1);
  layout_size (layout, &tw, &th);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  cairo_move_to (cr, a.x + a.w - tw, a.y + a.h + 5 * ls + th);
  pango_cairo_show_layout (cr, layout);
  /* Frame: the x axis and the y axis. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
  cairo_move_to (cr, a.x + 0.5, a.y);
  cairo_line_to (cr, a.x + 0.5, a.y + a.h + 0.5);
  cairo_line_to (cr, a.x + a.w, a.y + a.h + 0.5);
  cairo_stroke (cr);

  /* Lines, the newest point of each marked. */
  cairo_save (cr);
  cairo_rectangle (cr, a.x - 6 * ls, a.y - 6 * ls, a.w + 12 * ls, a.h + 12 * ls);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < h->lines->len; i++)
    {
      Line *line = g_ptr_array_index (h->lines, i);
      GdkRGBA c;
      colour_for (widget, line->colour, n_layers, &c);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_set_line_width (cr, 2.25 * ls);
      set_dash (cr, line->dash, ls);
      gboolean pen = FALSE;
      double last_x = NAN, last_y = NAN;
      for (guint k = 0; k < line->points->len; k++)
        {
          Point p = g_array_index (line->points, Point, k);
          if (isnan (p.y))
            {
              pen = FALSE;
              continue;
            }
          double y = isinf (p.y) ? pow (10, a.hi) : p.y;
          double px = chart_px (&a, p.x), py = chart_py (&a, y);
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
  g_object_unref (layout);
}

static void
update_chart_label (FtTapeInspector *self)
{
  GString *s = g_string_new ("Gradient norm per variable over time, log scale.");
  if (self->current != NULL)
    for (guint i = 0; i < self->current->lines->len; i++)
      {
        Line *line = g_ptr_array_index (self->current->lines, i);
        if (line->points->len == 0)
          continue;
        char buf[32];
        format_norm (buf, sizeof buf, g_array_index (line->points, Point, line->points->len - 1).y);
        g_string_append_printf (s, " %s %s%s", line->name, buf,
                                i + 1 < self->current->lines->len ? "," : ".");
      }
  g_free (self->chart_label);
  self->chart_label = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->chart_label, -1);
}

/* ---- showing a snapshot ---- */

static FtTapeOpRow *
op_row_new (const FtSnapshotEntry *e, int index, gboolean backward, double total_us)
{
  FtTapeOpRow *row = g_object_new (FT_TYPE_TAPE_OP_ROW, NULL);
  row->index = index;
  row->op = g_strdup (e->op != NULL ? e->op : "?");
  row->label = backward ? g_strdup_printf ("∂ %s", row->op) : g_strdup (row->op);
  const char *inputs = e->inputs[0] ? e->inputs : "—";
  const char *output = e->output[0] ? e->output : "—";
  row->shapes = backward ? g_strdup_printf ("%s → %s", output, inputs)
                         : g_strdup_printf ("%s → %s", inputs, output);
  row->flops = e->flops;
  row->time_us = backward ? e->backward_us : e->forward_us;
  row->fraction = total_us > 0 ? row->time_us / total_us : 0;
  row->backward = backward;
  return row;
}

void
ft_tape_inspector_show_snapshot (FtTapeInspector *self, const char *run_name, const FtSnapshot *snapshot)
{
  g_return_if_fail (FT_IS_TAPE_INSPECTOR (self));
  g_return_if_fail (snapshot != NULL);
  if (run_name == NULL)
    run_name = "";

  int n = MAX (0, snapshot->n_entries);
  double fwd_total = 0, bwd_total = 0, flops_total = 0;
  for (int i = 0; i < n; i++)
    {
      const FtSnapshotEntry *e = &snapshot->entries[i];
      fwd_total += e->forward_us > 0 ? e->forward_us : 0;
      bwd_total += e->backward_us > 0 ? e->backward_us : 0;
      flops_total += e->flops > 0 ? e->flops : 0;
    }

  /* Tables: built aside, swapped in one splice each. */
  GPtrArray *fwd = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *bwd = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < n; i++)
    g_ptr_array_add (fwd, op_row_new (&snapshot->entries[i], i, FALSE, fwd_total));
  for (int i = n - 1; i >= 0; i--)
    g_ptr_array_add (bwd, op_row_new (&snapshot->entries[i], i, TRUE, bwd_total));
  g_list_store_splice (self->forward, 0, g_list_model_get_n_items (G_LIST_MODEL (self->forward)), fwd->pdata,
                       fwd->len);
  g_list_store_splice (self->backward, 0, g_list_model_get_n_items (G_LIST_MODEL (self->backward)),
                       bwd->pdata, bwd->len);
  g_ptr_array_unref (fwd);
  g_ptr_array_unref (bwd);

  /* History of this run. */
  RunHistory *h = g_hash_table_lookup (self->runs, run_name);
  if (h == NULL)
    {
      h = run_history_new (run_name);
      g_hash_table_insert (self->runs, h->run, h);
    }
  self->current = h;
  h->n_snapshots++;

  double max_grad = 0;
  for (int i = 0; i < snapshot->n_variables; i++)
    if (isfinite (snapshot->variables[i].grad_norm))
      max_grad = MAX (max_grad, snapshot->variables[i].grad_norm);
  GPtrArray *vars = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < snapshot->n_variables; i++)
    {
      const FtSnapshotVariable *v = &snapshot->variables[i];
      const char *name = v->name != NULL ? v->name : "?";
      Line *line = history_line (h, name, TRUE);
      line_append (line, h->n_snapshots, v->grad_norm);
      FtTapeVarRow *row = g_object_new (FT_TYPE_TAPE_VAR_ROW, NULL);
      row->name = g_strdup (name);
      row->grad_norm = v->grad_norm;
      row->weight_norm = v->weight_norm;
      row->update_ratio = v->update_ratio;
      row->grad_fraction = max_grad > 0 && isfinite (v->grad_norm) ? v->grad_norm / max_grad : 0;
      row->colour = line->colour;
      row->n_layers = (int) h->layers->len;
      row->dash = line->dash;
      g_ptr_array_add (vars, row);
    }
  g_list_store_splice (self->variables, 0, g_list_model_get_n_items (G_LIST_MODEL (self->variables)),
                       vars->pdata, vars->len);
  g_ptr_array_unref (vars);

  /* Header. */
  g_free (self->title);
  self->title = g_strdup_printf ("Tape for batch %d of epoch %d — %d %s recorded", snapshot->batch + 1,
                                 snapshot->epoch + 1, n, n == 1 ? "op" : "ops");
  gtk_label_set_text (self->title_label, self->title);
  GString *sub = g_string_new (run_name);
  char buf[64];
  if (fwd_total > 0 || bwd_total > 0)
    {
      format_time (buf, sizeof buf, fwd_total);
      g_string_append_printf (sub, "%sforward %s", sub->len ? "  ·  " : "", buf);
      format_time (buf, sizeof buf, bwd_total);
      g_string_append_printf (sub, "  ·  backward %s", buf);
    }
  if (flops_total > 0)
    {
      format_flops (buf, sizeof buf, flops_total);
      g_string_append_printf (sub, "%s%s forward", sub->len ? "  ·  " : "", buf);
    }
  g_string_append_printf (sub, "%s%d trainable variable%s", sub->len ? "  ·  " : "", snapshot->n_variables,
                          snapshot->n_variables == 1 ? "" : "s");
  gtk_label_set_text (self->subtitle_label, sub->str);
  g_string_free (sub, TRUE);

  char *caption = g_strdup_printf ("%s%s%d snapshot%s · log scale · shaded: vanishing (< 10⁻⁶) and "
                                   "exploding (> 10³)",
                                   run_name, run_name[0] ? " · " : "", h->n_snapshots,
                                   h->n_snapshots == 1 ? "" : "s");
  gtk_label_set_text (self->chart_caption, caption);
  g_free (caption);

  update_chart_label (self);
  gtk_widget_queue_draw (self->chart);
  gtk_stack_set_visible_child_name (self->stack, "tape");
}

void
ft_tape_inspector_clear (FtTapeInspector *self)
{
  g_return_if_fail (FT_IS_TAPE_INSPECTOR (self));
  g_list_store_remove_all (self->forward);
  g_list_store_remove_all (self->backward);
  g_list_store_remove_all (self->variables);
  self->current = NULL;
  g_hash_table_remove_all (self->runs);
  g_clear_pointer (&self->title, g_free);
  gtk_label_set_text (self->title_label, "");
  gtk_label_set_text (self->subtitle_label, "");
  gtk_label_set_text (self->chart_caption, "");
  update_chart_label (self);
  gtk_widget_queue_draw (self->chart);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* ---- accessors ---- */

const char *
ft_tape_inspector_get_title (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return self->title != NULL ? self->title : EMPTY_TITLE;
}

GListModel *
ft_tape_inspector_get_forward (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->forward);
}

GListModel *
ft_tape_inspector_get_backward (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->backward);
}

GListModel *
ft_tape_inspector_get_variables (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return G_LIST_MODEL (self->variables);
}

int
ft_tape_inspector_get_n_lines (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), 0);
  return self->current != NULL ? (int) self->current->lines->len : 0;
}

int
ft_tape_inspector_get_n_points (FtTapeInspector *self, const char *variable)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), 0);
  g_return_val_if_fail (variable != NULL, 0);
  Line *line = self->current != NULL ? history_line (self->current, variable, FALSE) : NULL;
  return line != NULL ? (int) line->points->len : 0;
}

gboolean
ft_tape_inspector_get_point (FtTapeInspector *self, const char *variable, int i, double *x, double *y)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), FALSE);
  g_return_val_if_fail (variable != NULL, FALSE);
  Line *line = self->current != NULL ? history_line (self->current, variable, FALSE) : NULL;
  if (line == NULL || i < 0 || i >= (int) line->points->len)
    return FALSE;
  Point p = g_array_index (line->points, Point, i);
  if (x != NULL)
    *x = p.x;
  if (y != NULL)
    *y = p.y;
  return TRUE;
}

GtkWidget *
ft_tape_inspector_get_chart (FtTapeInspector *self)
{
  g_return_val_if_fail (FT_IS_TAPE_INSPECTOR (self), NULL);
  return self->chart;
}

/* ---- construction ---- */

static void
ensure_css (void)
{
  static GdkDisplay *loaded_for;
  GdkDisplay *display = gdk_display_get_default ();
  if (display == NULL || display == loaded_for)
    return;
  GtkCssProvider *provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, inspector_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);
  loaded_for = display;
}

static void
ft_tape_inspector_dispose (GObject *object)
{
  FtTapeInspector *self = FT_TAPE_INSPECTOR (object);
  for (int i = 0; i < 3; i++)
    if (self->tables[i]->model != NULL)
      {
        g_signal_handlers_disconnect_by_data (self->tables[i]->model, self->tables[i]);
        self->tables[i]->model = NULL;
        self->tables[i]->grid = NULL;
      }
  self->current = NULL;
  g_clear_pointer (&self->runs, g_hash_table_unref);
  G_OBJECT_CLASS (ft_tape_inspector_parent_class)->dispose (object);
}

static void
ft_tape_inspector_finalize (GObject *object)
{
  FtTapeInspector *self = FT_TAPE_INSPECTOR (object);
  g_clear_object (&self->forward);
  g_clear_object (&self->backward);
  g_clear_object (&self->variables);
  g_free (self->title);
  g_free (self->chart_label);
  for (int i = 0; i < 3; i++)
    g_free (self->tables[i]);
  G_OBJECT_CLASS (ft_tape_inspector_parent_class)->finalize (object);
}

static void
ft_tape_inspector_class_init (FtTapeInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = ft_tape_inspector_dispose;
  object_class->finalize = ft_tape_inspector_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "tapeinspector");
}

static GtkWidget *
flow_child (GtkWidget *card)
{
  GtkWidget *child = gtk_flow_box_child_new ();
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), card);
  gtk_widget_set_focusable (child, FALSE);
  return child;
}

static void
ft_tape_inspector_init (FtTapeInspector *self)
{
  ensure_css ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_widget_add_css_class (GTK_WIDGET (self), "tape-inspector");
  self->forward = g_list_store_new (FT_TYPE_TAPE_OP_ROW);
  self->backward = g_list_store_new (FT_TYPE_TAPE_OP_ROW);
  self->variables = g_list_store_new (FT_TYPE_TAPE_VAR_ROW);
  for (int i = 0; i < 3; i++)
    self->tables[i] = g_new0 (Table, 1);
  self->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_history_free);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->stack));

  /* Nothing yet. */
  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "view-list-ordered-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), EMPTY_TITLE);
  adw_status_page_set_description (
      ADW_STATUS_PAGE (self->empty_page),
      "Step one batch to see what tf.GradientTape recorded: the forward pass, the "
      "same operations replayed backwards by tape.gradient(), and every "
      "variable's gradient.");
  gtk_stack_add_named (self->stack, self->empty_page, "empty");

  /* The tape. */
  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (page, 18);
  gtk_widget_set_margin_end (page, 18);
  gtk_widget_set_margin_top (page, 16);
  gtk_widget_set_margin_bottom (page, 18);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), page);
  gtk_stack_add_named (self->stack, scroller, "tape");

  GtkWidget *title = gtk_label_new (NULL);
  gtk_widget_set_name (title, "title");
  gtk_widget_add_css_class (title, "tape-title");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  self->title_label = GTK_LABEL (title);
  GtkWidget *subtitle = gtk_label_new (NULL);
  gtk_widget_set_name (subtitle, "subtitle");
  gtk_widget_add_css_class (subtitle, "tape-subtitle");
  gtk_widget_add_css_class (subtitle, "numeric");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_wrap (GTK_LABEL (subtitle), TRUE);
  self->subtitle_label = GTK_LABEL (subtitle);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_start (head, 6);
  gtk_box_append (GTK_BOX (head), title);
  gtk_box_append (GTK_BOX (head), subtitle);
  gtk_box_append (GTK_BOX (page), head);

  GtkWidget *flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), FALSE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 2);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_widget_set_valign (flow, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (page), flow);

  static const CellKind fwd_kinds[] = { CELL_INDEX, CELL_OP, CELL_FLOPS, CELL_TIME };
  static const char *const fwd_titles[] = { "#", "Operation · inputs → output", "FLOPs", "Forward time" };
  GtkWidget *table = table_new (self->tables[0], G_LIST_MODEL (self->forward), "forward-table", 4, fwd_kinds,
                                fwd_titles);
  gtk_flow_box_append (GTK_FLOW_BOX (flow),
                       flow_child (section_new ("forward", "FORWARD", "Forward pass — recorded on the tape",
                                                "with tf.GradientTape() as tape:\n"
                                                "    logits = model(x, training=True)\n"
                                                "    loss = loss_fn(y, logits)",
                                                TRUE, table)));

  static const CellKind bwd_kinds[] = { CELL_INDEX, CELL_OP, CELL_TIME };
  static const char *const bwd_titles[] = { "#", "∂ Operation · ∂output → ∂inputs", "Backward time" };
  table = table_new (self->tables[1], G_LIST_MODEL (self->backward), "backward-table", 3, bwd_kinds,
                     bwd_titles);
  gtk_flow_box_append (
      GTK_FLOW_BOX (flow),
      flow_child (section_new ("backward", "BACKWARD", "Backward pass — the tape replayed in reverse",
                               "grads = tape.gradient(loss, model.trainable_variables)\n"
                               "# walks the entries last to first, chain rule at each op",
                               TRUE, table)));

  static const CellKind var_kinds[] = { CELL_VAR_NAME, CELL_GRAD, CELL_WEIGHT, CELL_RATIO };
  static const char *const var_titles[] = { "Variable", "Gradient ‖∇‖", "Weight ‖w‖", "Update ‖Δw‖/‖w‖" };
  table = table_new (self->tables[2], G_LIST_MODEL (self->variables), "variables-table", 4, var_kinds,
                     var_titles);
  gtk_flow_box_append (
      GTK_FLOW_BOX (flow),
      flow_child (section_new ("variables", "UPDATE", "Trainable variables",
                               "optimizer.apply_gradients(zip(grads, model.trainable_variables))"
                               "\n# ‖Δw‖/‖w‖ near 10⁻³ (the tick) is a healthy step",
                               TRUE, table)));

  GtkWidget *chart_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->chart = g_object_new (GTK_TYPE_DRAWING_AREA, "accessible-role", GTK_ACCESSIBLE_ROLE_IMG, NULL);
  gtk_widget_set_name (self->chart, "gradient-chart");
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->chart), 300);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->chart), 300);
  gtk_widget_set_vexpand (self->chart, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->chart), chart_draw, self, NULL);
  GtkWidget *caption = gtk_label_new (NULL);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  self->chart_caption = GTK_LABEL (caption);
  gtk_box_append (GTK_BOX (chart_box), self->chart);
  gtk_flow_box_append (
      GTK_FLOW_BOX (flow),
      flow_child (section_new ("history", "HISTORY", "Gradient norm ‖∇‖ over time",
                               "One line per variable (colour: layer; solid: kernel, dashed: "
                               "bias). Falling towards 10⁻⁸: vanishing; shooting up: "
                               "exploding.",
                               FALSE, chart_box)));
  gtk_box_append (GTK_BOX (chart_box), caption);

  update_chart_label (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
ft_tape_inspector_new (void)
{
  return g_object_new (FT_TYPE_TAPE_INSPECTOR, NULL);
}
