// Permuting a tensor's axes: the shape, and the bytes (out[i] = in at the
// permuted index). Importers reorder weights with it (OIHW -> OHWI), exporters
// back, and deferred constants (ConstData::permuted) when first read.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/tensor.h"

namespace edgebench {

// out[i] = s[perm[i]]
Shape permute_shape(const Shape& s, const std::vector<int>& perm);

// True if the permutation leaves the axes longer than 1 in their order: the
// bytes do not move (a 1x1 filter's OIHW -> OHWI).
bool permutation_keeps_bytes(const Shape& s, const std::vector<int>& perm);

// Writes into `dst` the elements of `src` (shape `s`, `elem` bytes each, any
// alignment) with their axes permuted: output axis i is input axis perm[i].
void permute_bytes(const std::byte* src, std::byte* dst, size_t elem, const Shape& s,
                   const std::vector<int>& perm);

}  // namespace edgebench
