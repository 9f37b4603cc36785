// The int8 GEMM of int8_gemm.h on AVX512-VNNI: tiles of up to 6 rows x 64
// channels held in 24 zmm accumulators, one vpdpbusd per (row, 16 channels,
// 4 k), then the requantization (int8_requant_avx512.h) straight from the
// registers. This file must include nothing but intrinsics and headers that
// only declare (see int8_kernels.h why).
#include "backends/cpu/int8_gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,avx2,bmi2")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstring>

#include "backends/cpu/int8_requant_avx512.h"

namespace edgebench::cpu::int8 {
namespace {

constexpr int kRows = 6;  // rows per tile: 6 x 4 accumulators + 4 weights + 1 broadcast

// The epilogue's requantization: TFLite's in full (multiply_by_quantized_multiplier),
// TFLite's fused form (requant_fused, where GemmArgs::fused is set), or ONNX's
// float one (Requant::scale).
enum class Rq { kFixed, kFused, kFloat };

inline int32_t load4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// acc += dot products of x's and w's 4-byte groups (u8 x s8). Inline asm
// because GCC 12 copies the intrinsic's accumulator out and back (and spills
// it) on every call; the tied "+v" operand keeps it in place.
inline void dpbusd(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// One tile: kMr rows from `row`, kNv vectors of 16 channels from channel c0.
// The 24 accumulators are named variables, not an array: GCC keeps an array
// of this size in memory and stores it every step, whatever the unrolling.
// Unused ones (kMr < 6 or kNv < 4) are never read and vanish. They start at
// the row's correction terms, so the epilogue only requantizes.
#define EB_ROW_ACC(r) __m512i acc##r##0, acc##r##1, acc##r##2, acc##r##3
#define EB_INIT(r)                                                                          \
  if constexpr (kMr > r) {                                                                  \
    const int32_t* add = g.channel_add[row + r] + c0;                                       \
    const __m512i pix =                                                                     \
        g.pixel_add ? _mm512_set1_epi32(g.pixel_add[row + r - g.a_first_row]) : zero;       \
    acc##r##0 = _mm512_add_epi32(_mm512_loadu_si512(add), pix);                             \
    if constexpr (kNv > 1) acc##r##1 = _mm512_add_epi32(_mm512_loadu_si512(add + 16), pix); \
    if constexpr (kNv > 2) acc##r##2 = _mm512_add_epi32(_mm512_loadu_si512(add + 32), pix); \
    if constexpr (kNv > 3) acc##r##3 = _mm512_add_epi32(_mm512_loadu_si512(add + 48), pix); \
  }
#define EB_DOT(r)                                                \
  if constexpr (kMr > r) {                                       \
    __m512i x = _mm512_set1_epi32(load4(a + r * g.lda + k * 4)); \
    if constexpr (kSignedA) x = _mm512_xor_si512(x, flip);       \
    dpbusd(acc##r##0, x, w0);                                    \
    if constexpr (kNv > 1) dpbusd(acc##r##1, x, w1);             \
    if constexpr (kNv > 2) dpbusd(acc##r##2, x, w2);             \
    if constexpr (kNv > 3) dpbusd(acc##r##3, x, w3);             \
  }
#define EB_STORE(r, v)                                                              \
  if constexpr (kMr > r && kNv > v) {                                               \
    const int c = c0 + v * 16;                                                      \
    _mm512_mask_cvtepi32_storeu_epi8(g.c + (row + r) * g.n + c, tail_mask(g.n - c), \
                                     finish(acc##r##v, v));                         \
  }
// A block of whole channels (16, 32, 48 or 64): its requantized vectors
// packed to bytes (pack_bytes; the unused ones repeat a used one) and stored
// as 16, 32, 48 or 64 bytes at once.
#define EB_STORE_PACKED(r)                                                             \
  if constexpr (kMr > r) {                                                             \
    const __m512i v0 = finish(acc##r##0, 0);                                           \
    const __m512i v1 = kNv > 1 ? finish(acc##r##1, 1) : v0;                            \
    const __m512i v2 = kNv > 2 ? finish(acc##r##2, 2) : v0;                            \
    const __m512i v3 = kNv > 3 ? finish(acc##r##3, 3) : v2;                            \
    const __m512i y = pack_bytes<kSignedC>(v0, v1, v2, v3);                            \
    uint8_t* dst = g.c + (row + r) * g.n + c0;                                         \
    if constexpr (kNv == 1)                                                            \
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_castsi512_si128(y));    \
    else if constexpr (kNv == 2)                                                       \
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(y)); \
    else if constexpr (kNv == 3)                                                       \
      _mm512_mask_storeu_epi8(dst, (__mmask64{1} << 48) - 1, y);                       \
    else                                                                               \
      _mm512_storeu_si512(dst, y);                                                     \
  }
template <int kMr, int kNv, bool kSignedA, bool kSignedC, Rq kRq>
void tile(const GemmArgs& g, int64_t row, int c0, const int8_t* b) {
  const __m512i zero = _mm512_setzero_si512();
  EB_ROW_ACC(0);
  EB_ROW_ACC(1);
  EB_ROW_ACC(2);
  EB_ROW_ACC(3);
  EB_ROW_ACC(4);
  EB_ROW_ACC(5);
  // The macros are statements without semicolons: laid out by hand.
  // clang-format off
  EB_INIT(0) EB_INIT(1) EB_INIT(2) EB_INIT(3) EB_INIT(4) EB_INIT(5);
  // clang-format on
  const uint8_t* a = g.a + (row - g.a_first_row) * g.lda;
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  for (int k = 0; k < g.k_groups; ++k, b += kNv * 64) {
    const __m512i w0 = _mm512_loadu_si512(b);
    const __m512i w1 = kNv > 1 ? _mm512_loadu_si512(b + 64) : zero;
    const __m512i w2 = kNv > 2 ? _mm512_loadu_si512(b + 128) : zero;
    const __m512i w3 = kNv > 3 ? _mm512_loadu_si512(b + 192) : zero;
    EB_DOT(0) EB_DOT(1) EB_DOT(2) EB_DOT(3) EB_DOT(4) EB_DOT(5)
  }
  const __m512i zp = _mm512_set1_epi32(g.q.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(g.q.act_min), hi = _mm512_set1_epi32(g.q.act_max);
  // The clamp is the packs' saturation when the range is the whole type.
  const bool clamp = c0 + kNv * 16 > g.n || g.q.act_min != (kSignedC ? -128 : 0) ||
                     g.q.act_max != (kSignedC ? 127 : 255);
  const bool relu = g.q.act_min >= g.q.output_zero_point;
  // Inlined: a call would spill every live accumulator (all zmm registers
  // are caller-saved).
  const auto finish = [&](__m512i s, int v) __attribute__((always_inline)) {
    const int c = c0 + v * 16;
    __m512i y;
    if constexpr (kRq == Rq::kFused) {
      const __m512i m = _mm512_loadu_si512(g.q.multiplier + c);
      const __m512i m_odd = _mm512_loadu_si512(g.q.multiplier + c + 1);
      y = relu ? requant_fused<true>(s, m, m_odd, g.fused + c * 2)
               : requant_fused<false>(s, m, m_odd, g.fused + c * 2);
    } else if constexpr (kRq == Rq::kFloat) {
      y = _mm512_add_epi32(requantize_float(s, _mm512_loadu_ps(g.q.scale + c)), zp);
    } else {
      y = _mm512_add_epi32(multiply_by_quantized_multiplier(s, load_q(g.q, c)), zp);
    }
    return clamp ? _mm512_min_epi32(_mm512_max_epi32(y, lo), hi) : y;
  };
  if (c0 + kNv * 16 <= g.n) {
    // clang-format off
    EB_STORE_PACKED(0) EB_STORE_PACKED(1) EB_STORE_PACKED(2)
    EB_STORE_PACKED(3) EB_STORE_PACKED(4) EB_STORE_PACKED(5) return;
    // clang-format on
  }
  // clang-format off
  EB_STORE(0, 0) EB_STORE(0, 1) EB_STORE(0, 2) EB_STORE(0, 3)
  EB_STORE(1, 0) EB_STORE(1, 1) EB_STORE(1, 2) EB_STORE(1, 3)
  EB_STORE(2, 0) EB_STORE(2, 1) EB_STORE(2, 2) EB_STORE(2, 3)
  EB_STORE(3, 0) EB_STORE(3, 1) EB_STORE(3, 2) EB_STORE(3, 3)
  EB_STORE(4, 0) EB_STORE(4, 1) EB_STORE(4, 2) EB_STORE(4, 3)
  EB_STORE(5, 0) EB_STORE(5, 1) EB_STORE(5, 2) EB_STORE(5, 3)
  // clang-format on
}
#undef EB_ROW_ACC
#undef EB_INIT
#undef EB_DOT
#undef EB_STORE
#undef EB_STORE_PACKED

template <int kNv, bool kSignedA, bool kSignedC, Rq kRq>
void rows(const GemmArgs& g, int64_t row, int64_t end, int c0, const int8_t* b) {
  for (; row + kRows <= end; row += kRows) tile<kRows, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
  switch (end - row) {
    case 5: return tile<5, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
    case 4: return tile<4, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
    case 3: return tile<3, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
    case 2: return tile<2, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
    case 1: return tile<1, kNv, kSignedA, kSignedC, kRq>(g, row, c0, b);
    default: return;
  }
}

// Rows in bands whose A slice stays in L1 while every channel block passes
// over it; the packed weights (at most a few hundred KiB) stay in L2.
template <bool kSignedA, bool kSignedC, Rq kRq>
void gemm(const GemmArgs& g, int64_t row_begin, int64_t row_end) {
  const int64_t band_bytes = 16 << 10;
  int64_t band = band_bytes / (g.k_groups * 4 > 0 ? g.k_groups * 4 : 1);
  band = band < kRows ? kRows : band / kRows * kRows;
  const int64_t block_bytes = static_cast<int64_t>(g.k_groups) * kGemmBlock * 4;
  for (int64_t r0 = row_begin; r0 < row_end; r0 += band) {
    const int64_t r1 = r0 + band < row_end ? r0 + band : row_end;
    const int c_end = g.col_end < g.n ? g.col_end : g.n;
    for (int c0 = g.col_begin; c0 < c_end; c0 += kGemmBlock) {
      const int8_t* b = g.b + (c0 / kGemmBlock) * block_bytes;
      switch ((g.n - c0 >= kGemmBlock ? kGemmBlock : g.n - c0 + 15) / 16) {
        case 4: rows<4, kSignedA, kSignedC, kRq>(g, r0, r1, c0, b); break;
        case 3: rows<3, kSignedA, kSignedC, kRq>(g, r0, r1, c0, b); break;
        case 2: rows<2, kSignedA, kSignedC, kRq>(g, r0, r1, c0, b); break;
        default: rows<1, kSignedA, kSignedC, kRq>(g, r0, r1, c0, b); break;
      }
    }
  }
}

template <bool kSignedA, bool kSignedC>
void gemm_types(const GemmArgs& g, int64_t row_begin, int64_t row_end) {
  if (g.q.scale) return gemm<kSignedA, kSignedC, Rq::kFloat>(g, row_begin, row_end);
  if (g.fused) return gemm<kSignedA, kSignedC, Rq::kFused>(g, row_begin, row_end);
  gemm<kSignedA, kSignedC, Rq::kFixed>(g, row_begin, row_end);
}

void gemm_any(const GemmArgs& g, int64_t row_begin, int64_t row_end) {
  if (g.signed_a)
    return g.signed_c ? gemm_types<true, true>(g, row_begin, row_end)
                      : gemm_types<true, false>(g, row_begin, row_end);
  return g.signed_c ? gemm_types<false, true>(g, row_begin, row_end)
                    : gemm_types<false, false>(g, row_begin, row_end);
}

}  // namespace

GemmFn gemm_u8s8_avx512vnni() {
  return gemm_any;
}

}  // namespace edgebench::cpu::int8

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace edgebench::cpu::int8 {
GemmFn gemm_u8s8_avx512vnni() {
  return nullptr;
}
}  // namespace edgebench::cpu::int8

#endif
