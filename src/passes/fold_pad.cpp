#include "passes/fold_pad.h"

#include "passes/graph_edit.h"

namespace edgebench::passes {
namespace {

// The Pad's spatial amounts, if it pads only H and W of an NHWC tensor with zeros.
bool spatial_zero_pad(const Graph& g, const Node& pad, Padding2D& amounts) {
  const Tensor& x = g.tensor(pad.inputs[0]);
  const auto& a = pad.attr<PadAttrs>();
  if (x.dtype != DType::kF32 || x.shape.size() != 4 || a.value != 0.0f) return false;
  if (a.before[0] != 0 || a.after[0] != 0 || a.before[3] != 0 || a.after[3] != 0) return false;
  amounts = {static_cast<int>(a.before[1]), static_cast<int>(a.before[2]),
             static_cast<int>(a.after[1]), static_cast<int>(a.after[2])};
  return true;
}

void grow(Padding2D& p, const Padding2D& by) {
  p.top += by.top;
  p.left += by.left;
  p.bottom += by.bottom;
  p.right += by.right;
}

}  // namespace

int fold_pad(Graph& g) {
  const auto uses = consumers(g);
  std::vector<bool> erase(g.nodes.size(), false);
  int folded = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& pad = g.nodes[i];
    if (pad.op != OpType::kPad) continue;
    Padding2D amounts;
    const int y = pad.outputs[0];
    if (!spatial_zero_pad(g, pad, amounts) || uses[static_cast<size_t>(y)].size() != 1 ||
        is_graph_output(g, y))
      continue;
    Node& user = g.nodes[uses[static_cast<size_t>(y)][0]];
    if (user.inputs[0] != y) continue;  // the padded tensor must be the data input
    if (user.op == OpType::kConv2D || user.op == OpType::kDepthwiseConv2D) {
      grow(user.attr<Conv2DAttrs>().pad, amounts);
    } else if (user.op == OpType::kAveragePool2D) {
      auto& a = user.attr<Pool2DAttrs>();
      const bool unpadded =
          a.pad.top == 0 && a.pad.left == 0 && a.pad.bottom == 0 && a.pad.right == 0;
      if (!unpadded && !a.count_include_pad) continue;
      grow(a.pad, amounts);
      a.count_include_pad = true;
    } else {
      continue;
    }
    user.inputs[0] = pad.inputs[0];
    erase[i] = true;
    ++folded;
  }
  erase_nodes(g, erase);
  return folded;
}

}  // namespace edgebench::passes
