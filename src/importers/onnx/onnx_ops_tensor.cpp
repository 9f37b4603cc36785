// Axis operators: Concat, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Softmax,
// Pad. Each remaps its axes onto an NHWC input, or asks for the ONNX order first
// (reshapes must see it). Constant inputs are folded.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {
namespace {

using TP = onnx::TensorProto;
constexpr int64_t kMaxFoldBytes = int64_t{1} << 26;  // larger constant results stay run-time ops

// Defines output 0 as `x` viewed with ONNX shape `s` (same elements, ONNX order).
void reshape_to(NodeCtx& c, Value& x, Shape s) {
  if (shape_elements(s) != shape_elements(x.shape))
    c.bad("cannot reshape " + shape_str(x.shape) + " to " + shape_str(s));
  if (const OnnxTensorData* k = c.im.constant(x)) {  // fold: same bytes, new shape
    OnnxTensorData d = *k;
    d.shape = std::move(s);
    c.im.define_const(c.out_name(), std::move(d));
    return;
  }
  if (x.elem_type != TP::FLOAT && x.elem_type != TP::UINT8 && x.elem_type != TP::INT8)
    c.unsupported("input '" + x.name + "' has element type " + onnx_elem_name(x.elem_type) +
                  "; only float32, uint8 and int8 are supported");
  int y = c.im.emit_reshape(c.im.ir_tensor(x, Layout::kOnnx), s, c.out_name());
  c.im.define(c.out_name(), x.elem_type, std::move(s), y, Layout::kOnnx);
}

void reshape(NodeCtx& c) {
  Value& x = c.in(0);
  std::vector<int64_t> spec = c.const_ints(1, "shape");
  const bool allow_zero = c.opset() >= 14 && c.attr_int("allowzero", 0) != 0;
  Shape s(spec.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == 0 && !allow_zero) {
      if (i >= x.rank())
        c.bad("shape has 0 at axis " + std::to_string(i) + " beyond the input's rank");
      d = x.shape[i];
    }
    if (d == -1) {
      if (infer >= 0) c.bad("shape has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (d < 0 || d > (int64_t{1} << 31)) c.bad("shape value " + std::to_string(d) + " is invalid");
    s[i] = d;
    if (d > 0 && known > (int64_t{1} << 40) / d) c.bad("shape is too large");
    known *= d;
  }
  if (infer >= 0) {
    if (known == 0 || shape_elements(x.shape) % known != 0)
      c.bad("cannot reshape " + shape_str(x.shape) + " to " + shape_str(spec));
    s[static_cast<size_t>(infer)] = shape_elements(x.shape) / known;
  }
  reshape_to(c, x, std::move(s));
}

void flatten(NodeCtx& c) {
  Value& x = c.in(0);
  const int64_t r = static_cast<int64_t>(x.rank());
  int64_t a = c.attr_int("axis", 1);
  if (a < -r || a > r)
    c.bad("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(r));
  if (a < 0) a += r;
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < r; ++d) (d < a ? rows : cols) *= x.shape[static_cast<size_t>(d)];
  reshape_to(c, x, {rows, cols});
}

std::vector<int64_t> axes_of(NodeCtx& c, bool required) {
  if (c.opset() < 13) {
    if (required && !c.has_attr("axes")) c.bad("attribute axes is required");
    return c.attr_ints("axes");
  }
  if (!c.has_input(1)) {
    if (required) c.bad("input axes is required");
    return {};
  }
  return c.const_ints(1, "axes");
}

void squeeze(NodeCtx& c) {
  Value& x = c.in(0);
  std::vector<int64_t> axes = axes_of(c, false);
  std::vector<bool> drop(x.rank(), false);
  if (axes.empty()) {
    for (size_t d = 0; d < x.rank(); ++d) drop[d] = x.shape[d] == 1;
  }
  for (int64_t a : axes) {
    int d = c.axis(a, x.rank(), "axis");
    if (x.shape[static_cast<size_t>(d)] != 1)
      c.bad("cannot squeeze axis " + std::to_string(d) + " of " + shape_str(x.shape));
    drop[static_cast<size_t>(d)] = true;
  }
  Shape s;
  for (size_t d = 0; d < x.rank(); ++d)
    if (!drop[d]) s.push_back(x.shape[d]);
  reshape_to(c, x, std::move(s));
}

void unsqueeze(NodeCtx& c) {
  Value& x = c.in(0);
  std::vector<int64_t> axes = axes_of(c, true);
  const size_t r = x.rank() + axes.size();
  if (r > 32) c.bad("too many axes");
  std::vector<bool> add(r, false);
  for (int64_t a : axes) {
    int d = c.axis(a, r, "axis");
    if (add[static_cast<size_t>(d)]) c.bad("axis " + std::to_string(a) + " repeats");
    add[static_cast<size_t>(d)] = true;
  }
  Shape s;
  size_t src = 0;
  for (size_t d = 0; d < r; ++d) s.push_back(add[d] ? 1 : x.shape[src++]);
  reshape_to(c, x, std::move(s));
}

void transpose(NodeCtx& c) {
  Value& x = c.in(0);
  const size_t r = x.rank();
  std::vector<int64_t> p = c.attr_ints("perm");
  std::vector<int> perm(r);
  if (p.empty()) {
    for (size_t i = 0; i < r; ++i) perm[i] = static_cast<int>(r - 1 - i);
  } else {
    if (p.size() != r)
      c.bad("perm has " + std::to_string(p.size()) + " values for rank " + std::to_string(r));
    std::vector<bool> seen(r, false);
    for (size_t i = 0; i < r; ++i) {
      if (p[i] < 0 || p[i] >= static_cast<int64_t>(r) || seen[static_cast<size_t>(p[i])])
        c.bad("perm is not a permutation");
      seen[static_cast<size_t>(p[i])] = true;
      perm[i] = static_cast<int>(p[i]);
    }
  }
  const Shape out = permute_shape(x.shape, perm);
  if (const OnnxTensorData* k = c.im.constant(x)) {
    OnnxTensorData d = *k;
    d.shape = out;
    d.data = ConstData::permuted(k->data, onnx_elem_size(k->elem_type), k->shape, perm);
    c.im.define_const(c.out_name(), std::move(d));
    return;
  }
  if (x.elem_type != TP::FLOAT && x.elem_type != TP::UINT8 && x.elem_type != TP::INT8)
    c.unsupported("input '" + x.name + "' has element type " + onnx_elem_name(x.elem_type) +
                  "; only float32, uint8 and int8 are supported");
  int xi;
  std::vector<int> q = perm;
  if (c.im.layout_of(x) == Layout::kNhwc) {  // compose with the NHWC permutation
    xi = c.im.ir_tensor(x, Layout::kNhwc);
    for (size_t j = 0; j < r; ++j) q[j] = kToOnnx[static_cast<size_t>(perm[j])];
  } else {
    xi = c.im.ir_tensor(x, Layout::kOnnx);
  }
  int y = c.im.emit_transpose(xi, q, c.out_name());
  c.im.define(c.out_name(), x.elem_type, out, y, Layout::kOnnx);
}

void concat(NodeCtx& c) {
  const int n = c.node.input_size();
  if (n < 1) c.bad("needs at least one input");
  std::vector<Value*> ins;
  for (int i = 0; i < n; ++i) ins.push_back(&c.in(static_cast<size_t>(i)));
  const Shape& s0 = ins[0]->shape;
  const int axis = c.axis(c.attr_int("axis", 0), s0.size(), "axis");
  Shape out = s0;
  out[static_cast<size_t>(axis)] = 0;
  bool all_const = true, nhwc = false;
  for (Value* v : ins) {
    if (v->shape.size() != s0.size() || v->elem_type != ins[0]->elem_type)
      c.bad("inputs differ in rank or element type");
    for (size_t d = 0; d < s0.size(); ++d)
      if (static_cast<int>(d) != axis && v->shape[d] != s0[d])
        c.bad("inputs " + shape_str(s0) + " and " + shape_str(v->shape) +
              " differ outside the axis");
    out[static_cast<size_t>(axis)] += v->shape[static_cast<size_t>(axis)];
    all_const = all_const && c.im.constant(*v);
    nhwc = nhwc || (s0.size() == 4 && c.im.layout_of(*v) == Layout::kNhwc);
  }
  if (!onnx_shape_ok(out)) c.bad("output shape " + shape_str(out) + " is too large");
  const size_t es = onnx_elem_size(ins[0]->elem_type);
  if (all_const && shape_elements(out) * static_cast<int64_t>(es) <= kMaxFoldBytes) {
    // fold (shape arithmetic in exported graphs)
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= out[static_cast<size_t>(d)];
    const int64_t inner =
        shape_elements(out) / std::max<int64_t>(1, outer * out[static_cast<size_t>(axis)]);
    std::vector<std::byte> buf(static_cast<size_t>(shape_elements(out)) * es);
    size_t pos = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (Value* v : ins) {
        const size_t chunk = static_cast<size_t>(v->shape[static_cast<size_t>(axis)] * inner) * es;
        if (chunk)
          std::memcpy(buf.data() + pos,
                      c.im.constant(*v)->data.bytes() + static_cast<size_t>(o) * chunk, chunk);
        pos += chunk;
      }
    OnnxTensorData d;
    d.elem_type = ins[0]->elem_type;
    d.shape = out;
    d.data = make_owned_const(std::move(buf));
    c.im.define_const(c.out_name(), std::move(d));
    return;
  }
  std::vector<int> ids;
  for (int i = 0; i < n; ++i) {
    c.float_in(static_cast<size_t>(i));
    ids.push_back(
        c.im.ir_tensor(*ins[static_cast<size_t>(i)], nhwc ? Layout::kNhwc : Layout::kOnnx));
  }
  ConcatAttrs a;
  a.axis = nhwc ? kToOnnx[static_cast<size_t>(axis)] : axis;
  int y = c.im.emit(OpType::kConcat, c.node_name(), ids, a, c.out_name(), DType::kF32,
                    nhwc ? permute_shape(out, kToNhwc) : out);
  c.im.define(c.out_name(), TP::FLOAT, out, y, nhwc ? Layout::kNhwc : Layout::kOnnx);
}

// Softmax over the last IR axis of `xi` (shape `s`).
int emit_softmax(NodeCtx& c, int xi, const Shape& s, const std::string& name) {
  return c.im.emit(OpType::kSoftmax, c.node_name(), {xi}, SoftmaxAttrs{}, name, DType::kF32, s);
}

void softmax(NodeCtx& c) {
  Value& x = c.float_in(0);
  const size_t r = x.rank();
  if (r == 0) c.bad("scalar input");
  const int axis = c.axis(c.attr_int("axis", c.opset() < 13 ? 1 : -1), r, "axis");
  const std::string out = c.out_name();
  if (axis == static_cast<int>(r) - 1) {  // both semantics agree: last axis
    int y = emit_softmax(c, c.im.ir_tensor(x, Layout::kOnnx), x.shape, out);
    c.im.define(out, TP::FLOAT, x.shape, y, Layout::kOnnx);
  } else if (c.opset() < 13) {  // coerce to 2-D at axis: [prod(:axis), prod(axis:)]
    int64_t rows = 1, cols = 1;
    for (size_t d = 0; d < r; ++d) (static_cast<int>(d) < axis ? rows : cols) *= x.shape[d];
    const Shape flat{rows, cols};
    int f = c.im.emit_reshape(c.im.ir_tensor(x, Layout::kOnnx), flat, out + ":2d");
    int y = emit_softmax(c, f, flat, out + ":softmax");
    y = c.im.emit_reshape(y, x.shape, out);
    c.im.define(out, TP::FLOAT, x.shape, y, Layout::kOnnx);
  } else if (r == 4 && axis == 1 && c.im.layout_of(x) == Layout::kNhwc) {  // channels are last
    Value& xv = x;
    int y =
        emit_softmax(c, c.im.ir_tensor(xv, Layout::kNhwc), permute_shape(x.shape, kToNhwc), out);
    c.im.define(out, TP::FLOAT, x.shape, y, Layout::kNhwc);
  } else {  // move the axis last and back
    std::vector<int> to_last, back(r);
    for (size_t d = 0; d < r; ++d)
      if (static_cast<int>(d) != axis) to_last.push_back(static_cast<int>(d));
    to_last.push_back(axis);
    for (size_t i = 0; i < r; ++i) back[static_cast<size_t>(to_last[i])] = static_cast<int>(i);
    int t = c.im.emit_transpose(c.im.ir_tensor(x, Layout::kOnnx), to_last, out + ":axis_last");
    int y = emit_softmax(c, t, permute_shape(x.shape, to_last), out + ":softmax");
    y = c.im.emit_transpose(y, back, out);
    c.im.define(out, TP::FLOAT, x.shape, y, Layout::kOnnx);
  }
}

void pad(NodeCtx& c) {
  Value& x = c.float_in(0);
  const size_t r = x.rank();
  const std::string mode = c.attr_str("mode", "constant");
  if (mode != "constant") c.unsupported_attr("mode", mode);
  std::vector<int64_t> pads;
  float value = 0;
  if (c.opset() < 11) {
    pads = c.attr_ints("pads");
    value = c.attr_float("value", 0.0f);
  } else {
    pads = c.const_ints(1, "pads");
    if (c.has_input(2)) value = c.const_scalar(2, "constant_value");
  }
  if (pads.size() != 2 * r)
    c.bad("pads has " + std::to_string(pads.size()) + " values for rank " + std::to_string(r));
  for (int64_t p : pads) {
    if (p < 0) c.unsupported_attr("pads", "negative (cropping)");
    if (p > (1 << 16)) c.bad("pads value " + std::to_string(p) + " is out of range");
  }
  PadAttrs a;
  a.value = value;
  Shape out = x.shape;
  for (size_t d = 0; d < r; ++d) out[d] += pads[d] + pads[d + r];
  const Layout l = r == 4 ? c.im.layout_of(x) : Layout::kOnnx;
  for (size_t d = 0; d < r; ++d) {  // IR axis d holds ONNX axis src
    size_t src = l == Layout::kNhwc ? static_cast<size_t>(kToNhwc[d]) : d;
    a.before.push_back(pads[src]);
    a.after.push_back(pads[src + r]);
  }
  int xi = c.im.ir_tensor(x, l);
  int y = c.im.emit(OpType::kPad, c.node_name(), {xi}, a, c.out_name(), DType::kF32,
                    l == Layout::kNhwc ? permute_shape(out, kToNhwc) : out);
  c.im.define(c.out_name(), TP::FLOAT, out, y, l);
}

}  // namespace

std::vector<OpEntry> tensor_ops() {
  return {{"Concat", concat},       {"Reshape", reshape},
          {"Flatten", flatten},     {"Squeeze", squeeze},
          {"Unsqueeze", unsqueeze}, {"Transpose", transpose},
          {"Softmax", softmax},     {"Pad", pad}};
}

}  // namespace edgebench::onnx_import
