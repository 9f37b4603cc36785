// AVX-512 pieces shared by the int8 kernels (int8_kernels_avx512.cpp) and the
// int8 GEMM (int8_gemm_avx512vnni.cpp): TFLite's requantization, and ONNX's
// float one, on 16 lanes.
// Include it only from a translation unit compiled for AVX-512 (F, BW, VL, DQ),
// after <immintrin.h>; everything is internal to that unit.
#pragma once

#include <immintrin.h>

#include "backends/cpu/int8_kernels.h"

namespace edgebench::cpu::int8 {
namespace {

// One vector of per-channel requantization parameters. mult_odd holds each
// odd lane's multiplier in the even lane below it (a load one element on),
// where _mm512_mul_epi32 reads it.
// Float requantization (Requant::scale) uses `scale` alone.
struct QVec {
  __m512i mult, mult_odd, lsh, rsh, mask, half;
  bool any_lsh;
  bool is_float = false;
  __m512 scale = _mm512_setzero_ps();
};

inline QVec load_q(const Requant& q, int c) {
  if (q.scale) {
    const __m512i z = _mm512_setzero_si512();
    return {z, z, z, z, z, z, false, true, _mm512_loadu_ps(q.scale + c)};
  }
  return {_mm512_loadu_si512(q.multiplier + c),
          _mm512_loadu_si512(q.multiplier + c + 1),
          _mm512_loadu_si512(q.left_shift + c),
          _mm512_loadu_si512(q.right_shift + c),
          _mm512_loadu_si512(q.rounding_mask + c),
          _mm512_loadu_si512(q.rounding_half + c),
          q.any_left_shift};
}

// quant::round_to_int_saturated on 16 lanes: cvtps2dq rounds half to even
// (the default MXCSR mode); values beyond int32 become INT32_MIN, so the upper
// limit is applied before the conversion.
inline __m512i round_to_int_saturated(__m512 v) {
  return _mm512_cvtps_epi32(_mm512_min_ps(v, _mm512_set1_ps(1073741824.0f)));
}
// quant::requantize_float on 16 lanes.
inline __m512i requantize_float(__m512i acc, __m512 scale) {
  return round_to_int_saturated(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale));
}

// Four vectors of int32 already within the output type, as 64 bytes in lane
// order (saturating packs are exact on them; one 64-byte store costs several
// times less than vpmovdb stores). The packs interleave 128-bit lanes: dword
// j of their result comes from lane j % 4 of vector j / 4, hence the permute.
template <bool kSigned>
inline __m512i pack_bytes(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
  const __m512i h01 = _mm512_packs_epi32(v0, v1), h23 = _mm512_packs_epi32(v2, v3);
  const __m512i bytes = kSigned ? _mm512_packs_epi16(h01, h23) : _mm512_packus_epi16(h01, h23);
  return _mm512_permutexvar_epi32(
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), bytes);
}

// The same parameters for every lane.
inline QVec broadcast_q(int32_t mult, int32_t lsh, int32_t rsh) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << rsh) - 1);
  return {_mm512_set1_epi32(mult),
          _mm512_set1_epi32(mult),
          _mm512_set1_epi32(lsh),
          _mm512_set1_epi32(rsh),
          _mm512_set1_epi32(mask),
          _mm512_set1_epi32(mask >> 1),
          lsh != 0};
}

// TFLite MultiplyByQuantizedMultiplier on 16 lanes (double rounding).
// SaturatingRoundingDoublingHighMul is floor((x * m + 2^30) / 2^31) for every
// x when m >= 0 (the saturating case needs m = INT32_MIN); its low 32 bits are
// bits 31..62 of the 64-bit sum, so a logical shift suffices.
inline __m512i multiply_by_quantized_multiplier(__m512i acc, const QVec& v) {
  if (v.is_float) return requantize_float(acc, v.scale);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  const __m512i x = v.any_lsh ? _mm512_sllv_epi32(acc, v.lsh) : acc;
  __m512i even = _mm512_mul_epi32(x, v.mult);
  __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), v.mult_odd);
  even = _mm512_srli_epi64(_mm512_add_epi64(even, nudge), 31);
  odd = _mm512_slli_epi64(_mm512_add_epi64(odd, nudge), 1);
  const __m512i high = _mm512_mask_blend_epi32(0xAAAA, even, odd);
  // RoundingDivideByPOT: ties away from zero (the threshold is one higher for
  // negative values).
  const __m512i rem = _mm512_and_si512(high, v.mask);
  const __m512i thr = _mm512_add_epi32(v.half, _mm512_srli_epi32(high, 31));
  const __m512i r = _mm512_srav_epi32(high, v.rsh);
  return _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, one);
}

// The same result + zero point, for channels whose shift is a right shift of
// 1..20 (fused_requant_table() says which), in 12 operations instead of 15:
// the doubling high multiply's rounding, TFLite's rounding divide (ties away
// from zero) and the zero point collapse into one 64-bit rounding shift,
//   (x m + 2^30 + 2^(30+e) + zp 2^(31+e) - 2^31 [x m < -2^30]) >> (31 + e)
// (floor(floor(a / b) + n) / c) = floor((a + n b) / (b c)); x m < -2^30 is
// exactly when the high multiply is negative). t: this vector's block of the
// table, [add even lanes, add odd lanes, shift even, shift odd] x 8 int64; the
// odd lanes shift by e - 1 so that their result lands in the high dword.
// kClampsNegative (the activation's minimum is at least the zero point: ReLU,
// ReLU6) drops the correction: where it applies, the high multiply is
// negative, so with or without it the result is at most the zero point and
// clamps to the minimum.
template <bool kClampsNegative = false>
inline __m512i requant_fused(__m512i x, __m512i mult, __m512i mult_odd, const int64_t* t) {
  __m512i even = _mm512_mul_epi32(x, mult);
  __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), mult_odd);
  if constexpr (!kClampsNegative) {
    const __m512i limit = _mm512_set1_epi64(-(int64_t{1} << 30));
    const __m512i two31 = _mm512_set1_epi64(int64_t{1} << 31);
    const __mmask8 neg_even = _mm512_cmplt_epi64_mask(even, limit);
    const __mmask8 neg_odd = _mm512_cmplt_epi64_mask(odd, limit);
    even = _mm512_mask_sub_epi64(even, neg_even, even, two31);
    odd = _mm512_mask_sub_epi64(odd, neg_odd, odd, two31);
  }
  even = _mm512_add_epi64(even, _mm512_loadu_si512(t));
  odd = _mm512_add_epi64(odd, _mm512_loadu_si512(t + 8));
  even = _mm512_srav_epi64(even, _mm512_loadu_si512(t + 16));
  odd = _mm512_srav_epi64(odd, _mm512_loadu_si512(t + 24));
  return _mm512_mask_blend_epi32(0xAAAA, even, odd);
}

// Requantization (either form): the above, + zero point, clamped.
inline __m512i requant(__m512i acc, const QVec& v, __m512i zp, __m512i lo, __m512i hi) {
  const __m512i r = _mm512_add_epi32(multiply_by_quantized_multiplier(acc, v), zp);
  return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}

inline __mmask16 tail_mask(int remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xFFFF)
                         : static_cast<__mmask16>((1u << remaining) - 1);
}

template <bool kSigned>
inline __m512i load_bytes(const void* p, __mmask16 m) {
  const __m128i b = _mm_maskz_loadu_epi8(m, p);
  return kSigned ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

}  // namespace
}  // namespace edgebench::cpu::int8
