#!/usr/bin/env python3
"""Writes real Fashion-MNIST in MedMNIST's .npz layout (train/val/test images uint8 (N, 28, 28), labels
uint8 (N, 1), as MedMNIST's), so the MedMNIST code path can be checked on real images:
  /usr/bin/python3 reference/pytorch/fmnist_to_medmnist.py OUT.npz [--train 10000 --val 2000 --test 10000]
train = the first TRAIN training images, val = the next VAL, test = the first TEST test images.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import find, read_idx  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--train", type=int, default=10000)
    p.add_argument("--val", type=int, default=2000)
    p.add_argument("--test", type=int, default=10000)
    a = p.parse_args()
    f = lambda stem: read_idx(find(a.data, stem))
    xtr, ytr = f("train-images-idx3-ubyte"), f("train-labels-idx1-ubyte")
    xte, yte = f("t10k-images-idx3-ubyte"), f("t10k-labels-idx1-ubyte")
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
