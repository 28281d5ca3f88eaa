#!/usr/bin/env bash
# Load benchmark of `ebjr serve` (docs/serving.md, "Measured"): wrk on loopback against
#   (a) the deep CNN alone on MLServer (its ONNX export, Tests/ServeSupport/onnx_runtime.py), and
#   (b) `ebjr serve` with the footwear specialist in front of the same MLServer,
# on Fashion-MNIST test images at the natural mix and at a 70 % footwear mix; plus the side-answered latency,
# dynamic batching on vs off (batch sizes MLServer received), and an overload run (statuses, timeouts).
#
# usage: benchmarks/serve-load.sh [--duration S] [--connections N] [--criterion C] [--quick]
#   --duration S      seconds per wrk run (default 30); --quick: 3 s runs, to check the script works
#   --connections N   wrk connections at saturation (default 32)
#   --criterion C     operating point of the report (default accuracy-tolerance)
# needs: .build/release/ebjr (scripts/build.sh), checkpoints/fmnist-cnn.h5, checkpoints/fmnist-footwear-other.h5 and
# runs/fmnist-ebjr/report.json (scripts/run-main.sh); installs wrk (apt) and the serving venv (scripts/serve-env.sh).
# Run it on a quiet machine: the figures are only comparable within one run. Output: a JSON line per run and a
# summary in $EBJR_SERVE_LOAD_OUT (default: a fresh folder under /tmp), printed at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

duration=30 connections=32 criterion=accuracy-tolerance
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --criterion) criterion="$2"; shift 2 ;;
    --quick) duration=3; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "serve-load: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done

ebjr=${EBJR:-.build/release/ebjr}
side=${EBJR_SIDE:-checkpoints/fmnist-footwear-other.h5}
side_name=${EBJR_SIDE_NAME:-footwear-other-class}
deep=${EBJR_DEEP:-checkpoints/fmnist-cnn.h5}
report=${EBJR_REPORT:-runs/fmnist-ebjr/report.json}
for f in "$ebjr" "$side" "$deep" "$report"; do
  [[ -e "$f" ]] || { echo "serve-load: $f is missing (scripts/build.sh, scripts/run-main.sh)" >&2; exit 1; }
done
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v curl >/dev/null || apt-get install -y curl >/dev/null
py=$(scripts/serve-env.sh | tail -1)
venv_bin=$(dirname "$py")

out=${EBJR_SERVE_LOAD_OUT:-$(mktemp -d /tmp/ebjr-serve-load.XXXXXX)}
mkdir -p "$out/models/cnn"
results="$out/results.jsonl"
: > "$results"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done; echo "serve-load: $1 never became ready" >&2; exit 1; }

echo "serve-load: request bodies, ONNX export, MLServer" >&2
"$py" benchmarks/serve_load_bodies.py /usr/share/datasets/fashion-mnist "$out/bodies" >&2
"$ebjr" export onnx "$deep" --output "$out/models/cnn/cnn.onnx" >&2
cat > "$out/models/cnn/model-settings.json" <<JSON
{"name": "cnn", "implementation": "onnx_runtime.OnnxRuntimeModel", "parameters": {"uri": "./cnn.onnx"},
 "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28]}]}
JSON
mport=$(free_port)
cat > "$out/models/settings.json" <<JSON
{"http_port": $mport, "grpc_port": $(free_port), "metrics_port": $(free_port), "parallel_workers": 0, "host": "127.0.0.1"}
JSON
export EBJR_BATCH_LOG="$out/batches.txt"
PYTHONPATH="$root/Tests/ServeSupport" setsid "$venv_bin/mlserver" start "$out/models" > "$out/mlserver.log" 2>&1 &
pids+=($!)
deep_url="http://127.0.0.1:$mport/v2/models/cnn"
wait_ready "$deep_url/ready"

serve_pid=""
start_serve() {   # extra ebjr serve options
  [[ -n "$serve_pid" ]] && { kill -TERM -- "-$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
  eport=$(free_port)
  setsid "$ebjr" serve --side "$side" --deep-url "$deep_url" --deep-input-shape 1,28,28 --operating-point "$report" \
    --side-name "$side_name" --criterion "$criterion" --model-name fmnist --port "$eport" --log-level warning "$@" \
    > "$out/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  serve_url="http://127.0.0.1:$eport"
  wait_ready "$serve_url/v2/health/ready"
}

wrk_run() {   # name url bodies connections
  : > "$EBJR_BATCH_LOG"
  local line batches
  local threads=$(( $4 < 2 ? $4 : 2 ))
  line=$(EBJR_BODIES="$3" wrk -t"$threads" -c"$4" -d"${duration}s" --timeout 10s -s benchmarks/serve-load.lua "$2" | tail -1)
  batches=$("$py" -c 'import sys, collections, json; s = [int(x) for x in open(sys.argv[1]).read().split()]; c = collections.Counter(s); print(json.dumps({"calls": len(s), "mean": (sum(s) / len(s)) if s else 0, "sizes": dict(sorted(c.items()))}))' "$EBJR_BATCH_LOG")
  echo "{\"run\": \"$1\", \"connections\": $4, \"wrk\": $line, \"deep_batches\": $batches}" | tee -a "$results" >&2
}

echo "serve-load: $duration s per run, $connections connections" >&2
wrk_run deep-alone-natural "$deep_url/infer" "$out/bodies/mlserver-natural.jsonl" "$connections"
wrk_run deep-alone-footwear70 "$deep_url/infer" "$out/bodies/mlserver-footwear70.jsonl" "$connections"

start_serve
# The side-answered requests of the 70 % mix, found by asking the router once per body.
"$py" - "$serve_url" "$out/bodies/ebjr-footwear70.jsonl" "$out/bodies/ebjr-side-only.jsonl" <<'PY'
import json, sys, urllib.request
url, src, dst = sys.argv[1:4]
kept = 0
with open(src) as f, open(dst, "w") as g:
    for line in f:
        req = urllib.request.Request(url + "/v2/models/fmnist/infer", data=line.encode(), headers={"Content-Type": "application/json"})
        answer = json.load(urllib.request.urlopen(req))
        if [o for o in answer["outputs"] if o["name"] == "answered_by"][0]["data"] == ["side"]:
            g.write(line); kept += 1
print(f"serve-load: {kept} side-answered bodies", file=sys.stderr)
PY
wrk_run ebjr-natural "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-natural.jsonl" "$connections"
wrk_run ebjr-footwear70 "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-footwear70.jsonl" "$connections"
wrk_run ebjr-side-only-1conn "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-side-only.jsonl" 1
wrk_run ebjr-side-only "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-side-only.jsonl" "$connections"
curl -s "$serve_url/metrics" > "$out/metrics-batching-on.txt"

start_serve --no-batching
wrk_run ebjr-footwear70-no-batching "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-footwear70.jsonl" "$connections"

start_serve --queue-capacity 16 --max-in-flight 2
wrk_run ebjr-overload-footwear70 "$serve_url/v2/models/fmnist/infer" "$out/bodies/ebjr-footwear70.jsonl" 256
curl -s "$serve_url/metrics" > "$out/metrics-overload.txt"

"$py" - "$results" <<'PY' | tee "$out/summary.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| run | conns | req/s | p50 ms | p99 ms | 200 | 429 | 503 | other | timeouts+errors | deep calls | mean deep batch |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    w, b = r["wrk"], r["deep_batches"]
    errors = w["timeouts"] + w["connect_errors"] + w["read_errors"] + w["write_errors"]
    print(f"| {r['run']} | {r['connections']} | {w['rps']:.0f} | {w['p50_us'] / 1000:.3f} | {w['p99_us'] / 1000:.3f} | "
          f"{w['status_200']} | {w['status_429']} | {w['status_503']} | {w['status_other']} | {errors} | {b['calls']} | {b['mean']:.2f} |")
by = {r["run"]: r["wrk"] for r in rows}
a, e = by["deep-alone-footwear70"], by["ebjr-footwear70"]
print(f"\n70 % footwear mix: throughput {e['rps'] / a['rps']:.2f}x the deep model alone (target >= 2), "
      f"p50 {e['p50_us'] / a['p50_us']:.2f}x (target <= 0.4); side-answered p50 {by['ebjr-side-only-1conn']['p50_us'] / 1000:.3f} ms "
      f"at 1 connection (target <= 1 ms)")
for r in rows:
    if r["run"].startswith("ebjr-footwear70"):
        print(f"deep batch sizes, {r['run']}: {r['deep_batches']['sizes']}")
PY
echo "serve-load: results in $out" >&2
