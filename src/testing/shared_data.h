// Tests' access to ../shared (models, images, zoo): EDGEBENCH_SHARED if set,
// else ../shared beside the checkout. Tests skip with this message when absent.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace edgebench::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EDGEBENCH_SHARED"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(EDGEBENCH_SOURCE_DIR) / ".." / "shared";
}

inline constexpr const char* kNoSharedData =
    "shared data not found: set EDGEBENCH_SHARED to the shared folder, or place it at ../shared "
    "beside the checkout";

}  // namespace edgebench::testing
