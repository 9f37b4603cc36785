#include "backends/reference/pool2d.h"

#include <algorithm>
#include <limits>

#include "backends/quant_arith.h"

namespace edgebench::ref {

PoolWindow pool_window(const PoolShape& s, int oy, int ox) {
  PoolWindow w;
  w.iy = oy * s.stride_h - s.pad_top;
  w.ix = ox * s.stride_w - s.pad_left;
  w.y0 = std::max(0, -w.iy);
  w.y1 = std::min(s.filter_h, s.in_h - w.iy);
  w.x0 = std::max(0, -w.ix);
  w.x1 = std::min(s.filter_w, s.in_w - w.ix);
  if (s.count_include_pad) {
    // Cells inside the padded extent [-pad_top, in_h + pad_bottom).
    const int py0 = std::max(0, -s.pad_top - w.iy);
    const int py1 = std::min(s.filter_h, s.in_h + s.pad_bottom - w.iy);
    const int px0 = std::max(0, -s.pad_left - w.ix);
    const int px1 = std::min(s.filter_w, s.in_w + s.pad_right - w.ix);
    w.count = std::max(0, py1 - py0) * std::max(0, px1 - px0);
    w.padded = w.count - std::max(0, w.y1 - w.y0) * std::max(0, w.x1 - w.x0);
  } else {
    w.count = std::max(0, w.y1 - w.y0) * std::max(0, w.x1 - w.x0);
  }
  return w;
}

namespace {

// The pooling loop, in TFLite's order: for every output cell and channel,
// fold reduce(acc, value) over the clipped window starting from init, then
// finish(acc, window, channel) gives the output value.
template <typename T, typename Acc, typename Reduce, typename Finish>
void pool(const PoolShape& s, const T* x, T* y, Acc init, Reduce reduce, Finish finish) {
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < s.out_h; ++oy)
      for (int ox = 0; ox < s.out_w; ++ox) {
        const PoolWindow w = pool_window(s, oy, ox);
        T* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * s.channels;
        for (int c = 0; c < s.channels; ++c) {
          Acc acc = init;
          for (int fy = w.y0; fy < w.y1; ++fy)
            for (int fx = w.x0; fx < w.x1; ++fx) {
              const size_t pixel =
                  (static_cast<size_t>(b) * s.in_h + w.iy + fy) * s.in_w + w.ix + fx;
              acc = reduce(acc, x[pixel * s.channels + c]);
            }
          out[c] = finish(acc, w, c);
        }
      }
}

}  // namespace

void average_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y,
                      const float* bias) {
  pool(
      s, x, y, 0.0f, [](float acc, float v) { return acc + v; },
      [&](float total, const PoolWindow& w, int c) {
        float average = w.count > 0 ? total / static_cast<float>(w.count) : 0.0f;
        if (bias) average += bias[c];
        return std::min(std::max(average, act_min), act_max);
      });
}

void max_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y) {
  pool(
      s, x, y, std::numeric_limits<float>::lowest(),
      [](float acc, float v) { return std::max(acc, v); },
      [&](float m, const PoolWindow&, int) { return std::min(std::max(m, act_min), act_max); });
}

template <typename T>
void average_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y) {
  pool(
      s, x, y, int32_t{0}, [](int32_t acc, T v) { return acc + static_cast<int32_t>(v); },
      [&](int32_t acc, const PoolWindow& w, int) {
        const int32_t total = acc + w.padded * s.zero_point;
        return static_cast<T>(std::clamp(rounded_average(total, w.count), act_min, act_max));
      });
}

template <typename T>
void max_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y) {
  pool(
      s, x, y, static_cast<int32_t>(std::numeric_limits<T>::lowest()),
      [](int32_t acc, T v) { return std::max(acc, static_cast<int32_t>(v)); },
      [&](int32_t m, const PoolWindow&, int) {
        return static_cast<T>(std::clamp(m, act_min, act_max));
      });
}

template void average_pool_quant<uint8_t>(const PoolShape&, int32_t, int32_t, const uint8_t*,
                                          uint8_t*);
template void average_pool_quant<int8_t>(const PoolShape&, int32_t, int32_t, const int8_t*,
                                         int8_t*);
template void max_pool_quant<uint8_t>(const PoolShape&, int32_t, int32_t, const uint8_t*, uint8_t*);
template void max_pool_quant<int8_t>(const PoolShape&, int32_t, int32_t, const int8_t*, int8_t*);

PoolShape pool_shape(const Tensor& x, const Tensor& y, const Pool2DAttrs& a) {
  PoolShape s;
  s.batch = static_cast<int>(x.shape[0]);
  s.in_h = static_cast<int>(x.shape[1]);
  s.in_w = static_cast<int>(x.shape[2]);
  s.channels = static_cast<int>(x.shape[3]);
  s.out_h = static_cast<int>(y.shape[1]);
  s.out_w = static_cast<int>(y.shape[2]);
  s.filter_h = a.filter_h;
  s.filter_w = a.filter_w;
  s.stride_h = a.stride_h;
  s.stride_w = a.stride_w;
  s.pad_top = a.pad.top;
  s.pad_left = a.pad.left;
  s.pad_bottom = a.pad.bottom;
  s.pad_right = a.pad.right;
  s.count_include_pad = a.count_include_pad;
  if (is_quantized_int(x.dtype) && !x.quant.empty())
    s.zero_point = static_cast<int32_t>(x.quant.zero_point());
  return s;
}

PreparedNode prepare_pool2d(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  const auto& a = n.attr<Pool2DAttrs>();
  const bool is_max = n.op == OpType::kMaxPool2D;
  const std::string base = is_max ? "max_pool2d" : "average_pool2d";

  const PoolShape s = pool_shape(x, y, a);

  if (x.dtype == DType::kF32) {
    const float* xp = v.input_data<float>(0);
    float* yp = v.output_data<float>();
    const FloatRange r = float_activation_range(a.act);
    if (is_max)
      return {v.kernel_name(base, x.dtype),
              [s, r, xp, yp] { max_pool_f32(s, r.min, r.max, xp, yp); }};
    const float* bp = v.has_input(1) ? v.input_data<float>(1) : nullptr;
    return {v.kernel_name(base, x.dtype),
            [s, r, xp, yp, bp] { average_pool_f32(s, r.min, r.max, xp, yp, bp); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  if (v.has_input(1)) v.unsupported("a bias on quantized pooling");
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  if (x.quant.scale() != y.quant.scale() || x.quant.zero_point() != y.quant.zero_point())
    v.unsupported("quantized pooling needs the same scale and zero point on input and output");
  const quant::QuantizedRange r = quant::quantized_activation_range(
      a.act, y.dtype, y.quant.scale(), static_cast<int32_t>(y.quant.zero_point()));

  auto bind = [&](auto tag) -> PreparedNode {
    using T = decltype(tag);
    const T* xp = v.input_data<T>(0);
    T* yp = v.output_data<T>();
    if (is_max)
      return {v.kernel_name(base, x.dtype),
              [s, r, xp, yp] { max_pool_quant(s, r.min, r.max, xp, yp); }};
    return {v.kernel_name(base, x.dtype),
            [s, r, xp, yp] { average_pool_quant(s, r.min, r.max, xp, yp); }};
  };
  if (x.dtype == DType::kU8) return bind(uint8_t{});
  return bind(int8_t{});
}

}  // namespace edgebench::ref
