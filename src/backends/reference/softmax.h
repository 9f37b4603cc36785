// Reference softmax over the last axis.
//
// TFLite semantics (kernels/activations.cc SoftmaxPrepare/SoftmaxEval for the
// reference kernel, reference_ops::Softmax):
//  - f32: exp((x - max) * beta) / sum, in float.
//  - u8/i8: with kScaledDiffIntegerBits = 5, PreprocessSoftmaxScaling gives a
//    multiplier for beta * input_scale * 2^26 (capped at 2^31 - 1) and
//    diff_min = -CalculateInputRadius(5, left_shift). Each x - max >= diff_min
//    is scaled (MultiplyByQuantizedMultiplierGreaterThanOne) into Q5.26,
//    exponentiated with gemmlowp's exp_on_negative_values into Q0.31, summed
//    in Q12.19, and divided through GetReciprocal; the result is rounded to
//    units of 1/256 and offset by the type's minimum (output scale 1/256,
//    zero point 0 for u8, -128 for i8). Smaller differences give the minimum.
#pragma once

#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct QuantSoftmaxParams {
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int32_t diff_min = 0;
};

// TFLite's preparation for a given beta and input scale.
QuantSoftmaxParams make_quant_softmax_params(float beta, float input_scale);

void softmax_f32(int64_t rows, int64_t depth, float beta, const float* x, float* y);
template <typename T>
void softmax_quant(int64_t rows, int64_t depth, const QuantSoftmaxParams& p, const T* x, T* y);

}  // namespace edgebench::ref
