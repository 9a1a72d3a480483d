/* ft-plot-view.c — the live chart widget (see ft-plot-view.h). */
#include "views/ft-plot-view.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#define LABEL_INTERVAL_US G_USEC_PER_SEC
#define ZOOM_STEP         1.25

struct _FtPlotView
{
  GtkWidget parent_instance;

  FtPlotModel *model; /* borrowed */
  FtPlotMetric metric;
  guint64 drawn_serial;

  gboolean log_y;
  FtPlotXAxis x_axis;
  gboolean show_raw_loss;
  gboolean accuracy_fit; /* the accuracy axis fits the data instead of spanning 0–1 */
  gboolean presentation;

  FtPlotViewport vp;
  FtPlotGeometry geometry;
  gboolean have_geometry;
  char *font_family;

  /* Drag: the ranges when it began. */
  double drag_x0, drag_x1, drag_y0, drag_y1;
  gboolean dragging;
  gboolean drag_moved;
  double pointer_x, pointer_y;
  gboolean pointer_inside;
  gboolean hover_pinned; /* at the divergence mark, after a click on it */

  /* Accessible label. */
  char *label;
  gint64 label_time;
  int label_epochs;
  guint label_source;
};

enum
{
  PROP_0,
  PROP_METRIC,
  PROP_LOG_Y,
  PROP_X_AXIS,
  PROP_SHOW_RAW_LOSS,
  PROP_PRESENTATION,
  PROP_ZOOMED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_EPOCH_ACTIVATED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FtPlotView, ft_plot_view, GTK_TYPE_WIDGET)

GType
ft_plot_x_axis_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { FT_PLOT_X_EPOCH, "FT_PLOT_X_EPOCH", "epoch" },
        { FT_PLOT_X_STEP, "FT_PLOT_X_STEP", "step" },
        { FT_PLOT_X_SAMPLES, "FT_PLOT_X_SAMPLES", "samples" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("FtPlotXAxis"), values));
    }
  return type;
}

GType
ft_plot_metric_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { FT_PLOT_LOSS, "FT_PLOT_LOSS", "loss" },
        { FT_PLOT_ACCURACY, "FT_PLOT_ACCURACY", "accuracy" },
        { FT_PLOT_BOTH, "FT_PLOT_BOTH", "both" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("FtPlotMetric"), values));
    }
  return type;
}

/* ---- style ---- */

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

void
ft_plot_view_get_style (FtPlotView *self, FtPlotStyle *style, gboolean for_export)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  ft_plot_style_init (style);
  style->x_axis = self->x_axis;
  style->log_y = self->log_y;
  style->show_raw_loss = self->show_raw_loss;
  style->accuracy_full_range = !self->accuracy_fit;
  if (for_export)
    {
      ft_plot_style_set_presentation (style, self->presentation);
      return;
    }

  /* The widget's font (which follows the window's CSS, e.g. a presentation class that enlarges text). */
  GtkWidget *widget = GTK_WIDGET (self);
  PangoContext *pc = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *fd = pango_context_get_font_description (pc);
  if (fd != NULL)
    {
      const char *family = pango_font_description_get_family (fd);
      if (family != NULL && g_strcmp0 (family, self->font_family) != 0)
        {
          g_free (self->font_family);
          self->font_family = g_strdup (family);
        }
      double size = pango_font_description_get_size (fd) / (double) PANGO_SCALE;
      if (size > 0)
        {
          if (!pango_font_description_get_size_is_absolute (fd))
            {
              double dpi = pango_cairo_context_get_resolution (pc);
              size = size * (dpi > 0 ? dpi : 96.0) / 72.0;
            }
          style->font_size = size;
        }
    }
  style->font_family = self->font_family;

  /* Theme colours. */
  GtkStyleContext *sc = gtk_widget_get_style_context (widget);
  GdkRGBA fg, bg;
  gtk_style_context_get_color (sc, &fg);
  if (!gtk_style_context_lookup_color (sc, "view_bg_color", &bg)
      && !gtk_style_context_lookup_color (sc, "theme_base_color", &bg))
    bg = luminance (&fg) > 0.5 ? (GdkRGBA){ 0.118f, 0.118f, 0.118f, 1 } : (GdkRGBA){ 1, 1, 1, 1 };
  style->has_colors = true;
  style->fg = (FtPlotColor){ fg.red, fg.green, fg.blue, fg.alpha };
  style->bg = (FtPlotColor){ bg.red, bg.green, bg.blue, 1.0 };
  style->dark = luminance (&bg) < 0.5;

  if (self->presentation)
    {
      style->line_scale = 2.0;
      style->high_contrast = true;
      style->font_size = MAX (style->font_size, 22.0);
    }
}

/* ---- accessible label ---- */

static int
total_epochs (FtPlotView *self)
{
  int n = 0;
  if (self->model == NULL)
    return 0;
  for (int i = 0; i < ft_plot_model_get_n_runs (self->model); i++)
    n += ft_plot_model_get_n_epochs (self->model, ft_plot_model_get_run_id (self->model, i));
  return n;
}

static void
update_label (FtPlotView *self)
{
  g_clear_handle_id (&self->label_source, g_source_remove);
  char *text;
  if (self->model != NULL)
    text = ft_plot_describe (self->model, self->metric);
  else
    {
      char *title = ft_plot_title (NULL, self->metric);
      text = g_strdup_printf ("%s plot, no data.", title);
      g_free (title);
    }
  self->label_time = g_get_monotonic_time ();
  self->label_epochs = total_epochs (self);
  if (g_strcmp0 (text, self->label) == 0)
    {
      g_free (text);
      return;
    }
  g_free (self->label);
  self->label = text;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->label, -1);
}

static gboolean
label_timeout (gpointer data)
{
  FtPlotView *self = data;
  self->label_source = 0;
  update_label (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_label (FtPlotView *self)
{
  gint64 now = g_get_monotonic_time ();
  if (total_epochs (self) != self->label_epochs || now - self->label_time >= LABEL_INTERVAL_US)
    update_label (self);
  else if (self->label_source == 0)
    {
      guint ms = (guint) ((LABEL_INTERVAL_US - (now - self->label_time)) / 1000) + 1;
      self->label_source = g_timeout_add (ms, label_timeout, self);
    }
}

const char *
ft_plot_view_get_accessible_label (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), NULL);
  return self->label;
}

/* ---- model ---- */

GtkWidget *
ft_plot_view_new (FtPlotModel *model, FtPlotMetric metric)
{
  FtPlotView *self = g_object_new (FT_TYPE_PLOT_VIEW, "metric", metric, NULL);
  ft_plot_view_set_model (self, model);
  return GTK_WIDGET (self);
}

void
ft_plot_view_set_model (FtPlotView *self, FtPlotModel *model)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  self->model = model;
  self->drawn_serial = 0;
  self->have_geometry = FALSE;
  update_label (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

FtPlotModel *
ft_plot_view_get_model (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), NULL);
  return self->model;
}

FtPlotMetric
ft_plot_view_get_metric (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FT_PLOT_LOSS);
  return self->metric;
}

void
ft_plot_view_changed (FtPlotView *self)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  if (self->model == NULL || ft_plot_model_get_serial (self->model) == self->drawn_serial)
    return;
  self->drawn_serial = ft_plot_model_get_serial (self->model);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  schedule_label (self);
}

/* ---- zoom ---- */

static void
notify_zoomed (FtPlotView *self, gboolean was)
{
  if (was != ft_plot_view_get_zoomed (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ZOOMED]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_plot_view_get_zoomed (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  return !self->vp.x_auto || !self->vp.y_auto;
}

void
ft_plot_view_set_x_range (FtPlotView *self, double min, double max)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  g_return_if_fail (isfinite (min) && isfinite (max) && max > min);
  gboolean was = ft_plot_view_get_zoomed (self);
  self->vp.x_auto = false;
  self->vp.x_min = min;
  self->vp.x_max = max;
  notify_zoomed (self, was);
}

void
ft_plot_view_set_y_range (FtPlotView *self, double min, double max)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  g_return_if_fail (isfinite (min) && isfinite (max) && max > min);
  gboolean was = ft_plot_view_get_zoomed (self);
  self->vp.y_auto = false;
  self->vp.y_min = min;
  self->vp.y_max = max;
  notify_zoomed (self, was);
}

void
ft_plot_view_reset_zoom (FtPlotView *self)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  gboolean was = ft_plot_view_get_zoomed (self);
  self->vp.x_auto = true;
  self->vp.y_auto = true;
  notify_zoomed (self, was);
}

/* The x range on screen now: the user's, or the last drawn automatic one, or the data's. */
static void
current_x_range (FtPlotView *self, double *x0, double *x1)
{
  if (!self->vp.x_auto)
    {
      *x0 = self->vp.x_min;
      *x1 = self->vp.x_max;
    }
  else if (self->have_geometry)
    {
      *x0 = self->geometry.x_min;
      *x1 = self->geometry.x_max;
    }
  else if (self->model == NULL || !ft_plot_model_get_x_extent (self->model, self->x_axis, x0, x1)
           || *x1 <= *x0)
    {
      *x0 = 0;
      *x1 = 1;
    }
}

void
ft_plot_view_zoom_x (FtPlotView *self, double factor, double center)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  g_return_if_fail (factor > 0);
  double x0, x1;
  current_x_range (self, &x0, &x1);
  if (!isfinite (center))
    center = (x0 + x1) / 2;
  double n0 = center - (center - x0) / factor, n1 = center + (x1 - center) / factor;
  /* Zoomed out over all the data: back to automatic. */
  double d0, d1;
  if (factor < 1 && self->model != NULL && ft_plot_model_get_x_extent (self->model, self->x_axis, &d0, &d1)
      && n0 <= d0 && n1 >= d1)
    {
      gboolean was = ft_plot_view_get_zoomed (self);
      self->vp.x_auto = true;
      notify_zoomed (self, was);
      return;
    }
  if (n1 - n0 < 1e-9 * MAX (1.0, fabs (center)))
    return;
  ft_plot_view_set_x_range (self, n0, n1);
}

static void
zoom_y (FtPlotView *self, double factor, double center)
{
  if (!self->have_geometry)
    return;
  double y0 = self->vp.y_auto ? self->geometry.y_min : self->vp.y_min;
  double y1 = self->vp.y_auto ? self->geometry.y_max : self->vp.y_max;
  if (self->log_y)
    {
      if (!(y0 > 0 && center > 0))
        return;
      double l0 = log10 (y0), l1 = log10 (y1), lc = log10 (center);
      ft_plot_view_set_y_range (self, pow (10, lc - (lc - l0) / factor), pow (10, lc + (l1 - lc) / factor));
    }
  else
    ft_plot_view_set_y_range (self, center - (center - y0) / factor, center + (y1 - center) / factor);
}

void
ft_plot_view_get_viewport (FtPlotView *self, FtPlotViewport *vp)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  *vp = self->vp;
}

gboolean
ft_plot_view_get_geometry (FtPlotView *self, FtPlotGeometry *geometry)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  if (self->have_geometry && geometry != NULL)
    *geometry = self->geometry;
  return self->have_geometry;
}

/* ---- hover ---- */

void
ft_plot_view_set_hover_x (FtPlotView *self, double x)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  if (self->vp.has_hover && self->vp.hover_x == x)
    return;
  self->vp.has_hover = true;
  self->vp.hover_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ft_plot_view_clear_hover (FtPlotView *self)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  if (!self->vp.has_hover)
    return;
  self->vp.has_hover = false;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_plot_view_get_hover_x (FtPlotView *self, double *x)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  if (self->vp.has_hover && x != NULL)
    *x = self->vp.hover_x;
  return self->vp.has_hover;
}

static gboolean
inside_plot (FtPlotView *self, double x, double y)
{
  const FtPlotGeometry *g = &self->geometry;
  return self->have_geometry && x >= g->plot_x && x <= g->plot_x + g->plot_width && y >= g->plot_y
         && y <= g->plot_y + g->plot_height;
}

gboolean
ft_plot_view_hover_at (FtPlotView *self, double x, double y)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  /* Over a callback lane's mark the hover line snaps to its epoch, and the box tells the decision. */
  int lane = -1, event = -1;
  if (self->have_geometry && self->model != NULL && self->geometry.has_data
      && ft_plot_lanes_hit (self->model, &self->geometry, x, y, 8, &lane, &event))
    {
      int n;
      const FtPlotLaneEvent *ev = ft_plot_model_get_lane_events (self->model, self->geometry.lanes_run, &n);
      ft_plot_view_set_hover_x (self, ft_plot_model_lane_x (self->model, self->geometry.lanes_run,
                                                            self->geometry.x_axis, ev[event].epoch));
      return TRUE;
    }
  if ((!inside_plot (self, x, y) && lane < 0) || !self->geometry.has_data)
    {
      ft_plot_view_clear_hover (self);
      return FALSE;
    }
  ft_plot_view_set_hover_x (self, ft_plot_geometry_pixel_to_x (&self->geometry, x));
  return TRUE;
}

/* ---- events ---- */

gboolean
ft_plot_view_show_mark (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  double x;
  if (self->model == NULL || !ft_plot_model_get_mark (self->model, self->x_axis, &x, NULL))
    return FALSE;
  ft_plot_view_set_hover_x (self, x);
  self->hover_pinned = TRUE;
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, FtPlotView *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (!self->hover_pinned)
    ft_plot_view_hover_at (self, x, y);
  /* Over an epoch's point, the pointer says it can be clicked (it opens the point's ledger). */
  bool on_point = self->have_geometry && self->model != NULL
                  && ft_plot_epoch_hit (self->model, &self->geometry, self->metric, x, y,
                                        self->presentation ? 16 : 10, NULL, NULL, NULL, 0);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), on_point ? "pointer" : NULL);
}

gboolean
ft_plot_view_activate_hover (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  if (self->model == NULL || !self->vp.has_hover)
    return FALSE;
  for (int i = 0; i < ft_plot_model_get_n_runs (self->model); i++)
    {
      int id = ft_plot_model_get_run_id (self->model, i);
      if (!ft_plot_model_get_run_visible (self->model, id))
        continue;
      const char *key = self->metric == FT_PLOT_ACCURACY ? ft_plot_model_get_metric_key (self->model, id)
                                                         : "loss";
      int k = ft_plot_model_find_epoch (self->model, id, self->x_axis, self->vp.hover_x);
      if (key == NULL || k < 0)
        continue;
      g_signal_emit (self, signals[SIGNAL_EPOCH_ACTIVATED], 0, id,
                     ft_plot_model_get_epochs (self->model, id)[k].epoch, key);
      return TRUE;
    }
  return FALSE;
}

static void
on_leave (GtkEventControllerMotion *controller, FtPlotView *self)
{
  self->pointer_inside = FALSE;
  self->hover_pinned = FALSE;
  if (!self->dragging)
    ft_plot_view_clear_hover (self);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, FtPlotView *self)
{
  if (!self->have_geometry || !self->geometry.has_data || dy == 0)
    return FALSE;
  double factor = pow (ZOOM_STEP, -dy);
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double px = self->pointer_inside ? self->pointer_x : self->geometry.plot_x + self->geometry.plot_width / 2;
  double py = self->pointer_inside ? self->pointer_y : self->geometry.plot_y + self->geometry.plot_height / 2;
  if (mods & GDK_CONTROL_MASK)
    zoom_y (self, factor, ft_plot_geometry_pixel_to_y (&self->geometry, py));
  else
    ft_plot_view_zoom_x (self, factor, ft_plot_geometry_pixel_to_x (&self->geometry, px));
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, FtPlotView *self)
{
  if (!inside_plot (self, x, y) || !self->geometry.has_data)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->dragging = TRUE;
  self->drag_moved = FALSE;
  self->drag_x0 = self->geometry.x_min;
  self->drag_x1 = self->geometry.x_max;
  self->drag_y0 = self->geometry.y_min;
  self->drag_y1 = self->geometry.y_max;
}

static void
on_drag_update (GtkGestureDrag *gesture, double ox, double oy, FtPlotView *self)
{
  if (!self->dragging)
    return;
  if (!self->drag_moved && fabs (ox) < 4 && fabs (oy) < 4)
    return; /* a click, not a drag (yet) */
  self->drag_moved = TRUE;
  const FtPlotGeometry *g = &self->geometry;
  double dx = -ox / g->plot_width * (self->drag_x1 - self->drag_x0);
  ft_plot_view_set_x_range (self, self->drag_x0 + dx, self->drag_x1 + dx);
  if (!self->vp.y_auto)
    {
      /* A y range the user chose pans too. */
      double f = oy / g->plot_height;
      if (self->log_y && self->drag_y0 > 0)
        {
          double l0 = log10 (self->drag_y0), l1 = log10 (self->drag_y1), d = f * (l1 - l0);
          ft_plot_view_set_y_range (self, pow (10, l0 + d), pow (10, l1 + d));
        }
      else
        {
          double d = f * (self->drag_y1 - self->drag_y0);
          ft_plot_view_set_y_range (self, self->drag_y0 + d, self->drag_y1 + d);
        }
    }
}

static void
on_drag_end (GtkGestureDrag *gesture, double ox, double oy, FtPlotView *self)
{
  self->dragging = FALSE;
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, FtPlotView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    ft_plot_view_reset_zoom (self);
  /* A click on the divergence mark pins the hover box there; any other click unpins it. */
  double mx;
  bool on_mark = n_press == 1 && self->have_geometry && self->model != NULL
                 && ft_plot_model_get_mark (self->model, self->x_axis, &mx, NULL)
                 && fabs (ft_plot_geometry_x_to_pixel (&self->geometry, mx) - x) <= 8;
  if (on_mark)
    ft_plot_view_show_mark (self);
  else
    {
      if (self->hover_pinned)
        {
          self->hover_pinned = FALSE;
          ft_plot_view_hover_at (self, x, y);
        }
      if (n_press == 1)
        ft_plot_view_activate_at (self, x, y);
    }
}

gboolean
ft_plot_view_activate_at (FtPlotView *self, double x, double y)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  int run = 0, epoch = 0;
  char key[FT_LOG_KEY_MAX + 4];
  double radius = self->presentation ? 16 : 10;
  if (!self->have_geometry || self->model == NULL
      || !ft_plot_epoch_hit (self->model, &self->geometry, self->metric, x, y, radius, &run, &epoch, key,
                             sizeof key))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_EPOCH_ACTIVATED], 0, run, epoch, key);
  return TRUE;
}

static gboolean
on_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
        FtPlotView *self)
{
  double x0, x1, center;
  current_x_range (self, &x0, &x1);
  center = self->vp.has_hover ? self->vp.hover_x : (x0 + x1) / 2;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      ft_plot_view_zoom_x (self, ZOOM_STEP * ZOOM_STEP, center);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      ft_plot_view_zoom_x (self, 1.0 / (ZOOM_STEP * ZOOM_STEP), center);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
    case GDK_KEY_Home:
      ft_plot_view_reset_zoom (self);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      return ft_plot_view_activate_hover (self);
    case GDK_KEY_Left:
    case GDK_KEY_Right:
      {
        double d = (x1 - x0) * 0.1 * (keyval == GDK_KEY_Left ? -1 : 1);
        ft_plot_view_set_x_range (self, x0 + d, x1 + d);
      }
      return TRUE;
    case GDK_KEY_Escape:
      if (self->vp.has_hover)
        {
          ft_plot_view_clear_hover (self);
          return TRUE;
        }
      return FALSE;
    default:
      return FALSE;
    }
}

/* ---- drawing ---- */

static void
ft_plot_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  FtPlotView *self = FT_PLOT_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  if (width <= 1 || height <= 1)
    return;
  FtPlotStyle style;
  ft_plot_view_get_style (self, &style, FALSE);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->model != NULL)
    {
      ft_plot_render_full (cr, width, height, self->model, self->metric, &style, &self->vp, &self->geometry);
      self->have_geometry = TRUE;
      self->drawn_serial = ft_plot_model_get_serial (self->model);
    }
  else
    {
      FtPlotModel *empty = ft_plot_model_new ();
      ft_plot_render_full (cr, width, height, empty, self->metric, &style, &self->vp, &self->geometry);
      ft_plot_model_free (empty);
      self->have_geometry = TRUE;
    }
  if (gtk_widget_has_visible_focus (widget))
    {
      GdkRGBA accent;
      if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "accent_color", &accent))
        accent = (GdkRGBA){ 0.21f, 0.52f, 0.89f, 1 };
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.6);
      cairo_set_line_width (cr, 2);
      cairo_rectangle (cr, 1, 1, width - 2, height - 2);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
ft_plot_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                      int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 480;
    }
  else
    {
      *minimum = 150;
      *natural = 300;
    }
}

static void
ft_plot_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (ft_plot_view_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
ft_plot_view_focus_changed (GtkEventControllerFocus *controller, FtPlotView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- export and clipboard ---- */

static void
export_viewport (FtPlotView *self, FtPlotViewport *vp)
{
  *vp = self->vp;
  vp->has_hover = false;
}

gboolean
ft_plot_view_export (FtPlotView *self, const char *path, double width, double height, GError **error)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  FtPlotModel *empty = self->model == NULL ? ft_plot_model_new () : NULL;
  FtPlotFormat format;
  if (!ft_plot_format_from_path (path, &format))
    {
      /* ft_plot_export reports the unknown format. */
      gboolean ok = ft_plot_export (self->model ? self->model : empty, self->metric, path, width, height,
                                    NULL, error);
      ft_plot_model_free (empty);
      return ok;
    }
  FtPlotStyle style;
  ft_plot_view_get_style (self, &style, TRUE);
  FtPlotViewport vp;
  export_viewport (self, &vp);
  gboolean ok = ft_plot_export_full (self->model ? self->model : empty, self->metric, path, format, width,
                                     height, &style, &vp, error);
  ft_plot_model_free (empty);
  return ok;
}

static void
free_surface (gpointer data)
{
  cairo_surface_destroy (data);
}

GdkTexture *
ft_plot_view_render_texture (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), NULL);
  double w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w < 50 || h < 50)
    {
      w = 800;
      h = 500;
    }
  FtPlotModel *empty = self->model == NULL ? ft_plot_model_new () : NULL;
  FtPlotStyle style;
  ft_plot_view_get_style (self, &style, TRUE);
  FtPlotViewport vp;
  export_viewport (self, &vp);
  cairo_surface_t *image = ft_plot_render_image (self->model ? self->model : empty, self->metric, w, h, 2,
                                                 &style, &vp);
  ft_plot_model_free (empty);
  if (image == NULL)
    return NULL;
  int stride = cairo_image_surface_get_stride (image), ph = cairo_image_surface_get_height (image);
  GBytes *bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (image), (gsize) stride * ph,
                                              free_surface, image);
  /* cairo's ARGB32 is GDK_MEMORY_DEFAULT: premultiplied, native-endian 32-bit ARGB. */
  GdkTexture *texture = gdk_memory_texture_new (cairo_image_surface_get_width (image), ph, GDK_MEMORY_DEFAULT,
                                                bytes, stride);
  g_bytes_unref (bytes);
  return texture;
}

void
ft_plot_view_copy_to_clipboard (FtPlotView *self)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  GdkTexture *texture = ft_plot_view_render_texture (self);
  if (texture == NULL)
    return;
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)), texture);
  g_object_unref (texture);
}

/* ---- properties ---- */

void
ft_plot_view_set_log_y (FtPlotView *self, gboolean log_y)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  log_y = !!log_y;
  if (self->log_y == log_y)
    return;
  gboolean was = ft_plot_view_get_zoomed (self);
  self->log_y = log_y;
  self->vp.y_auto = true; /* a y range means something else on the other scale */
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOG_Y]);
  notify_zoomed (self, was);
}

gboolean
ft_plot_view_get_log_y (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  return self->log_y;
}

void
ft_plot_view_set_x_axis (FtPlotView *self, FtPlotXAxis axis)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  if (self->x_axis == axis)
    return;
  gboolean was = ft_plot_view_get_zoomed (self);
  self->x_axis = axis;
  self->vp.x_auto = true;
  self->vp.has_hover = false;
  self->have_geometry = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_X_AXIS]);
  notify_zoomed (self, was);
}

FtPlotXAxis
ft_plot_view_get_x_axis (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FT_PLOT_X_EPOCH);
  return self->x_axis;
}

void
ft_plot_view_set_show_raw_loss (FtPlotView *self, gboolean show)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  show = !!show;
  if (self->show_raw_loss == show)
    return;
  self->show_raw_loss = show;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHOW_RAW_LOSS]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ft_plot_view_set_accuracy_fit (FtPlotView *self, gboolean fit)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  if (self->accuracy_fit == !!fit)
    return;
  self->accuracy_fit = !!fit;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_plot_view_get_accuracy_fit (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  return self->accuracy_fit;
}

gboolean
ft_plot_view_get_show_raw_loss (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  return self->show_raw_loss;
}

void
ft_plot_view_set_presentation (FtPlotView *self, gboolean presentation)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  presentation = !!presentation;
  if (self->presentation == presentation)
    return;
  self->presentation = presentation;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PRESENTATION]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ft_plot_view_get_presentation (FtPlotView *self)
{
  g_return_val_if_fail (FT_IS_PLOT_VIEW (self), FALSE);
  return self->presentation;
}

static void
ft_plot_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FtPlotView *self = FT_PLOT_VIEW (object);
  switch (prop_id)
    {
    case PROP_METRIC:
      g_value_set_enum (value, self->metric);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_X_AXIS:
      g_value_set_enum (value, self->x_axis);
      break;
    case PROP_SHOW_RAW_LOSS:
      g_value_set_boolean (value, self->show_raw_loss);
      break;
    case PROP_PRESENTATION:
      g_value_set_boolean (value, self->presentation);
      break;
    case PROP_ZOOMED:
      g_value_set_boolean (value, ft_plot_view_get_zoomed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ft_plot_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FtPlotView *self = FT_PLOT_VIEW (object);
  switch (prop_id)
    {
    case PROP_METRIC:
      self->metric = g_value_get_enum (value);
      break;
    case PROP_LOG_Y:
      ft_plot_view_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_X_AXIS:
      ft_plot_view_set_x_axis (self, g_value_get_enum (value));
      break;
    case PROP_SHOW_RAW_LOSS:
      ft_plot_view_set_show_raw_loss (self, g_value_get_boolean (value));
      break;
    case PROP_PRESENTATION:
      ft_plot_view_set_presentation (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ft_plot_view_dispose (GObject *object)
{
  FtPlotView *self = FT_PLOT_VIEW (object);
  g_clear_handle_id (&self->label_source, g_source_remove);
  self->model = NULL;
  G_OBJECT_CLASS (ft_plot_view_parent_class)->dispose (object);
}

static void
ft_plot_view_finalize (GObject *object)
{
  FtPlotView *self = FT_PLOT_VIEW (object);
  g_free (self->label);
  g_free (self->font_family);
  G_OBJECT_CLASS (ft_plot_view_parent_class)->finalize (object);
}

static void
ft_plot_view_constructed (GObject *object)
{
  G_OBJECT_CLASS (ft_plot_view_parent_class)->constructed (object);
  update_label (FT_PLOT_VIEW (object));
}

static void
ft_plot_view_class_init (FtPlotViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = ft_plot_view_get_property;
  object_class->set_property = ft_plot_view_set_property;
  object_class->dispose = ft_plot_view_dispose;
  object_class->finalize = ft_plot_view_finalize;
  object_class->constructed = ft_plot_view_constructed;
  widget_class->snapshot = ft_plot_view_snapshot;
  widget_class->measure = ft_plot_view_measure;
  widget_class->css_changed = ft_plot_view_css_changed;

  props[PROP_METRIC] = g_param_spec_enum ("metric", NULL, NULL, FT_TYPE_PLOT_METRIC, FT_PLOT_LOSS,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                              | G_PARAM_STATIC_STRINGS);
  props[PROP_LOG_Y] = g_param_spec_boolean (
      "log-y", NULL, NULL, FALSE, G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_X_AXIS] = g_param_spec_enum ("x-axis", NULL, NULL, FT_TYPE_PLOT_X_AXIS, FT_PLOT_X_EPOCH,
                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                              | G_PARAM_STATIC_STRINGS);
  props[PROP_SHOW_RAW_LOSS] = g_param_spec_boolean ("show-raw-loss", NULL, NULL, FALSE,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                        | G_PARAM_STATIC_STRINGS);
  props[PROP_PRESENTATION] = g_param_spec_boolean ("presentation", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                       | G_PARAM_STATIC_STRINGS);
  props[PROP_ZOOMED] = g_param_spec_boolean ("zoomed", NULL, NULL, FALSE,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * FtPlotView::epoch-activated:
   * @run: the plot model's run id
   * @epoch: the 0-based epoch
   * @key: the logged key of the point ("loss", "val_accuracy" …)
   * A click on an epoch's point (ft_plot_view_activate_at): the window opens its ledger.
   */
  signals[SIGNAL_EPOCH_ACTIVATED] = g_signal_new ("epoch-activated", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                  G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ft_plot_view_init (FtPlotView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  self->metric = FT_PLOT_LOSS;
  self->x_axis = FT_PLOT_X_EPOCH;
  ft_plot_viewport_init (&self->vp);
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, motion);

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, scroll);

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (widget, key);

  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "enter", G_CALLBACK (ft_plot_view_focus_changed), self);
  g_signal_connect (focus, "leave", G_CALLBACK (ft_plot_view_focus_changed), self);
  gtk_widget_add_controller (widget, focus);
}
