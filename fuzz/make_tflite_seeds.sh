#!/usr/bin/env bash
# Writes a seed corpus for tflite_importer_fuzzer into DIR: the shared models, prefixes of
# them, byte-flipped copies, and small hand-written models (one per mapped operator) that
# flatc compiles from JSON, so the fuzzer starts from inputs that reach every mapping.
#   fuzz/make_tflite_seeds.sh DIR        (shared data: $EDGEBENCH_SHARED, default ../shared)
set -euo pipefail

out=${1:?usage: make_tflite_seeds.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${EDGEBENCH_SHARED:-$repo/../shared}
schema=$repo/src/importers/tflite/tflite_schema.fbs
mkdir -p "$out"

flip() {  # flip(src, dst, seed): copy with 8 random bytes XOR-ed, positions biased to the structure
  python3 - "$1" "$2" "$3" <<'PY'
import random, sys
src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = bytearray(open(src, 'rb').read())
r = random.Random(seed)
for _ in range(8):
    # Tables and vectors of offsets sit near the start and the end of a TFLite file.
    pos = r.randrange(min(len(b), 8192)) if r.random() < 0.5 else len(b) - 1 - r.randrange(min(len(b), 65536))
    b[pos] ^= 1 << r.randrange(8)
open(dst, 'wb').write(b)
PY
}

if compgen -G "$shared/models/*.tflite" > /dev/null; then
  for m in "$shared"/models/*.tflite; do
    name=$(basename "$m" .tflite)
    size=$(stat -c %s "$m")
    cp "$m" "$out/$name.tflite"
    for frac in 1 10 50 90 99; do
      head -c $((size * frac / 100)) "$m" > "$out/$name.cut$frac"
    done
    for seed in 1 2 3; do flip "$m" "$out/$name.flip$seed" "$seed"; done
  done
else
  echo "make_tflite_seeds: no models under $shared/models; writing only the small models" >&2
fi

# Small models, written as flatc JSON. Float unless noted; buffers are base-10 byte lists.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f32() { python3 -c "import struct,sys; print(','.join(str(x) for x in struct.pack('<%df' % int(sys.argv[1]), *([0.5] * int(sys.argv[1])))))" "$1"; }
i32() { python3 -c "import struct,sys; v=[int(x) for x in sys.argv[1:]]; print(','.join(str(x) for x in struct.pack('<%di' % len(v), *v)))" "$@"; }

model() {  # model(name, opcodes, tensors, operators, inputs, outputs, buffers)
  cat > "$tmp/$1.json" <<JSON
{ "version": 3, "operator_codes": [$2],
  "subgraphs": [{ "tensors": [$3], "operators": [$4], "inputs": [$5], "outputs": [$6] }],
  "buffers": [{}, $7] }
JSON
  flatc -b -o "$tmp" "$schema" "$tmp/$1.json"
  cp "$tmp/$1.tflite" "$out/small_$1.tflite"
}

model conv '{"builtin_code": "CONV_2D", "deprecated_builtin_code": 3}' \
  '{"shape": [1,5,5,2], "name": "x"}, {"shape": [4,3,3,2], "buffer": 1, "name": "w"},
   {"shape": [4], "buffer": 2, "name": "b"}, {"shape": [1,3,3,4], "name": "y"}' \
  '{"inputs": [0,1,2], "outputs": [3], "builtin_options_type": "Conv2DOptions",
    "builtin_options": {"padding": "SAME", "stride_w": 2, "stride_h": 2, "fused_activation_function": "RELU6"}}' \
  0 3 "{\"data\": [$(f32 72)]}, {\"data\": [$(f32 4)]}"

model dwconv_q '{"builtin_code": "DEPTHWISE_CONV_2D", "deprecated_builtin_code": 4}' \
  '{"shape": [1,4,4,2], "type": "INT8", "name": "x", "quantization": {"scale": [0.5], "zero_point": [-1]}},
   {"shape": [1,3,3,4], "type": "INT8", "buffer": 1, "name": "w",
    "quantization": {"scale": [0.1,0.2,0.3,0.4], "zero_point": [0,0,0,0], "quantized_dimension": 3}},
   {"shape": [4], "type": "INT32", "buffer": 2, "name": "b", "quantization": {"scale": [0.05,0.1,0.15,0.2], "zero_point": [0,0,0,0]}},
   {"shape": [1,4,4,4], "type": "INT8", "name": "y", "quantization": {"scale": [0.25], "zero_point": [3]}}' \
  '{"inputs": [0,1,2], "outputs": [3], "builtin_options_type": "DepthwiseConv2DOptions",
    "builtin_options": {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 2}}' \
  0 3 "{\"data\": [$(python3 -c "print(','.join(['1']*36))")]}, {\"data\": [$(i32 1 2 3 4)]}"

model chain '{"builtin_code": "PAD", "deprecated_builtin_code": 34},
   {"builtin_code": "MAX_POOL_2D", "deprecated_builtin_code": 17},
   {"builtin_code": "MEAN", "deprecated_builtin_code": 40},
   {"builtin_code": "CONCATENATION", "deprecated_builtin_code": 2},
   {"builtin_code": "RESHAPE", "deprecated_builtin_code": 22},
   {"builtin_code": "FULLY_CONNECTED", "deprecated_builtin_code": 9},
   {"builtin_code": "ADD", "deprecated_builtin_code": 0},
   {"builtin_code": "MUL", "deprecated_builtin_code": 18},
   {"builtin_code": "SOFTMAX", "deprecated_builtin_code": 25},
   {"builtin_code": "LOGISTIC", "deprecated_builtin_code": 14},
   {"builtin_code": "RELU", "deprecated_builtin_code": 19},
   {"builtin_code": "RELU6", "deprecated_builtin_code": 21},
   {"builtin_code": "SQUEEZE", "deprecated_builtin_code": 43},
   {"builtin_code": "AVERAGE_POOL_2D", "deprecated_builtin_code": 1}' \
  '{"shape": [1,4,4,2], "name": "x"}, {"shape": [4,2], "type": "INT32", "buffer": 1, "name": "pads"},
   {"shape": [1,6,6,2], "name": "p"}, {"shape": [1,3,3,2], "name": "mp"},
   {"shape": [2], "type": "INT32", "buffer": 2, "name": "axes"}, {"shape": [1,1,1,2], "name": "m"},
   {"shape": [1,1,1,4], "name": "c"}, {"shape": [2], "type": "INT32", "buffer": 3, "name": "shape"},
   {"shape": [1,4], "name": "r"}, {"shape": [3,4], "buffer": 4, "name": "fcw"}, {"shape": [1,3], "name": "fc"},
   {"shape": [1,3], "name": "add"}, {"shape": [1,3], "name": "mul"}, {"shape": [1,3], "name": "sm"},
   {"shape": [1,3], "name": "lg"}, {"shape": [1,3], "name": "relu"}, {"shape": [1,3], "name": "relu6"},
   {"shape": [1,3,3,2], "name": "ap"}' \
  '{"opcode_index": 0, "inputs": [0,1], "outputs": [2]},
   {"opcode_index": 1, "inputs": [2], "outputs": [3], "builtin_options_type": "Pool2DOptions",
    "builtin_options": {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2, "filter_height": 2}},
   {"opcode_index": 13, "inputs": [3], "outputs": [17], "builtin_options_type": "Pool2DOptions",
    "builtin_options": {"padding": "SAME", "stride_w": 1, "stride_h": 1, "filter_width": 3, "filter_height": 3}},
   {"opcode_index": 2, "inputs": [17,4], "outputs": [5], "builtin_options_type": "ReducerOptions", "builtin_options": {"keep_dims": true}},
   {"opcode_index": 3, "inputs": [5,5], "outputs": [6], "builtin_options_type": "ConcatenationOptions", "builtin_options": {"axis": -1}},
   {"opcode_index": 4, "inputs": [6,7], "outputs": [8]},
   {"opcode_index": 5, "inputs": [8,9,-1], "outputs": [10], "builtin_options_type": "FullyConnectedOptions", "builtin_options": {}},
   {"opcode_index": 6, "inputs": [10,10], "outputs": [11], "builtin_options_type": "AddOptions", "builtin_options": {"fused_activation_function": "RELU"}},
   {"opcode_index": 7, "inputs": [11,11], "outputs": [12]},
   {"opcode_index": 8, "inputs": [12], "outputs": [13], "builtin_options_type": "SoftmaxOptions", "builtin_options": {"beta": 1.0}},
   {"opcode_index": 9, "inputs": [13], "outputs": [14]},
   {"opcode_index": 10, "inputs": [14], "outputs": [15]},
   {"opcode_index": 11, "inputs": [15], "outputs": [16]}' \
  0 16 "{\"data\": [$(i32 0 0 1 1 1 1 0 0)]}, {\"data\": [$(i32 -3 2)]}, {\"data\": [$(i32 1 4)]}, {\"data\": [$(f32 12)]}"

model quant '{"builtin_code": "QUANTIZE", "deprecated_builtin_code": 114}, {"builtin_code": "DEQUANTIZE", "deprecated_builtin_code": 6},
   {"builtin_code": "PADV2", "deprecated_builtin_code": 60}' \
  '{"shape": [1,2,2,1], "name": "x"}, {"shape": [1,2,2,1], "type": "UINT8", "name": "q", "quantization": {"scale": [0.1], "zero_point": [128]}},
   {"shape": [4,2], "type": "INT32", "buffer": 1, "name": "pads"},
   {"shape": [1], "type": "UINT8", "buffer": 2, "name": "v", "quantization": {"scale": [0.1], "zero_point": [128]}},
   {"shape": [1,3,3,1], "type": "UINT8", "name": "p", "quantization": {"scale": [0.1], "zero_point": [128]}},
   {"shape": [1,3,3,1], "name": "y"}' \
  '{"opcode_index": 0, "inputs": [0], "outputs": [1]}, {"opcode_index": 2, "inputs": [1,2,3], "outputs": [4]},
   {"opcode_index": 1, "inputs": [4], "outputs": [5]}' \
  0 5 "{\"data\": [$(i32 0 0 0 1 1 0 0 0)]}, {\"data\": [130]}"

echo "make_tflite_seeds: $(ls "$out" | wc -l) seeds in $out"
