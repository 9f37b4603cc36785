#include "ir/permute.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace edgebench {

Shape permute_shape(const Shape& s, const std::vector<int>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = s.at(static_cast<size_t>(perm[i]));
  return out;
}

std::optional<BatchedTranspose> as_batched_transpose(const Shape& s, const std::vector<int>& perm) {
  // Output axes as runs of input axes that stay adjacent (size-1 axes dropped).
  std::vector<std::pair<int, int>> runs;  // [first, last] input axis
  for (int p : perm) {
    if (s.at(static_cast<size_t>(p)) == 1) continue;
    if (!runs.empty() && runs.back().second + 1 == p)
      runs.back().second = p;
    else
      runs.emplace_back(p, p);
  }
  const auto extent = [&](const std::pair<int, int>& r) {
    int64_t e = 1;
    for (int d = r.first; d <= r.second; ++d) e *= s[static_cast<size_t>(d)];
    return e;
  };
  // Input axes between runs are all of size 1, so runs in input order are
  // consecutive: [B][R][C] read, [B][C][R] written.
  if (runs.size() == 2 && runs[0].first > runs[1].first)
    return BatchedTranspose{1, extent(runs[1]), extent(runs[0])};
  if (runs.size() == 3 && runs[0].first < runs[2].first && runs[2].first < runs[1].first)
    return BatchedTranspose{extent(runs[0]), extent(runs[2]), extent(runs[1])};
  return std::nullopt;
}

namespace {

// Element copies through memcpy of a fixed size: plain (unaligned) loads and
// stores once compiled, so the source may lie anywhere (external data).
template <size_t ELEM>
void transpose_columns(const std::byte* src, std::byte* dst, const BatchedTranspose& t,
                       int64_t c_begin, int64_t c_end) {
  const auto at = [](int64_t i) { return static_cast<size_t>(i) * ELEM; };
  const int64_t n = t.rows * t.cols;
  for (int64_t b = 0; b < t.batch; ++b) {
    const std::byte* __restrict s = src + at(b * n);
    std::byte* __restrict d = dst + at(b * n);
    if (t.rows == 3) {  // an RGB image's planes interleaved: vectorized as such
      const std::byte* __restrict s1 = s + at(t.cols);
      const std::byte* __restrict s2 = s1 + at(t.cols);
      for (int64_t c = c_begin; c < c_end; ++c) {
        std::memcpy(d + at(3 * c), s + at(c), ELEM);
        std::memcpy(d + at(3 * c + 1), s1 + at(c), ELEM);
        std::memcpy(d + at(3 * c + 2), s2 + at(c), ELEM);
      }
      continue;
    }
    // Tiles small enough that a tile's source and destination lines stay in
    // L1 (OIHW -> OHWI moves the input channels innermost: rows = I).
    constexpr int64_t kTile = 32;
    for (int64_t c0 = c_begin; c0 < c_end; c0 += kTile)
      for (int64_t r0 = 0; r0 < t.rows; r0 += kTile) {
        const int64_t c1 = std::min(c0 + kTile, c_end), r1 = std::min(r0 + kTile, t.rows);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r)
            std::memcpy(d + at(c * t.rows + r), s + at(r * t.cols + c), ELEM);
      }
  }
}

}  // namespace

bool transpose_batched(const std::byte* src, std::byte* dst, size_t elem, const BatchedTranspose& t,
                       int64_t c_begin, int64_t c_end) {
  switch (elem) {
    case 1: transpose_columns<1>(src, dst, t, c_begin, c_end); return true;
    case 2: transpose_columns<2>(src, dst, t, c_begin, c_end); return true;
    case 4: transpose_columns<4>(src, dst, t, c_begin, c_end); return true;
    case 8: transpose_columns<8>(src, dst, t, c_begin, c_end); return true;
    default: return false;
  }
}

bool permutation_keeps_bytes(const Shape& s, const std::vector<int>& perm) {
  int last = -1;
  for (int axis : perm) {
    if (s.at(static_cast<size_t>(axis)) == 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  return true;
}

void permute_bytes(const std::byte* src, std::byte* dst, size_t elem, const Shape& s,
                   const std::vector<int>& perm) {
  if (permutation_keeps_bytes(s, perm)) {
    std::memcpy(dst, src, static_cast<size_t>(shape_elements(s)) * elem);
    return;
  }
  if (const auto t = as_batched_transpose(s, perm))
    if (transpose_batched(src, dst, elem, *t, 0, t->cols)) return;
  const size_t r = s.size();
  const Shape out = permute_shape(s, perm);
  const int64_t n = shape_elements(s);
  std::vector<int64_t> in_stride(r, 1);
  for (size_t i = r; i-- > 1;) in_stride[i - 1] = in_stride[i] * s[i];
  std::vector<int64_t> step(r);  // input stride along each output axis
  for (size_t i = 0; i < r; ++i) step[i] = in_stride[static_cast<size_t>(perm[i])];
  std::vector<int64_t> idx(r, 0);
  int64_t at = 0;
  for (int64_t o = 0; o < n; ++o) {
    std::memcpy(dst + static_cast<size_t>(o) * elem, src + static_cast<size_t>(at) * elem, elem);
    for (size_t k = r; k-- > 0;) {  // odometer over the output index
      if (++idx[k] < out[k]) {
        at += step[k];
        break;
      }
      at -= step[k] * (out[k] - 1);
      idx[k] = 0;
    }
  }
}

}  // namespace edgebench
