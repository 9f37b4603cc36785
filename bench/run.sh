#!/usr/bin/env bash
# Installs ONNX Runtime, OpenVINO and LiteRT from PyPI into bench/.venv, builds edgebench,
# and measures them side by side: bench/run.sh [compare_runtimes.py options].
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x bench/.venv/bin/python ]]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/pip install -q -r bench/requirements.txt
cmake -S . -B build -G Ninja >/dev/null && cmake --build build -j2 --target edgebench edgebench_gemm_peak
exec bench/.venv/bin/python bench/compare_runtimes.py "$@"
