/* ft-model.h — a Keras Sequential model: layers, built weights in contiguous blocks (trainable
 * parameters, their gradients, non-trainable state), the forward call and Keras' summary table. */
#pragma once

#include "nn/ft-layers.h"

typedef struct FtModel FtModel;

/* input_shape without the batch axis, e.g. {28, 28} or {28, 28, 1} or {2}. */
FtModel *ft_model_new (int ndim, const int *input_shape);
void ft_model_free (FtModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtModel, ft_model_free)
void ft_model_add (FtModel *model, const FtLayerSpec *spec);
int ft_model_n_layers (const FtModel *model);
const FtLayerSpec *ft_model_layer_spec (const FtModel *model, int i);
void ft_model_input_shape (const FtModel *model, int *ndim, int *shape);

/* Infers every shape, names the layers as Keras does (dense, dense_1, …), allocates the weights and
 * initialises them from seed (stream FT_RNG_STREAM_INIT); the dropout generator is seeded from it too.
 * Errors name the layer ("layer 3 (conv2d_1): kernel 5×5 is larger than its 4×4 input"). */
bool ft_model_build (FtModel *model, uint64_t seed, GError **error);
bool ft_model_is_built (const FtModel *model);

const char *ft_model_layer_name (const FtModel *model, int i);
void ft_model_layer_output_shape (const FtModel *model, int i, int *ndim, int *shape);
size_t ft_model_layer_n_params (const FtModel *model, int i);
void ft_model_output_shape (const FtModel *model, int *ndim, int *shape);

/* Every weight, in Keras order (layer by layer; kernel, bias; gamma, beta, moving_mean,
 * moving_variance); names "dense/kernel". */
int ft_model_n_weights (const FtModel *model);
FtTensor *ft_model_weight (const FtModel *model, int i);
int ft_model_weight_layer (const FtModel *model, int i);
/* The trainable variables and their gradient tensors (aligned; both contiguous blocks). */
int ft_model_n_trainable (const FtModel *model);
FtTensor *const *ft_model_trainable (const FtModel *model);
FtTensor *const *ft_model_gradients (const FtModel *model);
size_t ft_model_n_params (const FtModel *model); /* all weights */
size_t ft_model_n_trainable_params (const FtModel *model);
FtRng *ft_model_dropout_rng (FtModel *model);

/* Copies every weight value out / in (n_params floats, Keras order), e.g. for best-weights snapshots. */
void ft_model_get_weights (const FtModel *model, float *out);
void ft_model_set_weights (FtModel *model, const float *in);

/* A copy of every weight (EarlyStopping's and the tape loop's best weights) that knows which inputs it was
 * taken for: after a live change of the input features (ft_model_set_input_width) it no longer fits the
 * model, even when the number of weights stayed the same (x₁, x₂ → x₁, x₁²). Zero-initialise it. */
typedef struct
{
  float *values;
  size_t n;
  unsigned inputs_serial;
} FtWeightSnapshot;

void ft_weight_snapshot_take (FtWeightSnapshot *s, const FtModel *model);
bool ft_weight_snapshot_fits (const FtWeightSnapshot *s, const FtModel *model);
/* Puts the copy back when it fits the model (and says whether it did). */
bool ft_weight_snapshot_restore (const FtWeightSnapshot *s, FtModel *model);
void ft_weight_snapshot_clear (FtWeightSnapshot *s);

/* The forward pass on x (N, input_shape…), recorded on tape when it records. */
FtTensor *ft_model_forward (FtModel *model, FtTape *tape, FtTensor *x, bool training);
/* Every Dense and Conv2D layer's kernel regulariser from now on (L1 factor l1, L2 factor l2; 0 = none), as
 * the Playground's live regularization control changes it while a run trains. */
void ft_model_set_kernel_regularization (FtModel *model, float l1, float l2);
/* Every hidden Dense layer's activation (all Dense layers but the last) from the next forward pass on, as
 * the Playground's activation control changes it while a run trains; *old (may be NULL) gets the first
 * one's before. False when there is no hidden Dense layer (nothing changes). */
bool ft_model_set_hidden_activation (FtModel *model, FtActivation act, FtActivation *old);
/* Gives the model a new input width (a vector input, a Dense first layer), as a change of the Playground's
 * input features while a run trains: row r of the first kernel (n_in rows) keeps the values of old row
 * from[r], or, when from[r] < 0, takes the value a fresh kernel of the new shape drawn by the layer's
 * initializer from seed (stream FT_RNG_STREAM_INIT) has there. Every other weight keeps its values; the
 * tensors stay the same objects (their data moves; gradients too). Fails, changing nothing, with a message
 * saying why ("the first layer is not Dense"). */
bool ft_model_set_input_width (FtModel *model, int n_in, const int *from, uint64_t seed, GError **error);
/* Sum of the layers' regularisation losses (a scalar on tape), or NULL when there are none. */
FtTensor *ft_model_regularization_loss (FtModel *model, FtTape *tape);

/* Keras 3's model.summary() table as UTF-8 text. */
char *ft_model_summary (const FtModel *model, const char *model_name);
