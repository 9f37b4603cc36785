// Post-training int8 quantization of a float model, end to end: the one
// function behind `edgebench quantize` and `run`/`bench --ptq`.
//   calibration images (the first N of a folder, sorted by name)
//   -> the model's preprocessing -> calibrate (or the cached ranges)
//   -> quantize_graph -> optional bias correction -> optional per-layer SQNR
//   and --keep-float K.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/quantize/sensitivity.h"

namespace edgebench {

struct PtqOptions {
  std::string calib_dir;  // empty: no quantization
  int calib_count = 100;  // the first N images, sorted by name
  std::string method = "entropy";
  double percentile = 99.99;
  bool per_channel = true;
  std::string activations = "uint8";  // uint8 (ONNX Runtime's default) | int8 (TFLite's)
  int keep_float = 0;                 // keep the K layers with the worst SQNR in float
  bool bias_correction = false;       // empirical bias correction on the calibration images
  bool sensitivity = false;           // compute the SQNR table (always when keep_float > 0)
  std::string preprocess;             // empty: from the model
  std::string backend = "cpu";        // runs calibration and sensitivity
  int threads = 0;                    // 0: all cores
  std::string cache_dir;              // empty: passes::quantize::default_cache_dir()
  bool use_cache = true;
  bool quiet = false;
};

struct PtqResult {
  Graph graph;  // the int8 graph
  std::string method, preprocess, activations;
  std::string calib_dir;
  std::vector<std::string> calib_images;  // the images used, sorted
  size_t images_in_dir = 0;
  bool cache_hit = false;
  std::string cache_file;
  size_t quantized_nodes = 0;
  bool bias_correction = false;
  int bias_corrected_layers = 0;                         // layers whose int32 bias changed
  std::vector<std::string> float_nodes;                  // left in float (no int8 kernel or kept)
  std::vector<std::string> kept_float;                   // kept in float by keep_float
  std::vector<passes::quantize::LayerSqnr> sensitivity;  // worst first; before keep_float
};

// A float model: a model file, or builtin:<zoo name> (seeded weights).
Graph load_model_graph(const std::string& model);
// sha256 of the model file; for builtin models, of the graph's constants.
std::string model_sha256(const std::string& model, const Graph& g);

PtqResult post_training_quantize(const Graph& float_graph, const std::string& model_sha256,
                                 const PtqOptions& opt);

// What was done, in a few lines for the terminal (calibration set, cache,
// float nodes; the SQNR table's worst `sqnr_rows` rows when computed).
std::string ptq_text(const PtqResult& r, size_t sqnr_rows = 5);
nlohmann::json ptq_json(const PtqResult& r);

}  // namespace edgebench
