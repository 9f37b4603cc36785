// The fallback: any node the faster kernels do not take runs the reference
// backend's kernel (backends/reference/) on plain buffers of the arena, so the
// cpu backend runs every graph the reference backend runs, with the same results.
#include <memory>

#include "backends/cpu/lowerers.h"
#include "backends/reference/prepare.h"

namespace edgebench::cpu {
namespace {

ref::PreparedNode prepare_reference(const Graph& g, const Node& n, const ref::TensorMemory& mem) {
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
  ref::NodeView(g, n, mem).unsupported("operator not supported by the cpu backend");
}

}  // namespace

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
    return prepare_reference(g, g.nodes[node], mem).run;
  };
}

}  // namespace edgebench::cpu
