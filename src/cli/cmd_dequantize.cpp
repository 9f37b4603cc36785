// `edgebench dequantize MODEL [-o OUT.onnx] [--ir]`: the float model a
// quantized one approximates (passes/dequantize.h), summarised, its IR printed
// or written out.
#include <fmt/core.h>

#include "cli/commands.h"
#include "importers/import_model.h"
#include "ir/cost.h"
#include "passes/dequantize.h"
#include "util/error.h"

namespace edgebench::cli {
namespace {

struct DequantizeArgs {
  std::string model;
  std::string output;
  bool ir = false;
};

// The real values a quantized input can take: [scale * (qmin - zp), scale * (qmax - zp)].
std::string real_range(const Tensor& t) {
  if (!is_quantized_int(t.dtype) || t.quant.empty()) return "";
  const double lo = t.dtype == DType::kU8 ? 0 : -128, hi = t.dtype == DType::kU8 ? 255 : 127;
  const double s = t.quant.scale(), zp = static_cast<double>(t.quant.zero_point());
  return fmt::format(", real values in [{:.4g}, {:.4g}]", s * (lo - zp), s * (hi - zp));
}

void run_dequantize(const DequantizeArgs& a) {
  Graph g = import_model(a.model);
  const Tensor in = g.tensor(g.inputs.at(0));
  const NodeCost before = graph_cost(g);
  const std::string precision = native_precision(g);
  const size_t nodes_before = g.nodes.size();
  const int rewrites = passes::dequantize(g);
  verify(g);
  if (rewrites == 0)
    fail(ErrorCode::kUsage, a.model, "the model is not quantized: nothing to dequantize");
  if (!a.output.empty())
    fail(ErrorCode::kUnsupported, a.output,
         "writing the float model needs the ONNX exporter, which this build does not have yet; "
         "evaluate it with `run --dequantize` or `bench --dequantize`");
  if (a.ir) {
    fmt::print("{}", print_ir(g));
    return;
  }
  const NodeCost after = graph_cost(g);
  const auto it = g.metadata.find("preprocess");
  fmt::print(
      "{}: {} tensors and {} Quantize/Dequantize nodes rewritten; weights {:.2f} MiB ({}) -> "
      "{:.2f} MiB (fp32)\ninput '{}' {} -> f32{}; preprocessing {}\n",
      a.model, rewrites - static_cast<int>(nodes_before - g.nodes.size()),
      nodes_before - g.nodes.size(), before.weight_bytes / 1048576.0, precision,
      after.weight_bytes / 1048576.0, in.name, dtype_name(in.dtype), real_range(in),
      it == g.metadata.end() ? "(from the model)" : it->second);
}

}  // namespace

void add_dequantize(CLI::App& app) {
  auto a = std::make_shared<DequantizeArgs>();
  auto* sub = app.add_subcommand(
      "dequantize", "The float model a quantized one approximates (weights dequantized)");
  sub->add_option("model", a->model, "Quantized model file (TFLite)")->required();
  sub->add_option("-o,--output", a->output, "Write the float model (ONNX)");
  sub->add_flag("--ir", a->ir, "Print the float model's IR");
  sub->callback([a] { run_dequantize(*a); });
}

}  // namespace edgebench::cli
