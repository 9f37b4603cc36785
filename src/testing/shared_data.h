// Tests' access to ../shared (models, images, zoo): EDGEBENCH_SHARED if set,
// else ../shared beside the checkout. Tests skip with this message when absent.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace edgebench::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EDGEBENCH_SHARED"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(EDGEBENCH_SOURCE_DIR) / ".." / "shared";
}

inline constexpr const char* kNoSharedData =
    "shared data not found: set EDGEBENCH_SHARED to the shared folder, or place it at ../shared "
    "beside the checkout";

// The committed TFLite oracle fixtures (tests/fixtures/tflite/<model>/, from
// tools/make_tflite_fixtures.py), one folder per model, sorted by name.
inline std::filesystem::path tflite_fixtures_dir() {
  return std::filesystem::path(EDGEBENCH_SOURCE_DIR) / "tests" / "fixtures" / "tflite";
}

inline std::vector<std::string> tflite_fixture_models() {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  if (fs::is_directory(tflite_fixtures_dir()))
    for (const auto& e : fs::directory_iterator(tflite_fixtures_dir()))
      if (e.is_directory() && fs::exists(e.path() / "meta.json"))
        names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace edgebench::testing
