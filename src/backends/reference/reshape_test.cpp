#include "backends/reference/reshape.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"

namespace edgebench::ref {
namespace {

using namespace testing;

TEST(Reshape, CopiesBytes) {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 1, 1, 4}, per_tensor(0.5f, 3));
  const int y = b.tensor(DType::kU8, {2, 2}, per_tensor(0.5f, 3));
  b.node(OpType::kReshape, {x}, y);
  const Graph g = b.build({y});
  EXPECT_EQ(ints(run<uint8_t>(g, std::vector<uint8_t>{0, 1, 254, 255})),
            (std::vector<int>{0, 1, 254, 255}));
}

}  // namespace
}  // namespace edgebench::ref
