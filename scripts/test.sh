#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages, a Python venv with h5py/numpy/onnx/
# onnxruntime/nbconvert, the serving venv with MLServer and tritonclient), builds in release for the native CPU and runs the whole test suite.
#   scripts/test.sh [extra swift test arguments, e.g. --filter EBJRTensorTests]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/system-deps.sh
EBJR_PYTHON=$(scripts/python-env.sh | tail -1)
export EBJR_PYTHON
echo "test: python for interop tests: $EBJR_PYTHON" >&2
# The serving tests' own venv (MLServer, tritonclient[http]; MLServer pins its own protobuf/grpc/FastAPI).
EBJR_SERVE_PYTHON=$(scripts/serve-env.sh | tail -1)
export EBJR_SERVE_PYTHON
echo "test: python for serving tests: $EBJR_SERVE_PYTHON" >&2

# Release build for the native CPU (numeric code is 10-100x slower in debug or without a CPU target);
# -enable-testing keeps @testable imports working.
source scripts/build.sh --flags-only
swift build -c release "${EBJR_NATIVE_FLAGS[@]}" -Xswiftc -enable-testing --build-tests
swift test -c release "${EBJR_NATIVE_FLAGS[@]}" -Xswiftc -enable-testing --skip-build "$@"
