#!/usr/bin/python3
"""The mlp-init study in PyTorch: initialisation x activation for an MLP on MNIST, for docs/results.md.

The same grid and recipe as `latent run mlp-init` (configs/mlp-init.toml):
  MLP 784-256-128-64 (one Linear per layer, the activation after each hidden layer), weights
  initialised as src/models/weight_init.cpp does, on every Linear including the output layer, biases
  zero:
    he      kaiming_normal_(fan_in, nonlinearity = the activation): gain sqrt(2) for relu, 5/3 for
            tanh, 1 for sigmoid (torch.nn.init.calculate_gain);
    xavier  xavier_normal_(gain 1);
    normal  normal_(0, 0.01);
  x activation relu | tanh | sigmoid, on two tasks:
    5-vs-8  classes 5 and 8 of the training and test sets, renumbered 0 / 1, one logit,
            binary cross-entropy with logits (predicted class: logit > 0);
    digits  all 10 classes, softmax cross-entropy;
  SGD lr 0.01 momentum 0.9, batch 64 (the last, smaller batch kept), 5 epochs.
Data: the MNIST IDX files (pixels / 255); 10% of the training set held out, stratified by class,
as latent's data.val_split does it (src/data/stratified_split.cpp, reproduced here with the same
seeded generator, so the same examples are held out); the held-out part is not used here beyond
that (latent validates on it each epoch, which draws no random numbers).
Each variant starts from torch.manual_seed(seed), builds its Linears in latent's order (default
initialisation, then the init above) and draws one torch.randperm per epoch, as latent does, so
both sides start from the same weights and see the same batches.

Prints one JSON line per variant (task, init, activation, test accuracy, train losses per epoch);
--markdown also prints the test-accuracy grids as latent's results.md lays them out.

    /usr/bin/python3 reference/pytorch/mlp_init.py [--data DIR] [--seed 42] [--epochs 5] [--threads 1]
        [--markdown]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import find, read_idx  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INITS = ["he", "xavier", "normal"]
ACTIVATIONS = ["relu", "tanh", "sigmoid"]
TASKS = [("5-vs-8", [5, 8]), ("digits", [])]


def default_data():
    for d in (os.path.join(ROOT, "data", "mnist"), os.environ.get("LATENT_DATA_DIR", "") + "/mnist",
              "/usr/share/datasets/mnist"):
        if os.path.exists(os.path.join(d, "train-labels-idx1-ubyte")) or \
                os.path.exists(os.path.join(d, "train-labels-idx1-ubyte.gz")):
            return d
    return os.path.join(ROOT, "data", "mnist")


def load(folder, prefix):
    x = torch.from_numpy(read_idx(find(folder, prefix + "-images-idx3-ubyte")).astype("float32") / 255.0)
    y = torch.from_numpy(read_idx(find(folder, prefix + "-labels-idx1-ubyte")).astype("int64"))
    return x.reshape(len(x), -1), y


def keep_classes(x, y, classes):
    """The examples of the listed classes, renumbered 0..k-1 in the list's order (latent's data.classes)."""
    if not classes:
        return x, y
    lut = torch.full((int(y.max()) + 1,), -1, dtype=torch.int64)
    for i, c in enumerate(classes):
        lut[c] = i
    mapped = lut[y]
    keep = (mapped >= 0).nonzero().squeeze(1)
    return x[keep], mapped[keep]


def stratified_split(y, fraction, seed):
    """latent's stratified_split (src/data/stratified_split.cpp): (train indices, held-out indices)."""
    n = len(y)
    total = min(max(int(math.floor(n * fraction + 0.5)), 1), n - 1)  # llround for positive values
    k = int(y.max()) + 1
    members = [(y == c).nonzero().squeeze(1).tolist() for c in range(k)]
    take, remainder = [], []
    for m in members:
        share = len(m) * fraction
        take.append(min(int(math.floor(share)), max(0, len(m) - 1)))
        remainder.append(share - take[-1])
    assigned = sum(take)
    order = sorted(range(k), key=lambda c: -remainder[c])  # stable, as std::stable_sort
    progress = True
    while assigned < total and progress:
        progress = False
        for c in order:
            if assigned >= total:
                break
            if take[c] + 1 < len(members[c]):
                take[c] += 1
                assigned += 1
                progress = True
    progress = True
    while assigned < total and progress:
        progress = False
        for c in order:
            if assigned < total and take[c] < len(members[c]):
                take[c] += 1
                assigned += 1
                progress = True
    gen = torch.Generator().manual_seed(seed)
    train, held = [], []
    for c, m in enumerate(members):
        if not m:
            continue
        perm = torch.randperm(len(m), generator=gen, dtype=torch.int64).tolist()
        for j in range(len(m)):
            (held if j < take[c] else train).append(m[perm[j]])
    return torch.tensor(sorted(train)), torch.tensor(sorted(held))


class Mlp(nn.Module):
    def __init__(self, hidden, outputs, activation, init, std):
        super().__init__()
        widths = [784] + hidden
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths, widths[1:])])
        self.out = nn.Linear(widths[-1], outputs)
        self.act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
        with torch.no_grad():
            for m in self.modules():
                if not isinstance(m, nn.Linear):
                    continue
                if init == "he":
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity=activation)
                elif init == "xavier":
                    nn.init.xavier_normal_(m.weight, gain=1.0)
                else:
                    nn.init.normal_(m.weight, 0.0, std)
                m.bias.zero_()

    def forward(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
        return self.out(x)


def run_variant(task, classes, init, activation, train, test, a):
    binary = len(classes) == 2
    x, y = train
    tx, ty = test
    torch.manual_seed(a.seed)
    model = Mlp([256, 128, 64], 1 if binary else 10, activation, init, 0.01)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def loss_of(logits, target):
        if binary:
            return F.binary_cross_entropy_with_logits(logits.squeeze(1), target.to(logits.dtype))
        return F.cross_entropy(logits, target)

    losses = []
    start = time.perf_counter()
    for _ in range(a.epochs):
        model.train()
        order = torch.randperm(len(x))
        total = 0.0
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            loss = loss_of(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(x))
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        logits = model(tx)
        pred = (logits.squeeze(1) > 0).long() if binary else logits.argmax(1)
        accuracy = (pred == ty).double().mean().item()
    return {"task": task, "init": init, "activation": activation, "seed": a.seed, "epochs": a.epochs,
            "train_examples": len(x), "test_examples": len(tx), "test_accuracy": round(accuracy, 4),
            "train_loss": [round(v, 6) for v in losses], "train_seconds": round(seconds, 2)}


def markdown(results):
    lines = []
    for task, title in (("digits", "10 classes"), ("5-vs-8", "5 vs 8")):
        cell = {(r["init"], r["activation"]): r["test_accuracy"] for r in results if r["task"] == task}
        if not cell:
            continue
        lines += ["", f"## Test accuracy by initialisation and activation: {title}, mlp (PyTorch)", "",
                  "| init | " + " | ".join(ACTIVATIONS) + " |", "|---|" + "---:|" * len(ACTIVATIONS)]
        for init in INITS:
            lines.append(f"| {init} | " + " | ".join(f"{cell[(init, act)]:.4f}" if (init, act) in cell else "n/a"
                                                     for act in ACTIVATIONS) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="", help="folder of the MNIST IDX files (default: data/mnist, then "
                   "$LATENT_DATA_DIR/mnist, /usr/share/datasets/mnist)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--tasks", default="5-vs-8,digits")
    p.add_argument("--inits", default=",".join(INITS))
    p.add_argument("--activations", default=",".join(ACTIVATIONS))
    p.add_argument("--markdown", action="store_true", help="also print the grids as markdown tables")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    folder = a.data or default_data()
    train_all, test_all = load(folder, "train"), load(folder, "t10k")
    results = []
    for task, classes in TASKS:
        if task not in a.tasks.split(","):
            continue
        x, y = keep_classes(*train_all, classes)
        test = keep_classes(*test_all, classes)
        if a.val_split > 0:
            keep, _ = stratified_split(y, a.val_split, a.seed)
            x, y = x[keep], y[keep]
        for activation in a.activations.split(","):
            for init in a.inits.split(","):
                r = run_variant(task, classes, init, activation, (x, y), test, a)
                results.append(r)
                print(json.dumps(r), flush=True)
    if a.markdown:
        print(markdown(results))


if __name__ == "__main__":
    main()
