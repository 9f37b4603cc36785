// Runs graph passes in order, re-verifying the graph after each one. With the
// environment variable EDGEBENCH_PRINT_IR set, prints the IR before the first
// pass and after every pass that changed something (stderr).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgebench::passes {

struct Pass {
  std::string name;
  int (*apply)(Graph&);  // returns the number of rewrites
};

// The float graph clean-up every optimizing backend wants: fold_pad,
// fold_batch_norm, then fuse_activation.
const std::vector<Pass>& standard_passes();

struct PassReport {
  std::string name;
  int rewrites = 0;
};

std::vector<PassReport> run_passes(Graph& g, const std::vector<Pass>& passes);

}  // namespace edgebench::passes
