// Reference average and max pooling over NHWC tensors.
//
// TFLite semantics (reference_ops::AveragePool/MaxPool, reference_integer_ops
// for int8): the window is clipped to the image; average pooling divides by
// the number of cells inside it (count_include_pad instead counts the cells
// inside the padded extent, as ONNX does). Quantized averages stay in the
// input's quantization (scales must match) and round the integer division
// half away from zero: uint8 (acc + n/2) / n; int8 the same mirrored for
// negative sums. Float averages are sum / n. Results are clamped to the fused
// activation's range.
#pragma once

#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

struct PoolShape {
  int batch = 1;
  int in_h = 1, in_w = 1, channels = 1;
  int out_h = 1, out_w = 1;
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;
};

void average_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y);
void max_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y);
template <typename T>
void average_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y);
template <typename T>
void max_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y);

}  // namespace edgebench::ref
