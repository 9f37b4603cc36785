// A compiled model of the cpu backend: lowered steps bound to fixed addresses
// in one arena. Binding (done once, in the constructor) plans the arena by
// liveness, creates every oneDNN memory object and argument array, and makes
// the functions of non-oneDNN steps; run() copies the inputs in, calls each
// step, and copies the outputs out.
#pragma once

#include <dnnl.h>

#include <dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/lowering.h"

namespace edgebench::cpu {

class CpuModel final : public CompiledModel {
 public:
  // `graph` is the graph the steps were lowered from; the model keeps it (and
  // so the constants' bytes) alive.
  // `kept`: memory the steps' fixed arguments point into (Lowering::kept).
  CpuModel(std::unique_ptr<Graph> graph, dnnl::engine engine, std::vector<Step> steps,
           std::vector<Buffer> buffers, std::vector<int> input_buffers,
           std::vector<int> output_buffers, std::vector<std::string> kernel_names, int threads,
           std::vector<std::shared_ptr<const void>> kept);

  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) override;
  void run_profiled(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                    std::vector<NodeTiming>& timings) override;
  size_t arena_bytes() const override { return arena_bytes_; }
  std::vector<std::string> kernel_names() const override { return kernel_names_; }
  const Graph& graph() const override { return *graph_; }
  std::string precision_mode() const override { return precision_mode_; }
  void set_precision_mode(std::string mode) { precision_mode_ = std::move(mode); }

  size_t steps() const { return bound_.size(); }

 private:
  struct BoundStep {
    size_t node = 0;
    dnnl_primitive_t prim = nullptr;
    std::vector<dnnl_exec_arg_t> args;
    std::function<void()> fn;
  };
  void copy_in(const std::vector<const void*>& inputs, const std::vector<void*>& outputs);
  void copy_out(const std::vector<void*>& outputs);
  void execute(const BoundStep& s);

  std::unique_ptr<Graph> graph_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  int threads_ = 1;
  std::vector<Step> steps_;  // owns primitives and packed weights
  std::vector<std::shared_ptr<const void>> kept_;
  std::vector<dnnl::memory> memories_;  // views of the arena
  std::vector<BoundStep> bound_;
  std::shared_ptr<void> arena_owner_;
  std::shared_ptr<void> sparse_owner_;  // Step::sparse_scratchpad
  std::byte* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  std::vector<std::byte*> input_ptrs_, output_ptrs_;
  std::vector<size_t> input_bytes_, output_bytes_;
  std::vector<std::string> kernel_names_;  // per graph node
  std::string precision_mode_ = "fp32";
};

}  // namespace edgebench::cpu
