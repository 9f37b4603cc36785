// Weights packed over their own bytes (pack_float_constant): only when the
// backend holds the only copy and one node reads them; the results are those
// of the reference backend either way, and a caller's graph is never touched.
#include "backends/cpu/lowering.h"

#include <gtest/gtest.h>

#include <cstring>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::as_floats;
using testing::make_inputs;
using testing::relative_error;

constexpr auto kF32 = DType::kF32;
constexpr int kC = 64;  // 3x3 weights of 144 KiB: large enough to be packed in place

// x -> conv(w1) -> conv(w2) -> y; with `shared`, both convolutions read w1.
Graph two_convs(bool shared) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 6, 6, kC});
  const auto weights = [&](unsigned seed) {
    return b.constant(kF32, {kC, 3, 3, kC}, random_values<float>(kC * 9 * kC, -0.1, 0.1, seed));
  };
  const int w1 = weights(1);
  const int w2 = shared ? w1 : weights(2);
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  const int h = b.tensor(kF32, {1, 6, 6, kC});
  b.node(OpType::kConv2D, {x, w1, -1}, h, a);
  const int y = b.tensor(kF32, {1, 6, 6, kC});
  b.node(OpType::kConv2D, {h, w2, -1}, y, a);
  return b.build({y});
}

// The graph with its constants copied into private buffers, as the importer
// leaves converted weights (make_writable_const).
Graph with_private_constants(Graph g) {
  for (Tensor& t : g.tensors) {
    if (!t.is_const()) continue;
    WritableConst w = make_writable_const(t.data.size);
    std::memcpy(w.bytes, t.data.ptr, t.data.size);
    t.data = std::move(w.data);
  }
  return g;
}

std::vector<float> run(CompiledModel& m, const Graph& g,
                       const std::vector<std::vector<std::byte>>& in) {
  std::vector<std::byte> out(g.tensor(g.outputs[0]).bytes());
  m.run({in[0].data()}, {out.data()});
  return as_floats(out);
}

TEST(PackInPlace, TheOnlyCopyIsPackedOverItsOwnBytes) {
  for (bool shared : {false, true}) {
    SCOPED_TRACE(shared ? "weights read by two nodes" : "weights read by one node");
    const Graph g = two_convs(shared);
    const auto in = make_inputs(g);
    const auto want = as_floats(testing::run_backend(g, "reference", in)[0]);
    Graph mine = with_private_constants(g);
    const int w1 = mine.nodes[0].inputs[1];
    const std::byte* w1_bytes = mine.tensor(w1).data.ptr;
    auto model = make_backend("cpu")->compile_owned(std::move(mine), BackendOptions{});
    EXPECT_LE(relative_error(run(*model, g, in), want), 1e-4);
    // Read by one node, its bytes now hold the packed (blocked) layout, which
    // differs from OHWI; read by two, they are left as they were.
    const bool unchanged =
        std::memcmp(w1_bytes, g.tensor(w1).data.ptr, g.tensor(w1).data.size) == 0;
    EXPECT_EQ(unchanged, shared);
  }
}

TEST(PackInPlace, ACallersGraphIsLeftAsItWas) {
  const Graph g = with_private_constants(two_convs(false));
  std::vector<std::vector<std::byte>> before;
  for (const Tensor& t : g.tensors)
    if (t.is_const()) before.emplace_back(t.data.ptr, t.data.ptr + t.data.size);
  const auto in = make_inputs(g);
  auto model = make_backend("cpu")->compile(g, BackendOptions{});  // compiles a copy
  size_t k = 0;
  for (const Tensor& t : g.tensors) {
    if (!t.is_const()) continue;
    EXPECT_EQ(std::memcmp(t.data.ptr, before[k++].data(), t.data.size), 0);
  }
  EXPECT_LE(
      relative_error(run(*model, g, in), as_floats(testing::run_backend(g, "reference", in)[0])),
      1e-4);
}

}  // namespace
}  // namespace edgebench::cpu
