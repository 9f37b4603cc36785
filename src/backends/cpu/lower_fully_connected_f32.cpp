// Float FullyConnected as a oneDNN inner product: the plain input viewed as
// [rows, K], weights [Cout, K] packed once in the library's layout, output
// [rows, Cout] plain (the same bytes as the IR's output shape), fused
// activation as an eltwise post-op. Under --precision bf16 the input and
// weights are bf16 and the output f32: a classifier's logits, which the
// softmax and top-k read, keep f32's resolution.
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool fully_connected_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kFullyConnected) return false;
  const bool bias_ok =
      n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensor(n.inputs[2]).dtype == DType::kF32;
  return g.tensor(n.inputs[0]).dtype == DType::kF32 && g.tensor(n.inputs[1]).dtype == DType::kF32 &&
         bias_ok;
}

void lower_fully_connected_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  const int64_t k = w.shape[1], out = w.shape[0], rows = x.elements() / k;
  const auto f32 = memory::data_type::f32;
  const auto dt = L.float_type();
  using tag = memory::format_tag;
  const memory::desc src_md({rows, k}, dt, tag::nc);
  const memory::desc user_w({out, k}, f32, tag::oi);
  const memory::desc w_any({out, k}, dt, tag::any);
  const memory::desc bias_md({out}, f32, tag::x);
  const memory::desc dst_md({rows, out}, f32, tag::nc);

  dnnl::primitive_attr attr = user_scratchpad_attr();
  dnnl::post_ops ops;
  append_activation(ops, n.attr<FullyConnectedAttrs>().act);
  attr.set_post_ops(ops);
  const auto desc = has_bias ? dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference,
                                                                 src_md, w_any, bias_md, dst_md)
                             : dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference,
                                                                 src_md, w_any, dst_md);
  const dnnl::inner_product_forward::primitive_desc pd(desc, attr, L.engine());
  const int src = dt == f32 ? L.input_plain(n.inputs[0]) : L.input_as(n.inputs[0], plain_md(x, dt));
  const int dst = L.new_plain_output(n.outputs[0]);
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::inner_product_forward(pd);
  s.args = {{DNNL_ARG_SRC, src, src_md}, {DNNL_ARG_DST, dst, dst_md}};
  s.fixed_args.emplace_back(DNNL_ARG_WEIGHTS,
                            pack_float_constant(L, n.inputs[1], user_w, pd.weights_desc()));
  if (has_bias)
    s.fixed_args.emplace_back(DNNL_ARG_BIAS, pack_bias(L, g.tensor(n.inputs[2]), bias_md));
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
