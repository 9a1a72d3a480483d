#!/usr/bin/env python3
"""check_python.py FILE... — a small static check of FitTape's generated scripts, beyond py_compile.

Every name a script reads must be defined somewhere in it (assigned, imported, a function, a parameter, a
loop or comprehension variable) or be a Python builtin; this catches a missing import or a variable that
a switched-off loop step used to define. Scopes are not told apart, which is enough for straight-line
generated code. Only modules python3-minimal has, for the static check. Exit status 1 names the first
undefined name of each file.

check_python.py --data FILE runs the script's data section (everything before "# ---- 1. Define the
model ----") with NumPy and a stand-in for the two Keras functions it calls (keras.utils.to_categorical,
and keras.datasets.fashion_mnist.load_data reading Debian's copy of the files), and prints the arrays it
made as JSON: {"x_train": {"shape": [...], "sum": s, "sumsq": s2, "head": [...]}, ...}. Exit status 77
when NumPy is not installed. TensorFlow itself is never imported.
"""

import ast
import builtins
import sys

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


def defined_names(tree):
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def check(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source, filename=path)
    defined = defined_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in defined:
            return f"{path}:{node.lineno}: name {node.id!r} is used but never defined"
    return None


def stand_in_keras(np):
    """The few Keras functions a data section calls, enough to run it without TensorFlow."""
    import gzip
    import os
    import struct
    import types

    def read_idx(name):
        path = os.path.join(FASHION_MNIST_DIR, name)
        opener = gzip.open if os.path.exists(path + ".gz") else open
        with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
            data = f.read()
        ndim = data[3]
        shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)

    def load_data():
        return (
            (read_idx("train-images-idx3-ubyte"), read_idx("train-labels-idx1-ubyte")),
            (read_idx("t10k-images-idx3-ubyte"), read_idx("t10k-labels-idx1-ubyte")),
        )

    keras = types.SimpleNamespace(
        utils=types.SimpleNamespace(
            set_random_seed=lambda seed: None,
            to_categorical=lambda y, n: np.eye(int(n), dtype="float32")[np.asarray(y, dtype="int64")],
        ),
        datasets=types.SimpleNamespace(fashion_mnist=types.SimpleNamespace(load_data=load_data)),
    )
    tensorflow = types.ModuleType("tensorflow")
    tensorflow.keras = keras
    return tensorflow


def run_data(path):
    try:
        import json  # here, not at the top: the static check runs under python3-minimal, without json

        import numpy as np
    except ImportError:
        print("NumPy (or the full standard library) is not installed", file=sys.stderr)
        return 77
    with open(path, encoding="utf-8") as f:
        source = f.read()
    cut = source.index("# ---- 1. Define the model ----")
    sys.modules["tensorflow"] = stand_in_keras(np)
    namespace = {"__name__": "__fittape_data__"}
    exec(compile(source[:cut], path, "exec"), namespace)
    arrays = {}
    for name in ("x_train", "y_train", "x_test", "y_test", "sw_train"):
        value = namespace.get(name)
        if value is not None:
            value = np.asarray(value)
            arrays[name] = {
                "shape": list(value.shape),
                "dtype": str(value.dtype),
                "sum": float(value.astype(np.float64).sum()),
                "sumsq": float((value.astype(np.float64) ** 2).sum()),
                "head": [float(v) for v in value.reshape(-1)[:8]],
            }
    print(json.dumps(arrays))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--data":
        return run_data(argv[2])
    failures = [message for message in (check(path) for path in argv[1:]) if message]
    for message in failures:
        print(message, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
