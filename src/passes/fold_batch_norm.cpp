#include "passes/fold_batch_norm.h"

#include <cmath>

#include "passes/graph_edit.h"

namespace edgebench::passes {
namespace {

bool foldable_producer(const Graph& g, const Node& p) {
  if (p.op != OpType::kConv2D && p.op != OpType::kDepthwiseConv2D &&
      p.op != OpType::kFullyConnected)
    return false;
  if (g.tensor(p.inputs[0]).dtype != DType::kF32 || g.tensor(p.inputs[1]).dtype != DType::kF32)
    return false;
  if (p.inputs.size() > 2 && p.inputs[2] >= 0 && g.tensor(p.inputs[2]).dtype != DType::kF32)
    return false;
  const FusedActivation& act = p.op == OpType::kFullyConnected ? p.attr<FullyConnectedAttrs>().act
                                                               : p.attr<Conv2DAttrs>().act;
  return act.kind == ActivationKind::kNone;
}

}  // namespace

int fold_batch_norm(Graph& g) {
  const auto uses = consumers(g);
  std::vector<bool> erase(g.nodes.size(), false);
  int folded = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (bn.op != OpType::kBatchNorm) continue;
    const int x = bn.inputs[0];
    const int p = producer(g, x);
    if (p < 0 || erase[static_cast<size_t>(p)] || uses[static_cast<size_t>(x)].size() != 1 ||
        is_graph_output(g, x))
      continue;
    Node& layer = g.nodes[static_cast<size_t>(p)];
    if (!foldable_producer(g, layer)) continue;
    bool f32_params = true;
    for (size_t k = 1; k <= 4; ++k) f32_params &= g.tensor(bn.inputs[k]).dtype == DType::kF32;
    if (!f32_params) continue;

    const Tensor& w = g.tensor(layer.inputs[1]);
    const auto wv = w.const_span<float>();
    const int64_t channels = g.tensor(bn.inputs[1]).elements();
    // Output channel of weight element e: the last axis for depthwise, the first otherwise.
    const bool channel_last = layer.op == OpType::kDepthwiseConv2D;
    const int64_t per_channel = w.elements() / channels;
    const auto scale = g.tensor(bn.inputs[1]).const_span<float>();
    const auto beta = g.tensor(bn.inputs[2]).const_span<float>();
    const auto mean = g.tensor(bn.inputs[3]).const_span<float>();
    const auto var = g.tensor(bn.inputs[4]).const_span<float>();
    const float eps = bn.attr<BatchNormAttrs>().epsilon;

    std::vector<float> f(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) f[c] = scale[c] / std::sqrt(var[c] + eps);
    std::vector<float> new_w(static_cast<size_t>(w.elements()));
    for (int64_t e = 0; e < w.elements(); ++e) {
      const int64_t c = channel_last ? e % channels : e / per_channel;
      new_w[e] = wv[e] * f[c];
    }
    const bool has_bias = layer.inputs.size() > 2 && layer.inputs[2] >= 0;
    std::vector<float> new_b(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      const float b = has_bias ? g.tensor(layer.inputs[2]).const_span<float>()[c] : 0.0f;
      new_b[c] = (b - mean[c]) * f[c] + beta[c];
    }
    const Shape w_shape = w.shape;
    const std::string base = layer.name + "/bn_folded";
    const int w_id = add_f32_constant(g, base + "/weights", w_shape, new_w);
    const int b_id = add_f32_constant(g, base + "/bias", {channels}, new_b);
    Node& l = g.nodes[static_cast<size_t>(p)];  // add_tensor does not move nodes, but be plain
    l.inputs.resize(3);
    l.inputs[1] = w_id;
    l.inputs[2] = b_id;
    l.outputs[0] = g.nodes[i].outputs[0];
    erase[i] = true;
    ++folded;
  }
  erase_nodes(g, erase);
  return folded;
}

}  // namespace edgebench::passes
