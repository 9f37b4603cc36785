#include "passes/fuse_conv_add.h"

#include "passes/graph_edit.h"

namespace edgebench::passes {

std::vector<ConvAddFusion> find_conv_add_fusions(const Graph& g) {
  const auto uses = consumers(g);
  std::vector<ConvAddFusion> out;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& add = g.nodes[i];
    if (add.op != OpType::kAdd || add.inputs.size() != 2) continue;
    const Tensor& a = g.tensor(add.inputs[0]);
    const Tensor& b = g.tensor(add.inputs[1]);
    if (a.dtype != DType::kF32 || b.dtype != DType::kF32 || a.shape != b.shape) continue;
    // Prefer the later convolution: the residual is then ready earliest.
    int best_conv = -1, best_slot = -1;
    for (int slot = 0; slot < 2; ++slot) {
      const int t = add.inputs[static_cast<size_t>(slot)];
      const int other = add.inputs[static_cast<size_t>(1 - slot)];
      if (t == other || g.tensor(other).is_const()) continue;
      const int p = producer(g, t);
      if (p < 0) continue;
      const Node& conv = g.nodes[static_cast<size_t>(p)];
      if (conv.op != OpType::kConv2D && conv.op != OpType::kDepthwiseConv2D) continue;
      if (uses[static_cast<size_t>(t)].size() != 1 || is_graph_output(g, t)) continue;
      if (p > best_conv) {
        best_conv = p;
        best_slot = slot;
      }
    }
    if (best_conv < 0) continue;
    out.push_back(
        {static_cast<size_t>(best_conv), i, add.inputs[static_cast<size_t>(1 - best_slot)]});
  }
  return out;
}

}  // namespace edgebench::passes
