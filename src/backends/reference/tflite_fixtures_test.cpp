// The oracle's oracle: every fixture in tests/fixtures/tflite/<model>/ (inputs
// and the outputs of LiteRT's reference kernels, OpResolverType.BUILTIN_REF)
// through the TFLite importer and the reference backend. The outputs must be
// identical byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/reference/reference_backend.h"
#include "importers/tflite/tflite_importer.h"
#include "testing/shared_data.h"
#include "util/npy.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

using edgebench::testing::shared_dir;

class TfliteFixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(TfliteFixtures, ReferenceBackendIsByteExact) {
  const fs::path dir = testing::tflite_fixtures_dir() / GetParam();
  std::ifstream meta_file(dir / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(meta_file);
  const fs::path model_path = shared_dir() / "models" / meta.at("model_file").get<std::string>();
  if (!fs::exists(model_path))
    GTEST_SKIP() << model_path << " not found (set EDGEBENCH_SHARED to the shared data folder)";

  const Graph g = import_tflite(model_path.string());
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  const Tensor& in = g.tensor(g.inputs[0]);
  const Tensor& out = g.tensor(g.outputs[0]);
  auto model = make_reference_backend()->compile(g, BackendOptions{});

  size_t fixtures = 0, differing_bytes = 0, total_bytes = 0;
  int max_abs_diff = 0;
  double best_ms = 1e30;
  std::vector<std::byte> got(out.bytes());
  for (int i = 0;; ++i) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "%02d", i);
    const fs::path input_path = dir / ("input_" + std::string(stem) + ".npy");
    const fs::path want_path = dir / ("ref_output_" + std::string(stem) + ".npy");
    if (!fs::exists(input_path)) break;
    const NpyArray x = read_npy(input_path.string(), in.dtype, in.shape);
    const NpyArray want = read_npy(want_path.string(), out.dtype, out.shape);
    const auto start = std::chrono::steady_clock::now();
    model->run({x.data.data()}, {got.data()});
    const auto end = std::chrono::steady_clock::now();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(end - start).count());
    ++fixtures;
    total_bytes += got.size();
    size_t diff_here = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      if (got[k] == want.data[k]) continue;
      ++diff_here;
      int a = static_cast<int>(got[k]), b = static_cast<int>(want.data[k]);
      if (out.dtype == DType::kI8) {
        a = static_cast<int8_t>(a);
        b = static_cast<int8_t>(b);
      }
      max_abs_diff = std::max(max_abs_diff, std::abs(a - b));
    }
    differing_bytes += diff_here;
    EXPECT_EQ(diff_here, 0u) << want_path;
  }
  EXPECT_GT(fixtures, 0u);
  std::printf(
      "[ fixture  ] %s: %zu fixtures, %zu of %zu output bytes differ (max |diff| %d), "
      "fastest inference %.1f ms\n",
      GetParam().c_str(), fixtures, differing_bytes, total_bytes, max_abs_diff, best_ms);
}

INSTANTIATE_TEST_SUITE_P(Models, TfliteFixtures,
                         ::testing::ValuesIn(testing::tflite_fixture_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TfliteFixtures);

}  // namespace
}  // namespace edgebench
