#!/usr/bin/env bash
# Builds the libFuzzer harnesses in fuzz/ (AddressSanitizer, release) and runs each for a fixed time.
#   scripts/fuzz.sh                        # every harness, 600 s each, one after the other
#   scripts/fuzz.sh checkpoint 60          # one harness (checkpoint, logits, recipe, idx), 60 s
#   scripts/fuzz.sh --seeds                # rewrite the seed corpora fuzz/corpus/<harness>/ from the toolkit's writers
#   scripts/fuzz.sh --build                # build only
# New inputs go to fuzz/.work/<harness>/ (not committed), crashes to fuzz/findings/ (see docs/fuzzing.md for what
# to do with one). Runs at low priority (nice 15): the fuzzers use one core each.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
all=(checkpoint logits recipe idx)
build() {
    swift build --package-path fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        -Xcc -fsanitize=fuzzer-no-link,address >&2
}
bin() { echo "fuzz/.build/release/fuzz-$1"; }

case "${1:-}" in
--build) build; exit 0 ;;
--seeds)
    build
    for h in "${all[@]}"; do
        rm -rf "fuzz/corpus/$h"
        EBJR_FUZZ_WRITE_SEEDS="fuzz/corpus/$h" "$(bin "$h")"
    done
    for f in fuzz/corpus/idx/*-ubyte; do gzip -9 -n -c "$f" > "$f.gz"; done
    du -sh fuzz/corpus/*
    exit 0 ;;
esac

harnesses=("${all[@]}")
if [[ -n "${1:-}" && "${1:-}" != all ]]; then harnesses=("$1"); fi
seconds=${2:-600}
build
work=$(mktemp -d "${TMPDIR:-/tmp}/ebjr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p fuzz/findings
for h in "${harnesses[@]}"; do
    [[ -x "$(bin "$h")" ]] || { echo "unknown harness '$h' (one of: ${all[*]})" >&2; exit 2; }
    mkdir -p "fuzz/.work/$h"
    dict=(); [[ -f "fuzz/dictionaries/$h.dict" ]] && dict=(-dict="fuzz/dictionaries/$h.dict")
    # libhdf5 1.10 leaks a few hundred bytes inside H5Fopen when it refuses a damaged file (docs/fuzzing.md):
    # leak detection is off for the HDF5 harnesses, on for the others.
    # libhdf5 also allocates some sizes a file claims (a local heap's data segment) before it reads them; outside
    # the sanitizer that malloc fails or is never touched and the read error is one line, so for the HDF5 harnesses
    # an allocation over the limit returns NULL as it would there (Swift code still traps on it: a finding).
    leaks=(-detect_leaks=1); asan=""
    if [[ "$h" == checkpoint || "$h" == logits ]]; then leaks=(-detect_leaks=0); asan=allocator_may_return_null=1; fi
    echo "== fuzz-$h for ${seconds}s" >&2
    # -malloc_limit_mb: a reader that allocates what a file claims before checking it is a finding.
    # The harnesses lower EBJR_MAX_DATASET_BYTES to 64 MiB so that no legitimate read comes near that limit.
    # -fork=1 -ignore_crashes=1: keep fuzzing for the whole time after a finding (each is saved in fuzz/findings/).
    ASAN_OPTIONS="$asan" TMPDIR="$work" nice -n 15 "$(bin "$h")" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
        -artifact_prefix="fuzz/findings/$h-" "${leaks[@]}" "${dict[@]}" "fuzz/.work/$h" "fuzz/corpus/$h" > "fuzz/.work/$h.log" 2>&1 || true
    grep -E '^#[0-9]+' "fuzz/.work/$h.log" | tail -1 >&2
    echo "findings: $(ls fuzz/findings | grep -c "^$h-" || true) in fuzz/findings/ (log: fuzz/.work/$h.log)" >&2
done
