/* bench-product.c — the product path (ft_fit or the tape loop through the runner, as the CLI runs it)
 * timed beside the bare step on the same trainer (see bench-product.h). */
#include "bench-product.h"

#include "fittape-engine.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum
{
  MAX_EPOCHS = 64
};

static double
clock_s (clockid_t id)
{
  struct timespec ts;
  clock_gettime (id, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* A callback on the training thread: wall and thread CPU time of every epoch, begin to end. */
typedef struct
{
  FtCallback parent;
  double wall0, cpu0;
  double wall[MAX_EPOCHS], cpu[MAX_EPOCHS];
  int n;
} EpochClock;

static void
clock_epoch_begin (FtCallback *cb, FtFitContext *ctx, int epoch)
{
  (void) ctx;
  (void) epoch;
  EpochClock *c = (EpochClock *) cb;
  c->wall0 = clock_s (CLOCK_MONOTONIC);
  c->cpu0 = clock_s (CLOCK_THREAD_CPUTIME_ID);
}

static void
clock_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  (void) ctx;
  (void) epoch;
  (void) logs;
  EpochClock *c = (EpochClock *) cb;
  if (c->n < MAX_EPOCHS)
    {
      c->wall[c->n] = clock_s (CLOCK_MONOTONIC) - c->wall0;
      c->cpu[c->n] = clock_s (CLOCK_THREAD_CPUTIME_ID) - c->cpu0;
      c->n++;
    }
}

static const FtCallbackClass clock_class = {
  .name = "EpochClock",
  .on_epoch_begin = clock_epoch_begin,
  .on_epoch_end = clock_epoch_end,
};

static void
discard_text (const char *text, void *user_data)
{
  (void) text;
  (void) user_data;
}

typedef struct
{
  bool done;
  bool failed;
} RunState;

static void
on_event (const FtRunEvent *ev, void *user_data)
{
  RunState *s = user_data;
  if (ev->kind == FT_RUN_EVENT_FINISHED || ev->kind == FT_RUN_EVENT_STOPPED
      || ev->kind == FT_RUN_EVENT_FAILED)
    {
      s->done = true;
      s->failed = ev->kind != FT_RUN_EVENT_FINISHED;
    }
}

/* `steps` steps of gather + ft_train_step on the trainer's own model, optimizer and tape. */
static bool
bare_steps (FtTrainer *t, const FtDataset *data, const uint32_t *order, uint32_t n_order, int steps, int bs,
            float *x, float *y, int xnd, const int *xshape, double *wall, double *cpu)
{
  const FtCompileSpec *spec = ft_trainer_compile_spec (t);
  FtModel *m = ft_trainer_model (t);
  const int yshape[1] = { bs };
  FtTensor *xt = ft_tensor_new_view (x, xnd, xshape);
  FtTensor *yt = ft_tensor_new_view (y, 1, yshape);
  double w0 = clock_s (CLOCK_MONOTONIC), c0 = clock_s (CLOCK_THREAD_CPUTIME_ID);
  bool ok = true;
  for (int s = 0; s < steps && ok; s++)
    {
      uint32_t start = (uint32_t) ((size_t) s * (size_t) bs % (n_order - (uint32_t) bs));
      ft_dataset_gather (data, order + start, (uint32_t) bs, x, y);
      float loss;
      ok = ft_train_step (m, ft_trainer_optimizer (t), &spec->loss, ft_trainer_tape (t), xt, yt, NULL, &loss,
                          NULL, NULL);
    }
  *wall = clock_s (CLOCK_MONOTONIC) - w0;
  *cpu = clock_s (CLOCK_THREAD_CPUTIME_ID) - c0;
  ft_tensor_free (xt);
  ft_tensor_free (yt);
  return ok;
}

bool
bench_product_path (const char *experiment_path, int steps, int reps, BenchProduct *r)
{
  memset (r, 0, sizeof *r);
  reps = CLAMP (reps, 1, MAX_EPOCHS / 2 - 1);
  g_autoptr (GError) error = NULL;
  FtExperiment *exp = ft_experiment_load (experiment_path, &error);
  FtDataset *train = NULL, *test = NULL;
  FtTrainer *bare = NULL, *product = NULL;
  if (exp == NULL || !ft_experiment_load_data (exp, &train, &test, &error)
      || (bare = ft_experiment_build_trainer (exp, train, &error)) == NULL
      || (product = ft_experiment_build_trainer (exp, train, &error)) == NULL)
    {
      fprintf (stderr, "product path: %s: %s\n", experiment_path, error ? error->message : "?");
      goto out;
    }
  bool tape_mode = exp->mode == FT_MODE_TAPE;
  r->mode = tape_mode ? "tape" : "fit";
  int bs = exp->fit.batch_size;
  uint32_t n_train = train->n;
  if ((uint32_t) steps * (uint32_t) bs > n_train)
    steps = (int) (n_train / (uint32_t) bs);
  r->steps = steps;
  r->reps = reps;

  /* Bare: the trainer's own step on shuffled batches, as fit() would gather them. */
  int nd, shape[FT_MAX_DIMS + 1];
  ft_model_input_shape (ft_trainer_model (bare), &nd, shape + 1);
  shape[0] = bs;
  float *x = g_new (float, (size_t) bs * train->sample_size);
  float *y = g_new (float, (size_t) bs);
  uint32_t *order = g_new (uint32_t, n_train);
  FtRng rng;
  ft_rng_seed (&rng, 7, FT_RNG_STREAM_SHUFFLE);
  ft_epoch_order (order, n_train, true, &rng);
  double wall, cpu, best_wall = G_MAXDOUBLE, best_cpu = G_MAXDOUBLE;
  bool ok = bare_steps (bare, train, order, n_train, steps / 4 + 1, bs, x, y, nd + 1, shape, &wall, &cpu);
  for (int i = 0; i < reps && ok; i++)
    {
      ok = bare_steps (bare, train, order, n_train, steps, bs, x, y, nd + 1, shape, &wall, &cpu);
      best_wall = MIN (best_wall, wall);
      best_cpu = MIN (best_cpu, cpu);
    }

  /* Product: the runner, with the experiment's callbacks and the CLI's progress printer. */
  EpochClock clock = { { &clock_class }, 0, 0, { 0 }, { 0 }, 0 };
  RunState state = { false, false };
  if (ok)
    {
      FtJob job;
      memset (&job, 0, sizeof job);
      job.trainer = product;
      job.data = train;
      job.args = exp->fit;
      job.args.epochs = reps + 1;
      job.args.initial_epoch = 0;
      job.args.steps_per_epoch = steps;
      job.tape_mode = tape_mode;
      job.steps = exp->steps;
      job.callbacks = exp->callbacks;
      job.n_callbacks = exp->n_callbacks;
      job.full_priority = true; /* as fittape-cli sets it */
      job.threads = 1;          /* as the bare step: the overhead compares one thread with one */
      job.extra_callbacks = g_ptr_array_new ();
      FtCallback *progress = ft_progress_callback_new (2, discard_text, NULL);
      g_ptr_array_add (job.extra_callbacks, progress);
      g_ptr_array_add (job.extra_callbacks, &clock);
      FtRunner *runner = ft_runner_new (&job, NULL, on_event, &state);
      ft_runner_start (runner);
      while (!state.done)
        g_main_context_iteration (NULL, TRUE);
      ft_runner_free (runner);
      g_ptr_array_unref (job.extra_callbacks);
      ft_callback_free (progress);
      ok = !state.failed && clock.n == reps + 1;
    }

  /* Bare again, so that a change of load during the run hits both. */
  for (int i = 0; i < reps && ok; i++)
    {
      ok = bare_steps (bare, train, order, n_train, steps, bs, x, y, nd + 1, shape, &wall, &cpu);
      best_wall = MIN (best_wall, wall);
      best_cpu = MIN (best_cpu, cpu);
    }
  g_free (x);
  g_free (y);
  g_free (order);
  if (!ok)
    {
      fprintf (stderr, "product path: %s: training failed\n", experiment_path);
      goto out;
    }
  double pw = G_MAXDOUBLE, pc = G_MAXDOUBLE;
  for (int e = 1; e < clock.n; e++)
    {
      pw = MIN (pw, clock.wall[e]);
      pc = MIN (pc, clock.cpu[e]);
    }
  r->bare_step_s = best_wall / steps;
  r->bare_cpu_step_s = best_cpu / steps;
  r->product_step_s = pw / steps;
  r->product_cpu_step_s = pc / steps;
  r->overhead = r->product_step_s / r->bare_step_s - 1.0;
  r->overhead_cpu = r->product_cpu_step_s / r->bare_cpu_step_s - 1.0;
  r->ok = true;

out:
  ft_trainer_free (bare);
  ft_trainer_free (product);
  ft_dataset_free (train);
  ft_dataset_free (test);
  ft_experiment_free (exp);
  return r->ok;
}
