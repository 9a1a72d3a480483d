/* ft-threads.c — a job's thread team and its parallel-for (see ft-threads.h).
 *
 * The workers poll briefly, then sleep on a condition variable between loops. A loop publishes its task
 * function and opens under a new generation; a worker that sees it joins (one atomic step on the loop's state
 * word) and takes task indices from one atomic counter, as the caller does, until none are left. When the
 * caller runs out of tasks it closes the loop: from then on no worker can join, and the caller waits only for
 * the workers that joined. So a worker that gets no core (the machine busy with other work) costs nothing:
 * the caller does its share. pthread primitives and C11 atomics (rather than GLib's futex-based GMutex) so
 * that ThreadSanitizer sees every synchronisation. */
#include "core/ft-threads.h"

#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

/* How long a thread polls before it sleeps, waiting for the next loop (a worker) or for the workers to
 * finish (the caller). Waking a sleeping thread cost ~40–120 µs on the 2-core VMs measured, more than a
 * whole small product, and the products of one step follow each other closer than that. */
#define SPIN_NS 60000

/* The loop's state word: its generation (high 32 bits), closed, and the workers that joined it. */
#define STATE_CLOSED ((uint64_t) 1 << 31)
#define STATE_JOINED ((uint64_t) 0x7fffffff)

static inline unsigned
state_generation (uint64_t state)
{
  return (unsigned) (state >> 32);
}

struct FtThreads
{
  int n_threads;
  pthread_t *workers;

  pthread_mutex_t lock;
  pthread_cond_t wake;    /* workers: a new loop, or quit */
  pthread_cond_t done;    /* the caller: a worker finished its part */
  _Atomic uint64_t state; /* the current loop (generation, closed, joined); a new one is stored under lock */
  atomic_bool quit;       /* set (under lock) by ft_threads_free */
  atomic_int finished;    /* workers that joined the current loop and are done */
  unsigned generation;    /* the current loop's (caller's thread only) */

  /* The current loop: written before it opens, read by the workers that join it. */
  FtThreadsTask task;
  void *data;
  int n_tasks;
  unsigned fp_mode;
  atomic_int next; /* the next task index to take */

  bool busy;    /* a loop is running: nested calls stay on their thread (caller's thread only) */
  long n_loops; /* loops run on the team (caller's thread only) */
};

static _Thread_local FtThreads *current_team;

static unsigned
fp_mode_get (void)
{
#if defined(__x86_64__) || defined(__i386__)
  return _mm_getcsr ();
#else
  return 0;
#endif
}

static void
fp_mode_set (unsigned mode)
{
#if defined(__x86_64__) || defined(__i386__)
  if (_mm_getcsr () != mode)
    _mm_setcsr (mode);
#else
  (void) mode;
#endif
}

static void
take_tasks (FtThreads *t, FtThreadsTask task, void *data, int n_tasks)
{
  for (;;)
    {
      int i = atomic_fetch_add_explicit (&t->next, 1, memory_order_relaxed);
      if (i >= n_tasks)
        return;
      task (data, i);
    }
}

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause ();
#endif
}

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One turn of a polling loop, and whether its time is up. Every 16th turn yields the core: when the machine
 * has more runnable threads than cores (Compare mode's two runs, the window's main loop, other programs),
 * a polling thread hands its core on instead of holding it for the whole SPIN_NS; with nothing else to run
 * the yield returns at once and the poll stays as quick. */
static bool
spin_expired (int i, gint64 end)
{
  if (i % 16 == 0)
    sched_yield ();
  else
    cpu_relax ();
  return i % 64 == 0 && now_ns () > end;
}

static bool
new_loop_or_quit (FtThreads *t, unsigned seen)
{
  return state_generation (atomic_load_explicit (&t->state, memory_order_acquire)) != seen
         || atomic_load_explicit (&t->quit, memory_order_acquire);
}

/* Waits for a generation other than seen (or quit): polls for up to SPIN_NS, then sleeps. */
static unsigned
wait_for_loop (FtThreads *t, unsigned seen)
{
  const gint64 end = now_ns () + SPIN_NS;
  for (int i = 1; !new_loop_or_quit (t, seen); i++)
    if (spin_expired (i, end))
      {
        pthread_mutex_lock (&t->lock);
        while (!new_loop_or_quit (t, seen))
          pthread_cond_wait (&t->wake, &t->lock);
        pthread_mutex_unlock (&t->lock);
        break;
      }
  return state_generation (atomic_load_explicit (&t->state, memory_order_acquire));
}

/* A worker joins loop `generation` if it is still open. */
static bool
join_loop (FtThreads *t, unsigned generation)
{
  uint64_t s = atomic_load_explicit (&t->state, memory_order_acquire);
  while (state_generation (s) == generation && !(s & STATE_CLOSED))
    if (atomic_compare_exchange_weak_explicit (&t->state, &s, s + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      return true;
  return false;
}

/* The caller: waits until the `joined` workers have finished, polling first. */
static void
wait_for_workers (FtThreads *t, int joined)
{
  const gint64 end = now_ns () + SPIN_NS;
  for (int i = 1; atomic_load_explicit (&t->finished, memory_order_acquire) < joined; i++)
    if (spin_expired (i, end))
      {
        pthread_mutex_lock (&t->lock);
        while (atomic_load_explicit (&t->finished, memory_order_acquire) < joined)
          pthread_cond_wait (&t->done, &t->lock);
        pthread_mutex_unlock (&t->lock);
        break;
      }
}

static void *
worker_main (void *arg)
{
  FtThreads *t = arg;
  unsigned seen = 0;
  for (;;)
    {
      seen = wait_for_loop (t, seen);
      if (atomic_load_explicit (&t->quit, memory_order_acquire))
        break;
      if (!join_loop (t, seen))
        continue; /* the caller finished it alone */
      fp_mode_set (t->fp_mode);
      take_tasks (t, t->task, t->data, t->n_tasks);
      atomic_fetch_add_explicit (&t->finished, 1, memory_order_release);
      pthread_mutex_lock (&t->lock);
      pthread_cond_signal (&t->done);
      pthread_mutex_unlock (&t->lock);
    }
  return NULL;
}

FtThreads *
ft_threads_new (int n_threads)
{
  FtThreads *t = g_new0 (FtThreads, 1);
  t->n_threads = CLAMP (n_threads, 1, FT_THREADS_MAX);
  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->wake, NULL);
  pthread_cond_init (&t->done, NULL);
  atomic_init (&t->next, 0);
  atomic_init (&t->state, 0);
  atomic_init (&t->quit, false);
  atomic_init (&t->finished, 0);
  t->workers = g_new0 (pthread_t, (size_t) t->n_threads);
  for (int i = 1; i < t->n_threads; i++)
    if (pthread_create (&t->workers[i - 1], NULL, worker_main, t) != 0)
      {
        t->n_threads = i; /* run with the workers we have */
        break;
      }
  return t;
}

void
ft_threads_free (FtThreads *t)
{
  if (t == NULL)
    return;
  pthread_mutex_lock (&t->lock);
  atomic_store_explicit (&t->quit, true, memory_order_release);
  pthread_cond_broadcast (&t->wake);
  pthread_mutex_unlock (&t->lock);
  for (int i = 0; i < t->n_threads - 1; i++)
    pthread_join (t->workers[i], NULL);
  pthread_cond_destroy (&t->done);
  pthread_cond_destroy (&t->wake);
  pthread_mutex_destroy (&t->lock);
  g_free (t->workers);
  g_free (t);
}

long
ft_threads_n_loops (const FtThreads *t)
{
  return t != NULL ? t->n_loops : 0;
}

int
ft_threads_count (const FtThreads *t)
{
  return t != NULL ? t->n_threads : 1;
}

/* Whether a loop of n_tasks runs on the calling thread alone: no team, a team of one, a single task, or a
 * loop already running (a nested call). */
static bool
runs_alone (const FtThreads *t, size_t n_tasks)
{
  return t == NULL || t->n_threads == 1 || n_tasks <= 1 || t->busy;
}

void
ft_threads_run (FtThreads *t, int n_tasks, FtThreadsTask task, void *data)
{
  if (n_tasks <= 0)
    return;
  if (runs_alone (t, (size_t) n_tasks))
    {
      for (int i = 0; i < n_tasks; i++)
        task (data, i);
      return;
    }
  t->busy = true;
  t->n_loops++;
  t->task = task;
  t->data = data;
  t->n_tasks = n_tasks;
  t->fp_mode = fp_mode_get ();
  atomic_store_explicit (&t->next, 0, memory_order_relaxed);
  atomic_store_explicit (&t->finished, 0, memory_order_relaxed);
  pthread_mutex_lock (&t->lock);
  t->generation++;
  atomic_store_explicit (&t->state, (uint64_t) t->generation << 32, memory_order_release);
  pthread_cond_broadcast (&t->wake);
  pthread_mutex_unlock (&t->lock);

  take_tasks (t, task, data, n_tasks);

  const uint64_t s = atomic_fetch_or_explicit (&t->state, STATE_CLOSED, memory_order_acq_rel);
  wait_for_workers (t, (int) (s & STATE_JOINED));
  t->busy = false;
}

void
ft_threads_set_current (FtThreads *team)
{
  current_team = team;
}

FtThreads *
ft_threads_current (void)
{
  return current_team;
}

void
ft_threads_run_current (int n_tasks, FtThreadsTask task, void *data)
{
  ft_threads_run (current_team, n_tasks, task, data);
}

typedef struct
{
  FtThreadsRange fn;
  void *data;
  size_t n, grain;
} RangeLoop;

static void
range_task (void *data, int task)
{
  const RangeLoop *r = data;
  const size_t begin = (size_t) task * r->grain;
  r->fn (r->data, begin, MIN (begin + r->grain, r->n));
}

void
ft_threads_for (size_t n, size_t grain, FtThreadsRange fn, void *data)
{
  if (n == 0)
    return;
  grain = MAX (grain, 1);
  const size_t n_tasks = n / grain + (n % grain != 0);
  if (n < 2 * grain || n_tasks > (size_t) G_MAXINT || runs_alone (current_team, n_tasks))
    {
      fn (data, 0, n); /* one call rather than one per piece */
      return;
    }
  RangeLoop r = { fn, data, n, grain };
  ft_threads_run (current_team, (int) n_tasks, range_task, &r);
}

int
ft_threads_available_cores (void)
{
  cpu_set_t set;
  CPU_ZERO (&set);
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    {
      int n = CPU_COUNT (&set);
      if (n > 0)
        return n;
    }
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int) MIN (n, FT_THREADS_MAX) : 1;
}

int
ft_threads_resolve (int requested, int concurrent_runs)
{
  if (requested > 0)
    return MIN (requested, FT_THREADS_MAX);
  const char *env = g_getenv ("FITTAPE_THREADS");
  if (env != NULL)
    {
      char *end = NULL;
      long n = strtol (env, &end, 10);
      if (end != env && *end == '\0' && n > 0)
        return (int) MIN (n, FT_THREADS_MAX);
    }
  int runs = MAX (concurrent_runs, 1);
  return CLAMP (ft_threads_available_cores () / runs, 1, FT_THREADS_MAX);
}
