#include "backends/reference/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/quant_arith.h"

namespace edgebench::ref {

namespace {
constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;
}  // namespace

QuantSoftmaxParams make_quant_softmax_params(float beta, float input_scale) {
  const quant::QuantizedMultiplier m = quant::preprocess_softmax_scaling(
      static_cast<double>(beta), static_cast<double>(input_scale), kScaledDiffIntegerBits);
  QuantSoftmaxParams p;
  p.input_multiplier = m.multiplier;
  p.input_left_shift = m.shift;
  p.diff_min =
      static_cast<int32_t>(-1.0 * quant::calculate_input_radius(kScaledDiffIntegerBits, m.shift));
  return p;
}

void softmax_f32(int64_t rows, int64_t depth, float beta, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * depth;
    float* yr = y + r * depth;
    float max = std::numeric_limits<float>::lowest();
    for (int64_t c = 0; c < depth; ++c) max = std::max(max, xr[c]);
    float sum = 0.0f;
    for (int64_t c = 0; c < depth; ++c) {
      yr[c] = std::exp((xr[c] - max) * beta);
      sum += yr[c];
    }
    for (int64_t c = 0; c < depth; ++c) yr[c] = yr[c] / sum;
  }
}

template <typename T>
void softmax_quant(int64_t rows, int64_t depth, const QuantSoftmaxParams& p, const T* x, T* y) {
  using quant::FixedPoint;
  using ScaledDiff = FixedPoint<kScaledDiffIntegerBits>;
  using Accum = FixedPoint<kAccumulationIntegerBits>;
  using F0 = FixedPoint<0>;
  // exp(beta * input_scale * (x - max)) in Q0.31, or nothing if negligible.
  auto exp_of_diff = [&p](int32_t diff) {
    const int32_t rescaled = quant::multiply_by_quantized_multiplier_greater_than_one(
        diff, p.input_multiplier, p.input_left_shift);
    return quant::exp_on_negative_values(ScaledDiff::from_raw(rescaled));
  };

  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * depth;
    T* yr = y + r * depth;
    T max_in_row = std::numeric_limits<T>::min();
    for (int64_t c = 0; c < depth; ++c) max_in_row = std::max(max_in_row, xr[c]);

    Accum sum_of_exps = Accum::zero();
    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(xr[c]) - max_in_row;
      if (diff >= p.diff_min)
        sum_of_exps = sum_of_exps + quant::rescale<kAccumulationIntegerBits>(exp_of_diff(diff));
    }

    int num_bits_over_unit = 0;
    const F0 shifted_scale = F0::from_raw(
        quant::get_reciprocal(sum_of_exps.raw, kAccumulationIntegerBits, &num_bits_over_unit));
    const int exponent = num_bits_over_unit + 31 - static_cast<int>(sizeof(T) * 8);

    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(xr[c]) - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t unsat_output =
            quant::rounding_divide_by_pot((shifted_scale * exp_of_diff(diff)).raw, exponent);
        const int32_t shifted_output = unsat_output + quant::qmin<T>();
        yr[c] = static_cast<T>(std::clamp(shifted_output, quant::qmin<T>(), quant::qmax<T>()));
      } else {
        yr[c] = std::numeric_limits<T>::min();
      }
    }
  }
}

template void softmax_quant<uint8_t>(int64_t, int64_t, const QuantSoftmaxParams&, const uint8_t*,
                                     uint8_t*);
template void softmax_quant<int8_t>(int64_t, int64_t, const QuantSoftmaxParams&, const int8_t*,
                                    int8_t*);

PreparedNode prepare_softmax(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  const auto& a = n.attr<SoftmaxAttrs>();
  if (x.dtype != y.dtype) v.unsupported("input and output must have the same type");
  const int rank = static_cast<int>(x.shape.size());
  if (rank == 0) v.unsupported("softmax of a scalar");
  if (a.axis != -1 && a.axis != rank - 1) v.unsupported("softmax only over the last axis");
  const int64_t depth = x.shape.back();
  const int64_t rows = depth == 0 ? 0 : x.elements() / depth;
  const std::string name = v.kernel_name("softmax", x.dtype);

  if (x.dtype == DType::kF32) {
    const float beta = a.beta;
    const float* xp = v.input_data<float>(0);
    float* yp = v.output_data<float>();
    return {name, [rows, depth, beta, xp, yp] { softmax_f32(rows, depth, beta, xp, yp); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  // The kernel writes probabilities in units of 1/256 offset by the type's minimum.
  const float want_scale = 1.0f / 256.0f;
  if (std::abs(y.quant.scale() - want_scale) > 0.001f * want_scale ||
      y.quant.zero_point() != quant::qmin(y.dtype))
    v.unsupported("quantized softmax output must have scale 1/256 and zero point " +
                  std::to_string(quant::qmin(y.dtype)));
  const QuantSoftmaxParams p = make_quant_softmax_params(a.beta, x.quant.scale());
  if (x.dtype == DType::kU8) {
    const uint8_t* xp = v.input_data<uint8_t>(0);
    uint8_t* yp = v.output_data<uint8_t>();
    return {name, [rows, depth, p, xp, yp] { softmax_quant(rows, depth, p, xp, yp); }};
  }
  const int8_t* xp = v.input_data<int8_t>(0);
  int8_t* yp = v.output_data<int8_t>();
  return {name, [rows, depth, p, xp, yp] { softmax_quant(rows, depth, p, xp, yp); }};
}

}  // namespace edgebench::ref
