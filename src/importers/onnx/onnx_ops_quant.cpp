// Quantization operators: QuantizeLinear, DequantizeLinear, QLinearConv and
// QLinearMatMul, mapped onto the IR's quantized tensors (a scale and zero point on
// each uint8/int8 tensor). A DequantizeLinear of constant integers keeps them beside
// its folded float value, so that a weighted operator reading it keeps them too; the
// fold_qdq pass then turns DequantizeLinear -> operator -> QuantizeLinear into the
// quantized operator.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {

DType quant_dtype(NodeCtx& c, int32_t elem_type, const std::string& what) {
  if (elem_type == onnx::TensorProto::UINT8) return DType::kU8;
  if (elem_type == onnx::TensorProto::INT8) return DType::kI8;
  c.unsupported(what + " of element type " + onnx_elem_name(elem_type) +
                " (only uint8 and int8 are supported)");
}

// Integer constant -> float, as DequantizeLinear computes it: (q - zero_point) * scale.
// Typed loops over runs of one channel: a model's weights are millions of
// values, and this runs at every load.
namespace {
template <typename T>
void dequantize_values(const std::byte* src, size_t count, size_t inner, const QuantParams& q,
                       float* out) {
  const size_t channels = q.per_channel() ? q.scales.size() : 1;
  const size_t run = q.per_channel() ? inner : count;
  for (size_t start = 0, i = 0; start < count; start += run, ++i) {
    const size_t ch = i % channels;
    const int64_t zp = q.zero_point(ch);
    const float scale = q.scale(ch);
    const size_t end = std::min(count, start + run);
    for (size_t k = start; k < end; ++k) {
      T v;
      std::memcpy(&v, src + k * sizeof(T), sizeof(T));  // external data may be unaligned
      out[k] = static_cast<float>(static_cast<int64_t>(v) - zp) * scale;
    }
  }
}
}  // namespace

OnnxTensorData dequantize_const(const OnnxTensorData& d, const QuantParams& q) {
  size_t inner = 1;
  if (q.per_channel())
    for (size_t k = static_cast<size_t>(q.axis) + 1; k < d.shape.size(); ++k)
      inner *= static_cast<size_t>(d.shape[k]);
  const auto count = static_cast<size_t>(d.elements());
  std::vector<float> f(count);
  const std::byte* src = d.data.bytes();
  switch (d.elem_type) {
    case onnx::TensorProto::UINT8:
      dequantize_values<uint8_t>(src, count, inner, q, f.data());
      break;
    case onnx::TensorProto::INT8: dequantize_values<int8_t>(src, count, inner, q, f.data()); break;
    case onnx::TensorProto::INT32:
      dequantize_values<int32_t>(src, count, inner, q, f.data());
      break;
    default:  // DequantizeLinear admits only these three
      fail(ErrorCode::kInternal, d.name,
           "dequantizing element type " + onnx_elem_name(d.elem_type));
  }
  OnnxTensorData out;
  out.name = d.name;
  out.elem_type = onnx::TensorProto::FLOAT;
  out.shape = d.shape;
  out.data = make_owned_const(f);
  return out;
}

namespace {

using TP = onnx::TensorProto;

// Scale (input `si`) and zero point (input `zi`, optional) of a quantized operand whose
// ONNX shape is `shape`; per-axis along `axis` when the scale is a vector.
QuantParams read_quant(NodeCtx& c, size_t si, size_t zi, const Shape& shape, int64_t axis_attr,
                       const std::string& what) {
  const OnnxTensorData& s = c.const_in(si, what + " scale");
  if (s.elem_type != TP::FLOAT)
    c.unsupported(what + " scale of element type " + onnx_elem_name(s.elem_type) +
                  " (only float32)");
  QuantParams q;
  const std::vector<float> scales = s.as_floats();
  if (s.shape.size() > 1) c.bad(what + " scale of shape " + shape_str(s.shape) + " is not 1-D");
  if (s.elements() == 0) c.bad(what + " scale is empty");
  q.scales = scales;
  if (s.shape.size() == 1 && s.elements() > 1) {
    q.axis = c.axis(axis_attr, shape.size(), "axis");
    if (shape[static_cast<size_t>(q.axis)] != s.elements())
      c.bad(what + " has " + std::to_string(s.elements()) + " scales for axis " +
            std::to_string(q.axis) + " of " + shape_str(shape));
  }
  for (float f : scales)
    if (!(f > 0) || !std::isfinite(f))
      c.unsupported(what + " scale " + std::to_string(f) + " (only positive finite scales)");
  if (c.has_input(zi)) {
    const OnnxTensorData& z = c.const_in(zi, what + " zero point");
    if (z.elem_type != TP::UINT8 && z.elem_type != TP::INT8 && z.elem_type != TP::INT32)
      c.unsupported(what + " zero point of element type " + onnx_elem_name(z.elem_type));
    if (z.elements() != s.elements())
      c.bad(what + " has " + std::to_string(z.elements()) + " zero points for " +
            std::to_string(s.elements()) + " scales");
    q.zero_points = z.as_ints();
  } else {
    q.zero_points.assign(scales.size(), 0);
  }
  if (!q.per_channel()) {
    q.scales.resize(1);
    q.zero_points.resize(1);
  }
  return q;
}

int32_t zero_point_type(NodeCtx& c, size_t zi) {
  if (!c.has_input(zi)) return TP::UINT8;  // the ONNX default
  return c.const_in(zi, "zero point").elem_type;
}

void quantize_linear(NodeCtx& c) {
  Value& x = c.float_in(0);
  if (c.im.constant(x)) c.unsupported("QuantizeLinear of a constant is not supported");
  const int32_t et = zero_point_type(c, 2);
  const DType t = quant_dtype(c, et, "output");
  if (c.has_attr("saturate"))
    c.unsupported_attr("saturate", std::to_string(c.attr_int("saturate", 1)));
  QuantParams q = read_quant(c, 1, 2, x.shape, c.attr_int("axis", 1), "y");
  if (q.per_channel())
    c.unsupported("per-axis quantization (axis " + std::to_string(q.axis) +
                  ") of a run-time tensor is not supported");
  const Layout l = c.im.cheapest_layout(x);
  int xi = c.im.ir_tensor(x, l);
  int y = c.im.emit(OpType::kQuantize, c.node_name(), {xi}, NoAttrs{}, c.out_name(), t,
                    c.im.graph().tensor(xi).shape);
  c.im.graph().tensor(y).quant = std::move(q);
  c.im.define(c.out_name(), et, x.shape, y, l);
}

void dequantize_linear(NodeCtx& c) {
  Value& x = c.in(0);
  if (x.elem_type != TP::UINT8 && x.elem_type != TP::INT8 && x.elem_type != TP::INT32)
    c.unsupported("input '" + x.name + "' of element type " + onnx_elem_name(x.elem_type) +
                  " (only uint8, int8 and int32)");
  if (c.has_input(2) && c.const_in(2, "zero point").elem_type != x.elem_type)
    c.bad("zero point type differs from the input's");
  QuantParams q = read_quant(c, 1, 2, x.shape, c.attr_int("axis", 1), "x");
  if (const OnnxTensorData* k = c.im.constant(x)) {  // weights: fold, keep the integers
    // The float values only when a reader needs them (Value::dequantize_pending).
    OnnxTensorData shape_only;
    shape_only.name = k->name;
    shape_only.elem_type = TP::FLOAT;
    shape_only.shape = k->shape;
    QuantConst qc{*k, q};
    Value& y = c.im.define_const(c.out_name(), std::move(shape_only));
    y.dq = std::move(qc);
    y.dequantize_pending = true;
    return;
  }
  if (x.elem_type == TP::INT32) c.unsupported("int32 run-time input (only constant biases)");
  if (q.per_channel())
    c.unsupported("per-axis dequantization (axis " + std::to_string(q.axis) +
                  ") of a run-time tensor is not supported");
  const Layout l = c.im.cheapest_layout(x);
  int xi = c.im.ir_tensor(x, l);
  c.im.require_quant(xi, q, c.label());
  int y = c.im.emit(OpType::kDequantize, c.node_name(), {xi}, NoAttrs{}, c.out_name(), DType::kF32,
                    c.im.graph().tensor(xi).shape);
  c.im.define(c.out_name(), TP::FLOAT, x.shape, y, l);
}

void same_type_zero_point(NodeCtx& c, const Value& x, size_t zi) {
  if (c.has_input(zi) && c.const_in(zi, "zero point").elem_type != x.elem_type)
    c.bad("the zero point of '" + x.name + "' differs in type from it");
}

// A run-time quantized operand (input i, scale si, zero point zi) in layout l.
int quantized_operand(NodeCtx& c, size_t i, size_t si, size_t zi, Layout l) {
  Value& x = c.in(i);
  quant_dtype(c, x.elem_type, "input '" + x.name + "'");
  same_type_zero_point(c, x, zi);
  if (c.im.constant(x)) c.unsupported("constant input '" + x.name + "' is not supported");
  QuantParams q = read_quant(c, si, zi, x.shape, 1, "input '" + x.name + "'");
  if (q.per_channel()) c.unsupported("per-axis quantization of input '" + x.name + "'");
  int xi = c.im.ir_tensor(x, l);
  c.im.require_quant(xi, q, c.label());
  return xi;
}

// Constant integer weights (input i) permuted into the IR's order, with their scales.
int quantized_weights(NodeCtx& c, size_t i, size_t si, size_t zi, const std::vector<int>& perm,
                      int64_t axis, const std::string& name) {
  const OnnxTensorData& w = c.const_in(i, "weights");
  quant_dtype(c, w.elem_type, "weights");
  same_type_zero_point(c, c.in(i), zi);
  QuantParams q = read_quant(c, si, zi, w.shape, axis, "weights");
  return c.im.quantized_const(QuantConst{w, q}, w.shape, perm, name);
}

void qlinear_conv(NodeCtx& c) {
  Value& x = c.in(0);
  const OnnxTensorData& w = c.const_in(3, "weights");
  ConvPlan p = plan_conv(c, x, w.shape);
  int xi = quantized_operand(c, 0, 1, 2, Layout::kNhwc);
  const int wi =
      quantized_weights(c, 3, 4, 5, p.filter_perm, 0,
                        c.in(3).name + (p.op == OpType::kDepthwiseConv2D ? ":1hwo" : ":ohwi"));
  Graph& g = c.im.graph();
  int bias = -1;
  if (c.has_input(8)) {
    const OnnxTensorData& b = c.const_in(8, "bias");
    if (b.elem_type != TP::INT32) c.bad("bias must be int32");
    if (b.elements() != w.shape[0]) c.bad("bias size does not match the output channels");
    bias = c.im.add_tensor(c.in(8).name, DType::kI32, {w.shape[0]}, b.data);
  }
  const int32_t et = zero_point_type(c, 7);
  const DType t = quant_dtype(c, et, "output");
  QuantParams yq = read_quant(c, 6, 7, p.onnx_out, 1, "output");
  if (yq.per_channel()) c.unsupported("per-axis quantization of the output");
  int y = c.im.emit(p.op, c.node_name(), {xi, wi, bias}, p.attrs, c.out_name(), t, p.ir_out);
  g.tensor(y).quant = std::move(yq);
  c.im.define(c.out_name(), et, p.onnx_out, y, Layout::kNhwc);
}

void qlinear_matmul(NodeCtx& c) {
  Value& a = c.in(0);
  const OnnxTensorData& b = c.const_in(3, "right operand (weights)");
  if (b.shape.size() != 2)
    c.unsupported("right operand of shape " + shape_str(b.shape) + " (only 2-D weights)");
  if (a.rank() == 0) c.bad("scalar left operand");
  const int64_t k = b.shape[0], n = b.shape[1];
  if (a.shape.back() != k)
    c.bad(shape_str(a.shape) + " and " + shape_str(b.shape) + " do not multiply");
  int ai = quantized_operand(c, 0, 1, 2, Layout::kOnnx);
  const int wi = quantized_weights(c, 3, 4, 5, {1, 0}, 1, c.in(3).name + ":nk");
  Graph& g = c.im.graph();
  const int32_t et = zero_point_type(c, 7);
  const DType t = quant_dtype(c, et, "output");
  Shape ys = a.shape;
  ys.back() = n;
  QuantParams yq = read_quant(c, 6, 7, ys, 1, "output");
  if (yq.per_channel()) c.unsupported("per-axis quantization of the output");
  FullyConnectedAttrs fa;
  fa.keep_num_dims = true;
  int y = c.im.emit(OpType::kFullyConnected, c.node_name(), {ai, wi, -1}, fa, c.out_name(), t, ys);
  g.tensor(y).quant = std::move(yq);
  c.im.define(c.out_name(), et, ys, y, Layout::kOnnx);
}

}  // namespace

std::vector<OpEntry> quant_ops() {
  return {{"QuantizeLinear", quantize_linear},
          {"DequantizeLinear", dequantize_linear},
          {"QLinearConv", qlinear_conv},
          {"QLinearMatMul", qlinear_matmul}};
}

}  // namespace edgebench::onnx_import
