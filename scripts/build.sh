#!/usr/bin/env bash
# Build the toolkit for the CPU of this machine (release by default). The native-CPU flags live here, not in
# Package.swift, so that other packages can depend on EBJR (SwiftPM refuses unsafe flags in dependencies);
# without them the numeric kernels are scalar code, about 100x slower (docs/kernels.md).
#   scripts/build.sh                      # release build: .build/release/ebjr
#   scripts/build.sh --build-tests ...    # extra `swift build` arguments are passed on
#   source scripts/build.sh --flags-only  # defines EBJR_NATIVE_FLAGS (an array) and returns
set -euo pipefail
EBJR_NATIVE_FLAGS=(-Xswiftc -target-cpu -Xswiftc native -Xswiftc -enforce-exclusivity=unchecked
                   -Xcc -fno-math-errno -Xswiftc -DEBJR_NATIVE_CPU)
# AVX-512 cores get the wide GEMM tile (8 × 32 in zmm registers; docs/kernels.md), others the AVX2 one.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then EBJR_NATIVE_FLAGS+=(-Xswiftc -DEBJR_AVX512); fi
if [[ "${1:-}" == "--flags-only" ]]; then return 0 2>/dev/null || exit 0; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
exec swift build -c release "${EBJR_NATIVE_FLAGS[@]}" "$@"
