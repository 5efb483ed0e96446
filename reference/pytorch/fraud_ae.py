#!/usr/bin/python3
"""The fraud-ae study in PyTorch (Python), for the comparison in docs/results.md.

Same data (a CSV with the credit-card schema, e.g. one written by `latent make-fraud-data`),
same splits (a seeded torch.randperm: test = first 30%, validation = next 25% of the rest,
training = the normal rows of the remainder), standardisation fitted on the training normals,
same models (vanilla 30-14-30 linear, deep 30-24-16-8-16-24-30 tanh, sparse 30-32-30 ReLU code
with L1 1e-3, denoising = vanilla with Gaussian noise 0.2, VAE 30-24-(8)-24-30 tanh), same
training (Adam lr 1e-3, batch 256, MSE; the VAE: squared-error sum + KL) and the same
evaluation (score = mean squared reconstruction error per row, F1-optimal threshold on the
validation split, flag score > threshold; ROC-AUC with tied ranks, average precision) as
`latent run fraud-ae --set data.path=FILE`.

    /usr/bin/python3 reference/pytorch/fraud_ae.py FILE [--epochs 10] [--seed 42] [--threads N]
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def read_table(path, label="Class"):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    header = rows[0]
    li = header.index(label)
    data = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)
    y = data[:, li].astype(np.int64)
    x = np.delete(data, li, axis=1).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def dense(widths, act, last_act=None):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
    if last_act is not None:
        layers.append(last_act())
    return nn.Sequential(*layers)


class Ae(nn.Module):
    def __init__(self, hidden, latent, act, code_act):
        super().__init__()
        self.encoder = dense([30] + hidden + [latent], act, code_act)
        self.decoder = dense([latent] + hidden[::-1] + [30], act)

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code


class Vae(nn.Module):
    def __init__(self, hidden, latent):
        super().__init__()
        self.encoder = dense([30] + hidden, nn.Tanh, nn.Tanh)
        self.mu_head = nn.Linear(hidden[-1], latent)
        self.logvar_head = nn.Linear(hidden[-1], latent)
        self.decoder = dense([latent] + hidden[::-1] + [30], nn.Tanh)

    def forward(self, x):
        h = self.encoder(x)
        mu = self.mu_head(h)
        return self.decoder(mu), mu

    def loss(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu_head(h), self.logvar_head(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = (self.decoder(z) - x).pow(2).sum(1)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        return (recon + kl).mean()


VARIANTS = {
    "vanilla": dict(make=lambda: Ae([], 14, nn.Tanh, None)),
    "deep": dict(make=lambda: Ae([24, 16], 8, nn.Tanh, None)),
    "sparse": dict(make=lambda: Ae([], 32, nn.Tanh, nn.ReLU), l1=1e-3),
    "denoising": dict(make=lambda: Ae([], 14, nn.Tanh, None), noise=0.2),
    "vae": dict(make=lambda: Vae([24], 8)),
    "vae-elbo": dict(make=lambda: Vae([24], 8), score="neg_elbo"),
}


def detection_curve(scores, labels):
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp, fp = np.cumsum(y), np.cumsum(1 - y)
    last = np.r_[s[1:] != s[:-1], True]
    return s[last], tp[last], fp[last]


def metrics(scores, labels, threshold):
    pos, neg = labels.sum(), (1 - labels).sum()
    flag = scores > threshold
    tp = int((flag & (labels == 1)).sum()); fp = int((flag & (labels == 0)).sum())
    fn = int(pos) - tp; tn = int(neg) - fp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ranks = torch.from_numpy(scores).double()
    # average ranks for ties
    order = np.argsort(scores, kind="stable")
    sr = scores[order]
    rank = np.empty(len(scores))
    i = 0
    while i < len(sr):
        j = i
        while j + 1 < len(sr) and sr[j + 1] == sr[i]:
            j += 1
        rank[order[i:j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    auc = (rank[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)
    _, tpc, fpc = detection_curve(scores, labels)
    prec, rec = tpc / (tpc + fpc), tpc / pos
    ap = float(np.sum(np.diff(np.r_[0.0, rec]) * prec))
    del ranks
    return {"precision": p, "recall": r, "f1": f1, "roc_auc": float(auc), "pr_auc": ap,
            "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn}}


def f1_threshold(scores, labels):
    s, tp, fp = detection_curve(scores, labels)
    pos = labels.sum()
    p, r = tp / (tp + fp), tp / pos
    f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0.0)
    k = int(np.argmax(f1))
    return 0.5 * (s[k] + s[k + 1]) if k + 1 < len(s) else s[k] - max(1.0, abs(s[k])) * 1e-6


def errors(model, x):
    model.eval()
    with torch.no_grad():
        return ((model(x)[0] - x) ** 2).mean(1).double().numpy()


def neg_elbo(model, x):
    """Negative ELBO with z at the posterior mean: squared-error sum + KL."""
    model.eval()
    with torch.no_grad():
        h = model.encoder(x)
        mu, logvar = model.mu_head(h), model.logvar_head(h)
        recon = (model.decoder(mu) - x).pow(2).sum(1)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        return (recon + kl).double().numpy()


def run(name, splits, args):
    cfg = VARIANTS[name]
    torch.manual_seed(args.seed)
    model = cfg["make"]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, (xv, yv), (xt, yt) = splits
    n = train.shape[0]
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(n)
        for b in range(0, n, args.batch_size):
            x = train[order[b: b + args.batch_size]]
            opt.zero_grad()
            if isinstance(model, Vae):
                loss = model.loss(x)
            else:
                inp = x + cfg.get("noise", 0.0) * torch.randn_like(x) if cfg.get("noise") else x
                recon, code = model(inp)
                loss = nn.functional.mse_loss(recon, x) + cfg.get("l1", 0.0) * code.abs().sum(1).mean()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    score = neg_elbo if cfg.get("score") == "neg_elbo" else errors
    threshold = f1_threshold(score(model, xv), yv.numpy())
    m = metrics(score(model, xt), yt.numpy(), threshold)
    return {"name": name, "threshold": threshold, "test": m, "train_seconds": seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--val-split", type=float, default=0.25)
    p.add_argument("--test-split", type=float, default=0.3)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    x, y = read_table(args.data)
    n = x.shape[0]
    g = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(n, generator=g)
    n_test = max(1, round(n * args.test_split))
    n_val = max(1, round((n - n_test) * args.val_split))
    te, va, rest = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    train = x[rest][y[rest] == 0]
    mean, std = train.mean(0), train.std(0).clamp_min(1e-12)
    z = lambda t: (t - mean) / std  # noqa: E731
    splits = (z(train), (z(x[va]), y[va]), (z(x[te]), y[te]))
    results = [run(name, splits, args) for name in VARIANTS]
    print(json.dumps({"study": "fraud-ae", "framework": f"pytorch {torch.__version__}",
                      "threads": torch.get_num_threads(), "variants": results}, indent=2))


if __name__ == "__main__":
    main()
