"""fittape_replay.py: the Keras half of `fittape-cli certify` (see engine/experiment/ft-certify.h).

The script that certify exports imports this module right after defining its model and calls
install(model, globals()). With FITTAPE_REPLAY=DIR (the folder certify wrote) it
  - loads FitTape's initial weights (DIR/initial.h5, a FitTape checkpoint) with model.load_weights;
  - checks the script's training samples against FitTape's (DIR/x_train.f32, DIR/y_train.f32) and, where
    they differ, trains on FitTape's and says so in the results;
  - replays FitTape's order of the training samples, one permutation per epoch (DIR/order.u32): in fit
    mode through the permutation model.fit() draws (tf.random.shuffle in Keras' array adapter), in tape
    mode through the script's tf.data shuffle; each permutation is taken once, in epoch order;
  - at exit writes DIR/keras.json (the history, the epochs run, the test results, what was replayed) and
    DIR/keras-final.f32 (model.get_weights(), flattened in order, float32).
Dropout masks are not replayed: certify refuses experiments with dropout.
"""
import atexit
import json
import os
import sys

import numpy as np
import tensorflow as tf

_state = {"next": 0, "orders": None, "notes": []}


def _labels_as_indices(y):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return y.reshape(-1)


def _next_order(n):
    k = _state["next"]
    orders = _state["orders"]
    if orders is None or k >= orders.shape[0]:
        raise RuntimeError("fittape_replay: Keras asked for a permutation FitTape did not draw (epoch %d)" % (k + 1))
    if orders.shape[1] != n:
        raise RuntimeError("fittape_replay: Keras shuffles %d samples, FitTape %d" % (n, orders.shape[1]))
    _state["next"] = k + 1
    return orders[k].astype(np.int64)


def _replay_random_shuffle(value, seed=None, name=None):
    """model.fit()'s per-epoch permutation of tf.range(n): FitTape's order for that epoch instead."""
    n = int(value.shape[0])
    out = tf.numpy_function(lambda v: v[_next_order(len(v))], [value], value.dtype, stateful=True)
    out.set_shape([n])
    return out


def _replay_dataset_shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
    """The tape loop's dataset.shuffle(): every iteration of the dataset yields its elements in FitTape's
    order for that epoch."""
    n = int(_state["orders"].shape[1])
    whole = next(iter(self.batch(n)))  # every element, as one batch of tensors

    def order(_):
        o = tf.numpy_function(lambda: _next_order(n), [], tf.int64, stateful=True)
        o.set_shape([n])
        return o

    def gather(o):
        return tf.data.Dataset.from_tensor_slices(tf.nest.map_structure(lambda t: tf.gather(t, o), whole))

    return tf.data.Dataset.range(1).map(order).flat_map(gather)


def install(model, g):
    d = os.environ.get("FITTAPE_REPLAY")
    if not d:
        return
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    model.load_weights(os.path.join(d, "initial.h5"))

    n = meta["n_samples"]
    x = np.fromfile(os.path.join(d, "x_train.f32"), dtype="<f4")
    y = np.fromfile(os.path.join(d, "y_train.f32"), dtype="<f4")
    xs = np.asarray(g["x_train"])
    if xs.shape[0] != n or xs.size != x.size:
        raise SystemExit("fittape_replay: the script has %d training samples of %d values, FitTape %d of %d"
                         % (xs.shape[0], xs.size // max(xs.shape[0], 1), n, x.size // max(n, 1)))
    if not np.array_equal(_labels_as_indices(g["y_train"]), y.astype(np.int64)):
        raise SystemExit("fittape_replay: the script's training labels are not FitTape's")
    diff = float(np.max(np.abs(xs.reshape(-1).astype(np.float32) - x))) if x.size else 0.0
    _state["data_max_abs_diff"] = diff
    if diff != 0.0:
        _state["notes"].append("the script's samples differ from FitTape's by up to %g: FitTape's were used" % diff)
        g["x_train"] = x.reshape(xs.shape)

    if meta.get("shuffle"):
        _state["orders"] = np.fromfile(os.path.join(d, "order.u32"), dtype="<u4").reshape(meta["epochs"], -1)
        tf.random.shuffle = _replay_random_shuffle
        tf.data.Dataset.shuffle = _replay_dataset_shuffle

    def finish():
        h = g.get("history")
        if hasattr(h, "history"):
            h = h.history
        history = {k: [float(v) for v in vals] for k, vals in (h or {}).items()}
        results = g.get("results")
        out = {
            "history": history,
            "epochs": max((len(v) for v in history.values()), default=0),
            "test": {k: float(v) for k, v in results.items()} if isinstance(results, dict) else None,
            "permutations_replayed": _state["next"],
            "data_max_abs_diff": _state.get("data_max_abs_diff"),
            "notes": _state["notes"],
            "tensorflow": tf.__version__,
            "keras": __import__("keras").__version__,
        }
        weights = [np.asarray(w, dtype=np.float32).reshape(-1) for w in model.get_weights()]
        np.concatenate(weights).astype("<f4").tofile(os.path.join(d, "keras-final.f32"))
        with open(os.path.join(d, "keras.json"), "w") as f:
            json.dump(out, f, indent=1)

    atexit.register(finish)
