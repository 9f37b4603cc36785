#include "backends/reference/depthwise_conv2d.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backends/quant_arith.h"

namespace edgebench::ref {
namespace {

// Accumulates one output pixel into acc[0, out_c): for each filter tap inside
// the image, acc[oc] += f(w[tap][oc], x[pixel][oc / multiplier]). Channels are
// the inner loop (contiguous); each channel still sums its taps in TFLite's
// order (filter y, then x), so float results match the reference bit for bit.
template <typename X, typename W, typename Acc, typename Madd>
void accumulate_pixel(const ConvShape& s, const X* x, const W* w, int b, int oy, int ox, Acc* acc,
                      Madd madd) {
  std::fill(acc, acc + s.out_c, Acc{0});
  const int iy_origin = oy * s.stride_h - s.pad_top;
  const int ix_origin = ox * s.stride_w - s.pad_left;
  const int m = s.depth_multiplier;
  for (int fy = 0; fy < s.filter_h; ++fy) {
    const int iy = iy_origin + fy * s.dilation_h;
    if (iy < 0 || iy >= s.in_h) continue;
    for (int fx = 0; fx < s.filter_w; ++fx) {
      const int ix = ix_origin + fx * s.dilation_w;
      if (ix < 0 || ix >= s.in_w) continue;
      const X* xp = x + ((static_cast<size_t>(b) * s.in_h + iy) * s.in_w + ix) * s.in_c;
      const W* wp = w + (static_cast<size_t>(fy) * s.filter_w + fx) * s.out_c;
      if (m == 1) {
        for (int c = 0; c < s.out_c; ++c) acc[c] += madd(wp[c], xp[c]);
      } else {
        for (int ic = 0; ic < s.in_c; ++ic)
          for (int k = 0; k < m; ++k) acc[ic * m + k] += madd(wp[ic * m + k], xp[ic]);
      }
    }
  }
}

}  // namespace

void depthwise_conv2d_f32(const ConvShape& s, float act_min, float act_max, const float* x,
                          const float* w, const float* bias, float* y, float* acc) {
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < s.out_h; ++oy)
      for (int ox = 0; ox < s.out_w; ++ox) {
        accumulate_pixel(s, x, w, b, oy, ox, acc, [](float wv, float xv) { return xv * wv; });
        float* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * s.out_c;
        for (int oc = 0; oc < s.out_c; ++oc)
          out[oc] = std::min(std::max(acc[oc] + (bias ? bias[oc] : 0.0f), act_min), act_max);
      }
}

template <typename X, typename W>
void depthwise_conv2d_quant(const ConvShape& s, const ConvQuantParams& q, const X* x, const W* w,
                            const int32_t* bias, X* y, int32_t* acc) {
  const int32_t w_off = q.filter_offset, x_off = q.input_offset;
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < s.out_h; ++oy)
      for (int ox = 0; ox < s.out_w; ++ox) {
        accumulate_pixel(s, x, w, b, oy, ox, acc, [w_off, x_off](W wv, X xv) {
          return (static_cast<int32_t>(wv) + w_off) * (static_cast<int32_t>(xv) + x_off);
        });
        X* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * s.out_c;
        for (int oc = 0; oc < s.out_c; ++oc) {
          int32_t v = acc[oc] + (bias ? bias[oc] : 0);
          v = rescale(v, q, oc) + q.output_offset;
          out[oc] = static_cast<X>(std::clamp(v, q.act_min, q.act_max));
        }
      }
}

PreparedNode prepare_depthwise_conv2d(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& w = v.input(1);
  const Tensor* bias = v.has_input(2) ? &v.input(2) : nullptr;
  const Tensor& y = v.output();
  const auto& a = n.attr<Conv2DAttrs>();

  ConvShape s;
  s.batch = static_cast<int>(x.shape[0]);
  s.in_h = static_cast<int>(x.shape[1]);
  s.in_w = static_cast<int>(x.shape[2]);
  s.in_c = static_cast<int>(x.shape[3]);
  s.out_h = static_cast<int>(y.shape[1]);
  s.out_w = static_cast<int>(y.shape[2]);
  s.out_c = static_cast<int>(y.shape[3]);
  s.filter_h = static_cast<int>(w.shape[1]);
  s.filter_w = static_cast<int>(w.shape[2]);
  s.stride_h = a.stride_h;
  s.stride_w = a.stride_w;
  s.dilation_h = a.dilation_h;
  s.dilation_w = a.dilation_w;
  s.pad_top = a.pad.top;
  s.pad_left = a.pad.left;
  s.depth_multiplier = a.depth_multiplier;

  switch (x.dtype) {
    case DType::kF32: {
      if (w.dtype != DType::kF32 || y.dtype != DType::kF32 || (bias && bias->dtype != DType::kF32))
        v.unsupported("f32 depthwise convolution needs f32 weights, bias and output");
      auto acc = std::make_shared<std::vector<float>>(static_cast<size_t>(s.out_c));
      const float* xp = v.input_data<float>(0);
      const float* wp = v.input_data<float>(1);
      const float* bp = bias ? v.input_data<float>(2) : nullptr;
      float* yp = v.output_data<float>();
      const FloatRange r = float_activation_range(a.act);
      return {v.kernel_name("depthwise_conv2d", x.dtype), [s, r, xp, wp, bp, yp, acc] {
                depthwise_conv2d_f32(s, r.min, r.max, xp, wp, bp, yp, acc->data());
              }};
    }
    case DType::kU8:
    case DType::kI8: {
      auto q = std::make_shared<ConvQuantization>();
      const MultiplierRule rule = x.dtype == DType::kU8 ? MultiplierRule::kFloatScaleProduct
                                                        : MultiplierRule::kDoublePerChannel;
      make_conv_quantization(v, x, w, bias, y, /*channel_axis=*/3, s.out_c, a.act, rule, *q);
      auto acc = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(s.out_c));
      const int32_t* bp = bias ? v.input_data<int32_t>(2) : nullptr;
      return with_quant_types(x.dtype, w.dtype, [&](auto xt, auto wt) -> PreparedNode {
        const auto* xp = v.input_data<decltype(xt)>(0);
        const auto* wp = v.input_data<decltype(wt)>(1);
        auto* yp = v.output_data<decltype(xt)>();
        return {v.kernel_name("depthwise_conv2d", x.dtype, w.dtype), [s, q, xp, wp, bp, yp, acc] {
                  depthwise_conv2d_quant(s, q->params, xp, wp, bp, yp, acc->data());
                }};
      });
    }
    default: v.unsupported_dtype(x.dtype);
  }
}

}  // namespace edgebench::ref
