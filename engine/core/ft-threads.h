/* ft-threads.h — a job's thread team: a fixed set of worker threads owned by one training run, and a
 * parallel-for over task indices on it.
 *
 * Determinism is the caller's part: a task's work must depend only on its index (never on the thread that
 * runs it or on the team's size), and tasks write disjoint memory. Then a result is the same bit for bit with
 * any number of threads. ft_sgemm splits products that way (core/ft-blas.h).
 *
 * Each run makes its own team on its training thread and makes it that thread's current team: nothing is
 * shared between two runs. Code that runs outside a run (tests, tools) has no current team and runs on one
 * thread unless it sets one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct FtThreads FtThreads;

/* One task: index in [0, n_tasks). */
typedef void (*FtThreadsTask) (void *data, int task);

/* The most threads a team may have. */
#define FT_THREADS_MAX 64

/* A team of n_threads (clamped to [1, FT_THREADS_MAX]) counting the calling thread: n_threads − 1 workers,
 * which inherit the caller's scheduling priority. */
FtThreads *ft_threads_new (int n_threads);
void ft_threads_free (FtThreads *team);

/* Threads in the team, the caller included; 1 for NULL. */
int ft_threads_count (const FtThreads *team);

/* Loops the team has run across its threads so far (not those run on the calling thread alone): for tests
 * and the benchmark, to see that work reached the team. */
long ft_threads_n_loops (const FtThreads *team);

/* Runs task (data, i) for every i in [0, n_tasks) and returns when all have run. The calling thread takes
 * part; the workers run with its floating-point mode (flush-to-zero, rounding). Runs every task in order on
 * the calling thread when team is NULL, has one thread, or is already running tasks (a task that calls
 * ft_threads_run again: nested loops stay on their thread). */
void ft_threads_run (FtThreads *team, int n_tasks, FtThreadsTask task, void *data);

/* The calling thread's team (NULL: none, one thread). The runner's training thread sets its run's team. */
void ft_threads_set_current (FtThreads *team);
FtThreads *ft_threads_current (void);

/* Runs on the calling thread's current team (ft_threads_run on ft_threads_current ()). */
void ft_threads_run_current (int n_tasks, FtThreadsTask task, void *data);

/* A piece [begin, end) of a range. */
typedef void (*FtThreadsRange) (void *data, size_t begin, size_t end);

/* For work whose result does not depend on how [0, n) is cut (element by element, row by row): splits it
 * into pieces of grain (the last one shorter) run on the calling thread's team, or runs fn (data, 0, n) in
 * one call when there is no team or n < 2·grain. */
void ft_threads_for (size_t n, size_t grain, FtThreadsRange fn, void *data);

/* CPUs this process may run on (sched_getaffinity; at least 1). */
int ft_threads_available_cores (void);

/* The thread count for one run: requested when > 0; otherwise FITTAPE_THREADS when it is set to a number
 * > 0; otherwise the available cores divided among the runs that train at once (concurrent_runs ≥ 1; Compare
 * mode trains two), at least 1. Clamped to FT_THREADS_MAX. */
int ft_threads_resolve (int requested, int concurrent_runs);
