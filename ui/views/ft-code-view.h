/* ft-code-view.h — the TensorFlow/Keras code of the current experiment, highlighted as Python: in fit mode
 * model.compile + model.fit, in tape mode the whole hand-written GradientTape loop (a step switched off
 * is missing from it: a struck-through, tinted ghost of its lines stands where they were), in Compare mode
 * both as parallel text — each loop step tinted in its colour in both programs, and a band joining fit()'s
 * argument (batch_size, shuffle, validation_split, callbacks …) to the tape-loop lines that do its job.
 * Regenerated on change, coalesced: not while the view is hidden, at most every 100 ms while it is shown,
 * the last change always shown (readers flush what is pending); a change of the loop's steps scrolls both
 * programs to that step and flashes it; the line being executed can be highlighted while stepping or training
 * slowly. */
#pragma once

#include "experiment/ft-codegen.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_CODE_VIEW (ft_code_view_get_type ())
G_DECLARE_FINAL_TYPE (FtCodeView, ft_code_view, FT, CODE_VIEW, GtkWidget)

GtkWidget *ft_code_view_new (void);
/* The code to show (both mode: two panes, fit and tape), from a copy of exp: regenerated when the view is
 * mapped, at once for the first change in 100 ms, else when those 100 ms are over. */
void ft_code_view_set_experiment (FtCodeView *self, const FtExperiment *exp, FtRunMode mode);
/* Regenerates now what set_experiment left pending (the getters and highlight do it themselves). */
void ft_code_view_flush (FtCodeView *self);
/* How many times the programs were regenerated (tests). */
int ft_code_view_get_n_regenerations (FtCodeView *self);
/* Lights the lines of a region in the fit or tape pane (region < 0 clears) and scrolls to them. */
void ft_code_view_highlight (FtCodeView *self, bool tape, int region);
/* The code shown in a pane (NULL when that pane is not shown). */
const char *ft_code_view_get_code (FtCodeView *self, bool tape);
/* The highlighted line of a pane (1-based, in the program), 0 when none. */
int ft_code_view_get_highlighted_line (FtCodeView *self, bool tape);
/* Struck-through lines shown for switched-off steps in the tape pane. */
int ft_code_view_get_n_ghost_lines (FtCodeView *self);
/* The first line (1-based, as shown) flashed by the last change of the loop's steps, 0 when none. */
int ft_code_view_get_flashed_line (FtCodeView *self, bool tape);
/* The text the pane shows, ghosts included (g_free). */
char *ft_code_view_get_shown_text (FtCodeView *self, bool tape);

G_END_DECLS
