// Reference Quantize (f32 -> u8/i8, and u8/i8 -> u8/i8 requantization) and
// Dequantize (u8/i8 -> f32).
//
// TFLite semantics (kernels/quantize.cc and dequantize.cc, reference kernels):
//  - quantize: reference_ops::AffineQuantize, q = round(x / scale) + z with the
//    division in float and round half away from zero, saturated; in graphs
//    with ONNX's requantization (Graph::requantization kFloat), QuantizeLinear's
//    round half to even (half_even).
//  - requantize: reference_ops::Requantize, y = MultiplyByQuantizedMultiplier
//    (x - z_in, s_in / s_out (double)) + z_out, saturated. (TFLite's shortcut
//    for equal scales and zero points 128 apart, x ^ 0x80, gives the same bytes.)
//  - dequantize: reference_ops::Dequantize, float(double(scale) * (q - z)).
#pragma once

#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

template <typename T>
void quantize_f32(int64_t n, float scale, int32_t zero_point, const float* x, T* y,
                  bool half_even = false);

struct RequantizeParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
};
RequantizeParams make_requantize_params(float input_scale, int32_t input_zp, float output_scale,
                                        int32_t output_zp);
template <typename In, typename Out>
void requantize(int64_t n, const RequantizeParams& p, const In* x, Out* y);

template <typename T>
void dequantize_to_f32(int64_t n, float scale, int32_t zero_point, const T* x, float* y);

}  // namespace edgebench::ref
