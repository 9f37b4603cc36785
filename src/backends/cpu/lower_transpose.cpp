// Transpose as one oneDNN reorder: the source seen through the output's dims
// with the input's strides permuted, copied into a row-major output. (The
// reference loop costs 0.25 ms on a 224x224x3 NCHW -> NHWC image input.)
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool transpose_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kTranspose) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const auto& perm = n.attr<TransposeAttrs>().perm;
  return dnnl_can_hold(x) && x.shape.size() == perm.size() && !x.shape.empty() &&
         x.shape.size() <= DNNL_MAX_NDIMS && x.elements() > 0;
}

void lower_transpose(Lowering& L, const Node& n) {
  // Already written, transposed, by the Quantize before it (lower_quantize_int8.cpp).
  if (L.place(n.outputs[0]).buffer >= 0) return;
  const Tensor& x = L.graph().tensor(n.inputs[0]);
  const Tensor& y = L.graph().tensor(n.outputs[0]);
  const auto& perm = n.attr<TransposeAttrs>().perm;
  const memory::data_type dt = x.dtype == DType::kF32 ? L.float_type() : dnnl_type(x.dtype);
  const size_t rank = x.shape.size();
  memory::dims in_strides(rank, 1), dims(rank), strides(rank);
  for (size_t i = rank - 1; i > 0; --i) in_strides[i - 1] = in_strides[i] * x.shape[i];
  for (size_t i = 0; i < rank; ++i) {
    dims[i] = x.shape[static_cast<size_t>(perm[i])];
    strides[i] = in_strides[static_cast<size_t>(perm[i])];
  }
  const memory::desc src_md(dims, dt, strides);
  const memory::desc dst_md = row_major_md(y.shape, dt);
  const int src = L.input_plain(n.inputs[0]);
  const int dst = L.new_plain_output(n.outputs[0]);
  L.add_reorder(src, src_md, dst, dst_md);
}

}  // namespace edgebench::cpu
