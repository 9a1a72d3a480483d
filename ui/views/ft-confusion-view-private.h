/* ft-confusion-view-private.h — what the parts of FtConfusionView share (ft-confusion-view.c,
 * ft-confusion-draw.c): what a computation found, the instance structure, and the functions one part
 * calls in the other. Not for use elsewhere. */
#pragma once

#include "views/ft-confusion-view.h"

G_BEGIN_DECLS

#define MAX_CLASSES 256  /* more classes than this are not drawn as a matrix */
#define MAX_KEPT    1200 /* misclassified images kept, in test order: a clicked cell shows its own */
#define MIN_IMAGE   20   /* px: an image smaller than this is not worth showing */

/* What a computation found. */
typedef struct
{
  char *dataset_name;
  int k;
  char **class_names; /* k names */
  int *matrix;        /* k × k */
  uint32_t n_test;
  int n_correct;
  int n_mis;       /* misclassified in all */
  int n_shown;     /* … of which shown as images at first (the first FT_CONFUSION_VIEW_MAX_IMAGES) */
  int n_kept;      /* … of which kept (≤ MAX_KEPT), for a clicked cell */
  int rows, cols;  /* image shape; 0 when the data are not images */
  uint8_t *pixels; /* n_kept × rows × cols */
  uint32_t index[MAX_KEPT];
  int truth[MAX_KEPT];
  int predicted[MAX_KEPT];
  float confidence[MAX_KEPT];
} Result;

struct _FtConfusionView
{
  GtkWidget parent_instance;

  guint serial; /* of the latest compute; older results are dropped */
  int running;  /* computations not yet returned */
  GCancellable *cancellable;
  Result *result;
  char *error;
  char *description;
  /* Where the last drawing put the matrix (for clicks), whether every cell carried its count, and the cell
   * whose images are shown (-1: the first misclassified of all). */
  double mx, my, cell;
  int drawn_k;
  gboolean counts_shown;
  int sel_true, sel_pred;
  int images_drawn;
};

/* ft-confusion-draw.c */
void ft_confusion_view_draw (GtkWidget *widget, cairo_t *cr, double width, double height);

G_END_DECLS
