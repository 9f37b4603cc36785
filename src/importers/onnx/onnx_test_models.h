// Test helpers: small ONNX models built with the protobuf API, imported from memory
// and run on the reference backend. Included by the ONNX importer's tests only.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "importers/onnx/onnx_importer.h"
#include "runtime/session.h"
#include "util/error.h"

namespace edgebench::onnx_test {

using onnx::AttributeProto;
using onnx::ModelProto;
using onnx::NodeProto;
using onnx::TensorProto;

inline ModelProto new_model(int opset = 13) {
  ModelProto m;
  m.set_ir_version(7);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  m.mutable_graph()->set_name("g");
  return m;
}

inline void add_value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                      const std::string& name, const std::vector<int64_t>& shape,
                      const std::string& symbolic_first = "") {
  auto* v = list->Add();
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(TensorProto::FLOAT);
  auto* s = tt->mutable_shape();
  for (size_t i = 0; i < shape.size(); ++i) {
    auto* d = s->add_dim();
    if (i == 0 && !symbolic_first.empty())
      d->set_dim_param(symbolic_first);
    else
      d->set_dim_value(shape[i]);
  }
}
inline void add_input(ModelProto& m, const std::string& name, const std::vector<int64_t>& shape) {
  add_value(m.mutable_graph()->mutable_input(), name, shape);
}
inline void add_output(ModelProto& m, const std::string& name) {
  add_value(m.mutable_graph()->mutable_output(), name, {});
  m.mutable_graph()
      ->mutable_output()
      ->rbegin()
      ->mutable_type()
      ->mutable_tensor_type()
      ->clear_shape();
}

inline NodeProto* add_node(ModelProto& m, const std::string& op, std::vector<std::string> ins,
                           std::vector<std::string> outs, const std::string& name = "") {
  NodeProto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto& i : ins) n->add_input(i);
  for (auto& o : outs) n->add_output(o);
  return n;
}
inline void attr_int(NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INT);
  a->set_i(v);
}
inline void attr_ints(NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void attr_str(NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::STRING);
  a->set_s(v);
}

inline TensorProto* add_init(ModelProto& m, const std::string& name,
                             const std::vector<int64_t>& shape, const std::vector<float>& v) {
  TensorProto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(TensorProto::FLOAT);
  for (int64_t d : shape) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  return t;
}
inline void add_init_i64(ModelProto& m, const std::string& name, const std::vector<int64_t>& v) {
  TensorProto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(v.size()));
  for (int64_t x : v) t->add_int64_data(x);
}

inline Graph import_proto(const ModelProto& m, const OnnxImportOptions& opt = {}) {
  std::string s = m.SerializeAsString();
  return import_onnx_buffer(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "test.onnx", opt);
}

// Runs `f`, expecting an Error of `code` whose message contains `text`.
inline void expect_error(const std::function<void()>& f, ErrorCode code, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected code " << static_cast<int>(code) << " with '" << text
                  << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

inline std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

inline std::vector<float> run(Graph g, const std::vector<float>& x) {
  auto s = Session::from_graph(std::move(g), SessionOptions{});
  auto out = s->make_output_buffers();
  s->run({x.data()}, out);
  std::vector<float> y(out[0].size() / sizeof(float));
  std::memcpy(y.data(), out[0].data(), out[0].size());
  return y;
}

inline void attr_f(NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::FLOAT);
  a->set_f(v);
}

}  // namespace edgebench::onnx_test
