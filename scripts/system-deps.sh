#!/usr/bin/env bash
# Install the Debian packages the toolkit needs, when they are missing (root or sudo required once).
#   libhdf5-dev pkg-config zlib1g-dev  — HDF5 checkpoints, gzip'd IDX
#   dataset-fashion-mnist              — the image data (/usr/share/datasets/fashion-mnist)
#   festlex-cmu                        — the CMU pronouncing dictionary (E-LANG, grapheme-to-phoneme)
#   python3-venv                       — virtual environments for the Python interop tests
#   libcairo2                          — cairosvg renders the report plots to PNG in the plot tests
set -euo pipefail

packages=(libhdf5-dev pkg-config zlib1g-dev dataset-fashion-mnist festlex-cmu python3-venv libcairo2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-venv is only needed when the default python3 cannot create environments.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
read -r -a missing <<< "${missing[*]}"
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system-deps: all present" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 || { echo "system-deps: error: apt-get update failed" >&2; exit 1; }
$sudo apt-get install -y -qq "${missing[@]}" >&2 || { echo "system-deps: error: apt-get install ${missing[*]} failed" >&2; exit 1; }
