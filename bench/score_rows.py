#!/usr/bin/python3
"""Scoring throughput: `latent score` vs the same work in PyTorch, rows per second.

The work: stream a credit-card-like CSV (latent make-fraud-data) in chunks of 65,536 rows,
standardise each row with the detector's stored mean/std, run the fraud autoencoder (30-14-30,
the fraud-ae `vanilla` model, trained 1 epoch by `latent run`), score = mean squared
reconstruction error, flag = score > threshold, and write row,score,flag,label. PyTorch does the
same with numpy's C CSV reader (np.loadtxt) and the same architecture; its weights are random
(the cost does not depend on them). Rounds alternate the order of the two; reported are medians
of the whole-process wall time (start-up, model load, reading, scoring, writing).

    /usr/bin/python3 bench/score_rows.py [--rows 200000] [--runs 5] [--threads 1] [--out bench/score.md]
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SPEC = """study = "score-bench"
kind = "anomaly"
seed = 42
[data]
dataset = "csv"
path = "{path}"
label = "Class"
val_split = 0.25
test_split = 0.3
[model]
type = "dense_ae"
hidden = []
latent = 14
activation = "tanh"
code_activation = "identity"
output = "identity"
[training]
epochs = 1
batch_size = 256
loss = "mse"
"""

PYTORCH = r'''
import sys, time, numpy as np, torch
from torch import nn
path, out, threads, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
t0 = time.perf_counter()
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(30, 14), nn.Linear(14, 30)).eval()
mean, std, threshold = torch.zeros(30), torch.ones(30), 1.0
rows = flagged = 0
with open(path) as f, open(out, "w") as o, torch.inference_mode():
    f.readline()
    o.write("row,score,flag,label\n")
    while True:
        a = np.loadtxt(f, delimiter=",", quotechar='"', max_rows=chunk, dtype=np.float32, ndmin=2)
        if a.shape[0] == 0:
            break
        x = (torch.from_numpy(a[:, :30]) - mean) / std
        s = (model(x) - x).pow(2).mean(1).numpy()
        flag = s > threshold
        idx = np.arange(rows + 1, rows + 1 + len(s))
        np.savetxt(o, np.column_stack([idx, s, flag, a[:, 30]]), fmt=["%d", "%.6g", "%d", "%d"], delimiter=",")
        rows += len(s); flagged += int(flag.sum())
print(rows, time.perf_counter() - t0)
'''


def timed(cmd, env):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"score_rows: {' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()[-400:]}")
    return time.perf_counter() - t0, out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--chunk", type=int, default=65536)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(HERE, "score.md"))
    args = p.parse_args()
    latent = os.path.join(args.build, "bin", "latent")
    t = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t)
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "rows.csv")
        timed([latent, "make-fraud-data", "-o", csv, "--rows", str(args.rows), "--seed", "42"], env)
        spec = os.path.join(tmp, "spec.toml")
        with open(spec, "w") as f:
            f.write(SPEC.format(path=csv))
        timed([latent, "run", spec, "--out", os.path.join(tmp, "run"), "--quiet", "--threads", t], env)
        model = os.path.join(tmp, "run", "model.pt")
        script = os.path.join(tmp, "score.py")
        with open(script, "w") as f:
            f.write(PYTORCH)
        walls = {"latent": [], "pytorch": []}
        inner = {"latent": [], "pytorch": []}
        for r in range(args.runs):
            for impl in (["latent", "pytorch"] if r % 2 == 0 else ["pytorch", "latent"]):
                out = os.path.join(tmp, impl + ".csv")
                if impl == "latent":
                    wall, text = timed([latent, "score", model, csv, "-o", out, "--chunk-rows", str(args.chunk)], env)
                    inner[impl].append(float(text.split(" in ")[1].split(" s")[0]))
                else:
                    wall, text = timed(["/usr/bin/python3", script, csv, out, t, str(args.chunk)], env)
                    inner[impl].append(float(text.split()[1]))
                walls[impl].append(wall)
                lines = sum(1 for _ in open(out))
                if lines != args.rows + 1:
                    raise SystemExit(f"score_rows: {impl} wrote {lines - 1} rows, expected {args.rows}")
                print(f"round {r + 1}/{args.runs} {impl:8s} wall {wall:.3f} s, in-process {inner[impl][-1]:.3f} s", flush=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    med_in = {k: statistics.median(v) for k, v in inner.items()}
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    cmd = " ".join(["/usr/bin/python3", "bench/score_rows.py"] + sys.argv[1:])
    lines = [
        "# Scoring throughput: `latent score` vs PyTorch",
        "",
        f"Generated by `{cmd}` on {date} UTC, {args.threads} thread(s), {args.rows:,} rows, chunks of "
        f"{args.chunk:,} rows, median of {args.runs} rounds (order alternated). The work and the PyTorch side "
        "are described in bench/score_rows.py. Wall time is the whole process (start-up, model load, CSV "
        "reading, scoring, writing); in-process time is what each program measures from its start to the last "
        "row written.",
        "",
        "| | wall s | rows/s (wall) | in-process s | rows/s (in-process) |",
        "|---|---:|---:|---:|---:|",
    ]
    for impl in ("latent", "pytorch"):
        lines.append(f"| {impl} | {med[impl]:.3f} | {args.rows / med[impl]:,.0f} | {med_in[impl]:.3f} | "
                     f"{args.rows / med_in[impl]:,.0f} |")
    lines += ["", f"latent / PyTorch rows/s (wall): {med['pytorch'] / med['latent']:.2f}×.", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}: latent {args.rows / med['latent']:,.0f} rows/s, pytorch {args.rows / med['pytorch']:,.0f} rows/s")


if __name__ == "__main__":
    main()
