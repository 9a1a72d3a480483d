/* ft-tape.c — recording, tracking and the reverse walk of the gradient tape (see ft-tape.h). */
#include "core/ft-tape.h"

#include "core/ft-blas.h"
#include "core/ft-error.h"

#include <string.h>
#include <time.h>

struct FtTape
{
  bool persistent;
  bool recording;
  bool used;
  bool timing;
  uint64_t serial;
  FtArena *arena;

  FtTapeEntry *entries;
  int n_entries;
  int cap_entries;

  FtTensor **slots; /* tracked tensors, indexed by their tape_slot */
  int n_slots;
  int cap_slots;

  /* State of the gradient call in progress (arena memory). */
  float **grad;
  uint8_t *written;
  uint8_t *needed; /* non-zero: needed; SLOT_SOURCE also set for a source (its buffer is the caller's) */

  double mark_ns; /* when timing: start of the op being recorded */
};

enum
{
  SLOT_SOURCE = 2
};

static uint64_t next_serial = 1;

static double
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

FtTape *
ft_tape_new (bool persistent)
{
  ft_blas_init ();
  FtTape *tape = g_new0 (FtTape, 1);
  tape->persistent = persistent;
  tape->arena = ft_arena_new (1 << 20);
  ft_tape_reset (tape);
  return tape;
}

void
ft_tape_free (FtTape *tape)
{
  if (tape == NULL)
    return;
  ft_arena_free (tape->arena);
  g_free (tape->entries);
  g_free (tape->slots);
  g_free (tape);
}

void
ft_tape_reset (FtTape *tape)
{
  ft_arena_reset (tape->arena);
  tape->serial = __atomic_add_fetch (&next_serial, 1, __ATOMIC_RELAXED);
  tape->n_entries = 0;
  tape->n_slots = 0;
  tape->recording = true;
  tape->used = false;
  tape->grad = NULL;
  tape->written = NULL;
  tape->needed = NULL;
}

FtArena *
ft_tape_arena (FtTape *tape)
{
  return tape->arena;
}

static void
track (FtTape *tape, FtTensor *t)
{
  if (t->tape_serial == tape->serial)
    return;
  if (tape->n_slots == tape->cap_slots)
    {
      tape->cap_slots = tape->cap_slots ? tape->cap_slots * 2 : 64;
      tape->slots = g_renew (FtTensor *, tape->slots, tape->cap_slots);
    }
  t->tape_serial = tape->serial;
  t->tape_slot = tape->n_slots;
  tape->slots[tape->n_slots++] = t;
}

void
ft_tape_watch (FtTape *tape, FtTensor *t)
{
  if (tape->recording)
    track (tape, t);
}

void
ft_tape_stop_recording (FtTape *tape)
{
  tape->recording = false;
}

void
ft_tape_start_recording (FtTape *tape)
{
  tape->recording = true;
}

bool
ft_tape_is_recording (const FtTape *tape)
{
  return tape->recording;
}

bool
ft_tape_is_persistent (const FtTape *tape)
{
  return tape->persistent;
}

void
ft_tape_set_timing (FtTape *tape, bool enabled)
{
  tape->timing = enabled;
}

bool
ft_tape_is_tracked (const FtTape *tape, const FtTensor *t)
{
  return t != NULL && t->tape_serial == tape->serial;
}

int
ft_tape_n_entries (const FtTape *tape)
{
  return tape->n_entries;
}

const FtTapeEntry *
ft_tape_entry (const FtTape *tape, int i)
{
  g_return_val_if_fail (i >= 0 && i < tape->n_entries, NULL);
  return &tape->entries[i];
}

FtTensor *
ft_tape_tensor (FtTape *tape, int ndim, const int *shape)
{
  FtTensor *t = ft_arena_alloc (tape->arena, sizeof (FtTensor));
  ft_tensor_init_view (t, NULL, ndim, shape);
  t->data = ft_arena_alloc (tape->arena, t->size * sizeof (float));
  return t;
}

FtTensor *
ft_tape_tensor0 (FtTape *tape, int ndim, const int *shape)
{
  FtTensor *t = ft_tape_tensor (tape, ndim, shape);
  memset (t->data, 0, t->size * sizeof (float));
  return t;
}

void *
ft_tape_alloc (FtTape *tape, size_t size)
{
  return ft_arena_alloc (tape->arena, size);
}

void *
ft_tape_alloc0 (FtTape *tape, size_t size)
{
  return ft_arena_alloc0 (tape->arena, size);
}

bool
ft_tape_should_record (FtTape *tape, int n_inputs, FtTensor *const *inputs)
{
  if (!tape->recording)
    return false;
  for (int i = 0; i < n_inputs; i++)
    {
      const FtTensor *t = inputs[i];
      if (t != NULL && (t->tape_serial == tape->serial || (t->flags & FT_TENSOR_TRAINABLE)))
        {
          if (tape->timing)
            tape->mark_ns = now_ns ();
          return true;
        }
    }
  return false;
}

FtTapeEntry *
ft_tape_record (FtTape *tape, const FtOpDef *def, int n_inputs, FtTensor *const *inputs, FtTensor *output,
                double flops, size_t saved_size)
{
  g_assert (n_inputs <= FT_TAPE_MAX_INPUTS);
  if (tape->n_entries == tape->cap_entries)
    {
      tape->cap_entries = tape->cap_entries ? tape->cap_entries * 2 : 32;
      tape->entries = g_renew (FtTapeEntry, tape->entries, tape->cap_entries);
    }
  FtTapeEntry *e = &tape->entries[tape->n_entries++];
  memset (e, 0, sizeof *e);
  e->def = def;
  e->n_inputs = n_inputs;
  for (int i = 0; i < n_inputs; i++)
    {
      e->inputs[i] = inputs[i];
      if (inputs[i] != NULL && (inputs[i]->flags & FT_TENSOR_TRAINABLE))
        track (tape, inputs[i]);
    }
  e->output = output;
  e->flops = flops;
  e->saved = saved_size ? ft_arena_alloc0 (tape->arena, saved_size) : NULL;
  if (tape->timing)
    e->forward_us = (now_ns () - tape->mark_ns) / 1e3;
  track (tape, output);
  return e;
}

float *
ft_tape_input_grad (FtTape *tape, const FtTensor *input, float *beta)
{
  if (input == NULL || input->tape_serial != tape->serial || tape->needed == NULL)
    return NULL;
  int s = input->tape_slot;
  if (!tape->needed[s])
    return NULL;
  if (tape->grad[s] == NULL)
    tape->grad[s] = ft_arena_alloc (tape->arena, input->size * sizeof (float));
  *beta = tape->written[s] ? 1.0f : 0.0f;
  tape->written[s] = 1;
  return tape->grad[s];
}

bool
ft_tape_input_grad_alias (FtTape *tape, const FtTensor *input, const FtTensor *output, const float *dy)
{
  if (input == NULL || input->tape_serial != tape->serial || tape->needed == NULL)
    return false;
  const int s = input->tape_slot, o = output->tape_slot;
  /* Only a buffer of the tape's own that nothing reads once this entry is done: the output's gradient
   * (complete before its producer runs, and read by nobody after), never a caller's buffer (a source's). */
  if (!tape->needed[s] || tape->grad[s] != NULL || tape->written[s] || (tape->needed[o] & SLOT_SOURCE)
      || tape->grad[o] != dy)
    return false;
  tape->grad[s] = (float *) dy;
  tape->written[s] = 1;
  return true;
}

float *
ft_tape_input_grad_acc (FtTape *tape, const FtTensor *input)
{
  float beta;
  float *g = ft_tape_input_grad (tape, input, &beta);
  if (g != NULL && beta == 0.0f)
    memset (g, 0, input->size * sizeof (float));
  return g;
}

/* Marks what the backward pass needs: the sources (their gradients written straight into grads), then
 * every output one of whose inputs leads to a source. */
static void
mark_needed (FtTape *tape, int n_sources, FtTensor *const *sources, FtTensor *const *grads)
{
  for (int i = 0; i < n_sources; i++)
    if (ft_tape_is_tracked (tape, sources[i]) && tape->grad[sources[i]->tape_slot] == NULL)
      {
        tape->needed[sources[i]->tape_slot] = 1 | SLOT_SOURCE;
        tape->grad[sources[i]->tape_slot] = grads[i]->data;
      }
  /* Forward sweep: an output is needed when one of its inputs leads to a source. */
  for (int k = 0; k < tape->n_entries; k++)
    {
      const FtTapeEntry *e = &tape->entries[k];
      for (int j = 0; j < e->n_inputs; j++)
        if (ft_tape_is_tracked (tape, e->inputs[j]) && tape->needed[e->inputs[j]->tape_slot])
          {
            tape->needed[e->output->tape_slot] = 1;
            break;
          }
    }
}

/* Seeds the target's gradient with ones and runs the recorded entries backward, those that lead to a
 * source and received a gradient. */
static void
run_backward (FtTape *tape, const FtTensor *target)
{
  int ts = target->tape_slot;
  if (tape->needed[ts])
    {
      if (tape->grad[ts] == NULL)
        tape->grad[ts] = ft_arena_alloc (tape->arena, target->size * sizeof (float));
      for (size_t i = 0; i < target->size; i++)
        tape->grad[ts][i] = 1.0f;
      tape->written[ts] = 1;

      for (int k = tape->n_entries - 1; k >= 0; k--)
        {
          FtTapeEntry *e = &tape->entries[k];
          int s = e->output->tape_slot;
          if (!tape->needed[s] || !tape->written[s])
            continue;
          double t0 = tape->timing ? now_ns () : 0;
          e->def->backward (tape, e, tape->grad[s]);
          if (tape->timing)
            e->backward_us = (now_ns () - t0) / 1e3;
        }
    }
}

bool
ft_tape_gradient_into (FtTape *tape, FtTensor *target, int n_sources, FtTensor *const *sources,
                       FtTensor *const *grads, bool *connected, GError **error)
{
  if (tape->used && !tape->persistent)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_TAPE_USED,
                   "A non-persistent GradientTape can only be used to compute one set of gradients; "
                   "create it with persistent=True to call gradient() more than once");
      return false;
    }
  tape->used = true;
  for (int i = 0; i < n_sources; i++)
    {
      if (connected)
        connected[i] = false;
      if (!ft_tensor_same_shape (sources[i], grads[i]))
        {
          g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "gradient buffer %d has the wrong shape", i);
          return false;
        }
    }
  if (!ft_tape_is_tracked (tape, target))
    return true; /* the tape never saw the target: no source is connected */

  int n = tape->n_slots;
  tape->grad = ft_arena_alloc0 (tape->arena, (size_t) n * sizeof (float *));
  tape->written = ft_arena_alloc0 (tape->arena, (size_t) n);
  tape->needed = ft_arena_alloc0 (tape->arena, (size_t) n);

  mark_needed (tape, n_sources, sources, grads);
  run_backward (tape, target);

  for (int i = 0; i < n_sources; i++)
    {
      if (!ft_tape_is_tracked (tape, sources[i]))
        continue;
      int s = sources[i]->tape_slot;
      if (!tape->written[s])
        continue;
      if (tape->grad[s] != grads[i]->data) /* the same source listed twice */
        memcpy (grads[i]->data, tape->grad[s], grads[i]->size * sizeof (float));
      if (connected)
        connected[i] = true;
    }
  tape->grad = NULL;
  tape->written = NULL;
  tape->needed = NULL;
  return true;
}

bool
ft_tape_gradient (FtTape *tape, FtTensor *target, int n_sources, FtTensor *const *sources,
                  FtTensor **grads_out, GError **error)
{
  FtTensor **tmp = g_new0 (FtTensor *, n_sources);
  bool *connected = g_new0 (bool, n_sources);
  for (int i = 0; i < n_sources; i++)
    tmp[i] = ft_tensor_new (sources[i]->ndim, sources[i]->shape);
  bool ok = ft_tape_gradient_into (tape, target, n_sources, sources, tmp, connected, error);
  for (int i = 0; i < n_sources; i++)
    {
      if (ok && connected[i])
        grads_out[i] = tmp[i];
      else
        {
          grads_out[i] = NULL;
          ft_tensor_free (tmp[i]);
        }
    }
  g_free (tmp);
  g_free (connected);
  return ok;
}
