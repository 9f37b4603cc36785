// Owner of the per-channel arrays a Requant (int8_kernels.h) points to, built
// once at compile time from TFLite's (multiplier, shift) pairs or from float
// scales, padded so that vector loads past the last channel (and one element
// further, for the odd lanes' multipliers) stay inside.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backends/cpu/int8_kernels.h"

namespace edgebench::cpu::int8 {

class RequantTable {
 public:
  RequantTable() = default;
  RequantTable(const std::vector<int32_t>& multiplier, const std::vector<int>& shift) {
    const size_t n = multiplier.size();
    const size_t padded = (n + kChannelPad - 1) / kChannelPad * kChannelPad + kChannelPad;
    mult_.assign(padded, 0), lsh_.assign(padded, 0), rsh_.assign(padded, 0);
    mask_.assign(padded, 0), half_.assign(padded, 0);
    for (size_t c = 0; c < n; ++c) {
      mult_[c] = multiplier[c];
      lsh_[c] = std::max(shift[c], 0);
      rsh_[c] = std::max(-shift[c], 0);
      mask_[c] = static_cast<int32_t>((int64_t{1} << rsh_[c]) - 1);
      half_[c] = mask_[c] >> 1;
      left_shifts_ |= lsh_[c] != 0;
    }
  }
  // Float requantization: one scale per channel (ref::ConvQuantization::scale).
  explicit RequantTable(const std::vector<float>& scale) {
    const size_t padded =
        (scale.size() + kChannelPad - 1) / kChannelPad * kChannelPad + kChannelPad;
    scale_.assign(padded, 0.0f);
    std::copy(scale.begin(), scale.end(), scale_.begin());
  }
  // The table for ref::make_conv_quantization's result, whichever form it has.
  template <class ConvQuantization>
  static RequantTable of(const ConvQuantization& q) {
    return q.scale.empty() ? RequantTable(q.multiplier, q.shift) : RequantTable(q.scale);
  }
  bool is_float() const { return !scale_.empty(); }

  // requant_fused()'s table (int8_requant_avx512.h) for this zero point:
  // per block of 16 channels, 8 int64 each of the even and odd channels'
  // additive constants, then of their shifts. Empty unless every channel has
  // no left shift and a right shift of 1..20 (the 64-bit sum cannot overflow).
  std::vector<int64_t> fused(int32_t zero_point) const {
    if (is_float()) return {};
    const size_t blocks = mult_.size() / kChannelPad;
    std::vector<int64_t> t(blocks * 32, 0);
    for (size_t c = 0; c < blocks * kChannelPad; ++c) {
      const bool used = mult_[c] != 0;
      const int64_t e = used ? rsh_[c] : 1;
      if (used && (lsh_[c] != 0 || e < 1 || e > 20)) return {};
      const size_t block = c / 16, lane = c % 16 / 2, odd = c % 2;
      t[block * 32 + odd * 8 + lane] =
          (int64_t{1} << 30) + (int64_t{1} << (30 + e)) + (int64_t{zero_point} << (31 + e));
      t[block * 32 + 16 + odd * 8 + lane] = odd ? e - 1 : 31 + e;
    }
    return t;
  }
  Requant view(int32_t zero_point, int32_t act_min, int32_t act_max) const {
    Requant q;
    q.multiplier = mult_.data();
    q.left_shift = lsh_.data();
    q.right_shift = rsh_.data();
    q.rounding_mask = mask_.data();
    q.rounding_half = half_.data();
    q.any_left_shift = left_shifts_;
    q.scale = is_float() ? scale_.data() : nullptr;
    q.output_zero_point = zero_point;
    q.act_min = act_min;
    q.act_max = act_max;
    return q;
  }

 private:
  std::vector<int32_t> mult_, lsh_, rsh_, mask_, half_;
  std::vector<float> scale_;
  bool left_shifts_ = false;
};

}  // namespace edgebench::cpu::int8
