// Quantization arithmetic against hand-computed values. Fixed-point numbers
// are written as real value * 2^fractional_bits.
#include "backends/quant_arith.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace edgebench::quant {
namespace {

constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kHalf = 1 << 30;  // 0.5 in Q0.31

TEST(QuantArith, SaturatingRoundingDoublingHighMul) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kHalf, kHalf), 1 << 29);  // 0.5 * 0.5
  EXPECT_EQ(saturating_rounding_doubling_high_mul(100, kHalf), 50);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-100, kHalf), -50);
  // Ties go toward +infinity (like ARM's VQRDMULH): 1.5 -> 2, -1.5 -> -1.
  // (Only RoundingDivideByPOT rounds ties away from zero.)
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, kHalf), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, kHalf), -1);
  // Non-ties round to nearest: 5 * 0.75 = 3.75 -> 4, -3.75 -> -4, 2.25 -> 2.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(5, 3 << 29), 4);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 3 << 29), -4);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 3 << 29), 2);
  // The only overflow: -1 * -1 saturates to just below 1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMax), -kMax);
}

TEST(QuantArith, RoundingDivideByPot) {
  EXPECT_EQ(rounding_divide_by_pot(12, 0), 12);
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3: ties away from zero
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);  // -1.75 -> -2
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25 -> -1
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
}

TEST(QuantArith, SaturatingRoundingMultiplyByPot) {
  EXPECT_EQ(saturating_rounding_multiply_by_pot(100, 2), 400);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-100, 2), -400);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(1 << 29, 2), kMax);  // 2^31 does not fit
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-(1 << 29), 2), kMin);
  EXPECT_EQ(saturating_rounding_multiply_by_pot((1 << 29) - 1, 2), ((1 << 29) - 1) * 4);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(6, -2), 2);  // 1.5 -> 2
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-6, -2), -2);
}

TEST(QuantArith, QuantizeMultiplier) {
  auto eq = [](QuantizedMultiplier m, int32_t mult, int shift) {
    EXPECT_EQ(m.multiplier, mult);
    EXPECT_EQ(m.shift, shift);
  };
  eq(quantize_multiplier(0.0), 0, 0);
  eq(quantize_multiplier(0.5), 1 << 30, 0);      // 0.5 = 0.5 * 2^0
  eq(quantize_multiplier(1.0), 1 << 30, 1);      // 1 = 0.5 * 2^1
  eq(quantize_multiplier(0.75), 1610612736, 0);  // 0.75 * 2^31
  eq(quantize_multiplier(0.1), 1717986918, -3);  // 0.8 * 2^31 = 1717986918.4
  eq(quantize_multiplier(3.0), 1610612736, 2);   // 0.75 * 2^2
  // A mantissa rounding up to 2^31 is renormalized to 2^30 with one more shift.
  eq(quantize_multiplier(1.0 - 1e-12), 1 << 30, 1);
  // Below 2^-31 (shift < -31) flushes to zero.
  eq(quantize_multiplier(1e-12), 0, 0);
  eq(quantize_multiplier(std::ldexp(0.75, -31)), 1610612736, -31);

  eq(quantize_multiplier_smaller_than_one(0.25), 1 << 30, -1);
  eq(quantize_multiplier_greater_than_one(6710886.4), 1717986918, 23);  // 0.8 * 2^23
  EXPECT_THROW(quantize_multiplier_smaller_than_one(1.5), Error);
  EXPECT_THROW(quantize_multiplier_greater_than_one(0.5), Error);
  EXPECT_THROW(quantize_multiplier(-1.0), Error);
}

TEST(QuantArith, MultiplyByQuantizedMultiplier) {
  const QuantizedMultiplier half{1 << 30, 0};      // 0.5
  const QuantizedMultiplier quarter{1 << 30, -1};  // 0.25
  const QuantizedMultiplier two{1 << 30, 2};       // 2.0
  EXPECT_EQ(multiply_by_quantized_multiplier(100, half), 50);
  EXPECT_EQ(multiply_by_quantized_multiplier(3, half), 2);  // 1.5 -> 2
  // Shift 0: the only rounding is the high multiply's, ties toward +inf.
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, half), -1);  // -1.5 -> -1
  // With a right shift the final rounding is away from zero.
  EXPECT_EQ(multiply_by_quantized_multiplier(6, quarter), 2);    // 1.5 -> 2
  EXPECT_EQ(multiply_by_quantized_multiplier(-6, quarter), -2);  // -1.5 -> -2
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, quarter), -1);  // -1.25 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, quarter), -2);  // -1.75 -> -2
  // 0.3 -> {1288490189, -1}: mantissa 0.6 (rounded up). 5 * 0.6 = 3.0000000005 -> 3 in
  // the high multiply, then the shift: 3 / 2 = 1.5 -> 2 (and -1.5 -> -2).
  const QuantizedMultiplier m03 = quantize_multiplier(0.3);
  EXPECT_EQ(m03.multiplier, 1288490189);
  EXPECT_EQ(m03.shift, -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(5, m03), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, m03), -2);
  // Double rounding differs from rounding once: mantissa 1288490188 (0.6 rounded down),
  // 5 * 1288490188 / 2^31 = 2.9999999981 -> 3, then 3 / 2 -> 2, although
  // 5 * 0.29999999981 = 1.4999999991 would round to 1.
  EXPECT_EQ(multiply_by_quantized_multiplier(5, 1288490188, -1), 2);
  // A left shift is applied before the multiply.
  EXPECT_EQ(multiply_by_quantized_multiplier(3, two), 6);
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, two), -14);
  // A typical conv requantization: acc 1234 * 0.0123 = 15.18 -> 15.
  EXPECT_EQ(multiply_by_quantized_multiplier(1234, quantize_multiplier(0.0123)), 15);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1234, quantize_multiplier(0.0123)), -15);
  // Saturation of the high multiply: -2^31 * (1 - 2^-31) stays in range.
  EXPECT_EQ(multiply_by_quantized_multiplier(kMin, kMax, 0), -kMax);
}

TEST(QuantArith, MultiplyByQuantizedMultiplierGreaterThanOne) {
  // 1717986918 ~ 0.8 * 2^31 with left shift 3: x * 6.4.
  EXPECT_EQ(multiply_by_quantized_multiplier_greater_than_one(10, 1717986918, 3), 64);
  EXPECT_EQ(multiply_by_quantized_multiplier_greater_than_one(-10, 1717986918, 3), -64);
}

TEST(QuantArith, RequantizeFloat) {
  // ONNX's requantization rounds half to even, unlike the fixed-point form.
  EXPECT_EQ(requantize_float(5, 0.5f), 2);    // 2.5
  EXPECT_EQ(requantize_float(7, 0.5f), 4);    // 3.5
  EXPECT_EQ(requantize_float(-5, 0.5f), -2);  // -2.5
  EXPECT_EQ(multiply_by_quantized_multiplier(5, quantize_multiplier(0.5)), 3);
  EXPECT_EQ(requantize_float(1000, 0.0123f), 12);  // 12.3
  EXPECT_EQ(requantize_float(-1000, 0.0123f), -12);
  // Far beyond int32 either way: limited, so that a zero point can be added.
  EXPECT_EQ(requantize_float(kMax, 1000.0f), 1 << 30);
  EXPECT_EQ(requantize_float(kMin, 1000.0f), kMin);
  EXPECT_EQ(requantize_float(kMax, 1.0f), 1 << 30);
}

TEST(QuantArith, AddFloat) {
  EXPECT_EQ(add_float(3, 2, 0.5f, 0.25f), 2);    // 1.5 + 0.5
  EXPECT_EQ(add_float(3, 0, 0.5f, 0.25f), 2);    // 1.5: half to even
  EXPECT_EQ(add_float(5, 0, 0.5f, 0.25f), 2);    // 2.5
  EXPECT_EQ(add_float(-5, 0, 0.5f, 0.25f), -2);  // -2.5
  EXPECT_EQ(add_float(10, -4, 0.3f, 0.7f), 0);   // 3 - 2.8
  EXPECT_EQ(add_float(255, 255, 1e9f, 1e9f), 1 << 30);
}

TEST(QuantArith, QuantizeReal) {
  EXPECT_EQ(quantize_real(0.375f, 0.25f, 0), 2);    // 1.5 -> 2
  EXPECT_EQ(quantize_real(-0.375f, 0.25f, 0), -2);  // half away from zero
  EXPECT_EQ(quantize_real(0.625f, 0.25f, 0), 3);    // 2.5 -> 3
  EXPECT_EQ(quantize_real(0.625f, 0.25f, 0, /*half_even=*/true), 2);
  EXPECT_EQ(quantize_real(-0.625f, 0.25f, 1, true), -1);  // -2.5 -> -2, + 1
  EXPECT_EQ(quantize_real(0.375f, 0.25f, 0, true), 2);
  EXPECT_EQ(quantize_real(std::numeric_limits<float>::quiet_NaN(), 0.25f, 7, true), 7);
  EXPECT_EQ(quantize_real(-0.5f, 0.25f, 10), 8);
  EXPECT_EQ(quantize_real(6.0f, 0.05f, 10), 130);
  EXPECT_EQ(quantize_real(1e30f, 1e-30f, 0), kMax);  // saturates
}

TEST(QuantArith, ActivationRange) {
  auto range = [](ActivationKind k, DType t, float scale, int32_t zp) {
    const QuantizedRange r = quantized_activation_range(make_activation(k), t, scale, zp);
    return std::pair<int, int>(r.min, r.max);
  };
  using P = std::pair<int, int>;
  EXPECT_EQ(range(ActivationKind::kNone, DType::kU8, 0.05f, 10), P(0, 255));
  EXPECT_EQ(range(ActivationKind::kNone, DType::kI8, 0.05f, 10), P(-128, 127));
  EXPECT_EQ(range(ActivationKind::kRelu, DType::kU8, 0.05f, 10), P(10, 255));
  EXPECT_EQ(range(ActivationKind::kRelu6, DType::kU8, 0.05f, 10), P(10, 130));  // 10 + 6/0.05
  // MobileNet's relu6 output: scale 6/255 -> the whole uint8 range.
  EXPECT_EQ(range(ActivationKind::kRelu6, DType::kU8, 6.0f / 255.0f, 0), P(0, 255));
  EXPECT_EQ(range(ActivationKind::kRelu6, DType::kI8, 1.0f / 16.0f, -128), P(-128, -32));
  EXPECT_EQ(range(ActivationKind::kReluN1To1, DType::kI8, 0.01f, 0), P(-100, 100));
  // Bounds beyond the type are cut to it.
  EXPECT_EQ(range(ActivationKind::kRelu6, DType::kU8, 0.01f, 200), P(200, 255));
  const QuantizedRange clip = quantized_activation_range(
      make_activation(ActivationKind::kClip, -1.0f, 2.0f), DType::kI8, 0.1f, 5);
  EXPECT_EQ(clip.min, -5);
  EXPECT_EQ(clip.max, 25);
}

TEST(QuantArith, SoftmaxScaling) {
  // beta * scale * 2^26 = 0.1 * 2^26 = 6710886.4 = 0.8 * 2^23.
  const QuantizedMultiplier m = preprocess_softmax_scaling(1.0, 0.1, 5);
  EXPECT_EQ(m.multiplier, 1717986918);
  EXPECT_EQ(m.shift, 23);
  // (2^5 - 1) * 2^26 / 2^23 = 248.
  EXPECT_EQ(calculate_input_radius(5, 23), 248);
  EXPECT_EQ(calculate_input_radius(5, 26), 31);
  EXPECT_EQ(calculate_input_radius(5, 27), 15);  // floor(15.5)
  // A huge beta * scale is capped at 2^31 - 1.
  const QuantizedMultiplier capped = preprocess_softmax_scaling(1e6, 1.0, 5);
  EXPECT_EQ(capped.multiplier, kMax);
  EXPECT_EQ(capped.shift, 31);
}

TEST(QuantArith, FixedPointBasics) {
  using F0 = FixedPoint<0>;
  using F2 = FixedPoint<2>;
  EXPECT_EQ(F0::one().raw, kMax);
  EXPECT_EQ(F2::one().raw, 1 << 29);
  EXPECT_EQ((F2::constant_pot<-1>()).raw, 1 << 28);  // 0.5 in Q2.29
  // 0.5 (Q0.31) * 0.5 (Q2.29) = 0.25 in Q2.29.
  EXPECT_EQ((F0::from_raw(kHalf) * F2::from_raw(1 << 28)).raw, 1 << 27);
  // Rescale Q0.31 -> Q2.29 drops two bits with rounding: 3 / 4 = 0.75 -> 1.
  EXPECT_EQ(rescale<2>(F0::from_raw(3)).raw, 1);
  // And back, saturating: 2.0 in Q2.29 does not fit in Q0.31.
  EXPECT_EQ(rescale<0>(F2::from_raw(1 << 30)).raw, kMax);
  EXPECT_EQ(rounding_half_sum(3, 4), 4);  // 3.5 -> 4
  EXPECT_EQ(rounding_half_sum(-3, -4), -4);
  EXPECT_EQ(rounding_half_sum(kMax, kMax), kMax);
}

double to_double(int32_t raw, int integer_bits) {
  return std::ldexp(raw, integer_bits - 31);
}

TEST(QuantArith, ExpOnNegativeValues) {
  using F5 = FixedPoint<5>;
  // exp(0) = 1 (the largest Q0.31 value).
  EXPECT_EQ(exp_on_negative_values(F5::zero()).raw, kMax);
  // gemmlowp's exp is a 4th-order Taylor polynomial on [-1/4, 0) (error up to
  // (1/8)^5 / 120 = 2.5e-7) combined with exact-ish constants exp(-2^k).
  for (double x : {-1.0, -0.25, -0.5, -0.125, -1.0 / 3, -2.0, -3.7, -7.9, -12.5, -31.0}) {
    const int32_t raw = static_cast<int32_t>(std::lround(x * (1 << 26)));  // Q5.26
    const double got = to_double(exp_on_negative_values(F5::from_raw(raw)).raw, 0);
    EXPECT_NEAR(got, std::exp(to_double(raw, 5)), 2.6e-7) << "x = " << x;
  }
  // The same in other formats (softmax uses Q5.26; gemmlowp's own tests use others).
  EXPECT_NEAR(to_double(exp_on_negative_values(FixedPoint<0>::from_raw(-kHalf)).raw, 0),
              std::exp(-0.5), 2.6e-7);
  EXPECT_NEAR(to_double(exp_on_negative_values(FixedPoint<8>::from_raw(-(3 << 23))).raw, 0),
              std::exp(-3.0), 2.6e-7);
  // Below -32 with more than 5 integer bits the result is exactly 0.
  EXPECT_EQ(exp_on_negative_values(FixedPoint<7>::from_raw(-(40 << 24))).raw, 0);
}

TEST(QuantArith, OneOverOnePlusX) {
  using F0 = FixedPoint<0>;
  for (double x : {0.0, 0.1, 0.25, 0.5, 0.75, 0.999}) {
    const int32_t raw = static_cast<int32_t>(std::min(std::lround(x * 2147483648.0), long{kMax}));
    const double got = to_double(one_over_one_plus_x_for_x_in_0_1(F0::from_raw(raw)).raw, 0);
    EXPECT_NEAR(got, 1.0 / (1.0 + to_double(raw, 0)), 3e-9) << "x = " << x;
  }
}

TEST(QuantArith, GetReciprocal) {
  int bits = -1;
  // 1.0 in Q12.19: no bits over unit, reciprocal ~1.
  int32_t r = get_reciprocal(1 << 19, 12, &bits);
  EXPECT_EQ(bits, 0);
  EXPECT_NEAR(to_double(r, 0), 1.0, 3e-9);
  // 3.0 = 1.5 * 2^1: scale 1/1.5, one bit over unit -> 1/3.
  r = get_reciprocal(3 << 19, 12, &bits);
  EXPECT_EQ(bits, 1);
  EXPECT_NEAR(std::ldexp(to_double(r, 0), -bits), 1.0 / 3.0, 3e-9);
  // A softmax row sum, 370.37 = 1.4468 * 2^8: eight bits over unit.
  const int32_t sum = static_cast<int32_t>(std::lround(370.37 * (1 << 19)));
  r = get_reciprocal(sum, 12, &bits);
  EXPECT_EQ(bits, 8);
  EXPECT_NEAR(std::ldexp(to_double(r, 0), -bits), 1.0 / 370.37, 1e-9);
}

}  // namespace
}  // namespace edgebench::quant
