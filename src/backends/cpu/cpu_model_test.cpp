// The arena reuses a graph input's bytes once its last reader has run (the
// input is copied in again on every run), so runs with different inputs must
// each match the reference.
#include "backends/cpu/cpu_model.h"

#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::as_floats;
using testing::make_inputs;
using testing::relative_error;
using testing::run_backend;

TEST(CpuModel, RunsAgainWithANewInputAfterItsSpaceWasReused) {
  // x is read by the first convolution only; the wider tensors after it can
  // take its place in the arena.
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 16, 16, 8});
  int t = x, c = 8;
  for (int cout : {32, 32, 4}) {
    const int w = b.constant(DType::kF32, {cout, 1, 1, c},
                             random_values<float>(static_cast<size_t>(cout * c), -0.5, 0.5, cout));
    const int y = b.tensor(DType::kF32, {1, 16, 16, cout});
    b.node(OpType::kConv2D, {t, w, -1}, y, Conv2DAttrs{});
    t = y, c = cout;
  }
  const Graph g = b.build({t});
  auto model = make_backend("cpu")->compile(g, BackendOptions{});
  for (unsigned seed : {1u, 2u, 3u}) {
    const auto in = make_inputs(g, seed);
    std::vector<std::byte> out(g.tensor(g.outputs[0]).bytes());
    model->run({in[0].data()}, {out.data()});
    EXPECT_LE(relative_error(as_floats(out), as_floats(run_backend(g, "reference", in)[0])), 1e-5)
        << "input " << seed;
  }
}

}  // namespace
}  // namespace edgebench::cpu
