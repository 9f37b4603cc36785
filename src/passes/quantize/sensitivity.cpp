#include "passes/quantize/sensitivity.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "backends/backend.h"

namespace edgebench::passes::quantize {
namespace {

// A compiled copy of `g` whose outputs are `tensors`.
struct Observed {
  std::unique_ptr<CompiledModel> model;
  std::vector<std::vector<std::byte>> out;
  std::vector<void*> ptrs;

  Observed(const Graph& g, const std::vector<int>& tensors, const SensitivityOptions& opt) {
    Graph copy = g;
    copy.outputs = tensors;
    BackendOptions bo;
    bo.threads = std::max(1, opt.threads);
    model = make_backend(opt.backend)->compile(copy, bo);
    for (int id : tensors) out.emplace_back(g.tensor(id).bytes());
    for (auto& b : out) ptrs.push_back(b.data());
  }
  void run(const std::vector<std::byte>& in) { model->run({in.data()}, ptrs); }
};

}  // namespace

std::vector<LayerSqnr> layer_sqnr(const Graph& float_graph, const QuantizeResult& quantized,
                                  const std::vector<std::vector<std::byte>>& inputs,
                                  const SensitivityOptions& opt) {
  std::vector<int> ftensors, qtensors;
  for (const auto& l : quantized.layers) {
    ftensors.push_back(l.float_tensor);
    qtensors.push_back(l.quant_tensor);
  }
  std::vector<LayerSqnr> rows;
  if (ftensors.empty()) return rows;
  Observed f(float_graph, ftensors, opt), q(quantized.graph, qtensors, opt);
  std::vector<double> signal(ftensors.size(), 0.0), noise(ftensors.size(), 0.0);
  for (const auto& in : inputs) {
    f.run(in);
    q.run(in);
    for (size_t i = 0; i < ftensors.size(); ++i) {
      const Tensor& qt = quantized.graph.tensor(qtensors[i]);
      const float scale = qt.quant.scale();
      const auto zp = static_cast<int32_t>(qt.quant.zero_point());
      const auto* x = reinterpret_cast<const float*>(f.out[i].data());
      const auto* y = reinterpret_cast<const uint8_t*>(q.out[i].data());
      const bool u8 = qt.dtype == DType::kU8;
      const size_t n = q.out[i].size();
      for (size_t k = 0; k < n; ++k) {
        const int32_t v = u8 ? y[k] : static_cast<int8_t>(y[k]);
        const double d = scale * static_cast<double>(v - zp);
        signal[i] += static_cast<double>(x[k]) * x[k];
        noise[i] += (x[k] - d) * (x[k] - d);
      }
    }
  }
  for (size_t i = 0; i < ftensors.size(); ++i) {
    LayerSqnr r;
    r.node = quantized.layers[i].node;
    r.op = quantized.layers[i].op;
    r.sqnr_db = noise[i] > 0 ? 10.0 * std::log10(signal[i] / noise[i])
                             : std::numeric_limits<double>::infinity();
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const LayerSqnr& a, const LayerSqnr& b) { return a.sqnr_db < b.sqnr_db; });
  return rows;
}

std::string display_name(const std::string& node) {
  return node.substr(0, node.find(';'));
}

std::string sqnr_table(const std::vector<LayerSqnr>& layers, size_t rows) {
  std::string s = "| rank | node | operator | SQNR dB |\n|---:|---|---|---:|\n";
  for (size_t i = 0; i < std::min(rows, layers.size()); ++i) {
    s += fmt::format("| {} | {} | {} | {:.2f} |\n", i + 1, display_name(layers[i].node),
                     layers[i].op, layers[i].sqnr_db);
  }
  return s;
}

nlohmann::json sqnr_json(const std::vector<LayerSqnr>& layers) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : layers) {
    nlohmann::json row = {{"node", l.node}, {"op", l.op}};
    // JSON has no infinity: an exact layer has null.
    row["sqnr_db"] = std::isfinite(l.sqnr_db) ? nlohmann::json(l.sqnr_db) : nlohmann::json();
    a.push_back(row);
  }
  return a;
}

}  // namespace edgebench::passes::quantize
