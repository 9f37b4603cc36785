// Reference average and max pooling over NHWC tensors.
//
// TFLite semantics (reference_ops::AveragePool/MaxPool, reference_integer_ops
// for int8): the window is clipped to the image; average pooling divides by
// the number of cells inside it (count_include_pad instead counts the cells
// inside the padded extent, as ONNX does). Quantized averages stay in the
// input's quantization (scales must match) and round the integer division
// half away from zero: uint8 (acc + n/2) / n; int8 the same mirrored for
// negative sums. Under count_include_pad the padded cells hold real 0, that
// is the zero point, in the sum (ONNX's AveragePool of dequantized values).
// Float averages are sum / n. Results are clamped to the fused activation's
// range.
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
  int32_t zero_point = 0;  // quantized: the value of real 0, which padded cells hold
};

// The window of output (oy, ox) clipped to the image, as filter-relative
// ranges [y0, y1) x [x0, x1), plus the divisor average pooling uses.
struct PoolWindow {
  int iy = 0, ix = 0;  // input position of filter cell (0, 0)
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int count = 0;
  int padded = 0;  // cells of count outside the image (count_include_pad only)
};
PoolWindow pool_window(const PoolShape& s, int oy, int ox);
// The shape of a pooling node: NHWC input x, output y.
PoolShape pool_shape(const Tensor& x, const Tensor& y, const Pool2DAttrs& a);

// TFLite's quantized average: the integer division rounded half away from zero.
inline int32_t rounded_average(int32_t acc, int32_t n) {
  if (n <= 0) return 0;
  return acc >= 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
}

// bias: one value per channel added before the activation, or nullptr.
void average_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y,
                      const float* bias = nullptr);
void max_pool_f32(const PoolShape& s, float act_min, float act_max, const float* x, float* y);
template <typename T>
void average_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y);
template <typename T>
void max_pool_quant(const PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y);

}  // namespace edgebench::ref
