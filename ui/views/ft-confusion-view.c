/* ft-confusion-view.c — the confusion matrix and the misclassified test images (see ft-confusion-view.h):
 * the computation, the public API and the widget; the drawing is in ft-confusion-draw.c. */
#include "core/ft-format.h"
#include "views/ft-confusion-view-private.h"
#include "views/ft-view-paint.h"
#include "views/ft-view-worker.h"

#include <math.h>
#include <string.h>

static void
result_free (Result *r)
{
  if (r == NULL)
    return;
  g_free (r->dataset_name);
  g_strfreev (r->class_names);
  g_free (r->matrix);
  g_free (r->pixels);
  g_free (r);
}

typedef struct
{
  FtExperiment *exp;
  FtDataset *shape;      /* one training sample (for the input shape), or NULL */
  const FtDataset *test; /* kept alive by keep until release (keep) */
  gpointer keep;
  GDestroyNotify release;
  float *weights;
  size_t n;
  guint serial;
  Result *result;
  char *error;
} Job;

static void
job_free (Job *job)
{
  ft_experiment_free (job->exp);
  ft_dataset_free (job->shape);
  if (job->release != NULL)
    job->release (job->keep);
  g_free (job->weights);
  result_free (job->result);
  g_free (job->error);
  g_free (job);
}

enum
{
  SIGNAL_COMPUTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FtConfusionView, ft_confusion_view, GTK_TYPE_WIDGET)

/* ---- computing ---- */

static char **
names_for (const FtDataset *test, const FtDataset *train, int k)
{
  char **names = g_new0 (char *, (size_t) k + 1);
  for (int c = 0; c < k; c++)
    {
      const FtDataset *from = test->class_names != NULL && c < test->n_classes                      ? test
                              : train != NULL && train->class_names != NULL && c < train->n_classes ? train
                                                                                                    : NULL;
      names[c] = from != NULL && from->class_names[c] != NULL ? g_strdup (from->class_names[c])
                                                              : g_strdup_printf ("%d", c);
    }
  return names;
}

static void
job_work (gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  GError *error = NULL;
  FtInspectModel *model = ft_inspect_model_new (job->exp, job->shape, job->weights, job->n, &error);
  if (model != NULL)
    {
      const FtDataset *test = job->test;
      int k = ft_inspect_model_n_classes (model);
      Result *r = g_new0 (Result, 1);
      r->dataset_name = g_strdup (test->name != NULL ? test->name : "the test data");
      r->k = k;
      r->n_test = test->n;
      r->matrix = g_new0 (int, (size_t) k *(size_t) k);
      if (ft_confusion_matrix (model, test, r->matrix, r->index, MAX_KEPT, &r->n_kept, &error))
        {
          r->class_names = names_for (test, job->shape, k);
          for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
              {
                int count = r->matrix[t * k + p];
                if (t == p)
                  r->n_correct += count;
                else
                  r->n_mis += count;
              }
          /* The images, with what the model said and how sure it was. */
          if (test->pixels != NULL && test->ndim >= 2 && (test->ndim == 2 || test->shape[2] == 1))
            {
              r->rows = test->shape[0];
              r->cols = test->shape[1];
              size_t size = (size_t) r->rows * (size_t) r->cols;
              r->n_shown = MIN (r->n_kept, FT_CONFUSION_VIEW_MAX_IMAGES);
              r->pixels = g_new (uint8_t, (size_t) MAX (r->n_kept, 1) * size);
              for (int i = 0; i < r->n_kept; i++)
                {
                  memcpy (r->pixels + (size_t) i * size,
                          test->pixels + (size_t) r->index[i] * test->sample_size, size);
                  r->truth[i] = (int) test->labels[r->index[i]];
                }
              if (!ft_inspect_model_classify (model, test, r->index, (uint32_t) r->n_kept, r->predicted,
                                              r->confidence, NULL, &error))
                g_clear_pointer (&r, result_free);
            }
          else
            r->n_shown = r->n_kept = 0;
          job->result = r;
        }
      else
        result_free (r);
      ft_inspect_model_free (model);
    }
  if (error != NULL)
    {
      job->error = g_strdup (error->message);
      g_error_free (error);
    }
}

static void update_description (FtConfusionView *self);

static void
job_done (gpointer view, gpointer data, gboolean done)
{
  FtConfusionView *self = view;
  Job *job = data;
  self->running--;
  if (done && job->serial == self->serial) /* not superseded, cleared or disposed */
    {
      result_free (self->result);
      self->result = g_steal_pointer (&job->result);
      self->sel_true = self->sel_pred = -1;
      g_free (self->error);
      self->error = g_steal_pointer (&job->error);
      update_description (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_signal_emit (self, signals[SIGNAL_COMPUTED], 0);
    }
  else if (self->running == 0 && self->result == NULL && self->error == NULL)
    {
      update_description (self); /* no longer "computing" */
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

/* ---- public API ---- */

GtkWidget *
ft_confusion_view_new (void)
{
  return g_object_new (FT_TYPE_CONFUSION_VIEW, NULL);
}

static void
drop_running (FtConfusionView *self)
{
  self->serial++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

/* A test set of no samples, as the computation expects it (it says so). */
static FtDataset *
empty_like (const FtDataset *test)
{
  FtDataset *d = g_new0 (FtDataset, 1);
  d->name = g_strdup (test->name);
  d->ndim = test->ndim;
  memcpy (d->shape, test->shape, sizeof test->shape);
  d->sample_size = test->sample_size;
  d->n_classes = test->n_classes;
  return d;
}

void
ft_confusion_view_compute_shared (FtConfusionView *self, const FtExperiment *exp, const FtDataset *train,
                                  const FtDataset *test, const float *weights, size_t n, gpointer keep,
                                  GDestroyNotify release)
{
  g_return_if_fail (FT_IS_CONFUSION_VIEW (self));
  g_return_if_fail (exp != NULL && test != NULL);
  g_return_if_fail (weights != NULL || n == 0);
  drop_running (self);
  Job *job = g_new0 (Job, 1);
  job->serial = self->serial;
  job->exp = ft_experiment_copy (exp);
  job->shape = train != NULL && train->n > 0 ? ft_dataset_slice (train, 0, 1) : NULL;
  job->test = test;
  job->keep = keep;
  job->release = release;
  /* An empty vector still counts as given: the model then reports the count that was expected. */
  job->weights = n > 0 ? g_memdup2 (weights, n * sizeof (float)) : g_new0 (float, 1);
  job->n = n;
  self->running++;
  ft_view_worker_run (self, self->cancellable, "confusion matrix", job, (GDestroyNotify) job_free, job_work,
                      job_done);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ft_confusion_view_compute (FtConfusionView *self, const FtExperiment *exp, const FtDataset *train,
                           const FtDataset *test, const float *weights, size_t n)
{
  g_return_if_fail (FT_IS_CONFUSION_VIEW (self));
  g_return_if_fail (test != NULL);
  FtDataset *copy = test->n > 0 ? ft_dataset_slice (test, 0, test->n) : empty_like (test);
  if (test->n > 0)
    {
      /* The copy under the original's name ("fashion-mnist (test)", not "… [0:10000]"). */
      g_free (copy->name);
      copy->name = g_strdup (test->name);
    }
  ft_confusion_view_compute_shared (self, exp, train, copy, weights, n, copy,
                                    (GDestroyNotify) ft_dataset_free);
}

void
ft_confusion_view_clear (FtConfusionView *self)
{
  g_return_if_fail (FT_IS_CONFUSION_VIEW (self));
  drop_running (self);
  g_clear_pointer (&self->result, result_free);
  g_clear_pointer (&self->error, g_free);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_confusion_view_is_busy (FtConfusionView *self)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), FALSE);
  return self->running > 0;
}

const int *
ft_confusion_view_get_matrix (FtConfusionView *self, int *k)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), NULL);
  if (k != NULL)
    *k = self->result != NULL ? self->result->k : 0;
  return self->result != NULL ? self->result->matrix : NULL;
}

int
ft_confusion_view_get_n_misclassified (FtConfusionView *self, int *n_shown)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), 0);
  if (n_shown != NULL)
    *n_shown = self->result != NULL ? self->result->n_shown : 0;
  return self->result != NULL ? self->result->n_mis : 0;
}

const char *
ft_confusion_view_get_error (FtConfusionView *self)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), NULL);
  return self->error;
}

const char *
ft_confusion_view_get_description (FtConfusionView *self)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), NULL);
  return self->description;
}

static void
update_description (FtConfusionView *self)
{
  GString *s = g_string_new ("Confusion matrix");
  const Result *r = self->result;
  if (self->error != NULL)
    g_string_append_printf (s, ": %s", self->error);
  else if (r == NULL)
    g_string_append (s, self->running > 0 ? ": computing." : ": not computed yet.");
  else
    {
      char a[32], b[32];
      ft_format_thousands (a, sizeof a, (int64_t) r->n_correct);
      ft_format_thousands (b, sizeof b, (int64_t) r->n_test);
      g_string_append_printf (s, " on %s: %s of %s test samples classified correctly (%.1f %%)",
                              r->dataset_name, a, b, r->n_test > 0 ? 100.0 * r->n_correct / r->n_test : 0.0);
      int bt = -1, bp = -1, best = 0;
      for (int t = 0; t < r->k; t++)
        for (int p = 0; p < r->k; p++)
          if (t != p && r->matrix[t * r->k + p] > best)
            {
              best = r->matrix[t * r->k + p];
              bt = t;
              bp = p;
            }
      if (best > 0)
        g_string_append_printf (s, "; the most frequent mistake: %s taken for %s (%d times)",
                                r->class_names[bt], r->class_names[bp], best);
      g_string_append_c (s, '.');
      if (r->n_shown > 0)
        g_string_append_printf (s, " %d misclassified test images are shown.", r->n_shown);
    }
  g_free (self->description);
  self->description = g_string_free (s, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->description,
                                  -1);
}

static void
ft_confusion_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ft_view_snapshot_cairo (widget, snapshot, ft_confusion_view_draw);
}

static void
ft_confusion_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                           int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 280;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 960 : 540;
}

static void
ft_confusion_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (ft_confusion_view_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

/* ---- life cycle ---- */

static void
ft_confusion_view_dispose (GObject *object)
{
  FtConfusionView *self = FT_CONFUSION_VIEW (object);
  self->serial++;
  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (ft_confusion_view_parent_class)->dispose (object);
}

static void
ft_confusion_view_finalize (GObject *object)
{
  FtConfusionView *self = FT_CONFUSION_VIEW (object);
  g_clear_object (&self->cancellable);
  result_free (self->result);
  g_free (self->error);
  g_free (self->description);
  G_OBJECT_CLASS (ft_confusion_view_parent_class)->finalize (object);
}

static void
ft_confusion_view_class_init (FtConfusionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = ft_confusion_view_dispose;
  object_class->finalize = ft_confusion_view_finalize;
  widget_class->snapshot = ft_confusion_view_snapshot;
  widget_class->measure = ft_confusion_view_measure;
  widget_class->css_changed = ft_confusion_view_css_changed;
  gtk_widget_class_set_css_name (widget_class, "confusion-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  /* Emitted on the main loop when a result (or an error) is shown. */
  signals[SIGNAL_COMPUTED] = g_signal_new ("computed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
}

/* A click on a cell shows that cell's images; on the diagonal, the selected cell again, or outside: all. */
static void
on_click (GtkGestureClick *gesture, int n_press, double x, double y, FtConfusionView *self)
{
  if (self->result == NULL || self->cell <= 0 || self->drawn_k != self->result->k)
    return;
  int p = (int) floor ((x - self->mx) / self->cell), t = (int) floor ((y - self->my) / self->cell);
  if (x < self->mx || y < self->my || p >= self->drawn_k || t >= self->drawn_k || t == p
      || (t == self->sel_true && p == self->sel_pred))
    ft_confusion_view_select_cell (self, -1, -1);
  else
    ft_confusion_view_select_cell (self, t, p);
}

void
ft_confusion_view_select_cell (FtConfusionView *self, int true_class, int predicted)
{
  g_return_if_fail (FT_IS_CONFUSION_VIEW (self));
  self->sel_true = true_class;
  self->sel_pred = predicted;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_confusion_view_get_counts_shown (FtConfusionView *self)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), FALSE);
  return self->result != NULL && self->counts_shown;
}

int
ft_confusion_view_get_n_images_drawn (FtConfusionView *self)
{
  g_return_val_if_fail (FT_IS_CONFUSION_VIEW (self), 0);
  return self->images_drawn;
}

static void
ft_confusion_view_init (FtConfusionView *self)
{
  self->cancellable = g_cancellable_new ();
  self->sel_true = self->sel_pred = -1;
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  update_description (self);
}
