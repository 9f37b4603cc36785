// Reference elementwise Add/Sub/Mul/Div with NumPy broadcasting.
//
// TFLite semantics for quantized inputs:
//  - Add (reference_ops::Add / reference_integer_ops::Add): both inputs are
//    shifted left by 20 bits, rescaled to twice the larger input scale
//    (multipliers s_i / (2 max(s1, s2)) < 1), summed, and rescaled to the
//    output (2 max(s1, s2) / (2^20 s_out)); every rescale is
//    MultiplyByQuantizedMultiplierSmallerThanOneExp.
//  - Mul (reference_ops::Mul / reference_integer_ops::Mul): (x1 - z1)(x2 - z2)
//    times one multiplier s1 s2 / s_out (computed in float, as mul.cc does).
// Sub and Div are f32 only.
#pragma once

#include <array>
#include <cstdint>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv };

// The output's dimensions (right-aligned to kMaxRank) and each input's element
// strides, 0 along broadcast dimensions.
struct BroadcastShape {
  static constexpr int kMaxRank = 8;
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<int64_t, kMaxRank> stride_a{};
  std::array<int64_t, kMaxRank> stride_b{};
  int64_t elements = 0;
  bool same_shape = false;  // no broadcasting: a flat loop suffices
};

// Fails (returns false) if the rank exceeds kMaxRank.
bool make_broadcast_shape(const Shape& a, const Shape& b, const Shape& out, BroadcastShape& s);

// TFLite's Add parameters; with is_float (Graph::requantization kFloat),
// ONNX's: quant::add_float with the two ratios, the multipliers unused.
struct QuantAddParams {
  bool is_float = false;
  float input1_ratio = 0, input2_ratio = 0;
  int left_shift = 20;
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;
  int32_t act_min = 0, act_max = 0;
};

struct QuantMulParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t output_multiplier = 0;
  int output_shift = 0;
  int32_t act_min = 0, act_max = 0;
};

void binary_f32(BinaryOp op, const BroadcastShape& s, float act_min, float act_max, const float* a,
                const float* b, float* y);
template <typename T>
void add_quant(const BroadcastShape& s, const QuantAddParams& p, const T* a, const T* b, T* y);
template <typename T>
void mul_quant(const BroadcastShape& s, const QuantMulParams& p, const T* a, const T* b, T* y);

// Computes TFLite's Add/Mul parameters from the tensors' quantization.
QuantAddParams make_quant_add_params(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                     float out_scale, int32_t out_zp, int32_t act_min,
                                     int32_t act_max, Requantization rq);
QuantMulParams make_quant_mul_params(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                     float out_scale, int32_t out_zp, int32_t act_min,
                                     int32_t act_max);

}  // namespace edgebench::ref
