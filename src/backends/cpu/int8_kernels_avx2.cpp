// int8 kernels for AVX2: 8 channels per vector, scalar tails through
// requantize_one (generic TU). Same arithmetic as int8_kernels_generic.cpp,
// lane by lane; the tests compare them. This file must include nothing but
// intrinsics and int8_kernels.h (see there why).
#include "backends/cpu/int8_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2")
#include <immintrin.h>

namespace edgebench::cpu::int8 {
namespace {

inline __m256i load8(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// See int8_kernels_avx512.cpp.
struct QVec {
  __m256i mult, mult_odd, lsh, rsh, mask, half;
  bool any_lsh;
  bool is_float = false;
  __m256 scale = _mm256_setzero_ps();
};

inline QVec load_q(const Requant& q, int c) {
  if (q.scale) {
    const __m256i z = _mm256_setzero_si256();
    return {z, z, z, z, z, z, false, true, _mm256_loadu_ps(q.scale + c)};
  }
  return {load8(q.multiplier + c),  load8(q.multiplier + c + 1), load8(q.left_shift + c),
          load8(q.right_shift + c), load8(q.rounding_mask + c),  load8(q.rounding_half + c),
          q.any_left_shift};
}

inline QVec broadcast_q(int32_t mult, int32_t lsh, int32_t rsh) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << rsh) - 1);
  return {_mm256_set1_epi32(mult),
          _mm256_set1_epi32(mult),
          _mm256_set1_epi32(lsh),
          _mm256_set1_epi32(rsh),
          _mm256_set1_epi32(mask),
          _mm256_set1_epi32(mask >> 1),
          lsh != 0};
}

// quant::round_to_int_saturated on 8 lanes; see int8_requant_avx512.h.
inline __m256i round_to_int_saturated(__m256 v) {
  return _mm256_cvtps_epi32(_mm256_min_ps(v, _mm256_set1_ps(1073741824.0f)));
}

// TFLite MultiplyByQuantizedMultiplier on 8 lanes (see int8_kernels_avx512.cpp
// for the derivation), or quant::requantize_float.
inline __m256i multiply_by_quantized_multiplier(__m256i acc, const QVec& v) {
  if (v.is_float) return round_to_int_saturated(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), v.scale));
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i x = v.any_lsh ? _mm256_sllv_epi32(acc, v.lsh) : acc;
  __m256i even = _mm256_mul_epi32(x, v.mult);
  __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), v.mult_odd);
  even = _mm256_srli_epi64(_mm256_add_epi64(even, nudge), 31);
  odd = _mm256_slli_epi64(_mm256_add_epi64(odd, nudge), 1);
  const __m256i high = _mm256_blend_epi32(even, odd, 0xAA);
  const __m256i rem = _mm256_and_si256(high, v.mask);
  const __m256i thr = _mm256_add_epi32(v.half, _mm256_srli_epi32(high, 31));
  const __m256i r = _mm256_srav_epi32(high, v.rsh);
  return _mm256_sub_epi32(r, _mm256_cmpgt_epi32(rem, thr));  // +1 where rem > thr
}

inline __m256i requant(__m256i acc, const QVec& v, __m256i zp, __m256i lo, __m256i hi) {
  const __m256i r = _mm256_add_epi32(multiply_by_quantized_multiplier(acc, v), zp);
  return _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
}

// Stores 8 int32 lanes, already clamped to the output type's range, as bytes.
template <bool kSigned>
inline void store_bytes(char* p, __m256i v) {
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = kSigned ? _mm_packs_epi16(w16, w16) : _mm_packus_epi16(w16, w16);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), b);
}

template <bool kSigned>
inline __m256i load_bytes(const char* p) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return kSigned ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
}

template <bool kSigned>
inline int32_t byte_value(const char* p) {
  return kSigned ? static_cast<int32_t>(static_cast<signed char>(*p))
                 : static_cast<int32_t>(static_cast<unsigned char>(*p));
}

template <bool kSigned>
void requantize(const EpilogueArgs& a) {
  const __m256i zp = _mm256_set1_epi32(a.q.output_zero_point);
  const __m256i lo = _mm256_set1_epi32(a.q.act_min), hi = _mm256_set1_epi32(a.q.act_max);
  char* out = static_cast<char*>(a.out);
  const int vec_end = a.channels / 8 * 8;
  // Blocks of pixels, channel blocks outside (see int8_kernels_avx512.cpp).
  constexpr int64_t kBlock = 32;
  const int64_t blocks = (a.pixels + kBlock - 1) / kBlock;
  const bool parallel = a.pixels * a.channels >= kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t pb = 0; pb < blocks; ++pb) {
    const int64_t p_end = pb * kBlock + kBlock < a.pixels ? pb * kBlock + kBlock : a.pixels;
    for (int c = 0; c < vec_end; c += 8) {
      const QVec q = load_q(a.q, c);
      for (int64_t p = pb * kBlock; p < p_end; ++p) {
        __m256i v =
            _mm256_add_epi32(load8(a.acc + p * a.channels + c), load8(a.channel_add[p] + c));
        if (a.pixel_add) v = _mm256_add_epi32(v, _mm256_set1_epi32(a.pixel_add[p]));
        store_bytes<kSigned>(out + p * a.channels + c, requant(v, q, zp, lo, hi));
      }
    }
    for (int64_t p = pb * kBlock; p < p_end; ++p) {
      const int32_t pix = a.pixel_add ? a.pixel_add[p] : 0;
      for (int c = vec_end; c < a.channels; ++c)
        out[p * a.channels + c] = static_cast<char>(
            requantize_one(a.acc[p * a.channels + c] + a.channel_add[p][c] + pix, a.q, c));
    }
  }
}

template <bool kSigned, int kFixedTaps>
void depthwise_rows(const DepthwiseArgs& a) {
  const Geometry& g = a.g;
  const int kh = kFixedTaps ? kFixedTaps : g.filter_h;
  const int kw = kFixedTaps ? kFixedTaps : g.filter_w;
  const int cpad = (g.out_c + kChannelPad - 1) / kChannelPad * kChannelPad;
  const char* x = static_cast<const char*>(a.x);
  char* out = static_cast<char*>(a.out);
  const __m256i zp = _mm256_set1_epi32(a.q.output_zero_point);
  const __m256i lo = _mm256_set1_epi32(a.q.act_min), hi = _mm256_set1_epi32(a.q.act_max);
  const __m256i xoff = _mm256_set1_epi32(a.input_offset);
  const int vec_end = g.out_c / 8 * 8;
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.out_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int iy0 = oy * g.stride_h - g.pad_top;
    const bool rows_inside = iy0 >= 0 && iy0 + (kh - 1) * g.dilation_h < g.in_h;
    for (int c = 0; c < g.out_c; c += 8) {
      const bool full = c < vec_end;
      const QVec q = full ? load_q(a.q, c) : QVec{};
      const __m256i bias = load8(a.bias + c);
      const __m256i bias_inside = load8(a.bias_interior + c);
      __m256i w9[9];  // the 3x3 filter's taps, kept in registers
      if (kFixedTaps == 3)
        for (int t = 0; t < 9; ++t) w9[t] = load8(a.w + t * cpad + c);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        char* y = out + (static_cast<int64_t>(row) * g.out_w + ox) * g.out_c + c;
        if (!full) {  // the last channels, one at a time
          for (int k = c; k < g.out_c; ++k) {
            int32_t acc = a.bias[k];
            for (int fy = 0; fy < kh; ++fy) {
              const int iy = iy0 + fy * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int fx = 0; fx < kw; ++fx) {
                const int ix = ix0 + fx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                const char* px =
                    x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) * g.in_c;
                acc +=
                    a.w[(fy * kw + fx) * cpad + k] * (byte_value<kSigned>(px + k) + a.input_offset);
              }
            }
            y[k - c] = static_cast<char>(requantize_one(acc, a.q, k));
          }
          continue;
        }
        __m256i acc;
        if (kFixedTaps == 3 && rows_inside && ix0 >= 0 && ix0 + 2 * g.dilation_w < g.in_w) {
          acc = bias_inside;  // the whole window inside: no offset, no checks
          const char* base =
              x + ((static_cast<int64_t>(b) * g.in_h + iy0) * g.in_w + ix0) * g.in_c + c;
          for (int fy = 0; fy < 3; ++fy)
            for (int fx = 0; fx < 3; ++fx) {
              const int64_t at =
                  (static_cast<int64_t>(fy) * g.dilation_h * g.in_w + fx * g.dilation_w) * g.in_c;
              acc = _mm256_add_epi32(
                  acc, _mm256_mullo_epi32(load_bytes<kSigned>(base + at), w9[fy * 3 + fx]));
            }
        } else {
          acc = bias;
          for (int fy = 0; fy < kh; ++fy) {
            const int iy = iy0 + fy * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            const char* xrow = x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w) * g.in_c + c;
            for (int fx = 0; fx < kw; ++fx) {
              const int ix = ix0 + fx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const __m256i xv = _mm256_add_epi32(
                  load_bytes<kSigned>(xrow + static_cast<int64_t>(ix) * g.in_c), xoff);
              acc = _mm256_add_epi32(
                  acc, _mm256_mullo_epi32(xv, load8(a.w + (fy * kw + fx) * cpad + c)));
            }
          }
        }
        store_bytes<kSigned>(y, requant(acc, q, zp, lo, hi));
      }
    }
  }
}

template <bool kSigned>
void depthwise(const DepthwiseArgs& a) {
  if (a.g.filter_h == 3 && a.g.filter_w == 3) return depthwise_rows<kSigned, 3>(a);
  depthwise_rows<kSigned, 0>(a);
}

template <bool kSigned>
void window_sums(const WindowSumArgs& a) {
  const Geometry& g = a.g;
  const char* x = static_cast<const char*>(a.x);
  const int vec_end = g.in_c / 8 * 8;
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.in_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      __m256i sum = _mm256_setzero_si256();
      int32_t tail = 0;
      for (int fy = 0; fy < g.filter_h; ++fy) {
        const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int fx = 0; fx < g.filter_w; ++fx) {
          const int ix = ox * g.stride_w - g.pad_left + fx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          const char* px = x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) * g.in_c;
          for (int c = 0; c < vec_end; c += 8)
            sum = _mm256_add_epi32(sum, load_bytes<kSigned>(px + c));
          for (int c = vec_end; c < g.in_c; ++c) tail += byte_value<kSigned>(px + c);
        }
      }
      __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
      s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
      s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
      a.sums[static_cast<int64_t>(row) * g.out_w + ox] = static_cast<int32_t>(
          static_cast<uint32_t>(_mm_cvtsi128_si32(s) + tail) * static_cast<uint32_t>(a.scale));
    }
  }
}

template <bool kSigned>
void add(const AddArgs& p) {
  const char* a = static_cast<const char*>(p.a);
  const char* b = static_cast<const char*>(p.b);
  char* y = static_cast<char*>(p.out);
  if (p.is_float) {  // quant::add_float on 8 lanes
    const __m256i aoff = _mm256_set1_epi32(p.a_offset), boff = _mm256_set1_epi32(p.b_offset);
    const __m256i zp = _mm256_set1_epi32(p.output_offset);
    const __m256i lo = _mm256_set1_epi32(p.act_min), hi = _mm256_set1_epi32(p.act_max);
    const __m256 ra = _mm256_set1_ps(p.a_ratio), rb = _mm256_set1_ps(p.b_ratio);
    const int64_t blocks = p.count / 8;
    const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t k = 0; k < blocks; ++k) {
      const int64_t i = k * 8;
      const __m256 fa = _mm256_cvtepi32_ps(_mm256_add_epi32(load_bytes<kSigned>(a + i), aoff));
      const __m256 fb = _mm256_cvtepi32_ps(_mm256_add_epi32(load_bytes<kSigned>(b + i), boff));
      const __m256i r = _mm256_add_epi32(
          round_to_int_saturated(_mm256_fmadd_ps(fa, ra, _mm256_mul_ps(fb, rb))), zp);
      store_bytes<kSigned>(y + i, _mm256_min_epi32(_mm256_max_epi32(r, lo), hi));
    }
    for (int64_t i = blocks * 8; i < p.count; ++i)
      y[i] = static_cast<char>(add_one(byte_value<kSigned>(a + i), byte_value<kSigned>(b + i), p));
    return;
  }
  const QVec qa = broadcast_q(p.a_mult, p.a_lsh, p.a_rsh);
  const QVec qb = broadcast_q(p.b_mult, p.b_lsh, p.b_rsh);
  const QVec qo = broadcast_q(p.out_mult, p.out_lsh, p.out_rsh);
  const __m256i aoff = _mm256_set1_epi32(p.a_offset), boff = _mm256_set1_epi32(p.b_offset);
  const __m256i zp = _mm256_set1_epi32(p.output_offset);
  const __m256i lo = _mm256_set1_epi32(p.act_min), hi = _mm256_set1_epi32(p.act_max);
  const __m256i shift = _mm256_set1_epi32(p.left_shift);
  const int64_t blocks = p.count / 8;
  const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t i = k * 8;
    const __m256i xa = _mm256_sllv_epi32(_mm256_add_epi32(load_bytes<kSigned>(a + i), aoff), shift);
    const __m256i xb = _mm256_sllv_epi32(_mm256_add_epi32(load_bytes<kSigned>(b + i), boff), shift);
    const __m256i sum = _mm256_add_epi32(multiply_by_quantized_multiplier(xa, qa),
                                         multiply_by_quantized_multiplier(xb, qb));
    store_bytes<kSigned>(y + i, requant(sum, qo, zp, lo, hi));
  }
  for (int64_t i = blocks * 8; i < p.count; ++i)
    y[i] = static_cast<char>(add_one(byte_value<kSigned>(a + i), byte_value<kSigned>(b + i), p));
}

const Kernels kAvx2{"avx2",          requantize<false>,  requantize<true>,  depthwise<false>,
                    depthwise<true>, window_sums<false>, window_sums<true>, add<false>,
                    add<true>,       quantize_scalar_u8, quantize_scalar_s8};

}  // namespace

const Kernels* avx2_kernels() {
  return &kAvx2;
}

}  // namespace edgebench::cpu::int8

#pragma GCC pop_options

#else

namespace edgebench::cpu::int8 {
const Kernels* avx2_kernels() {
  return nullptr;
}
}  // namespace edgebench::cpu::int8

#endif
