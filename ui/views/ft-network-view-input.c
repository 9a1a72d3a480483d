/* ft-network-view-input.c — the network view's interaction: what is under the pointer (neurons, links,
 * biases, feature slots, +/−, the prediction), hover texts and tooltips, clicks (toggle an input, add or
 * remove a point or a neuron) and the weight editor's popover. See ft-network-view.h. */
#include "views/ft-network-view-private.h"

#include <math.h>
#include <string.h>

static double
segment_distance (double px, double py, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / l2, 0.0, 1.0) : 0;
  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

static Target
hit (FtNetworkView *self, double x, double y)
{
  Target t = { TARGET_NONE, -1, -1, -1 };
  const FtNeuronMaps *m = self->maps;
  if (m == NULL || self->nodes == NULL)
    return t;
  for (int h = 0; h < ft_network_view_n_hidden_columns (self) && h < (int) G_N_ELEMENTS (self->plus); h++)
    {
      if (ft_network_view_inside (&self->plus[h], x, y))
        return (Target){ TARGET_PLUS, h + 1, -1, -1 };
      if (ft_network_view_inside (&self->minus[h], x, y))
        return (Target){ TARGET_MINUS, h + 1, -1, -1 };
    }
  if (self->has_slots)
    for (int i = 0; i < FT_N_FEATURES; i++)
      if (!(ft_network_view_input_features (self) & (1u << i))
          && ft_network_view_inside (&self->slots[i], x, y))
        return (Target){ TARGET_FEATURE, 0, -1, i };
  for (int c = 0; c < m->n_columns; c++)
    for (int u = 0; u < m->columns[c].units; u++)
      {
        const Box *n = ft_network_view_node (self, c, u);
        Box b = ft_network_view_bias_box (n);
        if (c > 0 && m->columns[c].bias_offset != SIZE_MAX && ft_network_view_inside (&b, x, y))
          return (Target){ TARGET_BIAS, c, -1, u };
        if (ft_network_view_inside (n, x, y))
          return (Target){ TARGET_NEURON, c, -1, u };
      }
  if (self->panel.size > 0 && ft_network_view_inside (&self->panel, x, y))
    return (Target){ TARGET_PANEL, -1, -1, -1 };
  double best = 5;
  for (int c = 1; c < m->n_columns; c++)
    for (int to = 0; to < m->columns[c].units; to++)
      for (int from = 0; from < m->columns[c].fan_in; from++)
        {
          double p[4][2];
          ft_network_view_link_points (self, c, from, to, p);
          if (x < p[0][0] - 4 || x > p[3][0] + 4)
            break;
          double px = p[0][0], py = p[0][1];
          for (int i = 1; i <= 16; i++)
            {
              double s = i / 16.0, r = 1 - s;
              double qx = r * r * r * p[0][0] + 3 * r * r * s * p[1][0] + 3 * r * s * s * p[2][0]
                          + s * s * s * p[3][0];
              double qy = r * r * r * p[0][1] + 3 * r * r * s * p[1][1] + 3 * r * s * s * p[2][1]
                          + s * s * s * p[3][1];
              double d = segment_distance (x, y, px, py, qx, qy);
              if (d < best)
                {
                  best = d;
                  t = (Target){ TARGET_LINK, c, from, to };
                }
              px = qx, py = qy;
            }
        }
  return t;
}

static size_t
target_index (const FtNetworkView *self, const Target *t)
{
  if (t->kind == TARGET_LINK)
    return ft_neuron_maps_weight_index (self->maps, t->column, t->from, t->unit);
  if (t->kind == TARGET_BIAS)
    return ft_neuron_maps_bias_index (self->maps, t->column, t->unit);
  return SIZE_MAX;
}

/* What a target is, in words (caption and tooltip). */
char *
ft_network_view_describe_target (FtNetworkView *self, const Target *t)
{
  const FtNeuronMaps *m = self->maps;
  if (m == NULL)
    return NULL;
  switch (t->kind)
    {
    case TARGET_NEURON:
      {
        const FtNeuronColumn *col = ft_network_view_column (self, t->column);
        g_autofree char *name = ft_network_view_neuron_name (self, t->column, t->unit);
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "%s", name);
        if (t->column == 0 && self->has_slots)
          g_string_append (s, " (an input: click to switch it off)");
        if (t->column > 0)
          g_string_append_printf (s, " (%s)", ft_activation_name (col->activation));
        if (m->nx > 0)
          g_string_append_printf (s, ": from %.3g to %.3g over the plane",
                                  (double) col->map_stats[t->unit].min, (double) col->map_stats[t->unit].max);
        if (m->n_samples > 0)
          g_string_append_printf (s, "; over %u training samples mean %.3g ± %.3g, above zero %.0f %%",
                                  m->n_samples, (double) col->stats[t->unit].mean,
                                  (double) col->stats[t->unit].std, 100.0 * col->stats[t->unit].positive);
        return g_string_free (s, FALSE);
      }
    case TARGET_LINK:
      {
        size_t k = target_index (self, t);
        g_autofree char *from = ft_network_view_neuron_name (self, t->column - 1, t->from);
        g_autofree char *to = ft_network_view_neuron_name (self, t->column, t->unit);
        return g_strdup_printf (
            "%s/kernel[%d, %d] = %.4g: the weight from %s to %s. Click to edit it (paused).",
            ft_network_view_column_name (self, t->column), t->from, t->unit, (double) m->weights[k], from,
            to);
      }
    case TARGET_BIAS:
      {
        size_t k = target_index (self, t);
        g_autofree char *to = ft_network_view_neuron_name (self, t->column, t->unit);
        return g_strdup_printf ("%s/bias[%d] = %.4g: the bias of %s. Click to edit it (paused).",
                                ft_network_view_column_name (self, t->column), t->unit,
                                (double) m->weights[k], to);
      }
    case TARGET_PLUS:
      return g_strdup_printf ("Add a neuron to %s (up to %d here)",
                              ft_network_view_column_name (self, t->column), FT_NETWORK_VIEW_MAX_UNITS);
    case TARGET_MINUS:
      return g_strdup_printf ("Remove a neuron from %s", ft_network_view_column_name (self, t->column));
    case TARGET_FEATURE:
      return g_strdup_printf ("%s: not an input; click to feed it to the network",
                              ft_feature_label (t->unit));
    case TARGET_PANEL:
      return g_strdup (
          "Click to add a training point of the chosen class, Shift+click to remove the nearest point");
    case TARGET_NONE:
    default:
      return NULL;
    }
}

/* ---- input ---- */

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, FtNetworkView *self)
{
  Target t = hit (self, x, y);
  if (memcmp (&t, &self->hover, sizeof t) == 0)
    return;
  self->hover = t;
  ft_network_view_update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

static void
on_leave (GtkEventControllerMotion *motion, FtNetworkView *self)
{
  if (self->hover.kind == TARGET_NONE)
    return;
  self->hover.kind = TARGET_NONE;
  ft_network_view_update_texts (self);
  gtk_widget_queue_draw (self->canvas);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  FtNetworkView *self)
{
  Target t = hit (self, x, y);
  g_autofree char *text = ft_network_view_describe_target (self, &t);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void on_apply (GtkWidget *widget, FtNetworkView *self);

/* The weight editor, made on the first click on a link or a bias (a popover on the drawing). */
static void
ensure_editor (FtNetworkView *self)
{
  if (self->popover != NULL)
    return;
  /* The weight editor. */
  self->popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->edit_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->edit_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->edit_label), 40);
  self->edit_spin = gtk_spin_button_new_with_range (-100, 100, 0.01);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->edit_spin), 4);
  gtk_widget_add_css_class (self->edit_spin, "numeric");
  GtkWidget *apply = gtk_button_new_with_mnemonic ("_Set weight");
  gtk_widget_add_css_class (apply, "suggested-action");
  gtk_box_append (GTK_BOX (box), self->edit_label);
  gtk_box_append (GTK_BOX (box), self->edit_spin);
  gtk_box_append (GTK_BOX (box), apply);
  gtk_popover_set_child (GTK_POPOVER (self->popover), box);
  gtk_widget_set_parent (self->popover, self->canvas);
  g_signal_connect (apply, "clicked", G_CALLBACK (on_apply), self);
}

static void
open_editor (FtNetworkView *self, const Target *t, double x, double y)
{
  ensure_editor (self);
  size_t k = target_index (self, t);
  if (k == SIZE_MAX)
    return;
  self->editing = *t;
  g_autofree char *what = ft_network_view_describe_target (self, t);
  char *dot = what != NULL ? strstr (what, ". Click") : NULL;
  if (dot != NULL)
    *dot = '\0';
  gtk_label_set_text (GTK_LABEL (self->edit_label), what);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->edit_spin), self->maps->weights[k]);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                               &(GdkRectangle){ (int) x - 1, (int) y - 1, 2, 2 });
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
on_apply (GtkWidget *widget, FtNetworkView *self)
{
  size_t k = self->maps != NULL ? target_index (self, &self->editing) : SIZE_MAX;
  gtk_popover_popdown (GTK_POPOVER (self->popover));
  if (k == SIZE_MAX)
    return;
  gtk_spin_button_update (GTK_SPIN_BUTTON (self->edit_spin));
  ft_network_view_edit_weight (self, k,
                               (float) gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->edit_spin)));
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, FtNetworkView *self)
{
  Target t = hit (self, x, y);
  switch (t.kind)
    {
    case TARGET_PLUS:
      ft_network_view_add_neuron (self, t.column - 1);
      break;
    case TARGET_MINUS:
      ft_network_view_remove_neuron (self, t.column - 1);
      break;
    case TARGET_LINK:
    case TARGET_BIAS:
      open_editor (self, &t, x, y);
      break;
    case TARGET_FEATURE:
      ft_network_view_toggle_feature (self, t.unit);
      break;
    case TARGET_PANEL:
      if (self->data != NULL && self->panel.size > 0)
        {
          const Box *p = &self->panel;
          double px = self->data->lo[0] + (x - p->x) / p->size * (self->data->hi[0] - self->data->lo[0]);
          double py = self->data->hi[1] - (y - p->y) / p->size * (self->data->hi[1] - self->data->lo[1]);
          GdkModifierType state = gtk_event_controller_get_current_event_state (
              GTK_EVENT_CONTROLLER (gesture));
          int label = (state & GDK_SHIFT_MASK)
                          ? -1
                          : (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->class_dropdown));
          ft_network_view_add_point (self, (float) px, (float) py, label);
        }
      break;
    case TARGET_NEURON:
      if (t.column == 0 && self->has_slots)
        ft_network_view_toggle_feature (self, ft_network_view_input_feature (self, t.unit));
      break;
    case TARGET_NONE:
      break;
    }
}

void
ft_network_view_attach_input (FtNetworkView *self)
{
  gtk_widget_set_has_tooltip (self->canvas, TRUE);
  g_signal_connect (self->canvas, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->canvas, motion);
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (self->canvas, GTK_EVENT_CONTROLLER (click));
}
