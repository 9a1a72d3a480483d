/* ft-decision-view.c — decision regions over a 2-D dataset, with the test points on request (see
 * ft-decision-view.h). */
#include "views/ft-decision-view.h"

#include "plot/ft-plot-marks.h"
#include "views/ft-view-model-job.h"
#include "views/ft-view-paint.h"
#include "views/ft-view-worker.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#define MAX_POINTS 5000
#define SHADE_MAX  0.62 /* how far a certain cell goes from the background to its class colour */

/* What the view shows, shared with the computation running in a worker (reference counted, read-only
 * once made). */
typedef struct
{
  FtExperiment *exp;
  FtDataset *train; /* the view's copy: two features */
  FtDataset *test;  /* the view's copy of the test set (two features), or NULL */
  double lo[2], hi[2], step[2];
  uint32_t split; /* validation samples (drawn hollow) start here */
} ViewData;

static void
view_data_clear (ViewData *d)
{
  ft_experiment_free (d->exp);
  ft_dataset_free (d->train);
  ft_dataset_free (d->test);
}

static void
view_data_unref (ViewData *d)
{
  if (d != NULL)
    g_atomic_rc_box_release_full (d, (GDestroyNotify) view_data_clear);
}

/* One computation: in the data and weights (and the cached model when there is one), out the grid, the
 * model to keep, or an error. */
typedef struct
{
  FtViewModelJob in; /* the data (a ViewData), the weights and the view's model */
  FtDecisionGrid *grid;
  int correct;      /* training points the model gets right */
  int test_correct; /* test points the model gets right */
  char *error;
} Job;

static void
job_free (Job *job)
{
  ft_view_model_job_clear (&job->in, (GDestroyNotify) view_data_unref);
  ft_decision_grid_free (job->grid);
  g_free (job->error);
  g_free (job);
}

struct _FtDecisionView
{
  GtkWidget parent_instance;

  ViewData *data;        /* NULL: nothing to draw (see note) */
  char *note;            /* why there is nothing to draw, or NULL for the default hint */
  FtInspectModel *model; /* kept between computations; NULL while a job has it */
  float *pending;        /* the latest weights not yet computed, or NULL */
  size_t n_pending;
  gboolean running;
  GCancellable *cancellable;

  FtDecisionGrid *grid; /* the prediction shown */
  int correct;
  int test_correct;
  gboolean show_test; /* the test points drawn (the Playground's "Show test data") */
  guint drawn_train, drawn_test;
  char *error;
  char *description;

  cairo_surface_t *heatmap; /* the grid in colour, one pixel per cell */
  GdkRGBA heatmap_base;
};

enum
{
  SIGNAL_COMPUTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FtDecisionView, ft_decision_view, GTK_TYPE_WIDGET)

/* ---- helpers ---- */

static const char *
class_name (const FtDataset *ds, int k, char *buf, size_t size)
{
  if (ds->class_names != NULL && k >= 0 && k < ds->n_classes && ds->class_names[k] != NULL)
    return ds->class_names[k];
  g_snprintf (buf, size, "%d", k);
  return buf;
}

/* Filled: the class colour with an outline in the background colour, so that the point stands out on
 * the heatmap whatever the shade under it; hollow (validation): a ring in the class colour, darker. Test
 * points (draw_test_marker) are filled and ringed in the text colour, as the Playground draws them. */
static void
draw_marker (cairo_t *cr, int cls, double x, double y, double r, bool hollow, const GdkRGBA *base)
{
  const float *c = ft_plot_class_rgb (cls);
  ft_plot_class_marker_path (cr, cls, x, y, r);
  if (hollow)
    {
      cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.9);
      cairo_set_line_width (cr, 3.2);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, c[0] * 0.8, c[1] * 0.8, c[2] * 0.8, 1.0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  else
    {
      cairo_set_source_rgba (cr, c[0], c[1], c[2], 1.0);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.95);
      cairo_set_line_width (cr, 1.1);
      cairo_stroke (cr);
    }
}

/* A test point: the class colour, a ring in the text colour (black on a light theme) and a thin ring in the
 * background colour outside it, so that it reads on any shade and differs from training and validation. */
static void
draw_test_marker (cairo_t *cr, int cls, double x, double y, double r, const GdkRGBA *fg, const GdkRGBA *base)
{
  const float *c = ft_plot_class_rgb (cls);
  ft_plot_class_marker_path (cr, cls, x, y, r);
  cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.9);
  cairo_set_line_width (cr, 4.2);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgba (cr, c[0], c[1], c[2], 1.0);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95);
  cairo_set_line_width (cr, 1.8);
  cairo_stroke (cr);
}

/* ---- computing ---- */

static void
job_work (gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  const ViewData *d = job->in.data;
  GError *error = NULL;
  if (ft_view_model_job_prepare (&job->in, d->exp, d->train, &error))
    job->grid = ft_decision_grid (job->in.model, d->lo[0], d->hi[0], d->lo[1], d->hi[1],
                                  FT_DECISION_VIEW_GRID, FT_DECISION_VIEW_GRID, &error);
  if (job->grid != NULL)
    {
      uint32_t n = d->train->n;
      int *classes = g_new (int, n);
      if (ft_inspect_model_classify (job->in.model, d->train, NULL, n, classes, NULL, NULL, &error))
        for (uint32_t i = 0; i < n; i++)
          job->correct += classes[i] == (int) d->train->labels[i];
      g_free (classes);
    }
  if (job->grid != NULL && d->test != NULL && error == NULL)
    {
      uint32_t n = d->test->n;
      int *classes = g_new (int, n);
      if (ft_inspect_model_classify (job->in.model, d->test, NULL, n, classes, NULL, NULL, &error))
        for (uint32_t i = 0; i < n; i++)
          job->test_correct += classes[i] == (int) d->test->labels[i];
      g_free (classes);
    }
  if (error != NULL)
    {
      job->error = g_strdup (error->message);
      g_error_free (error);
    }
}

static void update_description (FtDecisionView *self);
static void job_done (gpointer view, gpointer data, gboolean done);

static void
start_job (FtDecisionView *self)
{
  Job *job = g_new0 (Job, 1);
  ft_view_model_job_take (&job->in, self->data, &self->pending, self->n_pending, &self->model);
  self->running = TRUE;
  ft_view_worker_run (self, self->cancellable, "decision regions", job, (GDestroyNotify) job_free, job_work,
                      job_done);
}

static void
job_done (gpointer view, gpointer data, gboolean done)
{
  FtDecisionView *self = view;
  Job *job = data;
  self->running = FALSE;
  gboolean current = ft_view_model_job_finish (&job->in, done, self->data, &self->model);
  if (current)
    {
      g_clear_pointer (&self->error, g_free);
      if (job->grid != NULL)
        {
          ft_decision_grid_free (self->grid);
          self->grid = g_steal_pointer (&job->grid);
          self->correct = job->correct;
          self->test_correct = job->test_correct;
          g_clear_pointer (&self->heatmap, cairo_surface_destroy);
        }
      else
        self->error = g_steal_pointer (&job->error);
      update_description (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  /* Weights that came while this ran (for these data or for new ones) are next. */
  if (self->pending != NULL && self->data != NULL)
    start_job (self);
  if (current)
    g_signal_emit (self, signals[SIGNAL_COMPUTED], 0);
}

/* ---- public API ---- */

GtkWidget *
ft_decision_view_new (void)
{
  return g_object_new (FT_TYPE_DECISION_VIEW, NULL);
}

static bool
is_playground (const FtExperiment *exp)
{
  return exp->data.source == FT_DATA_PLAYGROUND;
}

void
ft_decision_view_set_data (FtDecisionView *self, const FtExperiment *exp, const FtDataset *train)
{
  ft_decision_view_set_data_with_test (self, exp, train, NULL);
}

void
ft_decision_view_set_data_with_test (FtDecisionView *self, const FtExperiment *exp, const FtDataset *train,
                                     const FtDataset *test)
{
  g_return_if_fail (FT_IS_DECISION_VIEW (self));
  g_clear_pointer (&self->data, view_data_unref);
  g_clear_pointer (&self->note, g_free);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  g_clear_pointer (&self->grid, ft_decision_grid_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->heatmap, cairo_surface_destroy);
  self->correct = self->test_correct = 0;

  if (exp != NULL && train != NULL && (train->features == NULL || train->sample_size != 2 || train->n == 0))
    self->note = g_strdup_printf ("Decision regions are drawn for data with two features; %s has %zu values "
                                  "per sample.",
                                  train->name != NULL ? train->name : "this dataset", train->sample_size);
  else if (exp != NULL && train != NULL)
    {
      ViewData *d = g_atomic_rc_box_new0 (ViewData);
      d->exp = ft_experiment_copy (exp);
      d->train = ft_dataset_slice (train, 0, train->n);
      g_free (d->train->name); /* the original's name, not "spiral [0:500]" */
      d->train->name = g_strdup (train->name);
      for (int a = 0; a < 2; a++)
        {
          if (is_playground (exp))
            {
              d->lo[a] = -6;
              d->hi[a] = 6;
              d->step[a] = 2;
              continue;
            }
          /* Other data: its range, padded to whole ticks, as the dataset panel's preview. */
          double mn = INFINITY, mx = -INFINITY;
          for (uint32_t i = 0; i < MIN (train->n, (uint32_t) MAX_POINTS); i++)
            {
              double v = train->features[(size_t) i * 2 + (size_t) a];
              if (isfinite (v))
                {
                  mn = MIN (mn, v);
                  mx = MAX (mx, v);
                }
            }
          if (!(mx > mn))
            {
              mn = isfinite (mn) ? mn - 1 : -1;
              mx = isfinite (mx) ? mx + 1 : 1;
            }
          d->step[a] = ft_view_nice_step (mx - mn, 5);
          d->lo[a] = floor (mn / d->step[a]) * d->step[a];
          d->hi[a] = ceil (mx / d->step[a]) * d->step[a];
        }
      if (test != NULL && test->features != NULL && test->sample_size == 2 && test->n > 0)
        d->test = ft_dataset_slice (test, 0, test->n);
      d->split = d->train->n;
      if (exp->fit.validation_split > 0 && exp->fit.validation_split < 1)
        d->split = ft_dataset_split_point (d->train, exp->fit.validation_split);
      self->data = d;
    }
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ft_decision_view_update_weights (FtDecisionView *self, const float *weights, size_t n)
{
  g_return_if_fail (FT_IS_DECISION_VIEW (self));
  g_return_if_fail (weights != NULL || n == 0);
  if (self->data == NULL)
    return;
  g_free (self->pending);
  self->pending = g_memdup2 (weights, n * sizeof (float));
  if (self->pending == NULL)
    self->pending = g_new (float, 1); /* no weights at all: the computation reports it */
  self->n_pending = n;
  if (!self->running)
    start_job (self);
}

void
ft_decision_view_set_show_test (FtDecisionView *self, gboolean show)
{
  g_return_if_fail (FT_IS_DECISION_VIEW (self));
  show = !!show;
  if (show == self->show_test)
    return;
  self->show_test = show;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify (G_OBJECT (self), "show-test");
}

gboolean
ft_decision_view_get_show_test (FtDecisionView *self)
{
  g_return_val_if_fail (FT_IS_DECISION_VIEW (self), FALSE);
  return self->show_test;
}

void
ft_decision_view_get_drawn (FtDecisionView *self, guint *train, guint *test)
{
  g_return_if_fail (FT_IS_DECISION_VIEW (self));
  if (train != NULL)
    *train = self->drawn_train;
  if (test != NULL)
    *test = self->drawn_test;
}

gboolean
ft_decision_view_is_busy (FtDecisionView *self)
{
  g_return_val_if_fail (FT_IS_DECISION_VIEW (self), FALSE);
  return self->running || self->pending != NULL;
}

const FtDecisionGrid *
ft_decision_view_get_grid (FtDecisionView *self)
{
  g_return_val_if_fail (FT_IS_DECISION_VIEW (self), NULL);
  return self->grid;
}

const char *
ft_decision_view_get_error (FtDecisionView *self)
{
  g_return_val_if_fail (FT_IS_DECISION_VIEW (self), NULL);
  return self->error;
}

const char *
ft_decision_view_get_description (FtDecisionView *self)
{
  g_return_val_if_fail (FT_IS_DECISION_VIEW (self), NULL);
  return self->description;
}

static void
update_description (FtDecisionView *self)
{
  GString *s = g_string_new ("Decision regions");
  if (self->data == NULL)
    g_string_append_printf (s, ". %s", self->note != NULL ? self->note : "No data.");
  else
    {
      const FtDataset *ds = self->data->train;
      char buf[16];
      g_string_append_printf (s, " of the model on %s", ds->name != NULL ? ds->name : "the data");
      if (self->grid != NULL)
        {
          const FtDecisionGrid *g = self->grid;
          size_t cells = (size_t) g->nx * (size_t) g->ny;
          int k = MIN (g->n_classes, 64);
          size_t counts[64] = { 0 };
          for (size_t c = 0; c < cells; c++)
            if (g->classes[c] >= 0 && g->classes[c] < k)
              counts[g->classes[c]]++;
          g_string_append (s, ": the plane is predicted");
          bool first = true;
          for (int c = 0; c < k; c++)
            if (counts[c] > 0)
              {
                g_string_append_printf (s, "%s %s %.0f %%", first ? "" : ",",
                                        class_name (ds, c, buf, sizeof buf), 100.0 * counts[c] / cells);
                first = false;
              }
          g_string_append_printf (s, "; %d of %u training points are classified correctly (%.0f %%)",
                                  self->correct, ds->n, 100.0 * self->correct / ds->n);
          const FtDataset *test = self->data->test;
          if (self->show_test && test != NULL)
            g_string_append_printf (s, "; the %u test points, drawn outlined, %d correctly (%.0f %%)",
                                    test->n, self->test_correct, 100.0 * self->test_correct / test->n);
          g_string_append_c (s, '.');
        }
      else if (self->error != NULL)
        g_string_append_printf (s, ": %s", self->error);
      else
        g_string_append (s, ": waiting for the model's weights.");
    }
  g_free (self->description);
  self->description = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description,
                                  -1);
}

/* ---- drawing ---- */

static void
shade (const GdkRGBA *base, const float *c, double a, guint32 *pixel)
{
  double r = base->red + (c[0] - base->red) * a;
  double g = base->green + (c[1] - base->green) * a;
  double b = base->blue + (c[2] - base->blue) * a;
  *pixel = 0xff000000u | (guint32) lround (CLAMP (r, 0, 1) * 255) << 16
           | (guint32) lround (CLAMP (g, 0, 1) * 255) << 8 | (guint32) lround (CLAMP (b, 0, 1) * 255);
}

static void
ensure_heatmap (FtDecisionView *self, const GdkRGBA *base)
{
  if (self->heatmap != NULL && gdk_rgba_equal (base, &self->heatmap_base))
    return;
  g_clear_pointer (&self->heatmap, cairo_surface_destroy);
  const FtDecisionGrid *g = self->grid;
  self->heatmap = cairo_image_surface_create (CAIRO_FORMAT_RGB24, g->nx, g->ny);
  self->heatmap_base = *base;
  cairo_surface_flush (self->heatmap);
  unsigned char *data = cairo_image_surface_get_data (self->heatmap);
  int stride = cairo_image_surface_get_stride (self->heatmap);
  int k = g->n_classes;
  for (int j = 0; j < g->ny; j++)
    {
      guint32 *row = (guint32 *) (data + (size_t) j * (size_t) stride);
      for (int i = 0; i < g->nx; i++)
        {
          size_t c = (size_t) j * (size_t) g->nx + (size_t) i;
          double t;
          int cls;
          if (k == 2)
            {
              double p = g->p1[c];
              cls = p > 0.5 ? 1 : 0;
              t = fabs (2 * p - 1);
            }
          else
            {
              cls = g->classes[c];
              t = (g->confidence[c] - 1.0 / k) / (1 - 1.0 / k);
            }
          if (!isfinite (t))
            t = 0;
          t = CLAMP (t, 0, 1);
          /* Lightness follows the confidence; a touch of colour even near ½ shows the side. */
          shade (base, ft_plot_class_rgb (cls), SHADE_MAX * (0.06 + 0.94 * pow (t, 0.8)), &row[i]);
        }
    }
  cairo_surface_mark_dirty (self->heatmap);
}

/* The boundary p = ½ between two classes by marching squares over the cell centres. */
static void
boundary_path (cairo_t *cr, const FtDecisionGrid *g, double x0, double y0, double side)
{
  double sx = side / g->nx, sy = side / g->ny;
  for (int j = 0; j + 1 < g->ny; j++)
    for (int i = 0; i + 1 < g->nx; i++)
      {
        /* Corners in order round the square: top left, top right, bottom right, bottom left. */
        int ci[4] = { i, i + 1, i + 1, i }, cj[4] = { j, j, j + 1, j + 1 };
        double v[4];
        for (int q = 0; q < 4; q++)
          v[q] = g->p1[(size_t) cj[q] * (size_t) g->nx + (size_t) ci[q]] - 0.5;
        double px[4], py[4];
        int n = 0;
        for (int e = 0; e < 4; e++)
          {
            int a = e, b = (e + 1) % 4;
            if ((v[a] > 0) == (v[b] > 0))
              continue;
            double t = v[a] / (v[a] - v[b]);
            px[n] = x0 + (ci[a] + t * (ci[b] - ci[a]) + 0.5) * sx;
            py[n] = y0 + (cj[a] + t * (cj[b] - cj[a]) + 0.5) * sy;
            n++;
          }
        for (int s = 0; s + 1 < n; s += 2)
          {
            cairo_move_to (cr, px[s], py[s]);
            cairo_line_to (cr, px[s + 1], py[s + 1]);
          }
      }
}

/* A sentence centred in a rounded box over the plot. */
static void
draw_message (cairo_t *cr, PangoLayout *layout, const char *text, double cx, double cy, double max_w,
              const GdkRGBA *fg, const GdkRGBA *base, const GdkRGBA *accent)
{
  pango_layout_set_width (layout, (int) (max_w * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_text (layout, text, -1);
  int tw, th;
  pango_layout_get_pixel_size (layout, &tw, &th);
  double pad = 10, w = tw + 2 * pad, h = th + 2 * pad, x = cx - w / 2, y = cy - h / 2, r = 8;
  ft_plot_rounded_rect (cr, x, y, w, h, r);
  cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.92);
  cairo_fill_preserve (cr);
  const GdkRGBA *edge = accent != NULL ? accent : fg;
  cairo_set_source_rgba (cr, edge->red, edge->green, edge->blue, accent != NULL ? 0.8 : 0.2);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  /* The layout's width is max_w: its lines are centred in it. */
  cairo_move_to (cr, cx - max_w / 2, y + pad);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_width (layout, -1);
}

/* Where the plane goes: a square over the view data's lo..hi. */
typedef struct
{
  const ViewData *d;
  FtViewSquare sq;
} Plane;

/* The plane: background, the prediction scaled smoothly over it, grid lines and the axes through 0, the
 * decision boundary for two classes, and a frame. */
static void
draw_plane (FtDecisionView *self, cairo_t *cr, const Plane *pl, const GdkRGBA *fg, const GdkRGBA *base)
{
  double x0 = pl->sq.x0, y0 = pl->sq.y0, side = pl->sq.side;
  cairo_save (cr);
  cairo_rectangle (cr, x0, y0, side, side);
  cairo_clip (cr);
  cairo_set_source_rgb (cr, base->red, base->green, base->blue);
  cairo_paint (cr);
  if (self->grid != NULL)
    {
      ensure_heatmap (self, base);
      cairo_save (cr);
      cairo_translate (cr, x0, y0);
      cairo_scale (cr, side / self->grid->nx, side / self->grid->ny);
      cairo_set_source_surface (cr, self->heatmap, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
      cairo_restore (cr);
    }
  ft_view_square_grid (cr, &pl->sq, fg, 0.28, 0.09);
  if (self->grid != NULL && self->grid->n_classes == 2)
    {
      boundary_path (cr, self->grid, x0, y0, side);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_source_rgba (cr, base->red, base->green, base->blue, 0.7);
      cairo_set_line_width (cr, 3.5);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.55);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x0 + 0.5, y0 + 0.5, side - 1, side - 1);
  cairo_stroke (cr);
}

/* Points: training filled, validation hollow (drawn last, on top), then the test points when asked for. */
static void
draw_points (FtDecisionView *self, cairo_t *cr, const Plane *pl, const GdkRGBA *fg, const GdkRGBA *base)
{
  const ViewData *d = pl->d;
  const FtDataset *ds = d->train;
  uint32_t n = MIN (ds->n, (uint32_t) MAX_POINTS);
  double r = pl->sq.side > 360 ? 4.2 : 3.4;
  cairo_save (cr);
  cairo_rectangle (cr, pl->sq.x0 - r - 2, pl->sq.y0 - r - 2, pl->sq.side + 2 * r + 4,
                   pl->sq.side + 2 * r + 4);
  cairo_clip (cr);
  self->drawn_train = self->drawn_test = 0;
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = pass == 0 ? 0 : d->split; i < (pass == 0 ? MIN (d->split, n) : n); i++)
      {
        const float *f = ds->features + (size_t) i * 2;
        if (isfinite (f[0]) && isfinite (f[1]))
          {
            draw_marker (cr, (int) ds->labels[i], ft_view_square_px (&pl->sq, f[0]),
                         ft_view_square_py (&pl->sq, f[1]), r, pass == 1, base);
            self->drawn_train++;
          }
      }
  if (self->show_test && d->test != NULL)
    for (uint32_t i = 0; i < MIN (d->test->n, (uint32_t) MAX_POINTS); i++)
      {
        const float *f = d->test->features + (size_t) i * 2;
        if (isfinite (f[0]) && isfinite (f[1]))
          {
            draw_test_marker (cr, (int) d->test->labels[i], ft_view_square_px (&pl->sq, f[0]),
                              ft_view_square_py (&pl->sq, f[1]), r, fg, base);
            self->drawn_test++;
          }
      }
  cairo_restore (cr);
}

/* The shading scale for two classes, right-aligned at right unless it would reach lx: "P(blue) 0 [orange …
 * neutral … blue] 1". */
static void
draw_shading_scale (cairo_t *cr, PangoLayout *layout, const FtDataset *ds, double lx, double ly, double right,
                    const GdkRGBA *fg, const GdkRGBA *base)
{
  double bar_w = 90, bar_h = 10;
  char buf[16];
  g_autofree char *caption = g_strdup_printf ("P(%s)", class_name (ds, 1, buf, sizeof buf));
  int wc, w0, w1;
  pango_layout_set_text (layout, caption, -1);
  pango_layout_get_pixel_size (layout, &wc, NULL);
  pango_layout_set_text (layout, "0", -1);
  pango_layout_get_pixel_size (layout, &w0, NULL);
  pango_layout_set_text (layout, "1", -1);
  pango_layout_get_pixel_size (layout, &w1, NULL);
  double bx = right - (wc + 10 + w0 + 6 + bar_w + 6 + w1);
  if (bx <= lx + 4)
    return;
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  ft_view_show_text (cr, layout, caption, bx, ly, 0, 0.5, NULL);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
  ft_view_show_text (cr, layout, "0", bx + wc + 10, ly, 0, 0.5, NULL);
  double gx = bx + wc + 10 + w0 + 6;
  cairo_pattern_t *grad = cairo_pattern_create_linear (gx, 0, gx + bar_w, 0);
  for (int s = 0; s <= 20; s++)
    {
      double p = s / 20.0, t = fabs (2 * p - 1);
      guint32 px;
      shade (base, ft_plot_class_rgb (p > 0.5 ? 1 : 0), SHADE_MAX * (0.06 + 0.94 * pow (t, 0.8)), &px);
      cairo_pattern_add_color_stop_rgb (grad, p, ((px >> 16) & 0xff) / 255.0, ((px >> 8) & 0xff) / 255.0,
                                        (px & 0xff) / 255.0);
    }
  cairo_rectangle (cr, gx + 0.5, ly - bar_h / 2 + 0.5, bar_w - 1, bar_h - 1);
  cairo_set_source (cr, grad);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (grad);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  /* The boundary's mark at ½. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.55);
  cairo_set_line_width (cr, 1.4);
  cairo_move_to (cr, gx + bar_w / 2, ly - bar_h / 2 - 2);
  cairo_line_to (cr, gx + bar_w / 2, ly + bar_h / 2 + 2);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7);
  ft_view_show_text (cr, layout, "1", gx + bar_w + 6, ly, 0, 0.5, NULL);
}

/* Legend: the classes, the validation and test markers, and the shading scale for two classes. */
static void
draw_legend (FtDecisionView *self, cairo_t *cr, PangoLayout *layout, const Plane *pl, double ly,
             const GdkRGBA *fg, const GdkRGBA *base)
{
  const ViewData *d = pl->d;
  const FtDataset *ds = d->train;
  double lx = pl->sq.x0;
  char buf[16];
  int tw;
  int n_legend = MIN (ds->n_classes, 8);
  for (int k = 0; k < n_legend; k++)
    {
      draw_marker (cr, k, lx + 5, ly, 4, false, base);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      ft_view_show_text (cr, layout, class_name (ds, k, buf, sizeof buf), lx + 14, ly, 0, 0.5, &tw);
      lx += 14 + tw + 14;
    }
  if (d->split < ds->n)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      cairo_new_sub_path (cr);
      cairo_arc (cr, lx + 5, ly, 4, 0, 2 * G_PI);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
      ft_view_show_text (cr, layout, "validation", lx + 14, ly, 0, 0.5, &tw);
      lx += 14 + tw + 14;
    }
  if (self->show_test && d->test != NULL)
    {
      GdkRGBA grey = { 0.6f, 0.6f, 0.6f, 1 };
      cairo_new_sub_path (cr);
      cairo_arc (cr, lx + 5, ly, 4, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, grey.red, grey.green, grey.blue, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.95);
      cairo_set_line_width (cr, 1.8);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
      ft_view_show_text (cr, layout, "test", lx + 14, ly, 0, 0.5, &tw);
      lx += 14 + tw + 14;
    }
  if (self->grid != NULL && self->grid->n_classes == 2)
    draw_shading_scale (cr, layout, ds, lx, ly, pl->sq.x0 + pl->sq.side, fg, base);
}

static void
draw (GtkWidget *widget, cairo_t *cr, double width, double height)
{
  FtDecisionView *self = FT_DECISION_VIEW (widget);
  GdkRGBA fg, base;
  ft_view_theme_colours (widget, &fg, &base);
  PangoLayout *layout = ft_view_scaled_layout (widget, 0.85, FALSE, FALSE);

  if (self->data == NULL)
    {
      const char *text = self->note != NULL ? self->note
                                            : "Decision regions appear here for a dataset with two features.";
      draw_message (cr, layout, text, width / 2, height / 2, MIN (width - 40, 360), &fg, &base, NULL);
      g_object_unref (layout);
      return;
    }

  int tick_w, tick_h;
  pango_layout_set_text (layout, "−0.0", -1);
  pango_layout_get_pixel_size (layout, &tick_w, &tick_h);
  double legend_h = tick_h + 14;
  double left = tick_w + 14, right = 16, top = 12, bottom = tick_h + 8 + legend_h;
  Plane pl = { .d = self->data };
  memcpy (pl.sq.lo, self->data->lo, sizeof pl.sq.lo);
  memcpy (pl.sq.hi, self->data->hi, sizeof pl.sq.hi);
  memcpy (pl.sq.step, self->data->step, sizeof pl.sq.step);
  pl.sq.side = floor (MIN (width - left - right, height - top - bottom));
  if (pl.sq.side < 60)
    {
      g_object_unref (layout);
      return;
    }
  pl.sq.x0 = floor (left + (width - left - right - pl.sq.side) / 2);
  pl.sq.y0 = top;
  draw_plane (self, cr, &pl, &fg, &base);
  ft_view_square_tick_labels (cr, layout, &pl.sq, &fg);
  draw_points (self, cr, &pl, &fg, &base);

  /* Messages over the plot. */
  double cx = pl.sq.x0 + pl.sq.side / 2, cy = pl.sq.y0 + pl.sq.side / 2;
  if (self->error != NULL)
    {
      GdkRGBA red = { 0.878f, 0.106f, 0.141f, 1 };
      draw_message (cr, layout, self->error, cx, cy, pl.sq.side * 0.8, &fg, &base, &red);
    }
  else if (self->grid == NULL)
    draw_message (cr, layout, "The model's prediction appears here once it has weights.", cx, cy,
                  pl.sq.side * 0.7, &fg, &base, NULL);
  draw_legend (self, cr, layout, &pl, pl.sq.y0 + pl.sq.side + tick_h + 8 + legend_h / 2, &fg, &base);
  g_object_unref (layout);
}

static void
ft_decision_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ft_view_snapshot_cairo (widget, snapshot, draw);
}

static void
ft_decision_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                          int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 220 : 240;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 440 : 480;
}

static void
ft_decision_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (ft_decision_view_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

/* ---- life cycle ---- */

enum
{
  PROP_0,
  PROP_SHOW_TEST,
};

static void
ft_decision_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SHOW_TEST)
    g_value_set_boolean (value, FT_DECISION_VIEW (object)->show_test);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ft_decision_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SHOW_TEST)
    ft_decision_view_set_show_test (FT_DECISION_VIEW (object), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ft_decision_view_dispose (GObject *object)
{
  FtDecisionView *self = FT_DECISION_VIEW (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->data, view_data_unref);
  g_clear_pointer (&self->model, ft_inspect_model_free);
  g_clear_pointer (&self->pending, g_free);
  G_OBJECT_CLASS (ft_decision_view_parent_class)->dispose (object);
}

static void
ft_decision_view_finalize (GObject *object)
{
  FtDecisionView *self = FT_DECISION_VIEW (object);
  g_clear_object (&self->cancellable);
  g_free (self->note);
  ft_decision_grid_free (self->grid);
  g_free (self->error);
  g_free (self->description);
  g_clear_pointer (&self->heatmap, cairo_surface_destroy);
  G_OBJECT_CLASS (ft_decision_view_parent_class)->finalize (object);
}

static void
ft_decision_view_class_init (FtDecisionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_decision_view_dispose;
  object_class->finalize = ft_decision_view_finalize;
  widget_class->snapshot = ft_decision_view_snapshot;
  widget_class->measure = ft_decision_view_measure;
  widget_class->css_changed = ft_decision_view_css_changed;
  gtk_widget_class_set_css_name (widget_class, "decision-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  /* Whether the test points are drawn (ft_decision_view_set_show_test); a check button binds to it. */
  object_class->get_property = ft_decision_view_get_property;
  object_class->set_property = ft_decision_view_set_property;
  g_object_class_install_property (
      object_class, PROP_SHOW_TEST,
      g_param_spec_boolean ("show-test", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Emitted on the main loop when a new prediction is shown (or its computation failed). */
  signals[SIGNAL_COMPUTED] = g_signal_new ("computed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
}

static void
ft_decision_view_init (FtDecisionView *self)
{
  self->cancellable = g_cancellable_new ();
  update_description (self);
}
