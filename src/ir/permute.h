// Permuting a tensor's axes: the shape, and the bytes (out[i] = in at the
// permuted index). Importers reorder weights with it (OIHW -> OHWI), exporters
// back, deferred constants (ConstData::permuted) when first read, and the cpu
// backend's Transpose steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/tensor.h"

namespace edgebench {

// out[i] = s[perm[i]]
Shape permute_shape(const Shape& s, const std::vector<int>& perm);

// True if the permutation leaves the axes longer than 1 in their order: the
// bytes do not move (a 1x1 filter's OIHW -> OHWI).
bool permutation_keeps_bytes(const Shape& s, const std::vector<int>& perm);

// A permutation that moves `batch` row-major [rows, cols] matrices each to
// [cols, rows], once axes of size 1 are dropped and axes that stay neighbours
// merged (NCHW -> NHWC, OIHW -> OHWI, [M,1,KH,KW] -> [1,KH,KW,M]).
struct BatchedTranspose {
  int64_t batch = 1, rows = 1, cols = 1;
};
std::optional<BatchedTranspose> as_batched_transpose(const Shape& s, const std::vector<int>& perm);

// Columns [c_begin, c_end) of each of `t`'s matrices from `src` into their
// places in `dst` (so callers may split the work); `elem` bytes per element,
// any alignment. False (nothing written) for an `elem` other than 1, 2, 4, 8.
bool transpose_batched(const std::byte* src, std::byte* dst, size_t elem, const BatchedTranspose& t,
                       int64_t c_begin, int64_t c_end);

// Writes into `dst` the elements of `src` (shape `s`, `elem` bytes each, any
// alignment) with their axes permuted: output axis i is input axis perm[i].
void permute_bytes(const std::byte* src, std::byte* dst, size_t elem, const Shape& s,
                   const std::vector<int>& perm);

}  // namespace edgebench
