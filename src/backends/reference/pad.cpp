#include "backends/reference/pad.h"

#include <algorithm>
#include <cstring>

#include "backends/quant_arith.h"

namespace edgebench::ref {

bool make_pad_shape(const Shape& in, const std::vector<int64_t>& before,
                    const std::vector<int64_t>& after, size_t element_size, PadShape& s) {
  if (in.size() > PadShape::kMaxRank) return false;
  s = PadShape{};
  s.element_size = element_size;
  s.rank = std::max<int>(static_cast<int>(in.size()), 1);
  s.in_dims.fill(1);
  s.out_dims.fill(1);
  for (size_t d = 0; d < in.size(); ++d) {
    s.in_dims[d] = in[d];
    s.before[d] = before[d];
    s.out_dims[d] = in[d] + before[d] + after[d];
  }
  return true;
}

void pad(const PadShape& s, const void* value, const void* x, void* y) {
  const size_t es = s.element_size;
  auto* out = static_cast<std::byte*>(y);
  const auto* in = static_cast<const std::byte*>(x);
  int64_t out_total = 1, in_total = 1;
  for (int d = 0; d < s.rank; ++d) {
    out_total *= s.out_dims[d];
    in_total *= s.in_dims[d];
  }
  // Fill everything with the pad value, then copy the input's innermost rows.
  for (int64_t i = 0; i < out_total; ++i) std::memcpy(out + i * es, value, es);
  if (in_total == 0) return;
  std::array<int64_t, PadShape::kMaxRank> out_stride{};
  int64_t stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    out_stride[d] = stride;
    stride *= s.out_dims[d];
  }
  const int last = s.rank - 1;
  const size_t row_bytes = static_cast<size_t>(s.in_dims[last]) * es;
  std::array<int64_t, PadShape::kMaxRank> idx{};  // input index, innermost fixed at 0
  for (int64_t row = 0; row < in_total / s.in_dims[last]; ++row) {
    int64_t o = 0;
    for (int d = 0; d < s.rank; ++d) o += (idx[d] + s.before[d]) * out_stride[d];
    std::memcpy(out + o * static_cast<int64_t>(es), in + row * static_cast<int64_t>(row_bytes),
                row_bytes);
    for (int d = last - 1; d >= 0; --d) {
      if (++idx[d] < s.in_dims[d]) break;
      idx[d] = 0;
    }
  }
}

PreparedNode prepare_pad(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  const auto& a = n.attr<PadAttrs>();
  if (y.dtype != x.dtype) v.unsupported("input and output must have the same type");
  PadShape s;
  if (!make_pad_shape(x.shape, a.before, a.after, dtype_size(x.dtype), s))
    v.unsupported("rank " + std::to_string(x.shape.size()) + " exceeds " +
                  std::to_string(PadShape::kMaxRank));
  // The pad value as one element of the tensor's type.
  std::array<std::byte, 8> value{};
  switch (x.dtype) {
    case DType::kF32: std::memcpy(value.data(), &a.value, sizeof(float)); break;
    case DType::kU8:
    case DType::kI8: {
      v.require_per_tensor(y);
      const int32_t q = std::clamp(quant::quantize_real(a.value, y.quant.scale(),
                                                        static_cast<int32_t>(y.quant.zero_point())),
                                   quant::qmin(x.dtype), quant::qmax(x.dtype));
      if (x.dtype == DType::kU8)
        value[0] = static_cast<std::byte>(static_cast<uint8_t>(q));
      else
        value[0] = static_cast<std::byte>(static_cast<uint8_t>(static_cast<int8_t>(q)));
      break;
    }
    default: v.unsupported_dtype(x.dtype);
  }
  const void* xp = v.input_data<void>(0);
  void* yp = v.output_data<void>();
  return {v.kernel_name("pad", x.dtype), [s, value, xp, yp] { pad(s, value.data(), xp, yp); }};
}

}  // namespace edgebench::ref
