/* ft-code-view.h — the TensorFlow/Keras code of the current experiment, highlighted as Python: in fit mode
 * model.compile + model.fit, in tape mode the whole hand-written GradientTape loop (a step switched off
 * is missing from it), in Compare mode both side by side. Regenerated on every change; the line being
 * executed can be highlighted while stepping or training slowly. */
#pragma once

#include "experiment/ft-codegen.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_CODE_VIEW (ft_code_view_get_type ())
G_DECLARE_FINAL_TYPE (FtCodeView, ft_code_view, FT, CODE_VIEW, GtkWidget)

GtkWidget *ft_code_view_new (void);
/* Regenerates the code (both mode: two panes, fit and tape). */
void ft_code_view_set_experiment (FtCodeView *self, const FtExperiment *exp, FtRunMode mode);
/* Lights the lines of a region in the fit or tape pane (region < 0 clears) and scrolls to them. */
void ft_code_view_highlight (FtCodeView *self, bool tape, int region);
/* The code shown in a pane (NULL when that pane is not shown). */
const char *ft_code_view_get_code (FtCodeView *self, bool tape);
/* The highlighted line of a pane (1-based), 0 when none. */
int ft_code_view_get_highlighted_line (FtCodeView *self, bool tape);

G_END_DECLS
