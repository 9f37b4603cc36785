// Element-wise operators (run in whatever layout their operands share), and the
// value-only ones: Constant, Identity, Dropout.
#include <cmath>
#include <limits>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {
namespace {

using TP = onnx::TensorProto;

bool runtime_nhwc(Importer& im, Value& v) {
  return v.rank() == 4 && im.layout_of(v) == Layout::kNhwc;
}

// The IR tensor of a broadcast operand `v` of an op whose 4-D result is computed NHWC.
int nhwc_operand(Importer& im, Value& v) {
  if (v.rank() == 4) return im.ir_tensor(v, Layout::kNhwc);
  if (shape_elements(v.shape) <= 1) return im.ir_tensor(v, Layout::kOnnx);  // layout-free
  Shape e(4 - v.rank(), 1);  // NumPy aligns trailing axes: pad with leading 1s
  e.insert(e.end(), v.shape.begin(), v.shape.end());
  if (const OnnxTensorData* c = im.constant(v)) {
    OnnxTensorData d = *c;
    d.shape = e;
    return im.const_tensor(v.name, d, Layout::kNhwc);
  }
  int r = im.emit_reshape(im.ir_tensor(v, Layout::kOnnx), e, v.name + ":4d");
  return im.emit_transpose(r, kToNhwc, v.name + ":4d:nhwc");
}

float apply(OpType op, float a, float b) {
  switch (op) {
    case OpType::kAdd: return a + b;
    case OpType::kSub: return a - b;
    case OpType::kMul: return a * b;
    default: return a / b;
  }
}

// Both operands constant: compute now (shape arithmetic in exported graphs).
OnnxTensorData fold_binary(OpType op, const OnnxTensorData& a, const OnnxTensorData& b,
                           const Shape& out) {
  const size_t r = out.size();
  auto strides = [&](const Shape& s) {  // broadcast strides aligned to `out`
    std::vector<int64_t> st(r, 0);
    int64_t acc = 1;
    for (size_t i = 0; i < s.size(); ++i) {
      size_t d = s.size() - 1 - i;
      st[r - 1 - i] = s[d] == 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  std::vector<int64_t> sa = strides(a.shape), sb = strides(b.shape);
  const std::vector<float> av = a.as_floats(), bv = b.as_floats();
  std::vector<float> v(static_cast<size_t>(shape_elements(out)));
  std::vector<int64_t> idx(r, 0);
  for (size_t o = 0; o < v.size(); ++o) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < r; ++d) ia += idx[d] * sa[d], ib += idx[d] * sb[d];
    v[o] = apply(op, av[static_cast<size_t>(ia)], bv[static_cast<size_t>(ib)]);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  OnnxTensorData c;
  c.elem_type = TP::FLOAT;
  c.shape = out;
  c.data = make_owned_const(v);
  return c;
}

void binary(NodeCtx& c, OpType op) {
  Value& a = c.float_in(0);
  Value& b = c.float_in(1);
  if (c.opset() < 7 && c.attr_int("broadcast", 0) != 0) c.unsupported_attr("broadcast", "1");
  std::optional<Shape> out = broadcast_shapes(a.shape, b.shape);
  if (!out)
    c.bad("shapes " + shape_str(a.shape) + " and " + shape_str(b.shape) + " do not broadcast");
  const OnnxTensorData* ca = c.im.constant(a);
  const OnnxTensorData* cb = c.im.constant(b);
  if (!onnx_shape_ok(*out)) c.bad("output shape " + shape_str(*out) + " is too large");
  if (ca && cb && shape_elements(*out) <= (int64_t{1} << 24)) {  // fold; bigger stays run-time
    c.im.define_const(c.out_name(), fold_binary(op, *ca, *cb, *out));
    return;
  }
  const bool nhwc = out->size() == 4 && (runtime_nhwc(c.im, a) || runtime_nhwc(c.im, b));
  int ai = nhwc ? nhwc_operand(c.im, a) : c.im.ir_tensor(a, Layout::kOnnx);
  int bi = nhwc ? nhwc_operand(c.im, b) : c.im.ir_tensor(b, Layout::kOnnx);
  Shape ys = nhwc ? permute_shape(*out, kToNhwc) : *out;
  int y = c.im.emit(op, c.node_name(), {ai, bi}, BinaryAttrs{}, c.out_name(), DType::kF32, ys);
  c.im.define(c.out_name(), TP::FLOAT, *out, y, nhwc ? Layout::kNhwc : Layout::kOnnx);
}

void add(NodeCtx& c) {
  binary(c, OpType::kAdd);
}
void sub(NodeCtx& c) {
  binary(c, OpType::kSub);
}
void mul(NodeCtx& c) {
  binary(c, OpType::kMul);
}
void div(NodeCtx& c) {
  binary(c, OpType::kDiv);
}

// A one-input operator that keeps the layout of its input.
void unary(NodeCtx& c, OpType op, Attrs attrs) {
  Value& x = c.float_in(0);
  Layout l = c.im.layout_of(x);
  int xi = c.im.ir_tensor(x, l);
  const Shape ys = c.im.graph().tensor(xi).shape;
  int y = c.im.emit(op, c.node_name(), {xi}, std::move(attrs), c.out_name(), DType::kF32, ys);
  c.im.define(c.out_name(), TP::FLOAT, x.shape, y, l);
}

void relu(NodeCtx& c) {
  unary(c, OpType::kRelu, NoAttrs{});
}
void sigmoid(NodeCtx& c) {
  unary(c, OpType::kLogistic, NoAttrs{});
}

void clip(NodeCtx& c) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float lo, hi;
  if (c.opset() < 11) {
    lo = c.attr_float("min", -std::numeric_limits<float>::max());
    hi = c.attr_float("max", std::numeric_limits<float>::max());
  } else {
    c.float_in(0);
    lo = c.has_input(1) ? c.const_scalar(1, "min") : -kInf;
    hi = c.has_input(2) ? c.const_scalar(2, "max") : kInf;
  }
  if (std::isnan(lo) || std::isnan(hi)) c.unsupported_attr("min/max", "NaN");
  if (lo == 0 && hi >= std::numeric_limits<float>::max()) return unary(c, OpType::kRelu, NoAttrs{});
  if (lo == 0 && hi == 6) return unary(c, OpType::kRelu6, NoAttrs{});
  unary(c, OpType::kClip, ClipAttrs{lo, hi});
}

void identity(NodeCtx& c) {
  c.im.alias(c.out_name(), c.in(0));
}

void dropout(NodeCtx& c) {
  if (c.opset() >= 12 && c.has_input(2)) {
    const OnnxTensorData& t = c.const_in(2, "training_mode");
    std::vector<int64_t> v = t.as_ints();
    if (v.size() != 1) c.bad("training_mode must be a boolean scalar");
    if (v[0] != 0) c.unsupported("training_mode=true is not supported");
  }
  c.require_unused_outputs_from(1, "mask");
  c.im.alias(c.out_name(), c.in(0));
}

void constant(NodeCtx& c) {
  if (c.node.attribute_size() != 1) c.bad("needs exactly one value attribute");
  const onnx::AttributeProto& a = c.node.attribute(0);
  OnnxTensorData d;
  auto vec = [&](int32_t type, Shape shape, ConstData data) {
    d.elem_type = type;
    d.shape = std::move(shape);
    d.data = std::move(data);
  };
  const int64_t n_f = a.floats_size(), n_i = a.ints_size();
  if (a.name() == "value") {
    if (!a.has_t()) c.bad("attribute 'value' holds no tensor");
    onnx::TensorProto t = a.t();  // decoding moves raw_data: work on a copy
    d = decode_tensor_proto(t, "Constant value", ErrorCode::kModel, c.im.external_reader());
  } else if (a.name() == "value_float") {
    vec(TP::FLOAT, {}, make_owned_const(std::vector<float>{a.f()}));
  } else if (a.name() == "value_floats") {
    vec(TP::FLOAT, {n_f},
        make_owned_const(std::vector<float>(a.floats().begin(), a.floats().end())));
  } else if (a.name() == "value_int") {
    vec(TP::INT64, {}, make_owned_const(std::vector<int64_t>{a.i()}));
  } else if (a.name() == "value_ints") {
    vec(TP::INT64, {n_i}, make_owned_const(std::vector<int64_t>(a.ints().begin(), a.ints().end())));
  } else {
    c.unsupported("attribute '" + a.name() + "' is not supported");
  }
  c.im.define_const(c.out_name(), std::move(d));
}

}  // namespace

std::vector<OpEntry> elementwise_ops() {
  return {{"Add", add},         {"Sub", sub},          {"Mul", mul},   {"Div", div},
          {"Relu", relu},       {"Sigmoid", sigmoid},  {"Clip", clip}, {"Identity", identity},
          {"Dropout", dropout}, {"Constant", constant}};
}

}  // namespace edgebench::onnx_import
