#include "passes/dequantize.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "passes/graph_edit.h"
#include "passes/pass_manager.h"
#include "util/error.h"

namespace edgebench::passes {
namespace {

bool is_quantized(const Tensor& t) {
  return is_quantized_int(t.dtype) || (t.dtype == DType::kI32 && !t.quant.empty());
}

template <typename T>
std::vector<float> dequantize_values(const Tensor& t) {
  const auto q = t.const_span<T>();
  const QuantParams& p = t.quant;
  // Elements between consecutive indices of the quantized axis (row-major).
  int64_t stride = 1, channels = 1;
  if (p.per_channel()) {
    channels = t.shape[static_cast<size_t>(p.axis)];
    for (size_t d = static_cast<size_t>(p.axis) + 1; d < t.shape.size(); ++d) stride *= t.shape[d];
  }
  std::vector<float> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const size_t c =
        p.per_channel() ? static_cast<size_t>((static_cast<int64_t>(i) / stride) % channels) : 0;
    // In double: an int32 bias times a small scale keeps float's precision.
    out[i] = static_cast<float>(static_cast<double>(p.scale(c)) *
                                static_cast<double>(static_cast<int64_t>(q[i]) - p.zero_point(c)));
  }
  return out;
}

std::vector<float> dequantize_constant(const Tensor& t) {
  switch (t.dtype) {
    case DType::kU8: return dequantize_values<uint8_t>(t);
    case DType::kI8: return dequantize_values<int8_t>(t);
    case DType::kI32: return dequantize_values<int32_t>(t);
    default: return {};
  }
}

void replace_uses(Graph& g, int from, int to) {
  for (Node& n : g.nodes)
    for (int& id : n.inputs)
      if (id == from) id = to;
  for (int& id : g.outputs)
    if (id == from) id = to;
}

}  // namespace

int dequantize(Graph& g) {
  int rewrites = 0;
  for (Tensor& t : g.tensors) {
    if (!is_quantized(t)) continue;
    if (t.quant.empty())
      fail(ErrorCode::kUnsupported, g.source,
           "tensor '" + t.name + "' is " + std::string(dtype_name(t.dtype)) +
               " without quantization parameters: no real values to dequantize to");
    if (t.is_const()) t.data = make_owned_const(dequantize_constant(t));
    t.dtype = DType::kF32;
    t.quant = {};
    ++rewrites;
  }
  // Quantize/Dequantize between two f32 tensors are identities now.
  std::vector<bool> erase(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op != OpType::kQuantize && n.op != OpType::kDequantize) continue;
    const int x = n.inputs[0], y = n.outputs[0];
    if (g.tensor(x).dtype != DType::kF32 || g.tensor(y).dtype != DType::kF32) continue;
    if (is_graph_input(g, y)) continue;  // cannot happen in a verified graph; keep it if so
    replace_uses(g, y, x);
    erase[i] = true;
    ++rewrites;
  }
  erase_nodes(g, erase);
  if (rewrites > 0) {
    // The float model's input takes real values in the range the quantized
    // input described; TFLite classifiers are TF-slim models with
    // "inception" preprocessing (data/model_input.cpp's default for TFLite),
    // said explicitly so that it survives export to another format.
    if (!g.metadata.count("preprocess") && g.format == "tflite")
      g.metadata["preprocess"] = "inception";
    g.metadata["dequantized_from"] = g.source;
  }
  return rewrites;
}

void dequantize_graph(Graph& g) {
  run_passes(g, {{"dequantize", dequantize}});
}

}  // namespace edgebench::passes
