// Concatenation on oneDNN into a plain output: f32 (in the float kernels'
// type), and uint8/int8 where every input has the output's quantization (a
// byte copy; otherwise the reference kernel requantizes). Rank-4 inputs are
// read in the layouts their producers chose; the IR's NHWC axis maps to
// oneDNN's NCHW-logical dimension. Other ranks are concatenated in plain layout.
#include <dnnl.hpp>

#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool concat_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kConcat) return false;
  if (n.attr<ConcatAttrs>().act.kind != ActivationKind::kNone) return false;
  const Tensor& y = g.tensor(n.outputs[0]);
  if (y.dtype != DType::kF32 && !is_quantized_int(y.dtype)) return false;
  for (int id : n.inputs) {
    if (id < 0 || g.tensor(id).dtype != y.dtype || !dnnl_can_hold(g.tensor(id))) return false;
    const QuantParams& q = g.tensor(id).quant;
    if (is_quantized_int(y.dtype) &&
        (q.scales.size() != 1 || y.quant.scales.size() != 1 || q.scale() != y.quant.scale() ||
         q.zero_point() != y.quant.zero_point()))
      return false;
  }
  return true;
}

void lower_concat(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  const int axis = n.attr<ConcatAttrs>().axis;
  const bool image = y.shape.size() == 4;
  constexpr int kNhwcToNchw[4] = {0, 2, 3, 1};
  const int dim = image ? kNhwcToNchw[axis] : axis;

  std::vector<memory::desc> srcs;
  const auto dt = y.dtype == DType::kF32 ? L.float_type() : dnnl_type(y.dtype);
  for (int id : n.inputs) {
    const memory::desc& md = L.place(id).md;
    srcs.push_back(image && md.data_type() == dt ? md : plain_md(g.tensor(id), dt));
  }
  // The output is plain (floats in the float kernels' type, bf16 under
  // --precision bf16): most consumers (brgemm convolutions) read NHWC, and inputs in other
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
