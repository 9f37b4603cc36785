// The backend wrapper: options, buffers, profiling, kernel names, the registry.
#include "backends/reference/reference_backend.h"

#include <gtest/gtest.h>

#include "backends/reference/test_graph_util.h"
#include "util/error.h"

namespace edgebench {
namespace {

using namespace ref::testing;

Graph relu_then_add() {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 4});
  const int r = b.tensor(DType::kF32, {1, 4});
  const int c = b.constant(DType::kF32, {4}, std::vector<float>{1, 2, 3, 4});
  const int y = b.tensor(DType::kF32, {1, 4});
  b.node(OpType::kRelu, {x}, r);
  b.node(OpType::kAdd, {r, c}, y, BinaryAttrs{});
  return b.build({y});
}

TEST(ReferenceBackend, RunsAndProfiles) {
  const Graph g = relu_then_add();
  auto model = make_reference_backend()->compile(g, BackendOptions{});
  EXPECT_EQ(model->kernel_names(), (std::vector<std::string>{"ref:relu_f32", "ref:add_f32"}));
  EXPECT_EQ(model->arena_bytes(), 3u * 16u);  // input, relu output, output; not the constant
  const std::vector<float> x = {-1, 1, -2, 2};
  std::vector<float> y(4), y2(4);
  model->run({x.data()}, {y.data()});
  EXPECT_EQ(y, (std::vector<float>{1, 3, 3, 6}));
  std::vector<NodeTiming> timings;
  model->run_profiled({x.data()}, {y2.data()}, timings);
  EXPECT_EQ(y2, y);
  ASSERT_EQ(timings.size(), 2u);
  EXPECT_EQ(timings[1].node, 1u);
  EXPECT_GE(timings[0].ms, 0.0);
}

TEST(ReferenceBackend, OptionsAndBufferCounts) {
  const Graph g = relu_then_add();
  BackendOptions opt;
  opt.threads = 8;  // ignored
  auto model = make_reference_backend()->compile(g, opt);
  const std::vector<float> x(4, 0.0f);
  std::vector<float> y(4);
  try {
    model->run({x.data(), x.data()}, {y.data()});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
  }
  opt.precision = "int8";
  try {
    make_reference_backend()->compile(g, opt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
  }
}

TEST(BackendRegistry, KnowsTheReferenceBackend) {
  EXPECT_EQ(make_backend("reference")->name(), "reference");
  const auto names = backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "reference"), names.end());
  try {
    make_backend("tpu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("reference"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgebench
