// `edgebench export MODEL -o OUT.onnx [--quant-form qdq|qlinear]`: any model we
// import, written as ONNX (checked with ONNX's checker) for other runtimes.
#include <fmt/core.h>

#include "cli/commands.h"
#include "exporters/onnx/onnx_exporter.h"
#include "importers/import_model.h"

namespace edgebench::cli {
namespace {

struct ExportArgs {
  std::string model, output, quant_form = "qdq";
};

void run_export(const ExportArgs& a) {
  OnnxExportOptions opt;
  opt.quant_form = a.quant_form == "qlinear" ? OnnxExportOptions::QuantForm::kQLinear
                                             : OnnxExportOptions::QuantForm::kQdq;
  Graph g = import_model(a.model);
  export_onnx(g, a.output, opt);
  bool quantized = false;
  for (const Tensor& t : g.tensors) quantized = quantized || is_quantized_int(t.dtype);
  fmt::print("wrote {} ({} nodes, {}{})\n", a.output, g.nodes.size(),
             quantized ? "quantized, " : "float", quantized ? a.quant_form + " form" : "");
}

}  // namespace

void add_export(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* sub = app.add_subcommand("export", "Write a model as ONNX (opset 13)");
  sub->add_option("model", args->model, "Model file (.tflite or .onnx)")->required();
  sub->add_option("--output,-o", args->output, "ONNX file to write")->required();
  sub->add_option("--quant-form", args->quant_form,
                  "Quantized operators as qdq (QuantizeLinear/DequantizeLinear around float "
                  "operators) or qlinear (QLinearConv, QLinearMatMul)")
      ->check(CLI::IsMember({"qdq", "qlinear"}));
  sub->callback([args] { run_export(*args); });
}

}  // namespace edgebench::cli
