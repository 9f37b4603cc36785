// Small helpers the passes share for editing a graph in place: who consumes a
// tensor, rewiring uses, adding constants, dropping nodes. A pass applies its
// rewrite with these, then the manager re-verifies the graph.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgebench::passes {

// For every tensor id, the indices of the nodes reading it (in node order).
std::vector<std::vector<size_t>> consumers(const Graph& g);

bool is_graph_output(const Graph& g, int tensor);
bool is_graph_input(const Graph& g, int tensor);

// The index of the node producing `tensor`, or -1 (graph input or constant).
int producer(const Graph& g, int tensor);

// A new f32 constant tensor holding `values` (the graph keeps the bytes alive).
int add_f32_constant(Graph& g, const std::string& name, const Shape& shape,
                     const std::vector<float>& values);

// Removes the nodes whose flag is set, keeping the others in order.
void erase_nodes(Graph& g, const std::vector<bool>& erase);

}  // namespace edgebench::passes
