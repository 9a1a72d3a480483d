/* ft-network-view.c — the network as columns of neuron heatmaps with weighted links, edited by +/− and
 * by clicks (see ft-network-view.h). The engine computes every value drawn; this file only lays it out. */
#include "views/ft-network-view.h"

#include "experiment/ft-network-edit.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#define MAX_POINTS 5000
#define LINK_SCALE 3.0 /* |w| at which a link reaches its full width and strength */

/* What a computation works on (reference counted, read-only once made). */
typedef struct
{
  FtExperiment *exp;
  FtDataset *train; /* may be NULL: no statistics, no points */
  bool two_d;       /* maps over the plane */
  double lo[2], hi[2];
} ViewData;

static void
view_data_clear (ViewData *d)
{
  ft_experiment_free (d->exp);
  ft_dataset_free (d->train);
}

static void
view_data_unref (ViewData *d)
{
  if (d != NULL)
    g_atomic_rc_box_release_full (d, (GDestroyNotify) view_data_clear);
}

typedef struct
{
  ViewData *data;
  float *weights; /* NULL: the weights the experiment's seed gives */
  size_t n;
  FtInspectModel *model;
  FtNeuronMaps *maps;
  FtDecisionGrid *grid;
  char *error;
} Job;

static void
job_free (Job *job)
{
  view_data_unref (job->data);
  g_free (job->weights);
  ft_inspect_model_free (job->model);
  ft_neuron_maps_free (job->maps);
  ft_decision_grid_free (job->grid);
  g_free (job->error);
  g_free (job);
}

typedef enum
{
  TARGET_NONE,
  TARGET_NEURON,
  TARGET_LINK,
  TARGET_BIAS,
  TARGET_PLUS,
  TARGET_MINUS,
  TARGET_FEATURE, /* an input feature switched off (unit: the feature) */
  TARGET_PANEL,   /* the prediction: a click adds a point, Shift+click removes one */
} TargetKind;

typedef struct
{
  TargetKind kind;
  int column;
  int from; /* links */
  int unit;
} Target;

typedef struct
{
  double x, y, size;
} Box;

struct _FtNetworkView
{
  GtkWidget parent_instance;

  GtkWidget *toolbar;
  GtkWidget *remove_layer_button;
  GtkWidget *add_layer_button;
  GtkWidget *layers_label;
  GtkWidget *state_label;
  GtkWidget *reg_dropdown; /* none, L1, L2, L1 + L2 */
  GtkWidget *reg_spin;
  GtkWidget *class_dropdown; /* the class a click on the prediction adds */
  GtkWidget *act_dropdown;   /* the hidden layers' activation (the Playground's one for all) */
  GtkWidget *lr_dropdown;    /* the learning rate: the Playground's values and the experiment's own */
  GtkStringList *lr_items;
  float lr_values[16];
  guint n_lr;
  GtkWidget *show_test_check; /* the Playground's "Show test data" */
  FtDataset *test;            /* the test points (2-D), or NULL */
  guint drawn_test;
  GtkWidget *regenerate_button;
  gboolean syncing; /* controls being set from the experiment */
  GtkWidget *canvas;
  GtkWidget *caption;
  GtkWidget *popover;
  GtkWidget *edit_label;
  GtkWidget *edit_spin;

  FtExperiment *exp; /* borrowed: what +/− edit */
  ViewData *data;
  FtInspectModel *model; /* kept between computations */
  float *pending;        /* the latest weights not yet computed */
  size_t n_pending;
  gboolean pending_fresh; /* compute from the seed's weights */
  gboolean running;
  gint64 last_start;
  guint delay_source;
  GCancellable *cancellable;
  gboolean live;   /* the maps come from a run's weights */
  gboolean edited; /* the architecture was edited since set_data */

  FtNeuronMaps *maps;
  gboolean maps_current; /* the maps are of the data shown (not of the data before set_data) */
  FtDecisionGrid *grid;
  char *error;
  char *description;
  char *default_caption;

  /* images, rebuilt with the maps or the theme */
  cairo_surface_t **images; /* one per neuron, column by column */
  int n_images;
  cairo_surface_t *output_image;

  /* layout of the last drawing */
  int *first_node; /* per column: index into nodes */
  Box *nodes;
  int n_nodes;
  Box panel;
  Box plus[FT_NETWORK_VIEW_MAX_LAYERS + 64], minus[FT_NETWORK_VIEW_MAX_LAYERS + 64];
  bool has_slots; /* the input column shows all seven features */
  Box slots[FT_N_FEATURES];
  int drawn_neurons, drawn_links;

  Target hover;
  Target editing;
};

enum
{
  SIGNAL_CHANGED,
  SIGNAL_EDIT_WEIGHT,
  SIGNAL_COMPUTED,
  SIGNAL_POINTS_CHANGED,
  SIGNAL_REGENERATE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FtNetworkView, ft_network_view, GTK_TYPE_WIDGET)

static const GdkRGBA blue = { 0.208f, 0.518f, 0.894f, 1.0f }; /* #3584e4: positive, class 1 */
static const GdkRGBA orange = { 1.0f, 0.471f, 0.0f, 1.0f };   /* #ff7800: negative, class 0 */
static const GdkRGBA class_colours[] = {
  { 1.0f, 0.471f, 0.0f, 1.0f },     { 0.208f, 0.518f, 0.894f, 1.0f }, { 0.149f, 0.635f, 0.412f, 1.0f },
  { 0.569f, 0.255f, 0.675f, 1.0f }, { 0.898f, 0.647f, 0.039f, 1.0f },
};

static void update_texts (FtNetworkView *self);
static void start_job (FtNetworkView *self);

/* ---- helpers ---- */

static void
theme_colours (GtkWidget *widget, GdkRGBA *fg, GdkRGBA *base)
{
  GtkStyleContext *ctx = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (ctx, fg);
  if (!gtk_style_context_lookup_color (ctx, "view_bg_color", base))
    {
      gboolean dark = 0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue > 0.5;
      *base = dark ? (GdkRGBA){ 0.118f, 0.118f, 0.118f, 1 } : (GdkRGBA){ 1, 1, 1, 1 };
    }
  base->alpha = 1;
}

/* t in [−1, 1]: orange below zero, the background at zero, blue above. */
static void
diverging (double t, const GdkRGBA *base, double *r, double *g, double *b)
{
  if (!isfinite (t))
    t = 0;
  t = CLAMP (t, -1.0, 1.0);
  const GdkRGBA *c = t >= 0 ? &blue : &orange;
  double a = 0.9 * fabs (t);
  *r = base->red + (c->red - base->red) * a;
  *g = base->green + (c->green - base->green) * a;
  *b = base->blue + (c->blue - base->blue) * a;
}

static uint32_t
pixel (double r, double g, double b)
{
  return 0xff000000u | (uint32_t) (r * 255 + 0.5) << 16 | (uint32_t) (g * 255 + 0.5) << 8
         | (uint32_t) (b * 255 + 0.5);
}

static const FtNeuronColumn *
column (const FtNetworkView *self, int c)
{
  return &self->maps->columns[c];
}

static const char *
column_name (const FtNetworkView *self, int c)
{
  if (c == 0)
    return "inputs";
  return self->maps->layers[column (self, c)->layer].name;
}

/* The features drawn as inputs (x₁ and x₂ when the model takes the raw points). */
static unsigned
input_features (const FtNetworkView *self)
{
  return self->maps != NULL && self->maps->features != 0 ? self->maps->features
                                                         : FT_FEATURE_X1 | FT_FEATURE_X2;
}

/* The feature of model input u. */
static int
input_feature (const FtNetworkView *self, int u)
{
  unsigned mask = input_features (self);
  for (int i = 0; i < FT_N_FEATURES; i++)
    if (ft_features_position (mask, i) == u)
      return i;
  return -1;
}

static char *
neuron_name (const FtNetworkView *self, int c, int u)
{
  if (c == 0)
    {
      int i = input_feature (self, u);
      return g_strdup (i >= 0 ? ft_feature_label (i) : "?");
    }
  return g_strdup_printf ("neuron %d of %s", u + 1, column_name (self, c));
}

/* How a neuron's values map to [−1, 1]: bounded activations on their range, others to the map's largest
 * magnitude. */
static void
neuron_scale (const FtNetworkView *self, int c, int u, double *offset, double *scale)
{
  const FtNeuronColumn *col = column (self, c);
  *offset = 0;
  if (c > 0 && col->activation == FT_ACT_TANH)
    *scale = 1;
  else if (c > 0 && (col->activation == FT_ACT_SIGMOID || col->activation == FT_ACT_SOFTMAX))
    {
      *offset = 0.5;
      *scale = 0.5;
    }
  else
    {
      const FtValueStats *s = &col->map_stats[u];
      double m = fmax (fabs (s->min), fabs (s->max));
      *scale = m > 0 && isfinite (m) ? m : 1;
    }
}

static PangoLayout *
layout_for (FtNetworkView *self, double scale, bool bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (self->canvas, NULL);
  const PangoFontDescription *base = pango_context_get_font_description (pango_layout_get_context (layout));
  PangoFontDescription *desc = base != NULL ? pango_font_description_copy (base)
                                            : pango_font_description_new ();
  int size = pango_font_description_get_size (desc);
  if (size <= 0)
    size = 10 * PANGO_SCALE;
  if (pango_font_description_get_size_is_absolute (desc))
    pango_font_description_set_absolute_size (desc, size * scale);
  else
    pango_font_description_set_size (desc, (int) (size * scale));
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

static void
show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign,
           double yalign)
{
  int tw, th;
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x - xalign * tw, y - yalign * th);
  pango_cairo_show_layout (cr, layout);
}

/* ---- images ---- */

static void
clear_images (FtNetworkView *self)
{
  for (int i = 0; i < self->n_images; i++)
    cairo_surface_destroy (self->images[i]);
  g_clear_pointer (&self->images, g_free);
  self->n_images = 0;
  g_clear_pointer (&self->output_image, cairo_surface_destroy);
}

static void
build_images (FtNetworkView *self)
{
  clear_images (self);
  const FtNeuronMaps *m = self->maps;
  if (m == NULL || m->nx == 0)
    return;
  GdkRGBA fg, base;
  theme_colours (self->canvas, &fg, &base);
  size_t cells = (size_t) m->nx * (size_t) m->ny;
  for (int c = 0; c < m->n_columns; c++)
    self->n_images += m->columns[c].units;
  self->images = g_new0 (cairo_surface_t *, MAX (self->n_images, 1));
  int k = 0;
  for (int c = 0; c < m->n_columns; c++)
    for (int u = 0; u < m->columns[c].units; u++)
      {
        double offset, scale;
        neuron_scale (self, c, u, &offset, &scale);
        cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, m->nx, m->ny);
        unsigned char *data = cairo_image_surface_get_data (s);
        int stride = cairo_image_surface_get_stride (s);
        const float *map = m->columns[c].maps + (size_t) u * cells;
        for (int j = 0; j < m->ny; j++)
          {
            uint32_t *row = (uint32_t *) (data + (size_t) j * (size_t) stride);
            for (int i = 0; i < m->nx; i++)
              {
                double r, g, b;
                diverging ((map[(size_t) j * (size_t) m->nx + (size_t) i] - offset) / scale, &base, &r, &g,
                           &b);
                row[i] = pixel (r, g, b);
              }
          }
        cairo_surface_mark_dirty (s);
        self->images[k++] = s;
      }
  const FtDecisionGrid *g = self->grid;
  if (g != NULL)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, g->nx, g->ny);
      unsigned char *data = cairo_image_surface_get_data (s);
      int stride = cairo_image_surface_get_stride (s);
      for (int j = 0; j < g->ny; j++)
        {
          uint32_t *row = (uint32_t *) (data + (size_t) j * (size_t) stride);
          for (int i = 0; i < g->nx; i++)
            {
              size_t cell = (size_t) j * (size_t) g->nx + (size_t) i;
              double r, gg, b;
              if (g->n_classes == 2)
                diverging (2.0 * g->p1[cell] - 1.0, &base, &r, &gg, &b);
              else
                {
                  const GdkRGBA *col
                      = &class_colours[(unsigned) g->classes[cell] % G_N_ELEMENTS (class_colours)];
                  double a = 0.75 * (g->confidence[cell] - 1.0 / g->n_classes) / (1.0 - 1.0 / g->n_classes);
                  r = base.red + (col->red - base.red) * a;
                  gg = base.green + (col->green - base.green) * a;
                  b = base.blue + (col->blue - base.blue) * a;
                }
              row[i] = pixel (r, gg, b);
            }
        }
      cairo_surface_mark_dirty (s);
      self->output_image = s;
    }
}

static cairo_surface_t *
image_of (FtNetworkView *self, int c, int u)
{
  if (self->images == NULL || self->maps == NULL)
    return NULL;
  int k = 0;
  for (int i = 0; i < c; i++)
    k += self->maps->columns[i].units;
  return k + u < self->n_images ? self->images[k + u] : NULL;
}

/* ---- layout ---- */

static int
n_hidden_columns (const FtNetworkView *self)
{
  return self->maps != NULL && self->maps->n_columns > 2 ? self->maps->n_columns - 2 : 0;
}

static void
layout (FtNetworkView *self, double width, double height)
{
  g_clear_pointer (&self->first_node, g_free);
  g_clear_pointer (&self->nodes, g_free);
  self->n_nodes = 0;
  self->panel = (Box){ 0 };
  const FtNeuronMaps *m = self->maps;
  if (m == NULL || m->n_columns == 0)
    return;
  double top = 54, bottom = 10;
  bool panel = m->nx > 0;
  double psize = panel ? fmin (height - top - bottom, width * 0.34) : 0;
  if (panel)
    self->panel = (Box){ width - psize - 12, top, psize };
  double x0 = 58, x1 = panel ? self->panel.x - 90 : width - 40;
  int ncol = m->n_columns, max_units = 1;
  /* 2-D data whose experiment is edited here: every feature has a place in the input column. */
  self->has_slots = panel && self->exp != NULL && self->data != NULL && self->data->two_d;
  for (int c = 0; c < ncol; c++)
    max_units = MAX (max_units, c == 0 && self->has_slots ? FT_N_FEATURES : m->columns[c].units);
  double spacing = ncol > 1 ? (x1 - x0) / (ncol - 1) : 0;
  double avail = height - top - bottom;
  double s = fmin (fmin (64, avail / (max_units * 1.22)), ncol > 1 ? spacing * 0.42 : 64);
  s = fmax (s, 4);
  self->first_node = g_new (int, (size_t) (unsigned) ncol + 1);
  for (int c = 0; c < ncol; c++)
    self->n_nodes += m->columns[c].units;
  self->nodes = g_new0 (Box, MAX (self->n_nodes, 1));
  int k = 0;
  for (int c = 0; c < ncol; c++)
    {
      int units = m->columns[c].units;
      double cx = ncol > 1 ? x0 + c * spacing : (x0 + x1) / 2;
      int places = c == 0 && self->has_slots ? FT_N_FEATURES : units;
      double gap = s * 0.22, total = places * s + (places - 1) * gap;
      double y = top + (avail - total) / 2;
      self->first_node[c] = k;
      if (places != units || (c == 0 && self->has_slots))
        {
          for (int i = 0; i < FT_N_FEATURES; i++)
            self->slots[i] = (Box){ cx - s / 2, y + i * (s + gap), s };
          for (int u = 0; u < units; u++)
            {
              int f = input_feature (self, u);
              self->nodes[k++] = f >= 0 ? self->slots[f] : (Box){ cx - s / 2, y, s };
            }
        }
      else
        for (int u = 0; u < units; u++)
          self->nodes[k++] = (Box){ cx - s / 2, y + u * (s + gap), s };
      if (c >= 1 && c < ncol - 1 && c - 1 < (int) G_N_ELEMENTS (self->plus))
        {
          self->minus[c - 1] = (Box){ cx - 21, top - 24, 18 };
          self->plus[c - 1] = (Box){ cx + 3, top - 24, 18 };
        }
    }
  self->first_node[ncol] = k;
}

static const Box *
node (const FtNetworkView *self, int c, int u)
{
  return &self->nodes[self->first_node[c] + u];
}

static void
link_points (const FtNetworkView *self, int c, int from, int to, double p[4][2])
{
  const Box *a = node (self, c - 1, from), *b = node (self, c, to);
  double ax = a->x + a->size, ay = a->y + a->size / 2, bx = b->x, by = b->y + b->size / 2;
  double mx = (ax + bx) / 2;
  p[0][0] = ax, p[0][1] = ay;
  p[1][0] = mx, p[1][1] = ay;
  p[2][0] = mx, p[2][1] = by;
  p[3][0] = bx, p[3][1] = by;
}

static Box
bias_box (const Box *n)
{
  double side = fmax (6, n->size * 0.2);
  return (Box){ n->x - side * 0.55, n->y + n->size - side * 0.45, side };
}

static bool
inside (const Box *b, double x, double y)
{
  return x >= b->x && x <= b->x + b->size && y >= b->y && y <= b->y + b->size;
}

static double
segment_distance (double px, double py, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / l2, 0.0, 1.0) : 0;
  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

static Target
hit (FtNetworkView *self, double x, double y)
{
  Target t = { TARGET_NONE, -1, -1, -1 };
  const FtNeuronMaps *m = self->maps;
  if (m == NULL || self->nodes == NULL)
    return t;
  for (int h = 0; h < n_hidden_columns (self) && h < (int) G_N_ELEMENTS (self->plus); h++)
    {
      if (inside (&self->plus[h], x, y))
        return (Target){ TARGET_PLUS, h + 1, -1, -1 };
      if (inside (&self->minus[h], x, y))
        return (Target){ TARGET_MINUS, h + 1, -1, -1 };
    }
  if (self->has_slots)
    for (int i = 0; i < FT_N_FEATURES; i++)
      if (!(input_features (self) & (1u << i)) && inside (&self->slots[i], x, y))
        return (Target){ TARGET_FEATURE, 0, -1, i };
  for (int c = 0; c < m->n_columns; c++)
    for (int u = 0; u < m->columns[c].units; u++)
      {
        const Box *n = node (self, c, u);
        Box b = bias_box (n);
        if (c > 0 && m->columns[c].bias_offset != SIZE_MAX && inside (&b, x, y))
          return (Target){ TARGET_BIAS, c, -1, u };
        if (inside (n, x, y))
          return (Target){ TARGET_NEURON, c, -1, u };
      }
  if (self->panel.size > 0 && inside (&self->panel, x, y))
    return (Target){ TARGET_PANEL, -1, -1, -1 };
  double best = 5;
  for (int c = 1; c < m->n_columns; c++)
    for (int to = 0; to < m->columns[c].units; to++)
      for (int from = 0; from < m->columns[c].fan_in; from++)
        {
          double p[4][2];
          link_points (self, c, from, to, p);
          if (x < p[0][0] - 4 || x > p[3][0] + 4)
            break;
          double px = p[0][0], py = p[0][1];
          for (int i = 1; i <= 16; i++)
            {
              double s = i / 16.0, r = 1 - s;
              double qx = r * r * r * p[0][0] + 3 * r * r * s * p[1][0] + 3 * r * s * s * p[2][0]
                          + s * s * s * p[3][0];
              double qy = r * r * r * p[0][1] + 3 * r * r * s * p[1][1] + 3 * r * s * s * p[2][1]
                          + s * s * s * p[3][1];
              double d = segment_distance (x, y, px, py, qx, qy);
              if (d < best)
                {
                  best = d;
                  t = (Target){ TARGET_LINK, c, from, to };
                }
              px = qx, py = qy;
            }
        }
  return t;
}

static size_t
target_index (const FtNetworkView *self, const Target *t)
{
  if (t->kind == TARGET_LINK)
    return ft_neuron_maps_weight_index (self->maps, t->column, t->from, t->unit);
  if (t->kind == TARGET_BIAS)
    return ft_neuron_maps_bias_index (self->maps, t->column, t->unit);
  return SIZE_MAX;
}

/* What a target is, in words (caption and tooltip). */
static char *
describe_target (FtNetworkView *self, const Target *t)
{
  const FtNeuronMaps *m = self->maps;
  if (m == NULL)
    return NULL;
  switch (t->kind)
    {
    case TARGET_NEURON:
      {
        const FtNeuronColumn *col = column (self, t->column);
        g_autofree char *name = neuron_name (self, t->column, t->unit);
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "%s", name);
        if (t->column == 0 && self->has_slots)
          g_string_append (s, " (an input: click to switch it off)");
        if (t->column > 0)
          g_string_append_printf (s, " (%s)", ft_activation_name (col->activation));
        if (m->nx > 0)
          g_string_append_printf (s, ": from %.3g to %.3g over the plane",
                                  (double) col->map_stats[t->unit].min, (double) col->map_stats[t->unit].max);
        if (m->n_samples > 0)
          g_string_append_printf (s, "; over %u training samples mean %.3g ± %.3g, above zero %.0f %%",
                                  m->n_samples, (double) col->stats[t->unit].mean,
                                  (double) col->stats[t->unit].std, 100.0 * col->stats[t->unit].positive);
        return g_string_free (s, FALSE);
      }
    case TARGET_LINK:
      {
        size_t k = target_index (self, t);
        g_autofree char *from = neuron_name (self, t->column - 1, t->from);
        g_autofree char *to = neuron_name (self, t->column, t->unit);
        return g_strdup_printf (
            "%s/kernel[%d, %d] = %.4g: the weight from %s to %s. Click to edit it (paused).",
            column_name (self, t->column), t->from, t->unit, (double) m->weights[k], from, to);
      }
    case TARGET_BIAS:
      {
        size_t k = target_index (self, t);
        g_autofree char *to = neuron_name (self, t->column, t->unit);
        return g_strdup_printf ("%s/bias[%d] = %.4g: the bias of %s. Click to edit it (paused).",
                                column_name (self, t->column), t->unit, (double) m->weights[k], to);
      }
    case TARGET_PLUS:
      return g_strdup_printf ("Add a neuron to %s (up to %d here)", column_name (self, t->column),
                              FT_NETWORK_VIEW_MAX_UNITS);
    case TARGET_MINUS:
      return g_strdup_printf ("Remove a neuron from %s", column_name (self, t->column));
    case TARGET_FEATURE:
      return g_strdup_printf ("%s: not an input; click to feed it to the network",
                              ft_feature_label (t->unit));
    case TARGET_PANEL:
      return g_strdup (
          "Click to add a training point of the chosen class, Shift+click to remove the nearest point");
    case TARGET_NONE:
    default:
      return NULL;
    }
}

/* ---- drawing ---- */

static void
draw_points (FtNetworkView *self, cairo_t *cr, const Box *p, const GdkRGBA *base, const GdkRGBA *fg)
{
  const ViewData *d = self->data;
  self->drawn_test = 0;
  if (d == NULL || d->train == NULL || d->train->features == NULL)
    return;
  const FtDataset *ds = d->train;
  double r = fmax (1.6, p->size / 130);
  for (uint32_t i = 0; i < MIN (ds->n, (uint32_t) MAX_POINTS); i++)
    {
      double x = ds->features[(size_t) i * 2], y = ds->features[(size_t) i * 2 + 1];
      double px = p->x + (x - d->lo[0]) / (d->hi[0] - d->lo[0]) * p->size;
      double py = p->y + (d->hi[1] - y) / (d->hi[1] - d->lo[1]) * p->size;
      if (!isfinite (px) || !isfinite (py) || !inside (p, px, py))
        continue;
      const GdkRGBA *c = &class_colours[(unsigned) ds->labels[i] % G_N_ELEMENTS (class_colours)];
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, r, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, c->red, c->green, c->blue);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.9);
      cairo_set_line_width (cr, 0.8);
      cairo_stroke (cr);
    }
  /* Test points on top, when asked for: larger, ringed in the text colour (the Playground's look). */
  const FtDataset *t = self->test;
  if (t == NULL || !gtk_check_button_get_active (GTK_CHECK_BUTTON (self->show_test_check)))
    return;
  for (uint32_t i = 0; i < MIN (t->n, (uint32_t) MAX_POINTS); i++)
    {
      double x = t->features[(size_t) i * 2], y = t->features[(size_t) i * 2 + 1];
      double px = p->x + (x - d->lo[0]) / (d->hi[0] - d->lo[0]) * p->size;
      double py = p->y + (d->hi[1] - y) / (d->hi[1] - d->lo[1]) * p->size;
      if (!isfinite (px) || !isfinite (py) || !inside (p, px, py))
        continue;
      const GdkRGBA *c = &class_colours[(unsigned) t->labels[i] % G_N_ELEMENTS (class_colours)];
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, r * 1.3, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, c->red, c->green, c->blue);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
      self->drawn_test++;
    }
}

static void
draw_image (cairo_t *cr, cairo_surface_t *image, const Box *b, int n)
{
  cairo_save (cr);
  cairo_rectangle (cr, b->x, b->y, b->size, b->size);
  cairo_clip (cr);
  cairo_translate (cr, b->x, b->y);
  cairo_scale (cr, b->size / n, b->size / n);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_round_button (cairo_t *cr, PangoLayout *layout, const Box *b, const char *label, bool enabled, bool hot,
                   const GdkRGBA *fg)
{
  double a = enabled ? (hot ? 0.9 : 0.55) : 0.18;
  cairo_new_sub_path (cr);
  cairo_arc (cr, b->x + b->size / 2, b->y + b->size / 2, b->size / 2, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, a * 0.25);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, a);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  show_text (cr, layout, label, b->x + b->size / 2, b->y + b->size / 2, 0.5, 0.5);
}

/* Data that is not 2-D, or a model that is not a feature network: the layers as boxes with statistics. */
static void
draw_architecture (FtNetworkView *self, cairo_t *cr, double width, double height, const GdkRGBA *fg)
{
  const FtNeuronMaps *m = self->maps;
  int n = m->n_layers;
  if (n == 0)
    return;
  PangoLayout *bold = layout_for (self, 0.95, true), *small = layout_for (self, 0.85, false);
  double gap = 22, bw = fmin (190, (width - 24 - gap * (n - 1)) / n), bh = fmin (height - 24, 150);
  double x = (width - n * bw - (n - 1) * gap) / 2, y = (height - bh) / 2;
  for (int l = 0; l < n; l++, x += bw + gap)
    {
      const FtLayerSummary *s = &m->layers[l];
      cairo_rectangle (cr, x, y, bw, bh);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.06);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.5);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      if (l + 1 < n)
        {
          cairo_move_to (cr, x + bw + 3, y + bh / 2);
          cairo_line_to (cr, x + bw + gap - 3, y + bh / 2);
          cairo_stroke (cr);
          cairo_move_to (cr, x + bw + gap - 3, y + bh / 2);
          cairo_rel_line_to (cr, -6, -4);
          cairo_rel_line_to (cr, 0, 8);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      char shape[64];
      ft_shape_format (s->ndim, s->shape, shape, sizeof shape);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95);
      pango_layout_set_width (bold, (int) ((bw - 12) * PANGO_SCALE));
      pango_layout_set_ellipsize (bold, PANGO_ELLIPSIZE_END);
      show_text (cr, bold, s->name, x + 6, y + 6, 0, 0);
      g_autofree char *text = NULL;
      if (m->n_samples > 0)
        text = g_strdup_printf ("%s\n%s\n%zu params\nmean %.3g\n± %.3g\n> 0: %.0f %%",
                                ft_layer_kind_name (s->kind), shape, s->n_params, (double) s->stats.mean,
                                (double) s->stats.std, 100.0 * s->stats.positive);
      else
        text = g_strdup_printf ("%s\n%s\n%zu params", ft_layer_kind_name (s->kind), shape, s->n_params);
      pango_layout_set_width (small, (int) ((bw - 12) * PANGO_SCALE));
      pango_layout_set_ellipsize (small, PANGO_ELLIPSIZE_END);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8);
      show_text (cr, small, text, x + 6, y + 26, 0, 0);
    }
  self->drawn_neurons = n;
  self->drawn_links = n - 1;
  g_object_unref (bold);
  g_object_unref (small);
}

static void
draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FtNetworkView *self = user_data;
  GdkRGBA fg, base;
  theme_colours (self->canvas, &fg, &base);
  self->drawn_neurons = self->drawn_links = 0;
  const FtNeuronMaps *m = self->maps;
  if (m == NULL)
    {
      PangoLayout *l = layout_for (self, 1.0, false);
      pango_layout_set_width (l, (width - 40) * PANGO_SCALE);
      pango_layout_set_alignment (l, PANGO_ALIGN_CENTER);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      show_text (cr, l,
                 self->error != NULL  ? self->error
                 : self->data == NULL ? "The network appears here once an experiment's data are loaded."
                                      : "Computing…",
                 20, height / 2.0, 0, 0.5);
      g_object_unref (l);
      return;
    }
  if (m->n_columns == 0 || m->nx == 0)
    {
      draw_architecture (self, cr, width, height, &fg);
      return;
    }
  layout (self, width, height);
  if (self->images == NULL)
    build_images (self);
  PangoLayout *small = layout_for (self, 0.8, false), *bold = layout_for (self, 0.85, true);

  /* links */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (int c = 1; c < m->n_columns; c++)
    for (int to = 0; to < m->columns[c].units; to++)
      for (int from = 0; from < m->columns[c].fan_in; from++)
        {
          float w = m->weights[ft_neuron_maps_weight_index (m, c, from, to)];
          double a = fmin (fabs (w) / LINK_SCALE, 1.0);
          double p[4][2];
          link_points (self, c, from, to, p);
          const GdkRGBA *col = w >= 0 ? &blue : &orange;
          bool hot = self->hover.kind == TARGET_LINK && self->hover.column == c && self->hover.from == from
                     && self->hover.unit == to;
          cairo_move_to (cr, p[0][0], p[0][1]);
          cairo_curve_to (cr, p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1]);
          cairo_set_source_rgba (cr, col->red, col->green, col->blue, hot ? 1.0 : 0.25 + 0.6 * a);
          cairo_set_line_width (cr, (0.5 + 6.5 * a) * (hot ? 1.6 : 1.0) + (hot ? 1 : 0));
          cairo_stroke (cr);
          self->drawn_links++;
        }

  /* neurons, biases, headings, +/− */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  for (int c = 0; c < m->n_columns; c++)
    {
      const FtNeuronColumn *col = column (self, c);
      for (int u = 0; u < col->units; u++)
        {
          const Box *n = node (self, c, u);
          cairo_surface_t *img = image_of (self, c, u);
          if (img != NULL)
            draw_image (cr, img, n, m->nx);
          bool hot = self->hover.kind == TARGET_NEURON && self->hover.column == c && self->hover.unit == u;
          cairo_rectangle (cr, n->x + 0.5, n->y + 0.5, n->size - 1, n->size - 1);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, hot ? 0.95 : 0.35);
          cairo_set_line_width (cr, hot ? 2.5 : 1);
          cairo_stroke (cr);
          self->drawn_neurons++;
          if (c == 0 && self->has_slots)
            ; /* labelled with the slots below */
          else if (c == 0)
            {
              g_autofree char *label = neuron_name (self, 0, u);
              cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
              show_text (cr, bold, label, n->x - 6, n->y + n->size / 2, 1, 0.5);
            }
          else if (col->bias_offset != SIZE_MAX)
            {
              Box b = bias_box (n);
              float w = m->weights[ft_neuron_maps_bias_index (m, c, u)];
              double r, g, bb;
              diverging (w / LINK_SCALE, &base, &r, &g, &bb);
              bool bhot = self->hover.kind == TARGET_BIAS && self->hover.column == c && self->hover.unit == u;
              cairo_rectangle (cr, b.x, b.y, b.size, b.size);
              cairo_set_source_rgb (cr, r, g, bb);
              cairo_fill_preserve (cr);
              cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, bhot ? 1.0 : 0.6);
              cairo_set_line_width (cr, bhot ? 2 : 1);
              cairo_stroke (cr);
            }
        }
      if (c == 0 && self->has_slots)
        for (int i = 0; i < FT_N_FEATURES; i++)
          {
            const Box *b = &self->slots[i];
            bool on = input_features (self) & (1u << i);
            bool hot = self->hover.kind == TARGET_FEATURE && self->hover.unit == i;
            if (!on)
              {
                cairo_rectangle (cr, b->x + 0.5, b->y + 0.5, b->size - 1, b->size - 1);
                cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, hot ? 0.25 : 0.06);
                cairo_fill_preserve (cr);
                cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, hot ? 0.8 : 0.3);
                cairo_set_line_width (cr, 1);
                double dash[] = { 3, 3 };
                cairo_set_dash (cr, dash, 2, 0);
                cairo_stroke (cr);
                cairo_set_dash (cr, NULL, 0, 0);
              }
            cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, on ? 0.95 : 0.45);
            show_text (cr, on ? bold : small, ft_feature_label (i), b->x - 6, b->y + b->size / 2, 1, 0.5);
          }
      const Box *first = node (self, c, 0);
      double cx = first->x + first->size / 2;
      g_autofree char *head = NULL;
      if (c == 0)
        head = g_strdup ("Inputs");
      else
        head = g_strdup_printf ("%s%s\n%d · %s", c == m->n_columns - 1 ? "Output: " : "",
                                column_name (self, c), col->units, ft_activation_name (col->activation));
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
      pango_layout_set_alignment (small, PANGO_ALIGN_CENTER);
      if (c >= 1 && c < m->n_columns - 1)
        {
          show_text (cr, small, head, cx, 0, 0.5, 0);
          int h = c - 1;
          bool can_edit = self->exp != NULL;
          Target *hv = &self->hover;
          draw_round_button (cr, bold, &self->minus[h], "−", can_edit && col->units > 1,
                             hv->kind == TARGET_MINUS && hv->column == c, &fg);
          draw_round_button (cr, bold, &self->plus[h], "+",
                             can_edit && col->units < FT_NETWORK_VIEW_MAX_UNITS,
                             hv->kind == TARGET_PLUS && hv->column == c, &fg);
        }
      else
        show_text (cr, small, head, cx, 8, 0.5, 0);
    }

  /* the big panel: the prediction, or the hovered neuron enlarged */
  Box *p = &self->panel;
  bool neuron = self->hover.kind == TARGET_NEURON;
  cairo_surface_t *img = neuron ? image_of (self, self->hover.column, self->hover.unit) : self->output_image;
  int n = neuron ? m->nx : (self->grid != NULL ? self->grid->nx : 1);
  if (img != NULL)
    draw_image (cr, img, p, n);
  draw_points (self, cr, p, &base, &fg);
  cairo_rectangle (cr, p->x + 0.5, p->y + 0.5, p->size - 1, p->size - 1);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  g_autofree char *title = NULL;
  if (neuron)
    {
      g_autofree char *name = neuron_name (self, self->hover.column, self->hover.unit);
      title = g_strdup_printf ("%c%s", g_ascii_toupper (name[0]), name + 1);
    }
  else
    title = g_strdup (self->grid != NULL ? "Prediction (class 1 blue, class 0 orange)" : "Output");
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  /* Wrapped to the panel's width: a large font (presentation) must not run into the output column's name. */
  pango_layout_set_width (small, (int) (p->size * PANGO_SCALE));
  pango_layout_set_wrap (small, PANGO_WRAP_WORD);
  pango_layout_set_alignment (small, PANGO_ALIGN_CENTER);
  show_text (cr, small, title, p->x + p->size / 2, 8, 0.5, 0);
  pango_layout_set_width (small, -1);
  g_object_unref (small);
  g_object_unref (bold);
}

/* ---- texts ---- */

static void
update_texts (FtNetworkView *self)
{
  const FtNeuronMaps *m = self->maps;
  int hidden = self->exp != NULL ? ft_network_n_hidden (self->exp) : n_hidden_columns (self);
  g_autofree char *layers = g_strdup_printf (hidden == 1 ? "%d hidden layer" : "%d hidden layers", hidden);
  gtk_label_set_text (GTK_LABEL (self->layers_label), layers);
  gboolean can_edit = self->exp != NULL;
  gtk_widget_set_sensitive (self->add_layer_button, can_edit && hidden < FT_NETWORK_VIEW_MAX_LAYERS);
  gtk_widget_set_sensitive (self->remove_layer_button, can_edit && hidden > 0);
  gtk_widget_set_sensitive (self->class_dropdown, can_edit && self->data != NULL && self->data->two_d);
  const char *tip = "The next Train starts from the edited network, with the weights its seed gives";
  gtk_widget_set_tooltip_text (self->add_layer_button, tip);
  gtk_widget_set_tooltip_text (self->remove_layer_button, tip);
  gtk_label_set_text (GTK_LABEL (self->state_label), m == NULL    ? ""
                                                     : self->live ? "The run's latest weights"
                                                     : self->edited
                                                         ? "Edited: the next Train starts from these weights"
                                                         : "The starting weights (the experiment's seed)");

  g_free (self->default_caption);
  if (m == NULL)
    self->default_caption = g_strdup (self->error != NULL ? self->error : "");
  else if (m->n_columns == 0 || m->nx == 0)
    self->default_caption = g_strdup_printf (
        "The architecture: each layer with its output shape, its parameters and, over the first %u training "
        "samples, the mean ± standard deviation of its outputs and the fraction above zero (for ReLU: how often "
        "a unit is active). Neuron maps are drawn for data with two features.",
        m->n_samples);
  else
    self->default_caption = g_strdup (
        "Each square is a neuron's output over the input plane (blue above zero, orange below); links are "
        "weights, blue positive and orange negative, wider the larger |w|; the small squares are biases. Hover "
        "for values and to enlarge a neuron; click an input to switch it on or off; pause the run and click a "
        "link or bias to edit it.");
  g_autofree char *hover = describe_target (self, &self->hover);
  gtk_label_set_text (GTK_LABEL (self->caption), hover != NULL ? hover : self->default_caption);

  GString *s = g_string_new ("Network");
  if (m == NULL)
    g_string_append_printf (s, ": %s", self->error != NULL ? self->error : "nothing to show yet.");
  else
    {
      int neurons = 0, links = 0;
      for (int c = 1; c < m->n_columns; c++)
        {
          neurons += m->columns[c].units;
          links += m->columns[c].fan_in * m->columns[c].units;
        }
      if (m->n_columns > 0)
        g_string_append_printf (s, ": %d inputs, %d hidden layers, %d neurons, %d weighted links%s.",
                                m->columns[0].units, n_hidden_columns (self), neurons, links,
                                m->nx > 0 ? ", each neuron drawn as its output over the input plane" : "");
      else
        g_string_append_printf (s, " of %d layers, with statistics of their outputs.", m->n_layers);
    }
  g_free (self->description);
  self->description = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->description, -1);
}

/* ---- computing ---- */

static void
job_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  const ViewData *d = job->data;
  if (g_task_return_error_if_cancelled (task))
    return;
  GError *error = NULL;
  bool ok;
  if (job->model == NULL || job->weights == NULL)
    {
      ft_inspect_model_free (job->model);
      job->model = ft_inspect_model_new (d->exp, d->train, job->weights, job->n, &error);
      ok = job->model != NULL;
    }
  else
    ok = ft_inspect_model_set_weights (job->model, job->weights, job->n, &error);
  bool two_d = d->two_d && ok && ft_inspect_model_n_inputs (job->model) == 2;
  if (ok)
    job->maps = ft_neuron_maps_compute (job->model, d->train, d->lo[0], d->hi[0], d->lo[1], d->hi[1],
                                        two_d ? FT_NETWORK_VIEW_GRID : 0, two_d ? FT_NETWORK_VIEW_GRID : 0,
                                        &error);
  if (job->maps != NULL && two_d)
    job->grid = ft_decision_grid (job->model, d->lo[0], d->hi[0], d->lo[1], d->hi[1],
                                  FT_NETWORK_VIEW_OUTPUT_GRID, FT_NETWORK_VIEW_OUTPUT_GRID,
                                  NULL); /* none for a non-classifier */
  if (error != NULL)
    {
      job->error = g_strdup (error->message);
      g_error_free (error);
    }
  g_task_return_boolean (task, TRUE);
}

static void job_done (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
delayed_start (gpointer user_data)
{
  FtNetworkView *self = user_data;
  self->delay_source = 0;
  if (!self->running && (self->pending != NULL || self->pending_fresh) && self->data != NULL)
    start_job (self);
  return G_SOURCE_REMOVE;
}

/* Starts now, or when the rate allows. */
static void
schedule (FtNetworkView *self)
{
  /* Nothing is computed for a view nobody sees (another page of the window): the latest weights wait. */
  if (self->running || self->delay_source != 0 || self->data == NULL
      || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  gint64 wait = self->last_start + G_USEC_PER_SEC / FT_NETWORK_VIEW_MAX_RATE - g_get_monotonic_time ();
  if (wait <= 0)
    start_job (self);
  else
    self->delay_source = g_timeout_add ((guint) (wait / 1000) + 1, delayed_start, self);
}

static void
start_job (FtNetworkView *self)
{
  Job *job = g_new0 (Job, 1);
  job->data = g_atomic_rc_box_acquire (self->data);
  job->weights = g_steal_pointer (&self->pending);
  job->n = self->n_pending;
  job->model = g_steal_pointer (&self->model);
  self->pending_fresh = FALSE;
  self->running = TRUE;
  self->last_start = g_get_monotonic_time ();
  GTask *task = g_task_new (NULL, self->cancellable, job_done, g_object_ref (self));
  g_task_set_source_tag (task, start_job);
  g_task_set_name (task, "neuron maps");
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
  g_object_unref (task);
}

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FtNetworkView *self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  gboolean done = g_task_propagate_boolean (G_TASK (result), NULL);
  self->running = FALSE;
  gboolean current = done && self->data != NULL && job->data == self->data;
  if (current)
    {
      if (self->model == NULL)
        self->model = g_steal_pointer (&job->model);
      g_clear_pointer (&self->error, g_free);
      if (job->maps != NULL)
        {
          ft_neuron_maps_free (self->maps);
          self->maps = g_steal_pointer (&job->maps);
          self->maps_current = TRUE;
          ft_decision_grid_free (self->grid);
          self->grid = g_steal_pointer (&job->grid);
          clear_images (self);
          if (self->hover.kind != TARGET_NONE && self->hover.column >= self->maps->n_columns)
            self->hover.kind = TARGET_NONE;
        }
      else
        self->error = g_steal_pointer (&job->error);
      update_texts (self);
      gtk_widget_queue_draw (self->canvas);
    }
  if ((self->pending != NULL || self->pending_fresh) && self->data != NULL)
    schedule (self);
  if (current)
    g_signal_emit (self, signals[SIGNAL_COMPUTED], 0);
  g_object_unref (self);
}

/* ---- public API ---- */

GtkWidget *
ft_network_view_new (void)
{
  return g_object_new (FT_TYPE_NETWORK_VIEW, NULL);
}

/* The learning-rate control's items: the Playground's values, and the experiment's own when it is none of
 * them (kept in order, at most 16). */
static const float playground_rates[] = { 0.00001f, 0.0001f, 0.001f, 0.003f, 0.01f, 0.03f,
                                          0.1f,     0.3f,    1.0f,   3.0f,   10.0f };

static void
sync_learning_rate (FtNetworkView *self)
{
  if (self->n_lr == 0)
    for (guint i = 0; i < G_N_ELEMENTS (playground_rates); i++)
      {
        char text[32];
        g_snprintf (text, sizeof text, "Learning rate %g", (double) playground_rates[i]);
        gtk_string_list_append (self->lr_items, text);
        self->lr_values[self->n_lr++] = playground_rates[i];
      }
  guint item = GTK_INVALID_LIST_POSITION;
  if (self->exp != NULL)
    {
      float lr = self->exp->compile.optimizer.learning_rate;
      guint at = 0;
      while (at < self->n_lr && self->lr_values[at] < lr)
        at++;
      if (at < self->n_lr && self->lr_values[at] == lr)
        item = at;
      else if (self->n_lr < G_N_ELEMENTS (self->lr_values) && lr > 0.0f)
        {
          memmove (&self->lr_values[at + 1], &self->lr_values[at], (self->n_lr - at) * sizeof (float));
          self->lr_values[at] = lr;
          self->n_lr++;
          char text[32];
          g_snprintf (text, sizeof text, "Learning rate %g", (double) lr);
          const char *const add[] = { text, NULL };
          gtk_string_list_splice (self->lr_items, at, 0, add);
          item = at;
        }
    }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->lr_dropdown), item);
  gtk_widget_set_sensitive (self->lr_dropdown, self->exp != NULL);
}

/* The activation control's items: the Playground's four. */
static const FtActivation hidden_activations[] = { FT_ACT_RELU, FT_ACT_TANH, FT_ACT_SIGMOID, FT_ACT_LINEAR };

/* The regularization and activation controls show the experiment's (the first Dense layer's
 * regularization, the hidden layers' activation when they share one), "Regenerate" is for generated data. */
static void
sync_regularization (FtNetworkView *self)
{
  float l1 = 0, l2 = 0;
  if (self->exp != NULL)
    ft_network_get_regularization (self->exp, &l1, &l2);
  self->syncing = TRUE;
  guint kind = l1 > 0 && l2 > 0 ? 3 : l2 > 0 ? 2 : l1 > 0 ? 1 : 0;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->reg_dropdown), kind);
  if (kind != 0)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->reg_spin), kind == 2 ? l2 : l1);
  gtk_widget_set_sensitive (self->reg_dropdown, self->exp != NULL);
  gtk_widget_set_sensitive (self->reg_spin, self->exp != NULL && kind != 0);
  FtActivation act;
  bool one = self->exp != NULL && ft_network_get_activation (self->exp, &act);
  guint item = GTK_INVALID_LIST_POSITION;
  for (guint i = 0; one && i < G_N_ELEMENTS (hidden_activations); i++)
    if (hidden_activations[i] == act)
      item = i;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->act_dropdown), item);
  sync_learning_rate (self);
  gtk_widget_set_sensitive (self->act_dropdown, self->exp != NULL && ft_network_n_hidden (self->exp) > 0);
  gtk_widget_set_sensitive (self->regenerate_button,
                            self->exp != NULL && self->exp->data.source == FT_DATA_PLAYGROUND);
  self->syncing = FALSE;
}

gboolean
ft_network_view_set_learning_rate (FtNetworkView *self, float lr)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !(lr > 0.0f) || !isfinite (lr))
    return FALSE;
  self->exp->compile.optimizer.learning_rate = lr;
  sync_regularization (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_learning_rate_changed (FtNetworkView *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->lr_dropdown));
  if (self->syncing || i >= self->n_lr)
    return;
  ft_network_view_set_learning_rate (self, self->lr_values[i]);
}

gboolean
ft_network_view_set_activation (FtNetworkView *self, FtActivation act)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !ft_network_set_activation (self->exp, act, NULL))
    return FALSE;
  sync_regularization (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_activation_changed (FtNetworkView *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->act_dropdown));
  if (self->syncing || i >= G_N_ELEMENTS (hidden_activations))
    return;
  ft_network_view_set_activation (self, hidden_activations[i]);
}

static void
on_show_test_toggled (FtNetworkView *self)
{
  if (self->canvas != NULL)
    gtk_widget_queue_draw (self->canvas);
}

static void
on_regenerate (FtNetworkView *self)
{
  g_signal_emit (self, signals[SIGNAL_REGENERATE], 0);
}

gboolean
ft_network_view_set_regularization (FtNetworkView *self, float l1, float l2)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || !ft_network_set_regularization (self->exp, l1, l2, NULL))
    return FALSE;
  sync_regularization (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
on_regularization_changed (FtNetworkView *self)
{
  if (self->syncing)
    return;
  guint kind = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->reg_dropdown));
  float rate = (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->reg_spin));
  ft_network_view_set_regularization (self, kind == 1 || kind == 3 ? rate : 0.0f,
                                      kind == 2 || kind == 3 ? rate : 0.0f);
}

void
ft_network_view_set_experiment (FtNetworkView *self, FtExperiment *exp)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  self->exp = exp;
  sync_regularization (self);
  update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

/* A new ViewData for exp and train (train may be NULL). */
static ViewData *
view_data_new (const FtExperiment *exp, const FtDataset *train)
{
  ViewData *d = g_atomic_rc_box_new0 (ViewData);
  d->exp = ft_experiment_copy (exp);
  if (train != NULL)
    {
      d->train = ft_dataset_slice (train, 0, train->n);
      g_free (d->train->name);
      d->train->name = g_strdup (train->name);
    }
  d->two_d = train != NULL ? train->features != NULL && train->sample_size == 2 && train->n > 0
                           : exp->input_ndim == 1 && exp->input_shape[0] == 2;
  for (int a = 0; a < 2; a++)
    {
      d->lo[a] = -6;
      d->hi[a] = 6;
      if (exp->data.source == FT_DATA_PLAYGROUND || !d->two_d || train == NULL)
        continue;
      /* Other 2-D data: their range, padded by a tenth. */
      double mn = INFINITY, mx = -INFINITY;
      for (uint32_t i = 0; i < MIN (train->n, (uint32_t) MAX_POINTS); i++)
        {
          double v = train->features[(size_t) i * 2 + (size_t) a];
          if (isfinite (v))
            mn = fmin (mn, v), mx = fmax (mx, v);
        }
      if (!(mx > mn))
        mn = isfinite (mn) ? mn - 1 : -1, mx = isfinite (mx) ? mx + 1 : 1;
      d->lo[a] = mn - 0.1 * (mx - mn);
      d->hi[a] = mx + 0.1 * (mx - mn);
    }
  return d;
}

/* Draws d from the experiment's seed weights. */
static void
restart (FtNetworkView *self, ViewData *d)
{
  g_clear_pointer (&self->data, view_data_unref);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  self->data = d;
  self->maps_current = FALSE;
  self->live = FALSE;
  self->hover.kind = TARGET_NONE;
  if (d != NULL)
    {
      self->pending_fresh = TRUE;
      schedule (self);
    }
  else
    {
      g_clear_pointer (&self->maps, ft_neuron_maps_free);
      g_clear_pointer (&self->grid, ft_decision_grid_free);
      clear_images (self);
    }
  update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

void
ft_network_view_set_data (FtNetworkView *self, const FtExperiment *exp, const FtDataset *train)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_clear_pointer (&self->error, g_free);
  self->edited = FALSE;
  restart (self, exp != NULL && train != NULL ? view_data_new (exp, train) : NULL);
}

void
ft_network_view_set_test_data (FtNetworkView *self, const FtDataset *test)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_clear_pointer (&self->test, ft_dataset_free);
  if (test != NULL && test->features != NULL && test->sample_size == 2 && test->n > 0)
    self->test = ft_dataset_slice (test, 0, test->n);
  gtk_widget_set_sensitive (self->show_test_check, self->test != NULL);
  gtk_widget_queue_draw (self->canvas);
}

guint
ft_network_view_get_drawn_test (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), 0);
  return self->drawn_test;
}

void
ft_network_view_update_weights (FtNetworkView *self, const float *weights, size_t n)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  g_return_if_fail (weights != NULL || n == 0);
  if (self->data == NULL || self->edited || (self->maps_current && n != self->maps->n_weights))
    return;
  g_free (self->pending);
  self->pending = g_memdup2 (weights, n * sizeof (float));
  if (self->pending == NULL)
    self->pending = g_new (float, 1);
  self->n_pending = n;
  self->pending_fresh = FALSE;
  if (!self->live)
    {
      self->live = TRUE;
      update_texts (self);
    }
  schedule (self);
}

/* After +/−: the panels follow ("changed"), the view draws the edited network. */
static gboolean
edited (FtNetworkView *self, gboolean ok)
{
  if (!ok)
    return FALSE;
  self->edited = TRUE;
  const FtDataset *train = self->data != NULL ? self->data->train : NULL;
  restart (self, view_data_new (self->exp, train));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

gboolean
ft_network_view_add_layer (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || ft_network_n_hidden (self->exp) >= FT_NETWORK_VIEW_MAX_LAYERS)
    return FALSE;
  return edited (self, ft_network_add_hidden (self->exp, NULL));
}

gboolean
ft_network_view_remove_layer (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL)
    return FALSE;
  return edited (self, ft_network_remove_hidden (self->exp, NULL));
}

static gboolean
change_units (FtNetworkView *self, int h, int delta)
{
  if (self->exp == NULL)
    return FALSE;
  int l = ft_network_hidden_layer (self->exp, h);
  if (l < 0)
    return FALSE;
  int units = self->exp->layers[l].units + delta;
  if (units < 1 || (delta > 0 && units > FT_NETWORK_VIEW_MAX_UNITS))
    return FALSE;
  return edited (self, ft_network_set_units (self->exp, h, units, NULL));
}

gboolean
ft_network_view_add_neuron (FtNetworkView *self, int h)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return change_units (self, h, +1);
}

gboolean
ft_network_view_remove_neuron (FtNetworkView *self, int h)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return change_units (self, h, -1);
}

gboolean
ft_network_view_add_point (FtNetworkView *self, float x, float y, int label)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || self->data == NULL || !self->data->two_d || self->data->train == NULL || label < -1
      || !isfinite (x) || !isfinite (y))
    return FALSE;
  FtPointEdit e = { x, y, label };
  GError *error = NULL;
  FtDataset *train = ft_dataset_apply_point_edits (self->data->train, &e, 1, &error);
  if (train == NULL)
    {
      g_clear_error (&error); /* a class the data does not have, or nothing left to remove */
      return FALSE;
    }
  FtDataSpec *d = &self->exp->data;
  d->points = g_renew (FtPointEdit, d->points, d->n_points + 1);
  d->points[d->n_points++] = e;
  self->edited = TRUE;
  restart (self, view_data_new (self->exp, train));
  ft_dataset_free (train);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_POINTS_CHANGED], 0);
  return TRUE;
}

gboolean
ft_network_view_toggle_feature (FtNetworkView *self, int i)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->exp == NULL || self->data == NULL || !self->data->two_d || i < 0 || i >= FT_N_FEATURES)
    return FALSE;
  unsigned raw = FT_FEATURE_X1 | FT_FEATURE_X2;
  unsigned mask = (self->exp->data.features != 0 ? self->exp->data.features : raw) ^ (1u << i);
  if (mask == 0)
    return FALSE;                                    /* the network needs an input */
  self->exp->data.features = mask == raw ? 0 : mask; /* x₁ and x₂ alone: the raw points */
  return edited (self, TRUE);
}

gboolean
ft_network_view_edit_weight (FtNetworkView *self, size_t index, float value)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  if (self->maps == NULL || index >= self->maps->n_weights || !isfinite (value))
    return FALSE;
  gboolean accepted = FALSE;
  g_signal_emit (self, signals[SIGNAL_EDIT_WEIGHT], 0, (guint64) index, value, &accepted);
  if (!accepted)
    return FALSE;
  /* The latest weights with this one replaced are drawn next (those pending if newer ones came). */
  if (self->pending == NULL)
    {
      self->pending = g_memdup2 (self->maps->weights, self->maps->n_weights * sizeof (float));
      self->n_pending = self->maps->n_weights;
    }
  if (index < self->n_pending)
    self->pending[index] = value;
  self->maps->weights[index] = value; /* the link redraws at once, the maps follow */
  self->pending_fresh = FALSE;
  schedule (self);
  update_texts (self);
  gtk_widget_queue_draw (self->canvas);
  return TRUE;
}

gboolean
ft_network_view_is_busy (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), FALSE);
  return self->running || self->pending != NULL || self->pending_fresh;
}

const FtNeuronMaps *
ft_network_view_get_maps (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->maps;
}

void
ft_network_view_get_drawn (FtNetworkView *self, int *neurons, int *links)
{
  g_return_if_fail (FT_IS_NETWORK_VIEW (self));
  if (neurons != NULL)
    *neurons = self->drawn_neurons;
  if (links != NULL)
    *links = self->drawn_links;
}

const char *
ft_network_view_get_error (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->error;
}

const char *
ft_network_view_get_description (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return self->description;
}

const char *
ft_network_view_get_caption (FtNetworkView *self)
{
  g_return_val_if_fail (FT_IS_NETWORK_VIEW (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->caption));
}

/* ---- input ---- */

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, FtNetworkView *self)
{
  Target t = hit (self, x, y);
  if (memcmp (&t, &self->hover, sizeof t) == 0)
    return;
  self->hover = t;
  update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

static void
on_leave (GtkEventControllerMotion *motion, FtNetworkView *self)
{
  if (self->hover.kind == TARGET_NONE)
    return;
  self->hover.kind = TARGET_NONE;
  update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  FtNetworkView *self)
{
  Target t = hit (self, x, y);
  g_autofree char *text = describe_target (self, &t);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void on_apply (GtkWidget *widget, FtNetworkView *self);

/* The weight editor, made on the first click on a link or a bias (a popover on the drawing). */
static void
ensure_editor (FtNetworkView *self)
{
  if (self->popover != NULL)
    return;
  /* The weight editor. */
  self->popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->edit_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->edit_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->edit_label), 40);
  self->edit_spin = gtk_spin_button_new_with_range (-100, 100, 0.01);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->edit_spin), 4);
  gtk_widget_add_css_class (self->edit_spin, "numeric");
  GtkWidget *apply = gtk_button_new_with_mnemonic ("_Set weight");
  gtk_widget_add_css_class (apply, "suggested-action");
  gtk_box_append (GTK_BOX (box), self->edit_label);
  gtk_box_append (GTK_BOX (box), self->edit_spin);
  gtk_box_append (GTK_BOX (box), apply);
  gtk_popover_set_child (GTK_POPOVER (self->popover), box);
  gtk_widget_set_parent (self->popover, self->canvas);
  g_signal_connect (apply, "clicked", G_CALLBACK (on_apply), self);
}

static void
open_editor (FtNetworkView *self, const Target *t, double x, double y)
{
  ensure_editor (self);
  size_t k = target_index (self, t);
  if (k == SIZE_MAX)
    return;
  self->editing = *t;
  g_autofree char *what = describe_target (self, t);
  char *dot = what != NULL ? strstr (what, ". Click") : NULL;
  if (dot != NULL)
    *dot = '\0';
  gtk_label_set_text (GTK_LABEL (self->edit_label), what);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->edit_spin), self->maps->weights[k]);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                               &(GdkRectangle){ (int) x - 1, (int) y - 1, 2, 2 });
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
on_apply (GtkWidget *widget, FtNetworkView *self)
{
  size_t k = self->maps != NULL ? target_index (self, &self->editing) : SIZE_MAX;
  gtk_popover_popdown (GTK_POPOVER (self->popover));
  if (k == SIZE_MAX)
    return;
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->edit_spin));
  ft_network_view_edit_weight (self, k,
                               (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->edit_spin)));
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, FtNetworkView *self)
{
  Target t = hit (self, x, y);
  switch (t.kind)
    {
    case TARGET_PLUS:
      ft_network_view_add_neuron (self, t.column - 1);
      break;
    case TARGET_MINUS:
      ft_network_view_remove_neuron (self, t.column - 1);
      break;
    case TARGET_LINK:
    case TARGET_BIAS:
      open_editor (self, &t, x, y);
      break;
    case TARGET_FEATURE:
      ft_network_view_toggle_feature (self, t.unit);
      break;
    case TARGET_PANEL:
      if (self->data != NULL && self->panel.size > 0)
        {
          const Box *p = &self->panel;
          double px = self->data->lo[0] + (x - p->x) / p->size * (self->data->hi[0] - self->data->lo[0]);
          double py = self->data->hi[1] - (y - p->y) / p->size * (self->data->hi[1] - self->data->lo[1]);
          GdkModifierType state = gtk_event_controller_get_current_event_state (
              GTK_EVENT_CONTROLLER (gesture));
          int label = (state & GDK_SHIFT_MASK)
                          ? -1
                          : (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->class_dropdown));
          ft_network_view_add_point (self, (float) px, (float) py, label);
        }
      break;
    case TARGET_NEURON:
      if (t.column == 0 && self->has_slots)
        ft_network_view_toggle_feature (self, input_feature (self, t.unit));
      break;
    case TARGET_NONE:
      break;
    }
}

static void
on_add_layer (GtkButton *button, FtNetworkView *self)
{
  ft_network_view_add_layer (self);
}

static void
on_remove_layer (GtkButton *button, FtNetworkView *self)
{
  ft_network_view_remove_layer (self);
}

/* ---- life cycle ---- */

static void
ft_network_view_map (GtkWidget *widget)
{
  FtNetworkView *self = FT_NETWORK_VIEW (widget);
  GTK_WIDGET_CLASS (ft_network_view_parent_class)->map (widget);
  if (self->pending != NULL || self->pending_fresh)
    schedule (self);
}

static void
ft_network_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  FtNetworkView *self = FT_NETWORK_VIEW (widget);
  GTK_WIDGET_CLASS (ft_network_view_parent_class)->css_changed (widget, change);
  clear_images (self); /* the background colour may have changed */
  gtk_widget_queue_draw (self->canvas);
}

static void
ft_network_view_dispose (GObject *object)
{
  FtNetworkView *self = FT_NETWORK_VIEW (object);
  g_cancellable_cancel (self->cancellable);
  if (self->delay_source != 0)
    {
      g_source_remove (self->delay_source);
      self->delay_source = 0;
    }
  g_clear_pointer (&self->data, view_data_unref);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  g_clear_pointer (&self->test, ft_dataset_free);
  self->exp = NULL;
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_pointer (&self->toolbar, gtk_widget_unparent);
  g_clear_pointer (&self->canvas, gtk_widget_unparent);
  g_clear_pointer (&self->caption, gtk_widget_unparent);
  G_OBJECT_CLASS (ft_network_view_parent_class)->dispose (object);
}

static void
ft_network_view_finalize (GObject *object)
{
  FtNetworkView *self = FT_NETWORK_VIEW (object);
  g_clear_object (&self->cancellable);
  ft_neuron_maps_free (self->maps);
  ft_decision_grid_free (self->grid);
  clear_images (self);
  g_free (self->first_node);
  g_free (self->nodes);
  g_free (self->error);
  g_free (self->description);
  g_free (self->default_caption);
  G_OBJECT_CLASS (ft_network_view_parent_class)->finalize (object);
}

static void
ft_network_view_class_init (FtNetworkViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_network_view_dispose;
  object_class->finalize = ft_network_view_finalize;
  widget_class->css_changed = ft_network_view_css_changed;
  widget_class->map = ft_network_view_map;
  gtk_widget_class_set_css_name (widget_class, "network-view");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);

  /* The +/− buttons edited the experiment (the window refreshes the panels and the code). */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 0);
  /* gboolean handler (FtNetworkView *view, guint64 index, gfloat value): a weight's new value (index in Keras
   * order); TRUE when the run takes it (a paused runner). */
  signals[SIGNAL_EDIT_WEIGHT] = g_signal_new ("edit-weight", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN,
                                              2, G_TYPE_UINT64, G_TYPE_FLOAT);
  /* Points were added or removed (after "changed"): the experiment's data differ. */
  signals[SIGNAL_POINTS_CHANGED] = g_signal_new ("points-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The "Regenerate" button: new points from the next data seed (the window asks the dataset panel). */
  signals[SIGNAL_REGENERATE] = g_signal_new ("regenerate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* New maps are drawn (or their computation failed). */
  signals[SIGNAL_COMPUTED] = g_signal_new ("computed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
}

static void
ft_network_view_init (FtNetworkView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);

  /* The controls in groups that wrap onto a second line in a narrow window. */
  self->toolbar = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->toolbar), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->toolbar), 5);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->toolbar), 18);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->toolbar), 6);
  GtkWidget *layers_group = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_parent (self->toolbar, GTK_WIDGET (self));
  self->remove_layer_button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_name (self->remove_layer_button, "remove-layer");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_layer_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Remove a hidden layer", -1);
  self->add_layer_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (self->add_layer_button, "add-layer");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_layer_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Add a hidden layer", -1);
  self->layers_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->layers_label, "heading");
  self->state_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->state_label, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (self->state_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (self->state_label), 12);
  gtk_label_set_xalign (GTK_LABEL (self->state_label), 0);
  gtk_box_append (GTK_BOX (layers_group), self->remove_layer_button);
  gtk_box_append (GTK_BOX (layers_group), self->add_layer_button);
  gtk_box_append (GTK_BOX (layers_group), self->layers_label);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), layers_group);
  /* Playground's regularization: one for every layer's weights, and its rate. */
  static const char *const regs[] = { "No regularization", "L1", "L2", "L1 + L2", NULL };
  self->reg_dropdown = gtk_drop_down_new_from_strings (regs);
  gtk_widget_set_name (self->reg_dropdown, "regularization");
  gtk_widget_set_tooltip_text (
      self->reg_dropdown,
      "kernel_regularizer of every Dense layer: L1 adds rate·Σ|w| to the loss, L2 rate·Σw²");
  self->reg_spin = gtk_spin_button_new_with_range (0, 10, 0.001);
  gtk_widget_set_name (self->reg_spin, "regularization-rate");
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->reg_spin), 4);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->reg_spin), 0.001);
  gtk_widget_add_css_class (self->reg_spin, "numeric");
  gtk_widget_set_tooltip_text (self->reg_spin, "Regularization rate");
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->reg_dropdown);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->reg_spin);
  g_signal_connect_swapped (self->reg_dropdown, "notify::selected", G_CALLBACK (on_regularization_changed),
                            self);
  g_signal_connect_swapped (self->reg_spin, "value-changed", G_CALLBACK (on_regularization_changed), self);
  static const char *const classes[] = { "Click adds orange (0)", "Click adds blue (1)", NULL };
  self->class_dropdown = gtk_drop_down_new_from_strings (classes);
  gtk_widget_set_name (self->class_dropdown, "point-class");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->class_dropdown), 1);
  gtk_widget_set_tooltip_text (
      self->class_dropdown,
      "A click on the prediction adds a training point of this class; Shift+click removes "
      "the nearest point");
  gtk_widget_set_halign (layers_group, GTK_ALIGN_START);
  gtk_widget_set_halign (self->reg_dropdown, GTK_ALIGN_START);
  gtk_widget_set_halign (self->reg_spin, GTK_ALIGN_START);
  gtk_widget_set_halign (self->class_dropdown, GTK_ALIGN_START);
  static const char *const acts[] = { "ReLU", "Tanh", "Sigmoid", "Linear", NULL };
  self->act_dropdown = gtk_drop_down_new_from_strings (acts);
  gtk_widget_set_name (self->act_dropdown, "activation");
  gtk_widget_set_halign (self->act_dropdown, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (
      self->act_dropdown, "The activation of every hidden layer; while a run trains it applies from its next "
                          "step");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->act_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Activation of the hidden layers", -1);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->act_dropdown);
  self->lr_items = gtk_string_list_new (NULL);
  self->lr_dropdown = gtk_drop_down_new (G_LIST_MODEL (self->lr_items), NULL); /* takes the list */
  gtk_widget_set_name (self->lr_dropdown, "learning-rate");
  gtk_widget_set_halign (self->lr_dropdown, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (
      self->lr_dropdown, "The optimizer's learning rate; while a run trains it applies from its next step");
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->lr_dropdown);
  g_signal_connect_swapped (self->lr_dropdown, "notify::selected", G_CALLBACK (on_learning_rate_changed),
                            self);
  g_signal_connect_swapped (self->act_dropdown, "notify::selected", G_CALLBACK (on_activation_changed), self);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->class_dropdown);
  self->regenerate_button = gtk_button_new_with_mnemonic ("Re_generate");
  gtk_widget_set_name (self->regenerate_button, "regenerate-data");
  gtk_widget_set_halign (self->regenerate_button, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (self->regenerate_button,
                               "New points from a new data seed; the starting weights stay as they are");
  g_signal_connect_swapped (self->regenerate_button, "clicked", G_CALLBACK (on_regenerate), self);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->regenerate_button);
  self->show_test_check = gtk_check_button_new_with_mnemonic ("Show _test data");
  gtk_widget_set_name (self->show_test_check, "network-show-test-data");
  gtk_widget_set_halign (self->show_test_check, GTK_ALIGN_START);
  gtk_widget_set_sensitive (self->show_test_check, FALSE);
  gtk_widget_set_tooltip_text (self->show_test_check, "Draw the test points on the prediction, ringed");
  g_signal_connect_swapped (self->show_test_check, "toggled", G_CALLBACK (on_show_test_toggled), self);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->show_test_check);
  gtk_flow_box_append (GTK_FLOW_BOX (self->toolbar), self->state_label);
  g_signal_connect (self->add_layer_button, "clicked", G_CALLBACK (on_add_layer), self);
  g_signal_connect (self->remove_layer_button, "clicked", G_CALLBACK (on_remove_layer), self);

  self->canvas = gtk_drawing_area_new ();
  gtk_widget_set_vexpand (self->canvas, TRUE);
  gtk_widget_set_hexpand (self->canvas, TRUE);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->canvas), 160);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->canvas), 300);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->canvas), draw, self, NULL);
  gtk_widget_set_parent (self->canvas, GTK_WIDGET (self));
  gtk_widget_set_has_tooltip (self->canvas, TRUE);
  g_signal_connect (self->canvas, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->canvas, motion);
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (self->canvas, GTK_EVENT_CONTROLLER (click));

  self->caption = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0);
  gtk_widget_set_valign (self->caption, GTK_ALIGN_START);
  gtk_widget_add_css_class (self->caption, "dim-label");
  gtk_widget_set_parent (self->caption, GTK_WIDGET (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL, "Network",
                                  -1);
  sync_regularization (self);
  update_texts (self);
}
