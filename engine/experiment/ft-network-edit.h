/* ft-network-edit.h — editing a feature network's hidden layers in an experiment, as the network view's
 * +/− buttons do (TensorFlow Playground's). No GTK.
 *
 * The hidden layers are the experiment's Dense layers but the last (the output). A hidden layer is added
 * before the output layer, as a copy of the last hidden layer (its units, activation, initializers and
 * regularizers) or, without one, as Dense(4, relu); removing drops the last hidden layer together with
 * the layers after it that belong to it (Activation, Dropout, BatchNormalization up to the next Dense
 * layer). Errors are FT_ERROR_INVALID and leave the experiment as it was. */
#pragma once

#include "experiment/ft-experiment.h"

int ft_network_n_hidden (const FtExperiment *exp);
/* The model index of hidden layer h (0-based), or −1. */
int ft_network_hidden_layer (const FtExperiment *exp, int h);
/* Fails when the experiment has no Dense output layer. */
bool ft_network_add_hidden (FtExperiment *exp, GError **error);
/* Fails when there is no hidden layer. */
bool ft_network_remove_hidden (FtExperiment *exp, GError **error);
/* Sets hidden layer h's units (≥ 1). */
bool ft_network_set_units (FtExperiment *exp, int h, int units, GError **error);

/* The Playground's one regularization for the whole network: every Dense layer's kernel_regularizer
 * (L1 factor l1, L2 factor l2, 0 = none; both: Keras' L1L2). Fails on a negative or non-finite factor. */
bool ft_network_set_regularization (FtExperiment *exp, float l1, float l2, GError **error);
/* The first Dense layer's factors (0 and 0 without one); returns whether every Dense layer has them. */
bool ft_network_get_regularization (const FtExperiment *exp, float *l1, float *l2);
/* The Playground's one activation for every hidden layer (every Dense layer but the output). Fails without
 * a hidden layer or for softmax. */
bool ft_network_set_activation (FtExperiment *exp, FtActivation act, GError **error);
/* The hidden layers' activation; false when there is no hidden layer or they differ. */
bool ft_network_get_activation (const FtExperiment *exp, FtActivation *act);
