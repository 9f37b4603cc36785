// f32 matrix-vector product for a batch-1 FullyConnected (a classifier's
// logits layer): y[o] = clamp(bias[o] + sum_k w[o][k] * x[k], lo, hi).
//
// Why our own: with one input row the layer is a pass over the weights
// (4-8 MiB for the zoo's classifiers), bound by memory, and oneDNN's inner
// product read them at about half the bandwidth a plain row-by-row loop gets
// (MobileNetV1's 1001 x 1024 layer: 0.28 ms against 0.19 ms from DRAM,
// 0.07 ms from L3, on Zen 4).
#pragma once

#include <cstdint>

namespace edgebench::cpu {

struct GemvArgs {
  const float* w = nullptr;     // [rows][k], row-major
  const float* x = nullptr;     // [k]
  const float* bias = nullptr;  // [rows] or nullptr
  float* y = nullptr;           // [rows]
  int64_t rows = 0, k = 0;
  float lo = -__builtin_inff(), hi = __builtin_inff();  // fused activation's clamp
};

// Rows [row_begin, row_end) of y. Single-threaded: callers split the rows.
// Built for AVX-512, AVX2 and the baseline, picked at load time.
void gemv_f32(const GemvArgs& a, int64_t row_begin, int64_t row_end);

}  // namespace edgebench::cpu
