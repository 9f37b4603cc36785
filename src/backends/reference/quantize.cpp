#include "backends/reference/quantize.h"

#include <algorithm>
#include <cmath>

#include "backends/quant_arith.h"

namespace edgebench::ref {

template <typename T>
void quantize_f32(int64_t n, float scale, int32_t zero_point, const float* x, T* y,
                  bool half_even) {
  for (int64_t i = 0; i < n; ++i) {
    // round(x / scale) + z, saturated (out-of-range floats included).
    const int32_t unclamped = quant::quantize_real(x[i], scale, zero_point, half_even);
    y[i] = static_cast<T>(std::clamp(unclamped, quant::qmin<T>(), quant::qmax<T>()));
  }
}

RequantizeParams make_requantize_params(float input_scale, int32_t input_zp, float output_scale,
                                        int32_t output_zp) {
  RequantizeParams p;
  p.input_zero_point = input_zp;
  p.output_zero_point = output_zp;
  const quant::QuantizedMultiplier m = quant::quantize_multiplier(
      static_cast<double>(input_scale) / static_cast<double>(output_scale));
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  return p;
}

template <typename In, typename Out>
void requantize(int64_t n, const RequantizeParams& p, const In* x, Out* y) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = quant::multiply_by_quantized_multiplier(
                          static_cast<int32_t>(x[i]) - p.input_zero_point, p.multiplier, p.shift) +
                      p.output_zero_point;
    y[i] = static_cast<Out>(std::clamp(v, quant::qmin<Out>(), quant::qmax<Out>()));
  }
}

template <typename T>
void dequantize_to_f32(int64_t n, float scale, int32_t zero_point, const T* x, float* y) {
  const double s = scale;
  for (int64_t i = 0; i < n; ++i)
    y[i] = static_cast<float>(s * (static_cast<int32_t>(x[i]) - zero_point));
}

template void quantize_f32<uint8_t>(int64_t, float, int32_t, const float*, uint8_t*, bool);
template void quantize_f32<int8_t>(int64_t, float, int32_t, const float*, int8_t*, bool);
template void requantize<uint8_t, uint8_t>(int64_t, const RequantizeParams&, const uint8_t*,
                                           uint8_t*);
template void requantize<uint8_t, int8_t>(int64_t, const RequantizeParams&, const uint8_t*,
                                          int8_t*);
template void requantize<int8_t, uint8_t>(int64_t, const RequantizeParams&, const int8_t*,
                                          uint8_t*);
template void requantize<int8_t, int8_t>(int64_t, const RequantizeParams&, const int8_t*, int8_t*);
template void dequantize_to_f32<uint8_t>(int64_t, float, int32_t, const uint8_t*, float*);
template void dequantize_to_f32<int8_t>(int64_t, float, int32_t, const int8_t*, float*);

PreparedNode prepare_quantize(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (!is_quantized_int(y.dtype)) v.unsupported_dtype(y.dtype);
  v.require_per_tensor(y);
  const float ys = y.quant.scale();
  const auto yz = static_cast<int32_t>(y.quant.zero_point());
  const int64_t count = x.elements();

  if (x.dtype == DType::kF32) {
    const float* xp = v.input_data<float>(0);
    const std::string name = v.kernel_name("quantize", y.dtype);
    const bool even = g.requantization == Requantization::kFloat;
    if (y.dtype == DType::kU8) {
      uint8_t* yp = v.output_data<uint8_t>();
      return {name, [count, ys, yz, xp, yp, even] { quantize_f32(count, ys, yz, xp, yp, even); }};
    }
    int8_t* yp = v.output_data<int8_t>();
    return {name, [count, ys, yz, xp, yp, even] { quantize_f32(count, ys, yz, xp, yp, even); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  v.require_per_tensor(x);
  const RequantizeParams p =
      make_requantize_params(x.quant.scale(), static_cast<int32_t>(x.quant.zero_point()), ys, yz);
  const std::string name =
      "ref:requantize_" + std::string(dtype_name(x.dtype)) + "_" + std::string(dtype_name(y.dtype));
  auto bind = [&](auto in_tag, auto out_tag) -> PreparedNode {
    using In = decltype(in_tag);
    using Out = decltype(out_tag);
    const In* xp = v.input_data<In>(0);
    Out* yp = v.output_data<Out>();
    return {name, [count, p, xp, yp] { requantize(count, p, xp, yp); }};
  };
  if (x.dtype == DType::kU8)
    return y.dtype == DType::kU8 ? bind(uint8_t{}, uint8_t{}) : bind(uint8_t{}, int8_t{});
  return y.dtype == DType::kU8 ? bind(int8_t{}, uint8_t{}) : bind(int8_t{}, int8_t{});
}

PreparedNode prepare_dequantize(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  if (y.dtype != DType::kF32) v.unsupported_dtype(y.dtype);
  v.require_per_tensor(x);
  const float xs = x.quant.scale();
  const auto xz = static_cast<int32_t>(x.quant.zero_point());
  const int64_t count = x.elements();
  float* yp = v.output_data<float>();
  const std::string name = v.kernel_name("dequantize", x.dtype);
  if (x.dtype == DType::kU8) {
    const uint8_t* xp = v.input_data<uint8_t>(0);
    return {name, [count, xs, xz, xp, yp] { dequantize_to_f32(count, xs, xz, xp, yp); }};
  }
  const int8_t* xp = v.input_data<int8_t>(0);
  return {name, [count, xs, xz, xp, yp] { dequantize_to_f32(count, xs, xz, xp, yp); }};
}

}  // namespace edgebench::ref
