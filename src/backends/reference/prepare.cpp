#include "backends/reference/prepare.h"

#include "util/error.h"

namespace edgebench::ref {

std::string NodeView::kernel_name(std::string_view base, DType t) const {
  return "ref:" + std::string(base) + "_" + std::string(dtype_name(t));
}

std::string NodeView::kernel_name(std::string_view base, DType activations, DType weights) const {
  std::string name = kernel_name(base, activations);
  if (weights != activations) name += "_" + std::string(dtype_name(weights)) + "w";
  return name;
}

void NodeView::unsupported(const std::string& what) const {
  // The node's number is its position in the graph's node list.
  std::string index = "?";
  if (!g_.nodes.empty() && &n_ >= g_.nodes.data() && &n_ < g_.nodes.data() + g_.nodes.size())
    index = std::to_string(&n_ - g_.nodes.data());
  fail(ErrorCode::kUnsupported, g_.source,
       "node #" + index + " " + std::string(op_name(n_.op)) + " '" + n_.name + "': " + what);
}

void NodeView::unsupported_dtype(DType t) const {
  unsupported(std::string(dtype_name(t)) + " not supported by the reference backend");
}

void NodeView::require_per_tensor(const Tensor& t) const {
  if (t.quant.per_channel() || t.quant.scales.size() != 1 || t.quant.zero_points.size() > 1)
    unsupported("tensor '" + t.name + "' must be quantized per tensor");
}

PreparedNode prepare_node(const Graph& g, const Node& n, const TensorMemory& mem) {
  switch (n.op) {
    case OpType::kConv2D: return ref::prepare_conv2d(g, n, mem);
    case OpType::kDepthwiseConv2D: return ref::prepare_depthwise_conv2d(g, n, mem);
    case OpType::kFullyConnected: return ref::prepare_fully_connected(g, n, mem);
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv: return ref::prepare_binary(g, n, mem);
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: return ref::prepare_pool2d(g, n, mem);
    case OpType::kMean: return ref::prepare_mean(g, n, mem);
    case OpType::kConcat: return ref::prepare_concat(g, n, mem);
    case OpType::kReshape: return ref::prepare_reshape(g, n, mem);
    case OpType::kTranspose: return ref::prepare_transpose(g, n, mem);
    case OpType::kPad: return ref::prepare_pad(g, n, mem);
    case OpType::kSoftmax: return ref::prepare_softmax(g, n, mem);
    case OpType::kLogistic: return ref::prepare_logistic(g, n, mem);
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip: return ref::prepare_activation(g, n, mem);
    case OpType::kBatchNorm: return ref::prepare_batch_norm(g, n, mem);
    case OpType::kQuantize: return ref::prepare_quantize(g, n, mem);
    case OpType::kDequantize: return ref::prepare_dequantize(g, n, mem);
  }
  ref::NodeView(g, n, mem).unsupported("operator not supported by the reference kernels");
}

}  // namespace edgebench::ref
