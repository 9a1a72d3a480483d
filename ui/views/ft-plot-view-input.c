/* ft-plot-view-input.c — what a user does to the live chart: zoom (wheel, keys, drag to pan), the hover
 * line, clicks on epoch points and the keyboard. Part of FtPlotView (ft-plot-view-private.h). */
#include "views/ft-plot-view-private.h"

#include <math.h>

/* ---- zoom ---- */

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
  ft_plot_view_notify_zoomed (self, was);
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
  ft_plot_view_notify_zoomed (self, was);
}

void
ft_plot_view_reset_zoom (FtPlotView *self)
{
  g_return_if_fail (FT_IS_PLOT_VIEW (self));
  gboolean was = ft_plot_view_get_zoomed (self);
  self->vp.x_auto = true;
  self->vp.y_auto = true;
  ft_plot_view_notify_zoomed (self, was);
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
      ft_plot_view_notify_zoomed (self, was);
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
      ft_plot_view_emit_epoch_activated (self, id, ft_plot_model_get_epochs (self->model, id)[k].epoch, key);
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
  ft_plot_view_emit_epoch_activated (self, run, epoch, key);
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

static void
ft_plot_view_focus_changed (GtkEventControllerFocus *controller, FtPlotView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The pointer (hover, drag to pan, wheel to zoom, click on an epoch point), the keyboard and focus. */
void
ft_plot_view_add_controllers (FtPlotView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
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
