#!/usr/bin/env bash
# Ensure a Python virtual environment for the project's Python-side tools and print its python.
#
# Usage:
#   PY=$(scripts/python-env.sh | tail -1)
#
# Default: `.venv` in the repository root (git-ignored) with h5py numpy onnx onnxruntime nbformat
# nbconvert ipykernel matplotlib pandas scikit-learn cairosvg (SVG → PNG for the plot tests; needs Debian libcairo2).
# Idempotent: an environment whose python imports every
# package is reused as it is; a missing or incomplete one is created or completed with pip.
# The python path is the last line of stdout; progress and errors go to stderr. No TTY needed
# (works with CI=true and no standard input).
#
# Environment:
#   EBJR_PYTHON_ENV   location of the environment (default: <repo>/.venv)
#   EBJR_BASE_PYTHON  interpreter used to create it (default: python3)
#
# Options (used by scripts/torch-env.sh; not needed for the default environment):
#   --venv DIR          environment location (overrides EBJR_PYTHON_ENV)
#   --packages "A B"    pip requirement specifiers to install
#   --imports "a b"     modules whose import proves the environment complete
#   --label NAME        name used in messages
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${EBJR_PYTHON_ENV:-$root/.venv}"
packages="h5py numpy onnx onnxruntime nbformat nbconvert ipykernel matplotlib pandas scikit-learn cairosvg"
imports="h5py numpy onnx onnxruntime nbformat nbconvert ipykernel matplotlib pandas sklearn cairosvg"
label="python-env"
die() { echo "$label: error: $*" >&2; exit 1; }
log() { echo "$label: $*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --venv) [[ $# -ge 2 ]] || die "--venv needs a value"; venv="$2"; shift 2 ;;
    --packages) [[ $# -ge 2 ]] || die "--packages needs a value"; packages="$2"; shift 2 ;;
    --imports) [[ $# -ge 2 ]] || die "--imports needs a value"; imports="$2"; shift 2 ;;
    --label) [[ $# -ge 2 ]] || die "--label needs a value"; label="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
py="$venv/bin/python"

# True when the environment's python runs and imports every module of $imports.
complete() {
  [[ -x "$py" ]] || return 1
  local stmt="" m
  for m in $imports; do stmt+="import $m;"; done
  "$py" -c "$stmt" >/dev/null 2>&1
}

# One environment build at a time (parallel CI jobs, two terminals).
if command -v flock >/dev/null 2>&1; then
  mkdir -p "$venv"
  exec 9>"$venv/.ebjr-env.lock"
  flock 9
fi

if complete; then
  log "reusing $venv"
  echo "$py"
  exit 0
fi

base="${EBJR_BASE_PYTHON:-python3}"
command -v "$base" >/dev/null 2>&1 || die "'$base' not found; install Python 3 (Debian: apt-get install -y python3 python3-venv) or set EBJR_BASE_PYTHON"

if ! "$py" -c 'import sys' >/dev/null 2>&1; then
  log "creating virtual environment $venv"
  "$base" -m venv "$venv" >&2 || die "'$base -m venv $venv' failed (Debian: apt-get install -y python3-venv)"
fi

if ! "$py" -m pip --version >/dev/null 2>&1; then
  log "bootstrapping pip in $venv"
  "$py" -m ensurepip --upgrade >&2 || die "$venv has no pip and ensurepip failed"
fi

logfile="$venv/pip-install.log"
log "pip install $packages (log: $logfile)"
# shellcheck disable=SC2086  # $packages is a list of requirement specifiers.
if ! "$py" -m pip install --disable-pip-version-check --no-input --progress-bar off $packages >"$logfile" 2>&1; then
  tail -n 15 "$logfile" >&2 || true
  die "pip install failed for: $packages (full log: $logfile)"
fi
complete || die "packages installed but 'import ${imports// /, }' still fails in $py (log: $logfile)"

log "ready: $venv"
echo "$py"
