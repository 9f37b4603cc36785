// Weights packed over their own bytes (pack_float_constant): only when the
// backend holds the only copy and one node reads them; the results are those
// of the reference backend either way, and a caller's graph is never touched.
// Deferred weights (an importer's permutation of the file's bytes) are packed
// straight from their source, never made in the IR's order.
#include "backends/cpu/lowering.h"

#include <gtest/gtest.h>

#include <cstring>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"
#include "ir/permute.h"
#include "util/load_phases.h"

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
    std::memcpy(w.bytes, t.data.bytes(), t.data.size);
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
    const std::byte* w1_bytes = mine.tensor(w1).data.bytes();
    auto model = make_backend("cpu")->compile_owned(std::move(mine), BackendOptions{});
    EXPECT_LE(relative_error(run(*model, g, in), want), 1e-4);
    // Read by one node, its bytes now hold the packed (blocked) layout, which
    // differs from OHWI; read by two, they are left as they were.
    const bool unchanged =
        std::memcmp(w1_bytes, g.tensor(w1).data.bytes(), g.tensor(w1).data.size) == 0;
    EXPECT_EQ(unchanged, shared);
  }
}

TEST(PackInPlace, ACallersGraphIsLeftAsItWas) {
  const Graph g = with_private_constants(two_convs(false));
  std::vector<std::vector<std::byte>> before;
  for (const Tensor& t : g.tensors)
    if (t.is_const()) before.emplace_back(t.data.bytes(), t.data.bytes() + t.data.size);
  const auto in = make_inputs(g);
  auto model = make_backend("cpu")->compile(g, BackendOptions{});  // compiles a copy
  size_t k = 0;
  for (const Tensor& t : g.tensors) {
    if (!t.is_const()) continue;
    EXPECT_EQ(std::memcmp(t.data.bytes(), before[k++].data(), t.data.size), 0);
  }
  EXPECT_LE(
      relative_error(run(*model, g, in), as_floats(testing::run_backend(g, "reference", in)[0])),
      1e-4);
}

// Tensor `id`'s bytes replaced by the same values seen through a deferred
// permutation: a source whose axis perm[i] is the tensor's axis i (as an
// ONNX file's OIHW filter is the IR's OHWI with perm {0, 2, 3, 1}), stored one
// byte past an aligned address when `misaligned`.
void defer(Graph& g, int id, const std::vector<int>& perm, bool misaligned = false) {
  Tensor& t = g.tensor(id);
  Shape source_shape(t.shape.size());
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    source_shape[static_cast<size_t>(perm[i])] = t.shape[i];
    inverse[static_cast<size_t>(perm[i])] = static_cast<int>(i);
  }
  auto storage = std::make_shared<std::vector<std::byte>>(t.data.size + 1);
  std::byte* source = storage->data() + (misaligned ? 1 : 0);
  permute_bytes(t.data.bytes(), source, sizeof(float), t.shape, inverse);
  t.data = ConstData::permuted(ConstData(source, t.data.size, storage), sizeof(float), source_shape,
                               perm);
}

TEST(PackFromSource, DeferredWeightsArePackedFromTheirSourceBytes) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, 8, 8, kC});
  const auto weights = [&](Shape s, unsigned seed) {
    const auto n = static_cast<size_t>(shape_elements(s));
    return b.constant(kF32, s, random_values<float>(n, -0.1, 0.1, seed));
  };
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  const int w1 = weights({32, 3, 3, kC}, 1);  // 72 KiB: packed in fresh pages
  const int h1 = b.tensor(kF32, {1, 8, 8, 32});
  b.node(OpType::kConv2D, {x, w1, weights({32}, 2)}, h1, a);
  Conv2DAttrs grouped = a;
  grouped.groups = 4;
  const int w2 = weights({32, 3, 3, 8}, 3);
  const int h2 = b.tensor(kF32, {1, 8, 8, 32});
  b.node(OpType::kConv2D, {h1, w2, -1}, h2, grouped);
  const int w3 = weights({1, 3, 3, 32}, 4);
  const int h3 = b.tensor(kF32, {1, 8, 8, 32});
  b.node(OpType::kDepthwiseConv2D, {h2, w3, -1}, h3, a);
  const int w4 = weights({10, 32}, 5);
  const int h4 = b.tensor(kF32, {1, 8, 8, 10});
  FullyConnectedAttrs fc;
  fc.keep_num_dims = true;
  b.node(OpType::kFullyConnected, {h3, w4, -1}, h4, fc);
  const int w5 = weights({12, 10}, 6);
  const int y = b.tensor(kF32, {1, 8, 8, 12});
  b.node(OpType::kFullyConnected, {h4, w5, -1}, y, fc);
  const Graph g = b.build({y});
  const auto in = make_inputs(g);
  const auto want = as_floats(testing::run_backend(g, "reference", in)[0]);

  Graph deferred = g;
  defer(deferred, w1, {0, 2, 3, 1});                 // OIHW -> OHWI
  defer(deferred, w2, {0, 2, 3, 1});                 // grouped: [G, O/G, ...] steps along O
  defer(deferred, w3, {1, 2, 3, 0});                 // [C, 1, KH, KW] -> [1, KH, KW, C]
  defer(deferred, w4, {1, 0});                       // Gemm's [K, N] -> [N, K]
  defer(deferred, w5, {0, 1}, /*misaligned=*/true);  // external data at an odd offset
  const LoadPhases phases;
  auto model = make_backend("cpu")->compile_owned(std::move(deferred), BackendOptions{});
  for (const auto& [name, seconds] : phases.seconds())
    EXPECT_NE(name, "permute_weights") << "weights were made in the IR's order";
  EXPECT_LE(relative_error(run(*model, g, in), want), 1e-5);
}

}  // namespace
}  // namespace edgebench::cpu
