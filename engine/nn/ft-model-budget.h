/* ft-model-budget.h — the memory a model will take, worked out from its layer specs before anything is
 * allocated, in size_t with overflow checks, against ft_limit_memory_budget ().
 *
 * The rule: per layer, 4 bytes × (parameters × (2 + optimizer slots)   [weights, gradients, slots]
 *                                 + outputs per sample × batch size × 3) [activation, its gradient, scratch]
 * plus the input batch (4 bytes × inputs per sample × batch size × 2). A model whose total exceeds the
 * budget is refused with an error naming the total, the budget and the layer that takes the most. */
#pragma once

#include "nn/ft-model.h"

/* Checks the (built or not) model's layers for batch_size samples and n_slots optimizer slots per
 * trainable parameter. Errors: FT_ERROR_INVALID ("layer 2 (dense_1): …"). */
bool ft_model_budget_check (const FtModel *model, int batch_size, int n_slots, GError **error);
