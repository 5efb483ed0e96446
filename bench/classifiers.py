#!/usr/bin/python3
"""Times classifier studies (Fashion-MNIST, MedMNIST-shaped): latent beside careful and tutorial PyTorch.

For each thread count and each of --runs rounds, every study is run once by each implementation,
one process after the other with the order rotated each round:
  latent            BUILD/bin/latent run STUDY --set training.epochs=E --threads T --quiet --out TMP
                    (training seconds: TMP/metrics.json, variants[0].train_seconds);
  pytorch-careful   reference/pytorch/classifiers.py STUDY --style careful --epochs E --threads T
  pytorch-tutorial  reference/pytorch/classifiers.py STUDY --style tutorial ...
                    (training seconds: the train_seconds of its JSON line).
The MedMNIST-shaped rows train on synthetic .npz files that bench/medmnist_synth.py writes into a
temporary folder first (DermaMNIST's 7,007 / 1,003 / 2,005 RGB 28x28 images in 7 classes,
FractureMNIST3D's 1,027 / 103 / 240 volumes of 28^3 in 3 classes; --medmnist-scale shrinks them):
  derma-cnn         latent run medmnist --set data.path=SYNTH --set training.epochs=E ...
                    reference/pytorch/medmnist.py SYNTH --model cnn
  derma-resnet18    latent run path-resnet --set data.path=SYNTH ... / medmnist.py SYNTH --model resnet18
  fracture-cnn3d    latent run medmnist ... --set model.channels=[16,32,64] --set model.fc=[64]
                    --set training.batch_size=32 (fracture3d's cnn3d variant) / medmnist.py
                    --channels 16,32,64 --fc 64 --batch-size 32
Both sides validate on the val split after every epoch (loss, accuracy, ROC-AUC, best weights
kept); training seconds leave that out on both sides.
Every process gets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS equal to T; the
whole process is timed here, from start to exit. Reported per study and thread count: the median
over rounds of training and whole-process seconds, the median of the per-round ratios (PyTorch
seconds / latent seconds, > 1: latent is faster), the test accuracies and the load average.
Writes bench/classifiers.md and bench/classifiers.json (--out, --raw; bench/run.sh sends the
MedMNIST-shaped rows to bench/medmnist.md and .json). Standard library only.

    /usr/bin/python3 bench/classifiers.py [--runs 3] [--threads 1,2] [--studies mlp-fmnist,cnn-fmnist,...]
        [--epochs 1] [--train-limit N] [--medmnist-scale 1.0] [--build build]
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from driver import fmt, loadavg, machine, med  # noqa: E402  (the W1-W5 driver's helpers, shared)
ROOT = os.path.dirname(HERE)
IMPLS = ["latent", "pytorch-careful", "pytorch-tutorial"]
FMNIST_STUDIES = ["mlp-fmnist", "cnn-fmnist"]
# MedMNIST-shaped rows: (synthetic set of bench/medmnist_synth.py, latent's built-in study and its
# --set overrides besides data.path and training.epochs, reference/pytorch/medmnist.py's arguments).
# fracture3d's cnn3d variant is `latent run medmnist` with fracture3d's model and batch (fracture3d
# itself would train its 3-D ResNet-18 variant too).
MEDMNIST = {
    "derma-cnn": ("derma", "medmnist", [], ["--model", "cnn"]),
    "derma-resnet18": ("derma", "path-resnet", [], ["--model", "resnet18"]),
    "fracture-cnn3d": ("fracture", "medmnist", ["model.channels=[16,32,64]", "model.fc=[64]", "training.batch_size=32"],
                       ["--model", "cnn", "--channels", "16,32,64", "--fc", "64", "--batch-size", "32"]),
}
STUDIES = FMNIST_STUDIES + list(MEDMNIST)
TARGET = 1.2  # careful PyTorch's training seconds / latent's, at least


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
        spec = study
        if study in MEDMNIST:
            spec = MEDMNIST[study][1]
            if args.configs:
                spec = os.path.join(os.path.abspath(args.configs), spec + ".toml")
        cmd = [os.path.join(args.build, "bin", "latent"), "run", spec, "--set", f"training.epochs={epochs}",
               "--threads", str(threads), "--seed", str(args.seed), "--quiet", "--out", out_dir]
        if study in MEDMNIST:
            cmd += ["--set", f"data.path={args.synth[MEDMNIST[study][0]]}"]
            for s in MEDMNIST[study][2]:
                cmd += ["--set", s]
        elif args.train_limit > 0:
            cmd += ["--set", f"data.train_limit={args.train_limit}"]
    elif study in MEDMNIST:
        cmd = [sys.executable, os.path.join(ROOT, "reference", "pytorch", "medmnist.py"), args.synth[MEDMNIST[study][0]],
               *MEDMNIST[study][3], "--style", impl.split("-")[1], "--epochs", str(epochs), "--threads", str(threads),
               "--seed", str(args.seed)]
    else:
        cmd = [sys.executable, os.path.join(ROOT, "reference", "pytorch", "classifiers.py"), study,
               "--style", impl.split("-")[1], "--epochs", str(epochs), "--threads", str(threads),
               "--seed", str(args.seed)]
        if args.train_limit > 0:
            cmd += ["--train-limit", str(args.train_limit)]
    env.update(args.env.get(impl, {}))
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
            if isinstance(v["test"].get("roc_auc"), (int, float)):
                res["test_roc_auc"] = v["test"]["roc_auc"]
        else:
            j = json.loads(out.stdout.strip().splitlines()[-1])
            res = {k: j[k] for k in ("train_seconds", "test_accuracy", "train_examples", "import_seconds",
                                     "load_seconds", "eval_seconds", "val_seconds", "test_roc_auc") if k in j}
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    res.update({"process_seconds": wall, "epochs": epochs, "load_before": load})
    return res


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


def medmnist_lines(meta):
    studies = [s for s in meta.get("studies", []) if s in MEDMNIST]
    if not studies:
        return []
    scale = meta.get("medmnist_scale", 1.0)
    return [
        f"- MedMNIST-shaped rows ({', '.join(studies)}): synthetic data, not MedMNIST's: "
        "`bench/medmnist_synth.py` writes seeded .npz files in MedMNIST's layout into a temporary folder "
        "(derma: 7,007 / 1,003 / 2,005 RGB 28×28 images, 7 classes in DermaMNIST's proportions; fracture: "
        "1,027 / 103 / 240 volumes of 28³, 3 classes" + (f"; every split × {scale}" if scale != 1.0 else "") +
        "), noise around one smooth template per class, so the accuracies say only that training ran. "
        "latent: `latent run medmnist --set data.path=SYNTH.npz --set training.epochs=E` (the CNN of "
        "configs/medmnist.toml: conv 32-64-128, batch norm, global average pool, fc 128, dropout 0.3); "
        "derma-resnet18 is `latent run path-resnet --set data.path=SYNTH.npz ...` (torchvision's ResNet-18, "
        "MedMNIST's 3×3 stride-1 stem, no max-pool, the same recipe); fracture-cnn3d adds "
        "`--set model.channels=[16,32,64] "
        "--set model.fc=[64] --set training.batch_size=32` (fracture3d's cnn3d variant). PyTorch: "
        "`reference/pytorch/medmnist.py SYNTH.npz` with the same model, initialisation, Adam 1e-3, batch "
        "128 (fracture: 32), seed, careful or tutorial loop.",
        "- MedMNIST-shaped rows, evaluation: both sides score the validation split after every epoch (eval "
        "mode; loss, accuracy, one-vs-rest ROC-AUC; the best-AUC weights copied) and the test split once at "
        "the end; training s leaves the validation out on both sides (latent's train_seconds, medmnist.py's "
        "train_seconds), process s includes it. latent's process also writes its report, figures and "
        "model.pt.",
    ]


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
         "- mlp-fmnist and cnn-fmnist: latent: `latent run STUDY --set training.epochs=E --threads T --quiet` "
         "(configs/STUDY.toml); careful "
         "and tutorial: `reference/pytorch/classifiers.py STUDY --style careful|tutorial` (the same model, "
         "initialisation, Adam 1e-3, batch 128, seed "
         f"{meta['seed']}). Careful: data in memory, a randperm per epoch, zero_grad(set_to_none=True); "
         "tutorial: TensorDataset + DataLoader(batch_size=128, shuffle=True), zero_grad(), loss.item() per batch.",
         "- Training s: the epochs only (latent: metrics.json's train_seconds, which leaves out its per-epoch "
         "evaluation; PyTorch: its train_seconds). Process s: the whole process, start to exit, timed by this "
         "script: PyTorch's includes importing torch, reading the data (IDX files, .npz) and scoring the test set; "
         "latent's includes reading the data, evaluating the test set after every epoch (mlp-fmnist and "
         "cnn-fmnist have no validation split), the classification report, figures, report.html and model.pt.",
         "- Threads: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS equal to the thread count for "
         "every process; latent also gets --threads, PyTorch torch.set_num_threads.",
         *(["- Data (mlp-fmnist, cnn-fmnist): Fashion-MNIST, " +
            (f"the first {meta['train_limit']:,} training images" if meta["train_limit"] else "60,000 training images")
            + ", all 10,000 test images."] if set(meta.get("studies", FMNIST_STUDIES)) & set(FMNIST_STUDIES) else []),
         *medmnist_lines(meta),
         *([f"- Environment added: {meta['env']}"] if meta.get("env") else []),
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--studies", default=",".join(STUDIES))
    p.add_argument("--epochs", default="1", help="epochs for every study, or STUDY=N,STUDY=N (default 1)")
    p.add_argument("--train-limit", type=int, default=0,
                   help="the first N training images only (a quick check; Fashion-MNIST rows)")
    p.add_argument("--medmnist-scale", type=float, default=1.0,
                   help="size of the synthetic MedMNIST-shaped splits, x their published size (a quick check: 0.1)")
    p.add_argument("--configs", default="",
                   help="MedMNIST-shaped rows: latent runs DIR/STUDY.toml instead of its built-in STUDY")
    p.add_argument("--env", action="append", default=[], metavar="IMPL:NAME=VALUE",
                   help="an environment variable for one implementation's processes (latent, pytorch-careful, "
                        "pytorch-tutorial, or all), e.g. all:GLIBC_TUNABLES=glibc.malloc.mmap_threshold=268435456")
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
    env = {impl: {} for impl in IMPLS}
    for item in args.env:
        impl, _, kv = item.partition(":")
        name, eq, value = kv.partition("=")
        if impl not in IMPLS + ["all"] or not name or not eq:
            raise SystemExit(f"classifiers: error: --env {item}: IMPL:NAME=VALUE expected, IMPL one of "
                             f"{', '.join(IMPLS)} or all")
        for i in (IMPLS if impl == "all" else [impl]):
            env[i][name] = value
    args.env = env
    synth_dir = None
    args.synth = {}
    sets = sorted({MEDMNIST[s][0] for s in studies if s in MEDMNIST})
    if sets:
        synth_dir = tempfile.mkdtemp(prefix="latent-bench-medmnist-")
        for name in sets:
            path = os.path.join(synth_dir, f"synth-{name}.npz")
            out = subprocess.run([sys.executable, os.path.join(HERE, "medmnist_synth.py"), name, path, "--scale",
                                  str(args.medmnist_scale), "--seed", str(args.seed)], capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"classifiers: error: medmnist_synth.py {name}: {out.stderr.strip()[-800:]}")
            print(out.stdout.strip(), flush=True)
            args.synth[name] = path
    box = machine()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "command": " ".join(["/usr/bin/python3", "bench/classifiers.py"] + sys.argv[1:]),
            "cpu": box["cpu"], "cores": box["cores"], "kernel": box["kernel"], "pytorch": box["pytorch"],
            "load_before": loadavg(), "runs": args.runs, "seed": args.seed, "train_limit": args.train_limit,
            "epochs": args.epochs, "note": args.note, "studies": studies, "medmnist_scale": args.medmnist_scale,
            "env": {k: v for k, v in env.items() if v}}
    records = []
    start = time.time()
    try:
        run_all(args, threads, studies, records, start)
    finally:
        if synth_dir:
            shutil.rmtree(synth_dir, ignore_errors=True)
    finish(args, meta, records, threads, studies, start)


def run_all(args, threads, studies, records, start):
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


def finish(args, meta, records, threads, studies, start):
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
