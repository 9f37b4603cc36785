// Float DepthwiseConv2D on the backend's own kernel (depthwise_f32.h: why,
// and where it applies); the rest on oneDNN through lower_conv_f32.
#include <omp.h>

#include <algorithm>
#include <dnnl.hpp>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu/depthwise_f32.h"
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

DepthwiseF32Fn depthwise3x3_f32_kernel() {
  static const DepthwiseF32Fn fn =
      onednn_isa_has(dnnl::cpu_isa::avx512_core) && __builtin_cpu_supports("avx512f")
          ? depthwise3x3_f32_avx512
          : nullptr;
  return fn;
}

namespace {

// A constant's floats, in the IR's order (read through a deferred
// permutation, not made first).
std::vector<float> const_floats(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.elements()));
  t.data.copy_to(reinterpret_cast<std::byte*>(v.data()));
  return v;
}

}  // namespace

bool depthwise_f32_own_kernel(const Lowering& L, const Node& n) {
  if (n.op != OpType::kDepthwiseConv2D || !depthwise3x3_f32_kernel()) return false;
  if (L.float_type() != memory::data_type::f32 || L.float_precision().fp16_storage) return false;
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const auto& a = n.attr<Conv2DAttrs>();
  return x.dtype == DType::kF32 && w.dtype == DType::kF32 && a.depth_multiplier == 1 &&
         w.shape[1] == 3 && w.shape[2] == 3 && a.stride_h == a.stride_w &&
         (a.stride_h == 1 || a.stride_h == 2) && a.dilation_h == 1 && a.dilation_w == 1 &&
         (x.shape[3] % 256 != 0 || L.blocked_float(x.shape[3])) &&
         x.shape[1] * x.shape[2] * x.shape[3] <= (int64_t{1} << 31);
}

void lower_depthwise_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto& a = n.attr<Conv2DAttrs>();
  const int64_t c = x.shape[3];
  // Weights and bias copied (a few KiB): the model's bytes can go.
  struct Data {
    std::vector<float> w, bias, zero_row;
  };
  auto data = std::make_shared<Data>();
  data->w = const_floats(w);
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) data->bias = const_floats(g.tensor(n.inputs[2]));
  data->zero_row.assign(static_cast<size_t>(x.shape[2] * c), 0.0f);

  DepthwiseF32Args args;
  args.w = data->w.data();
  args.bias = data->bias.empty() ? nullptr : data->bias.data();
  args.zero_row = data->zero_row.data();
  args.in_h = static_cast<int>(x.shape[1]);
  args.in_w = static_cast<int>(x.shape[2]);
  args.c = static_cast<int>(c);
  args.out_h = static_cast<int>(y.shape[1]);
  args.out_w = static_cast<int>(y.shape[2]);
  args.stride = a.stride_h;
  args.pad_top = a.pad.top;
  args.pad_left = a.pad.left;
  args.clamp = a.act.kind != ActivationKind::kNone;
  args.lo = std::max(a.act.min, std::numeric_limits<float>::lowest());
  args.hi = std::min(a.act.max, std::numeric_limits<float>::max());

  // nChw16c where the network keeps float activations blocked, else nhwc.
  args.blocked = L.blocked_float(c);
  int src = -1, out = -1;
  if (args.blocked) {
    const memory::desc x_md(nchw_dims(x.shape), memory::data_type::f32,
                            memory::format_tag::nChw16c);
    const memory::desc y_md(nchw_dims(y.shape), memory::data_type::f32,
                            memory::format_tag::nChw16c);
    src = L.input_as(n.inputs[0], x_md);
    out = L.new_output(n.outputs[0], y_md, false);
  } else {
    src = L.input_plain(n.inputs[0]);
    out = L.new_plain_output(n.outputs[0]);
  }
  const int64_t rows = x.shape[0] * y.shape[1];
  // Split by rows from about 2^16 multiply-adds (see int8::kMinParallelWork).
  const bool parallel = L.threads() > 1 && rows > 1 && y.elements() * 9 >= (int64_t{1} << 16);
  const DepthwiseF32Fn kernel = depthwise3x3_f32_kernel();
  Step& s = L.add_step(args.blocked ? "cpu:depthwise3x3_f32_avx512 nChw16c"
                                    : "cpu:depthwise3x3_f32_avx512");
  s.uses = {src, out};
  s.make_fn = [args, data, src, out, rows, parallel,
               kernel](const BufferPtrs& ptrs) -> std::function<void()> {
    DepthwiseF32Args run = args;
    run.x = reinterpret_cast<const float*>(ptrs[static_cast<size_t>(src)]);
    run.y = reinterpret_cast<float*>(ptrs[static_cast<size_t>(out)]);
    return [run, data, rows, parallel, kernel] {
      if (!parallel) {
        kernel(run, 0, rows);
        return;
      }
#pragma omp parallel
      {
        const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
        kernel(run, rows * t / nt, rows * (t + 1) / nt);
      }
    };
  };
}

}  // namespace edgebench::cpu
