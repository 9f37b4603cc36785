// The dequantize pass: hand-computed constants on tiny graphs, numerics through
// the reference backend, and the shared TFLite models: the float model, fed
// the real values of the fixtures' quantized inputs, gives the quantized
// model's top-1 on the four test images.
#include "passes/dequantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"
#include "importers/tflite/tflite_importer.h"
#include "passes/pass_test_util.h"
#include "testing/shared_data.h"
#include "util/error.h"
#include "util/npy.h"

namespace edgebench::passes {
namespace {

namespace fs = std::filesystem;
using ref::testing::GraphBuilder;
using ref::testing::per_channel;
using ref::testing::per_tensor;
using testing::count_ops;

std::vector<float> floats(const Tensor& t) {
  const auto s = t.const_span<float>();
  return {s.begin(), s.end()};
}

// u8 input (scale 0.5, zero point 10) -> u8 1x1 Conv2D with ReLU and an int32
// bias (scale 0.5 * 0.25) -> u8 -> Dequantize -> f32 output.
Graph quantized_conv() {
  GraphBuilder b;
  const int x = b.input(DType::kU8, {1, 3, 3, 2}, per_tensor(0.5f, 10));
  const int w = b.constant(DType::kU8, {3, 1, 1, 2}, std::vector<uint8_t>{0, 3, 6, 9, 12, 255},
                           per_tensor(0.25f, 3));
  const int bias =
      b.constant(DType::kI32, {3}, std::vector<int32_t>{-8, 0, 100}, per_tensor(0.125f, 0));
  const int y = b.tensor(DType::kU8, {1, 3, 3, 3}, per_tensor(2.0f, 5));
  Conv2DAttrs a;
  a.act = make_activation(ActivationKind::kRelu);
  b.node(OpType::kConv2D, {x, w, bias}, y, a);
  const int out = b.tensor(DType::kF32, {1, 3, 3, 3});
  b.node(OpType::kDequantize, {y}, out);
  return b.build({out});
}

TEST(DequantizePass, ConstantsHoldRealValuesAndBoundaryNodesGo) {
  Graph g = quantized_conv();
  const int y = g.nodes[0].outputs[0];
  dequantize_graph(g);  // verifies the result
  for (const Tensor& t : g.tensors) {
    EXPECT_EQ(t.dtype, DType::kF32) << t.name;
    EXPECT_TRUE(t.quant.empty()) << t.name;
  }
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(count_ops(g, OpType::kDequantize), 0u);
  EXPECT_EQ(g.outputs, std::vector<int>{y});  // the output is the convolution's now
  const Node& c = g.nodes[0];
  EXPECT_EQ(c.attr<Conv2DAttrs>().act.kind, ActivationKind::kRelu);  // fused activation kept
  EXPECT_EQ(floats(g.tensor(c.inputs[1])),
            (std::vector<float>{-0.75f, 0.0f, 0.75f, 1.5f, 2.25f, 63.0f}));  // 0.25 * (q - 3)
  EXPECT_EQ(floats(g.tensor(c.inputs[2])), (std::vector<float>{-1.0f, 0.0f, 12.5f}));  // 0.125 * q
  EXPECT_EQ(g.metadata.at("dequantized_from"), "test");
}

// The float graph on real inputs computes what the quantized graph computes on
// their quantized values, up to the output's rounding (half a step of 2.0).
TEST(DequantizePass, FloatGraphMatchesQuantizedGraph) {
  const Graph q = quantized_conv();
  Graph f = q;
  dequantize_graph(f);
  const auto qin = cpu::testing::make_inputs(q);
  std::vector<float> real(qin[0].size());
  for (size_t i = 0; i < real.size(); ++i)
    real[i] = 0.5f * (static_cast<float>(static_cast<uint8_t>(qin[0][i])) - 10.0f);
  std::vector<std::byte> fin(real.size() * 4);
  std::memcpy(fin.data(), real.data(), fin.size());
  const auto want = cpu::testing::as_floats(cpu::testing::run_backend(q, "reference", qin)[0]);
  const auto got = cpu::testing::as_floats(cpu::testing::run_backend(f, "reference", {fin})[0]);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    // The quantized output saturates at 2 * (255 - 5) = 500; the float one does not.
    EXPECT_NEAR(std::min(got[i], 500.0f), want[i], 1.0f + 1e-4f) << i;
  }
}

TEST(DequantizePass, PerChannelInt8WeightsUseTheirChannelsScale) {
  GraphBuilder b;
  const int x = b.input(DType::kI8, {1, 4, 4, 3}, per_tensor(0.1f, -3));
  // Depthwise filter [1, 2, 2, 3]: channel = last index.
  std::vector<int8_t> wq = {1, 2, 3, 4, 5, 6, -7, -8, -9, 10, 11, 127};
  const int w = b.constant(DType::kI8, {1, 2, 2, 3}, wq, per_channel({0.5f, 0.25f, 2.0f}, 3));
  const int bias = b.constant(DType::kI32, {3}, std::vector<int32_t>{10, -10, 4},
                              per_channel({0.05f, 0.025f, 0.2f}, 0));
  const int y = b.tensor(DType::kI8, {1, 3, 3, 3}, per_tensor(0.3f, 1));
  b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, Conv2DAttrs{});
  Graph g = b.build({y});
  EXPECT_EQ(dequantize(g), 4);  // x, w, bias, y
  verify(g);
  const std::vector<float> want_w = {0.5f,  0.5f,  6.0f,   2.0f, 1.25f, 12.0f,
                                     -3.5f, -2.0f, -18.0f, 5.0f, 2.75f, 254.0f};
  EXPECT_EQ(floats(g.tensor(g.nodes[0].inputs[1])), want_w);
  const auto bf = floats(g.tensor(g.nodes[0].inputs[2]));
  EXPECT_FLOAT_EQ(bf[0], 0.5f);
  EXPECT_FLOAT_EQ(bf[1], -0.25f);
  EXPECT_FLOAT_EQ(bf[2], 0.8f);
}

TEST(DequantizePass, QuantizeAtTheInputIsRemovedAndFloatGraphsAreUntouched) {
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 2, 2, 1});
  const int q = b.tensor(DType::kU8, {1, 2, 2, 1}, per_tensor(0.1f, 128));
  b.node(OpType::kQuantize, {x}, q);
  const int r = b.tensor(DType::kU8, {1, 4}, per_tensor(0.1f, 128));
  b.node(OpType::kReshape, {q}, r);
  const int y = b.tensor(DType::kF32, {1, 4});
  b.node(OpType::kDequantize, {r}, y);
  Graph g = b.build({y});
  dequantize_graph(g);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpType::kReshape);
  EXPECT_EQ(g.nodes[0].inputs[0], x);
  EXPECT_EQ(dequantize(g), 0);  // already float: nothing to do
}

TEST(DequantizePass, EightBitTensorWithoutParametersIsAnError) {
  Graph g;
  Tensor t;
  t.name = "raw";
  t.dtype = DType::kU8;
  t.shape = {4};
  g.add_tensor(t);
  EXPECT_THROW(dequantize(g), Error);
}

// The shared TFLite models (uint8 per-tensor, int8 per-channel).
class DequantizePassTflite : public ::testing::TestWithParam<std::string> {};

TEST_P(DequantizePassTflite, FloatModelKeepsTopOneOnTheTestImages) {
  const fs::path dir = edgebench::testing::tflite_fixtures_dir() / GetParam();
  std::ifstream meta_file(dir / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(meta_file);
  const fs::path model =
      edgebench::testing::shared_dir() / "models" / meta.at("model_file").get<std::string>();
  if (!fs::exists(model)) GTEST_SKIP() << edgebench::testing::kNoSharedData;
  const Graph q = import_tflite(model.string());
  Graph f = q;
  dequantize_graph(f);
  EXPECT_EQ(f.metadata.at("preprocess"), "inception");
  const Tensor& qin = q.tensor(q.inputs[0]);
  const Tensor& qout = q.tensor(q.outputs[0]);
  ASSERT_EQ(f.tensor(f.inputs[0]).dtype, DType::kF32);
  ASSERT_EQ(f.tensor(f.outputs[0]).dtype, DType::kF32);
  BackendOptions opt;
  auto quantized = make_backend("cpu")->compile(q, opt);  // bit-exact with the reference
  auto real = make_backend("reference")->compile(f, opt);
  std::vector<std::byte> qy(qout.bytes());
  std::vector<float> fx(static_cast<size_t>(qin.elements())),
      fy(static_cast<size_t>(qout.elements()));
  int agree = 0, inputs = 0;
  for (int i = 0;; ++i) {
    char stem[32];
    std::snprintf(stem, sizeof stem, "input_%02d.npy", i % 100);
    if (!fs::exists(dir / stem)) break;
    const NpyArray x = read_npy((dir / stem).string(), qin.dtype, qin.shape);
    // The float input is the real value the quantized one stands for.
    for (size_t k = 0; k < fx.size(); ++k) {
      const int64_t v = qin.dtype == DType::kU8
                            ? static_cast<int64_t>(static_cast<uint8_t>(x.data[k]))
                            : static_cast<int64_t>(static_cast<int8_t>(x.data[k]));
      fx[k] = qin.quant.scale() * static_cast<float>(v - qin.quant.zero_point());
    }
    quantized->run({x.data.data()}, {qy.data()});
    real->run({fx.data()}, {fy.data()});
    std::vector<float> qscores(fy.size());
    for (size_t k = 0; k < qscores.size(); ++k) {
      const int64_t v = qout.dtype == DType::kU8 ? static_cast<int64_t>(static_cast<uint8_t>(qy[k]))
                                                 : static_cast<int64_t>(static_cast<int8_t>(qy[k]));
      qscores[k] = qout.quant.scale() * static_cast<float>(v - qout.quant.zero_point());
    }
    const auto top = [](const std::vector<float>& v) {
      return std::max_element(v.begin(), v.end()) - v.begin();
    };
    // The same class, or one the quantized model scores exactly as high (a
    // tie its argmax broke by index: mobilenet_v1_0.25 on grace_hopper scores
    // 401 and 668 both 0.15625, the float model 0.141 and 0.158).
    const bool same =
        qscores[static_cast<size_t>(top(fy))] == qscores[static_cast<size_t>(top(qscores))];
    // input_00..03 are the four shared test images (tests/fixtures/tflite/README.md);
    // the rest are random noise, whose top-1 is a coin toss between near-equal classes.
    if (i < 4) {
      EXPECT_TRUE(same) << stem << ": quantized top-1 " << top(qscores) << " ("
                        << qscores[top(qscores)] << " vs " << qscores[top(fy)] << "), float top-1 "
                        << top(fy) << " (" << fy[top(fy)] << " vs " << fy[top(qscores)] << ")";
    }
    agree += same ? 1 : 0;
    ++inputs;
  }
  EXPECT_GE(inputs, 4);
  std::printf("[ dequant  ] %s: float top-1 = quantized top-1 on %d of %d fixture inputs\n",
              GetParam().c_str(), agree, inputs);
}

INSTANTIATE_TEST_SUITE_P(Models, DequantizePassTflite,
                         ::testing::ValuesIn(edgebench::testing::tflite_fixture_models()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

}  // namespace
}  // namespace edgebench::passes
