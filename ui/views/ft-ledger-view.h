/* ft-ledger-view.h — the ledger behind one epoch value, in a dialog: what a click on an epoch's point
 * opens. One column per run (two side by side in Compare mode): the batches with their sizes and values
 * (the validation pass's batches for val_ keys), Keras' weighted mean with the actual numbers
 * (Σ nᵢ·vᵢ / Σ nᵢ = value), whether the regularization penalty is in it and how large it is, the rule a
 * tape loop with a bookkeeping pitfall used beside the correct one, the last batch's value and the full
 * pass over the training data after the epoch (what Playground shows; it arrives later, computed off the
 * main loop). Every number comes from the engine's ledger (train/ft-ledger.h): the view only lays text out.
 * It follows the presentation mode of its parent (the window.presentation style class). */
#pragma once

#include "train/ft-ledger.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define FT_TYPE_LEDGER_VIEW (ft_ledger_view_get_type ())
G_DECLARE_FINAL_TYPE (FtLedgerView, ft_ledger_view, FT, LEDGER_VIEW, AdwWindow)

/* A dialog over parent (sized from it, presentation mode copied from it). */
GtkWidget *ft_ledger_view_new (GtkWindow *parent);
void ft_ledger_view_set_heading (FtLedgerView *self, const char *title, const char *subtitle);
/* A run's column for entry (its texts are made now; the entry is not kept). Returns the column's index. */
int ft_ledger_view_add_column (FtLedgerView *self, const char *run_name, const FtLedgerEntry *entry);
/* A column whose run has no ledger (a loaded checkpoint, an epoch from before this session): the reason. */
int ft_ledger_view_add_message (FtLedgerView *self, const char *run_name, const char *message);
/* The full pass after the epoch for a column: its value of the column's key over samples training
 * samples, or why there is none (value ignored then). */
void ft_ledger_view_set_full_pass (FtLedgerView *self, int column, const char *key, gboolean ok, double value,
                                   uint32_t samples, const char *message);

int ft_ledger_view_get_n_columns (FtLedgerView *self);
/* The text of a column's part, for tests and screen readers: "value" (the logged value), "formula" (Keras'
 * weighted mean with its numbers), "rule" (the formula the loop used when it is not Keras'; "" otherwise),
 * "penalty", "last" (the last batch), "full-pass", "batches" (the table, one line per row). */
const char *ft_ledger_view_get_text (FtLedgerView *self, int column, const char *part);

G_END_DECLS
