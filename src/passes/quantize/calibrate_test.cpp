#include "passes/quantize/calibrate.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"

namespace edgebench::passes::quantize {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::to_bytes;

// x -> Relu -> y; x -> Mul(x, x) -> z: ranges are known by hand.
Graph relu_and_square() {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 2, 2, 1});
  const int y = b.tensor(DType::kF32, {1, 2, 2, 1});
  const int z = b.tensor(DType::kF32, {1, 2, 2, 1});
  b.node(OpType::kRelu, {x}, y);
  b.node(OpType::kMul, {x, x}, z, BinaryAttrs{});
  return b.build({y, z});
}

TEST(Calibrate, MinMaxOverAllInputsOfEveryActivation) {
  const Graph g = relu_and_square();
  const std::vector<std::vector<std::byte>> inputs = {to_bytes(std::vector<float>{-2, 1, 0.5f, 0}),
                                                      to_bytes(std::vector<float>{1, 3, -1, 0})};
  for (const std::string backend : {"reference", "cpu"}) {
    CalibrateOptions opt;
    opt.method = CalibMethod::kMinMax;
    opt.backend = backend;
    const RangeTable t = calibrate(g, inputs, opt);
    ASSERT_EQ(t.size(), 3u) << backend;
    EXPECT_EQ(t.at(g.tensor(0).name).min, -2.f);
    EXPECT_EQ(t.at(g.tensor(0).name).max, 3.f);
    EXPECT_EQ(t.at(g.tensor(1).name).min, 0.f);
    EXPECT_EQ(t.at(g.tensor(1).name).max, 3.f);
    EXPECT_EQ(t.at(g.tensor(2).name).min, 0.f);
    EXPECT_EQ(t.at(g.tensor(2).name).max, 9.f);
  }
}

TEST(Calibrate, HistogramMethodsStayInsideMinMax) {
  const Graph g = relu_and_square();
  std::vector<std::vector<std::byte>> inputs;
  for (int i = 0; i < 20; ++i)
    inputs.push_back(
        to_bytes(ref::testing::random_values<float>(4, -1, 1, static_cast<unsigned>(i))));
  for (CalibMethod m : {CalibMethod::kPercentile, CalibMethod::kEntropy}) {
    CalibrateOptions opt;
    opt.method = m;
    opt.backend = "reference";
    const RangeTable t = calibrate(g, inputs, opt);
    for (const auto& [name, r] : t) {
      EXPECT_LE(r.min, 0.f) << name;
      EXPECT_GE(r.max, 0.f) << name;
      EXPECT_GE(r.min, -1.f) << name;
      EXPECT_LE(r.max, 1.f) << name;
    }
  }
}

TEST(Calibrate, KeysNameDuplicatesById) {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 2});
  const int y = b.tensor(DType::kF32, {1, 2});
  b.node(OpType::kRelu, {x}, y);
  Graph g = b.build({y});
  g.tensor(y).name = g.tensor(x).name;
  const auto keys = activation_keys(g);
  EXPECT_EQ(keys[0], g.tensor(x).name + "#0");
  EXPECT_EQ(keys[1], g.tensor(x).name + "#1");
}

}  // namespace
}  // namespace edgebench::passes::quantize
