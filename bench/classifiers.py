#!/usr/bin/python3
"""Times the classifier studies mlp-fmnist and cnn-fmnist: latent beside careful and tutorial PyTorch.

For each thread count and each of --runs rounds, every study is run once by each implementation,
one process after the other with the order rotated each round:
  latent            BUILD/bin/latent run STUDY --set training.epochs=E --threads T --quiet --out TMP
                    (training seconds: TMP/metrics.json, variants[0].train_seconds);
  pytorch-careful   reference/pytorch/classifiers.py STUDY --style careful --epochs E --threads T
  pytorch-tutorial  reference/pytorch/classifiers.py STUDY --style tutorial ...
                    (training seconds: the train_seconds of its JSON line).
Every process gets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS equal to T; the
whole process is timed here, from start to exit. Reported per study and thread count: the median
over rounds of training and whole-process seconds, the median of the per-round ratios (PyTorch
seconds / latent seconds, > 1: latent is faster), the test accuracies and the load average.
Writes bench/classifiers.md and bench/classifiers.json. Standard library only.

    /usr/bin/python3 bench/classifiers.py [--runs 3] [--threads 1,2] [--studies mlp-fmnist,cnn-fmnist]
        [--epochs 1] [--train-limit N] [--build build]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ["latent", "pytorch-careful", "pytorch-tutorial"]
STUDIES = ["mlp-fmnist", "cnn-fmnist"]
TARGET = 1.2  # careful PyTorch's training seconds / latent's, at least


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def epochs_for(study, args):
    """--epochs N for every study, or STUDY=N,STUDY=N."""
    per = {}
    for item in str(args.epochs).split(","):
        if "=" in item:
            k, v = item.split("=")
            per[k] = int(v)
        else:
            per = {s: int(item) for s in STUDIES}
    return per.get(study, 1)


def run_once(impl, study, threads, args):
    """Runs one implementation once; returns its timings and test accuracy."""
    epochs = epochs_for(study, args)
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
                "MKL_NUM_THREADS": str(threads)})
    tmp = None
    if impl == "latent":
        tmp = tempfile.mkdtemp(prefix="latent-bench-")
        out_dir = os.path.join(tmp, "run")
        cmd = [os.path.join(args.build, "bin", "latent"), "run", study, "--set", f"training.epochs={epochs}",
               "--threads", str(threads), "--seed", str(args.seed), "--quiet", "--out", out_dir]
        if args.train_limit > 0:
            cmd += ["--set", f"data.train_limit={args.train_limit}"]
    else:
        cmd = [sys.executable, os.path.join(ROOT, "reference", "pytorch", "classifiers.py"), study,
               "--style", impl.split("-")[1], "--epochs", str(epochs), "--threads", str(threads),
               "--seed", str(args.seed)]
        if args.train_limit > 0:
            cmd += ["--train-limit", str(args.train_limit)]
    load = loadavg()
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    try:
        if out.returncode != 0:
            raise SystemExit(f"classifiers: error: {' '.join(cmd)} exited {out.returncode}: "
                             f"{(out.stderr or out.stdout).strip()[-800:]}")
        if impl == "latent":
            with open(os.path.join(out_dir, "metrics.json")) as f:
                m = json.load(f)
            v = m["variants"][0]
            res = {"train_seconds": v["train_seconds"], "test_accuracy": v["test"]["accuracy"],
                   "train_examples": v["train_examples"], "latent_wall_seconds": m["wall_seconds"]}
        else:
            j = json.loads(out.stdout.strip().splitlines()[-1])
            res = {k: j[k] for k in ("train_seconds", "test_accuracy", "train_examples", "import_seconds",
                                     "load_seconds", "eval_seconds")}
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    res.update({"process_seconds": wall, "epochs": epochs, "load_before": load})
    return res


def med(values):
    return statistics.median(values) if values else float("nan")


def fmt(x, digits=2):
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def summarize(records, threads, studies):
    rows = []
    for study in studies:
        for t in threads:
            by_round = {}
            for r in records:
                if r["threads"] == t and r["study"] == study:
                    by_round.setdefault(r["round"], {})[r["impl"]] = r["result"]
            if not by_round:
                continue
            row = {"study": study, "threads": t, "rounds": len(by_round),
                   "loads": [r["result"]["load_before"] for r in records if r["threads"] == t and r["study"] == study]}
            for impl in IMPLS:
                res = [v[impl] for v in by_round.values() if impl in v]
                accs = sorted({x["test_accuracy"] for x in res})
                row[impl] = {"train_seconds": med([x["train_seconds"] for x in res]),
                             "process_seconds": med([x["process_seconds"] for x in res]),
                             "test_accuracy": accs, "epochs": res[0]["epochs"] if res else None,
                             "train_examples": res[0]["train_examples"] if res else None}
            for impl in IMPLS[1:]:
                pairs = [v for v in by_round.values() if "latent" in v and impl in v]
                for what in ("train_seconds", "process_seconds"):
                    row[f"ratio_{what}_{impl}"] = med([p[impl][what] / p["latent"][what] for p in pairs])
            rows.append(row)
    return rows


def acc_text(accs):
    if not accs:
        return "n/a"
    return f"{accs[0]:.4f}" if len(accs) == 1 else f"{accs[0]:.4f}-{accs[-1]:.4f}"


def write_markdown(path, meta, rows):
    L = ["# Classifier studies: latent vs PyTorch, whole trainings\n",
         "Written by `bench/classifiers.py` (run by `make bench`). Do not edit by hand; rerun instead.\n",
         f"- Date (UTC): {meta['date']}",
         f"- Command: `{meta['command']}`",
         f"- Machine: {meta['cpu']}, {meta['cores']} cores, Linux {meta['kernel']}; PyTorch {meta['pytorch']} "
         "(Debian python3-torch, the same LibTorch 1.13 build latent links).",
         f"- Load average before / after: {meta['load_before']} / {meta['load_after']}. Other jobs may have "
         "shared the machine, so absolute times are noisy; the pairwise ratios are the figures to read.",
         f"- Each figure: median of {meta['runs']} rounds; in each round latent, careful PyTorch and tutorial "
         "PyTorch run one after the other (order rotated per round); a ratio is PyTorch seconds / latent seconds "
         "taken pair by pair in the same round, then the median of those ratios (> 1: latent is faster).",
         "- latent: `latent run STUDY --set training.epochs=E --threads T --quiet` (configs/STUDY.toml); careful "
         "and tutorial: `reference/pytorch/classifiers.py STUDY --style careful|tutorial` (the same model, "
         "initialisation, Adam 1e-3, batch 128, seed "
         f"{meta['seed']}). Careful: data in memory, a randperm per epoch, zero_grad(set_to_none=True); "
         "tutorial: TensorDataset + DataLoader(batch_size=128, shuffle=True), zero_grad(), loss.item() per batch.",
         "- Training s: the epochs only (latent: metrics.json's train_seconds, which leaves out its per-epoch "
         "evaluation; PyTorch: its train_seconds). Process s: the whole process, start to exit, timed by this "
         "script: PyTorch's includes importing torch, reading the IDX files and scoring the test set once; "
         "latent's includes reading the data, evaluating the test set after every epoch (mlp-fmnist and "
         "cnn-fmnist have no validation split), the classification report, figures, report.html and model.pt.",
         "- Threads: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS equal to the thread count for "
         "every process; latent also gets --threads, PyTorch torch.set_num_threads.",
         "- Data: Fashion-MNIST, " + (f"the first {meta['train_limit']:,} training images" if meta["train_limit"]
                                      else "60,000 training images") + ", all 10,000 test images.",
         f"- Target (issue): careful PyTorch's training seconds / latent's ≥ {TARGET} at 1 and 2 threads (the "
         "× careful column of the training-time table).",
         ""]
    if meta.get("note"):
        L.insert(-1, "- Note: " + meta["note"])
    L += ["## Training time\n",
          "| study | threads | epochs | latent s | careful s | tutorial s | × careful | × tutorial "
          f"| target ≥ {TARGET}× careful PyTorch |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["ratio_train_seconds_pytorch-careful"]
        L.append(f"| {r['study']} | {r['threads']} | {r['latent']['epochs']} | {fmt(r['latent']['train_seconds'])} | "
                 f"{fmt(r['pytorch-careful']['train_seconds'])} | {fmt(r['pytorch-tutorial']['train_seconds'])} | "
                 f"{fmt(c)} | {fmt(r['ratio_train_seconds_pytorch-tutorial'])} | "
                 f"{'yes' if c == c and c >= TARGET else 'no'} |")
    L += ["", "## Whole process\n",
          "| study | threads | latent s | careful s | tutorial s | × careful | × tutorial |",
          "|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['study']} | {r['threads']} | {fmt(r['latent']['process_seconds'])} | "
                 f"{fmt(r['pytorch-careful']['process_seconds'])} | {fmt(r['pytorch-tutorial']['process_seconds'])} | "
                 f"{fmt(r['ratio_process_seconds_pytorch-careful'])} | {fmt(r['ratio_process_seconds_pytorch-tutorial'])} |")
    L += ["", "## Test accuracy and load\n",
          "Test accuracy after the epochs (one value when every round gave the same; else the range). The load "
          "averages are those read before each process of the row started.\n",
          "| study | threads | training images | latent | careful | tutorial | load averages (1 min) |",
          "|---|---|---|---|---|---|---|"]
    for r in rows:
        loads = ", ".join(x.split()[0] for x in r["loads"])
        L.append(f"| {r['study']} | {r['threads']} | {r['latent']['train_examples']:,} | "
                 f"{acc_text(r['latent']['test_accuracy'])} | {acc_text(r['pytorch-careful']['test_accuracy'])} | "
                 f"{acc_text(r['pytorch-tutorial']['test_accuracy'])} | {loads} |")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def torch_version():
    try:
        out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                             text=True, timeout=120)
        return out.stdout.strip() or "not importable"
    except (OSError, subprocess.SubprocessError):
        return "not importable"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--studies", default=",".join(STUDIES))
    p.add_argument("--epochs", default="1", help="epochs for every study, or STUDY=N,STUDY=N (default 1)")
    p.add_argument("--train-limit", type=int, default=0, help="the first N training images only (a quick check)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(HERE, "classifiers.md"))
    p.add_argument("--raw", default=os.path.join(HERE, "classifiers.json"))
    p.add_argument("--note", default="", help="a line added to the header of the markdown")
    p.add_argument("--from-json", default="", help="rewrite the markdown from a finished run's JSON")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    threads = [int(t) for t in args.threads.split(",")]
    studies = [s for s in args.studies.split(",") if s]
    for s in studies:
        if s not in STUDIES:
            raise SystemExit(f"classifiers: error: --studies: unknown study '{s}' ({', '.join(STUDIES)})")
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        if args.note:
            raw["meta"]["note"] = args.note
        write_markdown(args.out, raw["meta"], raw["summary"])
        print(f"wrote {args.out}")
        return
    latent = os.path.join(args.build, "bin", "latent")
    if not os.access(latent, os.X_OK):
        raise SystemExit(f"classifiers: error: {latent}: not found (build first, or --build DIR)")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "command": " ".join(["/usr/bin/python3", "bench/classifiers.py"] + sys.argv[1:]),
            "cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(), "pytorch": torch_version(),
            "load_before": loadavg(), "runs": args.runs, "seed": args.seed, "train_limit": args.train_limit,
            "epochs": args.epochs, "note": args.note}
    records = []
    start = time.time()
    for t in threads:
        for rnd in range(args.runs):
            for study in studies:
                order = IMPLS[rnd % 3:] + IMPLS[:rnd % 3]
                for impl in order:
                    res = run_once(impl, study, t, args)
                    records.append({"round": rnd, "impl": impl, "study": study, "threads": t, "result": res})
                    print(f"threads {t} round {rnd + 1}/{args.runs} {study} {impl:17s} train {res['train_seconds']:8.2f} s"
                          f"  process {res['process_seconds']:8.2f} s  accuracy {res['test_accuracy']:.4f}"
                          f"  load {res['load_before'].split()[0]}  [{time.time() - start:.0f} s]", flush=True)
    meta["load_after"] = loadavg()
    rows = summarize(records, threads, studies)
    write_markdown(args.out, meta, rows)
    with open(args.raw, "w") as f:
        json.dump({"meta": meta, "records": records, "summary": rows}, f, indent=1)
    for r in rows:
        print(f"{r['study']} threads {r['threads']}: latent train {r['latent']['train_seconds']:.2f} s, "
              f"x careful {r['ratio_train_seconds_pytorch-careful']:.2f}, "
              f"x tutorial {r['ratio_train_seconds_pytorch-tutorial']:.2f}; process x careful "
              f"{r['ratio_process_seconds_pytorch-careful']:.2f}, x tutorial "
              f"{r['ratio_process_seconds_pytorch-tutorial']:.2f}")
    print(f"wrote {args.out} and {args.raw} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
