/* ft-model-editor-private.h — what the parts of FtModelEditor share (ft-model-editor.c,
 * ft-model-editor-fields.c): the instance structure, what the shape walk finds per layer, and the
 * functions one part calls in the other. Not for use elsewhere. */
#pragma once

#include "panels/ft-panels.h"

G_BEGIN_DECLS

/* What the shape walk found for one layer. */
typedef struct
{
  char name[64];
  bool ok; /* shape inference succeeded */
  int out_ndim;
  int out_shape[FT_MAX_DIMS];
  size_t n_params;
} LayerInfo;

struct _FtModelEditor
{
  GtkWidget parent_instance;

  /* template */
  GtkWidget *clamp;
  AdwPreferencesGroup *layers_group;
  GtkWidget *input_row;
  GtkEntry *input_entry;
  GtkWidget *add_button;
  GtkWidget *error_box;
  GtkLabel *error_label;
  GtkWidget *warning_box;
  GtkLabel *warning_label;
  GtkWidget *summary_scroller;
  GtkLabel *summary_label;

  FtExperiment *exp; /* borrowed */
  int data_ndim;
  int data_shape[3];
  int n_classes;

  GPtrArray *rows; /* AdwExpanderRow per layer, in order */
  GtkWidget *empty_row;
  char *error;
  bool updating; /* widgets being set from the experiment: no edits, no "changed" */
};

/* ft-model-editor-fields.c */
void ft_model_editor_on_input_activate (GtkEntry *entry, FtModelEditor *self);
void ft_model_editor_on_input_focus_leave (GtkEventControllerFocus *controller, FtModelEditor *self);
GtkWidget *ft_model_editor_param_row (FtModelEditor *self, const FtParam *p, const FtLayerSpec *l);
int ft_model_editor_row_index_of (GtkWidget *w);
void ft_model_editor_show_input_shape (FtModelEditor *self);

/* ft-model-editor.c */
void ft_model_editor_emit_changed (FtModelEditor *self);
void ft_model_editor_refresh (FtModelEditor *self);

G_END_DECLS
