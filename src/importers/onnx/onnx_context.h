// Internal to the ONNX importer: the per-model state shared by the driver
// (onnx_importer.cpp), the layout tracker (onnx_layout.cpp) and the operator
// mappings (onnx_ops_*.cpp).
//
// Layout: ONNX values are NCHW-ordered; the IR is NHWC. Each ONNX value remembers
// which IR tensors hold it: in ONNX order, and (4-D values only) permuted to
// channels-last. Producers write whichever layout is natural to them (Conv writes
// NHWC, Reshape writes ONNX order); consumers ask for the layout they need, and a
// transpose (or, where only size-1 axes move, a reshape) is inserted once and cached.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/onnx_tensor.h"
#include "ir/graph.h"
#include "ir/permute.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace edgebench::onnx_import {

enum class Layout : uint8_t { kOnnx = 0, kNhwc = 1 };

// NHWC position d holds ONNX axis kNhwcFromOnnx[d]: [N,C,H,W] -> [N,H,W,C].
inline const std::vector<int> kToNhwc = {0, 2, 3, 1};
// ... and ONNX axis a sits at NHWC position kNhwcPos[a]; also the perm NHWC -> NCHW.
inline const std::vector<int> kToOnnx = {0, 3, 1, 2};

// NumPy broadcasting of two ONNX shapes; nullopt when they do not broadcast.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// A DequantizeLinear of constant integers: the integers, kept beside the folded
// float constant so that weighted operators can keep them quantized (fold_qdq).
struct QuantConst {
  OnnxTensorData q;   // uint8, int8 or int32, ONNX order
  QuantParams quant;  // axis in ONNX order
};

// Integer constant -> float, as DequantizeLinear computes it: (q - zero_point) * scale.
OnnxTensorData dequantize_const(const OnnxTensorData& d, const QuantParams& q);

struct Value {
  std::string name;
  int32_t elem_type = 0;                   // onnx::TensorProto_DataType
  Shape shape;                             // ONNX order, static
  onnx::TensorProto* proto = nullptr;      // an initializer, decoded on first use
  std::optional<OnnxTensorData> constant;  // known at import time
  bool graph_input = false;                // IR input tensor created on first runtime use
  std::optional<OnnxTensorData> known;     // a graph input's value given by the caller
  int ir[2] = {-1, -1};                    // IR tensors holding it, indexed by Layout
  Layout native = Layout::kOnnx;           // the layout its producer wrote
  std::optional<QuantConst> dq;            // set when `constant` is a dequantized constant
  // `constant` holds only the shape until a reader needs the float values
  // (Importer::constant computes them then): weights that stay quantized
  // (weight_tensor) never do, and a model's weights are millions of values.
  bool dequantize_pending = false;

  size_t rank() const { return shape.size(); }
};

class Importer {
 public:
  Importer(std::string source, const OnnxImportOptions& opt)
      : source_(std::move(source)), opt_(opt) {}

  // Converts the model; `model_dir` is where external data lives ("" = from memory).
  Graph convert(onnx::ModelProto& model, const std::string& model_dir);

  const std::string& source() const { return source_; }
  int opset() const { return opset_; }
  Graph& graph() { return g_; }
  const ExternalDataReader* external_reader() const { return &external_reader_; }

  Value& value(const std::string& name);
  bool live(const std::string& name) const { return live_.count(name) != 0; }
  // The value's contents when constant (initializer, Constant node, folded); decodes
  // lazily. nullptr for a run-time value, including a graph input with a known value.
  const OnnxTensorData* constant(Value& v);
  // The same, except that a dequantized constant's float values may be
  // missing (Value::dequantize_pending): for readers of the shape and of
  // weight_tensor, which keeps such constants quantized.
  const OnnxTensorData* constant_shape(Value& v);
  // The IR tensor holding `v` in `want` (4-D values only for kNhwc), creating the graph
  // input, materializing the constant or inserting the transpose on first request.
  int ir_tensor(Value& v, Layout want);
  // v's native layout, or ONNX order for constants / non-4-D values.
  Layout layout_of(Value& v);
  // The layout an element-wise operator should run v in: NHWC where v already has an
  // NHWC tensor or gets one by cancelling a transpose, else layout_of(v).
  Layout cheapest_layout(Value& v);
  // Gives an integer IR tensor its quantization (graph inputs learn theirs from the
  // first DequantizeLinear / QLinear operator reading them); kUnsupported on a clash.
  void require_quant(int id, const QuantParams& q, const std::string& who);
  // An IR tensor for a constant weight that keeps its integers when it is a
  // dequantized constant: integers permuted by `perm` (ONNX -> IR order) and an IR
  // Dequantize, else the float constant permuted. ir_shape is the permuted shape.
  int weight_tensor(Value& v, const OnnxTensorData& f, const std::vector<int>& perm,
                    const std::string& name);
  // The integers of qc (ONNX shape `shape`) permuted by `perm`, with their quantization.
  int quantized_const(const QuantConst& qc, const Shape& shape, const std::vector<int>& perm,
                      const std::string& name);

  // Defines an ONNX value produced by a node (SSA: names are defined once).
  Value& define(const std::string& name, int32_t elem_type, Shape onnx_shape, int ir, Layout l);
  Value& define_const(const std::string& name, OnnxTensorData c);
  // Makes `name` another name of `v` (Identity, Dropout).
  void alias(const std::string& name, Value& v);

  // IR building blocks. Shapes are IR shapes.
  int add_tensor(const std::string& name, DType t, Shape s, ConstData data = {});
  int emit(OpType op, const std::string& node_name, std::vector<int> inputs, Attrs attrs,
           const std::string& out_name, DType t, Shape s);
  int emit_transpose(int id, const std::vector<int>& perm, const std::string& name);
  int emit_reshape(int id, Shape s, const std::string& name);
  int const_tensor(const std::string& name, const OnnxTensorData& c, Layout l);

 private:
  void read_opset(const onnx::ModelProto& model);
  void index_graph(onnx::GraphProto& graph);
  std::vector<int> sort_nodes(const onnx::GraphProto& graph);
  std::vector<bool> mark_live(const onnx::GraphProto& graph, const std::vector<int>& order);
  void add_graph_input(const onnx::ValueInfoProto& vi, bool first);
  void convert_node(const onnx::NodeProto& node, int index);
  void finish_outputs(const onnx::GraphProto& graph);
  void propagate_quant();
  ConstData read_external(const std::string& location, uint64_t offset,
                          std::optional<uint64_t> length, const std::string& tensor);

  std::string source_;
  OnnxImportOptions opt_;
  std::string model_dir_;
  bool from_memory_ = false;
  int opset_ = 0;
  Graph g_;
  std::unordered_map<std::string, Value> values_;
  std::unordered_set<std::string> live_;
  std::vector<std::string> input_order_;   // non-initializer graph inputs, in ONNX order
  std::unordered_set<int> input_tensors_;  // IR tensors created for graph inputs
  std::unordered_map<std::string, std::shared_ptr<const MappedFile>> external_files_;
  ExternalDataReader external_reader_;
};

// One node being converted: its attributes, inputs and outputs, and error helpers that
// name it ("<model>: node #<i> '<name>' (<OpType>): ...").
class NodeCtx {
 public:
  NodeCtx(Importer& im, const onnx::NodeProto& node, int index)
      : im(im), node(node), index(index) {}

  Importer& im;
  const onnx::NodeProto& node;
  const int index;

  const std::string& op() const { return node.op_type(); }
  int opset() const { return im.opset(); }
  std::string label() const;  // "node #3 'conv1' (Conv)"
  std::string out_name(size_t i = 0) const { return node.output(static_cast<int>(i)); }

  [[noreturn]] void fail(ErrorCode code, const std::string& what) const;
  [[noreturn]] void bad(const std::string& what) const { fail(ErrorCode::kModel, what); }
  [[noreturn]] void unsupported(const std::string& what) const {
    fail(ErrorCode::kUnsupported, what);
  }
  [[noreturn]] void unsupported_attr(const std::string& attr, const std::string& value) const;

  // Attributes (a wrong attribute type is kModel).
  const onnx::AttributeProto* attr(std::string_view name) const;
  int64_t attr_int(std::string_view name, int64_t dflt) const;
  float attr_float(std::string_view name, float dflt) const;
  std::string attr_str(std::string_view name, const std::string& dflt) const;
  std::vector<int64_t> attr_ints(std::string_view name) const;  // empty when absent
  bool has_attr(std::string_view name) const { return attr(name) != nullptr; }

  // Inputs: `i` past the end or an empty name means absent.
  bool has_input(size_t i) const;
  Value& in(size_t i) const;  // kModel when absent
  // A float32 run-time operand: kUnsupported naming the element type otherwise.
  Value& float_in(size_t i) const;
  // The input's contents, which must be known at import time (kUnsupported otherwise).
  const OnnxTensorData& const_in(size_t i, const std::string& what) const;
  // const_in through Importer::constant_shape (weights for weight_tensor).
  const OnnxTensorData& weight_in(size_t i, const std::string& what) const;
  std::vector<int64_t> const_ints(size_t i, const std::string& what) const;
  float const_scalar(size_t i, const std::string& what) const;

  // Extra outputs (masks, indices, running stats) we do not compute: kUnsupported if used.
  void require_unused_outputs_from(size_t first, const std::string& what) const;
  // Normalizes an axis in [-rank, rank) (kModel otherwise).
  int axis(int64_t a, size_t rank, const std::string& what) const;
  std::string node_name() const;  // name for IR nodes made from this node
};

// "node #3 'conv1' (Conv)": how every message names a node (its first output when unnamed).
std::string node_label(const onnx::NodeProto& n, int index);

using OpHandler = void (*)(NodeCtx&);
struct OpEntry {
  std::string_view op_type;
  OpHandler fn;
};
// Per-file operator tables (onnx_ops_*.cpp), gathered by find_op_handler().
std::vector<OpEntry> nn_ops();
std::vector<OpEntry> elementwise_ops();
std::vector<OpEntry> tensor_ops();
std::vector<OpEntry> quant_ops();

// Window, padding and output size of a 2-D convolution of x by weights of ONNX shape
// [M, C/group, KH, KW] (Conv and QLinearConv).
struct ConvPlan {
  OpType op = OpType::kConv2D;
  Conv2DAttrs attrs;
  std::vector<int> filter_perm;  // ONNX weights -> IR filter
  Shape ir_out;                  // NHWC
  Shape onnx_out;                // NCHW
};
ConvPlan plan_conv(NodeCtx& c, const Value& x, const Shape& w);
// The IR dtype of a quantized ONNX element type (uint8, int8), or kUnsupported.
DType quant_dtype(NodeCtx& c, int32_t elem_type, const std::string& what);
OpHandler find_op_handler(std::string_view op_type);

}  // namespace edgebench::onnx_import
