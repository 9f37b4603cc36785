// Internal to the ONNX exporter: per-graph state shared by the driver
// (onnx_exporter.cpp) and the operator writers (onnx_export_ops.cpp).
//
// Layout: an IR tensor may be held in ONNX in its own (IR) order, or, for 4-D
// activations, permuted NHWC -> NCHW. Producers write whichever order is natural
// (a Conv writes NCHW, a Reshape IR order); consumers ask for the order they need
// and a Transpose is inserted once and cached (the importer's scheme, mirrored).
#pragma once

#include <onnx/onnx_pb.h>

#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "exporters/onnx/onnx_exporter.h"
#include "ir/graph.h"

namespace edgebench::onnx_export {

enum class Layout : uint8_t { kIr = 0, kNchw = 1 };

// NCHW axis a holds NHWC axis kFromNhwc[a]: the Transpose perm NHWC -> NCHW.
inline const std::vector<int> kToNchw = {0, 3, 1, 2};
// ... and NHWC axis d sits at NCHW axis kNchwPos[d]; also the perm NCHW -> NHWC.
inline const std::vector<int> kToNhwc = {0, 2, 3, 1};

class Exporter {
 public:
  Exporter(const Graph& g, const OnnxExportOptions& opt);
  onnx::ModelProto build();

  const Graph& g;
  const OnnxExportOptions& opt;
  bool qlinear() const { return opt.quant_form == OnnxExportOptions::QuantForm::kQLinear; }

  // The ONNX value holding IR tensor `id` in layout `l` (4-D only for kNchw):
  // constants become initializers, other orders a cached Transpose.
  std::string value(int id, Layout l);
  // The layout the tensor's producer wrote (kIr for inputs and constants).
  Layout native(int id) const;
  // The name the producer of `id` in layout `l` must give its output.
  std::string output_name(int id, Layout l);
  // Records that `name` holds tensor `id` in layout `l`.
  void define(int id, Layout l, const std::string& name);

  // A float view of tensor `id` in layout `l`: itself, or DequantizeLinear of it.
  std::string float_value(int id, Layout l);
  // A float view of a constant weight tensor permuted by `perm` (IR -> ONNX order):
  // a float initializer, or an integer one with DequantizeLinear (per-axis along the
  // permuted quantization axis).
  std::string float_weight(int id, const std::vector<int>& perm);
  // An integer weight initializer permuted by `perm` (for QLinear operators).
  std::string int_weight(int id, const std::vector<int>& perm);
  // An int32 bias: as is (QLinearConv) or dequantized with scale input_scale * w_scale.
  std::string float_bias(int id, const Tensor& x, const Tensor& w);

  // DequantizeLinear / QuantizeLinear with t's parameters (per-axis along `axis`).
  std::string dequantize(const std::string& x, const Tensor& t, int axis, const std::string& out);
  std::string quantize(const std::string& x, const Tensor& t, int axis, const std::string& out);
  std::string scale_init(const Tensor& t);
  std::string zero_point_init(const Tensor& t);

  // Relu / Clip for a fused activation; returns `x` when there is none.
  std::string activation(const std::string& x, const FusedActivation& a, const std::string& out);

  // Nodes and initializers. Names are made unique.
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name,
                        const std::string& domain = "");
  std::string fresh(const std::string& base);
  std::string initializer(const std::string& base, int32_t elem_type, const Shape& shape,
                          const void* data, size_t bytes);
  std::string ints_init(const std::string& base, const std::vector<int64_t>& v);
  std::string floats_init(const std::string& base, const std::vector<float>& v, const Shape& s);
  std::string transpose(const std::string& x, const std::vector<int>& perm, const std::string& out);

  [[noreturn]] void unsupported(const Node& n, const std::string& what) const;
  std::string label(const Node& n) const;
  bool uses_ms_domain = false;

 private:
  void add_io(onnx::ValueInfoProto* vi, const Tensor& t, const std::string& name);

  onnx::ModelProto model_;
  onnx::GraphProto* graph_ = nullptr;
  std::vector<std::array<std::string, 2>> values_;  // per tensor, per layout
  std::vector<Layout> native_;
  std::vector<int> producer_;
  std::unordered_set<std::string> used_names_;
  std::unordered_set<int> graph_outputs_;
  // Transposes we wrote: output -> (input, perm), to cancel a transpose of a transpose.
  std::unordered_map<std::string, std::pair<std::string, std::vector<int>>> transposes_;
  std::map<std::pair<int, std::vector<int>>, std::string> weights_;
};

// Writes the ONNX nodes for IR node `n` (onnx_export_ops.cpp).
void export_node(Exporter& e, const Node& n, size_t index);

}  // namespace edgebench::onnx_export
