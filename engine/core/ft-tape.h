/* ft-tape.h — a gradient tape with tf.GradientTape semantics.
 *
 * A tape is also the scratch space of one step: every op takes the tape, allocates its output in the
 * tape's arena and, while the tape records and an input is tracked (watched, or a trainable variable, or
 * produced by a recorded op), appends an entry {op, inputs, output, saved state, FLOPs}. Recording order is
 * topological, so ft_tape_gradient walks the entries backwards. Each op's backward *adds* into its inputs'
 * gradient buffers (or overwrites them when it writes first, see ft_tape_input_grad).
 *
 * Semantics, as in TensorFlow:
 *  - trainable variables are watched automatically; other tensors only after ft_tape_watch;
 *  - gradient(target, sources) returns fresh gradients; a tensor used twice receives both contributions;
 *    a non-scalar target means the gradient of its sum; a source the target does not depend on gets none;
 *  - a persistent tape may be asked again; a one-shot tape refuses a second call with an error;
 *  - ft_tape_stop_recording / ft_tape_start_recording, and ft_op_stop_gradient (ft-ops-basic.h).
 * One tape tracks a tensor at a time (no nested tapes).
 */
#pragma once

#include "core/ft-arena.h"
#include "core/ft-error.h" /* ft_tape_gradient fails with FT_ERROR_TAPE_USED / _NOT_RECORDING */
#include "core/ft-tensor.h"

#include <glib.h>
#include <stdbool.h>

#define FT_TAPE_MAX_INPUTS 4

typedef struct FtTape FtTape;
typedef struct FtTapeEntry FtTapeEntry;

/* An op's backward: reads the gradient of the entry's output (dy, same size as output) and adds to its
 * inputs' gradients obtained through ft_tape_input_grad. */
typedef void (*FtBackwardFunc) (FtTape *tape, const FtTapeEntry *entry, const float *dy);

typedef struct
{
  const char *name; /* "dense", "conv2d", "softmax_cross_entropy", … */
  FtBackwardFunc backward;
} FtOpDef;

struct FtTapeEntry
{
  const FtOpDef *def;
  int n_inputs;
  FtTensor *inputs[FT_TAPE_MAX_INPUTS];
  FtTensor *output;
  void *saved;  /* op-specific state in the arena (attributes, masks, indices) */
  double flops; /* forward FLOPs; backward is usually about twice */
  double forward_us;
  double backward_us;
};

FtTape *ft_tape_new (bool persistent);
void ft_tape_free (FtTape *tape);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtTape, ft_tape_free)
/* Forgets every entry, tracked tensor and arena allocation (tensors made on the tape become invalid);
 * the tape records again and may be asked for gradients again. Allocation-free after warm-up. */
void ft_tape_reset (FtTape *tape);

void ft_tape_watch (FtTape *tape, FtTensor *t);
void ft_tape_stop_recording (FtTape *tape);
void ft_tape_start_recording (FtTape *tape);
bool ft_tape_is_recording (const FtTape *tape);
bool ft_tape_is_persistent (const FtTape *tape);
/* Measure each op's forward and backward time (for the tape inspector); off by default. */
void ft_tape_set_timing (FtTape *tape, bool enabled);

/* Is t watched, or produced from a watched tensor by a recorded op? */
bool ft_tape_is_tracked (const FtTape *tape, const FtTensor *t);

/* Gradients of sum(target) with respect to each source, written into the caller's tensors grads[i]
 * (same shapes as the sources). connected[i] tells whether the target depends on source i; where it does
 * not, grads[i] is left untouched (TensorFlow returns None). connected may be NULL.
 * Fails with FT_ERROR_TAPE_USED on a second call to a one-shot tape. Allocation-free after warm-up. */
bool ft_tape_gradient_into (FtTape *tape, FtTensor *target, int n_sources, FtTensor *const *sources,
                            FtTensor *const *grads, bool *connected, GError **error);
/* The same, returning newly allocated tensors (free with ft_tensor_free); NULL where not connected. */
bool ft_tape_gradient (FtTape *tape, FtTensor *target, int n_sources, FtTensor *const *sources,
                       FtTensor **grads_out, GError **error);

/* The recorded entries, in recording order, for showing the tape. */
int ft_tape_n_entries (const FtTape *tape);
const FtTapeEntry *ft_tape_entry (const FtTape *tape, int i);
FtArena *ft_tape_arena (FtTape *tape);

/* ---- For op implementations ---- */

/* A new tensor in the tape's arena (data uninitialised). */
FtTensor *ft_tape_tensor (FtTape *tape, int ndim, const int *shape);
FtTensor *ft_tape_tensor0 (FtTape *tape, int ndim, const int *shape);
/* Arena memory for scratch or saved state (uninitialised; _alloc0: zeroed). */
void *ft_tape_alloc (FtTape *tape, size_t size);
void *ft_tape_alloc0 (FtTape *tape, size_t size);
/* Should an op with these inputs be recorded? (recording, and some input tracked or trainable) */
bool ft_tape_should_record (FtTape *tape, int n_inputs, FtTensor *const *inputs);
/* Records an entry and tracks its output; returns the entry (its `saved` points to saved_size zeroed
 * bytes in the arena, or NULL when saved_size is 0). Call only when ft_tape_should_record said yes. */
FtTapeEntry *ft_tape_record (FtTape *tape, const FtOpDef *def, int n_inputs, FtTensor *const *inputs,
                             FtTensor *output, double flops, size_t saved_size);
/* During backward: the gradient buffer of an input, or NULL if that input needs no gradient (not tracked,
 * or no source depends on it). *beta is 0 when the buffer holds no value yet (overwrite it entirely) and
 * 1 when it already holds a contribution (add to it). Asking twice for the same input in one backward
 * call is allowed; the second call returns beta 1. */
float *ft_tape_input_grad (FtTape *tape, const FtTensor *input, float *beta);
/* During backward, for an op whose input gradient is its output gradient unchanged (a reshape): makes dy
 * itself the input's gradient, without a copy, when that is safe — the input has no gradient yet, and dy is
 * the output's gradient buffer owned by the tape (not a caller's source buffer). Returns false when it did
 * nothing; the op then copies dy as usual. */
bool ft_tape_input_grad_alias (FtTape *tape, const FtTensor *input, const FtTensor *output, const float *dy);
/* Like ft_tape_input_grad but the buffer is zeroed first if it held nothing, so the caller may always
 * add. */
float *ft_tape_input_grad_acc (FtTape *tape, const FtTensor *input);
