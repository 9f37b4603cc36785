// The study's three architectures as ONNX (../shared/zoo, PyTorch exports with
// PyTorch's own output for one input) through the importer and the reference
// backend. Tolerance: rtol 1e-4, with atol = 1e-4 * max|expected| — float32 sums in
// another order differ by ~1e-6 of the output's scale, which an element-wise relative
// test cannot absorb for logits near zero. The element-wise max relative error is
// printed as well.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/onnx_tensor.h"
#include "importers/onnx/onnx_test_case.h"
#include "testing/shared_data.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

using edgebench::testing::shared_dir;

class OnnxZoo : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxZoo, MatchesPyTorch) {
  const fs::path dir = shared_dir() / "zoo" / GetParam();
  if (!fs::is_regular_file(dir / "model.onnx"))
    GTEST_SKIP() << dir << " is absent (set EDGEBENCH_SHARED to the shared data folder)";
  OnnxTensorData expected =
      read_onnx_tensor_file((dir / "test_data_set_0" / "output_0.pb").string());
  double scale = 0;
  for (float v : expected.as_floats()) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  OnnxTestCaseOptions opt;
  opt.rtol = 1e-4;
  opt.atol = 1e-4 * scale;
  OnnxTestCaseResult r = run_onnx_test_case(dir.string(), opt);
  ASSERT_EQ(r.outputs.size(), 1u);
  const OnnxOutputCheck& c = r.outputs[0];
  std::printf(
      "%s: %s, max abs err %.3g (max |expected| %.3g), max rel err %.3g, "
      "%lld of %lld elements outside rtol 1e-4 atol %.3g; load %.3f s, run %.3f s\n",
      GetParam(), shape_str(c.shape).c_str(), c.max_abs_err, c.max_expected, c.max_rel_err,
      static_cast<long long>(c.mismatches), static_cast<long long>(c.elements), opt.atol,
      r.import_seconds, r.run_seconds);
  EXPECT_TRUE(c.note.empty()) << c.note;
  EXPECT_TRUE(c.pass) << c.mismatches << " elements differ";
  EXPECT_LE(c.max_abs_err, 1e-4 * scale);
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxZoo,
                         ::testing::Values("mobilenet_v1", "mobilenet_v2", "inception_v3"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace edgebench
