// Pass: fold ONNX's QDQ form into the IR's quantized operators.
//
// Precondition: a verified graph in which quantization may be spelled as ONNX spells
// it: Dequantize on run-time u8/i8 tensors and on constant integer weights (i32
// biases), float operators, Quantize on their results.
// Rewrite:
//  0. Dequantize -> Transpose/Reshape becomes Transpose/Reshape -> Dequantize
//     (per-tensor run-time integers), so a layout change between a Dequantize and
//     its operator does not stop step 1.
//  1. Quantize(op(Dequantize(x)..., Dequantize(w), Dequantize(b))) -> op on x, w, b
//     directly, producing the Quantize's output; a Relu/Relu6/Clip between the
//     operator and the Quantize becomes its fused activation (clamping before
//     quantizing equals TFLite's clamp of the quantized result). Folded only where
//     the quantized operator means the same thing: per-tensor activations, weights of
//     the activation's type quantized along the output channels, a bias in units of
//     input scale x weight scale, unchanged parameters through pools and data
//     movement, a softmax output of scale 1/256. Quantize(Dequantize(x)) becomes a
//     requantization of x.
//  2. Every other Dequantize of a constant becomes a float constant (so the backends
//     only ever see constant weights).
//  3. Nodes whose results nothing uses are removed.
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of rewrites (operators folded + constants dequantized).
int fold_qdq(Graph& g);

}  // namespace edgebench::passes
