/* ft-plot-marks.c — small shapes that the charts and the views draw alike (see ft-plot-marks.h). */
#include "plot/ft-plot-marks.h"

#include <math.h>

void
ft_plot_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static const float class_rgb[FT_PLOT_N_CLASS_STYLES][3] = {
  { 1.0f, 0.471f, 0.0f },     /* #ff7800 orange: the Playground's "orange" class 0 */
  { 0.208f, 0.518f, 0.894f }, /* #3584e4 blue: class 1 */
  { 0.149f, 0.635f, 0.412f }, /* #26a269 green */
  { 0.569f, 0.255f, 0.675f }, /* #9141ac purple */
  { 0.898f, 0.647f, 0.039f }, /* #e5a50a yellow */
};

const float *
ft_plot_class_rgb (int cls)
{
  return class_rgb[(unsigned) cls % FT_PLOT_N_CLASS_STYLES];
}

void
ft_plot_class_marker_path (cairo_t *cr, int cls, double x, double y, double r)
{
  switch ((unsigned) cls % FT_PLOT_N_CLASS_STYLES)
    {
    case 0: /* circle */
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    case 1: /* square */
      cairo_rectangle (cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
      break;
    case 2: /* triangle */
      cairo_move_to (cr, x, y - 1.15 * r);
      cairo_line_to (cr, x + r, y + 0.75 * r);
      cairo_line_to (cr, x - r, y + 0.75 * r);
      cairo_close_path (cr);
      break;
    case 3: /* diamond */
      cairo_move_to (cr, x, y - 1.2 * r);
      cairo_line_to (cr, x + 1.2 * r, y);
      cairo_line_to (cr, x, y + 1.2 * r);
      cairo_line_to (cr, x - 1.2 * r, y);
      cairo_close_path (cr);
      break;
    default: /* plus */
      cairo_rectangle (cr, x - r, y - 0.35 * r, 2 * r, 0.7 * r);
      cairo_rectangle (cr, x - 0.35 * r, y - r, 0.7 * r, 2 * r);
      break;
    }
}
