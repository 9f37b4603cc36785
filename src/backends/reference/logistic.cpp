#include "backends/reference/logistic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backends/quant_arith.h"

namespace edgebench::ref {

void logistic_f32(int64_t n, const float* x, float* y) {
  const float cutoff_upper = 16.619047164916992188f;
  const float cutoff_lower = -9.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v > cutoff_upper)
      y[i] = 1.0f;
    else if (v < cutoff_lower)
      y[i] = std::exp(v);
    else
      y[i] = 1.0f / (1.0f + std::exp(-v));
  }
}

template <typename T>
LookupTable make_logistic_table(float input_scale, int32_t input_zp, float output_scale,
                                int32_t output_zp) {
  LookupTable table{};
  const float inverse_scale = 1.0f / output_scale;
  for (int32_t q = quant::qmin<T>(); q <= quant::qmax<T>(); ++q) {
    const float dequantized = input_scale * static_cast<float>(q - input_zp);
    const float transformed = 1.0f / (1.0f + std::exp(-dequantized));
    int32_t quantized = quant::qmin<T>();
    if (std::isfinite(transformed)) {
      const float rescaled = std::round(transformed * inverse_scale);
      quantized = static_cast<int32_t>(rescaled + static_cast<float>(output_zp));
    }
    const int32_t clamped = std::clamp(quantized, quant::qmin<T>(), quant::qmax<T>());
    table[static_cast<uint8_t>(static_cast<T>(q))] = static_cast<uint8_t>(static_cast<T>(clamped));
  }
  return table;
}

template <typename T>
void lookup_table(int64_t n, const LookupTable& table, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(table[static_cast<uint8_t>(x[i])]);
}

template LookupTable make_logistic_table<uint8_t>(float, int32_t, float, int32_t);
template LookupTable make_logistic_table<int8_t>(float, int32_t, float, int32_t);
template void lookup_table<uint8_t>(int64_t, const LookupTable&, const uint8_t*, uint8_t*);
template void lookup_table<int8_t>(int64_t, const LookupTable&, const int8_t*, int8_t*);

PreparedNode prepare_logistic(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (x.dtype != y.dtype) v.unsupported("input and output must have the same type");
  const int64_t count = x.elements();
  const std::string name = v.kernel_name("logistic", x.dtype);
  if (x.dtype == DType::kF32) {
    const float* xp = v.input_data<float>(0);
    float* yp = v.output_data<float>();
    return {name, [count, xp, yp] { logistic_f32(count, xp, yp); }};
  }
  if (!is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  const auto zx = static_cast<int32_t>(x.quant.zero_point());
  const auto zy = static_cast<int32_t>(y.quant.zero_point());
  auto bind = [&](auto tag) -> PreparedNode {
    using T = decltype(tag);
    auto table = std::make_shared<LookupTable>(
        make_logistic_table<T>(x.quant.scale(), zx, y.quant.scale(), zy));
    const T* xp = v.input_data<T>(0);
    T* yp = v.output_data<T>();
    return {name, [count, table, xp, yp] { lookup_table(count, *table, xp, yp); }};
  };
  if (x.dtype == DType::kU8) return bind(uint8_t{});
  return bind(int8_t{});
}

}  // namespace edgebench::ref
