/* ft-plot-legend.c — the chart's legend: its items (runs, training, validation, running mean), their
 * samples, and where they go beside or below the title. Part of the plot renderer
 * (ft-plot-render-private.h). */
#include "core/ft-format.h"
#include "plot/ft-plot-render-private.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

/* ---- legend ---- */

static double
legend_sample_width (Ctx *c)
{
  return c->fs * 2.2;
}

/* Generic items (training, validation, running mean) need only room for a marker. */
static double
legend_item_sample_width (Ctx *c, const LegendItem *it)
{
  return it->kind == LEGEND_TRAIN || it->kind == LEGEND_VAL ? c->fs * 0.9 : legend_sample_width (c);
}

static void
draw_legend_sample (Ctx *c, const LegendItem *it, double x, double y)
{
  cairo_t *cr = c->cr;
  double len = legend_item_sample_width (c, it), cy = y + it->h / 2;
  FtPlotColor neutral = c->fg;
  Series fake;
  memset (&fake, 0, sizeof fake);
  fake.color = neutral;
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  switch (it->kind)
    {
    case LEGEND_RUN:
      {
        /* The run's colour and line style, not its pairing: the sample stands alone. */
        Series alone = *it->s;
        alone.second = false;
        alone.partner = -1;
        cairo_move_to (cr, x, cy);
        cairo_line_to (cr, x + len, cy);
        ft_plot_set_color (cr, &alone.color, 1.0);
        cairo_set_line_width (cr, ft_plot_train_width (c, &alone));
        ft_plot_set_train_dash (c, &alone);
        if (alone.dashed)
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
        cairo_stroke (cr);
        cairo_set_dash (cr, NULL, 0, 0);
        ft_plot_draw_marker (c, &alone, x + len / 2, cy, false);
        break;
      }
    case LEGEND_TRAIN:
      /* Filled markers: training; hollow: validation (each run keeps its own line style). */
      fake.colour = MARKER_CIRCLE;
      ft_plot_draw_marker (c, &fake, x + len / 2, cy, false);
      break;
    case LEGEND_VAL:
      fake.colour = MARKER_CIRCLE;
      ft_plot_draw_marker (c, &fake, x + len / 2, cy, true);
      break;
    case LEGEND_BATCH:
      {
        /* A little wiggle, as the per-batch line looks. */
        len = legend_item_sample_width (c, it);
        ft_plot_set_tint (c, &neutral, ft_plot_batch_tint (c));
        cairo_set_line_width (cr, c->lw * 1.3);
        for (int i = 0; i <= 8; i++)
          {
            double px = x + len * i / 8.0, py = cy + ((i % 2) ? -1 : 1) * c->fs * 0.18;
            if (i == 0)
              cairo_move_to (cr, px, py);
            else
              cairo_line_to (cr, px, py);
          }
        cairo_stroke (cr);
      }
      break;
    default:
      break;
    }
}

/* Builds the legend items; returns how many (≤ max). */
static int
legend_build (Ctx *c, const Chart *ch, LegendItem *items, int max)
{
  int n = 0;
  bool any_val = false, any_train = false, any_batch = false;
  for (int i = 0; i < ch->n_series && n < max - 3; i++)
    {
      const Series *s = &ch->series[i];
      if (s->nb == 0 && s->ne == 0)
        continue;
      items[n].kind = LEGEND_RUN;
      items[n].s = s;
      items[n].layout = ft_plot_make_layout (c, s->name, 1.0, false, false);
      n++;
      any_batch |= ft_plot_batch_strength (c, ch, s) > 0;
      for (int k = 0; k < s->ne; k++)
        {
          double v;
          any_val |= epoch_value (&s->e[k], s->val_key, &v);
          any_train |= epoch_value (&s->e[k], s->train_key, &v);
        }
    }
  if (n == 0)
    return 0;
  if (any_train)
    {
      items[n].kind = LEGEND_TRAIN;
      items[n].layout = ft_plot_make_layout (c, "training", 1.0, false, false);
      n++;
    }
  if (any_val)
    {
      items[n].kind = LEGEND_VAL;
      items[n].layout = ft_plot_make_layout (c, "validation", 1.0, false, false);
      n++;
    }
  if (any_batch)
    {
      items[n].kind = LEGEND_BATCH;
      items[n].layout = ft_plot_make_layout (c, ch->raw ? "batch loss" : "running mean (per epoch)", 1.0,
                                             false, false);
      n++;
    }
  for (int i = 0; i < n; i++)
    {
      double tw, th;
      ft_plot_layout_size (items[i].layout, &tw, &th);
      items[i].w = legend_item_sample_width (c, &items[i]) + c->fs * 0.45 + tw;
      items[i].h = MAX (th, c->fs * 1.2);
    }
  return n;
}

/* The chart's title ("Loss (log scale)" on a log axis), measured. */
static void
header_title (Ctx *c, const Chart *ch, Frame *f)
{
  if (!c->style->show_title)
    return;
  char *t = c->style->title ? g_strdup (c->style->title) : ft_plot_title (c->model, ch->metric);
  if (ch->log_y)
    {
      char *u = g_strdup_printf ("%s (log scale)", t);
      g_free (t);
      t = u;
    }
  f->title = ft_plot_make_layout (c, t, 1.3, true, false);
  g_free (t);
  ft_plot_layout_size (f->title, &f->title_w, &f->title_h);
}

static void
legend_remove (Frame *f, int i)
{
  g_object_unref (f->legend[i].layout);
  memmove (&f->legend[i], &f->legend[i + 1], (size_t) (f->n_legend - i - 1) * sizeof f->legend[0]);
  f->n_legend--;
}

static void
legend_place_row (Frame *f, double lx, double ly, double item_gap)
{
  for (int i = 0; i < f->n_legend; i++)
    {
      f->legend[i].x = lx;
      f->legend[i].y = ly;
      lx += f->legend[i].w + item_gap;
    }
}

/* One row below the title, never more: the generic items (running mean, validation, training) go first,
 * then the runs' names are shortened to fit. */
static void
legend_below (Ctx *c, Frame *f, double avail, double item_gap, double legend_w, double legend_h)
{
  /* Least telling first: the running mean, then training (filled markers), then validation. */
  static const LegendKind drop_order[] = { LEGEND_BATCH, LEGEND_TRAIN, LEGEND_VAL };
  for (size_t d = 0; d < G_N_ELEMENTS (drop_order) && legend_w > avail; d++)
    for (int i = 0; i < f->n_legend; i++)
      if (f->legend[i].kind == drop_order[d])
        {
          legend_w -= f->legend[i].w + item_gap;
          legend_remove (f, i);
          break;
        }
  if (legend_w > avail)
    {
      int runs = f->n_legend;
      double fixed = 0;
      for (int i = 0; i < f->n_legend; i++)
        fixed += legend_sample_width (c) + c->fs * 0.45 + (i ? item_gap : 0);
      double each = MAX (c->fs * 2.0, (avail - fixed) / MAX (runs, 1));
      for (int i = 0; i < f->n_legend; i++)
        {
          pango_layout_set_width (f->legend[i].layout, (int) (each * PANGO_SCALE));
          pango_layout_set_ellipsize (f->legend[i].layout, PANGO_ELLIPSIZE_END);
          double tw;
          ft_plot_layout_size (f->legend[i].layout, &tw, NULL);
          f->legend[i].w = legend_sample_width (c) + c->fs * 0.45 + tw;
        }
    }
  double ly = f->top + (f->title_h > 0 ? f->title_h + c->fs * 0.35 : 0);
  legend_place_row (f, f->x + f->pad, ly, item_gap);
  f->header_h = ly + legend_h - f->top;
}

void
ft_plot_header_layout (Ctx *c, const Chart *ch, Frame *f)
{
  header_title (c, ch, f);
  f->n_legend = c->style->show_legend ? legend_build (c, ch, f->legend, G_N_ELEMENTS (f->legend)) : 0;
  double item_gap = c->fs * 1.3;
  double legend_w = 0, legend_h = 0;
  for (int i = 0; i < f->n_legend; i++)
    {
      legend_w += f->legend[i].w + (i ? item_gap : 0);
      legend_h = MAX (legend_h, f->legend[i].h);
    }
  double avail = f->width - 2 * f->pad;
  f->header_h = f->title_h;
  f->one_row = false;
  if (f->n_legend == 0)
    return;
  /* One row beside the title is worth more than the running-mean and training keys (a projector needs the
   * height): drop those when that makes it fit. */
  double without = legend_w;
  for (int i = 0; i < f->n_legend; i++)
    if (f->legend[i].kind == LEGEND_BATCH || f->legend[i].kind == LEGEND_TRAIN)
      without -= f->legend[i].w + item_gap;
  if (f->title_w + c->fs * 2 + legend_w > avail && f->title_w + c->fs * 2 + without <= avail)
    {
      for (int i = 0; i < f->n_legend;)
        if (f->legend[i].kind == LEGEND_BATCH || f->legend[i].kind == LEGEND_TRAIN)
          legend_remove (f, i);
        else
          i++;
      legend_w = without;
    }
  if (f->title_w + c->fs * 2 + legend_w <= avail)
    {
      /* One row: legend right-aligned beside the title. */
      legend_place_row (f, f->x + f->width - f->pad - legend_w,
                        f->top + (MAX (f->title_h, legend_h) - legend_h) / 2, item_gap);
      f->header_h = MAX (f->title_h, legend_h);
      f->one_row = true;
    }
  else
    legend_below (c, f, avail, item_gap, legend_w, legend_h);
}

void
ft_plot_header_draw (Ctx *c, Frame *f)
{
  if (f->title != NULL)
    {
      ft_plot_show_layout (c, f->title, f->x + f->pad,
                           f->top + (f->one_row ? (f->header_h - f->title_h) / 2 : 0), &c->fg, 1.0);
      g_object_unref (f->title);
    }
  for (int i = 0; i < f->n_legend; i++)
    {
      LegendItem *it = &f->legend[i];
      double th;
      ft_plot_layout_size (it->layout, NULL, &th);
      draw_legend_sample (c, it, it->x, it->y);
      ft_plot_show_layout (c, it->layout, it->x + legend_item_sample_width (c, it) + c->fs * 0.45,
                           it->y + (it->h - th) / 2, &c->fg, c->style->high_contrast ? 1.0 : 0.85);
      g_object_unref (it->layout);
    }
}
