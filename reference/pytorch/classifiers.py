#!/usr/bin/python3
"""The mlp-fmnist and cnn-fmnist classification studies in PyTorch, for docs/results.md.

Same data (the real Fashion-MNIST IDX files from /usr/share/datasets/fashion-mnist: 60,000 train /
10,000 test, pixels / 255), same models and recipe as `latent run NAME` (configs/NAME.toml):
  mlp-fmnist: 784-256-128-10, ReLU, He-normal weights (fan_in, zero biases), Adam 1e-3, batch 128,
              10 epochs, cross-entropy;
  cnn-fmnist: conv3x3(32, same)-ReLU-maxpool2-conv3x3(64, same)-ReLU-maxpool2-fc128-ReLU-dropout 0.5
              -fc10 (LibTorch's default initialisation), Adam 1e-3, batch 128, 5 epochs.
Training order: a fresh torch.randperm per epoch from the seeded default generator. Prints one
JSON line with the seed, the test accuracy and the seconds of training.

    /usr/bin/python3 reference/pytorch/classifiers.py STUDY [--seed N] [--epochs N] [--threads N]
        [--train-limit N]
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import find, read_idx  # noqa: E402

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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("study", choices=sorted(STUDIES))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--epochs", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--train-limit", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    make, epochs = STUDIES[a.study]
    epochs = a.epochs or epochs
    x, y = load("train", a.train_limit)
    tx, ty = load("t10k", 0)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        correct = sum((model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, len(tx), 1000))
    print(json.dumps({"study": a.study, "seed": a.seed, "epochs": epochs, "test_accuracy": correct / len(tx),
                      "train_seconds": round(seconds, 2)}))


if __name__ == "__main__":
    main()
