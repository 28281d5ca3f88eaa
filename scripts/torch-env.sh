#!/usr/bin/env bash
# Ensure the benchmark virtual environment (PyTorch, NumPy with its OpenBLAS, threadpoolctl) and print its python.
#
# Usage:
#   PY=$(scripts/torch-env.sh | tail -1)
#   "$PY" benchmarks/pytorch_reference.py --threads 2
#
# Default: `.venv-bench` in the repository root (git-ignored). Idempotent: reused as it is when
# `import torch, numpy, threadpoolctl` works. torch from PyPI brings the CUDA wheels (~5 GB) though the benchmarks
# use the CPU only. The python path is the last line of stdout; progress goes to stderr.
#
# Environment:
#   EBJR_TORCH_ENV    location of the environment (default: <repo>/.venv-bench)
#   EBJR_TORCH_SPEC   pip requirement for torch (default: torch), e.g. "torch==2.15.0" or a CPU-only
#                     wheel available through PIP_FIND_LINKS such as "torch==2.13.0+cpu"
#   EBJR_BASE_PYTHON  interpreter used to create it (default: python3)
set -euo pipefail

case "${1:-}" in
  "") ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "torch-env: error: unknown argument '$1' (see --help)" >&2; exit 1 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
exec "$here/python-env.sh" \
  --venv "${EBJR_TORCH_ENV:-$root/.venv-bench}" \
  --packages "${EBJR_TORCH_SPEC:-torch} numpy threadpoolctl h5py" \
  --imports "torch numpy threadpoolctl h5py" \
  --label torch-env
