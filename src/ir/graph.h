// The graph IR: tensors, nodes in topological order, graph inputs/outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/ops.h"
#include "ir/tensor.h"

namespace edgebench {

struct Node {
  OpType op;
  std::string name;         // from the source model, or "<op>_<index>"
  std::vector<int> inputs;  // tensor ids; -1 marks an absent optional input
  std::vector<int> outputs;
  Attrs attrs;

  template <typename A>
  const A& attr() const {
    return std::get<A>(attrs);
  }
  template <typename A>
  A& attr() {
    return std::get<A>(attrs);
  }
};

// How quantized convolutions (Conv2D, DepthwiseConv2D, FullyConnected) rescale
// their int32 accumulators to the output's scale.
enum class Requantization : uint8_t {
  // TFLite: a Q0.31 multiplier and a shift, double rounding (quant_arith.h);
  // bit-exact with TFLite's kernels.
  kFixedPoint,
  // ONNX (QLinearConv, QLinearMatMul, QDQ): float(acc) * (x_scale * w_scale /
  // y_scale) in float, rounded half to even.
  kFloat,
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;  // topological order (checked by verify())
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string source;                           // model file path, for messages
  std::string format;                           // "tflite", "onnx", "builtin"
  std::map<std::string, std::string> metadata;  // e.g. "preprocess" -> "inception"
  Requantization requantization = Requantization::kFixedPoint;

  int add_tensor(Tensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
  const Tensor& tensor(int id) const { return tensors.at(static_cast<size_t>(id)); }
  Tensor& tensor(int id) { return tensors.at(static_cast<size_t>(id)); }
};

// Infers every node's output shapes from its inputs and attributes and checks
// them against declared shapes, dtypes, quantization and topological order.
// Throws Error(kModel, "<source>: node N (<op> '<name>'): <problem>").
void verify(Graph& g);

// Human-readable IR listing (`edgebench inspect --ir`).
std::string print_ir(const Graph& g);

}  // namespace edgebench
