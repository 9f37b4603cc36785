#include "backends/reference/transpose.h"

#include <algorithm>
#include <cstring>

namespace edgebench::ref {
namespace {

template <typename E>
void transpose_typed(const TransposeShape& s, const E* x, E* y) {
  int64_t total = 1;
  for (int d = 0; d < s.rank; ++d) total *= s.out_dims[d];
  if (total == 0) return;
  std::array<int64_t, TransposeShape::kMaxRank> idx{};
  int64_t in = 0;  // input offset of idx
  for (int64_t out = 0; out < total; ++out) {
    y[out] = x[in];
    for (int d = s.rank - 1; d >= 0; --d) {
      in += s.in_stride[d];
      if (++idx[d] < s.out_dims[d]) break;
      in -= idx[d] * s.in_stride[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

bool make_transpose_shape(const Shape& in, const std::vector<int>& perm, size_t element_size,
                          TransposeShape& s) {
  if (in.size() > TransposeShape::kMaxRank) return false;
  s = TransposeShape{};
  s.element_size = element_size;
  s.rank = std::max<int>(static_cast<int>(in.size()), 1);
  s.out_dims.fill(1);
  std::array<int64_t, TransposeShape::kMaxRank> in_strides{};
  int64_t stride = 1;
  for (int d = static_cast<int>(in.size()) - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= in[static_cast<size_t>(d)];
  }
  for (size_t k = 0; k < perm.size(); ++k) {
    s.out_dims[k] = in[static_cast<size_t>(perm[k])];
    s.in_stride[k] = in_strides[static_cast<size_t>(perm[k])];
  }
  return true;
}

void transpose(const TransposeShape& s, const void* x, void* y) {
  switch (s.element_size) {
    case 1: transpose_typed(s, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y)); break;
    case 2: transpose_typed(s, static_cast<const uint16_t*>(x), static_cast<uint16_t*>(y)); break;
    case 4: transpose_typed(s, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y)); break;
    case 8: transpose_typed(s, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(y)); break;
  }
}

PreparedNode prepare_transpose(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (x.dtype != DType::kF32 && !is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  if (y.dtype != x.dtype) v.unsupported("input and output must have the same type");
  TransposeShape s;
  if (!make_transpose_shape(x.shape, n.attr<TransposeAttrs>().perm, dtype_size(x.dtype), s))
    v.unsupported("rank " + std::to_string(x.shape.size()) + " exceeds " +
                  std::to_string(TransposeShape::kMaxRank));
  const void* xp = v.input_data<void>(0);
  void* yp = v.output_data<void>();
  return {v.kernel_name("transpose", x.dtype), [s, xp, yp] { transpose(s, xp, yp); }};
}

}  // namespace edgebench::ref
