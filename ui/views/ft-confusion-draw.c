/* ft-confusion-draw.c — draws the confusion view: the matrix (green diagonal, red mistakes, counts and
 * shares, per-class accuracy, labels), the misclassified images with their captions, and the messages.
 * Part of FtConfusionView (ft-confusion-view-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-marks.h"
#include "plot/ft-plot-render.h"
#include "views/ft-confusion-view-private.h"
#include "views/ft-view-paint.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

/* Right answers green, mistakes red (not the class colours orange and blue of the 2-D sets); the
 * strength of the colour is the share of the true class' samples, and the counts are written in. */
static const GdkRGBA green = { 0.149f, 0.635f, 0.412f, 1 };     /* #26a269 */
static const GdkRGBA red = { 0.878f, 0.106f, 0.141f, 1 };       /* #e01b24 */
static const GdkRGBA red_light = { 0.753f, 0.110f, 0.157f, 1 }; /* #c01c28 */
static const GdkRGBA red_dark = { 1.0f, 0.482f, 0.388f, 1 };    /* #ff7b63 */

/* ---- drawing ---- */

static void
text_size (PangoLayout *layout, const char *text, int *w, int *h)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, w, h);
}

static void
set_rgba (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, alpha);
}

static void
mix (const GdkRGBA *a, const GdkRGBA *b, double t, GdkRGBA *out)
{
  out->red = (float) (a->red + (b->red - a->red) * t);
  out->green = (float) (a->green + (b->green - a->green) * t);
  out->blue = (float) (a->blue + (b->blue - a->blue) * t);
  out->alpha = 1;
}

typedef struct
{
  GtkWidget *widget;
  GdkRGBA fg, base;
  gboolean dark;
  PangoLayout *text;  /* body */
  PangoLayout *small; /* labels, counts */
  PangoLayout *tiny;  /* counts in small cells */
  PangoLayout *title; /* headings */
} Ctx;

static void
message (cairo_t *cr, Ctx *c, const char *text, double width, double height, const GdkRGBA *accent)
{
  PangoLayout *layout = c->text;
  double max_w = MIN (width - 40, 420);
  pango_layout_set_width (layout, (int) (max_w * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  int tw, th;
  text_size (layout, text, &tw, &th);
  double pad = 12, w = tw + 2 * pad, h = th + 2 * pad;
  ft_plot_rounded_rect (cr, (width - w) / 2, (height - h) / 2, w, h, 8);
  set_rgba (cr, &c->base, 1);
  cairo_fill_preserve (cr);
  set_rgba (cr, accent != NULL ? accent : &c->fg, accent != NULL ? 0.8 : 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  set_rgba (cr, &c->fg, 0.8);
  cairo_move_to (cr, (width - max_w) / 2, (height - h) / 2 + pad);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_width (layout, -1);
}

/* The matrix with its labels inside the box (x, y, w, h), centred; returns the bottom of the matrix. */
/* The samples of true class t (a row of the matrix). */
static long
row_total (const Result *r, int t)
{
  long total = 0;
  for (int p = 0; p < r->k; p++)
    total += r->matrix[t * r->k + p];
  return total;
}

/* How a matrix's cells show their numbers. */
typedef struct
{
  double cell;
  PangoLayout *num_layout;
  gboolean show_counts, show_share;
} Cells;

/* Cell (t, p) at (cx, cy): green on the diagonal, red off it, as strong as the share of the row; its count,
 * and in large cells that share under it. */
static void
draw_cell (cairo_t *cr, Ctx *c, const Result *r, const Cells *cs, int t, int p, long row_sum, double cx,
           double cy)
{
  int k = r->k;
  double cell = cs->cell;
  PangoLayout *num_layout = cs->num_layout;
  int count = r->matrix[t * k + p];
  double share = row_sum > 0 ? (double) count / row_sum : 0;
  GdkRGBA fill;
  if (count == 0)
    mix (&c->base, &c->fg, 0.035, &fill);
  else if (t == p)
    mix (&c->base, &green, 0.1 + 0.9 * share, &fill);
  else
    mix (&c->base, &red, 0.08 + 0.92 * MIN (1.0, share * 2.5), &fill);
  cairo_rectangle (cr, cx + 1, cy + 1, cell - 2, cell - 2);
  set_rgba (cr, &fill, 1);
  cairo_fill (cr);
  if (!cs->show_counts)
    return;
  char num[32];
  ft_format_thousands (num, sizeof num, (int64_t) count);
  double lum = 0.2126 * fill.red + 0.7152 * fill.green + 0.0722 * fill.blue;
  if (count == 0)
    set_rgba (cr, &c->fg, 0.3);
  else if (lum < 0.55)
    cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  else
    cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 0.9);
  int nw, nh;
  text_size (num_layout, num, &nw, &nh);
  if (nw > cell - 4)
    {
      /* Too wide for the cell: thousands as "12k". */
      g_snprintf (num, sizeof num, "%dk", (count + 500) / 1000);
      text_size (num_layout, num, &nw, &nh);
    }
  double ny = cy + (cell - nh) / 2;
  if (cs->show_share && count > 0)
    {
      char pct[32];
      g_snprintf (pct, sizeof pct, "%.0f %%", 100 * share);
      int pw, ph;
      text_size (c->small, pct, &pw, &ph);
      ny = cy + (cell - nh - ph) / 2;
      cairo_move_to (cr, cx + (cell - pw) / 2, ny + nh);
      cairo_save (cr);
      cairo_pattern_t *src = cairo_get_source (cr);
      double sr, sg, sb, sa;
      cairo_pattern_get_rgba (src, &sr, &sg, &sb, &sa);
      cairo_set_source_rgba (cr, sr, sg, sb, sa * 0.75);
      pango_cairo_show_layout (cr, c->small);
      cairo_restore (cr);
    }
  text_size (num_layout, num, &nw, &nh);
  cairo_move_to (cr, cx + (cell - nw) / 2, ny);
  pango_cairo_show_layout (cr, num_layout);
}

/* Per-class accuracy beside each row. */
static void
draw_row_accuracy (cairo_t *cr, Ctx *c, const Result *r, double mx, double my, double mw, double cell)
{
  int k = r->k;
  set_rgba (cr, &c->fg, 0.6);
  ft_view_show_text (cr, c->small, "acc.", mx + mw + 8, my - 4, 0, 1, NULL);
  for (int t = 0; t < k; t++)
    {
      long row_sum = row_total (r, t);
      char pct[32];
      if (row_sum > 0)
        g_snprintf (pct, sizeof pct, "%.0f %%", 100.0 * r->matrix[t * k + t] / row_sum);
      else
        g_snprintf (pct, sizeof pct, "—");
      set_rgba (cr, &c->fg, 0.8);
      ft_view_show_text (cr, c->small, pct, mx + mw + 8, my + (t + 0.5) * cell, 0, 0.5, NULL);
    }
}

/* Row labels (true class), right-aligned; column labels (predicted) at 45°; the axis titles. */
static void
draw_matrix_labels (cairo_t *cr, Ctx *c, const Result *r, double mx, double my, double mw, double cell,
                    int lw, int lh, double diag)
{
  int k = r->k;
  for (int i = 0; i < k; i++)
    {
      set_rgba (cr, &c->fg, 0.85);
      ft_view_show_text (cr, c->small, r->class_names[i], mx - 8, my + (i + 0.5) * cell, 1, 0.5, NULL);
      cairo_save (cr);
      cairo_translate (cr, mx + (i + 0.5) * cell, my - 5);
      cairo_rotate (cr, -G_PI / 4);
      int tw;
      text_size (c->small, r->class_names[i], &tw, &lh);
      cairo_move_to (cr, 0, -lh / 2.0);
      pango_cairo_show_layout (cr, c->small);
      cairo_restore (cr);
    }
  set_rgba (cr, &c->fg, 0.6);
  ft_view_show_text (cr, c->text, "Predicted class", mx + mw / 2, my - diag - 10, 0.5, 1, NULL);
  cairo_save (cr);
  cairo_translate (cr, mx - 8 - lw - 10, my + mw / 2);
  cairo_rotate (cr, -G_PI / 2);
  ft_view_show_text (cr, c->text, "True class", 0, 0, 0.5, 1, NULL);
  cairo_restore (cr);
}

static double
draw_matrix (FtConfusionView *self, cairo_t *cr, Ctx *c, const Result *r, double x, double y, double w,
             double h)
{
  int k = r->k;
  /* Room on the right for each row's accuracy (the share of the true class recognised). */
  int acc_w, acc_h;
  text_size (c->small, "100 %", &acc_w, &acc_h);
  w -= acc_w + 12;
  int lw = 0, lh = 0, th;
  for (int i = 0; i < k; i++)
    {
      int tw;
      text_size (c->small, r->class_names[i], &tw, &lh);
      lw = MAX (lw, tw);
    }
  text_size (c->text, "Predicted class", NULL, &th);
  /* Column labels rise at 45° from their column; they need this much height, and room on the right for
   * the last one. */
  double diag = lw * M_SQRT1_2 + lh * M_SQRT1_2;
  double left = th + 10 + lw + 8, top = th + 6 + diag + 4, right = MAX (lw * M_SQRT1_2 - 20, 8.0);
  double cell = floor (MIN ((w - left - right) / k, (h - top - 4) / k));
  cell = MIN (cell, 120);
  if (cell < 10)
    return y;
  double mw = cell * k;
  double mx = floor (x + left + (w - left - right - mw) / 2), my = floor (y + top + (h - top - 4 - mw) / 2);

  /* Cells: count, and in large cells the share of the row (of the true class' samples) under it. */
  PangoLayout *num_layout = cell >= 64 ? c->text : c->small;
  int count_w, count_h;
  text_size (num_layout, "0000", &count_w, &count_h);
  if (cell < count_w * 0.75 + 4)
    {
      /* Small cells: smaller figures rather than none. */
      num_layout = c->tiny;
      text_size (num_layout, "0000", &count_w, &count_h);
    }
  gboolean show_counts = cell >= MIN (count_w * 0.75 + 4, 16);
  gboolean show_share = cell >= 2.4 * count_h + 8;
  self->mx = 0;
  self->counts_shown = show_counts;
  Cells cs = { .cell = cell, .num_layout = num_layout, .show_counts = show_counts, .show_share = show_share };
  for (int t = 0; t < k; t++)
    {
      long row_sum = row_total (r, t);
      for (int p = 0; p < k; p++)
        draw_cell (cr, c, r, &cs, t, p, row_sum, mx + p * cell, my + t * cell);
    }
  cairo_rectangle (cr, mx + 0.5, my + 0.5, mw - 1, mw - 1);
  set_rgba (cr, &c->fg, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  /* The selected cell (its images are shown). */
  if (self->sel_true >= 0 && self->sel_true < k && self->sel_pred >= 0 && self->sel_pred < k)
    {
      cairo_rectangle (cr, mx + self->sel_pred * cell + 1.5, my + self->sel_true * cell + 1.5, cell - 3,
                       cell - 3);
      set_rgba (cr, &c->fg, 0.9);
      cairo_set_line_width (cr, 3);
      cairo_stroke (cr);
    }
  self->mx = mx;
  self->my = my;
  self->cell = cell;
  self->drawn_k = k;
  draw_row_accuracy (cr, c, r, mx, my, mw, cell);
  draw_matrix_labels (cr, c, r, mx, my, mw, cell, lw, lh, diag);
  return my + mw;
}

/* The grid of images: how many, in how many columns, how large. */
typedef struct
{
  double gap_x, gap_y, cap_gap, caption; /* caption: two lines of small text */
  int n, columns;
  double img, slot_w, scale;
} ImageGrid;

/* Which images: a clicked cell's (*in_cell its count, *cell TRUE), or the first misclassified of all.
 * Returns how many of the kept images, their indices in pick. */
static int
pick_images (FtConfusionView *self, const Result *r, int *pick, long *in_cell, bool *cell)
{
  int n_pick = 0;
  *in_cell = r->n_mis;
  *cell = self->sel_true >= 0 && self->sel_true < r->k && self->sel_pred >= 0 && self->sel_pred < r->k;
  if (*cell)
    *in_cell = r->matrix[self->sel_true * r->k + self->sel_pred];
  for (int i = 0; i < r->n_kept; i++)
    if (!*cell || (r->truth[i] == self->sel_true && r->predicted[i] == self->sel_pred))
      pick[n_pick++] = i;
  if (!*cell)
    n_pick = MIN (n_pick, r->n_shown);
  return n_pick;
}

/* As many images as fit at MIN_IMAGE px or more, in as many columns as the width allows: the column count
 * that gives the largest images; fewer images when even the best is too small. */
static void
fit_images (ImageGrid *g, int n_pick, double w, double h, int heading_h)
{
  int max_columns = CLAMP ((int) floor ((w + g->gap_x) / (MIN_IMAGE + g->gap_x)), 1, 12);
  int n = n_pick;
  g->columns = 1;
  g->img = g->slot_w = 0;
  while (n > 0)
    {
      double best = 0;
      for (int cols = 1; cols <= MIN (max_columns, n); cols++)
        {
          int rows = (n + cols - 1) / cols;
          double sw = floor ((w - g->gap_x * (cols - 1)) / cols);
          double avail_h = (h - (heading_h + 10) - g->gap_y * (rows - 1)) / rows - g->caption - g->cap_gap;
          double size = MIN (sw, avail_h);
          if (size > best)
            {
              best = size;
              g->columns = cols;
              g->slot_w = sw;
            }
        }
      g->img = best;
      if (g->img >= MIN_IMAGE * 2 || (g->img >= MIN_IMAGE && n <= max_columns))
        break;
      n -= MAX (1, g->columns); /* a row fewer */
    }
  g->n = MAX (n, 0);
}

/* The heading over the images; returns its height. */
static int
images_heading (FtConfusionView *self, cairo_t *cr, Ctx *c, const Result *r, double x, double y, double w,
                long in_cell, bool cell, int n)
{
  char a[32], heading[192];
  ft_format_thousands (a, sizeof a, (int64_t) in_cell);
  const char *sel_tn = cell ? r->class_names[self->sel_true] : NULL,
             *sel_pn = cell ? r->class_names[self->sel_pred] : NULL;
  if (cell && n < in_cell)
    g_snprintf (heading, sizeof heading, "%s taken for %s (%d of %s shown) — click the cell again for all",
                sel_tn, sel_pn, n, a);
  else if (cell)
    g_snprintf (heading, sizeof heading, "%s taken for %s (%s) — click the cell again for all", sel_tn,
                sel_pn, a);
  else if (r->n_mis > n)
    g_snprintf (heading, sizeof heading,
                "Misclassified test images (the first %d of %s; click a cell for its own)", n, a);
  else
    g_snprintf (heading, sizeof heading, "Misclassified test images (%s)", a);
  int hw, hh;
  pango_layout_set_width (c->text, (int) (w * PANGO_SCALE));
  pango_layout_set_ellipsize (c->text, PANGO_ELLIPSIZE_END);
  text_size (c->text, heading, &hw, &hh);
  set_rgba (cr, &c->fg, 0.6);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, c->text);
  pango_layout_set_ellipsize (c->text, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_width (c->text, -1);
  return hh;
}

/* The model's confidence in its wrong answer, as a badge in the image's top right corner. */
static void
draw_badge (cairo_t *cr, PangoLayout *cap, const GdkRGBA *wrong, float confidence, double ix, double iy,
            double iw, double slot_w, double gap_x)
{
  char pct[16];
  g_snprintf (pct, sizeof pct, "%.0f %%", 100.0 * confidence);
  int bw, bh;
  pango_layout_set_width (cap, -1);
  pango_layout_set_height (cap, -1);
  text_size (cap, pct, &bw, &bh);
  if (bw + 8 < iw * 0.8)
    {
      ft_plot_rounded_rect (cr, ix + iw - bw - 8, iy + 2, bw + 6, bh + 1, 3);
      cairo_set_source_rgba (cr, wrong->red * 0.75, wrong->green * 0.75, wrong->blue * 0.75, 0.88);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
      cairo_move_to (cr, ix + iw - bw - 5, iy + 2.5);
      pango_cairo_show_layout (cr, cap);
    }
  pango_layout_set_width (cap, (int) ((slot_w + gap_x - 2) * PANGO_SCALE));
  pango_layout_set_height (cap, -2);
}

/* Kept image i in its slot at (sx, sy): the pixels (converted through buf), a frame, the badge, and
 * "true → predicted" on two lines under it (the true class, then the arrow and the prediction in red), so
 * that a long name never splits. */
static void
draw_image (cairo_t *cr, Ctx *c, const Result *r, const ImageGrid *g, int i, guchar *buf, int stride,
            double sx, double sy, const char *red_hex)
{
  const uint8_t *p = r->pixels + (size_t) i * (size_t) r->rows * (size_t) r->cols;
  for (int yy = 0; yy < r->rows; yy++)
    {
      guint32 *row = (guint32 *) (buf + (size_t) yy * (size_t) stride);
      for (int xx = 0; xx < r->cols; xx++)
        {
          guint32 v = p[yy * r->cols + xx];
          row[xx] = 0xff000000u | v << 16 | v << 8 | v;
        }
    }
  cairo_surface_t *surface = cairo_image_surface_create_for_data (buf, CAIRO_FORMAT_RGB24, r->cols, r->rows,
                                                                  stride);
  double ix = floor (sx + (g->slot_w - r->cols * g->scale) / 2), iy = sy;
  double iw = r->cols * g->scale, ih = r->rows * g->scale;
  ft_view_paint_pixels (cr, surface, ix, iy, iw, ih, g->scale, 4);
  cairo_surface_finish (surface);
  cairo_surface_destroy (surface);
  ft_plot_rounded_rect (cr, ix + 0.5, iy + 0.5, iw - 1, ih - 1, 4);
  set_rgba (cr, &c->fg, 0.2);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  PangoLayout *cap = c->small;
  draw_badge (cr, cap, c->dark ? &red_dark : &red_light, r->confidence[i], ix, iy, iw, g->slot_w, g->gap_x);
  int t = r->truth[i], pr = r->predicted[i];
  const char *tn = t >= 0 && t < r->k ? r->class_names[t] : "?";
  const char *pn = pr >= 0 && pr < r->k ? r->class_names[pr] : "?";
  g_autofree char *te = g_markup_escape_text (tn, -1);
  g_autofree char *pe = g_markup_escape_text (pn, -1);
  g_autofree char *markup = g_strdup_printf ("%s\n→ <span foreground=\"%s\">%s</span>", te, red_hex, pe);
  pango_layout_set_markup (cap, markup, -1);
  set_rgba (cr, &c->fg, 0.85);
  cairo_move_to (cr, sx - (g->gap_x - 2) / 2, iy + ih + g->cap_gap);
  pango_cairo_show_layout (cr, cap);
}

/* The caption layout back to plain, one line, left-aligned; set_markup left attributes on it: give it back
 * its tabular figures. */
static void
caption_layout_reset (PangoLayout *cap)
{
  pango_layout_set_width (cap, -1);
  pango_layout_set_height (cap, -1);
  pango_layout_set_ellipsize (cap, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_alignment (cap, PANGO_ALIGN_LEFT);
  ft_plot_layout_set_tabular (cap);
}

/* The misclassified images inside (x, y, w, h): a heading, then rows of images with captions. */
static void
draw_images (FtConfusionView *self, cairo_t *cr, Ctx *c, const Result *r, double x, double y, double w,
             double h)
{
  int *pick = g_new (int, (size_t) MAX (r->n_kept, 1));
  long in_cell;
  bool cell;
  int n_pick = pick_images (self, r, pick, &in_cell, &cell);
  int cap_h0, hh0;
  text_size (c->small, "Ag", NULL, &cap_h0);
  text_size (c->text, "Ag", NULL, &hh0);
  ImageGrid g = { .gap_x = 10, .gap_y = 10, .cap_gap = 4, .caption = 2 * cap_h0 };
  fit_images (&g, n_pick, w, h, hh0);
  int n = g.n;
  self->images_drawn = n;
  double top = y + images_heading (self, cr, c, r, x, y, w, in_cell, cell, n) + 10;
  if (n == 0)
    {
      /* Never silently none: say why. */
      set_rgba (cr, &c->fg, 0.6);
      ft_view_show_text (cr, c->text,
                         n_pick == 0 ? "No images kept for this cell"
                                     : "Too little room for the images: make the window larger",
                         x + w / 2, top + 10, 0.5, 0, NULL);
      g_free (pick);
      return;
    }
  /* Whole multiples of the image's pixels look crisp. */
  int px = MAX (r->rows, r->cols);
  if (g.img >= px)
    g.img = floor (g.img / px) * px;
  g.scale = g.img / px;
  double grid_w = g.slot_w * g.columns + g.gap_x * (g.columns - 1);
  double gx = x + (w - grid_w) / 2;

  int stride = cairo_format_stride_for_width (CAIRO_FORMAT_RGB24, r->cols);
  guchar *buf = g_malloc ((size_t) stride * (size_t) r->rows);
  const GdkRGBA *wrong = c->dark ? &red_dark : &red_light;
  char *red_hex = g_strdup_printf ("#%02x%02x%02x", (int) (wrong->red * 255), (int) (wrong->green * 255),
                                   (int) (wrong->blue * 255));
  PangoLayout *cap = c->small;
  pango_layout_set_alignment (cap, PANGO_ALIGN_CENTER);
  pango_layout_set_ellipsize (cap, PANGO_ELLIPSIZE_END);
  pango_layout_set_width (cap, (int) ((g.slot_w + g.gap_x - 2) * PANGO_SCALE));
  pango_layout_set_height (cap, -2); /* at most two lines */
  for (int j = 0; j < n; j++)
    draw_image (cr, c, r, &g, pick[j], buf, stride, gx + (j % g.columns) * (g.slot_w + g.gap_x),
                top + (j / g.columns) * (g.img + g.cap_gap + g.caption + g.gap_y), red_hex);
  caption_layout_reset (cap);
  g_free (red_hex);
  g_free (buf);
  g_free (pick);
}

/* The heading: the accuracy, how many of how many, and "updating…" while a computation runs; returns its
 * height. */
static int
draw_heading (FtConfusionView *self, cairo_t *cr, Ctx *c, const Result *r, double width, double pad)
{
  char a[32], b[32];
  ft_format_thousands (a, sizeof a, (int64_t) r->n_correct);
  ft_format_thousands (b, sizeof b, (int64_t) r->n_test);
  g_autofree char *head = g_strdup_printf ("Test accuracy %.1f %%",
                                           r->n_test > 0 ? 100.0 * r->n_correct / r->n_test : 0.0);
  g_autofree char *sub = g_strdup_printf ("%s of %s test samples of %s classified correctly", a, b,
                                          r->dataset_name);
  int hw, hh, sw, sh;
  text_size (c->title, head, &hw, &hh);
  set_rgba (cr, &c->fg, 0.9);
  cairo_move_to (cr, pad, pad);
  pango_cairo_show_layout (cr, c->title);
  text_size (c->text, sub, &sw, &sh);
  set_rgba (cr, &c->fg, 0.6);
  cairo_move_to (cr, pad + hw + 12, pad + (hh - sh) * 0.75);
  pango_cairo_show_layout (cr, c->text);
  if (self->running > 0)
    {
      set_rgba (cr, &c->fg, 0.45);
      ft_view_show_text (cr, c->text, "updating…", width - pad, pad + (hh - sh) * 0.75, 1, 0, NULL);
    }
  return hh;
}

/* A result: the heading, then the matrix and the images side by side (wide), one above the other, or the
 * matrix alone with the count of mistakes (no images: 2-D or tabular data). */
static void
draw_result (FtConfusionView *self, cairo_t *cr, Ctx *c, const Result *r, double width, double height)
{
  double pad = 16;
  int hh = draw_heading (self, cr, c, r, width, pad);
  double top = pad + hh + 14, bottom = height - pad;
  self->images_drawn = 0;
  if (r->n_shown > 0 && width >= 640)
    {
      /* Side by side: the matrix left, the images right. */
      double split = floor (MIN (width * 0.48, MAX (bottom - top + 60, width * 0.38)));
      draw_matrix (self, cr, c, r, pad, top, split - pad, bottom - top);
      set_rgba (cr, &c->fg, 0.1);
      cairo_rectangle (cr, split + 12, top, 1, bottom - top);
      cairo_fill (cr);
      draw_images (self, cr, c, r, split + 30, top, width - split - 30 - pad, bottom - top);
    }
  else if (r->n_shown > 0)
    {
      double mh = floor ((bottom - top) * 0.55);
      draw_matrix (self, cr, c, r, pad, top, width - 2 * pad, mh);
      draw_images (self, cr, c, r, pad, top + mh + 16, width - 2 * pad, bottom - top - mh - 16);
    }
  else
    {
      /* No images (2-D or tabular data): the matrix alone, and how many mistakes under it. */
      int lh;
      text_size (c->text, "Ag", NULL, &lh);
      double end = draw_matrix (self, cr, c, r, pad, top, width - 2 * pad, bottom - top - lh - 12);
      char m[32];
      ft_format_thousands (m, sizeof m, (int64_t) r->n_mis);
      g_autofree char *note = g_strdup_printf (
          r->n_mis == 1 ? "%s test sample misclassified" : "%s test samples misclassified", m);
      set_rgba (cr, &c->fg, 0.6);
      ft_view_show_text (cr, c->text, note, width / 2, end + 12, 0.5, 0, NULL);
    }
}

void
ft_confusion_view_draw (GtkWidget *widget, cairo_t *cr, double width, double height)
{
  FtConfusionView *self = FT_CONFUSION_VIEW (widget);
  Ctx c = { .widget = widget };
  ft_view_theme_colours (widget, &c.fg, &c.base);
  c.dark = ft_view_is_dark (&c.fg);
  c.text = ft_view_scaled_layout (widget, 1.0, FALSE, TRUE);
  c.small = ft_view_scaled_layout (widget, 0.85, FALSE, TRUE);
  c.tiny = ft_view_scaled_layout (widget, 0.7, FALSE, TRUE);
  c.title = ft_view_scaled_layout (widget, 1.15, TRUE, TRUE);

  const Result *r = self->result;
  if (self->error != NULL)
    {
      GdkRGBA accent = c.dark ? red_dark : red_light;
      g_autofree char *text = g_strdup_printf ("Could not compute the confusion matrix: %s", self->error);
      message (cr, &c, text, width, height, &accent);
    }
  else if (r == NULL)
    message (cr, &c,
             self->running > 0
                 ? "Computing the confusion matrix…"
                 : "The confusion matrix appears here once the model is evaluated on the test data.",
             width, height, NULL);
  else if (r->k > MAX_CLASSES)
    message (cr, &c, "Too many classes to draw a confusion matrix.", width, height, NULL);
  else
    {
      draw_result (self, cr, &c, r, width, height);
    }
  g_object_unref (c.text);
  g_object_unref (c.small);
  g_object_unref (c.tiny);
  g_object_unref (c.title);
}
