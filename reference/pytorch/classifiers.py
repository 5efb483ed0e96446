#!/usr/bin/python3
"""The mlp-fmnist and cnn-fmnist classification studies in PyTorch, for docs/results.md.

Same data (the real Fashion-MNIST IDX files from /usr/share/datasets/fashion-mnist: 60,000 train /
10,000 test, pixels / 255), same models and recipe as `latent run NAME` (configs/NAME.toml):
  mlp-fmnist: 784-256-128-10, ReLU, He-normal weights (fan_in, zero biases), Adam 1e-3, batch 128,
              10 epochs, cross-entropy;
  cnn-fmnist: conv3x3(32, same)-ReLU-maxpool2-conv3x3(64, same)-ReLU-maxpool2-fc128-ReLU-dropout 0.5
              -fc10 (LibTorch's default initialisation), Adam 1e-3, batch 128, 5 epochs.
Two ways of writing the loop (bench/classifiers.py times both beside latent):
  --style careful (default): the data sets as tensors in memory, batches cut from a fresh
      torch.randperm per epoch (seeded default generator), zero_grad(set_to_none=True);
  --style tutorial: as a PyTorch tutorial writes it: TensorDataset + DataLoader(batch_size=128,
      shuffle=True), nn.CrossEntropyLoss, optimizer.zero_grad(), running_loss += loss.item()
      after every batch; the test set through DataLoader(batch_size=128).
Same model, initial weights (seed), optimizer, batch and epochs either way.
Prints one JSON line: the study, style, seed, epochs, threads, training examples, test accuracy,
and seconds: import_seconds (importing torch), load_seconds (reading the IDX files),
train_seconds (the epochs), eval_seconds (the test set).

    /usr/bin/python3 reference/pytorch/classifiers.py STUDY [--style careful|tutorial] [--seed N]
        [--epochs N] [--threads N] [--train-limit N]
"""
import time

_T0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import find, read_idx  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0

FMNIST = "/usr/share/datasets/fashion-mnist"


def load(prefix, limit):
    x = torch.from_numpy(read_idx(find(FMNIST, prefix + "-images-idx3-ubyte")).astype("float32") / 255.0)
    y = torch.from_numpy(read_idx(find(FMNIST, prefix + "-labels-idx1-ubyte")).astype("int64"))
    x = x.reshape(-1, 1, 28, 28)
    return (x[:limit], y[:limit]) if limit > 0 else (x, y)


def mlp():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


STUDIES = {"mlp-fmnist": (mlp, 10), "cnn-fmnist": (cnn, 5)}


def train_epoch_careful(model, opt, x, y, batch):
    """One epoch, the careful way: data in memory, a randperm, zero_grad(set_to_none=True)."""
    model.train()
    order = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        idx = order[i:i + batch]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def train_careful(model, opt, x, y, epochs):
    for _ in range(epochs):
        train_epoch_careful(model, opt, x, y, 128)


def test_careful(model, tx, ty):
    model.eval()
    with torch.no_grad():
        return sum((model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, len(tx), 1000))


def train_epoch_tutorial(model, opt, loader, loss_fn):
    """One epoch as a tutorial writes it: a DataLoader, zero_grad(), loss.item() per batch."""
    model.train()
    running_loss = 0.0
    for inputs, labels in loader:
        opt.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        opt.step()
        running_loss += loss.item()
    return running_loss


def train_tutorial(model, opt, x, y, epochs):
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        train_epoch_tutorial(model, opt, loader, loss_fn)


def test_tutorial(model, tx, ty):
    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, labels in DataLoader(TensorDataset(tx, ty), batch_size=128):
            correct += (model(inputs).argmax(1) == labels).type(torch.float).sum().item()
    return int(correct)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("study", choices=sorted(STUDIES))
    p.add_argument("--style", choices=["careful", "tutorial"], default="careful")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--epochs", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    make, epochs = STUDIES[a.study]
    epochs = a.epochs or epochs
    start = time.perf_counter()
    x, y = load("train", a.train_limit)
    tx, ty = load("t10k", 0)
    load_seconds = time.perf_counter() - start
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, test = (train_tutorial, test_tutorial) if a.style == "tutorial" else (train_careful, test_careful)
    start = time.perf_counter()
    train(model, opt, x, y, epochs)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    correct = test(model, tx, ty)
    eval_seconds = time.perf_counter() - start
    print(json.dumps({"study": a.study, "style": a.style, "seed": a.seed, "epochs": epochs, "threads": a.threads,
                      "train_examples": len(x), "test_accuracy": correct / len(tx),
                      "import_seconds": round(IMPORT_SECONDS, 3), "load_seconds": round(load_seconds, 3),
                      "train_seconds": round(seconds, 3), "eval_seconds": round(eval_seconds, 3)}))


if __name__ == "__main__":
    main()
