#include "passes/pool_below_pointwise.h"

#include <utility>

#include "ir/fused_activation.h"
#include "passes/graph_edit.h"

namespace edgebench::passes {
namespace {

bool is_pointwise(const Graph& g, const Node& n) {
  if (n.op != OpType::kConv2D) return false;
  const auto& a = n.attr<Conv2DAttrs>();
  const Tensor& w = g.tensor(n.inputs[1]);
  const bool bias_ok =
      n.inputs.size() < 3 || n.inputs[2] < 0 ||
      (g.tensor(n.inputs[2]).is_const() && g.tensor(n.inputs[2]).dtype == DType::kF32);
  return a.groups == 1 && a.stride_h == 1 && a.stride_w == 1 && a.pad.top == 0 && a.pad.left == 0 &&
         a.pad.bottom == 0 && a.pad.right == 0 && w.is_const() && w.dtype == DType::kF32 &&
         w.shape[1] == 1 && w.shape[2] == 1 && bias_ok &&
         g.tensor(n.outputs[0]).dtype == DType::kF32;
}

bool is_same_size_average(const Graph& g, const Node& n) {
  if (n.op != OpType::kAveragePool2D || (n.inputs.size() > 1 && n.inputs[1] >= 0)) return false;
  const auto& a = n.attr<Pool2DAttrs>();
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& y = g.tensor(n.outputs[0]);
  return x.dtype == DType::kF32 && a.stride_h == 1 && a.stride_w == 1 && x.shape == y.shape &&
         a.act.kind == ActivationKind::kNone;
}

}  // namespace

int pool_below_pointwise(Graph& g) {
  int rewrites = 0;
  const auto uses = consumers(g);
  for (size_t pi = 0; pi < g.nodes.size(); ++pi) {
    if (!is_same_size_average(g, g.nodes[pi])) continue;
    const int pooled = g.nodes[pi].outputs[0];
    if (uses[static_cast<size_t>(pooled)].size() != 1 || is_graph_output(g, pooled)) continue;
    const size_t ci = uses[static_cast<size_t>(pooled)][0];
    Node& conv = g.nodes[ci];
    if (ci <= pi || !is_pointwise(g, conv) || conv.inputs[0] != pooled) continue;
    const Tensor& x = g.tensor(g.nodes[pi].inputs[0]);
    const int64_t cout = g.tensor(conv.outputs[0]).shape[3];
    if (cout >= x.shape[3]) continue;  // no narrower: nothing to gain

    // The convolution's output at the pool's input resolution.
    Tensor mid = g.tensor(conv.outputs[0]);
    mid.name += ":before_pool";
    const int mid_id = g.add_tensor(std::move(mid));
    Node& pool = g.nodes[pi];
    const int bias = conv.inputs.size() > 2 ? conv.inputs[2] : -1;
    pool.attr<Pool2DAttrs>().act = conv.attr<Conv2DAttrs>().act;
    conv.attr<Conv2DAttrs>().act = make_activation(ActivationKind::kNone);
    const int x_id = pool.inputs[0], y_id = conv.outputs[0];
    conv.inputs = {x_id, conv.inputs[1], -1};
    conv.outputs = {mid_id};
    pool.inputs = {mid_id, bias};
    pool.outputs = {y_id};
    std::swap(g.nodes[pi], g.nodes[ci]);  // the convolution first, the pool at its place
    ++rewrites;
  }
  return rewrites;
}

}  // namespace edgebench::passes
