/* ft-plot-view.c — the live chart widget (see ft-plot-view.h): its style, accessible label, model,
 * drawing, export and properties; zoom, hover and input are in ft-plot-view-input.c. */
#include "views/ft-plot-view-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#define LABEL_INTERVAL_US G_USEC_PER_SEC

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

void
ft_plot_view_emit_epoch_activated (FtPlotView *self, int run, int epoch, const char *key)
{
  g_signal_emit (self, signals[SIGNAL_EPOCH_ACTIVATED], 0, run, epoch, key);
}

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

void
ft_plot_view_notify_zoomed (FtPlotView *self, gboolean was)
{
  if (was != ft_plot_view_get_zoomed (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ZOOMED]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
  ft_plot_view_notify_zoomed (self, was);
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
  ft_plot_view_notify_zoomed (self, was);
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

  ft_plot_view_add_controllers (self);
}
