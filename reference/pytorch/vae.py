#!/usr/bin/python3
"""The vae-fmnist study in PyTorch (Python), for the comparison in docs/results.md.

Same data (the real Fashion-MNIST IDX files, 60,000 train / 10,000 test), same models
(dense 784-512-z-512-784 VAE, ReLU, Bernoulli decoder on logits; conv VAE with two stride-2
4x4 convolutions 32/64, mirrored transposed convolutions), same objective (BCE summed per
image + beta * KL, one posterior sample per image), same training (Adam lr 1e-3, batch 128,
reshuffled every epoch) and the same metric (test ELBO per image in nats, one posterior sample per
image, drawn from a generator seeded with seed + 3000017 as latent draws it) as `latent run vae-fmnist`.

Run with Debian's python3-torch (the same LibTorch 1.13 build latent links):
    /usr/bin/python3 reference/pytorch/vae.py [--epochs 10] [--seed 42] [--threads N] [--variants dense-z2,...] [--nudge-one-ulp]
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import load, nudge_one_ulp  # noqa: E402


class DenseVae(nn.Module):
    def __init__(self, hidden, latent):
        super().__init__()
        enc, width = [], 784
        for h in hidden:
            enc += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.encoder = nn.Sequential(*enc)
        self.mu_head = nn.Linear(width, latent)
        self.logvar_head = nn.Linear(width, latent)
        dec, width = [], latent
        for h in reversed(hidden):
            dec += [nn.Linear(width, h), nn.ReLU()]
            width = h
        dec += [nn.Linear(width, 784)]
        self.decoder = nn.Sequential(*dec)

    def posterior(self, x):
        h = self.encoder(x.reshape(x.shape[0], -1))
        return self.mu_head(h), self.logvar_head(h)

    def decode_logits(self, z):
        return self.decoder(z).reshape(-1, 1, 28, 28)


class ConvVae(nn.Module):
    def __init__(self, channels, latent):
        super().__init__()
        enc, c = [], 1
        for ch in channels:
            enc += [nn.Conv2d(c, ch, 4, 2, 1), nn.ReLU()]
            c = ch
        self.encoder = nn.Sequential(*enc)
        side = 28 // 2 ** len(channels)
        self.bottom = (c, side, side)
        flat = c * side * side
        self.mu_head = nn.Linear(flat, latent)
        self.logvar_head = nn.Linear(flat, latent)
        self.decoder_input = nn.Linear(latent, flat)
        dec = []
        for i in reversed(range(len(channels))):
            out = 1 if i == 0 else channels[i - 1]
            dec += [nn.ConvTranspose2d(channels[i], out, 4, 2, 1)]
            if i != 0:
                dec += [nn.ReLU()]
        self.decoder = nn.Sequential(*dec)

    def posterior(self, x):
        h = self.encoder(x).flatten(1)
        return self.mu_head(h), self.logvar_head(h)

    def decode_logits(self, z):
        return self.decoder(F.relu(self.decoder_input(z)).reshape(-1, *self.bottom))


def terms(model, x, generator=None):
    mu, logvar = model.posterior(x)
    eps = torch.randn_like(mu) if generator is None else torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = model.decode_logits(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return recon, kl


VARIANTS = {
    "dense-z2": lambda: DenseVae([512], 2),
    "dense-z16": lambda: DenseVae([512], 16),
    "dense-z32": lambda: DenseVae([512], 32),
    "conv-z16": lambda: ConvVae([32, 64], 16),
}


def run(name, train, test, args):
    torch.manual_seed(args.seed)
    model = VARIANTS[name]()
    if args.nudge_one_ulp:
        nudge_one_ulp(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = train.shape[0]
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(n)
        total = 0.0
        for b in range(0, n, args.batch_size):
            x = train[order[b: b + args.batch_size]]
            opt.zero_grad()
            recon, kl = terms(model, x)
            loss = (recon + kl).mean()
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        print(f"{name} epoch {epoch + 1}/{args.epochs} train_loss {total / n:.4f}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    recon_sum = kl_sum = 0.0
    # latent evaluates with posterior draws from a generator seeded with seed + 3000017 (vae_study.cpp,
    # kEvalSeedOffset), which leaves training's draws alone: the same draws here.
    gen = torch.Generator().manual_seed(args.seed + 3000017)
    with torch.no_grad():
        for b in range(0, test.shape[0], 1000):
            r, k = terms(model, test[b: b + 1000], gen)
            recon_sum += r.double().sum().item()
            kl_sum += k.double().sum().item()
    recon, kl = recon_sum / test.shape[0], kl_sum / test.shape[0]
    return {"name": name, "test": {"elbo_nats": -(recon + kl), "recon_nats": recon, "kl_nats": kl},
            "train_seconds": seconds, "samples_per_second": n * args.epochs / seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--nudge-one-ulp", action="store_true", help="control run: every initial weight one float step up")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--variants", default=",".join(VARIANTS))
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train, test = load(args.data, "train").reshape(-1, 1, 28, 28), load(args.data, "t10k").reshape(-1, 1, 28, 28)
    results = [run(name, train, test, args) for name in args.variants.split(",")]
    print(json.dumps({"study": "vae-fmnist", "framework": f"pytorch {torch.__version__}", "seed": args.seed, "nudge_one_ulp": args.nudge_one_ulp,
                      "threads": torch.get_num_threads(), "variants": results}, indent=2))


if __name__ == "__main__":
    main()
