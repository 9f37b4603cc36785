// Quantized max / average pooling (NHWC, same quantization in and out) on our
// own loop: per output pixel, whole channel rows are reduced into an int32
// accumulator (contiguous, so the compiler vectorizes it), with the reference's
// window (ref::pool_window) and rounding (ref::rounded_average): bit-exact with
// the reference kernel, which walks the window once per channel.
#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>

#include "backends/cpu/lowerers.h"
#include "backends/quant_arith.h"
#include "backends/reference/pool2d.h"

namespace edgebench::cpu {
namespace {

constexpr int kMaxChannels = 4096;  // the accumulator lives on the stack

template <typename T, bool kMax>
void pool_quant_rows(const ref::PoolShape& s, int32_t act_min, int32_t act_max, const T* x, T* y) {
  const int c_count = s.channels;
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < s.batch; ++b) {
    for (int oy = 0; oy < s.out_h; ++oy) {
      std::array<int32_t, kMaxChannels> acc;
      for (int ox = 0; ox < s.out_w; ++ox) {
        const ref::PoolWindow w = ref::pool_window(s, oy, ox);
        const int32_t init = kMax ? std::numeric_limits<T>::lowest() : 0;
        std::fill_n(acc.data(), c_count, init);
        for (int fy = w.y0; fy < w.y1; ++fy) {
          for (int fx = w.x0; fx < w.x1; ++fx) {
            const T* px =
                x + ((static_cast<size_t>(b) * s.in_h + w.iy + fy) * s.in_w + w.ix + fx) * c_count;
            for (int c = 0; c < c_count; ++c) {
              if constexpr (kMax)
                acc[c] = std::max(acc[c], static_cast<int32_t>(px[c]));
              else
                acc[c] += px[c];
            }
          }
        }
        T* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * c_count;
        for (int c = 0; c < c_count; ++c) {
          const int32_t v = kMax ? acc[c] : ref::rounded_average(acc[c], w.count);
          out[c] = static_cast<T>(std::clamp(v, act_min, act_max));
        }
      }
    }
  }
}

}  // namespace

bool pool_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kAveragePool2D && n.op != OpType::kMaxPool2D) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& y = g.tensor(n.outputs[0]);
  return is_quantized_int(x.dtype) && y.dtype == x.dtype && x.shape.size() == 4 &&
         x.shape[3] <= kMaxChannels && x.quant.scales.size() == 1 && y.quant.scales.size() == 1 &&
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
