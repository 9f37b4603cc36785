// Quantized max / average pooling (NHWC, same quantization in and out) on our
// own loop: per output pixel, whole channel rows are reduced into an int16
// (windows of up to 128 taps) or int32 accumulator (contiguous, so the compiler
// vectorizes it), with the reference's
// window (ref::pool_window) and rounding (ref::rounded_average): bit-exact with
// the reference kernel, which walks the window once per channel (padded cells
// under count_include_pad add the zero point, as there). The average's
// rounded division is done in float where that is exact (divide_rounded).
#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>
#include <type_traits>

#include "backends/cpu/lowerers.h"
#include "backends/quant_arith.h"
#include "backends/reference/pool2d.h"

namespace edgebench::cpu {
namespace {

constexpr int kMaxChannels = 4096;  // the accumulator lives on the stack
// Windows up to this many taps: |sum| + taps / 2 < 2^24, see divide_rounded.
constexpr int kMaxTaps = 65535;

// ref::rounded_average over a row of channels, in a form the compiler
// vectorizes: a = |sum| + n/2 < 2^24 is exact in float, and the correctly
// rounded quotient a / n truncates to the integer quotient (a non-integer
// quotient lies at least 1/n below the next integer, more than float's
// relative error 2^-24 of a / n when a < 2^24).
template <typename T, typename Acc>
inline __attribute__((always_inline)) void divide_rounded(const Acc* __restrict acc, int channels,
                                                          int32_t pad, int32_t n, int32_t act_min,
                                                          int32_t act_max, T* __restrict out) {
  const float fn = static_cast<float>(n);
  const int32_t half = n / 2;
  for (int c = 0; c < channels; ++c) {
    const int32_t sum = static_cast<int32_t>(acc[c]) + pad;
    const int32_t a = (sum < 0 ? -sum : sum) + half;
    const int32_t q = static_cast<int32_t>(static_cast<float>(a) / fn);
    out[c] = static_cast<T>(std::clamp(sum < 0 ? -q : q, act_min, act_max));
  }
}

// Windows of up to this many taps sum 8-bit values exactly in int16, twice
// the lanes of int32 per vector (128 x 255 < 2^15).
constexpr int kMaxInt16Taps = 128;

// One output row: plain C++ loops the compiler vectorizes.
template <typename T, bool kMax, typename Acc = int32_t>
inline __attribute__((always_inline)) void pool_row(const ref::PoolShape& s, int b, int oy,
                                                    int32_t act_min, int32_t act_max,
                                                    const T* __restrict x, T* __restrict y) {
  const int c_count = s.channels;
  // Max: the window's maximum in the element type itself; average: Acc sums.
  alignas(64) std::array<Acc, kMaxChannels> sum;
  alignas(64) std::array<T, kMaxChannels> top;
  for (int ox = 0; ox < s.out_w; ++ox) {
    const ref::PoolWindow w = ref::pool_window(s, oy, ox);
    if constexpr (kMax)
      std::fill_n(top.data(), c_count, std::numeric_limits<T>::lowest());
    else
      std::fill_n(sum.data(), c_count, 0);
    for (int fy = w.y0; fy < w.y1; ++fy) {
      for (int fx = w.x0; fx < w.x1; ++fx) {
        const T* __restrict px =
            x + ((static_cast<size_t>(b) * s.in_h + w.iy + fy) * s.in_w + w.ix + fx) * c_count;
        if constexpr (kMax) {
          T* __restrict t = top.data();
          for (int c = 0; c < c_count; ++c) t[c] = std::max(t[c], px[c]);
        } else {
          Acc* __restrict a = sum.data();
          for (int c = 0; c < c_count; ++c) a[c] = static_cast<Acc>(a[c] + px[c]);
        }
      }
    }
    T* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * c_count;
    if constexpr (kMax) {
      for (int c = 0; c < c_count; ++c)
        out[c] = static_cast<T>(std::clamp(static_cast<int32_t>(top[c]), act_min, act_max));
    } else {
      // Padded cells hold the zero point (count_include_pad).
      divide_rounded(sum.data(), c_count, w.padded * s.zero_point, w.count, act_min, act_max, out);
    }
  }
}

// Each instance built for AVX-512 and AVX2 besides the baseline, picked at
// load time from the CPU (the baseline vectorizes 4 lanes wide). Plain
// functions: clang does not clone templates.
#define EB_POOL_ROW(name, T, kMax, Acc)                                                     \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void name(  \
      const ref::PoolShape& s, int b, int oy, int32_t act_min, int32_t act_max, const T* x, \
      T* y) {                                                                               \
    pool_row<T, kMax, Acc>(s, b, oy, act_min, act_max, x, y);                               \
  }
EB_POOL_ROW(max_row_u8, uint8_t, true, int32_t)
EB_POOL_ROW(max_row_s8, int8_t, true, int32_t)
EB_POOL_ROW(avg_row_u8, uint8_t, false, int32_t)
EB_POOL_ROW(avg_row_s8, int8_t, false, int32_t)
EB_POOL_ROW(avg_row16_u8, uint8_t, false, int16_t)
EB_POOL_ROW(avg_row16_s8, int8_t, false, int16_t)
#undef EB_POOL_ROW

template <typename T, bool kMax>
void pool_quant_rows(const ref::PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y) {
  const bool narrow = s.filter_h * s.filter_w <= kMaxInt16Taps;
  const auto row = [narrow] {
    if constexpr (std::is_same_v<T, uint8_t>)
      return kMax ? max_row_u8 : narrow ? avg_row16_u8 : avg_row_u8;
    else
      return kMax ? max_row_s8 : narrow ? avg_row16_s8 : avg_row_s8;
  }();
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < s.out_h; ++oy) row(s, b, oy, act_min, act_max, x, y);
}

}  // namespace

bool pool_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kAveragePool2D && n.op != OpType::kMaxPool2D) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& y = g.tensor(n.outputs[0]);
  return is_quantized_int(x.dtype) && y.dtype == x.dtype && x.shape.size() == 4 &&
         x.shape[3] <= kMaxChannels &&
         n.attr<Pool2DAttrs>().filter_h * n.attr<Pool2DAttrs>().filter_w <= kMaxTaps &&
         x.quant.scales.size() == 1 && y.quant.scales.size() == 1 &&
         x.quant.scale() == y.quant.scale() && x.quant.zero_point() == y.quant.zero_point();
}

void lower_pool_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto& a = n.attr<Pool2DAttrs>();
  const ref::PoolShape shape = ref::pool_shape(x, y, a);
  const quant::QuantizedRange r = quant::quantized_activation_range(
      a.act, y.dtype, y.quant.scale(), static_cast<int32_t>(y.quant.zero_point()));
  const bool is_max = n.op == OpType::kMaxPool2D;
  const bool u8 = x.dtype == DType::kU8;
  const int in = L.input_plain(n.inputs[0]);
  const int out = L.new_plain_output(n.outputs[0]);
  Step& s =
      L.add_step(std::string("cpu:") + (is_max ? "max" : "avg") + "_pool_" + (u8 ? "u8" : "i8"));
  s.uses = {in, out};
  s.make_fn = [shape, r, in, out, is_max, u8](const BufferPtrs& ptrs) -> std::function<void()> {
    void* xp = ptrs[static_cast<size_t>(in)];
    void* yp = ptrs[static_cast<size_t>(out)];
    auto bind = [&](auto tag) -> std::function<void()> {
      using T = decltype(tag);
      const T* xs = static_cast<const T*>(xp);
      T* ys = static_cast<T*>(yp);
      if (is_max) return [=] { pool_quant_rows<T, true>(shape, r.min, r.max, xs, ys); };
      return [=] { pool_quant_rows<T, false>(shape, r.min, r.max, xs, ys); };
    };
    return u8 ? bind(uint8_t{}) : bind(int8_t{});
  };
}

}  // namespace edgebench::cpu
