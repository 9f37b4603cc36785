// `edgebench run`: evaluate a classifier over a labelled image set and measure
// the study's figures. Decoding and preprocessing run on worker threads feeding a
// bounded queue while the calling thread runs inference, so end-to-end
// throughput approaches the inference-only rate.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "harness/metrics.h"
#include "harness/ptq.h"

namespace edgebench {

struct RunOptions {
  std::string model;
  std::string dataset;
  DatasetOptions dataset_options;
  std::string labels;       // optional label file, for names in per-image results
  std::string preprocess;   // empty: from the model
  int64_t skip = 0;         // leave out the first N images (sorted by path), e.g. calibration ones
  int64_t limit = 0;        // 0: all images (after skip)
  bool dequantize = false;  // run the float equivalent of a quantized model
  std::string cache_dir;    // SessionOptions::cache_dir (a model file, without --ptq)
  // Non-empty calib_dir: quantize the float model to int8 in memory first.
  PtqOptions ptq;
  std::string backend = "cpu";
  std::string precision = "fp32";
  int threads = 0;  // 0: all cores this process may use
  bool quiet = false;
  bool strict = false;      // first unreadable image is an error
  std::string dump_inputs;  // folder: write each preprocessed input tensor as .npy
  // Seconds on a monotonic clock; injectable so tests can drive the timings.
  std::function<double()> clock;
};

struct ImageResult {
  std::string path;
  int label = -1;         // ImageNet class index
  std::vector<int> top5;  // output indices, best first
  std::vector<float> top5_scores;
};

struct RunResult {
  RunOptions options;
  Metrics metrics;
  std::string model_sha256;
  std::string dataset_hash;
  std::string dataset_layout;
  std::string preprocess;
  std::string backend;
  std::string precision;  // effective: the flag, or the model's own (int8) under the default fp32
  std::string precision_mode;  // how it was computed (CompiledModel::precision_mode)
  // Which images of the sorted dataset were evaluated: [first, first + count).
  size_t dataset_size = 0, first_index = 0, count = 0;
  std::string first_image, last_image;
  int inference_threads = 1;
  int decode_threads = 1;
  int output_offset = 0;  // output index = class index + offset
  std::vector<ImageResult> images;
  std::vector<std::string> failed;  // "path: reason"
  std::string ptq_text;             // with --ptq: what the quantization did
  nlohmann::json ptq;               // the same as JSON (null without --ptq)
};

RunResult run_classification(const RunOptions& opt);

}  // namespace edgebench
