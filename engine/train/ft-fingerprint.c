/* ft-fingerprint.c — per-step hashes of a run's state (see ft-fingerprint.h). The hash is a 64-bit
 * multiply–xorshift over the raw bits of each value (floats bit for bit: -0.0 ≠ 0.0, NaNs by payload),
 * seeded per part with the element count, so two runs hash equal exactly when the sampled values are
 * equal bit for bit. */
#include "train/ft-fingerprint.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

/* The training thread's CPU time in µs: what hashing costs, unaffected by other processes' load. */
static double
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static const char *const part_names[FT_N_FP_PARTS] = {
  "shuffle generator", "batch order",     "dropout generator", "loss",      "gradients",
  "weights",           "optimizer slots", "metrics",           "callbacks", "epoch logs",
};

const char *
ft_fp_part_name (FtFpPart part)
{
  return (unsigned) part < FT_N_FP_PARTS ? part_names[part] : "?";
}

struct FtFingerprints
{
  pthread_mutex_t lock; /* pthread, not GMutex: visible to ThreadSanitizer */
  GArray *records;
  size_t sample;
  bool complete;
  double microseconds;
};

FtFingerprints *
ft_fingerprints_new (size_t sample)
{
  FtFingerprints *f = g_new0 (FtFingerprints, 1);
  pthread_mutex_init (&f->lock, NULL);
  f->records = g_array_new (FALSE, FALSE, sizeof (FtFingerprint));
  f->sample = sample;
  return f;
}

void
ft_fingerprints_free (FtFingerprints *f)
{
  if (f == NULL)
    return;
  g_array_free (f->records, TRUE);
  pthread_mutex_destroy (&f->lock);
  g_free (f);
}

void
ft_fingerprints_clear (FtFingerprints *f)
{
  pthread_mutex_lock (&f->lock);
  g_array_set_size (f->records, 0);
  f->complete = false;
  f->microseconds = 0;
  pthread_mutex_unlock (&f->lock);
}

int
ft_fingerprints_len (FtFingerprints *f)
{
  pthread_mutex_lock (&f->lock);
  int n = (int) f->records->len;
  pthread_mutex_unlock (&f->lock);
  return n;
}

bool
ft_fingerprints_get (FtFingerprints *f, int i, FtFingerprint *out)
{
  pthread_mutex_lock (&f->lock);
  bool ok = i >= 0 && (guint) i < f->records->len;
  if (ok)
    *out = g_array_index (f->records, FtFingerprint, i);
  pthread_mutex_unlock (&f->lock);
  return ok;
}

/* Whether the run is complete, and the time spent fingerprinting, read together under the lock. */
static bool
read_status (FtFingerprints *f, double *microseconds)
{
  pthread_mutex_lock (&f->lock);
  bool complete = f->complete;
  *microseconds = f->microseconds;
  pthread_mutex_unlock (&f->lock);
  return complete;
}

bool
ft_fingerprints_complete (FtFingerprints *f)
{
  double us;
  return read_status (f, &us);
}

double
ft_fingerprints_microseconds (FtFingerprints *f)
{
  double us;
  read_status (f, &us);
  return us;
}

static void
append (FtFingerprints *f, const FtFingerprint *fp, double us)
{
  pthread_mutex_lock (&f->lock);
  g_array_append_vals (f->records, fp, 1);
  f->microseconds += us;
  pthread_mutex_unlock (&f->lock);
}

/* ---- hashing ---- */

static inline uint64_t
mix (uint64_t h, uint64_t v)
{
  h ^= v;
  h *= 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

static uint64_t
hash_bytes (uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = mix (h, b[i]);
  return h;
}

static inline uint64_t
float_bits (float v)
{
  uint32_t u;
  memcpy (&u, &v, sizeof u);
  return u;
}

static inline uint64_t
double_bits (double v)
{
  uint64_t u;
  memcpy (&u, &v, sizeof u);
  return u;
}

/* n floats, all of them or `sample` of them evenly strided from a per-record offset. Four independent
 * multiply chains, so the multiplier's latency is hidden. */
static uint64_t
hash_floats (uint64_t h, const float *x, size_t n, size_t sample, uint64_t record)
{
  h = mix (h, n);
  size_t count = n, stride = 1, offset = 0;
  if (sample != 0 && n > sample)
    {
      count = sample;
      stride = n / sample;
      offset = (size_t) ((record * 0x9E3779B1ull) % stride);
    }
  const float *p = x + offset;
  uint64_t a = h, b = h ^ 0x5851F42D4C957F2Dull, c = h ^ 0x14057B7EF767814Full, d = h ^ 0x2545F4914F6CDD1Dull;
  size_t k = 0;
  for (; k + 3 < count; k += 4)
    {
      a = mix (a, float_bits (p[k * stride]));
      b = mix (b, float_bits (p[(k + 1) * stride]));
      c = mix (c, float_bits (p[(k + 2) * stride]));
      d = mix (d, float_bits (p[(k + 3) * stride]));
    }
  for (; k < count; k++)
    a = mix (a, float_bits (p[k * stride]));
  return mix (mix (mix (a, b), c), d);
}

static uint64_t
hash_logs (uint64_t h, const FtLogs *logs)
{
  h = mix (h, (uint64_t) logs->n);
  for (int i = 0; i < logs->n; i++)
    {
      h = hash_bytes (h, logs->items[i].key, strlen (logs->items[i].key));
      h = mix (h, double_bits (logs->items[i].value));
    }
  return h;
}

static uint64_t
hash_callbacks (const FtFitContext *ctx, bool epoch_end)
{
  uint64_t h = mix (0xC0FFEEull, epoch_end);
  h = mix (h, ctx->stop_training);
  h = mix (h, ctx->stopped_early);
  h = mix (h, ctx->terminated_nan);
  h = mix (h, ctx->report_progress);
  h = mix (h, float_bits (ft_optimizer_get_learning_rate (ft_trainer_optimizer (ctx->trainer))));
  /* The checkpoint's file name, not its directory: two runs saving side by side save "the same" file. */
  const char *slash = strrchr (ctx->last_checkpoint, '/');
  const char *base = slash ? slash + 1 : ctx->last_checkpoint;
  return hash_bytes (h, base, strlen (base));
}

static uint64_t
hash_rng (uint64_t h, const FtRng *rng)
{
  for (int i = 0; i < 4; i++)
    h = mix (h, rng->s[i]);
  return h;
}

static void
record_batch (FtFingerprints *f, FtFitContext *ctx, int batch)
{
  double t0 = thread_cpu_us ();
  FtTrainer *t = ctx->trainer;
  FtModel *m = ft_trainer_model (t);
  FtOptimizer *opt = ft_trainer_optimizer (t);
  FtFingerprint fp;
  memset (&fp, 0, sizeof fp);
  fp.epoch = ctx->epoch;
  fp.batch = batch;
  fp.batch_size = ctx->batch_size;
  fp.loss = ctx->batch_loss;
  uint64_t record = (uint64_t) ft_fingerprints_len (f);

  uint64_t h = mix (1, ctx->batch_size);
  if (ctx->batch_idx != NULL)
    for (uint32_t i = 0; i < ctx->batch_size; i++)
      h = mix (h, ctx->batch_idx[i]);
  fp.hash[FT_FP_ORDER] = h;
  fp.hash[FT_FP_SHUFFLE_RNG] = hash_rng (2, ft_trainer_shuffle_rng (t));
  fp.hash[FT_FP_DROPOUT_RNG] = hash_rng (8, ft_model_dropout_rng (m));
  fp.hash[FT_FP_LOSS] = mix (3, float_bits (ctx->batch_loss));

  int nv = ft_model_n_trainable (m);
  FtTensor *const *grads = ft_model_gradients (m);
  h = 4;
  for (int i = 0; i < nv; i++)
    h = hash_floats (h, grads[i]->data, grads[i]->size, f->sample, record);
  fp.hash[FT_FP_GRADIENTS] = h;

  h = 5;
  for (int i = 0; i < ft_model_n_weights (m); i++)
    {
      FtTensor *w = ft_model_weight (m, i);
      h = hash_floats (h, w->data, w->size, f->sample, record);
    }
  fp.hash[FT_FP_WEIGHTS] = h;

  /* Slot by slot and variable by variable, so sampling stays per tensor. */
  h = mix (6, (uint64_t) ft_optimizer_iterations (opt));
  h = mix (h, float_bits (ft_optimizer_get_learning_rate (opt)));
  const float *state = ft_optimizer_state (opt);
  FtTensor *const *vars = ft_model_trainable (m);
  for (int s = 0; s < ft_optimizer_n_slots (opt); s++)
    for (int i = 0; i < nv; i++)
      h = hash_floats (h, state + ft_optimizer_slot_offset (opt, s, i), vars[i]->size, f->sample, record);
  fp.hash[FT_FP_OPTIMIZER] = h;

  /* The running results (not the raw accumulators: a loop weighing batches differently may agree on them). */
  h = 7;
  double total, count;
  for (int i = 0; ft_trainer_metric_state (t, i, NULL, &total, &count); i++)
    h = mix (h, double_bits (count != 0 ? total / count : 0.0));
  fp.hash[FT_FP_METRICS] = h;
  fp.hash[FT_FP_CALLBACKS] = hash_callbacks (ctx, false);
  append (f, &fp, thread_cpu_us () - t0);
}

static void
record_epoch_end (FtFingerprints *f, FtFitContext *ctx, int epoch, const FtLogs *logs)
{
  FtFingerprint fp;
  memset (&fp, 0, sizeof fp);
  fp.epoch = epoch;
  fp.batch = -1;
  fp.hash[FT_FP_CALLBACKS] = hash_callbacks (ctx, true);
  fp.hash[FT_FP_LOGS] = hash_logs (9, logs);
  append (f, &fp, 0);
}

/* ---- the recording callback ---- */

typedef struct
{
  FtCallback parent;
  FtFingerprints *fps;
} Recorder;

static void
rec_train_begin (FtCallback *cb, FtFitContext *ctx)
{
  (void) ctx;
  ft_fingerprints_clear (((Recorder *) cb)->fps);
}

static void
rec_batch_end (FtCallback *cb, FtFitContext *ctx, int batch, const FtLogs *logs)
{
  (void) logs;
  record_batch (((Recorder *) cb)->fps, ctx, batch);
}

static void
rec_epoch_end (FtCallback *cb, FtFitContext *ctx, int epoch, FtLogs *logs)
{
  record_epoch_end (((Recorder *) cb)->fps, ctx, epoch, logs);
}

static void
rec_train_end (FtCallback *cb, FtFitContext *ctx, const FtLogs *logs)
{
  (void) ctx;
  (void) logs;
  FtFingerprints *f = ((Recorder *) cb)->fps;
  pthread_mutex_lock (&f->lock);
  f->complete = true;
  pthread_mutex_unlock (&f->lock);
}

static void
rec_free (FtCallback *cb)
{
  g_free (cb);
}

static const FtCallbackClass recorder_class = {
  .name = "Fingerprints",
  .on_train_begin = rec_train_begin,
  .on_train_batch_end = rec_batch_end,
  .on_epoch_end = rec_epoch_end,
  .on_train_end = rec_train_end,
  .free = rec_free,
};

FtCallback *
ft_fingerprint_callback_new (FtFingerprints *fps)
{
  Recorder *r = g_new0 (Recorder, 1);
  r->parent.klass = &recorder_class;
  r->fps = fps;
  return &r->parent;
}
