#!/usr/bin/env bash
# Short fuzzing for CI: builds the libFuzzer targets with clang + ASan/UBSan in
# build-fuzz/ and runs each importer's fuzzer for SECONDS (default 25) on fresh seeds, and the
# packed-weight cache's reader for a third of that.
# Long runs: the same binaries with -max_total_time=660 (see the README).
#   fuzz/run_short.sh [SECONDS]
set -euo pipefail
secs=${1:-25}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${EDGEBENCH_FUZZ_BUILD:-$repo/build-fuzz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DEDGEBENCH_FUZZ=ON -DEDGEBENCH_SANITIZE=ON -DEDGEBENCH_TESTS=OFF >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$build" -j2 --target tflite_importer_fuzzer onnx_importer_fuzzer pack_cache_fuzzer \
  >"$work/build.log" ||
  { tail -50 "$work/build.log"; exit 1; }

for target in tflite onnx; do
  mkdir -p "$work/$target-seeds" "$work/$target-corpus"
  bash "$repo/fuzz/make_${target}_seeds.sh" "$work/$target-seeds" >/dev/null
  extra=()
  [[ -f $repo/fuzz/$target.dict ]] && extra+=("-dict=$repo/fuzz/$target.dict")
  echo "fuzzing the $target importer for ${secs}s"
  (cd "$work" && "$build/${target}_importer_fuzzer" "$work/$target-corpus" "$work/$target-seeds" \
    -max_total_time="$secs" -rss_limit_mb=4096 -max_len=5000000 -print_final_stats=1 \
    "${extra[@]}" 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done" )
done

# A valid cache file for the key "key" (pack_cache.h): magic, key, one entry of 16 bytes at 128.
mkdir -p "$work/pack-seeds" "$work/pack-corpus"
{
  printf 'EBPACK1\n\x03\0\0\0\0\0\0\0key\x01\0\0\0\0\0\0\0'
  printf '%064d' 0
  printf '\x80\0\0\0\0\0\0\0\x10\0\0\0\0\0\0\0'
  head -c $((128 - 107)) /dev/zero
  printf '0123456789abcdef'
} >"$work/pack-seeds/one_entry"
echo "fuzzing the packed-weight cache reader for $((secs / 3))s"
(cd "$work" && "$build/pack_cache_fuzzer" "$work/pack-corpus" "$work/pack-seeds" \
  -max_total_time="$((secs / 3))" -max_len=4096 -print_final_stats=1 2>&1 |
  grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done")
