#!/usr/bin/python3
"""MedMNIST classifiers in PyTorch, as `latent run medmnist` trains them, on any MedMNIST-layout .npz.

Reads NPZ as latent does (train_images, train_labels, val_images, val_labels, test_images,
test_labels; uint8 images (N, H, W, 3) RGB, (N, H, W) grey or (N, D, H, W) volumes, labels (N, 1)):
images become float32 / 255 as (N, C, H, W) or (N, 1, D, H, W), labels int64. Models (latent's
configs/medmnist.toml, derma-cnn.toml, fracture3d.toml):
  cnn:      per block Conv (3x3[x3], same padding, bias) -> BatchNorm -> ReLU -> MaxPool(2), for
            --channels (default 32,64,128); global average pool; per --fc width (default 128)
            Linear -> ReLU -> Dropout(--dropout, 0.3); Linear to the classes. PyTorch's (= LibTorch's)
            default initialisation. 2-D or 3-D by the data (Conv3d, BatchNorm3d, MaxPool3d).
  resnet18: torchvision's ResNet-18 (reference/pytorch/resnet.py) with MedMNIST's small stem
            (conv1 3x3 stride 1, no bias, no max-pool), fc to the classes, torchvision's
            initialisation; 3-D (Conv3d, BatchNorm3d, AdaptiveAvgPool3d) for volumes.
Recipe: Adam (--lr 1e-3), --batch-size (128; latent's fracture3d: 32), softmax cross-entropy,
MultiStepLR x 0.1 after epochs max(1, E/2) and max(1, 3E/4) (latent's default milestones), --epochs.
After every epoch the validation split is scored as latent does (eval mode, batches of 1000:
loss, accuracy, one-vs-rest ROC-AUC averaged over the classes) and the weights with the best
validation AUC are kept (a copy of the state dict; restored at the end if not the last epoch's);
then the test split is scored the same way.
Two ways of writing the loop, as reference/pytorch/classifiers.py:
  --style careful (default): tensors in memory, batches cut from a torch.randperm per epoch,
      zero_grad(set_to_none=True);
  --style tutorial: TensorDataset + DataLoader(batch_size, shuffle=True), nn.CrossEntropyLoss,
      zero_grad(), running_loss += loss.item() per batch; validation and test through
      DataLoader(batch_size).
Prints one JSON line: model, style, seed, epochs, threads, examples per split, test accuracy and
AUC, last validation AUC, and seconds: import_seconds (importing torch), load_seconds (reading the
.npz), train_seconds (the epochs' training steps only, as latent's train_seconds), val_seconds (the
per-epoch validation, AUC and weight copies), eval_seconds (the test split).

    /usr/bin/python3 reference/pytorch/medmnist.py NPZ [--model cnn|resnet18] [--channels 32,64,128]
        [--fc 128] [--dropout 0.3] [--batch-size 128] [--epochs 1] [--lr 1e-3] [--style careful|tutorial]
        [--seed 42] [--threads 1]
"""
import time

_T0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnet as tv_resnet  # noqa: E402
from classifiers import train_epoch_careful, train_epoch_tutorial  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0
EVAL_BATCH = 1000  # latent's evaluation.batch_size


def load(path):
    """{split: (x float32 (N, C, ...), y int64 (N,))} and the layout ('rgb', 'grey' or '3d')."""
    with np.load(path) as z:
        raw = {s: (z[f"{s}_images"], z[f"{s}_labels"]) for s in ("train", "val", "test")}
    imgs = raw["train"][0]
    layout = "rgb" if imgs.ndim == 4 and imgs.shape[3] == 3 else ("3d" if imgs.ndim == 4 else "grey")
    out = {}
    for s, (x, y) in raw.items():
        x = torch.from_numpy(x).float().div_(255.0)
        x = x.permute(0, 3, 1, 2).contiguous() if layout == "rgb" else x.unsqueeze(1)
        out[s] = (x, torch.from_numpy(y.astype(np.int64)).reshape(len(y), -1)[:, 0].contiguous())
    return out, layout


def cnn(in_channels, classes, channels, fc, dropout, dims):
    conv, bn, pool = (nn.Conv3d, nn.BatchNorm3d, nn.MaxPool3d) if dims == 3 else (nn.Conv2d, nn.BatchNorm2d,
                                                                                  nn.MaxPool2d)
    layers, c = [], in_channels
    for w in channels:
        layers += [conv(c, w, 3, padding=1), bn(w), nn.ReLU(), pool(2)]
        c = w
    layers += [nn.AdaptiveAvgPool3d(1) if dims == 3 else nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    for w in fc:
        layers += [nn.Linear(c, w), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout > 0 else [])
        c = w
    layers.append(nn.Linear(c, classes))
    return nn.Sequential(*layers)


def resnet18(in_channels, classes, dims):
    if dims == 2:
        return tv_resnet.resnet(18, classes, in_channels, True)
    # resnet.py's 3-D trick: its modules look nn.Conv2d / nn.BatchNorm2d up when they are built.
    conv2d, bn2d = nn.Conv2d, nn.BatchNorm2d
    nn.Conv2d, nn.BatchNorm2d = nn.Conv3d, nn.BatchNorm3d
    try:
        m = tv_resnet.resnet(18, classes, in_channels, True)
    finally:
        nn.Conv2d, nn.BatchNorm2d = conv2d, bn2d
    m.avgpool = nn.AdaptiveAvgPool3d(1)
    return m


def roc_auc_ovr(probs, y):
    """Mean over classes of the one-vs-rest ROC-AUC (ties at half), classes with both kinds only."""
    probs, y = probs.numpy(), y.numpy()
    aucs = []
    for c in range(probs.shape[1]):
        pos = y == c
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        if n_pos == 0 or n_neg == 0:
            continue
        _, inv, counts = np.unique(probs[:, c], return_inverse=True, return_counts=True)
        ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inv]
        aucs.append((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
    return float(np.mean(aucs)) if aucs else float("nan")


def score(model, x, y, batch, tutorial):
    """Eval-mode loss, accuracy and mean one-vs-rest AUC of (x, y)."""
    model.eval()
    logits = []
    with torch.no_grad():
        if tutorial:
            for inputs, _ in DataLoader(TensorDataset(x, y), batch_size=batch):
                logits.append(model(inputs))
        else:
            for i in range(0, len(x), batch):
                logits.append(model(x[i:i + batch]))
    logits = torch.cat(logits)
    probs = logits.softmax(1)
    return {"loss": F.cross_entropy(logits, y).item(), "accuracy": (logits.argmax(1) == y).double().mean().item(),
            "roc_auc": roc_auc_ovr(probs, y)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("npz")
    p.add_argument("--model", choices=["cnn", "resnet18"], default="cnn")
    p.add_argument("--channels", default="32,64,128")
    p.add_argument("--fc", default="128")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--style", choices=["careful", "tutorial"], default="careful")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    start = time.perf_counter()
    data, layout = load(a.npz)
    load_seconds = time.perf_counter() - start
    x, y = data["train"]
    vx, vy = data["val"]
    tx, ty = data["test"]
    classes = int(max(y.max(), vy.max(), ty.max())) + 1
    dims = 3 if layout == "3d" else 2
    if a.model == "cnn":
        model = cnn(x.shape[1], classes, [int(c) for c in a.channels.split(",")],
                    [int(f) for f in a.fc.split(",") if f], a.dropout, dims)
    else:
        model = resnet18(x.shape[1], classes, dims)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [max(1, a.epochs // 2), max(1, 3 * a.epochs // 4)], 0.1)
    tutorial = a.style == "tutorial"
    loader = DataLoader(TensorDataset(x, y), batch_size=a.batch_size, shuffle=True) if tutorial else None
    loss_fn = nn.CrossEntropyLoss()
    eval_batch = a.batch_size if tutorial else EVAL_BATCH
    train_seconds = val_seconds = 0.0
    best_auc, best_epoch, best_state, val = float("-inf"), 0, None, {}
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        if tutorial:
            train_epoch_tutorial(model, opt, loader, loss_fn)
        else:
            train_epoch_careful(model, opt, x, y, a.batch_size)
        train_seconds += time.perf_counter() - start
        start = time.perf_counter()
        val = score(model, vx, vy, eval_batch, tutorial)
        sched.step()
        if val["roc_auc"] > best_auc:
            best_auc, best_epoch = val["roc_auc"], epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        val_seconds += time.perf_counter() - start
    if best_state is not None and best_epoch != a.epochs:
        model.load_state_dict(best_state)
    start = time.perf_counter()
    test = score(model, tx, ty, eval_batch, tutorial)
    eval_seconds = time.perf_counter() - start
    print(json.dumps({"model": a.model, "layout": layout, "style": a.style, "seed": a.seed, "epochs": a.epochs,
                      "threads": a.threads, "batch_size": a.batch_size, "train_examples": len(x),
                      "val_examples": len(vx), "test_examples": len(tx), "classes": classes,
                      "test_accuracy": test["accuracy"], "test_roc_auc": test["roc_auc"],
                      "val_roc_auc": val.get("roc_auc"), "best_epoch": best_epoch,
                      "import_seconds": round(IMPORT_SECONDS, 3), "load_seconds": round(load_seconds, 3),
                      "train_seconds": round(train_seconds, 3), "val_seconds": round(val_seconds, 3),
                      "eval_seconds": round(eval_seconds, 3)}))


if __name__ == "__main__":
    main()
