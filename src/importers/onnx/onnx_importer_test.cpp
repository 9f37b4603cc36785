// ONNX importer: bad input yields a clean Error with the right code (kModel for a
// broken file, kUnsupported naming what we do not run); boundaries keep ONNX shapes.
#include "importers/onnx/onnx_importer.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "importers/onnx/onnx_test_models.h"
#include "util/error.h"

namespace edgebench {
namespace {

using namespace onnx_test;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("edgebench_onnx_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return (path / name).string();
  }
};

// A model with one Conv whose weights are an initializer: the bytes of a typical file.
ModelProto conv_model() {
  ModelProto m = new_model();
  add_input(m, "x", {1, 3, 8, 8});
  add_init(m, "w", {8, 3, 3, 3}, random_values(8 * 27, 1));
  add_node(m, "Conv", {"x", "w"}, {"y"}, "conv0");
  add_output(m, "y");
  return m;
}

TEST(OnnxImporter, ImportsAConv) {
  Graph g = import_proto(conv_model());
  EXPECT_EQ(g.format, "onnx");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.tensor(g.inputs[0]).shape, (Shape{1, 3, 8, 8}));  // ONNX order kept
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 8, 6, 6}));
  EXPECT_EQ(g.tensor(g.outputs[0]).name, "y");
}

TEST(OnnxImporter, TruncatedModelIsAModelError) {
  std::string s = conv_model().SerializeAsString();
  for (size_t cut : {size_t{1}, s.size() / 4, s.size() / 2, s.size() - 1})
    expect_error(
        [&] { import_onnx_buffer(reinterpret_cast<const uint8_t*>(s.data()), cut, "cut.onnx"); },
        ErrorCode::kModel, "cut.onnx");
  const std::string junk = "\x08\x07garbage that is not a protobuf \xff\xff\xff";
  expect_error(
      [&] {
        import_onnx_buffer(reinterpret_cast<const uint8_t*>(junk.data()), junk.size(), "junk");
      },
      ErrorCode::kModel, "junk");
}

TEST(OnnxImporter, ExternalData) {
  TempDir dir;
  std::vector<float> w = random_values(2 * 3 * 2 * 2, 7);
  auto make = [&](const std::string& location, const std::string& offset,
                  const std::string& length) {
    ModelProto m = new_model();
    add_input(m, "x", {1, 3, 2, 2});
    TensorProto* t = m.mutable_graph()->add_initializer();
    t->set_name("w");
    t->set_data_type(TensorProto::FLOAT);
    for (int64_t d : {1, 3, 2, 2}) t->add_dims(d);
    t->set_data_location(TensorProto::EXTERNAL);
    auto kv = [&](const char* k, const std::string& v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    kv("location", location);
    if (!offset.empty()) kv("offset", offset);
    if (!length.empty()) kv("length", length);
    add_node(m, "Add", {"x", "w"}, {"y"}, "add0");
    add_output(m, "y");
    return dir.write("model.onnx", m.SerializeAsString());
  };
  // 16 bytes of header, then the 12 floats of w.
  dir.write("weights.bin",
            std::string(16, 'h') + std::string(reinterpret_cast<const char*>(w.data()), 48));
  std::string path = make("weights.bin", "16", "48");
  std::vector<float> x = random_values(12, 8);
  std::vector<float> y = run(import_onnx(path), x);
  for (size_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(y[i], x[i] + w[i]);

  path = make("missing.bin", "", "");
  expect_error([&] { import_onnx(path); }, ErrorCode::kModel, "missing.bin");
  path = make("weights.bin", "16", "4800");
  expect_error([&] { import_onnx(path); }, ErrorCode::kModel, "outside");
  path = make("weights.bin", "40", "");
  expect_error([&] { import_onnx(path); }, ErrorCode::kModel, "needs 48");
  path = make("../weights.bin", "0", "48");
  expect_error([&] { import_onnx(path); }, ErrorCode::kModel, "leaves the model's folder");
  std::ifstream f(make("weights.bin", "16", "48"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  expect_error(
      [&] {
        import_onnx_buffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "mem");
      },
      ErrorCode::kModel, "read from memory");
}

TEST(OnnxImporter, UnsupportedOperatorNamesTheNode) {
  ModelProto m = new_model();
  add_input(m, "x", {1, 4});
  add_node(m, "Relu", {"x"}, {"r"}, "relu0");
  add_node(m, "Erf", {"r"}, {"y"}, "erf0");
  add_output(m, "y");
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported,
               "test.onnx: node #1 'erf0' (Erf) is not supported");
  m.mutable_graph()->mutable_node(1)->set_op_type("Relu");
  m.mutable_graph()->mutable_node(1)->set_domain("com.example");
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported,
               "(com.example.Relu) is not supported");
}

TEST(OnnxImporter, UnsupportedAttributeIsNamed) {
  ModelProto m = new_model();
  add_input(m, "x", {1, 3, 4, 4});
  add_init_i64(m, "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  attr_str(add_node(m, "Pad", {"x", "pads"}, {"y"}, "pad0"), "mode", "reflect");
  add_output(m, "y");
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported,
               "attribute mode=reflect is not supported");

  ModelProto c = conv_model();
  attr_str(c.mutable_graph()->mutable_node(0), "auto_pad", "SAME_SIDEWAYS");
  expect_error([&] { import_proto(c); }, ErrorCode::kUnsupported, "auto_pad=SAME_SIDEWAYS");
}

TEST(OnnxImporter, OpsetOutsideTheRangeIsNamed) {
  ModelProto m = conv_model();
  m.mutable_opset_import(0)->set_version(18);
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported, "opset 18 is newer");
  m.mutable_opset_import(0)->set_version(6);
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported, "opset 6 is older");
  m.clear_opset_import();
  expect_error([&] { import_proto(m); }, ErrorCode::kModel, "opset_import");
}

TEST(OnnxImporter, DanglingInputAndCycleAreModelErrors) {
  ModelProto m = new_model();
  add_input(m, "x", {1, 4});
  add_node(m, "Add", {"x", "ghost"}, {"y"}, "add0");
  add_output(m, "y");
  expect_error([&] { import_proto(m); }, ErrorCode::kModel,
               "node #0 'add0' (Add): input 'ghost' is not produced");

  ModelProto c = new_model();
  add_input(c, "x", {1, 4});
  add_node(c, "Add", {"x", "b"}, {"a"}, "first");
  add_node(c, "Relu", {"a"}, {"b"}, "second");
  add_node(c, "Relu", {"a"}, {"y"}, "out");
  add_output(c, "y");
  expect_error([&] { import_proto(c); }, ErrorCode::kModel, "cycle");

  ModelProto d = new_model();
  add_input(d, "x", {1, 4});
  add_node(d, "Relu", {"x"}, {"y"}, "r0");
  add_node(d, "Relu", {"x"}, {"y"}, "r1");
  add_output(d, "y");
  expect_error([&] { import_proto(d); }, ErrorCode::kModel, "already defined");

  ModelProto e = new_model();
  add_input(e, "x", {1, 4});
  add_node(e, "Relu", {"x"}, {"y"}, "r0");
  add_output(e, "z");
  expect_error([&] { import_proto(e); }, ErrorCode::kModel, "graph output 'z'");
}

TEST(OnnxImporter, SymbolicBatchIsOneOrTheOverride) {
  ModelProto m = new_model();
  add_value(m.mutable_graph()->mutable_input(), "x", {0, 3, 8, 8}, "N");
  add_init(m, "w", {8, 3, 3, 3}, random_values(8 * 27, 1));
  add_node(m, "Conv", {"x", "w"}, {"y"}, "conv0");
  add_output(m, "y");
  Graph g = import_proto(m);
  EXPECT_EQ(g.tensor(g.inputs[0]).shape, (Shape{1, 3, 8, 8}));
  OnnxImportOptions opt;
  opt.input_shape_override = {4, 3, 10, 10};
  g = import_proto(m, opt);
  EXPECT_EQ(g.tensor(g.inputs[0]).shape, (Shape{4, 3, 10, 10}));
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{4, 8, 8, 8}));
}

TEST(OnnxImporter, WeightsMustBeConstant) {
  ModelProto m = new_model();
  add_input(m, "x", {1, 3, 8, 8});
  add_input(m, "w", {8, 3, 3, 3});
  add_node(m, "Conv", {"x", "w"}, {"y"}, "conv0");
  add_output(m, "y");
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported,
               "weights (input 'w') must be a constant");
}

}  // namespace
}  // namespace edgebench
