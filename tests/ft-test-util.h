/* ft-test-util.h — shared helpers for the tests: random tensors, the finite-difference gradient checker,
 * and running a program (fittape-cli, python3) so that a failure reports how it ended, its whole output
 * and the environment that matters. */
#pragma once

#include "data/ft-dataset.h"
#include "ops/ft-ops.h"

/* A synthetic data set of n samples of the given shape: features U(−1, 1) and labels uniform in
 * [0, n_classes), drawn from seed. Free with ft_dataset_free. */
FtDataset *ft_test_dataset_new (uint32_t n, int ndim, const int *shape, int n_classes, uint64_t seed);

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

/* ---- programs the tests run (the command-line tool, python3) ---- */

/* One finished child process: how it ended and everything it wrote. */
typedef struct
{
  char **argv;     /* the command line that ran (a copy) */
  int exit_status; /* WEXITSTATUS, or -1 when a signal ended it */
  int signal;      /* WTERMSIG, or 0 when it exited */
  char *out;       /* its whole standard output */
  char *err;       /* its whole standard error */
  double seconds;  /* wall time from spawn to exit */
} FtTestRun;

/* Runs argv (argv[0] a path) with the test's environment and waits for it; fills *run. Fails the test when
 * the program cannot be started. */
void ft_test_run (FtTestRun *run, const char *const *argv);

/* The same in the working directory dir (NULL: the test's own). */
void ft_test_run_in (FtTestRun *run, const char *dir, const char *const *argv);

void ft_test_run_clear (FtTestRun *run);

/* The report for a failure: the command line, how it ended (exit status, or signal number and name), the
 * time it took, the environment that matters (ASAN_OPTIONS, LSAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS,
 * OPENBLAS_* and FITTAPE_* variables) and the whole stdout and stderr. Free with g_free. */
char *ft_test_run_describe (const FtTestRun *run);

/* Fails the test at file:line with message and the run's report. */
void ft_test_run_fail (const FtTestRun *run, const char *file, int line, const char *func,
                       const char *message);

/* Asserts that the child exited (no signal) with status expected; on failure the message carries the
 * report. */
#define ft_test_run_assert_exit(run, expected)                                                               \
  do                                                                                                         \
    {                                                                                                        \
      const FtTestRun *ft_run_ = (run);                                                                      \
      int ft_expected_ = (expected);                                                                         \
      if (ft_run_->signal != 0 || ft_run_->exit_status != ft_expected_)                                      \
        {                                                                                                    \
          char *ft_msg_ = g_strdup_printf ("assertion failed: the program should exit with status %d",       \
                                           ft_expected_);                                                    \
          ft_test_run_fail (ft_run_, __FILE__, __LINE__, G_STRFUNC, ft_msg_);                                \
          g_free (ft_msg_);                                                                                  \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

/* Asserts expr (a check on the run's output, say); on failure the message carries the run's report. */
#define ft_test_run_assert(run, expr)                                                                        \
  do                                                                                                         \
    {                                                                                                        \
      if (!(expr))                                                                                           \
        ft_test_run_fail ((run), __FILE__, __LINE__, G_STRFUNC, "assertion failed: (" #expr ")");            \
    }                                                                                                        \
  while (0)
