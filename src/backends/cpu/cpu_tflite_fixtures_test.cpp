// The shared quantized TFLite models (uint8 per-tensor TF1, int8 per-channel
// TF2) on the cpu backend, 1 and 2 threads: every fixture input's output must
// equal the reference backend's byte for byte; the difference from TFLite's own
// reference kernels (ref_output_XX.npy) is reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "backends/cpu/cpu_test_util.h"
#include "importers/tflite/tflite_importer.h"
#include "testing/shared_data.h"
#include "util/npy.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

using edgebench::testing::shared_dir;

int max_step_difference(const std::vector<std::byte>& a, const std::vector<std::byte>& b, DType t) {
  int worst = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    int x = static_cast<int>(a[k]), y = static_cast<int>(b[k]);
    if (t == DType::kI8) x = static_cast<int8_t>(x), y = static_cast<int8_t>(y);
    worst = std::max(worst, std::abs(x - y));
  }
  return worst;
}

class CpuTfliteFixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuTfliteFixtures, CpuBackendEqualsReferenceBackend) {
  const fs::path dir = testing::tflite_fixtures_dir() / GetParam();
  std::ifstream meta_file(dir / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(meta_file);
  const fs::path model_path = shared_dir() / "models" / meta.at("model_file").get<std::string>();
  if (!fs::exists(model_path)) GTEST_SKIP() << edgebench::testing::kNoSharedData;

  const Graph g = import_tflite(model_path.string());
  const Tensor& in = g.tensor(g.inputs[0]);
  const Tensor& out = g.tensor(g.outputs[0]);
  auto reference = make_backend("reference")->compile(g, BackendOptions{});
  const auto cpu = cpu::testing::cpu_models(g);
  size_t fixtures = 0;
  int worst_vs_tflite = 0;
  std::vector<std::byte> want(out.bytes()), got(out.bytes());
  for (int i = 0;; ++i) {
    const fs::path input_path = dir / cpu::testing::fixture_file("input_", i);
    if (!fs::exists(input_path)) break;
    const NpyArray x = read_npy(input_path.string(), in.dtype, in.shape);
    const NpyArray tflite = read_npy((dir / cpu::testing::fixture_file("ref_output_", i)).string(),
                                     out.dtype, out.shape);
    reference->run({x.data.data()}, {want.data()});
    for (size_t t = 0; t < cpu.size(); ++t) {
      cpu[t]->run({x.data.data()}, {got.data()});
      EXPECT_EQ(got, want) << input_path << ", " << t + 1 << " thread(s), max step difference "
                           << max_step_difference(got, want, out.dtype);
      worst_vs_tflite = std::max(worst_vs_tflite, max_step_difference(got, tflite.data, out.dtype));
    }
    ++fixtures;
  }
  EXPECT_GT(fixtures, 0u);
  std::printf("[ fixture  ] %s: %zu fixtures x {1, 2} threads, max step difference vs TFLite %d\n",
              GetParam().c_str(), fixtures, worst_vs_tflite);
}

INSTANTIATE_TEST_SUITE_P(Models, CpuTfliteFixtures,
                         ::testing::ValuesIn(testing::tflite_fixture_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CpuTfliteFixtures);

}  // namespace
}  // namespace edgebench
