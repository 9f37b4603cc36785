// The cpu backend's own int8 GEMM with the requantization epilogue fused: the
// quantized convolutions' and fully-connected layers' main loop on CPUs with
// AVX512-VNNI (vpdpbusd: u8 x s8 products summed into int32, exact).
//
// C[m][n] = requantize(sum_k A'[m][k] * B[k][n] + channel_add[m][n] + pixel_add[m])
// with A' = A for uint8 activations and A xor 0x80 (= A + 128) for int8 ones;
// the caller folds -128 * sum_k B[k][n] into channel_add. The int32 sums never
// leave the registers: oneDNN's int8 convolution would write them out for our
// epilogue to read back (TFLite's rounding is not one of its post-ops), which
// costs more than the products on MobileNet's 1x1 layers.
//
// A is row-major with row stride lda and readable for k_groups * 4 bytes per
// row: a pointwise convolution's NHWC input when in_c is a multiple of 4, else
// an im2col buffer the caller fills (int8_gemm_conv in lower_conv_int8.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "backends/cpu/int8_kernels.h"

namespace edgebench::cpu::int8 {

// Output channels per packed block: four vectors of 16 int32 lanes.
constexpr int kGemmBlock = 64;

struct GemmArgs {
  const uint8_t* a = nullptr;  // [m][lda] raw activation bytes (u8 or s8)
  int64_t lda = 0;
  int64_t a_first_row = 0;  // the row index of A's first row (a band of rows)
  int64_t m = 0;
  int k_groups = 0;                             // K / 4, K padded with zero weights
  const int8_t* b = nullptr;                    // pack_gemm_weights' layout
  int n = 0;                                    // output channels
  bool signed_a = false;                        // A holds int8: flipped to uint8 in the kernel
  bool signed_c = false;                        // C is int8 (else uint8)
  const int32_t* const* channel_add = nullptr;  // per row, a row of (padded) channels
  const int32_t* pixel_add = nullptr;           // per row of A (from a_first_row), or nullptr
  Requant q;
  const int64_t* fused = nullptr;  // RequantTable::fused() for q's zero point, or nullptr
  uint8_t* c = nullptr;            // [m][n]
  // Output channels [col_begin, col_end) only: both multiples of kGemmBlock
  // (col_end may also be n). Lets callers split small images by channels.
  int col_begin = 0;
  int col_end = 1 << 30;
};

// Weights [n][k] (k contiguous) into blocks of kGemmBlock channels, each
// [k_groups][vectors][16 channels][4 k], vectors = 4 except in a last narrower
// block (ceil(channels left / 16)); zero beyond n and k.
std::vector<int8_t> pack_gemm_weights(const int8_t* w, int n, int k);

// Rows [row_begin, row_end) of C, columns [col_begin, col_end).
// Single-threaded: callers split the work.
using GemmFn = void (*)(const GemmArgs&, int64_t row_begin, int64_t row_end);

// The AVX512-VNNI kernel when this CPU has it (and oneDNN's ISA cap allows
// AVX-512), else nullptr.
GemmFn gemm_u8s8();

// The kernel's translation unit (nullptr when the compiler cannot build it);
// gemm_u8s8() adds the CPU check.
GemmFn gemm_u8s8_avx512vnni();

}  // namespace edgebench::cpu::int8
