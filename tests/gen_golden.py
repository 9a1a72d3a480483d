#!/usr/bin/python3
"""gen_golden.py — generates tests/golden.h, the PyTorch reference numbers for tests/test-golden.c.

What it generates: for three tiny Keras-style Sequential nets (float32, one thread, fixed seed)

  dense      input (5,),      batch 4: Dense 7 relu, Dense 3 (logits)
  conv       input (6, 6, 2), batch 3: Conv2D 4 3x3 valid relu, MaxPooling2D 2, Flatten, Dense 3 (logits)
  conv_same  input (6, 6, 2), batch 3: Conv2D 4 3x3 same stride 2 tanh, MaxPooling2D 2 same, Flatten,
                                       Dense 3 (logits)

all trained with SparseCategoricalCrossentropy(from_logits=True) (mean over the batch), it dumps the inputs,
the labels, the initial weights, the logits, the loss and every gradient at the initial weights; then, for
SGD(lr 0.1, momentum 0.9), Adam(lr 0.01, beta_1 0.9, beta_2 0.999, epsilon 1e-7) and RMSprop(lr 0.01,
rho 0.9, epsilon 1e-7), each from a fresh copy of the initial weights, the loss at each of 5 training steps
(before that step's update, as train_step reports it) and the weights after the 5 updates.

Every weight is created, stored and dumped in Keras' layout: Dense kernel (in, out), Conv2D kernel
(kh, kw, in, out) = HWIO, activations NHWC. The forward converts to PyTorch's layouts inside the autograd
graph (NHWC -> NCHW, HWIO -> OIHW, the Linear weight is the transposed kernel), so autograd hands the
gradients back already in Keras' layouts. TensorFlow's asymmetric 'same' padding (the extra cell goes after)
is applied with F.pad before an unpadded conv / pool; padded pooling cells are -inf, so they never win.

PyTorch is used only for the forward and autograd. The optimizer updates are written out here with Keras 3's
update equations (keras/src/optimizers/sgd.py, adam.py, rmsprop.py) in float32 torch ops — not torch.optim,
whose Adam and RMSprop place epsilon differently (Keras' Adam adds epsilon to sqrt(v) after folding the bias
corrections into the step size; Keras' RMSprop takes sqrt(v + epsilon)).

How to run (Debian's python3-torch; the pyenv `python3` has no torch):

    /usr/bin/python3 tests/gen_golden.py > tests/golden.h
"""

import sys

import torch
import torch.nn.functional as F

SEED = 20240611
N_STEPS = 5

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)
torch.manual_seed(SEED)
GEN = torch.Generator().manual_seed(SEED)

# Layer descriptions (mirrored by hand in tests/test-golden.c).
NETS = [
    {
        "name": "dense",
        "input_shape": (5,),
        "batch": 4,
        "layers": [
            ("dense", {"units": 7, "activation": "relu"}),
            ("dense", {"units": 3, "activation": "linear"}),
        ],
    },
    {
        "name": "conv",
        "input_shape": (6, 6, 2),
        "batch": 3,
        "layers": [
            ("conv2d", {"filters": 4, "kernel": 3, "stride": 1, "padding": "valid", "activation": "relu"}),
            ("maxpool", {"pool": 2, "stride": 2, "padding": "valid"}),
            ("flatten", {}),
            ("dense", {"units": 3, "activation": "linear"}),
        ],
    },
    {
        "name": "conv_same",
        "input_shape": (6, 6, 2),
        "batch": 3,
        "layers": [
            ("conv2d", {"filters": 4, "kernel": 3, "stride": 2, "padding": "same", "activation": "tanh"}),
            ("maxpool", {"pool": 2, "stride": 2, "padding": "same"}),
            ("flatten", {}),
            ("dense", {"units": 3, "activation": "linear"}),
        ],
    },
]

N_CLASSES = 3


def uniform(shape, lo, hi):
    return (torch.rand(shape, generator=GEN, dtype=torch.float32) * (hi - lo) + lo).contiguous()


def same_padding(size, kernel, stride):
    """TensorFlow's 'same': out = ceil(in / stride); the total padding, with the odd cell after."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


# The smallest distance from a kink seen in any forward (|ReLU input|; gap between the two largest cells of
# a max-pool window whose maximum is positive). A near-kink would let rounding pick a different branch in
# the C engine, so main() refuses to write a fixture unless it is comfortably large.
MIN_MARGIN = [float("inf")]


def note_margin(v):
    MIN_MARGIN[0] = min(MIN_MARGIN[0], float(v))


def activate(z, name):
    if name == "relu":
        note_margin(z.detach().abs().min())
        return torch.relu(z)
    if name == "tanh":
        return torch.tanh(z)
    assert name == "linear"
    return z


def init_weights(net):
    """Keras-layout weights: kernels glorot-uniform-like, biases small and non-zero (so they matter)."""
    weights, names = [], []
    shape = net["input_shape"]
    for i, (kind, p) in enumerate(net["layers"]):
        if kind == "dense":
            fan_in, fan_out = shape[0], p["units"]
            limit = (6.0 / (fan_in + fan_out)) ** 0.5
            weights += [uniform((fan_in, fan_out), -limit, limit), uniform((fan_out,), -0.1, 0.1)]
            names += [f"layer {i} dense kernel (in, out)", f"layer {i} dense bias"]
            shape = (fan_out,)
        elif kind == "conv2d":
            h, w, c = shape
            k, f, s = p["kernel"], p["filters"], p["stride"]
            limit = (6.0 / (k * k * c + k * k * f)) ** 0.5
            weights += [uniform((k, k, c, f), -limit, limit), uniform((f,), -0.1, 0.1)]
            names += [f"layer {i} conv2d kernel (kh, kw, in, out)", f"layer {i} conv2d bias"]
            if p["padding"] == "same":
                shape = ((h + s - 1) // s, (w + s - 1) // s, f)
            else:
                shape = ((h - k) // s + 1, (w - k) // s + 1, f)
        elif kind == "maxpool":
            h, w, c = shape
            k, s = p["pool"], p["stride"]
            if p["padding"] == "same":
                shape = ((h + s - 1) // s, (w + s - 1) // s, c)
            else:
                shape = ((h - k) // s + 1, (w - k) // s + 1, c)
        elif kind == "flatten":
            n = 1
            for d in shape:
                n *= d
            shape = (n,)
    return weights, names


def forward(net, weights, x):
    """Logits for x (N, input_shape) in NHWC, from Keras-layout weights."""
    wi = 0
    for kind, p in net["layers"]:
        if kind == "dense":
            kernel, bias = weights[wi], weights[wi + 1]
            wi += 2
            # PyTorch's Linear weight is (out, in): the transposed Keras kernel.
            x = activate(F.linear(x, kernel.t(), bias), p["activation"])
        elif kind == "conv2d":
            kernel, bias = weights[wi], weights[wi + 1]
            wi += 2
            xc = x.permute(0, 3, 1, 2)              # NHWC -> NCHW
            wc = kernel.permute(3, 2, 0, 1)         # HWIO -> OIHW
            k, s = p["kernel"], p["stride"]
            if p["padding"] == "same":
                top, bottom = same_padding(xc.shape[2], k, s)
                left, right = same_padding(xc.shape[3], k, s)
                xc = F.pad(xc, (left, right, top, bottom))
            y = F.conv2d(xc, wc, bias, stride=s)
            x = activate(y, p["activation"]).permute(0, 2, 3, 1)  # NCHW -> NHWC
        elif kind == "maxpool":
            xc = x.permute(0, 3, 1, 2)
            k, s = p["pool"], p["stride"]
            if p["padding"] == "same":
                top, bottom = same_padding(xc.shape[2], k, s)
                left, right = same_padding(xc.shape[3], k, s)
                xc = F.pad(xc, (left, right, top, bottom), value=float("-inf"))
            windows = xc.detach().unfold(2, k, s).unfold(3, k, s).reshape(*xc.shape[:2], -1, k * k)
            top2 = windows.topk(2, dim=-1).values
            positive = top2[..., 0] > 0
            if positive.any():
                note_margin((top2[..., 0] - top2[..., 1])[positive].min())
            x = F.max_pool2d(xc, k, stride=s).permute(0, 2, 3, 1)
        elif kind == "flatten":
            # Keras flattens NHWC in (h, w, c) order: x is NHWC here, so a plain reshape does it.
            x = x.reshape(x.shape[0], -1)
    return x


def loss_fn(logits, labels):
    # SparseCategoricalCrossentropy(from_logits=True), reduction "sum_over_batch_size" = mean over samples.
    return F.cross_entropy(logits, labels, reduction="mean")


def loss_and_grads(net, weights, x, labels):
    leaves = [w.detach().clone().requires_grad_(True) for w in weights]
    logits = forward(net, leaves, x)
    loss = loss_fn(logits, labels)
    grads = torch.autograd.grad(loss, leaves)
    return logits.detach(), loss.detach(), [g.detach().contiguous() for g in grads]


# ---- Keras 3 optimizers, written out (float32 throughout) ----

def f32(v):
    return torch.tensor(v, dtype=torch.float32)


class SGD:
    """keras/src/optimizers/sgd.py: m = m*momentum - g*lr; w += m (momentum > 0, nesterov False)."""

    def __init__(self, weights, learning_rate, momentum):
        self.lr, self.momentum = f32(learning_rate), f32(momentum)
        self.m = [torch.zeros_like(w) for w in weights]

    def apply(self, grads, weights):
        for g, w, m in zip(grads, weights, self.m):
            m.copy_(m * self.momentum - g * self.lr)
            w.add_(m)


class Adam:
    """keras/src/optimizers/adam.py: t = iterations + 1; alpha = lr*sqrt(1 - b2^t)/(1 - b1^t);
    m += (g - m)*(1 - b1); v += (g^2 - v)*(1 - b2); w -= m*alpha/(sqrt(v) + eps)."""

    def __init__(self, weights, learning_rate, beta_1, beta_2, epsilon):
        self.lr, self.b1, self.b2, self.eps = f32(learning_rate), f32(beta_1), f32(beta_2), f32(epsilon)
        # Keras multiplies by the Python float 1 - beta, cast to the variable's dtype.
        self.one_minus_b1, self.one_minus_b2 = f32(1.0 - beta_1), f32(1.0 - beta_2)
        self.m = [torch.zeros_like(w) for w in weights]
        self.v = [torch.zeros_like(w) for w in weights]
        self.iterations = 0

    def apply(self, grads, weights):
        local_step = f32(self.iterations + 1)
        b1_power = torch.pow(self.b1, local_step)
        b2_power = torch.pow(self.b2, local_step)
        alpha = self.lr * torch.sqrt(1 - b2_power) / (1 - b1_power)
        for g, w, m, v in zip(grads, weights, self.m, self.v):
            m.add_((g - m) * self.one_minus_b1)
            v.add_((torch.square(g) - v) * self.one_minus_b2)
            w.sub_((m * alpha) / (torch.sqrt(v) + self.eps))
        self.iterations += 1


class RMSprop:
    """keras/src/optimizers/rmsprop.py (momentum 0, centered False): v = rho*v + (1 - rho)*g^2;
    w -= lr*g/sqrt(v + eps)."""

    def __init__(self, weights, learning_rate, rho, epsilon):
        self.lr, self.rho, self.eps = f32(learning_rate), f32(rho), f32(epsilon)
        self.one_minus_rho = f32(1.0 - rho)
        self.v = [torch.zeros_like(w) for w in weights]

    def apply(self, grads, weights):
        for g, w, v in zip(grads, weights, self.v):
            v.copy_(self.rho * v + self.one_minus_rho * torch.square(g))
            w.sub_((self.lr * g) / torch.sqrt(v + self.eps))


OPTIMIZERS = [
    ("sgd", lambda ws: SGD(ws, learning_rate=0.1, momentum=0.9)),
    ("adam", lambda ws: Adam(ws, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("rmsprop", lambda ws: RMSprop(ws, learning_rate=0.01, rho=0.9, epsilon=1e-7)),
]


def train(net, weights0, x, labels, make_opt):
    weights = [w.clone() for w in weights0]
    opt = make_opt(weights)
    losses = []
    for _ in range(N_STEPS):
        _, loss, grads = loss_and_grads(net, weights, x, labels)
        losses.append(float(loss))
        with torch.no_grad():
            opt.apply(grads, weights)
    return losses, weights


# ---- C output ----

def c_float(v):
    s = "%.9g" % v  # 9 significant digits round-trip a float32 exactly
    if s in ("inf", "-inf", "nan"):
        raise ValueError("non-finite golden value")
    if "." not in s and "e" not in s:
        s += ".0"
    return s + "f"


def c_array(out, name, values, comment=None):
    values = [float(v) for v in values]
    if comment:
        out.append(f"/* {comment} */")
    out.append(f"static const float {name}[{len(values)}] = {{")
    for i in range(0, len(values), 6):
        out.append("  " + ", ".join(c_float(v) for v in values[i:i + 6]) + ",")
    out.append("};")


def flat(t):
    return t.contiguous().reshape(-1).tolist()


def main():
    out = [
        "/* golden.h — GENERATED by tests/gen_golden.py; do not edit. Regenerate with",
        " *     /usr/bin/python3 tests/gen_golden.py > tests/golden.h",
        f" * PyTorch {torch.__version__}, float32, one thread, seed {SEED}. Keras layouts: Dense kernel (in, out),",
        " * Conv2D kernel (kh, kw, in, out), inputs NHWC; labels are class indices stored as floats. Losses are",
        " * SparseCategoricalCrossentropy(from_logits=True), mean over the batch. Optimizer runs start from the",
        f" * initial weights; losses[k] is the loss of step k before its update; final = weights after {N_STEPS}",
        " * updates, by Keras 3's update equations. */",
        "#pragma once",
        "",
        "#include <stddef.h>",
        "",
        f"#define GOLDEN_N_STEPS {N_STEPS}",
        f"#define GOLDEN_N_OPTIMIZERS {len(OPTIMIZERS)}",
        "#define GOLDEN_MAX_WEIGHTS 8",
        "",
        "typedef struct",
        "{",
        "  const char *name;",
        "  int batch;",
        "  int in_ndim;",
        "  int in_shape[3];",
        "  const float *x;      /* (batch, in_shape...) */",
        "  const float *labels; /* (batch) */",
        "  int n_weights;",
        "  size_t weight_size[GOLDEN_MAX_WEIGHTS];",
        "  const float *init[GOLDEN_MAX_WEIGHTS];",
        "  const float *logits; /* (batch, n_classes) */",
        "  int n_classes;",
        "  float loss;",
        "  const float *grad[GOLDEN_MAX_WEIGHTS];",
        "  /* per optimizer, in the order sgd, adam, rmsprop */",
        "  const float *losses[GOLDEN_N_OPTIMIZERS];",
        "  const float *final[GOLDEN_N_OPTIMIZERS][GOLDEN_MAX_WEIGHTS];",
        "} GoldenNet;",
        "",
        "/* Optimizers: SGD(learning_rate=0.1, momentum=0.9); Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999,",
        " * epsilon=1e-7); RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-7). */",
        'static const char *const golden_optimizer_names[GOLDEN_N_OPTIMIZERS] = { '
        + ", ".join(f'"{name}"' for name, _ in OPTIMIZERS) + " };",
        "",
    ]
    tables = []
    for net in NETS:
        n = net["name"]
        x = torch.randn((net["batch"],) + net["input_shape"], generator=GEN, dtype=torch.float32)
        labels = torch.randint(0, N_CLASSES, (net["batch"],), generator=GEN)
        weights, wnames = init_weights(net)
        assert len(weights) <= 8
        logits, loss, grads = loss_and_grads(net, weights, x, labels)

        desc = ", ".join(k + "(" + ", ".join(f"{a}={b}" for a, b in p.items()) + ")" for k, p in net["layers"])
        out.append(f"/* ==== {n}: input {net['input_shape']}, batch {net['batch']}: {desc} ==== */")
        c_array(out, f"golden_{n}_x", flat(x), f"input, shape {tuple(x.shape)}")
        c_array(out, f"golden_{n}_labels", labels.tolist())
        for i, w in enumerate(weights):
            c_array(out, f"golden_{n}_init{i}", flat(w), f"initial {wnames[i]}, shape {tuple(w.shape)}")
        c_array(out, f"golden_{n}_logits", flat(logits))
        for i, g in enumerate(grads):
            c_array(out, f"golden_{n}_grad{i}", flat(g), f"d loss / d {wnames[i]}")
        finals = []
        for oname, make in OPTIMIZERS:
            losses, final = train(net, weights, x, labels, make)
            assert abs(losses[0] - float(loss)) == 0.0
            c_array(out, f"golden_{n}_{oname}_losses", losses, f"{oname}: loss at each step")
            for i, w in enumerate(final):
                c_array(out, f"golden_{n}_{oname}_final{i}", flat(w), f"{oname}: {wnames[i]} after {N_STEPS} steps")
            finals.append(oname)
        out.append("")

        ishape = list(net["input_shape"]) + [0] * (3 - len(net["input_shape"]))
        t = [
            "  {",
            f'    .name = "{n}",',
            f"    .batch = {net['batch']},",
            f"    .in_ndim = {len(net['input_shape'])},",
            "    .in_shape = { " + ", ".join(str(d) for d in ishape) + " },",
            f"    .x = golden_{n}_x,",
            f"    .labels = golden_{n}_labels,",
            f"    .n_weights = {len(weights)},",
            "    .weight_size = { " + ", ".join(str(w.numel()) for w in weights) + " },",
            "    .init = { " + ", ".join(f"golden_{n}_init{i}" for i in range(len(weights))) + " },",
            f"    .logits = golden_{n}_logits,",
            f"    .n_classes = {N_CLASSES},",
            f"    .loss = {c_float(float(loss))},",
            "    .grad = { " + ", ".join(f"golden_{n}_grad{i}" for i in range(len(weights))) + " },",
            "    .losses = { " + ", ".join(f"golden_{n}_{o}_losses" for o in finals) + " },",
            "    .final = {",
        ]
        for o in finals:
            t.append("      { " + ", ".join(f"golden_{n}_{o}_final{i}" for i in range(len(weights))) + " },")
        t += ["    },", "  },"]
        tables += t

    if MIN_MARGIN[0] < 1e-4:
        raise SystemExit(f"a forward came within {MIN_MARGIN[0]:g} of a ReLU or max-pool kink: change SEED")
    out.append(f"/* Smallest distance from a ReLU or max-pool kink in any forward above: {MIN_MARGIN[0]:.3g}. */")
    out.append(f"#define GOLDEN_N_NETS {len(NETS)}")
    out.append("static const GoldenNet golden_nets[GOLDEN_N_NETS] = {")
    out += tables
    out.append("};")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
