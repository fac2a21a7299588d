#!/usr/bin/env bash
# Installs the Debian packages plinth needs to build and test, only if something is missing.
# Usage: tools/install-deps.sh   (run as root or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libboost-context-dev # gpu-emu backend: each GPU thread of a block as a fiber
  libopenblas-dev libtomlplusplus-dev nlohmann-json3-dev
  libutf8proc-dev libpcre2-dev libsentencepiece-dev
  libgtest-dev googletest
  golang-go python3   # language bindings: hosts/go (cgo), hosts/python (ctypes)
  hipcc               # hip backend (pulls libamdhip64-dev, clang-15, ROCm device libs)
  clang-15 libclang-common-15-dev  # tools/fuzz.sh: libFuzzer with ASan + UBSan
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
