#include "backends/reference/reshape.h"

#include <cstring>

namespace edgebench::ref {

void reshape_copy(const void* x, void* y, size_t bytes) {
  std::memcpy(y, x, bytes);
}

PreparedNode prepare_reshape(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  if (x.dtype != DType::kF32 && !is_quantized_int(x.dtype)) v.unsupported_dtype(x.dtype);
  if (y.dtype != x.dtype) v.unsupported("input and output must have the same type");
  const void* xp = v.input_data<void>(0);
  void* yp = v.output_data<void>();
  const size_t bytes = x.bytes();
  return {v.kernel_name("reshape", x.dtype), [xp, yp, bytes] { reshape_copy(xp, yp, bytes); }};
}

}  // namespace edgebench::ref
