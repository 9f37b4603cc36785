// The ONNX importer's driver: parse, opset, initializers and external data, graph
// inputs, structural checks (dangling inputs, cycles), liveness, then one operator
// mapping per node (onnx_ops_*.cpp) and the graph outputs.
#include "importers/onnx/onnx_importer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>

#include "importers/onnx/onnx_context.h"
#include "importers/onnx/onnx_contrib.h"
#include "importers/onnx/onnx_detach.h"
#include "passes/fold_qdq.h"
#include "util/load_phases.h"
#include "util/mapped_file.h"

namespace edgebench {
namespace onnx_import {

void Importer::read_opset(const onnx::ModelProto& model) {
  for (const auto& os : model.opset_import()) {
    if (os.domain().empty() || os.domain() == "ai.onnx") {
      opset_ = static_cast<int>(std::clamp<int64_t>(os.version(), -1, 1 << 20));
      break;
    }
  }
  if (opset_ == 0) fail(ErrorCode::kModel, source_, "no opset_import for the default ONNX domain");
  if (opset_ > kOnnxMaxOpset)
    fail(ErrorCode::kUnsupported, source_,
         "opset " + std::to_string(opset_) + " is newer than the newest supported (" +
             std::to_string(kOnnxMaxOpset) + ")");
  if (opset_ < kOnnxMinOpset)
    fail(ErrorCode::kUnsupported, source_,
         "opset " + std::to_string(opset_) + " is older than the oldest supported (" +
             std::to_string(kOnnxMinOpset) + ")");
}

ConstData Importer::read_external(const std::string& location, uint64_t offset,
                                  std::optional<uint64_t> length, const std::string& tensor) {
  const std::string what = "external data of initializer '" + tensor + "'";
  if (from_memory_)
    fail(ErrorCode::kModel, source_,
         what + " ('" + location + "') cannot be used by a model read from memory");
  // Keyed by the location as written: every weight of a model usually names
  // the same file, checked and opened once.
  auto it = external_files_.find(location);
  if (it == external_files_.end()) {
    std::filesystem::path rel(location);
    bool escapes = rel.is_absolute() || rel.has_root_name();
    for (const auto& part : rel)
      if (part == "..") escapes = true;
    if (escapes)
      fail(ErrorCode::kModel, source_,
           what + ": location '" + location + "' leaves the model's folder");
    const std::string full = (std::filesystem::path(model_dir_) / rel).string();
    std::shared_ptr<const MappedFile> f;
    try {
      f = MappedFile::open(full, ErrorCode::kModel);
    } catch (const Error& e) {
      fail(ErrorCode::kModel, source_, what + ": " + e.what());
    }
    it = external_files_.emplace(location, std::move(f)).first;
  }
  const uint64_t size = it->second->size();
  if (offset > size || (length && *length > size - offset))
    fail(ErrorCode::kModel, source_,
         what + ": bytes [" + std::to_string(offset) + ", " +
             std::to_string(offset + length.value_or(0)) + ") lie outside '" + location + "' (" +
             std::to_string(size) + " bytes)");
  const auto* bytes = reinterpret_cast<const std::byte*>(it->second->data()) + offset;
  const auto n = static_cast<size_t>(length.value_or(size - offset));
  return ConstData(bytes, n, MappedFile::hold_range(it->second, it->second->data() + offset, n));
}

void Importer::add_graph_input(const onnx::ValueInfoProto& vi, bool first) {
  const std::string& name = vi.name();
  if (name.empty()) fail(ErrorCode::kModel, source_, "a graph input has no name");
  if (values_.count(name))
    fail(ErrorCode::kModel, source_, "graph input '" + name + "' is declared twice");
  if (!vi.type().has_tensor_type())
    fail(ErrorCode::kUnsupported, source_, "graph input '" + name + "' is not a tensor");
  const auto& tt = vi.type().tensor_type();
  Value v;
  v.name = name;
  v.elem_type = tt.elem_type();
  v.graph_input = true;
  std::vector<bool> fixed;  // dimensions the model states (the others were defaulted)
  const bool override_it = first && !opt_.input_shape_override.empty();
  if (override_it) {
    v.shape = opt_.input_shape_override;
    fixed.assign(v.shape.size(), true);
    if (tt.has_shape() && tt.shape().dim_size() != static_cast<int>(v.shape.size()))
      fail(ErrorCode::kUsage, source_,
           "input shape " + shape_str(v.shape) + " has rank " + std::to_string(v.shape.size()) +
               ", the model's input '" + name + "' has rank " +
               std::to_string(tt.shape().dim_size()));
  } else {
    if (!tt.has_shape())
      fail(ErrorCode::kUnsupported, source_,
           "graph input '" + name + "' has no shape; pass an input shape");
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto& dim = tt.shape().dim(d);
      fixed.push_back(dim.has_dim_value() && dim.dim_value() > 0);
      if (fixed.back()) {
        v.shape.push_back(dim.dim_value());
      } else if (d == 0) {
        v.shape.push_back(1);  // unknown batch: one
      } else {
        fail(ErrorCode::kUnsupported, source_,
             "graph input '" + name + "' has an unknown dimension " + std::to_string(d) +
                 (dim.has_dim_param() ? " ('" + dim.dim_param() + "')" : "") +
                 "; pass an input shape");
      }
    }
  }
  if (!onnx_shape_ok(v.shape))
    fail(ErrorCode::kModel, source_,
         "graph input '" + name + "' has invalid shape " + shape_str(v.shape));
  auto known = opt_.known_inputs.find(name);
  if (known != opt_.known_inputs.end()) {
    const OnnxTensorData& k = known->second;
    bool fits = k.elem_type == v.elem_type && k.shape.size() == v.shape.size();
    for (size_t d = 0; fits && d < k.shape.size(); ++d)
      fits = !fixed[d] || k.shape[d] == v.shape[d];
    if (!fits)
      fail(ErrorCode::kInput, source_,
           "data for input '" + name + "' is " + onnx_elem_name(k.elem_type) + " " +
               shape_str(k.shape) + ", the model declares " + onnx_elem_name(v.elem_type) + " " +
               shape_str(v.shape));
    v.shape = k.shape;
    v.known = k;
  }
  input_order_.push_back(name);
  values_.emplace(name, std::move(v));
}

void Importer::index_graph(onnx::GraphProto& graph) {
  if (graph.sparse_initializer_size() > 0)
    fail(ErrorCode::kUnsupported, source_, "sparse initializers are not supported");
  for (auto& init : *graph.mutable_initializer()) {
    if (init.name().empty()) fail(ErrorCode::kModel, source_, "an initializer has no name");
    Value v;
    v.name = init.name();
    v.elem_type = init.data_type();
    v.shape.assign(init.dims().begin(), init.dims().end());
    if (!onnx_shape_ok(v.shape))
      fail(ErrorCode::kModel, source_,
           "initializer '" + v.name + "' has invalid shape " + shape_str(v.shape));
    v.proto = &init;
    if (!values_.emplace(v.name, std::move(v)).second)
      fail(ErrorCode::kModel, source_, "initializer '" + init.name() + "' is defined twice");
  }
  bool first = true;
  for (const auto& vi : graph.input()) {
    if (values_.count(vi.name()) && values_.at(vi.name()).proto) continue;  // initializer default
    add_graph_input(vi, first);
    first = false;
  }
}

std::vector<int> Importer::sort_nodes(const onnx::GraphProto& graph) {
  const int n = graph.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    const auto& node = graph.node(i);
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      if (values_.count(out) || producer.count(out))
        fail(ErrorCode::kModel, source_,
             node_label(node, i) + ": output '" + out + "' is already defined" +
                 (producer.count(out) ? " by node #" + std::to_string(producer[out]) : ""));
      producer.emplace(out, i);
    }
  }
  std::vector<int> pending(static_cast<size_t>(n), 0);
  std::vector<std::vector<int>> users(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto& node = graph.node(i);
    std::unordered_set<int> deps;
    for (const auto& in : node.input()) {
      if (in.empty() || values_.count(in)) continue;
      auto p = producer.find(in);
      if (p == producer.end())
        fail(ErrorCode::kModel, source_,
             node_label(node, i) + ": input '" + in +
                 "' is not produced by any node, initializer or graph input");
      deps.insert(p->second);
    }
    pending[static_cast<size_t>(i)] = static_cast<int>(deps.size());
    for (int d : deps) users[static_cast<size_t>(d)].push_back(i);
  }
  // Kahn's algorithm, lowest index first: a sorted graph keeps its order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i)
    if (pending[static_cast<size_t>(i)] == 0) ready.push(i);
  std::vector<int> order;
  order.reserve(static_cast<size_t>(n));
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(u)] == 0) ready.push(u);
  }
  if (static_cast<int>(order.size()) < n) {
    for (int i = 0; i < n; ++i)
      if (pending[static_cast<size_t>(i)] > 0)
        fail(ErrorCode::kModel, source_,
             "graph has a cycle through " + node_label(graph.node(i), i));
  }
  for (const auto& out : graph.output()) {
    if (out.name().empty()) fail(ErrorCode::kModel, source_, "a graph output has no name");
    if (!values_.count(out.name()) && !producer.count(out.name()))
      fail(ErrorCode::kModel, source_,
           "graph output '" + out.name() + "' is not produced by any node, initializer or input");
  }
  return order;
}

std::vector<bool> Importer::mark_live(const onnx::GraphProto& graph,
                                      const std::vector<int>& order) {
  std::vector<bool> node_live(static_cast<size_t>(graph.node_size()), false);
  for (const auto& out : graph.output()) live_.insert(out.name());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto& node = graph.node(*it);
    bool used = false;
    for (const auto& out : node.output()) used = used || (!out.empty() && live_.count(out));
    if (!used) continue;
    node_live[static_cast<size_t>(*it)] = true;
    for (const auto& in : node.input())
      if (!in.empty()) live_.insert(in);
  }
  return node_live;
}

void Importer::convert_node(const onnx::NodeProto& node, int index) {
  NodeCtx ctx(*this, node, index);
  const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
  OpHandler fn = default_domain ? find_op_handler(node.op_type()) : nullptr;
  if (!fn) fail(ErrorCode::kUnsupported, source_, node_label(node, index) + " is not supported");
  if (node.output_size() == 0 || node.output(0).empty())
    fail(ErrorCode::kModel, source_, node_label(node, index) + ": output 0 has no name");
  try {
    fn(ctx);
  } catch (const Error& e) {
    // Give every message from inside a mapping the node's label (once).
    std::string msg = e.what();
    const std::string label = node_label(node, index);
    if (msg.find(label) != std::string::npos) throw;
    if (msg.rfind(source_ + ": ", 0) == 0) msg.erase(0, source_.size() + 2);
    fail(e.code(), source_, label + ": " + msg);
  }
  for (const auto& out : node.output())
    if (!out.empty() && live_.count(out) && !values_.count(out))
      fail(ErrorCode::kInternal, source_,
           node_label(node, index) + ": output '" + out + "' was not mapped");
}

void Importer::finish_outputs(const onnx::GraphProto& graph) {
  std::unordered_set<int> used;
  for (const auto& out : graph.output()) {
    Value& v = value(out.name());
    int id = ir_tensor(v, Layout::kOnnx);
    Tensor& t = g_.tensor(id);
    if (t.is_const() || input_tensors_.count(id) || used.count(id)) {
      // An output must be a node's own tensor: copy (a same-shape reshape).
      id = emit_reshape(id, t.shape, out.name());
    } else if (t.name != out.name()) {
      if (v.ir[1] >= 0 && g_.tensor(v.ir[1]).name == out.name()) g_.tensor(v.ir[1]).name += ":nhwc";
      g_.tensor(id).name = out.name();
    }
    const DType dt = g_.tensor(id).dtype;
    if (dt != DType::kF32 && !is_quantized_int(dt))
      fail(ErrorCode::kUnsupported, source_,
           "graph output '" + out.name() + "' has element type " + onnx_elem_name(v.elem_type));
    used.insert(id);
    g_.outputs.push_back(id);
  }
}

void Importer::propagate_quant() {
  // Integer tensors reached only through Reshape / Transpose from the operator that
  // named their quantization (a uint8 graph input read by a DequantizeLinear after a
  // Transpose) share it: data movement keeps scale and zero point.
  for (bool changed = true; changed;) {
    changed = false;
    for (const Node& n : g_.nodes) {
      if (n.op != OpType::kReshape && n.op != OpType::kTranspose) continue;
      Tensor& x = g_.tensor(n.inputs[0]);
      Tensor& y = g_.tensor(n.outputs[0]);
      if (!is_quantized_int(x.dtype) || x.quant.per_channel() || y.quant.per_channel()) continue;
      if (x.quant.empty() != y.quant.empty()) {
        (x.quant.empty() ? x.quant : y.quant) = x.quant.empty() ? y.quant : x.quant;
        changed = true;
      }
    }
  }
  for (int id : g_.inputs)
    if (is_quantized_int(g_.tensor(id).dtype) && g_.tensor(id).quant.empty())
      fail(ErrorCode::kUnsupported, source_,
           "graph input '" + g_.tensor(id).name + "' is " +
               std::string(dtype_name(g_.tensor(id).dtype)) +
               " but no DequantizeLinear or QLinear operator says how it is quantized");
}

Graph Importer::convert(onnx::ModelProto& model, const std::string& model_dir) {
  const LoadPhase phase("import");
  model_dir_ = model_dir;
  from_memory_ = model_dir.empty();
  external_reader_ = [this](const std::string& loc, uint64_t off, std::optional<uint64_t> len,
                            const std::string& tensor) {
    return read_external(loc, off, len, tensor);
  };
  read_opset(model);
  if (!model.has_graph()) fail(ErrorCode::kModel, source_, "model has no graph");
  onnx::GraphProto& graph = *model.mutable_graph();
  g_.source = source_;
  g_.format = "onnx";
  // Metadata an exporter wrote (ours: "preprocess", "requantization"), then what
  // the file itself says.
  for (const auto& p : model.metadata_props())
    if (!p.key().empty()) g_.metadata[p.key()] = p.value();
  // QLinearConv, QLinearMatMul and QDQ requantize in float (ONNX's operator
  // definitions), unless the model is our export of a TFLite model, made and
  // checked with TFLite's fixed-point arithmetic.
  const auto rq = g_.metadata.find("requantization");
  g_.requantization = rq != g_.metadata.end() && rq->second == "fixed_point"
                          ? Requantization::kFixedPoint
                          : Requantization::kFloat;
  g_.metadata["onnx_opset"] = std::to_string(opset_);
  if (!model.producer_name().empty())
    g_.metadata["producer"] = model.producer_name() + " " + model.producer_version();
  // ONNX Runtime's QOperator contrib operators, as the standard QDQ they stand for.
  expand_contrib_quant_ops(graph, opset_, source_);
  index_graph(graph);
  std::vector<int> order = sort_nodes(graph);
  std::vector<bool> node_live = mark_live(graph, order);
  if (graph.output_size() == 0) fail(ErrorCode::kModel, source_, "graph has no outputs");
  // Unsupported operators first, so the message names the first one in the file.
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (node_live[static_cast<size_t>(i)] && (!default_domain || !find_op_handler(node.op_type())))
      fail(ErrorCode::kUnsupported, source_, node_label(node, i) + " is not supported");
  }
  // Decoded initializers are dropped after their last reader: a weight converted
  // into the IR's layout is then held once, not twice, at the peak of loading.
  std::unordered_map<std::string, int> uses;
  for (int i : order)
    if (node_live[static_cast<size_t>(i)])
      for (const auto& in : graph.node(i).input()) ++uses[in];
  for (const auto& out : graph.output()) ++uses[out.name()];
  for (int i : order) {
    if (!node_live[static_cast<size_t>(i)]) continue;
    convert_node(graph.node(i), i);
    for (const auto& in : graph.node(i).input()) {
      auto it = values_.find(in);
      if (--uses[in] == 0 && it != values_.end()) it->second.constant.reset();
    }
  }
  finish_outputs(graph);
  // Graph inputs in ONNX order: those used at run time, and unused ones (the model's
  // signature), but not known inputs that were only ever read as constants.
  std::vector<int> inputs;
  for (const std::string& name : input_order_) {
    Value& v = values_.at(name);
    if (v.ir[0] < 0 && v.known) continue;
    inputs.push_back(ir_tensor(v, Layout::kOnnx));
  }
  g_.inputs = std::move(inputs);
  if (g_.inputs.empty())
    fail(ErrorCode::kUnsupported, source_,
         "model has no run-time inputs (its outputs are constants)");
  propagate_quant();
  verify(g_);
  // DequantizeLinear -> operator -> QuantizeLinear becomes the quantized operator, and
  // dequantized weights left over become float constants: backends see no QDQ weights.
  passes::fold_qdq(g_);
  verify(g_);
  return std::move(g_);
}

}  // namespace onnx_import

namespace {

// Initializers smaller than a page stay in the parsed proto: mapping them
// saves nothing.
constexpr size_t kMinDetachedBytes = 4096;

Graph import_parsed(onnx::ModelProto& model, const std::string& name, const std::string& dir,
                    const OnnxImportOptions& opt) {
  onnx_import::Importer im(name, opt);
  return im.convert(model, dir);
}

void parse_model(onnx::ModelProto& model, const uint8_t* data, size_t size,
                 const std::string& name) {
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
    fail(ErrorCode::kModel, name,
         "model larger than 2 GiB (ONNX keeps big weights in external data)");
  if (!model.ParseFromArray(data, static_cast<int>(size)))
    fail(ErrorCode::kModel, name,
         "not an ONNX model (protobuf parse failed: truncated or corrupt)");
}

}  // namespace

// Parses the mapped file with large initializers' bytes left in it, as external
// data of the file itself (onnx_detach.h): the parse copies a few KiB, and each
// weight's pages are read where the importer converts it, then dropped.
void parse_model_file(onnx::ModelProto& model, const std::string& path) {
  const LoadPhase phase("parse");
  const auto file = MappedFile::open(path, ErrorCode::kModel);
  const std::string location = std::filesystem::path(path).filename().string();
  if (auto detached = detach_raw_data(file->bytes(), location, kMinDetachedBytes)) {
    if (!model.ParseFromString(*detached))
      fail(ErrorCode::kModel, path,
           "not an ONNX model (protobuf parse failed: truncated or corrupt)");
    return;
  }
  parse_model(model, file->data(), file->size(), path);
}

Graph import_onnx(const std::string& path, const OnnxImportOptions& options) {
  onnx::ModelProto model;
  parse_model_file(model, path);
  std::string dir = std::filesystem::path(path).parent_path().string();
  return import_parsed(model, path, dir.empty() ? "." : dir, options);
}

Graph import_onnx(const std::string& path, const std::vector<int64_t>& input_shape_override) {
  OnnxImportOptions opt;
  opt.input_shape_override = input_shape_override;
  return import_onnx(path, opt);
}

Graph import_onnx_buffer(const uint8_t* data, size_t size, const std::string& name,
                         const OnnxImportOptions& options) {
  onnx::ModelProto model;
  parse_model(model, data, size, name);
  return import_parsed(model, name, "", options);
}

}  // namespace edgebench
