/* bench-peers.h — the benchmark's peers: the same two models trained by a Python script (bench_torch.py with
 * PyTorch, bench_tf.py with TensorFlow's model.fit()) on one thread, read back from its RESULT lines. */
#pragma once

#include "bench-data.h"

#include <stdbool.h>

/* What one peer measured, or why it could not. */
typedef struct
{
  bool available;
  char *why_not; /* when not available */
  char *info;    /* "torch=… threads=1 …" */
  char *data;
  double epoch_s[2]; /* mlp, cnn; 0 = missing */
  double step_us[2];
  int steps[2];
} TorchResult;

/* Runs script with python (which must import module) on data (Fashion-MNIST from data_dir when data is
 * real, else the script's synthetic data) for the models ("mlp", "cnn" or "mlp,cnn"), one thread, and fills
 * t (why_not says why when the peer is missing or failed). */
void bench_run_peer (const char *python, const char *module, const char *script, const Dataset *data,
                     const char *data_dir, const char *models, int mlp_steps, int cnn_steps, TorchResult *t);

/* Frees what t holds. */
void bench_peer_clear (TorchResult *t);
