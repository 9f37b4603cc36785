// f32 Add/Sub/Mul/Div of two same-shaped tensors on oneDNN, in the first
// input's layout (the second is reordered to it if needed); the fused
// activation is an eltwise post-op. Broadcasting goes to the reference kernel.
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool binary_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kAdd && n.op != OpType::kSub && n.op != OpType::kMul && n.op != OpType::kDiv)
    return false;
  const Tensor& a = g.tensor(n.inputs[0]);
  const Tensor& b = g.tensor(n.inputs[1]);
  return a.dtype == DType::kF32 && b.dtype == DType::kF32 && a.shape == b.shape && dnnl_can_hold(a);
}

void lower_binary_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  const memory::desc md = L.place(n.inputs[0]).md;
  dnnl::algorithm alg = dnnl::algorithm::binary_add;
  if (n.op == OpType::kSub) alg = dnnl::algorithm::binary_sub;
  if (n.op == OpType::kMul) alg = dnnl::algorithm::binary_mul;
  if (n.op == OpType::kDiv) alg = dnnl::algorithm::binary_div;
  dnnl::primitive_attr attr = user_scratchpad_attr();
  dnnl::post_ops ops;
  append_activation(ops, n.attr<BinaryAttrs>().act);
  attr.set_post_ops(ops);
  const dnnl::binary::desc desc(alg, md, md, md);
  const dnnl::binary::primitive_desc pd(desc, attr, L.engine());
  const int a = L.input_as(n.inputs[0], md);
  const int b = L.input_as(n.inputs[1], md);
  const int dst = L.new_output(n.outputs[0], md, md == plain_md(y));
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::binary(pd);
  s.args = {{DNNL_ARG_SRC_0, a, md}, {DNNL_ARG_SRC_1, b, md}, {DNNL_ARG_DST, dst, md}};
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
