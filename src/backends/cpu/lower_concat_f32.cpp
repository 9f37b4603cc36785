// f32 concatenation on oneDNN into a plain output. Rank-4 inputs are read in
// the layouts their producers chose; the IR's NHWC axis maps to oneDNN's
// NCHW-logical dimension. Other ranks are concatenated in plain layout.
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool concat_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kConcat) return false;
  if (n.attr<ConcatAttrs>().act.kind != ActivationKind::kNone) return false;
  for (int id : n.inputs)
    if (id < 0 || g.tensor(id).dtype != DType::kF32 || !dnnl_can_hold(g.tensor(id))) return false;
  return true;
}

void lower_concat_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  const int axis = n.attr<ConcatAttrs>().axis;
  const bool image = y.shape.size() == 4;
  constexpr int kNhwcToNchw[4] = {0, 2, 3, 1};
  const int dim = image ? kNhwcToNchw[axis] : axis;

  std::vector<memory::desc> srcs;
  const auto dt = L.float_type();
  for (int id : n.inputs) {
    const memory::desc& md = L.place(id).md;
    srcs.push_back(image && md.data_type() == dt ? md : plain_md(g.tensor(id), dt));
  }
  // The output is plain (in the float kernels' type, bf16 under --precision
  // bf16): most consumers (brgemm convolutions) read NHWC, and inputs in other
  // layouts are converted on their way into the output.
  const dnnl::concat::primitive_desc pd(plain_md(y, dt), dim, srcs, L.engine(),
                                        user_scratchpad_attr());
  std::vector<int> src_buffers;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    src_buffers.push_back(L.input_as(n.inputs[i], pd.src_desc(static_cast<int>(i))));
  const int dst = L.new_output(n.outputs[0], pd.dst_desc(), pd.dst_desc() == plain_md(y));
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::concat(pd);
  for (size_t i = 0; i < n.inputs.size(); ++i)
    s.args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), src_buffers[i],
                      pd.src_desc(static_cast<int>(i))});
  s.args.push_back({DNNL_ARG_DST, dst, pd.dst_desc()});
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
