#include "harness/ptq.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "data/dataset.h"
#include "data/image.h"
#include "data/model_input.h"
#include "harness/machine.h"
#include "harness/progress.h"
#include "importers/import_model.h"
#include "models/zoo.h"
#include "passes/pass_manager.h"
#include "passes/quantize/bias_correction.h"
#include "passes/quantize/calib_cache.h"
#include "passes/quantize/calibrate.h"
#include "passes/quantize/quantize_graph.h"
#include "util/error.h"
#include "util/sha256.h"

namespace edgebench {
namespace pq = passes::quantize;
namespace {

constexpr const char* kBuiltin = "builtin:";

bool is_builtin(const std::string& model) {
  return model.rfind(kBuiltin, 0) == 0;
}

// Names and sizes of the images, so renaming or replacing one changes the key.
std::string image_list_hash(const std::string& dir, const std::vector<std::string>& images) {
  Sha256 h;
  for (const auto& p : images) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    const std::string line = std::filesystem::relative(p, dir, ec).string() + "\t" +
                             std::to_string(ec ? 0 : size) + "\n";
    h.update(line.data(), line.size());
  }
  return h.hex_digest();
}

std::vector<std::vector<std::byte>> preprocess_all(const Graph& g,
                                                   const std::vector<std::string>& images,
                                                   PreprocessFamily family, bool quiet) {
  const Tensor& in = g.tensor(g.inputs.at(0));
  const InputGeometry geo = image_input_geometry(in, g.source);
  const DecodeSettings decode = decode_settings(geo, family);
  std::vector<std::vector<std::byte>> out;
  Progress progress("calibration images", static_cast<int64_t>(images.size()), quiet);
  for (const auto& path : images) {
    Image img = decode_image_file(path, decode.target_w, decode.target_h, decode.fast_dct);
    out.emplace_back(in.bytes());
    preprocess_image(img, in, geo, family, out.back().data());
    progress.update(static_cast<int64_t>(out.size()));
  }
  progress.finish("");
  return out;
}

}  // namespace

Graph load_model_graph(const std::string& model) {
  if (!is_builtin(model)) return import_model(model);
  const std::string name = model.substr(std::string(kBuiltin).size());
  std::string known;
  for (const auto& e : zoo_models()) {
    if (e.name == name) return e.build();
    known += (known.empty() ? "" : ", ") + e.name;
  }
  fail(ErrorCode::kUsage, model, "unknown built-in model (" + known + ")");
}

std::string model_sha256(const std::string& model, const Graph& g) {
  if (!is_builtin(model)) return sha256_file(model);
  Sha256 h;
  for (const Tensor& t : g.tensors)
    if (t.is_const()) h.update(t.data.bytes(), t.data.size);
  return h.hex_digest();
}

PtqResult post_training_quantize(const Graph& float_graph, const std::string& sha256,
                                 const PtqOptions& opt) {
  PtqResult r;
  const pq::CalibMethod method = pq::parse_calib_method(opt.method);
  if (opt.calib_count < 1) fail(ErrorCode::kUsage, "--calib-count", "must be at least 1");
  if (opt.keep_float < 0) fail(ErrorCode::kUsage, "--keep-float", "must be >= 0");
  r.method = pq::calib_method_name(method);
  r.calib_dir = opt.calib_dir;

  // The graph calibrated and quantized is the float graph after the standard
  // clean-up, so activations fused into their producer are not observed apart.
  pq::require_float_graph(float_graph);
  Graph g = float_graph;
  passes::run_passes(g, passes::standard_passes());
  if (g.inputs.size() != 1)
    fail(ErrorCode::kUnsupported, g.source, "quantization needs a model with one image input");

  const std::vector<std::string> all = list_images(opt.calib_dir);
  if (all.empty())
    fail(ErrorCode::kInput, opt.calib_dir, "no calibration images (.jpg, .jpeg, .png, .bmp)");
  r.images_in_dir = all.size();
  r.calib_images.assign(all.begin(),
                        all.begin() + std::min(all.size(), static_cast<size_t>(opt.calib_count)));
  const PreprocessFamily family = opt.preprocess.empty() ? default_preprocess_family(g)
                                                         : parse_preprocess_family(opt.preprocess);
  r.preprocess = preprocess_family_name(family);
  const auto inputs = preprocess_all(g, r.calib_images, family, opt.quiet);

  pq::CalibKey key;
  key.model_sha256 = sha256;
  key.method = r.method;
  key.percentile = opt.percentile;
  key.count = static_cast<int>(r.calib_images.size());
  key.images_hash = image_list_hash(opt.calib_dir, r.calib_images);
  key.preprocess = r.preprocess;
  r.cache_file =
      pq::cache_path(opt.cache_dir.empty() ? pq::default_cache_dir() : opt.cache_dir, key);
  const int threads = opt.threads > 0 ? opt.threads : std::max(1, machine_info().cores);

  pq::RangeTable ranges;
  r.cache_hit = opt.use_cache && pq::load_ranges(r.cache_file, key, ranges);
  if (!r.cache_hit) {
    if (!opt.quiet) fmt::print(stderr, "calibrating ({}) ...\n", r.method);
    pq::CalibrateOptions co;
    co.method = method;
    co.percentile = opt.percentile;
    co.backend = opt.backend;
    co.threads = threads;
    ranges = pq::calibrate(g, inputs, co);
    if (opt.use_cache) pq::save_ranges(r.cache_file, key, ranges);
  }

  pq::QuantizeOptions qo;
  qo.per_channel = opt.per_channel;
  if (opt.activations != "uint8" && opt.activations != "int8")
    fail(ErrorCode::kUsage, opt.activations, "activation type must be uint8 or int8");
  qo.activations = opt.activations == "int8" ? DType::kI8 : DType::kU8;
  r.activations = opt.activations;
  r.bias_correction = opt.bias_correction;
  auto quantize = [&] {
    pq::QuantizeResult q = pq::quantize_graph(g, ranges, qo);
    if (opt.bias_correction) {
      if (!opt.quiet)
        fmt::print(stderr, "bias correction over {} images, layer by layer ...\n", inputs.size());
      r.bias_corrected_layers = pq::correct_biases(g, q, inputs, {opt.backend, threads});
    }
    return q;
  };
  pq::QuantizeResult q = quantize();
  if (opt.sensitivity || opt.keep_float > 0) {
    if (!opt.quiet) fmt::print(stderr, "per-layer SQNR over {} images ...\n", inputs.size());
    r.sensitivity = pq::layer_sqnr(g, q, inputs, {opt.backend, threads});
  }
  if (opt.keep_float > 0) {
    // Reshape and Transpose move int8 values exactly: their SQNR is their
    // input's, and keeping them float would only add conversions.
    for (const auto& layer : r.sensitivity) {
      if (r.kept_float.size() >= static_cast<size_t>(opt.keep_float)) break;
      if (layer.op == "Reshape" || layer.op == "Transpose") continue;
      qo.keep_float.insert(layer.node);
      r.kept_float.push_back(layer.node);
    }
    q = quantize();
  }
  r.quantized_nodes = q.layers.size();
  r.float_nodes = q.float_nodes;
  r.graph = std::move(q.graph);
  return r;
}

std::string ptq_text(const PtqResult& r, size_t sqnr_rows) {
  const size_t n = r.calib_images.size();
  std::string s = fmt::format(
      "int8 PTQ ({}, {} preprocessing, {} activations): calibrated on the first {} of {} images "
      "in {} (sorted by name); evaluate on the other {}.\n",
      r.method, r.preprocess, r.activations, n, r.images_in_dir, r.calib_dir, r.images_in_dir - n);
  s +=
      fmt::format("calibration cache: {} ({})\n", r.cache_hit ? "reused" : "written", r.cache_file);
  s += fmt::format("{} nodes int8, {} float", r.quantized_nodes, r.float_nodes.size());
  if (!r.float_nodes.empty()) {
    s += ":";
    for (const auto& f : r.float_nodes) s += ' ' + pq::display_name(f);
  }
  s += "\n";
  if (r.bias_correction)
    s +=
        fmt::format("bias correction: {} layers' int32 biases shifted by their mean output error\n",
                    r.bias_corrected_layers);
  if (!r.kept_float.empty()) {
    s += "kept in float (worst SQNR):";
    for (const auto& f : r.kept_float) s += ' ' + pq::display_name(f);
    s += "\n";
  }
  if (!r.sensitivity.empty()) {
    s += fmt::format("\nPer-layer SQNR vs float over the calibration images, worst {} of {}:\n",
                     std::min(sqnr_rows, r.sensitivity.size()), r.sensitivity.size());
    s += pq::sqnr_table(r.sensitivity, sqnr_rows);
  }
  return s;
}

nlohmann::json ptq_json(const PtqResult& r) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& p : r.calib_images)
    images.push_back(std::filesystem::path(p).filename().string());
  return {{"method", r.method},
          {"preprocess", r.preprocess},
          {"activations", r.activations},
          {"calib_dir", r.calib_dir},
          {"calib_images", images},
          {"images_in_dir", r.images_in_dir},
          {"cache_hit", r.cache_hit},
          {"cache_file", r.cache_file},
          {"quantized_nodes", r.quantized_nodes},
          {"float_nodes", r.float_nodes},
          {"kept_float", r.kept_float},
          {"bias_correction", r.bias_correction},
          {"bias_corrected_layers", r.bias_corrected_layers},
          {"sensitivity", pq::sqnr_json(r.sensitivity)}};
}

}  // namespace edgebench
