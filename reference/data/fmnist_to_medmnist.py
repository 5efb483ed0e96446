#!/usr/bin/env python3
"""Writes real Fashion-MNIST in MedMNIST's .npz layout (train/val/test images uint8 (N, 28, 28), labels
uint8 (N, 1), as MedMNIST's), so the MedMNIST code path can be checked on real images:
  /usr/bin/python3 reference/data/fmnist_to_medmnist.py OUT.npz [--train 10000 --val 2000 --test 10000]
train = the first TRAIN training images, val = the next VAL, test = the first TEST test images.
"""
import argparse
import gzip
import os

import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--train", type=int, default=10000)
    p.add_argument("--val", type=int, default=2000)
    p.add_argument("--test", type=int, default=10000)
    a = p.parse_args()
    f = lambda name: os.path.join(a.data, name)
    xtr, ytr = read_idx(f("train-images-idx3-ubyte.gz")), read_idx(f("train-labels-idx1-ubyte.gz"))
    xte, yte = read_idx(f("t10k-images-idx3-ubyte.gz")), read_idx(f("t10k-labels-idx1-ubyte.gz"))
    if a.train + a.val > len(xtr) or a.test > len(xte):
        raise SystemExit(f"asked for {a.train}+{a.val} training and {a.test} test images; have {len(xtr)} and {len(xte)}")
    col = lambda y: y.astype(np.uint8).reshape(-1, 1)
    np.savez(a.out,
             train_images=xtr[:a.train], train_labels=col(ytr[:a.train]),
             val_images=xtr[a.train:a.train + a.val], val_labels=col(ytr[a.train:a.train + a.val]),
             test_images=xte[:a.test], test_labels=col(yte[:a.test]))
    print(f"{a.out}: train {a.train}, val {a.val}, test {a.test}")


if __name__ == "__main__":
    main()
