// Portable int8 kernels (the arithmetic of backends/quant_arith.h, element by
// element) and the one-time choice of an ISA's kernels.
#include <algorithm>
#include <dnnl.hpp>

#include "backends/cpu/int8_kernels.h"
#include "backends/quant_arith.h"
#include "backends/reference/quantize.h"

namespace edgebench::cpu::int8 {

int32_t requantize_one(int32_t acc, const Requant& q, int c) {
  if (q.scale)
    return std::clamp(quant::requantize_float(acc, q.scale[c]) + q.output_zero_point, q.act_min,
                      q.act_max);
  const int32_t shifted = quant::wrapping_shl(acc, q.left_shift[c]);
  const int32_t high = quant::saturating_rounding_doubling_high_mul(shifted, q.multiplier[c]);
  const int32_t v = quant::rounding_divide_by_pot(high, q.right_shift[c]) + q.output_zero_point;
  return std::clamp(v, q.act_min, q.act_max);
}

int32_t add_one(int32_t a, int32_t b, const AddArgs& p) {
  if (p.is_float)
    return std::clamp(
        quant::add_float(a + p.a_offset, b + p.b_offset, p.a_ratio, p.b_ratio) + p.output_offset,
        p.act_min, p.act_max);
  const auto scale = [](int32_t x, int32_t m, int32_t lsh, int32_t rsh) {
    return quant::multiply_by_quantized_multiplier(x, m, lsh > 0 ? lsh : -rsh);
  };
  const int32_t sa = scale((a + p.a_offset) * (1 << p.left_shift), p.a_mult, p.a_lsh, p.a_rsh);
  const int32_t sb = scale((b + p.b_offset) * (1 << p.left_shift), p.b_mult, p.b_lsh, p.b_rsh);
  const int32_t v = scale(sa + sb, p.out_mult, p.out_lsh, p.out_rsh) + p.output_offset;
  return std::clamp(v, p.act_min, p.act_max);
}

namespace {

template <typename T>
void add(const AddArgs& p) {
  const T* a = static_cast<const T*>(p.a);
  const T* b = static_cast<const T*>(p.b);
  T* y = static_cast<T*>(p.out);
  const bool parallel = p.count >= kMinParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i = 0; i < p.count; ++i) y[i] = static_cast<T>(add_one(a[i], b[i], p));
}

template <typename T>
void requantize(const EpilogueArgs& a) {
  T* out = static_cast<T*>(a.out);
  const bool parallel = a.pixels * a.channels >= kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t p = 0; p < a.pixels; ++p) {
    const int32_t* acc = a.acc + p * a.channels;
    const int32_t* add = a.channel_add[p];
    const int32_t pix = a.pixel_add ? a.pixel_add[p] : 0;
    for (int c = 0; c < a.channels; ++c)
      out[p * a.channels + c] = static_cast<T>(requantize_one(acc[c] + add[c] + pix, a.q, c));
  }
}

template <typename T>
void depthwise(const DepthwiseArgs& a) {
  const Geometry& g = a.g;
  const T* x = static_cast<const T*>(a.x);
  T* out = static_cast<T*>(a.out);
  const int cpad = (g.out_c + kChannelPad - 1) / kChannelPad * kChannelPad;
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.out_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      T* y = out + (static_cast<int64_t>(row) * g.out_w + ox) * g.out_c;
      for (int c = 0; c < g.out_c; ++c) {
        int32_t acc = a.bias[c];
        for (int fy = 0; fy < g.filter_h; ++fy) {
          const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int fx = 0; fx < g.filter_w; ++fx) {
            const int ix = ox * g.stride_w - g.pad_left + fx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const T xv = x[((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) * g.in_c + c];
            acc += a.w[(fy * g.filter_w + fx) * cpad + c] *
                   (static_cast<int32_t>(xv) + a.input_offset);
          }
        }
        y[c] = static_cast<T>(requantize_one(acc, a.q, c));
      }
    }
  }
}

template <typename T>
void window_sums(const WindowSumArgs& a) {
  const Geometry& g = a.g;
  const T* x = static_cast<const T*>(a.x);
  const bool parallel = static_cast<int64_t>(a.g.batch) * a.g.out_h * a.g.out_w * a.g.in_c *
                            a.g.filter_h * a.g.filter_w >=
                        kMinParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      int32_t sum = 0;
      for (int fy = 0; fy < g.filter_h; ++fy) {
        const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int fx = 0; fx < g.filter_w; ++fx) {
          const int ix = ox * g.stride_w - g.pad_left + fx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          const T* px = x + ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) * g.in_c;
          for (int c = 0; c < g.in_c; ++c) sum += px[c];
        }
      }
      a.sums[static_cast<int64_t>(row) * g.out_w + ox] =
          static_cast<int32_t>(static_cast<uint32_t>(sum) * static_cast<uint32_t>(a.scale));
    }
  }
}

// ISA order: the widest the CPU has and oneDNN is allowed to use.
const Kernels& choose() {
  const auto isa = dnnl::get_effective_cpu_isa();
  const bool avx512 = isa == dnnl::cpu_isa::avx512_core || isa == dnnl::cpu_isa::avx512_core_vnni ||
                      isa == dnnl::cpu_isa::avx512_core_bf16 ||
                      isa == dnnl::cpu_isa::avx512_core_amx;
  const bool avx2 = avx512 || isa == dnnl::cpu_isa::avx2 || isa == dnnl::cpu_isa::avx2_vnni;
  const bool avx512_vnni = avx512 && isa != dnnl::cpu_isa::avx512_core;
  const bool avx512_cpu = __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (avx512_vnni && avx512_vnni_kernels() && avx512_cpu && __builtin_cpu_supports("avx512vnni"))
    return *avx512_vnni_kernels();
  if (avx512 && avx512_kernels() && avx512_cpu) return *avx512_kernels();
  if (avx2 && avx2_kernels() && __builtin_cpu_supports("avx2")) return *avx2_kernels();
  return generic_kernels();
}

}  // namespace

template <typename T>
void quantize_scalar(const QuantizeArgs& p) {
  // The reference loop itself, split into contiguous chunks across threads.
  T* y = static_cast<T*>(p.y);
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (p.count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (p.count >= 65536)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    ref::quantize_f32(std::min(kChunk, p.count - begin), p.scale, p.zero_point, p.x + begin,
                      y + begin, p.half_even);
  }
}

void quantize_scalar_u8(const QuantizeArgs& p) {
  quantize_scalar<uint8_t>(p);
}
void quantize_scalar_s8(const QuantizeArgs& p) {
  quantize_scalar<int8_t>(p);
}

const Kernels& generic_kernels() {
  static const Kernels k{"generic",           requantize<uint8_t>, requantize<int8_t>,
                         depthwise<uint8_t>,  depthwise<int8_t>,   window_sums<uint8_t>,
                         window_sums<int8_t>, add<uint8_t>,        add<int8_t>,
                         quantize_scalar_u8,  quantize_scalar_s8};
  return k;
}

const Kernels& int8_kernels() {
  static const Kernels& k = choose();
  return k;
}

}  // namespace edgebench::cpu::int8
