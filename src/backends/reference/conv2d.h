// Reference 2-D convolution (and the geometry/quantization shared with the
// depthwise and fully-connected kernels). NHWC activations, OHWI filters
// ([Cout, KH, KW, Cin/groups]).
//
// TFLite semantics (reference_ops::Conv for uint8, reference_integer_ops::
// ConvPerChannel for int8): acc = sum (w - w_zp) * (x - x_zp) over the taps
// inside the image (padding contributes nothing), + int32 bias, then
// MultiplyByQuantizedMultiplier with M = input_scale * filter_scale /
// output_scale, + output zero point, clamped to the fused activation's
// quantized range. TFLite computes M in one of two ways, and the last bit
// matters: uint8 convolutions use one M from GetQuantizedConvolutionMultipler,
// where input_scale * filter_scale is a float product (then widened and
// divided in double); int8 convolutions use the per-channel loop of
// PopulateConvolutionQuantizationParams, all in double.
//
// Graphs with Graph::requantization kFloat (ONNX's QLinearConv / QDQ) rescale
// in float instead: round_half_even(float(acc) * float(input_scale *
// filter_scale) / output_scale), as ONNX Runtime computes it.
//
// Activations (input and output) share one type; the weights may have the
// other (ONNX Runtime's quantize_static writes uint8 activations with int8
// weights).
#pragma once

#include <cstdint>
#include <vector>

#include "backends/quant_arith.h"
#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct ConvShape {
  int batch = 1;
  int in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
  int groups = 1;            // Conv2D
  int depth_multiplier = 1;  // DepthwiseConv2D
};

// Requantization of an int32 accumulator, per output channel.
struct ConvQuantParams {
  int32_t input_offset = 0;             // -input zero point
  int32_t filter_offset = 0;            // -filter zero point
  int32_t output_offset = 0;            // +output zero point
  const int32_t* multiplier = nullptr;  // [out_c]
  const int* shift = nullptr;           // [out_c]
  // Graph::requantization kFloat: one float scale per channel instead of
  // (multiplier, shift); nullptr in fixed point.
  const float* scale = nullptr;  // [out_c]
  int32_t act_min = 0, act_max = 0;
};

// An accumulator (bias included) rescaled to the output's scale, before the
// zero point: the graph's requantization, for output channel c.
inline int32_t rescale(int32_t acc, const ConvQuantParams& q, int c) {
  return q.scale ? quant::requantize_float(acc, q.scale[c])
                 : quant::multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]);
}

void conv2d_f32(const ConvShape& s, float act_min, float act_max, const float* x, const float* w,
                const float* bias, float* y);
template <typename X, typename W>
void conv2d_quant(const ConvShape& s, const ConvQuantParams& q, const X* x, const W* w,
                  const int32_t* bias, X* y);

// Calls f(X{}, W{}) with the C++ types (uint8_t or int8_t) of a quantized
// node's activations and weights: the one place the four pairs are spelled.
template <typename F>
decltype(auto) with_quant_types(DType activations, DType weights, F&& f) {
  auto with_weights = [&](auto x) -> decltype(auto) {
    return weights == DType::kU8 ? f(x, uint8_t{}) : f(x, int8_t{});
  };
  return activations == DType::kU8 ? with_weights(uint8_t{}) : with_weights(int8_t{});
}

// Owns what ConvQuantParams points to; built at prepare time.
struct ConvQuantization {
  std::vector<int32_t> multiplier;
  std::vector<int> shift;
  std::vector<float> scale;  // kFloat requantization only; then multiplier and shift are empty
  ConvQuantParams params;    // points into the vectors above: do not copy after binding
  void bind() {
    params.multiplier = multiplier.data();
    params.shift = shift.data();
    params.scale = scale.empty() ? nullptr : scale.data();
  }
};

// How TFLite derives the multiplier of a conv-like node (see above). Graphs
// with kFloat requantization ignore it: their scale is ONNX Runtime's,
// float(input_scale * filter_scale) / output_scale in float.
enum class MultiplierRule : uint8_t {
  kFloatScaleProduct,  // one M, float(input_scale * filter_scale) / output_scale
  kDoublePerChannel,   // one M per channel, all in double
};

// Validates the (input, filter, bias, output) quantization of a conv-like node
// whose filter's output channels lie on `channel_axis`, and computes the
// per-channel multipliers.
void make_conv_quantization(const NodeView& v, const Tensor& x, const Tensor& w, const Tensor* bias,
                            const Tensor& y, int channel_axis, int out_channels,
                            const FusedActivation& act, MultiplierRule rule, ConvQuantization& out);

}  // namespace edgebench::ref
