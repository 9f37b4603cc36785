// Float convolution on oneDNN. Source, weights and destination layouts are left
// to the library (format_tag::any: nhwc with its brgemm kernels, or blocked),
// except that depthwise-separable networks keep activations in nChw16c
// (Lowering::blocked_float_layout); weights are packed once here. The fused activation is an
// eltwise post-op; a residual Add becomes a sum post-op (accumulate into the
// destination, which starts as the residual). Under --precision bf16 source,
// weights and destination are bf16 (oneDNN accumulates in f32), except graph
// outputs and logits, written f32. The bias is f32 under every precision
// (pack_bias).
#include <algorithm>
#include <cstdlib>
#include <dnnl.hpp>
#include <functional>
#include <string>

#include "backends/cpu/lowerers.h"
#include "util/load_phases.h"

namespace edgebench::cpu {
namespace {

using tag = memory::format_tag;

// The IR's filter bytes as a oneDNN weights descriptor: OHWI for Conv2D
// ([G, O/G, I/G, KH, KW] when grouped) and [1, KH, KW, C*M] for depthwise
// (groups = C, M outputs per group, 1 input per group).
memory::desc user_weights_md(const Node& n, const Tensor& x, const Tensor& w, int64_t groups) {
  const int64_t kh = w.shape[1], kw = w.shape[2];
  const auto f32 = memory::data_type::f32;
  if (n.op == OpType::kDepthwiseConv2D) {
    const int64_t c = x.shape[3], m = n.attr<Conv2DAttrs>().depth_multiplier;
    return memory::desc({c, m, 1, kh, kw}, f32, {m, 1, 1, kw * c * m, c * m});
  }
  const int64_t oc = w.shape[0], icg = w.shape[3];
  if (groups == 1) return memory::desc({oc, icg, kh, kw}, f32, tag::ohwi);
  const int64_t ocg = oc / groups;
  return memory::desc({groups, ocg, icg, kh, kw}, f32,
                      {ocg * kh * kw * icg, kh * kw * icg, 1, kw * icg, icg});
}

// Winograd F(4x4, 3x3) (oneDNN's jit_wino) does a 3x3 stride-1 convolution
// in ~2.25x fewer multiplications. Measured on Zen 4 (one thread), it wins from
// 64 input and output channels up (ic80/oc192 at 73x73: 16.5 -> 5.5 ms;
// ic64/oc96 at 35x35: 1.17 -> 0.65 ms) and loses below (ic32/oc64 at 147x147:
// 7.2 -> 7.8 ms). Its rounding differs from the direct sum's by a few units in
// the last place; the zoo tests bound the effect. EDGEBENCH_CPU_WINOGRAD=0 turns it off.
bool use_winograd(const Node& n, const Tensor& x, const Tensor& w, const Tensor& y,
                  int64_t groups) {
  static const bool enabled = [] {
    const char* env = std::getenv("EDGEBENCH_CPU_WINOGRAD");
    return !(env && std::string(env) == "0");
  }();
  if (!enabled || n.op != OpType::kConv2D || groups != 1) return false;
  const auto& a = n.attr<Conv2DAttrs>();
  // Winograd's packed weights are 4x the direct ones (6x6 tiles for 3x3) while
  // its saving grows with the output's area: on InceptionV3's 8x8 maps it cost
  // 25 MiB for no measurable gain, so only maps of 16x16 and more.
  return w.shape[1] == 3 && w.shape[2] == 3 && a.stride_h == 1 && a.stride_w == 1 &&
         a.dilation_h == 1 && a.dilation_w == 1 && x.shape[3] >= 64 && y.shape[3] >= 64 &&
         y.shape[1] * y.shape[2] >= 16 * 16;
}

// The first of oneDNN's implementations after `pd`'s own whose name contains
// `name` and that keeps `pd`'s source and destination layouts (so the
// neighbours are unaffected); `pd` unchanged when there is none. The
// descriptor `pd` was made from must still be alive: oneDNN's iterator keeps
// a pointer to it (made from a temporary, next_impl() reads a dead object).
void prefer_impl(dnnl::convolution_forward::primitive_desc& pd,
                 const std::function<dnnl::convolution_forward::primitive_desc()>& remake,
                 const std::string& name) {
  const memory::desc src = pd.src_desc(), dst = pd.dst_desc();
  // next_impl() moves `pd` itself: made again only when nothing matched.
  while (pd.next_impl())
    if (impl_name(pd).find(name) != std::string::npos && pd.src_desc() == src &&
        pd.dst_desc() == dst)
      return;
  pd = remake();
}

}  // namespace

bool conv_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kConv2D && n.op != OpType::kDepthwiseConv2D) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const bool bias_ok =
      n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensor(n.inputs[2]).dtype == DType::kF32;
  return x.dtype == DType::kF32 && w.dtype == DType::kF32 && bias_ok &&
         g.tensor(n.outputs[0]).dtype == DType::kF32;
}

void lower_conv_f32(Lowering& L, const Node& n, const ConvResidual* res, const Node* max_pool) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  const int y_id = res ? res->output : n.outputs[0];
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto& a = n.attr<Conv2DAttrs>();
  const int64_t groups = n.op == OpType::kDepthwiseConv2D ? x.shape[3] : a.groups;
  const auto f32 = memory::data_type::f32;
  const auto dt = L.float_type();
  // f32 out where the values are a result rather than an intermediate: a
  // graph output, or a 1x1 map (a classifier's logits as a 1x1 convolution,
  // MobileNet's head), which a softmax or top-k reads and which is tiny.
  const bool f32_out = std::find(g.outputs.begin(), g.outputs.end(), y_id) != g.outputs.end() ||
                       y.shape[1] * y.shape[2] == 1;

  const memory::desc user_w = user_weights_md(n, x, w, groups);
  const auto layout = [&](int64_t channels) {
    return L.blocked_float(channels) ? tag::nChw16c : tag::any;
  };
  const memory::desc src_any(nchw_dims(x.shape), dt, layout(x.shape[3]));
  const memory::desc w_any(user_w.dims(), dt, tag::any);
  const memory::desc bias_md({y.shape[3]}, f32, tag::x);
  const memory::desc dst_any(nchw_dims(y.shape), f32_out ? f32 : dt, layout(y.shape[3]));
  const memory::dims strides = {a.stride_h, a.stride_w};
  const memory::dims dilates = {a.dilation_h - 1, a.dilation_w - 1};

  dnnl::primitive_attr attr = user_scratchpad_attr();
  dnnl::post_ops ops;
  append_activation(ops, a.act);
  if (res) {
    ops.append_sum(1.0f);
    append_activation(ops, res->act);
  }
  attr.set_post_ops(ops);

  const auto conv_desc = [&](dnnl::algorithm alg, const memory::desc& src, const memory::desc& dst,
                             int64_t pad_top, int64_t pad_bottom) {
    const memory::dims top = {pad_top, a.pad.left}, bottom = {pad_bottom, a.pad.right};
    return has_bias
               ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src,
                                                 w_any, bias_md, dst, strides, dilates, top, bottom)
               : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src,
                                                 w_any, dst, strides, dilates, top, bottom);
  };
  // Over the whole image, or over a band of its rows (lower_conv_in_bands).
  const auto make_band_desc = [&](dnnl::algorithm alg, const ConvBand& b) {
    memory::dims sd = src_any.dims(), dd = dst_any.dims();
    sd[2] = b.in_end - b.in_begin;
    dd[2] = b.conv_end - b.conv_begin;
    const memory::desc src(sd, dt, layout(x.shape[3]));
    const memory::desc dst(dd, dst_any.data_type(), layout(y.shape[3]));
    return conv_desc(alg, src, dst, b.pad_top, b.pad_bottom);
  };
  const auto make_desc = [&](dnnl::algorithm alg) {
    ConvBand whole;
    whole.conv_end = y.shape[1];
    whole.in_end = x.shape[1];
    whole.pad_top = a.pad.top;
    whole.pad_bottom = a.pad.bottom;
    return make_band_desc(alg, whole);
  };
  dnnl::convolution_forward::primitive_desc pd;
  if (use_winograd(n, x, w, y, groups)) {
    try {
      pd = dnnl::convolution_forward::primitive_desc(
          make_desc(dnnl::algorithm::convolution_winograd), attr, L.engine());
    } catch (const dnnl::error&) {
      // Not available on this ISA or with these post-ops: the direct algorithm.
    }
  }
  const dnnl::convolution_forward::desc direct = make_desc(dnnl::algorithm::convolution_direct);
  if (!pd) pd = dnnl::convolution_forward::primitive_desc(direct, attr, L.engine());
  // oneDNN 2.6 ranks its brgemm depthwise kernel first, but its older JIT one
  // was faster on every depthwise layer of the zoo we measured on Zen 4 (f32,
  // 1 and 2 threads, and bf16): 112x112x32 0.138 -> 0.082 ms, 56x56x128
  // 0.132 -> 0.081, 14x14x512 0.040 -> 0.026 (f32, 1 thread; bf16 10-15 %).
  if (impl_name(pd).find("brdgmm_dw") != std::string::npos) {
    prefer_impl(
        pd, [&] { return dnnl::convolution_forward::primitive_desc(direct, attr, L.engine()); },
        "jit_dw:");
  }
  // A first layer's few input channels (RGB): brgconv ranks first, but the
  // direct JIT kernel is as fast or faster there and its code is made in a
  // third of the time (the zoo's 3 -> 32 3x3/2 on 224x224, Zen 4, f32:
  // 0.22 -> 0.19-0.20 ms at 1 thread, 0.11-0.13 -> 0.10 at 2; made in 0.87 ->
  // 0.25-0.33 ms, a tenth of MobileNetV2's load from a cache). Asked for with
  // brgconv's layouts, which the direct kernel would not pick itself.
  if (impl_name(pd).find("brgconv:") != std::string::npos && dt == f32 && groups == 1 &&
      w.shape[3] <= 4) {
    const auto fixed = conv_desc(dnnl::algorithm::convolution_direct, pd.src_desc(), pd.dst_desc(),
                                 a.pad.top, a.pad.bottom);
    const dnnl::convolution_forward::primitive_desc first = pd;
    pd = dnnl::convolution_forward::primitive_desc(fixed, attr, L.engine());
    prefer_impl(
        pd, [&] { return first; }, "jit:");
  }

  const int src = L.input_as(n.inputs[0], pd.src_desc());
  const dnnl::algorithm alg = impl_name(pd).find("wino") != std::string::npos
                                  ? dnnl::algorithm::convolution_winograd
                                  : dnnl::algorithm::convolution_direct;
  const auto band_pd = [&](const ConvBand& b) {
    return dnnl::convolution_forward::primitive_desc(make_band_desc(alg, b), attr, L.engine());
  };
  if (max_pool) {
    const int pooled = max_pool->outputs[0];
    const auto make_dst = [&](const memory::desc& md) {
      return L.new_output(pooled, md, md == plain_md(g.tensor(pooled)));
    };
    if (lower_conv_in_bands(L, n, max_pool, src, user_w, pd, band_pd, make_dst)) return;
  }
  int dst = -1;
  if (res) {
    // Accumulate into the residual's own buffer when nothing reads it later
    // (the convolution's source included); otherwise into a fresh buffer that
    // starts as a copy of the residual.
    const TensorPlace& r = L.place(res->residual);
    const bool graph_input =
        std::find(g.inputs.begin(), g.inputs.end(), res->residual) != g.inputs.end();
    if (r.md == pd.dst_desc() && !graph_input && L.buffer(r.buffer).constant < 0 &&
        r.buffer != src && !L.buffer_needed_later(r.buffer, L.node())) {
      dst = r.buffer;
      L.set_output(y_id, dst, pd.dst_desc(), false);
    } else {
      dst = L.new_output(y_id, pd.dst_desc(), false);
      L.add_reorder(r.buffer, r.md, dst, pd.dst_desc());
    }
  } else {
    dst = L.new_output(y_id, pd.dst_desc(), pd.dst_desc() == plain_md(y));
    if (lower_conv_in_bands(L, n, nullptr, src, user_w, pd, band_pd,
                            [dst](const memory::desc&) { return dst; })) {
      if (max_pool) lower_pool_f32(L, *max_pool);
      return;
    }
  }

  Step& s = L.add_step(impl_name(pd));
  {
    const LoadPhase phase("jit");
    s.prim = dnnl::convolution_forward(pd);
  }
  s.args = {{DNNL_ARG_SRC, src, pd.src_desc()}, {DNNL_ARG_DST, dst, pd.dst_desc()}};
  s.fixed_args.emplace_back(DNNL_ARG_WEIGHTS,
                            pack_float_constant(L, n.inputs[1], user_w, pd.weights_desc()));
  if (has_bias)
    s.fixed_args.emplace_back(DNNL_ARG_BIAS, pack_bias(L, g.tensor(n.inputs[2]), bias_md));
  if (impl_name(pd).find("wino") != std::string::npos)
    s.scratchpad_buffer = L.new_sparse_buffer(pd.scratchpad_desc().get_size());
  else
    s.scratchpad_bytes = pd.scratchpad_desc().get_size();
  if (max_pool) lower_pool_f32(L, *max_pool);  // bands were no use: one after the other
}

}  // namespace edgebench::cpu
