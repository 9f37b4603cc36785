// NodeCtx: attribute and input accessors with messages that name the node, and the
// table of operator mappings.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "importers/onnx/onnx_context.h"

namespace edgebench {
namespace onnx_import {

using AP = onnx::AttributeProto;

std::string node_label(const onnx::NodeProto& n, int index) {
  std::string op =
      n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + "." + n.op_type();
  std::string name = n.name().empty() && n.output_size() > 0 ? n.output(0) : n.name();
  return "node #" + std::to_string(index) + " '" + name + "' (" + op + ")";
}

std::string NodeCtx::label() const {
  return node_label(node, index);
}

std::string NodeCtx::node_name() const {
  return node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name();
}

void NodeCtx::fail(ErrorCode code, const std::string& what) const {
  edgebench::fail(code, im.source(), label() + ": " + what);
}

void NodeCtx::unsupported_attr(const std::string& attr, const std::string& value) const {
  unsupported("attribute " + attr + "=" + value + " is not supported");
}

const AP* NodeCtx::attr(std::string_view name) const {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

namespace {

void check_type(const NodeCtx& c, const AP& a, AP::AttributeType want, const char* what) {
  // Very old files leave `type` unset; trust the field then.
  if (a.type() != want && a.type() != AP::UNDEFINED)
    c.bad("attribute '" + a.name() + "' must be " + what);
}

}  // namespace

int64_t NodeCtx::attr_int(std::string_view name, int64_t dflt) const {
  const AP* a = attr(name);
  if (!a) return dflt;
  check_type(*this, *a, AP::INT, "an int");
  return a->i();
}

float NodeCtx::attr_float(std::string_view name, float dflt) const {
  const AP* a = attr(name);
  if (!a) return dflt;
  check_type(*this, *a, AP::FLOAT, "a float");
  return a->f();
}

std::string NodeCtx::attr_str(std::string_view name, const std::string& dflt) const {
  const AP* a = attr(name);
  if (!a) return dflt;
  check_type(*this, *a, AP::STRING, "a string");
  return a->s();
}

std::vector<int64_t> NodeCtx::attr_ints(std::string_view name) const {
  const AP* a = attr(name);
  if (!a) return {};
  check_type(*this, *a, AP::INTS, "a list of ints");
  return {a->ints().begin(), a->ints().end()};
}

bool NodeCtx::has_input(size_t i) const {
  return i < static_cast<size_t>(node.input_size()) && !node.input(static_cast<int>(i)).empty();
}

Value& NodeCtx::in(size_t i) const {
  if (!has_input(i)) bad("missing input " + std::to_string(i));
  return im.value(node.input(static_cast<int>(i)));
}

Value& NodeCtx::float_in(size_t i) const {
  Value& v = in(i);
  if (v.elem_type != onnx::TensorProto::FLOAT)
    unsupported("input '" + v.name + "' has element type " + onnx_elem_name(v.elem_type) +
                "; only float32 is supported");
  return v;
}

const OnnxTensorData& NodeCtx::const_in(size_t i, const std::string& what) const {
  Value& v = in(i);
  if (const OnnxTensorData* c = im.constant(v)) return *c;
  if (v.graph_input && v.known) return *v.known;
  unsupported(what + " (input '" + v.name + "') must be a constant");
}

const OnnxTensorData& NodeCtx::weight_in(size_t i, const std::string& what) const {
  Value& v = in(i);
  if (const OnnxTensorData* c = im.constant_shape(v)) return *c;
  return const_in(i, what);
}

std::vector<int64_t> NodeCtx::const_ints(size_t i, const std::string& what) const {
  const OnnxTensorData& c = const_in(i, what);
  if (c.elem_type != onnx::TensorProto::INT64 && c.elem_type != onnx::TensorProto::INT32)
    bad(what + " must be int64, not " + onnx_elem_name(c.elem_type));
  return c.as_ints();
}

float NodeCtx::const_scalar(size_t i, const std::string& what) const {
  const OnnxTensorData& c = const_in(i, what);
  if (c.elem_type != onnx::TensorProto::FLOAT)
    unsupported(what + " of element type " + onnx_elem_name(c.elem_type) + " is not supported");
  if (c.elements() != 1) bad(what + " must be a scalar, not " + shape_str(c.shape));
  return c.as_floats()[0];
}

void NodeCtx::require_unused_outputs_from(size_t first, const std::string& what) const {
  for (int k = static_cast<int>(first); k < node.output_size(); ++k)
    if (!node.output(k).empty() && im.live(node.output(k)))
      unsupported(what + " (output '" + node.output(k) + "') is not supported");
}

int NodeCtx::axis(int64_t a, size_t rank, const std::string& what) const {
  const auto r = static_cast<int64_t>(rank);
  if (a < -r || a >= r)
    bad(what + " " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
  return static_cast<int>(a < 0 ? a + r : a);
}

namespace {

const std::unordered_map<std::string_view, OpHandler>& op_table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, OpHandler>();
    for (auto list : {nn_ops(), elementwise_ops(), tensor_ops(), quant_ops()})
      for (const OpEntry& e : list) t->emplace(e.op_type, e.fn);
    return t;
  }();
  return *table;
}

}  // namespace

OpHandler find_op_handler(std::string_view op_type) {
  auto it = op_table().find(op_type);
  return it == op_table().end() ? nullptr : it->second;
}

}  // namespace onnx_import

bool onnx_op_supported(std::string_view op_type) {
  return onnx_import::find_op_handler(op_type) != nullptr;
}

std::vector<std::string> onnx_supported_ops() {
  std::vector<std::string> ops;
  for (const auto& [name, fn] : onnx_import::op_table()) ops.emplace_back(name);
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace edgebench
