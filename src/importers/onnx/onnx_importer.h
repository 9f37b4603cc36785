// ONNX (opsets 7–17, float32 models) → IR. The model's NCHW values become NHWC
// inside the graph (the IR's layout), with transposes only where an operator needs
// the ONNX order; graph inputs and outputs keep the ONNX shape exactly, so ONNX test
// data feeds straight in. Any input yields a verified Graph or an edgebench::Error:
//   kModel       not an ONNX model, truncated, corrupt or inconsistent (cycles,
//                dangling inputs, shapes that do not fit, missing external data)
//   kUnsupported a valid model using an operator, attribute value, element type or
//                opset we do not run; the message names the node and what it is
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "importers/onnx/onnx_tensor.h"
#include "ir/graph.h"

namespace edgebench {

inline constexpr int kOnnxMinOpset = 7;
inline constexpr int kOnnxMaxOpset = 17;

struct OnnxImportOptions {
  // Shape of the first graph input, in ONNX order; replaces its declared shape. Without
  // it, an unknown (symbolic) batch dimension becomes 1 and other unknown ones are errors.
  std::vector<int64_t> input_shape_override;
  // Values known for some graph inputs (ONNX test cases feed weights, shapes and pads as
  // inputs). An operator that needs a constant there (a Conv's weights, a Reshape's
  // shape) takes it from here; an input used only that way leaves the IR's inputs.
  std::map<std::string, OnnxTensorData> known_inputs;
};

// Reads `path`; external data files are looked up relative to its folder.
Graph import_onnx(const std::string& path, const std::vector<int64_t>& input_shape_override = {});
Graph import_onnx(const std::string& path, const OnnxImportOptions& options);

// Imports a serialized ModelProto held in memory (the bytes are not kept). External
// data references are rejected. `name` prefixes messages and becomes Graph::source.
Graph import_onnx_buffer(const uint8_t* data, size_t size, const std::string& name,
                         const OnnxImportOptions& options = {});

// Whether the importer maps this default-domain operator type at all (some attribute
// values or element types of it may still be rejected).
bool onnx_op_supported(std::string_view op_type);
std::vector<std::string> onnx_supported_ops();

}  // namespace edgebench
