/* ft-network-edit.c — adding and removing hidden Dense layers and their neurons (see ft-network-edit.h). */
#include "experiment/ft-network-edit.h"

#include "core/ft-error.h"

#include <math.h>
#include <string.h>

static int
last_dense (const FtExperiment *exp)
{
  for (int i = exp->n_layers; i-- > 0;)
    if (exp->layers[i].kind == FT_LAYER_DENSE)
      return i;
  return -1;
}

int
ft_network_n_hidden (const FtExperiment *exp)
{
  int n = 0, out = last_dense (exp);
  for (int i = 0; i < out; i++)
    n += exp->layers[i].kind == FT_LAYER_DENSE;
  return n;
}

int
ft_network_hidden_layer (const FtExperiment *exp, int h)
{
  int out = last_dense (exp);
  for (int i = 0; i < out; i++)
    if (exp->layers[i].kind == FT_LAYER_DENSE && h-- == 0)
      return i;
  return -1;
}

bool
ft_network_add_hidden (FtExperiment *exp, GError **error)
{
  g_return_val_if_fail (exp != NULL, false);
  int out = last_dense (exp);
  if (out < 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "the model has no Dense output layer to add a layer before");
      return false;
    }
  int n = ft_network_n_hidden (exp);
  FtLayerSpec spec;
  if (n > 0)
    spec = exp->layers[ft_network_hidden_layer (exp, n - 1)];
  else
    {
      spec = ft_layer_spec_default (FT_LAYER_DENSE);
      spec.units = 4;
      spec.activation = FT_ACT_RELU;
    }
  exp->layers = g_renew (FtLayerSpec, exp->layers, exp->n_layers + 1);
  memmove (exp->layers + out + 1, exp->layers + out, (size_t) (exp->n_layers - out) * sizeof (FtLayerSpec));
  exp->layers[out] = spec;
  exp->n_layers++;
  return true;
}

bool
ft_network_remove_hidden (FtExperiment *exp, GError **error)
{
  g_return_val_if_fail (exp != NULL, false);
  int n = ft_network_n_hidden (exp);
  if (n == 0)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID, "the model has no hidden layer to remove");
      return false;
    }
  int first = ft_network_hidden_layer (exp, n - 1), end = first + 1;
  while (end < exp->n_layers
         && (exp->layers[end].kind == FT_LAYER_ACTIVATION || exp->layers[end].kind == FT_LAYER_DROPOUT
             || exp->layers[end].kind == FT_LAYER_BATCH_NORMALIZATION))
    end++;
  memmove (exp->layers + first, exp->layers + end, (size_t) (exp->n_layers - end) * sizeof (FtLayerSpec));
  exp->n_layers -= end - first;
  return true;
}

bool
ft_network_set_regularization (FtExperiment *exp, float l1, float l2, GError **error)
{
  g_return_val_if_fail (exp != NULL, false);
  if (!(l1 >= 0.0f && l2 >= 0.0f) || !isfinite (l1) || !isfinite (l2))
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "a regularization factor must be ≥ 0 (got l1 %g, l2 %g)", (double) l1, (double) l2);
      return false;
    }
  for (int i = 0; i < exp->n_layers; i++)
    if (exp->layers[i].kind == FT_LAYER_DENSE)
      {
        exp->layers[i].kernel_l1 = l1;
        exp->layers[i].kernel_l2 = l2;
      }
  return true;
}

bool
ft_network_get_regularization (const FtExperiment *exp, float *l1, float *l2)
{
  g_return_val_if_fail (exp != NULL && l1 != NULL && l2 != NULL, false);
  *l1 = *l2 = 0.0f;
  bool first = true, same = true;
  for (int i = 0; i < exp->n_layers; i++)
    {
      const FtLayerSpec *l = &exp->layers[i];
      if (l->kind != FT_LAYER_DENSE)
        continue;
      if (first)
        {
          *l1 = l->kernel_l1;
          *l2 = l->kernel_l2;
          first = false;
        }
      else if (l->kernel_l1 != *l1 || l->kernel_l2 != *l2)
        same = false;
    }
  return same;
}

bool
ft_network_set_units (FtExperiment *exp, int h, int units, GError **error)
{
  g_return_val_if_fail (exp != NULL, false);
  int l = ft_network_hidden_layer (exp, h);
  if (l < 0 || units < 1)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   "hidden layer %d cannot have %d units (%d hidden layers)", h + 1, units,
                   ft_network_n_hidden (exp));
      return false;
    }
  exp->layers[l].units = units;
  return true;
}

bool
ft_network_set_activation (FtExperiment *exp, FtActivation act, GError **error)
{
  g_return_val_if_fail (exp != NULL, false);
  int n = ft_network_n_hidden (exp);
  if (n == 0 || (unsigned) act >= FT_N_ACTIVATIONS || act == FT_ACT_SOFTMAX)
    {
      g_set_error (error, FT_ERROR, FT_ERROR_INVALID,
                   n == 0 ? "the network has no hidden layer"
                          : "a hidden layer cannot take the activation %s",
                   ft_activation_name (act));
      return false;
    }
  for (int h = 0; h < n; h++)
    exp->layers[ft_network_hidden_layer (exp, h)].activation = act;
  return true;
}

bool
ft_network_get_activation (const FtExperiment *exp, FtActivation *act)
{
  g_return_val_if_fail (exp != NULL && act != NULL, false);
  int n = ft_network_n_hidden (exp);
  if (n == 0)
    return false;
  *act = exp->layers[ft_network_hidden_layer (exp, 0)].activation;
  for (int h = 1; h < n; h++)
    if (exp->layers[ft_network_hidden_layer (exp, h)].activation != *act)
      return false;
  return true;
}
