/* ft-dataset-preview.c — the dataset panel's preview: a scatter plot of 2-D data (each class its colour
 * and marker shape, validation samples hollow, a legend) or a grid of the first images with their class
 * names. Part of FtDatasetPanel (ft-dataset-panel-private.h). */
#include "panels/ft-dataset-panel-private.h"
#include "plot/ft-plot-marks.h"
#include "views/ft-view-paint.h"

#include <math.h>
#include <string.h>

/* ---- scatter plot ---- */

static void
draw_marker (cairo_t *cr, int cls, double x, double y, double r, bool hollow)
{
  const float *c = ft_plot_class_rgb (cls);
  ft_plot_class_marker_path (cr, cls, x, y, r);
  if (hollow)
    {
      cairo_set_source_rgba (cr, c[0], c[1], c[2], 1.0);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
    }
  else
    {
      cairo_set_source_rgba (cr, c[0], c[1], c[2], 0.85);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, c[0] * 0.6, c[1] * 0.6, c[2] * 0.6, 0.9);
      cairo_set_line_width (cr, 0.8);
      cairo_stroke (cr);
    }
}

/* Range: the Playground's fixed −6..6, else the data's, padded to whole ticks. */
static void
scatter_range (FtDatasetPanel *self, const FtDataset *ds, uint32_t n, FtViewSquare *s)
{
  *s = (FtViewSquare){ .lo = { -6, -6 }, .hi = { 6, 6 }, .step = { 2, 2 } };
  if (ft_dataset_panel_is_playground (self))
    return;
  for (int a = 0; a < 2; a++)
    {
      double mn = INFINITY, mx = -INFINITY;
      for (uint32_t i = 0; i < n; i++)
        {
          double v = ds->features[(size_t) i * ds->sample_size + (size_t) a];
          mn = MIN (mn, v);
          mx = MAX (mx, v);
        }
      if (!(mx > mn))
        {
          mn -= 1;
          mx += 1;
        }
      s->step[a] = ft_view_nice_step (mx - mn, 5);
      s->lo[a] = floor (mn / s->step[a]) * s->step[a];
      s->hi[a] = ceil (mx / s->step[a]) * s->step[a];
    }
}

/* Legend: one entry per class (marker and name), then the validation marker. */
static void
scatter_legend (cairo_t *cr, PangoLayout *layout, const GdkRGBA *fg, const FtDataset *ds, uint32_t split,
                double lx, double ly)
{
  pango_layout_set_width (layout, -1);
  int n_legend = MIN (ds->n_classes, 8);
  for (int k = 0; k < n_legend; k++)
    {
      draw_marker (cr, k, lx + 5, ly, 4, false);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      int tw, th;
      pango_layout_set_text (layout, ft_dataset_panel_class_name (ds, k), -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, lx + 14, ly - th / 2.0);
      pango_cairo_show_layout (cr, layout);
      lx += 14 + tw + 14;
    }
  if (split < ds->n)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      cairo_new_sub_path (cr);
      cairo_arc (cr, lx + 5, ly, 4, 0, 2 * G_PI);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
      int tw, th;
      pango_layout_set_text (layout, "validation", -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, lx + 14, ly - th / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
}

void
ft_dataset_panel_draw_scatter (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FtDatasetPanel *self = FT_DATASET_PANEL (user_data);
  const FtDataset *ds = self->train;
  if (ds == NULL || ds->features == NULL || ds->sample_size < 2)
    return;
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg;
  ft_dataset_panel_foreground (widget, &fg);
  PangoLayout *layout = ft_view_scaled_layout (widget, 0.8, FALSE, FALSE);
  pango_layout_set_text (layout, "−0.0", -1);
  int tick_w, tick_h;
  pango_layout_get_pixel_size (layout, &tick_w, &tick_h);
  uint32_t n = MIN (ds->n, (uint32_t) SCATTER_MAX_POINTS);
  FtViewSquare s;
  scatter_range (self, ds, n, &s);

  /* Layout: tick labels left and below, the legend under them, a square plot centred. */
  double legend_h = tick_h + 10;
  double left = tick_w + 12, right = 16, top = 14, bottom = tick_h + 8 + legend_h;
  s.side = MIN (width - left - right, height - top - bottom);
  if (s.side < 40)
    {
      g_object_unref (layout);
      return;
    }
  s.x0 = left + (width - left - right - s.side) / 2;
  s.y0 = top;
  ft_view_square_grid (cr, &s, &fg, 0.35, 0.12);
  ft_view_square_tick_labels (cr, layout, &s, &fg);

  /* Points: training filled, validation (the last fraction, as Keras splits) hollow. */
  uint32_t split = ft_dataset_panel_validation_start (self);
  double r = s.side > 360 ? 4.0 : 3.2;
  cairo_save (cr);
  /* Points on the edge of the range (the moons reach ±6) are drawn whole; farther ones are cut. */
  cairo_rectangle (cr, s.x0 - r - 1, s.y0 - r - 1, s.side + 2 * r + 2, s.side + 2 * r + 2);
  cairo_clip (cr);
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = pass == 0 ? 0 : split; i < (pass == 0 ? MIN (split, n) : n); i++)
      {
        const float *f = ds->features + (size_t) i * ds->sample_size;
        draw_marker (cr, (int) ds->labels[i], ft_view_square_px (&s, f[0]), ft_view_square_py (&s, f[1]), r,
                     pass == 1);
      }
  cairo_restore (cr);
  scatter_legend (cr, layout, &fg, ds, split, s.x0, s.y0 + s.side + tick_h + 8 + legend_h / 2);
  g_object_unref (layout);
}

/* ---- image grid ---- */

void
ft_dataset_panel_draw_images (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FtDatasetPanel *self = FT_DATASET_PANEL (user_data);
  const FtDataset *ds = self->train;
  if (ds == NULL || ds->pixels == NULL || ds->ndim != 2)
    return;
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg;
  ft_dataset_panel_foreground (widget, &fg);
  PangoLayout *layout = ft_view_scaled_layout (widget, 0.8, FALSE, FALSE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_text (layout, "Ag", -1);
  int label_h;
  pango_layout_get_pixel_size (layout, NULL, &label_h);

  int rows_px = ds->shape[0], cols_px = ds->shape[1];
  int n = (int) MIN (ds->n, (uint32_t) (PREVIEW_COLUMNS * PREVIEW_ROWS));
  double pad = 12, gap_x = 8, gap_y = 6, label_gap = 2;
  double cell_w = (width - 2 * pad - gap_x * (PREVIEW_COLUMNS - 1)) / PREVIEW_COLUMNS;
  double cell_h = (height - 2 * pad - gap_y * (PREVIEW_ROWS - 1)) / PREVIEW_ROWS - label_h - label_gap;
  double scale = MIN (cell_w / cols_px, cell_h / rows_px);
  if (scale <= 0)
    {
      g_object_unref (layout);
      return;
    }
  double img_w = cols_px * scale, img_h = rows_px * scale;
  double slot_w = MAX (img_w, MIN (cell_w, img_w * 1.4));
  double grid_w = slot_w * PREVIEW_COLUMNS + gap_x * (PREVIEW_COLUMNS - 1);
  double grid_h = (img_h + label_gap + label_h) * PREVIEW_ROWS + gap_y * (PREVIEW_ROWS - 1);
  double gx = (width - grid_w) / 2, gy = (height - grid_h) / 2;

  int stride = cairo_format_stride_for_width (CAIRO_FORMAT_RGB24, cols_px);
  guchar *buf = g_malloc ((size_t) stride * (size_t) rows_px);
  for (int i = 0; i < n; i++)
    {
      const uint8_t *px = ds->pixels + (size_t) i * ds->sample_size;
      for (int y = 0; y < rows_px; y++)
        {
          guint32 *row = (guint32 *) (buf + (size_t) y * (size_t) stride);
          for (int x = 0; x < cols_px; x++)
            {
              guint32 v = px[y * cols_px + x];
              row[x] = 0xff000000u | v << 16 | v << 8 | v;
            }
        }
      cairo_surface_t *img = cairo_image_surface_create_for_data (buf, CAIRO_FORMAT_RGB24, cols_px, rows_px,
                                                                  stride);
      double cx = gx + (i % PREVIEW_COLUMNS) * (slot_w + gap_x);
      double cy = gy + (i / PREVIEW_COLUMNS) * (img_h + label_gap + label_h + gap_y);
      double ix = cx + (slot_w - img_w) / 2;
      ft_view_paint_pixels (cr, img, ix, cy, img_w, img_h, scale, 0);
      cairo_surface_finish (img);
      cairo_surface_destroy (img);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
      pango_layout_set_width (layout, (int) (slot_w + gap_x - 2) * PANGO_SCALE);
      pango_layout_set_text (layout, ft_dataset_panel_class_name (ds, (int) ds->labels[i]), -1);
      cairo_move_to (cr, cx - (gap_x - 2) / 2, cy + img_h + label_gap);
      pango_cairo_show_layout (cr, layout);
    }
  g_free (buf);
  g_object_unref (layout);
}
