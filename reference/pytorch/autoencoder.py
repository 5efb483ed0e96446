#!/usr/bin/python3
"""The ae-fmnist study in PyTorch (Python), for the comparison in docs/results.md.

Same data (the real Fashion-MNIST IDX files, 60,000 train / 10,000 test), same models
(784-32-784 and 784-512-32-512-784, ReLU, sigmoid output), same training (Adam lr 1e-3,
BCE, batch 256, 5 epochs, reshuffled every epoch) and the same metrics (PSNR per image then
averaged, BCE and MSE per pixel) as `latent run ae-fmnist`. The denoising variant
(dense-32-denoising, noise_factor 0.5) trains on x + 0.5 * N(0, 1) clipped to [0, 1], fresh noise
every batch, with the clean image as target, and is scored as latent scores it: on the clean test
images, and on test images plus noise of std 0.5 drawn from a generator seeded with seed + 1000003
(the same draws as latent's test noise): the PSNR of those noisy inputs and of their denoised
outputs against the clean images.

Run with Debian's python3-torch (the same LibTorch 1.13 build latent links):
    /usr/bin/python3 reference/pytorch/autoencoder.py [--epochs 5] [--seed 42] [--threads N] [--variants a,b]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn


def nudge_one_ulp(model):
    """Moves every parameter one float step up (towards +inf): the control runs of docs/results.md,
    PyTorch against itself started one ulp apart, which show how far float rounding alone carries
    two trainings of the same model apart. Draws no random numbers."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.nextafter(p, torch.full_like(p, float("inf"))))


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


def psnr_db(recon, target):
    mse_img = ((recon.double() - target.double()) ** 2).mean(1).clamp_min(1e-10)
    return (10 * torch.log10(1.0 / mse_img)).mean().item()


def run(name, hidden, train, test, args, noise=0.0):
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
            inp = (x + noise * torch.randn_like(x)).clamp(0, 1) if noise > 0 else x
            opt.zero_grad()
            loss = loss_fn(model(inp), x)
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        print(f"{name} epoch {epoch + 1}/{args.epochs} train_loss {total / n:.6f}", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        recon = model(test)
        scores = {"psnr_db": psnr_db(recon, test), "bce": nn.functional.binary_cross_entropy(recon, test).item(),
                  "mse": ((recon - test) ** 2).mean().item()}
        if noise > 0:
            gen = torch.Generator().manual_seed(args.seed + 1000003)
            noisy = (test + noise * torch.randn(test.shape, generator=gen)).clamp(0, 1)
            scores["noise_std"] = noise
            scores["noisy_input_psnr_db"] = psnr_db(noisy, test)
            scores["denoised_psnr_db"] = psnr_db(model(noisy), test)
            scores["denoising_gain_db"] = scores["denoised_psnr_db"] - scores["noisy_input_psnr_db"]
    return {"name": name, "test": scores, "train_seconds": seconds, "samples_per_second": n * args.epochs / seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--variants", default="", help="comma-separated subset of dense-32,dense-512-32,dense-32-denoising")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train, test = load(args.data, "train"), load(args.data, "t10k")
    variants = [("dense-32", [], 0.0), ("dense-512-32", [512], 0.0), ("dense-32-denoising", [], 0.5)]
    if args.variants:
        variants = [v for v in variants if v[0] in args.variants.split(",")]
    results = [run(name, hidden, train, test, args, noise) for name, hidden, noise in variants]
    print(json.dumps({"study": "ae-fmnist", "framework": f"pytorch {torch.__version__}",
                      "threads": torch.get_num_threads(), "variants": results}, indent=2))


if __name__ == "__main__":
    main()
