/* test-plot-view.c — the plot widget in a real window (under Xvfb): it draws (a screenshot that is not
 * blank and shows the runs' colours), keeps the user's zoom while points arrive, hovers, and states the
 * latest values in its accessible label. The screenshot goes to $FT_PLOT_SCREENSHOT or
 * /tmp/fittape-plot-view.png. */
#include "views/ft-plot-view.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  GtkWidget *window;
  GtkWidget *loss;
  GtkWidget *accuracy;
  FtPlotModel *model;
  int fit, tape;
  int epochs_fed;
  gint64 samples[2];
  guint32 seed;
} Fixture;

/* Adds epochs [from, to) of a plausible run to both runs. */
static void
feed (Fixture *f, int from, int to, int steps)
{
  GRand *rand = g_rand_new_with_seed (f->seed++);
  for (int r = 0; r < 2; r++)
    {
      int run = r == 0 ? f->fit : f->tape;
      double offset = r * 0.06;
      for (int e = from; e < to; e++)
        {
          double sum_loss = 0, sum_acc = 0;
          FtLogs logs;
          for (int b = 0; b < steps; b++)
            {
              double t = e + (b + 1.0) / steps;
              double loss = 0.3 + 1.9 * exp (-1.8 * t) + offset + g_rand_double_range (rand, -0.1, 0.1);
              double acc = 0.9 - 0.75 * exp (-2.0 * t) - offset * 0.4
                           + g_rand_double_range (rand, -0.03, 0.03);
              sum_loss += loss;
              sum_acc += acc;
              f->samples[r] += 64;
              ft_logs_clear (&logs);
              ft_logs_set (&logs, "loss", sum_loss / (b + 1));
              ft_logs_set (&logs, "accuracy", sum_acc / (b + 1));
              ft_plot_model_add_batch (f->model, run, e, b, steps, f->samples[r], (float) loss, &logs);
            }
          ft_logs_clear (&logs);
          ft_logs_set (&logs, "loss", sum_loss / steps);
          ft_logs_set (&logs, "accuracy", sum_acc / steps);
          ft_logs_set (&logs, "val_loss", sum_loss / steps + 0.04 + 0.015 * e);
          ft_logs_set (&logs, "val_accuracy", sum_acc / steps - 0.015 - 0.003 * e);
          ft_plot_model_add_epoch (f->model, run, e, f->samples[r], &logs);
        }
    }
  f->epochs_fed = to;
  g_rand_free (rand);
  ft_plot_view_changed (FT_PLOT_VIEW (f->loss));
  ft_plot_view_changed (FT_PLOT_VIEW (f->accuracy));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  memset (f, 0, sizeof *f);
  f->seed = 42;
  f->model = ft_plot_model_new ();
  f->fit = ft_plot_model_add_run (f->model, "fit", 0);
  f->tape = ft_plot_model_add_run (f->model, "tape", 1);
  f->window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (f->window), "FitTape plots");
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 480);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  f->loss = ft_plot_view_new (f->model, FT_PLOT_LOSS);
  f->accuracy = ft_plot_view_new (f->model, FT_PLOT_ACCURACY);
  gtk_widget_set_hexpand (f->loss, TRUE);
  gtk_widget_set_vexpand (f->loss, TRUE);
  gtk_widget_set_hexpand (f->accuracy, TRUE);
  gtk_box_append (GTK_BOX (box), f->loss);
  gtk_box_append (GTK_BOX (box), f->accuracy);
  gtk_window_set_child (GTK_WINDOW (f->window), box);
  feed (f, 0, 3, 100); /* 300 per-batch points per run */
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (f->loss);
  gtk_test_widget_wait_for_draw (f->accuracy);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  /* The views are finalized with the window (no reference left behind by controllers or timeouts). */
  g_object_add_weak_pointer (G_OBJECT (f->loss), (gpointer *) &f->loss);
  g_object_add_weak_pointer (G_OBJECT (f->accuracy), (gpointer *) &f->accuracy);
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (f->loss);
  g_assert_null (f->accuracy);
  ft_plot_model_free (f->model);
}

/* The window as drawn, through the widget paintable and the window's renderer (GTK 4.8 API). */
static GdkTexture *
screenshot (GtkWidget *widget)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  return texture;
}

typedef struct
{
  int width, height;
  guchar *data;
  gsize stride;
} Pixels;

static void
download (GdkTexture *texture, Pixels *p)
{
  p->width = gdk_texture_get_width (texture);
  p->height = gdk_texture_get_height (texture);
  p->stride = (gsize) p->width * 4;
  p->data = g_malloc (p->stride * p->height);
  gdk_texture_download (texture, p->data, p->stride); /* cairo ARGB32: native-endian 0xAARRGGBB */
}

static guint32
px (const Pixels *p, int x, int y)
{
  return ((const guint32 *) (const void *) (p->data + y * p->stride))[x] & 0xffffff;
}

static int
count_near (const Pixels *p, guint32 want, double tolerance, int x0, int x1)
{
  int n = 0;
  for (int y = 0; y < p->height; y++)
    for (int x = x0; x < x1 && x < p->width; x++)
      {
        guint32 c = px (p, x, y);
        double dr = (double) ((c >> 16) & 0xff) - ((want >> 16) & 0xff);
        double dg = (double) ((c >> 8) & 0xff) - ((want >> 8) & 0xff);
        double db = (double) (c & 0xff) - (want & 0xff);
        if (sqrt (dr * dr + dg * dg + db * db) <= tolerance)
          n++;
      }
  return n;
}

static void
test_draws (Fixture *f, gconstpointer data)
{
  /* Hovering over the loss chart, as a pointer would. */
  ft_plot_view_set_hover_x (FT_PLOT_VIEW (f->loss), 1.6);
  gtk_test_widget_wait_for_draw (f->loss);
  GdkTexture *texture = screenshot (f->window);
  const char *path = g_getenv ("FT_PLOT_SCREENSHOT") ? g_getenv ("FT_PLOT_SCREENSHOT")
                                                     : "/tmp/fittape-plot-view.png";
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%d × %d)", path, gdk_texture_get_width (texture),
                  gdk_texture_get_height (texture));

  Pixels p;
  download (texture, &p);
  /* Not blank: many distinct colours, and both runs' colours in both charts. */
  GHashTable *colours = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (int y = 0; y < p.height; y += 2)
    for (int x = 0; x < p.width; x += 2)
      g_hash_table_add (colours, GUINT_TO_POINTER (px (&p, x, y)));
  g_test_message ("%u distinct colours", g_hash_table_size (colours));
  g_assert_cmpuint (g_hash_table_size (colours), >, 50);
  g_hash_table_destroy (colours);
  graphene_point_t origin;
  g_assert_true (gtk_widget_compute_point (f->accuracy, f->window, &GRAPHENE_POINT_INIT (0, 0), &origin));
  int split = (int) origin.x;
  g_assert_cmpint (split, >, 100);
  /* The runs' colours as the view draws them (the palette differs between light and dark themes). */
  FtPlotStyle style;
  ft_plot_view_get_style (FT_PLOT_VIEW (f->loss), &style, FALSE);
  g_test_message ("the widget's font: %s %.1f px; %s theme", style.font_family, style.font_size,
                  style.dark ? "dark" : "light");
  g_assert_cmpfloat (style.font_size, >, 6);
  g_assert_cmpfloat (style.font_size, <, 40);
  FtPlotColor c0, c1;
  ft_plot_style_run_color (&style, 0, &c0);
  ft_plot_style_run_color (&style, 1, &c1);
  guint32 BLUE = ((guint32) lround (c0.r * 255) << 16) | ((guint32) lround (c0.g * 255) << 8)
                 | (guint32) lround (c0.b * 255);
  guint32 VERMILLION = ((guint32) lround (c1.r * 255) << 16) | ((guint32) lround (c1.g * 255) << 8)
                       | (guint32) lround (c1.b * 255);
  int loss_blue = count_near (&p, BLUE, 40, 0, split), acc_blue = count_near (&p, BLUE, 40, split, p.width);
  int loss_red = count_near (&p, VERMILLION, 40, 0, split),
      acc_red = count_near (&p, VERMILLION, 40, split, p.width);
  g_test_message ("loss: %d blue, %d vermillion; accuracy: %d blue, %d vermillion", loss_blue, loss_red,
                  acc_blue, acc_red);
  g_assert_cmpint (loss_blue, >, 300);
  g_assert_cmpint (loss_red, >, 300);
  g_assert_cmpint (acc_blue, >, 300);
  g_assert_cmpint (acc_red, >, 300);
  g_free (p.data);
  g_object_unref (texture);

  /* The views know where they drew. */
  FtPlotGeometry g;
  g_assert_true (ft_plot_view_get_geometry (FT_PLOT_VIEW (f->loss), &g));
  g_assert_true (g.has_data);
  g_assert_cmpfloat (g.x_max, >=, 3.0);
  g_assert_cmpfloat (g.plot_width, >, 200);

  /* Text follows the widget's font: CSS that enlarges it (as a presentation class on the window would)
   * enlarges the plot's text. */
  FtPlotStyle before, after;
  ft_plot_view_get_style (FT_PLOT_VIEW (f->loss), &before, FALSE);
  GtkCssProvider *css = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (css, "plot { font-size: 26px; }", -1);
  gtk_style_context_add_provider (gtk_widget_get_style_context (f->loss), GTK_STYLE_PROVIDER (css),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_test_widget_wait_for_draw (f->loss);
  ft_plot_view_get_style (FT_PLOT_VIEW (f->loss), &after, FALSE);
  g_test_message ("font %.1f px, with the CSS %.1f px", before.font_size, after.font_size);
  g_assert_cmpfloat_with_epsilon (after.font_size, 26.0, 0.5);
  gtk_style_context_remove_provider (gtk_widget_get_style_context (f->loss), GTK_STYLE_PROVIDER (css));
  g_object_unref (css);

  /* Export with the view's options and zoom. */
  char *svg = g_build_filename (g_get_tmp_dir (), "fittape-plot-view-test.svg", NULL);
  GError *error = NULL;
  g_assert_true (ft_plot_view_export (FT_PLOT_VIEW (f->accuracy), svg, 600, 400, &error));
  g_assert_no_error (error);
  char *contents = NULL;
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_free (contents);
  g_unlink (svg);
  g_free (svg);
  g_assert_false (ft_plot_view_export (FT_PLOT_VIEW (f->accuracy), "/tmp/plot.gif", 600, 400, &error));
  g_assert_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_FORMAT);
  g_clear_error (&error);

  /* The same chart as a 2× texture (what goes on the clipboard). */
  GdkTexture *tex = ft_plot_view_render_texture (FT_PLOT_VIEW (f->loss));
  g_assert_cmpint (gdk_texture_get_width (tex), ==, 2 * gtk_widget_get_width (f->loss));
  g_object_unref (tex);
  ft_plot_view_copy_to_clipboard (FT_PLOT_VIEW (f->loss));
}

static void
test_zoom_kept (Fixture *f, gconstpointer data)
{
  FtPlotView *view = FT_PLOT_VIEW (f->loss);
  g_assert_false (ft_plot_view_get_zoomed (view));
  ft_plot_view_set_x_range (view, 0.5, 1.5);
  g_assert_true (ft_plot_view_get_zoomed (view));
  gtk_test_widget_wait_for_draw (f->loss);
  FtPlotGeometry g;
  ft_plot_view_get_geometry (view, &g);
  g_assert_cmpfloat (g.x_min, ==, 0.5);
  g_assert_cmpfloat (g.x_max, ==, 1.5);

  /* Two more epochs arrive: the zoom stays; the unzoomed accuracy view follows the data. */
  feed (f, 3, 5, 100);
  gtk_test_widget_wait_for_draw (f->loss);
  gtk_test_widget_wait_for_draw (f->accuracy);
  ft_plot_view_get_geometry (view, &g);
  g_assert_cmpfloat (g.x_min, ==, 0.5);
  g_assert_cmpfloat (g.x_max, ==, 1.5);
  FtPlotViewport vp;
  ft_plot_view_get_viewport (view, &vp);
  g_assert_false (vp.x_auto);
  FtPlotGeometry ga;
  ft_plot_view_get_geometry (FT_PLOT_VIEW (f->accuracy), &ga);
  g_assert_cmpfloat (ga.x_max, >=, 5.0);

  /* Zooming in around a point keeps that point in place. */
  ft_plot_view_zoom_x (view, 2.0, 1.0);
  ft_plot_view_get_viewport (view, &vp);
  g_assert_cmpfloat_with_epsilon (vp.x_min, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (vp.x_max, 1.25, 1e-12);
  /* Zooming out past all the data goes back to automatic; so does a reset. */
  ft_plot_view_zoom_x (view, 1.0 / 64, 1.0);
  g_assert_false (ft_plot_view_get_zoomed (view));
  ft_plot_view_set_x_range (view, 1, 2);
  ft_plot_view_set_y_range (view, 0.2, 0.8);
  gboolean zoomed = FALSE;
  g_object_get (view, "zoomed", &zoomed, NULL);
  g_assert_true (zoomed);
  ft_plot_view_reset_zoom (view);
  g_assert_false (ft_plot_view_get_zoomed (view));
  gtk_test_widget_wait_for_draw (f->loss);
  ft_plot_view_get_geometry (view, &g);
  g_assert_cmpfloat (g.x_min, ==, 0);
  g_assert_cmpfloat (g.x_max, >=, 5.0);

  /* Changing the x axis resets the zoom (the units differ). */
  ft_plot_view_set_x_range (view, 1, 2);
  g_object_set (view, "x-axis", FT_PLOT_X_STEP, NULL);
  g_assert_false (ft_plot_view_get_zoomed (view));
  gtk_test_widget_wait_for_draw (f->loss);
  ft_plot_view_get_geometry (view, &g);
  g_assert_cmpfloat (g.x_max, >=, 5 * 100);
}

static void
test_hover_and_label (Fixture *f, gconstpointer data)
{
  FtPlotView *view = FT_PLOT_VIEW (f->loss);
  FtPlotGeometry g;
  g_assert_true (ft_plot_view_get_geometry (view, &g));
  double hx;
  g_assert_false (ft_plot_view_get_hover_x (view, &hx));
  /* Over the middle of the plot area: hovering at its data x. */
  double cx = g.plot_x + g.plot_width / 2, cy = g.plot_y + g.plot_height / 2;
  g_assert_true (ft_plot_view_hover_at (view, cx, cy));
  g_assert_true (ft_plot_view_get_hover_x (view, &hx));
  g_assert_cmpfloat_with_epsilon (hx, ft_plot_geometry_pixel_to_x (&g, cx), 1e-9);
  g_assert_cmpfloat (hx, >, g.x_min);
  g_assert_cmpfloat (hx, <, g.x_max);
  gtk_test_widget_wait_for_draw (f->loss);
  /* Outside the plot area (on the axis labels): no hover. */
  g_assert_false (ft_plot_view_hover_at (view, 2, 2));
  g_assert_false (ft_plot_view_get_hover_x (view, NULL));
  ft_plot_view_set_hover_x (view, 1.25);
  g_assert_true (ft_plot_view_get_hover_x (view, &hx));
  g_assert_cmpfloat (hx, ==, 1.25);
  gtk_test_widget_wait_for_draw (f->loss);

  /* The accessible label: role IMG, and the latest loss of each run. */
  g_assert_true (gtk_test_accessible_has_role (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_ROLE_IMG));
  feed (f, 3, 4, 100); /* a new epoch: the label is updated at once */
  const char *label = ft_plot_view_get_accessible_label (view);
  g_test_message ("%s", label);
  const FtPlotEpochPoint *e = ft_plot_model_get_epochs (f->model, f->tape);
  int n = ft_plot_model_get_n_epochs (f->model, f->tape);
  double loss;
  g_assert_true (ft_logs_get (&e[n - 1].logs, "loss", &loss));
  char buf[64];
  ft_plot_format_value (buf, sizeof buf, loss);
  g_assert_nonnull (strstr (label, "Loss plot"));
  g_assert_nonnull (strstr (label, "after epoch 4"));
  g_assert_nonnull (strstr (label, buf));
  char *err = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                  label);
  g_assert_null (err);
  label = ft_plot_view_get_accessible_label (FT_PLOT_VIEW (f->accuracy));
  g_assert_nonnull (strstr (label, "Accuracy plot"));
  g_assert_nonnull (strstr (label, "val_accuracy"));

  /* The accuracy axis spans 0–1, or fits the data when asked (this data lies within 0.1 … 0.95). */
  FtPlotGeometry ga;
  gtk_test_widget_wait_for_draw (f->accuracy);
  g_assert_true (ft_plot_view_get_geometry (FT_PLOT_VIEW (f->accuracy), &ga));
  g_assert_cmpfloat (ga.y_min, <=, 0.0);
  g_assert_cmpfloat (ga.y_max, >=, 1.0);
  ft_plot_view_set_accuracy_fit (FT_PLOT_VIEW (f->accuracy), TRUE);
  gtk_test_widget_wait_for_draw (f->accuracy);
  g_assert_true (ft_plot_view_get_geometry (FT_PLOT_VIEW (f->accuracy), &ga));
  g_assert_cmpfloat (ga.y_min, >, 0.0);
  g_assert_cmpfloat (ga.y_max, <, 1.0);

  /* Properties drawn without trouble: log y, raw loss, presentation, samples on x. */
  g_object_set (view, "log-y", TRUE, "show-raw-loss", TRUE, "presentation", TRUE, "x-axis", FT_PLOT_X_SAMPLES,
                NULL);
  gtk_test_widget_wait_for_draw (f->loss);
  g_assert_true (ft_plot_view_get_geometry (view, &g));
  g_assert_true (g.log_y);
  g_assert_cmpfloat (g.x_max, >=, 4 * 100 * 64);
  GdkTexture *texture = screenshot (f->window);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-plot-view-presentation.png"));
  g_object_unref (texture);
}

/* The divergence mark: without one there is nothing to show; with one, show_mark pins the hover box at it
 * and pointer motion leaves it there until a click elsewhere. */
static void
test_mark_pins_hover (Fixture *f, gconstpointer data)
{
  FtPlotView *view = FT_PLOT_VIEW (f->loss);
  g_assert_false (ft_plot_view_show_mark (view));
  ft_plot_model_set_pair (f->model, f->fit, f->tape);
  ft_plot_model_set_mark (f->model, f->fit, 1, 49, "parted");
  ft_plot_view_changed (view);
  gtk_test_widget_wait_for_draw (f->loss);
  g_assert_true (ft_plot_view_show_mark (view));
  double x = 0;
  g_assert_true (ft_plot_view_get_hover_x (view, &x));
  g_assert_cmpfloat (fabs (x - 1.5), <, 1e-12);
  FtPlotGeometry g;
  g_assert_true (ft_plot_view_get_geometry (view, &g));
  /* Motion elsewhere over the plot does not move a pinned hover. */
  GtkEventController *motion = NULL;
  GListModel *controllers = gtk_widget_observe_controllers (f->loss);
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && motion == NULL; i++)
    {
      GtkEventController *c = g_list_model_get_item (controllers, i);
      if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
        motion = c;
      g_object_unref (c);
    }
  g_object_unref (controllers);
  g_assert_nonnull (motion);
  g_signal_emit_by_name (motion, "motion", g.plot_x + 10, g.plot_y + g.plot_height / 2);
  g_assert_true (ft_plot_view_get_hover_x (view, &x));
  g_assert_cmpfloat (fabs (x - 1.5), <, 1e-12);
}

int
main (int argc, char **argv)
{
  /* The test AT context keeps accessible properties where gtk_test_accessible_check_property reads them. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/plot-view/draws", Fixture, NULL, fixture_setup, test_draws, fixture_teardown);
  g_test_add ("/plot-view/zoom-kept", Fixture, NULL, fixture_setup, test_zoom_kept, fixture_teardown);
  g_test_add ("/plot-view/hover-label", Fixture, NULL, fixture_setup, test_hover_and_label, fixture_teardown);
  g_test_add ("/plot-view/mark-pins-hover", Fixture, NULL, fixture_setup, test_mark_pins_hover,
              fixture_teardown);
  return g_test_run ();
}
