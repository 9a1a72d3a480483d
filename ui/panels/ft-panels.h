/* ft-panels.h — the side panel's editors. Each edits the window's FtExperiment in place (a borrowed
 * pointer set with _set_experiment; NULL detaches) and emits "changed" after every edit the user
 * makes (not when _set_experiment refreshes the widgets). Built from .ui templates. */
#pragma once

#include "experiment/ft-experiment.h"

#include <adwaita.h>

G_BEGIN_DECLS

/* Dataset: choice (Playground sets, Fashion-MNIST, a CSV/IDX file), size, noise, validation split, and a
 * preview (scatter plot of 2-D sets, image grid with labels), loaded off the main loop. */
#define FT_TYPE_DATASET_PANEL (ft_dataset_panel_get_type ())
G_DECLARE_FINAL_TYPE (FtDatasetPanel, ft_dataset_panel, FT, DATASET_PANEL, GtkWidget)
GtkWidget *ft_dataset_panel_new (void);
void ft_dataset_panel_set_experiment (FtDatasetPanel *self, FtExperiment *exp);
/* Signal "data-loaded" (no arguments): the data the experiment names has been loaded — after
 * _set_experiment and after the user's edits; then this returns the training set (its shape and
 * n_classes are what ft_model_editor_set_data_shape wants). NULL before the first load ends and after a
 * load failed (the panel shows the error). Owned by the panel, valid until the next load or disposal. */
const FtDataset *ft_dataset_panel_get_dataset (FtDatasetPanel *self);
/* The test set loaded with it (NULL when the experiment has none), valid as long as that one. */
const FtDataset *ft_dataset_panel_get_test_dataset (FtDatasetPanel *self);
/* New Playground points from the next data seed, the same starting weights (ft-data-seed.h); emits
 * "changed" and loads them. False (nothing done) for data read from files. */
bool ft_dataset_panel_regenerate (FtDatasetPanel *self);

/* Model: the layer list — add, remove, reorder, edit units, filters, kernel size, strides, padding,
 * activation, rate — with Keras' summary updated on every edit and an invalid network explained at the
 * layer where it is wrong. Needs the input shape: from the experiment or, when the experiment leaves it
 * to the dataset, from ft_model_editor_set_data_shape. */
#define FT_TYPE_MODEL_EDITOR (ft_model_editor_get_type ())
G_DECLARE_FINAL_TYPE (FtModelEditor, ft_model_editor, FT, MODEL_EDITOR, GtkWidget)
GtkWidget *ft_model_editor_new (void);
void ft_model_editor_set_experiment (FtModelEditor *self, FtExperiment *exp);
void ft_model_editor_set_data_shape (FtModelEditor *self, int ndim, const int *shape, int n_classes);
/* The current error ("" when the network builds). */
const char *ft_model_editor_get_error (FtModelEditor *self);

/* Compile: optimizer and its parameters, loss (with from_logits), metrics. */
#define FT_TYPE_COMPILE_PANEL (ft_compile_panel_get_type ())
G_DECLARE_FINAL_TYPE (FtCompilePanel, ft_compile_panel, FT, COMPILE_PANEL, GtkWidget)
GtkWidget *ft_compile_panel_new (void);
void ft_compile_panel_set_experiment (FtCompilePanel *self, FtExperiment *exp);

/* Training: epochs, batch size, shuffle, seed, callbacks with their parameters, and — shown in tape mode —
 * a switch for each step of the hand-written loop. */
#define FT_TYPE_TRAINING_PANEL (ft_training_panel_get_type ())
G_DECLARE_FINAL_TYPE (FtTrainingPanel, ft_training_panel, FT, TRAINING_PANEL, GtkWidget)
GtkWidget *ft_training_panel_new (void);
void ft_training_panel_set_experiment (FtTrainingPanel *self, FtExperiment *exp);
void ft_training_panel_set_mode (FtTrainingPanel *self, FtRunMode mode);

G_END_DECLS
