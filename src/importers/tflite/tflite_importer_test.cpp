// TFLite importer: the shared Coral models against independent figures (LiteRT's operator
// counts, the MobileNet architecture, published MACs/params), hand-computed padding, and
// malformed files that must end in an edgebench::Error, never a crash.
#include "importers/tflite/tflite_importer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>

#include "ir/cost.h"
#include "testing/shared_data.h"
#include "tflite_schema_generated.h"
#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;
using BO = tflite::BuiltinOperator;
using TT = tflite::TensorType;

// ---- shared data ---------------------------------------------------------------------------

using edgebench::testing::shared_dir;

fs::path model_path(const std::string& file) {
  return shared_dir() / "models" / file;
}

#define SKIP_WITHOUT_MODEL(path)                                                          \
  if (!fs::exists(path))                                                                  \
  GTEST_SKIP() << "shared model " << (path) << " not found (set EDGEBENCH_SHARED to the " \
               << "shared data folder); skipping"

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

ErrorCode import_error(const std::vector<uint8_t>& bytes, std::string* message = nullptr) {
  try {
    import_tflite_buffer(bytes.data(), bytes.size(), nullptr, "test.tflite");
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "import succeeded";
  return ErrorCode::kInternal;
}

std::map<OpType, int> op_counts(const Graph& g) {
  std::map<OpType, int> m;
  for (const Node& n : g.nodes) ++m[n.op];
  return m;
}

// ---- the shared models -------------------------------------------------------------------------

struct SharedModel {
  std::string file;
  int64_t resolution;
  DType internal;     // activations' type inside the graph
  float input_scale;  // the input's quantization (meta.json)
  int64_t input_zero_point;
  std::map<OpType, int> ops;  // LiteRT's operator counts (tests/fixtures/tflite/*/meta.json)
  double published_macs, published_params;
};

const std::vector<SharedModel>& shared_models() {
  using O = OpType;
  static const std::vector<SharedModel> models = {
      {"mobilenet_v2_1.0_224_quant.tflite",
       224,
       DType::kU8,
       0.0078125f,
       128,
       {{O::kConv2D, 36},
        {O::kDepthwiseConv2D, 17},
        {O::kAdd, 10},
        {O::kAveragePool2D, 1},
        {O::kReshape, 1},
        {O::kSoftmax, 1}},
       300e6,
       3.47e6},
      {"tf2_mobilenet_v2_1.0_224_ptq.tflite",
       224,
       DType::kI8,
       1 / 127.5f,
       127,
       {{O::kConv2D, 36},
        {O::kDepthwiseConv2D, 17},
        {O::kAdd, 10},
        {O::kQuantize, 2},
        {O::kMean, 1},
        {O::kReshape, 1},
        {O::kSoftmax, 1}},
       300e6,
       3.47e6},
      {"mobilenet_v1_0.75_192_quant.tflite",
       192,
       DType::kU8,
       0.0078125f,
       128,
       {{O::kConv2D, 15},
        {O::kDepthwiseConv2D, 13},
        {O::kAveragePool2D, 1},
        {O::kReshape, 1},
        {O::kSoftmax, 1}},
       233e6,
       2.59e6},
      {"mobilenet_v1_0.5_160_quant.tflite",
       160,
       DType::kU8,
       0.0078125f,
       128,
       {{O::kConv2D, 15},
        {O::kDepthwiseConv2D, 13},
        {O::kAveragePool2D, 1},
        {O::kReshape, 1},
        {O::kSoftmax, 1}},
       77e6,
       1.34e6},
      {"mobilenet_v1_0.25_128_quant.tflite",
       128,
       DType::kU8,
       0.0078125f,
       128,
       {{O::kConv2D, 15},
        {O::kDepthwiseConv2D, 13},
        {O::kAveragePool2D, 1},
        {O::kReshape, 1},
        {O::kSoftmax, 1}},
       14e6,
       0.47e6},
  };
  return models;
}

// MobileNetV1 (Howard et al. 2017, Table 1) with width multiplier alpha at resolution `res`,
// BN folded into a bias per channel, a 1001-way classifier (as a 1x1 conv): MACs and
// parameters counted from the architecture, independently of the file and of cost.cpp.
NodeCost mobilenet_v1_cost(double alpha, int64_t res) {
  auto ch = [&](int c) { return static_cast<int64_t>(c * alpha); };
  NodeCost c;
  int64_t h = (res + 1) / 2, cin = ch(32);
  c.macs = h * h * 27 * cin;
  c.params = 27 * cin + cin;
  const std::pair<int, int> blocks[] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                                        {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                                        {512, 1}, {1024, 2}, {1024, 1}};
  for (auto [cout, stride] : blocks) {
    h = (h + stride - 1) / stride;
    c.macs += h * h * 9 * cin + h * h * cin * ch(cout);
    c.params += 9 * cin + cin + cin * ch(cout) + ch(cout);
    cin = ch(cout);
  }
  c.macs += cin * 1001;
  c.params += cin * 1001 + 1001;
  return c;
}

void PrintTo(const SharedModel& m, std::ostream* os) {
  *os << m.file;
}

class SharedModelTest : public ::testing::TestWithParam<SharedModel> {};

TEST_P(SharedModelTest, ImportsWithExpectedStructureAndCost) {
  const SharedModel& m = GetParam();
  const fs::path path = model_path(m.file);
  SKIP_WITHOUT_MODEL(path);
  Graph g = import_tflite(path.string());
  EXPECT_EQ(g.format, "tflite");
  EXPECT_EQ(g.source, path.string());

  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  const Tensor& in = g.tensor(g.inputs[0]);
  const Tensor& out = g.tensor(g.outputs[0]);
  EXPECT_EQ(in.shape, (Shape{1, m.resolution, m.resolution, 3}));
  EXPECT_EQ(in.dtype, DType::kU8);
  EXPECT_EQ(out.shape, (Shape{1, 1001}));
  EXPECT_EQ(out.dtype, DType::kU8);
  ASSERT_EQ(in.quant.scales.size(), 1u);
  EXPECT_FLOAT_EQ(in.quant.scale(), m.input_scale);
  EXPECT_EQ(in.quant.zero_point(), m.input_zero_point);
  EXPECT_EQ(op_counts(g), m.ops);

  // No node reads a dropped operand (RESHAPE's shape, MEAN's axes); constants point into
  // the mapped file rather than into copies.
  for (const Node& n : g.nodes) {
    for (int id : n.inputs)
      if (id >= 0 && g.tensor(id).is_const()) {
        EXPECT_TRUE(g.tensor(id).data.owner) << g.tensor(id).name;
        EXPECT_TRUE(n.op == OpType::kConv2D || n.op == OpType::kDepthwiseConv2D ||
                    n.op == OpType::kFullyConnected)
            << op_name(n.op) << " reads constant " << g.tensor(id).name;
      }
    if (n.op == OpType::kReshape || n.op == OpType::kMean) {
      EXPECT_EQ(n.inputs.size(), 1u);
    }
    if (n.op == OpType::kConv2D || n.op == OpType::kDepthwiseConv2D) {
      EXPECT_EQ(g.tensor(n.inputs[0]).dtype, m.internal);
    }
  }

  const NodeCost cost = graph_cost(g);
  std::printf("[ cost     ] %s: %lld MACs, %lld params\n", m.file.c_str(),
              static_cast<long long>(cost.macs), static_cast<long long>(cost.params));
  EXPECT_NEAR(cost.params, m.published_params, 0.01 * m.published_params);
  if (m.file.starts_with("mobilenet_v1_")) {
    const double alpha = std::stod(m.file.substr(13, 4));
    const NodeCost arch = mobilenet_v1_cost(alpha, m.resolution);
    EXPECT_EQ(cost.macs, arch.macs);
    EXPECT_EQ(cost.params, arch.params);
  }
  if (m.file == "mobilenet_v1_0.25_128_quant.tflite") {
    // Published as "14" million: 13.57 M rounded to whole millions, so compare at that precision.
    EXPECT_NEAR(cost.macs, m.published_macs, 0.5e6);
  } else if (m.file == "mobilenet_v1_0.75_192_quant.tflite") {
    // TF-slim's 0.75 rows (317 M @224, 233 M @192) leave out the 3x3 stem convolution
    // (96*96*27*24 = 5.97 M here); the MobileNet paper's 325 M @224 includes it.
    const int64_t stem = node_cost(g, g.nodes[0]).macs;
    EXPECT_EQ(stem, 96 * 96 * 27 * 24);
    EXPECT_NEAR(cost.macs - stem, m.published_macs, 0.01 * m.published_macs);
  } else {
    EXPECT_NEAR(cost.macs, m.published_macs, 0.01 * m.published_macs);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SharedModelTest, ::testing::ValuesIn(shared_models()),
                         [](const auto& info) {
                           std::string s = info.param.file.substr(0, info.param.file.size() - 7);
                           std::replace_if(
                               s.begin(), s.end(), [](char c) { return !isalnum(c); }, '_');
                           return s;
                         });

TEST(TfliteImporter, ResolvesSamePaddingLikeTflite) {
  const fs::path path = model_path("mobilenet_v1_0.25_128_quant.tflite");
  SKIP_WITHOUT_MODEL(path);
  Graph g = import_tflite(path.string());
  // Stem: 3x3 stride 2 SAME on 128: out 64, total = 63*2 + 3 - 128 = 1 -> 0 before, 1 after.
  const auto& stem = g.nodes[0].attr<Conv2DAttrs>();
  EXPECT_EQ(stem.stride_h, 2);
  EXPECT_EQ(stem.pad.top, 0);
  EXPECT_EQ(stem.pad.left, 0);
  EXPECT_EQ(stem.pad.bottom, 1);
  EXPECT_EQ(stem.pad.right, 1);
  EXPECT_EQ(stem.act.kind, ActivationKind::kRelu6);
  // First depthwise: 3x3 stride 1 SAME: 1 on each side.
  const auto& dw = g.nodes[1].attr<Conv2DAttrs>();
  EXPECT_EQ(dw.pad.top, 1);
  EXPECT_EQ(dw.pad.bottom, 1);
  EXPECT_EQ(dw.depth_multiplier, 1);
  // Pool: 4x4 VALID over 4x4.
  for (const Node& n : g.nodes)
    if (n.op == OpType::kAveragePool2D) {
      const auto& p = n.attr<Pool2DAttrs>();
      EXPECT_EQ(p.filter_h, 4);
      EXPECT_EQ(p.pad.top + p.pad.bottom + p.pad.left + p.pad.right, 0);
      EXPECT_FALSE(p.count_include_pad);
    }
}

TEST(TfliteImporter, ReadsPerChannelQuantization) {
  const fs::path path = model_path("tf2_mobilenet_v2_1.0_224_ptq.tflite");
  SKIP_WITHOUT_MODEL(path);
  Graph g = import_tflite(path.string());
  int per_channel = 0;
  for (const Node& n : g.nodes) {
    if (n.op != OpType::kConv2D && n.op != OpType::kDepthwiseConv2D) continue;
    const Tensor& w = g.tensor(n.inputs[1]);
    ASSERT_TRUE(w.quant.per_channel()) << w.name;
    const int axis = n.op == OpType::kConv2D ? 0 : 3;
    EXPECT_EQ(w.quant.axis, axis);
    EXPECT_EQ(static_cast<int64_t>(w.quant.scales.size()), w.shape[axis]);
    ++per_channel;
  }
  EXPECT_EQ(per_channel, 53);
}

TEST(TfliteImporter, ConstantsPointIntoTheCallersBuffer) {
  const fs::path path = model_path("mobilenet_v1_0.25_128_quant.tflite");
  SKIP_WITHOUT_MODEL(path);
  auto bytes = std::make_shared<std::vector<uint8_t>>(read_bytes(path));
  Graph g = import_tflite_buffer(bytes->data(), bytes->size(), bytes, "m");
  const auto* lo = reinterpret_cast<const std::byte*>(bytes->data());
  for (const Tensor& t : g.tensors)
    if (t.is_const()) {
      EXPECT_GE(t.data.bytes(), lo);
      EXPECT_LE(t.data.bytes() + t.data.size, lo + bytes->size());
      EXPECT_EQ(t.data.owner.get(), bytes.get());
    }
  // A misaligned copy of the model is realigned once and imports the same.
  std::vector<uint8_t> shifted(bytes->size() + 1);
  std::copy(bytes->begin(), bytes->end(), shifted.begin() + 1);
  Graph g2 = import_tflite_buffer(shifted.data() + 1, bytes->size(), nullptr, "m");
  EXPECT_EQ(g2.nodes.size(), g.nodes.size());
}

// ---- malformed files -------------------------------------------------------------------------

TEST(TfliteImporter, EveryTruncationIsAModelError) {
  const fs::path path = model_path("mobilenet_v1_0.25_128_quant.tflite");
  SKIP_WITHOUT_MODEL(path);
  const std::vector<uint8_t> bytes = read_bytes(path);
  const Graph full = import_tflite(path.string());
  std::vector<size_t> lengths;
  for (size_t i = 0; i < 200; ++i) lengths.push_back(bytes.size() * i / 200);
  for (size_t n : {1, 3, 7, 8, 9, 16, 64}) lengths.push_back(n);
  lengths.push_back(bytes.size() - 1);
  for (size_t n : lengths) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    try {
      Graph g = import_tflite_buffer(prefix.data(), prefix.size(), nullptr, "cut");
      // Coral appends a ZIP of associated files (the labels) after the FlatBuffer: cutting
      // only into that leaves the model whole, and it must import unchanged.
      EXPECT_GT(n, bytes.size() * 9 / 10) << "length " << n << " imported";
      EXPECT_EQ(g.nodes.size(), full.nodes.size());
      EXPECT_EQ(graph_cost(g).params, graph_cost(full).params);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kModel) << n << ": " << e.what();
      if (n > 0) {
        EXPECT_EQ(std::string(e.what()),
                  "cut: not a valid TFLite model (FlatBuffer verification failed)");
      }
    }
  }
}

TEST(TfliteImporter, RandomBytesAreModelErrors) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 500; ++i) {
    std::vector<uint8_t> junk(rng() % 4096);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() >= 8 && i % 2) std::copy_n("TFL3", 4, junk.begin() + 4);  // pass the id check
    EXPECT_EQ(import_error(junk), ErrorCode::kModel);
  }
}

TEST(TfliteImporter, BitFlippedModelsFailCleanlyOrImport) {
  const fs::path path = model_path("mobilenet_v1_0.25_128_quant.tflite");
  SKIP_WITHOUT_MODEL(path);
  const std::vector<uint8_t> bytes = read_bytes(path);
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> m = bytes;
    // The structure (tables, vectors, offsets) sits in the first and last few KB.
    for (int k = 0; k < 4; ++k) {
      size_t pos = rng() % 2 ? rng() % 4096 : m.size() - 1 - rng() % 16384;
      m[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    try {
      import_tflite_buffer(m.data(), m.size(), nullptr, "flipped");
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::kModel || e.code() == ErrorCode::kUnsupported) << e.what();
    }
  }
}

TEST(TfliteImporter, EmptyMissingAndDirectoryPathsAreModelErrors) {
  const fs::path dir = fs::temp_directory_path() / ("eb_tflite_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path empty = dir / "empty.tflite";
  std::ofstream(empty).close();
  for (const fs::path& p : {empty, dir / "missing.tflite", dir}) {
    try {
      import_tflite(p.string());
      ADD_FAILURE() << p << " imported";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kModel) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(p.string() + ": ", 0), 0u) << e.what();
    }
  }
  fs::remove_all(dir);
  EXPECT_EQ(import_error({}), ErrorCode::kModel);
}

// ---- hand-built models
// ---------------------------------------------------------------------------

struct TSpec {
  std::vector<int32_t> shape;
  TT type = TT::FLOAT32;
  uint32_t buffer = 0;
  std::vector<float> scales = {};
  std::vector<int64_t> zero_points = {};
  int32_t qdim = 0;
};
struct OSpec {
  BO code;
  std::vector<int32_t> inputs, outputs;
  std::function<std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>>(
      flatbuffers::FlatBufferBuilder&)>
      options = nullptr;
  std::string custom_code = "";
  bool deprecated_code_only = false;
};
struct BSpec {
  std::vector<uint8_t> data;
  uint64_t offset = 0, size = 0;
};
struct MSpec {
  std::vector<TSpec> tensors;
  std::vector<BSpec> buffers = {{}};
  std::vector<OSpec> ops;
  std::vector<int32_t> inputs, outputs;
  uint32_t version = 3;
};

std::vector<uint8_t> build(const MSpec& m) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const TSpec& t = m.tensors[i];
    flatbuffers::Offset<tflite::QuantizationParameters> q = 0;
    if (!t.scales.empty())
      q = tflite::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &t.scales,
                                                     &t.zero_points,
                                                     tflite::QuantizationDetails::NONE, 0, t.qdim);
    tensors.push_back(tflite::CreateTensorDirect(fbb, &t.shape, t.type, t.buffer,
                                                 ("t" + std::to_string(i)).c_str(), q));
  }
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<tflite::Operator>> ops;
  for (size_t i = 0; i < m.ops.size(); ++i) {
    const OSpec& o = m.ops[i];
    const auto code = static_cast<int32_t>(o.code);
    codes.push_back(
        tflite::CreateOperatorCodeDirect(fbb, static_cast<int8_t>(std::min(code, 127)),
                                         o.custom_code.empty() ? nullptr : o.custom_code.c_str(), 1,
                                         o.deprecated_code_only ? BO::ADD : o.code));
    auto opts = o.options ? o.options(fbb)
                          : std::pair{tflite::BuiltinOptions::NONE, flatbuffers::Offset<void>()};
    ops.push_back(tflite::CreateOperatorDirect(fbb, static_cast<uint32_t>(i), &o.inputs, &o.outputs,
                                               opts.first, opts.second));
  }
  auto sg = tflite::CreateSubGraphDirect(fbb, &tensors, &m.inputs, &m.outputs, &ops, "main");
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
  for (const BSpec& b : m.buffers) {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data = 0;
    if (!b.data.empty()) {
      fbb.ForceVectorAlignment(b.data.size(), 1, 16);
      data = fbb.CreateVector(b.data);
    }
    buffers.push_back(tflite::CreateBuffer(fbb, data, b.offset, b.size));
  }
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs = {sg};
  auto model = tflite::CreateModelDirect(fbb, m.version, &codes, &sgs, "test", &buffers);
  tflite::FinishModelBuffer(fbb, model);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

Graph import(const std::vector<uint8_t>& bytes) {
  return import_tflite_buffer(bytes.data(), bytes.size(), nullptr, "test.tflite");
}

std::vector<uint8_t> floats(size_t n, float v = 0.5f) {
  std::vector<uint8_t> b(n * 4);
  for (size_t i = 0; i < n; ++i) std::memcpy(b.data() + 4 * i, &v, 4);
  return b;
}
template <typename T>
std::vector<uint8_t> raw(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

auto conv_options(tflite::Padding pad, int stride, int dilation = 1,
                  tflite::ActivationFunctionType act = tflite::ActivationFunctionType::NONE) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{
        tflite::BuiltinOptions::Conv2DOptions,
        tflite::CreateConv2DOptions(fbb, pad, stride, stride, act, dilation, dilation).Union()};
  };
}

// x [1,in,in,cin] -> CONV_2D (k x k, cout, float) -> y [1,out,out,cout].
MSpec conv_model(int in, int cin, int k, int cout, int out, tflite::Padding pad, int stride,
                 int dilation = 1, int filter_cin = -1) {
  if (filter_cin < 0) filter_cin = cin;
  MSpec m;
  m.tensors = {{{1, in, in, cin}},
               {{cout, k, k, filter_cin}, TT::FLOAT32, 1},
               {{cout}, TT::FLOAT32, 2},
               {{1, out, out, cout}}};
  m.buffers = {{}, {floats(size_t(cout) * k * k * filter_cin)}, {floats(cout)}};
  m.ops = {{BO::CONV_2D, {0, 1, 2}, {3}, conv_options(pad, stride, dilation)}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

TEST(TfliteImporter, HandBuiltConvImportsWithTflitePadding) {
  struct Case {
    int in, k, stride, dilation, out, before, after;
    tflite::Padding pad;
  };
  // Worked by hand from TFLite's ComputePaddingHeightWidth.
  const Case cases[] = {
      {5, 3, 2, 1, 3, 1, 1, tflite::Padding::SAME},   // total (3-1)*2+3-5 = 2
      {6, 3, 2, 1, 3, 0, 1, tflite::Padding::SAME},   // total 2*2+3-6 = 1: odd cell after
      {7, 3, 1, 2, 7, 2, 2, tflite::Padding::SAME},   // effective k 5: total 6+5-7 = 4
      {1, 3, 1, 1, 1, 1, 1, tflite::Padding::SAME},   // total 0+3-1 = 2
      {7, 3, 2, 1, 3, 0, 0, tflite::Padding::VALID},  // (7-3)/2+1 = 3
      {8, 1, 3, 1, 3, 0, 0, tflite::Padding::SAME},   // total 2*3+1-8 < 0 -> 0
  };
  for (const Case& c : cases) {
    Graph g = import(build(conv_model(c.in, 2, c.k, 4, c.out, c.pad, c.stride, c.dilation)));
    ASSERT_EQ(g.nodes.size(), 1u);
    const auto& a = g.nodes[0].attr<Conv2DAttrs>();
    EXPECT_EQ(a.pad.top, c.before) << c.in << " " << c.k << " " << c.stride;
    EXPECT_EQ(a.pad.bottom, c.after) << c.in << " " << c.k << " " << c.stride;
    EXPECT_EQ(a.pad.left, c.before);
    EXPECT_EQ(a.pad.right, c.after);
    EXPECT_EQ(a.groups, 1);
    EXPECT_EQ(g.nodes[0].name, "t3");
  }
  // Grouped: 4 input channels, filter of 2 -> 2 groups.
  Graph g = import(build(conv_model(4, 4, 1, 4, 4, tflite::Padding::VALID, 1, 1, 2)));
  EXPECT_EQ(g.nodes[0].attr<Conv2DAttrs>().groups, 2);
}

TEST(TfliteImporter, OldFilesWithOnlyTheDeprecatedCodeImport) {
  MSpec m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.ops[0].deprecated_code_only = true;  // builtin_code left 0 (ADD), deprecated byte = CONV_2D
  EXPECT_EQ(import(build(m)).nodes.at(0).op, OpType::kConv2D);
}

TEST(TfliteImporter, InconsistentConvIsAModelError) {
  std::string msg;
  // Filter has 3 input channels for a 2-channel input.
  EXPECT_EQ(import_error(build(conv_model(5, 2, 3, 4, 3, tflite::Padding::SAME, 2, 1, 3)), &msg),
            ErrorCode::kModel);
  EXPECT_NE(msg.find("operator #0 CONV_2D"), std::string::npos) << msg;
  // Declared output 4x4, TFLite computes 3x3.
  EXPECT_EQ(import_error(build(conv_model(5, 2, 3, 4, 4, tflite::Padding::SAME, 2)), &msg),
            ErrorCode::kModel);
  EXPECT_NE(msg.find("inferred"), std::string::npos) << msg;
  // Zero stride.
  EXPECT_EQ(import_error(build(conv_model(5, 2, 3, 4, 3, tflite::Padding::SAME, 0))),
            ErrorCode::kModel);
}

TEST(TfliteImporter, UnsupportedOperatorsNameThemselvesAndTheirIndex) {
  MSpec m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.tensors.push_back({{1, 4, 4, 2}});
  m.ops.push_back({BO::LSTM, {3}, {4}});
  m.outputs = {4};
  std::string msg;
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_EQ(msg, "test.tflite: operator #1 LSTM is not supported");

  m.ops[1] = {BO::GELU, {3}, {4}};  // code past 127: deprecated byte holds the placeholder
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_EQ(msg, "test.tflite: operator #1 GELU is not supported");

  m.ops[1] = {BO::CUSTOM, {3}, {4}, nullptr, "TFLite_Detection_PostProcess"};
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("operator #1 CUSTOM 'TFLite_Detection_PostProcess'"), std::string::npos);
}

TEST(TfliteImporter, UnsupportedOptionsAndTypesAreNamed) {
  std::string msg;
  MSpec m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.ops[0].options =
      conv_options(tflite::Padding::VALID, 1, 1, tflite::ActivationFunctionType::TANH);
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("operator #0 CONV_2D: fused activation TANH"), std::string::npos) << msg;

  m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.tensors[0].type = m.tensors[3].type = TT::BOOL;
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("type BOOL is not supported"), std::string::npos) << msg;

  // Hybrid: float activations, int8 weights.
  m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.tensors[1].type = TT::INT8;
  m.tensors[1].scales = {0.1f};
  m.tensors[1].zero_points = {0};
  m.buffers[1].data.resize(4);
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("operand types"), std::string::npos) << msg;

  m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  m.version = 2;
  EXPECT_EQ(import_error(build(m)), ErrorCode::kUnsupported);
}

TEST(TfliteImporter, BadIndicesAndSizesAreModelErrors) {
  auto base = [] { return conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1); };
  std::string msg;
  MSpec m = base();
  m.ops[0].inputs[0] = 17;
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("refers to tensor #17"), std::string::npos) << msg;

  m = base();
  m.ops[0].inputs[1] = -5;
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();
  m.tensors[1].buffer = 9;
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("buffer #9"), std::string::npos) << msg;

  m = base();
  m.buffers[1].data.pop_back();
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("needs 16"), std::string::npos) << msg;

  m = base();
  m.tensors[0].shape[1] = -1;
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();
  m.inputs = {1};  // a constant as the graph input
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();
  m.outputs = {40};
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();
  m.ops[0].inputs = {0};  // filter missing
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();  // operator reads its own output before it is produced
  m.ops[0].inputs[0] = 3;
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);

  m = base();  // options of another operator
  m.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions::SoftmaxOptions,
                     tflite::CreateSoftmaxOptions(fbb, 1.0f).Union()};
  };
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("wrong type"), std::string::npos) << msg;
}

// int8 x [1,2,2,4] -> DEPTHWISE_CONV_2D with a per-channel (axis 3) quantized filter.
MSpec quantized_dw_model(std::vector<float> filter_scales, int32_t qdim) {
  MSpec m;
  m.tensors = {
      {{1, 2, 2, 4}, TT::INT8, 0, {0.5f}, {0}},
      {{1, 1, 1, 4}, TT::INT8, 1, filter_scales, std::vector<int64_t>(filter_scales.size()), qdim},
      {{1, 2, 2, 4}, TT::INT8, 0, {0.25f}, {-3}}};
  m.buffers = {{}, {std::vector<uint8_t>(4, 1)}};
  m.ops = {
      {BO::DEPTHWISE_CONV_2D, {0, 1, -1}, {2}, [](flatbuffers::FlatBufferBuilder& fbb) {
         return std::pair{
             tflite::BuiltinOptions::DepthwiseConv2DOptions,
             tflite::CreateDepthwiseConv2DOptions(fbb, tflite::Padding::SAME, 1, 1, 1).Union()};
       }}};
  m.inputs = {0};
  m.outputs = {2};
  return m;
}

TEST(TfliteImporter, QuantizationArraysMustBeConsistent) {
  Graph g = import(build(quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 3)));
  const Tensor& w = g.tensor(g.nodes[0].inputs[1]);
  EXPECT_EQ(w.quant.axis, 3);
  EXPECT_EQ(w.quant.scales.size(), 4u);
  EXPECT_EQ(g.nodes[0].inputs[2], -1);  // absent bias
  EXPECT_EQ(g.tensor(g.outputs[0]).quant.zero_point(), -3);

  EXPECT_EQ(import_error(build(quantized_dw_model({0.1f, 0.2f, 0.3f}, 3))), ErrorCode::kModel);
  EXPECT_EQ(import_error(build(quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 4))),
            ErrorCode::kModel);
  EXPECT_EQ(import_error(build(quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 0))),
            ErrorCode::kModel);
  MSpec m = quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 3);
  m.tensors[1].zero_points = {0, 0};  // 4 scales, 2 zero points
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);
  m = quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 3);
  m.tensors[2].zero_points = {300};  // out of int8 range
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);
  m = quantized_dw_model({0.1f, 0.2f, 0.3f, 0.4f}, 3);
  m.tensors[1].scales[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);
}

TEST(TfliteImporter, ReadsBuffersStoredAfterTheFlatBuffer) {
  // The >2 GB form: Buffer{offset, size} addressing bytes after the FlatBuffer.
  MSpec m = conv_model(4, 2, 1, 2, 4, tflite::Padding::VALID, 1);
  const std::vector<uint8_t> weights = floats(4, 2.0f);
  m.buffers[1] = {{}, 0xFFFFFFFFu, weights.size()};
  const size_t fb_size = build(m).size();
  const size_t offset = (fb_size + 15) / 16 * 16;
  m.buffers[1].offset = offset;
  std::vector<uint8_t> file = build(m);
  ASSERT_EQ(file.size(), fb_size);
  file.resize(offset);
  file.insert(file.end(), weights.begin(), weights.end());
  Graph g = import(file);
  const Tensor& w = g.tensor(g.nodes[0].inputs[1]);
  ASSERT_TRUE(w.is_const());
  EXPECT_EQ(w.const_span<float>()[3], 2.0f);

  file.resize(file.size() - 1);  // now the buffer runs past the end of the file
  std::string msg;
  EXPECT_EQ(import_error(file, &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("lies outside"), std::string::npos) << msg;

  // Floats at an odd address: imported as a realigned copy.
  file.resize(offset + 2);
  file.insert(file.end(), weights.begin(), weights.end());
  m.buffers[1].offset = offset + 2;
  const std::vector<uint8_t> fb = build(m);
  std::copy(fb.begin(), fb.end(), file.begin());
  Graph g2 = import(file);
  const Tensor& w2 = g2.tensor(g2.nodes[0].inputs[1]);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w2.data.bytes()) % 4, 0u);
  EXPECT_EQ(w2.const_span<float>()[3], 2.0f);

  m.buffers[1] = {floats(4), 4096, 16};  // inline data and an offset
  EXPECT_EQ(import_error(build(m)), ErrorCode::kModel);
}

TEST(TfliteImporter, SharedTablesCannotBlowUpTheGraph) {
  // 200k subgraph inputs naming 200k tensor entries that all point at one table with a 4 KB
  // name: a ~1.6 MB file that would otherwise expand into 800 MB of names.
  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<int32_t> shape = {1, 4};
  auto tensor =
      tflite::CreateTensorDirect(fbb, &shape, TT::FLOAT32, 0, std::string(4096, 'x').c_str());
  const std::vector<flatbuffers::Offset<tflite::Tensor>> tensors(200000, tensor);
  std::vector<int32_t> inputs(200000);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<int32_t>(i);
  const std::vector<int32_t> outputs = {0};
  auto sg = tflite::CreateSubGraphDirect(fbb, &tensors, &inputs, &outputs);
  const std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs = {sg};
  const std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(fbb)};
  tflite::FinishModelBuffer(fbb,
                            tflite::CreateModelDirect(fbb, 3, nullptr, &sgs, nullptr, &buffers));
  const std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  std::string msg;
  EXPECT_EQ(import_error(bytes, &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("implausibly large"), std::string::npos) << msg;
}

TEST(TfliteImporter, MapsTheRemainingOperators) {
  // x [1,4,4,2] -PAD-> [1,6,6,2] -MAX_POOL 2x2/2-> [1,3,3,2] -MEAN(-3,2)-> [1,1,1,2]
  //   -CONCAT(axis -1, with itself)-> [1,1,1,4] -RESHAPE-> [1,4] -FULLY_CONNECTED-> [1,3]
  //   -MUL(self)-> -SOFTMAX(beta 2)-> [1,3] -LOGISTIC-> -RELU6->
  MSpec m;
  m.tensors = {
      {{1, 4, 4, 2}},            // 0 x
      {{4, 2}, TT::INT32, 1},    // 1 paddings
      {{1, 6, 6, 2}},            // 2
      {{1, 3, 3, 2}},            // 3
      {{2}, TT::INT64, 2},       // 4 axes
      {{1, 1, 1, 2}},            // 5
      {{1, 1, 1, 4}},            // 6
      {{2}, TT::INT32, 3},       // 7 shape
      {{1, 4}},                  // 8
      {{3, 4}, TT::FLOAT32, 4},  // 9 fc weights
      {{1, 3}},                  // 10
      {{1, 3}},                  // 11
      {{1, 3}},                  // 12
      {{1, 3}},                  // 13
      {{1, 3}},                  // 14
  };
  m.buffers = {{},
               {raw<int32_t>({0, 0, 1, 1, 1, 1, 0, 0})},
               {raw<int64_t>({-3, 2})},
               {raw<int32_t>({1, 4})},
               {floats(12)}};
  auto opt = [](tflite::BuiltinOptions type, auto make) {
    return [=](flatbuffers::FlatBufferBuilder& fbb) { return std::pair{type, make(fbb).Union()}; };
  };
  using BOpt = tflite::BuiltinOptions;
  m.ops = {
      {BO::PAD, {0, 1}, {2}},
      {BO::MAX_POOL_2D,
       {2},
       {3},
       opt(BOpt::Pool2DOptions,
           [](auto& f) {
             return tflite::CreatePool2DOptions(f, tflite::Padding::VALID, 2, 2, 2, 2);
           })},
      {BO::MEAN,
       {3, 4},
       {5},
       opt(BOpt::ReducerOptions, [](auto& f) { return tflite::CreateReducerOptions(f, true); })},
      {BO::CONCATENATION,
       {5, 5},
       {6},
       opt(BOpt::ConcatenationOptions,
           [](auto& f) { return tflite::CreateConcatenationOptions(f, -1); })},
      {BO::RESHAPE, {6, 7}, {8}},
      {BO::FULLY_CONNECTED, {8, 9, -1}, {10}},
      {BO::MUL,
       {10, 10},
       {11},
       opt(BOpt::MulOptions,
           [](auto& f) {
             return tflite::CreateMulOptions(f, tflite::ActivationFunctionType::RELU);
           })},
      {BO::SOFTMAX,
       {11},
       {12},
       opt(BOpt::SoftmaxOptions, [](auto& f) { return tflite::CreateSoftmaxOptions(f, 2.0f); })},
      {BO::LOGISTIC, {12}, {13}},
      {BO::RELU6, {13}, {14}},
  };
  m.inputs = {0};
  m.outputs = {14};
  Graph g = import(build(m));
  ASSERT_EQ(g.nodes.size(), 10u);
  const auto& pad = g.nodes[0].attr<PadAttrs>();
  EXPECT_EQ(pad.before, (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_EQ(pad.after, (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_EQ(g.nodes[0].inputs.size(), 1u);
  EXPECT_EQ(g.nodes[1].attr<Pool2DAttrs>().stride_h, 2);
  EXPECT_EQ(g.nodes[2].attr<ReduceAttrs>().axes, (std::vector<int>{1, 2}));
  EXPECT_TRUE(g.nodes[2].attr<ReduceAttrs>().keep_dims);
  EXPECT_EQ(g.nodes[3].attr<ConcatAttrs>().axis, 3);
  EXPECT_EQ(g.nodes[4].op, OpType::kReshape);
  EXPECT_EQ(g.nodes[4].inputs.size(), 1u);
  EXPECT_EQ(g.nodes[5].op, OpType::kFullyConnected);
  EXPECT_EQ(g.nodes[5].inputs[2], -1);
  EXPECT_EQ(g.nodes[6].attr<BinaryAttrs>().act.kind, ActivationKind::kRelu);
  EXPECT_FLOAT_EQ(g.nodes[7].attr<SoftmaxAttrs>().beta, 2.0f);
  EXPECT_EQ(g.nodes[7].attr<SoftmaxAttrs>().axis, 1);
  EXPECT_EQ(g.nodes[8].op, OpType::kLogistic);
  EXPECT_EQ(g.nodes[9].op, OpType::kRelu6);
  // The dropped operands (paddings, axes, shape) never entered the graph.
  for (const Tensor& t : g.tensors) EXPECT_TRUE(t.name != "t1" && t.name != "t4" && t.name != "t7");

  // A MEAN axis outside the rank, a negative padding: model errors naming the operator.
  std::string msg;
  m.buffers[2] = {raw<int64_t>({-5, 2})};
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("operator #2 MEAN"), std::string::npos) << msg;
  m.buffers[2] = {raw<int64_t>({-3, 2})};
  m.buffers[1] = {raw<int32_t>({0, 0, -1, 1, 1, 1, 0, 0})};
  EXPECT_EQ(import_error(build(m), &msg), ErrorCode::kModel);
  EXPECT_NE(msg.find("operator #0 PAD"), std::string::npos) << msg;
}

}  // namespace
}  // namespace edgebench
