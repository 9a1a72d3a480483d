/* test-plot.c — the plot model, the renderer and the exporter, with no display: charts are drawn into
 * cairo image, SVG and PDF surfaces and checked for structure (colours where lines must be, dashes,
 * legend, log scale), not against golden images. */
#include "plot/ft-plot-difference.h"
#include "plot/ft-plot-export.h"
#include "plot/ft-plot-marks.h"
#include "plot/ft-plot-model.h"
#include "plot/ft-plot-render.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* Okabe–Ito blue and vermillion: colour indices 0 and 1 on a light background. */
static const guint32 BLUE = 0x0072B2, VERMILLION = 0xD55E00;

/* A plausible Fashion-MNIST run: loss falls from ~2.3, accuracy rises, validation a little worse. Running
 * means are computed from the raw batch losses as Keras does (reset every epoch). */
static void
feed_run (FtPlotModel *model, int run, int epochs, int steps, guint32 seed, double offset, bool with_val)
{
  GRand *rand = g_rand_new_with_seed (seed);
  const int batch_size = 128;
  gint64 samples = 0;
  for (int e = 0; e < epochs; e++)
    {
      double sum_loss = 0, sum_acc = 0;
      FtLogs logs;
      for (int b = 0; b < steps; b++)
        {
          double t = e + (b + 1.0) / steps;
          double loss = 0.32 + 1.95 * exp (-2.2 * t) + offset + g_rand_double_range (rand, -0.12, 0.12);
          double acc = 0.89 - 0.78 * exp (-2.5 * t) - offset * 0.3 + g_rand_double_range (rand, -0.04, 0.04);
          sum_loss += loss;
          sum_acc += acc;
          samples += batch_size;
          ft_logs_clear (&logs);
          ft_logs_set (&logs, "loss", sum_loss / (b + 1));
          ft_logs_set (&logs, "accuracy", sum_acc / (b + 1));
          ft_plot_model_add_batch (model, run, e, b, steps, samples, (float) loss, &logs);
        }
      ft_logs_clear (&logs);
      ft_logs_set (&logs, "loss", sum_loss / steps);
      ft_logs_set (&logs, "accuracy", sum_acc / steps);
      if (with_val)
        {
          ft_logs_set (&logs, "val_loss", sum_loss / steps + 0.05 + 0.02 * e);
          ft_logs_set (&logs, "val_accuracy", sum_acc / steps - 0.02 - 0.004 * e);
        }
      ft_plot_model_add_epoch (model, run, e, samples, &logs);
    }
  g_rand_free (rand);
}

static cairo_surface_t *
render (const FtPlotModel *model, FtPlotMetric metric, int w, int h, const FtPlotStyle *style,
        const FtPlotViewport *vp, FtPlotGeometry *geometry)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  ft_plot_render_full (cr, w, h, model, metric, style, vp, geometry);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  if (x < 0 || y < 0 || x >= w || y >= h)
    return 0xffffff;
  const guint32 *row = (const guint32 *) (void *) (cairo_image_surface_get_data (s)
                                                   + y * cairo_image_surface_get_stride (s));
  return row[x] & 0xffffff; /* opaque: premultiplication does not matter */
}

static double
color_distance (guint32 a, guint32 b)
{
  double dr = (double) ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
  double dg = (double) ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
  double db = (double) (a & 0xff) - (b & 0xff);
  return sqrt (dr * dr + dg * dg + db * db);
}

static bool
near_color (guint32 px, guint32 want, double tolerance)
{
  return color_distance (px, want) <= tolerance;
}

/* Pixels of (nearly) the colour in a rectangle. */
static int
count_color (cairo_surface_t *s, guint32 want, double tolerance, int x0, int y0, int x1, int y1)
{
  int n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      if (near_color (pixel (s, x, y), want, tolerance))
        n++;
  return n;
}

/* Whether the colour is within r pixels of (x, y). */
static bool
color_near_point (cairo_surface_t *s, guint32 want, double tolerance, double x, double y, int r)
{
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      if (near_color (pixel (s, (int) round (x) + dx, (int) round (y) + dy), want, tolerance))
        return true;
  return false;
}

static void
test_model_bookkeeping (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  guint64 serial = ft_plot_model_get_serial (m);
  int fit = ft_plot_model_add_run (m, "fit", 0);
  int tape = ft_plot_model_add_run (m, "tape", 1);
  g_assert_cmpint (fit, >, 0);
  g_assert_cmpint (tape, !=, fit);
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  g_assert_cmpint (ft_plot_model_get_n_runs (m), ==, 2);
  g_assert_cmpint (ft_plot_model_get_run_id (m, 1), ==, tape);
  g_assert_cmpint (ft_plot_model_get_run_index (m, tape), ==, 1);
  g_assert_cmpstr (ft_plot_model_get_run_name (m, fit), ==, "fit");
  g_assert_cmpint (ft_plot_model_get_run_colour (m, tape), ==, 1);
  g_assert_null (ft_plot_model_get_metric_key (m, fit));

  feed_run (m, fit, 3, 10, 1, 0, true);
  g_assert_cmpint (ft_plot_model_get_n_batches (m, fit), ==, 30);
  g_assert_cmpint (ft_plot_model_get_n_epochs (m, fit), ==, 3);
  g_assert_cmpint (ft_plot_model_get_n_batches (m, tape), ==, 0);
  g_assert_cmpstr (ft_plot_model_get_metric_key (m, fit), ==, "accuracy");
  g_assert_cmpstr (ft_plot_model_get_any_metric_key (m), ==, "accuracy");

  /* The per-batch series: global step, epoch + fraction, samples, raw and running loss. */
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, fit);
  g_assert_cmpfloat (b[0].step, ==, 1);
  g_assert_cmpfloat (b[12].step, ==, 13);
  g_assert_cmpfloat_with_epsilon (b[12].epoch, 1.3, 1e-12);
  g_assert_cmpfloat (b[12].samples, ==, 13 * 128);
  g_assert_cmpfloat (b[0].loss, ==, b[0].batch_loss);
  g_assert_true (isfinite (b[12].metric));
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, fit);
  g_assert_cmpint (e[2].epoch, ==, 2);
  g_assert_cmpfloat (e[2].step, ==, 30);
  double v;
  g_assert_true (ft_logs_get (&e[2].logs, "val_loss", &v));
  /* The epoch's loss is the running mean at its last batch, as in Keras. */
  g_assert_true (ft_logs_get (&e[2].logs, "loss", &v));
  g_assert_cmpfloat_with_epsilon (v, b[29].loss, 1e-6);

  /* Lookups along x. */
  g_assert_cmpint (ft_plot_model_find_batch (m, fit, FT_PLOT_X_STEP, 13.2), ==, 12);
  g_assert_cmpint (ft_plot_model_find_batch (m, fit, FT_PLOT_X_EPOCH, 100), ==, 29);
  g_assert_cmpint (ft_plot_model_find_batch (m, tape, FT_PLOT_X_EPOCH, 1), ==, -1);
  g_assert_cmpint (ft_plot_model_find_epoch (m, fit, FT_PLOT_X_EPOCH, 0.5), ==, -1);
  g_assert_cmpint (ft_plot_model_find_epoch (m, fit, FT_PLOT_X_EPOCH, 2.0), ==, 1);
  g_assert_cmpint (ft_plot_model_find_epoch (m, fit, FT_PLOT_X_SAMPLES, 1e9), ==, 2);
  double lo, hi;
  g_assert_true (ft_plot_model_get_x_extent (m, FT_PLOT_X_EPOCH, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 3);
  g_assert_true (ft_plot_model_get_x_extent (m, FT_PLOT_X_SAMPLES, &lo, &hi));
  g_assert_cmpfloat (hi, ==, 30 * 128);

  /* A deep copy: same ids and data, independent afterwards. */
  FtPlotModel *copy = ft_plot_model_copy (m);
  g_assert_cmpuint (ft_plot_model_get_serial (copy), ==, ft_plot_model_get_serial (m));
  g_assert_cmpint (ft_plot_model_get_n_runs (copy), ==, 2);
  g_assert_cmpint (ft_plot_model_get_n_batches (copy, fit), ==, 30);
  g_assert_cmpstr (ft_plot_model_get_metric_key (copy, fit), ==, "accuracy");
  g_assert_cmpmem (ft_plot_model_get_epochs (copy, fit), 3 * sizeof (FtPlotEpochPoint), e,
                   3 * sizeof (FtPlotEpochPoint));
  g_assert_true (ft_plot_model_get_batches (copy, fit) != b);
  ft_plot_model_clear (copy);
  g_assert_cmpint (ft_plot_model_get_n_batches (m, fit), ==, 30);
  g_assert_cmpint (ft_plot_model_add_run (copy, "next", 0), ==, ft_plot_model_add_run (m, "next", 0));
  ft_plot_model_remove_run (m, ft_plot_model_get_run_id (m, 2));
  ft_plot_model_free (copy);

  /* Visibility, pairs, removal, clearing. */
  serial = ft_plot_model_get_serial (m);
  ft_plot_model_set_run_visible (m, fit, false);
  g_assert_false (ft_plot_model_get_run_visible (m, fit));
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  g_assert_false (ft_plot_model_get_x_extent (m, FT_PLOT_X_EPOCH, NULL, NULL));
  ft_plot_model_set_run_visible (m, fit, true);
  ft_plot_model_set_pair (m, fit, tape);
  g_assert_cmpint (ft_plot_model_get_pair (m, fit), ==, tape);
  g_assert_cmpint (ft_plot_model_get_pair (m, tape), ==, fit);
  ft_plot_model_clear_run (m, fit);
  g_assert_cmpint (ft_plot_model_get_n_batches (m, fit), ==, 0);
  g_assert_cmpint (ft_plot_model_get_n_epochs (m, fit), ==, 0);
  ft_plot_model_remove_run (m, tape);
  g_assert_cmpint (ft_plot_model_get_n_runs (m), ==, 1);
  g_assert_cmpint (ft_plot_model_get_pair (m, fit), ==, 0);
  g_assert_cmpint (ft_plot_model_get_n_batches (m, tape), ==, 0);
  g_assert_null (ft_plot_model_get_batches (m, tape));
  int third = ft_plot_model_add_run (m, "again", 2);
  g_assert_cmpint (third, >, tape); /* ids are never reused */
  ft_plot_model_clear (m);
  g_assert_cmpint (ft_plot_model_get_n_runs (m), ==, 0);
  ft_plot_model_free (m);

  /* A resumed run starts its axis where it resumed; a regression metric is found too. */
  m = ft_plot_model_new ();
  int r = ft_plot_model_add_run (m, "resumed", 0);
  FtLogs logs;
  ft_logs_clear (&logs);
  ft_logs_set (&logs, "loss", 0.5);
  ft_logs_set (&logs, "mean_absolute_error", 0.4);
  ft_plot_model_add_batch (m, r, 3, 0, 4, 1000, 0.5f, &logs);
  g_assert_cmpstr (ft_plot_model_get_metric_key (m, r), ==, "mean_absolute_error");
  g_assert_true (ft_plot_model_get_x_extent (m, FT_PLOT_X_EPOCH, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 3);
  g_assert_true (ft_plot_model_get_x_extent (m, FT_PLOT_X_STEP, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 12);
  g_assert_cmpfloat (hi, ==, 13);
  ft_plot_model_free (m);
}

static void
test_training_line (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 5, 60, 7, 0, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &g);
  g_assert_true (g.has_data);
  g_assert_cmpfloat (g.plot_width, >, 500);
  g_assert_cmpfloat (g.plot_height, >, 300);
  g_assert_cmpfloat (g.x_min, ==, 0);
  g_assert_cmpfloat (g.x_max, >=, 5);
  /* Background white at the corner, plenty of the run's colour inside the plot area. */
  g_assert_cmphex (pixel (s, 2, 2), ==, 0xffffff);
  int n = count_color (s, BLUE, 40, (int) g.plot_x, (int) g.plot_y, (int) (g.plot_x + g.plot_width),
                       (int) (g.plot_y + g.plot_height));
  g_test_message ("%d pixels of the run's colour", n);
  g_assert_cmpint (n, >, 300);
  /* Every epoch marker is where the geometry says. */
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, run);
  for (int i = 0; i < 5; i++)
    {
      double loss;
      g_assert_true (ft_logs_get (&e[i].logs, "loss", &loss));
      double px = ft_plot_geometry_x_to_pixel (&g, i + 1), py = ft_plot_geometry_y_to_pixel (&g, loss);
      g_assert_true (color_near_point (s, BLUE, 40, px, py, 2));
    }
  /* The accuracy chart spans 0–1 and has its own points. */
  cairo_surface_destroy (s);
  s = render (m, FT_PLOT_ACCURACY, 800, 500, &style, NULL, &g);
  g_assert_cmpfloat (g.y_min, <=, 0);
  g_assert_cmpfloat (g.y_max, >=, 1);
  double acc;
  g_assert_true (ft_logs_get (&e[4].logs, "accuracy", &acc));
  g_assert_true (color_near_point (s, BLUE, 40, ft_plot_geometry_x_to_pixel (&g, 5),
                                   ft_plot_geometry_y_to_pixel (&g, acc), 2));
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

/* Samples the middle of the segment between two epoch points of a key: how many samples show the colour
 * (within a pixel across the line) and how many show none. */
static void
sample_segment (cairo_surface_t *s, const FtPlotGeometry *g, const FtPlotEpochPoint *e, int i,
                const char *key, guint32 color, int *on, int *off)
{
  double a, b;
  g_assert_true (ft_logs_get (&e[i].logs, key, &a));
  g_assert_true (ft_logs_get (&e[i + 1].logs, key, &b));
  double x0 = ft_plot_geometry_x_to_pixel (g, e[i].epoch + 1), y0 = ft_plot_geometry_y_to_pixel (g, a);
  double x1 = ft_plot_geometry_x_to_pixel (g, e[i + 1].epoch + 1), y1 = ft_plot_geometry_y_to_pixel (g, b);
  *on = *off = 0;
  for (int k = 0; k <= 100; k++)
    {
      double t = 0.15 + 0.7 * k / 100.0;
      if (color_near_point (s, color, 60, x0 + t * (x1 - x0), y0 + t * (y1 - y0), 1))
        (*on)++;
      else
        (*off)++;
    }
}

static void
test_validation_dashed (void)
{
  /* Epoch points only, far apart in value, so that the two lines do not touch. */
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  for (int i = 0; i < 4; i++)
    {
      FtLogs logs;
      ft_logs_clear (&logs);
      ft_logs_set (&logs, "loss", 1.0 - 0.1 * i);
      ft_logs_set (&logs, "val_loss", 2.0 - 0.1 * i);
      ft_plot_model_add_epoch (m, run, i, (i + 1) * 1000, &logs);
    }
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 900, 500, &style, NULL, &g);
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, run);
  int on, off;
  sample_segment (s, &g, e, 1, "loss", BLUE, &on, &off);
  g_test_message ("training: %d on, %d off", on, off);
  g_assert_cmpint (off, ==, 0); /* solid */
  sample_segment (s, &g, e, 1, "val_loss", BLUE, &on, &off);
  g_test_message ("validation: %d on, %d off", on, off);
  g_assert_cmpint (on, >, 20); /* dashed: both dashes and gaps */
  g_assert_cmpint (off, >, 10);
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

static void
test_legend (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, fit, 3, 40, 3, 0, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 900, 520, &style, NULL, &g);
  int header_blue = count_color (s, BLUE, 40, 0, 0, 900, (int) g.plot_y - 2);
  int header_red = count_color (s, VERMILLION, 40, 0, 0, 900, (int) g.plot_y - 2);
  g_assert_cmpint (header_blue, >, 20); /* the run's legend sample */
  g_assert_cmpint (header_red, ==, 0);
  cairo_surface_destroy (s);

  int tape = ft_plot_model_add_run (m, "tape", 1);
  feed_run (m, tape, 3, 40, 4, 0.1, true);
  s = render (m, FT_PLOT_LOSS, 900, 520, &style, NULL, &g);
  header_blue = count_color (s, BLUE, 40, 0, 0, 900, (int) g.plot_y - 2);
  header_red = count_color (s, VERMILLION, 40, 0, 0, 900, (int) g.plot_y - 2);
  g_test_message ("legend: %d blue, %d vermillion pixels", header_blue, header_red);
  g_assert_cmpint (header_blue, >, 20);
  g_assert_cmpint (header_red, >, 20);
  /* Both runs' data in the plot. */
  g_assert_cmpint (count_color (s, VERMILLION, 40, (int) g.plot_x, (int) g.plot_y,
                                (int) (g.plot_x + g.plot_width), (int) (g.plot_y + g.plot_height)),
                   >, 200);
  cairo_surface_destroy (s);

  /* A hidden run disappears from the legend and the plot. */
  ft_plot_model_set_run_visible (m, tape, false);
  s = render (m, FT_PLOT_LOSS, 900, 520, &style, NULL, &g);
  g_assert_cmpint (count_color (s, VERMILLION, 40, 0, 0, 900, 520), ==, 0);
  cairo_surface_destroy (s);

  /* Narrow: the legend goes below the title and still shows both runs. */
  ft_plot_model_set_run_visible (m, tape, true);
  s = render (m, FT_PLOT_LOSS, 330, 420, &style, NULL, &g);
  g_assert_cmpint (count_color (s, VERMILLION, 40, 0, 0, 330, (int) g.plot_y - 2), >, 10);
  g_assert_cmpfloat (g.plot_height, >, 150);
  cairo_surface_destroy (s);
  /* Never more than one line: more runs with long names put the plot area where one run whose legend has to
   * go below the title puts it. */
  FtPlotModel *one = ft_plot_model_new ();
  int lone = ft_plot_model_add_run (one, "a run with a name far too long to stand beside the title", 0);
  feed_run (one, lone, 3, 40, 3, 0, true);
  s = render (one, FT_PLOT_LOSS, 330, 420, &style, NULL, &g);
  double one_line_top = g.plot_y;
  cairo_surface_destroy (s);
  ft_plot_model_free (one);
  for (int i = 0; i < 3; i++)
    {
      int extra = ft_plot_model_add_run (m, "tape − shuffle − validation (an altered loop)", 1);
      feed_run (m, extra, 3, 40, 5 + i, 0.05 * (i + 1), true);
    }
  s = render (m, FT_PLOT_LOSS, 330, 420, &style, NULL, &g);
  g_assert_cmpfloat (g.plot_y, ==, one_line_top);
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

static void
test_log_y (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 6, 50, 11, 0, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry lin, lg;
  cairo_surface_t *a = render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &lin);
  style.log_y = true;
  cairo_surface_t *b = render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &lg);
  g_assert_false (lin.log_y);
  g_assert_true (lg.log_y);
  g_assert_cmpfloat (lg.y_min, >, 0);
  /* A value in the middle of the range lands elsewhere on a log scale … */
  double mid = sqrt (lg.y_min * lg.y_max);
  double y_lin = ft_plot_geometry_y_to_pixel (&lin, mid), y_log = ft_plot_geometry_y_to_pixel (&lg, mid);
  g_test_message ("%.3f at y = %.1f (linear), %.1f (log)", mid, y_lin, y_log);
  g_assert_cmpfloat (fabs (y_lin - y_log), >, 10);
  g_assert_cmpfloat (fabs (y_log - (lg.plot_y + lg.plot_height / 2)), <, 1.0);
  /* … and the drawn markers follow: each where its geometry puts it. */
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, run);
  int moved = 0;
  for (int i = 0; i < 6; i++)
    {
      double loss;
      ft_logs_get (&e[i].logs, "loss", &loss);
      double px = ft_plot_geometry_x_to_pixel (&lg, i + 1);
      g_assert_true (color_near_point (b, BLUE, 40, px, ft_plot_geometry_y_to_pixel (&lg, loss), 2));
      if (fabs (ft_plot_geometry_y_to_pixel (&lg, loss) - ft_plot_geometry_y_to_pixel (&lin, loss)) > 3)
        moved++;
    }
  g_assert_cmpint (moved, >=, 3);
  /* Round trip through the geometry. */
  g_assert_cmpfloat_with_epsilon (ft_plot_geometry_pixel_to_y (&lg, ft_plot_geometry_y_to_pixel (&lg, 0.7)),
                                  0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (ft_plot_geometry_pixel_to_x (&lg, ft_plot_geometry_x_to_pixel (&lg, 2.5)),
                                  2.5, 1e-9);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  ft_plot_model_free (m);
}

static void
test_x_axes_and_viewport (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 4, 50, 5, 0, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  style.x_axis = FT_PLOT_X_STEP;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &g));
  g_assert_cmpfloat (g.x_min, ==, 0);
  g_assert_cmpfloat (g.x_max, >=, 200);
  style.x_axis = FT_PLOT_X_SAMPLES;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &g));
  g_assert_cmpfloat (g.x_max, >=, 200 * 128);

  /* A zoomed x range is kept; the automatic y range fits what is visible there. */
  style.x_axis = FT_PLOT_X_EPOCH;
  FtPlotViewport vp;
  ft_plot_viewport_init (&vp);
  FtPlotGeometry full;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 800, 500, &style, &vp, &full));
  vp.x_auto = false;
  vp.x_min = 3.0;
  vp.x_max = 4.0;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 800, 500, &style, &vp, &g));
  g_assert_cmpfloat (g.x_min, ==, 3.0);
  g_assert_cmpfloat (g.x_max, ==, 4.0);
  g_assert_cmpfloat (g.y_max - g.y_min, <, (full.y_max - full.y_min) / 2);
  vp.y_auto = false;
  vp.y_min = 0.25;
  vp.y_max = 0.75;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 800, 500, &style, &vp, &g));
  g_assert_cmpfloat (g.y_min, ==, 0.25);
  g_assert_cmpfloat (g.y_max, ==, 0.75);
  ft_plot_model_free (m);
}

static void
test_hover_and_describe (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0);
  int tape = ft_plot_model_add_run (m, "tape", 1);
  feed_run (m, fit, 3, 40, 9, 0, true);
  feed_run (m, tape, 3, 40, 9, 0, true); /* identical, as fit and tape should be */
  ft_plot_model_set_pair (m, fit, tape);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotViewport vp;
  ft_plot_viewport_init (&vp);
  FtPlotGeometry g;
  cairo_surface_t *plain = render (m, FT_PLOT_LOSS, 800, 500, &style, &vp, &g);
  vp.has_hover = true;
  vp.hover_x = 1.5;
  cairo_surface_t *hover = render (m, FT_PLOT_LOSS, 800, 500, &style, &vp, &g);
  /* The hover line: a grey column at hover x that was not there before. */
  int hx = (int) ft_plot_geometry_x_to_pixel (&g, 1.5);
  int changed = 0;
  for (int y = (int) g.plot_y; y < (int) (g.plot_y + g.plot_height); y++)
    if (pixel (plain, hx, y) != pixel (hover, hx, y))
      changed++;
  g_assert_cmpint (changed, >, g.plot_height / 3);
  /* Identical paired runs both stay visible: the second is a narrow core over the first. */
  g_assert_cmpint (count_color (plain, BLUE, 40, 0, (int) g.plot_y, 800, 500), >, 100);
  g_assert_cmpint (count_color (plain, VERMILLION, 40, 0, (int) g.plot_y, 800, 500), >, 100);
  cairo_surface_destroy (plain);
  cairo_surface_destroy (hover);

  char *text = ft_plot_describe (m, FT_PLOT_LOSS);
  g_test_message ("%s", text);
  double loss;
  ft_logs_get (&ft_plot_model_get_epochs (m, fit)[2].logs, "loss", &loss);
  char buf[64];
  ft_plot_format_value (buf, sizeof buf, loss);
  g_assert_nonnull (strstr (text, "Loss plot"));
  g_assert_nonnull (strstr (text, "fit: after epoch 3"));
  g_assert_nonnull (strstr (text, buf));
  g_assert_nonnull (strstr (text, "val_loss"));
  g_free (text);
  text = ft_plot_describe (m, FT_PLOT_ACCURACY);
  g_assert_nonnull (strstr (text, "accuracy"));
  g_free (text);
  ft_plot_model_free (m);
}

static void
test_envelope_speed (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  int tape = ft_plot_model_add_run (m, "tape", 1);
  feed_run (m, run, 20, 5000, 13, 0, true); /* 100 000 per-batch points */
  g_assert_cmpint (ft_plot_model_get_n_batches (m, run), ==, 100000);
  feed_run (m, tape, 20, 5000, 14, 0.05, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1200, 600);
  cairo_t *cr = cairo_create (s);
  double best[3] = { INFINITY, INFINITY, INFINITY };
  for (int variant = 0; variant < 3; variant++)
    {
      style.show_raw_loss = variant == 1;
      style.log_y = variant == 2;
      for (int rep = 0; rep < 5; rep++)
        {
          gint64 t0 = g_get_monotonic_time ();
          ft_plot_render (cr, 1200, 600, m, FT_PLOT_LOSS, &style, NULL);
          best[variant] = MIN (best[variant], (g_get_monotonic_time () - t0) / 1000.0);
        }
    }
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  g_test_message ("2 runs × 100 000 per-batch points, 1200×600: %.2f ms running mean, %.2f ms raw loss, "
                  "%.2f ms log y (best of 5)",
                  best[0], best[1], best[2]);
  /* Something was drawn in both colours. */
  cairo_surface_flush (s);
  g_assert_cmpint (count_color (s, BLUE, 60, 0, 0, 1200, 600), >, 100);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

static void
test_styles_and_empty (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  /* Nothing yet: axes and a message, no crash. */
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 400, 300, &style, NULL, &g));
  g_assert_false (g.has_data);
  cairo_surface_destroy (render (m, FT_PLOT_BOTH, 800, 300, &style, NULL, &g));
  /* A loss without a metric: the accuracy chart says so. */
  int run = ft_plot_model_add_run (m, "fit", 0);
  FtLogs logs;
  ft_logs_clear (&logs);
  ft_logs_set (&logs, "loss", 0.9);
  ft_plot_model_add_epoch (m, run, 0, 100, &logs);
  cairo_surface_destroy (render (m, FT_PLOT_ACCURACY, 400, 300, &style, NULL, &g));
  g_assert_false (g.has_data);
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 400, 300, &style, NULL, &g));
  g_assert_true (g.has_data);
  /* Degenerate sizes draw nothing and do not crash. */
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 1, 1, &style, NULL, &g));
  ft_plot_model_free (m);

  m = ft_plot_model_new ();
  run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 3, 30, 2, 0, true);
  /* Dark: a dark background. Presentation: thicker lines, so more of the run's colour. */
  style.dark = true;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 600, 400, &style, NULL, &g);
  guint32 bg = pixel (s, 1, 1);
  g_assert_cmpint ((bg >> 16) & 0xff, <, 64);
  cairo_surface_destroy (s);
  style.dark = false;
  s = render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &g);
  int normal = count_color (s, BLUE, 40, 0, 0, 800, 500);
  cairo_surface_destroy (s);
  ft_plot_style_set_presentation (&style, true);
  s = render (m, FT_PLOT_LOSS, 800, 500, &style, NULL, &g);
  int presentation = count_color (s, BLUE, 40, 0, 0, 800, 500);
  cairo_surface_destroy (s);
  g_test_message ("run colour: %d pixels normal, %d presentation", normal, presentation);
  g_assert_cmpint (presentation, >, normal * 3 / 2);
  /* Theme colours override. */
  ft_plot_style_init (&style);
  style.has_colors = true;
  style.bg = (FtPlotColor){ 0.2, 0.3, 0.4, 1 };
  style.fg = (FtPlotColor){ 1, 1, 1, 1 };
  s = render (m, FT_PLOT_LOSS, 300, 200, &style, NULL, &g);
  g_assert_true (near_color (pixel (s, 1, 1), 0x334d66, 3));
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

static char *
read_all (const char *path, gsize *len)
{
  char *data = NULL;
  GError *error = NULL;
  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return data;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static int
count_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  int n = 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p);
      g_free (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static void
test_export (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0);
  int tape = ft_plot_model_add_run (m, "tape", 1);
  feed_run (m, fit, 5, 100, 21, 0, true);
  feed_run (m, tape, 5, 100, 22, 0.04, true);
  ft_plot_model_set_pair (m, fit, tape);
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("fittape-plot-XXXXXX", &error);
  g_assert_no_error (error);
  FtPlotStyle style;
  ft_plot_style_init (&style);

  /* PNG: magic bytes and 2× the size asked for. */
  char *png = g_build_filename (dir, "loss.png", NULL);
  g_assert_true (ft_plot_export (m, FT_PLOT_LOSS, png, 640, 400, &style, &error));
  g_assert_no_error (error);
  gsize len;
  char *data = read_all (png, &len);
  g_assert_cmpuint (len, >, 33);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpuint (be32 ((const guint8 *) data + 16), ==, 640 * FT_PLOT_PNG_SCALE);
  g_assert_cmpuint (be32 ((const guint8 *) data + 20), ==, 400 * FT_PLOT_PNG_SCALE);
  g_free (data);
  /* Decodes, and shows the runs. */
  cairo_surface_t *img = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (count_color (img, BLUE, 40, 0, 0, 1280, 800), >, 1000);
  g_assert_cmpint (count_color (img, VERMILLION, 40, 0, 0, 1280, 800), >, 1000);
  cairo_surface_destroy (img);

  /* Loss and accuracy side by side. */
  char *both = g_build_filename (dir, "both.PNG", NULL);
  g_assert_true (ft_plot_export_both (m, both, 1200, 450, &style, &error));
  g_assert_no_error (error);
  img = cairo_image_surface_create_from_png (both);
  g_assert_cmpint (cairo_image_surface_get_width (img), ==, 2400);
  /* Runs drawn in both halves. */
  g_assert_cmpint (count_color (img, BLUE, 40, 0, 0, 1200, 900), >, 1000);
  g_assert_cmpint (count_color (img, BLUE, 40, 1200, 0, 2400, 900), >, 1000);
  cairo_surface_destroy (img);

  /* SVG: an XML document with an svg element. */
  char *svg = g_build_filename (dir, "accuracy.svg", NULL);
  g_assert_true (ft_plot_export (m, FT_PLOT_ACCURACY, svg, 640, 400, &style, &error));
  g_assert_no_error (error);
  data = read_all (svg, &len);
  g_assert_true (g_str_has_prefix (data, "<?xml"));
  g_assert_nonnull (strstr (data, "<svg"));
  g_assert_nonnull (strstr (data, "</svg>"));
  g_free (data);

  /* PDF. */
  char *pdf = g_build_filename (dir, "both.pdf", NULL);
  g_assert_true (ft_plot_export (m, FT_PLOT_BOTH, pdf, 1000, 400, &style, &error));
  g_assert_no_error (error);
  data = read_all (pdf, &len);
  g_assert_true (g_str_has_prefix (data, "%PDF-"));
  g_assert_cmpuint (len, >, 16);
  g_assert_nonnull (g_strstr_len (data + len - 16, 16, "%%EOF"));
  g_free (data);
  int files = count_entries (dir);
  g_assert_cmpint (files, ==, 4); /* no temporary files left */

  /* Failures: unknown format; a directory that does not exist; a target that is a directory (the rename
   * fails after the temporary file was written: it must be gone). */
  char *bad = g_build_filename (dir, "plot.bmp", NULL);
  g_assert_false (ft_plot_export (m, FT_PLOT_LOSS, bad, 640, 400, &style, &error));
  g_assert_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_FORMAT);
  g_clear_error (&error);
  char *missing = g_build_filename (dir, "no", "such", "dir", "plot.png", NULL);
  g_assert_false (ft_plot_export (m, FT_PLOT_LOSS, missing, 640, 400, &style, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  char *sub = g_build_filename (dir, "taken.svg", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  char *inner = g_build_filename (sub, "keep", NULL);
  g_assert_true (g_file_set_contents (inner, "x", 1, NULL));
  g_assert_false (ft_plot_export (m, FT_PLOT_LOSS, sub, 640, 400, &style, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_FILE_ERROR);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (count_entries (dir), ==, files + 1); /* the directory only: no temporary file */
  /* Sizes out of range. */
  g_assert_false (ft_plot_export (m, FT_PLOT_LOSS, png, 0, 400, &style, &error));
  g_assert_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_SIZE);
  g_clear_error (&error);
  /* The earlier PNG is untouched by the failed export. */
  data = read_all (png, &len);
  g_assert_cmpuint (be32 ((const guint8 *) data + 16), ==, 1280);
  g_free (data);

  if (g_getenv ("FT_PLOT_KEEP") != NULL)
    g_test_message ("files kept in %s", dir);
  else
    remove_tree (dir);
  g_free (bad);
  g_free (missing);
  g_free (inner);
  g_free (sub);
  g_free (png);
  g_free (both);
  g_free (svg);
  g_free (pdf);
  g_free (dir);
  ft_plot_model_free (m);
}

static void
test_render_image (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 2, 20, 1, 0, false);
  cairo_surface_t *s = ft_plot_render_image (m, FT_PLOT_LOSS, 300, 200, 2, NULL, NULL);
  g_assert_nonnull (s);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 600);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 400);
  cairo_surface_destroy (s);
  g_assert_null (ft_plot_render_image (m, FT_PLOT_LOSS, 0, 200, 2, NULL, NULL));
  ft_plot_model_free (m);
}

/* Compare mode: the difference lane under the loss chart (|Δ| per step, zero in the "identical" band) and
 * the mark where the pair parted (step 14 of 20: epoch 1, batch 3). */
static void
test_difference_lane_and_mark (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int a = ft_plot_model_add_run (m, "fit", 0), b = ft_plot_model_add_run (m, "tape", 1);
  ft_plot_model_set_pair (m, a, b);
  for (int e = 0; e < 2; e++)
    {
      FtLogs logs;
      for (int k = 0; k < 10; k++)
        {
          int step = e * 10 + k + 1;
          float loss = 2.0f / (float) step;
          ft_logs_clear (&logs);
          ft_logs_set (&logs, "loss", loss);
          ft_plot_model_add_batch (m, a, e, k, 10, step * 32, loss, &logs);
          float other = step >= 14 ? loss + 0.05f : loss;
          ft_logs_set (&logs, "loss", other);
          ft_plot_model_add_batch (m, b, e, k, 10, step * 32, other, &logs);
        }
      ft_logs_clear (&logs);
      ft_logs_set (&logs, "loss", 1.0 / (e + 1));
      ft_plot_model_add_epoch (m, a, e, (e + 1) * 320, &logs);
      ft_plot_model_add_epoch (m, b, e, (e + 1) * 320, &logs);
    }
  FtPlotStyle style;
  ft_plot_style_init (&style);
  style.show_batches = true;
  FtPlotGeometry g0, g1;
  g_assert_false (ft_plot_model_get_difference_lane (m));
  cairo_surface_t *s0 = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g0);
  guint64 serial = ft_plot_model_get_serial (m);
  ft_plot_model_set_difference_lane (m, true);
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  double x;
  g_assert_false (ft_plot_model_get_mark (m, FT_PLOT_X_EPOCH, &x, NULL));
  ft_plot_model_set_mark (m, a, 1, 3, "parted");
  const char *label = NULL;
  g_assert_true (ft_plot_model_get_mark (m, FT_PLOT_X_EPOCH, &x, &label));
  g_assert_cmpfloat (fabs (x - 1.4), <, 1e-12);
  g_assert_cmpstr (label, ==, "parted");
  g_assert_true (ft_plot_model_get_mark (m, FT_PLOT_X_STEP, &x, NULL));
  g_assert_cmpfloat (x, ==, 14.0);
  g_assert_true (ft_plot_model_get_mark (m, FT_PLOT_X_SAMPLES, &x, NULL));
  g_assert_cmpfloat (x, ==, 14.0 * 32);
  cairo_surface_t *s1 = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g1);
  if (g_getenv ("FITTAPE_TEST_PNG"))
    cairo_surface_write_to_png (s1, g_getenv ("FITTAPE_TEST_PNG"));
  /* The lane takes a strip from the plot area. */
  g_assert_cmpfloat (g1.plot_height, <, g0.plot_height - 30);
  double lane_top = g1.plot_y + g1.plot_height + 4, lane_bottom = g0.plot_y + g0.plot_height - 2;
  double mark_px = ft_plot_geometry_x_to_pixel (&g1, 1.4);
  /* Before the mark every dot is in the identical band (the lane's lowest fifth), after it above. */
  int band_top = (int) (lane_bottom - (lane_bottom - lane_top) * 0.3);
  int before_band = count_color (s1, BLUE, 60, (int) g1.plot_x + 30, band_top, (int) mark_px - 8,
                                 (int) lane_bottom);
  int before_above = count_color (s1, BLUE, 60, (int) g1.plot_x + 30, (int) lane_top, (int) mark_px - 8,
                                  band_top - 4);
  int after_above = count_color (s1, BLUE, 60, (int) mark_px - 2, (int) lane_top,
                                 (int) (g1.plot_x + g1.plot_width), band_top - 4);
  g_test_message ("lane: %d in the band before, %d above before, %d above after", before_band, before_above,
                  after_above);
  g_assert_cmpint (before_band, >, 10);
  g_assert_cmpint (before_above, ==, 0);
  g_assert_cmpint (after_above, >=, 7); /* the 7 steps from the 14th */
  /* The mark: a dark dashed line at x = 1.4 near the top of the plot, where no curve runs. */
  int dark = 0;
  for (int y = (int) g1.plot_y + 30; y < (int) (g1.plot_y + g1.plot_height * 0.4); y++)
    dark += color_near_point (s1, 0x000000, 190, mark_px, y, 1);
  g_assert_cmpint (dark, >, 10);
  int dark0 = 0;
  for (int y = (int) g0.plot_y + 30; y < (int) (g0.plot_y + g0.plot_height * 0.4); y++)
    dark0 += color_near_point (s0, 0x000000, 190, ft_plot_geometry_x_to_pixel (&g0, 1.4), y, 1);
  g_assert_cmpint (dark0, ==, 0);
  cairo_surface_destroy (s0);
  cairo_surface_destroy (s1);
  ft_plot_model_free (m);
}

/* Compare mode's lane from every step: DIFF_EPOCHS epochs of DIFF_STEPS steps, the tape run's loss the
 * same as fit's for the first third, 1e-2 above it in the second, 1e-5 above in the last. */
#define DIFF_EPOCHS 3
#define DIFF_STEPS  400
#define DIFF_N      (DIFF_EPOCHS * DIFF_STEPS)

static float
step_loss (bool tape, int step)
{
  float fit = 0.5f + 2.0f / sqrtf ((float) step);
  if (!tape || step <= DIFF_N / 3)
    return fit;
  return fit + (step <= 2 * DIFF_N / 3 ? 1e-2f : 1e-5f);
}

static void
add_step (FtPlotModel *m, int run, bool tape, int step)
{
  ft_plot_model_add_step (m, run, (step - 1) / DIFF_STEPS, (step - 1) % DIFF_STEPS, DIFF_STEPS, step * 32,
                          step_loss (tape, step));
}

/* Where the lane must draw step's difference (0 in the "identical" band), by the lane's layout at the
 * default 13 px font: a strip 3.2 font sizes high half a font size under the plot, its lowest 22 % the
 * band, |Δ| on a log axis from 1e-7 to 10 above it. */
static double
lane_y (const FtPlotGeometry *g, int step)
{
  double fs = 13, top = g->plot_y + g->plot_height + fs * 0.5, lh = fs * 3.2, band = lh * 0.22;
  double bottom = top + lh - band, d = fabs ((double) step_loss (true, step) - step_loss (false, step));
  if (d == 0)
    return bottom + band / 2;
  return bottom - (log10 (d) + 7.0) / 8.0 * (bottom - top);
}

/* Over the pixel columns of the compared steps: those with a dot of the lane (covered) and those with one
 * away from where their steps' difference goes (wrong; columns next to a change of value are not judged). */
static void
lane_columns (cairo_surface_t *s, const FtPlotGeometry *g, int *columns, int *covered, int *wrong)
{
  int x0 = (int) ceil (ft_plot_geometry_x_to_pixel (g, 1)) + 1;
  int x1 = (int) floor (ft_plot_geometry_x_to_pixel (g, DIFF_N)) - 1;
  int y0 = (int) (g->plot_y + g->plot_height) + 2, y1 = y0 + 13 * 4;
  *columns = x1 - x0 + 1;
  *covered = *wrong = 0;
  for (int x = x0; x <= x1; x++)
    {
      int step = (int) round (ft_plot_geometry_pixel_to_x (g, x + 0.5));
      double lo = MIN (lane_y (g, MAX (1, step - 8)), lane_y (g, MIN (DIFF_N, step + 8)));
      double hi = MAX (lane_y (g, MAX (1, step - 8)), lane_y (g, MIN (DIFF_N, step + 8)));
      bool any = false, bad = false;
      for (int y = y0; y < y1; y++)
        if (near_color (pixel (s, x, y), BLUE, 60))
          {
            any = true;
            bad = bad || y < lo - 3 || y > hi + 3;
          }
      *covered += any;
      *wrong += bad;
    }
}

/* The difference lane in Compare mode compares every step both runs completed, not only the steps both
 * runs' batch-end events have: here those are sparse and at different steps in the two runs (fit every
 * 50th step, tape every 50th + 25, both at each epoch's end: what a busy window is shown), while every
 * step's loss arrives as a step record (from the fingerprints), in chunks of different sizes as the window
 * reads them. The lane then has a dot in (nearly) every pixel column of the compared steps, at |a − b|. */
static void
test_difference_lane_every_step (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int a = ft_plot_model_add_run (m, "fit", 0), b = ft_plot_model_add_run (m, "tape", 1);
  ft_plot_model_set_pair (m, a, b);
  ft_plot_model_set_difference_lane (m, true);
  FtLogs logs;
  for (int step = 1; step <= DIFF_N; step++)
    {
      int e = (step - 1) / DIFF_STEPS, k = (step - 1) % DIFF_STEPS;
      for (int tape = 0; tape < 2; tape++)
        if (step % 50 == (tape ? 25 : 0) || k == DIFF_STEPS - 1)
          {
            ft_logs_clear (&logs);
            ft_logs_set (&logs, "loss", step_loss (tape, step));
            ft_plot_model_add_batch (m, tape ? b : a, e, k, DIFF_STEPS, step * 32, step_loss (tape, step),
                                     &logs);
          }
      if (k == DIFF_STEPS - 1)
        {
          ft_plot_model_add_epoch (m, a, e, step * 32, &logs);
          ft_plot_model_add_epoch (m, b, e, step * 32, &logs);
        }
    }
  FtPlotStyle style;
  ft_plot_style_init (&style);
  style.x_axis = FT_PLOT_X_STEP;
  FtPlotGeometry g;
  int columns, covered, wrong;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g);
  lane_columns (s, &g, &columns, &covered, &wrong);
  g_test_message ("from the batch points: %d of %d columns covered", covered, columns);
  g_assert_cmpint (covered, <=, 3 * DIFF_EPOCHS); /* only the epochs' last steps are in both */
  cairo_surface_destroy (s);

  /* The step records: fit ahead by up to 37 steps, the tape run catching up 23 at a time. */
  guint64 serial = ft_plot_model_get_serial (m);
  for (int fa = 0, fb = 0; fb < DIFF_N;)
    {
      for (int i = 0; i < 37 && fa < DIFF_N; i++)
        add_step (m, a, false, ++fa);
      for (int i = 0; i < 23 && fb < fa; i++)
        add_step (m, b, true, ++fb);
    }
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  add_step (m, b, true, 5); /* an old step again: ignored */
  int n;
  const FtPlotBatchPoint *d = ft_plot_difference_points (ft_plot_model_get_difference (m, a), &n);
  g_assert_true (ft_plot_model_get_difference (m, b) == ft_plot_model_get_difference (m, a));
  g_assert_cmpint (n, ==, DIFF_N);
  for (int i = 0; i < n; i++)
    {
      float want = (float) fabs ((double) step_loss (true, i + 1) - step_loss (false, i + 1));
      g_assert_cmpfloat (d[i].step, ==, i + 1);
      g_assert_cmpfloat (d[i].samples, ==, (i + 1) * 32);
      g_assert_true (d[i].batch_loss == want);
      g_assert_true ((d[i].batch_loss == 0) == (i + 1 <= DIFF_N / 3));
    }
  s = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g);
  if (g_getenv ("FITTAPE_TEST_PNG"))
    cairo_surface_write_to_png (s, g_getenv ("FITTAPE_TEST_PNG"));
  lane_columns (s, &g, &columns, &covered, &wrong);
  g_test_message ("from the step records: %d of %d columns covered, %d with a dot out of place", covered,
                  columns, wrong);
  g_assert_cmpint (columns, >, 600);
  g_assert_cmpint (covered, >=, columns - 2);
  g_assert_cmpint (wrong, ==, 0);
  cairo_surface_destroy (s);

  /* The hover box reads the same series: the step nearest the hover line, within the tolerance. */
  const FtPlotDifference *dif = ft_plot_model_get_difference (m, a);
  char text[96], want[96];
  g_assert_true (ft_plot_difference_describe_at (dif, FT_PLOT_X_STEP, 10.2, 0.5, text, sizeof text));
  g_assert_cmpstr (text, ==, "identical at step 10");
  g_assert_true (ft_plot_difference_describe_at (dif, FT_PLOT_X_STEP, 1189.7, 0.5, text, sizeof text));
  g_snprintf (want, sizeof want, "|Δ| %.3g at step 1,190", d[1189].batch_loss); /* the last third: ~1e-5 */
  g_assert_cmpfloat (d[1189].batch_loss, >, 0);
  g_assert_cmpstr (text, ==, want);
  /* By epochs: the end of epoch 1 is step 400, the last of the identical third. */
  g_assert_true (ft_plot_difference_describe_at (dif, FT_PLOT_X_EPOCH, 1.0, 0.001, text, sizeof text));
  g_assert_cmpstr (text, ==, "identical at step 400");
  g_assert_false (ft_plot_difference_describe_at (dif, FT_PLOT_X_STEP, DIFF_N + 5.0, 0.5, text, sizeof text));
  g_assert_false (ft_plot_difference_describe_at (NULL, FT_PLOT_X_STEP, 10, 0.5, text, sizeof text));

  /* Unpairing drops the comparison; pairing again starts it empty. */
  ft_plot_model_set_pair (m, a, 0);
  g_assert_null (ft_plot_model_get_difference (m, a));
  ft_plot_model_set_pair (m, a, b);
  add_step (m, a, false, 1);
  g_assert_cmpint ((ft_plot_difference_points (ft_plot_model_get_difference (m, b), &n), n), ==, 0);
  add_step (m, b, true, 1);
  g_assert_cmpint ((ft_plot_difference_points (ft_plot_model_get_difference (m, b), &n), n), ==, 1);
  /* Clearing a run starts its pair's comparison again. */
  ft_plot_model_clear_run (m, b);
  g_assert_cmpint ((ft_plot_difference_points (ft_plot_model_get_difference (m, a), &n), n), ==, 0);
  /* A copy has the same comparison, apart from the original. */
  add_step (m, a, false, 1);
  add_step (m, b, true, 1);
  FtPlotModel *copy = ft_plot_model_copy (m);
  add_step (m, a, false, 2);
  add_step (m, b, true, 2);
  g_assert_cmpint ((ft_plot_difference_points (ft_plot_model_get_difference (copy, a), &n), n), ==, 1);
  g_assert_cmpint ((ft_plot_difference_points (ft_plot_model_get_difference (m, a), &n), n), ==, 2);
  ft_plot_model_free (copy);
  ft_plot_model_free (m);
}

/* Training that reacts: a change recorded alike by a fit run and its tape twin before batch 3 of epoch 1
 * (steps of 10) sits at x = 1.3 epochs, 13 steps, 13 × 32 samples; it is drawn once, as a tick in the
 * run's colour at the top of the plot. */
static void
test_live_changes (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int a = ft_plot_model_add_run (m, "fit", 0), b = ft_plot_model_add_run (m, "tape", 1);
  for (int e = 0; e < 2; e++)
    for (int k = 0; k < 10; k++)
      {
        FtLogs logs;
        int step = e * 10 + k + 1;
        ft_logs_clear (&logs);
        ft_logs_set (&logs, "loss", 0.2f + 0.01f * (float) step);
        ft_plot_model_add_batch (m, a, e, k, 10, step * 32, 0.2f + 0.01f * (float) step, &logs);
        ft_plot_model_add_batch (m, b, e, k, 10, step * 32, 0.2f + 0.01f * (float) step, &logs);
      }
  FtPlotStyle style;
  ft_plot_style_init (&style);
  style.show_batches = true;
  FtPlotGeometry g0, g1;
  cairo_surface_t *s0 = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g0);
  g_assert_cmpint (ft_plot_model_n_changes (m, a), ==, 0);
  guint64 serial = ft_plot_model_get_serial (m);
  ft_plot_model_add_change (m, a, 1, 3, "lr 0.01 → 0.1");
  ft_plot_model_add_change (m, b, 1, 3, "lr 0.01 → 0.1");
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  g_assert_cmpint (ft_plot_model_n_changes (m, a), ==, 1);
  double x;
  const char *label = NULL;
  g_assert_true (ft_plot_model_get_change (m, a, 0, FT_PLOT_X_EPOCH, &x, &label));
  g_assert_cmpfloat (fabs (x - 1.3), <, 1e-12);
  g_assert_cmpstr (label, ==, "lr 0.01 → 0.1");
  g_assert_true (ft_plot_model_get_change (m, a, 0, FT_PLOT_X_STEP, &x, NULL));
  g_assert_cmpfloat (x, ==, 13.0);
  g_assert_true (ft_plot_model_get_change (m, a, 0, FT_PLOT_X_SAMPLES, &x, NULL));
  g_assert_cmpfloat (x, ==, 13.0 * 32);
  g_assert_false (ft_plot_model_get_change (m, a, 1, FT_PLOT_X_EPOCH, &x, NULL));
  g_assert_false (ft_plot_model_get_change (m, 99, 0, FT_PLOT_X_EPOCH, &x, NULL));
  /* A copy keeps them. */
  FtPlotModel *copy = ft_plot_model_copy (m);
  g_assert_cmpint (ft_plot_model_n_changes (copy, b), ==, 1);
  ft_plot_model_free (copy);
  cairo_surface_t *s1 = render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g1);
  if (g_getenv ("FITTAPE_TEST_PNG"))
    cairo_surface_write_to_png (s1, g_getenv ("FITTAPE_TEST_PNG"));
  /* The tick: the first run's blue in the top strip of the plot at x = 1.3, where no curve runs (the loss
   * rises to the right, the top of the axis is above it); nothing there before. */
  double px = ft_plot_geometry_x_to_pixel (&g1, 1.3);
  int top = (int) g1.plot_y, strip = 10;
  int blue1 = count_color (s1, BLUE, 60, (int) px - 3, top, (int) px + 4, top + strip);
  int blue0 = count_color (s0, BLUE, 60, (int) px - 3, top, (int) px + 4, top + strip);
  g_test_message ("tick: %d blue pixels (%d without the change)", blue1, blue0);
  g_assert_cmpint (blue1, >, 8);
  g_assert_cmpint (blue0, ==, 0);
  cairo_surface_destroy (s0);
  cairo_surface_destroy (s1);
  ft_plot_model_free (m);
}

/* Callback lanes from known events: laid out under the loss curves (not on the accuracy chart, not for a
 * hidden run), one row per callback, and hit-tested back to the events at their epochs' x. */
static void
test_callback_lanes (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", FT_PLOT_COLOUR_FIT);
  feed_run (m, run, 5, 10, 7, 0.0, true);
  const char *names[] = { "EarlyStopping", "ModelCheckpoint" };
  FtPlotLaneEvent ev[6];
  memset (ev, 0, sizeof ev);
  const struct
  {
    int lane, epoch;
    FtPlotLaneMark mark;
  } spec[6] = {
    { 0, 0, FT_PLOT_LANE_BEST },    { 0, 1, FT_PLOT_LANE_WAIT }, { 0, 2, FT_PLOT_LANE_STOP },
    { 0, 0, FT_PLOT_LANE_RESTORE }, { 1, 0, FT_PLOT_LANE_SAVE }, { 1, 3, FT_PLOT_LANE_SKIP },
  };
  for (int i = 0; i < 6; i++)
    {
      ev[i].lane = spec[i].lane;
      ev[i].epoch = spec[i].epoch;
      ev[i].mark = spec[i].mark;
      ev[i].wait = 1;
      ev[i].patience = 2;
      g_snprintf (ev[i].text, sizeof ev[i].text, "event %d", i);
    }
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g0, g1, ga;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g0));
  g_assert_cmpint (g0.n_lanes, ==, 0);
  g_assert_cmpint (ft_plot_model_get_lanes_run (m), ==, 0);
  guint64 serial = ft_plot_model_get_serial (m);
  ft_plot_model_set_lanes (m, run, 2, names, ev, 6);
  g_assert_cmpuint (ft_plot_model_get_serial (m), >, serial);
  g_assert_cmpint (ft_plot_model_get_lanes_run (m), ==, run);
  g_assert_cmpstr (ft_plot_model_get_lane_name (m, run, 1), ==, "ModelCheckpoint");

  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &g1));
  g_assert_cmpint (g1.n_lanes, ==, 2);
  g_assert_cmpint (g1.lanes_run, ==, run);
  /* The lanes take a strip from the plot and sit under it, inside the chart. */
  g_assert_cmpfloat (g1.plot_height, <, g0.plot_height - 2 * g1.lane_height);
  g_assert_cmpfloat (g1.lanes_y, >=, g1.plot_y + g1.plot_height);
  g_assert_cmpfloat (g1.lanes_y + 2 * g1.lane_height, <=, 560);
  g_assert_cmpfloat (g1.lane_height, >, 5);

  /* Hits: the stop at epoch 3's end (x = 3 on the epoch axis), the skip in the second lane at x = 4. */
  int lane, event;
  double mid0 = g1.lanes_y + g1.lane_height * 0.5, mid1 = g1.lanes_y + g1.lane_height * 1.5;
  g_assert_true (
      ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 3.0) + 2, mid0, 6, &lane, &event));
  g_assert_cmpint (lane, ==, 0);
  g_assert_cmpint (event, ==, 2);
  g_assert_true (ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 4.0), mid1, 6, &lane, &event));
  g_assert_cmpint (lane, ==, 1);
  g_assert_cmpint (event, ==, 5);
  g_assert_true (ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 2.0), mid0, 6, NULL, &event));
  g_assert_cmpint (event, ==, 1);
  /* The restore sits at the best epoch (x = 1): the later event wins the tie with the best. */
  g_assert_true (ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 1.0), mid0, 6, NULL, &event));
  g_assert_cmpint (event, ==, 3);
  /* Nothing between epochs, nothing in the second lane at the stop, nothing above the lanes. */
  g_assert_false (ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 2.5), mid0, 6, &lane, &event));
  g_assert_cmpint (lane, ==, 0);
  g_assert_cmpint (event, ==, -1);
  g_assert_false (ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 3.0), mid1, 6, NULL, NULL));
  g_assert_false (
      ft_plot_lanes_hit (m, &g1, ft_plot_geometry_x_to_pixel (&g1, 3.0), g1.lanes_y - 3, 6, &lane, NULL));
  g_assert_cmpint (lane, ==, -1);

  /* The step axis puts the marks at the epochs' global steps. */
  style.x_axis = FT_PLOT_X_STEP;
  FtPlotGeometry gs;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 900, 560, &style, NULL, &gs));
  g_assert_cmpfloat (ft_plot_model_lane_x (m, run, FT_PLOT_X_STEP, 2), ==, 30.0);
  g_assert_true (ft_plot_lanes_hit (m, &gs, ft_plot_geometry_x_to_pixel (&gs, 30.0),
                                    mid0 - g1.lanes_y + gs.lanes_y, 6, NULL, &event));
  g_assert_cmpint (event, ==, 2);
  style.x_axis = FT_PLOT_X_EPOCH;

  /* The hover box at the stop's epoch draws (its rows come from the events). */
  FtPlotViewport vp;
  ft_plot_viewport_init (&vp);
  vp.has_hover = true;
  vp.hover_x = 3.0;
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, 900, 560, &style, &vp, NULL));

  /* A copy keeps the lanes; the accuracy chart and a hidden run have none. */
  FtPlotModel *copy = ft_plot_model_copy (m);
  int n;
  const FtPlotLaneEvent *ce = ft_plot_model_get_lane_events (copy, run, &n);
  g_assert_cmpint (n, ==, 6);
  g_assert_cmpstr (ce[5].text, ==, "event 5");
  ft_plot_model_free (copy);
  cairo_surface_destroy (render (m, FT_PLOT_ACCURACY, 900, 560, &style, NULL, &ga));
  g_assert_cmpint (ga.n_lanes, ==, 0);
  ft_plot_model_set_run_visible (m, run, false);
  g_assert_cmpint (ft_plot_model_get_lanes_run (m), ==, 0);
  ft_plot_model_set_run_visible (m, run, true);
  ft_plot_model_clear_run (m, run);
  g_assert_cmpint (ft_plot_model_get_n_lanes (m, run), ==, 0);
  ft_plot_model_free (m);
}

/* Epoch points are hit where they are drawn: every run's training and val_ marker of the loss and accuracy
 * charts (the key, the run and the 0-based epoch come back); the pixel of each marker is its colour; a
 * point between epochs, far from any marker, hits nothing; a hidden run is never hit. */
static void
test_epoch_hit (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0);
  int tape = ft_plot_model_add_run (m, "tape", 1);
  feed_run (m, fit, 5, 20, 11, 0.0, true);
  feed_run (m, tape, 5, 20, 12, 0.6, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  for (int c = 0; c < 2; c++)
    {
      FtPlotMetric metric = c ? FT_PLOT_ACCURACY : FT_PLOT_LOSS;
      FtPlotGeometry g;
      cairo_surface_t *s = render (m, metric, 900, 500, &style, NULL, &g);
      for (int r = 0; r < 2; r++)
        {
          int id = r ? tape : fit;
          const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, id);
          for (int k = 0; k < 5; k++)
            for (int v = 0; v < 2; v++)
              {
                const char *key = c ? (v ? "val_accuracy" : "accuracy") : (v ? "val_loss" : "loss");
                double value;
                g_assert_true (ft_logs_get (&e[k].logs, key, &value));
                double px = ft_plot_geometry_x_to_pixel (&g, ft_plot_epoch_x (&e[k], g.x_axis));
                double py = ft_plot_geometry_y_to_pixel (&g, value);
                g_assert_true (color_near_point (s, r ? VERMILLION : BLUE, 60, px, py, 3));
                int hit_run = 0, hit_epoch = -1;
                char hit_key[40];
                g_assert_true (ft_plot_epoch_hit (m, &g, metric, px + 1, py + 1, 8, &hit_run, &hit_epoch,
                                                  hit_key, sizeof hit_key));
                g_assert_cmpint (hit_run, ==, id);
                g_assert_cmpint (hit_epoch, ==, k);
                g_assert_cmpstr (hit_key, ==, key);
              }
        }
      /* Half-way between epochs 2 and 3, at the top of the plot: nothing. */
      const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, fit);
      double mid = (ft_plot_epoch_x (&e[1], g.x_axis) + ft_plot_epoch_x (&e[2], g.x_axis)) / 2;
      g_assert_false (ft_plot_epoch_hit (m, &g, metric, ft_plot_geometry_x_to_pixel (&g, mid), g.plot_y + 2,
                                         8, NULL, NULL, NULL, 0));
      cairo_surface_destroy (s);
    }
  /* A hidden run is not hit; BOTH has no single geometry to hit. */
  ft_plot_model_set_run_visible (m, tape, false);
  FtPlotGeometry g;
  cairo_surface_t *s = render (m, FT_PLOT_LOSS, 900, 500, &style, NULL, &g);
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (m, tape);
  double value;
  g_assert_true (ft_logs_get (&e[3].logs, "loss", &value));
  int hit_run = 0;
  if (ft_plot_epoch_hit (m, &g, FT_PLOT_LOSS,
                         ft_plot_geometry_x_to_pixel (&g, ft_plot_epoch_x (&e[3], g.x_axis)),
                         ft_plot_geometry_y_to_pixel (&g, value), 8, &hit_run, NULL, NULL, 0))
    g_assert_cmpint (hit_run, ==, fit);
  g_assert_false (ft_plot_epoch_hit (m, &g, FT_PLOT_BOTH, 100, 100, 1000, NULL, NULL, NULL, 0));
  cairo_surface_destroy (s);
  ft_plot_model_free (m);
}

/* The shapes the charts and the views share (ft-plot-marks.h) and the batch search (ft-plot-model.h). */
static void
test_marks_and_bounds (void)
{
  /* Class colours wrap around; neighbours differ. */
  for (int k = 0; k < FT_PLOT_N_CLASS_STYLES; k++)
    {
      g_assert_true (ft_plot_class_rgb (k) == ft_plot_class_rgb (k + FT_PLOT_N_CLASS_STYLES));
      const float *a = ft_plot_class_rgb (k), *b = ft_plot_class_rgb (k + 1);
      g_assert_true (a[0] != b[0] || a[1] != b[1] || a[2] != b[2]);
    }
  g_assert_cmpfloat (ft_plot_class_rgb (0)[0], ==, 1.0f); /* orange first, as the Playground */
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 100, 100);
  cairo_t *cr = cairo_create (s);
  /* Every class has a closed shape about (50, 50), inside the box of its radius (a little over it). */
  for (int k = 0; k < FT_PLOT_N_CLASS_STYLES; k++)
    {
      cairo_new_path (cr);
      ft_plot_class_marker_path (cr, k, 50, 50, 10);
      double x0, y0, x1, y1;
      cairo_fill_extents (cr, &x0, &y0, &x1, &y1);
      g_assert_cmpfloat (x1 - x0, >, 10);
      g_assert_cmpfloat (y1 - y0, >, 10);
      g_assert_cmpfloat (x0, >=, 50 - 12.5);
      g_assert_cmpfloat (x1, <=, 50 + 12.5);
    }
  /* A rounded box covers its rectangle's extent, and a radius beyond half the side is clamped. */
  cairo_new_path (cr);
  ft_plot_rounded_rect (cr, 10, 20, 30, 8, 100);
  double x0, y0, x1, y1;
  cairo_fill_extents (cr, &x0, &y0, &x1, &y1);
  g_assert_cmpfloat (fabs (x0 - 10), <, 1e-6);
  g_assert_cmpfloat (fabs (x1 - 40), <, 1e-6);
  g_assert_cmpfloat (fabs (y0 - 20), <, 1e-6);
  g_assert_cmpfloat (fabs (y1 - 28), <, 1e-6);
  g_assert_true (cairo_in_fill (cr, 25, 24));
  g_assert_false (cairo_in_fill (cr, 10.5, 20.5)); /* the corner is round */
  cairo_destroy (cr);
  cairo_surface_destroy (s);

  /* First batch at or after x, first after x: by epoch fraction. */
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed_run (m, run, 2, 4, 1, 0, false); /* x = 0.25, 0.5, 0.75, 1, 1.25 … 2 */
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, run);
  int n = ft_plot_model_get_n_batches (m, run);
  g_assert_cmpint (n, ==, 8);
  g_assert_cmpint (ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, 0.0), ==, 0);
  g_assert_cmpint (ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, 0.5), ==, 1);
  g_assert_cmpint (ft_plot_batch_upper_bound (b, n, FT_PLOT_X_EPOCH, 0.5), ==, 2);
  g_assert_cmpint (ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, 0.6), ==, 2);
  g_assert_cmpint (ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, 9.0), ==, n);
  g_assert_cmpint (ft_plot_batch_upper_bound (b, n, FT_PLOT_X_EPOCH, 2.0), ==, n);
  /* The nearest batch, as the hover box finds it. */
  g_assert_cmpint (ft_plot_model_find_batch (m, run, FT_PLOT_X_EPOCH, 0.6), ==, 1);
  g_assert_cmpint (ft_plot_model_find_batch (m, run, FT_PLOT_X_EPOCH, 0.7), ==, 2);
  g_assert_cmpint (ft_plot_model_find_batch (m, run, FT_PLOT_X_EPOCH, 9.0), ==, n - 1);
  ft_plot_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot/difference-lane-and-mark", test_difference_lane_and_mark);
  g_test_add_func ("/plot/difference-lane-every-step", test_difference_lane_every_step);
  g_test_add_func ("/plot/model", test_model_bookkeeping);
  g_test_add_func ("/plot/callback-lanes", test_callback_lanes);
  g_test_add_func ("/plot/live-changes", test_live_changes);
  g_test_add_func ("/plot/render/epoch-hit", test_epoch_hit);
  g_test_add_func ("/plot/render/training-line", test_training_line);
  g_test_add_func ("/plot/render/validation-dashed", test_validation_dashed);
  g_test_add_func ("/plot/render/legend", test_legend);
  g_test_add_func ("/plot/render/log-y", test_log_y);
  g_test_add_func ("/plot/render/x-axes-viewport", test_x_axes_and_viewport);
  g_test_add_func ("/plot/render/hover-describe", test_hover_and_describe);
  g_test_add_func ("/plot/render/envelope-100k", test_envelope_speed);
  g_test_add_func ("/plot/render/styles-empty", test_styles_and_empty);
  g_test_add_func ("/plot/render/image", test_render_image);
  g_test_add_func ("/plot/export", test_export);
  g_test_add_func ("/plot/marks-and-bounds", test_marks_and_bounds);
  return g_test_run ();
}
