// Static cost of a node: multiply-accumulates, parameters and weight bytes.
// One definition, used by `inspect`, the passes' before/after reports and the harness.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace edgebench {

struct NodeCost {
  int64_t macs = 0;          // multiply-accumulates of one inference
  int64_t params = 0;        // elements of the node's constant inputs (weights, biases)
  int64_t weight_bytes = 0;  // bytes of those constants as stored
};

NodeCost node_cost(const Graph& g, const Node& n);
NodeCost graph_cost(const Graph& g);

// The precision a model runs in when none is forced: "int8" when its weights
// are quantized 8-bit integers, else "fp32". Reports show this, not the flag.
std::string native_precision(const Graph& g);

// The precision reports show for a run asked to use `requested`: the model's
// native one under the default "fp32", else the request itself.
std::string effective_precision(const Graph& g, const std::string& requested);

}  // namespace edgebench
