#include "passes/quantize/calibrate.h"

#include <algorithm>

#include "backends/backend.h"
#include "util/error.h"

namespace edgebench::passes::quantize {

std::vector<std::string> activation_keys(const Graph& g) {
  std::map<std::string, int> count;
  for (const Tensor& t : g.tensors) ++count[t.name];
  std::vector<std::string> keys;
  keys.reserve(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const std::string& name = g.tensors[i].name;
    keys.push_back(count[name] == 1 ? name : name + "#" + std::to_string(i));
  }
  return keys;
}

std::vector<int> float_activations(const Graph& g) {
  std::vector<int> ids;
  for (int id : g.inputs)
    if (g.tensor(id).dtype == DType::kF32) ids.push_back(id);
  for (const Node& n : g.nodes)
    for (int id : n.outputs)
      if (g.tensor(id).dtype == DType::kF32 && std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(id);
  return ids;
}

RangeTable calibrate(const Graph& g, const std::vector<std::vector<std::byte>>& inputs,
                     const CalibrateOptions& opt) {
  if (g.inputs.size() != 1)
    fail(ErrorCode::kUnsupported, g.source, "calibration needs a model with one input");
  if (inputs.empty()) fail(ErrorCode::kInput, g.source, "no calibration inputs");
  const size_t in_bytes = g.tensor(g.inputs[0]).bytes();
  for (const auto& b : inputs)
    if (b.size() != in_bytes) fail(ErrorCode::kInternal, g.source, "calibration input size");

  // The same graph with every float activation as an output.
  Graph observed = g;
  observed.outputs = float_activations(g);
  BackendOptions bo;
  bo.threads = std::max(1, opt.threads);
  auto model = make_backend(opt.backend)->compile(observed, bo);

  std::vector<std::vector<float>> out;
  std::vector<void*> out_ptrs;
  for (int id : observed.outputs) out.emplace_back(static_cast<size_t>(g.tensor(id).elements()));
  for (auto& o : out) out_ptrs.push_back(o.data());
  std::vector<TensorObserver> obs(observed.outputs.size());

  auto pass = [&](bool histogram) {
    for (const auto& in : inputs) {
      model->run({in.data()}, out_ptrs);
      for (size_t i = 0; i < out.size(); ++i) {
        if (histogram)
          obs[i].observe_histogram(out[i].data(), out[i].size());
        else
          obs[i].observe_range(out[i].data(), out[i].size());
      }
    }
  };
  pass(false);
  if (opt.method != CalibMethod::kMinMax) {
    for (auto& o : obs) o.start_histogram();
    pass(true);
  }

  const std::vector<std::string> keys = activation_keys(g);
  RangeTable table;
  for (size_t i = 0; i < obs.size(); ++i)
    table[keys[static_cast<size_t>(observed.outputs[i])]] =
        choose_range(obs[i], opt.method, opt.percentile);
  return table;
}

}  // namespace edgebench::passes::quantize
