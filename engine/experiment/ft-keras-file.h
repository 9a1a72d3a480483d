/* ft-keras-file.h — Keras-native model files both ways.
 *
 * Writing: a Keras 3 `.keras` file (the ZIP that keras.saving.save_model writes, entries stored):
 * metadata.json, config.json (the Sequential's config with an InputLayer, each layer's build_config and the
 * compile_config: optimizer, loss, metrics) and model.weights.h5 (layers/NAME/vars/0, 1, … in each layer's
 * variable order; optimizer/vars/0, 1, … as optimizer.variables: iteration, learning_rate, the slots in
 * Keras' creation order, Nadam's running product), so that keras.saving.load_model opens it compiled,
 * evaluates it and continues training with the optimizer's state; ft-keras-optimizer.c reads that state back.
 *
 * Reading: a `.keras` file or a legacy Keras `.h5` model file (model_config / training_config attributes,
 * model_weights/LAYER with weight_names), as Keras writes them. The Sequential layers FitTape has are taken
 * (InputLayer and every kind of nn/ft-layers), each layer's and the optimizer's config read through its
 * kind's descriptor table: every parameter with its type and range, the fixed entries (data_format,
 * dilation_rate, use_ema, …) at their values; anything else is an FT_ERROR_INVALID error naming the layer
 * (its position, name and class) and the class or option. HDF5 is used from the calling thread only (as
 * the command-line tool does).
 */
#pragma once

#include "experiment/ft-experiment.h"

/* Writes the trainer's model (its weights as they are now, its compile settings) to path. */
bool ft_keras_save (FtTrainer *trainer, const char *path, GError **error);

/* Reads a model file (.keras or legacy .h5): returns an experiment with base's data, fit settings and seed
 * (defaults when base is NULL), the file's layers and input shape, and its compile settings when it has
 * them (else base's); *weights (g_free) gets every weight in Keras order, *n_weights their count. */
FtExperiment *ft_keras_load (const char *path, const FtExperiment *base, float **weights, size_t *n_weights,
                             GError **error);

/* Gives trainer's optimizer (built from the experiment ft_keras_load returned for path) the state the .keras
 * file saved: its iteration count, learning rate and every slot. False with error set, the optimizer
 * untouched, when the file has none (a legacy .h5 file, a model saved before it trained) or it does not fit
 * (another count or shape of variables). */
bool ft_keras_load_optimizer_state (const char *path, FtTrainer *trainer, GError **error);
