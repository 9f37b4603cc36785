// `edgebench inspect MODEL [--json] [--ir]`: per-layer table and totals.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "importers/import_model.h"
#include "ir/cost.h"

namespace edgebench::cli {
namespace {

struct InspectArgs {
  std::string model;
  bool json = false;
  bool ir = false;
};

std::string shapes_of(const Graph& g, const std::vector<int>& ids, bool skip_const) {
  std::string s;
  for (int id : ids) {
    if (id < 0 || (skip_const && g.tensor(id).is_const())) continue;
    if (!s.empty()) s += ",";
    s += shape_str(g.tensor(id).shape);
  }
  return s;
}

nlohmann::json tensor_json(const Tensor& t) {
  nlohmann::json j = {{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}};
  if (!t.quant.empty()) {
    j["quant"] = {{"scales", t.quant.scales.size() <= 16 ? nlohmann::json(t.quant.scales)
                                                         : nlohmann::json(t.quant.scales.size())},
                  {"zero_point", t.quant.zero_point()},
                  {"axis", t.quant.axis}};
  }
  return j;
}

void run_inspect(const InspectArgs& a) {
  Graph g = import_model(a.model);
  if (a.ir) {
    fmt::print("{}", print_ir(g));
    return;
  }
  NodeCost total = graph_cost(g);
  if (a.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      NodeCost c = node_cost(g, n);
      nlohmann::json ins = nlohmann::json::array();
      for (int id : n.inputs)
        if (id >= 0 && !g.tensor(id).is_const()) ins.push_back(g.tensor(id).shape);
      const Tensor& y = g.tensor(n.outputs[0]);
      layers.push_back({{"index", i},
                        {"op", op_name(n.op)},
                        {"name", n.name},
                        {"input_shapes", ins},
                        {"output_shape", y.shape},
                        {"dtype", dtype_name(y.dtype)},
                        {"params", c.params},
                        {"macs", c.macs},
                        {"weight_bytes", c.weight_bytes}});
    }
    nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
    for (int id : g.inputs) inputs.push_back(tensor_json(g.tensor(id)));
    for (int id : g.outputs) outputs.push_back(tensor_json(g.tensor(id)));
    nlohmann::json j = {{"model", a.model},
                        {"format", g.format},
                        {"params", total.params},
                        {"macs", total.macs},
                        {"weight_bytes", total.weight_bytes},
                        {"inputs", inputs},
                        {"outputs", outputs},
                        {"layers", layers}};
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} ({}): {} layers\n\n", a.model, g.format, g.nodes.size());
  fmt::print("| # | operator | name | input | output | dtype | params | MACs |\n");
  fmt::print("|---:|---|---|---|---|---|---:|---:|\n");
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    NodeCost c = node_cost(g, n);
    const Tensor& y = g.tensor(n.outputs[0]);
    fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} |\n", i, op_name(n.op), n.name,
               shapes_of(g, n.inputs, true), shape_str(y.shape), dtype_name(y.dtype), c.params,
               c.macs);
  }
  fmt::print("\nTotal: {:.3f} M params, {:.1f} M MACs, {:.2f} MiB of weights\n", total.params / 1e6,
             total.macs / 1e6, total.weight_bytes / 1048576.0);
}

}  // namespace

void add_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  auto* sub = app.add_subcommand("inspect", "Per-layer table: operators, shapes, params, MACs");
  sub->add_option("model", args->model, "Model file (.tflite)")->required();
  sub->add_flag("--json", args->json, "Print JSON (keys: params, macs, weight_bytes, layers)");
  sub->add_flag("--ir", args->ir, "Print the graph IR as text");
  sub->callback([args] { run_inspect(*args); });
}

}  // namespace edgebench::cli
