// Layout tracking: which IR tensor holds an ONNX value in which order, and the
// transposes, reshapes and permuted constants that convert between them.
#include <algorithm>
#include <cstring>
#include <optional>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Value& Importer::value(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end())
    fail(ErrorCode::kInternal, source_, "value '" + name + "' used before it was mapped");
  return it->second;
}

const OnnxTensorData* Importer::constant(Value& v) {
  if (v.dequantize_pending) {
    v.dequantize_pending = false;
    v.constant = dequantize_const(v.dq->q, v.dq->quant);
    v.constant->name = v.name;
  }
  return constant_shape(v);
}

const OnnxTensorData* Importer::constant_shape(Value& v) {
  if (v.proto) {
    onnx::TensorProto* p = v.proto;
    v.proto = nullptr;  // decoding moves the bytes out: never twice
    v.constant = decode_tensor_proto(*p, "initializer '" + v.name + "'", ErrorCode::kModel,
                                     &external_reader_);
  }
  return v.constant ? &*v.constant : nullptr;
}

Layout Importer::layout_of(Value& v) {
  if (v.proto || v.constant || v.graph_input) return Layout::kOnnx;
  return v.native;
}

int Importer::add_tensor(const std::string& name, DType t, Shape s, ConstData data) {
  // IR constants are read through typed pointers; external data (onnx_tensor.h)
  // may lie anywhere in its file. Such bytes become a deferred identity
  // permutation: copied aligned if something reads them, read in place by a
  // backend packing them (a deferred constant's bytes are made aligned).
  if (!data.permutation() && data.present() &&
      reinterpret_cast<uintptr_t>(data.bytes()) % dtype_size(t) != 0) {
    std::vector<int> identity(s.size());
    for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int>(i);
    data = ConstData::permuted(data, dtype_size(t), s, std::move(identity));
  }
  Tensor tensor;
  tensor.name = name;
  tensor.dtype = t;
  tensor.shape = std::move(s);
  tensor.data = std::move(data);
  return g_.add_tensor(std::move(tensor));
}

int Importer::emit(OpType op, const std::string& node_name, std::vector<int> inputs, Attrs attrs,
                   const std::string& out_name, DType t, Shape s) {
  int out = add_tensor(out_name, t, std::move(s));
  g_.nodes.push_back(Node{op, node_name, std::move(inputs), {out}, std::move(attrs)});
  return out;
}

int Importer::emit_reshape(int id, Shape s, const std::string& name) {
  DType t = g_.tensor(id).dtype;
  int y = emit(OpType::kReshape, name, {id}, NoAttrs{}, name, t, std::move(s));
  if (!g_.tensor(id).quant.per_channel()) g_.tensor(y).quant = g_.tensor(id).quant;
  return y;
}

namespace {

// The node producing tensor `id` when it is a Transpose, else nullptr.
const Node* transpose_producer(const Graph& g, int id) {
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it)
    if (it->outputs[0] == id) return it->op == OpType::kTranspose ? &*it : nullptr;
  return nullptr;
}

}  // namespace

int Importer::emit_transpose(int id, const std::vector<int>& perm_in, const std::string& name) {
  std::vector<int> perm = perm_in;
  if (const Node* t = transpose_producer(g_, id)) {
    // A transpose of a transpose is one transpose of the first one's input; where
    // they cancel (the NCHW<->NHWC pairs at an exported model's boundary) it is none.
    const std::vector<int>& first = t->attr<TransposeAttrs>().perm;
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = first[static_cast<size_t>(perm_in[i])];
    id = t->inputs[0];
  }
  const Shape s = g_.tensor(id).shape;
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int>(i);
  if (identity) return id;
  if (permutation_keeps_bytes(s, perm)) return emit_reshape(id, permute_shape(s, perm), name);
  int y = emit(OpType::kTranspose, name, {id}, TransposeAttrs{perm}, name, g_.tensor(id).dtype,
               permute_shape(s, perm));
  if (!g_.tensor(id).quant.per_channel()) g_.tensor(y).quant = g_.tensor(id).quant;
  return y;
}

Layout Importer::cheapest_layout(Value& v) {
  const Layout l = layout_of(v);
  if (v.rank() != 4 || l == Layout::kNhwc || v.proto || v.constant) return l;
  if (v.ir[1] >= 0) return Layout::kNhwc;
  if (v.ir[0] < 0) return l;
  const Node* t = transpose_producer(g_, v.ir[0]);
  if (!t) return l;
  const std::vector<int>& first = t->attr<TransposeAttrs>().perm;
  for (size_t i = 0; i < 4; ++i)
    if (first[static_cast<size_t>(kToNhwc[i])] != static_cast<int>(i)) return l;
  return Layout::kNhwc;  // asking for NHWC cancels the transpose
}

void Importer::require_quant(int id, const QuantParams& q, const std::string& who) {
  Tensor& t = g_.tensor(id);
  if (t.quant.empty()) {
    t.quant = q;
    return;
  }
  if (t.quant.scales != q.scales || t.quant.zero_point() != q.zero_point() ||
      t.quant.axis != q.axis)
    fail(ErrorCode::kUnsupported, source_,
         who + ": tensor '" + t.name + "' is quantized with scale " +
             std::to_string(t.quant.scale()) + " and zero point " +
             std::to_string(t.quant.zero_point()) + " by its producer, but read with scale " +
             std::to_string(q.scales.empty() ? 0.f : q.scales[0]) + " and zero point " +
             std::to_string(q.zero_point()));
}

int Importer::quantized_const(const QuantConst& qc, const Shape& shape,
                              const std::vector<int>& perm, const std::string& name) {
  // (A permutation that moves no bytes, the identity included, keeps the data as it is.)
  const DType t = onnx_to_ir_dtype(qc.q.elem_type).value();
  const size_t es = onnx_elem_size(qc.q.elem_type);
  int qi = add_tensor(name, t, permute_shape(shape, perm),
                      ConstData::permuted(qc.q.data, es, shape, perm));
  QuantParams q = qc.quant;
  if (q.per_channel()) {
    // The axis within `shape` (a [1, N] bias seen as [N] keeps its non-1 axis).
    int axis = q.axis;
    if (shape.size() != qc.q.shape.size()) {
      axis = -1;
      for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] == static_cast<int64_t>(q.scales.size())) axis = static_cast<int>(d);
    }
    q.axis = static_cast<int>(std::find(perm.begin(), perm.end(), axis) - perm.begin());
  }
  g_.tensor(qi).quant = std::move(q);
  return qi;
}

int Importer::weight_tensor(Value& v, const OnnxTensorData& f, const std::vector<int>& perm,
                            const std::string& name) {
  const Shape s = permute_shape(f.shape, perm);
  if (!v.dq)
    return add_tensor(name, DType::kF32, s,
                      ConstData::permuted(f.data, sizeof(float), f.shape, perm));
  int qi = quantized_const(*v.dq, f.shape, perm, name + ":q");
  return emit(OpType::kDequantize, name + ":dequantize", {qi}, NoAttrs{}, name, DType::kF32, s);
}

int Importer::const_tensor(const std::string& name, const OnnxTensorData& c, Layout l) {
  if (c.elem_type != onnx::TensorProto::FLOAT)
    fail(ErrorCode::kUnsupported, source_,
         "constant '" + name + "' has element type " + onnx_elem_name(c.elem_type) +
             "; operators take float32 tensors only");
  if (l == Layout::kOnnx) return add_tensor(name, DType::kF32, c.shape, c.data);
  if (c.shape.size() != 4)
    fail(ErrorCode::kInternal, source_, "constant '" + name + "' is not 4-D but wanted NHWC");
  return add_tensor(name + ":nhwc", DType::kF32, permute_shape(c.shape, kToNhwc),
                    ConstData::permuted(c.data, sizeof(float), c.shape, kToNhwc));
}

int Importer::ir_tensor(Value& v, Layout want) {
  const int w = static_cast<int>(want);
  if (v.ir[w] >= 0) return v.ir[w];
  if (want == Layout::kNhwc && v.rank() != 4)
    fail(ErrorCode::kInternal, source_, "value '" + v.name + "' is not 4-D but wanted NHWC");
  if (!v.graph_input) {
    if (const OnnxTensorData* c = constant(v)) return v.ir[w] = const_tensor(v.name, *c, want);
  } else if (v.ir[0] < 0) {
    // uint8 / int8 inputs get their quantization from the operator reading them.
    if (v.elem_type != onnx::TensorProto::FLOAT && v.elem_type != onnx::TensorProto::UINT8 &&
        v.elem_type != onnx::TensorProto::INT8)
      fail(ErrorCode::kUnsupported, source_,
           "graph input '" + v.name + "' has element type " + onnx_elem_name(v.elem_type) +
               "; only float32, uint8 and int8 inputs are supported");
    v.ir[0] = add_tensor(v.name, onnx_to_ir_dtype(v.elem_type).value(), v.shape);
    input_tensors_.insert(v.ir[0]);
    if (want == Layout::kOnnx) return v.ir[0];
  }
  const int other = 1 - w;
  if (v.ir[other] < 0)
    fail(ErrorCode::kInternal, source_, "value '" + v.name + "' has no IR tensor");
  const std::vector<int>& perm = want == Layout::kNhwc ? kToNhwc : kToOnnx;
  return v.ir[w] = emit_transpose(v.ir[other], perm,
                                  v.name + (want == Layout::kNhwc ? ":nhwc" : ":nchw"));
}

Value& Importer::define(const std::string& name, int32_t elem_type, Shape onnx_shape, int ir,
                        Layout l) {
  if (l == Layout::kNhwc && onnx_shape.size() != 4)
    fail(ErrorCode::kInternal, source_, "value '" + name + "' defined NHWC but not 4-D");
  if (!onnx_shape_ok(onnx_shape))
    fail(ErrorCode::kModel, source_,
         "value '" + name + "' would have shape " + shape_str(onnx_shape));
  Value v;
  v.name = name;
  v.elem_type = elem_type;
  v.shape = std::move(onnx_shape);
  v.ir[static_cast<int>(l)] = ir;
  v.native = l;
  auto [it, fresh] = values_.emplace(name, std::move(v));
  if (!fresh) fail(ErrorCode::kInternal, source_, "value '" + name + "' defined twice");
  return it->second;
}

Value& Importer::define_const(const std::string& name, OnnxTensorData c) {
  Value v;
  v.name = name;
  v.elem_type = c.elem_type;
  v.shape = c.shape;
  v.constant = std::move(c);
  auto [it, fresh] = values_.emplace(name, std::move(v));
  if (!fresh) fail(ErrorCode::kInternal, source_, "value '" + name + "' defined twice");
  return it->second;
}

void Importer::alias(const std::string& name, Value& v) {
  if (v.graph_input)
    ir_tensor(v, Layout::kOnnx);  // create the input tensor once, share it
  else
    constant(v);  // decode once, share the bytes
  Value copy = v;
  copy.name = name;
  copy.graph_input = false;
  copy.known.reset();
  copy.native = v.graph_input ? Layout::kOnnx : v.native;
  auto [it, fresh] = values_.emplace(name, std::move(copy));
  if (!fresh) fail(ErrorCode::kInternal, source_, "value '" + name + "' defined twice");
}

}  // namespace edgebench::onnx_import
