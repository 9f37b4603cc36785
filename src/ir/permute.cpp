#include "ir/permute.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace edgebench {

Shape permute_shape(const Shape& s, const std::vector<int>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = s.at(static_cast<size_t>(perm[i]));
  return out;
}

namespace {

// dst[c][r] = src[r][c] for each of `batch` [rows, cols] matrices of
// ELEM-byte elements, through memcpy (the source may be unaligned: external
// data). Tiled so that both sides stay in cache when rows are long (OIHW ->
// OHWI moves the input channels innermost: rows = I, cols = KH * KW).
template <size_t ELEM>
void transpose_batched(const std::byte* src, std::byte* dst, int64_t batch, int64_t rows,
                       int64_t cols) {
  constexpr int64_t kTile = 64;
  const auto at = [](int64_t i) { return static_cast<size_t>(i) * ELEM; };
  for (int64_t b = 0; b < batch; ++b, src += at(rows * cols), dst += at(rows * cols))
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c = 0; c < cols; ++c)
        for (int64_t r = r0; r < r1; ++r)
          std::memcpy(dst + at(c * rows + r), src + at(r * cols + c), ELEM);
    }
}

struct BatchedTranspose {
  int64_t batch = 1, rows = 1, cols = 1;
};

// The permutations importers make (OIHW -> OHWI, NCHW <-> NHWC,
// [M,1,KH,KW] -> [1,KH,KW,M]) keep some leading axes and swap the two groups of
// axes after them: perm = [0, lead) ++ [split, r) ++ [lead, split). Such a
// permutation is a batch of 2-D transposes; nullopt for any other.
std::optional<BatchedTranspose> as_batched_transpose(const Shape& s, const std::vector<int>& perm) {
  const size_t r = perm.size();
  size_t lead = 0;
  while (lead < r && perm[lead] == static_cast<int>(lead)) ++lead;
  if (lead + 1 >= r) return std::nullopt;  // identity
  const auto split = static_cast<size_t>(perm[lead]);
  for (size_t k = 0; lead + k < r; ++k) {
    const size_t want = k < r - split ? split + k : lead + (k - (r - split));
    if (perm[lead + k] != static_cast<int>(want)) return std::nullopt;
  }
  BatchedTranspose t;
  for (size_t i = 0; i < lead; ++i) t.batch *= s[i];
  for (size_t i = lead; i < split; ++i) t.rows *= s[i];
  for (size_t i = split; i < r; ++i) t.cols *= s[i];
  return t;
}

}  // namespace

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
  if (const auto t = as_batched_transpose(s, perm)) {
    switch (elem) {
      case 1: return transpose_batched<1>(src, dst, t->batch, t->rows, t->cols);
      case 2: return transpose_batched<2>(src, dst, t->batch, t->rows, t->cols);
      case 4: return transpose_batched<4>(src, dst, t->batch, t->rows, t->cols);
      case 8: return transpose_batched<8>(src, dst, t->batch, t->rows, t->cols);
      default: break;
    }
  }
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
