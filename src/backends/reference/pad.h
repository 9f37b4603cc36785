// Reference constant padding. Quantized tensors pad with the quantized pad
// value (zero_point + round(value / scale): the zero point for the usual 0),
// as TFLite's Pad does; the data is copied unchanged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct PadShape {
  static constexpr int kMaxRank = 8;
  int rank = 0;
  std::array<int64_t, kMaxRank> in_dims{};
  std::array<int64_t, kMaxRank> out_dims{};
  std::array<int64_t, kMaxRank> before{};
  size_t element_size = 4;
};

// Fails (returns false) if the rank exceeds kMaxRank.
bool make_pad_shape(const Shape& in, const std::vector<int64_t>& before,
                    const std::vector<int64_t>& after, size_t element_size, PadShape& s);
// `value` points to one element of the pad value.
void pad(const PadShape& s, const void* value, const void* x, void* y);

}  // namespace edgebench::ref
