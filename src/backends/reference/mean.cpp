#include "backends/reference/mean.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <vector>

#include "backends/quant_arith.h"

namespace edgebench::ref {
namespace {

// Adds every input element, in input order, to its output accumulator.
template <typename T, typename Acc>
void sum_into(const ReduceShape& s, const T* x, Acc* acc) {
  std::fill(acc, acc + s.out_elements, Acc{0});
  if (s.in_elements == 0) return;
  std::array<int64_t, ReduceShape::kMaxRank> idx{};
  const int last = s.rank - 1;
  int64_t in = 0, out = 0;  // out: offset of idx with the innermost index at 0
  while (true) {
    for (int64_t i = 0; i < s.dims[last]; ++i) acc[out + i * s.out_stride[last]] += x[in++];
    int d = last - 1;
    for (; d >= 0; --d) {
      out += s.out_stride[d];
      if (++idx[d] < s.dims[d]) break;
      out -= idx[d] * s.out_stride[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace

bool make_reduce_shape(const Shape& in, const std::vector<int>& axes, ReduceShape& s) {
  if (in.size() > ReduceShape::kMaxRank) return false;
  s = ReduceShape{};
  s.rank = std::max<int>(static_cast<int>(in.size()), 1);
  s.dims.fill(1);
  for (size_t d = 0; d < in.size(); ++d) s.dims[d] = in[d];
  std::array<bool, ReduceShape::kMaxRank> reduced{};
  for (int a : axes) reduced[static_cast<size_t>(a)] = true;
  int64_t stride = 1;
  s.count = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    if (reduced[d]) {
      s.out_stride[d] = 0;
      s.count *= s.dims[d];
    } else {
      s.out_stride[d] = stride;
      stride *= s.dims[d];
    }
  }
  s.out_elements = stride;
  s.in_elements = shape_elements(in);
  return true;
}

QuantMeanParams make_quant_mean_params(float input_scale, int32_t input_zp, float output_scale,
                                       int32_t output_zp, int64_t count) {
  QuantMeanParams p;
  p.input_zero_point = input_zp;
  p.output_zero_point = output_zp;
  const quant::QuantizedMultiplier m = quant::quantize_multiplier(
      static_cast<double>(input_scale) / static_cast<double>(output_scale));
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  if (count > 0) {
    // Fold 1/count into the multiplier, keeping as many bits as allowed.
    int k = 63 - std::countl_zero(static_cast<uint64_t>(count));
    k = std::min(k, 32);
    k = std::min(k, 31 + p.shift);
    p.multiplier = static_cast<int32_t>((static_cast<int64_t>(p.multiplier) << k) / count);
    p.shift -= k;
  }
  return p;
}

void mean_f32(const ReduceShape& s, const float* x, float* y) {
  sum_into(s, x, y);
  if (s.count == 0) return;
  const float count = static_cast<float>(s.count);
  for (int64_t i = 0; i < s.out_elements; ++i) y[i] = y[i] / count;
}

template <typename T>
void mean_quant(const ReduceShape& s, const QuantMeanParams& p, const T* x, T* y, int32_t* sums) {
  sum_into(s, x, sums);
  if (s.count == 0) {
    std::fill(y, y + s.out_elements, T{0});
    return;
  }
  for (int64_t i = 0; i < s.out_elements; ++i) {
    const int32_t shifted_sum =
        static_cast<int32_t>(sums[i] - static_cast<int64_t>(p.input_zero_point) * s.count);
    const int32_t out =
        quant::multiply_by_quantized_multiplier(shifted_sum, p.multiplier, p.shift) +
        p.output_zero_point;
    y[i] = static_cast<T>(std::clamp(out, quant::qmin<T>(), quant::qmax<T>()));
  }
}

template void mean_quant<uint8_t>(const ReduceShape&, const QuantMeanParams&, const uint8_t*,
                                  uint8_t*, int32_t*);
template void mean_quant<int8_t>(const ReduceShape&, const QuantMeanParams&, const int8_t*, int8_t*,
                                 int32_t*);

PreparedNode prepare_mean(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  const auto& a = n.attr<ReduceAttrs>();
  if (x.dtype != y.dtype) v.unsupported("input and output must have the same type");
  ReduceShape s;
  if (!make_reduce_shape(x.shape, a.axes, s))
    v.unsupported("rank " + std::to_string(x.shape.size()) + " exceeds " +
                  std::to_string(ReduceShape::kMaxRank));
  const std::string name = v.kernel_name("mean", x.dtype);

  if (a.axes.empty() && (x.dtype == DType::kF32 || is_quantized_int(x.dtype))) {
    // TFLite's ReduceIsCopy: nothing to reduce.
    const std::byte* xp = v.input_data<std::byte>(0);
    std::byte* yp = v.output_data<std::byte>();
    const size_t bytes = x.bytes();
    return {name, [xp, yp, bytes] { std::memcpy(yp, xp, bytes); }};
  }
  if (x.dtype == DType::kF32) {
    const float* xp = v.input_data<float>(0);
    float* yp = v.output_data<float>();
    return {name, [s, xp, yp] { mean_f32(s, xp, yp); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  const QuantMeanParams p =
      make_quant_mean_params(x.quant.scale(), static_cast<int32_t>(x.quant.zero_point()),
                             y.quant.scale(), static_cast<int32_t>(y.quant.zero_point()), s.count);
  auto sums = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(s.out_elements));
  auto bind = [&](auto tag) -> PreparedNode {
    using T = decltype(tag);
    const T* xp = v.input_data<T>(0);
    T* yp = v.output_data<T>();
    return {name, [s, p, xp, yp, sums] { mean_quant(s, p, xp, yp, sums->data()); }};
  };
  if (x.dtype == DType::kU8) return bind(uint8_t{});
  return bind(int8_t{});
}

}  // namespace edgebench::ref
