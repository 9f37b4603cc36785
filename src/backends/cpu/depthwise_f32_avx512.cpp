// depthwise_f32.h's kernel for AVX-512F: 16 channels per vector, masked tails.
// This file must include nothing but intrinsics and depthwise_f32.h.
#include <cstddef>

// GCC 12's AVX-512 headers initialise undefined vectors as `__m512 __Y = __Y;`,
// which -W(maybe-)uninitialized reports once inlined; it is not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "backends/cpu/depthwise_f32.h"

namespace edgebench::cpu {

void depthwise3x3_f32_avx512(const DepthwiseF32Args& a, int64_t row_begin, int64_t row_end) {
  const int c_all = a.c, in_w = a.in_w, s = a.stride;
  const size_t channels = static_cast<size_t>(c_all);
  // Floats from one pixel to the next: all channels (nhwc) or one block's 16
  // (nChw16c, where each block of 16 channels is a plane of its own).
  const size_t pixel = a.blocked ? 16 : channels;
  const size_t plane_in = static_cast<size_t>(a.in_h) * in_w;
  const size_t plane_out = static_cast<size_t>(a.out_h) * a.out_w;
  const __m512 zero = _mm512_setzero_ps();
  const __m512 lo = _mm512_set1_ps(a.lo), hi = _mm512_set1_ps(a.hi);
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t b = row / a.out_h;
    const int oh = static_cast<int>(row % a.out_h);
    const float* x = a.x + static_cast<size_t>(b) * plane_in * channels;
    float* y = a.y + static_cast<size_t>(b) * plane_out * channels;
    const int ih = oh * s - a.pad_top;
    for (int c = 0; c < c_all; c += 16) {
      const __mmask16 m = c_all - c >= 16 ? static_cast<__mmask16>(0xffff)
                                          : static_cast<__mmask16>((1u << (c_all - c)) - 1);
      // Channels [c, c + 16) of input row r, or zeros outside the image.
      const auto input_row = [&](int r) -> const float* {
        if (r < 0 || r >= a.in_h) return a.zero_row;
        return a.blocked ? x + c * plane_in + static_cast<size_t>(r) * in_w * 16
                         : x + (static_cast<size_t>(r) * in_w) * channels + c;
      };
      const float* q0 = input_row(ih);
      const float* q1 = input_row(ih + 1);
      const float* q2 = input_row(ih + 2);
      float* out = a.blocked ? y + c * plane_out + static_cast<size_t>(oh) * a.out_w * 16
                             : y + static_cast<size_t>(oh) * a.out_w * channels + c;
      const float* w = a.w + c;  // [3][3][channels]
      const __m512 w00 = _mm512_maskz_loadu_ps(m, w), w01 = _mm512_maskz_loadu_ps(m, w + channels),
                   w02 = _mm512_maskz_loadu_ps(m, w + 2 * channels);
      const __m512 w10 = _mm512_maskz_loadu_ps(m, w + 3 * channels),
                   w11 = _mm512_maskz_loadu_ps(m, w + 4 * channels),
                   w12 = _mm512_maskz_loadu_ps(m, w + 5 * channels);
      const __m512 w20 = _mm512_maskz_loadu_ps(m, w + 6 * channels),
                   w21 = _mm512_maskz_loadu_ps(m, w + 7 * channels),
                   w22 = _mm512_maskz_loadu_ps(m, w + 8 * channels);
      const __m512 bias = a.bias ? _mm512_maskz_loadu_ps(m, a.bias + c) : zero;
      // Column iw of the three rows, zeros outside the image.
      const auto column = [&](int iw, __m512& v0, __m512& v1, __m512& v2) {
        if (static_cast<unsigned>(iw) < static_cast<unsigned>(in_w)) {
          const size_t at = static_cast<size_t>(iw) * pixel;
          v0 = _mm512_maskz_loadu_ps(m, q0 + at);
          v1 = _mm512_maskz_loadu_ps(m, q1 + at);
          v2 = _mm512_maskz_loadu_ps(m, q2 + at);
        } else {
          v0 = v1 = v2 = zero;
        }
      };
      // The window's columns: a (left), b (middle), n (right, loaded per output).
      int iw = -a.pad_left;
      __m512 a0, a1, a2, b0, b1, b2;
      column(iw, a0, a1, a2);
      column(iw + 1, b0, b1, b2);
      for (int ow = 0; ow < a.out_w; ++ow, iw += s, out += pixel) {
        __m512 n0, n1, n2;
        column(iw + 2, n0, n1, n2);
        // Two chains of multiply-adds, so each waits on half as many.
        __m512 acc = _mm512_fmadd_ps(a0, w00, bias);
        __m512 acc2 = _mm512_mul_ps(b0, w01);
        acc = _mm512_fmadd_ps(n0, w02, acc);
        acc2 = _mm512_fmadd_ps(a1, w10, acc2);
        acc = _mm512_fmadd_ps(b1, w11, acc);
        acc2 = _mm512_fmadd_ps(n1, w12, acc2);
        acc = _mm512_fmadd_ps(a2, w20, acc);
        acc2 = _mm512_fmadd_ps(b2, w21, acc2);
        acc = _mm512_fmadd_ps(n2, w22, acc);
        acc = _mm512_add_ps(acc, acc2);
        if (a.clamp) acc = _mm512_min_ps(_mm512_max_ps(acc, lo), hi);
        _mm512_mask_storeu_ps(out, m, acc);
        if (s == 1) {
          a0 = b0, a1 = b1, a2 = b2;
          b0 = n0, b1 = n1, b2 = n2;
        } else {
          a0 = n0, a1 = n1, a2 = n2;
          column(iw + s + 1, b0, b1, b2);
        }
      }
    }
  }
}

}  // namespace edgebench::cpu

#pragma GCC diagnostic pop
