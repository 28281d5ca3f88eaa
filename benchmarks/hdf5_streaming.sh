#!/usr/bin/env bash
# Trains on a synthetic HDF5 data set larger than the memory the run is allowed, and prints peak RSS and samples/s.
#
#   benchmarks/hdf5_streaming.sh [GB] [address-space limit in MiB] [cache_mb]      (defaults: 4 GB, 1536 MiB, 256)
#
# Writes (outside the repository) $EBJR_BENCH_DIR/synthetic-<GB>gb.h5, default /work/tmp/hdf5-streaming: uint8
# images [N, 3, 32, 32] (3,072 bytes each, N = GB·10⁹ / 3072) in 10 classes, each class brightening one region, in
# chunks of 64 rows; a 10,000-sample test group; no validation group (validation_fraction 0.01). Then trains an
# MLP 3072-64-10 for one epoch (normalisation statistics computed on the training split first: one more pass) under
# `prlimit --as` (the whole address space, so the data set cannot be mapped or loaded) and reports, from
# `/usr/bin/time -v`, the peak resident set size, and from ebjr the epoch's samples/s. The process fails (exit ≠ 0)
# if it needs more than the limit. Needs a release build (scripts/build.sh) and the venv's h5py (scripts/python-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
GB=${1:-4}
LIMIT_MB=${2:-1536}
CACHE_MB=${3:-256}
DIR=${EBJR_BENCH_DIR:-/work/tmp/hdf5-streaming}
PYTHON=${EBJR_PYTHON:-.venv/bin/python}
EBJR=${EBJR_BIN:-.build/release/ebjr}
mkdir -p "$DIR"
DATA="$DIR/synthetic-${GB}gb.h5"

if [[ ! -f "$DATA" ]]; then
  echo "writing $DATA ..." >&2
  "$PYTHON" - "$DATA" "$GB" <<'PY'
import sys, h5py, numpy as np
path, gb = sys.argv[1], float(sys.argv[2])
n = int(gb * 1e9 / 3072)
rng = np.random.default_rng(0)
def block(count):
    y = rng.integers(0, 10, count)
    x = rng.integers(0, 160, (count, 3, 32, 32), dtype=np.uint8)
    for c in range(10):  # class c brightens an 8x8 patch of channel c % 3
        r, col = (c // 4) * 8, (c % 4) * 8
        x[y == c, c % 3, r:r + 8, col:col + 8] += 90
    return x, y
with h5py.File(path + ".tmp", "w") as f:
    f.attrs["class_names"] = [f"class{c}" for c in range(10)]
    for split, count in [("train", n), ("test", 10000)]:
        g = f.create_group(split)
        images = g.create_dataset("images", (count, 3, 32, 32), np.uint8, chunks=(64, 3, 32, 32))
        labels = g.create_dataset("labels", (count,), np.int64)
        for start in range(0, count, 20000):
            x, y = block(min(20000, count - start))
            images[start:start + len(x)], labels[start:start + len(x)] = x, y
import os; os.replace(path + ".tmp", path)
print(f"{n} training samples", file=sys.stderr)
PY
fi

RECIPE="$DIR/synthetic-${GB}gb.yaml"
cat > "$RECIPE" <<YAML
name: hdf5-streaming-${GB}gb
seed: 0
data: {dataset: hdf5, path: $DATA, validation_fraction: 0.01, cache_mb: $CACHE_MB}
model: {preset: mlp, sizes: [3072, 64, 10]}
training: {epochs: 1, batch_size: 256, optimizer: adam, learning_rate: 0.001}
YAML

SIZE=$(stat -c %s "$DATA")
LOG="$DIR/run-${GB}gb.log"
echo "data set: $DATA ($((SIZE >> 20)) MiB); limit: address space $LIMIT_MB MiB; cache_mb $CACHE_MB" >&2
status=0
/usr/bin/time -v prlimit --as=$((LIMIT_MB << 20)) "$EBJR" train "$RECIPE" --quiet --output "$DIR/synthetic-${GB}gb.ckpt.h5" \
  >"$LOG.out" 2>"$LOG" || status=$?
cat "$LOG.out" >&2
PEAK_KB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$LOG")
RATE=$(sed -n 's/^epoch 1\/1: .*, \([0-9.]*\) samples\/s.*/\1/p' "$LOG")
grep -E '^(error|epoch|input normalization)' "$LOG" >&2 || true
echo "file $((SIZE >> 20)) MiB, address-space limit $LIMIT_MB MiB, cache $CACHE_MB MiB: exit $status, peak RSS $((PEAK_KB >> 10)) MiB, ${RATE:-?} samples/s"
exit $status
