/* ft-data-seed.h — the seed of the generated 2-D data, apart from the weights' seed: "regenerate" draws new
 * Playground points and leaves the starting weights as they are (and "reset with new weights" leaves the
 * points). An experiment without dataset.seed draws its data from the experiment's seed, as it always did;
 * one with it draws the training set from dataset.seed and the test set from dataset.seed + 1. No GTK. */
#pragma once

#include "experiment/ft-experiment.h"

/* The seed the experiment's Playground data are drawn from: dataset.seed when set, else the experiment's. */
uint64_t ft_experiment_data_seed (const FtExperiment *exp);

/* Pins the data to the seed they are drawn from now (sets dataset.seed when it is absent), so that a new
 * weights' seed leaves them as they are. Does nothing for data read from files. */
void ft_experiment_pin_data_seed (FtExperiment *exp);

/* New data, the same weights: dataset.seed moves on by 2 (each data seed draws two sets: the training set
 * from it, the test set from it + 1, so the new training set is none of the old ones). The removals among
 * the clicked points named points of the old draw and are dropped; added points stay. Returns the new data
 * seed; false (nothing changed) for data that are not generated. */
bool ft_experiment_regenerate_data (FtExperiment *exp, uint64_t *new_seed);
