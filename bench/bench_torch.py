#!/usr/bin/python3
"""PyTorch reference for fittape-bench: the same two models, loss, optimizer and batch size as the C
benchmark, timed on one CPU thread. Prints machine-readable lines

    RESULT <model> seconds_per_epoch=<s> step_us=<us> steps=<n> loss=<last loss> chunks=<k> best_step_us=<us>

(seconds_per_epoch = the median chunk's time per step × 1875)

that fittape-bench parses. Run it alone with --help for the options."""

import sys
import time

from bench_peer import EPOCH_SAMPLES, NO_PEER, import_peer, load_fashion, parse_args, print_result


def main():
    args = parse_args(__doc__)

    modules = import_peer("torch", "torch.nn")
    if modules is None:
        return NO_PEER
    torch, nn = modules

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
        print_result(name, per_step_times, steps_per_epoch, steps, float(loss.item()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
