// Test helpers for passes: run a graph on the reference backend before and
// after a rewrite and compare.
#pragma once

#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::passes::testing {

// The rewritten graph computes what the original computed (reference backend,
// relative error <= tol).
inline void expect_same_function(const Graph& before, const Graph& after, double tol = 1e-5) {
  const auto in = cpu::testing::make_inputs(before);
  const auto want = cpu::testing::run_backend(before, "reference", in);
  const auto got = cpu::testing::run_backend(after, "reference", in);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_LE(cpu::testing::relative_error(cpu::testing::as_floats(got[i]),
                                           cpu::testing::as_floats(want[i])),
              tol)
        << "output " << i;
}

inline size_t count_ops(const Graph& g, OpType op) {
  size_t n = 0;
  for (const Node& node : g.nodes) n += node.op == op ? 1 : 0;
  return n;
}

}  // namespace edgebench::passes::testing
