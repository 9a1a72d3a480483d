/* ft-experiment-private.h — what the experiment files' parts (ft-experiment*.c) share: the names of the run
 * modes and paddings as the JSON spells them, the experiment an empty file gives, the optimizers' JSON
 * names. Not for use outside ft-experiment*.c. */
#pragma once

#include "experiment/ft-experiment.h"

extern const char *const ft_run_mode_names[3]; /* "fit", "tape", "both" */
extern const char *const ft_padding_names[2];  /* "valid", "same" */

/* What an experiment file without the optional sections gives (Keras' defaults). */
FtExperiment *ft_experiment_new_base (void);
/* "sgd", "adam", … ("?" out of range). */
const char *ft_experiment_optimizer_name (FtOptimizerKind kind);
