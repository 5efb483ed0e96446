#!/usr/bin/python3
"""The benchmark workloads W1-W5 in PyTorch (Python), written two ways, beside latent_workloads.

--style tutorial: as the tutorials and seed projects write it: a Dataset whose __getitem__
    returns one image, a DataLoader with shuffle=True, nn.Sigmoid + nn.BCELoss (W5, as PyTorch's
    VAE example: a sigmoid output and F.binary_cross_entropy summed), and loss.item() after
    every batch.
--style careful: as a careful user writes it: the whole data set in one tensor, batches cut
    with index_select from one randperm per epoch, BCE with logits, the loss summed on the
    tensor side, inference under torch.inference_mode().

Same data, models, initial weights (seed), batch, threads and learning rate as
bench/workloads.cpp. Prints one JSON object. Run with Debian's python3-torch:
    /usr/bin/python3 bench/pytorch_workloads.py --workload w1 --style careful --threads 2
On a GPU (bench/gpu_check.sh): --device cuda; careful keeps the whole data set on the device,
tutorial keeps it on the host and moves each batch (`x.to(device)`), as the tutorials do;
--compile wraps the model in torch.compile (PyTorch 2); --warmup/--repeat as latent_workloads.
"""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx_images(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    raw = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims[0], 1, dims[1], dims[2])
    return torch.from_numpy(raw.copy()).to(torch.float32).div_(255.0)


def find_idx(folder, stem):
    for suffix in ("", ".gz"):
        if os.path.exists(os.path.join(folder, stem + suffix)):
            return os.path.join(folder, stem + suffix)
    raise SystemExit(f"pytorch_workloads: error: {os.path.join(folder, stem)}: missing (plain or .gz)")


def dense_model(hidden, tutorial):
    """784 -> hidden -> 32 -> reversed(hidden) -> 784, ReLU; the same layer order as latent's dense_ae."""
    enc, dec, width = [nn.Flatten()], [], 784
    for h in hidden:
        enc += [nn.Linear(width, h), nn.ReLU()]
        width = h
    enc += [nn.Linear(width, 32), nn.ReLU()]
    width = 32
    for h in reversed(hidden):
        dec += [nn.Linear(width, h), nn.ReLU()]
        width = h
    dec += [nn.Linear(width, 784), nn.Unflatten(1, (1, 28, 28))]
    if tutorial:
        dec.append(nn.Sigmoid())
    return nn.Sequential(nn.Sequential(*enc), nn.Sequential(*dec))


def conv_model(tutorial):
    """The same stack as ConvAe in bench/workloads.cpp."""
    enc = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
    dec = [nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
           nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1)]
    if tutorial:
        dec.append(nn.Sigmoid())
    return nn.Sequential(enc, nn.Sequential(*dec))


class DenseVae(nn.Module):
    """W5: 784-512-(16 mu, 16 logvar)-512-784, ReLU; the same layer order as latent's dense_vae."""

    def __init__(self, tutorial):
        super().__init__()
        self.tutorial = tutorial
        self.encoder = nn.Sequential(nn.Linear(784, 512), nn.ReLU())
        self.mu_head = nn.Linear(512, 16)
        self.logvar_head = nn.Linear(512, 16)
        self.decoder = nn.Sequential(nn.Linear(16, 512), nn.ReLU(), nn.Linear(512, 784))

    def posterior(self, x):
        h = self.encoder(x.flatten(1))
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z):
        """Logits (careful) or probabilities (tutorial), (B, 784)."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.tutorial else out

    def forward(self, x):
        mu, logvar = self.posterior(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar


def vae_terms(model, out, x):
    """Per image: the reconstruction's BCE summed over pixels, and the KL to N(0, I)."""
    recon, mu, logvar = out
    target = x.flatten(1)
    if model.tutorial:
        nll = nn.functional.binary_cross_entropy(recon, target, reduction="none").sum(1)
    else:
        nll = nn.functional.binary_cross_entropy_with_logits(recon, target, reduction="none").sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return nll, kl


def vae_test_loss(model, x):
    """Negative ELBO per test image in nats at z = mu (the same number latent_workloads reports)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, x.shape[0], 1000):
            xb = x[b: b + 1000]
            mu, logvar = model.posterior(xb)
            nll, kl = vae_terms(model, (model.decode(mu), mu, logvar), xb)
            total += (nll + kl).double().sum().item()
    return total / x.shape[0]


class Images(torch.utils.data.Dataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i]


def train_layers(workload):
    if workload == "w5":  # the two 512 -> 16 heads counted as one 512 -> 32 product
        widths = [784, 512, 32, 512, 784]
        return [(widths[i] * widths[i + 1], i == 0) for i in range(len(widths) - 1)]
    if workload == "w3":
        return [(14 * 14 * 16 * 9, True), (7 * 7 * 32 * 16 * 9, False), (7 * 7 * 32 * 16 * 9, False),
                (14 * 14 * 16 * 9, False)]
    hidden = [512, 256] if workload == "w2" else []
    widths = [784] + hidden + [32] + hidden[::-1] + [784]
    return [(widths[i] * widths[i + 1], i == 0) for i in range(len(widths) - 1)]


def test_loss(model, x, tutorial):
    """Mean BCE of the clean test reconstructions (the same number latent_workloads reports)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, x.shape[0], 1000):
            xb = x[b: b + 1000]
            out = model(xb)
            if tutorial:
                total += nn.functional.binary_cross_entropy(out, xb, reduction="sum").item()
            else:
                total += nn.functional.binary_cross_entropy_with_logits(out, xb, reduction="sum").item()
    return total / x.numel()


def synchronize(device):
    """Waits for the device's queued work, so the clock measures it (nothing to wait for on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train(args, train_x, test_x):
    """--warmup untimed and --repeat timed runs from the seed; the median time, the last run's losses."""
    for _ in range(args.warmup):
        train_once(args, train_x, test_x)
    runs = [train_once(args, train_x, test_x) for _ in range(args.repeat)]
    result = dict(runs[-1])
    seconds = percentile([r["seconds"] for r in runs], 0.5)
    result.update(seconds=seconds, samples_per_second=train_x.shape[0] * args.epochs / seconds,
                  gflops_per_second=result["flops"] / seconds / 1e9)
    if args.repeat > 1:
        result["runs_seconds"] = [r["seconds"] for r in runs]
    return result


def train_once(args, train_x, test_x):
    tutorial = args.style == "tutorial"
    device = torch.device(args.device)
    noise = 0.3 if args.workload == "w3" else 0.0
    torch.manual_seed(args.seed)
    if args.workload == "w3":
        model = conv_model(tutorial)
    elif args.workload == "w5":
        model = DenseVae(tutorial)
    else:
        model = dense_model([512, 256] if args.workload == "w2" else [], tutorial)
    model.to(device)
    eval_model = model
    if args.compile:
        model = torch.compile(model)
    opt = torch.optim.Adam(eval_model.parameters(), lr=1e-3)
    bce = nn.BCELoss() if tutorial else nn.functional.binary_cross_entropy_with_logits

    def batch_loss(inp, x):
        if args.workload == "w5":
            nll, kl = vae_terms(eval_model, model(inp), x)
            return (nll + kl).mean()
        return bce(model(inp), x)

    n = train_x.shape[0]
    if not tutorial:
        train_x = train_x.to(device)
    synchronize(device)
    start = time.perf_counter()
    if tutorial:
        loader = torch.utils.data.DataLoader(Images(train_x), batch_size=args.batch, shuffle=True)
        for _ in range(args.epochs):
            model.train()
            running, seen = 0.0, 0
            for x in loader:
                x = x.to(device)
                inp = (x + noise * torch.randn_like(x)).clamp_(0.0, 1.0) if noise > 0 else x
                opt.zero_grad()
                loss = batch_loss(inp, x)
                loss.backward()
                opt.step()
                running += loss.item() * x.shape[0]
                seen += x.shape[0]
            final = running / seen
    else:
        for _ in range(args.epochs):
            model.train()
            order = torch.randperm(n).to(device)
            total = torch.zeros((), dtype=torch.float64, device=device)
            for b in range(0, n, args.batch):
                x = train_x.index_select(0, order[b: b + args.batch])
                inp = (x + noise * torch.randn_like(x)).clamp_(0.0, 1.0) if noise > 0 else x
                opt.zero_grad()
                loss = batch_loss(inp, x)
                loss.backward()
                opt.step()
                total += loss.detach().double() * x.shape[0]
            final = total.item() / n
    synchronize(device)
    seconds = time.perf_counter() - start
    test_x = test_x.to(device)
    flops = sum(2 * m * (2 if first else 3) for m, first in train_layers(args.workload)) * n * args.epochs
    return {"seconds": seconds, "samples_per_second": n * args.epochs / seconds, "final_train_loss": final,
            "test_loss": vae_test_loss(eval_model, test_x) if args.workload == "w5" else test_loss(eval_model, test_x, tutorial),
            "flops": flops, "gflops_per_second": flops / seconds / 1e9}


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, math.ceil(p * len(v)) - 1)]


def inference(args, test_x):
    tutorial = args.style == "tutorial"
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    model = dense_model([], True).to(device)  # reconstructions, so the output sigmoid is part of the work
    model.eval()
    n = test_x.shape[0]
    if tutorial:
        loader = torch.utils.data.DataLoader(Images(test_x), batch_size=args.batch, shuffle=False)
        data = Images(test_x)

        def one_pass(checksum=False):
            total = 0.0
            with torch.no_grad():
                for x in loader:
                    out = model(x.to(device))
                    total += out.sum().item() if checksum else out[0, 0, 0, 0].item()
            return total

        def single(i):
            with torch.no_grad():
                return model(data[i].unsqueeze(0).to(device))
    else:
        test_x = test_x.to(device)

        def one_pass(checksum=False):
            total = 0.0
            with torch.inference_mode():
                for b in range(0, n, args.batch):
                    out = model(test_x[b: b + args.batch])
                    total += out.sum().item() if checksum else out[0, 0, 0, 0].item()
            return total

        def single(i):
            with torch.inference_mode():
                return model(test_x[i: i + 1])

    # Timed passes read one value per batch; the checksum comes from one more pass outside the clock
    # (as in latent_workloads), so the time is the reconstructions' alone and not a reduction's.
    one_pass()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        one_pass()
        times.append(time.perf_counter() - t0)
    checksum = one_pass(checksum=True)
    seconds = percentile(times, 0.5)
    lat = []
    for i in range(args.singles + 50):
        t0 = time.perf_counter()
        out = single(i % n)
        v = out[0, 0, 0, 0].item()
        dt = time.perf_counter() - t0
        assert v >= 0
        if i >= 50:
            lat.append(dt)
    flops = 2.0 * 2 * 784 * 32 * n
    return {"seconds": seconds, "samples_per_second": n / seconds, "mean_output": checksum / test_x.numel(),
            "single_p50_ms": percentile(lat, 0.5) * 1e3, "single_p99_ms": percentile(lat, 0.99) * 1e3,
            "flops": flops, "gflops_per_second": flops / seconds / 1e9}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", choices=["w1", "w2", "w3", "w4", "w5"], required=True)
    p.add_argument("--style", choices=["tutorial", "careful"], required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--singles", type=int, default=2000)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--warmup", type=int, default=0, help="untimed training runs before the timed ones")
    p.add_argument("--repeat", type=int, default=1, help="timed training runs; seconds is their median")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch 2)")
    args = p.parse_args()
    if args.repeat < 1 or args.warmup < 0:
        p.error("--repeat must be 1 or more and --warmup 0 or more")
    torch.set_num_threads(args.threads)
    test_x = read_idx_images(find_idx(args.data, "t10k-images-idx3-ubyte"))
    result = {"impl": f"pytorch-{args.style}" + ("-compile" if args.compile else ""), "workload": args.workload,
              "threads": torch.get_num_threads(), "batch": args.batch, "epochs": args.epochs, "seed": args.seed,
              "device": args.device, "torch": torch.__version__}
    if args.workload == "w4":
        result.update(inference(args, test_x))
    else:
        train_x = read_idx_images(find_idx(args.data, "train-images-idx3-ubyte"))
        result.update(train(args, train_x, test_x))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
