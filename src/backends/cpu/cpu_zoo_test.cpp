// The study's three architectures (built in code, f32) on the cpu backend
// against the reference backend: relative error <= 1e-4 of the output's scale.
// Checks the logits too (the softmax of random weights is nearly flat).
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/cpu/cpu_test_util.h"
#include "importers/import_model.h"
#include "models/zoo.h"
#include "testing/shared_data.h"

namespace edgebench::cpu {
namespace {

using testing::as_floats;
using testing::make_inputs;
using testing::relative_error;
using testing::run_backend;

// The graph with the softmax's input as a second output.
Graph with_logits(Graph g) {
  for (const Node& n : g.nodes)
    if (n.op == OpType::kSoftmax) g.outputs.push_back(n.inputs[0]);
  return g;
}

class CpuZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuZoo, MatchesReference) {
  for (const auto& entry : zoo_models()) {
    if (entry.name != GetParam()) continue;
    const Graph g = with_logits(entry.build());
    const auto in = make_inputs(g);
    const auto want = run_backend(g, "reference", in);
    for (int threads : {1, 2}) {
      const auto got = run_backend(g, "cpu", in, threads);
      for (size_t i = 0; i < want.size(); ++i) {
        const double err = relative_error(as_floats(got[i]), as_floats(want[i]));
        EXPECT_LE(err, 1e-4) << "output " << i << ", " << threads << " threads";
        std::printf("[ zoo      ] %s output %zu, %d threads: relative error %.2e\n",
                    entry.name.c_str(), i, threads, err);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CpuZoo,
                         ::testing::Values("mobilenet_v1", "mobilenet_v2", "inception_v3"));

// The same architectures as exported ONNX files (shared/zoo): standalone Relu,
// Pad + AveragePool and an NCHW input transpose go through the passes and the
// fallback; the outputs must still agree with the reference backend's.
class CpuOnnxZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuOnnxZoo, MatchesReference) {
  const auto path = edgebench::testing::shared_dir() / "zoo" / GetParam() / "model.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << edgebench::testing::kNoSharedData;
  const Graph g = import_model(path.string());
  const auto in = make_inputs(g);
  const auto want = run_backend(g, "reference", in);
  for (int threads : {1, 2}) {
    const auto got = run_backend(g, "cpu", in, threads);
    const double err = relative_error(as_floats(got[0]), as_floats(want[0]));
    EXPECT_LE(err, 1e-4) << threads << " threads";
    std::printf("[ onnx zoo ] %s, %d threads: relative error %.2e\n", GetParam().c_str(), threads,
                err);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CpuOnnxZoo,
                         ::testing::Values("mobilenet_v1", "mobilenet_v2", "inception_v3"));

}  // namespace
}  // namespace edgebench::cpu
