/* ft-test-util.c — random tensors, closeness assertions and the finite-difference gradient checker. */
#include "ft-test-util.h"

#include <math.h>

void
ft_test_fill_uniform (FtTensor *t, FtRng *rng, float lo, float hi)
{
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = lo + (hi - lo) * ft_rng_uniform (rng);
}

void
ft_test_assert_close (const char *what, const float *a, const float *b, size_t n, float atol, float rtol)
{
  for (size_t i = 0; i < n; i++)
    {
      float diff = fabsf (a[i] - b[i]);
      if (!(diff <= atol + rtol * fabsf (b[i])))
        g_error ("%s: element %zu differs: %.9g vs expected %.9g (|diff| %.3g > %.3g + %.3g·|expected|)",
                 what, i, (double) a[i], (double) b[i], (double) diff, (double) atol, (double) rtol);
    }
}

/* sum(R ⊙ f(inputs)) in double, on a non-recording tape. */
static double
objective (FtTape *tape, FtTestForward forward, void *user_data, FtTensor *const *inputs, const float *r)
{
  ft_tape_reset (tape);
  ft_tape_stop_recording (tape);
  FtTensor *out = forward (tape, inputs, user_data);
  double s = 0;
  for (size_t i = 0; i < out->size; i++)
    s += (double) r[i] * (double) out->data[i];
  return s;
}

void
ft_test_gradcheck (FtTestForward forward, void *user_data, int n_inputs, FtTensor *const *inputs,
                   const bool *check, float eps, float atol, float rtol, int max_elements)
{
  FtRng rng;
  ft_rng_seed (&rng, 1234, 99);
  FtTape *tape = ft_tape_new (true);

  /* Analytic: L = sum(R ⊙ f(x)) recorded on the tape. */
  for (int i = 0; i < n_inputs; i++)
    if (check[i])
      ft_tape_watch (tape, inputs[i]);
  FtTensor *out = forward (tape, inputs, user_data);
  g_assert_nonnull (out);
  float *r = g_new (float, out->size);
  for (size_t i = 0; i < out->size; i++)
    r[i] = -1.0f + 2.0f * ft_rng_uniform (&rng);
  FtTensor *rt = ft_op_constant (tape, r, out->ndim, out->shape);
  FtTensor *loss = ft_op_sum (tape, ft_op_mul (tape, out, rt));
  FtTensor **grads = g_new0 (FtTensor *, n_inputs);
  GError *error = NULL;
  g_assert_true (ft_tape_gradient (tape, loss, n_inputs, inputs, grads, &error));
  g_assert_no_error (error);

  for (int i = 0; i < n_inputs; i++)
    {
      if (!check[i])
        continue;
      g_assert_nonnull (grads[i]);
      double norm = 0;
      for (size_t k = 0; k < grads[i]->size; k++)
        norm += fabs (grads[i]->data[k]);
      if (!(norm > 0))
        g_error ("gradient of input %d is identically zero: the check would be vacuous", i);

      size_t n = inputs[i]->size;
      size_t count = max_elements > 0 && (size_t) max_elements < n ? (size_t) max_elements : n;
      for (size_t c = 0; c < count; c++)
        {
          size_t k = count == n ? c : ft_rng_below (&rng, (uint32_t) n);
          float saved = inputs[i]->data[k];
          inputs[i]->data[k] = saved + eps;
          double plus = objective (tape, forward, user_data, inputs, r);
          inputs[i]->data[k] = saved - eps;
          double minus = objective (tape, forward, user_data, inputs, r);
          inputs[i]->data[k] = saved;
          double numeric = (plus - minus) / (2.0 * (double) eps);
          double analytic = grads[i]->data[k];
          double tol = atol + rtol * fmax (fabs (analytic), fabs (numeric));
          if (!(fabs (analytic - numeric) <= tol))
            g_error ("gradcheck: input %d element %zu: analytic %.7g, numeric %.7g (tolerance %.3g)", i, k,
                     analytic, numeric, tol);
        }
    }
  for (int i = 0; i < n_inputs; i++)
    ft_tensor_free (grads[i]);
  g_free (grads);
  g_free (r);
  ft_tape_free (tape);
}
