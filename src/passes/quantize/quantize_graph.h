// Pass: float graph -> int8 graph, in the form TFLite's int8 models import to
// (tf2_mobilenet_v2_1.0_224_ptq.tflite), so it runs on the reference kernels
// (TFLite-exact) and on the cpu backend's int8 kernels:
//   - activations uint8 (or int8: QuantizeOptions::activations), asymmetric,
//     per tensor, from the calibrated range (which always contains 0; a fused
//     ReLU/ReLU6 is part of that range);
//   - Conv2D / FullyConnected weights int8 symmetric (zero point 0) per output
//     channel (axis 0), DepthwiseConv2D per channel along axis 3 (TFLite's);
//   - biases int32 with scale s_in * s_w[c] and zero point 0;
//   - a Quantize node after the float input, a Dequantize before the float output.
// TFLite's constraints the kernels assume: max/average pooling, Reshape,
// Transpose and Pad outputs share their input's parameters; Softmax and
// Logistic outputs have scale 1/256 and the type's lowest value as zero point; a Concat's inputs
// take the Concat's parameters where their producer can write them directly. Operators without an
// int8 kernel (Sub, Div, BatchNorm, ...) and the nodes named in keep_float stay in float between a
// Dequantize and a Quantize.
//
// Precondition: an all-f32 graph with one input, after the standard passes
// (fold_pad, fold_batch_norm, fuse_activation), and a range for every f32
// activation (calibrate() on the same graph).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/quantize/calibrate.h"

namespace edgebench::passes::quantize {

struct QuantizeOptions {
  bool per_channel = true;           // false: one weight scale per tensor
  std::set<std::string> keep_float;  // node names left in float
  // Activation type: kU8 (ONNX Runtime's quantize_static default, which its
  // x86 kernels are built for) or kI8 (TFLite's). The two are the same grid
  // (zero point and every value 128 apart) and give the same results.
  DType activations = DType::kU8;
};

// A float node's output and the int8 tensor that replaced it.
struct QuantizedLayer {
  std::string node, op;
  int float_tensor = -1;  // id in the float graph
  int quant_tensor = -1;  // id in the quantized graph
};

struct QuantizeResult {
  Graph graph;
  std::vector<QuantizedLayer> layers;    // quantized nodes, in graph order
  std::vector<std::string> float_nodes;  // nodes left in float
};

// Throws Error(kUnsupported) unless every graph input is f32 and no node is a
// Quantize or Dequantize (an already quantized model).
void require_float_graph(const Graph& g);

QuantizeResult quantize_graph(const Graph& g, const RangeTable& ranges,
                              const QuantizeOptions& opt = {});

// Affine int8 parameters covering [r.min, r.max] (which contains 0):
// scale = (max - min) / 255, zero point = round(-128 - min / scale).
QuantParams int8_params(RealRange r);
// The same grid for activations of type t (kU8: zero point + 128).
QuantParams activation_params(RealRange r, DType t);

}  // namespace edgebench::passes::quantize
