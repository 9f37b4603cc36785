// Reference Transpose: y[i_0, ..., i_{r-1}] = x[...] with output axis k taken
// from input axis perm[k]. Data movement only, so any element size works.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct TransposeShape {
  static constexpr int kMaxRank = 8;
  int rank = 0;
  std::array<int64_t, kMaxRank> out_dims{};
  std::array<int64_t, kMaxRank> in_stride{};  // input stride of each output axis
  size_t element_size = 4;
};

// Fails (returns false) if the rank exceeds kMaxRank.
bool make_transpose_shape(const Shape& in, const std::vector<int>& perm, size_t element_size,
                          TransposeShape& s);
void transpose(const TransposeShape& s, const void* x, void* y);

}  // namespace edgebench::ref
