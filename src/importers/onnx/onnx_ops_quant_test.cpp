// DequantizeLinear of constants: a dequantized weight stays quantized for the
// weight readers (its float values are never computed then), while every
// other reader gets (q - zero_point) * scale. A model built with dequantized
// int8/uint8 initializers must compute what the same model with those float
// values as initializers computes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <string>
#include <vector>

#include "importers/onnx/onnx_test_models.h"

namespace edgebench {
namespace {

using namespace onnx_test;

template <typename T>
void add_int_init(ModelProto& m, const std::string& name, const std::vector<int64_t>& shape,
                  const std::vector<T>& v, int type) {
  TensorProto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : shape) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
}

// Conv (weights int8 per channel, bias int32) + Add of a uint8 per-tensor
// constant, flattened, + Gemm with alpha != 1 on int8 weights; `quantized` selects
// DequantizeLinear of integer initializers or their float values directly.
ModelProto model(bool quantized) {
  ModelProto m = new_model(13);
  add_input(m, "x", {1, 4, 5, 5});
  std::vector<int8_t> wq(4 * 4 * 3 * 3);
  for (size_t i = 0; i < wq.size(); ++i)
    wq[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  const std::vector<float> ws = {0.01f, 0.02f, 0.005f, 0.03f};
  std::vector<int32_t> bq = {100, -250, 7, 3000};
  std::vector<uint8_t> cq = {3, 250, 128, 77};
  const float cs = 0.04f;
  const uint8_t czp = 128;
  std::vector<int8_t> gq(10 * 36);
  for (size_t i = 0; i < gq.size(); ++i)
    gq[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 200) - 100);
  const float gs = 0.015f;
  if (quantized) {
    add_int_init<int8_t>(m, "wq", {4, 4, 3, 3}, wq, TensorProto::INT8);
    add_init(m, "ws", {4}, ws);
    add_int_init<int8_t>(m, "wzp", {4}, std::vector<int8_t>(4, 0), TensorProto::INT8);
    attr_int(add_node(m, "DequantizeLinear", {"wq", "ws", "wzp"}, {"w"}, "dq_w"), "axis", 0);
    add_int_init<int32_t>(m, "bq", {4}, bq, TensorProto::INT32);
    add_init(m, "bs", {4}, {0.001f, 0.001f, 0.002f, 0.0005f});
    add_int_init<int32_t>(m, "bzp", {4}, std::vector<int32_t>(4, 0), TensorProto::INT32);
    attr_int(add_node(m, "DequantizeLinear", {"bq", "bs", "bzp"}, {"b"}, "dq_b"), "axis", 0);
    add_int_init<uint8_t>(m, "cq", {1, 4, 1, 1}, cq, TensorProto::UINT8);
    add_init(m, "cs", {}, {cs});
    add_int_init<uint8_t>(m, "czp", {}, std::vector<uint8_t>{czp}, TensorProto::UINT8);
    add_node(m, "DequantizeLinear", {"cq", "cs", "czp"}, {"c"}, "dq_c");
    add_int_init<int8_t>(m, "gq", {10, 36}, gq, TensorProto::INT8);
    add_init(m, "gs", {}, {gs});
    add_node(m, "DequantizeLinear", {"gq", "gs"}, {"g"}, "dq_g");
  } else {
    std::vector<float> w(wq.size()), c(4), g(gq.size());
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(wq[i]) * ws[i / 36];
    const std::vector<float> bscale = {0.001f, 0.001f, 0.002f, 0.0005f};
    std::vector<float> b(4);
    for (size_t i = 0; i < 4; ++i) b[i] = static_cast<float>(bq[i]) * bscale[i];
    for (size_t i = 0; i < 4; ++i) c[i] = static_cast<float>(cq[i] - czp) * cs;
    for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<float>(gq[i]) * gs;
    add_init(m, "w", {4, 4, 3, 3}, w);
    add_init(m, "b", {4}, b);
    add_init(m, "c", {1, 4, 1, 1}, c);
    add_init(m, "g", {10, 36}, g);
  }
  NodeProto* conv = add_node(m, "Conv", {"x", "w", "b"}, {"y0"}, "conv");
  attr_ints(conv, "pads", {0, 0, 0, 0});
  add_node(m, "Add", {"y0", "c"}, {"y1"}, "add");
  add_init_i64(m, "flat", {1, 36});
  add_node(m, "Reshape", {"y1", "flat"}, {"y2"}, "flatten");
  // alpha != 1: the weights are scaled as floats, so their values are computed.
  NodeProto* gemm = add_node(m, "Gemm", {"y2", "g"}, {"y3"}, "gemm");
  attr_f(gemm, "alpha", 0.5f);
  attr_int(gemm, "transB", 1);
  add_output(m, "y3");
  return m;
}

TEST(OnnxDequantizeLinear, ConstantsComputeAsTheirFloatValues) {
  const std::vector<float> x = random_values(100, 3);
  const std::vector<float> want = run(import_proto(model(false)), x);
  const std::vector<float> got = run(import_proto(model(true)), x);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << i;
}

}  // namespace
}  // namespace edgebench
