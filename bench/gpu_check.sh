#!/usr/bin/env bash
# The GPU check, in one prepared run on a machine lent through the device tool (DEVELOPERS.md):
# builds latent against the PyTorch wheel's LibTorch with what scripts/gpu_pack.sh packed, runs the
# test suite (its CUDA comparisons included), then W1-W5 on the GPU: latent against PyTorch eager
# (careful and tutorial) and torch.compile, and writes gpu_results.md and the raw JSON under OUT.
#   bench/gpu_check.sh [PACK]           PACK: scripts/gpu_pack.sh's folder (default build-gpu-pack)
# Environment: OUT (default /tmp/gpu-check), DEVICE (cuda), PY (python3), STAGES ("build bench test"),
#   WORKLOADS (w1 w2 w3 w5 w4), REPEAT (5), COMPILE (w1 w3: workloads also run under torch.compile),
#   BUILD_DIR (build-gpu), TORCH_PREFIX (the wheel's cmake prefix; default: asked of PY's torch).
# With DEVICE=cpu and TORCH_PREFIX=/usr it runs here on Debian's LibTorch (how the script is tested).
# Every stage logs to OUT/<stage>.log; a failed stage is reported and the next still runs.
set -uo pipefail
cd "$(dirname "$0")/.."
pack=$(realpath "${1:-build-gpu-pack}")
out=${OUT:-/tmp/gpu-check}
device=${DEVICE:-cuda}
py=${PY:-python3}
stages=${STAGES:-build bench test}
workloads=${WORKLOADS:-w1 w2 w3 w5 w4}
repeat=${REPEAT:-5}
compile=${COMPILE-w1 w3}
build=${BUILD_DIR:-build-gpu}
mkdir -p "$out"
status=0
say() { echo "gpu_check: $*" | tee -a "$out/summary.txt"; }
[ -d "$pack/include" ] || { say "$pack: not a gpu_pack folder (run scripts/gpu_pack.sh)"; exit 2; }

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
  "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
    torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device")' 2>&1
  nproc
} > "$out/machine.txt"

run_build() {
  local prefix=${TORCH_PREFIX:-$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')}
  local args=(-S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix"
              -DLATENT_VENDOR_DIR="$pack/include" -DLATENT_GTEST_SOURCE="$pack/googletest"
              -DLATENT_WITH_PLPLOT=OFF -DLATENT_WITH_ZLIB=OFF -DLATENT_WITH_LIBZIP=OFF
              -DLATENT_WITH_FETCH=OFF)
  command -v ninja >/dev/null && args+=(-G Ninja)
  local nvcc; nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
  [ -n "$nvcc" ] && args+=(-DCMAKE_CUDA_COMPILER="$nvcc")
  cmake "${args[@]}" && cmake --build "$build" -j"$(nproc)" --target latent_app latent_tests latent_workloads
}

# The IDX files unpacked once (the build above has no zlib).
data_dir() {
  local d="$build/fashion-mnist"
  if [ ! -f "$d/t10k-images-idx3-ubyte" ]; then
    mkdir -p "$d"
    "$py" - "$pack/fashion-mnist" "$d" <<'PYEOF'
import gzip, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    if name.endswith(".gz"):
        with gzip.open(os.path.join(src, name)) as f, open(os.path.join(dst, name[:-3]), "wb") as g:
            shutil.copyfileobj(f, g)
PYEOF
  fi
  echo "$d"
}

run_bench() {
  local data; data=$(data_dir) || return 1
  local common=(--device "$device" --data "$data")
  : > "$out/results.jsonl"
  for w in $workloads; do
    local train=(--warmup 1 --repeat "$repeat")
    [ "$w" = w4 ] && train=()
    echo "== $w latent"
    timeout 300 "$build/bin/latent_workloads" --workload "$w" "${common[@]}" "${train[@]}" >> "$out/results.jsonl" || echo "latent $w failed"
    for style in careful tutorial; do
      echo "== $w pytorch $style"
      timeout 300 "$py" bench/pytorch_workloads.py --workload "$w" --style "$style" "${common[@]}" "${train[@]}" \
        >> "$out/results.jsonl" || echo "pytorch $style $w failed"
    done
    if [[ " $compile " == *" $w "* ]]; then
      echo "== $w pytorch careful, torch.compile"
      timeout 300 "$py" bench/pytorch_workloads.py --workload "$w" --style careful --compile "${common[@]}" \
        --warmup 1 --repeat 3 >> "$out/results.jsonl" || echo "pytorch compile $w failed"
    fi
  done
  "$py" - "$out/results.jsonl" "$out/machine.txt" > "$out/gpu_results.md" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("# GPU check\n\n```\n" + open(sys.argv[2]).read().strip() + "\n```\n")
print("| workload | impl | seconds (median) | runs | latent speed-up | final train loss | test loss / mean output |")
print("|---|---|---:|---|---:|---:|---:|")
for w in dict.fromkeys(r["workload"] for r in rows):
    mine = [r for r in rows if r["workload"] == w]
    base = next((r["seconds"] for r in mine if r["impl"] == "latent"), None)
    for r in mine:
        speed = f"{r['seconds'] / base:.2f}x" if base and r["impl"] != "latent" else ""
        runs = " ".join(f"{s:.3f}" for s in r.get("runs_seconds", []))
        train = f"{r['final_train_loss']:.6f}" if "final_train_loss" in r else ""
        loss = r.get("test_loss", r.get("mean_output"))
        print(f"| {w} | {r['impl']} | {r['seconds']:.4f} | {runs} | {speed} | {train} | {loss:.6f} |")
    p = next((r for r in mine if r["impl"] == "latent" and "single_p99_ms" in r), None)
    if p:
        print(f"| {w} | latent single image | p50 {p['single_p50_ms']:.3f} ms, p99 {p['single_p99_ms']:.3f} ms | | | | |")
PYEOF
}

run_test() {
  (cd "$build" && ctest --output-on-failure -j"$(nproc)" --timeout 300)
}

for stage in $stages; do
  start=$(date +%s)
  "run_$stage" > "$out/$stage.log" 2>&1
  rc=$?
  say "$stage: rc $rc in $(( $(date +%s) - start )) s (log: $out/$stage.log)"
  [ $rc -ne 0 ] && status=1
  if [ "$stage" = build ] && [ $rc -ne 0 ]; then tail -40 "$out/build.log"; exit 1; fi
done
[ -f "$out/gpu_results.md" ] && cat "$out/gpu_results.md"
grep -E "tests passed|tests failed|\(Failed\)|\(SEGFAULT\)|\(Timeout\)|Skipped|Cuda" "$out/test.log" 2>/dev/null | head -40
exit $status
