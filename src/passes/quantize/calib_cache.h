// The calibration cache: calibrated ranges saved as JSON, reused when the
// model (sha256 of its file), the method, the image count and the image list
// (hash of names and sizes) are the same. Files live in
// $XDG_CACHE_HOME/edgebench (default ~/.cache/edgebench), one per key.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "passes/quantize/calibrate.h"

namespace edgebench::passes::quantize {

// Bumped whenever the range methods change, so stale caches stop matching.
constexpr int kCalibAlgorithmVersion = 2;

struct CalibKey {
  std::string model_sha256;
  std::string method;
  double percentile = 0;  // percentile method only
  int count = 0;
  std::string images_hash;
  std::string preprocess;

  nlohmann::json to_json() const;
};

// $XDG_CACHE_HOME/edgebench, else $HOME/.cache/edgebench, else ".edgebench-cache".
std::string default_cache_dir();
// <dir>/calib-<first 16 hex digits of sha256(key)>.json
std::string cache_path(const std::string& dir, const CalibKey& key);

// True when `path` holds ranges saved under the same key (a missing, damaged
// or stale file is a miss, never an error).
bool load_ranges(const std::string& path, const CalibKey& key, RangeTable& out);
// Creates the folder; throws Error(kInput) when the file cannot be written.
void save_ranges(const std::string& path, const CalibKey& key, const RangeTable& ranges);

}  // namespace edgebench::passes::quantize
