#!/usr/bin/env bash
# Installs the Debian 12 packages edgebench needs to build and test (run as root).
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git python3
  libflatbuffers-dev flatbuffers-compiler
  libjpeg62-turbo-dev libturbojpeg0-dev libpng-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libzstd-dev
  libgtest-dev libbenchmark-dev
  clang libclang-rt-14-dev
  libdnnl-dev ocl-icd-opencl-dev
  libxnnpack-dev libpthreadpool-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
