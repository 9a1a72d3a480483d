#!/usr/bin/python3
"""Checks a FitTape checkpoint against the layout Keras 3 gives legacy .h5 model files.

    check_keras_h5.py FILE              list the file and check it
    check_keras_h5.py FILE --rewrite OUT
                                        also write OUT with h5py the way Keras' legacy_h5_format.py does
                                        (same attribute and dataset calls), from FILE's contents, so that
                                        FitTape can be shown to read a file written by Keras' own code path

Needs h5py and numpy (Debian: python3-h5py). Not run by the test suite: a manual check. Exit status 0 when
everything checks, 1 otherwise.
"""
import json
import sys

import h5py
import numpy as np

problems = []


def problem(msg):
    problems.append(msg)
    print("PROBLEM:", msg)


def describe(obj):
    t = obj.id.get_type() if isinstance(obj, h5py.Dataset) else obj.get_type()
    if isinstance(t, h5py.h5t.TypeStringID):
        kind = "vlen str" if t.is_variable_str() else "fixed str[%d]" % t.get_size()
        return "%s (%s)" % (kind, "utf-8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii")
    return str(obj.dtype)


def list_tree(f):
    def attrs(obj, indent):
        for name in obj.attrs:
            a = obj.attrs.get_id(name)
            value = obj.attrs[name]
            text = repr(value)
            if len(text) > 90:
                text = text[:87] + "..."
            print("%s@%s: %s %s = %s" % (indent, name, describe(a), a.shape, text))

    def visit(name, obj):
        depth = name.count("/") + 1
        indent = "  " * depth
        if isinstance(obj, h5py.Group):
            print("%s%s/" % ("  " * (depth - 1), name.split("/")[-1]))
            attrs(obj, indent)
        else:
            print("%s%s: dataset %s %s" % ("  " * (depth - 1), name.split("/")[-1], describe(obj), obj.shape))

    print("/")
    attrs(f, "  ")
    f.visititems(visit)


def output_shapes(config):
    """Each layer's weight shapes, derived from the Sequential config as Keras would build it."""
    layers = config["config"]["layers"]
    if layers[0]["class_name"] != "InputLayer":
        problem("the first layer is not an InputLayer")
    shape = list(layers[0]["config"]["batch_shape"][1:])
    out = []
    for layer in layers[1:]:
        cls, cfg = layer["class_name"], layer["config"]
        weights = []
        if cls == "Dense":
            if len(shape) != 1:
                problem("Dense %s on a non-flat input %s" % (cfg["name"], shape))
            weights.append(("kernel", (shape[-1], cfg["units"])))
            if cfg["use_bias"]:
                weights.append(("bias", (cfg["units"],)))
            shape = [cfg["units"]]
        elif cls in ("Conv2D", "MaxPooling2D"):
            k = cfg["kernel_size"] if cls == "Conv2D" else cfg["pool_size"]
            s = cfg["strides"]
            if cfg["padding"] == "valid":
                hw = [(shape[i] - k[i]) // s[i] + 1 for i in range(2)]
            else:
                hw = [(shape[i] + s[i] - 1) // s[i] for i in range(2)]
            if cls == "Conv2D":
                weights.append(("kernel", (k[0], k[1], shape[2], cfg["filters"])))
                if cfg["use_bias"]:
                    weights.append(("bias", (cfg["filters"],)))
                shape = hw + [cfg["filters"]]
            else:
                shape = hw + [shape[2]]
        elif cls == "Flatten":
            shape = [int(np.prod(shape))]
        elif cls == "BatchNormalization":
            c = shape[-1]
            weights += [("gamma", (c,)), ("beta", (c,)), ("moving_mean", (c,)), ("moving_variance", (c,))]
        elif cls in ("Dropout", "Activation"):
            pass
        else:
            problem("unknown layer class %s" % cls)
        out.append((cfg["name"], weights))
    return out


def check(path):
    with h5py.File(path, "r") as f:
        list_tree(f)
        for key in ("keras_version", "backend", "model_config"):
            if key not in f.attrs:
                problem("no root attribute %s" % key)
        config = json.loads(f.attrs["model_config"])
        if config["class_name"] != "Sequential":
            problem("model_config is not a Sequential")
        if "training_config" in f.attrs:
            tc = json.loads(f.attrs["training_config"])
            for key in ("loss", "metrics", "loss_weights", "optimizer_config"):
                if key not in tc:
                    problem("training_config lacks %s" % key)
        mw = f["model_weights"]
        # What keras' load_weights_from_hdf5_group reads: layer_names, then weight_names per layer.
        layer_names = [n.decode("utf8") if hasattr(n, "decode") else n for n in mw.attrs["layer_names"]]
        expected = output_shapes(config)
        if layer_names != [name for name, _ in expected]:
            problem("layer_names %s differ from the config's layers %s" % (layer_names, [n for n, _ in expected]))
        variables = []
        for name, weights in expected:
            g = mw[name]
            wn = [n.decode("utf8") if hasattr(n, "decode") else n for n in g.attrs["weight_names"]]
            if [w.split("/")[-1] for w in wn] != [w for w, _ in weights]:
                problem("layer %s: weight_names %s, expected %s" % (name, wn, [w for w, _ in weights]))
            for w, (short, shape) in zip(wn, weights):
                value = np.asarray(g[w])
                if value.dtype != np.float32 or value.shape != shape:
                    problem("%s/%s is %s %s, expected float32 %s" % (name, w, value.dtype, value.shape, shape))
                if w != "sequential/%s/%s" % (name, short):
                    problem("%s: weight name %s is not Keras 3's variable path" % (name, w))
                if short not in ("moving_mean", "moving_variance"):
                    variables.append((w, shape))
        if "optimizer_weights" in f:
            g = f["optimizer_weights"]
            on = [n.decode("utf8") if hasattr(n, "decode") else n for n in g.attrs["weight_names"]]
            opt = on[0].split("/")[0]
            if on[:2] != [opt + "/iteration", opt + "/learning_rate"]:
                problem("optimizer weights do not start with iteration, learning_rate: %s" % on[:2])
            if g[on[0]].dtype != np.int64 or g[on[0]].shape != ():
                problem("%s is not an int64 scalar" % on[0])
            if g[on[1]].dtype != np.float32 or g[on[1]].shape != ():
                problem("%s is not a float32 scalar" % on[1])
            shapes = {w.replace("/", "_"): s for w, s in variables}
            for n in on[2:]:
                var = n.split("/", 1)[1]
                matched = [s for k, s in shapes.items() if var.startswith(k + "_")]
                if not matched or g[n].shape != matched[0]:
                    problem("optimizer slot %s has shape %s" % (n, g[n].shape))
            print("optimizer weights: %d (%s …)" % (len(on), ", ".join(on[:4])))
        print("fittape group:", "yes" if "fittape" in f else "no")


def rewrite(src, dst):
    """Writes dst with the h5py calls of keras/src/legacy/saving/legacy_h5_format.py."""
    with h5py.File(src, "r") as s, h5py.File(dst, "w") as f:
        metadata = dict(
            keras_version=s.attrs["keras_version"],
            backend=s.attrs["backend"],
            model_config=json.loads(s.attrs["model_config"]),
        )
        if "training_config" in s.attrs:
            metadata["training_config"] = json.loads(s.attrs["training_config"])
        for k, v in metadata.items():
            if isinstance(v, (dict, list, tuple)):
                f.attrs[k] = json.dumps(v).encode("utf8")
            else:
                f.attrs[k] = v
        src_mw = s["model_weights"]
        g = f.create_group("model_weights")
        names = [n.decode("utf8") if hasattr(n, "decode") else n for n in src_mw.attrs["layer_names"]]
        g.attrs["layer_names"] = [n.encode("utf8") for n in names]
        g.attrs["backend"] = "tensorflow".encode("utf8")
        g.attrs["keras_version"] = str(s.attrs["keras_version"]).encode("utf8")
        for name in sorted(names):
            lg = g.create_group(name)
            wn = list(src_mw[name].attrs["weight_names"]) if len(src_mw[name].attrs["weight_names"]) else []
            lg.attrs["weight_names"] = [w.encode("utf8") for w in wn]
            for w in wn:
                val = np.asarray(src_mw[name][w])
                d = lg.create_dataset(w.encode("utf8"), val.shape, dtype=val.dtype)
                d[:] = val
        top = g.create_group("top_level_model_weights")
        top.attrs["weight_names"] = []


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--rewrite"):
        print(__doc__)
        return 2
    check(sys.argv[1])
    if len(sys.argv) == 4:
        rewrite(sys.argv[1], sys.argv[3])
        print("--- rewritten the way Keras writes it:", sys.argv[3])
        check(sys.argv[3])
    print("OK" if not problems else "%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
