// Reshape changes no bytes: the output is an alias of the input's plain buffer
// (a blocked input is reordered to plain first). The arena planner sees one
// buffer used by both tensors.
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool reshape_supports(const Graph& g, const Node& n) {
  return n.op == OpType::kReshape && !g.tensor(n.inputs[0]).is_const();
}

void lower_reshape(Lowering& L, const Node& n) {
  const int buffer = L.input_plain(n.inputs[0]);
  const Tensor& y = L.graph().tensor(n.outputs[0]);
  L.set_output(n.outputs[0], buffer, plain_md(y), true);
}

}  // namespace edgebench::cpu
