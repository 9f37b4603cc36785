#include "backends/reference/activations.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/quant_arith.h"

namespace edgebench::ref {

void clamp_f32(int64_t n, float lo, float hi, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

QuantClampParams make_quant_clamp_params(DType type, float lo, float hi, float input_scale,
                                         int32_t input_zp, float output_scale, int32_t output_zp) {
  QuantClampParams p;
  p.input_zero_point = input_zp;
  p.output_zero_point = output_zp;
  const quant::QuantizedMultiplier m =
      quant::quantize_multiplier(static_cast<double>(input_scale / output_scale));
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  // roundf(bound / scale) in float, as QuantizedReluX does.
  p.act_min = quant::qmin(type);
  p.act_max = quant::qmax(type);
  if (std::isfinite(lo))
    p.act_min = std::max(p.act_min, quant::quantize_real(lo, output_scale, output_zp));
  if (std::isfinite(hi))
    p.act_max = std::min(p.act_max, quant::quantize_real(hi, output_scale, output_zp));
  return p;
}

template <typename T>
void clamp_quant(int64_t n, const QuantClampParams& p, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = p.output_zero_point +
                      quant::multiply_by_quantized_multiplier(
                          static_cast<int32_t>(x[i]) - p.input_zero_point, p.multiplier, p.shift);
    y[i] = static_cast<T>(std::clamp(v, p.act_min, p.act_max));
  }
}

template void clamp_quant<uint8_t>(int64_t, const QuantClampParams&, const uint8_t*, uint8_t*);
template void clamp_quant<int8_t>(int64_t, const QuantClampParams&, const int8_t*, int8_t*);

PreparedNode prepare_activation(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (x.dtype != y.dtype) v.unsupported("input and output must have the same type");
  float lo = 0.0f, hi = std::numeric_limits<float>::infinity();
  std::string base = "relu";
  switch (n.op) {
    case OpType::kRelu: break;
    case OpType::kRelu6:
      hi = 6.0f;
      base = "relu6";
      break;
    case OpType::kClip: {
      const auto& a = n.attr<ClipAttrs>();
      lo = a.min;
      hi = a.max;
      base = "clip";
      break;
    }
    default: v.unsupported("not an activation");
  }
  const int64_t count = x.elements();
  const std::string name = v.kernel_name(base, x.dtype);
  if (x.dtype == DType::kF32) {
    const float* xp = v.input_data<float>(0);
    float* yp = v.output_data<float>();
    return {name, [count, lo, hi, xp, yp] { clamp_f32(count, lo, hi, xp, yp); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  const QuantClampParams p = make_quant_clamp_params(
      x.dtype, lo, hi, x.quant.scale(), static_cast<int32_t>(x.quant.zero_point()), y.quant.scale(),
      static_cast<int32_t>(y.quant.zero_point()));
  auto bind = [&](auto tag) -> PreparedNode {
    using T = decltype(tag);
    const T* xp = v.input_data<T>(0);
    T* yp = v.output_data<T>();
    return {name, [count, p, xp, yp] { clamp_quant(count, p, xp, yp); }};
  };
  if (x.dtype == DType::kU8) return bind(uint8_t{});
  return bind(int8_t{});
}

}  // namespace edgebench::ref
