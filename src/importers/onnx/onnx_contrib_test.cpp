// ONNX Runtime's com.microsoft quantized operators: what the rewrite refuses,
// by name (the fixtures in cpu_ort_quantized_test.cpp cover what it accepts).
#include "importers/onnx/onnx_contrib.h"

#include <gtest/gtest.h>

#include "importers/onnx/onnx_test_models.h"

namespace edgebench::onnx_import {
namespace {

using namespace onnx_test;

// x (u8 NCHW 1x4x3x3) -> com.microsoft `op` -> y, with scale/zero-point initializers.
ModelProto contrib_model(const std::string& op) {
  ModelProto m = new_model();
  auto* ms = m.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  add_input(m, "x", {1, 4, 3, 3});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      TensorProto::UINT8);
  add_init(m, "s", {}, {0.5f});
  TensorProto* z = m.mutable_graph()->add_initializer();
  z->set_name("z");
  z->set_data_type(TensorProto::UINT8);
  z->set_raw_data(std::string(1, static_cast<char>(128)));
  NodeProto* n = add_node(m, op, {"x", "s", "z", "s", "z"}, {"y"}, "contrib");
  n->set_domain("com.microsoft");
  add_node(m, "DequantizeLinear", {"y", "s", "z"}, {"out"});
  add_output(m, "out");
  return m;
}

TEST(OnnxContrib, GlobalAveragePoolRunsQuantized) {
  const Graph g = import_proto(contrib_model("QLinearGlobalAveragePool"));
  bool mean = false;
  for (const Node& n : g.nodes)
    if (n.op == OpType::kMean) mean = g.tensor(n.outputs[0]).dtype == DType::kU8;
  EXPECT_TRUE(mean);
}

TEST(OnnxContrib, ChannelsLastIsRefusedByName) {
  ModelProto m = contrib_model("QLinearGlobalAveragePool");
  attr_int(m.mutable_graph()->mutable_node(0), "channels_last", 1);
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported, "channels_last");
}

TEST(OnnxContrib, SoftmaxOfAnotherOpsetOnlyOnTheLastAxis) {
  ModelProto m = contrib_model("QLinearSoftmax");  // an opset 13 model
  NodeProto* n = m.mutable_graph()->mutable_node(0);
  attr_int(n, "opset", 11);
  import_proto(m);  // axis -1: both semantics agree
  attr_int(n, "axis", 1);
  expect_error([&] { import_proto(m); }, ErrorCode::kUnsupported, "Softmax of opset 11");
}

TEST(OnnxContrib, OtherContribOperatorsAreNamedAsUnsupported) {
  expect_error([&] { import_proto(contrib_model("QLinearLeakyRelu")); }, ErrorCode::kUnsupported,
               "QLinearLeakyRelu");
}

TEST(OnnxContrib, MissingScaleIsAModelError) {
  ModelProto m = contrib_model("QLinearGlobalAveragePool");
  m.mutable_graph()->mutable_node(0)->set_input(1, "");
  expect_error([&] { import_proto(m); }, ErrorCode::kModel, "scale is missing");
}

}  // namespace
}  // namespace edgebench::onnx_import
