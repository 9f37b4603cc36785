// f32 softmax over the last axis (beta 1) on oneDNN, on the plain tensor.
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool softmax_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kSoftmax) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const auto& a = n.attr<SoftmaxAttrs>();
  const int rank = static_cast<int>(x.shape.size());
  return x.dtype == DType::kF32 && dnnl_can_hold(x) && a.beta == 1.0f &&
         (a.axis == -1 || a.axis == rank - 1);
}

void lower_softmax_f32(Lowering& L, const Node& n) {
  const Tensor& x = L.graph().tensor(n.inputs[0]);
  const memory::desc md = row_major_md(x.shape, memory::data_type::f32);
  const int axis = static_cast<int>(md.dims().size()) - 1;
  const dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, md, axis);
  const dnnl::softmax_forward::primitive_desc pd(desc, user_scratchpad_attr(), L.engine());
  const int src = L.input_plain(n.inputs[0]);
  const int dst = L.new_plain_output(n.outputs[0]);
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::softmax_forward(pd);
  s.args = {{DNNL_ARG_SRC, src, md}, {DNNL_ARG_DST, dst, md}};
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
