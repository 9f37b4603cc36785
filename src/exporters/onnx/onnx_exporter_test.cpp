// Export -> re-import -> reference backend computes what the original graph computed:
// byte for byte for quantized graphs (both quantized forms), to 1e-5 for float ones.
// Every exported model passed ONNX's checker inside export_onnx_bytes.
#include "exporters/onnx/onnx_exporter.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/reference_backend.h"
#include "backends/reference/test_graph_util.h"
#include "importers/onnx/onnx_importer.h"
#include "importers/tflite/tflite_importer.h"
#include "models/zoo.h"
#include "passes/pass_test_util.h"
#include "testing/shared_data.h"
#include "util/npy.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;
using QuantForm = OnnxExportOptions::QuantForm;

Graph round_trip(const Graph& g, QuantForm form = QuantForm::kQdq) {
  OnnxExportOptions opt;
  opt.quant_form = form;
  const std::string bytes = export_onnx_bytes(g, opt);
  return import_onnx_buffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                            "exported.onnx");
}

size_t count_quantized_ops(const Graph& g) {
  size_t n = 0;
  for (const Node& node : g.nodes)
    if ((node.op == OpType::kConv2D || node.op == OpType::kDepthwiseConv2D ||
         node.op == OpType::kFullyConnected) &&
        is_quantized_int(g.tensor(node.inputs[0]).dtype))
      ++n;
  return n;
}

class ExportTfliteFixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportTfliteFixtures, ReimportIsByteExact) {
  const fs::path dir = testing::tflite_fixtures_dir() / GetParam();
  std::ifstream meta_file(dir / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(meta_file);
  const fs::path model =
      testing::shared_dir() / "models" / meta.at("model_file").get<std::string>();
  if (!fs::exists(model)) GTEST_SKIP() << testing::kNoSharedData;
  const Graph g = import_tflite(model.string());
  const Tensor& in = g.tensor(g.inputs[0]);
  std::vector<std::vector<std::vector<std::byte>>> feeds, want;
  for (int i = 0;; ++i) {
    char stem[32];
    std::snprintf(stem, sizeof stem, "input_%02d.npy", i);
    if (!fs::exists(dir / stem)) break;
    feeds.push_back({read_npy((dir / stem).string(), in.dtype, in.shape).data});
    want.push_back(cpu::testing::run_backend(g, "reference", feeds.back()));
  }
  ASSERT_FALSE(feeds.empty());
  for (QuantForm form : {QuantForm::kQdq, QuantForm::kQLinear}) {
    SCOPED_TRACE(form == QuantForm::kQdq ? "qdq" : "qlinear");
    const Graph back = round_trip(g, form);
    // The quantized operators came back quantized (int8 kernels), the input kept its
    // NHWC uint8 signature, and the preprocessing its TFLite family.
    EXPECT_EQ(count_quantized_ops(back), count_quantized_ops(g));
    EXPECT_EQ(back.tensor(back.inputs[0]).shape, in.shape);
    EXPECT_EQ(back.tensor(back.inputs[0]).dtype, in.dtype);
    EXPECT_EQ(back.metadata.at("preprocess"), "inception");
    auto model = make_reference_backend()->compile(back, BackendOptions{});
    std::vector<std::byte> got(back.tensor(back.outputs[0]).bytes());
    for (size_t i = 0; i < feeds.size(); ++i) {
      model->run({feeds[i][0].data()}, {got.data()});
      EXPECT_EQ(got, want[i][0]) << "input " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ExportTfliteFixtures,
                         ::testing::ValuesIn(testing::tflite_fixture_models()));
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ExportTfliteFixtures);

TEST(ExportOnnx, BuiltinZooRoundTripsInFloat) {
  for (const ZooEntry& z : zoo_models()) {
    SCOPED_TRACE(z.name);
    const Graph g = z.build();
    const Graph back = round_trip(g);
    const auto in = cpu::testing::make_inputs(g);
    const auto want = cpu::testing::run_backend(g, "reference", in);
    const auto got = cpu::testing::run_backend(back, "reference", in);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(cpu::testing::relative_error(cpu::testing::as_floats(got[0]),
                                           cpu::testing::as_floats(want[0])),
              1e-5);
  }
}

// ONNX files requantize in float, as ONNX defines it, unless they say they are
// our export of a fixed-point (TFLite) graph.
TEST(ExportOnnx, RequantizationRoundTripsThroughMetadata) {
  ref::testing::GraphBuilder b;
  const int x = b.input(DType::kI8, {1, 4, 4, 8}, ref::testing::per_tensor(0.05f, -3));
  const int w =
      b.constant(DType::kI8, {8, 1, 1, 8}, ref::testing::random_values<int8_t>(64, -127, 127, 1),
                 ref::testing::per_tensor(0.01f, 0));
  const int y = b.tensor(DType::kI8, {1, 4, 4, 8}, ref::testing::per_tensor(0.1f, 2));
  b.node(OpType::kConv2D, {x, w, -1}, y, Conv2DAttrs{});
  Graph g = b.build({y});
  for (Requantization rq : {Requantization::kFixedPoint, Requantization::kFloat}) {
    g.requantization = rq;
    EXPECT_EQ(round_trip(g).requantization, rq);
  }
  g.requantization = Requantization::kFixedPoint;
  onnx::ModelProto m;
  const std::string bytes = export_onnx_bytes(g, {});
  ASSERT_TRUE(m.ParseFromString(bytes));
  m.clear_metadata_props();
  const std::string plain = m.SerializeAsString();
  EXPECT_EQ(
      import_onnx_buffer(reinterpret_cast<const uint8_t*>(plain.data()), plain.size(), "plain.onnx")
          .requantization,
      Requantization::kFloat);

  // A float export (a dequantized TFLite model) says nothing: whatever quantizes
  // it later and copies the metadata must not inherit TFLite's arithmetic.
  ref::testing::GraphBuilder fb;
  const int fx = fb.input(DType::kF32, {1, 4, 4, 8});
  const int fw = fb.constant(DType::kF32, {8, 1, 1, 8}, std::vector<float>(64, 0.5f));
  const int fy = fb.tensor(DType::kF32, {1, 4, 4, 8});
  fb.node(OpType::kConv2D, {fx, fw, -1}, fy, Conv2DAttrs{});
  Graph fg = fb.build({fy});
  fg.requantization = Requantization::kFixedPoint;
  ASSERT_TRUE(m.ParseFromString(export_onnx_bytes(fg, {})));
  for (const auto& p : m.metadata_props()) EXPECT_NE(p.key(), "requantization");
}

// Every node of an export is read by another or is a graph output (an ONNX
// int8 model's input quantization and its layout transpose used to leave a
// Transpose nobody read), and every initializer is read.
TEST(ExportOnnx, WritesNoUnreadNodes) {
  ref::testing::GraphBuilder b;
  const QuantParams q = ref::testing::per_tensor(0.05f, -3);
  const int x = b.input(DType::kF32, {1, 3, 4, 4});
  const int xq = b.tensor(DType::kI8, {1, 3, 4, 4}, q);
  b.node(OpType::kQuantize, {x}, xq);
  const int xt = b.tensor(DType::kI8, {1, 4, 4, 3}, q);
  b.node(OpType::kTranspose, {xq}, xt, TransposeAttrs{{0, 2, 3, 1}});
  const int w =
      b.constant(DType::kI8, {8, 1, 1, 3}, ref::testing::random_values<int8_t>(24, -127, 127, 1),
                 ref::testing::per_tensor(0.01f, 0));
  const int y = b.tensor(DType::kI8, {1, 4, 4, 8}, ref::testing::per_tensor(0.1f, 2));
  b.node(OpType::kConv2D, {xt, w, -1}, y, Conv2DAttrs{});
  const Graph g = b.build({y});
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(export_onnx_bytes(g, {})));
  std::set<std::string> read;
  for (const auto& o : m.graph().output()) read.insert(o.name());
  for (const auto& n : m.graph().node())
    for (const auto& in : n.input()) read.insert(in);
  for (const auto& n : m.graph().node()) {
    bool any = false;
    for (const auto& o : n.output()) any = any || read.count(o);
    EXPECT_TRUE(any) << n.op_type() << " '" << n.name() << "' is read by nothing";
  }
  for (const auto& t : m.graph().initializer())
    EXPECT_TRUE(read.count(t.name())) << "initializer '" << t.name() << "' is read by nothing";
  // And it still computes what the graph does.
  const auto in = cpu::testing::make_inputs(g);
  EXPECT_EQ(cpu::testing::run_backend(round_trip(g), "reference", in),
            cpu::testing::run_backend(g, "reference", in));
}

TEST(ExportOnnx, ImportedOnnxKeepsItsSignatureAndMetadata) {
  const fs::path zoo = testing::shared_dir() / "zoo" / "mobilenet_v2" / "model.onnx";
  if (!fs::exists(zoo)) GTEST_SKIP() << testing::kNoSharedData;
  Graph g = import_onnx(zoo.string());
  g.metadata["preprocess"] = "caffe";
  const Graph back = round_trip(g);
  ASSERT_EQ(back.inputs.size(), 1u);
  EXPECT_EQ(back.tensor(back.inputs[0]).shape, g.tensor(g.inputs[0]).shape);  // NCHW kept
  EXPECT_EQ(back.tensor(back.inputs[0]).name, g.tensor(g.inputs[0]).name);
  EXPECT_EQ(back.tensor(back.outputs[0]).name, g.tensor(g.outputs[0]).name);
  EXPECT_EQ(back.metadata.at("preprocess"), "caffe");
  const auto in = cpu::testing::make_inputs(g);
  EXPECT_LE(cpu::testing::relative_error(
                cpu::testing::as_floats(cpu::testing::run_backend(back, "reference", in)[0]),
                cpu::testing::as_floats(cpu::testing::run_backend(g, "reference", in)[0])),
            1e-5);
}

TEST(ExportOnnx, AxisOperatorsInBothLayouts) {
  // NHWC conv output through softmax over channels, a mean over H and W, a concat on
  // channels, a pad and a transpose: each axis must land on the right ONNX axis.
  using ref::testing::GraphBuilder;
  using ref::testing::random_values;
  GraphBuilder b;
  const int x = b.input(DType::kF32, {1, 5, 6, 3});
  const int c = b.tensor(DType::kF32, {1, 5, 6, 4});
  b.node(OpType::kConv2D,
         {x, b.constant(DType::kF32, {4, 1, 1, 3}, random_values<float>(12, -1, 1, 5)), -1}, c,
         Conv2DAttrs{});
  const int s = b.tensor(DType::kF32, {1, 5, 6, 4});
  b.node(OpType::kSoftmax, {c}, s, SoftmaxAttrs{});
  const int cat = b.tensor(DType::kF32, {1, 5, 6, 7});
  ConcatAttrs ca;
  ca.axis = 3;
  b.node(OpType::kConcat, {s, x}, cat, ca);
  PadAttrs pa;
  pa.before = {0, 1, 0, 0};
  pa.after = {0, 0, 2, 1};
  const int p = b.tensor(DType::kF32, {1, 6, 8, 8});
  b.node(OpType::kPad, {cat}, p, pa);
  const int m = b.tensor(DType::kF32, {1, 8});
  b.node(OpType::kMean, {p}, m, ReduceAttrs{{1, 2}, false});
  const int t = b.tensor(DType::kF32, {1, 8, 8, 6});
  b.node(OpType::kTranspose, {p}, t, TransposeAttrs{{0, 2, 3, 1}});
  const Graph g = b.build({m, t});
  passes::testing::expect_same_function(g, round_trip(g), 1e-6);
}

TEST(ExportOnnx, UnexpressibleNodeIsNamed) {
  using ref::testing::GraphBuilder;
  GraphBuilder b;
  const int x = b.input(DType::kF32, {2, 3, 4});
  const int y = b.tensor(DType::kF32, {2, 3, 4});
  const std::vector<float> ones(4, 1.0f);
  b.node(OpType::kBatchNorm,
         {x, b.constant(DType::kF32, {4}, ones), b.constant(DType::kF32, {4}, ones),
          b.constant(DType::kF32, {4}, ones), b.constant(DType::kF32, {4}, ones)},
         y, BatchNormAttrs{});
  const Graph g = b.build({y});
  try {
    export_onnx_bytes(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("BatchNorm"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgebench
