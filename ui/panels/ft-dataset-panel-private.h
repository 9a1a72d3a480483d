/* ft-dataset-panel-private.h — what the parts of FtDatasetPanel share (ft-dataset-panel.c,
 * ft-dataset-preview.c): the instance structure and the functions one part calls in the other. Not for
 * use elsewhere. */
#pragma once

#include "panels/ft-panels.h"

G_BEGIN_DECLS

#define PREVIEW_COLUMNS    6
#define PREVIEW_ROWS       4
#define SCATTER_MAX_POINTS 5000

struct _FtDatasetPanel
{
  GtkWidget parent_instance;

  /* template */
  GtkWidget *clamp;
  AdwComboRow *source_row;
  GtkWidget *samples_row;
  GtkSpinButton *samples_spin;
  GtkWidget *noise_row;
  GtkRange *noise_scale;
  GtkWidget *regenerate_row;
  GtkWidget *regenerate_button;
  GtkWidget *file_row;
  GtkWidget *file_button;
  GtkWidget *label_row;
  GtkEntry *label_entry;
  GtkWidget *dir_row;
  GtkWidget *dir_button;
  GtkWidget *split_row;
  GtkSpinButton *split_spin;
  GtkSpinner *spinner;
  GtkStack *preview_stack;
  GtkLabel *empty_label;
  GtkWidget *scatter_area;
  GtkWidget *images_area;
  GtkLabel *error_label;
  GtkLabel *info_label;

  FtExperiment *exp; /* borrowed */
  FtDataset *train;  /* owned: the last data loaded for the experiment's spec, or NULL */
  FtDataset *test;
  guint source_index; /* the combo row's item for exp->data (to go back to when a file choice is cancelled) */

  GCancellable *cancellable;
  bool loading;
  bool pending;      /* another load was asked for while one ran */
  bool pending_user; /* … by a user edit */
  bool updating;     /* widgets being set from the experiment */
  GtkNativeDialog *chooser;
};

/* ft-dataset-panel.c */
const char *ft_dataset_panel_class_name (const FtDataset *ds, int k);
void ft_dataset_panel_foreground (GtkWidget *widget, GdkRGBA *fg);
bool ft_dataset_panel_is_playground (const FtDatasetPanel *self);
uint32_t ft_dataset_panel_validation_start (const FtDatasetPanel *self);

/* ft-dataset-preview.c */
void ft_dataset_panel_draw_images (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                                   gpointer user_data);
void ft_dataset_panel_draw_scatter (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                                    gpointer user_data);

G_END_DECLS
