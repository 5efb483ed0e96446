#!/usr/bin/python3
"""The ae-mnist, dae-mnist, deep-ae(-fmnist), deep-dae-noise and conv-dae studies in PyTorch, for docs/results.md.

Same data (IDX files: MNIST from data/mnist, 8,000 train / 2,000 test; Fashion-MNIST from
/usr/share/datasets), same models, losses, optimizer, batch size, epochs, noise and metrics
(PSNR per image then averaged, SSIM with an 11x11 Gaussian window, sigma 1.5, valid
positions; BCE and MSE per pixel) as `latent run NAME`. Test noise is drawn from PyTorch's
generator seeded as latent's (seed + 1000003, the whole test set at once), the same draws as
latent's test noise. The deep-ae studies cover latent's plain_*, l2_* (Adam weight_decay, the same
coupled L2 as latent's training.weight_decay) and l1code_* variants (training.l1_code: the loss plus
l1_code times the L1 norm of each example's code, summed over the code units and averaged over the
batch, exactly as latent's objective). deep-ae's recipe (configs/deep-ae.toml, also deep-dae-noise's) adds He-normal initial
weights (model.init = "kaiming"), a random rotation of every training image within +-10 degrees
(training.augment_rotate; bilinear, zero padding, angles from a generator seeded seed + 2000003
as latent's) and a StepLR schedule (gamma 0.1 after 150 epochs; deep-dae-noise after 100);
deep-ae-fmnist takes the init and StepLR after 30, without the rotations.

    /usr/bin/python3 reference/pytorch/ae_studies.py STUDY [--epochs N] [--train-limit N]
        [--test-limit N] [--variants a,b] [--threads N] [--seed N] [--nudge-one-ulp]

--nudge-one-ulp moves every initial weight one float step up: a control run, PyTorch against itself,
for how far float rounding alone carries two trainings apart (compare_seeds.py pairs the outputs).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autoencoder import find, nudge_one_ulp, read_idx  # noqa: E402


def load(folder, prefix, limit):
    x = torch.from_numpy(read_idx(find(folder, prefix + "-images-idx3-ubyte")).astype("float32") / 255.0)
    x = x.reshape(-1, 1, 28, 28)
    return x[:limit] if limit > 0 else x


def dense(hidden, latent, code_act):
    """Encoder and decoder as model[0] and model[1], so the L1 penalty can see the code."""
    enc, dec, width = [nn.Flatten()], [], 784
    for h in hidden:
        enc += [nn.Linear(width, h), nn.ReLU()]
        width = h
    enc += [nn.Linear(width, latent)] + ([nn.ReLU()] if code_act == "relu" else [])
    width = latent
    for h in reversed(hidden):
        dec += [nn.Linear(width, h), nn.ReLU()]
        width = h
    dec += [nn.Linear(width, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))]
    return nn.Sequential(nn.Sequential(*enc), nn.Sequential(*dec))


def kaiming(model):
    """model.init = "kaiming": He-normal weights (fan_in, ReLU gain), zero biases, in module order as latent."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def rotate(x, degrees):
    """training.augment_rotate: each image turned by its angle (bilinear, zero padding), as latent's rotate_images."""
    rad = degrees.double() * math.pi / 180.0
    c, s, z = torch.cos(rad), torch.sin(rad), torch.zeros_like(rad)
    h, w = x.shape[2], x.shape[3]
    theta = torch.stack([torch.stack([c, -s * (h / w), z], 1), torch.stack([s * (w / h), c, z], 1)], 1).to(x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def conv(channels, kernel, dropout):
    layers, c_in, pad = [], 1, kernel // 2
    for c in channels:
        layers += [nn.Conv2d(c_in, c, kernel, padding=pad), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout > 0 else [])
        layers += [nn.MaxPool2d(2)]
        c_in = c
    for i in reversed(range(len(channels))):
        c_out = channels[i - 1] if i > 0 else channels[0]
        layers += [nn.ConvTranspose2d(c_in, c_out, kernel, padding=pad), nn.ReLU()]
        layers += ([nn.Dropout(dropout)] if dropout > 0 else []) + [nn.Upsample(scale_factor=2, mode="nearest")]
        c_in = c_out
    layers += [nn.Conv2d(c_in, 1, kernel, padding=pad), nn.Sigmoid()]
    return nn.Sequential(*layers)


def ssim(x, y):
    g = torch.exp(-(torch.arange(11, dtype=torch.float64) - 5) ** 2 / (2 * 1.5 ** 2))
    g = g / g.sum()
    filt = lambda t: F.conv2d(F.conv2d(t, g.view(1, 1, 11, 1)), g.view(1, 1, 1, 11))  # noqa: E731
    x, y = x.double(), y.double()
    mx, my = filt(x), filt(y)
    sxx, syy, sxy = filt(x * x) - mx * mx, filt(y * y) - my * my, filt(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return m.flatten(1).mean(1)


def scores(recon, target):
    mse_img = ((recon.double() - target.double()) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return {"psnr_db": (10 * torch.log10(1.0 / mse_img)).mean().item(), "ssim": ssim(recon, target).mean().item(),
            "bce": F.binary_cross_entropy(recon.clamp(0, 1), target).item(), "mse": ((recon - target) ** 2).mean().item()}


def run(v, train, test, args):
    if v.get("val_split", 0) > 0:  # held out as latent does: the same permutation of the same seed, so the same examples
        n_val = int(train.shape[0] * v["val_split"])
        train = train[torch.randperm(train.shape[0], generator=torch.Generator().manual_seed(args.seed))[: train.shape[0] - n_val]]
    torch.manual_seed(args.seed)
    model = v["model"]()
    if args.nudge_one_ulp:
        nudge_one_ulp(model)
    opt = torch.optim.Adam(model.parameters(), lr=v.get("lr", 1e-3), weight_decay=v.get("weight_decay", 0.0))
    sched = torch.optim.lr_scheduler.StepLR(opt, v["step_size"], v["gamma"]) if "step_size" in v else None
    loss_fn = {"bce": nn.BCELoss(), "mse": nn.MSELoss(), "l1": nn.L1Loss()}[v["loss"]]
    noise, n, bs = v.get("noise", 0.0), train.shape[0], v["batch"]
    l1_code = v.get("l1_code", 0.0)
    aug_gen = torch.Generator().manual_seed(args.seed + 2000003)  # latent: seed + kAugmentSeedOffset
    start = time.perf_counter()
    for epoch in range(v["epochs"]):
        model.train()
        order, total = torch.randperm(n), 0.0
        for b in range(0, n, bs):
            x = train[order[b: b + bs]]
            if v.get("rotate", 0.0) > 0:  # the clean target is the rotated image; angles from latent's augmentation generator
                x = rotate(x, (torch.rand(x.shape[0], generator=aug_gen, dtype=torch.float64) * 2.0 - 1.0) * v["rotate"])
            inp = (x + noise * torch.randn_like(x)).clamp(0, 1) if noise > 0 else x
            opt.zero_grad()
            if l1_code > 0:  # latent: loss + l1_code * mean over the batch of sum_k |code_k|
                code = model[0](inp)
                loss = loss_fn(model[1](code), x) + l1_code * code.abs().flatten(1).sum(1).mean()
            else:
                loss = loss_fn(model(inp), x)
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        if sched:
            sched.step()
        print(f"{v['name']} epoch {epoch + 1}/{v['epochs']} train_loss {total / n:.6f}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    out = {"name": v["name"], "train_seconds": seconds, "train_examples": len(train)}
    with torch.no_grad():
        out["test"] = scores(torch.cat([model(test[i: i + 1000]) for i in range(0, len(test), 1000)]), test)
        test_noise = v.get("test_noise", noise)
        if test_noise > 0:
            gen = torch.Generator().manual_seed(args.seed + 1000003)
            noisy = (test + test_noise * torch.randn(test.shape, generator=gen)).clamp(0, 1)
            out["test"]["noisy_input_psnr_db"] = scores(noisy, test)["psnr_db"]
            den = torch.cat([model(noisy[i: i + 1000]) for i in range(0, len(noisy), 1000)])
            out["test"]["denoised_psnr_db"] = scores(den, test)["psnr_db"]
    return out


def studies(args):
    mnist, fmnist = args.mnist, "/usr/share/datasets/fashion-mnist"
    e = lambda d: args.epochs or d  # noqa: E731
    def deep(epochs, widths, l2, init=lambda m: m, **recipe):  # the 24 variants of a deep-ae spec
        return [dict(name=f"{r}_hidden{'x'.join(map(str, h))}_latent{k}", model=lambda h=h, k=k: init(dense(h, k, "identity")),
                     loss="bce", batch=128, epochs=e(epochs), weight_decay=wd, l1_code=l1, **recipe)
                for r, wd, l1 in (("plain", 0.0, 0.0), ("l2", l2, 0.0), ("l1code", 0.0, 1e-4))
                for h in widths for k in (15, 30, 50, 100)]
    s = {
        "ae-mnist": (mnist, [dict(name=f"latent{k}", model=lambda k=k: dense([], k, "relu"), loss="bce", batch=256, epochs=e(30))
                             for k in (16, 32, 64)]),
        "dae-mnist": (mnist, [dict(name=n, model=lambda: dense([256], 64, "relu"), loss="bce", batch=128, epochs=e(30), noise=z,
                                   test_noise=0.5) for n, z in (("denoising", 0.5), ("plain", 0.0))]),
        # configs/deep-ae.toml: He-normal init, +-10 degree rotations, 200 epochs, lr / 10 after 150
        "deep-ae": (mnist, deep(200, ([512, 256], [512, 384, 256, 128]), 1e-5, init=kaiming, step_size=150, gamma=0.1, rotate=10.0)),
        # configs/deep-ae-fmnist.toml: deep-ae's networks and init, all 60,000 images, 40 epochs, lr / 10 after 30
        "deep-ae-fmnist": (fmnist, deep(40, ([512, 256], [512, 384, 256, 128]), 1e-5, init=kaiming, step_size=30, gamma=0.1)),
        "deep-dae-noise": (mnist, [dict(name=f"noise_variance{var}", model=lambda: kaiming(dense([512, 256], 100, "identity")), loss="bce",
                                        batch=128, epochs=e(150), noise=var ** 0.5, step_size=100, gamma=0.1, rotate=10.0)
                                   for var in (0.01, 0.05, 0.1, 0.25, 0.5)]),
        "conv-dae": (fmnist, [dict(name=l, model=lambda: conv([32, 64], 3, 0.1), loss=l, batch=128, epochs=e(10), noise=0.5,
                                   step_size=4, gamma=0.5, val_split=0.1) for l in ("mse", "l1")]),
    }
    return s[args.study]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("study", choices=["ae-mnist", "dae-mnist", "deep-ae", "deep-ae-fmnist", "deep-dae-noise", "conv-dae"])
    p.add_argument("--mnist", default="data/mnist")
    p.add_argument("--epochs", type=int, default=0)
    p.add_argument("--train-limit", type=int, default=0)
    p.add_argument("--test-limit", type=int, default=0)
    p.add_argument("--variants", default="")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--nudge-one-ulp", action="store_true", help="control run: every initial weight one float step up")
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    folder, variants = studies(args)
    if args.variants:
        variants = [v for v in variants if v["name"] in args.variants.split(",")]
    train, test = load(folder, "train", args.train_limit), load(folder, "t10k", args.test_limit)
    results = []
    for v in variants:  # each result also on stderr as it comes, so a long run stopped early keeps what it did
        results.append(run(v, train, test, args))
        print("result " + json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"study": args.study, "framework": f"pytorch {torch.__version__}", "seed": args.seed, "nudge_one_ulp": args.nudge_one_ulp, "threads": torch.get_num_threads(),
                      "train_examples": len(train), "test_examples": len(test), "variants": results}, indent=2))


if __name__ == "__main__":
    main()
