#include "passes/graph_edit.h"

#include <algorithm>

namespace edgebench::passes {

std::vector<std::vector<size_t>> consumers(const Graph& g) {
  std::vector<std::vector<size_t>> c(g.tensors.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int id : g.nodes[i].inputs)
      if (id >= 0 && (c[static_cast<size_t>(id)].empty() || c[static_cast<size_t>(id)].back() != i))
        c[static_cast<size_t>(id)].push_back(i);
  return c;
}

bool is_graph_output(const Graph& g, int tensor) {
  return std::find(g.outputs.begin(), g.outputs.end(), tensor) != g.outputs.end();
}

bool is_graph_input(const Graph& g, int tensor) {
  return std::find(g.inputs.begin(), g.inputs.end(), tensor) != g.inputs.end();
}

int producer(const Graph& g, int tensor) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int id : g.nodes[i].outputs)
      if (id == tensor) return static_cast<int>(i);
  return -1;
}

int add_f32_constant(Graph& g, const std::string& name, const Shape& shape,
                     const std::vector<float>& values) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kF32;
  t.shape = shape;
  t.data = make_owned_const(values);
  return g.add_tensor(std::move(t));
}

void erase_nodes(Graph& g, const std::vector<bool>& erase) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!erase[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

}  // namespace edgebench::passes
