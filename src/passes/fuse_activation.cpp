#include "passes/fuse_activation.h"

#include <algorithm>
#include <limits>

#include "ir/fused_activation.h"
#include "passes/graph_edit.h"

namespace edgebench::passes {

namespace {

// The clamp a standalone activation node applies.
FusedActivation node_clamp(const Node& n) {
  switch (n.op) {
    case OpType::kRelu: return make_activation(ActivationKind::kRelu);
    case OpType::kRelu6: return make_activation(ActivationKind::kRelu6);
    default: {
      const auto& c = n.attr<ClipAttrs>();
      return make_activation(ActivationKind::kClip, c.min, c.max);
    }
  }
}

}  // namespace

int fuse_activation(Graph& g) {
  const auto uses = consumers(g);
  std::vector<bool> erase(g.nodes.size(), false);
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    if (a.op != OpType::kRelu && a.op != OpType::kRelu6 && a.op != OpType::kClip) continue;
    const int x = a.inputs[0];
    if (g.tensor(x).dtype != DType::kF32 || uses[static_cast<size_t>(x)].size() != 1 ||
        is_graph_output(g, x))
      continue;
    const int p = producer(g, x);
    if (p < 0 || erase[static_cast<size_t>(p)]) continue;
    FusedActivation* act = fused_activation(g.nodes[static_cast<size_t>(p)]);
    if (!act) continue;
    const FusedActivation clamp = node_clamp(a);
    if (act->kind == ActivationKind::kNone) {
      *act = clamp;
    } else {
      const float lo = std::max(act->min, clamp.min), hi = std::min(act->max, clamp.max);
      if (lo > hi) continue;  // disjoint ranges: clamping twice is not one clamp
      if (lo != act->min || hi != act->max) *act = make_activation(ActivationKind::kClip, lo, hi);
    }
    g.nodes[static_cast<size_t>(p)].outputs[0] = a.outputs[0];
    erase[i] = true;
    ++fused;
  }
  erase_nodes(g, erase);
  return fused;
}

}  // namespace edgebench::passes
