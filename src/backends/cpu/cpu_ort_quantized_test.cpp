// ONNX Runtime quantize_static models (uint8 activations, int8 per-channel
// weights; tests/fixtures/onnx_qdq and onnx_qop, from
// tools/make_ort_quant_fixtures.py), in both of its formats: QDQ, and
// QOperator with its com.microsoft operators. On both backends every weighted
// and element-wise operator runs quantized, the cpu backend equals the
// reference byte for byte at 1 and 2 threads, and both stay within one output
// step of ONNX Runtime's own result.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "backends/backend.h"
#include "backends/cpu/cpu_test_util.h"
#include "importers/onnx/onnx_importer.h"
#include "util/npy.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  return fs::path(EDGEBENCH_SOURCE_DIR) / "tests" / "fixtures" / name;
}

class CpuOrtQuantized : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuOrtQuantized, OperatorsImportQuantized) {
  const Graph g = import_onnx((fixture(GetParam()) / "model.onnx").string());
  const std::set<OpType> quantized = {OpType::kConv2D,
                                      OpType::kDepthwiseConv2D,
                                      OpType::kFullyConnected,
                                      OpType::kAdd,
                                      OpType::kMul,
                                      OpType::kConcat,
                                      OpType::kMean};
  int weighted = 0, seen = 0;
  for (const Node& n : g.nodes) {
    if (!quantized.count(n.op)) continue;
    ++seen;
    EXPECT_EQ(g.tensor(n.outputs[0]).dtype, DType::kU8) << n.name;
    if (n.op == OpType::kAdd || n.op == OpType::kMul || n.op == OpType::kConcat ||
        n.op == OpType::kMean)
      continue;
    ++weighted;
    EXPECT_EQ(g.tensor(n.inputs[0]).dtype, DType::kU8) << n.name;
    EXPECT_EQ(g.tensor(n.inputs[1]).dtype, DType::kI8) << n.name;
  }
  EXPECT_EQ(weighted, 6);  // 3x3, depthwise, three pointwise, Gemm
  EXPECT_EQ(seen, 10);     // and Add, Mul, Concat, GlobalAveragePool
}

TEST_P(CpuOrtQuantized, CpuEqualsReferenceAndOnnxRuntimeWithinOneStep) {
  const fs::path dir = fixture(GetParam());
  const Graph g = import_onnx((dir / "model.onnx").string());
  const Tensor& in = g.tensor(g.inputs[0]);
  const Tensor& out = g.tensor(g.outputs[0]);
  // The logits are the dequantized output of the last FullyConnected.
  float step = 0;
  for (const Node& n : g.nodes)
    if (n.op == OpType::kDequantize && n.outputs[0] == g.outputs[0])
      step = g.tensor(n.inputs[0]).quant.scale();
  ASSERT_GT(step, 0.0f);

  auto reference = make_backend("reference")->compile(g, BackendOptions{});
  const auto cpu = cpu::testing::cpu_models(g);
  std::vector<float> want(static_cast<size_t>(out.elements())), got(want.size());
  int inputs = 0, identical_to_ort = 0;
  for (;; ++inputs) {
    const fs::path input_path = dir / cpu::testing::fixture_file("input_", inputs);
    if (!fs::exists(input_path)) break;
    const NpyArray x = read_npy(input_path.string(), in.dtype, in.shape);
    const NpyArray ort = read_npy(
        (dir / cpu::testing::fixture_file("ort_output_", inputs)).string(), DType::kF32, out.shape);
    reference->run({x.data.data()}, {want.data()});
    for (size_t t = 0; t < cpu.size(); ++t) {
      cpu[t]->run({x.data.data()}, {got.data()});
      EXPECT_EQ(got, want) << input_path << ", " << t + 1 << " thread(s)";
    }
    const auto* o = reinterpret_cast<const float*>(ort.data.data());
    float worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(want[i] - o[i]));
    EXPECT_LE(worst, step * 1.01f) << input_path << ": " << worst / step << " steps from ORT";
    identical_to_ort += worst == 0;
  }
  EXPECT_EQ(inputs, 6);
  std::printf("[ fixture  ] %s: %d inputs, %d identical to ONNX Runtime, the rest 1 step\n",
              GetParam().c_str(), inputs, identical_to_ort);
}

INSTANTIATE_TEST_SUITE_P(Formats, CpuOrtQuantized, ::testing::Values("onnx_qdq", "onnx_qop"));

}  // namespace
}  // namespace edgebench
