#include "backends/reference/concat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "backends/quant_arith.h"

namespace edgebench::ref {

void concat_copy(const ConcatShape& s, const std::vector<ConcatInput>& inputs, void* y) {
  auto* out = static_cast<std::byte*>(y);
  for (int64_t k = 0; k < s.outer; ++k) {
    for (const ConcatInput& in : inputs) {
      const size_t bytes = static_cast<size_t>(in.axis_size * s.inner) * s.element_size;
      std::memcpy(out, static_cast<const std::byte*>(in.data) + static_cast<size_t>(k) * bytes,
                  bytes);
      out += bytes;
    }
  }
}

template <typename T>
void concat_quant(const ConcatShape& s, const std::vector<ConcatInput>& inputs,
                  int32_t output_zero_point, T* y) {
  T* out = y;
  for (int64_t k = 0; k < s.outer; ++k) {
    for (const ConcatInput& in : inputs) {
      const int64_t n = in.axis_size * s.inner;
      const T* src = static_cast<const T*>(in.data) + k * n;
      if (!in.requantize) {
        std::memcpy(out, src, static_cast<size_t>(n) * sizeof(T));
      } else {
        for (int64_t j = 0; j < n; ++j) out[j] = concat_requantize(src[j], in, output_zero_point);
      }
      out += n;
    }
  }
}

template void concat_quant<uint8_t>(const ConcatShape&, const std::vector<ConcatInput>&, int32_t,
                                    uint8_t*);
template void concat_quant<int8_t>(const ConcatShape&, const std::vector<ConcatInput>&, int32_t,
                                   int8_t*);

void set_concat_requantization(const Tensor& x, const Tensor& y, ConcatInput& in) {
  if (x.quant.scale() == y.quant.scale() && x.quant.zero_point() == y.quant.zero_point()) return;
  in.requantize = true;
  const float inverse_output_scale = 1.0f / y.quant.scale();
  in.scale = x.quant.scale() * inverse_output_scale;
  in.bias = -static_cast<float>(x.quant.zero_point()) * in.scale;
}

PreparedNode prepare_concat(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& y = v.output();
  const auto& a = n.attr<ConcatAttrs>();
  const DType t = y.dtype;
  if (t != DType::kF32 && !is_quantized_int(t)) v.unsupported_dtype(t);
  if (is_quantized_int(t) && a.act.kind != ActivationKind::kNone)
    v.unsupported("fused activation on a quantized concatenation");

  ConcatShape s;
  for (int d = 0; d < a.axis; ++d) s.outer *= y.shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(a.axis) + 1; d < y.shape.size(); ++d) s.inner *= y.shape[d];
  s.out_axis = y.shape[static_cast<size_t>(a.axis)];
  s.element_size = dtype_size(t);

  auto inputs = std::make_shared<std::vector<ConcatInput>>();
  bool any_requantize = false;
  if (is_quantized_int(t)) v.require_per_tensor(y);
  for (size_t i = 0; i < v.num_inputs(); ++i) {
    const Tensor& x = v.input(i);
    if (x.dtype != t) v.unsupported("inputs and output must have the same type");
    ConcatInput in;
    in.data = v.input_data<std::byte>(i);
    in.axis_size = x.shape[static_cast<size_t>(a.axis)];
    if (is_quantized_int(t)) {
      v.require_per_tensor(x);
      set_concat_requantization(x, y, in);
      any_requantize |= in.requantize;
    }
    inputs->push_back(in);
  }
  const std::string name = v.kernel_name("concat", t);
  if (t == DType::kF32 && a.act.kind != ActivationKind::kNone) {
    float* yp = v.output_data<float>();
    const FloatRange r = float_activation_range(a.act);
    const int64_t count = y.elements();
    return {name, [s, inputs, yp, r, count] {
              concat_copy(s, *inputs, yp);
              for (int64_t i = 0; i < count; ++i) yp[i] = std::min(std::max(yp[i], r.min), r.max);
            }};
  }
  if (!any_requantize) {
    void* yp = v.output_data<void>();
    return {name, [s, inputs, yp] { concat_copy(s, *inputs, yp); }};
  }
  const auto out_zp = static_cast<int32_t>(y.quant.zero_point());
  if (t == DType::kU8) {
    uint8_t* yp = v.output_data<uint8_t>();
    return {name, [s, inputs, out_zp, yp] { concat_quant(s, *inputs, out_zp, yp); }};
  }
  int8_t* yp = v.output_data<int8_t>();
  return {name, [s, inputs, out_zp, yp] { concat_quant(s, *inputs, out_zp, yp); }};
}

}  // namespace edgebench::ref
