#!/usr/bin/env python3
"""Tests of compare_seeds.py on hand-made run folders and PyTorch outputs (standard library only).

    python3 reference/pytorch/test_compare_seeds.py
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare_seeds.py")


def latent_run(root, seed, values):
    folder = os.path.join(root, f"lt{seed}")
    os.makedirs(folder)
    with open(os.path.join(folder, "metrics.json"), "w") as f:
        json.dump({"seed": seed, "variants": [{"name": n, "test": {"psnr_db": v}} for n, v in values.items()]}, f)
    return folder


def pytorch_doc(root, name, seed, values):
    path = os.path.join(root, name)
    with open(path, "w") as f:  # progress lines on stderr first, then the document, as the scripts print them
        f.write("a epoch 1/1 train_loss 0.1\n")
        f.write(json.dumps({"seed": seed, "variants": [{"name": n, "test": {"psnr_db": v}} for n, v in values.items()]}, indent=2))
    return path


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


class CompareSeeds(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_paired_means_and_standard_errors(self):
        # a: differences +0.5 and -0.25 -> mean +0.125, sd 0.53033, se 0.375; b: +1.0, +1.0 -> se 0
        l1 = latent_run(self.root, 1, {"a": 20.5, "b": 11.0})
        l2 = latent_run(self.root, 2, {"a": 19.75, "b": 12.0})
        p1 = pytorch_doc(self.root, "p1.log", 1, {"a": 20.0, "b": 10.0})
        # seed 2's PyTorch side in two files, the second only as a "result" line of a run stopped early
        p2a = pytorch_doc(self.root, "p2a.log", 2, {"a": 20.0})
        p2b = os.path.join(self.root, "p2b.log")
        with open(p2b, "w") as f:
            f.write("result " + json.dumps({"name": "b", "test": {"psnr_db": 11.0}}) + "\n")
        r = run(f"{l1}={p1}", f"{l2}={p2a},{p2b}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("metric: psnr_db", r.stdout)
        self.assertIn("| a | 2 (1-2) | 20.125 | 20.000 | +0.125 ± 0.375 | 1 of 2 |", r.stdout)
        self.assertIn("| b | 2 (1-2) | 11.500 | 10.500 | +1.000 ± 0.000 | 2 of 2 |", r.stdout)
        # pooled: +0.5, -0.25, +1, +1 -> mean 0.5625, sd 0.5907, se 0.2953
        self.assertIn("| all variants pooled | 4 pairs | 15.812 | 15.250 | +0.562 ± 0.295 | 3 of 4 |", r.stdout)
        r = run("--variants", "b", f"{l1}={p1}", f"{l2}={p2a},{p2b}")
        self.assertNotIn("| a |", r.stdout)
        self.assertIn("| b | 2 (1-2) |", r.stdout)
        self.assertNotIn("pooled", r.stdout)

    def test_a_seed_mismatch_is_an_error(self):
        l1 = latent_run(self.root, 1, {"a": 1.0})
        p = pytorch_doc(self.root, "p.log", 7, {"a": 1.0})
        r = run(f"{l1}={p}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("PyTorch ran seed 7", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)

    def test_missing_and_empty_inputs_are_one_line_errors(self):
        l1 = latent_run(self.root, 1, {"a": 1.0})
        empty = os.path.join(self.root, "empty.log")
        open(empty, "w").close()
        broken = os.path.join(self.root, "broken.log")
        with open(broken, "w") as f:
            f.write('result {"name": "a", "test"\n')
        for args, words in (([f"{l1}={empty}"], "no PyTorch results"), ([f"{l1}={broken}"], "a malformed 'result' line"), ([f"{self.root}/nope={empty}"], "nope: [Errno 2]"),
                            ([l1], "expected RUN=PYTORCH_OUTPUT")):
            r = run(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(words, r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_a_control_pairs_two_pytorch_outputs(self):
        p1 = pytorch_doc(self.root, "p1.log", 3, {"a": -246.5})
        q1 = pytorch_doc(self.root, "q1.log", 3, {"a": -246.25})
        r = run("--names", "PyTorch,nudged", f"{p1}={q1}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("| variant | seeds | PyTorch mean | nudged mean | PyTorch − nudged | PyTorch ahead |", r.stdout)
        self.assertIn("| a | 1 (3) | -246.500 | -246.250 | -0.250 | 0 of 1 |", r.stdout)
        undated = os.path.join(self.root, "u.log")
        with open(undated, "w") as f:
            f.write("result " + json.dumps({"name": "a", "test": {"psnr_db": 1.0}}) + "\n")
        r = run(f"{undated}={q1}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("records no seed", r.stderr)

    def test_the_same_seed_twice_is_an_error(self):
        l1 = latent_run(self.root, 1, {"a": 1.0})
        p = pytorch_doc(self.root, "p.log", 1, {"a": 0.5})
        r = run(f"{l1}={p}", f"{l1}={p}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("seed given twice", r.stderr)


if __name__ == "__main__":
    unittest.main()
