#include "passes/quantize/sensitivity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "passes/pass_test_util.h"

namespace edgebench::passes::quantize {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using ref::testing::to_bytes;

// x -> Conv1x1 -> y -> Relu -> z.
Graph conv_relu() {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 4, 4, 2});
  const int y = b.tensor(DType::kF32, {1, 4, 4, 3});
  b.node(OpType::kConv2D,
         {x, b.constant(DType::kF32, {3, 1, 1, 2}, random_values<float>(6, -1, 1, 1)), -1}, y,
         Conv2DAttrs{});
  const int z = b.tensor(DType::kF32, {1, 4, 4, 3});
  b.node(OpType::kRelu, {y}, z);
  return b.build({z});
}

TEST(Sensitivity, SqnrOfEachLayerAgainstAHandComputation) {
  const Graph g = conv_relu();
  std::vector<std::vector<std::byte>> in;
  for (unsigned i = 0; i < 4; ++i) in.push_back(to_bytes(random_values<float>(32, -1, 1, 10 + i)));
  CalibrateOptions co;
  co.method = CalibMethod::kMinMax;
  co.backend = "reference";
  const QuantizeResult q = quantize_graph(g, calibrate(g, in, co));
  const auto rows = layer_sqnr(g, q, in, {"reference", 1});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_LE(rows[0].sqnr_db, rows[1].sqnr_db);

  // The Relu's output is the graph's output: dequantized by the graph itself.
  double signal = 0, noise = 0;
  for (const auto& x : in) {
    const auto want = cpu::testing::as_floats(cpu::testing::run_backend(g, "reference", {x})[0]);
    const auto got =
        cpu::testing::as_floats(cpu::testing::run_backend(q.graph, "reference", {x})[0]);
    for (size_t k = 0; k < want.size(); ++k) {
      signal += static_cast<double>(want[k]) * want[k];
      noise += (static_cast<double>(want[k]) - got[k]) * (static_cast<double>(want[k]) - got[k]);
    }
  }
  const double want_db = 10 * std::log10(signal / noise);
  const LayerSqnr& relu = rows[0].op == "Relu" ? rows[0] : rows[1];
  EXPECT_NEAR(relu.sqnr_db, want_db, 1e-3);  // float vs double dequantization
  // 8 bits over the range: far better than 20 dB, worse than exact.
  EXPECT_GT(relu.sqnr_db, 20);
  EXPECT_LT(relu.sqnr_db, 70);
}

TEST(Sensitivity, TableAndJson) {
  std::vector<LayerSqnr> rows = {{"a", "Conv2D", 12.5}, {"b", "Add", INFINITY}};
  const std::string t = sqnr_table(rows, 1);
  EXPECT_NE(t.find("| 1 | a | Conv2D | 12.50 |"), std::string::npos) << t;
  EXPECT_EQ(t.find("| b |"), std::string::npos) << t;
  const auto j = sqnr_json(rows);
  EXPECT_EQ(j[0]["sqnr_db"], 12.5);
  EXPECT_TRUE(j[1]["sqnr_db"].is_null());
}

}  // namespace
}  // namespace edgebench::passes::quantize
