#!/usr/bin/env bash
# The main job, on a fresh Debian machine with Swift: install what is missing, build for the native CPU, train
# the CNN teacher and the side models (general and specialized, distilled), evaluate general vs specialized EBJR
# with validation-chosen thresholds and bounds, and export the results (notebook), a side model (ONNX) and the
# recommended router (side.onnx, deep.onnx, router.json).
#   scripts/run-main.sh            # everything; reuses checkpoints that already exist
# Outputs: checkpoints/*.h5, runs/fmnist-ebjr/ (report.md, report.json, curves.csv, SVG plots, latency.md,
# mix-70/), notebooks-export/fmnist-ebjr.ipynb, runs/onnx/footwear-other.onnx, runs/router/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/system-deps.sh
scripts/build.sh
ebjr=.build/release/ebjr

$ebjr evaluate recipes/fmnist-ebjr.yaml
$ebjr export notebook runs/fmnist-ebjr --output notebooks-export/fmnist-ebjr.ipynb \
    --checkpoint checkpoints/fmnist-footwear-other.h5 --title "General vs specialized EBJR on Fashion-MNIST"
mkdir -p runs/onnx
$ebjr export onnx checkpoints/fmnist-footwear-other.h5 --output runs/onnx/footwear-other.onnx --energy-temperature 1
$ebjr export router runs/fmnist-ebjr --mix natural --output runs/router
echo "done: open runs/fmnist-ebjr/report.md (or notebooks-export/fmnist-ebjr.ipynb)"
