// int8 kernels for AVX-512 (F, BW, VL, DQ): 16 channels per vector, masked
// tails. Same results as int8_kernels_generic.cpp, lane by lane; the tests
// compare them. A second table's 3x3 depthwise kernels use AVX512-VNNI too:
// only functions marked [[gnu::target("avx512vnni")]] hold its instructions.
// This file must include nothing but intrinsics, int8_kernels.h (see there
// why) and omp.h (plain C declarations).
#include <omp.h>

#include "backends/cpu/int8_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma,avx2,bmi2")
// GCC 12's AVX-512 headers initialise undefined vectors as `__m512i __Y = __Y;`,
// which -W(maybe-)uninitialized reports once inlined; it is not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "backends/cpu/int8_requant_avx512.h"

namespace edgebench::cpu::int8 {
namespace {

inline bool is_pointwise(const Geometry& g) {
  return g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_top == 0 && g.pad_left == 0 && g.in_h == g.out_h && g.in_w == g.out_w;
}

template <bool kSigned>
void requantize(const EpilogueArgs& a) {
  const __m512i zp = _mm512_set1_epi32(a.q.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(a.q.act_min), hi = _mm512_set1_epi32(a.q.act_max);
  char* out = static_cast<char*>(a.out);
  // Blocks of pixels, channel blocks outside: the channel parameters stay in
  // registers across the block.
  constexpr int64_t kBlock = 32;
  const int64_t blocks = (a.pixels + kBlock - 1) / kBlock;
  const bool parallel = a.pixels * a.channels >= kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t pb = 0; pb < blocks; ++pb) {
    const int64_t p_end = pb * kBlock + kBlock < a.pixels ? pb * kBlock + kBlock : a.pixels;
    for (int c = 0; c < a.channels; c += 16) {
      const __mmask16 m = tail_mask(a.channels - c);
      const QVec q = load_q(a.q, c);
      for (int64_t p = pb * kBlock; p < p_end; ++p) {
        __m512i v = _mm512_maskz_loadu_epi32(m, a.acc + p * a.channels + c);
        v = _mm512_add_epi32(v, _mm512_loadu_si512(a.channel_add[p] + c));
        if (a.pixel_add) v = _mm512_add_epi32(v, _mm512_set1_epi32(a.pixel_add[p]));
        _mm512_mask_cvtepi32_storeu_epi8(out + p * a.channels + c, m, requant(v, q, zp, lo, hi));
      }
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
  const __m512i zp = _mm512_set1_epi32(a.q.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(a.q.act_min), hi = _mm512_set1_epi32(a.q.act_max);
  const __m512i xoff = _mm512_set1_epi32(a.input_offset);
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.out_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int iy0 = oy * g.stride_h - g.pad_top;
    const bool rows_inside = iy0 >= 0 && iy0 + (kh - 1) * g.dilation_h < g.in_h;
    for (int c = 0; c < g.out_c; c += 16) {
      const __mmask16 m = tail_mask(g.out_c - c);
      const QVec q = load_q(a.q, c);
      const __m512i bias = _mm512_loadu_si512(a.bias + c);
      const __m512i bias_inside = _mm512_loadu_si512(a.bias_interior + c);
      __m512i w9[9];  // the 3x3 filter's taps, kept in registers
      if (kFixedTaps == 3)
        for (int t = 0; t < 9; ++t) w9[t] = _mm512_loadu_si512(a.w + t * cpad + c);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        __m512i acc;
        if (kFixedTaps == 3 && rows_inside && ix0 >= 0 &&
            ix0 + 2 * g.dilation_w < g.in_w) {  // the whole window inside: no offset, no checks
          acc = bias_inside;
          const char* base =
              x + ((static_cast<int64_t>(b) * g.in_h + iy0) * g.in_w + ix0) * g.in_c + c;
          for (int fy = 0; fy < 3; ++fy)
            for (int fx = 0; fx < 3; ++fx) {
              const int64_t at =
                  (static_cast<int64_t>(fy) * g.dilation_h * g.in_w + fx * g.dilation_w) * g.in_c;
              acc = _mm512_add_epi32(
                  acc, _mm512_mullo_epi32(load_bytes<kSigned>(base + at, m), w9[fy * 3 + fx]));
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
              const __m512i xv = _mm512_add_epi32(
                  load_bytes<kSigned>(xrow + static_cast<int64_t>(ix) * g.in_c, m), xoff);
              const __m512i wv = _mm512_loadu_si512(a.w + (fy * kw + fx) * cpad + c);
              acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(xv, wv));
            }
          }
        }
        char* y = out + (static_cast<int64_t>(row) * g.out_w + ox) * g.out_c + c;
        _mm512_mask_cvtepi32_storeu_epi8(y, m, requant(acc, q, zp, lo, hi));
      }
    }
  }
}

// 3x3 depthwise convolution, dilation 1, stride_w 1 or 2. Every window is
// summed whole from bias_interior: pixels outside the image read the input
// zero point, -input_offset, so w * (zp + input_offset) = 0 cancels their
// share of the bias, as TFLite's sum skips them. An input column is
// rearranged once for all the windows that cover it (three at stride 1), and
// an output pixel is then a few multiply-adds over its window's columns:
//  - quads (AVX512-VNNI; weights within int8, as an int8 model's are, and a
//    uint8 model's but for a channel or two, see QuadsBlock): vpdpbusd adds
//    four byte products to an int32 lane, a lane holding one channel's rows
//    0, 1, 2 (and a zero weight) of a column; inputs as unsigned bytes, int8
//    ones flipped by +128, whose product 128 * sum(w) the bias takes off;
//  - pairs (AVX512BW; no VNNI, 32 channels or fewer, or weights far beyond
//    int8): _mm512_madd_epi16 adds two int16 products, of rows 0 and 1 of a
//    column, and of row 2 at two neighbouring columns (fx 0, 1; fx 2 beside
//    a zero weight). Each product and their sums fit int32: |x|, |zp|, |w| <= 255.
//
// Lanes follow the unpack instructions that build them: quads, 64 channels
// in four vectors, lane i of vector v is channel 16 (i / 4) + 4 v + i % 4;
// pairs, 32 channels in two, lo holds {0-3, 8-11, 16-19, 24-27} and hi the
// rest. Packing (packs_epi32, then packus/packs_epi16 for quads) puts them
// back in order, so per-channel arrays are loaded in that order.
constexpr int kDwChunk = 16;         // output pixels per run over rearranged columns
constexpr int kDwBandPixels = 1024;  // output pixels per work item (a band of rows)

// acc + the pairs' products: two instructions, or one with AVX512-VNNI.
struct MaddDot {
  static __m512i add(__m512i acc, __m512i x, __m512i w) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w));
  }
};
struct VnniDot {
  [[gnu::target("avx512vnni")]] static __m512i add(__m512i acc, __m512i x, __m512i w) {
    return _mm512_dpwssd_epi32(acc, x, w);
  }
};

// Channels c.. of an int32 array, those in m only (others `fill`).
inline __m512i load16(const int32_t* p, __mmask64 m, int block, int32_t fill) {
  return _mm512_mask_loadu_epi32(_mm512_set1_epi32(fill), static_cast<__mmask16>(m >> (16 * block)),
                                 p + 16 * block);
}

// 32 channels of an int32 array in pairs' lo/hi order.
inline void load_pairs(const int32_t* p, __mmask64 m, int32_t fill, __m512i v[2]) {
  const __m512i a = load16(p, m, 0, fill), b = load16(p, m, 1, fill);
  const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
  v[0] = _mm512_permutex2var_epi32(a, lo, b);
  v[1] = _mm512_permutex2var_epi32(a, _mm512_add_epi32(lo, _mm512_set1_epi32(4)), b);
}

// 64 channels of an int32 array in quads' order: a 4x4 transpose of 128-bit blocks.
inline void load_quads(const int32_t* p, __mmask64 m, int32_t fill, __m512i v[4]) {
  const __m512i t0 = _mm512_shuffle_i32x4(load16(p, m, 0, fill), load16(p, m, 1, fill), 0x44);
  const __m512i t1 = _mm512_shuffle_i32x4(load16(p, m, 0, fill), load16(p, m, 1, fill), 0xEE);
  const __m512i t2 = _mm512_shuffle_i32x4(load16(p, m, 2, fill), load16(p, m, 3, fill), 0x44);
  const __m512i t3 = _mm512_shuffle_i32x4(load16(p, m, 2, fill), load16(p, m, 3, fill), 0xEE);
  v[0] = _mm512_shuffle_i32x4(t0, t2, 0x88), v[1] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
  v[2] = _mm512_shuffle_i32x4(t1, t3, 0x88), v[3] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
}

enum class DwRq { kFused, kFusedRelu, kFloat };

// Everything per vector of accumulators (kVectors of them) of a block of
// channels: bias, kTaps tap vectors, multipliers and requant_fused()'s table,
// in the vectors' lane order.
template <int kVectors, int kTaps>
struct DwBlock {
  __m512i bias[kVectors];
  __m512i w[kTaps][kVectors];
  __m512i mult[kVectors];
  alignas(64) int64_t fused[kVectors][32];
  __m512 scale[kVectors];  // float requantization (Requant::scale) instead of the two above
  __m512i zp;
};
using PairsBlock = DwBlock<2, 5>;  // taps: (0,3) (1,4) (2,5) (6,7) (8,-), by t = 3 fy + fx

// Weights beyond int8 (a uint8 model has a channel or two a layer) are taken
// clamped, and their excess, w - clamped w (within int8 but for w = 255),
// as a second set of taps over the same columns, where a vector has any.
struct QuadsBlock : DwBlock<4, 3> {  // taps: window columns 0, 1, 2
  __m512i excess[3][4];
  bool any_excess[4];
};

// k's multipliers and its rows of a.fused (per channel in order), for the
// lanes of channels c.. as `load` arranges them.
template <int kVectors, int kTaps, class Load>
void set_up_requant(const DepthwiseArgs& a, int c, __mmask64 m, Load load,
                    DwBlock<kVectors, kTaps>& k) {
  int32_t ramp[64];
  for (int i = 0; i < 64; ++i) ramp[i] = i;
  __m512i lanes[kVectors];  // each lane's channel, from c
  load(ramp, ~__mmask64{0}, 0, lanes);
  k.zp = _mm512_set1_epi32(a.q.output_zero_point);
  if (a.q.scale) {
    __m512i bits[kVectors];
    load(reinterpret_cast<const int32_t*>(a.q.scale) + c, m, 0, bits);
    for (int h = 0; h < kVectors; ++h) k.scale[h] = _mm512_castsi512_ps(bits[h]);
    return;
  }
  load(a.q.multiplier + c, m, 0, k.mult);
  for (int h = 0; h < kVectors; ++h) {
    alignas(64) int32_t channel[16];
    _mm512_store_si512(channel, lanes[h]);
    for (int i = 0; i < 16; ++i) {
      const int ch = c + channel[i], at = i % 2 * 8 + i / 2;  // even lanes, then odd ones
      const bool used = ch < a.g.out_c;
      const int64_t* t = a.fused + ch / 16 * 32 + ch % 2 * 8 + ch % 16 / 2;
      k.fused[h][at] = used ? t[0] : 0, k.fused[h][16 + at] = used ? t[16] : 0;
    }
  }
}

// The requantization plus the zero point, not clamped: requant_fused()
// (TFLite's; kFusedRelu where the activation clamps at the zero point or
// above), or the float one.
template <DwRq kRq, int kVectors, int kTaps>
inline __m512i dw_requant(__m512i acc, const DwBlock<kVectors, kTaps>& k, int v) {
  if constexpr (kRq == DwRq::kFloat)
    return _mm512_add_epi32(requantize_float(acc, k.scale[v]), k.zp);
  return requant_fused<kRq == DwRq::kFusedRelu>(acc, k.mult[v], _mm512_srli_epi64(k.mult[v], 32),
                                                k.fused[v]);
}

template <bool kSigned>
inline int32_t byte_value(const char* p) {
  return kSigned ? static_cast<int32_t>(static_cast<signed char>(*p))
                 : static_cast<int32_t>(static_cast<unsigned char>(*p));
}

inline __mmask64 channel_mask(const DepthwiseArgs& a, int c, int width) {
  const int left = a.g.out_c - c < width ? a.g.out_c - c : width;
  return left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
}

// The input rows of an output row's windows (nullptr: outside the image),
// at channel c.
struct WindowRows {
  const char* r[3];
};
inline WindowRows window_rows(const DepthwiseArgs& a, int row, int c) {
  const Geometry& g = a.g;
  const int b = row / g.out_h, oy = row % g.out_h;
  WindowRows w;
  for (int fy = 0; fy < 3; ++fy) {
    const int iy = oy * g.stride_h - g.pad_top + fy;
    w.r[fy] = iy < 0 || iy >= g.in_h
                  ? nullptr
                  : static_cast<const char*>(a.x) +
                        (static_cast<int64_t>(b) * g.in_h + iy) * g.in_w * g.in_c + c;
  }
  return w;
}

// A tap vector for vpdpbusd: per lane, the bytes of rows 0, 1, 2 of column fx.
inline __m512i tap_bytes(const __m512i tap[9][4], int fx, int v) {
  const __m512i byte = _mm512_set1_epi32(0xFF);
  return _mm512_or_si512(
      _mm512_and_si512(tap[fx][v], byte),
      _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(tap[3 + fx][v], byte), 8),
                      _mm512_slli_epi32(_mm512_and_si512(tap[6 + fx][v], byte), 16)));
}

// Sets k up for channels c..c+63; false where a weight is 255 (its excess
// over int8 is not int8).
template <bool kSigned>
bool set_up_quads(const DepthwiseArgs& a, int c, QuadsBlock& k) {
  const int cpad = (a.g.out_c + kChannelPad - 1) / kChannelPad * kChannelPad;
  const __mmask64 m = channel_mask(a, c, 64);
  const __m512i lo = _mm512_set1_epi32(-128), hi = _mm512_set1_epi32(127);
  __m512i tap[9][4], excess[9][4], bias[4];
  for (int t = 0; t < 9; ++t) load_quads(a.w + t * cpad + c, m, 0, tap[t]);
  load_quads(a.bias_interior + c, m, 0, bias);
  for (int v = 0; v < 4; ++v) {
    __m512i sum = _mm512_setzero_si512();
    __mmask16 any = 0;
    for (int t = 0; t < 9; ++t) {
      sum = _mm512_add_epi32(sum, tap[t][v]);
      const __m512i clamped = _mm512_min_epi32(_mm512_max_epi32(tap[t][v], lo), hi);
      excess[t][v] = _mm512_sub_epi32(tap[t][v], clamped);
      if (_mm512_cmpgt_epi32_mask(excess[t][v], hi)) return false;
      any |= _mm512_test_epi32_mask(excess[t][v], excess[t][v]);
      tap[t][v] = clamped;
    }
    k.bias[v] = kSigned ? _mm512_sub_epi32(bias[v], _mm512_slli_epi32(sum, 7)) : bias[v];
    k.any_excess[v] = any != 0;
    for (int fx = 0; fx < 3; ++fx) {
      k.w[fx][v] = tap_bytes(tap, fx, v);
      k.excess[fx][v] = tap_bytes(excess, fx, v);
    }
  }
  set_up_requant(a, c, m, load_quads, k);
  return true;
}

// Vector v of quads_row's lanes over n pixels from column 0 of col, its taps
// and parameters in registers (with the second set of taps where kExcess);
// results in done[v] until v = 3, which stores the pixels at out.
template <bool kSigned, int kStride, DwRq kRq, bool kExcess>
[[gnu::target("avx512vnni"), gnu::always_inline]] inline void quads_vector(
    const DepthwiseArgs& a, const QuadsBlock& k, int v, const __m512i (*col)[4], int n,
    __m512i (*done)[kDwChunk], char* out, __mmask64 m) {
  const __m512i w0 = k.w[0][v], w1 = k.w[1][v], w2 = k.w[2][v], bias = k.bias[v];
  __m512i x0 = col[0][v];
  for (int o = 0; o < n; ++o) {
    const int j = o * kStride;
    const __m512i x1 = col[j + 1][v], x2 = col[j + 2][v];
    __m512i acc = _mm512_dpbusd_epi32(bias, x0, w0);
    acc = _mm512_dpbusd_epi32(acc, x1, w1);
    acc = _mm512_dpbusd_epi32(acc, x2, w2);
    if (kExcess) {
      acc = _mm512_dpbusd_epi32(acc, x0, k.excess[0][v]);
      acc = _mm512_dpbusd_epi32(acc, x1, k.excess[1][v]);
      acc = _mm512_dpbusd_epi32(acc, x2, k.excess[2][v]);
    }
    x0 = kStride == 1 ? x1 : x2;
    const __m512i r = dw_requant<kRq>(acc, k, v);
    if (v < 3) {
      done[v][o] = r;
      continue;
    }
    // Packed with saturation, then clamped: the same as clamping first.
    const __m512i w01 = _mm512_packs_epi32(done[0][o], done[1][o]);
    const __m512i w23 = _mm512_packs_epi32(done[2][o], r);
    const __m512i lo = _mm512_set1_epi8(static_cast<char>(a.q.act_min));
    const __m512i hi = _mm512_set1_epi8(static_cast<char>(a.q.act_max));
    const __m512i y = kSigned
                          ? _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(w01, w23), lo), hi)
                          : _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(w01, w23), lo), hi);
    _mm512_mask_storeu_epi8(out + static_cast<int64_t>(o) * a.g.out_c, m, y);
  }
}

// One output row of channels c..c+63.
template <bool kSigned, int kStride, DwRq kRq>
[[gnu::target("avx512vnni")]] void quads_row(const DepthwiseArgs& a, const QuadsBlock& k, int row,
                                             int c) {
  const Geometry& g = a.g;
  const __mmask64 m = channel_mask(a, c, 64);
  const __m512i flip = _mm512_set1_epi8(kSigned ? static_cast<char>(0x80) : 0);
  const __m512i pad = _mm512_xor_si512(_mm512_set1_epi8(static_cast<char>(-a.input_offset)), flip);
  const __m512i zero = _mm512_setzero_si512();
  const WindowRows rows = window_rows(a, row, c);
  const auto bytes = [&](const char* r, int ix) {
    if (!r || ix < 0 || ix >= g.in_w) return pad;
    return _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, r + static_cast<int64_t>(ix) * g.in_c),
                            flip);
  };
  char* out = static_cast<char*>(a.out) + static_cast<int64_t>(row) * g.out_w * g.out_c + c;
  constexpr int kColumns = (kDwChunk - 1) * kStride + 3;
  __m512i col[kColumns][4];  // per column, its rows 0, 1, 2 (and a zero byte) per lane
  __m512i done[3][kDwChunk];
  for (int ox0 = 0; ox0 < g.out_w; ox0 += kDwChunk) {
    const int n = g.out_w - ox0 < kDwChunk ? g.out_w - ox0 : kDwChunk;
    const int ix0 = ox0 * kStride - g.pad_left;
    for (int j = 0; j < (n - 1) * kStride + 3; ++j) {
      const __m512i r0 = bytes(rows.r[0], ix0 + j), r1 = bytes(rows.r[1], ix0 + j);
      const __m512i r2 = bytes(rows.r[2], ix0 + j);
      const __m512i lo01 = _mm512_unpacklo_epi8(r0, r1), hi01 = _mm512_unpackhi_epi8(r0, r1);
      const __m512i lo2 = _mm512_unpacklo_epi8(r2, zero), hi2 = _mm512_unpackhi_epi8(r2, zero);
      col[j][0] = _mm512_unpacklo_epi16(lo01, lo2), col[j][1] = _mm512_unpackhi_epi16(lo01, lo2);
      col[j][2] = _mm512_unpacklo_epi16(hi01, hi2), col[j][3] = _mm512_unpackhi_epi16(hi01, hi2);
    }
    // One vector of lanes at a time.
    for (int v = 0; v < 4; ++v) {
      char* y = out + static_cast<int64_t>(ox0) * g.out_c;
      if (k.any_excess[v])
        quads_vector<kSigned, kStride, kRq, true>(a, k, v, col, n, done, y, m);
      else
        quads_vector<kSigned, kStride, kRq, false>(a, k, v, col, n, done, y, m);
    }
  }
}

template <bool kSigned>
void set_up_pairs(const DepthwiseArgs& a, int c, PairsBlock& k) {
  const int cpad = (a.g.out_c + kChannelPad - 1) / kChannelPad * kChannelPad;
  const __mmask64 m = channel_mask(a, c, 32);
  __m512i tap[9][2];
  for (int t = 0; t < 9; ++t) load_pairs(a.w + t * cpad + c, m, 0, tap[t]);
  const int first[5] = {0, 1, 2, 6, 8}, second[5] = {3, 4, 5, 7, -1};
  for (int p = 0; p < 5; ++p)
    for (int h = 0; h < 2; ++h) {
      const __m512i high =
          second[p] < 0 ? _mm512_setzero_si512() : _mm512_slli_epi32(tap[second[p]][h], 16);
      k.w[p][h] = _mm512_mask_blend_epi16(0xAAAAAAAA, tap[first[p]][h], high);
    }
  load_pairs(a.bias_interior + c, m, 0, k.bias);
  set_up_requant(a, c, m, load_pairs, k);
}

// One output row of channels c..c+31.
template <bool kSigned, int kStride, DwRq kRq, class Dot>
[[gnu::always_inline]] inline void pairs_row_body(const DepthwiseArgs& a, const PairsBlock& k,
                                                  int row, int c) {
  const Geometry& g = a.g;
  const __mmask32 m = static_cast<__mmask32>(channel_mask(a, c, 32));
  const __m512i pad = _mm512_set1_epi16(static_cast<int16_t>(-a.input_offset));
  const WindowRows rows = window_rows(a, row, c);
  const auto widen = [&](const char* r, int ix) {
    if (!r || ix < 0 || ix >= g.in_w) return pad;
    const __m256i v = _mm256_maskz_loadu_epi8(m, r + static_cast<int64_t>(ix) * g.in_c);
    return kSigned ? _mm512_cvtepi8_epi16(v) : _mm512_cvtepu8_epi16(v);
  };
  char* out = static_cast<char*>(a.out) + static_cast<int64_t>(row) * g.out_w * g.out_c + c;
  constexpr int kColumns = (kDwChunk - 1) * kStride + 3;
  __m512i col[kColumns][4];  // per column: rows 0,1 pairs lo, hi; row 2 pairs lo, hi
  __m512i done[kDwChunk];
  for (int ox0 = 0; ox0 < g.out_w; ox0 += kDwChunk) {
    const int n = g.out_w - ox0 < kDwChunk ? g.out_w - ox0 : kDwChunk;
    const int ix0 = ox0 * kStride - g.pad_left;
    __m512i r2 = widen(rows.r[2], ix0);
    for (int j = 0; j < (n - 1) * kStride + 3; ++j) {
      const __m512i r0 = widen(rows.r[0], ix0 + j), r1 = widen(rows.r[1], ix0 + j);
      col[j][0] = _mm512_unpacklo_epi16(r0, r1), col[j][1] = _mm512_unpackhi_epi16(r0, r1);
      const __m512i r2_next = widen(rows.r[2], ix0 + j + 1);
      if (j % kStride == 0) {  // windows start at these columns only
        col[j][2] = _mm512_unpacklo_epi16(r2, r2_next);
        col[j][3] = _mm512_unpackhi_epi16(r2, r2_next);
      }
      r2 = r2_next;
    }
    // One vector of lanes at a time, its taps and parameters in registers.
    for (int h = 0; h < 2; ++h) {
      const __m512i w0 = k.w[0][h], w1 = k.w[1][h], w2 = k.w[2][h], w3 = k.w[3][h], w4 = k.w[4][h],
                    bias = k.bias[h];
      __m512i p0 = col[0][h], p1 = col[1][h], q0 = col[0][2 + h];
      __m512i q1 = kStride == 1 ? col[1][2 + h] : q0;
      for (int o = 0; o < n; ++o) {
        const int j = o * kStride;
        if (kStride == 2) p1 = col[j + 1][h];
        const __m512i p2 = col[j + 2][h], q2 = col[j + 2][2 + h];
        __m512i acc = Dot::add(bias, p0, w0);
        acc = Dot::add(acc, p1, w1);
        acc = Dot::add(acc, p2, w2);
        acc = Dot::add(acc, q0, w3);
        acc = Dot::add(acc, q2, w4);
        if (kStride == 1) {
          p0 = p1, p1 = p2, q0 = q1, q1 = q2;
        } else {
          p0 = p2, q0 = q2;
        }
        const __m512i r = dw_requant<kRq>(acc, k, h);
        if (h == 0) {
          done[o] = r;
          continue;
        }
        // Packed with saturation, then clamped: the same as clamping first.
        const __m512i y = _mm512_min_epi16(
            _mm512_max_epi16(_mm512_packs_epi32(done[o], r), _mm512_set1_epi16(a.q.act_min)),
            _mm512_set1_epi16(a.q.act_max));
        _mm256_mask_storeu_epi8(out + static_cast<int64_t>(ox0 + o) * g.out_c, m,
                                _mm512_cvtepi16_epi8(y));
      }
    }
  }
}

template <bool kSigned, int kStride, DwRq kRq>
void pairs_row(const DepthwiseArgs& a, const PairsBlock& k, int row, int c) {
  pairs_row_body<kSigned, kStride, kRq, MaddDot>(a, k, row, c);
}

template <bool kSigned, int kStride, DwRq kRq>
[[gnu::target("avx512vnni")]] void pairs_row_vnni(const DepthwiseArgs& a, const PairsBlock& k,
                                                  int row, int c) {
  pairs_row_body<kSigned, kStride, kRq, VnniDot>(a, k, row, c);
}

using QuadsRow = void (*)(const DepthwiseArgs&, const QuadsBlock&, int row, int c);
using PairsRow = void (*)(const DepthwiseArgs&, const PairsBlock&, int row, int c);

// 64 channels' constants and the functions for their rows: quads, or pairs
// (per 32 channels) where quads_row is nullptr.
struct Depthwise3x3Block {
  union {
    QuadsBlock quads;
    PairsBlock pairs[2];
  };
  QuadsRow quads_row;
  PairsRow pairs_row[2];
};

// Quads where the CPU has VNNI, the padding byte exists and the weights fit
// int8 but for a few channels; pairs otherwise, and for 32 channels or fewer
// (they cost less).
template <bool kSigned, int kStride, bool kVnni>
void set_up_block(const DepthwiseArgs& a, int c, Depthwise3x3Block& b) {
  const int pad = -a.input_offset + (kSigned ? 128 : 0);  // the zero point as an unsigned byte
  const DwRq rq = a.q.scale                              ? DwRq::kFloat
                  : a.q.act_min >= a.q.output_zero_point ? DwRq::kFusedRelu
                                                         : DwRq::kFused;
  b.quads_row = nullptr;
  if (kVnni && pad >= 0 && pad <= 255 && a.g.out_c - c > 32 &&
      set_up_quads<kSigned>(a, c, b.quads)) {
    b.quads_row = rq == DwRq::kFloat       ? quads_row<kSigned, kStride, DwRq::kFloat>
                  : rq == DwRq::kFusedRelu ? quads_row<kSigned, kStride, DwRq::kFusedRelu>
                                           : quads_row<kSigned, kStride, DwRq::kFused>;
    return;
  }
  for (int h = 0; h < 2 && c + 32 * h < a.g.out_c; ++h) {
    set_up_pairs<kSigned>(a, c + 32 * h, b.pairs[h]);
    if (kVnni)
      b.pairs_row[h] = rq == DwRq::kFloat       ? pairs_row_vnni<kSigned, kStride, DwRq::kFloat>
                       : rq == DwRq::kFusedRelu ? pairs_row_vnni<kSigned, kStride, DwRq::kFusedRelu>
                                                : pairs_row_vnni<kSigned, kStride, DwRq::kFused>;
    else
      b.pairs_row[h] = rq == DwRq::kFloat       ? pairs_row<kSigned, kStride, DwRq::kFloat>
                       : rq == DwRq::kFusedRelu ? pairs_row<kSigned, kStride, DwRq::kFusedRelu>
                                                : pairs_row<kSigned, kStride, DwRq::kFused>;
  }
}

// Whether depthwise3x3 serves these arguments (its requantization is
// requant_fused()'s or the float one).
inline bool is_3x3(const DepthwiseArgs& a) {
  const Geometry& g = a.g;
  return g.filter_h == 3 && g.filter_w == 3 && g.dilation_h == 1 && g.dilation_w == 1 &&
         (g.stride_w == 1 || g.stride_w == 2) && a.input_offset >= -255 && a.input_offset <= 255 &&
         (a.fused || a.q.scale);
}

// Work items: a band of output rows for 64 channels, channels inner, so that
// the band's input stays in cache across them, and without packed blocks
// each item's set-up serves many pixels.
template <bool kSigned, int kStride, bool kVnni>
void depthwise3x3(const DepthwiseArgs& a) {
  const Geometry& g = a.g;
  const int blocks = (g.out_c + 63) / 64;
  const int rows = g.batch * g.out_h;
  const int band = (kDwBandPixels + g.out_w - 1) / g.out_w;
  int bands = (rows + band - 1) / band;
  const auto* packed = static_cast<const Depthwise3x3Block*>(a.packed);
  const bool parallel = static_cast<int64_t>(rows) * g.out_w * g.out_c * 9 >= kMinParallelWork;
  // Whole bands per thread (blocks differ in cost: a last one may be narrow),
  // rows spread evenly over them.
  if (parallel) {
    const int threads = omp_get_max_threads();
    bands = (bands + threads - 1) / threads * threads;
    if (bands > rows) bands = rows;
  }
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i = 0; i < static_cast<int64_t>(bands) * blocks; ++i) {
    const int c = static_cast<int>(i % blocks) * 64;
    const int band_index = static_cast<int>(i / blocks);
    const int row0 = static_cast<int>(static_cast<int64_t>(band_index) * rows / bands);
    const int row_end = static_cast<int>(static_cast<int64_t>(band_index + 1) * rows / bands);
    Depthwise3x3Block own;
    if (!packed) set_up_block<kSigned, kStride, kVnni>(a, c, own);
    const Depthwise3x3Block& b = packed ? packed[i % blocks] : own;
    if (b.quads_row) {
      for (int row = row0; row < row_end; ++row) b.quads_row(a, b.quads, row, c);
      continue;
    }
    for (int h = 0; h < 2 && c + 32 * h < g.out_c; ++h)
      for (int row = row0; row < row_end; ++row) b.pairs_row[h](a, b.pairs[h], row, c + 32 * h);
  }
}

template <bool kVnni>
size_t pack_depthwise(const DepthwiseArgs& a, bool is_signed, void* packed) {
  if (!is_3x3(a)) return 0;
  const int blocks = (a.g.out_c + 63) / 64;
  using SetUp = void (*)(const DepthwiseArgs&, int, Depthwise3x3Block&);
  const SetUp set_up =
      is_signed
          ? (a.g.stride_w == 1 ? set_up_block<true, 1, kVnni> : set_up_block<true, 2, kVnni>)
          : (a.g.stride_w == 1 ? set_up_block<false, 1, kVnni> : set_up_block<false, 2, kVnni>);
  if (packed)
    for (int b = 0; b < blocks; ++b) set_up(a, 64 * b, static_cast<Depthwise3x3Block*>(packed)[b]);
  return sizeof(Depthwise3x3Block) * blocks;
}

template <bool kSigned, bool kVnni>
void depthwise(const DepthwiseArgs& a) {
  const Geometry& g = a.g;
  if (is_3x3(a) && g.stride_w == 1) return depthwise3x3<kSigned, 1, kVnni>(a);
  if (is_3x3(a)) return depthwise3x3<kSigned, 2, kVnni>(a);
  if (g.filter_h == 3 && g.filter_w == 3) return depthwise_rows<kSigned, 3>(a);
  depthwise_rows<kSigned, 0>(a);
}

// Window sums of a pointwise (1x1, stride 1, unpadded) convolution: the
// pixels' bytes are contiguous, so _mm512_sad_epu8 sums them 8 at a time over
// the whole chunk, and each pixel adds its in_c / 8 partial sums. Signed bytes
// are flipped to unsigned (x + 128) and corrected at the end.
template <bool kSigned>
void pointwise_sums(const WindowSumArgs& a) {
  const Geometry& g = a.g;
  const uint8_t* x = static_cast<const uint8_t*>(a.x);
  const int64_t pixels = static_cast<int64_t>(g.batch) * g.out_h * g.out_w;
  const int per_pixel = g.in_c / 8;
  const int64_t chunk = 2048 / per_pixel;  // pixels per buffer of partial sums
  const int64_t chunks = (pixels + chunk - 1) / chunk;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const bool parallel = pixels * g.in_c >= kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < chunks; ++k) {
    alignas(64) uint64_t part[2048 + 8];
    const int64_t p0 = k * chunk, p1 = p0 + chunk < pixels ? p0 + chunk : pixels;
    const int64_t bytes = (p1 - p0) * g.in_c;
    const uint8_t* src = x + p0 * g.in_c;
    for (int64_t i = 0; i < bytes; i += 64) {
      const int64_t left = bytes - i;
      const __mmask64 m = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
      __m512i v = _mm512_maskz_loadu_epi8(m, src + i);
      if (kSigned) v = _mm512_maskz_mov_epi8(m, _mm512_xor_si512(v, flip));
      _mm512_storeu_si512(part + i / 8, _mm512_sad_epu8(v, _mm512_setzero_si512()));
    }
    for (int64_t p = p0; p < p1; ++p) {
      const uint64_t* q = part + (p - p0) * per_pixel;
      uint64_t sum = 0;
      for (int j = 0; j < per_pixel; ++j) sum += q[j];
      const int32_t s = static_cast<int32_t>(sum) - (kSigned ? 128 * g.in_c : 0);
      a.sums[p] = static_cast<int32_t>(static_cast<uint32_t>(s) * static_cast<uint32_t>(a.scale));
    }
  }
}

// Window sums over inputs with few channels (a first layer's RGB), scalar:
// per output row, the channel sums of the filter_h input rows it reads, then
// each output pixel adds its filter_w columns of them.
constexpr int kMaxRowPixels = 4096;
template <bool kSigned>
void small_channel_sums(const WindowSumArgs& a) {
  const Geometry& g = a.g;
  const char* x = static_cast<const char*>(a.x);
  const auto value = [](char v) {
    return kSigned ? static_cast<int32_t>(static_cast<signed char>(v))
                   : static_cast<int32_t>(static_cast<unsigned char>(v));
  };
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    int32_t column[kMaxRowPixels];  // sum over the window's rows of each input pixel's channels
    for (int ix = 0; ix < g.in_w; ++ix) column[ix] = 0;
    for (int fy = 0; fy < g.filter_h; ++fy) {
      const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
      if (iy < 0 || iy >= g.in_h) continue;
      const char* px = x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w) * g.in_c;
      for (int ix = 0; ix < g.in_w; ++ix)
        for (int c = 0; c < g.in_c; ++c) column[ix] += value(px[ix * g.in_c + c]);
    }
    for (int ox = 0; ox < g.out_w; ++ox) {
      int32_t sum = 0;
      for (int fx = 0; fx < g.filter_w; ++fx) {
        const int ix = ox * g.stride_w - g.pad_left + fx * g.dilation_w;
        if (ix >= 0 && ix < g.in_w) sum += column[ix];
      }
      a.sums[static_cast<int64_t>(row) * g.out_w + ox] =
          static_cast<int32_t>(static_cast<uint32_t>(sum) * static_cast<uint32_t>(a.scale));
    }
  }
}

template <bool kSigned>
void window_sums(const WindowSumArgs& a) {
  const Geometry& g = a.g;
  const char* x = static_cast<const char*>(a.x);
  if (is_pointwise(g) && g.in_c % 8 == 0 && g.in_c <= 8 * 2048) return pointwise_sums<kSigned>(a);
  if (g.in_c < 16 && g.in_w <= kMaxRowPixels) return small_channel_sums<kSigned>(a);
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.in_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      __m512i sum = _mm512_setzero_si512();
      for (int fy = 0; fy < g.filter_h; ++fy) {
        const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int fx = 0; fx < g.filter_w; ++fx) {
          const int ix = ox * g.stride_w - g.pad_left + fx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          const char* px = x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) * g.in_c;
          for (int c = 0; c < g.in_c; c += 16)
            sum = _mm512_add_epi32(sum, load_bytes<kSigned>(px + c, tail_mask(g.in_c - c)));
        }
      }
      a.sums[static_cast<int64_t>(row) * g.out_w + ox] = static_cast<int32_t>(
          static_cast<uint32_t>(_mm512_reduce_add_epi32(sum)) * static_cast<uint32_t>(a.scale));
    }
  }
}

// AddArgs::is_float: quant::add_float on 16 lanes, 64 elements packed to
// bytes at a time (the values are already clamped to the output type).
template <bool kSigned>
void add_float(const AddArgs& p) {
  const char* a = static_cast<const char*>(p.a);
  const char* b = static_cast<const char*>(p.b);
  char* y = static_cast<char*>(p.out);
  const __m512i aoff = _mm512_set1_epi32(p.a_offset), boff = _mm512_set1_epi32(p.b_offset);
  const __m512i zp = _mm512_set1_epi32(p.output_offset);
  const __m512i lo = _mm512_set1_epi32(p.act_min), hi = _mm512_set1_epi32(p.act_max);
  const __m512 ra = _mm512_set1_ps(p.a_ratio), rb = _mm512_set1_ps(p.b_ratio);
  const auto lanes = [&](int64_t i, __mmask16 m) {
    const __m512 fa = _mm512_cvtepi32_ps(_mm512_add_epi32(load_bytes<kSigned>(a + i, m), aoff));
    const __m512 fb = _mm512_cvtepi32_ps(_mm512_add_epi32(load_bytes<kSigned>(b + i, m), boff));
    const __m512i r = round_to_int_saturated(_mm512_fmadd_ps(fa, ra, _mm512_mul_ps(fb, rb)));
    return _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(r, zp), lo), hi);
  };
  const int64_t blocks = (p.count + 63) / 64;
  const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t i = k * 64;
    if (i + 64 <= p.count) {
      const __mmask16 all = 0xFFFF;
      _mm512_storeu_si512(y + i, pack_bytes<kSigned>(lanes(i, all), lanes(i + 16, all),
                                                     lanes(i + 32, all), lanes(i + 48, all)));
      continue;
    }
    for (int64_t j = i; j < p.count; j += 16) {
      const __mmask16 m = tail_mask(static_cast<int>(p.count - j < 16 ? p.count - j : 16));
      _mm512_mask_cvtepi32_storeu_epi8(y + j, m, lanes(j, m));
    }
  }
}

template <bool kSigned>
void add(const AddArgs& p) {
  if (p.is_float) return add_float<kSigned>(p);
  const char* a = static_cast<const char*>(p.a);
  const char* b = static_cast<const char*>(p.b);
  char* y = static_cast<char*>(p.out);
  const QVec qa = broadcast_q(p.a_mult, p.a_lsh, p.a_rsh);
  const QVec qb = broadcast_q(p.b_mult, p.b_lsh, p.b_rsh);
  const QVec qo = broadcast_q(p.out_mult, p.out_lsh, p.out_rsh);
  const __m512i aoff = _mm512_set1_epi32(p.a_offset), boff = _mm512_set1_epi32(p.b_offset);
  const __m512i zp = _mm512_set1_epi32(p.output_offset);
  const __m512i lo = _mm512_set1_epi32(p.act_min), hi = _mm512_set1_epi32(p.act_max);
  const __m512i shift = _mm512_set1_epi32(p.left_shift);
  const int64_t blocks = (p.count + 15) / 16;
  const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t i = k * 16;
    const __mmask16 m = tail_mask(static_cast<int>(p.count - i < 16 ? p.count - i : 16));
    const __m512i xa =
        _mm512_sllv_epi32(_mm512_add_epi32(load_bytes<kSigned>(a + i, m), aoff), shift);
    const __m512i xb =
        _mm512_sllv_epi32(_mm512_add_epi32(load_bytes<kSigned>(b + i, m), boff), shift);
    const __m512i sum = _mm512_add_epi32(multiply_by_quantized_multiplier(xa, qa),
                                         multiply_by_quantized_multiplier(xb, qb));
    _mm512_mask_cvtepi32_storeu_epi8(y + i, m, requant(sum, qo, zp, lo, hi));
  }
}

// round(x / scale) half away from zero: t = trunc(v), plus sign(v) where
// |v - t| >= 0.5 (v - t is exact), or half to even (QuantizeArgs::half_even):
// one roundscale; then the zero point and the type's range
// (clamping in float first is the same: q is an integer). NaN gives zp, as
// quant::quantize_real does.
template <bool kSigned>
void quantize(const QuantizeArgs& p) {
  char* y = static_cast<char*>(p.y);
  const __m512 scale = _mm512_set1_ps(p.scale), half = _mm512_set1_ps(0.5f);
  const __m512 one = _mm512_set1_ps(1.0f), minus_one = _mm512_set1_ps(-1.0f);
  const float qmin = kSigned ? -128.0f : 0.0f, qmax = kSigned ? 127.0f : 255.0f;
  const __m512 lo = _mm512_set1_ps(qmin - static_cast<float>(p.zero_point));
  const __m512 hi = _mm512_set1_ps(qmax - static_cast<float>(p.zero_point));
  const __m512i zp = _mm512_set1_epi32(p.zero_point);
  const int64_t blocks = (p.count + 15) / 16;
  const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t i = k * 16;
    const __mmask16 m = tail_mask(static_cast<int>(p.count - i < 16 ? p.count - i : 16));
    const __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, p.x + i), scale);
    __m512 t;
    if (p.half_even) {
      t = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    } else {
      t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(v, t));
      const __mmask16 away = _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ);
      const __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
      t = _mm512_mask_add_ps(t, away, t, _mm512_mask_blend_ps(negative, one, minus_one));
    }
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    t = _mm512_mask_mov_ps(t, nan, _mm512_setzero_ps());
    t = _mm512_min_ps(_mm512_max_ps(t, lo), hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvttps_epi32(t), zp);
    _mm512_mask_cvtepi32_storeu_epi8(y + i, m, q);
  }
}

// kVnni: the depthwise kernels use AVX512-VNNI (the table for CPUs that have it).
template <bool kVnni>
constexpr Kernels avx512_table(const char* isa) {
  return {isa,
          requantize<false>,
          requantize<true>,
          depthwise<false, kVnni>,
          depthwise<true, kVnni>,
          window_sums<false>,
          window_sums<true>,
          add<false>,
          add<true>,
          quantize<false>,
          quantize<true>,
          pack_depthwise<kVnni>};
}
const Kernels kAvx512 = avx512_table<false>("avx512");
const Kernels kAvx512Vnni = avx512_table<true>("avx512_vnni");

}  // namespace

const Kernels* avx512_kernels() {
  return &kAvx512;
}
const Kernels* avx512_vnni_kernels() {
  return &kAvx512Vnni;
}

}  // namespace edgebench::cpu::int8

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace edgebench::cpu::int8 {
const Kernels* avx512_kernels() {
  return nullptr;
}
const Kernels* avx512_vnni_kernels() {
  return nullptr;
}
}  // namespace edgebench::cpu::int8

#endif
