/* test-inspect-views.c — the decision-region and confusion-matrix widgets in real windows (under Xvfb):
 * after their asynchronous work completes they show something (screenshots with the class colours and
 * enough different pixels), weights sent in a burst are coalesced (the latest win), new data forget the
 * old prediction, and the widgets are finalized with their windows even when a computation is running.
 * Screenshots go to /tmp/fittape-decision.png and /tmp/fittape-confusion.png.
 *
 * The decision view is fed a small spiral model trained for real; the confusion view a Fashion-MNIST-like
 * image set made here (28 × 28 pictures of bars, blobs and rings, ten classes with Fashion-MNIST's names)
 * and a model with hand-set weights that scores each class by a template, so that some images are
 * misclassified. */
#include "views/ft-confusion-view.h"
#include "views/ft-decision-view.h"
#include "views/ft-view-worker.h"

#include <math.h>
#include <string.h>

/* ---- helpers ---- */

static FtExperiment *
experiment (const char *json)
{
  GError *error = NULL;
  FtExperiment *exp = ft_experiment_from_json (json, &error);
  g_assert_no_error (error);
  return exp;
}

static void
on_computed (GtkWidget *view, int *count)
{
  (*count)++;
}

/* Runs the main loop until *count reaches want (or 30 s have gone). */
static void
wait_count (int *count, int want)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (*count < want && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (*count, >=, want);
}

static void
wait_idle_for (GtkWidget *w, gboolean (*busy) (GtkWidget *))
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (busy (w) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (busy (w));
}

static gboolean
decision_busy (GtkWidget *w)
{
  return ft_decision_view_is_busy (FT_DECISION_VIEW (w));
}

/* A keeper's release: counts the calls (a worker thread may make it). */
static void
count_release (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

/* Until *released reaches want: the last reference to a computation may be dropped on its worker thread
 * after the view has shown the result, so the count is polled. */
static void
wait_released (int *released, int want)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_atomic_int_get (released) < want && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
confusion_busy (GtkWidget *w)
{
  return ft_confusion_view_is_busy (FT_CONFUSION_VIEW (w));
}

/* The widget as drawn, through the widget paintable and the window's renderer (GTK 4.8 API). */
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
  gsize stride;
  guchar *data;
} Pixels;

static Pixels
download (GdkTexture *texture)
{
  Pixels p = { gdk_texture_get_width (texture), gdk_texture_get_height (texture), 0, NULL };
  p.stride = (gsize) p.width * 4;
  p.data = g_malloc (p.stride * (gsize) p.height);
  gdk_texture_download (texture, p.data, p.stride);
  return p;
}

/* Pixels (B, G, R order of the download) within tol of a colour whose hue is that of (r, g, b): a tinted
 * version of it between the background and the full colour. */
static int
count_tinted (const Pixels *p, double r, double g, double b, double min_strength)
{
  int n = 0;
  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        const guchar *q = p->data + (gsize) y * p->stride + (gsize) x * 4;
        double pb = q[0] / 255.0, pg = q[1] / 255.0, pr = q[2] / 255.0;
        /* pixel = white + (colour − white)·a; estimate a from the channel that moved most. */
        double a = 0;
        double d[3] = { 1 - r, 1 - g, 1 - b }, e[3] = { 1 - pr, 1 - pg, 1 - pb };
        int best = 0;
        for (int c = 1; c < 3; c++)
          if (d[c] > d[best])
            best = c;
        if (d[best] < 0.1)
          continue;
        a = e[best] / d[best];
        if (a < min_strength || a > 1.05)
          continue;
        bool ok = true;
        for (int c = 0; c < 3; c++)
          ok = ok && fabs (e[c] - d[c] * a) < 0.06;
        n += ok;
      }
  return n;
}

static int
count_distinct (const Pixels *p)
{
  GHashTable *set = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (int y = 0; y < p->height; y += 2)
    for (int x = 0; x < p->width; x += 2)
      {
        const guchar *q = p->data + (gsize) y * p->stride + (gsize) x * 4;
        guint key = (guint) q[0] | (guint) q[1] << 8 | (guint) q[2] << 16;
        g_hash_table_add (set, GUINT_TO_POINTER (key + 1));
      }
  int n = (int) g_hash_table_size (set);
  g_hash_table_destroy (set);
  return n;
}

static GtkWidget *
window_with (GtkWidget *child, int width, int height, const char *title)
{
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_widget_set_hexpand (child, TRUE);
  gtk_widget_set_vexpand (child, TRUE);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
destroy_window (GtkWidget *window, GtkWidget **view)
{
  g_object_add_weak_pointer (G_OBJECT (*view), (gpointer *) view);
  gtk_window_destroy (GTK_WINDOW (window));
  /* A computation still running holds the view until it returns. */
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (*view != NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, *view != NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (*view);
}

/* ---- the decision view ---- */

#define SPIRAL                                                                                                       \
  "{\"seed\": 7, \"dataset\": {\"name\": \"spiral\", \"samples\": 400, \"noise\": 0.05, \"test_samples\": 100},"     \
  " \"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"},"  \
  " {\"type\": \"Dense\", \"units\": 16, \"activation\": \"tanh\"}, {\"type\": \"Dense\", \"units\": 2}]},"          \
  " \"compile\": {\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"                                     \
  " \"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true}, \"metrics\": [\"accuracy\"]}," \
  " \"fit\": {\"epochs\": 1, \"batch_size\": 10, \"validation_split\": 0.2}}"

static void
test_decision (void)
{
  GError *error = NULL;
  FtExperiment *exp = experiment (SPIRAL);
  FtDataset *train = NULL, *test = NULL;
  g_assert_true (ft_experiment_load_data (exp, &train, &test, &error));
  g_assert_no_error (error);
  FtTrainer *trainer = ft_experiment_build_trainer (exp, train, &error);
  g_assert_no_error (error);
  FtModel *model = ft_trainer_model (trainer);
  size_t n = ft_model_n_params (model);
  float *w = g_new (float, n);

  GtkWidget *view = ft_decision_view_new ();
  GtkWidget *window = window_with (view, 560, 600, "FitTape decision regions");
  int computed = 0;
  g_signal_connect (view, "computed", G_CALLBACK (on_computed), &computed);
  FtDecisionView *dv = FT_DECISION_VIEW (view);
  gtk_test_widget_wait_for_draw (view);
  g_assert_null (ft_decision_view_get_grid (dv));

  /* Weights before any data are ignored. */
  ft_model_get_weights (model, w);
  ft_decision_view_update_weights (dv, w, n);
  g_assert_false (ft_decision_view_is_busy (dv));

  /* The data alone: points, no prediction yet. */
  ft_decision_view_set_data (dv, exp, train);
  g_assert_nonnull (strstr (ft_decision_view_get_description (dv), "waiting"));
  gtk_test_widget_wait_for_draw (view);

  /* Training in epochs, sending the weights after each as a run would; they pile up faster than the view
   * computes, and are coalesced. */
  FtFitArgs args = exp->fit;
  args.epochs = 1;
  int sent = 0;
  for (int epoch = 0; epoch < 150; epoch++)
    {
      args.initial_epoch = epoch;
      args.epochs = epoch + 1;
      g_assert_true (ft_fit (trainer, train, &args, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      if (epoch % 5 == 4)
        {
          ft_model_get_weights (model, w);
          ft_decision_view_update_weights (dv, w, n);
          sent++;
        }
    }
  wait_idle_for (view, decision_busy);
  g_test_message ("%d weight updates sent, %d computed", sent, computed);
  g_assert_cmpint (computed, >=, 1);
  g_assert_cmpint (computed, <=, sent);
  g_assert_null (ft_decision_view_get_error (dv));

  /* The latest weights won: the grid shown is theirs. */
  const FtDecisionGrid *g = ft_decision_view_get_grid (dv);
  g_assert_nonnull (g);
  g_assert_cmpint (g->nx, ==, FT_DECISION_VIEW_GRID);
  g_assert_cmpint (g->ny, ==, FT_DECISION_VIEW_GRID);
  FtInspectModel *im = ft_inspect_model_new (exp, train, w, n, &error);
  g_assert_no_error (error);
  FtDecisionGrid *expected = ft_decision_grid (im, -6, 6, -6, 6, FT_DECISION_VIEW_GRID, FT_DECISION_VIEW_GRID,
                                               &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g->p1, sizeof (float) * 100 * 100, expected->p1, sizeof (float) * 100 * 100);
  ft_decision_grid_free (expected);
  ft_inspect_model_free (im);
  const char *desc = ft_decision_view_get_description (dv);
  g_test_message ("%s", desc);
  g_assert_nonnull (strstr (desc, "training points are classified correctly"));

  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  GdkTexture *texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-decision.png"));
  Pixels p = download (texture);
  int orange = count_tinted (&p, 1.0, 0.471, 0.0, 0.2), blue = count_tinted (&p, 0.208, 0.518, 0.894, 0.2);
  int distinct = count_distinct (&p);
  g_test_message (
      "screenshot /tmp/fittape-decision.png %d × %d: %d orange-ish, %d blue-ish pixels, %d colours", p.width,
      p.height, orange, blue, distinct);
  /* Both regions cover a good part of the plane. */
  g_assert_cmpint (orange, >, p.width * p.height / 12);
  g_assert_cmpint (blue, >, p.width * p.height / 12);
  g_assert_cmpint (distinct, >, 200);
  g_free (p.data);
  g_object_unref (texture);

  /* The test set on request: off by default (the Playground's "Show test data"), then the 100 test points
   * on top of the 400 training and validation points, the number right in the description, the
   * model's own count. */
  ft_decision_view_set_data_with_test (dv, exp, train, test);
  ft_decision_view_update_weights (dv, w, n);
  wait_idle_for (view, decision_busy);
  guint drawn_train = 0, drawn_test = 0;
  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  ft_decision_view_get_drawn (dv, &drawn_train, &drawn_test);
  g_assert_cmpuint (drawn_train, ==, 400);
  g_assert_cmpuint (drawn_test, ==, 0);
  g_object_set (dv, "show-test", TRUE, NULL);
  g_assert_true (ft_decision_view_get_show_test (dv));
  gtk_test_widget_wait_for_draw (view);
  ft_decision_view_get_drawn (dv, &drawn_train, &drawn_test);
  g_assert_cmpuint (drawn_test, ==, 100);
  im = ft_inspect_model_new (exp, train, w, n, &error);
  g_assert_no_error (error);
  int *classes = g_new (int, test->n), right = 0;
  g_assert_true (ft_inspect_model_classify (im, test, NULL, test->n, classes, NULL, NULL, &error));
  for (uint32_t i = 0; i < test->n; i++)
    right += classes[i] == (int) test->labels[i];
  g_free (classes);
  ft_inspect_model_free (im);
  g_autofree char *want = g_strdup_printf ("the 100 test points, drawn outlined, %d correctly", right);
  g_test_message ("%s", ft_decision_view_get_description (dv));
  g_assert_nonnull (strstr (ft_decision_view_get_description (dv), want));
  texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-decision-test-points.png"));
  g_object_unref (texture);
  ft_decision_view_set_show_test (dv, FALSE);

  /* Wrong weights: the error is shown, the view keeps working. */
  ft_decision_view_update_weights (dv, w, n - 1);
  int before = computed;
  wait_count (&computed, before + 1);
  g_assert_nonnull (ft_decision_view_get_error (dv));
  g_test_message ("error shown: %s", ft_decision_view_get_error (dv));
  ft_decision_view_update_weights (dv, w, n);
  wait_count (&computed, before + 2);
  g_assert_null (ft_decision_view_get_error (dv));

  /* Image data: a note instead, and weights are ignored. */
  FtDataset *images = g_new0 (FtDataset, 1);
  images->name = g_strdup ("pictures");
  images->n = 2;
  images->ndim = 2;
  images->shape[0] = images->shape[1] = 3;
  images->sample_size = 9;
  images->pixels = g_new0 (uint8_t, 18);
  images->labels = g_new0 (float, 2);
  images->n_classes = 2;
  ft_decision_view_set_data (dv, exp, images);
  g_assert_null (ft_decision_view_get_grid (dv));
  ft_decision_view_update_weights (dv, w, n);
  g_assert_false (ft_decision_view_is_busy (dv));
  g_assert_nonnull (strstr (ft_decision_view_get_description (dv), "two features"));
  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-decision-note.png"));
  g_object_unref (texture);
  ft_dataset_free (images);

  /* New data while a computation runs: its result is dropped; the view goes away with its window even
   * with a computation in flight. */
  ft_decision_view_set_data (dv, exp, train);
  ft_decision_view_update_weights (dv, w, n);
  ft_decision_view_set_data (dv, exp, train);
  g_assert_null (ft_decision_view_get_grid (dv));
  ft_decision_view_update_weights (dv, w, n);
  ft_decision_view_set_data (dv, NULL, NULL);
  ft_decision_view_set_data (dv, exp, train);
  ft_decision_view_update_weights (dv, w, n);
  destroy_window (window, &view);

  g_free (w);
  ft_trainer_free (trainer);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
}

/* ---- the confusion view ---- */

static const char *const fashion_names[] = { "T-shirt/top", "Trouser",    "Pullover", "Dress",
                                             "Coat",        "Sandal",     "Shirt",    "Sneaker",
                                             "Bag",         "Ankle boot", NULL };

/* Ten shapes on 28 × 28 pixels, bright on black like Fashion-MNIST. */
static double
shape_value (int cls, double x, double y)
{
  double cx = x - 13.5, cy = y - 13.5, r = sqrt (cx * cx + cy * cy);
  switch (cls)
    {
    case 0:
      return fabs (cy) < 4 ? 1 : 0; /* horizontal bar */
    case 1:
      return fabs (cx) < 4 ? 1 : 0; /* vertical bar */
    case 2:
      return r < 8 ? 1 : 0; /* disc */
    case 3:
      return fabs (r - 9) < 2.5 ? 1 : 0; /* ring */
    case 4:
      return fabs (cx - cy) < 4 ? 1 : 0; /* diagonal */
    case 5:
      return fabs (cx + cy) < 4 ? 1 : 0; /* anti-diagonal */
    case 6:
      return (fabs (cx) < 3 || fabs (cy) < 3) ? 1 : 0; /* cross */
    case 7:
      return y > 17 ? 1 : 0; /* bottom half */
    case 8:
      return (fabs (cx) < 9 && fabs (cy) < 9 && (fabs (cx) > 6 || fabs (cy) > 6)) ? 1 : 0; /* frame */
    default:
      return x < 10 ? 1 : 0; /* left band */
    }
}

static FtDataset *
shapes_dataset (uint32_t n, uint32_t seed)
{
  FtDataset *ds = g_new0 (FtDataset, 1);
  ds->name = g_strdup ("shapes (test)");
  ds->n = n;
  ds->ndim = 2;
  ds->shape[0] = ds->shape[1] = 28;
  ds->sample_size = 784;
  ds->pixels = g_new (uint8_t, (size_t) n * 784);
  ds->labels = g_new (float, n);
  ds->n_classes = 10;
  ds->class_names = g_strdupv ((char **) fashion_names);
  GRand *rand = g_rand_new_with_seed (seed);
  for (uint32_t i = 0; i < n; i++)
    {
      int cls = (int) (i % 10);
      ds->labels[i] = (float) cls;
      /* Shifted, noisy, and now and then blended with another shape so that the model errs. */
      double dx = g_rand_double_range (rand, -3, 3), dy = g_rand_double_range (rand, -3, 3);
      int other = g_rand_int_range (rand, 0, 10);
      double blend = g_rand_double (rand) < 0.25 ? g_rand_double_range (rand, 0.5, 1.0) : 0;
      for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
          {
            double v = shape_value (cls, x - dx, y - dy) * (1 - blend * 0.6)
                       + shape_value (other, x, y) * blend;
            v = v * 0.85 + g_rand_double_range (rand, 0, 0.25);
            ds->pixels[(size_t) i * 784 + (size_t) (y * 28 + x)] = (uint8_t) CLAMP (v * 255, 0, 255);
          }
    }
  g_rand_free (rand);
  return ds;
}

static void
test_confusion (void)
{
  /* Template matching: class c's score is the dot product of the image with c's centred shape. */
  FtExperiment *exp = experiment (
      "{\"dataset\": {\"name\": \"fashion_mnist\"}, \"model\": {\"input_shape\": [28, 28], \"layers\": ["
      "{\"type\": \"Flatten\"}, {\"type\": \"Dense\", \"units\": 10}]},"
      " \"compile\": {\"loss\": {\"name\": \"sparse_categorical_crossentropy\", \"from_logits\": true},"
      " \"metrics\": [\"accuracy\"]}}");
  size_t n = 784 * 10 + 10;
  float *w = g_new0 (float, n);
  for (int c = 0; c < 10; c++)
    {
      double sum = 0;
      for (int p = 0; p < 784; p++)
        sum += shape_value (c, p % 28, p / 28);
      for (int p = 0; p < 784; p++)
        w[p * 10 + c] = (float) ((shape_value (c, p % 28, p / 28) - 0.35) * 12.0 / sum);
    }
  FtDataset *test = shapes_dataset (1000, 5);

  GtkWidget *view = ft_confusion_view_new ();
  GtkWidget *window = window_with (view, 1180, 620, "FitTape confusion matrix");
  FtConfusionView *cv = FT_CONFUSION_VIEW (view);
  int computed = 0;
  g_signal_connect (view, "computed", G_CALLBACK (on_computed), &computed);
  gtk_test_widget_wait_for_draw (view);
  g_assert_null (ft_confusion_view_get_matrix (cv, NULL));

  /* Computed twice in a row: only the second result counts. */
  ft_confusion_view_compute (cv, exp, NULL, test, w, n);
  ft_confusion_view_compute (cv, exp, NULL, test, w, n);
  g_assert_true (ft_confusion_view_is_busy (cv));
  /* The caller's data may go at once. */
  FtDataset *keep = shapes_dataset (1000, 5);
  ft_dataset_free (test);
  test = keep;
  wait_idle_for (view, confusion_busy);
  g_assert_cmpint (computed, ==, 1);
  g_assert_null (ft_confusion_view_get_error (cv));

  int k = 0;
  const int *matrix = ft_confusion_view_get_matrix (cv, &k);
  g_assert_nonnull (matrix);
  g_assert_cmpint (k, ==, 10);
  /* The same counts as the engine's. */
  GError *error = NULL;
  FtInspectModel *im = ft_inspect_model_new (exp, NULL, w, n, &error);
  g_assert_no_error (error);
  int expected[100];
  g_assert_true (ft_confusion_matrix (im, test, expected, NULL, 0, NULL, &error));
  g_assert_cmpmem (matrix, sizeof expected, expected, sizeof expected);
  ft_inspect_model_free (im);

  /* Borrowing the test set instead of copying it: the same matrix, and the keeper released once, when the
   * computation is done (the window hands over a reference to its shared data sets). */
  int released = 0, shared_computed = computed;
  ft_confusion_view_compute_shared (cv, exp, NULL, test, w, n, &released, count_release);
  g_assert_cmpint (g_atomic_int_get (&released), ==, 0);
  wait_idle_for (view, confusion_busy);
  g_assert_cmpint (computed, ==, shared_computed + 1);
  wait_released (&released, 1);
  g_assert_cmpint (g_atomic_int_get (&released), ==, 1);
  matrix = ft_confusion_view_get_matrix (cv, &k);
  g_assert_cmpmem (matrix, sizeof expected, expected, sizeof expected);
  /* A computation dropped for a newer one releases its keeper too. */
  ft_confusion_view_compute_shared (cv, exp, NULL, test, w, n, &released, count_release);
  ft_confusion_view_compute_shared (cv, exp, NULL, test, w, n, &released, count_release);
  wait_idle_for (view, confusion_busy);
  wait_released (&released, 3);
  g_assert_cmpint (g_atomic_int_get (&released), ==, 3);
  matrix = ft_confusion_view_get_matrix (cv, &k);
  g_assert_cmpmem (matrix, sizeof expected, expected, sizeof expected);

  int correct = 0, total = 0;
  for (int i = 0; i < 100; i++)
    {
      total += matrix[i];
      correct += i / 10 == i % 10 ? matrix[i] : 0;
    }
  g_assert_cmpint (total, ==, 1000);
  int shown = 0;
  int mis = ft_confusion_view_get_n_misclassified (cv, &shown);
  g_test_message ("accuracy %d / 1000, %d misclassified, %d shown", correct, mis, shown);
  g_assert_cmpint (mis, ==, total - correct);
  g_assert_cmpint (correct, >, 500);
  g_assert_cmpint (mis, >=, FT_CONFUSION_VIEW_MAX_IMAGES);
  g_assert_cmpint (shown, ==, FT_CONFUSION_VIEW_MAX_IMAGES);
  const char *desc = ft_confusion_view_get_description (cv);
  g_test_message ("%s", desc);
  g_assert_nonnull (strstr (desc, "classified correctly"));
  g_assert_nonnull (strstr (desc, "most frequent mistake"));

  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  GdkTexture *texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-confusion.png"));
  Pixels p = download (texture);
  int green = count_tinted (&p, 0.149, 0.635, 0.412, 0.3), red = count_tinted (&p, 0.878, 0.106, 0.141, 0.15);
  int distinct = count_distinct (&p);
  g_test_message (
      "screenshot /tmp/fittape-confusion.png %d × %d: %d green-ish, %d red-ish pixels, %d colours", p.width,
      p.height, green, red, distinct);
  g_assert_true (ft_confusion_view_get_counts_shown (cv)); /* every cell carries its count */
  g_assert_cmpint (ft_confusion_view_get_n_images_drawn (cv), ==, FT_CONFUSION_VIEW_MAX_IMAGES);
  g_assert_cmpint (green, >, 4000); /* the diagonal */
  g_assert_cmpint (red, >, 300);    /* mistakes */
  g_assert_cmpint (distinct, >, 100);
  /* The images: grey pixels (bright shapes on black) fill part of the right half. */
  int grey = 0;
  for (int y = 0; y < p.height; y++)
    for (int x = p.width / 2; x < p.width; x++)
      {
        const guchar *q = p.data + (gsize) y * p.stride + (gsize) x * 4;
        grey += q[0] == q[1] && q[1] == q[2] && q[0] < 200;
      }
  g_test_message ("%d grey pixels on the right", grey);
  g_assert_cmpint (grey, >, 24 * 28 * 28);
  g_free (p.data);
  g_object_unref (texture);

  /* A click on a cell shows that cell's images: the most frequent mistake's, as many as it has (up to what
   * fits); a small window still shows some. */
  int worst_t = 0, worst_p = 1;
  for (int i = 0; i < k * k; i++)
    if (i / k != i % k && matrix[i] > matrix[worst_t * k + worst_p])
      {
        worst_t = i / k;
        worst_p = i % k;
      }
  ft_confusion_view_select_cell (cv, worst_t, worst_p);
  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  g_test_message ("cell %d → %d: %d images drawn of %d", worst_t, worst_p,
                  ft_confusion_view_get_n_images_drawn (cv), matrix[worst_t * k + worst_p]);
  g_assert_cmpint (ft_confusion_view_get_n_images_drawn (cv), >, 0);
  g_assert_cmpint (ft_confusion_view_get_n_images_drawn (cv), <=, matrix[worst_t * k + worst_p]);
  texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-confusion-cell.png"));
  g_object_unref (texture);
  ft_confusion_view_select_cell (cv, -1, -1);

  /* A model that does not fit the data: an error, shown. */
  FtExperiment *wrong = experiment ("{\"model\": {\"input_shape\": [2], \"layers\": [{\"type\": \"Dense\", "
                                    "\"units\": 10}]}}");
  size_t wn = 2 * 10 + 10;
  float *ww = g_new0 (float, wn);
  const int before_wrong = computed;
  ft_confusion_view_compute (cv, wrong, NULL, test, ww, wn);
  wait_count (&computed, before_wrong + 1);
  g_assert_nonnull (ft_confusion_view_get_error (cv));
  g_assert_null (ft_confusion_view_get_matrix (cv, NULL));
  g_test_message ("error shown: %s", ft_confusion_view_get_error (cv));
  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-confusion-error.png"));
  g_object_unref (texture);

  /* Two-feature data: the matrix alone. */
  FtExperiment *spiral = experiment (SPIRAL);
  FtDataset *train2 = NULL, *test2 = NULL;
  g_assert_true (ft_experiment_load_data (spiral, &train2, &test2, &error));
  g_assert_no_error (error);
  FtTrainer *trainer = ft_experiment_build_trainer (spiral, train2, &error);
  g_assert_no_error (error);
  size_t sn = ft_model_n_params (ft_trainer_model (trainer));
  float *sw = g_new (float, sn);
  ft_model_get_weights (ft_trainer_model (trainer), sw);
  ft_confusion_view_compute (cv, spiral, train2, test2, sw, sn);
  wait_count (&computed, before_wrong + 2);
  g_assert_null (ft_confusion_view_get_error (cv));
  g_assert_nonnull (ft_confusion_view_get_matrix (cv, &k));
  g_assert_cmpint (k, ==, 2);
  ft_confusion_view_get_n_misclassified (cv, &shown);
  g_assert_cmpint (shown, ==, 0);
  gtk_widget_queue_draw (view);
  gtk_test_widget_wait_for_draw (view);
  texture = screenshot (view);
  g_assert_true (gdk_texture_save_to_png (texture, "/tmp/fittape-confusion-2d.png"));
  g_object_unref (texture);

  /* Cleared; then gone with its window while computing. */
  ft_confusion_view_clear (cv);
  g_assert_null (ft_confusion_view_get_matrix (cv, NULL));
  ft_confusion_view_compute (cv, exp, NULL, test, w, n);
  destroy_window (window, &view);

  g_free (sw);
  ft_trainer_free (trainer);
  ft_dataset_free (train2);
  ft_dataset_free (test2);
  ft_experiment_free (spiral);
  g_free (ww);
  ft_experiment_free (wrong);
  g_free (w);
  ft_dataset_free (test);
  ft_experiment_free (exp);
}

/* ---- the worker both views compute with ---- */

typedef struct
{
  int value;
  gint *freed; /* set by the job's free function, which may run in the worker thread */
} WorkerJob;

static struct
{
  int calls;
  gboolean completed;
  int value;
  GThread *thread;
  gboolean freed_before_done;
} worker_seen;

static void
worker_job_free (gpointer p)
{
  WorkerJob *j = p;
  g_atomic_int_set (j->freed, 1);
  g_free (j);
}

static void
worker_job_work (gpointer p, GCancellable *cancellable)
{
  WorkerJob *j = p;
  j->value = 42;
}

static void
worker_job_done (gpointer view, gpointer p, gboolean completed)
{
  WorkerJob *j = p;
  g_assert_true (G_IS_OBJECT (view)); /* still alive: the worker holds it */
  worker_seen.calls++;
  worker_seen.completed = completed;
  worker_seen.value = j->value;
  worker_seen.thread = g_thread_self ();
  worker_seen.freed_before_done = g_atomic_int_get (j->freed);
}

/* A job runs off the main loop and is handed back on it, with the view kept alive until then and the job
 * freed after; a job cancelled before it starts is handed back not completed, without running. */
static void
test_view_worker (void)
{
  for (int cancelled = 0; cancelled < 2; cancelled++)
    {
      GObject *view = g_object_new (G_TYPE_OBJECT, NULL);
      g_object_add_weak_pointer (view, (gpointer *) &view);
      GCancellable *cancellable = g_cancellable_new ();
      if (cancelled)
        g_cancellable_cancel (cancellable);
      gint freed = 0;
      WorkerJob *j = g_new0 (WorkerJob, 1);
      j->freed = &freed;
      memset (&worker_seen, 0, sizeof worker_seen);
      ft_view_worker_run (view, cancellable, "test job", j, worker_job_free, worker_job_work,
                          worker_job_done);
      g_object_unref (view); /* the worker's reference keeps it */
      g_assert_nonnull (view);
      while (worker_seen.calls == 0)
        g_main_context_iteration (NULL, TRUE);
      /* The task's last reference (and so the job) may go in the worker thread, just after. */
      while (!g_atomic_int_get (&freed))
        g_usleep (1000);
      g_assert_cmpint (worker_seen.calls, ==, 1);
      g_assert_true (worker_seen.thread == g_thread_self ());
      g_assert_false (worker_seen.freed_before_done);
      g_assert_cmpint (worker_seen.completed, ==, !cancelled);
      g_assert_cmpint (worker_seen.value, ==, cancelled ? 0 : 42);
      g_assert_null (view); /* dropped after done */
      g_object_unref (cancellable);
    }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inspect-views/decision", test_decision);
  g_test_add_func ("/inspect-views/confusion", test_confusion);
  g_test_add_func ("/inspect-views/worker", test_view_worker);
  return g_test_run ();
}
