/* ft-window-stalls.c — the monitor of main-loop stalls: a 4 ms timer whose late ticks are time the main
 * loop could not run. It keeps the longest stall while runs train and, for FITTAPE_DEBUG_STALLS, their
 * distribution and the longest per event kind (the event handled last before the late tick), printed with
 * --screenshot's figures and when the runs end. */
#include "window/ft-window-private.h"

#include <string.h>
#include <time.h>

#define TICK_US 4000

void
ft_window_stalls_reset (FtWindow *self)
{
  FtStallStats *s = &self->stalls;
  self->max_stall_us = 0;
  gulong handlers[2] = { s->frame_handlers[0], s->frame_handlers[1] };
  memset (s, 0, sizeof *s);
  s->frame_handlers[0] = handlers[0];
  s->frame_handlers[1] = handlers[1];
}

/* The slot of a kind's figures (names are static strings), or -1 when the table is full. */
static int
kind_slot (FtStallStats *s, const char *what)
{
  for (int i = 0; i < FT_STALL_KINDS; i++)
    if (s->kind[i] == NULL || strcmp (s->kind[i], what) == 0)
      {
        s->kind[i] = what;
        return i;
      }
  return -1;
}

static void
record (FtWindow *self, gint64 stall)
{
  FtStallStats *s = &self->stalls;
  int ms = (int) MIN (stall / 1000, FT_STALL_BUCKETS - 1);
  s->buckets[MAX (ms, 0)]++;
  s->ticks++;
  int i = kind_slot (s, self->last_event != NULL ? self->last_event : "?");
  if (i < 0)
    return;
  s->kind_max_us[i] = MAX (s->kind_max_us[i], stall);
  s->kind_over[i] += stall > 10000;
}

void
ft_window_stalls_busy (FtWindow *self, const char *what, gint64 cpu_start, gint64 wall_start)
{
  FtStallStats *s = &self->stalls;
  int i = kind_slot (s, what);
  if (i < 0)
    return;
  gint64 cpu = ft_window_stalls_cpu_us () - cpu_start, wall = g_get_monotonic_time () - wall_start;
  s->busy_max_us[i] = MAX (s->busy_max_us[i], cpu);
  s->wall_max_us[i] = MAX (s->wall_max_us[i], wall);
  s->busy_total_us[i] += cpu;
  s->busy_count[i]++;
}

gint64
ft_window_stalls_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A frame's update, layout and paint, timed from before-paint to after-paint. */
static void
on_before_paint (GdkFrameClock *clock, FtWindow *self)
{
  self->stalls.frame_start = ft_window_stalls_cpu_us ();
  self->stalls.frame_start_wall = g_get_monotonic_time ();
}

/* The phases of a frame (after GTK's own handlers, connected before ours): "frame-layout" is the update
 * and layout phases, "frame-paint" the paint phase (snapshots and rendering). */
static void
phase_done (FtWindow *self, const char *what)
{
  if (self->stalls.frame_start > 0 && ft_window_any_active_running (self))
    ft_window_stalls_busy (self, what, self->stalls.frame_start, self->stalls.frame_start_wall);
  on_before_paint (NULL, self);
}

static void
on_layout (GdkFrameClock *clock, FtWindow *self)
{
  phase_done (self, "frame-layout");
}

static void
on_paint (GdkFrameClock *clock, FtWindow *self)
{
  phase_done (self, "frame-paint");
}

static void
on_after_paint (GdkFrameClock *clock, FtWindow *self)
{
  self->last_event = "frame";
}

static void
watch_frames (FtWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (clock == NULL || self->stalls.frame_handlers[0] != 0)
    return;
  self->stalls.frame_handlers[0] = g_signal_connect_object (clock, "before-paint",
                                                            G_CALLBACK (on_before_paint), self, 0);
  self->stalls.frame_handlers[1] = g_signal_connect_object (clock, "after-paint", G_CALLBACK (on_after_paint),
                                                            self, 0);
  g_signal_connect_object (clock, "layout", G_CALLBACK (on_layout), self, 0);
  g_signal_connect_object (clock, "paint", G_CALLBACK (on_paint), self, 0);
}

gboolean
ft_window_stall_tick (gpointer data)
{
  FtWindow *self = data;
  gint64 now = g_get_monotonic_time ();
  if (self->last_tick > 0)
    {
      gint64 stall = now - self->last_tick - TICK_US;
      bool running = ft_window_any_active_running (self);
      if (stall > self->max_stall_us && running)
        self->max_stall_us = stall;
      if (running)
        record (self, stall);
      if (running && g_getenv ("FITTAPE_DEBUG_STALLS"))
        watch_frames (self);
      if (stall > 10000 && g_getenv ("FITTAPE_DEBUG_STALLS"))
        g_printerr ("stall %.1f ms after %s\n", stall / 1000.0, self->last_event ? self->last_event : "?");
    }
  self->last_tick = now;
  return G_SOURCE_CONTINUE;
}

/* The stall (ms) that fraction q of the ticks stay within. */
static int
quantile_ms (const FtStallStats *s, double q)
{
  guint64 seen = 0;
  for (int i = 0; i < FT_STALL_BUCKETS; i++)
    {
      seen += s->buckets[i];
      if (seen >= q * (double) s->ticks)
        return i + 1;
    }
  return FT_STALL_BUCKETS;
}

void
ft_window_stalls_print (FtWindow *self)
{
  if (!g_getenv ("FITTAPE_DEBUG_STALLS"))
    return;
  const FtStallStats *s = &self->stalls;
  g_printerr ("stalls: %" G_GUINT64_FORMAT " ticks, max %.1f ms, p95 < %d ms, p99 < %d ms, %.0f samples/s\n",
              s->ticks, self->max_stall_us / 1000.0, quantile_ms (s, 0.95), quantile_ms (s, 0.99),
              ft_window_get_samples_per_second (self));
  for (int i = 0; i < FT_STALL_KINDS && s->kind[i] != NULL; i++)
    g_printerr (
        "stalls after %s: max %.1f ms, %u over 10 ms; main-loop CPU in it %u times, max %.1f ms (wall %.1f), total %.0f ms\n",
        s->kind[i], s->kind_max_us[i] / 1000.0, s->kind_over[i], s->busy_count[i], s->busy_max_us[i] / 1000.0,
        s->wall_max_us[i] / 1000.0, s->busy_total_us[i] / 1000.0);
}
