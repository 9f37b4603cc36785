// Quantization arithmetic shared by every backend: the one place where
// bit-exactness with TensorFlow Lite's reference kernels is decided.
//
// Everything here follows TFLite's default build (double rounding, i.e.
// TFLITE_SINGLE_ROUNDING off): a real multiplier M is stored as a Q0.31
// mantissa and a power-of-two exponent (QuantizeMultiplier), and applied as
// SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT (both
// from gemmlowp; the first rounds ties toward +infinity, the second away from
// zero, so results can differ from rounding once). The fixed-point exp and
// reciprocal used by the quantized softmax are gemmlowp's, step for step.
//
// Functions used at prepare time (computing multipliers) may throw; the
// per-element functions cannot fail and do no allocation.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "ir/dtype.h"
#include "ir/ops.h"
#include "util/error.h"

namespace edgebench::quant {

// ---------------------------------------------------------------------------
// Integer primitives (gemmlowp fixedpoint.h semantics).

// Two's-complement wrapping add/sub/shift: gemmlowp leaves overflow undefined;
// we define it as the wrap every real build produces.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t wrapping_shl(int32_t a, int shift) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) << shift);
}

// round(a * b / 2^31), ties toward +infinity, saturating the one overflow
// case (INT32_MIN * INT32_MIN). ARM's VQRDMULH.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncates toward zero; with the signed nudge (2^30, or 1 - 2^30
  // for negative products) this rounds to nearest, ties toward +infinity.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero. 0 <= exponent <= 31.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * 2^exponent for a signed exponent: a saturating left shift, or a rounding
// right shift (gemmlowp SaturatingRoundingMultiplyByPOT).
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return wrapping_shl(x, exponent);
}

// ---------------------------------------------------------------------------
// Quantized multipliers.

// real ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0).
// shift > 0 is a left shift.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// TFLite QuantizeMultiplier: frexp, round the mantissa to 31 bits (half away
// from zero), renormalize 2^31 to 2^30 with shift+1, flush multipliers below
// 2^-31 to zero.
inline QuantizedMultiplier quantize_multiplier(double real) {
  if (real == 0.0) return {};
  if (!std::isfinite(real) || real < 0)
    fail(ErrorCode::kInternal, "", "cannot quantize multiplier " + std::to_string(real));
  int shift = 0;
  const double q = std::frexp(real, &shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  if (shift > 31)
    fail(ErrorCode::kUnsupported, "",
         "quantized multiplier " + std::to_string(real) + " is too large (>= 2^31)");
  return {static_cast<int32_t>(q_fixed), shift};
}

// TFLite QuantizeMultiplierSmallerThanOneExp: 0 < real < 1, so shift <= 0.
inline QuantizedMultiplier quantize_multiplier_smaller_than_one(double real) {
  if (!(real > 0.0 && real < 1.0))
    fail(ErrorCode::kUnsupported, "", "multiplier " + std::to_string(real) + " must lie in (0, 1)");
  return quantize_multiplier(real);
}

// TFLite QuantizeMultiplierGreaterThanOne: real > 1, so shift >= 0.
inline QuantizedMultiplier quantize_multiplier_greater_than_one(double real) {
  if (!(real > 1.0))
    fail(ErrorCode::kUnsupported, "", "multiplier " + std::to_string(real) + " must exceed 1");
  return quantize_multiplier(real);
}

// TFLite MultiplyByQuantizedMultiplier (double rounding): the left part of the
// shift is applied before the high multiply, the right part after it.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(wrapping_shl(x, left_shift), multiplier), right_shift);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

// TFLite MultiplyByQuantizedMultiplierGreaterThanOne: left shift, then the
// high multiply, no final rounding shift (used by the softmax input scaling).
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                 int left_shift) {
  return saturating_rounding_doubling_high_mul(wrapping_shl(x, left_shift), multiplier);
}

// ONNX's requantization (QLinearConv, QLinearMatMul; Graph::requantization
// kFloat): float(acc) * scale in float, rounded half to even (the default
// rounding mode, as cvtps2dq rounds), limited to [-2^31, 2^30] so that adding
// a zero point cannot overflow (the callers then clamp to 8 bits).
inline int32_t round_to_int_saturated(float v) {
  return static_cast<int32_t>(std::nearbyint(std::clamp(v, -2147483648.0f, 1073741824.0f)));
}
inline int32_t requantize_float(int32_t acc, float scale) {
  return round_to_int_saturated(static_cast<float>(acc) * scale);
}

// ONNX's quantized Add (DequantizeLinear both inputs, add, QuantizeLinear) for
// inputs less their zero points: a * (a_scale / y_scale) + b * (b_scale /
// y_scale) in float, one fused multiply-add, rounded as above; + the output's
// zero point by the caller.
inline int32_t add_float(int32_t a, int32_t b, float a_ratio, float b_ratio) {
  return round_to_int_saturated(
      std::fma(static_cast<float>(a), a_ratio, static_cast<float>(b) * b_ratio));
}

// ---------------------------------------------------------------------------
// Quantizing real values and activation ranges.

template <typename T>
constexpr int32_t qmin() {
  return std::numeric_limits<T>::min();
}
template <typename T>
constexpr int32_t qmax() {
  return std::numeric_limits<T>::max();
}

inline int32_t qmin(DType t) {
  return t == DType::kU8 ? 0 : -128;
}
inline int32_t qmax(DType t) {
  return t == DType::kU8 ? 255 : 127;
}

// zero_point + round(f / scale) with the division in float, as TFLite's
// kernel_util Quantize() (ties away from zero), or as ONNX's QuantizeLinear
// (half_even: ties to even); saturated to the int32 range instead of failing.
inline int32_t quantize_real(float f, float scale, int32_t zero_point, bool half_even = false) {
  const float q = half_even ? std::nearbyint(f / scale) : std::round(f / scale);
  const double wide = static_cast<double>(zero_point) + static_cast<double>(q);
  const double lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  if (std::isnan(wide)) return zero_point;
  return static_cast<int32_t>(std::clamp(wide, lo, hi));
}

struct QuantizedRange {
  int32_t min = 0;
  int32_t max = 0;
};

// TFLite CalculateActivationRangeQuantized: the fused activation's bounds
// quantized with the output's scale and zero point, intersected with the type
// range. kClip (ONNX) is handled like Relu6 with its own bounds; infinite
// bounds leave the type limit.
inline QuantizedRange quantized_activation_range(const FusedActivation& act, DType type,
                                                 float scale, int32_t zero_point) {
  QuantizedRange r{qmin(type), qmax(type)};
  if (act.kind == ActivationKind::kNone) return r;
  if (std::isfinite(act.min)) r.min = std::max(r.min, quantize_real(act.min, scale, zero_point));
  if (std::isfinite(act.max)) r.max = std::min(r.max, quantize_real(act.max, scale, zero_point));
  return r;
}

// ---------------------------------------------------------------------------
// Softmax input scaling (TFLite quantization_util.cc).

// beta * input_scale * 2^(31 - input_integer_bits), capped at 2^31 - 1, as a
// multiplier greater than one.
inline QuantizedMultiplier preprocess_softmax_scaling(double beta, double input_scale,
                                                      int input_integer_bits) {
  const double max_real_multiplier = static_cast<double>((int64_t{1} << 31) - 1);
  const double real = std::min<double>(
      beta * input_scale * static_cast<double>(int64_t{1} << (31 - input_integer_bits)),
      max_real_multiplier);
  return quantize_multiplier_greater_than_one(real);
}

// Largest input difference that, scaled by 2^input_left_shift, still fits in
// a Q(input_integer_bits) number: floor((2^ib - 1) * 2^(total - ib) / 2^shift).
inline int calculate_input_radius(int input_integer_bits, int input_left_shift,
                                  int total_signed_bits = 31) {
  const double max_input_rescaled =
      1.0 * static_cast<double>((int64_t{1} << input_integer_bits) - 1) *
      static_cast<double>(int64_t{1} << (total_signed_bits - input_integer_bits)) /
      static_cast<double>(int64_t{1} << input_left_shift);
  return static_cast<int>(std::floor(max_input_rescaled));
}

// ---------------------------------------------------------------------------
// gemmlowp fixed point: a signed 32-bit value with kIntegerBits integer bits
// (Q<kIntegerBits>.<31 - kIntegerBits>), representing [-2^I, 2^I).

template <int kIntegerBits>
struct FixedPoint {
  static_assert(kIntegerBits >= 0 && kIntegerBits < 32);
  static constexpr int kFractionalBits = 31 - kIntegerBits;
  int32_t raw = 0;

  static constexpr FixedPoint from_raw(int32_t r) { return FixedPoint{r}; }
  static constexpr FixedPoint zero() { return FixedPoint{0}; }
  // 1.0, or the largest value below it when 1.0 is not representable.
  static constexpr FixedPoint one() {
    return FixedPoint{kIntegerBits == 0 ? std::numeric_limits<int32_t>::max()
                                        : static_cast<int32_t>(1) << kFractionalBits};
  }
  // 2^exponent, exactly representable.
  template <int kExponent>
  static constexpr FixedPoint constant_pot() {
    static_assert(kFractionalBits + kExponent >= 0 && kFractionalBits + kExponent < 31);
    return FixedPoint{static_cast<int32_t>(1) << (kFractionalBits + kExponent)};
  }
};

template <int I>
FixedPoint<I> operator+(FixedPoint<I> a, FixedPoint<I> b) {
  return FixedPoint<I>::from_raw(wrapping_add(a.raw, b.raw));
}
template <int I>
FixedPoint<I> operator-(FixedPoint<I> a, FixedPoint<I> b) {
  return FixedPoint<I>::from_raw(wrapping_sub(a.raw, b.raw));
}
template <int I>
FixedPoint<I> operator&(FixedPoint<I> a, FixedPoint<I> b) {
  return FixedPoint<I>::from_raw(a.raw & b.raw);
}
// Product: integer bits add up; the raw operation is the doubling high mul.
template <int A, int B>
FixedPoint<A + B> operator*(FixedPoint<A> a, FixedPoint<B> b) {
  return FixedPoint<A + B>::from_raw(saturating_rounding_doubling_high_mul(a.raw, b.raw));
}

// Same value in another format: saturating when fractional bits are added,
// rounding when they are dropped.
template <int kDst, int kSrc>
FixedPoint<kDst> rescale(FixedPoint<kSrc> x) {
  return FixedPoint<kDst>::from_raw(saturating_rounding_multiply_by_pot(x.raw, kSrc - kDst));
}

// x * 2^exponent by reinterpreting the integer bits (exact).
template <int kExponent, int I>
FixedPoint<I + kExponent> exact_mul_by_pot(FixedPoint<I> x) {
  return FixedPoint<I + kExponent>::from_raw(x.raw);
}

// x * 2^exponent keeping the format: saturating/rounding.
template <int kExponent, int I>
FixedPoint<I> saturating_rounding_multiply_by_pot(FixedPoint<I> x) {
  return FixedPoint<I>::from_raw(saturating_rounding_multiply_by_pot(x.raw, kExponent));
}

// (a + b) / 2 rounded half away from zero, without overflow (VRHADD).
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// exp(x) for x in [-1/4, 0): Taylor expansion around -1/8.
inline FixedPoint<0> exp_on_interval_between_negative_one_quarter_and_0_excl(FixedPoint<0> a) {
  using F = FixedPoint<0>;
  const F constant_term = F::from_raw(1895147668);     // exp(-1/8)
  const F constant_1_over_3 = F::from_raw(715827883);  // 1/3
  const F x = a + F::constant_pot<-3>();
  const F x2 = x * x;
  const F x3 = x2 * x;
  const F x4 = x2 * x2;
  const F x4_over_4 = saturating_rounding_multiply_by_pot<-2>(x4);
  const F x4_over_24_plus_x3_over_6_plus_x2_over_2 =
      saturating_rounding_multiply_by_pot<-1>(((x4_over_4 + x3) * constant_1_over_3) + x2);
  return constant_term + constant_term * (x + x4_over_24_plus_x3_over_6_plus_x2_over_2);
}

// exp(x) for x <= 0: exp of the remainder modulo 1/4, then a barrel shifter
// multiplying by exp(-2^k) for each set bit of the integer part.
template <int kIntegerBits>
FixedPoint<0> exp_on_negative_values(FixedPoint<kIntegerBits> a) {
  using InputF = FixedPoint<kIntegerBits>;
  using ResultF = FixedPoint<0>;
  constexpr int kFractionalBits = InputF::kFractionalBits;
  const InputF one_quarter = InputF::template constant_pot<-2>();
  const InputF mask = one_quarter - InputF::from_raw(1);
  const InputF a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  ResultF result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale<0>(a_mod_quarter_minus_one_quarter));
  const int32_t remainder = (a_mod_quarter_minus_one_quarter - a).raw;

  // exp(-2^exponent) in Q0.31, for exponent = -2 .. 4.
  struct Step {
    int exponent;
    int32_t multiplier;
  };
  constexpr Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                             {2, 39332535},    {3, 720401},      {4, 242}};
  for (const Step& s : kSteps) {
    if (kIntegerBits > s.exponent) {
      const int bit = kFractionalBits + s.exponent;
      if (remainder & (static_cast<int32_t>(1) << bit))
        result = result * ResultF::from_raw(s.multiplier);
    }
  }
  if constexpr (kIntegerBits > 5) {
    // Below -32 the result underflows to zero.
    const int32_t clamp = -(static_cast<int32_t>(1) << (36 - kIntegerBits));
    if (a.raw < clamp) result = ResultF::zero();
  }
  if (a.raw == 0) result = ResultF::one();
  return result;
}

// 1 / (1 + x) for x in [0, 1): Newton-Raphson division with three iterations.
inline FixedPoint<0> one_over_one_plus_x_for_x_in_0_1(FixedPoint<0> a) {
  using F0 = FixedPoint<0>;
  using F2 = FixedPoint<2>;
  const F0 half_denominator = F0::from_raw(rounding_half_sum(a.raw, F0::one().raw));
  const F2 constant_48_over_17 = F2::from_raw(1515870810);
  const F2 constant_neg_32_over_17 = F2::from_raw(-1010580540);
  F2 x = constant_48_over_17 + half_denominator * constant_neg_32_over_17;
  for (int i = 0; i < 3; ++i) {
    const F2 half_denominator_times_x = half_denominator * x;
    const F2 one_minus_half_denominator_times_x = F2::one() - half_denominator_times_x;
    x = x + rescale<2>(x * one_minus_half_denominator_times_x);
  }
  return rescale<0>(exact_mul_by_pot<-1>(x));
}

// TFLite GetReciprocal: 1/x for a positive Q(x_integer_digits) value x, as a
// Q0.31 scale and the number of bits x has above 1.0 (so the true reciprocal
// is scale * 2^-num_bits_over_unit).
inline int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  if (x <= 0) {  // not reachable from softmax (the row maximum contributes exp(0) = 1)
    *num_bits_over_unit = 0;
    return FixedPoint<0>::one().raw;
  }
  const int headroom_plus_one = std::countl_zero(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(
      (static_cast<uint32_t>(x) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
  return one_over_one_plus_x_for_x_in_0_1(FixedPoint<0>::from_raw(shifted_sum_minus_one)).raw;
}

}  // namespace edgebench::quant
