#include "backends/cpu/cpu_backend.h"

#include <omp.h>

#include <map>
#include <string_view>

#include "backends/cpu/cpu_model.h"
#include "backends/cpu/lowerers.h"
#include "passes/fuse_conv_add.h"
#include "passes/pass_manager.h"
#include "util/error.h"

namespace edgebench {
namespace {

using namespace cpu;

// Kernel choice is data: the first entry whose predicate accepts a node lowers it.
struct KernelEntry {
  std::string_view name;
  bool (*supports)(const Graph&, const Node&);
  void (*lower)(Lowering&, const Node&);
};

void lower_conv_plain(Lowering& L, const Node& n) {
  lower_conv_f32(L, n, nullptr);
}

constexpr KernelEntry kKernels[] = {
    {"conv_f32", conv_f32_supports, lower_conv_plain},
    {"fully_connected_f32", fully_connected_f32_supports, lower_fully_connected_f32},
    {"pool_f32", pool_f32_supports, lower_pool_f32},
    {"mean_f32", mean_f32_supports, lower_mean_f32},
    {"concat_f32", concat_f32_supports, lower_concat_f32},
    {"binary_f32", binary_f32_supports, lower_binary_f32},
    {"softmax_f32", softmax_f32_supports, lower_softmax_f32},
    {"reshape", reshape_supports, lower_reshape},
    {"conv_int8", conv_int8_supports, lower_conv_int8},
    {"depthwise_int8", depthwise_int8_supports, lower_depthwise_int8},
    {"add_int8", add_int8_supports, lower_add_int8},
    {"reference", reference_supports, lower_reference},
};

[[noreturn]] void node_error(const Graph& g, size_t i, const std::string& what) {
  const Node& n = g.nodes[i];
  fail(ErrorCode::kUnsupported, g.source,
       "node #" + std::to_string(i) + " " + std::string(op_name(n.op)) + " '" + n.name +
           "': " + what);
}

// Lowers one node through the table; a oneDNN primitive the library cannot
// create (e.g. an ISA it lacks) falls through to the next entry, provided the
// failed lowering added no steps.
void lower_node(Lowering& L, const Node& n, size_t index) {
  for (const KernelEntry& k : kKernels) {
    if (!k.supports(L.graph(), n)) continue;
    const size_t steps_before = L.steps().size();
    try {
      k.lower(L, n);
      return;
    } catch (const dnnl::error& e) {
      if (L.steps().size() != steps_before)
        node_error(L.graph(), index, "oneDNN failed in " + std::string(k.name) + ": " + e.what());
    }
  }
  node_error(L.graph(), index, "no cpu kernel");
}

std::unique_ptr<CompiledModel> compile_graph(const Graph& source, const BackendOptions& opt) {
  auto g = std::make_unique<Graph>(source);
  passes::run_passes(*g, passes::standard_passes());
  const int threads = opt.threads > 0 ? opt.threads : omp_get_num_procs();
  omp_set_num_threads(threads);  // primitives partition work for this many threads

  // Residual adds absorbed by the producing convolution (run at the Add's place).
  std::map<size_t, passes::ConvAddFusion> fused_at_add;
  std::vector<bool> deferred(g->nodes.size(), false);
  for (const auto& f : passes::find_conv_add_fusions(*g)) {
    if (!conv_f32_supports(*g, g->nodes[f.conv])) continue;
    fused_at_add[f.add] = f;
    deferred[f.conv] = true;
  }

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Lowering L(*g, engine);
  L.set_threads(threads);
  std::vector<size_t> exec_pos(g->nodes.size());
  for (size_t i = 0; i < exec_pos.size(); ++i) exec_pos[i] = i;
  for (const auto& [add, f] : fused_at_add) exec_pos[f.conv] = add;
  L.set_exec_positions(std::move(exec_pos));
  const std::vector<int> inputs = L.bind_graph_inputs();
  std::vector<std::string> notes(g->nodes.size());
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    if (deferred[i]) continue;
    L.begin_node(i);
    const Node& n = g->nodes[i];
    try {
      if (auto it = fused_at_add.find(i); it != fused_at_add.end()) {
        const ConvResidual res{it->second.residual, n.outputs[0], n.attr<BinaryAttrs>().act};
        lower_conv_f32(L, g->nodes[it->second.conv], &res);
        notes[it->second.conv] = "(fused into node #" + std::to_string(i) + ")";
        continue;
      }
      lower_node(L, n, i);
    } catch (const dnnl::error& e) {
      node_error(*g, i, std::string("oneDNN: ") + e.what());
    }
  }
  L.begin_node(g->nodes.empty() ? 0 : g->nodes.size() - 1);
  const std::vector<int> outputs = L.bind_graph_outputs();

  std::vector<std::string> names(g->nodes.size());
  for (const Step& s : L.steps()) names[s.node] += (names[s.node].empty() ? "" : " + ") + s.kernel;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = notes[i].empty() ? "(alias)" : notes[i];

  std::vector<Step> steps = std::move(L.steps());
  std::vector<Buffer> buffers = L.buffers();
  return std::make_unique<CpuModel>(std::move(g), engine, std::move(steps), std::move(buffers),
                                    inputs, outputs, std::move(names), threads);
}

class CpuBackend final : public Backend {
 public:
  std::string_view name() const override { return "cpu"; }
  std::unique_ptr<CompiledModel> compile(const Graph& g, const BackendOptions& opt) override {
    if (opt.precision != "fp32")
      fail(ErrorCode::kUsage, "",
           "the cpu backend runs models as they are (precision fp32), not '" + opt.precision + "'");
    return compile_graph(g, opt);
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<CpuBackend>();
}

}  // namespace edgebench
