/* bench-harness.h — what the small cost benchmarks (bench-fingerprint, bench-ledger) share: thread CPU
 * time, the experiment and its data loaded (exiting on an error), and one epoch of fit() with an optional
 * callback, timed. */
#pragma once

#include "experiment/ft-experiment.h"
#include "fittape-engine.h"

/* This thread's CPU time in µs (fit() runs on it): unaffected by other processes on a shared machine. */
double bench_thread_cpu_us (void);

/* Prints the error's message and exits with status 1. */
G_NORETURN void bench_die (GError *error);

/* The experiment at path with its first limit training samples (and its test set); exits on an error. */
FtExperiment *bench_load (const char *path, uint32_t limit, FtDataset **train, FtDataset **test);

/* A fresh trainer for the experiment; exits on an error. */
FtTrainer *bench_trainer (FtExperiment *exp, FtDataset *train);

/* One epoch of fit() on train without validation, with callback (may be NULL; taken); returns its thread
 * CPU µs and sets steps. */
double bench_fit_epoch (FtExperiment *exp, FtDataset *train, FtCallback *callback, int *steps);
