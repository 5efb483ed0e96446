#!/usr/bin/python3
"""Word2Vec training speed: `latent word2vec` beside the original C word2vec on the same corpus and
settings (skip-gram, window 5, 5 negatives, 100 dimensions, min-count 5, sample 1e-3), at 1 and 2
threads; writes bench/word2vec.md.

The corpus: --corpus FILE, or (default) a seeded synthetic text of --words words drawn from a
Zipf-Mandelbrot law over 100,000 word types (p(rank) ~ 1 / (rank + 2.7)^1.05, sentences of 5 to 40
words), the shape of natural-language word frequencies, which is what subsampling, the negative
table and the caches see.

The anchor: the original word2vec program (tmikolov/word2vec's word2vec.c built with its makefile:
gcc -Ofast -march=native -funroll-loops -pthread) given as --word2vec PATH or found as `word2vec`
on PATH; Debian 12 ships no word2vec package. Without it only latent's rows are written.

Figures per run: training words per second per thread as each program reports it (latent: every
corpus word read, subsampled ones included, over the training's wall time, divided by the threads;
word2vec.c: the same count over its process CPU clock, its "Words/thread/sec", which counts its
end-of-line tokens too) and the whole command's wall seconds (reading the corpus, training, writing
the vectors).
"""
import argparse
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from driver import fmt, loadavg, machine, med  # noqa: E402  (the W1-W5 driver's helpers, shared)
ROOT = os.path.dirname(HERE)


def zipf_corpus(path, words, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    types = 100000
    ranks = np.arange(types, dtype=np.float64)
    p = 1.0 / (ranks + 2.7) ** 1.05
    p /= p.sum()
    names = np.array([f"w{r}" for r in range(types)])
    draws = rng.choice(types, size=words, p=p)
    lengths = rng.integers(5, 41, size=words // 5 + 1)
    with open(path, "w") as f:
        at = 0
        for n in lengths:
            if at >= words:
                break
            f.write(" ".join(names[draws[at:at + n]]) + "\n")
            at += n


def timed(cmd, threads):
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)})
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"word2vec bench: {' '.join(cmd)} exited {out.returncode}: {(out.stderr + out.stdout)[-500:]}")
    return out.stdout + out.stderr, seconds


def run_latent(args, corpus, out, threads):
    text, seconds = timed([os.path.join(args.build, "bin", "latent"), "word2vec", corpus, "-o", out, "--dim", "100",
                           "--window", "5", "--negative", "5", "--min-count", "5", "--sample", "1e-3", "--epochs",
                           str(args.epochs), "--threads", str(threads), "--quiet"], threads)
    m = re.search(r"in ([0-9.]+) s: ([0-9]+) words/s, ([0-9]+) per thread", text)
    if not m:
        raise SystemExit(f"word2vec bench: cannot read latent's speed from: {text[-300:]}")
    return {"per_thread": float(m.group(3)), "train_s": float(m.group(1)), "process_s": seconds}


def run_word2vec_c(args, corpus, out, threads):
    text, seconds = timed([args.word2vec, "-train", corpus, "-output", out, "-cbow", "0", "-size", "100", "-window",
                           "5", "-negative", "5", "-hs", "0", "-min-count", "5", "-sample", "1e-3", "-iter",
                           str(args.epochs), "-threads", str(threads), "-binary", "0"], threads)
    rates = re.findall(r"Words/thread/sec: ([0-9.]+)k", text)
    if not rates:
        raise SystemExit(f"word2vec bench: cannot read word2vec's speed from: {text[-300:]}")
    return {"per_thread": float(rates[-1]) * 1000, "train_s": float("nan"), "process_s": seconds}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default="build")
    p.add_argument("--word2vec", default=None, help="the original word2vec program (default: `word2vec` on PATH)")
    p.add_argument("--corpus", default=None, help="a text file (default: the synthetic Zipf corpus)")
    p.add_argument("--words", type=int, default=2000000, help="words of the synthetic corpus")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--out", default=os.path.join(HERE, "word2vec.md"))
    p.add_argument("--note", default="")
    args = p.parse_args()
    if args.word2vec is None:
        from shutil import which
        args.word2vec = which("word2vec")
    threads = [int(t) for t in args.threads.split(",")]
    load_before = loadavg()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = os.path.join(tmp, "zipf.txt")
            zipf_corpus(corpus, args.words, 1)
        words = sum(len(line.split()) for line in open(corpus, errors="replace"))
        results = {}
        for t in threads:
            for r in range(args.runs):
                impls = ["latent"] + (["word2vec.c"] if args.word2vec else [])
                if r % 2:
                    impls.reverse()
                for impl in impls:
                    run = run_latent if impl == "latent" else run_word2vec_c
                    res = run(args, corpus, os.path.join(tmp, "vectors.txt"), t)
                    results.setdefault((impl, t), []).append(res)
                    print(f"{impl} threads={t} round={r + 1}: {res['per_thread']:.0f} words/s/thread, "
                          f"{res['process_s']:.2f} s", file=sys.stderr)
    m = machine()
    lines = ["# Word2Vec training speed: latent vs the original word2vec", "",
             "Written by `bench/word2vec.py`. Do not edit by hand; rerun instead.", "",
             f"- Date (UTC): {datetime.datetime.utcnow():%Y-%m-%d %H:%M}",
             f"- Command: `/usr/bin/python3 bench/word2vec.py {' '.join(sys.argv[1:])}`",
             f"- Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}.",
             f"- Load average before / after: {load_before} / {loadavg()}. Other jobs may have shared the machine.",
             f"- Corpus: {'`' + args.corpus + '`' if args.corpus else 'synthetic Zipf-Mandelbrot text (seed 1, 100,000 word types)'}"
             f", {words:,} words; {args.epochs} epoch(s).",
             "- Settings on both sides: skip-gram, 100 dimensions, window 5, 5 negative samples, min-count 5, "
             "sample 1e-3, default learning rate 0.025.",
             "- latent: `latent word2vec CORPUS -o OUT --dim 100 --window 5 --negative 5 --min-count 5 --sample 1e-3 "
             "--epochs E --threads T` (Release build, generic x86-64 flags).",
             "- word2vec.c: " + (f"`{args.word2vec} -train CORPUS -output OUT -cbow 0 -size 100 -window 5 -negative 5 "
                                 "-hs 0 -min-count 5 -sample 1e-3 -iter E -threads T` (tmikolov/word2vec's word2vec.c, "
                                 "built with its makefile's `-Ofast -march=native -funroll-loops`)"
                                 if args.word2vec else "not available (no `word2vec` on PATH, no --word2vec)"),
             "- words/s/thread: latent: corpus words read (subsampled ones included) x epochs / training wall seconds "
             "/ threads; word2vec.c: its own Words/thread/sec (the same count, end-of-line tokens included, over the "
             "process CPU clock). Process s: the whole command, start to exit (reading, training, writing text "
             "vectors). Each figure: the median of the rounds; the programs alternate within a round.",
             ]
    if args.note:
        lines.append(f"- Note: {args.note}")
    lines += ["", "| threads | latent words/s/thread | word2vec.c words/s/thread | latent / word2vec.c | "
              "latent process s | word2vec.c process s |", "|---|---|---|---|---|---|"]
    for t in threads:
        lat = results.get(("latent", t), [])
        ref = results.get(("word2vec.c", t), [])
        lw, rw = med([x["per_thread"] for x in lat]), med([x["per_thread"] for x in ref])
        ratio = lw / rw if ref else float("nan")
        lines.append(f"| {t} | {lw:,.0f} | {'n/a' if not ref else f'{rw:,.0f}'} | {fmt(ratio)} | "
                     f"{fmt(med([x['process_s'] for x in lat]))} | {fmt(med([x['process_s'] for x in ref]))} |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
