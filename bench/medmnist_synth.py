#!/usr/bin/python3
"""Writes synthetic .npz files in MedMNIST's layout, shaped like DermaMNIST or FractureMNIST3D, for timing.

Not MedMNIST's data: seeded noise around one smooth template per class, so that a model learns
something in an epoch and the files compress like images rather than like noise. Layout as MedMNIST
publishes it (and as `latent run medmnist --set data.path=FILE` reads it): train_images,
train_labels, val_images, val_labels, test_images, test_labels; images uint8, (N, 28, 28, 3) for the
RGB 2-D set and (N, 28, 28, 28) for volumes; labels uint8 (N, 1). np.savez_compressed, like MedMNIST.

  derma:    7,007 / 1,003 / 2,005 RGB 28x28 images, 7 classes in DermaMNIST's proportions
            (train: 228, 359, 769, 80, 779, 4,693, 99; melanocytic nevi 67%).
  fracture: 1,027 / 103 / 240 volumes 28x28x28, 3 classes (proportions assumed: 30/40/30%;
            MedMNIST's are not copied here).
--scale S multiplies every split's size (at least 2 examples of each class per split).

    /usr/bin/python3 bench/medmnist_synth.py {derma|fracture} OUT.npz [--scale 1.0] [--seed 0]
"""
import argparse

import numpy as np

SETS = {
    # name: (shape of one image, splits' sizes, class proportions)
    "derma": ((28, 28, 3), (7007, 1003, 2005), np.array([228, 359, 769, 80, 779, 4693, 99], float)),
    "fracture": ((28, 28, 28), (1027, 103, 240), np.array([0.3, 0.4, 0.3])),
}


def labels(n, p, rng):
    """n labels in proportions p (rounded, each class at least twice), shuffled."""
    p = p / p.sum()
    counts = np.maximum(2, np.round(p * n).astype(int))
    counts[np.argmax(counts)] += n - counts.sum()
    y = np.repeat(np.arange(len(p)), counts)
    rng.shuffle(y)
    return y.astype(np.uint8).reshape(-1, 1)


def templates(shape, k, rng):
    """One smooth pattern per class: coarse noise upsampled by 7 along each spatial axis."""
    spatial = shape[:2] if shape[-1] == 3 else shape
    coarse = rng.uniform(60, 200, size=(k,) + tuple(s // 7 for s in spatial) + ((3,) if shape[-1] == 3 else ()))
    t = coarse
    for axis in range(1, 1 + len(spatial)):
        t = np.repeat(t, 7, axis=axis)
    return t.astype(np.float32)


def images(y, tmpl, rng):
    out = np.empty((len(y),) + tmpl.shape[1:], np.uint8)
    for i in range(0, len(y), 256):  # in chunks: a float copy of every volume at once is 0.9 GB
        c = y[i:i + 256, 0]
        x = tmpl[c] + rng.normal(0, 40, size=(len(c),) + tmpl.shape[1:]).astype(np.float32)
        out[i:i + 256] = np.clip(x, 0, 255).astype(np.uint8)
    return out


def write(name, path, scale=1.0, seed=0):
    shape, sizes, p = SETS[name]
    rng = np.random.default_rng(seed)
    tmpl = templates(shape, len(p), rng)
    arrays = {}
    for split, n in zip(("train", "val", "test"), sizes):
        y = labels(max(2 * len(p), int(round(n * scale))), p, rng)
        arrays[f"{split}_images"] = images(y, tmpl, rng)
        arrays[f"{split}_labels"] = y
    np.savez_compressed(path, **arrays)
    return {k: v.shape for k, v in arrays.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", choices=sorted(SETS))
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    shapes = write(a.set, a.out, a.scale, a.seed)
    print(a.out, " ".join(f"{k}{tuple(v)}" for k, v in shapes.items()))


if __name__ == "__main__":
    main()
