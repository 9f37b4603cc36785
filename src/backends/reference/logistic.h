// Reference logistic (sigmoid).
//
// TFLite semantics (kernels/activations.cc, reference kernel type):
//  - f32: reference_ops::Logistic: 1 for x > 16.619047, exp(x) for x < -9,
//    else 1 / (1 + exp(-x)), in float.
//  - u8/i8: a 256-entry lookup table built at prepare time (LUTPopulate):
//    dequantize in float (s_in * (q - z_in)), apply the float sigmoid
//    1 / (1 + exp(-x)), requantize as round(v * (1 / s_out)) + z_out
//    (half away from zero), saturated; NaN/inf map to the type's minimum.
#pragma once

#include <array>
#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

void logistic_f32(int64_t n, const float* x, float* y);

// table[static_cast<uint8_t>(q)] is the output for input q.
using LookupTable = std::array<uint8_t, 256>;
template <typename T>
LookupTable make_logistic_table(float input_scale, int32_t input_zp, float output_scale,
                                int32_t output_zp);
template <typename T>
void lookup_table(int64_t n, const LookupTable& table, const T* x, T* y);

}  // namespace edgebench::ref
