#include "passes/pass_manager.h"

#include <cstdio>
#include <cstdlib>

#include "passes/fold_batch_norm.h"
#include "passes/fold_pad.h"
#include "passes/fuse_activation.h"

namespace edgebench::passes {

const std::vector<Pass>& standard_passes() {
  static const std::vector<Pass> kPasses = {
      {"fold_pad", fold_pad},
      {"fold_batch_norm", fold_batch_norm},
      {"fuse_activation", fuse_activation},
  };
  return kPasses;
}

std::vector<PassReport> run_passes(Graph& g, const std::vector<Pass>& passes) {
  const char* env = std::getenv("EDGEBENCH_PRINT_IR");
  const bool print = env && *env;
  if (print) std::fprintf(stderr, "=== IR before passes\n%s\n", print_ir(g).c_str());
  std::vector<PassReport> report;
  for (const Pass& p : passes) {
    const int n = p.apply(g);
    verify(g);
    report.push_back({p.name, n});
    if (print && n > 0)
      std::fprintf(stderr, "=== IR after %s (%d rewrites)\n%s\n", p.name.c_str(), n,
                   print_ir(g).c_str());
  }
  return report;
}

}  // namespace edgebench::passes
