// A session: a model imported, verified and compiled for one backend, ready to
// run many times. Load time (the study's M) is measured here, file → ready.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "ir/graph.h"
#include "util/load_phases.h"

namespace edgebench {

struct SessionOptions {
  std::string backend = "reference";
  BackendOptions backend_options;
  // Run the float equivalent of a quantized model (passes/dequantize.h),
  // made at load time (so counted in the load time).
  bool dequantize = false;
  // Keep packed weights here between loads of the same model file (empty:
  // no cache). See backends/cpu/pack_cache.h.
  std::string cache_dir;
};

class Session {
 public:
  static std::unique_ptr<Session> load(const std::string& model_path, const SessionOptions& opt);
  // Takes an already imported graph (built-in models, passes' output).
  static std::unique_ptr<Session> from_graph(Graph g, const SessionOptions& opt);

  // The model's description: tensors (constants without their bytes), nodes, metadata.
  const Graph& graph() const { return graph_; }
  const Tensor& input(size_t i = 0) const { return graph_.tensor(graph_.inputs.at(i)); }
  const Tensor& output(size_t i = 0) const { return graph_.tensor(graph_.outputs.at(i)); }
  size_t num_inputs() const { return graph_.inputs.size(); }
  size_t num_outputs() const { return graph_.outputs.size(); }
  double load_seconds() const { return load_seconds_; }
  // Where the load time went: (phase, seconds) as util/load_phases.h times them.
  const std::vector<std::pair<std::string, double>>& load_phases() const { return load_phases_; }
  CompiledModel& compiled() { return *compiled_; }
  const std::string& backend_name() const { return backend_name_; }

  // Output buffers sized for this model, reusable across runs.
  std::vector<std::vector<std::byte>> make_output_buffers() const;
  // Runs on raw input bytes (one buffer per graph input, exactly the tensor's size).
  void run(const std::vector<const void*>& inputs, std::vector<std::vector<std::byte>>& outputs);

 private:
  static std::unique_ptr<Session> compile(Graph g, const SessionOptions& opt);
  void finish_load(std::chrono::steady_clock::time_point t0, const LoadPhases& phases);

  Graph graph_;
  std::unique_ptr<CompiledModel> compiled_;
  std::string backend_name_;
  double load_seconds_ = 0;
  std::vector<std::pair<std::string, double>> load_phases_;
  std::vector<void*> out_ptrs_;
};

}  // namespace edgebench
