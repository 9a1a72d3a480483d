/* ft-network-view-private.h — what the network view's files share (the widget's fields, the data a map
 * computation works on, the targets under the pointer, the layout's boxes) and the functions one file of
 * the view calls in another. Not for use outside ui/views/ft-network-view*.c. */
#pragma once

#include "views/ft-network-view.h"
#include "views/ft-view-model-job.h"

#include <gtk/gtk.h>

#define MAX_POINTS 5000 /* training or test points drawn at most */

/* What a computation works on (reference counted, read-only once made). */
typedef struct
{
  FtExperiment *exp;
  FtDataset *train;     /* may be NULL: no statistics, no points */
  gpointer train_owner; /* when set, train is borrowed from it, and released with train_owner_free */
  GDestroyNotify train_owner_free;
  bool two_d; /* maps over the plane */
  double lo[2], hi[2];
} ViewData;

typedef struct
{
  FtViewModelJob in; /* the data (a ViewData), the weights (NULL: the seed's) and the view's model */
  FtNeuronMaps *maps;
  FtDecisionGrid *grid;
  char *error;
} Job;

typedef enum
{
  TARGET_NONE,
  TARGET_NEURON,
  TARGET_LINK,
  TARGET_BIAS,
  TARGET_PLUS,
  TARGET_MINUS,
  TARGET_FEATURE, /* an input feature switched off (unit: the feature) */
  TARGET_PANEL,   /* the prediction: a click adds a point, Shift+click removes one */
} TargetKind;

typedef struct
{
  TargetKind kind;
  int column;
  int from; /* links */
  int unit;
} Target;

typedef struct
{
  double x, y, size;
} Box;

struct _FtNetworkView
{
  GtkWidget parent_instance;

  GtkWidget *toolbar;
  GtkWidget *remove_layer_button;
  GtkWidget *add_layer_button;
  GtkWidget *layers_label;
  GtkWidget *state_label;
  GtkWidget *reg_dropdown; /* none, L1, L2, L1 + L2 */
  GtkWidget *reg_spin;
  GtkWidget *class_dropdown; /* the class a click on the prediction adds */
  GtkWidget *act_dropdown;   /* the hidden layers' activation (the Playground's one for all) */
  GtkWidget *lr_dropdown;    /* the learning rate: the Playground's values and the experiment's own */
  GtkStringList *lr_items;
  float lr_values[16];
  guint n_lr;
  GtkWidget *show_test_check; /* the Playground's "Show test data" */
  FtDataset *test;            /* the test points (2-D), or NULL */
  guint drawn_test;
  GtkWidget *regenerate_button;
  gboolean syncing; /* controls being set from the experiment */
  GtkWidget *canvas;
  GtkWidget *caption;
  GtkWidget *popover;
  GtkWidget *edit_label;
  GtkWidget *edit_spin;

  FtExperiment *exp; /* borrowed: what +/− edit */
  ViewData *data;
  FtInspectModel *model; /* kept between computations */
  float *pending;        /* the latest weights not yet computed */
  size_t n_pending;
  gboolean pending_fresh; /* compute from the seed's weights */
  gboolean running;
  gint64 last_start;
  guint delay_source;
  GCancellable *cancellable;
  gboolean live;   /* the maps come from a run's weights */
  gboolean edited; /* the architecture was edited since set_data */

  FtNeuronMaps *maps;
  gboolean maps_current; /* the maps are of the data shown (not of the data before set_data) */
  FtDecisionGrid *grid;
  char *error;
  char *description;
  char *default_caption;

  /* images, rebuilt with the maps or the theme */
  cairo_surface_t **images; /* one per neuron, column by column */
  int n_images;
  cairo_surface_t *output_image;

  /* layout of the last drawing */
  int *first_node; /* per column: index into nodes */
  Box *nodes;
  int n_nodes;
  Box panel;
  Box plus[FT_NETWORK_VIEW_MAX_LAYERS + 64], minus[FT_NETWORK_VIEW_MAX_LAYERS + 64];
  bool has_slots; /* the input column shows all seven features */
  Box slots[FT_N_FEATURES];
  int drawn_neurons, drawn_links;

  Target hover;
  Target editing;
};

enum
{
  SIGNAL_CHANGED,
  SIGNAL_EDIT_WEIGHT,
  SIGNAL_COMPUTED,
  SIGNAL_POINTS_CHANGED,
  SIGNAL_REGENERATE,
  N_SIGNALS
};
extern guint ft_network_view_signals[N_SIGNALS]; /* defined in ft-network-view.c */

/* ---- ft-network-view-draw.c ---- */
void ft_network_view_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data);
void ft_network_view_update_texts (FtNetworkView *self); /* caption, state, labels, accessible description */
void ft_network_view_clear_images (FtNetworkView *self); /* the maps' images are made again when drawn */
const FtNeuronColumn *ft_network_view_column (const FtNetworkView *self, int c);
const char *ft_network_view_column_name (const FtNetworkView *self, int c);
/* The features drawn as inputs (x₁ and x₂ when the model takes the raw points), and the one of input u. */
unsigned ft_network_view_input_features (const FtNetworkView *self);
int ft_network_view_input_feature (const FtNetworkView *self, int u);
char *ft_network_view_neuron_name (const FtNetworkView *self, int c, int u);
int ft_network_view_n_hidden_columns (const FtNetworkView *self);
/* The last drawing's boxes: neuron u of column c, a link's Bézier points, a neuron's bias. */
const Box *ft_network_view_node (const FtNetworkView *self, int c, int u);
void ft_network_view_link_points (const FtNetworkView *self, int c, int from, int to, double p[4][2]);
Box ft_network_view_bias_box (const Box *n);
bool ft_network_view_inside (const Box *b, double x, double y);

/* ---- ft-network-view-input.c ---- */
/* What a target is, in words (caption and tooltip); NULL for none. */
char *ft_network_view_describe_target (FtNetworkView *self, const Target *t);
/* The drawing's pointer and click handlers and its tooltip. */
void ft_network_view_attach_input (FtNetworkView *self);

/* ---- ft-network-view-controls.c ---- */
void ft_network_view_build_toolbar (FtNetworkView *self);
void ft_network_view_sync_controls (FtNetworkView *self); /* the controls show the experiment's values */

/* ---- ft-network-view-job.c ---- */
/* A new ViewData for exp and train (train may be NULL); unref with ft_network_view_data_unref. */
ViewData *ft_network_view_data_new (const FtExperiment *exp, const FtDataset *train);
/* The same sharing train with its owner (taken) instead of copying it. */
ViewData *ft_network_view_data_new_shared (const FtExperiment *exp, const FtDataset *train, gpointer owner,
                                           GDestroyNotify owner_free);
void ft_network_view_data_unref (ViewData *d);
/* Computes the maps of the pending weights now, or when the rate allows, if the view is seen. */
void ft_network_view_schedule (FtNetworkView *self);
