/* ft-checkpoint-keras.h — the Keras 3 configs of a Sequential model and its training (each layer's, the
 * optimizer's and the loss's get_config()), built from the kinds' descriptor tables, in either of the two
 * ways Keras serialises them: into a legacy .h5 file's attributes (checkpoints) or into a .keras file's
 * config.json. */
#pragma once

#include "train/ft-trainer.h"

#include <glib.h>

typedef enum
{
  /* legacy_serialization: {"class_name", "config"} (a legacy .h5 file's model_config, training_config) */
  FT_KERAS_LEGACY,
  /* serialization_lib: {"module", "class_name", "config", "registered_name"}, each layer with its
   * build_config, the compile_config inside the model's (a .keras file's config.json) */
  FT_KERAS_SAVING_LIB,
} FtKerasStyle;

/* The model's config (g_free): legacy, the .h5 file's model_config; saving-lib, the .keras file's
 * config.json, with the compile_config of compiled (its optimizer with the learning rate it has now) when
 * compiled is not NULL. */
char *ft_keras_model_config_json (FtKerasStyle style, const FtModel *model, FtTrainer *compiled);

/* The training's config: legacy, the .h5 file's training_config (compile() settings and
 * optimizer_config); saving-lib, a compile_config (the optimizer first). */
void ft_keras_compile_config_json (GString *s, FtKerasStyle style, FtTrainer *trainer);

/* An initializer from its keras.initializers class name ("GlorotUniform"). */
bool ft_keras_initializer_from_class (const char *cls, FtInitializer *init);
