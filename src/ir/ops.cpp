#include "ir/ops.h"

namespace edgebench {

std::string_view op_name(OpType op) {
  switch (op) {
    case OpType::kConv2D: return "Conv2D";
    case OpType::kDepthwiseConv2D: return "DepthwiseConv2D";
    case OpType::kFullyConnected: return "FullyConnected";
    case OpType::kAdd: return "Add";
    case OpType::kSub: return "Sub";
    case OpType::kMul: return "Mul";
    case OpType::kDiv: return "Div";
    case OpType::kAveragePool2D: return "AveragePool2D";
    case OpType::kMaxPool2D: return "MaxPool2D";
    case OpType::kMean: return "Mean";
    case OpType::kConcat: return "Concat";
    case OpType::kReshape: return "Reshape";
    case OpType::kTranspose: return "Transpose";
    case OpType::kPad: return "Pad";
    case OpType::kSoftmax: return "Softmax";
    case OpType::kLogistic: return "Logistic";
    case OpType::kRelu: return "Relu";
    case OpType::kRelu6: return "Relu6";
    case OpType::kClip: return "Clip";
    case OpType::kBatchNorm: return "BatchNorm";
    case OpType::kQuantize: return "Quantize";
    case OpType::kDequantize: return "Dequantize";
  }
  return "?";
}

FusedActivation make_activation(ActivationKind kind, float clip_min, float clip_max) {
  FusedActivation a;
  a.kind = kind;
  switch (kind) {
    case ActivationKind::kNone: break;
    case ActivationKind::kRelu: a.min = 0; break;
    case ActivationKind::kRelu6: a.min = 0; a.max = 6; break;
    case ActivationKind::kReluN1To1: a.min = -1; a.max = 1; break;
    case ActivationKind::kClip: a.min = clip_min; a.max = clip_max; break;
  }
  return a;
}

std::string_view activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::kNone: return "none";
    case ActivationKind::kRelu: return "relu";
    case ActivationKind::kRelu6: return "relu6";
    case ActivationKind::kReluN1To1: return "relu_n1_to_1";
    case ActivationKind::kClip: return "clip";
  }
  return "?";
}

}  // namespace edgebench
