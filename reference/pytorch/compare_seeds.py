#!/usr/bin/env python3
"""Paired comparison of latent and PyTorch over seeds, for the quality tables in docs/results.md.

Both sides of a study start from the same weights and draw the same batches for a given seed, so a
seed gives one pair (latent's figure, PyTorch's figure) per variant. This reads latent run folders
(their metrics.json) and the output of the reference scripts in this folder (ae_studies.py, vae.py:
the JSON document they print, or their "result {...}" lines), pairs them by variant name and seed,
and prints per variant: the seeds, both means, the mean of the per-seed differences latent - PyTorch
with its standard error, and on how many seeds latent is ahead; then the same over all pairs.
Standard library only.

    reference/pytorch/compare_seeds.py [--metric M] [--variants a,b] [--names A,B] RUN=PYTORCH_OUTPUT[,...] ...

Each argument is one seed: RUN is a latent run folder (its metrics.json gives the seed) or, for a
control such as PyTorch against PyTorch started one ulp apart (--nudge-one-ulp), PyTorch output
files (name the sides with --names); after the '=' come the file or files (comma-separated, e.g. one
per process when the variants ran in several) holding PyTorch's output for the same seed, checked
against the seed where they record one. The metric defaults to the first of denoised_psnr_db,
psnr_db, elbo_nats that the variants report (higher is better for all three).
"""
import argparse
import json
import math
import os
import statistics
import sys

METRICS = ("denoised_psnr_db", "psnr_db", "elbo_nats")


def fail(message):
    print(f"compare_seeds: {message}", file=sys.stderr)
    sys.exit(2)


def latent_run(folder):
    path = os.path.join(folder, "metrics.json")
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    return m.get("seed"), {v["name"]: v.get("test", {}) for v in m.get("variants", [])}


def pytorch_output(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        fail(f"{path}: {e}")
    doc, variants = None, {}
    start = text.find("\n{")
    if text.startswith("{"):
        start = 0
    if start >= 0:
        try:
            doc = json.loads(text[start:])
        except ValueError:
            doc = None
    if doc is not None:
        variants = {v["name"]: v.get("test", {}) for v in doc.get("variants", [])}
    for line in text.splitlines():  # a run stopped early has only its "result" lines
        if line.startswith("result "):
            try:
                v = json.loads(line[len("result "):])
            except ValueError as e:
                fail(f"{path}: a malformed 'result' line ({e})")
            variants.setdefault(v["name"], v.get("test", {}))
    if not variants:
        fail(f"{path}: no PyTorch results in it (expected the JSON document or 'result {{...}}' lines)")
    return (doc or {}).get("seed"), variants


def pytorch_outputs(paths, seed):
    """Merges comma-separated PyTorch outputs of one seed; checks the seed where they record one."""
    merged = {}
    for path in paths.split(","):
        py_seed, variants = pytorch_output(path)
        if py_seed is not None and seed is not None and py_seed != seed:
            fail(f"{path}: PyTorch ran seed {py_seed}, the other side seed {seed}")
        seed = seed if seed is not None else py_seed
        merged.update(variants)
    return seed, merged


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--metric", choices=METRICS, help="default: the first the variants report")
    p.add_argument("--variants", default="", help="comma-separated variant names to compare (default: every one on both sides)")
    p.add_argument("--names", default="latent,PyTorch", help="the two sides' names in the table (default latent,PyTorch)")
    p.add_argument("pairs", nargs="+", metavar="RUN=PYTORCH_OUTPUT[,...]")
    args = p.parse_args()

    rows = {}  # variant -> list of (seed, latent, pytorch)
    metric = args.metric
    wanted = set(filter(None, args.variants.split(",")))
    for pair in args.pairs:
        if "=" not in pair:
            fail(f"'{pair}': expected RUN=PYTORCH_OUTPUT")
        run_dir, py_paths = pair.split("=", 1)
        if os.path.isdir(run_dir):
            seed, lt = latent_run(run_dir)
        else:  # a control: PyTorch outputs on both sides
            seed, lt = pytorch_outputs(run_dir, None)
            if seed is None:
                fail(f"{run_dir}: records no seed to pair by")
        py = pytorch_outputs(py_paths, seed)[1]
        for name, test in lt.items():
            if name not in py or (wanted and name not in wanted):
                continue
            if metric is None:
                metric = next((k for k in METRICS if k in test and k in py[name]), None)
                if metric is None:
                    fail(f"{run_dir}: variant {name} reports none of {', '.join(METRICS)}")
            if metric not in test or metric not in py[name]:
                fail(f"'{pair}': variant {name} lacks {metric} on one side")
            rows.setdefault(name, []).append((seed, test[metric], py[name][metric]))
    if not rows:
        fail("no variant appears on both sides")

    first, second = (args.names.split(",") + ["?"])[:2]
    print(f"metric: {metric} (higher is better); {first} - {second} per seed, mean ± standard error\n")
    print(f"| variant | seeds | {first} mean | {second} mean | {first} − {second} | {first} ahead |")
    print("|---|---|---:|---:|---:|---:|")
    def line(label, r, seeds_text):
        d = [a - b for _, a, b in r]
        n = len(d)
        se = f" ± {statistics.stdev(d) / math.sqrt(n):.3f}" if n > 1 else ""
        ahead, level = sum(1 for x in d if x > 0), sum(1 for x in d if x == 0)
        print(f"| {label} | {seeds_text} | {statistics.mean(a for _, a, _ in r):.3f} | {statistics.mean(b for _, _, b in r):.3f} | "
              f"{statistics.mean(d):+.3f}{se} | {ahead} of {n}" + (f" ({level} level)" if level else "") + " |")

    for name, r in rows.items():
        seeds = sorted(s for s, _, _ in r)
        if len(set(seeds)) != len(seeds):
            fail(f"variant {name}: seed given twice ({seeds})")
        contiguous = len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1))
        span = f"{seeds[0]}-{seeds[-1]}" if contiguous else ", ".join(map(str, seeds))
        line(name, r, f"{len(seeds)} ({span})")
    if len(rows) > 1:  # every (variant, seed) pair as one unit
        line("all variants pooled", [x for r in rows.values() for x in r], f"{sum(len(r) for r in rows.values())} pairs")

if __name__ == "__main__":
    main()
