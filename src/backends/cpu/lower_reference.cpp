// The fallback: any node the faster kernels do not take runs the reference
// backend's kernel (backends/reference/) on plain buffers of the arena, so the
// cpu backend runs every graph the reference backend runs, with the same results.
#include <memory>

#include "backends/cpu/lowerers.h"
#include "backends/reference/prepare.h"

namespace edgebench::cpu {

bool reference_supports(const Graph&, const Node&) {
  return true;
}

void lower_reference(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  // (tensor, buffer) for every operand.
  std::vector<std::pair<int, int>> operands;
  for (int id : n.inputs)
    if (id >= 0) operands.emplace_back(id, L.input_plain(id));
  const int y = n.outputs[0];
  const int out = L.new_plain_output(y);
  const size_t node = static_cast<size_t>(&n - g.nodes.data());
  // Name the kernel now (prepare needs addresses, which come later).
  const DType t = g.tensor(n.inputs[0]).dtype;
  Step& s = L.add_step("ref:" + std::string(op_name(n.op)) + "_" + std::string(dtype_name(t)));
  for (const auto& [id, b] : operands) s.uses.push_back(b);
  s.uses.push_back(out);
  s.make_fn = [&g, node, operands, y, out](const BufferPtrs& ptrs) -> std::function<void()> {
    ref::TensorMemory mem;
    mem.read.assign(g.tensors.size(), nullptr);
    mem.write.assign(g.tensors.size(), nullptr);
    for (const auto& [id, b] : operands)
      mem.read[static_cast<size_t>(id)] = ptrs[static_cast<size_t>(b)];
    mem.read[static_cast<size_t>(y)] = ptrs[static_cast<size_t>(out)];
    mem.write[static_cast<size_t>(y)] = ptrs[static_cast<size_t>(out)];
    return ref::prepare_node(g, g.nodes[node], mem).run;
  };
}

}  // namespace edgebench::cpu
