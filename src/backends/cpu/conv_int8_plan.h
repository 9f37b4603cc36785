// What lower_conv_int8.cpp prepares for a quantized convolution before
// emitting steps: geometry, the int8 weights handed to oneDNN, the correction
// factor d, and the epilogue's tables (see lower_conv_int8.cpp for the algebra).
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowering.h"
#include "backends/cpu/requant_table.h"

namespace edgebench::cpu {

// Everything the epilogue reads, shared by the steps that use it.
struct Int8ConvData {
  int8::RequantTable multipliers;
  std::vector<int32_t> table;                // [border classes][padded channels]
  std::vector<const int32_t*> row_of_pixel;  // [pixels] -> a table row
  int32_t output_zero_point = 0, act_min = 0, act_max = 0;
  int8::Requant requant() const { return multipliers.view(output_zero_point, act_min, act_max); }
};

struct Int8ConvPlan {
  int8::Geometry geo;
  int pad_bottom = 0, pad_right = 0;
  bool u8 = true;
  int32_t d = 0;           // multiplier of the per-pixel window sums (0: none)
  std::vector<int8_t> wq;  // OHWI int8 weights for oneDNN
  int64_t pixels = 0;      // batch x out_h x out_w
  std::shared_ptr<Int8ConvData> data;
};

Int8ConvPlan plan_int8_conv(const Graph& g, const Node& n);

// A step filling `sums` (one int32 per output pixel) with the plan's window
// sums times d, the per-pixel term of the zero-point correction.
void add_window_sums_step(Lowering& L, const Int8ConvPlan& plan, int src, int sums);

// 1x1, stride 1, no padding: a GEMM over all pixels.
bool is_pointwise(const Int8ConvPlan& p);

// Runs a pointwise convolution in bands of pixels, each band's int32
// products requantized while they are still in the cache.
void emit_int8_conv_banded(Lowering& L, const Node& n, const Int8ConvPlan& plan);

// Our own int8 GEMM (int8_gemm.h), products and requantization in one pass;
// only where int8_gemm_available().
bool int8_gemm_available();
void emit_int8_conv_gemm(Lowering& L, const Node& n, const Int8ConvPlan& plan);

}  // namespace edgebench::cpu
