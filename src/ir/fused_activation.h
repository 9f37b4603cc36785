// Where an operator keeps the activation it applies to its own result
// (TFLite's fused_activation_function): one table for passes and exporters.
#pragma once

#include "ir/graph.h"

namespace edgebench {

// nullptr for operators that take no fused activation.
inline FusedActivation* fused_activation(Node& n) {
  switch (n.op) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D: return &n.attr<Conv2DAttrs>().act;
    case OpType::kFullyConnected: return &n.attr<FullyConnectedAttrs>().act;
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv: return &n.attr<BinaryAttrs>().act;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: return &n.attr<Pool2DAttrs>().act;
    case OpType::kConcat: return &n.attr<ConcatAttrs>().act;
    default: return nullptr;
  }
}

inline const FusedActivation* fused_activation(const Node& n) {
  return fused_activation(const_cast<Node&>(n));
}

}  // namespace edgebench
