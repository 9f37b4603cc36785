#include "importers/onnx/onnx_contrib.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "importers/onnx/onnx_context.h"
#include "importers/onnx/onnx_tensor.h"
#include "util/error.h"

namespace edgebench::onnx_import {
namespace {

// A quantized operand: value, scale, zero point ("" when absent).
struct Operand {
  std::string x, scale, zero_point;
};

// What a contrib operator computes in float, and where its operands are.
struct Contrib {
  std::string float_op;
  // Inputs of the node: the quantized operands, then the output's scale and
  // zero point (index -1: the operator has no quantized output).
  std::vector<Operand> (*operands)(const onnx::NodeProto&);
  int out_scale = -1, out_zero_point = -1;
};

std::string input(const onnx::NodeProto& n, int i) {
  return i < n.input_size() ? n.input(i) : std::string();
}

std::vector<Operand> triples_from(const onnx::NodeProto& n, int first, int count) {
  std::vector<Operand> ops;
  for (int k = 0; k < count; ++k)
    ops.push_back(
        {input(n, first + 3 * k), input(n, first + 3 * k + 1), input(n, first + 3 * k + 2)});
  return ops;
}

// (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp); QGemm's
// (A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp) too, its C apart.
std::vector<Operand> two_operands(const onnx::NodeProto& n) {
  return triples_from(n, 0, 2);
}
// (X, X_scale, X_zp, Y_scale, Y_zp)
std::vector<Operand> unary_operands(const onnx::NodeProto& n) {
  return triples_from(n, 0, 1);
}
// (Y_scale, Y_zp, X1, X1_scale, X1_zp, X2, ...)
std::vector<Operand> concat_operands(const onnx::NodeProto& n) {
  return triples_from(n, 2, (n.input_size() - 2) / 3);
}

const std::map<std::string, Contrib>& contribs() {
  static const std::map<std::string, Contrib> m = {
      {"QLinearAdd", {"Add", two_operands, 6, 7}},
      {"QLinearMul", {"Mul", two_operands, 6, 7}},
      {"QLinearSigmoid", {"Sigmoid", unary_operands, 3, 4}},
      {"QLinearSoftmax", {"Softmax", unary_operands, 3, 4}},
      {"QLinearAveragePool", {"AveragePool", unary_operands, 3, 4}},
      {"QLinearGlobalAveragePool", {"GlobalAveragePool", unary_operands, 3, 4}},
      {"QLinearConcat", {"Concat", concat_operands, 0, 1}},
      {"QGemm", {"Gemm", two_operands, 7, 8}},
  };
  return m;
}

const onnx::TensorProto* initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

std::vector<float> float_values(const onnx::GraphProto& g, const std::string& name,
                                const std::string& where) {
  const onnx::TensorProto* t = initializer(g, name);
  if (!t) fail(ErrorCode::kUnsupported, where, "scale '" + name + "' is not an initializer");
  onnx::TensorProto copy = *t;
  const OnnxTensorData d = decode_tensor_proto(copy, where, ErrorCode::kModel, nullptr);
  if (d.elem_type != onnx::TensorProto::FLOAT)
    fail(ErrorCode::kModel, where, "scale '" + name + "' is not float");
  return d.as_floats();
}

onnx::NodeProto make_node(const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs, const std::string& output) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}

void set_axis(onnx::NodeProto& n, int64_t axis) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(axis);
}

}  // namespace

int expand_contrib_quant_ops(onnx::GraphProto& graph, int64_t opset, const std::string& source) {
  const auto expandable = [](const onnx::NodeProto& n) {
    return n.domain() == "com.microsoft" && contribs().count(n.op_type()) != 0 &&
           n.output_size() == 1 && !n.output(0).empty();
  };
  // Most models have none: the node list is then left as it is, not copied.
  if (std::none_of(graph.node().begin(), graph.node().end(), expandable)) return 0;
  std::vector<onnx::NodeProto> nodes;
  int expanded = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& n = graph.node(i);
    if (!expandable(n)) {
      nodes.push_back(std::move(*graph.mutable_node(i)));  // the list is rebuilt below
      continue;
    }
    const auto it = contribs().find(n.op_type());
    const Contrib& c = it->second;
    const std::string where = source + ": " + node_label(n, i);
    const std::string name = n.name().empty() ? n.output(0) : n.name();
    const std::vector<Operand> ops = c.operands(n);
    if (ops.empty()) fail(ErrorCode::kModel, where, "no inputs");
    int64_t axis = -1, softmax_opset = opset;
    for (const auto& a : n.attribute()) {
      if (a.name() == "channels_last" && a.i() != 0)
        fail(ErrorCode::kUnsupported, where, "channels_last=1 (only NCHW)");
      if (a.name() == "axis") axis = a.i();
      if (a.name() == "opset") softmax_opset = a.i();
    }
    // QLinearSoftmax carries the Softmax opset it follows: before 13 the input is
    // flattened to 2-D at the axis. Read as this model's Softmax, the two agree on
    // the last axis, or when both sides of 13 match.
    if (n.op_type() == "QLinearSoftmax" && axis != -1 && (softmax_opset < 13) != (opset < 13))
      fail(ErrorCode::kUnsupported, where,
           "Softmax of opset " + std::to_string(softmax_opset) + " semantics on axis " +
               std::to_string(axis) + " in an opset " + std::to_string(opset) + " model");

    onnx::NodeProto op = make_node(c.float_op, name, {}, n.output(0) + "/float");
    for (const auto& a : n.attribute())
      if (a.name() != "channels_last" && a.name() != "opset") *op.add_attribute() = a;
    for (size_t k = 0; k < ops.size(); ++k) {
      if (ops[k].x.empty() || ops[k].scale.empty())
        fail(ErrorCode::kModel, where, "operand " + std::to_string(k) + " or its scale is missing");
      const std::string dq = ops[k].x + "/dequantized_for_" + name;
      std::vector<std::string> in = {ops[k].x, ops[k].scale};
      if (!ops[k].zero_point.empty()) in.push_back(ops[k].zero_point);
      nodes.push_back(
          make_node("DequantizeLinear", name + "/dequantize" + std::to_string(k), in, dq));
      if (n.op_type() == "QGemm" && k == 1) {  // per-column b_scale: B's axis 1, or 0 transposed
        int64_t trans_b = 0;
        for (const auto& a : n.attribute())
          if (a.name() == "transB") trans_b = a.i();
        set_axis(nodes.back(), trans_b != 0 ? 0 : 1);
      }
      op.add_input(dq);
    }
    if (n.op_type() == "QGemm" && !input(n, 6).empty()) {
      // The int32 bias is in units of a_scale x b_scale (per column of B).
      const std::vector<float> a = float_values(graph, ops[0].scale, where);
      const std::vector<float> b = float_values(graph, ops[1].scale, where);
      if (a.size() != 1) fail(ErrorCode::kUnsupported, where, "per-axis a_scale");
      onnx::TensorProto* s = graph.add_initializer();
      s->set_name(input(n, 6) + "/scale_for_" + name);
      s->set_data_type(onnx::TensorProto::FLOAT);
      if (b.size() > 1) s->add_dims(static_cast<int64_t>(b.size()));
      for (float v : b) s->add_float_data(a[0] * v);
      const std::string dq = input(n, 6) + "/dequantized_for_" + name;
      nodes.push_back(
          make_node("DequantizeLinear", name + "/dequantize_bias", {input(n, 6), s->name()}, dq));
      set_axis(nodes.back(), 0);  // C is 1-D
      op.add_input(dq);
    }
    const std::string y_scale = c.out_scale >= 0 ? input(n, c.out_scale) : std::string();
    if (y_scale.empty()) {  // float output (QGemm without y_scale)
      op.set_output(0, n.output(0));
      nodes.push_back(op);
    } else {
      nodes.push_back(op);
      std::vector<std::string> in = {op.output(0), y_scale};
      if (!input(n, c.out_zero_point).empty()) in.push_back(input(n, c.out_zero_point));
      nodes.push_back(make_node("QuantizeLinear", name + "/quantize", in, n.output(0)));
    }
    ++expanded;
  }
  if (expanded > 0) {
    graph.clear_node();
    for (auto& n : nodes) *graph.add_node() = std::move(n);
  }
  return expanded;
}

}  // namespace edgebench::onnx_import
