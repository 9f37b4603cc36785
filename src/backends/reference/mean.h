// Reference Mean over a set of axes.
//
// TFLite semantics (kernels/reduce.cc EvalMean with the reference kernel):
//  - f32: reference_ops::Mean: sums in input order into float accumulators,
//    then divides each by the element count (float).
//  - u8/i8: reference_ops::QuantizedMeanOrSum: int32 sums; the multiplier
//    M = input_scale / output_scale (double, QuantizeMultiplier) absorbs the
//    1/count as (M << k) / count with k = min(floor(log2 count), 32,
//    31 + shift), shift -= k; then
//    y = MultiplyByQuantizedMultiplier(sum - x_zp * count, M', shift') + y_zp,
//    saturated. No axes: a plain copy.
#pragma once

#include <array>
#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct ReduceShape {
  static constexpr int kMaxRank = 8;
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};        // input dimensions
  std::array<int64_t, kMaxRank> out_stride{};  // output element stride, 0 on reduced axes
  int64_t in_elements = 0;
  int64_t out_elements = 0;
  int64_t count = 0;  // elements folded into each output
};

// Fails (returns false) if the rank exceeds kMaxRank.
bool make_reduce_shape(const Shape& in, const std::vector<int>& axes, ReduceShape& s);

struct QuantMeanParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;  // already divided by the count
  int shift = 0;
};

// Combines input_scale / output_scale with 1 / count, as TFLite does.
QuantMeanParams make_quant_mean_params(float input_scale, int32_t input_zp, float output_scale,
                                       int32_t output_zp, int64_t count);

// `y` doubles as the float accumulators.
void mean_f32(const ReduceShape& s, const float* x, float* y);
// `sums` is scratch space for out_elements int32 accumulators.
template <typename T>
void mean_quant(const ReduceShape& s, const QuantMeanParams& p, const T* x, T* y, int32_t* sums);

}  // namespace edgebench::ref
