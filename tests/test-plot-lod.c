/* test-plot-lod.c — the plot's per-frame work is bounded by the chart's width, not by the run's length:
 * the per-batch envelope drawn from the level-of-detail summary matches the one computed point by point,
 * and a very long run (2,000,000 batch points, 20,000 epochs) renders with work counters (points and
 * blocks visited, path elements emitted) within a small multiple of the plot's pixel width, and looks
 * like the exhaustive rendering. No timings. */
#include "plot/ft-plot-difference.h"
#include "plot/ft-plot-model.h"
#include "plot/ft-plot-render.h"
#include "plot/ft-plot-summary.h"

#include <math.h>
#include <string.h>

#define LONG_EPOCHS 20000
#define LONG_STEPS  100

/* A run whose running means restart every epoch, with a noisy raw loss, a metric that is sometimes absent
 * (NaN) and a loss that is sometimes not finite or not positive (log axes skip it). */
static void
feed (FtPlotModel *model, int run, int epochs, int steps, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gint64 samples = 0;
  for (int e = 0; e < epochs; e++)
    {
      double sum = 0;
      FtLogs logs;
      for (int b = 0; b < steps; b++)
        {
          double t = e + (b + 1.0) / steps;
          double loss = 0.3 + 2.0 * exp (-t / (epochs * 0.2)) + g_rand_double_range (rand, -0.2, 0.2);
          if (g_rand_int_range (rand, 0, 5000) == 0)
            loss = g_rand_boolean (rand) ? INFINITY : -0.5;
          sum += isfinite (loss) ? loss : 0;
          samples += 32 + g_rand_int_range (rand, 0, 3); /* uneven: the samples axis is not uniform */
          ft_logs_clear (&logs);
          ft_logs_set (&logs, "loss", sum / (b + 1));
          if (g_rand_int_range (rand, 0, 1000) != 0)
            ft_logs_set (&logs, "accuracy", 0.9 - 0.8 * exp (-t) + g_rand_double_range (rand, -0.05, 0.05));
          ft_plot_model_add_batch (model, run, e, b, steps, samples, (float) loss, &logs);
        }
      ft_logs_clear (&logs);
      ft_logs_set (&logs, "loss", sum / steps);
      ft_logs_set (&logs, "accuracy", 0.9 - 0.8 * exp (-(e + 1.0)));
      ft_logs_set (&logs, "val_loss", sum / steps + 0.05);
      ft_logs_set (&logs, "val_accuracy", 0.88 - 0.8 * exp (-(e + 1.0)));
      ft_plot_model_add_epoch (model, run, e, samples, &logs);
    }
  g_rand_free (rand);
}

static FtPlotModel *long_model;
static int long_run;

static FtPlotModel *
get_long_model (void)
{
  if (long_model == NULL)
    {
      long_model = ft_plot_model_new ();
      long_run = ft_plot_model_add_run (long_model, "fit", 0);
      feed (long_model, long_run, LONG_EPOCHS, LONG_STEPS, 7);
      g_assert_cmpint (ft_plot_model_get_n_batches (long_model, long_run), ==, LONG_EPOCHS * LONG_STEPS);
    }
  return long_model;
}

/* The envelope from the summary against the one point by point: the same columns, epochs, counts, min
 * and max exactly, sums up to rounding. Returns the visits of the summary's. */
static gint64
compare_envelopes (const FtPlotBatchPoint *b, const FtPlotSummary *sum, int n, const FtPlotEnvelopeSpec *spec,
                   int ncols)
{
  int a = ft_plot_batch_lower_bound (b, n, spec->axis, spec->x0);
  int z = ft_plot_batch_upper_bound (b, n, spec->axis, spec->x1);
  a = MAX (0, a - 1);
  z = MIN (n, z + 1);
  FtPlotEnvelope fast, full;
  ft_plot_envelope_init (&fast, ncols);
  ft_plot_envelope_init (&full, ncols);
  gint64 visits = ft_plot_envelope_fill (&fast, spec, b, sum, a, z);
  g_assert_cmpint (ft_plot_envelope_fill_all (&full, spec, b, a, z), ==, z - a);
  int filled = 0;
  for (int c = 0; c < ncols; c++)
    {
      g_assert_cmpint (fast.counts[c], ==, full.counts[c]);
      if (full.counts[c] == 0)
        continue;
      filled++;
      g_assert_cmpint (fast.epochs[c], ==, full.epochs[c]);
      g_assert_true (fast.mins[c] == full.mins[c]);
      g_assert_true (fast.maxs[c] == full.maxs[c]);
      double mf = fast.sums[c] / fast.counts[c], mb = full.sums[c] / full.counts[c];
      g_assert_cmpfloat (fabs (mf - mb), <=, 1e-9 * MAX (1.0, fabs (mb)));
    }
  g_assert_cmpint (filled, >, 0);
  ft_plot_envelope_free (&fast);
  ft_plot_envelope_free (&full);
  return visits;
}

static void
test_envelope_matches (void)
{
  FtPlotModel *m = get_long_model ();
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, long_run);
  const FtPlotSummary *sum = ft_plot_model_get_summary (m, long_run);
  int n = ft_plot_model_get_n_batches (m, long_run);
  const FtPlotXAxis axes[] = { FT_PLOT_X_EPOCH, FT_PLOT_X_STEP, FT_PLOT_X_SAMPLES };
  /* The whole run, a middle stretch, a few epochs, a fraction of one epoch (per epoch axis units). */
  const double ranges[][2] = { { 0, LONG_EPOCHS }, { 3333.3, 9876.5 }, { 17.05, 23.7 }, { 101.013, 101.71 } };
  const int widths[] = { 1000, 1237, 333 };
  gint64 worst = 0;
  for (int ax = 0; ax < 3; ax++)
    for (int r = 0; r < 4; r++)
      for (int v = 0; v < FT_PLOT_N_VALUES; v++)
        for (int flags = 0; flags < 4; flags++)
          {
            /* The range on this axis: from the points at those epoch positions. */
            int ia = ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, ranges[r][0]);
            int iz = MIN (n - 1, ft_plot_batch_lower_bound (b, n, FT_PLOT_X_EPOCH, ranges[r][1]));
            FtPlotEnvelopeSpec spec = {
              .axis = axes[ax],
              .value = (FtPlotValue) v,
              .log_y = flags & 1,
              .break_epochs = flags & 2,
              .x0 = r == 0 ? 0 : ft_plot_batch_x (&b[ia], axes[ax]) - 0.37,
              .x1 = ft_plot_batch_x (&b[iz], axes[ax]) + (r == 0 ? 0 : 0.21),
            };
            int ncols = widths[(ax + r + v + flags) % 3];
            gint64 visits = compare_envelopes (b, sum, n, &spec, ncols);
            worst = MAX (worst, visits / ncols);
          }
  g_test_message ("envelope from the summary: at most %" G_GINT64_FORMAT " visits per column (%d points)",
                  worst, n);
  g_assert_cmpint (worst, <=, 80);
}

/* Random ranges, widths and settings over a run whose epochs (37 steps) do not align with the blocks. */
static void
test_envelope_random (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed (m, run, 1500, 37, 5);
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, run);
  const FtPlotSummary *sum = ft_plot_model_get_summary (m, run);
  int n = ft_plot_model_get_n_batches (m, run);
  for (int iter = 0; iter < 400; iter++)
    {
      FtPlotXAxis axis = (FtPlotXAxis) g_test_rand_int_range (0, 3);
      int ia = g_test_rand_int_range (0, n - 1), iz = g_test_rand_int_range (ia + 1, n);
      FtPlotEnvelopeSpec spec = {
        .axis = axis,
        .value = (FtPlotValue) g_test_rand_int_range (0, FT_PLOT_N_VALUES),
        .log_y = g_test_rand_bit (),
        .break_epochs = g_test_rand_bit (),
        .x0 = ft_plot_batch_x (&b[ia], axis) - g_test_rand_double_range (0, 0.5),
        .x1 = ft_plot_batch_x (&b[iz], axis) + g_test_rand_double_range (0, 0.5),
      };
      compare_envelopes (b, sum, n, &spec, g_test_rand_int_range (1, 3000));
    }
  ft_plot_model_free (m);
}

/* The y range from the summary against the brute force one. */
static void
test_range_matches (void)
{
  FtPlotModel *m = get_long_model ();
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, long_run);
  const FtPlotSummary *sum = ft_plot_model_get_summary (m, long_run);
  int n = ft_plot_model_get_n_batches (m, long_run);
  const int spans[][2] = { { 0, 2000000 }, { 17, 1999999 }, { 123457, 123460 }, { 5, 70000 }, { 64, 128 } };
  for (int i = 0; i < 5; i++)
    for (int v = 0; v < FT_PLOT_N_VALUES; v++)
      for (int log_y = 0; log_y < 2; log_y++)
        {
          int a = spans[i][0], z = MIN (n, spans[i][1]);
          float fmin, fmax, bmin, bmax;
          gint64 visits = ft_plot_summary_range (sum, b, (FtPlotValue) v, log_y, a, z, &fmin, &fmax);
          g_assert_cmpint (ft_plot_summary_range (NULL, b, (FtPlotValue) v, log_y, a, z, &bmin, &bmax), ==,
                           z - a);
          g_assert_true (fmin == bmin && fmax == bmax);
          g_assert_cmpint (visits, <=, 2 * 16 + 2 * 30);
        }
}

static cairo_surface_t *
render (const FtPlotModel *m, FtPlotMetric metric, const FtPlotStyle *style, const FtPlotViewport *vp,
        FtPlotGeometry *g)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1200, 600);
  cairo_t *cr = cairo_create (s);
  ft_plot_render_full (cr, 1200, 600, m, metric, style, vp, g);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

/* Pixels whose colour differs by more than a small tolerance in some channel. */
static int
count_different (cairo_surface_t *a, cairo_surface_t *b)
{
  int w = cairo_image_surface_get_width (a), h = cairo_image_surface_get_height (a);
  int stride = cairo_image_surface_get_stride (a), n = 0;
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 4; k++)
        if (abs (pa[y * stride + x * 4 + k] - pb[y * stride + x * 4 + k]) > 40)
          {
            n++;
            break;
          }
  return n;
}

typedef struct
{
  const char *name;
  FtPlotMetric metric;
  bool raw, log_y;
  double x0, x1; /* epochs; x1 0: the whole run */
} Case;

static void
test_long_run_bounded (void)
{
  FtPlotModel *m = get_long_model ();
  const Case cases[] = {
    { "loss, running mean", FT_PLOT_LOSS, false, false, 0, 0 },
    { "loss, raw", FT_PLOT_LOSS, true, false, 0, 0 },
    { "loss, raw, log y", FT_PLOT_LOSS, true, true, 0, 0 },
    { "accuracy", FT_PLOT_ACCURACY, false, false, 0, 0 },
    { "loss, 30 epochs", FT_PLOT_LOSS, false, false, 1000, 1030 },
    { "accuracy, 300 epochs", FT_PLOT_ACCURACY, false, true, 5000, 5300 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *k = &cases[i];
      FtPlotStyle style;
      ft_plot_style_init (&style);
      style.show_raw_loss = k->raw;
      style.log_y = k->log_y;
      FtPlotViewport vp;
      ft_plot_viewport_init (&vp);
      if (k->x1 > 0)
        {
          vp.x_auto = false;
          vp.x_min = k->x0;
          vp.x_max = k->x1;
        }
      FtPlotGeometry g;
      FtPlotRenderWork bounded, full;
      ft_plot_render_reset_work ();
      cairo_surface_t *fast = render (m, k->metric, &style, &vp, &g);
      ft_plot_render_get_work (&bounded);
      ft_plot_render_set_exhaustive (true);
      ft_plot_render_reset_work ();
      cairo_surface_t *slow = render (m, k->metric, &style, &vp, &g);
      ft_plot_render_get_work (&full);
      ft_plot_render_set_exhaustive (false);
      int differ = count_different (fast, slow);
      if (g_getenv ("LOD_DUMP") != NULL)
        {
          char *f1 = g_strdup_printf ("/tmp/lod-%u-fast.png", i),
               *f2 = g_strdup_printf ("/tmp/lod-%u-full.png", i);
          cairo_surface_write_to_png (fast, f1);
          cairo_surface_write_to_png (slow, f2);
          g_free (f1);
          g_free (f2);
        }
      g_test_message ("%s: %.0f px wide; per-batch points and blocks visited %" G_GINT64_FORMAT
                      " (exhaustive %" G_GINT64_FORMAT "), epoch points %" G_GINT64_FORMAT
                      ", path elements %" G_GINT64_FORMAT " (exhaustive %" G_GINT64_FORMAT
                      "); %d pixels differ",
                      k->name, g.plot_width, bounded.points_visited, full.points_visited,
                      bounded.epochs_visited, bounded.path_elements, full.path_elements, differ);
      g_assert_true (g.has_data);
      g_assert_cmpint (bounded.points_visited, <=, 80 * g.plot_width);
      g_assert_cmpint (bounded.path_elements, <=, 16 * g.plot_width);
      /* The same picture, up to antialiasing where a decimated line's joins fall. */
      g_assert_cmpint (differ, <=, 1200 * 600 / 200);
      cairo_surface_destroy (fast);
      cairo_surface_destroy (slow);
    }
}

/* Compare mode's difference lane under a long pair (2 x 60,000 points): a rectangle per run of covered
 * device pixels in a column of the lane at most, and the same picture as one dot per step. */
static void
test_difference_lane_bounded (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0), tape = ft_plot_model_add_run (m, "tape", 1);
  feed (m, fit, 600, 100, 11);
  feed (m, tape, 600, 100, 12);
  ft_plot_model_set_pair (m, fit, tape);
  ft_plot_model_set_difference_lane (m, true);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  FtPlotRenderWork bounded, full;
  ft_plot_render_reset_work ();
  cairo_surface_t *fast = render (m, FT_PLOT_LOSS, &style, NULL, &g);
  ft_plot_render_get_work (&bounded);
  ft_plot_render_set_exhaustive (true);
  ft_plot_render_reset_work ();
  cairo_surface_t *slow = render (m, FT_PLOT_LOSS, &style, NULL, &g);
  ft_plot_render_get_work (&full);
  ft_plot_render_set_exhaustive (false);
  int differ = count_different (fast, slow);
  if (g_getenv ("LOD_DUMP") != NULL)
    {
      cairo_surface_write_to_png (fast, "/tmp/lod-lane-fast.png");
      cairo_surface_write_to_png (slow, "/tmp/lod-lane-full.png");
    }
  g_test_message ("difference lane, 2 x 60,000 points, %.0f px wide: path elements %" G_GINT64_FORMAT
                  " (exhaustive %" G_GINT64_FORMAT "); %d pixels differ",
                  g.plot_width, bounded.path_elements, full.path_elements, differ);
  g_assert_cmpint (full.path_elements, >=, 5 * 60000);
  g_assert_cmpint (bounded.path_elements, <=, 200 * g.plot_width);
  g_assert_cmpint (differ, <=, 1200 * 600 / 200);
  cairo_surface_destroy (fast);
  cairo_surface_destroy (slow);
  ft_plot_model_free (m);
}

/* The lane's share of one render's work: with the lane on less with it off. */
static void
lane_work (const FtPlotModel *m, FtPlotModel *mut, const FtPlotStyle *style, FtPlotRenderWork *work,
           FtPlotGeometry *g, cairo_surface_t **picture)
{
  FtPlotRenderWork off;
  ft_plot_model_set_difference_lane (mut, false);
  ft_plot_render_reset_work ();
  cairo_surface_destroy (render (m, FT_PLOT_LOSS, style, NULL, g));
  ft_plot_render_get_work (&off);
  ft_plot_model_set_difference_lane (mut, true);
  ft_plot_render_reset_work ();
  *picture = render (m, FT_PLOT_LOSS, style, NULL, g);
  ft_plot_render_get_work (work);
  work->points_visited -= off.points_visited;
  work->path_elements -= off.path_elements;
}

/* Compare mode's difference lane from a long pair's step records (2 x 200,000 steps, every one, as the
 * window gives them from the fingerprints; batch points only every 1,000th step): the lane's work — points
 * and summary blocks visited, path elements — stays within a small multiple of its width, where drawing it
 * step by step visits every step; identical steps sit in the "identical" band, the rest above it. */
static void
test_difference_steps_bounded (void)
{
  enum
  {
    EPOCHS = 2000,
    STEPS = 100,
    N = EPOCHS * STEPS
  };
  FtPlotModel *m = ft_plot_model_new ();
  int fit = ft_plot_model_add_run (m, "fit", 0), tape = ft_plot_model_add_run (m, "tape", 1);
  ft_plot_model_set_pair (m, fit, tape);
  GRand *rand = g_rand_new_with_seed (5);
  for (int step = 1; step <= N; step++)
    {
      int e = (step - 1) / STEPS, k = (step - 1) % STEPS;
      float a = (float) (0.3 + 2.0 * exp (-step / 40000.0) + g_rand_double_range (rand, -0.1, 0.1));
      /* The second half differs by 1e-6 to 1e-1 of the loss. */
      float b = step <= N / 2 ? a : a * (float) (1 + pow (10, g_rand_double_range (rand, -6, -1)));
      ft_plot_model_add_step (m, fit, e, k, STEPS, step * 32LL, a);
      ft_plot_model_add_step (m, tape, e, k, STEPS, step * 32LL, b);
      if (step % 1000 == 1 || step == N)
        {
          ft_plot_model_add_batch (m, fit, e, k, STEPS, step * 32LL, a, NULL);
          ft_plot_model_add_batch (m, tape, e, k, STEPS, step * 32LL, b, NULL);
        }
    }
  g_rand_free (rand);
  int n;
  ft_plot_difference_points (ft_plot_model_get_difference (m, fit), &n);
  g_assert_cmpint (n, ==, N);
  FtPlotStyle style;
  ft_plot_style_init (&style);
  FtPlotGeometry g;
  FtPlotRenderWork bounded, full;
  cairo_surface_t *fast, *slow;
  lane_work (m, m, &style, &bounded, &g, &fast);
  ft_plot_render_set_exhaustive (true);
  lane_work (m, m, &style, &full, &g, &slow);
  ft_plot_render_set_exhaustive (false);
  int differ = count_different (fast, slow);
  if (g_getenv ("LOD_DUMP") != NULL)
    {
      cairo_surface_write_to_png (fast, "/tmp/lod-steps-fast.png");
      cairo_surface_write_to_png (slow, "/tmp/lod-steps-full.png");
    }
  g_test_message (
      "difference lane from 2 x %d step records, %.0f px wide: points and blocks visited %" G_GINT64_FORMAT
      " (exhaustive %" G_GINT64_FORMAT "), path elements %" G_GINT64_FORMAT " (exhaustive %" G_GINT64_FORMAT
      "); %d pixels differ",
      N, g.plot_width, bounded.points_visited, full.points_visited, bounded.path_elements, full.path_elements,
      differ);
  g_assert_cmpint (full.points_visited, >=, N);
  g_assert_cmpint (bounded.points_visited, <=, 80 * g.plot_width);
  g_assert_cmpint (bounded.path_elements, <=, 12 * g.plot_width);
  g_assert_cmpint (differ, <=, 1200 * 600 / 200);
  cairo_surface_destroy (fast);
  cairo_surface_destroy (slow);
  ft_plot_model_free (m);
}

/* A summary made point by point equals a copy's, and clearing a run empties it. */
static void
test_summary_copy_and_clear (void)
{
  FtPlotModel *m = ft_plot_model_new ();
  int run = ft_plot_model_add_run (m, "fit", 0);
  feed (m, run, 7, 333, 3);
  FtPlotModel *c = ft_plot_model_copy (m);
  const FtPlotBatchPoint *b = ft_plot_model_get_batches (m, run);
  int n = ft_plot_model_get_n_batches (m, run);
  FtPlotEnvelopeSpec spec = { .axis = FT_PLOT_X_STEP, .value = FT_PLOT_VALUE_BATCH_LOSS, .x0 = 0, .x1 = n };
  compare_envelopes (ft_plot_model_get_batches (c, run), ft_plot_model_get_summary (c, run), n, &spec, 50);
  compare_envelopes (b, ft_plot_model_get_summary (m, run), n, &spec, 50);
  ft_plot_model_clear_run (m, run);
  feed (m, run, 2, 100, 4);
  b = ft_plot_model_get_batches (m, run);
  spec.x1 = 200;
  compare_envelopes (b, ft_plot_model_get_summary (m, run), 200, &spec, 7);
  ft_plot_model_free (c);
  ft_plot_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot-lod/summary-copy-clear", test_summary_copy_and_clear);
  g_test_add_func ("/plot-lod/envelope-matches", test_envelope_matches);
  g_test_add_func ("/plot-lod/envelope-random", test_envelope_random);
  g_test_add_func ("/plot-lod/range-matches", test_range_matches);
  g_test_add_func ("/plot-lod/long-run-bounded", test_long_run_bounded);
  g_test_add_func ("/plot-lod/difference-lane-bounded", test_difference_lane_bounded);
  g_test_add_func ("/plot-lod/difference-steps-bounded", test_difference_steps_bounded);
  int status = g_test_run ();
  ft_plot_model_free (long_model);
  return status;
}
