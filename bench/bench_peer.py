"""What the peer benchmarks bench_torch.py and bench_tf.py share: their command line, Fashion-MNIST's
training set, and the RESULT line fittape-bench parses:

    RESULT <model> seconds_per_epoch=<s> step_us=<us> steps=<n> loss=<last loss> chunks=<k> best_step_us=<us>

(seconds_per_epoch = the median chunk's time per step × the steps of one epoch)."""

import argparse
import gzip
import importlib
import os
import struct
import sys

EPOCH_SAMPLES = 60000
NO_PEER = 3  # the exit status when the peer's framework is missing


def import_peer(*names):
    """The modules named, or None after the NO_TORCH line fittape-bench reads as "this peer is missing"."""
    try:
        return [importlib.import_module(name) for name in names]
    except ImportError as e:
        print("NO_TORCH %s" % e)
        return None


def parse_args(doc):
    """The options both peers take; doc's first line describes the script."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--mlp-steps", type=int, default=1875, help="timed MLP steps (1875 = one epoch)")
    ap.add_argument("--cnn-steps", type=int, default=150, help="timed CNN steps (extrapolated to an epoch)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--chunks", type=int, default=3, help="timed chunks per model; the median is reported")
    ap.add_argument("--data-dir", default="", help="Fashion-MNIST directory; synthetic data when empty")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--seed", type=int, default=42)
    return ap.parse_args()


def load_fashion(data_dir):
    """Fashion-MNIST training images (uint8, N×28×28, as bytes) and labels, and N; None when the files are
    missing or are not 28×28 IDX files of the same length."""
    images = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
    labels = os.path.join(data_dir, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        return None
    with gzip.open(images, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x803 or rows != 28 or cols != 28:
        return None
    with gzip.open(labels, "rb") as f:
        lraw = f.read()
    lmagic, ln = struct.unpack(">II", lraw[:8])
    if lmagic != 0x801 or ln != n:
        return None
    return raw[16:16 + n * 784], lraw[8:8 + n], n


def print_result(name, chunk_step_seconds, steps_per_epoch, steps, loss):
    """The RESULT line for one model from its chunks' seconds per step (the median is reported)."""
    times = sorted(chunk_step_seconds)
    per_step = times[len(times) // 2]
    print("RESULT %s seconds_per_epoch=%.6f step_us=%.3f steps=%d loss=%.5f chunks=%d best_step_us=%.3f"
          % (name, per_step * steps_per_epoch, per_step * 1e6, steps, loss, len(times), times[0] * 1e6))
    sys.stdout.flush()
