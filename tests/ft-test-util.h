/* ft-test-util.h — shared helpers for the engine tests: random tensors and the finite-difference
 * gradient checker. */
#pragma once

#include "ops/ft-ops.h"

/* Fills with U(lo, hi) from a fixed-seed generator. */
void ft_test_fill_uniform (FtTensor *t, FtRng *rng, float lo, float hi);

/* Builds the op under test on tape from inputs; returns its output (any shape). */
typedef FtTensor *(*FtTestForward) (FtTape *tape, FtTensor *const *inputs, void *user_data);

/* Checks d(sum(R ⊙ f(inputs)))/d(inputs[i]) for every input i with check[i] true, against central
 * differences in float32 with step eps: every element (or max_elements random ones per input) must satisfy
 * |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|). R is a fixed random tensor, so every
 * output element matters. Also asserts that each checked gradient is not identically zero. Calls
 * g_assert on failure with the input, the element and both values. */
void ft_test_gradcheck (FtTestForward forward, void *user_data, int n_inputs, FtTensor *const *inputs,
                        const bool *check, float eps, float atol, float rtol, int max_elements);

/* Asserts |a − b| ≤ atol + rtol·|b| element by element, naming what differs. */
void ft_test_assert_close (const char *what, const float *a, const float *b, size_t n, float atol,
                           float rtol);
