#include "backends/reference/batch_norm.h"

#include <cmath>
#include <memory>
#include <vector>

namespace edgebench::ref {

void batch_norm_f32(int64_t rows, int64_t channels, const float* mean, const float* factor,
                    const float* bias, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    for (int64_t c = 0; c < channels; ++c) yr[c] = (xr[c] - mean[c]) * factor[c] + bias[c];
  }
}

PreparedNode prepare_batch_norm(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& y = v.output();
  for (size_t i = 0; i < 5; ++i)
    if (v.input(i).dtype != DType::kF32) v.unsupported_dtype(v.input(i).dtype);
  if (y.dtype != DType::kF32) v.unsupported_dtype(y.dtype);
  const int64_t channels = x.shape.back();
  const int64_t rows = channels == 0 ? 0 : x.elements() / channels;
  const float eps = n.attr<BatchNormAttrs>().epsilon;
  const float* scale = v.input_data<float>(1);
  const float* bias = v.input_data<float>(2);
  const float* mean = v.input_data<float>(3);
  const float* var = v.input_data<float>(4);
  auto factor = std::make_shared<std::vector<float>>(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) (*factor)[c] = scale[c] / std::sqrt(var[c] + eps);
  const float* xp = v.input_data<float>(0);
  float* yp = v.output_data<float>();
  return {v.kernel_name("batch_norm", x.dtype), [rows, channels, mean, factor, bias, xp, yp] {
            batch_norm_f32(rows, channels, mean, factor->data(), bias, xp, yp);
          }};
}

}  // namespace edgebench::ref
