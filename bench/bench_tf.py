#!/usr/bin/env python3
"""TensorFlow reference for fittape-bench: the same two models, loss, optimizer and batch size as the C
benchmark, trained by TensorFlow 2 / Keras 3's real model.fit() on one intra-op and one inter-op thread.
Prints the lines bench_torch.py prints, which fittape-bench parses:

    RESULT <model> seconds_per_epoch=<s> step_us=<us> steps=<n> loss=<last loss> chunks=<k> best_step_us=<us>

One model.fit(epochs=1) runs the warm-up and the timed batches; the chunks are timed between its
on_train_batch_end calls, so they include what fit() does per step (callbacks, metric updates). Run it alone with --help."""

import os
import sys
import time

from bench_peer import EPOCH_SAMPLES, NO_PEER, import_peer, load_fashion, parse_args, print_result

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    args = parse_args(__doc__)
    modules = import_peer("numpy", "tensorflow", "keras")
    if modules is None:
        return NO_PEER
    np, tf, keras = modules
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)
    print("INFO peer=TensorFlow %s, Keras %s, threads=1 (intra-op 1, inter-op 1), model.fit()" % (tf.__version__, keras.__version__))
    data = load_fashion(args.data_dir) if args.data_dir else None
    rng = np.random.default_rng(args.seed)
    if data is not None:
        raw, lraw, n = data
        x_all = (np.frombuffer(raw, dtype=np.uint8).reshape(n, 28, 28) / 255.0).astype("float32")
        y_all = np.frombuffer(lraw, dtype=np.uint8).astype("int64")
        print("INFO data=fashion-mnist n=%d" % n)
    else:
        n = EPOCH_SAMPLES
        x_all = rng.random((n, 28, 28), dtype=np.float32)
        y_all = rng.integers(0, 10, n)
        print("INFO data=synthetic n=%d" % n)
    batch = args.batch
    steps_per_epoch = EPOCH_SAMPLES // batch

    def mlp():
        return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                 keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])

    def cnn():
        return keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                                 keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(10)])

    configs = {"mlp": (mlp, (28, 28), args.mlp_steps), "cnn": (cnn, (28, 28, 1), args.cnn_steps)}
    for name in [m for m in args.models.split(",") if m]:
        make, shape, steps = configs[name]
        model = make()
        model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-7),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        chunks = max(1, min(args.chunks, steps))
        per_chunk = max(1, steps // chunks)
        total = args.warmup + per_chunk * chunks
        # Warm-up plus timed batches may be more than one pass over the data (1,875 batches of 32): the
        # samples repeat, as bench_torch.py's batches wrap around.
        reps = -(-total * batch // len(x_all))
        x = np.concatenate([x_all] * reps)[:total * batch].reshape((-1,) + shape)
        y = np.concatenate([y_all] * reps)[:total * batch]
        stamps = []

        class Clock(keras.callbacks.Callback):
            def on_train_batch_end(self, batch_index, logs=None):
                stamps.append(time.perf_counter())

        # One fit() over warm-up and timed batches: the warm-up traces the step; the timed chunks are the
        # batch-end to batch-end times of fit()'s own loop (its callbacks and metric updates included).
        h = model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True, callbacks=[Clock()])
        times = []
        for c in range(chunks):
            a = args.warmup - 1 + c * per_chunk
            times.append((stamps[a + per_chunk] - stamps[a]) / per_chunk)
        print_result(name, times, steps_per_epoch, per_chunk * chunks, h.history["loss"][-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
