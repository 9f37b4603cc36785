// f32 pooling on oneDNN, in whatever layout the input already has. Average
// pooling excludes padded cells (TFLite) unless count_include_pad (ONNX); with
// explicit padding and floor-sized outputs every window lies inside the padded
// extent, so "include padding" divides by the window size exactly as the
// reference does. Mean over H and W is average pooling with the whole image as
// its window, written plain ([N, 1, 1, C] and [N, C] share their bytes).
// An average pool's bias (Pool2DAttrs) is a binary add post-op.
#include <dnnl.hpp>
#include <utility>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool pool_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kAveragePool2D && n.op != OpType::kMaxPool2D) return false;
  return g.tensor(n.inputs[0]).dtype == DType::kF32;
}

void lower_pool_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto& a = n.attr<Pool2DAttrs>();
  const TensorPlace& x = L.place(n.inputs[0]);
  const dnnl::algorithm alg = n.op == OpType::kMaxPool2D ? dnnl::algorithm::pooling_max
                              : a.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
  // In the input's element type (f32, or bf16 under --precision bf16).
  const memory::desc dst_any(nchw_dims(y.shape), x.md.data_type(), memory::format_tag::any);
  dnnl::primitive_attr attr = user_scratchpad_attr();
  dnnl::post_ops ops;
  // A per-channel bias (Pool2DAttrs): a binary add post-op, before the activation.
  const bool has_bias = n.inputs.size() > 1 && n.inputs[1] >= 0;
  const memory::desc bias_md({1, y.shape[3], 1, 1}, memory::data_type::f32,
                             memory::format_tag::nchw);
  if (has_bias) ops.append_binary(dnnl::algorithm::binary_add, bias_md);
  append_activation(ops, a.act);
  attr.set_post_ops(ops);
  const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, alg, x.md, dst_any,
                                         {a.stride_h, a.stride_w}, {a.filter_h, a.filter_w},
                                         {a.pad.top, a.pad.left}, {a.pad.bottom, a.pad.right});
  const dnnl::pooling_forward::primitive_desc pd(desc, attr, L.engine());
  const int src = L.input_as(n.inputs[0], pd.src_desc());
  const int dst = L.new_output(n.outputs[0], pd.dst_desc(), pd.dst_desc() == plain_md(y));
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::pooling_forward(pd);
  s.args = {{DNNL_ARG_SRC, src, pd.src_desc()}, {DNNL_ARG_DST, dst, pd.dst_desc()}};
  if (has_bias)
    s.fixed_args.emplace_back(
        DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
        pack_constant(L.engine(), g.tensor(n.inputs[1]).const_span<float>().data(), bias_md,
                      bias_md));
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

bool mean_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kMean) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const auto& axes = n.attr<ReduceAttrs>().axes;
  return x.dtype == DType::kF32 && x.shape.size() == 4 && axes == std::vector<int>{1, 2} &&
         x.elements() > 0;
}

void lower_mean_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const TensorPlace& xp = L.place(n.inputs[0]);
  const int64_t h = x.shape[1], w = x.shape[2];
  // A 1x1 output in nChw16c (nChw8c) with 16 | C (8 | C) has the plain [N, C]
  // bytes: written in the input's layout when it is one of those, so oneDNN's
  // JIT pooling serves (a mixed pair falls to its reference kernel: 1 ms on
  // MobileNetV1's head).
  const memory::dims x_dims = nchw_dims(x.shape);
  memory::format_tag dst_tag = memory::format_tag::nhwc;
  for (const auto& [tag, block] :
       {std::pair{memory::format_tag::nChw16c, 16}, std::pair{memory::format_tag::nChw8c, 8}})
    if (x.shape[3] % block == 0 && xp.md == memory::desc(x_dims, xp.md.data_type(), tag))
      dst_tag = tag;
  const memory::desc dst_md({x.shape[0], x.shape[3], 1, 1}, xp.md.data_type(), dst_tag);
  const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference,
                                         dnnl::algorithm::pooling_avg_exclude_padding, xp.md,
                                         dst_md, {h, w}, {h, w}, {0, 0}, {0, 0});
  const dnnl::pooling_forward::primitive_desc pd(desc, user_scratchpad_attr(), L.engine());
  const int src = L.input_as(n.inputs[0], pd.src_desc());
  // The tensor is [N, C] or [N, 1, 1, C]: the same bytes as dst_md's.
  const memory::data_type dt = dst_md.data_type();
  const int dst = dt == memory::data_type::f32
                      ? L.new_plain_output(n.outputs[0])
                      : L.new_output(n.outputs[0], plain_md(g.tensor(n.outputs[0]), dt), false);
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::pooling_forward(pd);
  s.args = {{DNNL_ARG_SRC, src, pd.src_desc()}, {DNNL_ARG_DST, dst, dst_md}};
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
