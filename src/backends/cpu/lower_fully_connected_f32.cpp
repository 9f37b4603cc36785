// Float FullyConnected as a oneDNN inner product: the plain input viewed as
// [rows, K], weights [Cout, K] packed once in the library's layout, output
// [rows, Cout] plain (the same bytes as the IR's output shape), fused
// activation as an eltwise post-op. Under --precision bf16 the input and
// weights are bf16 and the output f32: a classifier's logits, which the
// softmax and top-k read, keep f32's resolution.
//
// One f32 input row (batch 1) goes to our own matrix-vector kernel instead
// (gemv_f32.h says why), weights packed plain, rows split over the threads.
#include <omp.h>

#include <dnnl.hpp>

#include "backends/cpu/gemv_f32.h"
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool fully_connected_f32_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kFullyConnected) return false;
  const bool bias_ok =
      n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensor(n.inputs[2]).dtype == DType::kF32;
  return g.tensor(n.inputs[0]).dtype == DType::kF32 && g.tensor(n.inputs[1]).dtype == DType::kF32 &&
         bias_ok;
}

namespace {

// Below this many weights a fork/join costs more than half the pass saves.
constexpr int64_t kMinParallelWeights = 1 << 16;

void emit_gemv(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& w = g.tensor(n.inputs[1]);
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  const int64_t k = w.shape[1], out = w.shape[0];
  using tag = memory::format_tag;
  const memory::desc plain_w({out, k}, memory::data_type::f32, tag::oi);
  const memory::desc bias_md({out}, memory::data_type::f32, tag::x);
  const dnnl::memory weights = pack_float_constant(L, n.inputs[1], plain_w, plain_w);
  const dnnl::memory bias =
      has_bias ? pack_bias(L, g.tensor(n.inputs[2]), bias_md) : dnnl::memory();
  const FusedActivation act = n.attr<FullyConnectedAttrs>().act;
  const int src = L.input_plain(n.inputs[0]);
  const int dst = L.new_plain_output(n.outputs[0]);
  const int workers = out * k >= kMinParallelWeights ? L.threads() : 1;
  Step& s = L.add_step("cpu:gemv_f32");
  s.uses = {src, dst};
  s.make_fn = [=](const BufferPtrs& ptrs) -> std::function<void()> {
    GemvArgs a;
    a.w = static_cast<const float*>(weights.get_data_handle());
    a.x = reinterpret_cast<const float*>(ptrs[static_cast<size_t>(src)]);
    a.bias = has_bias ? static_cast<const float*>(bias.get_data_handle()) : nullptr;
    a.y = reinterpret_cast<float*>(ptrs[static_cast<size_t>(dst)]);
    a.rows = out;
    a.k = k;
    a.lo = act.min;
    a.hi = act.max;
    // Hold the packed memories for as long as the step lives.
    return [a, workers, weights, bias] {
#pragma omp parallel num_threads(workers) if (workers > 1)
      {
        // Whole groups of four rows per thread.
        const int64_t groups = (a.rows + 3) / 4;
        const int t = omp_get_thread_num(), n_threads = omp_get_num_threads();
        const int64_t r0 = groups * t / n_threads * 4;
        const int64_t r1 = std::min(a.rows, groups * (t + 1) / n_threads * 4);
        if (r1 > r0) gemv_f32(a, r0, r1);
      }
    };
  };
}

}  // namespace

void lower_fully_connected_f32(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  if (L.float_type() == memory::data_type::f32 &&
      g.tensor(n.inputs[0]).elements() == g.tensor(n.inputs[1]).shape[1])
    return emit_gemv(L, n);
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
