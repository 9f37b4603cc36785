// Reference Relu, Relu6 and Clip.
//
// TFLite semantics for quantized tensors (kernels/activations.cc ReluX): the
// input is requantized to the output, y = z_out + MultiplyByQuantizedMultiplier
// (x - z_in, s_in / s_out) (the ratio taken in float, as ReluPrepare does),
// then clamped to [z_out + round(lo / s_out), z_out + round(hi / s_out)]
// intersected with the type range (an infinite bound leaves the type limit).
#pragma once

#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

void clamp_f32(int64_t n, float lo, float hi, const float* x, float* y);

struct QuantClampParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
  int32_t act_min = 0, act_max = 0;
};

QuantClampParams make_quant_clamp_params(DType type, float lo, float hi, float input_scale,
                                         int32_t input_zp, float output_scale, int32_t output_zp);
template <typename T>
void clamp_quant(int64_t n, const QuantClampParams& p, const T* x, T* y);

}  // namespace edgebench::ref
