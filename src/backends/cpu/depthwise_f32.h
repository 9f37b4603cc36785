// The cpu backend's own float depthwise convolution: 3x3, multiplier 1,
// stride 1 or 2 (both axes), dilation 1, NHWC, bias and a clamp fused.
//
// Why our own: oneDNN's jit_dw makes its code at load (~0.06 ms a layer, 0.6 ms
// of MobileNetV2's 12 ms cached load), while this kernel is compiled ahead,
// and it is as fast or faster on the zoo's layers (Zen 4, 1 thread:
// 112x112x32/1 0.083 -> 0.076 ms, 112x112x96/2 0.104 -> 0.099, 14x14x576/1
// 0.029 -> 0.025, 7x7x960/1 0.013 -> 0.010). Each output row and block of 16
// channels slides a 3x3 window of vectors along the row: per output, 3 new
// input vectors (6 at stride 2) and 9 multiply-adds against weights held in
// registers. Rows and columns outside the image read as zeros (a zero row,
// zero vectors), so borders take the same path.
//
// In nhwc, not taken where the channel count is a multiple of 256: a pixel is
// then a power-of-two stride of 1 KiB or more, the window's loads and the
// row's stores fall on the same few cache sets and it ran up to 2x slower
// than jit_dw (14x14x512/1: 0.028 -> 0.058 ms; 14x14x528/1: 0.027 -> 0.022).
// In nChw16c (Lowering::blocked_float_layout) a pixel is 64 bytes: always.
//
// The ISA file includes nothing but intrinsics and this header (see
// int8_kernels.h for why).
#pragma once

#include <cstdint>

namespace edgebench::cpu {

struct DepthwiseF32Args {
  const float* x = nullptr;         // [batch][in_h][in_w][c], or blocked (below)
  const float* w = nullptr;         // [3][3][c]
  const float* bias = nullptr;      // [c]
  const float* zero_row = nullptr;  // in_w * c zeros
  float* y = nullptr;               // [batch][out_h][out_w][c]
  int in_h = 0, in_w = 0, c = 0, out_h = 0, out_w = 0;
  int stride = 1, pad_top = 0, pad_left = 0;
  // x and y in oneDNN's nChw16c (16 | c: each block of 16 channels a plane of
  // its own) rather than nhwc.
  bool blocked = false;
  bool clamp = false;  // clamp to [lo, hi] (a fused ReLU, ReLU6 or Clip)
  float lo = 0, hi = 0;
};

// Output rows [row_begin, row_end) of batch * out_h.
using DepthwiseF32Fn = void (*)(const DepthwiseF32Args&, int64_t row_begin, int64_t row_end);

// The AVX-512 kernel, or nullptr where the CPU (or oneDNN's ISA cap,
// ONEDNN_MAX_CPU_ISA) has no AVX-512; oneDNN's jit_dw serves there.
DepthwiseF32Fn depthwise3x3_f32_kernel();

void depthwise3x3_f32_avx512(const DepthwiseF32Args& a, int64_t row_begin, int64_t row_end);

}  // namespace edgebench::cpu
