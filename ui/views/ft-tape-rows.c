/* ft-tape-rows.c — the tape inspector's list items: FtTapeOpRow (an operation of the forward or
 * backward pass) and FtTapeVarRow (a trainable variable), with their accessors (see ft-tape-inspector.h). */
#include "views/ft-tape-inspector-private.h"

#include <string.h>

G_DEFINE_FINAL_TYPE (FtTapeOpRow, ft_tape_op_row, G_TYPE_OBJECT)

static void
ft_tape_op_row_finalize (GObject *object)
{
  FtTapeOpRow *row = FT_TAPE_OP_ROW (object);
  g_free (row->op);
  g_free (row->label);
  g_free (row->shapes);
  G_OBJECT_CLASS (ft_tape_op_row_parent_class)->finalize (object);
}

static void
ft_tape_op_row_class_init (FtTapeOpRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ft_tape_op_row_finalize;
}

static void
ft_tape_op_row_init (FtTapeOpRow *row)
{
}

int
ft_tape_op_row_get_index (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), -1);
  return row->index;
}

const char *
ft_tape_op_row_get_op (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->op;
}

const char *
ft_tape_op_row_get_label (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->label;
}

const char *
ft_tape_op_row_get_shapes (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), NULL);
  return row->shapes;
}

double
ft_tape_op_row_get_flops (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), 0);
  return row->flops;
}

double
ft_tape_op_row_get_time_us (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), 0);
  return row->time_us;
}

gboolean
ft_tape_op_row_is_backward (FtTapeOpRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_OP_ROW (row), FALSE);
  return row->backward;
}

G_DEFINE_FINAL_TYPE (FtTapeVarRow, ft_tape_var_row, G_TYPE_OBJECT)

static void
ft_tape_var_row_finalize (GObject *object)
{
  g_free (FT_TAPE_VAR_ROW (object)->name);
  G_OBJECT_CLASS (ft_tape_var_row_parent_class)->finalize (object);
}

static void
ft_tape_var_row_class_init (FtTapeVarRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ft_tape_var_row_finalize;
}

static void
ft_tape_var_row_init (FtTapeVarRow *row)
{
}

const char *
ft_tape_var_row_get_name (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), NULL);
  return row->name;
}

double
ft_tape_var_row_get_grad_norm (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->grad_norm;
}

double
ft_tape_var_row_get_weight_norm (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->weight_norm;
}

double
ft_tape_var_row_get_update_ratio (FtTapeVarRow *row)
{
  g_return_val_if_fail (FT_IS_TAPE_VAR_ROW (row), 0);
  return row->update_ratio;
}

FtTapeOpRow *
ft_tape_op_row_new (const FtSnapshotEntry *e, int index, gboolean backward, double total_us)
{
  FtTapeOpRow *row = g_object_new (FT_TYPE_TAPE_OP_ROW, NULL);
  row->index = index;
  row->op = g_strdup (e->op != NULL ? e->op : "?");
  row->label = backward ? g_strdup_printf ("∂ %s", row->op) : g_strdup (row->op);
  const char *inputs = e->inputs[0] ? e->inputs : "—";
  const char *output = e->output[0] ? e->output : "—";
  row->shapes = backward ? g_strdup_printf ("%s → %s", output, inputs)
                         : g_strdup_printf ("%s → %s", inputs, output);
  row->flops = e->flops;
  row->time_us = backward ? e->backward_us : e->forward_us;
  row->fraction = total_us > 0 ? row->time_us / total_us : 0;
  row->backward = backward;
  return row;
}
