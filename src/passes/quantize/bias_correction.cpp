#include "passes/quantize/bias_correction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backends/backend.h"
#include "backends/quant_arith.h"
#include "passes/graph_edit.h"

namespace edgebench::passes::quantize {
namespace {

bool is_conv_like(OpType op) {
  return op == OpType::kConv2D || op == OpType::kDepthwiseConv2D || op == OpType::kFullyConnected;
}

FusedActivation& activation_of(Node& n) {
  return n.op == OpType::kFullyConnected ? n.attr<FullyConnectedAttrs>().act
                                         : n.attr<Conv2DAttrs>().act;
}

// The graph up to node `p` (nodes are in topological order), with `tensor`,
// p's output, as the only graph output and p's fused activation dropped.
Graph cut_after(const Graph& g, int p, int tensor) {
  Graph c = g;
  std::vector<bool> erase(c.nodes.size(), false);
  for (size_t i = static_cast<size_t>(p) + 1; i < erase.size(); ++i) erase[i] = true;
  erase_nodes(c, erase);
  activation_of(c.nodes[static_cast<size_t>(p)]) = FusedActivation{};
  c.outputs = {tensor};
  return c;
}

std::unique_ptr<CompiledModel> compile(const Graph& g, const BiasCorrectionOptions& opt) {
  BackendOptions bo;
  bo.threads = std::max(1, opt.threads);
  return make_backend(opt.backend)->compile(g, bo);
}

}  // namespace

int correct_biases(const Graph& float_graph, QuantizeResult& quantized,
                   const std::vector<std::vector<std::byte>>& inputs,
                   const BiasCorrectionOptions& opt) {
  Graph& q = quantized.graph;
  int corrected = 0;
  for (const QuantizedLayer& layer : quantized.layers) {
    const int qp = producer(q, layer.quant_tensor);
    const int fp = producer(float_graph, layer.float_tensor);
    if (qp < 0 || fp < 0) continue;
    const Node& qn = q.nodes[static_cast<size_t>(qp)];
    if (!is_conv_like(qn.op) || qn.inputs.size() < 3 || qn.inputs[2] < 0) continue;
    const int bias_id = qn.inputs[2];

    Graph fcut = cut_after(float_graph, fp, layer.float_tensor);
    Graph qcut = cut_after(q, qp, layer.quant_tensor);
    Tensor& out = qcut.tensor(layer.quant_tensor);
    const bool u8 = out.dtype == DType::kU8;
    auto lowest = [&] {
      return out.quant.scale() *
             static_cast<float>(quant::qmin(out.dtype) - out.quant.zero_point());
    };
    auto highest = [&] {
      return out.quant.scale() *
             static_cast<float>(quant::qmax(out.dtype) - out.quant.zero_point());
    };
    if (activation_of(q.nodes[static_cast<size_t>(qp)]).kind != ActivationKind::kNone) {
      const float r = std::max(std::fabs(lowest()), std::fabs(highest()));
      out.quant = activation_params({-r, r}, out.dtype);
    }
    const float scale = out.quant.scale();
    const auto zp = static_cast<int32_t>(out.quant.zero_point());
    const float lo = lowest(), hi = highest();

    auto fmodel = compile(fcut, opt);
    auto qmodel = compile(qcut, opt);
    const Tensor& bias = q.tensor(bias_id);
    const size_t channels = static_cast<size_t>(bias.elements());
    const size_t n = static_cast<size_t>(out.elements());
    std::vector<float> f(n);
    std::vector<uint8_t> y(n);  // the raw bytes, read by the output's type
    std::vector<double> sum(channels, 0.0);
    std::vector<uint64_t> count(channels, 0);
    for (const auto& in : inputs) {
      fmodel->run({in.data()}, {f.data()});
      qmodel->run({in.data()}, {y.data()});
      // Channels are the last axis (NHWC activations, [rows, Cout] for FC).
      for (size_t k = 0; k < n; ++k) {
        if (!(f[k] > lo && f[k] < hi)) continue;
        const size_t c = k % channels;
        const int32_t v = u8 ? y[k] : static_cast<int8_t>(y[k]);
        sum[c] += static_cast<double>(scale) * (v - zp) - f[k];
        ++count[c];
      }
    }

    const auto old = bias.const_span<int32_t>();
    std::vector<int32_t> b(old.begin(), old.end());
    bool changed = false;
    for (size_t c = 0; c < channels; ++c) {
      if (count[c] == 0) continue;
      const double shift = sum[c] / static_cast<double>(count[c]) / bias.quant.scale(c);
      const double fixed =
          std::clamp<double>(std::round(b[c] - shift), std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<int32_t>::max());
      if (static_cast<int32_t>(fixed) != b[c]) {
        b[c] = static_cast<int32_t>(fixed);
        changed = true;
      }
    }
    if (changed) {
      q.tensor(bias_id).data = make_owned_const(b);
      ++corrected;
    }
  }
  return corrected;
}

}  // namespace edgebench::passes::quantize
