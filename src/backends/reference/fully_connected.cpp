#include "backends/reference/fully_connected.h"

#include <algorithm>
#include <memory>

#include "backends/quant_arith.h"

namespace edgebench::ref {

void fully_connected_f32(const FullyConnectedShape& s, float act_min, float act_max, const float* x,
                         const float* w, const float* bias, float* y) {
  for (int r = 0; r < s.rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * s.depth;
    for (int o = 0; o < s.out; ++o) {
      const float* wo = w + static_cast<size_t>(o) * s.depth;
      float total = 0.0f;
      for (int k = 0; k < s.depth; ++k) total += xr[k] * wo[k];
      const float with_bias = total + (bias ? bias[o] : 0.0f);
      y[static_cast<size_t>(r) * s.out + o] = std::min(std::max(with_bias, act_min), act_max);
    }
  }
}

template <typename X, typename W>
void fully_connected_quant(const FullyConnectedShape& s, const ConvQuantParams& q, const X* x,
                           const W* w, const int32_t* bias, X* y) {
  for (int r = 0; r < s.rows; ++r) {
    const X* xr = x + static_cast<size_t>(r) * s.depth;
    for (int o = 0; o < s.out; ++o) {
      const W* wo = w + static_cast<size_t>(o) * s.depth;
      int32_t acc = 0;
      for (int k = 0; k < s.depth; ++k)
        acc += (static_cast<int32_t>(wo[k]) + q.filter_offset) *
               (static_cast<int32_t>(xr[k]) + q.input_offset);
      if (bias) acc += bias[o];
      acc = rescale(acc, q, o) + q.output_offset;
      y[static_cast<size_t>(r) * s.out + o] = static_cast<X>(std::clamp(acc, q.act_min, q.act_max));
    }
  }
}

PreparedNode prepare_fully_connected(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& w = v.input(1);
  const Tensor* bias = v.has_input(2) ? &v.input(2) : nullptr;
  const Tensor& y = v.output();
  const auto& a = n.attr<FullyConnectedAttrs>();

  FullyConnectedShape s;
  s.depth = static_cast<int>(w.shape[1]);
  s.out = static_cast<int>(w.shape[0]);
  s.rows = static_cast<int>(x.elements() / s.depth);

  switch (x.dtype) {
    case DType::kF32: {
      if (w.dtype != DType::kF32 || y.dtype != DType::kF32 || (bias && bias->dtype != DType::kF32))
        v.unsupported("f32 fully connected needs f32 weights, bias and output");
      const float* xp = v.input_data<float>(0);
      const float* wp = v.input_data<float>(1);
      const float* bp = bias ? v.input_data<float>(2) : nullptr;
      float* yp = v.output_data<float>();
      const FloatRange r = float_activation_range(a.act);
      return {v.kernel_name("fully_connected", x.dtype),
              [s, r, xp, wp, bp, yp] { fully_connected_f32(s, r.min, r.max, xp, wp, bp, yp); }};
    }
    case DType::kU8:
    case DType::kI8: {
      auto q = std::make_shared<ConvQuantization>();
      // fully_connected.cc: several filter scales take the per-channel
      // double loop, one scale the float-product multiplier (u8 and i8 alike).
      const MultiplierRule rule = w.quant.scales.size() > 1 ? MultiplierRule::kDoublePerChannel
                                                            : MultiplierRule::kFloatScaleProduct;
      make_conv_quantization(v, x, w, bias, y, /*channel_axis=*/0, s.out, a.act, rule, *q);
      const int32_t* bp = bias ? v.input_data<int32_t>(2) : nullptr;
      return with_quant_types(x.dtype, w.dtype, [&](auto xt, auto wt) -> PreparedNode {
        const auto* xp = v.input_data<decltype(xt)>(0);
        const auto* wp = v.input_data<decltype(wt)>(1);
        auto* yp = v.output_data<decltype(xt)>();
        return {v.kernel_name("fully_connected", x.dtype, w.dtype),
                [s, q, xp, wp, bp, yp] { fully_connected_quant(s, q->params, xp, wp, bp, yp); }};
      });
    }
    default: v.unsupported_dtype(x.dtype);
  }
}

}  // namespace edgebench::ref
