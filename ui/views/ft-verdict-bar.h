/* ft-verdict-bar.h — the verdict of Compare mode, a large plain statement above the charts: "fit() and the
 * tape loop: identical — 60 epochs, 2,400 steps, every weight the same bit for bit" or "parted at epoch 1,
 * step 1: the tape loop does not shuffle", from the first-divergence finder, updated while the runs train. */
#pragma once

#include "train/ft-divergence.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FT_TYPE_VERDICT_BAR (ft_verdict_bar_get_type ())
G_DECLARE_FINAL_TYPE (FtVerdictBar, ft_verdict_bar, FT, VERDICT_BAR, GtkWidget)

GtkWidget *ft_verdict_bar_new (void);
/* Shows the finder's result (the style class "identical" or "parted" follows it). */
void ft_verdict_bar_set_divergence (FtVerdictBar *self, const FtDivergence *divergence);
/* Before any comparison: a hint to train. */
void ft_verdict_bar_reset (FtVerdictBar *self);
/* The statement shown. */
const char *ft_verdict_bar_get_text (FtVerdictBar *self);
/* Whether the last result parted, and where (0-based epoch, batch -1 at the epoch end). */
bool ft_verdict_bar_get_parted (FtVerdictBar *self, int *epoch, int *batch);

G_END_DECLS
