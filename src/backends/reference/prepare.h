// How the reference backend turns one graph node into a ready-to-run closure.
//
// compile() gives every non-constant tensor its own buffer first, then calls
// prepare_<op>(graph, node, memory) for each node. Preparation validates the
// node (dtypes, quantization), computes everything the kernel needs
// (quantized multipliers, activation ranges, broadcast strides, scratch
// space) and returns a closure that only calls the kernel with fixed
// pointers: run() does no allocation and cannot fail.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace edgebench::ref {

// Where every tensor lives while the model runs, indexed by tensor id.
struct TensorMemory {
  std::vector<const std::byte*> read;  // constants: the model's bytes; others: their buffer
  std::vector<std::byte*> write;       // nullptr for constants
};

struct PreparedNode {
  std::string kernel;  // e.g. "ref:conv2d_u8"
  std::function<void()> run;
};

// Convenience view used by the prepare functions.
class NodeView {
 public:
  NodeView(const Graph& g, const Node& n, const TensorMemory& mem) : g_(g), n_(n), mem_(mem) {}

  const Graph& graph() const { return g_; }
  const Node& node() const { return n_; }
  size_t num_inputs() const { return n_.inputs.size(); }
  bool has_input(size_t i) const { return i < n_.inputs.size() && n_.inputs[i] >= 0; }
  const Tensor& input(size_t i) const { return g_.tensor(n_.inputs.at(i)); }
  const Tensor& output() const { return g_.tensor(n_.outputs.at(0)); }

  template <typename T>
  const T* input_data(size_t i) const {
    return reinterpret_cast<const T*>(mem_.read.at(static_cast<size_t>(n_.inputs.at(i))));
  }
  template <typename T>
  T* output_data() const {
    return reinterpret_cast<T*>(mem_.write.at(static_cast<size_t>(n_.outputs.at(0))));
  }

  // "ref:<base>_<dtype>", the name recorded for profiles.
  std::string kernel_name(std::string_view base, DType t) const;
  // A weighted quantized kernel: "ref:<base>_<activations>", plus
  // "_<weights>w" where the weights' type differs.
  std::string kernel_name(std::string_view base, DType activations, DType weights) const;

  // Error(kUnsupported, "<source>: node #<i> <Op> '<name>': <what>").
  [[noreturn]] void unsupported(const std::string& what) const;
  // "...: <dtype> not supported by the reference backend".
  [[noreturn]] void unsupported_dtype(DType t) const;
  // Checks a quantized tensor has one scale and one zero point.
  void require_per_tensor(const Tensor& t) const;

 private:
  const Graph& g_;
  const Node& n_;
  const TensorMemory& mem_;
};

// A fused activation's bounds for float kernels. Like TFLite's
// CalculateActivationRange, "no bound" is the largest finite float, so an
// infinite result is clamped to +-FLT_MAX.
struct FloatRange {
  float min, max;
};
inline FloatRange float_activation_range(const FusedActivation& act) {
  return {std::max(act.min, std::numeric_limits<float>::lowest()),
          std::min(act.max, std::numeric_limits<float>::max())};
}

// One per operator file.
PreparedNode prepare_conv2d(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_depthwise_conv2d(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_fully_connected(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_binary(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_pool2d(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_mean(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_concat(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_reshape(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_transpose(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_pad(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_softmax(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_logistic(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_activation(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_batch_norm(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_quantize(const Graph& g, const Node& n, const TensorMemory& mem);
PreparedNode prepare_dequantize(const Graph& g, const Node& n, const TensorMemory& mem);

// The operator -> preparation table: the one place that dispatches on OpType,
// used by the reference backend and by the cpu backend's reference fallback.
PreparedNode prepare_node(const Graph& g, const Node& n, const TensorMemory& mem);

}  // namespace edgebench::ref
