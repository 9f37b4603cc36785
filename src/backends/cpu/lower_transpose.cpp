// Transpose. Most are one matrix transpose per batch once axes of size 1 are
// dropped and axes that stay neighbours are merged (an ONNX model's NCHW
// image input to NHWC is [C, H*W] -> [H*W, C]): those run on our own loop,
// which needs no JIT code (oneDNN's reorder took 0.2 ms of MobileNetV2's
// 12 ms cached load to make) and runs about as fast. Any other permutation is
// one oneDNN reorder: the source seen through the output's dims with the
// input's strides permuted, copied into a row-major output.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {
namespace {

// `batch` matrices of rows x cols, row-major, into cols x rows.
struct MatrixTranspose {
  int64_t batch = 1, rows = 0, cols = 0;
};

// The permutation as a batched matrix transpose, if it is one.
bool as_matrix_transpose(const Shape& shape, const std::vector<int>& perm, MatrixTranspose& m) {
  // Output axes as runs of input axes that stay adjacent (size-1 axes dropped).
  std::vector<std::pair<int, int>> runs;  // [first, last] input axis
  for (int p : perm) {
    if (shape[static_cast<size_t>(p)] == 1) continue;
    if (!runs.empty() && runs.back().second + 1 == p)
      runs.back().second = p;
    else
      runs.emplace_back(p, p);
  }
  const auto extent = [&](const std::pair<int, int>& r) {
    int64_t e = 1;
    for (int d = r.first; d <= r.second; ++d) e *= shape[static_cast<size_t>(d)];
    return e;
  };
  // Input axes between runs are all of size 1, so runs in input order are
  // consecutive: [B][R][C] read, [B][C][R] written.
  if (runs.size() == 2 && runs[0].first > runs[1].first) {
    m = {1, extent(runs[1]), extent(runs[0])};
    return true;
  }
  if (runs.size() == 3 && runs[0].first < runs[2].first && runs[2].first < runs[1].first) {
    m = {extent(runs[0]), extent(runs[2]), extent(runs[1])};
    return true;
  }
  return false;
}

// Columns [c_begin, c_end) of every matrix.
template <typename T>
void transpose_matrices(const T* src, T* dst, const MatrixTranspose& m, int64_t c_begin,
                        int64_t c_end) {
  const int64_t n = m.rows * m.cols;
  if (m.rows == 3) {  // an RGB image's planes interleaved: vectorized as such
    for (int64_t b = 0; b < m.batch; ++b) {
      const T* __restrict p0 = src + b * n;
      const T* __restrict p1 = p0 + m.cols;
      const T* __restrict p2 = p1 + m.cols;
      T* __restrict d = dst + b * n;
      for (int64_t c = c_begin; c < c_end; ++c) {
        d[3 * c] = p0[c];
        d[3 * c + 1] = p1[c];
        d[3 * c + 2] = p2[c];
      }
    }
    return;
  }
  // Tiles small enough that a tile's source and destination lines stay in L1.
  constexpr int64_t kTile = 32;
  for (int64_t b = 0; b < m.batch; ++b) {
    const T* s = src + b * n;
    T* d = dst + b * n;
    for (int64_t c0 = c_begin; c0 < c_end; c0 += kTile)
      for (int64_t r0 = 0; r0 < m.rows; r0 += kTile) {
        const int64_t c1 = std::min(c0 + kTile, c_end), r1 = std::min(r0 + kTile, m.rows);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) d[c * m.rows + r] = s[r * m.cols + c];
      }
  }
}

// Split by columns across the threads from 64 Ki elements (a copy of ~0.02 ms).
template <typename T>
void transpose_matrices(const std::byte* src, std::byte* dst, const MatrixTranspose& m,
                        bool parallel) {
  const auto* s = reinterpret_cast<const T*>(src);
  auto* d = reinterpret_cast<T*>(dst);
  if (!parallel) {
    transpose_matrices(s, d, m, 0, m.cols);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    transpose_matrices(s, d, m, m.cols * t / nt, m.cols * (t + 1) / nt);
  }
}

void lower_matrix_transpose(Lowering& L, const Node& n, const MatrixTranspose& m, size_t elem) {
  const int src = L.input_plain(n.inputs[0]);
  const int dst = L.new_plain_output(n.outputs[0]);
  const bool parallel = L.threads() > 1 && m.batch * m.rows * m.cols >= (int64_t{1} << 16);
  Step& s = L.add_step("cpu:transpose");
  s.uses = {src, dst};
  s.make_fn = [m, elem, src, dst, parallel](const BufferPtrs& ptrs) -> std::function<void()> {
    const std::byte* in = ptrs[static_cast<size_t>(src)];
    std::byte* out = ptrs[static_cast<size_t>(dst)];
    switch (elem) {
      case 4: return [=] { transpose_matrices<uint32_t>(in, out, m, parallel); };
      case 2: return [=] { transpose_matrices<uint16_t>(in, out, m, parallel); };
      default: return [=] { transpose_matrices<uint8_t>(in, out, m, parallel); };
    }
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
  MatrixTranspose m;
  if ((elem == 1 || elem == 2 || elem == 4) && as_matrix_transpose(x.shape, perm, m)) {
    lower_matrix_transpose(L, n, m, elem);
    return;
  }
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
