#include "backends/reference/reference_backend.h"

#include <chrono>
#include <cstring>
#include <string_view>

#include "backends/reference/prepare.h"
#include "ir/cost.h"
#include "util/error.h"

namespace edgebench {
namespace {

using ref::PreparedNode;
using ref::TensorMemory;

class ReferenceModel final : public CompiledModel {
 public:
  explicit ReferenceModel(const Graph& g) : graph_(g) {
    // One plain buffer per run-time tensor; constants stay where the graph
    // keeps them (graph_ holds their owners alive).
    const size_t count = graph_.tensors.size();
    buffers_.resize(count);
    memory_.read.assign(count, nullptr);
    memory_.write.assign(count, nullptr);
    for (size_t t = 0; t < count; ++t) {
      const Tensor& tensor = graph_.tensors[t];
      if (tensor.is_const()) {
        memory_.read[t] = tensor.data.bytes();
        continue;
      }
      buffers_[t].resize(std::max<size_t>(tensor.bytes(), 1));
      memory_.read[t] = buffers_[t].data();
      memory_.write[t] = buffers_[t].data();
      arena_bytes_ += tensor.bytes();
    }
    for (int id : graph_.inputs)
      if (graph_.tensor(id).is_const())
        fail(ErrorCode::kModel, graph_.source,
             "graph input '" + graph_.tensor(id).name + "' is a constant");
    nodes_.reserve(graph_.nodes.size());
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      const std::string where = graph_.source + ": node #" + std::to_string(i);
      try {
        nodes_.push_back(ref::prepare_node(graph_, n, memory_));
      } catch (const Error& e) {
        // Errors from the shared arithmetic (e.g. a multiplier out of range)
        // do not know the node yet: name it.
        if (std::string_view(e.what()).starts_with(where)) throw;
        fail(e.code(), graph_.source,
             "node #" + std::to_string(i) + " " + std::string(op_name(n.op)) + " '" + n.name +
                 "': " + e.what());
      }
    }
  }

  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) override {
    copy_in(inputs, outputs);
    for (const PreparedNode& n : nodes_) n.run();
    copy_out(outputs);
  }

  void run_profiled(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                    std::vector<NodeTiming>& timings) override {
    copy_in(inputs, outputs);
    timings.resize(nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      nodes_[i].run();
      const auto end = std::chrono::steady_clock::now();
      timings[i] = {i, std::chrono::duration<double, std::milli>(end - start).count()};
    }
    copy_out(outputs);
  }

  size_t arena_bytes() const override { return arena_bytes_; }

  std::string precision_mode() const override { return native_precision(graph_); }
  const Graph& graph() const override { return graph_; }
  std::vector<std::string> kernel_names() const override {
    std::vector<std::string> names;
    names.reserve(nodes_.size());
    for (const PreparedNode& n : nodes_) names.push_back(n.kernel);
    return names;
  }

 private:
  void copy_in(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
    if (inputs.size() != graph_.inputs.size() || outputs.size() != graph_.outputs.size())
      fail(ErrorCode::kUsage, graph_.source,
           "expected " + std::to_string(graph_.inputs.size()) + " input and " +
               std::to_string(graph_.outputs.size()) + " output buffers, got " +
               std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const int id = graph_.inputs[i];
      const size_t bytes = graph_.tensor(id).bytes();
      if (bytes > 0) std::memcpy(memory_.write[static_cast<size_t>(id)], inputs[i], bytes);
    }
  }

  void copy_out(const std::vector<void*>& outputs) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const int id = graph_.outputs[i];
      const size_t bytes =
          graph_.tensor(id).bytes();  // empty tensors (ONNX node tests) copy nothing
      if (bytes > 0) std::memcpy(outputs[i], memory_.read[static_cast<size_t>(id)], bytes);
    }
  }

  Graph graph_;
  std::vector<std::vector<std::byte>> buffers_;
  TensorMemory memory_;
  std::vector<PreparedNode> nodes_;
  size_t arena_bytes_ = 0;
};

class ReferenceBackend final : public Backend {
 public:
  std::string_view name() const override { return "reference"; }

  std::unique_ptr<CompiledModel> compile(const Graph& g, const BackendOptions& opt) override {
    // Threads are ignored: the oracle is single-threaded.
    if (opt.precision != "fp32")
      fail(ErrorCode::kUsage, "",
           "the reference backend runs models as they are (precision fp32), not '" + opt.precision +
               "'");
    return std::make_unique<ReferenceModel>(g);
  }
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend() {
  return std::make_unique<ReferenceBackend>();
}

}  // namespace edgebench
