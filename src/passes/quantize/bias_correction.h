// Empirical bias correction of a quantized graph (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction", section 4.2,
// empirical variant; AIMET's bias correction): quantizing weights and input
// activations shifts a layer's expected output, E[y_q] != E[y]. The shift is
// measured per output channel on the calibration inputs and subtracted from
// the layer's int32 bias, so the quantized layer is unbiased on that data.
//
// Layer by layer in graph order, each measured with the earlier layers already
// corrected (the shift a layer sees includes what its inputs still carry):
//   e[c] = mean over images and positions of (dequant(y_q) - y)  on channel c
//   bias_q[c] -= round(e[c] / bias_scale[c])
// The error is measured before the fused activation: both graphs are cut
// after the layer, its activation dropped, and the int8 copy's output widened
// to [-R, R] (R: the largest magnitude its calibrated range represents), so a
// ReLU's clamp does not hide or truncate the error. Values the int8 output
// cannot represent (the float value outside its range) are left out: that is
// clipping error of the output, not a shift of the layer.
//
// Applies to Conv2D, DepthwiseConv2D and FullyConnected nodes with a bias.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/quantize/quantize_graph.h"

namespace edgebench::passes::quantize {

struct BiasCorrectionOptions {
  std::string backend = "cpu";
  int threads = 1;
};

// Corrects the int32 biases of `quantized.graph` in place (the float graph is
// the one it was quantized from); returns the number of layers corrected.
int correct_biases(const Graph& float_graph, QuantizeResult& quantized,
                   const std::vector<std::vector<std::byte>>& inputs,
                   const BiasCorrectionOptions& opt = {});

}  // namespace edgebench::passes::quantize
