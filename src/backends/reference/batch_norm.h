// Reference batch normalization over the last (channel) axis, f32 only:
// y = (x - mean) * (scale / sqrt(var + epsilon)) + bias, the per-channel factor
// computed once at prepare time in float.
#pragma once

#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

// factor[c] = scale[c] / sqrt(var[c] + epsilon).
void batch_norm_f32(int64_t rows, int64_t channels, const float* mean, const float* factor,
                    const float* bias, const float* x, float* y);

}  // namespace edgebench::ref
