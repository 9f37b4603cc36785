// Quantized DepthwiseConv2D (multiplier 1) on our own kernel
// (int8_kernels.h): TFLite's accumulation over the taps inside the image with
// both zero points applied, and the requantization epilogue fused, bit for bit.
// Filters with a depth multiplier other than 1 go to the reference kernel.
#include <algorithm>
#include <memory>
#include <new>

#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowerers.h"
#include "backends/cpu/requant_table.h"
#include "backends/reference/conv2d.h"

namespace edgebench::cpu {
namespace {

struct DepthwiseData {
  std::vector<int32_t> w, bias, bias_interior;
  int8::RequantTable multipliers;
  std::vector<int64_t> fused;    // the requantization's fast form, when it applies
  std::shared_ptr<void> packed;  // the kernel's arrangement of the above, if it makes one
};

}  // namespace

bool depthwise_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kDepthwiseConv2D || n.attr<Conv2DAttrs>().depth_multiplier != 1) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  if (!is_quantized_int(x.dtype) || !is_quantized_int(w.dtype) || y.dtype != x.dtype) return false;
  return n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensor(n.inputs[2]).dtype == DType::kI32;
}

void lower_depthwise_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const Tensor* bias = n.inputs.size() > 2 && n.inputs[2] >= 0 ? &g.tensor(n.inputs[2]) : nullptr;
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto& a = n.attr<Conv2DAttrs>();
  const bool u8 = x.dtype == DType::kU8;

  int8::Geometry geo{static_cast<int>(x.shape[0]),
                     static_cast<int>(x.shape[1]),
                     static_cast<int>(x.shape[2]),
                     static_cast<int>(x.shape[3]),
                     static_cast<int>(y.shape[1]),
                     static_cast<int>(y.shape[2]),
                     static_cast<int>(y.shape[3]),
                     static_cast<int>(w.shape[1]),
                     static_cast<int>(w.shape[2]),
                     a.stride_h,
                     a.stride_w,
                     a.dilation_h,
                     a.dilation_w,
                     a.pad.top,
                     a.pad.left};
  const int c = geo.out_c;
  const int cpad = (c + int8::kChannelPad - 1) / int8::kChannelPad * int8::kChannelPad;

  ref::ConvQuantization q;
  const ref::TensorMemory no_memory;
  const ref::NodeView view(g, n, no_memory);
  ref::make_conv_quantization(
      view, x, w, bias, y, /*channel_axis=*/3, c, a.act,
      u8 ? ref::MultiplierRule::kFloatScaleProduct : ref::MultiplierRule::kDoublePerChannel, q);
  auto data = std::make_shared<DepthwiseData>();
  const int taps = geo.filter_h * geo.filter_w;
  data->w.assign(static_cast<size_t>(taps) * cpad, 0);
  for (int t = 0; t < taps; ++t)
    for (int k = 0; k < c; ++k) {
      const int64_t i = static_cast<int64_t>(t) * c + k;
      const int32_t v =
          w.dtype == DType::kU8 ? w.const_span<uint8_t>()[i] : w.const_span<int8_t>()[i];
      data->w[static_cast<size_t>(t) * cpad + k] = v + q.params.filter_offset;
    }
  data->bias.assign(cpad, 0);
  for (int k = 0; k < c; ++k) data->bias[k] = bias ? bias->const_span<int32_t>()[k] : 0;
  data->multipliers = int8::RequantTable::of(q);
  data->bias_interior = data->bias;
  for (int t = 0; t < taps; ++t)
    for (int k = 0; k < c; ++k)
      data->bias_interior[k] += q.params.input_offset * data->w[static_cast<size_t>(t) * cpad + k];

  const int src = L.input_plain(n.inputs[0]);
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const int32_t xoff = q.params.input_offset, zp = q.params.output_offset;
  const int32_t lo = q.params.act_min, hi = q.params.act_max;
  int8::DepthwiseArgs d;  // all but the buffers
  d.g = geo;
  d.w = data->w.data();
  d.bias = data->bias.data();
  d.bias_interior = data->bias_interior.data();
  d.input_offset = xoff;
  d.q = data->multipliers.view(zp, lo, hi);
  data->fused = data->multipliers.fused(zp);
  d.fused = data->fused.empty() ? nullptr : data->fused.data();
  // Weights arranged for the kernel once, here, rather than at every run.
  if (const size_t bytes = k.pack_depthwise ? k.pack_depthwise(d, !u8, nullptr) : 0) {
    constexpr std::align_val_t kAlign{64};
    data->packed.reset(::operator new(bytes, kAlign),
                       [](void* p) { ::operator delete(p, kAlign); });
    k.pack_depthwise(d, !u8, data->packed.get());
    d.packed = data->packed.get();
  }
  Step& s = L.add_step(std::string("cpu:depthwise3x3_") + (u8 ? "u8_" : "i8_") + k.isa);
  if (geo.filter_h != 3 || geo.filter_w != 3)
    s.kernel = std::string("cpu:depthwise_") + (u8 ? "u8_" : "i8_") + k.isa;
  s.uses = {src, out};
  s.make_fn = [d, data, u8, src, out, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::DepthwiseArgs run = d;
    run.x = ptrs[static_cast<size_t>(src)];
    run.out = ptrs[static_cast<size_t>(out)];
    auto fn = u8 ? k.depthwise_u8 : k.depthwise_s8;
    return [fn, run, data] { fn(run); };
  };
}

}  // namespace edgebench::cpu
