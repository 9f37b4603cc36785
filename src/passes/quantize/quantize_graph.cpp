#include "passes/quantize/quantize_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/quant_arith.h"
#include "passes/graph_edit.h"
#include "util/error.h"

namespace edgebench::passes::quantize {
namespace {

bool is_conv_like(OpType op) {
  return op == OpType::kConv2D || op == OpType::kDepthwiseConv2D || op == OpType::kFullyConnected;
}

// How an int8 node's output parameters are chosen.
enum class OutputRule {
  kCalibrated,   // its own calibrated range
  kSameAsInput,  // TFLite: pooling and data movement keep the input's parameters
  kProbability,  // TFLite: softmax and logistic write 1/256 steps from -128
};

OutputRule output_rule(OpType op) {
  switch (op) {
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kReshape:
    case OpType::kTranspose:
    case OpType::kPad: return OutputRule::kSameAsInput;
    case OpType::kSoftmax:
    case OpType::kLogistic: return OutputRule::kProbability;
    default: return OutputRule::kCalibrated;
  }
}

// Operators the reference backend runs in int8 (TFLite's int8 kernels).
bool has_int8_kernel(const Graph& g, const Node& n) {
  if (n.outputs.size() != 1 || g.tensor(n.outputs[0]).dtype != DType::kF32) return false;
  if (n.inputs.empty() || n.inputs[0] < 0 || g.tensor(n.inputs[0]).dtype != DType::kF32)
    return false;
  switch (n.op) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected: {
      const Tensor& w = g.tensor(n.inputs[1]);
      const bool bias_ok =
          n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensor(n.inputs[2]).is_const();
      return w.is_const() && w.dtype == DType::kF32 && bias_ok;
    }
    case OpType::kConcat: return n.attr<ConcatAttrs>().act.kind == ActivationKind::kNone;
    case OpType::kAdd:
    case OpType::kMul:
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kMean:
    case OpType::kReshape:
    case OpType::kTranspose:
    case OpType::kPad:
    case OpType::kSoftmax:
    case OpType::kLogistic:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip: return true;
    default: return false;
  }
}

RealRange const_range(const Tensor& t) {
  RealRange r;
  for (float v : t.const_span<float>()) {
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
  }
  return r;
}

// Drops tensors nothing refers to any more (float versions replaced by int8
// ones) and renumbers the rest; returns old id -> new id (-1: dropped).
std::vector<int> compact_tensors(Graph& g) {
  std::vector<bool> used(g.tensors.size(), false);
  auto mark = [&](int id) {
    if (id >= 0) used[static_cast<size_t>(id)] = true;
  };
  for (int id : g.inputs) mark(id);
  for (int id : g.outputs) mark(id);
  for (const Node& n : g.nodes) {
    for (int id : n.inputs) mark(id);
    for (int id : n.outputs) mark(id);
  }
  std::vector<int> remap(g.tensors.size(), -1);
  std::vector<Tensor> kept;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(g.tensors[i]));
  }
  g.tensors = std::move(kept);
  auto apply = [&](std::vector<int>& ids) {
    for (int& id : ids)
      if (id >= 0) id = remap[static_cast<size_t>(id)];
  };
  apply(g.inputs);
  apply(g.outputs);
  for (Node& n : g.nodes) {
    apply(n.inputs);
    apply(n.outputs);
  }
  return remap;
}

class Rewriter {
 public:
  Rewriter(const Graph& g, const RangeTable& ranges, const QuantizeOptions& opt)
      : g_(g),
        ranges_(ranges),
        opt_(opt),
        keys_(activation_keys(g)),
        qid_(g.tensors.size(), -1),
        has_float_(g.tensors.size(), false) {
    for (size_t i = 0; i < g.tensors.size(); ++i) has_float_[i] = g.tensors[i].is_const();
    for (int id : g.inputs) has_float_[static_cast<size_t>(id)] = true;
    q_.tensors = g.tensors;
    q_.inputs = g.inputs;
    q_.outputs = g.outputs;
    q_.source = g.source;
    q_.format = g.format;
    q_.metadata = g.metadata;
    // The result is what `quantize` exports: an ONNX QDQ model, computed as ONNX defines it.
    q_.requantization = Requantization::kFloat;
  }

  QuantizeResult run() {
    std::vector<bool> quantized(g_.nodes.size());
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      quantized[i] = !opt_.keep_float.count(g_.nodes[i].name) && has_int8_kernel(g_, g_.nodes[i]);
    share_concat_ranges(quantized);
    QuantizeResult res;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (quantized[i]) {
        res.layers.push_back(rewrite_int8(g_.nodes[i]));
      } else {
        rewrite_float(g_.nodes[i]);
        res.float_nodes.push_back(g_.nodes[i].name);
      }
    }
    for (int id : g_.outputs) float_of(id);
    const std::vector<int> remap = compact_tensors(q_);
    for (auto& l : res.layers) l.quant_tensor = remap[static_cast<size_t>(l.quant_tensor)];
    verify(q_);
    res.graph = std::move(q_);
    return res;
  }

 private:
  RealRange range_of(int id) const {
    const std::string& key = keys_[static_cast<size_t>(id)];
    auto it = ranges_.find(key);
    if (it == ranges_.end())
      fail(ErrorCode::kInternal, g_.source,
           "no calibrated range for tensor '" + key + "' (calibrate this same graph)");
    return it->second;
  }

  // TFLite's concatenation keeps one scale: an input whose producer writes
  // only into the Concat takes the Concat's range (the union of its inputs'),
  // so the kernel copies instead of requantizing.
  void share_concat_ranges(const std::vector<bool>& quantized) {
    const auto cons = consumers(g_);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (n.op != OpType::kConcat || !quantized[i]) continue;
      const RealRange out = range_of(n.outputs[0]);
      for (int x : n.inputs) {
        const int p = producer(g_, x);
        if (p < 0 || !quantized[static_cast<size_t>(p)] ||
            cons[static_cast<size_t>(x)].size() != 1 || is_graph_output(g_, x) ||
            output_rule(g_.nodes[static_cast<size_t>(p)].op) != OutputRule::kCalibrated)
          continue;
        ranges_[keys_[static_cast<size_t>(x)]] = out;
      }
    }
  }

  int add_tensor(const Tensor& like, DType dtype, QuantParams qp, const std::string& suffix) {
    Tensor t;
    t.name = like.name + suffix;
    t.dtype = dtype;
    t.shape = like.shape;
    t.quant = std::move(qp);
    return q_.add_tensor(std::move(t));
  }

  void add_node(OpType op, const std::string& name, int in, int out) {
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = {in};
    n.outputs = {out};
    q_.nodes.push_back(std::move(n));
  }

  // The int8 version of a float tensor: a constant quantized per tensor, or
  // the output of a Quantize node after the float producer.
  int quant_of(int id) {
    const size_t i = static_cast<size_t>(id);
    if (qid_[i] >= 0) return qid_[i];
    const Tensor& t = g_.tensor(id);
    const DType at = opt_.activations;
    if (t.is_const()) {
      const QuantParams qp = activation_params(const_range(t), at);
      std::vector<int32_t> v;
      for (float f : t.const_span<float>())
        v.push_back(
            std::clamp(quant::quantize_real(f, qp.scale(), static_cast<int32_t>(qp.zero_point())),
                       quant::qmin(at), quant::qmax(at)));
      qid_[i] = add_tensor(t, at, qp, "_int8");
      q_.tensor(qid_[i]).data = at == DType::kU8
                                    ? make_owned_const(std::vector<uint8_t>(v.begin(), v.end()))
                                    : make_owned_const(std::vector<int8_t>(v.begin(), v.end()));
      return qid_[i];
    }
    qid_[i] = add_tensor(t, at, activation_params(range_of(id), at), "_int8");
    add_node(OpType::kQuantize, t.name + "/quantize", float_of(id), qid_[i]);
    return qid_[i];
  }

  // The float version of a tensor: itself, or a Dequantize of its int8 version.
  int float_of(int id) {
    const size_t i = static_cast<size_t>(id);
    if (!has_float_[i]) {
      add_node(OpType::kDequantize, g_.tensor(id).name + "/dequantize", qid_[i], id);
      has_float_[i] = true;
    }
    return id;
  }

  void rewrite_float(const Node& n) {
    Node m = n;
    for (int& id : m.inputs)
      if (id >= 0 && g_.tensor(id).dtype == DType::kF32) id = float_of(id);
    for (int id : n.outputs) has_float_[static_cast<size_t>(id)] = true;
    q_.nodes.push_back(std::move(m));
  }

  // Symmetric int8 weights (zero point 0, [-127, 127] as TFLite), one scale
  // per output channel along `axis` or one for the tensor.
  int quantize_weights(int id, int axis) {
    const Tensor& w = g_.tensor(id);
    const auto values = w.const_span<float>();
    const int64_t channels = opt_.per_channel ? w.shape[static_cast<size_t>(axis)] : 1;
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
    auto channel_of = [&](size_t k) {
      return opt_.per_channel ? static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels)
                              : 0;
    };
    std::vector<float> absmax(static_cast<size_t>(channels), 0.0f);
    for (size_t k = 0; k < values.size(); ++k)
      absmax[channel_of(k)] = std::max(absmax[channel_of(k)], std::fabs(values[k]));
    QuantParams qp;
    for (float m : absmax) qp.scales.push_back(m > 0 ? m / 127.0f : 1.0f);
    qp.zero_points.assign(qp.scales.size(), 0);
    qp.axis = opt_.per_channel ? axis : -1;
    std::vector<int8_t> v(values.size());
    for (size_t k = 0; k < values.size(); ++k)
      v[k] = static_cast<int8_t>(
          std::clamp(quant::quantize_real(values[k], qp.scales[channel_of(k)], 0), -127, 127));
    const int out = add_tensor(w, DType::kI8, qp, "_int8");
    q_.tensor(out).data = make_owned_const(v);
    return out;
  }

  // int32 bias with scale input_scale * weight_scale[c] (TFLite's float
  // product) and zero point 0, so it adds straight into the accumulator.
  int quantize_bias(int id, float input_scale, const QuantParams& wq) {
    const Tensor& b = g_.tensor(id);
    const auto values = b.const_span<float>();
    QuantParams qp;
    for (size_t c = 0; c < values.size(); ++c) qp.scales.push_back(input_scale * wq.scale(c));
    if (!wq.per_channel()) qp.scales.resize(1);
    qp.zero_points.assign(qp.scales.size(), 0);
    qp.axis = wq.per_channel() ? 0 : -1;
    std::vector<int32_t> v(values.size());
    for (size_t c = 0; c < values.size(); ++c) {
      const double q = std::round(static_cast<double>(values[c]) / qp.scale(c));
      v[c] = static_cast<int32_t>(std::clamp<double>(q, std::numeric_limits<int32_t>::min(),
                                                     std::numeric_limits<int32_t>::max()));
    }
    const int out = add_tensor(b, DType::kI32, qp, "_int32");
    q_.tensor(out).data = make_owned_const(v);
    return out;
  }

  QuantizedLayer rewrite_int8(const Node& n) {
    Node m = n;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int id = n.inputs[k];
      if (id < 0 || g_.tensor(id).dtype != DType::kF32) continue;
      if (is_conv_like(n.op) && k == 1) {
        m.inputs[k] = quantize_weights(id, n.op == OpType::kDepthwiseConv2D ? 3 : 0);
      } else if (is_conv_like(n.op) && k == 2) {
        const float s_in = q_.tensor(m.inputs[0]).quant.scale();
        m.inputs[k] = quantize_bias(id, s_in, q_.tensor(m.inputs[1]).quant);
      } else {
        m.inputs[k] = quant_of(id);
      }
    }
    const int out = n.outputs[0];
    QuantParams qp;
    switch (output_rule(n.op)) {
      case OutputRule::kCalibrated: qp = activation_params(range_of(out), opt_.activations); break;
      case OutputRule::kSameAsInput: qp = q_.tensor(m.inputs[0]).quant; break;
      case OutputRule::kProbability:  // [0, 1) in 1/256 steps from the type's lowest value
        qp.scales = {1.0f / 256.0f};
        qp.zero_points = {quant::qmin(opt_.activations)};
        break;
    }
    qid_[static_cast<size_t>(out)] = add_tensor(g_.tensor(out), opt_.activations, qp, "_int8");
    m.outputs = {qid_[static_cast<size_t>(out)]};
    q_.nodes.push_back(std::move(m));
    return {n.name, std::string(op_name(n.op)), out, qid_[static_cast<size_t>(out)]};
  }

  const Graph& g_;
  RangeTable ranges_;  // a copy: Concat inputs' ranges are widened
  const QuantizeOptions& opt_;
  std::vector<std::string> keys_;
  std::vector<int> qid_;         // float tensor id -> its int8 version in q_
  std::vector<bool> has_float_;  // the float tensor exists in q_
  Graph q_;
};

}  // namespace

QuantParams int8_params(RealRange r) {
  const double lo = std::min(r.min, 0.0f), hi = std::max(r.max, 0.0f);
  double scale = (hi - lo) / 255.0;
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;
  QuantParams q;
  q.scales = {static_cast<float>(scale)};
  q.zero_points = {std::clamp<int64_t>(std::llround(-128.0 - lo / scale), -128, 127)};
  return q;
}

QuantParams activation_params(RealRange r, DType t) {
  QuantParams q = int8_params(r);
  if (t == DType::kU8) q.zero_points[0] += 128;
  return q;
}

void require_float_graph(const Graph& g) {
  for (int id : g.inputs)
    if (g.tensor(id).dtype != DType::kF32)
      fail(ErrorCode::kUnsupported, g.source,
           "input '" + g.tensor(id).name + "' is " + std::string(dtype_name(g.tensor(id).dtype)) +
               ": post-training quantization needs a float model");
  for (const Node& n : g.nodes)
    if (n.op == OpType::kQuantize || n.op == OpType::kDequantize)
      fail(ErrorCode::kUnsupported, g.source,
           "node '" + n.name + "' is a " + std::string(op_name(n.op)) +
               ": the model is already quantized");
}

QuantizeResult quantize_graph(const Graph& g, const RangeTable& ranges,
                              const QuantizeOptions& opt) {
  require_float_graph(g);
  return Rewriter(g, ranges, opt).run();
}

}  // namespace edgebench::passes::quantize
