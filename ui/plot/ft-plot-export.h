/* ft-plot-export.h — the charts into files, through the very ft_plot_render that draws the window's plots:
 * PNG at device scale 2 (crisp on projectors), SVG and PDF (vector). Files are written atomically: into
 * a temporary file in the same directory, renamed over the target only when complete. */
#pragma once

#include "plot/ft-plot-render.h"

#include <cairo.h>

G_BEGIN_DECLS

#define FT_PLOT_ERROR (ft_plot_error_quark ())
GQuark ft_plot_error_quark (void);

typedef enum
{
  FT_PLOT_ERROR_FORMAT, /* unknown file name extension */
  FT_PLOT_ERROR_SIZE,   /* width or height out of range */
  FT_PLOT_ERROR_FAILED, /* cairo could not draw or encode */
} FtPlotError;

typedef enum
{
  FT_PLOT_FORMAT_PNG,
  FT_PLOT_FORMAT_SVG,
  FT_PLOT_FORMAT_PDF,
} FtPlotFormat;

/* The PNG scale: device pixels per unit of width and height. */
#define FT_PLOT_PNG_SCALE 2

/* From the extension, case-insensitively: .png, .svg, .pdf. */
bool ft_plot_format_from_path (const char *path, FtPlotFormat *format);

/* Writes the chart (LOSS, ACCURACY, or BOTH: loss and accuracy side by side in one file) of width × height
 * units — pixels ×2 for PNG, px for SVG, pt for PDF — into path, format from its extension. style NULL:
 * ft_plot_style_init's. On failure nothing is left behind and an existing file at path is untouched. */
gboolean ft_plot_export (const FtPlotModel *model, FtPlotMetric metric, const char *path, double width,
                         double height, const FtPlotStyle *style, GError **error);
/* The same with an explicit format and a viewport (NULL: automatic ranges; a hover line is never drawn). */
gboolean ft_plot_export_full (const FtPlotModel *model, FtPlotMetric metric, const char *path,
                              FtPlotFormat format, double width, double height, const FtPlotStyle *style,
                              const FtPlotViewport *vp, GError **error);
/* Loss and accuracy side by side: ft_plot_export with FT_PLOT_BOTH. */
gboolean ft_plot_export_both (const FtPlotModel *model, const char *path, double width, double height,
                              const FtPlotStyle *style, GError **error);

/* The chart as an ARGB32 image surface of (width × scale) × (height × scale) pixels, device scale set
 * (for the clipboard). NULL for a size out of range. */
cairo_surface_t *ft_plot_render_image (const FtPlotModel *model, FtPlotMetric metric, double width,
                                       double height, double scale, const FtPlotStyle *style,
                                       const FtPlotViewport *vp);

G_END_DECLS
