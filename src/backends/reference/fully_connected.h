// Reference fully-connected layer: y[r, o] = sum_k x[r, k] * w[o, k] + bias[o].
//
// TFLite semantics (reference_ops::FullyConnected for uint8,
// reference_integer_ops::FullyConnected / FullyConnectedPerChannel for int8):
// the convolution's quantization (see conv2d.h) with weights [Cout, K] and
// per-channel scales along axis 0. The multiplier: with several filter scales
// the per-channel double loop; with one (uint8 or int8) the single multiplier
// whose input_scale * filter_scale is a float product.
#pragma once

#include <cstdint>

#include "backends/reference/conv2d.h"

namespace edgebench::ref {

struct FullyConnectedShape {
  int rows = 1;   // flattened batch
  int depth = 1;  // K
  int out = 1;    // Cout
};

void fully_connected_f32(const FullyConnectedShape& s, float act_min, float act_max, const float* x,
                         const float* w, const float* bias, float* y);
template <typename X, typename W>
void fully_connected_quant(const FullyConnectedShape& s, const ConvQuantParams& q, const X* x,
                           const W* w, const int32_t* bias, X* y);

}  // namespace edgebench::ref
