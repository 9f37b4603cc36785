// A backend turns a verified graph into something that runs. Lifecycle
// (XNNPACK's): compile() validates and prepares everything — buffers, quantized
// multipliers, packed weights — so run() does no allocation and cannot fail.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace edgebench {

struct BackendOptions {
  int threads = 1;
  std::string precision =
      "fp32";  // fp32 | bf16 | fp16 | int8 (backends reject what they cannot do)
  // A folder where a backend may keep what it prepared (packed weights) for
  // the next load of the same model (empty: nowhere). Used only with
  // cache_source, which says where the graph came from (Session::load sets it
  // from the model file); graphs made in memory are never cached.
  std::string cache_dir;
  std::string cache_source;
  std::string cache_name;  // a readable stem for the cache file (the model's file name)
  // cpu: the float activations' layout, "auto" (the backend's choice;
  // EDGEBENCH_CPU_LAYOUT overrides it), "nhwc" or "blocked" (nChw16c).
  std::string layout = "auto";
};

// Per-node timing hook for --op-profile; backends call it around each node when set.
struct NodeTiming {
  size_t node = 0;
  double ms = 0;
};

class CompiledModel {
 public:
  virtual ~CompiledModel() = default;
  // Pointers to graph-input bytes (layout = the IR tensor's dtype and shape) and
  // to caller-owned output buffers of the output tensors' sizes.
  virtual void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) = 0;
  // Same as run(), recording the wall time of each node into `timings`.
  virtual void run_profiled(const std::vector<const void*>& inputs,
                            const std::vector<void*>& outputs,
                            std::vector<NodeTiming>& timings) = 0;
  // Bytes of activation/work memory this model holds (excluding the weights).
  virtual size_t arena_bytes() const = 0;
  // Which kernel runs each node (e.g. "ref:conv2d_u8"), for profiles and logs.
  virtual std::vector<std::string> kernel_names() const = 0;
  // The graph this model runs: after the backend's passes, so its nodes are
  // the ones kernel_names() and run_profiled() number.
  virtual const Graph& graph() const = 0;
  // How the numbers are really computed, e.g. "fp32", "int8", "bf16",
  // "fp16-storage/fp32-compute" (reports show this beside the precision).
  virtual std::string precision_mode() const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // Throws Error(kUnsupported, ...) naming the node it cannot run.
  virtual std::unique_ptr<CompiledModel> compile(const Graph& g, const BackendOptions& opt) = 0;
  // Same, taking the graph over: a backend may then drop constant bytes it has
  // copied into its own layout while it compiles, so a model's weights are not
  // held twice at the peak of loading.
  virtual std::unique_ptr<CompiledModel> compile_owned(Graph g, const BackendOptions& opt) {
    return compile(g, opt);
  }
};

// "reference" (always), "cpu" where built. Throws Error(kUsage) for an unknown name.
std::unique_ptr<Backend> make_backend(std::string_view name);
std::vector<std::string> backend_names();

}  // namespace edgebench
