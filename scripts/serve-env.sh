#!/usr/bin/env bash
# Ensure the serving-test virtual environment (MLServer, the official Triton HTTP client, onnxruntime, NumPy, h5py)
# and print its python.
#
# Usage:
#   PY=$(scripts/serve-env.sh | tail -1)
#   EBJR_SERVE_PYTHON=$PY swift test --filter ServeTests
#
# Default: `.venv-serve` in the repository root (git-ignored), separate from `.venv` because MLServer pins its
# own versions of protobuf, grpcio and FastAPI. Idempotent: reused as it is when `import mlserver, tritonclient.http,
# onnxruntime, numpy, h5py` works. The python path is the last line of stdout; progress goes to stderr.
#
# Environment:
#   EBJR_SERVE_ENV    location of the environment (default: <repo>/.venv-serve)
#   EBJR_BASE_PYTHON  interpreter used to create it (default: python3)
set -euo pipefail

case "${1:-}" in
  "") ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "serve-env: error: unknown argument '$1' (see --help)" >&2; exit 1 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
exec "$here/python-env.sh" \
  --venv "${EBJR_SERVE_ENV:-$root/.venv-serve}" \
  --packages "mlserver tritonclient[http] onnxruntime numpy h5py" \
  --imports "mlserver tritonclient.http onnxruntime numpy h5py" \
  --label serve-env
