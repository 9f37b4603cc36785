// The backends this build knows, by name. Adding one is one line in kBackends.
#include <string>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/reference/reference_backend.h"
#include "util/error.h"

namespace edgebench {
namespace {

struct BackendEntry {
  std::string_view name;
  std::unique_ptr<Backend> (*make)();
};

constexpr BackendEntry kBackends[] = {
    {"reference", make_reference_backend},
    {"cpu", make_cpu_backend},
};

}  // namespace

std::unique_ptr<Backend> make_backend(std::string_view name) {
  for (const BackendEntry& b : kBackends)
    if (b.name == name) return b.make();
  std::string known;
  for (const BackendEntry& b : kBackends)
    known += (known.empty() ? "" : ", ") + std::string(b.name);
  fail(ErrorCode::kUsage, "", "unknown backend '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const BackendEntry& b : kBackends) names.emplace_back(b.name);
  return names;
}

}  // namespace edgebench
