#!/usr/bin/env bash
# Writes a seed corpus for onnx_importer_fuzzer into DIR: small node-test models from
# libonnx-testdata, prefixes of the zoo's mobilenet_v2, ONNX Runtime's quantized fixtures, and
# small hand-written models
# with initializers (text format, encoded by protoc) that reach every operator mapping.
#   fuzz/make_onnx_seeds.sh DIR        (shared data: $EDGEBENCH_SHARED, default ../shared)
set -euo pipefail

out=${1:?usage: make_onnx_seeds.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${EDGEBENCH_SHARED:-$repo/../shared}
node=/usr/share/libonnx-testdata/data/node
proto_dir=/usr/include/onnx
mkdir -p "$out"

if [[ -d $node ]]; then
  for t in test_conv_with_strides_padding test_conv_with_autopad_same test_gemm_all_attributes \
           test_matmul_2d test_reshape_negative_dim test_softmax_axis_0 test_averagepool_2d_ceil \
           test_maxpool_2d_same_lower test_concat_3d_axis_1 test_constant_pad test_batchnorm_example \
           test_clip_splitbounds test_transpose_default test_unsqueeze_axis_0 test_squeeze \
           test_flatten_axis2 test_dropout_default test_add_bcast test_sigmoid test_constant \
           test_quantizelinear test_dequantizelinear test_dequantizelinear_axis test_qlinearconv \
           test_qlinearmatmul_2D test_reduce_mean_keepdims_example; do
    [[ -f $node/$t/model.onnx ]] && cp "$node/$t/model.onnx" "$out/$t.onnx"
  done
else
  echo "make_onnx_seeds: $node absent (install libonnx-testdata); skipping node tests" >&2
fi

if [[ -f $shared/zoo/mobilenet_v2/model.onnx ]]; then
  # Nodes come first in a serialized GraphProto, so a prefix holds the whole graph and
  # the start of the weights.
  for n in 4096 65536 199999; do head -c $n "$shared/zoo/mobilenet_v2/model.onnx" > "$out/mobilenet_v2.cut$n"; done
else
  echo "make_onnx_seeds: no $shared/zoo/mobilenet_v2; skipping it" >&2
fi

# ONNX Runtime quantize_static output, QDQ and QOperator (com.microsoft operators).
for f in onnx_qdq onnx_qop; do
  if [[ -f $repo/tests/fixtures/$f/model.onnx ]]; then
    cp "$repo/tests/fixtures/$f/model.onnx" "$out/ort_$f.onnx"
  fi
done

# Small models in protobuf text format. f32 N: N floats as a raw_data string.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f32() { python3 -c "import struct,sys; n=int(sys.argv[1]); print(''.join('\\\\%03o' % c for c in struct.pack('<%df' % n, *[((i * 7) % 11 - 5) / 8 for i in range(n)])))" "$1"; }
encode() {  # encode NAME < text
  cat > "$tmp/$1.txt"
  protoc --encode=onnx.ModelProto -I"$proto_dir" "$proto_dir/onnx.proto" < "$tmp/$1.txt" > "$out/small_$1.onnx"
}
vi() {  # vi NAME d0 d1 ...: a float32 ValueInfo
  local name=$1; shift
  printf '{ name: "%s" type { tensor_type { elem_type: 1 shape {' "$name"
  for d in "$@"; do printf ' dim { dim_value: %s }' "$d"; done
  printf ' } } } }'
}
init() {  # init NAME N d0 d1 ...: a float32 initializer of N values
  local name=$1 n=$2; shift 2
  printf 'initializer { name: "%s" data_type: 1' "$name"
  for d in "$@"; do printf ' dims: %s' "$d"; done
  printf ' raw_data: "%s" }\n' "$(f32 "$n")"
}
i64() {  # i64 NAME v0 v1 ...: a 1-D int64 initializer
  local name=$1; shift
  printf 'initializer { name: "%s" data_type: 7 dims: %s' "$name" "$#"
  for v in "$@"; do printf ' int64_data: %s' "$v"; done
  printf ' }\n'
}
attr_i() { printf 'attribute { name: "%s" type: INT i: %s }' "$1" "$2"; }
attr_is() { local n=$1; shift; printf 'attribute { name: "%s" type: INTS' "$n"; for v in "$@"; do printf ' ints: %s' "$v"; done; printf ' }'; }
attr_f() { printf 'attribute { name: "%s" type: FLOAT f: %s }' "$1" "$2"; }
attr_s() { printf 'attribute { name: "%s" type: STRING s: "%s" }' "$1" "$2"; }

encode convnet <<EOF
ir_version: 7 opset_import { domain: "" version: 13 }
graph { name: "convnet"
  input $(vi x 1 3 9 9)
  output $(vi y 1 5)
  $(init w1 108 4 3 3 3) $(init b1 4 4) $(init w2 8 8 1 1 1)
  $(init s 8 8) $(init bb 8 8) $(init mean 8 8) $(init var 8 8)
  $(init fc 40 5 8) $(init fcb 5 5)
  node { input: "x" input: "w1" input: "b1" output: "c1" op_type: "Conv" name: "c1" $(attr_is pads 1 1 1 1) $(attr_is strides 2 2) }
  node { input: "c1" output: "r1" op_type: "Relu" }
  node { input: "r1" input: "w2" output: "c2" op_type: "Conv" $(attr_i group 4) $(attr_s auto_pad SAME_UPPER) }
  node { output: "lo" op_type: "Constant" $(attr_f value_float 0) }
  node { output: "hi" op_type: "Constant" $(attr_f value_float 6) }
  node { input: "c2" input: "lo" input: "hi" output: "r2" op_type: "Clip" }
  node { input: "r2" input: "s" input: "bb" input: "mean" input: "var" output: "bn" op_type: "BatchNormalization" $(attr_f epsilon 0.001) }
  node { input: "bn" output: "mp" op_type: "MaxPool" $(attr_is kernel_shape 2 2) $(attr_is strides 2 2) $(attr_i ceil_mode 1) }
  node { input: "mp" output: "ap" op_type: "AveragePool" $(attr_is kernel_shape 3 3) $(attr_is pads 1 1 1 1) $(attr_i count_include_pad 1) }
  node { input: "ap" output: "gap" op_type: "GlobalAveragePool" }
  node { input: "gap" output: "fl" op_type: "Flatten" $(attr_i axis 1) }
  node { input: "fl" input: "fc" input: "fcb" output: "g" op_type: "Gemm" $(attr_i transB 1) $(attr_f alpha 0.5) }
  node { input: "g" output: "y" op_type: "Softmax" $(attr_i axis 1) }
}
EOF

encode tensorops <<EOF
ir_version: 7 opset_import { domain: "" version: 11 }
graph { name: "tensorops"
  input $(vi x 1 2 3 4)
  output $(vi y 3 1 16)
  $(i64 pads 0 0 1 0 0 0 0 0) $(i64 shape 0 -1 4) $(init mm 32 4 8) $(init k 8 8)
  node { input: "x" input: "pads" output: "p" op_type: "Pad" $(attr_s mode constant) }
  node { input: "p" output: "t" op_type: "Transpose" $(attr_is perm 0 1 3 2) }
  node { input: "t" input: "t" output: "c" op_type: "Concat" $(attr_i axis 1) }
  node { input: "c" input: "shape" output: "r" op_type: "Reshape" }
  node { input: "r" output: "u" op_type: "Unsqueeze" $(attr_is axes 0) }
  node { input: "u" output: "s" op_type: "Squeeze" $(attr_is axes 0) }
  node { input: "s" input: "mm" output: "m" op_type: "MatMul" }
  node { input: "m" input: "k" output: "a" op_type: "Add" }
  node { input: "a" output: "sg" op_type: "Sigmoid" }
  node { input: "sg" input: "a" output: "mu" op_type: "Mul" }
  node { input: "mu" input: "k" output: "su" op_type: "Sub" }
  node { input: "su" input: "k" output: "dv" op_type: "Div" }
  node { input: "dv" output: "dr" op_type: "Dropout" }
  node { input: "dr" output: "id" op_type: "Identity" }
  node { input: "id" output: "y" op_type: "Softmax" $(attr_i axis 0) }
}
EOF

encode opset7 <<EOF
ir_version: 3 opset_import { domain: "" version: 7 }
graph { name: "opset7"
  input $(vi x 1 4 5 5)
  output $(vi y 1 100)
  node { input: "x" output: "p" op_type: "Pad" $(attr_is pads 0 0 0 0 0 0 0 0) $(attr_f value 1) }
  node { input: "p" output: "c" op_type: "Clip" $(attr_f min -1) $(attr_f max 1) }
  node { input: "c" output: "y" op_type: "Flatten" }
}
EOF

encode external <<EOF
ir_version: 7 opset_import { domain: "" version: 13 }
graph { name: "external"
  input $(vi x 1 4)
  output $(vi y 1 4)
  initializer { name: "w" data_type: 1 dims: 1 dims: 4 data_location: EXTERNAL
    external_data { key: "location" value: "w.bin" } external_data { key: "offset" value: "0" } }
  node { input: "x" input: "w" output: "y" op_type: "Add" }
}
EOF

# A QDQ convolution as ONNX Runtime's quantizer (and our exporter) writes it.
u8() { python3 -c "import sys; n=int(sys.argv[1]); print(''.join('\\\\%03o' % ((i * 37 + 11) % 256) for i in range(n)))" "$1"; }
encode qdq <<EOF
ir_version: 7 opset_import { domain: "" version: 13 }
graph { name: "qdq"
  input { name: "x" type { tensor_type { elem_type: 2 shape { dim { dim_value: 1 } dim { dim_value: 5 } dim { dim_value: 5 } dim { dim_value: 2 } } } } }
  output { name: "y" type { tensor_type { elem_type: 2 shape { dim { dim_value: 1 } dim { dim_value: 3 } } } } }
  initializer { name: "s" data_type: 1 raw_data: "\\000\\000\\200\\074" }
  initializer { name: "z" data_type: 2 raw_data: "\\200" }
  initializer { name: "w" data_type: 2 dims: 3 dims: 2 dims: 3 dims: 3 raw_data: "$(u8 54)" }
  initializer { name: "wz" data_type: 2 raw_data: "\\170" }
  initializer { name: "b" data_type: 6 dims: 3 int32_data: 100 int32_data: -20 int32_data: 7 }
  initializer { name: "bs" data_type: 1 raw_data: "\\000\\000\\200\\071" }
  node { input: "x" output: "xt" op_type: "Transpose" $(attr_is perm 0 3 1 2) }
  node { input: "xt" input: "s" input: "z" output: "xf" op_type: "DequantizeLinear" }
  node { input: "w" input: "s" input: "wz" output: "wf" op_type: "DequantizeLinear" }
  node { input: "b" input: "bs" output: "bf" op_type: "DequantizeLinear" }
  node { input: "xf" input: "wf" input: "bf" output: "c" op_type: "Conv" $(attr_is pads 1 1 1 1) }
  node { input: "c" output: "r" op_type: "Relu" }
  node { input: "r" input: "s" input: "z" output: "q" op_type: "QuantizeLinear" }
  node { input: "q" input: "s" input: "z" output: "qf" op_type: "DequantizeLinear" }
  node { input: "qf" output: "m" op_type: "ReduceMean" $(attr_is axes 2 3) $(attr_i keepdims 0) }
  node { input: "m" input: "s" input: "z" output: "y" op_type: "QuantizeLinear" }
}
EOF

# Our exporter's own output (both quantized forms), where a build is at hand.
exe=${EDGEBENCH_BIN:-$repo/build/edgebench}
if [[ -x $exe && -f $shared/models/mobilenet_v1_0.25_128_quant.tflite ]]; then
  for form in qdq qlinear; do
    "$exe" export "$shared/models/mobilenet_v1_0.25_128_quant.tflite" -o "$out/exported_$form.onnx" \
      --quant-form "$form" >/dev/null
  done
fi

echo "make_onnx_seeds: $(ls "$out" | wc -l) seeds in $out"
