#!/usr/bin/python3
"""The ae-fmnist study in PyTorch (Python), for the comparison in docs/results.md.

Same data (the real Fashion-MNIST IDX files, 60,000 train / 10,000 test), same models
(784-32-784 and 784-512-32-512-784, ReLU, sigmoid output), same training (Adam lr 1e-3,
BCE, batch 256, 5 epochs, reshuffled every epoch) and the same metrics (PSNR per image then
averaged, BCE and MSE per pixel) as `latent run ae-fmnist`.

Run with Debian's python3-torch (the same LibTorch 1.13 build latent links):
    /usr/bin/python3 reference/pytorch/autoencoder.py [--epochs 5] [--seed 42] [--threads N]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(folder, stem):
    for suffix in ("", ".gz"):
        if os.path.exists(os.path.join(folder, stem + suffix)):
            return os.path.join(folder, stem + suffix)
    raise FileNotFoundError(os.path.join(folder, stem))


def load(folder, prefix):
    x = read_idx(find(folder, prefix + "-images-idx3-ubyte")).astype(np.float32) / 255.0
    return torch.from_numpy(x).reshape(-1, 784)


def make_model(hidden, latent=32):
    enc, dec, width = [], [], 784
    for h in hidden:
        enc += [nn.Linear(width, h), nn.ReLU()]
        width = h
    enc += [nn.Linear(width, latent), nn.ReLU()]
    width = latent
    for h in reversed(hidden):
        dec += [nn.Linear(width, h), nn.ReLU()]
        width = h
    dec += [nn.Linear(width, 784), nn.Sigmoid()]
    return nn.Sequential(*enc, *dec)


def run(name, hidden, train, test, args):
    torch.manual_seed(args.seed)
    model = make_model(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    n = train.shape[0]
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(n)
        total = 0.0
        for b in range(0, n, args.batch_size):
            x = train[order[b: b + args.batch_size]]
            opt.zero_grad()
            loss = loss_fn(model(x), x)
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        print(f"{name} epoch {epoch + 1}/{args.epochs} train_loss {total / n:.6f}", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        recon = model(test)
        mse_img = ((recon.double() - test.double()) ** 2).mean(1).clamp_min(1e-10)
        psnr = (10 * torch.log10(1.0 / mse_img)).mean().item()
        bce = nn.functional.binary_cross_entropy(recon, test).item()
        mse = ((recon - test) ** 2).mean().item()
    return {"name": name, "test": {"psnr_db": psnr, "bce": bce, "mse": mse}, "train_seconds": seconds,
            "samples_per_second": n * args.epochs / seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train, test = load(args.data, "train"), load(args.data, "t10k")
    results = [run("dense-32", [], train, test, args), run("dense-512-32", [512], train, test, args)]
    print(json.dumps({"study": "ae-fmnist", "framework": f"pytorch {torch.__version__}",
                      "threads": torch.get_num_threads(), "variants": results}, indent=2))


if __name__ == "__main__":
    main()
