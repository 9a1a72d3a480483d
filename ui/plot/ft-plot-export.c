/* ft-plot-export.c — charts into PNG, SVG and PDF files (see ft-plot-export.h). */
#include "plot/ft-plot-export.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define MAX_PIXELS 16384

G_DEFINE_QUARK (ft - plot - error - quark, ft_plot_error)

bool
ft_plot_format_from_path (const char *path, FtPlotFormat *format)
{
  g_return_val_if_fail (path != NULL, false);
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, G_DIR_SEPARATOR);
  if (dot == NULL || (slash != NULL && dot < slash))
    return false;
  FtPlotFormat f;
  if (g_ascii_strcasecmp (dot, ".png") == 0)
    f = FT_PLOT_FORMAT_PNG;
  else if (g_ascii_strcasecmp (dot, ".svg") == 0)
    f = FT_PLOT_FORMAT_SVG;
  else if (g_ascii_strcasecmp (dot, ".pdf") == 0)
    f = FT_PLOT_FORMAT_PDF;
  else
    return false;
  if (format)
    *format = f;
  return true;
}

static bool
size_ok (double width, double height, double scale)
{
  return width >= 1 && height >= 1 && width * scale <= MAX_PIXELS && height * scale <= MAX_PIXELS;
}

cairo_surface_t *
ft_plot_render_image (const FtPlotModel *model, FtPlotMetric metric, double width, double height,
                      double scale, const FtPlotStyle *style, const FtPlotViewport *vp)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (!(scale > 0) || !size_ok (width, height, scale))
    return NULL;
  int pw = (int) ceil (width * scale), ph = (int) ceil (height * scale);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  cairo_surface_set_device_scale (surface, scale, scale);
  cairo_t *cr = cairo_create (surface);
  ft_plot_render (cr, width, height, model, metric, style, vp);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

typedef struct
{
  int fd;
  int saved_errno;
} Sink;

static cairo_status_t
sink_write (void *closure, const unsigned char *data, unsigned int length)
{
  Sink *sink = closure;
  while (length > 0)
    {
      ssize_t n = write (sink->fd, data, length);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          sink->saved_errno = errno;
          return CAIRO_STATUS_WRITE_ERROR;
        }
      data += n;
      length -= (unsigned int) n;
    }
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
io_error (GError **error, int err, const char *what, const char *path)
{
  char *name = g_filename_display_name (path);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "Cannot %s “%s”: %s", what, name,
               g_strerror (err));
  g_free (name);
  return FALSE;
}

/* Draws into a vector surface or encodes the PNG, writing to the sink. */
static cairo_status_t
write_chart (Sink *sink, const FtPlotModel *model, FtPlotMetric metric, FtPlotFormat format, double width,
             double height, const FtPlotStyle *style, const FtPlotViewport *vp)
{
  cairo_status_t status;
  if (format == FT_PLOT_FORMAT_PNG)
    {
      cairo_surface_t *image = ft_plot_render_image (model, metric, width, height, FT_PLOT_PNG_SCALE, style,
                                                     vp);
      if (image == NULL)
        return CAIRO_STATUS_NO_MEMORY;
      status = cairo_surface_write_to_png_stream (image, sink_write, sink);
      cairo_surface_destroy (image);
      return status;
    }
  cairo_surface_t *surface;
  if (format == FT_PLOT_FORMAT_SVG)
    {
      surface = cairo_svg_surface_create_for_stream (sink_write, sink, width, height);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
    }
  else
    {
      surface = cairo_pdf_surface_create_for_stream (sink_write, sink, width, height);
      char *title = ft_plot_title (model, metric);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "FitTape");
      g_free (title);
    }
  cairo_t *cr = cairo_create (surface);
  ft_plot_render (cr, width, height, model, metric, style, vp);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  return status;
}

gboolean
ft_plot_export_full (const FtPlotModel *model, FtPlotMetric metric, const char *path, FtPlotFormat format,
                     double width, double height, const FtPlotStyle *style, const FtPlotViewport *vp,
                     GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!size_ok (width, height, format == FT_PLOT_FORMAT_PNG ? FT_PLOT_PNG_SCALE : 1))
    {
      g_set_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_SIZE, "A plot of %g × %g is too small or too large",
                   width, height);
      return FALSE;
    }
  FtPlotViewport no_hover;
  if (vp != NULL)
    {
      no_hover = *vp;
      no_hover.has_hover = false;
      vp = &no_hover;
    }

  char *dir = g_path_get_dirname (path);
  char *base = g_path_get_basename (path);
  char *tmp = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  g_free (dir);
  g_free (base);
  gboolean ok = FALSE;
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      io_error (error, errno, "write", path);
      g_free (tmp);
      return FALSE;
    }
  Sink sink = { fd, 0 };
  cairo_status_t status = write_chart (&sink, model, metric, format, width, height, style, vp);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      if (sink.saved_errno != 0)
        io_error (error, sink.saved_errno, "write", path);
      else
        g_set_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_FAILED, "Cannot draw the plot: %s",
                     cairo_status_to_string (status));
    }
  else if (fsync (fd) != 0 && errno != EINVAL && errno != EROFS)
    io_error (error, errno, "write", path);
  else
    ok = TRUE;
  if (close (fd) != 0 && ok)
    {
      io_error (error, errno, "write", path);
      ok = FALSE;
    }
  if (ok && g_rename (tmp, path) != 0)
    {
      io_error (error, errno, "replace", path);
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  g_free (tmp);
  return ok;
}

gboolean
ft_plot_export (const FtPlotModel *model, FtPlotMetric metric, const char *path, double width, double height,
                const FtPlotStyle *style, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  FtPlotFormat format;
  if (!ft_plot_format_from_path (path, &format))
    {
      char *name = g_filename_display_name (path);
      g_set_error (error, FT_PLOT_ERROR, FT_PLOT_ERROR_FORMAT,
                   "Cannot tell the format of “%s”: the name must end in .png, .svg or .pdf", name);
      g_free (name);
      return FALSE;
    }
  return ft_plot_export_full (model, metric, path, format, width, height, style, NULL, error);
}

gboolean
ft_plot_export_both (const FtPlotModel *model, const char *path, double width, double height,
                     const FtPlotStyle *style, GError **error)
{
  return ft_plot_export (model, FT_PLOT_BOTH, path, width, height, style, error);
}
