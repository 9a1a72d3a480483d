"""tf suite: the final.h5 FitTape writes opens in real Keras 3, both ways a user opens it, and evaluates on
the test set to FitTape's own test loss and accuracy:
  keras.models.load_model("final.h5")      the model from the file's config, with its weights;
  model.load_weights("final.h5")           into a model built by the exported script's own code.
Usage: test_keras_h5.py EXPERIMENT.json"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import keras

experiment = sys.argv[1]
cli = os.environ["FITTAPE_CLI"]
DEBIAN = "/usr/share/datasets/fashion-mnist"


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


def close(a, b, tol=2e-5):  # FitTape prints 6 significant digits
    return abs(a - b) <= tol * max(abs(a), abs(b))


with tempfile.TemporaryDirectory(prefix="fittape-h5-") as tmp:
    p = subprocess.run([cli, "run", experiment, "--quiet", "--out", tmp], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    ft = json.loads(p.stdout.strip().splitlines()[-1])
    path = os.path.join(tmp, "final.h5")
    print("FitTape: test loss %.6g, accuracy %.6g" % (ft["test_loss"], ft["test_accuracy"]))

    # 1. keras.models.load_model: architecture, weights and compile settings from the file.
    model = keras.models.load_model(path)
    model.summary()
    assert model.optimizer is not None, "load_model did not compile the model from training_config"
    r = model.evaluate(x_test, y_test, batch_size=32, return_dict=True, verbose=0)
    print("load_model + evaluate:", r)
    assert close(r["loss"], ft["test_loss"]), "load_model: test loss %r, FitTape %r" % (r["loss"], ft["test_loss"])
    acc = [v for k, v in r.items() if "acc" in k][0]
    assert close(acc, ft["test_accuracy"]), "load_model: accuracy %r, FitTape %r" % (acc, ft["test_accuracy"])

    # 2. model.load_weights into the model the exported script defines.
    script = subprocess.run([cli, "export-script", experiment, "--mode", "fit"], capture_output=True, text=True).stdout
    model_code = script[script.index("model = keras.Sequential("):script.index("model.summary()")]
    scope = {"keras": keras}
    exec(model_code, scope)
    fresh = scope["model"]
    fresh.load_weights(path)
    fresh.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    r2 = fresh.evaluate(x_test, y_test, batch_size=32, return_dict=True, verbose=0)
    print("Sequential from the script + load_weights + evaluate:", r2)
    assert close(r2["loss"], ft["test_loss"]), "load_weights: test loss %r, FitTape %r" % (r2["loss"], ft["test_loss"])
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        assert np.array_equal(a, b)
