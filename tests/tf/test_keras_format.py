"""tf suite: Keras-native files both ways, judged by real Keras 3.
  FitTape -> Keras:          fittape-cli export-keras writes a .keras file; keras.saving.load_model opens it
                             compiled and evaluates to FitTape's own test loss (1e-6 relative), with the
                             optimizer's state (iterations, learning rate, every slot) bit for bit FitTape's,
                             loaded without Keras' "skipping variable loading for optimizer" warning;
  FitTape -> Keras -> FitTape: Keras saves that model again (.keras); fittape-cli import-keras reads it back
                             and evaluates to the same loss;
  Keras -> FitTape:          a model Keras built and trained, saved as .keras and as legacy .h5, imported by
                             FitTape, evaluates to Keras' own test loss; FitTape continues training it;
  unsupported:               a model with a layer or option FitTape lacks is refused, the message naming it;
  later kinds:               AdamW, Nadam and Adamax with AveragePooling2D and GlobalAveragePooling2D go the
                             same way out to Keras and back.
Usage: test_keras_format.py EXPERIMENT.json (an experiment on Fashion-MNIST)"""
import gzip
import h5py
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import keras
import warnings

experiment = sys.argv[1]
cli = os.environ["FITTAPE_CLI"]
DEBIAN = "/usr/share/datasets/fashion-mnist"
TOL = 1e-6


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


if not os.path.exists(os.path.join(DEBIAN, "t10k-images-idx3-ubyte.gz")):
    print("SKIP: no Fashion-MNIST in " + DEBIAN)
    sys.exit(77)
x_test = (read_idx(os.path.join(DEBIAN, "t10k-images-idx3-ubyte.gz")) / 255.0).astype("float32").reshape(-1, 28, 28, 1)
y_test = read_idx(os.path.join(DEBIAN, "t10k-labels-idx1-ubyte.gz")).astype("int64")
x_train = (read_idx(os.path.join(DEBIAN, "train-images-idx3-ubyte.gz"))[:500] / 255.0).astype("float32").reshape(-1, 28, 28, 1)
y_train = read_idx(os.path.join(DEBIAN, "train-labels-idx1-ubyte.gz"))[:500].astype("int64")


def cli_json(*args, ok=True):
    p = subprocess.run([cli, *args], capture_output=True, text=True, timeout=600)
    if not ok:
        return p
    assert p.returncode == 0, "fittape-cli %s failed:\n%s" % (" ".join(args), p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b))


def load_with_optimizer_state(keras_path, checkpoint):
    """keras.saving.load_model on FitTape's .keras, asserting that the optimizer came back with FitTape's
    state: the checkpoint's optimizer_weights (Keras' legacy layout, in optimizer.variables' order)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(keras_path)
    skipped = [str(w.message) for w in caught if "optimizer" in str(w.message).lower()]
    assert not skipped, skipped
    with h5py.File(checkpoint, "r") as f:
        g = f["optimizer_weights"]
        want = [np.asarray(g[n]) for n in g.attrs["weight_names"]]
    got = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    if isinstance(model.optimizer, keras.optimizers.Nadam):
        # Nadam's running product of its momentum schedule, Keras' last variable (not in the legacy layout):
        # the product over the steps taken, formed in float32 as nadam.py forms it.
        b1 = np.float32(model.optimizer.beta_1)
        u = np.float32(1.0)
        for t in range(1, int(got[0]) + 1):
            u = np.float32(np.float32(u * b1) * np.float32(1.0 - np.float32(0.5) * np.float32(0.96) ** np.float32(t)))
        assert abs(float(got[-1]) - float(u)) <= 1e-6 * abs(float(u)), (float(got[-1]), float(u))
        got = got[:-1]
    assert len(got) == len(want), (len(got), len(want))
    for i, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and np.array_equal(a, b), "optimizer variable %d (%s) differs" % (
            i, model.optimizer.variables[i].path)
    print("optimizer state: %d variables bit for bit FitTape's (iterations %d)" % (len(got), int(got[0])))
    return model


with tempfile.TemporaryDirectory(prefix="fittape-keras-") as tmp:
    # FitTape -> Keras
    cli_json("run", experiment, "--quiet", "--out", tmp)
    ft = cli_json("export-keras", os.path.join(tmp, "final.h5"), "--out", os.path.join(tmp, "fittape.keras"))
    model = load_with_optimizer_state(os.path.join(tmp, "fittape.keras"), os.path.join(tmp, "final.h5"))
    assert model.optimizer is not None and model.loss is not None, "the .keras file did not come back compiled"
    r = model.evaluate(x_test, y_test, batch_size=32, return_dict=True, verbose=0)
    print("FitTape %.9g, Keras load_model + evaluate %.9g (rel %.2e)" % (ft["test_loss"], r["loss"], rel(ft["test_loss"], r["loss"])))
    assert rel(ft["test_loss"], r["loss"]) <= TOL
    assert rel(ft["test_accuracy"], r["accuracy"]) <= TOL

    # FitTape -> Keras -> FitTape
    model.save(os.path.join(tmp, "resaved.keras"))
    back = cli_json("import-keras", os.path.join(tmp, "resaved.keras"), "--data", experiment, "--out", os.path.join(tmp, "back"))
    print("round trip: FitTape %.9g, after Keras' save and FitTape's import %.9g" % (ft["test_loss"], back["test_loss"]))
    assert rel(ft["test_loss"], back["test_loss"]) <= TOL

    # Later kinds (their configs come from the same tables): out to Keras, Keras' own save back to FitTape.
    for opt in ("adamw", "nadam", "adamax"):
        with open(experiment) as f:
            e = json.load(f)
        e["model"]["layers"] = [
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
            {"type": "AveragePooling2D", "pool_size": [3, 2], "strides": 1, "padding": "same"},
            {"type": "AveragePooling2D"},
            {"type": "GlobalAveragePooling2D"},
            {"type": "Dense", "units": 10}]
        e["compile"]["optimizer"] = {"name": opt, "learning_rate": 0.01}
        out = os.path.join(tmp, opt)
        path = os.path.join(tmp, opt + ".json")
        with open(path, "w") as f:
            json.dump(e, f)
        cli_json("run", path, "--quiet", "--out", out)
        ft = cli_json("export-keras", os.path.join(out, "final.h5"), "--out", os.path.join(out, "m.keras"))
        m = load_with_optimizer_state(os.path.join(out, "m.keras"), os.path.join(out, "final.h5"))
        assert type(m.optimizer).__name__.lower() == opt, type(m.optimizer).__name__
        r = m.evaluate(x_test, y_test, batch_size=32, return_dict=True, verbose=0)
        m.save(os.path.join(out, "resaved.keras"))
        back = cli_json("import-keras", os.path.join(out, "resaved.keras"), "--data", path, "--out", os.path.join(out, "back"))
        print("%s: FitTape %.9g, Keras %.9g (rel %.2e), back in FitTape %.9g" % (opt, ft["test_loss"], r["loss"], rel(ft["test_loss"], r["loss"]), back["test_loss"]))
        assert rel(ft["test_loss"], r["loss"]) <= TOL and rel(ft["test_loss"], back["test_loss"]) <= TOL

    # Keras -> FitTape: a model of Keras' own, trained a little, both file formats.
    keras.utils.set_random_seed(3)
    km = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(6, (3, 3), strides=(2, 2), padding="same", activation="relu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(momentum=0.9),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(24, activation="tanh", kernel_regularizer=keras.regularizers.L2(0.002)),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(10),
        keras.layers.Activation("softmax"),
    ])
    km.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
               loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    km.fit(x_train, y_train, batch_size=50, epochs=1, verbose=0)
    kr = km.evaluate(x_test, y_test, batch_size=32, return_dict=True, verbose=0)
    for name in ("keras-made.keras", "keras-made.h5"):
        km.save(os.path.join(tmp, name))
        out = os.path.join(tmp, "import-" + name)
        p = cli_json("import-keras", os.path.join(tmp, name), "--data", experiment, "--out", out, ok=False)
        assert p.returncode == 0, p.stderr
        got_text = p.stdout
        got = json.loads(p.stdout.strip().splitlines()[-1])
        print("%s: Keras %.9g, FitTape %.9g (rel %.2e)" % (name, kr["loss"], got["test_loss"], rel(kr["loss"], got["test_loss"])))
        assert rel(kr["loss"], got["test_loss"]) <= TOL, name
        assert rel(kr["accuracy"], got["test_accuracy"]) <= TOL, name
        with open(os.path.join(out, "experiment.json")) as f:
            imported = json.load(f)
        assert imported["compile"]["optimizer"]["name"].lower() == "sgd" and imported["compile"]["optimizer"]["nesterov"]
        # A .keras file's optimizer state comes along (iterations, learning rate, momentum), bit for bit; a
        # legacy .h5 file has none for Keras 3: a fresh optimizer, said so.
        with h5py.File(os.path.join(out, "model.h5"), "r") as f:
            g = f["optimizer_weights"]
            imported_state = [np.asarray(g[n]) for n in g.attrs["weight_names"]]
        keras_state = [np.asarray(v.numpy()) for v in km.optimizer.variables]
        if name.endswith(".keras"):
            assert "Optimizer state taken from the file: 10 steps taken" in got_text, got_text
            assert len(imported_state) == len(keras_state)
            assert all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(imported_state, keras_state))
            print("%s: optimizer state imported, %d variables bit for bit Keras'" % (name, len(keras_state)))
        else:
            assert "Optimizer state: a fresh optimizer" in got_text, got_text
            assert int(imported_state[0]) == 0
        # ... and FitTape continues training it.
        p = subprocess.run([cli, "run", os.path.join(out, "experiment.json"), "--resume", os.path.join(out, "model.h5"),
                            "--epochs", "1", "--quiet", "--out", os.path.join(out, "continued")],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout.strip().splitlines()[-1])["epochs"] == 1

    # Unsupported layers and options are named.
    for bad, words in ((keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.LSTM(4), keras.layers.Dense(10)]), ["lstm", "LSTM"]),
                       (keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(2, 3, dilation_rate=2),
                                          keras.layers.Flatten(), keras.layers.Dense(10)]), ["conv2d", "dilation_rate"])):
        path = os.path.join(tmp, "bad.keras")
        bad.save(path)
        p = cli_json("import-keras", path, "--data", experiment, "--out", os.path.join(tmp, "bad"), ok=False)
        print("refused:", p.stderr.strip())
        assert p.returncode == 2 and all(w in p.stderr for w in words), p.stderr
