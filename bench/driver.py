#!/usr/bin/python3
"""Runs latent and PyTorch side by side on the benchmark workloads and writes bench/results.md.

For each thread count and each of --runs rounds, every workload is run once by each
implementation (latent_workloads, PyTorch careful, PyTorch tutorial), one process after the
other with the order rotated each round, so each round gives one latent/PyTorch pair taken
under the same machine load. Reported: the median over rounds of seconds and samples/s, the
median of the per-round ratios, the largest final-loss difference, and the FLOP rate beside
the sgemm rate measured through the same BLAS and through latent::gemm (latent_workloads --workload gemm).

    /usr/bin/python3 bench/driver.py [--runs 5] [--threads 1,2] [--workloads w1,w2,w3,w4,w5]
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ["latent", "pytorch-careful", "pytorch-tutorial"]
LABEL = {"w1": "W1 dense 784-32-784", "w2": "W2 dense 784-512-256-32 (mirror)", "w3": "W3 conv denoising AE",
         "w4": "W4 inference, W1 model", "w5": "W5 dense VAE 784-512-16"}


def command(impl, workload, threads, args):
    common = ["--workload", workload, "--threads", str(threads), "--seed", str(args.seed), "--data", args.data,
              "--batch", str(args.batch)]
    if workload == "w4":
        common += ["--singles", str(args.singles)]
    if impl == "latent":
        return [os.path.join(args.build, "bin", "latent_workloads")] + common
    return [sys.executable, os.path.join(HERE, "pytorch_workloads.py"), "--style", impl.split("-")[1]] + common


def run(cmd, threads, extra_env):
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
                "MKL_NUM_THREADS": str(threads)})
    env.update(extra_env)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"driver: error: {' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not importable"
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
            "pytorch": torch_version}


def med(values):
    return statistics.median(values) if values else float("nan")


def fmt(x, digits=2):
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def summarize(records, threads, workloads):
    """records: list of {round, impl, workload, threads, result}. Returns rows of medians and ratios."""
    rows = []
    for t in threads:
        for w in workloads:
            by_round = {}
            for r in records:
                if r["threads"] == t and r["workload"] == w:
                    by_round.setdefault(r["round"], {})[r["impl"]] = r["result"]
            row = {"threads": t, "workload": w, "rounds": len(by_round)}
            for impl in IMPLS:
                res = [v[impl] for v in by_round.values() if impl in v]
                row[impl] = {"seconds": med([x["seconds"] for x in res]),
                             "samples_per_second": med([x["samples_per_second"] for x in res]),
                             "gflops_per_second": med([x["gflops_per_second"] for x in res])}
                if w == "w4":
                    row[impl]["p50"] = med([x["single_p50_ms"] for x in res])
                    row[impl]["p99"] = med([x["single_p99_ms"] for x in res])
            for impl in IMPLS[1:]:
                pairs = [v for v in by_round.values() if "latent" in v and impl in v]
                row["speedup_" + impl] = med([p[impl]["seconds"] / p["latent"]["seconds"] for p in pairs])
                if w == "w4":
                    row["p99_ratio_" + impl] = med([p[impl]["single_p99_ms"] / p["latent"]["single_p99_ms"] for p in pairs])
                    diffs = [abs(p["latent"]["mean_output"] - p[impl]["mean_output"]) / abs(p[impl]["mean_output"])
                             for p in pairs]
                    row["loss_diff_" + impl] = max(diffs) if diffs else float("nan")
                else:
                    row["loss_diff_" + impl] = max(
                        [abs(p["latent"]["test_loss"] - p[impl]["test_loss"]) / p[impl]["test_loss"] for p in pairs]
                        or [float("nan")])
                    row["train_loss_diff_" + impl] = max(
                        [abs(p["latent"]["final_train_loss"] - p[impl]["final_train_loss"]) / p[impl]["final_train_loss"]
                         for p in pairs] or [float("nan")])
            if row["rounds"]:
                rows.append(row)
    return rows


def limit(g, key):
    """The faster of the BLAS's and latent's kernel's rate for a workload's shapes (W4: W1's), or the square."""
    key = "w1" if key == "w4" else key
    if key != "square_2048" and key not in g:  # no product shapes measured for it (W3: convolutions)
        return None
    rate = lambda d: d[key] if key == "square_2048" else d[key]["gflops_per_second"]  # noqa: E731
    return max([rate(g)] + ([rate(g["kernel"])] if g.get("kernel") else []))


def write_markdown(path, meta, rows, gemm, threads, workloads):
    L = []
    L.append("# latent vs PyTorch: measured side by side\n")
    L.append("Written by `bench/driver.py` (run by `make bench`). Do not edit by hand; rerun instead.\n")
    L.append(f"- Date (UTC): {meta['date']}")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, Linux "
             f"{meta['machine']['kernel']}; PyTorch {meta['machine']['pytorch']} (Debian python3-torch, the "
             f"same LibTorch 1.13 build latent links); BLAS: {meta['blas']}")
    L.append(f"- Load average before / after: {meta['load_before']} / {meta['load_after']}. "
             + meta["shared_note"])
    L.append(f"- Each figure: median of {meta['runs']} rounds; in each round latent, careful PyTorch and "
             "tutorial PyTorch run one after the other (order rotated per round); the ratio is PyTorch seconds / "
             "latent seconds taken pair by pair in the same round, then the median of those ratios (> 1: latent "
             "is faster).")
    L.append(f"- Workloads: Fashion-MNIST (60,000 train / 10,000 test), one epoch, batch {meta['batch']}, Adam lr "
             f"1e-3, seed {meta['seed']} (same initial weights on both sides), BCE (latent and careful: with logits; "
             "tutorial: Sigmoid + BCELoss). W3 adds Gaussian noise std 0.3 clipped to [0, 1]. Loss diff: largest "
             "relative difference over the rounds of the test-set BCE after the epoch (W4: mean reconstruction). W5: the "
             "dense VAE of vae-fmnist (latent 16), loss BCE summed per image + KL, mean over the batch; its test loss is "
             "the negative ELBO per image at z = μ.")
    wait = meta.get("omp_wait_policy") or "unset"
    L.append("- Threads: each side gets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS equal to the thread "
             "count. latent_workloads, like latent, sets OMP_WAIT_POLICY=PASSIVE for itself when the environment leaves "
             "it (and GOMP_SPINCOUNT) unset (bench/NOTES.md, change 11); the PyTorch sides run with the environment as "
             f"given: OMP_WAIT_POLICY {wait} in this run.")
    forced = meta.get("openblas_env") or {}
    L.append("- OpenBLAS kernels: " + ("chosen by the environment for both sides (" + ", ".join(f"{k}={v}" for k, v in forced.items())
             + "; latent keeps it as given, bench/NOTES.md)" if forced else "OpenBLAS's own choice for this CPU (no OPENBLAS_CORETYPE set)") + ".")
    L.append("- GPU: none in this session; the GPU part of the issue was not measured.")
    if meta.get("note"):
        L.append("- Note: " + meta["note"])
    L.append("")
    for t in threads:
        L.append(f"## {t} thread{'s' if t > 1 else ''}\n")
        L.append("| workload | latent s | careful s | tutorial s | latent samples/s | × careful | × tutorial "
                 "| loss diff careful | loss diff tutorial |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            if row["threads"] != t:
                continue
            L.append(f"| {LABEL[row['workload']]} | {fmt(row['latent']['seconds'], 3)} | "
                     f"{fmt(row['pytorch-careful']['seconds'], 3)} | {fmt(row['pytorch-tutorial']['seconds'], 3)} | "
                     f"{fmt(row['latent']['samples_per_second'], 0)} | {fmt(row['speedup_pytorch-careful'])} | "
                     f"{fmt(row['speedup_pytorch-tutorial'])} | {row['loss_diff_pytorch-careful'] * 100:.3f}% | "
                     f"{row['loss_diff_pytorch-tutorial'] * 100:.3f}% |")
        w4 = [r for r in rows if r["threads"] == t and r["workload"] == "w4"]
        if w4:
            r = w4[0]
            L.append("\nW4 single-image latency (W1 model, one image per call, median over rounds of each "
                     "round's p50 / p99):\n")
            L.append("| impl | p50 ms | p99 ms |")
            L.append("|---|---|---|")
            for impl in IMPLS:
                L.append(f"| {impl} | {fmt(r[impl]['p50'], 3)} | {fmt(r[impl]['p99'], 3)} |")
        g = gemm.get(t)
        if g:
            L.append(f"\nThe limit: sgemm through the same BLAS (torch::mm), {t} thread(s): large square 2048³ "
                     f"{g['square_2048']:.1f} GFLOP/s; at W1's shapes {g['w1']['gflops_per_second']:.1f} GFLOP/s; "
                     f"at W2's shapes {g['w2']['gflops_per_second']:.1f} GFLOP/s"
                     + (f"; at W5's shapes {g['w5']['gflops_per_second']:.1f} GFLOP/s." if "w5" in g else "."))
            k = g.get("kernel")
            if k:
                L.append(f"latent's own AVX-512 product (latent::gemm, which the dense layers use here), the same shapes: "
                         f"large square {k['square_2048']:.1f} GFLOP/s; W1's {k['w1']['gflops_per_second']:.1f}; "
                         f"W2's {k['w2']['gflops_per_second']:.1f}"
                         + (f"; W5's {k['w5']['gflops_per_second']:.1f}" if "w5" in k else "")
                         + ". The limit below is the faster of the two at each shape set.")
            L.append("")
            L.append("| workload | GFLOP per epoch | latent GFLOP/s | of the limit at its shapes | of the large-square limit |")
            L.append("|---|---|---|---|---|")
            for row in rows:
                if row["threads"] != t:
                    continue
                w = row["workload"]
                rate = row["latent"]["gflops_per_second"]
                flops = meta["flops"].get(w, float("nan"))
                at_shapes = limit(g, w)
                frac = f"{rate / at_shapes * 100:.0f}%" if at_shapes else ("n/a (conv)" if w == "w3" else "n/a")
                L.append(f"| {LABEL[w]} | {flops / 1e9:.2f} | {rate:.1f} | {frac} | "
                         f"{rate / limit(g, 'square_2048') * 100:.0f}% |")
            L.append("")
        L.append("")
    L.append("## Targets (issue 5), from the tables above\n")
    L.append("| threads | target | measured | met |")
    L.append("|---|---|---|---|")
    for t in threads:
        for row in rows:
            if row["threads"] != t:
                continue
            w = row["workload"]
            sc, st = row["speedup_pytorch-careful"], row["speedup_pytorch-tutorial"]
            if w in ("w1", "w2", "w3"):
                L.append(f"| {t} | {w.upper()} ≥ 2× tutorial PyTorch | {fmt(st)}× | {'yes' if st >= 2 else 'no'} |")
                L.append(f"| {t} | {w.upper()} ≥ 1.3× careful PyTorch | {fmt(sc)}× | {'yes' if sc >= 1.3 else 'no'} |")
            if w == "w2" and gemm.get(t):
                frac = row["latent"]["gflops_per_second"] / limit(gemm[t], "w2")
                L.append(f"| {t} | W2 ≥ 50% of the sgemm limit at its shapes | {frac * 100:.0f}% | {'yes' if frac >= 0.5 else 'no'} |")
            if w == "w4":
                p99 = row["latent"]["p99"]
                L.append(f"| {t} | W4 batched ≥ 1.5× careful PyTorch | {fmt(sc)}× | {'yes' if sc >= 1.5 else 'no'} |")
                L.append(f"| {t} | W4 single-image p99 < 1 ms | {fmt(p99, 3)} ms | {'yes' if p99 < 1 else 'no'} |")
            for impl in IMPLS[1:]:
                d = row["loss_diff_" + impl]
                if d == d:
                    L.append(f"| {t} | {w.upper()} final loss within 1% of {impl} | {d * 100:.2f}% | "
                             f"{'yes' if d <= 0.01 else 'no'} |")
    L.append("")
    L.append("FLOPs count the matrix products only: forward 2·MAC per layer, backward 2·MAC for the weight "
             "gradient plus 2·MAC for the input gradient (not on the first layer); W4 counts the forward only. "
             "The sgemm rate at a workload's shapes times each Linear's forward (X·Wᵀ), weight gradient (dYᵀ·X) "
             "and input gradient (dY·W) at batch 256 and weights them by FLOPs.\n")
    with open(path, "w") as f:
        f.write("\n".join(L))


FLOPS = {"w1": 15052800000.0, "w2": 341114880000.0, "w3": 179504640000.0, "w4": 1003520000.0, "w5": 252641280000.0}


def records_from_log(path):
    """Rebuilds the records and sgemm rates from a driver log (for a run stopped before its end).
    Uses the full 'record' lines when present, else the short per-run lines (no p50, no train loss)."""
    records, gemm, short = [], {}, []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if line.startswith("record "):
                records.append(json.loads(line[len("record "):]))
            elif len(parts) > 9 and parts[0] == "threads" and parts[1].endswith(":") and parts[2] == "sgemm":
                t = int(parts[1][:-1])
                gemm[t] = {"square_2048": float(parts[4]), "w1": {"gflops_per_second": float(parts[8].rstrip(","))},
                           "w2": {"gflops_per_second": float(parts[11])}}
            elif len(parts) > 7 and parts[0] == "threads" and parts[2] == "round":
                t, rnd, w, impl, secs = int(parts[1]), int(parts[3].split("/")[0]) - 1, parts[4], parts[5], float(parts[6])
                n = 10000 if w == "w4" else 60000
                res = {"seconds": secs, "samples_per_second": n / secs, "gflops_per_second": FLOPS[w] / secs / 1e9,
                       "flops": FLOPS[w], "final_train_loss": float("nan"), "mean_output": float("nan"),
                       "single_p50_ms": float("nan"), "single_p99_ms": float("nan"), "test_loss": float("nan")}
                if w == "w4":
                    res["single_p99_ms"] = float(parts[9])
                else:
                    res["test_loss"] = float(parts[10])
                short.append({"round": rnd, "impl": impl, "workload": w, "threads": t, "result": res})
    return (records or short), gemm


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--workloads", default="w1,w2,w3,w4,w5")
    p.add_argument("--workloads-at", default="", help="per thread count overrides, e.g. '2=w1,w4'")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--singles", type=int, default=2000)
    p.add_argument("--out", default=os.path.join(HERE, "results.md"))
    p.add_argument("--raw", default=os.path.join(HERE, "results.json"))
    p.add_argument("--from-json", default="", help="rewrite the tables from a finished run's results.json")
    p.add_argument("--note", default="", help="a line added to the header of results.md")
    p.add_argument("--from-log", default="", help="write the tables from a stopped run's log instead of running")
    p.add_argument("--shared-note", default="Other jobs may have shared the machine (the load averages show how "
                   "busy it was), so absolute times are noisy; the pairwise ratios are the figures to read.")
    args = p.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    workloads = args.workloads.split(",")
    per_threads = {t: workloads for t in threads}
    for item in filter(None, args.workloads_at.split(";")):
        t, ws = item.split("=")
        per_threads[int(t)] = ws.split(",")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "command": " ".join(["/usr/bin/python3", "bench/driver.py"] + sys.argv[1:]) if sys.argv[1:] else "make bench",
            "machine": machine(), "load_before": loadavg(), "runs": args.runs, "seed": args.seed,
            "batch": args.batch, "shared_note": args.shared_note, "flops": {},
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
            "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}}
    records, gemm = [], {}
    start = time.time()
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        meta, records = raw["meta"], raw["records"]
        gemm = {int(k): v for k, v in raw["gemm"].items()}
        # Only the thread counts asked for (--threads), of those the log has.
        records = [r for r in records if r["threads"] in threads]
        threads = sorted({r["threads"] for r in records})
        if args.note:
            meta["note"] = args.note
        write_markdown(args.out, meta, summarize(records, threads, workloads), gemm, threads, workloads)
        print(f"wrote {args.out}")
        return
    if args.note:
        meta["note"] = args.note
    if args.from_log:
        records, gemm = records_from_log(args.from_log)
        # Only the thread counts asked for (--threads), of those the log has.
        records = [r for r in records if r["threads"] in threads]
        threads = sorted({r["threads"] for r in records})
        meta["runs"] = max(r["round"] for r in records) + 1
        meta["command"] += " (tables rebuilt from the log of a run stopped early; see the note below)"
        meta["load_before"] = "not recorded"
        meta["note"] = ("these tables were rebuilt from the per-run lines of a driver log, because the run had to be "
                        "stopped before its end; rounds, seconds, test losses and p99 come from the log, while the "
                        "train losses and W4's p50 and mean output were not in it (shown as n/a / nan)."
                        + (" " + args.note if args.note else ""))
        for r in records:
            meta["flops"][r["workload"]] = r["result"]["flops"]
    for t in ([] if args.from_log else threads):
        g = run(command("latent", "gemm", t, args)[:1] + ["--workload", "gemm", "--threads", str(t),
                                                          "--batch", str(args.batch)], t, {})
        gemm[t] = g
        print(f"threads {t}: sgemm 2048^3 {g['square_2048']:.1f} GFLOP/s, W1 shapes "
              f"{g['w1']['gflops_per_second']:.1f}, W2 shapes {g['w2']['gflops_per_second']:.1f}"
              + (f"; latent::gemm {g['kernel']['square_2048']:.1f}, {g['kernel']['w1']['gflops_per_second']:.1f}, "
                 f"{g['kernel']['w2']['gflops_per_second']:.1f}" if g.get("kernel") else ""), flush=True)
        for rnd in range(args.runs):
            for w in per_threads[t]:
                order = IMPLS[rnd % 3:] + IMPLS[:rnd % 3]
                for impl in order:
                    res = run(command(impl, w, t, args), t, {})
                    meta["flops"][w] = res["flops"]
                    records.append({"round": rnd, "impl": impl, "workload": w, "threads": t, "result": res})
                    extra = (f" p99 {res['single_p99_ms']:.3f} ms" if w == "w4" else f" test loss {res['test_loss']:.6f}")
                    print(f"threads {t} round {rnd + 1}/{args.runs} {w} {impl:17s} {res['seconds']:8.3f} s{extra}"
                          f"  [{time.time() - start:.0f} s]", flush=True)
                    print("record " + json.dumps(records[-1]), flush=True)
    meta["load_after"] = loadavg()
    meta["blas"] = gemm[threads[0]].get("blas", "OpenBLAS 0.3.21 (pthread build), threads as run")
    rows = summarize(records, threads, workloads)
    write_markdown(args.out, meta, rows, gemm, threads, workloads)
    with open(args.raw, "w") as f:
        json.dump({"meta": meta, "gemm": {str(k): v for k, v in gemm.items()}, "records": records, "summary": rows},
                  f, indent=1)
    for row in rows:
        print(f"threads {row['threads']} {row['workload']}: latent {row['latent']['seconds']:.3f} s, "
              f"x careful {row['speedup_pytorch-careful']:.2f}, x tutorial {row['speedup_pytorch-tutorial']:.2f}, "
              f"loss diff careful {row['loss_diff_pytorch-careful'] * 100:.3f}% tutorial "
              f"{row['loss_diff_pytorch-tutorial'] * 100:.3f}%")
    print(f"wrote {args.out} and {args.raw} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
