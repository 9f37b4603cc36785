// Transpose. Most are one matrix transpose per batch once axes of size 1 are
// dropped and axes that stay neighbours are merged (an ONNX model's NCHW
// image input to NHWC is [C, H*W] -> [H*W, C]): those run on ir/permute's
// loop (the importers' too), threaded; it needs no JIT code (oneDNN's
// reorder took 0.2 ms of MobileNetV2's 12 ms cached load to make) and runs
// about as fast. Any other permutation is one oneDNN reorder: the source seen
// through the output's dims with the input's strides permuted, copied into a
// row-major output.
#include <omp.h>

#include <cstdint>
#include <dnnl.hpp>
#include <optional>

#include "backends/cpu/lowerers.h"
#include "ir/permute.h"

namespace edgebench::cpu {
namespace {

void lower_batched_transpose(Lowering& L, const Node& n, const BatchedTranspose& t, size_t elem) {
  const int src = L.input_plain(n.inputs[0]);
  const int dst = L.new_plain_output(n.outputs[0]);
  // Split by columns across the threads from 64 Ki elements (a copy of ~0.02 ms).
  const bool parallel = L.threads() > 1 && t.batch * t.rows * t.cols >= (int64_t{1} << 16);
  Step& s = L.add_step("cpu:transpose");
  s.uses = {src, dst};
  s.make_fn = [t, elem, src, dst, parallel](const BufferPtrs& ptrs) -> std::function<void()> {
    const std::byte* in = ptrs[static_cast<size_t>(src)];
    std::byte* out = ptrs[static_cast<size_t>(dst)];
    return [=] {
      if (!parallel) {
        transpose_batched(in, out, elem, t, 0, t.cols);
        return;
      }
#pragma omp parallel
      {
        const int64_t i = omp_get_thread_num(), nt = omp_get_num_threads();
        transpose_batched(in, out, elem, t, t.cols * i / nt, t.cols * (i + 1) / nt);
      }
    };
  };
}

}  // namespace

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
  const size_t elem = plain_md(x).get_size() / static_cast<size_t>(x.elements());
  const std::optional<BatchedTranspose> t = as_batched_transpose(x.shape, perm);
  if (t && (elem == 1 || elem == 2 || elem == 4 || elem == 8)) {
    lower_batched_transpose(L, n, *t, elem);
    return;
  }
  // The plain buffers' type (input_plain, new_plain_output): the IR's, f32
  // under --precision bf16 too.
  const memory::data_type dt = plain_md(x).data_type();
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
