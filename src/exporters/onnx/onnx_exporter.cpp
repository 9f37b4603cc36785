// The ONNX exporter's driver: names, initializers, the layout of each tensor, graph
// inputs and outputs, metadata, then ONNX's checker and the file.
#include "exporters/onnx/onnx_exporter.h"

#include <onnx/checker.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <vector>

#include "data/model_input.h"
#include "exporters/onnx/onnx_export_context.h"
#include "importers/onnx/onnx_tensor.h"
#include "ir/permute.h"
#include "util/error.h"

namespace edgebench {
namespace onnx_export {
namespace {

constexpr int kOpset = 13;  // per-axis DequantizeLinear; newest the importer reads is 17

// Metadata the importer derives from the file itself, or the exporter from the
// graph: not copied through.
bool derived_metadata(const std::string& key) {
  return key == "onnx_opset" || key == "producer" || key == "requantization";
}

}  // namespace

Exporter::Exporter(const Graph& graph, const OnnxExportOptions& options)
    : g(graph),
      opt(options),
      values_(graph.tensors.size()),
      native_(graph.tensors.size(), Layout::kIr),
      producer_(graph.tensors.size(), -1) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int id : g.nodes[i].outputs) producer_[static_cast<size_t>(id)] = static_cast<int>(i);
}

std::string Exporter::label(const Node& n) const {
  std::string index = "?";
  if (!g.nodes.empty() && &n >= g.nodes.data() && &n < g.nodes.data() + g.nodes.size())
    index = std::to_string(&n - g.nodes.data());
  return "node #" + index + " " + std::string(op_name(n.op)) + " '" + n.name + "'";
}

void Exporter::unsupported(const Node& n, const std::string& what) const {
  fail(ErrorCode::kUnsupported, g.source, label(n) + ": cannot export to ONNX: " + what);
}

std::string Exporter::fresh(const std::string& base) {
  std::string name = base.empty() ? "t" : base;
  for (int k = 1; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
  used_names_.insert(name);
  return name;
}

onnx::NodeProto& Exporter::node(const std::string& op, const std::vector<std::string>& inputs,
                                const std::vector<std::string>& outputs, const std::string& name,
                                const std::string& domain) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(fresh(name.empty() ? op : name));
  if (!domain.empty()) n->set_domain(domain);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

std::string Exporter::initializer(const std::string& base, int32_t elem_type, const Shape& shape,
                                  const void* data, size_t bytes) {
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(fresh(base));
  t->set_data_type(elem_type);
  for (int64_t d : shape) t->add_dims(d);
  t->set_raw_data(data, bytes);
  return t->name();
}

std::string Exporter::ints_init(const std::string& base, const std::vector<int64_t>& v) {
  return initializer(base, onnx::TensorProto::INT64, {static_cast<int64_t>(v.size())}, v.data(),
                     v.size() * sizeof(int64_t));
}

std::string Exporter::floats_init(const std::string& base, const std::vector<float>& v,
                                  const Shape& s) {
  return initializer(base, onnx::TensorProto::FLOAT, s, v.data(), v.size() * sizeof(float));
}

std::string Exporter::transpose(const std::string& x, const std::vector<int>& perm,
                                const std::string& out) {
  std::string src = x;
  std::vector<int> p = perm;
  auto it = transposes_.find(x);
  if (it != transposes_.end()) {  // a transpose of our transpose: one transpose of its input
    src = it->second.first;
    for (size_t i = 0; i < perm.size(); ++i) p[i] = it->second.second[static_cast<size_t>(perm[i])];
  }
  bool identity = true;
  for (size_t i = 0; i < p.size(); ++i) identity = identity && p[i] == static_cast<int>(i);
  if (identity) return src;
  onnx::NodeProto& n = node("Transpose", {src}, {out}, out);
  auto* a = n.add_attribute();
  a->set_name("perm");
  a->set_type(onnx::AttributeProto::INTS);
  for (int v : p) a->add_ints(v);
  transposes_[out] = {src, p};
  return out;
}

namespace {

// Removes nodes none of whose outputs is read (a layout transpose written
// eagerly, then bypassed when a later transpose of it collapsed onto its
// input), last first so that their own inputs can become unused too, then the
// initializers nothing reads any more.
void drop_unused(onnx::GraphProto& graph) {
  std::set<std::string> read;
  for (const auto& o : graph.output()) read.insert(o.name());
  std::vector<bool> keep(static_cast<size_t>(graph.node_size()), false);
  for (int i = graph.node_size() - 1; i >= 0; --i) {
    const onnx::NodeProto& n = graph.node(i);
    for (const auto& o : n.output())
      keep[static_cast<size_t>(i)] = keep[static_cast<size_t>(i)] || read.count(o);
    if (keep[static_cast<size_t>(i)])
      for (const auto& in : n.input()) read.insert(in);
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph.node_size(); ++i)
    if (keep[static_cast<size_t>(i)]) *nodes.Add() = graph.node(i);
  graph.mutable_node()->Swap(&nodes);
  google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
  for (const auto& t : graph.initializer())
    if (read.count(t.name())) *inits.Add() = t;
  graph.mutable_initializer()->Swap(&inits);
}

}  // namespace

Layout Exporter::native(int id) const {
  return native_[static_cast<size_t>(id)];
}

std::string Exporter::output_name(int id, Layout l) {
  const Tensor& t = g.tensor(id);
  if (l == Layout::kIr && graph_outputs_.count(id) && values_[static_cast<size_t>(id)][0].empty())
    return t.name;  // reserved at the start
  return fresh(l == Layout::kIr ? t.name : t.name + "_nchw");
}

void Exporter::define(int id, Layout l, const std::string& name) {
  values_[static_cast<size_t>(id)][static_cast<size_t>(l)] = name;
  native_[static_cast<size_t>(id)] = l;
}

// A constant's bytes in ONNX order (permuted by `perm`, empty = as is).
static std::string const_init(Exporter& e, const Tensor& t, const std::vector<int>& perm,
                              const std::string& name) {
  const int32_t elem = ir_to_onnx_elem(t.dtype);
  if (perm.empty()) return e.initializer(name, elem, t.shape, t.data.bytes(), t.bytes());
  std::vector<std::byte> b(t.bytes());
  permute_bytes(t.data.bytes(), b.data(), dtype_size(t.dtype), t.shape, perm);
  return e.initializer(name, elem, permute_shape(t.shape, perm), b.data(), b.size());
}

std::string Exporter::value(int id, Layout l) {
  std::string& v = values_[static_cast<size_t>(id)][static_cast<size_t>(l)];
  if (!v.empty()) return v;
  const Tensor& t = g.tensor(id);
  if (l == Layout::kNchw && t.shape.size() != 4)
    fail(ErrorCode::kInternal, g.source, "tensor '" + t.name + "' is not 4-D but wanted NCHW");
  if (t.is_const()) {
    v = const_init(*this, t, l == Layout::kNchw ? kToNchw : std::vector<int>{},
                   l == Layout::kNchw ? t.name + "_nchw" : t.name);
    return v;
  }
  const Layout other = l == Layout::kIr ? Layout::kNchw : Layout::kIr;
  const std::string src = values_[static_cast<size_t>(id)][static_cast<size_t>(other)];
  if (src.empty())
    fail(ErrorCode::kInternal, g.source, "tensor '" + t.name + "' used before it is produced");
  const std::string out = output_name(id, l);
  v = transpose(src, l == Layout::kNchw ? kToNchw : kToNhwc, out);
  return v;
}

std::string Exporter::scale_init(const Tensor& t) {
  const QuantParams& q = t.quant;
  if (q.per_channel())
    return floats_init(t.name + "_scale", q.scales, {static_cast<int64_t>(q.scales.size())});
  return floats_init(t.name + "_scale", {q.scales.at(0)}, {});
}

std::string Exporter::zero_point_init(const Tensor& t) {
  const QuantParams& q = t.quant;
  const size_t n = q.per_channel() ? q.scales.size() : 1;
  const Shape s = q.per_channel() ? Shape{static_cast<int64_t>(n)} : Shape{};
  std::vector<int64_t> zp(n);
  for (size_t c = 0; c < n; ++c) zp[c] = q.zero_point(c);
  if (t.dtype == DType::kU8) {
    std::vector<uint8_t> v(zp.begin(), zp.end());
    return initializer(t.name + "_zero_point", onnx::TensorProto::UINT8, s, v.data(), v.size());
  }
  if (t.dtype == DType::kI8) {
    std::vector<int8_t> v(zp.begin(), zp.end());
    return initializer(t.name + "_zero_point", onnx::TensorProto::INT8, s, v.data(), v.size());
  }
  std::vector<int32_t> v(zp.begin(), zp.end());
  return initializer(t.name + "_zero_point", onnx::TensorProto::INT32, s, v.data(),
                     v.size() * sizeof(int32_t));
}

static void set_axis(onnx::NodeProto& n, int axis) {
  auto* a = n.add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(axis);
}

std::string Exporter::dequantize(const std::string& x, const Tensor& t, int axis,
                                 const std::string& out) {
  onnx::NodeProto& n = node("DequantizeLinear", {x, scale_init(t), zero_point_init(t)}, {out}, out);
  if (t.quant.per_channel()) set_axis(n, axis);
  return out;
}

std::string Exporter::quantize(const std::string& x, const Tensor& t, int axis,
                               const std::string& out) {
  onnx::NodeProto& n = node("QuantizeLinear", {x, scale_init(t), zero_point_init(t)}, {out}, out);
  if (t.quant.per_channel()) set_axis(n, axis);
  return out;
}

std::string Exporter::float_value(int id, Layout l) {
  const Tensor& t = g.tensor(id);
  const std::string v = value(id, l);
  if (t.dtype == DType::kF32) return v;
  if (!is_quantized_int(t.dtype) || t.quant.empty())
    fail(ErrorCode::kUnsupported, g.source,
         "tensor '" + t.name + "' of type " + std::string(dtype_name(t.dtype)) +
             " cannot be exported as a float operand");
  int axis = t.quant.axis;
  if (t.quant.per_channel() && l == Layout::kNchw) axis = kToNhwc.at(static_cast<size_t>(axis));
  return dequantize(v, t, axis, fresh(v + "_dq"));
}

std::string Exporter::int_weight(int id, const std::vector<int>& perm) {
  auto key = std::make_pair(id, perm);
  auto it = weights_.find(key);
  if (it != weights_.end()) return it->second;
  const Tensor& t = g.tensor(id);
  std::string name = const_init(*this, t, perm, t.name);
  weights_[key] = name;
  return name;
}

std::string Exporter::float_weight(int id, const std::vector<int>& perm) {
  const Tensor& t = g.tensor(id);
  std::string w = int_weight(id, perm);
  if (t.dtype == DType::kF32) return w;
  if (!is_quantized_int(t.dtype) || t.quant.empty())
    fail(ErrorCode::kUnsupported, g.source,
         "weights '" + t.name + "' of type " + std::string(dtype_name(t.dtype)) +
             " cannot be exported");
  int axis = -1;  // the quantization axis after the permutation
  if (t.quant.per_channel())
    axis = static_cast<int>(std::find(perm.begin(), perm.end(), t.quant.axis) - perm.begin());
  return dequantize(w, t, axis, fresh(w + "_dq"));
}

std::string Exporter::float_bias(int id, const Tensor& x, const Tensor& w) {
  const Tensor& b = g.tensor(id);
  const std::string v = int_weight(id, {});
  if (b.dtype == DType::kF32) return v;
  if (b.dtype != DType::kI32)
    fail(ErrorCode::kUnsupported, g.source,
         "bias '" + b.name + "' of type " + std::string(dtype_name(b.dtype)) +
             " cannot be exported");
  // The bias is in units of input_scale * filter_scale (TFLite's rule; our kernels
  // use exactly that product, whatever scale the bias tensor itself records).
  Tensor q;
  q.name = b.name;
  q.dtype = DType::kI32;
  const size_t n = static_cast<size_t>(b.elements());
  if (w.quant.per_channel()) {
    q.quant.axis = 0;
    for (size_t c = 0; c < n; ++c) q.quant.scales.push_back(x.quant.scale() * w.quant.scale(c));
  } else {
    q.quant.scales = {x.quant.scale() * w.quant.scale()};
  }
  onnx::NodeProto& dq = node("DequantizeLinear", {v, scale_init(q)}, {fresh(v + "_dq")}, v + "_dq");
  if (q.quant.per_channel()) set_axis(dq, 0);
  return dq.output(0);
}

std::string Exporter::activation(const std::string& x, const FusedActivation& a,
                                 const std::string& out) {
  switch (a.kind) {
    case ActivationKind::kNone: return x;
    case ActivationKind::kRelu: node("Relu", {x}, {out}, out); return out;
    default: break;
  }
  const bool has_min = a.min > -std::numeric_limits<float>::infinity();
  const bool has_max = a.max < std::numeric_limits<float>::infinity();
  std::vector<std::string> in{x, has_min ? floats_init(out + "_min", {a.min}, {}) : ""};
  if (has_max) in.push_back(floats_init(out + "_max", {a.max}, {}));
  node("Clip", in, {out}, out);
  return out;
}

void Exporter::add_io(onnx::ValueInfoProto* vi, const Tensor& t, const std::string& name) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(ir_to_onnx_elem(t.dtype));
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
}

onnx::ModelProto Exporter::build() {
  model_.set_ir_version(7);  // the IR version of opset 13
  model_.set_producer_name("edgebench");
  model_.set_producer_version(EDGEBENCH_VERSION);
  auto* os = model_.add_opset_import();
  os->set_domain("");
  os->set_version(kOpset);
  graph_ = model_.mutable_graph();
  graph_->set_name(g.source.empty() ? "edgebench" : g.source);
  for (int id : g.inputs) {
    const Tensor& t = g.tensor(id);
    if (used_names_.count(t.name))
      fail(ErrorCode::kUnsupported, g.source, "two graph inputs are named '" + t.name + "'");
    used_names_.insert(t.name);
    define(id, Layout::kIr, t.name);
    add_io(graph_->add_input(), t, t.name);
  }
  for (int id : g.outputs) {
    const Tensor& t = g.tensor(id);
    if (graph_outputs_.count(id)) continue;
    graph_outputs_.insert(id);
    if (std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end()) continue;
    if (used_names_.count(t.name))
      fail(ErrorCode::kUnsupported, g.source, "graph output name '" + t.name + "' is not unique");
    used_names_.insert(t.name);
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) export_node(*this, g.nodes[i], i);
  for (int id : g.outputs) {
    const Tensor& t = g.tensor(id);
    std::string v = value(id, Layout::kIr);
    if (v != t.name) {  // an input, a constant, or a transpose that cancelled
      std::string out = t.name;
      if (std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end())
        out = fresh(t.name + "_out");
      node("Identity", {v}, {out}, out);
      v = out;
    }
    add_io(graph_->add_output(), t, v);
  }
  drop_unused(*graph_);
  if (uses_ms_domain) {
    auto* ms = model_.add_opset_import();
    ms->set_domain("com.microsoft");
    ms->set_version(1);
  }
  std::map<std::string, std::string> meta;
  for (const auto& [k, v] : g.metadata)
    if (!derived_metadata(k)) meta[k] = v;
  // How `edgebench run` prepares images for this model, so an exported TFLite model
  // keeps its TFLite preprocessing rather than the ONNX default.
  if (!meta.count("preprocess"))
    meta["preprocess"] = preprocess_family_name(default_preprocess_family(g));
  if (!g.format.empty()) meta["source_format"] = g.format;
  // A quantized TFLite model keeps TFLite's arithmetic when we import it back
  // (bit for bit); other runtimes requantize as ONNX defines it. A float model
  // gets no key: tools that quantize it (ONNX Runtime's quantize_static) copy
  // metadata, and their QDQ output must requantize as ONNX defines it.
  const bool quantized = std::any_of(g.tensors.begin(), g.tensors.end(),
                                     [](const Tensor& t) { return is_quantized_int(t.dtype); });
  if (quantized)
    meta["requantization"] = g.requantization == Requantization::kFloat ? "float" : "fixed_point";
  for (const auto& [k, v] : meta) {
    auto* p = model_.add_metadata_props();
    p->set_key(k);
    p->set_value(v);
  }
  return std::move(model_);
}

}  // namespace onnx_export

std::string export_onnx_bytes(const Graph& g, const OnnxExportOptions& opt) {
  onnx_export::Exporter e(g, opt);
  onnx::ModelProto model = e.build();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& ex) {
    fail(ErrorCode::kInternal, g.source,
         std::string("the exported model fails ONNX's checker: ") + ex.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    fail(ErrorCode::kUnsupported, g.source, "the exported model is too large for one protobuf");
  return bytes;
}

void export_onnx(const Graph& g, const std::string& path, const OnnxExportOptions& opt) {
  const std::string bytes = export_onnx_bytes(g, opt);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(ErrorCode::kInput, path, std::string("cannot write: ") + std::strerror(errno));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) fail(ErrorCode::kInput, path, std::string("cannot write: ") + std::strerror(errno));
}

}  // namespace edgebench
