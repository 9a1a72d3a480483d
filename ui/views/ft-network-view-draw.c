/* ft-network-view-draw.c — the network view's drawing: the neuron maps as images, the layout of columns,
 * links, biases, feature slots and +/− buttons, the architecture boxes for data that are not 2-D, and the
 * texts (caption, state, accessible description). See ft-network-view.h. */
#include "views/ft-network-view-private.h"
#include "views/ft-view-paint.h"

#include "experiment/ft-network-edit.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#define LINK_SCALE 3.0 /* |w| at which a link reaches its full width and strength */

static const GdkRGBA blue = { 0.208f, 0.518f, 0.894f, 1.0f }; /* #3584e4: positive, class 1 */
static const GdkRGBA orange = { 1.0f, 0.471f, 0.0f, 1.0f };   /* #ff7800: negative, class 0 */

/* ---- helpers ---- */

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

const FtNeuronColumn *
ft_network_view_column (const FtNetworkView *self, int c)
{
  return &self->maps->columns[c];
}

const char *
ft_network_view_column_name (const FtNetworkView *self, int c)
{
  if (c == 0)
    return "inputs";
  return self->maps->layers[ft_network_view_column (self, c)->layer].name;
}

/* The features drawn as inputs (x₁ and x₂ when the model takes the raw points). */
unsigned
ft_network_view_input_features (const FtNetworkView *self)
{
  return self->maps != NULL && self->maps->features != 0 ? self->maps->features
                                                         : FT_FEATURE_X1 | FT_FEATURE_X2;
}

/* The feature of model input u. */
int
ft_network_view_input_feature (const FtNetworkView *self, int u)
{
  unsigned mask = ft_network_view_input_features (self);
  for (int i = 0; i < FT_N_FEATURES; i++)
    if (ft_features_position (mask, i) == u)
      return i;
  return -1;
}

char *
ft_network_view_neuron_name (const FtNetworkView *self, int c, int u)
{
  if (c == 0)
    {
      int i = ft_network_view_input_feature (self, u);
      return g_strdup (i >= 0 ? ft_feature_label (i) : "?");
    }
  return g_strdup_printf ("neuron %d of %s", u + 1, ft_network_view_column_name (self, c));
}

/* How a neuron's values map to [−1, 1]: bounded activations on their range, others to the map's largest
 * magnitude. */
static void
neuron_scale (const FtNetworkView *self, int c, int u, double *offset, double *scale)
{
  const FtNeuronColumn *col = ft_network_view_column (self, c);
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

/* ---- images ---- */

void
ft_network_view_clear_images (FtNetworkView *self)
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
  ft_network_view_clear_images (self);
  const FtNeuronMaps *m = self->maps;
  if (m == NULL || m->nx == 0)
    return;
  GdkRGBA fg, base;
  ft_view_theme_colours (self->canvas, &fg, &base);
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
                  GdkRGBA cc;
                  ft_view_class_colour (g->classes[cell], &cc);
                  const GdkRGBA *col = &cc;
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

int
ft_network_view_n_hidden_columns (const FtNetworkView *self)
{
  return self->maps != NULL && self->maps->n_columns > 2 ? self->maps->n_columns - 2 : 0;
}

/* The width of the widest input label (the features' names in bold), in pixels: the room the input
 * column keeps on its left so that large input squares do not push their labels off the canvas. */
static double
input_label_width (PangoLayout *bold)
{
  int widest = 0;
  for (int i = 0; i < FT_N_FEATURES; i++)
    {
      int w;
      pango_layout_set_text (bold, ft_feature_label (i), -1);
      pango_layout_get_pixel_size (bold, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

static void
layout (FtNetworkView *self, double width, double height, double label_room)
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
  /* The labels stand 6 px left of the input squares: keep them on the canvas. */
  if (x0 - s / 2 - 6 - label_room < 4)
    {
      x0 = label_room + s / 2 + 10;
      spacing = ncol > 1 ? (x1 - x0) / (ncol - 1) : 0;
    }
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
              int f = ft_network_view_input_feature (self, u);
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

const Box *
ft_network_view_node (const FtNetworkView *self, int c, int u)
{
  return &self->nodes[self->first_node[c] + u];
}

void
ft_network_view_link_points (const FtNetworkView *self, int c, int from, int to, double p[4][2])
{
  const Box *a = ft_network_view_node (self, c - 1, from), *b = ft_network_view_node (self, c, to);
  double ax = a->x + a->size, ay = a->y + a->size / 2, bx = b->x, by = b->y + b->size / 2;
  double mx = (ax + bx) / 2;
  p[0][0] = ax, p[0][1] = ay;
  p[1][0] = mx, p[1][1] = ay;
  p[2][0] = mx, p[2][1] = by;
  p[3][0] = bx, p[3][1] = by;
}

Box
ft_network_view_bias_box (const Box *n)
{
  double side = fmax (6, n->size * 0.2);
  return (Box){ n->x - side * 0.55, n->y + n->size - side * 0.45, side };
}

bool
ft_network_view_inside (const Box *b, double x, double y)
{
  return x >= b->x && x <= b->x + b->size && y >= b->y && y <= b->y + b->size;
}

/* ---- drawing ---- */

/* How a set of points is drawn: its dots' radius, and their ring's colour, opacity and width. */
typedef struct
{
  double radius;
  const GdkRGBA *ring;
  double ring_alpha, ring_width;
} PointStyle;

/* The points of ds (at most MAX_POINTS) inside the panel p; returns how many were drawn. */
static guint
draw_point_set (FtNetworkView *self, cairo_t *cr, const Box *p, const FtDataset *ds, const PointStyle *st)
{
  const ViewData *d = self->data;
  guint drawn = 0;
  for (uint32_t i = 0; i < MIN (ds->n, (uint32_t) MAX_POINTS); i++)
    {
      double x = ds->features[(size_t) i * 2], y = ds->features[(size_t) i * 2 + 1];
      double px = p->x + (x - d->lo[0]) / (d->hi[0] - d->lo[0]) * p->size;
      double py = p->y + (d->hi[1] - y) / (d->hi[1] - d->lo[1]) * p->size;
      if (!isfinite (px) || !isfinite (py) || !ft_network_view_inside (p, px, py))
        continue;
      GdkRGBA cc;
      ft_view_class_colour (ds->labels[i], &cc);
      const GdkRGBA *c = &cc;
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, st->radius, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, c->red, c->green, c->blue);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, st->ring->red, st->ring->green, st->ring->blue, st->ring_alpha);
      cairo_set_line_width (cr, st->ring_width);
      cairo_stroke (cr);
      drawn++;
    }
  return drawn;
}

static void
draw_points (FtNetworkView *self, cairo_t *cr, const Box *p, const GdkRGBA *base, const GdkRGBA *fg)
{
  const ViewData *d = self->data;
  self->drawn_test = 0;
  if (d == NULL || d->train == NULL || d->train->features == NULL)
    return;
  double r = fmax (1.6, p->size / 130);
  draw_point_set (self, cr, p, d->train, &(PointStyle){ r, base, 0.9, 0.8 });
  /* Test points on top, when asked for: larger, ringed in the text colour (the Playground's look). */
  if (self->test == NULL || !gtk_check_button_get_active (GTK_CHECK_BUTTON (self->show_test_check)))
    return;
  self->drawn_test = draw_point_set (self, cr, p, self->test, &(PointStyle){ r * 1.3, fg, 0.95, 1.4 });
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
  ft_view_show_text (cr, layout, label, b->x + b->size / 2, b->y + b->size / 2, 0.5, 0.5, NULL);
}

/* Data that is not 2-D, or a model that is not a feature network: the layers as boxes with statistics. */
static void
draw_architecture (FtNetworkView *self, cairo_t *cr, double width, double height, const GdkRGBA *fg)
{
  const FtNeuronMaps *m = self->maps;
  int n = m->n_layers;
  if (n == 0)
    return;
  PangoLayout *bold = ft_view_scaled_layout (self->canvas, 0.95, TRUE, FALSE),
              *small = ft_view_scaled_layout (self->canvas, 0.85, FALSE, FALSE);
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
      ft_view_show_text (cr, bold, s->name, x + 6, y + 6, 0, 0, NULL);
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
      ft_view_show_text (cr, small, text, x + 6, y + 26, 0, 0, NULL);
    }
  self->drawn_neurons = n;
  self->drawn_links = n - 1;
  g_object_unref (bold);
  g_object_unref (small);
}

/* No maps yet: why (an error, no data, or still computing). */
static void
draw_message (FtNetworkView *self, cairo_t *cr, int width, int height, const GdkRGBA *fg)
{
  PangoLayout *l = ft_view_scaled_layout (self->canvas, 1.0, FALSE, FALSE);
  pango_layout_set_width (l, (width - 40) * PANGO_SCALE);
  pango_layout_set_alignment (l, PANGO_ALIGN_CENTER);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  ft_view_show_text (cr, l,
                     self->error != NULL  ? self->error
                     : self->data == NULL ? "The network appears here once an experiment's data are loaded."
                                          : "Computing…",
                     20, height / 2.0, 0, 0.5, NULL);
  g_object_unref (l);
}

/* Every weight as a curve, blue positive and orange negative, wider and stronger the larger |w|. */
static void
draw_links (FtNetworkView *self, cairo_t *cr)
{
  const FtNeuronMaps *m = self->maps;
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (int c = 1; c < m->n_columns; c++)
    for (int to = 0; to < m->columns[c].units; to++)
      for (int from = 0; from < m->columns[c].fan_in; from++)
        {
          float w = m->weights[ft_neuron_maps_weight_index (m, c, from, to)];
          double a = fmin (fabs (w) / LINK_SCALE, 1.0);
          double p[4][2];
          ft_network_view_link_points (self, c, from, to, p);
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
}

/* A neuron's bias: a small square coloured by its value. */
static void
draw_bias (FtNetworkView *self, cairo_t *cr, int c, int u, const GdkRGBA *fg, const GdkRGBA *base)
{
  Box b = ft_network_view_bias_box (ft_network_view_node (self, c, u));
  float w = self->maps->weights[ft_neuron_maps_bias_index (self->maps, c, u)];
  double r, g, bb;
  diverging (w / LINK_SCALE, base, &r, &g, &bb);
  bool hot = self->hover.kind == TARGET_BIAS && self->hover.column == c && self->hover.unit == u;
  cairo_rectangle (cr, b.x, b.y, b.size, b.size);
  cairo_set_source_rgb (cr, r, g, bb);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, hot ? 1.0 : 0.6);
  cairo_set_line_width (cr, hot ? 2 : 1);
  cairo_stroke (cr);
}

/* Neuron u of column c: its map framed, and its input's name or its bias. */
static void
draw_neuron (FtNetworkView *self, cairo_t *cr, PangoLayout *bold, int c, int u, const GdkRGBA *fg,
             const GdkRGBA *base)
{
  const Box *n = ft_network_view_node (self, c, u);
  cairo_surface_t *img = image_of (self, c, u);
  if (img != NULL)
    draw_image (cr, img, n, self->maps->nx);
  bool hot = self->hover.kind == TARGET_NEURON && self->hover.column == c && self->hover.unit == u;
  cairo_rectangle (cr, n->x + 0.5, n->y + 0.5, n->size - 1, n->size - 1);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, hot ? 0.95 : 0.35);
  cairo_set_line_width (cr, hot ? 2.5 : 1);
  cairo_stroke (cr);
  self->drawn_neurons++;
  if (c == 0 && self->has_slots)
    ; /* labelled with the slots */
  else if (c == 0)
    {
      g_autofree char *label = ft_network_view_neuron_name (self, 0, u);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9);
      ft_view_show_text (cr, bold, label, n->x - 6, n->y + n->size / 2, 1, 0.5, NULL);
    }
  else if (ft_network_view_column (self, c)->bias_offset != SIZE_MAX)
    draw_bias (self, cr, c, u, fg, base);
}

/* The input column's seven feature places: those off dashed, every one labelled (bold when on). */
static void
draw_slots (FtNetworkView *self, cairo_t *cr, PangoLayout *small, PangoLayout *bold, const GdkRGBA *fg)
{
  for (int i = 0; i < FT_N_FEATURES; i++)
    {
      const Box *b = &self->slots[i];
      bool on = ft_network_view_input_features (self) & (1u << i);
      bool hot = self->hover.kind == TARGET_FEATURE && self->hover.unit == i;
      if (!on)
        {
          cairo_rectangle (cr, b->x + 0.5, b->y + 0.5, b->size - 1, b->size - 1);
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, hot ? 0.25 : 0.06);
          cairo_fill_preserve (cr);
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, hot ? 0.8 : 0.3);
          cairo_set_line_width (cr, 1);
          double dash[] = { 3, 3 };
          cairo_set_dash (cr, dash, 2, 0);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, on ? 0.95 : 0.45);
      ft_view_show_text (cr, on ? bold : small, ft_feature_label (i), b->x - 6, b->y + b->size / 2, 1, 0.5,
                         NULL);
    }
}

/* Column c's heading ("Inputs", "dense\n8 · tanh", "Output: …") and, for a hidden layer, its − and +. */
static void
draw_column_head (FtNetworkView *self, cairo_t *cr, PangoLayout *small, PangoLayout *bold, int c,
                  const GdkRGBA *fg)
{
  const FtNeuronMaps *m = self->maps;
  const FtNeuronColumn *col = ft_network_view_column (self, c);
  const Box *first = ft_network_view_node (self, c, 0);
  double cx = first->x + first->size / 2;
  g_autofree char *head = NULL;
  if (c == 0)
    head = g_strdup ("Inputs");
  else
    head = g_strdup_printf ("%s%s\n%d · %s", c == m->n_columns - 1 ? "Output: " : "",
                            ft_network_view_column_name (self, c), col->units,
                            ft_activation_name (col->activation));
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  pango_layout_set_alignment (small, PANGO_ALIGN_CENTER);
  if (c < 1 || c >= m->n_columns - 1)
    {
      ft_view_show_text (cr, small, head, cx, 8, 0.5, 0, NULL);
      return;
    }
  ft_view_show_text (cr, small, head, cx, 0, 0.5, 0, NULL);
  int h = c - 1;
  bool can_edit = self->exp != NULL;
  Target *hv = &self->hover;
  draw_round_button (cr, bold, &self->minus[h], "−", can_edit && col->units > 1,
                     hv->kind == TARGET_MINUS && hv->column == c, fg);
  draw_round_button (cr, bold, &self->plus[h], "+", can_edit && col->units < FT_NETWORK_VIEW_MAX_UNITS,
                     hv->kind == TARGET_PLUS && hv->column == c, fg);
}

/* The big panel: the prediction, or the hovered neuron enlarged, with the points and a title. */
static void
draw_panel (FtNetworkView *self, cairo_t *cr, PangoLayout *small, const GdkRGBA *fg, const GdkRGBA *base)
{
  const FtNeuronMaps *m = self->maps;
  Box *p = &self->panel;
  bool neuron = self->hover.kind == TARGET_NEURON;
  cairo_surface_t *img = neuron ? image_of (self, self->hover.column, self->hover.unit) : self->output_image;
  int n = neuron ? m->nx : (self->grid != NULL ? self->grid->nx : 1);
  if (img != NULL)
    draw_image (cr, img, p, n);
  draw_points (self, cr, p, base, fg);
  cairo_rectangle (cr, p->x + 0.5, p->y + 0.5, p->size - 1, p->size - 1);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  g_autofree char *title = NULL;
  if (neuron)
    {
      g_autofree char *name = ft_network_view_neuron_name (self, self->hover.column, self->hover.unit);
      title = g_strdup_printf ("%c%s", g_ascii_toupper (name[0]), name + 1);
    }
  else
    title = g_strdup (self->grid != NULL ? "Prediction (class 1 blue, class 0 orange)" : "Output");
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  /* Wrapped to the panel's width: a large font (presentation) must not run into the output column's name. */
  pango_layout_set_width (small, (int) (p->size * PANGO_SCALE));
  pango_layout_set_wrap (small, PANGO_WRAP_WORD);
  pango_layout_set_alignment (small, PANGO_ALIGN_CENTER);
  ft_view_show_text (cr, small, title, p->x + p->size / 2, 8, 0.5, 0, NULL);
  pango_layout_set_width (small, -1);
}

void
ft_network_view_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FtNetworkView *self = user_data;
  GdkRGBA fg, base;
  ft_view_theme_colours (self->canvas, &fg, &base);
  self->drawn_neurons = self->drawn_links = 0;
  const FtNeuronMaps *m = self->maps;
  if (m == NULL)
    {
      draw_message (self, cr, width, height, &fg);
      return;
    }
  if (m->n_columns == 0 || m->nx == 0)
    {
      draw_architecture (self, cr, width, height, &fg);
      return;
    }
  PangoLayout *small = ft_view_scaled_layout (self->canvas, 0.8, FALSE, FALSE),
              *bold = ft_view_scaled_layout (self->canvas, 0.85, TRUE, FALSE);
  layout (self, width, height, input_label_width (bold));
  if (self->images == NULL)
    build_images (self);
  draw_links (self, cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  for (int c = 0; c < m->n_columns; c++)
    {
      for (int u = 0; u < m->columns[c].units; u++)
        draw_neuron (self, cr, bold, c, u, &fg, &base);
      if (c == 0 && self->has_slots)
        draw_slots (self, cr, small, bold, &fg);
      draw_column_head (self, cr, small, bold, c, &fg);
    }
  draw_panel (self, cr, small, &fg, &base);
  g_object_unref (small);
  g_object_unref (bold);
}

/* ---- texts ---- */

void
ft_network_view_update_texts (FtNetworkView *self)
{
  const FtNeuronMaps *m = self->maps;
  int hidden = self->exp != NULL ? ft_network_n_hidden (self->exp) : ft_network_view_n_hidden_columns (self);
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
  g_autofree char *hover = ft_network_view_describe_target (self, &self->hover);
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
                                m->columns[0].units, ft_network_view_n_hidden_columns (self), neurons, links,
                                m->nx > 0 ? ", each neuron drawn as its output over the input plane" : "");
      else
        g_string_append_printf (s, " of %d layers, with statistics of their outputs.", m->n_layers);
    }
  g_free (self->description);
  self->description = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->description, -1);
}
