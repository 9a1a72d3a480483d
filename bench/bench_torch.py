#!/usr/bin/python3
"""PyTorch reference for fittape-bench: the same two models, loss, optimizer and batch size as the C
benchmark, timed on one CPU thread. Prints machine-readable lines

    RESULT <model> seconds_per_epoch=<s> step_us=<us> steps=<n> loss=<last loss> chunks=<k> best_step_us=<us>

(seconds_per_epoch = the median chunk's time per step × 1875)

that fittape-bench parses. Run it alone with --help for the options."""

import argparse
import gzip
import os
import struct
import sys
import time

EPOCH_SAMPLES = 60000


def load_fashion(data_dir):
    """Fashion-MNIST training images (uint8, N×28×28) and labels, or None when the files are missing."""
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--mlp-steps", type=int, default=1875, help="timed MLP steps (1875 = one epoch)")
    ap.add_argument("--cnn-steps", type=int, default=150, help="timed CNN steps (extrapolated to an epoch)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--chunks", type=int, default=3, help="timed chunks per model; the median is reported")
    ap.add_argument("--data-dir", default="", help="Fashion-MNIST directory; synthetic data when empty")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print("NO_TORCH %s" % e)
        return 3

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    print("INFO torch=%s threads=%d mkldnn=%s" % (torch.__version__, torch.get_num_threads(),
                                                  torch.backends.mkldnn.is_available()))

    data = load_fashion(args.data_dir) if args.data_dir else None
    if data is not None:
        raw, lraw, n = data
        pixels = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(n, 28, 28)
        labels = torch.frombuffer(bytearray(lraw), dtype=torch.uint8).to(torch.int64)
        x_all = pixels.to(torch.float32).div_(255.0)
        print("INFO data=fashion-mnist n=%d" % n)
    else:
        n = EPOCH_SAMPLES
        x_all = torch.rand(n, 28, 28, dtype=torch.float32)
        labels = torch.randint(0, 10, (n,), dtype=torch.int64)
        print("INFO data=synthetic n=%d" % n)

    batch = args.batch
    steps_per_epoch = EPOCH_SAMPLES // batch

    def mlp():
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

    def cnn():
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Flatten(),
                             nn.Linear(32 * 26 * 26, 128), nn.ReLU(), nn.Linear(128, 10))

    configs = {
        # name: (constructor, input shape per sample, timed steps)
        "mlp": (mlp, (28, 28), args.mlp_steps),
        "cnn": (cnn, (1, 28, 28), args.cnn_steps),  # PyTorch wants NCHW
    }

    for name in [m for m in args.models.split(",") if m]:
        make, shape, steps = configs[name]
        model = make()
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        loss_fn = nn.CrossEntropyLoss()
        perm = torch.randperm(n)
        xs = x_all[perm].reshape(n, *shape).contiguous()
        ys = labels[perm].contiguous()
        batches = n // batch

        def step(i):
            j = i % batches
            x = xs[j * batch:(j + 1) * batch]
            y = ys[j * batch:(j + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss

        for i in range(args.warmup):
            step(i)
        # The timed steps run in chunks; the median chunk is reported, as fittape-bench reports its median
        # repetition, so that a neighbour's burst on a shared machine does not decide the ratio.
        chunks = max(1, min(args.chunks, steps))
        per_step_times = []
        done = 0
        for c in range(chunks):
            n_steps = steps // chunks + (1 if c < steps % chunks else 0)
            t0 = time.perf_counter()
            for i in range(n_steps):
                loss = step(args.warmup + done + i)
            per_step_times.append((time.perf_counter() - t0) / n_steps)
            done += n_steps
        per_step_times.sort()
        per_step = per_step_times[len(per_step_times) // 2]
        print("RESULT %s seconds_per_epoch=%.6f step_us=%.3f steps=%d loss=%.5f chunks=%d best_step_us=%.3f"
              % (name, per_step * steps_per_epoch, per_step * 1e6, steps, float(loss.item()), chunks,
                 per_step_times[0] * 1e6))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
