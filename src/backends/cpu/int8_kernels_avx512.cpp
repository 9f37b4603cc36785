// int8 kernels for AVX-512 (F, BW, VL, DQ): 16 channels per vector, masked
// tails. Same arithmetic as int8_kernels_generic.cpp, lane by lane; the tests
// compare them. This file must include nothing but intrinsics and
// int8_kernels.h (see there why).
#include "backends/cpu/int8_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma,avx2,bmi2")
// GCC 12's AVX-512 headers initialise undefined vectors as `__m512i __Y = __Y;`,
// which -Wmaybe-uninitialized reports once inlined; it is not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

template <bool kSigned>
void depthwise(const DepthwiseArgs& a) {
  if (a.g.filter_h == 3 && a.g.filter_w == 3) return depthwise_rows<kSigned, 3>(a);
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

template <bool kSigned>
void add(const AddArgs& p) {
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
  const bool parallel = p.count >= kMinParallelWork;
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
// |v - t| >= 0.5 (v - t is exact); then the zero point and the type's range
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
  const bool parallel = p.count >= kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t k = 0; k < blocks; ++k) {
    const int64_t i = k * 16;
    const __mmask16 m = tail_mask(static_cast<int>(p.count - i < 16 ? p.count - i : 16));
    const __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, p.x + i), scale);
    __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(v, t));
    const __mmask16 away = _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ);
    const __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    t = _mm512_mask_add_ps(t, away, t, _mm512_mask_blend_ps(negative, one, minus_one));
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    t = _mm512_mask_mov_ps(t, nan, _mm512_setzero_ps());
    t = _mm512_min_ps(_mm512_max_ps(t, lo), hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvttps_epi32(t), zp);
    _mm512_mask_cvtepi32_storeu_epi8(y + i, m, q);
  }
}

const Kernels kAvx512{"avx512",        requantize<false>,  requantize<true>,  depthwise<false>,
                      depthwise<true>, window_sums<false>, window_sums<true>, add<false>,
                      add<true>,       quantize<false>,    quantize<true>};

}  // namespace

const Kernels* avx512_kernels() {
  return &kAvx512;
}

}  // namespace edgebench::cpu::int8

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace edgebench::cpu::int8 {
const Kernels* avx512_kernels() {
  return nullptr;
}
}  // namespace edgebench::cpu::int8

#endif
