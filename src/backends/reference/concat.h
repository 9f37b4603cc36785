// Reference concatenation along one axis.
//
// TFLite semantics: f32 and int8 copy the inputs (int8 inputs share the
// output's quantization; if they do not, they are requantized like uint8).
// uint8 uses reference_ops::ConcatenationWithScaling: an input whose scale or
// zero point differs from the output's is requantized in float,
// round(x * s_in / s_out - z_in * s_in / s_out) + z_out (std::round, half
// away from zero), saturated; the others are copied.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/quant_arith.h"
#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct ConcatInput {
  const void* data = nullptr;
  int64_t axis_size = 0;  // the input's extent along the axis
  // Requantization to the output (quantized inputs whose parameters differ).
  bool requantize = false;
  float scale = 1.0f;  // s_in * (1 / s_out)
  float bias = 0.0f;   // -z_in * scale
};

// Fills in.requantize/scale/bias for quantized input x of output y: set where
// their scale or zero point differ (both per tensor).
void set_concat_requantization(const Tensor& x, const Tensor& y, ConcatInput& in);

// One requantized element, exactly as concat_quant computes it.
template <typename T>
T concat_requantize(T x, const ConcatInput& in, int32_t output_zero_point) {
  const int32_t value =
      static_cast<int32_t>(std::round(static_cast<float>(x) * in.scale + in.bias)) +
      output_zero_point;
  return static_cast<T>(std::clamp(value, quant::qmin<T>(), quant::qmax<T>()));
}

struct ConcatShape {
  int64_t outer = 1;     // product of dimensions before the axis
  int64_t inner = 1;     // product of dimensions after the axis
  int64_t out_axis = 0;  // output extent along the axis
  size_t element_size = 4;
};

// Copies (f32, or quantized inputs with the output's parameters).
void concat_copy(const ConcatShape& s, const std::vector<ConcatInput>& inputs, void* y);
template <typename T>
void concat_quant(const ConcatShape& s, const std::vector<ConcatInput>& inputs,
                  int32_t output_zero_point, T* y);

}  // namespace edgebench::ref
