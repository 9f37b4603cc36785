#include "passes/quantize/calib_cache.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "util/error.h"
#include "util/sha256.h"

namespace edgebench::passes::quantize {

nlohmann::json CalibKey::to_json() const {
  nlohmann::json j = {{"model_sha256", model_sha256},
                      {"method", method},
                      {"count", count},
                      {"images_hash", images_hash},
                      {"preprocess", preprocess},
                      {"algorithm", kCalibAlgorithmVersion}};
  if (method == "percentile") j["percentile"] = percentile;
  return j;
}

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/edgebench";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/edgebench";
  return ".edgebench-cache";
}

std::string cache_path(const std::string& dir, const CalibKey& key) {
  const std::string k = key.to_json().dump();
  return dir + "/calib-" + sha256_hex(k.data(), k.size()).substr(0, 16) + ".json";
}

bool load_ranges(const std::string& path, const CalibKey& key, RangeTable& out) {
  std::ifstream f(path);
  if (!f) return false;
  const nlohmann::json j = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("key", nlohmann::json()) != key.to_json())
    return false;
  const auto ranges = j.value("ranges", nlohmann::json());
  if (!ranges.is_object()) return false;
  RangeTable t;
  for (const auto& [name, r] : ranges.items()) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number()) return false;
    t[name] = {r[0].get<float>(), r[1].get<float>()};
  }
  out = std::move(t);
  return true;
}

void save_ranges(const std::string& path, const CalibKey& key, const RangeTable& ranges) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  nlohmann::json r = nlohmann::json::object();
  for (const auto& [name, range] : ranges) r[name] = {range.min, range.max};
  // Write then rename, so a concurrent reader never sees half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) fail(ErrorCode::kInput, tmp, "cannot write the calibration cache");
    f << nlohmann::json{{"key", key.to_json()}, {"ranges", r}}.dump(1) << "\n";
    if (!f) fail(ErrorCode::kInput, tmp, "write failed");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(ErrorCode::kInput, path, "cannot write the calibration cache: " + ec.message());
}

}  // namespace edgebench::passes::quantize
