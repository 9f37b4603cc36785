#include "ir/cost.h"

#include <limits>

namespace edgebench {

NodeCost node_cost(const Graph& g, const Node& n) {
  NodeCost c;
  for (int id : n.inputs) {
    if (id < 0) continue;
    const Tensor& t = g.tensor(id);
    if (!t.is_const()) continue;
    c.params += t.elements();
    c.weight_bytes += static_cast<int64_t>(t.bytes());
  }
  const Tensor& y = g.tensor(n.outputs.at(0));
  switch (n.op) {
    case OpType::kConv2D: {
      const Tensor& w = g.tensor(n.inputs[1]);
      c.macs = y.elements() * w.shape[1] * w.shape[2] * w.shape[3];
      break;
    }
    case OpType::kDepthwiseConv2D: {
      const Tensor& w = g.tensor(n.inputs[1]);
      c.macs = y.elements() * w.shape[1] * w.shape[2];
      break;
    }
    case OpType::kFullyConnected: c.macs = y.elements() * g.tensor(n.inputs[1]).shape[1]; break;
    default: break;  // element-wise and data-movement ops: no MACs by the usual convention
  }
  return c;
}

namespace {
// Hostile models can declare absurd sizes: totals saturate instead of overflowing.
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}
}  // namespace

std::string native_precision(const Graph& g) {
  for (const Node& n : g.nodes) {
    if (n.op != OpType::kConv2D && n.op != OpType::kDepthwiseConv2D &&
        n.op != OpType::kFullyConnected)
      continue;
    if (is_quantized_int(g.tensor(n.inputs[1]).dtype)) return "int8";
  }
  return "fp32";
}

std::string effective_precision(const Graph& g, const std::string& requested) {
  return requested == "fp32" ? native_precision(g) : requested;
}

NodeCost graph_cost(const Graph& g) {
  NodeCost total;
  for (const Node& n : g.nodes) {
    NodeCost c = node_cost(g, n);
    total.macs = saturating_add(total.macs, c.macs);
    total.params = saturating_add(total.params, c.params);
    total.weight_bytes = saturating_add(total.weight_bytes, c.weight_bytes);
  }
  return total;
}

}  // namespace edgebench
