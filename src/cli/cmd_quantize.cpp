// `edgebench quantize MODEL --calib DIR ...`: int8 post-training quantization
// of a float model, with the per-layer SQNR table; and the --ptq flags that let
// `run` and `bench` do the same in memory.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "exporters/onnx/onnx_exporter.h"
#include "harness/ptq.h"
#include "passes/dequantize.h"
#include "util/error.h"

namespace edgebench::cli {
namespace {

struct QuantizeArgs {
  std::string model, output, json;
  PtqOptions ptq;
  size_t sqnr_rows = 10;
  bool dequantize = false;  // start from the float equivalent of a quantized model
};

const std::vector<std::string> kMethods = {"minmax", "percentile", "entropy", "mse"};

void run_quantize(QuantizeArgs& a) {
  // Fail on an unwritable output before minutes of calibration.
  if (!a.output.empty()) {
    const auto dir = std::filesystem::path(a.output).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      fail(ErrorCode::kInput, a.output, "cannot write: no folder " + dir.string());
  }
  a.ptq.sensitivity = true;
  Graph g = load_model_graph(a.model);
  if (a.dequantize) passes::dequantize_graph(g);
  const PtqResult r = post_training_quantize(g, model_sha256(a.model, g), a.ptq);
  fmt::print("{}", ptq_text(r, a.sqnr_rows));
  if (!a.output.empty()) {
    export_onnx(r.graph, a.output);  // QDQ: what ONNX Runtime's quantizer writes
    fmt::print("wrote {} (ONNX, QDQ)\n", a.output);
  }
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    if (!f) fail(ErrorCode::kUsage, a.json, "cannot write");
    nlohmann::json j = ptq_json(r);
    j["model"] = a.model;
    f << j.dump(2) << "\n";
    if (!f) fail(ErrorCode::kUsage, a.json, "write failed");
  }
}

}  // namespace

void add_ptq_flags(CLI::App& sub, PtqOptions& o) {
  sub.add_option("--ptq", o.calib_dir,
                 "Quantize the float model to int8 first, calibrating on the images in DIR "
                 "(those images are not evaluated)");
  sub.add_option("--ptq-count", o.calib_count,
                 "Calibration images: the first N by name (default 100)")
      ->check(CLI::Range(1, 1000000));
  sub.add_option("--ptq-method", o.method, "minmax | percentile | entropy | mse (default entropy)")
      ->check(CLI::IsMember(kMethods));
  sub.add_option("--ptq-keep-float", o.keep_float, "Keep the K layers with the worst SQNR in float")
      ->check(CLI::Range(0, 1000000));
  sub.add_flag("--ptq-bias-correction", o.bias_correction,
               "Shift each layer's int32 bias by its mean output error on the calibration images");
  sub.add_option("--ptq-activations", o.activations, "uint8 | int8 (default uint8)")
      ->check(CLI::IsMember({"uint8", "int8"}));
}

void add_quantize(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  auto* sub = app.add_subcommand(
      "quantize", "INT8 post-training quantization of a float model, with a per-layer SQNR report");
  sub->add_option("model", a->model, "Float model file, or builtin:<zoo model>")->required();
  sub->add_option("--calib", a->ptq.calib_dir, "Folder of calibration images")->required();
  sub->add_option("--calib-count", a->ptq.calib_count,
                  "Use the first N images, sorted by name (default 100)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--method", a->ptq.method,
                  "minmax | percentile | entropy | mse (default entropy)")
      ->check(CLI::IsMember(kMethods));
  sub->add_option("--percentile", a->ptq.percentile, "Percentile for --method percentile (99.99)")
      ->check(CLI::Range(50.0, 100.0));
  sub->add_flag("--per-channel,!--per-tensor", a->ptq.per_channel,
                "Weight scales per output channel (default) or one per tensor");
  sub->add_option("--activations", a->ptq.activations,
                  "Activation type: uint8 (default; ONNX Runtime's quantize_static default) or "
                  "int8 (TFLite's); the same grid 128 apart, the same results")
      ->check(CLI::IsMember({"uint8", "int8"}));
  sub->add_option("--keep-float", a->ptq.keep_float,
                  "Keep the K layers with the worst SQNR in float (mixed precision)")
      ->check(CLI::Range(0, 1000000));
  sub->add_flag("--bias-correction", a->ptq.bias_correction,
                "Shift each layer's int32 bias by its mean output error on the calibration images "
                "(empirical bias correction, layer by layer)");
  sub->add_flag("--dequantize", a->dequantize,
                "Quantize the float equivalent of a quantized model (weights dequantized first)");
  sub->add_option("--preprocess", a->ptq.preprocess,
                  "inception | torchvision | caffe (default: from the model)");
  sub->add_option("--backend", a->ptq.backend, "Backend running calibration: cpu | reference");
  sub->add_option("--threads", a->ptq.threads, "Threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  sub->add_flag(
      "--no-cache", [a](int64_t) { a->ptq.use_cache = false; },
      "Calibrate even when cached ranges match, and do not write the cache");
  sub->add_option("--sqnr-rows", a->sqnr_rows, "Rows of the SQNR table to print (default 10)");
  sub->add_option("--json", a->json,
                  "Write the report (calibration set, SQNR of every layer) as JSON");
  sub->add_option("-o,--output", a->output, "Write the quantized model as ONNX (QDQ)");
  sub->add_flag("--quiet,-q", a->ptq.quiet, "No progress on stderr");
  sub->callback([a] { run_quantize(*a); });
}

}  // namespace edgebench::cli
